//! Layout and drawing of the response-curve panels.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use crate::curves::{marginal_values, ChannelCurve, CurveFigure, Span};
use crate::layout::{draw_text_at, draw_title};
use crate::output::{DrawResult, XyCoord};
use crate::palette::channel_colour;
use crate::text::fit_width;
use crate::theme::{text_style, text_width, Theme, GRID, INK, MUTED_INK};
use crate::ticks::{nice_step, tick_values, TickFormat};

/// Grey of the allowed spend range, drawn translucent so grid lines show through.
const RANGE_SHADE: RGBColor = RGBColor(0x88, 0x88, 0x88);
/// Opacity of the allowed spend range.
const RANGE_OPACITY: f64 = 0.2;
/// Start of each panel's marginal-return annotation.
const MROI_PREFIX: &str = "mROI ";
/// Width to height ratio that the panel grid aims for.
const PANEL_ASPECT: f64 = 1.5;
/// A panel keeps the chart's text size while it is at least 1/3 of the panel
/// grid in both directions. Smaller panels get smaller text, down to 3/4 of
/// the chart's text size, the smallest the crate treats as legible on a
/// slide. At 1200 x 800, panel text of up to 9 channels is 14.5 px and that
/// of 10 or more channels is the minimum of about 11 px.
const FULL_TEXT_FRACTION: u32 = 3;

type Panel<'a, DB> = ChartContext<'a, DB, XyCoord>;

/// Draws the title, the key, one panel per channel and the shared axis names.
pub(crate) fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &CurveFigure<'_>,
    theme: &Theme,
) -> DrawResult<DB> {
    let subtitle = figure.subtitle();
    let body = draw_title(root, &figure.chart.title, Some(&subtitle), theme)?;
    let (key, body) = body.split_vertically(theme.line_height() + theme.px(6.0));
    draw_key_row(&key, &key_entries(figure, "optimal spend"), theme)?;

    let body = body.margin(theme.px(4.0), theme.px(6.0), theme.px(6.0), theme.px(12.0));
    draw_panel_grid(&body, figure, None, theme)
}

/// Draws one panel per channel in `area`, with the spend axis name under the
/// panels and the response axis name left of them.
///
/// Panel text keeps the chart's text size while a panel is at least 1/3 of
/// `reference` each way, in pixels, or of the panel grid when it is `None`.
/// A page that shows the panels beside other content passes its own size, so
/// the panels' text does not outgrow the rest of the page.
pub(crate) fn draw_panel_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &CurveFigure<'_>,
    reference: Option<(u32, u32)>,
    theme: &Theme,
) -> DrawResult<DB> {
    let band = axis_band(theme);
    let (_, area_height) = area.dim_in_pixel();
    let (upper, x_band) = area.split_vertically(area_height.saturating_sub(band));
    let (y_band, grid) = upper.split_horizontally(band);
    draw_axis_names(figure, (&x_band, &y_band), &grid, theme)?;

    let count = figure.chart.channels.len();
    let (rows, columns) = grid_shape(count, grid.dim_in_pixel());
    let cells = grid.split_evenly((rows, columns));
    let reference = reference.unwrap_or_else(|| grid.dim_in_pixel());
    let panel_theme = panel_theme(theme, reference, cells[0].dim_in_pixel());
    let prefix = marginal_prefix(figure, &cells, &panel_theme);
    let channels = figure.chart.channels.iter().zip(&figure.spans);
    for ((channel, spans), cell) in channels.zip(&cells) {
        draw_panel(cell, (channel, prefix), *spans, &panel_theme)?;
    }
    Ok(())
}

/// Returns the width and height of one panel cell that [`draw_panel_grid`]
/// gives each of `count` panels in an area of `size` pixels, to within a pixel.
pub(crate) fn panel_cell_size(count: usize, size: (u32, u32), theme: &Theme) -> (u32, u32) {
    let band = axis_band(theme);
    let grid = (size.0.saturating_sub(band), size.1.saturating_sub(band));
    let (rows, columns) = grid_shape(count, grid);
    (grid.0 / columns as u32, grid.1 / rows as u32)
}

/// Width of the band left of the panels and height of the band under them
/// that hold the axis names.
fn axis_band(theme: &Theme) -> u32 {
    theme.px(30.0)
}

/// Returns `"mROI "` if every channel's annotation fits its panel with it,
/// and an empty prefix otherwise, so that all panels read alike. The subtitle
/// defines mROI, and the numbers matter more than the prefix.
fn marginal_prefix<DB: DrawingBackend>(
    figure: &CurveFigure<'_>,
    cells: &[DrawingArea<DB, Shift>],
    theme: &Theme,
) -> &'static str {
    let font = theme.tick_font();
    let narrowest = cells.iter().map(|cell| cell.dim_in_pixel().0).min();
    let width = narrowest.unwrap_or(0).saturating_sub(2 * panel_gap(theme));
    let channels = figure.chart.channels.iter();
    let fits = channels
        .map(|channel| format!("{MROI_PREFIX}{}", marginal_values(channel)))
        .all(|label| text_width(&font, &label) <= width);
    if fits {
        MROI_PREFIX
    } else {
        ""
    }
}

/// Pixels between a panel and the edge of its grid cell.
fn panel_gap(theme: &Theme) -> u32 {
    theme.px(8.0)
}

/// Returns `(rows, columns)` for `count` panels in an area of `(width, height)`
/// pixels: the column count whose panels have room for the largest
/// [`PANEL_ASPECT`] rectangle, the fewest columns on a tie.
fn grid_shape(count: usize, (width, height): (u32, u32)) -> (usize, usize) {
    let count = count.max(1);
    let score = |columns: usize| {
        let rows = count.div_ceil(columns);
        let cell_width = f64::from(width) / columns as f64;
        let cell_height = f64::from(height) / rows as f64;
        (cell_width / PANEL_ASPECT).min(cell_height)
    };
    let mut best = 1;
    for columns in 2..=count {
        if score(columns) > score(best) {
            best = columns;
        }
    }
    (count.div_ceil(best), best)
}

/// Returns the theme for panels of `cell` pixels in a grid of `grid` pixels
/// on a chart drawn with `chart`.
fn panel_theme(chart: &Theme, grid: (u32, u32), cell: (u32, u32)) -> Theme {
    let fraction = |cell: u32, grid: u32| {
        f64::from(cell.saturating_mul(FULL_TEXT_FRACTION)) / f64::from(grid.max(1))
    };
    chart.shrunk(fraction(cell.0, grid.0).min(fraction(cell.1, grid.1)))
}

/// A symbol in the key above the panels.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mark {
    Curve,
    Range,
    Current,
    Optimal,
}

/// A key entry: a symbol and its label.
pub(crate) type KeyEntry = (Mark, &'static str);

/// Returns the key entries for curve, allowed range and marked spends, naming
/// the optimal spend `optimal_label`. Entries for optimal spends and ranges
/// appear only if a channel has one.
pub(crate) fn key_entries(figure: &CurveFigure<'_>, optimal_label: &'static str) -> Vec<KeyEntry> {
    let mut entries = vec![(Mark::Curve, "response curve")];
    if figure.has_bounds() {
        entries.push((Mark::Range, "allowed spend range"));
    }
    entries.push((Mark::Current, "current spend"));
    if figure.has_optimal() {
        entries.push((Mark::Optimal, optimal_label));
    }
    entries
}

/// Splits `entries` into as few rows as fit `width` pixels without cutting a
/// label, keeping their order. An entry wider than `width` gets a row alone.
pub(crate) fn key_rows(entries: &[KeyEntry], width: u32, theme: &Theme) -> Vec<Vec<KeyEntry>> {
    let font = theme.tick_font();
    let spacing = theme.px(32.0);
    let mut rows: Vec<Vec<KeyEntry>> = Vec::new();
    let mut row_width = 0;
    for entry in entries {
        let entry_width = key_swatch(theme) + theme.px(8.0) + text_width(&font, entry.1);
        match rows.last_mut() {
            Some(row) if row_width + spacing + entry_width <= width => {
                row.push(*entry);
                row_width += spacing + entry_width;
            }
            _ => {
                rows.push(vec![*entry]);
                row_width = entry_width;
            }
        }
    }
    rows
}

fn key_swatch(theme: &Theme) -> u32 {
    theme.px(26.0)
}

/// Draws `entries` centred in one row of `area`. If the row is too narrow for
/// all of them, each label is cut with an ellipsis to an equal share of it.
pub(crate) fn draw_key_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[KeyEntry],
    theme: &Theme,
) -> DrawResult<DB> {
    if entries.is_empty() {
        return Ok(());
    }
    let (width, height) = area.dim_in_pixel();
    let font = theme.tick_font();
    let swatch = key_swatch(theme);
    let spacing = theme.px(32.0);
    let count = entries.len() as u32;
    let overhead = count * (swatch + theme.px(8.0)) + (count - 1) * spacing;
    let natural = overhead
        + entries
            .iter()
            .map(|(_, l)| text_width(&font, l))
            .sum::<u32>();
    let max_label = if natural <= width {
        u32::MAX
    } else {
        width.saturating_sub(overhead) / count
    };
    let labels: Vec<String> = entries
        .iter()
        .map(|(_, label)| fit_width(label, &font, max_label))
        .collect();
    let total = overhead + labels.iter().map(|l| text_width(&font, l)).sum::<u32>();
    let mut x = width.saturating_sub(total) as i32 / 2;
    let y = height as i32 / 2;
    let style = text_style(&font, INK).pos(Pos::new(HPos::Left, VPos::Center));
    for ((mark, _), label) in entries.iter().zip(labels) {
        let centre = (x + swatch as i32 / 2, y);
        draw_mark(area, *mark, centre, theme)?;
        let text_x = x + (swatch + theme.px(8.0)) as i32;
        x = text_x + (text_width(&font, &label) + spacing) as i32;
        area.draw(&Text::new(label, (text_x, y), style.clone()))?;
    }
    Ok(())
}

/// Draws a key symbol centred on `centre`, in pixels of `area`.
fn draw_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mark: Mark,
    (x, y): (i32, i32),
    theme: &Theme,
) -> DrawResult<DB> {
    let half = theme.px(12.0) as i32;
    match mark {
        Mark::Curve => {
            let points = [
                (x - half, y + half / 2),
                (x, y - half / 3),
                (x + half, y - half / 2),
            ];
            area.draw(&PathElement::new(
                points,
                MUTED_INK.stroke_width(theme.px(3.0)),
            ))
        }
        Mark::Range => {
            let corners = [(x - half, y - half * 2 / 3), (x + half, y + half * 2 / 3)];
            area.draw(&Rectangle::new(corners, range_style()))
        }
        Mark::Current => area.draw(&current_marker((x, y), theme)),
        Mark::Optimal => area.draw(&optimal_marker((x, y), theme)),
    }
}

fn range_style() -> ShapeStyle {
    RANGE_SHADE.mix(RANGE_OPACITY).filled()
}

/// Returns the open circle that marks the current spend at `position`.
fn current_marker<C>(position: C, theme: &Theme) -> Circle<C, u32> {
    Circle::new(position, theme.px(8.0), INK.stroke_width(theme.px(2.5)))
}

/// Returns the filled diamond that marks the optimal spend at `(x, y)` pixels.
fn optimal_marker((x, y): (i32, i32), theme: &Theme) -> Polygon<(i32, i32)> {
    let r = theme.px(7.0) as i32;
    let corners = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)];
    Polygon::new(corners, INK.filled())
}

/// Writes the spend axis name under the panel grid and the response axis name,
/// turned upright, left of it.
fn draw_axis_names<DB: DrawingBackend>(
    figure: &CurveFigure<'_>,
    (x_band, y_band): (&DrawingArea<DB, Shift>, &DrawingArea<DB, Shift>),
    grid: &DrawingArea<DB, Shift>,
    theme: &Theme,
) -> DrawResult<DB> {
    let font = theme.label_font();
    let (grid_x, grid_y) = grid.get_pixel_range();
    let spend_name = match figure.chart.currency.trim() {
        "" => "spend per channel".to_owned(),
        code => format!("spend per channel ({code})"),
    };
    let spend_name = fit_width(&spend_name, &font, grid_x.len() as u32);
    let centre_x = (grid_x.start + grid_x.end) / 2;
    let (_, band_y) = x_band.get_pixel_range();
    let style = text_style(&font, INK).pos(Pos::new(HPos::Center, VPos::Center));
    let position = (centre_x, (band_y.start + band_y.end) / 2);
    draw_text_at(x_band, spend_name, position, style)?;

    let kpi_name = match figure.chart.kpi_label.trim() {
        "" => "response",
        label => label,
    };
    let kpi_name = fit_width(kpi_name, &font, grid_y.len() as u32);
    let (band_x, _) = y_band.get_pixel_range();
    let upright = font.transform(FontTransform::Rotate270);
    let style = text_style(&upright, INK).pos(Pos::new(HPos::Center, VPos::Center));
    let position = (
        (band_x.start + band_x.end) / 2,
        (grid_y.start + grid_y.end) / 2,
    );
    draw_text_at(y_band, kpi_name, position, style)
}

/// Tick positions and labels of one panel axis.
struct Ticks {
    values: Vec<f64>,
    labels: Vec<String>,
}

impl Ticks {
    /// Places at most `max_ticks` ticks, or a few more if needed to get two.
    fn new(span: Span, max_ticks: usize) -> Self {
        // One tick label gives no scale, so allow up to four more ticks.
        let place = |count: usize| {
            let step = nice_step(span.width(), count);
            (step, tick_values(span.lo, span.hi, step, count))
        };
        let (step, values) = (max_ticks..max_ticks + 5)
            .map(place)
            .find(|(_, values)| values.len() >= 2)
            .unwrap_or_else(|| place(max_ticks));
        let format = TickFormat::new(span.lo, span.hi, step);
        let labels = values.iter().map(|value| format.format(*value)).collect();
        Ticks { values, labels }
    }

    fn widest(&self, font: &FontDesc<'_>) -> u32 {
        let widths = self.labels.iter().map(|label| text_width(font, label));
        widths.max().unwrap_or(0)
    }
}

/// Sizes of one panel's parts, in pixels, chosen so that nothing overlaps.
struct PanelLayout {
    /// Height of the header: the channel name and mROI lines, only the name
    /// if that leaves room for tick labels, or 0 if the panel is too small.
    header: u32,
    /// Width left of the plot for response tick labels, or 0 if they do not fit.
    y_labels: u32,
    /// Height under the plot for spend tick labels, or 0 if they do not fit.
    x_labels: u32,
    x_ticks: Ticks,
    y_ticks: Ticks,
}

impl PanelLayout {
    fn new((width, height): (u32, u32), (x_span, y_span): (Span, Span), theme: &Theme) -> Self {
        let font = theme.tick_font();
        let line = theme.line_height();
        let min_plot = theme.px(30.0);
        // The finest tick count gives the widest labels, which set the margins.
        let y_labels = Ticks::new(y_span, 6).widest(&font) + theme.px(10.0);
        let x_labels = line;
        let fits = |header: u32| {
            width >= y_labels + 2 * min_plot && height >= header + x_labels + min_plot
        };
        // Tick labels give the curve its scale, so they take the room of the
        // mROI line when the panel is too small for both.
        // NOTE: the subtitle still defines mROI when every panel leaves its
        // mROI line out, as 30 channels at 640 x 480 do.
        let (header, y_labels, x_labels) = if fits(2 * line) {
            (2 * line, y_labels, x_labels)
        } else if fits(line) {
            (line, y_labels, x_labels)
        } else if height >= 2 * line + min_plot {
            (2 * line, 0, 0)
        } else if height >= line + min_plot {
            (line, 0, 0)
        } else {
            (0, 0, 0)
        };

        let plot_width = width.saturating_sub(y_labels);
        let plot_height = height.saturating_sub(header + x_labels);
        let x_pitch = Ticks::new(x_span, 8).widest(&font) + theme.px(16.0);
        let x_count = (plot_width / x_pitch.max(1)).clamp(2, 8) as usize;
        let y_count = (plot_height / (2 * line)).clamp(2, 6) as usize;
        PanelLayout {
            header,
            y_labels,
            x_labels,
            x_ticks: Ticks::new(x_span, x_count),
            y_ticks: Ticks::new(y_span, y_count),
        }
    }
}

/// Draws one channel's panel in `cell`: name, mROI, axes, allowed range,
/// curve and marked spends.
fn draw_panel<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    (channel, prefix): (&ChannelCurve, &str),
    (x_span, y_span): (Span, Span),
    theme: &Theme,
) -> DrawResult<DB> {
    let gap = panel_gap(theme);
    let panel = cell.margin(gap, gap, gap, gap);
    let layout = PanelLayout::new(panel.dim_in_pixel(), (x_span, y_span), theme);
    if layout.header > 0 {
        let with_marginal = layout.header >= 2 * theme.line_height();
        draw_header(&panel, (channel, prefix), with_marginal, theme)?;
    }
    let (_, plot_region) = panel.split_vertically(layout.header);
    let chart = ChartBuilder::on(&plot_region)
        .x_label_area_size(layout.x_labels)
        .y_label_area_size(layout.y_labels)
        .build_cartesian_2d(x_span.lo..x_span.hi, y_span.lo..y_span.hi)?;
    let plot = chart.plotting_area();

    if let Some((low, high)) = channel.bounds {
        let corners = [(low, y_span.lo), (high, y_span.hi)];
        plot.draw(&Rectangle::new(corners, range_style()))?;
    }
    draw_grid(plot, &layout, (x_span, y_span))?;
    let points = channel
        .spend
        .iter()
        .copied()
        .zip(channel.response.iter().copied());
    let colour = channel_colour(channel.colour_index);
    plot.draw(&PathElement::new(
        points.collect::<Vec<_>>(),
        colour.stroke_width(theme.px(3.0)),
    ))?;
    if let Some(optimal) = &channel.optimal {
        // The diamond is a polygon in pixels, so it is placed on the cell.
        let (x, y) = chart.backend_coord(&(optimal.spend, optimal.response));
        let (base_x, base_y) = cell.get_base_pixel();
        cell.draw(&optimal_marker((x - base_x, y - base_y), theme))?;
    }
    let current = (channel.current.spend, channel.current.response);
    plot.draw(&current_marker(current, theme))?;

    if layout.x_labels > 0 {
        let (_, plot_y) = plot_region.get_pixel_range();
        draw_tick_labels(cell, &chart, (&layout, plot_y.start), theme)?;
    }
    Ok(())
}

/// Writes the channel name and, if `with_marginal`, its marginal returns
/// after `prefix` at the top of `panel`, each cut with an ellipsis to the
/// panel width.
fn draw_header<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    (channel, prefix): (&ChannelCurve, &str),
    with_marginal: bool,
    theme: &Theme,
) -> DrawResult<DB> {
    let (width, _) = panel.dim_in_pixel();
    let font = theme.tick_font();
    let line = theme.line_height() as i32;
    let left = Pos::new(HPos::Left, VPos::Center);
    let name = fit_width(&channel.name, &font, width);
    let style = text_style(&font, INK).pos(left);
    panel.draw(&Text::new(name, (0, line / 2), style))?;
    if !with_marginal {
        return Ok(());
    }
    let marginal = format!("{prefix}{}", marginal_values(channel));
    let marginal = fit_width(&marginal, &font, width);
    let style = text_style(&font, MUTED_INK).pos(left);
    panel.draw(&Text::new(marginal, (0, line + line / 2), style))
}

/// Draws grid lines at the ticks and the two axis lines.
fn draw_grid<DB: DrawingBackend>(
    plot: &DrawingArea<DB, XyCoord>,
    layout: &PanelLayout,
    (x_span, y_span): (Span, Span),
) -> DrawResult<DB> {
    let style = GRID.stroke_width(1);
    for x in &layout.x_ticks.values {
        plot.draw(&PathElement::new([(*x, y_span.lo), (*x, y_span.hi)], style))?;
    }
    for y in &layout.y_ticks.values {
        plot.draw(&PathElement::new([(x_span.lo, *y), (x_span.hi, *y)], style))?;
    }
    let axes = [
        (x_span.lo, y_span.hi),
        (x_span.lo, y_span.lo),
        (x_span.hi, y_span.lo),
    ];
    plot.draw(&PathElement::new(axes, INK.stroke_width(1)))
}

/// Writes the spend tick labels under the plot and the response tick labels
/// left of it, skipping any that would leave `cell`, reach above `top` into
/// the header, or overlap a neighbour.
fn draw_tick_labels<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    chart: &Panel<'_, DB>,
    (layout, top): (&PanelLayout, i32),
    theme: &Theme,
) -> DrawResult<DB> {
    let font = theme.tick_font();
    let (cell_x, cell_y) = cell.get_pixel_range();
    let spacing = theme.px(8.0) as i32;
    let (x_lo, y_lo) = (chart.x_range().start, chart.y_range().start);

    let style = text_style(&font, INK).pos(Pos::new(HPos::Center, VPos::Top));
    let mut last_right = i32::MIN;
    let x_ticks = &layout.x_ticks;
    for (value, label) in x_ticks.values.iter().zip(&x_ticks.labels) {
        let (tick_x, y) = chart.backend_coord(&(*value, y_lo));
        let half_width = text_width(&font, label) as i32 / 2;
        let Some(x) = fit_label(tick_x, half_width, &cell_x) else {
            continue;
        };
        if x - half_width < last_right.saturating_add(spacing) {
            continue;
        }
        draw_text_at(
            cell,
            label.clone(),
            (x, y + theme.px(4.0) as i32),
            style.clone(),
        )?;
        last_right = x + half_width;
    }

    let style = text_style(&font, INK).pos(Pos::new(HPos::Right, VPos::Center));
    // Digits reach 0.73 em above the baseline, 10.6 px at scale 1, so labels
    // 14 px apart keep a gap even on panels only a few lines high.
    let half_height = theme.px(7.0) as i32;
    // Values ascend, so labels go up the panel and each must stay above the last.
    let mut last_top = i32::MAX;
    let y_ticks = &layout.y_ticks;
    for (value, label) in y_ticks.values.iter().zip(&y_ticks.labels) {
        let (x, tick_y) = chart.backend_coord(&(x_lo, *value));
        let Some(y) = fit_label(tick_y, half_height, &(top..cell_y.end)) else {
            continue;
        };
        if y + half_height > last_top {
            continue;
        }
        draw_text_at(
            cell,
            label.clone(),
            (x - theme.px(6.0) as i32, y),
            style.clone(),
        )?;
        last_top = y - half_height;
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
    use crate::size::ChartSize;

    #[test]
    fn grid_shape_fits_panels_to_area() {
        assert_eq!(grid_shape(1, (1170, 650)), (1, 1));
        assert_eq!(grid_shape(6, (1170, 650)), (2, 3));
        assert_eq!(grid_shape(30, (1170, 650)), (5, 6));
        assert_eq!(grid_shape(4, (400, 1600)), (4, 1));
    }

    #[test]
    fn panel_theme_keeps_chart_size_for_large_panels() {
        let chart = Theme::new(ChartSize::default());
        let grid = (1152, 648);
        assert_eq!(panel_theme(&chart, grid, grid).px(100.0), 100);
        assert_eq!(panel_theme(&chart, grid, (384, 324)).px(100.0), 100);
        assert_eq!(panel_theme(&chart, grid, (192, 130)).px(100.0), 75);
    }

    #[test]
    fn panel_theme_keeps_three_quarters_of_large_charts() {
        let chart = Theme::new(ChartSize {
            width: 1920,
            height: 1080,
        });
        let panel = panel_theme(&chart, (1850, 900), (308, 180));
        assert_eq!(panel.px(100.0), chart.px(75.0));
    }

    #[test]
    fn small_panel_keeps_name_without_marginal() {
        crate::theme::register_bundled_font().expect("bundled font");
        let theme = Theme::new(ChartSize::default());
        let span = Span { lo: 0.0, hi: 1.0 };
        let header = |height| PanelLayout::new((300, height), (span, span), &theme).header;
        // Lines are 24 px and a plot needs at least 30 px at 1200 x 800, and
        // spend tick labels take a line under the plot.
        assert_eq!(header(102), 48);
        assert_eq!(header(101), 24);
        assert_eq!(header(78), 24);
        assert_eq!(header(77), 24);
        assert_eq!(header(54), 24);
        assert_eq!(header(53), 0);
    }

    #[test]
    fn fit_label_moves_labels_inside_bounds() {
        assert_eq!(fit_label(95, 10, &(0..100)), Some(90));
        assert_eq!(fit_label(-5, 10, &(0..100)), None);
    }
}
