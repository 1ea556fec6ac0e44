//! `lineup watchlist enrol`, the enrolment cache's choices, and the enrolment lines of the
//! end-of-run summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};

use crate::vision::{DetectorConfig, FacePipeline, VisionConfig};
use crate::watchlist::{self, EnrolmentCache, EnrolmentCounts};

/// Without a terminal, a progress line at most this often (and at the end).
const LOG_EVERY: Duration = Duration::from_secs(5);
/// On a terminal, the progress line is redrawn in place at most this often.
const REDRAW_EVERY: Duration = Duration::from_millis(200);
/// Skipped-photo warnings printed before the rest are only counted (`--full-summary` prints all).
pub(super) const SKIPPED_PHOTOS_SHOWN: usize = 10;
/// The prefix of the warning a skipped enrolment photo gives.
const SKIPPED_PHOTO: &str = "skipped enrolment photo ";

#[derive(Debug, Subcommand)]
pub(super) enum WatchlistCommand {
    /// Enrol a watchlist ahead of analysis: fills the enrolment cache, so that `lineup analyze`
    /// with this watchlist (and the same detector settings) does not enrol it again.
    Enrol(EnrolArgs),
}

#[derive(Debug, Args)]
pub(super) struct EnrolArgs {
    /// Folder of enrolment photos: a subfolder per person, or files named Name_1.jpg, Name_2.jpg.
    dir: PathBuf,
    /// Stills are scaled so their long side is at most this many pixels before detection (give
    /// the same as to `analyze`).
    #[arg(long, default_value_t = DetectorConfig::default().max_side, value_parser = clap::value_parser!(u32).range(32..=8192))]
    max_side: u32,
    /// As `analyze --small-faces`.
    #[arg(long, conflicts_with = "max_side")]
    small_faces: bool,
    /// Threads the models may use (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Print every skipped photo, not only the first few.
    #[arg(long)]
    full_summary: bool,
}

/// The cache folder to use, or None (with a warning when that is not what was asked).
pub(super) fn cache_dir(no_cache: bool) -> Option<PathBuf> {
    if no_cache {
        return None;
    }
    let dir = EnrolmentCache::default_dir();
    if dir.is_none() {
        eprintln!(
            "warning: no folder for the enrolment cache (set {} or HOME); the watchlist is \
             enrolled without it",
            watchlist::CACHE_DIR_VARIABLE
        );
    }
    dir
}

pub(super) fn run(command: WatchlistCommand) -> anyhow::Result<ExitCode> {
    let WatchlistCommand::Enrol(args) = command;
    let mut vision = VisionConfig::default();
    if args.small_faces {
        vision.detector = DetectorConfig::small_faces();
    } else {
        vision.detector.max_side = args.max_side;
    }
    if let Some(threads) = args.threads {
        vision.threads = usize::from(threads);
    }
    let Some(dir) = cache_dir(false) else {
        anyhow::bail!("nothing to fill: there is no folder for the enrolment cache");
    };
    let mut pipeline = FacePipeline::load(vision.clone())?;
    let cache = EnrolmentCache::new(&dir, &pipeline.models(), &vision.detector);
    let mut log = EnrolmentLog::new();
    let enrolment =
        watchlist::enrol_with_cache(&args.dir, &mut pipeline, Some(&cache), |done, total| {
            log.note(done, total)
        })?;
    print_warnings(&enrolment.warnings, args.full_summary);
    print_counts(&enrolment.counts, enrolment.watchlist.identities.len());
    println!("Enrolment cache: {}", cache.folder().display());
    Ok(ExitCode::SUCCESS)
}

/// Enrolment progress on standard error: a line every few seconds without a terminal (a log, a
/// batch job), a line that rewrites itself on one.
pub(super) struct EnrolmentLog {
    terminal: bool,
    last: Option<Instant>,
}

impl EnrolmentLog {
    pub(super) fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    pub(super) fn note(&mut self, done: usize, total: usize) {
        let every = if self.terminal {
            REDRAW_EVERY
        } else {
            LOG_EVERY
        };
        let due = self.last.is_none_or(|last| last.elapsed() >= every);
        if !(due || done == total) || (done == 0 && total == 0) {
            return;
        }
        self.last = Some(Instant::now());
        if self.terminal {
            eprint!("\renrolling watchlist: {done} of {total} photos");
            if done == total {
                eprintln!();
            }
        } else {
            eprintln!("enrolling watchlist: {done} of {total} photos");
        }
    }
}

/// Prints `warnings`, but of the skipped enrolment photos only the first few unless `full`.
pub(super) fn print_warnings(warnings: &[String], full: bool) {
    let mut skipped = 0;
    for warning in warnings {
        if warning.starts_with(SKIPPED_PHOTO) {
            skipped += 1;
            if !full && skipped > SKIPPED_PHOTOS_SHOWN {
                continue;
            }
        }
        eprintln!("warning: {warning}");
    }
    if !full && skipped > SKIPPED_PHOTOS_SHOWN {
        eprintln!(
            "warning: {} more enrolment photos were skipped (--full-summary lists them all; the \
             review's warnings hold them too)",
            skipped - SKIPPED_PHOTOS_SHOWN
        );
    }
}

/// The watchlist lines of a summary.
pub(super) fn print_counts(counts: &EnrolmentCounts, identities: usize) {
    let row = |label: &str, value: usize| println!("{label:<34}{value:>8}");
    row("Watchlist photos", counts.photos);
    row("  enrolled", counts.enrolled);
    row("  from the enrolment cache", counts.from_cache);
    row("  skipped: no face", counts.skipped_no_face);
    row("  skipped: several faces", counts.skipped_several_faces);
    row("  skipped: unreadable", counts.skipped_unreadable);
    row("Watchlist identities", identities);
}
