//! Base rates: a crowd size and the share of it on the watchlist in, one plain sentence out.

use eframe::egui;

use super::LineupApp;

pub fn show(app: &mut LineupApp, ui: &mut egui::Ui) {
    let Some(workspace) = app.workspace.as_ref() else {
        return;
    };
    ui.heading("What would this mean at a real event?");
    ui.add(
        egui::Slider::new(&mut app.crowd.size, 100..=10_000_000)
            .logarithmic(true)
            .text("People passing the cameras"),
    );
    ui.add(
        egui::Slider::new(&mut app.crowd.prevalence, 0.00001..=1.0)
            .logarithmic(true)
            .max_decimals(5)
            .text("Share of them on the watchlist"),
    );
    let pooled = &workspace.evaluation().pooled;
    let sentence = crate::assessment::wording::crowd_sentence(
        &pooled.fpir,
        &pooled.fnir,
        app.crowd.size,
        app.crowd.prevalence,
    );
    match sentence {
        Some(sentence) => ui.heading(sentence),
        None => ui.label("Label some tracks on and off the watchlist first: the sentence needs both error rates."),
    };
    ui.label(format!(
        "Measured on {} labelled tracks at threshold {:.2}: FPIR {}, FNIR {}.",
        workspace.evaluation().searches,
        workspace.threshold(),
        crate::assessment::wording::rate_text(&pooled.fpir),
        crate::assessment::wording::rate_text(&pooled.fnir)
    ));
    ui.label("A low false-positive rate can still mean that most alerts are wrong when few people in the crowd are on the watchlist.");
}
