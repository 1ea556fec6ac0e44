//! Watchlist: each identity with its enrolment photos, how often it was alerted on, how often
//! wrongly, and its recorded attributes.

use eframe::egui;

use super::{Banner, View};
use crate::ids::{IdentityId, TrackId};
use crate::review::{GroundTruth, UNKNOWN};
use crate::workspace::Command;
use crate::workspace::frames::PictureKey;

pub(crate) fn show(view: &mut View<'_>, ui: &mut egui::Ui) {
    let workspace = &*view.workspace;
    let pictures = &mut *view.pictures;
    // Alerts by the recognizer shown; the watchlist's names and photos are every one's.
    let document = workspace.shown();
    let simulated = super::simulated::is_simulated(workspace);
    let ctx = ui.ctx().clone();
    let mut change = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (index, identity) in document.watchlist.identities.iter().enumerate() {
            let Some(id) = IdentityId::at(index) else {
                continue;
            };
            let alerts: Vec<TrackId> = workspace
                .alerting_tracks()
                .into_iter()
                .filter(|&t| document.track_match(t).identity == Some(id))
                .collect();
            let wrong = alerts
                .iter()
                .filter(|&&t| matches!(document.tracks[t].label, GroundTruth::NotOnWatchlist) || matches!(document.tracks[t].label, GroundTruth::OnWatchlist(other) if other != id))
                .count();
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    for photo in &identity.photos {
                        let path = document.watchlist.root.join(&photo.path);
                        // A photo with other content than the one enrolled is not shown as it.
                        let differs = workspace.file_differs(&path);
                        match (!differs).then(|| pictures.texture(&ctx, PictureKey::Photo(path.clone()), path)).flatten() {
                            Some(texture) => ui.add(egui::Image::new(&texture).fit_to_exact_size(egui::vec2(72.0, 72.0))),
                            None => ui.label(photo.path.display().to_string()),
                        };
                    }
                    ui.vertical(|ui| {
                        ui.horizontal(|ui| {
                            ui.heading(&identity.name);
                            super::simulated::row_mark(ui, simulated);
                        });
                        // Blind, nothing the first reviewer's labels or attributes imply.
                        if workspace.is_blind() {
                            ui.label(super::simulated::marked(format!("{} enrolment photos; {} alerts", identity.photos.len(), alerts.len()), simulated));
                            ui.label("Its recorded attributes are hidden in blind mode.");
                            return;
                        }
                        ui.label(super::simulated::marked(format!("{} enrolment photos; {} alerts, {} known to be wrong", identity.photos.len(), alerts.len(), wrong), simulated));
                        let recorded = document.identity_attributes.get(&identity.name);
                        for definition in &document.attribute_schema.attributes {
                            let current = recorded.and_then(|a| a.get(&definition.name)).cloned().unwrap_or_else(|| UNKNOWN.into());
                            egui::ComboBox::from_label(format!("{} of {}", definition.name, identity.name))
                                .selected_text(current.as_str())
                                .show_ui(ui, |ui| {
                                    for value in definition.values.iter().map(String::as_str).chain([UNKNOWN]) {
                                        if ui.selectable_label(current == value, value).clicked() {
                                            change = Some((identity.name.clone(), definition.name.clone(), value.to_string()));
                                        }
                                    }
                                });
                        }
                    });
                });
            });
        }
    });
    if let Some((identity, name, value)) = change
        && let Err(error) = view.workspace.apply(Command::IdentityAttribute {
            identity,
            name,
            value: Some(value),
        })
    {
        *view.banner = Some(Banner::Error(error.to_string()));
    }
}
