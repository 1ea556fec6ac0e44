//! The desktop app's footage and labelling screens on real pictures (egui_kittest): video
//! playback that shows frames, the per-track filmstrip, and a second reviewer labelling blind.

#[path = "common/app.rs"]
mod app;
mod common;
use app::{texts, workspace};

use std::time::Duration;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use lineup::ids::{DetectionId, IdentityId};
use lineup::matching::Candidate;
use lineup::review::{
    self, DetectionRecord, GroundTruth, SecondLabel, SecondReview, SourceRef, Track,
};
use lineup::ui::{LineupApp, Tab};
use lineup::vision::{BoundingBox, Embedding, Point};

/// The labelled fixture, its one input now the real H.264 clip of known faces (75 frames at
/// 25 fps: Obama in frames 0–24), with a face found in every one of its first `frames` frames:
/// one track per frame, except track 0, which holds the first `first_track` of them.
fn review_on_clip(frames: u64, first_track: u64) -> review::ReviewDocument {
    let mut document = common::labelled::labelled_review();
    document.inputs[0].path = common::clip("faces_h264.mp4");
    document.detections = (0..frames)
        .map(|frame| DetectionRecord {
            source: SourceRef {
                input: 0,
                frame_index: frame,
                timestamp_s: frame as f64 / 25.0,
            },
            bbox: BoundingBox {
                x1: 240.0,
                y1: 60.0,
                x2: 400.0,
                y2: 260.0,
            },
            landmarks: [Point::default(); 5],
            detector_score: 0.9,
            embedding: Embedding(vec![1.0, 0.0]),
            // Match scores that differ per face; frame 11's is the best of all.
            candidates: vec![Candidate {
                identity: IdentityId(0),
                score: if frame == 11 {
                    0.9
                } else {
                    0.3 + (frame % 7) as f32 / 50.0
                },
            }],
            skin_ita: None,
            skin_ita_quartiles: None,
        })
        .collect();
    let template = document.tracks[0].clone();
    let first: Vec<DetectionId> = (0..first_track as usize).map(DetectionId).collect();
    let rest = (first_track as usize..frames as usize).map(|d| vec![DetectionId(d)]);
    document.tracks = std::iter::once(first)
        .chain(rest)
        .enumerate()
        .map(|(id, detections)| Track {
            id: id as u32,
            detections,
            ..template.clone()
        })
        .collect();
    document
}

/// `document` saved to a temporary file and opened on `tab`, as a person would.
fn open(document: &review::ReviewDocument, tab: Tab) -> (tempfile::TempDir, LineupApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(document, &path).unwrap();
    (dir, LineupApp::open(&path).on_tab(tab))
}

fn harness(app: LineupApp) -> Harness<'static, LineupApp> {
    Harness::builder()
        .with_size([1280.0, 720.0])
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut LineupApp| app.show(ui), app)
}

/// The position the Footage screen says it is at: "… (12/75), 1 faces" → 12.
fn footage_position(h: &Harness<'_, LineupApp>) -> usize {
    let label = h
        .query_all_by_label_contains(" faces")
        .filter_map(|node| node.value())
        .find(|label| label.contains("— frame"))
        .unwrap_or_else(|| panic!("no footage line in {:#?}", h.root()));
    let inside = &label[label.rfind('(').unwrap() + 1..label.rfind(')').unwrap()];
    inside.split('/').next().unwrap().parse().unwrap()
}

/// The walkthrough's defect: Play showed only a spinner, because each repaint moved on to the next
/// frame before the last had decoded. Played for well under one pass of the clip (so no frame is
/// decoded twice), frames must appear, and the position must still move.
#[test]
fn playback_shows_frames_not_only_a_spinner() {
    // Straight onto the Footage screen: the Faces screen's thumbnails would decode frames ahead.
    let (_dir, app) = open(&review_on_clip(75, 1), Tab::Footage);
    let mut h = harness(app);
    // Steps, not run(): a frame still decoding shows a spinner, which keeps asking to repaint.
    h.run_steps(2);
    assert_eq!(footage_position(&h), 1);
    h.get_by_label_contains("Play").click();
    let mut frames_seen = 0;
    for _ in 0..60 {
        h.step();
        if h.query_all_by_role(Role::Image).any(|node| {
            node.accesskit_node()
                .label()
                .is_some_and(|l| l.starts_with("Frame "))
        }) {
            frames_seen += 1;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    let position = footage_position(&h);
    assert!(
        frames_seen > 0,
        "no frame was shown in 60 steps of playback"
    );
    assert!(position > 1, "playback did not move (at {position})");
    assert!(
        position < 75,
        "played past the end of one pass ({position})"
    );
    // Paused, the button says so in glyphs the bundled fonts have (the harness panics on tofu).
    h.get_by_label_contains("Pause").click();
    h.run_steps(2);
    let paused_at = footage_position(&h);
    h.run_steps(4);
    assert_eq!(footage_position(&h), paused_at);
}

/// Runs frames (sleeping between them, so that the background decoder gets on) until `done`
/// holds or 20 s have passed; returns whether it held.
fn run_until(
    h: &mut Harness<'static, LineupApp>,
    done: impl Fn(&Harness<'static, LineupApp>) -> bool,
) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        h.step();
        if done(h) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The frames of the faces shown in the filmstrip, left to right, from their pictures' words
/// ("Face at frame 11, 0.44 s, match 0.90").
fn filmstrip_frames(h: &Harness<'_, LineupApp>) -> Vec<u64> {
    let mut faces: Vec<(f32, u64)> = h
        .query_all_by_role(Role::Image)
        .filter_map(|node| {
            let label = node.accesskit_node().label()?;
            let frame = label.strip_prefix("Face at frame ")?.split(',').next()?;
            Some((node.rect().min.x, frame.parse().ok()?))
        })
        .collect();
    faces.sort_by(|a, b| a.0.total_cmp(&b.0));
    faces.into_iter().map(|(_, frame)| frame).collect()
}

/// Selecting a track shows its faces over time beside the label controls: a track of 20 faces
/// as 12 evenly spaced, first to last, plus its best-scoring face (frame 11) where those miss
/// it, each with its frame, time and score; a track of one face as that face.
#[test]
fn a_selected_track_shows_its_faces_over_time() {
    let (_dir, app) = open(&review_on_clip(40, 20), Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label_contains("#0 ").click();
    assert!(
        run_until(&mut h, |h| filmstrip_frames(h).len() == 13),
        "the strip shows {:?}",
        filmstrip_frames(&h)
    );
    let frames = filmstrip_frames(&h);
    assert!(
        frames.windows(2).all(|w| w[0] < w[1]),
        "time order: {frames:?}"
    );
    assert_eq!(frames.first(), Some(&0));
    assert_eq!(frames.last(), Some(&19));
    assert!(frames.contains(&11), "the best-scoring face: {frames:?}");
    assert!(
        h.query_by_label_contains("Face at frame 11, 0.44 s, match 0.90")
            .is_some(),
        "each face with its frame, time and score"
    );

    h.get_by_label_contains("#1 ").click();
    assert!(
        run_until(&mut h, |h| filmstrip_frames(h) == [20]),
        "the strip shows {:?}",
        filmstrip_frames(&h)
    );
}

/// In blind mode the second reviewer sees no sign of the first reviewer's work: no label or
/// state derived from it on the cards or beside the faces, no attributes, no suggestion.
#[test]
fn blind_mode_hides_the_first_reviewers_labels() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::NotOnWatchlist;
    document.tracks[0]
        .attributes
        .insert("gender".into(), "female".into());
    document.tracks[0].skin_tone_suggestion = Some(4);
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label_contains("#0 ").click();
    h.run_steps(2);
    let seen = texts(&h);
    assert!(seen.iter().any(|t| t.contains("Label: not on watchlist")));
    assert!(seen.iter().any(|t| t.contains("Suggested skin tone")));

    h.get_by_label("Label blind, as a second reviewer").click();
    h.run_steps(2);
    let seen = texts(&h);
    let cards: Vec<&String> = seen.iter().filter(|t| t.starts_with('#')).collect();
    assert!(cards.len() > 10, "cards: {cards:?}");
    for card in &cards {
        for first in [
            "not on watchlist",
            "not a face",
            "is ",
            "confirmed",
            "false alert",
            "missed",
        ] {
            assert!(!card.contains(first), "a card shows {first:?}: {card}");
        }
    }
    for hidden in ["Label: not on watchlist", "Suggested skin tone", "female"] {
        assert!(
            !seen.iter().any(|t| t.contains(hidden)),
            "blind mode shows {hidden:?}"
        );
    }
    assert!(
        seen.iter()
            .any(|t| t.contains("Your label (second review): unlabelled"))
    );
}

/// Labelling blind writes the second review, never the review's own labels, and is undone like
/// any edit.
#[test]
fn labelling_blind_writes_the_second_review() {
    let (_dir, app) = open(&common::labelled::labelled_review(), Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Label blind, as a second reviewer").click();
    h.run_steps(2);
    h.get_by_label("Second reviewer's name").click();
    h.run_steps(1);
    h.get_by_label("Second reviewer's name")
        .type_text("Sam Blind");
    h.run_steps(2);
    let first = workspace(&h).document().tracks[3].label;
    assert_ne!(first, GroundTruth::NotAFace);
    h.get_by_label_contains("#3 ").click();
    h.run_steps(2);
    h.key_press(egui::Key::X);
    h.run_steps(2);
    h.get_by_label("Perceived gender").click();
    h.run_steps(2);
    h.get_by_label("other").click();
    h.run_steps(2);
    let document = workspace(&h).document();
    assert_eq!(
        document.tracks[3].label, first,
        "the review's own label is untouched"
    );
    let second = document.second_review.as_ref().expect("a second review");
    assert_eq!(second.reviewer, "Sam Blind");
    let theirs = &second.labels[&lineup::ids::TrackId(3)];
    assert_eq!(theirs.label, GroundTruth::NotAFace);
    assert_eq!(theirs.attributes["gender"], "other");
    assert!(
        texts(&h)
            .iter()
            .any(|t| t.contains("Your label (second review): not a face"))
    );
    h.get_by_label("Undo").click();
    h.run_steps(2);
    h.get_by_label("Undo").click();
    h.run_steps(2);
    let second = workspace(&h).document().second_review.as_ref().unwrap();
    assert!(second.labels.is_empty(), "{second:?}");
}

/// The labelled fixture with a second review of tracks 0–49 laid out as the textbook's table:
/// both say "is Alex Doe" of 20, both "not on watchlist" of 15, first yes and second no of 5,
/// first no and second yes of 10. κ = 0.40, 70% agree.
fn reviewed_twice() -> review::ReviewDocument {
    let mut document = common::labelled::labelled_review();
    let yes = GroundTruth::OnWatchlist(IdentityId(0));
    let no = GroundTruth::NotOnWatchlist;
    let table = [(20, yes, yes), (5, yes, no), (10, no, yes), (15, no, no)];
    let mut second = SecondReview {
        reviewer: "Sam Blind".into(),
        ..Default::default()
    };
    let mut track = 0;
    for (count, first, theirs) in table {
        for _ in 0..count {
            document.tracks[track].label = first;
            second.labels.insert(
                lineup::ids::TrackId(track),
                SecondLabel {
                    label: theirs,
                    attributes: Default::default(),
                },
            );
            track += 1;
        }
    }
    document.second_review = Some(second);
    document
}

/// With a second review, the Faces screen shows the reviewers' agreement (Cohen's kappa, with
/// its n and the share agreed) in plain words, and lists the disagreements.
#[test]
fn the_reviewers_agreement_is_shown() {
    let (_dir, app) = open(&reviewed_twice(), Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    let seen = texts(&h);
    assert!(
        seen.iter()
            .any(|t| t.contains("κ = 0.40 (n = 50 tracks, 70.0% agree)")),
        "no kappa line"
    );
    assert!(seen.iter().any(|t| t.contains("beyond chance")), "no hint");
    let disagreements = seen
        .iter()
        .filter(|t| t.contains("who: ") && t.starts_with('#'))
        .count();
    assert_eq!(disagreements, 15);
    // The glossary explains the term.
    h.get_by_label("Glossary").click();
    h.run_steps(2);
    assert!(h.query_by_label("Cohen's kappa").is_some());
}

/// Clicking a disagreement selects its track; keeping the second reviewer's value changes the
/// review's label (recorded in its history like any label change), takes it off the list, and
/// leaves the agreement as measured.
#[test]
fn a_disagreement_is_settled() {
    let (_dir, app) = open(&reviewed_twice(), Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    // Track 20 is the first "yes, no": first says Alex Doe, second not on watchlist.
    h.get_by_label_contains("#20 — who:").click();
    h.run_steps(2);
    assert!(h.query_by_label("Track #20").is_some(), "selected");
    h.get_by_label("Keep the second reviewer's: not on watchlist")
        .click();
    h.run_steps(2);
    let document = workspace(&h).document();
    assert_eq!(document.tracks[20].label, GroundTruth::NotOnWatchlist);
    let change = document.label_history.last().expect("recorded");
    assert_eq!(
        (change.track.index(), change.from, change.to),
        (
            20,
            GroundTruth::OnWatchlist(IdentityId(0)),
            GroundTruth::NotOnWatchlist
        )
    );
    let seen = texts(&h);
    assert!(!seen.iter().any(|t| t.starts_with("#20 — who:")));
    assert!(
        seen.iter()
            .any(|t| t.contains("κ = 0.40 (n = 50 tracks, 70.0% agree)"))
    );
    assert_eq!(
        seen.iter()
            .filter(|t| t.contains("who: ") && t.starts_with('#'))
            .count(),
        14
    );
}

// ---------------------------------------------------------------------------------------------
// Expert #17: blind mode and the second review's integrity (findings 4, 5, 8).

/// The face card of `track` ("#3 · below threshold …"), not a disagreement line ("#3 — who:").
fn face_card_of<'a>(h: &'a Harness<'_, LineupApp>, track: usize) -> egui_kittest::Node<'a> {
    let prefix = format!("#{track} ");
    h.get_by(move |node| {
        node.label()
            .is_some_and(|l| l.starts_with(&prefix) && !l.contains("who:") && l.contains('\n'))
    })
}

/// Finding 5: having seen the second reviewer's answer in the disagreement list, the first
/// reviewer relabels the track (N) rather than settling it: kappa stays 0.40.
#[test]
fn relabelling_a_disagreement_instead_of_settling_it_leaves_kappa() {
    let (_dir, app) = open(&reviewed_twice(), Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    assert!(
        texts(&h)
            .iter()
            .any(|t| t.contains("κ = 0.40 (n = 50 tracks, 70.0% agree)"))
    );
    h.get_by_label_contains("#20 — who:").click();
    h.run_steps(2);
    h.key_press(egui::Key::N);
    h.run_steps(2);
    let document = workspace(&h).document();
    assert_eq!(document.tracks[20].label, GroundTruth::NotOnWatchlist);
    let settled = document.second_review.as_ref().unwrap().settled.len();
    let agreement = document.reviewer_agreement().unwrap().label;
    assert_eq!((agreement.n, agreement.agreed, settled), (50, 35, 0));
    let seen = texts(&h);
    assert!(
        seen.iter().any(|t| t.starts_with("#20 — who:")),
        "still open"
    );
    assert!(
        seen.iter()
            .any(|t| t.contains("when this review was first opened by a lineup that keeps them")),
        "says which first answers are compared"
    );
}

/// Finding 8: with blind mode on, no tab and not the status bar shows what the first reviewer's
/// labels imply; the Footage boxes show only alerts; blind mode is recorded, and the review
/// re-opens in it.
#[test]
fn blind_mode_hides_the_first_reviews_labels_on_every_tab() {
    let document = common::labelled::labelled_review();
    let (dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Label blind, as a second reviewer").click();
    h.run_steps(2);
    let mut leaks = Vec::new();
    for t in texts(&h) {
        if t.contains(" labelled, ") {
            leaks.push(format!("status bar (Faces, blind): {t}"));
        }
    }
    for tab in [
        "Watchlist",
        "Thresholds & slices",
        "Base rates",
        "Assessment",
    ] {
        h.get_by_label(tab).click();
        h.run_steps(3);
        for t in texts(&h) {
            let lower = t.to_lowercase();
            if lower.contains("known to be wrong")
                || lower.contains("false alert")
                || lower.contains("confirmed")
                || lower.contains("labelled")
                || lower.contains("gender of ")
            {
                leaks.push(format!("{tab}: {t}"));
            }
        }
    }
    leaks.dedup();
    leaks.truncate(30);
    assert!(leaks.is_empty(), "blind mode leaks:\n{}", leaks.join("\n"));
    let spells = &workspace(&h)
        .document()
        .second_review
        .as_ref()
        .unwrap()
        .blind;
    assert_eq!(spells.len(), 1);
    assert!(spells[0].ended.is_none());

    // Saved in blind mode, the review re-opens in it.
    h.get_by_label("Save").click();
    h.run_steps(2);
    let reopened = LineupApp::open(&dir.path().join("review.ron")).on_tab(Tab::Thresholds);
    let mut h = harness(reopened);
    h.run_steps(2);
    assert!(workspace(&h).is_blind());
    assert!(h.query_by_label_contains("Hidden in blind mode").is_some());
}

/// Finding 4: in blind mode undo never takes back the first reviewer's label (which the blind
/// reviewer cannot see); it takes back only the second reviewer's own.
#[test]
fn undo_in_blind_mode_leaves_the_first_reviewers_label() {
    let mut document = common::labelled::labelled_review();
    document.tracks[0].label = GroundTruth::Unlabelled;
    let (_dir, app) = open(&document, Tab::Faces);
    let mut h = harness(app);
    h.run_steps(2);
    face_card_of(&h, 0).click();
    h.run_steps(2);
    h.key_press(egui::Key::N);
    h.run_steps(2);
    h.get_by_label("Label blind, as a second reviewer").click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(
        workspace(&h).document().tracks[0].label,
        GroundTruth::NotOnWatchlist
    );
    face_card_of(&h, 0).click();
    h.run_steps(2);
    h.key_press(egui::Key::X);
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    let document = workspace(&h).document();
    assert_eq!(document.tracks[0].label, GroundTruth::NotOnWatchlist);
    let second = document.second_review.as_ref().unwrap();
    assert!(!second.labels.contains_key(&lineup::ids::TrackId(0)));
}
