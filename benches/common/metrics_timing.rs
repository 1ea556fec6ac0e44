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
