//! The command line: a thin layer that parses arguments, starts library jobs and prints results.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::{self, AnalysisRequest, Progress};
use crate::footage::Sampling;
use crate::review::{self, DEFAULT_THRESHOLD, InputStatus, ReviewDocument};
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
        this machine; nothing needs a network.",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find faces in images and videos, search them against a watchlist, and write a review document.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Images, videos (mp4, mkv, mov, avi, webm, ...), or folders of them (taken in natural name
    /// order), to analyse.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    footage: Vec<PathBuf>,
    /// Which frames of each video to analyse: every (every frame), fps:N (at most N frames a
    /// second, e.g. fps:5 or fps:0.5), or keyframes (fastest, sparsest).
    #[arg(long, default_value = "every", value_name = "every|fps:N|keyframes")]
    sample: Sampling,
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

/// Raised by Ctrl-C: the running analysis stops and keeps what it has.
static CANCEL: AtomicBool = AtomicBool::new(false);
/// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_CANCELLED: u8 = 130;

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
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
        sampling: args.sample,
    };
    stop_on_ctrl_c();
    eprintln!(
        "Analysing {} path(s), sampling {}; Ctrl-C stops and keeps what is done",
        request.footage.len(),
        request.sampling
    );
    let bar = progress_bar();
    let mut log = InputLog::default();
    let document = analysis::run(
        &request,
        &mut |p| {
            log.note(&bar, &p);
            show_progress(&bar, p)
        },
        &CANCEL,
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
        let why = if document.complete {
            "could be analysed"
        } else {
            "was analysed before the run was cancelled"
        };
        eprintln!(
            "error: none of the {} inputs {why}; no review written",
            document.inputs.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    review::save(&document, &args.out)?;
    print_summary(&document, request.threshold);
    println!("Review written to {}", args.out.display());
    if !document.complete {
        eprintln!(
            "Cancelled: the review holds only what was analysed before Ctrl-C and is marked incomplete"
        );
        return Ok(ExitCode::from(EXIT_CANCELLED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The first Ctrl-C asks the analysis to stop and keep its partial results; a second one, for
/// someone who cannot wait for that, ends the process at once.
fn stop_on_ctrl_c() {
    let handler = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_CANCELLED));
        }
    });
    if let Err(e) = handler {
        eprintln!("warning: Ctrl-C will end lineup without saving partial results ({e})");
    }
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Without a terminal (a log, CI) there is no bar: one line per input says how far the run is.
#[derive(Default)]
struct InputLog {
    /// The input (counting from 1) last logged.
    last: usize,
}

impl InputLog {
    fn note(&mut self, bar: &ProgressBar, progress: &Progress) {
        let Progress::Analysing {
            current: Some(path),
            inputs_done,
            inputs_total,
            frames_done,
            frames_total,
            ..
        } = progress
        else {
            return;
        };
        let number = inputs_done + 1;
        if !bar.is_hidden() || self.last == number {
            return;
        }
        eprintln!(
            "input {number} of {inputs_total}: {} (frames done so far: {frames_done} of about {frames_total})",
            path.display()
        );
        self.last = number;
    }
}

fn show_progress(bar: &ProgressBar, progress: Progress) {
    match progress {
        Progress::LoadingModels => bar.set_prefix("models"),
        Progress::Enrolling { done, total } => {
            bar.set_prefix("watchlist");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Progress::Counting { done, total } => {
            bar.set_prefix("counting");
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Progress::Analysing {
            frames_done,
            frames_total,
            inputs_done,
            inputs_total,
            current,
            eta,
        } => {
            bar.set_prefix("frames");
            bar.set_length(frames_total);
            bar.set_position(frames_done);
            let eta = eta.map_or_else(|| "--".into(), |e| format!("{}s", e.as_secs()));
            let file = current.map(|p| p.display().to_string()).unwrap_or_default();
            bar.set_message(format!(
                "ETA {eta}, input {}/{inputs_total} {file}",
                (inputs_done + 1).min(inputs_total)
            ));
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
