//! A small page layout engine: words wrapped to a width, tables, blocks that move to the next
//! page when they do not fit. It produces a display list per page; `render` turns that into
//! PDF. Keeping layout apart from drawing lets the tests check the layout without a PDF.

use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
pub(crate) const MARGIN: f32 = 56.0;
/// Room kept at the bottom of every page for the footer.
pub(crate) const FOOTER_HEIGHT: f32 = 24.0;
pub(crate) const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

pub(crate) const REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
pub(crate) const BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");
pub(crate) const MONO_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSansMono.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FontKind {
    Regular,
    Bold,
    Mono,
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);
pub(crate) const GREY: Rgb = Rgb(96, 96, 96);
pub(crate) const LIGHT_GREY: Rgb = Rgb(230, 230, 230);
pub(crate) const RED: Rgb = Rgb(200, 30, 30);
pub(crate) const ACCENT: Rgb = Rgb(20, 70, 140);

/// Glyph widths of one font, for measuring text before it is drawn.
pub(crate) struct Measure {
    font: FontRef<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Measure {
    fn new(bytes: &'static [u8]) -> Measure {
        // The fonts are compiled in and checked by the tests, so a parse failure is a build
        // defect, not bad input.
        let font = FontRef::new(bytes).expect("bundled font parses");
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Measure {
            font,
            metrics,
            units_per_em,
        }
    }

    /// Whether the font has a glyph for `ch`.
    pub(crate) fn covers(&self, ch: char) -> bool {
        self.font.charmap().map(ch).is_some()
    }

    /// Advance width of `text` at `size` points (without kerning, which only narrows text).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font.charmap();
        let units: f32 = text
            .chars()
            .map(|ch| {
                charmap
                    .map(ch)
                    .and_then(|glyph| self.metrics.advance_width(glyph))
                    .unwrap_or(self.units_per_em * 0.6)
            })
            .sum();
        units * size / self.units_per_em
    }
}

/// The three bundled fonts, for measuring.
pub(crate) struct Fonts {
    regular: Measure,
    bold: Measure,
    mono: Measure,
}

impl Default for Fonts {
    fn default() -> Self {
        Fonts {
            regular: Measure::new(REGULAR_TTF),
            bold: Measure::new(BOLD_TTF),
            mono: Measure::new(MONO_TTF),
        }
    }
}

impl Fonts {
    pub fn get(&self, kind: FontKind) -> &Measure {
        match kind {
            FontKind::Regular => &self.regular,
            FontKind::Bold => &self.bold,
            FontKind::Mono => &self.mono,
        }
    }

    /// `text` with every character the font cannot draw replaced by '?', so that no glyph is
    /// missing from the PDF (which PDF/A forbids and readers show as empty boxes). Line breaks
    /// stay, for wrapping to honour.
    pub(crate) fn drawable(&self, kind: FontKind, text: &str) -> String {
        let font = self.get(kind);
        text.chars()
            .map(|ch| match ch {
                '\n' => '\n',
                '\t' | '\r' => ' ',
                ch if font.covers(ch) => ch,
                _ => '?',
            })
            .collect()
    }
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub font: FontKind,
    pub size: f32,
    pub color: Rgb,
}

impl Style {
    pub(crate) const BODY: Style = Style {
        font: FontKind::Regular,
        size: 9.5,
        color: BLACK,
    };
    pub(crate) const SMALL: Style = Style {
        font: FontKind::Regular,
        size: 8.0,
        color: GREY,
    };
    pub(crate) const MONO: Style = Style {
        font: FontKind::Mono,
        size: 7.5,
        color: BLACK,
    };
    pub(crate) const BOLD: Style = Style {
        font: FontKind::Bold,
        size: 9.5,
        color: BLACK,
    };

    pub(crate) fn line_height(&self) -> f32 {
        self.size * 1.35
    }
}

/// One thing to draw. Coordinates are points from the top-left corner of the page; text is
/// placed by its baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        points: Vec<(f32, f32)>,
        color: Rgb,
        width: f32,
        dashed: bool,
    },
    Image {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        jpeg: Arc<Vec<u8>>,
    },
}

/// A table column: its header, its share of the width, and whether numbers align right.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub header: String,
    pub width: f32,
    pub right: bool,
    pub style: Style,
    /// Whether its cells keep their line breaks (a reviewer's risk, title over description);
    /// any other cell is one paragraph, so that a line break in a name starts no line of its own.
    pub as_typed: bool,
}

/// `cell` as `column` draws it: its line breaks kept only where the column keeps them.
fn cell_text(column: &Column, cell: &str) -> String {
    if column.as_typed {
        cell.to_owned()
    } else {
        cell.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl Column {
    pub fn new(header: &str, width: f32) -> Column {
        Column {
            header: header.to_owned(),
            width,
            right: false,
            style: Style {
                size: 8.0,
                ..Style::BODY
            },
            as_typed: false,
        }
    }

    pub(crate) fn keeping_line_breaks(mut self) -> Column {
        self.as_typed = true;
        self
    }

    pub fn right(mut self) -> Column {
        self.right = true;
        self
    }

    pub(crate) fn mono(mut self) -> Column {
        self.style = Style::MONO;
        self
    }
}

/// Pages being filled from top to bottom.
pub(crate) struct Layout<'f> {
    pub fonts: &'f Fonts,
    pages: Vec<Vec<Item>>,
    /// Top of the free space on the current page.
    y: f32,
}

impl<'f> Layout<'f> {
    pub fn new(fonts: &'f Fonts) -> Layout<'f> {
        Layout {
            fonts,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    pub fn finish(self) -> Vec<Vec<Item>> {
        self.pages
    }

    fn bottom() -> f32 {
        PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y + height > Self::bottom() && self.y > MARGIN {
            self.new_page();
        }
    }

    pub fn space(&mut self, height: f32) {
        self.y += height;
    }

    pub fn push(&mut self, item: Item) {
        // `pages` always holds the current page.
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// Reserves a block `height` tall (on a new page if need be) and returns its top.
    pub(crate) fn block(&mut self, height: f32) -> f32 {
        self.ensure(height);
        let top = self.y;
        self.y += height;
        top
    }

    /// Splits `text` into lines no wider than `width`. Explicit newlines start new lines;
    /// a word wider than the line is broken between characters.
    pub fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        let font = self.fonts.get(style.font);
        let fits = |line: &str| font.width(line, style.size) <= width;
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if fits(&candidate) {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line = word.to_owned();
                while !fits(&line) && line.chars().count() > 1 {
                    let (head, tail) = split_to_fit(&line, |part| fits(part));
                    lines.push(head);
                    line = tail;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Text wrapped to the content width, moving to a new page line by line as needed, on one
    /// paragraph: a line break in a name or file it holds (a review's own text) starts no
    /// paragraph of its own.
    pub fn paragraph(&mut self, text: &str, style: Style) {
        let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
        self.paragraph_as_typed(&joined, style);
    }

    /// A reviewer's text of several lines, its line breaks kept.
    pub fn paragraph_as_typed(&mut self, text: &str, style: Style) {
        self.paragraph_at(MARGIN, CONTENT_WIDTH, text, style);
        self.y += style.size * 0.5;
    }

    /// Text wrapped into a column at `x`, `width` wide.
    pub(crate) fn paragraph_at(&mut self, x: f32, width: f32, text: &str, style: Style) {
        let text = self.fonts.drawable(style.font, text);
        for line in self.wrap(&text, style, width) {
            self.ensure(style.line_height());
            self.y += style.line_height();
            self.push(Item::Text {
                x,
                y: self.y - style.size * 0.3,
                style,
                text: line,
            });
        }
    }

    pub fn heading(&mut self, text: &str) {
        let style = Style {
            font: FontKind::Bold,
            size: 13.0,
            color: ACCENT,
        };
        // Keep a heading with at least a few lines of what follows it.
        self.ensure(style.line_height() + 60.0);
        self.y += 8.0;
        self.paragraph_at(MARGIN, CONTENT_WIDTH, text, style);
        self.y += 4.0;
    }

    pub(crate) fn subheading(&mut self, text: &str) {
        let style = Style {
            font: FontKind::Bold,
            size: 10.5,
            color: BLACK,
        };
        self.ensure(style.line_height() + 70.0);
        self.y += 4.0;
        self.paragraph_at(MARGIN, CONTENT_WIDTH, text, style);
        self.y += 2.0;
    }

    /// A bulleted list.
    pub(crate) fn bullets<S: AsRef<str>>(&mut self, items: &[S], style: Style) {
        for item in items {
            self.ensure(style.line_height());
            let top = self.y;
            self.push(Item::Text {
                x: MARGIN + 4.0,
                y: top + style.line_height() - style.size * 0.3,
                style,
                text: "•".to_owned(),
            });
            self.paragraph_at(MARGIN + 16.0, CONTENT_WIDTH - 16.0, item.as_ref(), style);
            self.y += 2.0;
        }
        self.y += style.size * 0.3;
    }

    /// A table with a header row; column widths are shares of the content width. Rows that do
    /// not fit move to the next page, where the header is repeated.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let total: f32 = columns.iter().map(|c| c.width).sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| c.width / total * CONTENT_WIDTH)
            .collect();
        let header: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
        let header_style = |c: &Column| {
            Style {
                font: FontKind::Bold,
                size: 7.5,
                color: BLACK,
            }
            .with_size_of(c)
        };
        let has_header = header.iter().any(|h| !h.is_empty());
        self.ensure(40.0);
        if has_header {
            self.table_row(columns, &widths, &header, Some(LIGHT_GREY), header_style);
        }
        for row in rows {
            let height = self.row_height(columns, &widths, row, |c| c.style);
            if self.y + height > Self::bottom() {
                self.new_page();
                if has_header {
                    self.table_row(columns, &widths, &header, Some(LIGHT_GREY), header_style);
                }
            }
            self.table_row(columns, &widths, row, None, |c| c.style);
        }
        self.y += 6.0;
    }

    fn row_height(
        &self,
        columns: &[Column],
        widths: &[f32],
        cells: &[String],
        style_of: impl Fn(&Column) -> Style,
    ) -> f32 {
        columns
            .iter()
            .zip(widths)
            .zip(cells)
            .map(|((column, width), cell)| {
                let style = style_of(column);
                let text = self.fonts.drawable(style.font, &cell_text(column, cell));
                self.wrap(&text, style, width - 6.0).len() as f32 * style.line_height()
            })
            .fold(0.0, f32::max)
            + 4.0
    }

    fn table_row(
        &mut self,
        columns: &[Column],
        widths: &[f32],
        cells: &[String],
        background: Option<Rgb>,
        style_of: impl Fn(&Column) -> Style,
    ) {
        let height = self.row_height(columns, widths, cells, &style_of);
        let top = self.y;
        if let Some(background) = background {
            self.push(Item::Rect {
                x: MARGIN,
                y: top,
                width: CONTENT_WIDTH,
                height,
                fill: Some(background),
                stroke: None,
            });
        }
        self.push(Item::Line {
            points: vec![
                (MARGIN, top + height),
                (MARGIN + CONTENT_WIDTH, top + height),
            ],
            color: LIGHT_GREY,
            width: 0.5,
            dashed: false,
        });
        let mut x = MARGIN;
        for ((column, width), cell) in columns.iter().zip(widths).zip(cells) {
            let style = style_of(column);
            let text = self.fonts.drawable(style.font, &cell_text(column, cell));
            let mut baseline = top + 2.0;
            for line in self.wrap(&text, style, width - 6.0) {
                baseline += style.line_height();
                let line_width = self.fonts.get(style.font).width(&line, style.size);
                let line_x = if column.right {
                    x + width - 3.0 - line_width
                } else {
                    x + 3.0
                };
                self.push(Item::Text {
                    x: line_x,
                    y: baseline - style.size * 0.3,
                    style,
                    text: line,
                });
            }
            x += width;
        }
        self.y = top + height;
    }
}

impl Style {
    fn with_size_of(self, column: &Column) -> Style {
        Style {
            size: column.style.size.min(self.size),
            ..self
        }
    }
}

/// The longest prefix of `word` (at least one character) that `fits`, and the rest.
fn split_to_fit(word: &str, fits: impl Fn(&str) -> bool) -> (String, String) {
    let chars: Vec<char> = word.chars().collect();
    let mut take = 1;
    while take < chars.len() && fits(&chars[..=take].iter().collect::<String>()) {
        take += 1;
    }
    (
        chars[..take].iter().collect(),
        chars[take..].iter().collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_within_the_width_and_keeps_every_word() {
        let fonts = Fonts::default();
        let layout = Layout::new(&fonts);
        let text = "The quick brown fox jumps over the lazy dog. ".repeat(10);
        let lines = layout.wrap(&text, Style::BODY, 200.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(
                fonts.regular.width(line, Style::BODY.size) <= 200.0,
                "{line}"
            );
        }
        assert_eq!(
            lines.join(" ").split_whitespace().count(),
            text.split_whitespace().count()
        );
    }

    #[test]
    fn long_words_such_as_hashes_are_broken() {
        let fonts = Fonts::default();
        let layout = Layout::new(&fonts);
        let hash = "ab".repeat(64);
        let lines = layout.wrap(&hash, Style::MONO, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), hash);
    }

    #[test]
    fn characters_the_font_lacks_become_question_marks() {
        let fonts = Fonts::default();
        assert_eq!(
            fonts.drawable(FontKind::Regular, "Zoë 李\tx\ny"),
            "Zoë ? x\ny"
        );
    }

    #[test]
    fn long_tables_continue_on_new_pages() {
        let fonts = Fonts::default();
        let mut layout = Layout::new(&fonts);
        let rows: Vec<Vec<String>> = (0..200).map(|i| vec![i.to_string()]).collect();
        layout.table(&[Column::new("n", 1.0)], &rows);
        let pages = layout.finish();
        assert!(pages.len() > 2);
        for page in &pages {
            for item in page {
                if let Item::Text { y, .. } = item {
                    assert!(*y <= PAGE_HEIGHT - MARGIN, "text below the margin at {y}");
                }
            }
        }
    }
}
