//! Layout and drawing of the allocation chart.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::allocation::AllocationFigure;
use crate::allocation_labels::RowLabels;
use crate::layout::draw_title;
use crate::legend::{column_count, column_width, draw_legend_columns, LegendEntry, Swatch};
use crate::output::{DrawResult, XyCoord};
use crate::palette::channel_colour;
use crate::theme::{text_style, text_width, Theme, GRID, INK, MUTED_INK};

/// Maximum width of the channel legend, in percent of the chart width.
const MAX_LEGEND_PERCENT: u32 = 35;
/// The last tick label of the share axis, which reaches past the bars.
const LAST_SHARE_LABEL: &str = "100%";
/// Share of the bar's height left empty above and below it.
const BAR_GAP: f64 = 0.15;

type BarChart<'a, DB> = ChartContext<'a, DB, XyCoord>;

/// Draws title, bars and a channel legend right of the bars on `root`.
pub(crate) fn draw_allocations<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &AllocationFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let subtitle = figure.total_spend_subtitle();
    let body = draw_title(root, &figure.chart.title, subtitle.as_deref(), theme)?;
    let entries = channel_entries(figure);
    let (body_width, body_height) = body.dim_in_pixel();
    let (top, bottom) = (theme.px(12.0), theme.px(12.0));
    let legend_height = body_height.saturating_sub(top + bottom);
    let columns = column_count(entries.len(), legend_height, theme) as u32;
    let legend_width = (columns * column_width(&entries, theme, theme.px(240.0)))
        .min(body_width * MAX_LEGEND_PERCENT / 100);
    let bars_width = body_width.saturating_sub(legend_width + theme.px(16.0));

    let (bars, legend) = body.split_horizontally(bars_width);
    let legend = legend.margin(top, bottom, 0, theme.px(16.0));
    draw_legend_columns(&legend, &entries, theme)?;
    draw_bars(&bars, figure, theme)
}

fn channel_entries(figure: &AllocationFigure<'_>) -> Vec<LegendEntry> {
    let channels = figure.chart.channels.iter().enumerate();
    channels
        .map(|(index, channel)| LegendEntry {
            label: channel.clone(),
            swatch: Swatch::Block(channel_colour(index)),
        })
        .collect()
}

/// Draws the share axis, one bar per row and the row labels on `area`.
fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &AllocationFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let (area_width, _) = area.dim_in_pixel();
    let labels: Vec<&str> = figure
        .chart
        .rows
        .iter()
        .map(|row| row.label.as_str())
        .collect();
    let labels = RowLabels::new(&labels, area_width, theme);
    // The centred "100%" label reaches half its width past the bars, and
    // needs a gap to the legend beyond that.
    let overhang = text_width(&theme.tick_font(), LAST_SHARE_LABEL) / 2 + theme.px(8.0);
    let row_count = figure.chart.rows.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_top(theme.px(12.0) + labels.header_height(theme))
        .margin_right(overhang.max(theme.px(20.0)))
        .margin_left(theme.px(12.0))
        .margin_bottom(theme.px(8.0))
        .x_label_area_size(theme.line_height() + theme.px(38.0))
        .y_label_area_size(labels.width(theme) + theme.px(14.0))
        .build_cartesian_2d(0.0..100.0, 0.0..row_count)?;
    draw_share_axis(&mut chart, theme)?;

    // Bars thinner than a few pixels are drawn without gaps, because rounding each gap to
    // whole pixels would stripe the chart white.
    let pitch = row_pixels(&chart, row_count);
    let gap = if pitch >= 6.0 { BAR_GAP } else { 0.0 };
    for (index, shares) in figure.shares.iter().enumerate() {
        draw_bar(&chart, index, shares.as_deref(), (row_count, gap), theme)?;
    }
    labels.draw(area, &chart, pitch, theme)
}

/// Draws the horizontal 0 to 100 % axis with vertical grid lines, and the
/// vertical axis line without labels.
fn draw_share_axis<DB: DrawingBackend>(
    chart: &mut BarChart<'_, DB>,
    theme: &Theme,
) -> DrawResult<DB> {
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&|share| format!("{share:.0}%"))
        .y_labels(0)
        .disable_y_mesh()
        .x_desc("share of the plan's total spend")
        .label_style(text_style(&theme.tick_font(), INK))
        .axis_desc_style(text_style(&theme.label_font(), INK))
        .axis_style(INK.stroke_width(1))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .draw()
}

/// Height of one row in pixels, which is below 1 when there are more rows than pixels.
fn row_pixels<DB: DrawingBackend>(chart: &BarChart<'_, DB>, row_count: f64) -> f64 {
    let bottom = chart.backend_coord(&(0.0, 0.0)).1;
    let top = chart.backend_coord(&(0.0, row_count)).1;
    f64::from(bottom - top) / row_count.max(1.0)
}

/// Draws row `index` as stacked segments from 0 to 100 %, row 0 at the top, leaving `gap`
/// of the row's height empty above and below the bar.
fn draw_bar<DB: DrawingBackend>(
    chart: &BarChart<'_, DB>,
    index: usize,
    shares: Option<&[f64]>,
    (row_count, gap): (f64, f64),
    theme: &Theme,
) -> DrawResult<DB> {
    let top = row_count - index as f64;
    let (y_low, y_high) = (top - 1.0 + gap, top - gap);
    let plot = chart.plotting_area();
    let Some(shares) = shares else {
        let style =
            text_style(&theme.tick_font(), MUTED_INK).pos(Pos::new(HPos::Left, VPos::Center));
        return plot.draw(&Text::new("no spend", (1.0, top - 0.5), style));
    };
    let bar_pixels = chart.backend_coord(&(0.0, y_low)).1 - chart.backend_coord(&(0.0, y_high)).1;
    let mut start = 0.0;
    for (channel, share) in shares.iter().enumerate() {
        let corners = [(start, y_low), (start + share, y_high)];
        plot.draw(&Rectangle::new(corners, channel_colour(channel).filled()))?;
        // A white edge separates neighbouring segments of similar colours.
        if bar_pixels >= 6 && *share > 0.0 {
            plot.draw(&Rectangle::new(corners, WHITE.stroke_width(1)))?;
        }
        start += share;
    }
    Ok(())
}
