//! The app says what an analysis will take: the new-analysis form, from the chosen footage's
//! headers read in the background, before anything starts; the status bar, from the run's own
//! first frames, while it runs. And before anything starts, the form checks where the review is
//! to be saved: a path no review can be saved at is refused, a file there is replaced only once
//! the person says so.

mod common;

#[path = "common/app.rs"]
mod app;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::footage::Sampling;
use lineup::ui::LineupApp;

/// The app's settings and its enrolment cache in temporary folders, once per test binary.
fn temporary_folders() {
    app::settings_folder();
    static CACHE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: set once, before any app of this test binary reads it.
        unsafe { std::env::set_var("LINEUP_CACHE_DIR", dir.path()) };
        dir
    });
}

/// The text box labelled `label` holds `text` after typing it.
fn type_into(h: &mut Harness<'static, LineupApp>, label: &str, text: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

/// Runs frames until some label contains `needle` (work on other threads may take a while),
/// and gives that label.
fn wait_for_label(h: &mut Harness<'static, LineupApp>, needle: &str) -> String {
    let started = Instant::now();
    loop {
        if let Some(found) = app::texts(h).into_iter().find(|t| t.contains(needle)) {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no {needle:?} on screen: {:?}",
            app::texts(h)
        );
        std::thread::sleep(Duration::from_millis(20));
        h.run();
    }
}

fn add_footage(h: &mut Harness<'static, LineupApp>, path: &std::path::Path) {
    type_into(h, "Footage file or folder", &path.display().to_string());
    h.get_by_label("Add").click();
    h.run();
}

#[test]
fn the_new_analysis_form_says_the_sampling_frames_and_time_before_it_starts() {
    temporary_folders();
    let mut h = app::harness(LineupApp::start());
    h.run();
    assert!(
        h.query_by_label_contains("Estimate:").is_none(),
        "no estimate without footage"
    );
    add_footage(&mut h, &common::clip("faces_h264.mp4"));
    let estimate = wait_for_label(&mut h, "Estimate:");
    assert!(estimate.contains("75 frames"), "{estimate}");
    assert!(
        estimate.contains("every frame of 1 video (3 s)"),
        "{estimate}"
    );
    assert!(
        estimate.contains("frames a second on 2 cores"),
        "{estimate}"
    );
    let sampling = wait_for_label(&mut h, "by default");
    assert!(
        sampling.starts_with("Sampling every by default"),
        "{sampling}"
    );

    // Another sampling chosen: the estimate is of it, and the analysis will use it.
    h.get_by_label("Sampling of the video").click();
    h.run();
    h.get_by_label("at most 5 frames a second").click();
    h.run();
    let estimate = wait_for_label(&mut h, "Estimate:");
    assert!(
        estimate.contains("15 frames (at most 5 frames a second of 1 video"),
        "{estimate}"
    );

    // Another input changes the estimate: the list is read again.
    add_footage(&mut h, &common::photo("crowd.jpg"));
    let estimate = wait_for_label(&mut h, "16 frames");
    assert!(estimate.contains("and 1 still"), "{estimate}");

    // The analysis runs at the sampling chosen.
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    type_into(
        &mut h,
        "Watchlist folder",
        &watchlist.path().display().to_string(),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review.ron");
    type_into(&mut h, "Save the new review as", &out.display().to_string());
    h.get_by_label("Analyse").click();
    let started = Instant::now();
    while h.state().workspace().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{:?}",
            app::texts(&h)
        );
        std::thread::sleep(Duration::from_millis(50));
        h.run();
    }
    let document = app::workspace(&h).document();
    assert_eq!(document.settings.sampling, Sampling::PerSecond(5.0));
    assert_eq!(document.inputs[0].frames_analysed, 15);
}

#[test]
fn the_status_bar_says_the_time_left_and_review_size_once_the_first_frames_are_timed() {
    temporary_folders();
    let dir = tempfile::tempdir().unwrap();
    // Eight copies of the 75-frame clip: far more frames than the calibration's, so the run is
    // still going when its own estimate is shown.
    let footage = dir.path().join("footage");
    std::fs::create_dir(&footage).unwrap();
    for k in 0..8 {
        std::fs::copy(
            common::clip("faces_h264.mp4"),
            footage.join(format!("clip-{k}.mp4")),
        )
        .unwrap();
    }
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let mut h = app::harness(LineupApp::start());
    h.run();
    add_footage(&mut h, &footage);
    type_into(
        &mut h,
        "Watchlist folder",
        &watchlist.path().display().to_string(),
    );
    let estimate = wait_for_label(&mut h, "Estimate:");
    assert!(estimate.contains("600 frames"), "{estimate}");
    let out = dir.path().join("review.ron");
    type_into(&mut h, "Save the new review as", &out.display().to_string());
    h.get_by_label("Analyse").click();
    h.run();
    let measured = wait_for_label(&mut h, "Measured on the first");
    assert!(measured.contains("left"), "{measured}");
    assert!(measured.contains("review about"), "{measured}");
    assert!(measured.contains("faces a frame"), "{measured}");
    h.get_by_label("Cancel analysis").click();
    let started = Instant::now();
    while h.state().workspace().is_none() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(50));
        h.run();
    }
}

/// Whether an analysis is running (its Cancel button is in the status bar).
fn analysing(h: &Harness<'static, LineupApp>) -> bool {
    h.query_by_label("Cancel analysis").is_some()
}

/// The start screen with a photo as footage and a one-person watchlist, its estimate read (the
/// Analyse button is enabled), and `out` typed as where to save the review.
fn form_ready_to_save_at(
    out: &std::path::Path,
) -> (Harness<'static, LineupApp>, tempfile::TempDir) {
    temporary_folders();
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let mut h = app::harness(LineupApp::start());
    h.run();
    add_footage(&mut h, &common::photo("obama3.jpg"));
    type_into(
        &mut h,
        "Watchlist folder",
        &watchlist.path().display().to_string(),
    );
    wait_for_label(&mut h, "Estimate:");
    type_into(&mut h, "Save the new review as", &out.display().to_string());
    (h, watchlist)
}

/// A review already at the typed path (a reviewer's labels) is not written over until the
/// person presses Replace: Analyse asks instead of starting, and the file's bytes stay as they
/// were; after Replace the analysis runs and its review takes the file's place.
#[test]
fn a_review_at_the_typed_path_is_replaced_only_once_the_person_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("labelled.ron");
    let earlier = b"(a reviewer's labelled review)".to_vec();
    std::fs::write(&out, &earlier).unwrap();
    let (mut h, _watchlist) = form_ready_to_save_at(&out);
    h.get_by_label("Analyse").click();
    h.run_steps(3);
    assert!(!analysing(&h), "the analysis started: {:?}", app::texts(&h));
    let question = wait_for_label(&mut h, "already exists");
    assert!(question.contains(&out.display().to_string()), "{question}");
    // However long the question waits, nothing writes the file.
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(25));
        h.run();
    }
    assert!(!analysing(&h));
    assert!(h.state().workspace().is_none());
    assert_eq!(std::fs::read(&out).unwrap(), earlier);

    // Kept: the question goes, the file stays.
    h.get_by_label("Keep it").click();
    h.run();
    assert!(h.query_by_label_contains("already exists").is_none());
    assert_eq!(std::fs::read(&out).unwrap(), earlier);

    // Asked again and replaced: the analysis runs and its review is at the path.
    h.get_by_label("Analyse").click();
    h.run();
    wait_for_label(&mut h, "already exists");
    h.get_by_label("Replace").click();
    let started = Instant::now();
    while h.state().workspace().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{:?}",
            app::texts(&h)
        );
        std::thread::sleep(Duration::from_millis(50));
        h.run();
    }
    let saved = lineup::review::load(&out).unwrap();
    assert_eq!(saved.inputs.len(), 1);
}

/// A path no review and sidecar can be saved at (a missing folder; a name too long for the file
/// system) is refused when Analyse is pressed, before any analysis
/// runs, with the reason naming the file, as `lineup analyze --out` refuses it.
#[test]
fn a_path_no_review_can_be_saved_at_is_refused_before_the_analysis_runs() {
    let dir = tempfile::tempdir().unwrap();
    for out in [
        dir.path().join("no such folder/review.ron"),
        dir.path().join(format!("{}.ron", "a".repeat(252))),
    ] {
        let (mut h, _watchlist) = form_ready_to_save_at(&out);
        h.get_by_label("Analyse").click();
        h.run_steps(3);
        assert!(!analysing(&h), "the analysis started for {}", out.display());
        let refusal = wait_for_label(&mut h, "cannot be saved");
        assert!(refusal.contains(&out.display().to_string()), "{refusal}");
        assert!(refusal.contains("cannot be created"), "{refusal}");
        for _ in 0..10 {
            std::thread::sleep(Duration::from_millis(25));
            h.run();
        }
        assert!(!analysing(&h));
        assert!(h.state().workspace().is_none());
        assert!(h.query_by_label("Replace").is_none());
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was left behind"
    );
}
