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
    // The autosave's sidecar went with it: the review and its one sidecar are all there is.
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0], "review.ron");
    assert!(files[1].starts_with("review.ron.faces-"), "{files:?}");
}

#[test]
fn the_app_export_job_writes_a_bundle_that_verifies() {
    // Spaces and a quote in every path: the signed report's command must still run as printed.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("the council's reviews");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("my review.ron");
    let document = common::labelled::signable_labelled_review();
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
    let mut document = common::labelled::signable_labelled_review();
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
    review::save(&common::labelled::signable_labelled_review(), &path).unwrap();
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
    // Undo everything (the second reviewer's edits are undone in blind mode): nothing the second
    // reviewer said is left, only the record of what they did.
    while workspace.undo() {}
    workspace.apply(Command::Blind(true)).unwrap();
    while workspace.undo() {}
    let second = workspace.document().second_review.as_ref().unwrap();
    assert!(second.labels.is_empty() && second.reviewer.is_empty() && second.settled.is_empty());
    assert!(!second.history.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The second review's integrity (expert #17: findings 5, 6, 7, a, b).

/// Tracks 0 and 1 reviewed by both (first: Alex Doe / not on watchlist; second: not / not),
/// every other track unlabelled by the first reviewer.
fn two_tracks_reviewed_twice() -> review::ReviewDocument {
    use lineup::ids::IdentityId;
    use lineup::review::{SecondLabel, SecondReview};
    let mut document = common::labelled::labelled_review();
    let not = GroundTruth::NotOnWatchlist;
    document.tracks[0].label = GroundTruth::OnWatchlist(IdentityId(0));
    document.tracks[1].label = not;
    for t in 2..document.tracks.len() {
        document.tracks[t].label = GroundTruth::Unlabelled;
    }
    let mut second = SecondReview {
        reviewer: "B".into(),
        ..Default::default()
    };
    for t in [0, 1] {
        second.labels.insert(
            TrackId(t),
            SecondLabel {
                label: not,
                attributes: Default::default(),
            },
        );
    }
    document.second_review = Some(second);
    document
}

fn settle_first_open(w: &mut Workspace, keep: review::Reviewer) {
    let (track, disagreement) = w.document().open_disagreements().remove(0);
    w.apply(Command::Settle {
        track,
        disagreement,
        keep,
    })
    .unwrap();
}

/// Expert #17, finding 6: a second settlement of a track took the first reviewer's value from
/// the latest settlement (the already-settled value), so a disagreement came to count as agreed.
#[test]
fn a_second_settlement_of_a_track_keeps_the_first_reviewers_answer() {
    let not = GroundTruth::NotOnWatchlist;
    let mut w = Workspace::new(two_tracks_reviewed_twice(), None);
    let before = w.document().reviewer_agreement().unwrap().label;
    assert_eq!((before.n, before.agreed), (2, 1));
    settle_first_open(&mut w, review::Reviewer::Second);
    w.apply(Command::SecondLabel {
        tracks: vec![TrackId(0)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    settle_first_open(&mut w, review::Reviewer::First);
    w.apply(Command::SecondLabel {
        tracks: vec![TrackId(0)],
        label: not,
    })
    .unwrap();
    let after = w.document().reviewer_agreement().unwrap().label;
    assert_eq!((after.n, after.agreed), (2, 1), "{after:?}");
}

/// Expert #17, finding 5 (without the screen): relabelling a track after seeing the second
/// reviewer's answer changes neither kappa nor the disagreements; the answers compared are
/// those kept when the review was opened (it was saved before lineup kept them), and saved.
#[test]
fn relabelling_after_the_second_review_changes_neither_kappa_nor_the_disagreements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(&two_tracks_reviewed_twice(), &path).unwrap();
    let mut w = Workspace::open(&path).unwrap();
    let answers = w
        .document()
        .second_review
        .as_ref()
        .unwrap()
        .first_answers
        .clone();
    assert!(answers.as_ref().is_some_and(|a| !a.at_start), "{answers:?}");
    let before = w.document().reviewer_agreement().unwrap();
    let open = w.document().open_disagreements();
    w.apply(Command::Label {
        tracks: vec![TrackId(0)],
        label: GroundTruth::NotOnWatchlist,
    })
    .unwrap();
    assert_eq!(w.document().reviewer_agreement().unwrap(), before);
    assert_eq!(w.document().open_disagreements(), open);
    w.save().unwrap();
    let reopened = Workspace::open(&path).unwrap();
    let second = reopened.document().second_review.as_ref().unwrap();
    assert_eq!(
        second.first_answers, answers,
        "kept in the file, not taken again"
    );
    assert_eq!(reopened.document().reviewer_agreement().unwrap(), before);
}

/// A second review started in the app keeps the first reviewer's answers as they stood then.
#[test]
fn a_second_review_started_in_the_app_keeps_the_first_answers_of_that_moment() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::NotOnWatchlist;
    let mut w = Workspace::new(document, None);
    w.apply(Command::SecondLabel {
        tracks: vec![TrackId(0)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    let second = w.document().second_review.as_ref().unwrap();
    let answers = second.first_answers.as_ref().expect("kept");
    assert!(answers.at_start);
    assert_eq!(
        answers.tracks[&TrackId(0)].label,
        GroundTruth::NotOnWatchlist
    );
}

/// Expert #17, finding 7: the attribute a watchlist person's track inherits (what the rates use)
/// is compared with the second reviewer's.
#[test]
fn an_inherited_attribute_is_compared_with_the_second_reviewers() {
    use lineup::ids::IdentityId;
    use lineup::review::{SecondLabel, SecondReview};
    let mut document = common::labelled::labelled_review();
    for track in &mut document.tracks {
        track.attributes.remove("gender");
    }
    document.tracks[0].label = GroundTruth::OnWatchlist(IdentityId(0));
    document
        .identity_attributes
        .entry("Alex Doe".into())
        .or_default()
        .insert("gender".into(), "female".into());
    let mut theirs = SecondLabel {
        label: GroundTruth::OnWatchlist(IdentityId(0)),
        attributes: Default::default(),
    };
    theirs.attributes.insert("gender".into(), "male".into());
    let mut second = SecondReview {
        reviewer: "B".into(),
        ..Default::default()
    };
    second.labels.insert(TrackId(0), theirs);
    document.second_review = Some(second);
    assert_eq!(document.track_attribute(TrackId(0), "gender"), "female");
    for document in [
        document.clone(),
        Workspace::new(document, None).document().clone(),
    ] {
        let open = document.open_disagreements();
        let gender = document
            .reviewer_agreement()
            .unwrap()
            .attributes
            .into_iter()
            .find(|(name, _)| name == "gender")
            .unwrap()
            .1;
        assert!(
            !open.is_empty() && gender.n == 1,
            "disagreements {open:?}, gender agreement {gender:?}"
        );
    }
}

/// Expert #17, findings a and b: a settlement is marked as one in the label history, with who
/// settled it; every change to the second review (name, labels, attributes, and their undoing)
/// is in its own history.
#[test]
fn settlements_and_second_review_changes_are_recorded() {
    use lineup::review::SecondChangeKind;
    let mut w = Workspace::new(two_tracks_reviewed_twice(), None);
    let mut assessment = w.document().assessment.clone();
    assessment.reviewer.name = "Ann First".into();
    w.apply(Command::Assessment(Box::new(assessment))).unwrap();
    settle_first_open(&mut w, review::Reviewer::Second);
    let change = w.document().label_history.last().unwrap().clone();
    assert_eq!(
        (change.by.as_str(), change.settled),
        ("Ann First", Some(review::Reviewer::Second))
    );
    w.apply(Command::Label {
        tracks: vec![TrackId(1)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    assert_eq!(w.document().label_history.last().unwrap().settled, None);

    w.apply(Command::Blind(true)).unwrap();
    for name in ["S", "Sa", "Sam"] {
        w.apply(Command::SecondReviewer(name.into())).unwrap();
    }
    w.apply(Command::SecondLabel {
        tracks: vec![TrackId(1)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    w.apply(Command::SecondAttribute {
        tracks: vec![TrackId(1)],
        name: "gender".into(),
        value: Some("female".into()),
    })
    .unwrap();
    assert!(w.undo());
    let history = &w.document().second_review.as_ref().unwrap().history;
    let kinds: Vec<&SecondChangeKind> = history.iter().map(|c| &c.change).collect();
    assert_eq!(
        kinds,
        [
            &SecondChangeKind::Reviewer {
                from: "B".into(),
                to: "Sam".into()
            },
            &SecondChangeKind::Label {
                track: TrackId(1),
                from: GroundTruth::NotOnWatchlist,
                to: GroundTruth::NotAFace
            },
            &SecondChangeKind::Attribute {
                track: TrackId(1),
                name: "gender".into(),
                from: None,
                to: Some("female".into())
            },
            &SecondChangeKind::Attribute {
                track: TrackId(1),
                name: "gender".into(),
                from: Some("female".into()),
                to: None
            },
        ]
    );
    assert!(history[1..].iter().all(|c| c.by == "Sam"));
}

/// Expert #17, finding 4 (without the screen): in blind mode undo takes back only the second
/// reviewer's edits, and out of it only the first's; blind mode itself is recorded, not undone.
#[test]
fn each_reviewer_undoes_only_their_own_edits() {
    let mut w = Workspace::new(two_tracks_reviewed_twice(), None);
    w.apply(Command::Label {
        tracks: vec![TrackId(2)],
        label: GroundTruth::NotOnWatchlist,
    })
    .unwrap();
    w.apply(Command::Blind(true)).unwrap();
    assert!(w.is_blind());
    assert!(!w.can_undo(), "nothing of the second reviewer's yet");
    assert!(!w.undo());
    assert_eq!(w.document().tracks[2].label, GroundTruth::NotOnWatchlist);
    w.apply(Command::SecondLabel {
        tracks: vec![TrackId(2)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    w.apply(Command::Blind(false)).unwrap();
    assert!(w.undo());
    assert_eq!(w.document().tracks[2].label, GroundTruth::Unlabelled);
    assert!(!w.undo(), "the second reviewer's label is theirs to undo");
    let second = w.document().second_review.as_ref().unwrap();
    assert_eq!(second.labels[&TrackId(2)].label, GroundTruth::NotAFace);
    assert_eq!(second.blind.len(), 1);
    assert!(second.blind[0].ended.is_some());
}

/// The tracks the Faces screen shows for a chosen slice are the labelled tracks whose search is
/// in that slice: the same whichever way it is worked out, on a review with thousands of tracks
/// cut into dozens of slices (skin × gender).
#[test]
fn the_tracks_of_each_slice_are_those_of_its_searches() {
    let mut document = common::labelled::labelled_review_of(3_000);
    document.slicing = review::Slicing::by(&["skin", "gender"]);
    let workspace = Workspace::new(document, None);
    let sliced = workspace.sliced();
    assert!(sliced.names.len() >= 6, "several slices");
    let track_count = workspace.document().tracks.len();
    for (slice, name) in sliced.names.iter().enumerate() {
        // The definition, one track at a time: is there a search of this track in this slice?
        let expected: Vec<bool> = (0..track_count)
            .map(|t| {
                sliced
                    .tracks
                    .iter()
                    .zip(&sliced.searches)
                    .any(|(&track, search)| track == TrackId(t) && search.slice == slice)
            })
            .collect();
        assert!(expected.contains(&true), "slice {name} has tracks");
        assert_eq!(
            workspace.tracks_in_slice(name).as_deref(),
            Some(&expected[..]),
            "slice {name}"
        );
    }
    assert_eq!(workspace.tracks_in_slice("no such slice"), None);
}

/// The workspace's cached view of the shown recognizer agrees with the review as that
/// recognizer sees it (`as_seen_by`), and its numbers with a workspace opened afresh on it.
fn assert_view_in_step(workspace: &Workspace, after: &str) {
    let shown = workspace.shown_recognizer();
    let expected = workspace.document().as_seen_by(shown).unwrap();
    assert!(
        workspace.shown() == &expected,
        "after {after}: the shown view differs from the review as recognizer {shown} sees it"
    );
    let mut fresh = Workspace::new(workspace.document().clone(), None);
    assert!(fresh.show_recognizer(shown));
    assert_eq!(
        workspace.evaluation(),
        fresh.evaluation(),
        "after {after}: the numbers"
    );
    assert_eq!(
        workspace.alerting_tracks(),
        fresh.alerting_tracks(),
        "after {after}: the alerts"
    );
}

/// Label edits while a second recognizer is shown are made to its view as to the review (not
/// by copying the review again, which took longer than a frame at 50,000 tracks): after every
/// kind of edit, its undo and its redo, the view is the review as that recognizer sees it.
#[test]
fn the_shown_view_of_a_second_recognizer_follows_edits_undo_and_redo() {
    use lineup::review::Slicing;
    let document = common::labelled::with_second_recognizer(common::labelled::labelled_review());
    let mut workspace = Workspace::new(document, None);
    assert!(workspace.show_recognizer(1));
    assert_ne!(
        workspace.alerting_tracks(),
        Workspace::new(workspace.document().clone(), None).alerting_tracks(),
        "the second model alerts on other tracks than the first"
    );
    let mut assessment = workspace.document().assessment.clone();
    assessment.reviewer.name = "A. Reviewer".into();
    let commands = [
        Command::Label {
            tracks: vec![TrackId(0), TrackId(3)],
            label: GroundTruth::NotAFace,
        },
        Command::EachLabel {
            labels: vec![
                (TrackId(1), GroundTruth::NotOnWatchlist),
                (TrackId(2), GroundTruth::Unlabelled),
            ],
        },
        Command::TrackAttribute {
            tracks: vec![TrackId(4)],
            name: "gender".into(),
            value: Some("female".into()),
        },
        Command::Person {
            tracks: vec![TrackId(5)],
            person: Some("P9".into()),
        },
        Command::IdentityAttribute {
            identity: "Alex Doe".into(),
            name: "gender".into(),
            value: Some("male".into()),
        },
        Command::Slicing(Slicing::by(&["gender"])),
        Command::ReferenceSlice(Some("male".into())),
        Command::Assessment(Box::new(assessment)),
        Command::Threshold(-0.55),
        Command::SliceThreshold {
            slice: "female".into(),
            threshold: Some(0.7),
        },
        Command::SecondReviewer("B. Second".into()),
        Command::SecondLabel {
            tracks: vec![TrackId(6)],
            label: GroundTruth::NotAFace,
        },
        Command::Label {
            tracks: vec![TrackId(7)],
            label: GroundTruth::NotAFace,
        },
    ];
    let count = commands.len();
    for command in commands {
        let name = format!("{command:?}");
        workspace.apply(command).unwrap();
        assert_view_in_step(&workspace, &name);
    }
    let mut undone = 0;
    while workspace.undo() {
        undone += 1;
        assert_view_in_step(&workspace, &format!("undo {undone}"));
    }
    assert!(undone > 0);
    while workspace.redo() {
        assert_view_in_step(&workspace, "a redo");
    }
    workspace.apply(Command::Blind(true)).unwrap();
    assert_view_in_step(&workspace, "blind mode on");
    workspace
        .apply(Command::SecondLabel {
            tracks: vec![TrackId(8)],
            label: GroundTruth::NotOnWatchlist,
        })
        .unwrap();
    assert_view_in_step(&workspace, "a blind second label");
    assert!(workspace.undo());
    assert_view_in_step(&workspace, "its undo");
    assert!(workspace.redo());
    workspace.apply(Command::Blind(false)).unwrap();
    assert_view_in_step(&workspace, "blind mode off");
    assert!(count > 10);
}
