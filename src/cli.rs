//! The command line: a thin layer that parses arguments, starts library jobs and prints results.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::{self, AnalysisRequest, Progress};
use crate::metrics;
use crate::review::{self, DEFAULT_THRESHOLD, InputStatus, ReviewDocument, Slicing};
use crate::vision::{DetectorConfig, VisionConfig};

#[derive(Debug, Parser)]
#[command(
    name = "lineup",
    version,
    about = "Review what police-style face recognition would do, before anyone deploys it.",
    long_about = "Review what police-style face recognition would do, before anyone deploys it.\n\n\
        lineup finds every face in your footage with a real detector (CenterFace), compares each \
        with a watchlist of enrolment photos using a real recognition model (MobileFaceNet), and \
        records which faces would raise an alert at a chosen match threshold. Everything runs on \
        this machine; nothing needs a network.\n\n\
        Run with no command to open the desktop app."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the desktop app on a review.
    Open {
        /// The review document.
        review: PathBuf,
        /// The screen to show first.
        #[arg(long, value_enum, default_value_t = Screen::Faces)]
        tab: Screen,
    },
    /// Open the desktop app on the demo review (built from the test photos on first use).
    Demo {
        /// Only build the demo review (headless) and print where it is.
        #[arg(long)]
        prepare: bool,
    },
    /// Find faces in images, search them against a watchlist, and write a review document.
    Analyze(AnalyzeArgs),
    /// Print error rates per demographic slice for a labelled review.
    Metrics(MetricsArgs),
    /// Import or export track labels and attributes as CSV.
    #[command(subcommand)]
    Labels(LabelsCommand),
}

#[derive(Debug, Args)]
struct MetricsArgs {
    /// The review document.
    review: PathBuf,
    /// Global match threshold (default: the one the review was analysed at).
    #[arg(long, value_parser = parse_threshold)]
    threshold: Option<f32>,
    /// Attributes to slice by, crossed, e.g. skin,gender (default: the review's own slicing).
    #[arg(long, value_delimiter = ',', value_name = "ATTRIBUTES")]
    slice: Option<Vec<String>>,
    /// Also print, per slice, the lowest threshold that keeps its FPIR at or below this (0–1).
    #[arg(long, value_name = "RATE", value_parser = parse_proportion)]
    max_fpir: Option<f64>,
    /// Also say what the measured rates would mean for a crowd of this many people...
    #[arg(long, value_name = "PEOPLE")]
    crowd: Option<u64>,
    /// ...of whom this share is on the watchlist (0–1).
    #[arg(long, value_name = "SHARE", default_value_t = 0.001, value_parser = parse_proportion)]
    prevalence: f64,
    /// Also model how false alerts would grow with a watchlist of this many identities.
    #[arg(long, value_name = "IDENTITIES")]
    watchlist_size: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum LabelsCommand {
    /// Write one row per track: id, where it was seen, its best candidate, label, attributes.
    Export { review: PathBuf, csv: PathBuf },
    /// Read labels and attributes from a CSV (as exported) into the review, saving it.
    Import { review: PathBuf, csv: PathBuf },
}

fn parse_proportion(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not a proportion between 0 and 1"))
    }
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Images, or folders of images (taken in natural name order), to analyse.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    footage: Vec<PathBuf>,
    /// Folder of enrolment photos: a subfolder per person, or files named Name_1.jpg, Name_2.jpg.
    #[arg(long, value_name = "DIR")]
    watchlist: PathBuf,
    /// Cosine similarity at or above which a face raises an alert (-1 to 1).
    #[arg(long, default_value_t = DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    threshold: f32,
    /// Watchlist candidates kept per face.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    top_k: u16,
    /// Images are scaled so their long side is at most this many pixels before detection.
    #[arg(long, default_value_t = DetectorConfig::default().max_side, value_parser = clap::value_parser!(u32).range(32..=8192))]
    max_side: u32,
    /// Threads the models may use (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Where to write the review document (RON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Screen {
    Footage,
    Faces,
    Watchlist,
    Thresholds,
    BaseRates,
}

impl From<Screen> for crate::ui::Tab {
    fn from(screen: Screen) -> Self {
        match screen {
            Screen::Footage => Self::Footage,
            Screen::Faces => Self::Faces,
            Screen::Watchlist => Self::Watchlist,
            Screen::Thresholds => Self::Thresholds,
            Screen::BaseRates => Self::BaseRates,
        }
    }
}

fn parse_threshold(text: &str) -> Result<f32, String> {
    let value: f32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (-1.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{value} is outside -1 to 1, the range of cosine similarity"
        ))
    }
}

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run_app(|_| crate::ui::LineupApp::start()),
        Some(Command::Open { review, tab }) => {
            run_app(move |_| crate::ui::LineupApp::open(&review).on_tab(tab.into()))
        }
        Some(Command::Demo { prepare: false }) => run_demo(),
        Some(Command::Demo { prepare: true }) => prepare_demo(),
        Some(Command::Analyze(args)) => analyze(args),
        Some(Command::Metrics(args)) => print_metrics(args),
        Some(Command::Labels(command)) => labels(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the desktop app window with the app `make` builds (given the egui context).
fn run_app(
    make: impl FnOnce(&eframe::egui::Context) -> crate::ui::LineupApp + 'static,
) -> anyhow::Result<ExitCode> {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 720.0])
            .with_min_inner_size([800.0, 500.0])
            .with_title("lineup"),
        ..Default::default()
    };
    eframe::run_native(
        "lineup",
        options,
        Box::new(move |cc| Ok(Box::new(make(&cc.egui_ctx)))),
    )
    .map_err(|e| anyhow::anyhow!("could not open the lineup window: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

fn run_demo() -> anyhow::Result<ExitCode> {
    match crate::demo::prepare().map_err(anyhow::Error::msg)? {
        crate::demo::Demo::Ready(review) => run_app(move |_| crate::ui::LineupApp::open(&review)),
        crate::demo::Demo::NeedsAnalysis { request, review } => run_app(move |ctx| {
            let repaint = ctx.clone();
            crate::ui::LineupApp::analysing(
                request,
                crate::ui::AfterAnalysis::Demo(review),
                move || repaint.request_repaint(),
            )
        }),
    }
}

/// Builds the demo review without a window (for scripts), or says where it already is.
fn prepare_demo() -> anyhow::Result<ExitCode> {
    let review = match crate::demo::prepare().map_err(anyhow::Error::msg)? {
        crate::demo::Demo::Ready(review) => review,
        crate::demo::Demo::NeedsAnalysis { request, review } => {
            let mut document = analysis::run(&request, &mut |_| {}, &AtomicBool::new(false))?;
            crate::demo::label(&mut document);
            review::save(&document, &review)?;
            review
        }
    };
    println!("{}", review.display());
    Ok(ExitCode::SUCCESS)
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let mut vision = VisionConfig::default();
    vision.detector.max_side = args.max_side;
    if let Some(threads) = args.threads {
        vision.threads = usize::from(threads);
    }
    let request = AnalysisRequest {
        footage: args.footage,
        watchlist: args.watchlist,
        threshold: args.threshold,
        top_k: usize::from(args.top_k),
        vision,
    };
    let bar = progress_bar();
    let document = analysis::run(
        &request,
        &mut |p| show_progress(&bar, p),
        &AtomicBool::new(false),
    );
    bar.finish_and_clear();
    let document = document?;
    for warning in &document.warnings {
        eprintln!("warning: {warning}");
    }
    if !document
        .inputs
        .iter()
        .any(|i| i.status == InputStatus::Analysed)
    {
        eprintln!(
            "error: none of the {} inputs could be analysed; no review written",
            document.inputs.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    review::save(&document, &args.out)?;
    print_summary(&document, request.threshold);
    println!("Review written to {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let style =
        ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} ({eta}) {wide_msg:.dim}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn show_progress(bar: &ProgressBar, progress: Progress) {
    match progress {
        Progress::LoadingModels => bar.set_prefix("models"),
        Progress::Enrolling { done, total } => {
            bar.set_prefix("watchlist");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Progress::Analysing {
            done,
            total,
            current,
        } => {
            bar.set_prefix("footage");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(current.map(|p| p.display().to_string()).unwrap_or_default());
        }
    }
}

fn print_summary(document: &ReviewDocument, threshold: f32) {
    let summary = document.summary(threshold);
    println!("{:<34}{:>8}", "Inputs analysed", summary.inputs_analysed);
    println!("{:<34}{:>8}", "Inputs that failed", summary.inputs_failed);
    println!("{:<34}{:>8}", "Faces found", summary.faces);
    println!(
        "{:<34}{:>8}",
        format!("Flagged at threshold {threshold:.2}"),
        summary.alerts
    );
    println!();
    println!("{:<34}{:>8}", "Watchlist identity", "Alerts");
    for (name, alerts) in &summary.alerts_per_identity {
        println!("{name:<34}{alerts:>8}");
    }
}

fn print_metrics(args: MetricsArgs) -> anyhow::Result<ExitCode> {
    let document = review::load(&args.review)?;
    let threshold = args.threshold.unwrap_or(document.settings.threshold);
    let slicing = match args.slice {
        Some(attributes) => Slicing { attributes },
        None => document.slicing.clone(),
    };
    let evaluation = document
        .evaluate(&slicing, threshold)
        .map_err(anyhow::Error::msg)?;
    print!("{}", evaluation.to_text());
    if evaluation.searches == 0 {
        println!(
            "\nNo track is labelled yet, so no error rate can be given: label tracks in the app, or \
             with `lineup labels export`, a spreadsheet, and `lineup labels import`."
        );
    }
    if let Some(max_fpir) = args.max_fpir {
        let sliced = document
            .sliced_searches(&slicing)
            .map_err(anyhow::Error::msg)?;
        println!(
            "\nLowest threshold keeping FPIR at or below {:.2}%:",
            max_fpir * 100.0
        );
        for (name, threshold) in sliced
            .names
            .iter()
            .zip(sliced.index().thresholds_for_max_fpir(max_fpir))
        {
            let shown =
                threshold.map_or("no non-mated searches".to_string(), |t| format!("{t:.4}"));
            println!("  {name:<32} {shown}");
        }
    }
    if let Some(crowd) = args.crowd {
        let pooled = &evaluation.pooled;
        let expected = pooled
            .fpir
            .rate
            .zip(pooled.fnir.rate)
            .and_then(|(fpir, fnir)| metrics::expected_alerts(fpir, fnir, crowd, args.prevalence));
        match expected {
            Some(expected) => println!("\n{}", metrics::alert_sentence(&expected)),
            None => println!("\nA crowd estimate needs both mated and non-mated labelled tracks."),
        }
    }
    if let Some(size) = args.watchlist_size {
        print_watchlist_growth(&document, evaluation.pooled.fpir.rate, size);
    }
    Ok(ExitCode::SUCCESS)
}

/// The labelled model 1 − (1 − FMR)^N, with FMR per comparison backed out of the measured FPIR
/// against the review's own watchlist.
fn print_watchlist_growth(document: &ReviewDocument, fpir: Option<f64>, size: u64) {
    let enrolled = document.watchlist.identities.len() as u64;
    let Some(fpir) = fpir.filter(|_| enrolled > 0) else {
        println!("\nThe watchlist-size model needs non-mated labelled tracks.");
        return;
    };
    let fmr = 1.0 - (1.0 - fpir).powf(1.0 / enrolled as f64);
    if let Some(chance) = metrics::false_match_chance(fmr, size) {
        println!(
            "\nModel (assumes independent comparisons): FPIR {:.2}% against {enrolled} identities means \
             about {:.4}% false matches per comparison; against {size} identities a person not on the \
             list would raise a false alert with probability {:.2}%.",
            fpir * 100.0,
            fmr * 100.0,
            chance * 100.0
        );
    }
}

fn labels(command: LabelsCommand) -> anyhow::Result<ExitCode> {
    match command {
        LabelsCommand::Export { review, csv } => {
            let document = review::load(&review)?;
            review::csv::export(&document, &csv)?;
            println!(
                "Wrote {} tracks to {}",
                document.tracks.len(),
                csv.display()
            );
        }
        LabelsCommand::Import { review, csv } => {
            let mut document = review::load(&review)?;
            let changed = review::csv::import(&mut document, &csv)?;
            review::save(&document, &review)?;
            println!("Updated {changed} tracks in {}", review.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
