//! How fast every slice's metrics come back after a threshold or slice change, for 100,000
//! labelled faces in 11 slices (skin tone, one per Monk value, plus unknown). Target: ≤ 5 ms.
//! Also how fast the Faces screen learns which of 48,000 tracks a chosen slice holds (it asks
//! on every repaint while a slice is chosen). And how a saved review of 100,000 faces reads
//! back: its size, load time and `lineup metrics` from start to exit (target: ≤ 1 s).
//!
//! Run with `cargo bench --bench metrics`. Under `cargo test` (no `--bench` flag) it does nothing,
//! so the test suite stays free of timing.

#[path = "common/metrics_timing.rs"]
mod metrics_timing;
#[path = "common/opening_timing.rs"]
mod opening_timing;

use std::hint::black_box;
use std::time::Duration;

use lineup::review::Slicing;
use lineup::workspace::Workspace;
use metrics_timing::{Recompute, labelled, median_of};

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
    let slice_chosen = slice_chosen_on_the_faces_screen();
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
    println!(
        "{:<58} {:>7.3} ms",
        "slice chosen: which of 48,000 tracks it holds",
        slice_chosen.as_secs_f64() * 1e3
    );
    let opening = opening_timing::opening_times(
        &opening_timing::hundred_thousand_faces_analysed(),
        std::path::Path::new(env!("CARGO_BIN_EXE_lineup")),
    );
    let megabytes = |bytes: u64| bytes as f64 / 1e6;
    println!(
        "a saved review of {} faces: text {:.1} MB, sidecar {:.1} MB",
        opening.faces,
        megabytes(opening.text_bytes),
        megabytes(opening.sidecar_bytes)
    );
    for (what, time) in [
        ("saved (sidecar, then text)", opening.save),
        ("loaded from disk", opening.load),
        (
            "`lineup metrics` on it, start to exit (target ≤ 1 s)",
            opening.metrics_command,
        ),
    ] {
        println!("{what:<58} {:>7.3} s", time.as_secs_f64());
    }
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

/// The median time the Faces screen takes, on each repaint, to learn which tracks of a
/// 48,000-track review (sliced by skin tone and gender) the chosen slice holds.
fn slice_chosen_on_the_faces_screen() -> Duration {
    let mut document = labelled::labelled_review_of(48_000);
    document.slicing = Slicing::by(&["skin", "gender"]);
    let workspace = Workspace::new(document, None);
    assert_eq!(workspace.document().tracks.len(), 48_000);
    let names = workspace.sliced().names.clone();
    let mut next = names.iter().cycle();
    median_of(101, || {
        let name = next.next().map_or("", String::as_str);
        black_box(workspace.tracks_in_slice(black_box(name)));
    })
}
