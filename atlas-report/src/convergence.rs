//! The hypervolume of a Pareto search by generation, as a line chart.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::front::{AxisRange, MAX_KPI_MAGNITUDE};
use crate::front_pair::{axis_format, widest_tick};
use crate::layout::draw_title;
use crate::output::{write_figure, DrawResult, Figure, XyCoord};
use crate::palette::FRONT;
use crate::size::{ChartSize, ImageFormat};
use crate::text::fit_width;
use crate::theme::{text_style, Theme, GRID, INK};
use crate::ticks::{nice_step, TickFormat};
use crate::ReportError;

/// Description of the horizontal axis.
const GENERATION_LABEL: &str = "generation";
/// Description of the vertical axis. Callers pass hypervolumes of objectives
/// scaled to 0..1, measured against the reference point 1.1 in each of them.
const HYPERVOLUME_LABEL: &str = "hypervolume (scaled objectives, reference 1.1)";
/// Maximum number of ticks on each axis.
const MAX_TICKS: usize = 8;
/// Histories with at most this many measured generations get a dot on every
/// value, because a short line alone hides where the measurements are.
const MAX_DOTTED_VALUES: usize = 50;

/// The hypervolume of a Pareto search at each recorded generation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConvergenceChart {
    /// Chart title, drawn centred at the top. May be empty.
    pub title: String,
    /// Generation numbers, one per entry of `hypervolume`.
    pub generations: Vec<usize>,
    /// Hypervolume at each generation, or `None` where it was not measured.
    /// The axis label states objectives scaled to 0..1 and the reference
    /// point 1.1 in each, so pass values measured that way.
    pub hypervolume: Vec<Option<f64>>,
}

/// Draws the hypervolume by generation to `path`.
///
/// The values are joined by a line in order of generation, with a gap
/// wherever a generation has no value. An isolated value between two gaps is
/// drawn as a dot, and so is every value of a history with at most 50
/// measured generations. When values are missing, a subtitle states how many.
///
/// # Errors
///
/// - [`ReportError::Empty`] if `generations` is empty or every hypervolume is
///   `None`.
/// - [`ReportError::LengthMismatch`] if `hypervolume` and `generations` differ
///   in length.
/// - [`ReportError::NonFinite`] if a hypervolume is NaN or infinite.
/// - [`ReportError::ValueTooLarge`] if a hypervolume's magnitude is above
///   [`MAX_KPI_MAGNITUDE`].
/// - [`ReportError::SizeOutOfRange`] if `size` is outside the accepted range.
/// - [`ReportError::Io`] or [`ReportError::Draw`] if writing or drawing fails,
///   in which case no file is left at `path`.
pub fn render_convergence(
    chart: &ConvergenceChart,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    validate_convergence(chart)?;
    write_figure(&ConvergenceFigure::new(chart), path, format, size)
}

fn validate_convergence(chart: &ConvergenceChart) -> Result<(), ReportError> {
    if chart.generations.is_empty() {
        return Err(ReportError::Empty {
            field: "ConvergenceChart.generations",
            entry: "generation",
        });
    }
    if chart.hypervolume.len() != chart.generations.len() {
        return Err(ReportError::LengthMismatch {
            row: "ConvergenceChart.hypervolume".to_owned(),
            expected: chart.generations.len(),
            found: chart.hypervolume.len(),
            column: "generation",
        });
    }
    let values = chart.generations.iter().zip(&chart.hypervolume).enumerate();
    for (index, (generation, value)) in values {
        let Some(value) = value else {
            continue;
        };
        let location = || format!("hypervolume at index {index} (generation {generation})");
        if !value.is_finite() {
            return Err(ReportError::NonFinite {
                location: location(),
                value: *value,
            });
        }
        if value.abs() > MAX_KPI_MAGNITUDE {
            return Err(ReportError::ValueTooLarge {
                location: location(),
                value: *value,
                limit: MAX_KPI_MAGNITUDE,
            });
        }
    }
    if chart.hypervolume.iter().all(Option::is_none) {
        return Err(ReportError::Empty {
            field: "ConvergenceChart.hypervolume without its None entries",
            entry: "measured hypervolume",
        });
    }
    Ok(())
}

/// A validated convergence chart, sorted by generation and split at gaps.
struct ConvergenceFigure<'a> {
    chart: &'a ConvergenceChart,
    /// Runs of consecutive measured values as `(generation, hypervolume)`,
    /// in order of generation.
    runs: Vec<Vec<(f64, f64)>>,
    x_axis: AxisRange,
    y_axis: AxisRange,
}

impl<'a> ConvergenceFigure<'a> {
    fn new(chart: &'a ConvergenceChart) -> Self {
        let mut entries: Vec<(usize, Option<f64>)> = chart
            .generations
            .iter()
            .copied()
            .zip(chart.hypervolume.iter().copied())
            .collect();
        // A stable sort keeps repeated generations in their given order.
        entries.sort_by_key(|(generation, _)| *generation);
        let runs = split_runs(&entries);

        let first = entries[0].0 as f64;
        let last = entries[entries.len() - 1].0 as f64;
        let x_axis = if last > first {
            let pad = (last - first) * 0.02;
            AxisRange {
                lo: first - pad,
                hi: last + pad,
            }
        } else {
            AxisRange {
                lo: first - 1.0,
                hi: first + 1.0,
            }
        };

        let values = runs.iter().flatten().map(|(_, value)| *value);
        let mut y_axis = AxisRange::padded(values.clone());
        // A hypervolume is never negative, so padding below a non-negative
        // minimum stops at zero.
        if values.fold(f64::MAX, f64::min) >= 0.0 {
            y_axis.lo = y_axis.lo.max(0.0);
        }
        ConvergenceFigure {
            chart,
            runs,
            x_axis,
            y_axis,
        }
    }

    /// Returns a subtitle stating how many generations have no value, or
    /// `None` if all have one.
    fn gap_subtitle(&self) -> Option<String> {
        let total = self.chart.hypervolume.len();
        let missing = self
            .chart
            .hypervolume
            .iter()
            .filter(|v| v.is_none())
            .count();
        (missing > 0)
            .then(|| format!("no hypervolume recorded for {missing} of {total} generations"))
    }
}

/// Splits `entries` at every `None` into runs of measured values.
fn split_runs(entries: &[(usize, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (generation, value) in entries {
        match value {
            Some(value) => current.push((*generation as f64, *value)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

impl Figure for ConvergenceFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        let subtitle = self.gap_subtitle();
        let body = draw_title(root, &self.chart.title, subtitle.as_deref(), theme)?;
        let description_height = theme.px(30.0);
        let y_tick_width = widest_tick(self.y_axis, MAX_TICKS, theme);
        let mut chart = ChartBuilder::on(&body)
            .margin_top(theme.px(12.0))
            .margin_right(theme.px(36.0))
            .margin_left(theme.px(12.0))
            .margin_bottom(theme.px(8.0))
            .x_label_area_size(theme.line_height() + description_height + theme.px(8.0))
            .y_label_area_size(y_tick_width + description_height + theme.px(16.0))
            .build_cartesian_2d(
                self.x_axis.lo..self.x_axis.hi,
                self.y_axis.lo..self.y_axis.hi,
            )?;
        self.draw_axes(&mut chart, theme)?;
        self.draw_runs(chart.plotting_area(), theme)
    }
}

impl ConvergenceFigure<'_> {
    /// Draws both axes with grid lines at the ticks, whole generation numbers
    /// on the horizontal axis and compact hypervolume values on the vertical.
    fn draw_axes<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, XyCoord>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        // Plotters picks steps of 1, 2 or 5 times a power of ten, so asking
        // for no more ticks than whole generations keeps the step at 1 or more.
        let whole_generations = self.x_axis.span().floor() + 1.0;
        let x_ticks = whole_generations.clamp(2.0, MAX_TICKS as f64) as usize;
        let x_step = nice_step(self.x_axis.span(), x_ticks).max(1.0);
        let x_format = TickFormat::new(self.x_axis.lo, self.x_axis.hi, x_step);
        let y_format = axis_format(self.y_axis, MAX_TICKS);
        let (plot_width, plot_height) = chart.plotting_area().dim_in_pixel();
        let label_font = theme.label_font();
        chart
            .configure_mesh()
            .x_labels(x_ticks)
            .y_labels(MAX_TICKS)
            .x_label_formatter(&|value| format_generation(*value, &x_format))
            .y_label_formatter(&|value| y_format.format(*value))
            .x_desc(fit_width(GENERATION_LABEL, &label_font, plot_width))
            .y_desc(fit_width(HYPERVOLUME_LABEL, &label_font, plot_height))
            .label_style(text_style(&theme.tick_font(), INK))
            .axis_desc_style(text_style(&label_font, INK))
            .axis_style(INK.stroke_width(1))
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .draw()
    }

    /// Draws each run as a line, and dots on isolated values or, for short
    /// histories, on every value.
    fn draw_runs<DB: DrawingBackend>(
        &self,
        plot: &DrawingArea<DB, XyCoord>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        let measured: usize = self.runs.iter().map(Vec::len).sum();
        let line = FRONT.stroke_width(theme.px(2.0));
        for run in &self.runs {
            if run.len() > 1 {
                plot.draw(&PathElement::new(run.clone(), line))?;
            }
            if run.len() == 1 || measured <= MAX_DOTTED_VALUES {
                for point in run {
                    plot.draw(&Circle::new(*point, theme.dot_radius(), FRONT.filled()))?;
                }
            }
        }
        Ok(())
    }
}

/// Formats a tick on the generation axis, or returns an empty label for
/// positions that are not a whole generation.
fn format_generation(value: f64, format: &TickFormat) -> String {
    let whole = value.round();
    if whole < 0.0 || (value - whole).abs() > 1e-6 {
        return String::new();
    }
    format.format(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_gaps() {
        let entries = [
            (0, None),
            (1, Some(0.1)),
            (2, Some(0.2)),
            (3, None),
            (4, Some(0.4)),
            (5, None),
        ];
        let runs = split_runs(&entries);
        assert_eq!(runs, vec![vec![(1.0, 0.1), (2.0, 0.2)], vec![(4.0, 0.4)]]);
    }

    #[test]
    fn figure_sorts_by_generation_and_stops_at_zero() {
        let chart = ConvergenceChart {
            title: String::new(),
            generations: vec![20, 0, 10],
            hypervolume: vec![Some(0.9), Some(0.01), Some(0.5)],
        };
        let figure = ConvergenceFigure::new(&chart);
        assert_eq!(
            figure.runs,
            vec![vec![(0.0, 0.01), (10.0, 0.5), (20.0, 0.9)]]
        );
        assert_eq!(figure.y_axis.lo, 0.0);
    }

    #[test]
    fn generation_ticks_are_whole_numbers() {
        let format = TickFormat::new(0.0, 100.0, 20.0);
        assert_eq!(format_generation(40.0, &format), "40");
        assert_eq!(format_generation(2.5, &format), "");
        assert_eq!(format_generation(-1.0, &format), "");
        let format = TickFormat::new(0.0, 20_000.0, 5_000.0);
        assert_eq!(format_generation(15_000.0, &format), "15k");
    }
}
