//! The scatter matrix of a Pareto front with three or more objectives.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::front::{draw_front_dots, draw_marked_plans, AxisRange, FrontFigure};
use crate::layout::draw_text_at;
use crate::output::{DrawResult, XyCoord};
use crate::text::wrap_width;
use crate::theme::{text_style, text_width, Theme, GRID, INK};
use crate::ticks::{nice_step, tick_values, TickFormat};

/// Background of the diagonal panels that name an objective.
const NAME_PANEL: RGBColor = RGBColor(0xF2, 0xF2, 0xF2);
/// Border of every panel.
const PANEL_BORDER: RGBColor = RGBColor(0xAA, 0xAA, 0xAA);

/// A panel's chart: objective `x` on the horizontal axis, `y` on the vertical.
type PanelArea<DB> = DrawingArea<DB, XyCoord>;

/// Tick positions and labels of one objective, shared by its row and column.
struct AxisTicks {
    values: Vec<f64>,
    labels: Vec<String>,
}

impl AxisTicks {
    /// Places at most `max_ticks` ticks, or more if needed to get two.
    fn new(axis: AxisRange, max_ticks: usize) -> Self {
        // A coarse step can leave a single multiple inside the range, and one
        // tick label gives no scale, so allow up to four more ticks.
        let (step, values) = (max_ticks..max_ticks + 5)
            .map(|count| {
                let step = nice_step(axis.span(), count);
                (step, tick_values(axis.lo, axis.hi, step, count))
            })
            .find(|(_, values)| values.len() >= 2)
            .unwrap_or_else(|| {
                let step = nice_step(axis.span(), max_ticks);
                (step, tick_values(axis.lo, axis.hi, step, max_ticks))
            });
        let format = TickFormat::new(axis.lo, axis.hi, step);
        let labels = values.iter().map(|value| format.format(*value)).collect();
        AxisTicks { values, labels }
    }
}

/// Draws a k x k grid of panels on `area`.
///
/// Panel (row, column) shows objective `column` horizontally and `row`
/// vertically, and diagonal panels show the objective's name. Tick labels sit
/// left of the first column and below the last row, because every panel in a
/// row or column shares its range.
pub(crate) fn draw_matrix<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &FrontFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let count = figure.axes.len();
    let layout = MatrixLayout::new(area, figure, theme);
    let cells = layout.grid.split_evenly((count, count));
    for (index, cell) in cells.iter().enumerate() {
        draw_cell(
            area,
            cell,
            (index / count, index % count),
            &layout,
            figure,
            theme,
        )?;
    }
    Ok(())
}

/// Draws the panel in `cell` at `(row, column)` and, at the grid's left and
/// bottom edges, its tick labels.
fn draw_cell<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cell: &DrawingArea<DB, Shift>,
    (row, column): (usize, usize),
    layout: &MatrixLayout<DB>,
    figure: &FrontFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let gap = theme.px(5.0);
    let panel = cell.margin(gap, gap, gap, gap);
    let (x_axis, y_axis) = (figure.axes[column], figure.axes[row]);
    let chart =
        ChartBuilder::on(&panel).build_cartesian_2d(x_axis.lo..x_axis.hi, y_axis.lo..y_axis.hi)?;
    let plot = chart.plotting_area();

    if row == column {
        draw_name_panel(&panel, &figure.chart.objective_labels[row], theme)?;
    } else {
        let ticks = (&layout.x_ticks[column], &layout.y_ticks[row]);
        draw_grid(plot, ticks, (x_axis, y_axis))?;
        draw_front_dots(plot, figure, (column, row), theme.px(4.0))?;
        draw_marked_plans(plot, figure.chart, (column, row), theme)?;
    }
    draw_border(plot, (x_axis, y_axis))?;

    let count = figure.axes.len();
    let (cell_x, cell_y) = cell.get_pixel_range();
    // Labels of neighbouring panels stay at least twice this far apart.
    let spacing = theme.px(10.0) as i32;
    if column == 0 {
        let (_, grid_y) = layout.grid.get_pixel_range();
        let bounds = label_bounds(cell_y, row, count, &grid_y, spacing);
        draw_y_tick_labels(area, &chart, &layout.y_ticks[row], &bounds, theme)?;
    }
    if row + 1 == count {
        let (area_x, _) = area.get_pixel_range();
        let bounds = label_bounds(cell_x, column, count, &area_x, spacing);
        draw_x_tick_labels(area, &chart, &layout.x_ticks[column], &bounds, theme)?;
    }
    Ok(())
}

/// The panel grid and the ticks of every objective, sized to fit the panels.
struct MatrixLayout<DB: DrawingBackend> {
    /// The area the panels fill, inside the margins for tick labels.
    grid: DrawingArea<DB, Shift>,
    x_ticks: Vec<AxisTicks>,
    y_ticks: Vec<AxisTicks>,
}

impl<DB: DrawingBackend> MatrixLayout<DB> {
    fn new(area: &DrawingArea<DB, Shift>, figure: &FrontFigure<'_>, theme: &Theme) -> Self {
        let count = figure.axes.len() as u32;
        let ticks_for = |max_ticks: usize| -> Vec<AxisTicks> {
            let axes = figure.axes.iter();
            axes.map(|axis| AxisTicks::new(*axis, max_ticks)).collect()
        };
        // Labels at the finest tick count the panels may get set the margin.
        let widest = widest_label(&ticks_for(6), theme);
        let left = widest + theme.px(14.0);
        let bottom = theme.line_height() + theme.px(10.0);
        let grid = area.margin(theme.px(6.0), bottom, left, theme.px(16.0));
        let (grid_width, grid_height) = grid.dim_in_pixel();
        let label_pitch = widest + theme.px(24.0);
        let x_count = (grid_width / count / label_pitch.max(1)).clamp(2, 6);
        let y_count = (grid_height / count / (theme.line_height() * 3 / 2).max(1)).clamp(2, 6);
        MatrixLayout {
            grid,
            x_ticks: ticks_for(x_count as usize),
            y_ticks: ticks_for(y_count as usize),
        }
    }
}

/// Returns the pixel range that tick labels of the cell at `index` of `count`
/// may cover: the cell less `spacing` towards each neighbour, reaching out to
/// `outer` at the ends of the grid.
fn label_bounds(
    cell: Range<i32>,
    index: usize,
    count: usize,
    outer: &Range<i32>,
    spacing: i32,
) -> Range<i32> {
    let start = if index == 0 {
        outer.start
    } else {
        cell.start + spacing
    };
    let end = if index + 1 == count {
        outer.end
    } else {
        cell.end - spacing
    };
    start..end
}

fn widest_label(axes: &[AxisTicks], theme: &Theme) -> u32 {
    let font = theme.tick_font();
    let labels = axes.iter().flat_map(|axis| &axis.labels);
    labels
        .map(|label| text_width(&font, label))
        .max()
        .unwrap_or(0)
}

/// Fills a diagonal panel and writes the objective's name in its centre,
/// wrapped to at most three lines and as many as fit the panel.
fn draw_name_panel<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    label: &str,
    theme: &Theme,
) -> DrawResult<DB> {
    panel.fill(&NAME_PANEL)?;
    let (width, height) = panel.dim_in_pixel();
    let font = theme.label_font();
    let line_height = theme.px(26.0);
    let max_lines = (height / line_height).clamp(1, 3) as usize;
    let lines = wrap_width(
        label,
        &font,
        width.saturating_sub(theme.px(12.0)),
        max_lines,
    );
    let line_height = line_height as i32;
    let top = height as i32 / 2 - line_height * (lines.len() as i32 - 1) / 2;
    let style = text_style(&font, INK).pos(Pos::new(HPos::Center, VPos::Center));
    for (i, line) in lines.into_iter().enumerate() {
        let position = (width as i32 / 2, top + i as i32 * line_height);
        panel.draw(&Text::new(line, position, style.clone()))?;
    }
    Ok(())
}

/// Draws light grid lines at the tick positions of both axes.
fn draw_grid<DB: DrawingBackend>(
    plot: &PanelArea<DB>,
    (x_ticks, y_ticks): (&AxisTicks, &AxisTicks),
    (x_axis, y_axis): (AxisRange, AxisRange),
) -> DrawResult<DB> {
    let style = GRID.stroke_width(1);
    for x in &x_ticks.values {
        plot.draw(&PathElement::new([(*x, y_axis.lo), (*x, y_axis.hi)], style))?;
    }
    for y in &y_ticks.values {
        plot.draw(&PathElement::new([(x_axis.lo, *y), (x_axis.hi, *y)], style))?;
    }
    Ok(())
}

fn draw_border<DB: DrawingBackend>(
    plot: &PanelArea<DB>,
    (x_axis, y_axis): (AxisRange, AxisRange),
) -> DrawResult<DB> {
    let corners = [(x_axis.lo, y_axis.lo), (x_axis.hi, y_axis.hi)];
    plot.draw(&Rectangle::new(corners, PANEL_BORDER.stroke_width(1)))
}

/// Writes the tick labels of a first-column panel to the left of it.
///
/// A label that would reach beyond `bounds`, where it could meet the labels of
/// the next row, moves inwards by up to half its height. A label that still
/// does not fit, or would overlap the label below it, is skipped.
fn draw_y_tick_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, XyCoord>,
    ticks: &AxisTicks,
    bounds: &Range<i32>,
    theme: &Theme,
) -> DrawResult<DB> {
    let style = text_style(&theme.tick_font(), INK).pos(Pos::new(HPos::Right, VPos::Center));
    let half_height = theme.px(9.0) as i32;
    let x_lo = chart.x_range().start;
    // Values ascend, so labels go up the panel and each must stay above the last.
    let mut last_top = i32::MAX;
    for (value, label) in ticks.values.iter().zip(&ticks.labels) {
        let (x, tick_y) = chart.backend_coord(&(x_lo, *value));
        let Some(y) = fit_label(tick_y, half_height, bounds) else {
            continue;
        };
        if y + half_height > last_top {
            continue;
        }
        let position = (x - theme.px(8.0) as i32, y);
        draw_text_at(area, label.clone(), position, style.clone())?;
        last_top = y - half_height;
    }
    Ok(())
}

/// Writes the tick labels of a last-row panel below it.
///
/// A label that would reach beyond `bounds`, where it could meet the labels of
/// the next column, moves inwards by up to half its width. A label that still
/// does not fit, or would overlap the label to its left, is skipped.
fn draw_x_tick_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, XyCoord>,
    ticks: &AxisTicks,
    bounds: &Range<i32>,
    theme: &Theme,
) -> DrawResult<DB> {
    let font = theme.tick_font();
    let style = text_style(&font, INK).pos(Pos::new(HPos::Center, VPos::Top));
    let spacing = theme.px(8.0) as i32;
    let y_lo = chart.y_range().start;
    let mut last_right = i32::MIN;
    for (value, label) in ticks.values.iter().zip(&ticks.labels) {
        let (tick_x, y) = chart.backend_coord(&(*value, y_lo));
        let half_width = text_width(&font, label) as i32 / 2;
        let Some(x) = fit_label(tick_x, half_width, bounds) else {
            continue;
        };
        if x - half_width < last_right.saturating_add(spacing) {
            continue;
        }
        let position = (x, y + theme.px(8.0) as i32);
        draw_text_at(area, label.clone(), position, style.clone())?;
        last_right = x + half_width;
    }
    Ok(())
}

/// Returns the centre closest to `centre` at which a label reaching `half`
/// pixels each way stays within `bounds`, or `None` if that centre is more
/// than `half` away or the label is wider than `bounds`.
fn fit_label(centre: i32, half: i32, bounds: &Range<i32>) -> Option<i32> {
    let (lowest, highest) = (bounds.start + half, bounds.end - half);
    if lowest > highest {
        return None;
    }
    let fitted = centre.clamp(lowest, highest);
    ((fitted - centre).abs() <= half).then_some(fitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_label_moves_labels_inside_bounds() {
        assert_eq!(fit_label(50, 10, &(0..100)), Some(50));
        assert_eq!(fit_label(95, 10, &(0..100)), Some(90));
        assert_eq!(fit_label(2, 10, &(0..100)), Some(10));
    }

    #[test]
    fn fit_label_rejects_far_or_wide_labels() {
        assert_eq!(fit_label(-5, 10, &(0..100)), None);
        assert_eq!(fit_label(50, 60, &(0..100)), None);
    }

    #[test]
    fn label_bounds_extend_at_grid_ends() {
        let outer = 0..400;
        assert_eq!(label_bounds(20..120, 0, 3, &outer, 5), 0..115);
        assert_eq!(label_bounds(120..220, 1, 3, &outer, 5), 125..215);
        assert_eq!(label_bounds(220..320, 2, 3, &outer, 5), 225..400);
    }
}
