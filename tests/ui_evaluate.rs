//! The start screen's "Evaluate a photo set": the same job as `lineup evaluate`, run on a
//! background thread with the analysis's progress and cancel, saved and opened fully labelled.

mod common;

#[path = "common/app.rs"]
mod app;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::review::GroundTruth;
use lineup::ui::LineupApp;

#[test]
fn a_photo_set_is_evaluated_from_the_start_screen_and_opens_labelled() {
    app::settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    for (person, photos) in [
        ("Barack Obama", &["obama.jpg", "obama2.jpg"][..]),
        ("Joe Biden", &["biden.jpg"][..]),
    ] {
        std::fs::create_dir_all(set.join(person)).unwrap();
        for photo in photos {
            std::fs::copy(common::photo(photo), set.join(person).join(photo)).unwrap();
        }
    }
    let people = dir.path().join("people.csv");
    std::fs::write(
        &people,
        "person,gender\nBarack Obama,male\nJoe Biden,male\n",
    )
    .unwrap();
    let out = dir.path().join("evaluation.ron");

    let mut h = app::harness(LineupApp::start());
    h.run();
    type_into(&mut h, "Photo set folder", &set.display().to_string());
    type_into(
        &mut h,
        "People's attributes (CSV, optional)",
        &people.display().to_string(),
    );
    type_into(&mut h, "Save the evaluation as", &out.display().to_string());
    // The seed and enrol share start at `lineup evaluate`'s defaults, and can be changed.
    assert_eq!(h.get_by_label("Seed").value().as_deref(), Some("0"));
    assert_eq!(
        h.get_by_label("Enrol share (0–1)").value().as_deref(),
        Some("0.5")
    );
    replace_in(&mut h, "Seed", "7");
    replace_in(&mut h, "Enrol share (0–1)", "1");
    assert!(
        app::texts(&h)
            .iter()
            .any(|t| t.contains("enrols everybody or nobody")),
        "a share that enrols one side only is refused before it runs: {:?}",
        app::texts(&h)
    );
    replace_in(&mut h, "Enrol share (0–1)", "0.4");
    h.get_by_label("Evaluate").click();
    let started = std::time::Instant::now();
    while h.state().workspace().is_none() {
        assert!(
            started.elapsed().as_secs() < 120,
            "the evaluation did not finish: {:?}",
            app::texts(&h)
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
        h.run();
    }
    let document = app::workspace(&h).document();
    let protocol = document
        .evaluation_protocol
        .as_ref()
        .expect("the review records its protocol");
    assert_eq!((protocol.people, protocol.photos), (2, 3));
    assert_eq!((protocol.seed, protocol.enrol_share), (7, 0.4));
    assert_eq!(protocol.enrolled, 1, "0.4 of two people, rounded");
    assert_eq!(
        protocol.mated_searches + protocol.non_mated_searches,
        document.tracks.len()
    );
    assert!(
        document
            .tracks
            .iter()
            .all(|t| t.label != GroundTruth::Unlabelled)
    );
    assert!(out.is_file(), "the review is saved where asked");
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

/// The text box labelled `label` holds `text` alone after selecting all it held and typing.
fn replace_in(h: &mut Harness<'static, LineupApp>, label: &str, text: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
    app::push_key(h, egui::Key::A, egui::Modifiers::COMMAND);
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
    assert_eq!(h.get_by_label(label).value().as_deref(), Some(text));
}

/// As the analysis form: an evaluation saved where a file already is asks first and leaves the
/// file as it was; a path no review can be saved at is refused before it runs.
#[test]
fn an_evaluation_asks_before_replacing_a_file_and_refuses_an_unsaveable_path() {
    app::settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("evaluation.ron");
    std::fs::write(&out, "(an earlier evaluation)").unwrap();
    let mut h = app::harness(LineupApp::start());
    h.run();
    type_into(
        &mut h,
        "Photo set folder",
        &dir.path().display().to_string(),
    );
    type_into(&mut h, "Save the evaluation as", &out.display().to_string());
    h.get_by_label("Evaluate").click();
    h.run_steps(3);
    let said = |h: &Harness<'static, LineupApp>, words: &str| {
        app::texts(h).into_iter().find(|t| t.contains(words))
    };
    assert!(h.query_by_label("Cancel analysis").is_none(), "it started");
    let question = said(&h, "already exists").expect("the form asks");
    assert!(question.contains(&out.display().to_string()), "{question}");
    assert!(h.query_by_label("Replace").is_some());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "(an earlier evaluation)"
    );

    // Another path typed: the question goes; a folder that is not there is refused.
    let nowhere = dir.path().join("not there/evaluation.ron");
    replace_in(
        &mut h,
        "Save the evaluation as",
        &nowhere.display().to_string(),
    );
    assert!(said(&h, "already exists").is_none());
    h.get_by_label("Evaluate").click();
    h.run_steps(3);
    assert!(h.query_by_label("Cancel analysis").is_none(), "it started");
    let refusal = said(&h, "cannot be saved").expect("the form refuses");
    assert!(
        refusal.contains(&nowhere.display().to_string()),
        "{refusal}"
    );
}
