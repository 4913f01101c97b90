//! Row labels of the allocation chart: a table with one column per objective
//! when every label is a weight vector, else the labels as text.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::layout::draw_text_at;
use crate::output::{DrawResult, XyCoord};
use crate::text::{fit_width, shorten};
use crate::theme::{text_style, text_width, Theme, INK, MUTED_INK};

/// Row labels longer than this many characters are cut with an ellipsis.
const MAX_ROW_LABEL_CHARS: usize = 48;
/// Maximum width of text row labels, in percent of the area left of the legend.
const MAX_ROW_LABEL_PERCENT: u32 = 35;
/// Maximum width of a weight table, in percent of the area left of the
/// legend. It exceeds that of text labels because a cut table would hide
/// whole weights.
const MAX_WEIGHT_TABLE_PERCENT: u32 = 45;
/// Caption above the objective names of a weight table.
const WEIGHTS_CAPTION: &str = "objective weights";

/// The labels left of the bars, one per row.
pub(crate) enum RowLabels {
    /// The weights in one column per objective, under a caption and the
    /// objective names.
    Weights(WeightTable),
    /// Each row's label as text, cut with an ellipsis to `width` pixels.
    Text { labels: Vec<String>, width: u32 },
}

impl RowLabels {
    /// Chooses a weight table if every label is a weight vector such as
    /// `rev 0.5 / aware 0.3 / acq 0.2` with the same objectives in the same
    /// order, and the table fits `area_width`. Otherwise it keeps the labels
    /// as text.
    pub(crate) fn new(labels: &[&str], area_width: u32, theme: &Theme) -> Self {
        let table = WeightTable::parse(labels, theme);
        let max_table = area_width * MAX_WEIGHT_TABLE_PERCENT / 100;
        if let Some(table) = table.filter(|table| table.width(theme) <= max_table) {
            return RowLabels::Weights(table);
        }
        let font = theme.tick_font();
        let labels: Vec<String> = labels
            .iter()
            .map(|label| shorten(label, MAX_ROW_LABEL_CHARS))
            .collect();
        let widest = labels.iter().map(|label| text_width(&font, label)).max();
        let width = widest
            .unwrap_or(0)
            .min(area_width * MAX_ROW_LABEL_PERCENT / 100);
        RowLabels::Text { labels, width }
    }

    /// Returns the width in pixels of the labels.
    pub(crate) fn width(&self, theme: &Theme) -> u32 {
        match self {
            RowLabels::Weights(table) => table.width(theme),
            RowLabels::Text { width, .. } => *width,
        }
    }

    /// Returns the height in pixels that the labels need above the bars.
    pub(crate) fn header_height(&self, theme: &Theme) -> u32 {
        match self {
            RowLabels::Weights(_) => 2 * theme.line_height() + theme.px(6.0),
            RowLabels::Text { .. } => 0,
        }
    }

    /// Writes the labels left of the bars of `chart`, and the table header
    /// above them, on `area`.
    ///
    /// Rows are labelled at a step that keeps labels apart when bars of
    /// `row_pixels` are thinner than a line of text.
    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        chart: &ChartContext<'_, DB, XyCoord>,
        row_pixels: f64,
        theme: &Theme,
    ) -> DrawResult<DB> {
        let row_count = match self {
            RowLabels::Weights(table) => table.rows.len(),
            RowLabels::Text { labels, .. } => labels.len(),
        };
        let (plot_left, plot_top) = chart.backend_coord(&(0.0, row_count as f64));
        let right = plot_left - theme.px(8.0) as i32;
        if let RowLabels::Weights(table) = self {
            table.draw_header(area, (right, plot_top), theme)?;
        }
        // Tick-font text is about 15 px high at scale 1, so 18 px leaves a gap.
        let text_pixels = f64::from(theme.px(18.0));
        let step = (text_pixels / row_pixels.max(1e-6)).ceil().max(1.0) as usize;
        for index in (0..row_count).step_by(step) {
            let (x, y) = chart.backend_coord(&(0.0, (row_count - index) as f64 - 0.5));
            draw_path_at(area, [(x - theme.px(5.0) as i32, y), (x, y)])?;
            match self {
                RowLabels::Weights(table) => table.draw_row(area, index, (right, y), theme)?,
                RowLabels::Text { labels, width } => {
                    let font = theme.tick_font();
                    let style = text_style(&font, INK).pos(Pos::new(HPos::Right, VPos::Center));
                    let text = fit_width(&labels[index], &font, *width);
                    draw_text_at(area, text, (right, y), style)?;
                }
            }
        }
        Ok(())
    }
}

/// Weight vectors split into one column per objective.
pub(crate) struct WeightTable {
    /// Objective names, one per column, e.g. `rev`.
    names: Vec<String>,
    /// Per row, the weight of each objective as the label wrote it, e.g. `0.5`.
    rows: Vec<Vec<String>>,
    /// Width in pixels of each column: its widest name or weight.
    column_widths: Vec<u32>,
}

impl WeightTable {
    /// Splits labels of the form `name weight / name weight / ...` into
    /// columns, or returns `None` unless every label has the same two or more
    /// names in the same order, each followed by a finite number.
    fn parse(labels: &[&str], theme: &Theme) -> Option<Self> {
        let mut names: Option<Vec<String>> = None;
        let mut rows = Vec::with_capacity(labels.len());
        for label in labels {
            let (row_names, weights) = split_weights(label)?;
            match &names {
                Some(names) if *names != row_names => return None,
                Some(_) => {}
                None => names = Some(row_names),
            }
            rows.push(weights);
        }
        let names = names.filter(|names| names.len() >= 2)?;
        let font = theme.tick_font();
        let column_widths = (0..names.len())
            .map(|column| {
                let weights = rows.iter().map(|row| text_width(&font, &row[column]));
                weights
                    .max()
                    .unwrap_or(0)
                    .max(text_width(&font, &names[column]))
            })
            .collect();
        Some(WeightTable {
            names,
            rows,
            column_widths,
        })
    }

    /// Returns the width in pixels of the columns and the gaps between them,
    /// or of the caption if that is wider.
    fn width(&self, theme: &Theme) -> u32 {
        let gaps = (self.column_widths.len() as u32).saturating_sub(1) * column_gap(theme);
        let columns = self.column_widths.iter().sum::<u32>() + gaps;
        columns.max(text_width(&theme.tick_font(), WEIGHTS_CAPTION))
    }

    /// Returns the right edge of each column, for a table ending at `right`.
    fn column_rights(&self, right: i32, theme: &Theme) -> Vec<i32> {
        let mut rights = Vec::with_capacity(self.column_widths.len());
        let mut x = right;
        for width in self.column_widths.iter().rev() {
            rights.push(x);
            x -= (width + column_gap(theme)) as i32;
        }
        rights.reverse();
        rights
    }

    /// Writes the caption and the objective names above the plot, whose top
    /// edge is at `plot_top`, for a table ending at `right`.
    fn draw_header<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (right, plot_top): (i32, i32),
        theme: &Theme,
    ) -> DrawResult<DB> {
        let font = theme.tick_font();
        let line = theme.line_height() as i32;
        let names_y = plot_top - theme.px(6.0) as i32 - line / 2;
        let style = text_style(&font, INK).pos(Pos::new(HPos::Right, VPos::Center));
        for (name, x) in self.names.iter().zip(self.column_rights(right, theme)) {
            draw_text_at(area, name.clone(), (x, names_y), style.clone())?;
        }
        let centre = right - self.width(theme) as i32 / 2;
        let style = text_style(&font, MUTED_INK).pos(Pos::new(HPos::Center, VPos::Center));
        draw_text_at(
            area,
            WEIGHTS_CAPTION.to_owned(),
            (centre, names_y - line),
            style,
        )
    }

    /// Writes the weights of row `index`, right-aligned in their columns and
    /// vertically centred on `y`, for a table ending at `right`.
    fn draw_row<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        index: usize,
        (right, y): (i32, i32),
        theme: &Theme,
    ) -> DrawResult<DB> {
        let style = text_style(&theme.tick_font(), INK).pos(Pos::new(HPos::Right, VPos::Center));
        let weights = self.rows[index].iter();
        for (weight, x) in weights.zip(self.column_rights(right, theme)) {
            draw_text_at(area, weight.clone(), (x, y), style.clone())?;
        }
        Ok(())
    }
}

/// Pixels between neighbouring columns of a weight table.
fn column_gap(theme: &Theme) -> u32 {
    theme.px(14.0)
}

/// Splits `rev 0.5 / aware 0.3` into the names `[rev, aware]` and the weights
/// `[0.5, 0.3]`, or returns `None` if a part is not a name and a finite number.
fn split_weights(label: &str) -> Option<(Vec<String>, Vec<String>)> {
    let mut names = Vec::new();
    let mut weights = Vec::new();
    for part in label.split('/') {
        let (name, weight) = part.trim().rsplit_once(char::is_whitespace)?;
        let name = name.trim();
        let value: f64 = weight.parse().ok()?;
        if name.is_empty() || !value.is_finite() {
            return None;
        }
        names.push(name.to_owned());
        weights.push(weight.to_owned());
    }
    Some((names, weights))
}

fn draw_path_at<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: [(i32, i32); 2],
) -> DrawResult<DB> {
    let (base_x, base_y) = area.get_base_pixel();
    let relative = points.map(|(x, y)| (x - base_x, y - base_y));
    area.draw(&PathElement::new(relative, INK.stroke_width(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::ChartSize;
    use crate::theme::register_bundled_font;

    fn theme() -> Theme {
        register_bundled_font().expect("bundled font");
        Theme::new(ChartSize::default())
    }

    #[test]
    fn split_weights_reads_names_and_numbers() {
        let (names, weights) = split_weights("revenue 0.5 / ba 0.25 / nc 0.25").expect("weights");
        assert_eq!(names, ["revenue", "ba", "nc"]);
        assert_eq!(weights, ["0.5", "0.25", "0.25"]);
        let (names, _) = split_weights("new customers 1/margin 0").expect("weights");
        assert_eq!(names, ["new customers", "margin"]);
    }

    #[test]
    fn split_weights_rejects_other_labels() {
        assert_eq!(split_weights("balanced"), None);
        assert_eq!(split_weights("plan A / plan B"), None);
        assert_eq!(split_weights("rev NaN / aw 1"), None);
        assert_eq!(split_weights(" 0.5 / aw 0.5"), None);
    }

    #[test]
    fn table_needs_same_objectives_in_every_row() {
        let theme = theme();
        let table = WeightTable::parse(&["rev 1 / aw 0", "rev 0.5 / aw 0.5"], &theme);
        assert_eq!(table.map(|t| t.rows.len()), Some(2));
        let reordered = WeightTable::parse(&["rev 1 / aw 0", "aw 0.5 / rev 0.5"], &theme);
        assert!(reordered.is_none());
        let single = WeightTable::parse(&["rev 1", "rev 0.5"], &theme);
        assert!(single.is_none());
    }

    #[test]
    fn columns_end_at_table_edge() {
        let theme = theme();
        let table = WeightTable::parse(&["revenue 0.25 / ba 0.75"], &theme).expect("table");
        let rights = table.column_rights(500, &theme);
        let gap = column_gap(&theme) as i32;
        assert_eq!(rights[1], 500);
        assert_eq!(rights[0], 500 - table.column_widths[1] as i32 - gap);
    }

    #[test]
    fn wide_table_falls_back_to_text() {
        let theme = theme();
        let labels = ["revenue 0.25 / awareness 0.25 / margin 0.5"];
        assert!(matches!(
            RowLabels::new(&labels, 2000, &theme),
            RowLabels::Weights(_)
        ));
        assert!(matches!(
            RowLabels::new(&labels, 300, &theme),
            RowLabels::Text { .. }
        ));
    }
}
