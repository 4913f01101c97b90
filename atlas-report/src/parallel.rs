//! Parallel coordinates of a Pareto front: one vertical axis per KPI and one
//! polyline per plan.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::front::{draw_knee_marker, marked_plans, KpiRows, KNEE};
use crate::layout::{draw_text_at, draw_title};
use crate::legend::{draw_legend_row, LegendEntry, Swatch};
use crate::output::{write_figure, DrawResult, Figure, XyCoord};
use crate::palette::{CHOSEN, CURRENT, FRONT};
use crate::size::{ChartSize, ImageFormat};
use crate::text::wrap_width;
use crate::theme::{text_style, text_width, Theme, INK, MUTED_INK};
use crate::ticks::TickFormat;
use crate::{FrontChart, ReportError};

/// The front colour blended half with white, for the legend swatch of the
/// front's polylines, which are drawn translucent.
const FRONT_LIGHT: RGBColor = RGBColor(0x80, 0xB8, 0xD8);
/// Maximum number of lines an axis name wraps to.
const MAX_NAME_LINES: u32 = 3;

/// A Pareto front and the plans to compare it with, drawn as parallel
/// coordinates: the same data as the scatter of [`FrontChart`], so one value
/// can feed both charts. The marked plans are bold polylines here.
pub type ParallelChart = FrontChart;

/// Draws a parallel coordinates chart of a Pareto front to `path`.
///
/// Each objective gets a vertical axis from the lowest value (bottom) to the
/// highest value (top) among the front members and the marked plans, labelled
/// with both values and the objective's name. Each front member is a thin
/// translucent polyline across the axes. The current plan, chosen plan and
/// knee point, if given, are bold polylines in their own colours with markers
/// on every axis, named in the legend. An objective whose values are all equal
/// is drawn at mid-height and labelled `constant`.
///
/// # Errors
///
/// - [`ReportError::ObjectiveCount`] unless there are
///   [`MIN_OBJECTIVES`](crate::MIN_OBJECTIVES)`..=`[`MAX_OBJECTIVES`](crate::MAX_OBJECTIVES)
///   objective labels.
/// - [`ReportError::Empty`] if `points` is empty.
/// - [`ReportError::LengthMismatch`] if a point, `current`, `chosen` or `knee`
///   has a different number of values than there are objective labels.
/// - [`ReportError::NonFinite`] if any value is NaN or infinite.
/// - [`ReportError::ValueTooLarge`] if any value's magnitude is above
///   [`MAX_KPI_MAGNITUDE`](crate::MAX_KPI_MAGNITUDE).
/// - [`ReportError::SizeOutOfRange`] if `size` is outside the accepted range.
/// - [`ReportError::Io`] or [`ReportError::Draw`] if writing or drawing fails,
///   in which case no file is left at `path`.
pub fn render_parallel(
    chart: &ParallelChart,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    let rows = KpiRows {
        field: "ParallelChart.points",
        labels: &chart.objective_labels,
        points: &chart.points,
        marked: marked_plans(&chart.current, &chart.chosen, &chart.knee),
    };
    rows.validate()?;
    write_figure(&ParallelFigure::new(chart), path, format, size)
}

/// The value range of one objective's axis, without padding.
#[derive(Debug, Clone, Copy, PartialEq)]
struct KpiAxis {
    min: f64,
    max: f64,
}

impl KpiAxis {
    fn new(values: impl Iterator<Item = f64>) -> Self {
        let (min, max) = values.fold((f64::MAX, f64::MIN), |(min, max), value| {
            (min.min(value), max.max(value))
        });
        KpiAxis { min, max }
    }

    /// Returns whether all values are equal or differ only by rounding noise,
    /// a millionth of their magnitude, the same test the front chart uses.
    fn is_constant(&self) -> bool {
        // Halving before subtracting keeps the arithmetic finite near f64::MAX.
        let half = self.max / 2.0 - self.min / 2.0;
        let middle = self.min / 2.0 + self.max / 2.0;
        half <= 1e-6 * middle.abs()
    }

    /// Returns the height of `value` on the axis, from 0 at `min` to 1 at
    /// `max`, or 0.5 for a constant objective.
    fn position(&self, value: f64) -> f64 {
        if self.is_constant() {
            return 0.5;
        }
        (value / 2.0 - self.min / 2.0) / (self.max / 2.0 - self.min / 2.0)
    }

    /// Returns the labels above and below the axis: the maximum and the
    /// minimum, or the value and `constant` for a constant objective.
    fn end_labels(&self) -> (String, String) {
        if self.is_constant() {
            let middle = self.min / 2.0 + self.max / 2.0;
            return (format_value(middle, middle, middle), "constant".to_owned());
        }
        (
            format_value(self.max, self.min, self.max),
            format_value(self.min, self.min, self.max),
        )
    }
}

/// Formats `value` of an axis spanning `lo..=hi`, rounded to the power of
/// ten at or below a fiftieth of the span, or to three significant digits if
/// the span is zero, with the suffixes and separators of tick labels.
fn format_value(value: f64, lo: f64, hi: f64) -> String {
    // Halving keeps the span finite for lo and hi near opposite extremes.
    let half_span = hi / 2.0 - lo / 2.0;
    let step = if half_span > 0.0 {
        10f64.powf((half_span / 25.0).log10().floor())
    } else if value != 0.0 {
        10f64.powf(value.abs().log10().floor() - 2.0)
    } else {
        1.0
    };
    let rounded = (value / step).round() * step;
    TickFormat::new(lo, hi, step).format(rounded)
}

/// A validated parallel chart with its axis ranges.
struct ParallelFigure<'a> {
    chart: &'a ParallelChart,
    /// One range per objective, covering the front and the marked plans.
    axes: Vec<KpiAxis>,
}

impl<'a> ParallelFigure<'a> {
    fn new(chart: &'a ParallelChart) -> Self {
        let axes = (0..chart.objective_labels.len())
            .map(|objective| {
                let marked = chart.current.iter().chain(&chart.chosen).chain(&chart.knee);
                let values = chart.points.iter().chain(marked).map(|p| p[objective]);
                KpiAxis::new(values)
            })
            .collect();
        ParallelFigure { chart, axes }
    }

    /// Returns the polyline of `plan`: one `(axis index, height)` pair per objective.
    fn polyline(&self, plan: &[f64]) -> Vec<(f64, f64)> {
        let pairs = plan.iter().zip(&self.axes).enumerate();
        pairs
            .map(|(index, (value, axis))| (index as f64, axis.position(*value)))
            .collect()
    }

    fn legend(&self) -> Vec<LegendEntry> {
        let count = self.chart.points.len();
        let plans = if count == 1 { "plan" } else { "plans" };
        let mut entries = vec![LegendEntry {
            label: format!("Pareto front ({count} {plans})"),
            swatch: Swatch::Block(FRONT_LIGHT),
        }];
        if self.chart.current.is_some() {
            entries.push(LegendEntry {
                label: "current plan".to_owned(),
                swatch: Swatch::Triangle(CURRENT),
            });
        }
        if self.chart.chosen.is_some() {
            entries.push(LegendEntry {
                label: "chosen plan".to_owned(),
                swatch: Swatch::Ring(CHOSEN),
            });
        }
        if self.chart.knee.is_some() {
            entries.push(LegendEntry {
                label: "knee".to_owned(),
                swatch: Swatch::Block(KNEE),
            });
        }
        entries
    }
}

impl Figure for ParallelFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        let body = draw_title(root, &self.chart.title, None, theme)?;
        let (legend, plot) = body.split_vertically(theme.line_height() + theme.px(6.0));
        draw_legend_row(&legend, &self.legend(), theme)?;
        draw_parallel(&plot, self, theme)
    }
}

/// Axis names and end labels, sized to the columns of the chart.
struct AxisText {
    /// Each objective's name, wrapped to the column width.
    names: Vec<Vec<String>>,
    /// Each axis's label above and below, or `None` where the label is wider
    /// than the column.
    ends: Vec<(Option<String>, Option<String>)>,
}

impl AxisText {
    fn new(figure: &ParallelFigure<'_>, column_width: u32, max_lines: u32, theme: &Theme) -> Self {
        let name_font = theme.label_font();
        let labels = figure.chart.objective_labels.iter();
        let names = labels
            .map(|label| wrap_width(label, &name_font, column_width, max_lines as usize))
            .collect();
        // Numbers are left out rather than cut, because a cut number reads as
        // a different value.
        let tick_font = theme.tick_font();
        let fits =
            |label: String| (text_width(&tick_font, &label) <= column_width).then_some(label);
        let ends = figure
            .axes
            .iter()
            .map(|axis| {
                let (top, bottom) = axis.end_labels();
                (fits(top), fits(bottom))
            })
            .collect();
        AxisText { names, ends }
    }

    /// Returns the width in pixels of the widest text of axis `index`.
    fn widest(&self, index: usize, theme: &Theme) -> u32 {
        let (name_font, tick_font) = (theme.label_font(), theme.tick_font());
        let names = self.names[index]
            .iter()
            .map(|line| text_width(&name_font, line));
        let (top, bottom) = &self.ends[index];
        let ends = top
            .iter()
            .chain(bottom)
            .map(|label| text_width(&tick_font, label));
        names.chain(ends).max().unwrap_or(0)
    }

    fn name_line_count(&self) -> u32 {
        self.names.iter().map(Vec::len).max().unwrap_or(0) as u32
    }
}

/// Draws the axes, their labels and the polylines of every plan on `area`.
///
/// The outer axes sit just far enough from the edges for their labels, so
/// the axes spread across the width even for two objectives.
fn draw_parallel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &ParallelFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let count = figure.axes.len();
    let (width, height) = area.dim_in_pixel();
    let column = width / count as u32;
    let column_width = column.saturating_sub(theme.px(16.0)).max(1);
    let name_line_height = theme.px(26.0);
    // Names may take at most about a third of the height.
    let max_lines = (height / 3 / name_line_height).clamp(1, MAX_NAME_LINES);
    let text = AxisText::new(figure, column_width, max_lines, theme);

    let edge = |index: usize| (text.widest(index, theme) / 2 + theme.px(12.0)).min(column / 2);
    let top = theme.line_height() + theme.px(14.0);
    let bottom = theme.line_height() + theme.px(18.0) + text.name_line_count() * name_line_height;
    let grid = area.margin(top, bottom, edge(0), edge(count - 1));
    let x_range = 0.0..(count - 1) as f64;
    let chart = ChartBuilder::on(&grid).build_cartesian_2d(x_range, 0.0..1.0)?;
    let plot = chart.plotting_area();

    draw_front_lines(plot, figure, theme)?;
    for index in 0..count {
        let axis = [(index as f64, 0.0), (index as f64, 1.0)];
        plot.draw(&PathElement::new(axis, INK.stroke_width(theme.px(1.5))))?;
    }
    draw_marked_lines(plot, figure, theme)?;
    draw_axis_text(area, &chart, &text, theme)
}

/// Draws one thin polyline per front member, more translucent for larger
/// fronts so that dense regions stand out.
fn draw_front_lines<DB: DrawingBackend>(
    plot: &DrawingArea<DB, XyCoord>,
    figure: &ParallelFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let count = figure.chart.points.len() as f64;
    let opacity = (3.0 / count.sqrt()).clamp(0.15, 0.5);
    let style = FRONT.mix(opacity).stroke_width(theme.px(1.2));
    for point in &figure.chart.points {
        plot.draw(&PathElement::new(figure.polyline(point), style))?;
    }
    Ok(())
}

/// Draws the knee point, current plan and chosen plan as bold polylines with
/// their markers on every axis.
///
/// Each line is drawn thinner than the one before, so a plan that coincides
/// with an earlier one leaves the earlier colour visible along its edges.
fn draw_marked_lines<DB: DrawingBackend>(
    plot: &DrawingArea<DB, XyCoord>,
    figure: &ParallelFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let chart = figure.chart;
    if let Some(knee) = &chart.knee {
        let line = figure.polyline(knee);
        let style = KNEE.stroke_width(theme.px(7.0));
        plot.draw(&PathElement::new(line.clone(), style))?;
        for vertex in line {
            draw_knee_marker(plot, vertex, theme)?;
        }
    }
    if let Some(current) = &chart.current {
        let line = figure.polyline(current);
        let style = CURRENT.stroke_width(theme.px(4.0));
        plot.draw(&PathElement::new(line.clone(), style))?;
        for vertex in line {
            let marker = TriangleMarker::new(vertex, theme.triangle_size(), CURRENT.filled());
            plot.draw(&marker)?;
        }
    }
    if let Some(chosen) = &chart.chosen {
        let line = figure.polyline(chosen);
        plot.draw(&PathElement::new(
            line.clone(),
            CHOSEN.stroke_width(theme.px(2.5)),
        ))?;
        let ring = CHOSEN.stroke_width(theme.ring_width());
        for vertex in line {
            plot.draw(&Circle::new(vertex, theme.ring_radius(), ring))?;
        }
    }
    Ok(())
}

/// Writes each axis's maximum above it, its minimum below it, and its name
/// under the minimum.
fn draw_axis_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, XyCoord>,
    text: &AxisText,
    theme: &Theme,
) -> DrawResult<DB> {
    let tick_font = theme.tick_font();
    let above = text_style(&tick_font, INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let below = text_style(&tick_font, INK).pos(Pos::new(HPos::Center, VPos::Top));
    let constant = text_style(&tick_font, MUTED_INK).pos(Pos::new(HPos::Center, VPos::Top));
    let name_style = text_style(&theme.label_font(), INK).pos(Pos::new(HPos::Center, VPos::Top));
    let gap = theme.px(8.0) as i32;
    let name_line_height = theme.px(26.0) as i32;
    for (index, ((top, bottom), name)) in text.ends.iter().zip(&text.names).enumerate() {
        let (x, y_top) = chart.backend_coord(&(index as f64, 1.0));
        let (_, y_bottom) = chart.backend_coord(&(index as f64, 0.0));
        if let Some(top) = top {
            draw_text_at(area, top.clone(), (x, y_top - gap), above.clone())?;
        }
        if let Some(bottom) = bottom {
            let style = if bottom == "constant" {
                &constant
            } else {
                &below
            };
            draw_text_at(area, bottom.clone(), (x, y_bottom + gap), style.clone())?;
        }
        let names_top = y_bottom + gap + theme.line_height() as i32 + theme.px(6.0) as i32;
        for (line_index, line) in name.iter().enumerate() {
            let y = names_top + line_index as i32 * name_line_height;
            draw_text_at(area, line.clone(), (x, y), name_style.clone())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_spans_min_to_max() {
        let axis = KpiAxis::new([10.0, 30.0, 20.0].into_iter());
        assert_eq!(axis.position(10.0), 0.0);
        assert_eq!(axis.position(20.0), 0.5);
        assert_eq!(axis.position(30.0), 1.0);
    }

    #[test]
    fn constant_axis_draws_at_mid_height() {
        let axis = KpiAxis::new([5_000.0, 5_000.0].into_iter());
        assert!(axis.is_constant());
        assert_eq!(axis.position(5_000.0), 0.5);
        assert_eq!(
            axis.end_labels(),
            ("5,000".to_owned(), "constant".to_owned())
        );
        let zero = KpiAxis::new([0.0].into_iter());
        assert_eq!(zero.position(0.0), 0.5);
        assert_eq!(zero.end_labels().0, "0");
    }

    #[test]
    fn extreme_axis_stays_finite() {
        let axis = KpiAxis::new([1e300, -1e300].into_iter());
        assert_eq!(axis.position(1e300), 1.0);
        assert_eq!(axis.position(-1e300), 0.0);
        assert_eq!(axis.position(0.0), 0.5);
        let (top, bottom) = axis.end_labels();
        assert_eq!(top, "1.00e300");
        assert_eq!(bottom, "-1.00e300");
    }

    #[test]
    fn end_labels_use_suffixes_and_span_precision() {
        let revenue = KpiAxis::new([1_512_345.0, 3_498_765.0].into_iter());
        assert_eq!(
            revenue.end_labels(),
            ("3.50M".to_owned(), "1.51M".to_owned())
        );
        let awareness = KpiAxis::new([0.1834, 0.3121].into_iter());
        assert_eq!(
            awareness.end_labels(),
            ("0.312".to_owned(), "0.183".to_owned())
        );
    }
}
