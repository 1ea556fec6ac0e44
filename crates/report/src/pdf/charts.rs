//! Charts drawn as vector items: the DET curves of every slice and the CNIL risk map.

use super::layout::{BLACK, FontKind, GREY, Item, LIGHT_GREY, RED, Rgb, Style};
use crate::Level;
use crate::findings::{MeasuredFindings, SliceDetCurve};

/// Colours for slices, distinguishable in print and by most colour-blind readers (Okabe–Ito).
pub(crate) const PALETTE: [Rgb; 8] = [
    Rgb(0, 114, 178),
    Rgb(213, 94, 0),
    Rgb(0, 158, 115),
    Rgb(204, 121, 167),
    Rgb(86, 180, 233),
    Rgb(230, 159, 0),
    Rgb(0, 0, 0),
    Rgb(240, 228, 66),
];

pub(crate) fn slice_colour(slice: usize) -> Rgb {
    PALETTE[slice % PALETTE.len()]
}

/// The plotting area of a chart, in page points.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// The lowest FPIR the x axis shows: a decade below the smallest non-zero FPIR, at least 1e-4
/// and at most 1e-2, so that small rates stay readable and zeros sit on the left edge.
fn lowest_decade(curves: &[SliceDetCurve]) -> i32 {
    let smallest = curves
        .iter()
        .flat_map(|c| c.points.iter().filter_map(|p| p.fpir))
        .filter(|&fpir| fpir > 0.0)
        .fold(1.0f64, f64::min);
    (smallest.log10().floor() as i32).clamp(-4, -2)
}

/// A DET chart: FPIR on a log axis (x), FNIR on a linear axis (y), one curve per slice, with
/// each slice's operating point at the report's threshold marked.
pub(crate) fn det_chart(findings: &MeasuredFindings, frame: Frame) -> Vec<Item> {
    let low = lowest_decade(&findings.det_curves);
    let x_of = |fpir: f64| {
        let decades = f64::from(-low);
        let position = if fpir <= 0.0 {
            0.0
        } else {
            ((fpir.log10() - f64::from(low)) / decades).clamp(0.0, 1.0)
        };
        frame.x + position as f32 * frame.width
    };
    let y_of = |fnir: f64| frame.y + frame.height - fnir.clamp(0.0, 1.0) as f32 * frame.height;
    let mut items = axes(frame, low, &x_of, &y_of);
    for (slice, curve) in findings.det_curves.iter().enumerate() {
        let points: Vec<(f32, f32)> = curve
            .points
            .iter()
            .filter_map(|p| Some((x_of(p.fpir?), y_of(p.fnir?))))
            .collect();
        if points.len() >= 2 {
            items.push(Item::Line {
                points: thin(points),
                color: slice_colour(slice),
                width: 1.2,
                dashed: false,
            });
        }
        let metrics = findings.slices.get(slice).map(|s| s.metrics);
        if let Some((fpir, fnir)) = metrics.and_then(|m| Some((m.fpir.rate?, m.fnir.rate?))) {
            items.push(Item::Rect {
                x: x_of(fpir) - 2.5,
                y: y_of(fnir) - 2.5,
                width: 5.0,
                height: 5.0,
                fill: Some(slice_colour(slice)),
                stroke: Some((BLACK, 0.5)),
            });
        }
    }
    items
}

/// At most a few hundred points per curve: more cannot be seen at this size.
fn thin(points: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    const MAX_POINTS: usize = 400;
    if points.len() <= MAX_POINTS {
        return points;
    }
    let step = points.len().div_ceil(MAX_POINTS);
    let last = points[points.len() - 1];
    let mut kept: Vec<(f32, f32)> = points.into_iter().step_by(step).collect();
    kept.push(last);
    kept
}

fn axes(frame: Frame, low: i32, x_of: &dyn Fn(f64) -> f32, y_of: &dyn Fn(f64) -> f32) -> Vec<Item> {
    let label = Style {
        font: FontKind::Regular,
        size: 7.0,
        color: GREY,
    };
    let mut items = vec![Item::Rect {
        x: frame.x,
        y: frame.y,
        width: frame.width,
        height: frame.height,
        fill: None,
        stroke: Some((GREY, 0.6)),
    }];
    for decade in low..=0 {
        let x = x_of(10f64.powi(decade));
        items.push(grid_line((x, frame.y), (x, frame.y + frame.height)));
        let power = format!("10{}", superscript(decade));
        let text = if decade == low {
            format!("≤{power}")
        } else {
            power
        };
        items.push(Item::Text {
            x: x - 10.0,
            y: frame.y + frame.height + 10.0,
            style: label,
            text,
        });
    }
    for step in 0..=5 {
        let fnir = f64::from(step) / 5.0;
        let y = y_of(fnir);
        items.push(grid_line((frame.x, y), (frame.x + frame.width, y)));
        items.push(Item::Text {
            x: frame.x - 22.0,
            y: y + 2.5,
            style: label,
            text: crate::wording::percent_tick(fnir),
        });
    }
    items.push(Item::Text {
        x: frame.x + frame.width / 2.0 - 110.0,
        y: frame.y + frame.height + 22.0,
        style: label,
        text: "FPIR: share of non-mated searches that alert (log scale)".to_owned(),
    });
    items.push(Item::Text {
        x: frame.x - 22.0,
        y: frame.y - 6.0,
        style: label,
        text: "FNIR (rank 1): share of mated searches missed".to_owned(),
    });
    items
}

/// −3 → "⁻³", for axis labels like 10⁻³.
fn superscript(exponent: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits = exponent.unsigned_abs().to_string();
    let mut text = String::new();
    if exponent < 0 {
        text.push('⁻');
    }
    text.extend(digits.bytes().map(|d| DIGITS[usize::from(d - b'0')]));
    text
}

fn grid_line(from: (f32, f32), to: (f32, f32)) -> Item {
    Item::Line {
        points: vec![from, to],
        color: LIGHT_GREY,
        width: 0.4,
        dashed: true,
    }
}

/// The CNIL risk map: likelihood across, severity up, each risk's number in its cell.
pub(crate) fn risk_map(scored: &[(usize, Level, Level)], frame: Frame) -> Vec<Item> {
    let cell_w = frame.width / 4.0;
    let cell_h = frame.height / 4.0;
    let label = Style {
        font: FontKind::Regular,
        size: 7.0,
        color: GREY,
    };
    let mut items = Vec::new();
    for likelihood in Level::ALL {
        for severity in Level::ALL {
            let x = frame.x + f32::from(likelihood.value() - 1) * cell_w;
            let y = frame.y + f32::from(4 - severity.value()) * cell_h;
            items.push(Item::Rect {
                x,
                y,
                width: cell_w,
                height: cell_h,
                fill: Some(cell_colour(severity.value() * likelihood.value())),
                stroke: Some((Rgb(255, 255, 255), 1.0)),
            });
            let here: Vec<String> = scored
                .iter()
                .filter(|(_, s, l)| *s == severity && *l == likelihood)
                .map(|(number, _, _)| number.to_string())
                .collect();
            if !here.is_empty() {
                items.push(Item::Text {
                    x: x + 4.0,
                    y: y + cell_h / 2.0 + 3.0,
                    style: Style {
                        font: FontKind::Bold,
                        size: 9.0,
                        color: BLACK,
                    },
                    text: here.join(", "),
                });
            }
        }
    }
    for level in Level::ALL {
        let index = f32::from(level.value() - 1);
        items.push(Item::Text {
            x: frame.x + index * cell_w + 2.0,
            y: frame.y + frame.height + 10.0,
            style: label,
            text: format!("{} {}", level.value(), level.label()),
        });
        items.push(Item::Text {
            x: frame.x - 62.0,
            y: frame.y + (3.0 - index) * cell_h + cell_h / 2.0 + 2.5,
            style: label,
            text: format!("{} {}", level.value(), level.label()),
        });
    }
    items.push(Item::Text {
        x: frame.x + frame.width / 2.0 - 20.0,
        y: frame.y + frame.height + 21.0,
        style: label,
        text: "Likelihood".to_owned(),
    });
    items.push(Item::Text {
        x: frame.x - 62.0,
        y: frame.y - 5.0,
        style: label,
        text: "Severity".to_owned(),
    });
    items
}

/// Green through amber to red as severity × likelihood grows.
fn cell_colour(score: u8) -> Rgb {
    match score {
        0..=2 => Rgb(205, 235, 205),
        3..=4 => Rgb(240, 240, 190),
        5..=8 => Rgb(250, 215, 170),
        _ => Rgb(240, 170, 165),
    }
}

/// A swatch and a name per slice, laid out across `width`.
pub fn legend(names: &[String], x: f32, y: f32, width: f32) -> (Vec<Item>, f32) {
    let style = Style {
        font: FontKind::Regular,
        size: 7.5,
        color: BLACK,
    };
    let column = 130.0f32.min(width);
    let per_row = ((width / column).floor() as usize).max(1);
    let mut items = Vec::new();
    for (slice, name) in names.iter().enumerate() {
        let cx = x + (slice % per_row) as f32 * column;
        let cy = y + (slice / per_row) as f32 * 12.0;
        items.push(Item::Rect {
            x: cx,
            y: cy,
            width: 8.0,
            height: 8.0,
            fill: Some(slice_colour(slice)),
            stroke: None,
        });
        items.push(Item::Text {
            x: cx + 12.0,
            y: cy + 7.0,
            style,
            text: name.clone(),
        });
    }
    let rows = names.len().div_ceil(per_row) as f32;
    (items, rows * 12.0)
}

/// Marks an alert on a picture: a red frame and its label above.
pub(crate) fn alert_box(x: f32, y: f32, width: f32, height: f32, label: &str) -> Vec<Item> {
    vec![
        Item::Rect {
            x,
            y,
            width,
            height,
            fill: None,
            stroke: Some((RED, 1.5)),
        },
        Item::Text {
            x,
            y: (y - 2.5).max(0.0),
            style: Style {
                font: FontKind::Bold,
                size: 7.0,
                color: RED,
            },
            text: label.to_owned(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_are_written_as_superscripts() {
        assert_eq!(superscript(-3), "⁻³");
        assert_eq!(superscript(0), "⁰");
        assert_eq!(superscript(12), "¹²");
    }
}
