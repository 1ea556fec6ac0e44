//! The threshold slider of a review whose recognizer scores by distance (dlib's ResNet-29):
//! shown and set as the distance, on the distance's range, and never moved by being drawn.

#[path = "common/app.rs"]
mod app;
mod common;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use lineup::review::ReviewDocument;
use lineup::ui::Tab;
use lineup::vision::manifest::Metric;
use lineup::vision::{ModelRole, runtime};

/// The labelled fixture as if dlib had scored it: its recognizer record is dlib's, and its
/// threshold dlib's 0.6, stored negated.
fn dlib_review() -> ReviewDocument {
    let mut document = common::labelled::labelled_review();
    let dlib = runtime::model_spec(ModelRole::SecondRecognizer).record();
    let recognizer = document
        .models
        .iter_mut()
        .find(|m| m.role != ModelRole::Detector)
        .unwrap();
    *recognizer = lineup::vision::ModelRecord {
        role: ModelRole::Recognizer,
        ..dlib
    };
    for detection in &mut document.detections {
        for candidate in &mut detection.candidates {
            candidate.score = -(1.0 - candidate.score);
        }
    }
    document.settings.threshold = Metric::Euclidean.score(0.6);
    document
}

#[test]
fn a_distance_threshold_is_shown_and_set_as_the_distance() {
    let (_dir, app) = app::open(&dlib_review(), Tab::Thresholds);
    let mut h = app::harness(app);
    h.run();
    // Drawing the slider leaves the review's threshold as it is.
    assert_eq!(app::workspace(&h).threshold(), -0.6);
    assert!(
        h.query_by_label_contains("Euclidean distance").is_some(),
        "{:?}",
        app::texts(&h)
    );
    h.get_by_role_and_label(Role::Slider, "Match threshold")
        .set_value_accesskit(0.5);
    h.run();
    assert_eq!(app::workspace(&h).threshold(), -0.5);
}
