//! Every file of the bad-input corpus (tests/data/bad/, made by scripts/make_bad_inputs.py; see
//! tests/FIXTURES.md) through the `lineup` binary, as a user would meet it: images and videos
//! through `analyze`, reviews through `metrics`, CSVs through `labels import`, bundles through
//! `verify`. Each is refused with a non-zero exit and a message naming the file and saying what
//! is wrong, or (odd but usable) accepted, with a warning where one is due; none panics.
//!
//! The tables below must cover the corpus exactly: a file added to the script without an
//! expectation here fails the test, and so does an expectation whose file is gone.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What lineup must do with one file.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Non-zero exit; the message names the file and contains this.
    Refused(&'static str),
    /// Success, with a warning that names the file and contains this.
    Warned(&'static str),
    /// Success, and no warning about the file.
    Accepted,
}
use Expect::{Accepted, Refused, Warned};

const IMAGES: &[(&str, Expect)] = &[
    ("not_an_image.jpg", Refused("not an image lineup can read")),
    ("empty.jpg", Refused("the file is empty")),
    ("truncated.jpg", Warned("truncated")),
    (
        "huge_20000x20000.png",
        Refused("20000×20000 pixels (400 megapixels)"),
    ),
    ("cut_header.png", Refused("damaged")),
    ("random_bytes.png", Refused("the image is damaged")),
    (
        "jpeg_header_then_noise.jpg",
        Refused("the image is damaged"),
    ),
    (
        "ünïcödé näme 写真 (copy).jpg",
        Refused("not an image lineup can read"),
    ),
    ("tiny_1x1.png", Warned("only 1×1 pixels")),
    ("good photo – ünïcödé 写真.jpg", Accepted),
    ("grayscale.jpg", Accepted),
    ("rgb16.png", Accepted),
    ("alpha.png", Accepted),
];

const VIDEOS: &[(&str, Expect)] = &[
    (
        "huge_12000x9000.avi",
        Refused("the video's frames are 12000×9000 pixels (108 megapixels)"),
    ),
    ("empty.mp4", Refused("the file is empty")),
    ("random.mp4", Refused("not a video FFmpeg can open")),
    ("header_only.mp4", Refused("not one frame could be decoded")),
    (
        "cut_at_10_percent.mp4",
        Refused("not one frame could be decoded"),
    ),
    ("text_named.mkv", Refused("not a video FFmpeg can open")),
    ("audio_only.mp4", Refused("holds no video stream")),
    (
        "vidéo cassée 動画.mp4",
        Refused("not a video FFmpeg can open"),
    ),
];

const REVIEWS: &[(&str, Expect)] = &[
    ("not_ron.ron", Refused("not a lineup review")),
    ("empty.ron", Refused("not a lineup review")),
    ("binary.ron", Refused("not a lineup review")),
    ("future_version.ron", Refused("review schema version 99")),
    (
        "malformed.ron",
        Refused("line 5, column 19: Expected float"),
    ),
    ("truncated.ron", Refused("the file is probably cut short")),
    (
        "dangling_input.ron",
        Refused("damaged: detection 0 is in input 57"),
    ),
    ("ünïcödé review.ron", Refused("line 1, column")),
];

const CSVS: &[(&str, Expect)] = &[
    ("empty.csv", Refused("line 1: no \"track\" column")),
    (
        "binary.csv",
        Refused("cannot be read: it is not UTF-8 text"),
    ),
    (
        "no_track_column.csv",
        Refused("line 1: no \"track\" column"),
    ),
    (
        "unknown_column.csv",
        Refused("unknown column \"shoe_size\""),
    ),
    (
        "track_not_a_number.csv",
        Refused("line 2: track \"zero\" is not a number"),
    ),
    ("no_such_track.csv", Refused("line 2: no track 9999")),
    ("bad_label.csv", Refused("line 2: label \"maybe\"")),
    (
        "unknown_identity.csv",
        Refused("line 2: no watchlist identity named \"Nobody At All\""),
    ),
    ("bad_attribute.csv", Refused("line 2: ")),
    ("ragged.csv", Refused("line 2")),
    ("unclosed_quote.csv", Refused("line 2: label")),
    ("bom_crlf.csv", Accepted),
    ("ünïcödé labels.csv", Refused("line 2: label \"maybe not\"")),
];

const BUNDLES: &[(&str, Expect)] = &[
    (
        "not_a_zip.zip",
        Refused("not a lineup bundle: it is neither a folder nor a readable zip"),
    ),
    (
        "empty.zip",
        Refused("not a lineup bundle: it is neither a folder nor a readable zip"),
    ),
    (
        "random.zip",
        Refused("not a lineup bundle: it is neither a folder nor a readable zip"),
    ),
    (
        "cut_zip.zip",
        Refused("not a lineup bundle: it is neither a folder nor a readable zip"),
    ),
    ("no_manifest.zip", Refused("the bundle has no manifest,")),
    (
        "no_signature.zip",
        Refused("the bundle has no manifest.minisig"),
    ),
    (
        "garbage_signature.zip",
        Refused("not a valid lineup signature"),
    ),
    ("escaping_names.zip", Refused("the bundle has no manifest,")),
    (
        "empty folder bundle",
        Refused("the bundle has no manifest,"),
    ),
];

fn lineup(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(args)
        .output()
        .unwrap()
}

/// Checks one run of lineup on `file` against `expect`; returns what went wrong, if anything.
fn check(file: &Path, expect: Expect, out: &Output) -> Result<(), String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown = format!(
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let name = file.display().to_string();
    if ["panicked", "RUST_BACKTRACE"]
        .iter()
        .any(|p| stdout.contains(p) || stderr.contains(p))
    {
        return Err(format!("it panicked:\n{shown}"));
    }
    // A message counts when one line of it names the file and says what is wrong.
    let says = |prefix: &str, what: &str| {
        stderr
            .lines()
            .any(|line| line.starts_with(prefix) && line.contains(&name) && line.contains(what))
    };
    let ok = match expect {
        // `analyze` names a refused input in a warning, then fails because nothing was left.
        Refused(what) => {
            !out.status.success() && (says("error: ", what) || says("warning: ", what))
        }
        Warned(what) => out.status.success() && says("warning: ", what),
        Accepted => {
            out.status.success()
                && !stderr
                    .lines()
                    .any(|l| l.starts_with("warning: ") && l.contains(&name))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected {expect:?}:\n{shown}"))
    }
}

/// Runs `run` on every file of the corpus folder `kind`, checks each against `table`, and fails
/// with every mismatch at once (a list is quicker to fix than one failure per run).
fn run_corpus(kind: &str, table: &[(&str, Expect)], run: impl Fn(&Path) -> Output) {
    let folder = common::bad_corpus(kind);
    let on_disk: BTreeSet<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = table.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        on_disk, expected,
        "tests/data/bad/{kind} and this test's table differ: rerun scripts/make_bad_inputs.py \
         (delete tests/data/bad first) or update the table"
    );
    let failures: Vec<String> = table
        .iter()
        .filter_map(|(name, expect)| {
            let file = folder.join(name);
            check(&file, *expect, &run(&file))
                .err()
                .map(|why| format!("--- {kind}/{name}: {why}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn analyze(footage: &Path, watchlist: &Path) -> Output {
    let out = tempfile::tempdir().unwrap();
    let review = out.path().join("review.ron");
    let output = lineup(&[
        Path::new("analyze"),
        Path::new("--footage"),
        footage,
        Path::new("--watchlist"),
        watchlist,
        Path::new("--out"),
        &review,
    ]);
    // Nothing is written when nothing could be analysed.
    assert_eq!(
        review.exists(),
        output.status.success(),
        "{}",
        footage.display()
    );
    output
}

#[test]
fn every_bad_image_is_refused_or_warned_about_by_name() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    run_corpus("images", IMAGES, |file| analyze(file, watchlist.path()));
}

#[test]
fn every_bad_video_is_refused_by_name() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    run_corpus("videos", VIDEOS, |file| analyze(file, watchlist.path()));
}

#[test]
fn every_bad_review_is_refused_by_name() {
    run_corpus("reviews", REVIEWS, |file| {
        lineup(&[Path::new("metrics"), file])
    });
}

#[test]
fn every_bad_label_csv_is_refused_by_name_and_changes_nothing() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review_v1.ron");
    let dir = tempfile::tempdir().unwrap();
    run_corpus("csv", CSVS, |file| {
        let review: PathBuf = dir.path().join("review.ron");
        std::fs::copy(&fixture, &review).unwrap();
        let output = lineup(&[Path::new("labels"), Path::new("import"), &review, file]);
        if !output.status.success() {
            let after = std::fs::read(&review).unwrap();
            assert_eq!(
                after,
                std::fs::read(&fixture).unwrap(),
                "{}: a refused import changed the review",
                file.display()
            );
        }
        output
    });
}

#[test]
fn every_bad_bundle_is_refused_by_name() {
    run_corpus("bundles", BUNDLES, |file| {
        lineup(&[Path::new("verify"), file])
    });
}
