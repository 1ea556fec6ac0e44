//! Footage: a frame with its faces boxed by state, candidate and score on hover, a scrub bar
//! marked where alerts happen, play/pause, and keys (space, ←/→, J/K/L).

use std::time::Duration;

use eframe::egui;

use super::View;
use super::faces::{shown_state, state_color};
use crate::workspace::frames::PictureKey;
use crate::workspace::{TrackState, Workspace};

/// The Footage screen and what it remembers between frames: where in the footage it is, and
/// whether it is playing.
#[derive(Debug, Default)]
pub(crate) struct FootageScreen {
    current_input: usize,
    playing: bool,
    /// While playing: when (the interface's clock, in seconds) the frame at the current position
    /// was first on screen. Playback moves on from it once its time is up and the next frame's
    /// picture is decoded, never before, so every frame played is seen.
    shown_since: Option<f64>,
}

/// The pause between two frames of different inputs, or of inputs without times (stills).
const STILL_PAUSE_S: f64 = 0.4;
/// Bounds on the pause between two frames of one video: frames with faces may be far apart in
/// the footage, and a long gap is not worth waiting through.
const PAUSE_BOUNDS_S: (f64, f64) = (1.0 / 50.0, 1.0);

impl FootageScreen {
    /// Back to the start (another review was opened).
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    fn keyboard(&mut self, ui: &egui::Ui, frame_count: usize) {
        if ui.ctx().egui_wants_keyboard_input() || frame_count == 0 {
            return;
        }
        let pressed = |key| ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key));
        if pressed(egui::Key::Space) || pressed(egui::Key::K) {
            self.toggle_playing();
        }
        if pressed(egui::Key::ArrowRight) || pressed(egui::Key::L) {
            self.go_to((self.current_input + 1).min(frame_count - 1));
        }
        if pressed(egui::Key::ArrowLeft) || pressed(egui::Key::J) {
            self.go_to(self.current_input.saturating_sub(1));
        }
    }

    fn toggle_playing(&mut self) {
        self.playing = !self.playing;
        self.shown_since = None;
    }

    /// Moves to `position` (a key, the scrub bar): its frame's time starts when it is seen.
    fn go_to(&mut self, position: usize) {
        if position != self.current_input {
            self.current_input = position;
            self.shown_since = None;
        }
    }

    /// Playback: moves one frame on once the current frame has been on screen for its time and
    /// the next one's picture is ready (asked for now, so it decodes while this one shows). A
    /// frame still decoding holds playback where it is; the loader's repaint wakes it.
    fn play(&mut self, view: &mut View<'_>, ctx: &egui::Context) {
        let workspace = &*view.workspace;
        let frames = workspace.frames();
        if frames.is_empty() {
            return;
        }
        let position = self.current_input.min(frames.len() - 1);
        let next = (position + 1) % frames.len();
        let mut ready = |position: usize| {
            let key = frames[position].0;
            view.pictures.frame(ctx, workspace, key).is_some()
                || view.pictures.failure(&PictureKey::Frame(key)).is_some()
        };
        if !ready(position) {
            return;
        }
        let now = ctx.input(|i| i.time);
        let due = *self.shown_since.get_or_insert(now) + pause_between(workspace, position, next);
        let next_ready = ready(next);
        if now < due {
            ctx.request_repaint_after(Duration::from_secs_f64(due - now));
        } else if next_ready {
            self.current_input = next;
            self.shown_since = Some(now);
            ctx.request_repaint_after(Duration::from_secs_f64(pause_between(
                workspace,
                next,
                (next + 1) % frames.len(),
            )));
        }
    }

    pub(crate) fn ui(&mut self, view: &mut View<'_>, ui: &mut egui::Ui) {
        let frame_count = view.workspace.frames().len();
        self.keyboard(ui, frame_count);
        if self.playing {
            self.play(view, &ui.ctx().clone());
        }
        let workspace = &*view.workspace;
        let pictures = &mut *view.pictures;
        if frame_count == 0 {
            ui.label("This review has no footage.");
            return;
        }
        let position = self.current_input.min(frame_count - 1);
        let (key, detections) = &workspace.frames()[position];
        // The shown recognizer's candidates and scores (its own scale), on the same faces.
        let document = workspace.shown();
        let input = &document.inputs[key.input];
        ui.horizontal(|ui| {
            let play = if self.playing {
                "❚❚ Pause (space)"
            } else {
                "▶ Play (space)"
            };
            if ui.button(play).clicked() {
                self.toggle_playing();
            }
            ui.label(format!(
                "{} — frame {} ({}/{}), {} faces",
                input.path.display(),
                key.frame_index,
                position + 1,
                frame_count,
                detections.len()
            ));
        });
        let mut scrub = position;
        let slider = egui::Slider::new(&mut scrub, 0..=frame_count - 1)
            .text("Position")
            .show_value(false);
        // A scrub bar as wide as the view, so alert ticks spread out over the footage.
        ui.spacing_mut().slider_width = (ui.available_width() - 120.0).max(100.0);
        let response = ui.add(slider);
        if scrub != position {
            self.go_to(scrub);
        }
        mark_alerts(workspace, ui, &response.rect, frame_count);
        let ctx = ui.ctx().clone();
        if crate::review::scenario::is_placeholder(&input.path) {
            ui.label("SIMULATED: no footage; the scenario drew these faces, no camera saw them.");
            return;
        }
        let Some(texture) = pictures.frame(&ctx, workspace, *key) else {
            match pictures.failure(&PictureKey::Frame(*key)) {
                Some(error) => ui.colored_label(ui.visuals().error_fg_color, error),
                None => ui.spinner(),
            };
            return;
        };
        // Boxes are in the frame's pixels; the texture may have been scaled down to fit.
        let size = pictures
            .source_size(&PictureKey::Frame(*key))
            .unwrap_or_else(|| texture.size_vec2());
        let scale = (ui.available_width() / size.x)
            .min(ui.available_height() / size.y)
            .min(1.0);
        let response = ui.add(
            egui::Image::new(&texture)
                .fit_to_exact_size(size * scale)
                .alt_text(format!(
                    "Frame {} of {}",
                    key.frame_index,
                    input.path.display()
                ))
                .sense(egui::Sense::hover()),
        );
        let origin = response.rect.min;
        let painter = ui.painter_at(response.rect);
        let hover = response.hover_pos();
        for &d in detections {
            let detection = &document.detections[d];
            let b = detection.bbox;
            let rect = egui::Rect::from_min_max(
                origin + egui::vec2(b.x1, b.y1) * scale,
                origin + egui::vec2(b.x2, b.y2) * scale,
            );
            // Blind, only whether it alerts: the rest would tell the first reviewer's label.
            let state = workspace
                .track_of(d)
                .map_or(TrackState::BelowThreshold, |t| {
                    shown_state(workspace, t, workspace.is_blind())
                });
            let color = state_color(ui, state);
            // Alerts get a thick solid frame, others a thin one: distinguishable without colour.
            let width = if matches!(
                state,
                TrackState::Alert | TrackState::FalseAlert | TrackState::Confirmed
            ) {
                3.0
            } else {
                1.0
            };
            painter.rect_stroke(
                rect,
                0.0,
                egui::Stroke::new(width, color),
                egui::StrokeKind::Outside,
            );
            if hover.is_some_and(|p| rect.contains(p)) {
                let candidate =
                    detection
                        .candidates
                        .first()
                        .map_or("no candidate".to_string(), |c| {
                            format!(
                                "{} {:.3}",
                                document.identity_name(c.identity).unwrap_or("?"),
                                document.shown_threshold(c.score)
                            )
                        });
                let text = format!("{}\n{candidate}", state.describe());
                painter.text(
                    rect.left_bottom(),
                    egui::Align2::LEFT_TOP,
                    text,
                    egui::FontId::proportional(14.0),
                    color,
                );
            }
        }
    }
}

/// How long frame `from` shows before playback moves to frame `to`: the time between them in
/// the footage (within bounds), or a fixed pause across inputs and stills.
fn pause_between(workspace: &Workspace, from: usize, to: usize) -> f64 {
    let frames = workspace.frames();
    let time_of = |position: usize| {
        let (key, detections) = &frames[position];
        let first = detections.first()?;
        Some((
            key.input,
            workspace.document().detections[*first].source.timestamp_s,
        ))
    };
    match (time_of(from), time_of(to)) {
        (Some((a, from_s)), Some((b, to_s))) if a == b && to_s > from_s => {
            (to_s - from_s).clamp(PAUSE_BOUNDS_S.0, PAUSE_BOUNDS_S.1)
        }
        _ => STILL_PAUSE_S,
    }
}

/// Ticks under the scrub bar where frames hold an alerting face.
fn mark_alerts(workspace: &Workspace, ui: &egui::Ui, bar: &egui::Rect, frame_count: usize) {
    let painter = ui.painter();
    for (position, (_, detections)) in workspace.frames().iter().enumerate() {
        let alert = detections.iter().any(|&d| {
            workspace
                .track_of(d)
                .is_some_and(|t| workspace.track_alerts(t))
        });
        if alert {
            let x = bar.left() + bar.width() * (position as f32 + 0.5) / frame_count as f32;
            painter.line_segment(
                [
                    egui::pos2(x, bar.bottom()),
                    egui::pos2(x, bar.bottom() + 6.0),
                ],
                egui::Stroke::new(2.0, egui::Color32::from_rgb(230, 160, 0)),
            );
        }
    }
}
