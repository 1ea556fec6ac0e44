//! Choosing the recognizer (`lineup analyze --recognizer`), each with its own metric and
//! threshold, and adding a reviewer's own model (`lineup models add FILE --spec SPEC.ron`), all
//! through the real binary on the test photos.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lineup::review::ReviewDocument;
use lineup::vision::ModelRole;
use lineup::vision::manifest::Metric;
use lineup::vision::runtime::model_spec;

/// Runs lineup with its own enrolment cache and data folder under `home`.
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

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Analyses `photos` against a watchlist of Barack Obama (obama.jpg) with `options`; the review.
fn analyse(home: &Path, photos: &[&str], options: &[&str]) -> (ReviewDocument, String) {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    let review = home.join(format!("review-{}.ron", options.join("-")));
    let footage: Vec<PathBuf> = photos.iter().map(|p| common::photo(p)).collect();
    let mut args = vec!["analyze", "--footage"];
    args.extend(footage.iter().map(|p| path(p)));
    args.extend([
        "--watchlist",
        path(watchlist.path()),
        "--out",
        path(&review),
    ]);
    args.extend_from_slice(options);
    let out = lineup(home, &args);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    (lineup::review::load(&review).unwrap(), stdout)
}

/// The Euclidean distance of every face's best candidate (dlib's own value: the review stores
/// it negated), by input.
fn best_distances(document: &ReviewDocument, input: usize) -> Vec<f32> {
    document
        .detections
        .iter()
        .filter(|d| d.source.input == input)
        .map(|d| -d.candidates[0].score)
        .collect()
}

#[test]
fn a_dlib_analysis_scores_by_dlibs_distance_and_records_dlib() {
    let home = tempfile::tempdir().unwrap();
    let (document, stdout) = analyse(
        home.path(),
        &["obama2.jpg", "obama3.jpg", "t1.jpg"],
        &["--recognizer", "dlib"],
    );
    let dlib = model_spec(ModelRole::SecondRecognizer);
    let recognizer = document.recognizer().unwrap();
    assert_eq!(recognizer.sha256, dlib.sha256);
    assert_eq!(recognizer.metric, Some(Metric::Euclidean));
    assert!(!recognizer.supplied_by_reviewer);
    assert_eq!(document.score_metric(), Metric::Euclidean);
    // dlib's 0.6, stored as lineup's score (higher is more alike).
    assert_eq!(document.settings.threshold, -0.6);
    assert!(stdout.contains("dlib ResNet-29"), "{stdout}");
    assert!(stdout.contains("Euclidean distance"), "{stdout}");
    assert!(stdout.contains(&dlib.sha256), "{stdout}");
    // Obama against his own enrolment photo: clearly under 0.6; everyone in t1.jpg over it.
    for input in [0, 1] {
        let distances = best_distances(&document, input);
        assert_eq!(distances.len(), 1, "input {input}: {distances:?}");
        assert!((0.2..0.5).contains(&distances[0]), "{distances:?}");
    }
    let strangers = best_distances(&document, 2);
    assert!(strangers.len() >= 5, "{strangers:?}");
    assert!(strangers.iter().all(|&d| d > 0.6), "{strangers:?}");
    // The scores are dlib's distances between the raw descriptors the review keeps (not
    // unit-length: a cosine model's would be).
    let enrolled = &document.watchlist.identities[0].photos[0].embedding;
    for detection in &document.detections {
        assert_eq!(detection.embedding.0.len(), 128);
        let norm = detection
            .embedding
            .0
            .iter()
            .map(|v| v * v)
            .sum::<f32>()
            .sqrt();
        assert!((1.0..2.0).contains(&norm), "{norm}");
        let distance = detection.embedding.distance(enrolled);
        assert!((detection.candidates[0].score + distance).abs() < 1e-6);
    }
    assert_eq!(document.summary(document.settings.threshold).alerts, 2);
    // Tracks link dlib's raw descriptors by their distance, at dlib's own 0.6: their dot product
    // (about 1.7 even between different people) would pass any cosine gate.
    assert_eq!(document.tracking.max_distance, Some(0.6));
}

#[test]
fn a_threshold_on_another_models_scale_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let refused = |options: &[&str]| {
        let mut args = vec![
            "analyze",
            "--footage",
            "x",
            "--watchlist",
            "y",
            "--out",
            "z",
        ];
        args.extend_from_slice(options);
        let out = lineup(home.path(), &args);
        assert!(!out.status.success(), "{options:?} was accepted");
        text(&out.stderr)
    };
    // The review file's own -0.6 (a negated distance) is not a dlib threshold.
    let stderr = refused(&["--recognizer", "dlib", "--threshold", "-0.6"]);
    assert!(stderr.contains("dlib ResNet-29"), "{stderr}");
    assert!(stderr.contains("Euclidean distance"), "{stderr}");
    let stderr = refused(&["--recognizer", "mobilefacenet", "--threshold", "1.5"]);
    assert!(stderr.contains("outside -1 to 1"), "{stderr}");
    let stderr = refused(&["--recognizer", "arcface"]);
    assert!(
        stderr.contains("mobilefacenet") && stderr.contains("dlib_resnet29"),
        "{stderr}"
    );
    // --threshold is the first recognizer's: a cosine out of range is refused for MobileFaceNet
    // first, whatever the second.
    let stderr = refused(&[
        "--recognizer",
        "mobilefacenet",
        "--recognizer",
        "dlib",
        "--threshold",
        "1.5",
    ]);
    assert!(stderr.contains("outside -1 to 1"), "{stderr}");
    // ...and -0.6, a cosine MobileFaceNet (second here) would take, is no distance for dlib.
    let stderr = refused(&[
        "--recognizer",
        "dlib",
        "--recognizer",
        "mobilefacenet",
        "--threshold",
        "-0.6",
    ]);
    assert!(stderr.contains("dlib ResNet-29"), "{stderr}");
    let stderr = refused(&["--recognizer", "dlib", "--recognizer", "dlib_resnet29"]);
    assert!(stderr.contains("twice"), "{stderr}");
}

/// Every face's best score against `enrolled` (the identity's only photo), by `metric`.
fn best_scores(
    embeddings: &[&lineup::vision::Embedding],
    enrolled: &lineup::vision::Embedding,
    metric: Metric,
) -> Vec<f32> {
    embeddings
        .iter()
        .map(|e| e.score(enrolled, metric))
        .collect()
}

#[test]
fn two_recognizers_in_one_analysis_each_score_on_their_own_scale_at_their_own_threshold() {
    let home = tempfile::tempdir().unwrap();
    let (document, stdout) = analyse(
        home.path(),
        &["obama2.jpg", "obama3.jpg", "t1.jpg"],
        &[
            "--recognizer",
            "mobilefacenet",
            "--recognizer",
            "dlib",
            "--threshold",
            "0.3",
        ],
    );
    let (mobilefacenet, dlib) = (
        model_spec(ModelRole::Recognizer),
        model_spec(ModelRole::SecondRecognizer),
    );
    // The first is the review's own recognizer, at the threshold given; the second is recorded
    // beside it at its own default, dlib's distance 0.6 (never the first's 0.3).
    assert_eq!(document.recognizer().unwrap().sha256, mobilefacenet.sha256);
    assert_eq!(document.score_metric(), Metric::Cosine);
    assert_eq!(document.settings.threshold, 0.3);
    assert_eq!(document.other_recognizers.len(), 1);
    let run = &document.other_recognizers[0];
    assert_eq!(run.model.sha256, dlib.sha256);
    assert_eq!(run.model.metric, Some(Metric::Euclidean));
    assert_eq!(run.threshold, -0.6);
    assert_eq!(
        document.recognizer_names(),
        [mobilefacenet.name.clone(), dlib.name.clone()]
    );
    assert_eq!(run.faces.len(), document.detections.len());
    // Each model's scores are its own metric between its own embeddings.
    let first_enrolled = &document.watchlist.identities[0].photos[0].embedding;
    let firsts: Vec<_> = document.detections.iter().map(|d| &d.embedding).collect();
    let cosines: Vec<f32> = document
        .detections
        .iter()
        .map(|d| d.candidates[0].score)
        .collect();
    let expected = best_scores(&firsts, first_enrolled, Metric::Cosine);
    for (score, expected) in cosines.iter().zip(&expected) {
        assert!(
            (score - expected).abs() < 1e-6,
            "{cosines:?} against {expected:?}"
        );
    }
    assert!(firsts.iter().all(|e| e.0.len() == 192));
    let seconds: Vec<_> = run.faces.iter().map(|f| &f.embedding).collect();
    assert!(seconds.iter().all(|e| e.0.len() == 128));
    let distances: Vec<f32> = run.faces.iter().map(|f| -f.candidates[0].score).collect();
    let expected = best_scores(&seconds, &run.enrolment_embeddings[0], Metric::Euclidean);
    for (distance, expected) in distances.iter().zip(&expected) {
        assert!(
            (distance + expected).abs() < 1e-6,
            "{distances:?} against {expected:?}"
        );
    }
    // dlib, as when it runs alone: Obama's two photos clearly under 0.6, strangers over it.
    let by_input = |input: usize| -> Vec<f32> {
        document
            .detections
            .iter()
            .zip(&distances)
            .filter(|(d, _)| d.source.input == input)
            .map(|(_, distance)| *distance)
            .collect()
    };
    for input in [0, 1] {
        assert!(
            by_input(input).iter().all(|d| (0.2..0.5).contains(d)),
            "{:?}",
            by_input(input)
        );
    }
    assert!(by_input(2).iter().all(|&d| d > 0.6), "{:?}", by_input(2));
    // The dlib view is a review of dlib alone: two alerts at its own threshold.
    let view = document.as_seen_by(1).unwrap();
    assert_eq!(view.score_metric(), Metric::Euclidean);
    assert_eq!(view.summary(view.settings.threshold).alerts, 2);
    // The summary gives each model's alerts, at its own threshold.
    assert!(stdout.contains(&mobilefacenet.sha256), "{stdout}");
    assert!(stdout.contains(&dlib.sha256), "{stdout}");
    assert!(stdout.contains("Euclidean distance"), "{stdout}");
}

#[test]
fn a_reviews_threshold_is_not_applied_to_another_models_scores() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    let (obama2, t1) = (common::photo("obama2.jpg"), common::photo("t1.jpg"));
    let shard = |k: &str, recognizer: &str| {
        let out = home.join(format!("shard{}.ron", &k[..1]));
        let run = lineup(
            home,
            &[
                "analyze",
                "--footage",
                path(&obama2),
                path(&t1),
                "--watchlist",
                path(watchlist.path()),
                "--shard",
                k,
                "--recognizer",
                recognizer,
                "--out",
                path(&out),
            ],
        );
        assert!(run.status.success(), "{}", text(&run.stderr));
        out
    };
    let (first, second) = (shard("1/2", "mobilefacenet"), shard("2/2", "dlib"));
    // One review of MobileFaceNet's cosines and one of dlib's distances never become one.
    let merged = home.join("merged.ron");
    let out = lineup(home, &["merge", path(&merged), path(&first), path(&second)]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("model"), "{stderr}");
    assert!(!merged.exists());
    // A threshold for the dlib review is a distance: the cosine-looking -0.6 is refused, and
    // the metrics name the model and metric the threshold belongs to.
    let out = lineup(home, &["metrics", path(&second), "--threshold", "-0.6"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Euclidean distance"), "{stderr}");
    assert!(stderr.contains("dlib ResNet-29"), "{stderr}");
    let out = lineup(home, &["metrics", path(&second), "--threshold", "0.5"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("dlib ResNet-29") && stdout.contains("Euclidean distance"),
        "{stdout}"
    );
    assert!(stdout.contains("threshold 0.5 "), "{stdout}");
}

/// A spec for the shipped dlib file added as a reviewer's model, with `edit` applied.
fn spec_text(edit: (&str, &str)) -> String {
    let spec = r#"// A reviewer's recognizer: dlib's descriptor, as they converted it themselves.
(
    role: Recognizer,
    file: "my_dlib.onnx",
    name: "My dlib conversion",
    version: "converted by the reviewer",
    input: "input",
    input_size: Square(150),
    layout: NchwRgb,
    normalisation: (mean: (0.0, 0.0, 0.0), scale: 1.0),
    alignment: Some(((47.5492, 46.599), (100.4761, 46.599), (74.0127, 76.5625), (50.4149, 103.0233), (97.6104, 103.0233))),
    outputs: ["descriptor"],
    output_size: Some(128),
    metric: Some(Euclidean),
    default_threshold: Some(0.6),
    provenance: "dlib_face_recognition_resnet_model_v1, the reviewer's own download",
    licence: "public domain",
)
"#;
    assert!(spec.contains(edit.0), "{}", edit.0);
    spec.replacen(edit.0, edit.1, 1)
}

/// `lineup models add` of the shipped dlib file as my_dlib.onnx with the spec `edit` gives.
fn add_model(home: &Path, edit: (&str, &str)) -> Output {
    let shipped = lineup::vision::runtime::locate_verified_model(
        &model_spec(ModelRole::SecondRecognizer).record(),
    )
    .unwrap();
    let model = home.join("my_dlib.onnx");
    std::fs::copy(shipped, &model).unwrap();
    let spec = home.join("my_dlib.ron");
    std::fs::write(&spec, spec_text(edit)).unwrap();
    lineup(
        home,
        &["models", "add", path(&model), "--spec", path(&spec)],
    )
}

#[test]
fn a_reviewers_model_with_a_true_spec_scores_as_the_shipped_one_and_is_recorded_as_theirs() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let out = add_model(home, ("", ""));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stored = home.join("data/lineup/models");
    assert!(stored.join("my_dlib.onnx").is_file());
    assert!(stored.join("my_dlib.onnx.spec.ron").is_file());
    let list = text(&lineup(home, &["models", "list"]).stdout);
    assert!(
        list.contains("my_dlib") && list.contains("added by you"),
        "{list}"
    );
    assert!(
        list.contains("mobilefacenet") && list.contains("dlib_resnet29"),
        "{list}"
    );

    let photos = ["obama2.jpg", "t1.jpg"];
    let (theirs, stdout) = analyse(home, &photos, &["--recognizer", "my_dlib"]);
    let (shipped, _) = analyse(home, &photos, &["--recognizer", "dlib"]);
    assert!(stdout.contains("supplied by the reviewer"), "{stdout}");
    let record = theirs.recognizer().unwrap();
    assert!(record.supplied_by_reviewer);
    assert_eq!(record.name, "My dlib conversion");
    assert_eq!(
        record.sha256,
        model_spec(ModelRole::SecondRecognizer).sha256
    );
    assert_eq!(theirs.settings.threshold, -0.6);
    let candidates = |d: &ReviewDocument| {
        d.detections
            .iter()
            .map(|d| d.candidates.clone())
            .collect::<Vec<_>>()
    };
    assert!(!theirs.detections.is_empty());
    assert_eq!(candidates(&theirs), candidates(&shipped));

    // The signed report says whose model it was, its hash, and the metric of its threshold; the
    // command that re-runs the analysis names the model and the threshold on its own scale.
    let bundle = sign(home, &home.join("review---recognizer-my_dlib.ron"));
    let evidence = std::fs::read_to_string(bundle.join("evidence.ron")).unwrap();
    assert!(
        evidence.contains("supplied_by_reviewer: true"),
        "{evidence}"
    );
    assert!(evidence.contains("metric: Some(Euclidean)"), "{evidence}");
    let report = std::fs::read_to_string(bundle.join("assessment.md")).unwrap();
    assert!(
        report.contains("Recognizer, supplied by the reviewer"),
        "{report}"
    );
    assert!(report.contains(&record.sha256), "{report}");
    // Its source and licence as the reviewer's spec states them, marked as their statement.
    assert_eq!(
        record.stated_source.as_ref().map(|s| s.licence.as_str()),
        Some("public domain")
    );
    let row = report
        .lines()
        .find(|line| line.starts_with("| Recognizer, supplied by the reviewer"))
        .unwrap_or_else(|| panic!("no row for the reviewer's model in:\n{report}"));
    assert!(
        row.contains(
            "as the reviewer states it (lineup cannot check it): \
             dlib_face_recognition_resnet_model_v1, the reviewer's own download; licence: public \
             domain"
        ),
        "{row}"
    );
    let pdf = pdf_text(&bundle.join("assessment.pdf"));
    for words in [
        "as the reviewer states it",
        // The PDF's cell breaks this long word after "model_".
        "dlib_face_recognition_resnet_model_",
        "the reviewer's own download",
        "public domain",
    ] {
        assert!(pdf.contains(words), "{words:?} not in the PDF:\n{pdf}");
    }
    assert!(
        report.contains("0.600 (Euclidean distance, a match at or below the threshold; My dlib"),
        "{report}"
    );
    let readme = std::fs::read_to_string(bundle.join("README.txt")).unwrap();
    assert!(readme.contains("--recognizer my_dlib"), "{readme}");
    assert!(readme.contains("--threshold 0.6 "), "{readme}");
    let public_key = home.join("key.pub");
    let out = lineup(
        home,
        &[
            "verify",
            path(&bundle),
            "--recompute",
            "--key",
            path(&public_key),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// The text of a PDF as pdftotext reads it, every run of white space one space (a table's cell
/// wraps its words onto several lines).
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args([path(pdf), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "pdftotext: {}", text(&out.stderr));
    text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Signs `review` with a fresh key into `home`/bundle; the bundle folder.
fn sign(home: &Path, review: &Path) -> PathBuf {
    let password = home.join("password");
    std::fs::write(&password, "violet kettle sandstone parachute ninety\n").unwrap();
    let key = home.join("key");
    let out = lineup(
        home,
        &["keygen", path(&key), "--password-file", path(&password)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bundle = home.join("bundle");
    let out = lineup(
        home,
        &[
            "report",
            path(review),
            "--key",
            path(&key),
            "--password-file",
            path(&password),
            "--out",
            path(&bundle),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    bundle
}

#[test]
fn a_spec_that_does_not_describe_its_file_is_refused_naming_both() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    for (edit, says) in [
        (
            ("output_size: Some(128)", "output_size: Some(192)"),
            "output_size",
        ),
        (
            ("input_size: Square(150)", "input_size: Square(112)"),
            "input_size",
        ),
        (("input: \"input\"", "input: \"data\""), "`input`"),
        (
            ("outputs: [\"descriptor\"]", "outputs: [\"embeddings\"]"),
            "outputs",
        ),
    ] {
        let out = add_model(home, edit);
        assert!(!out.status.success(), "{edit:?} was accepted");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("my_dlib.onnx"), "{stderr}");
        assert!(stderr.contains(says), "{edit:?}: {stderr}");
        assert!(!home.join("data/lineup/models/my_dlib.onnx").exists());
    }
}

#[test]
fn a_malformed_spec_is_refused_naming_its_line_or_field() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    // output_size is on line 13 of the spec.
    let out = add_model(
        home,
        ("output_size: Some(128)", "output_size: Some(\"128\")"),
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("my_dlib.ron, line 13"), "{stderr}");
    let out = add_model(home, ("    metric: Some(Euclidean),\n", ""));
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("`metric` is missing"), "{stderr}");
    let out = add_model(
        home,
        (
            "default_threshold: Some(0.6)",
            "default_threshold: Some(-1.0)",
        ),
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("`default_threshold`"), "{stderr}");
    assert!(!home.join("data/lineup/models").exists());
}

/// Where `text` shows a negated distance ("-0.64", "(-0.6400)"): a dlib review's thresholds
/// and scores are distances, never below 0; the part of `text` around the first one.
fn negated_distance(text: &str) -> Option<String> {
    ["-0.", "-1.", "−0.", "−1."].iter().find_map(|negative| {
        text.find(negative).map(|at| {
            let before: String = text[..at].chars().rev().take(80).collect();
            let after: String = text[at..].chars().take(40).collect();
            before.chars().rev().collect::<String>() + &after
        })
    })
}

/// #20, finding 4: every place a person reads a dlib review's threshold or score shows the
/// distance itself, and a threshold `lineup metrics --max-fpir` prints is one `--threshold`
/// takes as printed, with the same false alerts.
#[test]
fn a_dlib_reviews_thresholds_and_scores_read_as_distances_everywhere() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let (mut document, _) = analyse(
        home,
        &["obama2.jpg", "obama3.jpg", "t1.jpg"],
        &["--recognizer", "dlib"],
    );
    // Obama in obama2/obama3, strangers in t1.jpg.
    for index in 0..document.tracks.len() {
        let first = document.tracks[index].detections[0];
        document.tracks[index].label = match document.detections[first].source.input {
            2 => lineup::review::GroundTruth::NotOnWatchlist,
            _ => lineup::review::GroundTruth::OnWatchlist(lineup::ids::IdentityId(0)),
        };
    }
    let review = home.join("labelled.ron");
    lineup::review::save(&document, &review).unwrap();

    let out = lineup(home, &["metrics", path(&review), "--max-fpir", "0.2"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_eq!(negated_distance(&stdout), None, "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains(" threshold ") && l.contains("FPIR there"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let printed = line.split(" threshold ").nth(1).unwrap();
    let printed = printed.split_whitespace().next().unwrap();
    let fpir_there = line.split("FPIR there ").nth(1).unwrap();
    let out = lineup(home, &["metrics", path(&review), "--threshold", printed]);
    let at_printed = text(&out.stdout);
    assert!(out.status.success(), "{printed}: {}", text(&out.stderr));
    let pooled = at_printed
        .lines()
        .find(|l| l.starts_with("all"))
        .unwrap_or_else(|| panic!("{at_printed}"));
    let rate = fpir_there.split(" (").next().unwrap();
    assert!(pooled.contains(rate), "{line}\n{pooled}");

    let csv = home.join("labels.csv");
    let out = lineup(home, &["labels", "export", path(&review), path(&csv)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(negated_distance(&exported), None, "{exported}");
    assert!(exported.contains("Euclidean distance"), "{exported}");
    let out = lineup(home, &["labels", "import", path(&review), path(&csv)]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let bundle = sign(home, &review);
    let report = std::fs::read_to_string(bundle.join("assessment.md")).unwrap();
    assert_eq!(negated_distance(&report), None);
    assert!(report.contains("Euclidean distance"));
}

/// Issue #20 finding 7: a shipped model's file (the same SHA-256) under a spec that compares or
/// prepares it otherwise than lineup's own entry would give scores that mean nothing (dlib by
/// cosine flagged every face): refused, naming the entry and what differs.
#[test]
fn a_shipped_models_file_under_another_metric_or_preparation_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    for (edit, says) in [
        (
            ("metric: Some(Euclidean)", "metric: Some(Cosine)"),
            "metric",
        ),
        (
            (
                "normalisation: (mean: (0.0, 0.0, 0.0), scale: 1.0)",
                "normalisation: (mean: (127.5, 127.5, 127.5), scale: 128.0)",
            ),
            "normalisation",
        ),
        (
            ("alignment: Some(((47.5492", "alignment: Some(((40.5492"),
            "alignment",
        ),
    ] {
        let out = add_model(home, edit);
        assert!(!out.status.success(), "{edit:?} was accepted");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("dlib_resnet29.onnx"), "{stderr}");
        assert!(stderr.contains(says), "{edit:?}: {stderr}");
        assert!(!home.join("data/lineup/models/my_dlib.onnx").exists());
    }
}

/// Opposing expert xd, finding 7: the shipped dlib file under a reviewer's spec whose
/// near-duplicate bound is not lineup's measured one (0.89 calls photos of Barack Obama and
/// Eileen Collins copies of one picture) is refused, naming lineup's entry's bound; a spec that
/// states none keeps the entry's.
#[test]
fn a_shipped_models_file_under_another_near_duplicate_bound_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let wider = (
        "default_threshold: Some(0.6),",
        "default_threshold: Some(0.9),\n    near_duplicate: Some(0.89),",
    );
    let out = add_model(home, wider);
    assert!(!out.status.success(), "a bound of 0.89 was accepted");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("dlib_resnet29.onnx")
            && stderr.contains("near_duplicate Some(0.89) (lineup's: Some(0.28))"),
        "{stderr}"
    );
    assert!(!home.join("data/lineup/models/my_dlib.onnx").exists());

    let out = add_model(home, ("", ""));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stored =
        std::fs::read_to_string(home.join("data/lineup/models/my_dlib.onnx.spec.ron")).unwrap();
    assert!(stored.contains("near_duplicate: Some(0.28)"), "{stored}");
}

/// Issue #20 findings 1, 6 and 8 (the expert's reproduction): a spec whose words would forge
/// lineup's own heading in the signed report, fill pages of it, or pass for the shipped dlib is
/// refused, naming the field, and `--recognizer dlib` still names the shipped dlib.
#[test]
fn a_spec_whose_words_could_forge_the_report_is_refused_naming_the_field() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let long_provenance = format!("provenance: \"{}\"", "word ".repeat(60_000));
    for (edit, says) in [
        (
            (
                "name: \"My dlib conversion\"",
                "name: \"My conversion\\n\\n## Verified by lineup\\n\\n**VERIFIED** <img src=x onerror=alert(1)>\"",
            ),
            "`name`",
        ),
        (
            (
                "name: \"My dlib conversion\"",
                "name: \"dlib ResNet-29 face descriptor (128-d), verified\"",
            ),
            "dlib_resnet29",
        ),
        (
            (
                "version: \"converted by the reviewer\"",
                "version: \"1.0\\r\\n[verified](https://example.com)\"",
            ),
            "`version`",
        ),
        (
            (
                "provenance: \"dlib_face_recognition_resnet_model_v1, the reviewer's own download\"",
                long_provenance.as_str(),
            ),
            "`provenance`",
        ),
    ] {
        let out = add_model(home, edit);
        assert!(!out.status.success(), "{edit:?} was accepted");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!home.join("data/lineup/models/my_dlib.onnx").exists());
    }
    let (document, _) = analyse(home, &["obama2.jpg"], &["--recognizer", "dlib"]);
    assert_eq!(
        document.recognizer().unwrap().sha256,
        model_spec(ModelRole::SecondRecognizer).sha256
    );
}

/// Issue #20 finding 1 (the expert's reproduction): a review written before specs were checked,
/// whose reviewer's model record holds a name, version and source that try to make Markdown and
/// HTML of their own, signs a report where they are text: in assessment.md no line is a heading
/// of theirs, a link, HTML or emphasis, and in the PDF no paragraph starts "## Verified".
#[test]
fn an_older_reviews_model_words_forge_no_heading_link_or_html_in_the_report() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let out = add_model(home, ("", ""));
    assert!(out.status.success(), "{}", text(&out.stderr));
    analyse(
        home,
        &["obama2.jpg", "t1.jpg"],
        &["--recognizer", "my_dlib"],
    );
    let review = home.join("review---recognizer-my_dlib.ron");
    let forged = "\\n\\n## Verified by lineup\\n\\nlineup checked this model: **VERIFIED** \
                  <img src=x onerror=alert(1)> [verified](https://example.com)\\n";
    let original = std::fs::read_to_string(&review).unwrap();
    let edited = original
        .replace(
            "name: \"My dlib conversion\"",
            &format!("name: \"My dlib conversion{forged}\""),
        )
        .replace(
            "version: \"converted by the reviewer\"",
            &format!("version: \"1.0{forged}\""),
        )
        .replace(
            "provenance: \"dlib_face_recognition_resnet_model_v1, the reviewer's own download\"",
            &format!("provenance: \"# Section{forged}<script>alert(1)</script>\""),
        );
    assert_ne!(edited, original);
    std::fs::write(&review, edited).unwrap();
    let record = lineup::review::load(&review).unwrap();
    assert!(record.recognizer().unwrap().name.contains("\n## Verified"));

    let bundle = sign(home, &review);
    let markdown = std::fs::read_to_string(bundle.join("assessment.md")).unwrap();
    assert!(markdown.contains("Verified by lineup"), "{markdown}");
    let link = |line: &str| {
        line.match_indices("](")
            .any(|(at, _)| !line[..at].ends_with('\\'))
    };
    for line in markdown.lines() {
        let heading = line.trim_start_matches('#').trim_start();
        assert!(
            !(line.starts_with('#')
                && (heading.starts_with("Verified") || heading.starts_with("Section"))),
            "a heading of the spec's: {line}"
        );
        for html in ["<img", "<script", "**VERIFIED"] {
            assert!(!line.contains(html), "{html} in: {line}");
        }
        assert!(!link(line), "a link in: {line}");
        if line.contains("My dlib conversion") && !line.starts_with('|') {
            assert!(line.contains("(supplied by the reviewer)"), "{line}");
        }
    }
    let pdf = Command::new("pdftotext")
        .args([path(&bundle.join("assessment.pdf")), "-"])
        .output()
        .unwrap();
    let pdf = text(&pdf.stdout);
    assert!(pdf.contains("Verified by lineup"), "{pdf}");
    for line in pdf.lines() {
        assert!(
            !line.trim_start().starts_with("## Verified"),
            "{line}\n{pdf}"
        );
    }
}
