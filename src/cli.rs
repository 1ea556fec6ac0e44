//! The command line: a thin layer that parses arguments, starts library jobs and prints results.

mod compare;
mod enrolment;
mod models;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::evaluation_set::{self, EvaluationRequest};
use crate::analysis::{self, AnalysisRequest, OtherRecognizer, Progress, estimate};
use crate::assessment::signing::{self, PasswordSource};
use crate::assessment::{self, Decision, FaceDisclosure, Level, SignedExport};
use crate::footage::Sampling;
use crate::metrics;
use crate::review::shards::Shard;
use crate::review::{self, InputStatus, ReviewDocument, Slicing};
use crate::vision::manifest::Metric;
use crate::vision::{DetectorConfig, VisionConfig};

#[derive(Debug, Parser)]
#[command(
    name = "lineup",
    version = crate::assessment::build_info::VERSION_LINE,
    about = "Review what police-style face recognition would do, before anyone deploys it.",
    long_about = "Review what police-style face recognition would do, before anyone deploys it.\n\n\
        lineup finds every face in your footage with a real detector (CenterFace), compares each \
        with a watchlist of enrolment photos using a real recognition model (MobileFaceNet), and \
        records which faces would raise an alert at a chosen match threshold. Everything runs on \
        this machine; nothing needs a network.\n\n\
        Run with no command to open the desktop app."
)]
pub(crate) struct Cli {
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
        /// Open the SIMULATED workshop scenario instead of the real-footage demo: a labelled
        /// review drawn from score distributions per group (see `lineup scenario`).
        #[arg(long)]
        scenario: bool,
        /// With --scenario: draw it afresh with this seed (default: keep this user's copy, or
        /// draw it with seed 1).
        #[arg(long, requires = "scenario")]
        seed: Option<u64>,
    },
    /// Write a SIMULATED workshop scenario: a fully labelled review drawn with a recorded seed
    /// from score distributions per skin-tone group (not from footage), whose false-positive
    /// differential moves with the threshold. It can never be signed as an assessment.
    Scenario(ScenarioArgs),
    /// Find faces in images and videos, search them against a watchlist, and write a review document.
    Analyze(AnalyzeArgs),
    /// Join the reviews of every shard of one analysis (`analyze --shard k/n`) into the review a
    /// single run on all their footage would have written.
    Merge {
        /// Where to write the merged review.
        out: PathBuf,
        /// The shard reviews, one per shard, in any order.
        #[arg(required = true, num_args = 1..)]
        shards: Vec<PathBuf>,
    },
    /// Run a labelled evaluation set (a folder of photos per person) through a seeded 1:N
    /// protocol and write a fully labelled review: a share of the people enrolled (one photo
    /// each), their other photos mated searches, everyone else's photos non-mated searches.
    Evaluate(EvaluateArgs),
    /// Enrol a watchlist ahead of analysis (fills the enrolment cache).
    #[command(subcommand)]
    Watchlist(enrolment::WatchlistCommand),
    /// The recognizers analysis can run: list them, or add one you obtained yourself.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Print error rates per demographic slice for a labelled review.
    Metrics(MetricsArgs),
    /// Import or export track labels and attributes as CSV.
    #[command(subcommand)]
    Labels(LabelsCommand),
    /// Print how far a second, blind reviewer agrees with the review's labels (Cohen's kappa per
    /// attribute and for who each track is) and the disagreements not yet settled.
    Agreement {
        /// The review document.
        review: PathBuf,
    },
    /// Write the impact assessment text into a review: pre-fills what lineup knows, sets what
    /// you give, and says what is still missing.
    Assess(AssessArgs),
    /// Make a minisign key pair for signing reports: KEY (secret, encrypted) and KEY.pub.
    Keygen(KeygenArgs),
    /// Export a review's impact assessment as a signed bundle (PDF, RON, manifest, signature).
    Report(ReportArgs),
    /// Check a bundle's signature, then every file against the signed manifest; with
    /// --recompute, also recompute every number of the report from the bundle's data.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct ScenarioArgs {
    /// The seed the scores are drawn with: the same seed gives the same review.
    #[arg(long)]
    seed: u64,
    /// How many times the reference group's FPIR the darkest group's is at threshold 0.4
    /// (NISTIR 8280 found 10 to 100 for many algorithms); from 0.6 up the groups agree (NPL).
    #[arg(long, default_value_t = 10.0, value_parser = parse_differential)]
    differential: f64,
    /// The review document to write.
    #[arg(long, default_value = "scenario.ron")]
    out: PathBuf,
    /// Replace a file already at --out.
    #[arg(long)]
    force: bool,
}

fn parse_differential(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (1.0..=100.0).contains(&value) => Ok(value),
        _ => Err(format!("{text:?} is not a ratio between 1 and 100")),
    }
}

#[derive(Debug, Args)]
struct MetricsArgs {
    /// The review document.
    review: PathBuf,
    /// Global match threshold, on the review's recognizer's own scale (default: the one the
    /// review was analysed at).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_number)]
    threshold: Option<f32>,
    /// Attributes to slice by, crossed, e.g. skin,gender (default: the review's own slicing).
    #[arg(long, value_delimiter = ',', value_name = "ATTRIBUTES")]
    slice: Option<Vec<String>>,
    /// The group to compare every other against, by its name in the table (default: the review's
    /// choice, else the known group with 30+ searches and the lowest rate).
    #[arg(long, value_name = "SLICE")]
    reference: Option<String>,
    /// Also print, per slice, the lowest threshold that keeps its FPIR at or below this (0–1).
    #[arg(long, value_name = "RATE", value_parser = parse_proportion)]
    max_fpir: Option<f64>,
    /// Also say what the measured rates would mean for a crowd of this many people...
    #[arg(long, value_name = "PEOPLE", value_parser = clap::value_parser!(u64).range(1..))]
    crowd: Option<u64>,
    /// ...of whom this share is on the watchlist (0–1).
    #[arg(long, value_name = "SHARE", default_value_t = 0.001, value_parser = parse_proportion)]
    prevalence: f64,
    /// Also extrapolate FPIR (and the crowd estimate) to a deployment's watchlist of this many
    /// identities: an extrapolation, not a measurement.
    #[arg(long, value_name = "IDENTITIES", value_parser = clap::value_parser!(u64).range(1..))]
    watchlist_size: Option<u64>,
    /// For a review analysed with several recognizers (`lineup analyze --recognizer A
    /// --recognizer B`): each group's FPIR and FNIR for each model at its own threshold, then
    /// with the second model's threshold moved to give the first's overall FPIR (the fair
    /// comparison), and the faces and tracks one model flags and the other does not. Each model
    /// has its own threshold on its own scale, so --threshold does not apply.
    #[arg(long, conflicts_with_all = ["threshold", "max_fpir", "crowd", "watchlist_size"])]
    compare: bool,
    /// With --compare: list every face and track flagged by one model alone.
    #[arg(long, requires = "compare")]
    list: bool,
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
struct AssessArgs {
    /// The review document (RON) to write the assessment into.
    review: PathBuf,
    #[arg(long)]
    title: Option<String>,
    /// Purpose and context: who would deploy it, where, against whom, why.
    #[arg(long)]
    purpose: Option<String>,
    /// The policy question answered, or the legal basis claimed.
    #[arg(long)]
    legal_basis: Option<String>,
    /// The recommendation: do-not-deploy, deploy-with-conditions or deploy.
    #[arg(long, value_parser = parse_decision)]
    decision: Option<Decision>,
    /// Reasons for the recommendation, and the conditions if any.
    #[arg(long)]
    recommendation: Option<String>,
    #[arg(long)]
    reviewer_name: Option<String>,
    #[arg(long)]
    reviewer_role: Option<String>,
    /// The date of the review, YYYY-MM-DD (default: today).
    #[arg(long)]
    date: Option<String>,
    /// Score risk number N (as listed by the report, from 1): N:SEVERITY:LIKELIHOOD, each level
    /// 1-4 or negligible/limited/significant/maximum. Repeat for several risks.
    #[arg(long = "risk", value_name = "N:SEVERITY:LIKELIHOOD", value_parser = parse_risk_score)]
    risk_scores: Vec<RiskScore>,
    /// Write a section's text: NAME=TEXT, where NAME is one of the assessment's text fields
    /// (system, purpose, legal-basis, deployment, watchlist, data, people-affected, findings,
    /// necessity, human-review, retention, rights, consultation, recommendation, reviewer-name,
    /// reviewer-role, reviewer-date, approver, sign-off-date, review-date). Repeat for several.
    #[arg(long = "section", value_name = "NAME=TEXT", value_parser = parse_section_text)]
    sections: Vec<(String, String)>,
    /// People passing the cameras on a typical day (for false alerts per day).
    #[arg(long)]
    people_per_day: Option<u64>,
    /// Identities on the watchlist the deployment would use.
    #[arg(long)]
    deployed_watchlist_size: Option<u64>,
    /// Add an action to the action plan: "WHAT|OWNER|DUE" (DUE as YYYY-MM-DD). Repeat for
    /// several; the first one given replaces the plan.
    #[arg(long = "action", value_name = "WHAT|OWNER|DUE", value_parser = parse_action)]
    actions: Vec<assessment::Action>,
    /// The approver's decision: do-not-deploy, deploy-with-conditions or deploy.
    #[arg(long, value_parser = parse_decision)]
    sign_off_decision: Option<Decision>,
    /// Adopt the mitigations listed: until then those lineup suggested are marked as its
    /// suggestions, and the report is a draft.
    #[arg(long)]
    adopt_mitigations: bool,
}

fn parse_section_text(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not NAME=TEXT"))?;
    let name = name.trim();
    if assessment::sections::field(name).is_none() {
        return Err(format!(
            "{name:?} is not a section text; the names are: {}",
            assessment::sections::field_slugs().join(", ")
        ));
    }
    Ok((name.to_owned(), value.to_owned()))
}

fn parse_action(text: &str) -> Result<assessment::Action, String> {
    let parts: Vec<&str> = text.split('|').map(str::trim).collect();
    let [action, owner, due] = parts[..] else {
        return Err(format!("{text:?} is not WHAT|OWNER|DUE"));
    };
    Ok(assessment::Action {
        action: action.to_owned(),
        owner: owner.to_owned(),
        due: due.to_owned(),
    })
}

/// A reviewer's score for one listed risk.
#[derive(Debug, Clone, Copy)]
struct RiskScore {
    number: usize,
    severity: Level,
    likelihood: Level,
}

fn parse_risk_score(text: &str) -> Result<RiskScore, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let [number, severity, likelihood] = parts[..] else {
        return Err(format!("{text:?} is not N:SEVERITY:LIKELIHOOD, e.g. 1:3:4"));
    };
    let level = |part: &str| {
        Level::parse(part).ok_or_else(|| {
            format!("{part:?} is not a level: 1-4 or negligible, limited, significant, maximum")
        })
    };
    Ok(RiskScore {
        number: number
            .trim()
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| format!("{number:?} is not a risk number (1, 2, ...)"))?,
        severity: level(severity)?,
        likelihood: level(likelihood)?,
    })
}

#[derive(Debug, Args)]
struct KeygenArgs {
    /// Where to write the secret key; the public key goes to KEY.pub.
    key: PathBuf,
    /// Read the new password from the first line of this file (default: $LINEUP_KEY_PASSWORD,
    /// else asked on the terminal).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Replace an existing key pair.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The review document (RON).
    review: PathBuf,
    /// The secret key to sign with (from `lineup keygen`).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The bundle folder to write; BUNDLE.zip is written beside it.
    #[arg(long, value_name = "BUNDLE")]
    out: PathBuf,
    /// Read the key's password from the first line of this file (default:
    /// $LINEUP_KEY_PASSWORD, else asked on the terminal).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Count alerts at this threshold (on the review's recognizer's own scale) instead of the
    /// review's own.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_number)]
    threshold: Option<f32>,
    /// Which faces the stills show recognisably: confirmed-matches (the default: alerts the
    /// reviewer labelled as the very person named), all-alerts (wrong and unconfirmed alerts
    /// too) or everything (nothing blurred). All else in each frame is blurred. The report
    /// records the choice.
    #[arg(long, value_name = "WHICH", value_parser = parse_disclosure)]
    show_faces: Option<FaceDisclosure>,
    /// The older spelling of --show-faces everything.
    #[arg(long, conflicts_with = "show_faces")]
    no_blur: bool,
    /// Include the watchlist's enrolment photos (left out by default).
    #[arg(long)]
    include_watchlist_photos: bool,
    /// Include the full review file in the bundle: every face's embedding (a biometric
    /// template) and box, every track, the names given to passers-by. Left out by default: the
    /// bundle's evidence.ron, without those, already recomputes every number.
    #[arg(long)]
    include_review: bool,
    /// Replace an existing bundle at BUNDLE.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The bundle folder, or its zip.
    bundle: PathBuf,
    /// The signer's public key as the reviewer published it (a minisign .pub file, or a file
    /// holding just its base64 line). Only a key from outside the bundle proves who signed:
    /// without it, lineup still checks that the bundle is intact, then says that the signer is
    /// not proven and exits with status 3.
    #[arg(long, value_name = "KEY.pub")]
    key: Option<PathBuf>,
    /// After checking the bundle, recompute every number of the report from the data in the
    /// bundle (evidence.ron, and the review if included) and fail naming any figure that
    /// differs. Needs no secret key and no review file.
    #[arg(long)]
    recompute: bool,
    /// With --recompute: a review written by running the README's `lineup analyze` command
    /// again on the original footage and watchlist; every face it lists (input, frame, best
    /// watchlist identity and score) is compared with evidence.ron, and any difference fails.
    #[arg(long, value_name = "RERUN_REVIEW.ron", requires = "recompute")]
    against: Option<PathBuf>,
}

impl ReportArgs {
    /// The faces to show: `--no-blur` is the older spelling of `--show-faces everything`.
    fn face_disclosure(&self) -> FaceDisclosure {
        if self.no_blur {
            FaceDisclosure::Everything
        } else {
            self.show_faces.unwrap_or_default()
        }
    }
}

fn parse_disclosure(text: &str) -> Result<FaceDisclosure, String> {
    FaceDisclosure::parse(text)
        .ok_or_else(|| format!("{text:?} is not one of confirmed-matches, all-alerts, everything"))
}

fn parse_decision(text: &str) -> Result<Decision, String> {
    Decision::parse(text).ok_or_else(|| {
        format!("{text:?} is not one of do-not-deploy, deploy-with-conditions, deploy")
    })
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Images, videos (mp4, mkv, mov, avi, webm, ...), or folders of them (taken in natural name
    /// order), to analyse.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    footage: Vec<PathBuf>,
    /// Which frames of each video to analyse: every (every frame), fps:N (at most N frames a
    /// second, e.g. fps:5 or fps:0.5), or keyframes (fastest, sparsest). Default: every frame
    /// when the videos last 5 minutes or less in all, fps:5 beyond: every frame of 1080p runs at
    /// about 0.6× real time on 2 cores (an hour takes 1.6–1.8 hours and makes a ~490 MB review),
    /// fps:5 about five times faster, and a person in view for a second is still seen five
    /// times. Before it starts, analyze says the sampling, the frames and the time it expects.
    #[arg(long, value_name = "every|fps:N|keyframes")]
    sample: Option<Sampling>,
    /// Folder of enrolment photos: a subfolder per person, or files named Name_1.jpg, Name_2.jpg.
    #[arg(long, value_name = "DIR")]
    watchlist: PathBuf,
    /// The recognizer: mobilefacenet (the default), dlib (dlib's ResNet-29), or a model added
    /// with `lineup models add`; `lineup models list` shows them all. Its own metric and
    /// default threshold apply. Give it more than once to compare models on the same faces
    /// (`--recognizer mobilefacenet --recognizer dlib`): faces are detected and tracked once,
    /// each model embeds them and searches the watchlist it enrolled itself, and the review
    /// keeps every model's candidates (`lineup metrics --compare`). The first is the review's
    /// own.
    #[arg(long, value_name = "NAME")]
    recognizer: Vec<String>,
    /// The match threshold, on the recognizer's own scale: for MobileFaceNet a cosine
    /// similarity at or above which a face raises an alert (-1 to 1, default 0.6); for dlib a
    /// Euclidean distance at or below which it does (0 or more, default 0.6). With several
    /// --recognizer, give it once per recognizer, in their order, each on its own model's scale
    /// (a signed bundle's re-run command does); a recognizer given none has its own default,
    /// since one model's threshold means nothing on another's scale.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_number)]
    threshold: Vec<f32>,
    /// Watchlist candidates kept per face.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    top_k: u16,
    /// Stills are scaled so their long side is at most this many pixels before detection.
    #[arg(long, default_value_t = DetectorConfig::default().max_side, value_parser = clap::value_parser!(u32).range(32..=8192))]
    max_side: u32,
    /// Video frames are scaled so their long side is at most this many pixels before detection
    /// (default 960: 1080p is seen at half size, which finds faces down to about 24 pixels).
    #[arg(long, value_parser = clap::value_parser!(u32).range(32..=8192))]
    video_max_side: Option<u32>,
    /// Find faces down to about 12 pixels: detect on stills and video frames at their own
    /// resolution (up to 3840 pixels), about four times slower on 1080p video.
    #[arg(long, conflicts_with_all = ["max_side", "video_max_side"])]
    small_faces: bool,
    /// Threads the models may use (default: all cores). With two or more, footage of more than
    /// one frame is detected by two detectors side by side, which is faster and takes about
    /// 220 MiB more memory; 1 uses the least memory.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Where to write the review document (RON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace a review already at --out (its labels and assessment are lost).
    #[arg(long)]
    force: bool,
    /// Analyse only shard K of N: the footage is expanded into its files in order (as without
    /// this option) and cut into N contiguous blocks of as even a count as whole files allow;
    /// this run takes block K. Run every K from 1 to N, with the same arguments otherwise, on
    /// any machines, then join the reviews with `lineup merge` (see docs/sharding.md).
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Enrol every watchlist photo afresh, neither reading nor writing the enrolment cache
    /// ($LINEUP_CACHE_DIR, else $XDG_CACHE_HOME/lineup, else ~/.cache/lineup).
    #[arg(long)]
    no_cache: bool,
    /// Print every watchlist identity's alerts and every skipped enrolment photo, not only a
    /// summary of them.
    #[arg(long)]
    full_summary: bool,
}

#[derive(Debug, Args)]
struct EvaluateArgs {
    /// The evaluation set: one folder of photos per person, named after the person.
    #[arg(long, value_name = "DIR")]
    set: PathBuf,
    /// Each person's perceived attributes: a CSV with a `person` column (the folder's name), one
    /// column per attribute of the review's schema (skin, gender, age), and optionally
    /// `enrol_photo` (the file in the person's folder to enrol instead of their first usable one).
    #[arg(long, value_name = "CSV")]
    attributes: Option<PathBuf>,
    /// The share of people enrolled on the watchlist (0–1).
    #[arg(long, default_value_t = evaluation_set::DEFAULT_ENROL_SHARE, value_name = "SHARE", value_parser = parse_proportion)]
    enrol_share: f64,
    /// The seed that chooses who is enrolled (recorded in the review and its bundle).
    #[arg(long, default_value_t = evaluation_set::DEFAULT_SEED)]
    seed: u64,
    /// The recognizer, as `analyze --recognizer` names it: mobilefacenet (the default), dlib
    /// (dlib's ResNet-29), or a model added with `lineup models add`. Its own metric, default
    /// threshold and near-duplicate bound apply, and the review records it.
    #[arg(long, value_name = "NAME")]
    recognizer: Option<String>,
    /// The match threshold, on the recognizer's own scale, as `analyze --threshold` reads it:
    /// for MobileFaceNet a cosine similarity at or above which a search raises an alert (-1 to
    /// 1, default 0.6); for dlib a Euclidean distance at or below which it does (0 or more,
    /// default 0.6).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_number)]
    threshold: Option<f32>,
    /// Watchlist candidates kept per search.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    top_k: u16,
    /// Threads the models may use (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Where to write the review document (RON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// A finite number; whether it is a threshold of the recognizer is checked once that is known.
fn parse_number(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("{text:?} is not a number")),
    }
}

/// Raised by Ctrl-C: the running analysis stops and keeps what it has.
static CANCEL: AtomicBool = AtomicBool::new(false);
/// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_CANCELLED: u8 = 130;

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !opens_the_app(cli.command.as_ref()) {
        end_quietly_when_output_is_closed();
    }
    let result = match cli.command {
        None => open_app(None),
        Some(command @ (Command::Open { .. } | Command::Demo { prepare: false, .. })) => {
            open_app(Some(command))
        }
        Some(Command::Demo {
            prepare: true,
            scenario,
            seed,
        }) => prepare_demo(scenario, seed),
        Some(Command::Scenario(args)) => write_scenario(args),
        Some(Command::Analyze(args)) => analyze(args),
        Some(Command::Merge { out, shards }) => merge(&out, &shards),
        Some(Command::Evaluate(args)) => evaluate(args),
        Some(Command::Watchlist(command)) => enrolment::run(command),
        Some(Command::Models(command)) => models::run(command),
        Some(Command::Metrics(args)) => print_metrics(args),
        Some(Command::Labels(command)) => labels(command),
        Some(Command::Agreement { review }) => agreement(&review),
        Some(Command::Assess(args)) => assess(args),
        Some(Command::Keygen(args)) => keygen(args),
        Some(Command::Report(args)) => report(args),
        Some(Command::Verify(args)) => verify(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `command` opens the desktop app rather than printing to standard output.
fn opens_the_app(command: Option<&Command>) -> bool {
    matches!(
        command,
        None | Some(Command::Open { .. }) | Some(Command::Demo { prepare: false, .. })
    )
}

/// Lets SIGPIPE end a headless command, as it ends `cat` or `grep`, when whoever reads its
/// output goes away (`lineup verify BUNDLE | head -1`). Rust ignores SIGPIPE, which turns the
/// next print into a "Broken pipe" panic. The app keeps ignoring it: a closed socket must not
/// end a window with unsaved work.
fn end_quietly_when_output_is_closed() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition, before any thread of ours exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A screen of the app, for `lineup open --tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Screen {
    Footage,
    Faces,
    Watchlist,
    Thresholds,
    BaseRates,
    Assessment,
    Glossary,
}

/// Without the desktop app built in, the commands that open it say so.
#[cfg(not(feature = "gui"))]
fn open_app(_command: Option<Command>) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this lineup was built without the desktop app (cargo feature `gui`); its headless \
         commands are listed by `lineup --help`"
    )
}

/// Opens the desktop app: the start screen, a review, or the demo.
#[cfg(feature = "gui")]
fn open_app(command: Option<Command>) -> anyhow::Result<ExitCode> {
    use crate::ui::{LineupApp, Tab};
    match command {
        Some(Command::Open { review, tab }) => {
            let tab = match tab {
                Screen::Footage => Tab::Footage,
                Screen::Faces => Tab::Faces,
                Screen::Watchlist => Tab::Watchlist,
                Screen::Thresholds => Tab::Thresholds,
                Screen::BaseRates => Tab::BaseRates,
                Screen::Assessment => Tab::Assessment,
                Screen::Glossary => Tab::Glossary,
            };
            run_app(move |_| LineupApp::open_in_background(&review).on_tab(tab))
        }
        Some(Command::Demo {
            prepare: false,
            scenario: true,
            seed,
        }) => {
            let review = crate::demo::scenario(seed)?;
            run_app(move |_| LineupApp::open(&review))
        }
        Some(Command::Demo { prepare: false, .. }) => run_demo(),
        _ => run_app(|_| LineupApp::start()),
    }
}

#[cfg(feature = "gui")]
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
    .map_err(|e| window_error(&e))?;
    Ok(ExitCode::SUCCESS)
}

/// Why the window could not open, in one sentence that says what is missing and what to do:
/// remote desktops, virtual machines and old drivers often offer no display or no graphics
/// adapter that wgpu (Vulkan, or OpenGL ES 3 through EGL) can draw with.
#[cfg(feature = "gui")]
fn window_error(error: &eframe::Error) -> anyhow::Error {
    const HEADLESS: &str = "lineup's headless commands (analyze, metrics, labels, assess, report, \
                            verify: see lineup --help) work without a window";
    let unset = |name: &str| std::env::var_os(name).is_none_or(|value| value.is_empty());
    let no_display = cfg!(all(unix, not(target_os = "macos")))
        && ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .into_iter()
            .all(unset);
    if no_display {
        return anyhow::anyhow!(
            "lineup could not open its window because there is no display (neither DISPLAY nor \
             WAYLAND_DISPLAY is set): start it from a desktop session; {HEADLESS}"
        );
    }
    match error {
        eframe::Error::Wgpu(cause) => anyhow::anyhow!(
            "lineup found no graphics adapter to draw its window with ({cause}): install a Vulkan \
             or OpenGL 3.3 driver (on Debian: mesa-vulkan-drivers or libgl1-mesa-dri), or turn on \
             3D acceleration in the remote desktop or virtual machine; {HEADLESS}"
        ),
        other => anyhow::anyhow!("could not open the lineup window ({other}); {HEADLESS}"),
    }
}

#[cfg(feature = "gui")]
fn run_demo() -> anyhow::Result<ExitCode> {
    match crate::demo::open()? {
        crate::demo::Demo::Ready(review) => {
            run_app(move |_| crate::ui::LineupApp::open_in_background(&review))
        }
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

/// Builds the demo review (or the scenario) without a window (for scripts), or says where it
/// already is.
fn prepare_demo(scenario: bool, seed: Option<u64>) -> anyhow::Result<ExitCode> {
    if scenario {
        println!("{}", crate::demo::scenario(seed)?.display());
        return Ok(ExitCode::SUCCESS);
    }
    let review = match crate::demo::prepare()? {
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
    // Before the analysis, which can take hours: a review already there holds a reviewer's
    // labels, and a path no review can be saved at would lose the whole run.
    if args.out.exists() && !args.force {
        anyhow::bail!(
            "{}: already exists; pass --force to replace it",
            args.out.display()
        );
    }
    review::check_saveable(&args.out)?;
    let mut vision = VisionConfig::default();
    if args.small_faces {
        vision.detector = DetectorConfig::small_faces();
    } else {
        vision.detector.max_side = args.max_side;
        if let Some(side) = args.video_max_side {
            vision.detector.video_max_side = Some(side);
        }
    }
    if let Some(threads) = args.threads {
        vision.threads = usize::from(threads);
    }
    let chosen = models::choose(&args.recognizer)?;
    if args.threshold.len() > chosen.len().max(1) {
        anyhow::bail!(
            "{} --threshold values for {} recognizer(s): give at most one per --recognizer, in \
             their order",
            args.threshold.len(),
            chosen.len().max(1)
        );
    }
    let mut recognizers = chosen.into_iter();
    let recognizer = recognizers
        .next()
        .ok_or_else(|| anyhow::anyhow!("no recognizer was chosen"))?;
    let threshold = models::threshold_for(&recognizer.spec, args.threshold.first().copied())?;
    // Each other recognizer's --threshold is on its own scale, in the recognizers' order.
    let other_recognizers = recognizers
        .zip(1..)
        .map(|(recognizer, k)| {
            let threshold =
                models::threshold_for(&recognizer.spec, args.threshold.get(k).copied())?;
            Ok(OtherRecognizer {
                recognizer,
                threshold,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let survey = estimate::survey(&args.footage);
    let sampling = args.sample.unwrap_or_else(|| survey.default_sampling());
    let request = AnalysisRequest {
        footage: args.footage,
        watchlist: args.watchlist,
        threshold,
        top_k: usize::from(args.top_k),
        vision,
        sampling,
        enrolment_cache: enrolment::cache_dir(args.no_cache),
        recognizer: Some(Box::new(recognizer)),
        other_recognizers,
    };
    stop_on_ctrl_c();
    let part = args
        .shard
        .map_or(String::new(), |shard| format!(" (shard {shard})"));
    eprintln!(
        "Analysing {} path(s){part}, sampling {}; Ctrl-C stops and keeps what is done",
        request.footage.len(),
        request.sampling
    );
    if args.sample.is_none()
        && let Some(reason) = assessment::wording::default_sampling_reason(&survey)
    {
        eprintln!("{reason}");
    }
    // A shard's estimate is of its own block of files; its sampling is the whole footage's.
    let surveyed = match args.shard {
        Some(shard) => survey.block(shard.files(survey.files.len())),
        None => survey,
    };
    let outlook = surveyed.outlook(request.sampling, &request.vision.detector);
    eprintln!("{}", assessment::wording::analysis_outlook(&outlook));
    let bar = progress_bar();
    let mut projected = false;
    let mut log = InputLog::default();
    let mut enrolment_log = enrolment::EnrolmentLog::new();
    let mut enrolled = None;
    let mut on_progress = |p: Progress| {
        log.note(&bar, &p);
        match &p {
            Progress::Analysing {
                projection: Some(projection),
                ..
            } if !projected => {
                projected = true;
                let said = assessment::wording::analysis_projection(projection);
                bar.suspend(|| eprintln!("{said}"));
            }
            Progress::Enrolling { done, total } if bar.is_hidden() => {
                enrolment_log.note(*done, *total)
            }
            Progress::Enrolled(counts) => enrolled = Some(counts.clone()),
            _ => {}
        }
        show_progress(&bar, p)
    };
    let document = match args.shard {
        Some(shard) => {
            let build = crate::assessment::build_info::VERSION_LINE;
            analysis::run_shard(&request, shard, build, &mut on_progress, &CANCEL)
        }
        None => analysis::run(&request, &mut on_progress, &CANCEL),
    };
    bar.finish_and_clear();
    let document = document?;
    enrolment::print_warnings(&document.warnings, args.full_summary);
    // A shard whose files all failed is still written: its failures are part of the whole
    // analysis, as a single run's warnings are (the merge refuses when no file at all was read).
    if args.shard.is_none() && !any_analysed(&document) {
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
    print_summary(&document, request.threshold, args.full_summary);
    print_other_recognizers(&document);
    if let Some(counts) = &enrolled {
        println!();
        enrolment::print_counts(counts, document.watchlist.identities.len());
    }
    println!("Review written to {}", args.out.display());
    if !document.complete {
        eprintln!(
            "Cancelled: the review holds only what was analysed before Ctrl-C and is marked incomplete"
        );
        return Ok(ExitCode::from(EXIT_CANCELLED));
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let mut vision = VisionConfig::default();
    if let Some(threads) = args.threads {
        vision.threads = usize::from(threads);
    }
    // One recognizer, chosen and its threshold checked as `analyze` does.
    let recognizer = models::choose(args.recognizer.as_slice())?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no recognizer was chosen"))?;
    let threshold = models::threshold_for(&recognizer.spec, args.threshold)?;
    let request = EvaluationRequest {
        set: args.set,
        attributes: args.attributes,
        enrol_share: args.enrol_share,
        seed: args.seed,
        threshold,
        top_k: usize::from(args.top_k),
        vision,
        recognizer: Some(Box::new(recognizer)),
    };
    stop_on_ctrl_c();
    eprintln!(
        "Evaluating {} with seed {}, enrolling {} of the people; Ctrl-C stops and keeps what is done",
        request.set.display(),
        request.seed,
        assessment::wording::percent(request.enrol_share)
    );
    let bar = progress_bar();
    let mut log = InputLog::default();
    let document = evaluation_set::run(
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
    review::save(&document, &args.out)?;
    if let Some(protocol) = &document.evaluation_protocol {
        let metric = document.score_metric();
        let reviewers = document
            .recognizer()
            .is_some_and(|model| model.supplied_by_reviewer);
        print!(
            "{}",
            assessment::wording::evaluation_protocol(protocol, metric, reviewers)
        );
    }
    println!(
        "{}",
        models::describe_scores(&document, document.settings.threshold)
    );
    for slicing in recorded_attributes(&document) {
        let verification = document
            .verification(&slicing, document.settings.threshold)
            .map_err(anyhow::Error::msg)?;
        print!(
            "\n{}",
            assessment::wording::verification_table(&verification)
        );
    }
    println!("Review written to {}", args.out.display());
    if !document.complete {
        eprintln!(
            "Cancelled: the review holds only what was analysed before Ctrl-C and is marked incomplete"
        );
        return Ok(ExitCode::from(EXIT_CANCELLED));
    }
    Ok(ExitCode::SUCCESS)
}

/// One slicing per attribute that any enrolled identity or labelled track has a value of, or
/// everyone together where none has: the groups an evaluation's 1:1 tables are shown for.
fn recorded_attributes(document: &ReviewDocument) -> Vec<Slicing> {
    let recorded: Vec<Slicing> = document
        .attribute_schema
        .attributes
        .iter()
        .filter(|definition| {
            let has = |attributes: &review::Attributes| attributes.contains_key(&definition.name);
            document.identity_attributes.values().any(has)
                || document.tracks.iter().any(|t| has(&t.attributes))
        })
        .map(|definition| Slicing::by(&[definition.name.as_str()]))
        .collect();
    if recorded.is_empty() {
        vec![Slicing::default()]
    } else {
        recorded
    }
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
        Progress::Enrolled(_) => {}
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
            projection,
        } => {
            bar.set_prefix("frames");
            bar.set_length(frames_total);
            bar.set_position(frames_done);
            let eta = match (&projection, eta) {
                (Some(projection), _) => {
                    assessment::wording::duration_about(projection.time_left.as_secs_f64())
                }
                (None, Some(eta)) => format!("{}s", eta.as_secs()),
                (None, None) => "--".into(),
            };
            let file = current.map(|p| p.display().to_string()).unwrap_or_default();
            bar.set_message(format!(
                "ETA {eta}, input {}/{inputs_total} {file}",
                (inputs_done + 1).min(inputs_total)
            ));
        }
    }
}

/// Identities listed in a summary at most, unless it is asked for in full: a police watchlist
/// has tens of thousands.
const IDENTITIES_SHOWN: usize = 20;

fn print_summary(document: &ReviewDocument, threshold: f32, full: bool) {
    let summary = document.summary(threshold);
    println!("{}", models::describe_scores(document, threshold));
    println!("{:<34}{:>8}", "Inputs analysed", summary.inputs_analysed);
    println!("{:<34}{:>8}", "Inputs that failed", summary.inputs_failed);
    println!("{:<34}{:>8}", "Faces found", summary.faces);
    println!(
        "{:<34}{:>8}",
        format!(
            "Flagged at threshold {:.2}",
            document.shown_threshold(threshold)
        ),
        summary.alerts
    );
    println!();
    let identities = &summary.alerts_per_identity;
    if full || identities.len() <= IDENTITIES_SHOWN {
        println!("{:<34}{:>8}", "Watchlist identity", "Alerts");
        for (name, alerts) in identities {
            println!("{name:<34}{alerts:>8}");
        }
        return;
    }
    // Only the identities that were alerted on, most alerts first.
    let mut alerted: Vec<(&String, &usize)> = identities.iter().filter(|(_, n)| **n > 0).collect();
    alerted.sort_by(|a, b| b.1.cmp(a.1)); // stable: ties stay in name order
    println!("{:<34}{:>8}", "Identities alerted on", alerted.len());
    println!(
        "{:<34}{:>8}",
        "Identities without an alert",
        identities.len() - alerted.len()
    );
    if !alerted.is_empty() {
        println!();
        println!("{:<34}{:>8}", "Watchlist identity (most alerts)", "Alerts");
    }
    for (name, alerts) in alerted.iter().take(IDENTITIES_SHOWN) {
        println!("{name:<34}{alerts:>8}");
    }
    let rest = alerted.len().saturating_sub(IDENTITIES_SHOWN);
    if rest > 0 {
        println!("... and {rest} more identities alerted on");
    }
    println!("(--full-summary lists every identity)");
}

/// Each other recognizer's alerts, at its own threshold on its own scale.
fn print_other_recognizers(document: &ReviewDocument) {
    for k in 1..document.recognizer_count() {
        let Some(view) = document.as_seen_by(k) else {
            continue;
        };
        let threshold = view.settings.threshold;
        let summary = view.summary(threshold);
        println!();
        println!("{}", models::describe_scores(&view, threshold));
        println!(
            "{:<34}{:>8}",
            format!(
                "Flagged at threshold {:.2}",
                view.shown_threshold(threshold)
            ),
            summary.alerts
        );
        for (name, alerts) in summary.alerts_per_identity.iter().filter(|(_, n)| **n > 0) {
            println!("{name:<34}{alerts:>8}");
        }
    }
}

fn any_analysed(document: &ReviewDocument) -> bool {
    document
        .inputs
        .iter()
        .any(|i| i.status == InputStatus::Analysed)
}

/// Loads every shard review, merges them and writes the result; writes nothing when refused.
fn merge(out: &std::path::Path, shards: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let reviews = shards
        .iter()
        .map(|path| Ok((path.clone(), review::load(path)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = review::shards::merge(reviews)?;
    if !any_analysed(&merged) {
        // As a single run on these files would: nothing to review.
        for warning in &merged.warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "error: none of the {} inputs could be analysed; no review written",
            merged.inputs.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    review::save(&merged, out)?;
    print_summary(&merged, merged.settings.threshold, false);
    println!(
        "{} shard reviews merged into {}",
        shards.len(),
        out.display()
    );
    if !merged.complete {
        eprintln!(
            "warning: a shard was cancelled part-way; the merged review is marked incomplete"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_metrics(args: MetricsArgs) -> anyhow::Result<ExitCode> {
    let mut document = review::load(&args.review)?;
    let threshold = models::review_threshold(&document, args.threshold)?;
    let slicing = match args.slice {
        Some(attributes) => Slicing { attributes },
        None => document.slicing.clone(),
    };
    if let Some(reference) = args.reference {
        let names = document
            .sliced_searches(&slicing)
            .map_err(anyhow::Error::msg)?
            .names;
        if !names.contains(&reference) {
            anyhow::bail!(
                "--reference {reference:?}: no such group in this slicing; the groups are: {}",
                names.join(", ")
            );
        }
        document.reference_slice = Some(reference);
    }
    if args.compare {
        print_simulation_mark(&document);
        print!(
            "{}",
            compare::comparison_text(&document, &slicing, args.list)?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let evaluation = document
        .evaluate(&slicing, threshold)
        .map_err(anyhow::Error::msg)?;
    print_simulation_mark(&document);
    println!("{}\n", models::describe_scores(&document, threshold));
    print!(
        "{}",
        assessment::wording::evaluation_table(&evaluation, document.score_metric())
    );
    if document.evaluation_protocol.is_some() {
        let verification = document
            .verification(&slicing, threshold)
            .map_err(anyhow::Error::msg)?;
        print!(
            "\n{}",
            assessment::wording::verification_table(&verification)
        );
    }
    if evaluation.searches == 0 {
        println!(
            "\nNo track is labelled yet, so no error rate can be given: label tracks in the app, or \
             with `lineup labels export`, a spreadsheet, and `lineup labels import`."
        );
    }
    if let Some(max_fpir) = args.max_fpir {
        print_max_fpir_thresholds(&document, &slicing, max_fpir)?;
    }
    let watchlist = assessment::wording::WatchlistSizes {
        measured: evaluation.watchlist_size as u64,
        deployment: args.watchlist_size,
    };
    if let Some(size) = args
        .watchlist_size
        .filter(|&size| size != watchlist.measured)
    {
        let pooled = &evaluation.pooled;
        match metrics::extrapolate_fpir(&pooled.fpir, watchlist.measured, size) {
            Some(extrapolated) => println!(
                "\n{}",
                assessment::wording::extrapolation_sentence(&extrapolated, &pooled.fpir)
            ),
            None => println!("\nThe watchlist-size extrapolation needs non-mated labelled tracks."),
        }
    }
    if let Some(crowd) = args.crowd {
        let pooled = &evaluation.pooled;
        match assessment::wording::crowd_sentence(
            &pooled.fpir,
            &pooled.fnir,
            &pooled.wrong_identity_alerts,
            crowd,
            args.prevalence,
            watchlist,
        ) {
            Some(sentence) => println!("\n{sentence}"),
            None => println!("\nA crowd estimate needs both mated and non-mated labelled tracks."),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Per slice, the lowest threshold whose measured FPIR is within `max_fpir`, printed so that
/// used as printed it raises exactly the same false alerts, with the FPIR there and its 95%
/// interval: within the target in this sample is not within it on the street.
fn print_max_fpir_thresholds(
    document: &ReviewDocument,
    slicing: &Slicing,
    max_fpir: f64,
) -> anyhow::Result<()> {
    let sliced = document
        .sliced_searches(slicing)
        .map_err(anyhow::Error::msg)?;
    let index = sliced.index();
    let loosest = match document.score_metric() {
        Metric::Cosine => "Lowest threshold".to_owned(),
        metric => format!("Highest threshold ({}, a match at or below)", metric.name()),
    };
    println!(
        "\n{loosest} keeping the measured FPIR at or below {} (each slice at its own; the \
         interval says how high it could be on other faces):",
        assessment::wording::percent(max_fpir)
    );
    for (slice, (name, threshold)) in sliced
        .names
        .iter()
        .zip(index.thresholds_for_max_fpir(max_fpir))
        .enumerate()
    {
        let Some(exact) = threshold else {
            println!("  {name:<32} no non-mated searches");
            continue;
        };
        // Printed on the model's own scale (a distance for dlib), as --threshold takes it.
        let metric = document.score_metric();
        let shown = assessment::wording::own_threshold_within(
            metric,
            exact,
            index.non_mated_score_below(slice, exact),
        );
        let own: f32 = anyhow::Context::context(shown.parse(), "a printed threshold reads back")?;
        let at = metric.score(own);
        let measured = metrics::measure(
            &sliced.searches,
            &index,
            &vec![at; sliced.names.len()],
            &sliced.unknown,
            sliced.people_known,
            None,
        );
        let fpir = &measured.metrics[slice].fpir;
        println!(
            "  {name:<32} threshold {shown}  FPIR there {} ({})",
            assessment::wording::rate_text(fpir),
            assessment::wording::count_of(fpir)
        );
    }
    Ok(())
}

fn labels(command: LabelsCommand) -> anyhow::Result<ExitCode> {
    match command {
        LabelsCommand::Export { review, csv } => {
            let document = review::load(&review)?;
            review::csv::export(&document, &csv)?;
            print_simulation_mark(&document);
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

/// Which of the first reviewer's answers the agreement compares, and from when.
fn first_answers_compared(second: &review::SecondReview) -> String {
    match &second.first_answers {
        Some(answers) if answers.at_start => format!(
            "Compared: the first reviewer's answers as they stood when the second review started \
             ({})",
            answers.taken
        ),
        Some(answers) => format!(
            "Compared: the first reviewer's answers as they stood at {}, when the review was \
             first opened by a lineup that keeps them (after the second review began)",
            answers.taken
        ),
        None => "Compared: the review's labels as they are now (before any settlement); this \
                 review was saved before lineup kept the first reviewer's answers of when the \
                 second review started, so a relabelling since then counts. Opening it in the app \
                 keeps them from then on."
            .to_owned(),
    }
}

fn agreement(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    use assessment::wording;
    use review::{Disagreement, Reviewer};
    let document = review::load(path)?;
    print_simulation_mark(&document);
    let (Some(second), Some(agreement)) = (&document.second_review, document.reviewer_agreement())
    else {
        anyhow::bail!(
            "{} has no second review: a second reviewer labels blind in the app (Faces, \
             \"Label blind, as a second reviewer\")",
            path.display()
        );
    };
    let name = Some(second.reviewer.trim())
        .filter(|name| !name.is_empty())
        .unwrap_or("not named");
    println!(
        "Second reviewer: {name}, {} tracks labelled blind",
        second.labels.len()
    );
    println!("{}", first_answers_compared(second));
    println!(
        "Who each track is: {}",
        wording::agreement_text(&agreement.label)
    );
    for (attribute, measured) in &agreement.attributes {
        println!("{attribute}: {}", wording::agreement_text(measured));
    }
    println!("{}", wording::KAPPA_MEANING);
    let label = |label: review::GroundTruth| match label {
        review::GroundTruth::Unlabelled => "unlabelled".to_owned(),
        review::GroundTruth::NotOnWatchlist => "not on watchlist".to_owned(),
        review::GroundTruth::NotAFace => "not a face".to_owned(),
        review::GroundTruth::OnWatchlist(id) => {
            format!("is {}", document.identity_name(id).unwrap_or("?"))
        }
    };
    let open = document.open_disagreements();
    println!("{} disagreements not settled:", open.len());
    for (track, disagreement) in &open {
        let (what, first, second) = match disagreement {
            Disagreement::Label { first, second } => {
                ("who".to_owned(), label(*first), label(*second))
            }
            Disagreement::Attribute { name, .. } => {
                let value = |reviewer| match disagreement.value_of(reviewer) {
                    review::Answer::Attribute(_, value) => value,
                    review::Answer::Label(found) => label(found),
                };
                (
                    name.clone(),
                    value(Reviewer::First),
                    value(Reviewer::Second),
                )
            }
        };
        println!("  {track} {what}: {first} (first) / {second} (second)");
    }
    Ok(ExitCode::SUCCESS)
}

fn assess(args: AssessArgs) -> anyhow::Result<ExitCode> {
    let mut document = review::load(&args.review)?;
    print_simulation_mark(&document);
    let today = assessment::dates::UtcTime::now().date();
    let mut text = assessment::drafting::prefill(&document.assessment, &document, None, &today);
    let set = |field: &mut String, value: Option<String>| {
        if let Some(value) = value {
            *field = value;
        }
    };
    set(&mut text.title, args.title);
    set(&mut text.purpose, args.purpose);
    set(&mut text.legal_basis, args.legal_basis);
    set(&mut text.recommendation.text, args.recommendation);
    set(&mut text.reviewer.name, args.reviewer_name);
    set(&mut text.reviewer.role, args.reviewer_role);
    set(&mut text.reviewer.date, args.date);
    if let Some(decision) = args.decision {
        text.recommendation.decision = Some(decision);
    }
    for (name, value) in args.sections {
        // The parser accepted only names that exist.
        if let Some(field) = assessment::sections::field(&name) {
            *(field.get_mut)(&mut text) = value;
        }
    }
    if args.people_per_day.is_some() {
        text.people_per_day = args.people_per_day;
    }
    if args.deployed_watchlist_size.is_some() {
        text.deployed_watchlist_size = args.deployed_watchlist_size;
    }
    if !args.actions.is_empty() {
        text.actions = args.actions;
    }
    if let Some(decision) = args.sign_off_decision {
        text.sign_off.decision = Some(decision);
    }
    if args.adopt_mitigations {
        text.mitigations_adopted = true;
    }
    let risk_count = text.risks.len();
    for score in args.risk_scores {
        let risk = text.risks.get_mut(score.number - 1).ok_or_else(|| {
            anyhow::anyhow!(
                "--risk {}: there are only {risk_count} risks in this assessment",
                score.number
            )
        })?;
        risk.severity = Some(score.severity);
        risk.likelihood = Some(score.likelihood);
        assessment::drafting::mark_scored(risk);
    }
    document.assessment = text;
    review::save(&document, &args.review)?;
    println!("Assessment saved in {}", args.review.display());
    print_missing(&assessment::drafting::missing_parts(
        &document.assessment,
        &assessment::drafting::today(),
    ));
    Ok(ExitCode::SUCCESS)
}

fn print_missing(missing: &[String]) {
    if missing.is_empty() {
        println!("The assessment is complete.");
    } else {
        println!("Still to write (edit the review's `assessment` or use `lineup assess`):");
        for part in missing {
            println!("  - {part}");
        }
    }
}

fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let password = PasswordSource::from_option(args.password_file).read(true)?;
    let files = signing::generate_key_pair(&args.key, &password, args.force)?;
    println!(
        "Secret key written to {} (mode 0600, encrypted)",
        files.secret_key.display()
    );
    println!("Public key written to {}", files.public_key.display());
    println!("Key ID      {}", files.signer.key_id());
    println!("Public key  {}", files.signer.base64());
    println!(
        "Publish the whole public key (the line above, or KEY.pub) where the people who check \
         your reports can find it. Not only its ID: a key ID is a random label anyone can copy \
         into a key of their own."
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a simulated review and says what it is, what it was drawn from, and what the
/// parameters give each group at a few thresholds.
fn write_scenario(args: ScenarioArgs) -> anyhow::Result<ExitCode> {
    use crate::review::scenario::{self, ScenarioParameters};
    if args.out.exists() && !args.force {
        anyhow::bail!(
            "{}: already exists; pass --force to replace it",
            args.out.display()
        );
    }
    let parameters = ScenarioParameters::workshop(args.seed, args.differential);
    let document = scenario::generate(&parameters)?;
    review::save(&document, &args.out)?;
    print_simulation_mark(&document);
    println!(
        "{} tracks written to {} ({} people not on the watchlist and {} sightings of {} \
         watchlist identities per group).",
        document.tracks.len(),
        args.out.display(),
        parameters.non_mated_per_group,
        parameters.mated_per_group,
        parameters.identities_per_group
    );
    println!(
        "\nFPIR each group's distribution gives (what a large draw measures; this draw has {} \
         people per group, so it meets them within sampling error). Each group's is its ratio \
         times the reference's up to 0.4, falls to the reference's at 0.6, and is the \
         reference's from there up:",
        parameters.non_mated_per_group
    );
    let names: Vec<&str> = parameters.groups.iter().map(|g| g.name.as_str()).collect();
    println!("  threshold  {}", names.join("  "));
    for threshold in [0.4, 0.45, 0.5, 0.55, 0.6, 0.7] {
        let rates: Vec<String> = parameters
            .expected_fpir(threshold)?
            .into_iter()
            .zip(&names)
            .map(|(rate, name)| {
                let text = assessment::wording::percent(rate);
                format!("{text:>width$}", width = name.chars().count())
            })
            .collect();
        println!("  {threshold:<9}  {}", rates.join("  "));
    }
    println!(
        "\nOpen it with `lineup open {}` and move the threshold.",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The SIMULATED mark, first in a command's output, for a review that is one.
fn print_simulation_mark(document: &ReviewDocument) {
    if let Some(mark) = assessment::wording::simulation_mark(document) {
        println!("{mark}\n");
    }
}

fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let document = review::load(&args.review)?;
    // Before the password is asked for: a simulation is never signed.
    assessment::bundle::refuse_simulation(&document)?;
    let password = PasswordSource::from_option(args.password_file.clone()).read(false)?;
    let bundle = assessment::export_signed(&SignedExport {
        document: &document,
        review_path: &args.review,
        key: &args.key,
        password: &password,
        out: &args.out,
        overwrite: args.force,
        threshold: args
            .threshold
            .map(|value| models::review_threshold(&document, Some(value)))
            .transpose()?,
        face_disclosure: args.face_disclosure(),
        include_watchlist_photos: args.include_watchlist_photos,
        include_review: args.include_review,
    })?;
    print_summary(&document, bundle.report.system.threshold, false);
    println!();
    if bundle.report.findings.is_none() {
        println!("{}", assessment::wording::NO_GROUND_TRUTH);
        println!();
    }
    print_missing(&bundle.report.incomplete);
    println!(
        "Bundle written to {} and {}",
        bundle.folder.display(),
        bundle.zip.display()
    );
    if let Some(signer) = &bundle.report.signer {
        println!("Signed with key ID {}", signer.key_id);
        println!("Public key  {}", signer.public_key);
    }
    Ok(ExitCode::SUCCESS)
}

/// What `--recompute` checked, and what it could not.
fn print_recomputed(recomputed: &assessment::recompute::Recomputed) {
    println!(
        "Recomputed from {}: all {} figures of the report's findings, detection counts, false \
         alerts a day, track counts, inputs and parts still to write match; assessment.md is \
         exactly what the recomputed report gives, and assessment.pdf is byte for byte the PDF \
         the recomputed report draws with the pictures in pictures.ron.",
        recomputed.from.join(" and "),
        recomputed.figures,
    );
    if recomputed.scores_recomputed {
        let by = match recomputed.scores_recomputed_for.as_slice() {
            [] => String::new(),
            [one] => format!(", by {one},"),
            names => format!(", by each of {},", names.join(" and ")),
        };
        println!(
            "Every match score{by} was recomputed from the embeddings in review.ron and matches. \
             The embeddings themselves are not verified (whoever changes a score can change its \
             embedding to fit): only running the analysis again on the footage and comparing \
             its review with --against ties the scores to the footage."
        );
    } else {
        println!(
            "The match scores are the analysis's own: evidence.ron records them without the \
             embeddings they come from, so they are checked only by running the analysis again \
             (the README's lineup analyze command) and comparing its review with --against."
        );
    }
    if recomputed.evidence.verification.is_some() {
        if recomputed.scores_recomputed {
            println!(
                "The 1:1 table was recomputed from every pair of the photos' embeddings in \
                 review.ron and matches."
            );
        } else {
            println!(
                "The 1:1 table is the evidence's own: it rests on every pair of the photos' \
                 embeddings, which evidence.ron leaves out, so it was checked against the report \
                 only; a bundle made with --include-review has it recomputed from them."
            );
        }
    }
    if recomputed.evidence.comparison.is_some() {
        println!(
            "The comparison of the recognizers was recomputed from each one's best candidate per \
             face in evidence.ron and matches (those scores, like the first model's, are the \
             analysis's own unless the review is included)."
        );
    }
    println!(
        "Written by {} as claimed by the bundle (nothing proves which lineup wrote it); this is \
         {}.",
        recomputed.made_by,
        assessment::build_info::BuildInfo::current()
    );
}

/// Exit status of `lineup verify` when the bundle is intact but no published key was given, so
/// who signed it is not proven (2 is a usage error, as clap reports it).
const EXIT_SIGNER_NOT_PROVEN: u8 = 3;

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let trusted = args
        .key
        .as_deref()
        .map(|key| assessment::trusted_key_file(&args.bundle, key))
        .transpose()?;
    let (verified, recomputed) = if args.recompute {
        let recomputed = assessment::recompute::recompute_bundle(&args.bundle, trusted.as_ref())?;
        (recomputed.verified.clone(), Some(recomputed))
    } else {
        (
            assessment::verify_bundle(&args.bundle, trusted.as_ref())?,
            None,
        )
    };
    println!(
        "Intact: {}: the signature verifies and all {} files the signed manifest lists match it.",
        args.bundle.display(),
        verified.files.len()
    );
    println!("Signed with key ID {}", verified.key_id);
    println!("Public key  {}", verified.public_key);
    println!("Trusted comment: {}", verified.trusted_comment);
    let status = if verified.incomplete.is_empty() {
        "final".to_owned()
    } else {
        format!(
            "DRAFT ({} still to write)",
            assessment::wording::count_noun(verified.incomplete.len() as u64, "part", "parts")
        )
    };
    println!(
        "Report made {}, {status}, from the review with SHA-256 {}. A signature shows the \
         signer signed this bundle, not that it is their latest: compare with what they published.",
        verified.generated_at, verified.review_sha256
    );
    if let Some(recomputed) = &recomputed {
        print_recomputed(recomputed);
        if let Some(rerun) = &args.against {
            let faces = assessment::recompute::compare_rerun(&args.bundle, recomputed, rerun)?;
            println!(
                "The re-run review {} lists the same {faces} faces as evidence.ron: the same \
                 input, frame, best watchlist identity and score for each, and the same faces \
                 in each track.",
                rerun.display()
            );
            if !recomputed.evidence.other_recognizers.is_empty() {
                println!(
                    "Each recognizer's threshold is the re-run's, and every other recognizer's \
                     best watchlist identity and score for each face are the re-run's too."
                );
            }
            if recomputed.evidence.evaluation.is_some() {
                println!(
                    "Its labels (who each photo is of, and the perceived attributes) are those \
                     of evidence.ron, or those lineup evaluate gave as the protocol records them \
                     where the report says labels were changed after it; the 1:1 table \
                     recomputed from its embeddings is the report's."
                );
            }
        }
    }
    let key_file = args.key.as_deref().filter(|_| !verified.key_from_bundle);
    let Some(key_file) = key_file else {
        eprintln!(
            "NOT PROVEN who signed: the only key checked is the one inside the bundle, and anyone \
             can change a bundle and sign it again with their own; run again with --key and the \
             public key the reviewer published."
        );
        return Ok(ExitCode::from(EXIT_SIGNER_NOT_PROVEN));
    };
    println!(
        "OK: signed by the holder of the key in {}.",
        key_file.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `lineup report` arguments parsed from `extra` after the required ones.
    fn report_args(extra: &[&str]) -> Result<ReportArgs, clap::Error> {
        let required = ["lineup", "report", "r.ron", "--key", "k", "--out", "b"];
        let cli = Cli::try_parse_from(required.iter().chain(extra))?;
        match cli.command {
            Some(Command::Report(args)) => Ok(args),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn faces_shown_default_to_confirmed_matches_and_no_blur_shows_everything() {
        let disclosure = |extra: &[&str]| report_args(extra).unwrap().face_disclosure();
        assert_eq!(disclosure(&[]), FaceDisclosure::ConfirmedMatchesOnly);
        assert_eq!(
            disclosure(&["--show-faces", "all-alerts"]),
            FaceDisclosure::AllAlerts
        );
        assert_eq!(disclosure(&["--no-blur"]), FaceDisclosure::Everything);
        assert!(report_args(&["--no-blur", "--show-faces", "all-alerts"]).is_err());
        assert!(report_args(&["--show-faces", "some"]).is_err());
        // The reproducing command spells the choice out: tests/assessment.rs
        // (the_faces_shown_are_a_recorded_choice) reads it back from real bundles.
    }
}
