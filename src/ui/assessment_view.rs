//! Assessment: the reviewer writes the impact assessment (pre-filled where lineup knows the
//! answer), exports it as a signed bundle, and can verify any bundle.

use std::path::PathBuf;

use eframe::egui;

use super::{Banner, LineupApp};
use crate::assessment::{self, Decision, Level};
use crate::workspace::Command;
use crate::workspace::jobs::{ExportJob, ExportRequest, VerifyJob};

/// What the export form holds between frames.
#[derive(Default)]
pub(crate) struct ExportForm {
    pub key: Option<PathBuf>,
    pub password: String,
    pub out: Option<PathBuf>,
    pub job: Option<ExportJob>,
    /// The bundle being verified, and its check running in the background.
    pub verifying: Option<(PathBuf, VerifyJob)>,
}

pub fn show(app: &mut LineupApp, ui: &mut egui::Ui) {
    poll_export(app);
    poll_verify(app);
    let Some(workspace) = app.workspace.as_mut() else {
        return;
    };
    let mut text = workspace.document().assessment.clone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.horizontal(|ui| {
            if ui.button("Fill in what lineup knows").clicked() {
                let today = assessment::dates::UtcTime::now().date();
                text = assessment::drafting::prefill(&text, workspace.document(), None, &today);
            }
            ui.label(
                "Models, hashes, settings, data and findings are added from the review at export.",
            );
        });
        field(ui, "Title", &mut text.title, false);
        field(ui, "Purpose and context", &mut text.purpose, true);
        field(
            ui,
            "Policy question or legal basis",
            &mut text.legal_basis,
            true,
        );
        field(ui, "Notes on the findings", &mut text.findings_notes, true);
        ui.strong("Risks (severity × likelihood, CNIL method)");
        for (index, risk) in text.risks.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.label(format!("{}.", index + 1));
                ui.label(&risk.title);
                level_choice(
                    ui,
                    &format!("Severity of risk {}", index + 1),
                    &mut risk.severity,
                );
                level_choice(
                    ui,
                    &format!("Likelihood of risk {}", index + 1),
                    &mut risk.likelihood,
                );
            });
        }
        let mut mitigations = text.mitigations.join("\n");
        field(ui, "Mitigations (one per line)", &mut mitigations, true);
        text.mitigations = mitigations
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        ui.horizontal(|ui| {
            ui.label("Recommendation:");
            for decision in Decision::ALL {
                ui.radio_value(
                    &mut text.recommendation.decision,
                    Some(decision),
                    decision.label(),
                );
            }
        });
        field(
            ui,
            "Recommendation text",
            &mut text.recommendation.text,
            true,
        );
        field(ui, "Reviewer name", &mut text.reviewer.name, false);
        field(ui, "Reviewer role", &mut text.reviewer.role, false);
        field(ui, "Date", &mut text.reviewer.date, false);
    });
    if let Err(error) = workspace.apply(Command::Assessment(Box::new(text))) {
        app.banner = Some(Banner::Error(error.to_string()));
    }
    ui.separator();
    export_form(app, ui);
}

fn field(ui: &mut egui::Ui, label: &str, value: &mut String, multiline: bool) {
    ui.label(label);
    let edit = if multiline {
        egui::TextEdit::multiline(value).desired_rows(2)
    } else {
        egui::TextEdit::singleline(value)
    };
    ui.add(edit.desired_width(f32::INFINITY).hint_text(label));
}

fn level_choice(ui: &mut egui::Ui, label: &str, level: &mut Option<Level>) {
    egui::ComboBox::from_label(label)
        .selected_text(level.map_or("not scored", Level::label))
        .show_ui(ui, |ui| {
            ui.selectable_value(level, None, "not scored");
            for choice in Level::ALL {
                ui.selectable_value(level, Some(choice), choice.label());
            }
        });
}

fn export_form(app: &mut LineupApp, ui: &mut egui::Ui) {
    ui.strong("Export a signed bundle (PDF, RON, manifest, minisign signature)");
    ui.label(
        "Faces in the stills: only confirmed matches are shown; everything else in each frame \
         is blurred (`lineup report --show-faces` can show more, and records that choice).",
    );
    let form = &mut app.export;
    ui.horizontal(|ui| {
        if ui.button("Choose secret key…").clicked() {
            form.key = rfd::FileDialog::new().pick_file();
        }
        ui.label(form.key.as_ref().map_or(
            "no key chosen (make one with `lineup keygen`)".into(),
            |k| k.display().to_string(),
        ));
    });
    ui.horizontal(|ui| {
        let label = ui.label("Key password:");
        ui.add(egui::TextEdit::singleline(&mut form.password).password(true))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        if ui.button("Choose bundle folder…").clicked() {
            form.out = rfd::FileDialog::new()
                .set_file_name("assessment-bundle")
                .save_file();
        }
        ui.label(
            form.out
                .as_ref()
                .map_or("no folder chosen".into(), |o| o.display().to_string()),
        );
    });
    let ready = form.key.is_some() && form.out.is_some() && form.job.is_none();
    let mut export = false;
    ui.horizontal(|ui| {
        export = ui
            .add_enabled(ready, egui::Button::new("Export signed bundle"))
            .clicked();
        if form.job.is_some() {
            ui.spinner();
            ui.label("Exporting…");
        }
        if form.verifying.is_some() {
            ui.spinner();
            ui.label("Verifying…");
        } else if ui.button("Verify a bundle…").clicked()
            && let Some(path) = rfd::FileDialog::new().pick_folder()
        {
            let repaint = ui.ctx().clone();
            let job = VerifyJob::start(path.clone(), move || repaint.request_repaint());
            form.verifying = Some((path, job));
        }
    });
    if export {
        start_export(app, ui.ctx());
    }
}

fn poll_verify(app: &mut LineupApp) {
    let Some((_, job)) = &app.export.verifying else {
        return;
    };
    let Some(outcome) = job.try_finish() else {
        return;
    };
    if let Some((path, _)) = app.export.verifying.take() {
        app.banner = Some(verify_banner(&path, outcome));
    }
}

/// Without the reviewer's published key (asking for it is still to come), a bundle can only be
/// shown intact, never proven to come from the reviewer: the banner says so as an error, as
/// `lineup verify` without `--key` exits non-zero.
fn verify_banner(
    path: &std::path::Path,
    outcome: Result<assessment::Verified, crate::workspace::jobs::JobError>,
) -> Banner {
    match outcome {
        Ok(verified) => Banner::Error(format!(
            "{}: intact (the signature and all {} files check out), but WHO SIGNED IS NOT \
             PROVEN: it was checked only with the key inside the bundle (ID {}), and anyone can \
             sign a changed bundle with their own key. Check it with the reviewer's published \
             key: lineup verify BUNDLE --key PUBLISHED.pub",
            path.display(),
            verified.files.len(),
            verified.key_id,
        )),
        Err(error) => Banner::Error(error.to_string()),
    }
}

fn start_export(app: &mut LineupApp, ctx: &egui::Context) {
    // The bundle records the hash of the saved review, so unsaved edits are saved first.
    app.save();
    let Some(workspace) = app.workspace.as_ref() else {
        return;
    };
    let (Some(review_path), Some(key), Some(out)) = (
        workspace.path().map(PathBuf::from),
        app.export.key.clone(),
        app.export.out.clone(),
    ) else {
        return;
    };
    let request = ExportRequest {
        document: workspace.document().clone(),
        review_path,
        key,
        password: std::mem::take(&mut app.export.password),
        out,
    };
    let repaint = ctx.clone();
    app.export.job = Some(ExportJob::start(request, move || repaint.request_repaint()));
}

fn poll_export(app: &mut LineupApp) {
    let Some(job) = &app.export.job else { return };
    let Some(outcome) = job.try_finish() else {
        return;
    };
    app.export.job = None;
    app.banner = Some(match outcome {
        Ok(bundle) => Banner::Info(crate::workspace::jobs::exported_sentence(&bundle)),
        Err(error) => Banner::Error(error.to_string()),
    });
}
