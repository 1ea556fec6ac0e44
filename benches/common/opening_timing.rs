//! How a saved review of about 100,000 faces reads back: its size on disk, the time to load it
//! and `lineup metrics` on it from start to exit (issue #21: target ≤ 1 s).

use std::hint::black_box;
use std::time::Duration;

use lineup::review::ReviewDocument;

use super::metrics_timing::{labelled, median_of};

/// A review of about 100,000 faces as an analysis saves it: the labelled fixture's 50,000
/// people seen one to three times, every face with a candidate for each of the 5 identities
/// (as `--top-k 5` keeps them).
pub fn hundred_thousand_faces_analysed() -> ReviewDocument {
    let mut document = labelled::labelled_review_of(50_000);
    let identities = document.watchlist.identities.len() as u32;
    for detection in &mut document.detections {
        let best = detection.candidates[0];
        detection.candidates = std::iter::once(best)
            .chain((0..identities).filter(|&i| i != best.identity.0).map(|i| {
                lineup::matching::Candidate {
                    identity: lineup::ids::IdentityId(i),
                    score: best.score * 0.5 - 0.01 * i as f32,
                }
            }))
            .collect();
    }
    document
}

/// How a saved review of that size reads back.
pub struct Opening {
    pub faces: usize,
    /// The review's text and its sidecar, in bytes.
    pub text_bytes: u64,
    pub sidecar_bytes: u64,
    /// Median time to save it (sidecar, then text) and to load it from disk.
    pub save: Duration,
    pub load: Duration,
    /// Median time of `lineup metrics REVIEW` from start to exit.
    pub metrics_command: Duration,
}

/// Saves `document` into a temporary folder and times saving, loading and `lineup metrics`
/// (the `lineup` executable given) on it.
pub fn opening_times(document: &ReviewDocument, lineup: &std::path::Path) -> Opening {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("review.ron");
    let save = median_of(3, || {
        lineup::review::save(document, &path).expect("bench review saved");
    });
    let sizes: Vec<(String, u64)> = std::fs::read_dir(dir.path())
        .expect("the folder")
        .map(|entry| entry.expect("an entry"))
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, entry.metadata().expect("its size").len())
        })
        .collect();
    let size_of = |wanted: &dyn Fn(&str) -> bool| {
        sizes
            .iter()
            .filter(|(name, _)| wanted(name))
            .map(|(_, size)| size)
            .sum::<u64>()
    };
    let load = median_of(3, || {
        black_box(lineup::review::load(&path).expect("bench review loaded"));
    });
    let metrics_command = median_of(3, || {
        let status = std::process::Command::new(lineup)
            .arg("metrics")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("lineup metrics runs");
        assert!(status.success(), "lineup metrics failed");
    });
    Opening {
        faces: document.detections.len(),
        text_bytes: size_of(&|name| name == "review.ron"),
        sidecar_bytes: size_of(&|name| name.ends_with(".npz")),
        save,
        load,
        metrics_command,
    }
}
