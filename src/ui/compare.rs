//! Compare models: a review analysed with several recognizers, each one's FPIR and FNIR per
//! group (with n and intervals) at its own threshold, and at equal FPIR both ways (every other
//! model moved to the first model's FPIR, or the first moved to each other's: the moved
//! threshold is fitted on these searches, so each direction favours the model it moves), chosen
//! by a selector; and the face tracks one flagged and the other did not there, each opening its
//! card. The numbers are the signed report's comparison (`lineup_report::comparison`, through
//! `Workspace::comparison`), in the report's words.

use eframe::egui;

use super::View;
use crate::assessment::comparison::{
    FLAGGED_HEADINGS, ModelComparison, RATE_HEADINGS, TABLES, Thresholds,
};
use crate::ids::TrackId;

/// A track to open on the Faces screen, with the recognizer that flagged it (whose alerts the
/// card then shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenTrack {
    pub recognizer: usize,
    pub track: TrackId,
}

/// The screen's own state: which pair of thresholds is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CompareScreen {
    shown: Thresholds,
}

impl Default for CompareScreen {
    fn default() -> Self {
        CompareScreen {
            shown: Thresholds::Own,
        }
    }
}

impl CompareScreen {
    /// The comparison at the chosen thresholds, or why there is none; the track whose row was
    /// clicked, if any.
    pub(crate) fn ui(&mut self, view: &mut View<'_>, ui: &mut egui::Ui) -> Option<OpenTrack> {
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
                ui.horizontal_wrapped(|ui| {
                    ui.label("Show:");
                    for (thresholds, _) in TABLES {
                        ui.selectable_value(
                            &mut self.shown,
                            thresholds,
                            comparison.table_choice(thresholds),
                        );
                    }
                });
                let title = TABLES
                    .iter()
                    .find(|(thresholds, _)| *thresholds == self.shown)
                    .map_or("", |(_, title)| title);
                rate_table(ui, &comparison, self.shown, title);
                if let Some(note) = comparison.group_thresholds_note() {
                    ui.small(note);
                }
                ui.separator();
                ui.strong(format!(
                    "{}: face tracks one model flagged and the other did not",
                    comparison.table_choice(self.shown)
                ));
                for sentence in comparison.disagreement_sentences_at(self.shown) {
                    ui.label(super::simulated::marked(sentence, simulated));
                }
                let rows = comparison.flagged_at(self.shown, |id| document.identity_name(id));
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
                                        "Show track #{id} on the Faces screen, with the alerts \
                                         of the model that flagged it"
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
}

/// One of the rate tables: the sentence over it, how its thresholds were chosen, each model's
/// threshold with its model and metric, then per model and group n and rate with its interval.
fn rate_table(
    ui: &mut egui::Ui,
    comparison: &ModelComparison,
    thresholds: Thresholds,
    title: &str,
) {
    ui.separator();
    ui.strong(title);
    if let Some(note) = comparison.table_note(thresholds) {
        ui.small(note);
    }
    if comparison.table(thresholds).is_empty() {
        return;
    }
    for line in comparison.threshold_lines(thresholds) {
        ui.label(line);
    }
    let id = match thresholds {
        Thresholds::Own => "comparison_own",
        Thresholds::EqualFpir => "comparison_equal_fpir",
        Thresholds::FirstMoved => "comparison_first_moved",
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
