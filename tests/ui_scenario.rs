//! The workshop scenario in the app (egui_kittest): every screen of a simulated review says
//! SIMULATED where no crop can lose it (window title, top bar, status bar, a notice, and a
//! watermark tiled across the whole central panel), its export is switched off with the reason,
//! moving the threshold moves the differential, and the start screen offers it beside the demo.

#[path = "common/app.rs"]
mod app;
mod common;
use app::{harness, texts, workspace};

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use lineup::review::scenario::{self, ScenarioParameters};
use lineup::ui::{LineupApp, Tab};

const TABS: [(Tab, &str); 7] = [
    (Tab::Footage, "footage"),
    (Tab::Faces, "faces"),
    (Tab::Watchlist, "watchlist"),
    (Tab::Thresholds, "thresholds"),
    (Tab::BaseRates, "base rates"),
    (Tab::Assessment, "assessment"),
    (Tab::Glossary, "glossary"),
];

fn small_scenario() -> lineup::review::ReviewDocument {
    let parameters = ScenarioParameters {
        non_mated_per_group: 150,
        mated_per_group: 15,
        ..ScenarioParameters::workshop(21, 10.0)
    };
    scenario::generate(&parameters).unwrap()
}

/// Where the watermark's "SIMULATED" tiles were drawn in the last frame.
fn watermark_positions(h: &Harness<'_, LineupApp>) -> Vec<egui::Pos2> {
    h.output()
        .shapes
        .iter()
        .filter_map(|clipped| match &clipped.shape {
            egui::Shape::Text(text) if text.galley.text() == "SIMULATED" => {
                Some(clipped.clip_rect.clamp(text.pos))
            }
            _ => None,
        })
        .collect()
}

/// The window titles set by the last frame and the next `steps` frames (the app sets the
/// title only when it changes).
fn titles_set(h: &mut Harness<'_, LineupApp>, steps: usize) -> Vec<String> {
    let mut titles: Vec<String> = title_of_last_frame(h).into_iter().collect();
    for _ in 0..steps {
        h.step();
        titles.extend(title_of_last_frame(h));
    }
    titles
}

/// The window title the last frame set, if it set one.
fn title_of_last_frame(h: &Harness<'_, LineupApp>) -> Option<String> {
    let root = h.output().viewport_output.get(&egui::ViewportId::ROOT)?;
    root.commands
        .iter()
        .rev()
        .find_map(|command| match command {
            egui::ViewportCommand::Title(title) => Some(title.clone()),
            _ => None,
        })
}

#[test]
fn every_screen_of_a_simulated_review_says_so_where_no_crop_can_lose_it() {
    let document = small_scenario();
    for (tab, name) in TABS {
        let (_dir, app) = app::open(&document, tab);
        let mut h = harness(app);
        let _ = h.try_run();
        let shown = texts(&h);
        assert!(
            shown.iter().any(|t| t == "⚠ SIMULATED"),
            "{name}: no badge in the top bar"
        );
        assert!(
            shown
                .iter()
                .any(|t| t.starts_with("SIMULATED workshop scenario — review.ron")),
            "{name}: the status bar does not say so: {shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|t| t.starts_with("⚠ SIMULATED (seed 21): a workshop scenario")),
            "{name}: no notice on the screen"
        );
        // The watermark covers every part of the central panel: each quarter of the window
        // below the top bar and above the status bar holds a tile.
        let tiles = watermark_positions(&h);
        let (width, height) = (1280.0, 720.0);
        for (column, row) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
            let quarter = egui::Rect::from_min_size(
                egui::pos2(column * width / 2.0, 60.0 + row * (height - 120.0) / 2.0),
                egui::vec2(width / 2.0, (height - 120.0) / 2.0),
            );
            assert!(
                tiles.iter().any(|p| quarter.contains(*p)),
                "{name}: no watermark in {quarter:?}: {tiles:?}"
            );
        }
    }
}

/// A real review carries none of the marks (the same checks, on the labelled fixture), and
/// leaves the window's title alone.
#[test]
fn a_real_review_is_not_marked() {
    let (_dir, app) = app::open(&common::labelled::labelled_review(), Tab::Thresholds);
    let mut h = harness(app);
    assert!(titles_set(&mut h, 3).is_empty());
    let _ = h.try_run();
    assert!(!texts(&h).iter().any(|t| t.contains("SIMULATED")));
    assert!(watermark_positions(&h).is_empty());
}

/// Even with a key and a bundle folder typed in, the export button stays off and says why.
#[test]
fn a_simulated_review_cannot_be_exported_from_the_app() {
    let (dir, app) = app::open(&small_scenario(), Tab::Assessment);
    let mut h = harness(app);
    let _ = h.try_run();
    for (label, path) in [
        ("Secret key", dir.path().join("reviewer.key")),
        ("Bundle folder", dir.path().join("bundle")),
    ] {
        h.get_by_label(label).scroll_to_me();
        let _ = h.try_run();
        h.get_by_label(label).click();
        let _ = h.try_run();
        h.get_by_label(label).type_text(&path.display().to_string());
        let _ = h.try_run();
    }
    let button = h.get_by_label("Export signed bundle");
    assert!(
        button.accesskit_node().is_disabled(),
        "the export button is on"
    );
    assert!(
        h.query_by_label_contains("Export is switched off: this review cannot be signed")
            .is_some()
    );
    assert!(!dir.path().join("bundle").exists());
}

/// Moving the threshold in the app moves the false matches between groups: at 0.4 the darkest
/// group has several times the reference's, at 0.6 the gap is gone.
#[test]
fn moving_the_threshold_moves_the_differential_in_the_app() {
    let parameters = ScenarioParameters {
        non_mated_per_group: 4000,
        mated_per_group: 20,
        ..ScenarioParameters::workshop(8, 10.0)
    };
    let (_dir, app) = app::open(&scenario::generate(&parameters).unwrap(), Tab::Thresholds);
    let mut h = harness(app);
    let _ = h.try_run();
    // Typed into the threshold's value box, as tests/ui.rs types one.
    let ratio_at = |h: &mut Harness<'static, LineupApp>, threshold: &str| {
        h.get_all_by_role(Role::SpinButton).next().unwrap().click();
        h.run();
        let value = h.get_all_by_role(Role::SpinButton).next().unwrap();
        value.type_text(threshold);
        h.run();
        h.key_press(egui::Key::Enter);
        h.run();
        let evaluation = workspace(h).evaluation().clone();
        let false_matches = |name: &str| {
            let slice = evaluation.names.iter().position(|n| n == name).unwrap();
            evaluation.metrics[slice].fpir.k
        };
        let counts = (false_matches("Monk 1–3"), false_matches("Monk 7–10"));
        (workspace(h).threshold(), counts)
    };
    // Expected at 0.4: about 27 against 270 of 4,000 each; at 0.6 under one in either.
    let (low, (reference, darkest)) = ratio_at(&mut h, "0.4");
    assert!((low - 0.4).abs() < 1e-6, "{low}");
    assert!(
        reference > 0 && darkest > 5 * reference,
        "{darkest} vs {reference}"
    );
    let (high, (reference, darkest)) = ratio_at(&mut h, "0.6");
    assert!((high - 0.6).abs() < 1e-6, "{high}");
    assert!(reference.abs_diff(darkest) <= 3, "{darkest} vs {reference}");
}

/// The start screen offers the scenario beside the demo; it opens marked, the window's title
/// included.
#[test]
fn the_start_screen_offers_the_scenario_beside_the_demo() {
    app::settings_folder();
    let data = tempfile::tempdir().unwrap();
    // SAFETY: only this test of this binary reads the data folder.
    unsafe { std::env::set_var("XDG_DATA_HOME", data.path()) };
    let mut h = harness(LineupApp::start());
    let _ = h.try_run();
    assert!(h.query_by_label("Open the demo").is_some());
    h.get_by_label("Workshop scenario (SIMULATED)").click();
    // The window is titled once, when the review opens; nothing retitles it after.
    let titles = titles_set(&mut h, 4);
    assert_eq!(
        titles,
        ["lineup — SIMULATED workshop scenario — not a real system"]
    );
    let _ = h.try_run();
    assert_eq!(title_of_last_frame(&h), None);
    let opened = workspace(&h);
    assert!(opened.document().simulation.is_some());
    assert!(opened.path().unwrap().starts_with(data.path()));
    assert!(texts(&h).iter().any(|t| t == "⚠ SIMULATED"));
}

/// Numbers the screens' method notes and guidance state for any review: the confidence level
/// and the parity band. They describe no result, so they need no mark.
const METHOD_CONSTANTS: [&str; 2] = ["95%", "0.8–1.25"];

/// Whether `text` shows a figure a screenshot could pass off: a rate (%), a ratio (×) or a
/// decimal such as a score (0.53).
fn holds_a_figure(text: &str) -> bool {
    let text = METHOD_CONSTANTS
        .iter()
        .fold(text.to_owned(), |text, constant| text.replace(constant, ""));
    let chars: Vec<char> = text.chars().collect();
    let decimal = chars
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == '.' && w[2].is_ascii_digit());
    let digit = chars.iter().any(char::is_ascii_digit);
    decimal || (digit && (text.contains('%') || text.contains('×')))
}

/// Every text in the accessibility tree with where it was drawn, but the values of the
/// controls the person sets (a threshold, a crowd size): settings, not results.
fn placed_texts(h: &Harness<'_, LineupApp>) -> Vec<(String, egui::Rect)> {
    fn walk(node: egui_kittest::Node<'_>, out: &mut Vec<(String, egui::Rect)>) {
        let inner = node.accesskit_node();
        let setting = matches!(
            inner.role(),
            Role::SpinButton | Role::Slider | Role::TextInput | Role::MultilineTextInput
        );
        let value = inner.value().filter(|_| !setting);
        for text in inner.label().into_iter().chain(value) {
            out.push((text, node.rect()));
        }
        for child in node.children() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    walk(h.root(), &mut out);
    out
}

/// A crop of any row of a table of figures keeps the mark: every figure the screens show in a
/// simulated review has a SIMULATED mark beside it, in the same band of rows (the watermark
/// alone leaves bands between its tiles).
#[test]
fn every_figure_of_a_simulated_review_has_a_mark_in_its_row() {
    let document = small_scenario();
    let screens = [
        (Tab::Faces, "faces"),
        (Tab::Watchlist, "watchlist"),
        (Tab::Thresholds, "thresholds"),
        (Tab::BaseRates, "base rates"),
        (Tab::Assessment, "assessment"),
    ];
    let mut failures = Vec::new();
    for (tab, name) in screens {
        let (_dir, app) = app::open(&document, tab);
        let mut h = harness(app);
        let _ = h.try_run();
        let placed = placed_texts(&h);
        let marks: Vec<egui::Rect> = placed
            .iter()
            .filter(|(text, _)| text.contains("SIMULATED"))
            .map(|(_, rect)| *rect)
            .collect();
        let figures: Vec<&(String, egui::Rect)> = placed
            .iter()
            .filter(|(text, rect)| holds_a_figure(text) && rect.height() > 0.0)
            .collect();
        assert!(!figures.is_empty(), "{name}: no figure found to check");
        let unmarked: Vec<_> = figures
            .into_iter()
            .filter(|(text, rect)| {
                !text.contains("SIMULATED")
                    && !marks
                        .iter()
                        .any(|mark| mark.top() < rect.bottom() && rect.top() < mark.bottom())
            })
            .collect();
        failures.extend(
            unmarked
                .into_iter()
                .map(|(text, rect)| format!("{name}: {text:?} at {rect:?}")),
        );
    }
    assert!(
        failures.is_empty(),
        "figures without a mark in their row:\n{}",
        failures.join("\n")
    );
}

/// The colours the watermark's "SIMULATED" tiles were drawn in (their override colour, else
/// their own), unmultiplied.
fn watermark_colours(h: &Harness<'_, LineupApp>) -> Vec<egui::ecolor::Rgba> {
    h.output()
        .shapes
        .iter()
        .filter_map(|clipped| match &clipped.shape {
            egui::Shape::Text(text) if text.galley.text() == "SIMULATED" => Some(
                egui::ecolor::Rgba::from(text.override_text_color.unwrap_or(text.fallback_color)),
            ),
            _ => None,
        })
        .collect()
}

/// The watermark is dark letters in a light outline, both grey and well visible, so that
/// recolouring one channel of a screenshot (the way a faint red mark is taken out) leaves it,
/// and its tiles are dense enough that no crop of a table's rows falls between them.
#[test]
fn the_watermark_survives_recolouring_and_close_crops() {
    let (_dir, app) = app::open(&small_scenario(), Tab::Thresholds);
    let mut h = harness(app);
    let _ = h.try_run();
    let colours = watermark_colours(&h);
    assert!(!colours.is_empty(), "no watermark");
    for colour in &colours {
        let unmultiplied = colour.to_rgba_unmultiplied();
        let [r, g, b, _] = unmultiplied;
        assert!(
            r.max(g).max(b) - r.min(g).min(b) < 0.05,
            "a coloured, not grey, watermark: {unmultiplied:?}"
        );
    }
    let visible = |c: &egui::ecolor::Rgba| c.a() >= 0.25;
    let brightness = |c: &egui::ecolor::Rgba| c.to_rgba_unmultiplied()[1];
    assert!(
        colours.iter().any(|c| visible(c) && brightness(c) < 0.25),
        "no dark letters: {colours:?}"
    );
    assert!(
        colours.iter().any(|c| visible(c) && brightness(c) > 0.75),
        "no light outline: {colours:?}"
    );
    // Every 300 × 100 point crop of the central panel (below the notice, above the status
    // bar) holds a tile.
    let tiles = watermark_positions(&h);
    let mut y = 60.0;
    while y + 100.0 <= 690.0 {
        let mut x = 0.0;
        while x + 300.0 <= 1280.0 {
            let crop = egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(300.0, 100.0));
            assert!(
                tiles.iter().any(|p| crop.contains(*p)),
                "no watermark in {crop:?}"
            );
            x += 20.0;
        }
        y += 10.0;
    }
}

/// What a simulated review's rates table looks like with its marks: the snapshot a person
/// checks by eye for readability under the watermark.
#[test]
fn snapshot_of_a_simulated_thresholds_screen() {
    let (_dir, app) = app::open(&small_scenario(), Tab::Thresholds);
    let mut h = harness(app);
    let _ = h.try_run();
    h.snapshot("scenario_thresholds");
}

/// Finding 6: the Footage tab of a simulation says it has no footage, where it showed a red
/// "no such file or folder" for the generator's placeholder.
#[test]
fn the_footage_tab_of_a_simulation_says_there_is_no_footage_not_an_error() {
    let (_dir, app) = app::open(&small_scenario(), Tab::Footage);
    let mut h = harness(app);
    let _ = h.try_run();
    for _ in 0..10 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let shown = texts(&h).join("\n");
    assert!(shown.contains("no camera saw them"), "{shown}");
    assert!(!shown.to_lowercase().contains("no such file"), "{shown}");
}
