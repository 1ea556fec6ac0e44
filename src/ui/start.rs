//! The start screen: open a review, start a new analysis (pick or drop footage and a
//! watchlist), or open the demo. It owns the new analysis being put together and tells the app
//! what the person chose ([`StartAction`]); the app opens reviews and starts jobs.

use std::path::PathBuf;

use eframe::egui;

use crate::analysis::AnalysisRequest;
use crate::review::DEFAULT_THRESHOLD;
use crate::vision::VisionConfig;

/// What the person asked for on the start screen.
#[derive(Debug, Clone)]
pub(crate) enum StartAction {
    /// Open this review.
    Open(PathBuf),
    /// Analyse, saving the new review here.
    Analyse {
        request: Box<AnalysisRequest>,
        out: PathBuf,
    },
    /// Open the demo (analysing it first where needed).
    Demo,
    /// Replace this user's copy of the demo with a fresh one, and open it.
    ResetDemo,
}

/// The start screen and the new analysis being put together on it.
#[derive(Debug, Clone, Default)]
pub(crate) struct StartScreen {
    footage: Vec<PathBuf>,
    watchlist: Option<PathBuf>,
}

impl StartScreen {
    /// Draws the screen; `busy` while an analysis runs (no second one starts). Returns what the
    /// person chose, if anything, for the app to carry out.
    pub(crate) fn ui(&mut self, busy: bool, ui: &mut egui::Ui) -> Option<StartAction> {
        let mut action = self.take_dropped_files(ui);
        ui.vertical_centered(|ui| {
            ui.add_space(24.0);
            ui.heading("Review what face recognition would do, before anyone deploys it.");
            ui.label("Everything runs on this computer. Nothing is sent anywhere.");
            ui.add_space(16.0);
            if ui.button("Open a review…").clicked()
                && let Some(path) = rfd::FileDialog::new()
                    .add_filter("lineup review", &["ron"])
                    .pick_file()
            {
                action = Some(StartAction::Open(path));
            }
            ui.horizontal(|ui| {
                if ui.button("Open the demo").clicked() {
                    action = Some(StartAction::Demo);
                }
                if ui
                    .button("Reset the demo")
                    .on_hover_text(
                        "Throw away your edits to the demo and start from the demo as shipped.",
                    )
                    .clicked()
                {
                    action = Some(StartAction::ResetDemo);
                }
            });
        });
        ui.add_space(16.0);
        ui.group(|ui| {
            ui.heading("New analysis");
            ui.label(
                "Pick footage (images or folders of images) and a watchlist folder, or drop them here.",
            );
            ui.horizontal(|ui| {
                if ui.button("Add footage…").clicked()
                    && let Some(paths) = rfd::FileDialog::new().pick_files()
                {
                    self.footage.extend(paths);
                }
                if ui.button("Add footage folder…").clicked()
                    && let Some(path) = rfd::FileDialog::new().pick_folder()
                {
                    self.footage.push(path);
                }
                if ui.button("Choose watchlist folder…").clicked() {
                    self.watchlist = rfd::FileDialog::new().pick_folder();
                }
            });
            for path in &self.footage {
                ui.label(format!("footage: {}", path.display()));
            }
            match &self.watchlist {
                Some(path) => ui.label(format!("watchlist: {}", path.display())),
                None => ui.label("watchlist: none chosen yet"),
            };
            let ready = !self.footage.is_empty() && self.watchlist.is_some() && !busy;
            if ui
                .add_enabled(ready, egui::Button::new("Analyse…"))
                .clicked()
                && let Some(out) = rfd::FileDialog::new()
                    .add_filter("lineup review", &["ron"])
                    .set_file_name("review.ron")
                    .save_file()
                && let Some(request) = self.request()
            {
                action = Some(StartAction::Analyse {
                    request: Box::new(request),
                    out,
                });
            }
        });
        action
    }

    /// Dropped folders become the watchlist when none is chosen and the folder holds no video;
    /// everything else is footage. The person can see and correct the lists before analysing.
    /// A dropped review is opened.
    fn take_dropped_files(&mut self, ui: &egui::Ui) -> Option<StartAction> {
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        let mut open = None;
        for path in dropped {
            if path.extension().is_some_and(|e| e == "ron") {
                open = Some(StartAction::Open(path));
            } else if path.is_dir() && self.watchlist.is_none() && !self.footage.is_empty() {
                self.watchlist = Some(path);
            } else {
                self.footage.push(path);
            }
        }
        open
    }

    /// The analysis the screen's lists describe; `None` without a watchlist.
    fn request(&self) -> Option<AnalysisRequest> {
        Some(AnalysisRequest {
            footage: self.footage.clone(),
            watchlist: self.watchlist.clone()?,
            threshold: DEFAULT_THRESHOLD,
            top_k: 5,
            vision: VisionConfig::default(),
            sampling: Default::default(),
        })
    }
}
