//! How fast every slice's metrics come back after a threshold or slice change, for 100,000
//! labelled faces in 11 slices (skin tone, one per Monk value, plus unknown). Target: ≤ 5 ms.
//!
//! Run with `cargo bench --bench metrics`. Under `cargo test` (no `--bench` flag) it does nothing,
//! so the test suite stays free of timing.

#[path = "common/metrics_timing.rs"]
mod metrics_timing;

use std::hint::black_box;
use std::time::Duration;

use metrics_timing::{Recompute, median_of};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (document, slicing) = metrics_timing::hundred_thousand_faces();
    let Recompute {
        searches,
        slices,
        after_threshold,
        after_slice_change,
    } = metrics_timing::recompute_times(&document, &slicing);
    println!("{searches} labelled searches in {slices} slices");
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
