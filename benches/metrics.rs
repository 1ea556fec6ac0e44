//! How fast every slice's metrics come back after a threshold or slice change, for 100,000
//! labelled faces in 11 slices (skin tone, one per Monk value, plus unknown). Target: ≤ 5 ms.
//!
//! Run with `cargo bench --bench metrics`. Under `cargo test` (no `--bench` flag) it does nothing,
//! so the test suite stays free of timing.

#[path = "../tests/common/labelled.rs"]
#[allow(dead_code)] // the tests use the 600-person version
mod labelled;

use std::hint::black_box;
use std::time::{Duration, Instant};

use lineup::review::Slicing;

fn median_of(runs: usize, mut work: impl FnMut()) -> Duration {
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

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut document = labelled::labelled_review_of(100_000);
    for attribute in &mut document.attribute_schema.attributes {
        attribute.groups.clear(); // one slice per Monk value
    }
    let slicing = Slicing::by(&["skin"]);
    let sliced = document.sliced_searches(&slicing).unwrap();
    let index = sliced.index();
    println!(
        "{} labelled searches in {} slices",
        sliced.searches.len(),
        sliced.names.len()
    );

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
            .slice(&document.attribute_schema, black_box(&slicing))
            .unwrap();
        black_box(sliced.index().metrics_at_global(0.6));
    });
    let after_label_change = median_of(11, || {
        black_box(document.labelled_tracks());
    });
    let from_document = median_of(11, || {
        black_box(document.evaluate(black_box(&slicing), 0.6).unwrap());
    });
    println!("{:<58} {:>10}", "what", "median");
    println!(
        "{:<58} {:>7.3} ms",
        "threshold moved: all slices' metrics",
        after_threshold.as_secs_f64() * 1e3
    );
    println!(
        "{:<58} {:>7.3} ms",
        "slicing changed: re-slice, re-index, all metrics",
        after_slice_change.as_secs_f64() * 1e3
    );
    println!(
        "{:<58} {:>7.3} ms",
        "a label changed: gather labelled tracks again",
        after_label_change.as_secs_f64() * 1e3
    );
    println!(
        "{:<58} {:>7.3} ms",
        "whole evaluation from the review document",
        from_document.as_secs_f64() * 1e3
    );
    let target = Duration::from_millis(5);
    println!(
        "target ≤ 5 ms after a threshold or slice change: {}",
        if after_threshold.max(after_slice_change) <= target {
            "met"
        } else {
            "NOT met"
        }
    );
}
