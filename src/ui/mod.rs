//! The desktop app. It reads and edits a [`Workspace`] and starts background jobs; it holds no
//! model, metric or file logic of its own. One file per screen.

mod assessment_view;
mod base_rates;
mod compare;
mod dialogs;
mod faces;
mod footage_view;
mod glossary;
mod pictures;
mod relink;
mod simulated;
mod start;
mod thresholds;
mod watchlist_view;

use std::path::{Path, PathBuf};
use std::time::Instant;

use eframe::egui;

use crate::analysis::{AnalysisRequest, Progress};
use crate::review::{GroundTruth, Slicing};
use crate::workspace::jobs::{AnalysisJob, OpenJob};
use crate::workspace::settings::Settings;
use crate::workspace::{SaveState, Workspace};
pub use dialogs::{FileDialogs, NO_FILE_DIALOG};
pub use pictures::PictureCounts;
use pictures::Pictures;

/// The screens of an open review, in tab order (`lineup open --tab` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Footage,
    Faces,
    Watchlist,
    Thresholds,
    /// The recognizers compared: only for a review analysed with several.
    Compare,
    BaseRates,
    Assessment,
    Glossary,
}

impl Tab {
    const ALL: [Tab; 8] = [
        Tab::Footage,
        Tab::Faces,
        Tab::Watchlist,
        Tab::Thresholds,
        Tab::Compare,
        Tab::BaseRates,
        Tab::Assessment,
        Tab::Glossary,
    ];

    fn title(self) -> &'static str {
        match self {
            Tab::Footage => "Footage",
            Tab::Faces => "Faces",
            Tab::Watchlist => "Watchlist",
            Tab::Thresholds => "Thresholds & slices",
            Tab::Compare => "Compare models",
            Tab::BaseRates => "Base rates",
            Tab::Assessment => "Assessment",
            Tab::Glossary => "Glossary",
        }
    }
}

/// A message shown in the banner until dismissed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Banner {
    Info(String),
    Error(String),
}

/// What every screen of an open review works with: the workspace it reads and edits (through
/// `Workspace::apply`), the banner it reports to, and the picture cache. Each screen's own state
/// lives in its own struct; this is what they share.
pub(crate) struct View<'a> {
    pub(crate) workspace: &'a mut Workspace,
    pub(crate) banner: &'a mut Option<Banner>,
    pub(crate) pictures: &'a mut Pictures,
}

/// What happens when an analysis job finishes.
#[derive(Debug, Clone)]
pub enum AfterAnalysis {
    /// Save the new review here and open it.
    SaveTo(PathBuf),
    /// The demo: label it the demo way, save it here, open it.
    Demo(PathBuf),
}

/// The app: the open review, the background analysis, the banner, and one struct per screen
/// holding that screen's own state (as egui's demo app keeps one per panel).
pub struct LineupApp {
    workspace: Option<Workspace>,
    job: Option<(AnalysisJob, AfterAnalysis)>,
    /// A review being read in the background, and the tab to show it on.
    opening: Option<(OpenJob, Tab)>,
    tab: Tab,
    banner: Option<Banner>,
    recovery: Option<PathBuf>,
    pictures: Option<Pictures>,
    footage: footage_view::FootageScreen,
    faces: faces::FacesScreen,
    base_rates: base_rates::BaseRatesScreen,
    compare: compare::CompareScreen,
    assessment: assessment_view::AssessmentScreen,
    start: start::StartScreen,
    /// Closing was asked for while the review had unsaved edits: the prompt is showing.
    confirm_close: bool,
    /// Ctrl+S was pressed this frame: save once the screens have taken the frame's keys.
    save_after_screens: bool,
    /// ...and it was the window being closed, which closes once the person has chosen.
    close_window_after: bool,
    /// Whether this computer can show file dialogs (else every path is typed).
    dialogs: FileDialogs,
    /// What the app remembers between sessions (the published key last verified with).
    settings: Settings,
    /// Footage or watchlist photos that are missing, and the search for them.
    relink: relink::RelinkPanel,
    /// Where to save a review that has no file yet.
    save_as: dialogs::PathField,
    /// How many files were missing when the pictures were last asked for: when a relink (or
    /// its undo) changes it, pictures are asked for again at the new paths.
    missing_seen: usize,
}

impl Default for LineupApp {
    fn default() -> Self {
        Self {
            workspace: None,
            job: None,
            opening: None,
            tab: Tab::Faces,
            banner: None,
            recovery: None,
            pictures: None,
            footage: Default::default(),
            faces: Default::default(),
            base_rates: Default::default(),
            compare: Default::default(),
            assessment: Default::default(),
            start: Default::default(),
            confirm_close: false,
            save_after_screens: false,
            close_window_after: false,
            dialogs: FileDialogs::probe(),
            settings: Settings::default(),
            relink: Default::default(),
            save_as: Default::default(),
            missing_seen: 0,
        }
        .with_settings(Settings::load())
    }
}

impl LineupApp {
    /// The start screen.
    pub fn start() -> Self {
        Self::default()
    }

    /// An app with `workspace` open on the Faces screen.
    pub fn with_workspace(workspace: Workspace) -> Self {
        Self {
            workspace: Some(workspace),
            ..Self::default()
        }
    }

    /// Opens the review at `path`, offering recovery when a newer autosave exists; on failure
    /// the start screen says why.
    pub fn open(path: &Path) -> Self {
        let mut app = Self::default();
        app.open_review(path);
        app
    }

    /// Starts opening the review at `path` in the background: the window shows what it is
    /// opening until the review is read, then the review (or, on failure, why not).
    pub fn open_in_background(path: &Path) -> Self {
        let mut app = Self::default();
        app.start_opening(path);
        app
    }

    /// Starts an analysis job; when it finishes, `after` says what to do with the review.
    pub fn analysing(
        request: AnalysisRequest,
        after: AfterAnalysis,
        repaint: impl Fn() + Send + 'static,
    ) -> Self {
        Self {
            job: Some((AnalysisJob::start(request, repaint), after)),
            ..Self::default()
        }
    }

    /// With `settings` in place of this user's (tests keep theirs in a temporary folder).
    pub fn with_settings(mut self, mut settings: Settings) -> Self {
        if let Some(damage) = settings.take_damage() {
            self.banner = Some(Banner::Error(damage));
        }
        self.assessment.set_published_key(settings.published_key());
        self.settings = settings;
        self
    }

    /// As if this computer could (or could not) show file dialogs.
    pub fn with_file_dialogs(mut self, dialogs: FileDialogs) -> Self {
        self.dialogs = dialogs;
        self
    }

    /// Shows `tab` first (when a review is open).
    pub fn on_tab(mut self, tab: Tab) -> Self {
        self.tab = tab;
        if let Some((_, after)) = &mut self.opening {
            *after = tab;
        }
        self
    }

    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspace.as_ref()
    }

    /// What the picture cache holds (None before the first frame), for tests and benchmarks.
    pub fn picture_counts(&self) -> Option<PictureCounts> {
        self.pictures.as_ref().map(Pictures::counts)
    }

    fn open_review(&mut self, path: &Path) {
        self.offer_recovery(path);
        match Workspace::open(path) {
            Ok(workspace) => self.show_workspace(workspace),
            Err(error) => self.banner = Some(Banner::Error(error.to_string())),
        }
    }

    /// Says so when a newer autosave of `path` exists, and offers to recover it.
    fn offer_recovery(&mut self, path: &Path) {
        if let Some(autosave) = Workspace::newer_autosave(path) {
            self.recovery = Some(path.to_path_buf());
            self.banner = Some(Banner::Info(format!(
                "{} has unsaved changes from an earlier session ({}).",
                path.display(),
                autosave.display()
            )));
        }
    }

    /// Opens `path` as [`LineupApp::open_review`] does, but on a background thread.
    fn start_opening(&mut self, path: &Path) {
        self.offer_recovery(path);
        self.opening = Some((OpenJob::start(path.to_path_buf(), || {}), Tab::Faces));
    }

    /// Shows the review once it is read. Each frame waits a little for it, so that a small
    /// review opens at once; meanwhile frames keep coming, so the window stays alive.
    fn poll_opening(&mut self, ctx: &egui::Context) {
        let Some((job, _)) = &self.opening else {
            return;
        };
        let Some(outcome) = job.finish_within(std::time::Duration::from_millis(50)) else {
            ctx.request_repaint();
            return;
        };
        let Some((_, tab)) = self.opening.take() else {
            return;
        };
        match outcome {
            Ok(workspace) => {
                self.show_workspace(workspace);
                self.tab = tab;
            }
            Err(error) => self.banner = Some(Banner::Error(error.to_string())),
        }
    }

    fn show_workspace(&mut self, workspace: Workspace) {
        self.workspace = Some(workspace);
        self.faces.clear();
        self.footage.clear();
        self.base_rates.clear();
        self.compare = Default::default();
        self.tab = Tab::Faces;
        if let Some(pictures) = &mut self.pictures {
            pictures.clear();
        }
    }

    fn poll_job(&mut self) {
        let Some((job, _)) = &self.job else { return };
        let Some(outcome) = job.try_finish() else {
            return;
        };
        let Some((_, after)) = self.job.take() else {
            return;
        };
        match outcome {
            Err(error) => self.banner = Some(Banner::Error(error.to_string())),
            Ok(mut document) => {
                let path = match &after {
                    AfterAnalysis::SaveTo(path) => path.clone(),
                    AfterAnalysis::Demo(path) => {
                        crate::demo::label(&mut document);
                        path.clone()
                    }
                };
                let mut workspace = Workspace::new(document, None);
                match workspace.save_as(&path) {
                    Ok(()) => {
                        self.banner = Some(Banner::Info(format!(
                            "Analysis saved to {}",
                            path.display()
                        )))
                    }
                    Err(error) => self.banner = Some(Banner::Error(error.to_string())),
                }
                if matches!(after, AfterAnalysis::Demo(_)) {
                    // The demo just built is the master every person's copy is made from.
                    match crate::demo::user_copy_of(&path, &crate::demo::user_dir()) {
                        Ok(copy) => self.start_opening(&copy),
                        Err(error) => self.banner = Some(Banner::Error(error.to_string())),
                    }
                    return;
                }
                self.show_workspace(workspace);
            }
        }
    }

    /// Writes the autosave when due, and asks to be woken when the next one falls due: autosave
    /// keeps its timer even when the person touches nothing.
    fn autosave(&mut self, ctx: &egui::Context) {
        let Some(workspace) = &mut self.workspace else {
            return;
        };
        let now = Instant::now();
        if let Some(Err(error)) = workspace.autosave_if_due(now) {
            self.banner = Some(Banner::Error(format!("Autosave failed: {error}")));
        }
        if let Some(wait) = workspace.autosave_due_in(now) {
            ctx.request_repaint_after(wait);
        }
    }

    /// Ctrl+S saves; Ctrl+Z undoes and Ctrl+Shift+Z (or Ctrl+Y) redoes, each press once. The
    /// Faces screen takes undo and redo itself, in order with its label keys, so that "X, then
    /// Ctrl+Z" typed faster than frames are drawn still means X, then its undo.
    fn shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let faces_screen = self.tab == Tab::Faces;
        let (history, save) = ctx.input_mut(|i| {
            let mut history = Vec::new();
            if !faces_screen {
                i.events.retain(|event| match history_key(event) {
                    Some(step) => {
                        history.push(step);
                        false
                    }
                    None => true,
                });
            }
            (
                history,
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::S),
            )
        });
        if let Some(workspace) = &mut self.workspace {
            for step in history {
                step.apply(workspace);
            }
        }
        // Saved after the screens have taken this frame's keys, so that a label key typed
        // before Ctrl+S in the same frame is in the file.
        self.save_after_screens |= save;
    }

    fn save(&mut self) {
        if let Some(workspace) = &mut self.workspace {
            save_review(workspace, &mut self.banner);
        }
    }

    /// Where a review with no file yet is saved: typed, or chosen in a dialog that does not
    /// block the window.
    fn save_as_field(&mut self, ui: &mut egui::Ui) {
        let mut notice = None;
        let review = dialogs::Pick::Save {
            kind: "lineup review",
            extensions: &["ron"],
            name: "review.ron",
        };
        self.save_as
            .browse(ui, "Save as…", review, self.dialogs, &mut notice);
        self.save_as.edit(ui, "Save review as", 200.0);
        let typed = ui
            .add_enabled(
                self.save_as.path().is_some(),
                egui::Button::new("Save here"),
            )
            .clicked();
        let chosen = self.save_as.chosen().and_then(|p| p.into_iter().next());
        if let Some(path) = chosen.or_else(|| typed.then(|| self.save_as.path()).flatten())
            && let Some(workspace) = &mut self.workspace
        {
            self.banner = Some(match workspace.save_as(&path) {
                Ok(()) => Banner::Info(format!("Saved to {}.", path.display())),
                Err(error) => Banner::Error(error.to_string()),
            });
        }
        if let Some(notice) = notice {
            self.banner = Some(Banner::Info(notice));
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("lineup");
            if let Some(mark) = self.workspace.as_ref().and_then(simulated::mark) {
                simulated::badge(ui, &mark);
            }
            if let Some(workspace) = &self.workspace {
                let several = several_recognizers(workspace);
                for tab in Tab::ALL {
                    if tab != Tab::Compare || several {
                        ui.selectable_value(&mut self.tab, tab, tab.title());
                    }
                }
                ui.separator();
            }
            if let Some(workspace) = &mut self.workspace {
                recognizer_picker(workspace, ui);
            }
            if self.workspace.is_some() {
                let can_undo = self.workspace.as_ref().is_some_and(Workspace::can_undo);
                if ui
                    .add_enabled(can_undo, egui::Button::new("Undo"))
                    .on_hover_text("Ctrl+Z")
                    .clicked()
                    && let Some(w) = &mut self.workspace
                {
                    w.undo();
                }
                let can_redo = self.workspace.as_ref().is_some_and(Workspace::can_redo);
                if ui
                    .add_enabled(can_redo, egui::Button::new("Redo"))
                    .on_hover_text("Ctrl+Shift+Z")
                    .clicked()
                    && let Some(w) = &mut self.workspace
                {
                    w.redo();
                }
                if ui.button("Save").on_hover_text("Ctrl+S").clicked() {
                    self.save();
                }
                if self.workspace.as_ref().is_some_and(|w| w.path().is_none()) {
                    self.save_as_field(ui);
                }
                if ui.button("Close").clicked() {
                    self.request_close();
                }
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some((job, _)) = &self.job {
                job_progress(ui, job);
                if !job.is_cancelling() && ui.button("Cancel analysis").clicked() {
                    job.cancel();
                }
            } else if let Some(workspace) = &self.workspace {
                // The name only: the whole path is long, and it is in the title of the file dialogs.
                let file = workspace
                    .path()
                    .and_then(Path::file_name)
                    .map_or("untitled".into(), |n| n.to_string_lossy().into_owned());
                let state = match workspace.save_state() {
                    SaveState::Saved => "saved",
                    SaveState::Unsaved { autosaved: true } => "unsaved changes (autosaved)",
                    SaveState::Unsaved { autosaved: false } => "unsaved changes",
                    SaveState::NeverSaved => "not saved yet",
                };
                let summary = workspace.shown().summary(workspace.threshold());
                let file = match simulated::mark(workspace) {
                    Some(_) => format!("{} — {file}", simulated::STATUS_PREFIX),
                    None => file,
                };
                if workspace.is_blind() {
                    ui.label(format!(
                        "{file} — {state} — {} faces in {} tracks — blind mode: {} given a label \
                         in the second review — {} alerts {}",
                        summary.faces,
                        summary.tracks,
                        second_review_labelled(workspace),
                        workspace.alerting_tracks().len(),
                        thresholds_in_use(workspace)
                    ));
                    return;
                }
                ui.label(format!(
                    "{file} — {state} — {} faces in {} tracks, {} labelled, {} alerts {}",
                    summary.faces,
                    summary.tracks,
                    summary.tracks_labelled,
                    workspace.alerting_tracks().len(),
                    thresholds_in_use(workspace)
                ));
            }
        });
    }

    fn banner(&mut self, ui: &mut egui::Ui) {
        let Some(banner) = self.banner.clone() else {
            return;
        };
        let (text, color) = match &banner {
            Banner::Info(text) => (format!("ℹ {text}"), ui.visuals().text_color()),
            Banner::Error(text) => (format!("⚠ Problem: {text}"), ui.visuals().error_fg_color),
        };
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(color, text);
            if let Some(path) = self.recovery.clone()
                && ui.button("Recover unsaved changes").clicked()
            {
                match Workspace::recover(&path) {
                    Ok(workspace) => self.show_workspace(workspace),
                    Err(error) => self.banner = Some(Banner::Error(error.to_string())),
                }
                self.recovery = None;
                return;
            }
            if ui.button("Dismiss").clicked() {
                self.banner = None;
                self.recovery = None;
            }
        });
    }

    /// Draws the whole app into `ui` (eframe's window, or a test harness).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.pictures.is_none() {
            install_fonts(&ctx);
            let repaint = ctx.clone();
            self.pictures = Some(Pictures::new(move || repaint.request_repaint()));
        }
        self.poll_job();
        self.poll_opening(&ctx);
        self.shortcuts(&ctx);
        if let Some(pictures) = &mut self.pictures {
            pictures.receive(&ctx);
        }
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui));
        if self.banner.is_some() {
            egui::Panel::top("banner").show(ui, |ui| self.banner(ui));
        }
        if ctx.input(|i| i.viewport().close_requested()) && self.has_unsaved_edits() {
            // The window's own close button: keep the window until the person has chosen.
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_close = true;
            self.close_window_after = true;
        }
        if self.confirm_close {
            egui::Panel::top("confirm_close").show(ui, |ui| self.close_prompt(ui));
        }
        let mark = self.workspace.as_ref().and_then(simulated::mark);
        simulated::window_title(&ctx, mark.is_some());
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(mark) = &mark {
                simulated::notice(ui, mark);
            }
            self.screen(ui);
            if mark.is_some() {
                simulated::watermark(ui.ctx(), ui.max_rect());
            }
        });
        if std::mem::take(&mut self.save_after_screens) {
            self.save();
        }
        // After the screens, so that an edit made this frame schedules its autosave now.
        self.autosave(&ctx);
        if self.job.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }
}

impl LineupApp {
    /// Whether closing now would lose edits: changes since the last save, or a review never
    /// saved.
    fn has_unsaved_edits(&self) -> bool {
        self.workspace
            .as_ref()
            .is_some_and(|w| !matches!(w.save_state(), SaveState::Saved))
    }

    /// Closes the review, or first asks what to do with unsaved edits.
    fn request_close(&mut self) {
        if self.has_unsaved_edits() {
            self.confirm_close = true;
        } else {
            self.workspace = None;
        }
    }

    /// "Unsaved changes": save and close, close without saving, or cancel.
    fn close_prompt(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "This review has unsaved changes. Close it anyway?",
            );
            let mut closed = false;
            if ui.button("Save and close").clicked() {
                self.save();
                closed = !self.has_unsaved_edits();
            }
            if ui.button("Close without saving").clicked() {
                closed = true;
            }
            if closed {
                self.workspace = None;
                self.confirm_close = false;
                if std::mem::take(&mut self.close_window_after) {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            if ui.button("Cancel").clicked() {
                self.confirm_close = false;
                self.close_window_after = false;
            }
        });
    }

    /// Does what the person chose on the start screen.
    fn carry_out(&mut self, action: start::StartAction, ctx: &egui::Context) {
        let repaint = ctx.clone();
        let on_progress = move || repaint.request_repaint();
        match action {
            start::StartAction::Open(path) => self.start_opening(&path),
            start::StartAction::Analyse { request, out } => {
                self.job = Some((
                    AnalysisJob::start(*request, on_progress),
                    AfterAnalysis::SaveTo(out),
                ));
            }
            start::StartAction::Evaluate { request, out } => {
                self.job = Some((
                    AnalysisJob::start_evaluation(*request, on_progress),
                    AfterAnalysis::SaveTo(out),
                ));
            }
            start::StartAction::ResetDemo => match crate::demo::reset() {
                Ok(path) => {
                    self.start_opening(&path);
                    self.banner = Some(Banner::Info("The demo is as it was shipped again.".into()));
                }
                Err(error) => self.banner = Some(Banner::Error(error.to_string())),
            },
            start::StartAction::Scenario => match crate::demo::scenario(None) {
                Ok(path) => self.open_review(&path),
                Err(error) => self.banner = Some(Banner::Error(error.to_string())),
            },
            start::StartAction::Demo => match crate::demo::open() {
                Ok(crate::demo::Demo::Ready(path)) => self.start_opening(&path),
                Ok(crate::demo::Demo::NeedsAnalysis { request, review }) => {
                    self.job = Some((
                        AnalysisJob::start(request, on_progress),
                        AfterAnalysis::Demo(review),
                    ));
                }
                Err(error) => self.banner = Some(Banner::Error(error.to_string())),
            },
        }
    }

    /// The current screen: the start screen without a review, otherwise the chosen tab.
    fn screen(&mut self, ui: &mut egui::Ui) {
        if let Some((job, _)) = &self.opening {
            opening_progress(ui, job);
            return;
        }
        if self.workspace.is_none() || self.pictures.is_none() {
            let mut notice = None;
            let action = self
                .start
                .ui(self.job.is_some(), self.dialogs, &mut notice, ui);
            if let Some(notice) = notice {
                self.banner = Some(Banner::Info(notice));
            }
            if let Some(action) = action {
                self.carry_out(action, ui.ctx());
            }
            return;
        }
        let (Some(workspace), Some(pictures)) = (&mut self.workspace, &mut self.pictures) else {
            return;
        };
        if matches!(self.tab, Tab::Footage | Tab::Faces | Tab::Watchlist) {
            self.relink
                .ui(workspace, &mut self.banner, self.dialogs, ui);
        }
        if workspace.missing_files().len() != self.missing_seen {
            self.missing_seen = workspace.missing_files().len();
            pictures.clear();
        }
        let mut view = View {
            workspace,
            banner: &mut self.banner,
            pictures,
        };
        match self.tab {
            Tab::Thresholds | Tab::Compare | Tab::BaseRates | Tab::Assessment
                if view.workspace.is_blind() =>
            {
                blind_notice(ui);
            }
            Tab::Footage => self.footage.ui(&mut view, ui),
            Tab::Faces => self.faces.ui(&mut view, ui),
            Tab::Watchlist => watchlist_view::show(&mut view, ui),
            Tab::Thresholds => thresholds::show(&mut view, ui),
            Tab::Compare => {
                if let Some(open) = self.compare.ui(&mut view, ui) {
                    view.workspace.show_recognizer(open.recognizer);
                    self.faces.open_track(open.track);
                    self.tab = Tab::Faces;
                }
            }
            Tab::BaseRates => self.base_rates.ui(&mut view, ui),
            Tab::Assessment => {
                self.assessment.ui(&mut view, self.dialogs, ui);
                self.remember_published_key();
            }
            Tab::Glossary => glossary::show(ui),
        }
    }
}

/// What is being opened, and how big it is, while a review is read.
fn opening_progress(ui: &mut egui::Ui, job: &OpenJob) {
    let name = job.path().file_name().map_or_else(
        || job.path().display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let size = job
        .size()
        .map(|bytes| format!(" {:.1} MB", bytes as f64 / 1e6))
        .unwrap_or_default();
    ui.horizontal(|ui| {
        ui.spinner();
        ui.heading(format!("Opening {name}…{size}"));
    });
    ui.label(format!("Reading {}", job.path().display()));
}

/// In blind mode, in place of a screen that shows what the first reviewer's labels imply.
fn blind_notice(ui: &mut egui::Ui) {
    ui.heading("Hidden in blind mode");
    ui.label(
        "This screen counts and measures the first reviewer's labels. It stays hidden while a \
         second reviewer labels blind; turn blind mode off on the Faces screen to see it.",
    );
}

/// How many tracks the second reviewer has labelled.
fn second_review_labelled(workspace: &Workspace) -> usize {
    workspace
        .document()
        .second_review
        .as_ref()
        .map_or(0, |second| {
            second
                .labels
                .values()
                .filter(|theirs| theirs.label != crate::review::GroundTruth::Unlabelled)
                .count()
        })
}

impl LineupApp {
    /// The published key a verification just used is remembered for next time.
    fn remember_published_key(&mut self) {
        if let Some(key) = self.assessment.take_used_published_key()
            && let Err(error) = self.settings.remember_published_key(&key)
        {
            self.banner = Some(Banner::Error(error.to_string()));
        }
    }
}

impl eframe::App for LineupApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// Adds the bundled DejaVu Sans behind egui's own fonts: it has the symbols lineup uses to tell
/// states apart without colour (⚠ ✔ ✖ ◌ ←), and it looks the same on every machine.
fn install_fonts(ctx: &egui::Context) {
    const DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "DejaVuSans".into(),
        egui::FontData::from_static(DEJAVU).into(),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("DejaVuSans".into());
    }
    ctx.set_fonts(fonts);
}

fn job_progress(ui: &mut egui::Ui, job: &AnalysisJob) {
    use crate::assessment::wording;
    // This run's own pace and review size, once its first frames are timed.
    let mut measured = None;
    let (text, fraction) = match job.progress() {
        None | Some(Progress::LoadingModels) => ("Loading models…".to_string(), 0.0),
        Some(Progress::Enrolling { done, total }) => (
            format!("Enrolling watchlist {done}/{total}"),
            done as f32 / total.max(1) as f32,
        ),
        Some(Progress::Enrolled(counts)) => (
            format!(
                "Watchlist enrolled: {} of {} photos ({} from the cache)",
                counts.enrolled, counts.photos, counts.from_cache
            ),
            1.0,
        ),
        Some(Progress::Counting { done, total }) => {
            (format!("Opening footage {done}/{total}"), 0.0)
        }
        Some(Progress::Analysing {
            frames_done,
            frames_total,
            inputs_done,
            inputs_total,
            projection,
            ..
        }) => {
            measured = projection.map(|p| wording::analysis_projection(&p));
            (
                format!(
                    "Analysing frame {frames_done}/{frames_total} (input {inputs_done}/{inputs_total})"
                ),
                frames_done as f32 / frames_total.max(1) as f32,
            )
        }
    };
    let text = if job.is_cancelling() {
        format!("{text} — cancelling…")
    } else {
        text
    };
    ui.add(
        egui::ProgressBar::new(fraction)
            .text(text)
            .desired_width(320.0),
    );
    if let Some(measured) = measured {
        ui.label(measured);
    }
}

/// Saves the review to its file (atomically); a review with no file yet is saved where the top
/// bar's "Save as" field says (typed, or chosen without blocking the window). The banner says how
/// it went.
pub(crate) fn save_review(workspace: &mut Workspace, banner: &mut Option<Banner>) {
    let result = match workspace.path() {
        Some(_) => workspace.save(),
        None => {
            *banner = Some(Banner::Error(
                "This review has no file yet: choose or type where to save it (\"Save as\" at \
                 the top), then save."
                    .into(),
            ));
            return;
        }
    };
    *banner = Some(match result {
        Ok(()) => Banner::Info("Saved.".into()),
        Err(error) => Banner::Error(error.to_string()),
    });
}

/// Which thresholds the alerts on screen are counted at: "at 0.60", or with the groups that
/// have their own, "at 0.60 (1 group at its own threshold)". Where the review has several
/// recognizers, the threshold says whose and on which metric: "by dlib … at Euclidean distance
/// ≤ 0.6000".
pub(crate) fn thresholds_in_use(workspace: &Workspace) -> String {
    let at = match several_recognizers(workspace) {
        true => format!("by {}", shown_threshold_words(workspace)),
        false => format!("at {:.2}", workspace.threshold()),
    };
    match workspace.own_threshold_groups() {
        0 => at,
        1 => format!("{at} (1 group at its own threshold)"),
        groups => format!("{at} ({groups} groups at their own thresholds)"),
    }
}

/// Whether the review was analysed with several recognizers (then a picker chooses whose
/// alerts are shown, and the Compare models screen compares them).
pub(crate) fn several_recognizers(workspace: &Workspace) -> bool {
    !workspace.document().other_recognizers.is_empty()
}

/// The shown recognizer's threshold with its model and metric, on its own scale.
pub(crate) fn shown_threshold_words(workspace: &Workspace) -> String {
    let shown = workspace.shown();
    let model = shown
        .recognizer()
        .map_or("the recognizer", |model| model.name.as_str());
    crate::assessment::wording::model_threshold(model, shown.score_metric(), workspace.threshold())
}

/// A model's name short enough for the top bar: without its parenthesis, and cut at 15
/// characters ("dlib ResNet-29…").
fn short_name(name: &str) -> String {
    let name = name.split(" (").next().unwrap_or(name);
    match name.char_indices().nth(15) {
        Some((end, _)) => format!("{}…", name[..end].trim_end()),
        None => name.to_owned(),
    }
}

/// Chooses whose alerts, scores and thresholds every screen shows, for a review analysed with
/// several recognizers (none for one). In the top bar because the choice is the whole app's:
/// the Faces cards, the Footage boxes, the Watchlist's alerts, the Thresholds screen's slider
/// and rates and the status bar all follow it, and it stays in sight on each of them.
fn recognizer_picker(workspace: &mut Workspace, ui: &mut egui::Ui) {
    if !several_recognizers(workspace) {
        return;
    }
    let names = workspace.document().recognizer_names();
    let shown = workspace.shown_recognizer();
    let mut chosen = shown;
    // The name cut short (whole in the list and on hover): the top bar keeps room for every
    // button.
    egui::ComboBox::from_label("alerts shown")
        .selected_text(short_name(names.get(shown).map_or("?", String::as_str)))
        .show_ui(ui, |ui| {
            for (k, name) in names.iter().enumerate() {
                ui.selectable_value(&mut chosen, k, name.as_str());
            }
        })
        .response
        .on_hover_text(format!(
            "Whose alerts, scores and thresholds the screens show: {}",
            names.get(shown).map_or("?", String::as_str)
        ));
    if chosen != shown {
        workspace.show_recognizer(chosen);
    }
    ui.separator();
}

/// A step back or forward through the edits, as a key asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryStep {
    Undo,
    Redo,
}

impl HistoryStep {
    pub(crate) fn apply(self, workspace: &mut Workspace) {
        match self {
            HistoryStep::Undo => workspace.undo(),
            HistoryStep::Redo => workspace.redo(),
        };
    }
}

/// Whether a key event asks to undo (Ctrl+Z) or redo (Ctrl+Shift+Z, Ctrl+Y; Cmd on a Mac):
/// one step per press, so two presses in one frame are two steps.
pub(crate) fn history_key(event: &egui::Event) -> Option<HistoryStep> {
    let egui::Event::Key {
        key,
        pressed: true,
        modifiers,
        ..
    } = event
    else {
        return None;
    };
    if !modifiers.command || modifiers.alt {
        return None;
    }
    match (key, modifiers.shift) {
        (egui::Key::Z, false) => Some(HistoryStep::Undo),
        (egui::Key::Z, true) | (egui::Key::Y, false) => Some(HistoryStep::Redo),
        _ => None,
    }
}

/// The label a person sees for a track's ground truth.
pub(crate) fn label_name(workspace: &Workspace, label: GroundTruth) -> String {
    match label {
        GroundTruth::Unlabelled => "unlabelled".into(),
        GroundTruth::NotOnWatchlist => "not on watchlist".into(),
        GroundTruth::NotAFace => "not a face".into(),
        GroundTruth::OnWatchlist(id) => {
            format!(
                "is {}",
                workspace.document().identity_name(id).unwrap_or("?")
            )
        }
    }
}

/// Slicing by the given attributes, for the slice builder.
pub(crate) fn slicing_of(attributes: &[String]) -> Slicing {
    Slicing {
        attributes: attributes.to_vec(),
    }
}
