//! Base rates: a crowd size and the share of it on the watchlist in, one plain sentence out.

use eframe::egui;

use super::View;
use crate::assessment::wording;

/// What the base-rate screen asks about: a crowd passing the cameras.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crowd {
    pub size: u64,
    pub prevalence: f64,
    /// The deployment's watchlist size; `None` until the screen first shows, when it starts at
    /// the review's own.
    pub watchlist_size: Option<u64>,
}

impl Default for Crowd {
    /// A city-centre day: 10,000 people, 1 in 1,000 of them wanted.
    fn default() -> Self {
        Self {
            size: 10_000,
            prevalence: 0.001,
            watchlist_size: None,
        }
    }
}

/// The Base rates screen and the crowd it was last asked about.
#[derive(Debug, Default)]
pub(crate) struct BaseRatesScreen {
    crowd: Crowd,
}

impl BaseRatesScreen {
    /// The deployment watchlist size starts again at the review's own (another review opened).
    pub(crate) fn clear(&mut self) {
        self.crowd.watchlist_size = None;
    }

    pub(crate) fn ui(&mut self, view: &mut View<'_>, ui: &mut egui::Ui) {
        let workspace = &*view.workspace;
        let simulated = super::simulated::is_simulated(workspace);
        ui.heading("What would this mean at a real event?");
        ui.add(
            egui::Slider::new(&mut self.crowd.size, 100..=10_000_000)
                .logarithmic(true)
                .text("People passing the cameras"),
        );
        ui.add(
            egui::Slider::new(&mut self.crowd.prevalence, 0.00001..=1.0)
                .logarithmic(true)
                .max_decimals(5)
                .text("Share of them on the watchlist"),
        );
        let evaluation = workspace.evaluation();
        let measured_size = evaluation.watchlist_size as u64;
        let deployment = self.crowd.watchlist_size.get_or_insert(measured_size);
        ui.add(
            egui::Slider::new(deployment, 1..=10_000_000)
                .logarithmic(true)
                .text("Identities on the deployment's watchlist"),
        )
        .on_hover_text(format!(
            "FPIR was measured against this review's watchlist of {}; a longer list raises it. \
         A size other than that is an extrapolation, not a measurement.",
            wording::group_thousands(measured_size)
        ));
        let watchlist = wording::WatchlistSizes {
            measured: measured_size,
            deployment: Some(*deployment),
        };
        let pooled = &evaluation.pooled;
        let sentence = wording::crowd_sentence(
            &pooled.fpir,
            &pooled.fnir,
            &pooled.wrong_identity_alerts,
            self.crowd.size,
            self.crowd.prevalence,
            watchlist,
        );
        match sentence {
        Some(sentence) => ui.heading(super::simulated::marked(sentence, simulated)),
        None => ui.label("Label some tracks on and off the watchlist first: the sentence needs both error rates."),
    };
        if *deployment != measured_size
            && let Some(extrapolated) =
                crate::metrics::extrapolate_fpir(&pooled.fpir, measured_size, *deployment)
        {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                super::simulated::marked(
                    wording::extrapolation_sentence(&extrapolated, &pooled.fpir),
                    simulated,
                ),
            );
        }
        // With several recognizers, whose threshold on which metric.
        let at = if super::several_recognizers(workspace) {
            super::shown_threshold_words(workspace)
        } else {
            format!("threshold {:.4}", workspace.threshold())
        };
        ui.label(super::simulated::marked(
            format!(
                "Measured on {} and {} at {at} (a group's own where set): {} {}, FNIR (rank 1) {}.",
                wording::searches_of_people(&pooled.fpir, "non-mated"),
                wording::searches_of_people(&pooled.fnir, "mated"),
                wording::fpir_label(measured_size),
                wording::rate_text(&pooled.fpir),
                wording::rate_text(&pooled.fnir)
            ),
            simulated,
        ));
        if pooled.fpir.n < crate::metrics::MIN_SEARCHES_TO_COMPARE
            || pooled.fnir.n < crate::metrics::MIN_SEARCHES_TO_COMPARE
        {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "Few searches: with fewer than {} of each kind the ranges above are wide, and \
                 any single figure is a guess.",
                    crate::metrics::MIN_SEARCHES_TO_COMPARE
                ),
            );
        }
        ui.label("A low false-positive rate can still mean that most alerts are wrong when few people in the crowd are on the watchlist.");
        ui.separator();
        who_bears_the_harm(workspace, *deployment, ui);
    }
}

/// Per group: how many of its people passing the cameras would be wrongly flagged (the FPIR
/// interval, extrapolated to the deployment's watchlist where it differs), and the matrix of
/// FPIR ratios between groups read against the parity band.
fn who_bears_the_harm(workspace: &crate::workspace::Workspace, deployment: u64, ui: &mut egui::Ui) {
    use crate::metrics::{
        MIN_SEARCHES_TO_COMPARE, extrapolate_fpir, normal_quantile, ratio_interval_at,
    };
    let evaluation = workspace.evaluation();
    let simulated = super::simulated::is_simulated(workspace);
    let measured_size = evaluation.watchlist_size as u64;
    ui.heading("Who bears the harm");
    let groups: Vec<usize> = (0..evaluation.metrics.len())
        .filter(|&i| evaluation.metrics[i].fpir.n > 0)
        .collect();
    if groups.is_empty() {
        ui.label("Label tracks not on the watchlist to see who would be wrongly flagged.");
        return;
    }
    ui.label(format!(
        "People of each group passing the cameras who would be wrongly flagged, by the 95% \
         interval of the group's FPIR{}.",
        if deployment == measured_size {
            String::new()
        } else {
            format!(
                ", extrapolated from a watchlist of {} to one of {} (an extrapolation, not a \
                 measurement)",
                wording::group_thousands(measured_size),
                wording::group_thousands(deployment)
            )
        }
    ));
    egui::Grid::new("harm").striped(true).show(ui, |ui| {
        super::simulated::row_mark(ui, simulated);
        ui.strong("Group");
        ui.strong("Wrongly flagged");
        ui.strong("FPIR × reference [95% CI]");
        ui.end_row();
        for &i in &groups {
            let fpir = &evaluation.metrics[i].fpir;
            let interval = extrapolate_fpir(fpir, measured_size, deployment)
                .map(|e| e.interval)
                .or(fpir.interval);
            super::simulated::row_mark(ui, simulated);
            ui.label(&evaluation.names[i]);
            ui.label(interval.map_or("not measured".into(), |ci| {
                wording::wrongly_flagged_per_10000(ci.low, ci.high)
            }));
            ui.label(wording::differential_text(
                &evaluation.fpir_differentials,
                i,
            ));
            ui.end_row();
        }
    });
    ui.add_space(8.0);
    ui.label("Disparity matrix: each row group's FPIR over each column group's, against the 0.8–1.25 parity band.");
    egui::Grid::new("disparity_matrix")
        .striped(true)
        .show(ui, |ui| {
            super::simulated::row_mark(ui, simulated);
            ui.strong("");
            for &j in &groups {
                ui.strong(&evaluation.names[j]);
            }
            ui.end_row();
            // A group is judged as the table judges it: known, with 30 or more effective searches.
            let unknown = &workspace.sliced().unknown;
            let judged = |i: usize| {
                !unknown.get(i).copied().unwrap_or(false)
                    && evaluation.metrics[i].fpir.effective_searches()
                        >= MIN_SEARCHES_TO_COMPARE as f64
            };
            let z = normal_quantile(0.975);
            for &i in &groups {
                super::simulated::row_mark(ui, simulated);
                ui.strong(&evaluation.names[i]);
                for &j in &groups {
                    let cell = if i == j {
                        "—".to_owned()
                    } else if !judged(i) || !judged(j) {
                        "too few to judge".to_owned()
                    } else {
                        ratio_interval_at(
                            &evaluation.metrics[i].fpir,
                            &evaluation.metrics[j].fpir,
                            z,
                        )
                        .map_or("–".to_owned(), |ci| {
                            wording::parity_text(ci.parity()).to_owned()
                        })
                    };
                    ui.label(cell);
                }
                ui.end_row();
            }
        });
}
