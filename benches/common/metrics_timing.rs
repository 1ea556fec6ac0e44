//! How long all slices' metrics take to come back after a threshold or slicing change, for
//! 100,000 labelled faces in 11 slices (skin tone, one per Monk value, plus unknown).

use std::hint::black_box;
use std::time::{Duration, Instant};

use lineup::review::{ReviewDocument, Slicing};

#[path = "../../tests/common/labelled.rs"]
#[allow(dead_code)] // the tests use the 600-person version
pub mod labelled;

pub fn median_of(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// The labelled review of 100,000 faces, sliced by skin tone alone.
pub fn hundred_thousand_faces() -> (ReviewDocument, Slicing) {
    let mut document = labelled::labelled_review_of(100_000);
    for attribute in &mut document.attribute_schema.attributes {
        attribute.groups.clear(); // one slice per Monk value
    }
    (document, Slicing::by(&["skin"]))
}

pub struct Recompute {
    pub searches: usize,
    pub slices: usize,
    /// Median time for every slice's metrics after the threshold moves.
    pub after_threshold: Duration,
    /// Median time to re-slice, re-index and compute every slice's metrics.
    pub after_slice_change: Duration,
}

pub fn recompute_times(document: &ReviewDocument, slicing: &Slicing) -> Recompute {
    let sliced = document.sliced_searches(slicing).expect("slice the review");
    let index = sliced.index();
    let mut threshold = 0.30f32;
    let after_threshold = median_of(201, || {
        threshold = if threshold > 0.9 {
            0.3
        } else {
            threshold + 0.003
        };
        black_box(index.metrics_at_global(black_box(threshold)));
    });
    let labelled = document.labelled_tracks();
    let after_slice_change = median_of(21, || {
        let sliced = labelled
            .slice(&document.attribute_schema, black_box(slicing))
            .expect("slice the labelled tracks");
        black_box(sliced.index().metrics_at_global(0.6));
    });
    Recompute {
        searches: sliced.searches.len(),
        slices: sliced.names.len(),
        after_threshold,
        after_slice_change,
    }
}

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
