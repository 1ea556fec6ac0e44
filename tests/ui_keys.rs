//! Keys on the Faces screen land where the person meant them: Y gives each selected track the
//! candidate on its own card; undo and redo keys are taken in order with the label keys, each
//! press once; and keys act only on selected tracks the filter shows. (The opposing expert's
//! findings 1, 2, 3 and 9 on #17.)

mod common;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::ids::TrackId;
use lineup::review::{self, GroundTruth};
use lineup::ui::{LineupApp, Tab};

#[path = "common/app.rs"]
mod app;
use app::{card, harness, open, push_key, workspace};

/// The labelled fixture with track 0 unlabelled and selected on the Faces screen, then N
/// pressed: track 0 is "not on watchlist".
fn track_0_labelled_n() -> (tempfile::TempDir, Harness<'static, LineupApp>) {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let (dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, 0).click();
    h.run_steps(2);
    h.key_press(egui::Key::N);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotOnWatchlist
    );
    (dir, h)
}

/// Two tracks whose cards show different candidates, both unlabelled.
fn two_candidates() -> (review::ReviewDocument, usize, usize) {
    let mut document = common::labelled::labelled_review();
    let top = |d: &review::ReviewDocument, t: usize| d.track_match(TrackId(t)).identity;
    let a = 0;
    let b = (1..10)
        .find(|&t| top(&document, t).is_some() && top(&document, t) != top(&document, a))
        .expect("two tracks with different candidates");
    document.tracks[a].label = GroundTruth::Unlabelled;
    document.tracks[b].label = GroundTruth::Unlabelled;
    (document, a, b)
}

fn own_candidate(document: &review::ReviewDocument, track: usize) -> GroundTruth {
    GroundTruth::OnWatchlist(document.track_match(TrackId(track)).identity.unwrap())
}

/// Finding 1: Y with two tracks selected whose cards show different candidates gives each the
/// candidate on its own card, in one undo step.
#[test]
fn y_gives_each_selected_track_the_candidate_on_its_own_card() {
    let (document, a, b) = two_candidates();
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, a).click();
    h.run_steps(2);
    card(&h, b).click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    h.key_press(egui::Key::Y);
    h.run_steps(2);
    let d = workspace(&h).document();
    assert_eq!(
        (d.tracks[a].label, d.tracks[b].label),
        (own_candidate(&document, a), own_candidate(&document, b)),
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    let d = workspace(&h).document();
    assert_eq!(
        (d.tracks[a].label, d.tracks[b].label),
        (GroundTruth::Unlabelled, GroundTruth::Unlabelled),
        "one Y, one undo step"
    );
}

/// Finding 1, the button: with different candidates it says each gets their own, and does so.
#[test]
fn the_y_button_says_and_gives_each_track_its_own_candidate() {
    let (document, a, b) = two_candidates();
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, a).click();
    h.run_steps(2);
    let name_a = document
        .identity_name(document.track_match(TrackId(a)).identity.unwrap())
        .unwrap()
        .to_owned();
    assert!(h.query_by_label(&format!("Is {name_a} (Y)")).is_some());
    card(&h, b).click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    assert!(
        h.query_by_label(&format!("Is {name_a} (Y)")).is_none(),
        "the button names one candidate of two"
    );
    h.get_by_label("Each is their own candidate (Y)").click();
    h.run_steps(2);
    let d = workspace(&h).document();
    assert_eq!(
        (d.tracks[a].label, d.tracks[b].label),
        (own_candidate(&document, a), own_candidate(&document, b)),
    );
}

/// Finding 2: "X, then Ctrl+Z" in one frame labels X and takes it back, leaving N.
#[test]
fn undo_between_label_keys_in_one_frame_runs_in_order() {
    let (_dir, mut h) = track_0_labelled_n();
    push_key(&mut h, egui::Key::X, egui::Modifiers::NONE);
    push_key(&mut h, egui::Key::Z, egui::Modifiers::COMMAND);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotOnWatchlist,
        "X then undo should leave N"
    );
    // Redo, then U, in one frame: X again, then unlabelled.
    push_key(
        &mut h,
        egui::Key::Z,
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
    );
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotAFace,
        "redo brings X back"
    );
    push_key(&mut h, egui::Key::Z, egui::Modifiers::COMMAND);
    push_key(&mut h, egui::Key::Y, egui::Modifiers::COMMAND);
    push_key(&mut h, egui::Key::U, egui::Modifiers::NONE);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::Unlabelled,
        "undo, redo (Ctrl+Y), then U"
    );
}

/// Finding 3: two Ctrl+Z in one frame are two undos; on another screen too.
#[test]
fn two_undos_in_one_frame_undo_twice() {
    let (_dir, mut h) = track_0_labelled_n();
    h.key_press(egui::Key::X);
    h.run_steps(2);
    push_key(&mut h, egui::Key::Z, egui::Modifiers::COMMAND);
    push_key(&mut h, egui::Key::Z, egui::Modifiers::COMMAND);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::Unlabelled,
        "two undos should take back X and N"
    );
    h.get_by_label("Watchlist").click();
    h.run_steps(2);
    push_key(
        &mut h,
        egui::Key::Z,
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
    );
    push_key(
        &mut h,
        egui::Key::Z,
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
    );
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotAFace,
        "two redos on the Watchlist screen bring back N and X"
    );
}

/// Finding 9: a selected track the filter then hides takes no label key, and the screen says
/// how many are selected.
#[test]
fn a_track_hidden_by_the_filter_takes_no_label() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    document.tracks[1].label = GroundTruth::NotOnWatchlist;
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    card(&h, 0).click();
    h.run_steps(2);
    card(&h, 1).click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    assert!(h.query_by_label_contains(", 2 selected").is_some());
    h.get_by_label("Unlabelled").click();
    h.run_steps(2);
    assert!(
        h.query_by(|n| n
            .label()
            .is_some_and(|l| l.starts_with("#1 ") && l.contains('\n')))
            .is_none(),
        "track 1 is hidden"
    );
    assert!(
        h.query_by_label_contains(", 1 selected").is_some(),
        "the hidden track is no longer selected"
    );
    h.key_press(egui::Key::X);
    h.run_steps(2);
    let d = workspace(&h).document();
    assert_eq!(
        (d.tracks[0].label, d.tracks[1].label),
        (GroundTruth::NotAFace, GroundTruth::NotOnWatchlist),
        "only the track on screen is relabelled"
    );
}

/// Finding 9, blind mode: tracks selected before the switch that blind mode's filter hides are
/// dropped from the selection too.
#[test]
fn switching_to_blind_keeps_only_tracks_still_shown() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    document.tracks[1].label = GroundTruth::NotOnWatchlist;
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Labelled").click();
    h.run_steps(2);
    card(&h, 1).click();
    h.run_steps(2);
    // Blind, "Labelled" means labelled by the second reviewer: none yet, so nothing is shown.
    h.get_by_label("Label blind, as a second reviewer").click();
    h.run_steps(2);
    h.key_press(egui::Key::X);
    h.run_steps(2);
    let d = workspace(&h).document();
    assert!(
        d.second_review
            .as_ref()
            .is_none_or(|second| second.labels.is_empty()),
        "a track not shown was labelled blind: {:?}",
        d.second_review
    );
}
