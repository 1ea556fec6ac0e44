//! lineup's per-slice metrics against an independent computation: tests/reference/metrics_reference.py
//! (numpy) read the CSV that lineup exports for a labelled review and wrote every slice's counts,
//! rates, intervals (Wilson, or clustered by person), pooled rates and ratios with their intervals
//! to tests/reference/expected/metrics.json. lineup must agree to 1e-9.
//!
//! The labelled review is the seeded fixture in tests/common/labelled.rs. To regenerate after a
//! deliberate change: `UPDATE_REFERENCE=1 cargo test --test metrics_reference`, then run the script.

mod common;

use std::path::{Path, PathBuf};

use lineup::metrics::{IntervalMethod, Rate};
use lineup::review::{AlertRule, Slicing, csv};
use serde_json::Value;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

#[test]
fn exported_csv_is_the_one_the_reference_read() {
    let text = csv::export_text(&common::labelled::labelled_review());
    let path = reference_dir().join("labelled_tracks.csv");
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), text);
}

fn close(a: f64, b: &Value, what: &str) {
    let b = b
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference has {b}"));
    assert!((a - b).abs() <= 1e-9, "{what}: lineup {a}, reference {b}");
}

#[test]
fn per_slice_metrics_equal_the_reference() {
    let document = common::labelled::labelled_review();
    assert_eq!(document.alert_rule, AlertRule::BestScore);
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(reference_dir().join("expected/metrics.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    let mut clustered = 0;
    for case in expected["cases"].as_array().unwrap() {
        let slicing: Vec<&str> = case["slicing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let threshold = case["threshold"].as_f64().unwrap() as f32;
        let evaluation = document
            .evaluate(&Slicing::by(&slicing), threshold)
            .unwrap();
        let pooled = &evaluation.pooled;
        clustered += compare_rates(
            [
                &pooled.fpir,
                &pooled.fnir,
                &pooled.wrong_identity_alerts,
                &pooled.flag_rate,
            ],
            &case["pooled"],
            &format!("{slicing:?} at {threshold}, pooled"),
        );
        let slices = case["slices"].as_array().unwrap();
        assert_eq!(evaluation.names.len(), slices.len(), "{slicing:?}");
        for (i, want) in slices.iter().enumerate() {
            assert_eq!(evaluation.names[i], want["name"].as_str().unwrap());
            let m = &evaluation.metrics[i];
            let at = format!("{slicing:?} at {threshold}, {}", evaluation.names[i]);
            clustered += compare_rates(
                [&m.fpir, &m.fnir, &m.wrong_identity_alerts, &m.flag_rate],
                want,
                &at,
            );
            for (differentials, key) in [
                (&evaluation.fpir_differentials, "fpir"),
                (&evaluation.fnir_differentials, "fnir"),
            ] {
                let differential = differentials.per_slice[i];
                let what = format!("{at} {key} ratio");
                optional(differential.ratio, &want[format!("{key}_ratio")], &what);
                let interval = differential.interval;
                optional(
                    interval.map(|i| i.low),
                    &want[format!("{key}_ratio_low")],
                    &format!("{what} low"),
                );
                optional(
                    interval.map(|i| i.high),
                    &want[format!("{key}_ratio_high")],
                    &format!("{what} high"),
                );
            }
            compared += 1;
        }
    }
    assert!(compared >= 40, "only {compared} slices compared");
    assert!(
        clustered > 20,
        "only {clustered} clustered intervals compared"
    );
}

/// FPIR, FNIR, wrong-identity alerts and flag rate against the reference's, to 1e-9; returns
/// how many of them had a clustered interval.
fn compare_rates(rates: [&Rate; 4], want: &Value, at: &str) -> usize {
    let mut clustered = 0;
    for (rate, key) in rates
        .into_iter()
        .zip(["fpir", "fnir", "wrong_identity", "flag_rate"])
    {
        let want = &want[key];
        assert_eq!(rate.k, want["k"].as_u64().unwrap(), "{at} {key} k");
        assert_eq!(rate.n, want["n"].as_u64().unwrap(), "{at} {key} n");
        let is_clustered = matches!(rate.method, IntervalMethod::Clustered { .. });
        assert_eq!(
            is_clustered,
            want["clustered"].as_bool().unwrap(),
            "{at} {key} method"
        );
        clustered += usize::from(is_clustered);
        if key == "fnir" || key == "wrong_identity" {
            // People behind mated searches are always known: their watchlist identity.
            assert_eq!(rate.people, want["people"].as_u64(), "{at} {key} people");
        }
        match rate.rate {
            None => assert!(want["rate"].is_null(), "{at} {key}"),
            Some(value) => {
                close(value, &want["rate"], &format!("{at} {key} rate"));
                let ci = rate.interval.unwrap();
                close(ci.low, &want["low"], &format!("{at} {key} low"));
                close(ci.high, &want["high"], &format!("{at} {key} high"));
            }
        }
    }
    clustered
}

fn optional(got: Option<f64>, want: &Value, what: &str) {
    match got {
        None => assert!(want.is_null(), "{what}: lineup none, reference {want}"),
        Some(got) => close(got, want, what),
    }
}
