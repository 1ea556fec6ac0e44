//! Footage or watchlist photos not where the review says (a review moved to another machine):
//! said in words above the screens that would show them, with "Relink from folder…", which
//! looks for them by SHA-256 in a folder the person chooses (a background job) and relinks only
//! files with the recorded content (one undoable edit).

use eframe::egui;

use super::Banner;
use super::dialogs::{FileDialogs, PathField, Pick};
use crate::workspace::Workspace;
use crate::workspace::jobs::{RelinkJob, relinked_sentence};

/// Missing files named at most, before "and N more".
const NAMED: usize = 3;

/// The relink notice and what it holds between frames: the folder typed or chosen, and the
/// search running.
#[derive(Default)]
pub(crate) struct RelinkPanel {
    folder: PathField,
    job: Option<RelinkJob>,
}

impl RelinkPanel {
    /// Draws the notice when files are missing (or a search runs); carries out a finished
    /// search through the workspace.
    pub(crate) fn ui(
        &mut self,
        workspace: &mut Workspace,
        banner: &mut Option<Banner>,
        dialogs: FileDialogs,
        ui: &mut egui::Ui,
    ) {
        self.finish(workspace, banner);
        if workspace.poll_content_check() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        if let Some(progress) = workspace.content_check_progress() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "Checking that the review's files are the ones analysed (size and SHA-256): \
                     {} of {} files checked…",
                    progress.checked, progress.total
                ));
            });
        }
        let missing = workspace.missing_files();
        if missing.is_empty() && self.job.is_none() {
            return;
        }
        let mut notice = None;
        ui.horizontal_wrapped(|ui| {
            let named: Vec<String> = missing.iter().take(NAMED).map(|m| m.describe()).collect();
            let more = missing.len().saturating_sub(NAMED);
            let mut text = named.join("; ");
            if more > 0 {
                text.push_str(&format!("; and {more} more files are missing"));
            }
            if !missing.is_empty() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("⚠ {text}. Relink it: choose the folder it is in now."),
                );
            }
        });
        ui.horizontal(|ui| {
            if let Some(job) = &self.job {
                let seen = job.progress();
                ui.spinner();
                ui.label(format!(
                    "Looking in {}: {} files seen, {} checked by SHA-256…",
                    job.folder().display(),
                    seen.entries_seen,
                    seen.hashed
                ));
                if ui.button("Stop looking").clicked() {
                    job.cancel();
                }
                return;
            }
            self.folder.browse(
                ui,
                "Relink from folder…",
                Pick::Folder,
                dialogs,
                &mut notice,
            );
            self.folder.edit(ui, "Folder to look in", 320.0);
            let typed = ui
                .add_enabled(
                    self.folder.path().is_some(),
                    egui::Button::new("Look there"),
                )
                .clicked();
            let chosen = self.folder.chosen().and_then(|p| p.into_iter().next());
            if let Some(folder) = chosen.or_else(|| typed.then(|| self.folder.path()).flatten()) {
                let repaint = ui.ctx().clone();
                self.job = Some(RelinkJob::start(
                    folder,
                    workspace.document().clone(),
                    workspace.missing_files().to_vec(),
                    move || repaint.request_repaint(),
                ));
            }
        });
        if let Some(notice) = notice {
            *banner = Some(Banner::Info(notice));
        }
        ui.separator();
    }

    /// A finished search: what its plan (made on the job's thread, right after hashing the
    /// files found again) relinks is applied as one edit, and the banner says how it went.
    fn finish(&mut self, workspace: &mut Workspace, banner: &mut Option<Banner>) {
        let Some(job) = &self.job else { return };
        let Some(outcome) = job.try_finish() else {
            return;
        };
        let folder = job.folder().to_path_buf();
        self.job = None;
        let (search, plan) = match outcome {
            Ok(found) => found,
            Err(error) => {
                *banner = Some(Banner::Error(error.to_string()));
                return;
            }
        };
        if let Some(command) = plan.command.clone()
            && let Err(error) = workspace.apply(command)
        {
            *banner = Some(Banner::Error(error.to_string()));
            return;
        }
        let sentence = relinked_sentence(&folder, &search, &plan);
        *banner = Some(if plan.command.is_none() || !plan.problems.is_empty() {
            Banner::Error(sentence)
        } else {
            Banner::Info(sentence)
        });
    }
}
