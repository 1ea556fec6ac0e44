//! The desktop app driven through its accessibility tree (egui_kittest), on real app state:
//! open a review, move the threshold, label by keyboard, change the slicing, undo; and snapshots
//! of the main screens (rendered with wgpu; on CI, Mesa's lavapipe).

mod common;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lineup::review::{self, GroundTruth};
use lineup::ui::LineupApp;
use lineup::workspace::Workspace;

/// The labelled fixture saved to a temporary file and opened as a person would.
fn opened_app() -> (tempfile::TempDir, LineupApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(&common::labelled::labelled_review(), &path).unwrap();
    (dir, LineupApp::open(&path))
}

fn harness(app: LineupApp) -> Harness<'static, LineupApp> {
    temporary_settings_folder();
    Harness::builder()
        .with_size([1280.0, 720.0])
        // Thumbnails come from a background loader, which asks for a repaint as each arrives; on
        // a busy machine they arrive over more frames than kittest's default 4.
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut LineupApp| app.show(ui), app)
}

fn workspace<'a>(h: &'a Harness<'_, LineupApp>) -> &'a Workspace {
    h.state().workspace().expect("a review is open")
}

#[test]
fn moving_the_threshold_slider_changes_alerts_and_metrics() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Thresholds & slices").click();
    h.run();
    let before_alerts = workspace(&h).alerting_tracks().len();
    let before_fpir = workspace(&h).evaluation().pooled.fpir;
    assert!(
        h.query_by_label_contains(&format!(
            "{before_alerts} of 600 face tracks raise an alert"
        ))
        .is_some()
    );

    h.get_by_role_and_label(Role::Slider, "Match threshold")
        .set_value_accesskit(0.4);
    h.run();
    assert!((workspace(&h).threshold() - 0.4).abs() < 1e-6);
    let after_alerts = workspace(&h).alerting_tracks().len();
    assert!(
        after_alerts > before_alerts,
        "{before_alerts} → {after_alerts}"
    );
    assert!(
        h.query_by_label_contains(&format!("{after_alerts} of 600 face tracks raise an alert"))
            .is_some()
    );
    let after_fpir = workspace(&h).evaluation().pooled.fpir;
    assert!(after_fpir.k > before_fpir.k);
    // The table shows the new pooled FPIR in the same frame.
    let shown = lineup::assessment::wording::rate_text(&after_fpir);
    assert!(
        h.query_all_by_label(&shown).count() >= 1,
        "table lacks {shown}"
    );
}

#[test]
fn a_track_is_labelled_by_keyboard_and_undone() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.run();
    let unlabelled = workspace(&h)
        .document()
        .tracks
        .iter()
        .position(|t| t.label == GroundTruth::Unlabelled)
        .unwrap();
    h.get_by_label_contains(&format!("#{unlabelled} ")).click();
    h.run();
    h.key_press(egui::Key::N);
    h.run();
    assert_eq!(
        workspace(&h).document().tracks[unlabelled].label,
        GroundTruth::NotOnWatchlist
    );
    h.key_press(egui::Key::X);
    h.run();
    assert_eq!(
        workspace(&h).document().tracks[unlabelled].label,
        GroundTruth::NotAFace
    );
    h.get_by_label("Undo").click();
    h.run();
    assert_eq!(
        workspace(&h).document().tracks[unlabelled].label,
        GroundTruth::NotOnWatchlist
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(
        workspace(&h).document().tracks[unlabelled].label,
        GroundTruth::Unlabelled
    );
    assert!(!workspace(&h).can_undo());
}

#[test]
fn a_skin_tone_suggestion_is_shown_with_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let mut document = common::labelled::labelled_review();
    document.tracks[0].skin_tone_suggestion = Some(4);
    document.tracks[0].skin_tone_range = Some((3, 5));
    review::save(&document, &path).unwrap();
    let mut h = harness(LineupApp::open(&path));
    h.run();
    h.get_by_label_contains("#0 ").click();
    h.run();
    assert!(
        h.query_by_label_contains("Monk 4, range 3–5").is_some(),
        "the suggestion is shown with its range"
    );
}

#[test]
fn changing_the_slicing_rebuilds_the_table() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Thresholds & slices").click();
    h.run();
    assert_eq!(workspace(&h).evaluation().names, ["everyone"]);
    h.get_by_role_and_label(Role::CheckBox, "skin").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, "gender").click();
    h.run();
    assert_eq!(
        workspace(&h).document().slicing.attributes,
        ["skin", "gender"]
    );
    assert!(h.query_all_by_label("Monk 7–10 × female").count() >= 1);
    h.get_by_role_and_label(Role::CheckBox, "skin").click();
    h.run();
    assert_eq!(h.query_all_by_label("Monk 7–10 × female").count(), 0);
    assert!(h.query_all_by_label("female").count() >= 1);
}

#[test]
fn base_rates_say_how_many_alerts_would_be_wrong() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Base rates").click();
    h.run();
    assert!(h.query_by_label_contains("alerts would be wrong").is_some());
}

#[test]
fn a_file_that_is_not_a_review_is_reported_on_the_start_screen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.ron");
    std::fs::write(&path, "hello").unwrap();
    let mut h = harness(LineupApp::open(&path));
    h.run();
    assert!(h.state().workspace().is_none());
    assert!(h.query_by_label_contains("not a lineup review").is_some());
    assert!(h.query_by_label("Open the demo").is_some());
}

#[test]
fn snapshot_of_the_start_screen() {
    let mut h = harness(LineupApp::start());
    h.run();
    h.snapshot("start");
}

#[test]
fn snapshots_of_the_review_screens() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.run();
    h.snapshot("faces");
    for (tab, name) in [
        ("Thresholds & slices", "thresholds"),
        ("Base rates", "base_rates"),
        ("Watchlist", "watchlist"),
    ] {
        h.get_by_label(tab).click();
        h.run();
        if name == "thresholds" {
            h.get_by_role_and_label(Role::CheckBox, "skin").click();
            h.run();
        }
        h.snapshot(name);
    }
}

#[test]
fn the_assessment_is_prefilled_and_edited_in_the_app() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Assessment").click();
    h.run();
    assert!(workspace(&h).document().assessment.title.is_empty());
    h.get_by_label("Fill in what lineup knows").click();
    h.run();
    let filled = &workspace(&h).document().assessment;
    assert!(!filled.title.is_empty());
    assert!(!filled.risks.is_empty(), "the standard risks are listed");
    // The recommendation is one of many sections: scroll down to it first.
    h.get_by_label("Do not deploy").scroll_to_me();
    h.run();
    h.get_by_label("Do not deploy").click();
    h.run();
    assert_eq!(
        workspace(&h).document().assessment.recommendation.decision,
        Some(lineup::assessment::Decision::DoNotDeploy)
    );
    assert!(h.query_by_label("Export signed bundle").is_some());
}

/// lineup's suggested mitigations are marked as such in the editor, as in the report, until
/// the reviewer adopts them; placeholder text is marked as missing.
#[test]
fn suggested_mitigations_are_drafts_until_adopted_and_placeholders_are_missing() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Assessment").click();
    h.run();
    h.get_by_label("Fill in what lineup knows").click();
    h.run();
    let pending = "missing: the mitigations (lineup's suggestions are not yet adopted)";
    assert!(h.query_by_label(pending).is_some());
    assert!(
        h.query_by_label_contains("lineup's suggestions, not adopted")
            .is_some()
    );
    let adopt = "I adopt these mitigations: each will be in place";
    h.get_by_role_and_label(Role::CheckBox, adopt)
        .scroll_to_me();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, adopt).click();
    h.run();
    h.run();
    assert!(workspace(&h).document().assessment.mitigations_adopted);
    assert!(h.query_by_label(pending).is_none());

    let retention =
        lineup::assessment::sections::section(lineup::assessment::sections::SectionId::Retention);
    let label = retention.fields[0].label;
    h.get_by_role_and_label(Role::MultilineTextInput, label)
        .scroll_to_me();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, label)
        .click();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, label)
        .type_text("TBD");
    h.run();
    h.run();
    assert!(
        h.query_by_label("missing: retention and deletion (placeholder text)")
            .is_some()
    );
}

/// The editor shows every section of the assessment with its guidance, marks each one still
/// missing something as the report will, and clears the mark once the reviewer writes it.
#[test]
fn every_assessment_section_is_in_the_editor_and_marked_until_filled() {
    use lineup::assessment::sections::{SECTIONS, SectionId, section};
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Assessment").click();
    h.run();
    for section in &SECTIONS {
        assert!(
            h.query_by_label(&section.heading()).is_some(),
            "{} is not in the editor",
            section.heading()
        );
        assert!(
            h.query_by_label(section.guidance).is_some(),
            "{} has no guidance",
            section.title
        );
    }
    let retention = section(SectionId::Retention);
    assert!(
        h.query_by_label("missing: retention and deletion")
            .is_some()
    );
    assert!(h.query_by_label_contains("stamped DRAFT").is_some());
    let field = &retention.fields[0];
    let edit = h.get_by_role_and_label(Role::MultilineTextInput, field.label);
    edit.scroll_to_me();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, field.label)
        .click();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, field.label)
        .type_text("Faces without an alert are deleted at once.");
    h.run();
    h.run();
    assert_eq!(
        workspace(&h).document().assessment.retention,
        "Faces without an alert are deleted at once."
    );
    assert!(
        h.query_by_label("missing: retention and deletion")
            .is_none()
    );
    let daily = h.get_by_role_and_label(Role::TextInput, "People passing per day");
    daily.scroll_to_me();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "People passing per day")
        .click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "People passing per day")
        .type_text("20000");
    h.run();
    assert_eq!(
        workspace(&h).document().assessment.people_per_day,
        Some(20_000)
    );
}

#[test]
fn the_faces_grid_filters_by_slice() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Thresholds & slices").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, "skin").click();
    h.run();
    h.get_by_label("Faces").click();
    h.run();
    let sliced = workspace(&h).sliced().clone();
    let dark = sliced.names.iter().position(|n| n == "Monk 7–10").unwrap();
    let expected = sliced.searches.iter().filter(|s| s.slice == dark).count();
    assert!(expected > 0 && expected < 600);
    h.get_by_label("Slice").click();
    h.run();
    h.get_by_label("Monk 7–10").click();
    h.run();
    assert!(
        h.query_by_label(&format!("{expected} tracks")).is_some(),
        "expected {expected} tracks shown"
    );
}

/// A reviewer typing faster than frames render: 20 keys arrive in one frame (label, move,
/// label, move, …). Each label lands on the track selected when its key was pressed.
#[test]
fn every_key_pressed_within_one_frame_is_applied_in_order() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("#0 ").click();
    h.run();
    // Straight into the next frame's input: kittest's key_press would give each its own frame.
    let labels = [egui::Key::N, egui::Key::X];
    for step in 0..10 {
        for key in [labels[step % 2], egui::Key::ArrowRight] {
            for pressed in [true, false] {
                h.input_mut().events.push(egui::Event::Key {
                    key,
                    pressed,
                    modifiers: egui::Modifiers::NONE,
                    repeat: false,
                    physical_key: None,
                });
            }
        }
    }
    h.run();
    let document = workspace(&h).document();
    for track in 0..10 {
        let want = if track % 2 == 0 {
            GroundTruth::NotOnWatchlist
        } else {
            GroundTruth::NotAFace
        };
        assert_eq!(document.tracks[track].label, want, "track {track}");
    }
    // Ten labels were ten edits, undone one by one.
    for _ in 0..10 {
        h.get_by_label("Undo").click();
        h.run();
    }
    let original = common::labelled::labelled_review();
    for track in 0..10 {
        assert_eq!(
            workspace(&h).document().tracks[track].label,
            original.tracks[track].label
        );
    }
}

/// Moving the selection with the arrow keys past the cards on screen scrolls the grid, so the
/// reviewer always sees the face they are labelling.
#[test]
fn the_selected_card_is_scrolled_into_view() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("#0 ").click();
    h.run();
    for _ in 0..60 {
        h.key_press(egui::Key::ArrowRight);
        h.run();
    }
    let card = h.get_by_label_contains("#60 ").rect();
    assert!(
        card.min.y >= 0.0 && card.max.y <= 720.0,
        "card #60 is off screen at {card:?}"
    );
}

/// With several tracks selected, "accept the suggestion" gives each its own suggested value.
#[test]
fn accepting_suggestions_gives_each_selected_track_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let mut document = common::labelled::labelled_review();
    document.tracks[0].skin_tone_suggestion = Some(3);
    document.tracks[0].skin_tone_range = Some((2, 4));
    document.tracks[1].skin_tone_suggestion = Some(8);
    document.tracks[1].skin_tone_range = Some((7, 9));
    review::save(&document, &path).unwrap();
    let mut h = harness(LineupApp::open(&path));
    h.run();
    h.get_by_label_contains("#0 ").click();
    h.run();
    h.get_by_label_contains("#1 ")
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run();
    h.get_by_label_contains("Accept each track's suggestion")
        .click();
    h.run();
    let tracks = &workspace(&h).document().tracks;
    assert_eq!(tracks[0].attributes["skin"], "3");
    assert_eq!(tracks[1].attributes["skin"], "8");
}

/// The Faces slice filter names a slice of the slicing it was chosen in; when the slicing
/// changes, it is dropped rather than pointing at whatever slice now has that number.
#[test]
fn the_faces_slice_filter_follows_the_slicing() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Thresholds & slices").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, "skin").click();
    h.run();
    h.get_by_label("Faces").click();
    h.run();
    h.get_by_label("Slice").click();
    h.run();
    h.get_by_label("Monk 7–10").click();
    h.run();
    // Now slice by gender too: slice number 2 is "Monk 1–3 × other", not Monk 7–10.
    h.get_by_label("Thresholds & slices").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, "gender").click();
    h.run();
    h.get_by_label("Faces").click();
    h.run();
    assert!(
        h.query_by_label("600 tracks").is_some(),
        "the filter should fall back to all tracks"
    );
}

/// With a group at its own threshold, the status bar and the threshold screen count alerts at
/// the thresholds the rates use, and say so.
#[test]
fn every_screen_counts_alerts_at_the_thresholds_the_rates_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let mut document = common::labelled::labelled_review();
    document.slicing = review::Slicing::by(&["skin"]);
    document.slice_thresholds.insert("Monk 7–10".into(), 0.95);
    review::save(&document, &path).unwrap();
    let mut h = harness(LineupApp::open(&path));
    h.run();
    let alerts = workspace(&h).alerting_tracks().len();
    let global = {
        let mut plain = document.clone();
        plain.slice_thresholds.clear();
        Workspace::new(plain, None).alerting_tracks().len()
    };
    assert!(alerts < global, "{alerts} vs {global}");
    assert!(
        h.query_by_label_contains(&format!(
            "{alerts} alerts at 0.60 (1 group at its own threshold)"
        ))
        .is_some(),
        "status bar"
    );
    h.get_by_label("Thresholds & slices").click();
    h.run();
    assert!(
        h.query_by_label_contains(&format!(
            "{alerts} of 600 face tracks raise an alert at 0.60 (1 group at its own threshold)"
        ))
        .is_some()
    );
}

/// The threshold can be typed exactly: "0.3" in the slider's value box is 0.3.
#[test]
fn the_threshold_can_be_typed_exactly() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.get_by_label("Thresholds & slices").click();
    h.run();
    let value = h
        .get_all_by_role(Role::SpinButton)
        .next()
        .expect("a value box");
    value.click();
    h.run();
    let value = h.get_all_by_role(Role::SpinButton).next().unwrap();
    value.type_text("0.3");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    let threshold = workspace(&h).threshold();
    assert!((threshold - 0.3).abs() < 1e-6, "typed 0.3, got {threshold}");
    // Wide enough to move in steps of 0.005 (its range is 1.2): at least one pixel a step.
    let slider = h
        .get_by_role_and_label(Role::Slider, "Match threshold")
        .rect();
    assert!(
        slider.width() >= 1.2 / 0.005,
        "slider {} px wide",
        slider.width()
    );
}

/// Closing a review with unsaved edits asks first: Cancel keeps it open, "Close without saving"
/// closes it and leaves the file as it was, "Save and close" saves the edit.
#[test]
fn closing_with_unsaved_edits_asks_first() {
    let (dir, app) = opened_app();
    let path = dir.path().join("review.ron");
    let mut h = harness(app);
    h.run();
    let unlabelled = workspace(&h)
        .document()
        .tracks
        .iter()
        .position(|t| t.label == GroundTruth::Unlabelled)
        .unwrap();
    h.get_by_label_contains(&format!("#{unlabelled} ")).click();
    h.run();
    h.key_press(egui::Key::N);
    h.run();
    h.get_by_label("Close").click();
    h.run();
    assert!(h.state().workspace().is_some(), "closed without asking");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.state().workspace().is_some());

    h.get_by_label("Close").click();
    h.run();
    h.get_by_label("Save and close").click();
    h.run();
    assert!(h.state().workspace().is_none());
    let saved = review::load(&path).unwrap();
    assert_eq!(saved.tracks[unlabelled].label, GroundTruth::NotOnWatchlist);

    // Open again, edit, and close without saving: the file keeps the saved label.
    let mut h = harness(LineupApp::open(&path));
    h.run();
    h.get_by_label_contains(&format!("#{unlabelled} ")).click();
    h.run();
    h.key_press(egui::Key::X);
    h.run();
    h.get_by_label("Close").click();
    h.run();
    h.get_by_label("Close without saving").click();
    h.run();
    assert!(h.state().workspace().is_none());
    assert_eq!(
        review::load(&path).unwrap().tracks[unlabelled].label,
        GroundTruth::NotOnWatchlist
    );
}

/// Autosave runs on its timer, not on the next input: after an edit the app asks to be woken
/// when the autosave falls due, even if the person touches nothing.
#[test]
fn an_edit_wakes_the_app_when_its_autosave_is_due() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    // Until every picture has arrived: a spinner still turning would ask for the next frame
    // itself and hide whether the edit did.
    let settled = |h: &mut Harness<'static, LineupApp>| {
        assert!(
            (0..20).any(|_| h.try_run().is_ok()),
            "the pictures never finished loading"
        )
    };
    settled(&mut h);
    h.get_by_label_contains("#1 ").click();
    settled(&mut h);
    h.key_press(egui::Key::N);
    settled(&mut h);
    let delay = h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert!(
        delay <= lineup::workspace::AUTOSAVE_AFTER,
        "next frame only in {delay:?}: the autosave would wait for input"
    );
}

/// At 1024×700 (a small laptop) every screen's controls can be reached, down to exporting and
/// verifying a bundle on the Assessment screen.
#[test]
fn every_screen_fits_a_small_laptop_screen() {
    let (_dir, app) = opened_app();
    let mut h = Harness::builder()
        .with_size([1024.0, 700.0])
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut LineupApp| app.show(ui), app);
    h.run();
    h.get_by_label_contains("#0 ").click();
    h.run();
    for (tab, controls) in [
        ("Faces", &["Not on the watchlist (N)", "Unlabelled (U)"][..]),
        (
            "Thresholds & slices",
            &["Match threshold", "Group the others are compared against"],
        ),
        (
            "Base rates",
            &["People passing the cameras", "Who bears the harm"],
        ),
        (
            "Assessment",
            &[
                "Choose secret key…",
                "Verify a bundle…",
                "Verify a bundle .zip…",
            ],
        ),
    ] {
        h.get_by_label(tab).click();
        h.run();
        for label in controls {
            let first = |h: &Harness<'static, LineupApp>| {
                h.query_all_by_label_contains(label)
                    .next()
                    .map(|node| node.rect())
            };
            assert!(first(&h).is_some(), "{tab}: no {label}");
            h.query_all_by_label_contains(label)
                .next()
                .unwrap()
                .scroll_to_me();
            h.run();
            let rect = first(&h).unwrap();
            assert!(
                rect.min.y >= 0.0 && rect.max.y <= 670.0 && rect.max.x <= 1024.0,
                "{tab}: {label} is out of reach at {rect:?}"
            );
        }
    }
}

/// A council member can look every term up: a Glossary screen in plain words, hover texts on
/// the table's headings, and a legend for the face states.
#[test]
fn every_term_is_explained_and_every_state_has_a_legend() {
    let (_dir, app) = opened_app();
    let mut h = harness(app);
    h.run();
    assert!(
        h.query_by_label_contains("alert on the wrong person")
            .is_some(),
        "legend"
    );
    h.get_by_label("Glossary").click();
    h.run();
    for term in [
        "Track",
        "Mated search",
        "Non-mated search",
        "FPIR",
        "FNIR (rank 1)",
        "Interval (95%)",
        "Reference group (× reference)",
        "Parity band",
        "DET curve",
        "Monk scale",
        "ITA (skin-tone suggestion)",
        "Effective searches",
    ] {
        assert!(
            h.query_by_label(term).is_some(),
            "{term} missing from the glossary"
        );
    }
}

/// "Who bears the harm": per group, how many of its people would be wrongly flagged (a range),
/// and the disparity matrix read against the parity band.
#[test]
fn base_rates_show_who_bears_the_harm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let mut document = common::labelled::labelled_review();
    document.slicing = review::Slicing::by(&["skin"]);
    document.settings.threshold = 0.45;
    review::save(&document, &path).unwrap();
    let mut h = harness(LineupApp::open(&path));
    h.get_by_label("Base rates").click();
    h.run();
    assert!(h.query_by_label("Who bears the harm").is_some());
    let ranges = h.query_all_by_label_contains("in 10,000").count();
    assert!(ranges >= 4, "one range per group, got {ranges}");
    assert!(h.query_by_label_contains("Disparity matrix").is_some());
    let verdicts = [
        "parity",
        "disparity",
        "cannot tell",
        "too few to judge",
        "unknown group",
    ]
    .iter()
    .map(|word| h.query_all_by_label(word).count())
    .sum::<usize>();
    assert!(
        verdicts >= 4 * 3,
        "a verdict in every off-diagonal cell, got {verdicts}"
    );
}

/// Every test app keeps its settings in a temporary folder, never in the real home.
fn temporary_settings_folder() -> &'static std::path::Path {
    static FOLDER: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    FOLDER
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            // SAFETY: set once, before any app of this test binary reads it.
            unsafe { std::env::set_var("XDG_CONFIG_HOME", dir.path()) };
            dir
        })
        .path()
}

/// Runs frames until the app settles, or for a while: with real footage, 600 thumbnails arrive
/// over more frames than a harness allows.
fn settle(h: &mut Harness<'static, LineupApp>) {
    let _ = h.try_run();
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

/// A path can always be typed: the review opens from its typed path, no dialog needed.
#[test]
fn a_review_opens_from_a_typed_path() {
    temporary_settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.ron");
    review::save(&common::labelled::labelled_review(), &path).unwrap();
    let mut h = harness(LineupApp::start());
    h.run();
    type_into(&mut h, "Review file", &path.display().to_string());
    h.get_by_label("Open").click();
    h.run();
    assert!(h.state().workspace().is_some(), "the typed review opened");
}

/// Without a portal or zenity a "…" button says why nothing opens, in words, instead of doing
/// nothing.
#[test]
fn without_a_file_dialog_the_buttons_say_to_type_the_path() {
    temporary_settings_folder();
    let app = LineupApp::start().with_file_dialogs(lineup::ui::FileDialogs::Missing);
    let mut h = harness(app);
    h.run();
    h.get_by_label("Open a review…").click();
    h.run();
    assert!(
        h.query_by_label_contains("No file dialog is available on this computer (install xdg-desktop-portal or zenity); type the path instead.")
            .is_some()
    );
}

#[test]
fn file_dialogs_need_zenity_or_a_portal_on_the_session_bus() {
    use lineup::ui::FileDialogs;
    use std::ffi::OsStr;
    let dir = tempfile::tempdir().unwrap();
    let nothing = dir.path().as_os_str();
    let bus = Some(OsStr::new("unix:path=/run/user/1000/bus"));
    assert_eq!(
        FileDialogs::probe_in(Some(nothing), Some(nothing), bus),
        FileDialogs::Missing
    );
    let services = dir.path().join("dbus-1/services");
    std::fs::create_dir_all(&services).unwrap();
    std::fs::write(services.join("org.freedesktop.portal.Desktop.service"), "").unwrap();
    assert_eq!(
        FileDialogs::probe_in(Some(nothing), Some(nothing), bus),
        FileDialogs::Available
    );
    assert_eq!(
        FileDialogs::probe_in(Some(nothing), Some(nothing), None),
        FileDialogs::Missing,
        "a portal needs a session bus"
    );
    std::fs::write(dir.path().join("zenity"), "").unwrap();
    assert_eq!(
        FileDialogs::probe_in(Some(nothing), None, None),
        FileDialogs::Available
    );
}

/// A bundle signed by a fresh key in `dir/name`, and that key's public half written outside it
/// (as the reviewer publishes it).
fn signed_bundle(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    use lineup::assessment::{self, BundleOptions, ReportOptions, signing::SignerKey};
    let review_path = dir.join("review.ron");
    // The review `opened_app` wrote records no footage hash, so lineup would not sign it.
    let signable = review::load(&review_path).is_ok_and(|d| d.not_signable_because().is_none());
    if !signable {
        review::save(&common::labelled::signable_labelled_review(), &review_path).unwrap();
    }
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let signer = SignerKey {
        public_key: pair.pk.clone(),
    };
    let options = BundleOptions {
        out: dir.join(name),
        overwrite: false,
        report: ReportOptions {
            command: "(test)".into(),
            ..ReportOptions::default()
        },
    };
    let document = review::load(&review_path).unwrap();
    assessment::export(&document, &review_path, None, &options, &pair.sk, &signer).unwrap();
    let published = dir.join(format!("{name}-reviewer.pub"));
    std::fs::write(&published, signer.file_text()).unwrap();
    (dir.join(name), published)
}

/// Types the published key and the bundle, presses Verify and waits for the banner.
fn verify_in_app(h: &mut Harness<'static, LineupApp>, key: &str, bundle: &std::path::Path) {
    h.get_by_label("Assessment").click();
    h.run();
    type_into(h, "Published key", key);
    type_into(h, "Bundle to verify", &bundle.display().to_string());
    h.get_by_label("Verify").scroll_to_me();
    h.run();
    h.get_by_label("Verify").click();
    for _ in 0..100 {
        settle(h);
        if h.query_by_label_contains("Verify a bundle…").is_some()
            && h.query_by_label_contains("Verifying…").is_none()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    settle(h);
}

/// The reviewer's published key, once a verification with it succeeded, is there again in the
/// next session, as an absolute path.
#[test]
fn the_published_key_is_remembered_for_the_next_session() {
    temporary_settings_folder();
    let (dir, _) = opened_app();
    let settings_file = dir.path().join("config/lineup/settings.ron");
    let settings = || lineup::workspace::settings::Settings::load_from(settings_file.clone());
    let (bundle, key) = signed_bundle(dir.path(), "bundle");
    let app = LineupApp::open(&dir.path().join("review.ron")).with_settings(settings());
    let mut h = harness(app);
    verify_in_app(&mut h, &key.display().to_string(), &bundle);
    assert!(h.query_by_label_contains(": verified.").is_some());
    assert_eq!(settings().published_key(), Some(key.as_path()));

    let app = LineupApp::open(&dir.path().join("review.ron")).with_settings(settings());
    let mut h = harness(app);
    h.get_by_label("Assessment").click();
    h.run();
    let field = h.get_by_label("Published key");
    assert_eq!(
        field.value().as_deref(),
        Some(key.display().to_string().as_str())
    );
}

/// A key that fails to verify (here: the bundle's own copy) is not remembered.
#[test]
fn a_key_from_inside_a_bundle_is_not_remembered_as_the_published_key() {
    temporary_settings_folder();
    let (dir, _) = opened_app();
    let settings_file = dir.path().join("config/lineup/settings.ron");
    let (bundle, _) = signed_bundle(dir.path(), "bundle");
    let key = bundle.join(lineup::assessment::bundle::PUBLIC_KEY_FILE);
    let app = LineupApp::open(&dir.path().join("review.ron")).with_settings(
        lineup::workspace::settings::Settings::load_from(settings_file.clone()),
    );
    let mut h = harness(app);
    verify_in_app(&mut h, &key.display().to_string(), &bundle);
    assert!(
        h.query_by_label_contains("the published key must come from the reviewer")
            .is_some()
    );
    let remembered = std::fs::read_to_string(&settings_file).unwrap_or_default();
    assert!(!remembered.contains("signer.pub"), "{remembered:?}");
}

/// A key copied out of one bundle is no published key for another signed by the same key (a
/// forger's): any key file in a lineup bundle folder is refused as a trusted key.
#[test]
fn a_key_from_one_bundle_does_not_prove_who_signed_another() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = signed_bundle(dir.path(), "a");
    let key_in_a = a.join(lineup::assessment::bundle::PUBLIC_KEY_FILE);
    let refused = lineup::assessment::trusted_key_file(&dir.path().join("elsewhere"), &key_in_a);
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("the published key must come from the reviewer, not from a bundle"),
        "{message}"
    );
}

/// A damaged settings file is said once and kept beside as settings.ron.damaged, not silently
/// overwritten.
#[test]
fn a_damaged_settings_file_is_said_and_kept() {
    temporary_settings_folder();
    let (dir, _) = opened_app();
    let settings_file = dir.path().join("config/lineup/settings.ron");
    std::fs::create_dir_all(settings_file.parent().unwrap()).unwrap();
    std::fs::write(&settings_file, "(published_key: Some(\"/keys/x.pub\"").unwrap();
    let app = LineupApp::open(&dir.path().join("review.ron")).with_settings(
        lineup::workspace::settings::Settings::load_from(settings_file.clone()),
    );
    let mut h = harness(app);
    h.run();
    assert!(
        h.query_by_label_contains("settings.ron is damaged")
            .is_some(),
        "the damage is said"
    );
    assert_eq!(
        std::fs::read_to_string(settings_file.with_extension("ron.damaged")).unwrap(),
        "(published_key: Some(\"/keys/x.pub\"",
    );
}

/// A review written with its footage beside it: the footage file (a real photo, with its real
/// SHA-256) in `case/footage/`, the review in `case/`.
fn review_with_footage(case: &std::path::Path) -> std::path::PathBuf {
    let footage = case.join("footage/crowd.jpg");
    std::fs::create_dir_all(footage.parent().unwrap()).unwrap();
    std::fs::copy(common::photo("crowd.jpg"), &footage).unwrap();
    let mut document = common::labelled::labelled_review();
    document.inputs[0].path = footage.clone();
    document.inputs[0].digest = Some(lineup::digest::sha256_file(&footage).unwrap());
    let path = case.join("review.ron");
    review::save(&document, &path).unwrap();
    path
}

/// A case folder moved to another machine (here: renamed) still finds its footage.
#[test]
fn a_moved_review_still_finds_the_footage_beside_it() {
    temporary_settings_folder();
    let dir = tempfile::tempdir().unwrap();
    review_with_footage(&dir.path().join("case"));
    let moved = dir.path().join("moved case");
    std::fs::rename(dir.path().join("case"), &moved).unwrap();
    let mut h = harness(LineupApp::open(&moved.join("review.ron")));
    settle(&mut h);
    assert_eq!(
        workspace(&h).document().inputs[0].path,
        moved.join("footage/crowd.jpg")
    );
    assert!(h.query_by_label_contains("is not at").is_none());
}

/// Footage that is not where the review says is named where the faces would be; "Relink from
/// folder" finds it by SHA-256 (not by name: a namesake with other content is refused), as one
/// edit that Undo takes back.
#[test]
fn missing_footage_is_said_and_relinked_by_its_hash() {
    temporary_settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let review = review_with_footage(&dir.path().join("case"));
    let elsewhere = dir.path().join("usb stick/copied");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::rename(
        dir.path().join("case/footage/crowd.jpg"),
        elsewhere.join("camera 1.jpg"),
    )
    .unwrap();
    std::fs::write(dir.path().join("usb stick/crowd.jpg"), b"another file").unwrap();
    let mut h = harness(LineupApp::open(&review));
    h.run();
    let expected = dir.path().join("case/footage/crowd.jpg");
    assert!(
        h.query_by_label_contains(&format!(
            "footage file crowd.jpg is not at {}",
            expected.display()
        ))
        .is_some(),
        "the missing footage is named"
    );
    type_into(
        &mut h,
        "Folder to look in",
        &dir.path().join("usb stick").display().to_string(),
    );
    h.get_by_label("Look there").click();
    for _ in 0..200 {
        settle(&mut h);
        if workspace(&h).missing_files().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    settle(&mut h);
    assert_eq!(
        workspace(&h).document().inputs[0].path,
        elsewhere.join("camera 1.jpg")
    );
    assert!(h.query_by_label_contains("Relinked 1 of 1").is_some());
    assert!(h.query_by_label_contains("is not at").is_none());
    h.get_by_label("Undo").click();
    settle(&mut h);
    assert_eq!(workspace(&h).document().inputs[0].path, expected);
}

/// Only a file with the recorded content is relinked: a namesake with other content is
/// refused, by name.
#[test]
fn a_namesake_with_other_content_is_refused() {
    temporary_settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let review = review_with_footage(&dir.path().join("case"));
    std::fs::remove_file(dir.path().join("case/footage/crowd.jpg")).unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(common::photo("obama2.jpg"), other.join("crowd.jpg")).unwrap();
    let mut h = harness(LineupApp::open(&review));
    h.run();
    type_into(&mut h, "Folder to look in", &other.display().to_string());
    h.get_by_label("Look there").click();
    for _ in 0..200 {
        h.run();
        if h.query_by_label_contains("Relinked 0 of 1").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        h.query_by_label_contains(&format!(
            "Refused {}: it has the name of crowd.jpg but not its content",
            other.join("crowd.jpg").display()
        ))
        .is_some()
    );
    assert_eq!(
        workspace(&h).document().inputs[0].path,
        dir.path().join("case/footage/crowd.jpg")
    );
}

/// A review with no file yet is saved where the person types, without a dialog that would
/// freeze the window.
#[test]
fn a_new_review_is_saved_to_a_typed_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new review.ron");
    let workspace = Workspace::new(common::labelled::labelled_review(), None);
    let mut h = harness(LineupApp::with_workspace(workspace));
    h.run();
    type_into(&mut h, "Save review as", &path.display().to_string());
    h.get_by_label("Save here").click();
    h.run();
    assert!(path.is_file(), "saved where typed");
    assert_eq!(h.state().workspace().unwrap().path(), Some(path.as_path()));
}

fn enrolment_photo(
    path: &str,
    digest: lineup::digest::FileDigest,
) -> lineup::watchlist::EnrolmentPhoto {
    use lineup::vision::{BoundingBox, Embedding};
    lineup::watchlist::EnrolmentPhoto {
        path: path.into(),
        digest,
        bbox: BoundingBox {
            x1: 0.0,
            y1: 0.0,
            x2: 1.0,
            y2: 1.0,
        },
        detector_score: 0.9,
        embedding: Embedding(vec![1.0, 0.0]),
    }
}

/// Two watchlist photos are missing. In the folder chosen, alice's photo has the recorded
/// content; bob's has the recorded name but other content. The watchlist folder is not moved
/// there (bob's photo would then be taken as present): alice's photo alone is relinked, and the
/// plan names bob's photo as what blocked the move.
#[test]
fn relinking_the_watchlist_folder_never_takes_a_photo_the_search_refused() {
    use lineup::digest::sha256_file;
    use lineup::review::locations::{SearchLimits, find_by_digest};
    let old = tempfile::tempdir().unwrap();
    let new = tempfile::tempdir().unwrap();
    for (name, body) in [("alice/1.jpg", "alice"), ("bob/1.jpg", "bob-original")] {
        let path = old.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, body).unwrap();
    }
    let alice = sha256_file(&old.path().join("alice/1.jpg")).unwrap();
    let bob = sha256_file(&old.path().join("bob/1.jpg")).unwrap();
    let mut document = common::labelled::labelled_review();
    document.watchlist.root = old.path().join("gone");
    document.watchlist.identities[0].photos = vec![enrolment_photo("alice/1.jpg", alice)];
    document.watchlist.identities[1].photos = vec![enrolment_photo("bob/1.jpg", bob)];
    std::fs::create_dir_all(new.path().join("alice")).unwrap();
    std::fs::create_dir_all(new.path().join("bob")).unwrap();
    std::fs::copy(
        old.path().join("alice/1.jpg"),
        new.path().join("alice/1.jpg"),
    )
    .unwrap();
    std::fs::write(new.path().join("bob/1.jpg"), "bob-SWAPPED!").unwrap();

    let mut w = Workspace::new(document, None);
    assert_eq!(w.missing_files().len(), 2);
    let search = find_by_digest(
        new.path(),
        w.missing_files(),
        SearchLimits::default(),
        &std::sync::atomic::AtomicBool::new(false),
        |_| {},
    )
    .unwrap();
    assert_eq!(search.found.len(), 1);
    let refused: Vec<_> = search
        .refused
        .iter()
        .map(|(m, p)| (m.path.clone(), p.clone()))
        .collect();
    assert_eq!(
        refused,
        [(
            old.path().join("gone/bob/1.jpg"),
            new.path().join("bob/1.jpg")
        )],
        "bob's photo is refused, and alice's (same file name, other folder) is no candidate for it"
    );
    let plan = lineup::workspace::relink_plan(w.document(), &search);
    assert!(
        plan.problems
            .iter()
            .any(|p| p.contains(&new.path().join("bob/1.jpg").display().to_string())),
        "{:?}",
        plan.problems
    );
    w.apply(plan.command.expect("alice's photo is relinked"))
        .unwrap();
    let still: Vec<String> = w.missing_files().iter().map(|m| m.describe()).collect();
    assert_eq!(
        still.len(),
        1,
        "only bob's photo is still missing: {still:?}"
    );
    assert_eq!(w.document().watchlist.root, old.path().join("gone"));
    w.undo();
    assert_eq!(w.missing_files().len(), 2);
}

/// Runs the content check of an opened review to its end.
fn checked(mut w: Workspace) -> Workspace {
    for _ in 0..500 {
        if !w.poll_content_check() {
            return w;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the content check did not end");
}

/// A review moved next to a different clip of the same name: the clip at the path is not the
/// one analysed (other SHA-256), and is treated like a missing one.
#[test]
fn a_moved_review_refuses_a_different_clip_of_the_same_name() {
    let first = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(first.path().join("footage")).unwrap();
    let clip = first.path().join("footage/cam1.mp4");
    std::fs::write(&clip, b"the analysed footage").unwrap();
    let mut document = common::labelled::labelled_review();
    document.inputs[0].path = clip.clone();
    document.inputs[0].digest = Some(lineup::digest::sha256_file(&clip).unwrap());
    review::save(&document, &first.path().join("review.ron")).unwrap();

    let moved = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(moved.path().join("footage")).unwrap();
    // The review and its sidecar (docs/review-format.md).
    for entry in std::fs::read_dir(first.path()).unwrap() {
        let name = entry.unwrap().file_name();
        if name.to_string_lossy().starts_with("review.ron") {
            std::fs::copy(first.path().join(&name), moved.path().join(&name)).unwrap();
        }
    }
    std::fs::write(
        moved.path().join("footage/cam1.mp4"),
        b"some OTHER footage!!",
    )
    .unwrap();
    let w = checked(Workspace::open(&moved.path().join("review.ron")).unwrap());
    let missing: Vec<String> = w.missing_files().iter().map(|m| m.describe()).collect();
    assert_eq!(
        missing,
        [format!(
            "footage file cam1.mp4 at {} is not the file analysed: its SHA-256 differs",
            moved.path().join("footage/cam1.mp4").display()
        )]
    );
    // The same in the app, above the screens.
    temporary_settings_folder();
    let mut h = harness(LineupApp::open(&moved.path().join("review.ron")));
    for _ in 0..100 {
        settle(&mut h);
        if h.query_by_label_contains("is not the file analysed")
            .is_some()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        h.query_by_label_contains("is not the file analysed: its SHA-256 differs")
            .is_some()
    );
    assert!(workspace(&h).content_differs(0), "its frames are not shown");
}

/// A file found by the search but changed before the relink is applied is refused.
#[test]
fn a_file_changed_after_the_search_is_not_relinked() {
    use lineup::review::locations::{SearchLimits, find_by_digest};
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("cam1.mp4");
    std::fs::write(&clip, b"the analysed footage").unwrap();
    let mut document = common::labelled::labelled_review();
    document.inputs[0].path = dir.path().join("gone/cam1.mp4");
    document.inputs[0].digest = Some(lineup::digest::sha256_file(&clip).unwrap());
    let w = Workspace::new(document, None);
    let search = find_by_digest(
        dir.path(),
        w.missing_files(),
        SearchLimits::default(),
        &std::sync::atomic::AtomicBool::new(false),
        |_| {},
    )
    .unwrap();
    assert_eq!(search.found.len(), 1);
    std::fs::write(&clip, b"the changed footage!").unwrap();
    let plan = lineup::workspace::relink_plan(w.document(), &search);
    assert!(plan.command.is_none());
    assert!(
        plan.problems.iter().any(|p| p.contains("changed since")),
        "{:?}",
        plan.problems
    );
}

/// A watchlist photo with other content than the one enrolled is named like a missing one, and
/// not shown as the enrolled photo.
#[test]
fn a_watchlist_photo_with_other_content_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("watchlist/alice/1.jpg");
    std::fs::create_dir_all(photo.parent().unwrap()).unwrap();
    std::fs::write(&photo, "alice").unwrap();
    let mut document = common::labelled::labelled_review();
    document.watchlist.root = dir.path().join("watchlist");
    document.watchlist.identities[0].photos = vec![enrolment_photo(
        "alice/1.jpg",
        lineup::digest::sha256_file(&photo).unwrap(),
    )];
    review::save(&document, &dir.path().join("review.ron")).unwrap();
    std::fs::write(&photo, "ALICE").unwrap();
    let w = checked(Workspace::open(&dir.path().join("review.ron")).unwrap());
    let missing: Vec<String> = w.missing_files().iter().map(|m| m.describe()).collect();
    assert_eq!(
        missing,
        [format!(
            "watchlist photo alice/1.jpg at {} is not the file analysed: its SHA-256 differs",
            photo.display()
        )]
    );
    assert!(w.file_differs(&photo));
}
