//! Faces: every face track as a thumbnail, filtered; select one or many and label them by key
//! (Y: is the candidate shown, N: not on the watchlist, X: not a face, U: unlabelled), and set
//! their perceived attributes.

mod agreement;

use std::collections::BTreeSet;

use eframe::egui;

use super::{Banner, HistoryStep, View, history_key, label_name};
use crate::ids::{DetectionId, IdentityId, TrackId};
use crate::review::{GroundTruth, UNKNOWN};
use crate::workspace::{Command, TrackState, Workspace};

/// The Faces screen and what it remembers between frames: which tracks are selected and which
/// are shown.
#[derive(Debug, Default)]
pub(crate) struct FacesScreen {
    selection: BTreeSet<TrackId>,
    filter: Filter,
    /// Show only the labelled tracks of the slice of this name; a name the current slicing does
    /// not have shows every track (the slicing changed since it was chosen).
    slice: Option<String>,
    /// A card the keyboard moved to, to be scrolled into view when next drawn.
    scroll_to: Option<TrackId>,
    /// Labelling blind, as a second reviewer: the review's own labels, attributes and
    /// suggestions are hidden, and labels go to the second review. A copy of the workspace's
    /// blind mode (app-wide and recorded in the second review), taken each frame.
    blind: bool,
}

/// A face card's size in the grid.
const CARD: egui::Vec2 = egui::vec2(230.0, 84.0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Filter {
    #[default]
    All,
    Alerts,
    Unlabelled,
    Labelled,
}

/// The second reviewer's label of `track` (unlabelled where they have not looked at it).
fn second_label(workspace: &Workspace, track: TrackId) -> GroundTruth {
    workspace
        .document()
        .second_review
        .as_ref()
        .and_then(|second| second.labels.get(&track))
        .map_or(GroundTruth::Unlabelled, |theirs| theirs.label)
}

/// The label the screen works with: the review's own, or blind, the second reviewer's.
fn shown_label(workspace: &Workspace, track: TrackId, blind: bool) -> GroundTruth {
    if blind {
        second_label(workspace, track)
    } else {
        workspace.document().tracks[track].label
    }
}

/// A track's state; blind, only whether it alerts (the rest would tell the review's label).
pub(crate) fn shown_state(workspace: &Workspace, track: TrackId, blind: bool) -> TrackState {
    match (blind, workspace.track_alerts(track)) {
        (false, _) => workspace.track_state(track),
        (true, true) => TrackState::Alert,
        (true, false) => TrackState::BelowThreshold,
    }
}

fn visible_tracks(
    workspace: &Workspace,
    filter: Filter,
    slice: Option<&str>,
    blind: bool,
) -> Vec<TrackId> {
    // A name the current slicing does not have shows every track (see `FacesScreen::slice`).
    let members = slice.and_then(|name| workspace.tracks_in_slice(name));
    let in_slice = |t: TrackId| members.as_ref().is_none_or(|members| members[t.0]);
    workspace
        .tracks()
        .filter(|&t| match filter {
            Filter::All => true,
            Filter::Alerts => workspace.track_alerts(t),
            Filter::Unlabelled => shown_label(workspace, t, blind) == GroundTruth::Unlabelled,
            Filter::Labelled => shown_label(workspace, t, blind) != GroundTruth::Unlabelled,
        })
        .filter(|&t| in_slice(t))
        .collect()
}

/// The candidate each selected track's card shows, for the tracks that have one.
fn own_candidates(
    workspace: &Workspace,
    selection: &BTreeSet<TrackId>,
) -> Vec<(TrackId, IdentityId)> {
    selection
        .iter()
        .filter_map(|&track| Some((track, workspace.shown().track_match(track).identity?)))
        .collect()
}

/// What the Y button says: "Is Alex Doe (Y)" when every selected card with a candidate shows
/// the same one; when they differ, that each gets their own. None when no card shows one.
fn candidate_button(workspace: &Workspace, selection: &BTreeSet<TrackId>) -> Option<String> {
    let candidates: BTreeSet<IdentityId> = own_candidates(workspace, selection)
        .into_iter()
        .map(|(_, identity)| identity)
        .collect();
    match candidates.len() {
        0 => None,
        1 => {
            let identity = candidates.into_iter().next()?;
            let name = workspace.document().identity_name(identity).unwrap_or("?");
            Some(format!("Is {name} (Y)"))
        }
        _ => Some("Each is their own candidate (Y)".into()),
    }
}

/// The colour of a face card's words: the theme's strongest text, which on the card's fill
/// (selected or not) keeps at least the 4.5:1 contrast WCAG AA asks of text. The state's own
/// colour (amber, red, …) would not: 2.3:1 on a card, 1.3:1 on a selected one.
pub(crate) fn card_text_color(visuals: &egui::Visuals, _selected: bool) -> egui::Color32 {
    visuals.strong_text_color()
}

/// The fill of a face card, as egui draws a button (selected or not).
#[cfg(test)]
fn card_fill(visuals: &egui::Visuals, selected: bool) -> egui::Color32 {
    if selected {
        visuals.selection.bg_fill
    } else {
        visuals.widgets.inactive.weak_bg_fill
    }
}

/// WCAG 2 contrast ratio of two colours, 1 to 21.
#[cfg(test)]
fn contrast_ratio(a: egui::Color32, b: egui::Color32) -> f32 {
    let luminance = |c: egui::Color32| {
        let linear = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(c.r()) + 0.7152 * linear(c.g()) + 0.0722 * linear(c.b())
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// What each state on a card means, in words: the legend under the filters.
fn state_legend(ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        for (state, meaning) in [
            (TrackState::Alert, "would raise an alert; not yet checked"),
            (TrackState::Confirmed, "alert on the right person"),
            (TrackState::FalseAlert, "alert on the wrong person"),
            (TrackState::Missed, "on the watchlist, not found"),
            (TrackState::BelowThreshold, "no alert"),
            (TrackState::NotAFace, "not a usable face"),
        ] {
            ui.label(egui::RichText::new(state.describe()).color(state_color(ui, state)));
            ui.label(format!(": {meaning}."));
        }
    });
}

pub(crate) fn state_color(ui: &egui::Ui, state: TrackState) -> egui::Color32 {
    match state {
        TrackState::Alert => egui::Color32::from_rgb(230, 160, 0),
        TrackState::Confirmed => egui::Color32::from_rgb(40, 160, 220),
        TrackState::FalseAlert => egui::Color32::from_rgb(220, 50, 50),
        TrackState::Missed => egui::Color32::from_rgb(170, 110, 220),
        TrackState::BelowThreshold | TrackState::NotAFace => ui.visuals().weak_text_color(),
    }
}

/// What the range beside a skin tone suggestion means, on hovering over it.
const SKIN_RANGE_HELP: &str = "The range is the interquartile range of the cheek pixels' \
Individual Typology Angle (the middle half of them), in each of this track's faces, joined and \
mapped to Monk values. A wide range means the pixels cannot tell. Lighting, white balance and \
make-up move the whole range, so it is not a margin of error: a person decides. Reviews analysed \
before the range was recorded show none; analyse again to get it.";

/// Faces a track's filmstrip shows at most, evenly spaced over the track (its best-scoring face
/// comes on top of these where they miss it).
const FILMSTRIP_FACES: usize = 12;
/// The side of a filmstrip picture, in points.
const FILMSTRIP_SIDE: f32 = 56.0;

/// Which of a track's `faces` (positions in its time-ordered detections) its filmstrip shows,
/// in time order: every one up to `most`, otherwise `most` spread evenly from the first to the
/// last, with `best` (the best-scoring face) added where the spread misses it.
fn filmstrip_faces(faces: usize, best: Option<usize>, most: usize) -> Vec<usize> {
    if faces <= most || most < 2 {
        return (0..faces.min(most.max(1))).collect();
    }
    let gaps = most - 1;
    let mut shown: Vec<usize> = (0..most)
        .map(|i| (i * (faces - 1) + gaps / 2) / gaps)
        .chain(best.filter(|&b| b < faces))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    shown
}

/// A track's faces over time, beside its label: each face cut from its frame (decoded in the
/// background), with its frame, time and match score, the best-scoring one marked.
fn filmstrip(view: &mut View<'_>, ui: &mut egui::Ui, track: TrackId) {
    let workspace = &*view.workspace;
    // The shown recognizer's scores, each on its own scale (a distance as a distance).
    let document = workspace.shown();
    let detections = &document.tracks[track].detections;
    let score = |d: DetectionId| document.detections[d].candidates.first().map(|c| c.score);
    let own = |score: f32| document.shown_threshold(score);
    let simulated = super::simulated::is_simulated(workspace);
    let best = (0..detections.len())
        .filter_map(|at| Some((at, score(detections[at])?)))
        .reduce(|best, next| if next.1 > best.1 { next } else { best })
        .map(|(at, _)| at);
    let shown = filmstrip_faces(detections.len(), best, FILMSTRIP_FACES);
    ui.label(format!(
        "Faces over time: {} of {}{}",
        shown.len(),
        detections.len(),
        if shown.len() < detections.len() {
            ", evenly spaced, and the best match"
        } else {
            ""
        }
    ));
    let ctx = ui.ctx().clone();
    egui::ScrollArea::horizontal()
        .id_salt("filmstrip")
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                for at in shown {
                    let detection = detections[at];
                    let source = document.detections[detection].source;
                    let describe = format!(
                        "Face at frame {}, {:.2} s, {}{}",
                        source.frame_index,
                        source.timestamp_s,
                        score(detection)
                            .map_or("no candidate".into(), |s| format!("match {:.2}", own(s))),
                        if Some(at) == best {
                            " (best match)"
                        } else {
                            ""
                        }
                    );
                    ui.vertical(|ui| {
                        ui.set_width(FILMSTRIP_SIDE);
                        let side = egui::vec2(FILMSTRIP_SIDE, FILMSTRIP_SIDE);
                        match view.pictures.face(&ctx, workspace, detection) {
                            Some(texture) => {
                                ui.add(
                                    egui::Image::new(&texture)
                                        .fit_to_exact_size(side)
                                        .alt_text(describe.clone()),
                                )
                                .on_hover_text(&describe);
                            }
                            None if view.pictures.face_failed(workspace, detection) => {
                                ui.add_sized(side, egui::Label::new("✖"))
                                    .on_hover_text(format!(
                                        "{describe}: the frame could not be read"
                                    ));
                            }
                            None => {
                                ui.add_sized(side, egui::Spinner::new());
                            }
                        }
                        let marker = if Some(at) == best { "★ " } else { "" };
                        ui.small(super::simulated::marked(
                            format!(
                                "{marker}f {}\n{:.2} s\n{}",
                                source.frame_index,
                                source.timestamp_s,
                                score(detection).map_or("–".into(), |s| format!("{:.2}", own(s)))
                            ),
                            simulated,
                        ));
                    });
                }
            });
        });
}

impl FacesScreen {
    /// Shows `track` alone selected and in view, every track shown (the Compare models
    /// screen opens a track this way).
    pub(crate) fn open_track(&mut self, track: TrackId) {
        (self.filter, self.slice) = (Filter::All, None);
        self.selection = [track].into();
        self.scroll_to = Some(track);
    }

    /// Forgets the selection (another review was opened).
    pub(crate) fn clear(&mut self) {
        self.selection.clear();
    }

    /// Applies a label to the selected tracks (the keyboard's and the buttons' way in): to the
    /// review, or blind, to the second review.
    fn label_selection(&self, workspace: &mut Workspace, label: GroundTruth) {
        let tracks: Vec<TrackId> = self.selection.iter().copied().collect();
        let command = if self.blind {
            Command::SecondLabel { tracks, label }
        } else {
            Command::Label { tracks, label }
        };
        // A label is always valid: nothing to refuse.
        let _ = workspace.apply(command);
    }

    /// Y: each selected track is the candidate on its own card (tracks with no candidate keep
    /// their label), in one edit: to the review, or blind, to the second review.
    fn label_each_own_candidate(&self, workspace: &mut Workspace) {
        let labels: Vec<(TrackId, GroundTruth)> = own_candidates(workspace, &self.selection)
            .into_iter()
            .map(|(track, identity)| (track, GroundTruth::OnWatchlist(identity)))
            .collect();
        let command = if self.blind {
            Command::EachSecondLabel { labels }
        } else {
            Command::EachLabel { labels }
        };
        // A label is always valid: nothing to refuse.
        let _ = workspace.apply(command);
    }

    /// The switch into blind labelling and, when on, the second reviewer's name.
    fn blind_switch(&mut self, workspace: &mut Workspace, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let switched = ui
                .checkbox(&mut self.blind, "Label blind, as a second reviewer")
                .on_hover_text(
                    "Hides the review's labels, attributes and suggestions on every screen; your \
                     labels go to a second review kept apart, to measure how far two reviewers \
                     agree. When it was on and off is recorded in the second review.",
                )
                .changed();
            if switched {
                let _ = workspace.apply(Command::Blind(self.blind));
            }
            if !self.blind {
                return;
            }
            let mut name = workspace
                .document()
                .second_review
                .as_ref()
                .map(|second| second.reviewer.clone())
                .unwrap_or_default();
            let label = ui.label("Second reviewer's name");
            let edited = ui
                .add(egui::TextEdit::singleline(&mut name).desired_width(180.0))
                .labelled_by(label.id)
                .changed();
            if edited {
                let _ = workspace.apply(Command::SecondReviewer(name));
            }
        });
    }

    /// The label keys act on the selection; arrows move it; Ctrl+Z and Ctrl+Shift+Z (Ctrl+Y)
    /// undo and redo. Every key press of the frame is taken in the order it came, each once, so
    /// that a label lands on the track selected when its key was pressed, and an undo takes back
    /// what was typed before it, however many keys arrive before the next frame.
    fn keyboard(
        &mut self,
        workspace: &mut Workspace,
        ui: &egui::Ui,
        visible: &[TrackId],
        slice: Option<&str>,
    ) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        const KEYS: [egui::Key; 6] = [
            egui::Key::Y,
            egui::Key::N,
            egui::Key::X,
            egui::Key::U,
            egui::Key::ArrowRight,
            egui::Key::ArrowLeft,
        ];
        /// A press the screen acts on: a label or arrow key, or a step through the edits.
        enum Pressed {
            Key(egui::Key),
            Step(HistoryStep),
        }
        let pressed: Vec<Pressed> = ui.input_mut(|input| {
            let mut pressed = Vec::new();
            input.events.retain(|event| {
                if let Some(step) = history_key(event) {
                    pressed.push(Pressed::Step(step));
                    return false;
                }
                match event {
                    egui::Event::Key {
                        key,
                        pressed: true,
                        modifiers,
                        ..
                    } if modifiers.is_none() && KEYS.contains(key) => {
                        pressed.push(Pressed::Key(*key));
                        false
                    }
                    _ => true,
                }
            });
            pressed
        });
        let mut visible = visible.to_vec();
        for press in pressed {
            let edits = !matches!(
                press,
                Pressed::Key(egui::Key::ArrowRight | egui::Key::ArrowLeft)
            );
            match press {
                Pressed::Step(step) => step.apply(workspace),
                Pressed::Key(egui::Key::Y) => self.label_each_own_candidate(workspace),
                Pressed::Key(egui::Key::N) => {
                    self.label_selection(workspace, GroundTruth::NotOnWatchlist)
                }
                Pressed::Key(egui::Key::X) => {
                    self.label_selection(workspace, GroundTruth::NotAFace)
                }
                Pressed::Key(egui::Key::U) => {
                    self.label_selection(workspace, GroundTruth::Unlabelled)
                }
                Pressed::Key(egui::Key::ArrowRight) => self.move_selection(&visible, 1),
                Pressed::Key(egui::Key::ArrowLeft) => self.move_selection(&visible, -1),
                Pressed::Key(_) => {}
            }
            if edits {
                // A label can hide its track (the Unlabelled filter): the next key of the same
                // frame must not reach it, as it would not in the next frame.
                visible = visible_tracks(workspace, self.filter, slice, self.blind);
                self.selection.retain(|track| visible.contains(track));
            }
        }
    }

    /// Moves the selection `step` cards along the visible ones, and asks for it to be seen.
    fn move_selection(&mut self, visible: &[TrackId], step: i64) {
        if visible.is_empty() {
            return;
        }
        let current = self
            .selection
            .first()
            .and_then(|t| visible.iter().position(|v| v == t));
        let next = match current {
            Some(at) => (at as i64 + step).clamp(0, visible.len() as i64 - 1) as usize,
            None => 0,
        };
        self.selection = [visible[next]].into();
        self.scroll_to = Some(visible[next]);
    }

    pub(crate) fn ui(&mut self, view: &mut View<'_>, ui: &mut egui::Ui) {
        self.blind = view.workspace.is_blind();
        // Blind, no slice filter: slices are built from the review's own attributes.
        let slice = self.slice.clone().filter(|_| !self.blind);
        let visible = visible_tracks(view.workspace, self.filter, slice.as_deref(), self.blind);
        // Keys and buttons act only on tracks the person can see: a selected track the filter,
        // the slice or blind mode now hides is no longer selected.
        self.selection.retain(|track| visible.contains(track));
        let names = view.workspace.sliced().names.clone();
        self.keyboard(view.workspace, ui, &visible, slice.as_deref());
        egui::Panel::right("face_details")
            .default_size(320.0)
            .show(ui, |ui| {
                // Not shrunk to its contents: the panel keeps its width.
                egui::ScrollArea::vertical()
                    .id_salt("face_details_scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.details(view, ui));
            });
        if !self.blind && view.workspace.document().second_review.is_some() {
            let selected = self.selection.first().copied();
            let clicked = egui::Panel::bottom("reviewer_agreement")
                .resizable(true)
                .default_size(220.0)
                .show(ui, |ui| agreement::panel(view.workspace, selected, ui))
                .inner;
            if let Some(track) = clicked {
                if !visible.contains(&track) {
                    // Shown, so that it stays selected.
                    (self.filter, self.slice) = (Filter::All, None);
                }
                self.selection = [track].into();
                self.scroll_to = Some(track);
            }
        }
        self.blind_switch(view.workspace, ui);
        ui.horizontal(|ui| {
            ui.label("Show:");
            for (filter, name) in [
                (Filter::All, "All"),
                (Filter::Alerts, "Alerts"),
                (Filter::Unlabelled, "Unlabelled"),
                (Filter::Labelled, "Labelled"),
            ] {
                ui.selectable_value(&mut self.filter, filter, name);
            }
            let shown = slice
                .as_deref()
                .filter(|name| names.iter().any(|n| n == name))
                .unwrap_or("all slices")
                .to_owned();
            if !self.blind {
                egui::ComboBox::from_label("Slice")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.slice, None, "all slices");
                        for name in &names {
                            ui.selectable_value(&mut self.slice, Some(name.clone()), name);
                        }
                    });
            }
            ui.label(match self.selection.len() {
                0 => format!("{} tracks", visible.len()),
                selected => format!("{} tracks, {selected} selected", visible.len()),
            });
        });
        ui.label("Click to select (Ctrl-click adds). Keys: Y is the candidate shown, N not on watchlist, X not a face, U unlabelled, ←/→ move.");
        state_legend(ui);
        let clicked = self.grid(view, ui, &visible);
        self.scroll_to = None;
        if let Some((track, add)) = clicked {
            if !add {
                self.selection.clear();
            }
            if !self.selection.insert(track) {
                self.selection.remove(&track);
            }
        }
    }

    /// The cards of `visible`, in rows: only the rows on screen are laid out and only their
    /// thumbnails asked for, so a review of 50,000 tracks costs what a screenful does. Returns
    /// the card clicked and whether Ctrl (Cmd) was held.
    fn grid(
        &mut self,
        view: &mut View<'_>,
        ui: &mut egui::Ui,
        visible: &[TrackId],
    ) -> Option<(TrackId, bool)> {
        let workspace = &*view.workspace;
        let pictures = &mut *view.pictures;
        let ctx = ui.ctx().clone();
        let spacing = ui.spacing().item_spacing;
        // The scroll bar may take its width from the cards' row.
        let width = ui.available_width() - ui.spacing().scroll.bar_width - spacing.x;
        let columns = (((width + spacing.x) / (CARD.x + spacing.x)).floor() as usize).max(1);
        let rows = visible.len().div_ceil(columns);
        let mut area = egui::ScrollArea::vertical().id_salt("face_cards");
        if let Some(at) = self
            .scroll_to
            .and_then(|track| visible.iter().position(|&t| t == track))
        {
            // Its row may not be laid out, so the grid scrolls to where that row is.
            let row_top = (at / columns) as f32 * (CARD.y + spacing.y);
            let centred = row_top - (ui.available_height() - CARD.y) / 2.0;
            area = area.vertical_scroll_offset(centred.max(0.0));
        }
        let mut clicked = None;
        area.show_rows(ui, CARD.y, rows, |ui, shown_rows| {
            for row in shown_rows {
                let first = row * columns;
                let cards = &visible[first..(first + columns).min(visible.len())];
                ui.horizontal(|ui| {
                    for &track in cards {
                        let texture = pictures.thumbnail(&ctx, workspace, track);
                        if let Some(click) = self.card(workspace, ui, track, texture) {
                            clicked = Some(click);
                        }
                    }
                });
            }
        });
        clicked
    }

    /// One track's card: its thumbnail (once made), number, state, candidate and label.
    fn card(
        &self,
        workspace: &Workspace,
        ui: &mut egui::Ui,
        track: TrackId,
        texture: Option<egui::TextureHandle>,
    ) -> Option<(TrackId, bool)> {
        let blind = self.blind;
        let state = shown_state(workspace, track, blind);
        let shown = workspace.shown();
        let matched = shown.track_match(track);
        let simulated = super::simulated::is_simulated(workspace);
        let candidate = matched
            .identity
            .and_then(|i| shown.identity_name(i))
            .map_or("no candidate".into(), |name| {
                let score = shown.shown_threshold(matched.score);
                super::simulated::marked(format!("{name} {score:.2}"), simulated)
            });
        let text = format!(
            "{track} {}\n{candidate}\n{}",
            state.describe(),
            label_name(workspace, shown_label(workspace, track, blind))
        );
        let selected = self.selection.contains(&track);
        // The words carry the state in a colour that reads (WCAG AA) on the card,
        // selected or not; the state's own colour frames the card.
        let text = egui::RichText::new(text).color(card_text_color(ui.visuals(), selected));
        let button = match texture {
            Some(texture) => egui::Button::image_and_text(
                egui::Image::new(&texture).fit_to_exact_size(egui::vec2(72.0, 72.0)),
                text,
            ),
            None => egui::Button::new(text),
        };
        let frame = egui::Stroke::new(if selected { 3.0 } else { 2.0 }, state_color(ui, state));
        let response = ui.add_sized(CARD, button.selected(selected).stroke(frame));
        if self.scroll_to == Some(track) {
            response.scroll_to_me(Some(egui::Align::Center));
        }
        response
            .clicked()
            .then(|| (track, ui.input(|i| i.modifiers.command)))
    }

    fn details(&self, view: &mut View<'_>, ui: &mut egui::Ui) {
        let selection: Vec<TrackId> = self.selection.iter().copied().collect();
        if selection.is_empty() {
            ui.label("Select a face track to label it.");
            return;
        }
        ui.heading(if selection.len() == 1 {
            format!("Track {}", selection[0])
        } else {
            format!("{} tracks", selection.len())
        });
        let first = selection[0];
        if selection.len() == 1 {
            filmstrip(view, ui, first);
        }
        let (workspace, banner) = (&mut *view.workspace, &mut *view.banner);
        let document = workspace.document();
        let track = &document.tracks[first];
        ui.label(format!("Faces in track: {}", track.detections.len()));
        if self.blind {
            let theirs = label_name(workspace, second_label(workspace, first));
            ui.label(format!("Your label (second review): {theirs}"));
        } else {
            ui.label(format!("Label: {}", label_name(workspace, track.label)));
        }
        let settle = if self.blind {
            None
        } else {
            agreement::settle_buttons(workspace, ui, first)
        };
        // Blind, the attributes shown and set are the second reviewer's.
        let no_attributes = crate::review::Attributes::new();
        let attributes = if self.blind {
            document
                .second_review
                .as_ref()
                .and_then(|second| second.labels.get(&first))
                .map_or(&no_attributes, |theirs| &theirs.attributes)
        } else {
            &track.attributes
        };
        ui.separator();
        ui.label("Who is this really?");
        let mut chosen = None;
        let mut each_own_candidate = false;
        if let Some(button) = candidate_button(workspace, &self.selection) {
            let without = selection.len() - own_candidates(workspace, &self.selection).len();
            let response = ui.button(button);
            let response = if without > 0 {
                response.on_hover_text(format!(
                    "{without} of the {} selected tracks have no candidate and keep their label.",
                    selection.len()
                ))
            } else {
                response
            };
            each_own_candidate = response.clicked();
        }
        if ui.button("Not on the watchlist (N)").clicked() {
            chosen = Some(GroundTruth::NotOnWatchlist);
        }
        if ui.button("Not a face / unusable (X)").clicked() {
            chosen = Some(GroundTruth::NotAFace);
        }
        if ui.button("Unlabelled (U)").clicked() {
            chosen = Some(GroundTruth::Unlabelled);
        }
        egui::ComboBox::from_label("Someone else on the watchlist")
            .selected_text("choose…")
            .show_ui(ui, |ui| {
                for (index, identity) in document.watchlist.identities.iter().enumerate() {
                    if ui.selectable_label(false, &identity.name).clicked() {
                        chosen = IdentityId::at(index).map(GroundTruth::OnWatchlist);
                    }
                }
            });
        ui.separator();
        ui.label("Perceived attributes");
        let mut change = None;
        for definition in &document.attribute_schema.attributes {
            let current = attributes
                .get(&definition.name)
                .cloned()
                .unwrap_or_else(|| UNKNOWN.into());
            egui::ComboBox::from_label(definition.question.as_str())
                .selected_text(current.as_str())
                .show_ui(ui, |ui| {
                    for value in definition
                        .values
                        .iter()
                        .map(String::as_str)
                        .chain([UNKNOWN])
                    {
                        if ui.selectable_label(current == value, value).clicked() {
                            change = Some((definition.name.clone(), value.to_string()));
                        }
                    }
                });
        }
        let suggested: Vec<(TrackId, u8)> = selection
            .iter()
            .filter_map(|&t| Some((t, document.tracks[t].skin_tone_suggestion?)))
            .collect();
        let mut accept_each = false;
        if self.blind {
            // No suggestion: it would lead the second reviewer.
        } else if selection.len() > 1 {
            if !suggested.is_empty()
                && ui
                    .button(format!(
                        "Accept each track's suggestion ({} of {} have one)",
                        suggested.len(),
                        selection.len()
                    ))
                    .on_hover_text(SKIN_RANGE_HELP)
                    .clicked()
            {
                accept_each = true;
            }
        } else if let Some(suggestion) = track.skin_tone_suggestion {
            let range = match track.skin_tone_range {
                Some((lightest, darkest)) => format!(", range {lightest}–{darkest}"),
                None => ", range not recorded".into(),
            };
            ui.label(format!(
                "Suggested skin tone from the pixels: Monk {suggestion}{range} (Individual Typology Angle; lighting moves it — check before you accept)."
            ))
            .on_hover_text(SKIN_RANGE_HELP);
            if ui
                .button(format!("Accept suggestion Monk {suggestion}"))
                .clicked()
            {
                change = Some(("skin".into(), suggestion.to_string()));
            }
        }
        if let Some(label) = chosen {
            self.label_selection(workspace, label);
        }
        if each_own_candidate {
            self.label_each_own_candidate(workspace);
        }
        if accept_each {
            let values = suggested
                .iter()
                .map(|&(track, value)| (track, value.to_string()))
                .collect();
            if let Err(error) = workspace.apply(Command::EachTrackAttribute {
                name: "skin".into(),
                values,
            }) {
                *banner = Some(Banner::Error(error.to_string()));
            }
        }
        if let Some((name, value)) = change {
            let tracks = selection.clone();
            let value = Some(value);
            let command = if self.blind {
                Command::SecondAttribute {
                    tracks,
                    name,
                    value,
                }
            } else {
                Command::TrackAttribute {
                    tracks,
                    name,
                    value,
                }
            };
            if let Err(error) = workspace.apply(command) {
                *banner = Some(Banner::Error(error.to_string()));
            }
        }
        if let Some(settle) = settle
            && let Err(error) = workspace.apply(settle)
        {
            *banner = Some(Banner::Error(error.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filmstrip_spreads_a_long_track_and_keeps_its_best_face() {
        assert_eq!(
            filmstrip_faces(3, Some(1), 12),
            [0, 1, 2],
            "short: every face"
        );
        assert_eq!(filmstrip_faces(0, None, 12), Vec::<usize>::new());
        // 20 faces, 12 shown: first to last, evenly; 11 (the best) is not among them, so added.
        assert_eq!(
            filmstrip_faces(20, Some(11), 12),
            [0, 2, 3, 5, 7, 9, 10, 11, 12, 14, 16, 17, 19]
        );
        // A best face the spread already holds is not shown twice.
        assert_eq!(filmstrip_faces(20, Some(9), 12).len(), 12);
        let long = filmstrip_faces(10_000, Some(4_321), 12);
        assert_eq!((long.len(), long[0], long[12]), (13, 0, 9_999));
    }

    #[test]
    fn contrast_ratios_by_the_wcag_formula() {
        // Black on white is 21:1; a colour on itself 1:1; #767676 on white is the AA edge, 4.54.
        let white = egui::Color32::WHITE;
        assert!((contrast_ratio(egui::Color32::BLACK, white) - 21.0).abs() < 0.01);
        assert!((contrast_ratio(white, white) - 1.0).abs() < 1e-6);
        let grey = egui::Color32::from_rgb(0x76, 0x76, 0x76);
        assert!((contrast_ratio(grey, white) - 4.54).abs() < 0.01);
    }

    /// The words on a face card meet WCAG AA (4.5:1) in both themes, selected or not; the old
    /// state colours did not (amber on a card 2.3:1 was the complaint).
    #[test]
    fn face_card_text_meets_wcag_aa() {
        for visuals in [egui::Visuals::dark(), egui::Visuals::light()] {
            for selected in [false, true] {
                let ratio = contrast_ratio(
                    card_text_color(&visuals, selected),
                    card_fill(&visuals, selected),
                );
                assert!(
                    ratio >= 4.5,
                    "dark mode {}, selected {selected}: {ratio:.2}:1",
                    visuals.dark_mode
                );
            }
        }
        let dark = egui::Visuals::dark();
        let amber = egui::Color32::from_rgb(230, 160, 0);
        assert!(
            contrast_ratio(amber, dark.selection.bg_fill) < 4.5,
            "the old colour failed"
        );
    }
}
