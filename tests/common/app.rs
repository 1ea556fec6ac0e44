//! The desktop app opened and driven the way the kittest UI tests share: a review saved to a
//! temporary file and opened on a screen, a harness, key presses queued for the next frame, and
//! the text the accessibility tree shows. Included by path (`#[path = "common/app.rs"]`) by the
//! UI test binaries only.
#![allow(dead_code)]

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use lineup::review;
use lineup::ui::{LineupApp, Tab};
use lineup::workspace::Workspace;

/// The app's settings (the remembered published key) in a temporary folder, once per test
/// binary, so that no test reads or writes the real ones.
pub fn settings_folder() {
    static FOLDER: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: set once, before any app of this test binary reads it.
        unsafe { std::env::set_var("XDG_CONFIG_HOME", dir.path()) };
        dir
    });
}

/// `document` saved to a temporary file and opened on `tab`, as a person would.
pub fn open(document: &review::ReviewDocument, tab: Tab) -> (tempfile::TempDir, LineupApp) {
    settings_folder();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    review::save(document, &path).unwrap();
    (dir, LineupApp::open(&path).on_tab(tab))
}

pub fn harness(app: LineupApp) -> Harness<'static, LineupApp> {
    Harness::builder()
        .with_size([1280.0, 720.0])
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut LineupApp| app.show(ui), app)
}

pub fn workspace<'a>(h: &'a Harness<'_, LineupApp>) -> &'a Workspace {
    h.state().workspace().expect("a review is open")
}

/// Every label and value the accessibility tree shows.
pub fn texts(h: &Harness<'_, LineupApp>) -> Vec<String> {
    fn walk(node: egui_kittest::Node<'_>, out: &mut Vec<String>) {
        let inner = node.accesskit_node();
        out.extend(inner.label());
        out.extend(inner.value());
        for child in node.children() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    walk(h.root(), &mut out);
    out
}

/// The face card of `track` ("#3 · below threshold …"), not a disagreement line ("#3 — who:").
pub fn card<'a>(h: &'a Harness<'_, LineupApp>, track: usize) -> egui_kittest::Node<'a> {
    let prefix = format!("#{track} ");
    h.get_by(move |node| {
        node.label()
            .is_some_and(|l| l.starts_with(&prefix) && !l.contains("who:") && l.contains('\n'))
    })
}

/// A key pressed and released, queued for the next frame (several keys may share a frame, as
/// when a person types faster than frames are drawn).
pub fn push_key(h: &mut Harness<'_, LineupApp>, key: egui::Key, modifiers: egui::Modifiers) {
    for pressed in [true, false] {
        h.input_mut().events.push(egui::Event::Key {
            key,
            pressed,
            modifiers,
            repeat: false,
            physical_key: None,
        });
    }
}
