//! The app on big reviews (egui_kittest): the Faces grid makes thumbnails only for the cards on
//! screen, in a bounded cache, and a review opens in the background with its progress shown.

#[path = "common/app.rs"]
mod app;
mod common;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::review;
use lineup::ui::{LineupApp, PictureCounts, Tab};

/// A review of `tracks` still tracks, each a face of the real crowd photo beside it (the
/// labelled fixture's people, all seen in that one picture).
fn still_review(case: &std::path::Path, tracks: u32) -> std::path::PathBuf {
    let footage = case.join("footage/crowd.jpg");
    std::fs::create_dir_all(footage.parent().unwrap()).unwrap();
    std::fs::copy(common::photo("crowd.jpg"), &footage).unwrap();
    let mut document = common::labelled::labelled_review_of(tracks);
    document.inputs[0].path = footage.clone();
    document.inputs[0].digest = Some(lineup::digest::sha256_file(&footage).unwrap());
    // A still has one frame, and a track holds one face a frame: each track keeps its first
    // face only.
    let firsts: Vec<_> = document
        .tracks
        .iter()
        .map(|track| document.detections[track.detections[0].index()].clone())
        .collect();
    document.detections = firsts;
    for (index, track) in document.tracks.iter_mut().enumerate() {
        track.detections = vec![lineup::ids::DetectionId(index)];
    }
    for detection in &mut document.detections {
        detection.source.frame_index = 0;
    }
    let path = case.join("review.ron");
    review::save(&document, &path).unwrap();
    path
}

fn counts(h: &Harness<'_, LineupApp>) -> PictureCounts {
    h.state().picture_counts().expect("a frame was drawn")
}

/// Runs frames until `done` holds, waiting between them for background work (the frame
/// loader, the open job); gives up after a while (a bound on waiting, not a timing).
fn run_until(h: &mut Harness<'static, LineupApp>, done: impl Fn(&Harness<'_, LineupApp>) -> bool) {
    for _ in 0..400 {
        let _ = h.run_ok();
        if done(h) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// Scrolls the Faces grid down by `pages` screens.
fn scroll_grid(h: &mut Harness<'static, LineupApp>, pages: f32) {
    h.hover_at(egui::pos2(300.0, 500.0));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Page,
        delta: egui::vec2(0.0, -pages),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    let _ = h.run_ok();
}

/// 5,000 tracks: the first frames make thumbnails for the cards on screen (a few dozen), not
/// for every track, and scrolling far keeps the cache within its bound.
#[test]
fn a_big_review_makes_thumbnails_only_for_the_cards_on_screen() {
    app::settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let path = still_review(dir.path(), 5_000);
    let mut h = app::harness(LineupApp::open(&path).on_tab(Tab::Faces));
    run_until(&mut h, |h| counts(h).thumbnails_made > 0);
    let first = counts(&h);
    assert!(first.thumbnails_made > 0, "no thumbnail was shown");
    assert!(
        first.thumbnails_made <= 200,
        "{} thumbnails made for one screen of cards",
        first.thumbnails_made
    );
    assert!(h.query_by_label_contains("#0 ").is_some());
    for _ in 0..30 {
        scroll_grid(&mut h, 5.0);
    }
    run_until(&mut h, |h| h.query_by_label_contains("#0 ").is_none());
    assert!(
        h.query_by_label_contains("#0 ").is_none(),
        "the grid scrolled"
    );
    let after = counts(&h);
    assert!(
        after.thumbnails_made < 5_000 && after.thumbnails <= 1_024,
        "after scrolling: {after:?}"
    );
    // Only the cards on screen are laid out.
    let cards = h
        .query_all_by(|node| {
            node.label()
                .is_some_and(|l| l.starts_with('#') && l.contains('\n'))
        })
        .count();
    assert!(cards <= 200, "{cards} cards laid out");
}

/// Every label and value on screen, as one text.
fn screen_text(h: &Harness<'_, LineupApp>) -> String {
    app::texts(h).join("\n")
}

/// A review read from a pipe only arrives when the test writes it: until then the window keeps
/// drawing frames and says what it is opening; then it shows the review.
#[cfg(unix)]
#[test]
fn a_review_opens_in_the_background_with_its_progress_shown() {
    app::settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let saved = still_review(dir.path(), 50);
    let pipe = dir.path().join("arriving.ron");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", pipe.display());
    let (seen, writer) = {
        let (seen, waiting) = std::sync::mpsc::channel::<()>();
        let (pipe, saved) = (pipe.clone(), saved.clone());
        let writer = std::thread::spawn(move || {
            // Writes once the test has seen the progress (or after a while, so that an app
            // that blocks on opening fails the test instead of hanging it).
            let _ = waiting.recv_timeout(std::time::Duration::from_secs(20));
            std::fs::write(&pipe, std::fs::read(&saved).unwrap()).unwrap();
        });
        (seen, writer)
    };
    let mut h = app::harness(LineupApp::open_in_background(&pipe).on_tab(Tab::Faces));
    for _ in 0..5 {
        let _ = h.run_ok();
    }
    let progress = screen_text(&h);
    let _ = seen.send(());
    assert!(
        progress.contains("Opening arriving.ron…"),
        "no progress shown while reading: {progress}"
    );
    assert!(h.state().workspace().is_none());
    run_until(&mut h, |h| h.state().workspace().is_some());
    writer.join().unwrap();
    assert_eq!(app::workspace(&h).document().tracks.len(), 50);
    assert!(
        h.query_by_label_contains("#0 ").is_some(),
        "the Faces screen"
    );
    assert!(!screen_text(&h).contains("Opening arriving.ron"));
}

/// A file that is not a review: the window says which file and why, and no review opens.
#[test]
fn a_corrupt_review_opened_in_the_background_names_the_file_and_why() {
    app::settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.ron");
    std::fs::write(&path, "(schema_version: 3, this is not a review").unwrap();
    let mut h = app::harness(LineupApp::open_in_background(&path));
    run_until(&mut h, |h| screen_text(h).contains("damaged.ron:"));
    let text = screen_text(&h);
    assert!(
        text.contains(&format!("{}:", path.display())),
        "the error names the file: {text}"
    );
    assert!(h.state().workspace().is_none());
    assert!(!text.contains("Opening damaged.ron"), "{text}");
}
