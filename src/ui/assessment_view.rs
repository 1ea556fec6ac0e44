//! Assessment: the reviewer writes the impact assessment (pre-filled where lineup knows the
//! answer), exports it as a signed bundle, and can verify any bundle.

use std::path::PathBuf;

use eframe::egui;

use super::dialogs::{FileDialogs, PathField, Pick};
use super::{Banner, View, save_review};
use crate::assessment::sections::{SECTIONS, Section, SectionId};
use crate::assessment::{self, Action, Assessment, Decision, Level};
use crate::workspace::Command;
use crate::workspace::Workspace;
use crate::workspace::jobs::{ExportJob, ExportRequest, VerifyJob};

/// The Assessment screen and what it holds between frames: the export form and the background
/// export and verification it started.
#[derive(Default)]
pub(crate) struct AssessmentScreen {
    key: PathField,
    password: String,
    out: PathField,
    job: Option<ExportJob>,
    /// The bundle to verify (a folder or a .zip), typed or chosen.
    bundle: PathField,
    /// The bundle being verified, and its check running in the background.
    verifying: Option<(PathBuf, Option<PathBuf>, VerifyJob)>,
    /// The reviewer's published public key to verify bundles with; the app fills it in with
    /// the one used last time, and remembers the one used now.
    published_key: PathField,
    /// The published key of the last verification that succeeded with it as the trusted key,
    /// for the app to remember.
    used_published_key: Option<PathBuf>,
}

impl AssessmentScreen {
    /// Fills in the published key to verify with (the one remembered from last time).
    pub(crate) fn set_published_key(&mut self, key: Option<&std::path::Path>) {
        self.published_key = PathField::holding(key);
    }

    /// The published key a verification started with since the last call, for the app to
    /// remember for next time.
    pub(crate) fn take_used_published_key(&mut self) -> Option<PathBuf> {
        self.used_published_key.take()
    }
}

impl AssessmentScreen {
    pub(crate) fn ui(&mut self, view: &mut View<'_>, dialogs: FileDialogs, ui: &mut egui::Ui) {
        self.poll_export(view.banner);
        self.poll_verify(view.banner);
        // One scroll area for the whole screen, so that the export and verify controls below the
        // text can be reached on a small screen (1024×700).
        egui::ScrollArea::vertical()
            .id_salt("assessment")
            .show(ui, |ui| self.contents(view, dialogs, ui));
    }

    fn contents(&mut self, view: &mut View<'_>, dialogs: FileDialogs, ui: &mut egui::Ui) {
        let workspace = &mut *view.workspace;
        let mut text = workspace.document().assessment.clone();
        ui.horizontal(|ui| {
            if ui.button("Fill in what lineup knows").clicked() {
                let today = assessment::dates::UtcTime::now().date();
                text = assessment::drafting::prefill(&text, workspace.document(), None, &today);
            }
            ui.label(
                "Models, hashes, settings, data, findings and false alerts per day are added \
                 from the review at export.",
            );
        });
        field(ui, "Title", &mut text.title, false);
        let missing = assessment::drafting::missing_parts(&text, &assessment::drafting::today());
        if missing.is_empty() {
            ui.label("Every section is filled in: the report will not be a draft.");
        } else {
            ui.colored_label(
                MISSING,
                format!(
                    "The report will be stamped DRAFT until these are filled in: {}.",
                    missing.join("; ")
                ),
            );
        }
        for section in &SECTIONS {
            ui.separator();
            section_editor(ui, &mut text, section);
        }
        if let Err(error) = workspace.apply(Command::Assessment(Box::new(text))) {
            *view.banner = Some(Banner::Error(error.to_string()));
        }
        ui.separator();
        let mut notice = None;
        self.export_form(view, dialogs, &mut notice, ui);
        if let Some(notice) = notice {
            *view.banner = Some(Banner::Info(notice));
        }
    }
}

/// The colour of what is still missing.
const MISSING: egui::Color32 = egui::Color32::from_rgb(200, 40, 40);

/// One section of the assessment: its heading, what it still lacks, its guidance, what lineup
/// adds, and its controls.
fn section_editor(ui: &mut egui::Ui, text: &mut Assessment, section: &Section) {
    ui.horizontal_wrapped(|ui| {
        ui.strong(section.heading());
        let missing = section.missing(text, &assessment::drafting::today());
        if !missing.is_empty() {
            ui.colored_label(MISSING, format!("missing: {}", missing.join("; ")));
        }
    });
    // Guidance at the body size: council members read it, and small weak text is hard to.
    ui.label(section.guidance);
    if let Some(generated) = section.generated {
        ui.label(egui::RichText::new(format!("lineup adds at export: {generated}.")).italics());
    }
    match section.id {
        SectionId::FalseAlerts => {
            number_field(ui, "People passing per day", &mut text.people_per_day);
            number_field(
                ui,
                "Watchlist size in the deployment",
                &mut text.deployed_watchlist_size,
            );
        }
        SectionId::Risks => risks_editor(ui, text),
        SectionId::Mitigations => {
            let mut mitigations = text.mitigations.join("\n");
            field(ui, "Mitigations (one per line)", &mut mitigations, true);
            text.mitigations = non_empty_lines(&mitigations);
            let suggested: Vec<&String> = text
                .mitigations
                .iter()
                .filter(|m| assessment::sections::is_suggestion_pending(text, m))
                .collect();
            if !suggested.is_empty() {
                ui.colored_label(
                    MISSING,
                    format!(
                        "{} of these {} lineup's suggestions, not adopted: keep only what will \
                         really be in place, then adopt them.",
                        suggested.len(),
                        if suggested.len() == 1 { "is" } else { "are" }
                    ),
                );
            }
            ui.checkbox(
                &mut text.mitigations_adopted,
                "I adopt these mitigations: each will be in place",
            );
        }
        SectionId::ActionPlan => actions_editor(ui, text),
        SectionId::Recommendation => {
            decision_choice(ui, "Recommendation:", "", &mut text.recommendation.decision)
        }
        _ => {}
    }
    for text_field in section.fields {
        field(
            ui,
            text_field.label,
            (text_field.get_mut)(text),
            text_field.multiline,
        );
    }
    if section.id == SectionId::SignOff {
        decision_choice(
            ui,
            "Approver's decision:",
            " (approver)",
            &mut text.sign_off.decision,
        );
    }
}

fn risks_editor(ui: &mut egui::Ui, text: &mut Assessment) {
    for (index, risk) in text.risks.iter_mut().enumerate() {
        ui.horizontal_wrapped(|ui| {
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
}

fn actions_editor(ui: &mut egui::Ui, text: &mut Assessment) {
    let mut remove = None;
    for (index, action) in text.actions.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            ui.label(format!("{}.", index + 1));
            let number = index + 1;
            small_field(ui, &format!("Action {number}"), &mut action.action, 260.0);
            small_field(
                ui,
                &format!("Owner of action {number}"),
                &mut action.owner,
                140.0,
            );
            small_field(
                ui,
                &format!("Due date of action {number}"),
                &mut action.due,
                90.0,
            );
            if ui.button(format!("Remove action {number}")).clicked() {
                remove = Some(index);
            }
        });
    }
    if let Some(index) = remove {
        text.actions.remove(index);
    }
    if ui.button("Add an action").clicked() {
        text.actions.push(Action::default());
    }
}

fn decision_choice(ui: &mut egui::Ui, label: &str, suffix: &str, decision: &mut Option<Decision>) {
    ui.horizontal(|ui| {
        ui.label(label);
        for choice in Decision::ALL {
            ui.radio_value(
                decision,
                Some(choice),
                format!("{}{suffix}", choice.label()),
            );
        }
    });
}

fn non_empty_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn field(ui: &mut egui::Ui, label: &str, value: &mut String, multiline: bool) {
    let hint = label;
    let label = ui.label(label);
    let edit = if multiline {
        egui::TextEdit::multiline(value).desired_rows(2)
    } else {
        egui::TextEdit::singleline(value)
    };
    ui.add(edit.desired_width(f32::INFINITY).hint_text(hint))
        .labelled_by(label.id);
}

fn small_field(ui: &mut egui::Ui, label: &str, value: &mut String, width: f32) {
    ui.add(
        egui::TextEdit::singleline(value)
            .desired_width(width)
            .hint_text(label),
    );
}

/// A whole number, typed; empty or unreadable is `None` (not given).
fn number_field(ui: &mut egui::Ui, label: &str, value: &mut Option<u64>) {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let mut typed = value.map_or_else(String::new, |v| v.to_string());
        let response = ui
            .add(egui::TextEdit::singleline(&mut typed).desired_width(120.0))
            .labelled_by(label.id);
        if response.changed() {
            *value = typed.trim().replace([',', ' '], "").parse().ok();
        }
    });
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

impl AssessmentScreen {
    fn export_form(
        &mut self,
        view: &mut View<'_>,
        dialogs: FileDialogs,
        notice: &mut Option<String>,
        ui: &mut egui::Ui,
    ) {
        ui.strong("Export a signed bundle (PDF, RON, manifest, minisign signature)");
        ui.label(
            "Faces in the stills: only confirmed matches are shown; everything else in each frame \
         is blurred (`lineup report --show-faces` can show more, and records that choice).",
        );
        let form = &mut *self;
        form.key.chosen();
        form.out.chosen();
        form.published_key.chosen();
        ui.horizontal(|ui| {
            let any = Pick::File {
                kind: "minisign secret key",
                extensions: &[],
            };
            form.key
                .browse(ui, "Choose secret key…", any, dialogs, notice);
            form.key.edit(ui, "Secret key", 320.0);
            if form.key.path().is_none() {
                ui.label("no key chosen (make one with `lineup keygen`)");
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Key password:");
            ui.add(egui::TextEdit::singleline(&mut form.password).password(true))
                .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            let folder = Pick::Save {
                kind: "bundle folder",
                extensions: &[],
                name: "assessment-bundle",
            };
            form.out
                .browse(ui, "Choose bundle folder…", folder, dialogs, notice);
            form.out.edit(ui, "Bundle folder", 320.0);
        });
        ui.horizontal(|ui| {
            let public = Pick::File {
                kind: "minisign public key",
                extensions: &["pub"],
            };
            form.published_key
                .browse(ui, "Reviewer's published key…", public, dialogs, notice);
            form.published_key.edit(ui, "Published key", 320.0);
        });
        ui.label(
            form.published_key.path().map_or(
                "no published key chosen: a verification will prove only that nothing changed, \
             not who signed"
                    .into(),
                |k| format!("verifying with {}", k.display()),
            ),
        );
        // A simulation is never signed (the export refuses it too): say why before anyone tries.
        let simulated = view.workspace.document().not_signable_because();
        let ready = form.key.path().is_some()
            && form.out.path().is_some()
            && form.job.is_none()
            && simulated.is_none();
        let mut export = false;
        if let Some(reason) = &simulated {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("Export is switched off: this review cannot be signed, because {reason}."),
            );
        }
        ui.horizontal(|ui| {
            export = ui
                .add_enabled(ready, egui::Button::new("Export signed bundle"))
                .on_disabled_hover_text(
                    simulated
                        .as_deref()
                        .unwrap_or("Choose a secret key and a bundle folder first."),
                )
                .clicked();
            if form.job.is_some() {
                ui.spinner();
                ui.label("Exporting…");
            }
        });
        ui.horizontal(|ui| {
            if form.verifying.is_some() {
                ui.spinner();
                ui.label("Verifying…");
                return;
            }
            form.bundle
                .browse(ui, "Verify a bundle…", Pick::Folder, dialogs, notice);
            let zip = Pick::File {
                kind: "lineup bundle",
                extensions: &["zip"],
            };
            form.bundle
                .browse(ui, "Verify a bundle .zip…", zip, dialogs, notice);
            form.bundle.edit(ui, "Bundle to verify", 280.0);
            let typed = ui
                .add_enabled(form.bundle.path().is_some(), egui::Button::new("Verify"))
                .clicked();
            let chosen = form.bundle.chosen().and_then(|p| p.into_iter().next());
            let bundle = chosen.or_else(|| typed.then(|| form.bundle.path()).flatten());
            if let Some(path) = bundle {
                form.start_verify(path, ui.ctx());
            }
        });
        if export {
            self.start_export(view.workspace, view.banner, ui.ctx());
        }
    }

    fn start_verify(&mut self, bundle: PathBuf, ctx: &egui::Context) {
        let published_key = self.published_key.path();
        let repaint = ctx.clone();
        let job = VerifyJob::start(bundle.clone(), published_key.clone(), move || {
            repaint.request_repaint()
        });
        self.verifying = Some((bundle, published_key, job));
    }

    /// A finished verification: the banner says how it went, and a published key is kept to
    /// remember only when the bundle verified against it as the trusted key (never a key that
    /// was refused, or a verification that failed).
    fn poll_verify(&mut self, banner: &mut Option<Banner>) {
        let Some((_, _, job)) = &self.verifying else {
            return;
        };
        let Some(outcome) = job.try_finish() else {
            return;
        };
        if let Some((path, key, _)) = self.verifying.take() {
            if let Ok(verified) = &outcome
                && !verified.key_from_bundle
            {
                self.used_published_key = key;
            }
            *banner = Some(verify_banner(&path, outcome));
        }
    }

    fn start_export(
        &mut self,
        workspace: &mut Workspace,
        banner: &mut Option<Banner>,
        ctx: &egui::Context,
    ) {
        // The bundle records the hash of the saved review, so unsaved edits are saved first.
        save_review(workspace, banner);
        let (Some(review_path), Some(key), Some(out)) = (
            workspace.path().map(PathBuf::from),
            self.key.path(),
            self.out.path(),
        ) else {
            return;
        };
        let request = ExportRequest {
            document: workspace.document().clone(),
            review_path,
            key,
            password: std::mem::take(&mut self.password),
            out,
        };
        let repaint = ctx.clone();
        self.job = Some(ExportJob::start(request, move || repaint.request_repaint()));
    }

    fn poll_export(&mut self, banner: &mut Option<Banner>) {
        let Some(job) = &self.job else { return };
        let Some(outcome) = job.try_finish() else {
            return;
        };
        self.job = None;
        *banner = Some(match outcome {
            Ok(bundle) => Banner::Info(crate::workspace::jobs::exported_sentence(&bundle)),
            Err(error) => Banner::Error(error.to_string()),
        });
    }
}

/// With the reviewer's published key, a bundle is proven to come from its holder; without it, a
/// bundle can only be shown intact, never proven to come from the reviewer: the banner says so as
/// an error, as `lineup verify` without `--key` exits non-zero.
fn verify_banner(
    path: &std::path::Path,
    outcome: Result<assessment::Verified, crate::workspace::jobs::JobError>,
) -> Banner {
    match outcome {
        Ok(verified) if !verified.key_from_bundle => Banner::Info(format!(
            "{}: verified. The signature and all {} files check out against the published key \
             you chose (ID {}): the holder of that key signed it, and nothing has changed since.",
            path.display(),
            verified.files.len(),
            verified.key_id,
        )),
        Ok(verified) => Banner::Error(format!(
            "{}: intact (the signature and all {} files check out), but WHO SIGNED IS NOT \
             PROVEN: it was checked only with the key inside the bundle (ID {}), and anyone can \
             sign a changed bundle with their own key. Choose the reviewer's published key and \
             verify again.",
            path.display(),
            verified.files.len(),
            verified.key_id,
        )),
        Err(error) => Banner::Error(error.to_string()),
    }
}
