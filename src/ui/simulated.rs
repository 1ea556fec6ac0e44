//! The marks a simulated review (the workshop scenario, `review::scenario`) carries in the app,
//! so that a screenshot of it is hard to pass for a real system's: the window title, a badge in
//! the top bar, the status bar, a notice on every screen, a SIMULATED cell leading each row of
//! every table of figures (or the mark inside the line or card that holds them), and a
//! watermark tiled across the whole central panel, drawn above the screen, so that any crop
//! larger than one tile still shows it. What is left: a crop smaller than a tile of a few cells
//! of one table row, without the row's leading cell, shows figures and no mark.

use eframe::egui;

use crate::review::scenario::SIMULATED;
use crate::workspace::Workspace;

/// The window title of a simulated review.
pub(crate) const WINDOW_TITLE: &str = "lineup — SIMULATED workshop scenario — not a real system";
/// What the status bar starts with on a simulated review.
pub(crate) const STATUS_PREFIX: &str = "SIMULATED workshop scenario";

/// The watermark's tiles: one every `TILE` points across and down, alternate rows shifted by
/// half a tile, so that a crop of more than about 260 × 90 points always holds one (and each
/// row of a table of figures carries its own mark besides, see `row_mark`).
const TILE: egui::Vec2 = egui::vec2(260.0, 90.0);
/// The watermark's letter size and slant (radians, rising to the right).
const FONT_SIZE: f32 = 30.0;
const ANGLE: f32 = -0.35;
/// Its letters: black, about 40% opaque, so that the screen still reads through them.
const LETTERS: egui::Color32 = egui::Color32::from_rgba_premultiplied(0, 0, 0, 100);
/// Its outline: white, about 30% opaque in each of its four overlapping copies, so that the letters stand out on dark fills too.
const OUTLINE_COLOR: egui::Color32 = egui::Color32::from_rgba_premultiplied(72, 72, 72, 72);
/// Where the outline is drawn around the letters.
const OUTLINE: [egui::Vec2; 4] = [
    egui::vec2(-1.5, 0.0),
    egui::vec2(1.5, 0.0),
    egui::vec2(0.0, -1.5),
    egui::vec2(0.0, 1.5),
];

/// Whether the open review is a simulation (has the full mark), for the screens that mark
/// each row of figures.
pub(crate) fn is_simulated(workspace: &Workspace) -> bool {
    workspace.document().simulated_because().is_some()
}

/// The leading cell of each row (the header's included) of a table of figures in a
/// simulation, so that a crop of any one row keeps the mark; nothing in a real review.
pub(crate) fn row_mark(ui: &mut egui::Ui, simulated: bool) {
    if simulated {
        let text = egui::RichText::new(SIMULATED)
            .strong()
            .color(ui.visuals().error_fg_color);
        ui.label(text);
    }
}

/// `text` (a line holding figures) led by the mark in a simulation, unchanged in a real review.
pub(crate) fn marked(text: String, simulated: bool) -> String {
    if simulated {
        format!("{SIMULATED} · {text}")
    } else {
        text
    }
}

/// The full mark (what, which seed, why it is one) when the open review is a simulation.
pub(crate) fn mark(workspace: &Workspace) -> Option<String> {
    crate::assessment::wording::simulation_mark(workspace.document())
}

/// Makes the window title say SIMULATED when a simulated review opens, and gives the plain
/// title back when it closes. Only on a change: a viewport command asks for another frame, so
/// one every frame would keep the app drawing for ever.
pub(crate) fn window_title(ctx: &egui::Context, simulated: bool) {
    let id = egui::Id::unique("simulated_window_title");
    let was = ctx.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
    if simulated != was {
        let title = if simulated { WINDOW_TITLE } else { "lineup" };
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.into()));
        ctx.data_mut(|d| d.insert_temp(id, simulated));
    }
}

/// The top bar's badge.
pub(crate) fn badge(ui: &mut egui::Ui, mark: &str) {
    let text = egui::RichText::new(format!("⚠ {SIMULATED}"))
        .strong()
        .color(ui.visuals().error_fg_color);
    ui.label(text).on_hover_text(mark);
}

/// The notice at the top of every screen.
pub(crate) fn notice(ui: &mut egui::Ui, mark: &str) {
    ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {mark}"));
    ui.separator();
}

/// Tiles "SIMULATED" across `rect`, slanted, above whatever the screen drew there: dark
/// letters in a light outline, so that the mark is a difference in brightness, not in hue, and
/// reads on light and dark screens alike; swapping or flattening one colour channel (the way a
/// faint red mark is taken out of a screenshot) leaves it standing.
pub(crate) fn watermark(ctx: &egui::Context, rect: egui::Rect) {
    let layer = egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("simulated_watermark"),
    );
    let painter = ctx.layer_painter(layer).with_clip_rect(rect);
    let galley = painter.layout_no_wrap(
        SIMULATED.to_owned(),
        egui::FontId::proportional(FONT_SIZE),
        LETTERS,
    );
    let mut row = 0;
    let mut y = rect.top() - TILE.y / 2.0;
    while y < rect.bottom() + TILE.y / 2.0 {
        let shift = if row % 2 == 0 { 0.0 } else { TILE.x / 2.0 };
        let mut x = rect.left() - TILE.x + shift;
        while x < rect.right() {
            let at = egui::pos2(x, y);
            for offset in OUTLINE {
                let halo = egui::epaint::TextShape::new(at + offset, galley.clone(), OUTLINE_COLOR)
                    .with_override_text_color(OUTLINE_COLOR)
                    .with_angle(ANGLE);
                painter.add(halo);
            }
            let letters = egui::epaint::TextShape::new(at, galley.clone(), LETTERS)
                .with_override_text_color(LETTERS)
                .with_angle(ANGLE);
            painter.add(letters);
            x += TILE.x;
        }
        y += TILE.y;
        row += 1;
    }
}
