//! The open-review workspace the app edits: autosave and recovery, and the signed export it
//! runs off the interface thread.

mod common;

use std::time::{Duration, Instant};

use lineup::assessment::{self, signing};
use lineup::ids::TrackId;
use lineup::review::{self, GroundTruth};
use lineup::workspace::jobs::{ExportJob, ExportRequest};
use lineup::workspace::{Command, SaveState, Workspace, autosave_path};

#[test]
fn unsaved_edits_are_autosaved_and_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(&common::labelled::labelled_review(), &path).unwrap();
    let mut workspace = Workspace::open(&path).unwrap();
    workspace
        .apply(Command::Label {
            tracks: vec![TrackId(1)],
            label: GroundTruth::NotAFace,
        })
        .unwrap();
    assert_eq!(
        workspace.autosave_if_due(Instant::now()).map(|r| r.is_ok()),
        None,
        "too soon"
    );
    let later = Instant::now() + Duration::from_secs(6);
    assert!(workspace.autosave_if_due(later).unwrap().is_ok());
    assert_eq!(
        workspace.save_state(),
        &SaveState::Unsaved { autosaved: true }
    );
    assert_eq!(
        review::load(&path).unwrap().tracks[1].label,
        GroundTruth::Unlabelled,
        "the review itself is untouched"
    );

    // A crash now: the next session finds the newer autosave and recovers the edit.
    drop(workspace);
    assert_eq!(Workspace::newer_autosave(&path), Some(autosave_path(&path)));
    let mut recovered = Workspace::recover(&path).unwrap();
    assert_eq!(recovered.document().tracks[1].label, GroundTruth::NotAFace);
    recovered.save().unwrap();
    assert!(
        !autosave_path(&path).exists(),
        "saving removes the autosave"
    );
    assert_eq!(
        review::load(&path).unwrap().tracks[1].label,
        GroundTruth::NotAFace
    );
}

#[test]
fn the_app_export_job_writes_a_bundle_that_verifies() {
    // Spaces and a quote in every path: the signed report's command must still run as printed.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("the council's reviews");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("my review.ron");
    let document = common::labelled::labelled_review();
    review::save(&document, &path).unwrap();
    let key = folder.join("signing key.key");
    signing::generate_key_pair(&key, "amber kettle rides seven owls", false).unwrap();
    let out = folder.join("my bundle");
    let request = ExportRequest {
        document,
        review_path: path,
        key,
        password: "amber kettle rides seven owls".into(),
        out: out.clone(),
    };
    let job = ExportJob::start(request, || {});
    let started = Instant::now();
    let outcome = loop {
        if let Some(outcome) = job.try_finish() {
            break outcome;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "export never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let message = lineup::workspace::jobs::exported_sentence(&outcome.unwrap());
    assert!(message.contains("Signed bundle written to"), "{message}");
    let verified = assessment::verify_bundle(&out, None).unwrap();
    assert!(verified.files.iter().any(|f| f == "assessment.pdf"));
    // The app shows only confirmed matches, and its report says so.
    let ron = std::fs::read_to_string(out.join("assessment.ron")).unwrap();
    let report: assessment::Report = ron::from_str(&ron).unwrap();
    assert_eq!(
        report.privacy.faces_shown,
        assessment::FaceDisclosure::ConfirmedMatchesOnly
    );
    assert!(
        report
            .reproduce
            .command
            .ends_with("--show-faces confirmed-matches"),
        "{}",
        report.reproduce.command
    );
    // The command the signed report gives reproduces the bundle, as written, in a shell.
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::remove_file(assessment::bundle::zip_path(&out)).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_lineup"))
        .parent()
        .unwrap();
    let search_path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // It names no secret key: the signer puts theirs in place of the placeholder.
    assert!(
        !report.reproduce.command.contains("signing key.key"),
        "{}",
        report.reproduce.command
    );
    let key_path = folder.join("signing key.key").display().to_string();
    let command = report.reproduce.command.replace(
        &format!("--key {}", assessment::bundle::KEY_PLACEHOLDER),
        &format!("--key '{}'", key_path.replace('\'', "'\\''")),
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &command])
        .env("PATH", search_path)
        .env(signing::PASSWORD_ENV, "amber kettle rides seven owls")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}: {}",
        report.reproduce.command,
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(assessment::verify_bundle(&out, None).is_ok());
}

/// The reviewer may choose the group every other is compared against; by default it is a known
/// group with enough searches, never "unknown" or a group of a handful.
#[test]
fn the_reference_group_is_a_known_group_of_30_or_the_reviewers_choice() {
    let mut document = common::labelled::labelled_review();
    document.slicing = review::Slicing::by(&["skin", "gender"]);
    let mut workspace = Workspace::new(document, None);
    let evaluation = workspace.evaluation().clone();
    for differentials in [
        &evaluation.fpir_differentials,
        &evaluation.fnir_differentials,
    ] {
        if let Some(reference) = differentials.reference {
            let name = &evaluation.names[reference.slice];
            assert!(!name.contains("unknown"), "{name}");
            let rate = differentials.rate.of(&evaluation.metrics[reference.slice]);
            assert!(rate.n >= 30, "{name}: {} searches", rate.n);
            assert!(!reference.chosen);
        }
    }
    let chosen = evaluation.names[1].clone();
    workspace
        .apply(Command::ReferenceSlice(Some(chosen.clone())))
        .unwrap();
    let reference = workspace.evaluation().fpir_differentials.reference.unwrap();
    assert_eq!((reference.slice, reference.chosen), (1, true));
    assert_eq!(
        workspace.document().reference_slice.as_deref(),
        Some(chosen.as_str())
    );
    workspace.apply(Command::ReferenceSlice(None)).unwrap();
    // Back to the default rule (which at this threshold may find no group with errors at all).
    let reference = workspace.evaluation().fpir_differentials.reference;
    assert!(reference.is_none_or(|r| !r.chosen), "{reference:?}");
    assert_eq!(workspace.document().reference_slice, None);
}

/// Every kind of edit goes through `Workspace::apply` and can be undone and redone, back to the
/// very same document; a dragged threshold is one undo step, not one per frame; a refused edit
/// changes nothing and records nothing.
#[test]
fn every_edit_is_a_command_that_undoes_and_redoes() {
    let document = common::labelled::labelled_review();
    let original = document.clone();
    let mut workspace = Workspace::new(document, None);
    let mut assessment = original.assessment.clone();
    assessment.purpose = "Testing undo".into();
    let commands = vec![
        Command::Label {
            tracks: vec![TrackId(0), TrackId(1), TrackId(2)],
            label: GroundTruth::NotOnWatchlist,
        },
        Command::TrackAttribute {
            tracks: vec![TrackId(0), TrackId(3)],
            name: "gender".into(),
            value: Some("female".into()),
        },
        Command::Person {
            tracks: vec![TrackId(0), TrackId(1)],
            person: Some("P9".into()),
        },
        Command::IdentityAttribute {
            identity: original.watchlist.identities[0].name.clone(),
            name: "skin".into(),
            value: Some("5".into()),
        },
        Command::Threshold(0.45),
        Command::SliceThreshold {
            slice: "everyone".into(),
            threshold: Some(0.7),
        },
        Command::Slicing(review::Slicing::by(&["skin"])),
        Command::ReferenceSlice(Some("Monk 4–6".into())),
        Command::Assessment(Box::new(assessment)),
    ];
    // The document apart from its label history, which only ever grows (undo included).
    let state = |workspace: &Workspace| {
        let mut document = workspace.document().clone();
        document.label_history.clear();
        document
    };
    let mut states = vec![state(&workspace)];
    for command in commands {
        let what = format!("{command:?}");
        workspace.apply(command).unwrap();
        assert_ne!(
            &state(&workspace),
            states.last().unwrap(),
            "{what} changed nothing"
        );
        states.push(state(&workspace));
    }
    assert_eq!(workspace.document().tracks[0].person.as_deref(), Some("P9"));
    // Undo walks back through every state, to the original document; redo walks forward.
    for expected in states.iter().rev().skip(1) {
        assert!(workspace.undo());
        assert_eq!(&state(&workspace), expected);
    }
    assert!(!workspace.undo());
    assert_eq!(state(&workspace), original);
    for expected in states.iter().skip(1) {
        assert!(workspace.redo());
        assert_eq!(&state(&workspace), expected);
    }
    // Three labels set, undone and redone: nine recorded changes.
    let labelled = original.tracks[..3]
        .iter()
        .filter(|t| t.label != GroundTruth::NotOnWatchlist)
        .count();
    assert_eq!(workspace.document().label_history.len(), 3 * labelled);
    // The evaluation follows: after undoing the threshold, it is the original's again.
    while workspace.undo() {}
    let fresh = Workspace::new(original.clone(), None);
    assert_eq!(workspace.evaluation(), fresh.evaluation());

    // A slider dragged through many values is one step back.
    for step in 1..=20 {
        workspace
            .apply(Command::Threshold(0.6 + step as f32 * 0.01))
            .unwrap();
    }
    assert!(workspace.undo());
    assert_eq!(workspace.threshold(), original.settings.threshold);
    assert!(!workspace.can_undo());

    // A refused edit (a value outside the schema, an attribute nobody defined) changes nothing.
    let before = workspace.document().clone();
    assert!(
        workspace
            .apply(Command::TrackAttribute {
                tracks: vec![TrackId(0)],
                name: "gender".into(),
                value: Some("purple".into()),
            })
            .is_err()
    );
    assert!(
        workspace
            .apply(Command::Slicing(review::Slicing::by(&["height"])))
            .is_err()
    );
    assert_eq!(workspace.document(), &before);
    assert!(!workspace.can_undo());
}

/// One notion of alert everywhere: where a group has its own threshold, its tracks alert at
/// that threshold in the app's lists and states, as they are counted in the rates.
#[test]
fn a_groups_own_threshold_decides_its_tracks_alerts_everywhere() {
    let mut document = common::labelled::labelled_review();
    document.slicing = review::Slicing::by(&["skin"]);
    let mut workspace = Workspace::new(document, None);
    let before = workspace.alerting_tracks();
    workspace
        .apply(Command::SliceThreshold {
            slice: "Monk 7–10".into(),
            threshold: Some(0.95),
        })
        .unwrap();
    let after = workspace.alerting_tracks();
    assert!(
        after.len() < before.len(),
        "{} → {}",
        before.len(),
        after.len()
    );
    // Every labelled search the rates count as alerting is an alerting track, and no other.
    let sliced = workspace.sliced().clone();
    let metrics = &workspace.evaluation().metrics;
    for (search, &track) in sliced.searches.iter().zip(&sliced.tracks) {
        let alerts =
            search.top_identity.is_some() && search.top_score >= metrics[search.slice].threshold;
        assert_eq!(workspace.track_alerts(track), alerts, "track {track}");
        assert_eq!(after.contains(&track), alerts, "track {track}");
    }
    assert_eq!(workspace.own_threshold_groups(), 1);
}

/// Every label change is recorded, who, when, from → to, undo included; the record survives
/// saving and reaches the signed bundle.
#[test]
fn every_label_change_is_recorded_and_carried_into_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let mut document = common::labelled::labelled_review();
    document.assessment.reviewer.name = "A. Reviewer".into();
    review::save(&document, &path).unwrap();
    let mut workspace = Workspace::open(&path).unwrap();
    let before = workspace.document().tracks[1].label;
    workspace
        .apply(Command::Label {
            tracks: vec![TrackId(1)],
            label: GroundTruth::NotAFace,
        })
        .unwrap();
    assert!(workspace.undo());
    let history = &workspace.document().label_history;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(
        (history[0].track, history[0].from, history[0].to),
        (TrackId(1), before, GroundTruth::NotAFace)
    );
    assert_eq!(
        (history[1].from, history[1].to),
        (GroundTruth::NotAFace, before)
    );
    assert!(
        history
            .iter()
            .all(|c| c.by == "A. Reviewer" && c.at.ends_with('Z'))
    );
    workspace.save().unwrap();
    assert_eq!(review::load(&path).unwrap().label_history.len(), 2);

    let (bundle, _) = signed_bundle(dir.path(), &path);
    assert_eq!(bundle.report.label_history.len(), 2);
}

/// The app's verification takes the `.zip` of a bundle and the reviewer's published key: with
/// it, who signed is proven; a key from inside the bundle is refused; another key fails.
#[test]
fn the_app_verifies_a_zip_with_the_reviewers_published_key() {
    use lineup::workspace::jobs::VerifyJob;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(&common::labelled::labelled_review(), &path).unwrap();
    let (bundle, key) = signed_bundle(dir.path(), &path);
    let out = bundle.folder.clone();
    let wait = |job: VerifyJob| loop {
        if let Some(outcome) = job.try_finish() {
            break outcome;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let published = signing::public_key_path(&key);
    let proven = wait(VerifyJob::start(bundle.zip.clone(), Some(published), || {})).unwrap();
    assert!(
        !proven.key_from_bundle,
        "the supplied key proves who signed"
    );
    let inside = out.join(lineup::assessment::bundle::PUBLIC_KEY_FILE);
    assert!(wait(VerifyJob::start(bundle.zip.clone(), Some(inside), || {})).is_err());
    let other = dir.path().join("other.key");
    signing::generate_key_pair(&other, "copper lanterns hum at dawn", false).unwrap();
    let other_public = signing::public_key_path(&other);
    assert!(wait(VerifyJob::start(bundle.zip, Some(other_public), || {})).is_err());
}

/// The review at `review` exported as a signed bundle into `dir`, with a new key pair there;
/// returns the bundle and the secret key's path.
fn signed_bundle(
    dir: &std::path::Path,
    review: &std::path::Path,
) -> (assessment::ExportedBundle, std::path::PathBuf) {
    let key = dir.join("reviewer.key");
    let password = "amber kettle rides seven owls";
    signing::generate_key_pair(&key, password, false).unwrap();
    let document = review::load(review).unwrap();
    let bundle = assessment::export_signed(&assessment::SignedExport {
        document: &document,
        review_path: review,
        key: &key,
        password,
        out: &dir.join("bundle"),
        overwrite: false,
        threshold: None,
        face_disclosure: assessment::FaceDisclosure::ConfirmedMatchesOnly,
        include_watchlist_photos: false,
        include_review: false,
    })
    .unwrap();
    (bundle, key)
}

/// A second reviewer's blind labels and attributes go to the second review and never to the
/// review's own; settling a disagreement changes the review's label (recorded in its history)
/// and is undone in one step, settlement and label together; a wrong value is refused.
#[test]
fn a_second_review_is_edited_settled_and_undone() {
    let mut document = common::labelled::labelled_review();
    document.tracks[2].label = GroundTruth::NotOnWatchlist;
    let mut workspace = Workspace::new(document, None);
    workspace
        .apply(Command::SecondReviewer("B. Second".into()))
        .unwrap();
    workspace
        .apply(Command::SecondLabel {
            tracks: vec![TrackId(2)],
            label: GroundTruth::NotAFace,
        })
        .unwrap();
    workspace
        .apply(Command::SecondAttribute {
            tracks: vec![TrackId(2)],
            name: "skin".into(),
            value: Some("9".into()),
        })
        .unwrap();
    assert!(
        workspace
            .apply(Command::SecondAttribute {
                tracks: vec![TrackId(2)],
                name: "skin".into(),
                value: Some("11".into()),
            })
            .is_err()
    );
    let document = workspace.document();
    assert_eq!(document.tracks[2].label, GroundTruth::NotOnWatchlist);
    let second = document.second_review.as_ref().unwrap();
    assert_eq!(second.reviewer, "B. Second");
    assert_eq!(second.labels[&TrackId(2)].label, GroundTruth::NotAFace);
    assert_eq!(second.labels[&TrackId(2)].attributes["skin"], "9");
    assert!(
        document.label_history.is_empty(),
        "no label of the review changed"
    );

    let open = document.open_disagreements();
    let (track, disagreement) = open
        .iter()
        .find(|(track, d)| *track == TrackId(2) && matches!(d, review::Disagreement::Label { .. }))
        .cloned()
        .expect("a label disagreement on track 2");
    workspace
        .apply(Command::Settle {
            track,
            disagreement,
            keep: review::Reviewer::Second,
        })
        .unwrap();
    let document = workspace.document();
    assert_eq!(document.tracks[2].label, GroundTruth::NotAFace);
    let change = document.label_history.last().unwrap();
    assert_eq!(
        (change.track, change.from, change.to),
        (
            TrackId(2),
            GroundTruth::NotOnWatchlist,
            GroundTruth::NotAFace
        )
    );
    assert_eq!(document.second_review.as_ref().unwrap().settled.len(), 1);
    assert_eq!(document.open_disagreements().len(), open.len() - 1);

    assert!(workspace.undo());
    let document = workspace.document();
    assert_eq!(document.tracks[2].label, GroundTruth::NotOnWatchlist);
    assert!(document.second_review.as_ref().unwrap().settled.is_empty());
    // Undo everything: no second review is left.
    while workspace.undo() {}
    assert_eq!(workspace.document().second_review, None);
}
