//! The scatter of a two-objective Pareto front.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::front::{draw_front_dots, draw_marked_plans, AxisRange, FrontFigure};
use crate::output::{DrawResult, XyCoord};
use crate::palette::FRONT;
use crate::text::fit_width;
use crate::theme::{text_style, text_width, Theme, GRID, INK};
use crate::ticks::{nice_step, tick_values, TickFormat};

/// Most ticks on the horizontal axis.
const X_TICKS: usize = 8;
/// Most ticks on the vertical axis.
const Y_TICKS: usize = 8;

/// Draws the front of objectives 0 (horizontal) and 1 (vertical) on `area`.
pub(crate) fn draw_pair<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &FrontFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let (x_axis, y_axis) = (figure.axes[0], figure.axes[1]);
    let description_height = theme.px(30.0);
    let y_tick_width = widest_tick(y_axis, Y_TICKS, theme);
    let mut chart = ChartBuilder::on(area)
        .margin_top(theme.px(12.0))
        .margin_right(theme.px(36.0))
        .margin_left(theme.px(12.0))
        .margin_bottom(theme.px(8.0))
        .x_label_area_size(theme.line_height() + description_height + theme.px(8.0))
        .y_label_area_size(y_tick_width + description_height + theme.px(16.0))
        .build_cartesian_2d(x_axis.lo..x_axis.hi, y_axis.lo..y_axis.hi)?;
    draw_axes(&mut chart, figure, theme)?;

    let mut front = figure.front_pairs(0, 1);
    front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let line_style = FRONT.mix(0.45).stroke_width(theme.px(2.0));
    chart.draw_series(LineSeries::new(front, line_style))?;
    draw_front_dots(chart.plotting_area(), figure, (0, 1), theme.dot_radius())?;
    draw_marked_plans(chart.plotting_area(), figure.chart, (0, 1), theme)
}

/// Draws both axes with compact tick labels, grid lines at the ticks, and the
/// objective labels, cut with an ellipsis if longer than their axis.
fn draw_axes<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, XyCoord>,
    figure: &FrontFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let x_format = axis_format(figure.axes[0], X_TICKS);
    let y_format = axis_format(figure.axes[1], Y_TICKS);
    let (plot_width, plot_height) = chart.plotting_area().dim_in_pixel();
    let label_font = theme.label_font();
    let labels = &figure.chart.objective_labels;
    chart
        .configure_mesh()
        .x_labels(X_TICKS)
        .y_labels(Y_TICKS)
        .x_label_formatter(&|value| x_format.format(*value))
        .y_label_formatter(&|value| y_format.format(*value))
        .x_desc(fit_width(&labels[0], &label_font, plot_width))
        .y_desc(fit_width(&labels[1], &label_font, plot_height))
        .label_style(text_style(&theme.tick_font(), INK))
        .axis_desc_style(text_style(&label_font, INK))
        .axis_style(INK.stroke_width(1))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .draw()
}

pub(crate) fn axis_format(axis: AxisRange, max_ticks: usize) -> TickFormat {
    TickFormat::new(axis.lo, axis.hi, nice_step(axis.span(), max_ticks))
}

/// Returns the width in pixels of the widest tick label plotters may draw.
pub(crate) fn widest_tick(axis: AxisRange, max_ticks: usize, theme: &Theme) -> u32 {
    let font = theme.tick_font();
    let format = axis_format(axis, max_ticks);
    let step = nice_step(axis.span(), max_ticks);
    // Plotters can pick a finer step than `step`, and labels at half the step
    // include the extra decimals that a finer step needs.
    tick_values(axis.lo, axis.hi, step / 2.0, 2 * max_ticks + 2)
        .into_iter()
        .map(|value| text_width(&font, &format.format(value)))
        .max()
        .unwrap_or(0)
}
