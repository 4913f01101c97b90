//! Text tables of the summary page: sizing to an area and drawing.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::DrawResult;
use crate::text::fit_width;
use crate::theme::{text_style, text_width, Theme, GRID, INK, MUTED_INK};

/// Light grey behind every second row, so that a row reads across.
const STRIPE: RGBColor = RGBColor(0xF2, 0xF2, 0xF2);
/// Widest a row label may be at 1200 x 800 before it is cut with an ellipsis.
const MAX_LABEL_WIDTH: f64 = 260.0;
/// Narrowest a row label is cut to at 1200 x 800 when the table is too wide.
const MIN_LABEL_WIDTH: f64 = 60.0;

/// The text of one cell, in full and in a shorter form for narrow tables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub(crate) full: String,
    pub(crate) short: String,
}

impl Cell {
    /// Returns a cell with the same text in both forms.
    pub(crate) fn plain(text: String) -> Self {
        Cell {
            short: text.clone(),
            full: text,
        }
    }
}

/// One table column: a header and one cell per row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    /// Parts of the header. A header wider than its cells is broken between
    /// parts into two lines.
    pub(crate) header: Vec<String>,
    pub(crate) cells: Vec<Cell>,
}

/// A table whose first column contains left-aligned row labels and whose
/// other columns contain right-aligned values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    /// Colour of the swatch before each row label, or empty for no swatches.
    pub(crate) swatches: Vec<RGBColor>,
    /// Singular and plural noun of a row, for the row `… and N more channels`.
    pub(crate) row_noun: (&'static str, &'static str),
}

impl Table {
    fn row_count(&self) -> usize {
        self.columns.first().map_or(0, |labels| labels.cells.len())
    }
}

/// Sizes of a table drawn in one area, chosen so that no text overlaps or
/// leaves the area.
#[derive(Debug, Clone)]
pub(crate) struct TableLayout {
    /// Theme of the table text, at most the page's scale.
    pub(crate) theme: Theme,
    /// Width of each column in pixels, without the gaps between columns.
    widths: Vec<u32>,
    /// Whether the value columns show the short form of their cells.
    short: bool,
    header_lines: usize,
    /// Rows drawn, from the first.
    shown_rows: usize,
    /// Rows left out and counted in a last row, or 0 if every row is drawn.
    hidden_rows: usize,
}

impl TableLayout {
    /// Sizes `table` for an area of at most `max_width` by `max_height` pixels.
    ///
    /// The text keeps the size of `page` if every row fits and shrinks down to
    /// the theme's minimum otherwise. If the rows still do not fit, the last
    /// row that fits states how many rows are left out. Value columns switch to
    /// the short form of their cells when the full forms are too wide, then
    /// row labels are cut, and at last every column is cut with an ellipsis.
    pub(crate) fn new(table: &Table, page: &Theme, max_width: u32, max_height: u32) -> Self {
        let rows = table.row_count();
        let lines = header_lines(table, page, false) + rows;
        let theme = page.shrunk_to_line_height(max_height / lines.max(1) as u32);

        let mut short = false;
        let mut widths = column_widths(table, &theme, short);
        if total_width(&widths, table, &theme) > max_width {
            short = true;
            widths = column_widths(table, &theme, short);
        }
        narrow_to(&mut widths, (table, short), &theme, max_width);

        let header_lines = header_lines(table, &theme, short);
        let available = (max_height / theme.line_height()) as usize;
        let (shown_rows, hidden_rows) = if available >= header_lines + rows {
            (rows, 0)
        } else if available > header_lines {
            let shown_rows = available - header_lines - 1;
            (shown_rows, rows - shown_rows)
        } else {
            (0, 0)
        };
        TableLayout {
            theme,
            widths,
            short,
            header_lines,
            shown_rows,
            hidden_rows,
        }
    }

    /// Returns the width of the table in pixels.
    pub(crate) fn width(&self, table: &Table) -> u32 {
        total_width(&self.widths, table, &self.theme)
    }

    /// Returns the height of the table in pixels, or 0 if nothing fits.
    pub(crate) fn height(&self) -> u32 {
        let lines = self.drawn_lines();
        lines as u32 * self.theme.line_height()
    }

    /// Returns whether every row is drawn at the text size of `page`.
    pub(crate) fn is_complete_at(&self, page: &Theme) -> bool {
        self.shows_all_rows() && self.theme.scale() >= page.scale()
    }

    /// Returns the height of the header band in pixels.
    pub(crate) fn header_height(&self) -> u32 {
        self.header_lines as u32 * self.theme.line_height()
    }

    /// Returns whether every row is drawn, at any text size.
    pub(crate) fn shows_all_rows(&self) -> bool {
        self.hidden_rows == 0 && self.shown_rows > 0
    }

    /// Returns the lines the table needs to draw every row: header and rows.
    pub(crate) fn full_lines(&self) -> usize {
        self.header_lines + self.shown_rows + self.hidden_rows
    }

    fn drawn_lines(&self) -> usize {
        if self.shown_rows == 0 && self.hidden_rows == 0 {
            return 0;
        }
        self.header_lines + self.shown_rows + usize::from(self.hidden_rows > 0)
    }
}

/// Returns the widest text among `texts` in the font of `theme`.
fn widest<'a>(texts: impl Iterator<Item = &'a str>, theme: &Theme) -> u32 {
    let font = theme.tick_font();
    texts.map(|text| text_width(&font, text)).max().unwrap_or(0)
}

/// Returns the cells of `column` in the full or short form.
fn cell_texts(column: &Column, short: bool) -> impl Iterator<Item = &str> {
    column.cells.iter().map(move |cell| {
        if short {
            cell.short.as_str()
        } else {
            cell.full.as_str()
        }
    })
}

/// Returns the header of `column` as one line, or as two lines if it is wider
/// than `cells` pixels and has more than one part. Two lines break where the
/// wider line is narrowest.
fn header_text(column: &Column, cells: u32, theme: &Theme) -> Vec<String> {
    let one_line = column.header.join(" ");
    if column.header.len() < 2 || widest([one_line.as_str()].into_iter(), theme) <= cells {
        return vec![one_line];
    }
    let split = |at: usize| vec![column.header[..at].join(" "), column.header[at..].join(" ")];
    let best = (1..column.header.len())
        .min_by_key(|at| widest(split(*at).iter().map(String::as_str), theme))
        .unwrap_or(1);
    split(best)
}

fn header_lines(table: &Table, theme: &Theme, short: bool) -> usize {
    let lines = table.columns.iter().map(|column| {
        let cells = widest(cell_texts(column, short), theme);
        header_text(column, cells, theme).len()
    });
    lines.max().unwrap_or(1)
}

/// Returns each column's width: its widest cell or header line, with row
/// labels cut at [`MAX_LABEL_WIDTH`].
fn column_widths(table: &Table, theme: &Theme, short: bool) -> Vec<u32> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let form = short && index > 0;
            let cells = widest(cell_texts(column, form), theme);
            let header = header_text(column, cells, theme);
            let width = cells.max(widest(header.iter().map(String::as_str), theme));
            if index == 0 {
                width.min(theme.px(MAX_LABEL_WIDTH))
            } else {
                width
            }
        })
        .collect()
}

fn column_gap(theme: &Theme) -> u32 {
    theme.px(18.0)
}

fn swatch_size(theme: &Theme) -> u32 {
    theme.px(14.0)
}

/// Returns the pixels before a row label taken by its swatch and the space after it.
fn swatch_space(table: &Table, theme: &Theme) -> u32 {
    if table.swatches.is_empty() {
        0
    } else {
        swatch_size(theme) + theme.px(8.0)
    }
}

fn total_width(widths: &[u32], table: &Table, theme: &Theme) -> u32 {
    let gaps = widths.len().saturating_sub(1) as u32 * column_gap(theme);
    widths.iter().sum::<u32>() + gaps + swatch_space(table, theme)
}

/// Narrows the columns until the table fits `max_width` pixels or every
/// column has width 0.
///
/// The steps are: row labels down to [`MIN_LABEL_WIDTH`], headers of value
/// columns down to their widest cell, every value column in proportion, and
/// the row labels down to 0. Only the last two steps cut values.
fn narrow_to(widths: &mut [u32], (table, short): (&Table, bool), theme: &Theme, max_width: u32) {
    if widths.is_empty() {
        return;
    }
    let mut excess = total_width(widths, table, theme).saturating_sub(max_width);
    let min_label = theme.px(MIN_LABEL_WIDTH).min(widths[0]);
    let label_cut = excess.min(widths[0] - min_label);
    widths[0] -= label_cut;
    excess -= label_cut;

    let value_columns = table.columns.iter().skip(1);
    let floors: Vec<u32> = value_columns
        .zip(&widths[1..])
        .map(|(column, width)| widest(cell_texts(column, short), theme).min(*width))
        .collect();
    let slack: u32 = widths[1..].iter().zip(&floors).map(|(w, f)| w - f).sum();
    excess -= shrink_in_proportion(&mut widths[1..], &floors, excess.min(slack));

    let zeros = vec![0; floors.len()];
    excess -= shrink_in_proportion(&mut widths[1..], &zeros, excess);
    widths[0] = widths[0].saturating_sub(excess);
}

/// Removes up to `cut` pixels from `widths`, from each in proportion to its
/// width above its floor, and returns the pixels removed.
fn shrink_in_proportion(widths: &mut [u32], floors: &[u32], cut: u32) -> u32 {
    let slack: u32 = widths.iter().zip(floors).map(|(w, f)| w - f).sum();
    if slack == 0 || cut == 0 {
        return 0;
    }
    let cut = cut.min(slack);
    let mut removed = 0;
    for (width, floor) in widths.iter_mut().zip(floors) {
        // Rounding up removes at least `cut` in total, and the floor caps each share.
        let share = (u64::from(*width - floor) * u64::from(cut)).div_ceil(u64::from(slack));
        let share = (share as u32).min(cut - removed).min(*width - floor);
        *width -= share;
        removed += share;
    }
    removed
}

/// Draws `table` at the top left of `area` with the sizes of `layout`.
pub(crate) fn draw_table<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    table: &Table,
    layout: &TableLayout,
) -> DrawResult<DB> {
    if layout.drawn_lines() == 0 {
        return Ok(());
    }
    let theme = &layout.theme;
    let line = theme.line_height() as i32;
    let width = layout.width(table) as i32;
    let header_bottom = layout.header_lines as i32 * line;
    for row in (1..layout.shown_rows).step_by(2) {
        let top = header_bottom + row as i32 * line;
        area.draw(&Rectangle::new(
            [(0, top), (width, top + line)],
            STRIPE.filled(),
        ))?;
    }
    let rule = [(0, header_bottom), (width, header_bottom)];
    area.draw(&PathElement::new(rule, GRID.stroke_width(theme.px(1.5))))?;

    let mut left = swatch_space(table, theme) as i32;
    for (index, (column, width)) in table.columns.iter().zip(&layout.widths).enumerate() {
        let place = ColumnPlace {
            left,
            width: *width,
            first: index == 0,
        };
        draw_header(area, column, &place, layout)?;
        draw_cells(area, column, &place, layout)?;
        left += (*width + column_gap(theme)) as i32;
    }
    if !table.swatches.is_empty() {
        draw_swatches(area, table, layout)?;
    }
    if layout.hidden_rows > 0 {
        let (one, many) = table.row_noun;
        let noun = if layout.hidden_rows == 1 { one } else { many };
        let text = format!("… and {} more {noun}", layout.hidden_rows);
        let font = theme.tick_font();
        let text = fit_width(&text, &font, width as u32);
        let y = header_bottom + layout.shown_rows as i32 * line + line / 2;
        let style = text_style(&font, MUTED_INK).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(text, (0, y), style))?;
    }
    Ok(())
}

/// Position of one column in the table, in pixels from the table's left edge.
struct ColumnPlace {
    left: i32,
    width: u32,
    /// Whether this is the left-aligned row label column.
    first: bool,
}

impl ColumnPlace {
    /// Returns the x position and anchor of text in this column.
    fn anchor(&self) -> (i32, HPos) {
        if self.first {
            (self.left, HPos::Left)
        } else {
            (self.left + self.width as i32, HPos::Right)
        }
    }
}

/// Writes a column's header lines at the bottom of the header band, so that
/// one-line headers sit on the line next to the cells.
fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    column: &Column,
    place: &ColumnPlace,
    layout: &TableLayout,
) -> DrawResult<DB> {
    let theme = &layout.theme;
    let font = theme.tick_font();
    let line = theme.line_height() as i32;
    let form = layout.short && !place.first;
    let cells = widest(cell_texts(column, form), theme);
    let lines = header_text(column, cells, theme);
    let first_line = layout.header_lines.saturating_sub(lines.len()) as i32;
    let (x, h_pos) = place.anchor();
    let style = text_style(&font, MUTED_INK).pos(Pos::new(h_pos, VPos::Center));
    for (k, text) in lines.iter().enumerate() {
        let y = (first_line + k as i32) * line + line / 2;
        let text = fit_width(text, &font, place.width);
        area.draw(&Text::new(text, (x, y), style.clone()))?;
    }
    Ok(())
}

fn draw_cells<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    column: &Column,
    place: &ColumnPlace,
    layout: &TableLayout,
) -> DrawResult<DB> {
    let theme = &layout.theme;
    let font = theme.tick_font();
    let line = theme.line_height() as i32;
    let form = layout.short && !place.first;
    let (x, h_pos) = place.anchor();
    let style = text_style(&font, INK).pos(Pos::new(h_pos, VPos::Center));
    let texts = cell_texts(column, form).take(layout.shown_rows);
    for (row, text) in texts.enumerate() {
        let y = (layout.header_lines + row) as i32 * line + line / 2;
        let text = fit_width(text, &font, place.width);
        area.draw(&Text::new(text, (x, y), style.clone()))?;
    }
    Ok(())
}

/// Draws a filled square in each shown row's colour before its label.
fn draw_swatches<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    table: &Table,
    layout: &TableLayout,
) -> DrawResult<DB> {
    let theme = &layout.theme;
    let line = theme.line_height() as i32;
    let size = swatch_size(theme) as i32;
    let colours = table.swatches.iter().take(layout.shown_rows);
    for (row, colour) in colours.enumerate() {
        let centre = (layout.header_lines + row) as i32 * line + line / 2;
        let top = centre - size / 2;
        area.draw(&Rectangle::new(
            [(0, top), (size, top + size)],
            colour.filled(),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::ChartSize;
    use crate::theme::register_bundled_font;

    fn table(rows: usize) -> Table {
        let labels = (0..rows)
            .map(|row| Cell::plain(format!("channel {row:02}")))
            .collect();
        let spend = (0..rows)
            .map(|_| Cell {
                full: "1,234,567".to_owned(),
                short: "1.23M".to_owned(),
            })
            .collect();
        Table {
            columns: vec![
                Column {
                    header: vec!["channel".to_owned()],
                    cells: labels,
                },
                Column {
                    header: vec!["current spend".to_owned(), "(EUR)".to_owned()],
                    cells: spend,
                },
            ],
            swatches: vec![RGBColor(0, 0, 0); rows],
            row_noun: ("channel", "channels"),
        }
    }

    fn page() -> Theme {
        register_bundled_font().expect("bundled font");
        Theme::new(ChartSize::default())
    }

    #[test]
    fn table_keeps_page_text_when_rows_fit() {
        let page = page();
        let layout = TableLayout::new(&table(6), &page, 1000, 1000);
        assert!(layout.is_complete_at(&page));
        assert!(!layout.short);
        assert_eq!(layout.header_lines, 2);
        assert_eq!(layout.height(), 8 * page.line_height());
    }

    #[test]
    fn table_shrinks_text_before_cutting_rows() {
        let page = page();
        let layout = TableLayout::new(&table(30), &page, 1000, 640);
        assert_eq!(layout.shown_rows, 30);
        assert!(layout.theme.scale() < page.scale());
        assert!(layout.height() <= 640, "{}", layout.height());
    }

    #[test]
    fn table_cuts_rows_below_minimum_text() {
        let page = page();
        let layout = TableLayout::new(&table(30), &page, 1000, 300);
        let line = layout.theme.line_height();
        assert_eq!(line, page.shrunk_to(0.0).line_height());
        assert!(layout.hidden_rows >= 2, "{}", layout.hidden_rows);
        assert_eq!(layout.shown_rows + layout.hidden_rows, 30);
        assert!(layout.height() <= 300, "{}", layout.height());
    }

    #[test]
    fn narrow_table_uses_short_cells() {
        let page = page();
        let full = TableLayout::new(&table(3), &page, 1000, 1000);
        let narrow = full.width(&table(3)) - 1;
        let layout = TableLayout::new(&table(3), &page, narrow, 1000);
        assert!(layout.short);
        assert!(layout.width(&table(3)) <= narrow);
    }

    #[test]
    fn tiny_table_fits_its_width() {
        let page = page();
        let layout = TableLayout::new(&table(3), &page, 90, 1000);
        assert!(layout.width(&table(3)) <= 90, "{}", layout.width(&table(3)));
    }
}
