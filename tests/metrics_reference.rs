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
    let text = csv::export_text(&common::labelled::signable_labelled_review());
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
    let document = common::labelled::signable_labelled_review();
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

/// 1:1 verification per group against the same reference: tests/reference/metrics_reference.py
/// read the photos of a seeded evaluation-set review (who, attributes, embedding) from
/// tests/reference/verification_photos.csv and wrote every group's FMR and FNMR with their
/// intervals to tests/reference/expected/verification.json.
mod verification {
    use super::*;
    use lineup::ids::{DetectionId, IdentityId, TrackId};
    use lineup::review::{
        AnalysisSettings, DetectionRecord, GroundTruth, ReviewDocument, SourceRef, Track,
    };
    use lineup::vision::{BoundingBox, Embedding, Point, VisionConfig};
    use lineup::watchlist::{EnrolmentPhoto, Identity, Watchlist};

    const DIMENSIONS: usize = 8;

    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn unit(&mut self) -> f32 {
            (self.next() >> 40) as f32 / (1u64 << 24) as f32
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn vector(&mut self) -> Vec<f32> {
            (0..DIMENSIONS).map(|_| self.unit() * 2.0 - 1.0).collect()
        }
    }

    /// A review as `lineup evaluate` makes it, of 60 seeded people with 1 to 4 photos each: the
    /// even-numbered ones enrolled by their first photo, every other photo a labelled track.
    /// Each photo's embedding is its person's direction plus noise, so genuine pairs score high
    /// and impostor pairs spread around 0.
    pub fn review() -> ReviewDocument {
        let mut random = Random(0x1_2345_6789);
        let mut document = ReviewDocument::new(
            AnalysisSettings {
                threshold: 0.6,
                top_k: 1,
                vision: VisionConfig::default(),
                sampling: Default::default(),
            },
            Vec::new(),
            Vec::new(),
            Watchlist {
                root: "set".into(),
                identities: Vec::new(),
            },
        );
        let mut planned = Vec::new();
        for person in 0..60u32 {
            let base = random.vector();
            let photos = 1 + random.below(4);
            let mut attributes = lineup::review::Attributes::new();
            if random.below(8) > 0 {
                attributes.insert("skin".into(), (1 + random.below(10)).to_string());
            }
            let gender = ["female", "male", "unknown"][random.below(3) as usize];
            if gender != "unknown" {
                attributes.insert("gender".into(), gender.into());
            }
            let embeddings: Vec<Embedding> = (0..photos)
                .map(|_| {
                    let noise = random.vector();
                    let v: Vec<f32> = base.iter().zip(&noise).map(|(b, n)| b + 0.5 * n).collect();
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    Embedding(v.iter().map(|x| x / norm).collect())
                })
                .collect();
            planned.push((format!("Person {person}"), attributes, embeddings));
        }
        for (name, attributes, embeddings) in planned.iter().step_by(2) {
            document.watchlist.identities.push(Identity {
                name: name.clone(),
                photos: vec![EnrolmentPhoto {
                    path: format!("{name}/1.png").into(),
                    digest: lineup::digest::FileDigest {
                        sha256: String::new(),
                        size_bytes: 0,
                    },
                    bbox: BoundingBox::default(),
                    detector_score: 0.9,
                    embedding: embeddings[0].clone(),
                }],
            });
            document
                .identity_attributes
                .insert(name.clone(), attributes.clone());
        }
        for (index, (name, attributes, embeddings)) in planned.iter().enumerate() {
            let enrolled = index % 2 == 0;
            for embedding in &embeddings[usize::from(enrolled)..] {
                let id = document.tracks.len();
                document.detections.push(DetectionRecord {
                    source: SourceRef {
                        input: id,
                        frame_index: 0,
                        timestamp_s: 0.0,
                    },
                    bbox: BoundingBox::default(),
                    landmarks: [Point::default(); 5],
                    detector_score: 0.9,
                    embedding: embedding.clone(),
                    candidates: Vec::new(),
                    skin_ita: None,
                    skin_ita_quartiles: None,
                });
                document.tracks.push(Track {
                    id: id as u32,
                    detections: vec![DetectionId(id)],
                    label: if enrolled {
                        GroundTruth::OnWatchlist(IdentityId((index / 2) as u32))
                    } else {
                        GroundTruth::NotOnWatchlist
                    },
                    attributes: if enrolled {
                        Default::default()
                    } else {
                        attributes.clone()
                    },
                    skin_tone_suggestion: None,
                    person: (!enrolled).then(|| name.clone()),
                    skin_tone_range: None,
                });
            }
        }
        document
    }

    /// The photos as the reference reads them: enrolment photos, then each track's, with who
    /// they are of, their perceived skin tone and gender, and their embedding.
    fn photos_csv(document: &ReviewDocument) -> String {
        let mut text = String::from("person,skin,gender");
        for d in 0..DIMENSIONS {
            text.push_str(&format!(",e{d}"));
        }
        text.push('\n');
        let mut row = |person: &str, attributes: [&str; 2], embedding: &Embedding| {
            text.push_str(&format!("{person},{},{}", attributes[0], attributes[1]));
            for value in &embedding.0 {
                text.push_str(&format!(",{value:?}"));
            }
            text.push('\n');
        };
        for identity in &document.watchlist.identities {
            let attributes = &document.identity_attributes[&identity.name];
            let value = |a: &str| attributes.get(a).map_or("unknown", String::as_str);
            row(
                &identity.name,
                [value("skin"), value("gender")],
                &identity.photos[0].embedding,
            );
        }
        for (index, track) in document.tracks.iter().enumerate() {
            let person = match track.label {
                GroundTruth::OnWatchlist(id) => document.identity_name(id).unwrap().to_string(),
                _ => track.person.clone().unwrap(),
            };
            let value = |a| document.track_attribute(TrackId(index), a);
            row(
                &person,
                [value("skin"), value("gender")],
                &document.detections[track.detections[0]].embedding,
            );
        }
        text
    }

    #[test]
    fn exported_photos_are_the_ones_the_reference_read() {
        let text = photos_csv(&review());
        let path = reference_dir().join("verification_photos.csv");
        if std::env::var_os("UPDATE_REFERENCE").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(std::fs::read_to_string(path).unwrap(), text);
    }

    #[test]
    fn fmr_and_fnmr_per_group_equal_the_reference() {
        let document = review();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(reference_dir().join("expected/verification.json")).unwrap(),
        )
        .unwrap();
        let embeddings: Vec<&Embedding> = document
            .watchlist
            .identities
            .iter()
            .map(|i| &i.photos[0].embedding)
            .chain(document.detections.iter().map(|d| &d.embedding))
            .collect();
        let mut compared = 0;
        let mut matched_impostors = 0;
        for case in expected["cases"].as_array().unwrap() {
            let slicing: Vec<&str> = case["slicing"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let threshold = case["threshold"].as_f64().unwrap() as f32;
            // No pair may score so near the threshold that float rounding in numpy could
            // decide it the other way.
            for (i, a) in embeddings.iter().enumerate() {
                for b in &embeddings[i + 1..] {
                    assert!(
                        (a.cosine(b) - threshold).abs() > 1e-5,
                        "a pair at {threshold}"
                    );
                }
            }
            let verification = document
                .verification(&Slicing::by(&slicing), threshold)
                .unwrap();
            let groups = case["groups"].as_array().unwrap();
            assert_eq!(verification.names.len(), groups.len(), "{slicing:?}");
            for (i, want) in groups.iter().enumerate() {
                assert_eq!(verification.names[i], want["name"].as_str().unwrap());
                let rates = &verification.groups[i];
                let at = format!("{slicing:?} at {threshold}, {}", verification.names[i]);
                for (rate, key) in [(&rates.fmr, "fmr"), (&rates.fnmr, "fnmr")] {
                    compare_pair_rate(rate, &want[key], &format!("{at} {key}"));
                }
                matched_impostors += rates.fmr.k;
                compared += 1;
            }
        }
        assert!(compared >= 20, "only {compared} groups compared");
        assert!(
            matched_impostors > 10,
            "the fixture has false matches to count"
        );
    }

    fn compare_pair_rate(rate: &Rate, want: &Value, at: &str) {
        assert_eq!(rate.k, want["k"].as_u64().unwrap(), "{at} k");
        assert_eq!(rate.n, want["n"].as_u64().unwrap(), "{at} n");
        assert_eq!(rate.people, want["people"].as_u64(), "{at} people");
        let is_clustered = matches!(rate.method, IntervalMethod::Clustered { .. });
        assert_eq!(
            is_clustered,
            want["clustered"].as_bool().unwrap(),
            "{at} method"
        );
        match rate.rate {
            None => assert!(want["rate"].is_null(), "{at}"),
            Some(value) => {
                close(value, &want["rate"], &format!("{at} rate"));
                let ci = rate.interval.unwrap();
                close(ci.low, &want["low"], &format!("{at} low"));
                close(ci.high, &want["high"], &format!("{at} high"));
            }
        }
    }
}
