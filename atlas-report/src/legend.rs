//! Legends drawn outside the plotting area, so they never cover data.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::DrawResult;
use crate::text::fit_width;
use crate::theme::{text_style, text_width, Theme, INK};

/// The marker drawn before a legend label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled square, for a stacked bar segment.
    Block(RGBColor),
    /// A filled circle, for front members.
    Dot(RGBColor),
    /// A filled triangle, for the current plan.
    Triangle(RGBColor),
    /// An open circle, for the chosen plan.
    Ring(RGBColor),
}

/// One legend line: a swatch and its label.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub(crate) label: String,
    pub(crate) swatch: Swatch,
}

/// Draws `entries` side by side, centred in one row of `area`.
///
/// Labels are cut with an ellipsis when the row is too narrow for all of them.
pub(crate) fn draw_legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    theme: &Theme,
) -> DrawResult<DB> {
    if entries.is_empty() {
        return Ok(());
    }
    let (width, height) = area.dim_in_pixel();
    let font = theme.tick_font();
    let fixed = swatch_width(theme) + theme.px(8.0);
    let spacing = theme.px(32.0);
    let overhead = entries.len() as u32 * fixed + (entries.len() as u32 - 1) * spacing;
    let max_label = width.saturating_sub(overhead) / entries.len() as u32;
    let labels: Vec<String> = entries
        .iter()
        .map(|entry| fit_width(&entry.label, &font, max_label))
        .collect();
    let total = overhead + labels.iter().map(|l| text_width(&font, l)).sum::<u32>();
    let mut x = width.saturating_sub(total) as i32 / 2;
    for (entry, label) in entries.iter().zip(&labels) {
        draw_entry(area, (x, height as i32 / 2), entry.swatch, label, theme)?;
        x += (fixed + text_width(&font, label) + spacing) as i32;
    }
    Ok(())
}

/// Draws `entries` top to bottom in as few columns as `area` allows.
///
/// Labels are cut with an ellipsis to the column width.
pub(crate) fn draw_legend_columns<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    theme: &Theme,
) -> DrawResult<DB> {
    if entries.is_empty() {
        return Ok(());
    }
    let (width, height) = area.dim_in_pixel();
    let line = row_pitch(entries.len(), height, theme);
    let columns = column_count(entries.len(), height, theme);
    let rows = entries.len().div_ceil(columns);
    let column_width = width / columns as u32;
    let max_label = column_width.saturating_sub(swatch_width(theme) + theme.px(16.0));
    let font = theme.tick_font();
    for (i, entry) in entries.iter().enumerate() {
        let x = (i / rows) as u32 * column_width;
        let y = (i % rows) as u32 * line + line / 2;
        let label = fit_width(&entry.label, &font, max_label);
        draw_entry(area, (x as i32, y as i32), entry.swatch, &label, theme)?;
    }
    Ok(())
}

/// Returns how many columns [`draw_legend_columns`] uses for `count` entries
/// in an area `height` pixels high.
pub(crate) fn column_count(count: usize, height: u32, theme: &Theme) -> usize {
    let rows_that_fit = (height / row_pitch(count, height, theme)).max(1) as usize;
    count.div_ceil(rows_that_fit).max(1)
}

/// Returns the distance in pixels between the rows of a legend of `count`
/// entries in an area `height` pixels high: the line height, or less, down to
/// 5/6 of it, if that fits every entry in one column.
///
/// One column leaves the full legend width to each label, so fewer labels
/// are cut with an ellipsis.
fn row_pitch(count: usize, height: u32, theme: &Theme) -> u32 {
    let line = theme.line_height();
    let one_column = height / count.max(1) as u32;
    if one_column < line && one_column >= theme.px(20.0) {
        one_column
    } else {
        line
    }
}

/// Returns the width in pixels that [`draw_legend_columns`] needs for one
/// column of `entries`, with labels cut to `max_label` pixels.
pub(crate) fn column_width(entries: &[LegendEntry], theme: &Theme, max_label: u32) -> u32 {
    let font = theme.tick_font();
    let widest = entries
        .iter()
        .map(|entry| text_width(&font, &fit_width(&entry.label, &font, max_label)))
        .max()
        .unwrap_or(0);
    swatch_width(theme) + theme.px(16.0) + widest
}

fn swatch_width(theme: &Theme) -> u32 {
    theme.px(22.0)
}

/// Draws one swatch and label, vertically centred on `y` and starting at `x`.
fn draw_entry<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    swatch: Swatch,
    label: &str,
    theme: &Theme,
) -> DrawResult<DB> {
    let size = swatch_width(theme) as i32;
    let centre = (x + size / 2, y);
    let half = theme.px(8.0) as i32;
    match swatch {
        Swatch::Block(colour) => area.draw(&Rectangle::new(
            [(x + 2, y - half), (x + size - 2, y + half)],
            colour.filled(),
        ))?,
        Swatch::Dot(colour) => {
            area.draw(&Circle::new(centre, theme.dot_radius(), colour.filled()))?
        }
        Swatch::Triangle(colour) => area.draw(&TriangleMarker::new(
            centre,
            theme.triangle_size(),
            colour.filled(),
        ))?,
        Swatch::Ring(colour) => area.draw(&Circle::new(
            centre,
            theme.ring_radius(),
            colour.stroke_width(theme.ring_width()),
        ))?,
    }
    let style = text_style(&theme.tick_font(), INK).pos(Pos::new(HPos::Left, VPos::Center));
    let text_x = x + size + theme.px(8.0) as i32;
    area.draw(&Text::new(label.to_owned(), (text_x, y), style))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::ChartSize;

    #[test]
    fn tight_rows_keep_one_column() {
        let theme = Theme::new(ChartSize::default());
        assert_eq!(theme.line_height(), 24);
        assert_eq!(column_count(27, 650, &theme), 1);
        // 30 rows of 24 px need 720 px, but 21 px rows fit in 650.
        assert_eq!(row_pitch(30, 650, &theme), 21);
        assert_eq!(column_count(30, 650, &theme), 1);
        // 40 rows would need rows of 16 px, tighter than 20 px.
        assert_eq!(row_pitch(40, 650, &theme), 24);
        assert_eq!(column_count(40, 650, &theme), 2);
    }
}
