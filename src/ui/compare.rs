//! Compare models: a review analysed with several recognizers, each one's FPIR and FNIR per
//! group (with n and intervals) at its own threshold and at the threshold that gives it the
//! first model's FPIR (the fair comparison), and the face tracks one flagged and the other did
//! not, each opening its card. The numbers are the signed report's comparison
//! (`lineup_report::comparison`, through `Workspace::comparison`), in the report's words.

use eframe::egui;

use super::View;
use crate::assessment::comparison::{
    FLAGGED_HEADINGS, FLAGGED_INTRO, ModelComparison, RATE_HEADINGS, TABLES, Thresholds,
};
use crate::ids::TrackId;

/// A track to open on the Faces screen, with the recognizer that flagged it (whose alerts the
/// card then shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenTrack {
    pub recognizer: usize,
    pub track: TrackId,
}

/// The comparison, or why there is none; the track whose row was clicked, if any.
pub(crate) fn show(view: &mut View<'_>, ui: &mut egui::Ui) -> Option<OpenTrack> {
    let workspace = &mut *view.workspace;
    let simulated = super::simulated::is_simulated(workspace);
    let Some(comparison) = workspace.comparison().cloned() else {
        ui.label(
            "This review was analysed with one recognizer: there is nothing to compare. Run \
             lineup analyze with --recognizer twice to compare two.",
        );
        return None;
    };
    let document = workspace.document();
    let mut open = None;
    egui::ScrollArea::vertical()
        .id_salt("comparison")
        .show(ui, |ui| {
            ui.heading("Compare the recognizers");
            ui.label(super::simulated::marked(comparison.heading(), simulated));
            for (thresholds, title) in TABLES {
                rate_table(ui, &comparison, thresholds, title);
            }
            if let Some(note) = comparison.group_thresholds_note() {
                ui.small(note);
            }
            ui.separator();
            ui.strong(FLAGGED_INTRO);
            for sentence in comparison.disagreement_sentences() {
                ui.label(super::simulated::marked(sentence, simulated));
            }
            let rows = comparison.flagged(|id| document.identity_name(id));
            if rows.is_empty() {
                return;
            }
            egui::Grid::new("flagged_by_one")
                .striped(true)
                .num_columns(FLAGGED_HEADINGS.len() + 1)
                .show(ui, |ui| {
                    for heading in FLAGGED_HEADINGS {
                        ui.strong(heading);
                    }
                    ui.label("");
                    ui.end_row();
                    for (recognizer, id, row) in &rows {
                        for cell in row {
                            ui.label(cell);
                        }
                        let track = document.tracks.iter().position(|t| t.id == *id);
                        if let Some(track) = track
                            && ui
                                .button(format!("Open #{id}"))
                                .on_hover_text(format!(
                                    "Show track #{id} on the Faces screen, with the alerts of \
                                     the model that flagged it"
                                ))
                                .clicked()
                        {
                            open = Some(OpenTrack {
                                recognizer: *recognizer,
                                track: TrackId(track),
                            });
                        }
                        ui.end_row();
                    }
                });
        });
    open
}

/// One of the two rate tables: the sentence over it, each model's threshold with its model and
/// metric, then per model and group n and rate with its interval.
fn rate_table(
    ui: &mut egui::Ui,
    comparison: &ModelComparison,
    thresholds: Thresholds,
    title: &str,
) {
    ui.separator();
    ui.strong(title);
    if thresholds == Thresholds::EqualFpir {
        ui.small(comparison.equal_fpir_note());
        if comparison.target_fpir().is_none() {
            return;
        }
    }
    for line in comparison.threshold_lines(thresholds) {
        ui.label(line);
    }
    let id = match thresholds {
        Thresholds::Own => "comparison_own",
        Thresholds::EqualFpir => "comparison_equal_fpir",
    };
    egui::Grid::new(id)
        .striped(true)
        .num_columns(RATE_HEADINGS.len())
        .show(ui, |ui| {
            for heading in RATE_HEADINGS {
                ui.strong(heading);
            }
            ui.end_row();
            for row in comparison.rate_rows(thresholds) {
                for cell in row {
                    ui.label(cell);
                }
                ui.end_row();
            }
        });
}
