//! Footage benchmark: decode speed and analysis speed on 1080p h264, and peak memory of a whole
//! analysis of a 1-minute against a 10-minute clip (it must not grow with length).
//!
//! Run with `cargo bench --bench footage` after ./scripts/setup. It makes its clips with the ffmpeg
//! command into target/footage-bench/ (kept for the next run) and measures the analysis by running
//! the `lineup` binary as a child process, reading that child's own peak resident memory.
//! `cargo test --all-targets` builds this but does not run it: `main` does nothing unless cargo
//! passes `--bench`. LINEUP_BENCH_SAMPLE sets the memory runs' sampling (default fps:1);
//! LINEUP_BENCH_SKIP_MEMORY=1 skips them (they take several minutes).
//! LINEUP_BENCH_HOUR=1 adds an hour of 1080p, extrapolated from measured runs (issue #21): five
//! minutes at `--sample fps:5` and one minute at every frame, each timed with its review's size
//! on disk, times 12 and 60. The footage loops one 3-second clip, so its faces per minute (and so
//! the review's size) are those of that clip, not of real CCTV.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use lineup::footage::VideoReader;

#[path = "common/clips.rs"]
mod clips;

use clips::{Clips, bench_dir, watchlist};

/// Peak memory of the 10-minute analysis may exceed the 1-minute one's by at most this much.
const MEMORY_TOLERANCE: f64 = 0.20;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = bench_dir("footage-bench");
    let clips = Clips::make(&dir);

    println!("decode, 60 s 1080p h264 ({}):", clips.minute.display());
    let (frames, seconds) = decode(&clips.minute, false);
    println!(
        "  decode only:           {frames} frames in {seconds:.1} s = {:.0} fps",
        frames as f64 / seconds
    );
    let (frames, seconds) = decode(&clips.minute, true);
    println!(
        "  decode + RGB + rotate: {frames} frames in {seconds:.1} s = {:.0} fps",
        frames as f64 / seconds
    );

    let watchlist = watchlist(&dir);
    let run = analyse(&clips.ten_seconds, &watchlist, "every", &dir);
    println!(
        "analysis (decode + detect + embed + match), 10 s 1080p, every frame: {} frames in {:.1} s = {:.1} fps",
        run.frames,
        run.seconds,
        run.frames as f64 / run.seconds
    );

    if std::env::var_os("LINEUP_BENCH_HOUR").is_some() {
        an_hour_extrapolated(&clips, &watchlist, &dir);
    }
    if std::env::var_os("LINEUP_BENCH_SKIP_MEMORY").is_some() {
        return;
    }
    let sample = std::env::var("LINEUP_BENCH_SAMPLE").unwrap_or_else(|_| "fps:1".into());
    println!("peak memory of a whole analysis (--sample {sample}; every frame is still decoded):");
    let short = analyse(&clips.minute, &watchlist, &sample, &dir);
    println!(
        "  1-minute clip:  {:>6.0} MiB peak RSS ({} frames analysed in {:.0} s)",
        short.peak_mib, short.frames, short.seconds
    );
    let long = analyse(&clips.ten_minutes, &watchlist, &sample, &dir);
    println!(
        "  10-minute clip: {:>6.0} MiB peak RSS ({} frames analysed in {:.0} s)",
        long.peak_mib, long.frames, long.seconds
    );
    let growth = long.peak_mib / short.peak_mib - 1.0;
    let verdict = if growth <= MEMORY_TOLERANCE {
        "within"
    } else {
        "OVER"
    };
    println!(
        "  growth {:+.1} %: {verdict} the {:.0} % allowed",
        growth * 100.0,
        MEMORY_TOLERANCE * 100.0
    );
}

/// An hour of 1080p at `fps:5` (from five measured minutes) and at every frame (from one).
fn an_hour_extrapolated(clips: &Clips, watchlist: &Path, dir: &Path) {
    let list = dir.join("five_minutes.txt");
    let line = format!("file '{}'\n", clips.minute.display());
    std::fs::write(&list, line.repeat(5)).expect("write the concat list");
    let five_minutes = dir.join("faces_1080p_300s.mp4");
    clips::ffmpeg(
        &five_minutes,
        &[
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            clips::path_str(&list),
            "-c",
            "copy",
        ],
    );
    println!("an hour of 1080p h264, extrapolated from measured runs (2 shared cores):");
    for (clip, minutes, sample) in [(&five_minutes, 5.0, "fps:5"), (&clips.minute, 1.0, "every")] {
        let run = analyse(clip, watchlist, sample, dir);
        let per_hour = 60.0 / minutes;
        println!(
            "  --sample {sample:<6} measured on {minutes:.0} min: {} frames in {:.0} s ({:.1} fps, {:.2}x real time), review {:.1} MB; an hour: about {:.0} min, review about {:.0} MB",
            run.frames,
            run.seconds,
            run.frames as f64 / run.seconds,
            minutes * 60.0 / run.seconds,
            run.review_bytes as f64 / 1e6,
            run.seconds * per_hour / 60.0,
            run.review_bytes as f64 * per_hour / 1e6,
        );
    }
}

/// Decodes every frame of `clip`: (frames, seconds). With `to_rgb`, each is also converted to
/// upright RGB as analysis needs; without, the decoder alone is timed.
fn decode(clip: &Path, to_rgb: bool) -> (u64, f64) {
    let mut video = VideoReader::open(clip).expect("open the bench clip");
    let started = Instant::now();
    let mut frames = 0;
    if to_rgb {
        while video.next_frame().expect("decode").is_some() {
            frames += 1;
        }
    } else {
        // Declining every frame decodes it but skips the conversion.
        let mut count = |_, _| {
            frames += 1;
            false
        };
        while video
            .next_frame_where(&mut count)
            .expect("decode")
            .is_some()
        {}
    }
    (frames, started.elapsed().as_secs_f64())
}

struct Run {
    frames: u64,
    seconds: f64,
    peak_mib: f64,
    /// The review on disk: its document and any file beside it named after it (a sidecar).
    review_bytes: u64,
}

/// Runs `lineup analyze` on `clip` as a child process and reads its peak resident memory.
#[allow(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, reading its rusage"
)]
fn analyse(clip: &Path, watchlist: &Path, sample: &str, dir: &Path) -> Run {
    let review = dir.join("review.ron");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(["analyze", "--force", "--sample", sample, "--footage"])
        .arg(clip)
        .arg("--watchlist")
        .arg(watchlist)
        .arg("--out")
        .arg(&review)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start lineup");
    let peak_kib = wait_for_peak_rss_kib(child.id());
    let seconds = started.elapsed().as_secs_f64();
    let document = lineup::review::load(&review).expect("lineup wrote a review");
    Run {
        frames: document.inputs.iter().map(|i| i.frames_analysed).sum(),
        seconds,
        peak_mib: peak_kib as f64 / 1024.0,
        review_bytes: review_size(&review),
    }
}

/// The bytes of `review` and of every file in its folder whose name starts with its stem.
fn review_size(review: &Path) -> u64 {
    let stem = review
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("review");
    let folder = review.parent().expect("the review's folder");
    std::fs::read_dir(folder)
        .expect("read the bench folder")
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(stem))
        .filter_map(|entry| entry.metadata().ok())
        .filter(|metadata| metadata.is_file())
        .map(|metadata| metadata.len())
        .sum()
}

/// Waits for the child and returns its maximum resident set size (KiB), from the kernel's
/// accounting of that one process (wait4), not of all children together.
fn wait_for_peak_rss_kib(pid: u32) -> i64 {
    let mut status = 0;
    // SAFETY: rusage is plain data the kernel fills in; the pid is our own child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "lineup analyze failed"
    );
    usage.ru_maxrss
}
