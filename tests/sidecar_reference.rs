//! A review's sidecar read without lineup, as an opposing expert would: the numpy script
//! tests/reference/sidecar_reference.py opened the sidecar lineup writes for the fixture review
//! (tests/reference/sidecar/) with `numpy.load` alone, and wrote every face's box, its cosine
//! similarity with every enrolment photo, its candidates as the sidecar's columns hold them and
//! the alerts recomputed from the embeddings to tests/reference/expected/sidecar.json. The
//! review's boxes and candidates must be those, its stored match scores the best of each
//! identity's photos, and its alerts those numpy counted.
//!
//! To regenerate after a deliberate change of the format: `UPDATE_REFERENCE=1 cargo test --test
//! sidecar_reference`, then run the script (its docstring says how).

use std::path::{Path, PathBuf};

use lineup::review;
use serde_json::Value;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/sidecar")
}

/// The real analysis in tests/fixtures/review_v1.ron, saved by this lineup in `folder` with its
/// footage and watchlist beside it (so the text names no folder of this machine).
fn saved_fixture(folder: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review_v1.ron");
    let mut document = review::load(&fixture).unwrap();
    for input in &mut document.inputs {
        input.path = folder.join(&input.path);
    }
    document.watchlist.root = folder.join("watchlist");
    let path = folder.join("review.ron");
    review::save(&document, &path).unwrap();
    path
}

/// The files of `folder` by name.
fn files_in(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap())
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_saved_review_and_sidecar_are_the_ones_the_reference_read() {
    let dir = tempfile::tempdir().unwrap();
    saved_fixture(dir.path());
    let saved = files_in(dir.path());
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        for (name, _) in files_in(&reference_dir()) {
            std::fs::remove_file(reference_dir().join(name)).unwrap();
        }
        for (name, bytes) in &saved {
            std::fs::write(reference_dir().join(name), bytes).unwrap();
        }
    }
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&files_in(&reference_dir())), names(&saved));
    assert!(
        files_in(&reference_dir()) == saved,
        "the saved bytes differ"
    );
}

#[test]
fn numpy_reads_the_boxes_and_recomputes_the_scores_from_the_sidecar() {
    let document = review::load(&reference_dir().join("review.ron")).unwrap();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(reference_dir().join("../expected/sidecar.json")).unwrap(),
    )
    .unwrap();
    let boxes = expected["face_boxes"].as_array().unwrap();
    let scores = expected["scores"].as_array().unwrap();
    assert_eq!(boxes.len(), document.detections.len());
    assert_eq!(scores.len(), document.detections.len());
    // Which identity each enrolment photo, in the sidecar's order, belongs to.
    let owners: Vec<usize> = document
        .watchlist
        .identities
        .iter()
        .enumerate()
        .flat_map(|(identity, i)| std::iter::repeat_n(identity, i.photos.len()))
        .collect();
    let candidates = expected["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), document.detections.len());
    for (face, detection) in document.detections.iter().enumerate() {
        let read = &candidates[face];
        let numbers = |key: &str| -> Vec<f64> {
            read[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let identities: Vec<f64> = detection
            .candidates
            .iter()
            .map(|c| f64::from(c.identity.0))
            .collect();
        let scores: Vec<f64> = detection
            .candidates
            .iter()
            .map(|c| f64::from(c.score))
            .collect();
        assert_eq!(
            numbers("identities"),
            identities,
            "face {face}'s candidates"
        );
        assert_eq!(numbers("scores"), scores, "face {face}'s candidate scores");
    }
    let threshold = expected["threshold"].as_f64().unwrap() as f32;
    assert_eq!(threshold, document.settings.threshold);
    assert_eq!(
        document.summary(threshold).alerts as u64,
        expected["alerts"].as_u64().unwrap(),
        "alerts: lineup against numpy's, recomputed from the embeddings"
    );
    assert!(
        expected["alerts"].as_u64().unwrap() > 0,
        "the fixture has alerts"
    );
    for (face, detection) in document.detections.iter().enumerate() {
        let b = &detection.bbox;
        // float32 values, exact in JSON's float64 (read back to the nearest float32).
        let read: Vec<f32> = boxes[face]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let stored = vec![b.x1, b.y1, b.x2, b.y2];
        assert_eq!(read, stored, "face {face}'s box");
        let row: Vec<f64> = scores[face]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(row.len(), owners.len());
        assert!(!detection.candidates.is_empty());
        for candidate in &detection.candidates {
            let identity = candidate.identity.index();
            let best = row
                .iter()
                .zip(&owners)
                .filter(|(_, owner)| **owner == identity)
                .map(|(score, _)| *score)
                .fold(f64::NEG_INFINITY, f64::max);
            assert!(
                (best - f64::from(candidate.score)).abs() < 1e-5,
                "face {face}, identity {identity}: numpy {best}, review {}",
                candidate.score
            );
        }
    }
}
