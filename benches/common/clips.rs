//! Bench clips, made once with the ffmpeg command into target/ and kept for the next run.
//!
//! Shared by several benches, each of which uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Clips {
    pub minute: PathBuf,
    pub ten_seconds: PathBuf,
    pub ten_minutes: PathBuf,
}

impl Clips {
    /// The known-faces clip (tests/data/clips/faces_h264.mp4, 3 s) looped and scaled to 1920×1080
    /// for a minute; the 10-minute clip is that minute ten times over, joined without re-encoding.
    pub fn make(dir: &Path) -> Self {
        let faces = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clips/faces_h264.mp4");
        assert!(
            faces.is_file(),
            "{} is missing: run ./scripts/setup first",
            faces.display()
        );
        let minute = dir.join("faces_1080p_60s.mp4");
        ffmpeg(
            &minute,
            &[
                "-stream_loop",
                "-1",
                "-i",
                path_str(&faces),
                "-t",
                "60",
                "-vf",
                "scale=1440:1080,pad=1920:1080:240:0",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-g",
                "50",
                "-pix_fmt",
                "yuv420p",
            ],
        );
        let ten_seconds = dir.join("faces_1080p_10s.mp4");
        ffmpeg(
            &ten_seconds,
            &["-i", path_str(&minute), "-t", "10", "-c", "copy"],
        );
        let list = dir.join("ten_minutes.txt");
        let line = format!("file '{}'\n", minute.display());
        std::fs::write(&list, line.repeat(10)).expect("write the concat list");
        let ten_minutes = dir.join("faces_1080p_600s.mp4");
        ffmpeg(
            &ten_minutes,
            &[
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                path_str(&list),
                "-c",
                "copy",
            ],
        );
        Self {
            minute,
            ten_seconds,
            ten_minutes,
        }
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("bench paths are UTF-8")
}

/// Runs ffmpeg to make `out` unless it is already there.
pub fn ffmpeg(out: &Path, args: &[&str]) {
    if out.is_file() {
        return;
    }
    println!("making {} with ffmpeg ...", out.display());
    let partial = out.with_extension("partial.mp4");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&partial)
        .status()
        .expect("run ffmpeg (apt-get install ffmpeg)");
    assert!(status.success(), "ffmpeg failed making {}", out.display());
    std::fs::rename(&partial, out).expect("rename the finished clip");
}

/// The folder bench clips and reviews go in (created).
pub fn bench_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name);
    std::fs::create_dir_all(&dir).expect("create the bench folder under target/");
    dir
}

/// A one-person watchlist (Barack Obama, from obama2.jpg) in `dir`.
pub fn watchlist(dir: &Path) -> PathBuf {
    let watchlist = dir.join("watchlist");
    std::fs::create_dir_all(&watchlist).expect("create the watchlist folder");
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/photos/obama2.jpg");
    std::fs::copy(&photo, watchlist.join("Barack_Obama_1.jpg"))
        .expect("copy obama2.jpg (run ./scripts/setup)");
    watchlist
}
