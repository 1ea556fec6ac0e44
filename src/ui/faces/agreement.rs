//! The two reviewers' agreement on the Faces screen: Cohen's kappa per attribute and for who
//! each track is, in plain words, the disagreements still to settle, and, beside a selected
//! track, the buttons that settle its disagreements.

use eframe::egui;

use super::super::label_name;
use crate::assessment::wording;
use crate::ids::TrackId;
use crate::review::{Answer, Disagreement, Reviewer};
use crate::workspace::{Command, Workspace};

/// A reviewer's value as a person reads it.
fn answer_text(workspace: &Workspace, answer: &Answer) -> String {
    match answer {
        Answer::Label(label) => label_name(workspace, *label),
        Answer::Attribute(_, value) => value.clone(),
    }
}

/// "who: is Alex Doe (first) / not on watchlist (second)".
fn disagreement_text(workspace: &Workspace, disagreement: &Disagreement) -> String {
    let what = match disagreement {
        Disagreement::Label { .. } => "who",
        Disagreement::Attribute { name, .. } => name,
    };
    format!(
        "{what}: {} (first) / {} (second)",
        answer_text(workspace, &disagreement.value_of(Reviewer::First)),
        answer_text(workspace, &disagreement.value_of(Reviewer::Second))
    )
}

/// Which of the first reviewer's answers are compared, and from when.
fn first_answers_text(answers: &crate::review::FirstAnswers) -> String {
    if answers.at_start {
        format!(
            "Compared: the first reviewer's answers as they stood when the second review started \
             ({}); relabelling or settling since changes neither κ nor the list.",
            answers.taken
        )
    } else {
        format!(
            "Compared: the first reviewer's answers as they stood at {}, when this review was \
             first opened by a lineup that keeps them; the second review began before that, so \
             a relabelling made between the two is not visible here.",
            answers.taken
        )
    }
}

/// The agreement and the disagreements to settle; returns the track of a disagreement clicked.
pub(super) fn panel(
    workspace: &Workspace,
    selected: Option<TrackId>,
    ui: &mut egui::Ui,
) -> Option<TrackId> {
    let document = workspace.document();
    let agreement = document.reviewer_agreement()?;
    let second = document
        .second_review
        .as_ref()
        .map(|s| s.reviewer.trim())
        .filter(|name| !name.is_empty())
        .unwrap_or("not named");
    ui.heading(format!(
        "Agreement of the two reviewers (second, blind: {second})"
    ));
    ui.label(
        "κ is agreement beyond chance: 1 perfect, 0 no better than chance, below 0 worse \
         (hover for how to read it).",
    )
    .on_hover_text(wording::KAPPA_MEANING);
    if let Some(answers) = document
        .second_review
        .as_ref()
        .and_then(|s| s.first_answers.as_ref())
    {
        ui.label(first_answers_text(answers));
    }
    ui.label(format!(
        "Who each track is: {}",
        wording::agreement_text(&agreement.label)
    ));
    for (name, attribute) in &agreement.attributes {
        ui.label(format!("{name}: {}", wording::agreement_text(attribute)));
    }
    let open = document.open_disagreements();
    ui.label(format!(
        "{} disagreements to settle (click one to see its track, then keep one reviewer's value):",
        open.len()
    ));
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("disagreements")
        .show(ui, |ui| {
            for (track, disagreement) in &open {
                let text = format!("{track} — {}", disagreement_text(workspace, disagreement));
                if ui
                    .selectable_label(selected == Some(*track), text)
                    .clicked()
                {
                    clicked = Some(*track);
                }
            }
        });
    clicked
}

/// Beside a selected track: each of its open disagreements with a button per reviewer that
/// keeps that reviewer's value as the review's; the settling chosen, to be applied (a label
/// change like any other).
pub(super) fn settle_buttons(
    workspace: &Workspace,
    ui: &mut egui::Ui,
    track: TrackId,
) -> Option<Command> {
    let open: Vec<Disagreement> = workspace
        .document()
        .open_disagreements()
        .into_iter()
        .filter(|(t, _)| *t == track)
        .map(|(_, disagreement)| disagreement)
        .collect();
    if open.is_empty() {
        return None;
    }
    ui.separator();
    ui.label("The reviewers disagree:");
    let mut settle = None;
    for disagreement in open {
        ui.label(disagreement_text(workspace, &disagreement));
        let what = match &disagreement {
            Disagreement::Label { .. } => String::new(),
            Disagreement::Attribute { name, .. } => format!(" {name}"),
        };
        for (keep, whose) in [(Reviewer::First, "first"), (Reviewer::Second, "second")] {
            let value = answer_text(workspace, &disagreement.value_of(keep));
            if ui
                .button(format!("Keep the {whose} reviewer's{what}: {value}"))
                .clicked()
            {
                settle = Some(Command::Settle {
                    track,
                    disagreement: disagreement.clone(),
                    keep,
                });
            }
        }
    }
    ui.separator();
    settle
}
