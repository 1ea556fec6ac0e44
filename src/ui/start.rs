//! The start screen: open a review, start a new analysis (pick or drop footage and a
//! watchlist), or open the demo.

use std::path::PathBuf;

use eframe::egui;

use super::{AfterAnalysis, Banner, LineupApp};
use crate::analysis::AnalysisRequest;
use crate::review::DEFAULT_THRESHOLD;
use crate::vision::VisionConfig;
use crate::workspace::jobs::AnalysisJob;

#[derive(Debug, Clone, Default)]
pub(crate) struct NewAnalysis {
    pub footage: Vec<PathBuf>,
    pub watchlist: Option<PathBuf>,
}

pub fn show(app: &mut LineupApp, ui: &mut egui::Ui) {
    take_dropped_files(app, ui);
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
            app.open_review(&path);
        }
        if ui.button("Open the demo").clicked() {
            start_demo(app, ui.ctx());
        }
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
                app.new_analysis.footage.extend(paths);
            }
            if ui.button("Add footage folder…").clicked()
                && let Some(path) = rfd::FileDialog::new().pick_folder()
            {
                app.new_analysis.footage.push(path);
            }
            if ui.button("Choose watchlist folder…").clicked() {
                app.new_analysis.watchlist = rfd::FileDialog::new().pick_folder();
            }
        });
        for path in &app.new_analysis.footage {
            ui.label(format!("footage: {}", path.display()));
        }
        match &app.new_analysis.watchlist {
            Some(path) => ui.label(format!("watchlist: {}", path.display())),
            None => ui.label("watchlist: none chosen yet"),
        };
        let ready = !app.new_analysis.footage.is_empty()
            && app.new_analysis.watchlist.is_some()
            && app.job.is_none();
        if ui
            .add_enabled(ready, egui::Button::new("Analyse…"))
            .clicked()
            && let Some(out) = rfd::FileDialog::new()
                .add_filter("lineup review", &["ron"])
                .set_file_name("review.ron")
                .save_file()
        {
            start_analysis(app, ui.ctx(), out);
        }
    });
}

/// Dropped folders become the watchlist when none is chosen and the folder holds no video;
/// everything else is footage. The person can see and correct the lists before analysing.
fn take_dropped_files(app: &mut LineupApp, ui: &egui::Ui) {
    let dropped: Vec<PathBuf> = ui.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    });
    for path in dropped {
        if path.extension().is_some_and(|e| e == "ron") {
            app.open_review(&path);
        } else if path.is_dir()
            && app.new_analysis.watchlist.is_none()
            && !app.new_analysis.footage.is_empty()
        {
            app.new_analysis.watchlist = Some(path);
        } else {
            app.new_analysis.footage.push(path);
        }
    }
}

fn start_analysis(app: &mut LineupApp, ctx: &egui::Context, out: PathBuf) {
    let Some(watchlist) = app.new_analysis.watchlist.clone() else {
        return;
    };
    let request = AnalysisRequest {
        footage: app.new_analysis.footage.clone(),
        watchlist,
        threshold: DEFAULT_THRESHOLD,
        top_k: 5,
        vision: VisionConfig::default(),
        sampling: Default::default(),
    };
    let repaint = ctx.clone();
    app.job = Some((
        AnalysisJob::start(request, move || repaint.request_repaint()),
        AfterAnalysis::SaveTo(out),
    ));
}

fn start_demo(app: &mut LineupApp, ctx: &egui::Context) {
    match crate::demo::prepare() {
        Ok(crate::demo::Demo::Ready(path)) => app.open_review(&path),
        Ok(crate::demo::Demo::NeedsAnalysis { request, review }) => {
            let repaint = ctx.clone();
            app.job = Some((
                AnalysisJob::start(request, move || repaint.request_repaint()),
                AfterAnalysis::Demo(review),
            ));
        }
        Err(error) => app.banner = Some(Banner::Error(error.to_string())),
    }
}
