//! Pareto front charts: a scatter for two objectives, a scatter matrix for more.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::front_matrix::draw_matrix;
use crate::front_pair::draw_pair;
use crate::layout::draw_title;
use crate::legend::{draw_legend_row, LegendEntry, Swatch};
use crate::output::{write_figure, DrawResult, Figure, XyCoord};
use crate::palette::{CHOSEN, CURRENT, FRONT};
use crate::size::{ChartSize, ImageFormat};
use crate::theme::Theme;
use crate::ReportError;

/// Minimum number of objectives a front chart shows.
pub const MIN_OBJECTIVES: usize = 2;
/// Maximum number of objectives a scatter matrix shows, because more would
/// make panels too small for tick labels at the default size.
pub const MAX_OBJECTIVES: usize = 8;

/// Largest KPI magnitude a front chart accepts.
///
/// Plotters 0.3.7 never returns from tick placement when an axis spans more
/// than `f64::MAX`, and it overflows when it maps a value outside the axis, so
/// values and padded axis ranges stay within this.
pub const MAX_KPI_MAGNITUDE: f64 = 1e300;

/// Okabe-Ito bluish green for the knee point, drawn as a filled square.
pub(crate) const KNEE: RGBColor = RGBColor(0x00, 0x9E, 0x73);

/// A Pareto front and the plans to compare it with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrontChart {
    /// Chart title, drawn centred at the top. May be empty.
    pub title: String,
    /// One axis label per objective, e.g. `revenue (maximize)`.
    pub objective_labels: Vec<String>,
    /// KPI values of each front member in natural units, one per objective.
    pub points: Vec<Vec<f64>>,
    /// KPI values of the current plan, drawn as a triangle.
    #[serde(default)]
    pub current: Option<Vec<f64>>,
    /// KPI values of a chosen plan such as the weighted optimum, drawn as a ring.
    #[serde(default)]
    pub chosen: Option<Vec<f64>>,
    /// KPI values of the front's knee point, drawn as a filled square.
    #[serde(default)]
    pub knee: Option<Vec<f64>>,
}

/// Draws a Pareto front chart to `path`.
///
/// Two objectives give a scatter of the front, joined in order of the first
/// objective. Three or more give a scatter matrix with every pair of
/// objectives and the objective names on the diagonal. The current plan, the
/// chosen plan and the knee point, if given, are marked in every panel and
/// named in the legend.
///
/// # Errors
///
/// - [`ReportError::ObjectiveCount`] unless there are
///   [`MIN_OBJECTIVES`]`..=`[`MAX_OBJECTIVES`] objective labels.
/// - [`ReportError::Empty`] if `points` is empty.
/// - [`ReportError::LengthMismatch`] if a point, `current`, `chosen` or `knee`
///   has a different number of values than there are objective labels.
/// - [`ReportError::NonFinite`] if any value is NaN or infinite.
/// - [`ReportError::ValueTooLarge`] if any value's magnitude is above
///   [`MAX_KPI_MAGNITUDE`].
/// - [`ReportError::SizeOutOfRange`] if `size` is outside the accepted range.
/// - [`ReportError::Io`] or [`ReportError::Draw`] if writing or drawing fails,
///   in which case no file is left at `path`.
pub fn render_front(
    chart: &FrontChart,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    validate_front(chart)?;
    write_figure(&FrontFigure::new(chart), path, format, size)
}

fn validate_front(chart: &FrontChart) -> Result<(), ReportError> {
    let rows = KpiRows {
        field: "FrontChart.points",
        labels: &chart.objective_labels,
        points: &chart.points,
        marked: marked_plans(&chart.current, &chart.chosen, &chart.knee),
    };
    rows.validate()
}

/// The names under which error messages report the marked plans.
const MARKED_NAMES: [&str; 3] = ["current plan", "chosen plan", "knee point"];

/// Pairs the current plan, chosen plan and knee point with their names.
pub(crate) fn marked_plans<'a>(
    current: &'a Option<Vec<f64>>,
    chosen: &'a Option<Vec<f64>>,
    knee: &'a Option<Vec<f64>>,
) -> [(&'static str, Option<&'a [f64]>); 3] {
    let [current_name, chosen_name, knee_name] = MARKED_NAMES;
    [
        (current_name, current.as_deref()),
        (chosen_name, chosen.as_deref()),
        (knee_name, knee.as_deref()),
    ]
}

/// The KPI values of a chart that shows one value per objective and plan.
pub(crate) struct KpiRows<'a> {
    /// The points field, named in the error for an empty front.
    pub(crate) field: &'static str,
    pub(crate) labels: &'a [String],
    pub(crate) points: &'a [Vec<f64>],
    /// The optional marked plans, each with its name for error messages.
    pub(crate) marked: [(&'static str, Option<&'a [f64]>); 3],
}

impl KpiRows<'_> {
    /// Checks the objective count, that there are points, and that every
    /// point and marked plan has one finite value of accepted magnitude per
    /// objective.
    pub(crate) fn validate(&self) -> Result<(), ReportError> {
        let found = self.labels.len();
        if !(MIN_OBJECTIVES..=MAX_OBJECTIVES).contains(&found) {
            return Err(ReportError::ObjectiveCount {
                found,
                min: MIN_OBJECTIVES,
                max: MAX_OBJECTIVES,
            });
        }
        if self.points.is_empty() {
            return Err(ReportError::Empty {
                field: self.field,
                entry: "front member",
            });
        }
        for (index, point) in self.points.iter().enumerate() {
            check_point(&format!("front point at index {index}"), point, self.labels)?;
        }
        for (name, plan) in self.marked {
            if let Some(plan) = plan {
                check_point(name, plan, self.labels)?;
            }
        }
        Ok(())
    }
}

fn check_point(row: &str, values: &[f64], labels: &[String]) -> Result<(), ReportError> {
    if values.len() != labels.len() {
        return Err(ReportError::LengthMismatch {
            row: row.to_owned(),
            expected: labels.len(),
            found: values.len(),
            column: "objective",
        });
    }
    for (value, label) in values.iter().zip(labels) {
        let location = || format!("{row}, objective {label:?}");
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
    Ok(())
}

/// The padded value range shown on one objective's axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AxisRange {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
}

impl AxisRange {
    /// Returns the range of `values` with 6 % padding on each side. When all
    /// values are equal or differ only by rounding noise (a millionth of their
    /// magnitude), as a constant objective such as spend under a fixed budget
    /// does, it returns a range around the value.
    pub(crate) fn padded(values: impl Iterator<Item = f64>) -> Self {
        let (min, max) = values.fold((f64::MAX, f64::MIN), |(min, max), value| {
            (min.min(value), max.max(value))
        });
        // Halving before subtracting keeps the arithmetic finite near f64::MAX.
        let middle = min / 2.0 + max / 2.0;
        let half = max / 2.0 - min / 2.0;
        let half = if half > 1e-6 * middle.abs() {
            half * 1.12
        } else {
            (middle.abs() * 0.05).max(1.0)
        };
        AxisRange {
            lo: (middle - half).max(-MAX_KPI_MAGNITUDE),
            hi: (middle + half).min(MAX_KPI_MAGNITUDE),
        }
    }

    /// Returns `hi - lo`, capped at `f64::MAX` instead of overflowing.
    pub(crate) fn span(&self) -> f64 {
        ((self.hi / 2.0 - self.lo / 2.0) * 2.0).min(f64::MAX)
    }
}

/// A validated front chart with its axis ranges.
pub(crate) struct FrontFigure<'a> {
    pub(crate) chart: &'a FrontChart,
    /// One range per objective, covering the front and the marked plans.
    pub(crate) axes: Vec<AxisRange>,
}

impl<'a> FrontFigure<'a> {
    fn new(chart: &'a FrontChart) -> Self {
        let axes = (0..chart.objective_labels.len())
            .map(|objective| {
                let marked = chart.current.iter().chain(&chart.chosen).chain(&chart.knee);
                let values = chart.points.iter().chain(marked).map(|p| p[objective]);
                AxisRange::padded(values)
            })
            .collect();
        FrontFigure { chart, axes }
    }

    /// Returns the `(x, y)` pairs of every front member for two objectives.
    pub(crate) fn front_pairs(&self, x: usize, y: usize) -> Vec<(f64, f64)> {
        self.chart.points.iter().map(|p| (p[x], p[y])).collect()
    }

    fn legend(&self) -> Vec<LegendEntry> {
        let count = self.chart.points.len();
        let plans = if count == 1 { "plan" } else { "plans" };
        let mut entries = vec![LegendEntry {
            label: format!("Pareto front ({count} {plans})"),
            swatch: Swatch::Dot(FRONT),
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

impl Figure for FrontFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        let body = draw_title(root, &self.chart.title, None, theme)?;
        let (legend, plot) = body.split_vertically(theme.line_height() + theme.px(6.0));
        draw_legend_row(&legend, &self.legend(), theme)?;
        if self.axes.len() == 2 {
            draw_pair(&plot, self, theme)
        } else {
            draw_matrix(&plot, self, theme)
        }
    }
}

/// Draws the knee point, current plan and chosen plan, if given, on a panel
/// showing objectives `x` and `y`.
///
/// The chosen plan's ring is drawn last and is open, so a knee square or
/// current triangle at the same position stays visible inside it.
pub(crate) fn draw_marked_plans<DB: DrawingBackend>(
    area: &DrawingArea<DB, XyCoord>,
    chart: &FrontChart,
    (x, y): (usize, usize),
    theme: &Theme,
) -> DrawResult<DB> {
    if let Some(knee) = &chart.knee {
        draw_knee_marker(area, (knee[x], knee[y]), theme)?;
    }
    if let Some(current) = &chart.current {
        let centre = (current[x], current[y]);
        let marker = TriangleMarker::new(centre, theme.triangle_size(), CURRENT.filled());
        area.draw(&marker)?;
    }
    if let Some(chosen) = &chart.chosen {
        let style = CHOSEN.stroke_width(theme.ring_width());
        area.draw(&Circle::new(
            (chosen[x], chosen[y]),
            theme.ring_radius(),
            style,
        ))?;
    }
    Ok(())
}

/// Draws the knee point's marker, a filled square centred on `centre`.
///
/// The square is about as large as the legend's block swatch and fits inside
/// the chosen plan's ring.
pub(crate) fn draw_knee_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, XyCoord>,
    centre: (f64, f64),
    theme: &Theme,
) -> DrawResult<DB> {
    let half = theme.px(7.0) as i32;
    let square = Rectangle::new([(-half, -half), (half, half)], KNEE.filled());
    area.draw(&(EmptyElement::at(centre) + square))
}

/// Draws the front members as dots of `radius` pixels on a panel showing
/// objectives `x` and `y`.
pub(crate) fn draw_front_dots<DB: DrawingBackend>(
    area: &DrawingArea<DB, XyCoord>,
    figure: &FrontFigure<'_>,
    (x, y): (usize, usize),
    radius: u32,
) -> DrawResult<DB> {
    for point in figure.front_pairs(x, y) {
        area.draw(&Circle::new(point, radius, FRONT.filled()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_range_covers_values_with_margin() {
        let range = AxisRange::padded([10.0, 20.0].into_iter());
        assert!((range.lo - 9.4).abs() < 1e-9, "{range:?}");
        assert!((range.hi - 20.6).abs() < 1e-9, "{range:?}");
    }

    #[test]
    fn padded_range_widens_equal_values() {
        let range = AxisRange::padded([5_000.0, 5_000.0].into_iter());
        assert_eq!(
            range,
            AxisRange {
                lo: 4_750.0,
                hi: 5_250.0
            }
        );
        let range = AxisRange::padded([0.0].into_iter());
        assert_eq!(range, AxisRange { lo: -1.0, hi: 1.0 });
        let noisy = AxisRange::padded([79_294.02, 79_294.02 + 1e-7].into_iter());
        assert!(noisy.hi - noisy.lo > 7_000.0, "{noisy:?}");
    }

    #[test]
    fn padded_range_stays_finite_at_extremes() {
        let range = AxisRange::padded([f64::MAX, -f64::MAX].into_iter());
        assert_eq!(
            range,
            AxisRange {
                lo: -MAX_KPI_MAGNITUDE,
                hi: MAX_KPI_MAGNITUDE
            }
        );
        assert!(range.span().is_finite(), "{range:?}");
    }
}
