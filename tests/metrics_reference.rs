//! lineup's per-slice metrics against an independent computation: tests/reference/metrics_reference.py
//! (numpy) read the CSV that lineup exports for a labelled review and wrote every slice's counts,
//! rates and Wilson intervals to tests/reference/expected/metrics.json. lineup must agree to 1e-9.
//!
//! The labelled review is the seeded fixture in tests/common/labelled.rs. To regenerate after a
//! deliberate change: `UPDATE_REFERENCE=1 cargo test --test metrics_reference`, then run the script.

mod common;

use std::path::{Path, PathBuf};

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
        let slices = case["slices"].as_array().unwrap();
        assert_eq!(evaluation.names.len(), slices.len(), "{slicing:?}");
        for (i, want) in slices.iter().enumerate() {
            assert_eq!(evaluation.names[i], want["name"].as_str().unwrap());
            let m = &evaluation.metrics[i];
            let at = format!("{slicing:?} at {threshold}, {}", evaluation.names[i]);
            for (rate, key) in [
                (&m.fpir, "fpir"),
                (&m.fnir, "fnir"),
                (&m.wrong_identity_alerts, "wrong_identity"),
                (&m.flag_rate, "flag_rate"),
            ] {
                let want = &want[key];
                assert_eq!(rate.k, want["k"].as_u64().unwrap(), "{at} {key} k");
                assert_eq!(rate.n, want["n"].as_u64().unwrap(), "{at} {key} n");
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
            let ratio = evaluation.fpir_differentials.per_slice[i].vs_lowest;
            match ratio {
                None => assert!(
                    want["fpir_ratio"].is_null(),
                    "{at} fpir ratio {:?}",
                    want["fpir_ratio"]
                ),
                Some(r) => close(r, &want["fpir_ratio"], &format!("{at} fpir ratio")),
            }
            compared += 1;
        }
    }
    assert!(compared >= 40, "only {compared} slices compared");
}
