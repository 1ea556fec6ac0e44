//! Two recognizers compared (`lineup metrics --compare`, `ReviewDocument::compare_recognizers`)
//! against an independent computation, as an opposing expert would recompute them.
//!
//! tests/reference/compare/ holds a real analysis of the demo footage (the clip and photos
//! `lineup demo` analyses, against its two-person watchlist) with MobileFaceNet and dlib's
//! ResNet-29 (`lineup analyze --recognizer mobilefacenet --recognizer dlib --threshold 0.15`:
//! MobileFaceNet at a low threshold of a reviewer's, so that it raises false alerts that dlib at
//! its default does not, and the two models disagree), labelled by
//! importing tests/reference/compare/labels.csv (`lineup labels import`): the demo's labels
//! (Barack Obama in the clip's first second and in obama3.jpg, everyone else off the watchlist)
//! and made-up skin tones and genders, so that there are groups to compare. The numpy script
//! tests/reference/compare_reference.py read the review's text (tracks, thresholds), its sidecar
//! (both models' face and enrolment embeddings) and the labels alone, recomputed every face's
//! scores under each model's own metric, and wrote each group's FPIR and FNIR for both models,
//! the equal-FPIR thresholds both ways (dlib moved to MobileFaceNet's FPIR, and MobileFaceNet
//! moved to dlib's) and the faces and tracks flagged by one model alone to
//! tests/reference/expected/compare.json.
//!
//! To make the review again (after a deliberate change of the models or the analysis):
//! `UPDATE_REFERENCE=1 cargo test --test compare_reference`, then run the script (its docstring
//! says how).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lineup::assessment::wording;
use lineup::metrics::Rate;
use lineup::review::{self, Evaluation, GroundTruth, ReviewDocument, Slicing};
use lineup::vision::ModelRole;
use lineup::vision::manifest::Metric;
use lineup::vision::runtime::model_spec;
use serde_json::Value;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/compare")
}

fn lineup(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(args)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("LINEUP_CACHE_DIR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The footage `lineup demo` analyses (src/demo.rs): the clip, then three photos.
fn demo_footage() -> Vec<PathBuf> {
    let mut footage = vec![common::clip("faces_h264.mp4")];
    footage.extend(
        ["obama3.jpg", "crowd.jpg", "astronaut.png"]
            .into_iter()
            .map(common::photo),
    );
    footage
}

/// The demo's label of a track: Barack Obama in the clip's first second (frames 0–24) and in
/// obama3.jpg, everyone else off the watchlist.
fn demo_label(document: &ReviewDocument, track: usize) -> String {
    let first = document.detections[document.tracks[track].detections[0].index()].source;
    let file = document.inputs[first.input]
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let obama = file.starts_with("obama") || (file == "faces_h264.mp4" && first.frame_index < 25);
    match obama {
        true => "watchlist:Barack Obama".into(),
        false => "not_on_watchlist".into(),
    }
}

/// The labels CSV: the demo's labels, and skin tones and genders made up from the track number
/// (no person judged them: they only give the comparison groups).
fn labels_csv(document: &ReviewDocument) -> String {
    let mut csv = "track,label,skin,gender\n".to_string();
    for track in 0..document.tracks.len() {
        let skin = ["2", "5", "8"][track % 3];
        let gender = ["female", "male"][(track / 3) % 2];
        let _ = writeln!(
            csv,
            "{track},{},{skin},{gender}",
            demo_label(document, track)
        );
    }
    csv
}

/// Analyses the demo footage with both models and labels it, into tests/reference/compare/.
fn make_reference_review() {
    let home = tempfile::tempdir().unwrap();
    let watchlist = common::watchlist(&[
        ("Barack_Obama_1.jpg", "obama2.jpg"),
        ("Joe_Biden_1.jpg", "biden.jpg"),
    ]);
    let scratch = home.path().join("review.ron");
    let footage = demo_footage();
    let mut args = vec!["analyze", "--footage"];
    args.extend(footage.iter().map(|p| arg(p)));
    args.extend([
        "--watchlist",
        arg(watchlist.path()),
        "--recognizer",
        "mobilefacenet",
        "--recognizer",
        "dlib",
        "--threshold",
        "0.15",
        "--out",
        arg(&scratch),
    ]);
    let out = lineup(home.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = reference_dir().join("labels.csv");
    std::fs::create_dir_all(reference_dir()).unwrap();
    std::fs::write(&csv, labels_csv(&review::load(&scratch).unwrap())).unwrap();
    let out = lineup(home.path(), &["labels", "import", arg(&scratch), arg(&csv)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut document = review::load(&scratch).unwrap();
    // The footage and the watchlist's temporary folder as if they were beside the review, so
    // that the text names no folder of this machine.
    document.watchlist.root = reference_dir().join("watchlist");
    for input in &mut document.inputs {
        input.path = reference_dir()
            .join("footage")
            .join(input.path.file_name().unwrap());
    }
    document.slicing = Slicing::by(&["skin"]);
    for entry in std::fs::read_dir(reference_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "npz" || e == "ron") {
            std::fs::remove_file(path).unwrap();
        }
    }
    review::save(&document, &reference_dir().join("review.ron")).unwrap();
}

fn reference_review() -> ReviewDocument {
    static MADE: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        MADE.call_once(make_reference_review);
    }
    review::load(&reference_dir().join("review.ron")).unwrap()
}

fn expected() -> Value {
    let path = reference_dir().join("../expected/compare.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_reference_is_a_labelled_two_model_analysis_of_the_demo_footage() {
    let document = reference_review();
    let (mobilefacenet, dlib) = (
        model_spec(ModelRole::Recognizer),
        model_spec(ModelRole::SecondRecognizer),
    );
    assert_eq!(document.recognizer().unwrap().sha256, mobilefacenet.sha256);
    assert_eq!(document.other_recognizers.len(), 1);
    assert_eq!(document.other_recognizers[0].model.sha256, dlib.sha256);
    assert_eq!(document.other_recognizers[0].threshold, -0.6);
    // The inputs are the demo's footage, byte for byte.
    let footage = demo_footage();
    assert_eq!(document.inputs.len(), footage.len());
    for (input, path) in document.inputs.iter().zip(&footage) {
        let digest = lineup::digest::sha256_file(path).unwrap();
        assert_eq!(input.digest.as_ref().unwrap().sha256, digest.sha256);
    }
    // Labelled as the CSV says, every track.
    let csv = std::fs::read_to_string(reference_dir().join("labels.csv")).unwrap();
    assert_eq!(csv, labels_csv(&document));
    let mated = document
        .tracks
        .iter()
        .filter(|t| matches!(t.label, GroundTruth::OnWatchlist(_)))
        .count();
    let non_mated = document
        .tracks
        .iter()
        .filter(|t| t.label == GroundTruth::NotOnWatchlist)
        .count();
    assert!(mated >= 2 && non_mated >= 10, "{mated} {non_mated}");
    assert_eq!(mated + non_mated, document.tracks.len());
}

#[test]
fn numpy_recomputes_the_second_models_scores_from_the_sidecar() {
    let document = reference_review();
    let expected = expected();
    let scores = expected["second_model_scores"].as_array().unwrap();
    let run = &document.other_recognizers[0];
    assert_eq!(scores.len(), run.faces.len());
    for (face, (row, recognized)) in scores.iter().zip(&run.faces).enumerate() {
        assert_eq!(recognized.embedding.0.len(), 128);
        let row: Vec<f64> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(row.len(), document.watchlist.identities.len());
        for candidate in &recognized.candidates {
            let numpy = row[candidate.identity.index()];
            assert!(
                (numpy - f64::from(candidate.score)).abs() < 1e-5,
                "face {face}, identity {}: numpy {numpy}, review {}",
                candidate.identity.index(),
                candidate.score
            );
        }
    }
}

fn close(ours: Option<f64>, theirs: &Value, what: &str) {
    match (ours, theirs.as_f64()) {
        (None, None) => {}
        (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9, "{what}: lineup {a}, numpy {b}"),
        _ => panic!("{what}: lineup {ours:?}, numpy {theirs}"),
    }
}

fn compare_rate(ours: &Rate, theirs: &Value, what: &str) {
    assert_eq!(ours.k, theirs["k"].as_u64().unwrap(), "{what} k");
    assert_eq!(ours.n, theirs["n"].as_u64().unwrap(), "{what} n");
    close(ours.rate, &theirs["rate"], &format!("{what} rate"));
    close(
        ours.interval.map(|i| i.low),
        &theirs["low"],
        &format!("{what} low"),
    );
    close(
        ours.interval.map(|i| i.high),
        &theirs["high"],
        &format!("{what} high"),
    );
}

/// Every group's FPIR and FNIR, and all groups together, against numpy's.
fn compare_groups(evaluation: &Evaluation, theirs: &Value, what: &str) {
    let groups = theirs["groups"].as_array().unwrap();
    assert_eq!(groups.len(), evaluation.names.len(), "{what}");
    for ((name, metrics), group) in evaluation.names.iter().zip(&evaluation.metrics).zip(groups) {
        assert_eq!(name, group["name"].as_str().unwrap(), "{what}");
        compare_rate(
            &metrics.fpir,
            &group["fpir"],
            &format!("{what} {name} FPIR"),
        );
        compare_rate(
            &metrics.fnir,
            &group["fnir"],
            &format!("{what} {name} FNIR"),
        );
    }
    let pooled = &theirs["pooled"];
    compare_rate(
        &evaluation.pooled.fpir,
        &pooled["fpir"],
        &format!("{what} FPIR"),
    );
    compare_rate(
        &evaluation.pooled.fnir,
        &pooled["fnir"],
        &format!("{what} FNIR"),
    );
}

fn indices(value: &Value) -> Vec<usize> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

fn compare_disagreements(ours: &lineup::metrics::Disagreements, theirs: &Value, what: &str) {
    assert_eq!(ours.only_first, indices(&theirs["only_first"]), "{what}");
    assert_eq!(ours.only_second, indices(&theirs["only_second"]), "{what}");
    assert_eq!(ours.both as u64, theirs["both"].as_u64().unwrap(), "{what}");
    assert_eq!(
        ours.neither as u64,
        theirs["neither"].as_u64().unwrap(),
        "{what}"
    );
}

#[test]
fn the_comparison_equals_numpys_from_the_sidecar_text_and_labels() {
    let document = reference_review();
    let expected = expected();
    let slicing = Slicing::by(&["skin"]);
    let comparison = document.compare_recognizers(0, 1, &slicing).unwrap();
    assert_eq!(comparison.first.metric, Metric::Cosine);
    assert_eq!(comparison.second.metric, Metric::Euclidean);
    compare_groups(
        &comparison.first.evaluation,
        &expected["first"],
        "MobileFaceNet",
    );
    compare_groups(&comparison.second.evaluation, &expected["second"], "dlib");
    compare_disagreements(&comparison.faces, &expected["faces"], "faces");
    compare_disagreements(&comparison.tracks, &expected["tracks"], "tracks");

    let equal = comparison.second_moved.as_ref().expect("non-mated tracks");
    let theirs = &expected["second_moved"];
    close(
        Some(equal.target.rate.unwrap()),
        &theirs["target"],
        "dlib's target",
    );
    let threshold = theirs["second_threshold"].as_f64().unwrap();
    assert!(
        (f64::from(equal.moved_threshold.threshold) - threshold).abs() < 1e-5,
        "lineup {}, numpy {threshold}",
        equal.moved_threshold.threshold
    );
    compare_groups(&equal.second, &theirs["second"], "dlib at equal FPIR");
    compare_disagreements(&equal.faces, &theirs["faces"], "faces at equal FPIR");
    compare_disagreements(&equal.tracks, &theirs["tracks"], "tracks at equal FPIR");

    // Issue #20: the other direction, MobileFaceNet moved to dlib's FPIR, computed by numpy
    // with the roles swapped.
    let equal = comparison.first_moved.as_ref().expect("non-mated tracks");
    let theirs = &expected["first_moved"];
    close(
        Some(equal.target.rate.unwrap()),
        &theirs["target"],
        "MobileFaceNet's target",
    );
    let threshold = theirs["first_threshold"].as_f64().unwrap();
    assert!(
        (f64::from(equal.moved_threshold.threshold) - threshold).abs() < 1e-5,
        "lineup {}, numpy {threshold}",
        equal.moved_threshold.threshold
    );
    compare_groups(&equal.first, &theirs["first"], "MobileFaceNet moved");
    compare_groups(&equal.second, &expected["second"], "dlib, staying");
    compare_disagreements(&equal.faces, &theirs["faces"], "faces, first moved");
    compare_disagreements(&equal.tracks, &theirs["tracks"], "tracks, first moved");
}

#[test]
fn metrics_compare_prints_both_models_on_their_own_scales_and_lists_disagreements() {
    let home = tempfile::tempdir().unwrap();
    let document = reference_review();
    let comparison = document
        .compare_recognizers(0, 1, &Slicing::by(&["skin"]))
        .unwrap();
    let review_path = reference_dir().join("review.ron");
    let out = lineup(
        home.path(),
        &["metrics", arg(&review_path), "--compare", "--list"],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (mobilefacenet, dlib) = (
        model_spec(ModelRole::Recognizer),
        model_spec(ModelRole::SecondRecognizer),
    );
    for needed in [
        mobilefacenet.sha256.as_str(),
        dlib.sha256.as_str(),
        "cosine similarity",
        "Euclidean distance",
        "its own threshold 0.15",
        "its own threshold 0.6",
        "in-sample",
        "Monk 1–3",
        "Monk 7–10",
    ] {
        assert!(stdout.contains(needed), "{needed}:\n{stdout}");
    }
    // Both directions, each saying which model was moved and to whose FPIR.
    for (moved, staying) in [(&dlib, &mobilefacenet), (&mobilefacenet, &dlib)] {
        let says = format!(
            "At equal overall FPIR, {} moved to {}'s FPIR",
            moved.name, staying.name
        );
        assert!(stdout.contains(&says), "{says}:\n{stdout}");
    }
    // dlib's chosen threshold, a distance on its own scale (the review stores it negated).
    let chosen = comparison.second_moved.as_ref().unwrap().moved_threshold;
    let distance = -chosen.threshold;
    assert!(distance > 0.0);
    assert!(
        stdout.contains(&format!("threshold moves to {distance} ")),
        "{distance}:\n{stdout}"
    );
    // MobileFaceNet's, a cosine similarity as it is.
    let chosen = comparison.first_moved.as_ref().unwrap().moved_threshold;
    assert!(
        stdout.contains(&format!(
            "{}'s threshold moves to {} ",
            mobilefacenet.name, chosen.threshold
        )),
        "{}:\n{stdout}",
        chosen.threshold
    );
    assert_eq!(
        stdout.matches(wording::IN_SAMPLE_NOTE).count(),
        2,
        "each direction says its threshold is in-sample"
    );
    let faces = &comparison.faces;
    assert!(
        stdout.contains(&format!(
            "Faces flagged by {} alone: {}; by {} alone: {}",
            mobilefacenet.name,
            faces.only_first.len(),
            dlib.name,
            faces.only_second.len()
        )),
        "{stdout}"
    );
    for &face in faces.only_first.iter().chain(&faces.only_second) {
        assert!(
            stdout.contains(&format!("face {face}: ")),
            "{face}:\n{stdout}"
        );
    }

    // A review of one model has nothing to compare; --threshold belongs to one model.
    let single = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review_v1.ron");
    let out = lineup(home.path(), &["metrics", arg(&single), "--compare"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--recognizer"),
        "{}",
        text(&out.stderr)
    );
    let out = lineup(
        home.path(),
        &[
            "metrics",
            arg(&review_path),
            "--compare",
            "--threshold",
            "0.5",
        ],
    );
    assert!(!out.status.success());
}
