//! Blind mode, key order and relinks as an opposing expert probed them (second round of
//! issue #17): each test states what the app promises.

mod common;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use lineup::ids::{IdentityId, TrackId};
use lineup::review::{self, GroundTruth, SecondReview};
use lineup::ui::Tab;
use lineup::workspace::{Command, Workspace};

#[path = "common/app.rs"]
mod app;
use app::{card, harness, open, push_key, texts, workspace};

use lineup::review::{BlindSpell, Slicing};

fn blind_spell() -> BlindSpell {
    BlindSpell {
        started: "2026-01-01T00:00:00Z".into(),
        ended: None,
    }
}

/// A document already in blind mode (as saved so), with nothing labelled by the second reviewer.
fn in_blind(mut document: review::ReviewDocument) -> review::ReviewDocument {
    document.second_review = Some(SecondReview {
        reviewer: "Sam Blind".into(),
        blind: vec![blind_spell()],
        ..Default::default()
    });
    document
}

fn screen_texts(document: &review::ReviewDocument, tab: Tab) -> Vec<String> {
    let (_dir, app) = open(document, tab);
    let mut h = harness(app);
    h.run_steps(3);
    assert!(workspace(&h).is_blind());
    texts(&h)
}

/// Two documents that differ ONLY in the first reviewer's perceived attribute of some tracks:
/// in blind mode, nothing on screen may differ (else the screen tells the blind reviewer the
/// first reviewer's answers). With one group at its own threshold (gender "female" at 0.30),
/// whether a track alerts depends on the first reviewer's gender attribute.
fn attribute_twins() -> (review::ReviewDocument, review::ReviewDocument, usize) {
    let mut a = common::labelled::labelled_review();
    a.slicing = Slicing {
        attributes: vec!["gender".into()],
    };
    a.slice_thresholds.insert("female".into(), 0.30);
    // A track scoring between 0.30 and 0.60 that the first reviewer called "male".
    let t = (0..a.tracks.len())
        .find(|&t| {
            let s = a.track_match(TrackId(t)).score;
            s > 0.31
                && s < 0.59
                && a.tracks[t].attributes.get("gender").map(String::as_str) == Some("male")
        })
        .expect("a male track between the thresholds");
    let mut b = a.clone();
    b.tracks[t]
        .attributes
        .insert("gender".into(), "female".into());
    (in_blind(a), in_blind(b), t)
}

#[test]
fn blind_faces_screen_does_not_tell_the_first_reviewers_attribute_through_alerts() {
    let (a, b, t) = attribute_twins();
    let (ta, tb) = (screen_texts(&a, Tab::Faces), screen_texts(&b, Tab::Faces));
    let only_a: Vec<&String> = ta.iter().filter(|x| !tb.contains(x)).collect();
    let only_b: Vec<&String> = tb.iter().filter(|x| !ta.contains(x)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "track {t}: blind screen differs by the first reviewer's gender:\nA (male): {only_a:?}\nB (female): {only_b:?}"
    );
}

#[test]
fn blind_watchlist_and_status_bar_do_not_tell_the_first_reviewers_attribute_through_alerts() {
    let (a, b, t) = attribute_twins();
    let (ta, tb) = (
        screen_texts(&a, Tab::Watchlist),
        screen_texts(&b, Tab::Watchlist),
    );
    let only_a: Vec<&String> = ta.iter().filter(|x| !tb.contains(x)).collect();
    let only_b: Vec<&String> = tb.iter().filter(|x| !ta.contains(x)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "track {t}: blind Watchlist differs by the first reviewer's gender:\nA (male): {only_a:?}\nB (female): {only_b:?}"
    );
}

/// Same twins but differing in the first reviewer's LABEL (NotAFace vs NotOnWatchlist), no slice
/// thresholds: every tab in blind mode must look the same.
#[test]
fn blind_mode_every_tab_same_whatever_the_first_label() {
    let mut a = common::labelled::labelled_review();
    for t in 0..40 {
        a.tracks[t].label = GroundTruth::NotOnWatchlist;
    }
    let mut b = a.clone();
    for t in 0..40 {
        b.tracks[t].label = if t % 2 == 0 {
            GroundTruth::NotAFace
        } else {
            GroundTruth::OnWatchlist(IdentityId(1))
        };
        b.tracks[t]
            .attributes
            .insert("gender".into(), "other".into());
        b.tracks[t].person = Some("P9".into());
    }
    b.identity_attributes
        .entry("Alex Doe".into())
        .or_default()
        .insert("gender".into(), "female".into());
    let (a, b) = (in_blind(a), in_blind(b));
    let mut diffs = Vec::new();
    for tab in [
        Tab::Faces,
        Tab::Footage,
        Tab::Watchlist,
        Tab::Thresholds,
        Tab::BaseRates,
        Tab::Assessment,
        Tab::Glossary,
    ] {
        let (ta, tb) = (screen_texts(&a, tab), screen_texts(&b, tab));
        for x in tb.iter().filter(|x| !ta.contains(x)) {
            diffs.push(format!("{tab:?}: {x}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "blind screens differ by the first reviewer's labels:\n{}",
        diffs.join("\n")
    );
}

/// Filter "Unlabelled", track 0 selected, N then X typed in one frame: after N the filter hides
/// track 0, so (as when the keys come in separate frames) X must not relabel it.
#[test]
fn a_key_in_the_same_frame_does_not_label_a_track_the_previous_key_hid() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Unlabelled").click();
    h.run_steps(2);
    card(&h, 0).click();
    h.run_steps(2);
    push_key(&mut h, egui::Key::N, egui::Modifiers::NONE);
    push_key(&mut h, egui::Key::X, egui::Modifiers::NONE);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotOnWatchlist
    );
}

/// Separate frames for comparison (should pass).
#[test]
fn control_keys_in_separate_frames() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Unlabelled").click();
    h.run_steps(2);
    card(&h, 0).click();
    h.run_steps(2);
    h.key_press(egui::Key::N);
    h.run_steps(2);
    h.key_press(egui::Key::X);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotOnWatchlist
    );
}

fn two_candidates() -> (review::ReviewDocument, usize, usize) {
    let mut document = common::labelled::labelled_review();
    let top = |d: &review::ReviewDocument, t: usize| d.track_match(TrackId(t)).identity;
    let a = 0;
    let b = (1..10)
        .find(|&t| top(&document, t).is_some() && top(&document, t) != top(&document, a))
        .unwrap();
    document.tracks[a].label = GroundTruth::Unlabelled;
    document.tracks[b].label = GroundTruth::Unlabelled;
    (document, a, b)
}

/// Y blind on two tracks: each gets its own candidate in the second review, the first labels
/// stay; Undo button takes both back in one step; Redo brings them back.
#[test]
fn y_blind_on_two_tracks_then_undo_redo_buttons() {
    let (document, a, b) = two_candidates();
    let (_dir, app) = open(&in_blind(document.clone()), Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, a).click();
    h.run_steps(2);
    card(&h, b).click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    h.key_press(egui::Key::Y);
    h.run_steps(2);
    let own =
        |t: usize| GroundTruth::OnWatchlist(document.track_match(TrackId(t)).identity.unwrap());
    {
        let d = workspace(&h).document();
        let s = d.second_review.as_ref().unwrap();
        assert_eq!(
            (s.labels[&TrackId(a)].label, s.labels[&TrackId(b)].label),
            (own(a), own(b))
        );
        assert_eq!(
            (d.tracks[a].label, d.tracks[b].label),
            (GroundTruth::Unlabelled, GroundTruth::Unlabelled)
        );
    }
    h.get_by_label("Undo").click();
    h.run_steps(2);
    assert!(
        workspace(&h)
            .document()
            .second_review
            .as_ref()
            .unwrap()
            .labels
            .is_empty()
    );
    h.get_by_label("Redo").click();
    h.run_steps(2);
    assert_eq!(
        workspace(&h)
            .document()
            .second_review
            .as_ref()
            .unwrap()
            .labels
            .len(),
        2
    );
}

/// The first reviewer undoes an edit (so it can be redone), then a relink happens in blind mode
/// (the relink bar is on the Faces screen): the first reviewer's redo is gone, and the blind
/// reviewer cannot undo their own relink.
#[test]
fn a_relink_in_blind_mode_leaves_the_first_reviewers_redo() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let mut w = Workspace::new(document, None);
    w.apply(Command::Label {
        tracks: vec![TrackId(0)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    assert!(w.undo());
    assert!(w.can_redo());
    w.apply(Command::Blind(true)).unwrap();
    w.apply(Command::Relink {
        inputs: vec![(0, "/elsewhere/crowd.mp4".into())],
        watchlist_root: None,
        photos: vec![],
    })
    .unwrap();
    let blind_can_undo_relink = w.can_undo();
    w.apply(Command::Blind(false)).unwrap();
    assert!(
        w.can_redo() && blind_can_undo_relink,
        "first reviewer's redo kept: {}, blind reviewer can undo the relink: {}",
        w.can_redo(),
        blind_can_undo_relink
    );
}

/// Undo in non-blind mode after a blind session: the first reviewer's Undo must never take back
/// an edit made in blind mode by the second reviewer (e.g. a relink).
#[test]
fn first_reviewers_undo_leaves_an_edit_made_in_blind_mode() {
    let document = common::labelled::labelled_review();
    let mut w = Workspace::new(document, None);
    w.apply(Command::Blind(true)).unwrap();
    w.apply(Command::Relink {
        inputs: vec![(0, "/elsewhere/crowd.mp4".into())],
        watchlist_root: None,
        photos: vec![],
    })
    .unwrap();
    w.apply(Command::Blind(false)).unwrap();
    assert!(
        !w.can_undo(),
        "the first reviewer's Undo would take back the blind session's relink"
    );
}

/// Autosave at most 30 s after the first unsaved edit, even with edits every 2 s.
#[test]
fn autosave_due_within_30s_of_first_edit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.ron");
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    review::save(&document, &path).unwrap();
    let mut w = Workspace::open(&path).unwrap();
    let t0 = std::time::Instant::now();
    w.apply(Command::Label {
        tracks: vec![TrackId(0)],
        label: GroundTruth::NotAFace,
    })
    .unwrap();
    let due = w.autosave_due_in(t0).unwrap();
    assert!(due <= std::time::Duration::from_secs(30));
    // Blind toggles count as unsaved edits too and are autosaved.
    assert!(
        w.autosave_if_due(t0 + std::time::Duration::from_secs(31))
            .is_some()
    );
    assert!(lineup::workspace::autosave_path(&path).exists());
}

/// Blind mode: with a second review started and blind on, closing via "Close without saving"
/// loses the blind record; but saving in blind then reopening — blind spells kept. And the Save
/// As of an untitled review? Check only: the blind spell persists through autosave recovery.
#[test]
fn blind_mode_survives_autosave_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.ron");
    let document = common::labelled::labelled_review();
    review::save(&document, &path).unwrap();
    let mut w = Workspace::open(&path).unwrap();
    w.apply(Command::Blind(true)).unwrap();
    w.autosave_if_due(std::time::Instant::now() + std::time::Duration::from_secs(60))
        .unwrap()
        .unwrap();
    let r = Workspace::recover(&path).unwrap();
    assert!(r.is_blind());
}

/// With Alex Doe's identity attribute gender=female and "female" at its own threshold, whether a
/// track with no gender of its own alerts depends on whether the FIRST reviewer LABELLED it Alex
/// Doe: the blind card tells the first reviewer's label.
#[test]
fn blind_card_does_not_tell_the_first_reviewers_label_through_an_inherited_threshold() {
    let mut a = common::labelled::labelled_review();
    a.slicing = Slicing {
        attributes: vec!["gender".into()],
    };
    a.slice_thresholds.insert("female".into(), 0.30);
    a.identity_attributes
        .entry("Alex Doe".into())
        .or_default()
        .insert("gender".into(), "female".into());
    let t = (0..a.tracks.len())
        .find(|&t| {
            let s = a.track_match(TrackId(t)).score;
            s > 0.31 && s < 0.59
        })
        .unwrap();
    a.tracks[t].attributes.remove("gender");
    a.tracks[t].label = GroundTruth::NotOnWatchlist;
    let mut b = a.clone();
    b.tracks[t].label = GroundTruth::OnWatchlist(IdentityId(0));
    let (ta, tb) = (
        screen_texts(&in_blind(a), Tab::Faces),
        screen_texts(&in_blind(b), Tab::Faces),
    );
    let only_b: Vec<&String> = tb.iter().filter(|x| !ta.contains(x)).collect();
    assert!(
        only_b.is_empty(),
        "track {t}: blind screen differs by the first reviewer's label: {only_b:?}"
    );
}

/// Kappa on an attribute uses the snapshot: editing the identity attribute a watchlist person's
/// tracks inherit, after the second review started, must not change the attribute agreement.
#[test]
fn identity_attribute_edit_after_the_start_leaves_attribute_kappa() {
    let mut document = common::labelled::labelled_review();
    for t in &mut document.tracks {
        t.attributes.remove("gender");
    }
    document
        .identity_attributes
        .entry("Alex Doe".into())
        .or_default()
        .insert("gender".into(), "female".into());
    let alex: Vec<TrackId> = (0..document.tracks.len())
        .filter(|&t| document.tracks[t].label == GroundTruth::OnWatchlist(IdentityId(0)))
        .map(TrackId)
        .collect();
    assert!(alex.len() >= 3);
    let mut w = Workspace::new(document, None);
    w.apply(Command::Blind(true)).unwrap();
    w.apply(Command::SecondReviewer("Sam".into())).unwrap();
    w.apply(Command::SecondLabel {
        tracks: alex.clone(),
        label: GroundTruth::OnWatchlist(IdentityId(0)),
    })
    .unwrap();
    w.apply(Command::SecondAttribute {
        tracks: alex.clone(),
        name: "gender".into(),
        value: Some("male".into()),
    })
    .unwrap();
    w.apply(Command::Blind(false)).unwrap();
    let gender = |w: &Workspace| {
        let a = w.document().reviewer_agreement().unwrap();
        let g = a.attributes.iter().find(|(n, _)| n == "gender").unwrap().1;
        (g.n, g.agreed, w.document().open_disagreements().len())
    };
    let before = gender(&w);
    assert_eq!((before.0, before.1), (alex.len(), 0));
    w.apply(Command::IdentityAttribute {
        identity: "Alex Doe".into(),
        name: "gender".into(),
        value: Some("male".into()),
    })
    .unwrap();
    // Rename second reviewer, undo/redo everything possible.
    w.apply(Command::Blind(true)).unwrap();
    w.apply(Command::SecondReviewer("Someone Else".into()))
        .unwrap();
    while w.undo() {}
    while w.redo() {}
    w.apply(Command::Blind(false)).unwrap();
    while w.undo() {}
    while w.redo() {}
    assert_eq!(gender(&w), before);
}

/// "X" typed, then the Undo button clicked, in the same frame: X then its undo (leaving N), as
/// for Ctrl+Z.
#[test]
fn undo_button_in_the_same_frame_as_a_label_key_runs_first() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, 0).click();
    h.run_steps(2);
    h.key_press(egui::Key::N);
    h.run_steps(2);
    push_key(&mut h, egui::Key::X, egui::Modifiers::NONE);
    h.get_by_label("Undo").click();
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotOnWatchlist
    );
}

/// "N" then Ctrl+S typed in one frame: the file saved holds N (Ctrl+S is taken before the
/// Faces screen's keys, so it saves before N lands, and the status says "unsaved").
#[test]
fn ctrl_s_typed_after_a_label_key_in_one_frame_saves_it() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let (dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, 0).click();
    h.run_steps(2);
    push_key(&mut h, egui::Key::N, egui::Modifiers::NONE);
    push_key(&mut h, egui::Key::S, egui::Modifiers::COMMAND);
    h.run_steps(2);
    let saved = review::load(&dir.path().join("review.ron")).unwrap();
    assert_eq!(
        saved.tracks[0].label,
        GroundTruth::NotOnWatchlist,
        "the file saved lacks the N typed before Ctrl+S"
    );
}

/// Blind: the "Alerts" filter count tells the first reviewer's attributes (slice threshold).
#[test]
fn blind_alerts_filter_count_does_not_depend_on_first_attributes() {
    let (a, b, t) = attribute_twins();
    let count = |d: &review::ReviewDocument| {
        let (_dir, app) = open(d, Tab::Faces);
        let mut h = harness(app);
        h.run_steps(2);
        h.get_by_label("Alerts").click();
        h.run_steps(2);
        texts(&h)
            .into_iter()
            .find(|x| x.ends_with(" tracks") && !x.contains('—'))
            .unwrap_or_default()
    };
    assert_eq!(count(&a), count(&b), "track {t}");
}
