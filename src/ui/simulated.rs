//! The marks a simulated review (the workshop scenario, `review::scenario`) carries in the app,
//! so that no screenshot of it can pass for a real system's: the window title, a badge in the
//! top bar, the status bar, a notice on every screen, and a watermark tiled across the whole
//! central panel, drawn above the screen, so that any crop larger than one tile still shows it.

use eframe::egui;

use crate::review::scenario::SIMULATED;
use crate::workspace::Workspace;

/// The window title of a simulated review.
pub(crate) const WINDOW_TITLE: &str = "lineup — SIMULATED workshop scenario — not a real system";
/// What the status bar starts with on a simulated review.
pub(crate) const STATUS_PREFIX: &str = "SIMULATED workshop scenario";

/// The watermark's tiles: one every `TILE` points across and down, alternate rows shifted by
/// half a tile, so that a crop of more than about 360 × 180 points always holds one.
const TILE: egui::Vec2 = egui::vec2(360.0, 180.0);

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

/// Tiles "SIMULATED" across `rect`, slanted and faint, above whatever the screen drew there.
pub(crate) fn watermark(ctx: &egui::Context, rect: egui::Rect) {
    let layer = egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("simulated_watermark"),
    );
    let painter = ctx.layer_painter(layer).with_clip_rect(rect);
    let color = egui::Color32::from_rgba_unmultiplied(200, 30, 30, 48);
    let galley = painter.layout_no_wrap(
        SIMULATED.to_owned(),
        egui::FontId::proportional(44.0),
        color,
    );
    let mut row = 0;
    let mut y = rect.top() - TILE.y / 2.0;
    while y < rect.bottom() + TILE.y / 2.0 {
        let shift = if row % 2 == 0 { 0.0 } else { TILE.x / 2.0 };
        let mut x = rect.left() - TILE.x + shift;
        while x < rect.right() {
            let shape = egui::epaint::TextShape::new(egui::pos2(x, y), galley.clone(), color)
                .with_angle(-0.35);
            painter.add(shape);
            x += TILE.x;
        }
        y += TILE.y;
        row += 1;
    }
}
