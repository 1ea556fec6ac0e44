//! The pipeline on real photos (fetched from package registries by set-up; tests/FIXTURES.md).

mod common;

use std::sync::atomic::AtomicBool;

use lineup::analysis::{self, AnalysisRequest};
use lineup::footage::load_image;
use lineup::review::{DEFAULT_THRESHOLD, InputStatus};
use lineup::vision::{Embedding, VisionConfig};

fn embeddings_of(name: &str) -> Vec<Embedding> {
    let image = load_image(&common::photo(name)).unwrap().image;
    common::pipeline()
        .faces(&image)
        .unwrap()
        .into_iter()
        .map(|f| f.embedding)
        .collect()
}

fn face_count(name: &str) -> usize {
    let image = load_image(&common::photo(name)).unwrap().image;
    common::pipeline().detect(&image).unwrap().len()
}

#[test]
fn the_crowd_photo_yields_at_least_100_faces() {
    let faces = face_count("crowd.jpg");
    assert!(faces >= 100, "found {faces}");
}

#[test]
fn t1_yields_exactly_six_faces() {
    assert_eq!(face_count("t1.jpg"), 6);
}

#[test]
fn single_portraits_yield_one_face() {
    for name in [
        "obama.jpg",
        "obama2.jpg",
        "obama3.jpg",
        "biden.jpg",
        "astronaut.png",
    ] {
        assert_eq!(face_count(name), 1, "{name}");
    }
}

#[test]
fn the_three_obama_photos_match_each_other_and_nobody_else_does() {
    let obamas: Vec<Embedding> = ["obama.jpg", "obama2.jpg", "obama3.jpg"]
        .iter()
        .flat_map(|n| embeddings_of(n))
        .collect();
    assert_eq!(obamas.len(), 3);
    for (i, a) in obamas.iter().enumerate() {
        for b in &obamas[i + 1..] {
            let score = a.cosine(b);
            assert!(
                score >= DEFAULT_THRESHOLD,
                "two Obama photos score only {score}"
            );
        }
    }
    let others: Vec<Embedding> = ["biden.jpg", "astronaut.png", "t1.jpg", "crowd.jpg"]
        .iter()
        .flat_map(|n| embeddings_of(n))
        .collect();
    assert!(others.len() > 100);
    for (i, other) in others.iter().enumerate() {
        for obama in &obamas {
            let score = other.cosine(obama);
            assert!(
                score < DEFAULT_THRESHOLD,
                "face {i} of the others scores {score} against Obama"
            );
        }
    }
}

#[test]
fn analysis_flags_only_the_obama_photos_against_an_obama_watchlist() {
    let watchlist = common::watchlist(&[
        ("Barack_Obama_1.jpg", "obama.jpg"),
        ("Joe_Biden_1.jpg", "biden.jpg"),
    ]);
    let footage = [
        "obama2.jpg",
        "obama3.jpg",
        "astronaut.png",
        "t1.jpg",
        "crowd.jpg",
    ]
    .map(common::photo);
    let request = AnalysisRequest {
        footage: footage.to_vec(),
        watchlist: watchlist.path().to_path_buf(),
        threshold: DEFAULT_THRESHOLD,
        top_k: 2,
        vision: VisionConfig::default(),
        sampling: Default::default(),
        enrolment_cache: None,
        recognizer: None,
        other_recognizers: Vec::new(),
    };
    let document = analysis::run(&request, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert!(document.complete);
    assert!(
        document
            .inputs
            .iter()
            .all(|i| i.status == InputStatus::Analysed)
    );
    assert!(
        document
            .inputs
            .iter()
            .all(|i| i.digest.as_ref().is_some_and(|d| d.sha256.len() == 64))
    );
    let alerted: Vec<_> = document
        .detections
        .iter()
        .filter(|d| d.is_alert(DEFAULT_THRESHOLD))
        .map(|d| {
            (
                document.inputs[d.source.input]
                    .path
                    .file_name()
                    .unwrap()
                    .to_owned(),
                d.candidates[0].identity,
            )
        })
        .collect();
    assert_eq!(
        alerted,
        [
            ("obama2.jpg".into(), lineup::ids::IdentityId(0)),
            ("obama3.jpg".into(), lineup::ids::IdentityId(0))
        ]
    );
    let summary = document.summary(DEFAULT_THRESHOLD);
    assert_eq!(summary.alerts_per_identity["Barack Obama"], 2);
    assert_eq!(summary.alerts_per_identity["Joe Biden"], 0);
    assert_eq!(
        document.watchlist.identities[0].photos[0].path.to_str(),
        Some("Barack_Obama_1.jpg")
    );
}
