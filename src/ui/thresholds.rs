//! Thresholds & slices: the global threshold slider, a slice builder, per-slice thresholds, the
//! live metrics table (n, FPIR, FNIR, intervals, ratio to a reference group with its interval
//! and the parity band), the reference group's choice, DET curves with the operating
//! point and score histograms. Everything follows the slider in the same frame.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Line, Plot, Points};

use super::{Banner, View, slicing_of};
use crate::assessment::wording::{
    RATIO_NOTE, caution, differential_text, fpir_label, interval_note, rate_text, reference_note,
    searches_of_people,
};
use crate::vision::manifest::Metric;
use crate::workspace::{Command, Workspace};

pub(crate) fn show(view: &mut View<'_>, ui: &mut egui::Ui) {
    let workspace = &mut *view.workspace;
    // The slider shows the shown recognizer's own value: a cosine, or dlib's distance (which
    // the review stores negated), on that metric's range.
    let metric = workspace.shown().score_metric();
    let mut shown = metric.own_value(workspace.threshold());
    let (label, range) = match metric {
        Metric::Cosine => ("Match threshold (cosine similarity):", -0.2..=1.0),
        Metric::Euclidean => (
            "Match threshold (Euclidean distance, a match at or below):",
            0.0..=1.2,
        ),
    };
    // With several recognizers, whose threshold it is.
    let label = match workspace.shown().recognizer() {
        Some(model) if super::several_recognizers(workspace) => {
            format!("{}'s {}", model.name, label.replacen('M', "m", 1))
        }
        _ => label.to_owned(),
    };
    let moved = ui
        .horizontal(|ui| {
            ui.label(label);
            // Two pixels a 0.005 step over the range −0.2 to 1.0, so a step can be hit by mouse.
            ui.spacing_mut().slider_width = 480.0;
            ui.add(
                egui::Slider::new(&mut shown, range)
                    .step_by(0.005)
                    .text("Match threshold"),
            )
            .changed()
        })
        .inner;
    // Only the reviewer moving the slider writes: a threshold beyond the slider's range (a
    // distance above 1.2) is shown at its end, never set to it.
    let threshold = metric.score(shown);
    if moved && threshold != workspace.threshold() {
        apply(workspace, Command::Threshold(threshold), view.banner);
    }
    ui.label(super::simulated::marked(
        format!(
            "{} of {} face tracks raise an alert {}.",
            workspace.alerting_tracks().len(),
            workspace.document().tracks.len(),
            super::thresholds_in_use(workspace)
        ),
        super::simulated::is_simulated(workspace),
    ));
    ui.horizontal(|ui| {
        ui.label("Slice by:");
        let mut attributes = workspace.document().slicing.attributes.clone();
        let mut changed = false;
        for definition in &workspace.document().attribute_schema.attributes {
            let mut on = attributes.contains(&definition.name);
            if ui.checkbox(&mut on, definition.name.as_str()).changed() {
                changed = true;
                if on {
                    attributes.push(definition.name.clone());
                } else {
                    attributes.retain(|a| a != &definition.name);
                }
            }
        }
        if changed {
            apply(
                workspace,
                Command::Slicing(slicing_of(&attributes)),
                view.banner,
            );
        }
    });
    table(workspace, ui);
    ui.columns(2, |columns| {
        det_plot(workspace, &mut columns[0]);
        histogram_plot(workspace, &mut columns[1]);
    });
}

/// Applies `command`, showing a refusal in the banner.
fn apply(workspace: &mut Workspace, command: Command, banner: &mut Option<Banner>) {
    if let Err(error) = workspace.apply(command) {
        *banner = Some(Banner::Error(error.to_string()));
    }
}

fn table(workspace: &mut Workspace, ui: &mut egui::Ui) {
    let evaluation = workspace.evaluation().clone();
    let simulated = super::simulated::is_simulated(workspace);
    if evaluation.searches == 0 {
        ui.label("No track is labelled yet: label tracks on the Faces screen to see error rates.");
    }
    reference_choice(workspace, ui, &evaluation);
    let mut own_thresholds = Vec::new();
    egui::ScrollArea::vertical()
        .max_height(260.0)
        .id_salt("metrics_table")
        .show(ui, |ui| {
            egui::Grid::new("metrics")
                .striped(true)
                .num_columns(8 + usize::from(simulated))
                .show(ui, |ui| {
                    super::simulated::row_mark(ui, simulated);
                    for (heading, term) in [
                        ("Slice", "Reference group (× reference)"),
                        ("Not on list (n)", "Non-mated search"),
                        (
                            &format!("{} [95% CI]", fpir_label(evaluation.watchlist_size as u64)),
                            "FPIR",
                        ),
                        ("× reference [95% CI]", "Parity band"),
                        ("On list (n)", "Mated search"),
                        ("FNIR (rank 1) [95% CI]", "FNIR (rank 1)"),
                        ("× reference [95% CI]", "Parity band"),
                        ("Own threshold", "Threshold"),
                    ] {
                        // Every heading explains itself on hover, in the glossary's words.
                        ui.strong(heading)
                            .on_hover_text(super::glossary::meaning(term));
                    }
                    ui.end_row();
                    for (i, m) in evaluation.metrics.iter().enumerate() {
                        if m.flag_rate.n == 0 {
                            continue;
                        }
                        let name = &evaluation.names[i];
                        super::simulated::row_mark(ui, simulated);
                        ui.label(name);
                        ui.label(m.fpir.n.to_string());
                        ui.label(rate_text(&m.fpir));
                        ui.label(differential_text(&evaluation.fpir_differentials, i));
                        ui.label(m.fnir.n.to_string());
                        ui.label(rate_text(&m.fnir));
                        ui.label(differential_text(&evaluation.fnir_differentials, i));
                        let own = workspace.shown().slice_thresholds.get(name).copied();
                        let mut enabled = own.is_some();
                        let mut value = own.unwrap_or(evaluation.threshold);
                        if workspace.shown_recognizer() != 0 {
                            // Thresholds per group are the review's own recognizer's alone.
                            ui.label("–").on_hover_text(
                                "Groups have thresholds of their own only for the review's \
                                 first recognizer",
                            );
                            ui.end_row();
                            continue;
                        }
                        ui.horizontal(|ui| {
                            ui.checkbox(&mut enabled, "")
                                .on_hover_text(format!("Own threshold for {name}"));
                            if enabled {
                                ui.add(
                                    egui::Slider::new(&mut value, -0.2..=1.0)
                                        .step_by(0.005)
                                        .text(format!("Threshold for {name}")),
                                );
                            }
                        });
                        if enabled != own.is_some() || (enabled && Some(value) != own) {
                            own_thresholds.push((name.clone(), enabled.then_some(value)));
                        }
                        ui.end_row();
                    }
                    let p = &evaluation.pooled;
                    super::simulated::row_mark(ui, simulated);
                    ui.strong("All labelled");
                    ui.label(p.fpir.n.to_string());
                    ui.label(rate_text(&p.fpir));
                    ui.label("");
                    ui.label(p.fnir.n.to_string());
                    ui.label(rate_text(&p.fnir));
                    ui.end_row();
                });
            let p = &evaluation.pooled;
            ui.label(super::simulated::marked(
                format!(
                    "All labelled: {}; {}.",
                    searches_of_people(&p.fpir, "non-mated"),
                    searches_of_people(&p.fnir, "mated")
                ),
                simulated,
            ));
            ui.small(interval_note(
                evaluation.metrics.iter().flat_map(|m| [&m.fpir, &m.fnir]),
            ));
            for differentials in [
                &evaluation.fpir_differentials,
                &evaluation.fnir_differentials,
            ] {
                ui.small(reference_note(differentials, &evaluation.names));
            }
            ui.small(RATIO_NOTE);
            if let Some(shared) = crate::assessment::wording::shared_people_caution(
                evaluation.people_in_several_slices,
            ) {
                ui.label(super::simulated::marked(
                    format!("Caution: {shared}"),
                    simulated,
                ));
            }
            for warning in &evaluation.warnings {
                ui.label(super::simulated::marked(
                    format!("Caution: {}", caution(warning, &evaluation.names)),
                    simulated,
                ));
            }
        });
    for (name, threshold) in own_thresholds {
        let command = Command::SliceThreshold {
            slice: name,
            threshold,
        };
        // Thresholds are never refused (they are clamped), so there is no error to show.
        let _ = workspace.apply(command);
    }
}

/// The group every other is compared against: lineup's default rule, or one the reviewer picks.
fn reference_choice(
    workspace: &mut Workspace,
    ui: &mut egui::Ui,
    evaluation: &crate::review::Evaluation,
) {
    let chosen = workspace.document().reference_slice.clone();
    let mut choice = chosen.clone();
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Group the others are compared against")
            .selected_text(
                choice
                    .as_deref()
                    .unwrap_or("lowest rate among known groups of 30+"),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut choice, None, "lowest rate among known groups of 30+");
                for (i, name) in evaluation.names.iter().enumerate() {
                    if evaluation.metrics[i].flag_rate.n > 0 {
                        ui.selectable_value(&mut choice, Some(name.clone()), name.as_str());
                    }
                }
            });
    });
    if choice != chosen {
        // Any group name is accepted; one not in the slicing leaves the default rule.
        let _ = workspace.apply(Command::ReferenceSlice(choice));
    }
}

fn det_plot(workspace: &crate::workspace::Workspace, ui: &mut egui::Ui) {
    ui.label(
        "DET: FNIR (rank 1) against FPIR over all thresholds; dots mark the current threshold.",
    );
    let evaluation = workspace.evaluation();
    Plot::new("det")
        .legend(Legend::default())
        .height(220.0)
        .x_axis_label("FPIR")
        .y_axis_label("FNIR (rank 1)")
        .show(ui, |plot| {
            for (slice, name) in evaluation.names.iter().enumerate() {
                let curve: Vec<[f64; 2]> = workspace
                    .slice_index()
                    .det_curve(slice)
                    .iter()
                    .filter_map(|p| Some([p.fpir?, p.fnir?]))
                    .collect();
                if curve.is_empty() {
                    continue;
                }
                plot.line(Line::new(name.clone(), curve));
                let m = &evaluation.metrics[slice];
                if let (Some(x), Some(y)) = (m.fpir.rate, m.fnir.rate) {
                    plot.points(Points::new(format!("{name} now"), vec![[x, y]]).radius(5.0));
                }
            }
        });
}

fn histogram_plot(workspace: &crate::workspace::Workspace, ui: &mut egui::Ui) {
    ui.label("Scores of people on the watchlist (genuine) and not (impostor), all slices.");
    let slices = workspace.evaluation().names.len();
    let mut genuine = vec![0u64; 40];
    let mut impostor = vec![0u64; 40];
    for slice in 0..slices {
        if let Some(h) = workspace.slice_index().score_histograms(slice, 40) {
            genuine
                .iter_mut()
                .zip(&h.genuine.counts)
                .for_each(|(a, b)| *a += b);
            impostor
                .iter_mut()
                .zip(&h.impostor.counts)
                .for_each(|(a, b)| *a += b);
        }
    }
    // On the shown recognizer's own scale: a distance as a distance (the review stores it
    // negated), so that the bars and the threshold read as the slider does.
    let metric = workspace.shown().score_metric();
    let own = |score: f64| f64::from(metric.own_value(score as f32));
    let bars = |counts: &[u64]| -> Vec<Bar> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &c)| Bar::new(own(-1.0 + (i as f64 + 0.5) * 0.05), c as f64).width(0.045))
            .collect()
    };
    let threshold = own(f64::from(workspace.threshold()));
    let axis = match metric {
        Metric::Cosine => "score",
        Metric::Euclidean => "Euclidean distance (a match at or below the threshold)",
    };
    Plot::new("histogram")
        .legend(Legend::default())
        .height(220.0)
        .x_axis_label(axis)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("genuine (on the list)", bars(&genuine)));
            plot.bar_chart(BarChart::new("impostor (not on the list)", bars(&impostor)));
            plot.vline(egui_plot::VLine::new("threshold", threshold));
        });
}
