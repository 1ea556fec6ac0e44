//! The desktop app's footage and labelling screens on real pictures (egui_kittest): video
//! playback that shows frames, the per-track filmstrip, and a second reviewer labelling blind.

mod common;

use std::time::Duration;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use lineup::ids::{DetectionId, IdentityId};
use lineup::matching::Candidate;
use lineup::review::{self, DetectionRecord, SourceRef, Track};
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
