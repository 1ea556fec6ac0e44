//! The review document as a file: versions, exact round trips, labels through CSV, evaluation.

mod common;

use std::path::Path;
use std::process::Command;

use lineup::review::{self, GroundTruth, ReviewError, SCHEMA_VERSION, Slicing, csv};

fn v1_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review_v1.ron")
}

#[test]
fn a_version_1_review_is_migrated_with_tracks() {
    let document = review::load(&v1_fixture()).unwrap();
    assert_eq!(document.schema_version, SCHEMA_VERSION);
    assert_eq!(document.detections.len(), 7);
    assert_eq!(document.tracks.len(), 7, "stills: one track per face");
    assert!(
        document
            .tracks
            .iter()
            .all(|t| t.label == GroundTruth::Unlabelled)
    );
    assert_eq!(document.summary(0.6).alerts, 1);
}

/// `document` with its relative paths (an older review's, taken from the working folder) made
/// absolute, as saving anchors them.
fn as_opened(mut document: review::ReviewDocument) -> review::ReviewDocument {
    for input in &mut document.inputs {
        input.path = std::path::absolute(&input.path).unwrap();
    }
    document.watchlist.root = std::path::absolute(&document.watchlist.root).unwrap();
    document
}

#[test]
fn save_and_load_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, document) in [
        ("migrated.ron", review::load(&v1_fixture()).unwrap()),
        ("labelled.ron", common::labelled::signable_labelled_review()),
    ] {
        let path = dir.path().join(name);
        review::save(&document, &path).unwrap();
        let loaded = review::load(&path).unwrap();
        assert_eq!(loaded, as_opened(document), "{name}");
        let first = std::fs::read(&path).unwrap();
        review::save(&loaded, &path).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            first,
            "{name}: saving again changes nothing"
        );
    }
}

#[test]
fn files_that_are_not_reviews_or_are_damaged_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let csv_file = dir.path().join("labels.csv");
    std::fs::write(&csv_file, "track,label\n0,unlabelled\n").unwrap();
    assert!(matches!(
        review::load(&csv_file),
        Err(ReviewError::NotAReview { .. })
    ));

    let cut = dir.path().join("cut.ron");
    let text = std::fs::read_to_string(v1_fixture()).unwrap();
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let message = review::load(&cut).unwrap_err().to_string();
    assert!(
        message.starts_with(&cut.display().to_string()) && message.contains("line"),
        "{message}"
    );

    let newer = dir.path().join("newer.ron");
    std::fs::write(
        &newer,
        text.replacen("schema_version: 1", "schema_version: 3", 1),
    )
    .unwrap();
    assert!(matches!(
        review::load(&newer),
        Err(ReviewError::UnsupportedVersion { found: 3, .. })
    ));

    let missing = dir.path().join("missing.ron");
    assert!(
        review::load(&missing)
            .unwrap_err()
            .to_string()
            .contains("missing.ron")
    );
}

#[test]
fn labels_and_attributes_come_back_in_through_csv() {
    let mut document = common::labelled::signable_labelled_review();
    let mut text = csv::export_text(&document);
    // Relabel track 1 (unlabelled in the fixture) as Bo Roe with skin 3, female.
    let line = text.lines().nth(2).unwrap().to_string();
    assert!(line.starts_with("1,"), "{line}");
    let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
    cells[9] = "watchlist:Bo Roe".into();
    // Columns: ..., top_score (7), top_score_metric (8), label (9), person (10), skin (11),
    // gender (12), ...
    cells[11] = "3".into();
    cells[12] = "female".into();
    text = text.replacen(&line, &cells.join(","), 1);
    assert_eq!(csv::import_text(&mut document, &text), Ok(1));
    assert_eq!(
        document.tracks[1].label,
        GroundTruth::OnWatchlist(lineup::ids::IdentityId(1))
    );
    assert_eq!(document.tracks[1].attributes["skin"], "3");
    assert_eq!(
        csv::export_text(&document),
        text,
        "export after import gives the same file"
    );
}

#[test]
fn a_bad_csv_row_changes_nothing_and_names_its_line() {
    let mut document = common::labelled::signable_labelled_review();
    let original = document.clone();
    let text = csv::export_text(&document);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen("unlabelled", "not_on_watchlist", 1);
    let with_cell = |column: usize, value: &str| {
        let mut cells: Vec<&str> = lines[5].split(',').collect();
        cells[column] = value;
        cells.join(",")
    };
    for (bad, says) in [
        (
            with_cell(12, "purple"),
            "\"purple\" is not a value of gender",
        ),
        (with_cell(0, "999"), "no track 999"),
        (
            with_cell(9, "watchlist:Nobody"),
            "no watchlist identity named \"Nobody\"",
        ),
    ] {
        let mut edited = lines.clone();
        edited[5] = bad;
        let err = csv::import_text(&mut document, &(edited.join("\n") + "\n")).unwrap_err();
        assert_eq!(err.line, 6, "{err:?}");
        assert!(err.message.contains(says), "{err:?}");
        assert_eq!(document, original, "nothing was applied");
    }
    let err =
        csv::import_text(&mut document, "track,label,height\n0,unlabelled,tall\n").unwrap_err();
    assert!(err.message.contains("unknown column \"height\""), "{err:?}");
    // Saved by a spreadsheet on Windows: CRLF line endings. The bad row is still line 6.
    let mut edited = lines.clone();
    edited[5] = with_cell(0, "999");
    let err = csv::import_text(&mut document, &(edited.join("\r\n") + "\r\n")).unwrap_err();
    assert_eq!(err.line, 6, "{err:?}");
    // Two rows for one track that disagree: refused, naming both lines; nothing applied.
    let mut edited = lines.clone();
    let gender = lines[5].split(',').nth(12).unwrap_or_default();
    edited.push(with_cell(
        12,
        if gender == "female" { "male" } else { "female" },
    ));
    let err = csv::import_text(&mut document, &(edited.join("\n") + "\n")).unwrap_err();
    assert_eq!(err.line, edited.len() as u64, "{err:?}");
    assert!(err.message.contains("also on line 6"), "{err:?}");
    assert_eq!(document, original, "nothing was applied");
    // The same row twice changes nothing and is accepted.
    let mut edited = lines.clone();
    edited.push(lines[5].clone());
    assert!(csv::import_text(&mut document, &(edited.join("\n") + "\n")).is_ok());
}

#[test]
fn a_slice_threshold_moves_only_that_slice() {
    let mut document = common::labelled::signable_labelled_review();
    let slicing = Slicing::by(&["skin"]);
    let before = document.evaluate(&slicing, 0.6).unwrap();
    document.slice_thresholds.insert("Monk 7–10".into(), 0.75);
    let after = document.evaluate(&slicing, 0.6).unwrap();
    for (i, name) in before.names.iter().enumerate() {
        if name == "Monk 7–10" {
            assert!(after.metrics[i].fpir.k < before.metrics[i].fpir.k, "{name}");
        } else {
            assert_eq!(after.metrics[i], before.metrics[i], "{name}");
        }
    }
    // In this fixture darker skin draws higher impostor scores: the rates show it.
    let (light, dark) = (
        before.metrics[0].fpir.rate.unwrap(),
        before.metrics[2].fpir.rate.unwrap(),
    );
    assert!(
        dark > 1.5 * light,
        "Monk 7–10 FPIR {dark} against Monk 1–3 {light}"
    );
}

#[test]
fn each_labelled_track_lands_in_the_slice_its_attribute_values_name() {
    let document = common::labelled::signable_labelled_review();
    let sliced = document
        .sliced_searches(&Slicing::by(&["skin", "gender"]))
        .unwrap();
    assert!(sliced.searches.len() > 500, "{}", sliced.searches.len());
    // Sorted by score, so that the metrics index need not sort each slice again.
    assert!(
        sliced
            .searches
            .windows(2)
            .all(|pair| pair[0].top_score <= pair[1].top_score)
    );
    let schema = &document.attribute_schema;
    let group_name = |attribute: &str, value: &str| {
        let definition = schema.get(attribute).unwrap();
        // Ungrouped attributes (gender here) slice by each value.
        let group = if definition.groups.is_empty() {
            definition.values.iter().find(|v| *v == value).cloned()
        } else {
            definition
                .groups
                .iter()
                .find(|group| group.values.iter().any(|v| v == value))
                .map(|group| group.name.clone())
        };
        group.unwrap_or(format!("{attribute} unknown"))
    };
    let mut checked_unknown = false;
    for (search, &track) in sliced.searches.iter().zip(&sliced.tracks) {
        let skin = document.track_attribute(track, "skin");
        let gender = document.track_attribute(track, "gender");
        let expected = format!(
            "{} × {}",
            group_name("skin", skin),
            group_name("gender", gender)
        );
        assert_eq!(sliced.names[search.slice], expected, "track {track}");
        let truth = match document.tracks[track].label {
            GroundTruth::OnWatchlist(identity) => Some(identity),
            _ => None,
        };
        assert_eq!(search.true_identity, truth, "track {track}");
        checked_unknown |= expected.contains("unknown");
    }
    assert!(
        checked_unknown,
        "the fixture has tracks of unknown attributes"
    );
}

#[test]
fn the_cli_prints_metrics_and_moves_labels_through_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(&common::labelled::signable_labelled_review(), &path).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lineup"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "metrics",
        path.to_str().unwrap(),
        "--slice",
        "skin,gender",
        "--threshold",
        "0.6",
        "--max-fpir",
        "0.05",
        "--crowd",
        "10000",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Monk 7–10 × female"), "{stdout}");
    assert!(
        stdout.contains("Lowest threshold keeping the measured FPIR at or below 5.00%"),
        "{stdout}"
    );
    assert!(
        stdout.contains("in 10 alerts would be wrong") || stdout.contains("alerts would be wrong"),
        "{stdout}"
    );

    let csv_path = dir.path().join("labels.csv");
    assert!(
        run(&[
            "labels",
            "export",
            path.to_str().unwrap(),
            csv_path.to_str().unwrap()
        ])
        .status
        .success()
    );
    let text =
        std::fs::read_to_string(&csv_path)
            .unwrap()
            .replacen(",unlabelled,", ",not_a_face,", 1);
    std::fs::write(&csv_path, text).unwrap();
    let out = run(&[
        "labels",
        "import",
        path.to_str().unwrap(),
        csv_path.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Updated 1 tracks"));
    let bad = run(&["metrics", path.to_str().unwrap(), "--slice", "height"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no attribute named \"height\""));
}

/// A person label names who a passer-by is, so that several tracks of one person count as one
/// person: it goes out and comes back in through the CSV, and the rates then say how many people
/// their searches are of.
#[test]
fn person_labels_travel_through_csv_and_cluster_the_intervals() {
    let mut document = common::labelled::signable_labelled_review();
    for track in &mut document.tracks {
        track.person = None;
    }
    let unnamed = document.evaluate(&Slicing::default(), 0.6).unwrap();
    assert_eq!(
        unnamed.pooled.fpir.people, None,
        "unnamed passers-by: people unknown"
    );
    assert!(
        unnamed.pooled.fnir.people.is_some(),
        "mated: their identities"
    );
    let text = csv::export_text(&document);
    assert!(text.lines().next().unwrap().contains(",label,person,"));
    // Name every passer-by as one of two people.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let (label, person) = (
        header.iter().position(|h| *h == "label").unwrap(),
        header.iter().position(|h| *h == "person").unwrap(),
    );
    for (i, line) in lines.iter_mut().enumerate().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if cells[label] == "not_on_watchlist" {
            cells[person] = format!("P{}", i % 2);
        }
        *line = cells.join(",");
    }
    let named = lines.join("\n") + "\n";
    assert!(csv::import_text(&mut document, &named).unwrap() > 10);
    assert_eq!(csv::export_text(&document), named, "export after import");
    let evaluation = document.evaluate(&Slicing::default(), 0.6).unwrap();
    let fpir = evaluation.pooled.fpir;
    assert_eq!(fpir.people, Some(2), "{fpir:?}");
    assert_eq!(
        (fpir.k, fpir.n),
        (unnamed.pooled.fpir.k, unnamed.pooled.fpir.n)
    );
    // Two people are two observations, however many searches: a far wider interval.
    let (wide, narrow) = (
        fpir.interval.unwrap(),
        unnamed.pooled.fpir.interval.unwrap(),
    );
    assert!(
        wide.high - wide.low > 2.0 * (narrow.high - narrow.low),
        "{wide:?} vs {narrow:?}"
    );
}

/// A review saved before the assessment had its full sections (deployment, watchlist policy,
/// safeguards, action plan, sign-off) still loads: its text is kept and the new sections are
/// empty, so the report marks them missing instead of refusing the file.
#[test]
fn a_review_saved_before_the_full_assessment_sections_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(&common::labelled::signable_labelled_review(), &path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    let start = saved.find("    assessment: Assessment(").unwrap();
    let end = start + saved[start..].find("\n    ),\n").unwrap() + "\n    ),\n".len();
    let old_assessment = r#"    assessment: Assessment(
        title: "Station trial",
        purpose: "Match days at the station.",
        legal_basis: "Policy question.",
        system_notes: "",
        data_notes: "",
        findings_notes: "",
        risks: [],
        mitigations: ["A person checks every alert."],
        recommendation: Recommendation(decision: Some(DoNotDeploy), text: "Not yet."),
        reviewer: Reviewer(name: "A. Reviewer", role: "DPO", date: "2025-06-30"),
    ),
"#;
    let old = format!("{}{old_assessment}{}", &saved[..start], &saved[end..]);
    std::fs::write(&path, old).unwrap();
    let document = review::load(&path).unwrap();
    let assessment = &document.assessment;
    assert_eq!(assessment.purpose, "Match days at the station.");
    assert_eq!(assessment.reviewer.name, "A. Reviewer");
    assert!(assessment.deployment.is_empty() && assessment.retention.is_empty());
    assert!(assessment.actions.is_empty());
    assert_eq!(assessment.sign_off.decision, None);
    let missing = lineup::assessment::drafting::missing_parts(assessment, "2025-07-07");
    assert!(
        missing.contains(&"the deployment context".to_owned()),
        "{missing:?}"
    );
}
