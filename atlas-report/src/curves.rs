//! Response curves, one small panel per channel, with the current and optimal
//! spend marked.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::curves_draw::draw_curves;
use crate::front::MAX_KPI_MAGNITUDE;
use crate::output::{write_figure, DrawResult, Figure};
use crate::size::{ChartSize, ImageFormat};
use crate::theme::Theme;
use crate::ticks::format_amount;
use crate::ReportError;

/// Fitted response curves of several channels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CurveChart {
    /// Chart title, drawn centred at the top. May be empty.
    pub title: String,
    /// Currency of the spend values, e.g. `EUR`, shown on the spend axis.
    #[serde(default)]
    pub currency: String,
    /// Name of the response KPI, e.g. `revenue`, shown on the response axis.
    #[serde(default)]
    pub kpi_label: String,
    /// One panel per channel, drawn left to right and top to bottom.
    pub channels: Vec<ChannelCurve>,
}

/// One channel's response curve and its marked spends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelCurve {
    /// Channel name, cut with an ellipsis when wider than its panel.
    pub name: String,
    /// Position of the channel in the scenario, passed to
    /// [`channel_colour`](crate::channel_colour) so the curve has the same
    /// colour as the channel in every other chart.
    pub colour_index: usize,
    /// Spend values at which the curve is sampled, strictly ascending, 0 or more.
    pub spend: Vec<f64>,
    /// Response at each value of `spend`, in KPI units.
    pub response: Vec<f64>,
    /// The current spend, drawn as an open circle.
    pub current: CurvePoint,
    /// The optimal spend, drawn as a filled diamond.
    #[serde(default)]
    pub optimal: Option<CurvePoint>,
    /// Lowest and highest spend the optimizer may choose, drawn as a shaded band.
    #[serde(default)]
    pub bounds: Option<(f64, f64)>,
}

/// A point on a response curve and the curve's slope there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Spend, 0 or more.
    pub spend: f64,
    /// Response at `spend`, in KPI units.
    pub response: f64,
    /// Marginal return: response per extra unit of spend at `spend`, the
    /// derivative d response / d spend.
    pub marginal: f64,
}

/// Draws one response-curve panel per channel to `path`.
///
/// Panels fill a grid whose column count gives them the largest 3:2 area that
/// fits the chart. Each panel shows the curve in the channel's colour over a
/// grey band of the allowed spend range, an open circle at the current spend,
/// a filled diamond at the optimal spend, and the marginal return (mROI) at
/// both, e.g. `mROI 0.84 → 0.52`. The subtitle defines mROI, and the spend and
/// response axes are named once for all panels. Panels too small for both the
/// mROI line and tick labels keep the tick labels and leave out the mROI line.
///
/// # Errors
///
/// - [`ReportError::Empty`] if `channels` is empty.
/// - [`ReportError::LengthMismatch`] if a channel's `response` has a different
///   length than its `spend`.
/// - [`ReportError::NonFinite`] if any value is NaN or infinite.
/// - [`ReportError::ValueTooLarge`] if any value's magnitude is above
///   [`MAX_KPI_MAGNITUDE`](crate::MAX_KPI_MAGNITUDE).
/// - [`ReportError::NegativeSpend`] if a spend value or bound is below zero.
/// - [`ReportError::InvalidCurve`] if a curve has fewer than 2 points, its
///   spend does not strictly ascend, or its lower bound is above its upper bound.
/// - [`ReportError::SizeOutOfRange`] if `size` is outside the accepted range.
/// - [`ReportError::Io`] or [`ReportError::Draw`] if writing or drawing fails,
///   in which case no file is left at `path`.
pub fn render_curves(
    chart: &CurveChart,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    validate_curves(chart, path)?;
    write_figure(&CurveFigure::new(chart), path, format, size)
}

/// Checks every curve of `chart`, naming the channel and field of the first
/// invalid value.
pub(crate) fn validate_curves(chart: &CurveChart, path: &Path) -> Result<(), ReportError> {
    if chart.channels.is_empty() {
        return Err(ReportError::Empty {
            field: "CurveChart.channels",
            entry: "channel curve",
        });
    }
    for (index, channel) in chart.channels.iter().enumerate() {
        check_channel(index, channel, path)?;
    }
    Ok(())
}

fn check_channel(index: usize, channel: &ChannelCurve, path: &Path) -> Result<(), ReportError> {
    let name = format!("channel {:?} (index {index})", channel.name);
    if channel.response.len() != channel.spend.len() {
        return Err(ReportError::LengthMismatch {
            row: format!("{name} response"),
            expected: channel.spend.len(),
            found: channel.response.len(),
            column: "spend value",
        });
    }
    if channel.spend.len() < 2 {
        let message = format!(
            "{name} spend has length {}, expected at least 2: sample the curve at 2 or more spends",
            channel.spend.len()
        );
        return Err(invalid_curve(path, message));
    }
    for (k, (spend, response)) in channel.spend.iter().zip(&channel.response).enumerate() {
        check_spend(&format!("{name} spend[{k}]"), *spend)?;
        check_value(&format!("{name} response[{k}]"), *response)?;
    }
    check_ascending(&name, &channel.spend, path)?;
    check_point(&format!("{name} current"), &channel.current)?;
    if let Some(optimal) = &channel.optimal {
        check_point(&format!("{name} optimal"), optimal)?;
    }
    if let Some((low, high)) = channel.bounds {
        check_spend(&format!("{name} bounds.0"), low)?;
        check_spend(&format!("{name} bounds.1"), high)?;
        if low > high {
            let message = format!(
                "{name} bounds ({low}, {high}) have the lower bound above the upper: \
                 pass (lowest, highest) spend"
            );
            return Err(invalid_curve(path, message));
        }
    }
    Ok(())
}

fn check_ascending(name: &str, spend: &[f64], path: &Path) -> Result<(), ReportError> {
    for (k, pair) in spend.windows(2).enumerate() {
        if pair[1] <= pair[0] {
            let message = format!(
                "{name} spend is not strictly ascending at spend[{}] = {} after spend[{k}] = {}: \
                 sort the points by spend and drop repeated spends",
                k + 1,
                pair[1],
                pair[0]
            );
            return Err(invalid_curve(path, message));
        }
    }
    Ok(())
}

fn check_point(location: &str, point: &CurvePoint) -> Result<(), ReportError> {
    check_spend(&format!("{location}.spend"), point.spend)?;
    check_value(&format!("{location}.response"), point.response)?;
    check_value(&format!("{location}.marginal"), point.marginal)
}

/// Checks that a spend is finite, within [`MAX_KPI_MAGNITUDE`] and not negative.
pub(crate) fn check_spend(location: &str, value: f64) -> Result<(), ReportError> {
    check_value(location, value)?;
    if value < 0.0 {
        return Err(ReportError::NegativeSpend {
            location: location.to_owned(),
            value,
        });
    }
    Ok(())
}

/// Checks that a value is finite and within [`MAX_KPI_MAGNITUDE`].
pub(crate) fn check_value(location: &str, value: f64) -> Result<(), ReportError> {
    if !value.is_finite() {
        return Err(ReportError::NonFinite {
            location: location.to_owned(),
            value,
        });
    }
    if value.abs() > MAX_KPI_MAGNITUDE {
        return Err(ReportError::ValueTooLarge {
            location: location.to_owned(),
            value,
            limit: MAX_KPI_MAGNITUDE,
        });
    }
    Ok(())
}

/// Returns the error for a curve whose values are finite but cannot be drawn.
fn invalid_curve(path: &Path, message: String) -> ReportError {
    ReportError::InvalidCurve {
        path: path.to_path_buf(),
        message,
    }
}

/// The value range shown on one panel axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
}

impl Span {
    /// Returns a range from 0, or from the smallest value if it is negative,
    /// to the largest value, with `padding` of the range added at each end
    /// that does not sit at 0. If every value is 0 it returns `0..1`.
    fn covering(values: impl Iterator<Item = f64>, padding: f64) -> Self {
        let (min, max) = values.fold((0.0_f64, 0.0_f64), |(min, max), value| {
            (min.min(value), max.max(value))
        });
        let width = max - min;
        if width <= 0.0 {
            return Span { lo: 0.0, hi: 1.0 };
        }
        let lo = if min < 0.0 {
            min - padding * width
        } else {
            0.0
        };
        Span {
            lo,
            hi: max + padding * width,
        }
    }

    /// Returns `hi - lo`.
    pub(crate) fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// A validated curve chart with each panel's axis ranges.
pub(crate) struct CurveFigure<'a> {
    pub(crate) chart: &'a CurveChart,
    /// Per channel, the spend range and the response range of its panel.
    pub(crate) spans: Vec<(Span, Span)>,
}

impl<'a> CurveFigure<'a> {
    pub(crate) fn new(chart: &'a CurveChart) -> Self {
        let spans = chart.channels.iter().map(channel_spans).collect();
        CurveFigure { chart, spans }
    }

    /// Returns the subtitle that defines the mROI annotation of each panel.
    pub(crate) fn subtitle(&self) -> String {
        let kpi = match self.chart.kpi_label.trim() {
            "" => "response",
            label => label,
        };
        let unit = match self.chart.currency.trim() {
            "" => "unit".to_owned(),
            code => code.to_owned(),
        };
        let arrow = if self.has_optimal() {
            ", at current → optimal spend"
        } else {
            ", at current spend"
        };
        format!("mROI: extra {kpi} per extra 1 {unit} of spend{arrow}")
    }

    pub(crate) fn has_optimal(&self) -> bool {
        self.chart.channels.iter().any(|c| c.optimal.is_some())
    }

    pub(crate) fn has_bounds(&self) -> bool {
        self.chart.channels.iter().any(|c| c.bounds.is_some())
    }
}

/// Returns the spend and response ranges that cover a channel's curve, its
/// marked points and its bounds.
fn channel_spans(channel: &ChannelCurve) -> (Span, Span) {
    let points = std::iter::once(&channel.current).chain(&channel.optimal);
    let bounds = channel.bounds.iter().flat_map(|(low, high)| [*low, *high]);
    let spends = channel.spend.iter().copied();
    let spends = spends.chain(points.clone().map(|p| p.spend)).chain(bounds);
    let responses = channel.response.iter().copied();
    let responses = responses.chain(points.map(|p| p.response));
    (
        Span::covering(spends, 0.04),
        Span::covering(responses, 0.08),
    )
}

/// Returns the marginal returns of a channel at its current and optimal
/// spend, e.g. `0.84 → 0.52`, or only the current one without an optimum.
pub(crate) fn marginal_values(channel: &ChannelCurve) -> String {
    let current = format_marginal(channel.current.marginal);
    match &channel.optimal {
        Some(optimal) => format!("{current} → {}", format_marginal(optimal.marginal)),
        None => current,
    }
}

/// Formats a marginal return with two significant digits below 100, e.g.
/// `0.84` or `0.0052`, and three with a suffix from 100 on, e.g. `12.3k`.
pub(crate) fn format_marginal(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        return "0".to_owned();
    }
    if magnitude >= 100.0 {
        return format_amount(value);
    }
    if magnitude < 1e-4 {
        return format!("{value:.1e}");
    }
    let decimals = (1.0 - magnitude.log10().floor()).max(0.0) as usize;
    format!("{value:.decimals$}")
}

impl Figure for CurveFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        draw_curves(root, self, theme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginal_keeps_two_significant_digits() {
        assert_eq!(format_marginal(0.8412), "0.84");
        assert_eq!(format_marginal(0.05234), "0.052");
        assert_eq!(format_marginal(3.456), "3.5");
        assert_eq!(format_marginal(42.0), "42");
        assert_eq!(format_marginal(12_345.0), "12.3k");
        assert_eq!(format_marginal(0.0), "0");
        assert_eq!(format_marginal(-0.25), "-0.25");
        assert_eq!(format_marginal(2.5e-7), "2.5e-7");
    }

    #[test]
    fn marginal_values_show_both_points() {
        let mut channel = ChannelCurve {
            current: CurvePoint {
                spend: 1.0,
                response: 1.0,
                marginal: 0.84,
            },
            ..ChannelCurve::default()
        };
        assert_eq!(marginal_values(&channel), "0.84");
        channel.optimal = Some(CurvePoint {
            marginal: 0.52,
            ..channel.current
        });
        assert_eq!(marginal_values(&channel), "0.84 → 0.52");
    }

    #[test]
    fn span_starts_at_zero_and_pads_top() {
        let span = Span::covering([10.0, 100.0].into_iter(), 0.1);
        assert_eq!(span, Span { lo: 0.0, hi: 110.0 });
        let span = Span::covering([-50.0, 50.0].into_iter(), 0.1);
        assert_eq!(
            span,
            Span {
                lo: -60.0,
                hi: 60.0
            }
        );
        let span = Span::covering([0.0, 0.0].into_iter(), 0.1);
        assert_eq!(span, Span { lo: 0.0, hi: 1.0 });
    }
}
