//! A one-page summary of a recommended budget against the current one: KPI
//! totals, a per-channel table and the response curves.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::curves::{check_spend, check_value, validate_curves, CurveChart};
use crate::output::write_figure;
use crate::size::{ChartSize, ImageFormat};
use crate::summary_draw::SummaryFigure;
use crate::ReportError;

/// A recommended budget against the current one, on one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryChart {
    /// Page title, drawn centred at the top. May be empty.
    pub title: String,
    /// Second line under the title, e.g. the objective weights, the solver and
    /// its status. May be empty.
    #[serde(default)]
    pub subtitle: String,
    /// Currency of the spend values, e.g. `EUR`, shown with spend amounts and in
    /// column headers. May be empty.
    #[serde(default)]
    pub currency: String,
    /// Total spend of both plans, named e.g. `total spend`, drawn as the first
    /// row of the totals table.
    pub total_spend: SummaryKpi,
    /// Every KPI's total in both plans, in scenario order. At least one.
    pub kpis: Vec<SummaryKpi>,
    /// Name of the KPI whose response, ROI and marginal ROI the channel table
    /// and the response curves show, e.g. `revenue`.
    pub response_kpi: String,
    /// One table row per channel, in scenario order. At least one.
    pub channels: Vec<SummaryChannel>,
    /// Response curves of `response_kpi`, one per channel in the order of
    /// `channels`, drawn as a grid of panels whose axes are named from its
    /// `currency` and `kpi_label`. Its title is not drawn, and its optimal
    /// points are marked as `recommended spend`.
    pub curves: CurveChart,
}

/// One total in the current and in the recommended plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryKpi {
    /// Row label, e.g. `revenue` or `total spend`.
    pub name: String,
    /// Total in the current plan.
    pub current: f64,
    /// Total in the recommended plan.
    pub recommended: f64,
}

/// One channel's spend and response in both plans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryChannel {
    /// Channel name, cut with an ellipsis when wider than its column.
    pub name: String,
    /// Position of the channel in the scenario, passed to
    /// [`channel_colour`](crate::channel_colour) so the channel has the same
    /// colour as in every other chart.
    pub colour_index: usize,
    /// Spend in the current plan, 0 or more.
    pub current_spend: f64,
    /// Spend in the recommended plan, 0 or more.
    pub recommended_spend: f64,
    /// Recommended spend as a fraction of the recommended total, from 0 to 1.
    pub share: f64,
    /// Contribution to the response KPI in the current plan.
    pub current_response: f64,
    /// Contribution to the response KPI in the recommended plan.
    pub recommended_response: f64,
    /// Marginal return at the recommended spend: the derivative
    /// d response / d spend.
    pub marginal: f64,
}

/// Draws a one-page summary of the recommended budget against the current
/// one to `path`.
///
/// The page shows a totals table of spend and every KPI in both plans with
/// the change in percent, a channel table of spend, share, response, ROI and
/// marginal ROI, and one response-curve panel per channel. The tables go above
/// the curves when that leaves the panels large enough, and left of them
/// otherwise. The channel table shrinks its text to the theme's minimum for
/// many channels, and if its rows still do not fit it ends in a row
/// `… and N more channels`. The curves always show every channel.
///
/// # Errors
///
/// - [`ReportError::Empty`] if `kpis` or `channels` is empty.
/// - [`ReportError::LengthMismatch`] if `curves` has a different number of
///   channels than `channels`, or a curve's `response` has a different length
///   than its `spend`.
/// - [`ReportError::NonFinite`] if any value is NaN or infinite.
/// - [`ReportError::ValueTooLarge`] if any value's magnitude is above
///   [`MAX_KPI_MAGNITUDE`](crate::MAX_KPI_MAGNITUDE).
/// - [`ReportError::NegativeSpend`] if a spend value or bound is below zero.
/// - [`ReportError::ShareOutOfRange`] if a channel's `share` is outside 0..=1.
/// - [`ReportError::InvalidCurve`] if a curve has fewer than 2 points, its
///   spend does not strictly ascend, or its lower bound is above its upper
///   bound.
/// - [`ReportError::SizeOutOfRange`] if `size` is outside the accepted range.
/// - [`ReportError::Io`] or [`ReportError::Draw`] if writing or drawing fails,
///   in which case no file is left at `path`.
pub fn render_summary(
    chart: &SummaryChart,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    validate_summary(chart, path)?;
    write_figure(&SummaryFigure::new(chart), path, format, size)
}

fn validate_summary(chart: &SummaryChart, path: &Path) -> Result<(), ReportError> {
    if chart.kpis.is_empty() {
        return Err(ReportError::Empty {
            field: "SummaryChart.kpis",
            entry: "KPI total",
        });
    }
    if chart.channels.is_empty() {
        return Err(ReportError::Empty {
            field: "SummaryChart.channels",
            entry: "channel",
        });
    }
    if chart.curves.channels.len() != chart.channels.len() {
        return Err(ReportError::LengthMismatch {
            row: "SummaryChart.curves.channels".to_owned(),
            expected: chart.channels.len(),
            found: chart.curves.channels.len(),
            column: "channel in SummaryChart.channels",
        });
    }
    let spend = "SummaryChart.total_spend";
    check_spend(&format!("{spend}.current"), chart.total_spend.current)?;
    check_spend(
        &format!("{spend}.recommended"),
        chart.total_spend.recommended,
    )?;
    for (index, kpi) in chart.kpis.iter().enumerate() {
        let name = format!("SummaryChart.kpis[{index}] ({:?})", kpi.name);
        check_value(&format!("{name}.current"), kpi.current)?;
        check_value(&format!("{name}.recommended"), kpi.recommended)?;
    }
    for (index, channel) in chart.channels.iter().enumerate() {
        check_channel(index, channel)?;
    }
    validate_curves(&chart.curves, path).map_err(locate_in_curves)
}

fn check_channel(index: usize, channel: &SummaryChannel) -> Result<(), ReportError> {
    let name = format!("SummaryChart.channels[{index}] ({:?})", channel.name);
    check_spend(&format!("{name}.current_spend"), channel.current_spend)?;
    check_spend(
        &format!("{name}.recommended_spend"),
        channel.recommended_spend,
    )?;
    let share = format!("{name}.share");
    check_value(&share, channel.share)?;
    if !(0.0..=1.0).contains(&channel.share) {
        return Err(ReportError::ShareOutOfRange {
            location: share,
            value: channel.share,
        });
    }
    check_value(
        &format!("{name}.current_response"),
        channel.current_response,
    )?;
    let recommended = format!("{name}.recommended_response");
    check_value(&recommended, channel.recommended_response)?;
    check_value(&format!("{name}.marginal"), channel.marginal)
}

/// Prefixes the location in a curve error with `SummaryChart.curves`, because
/// a curve field such as `spend[3]` could otherwise be taken for a field of
/// `SummaryChart.channels`.
fn locate_in_curves(error: ReportError) -> ReportError {
    let prefix = |text: String| format!("SummaryChart.curves, {text}");
    match error {
        ReportError::LengthMismatch {
            row,
            expected,
            found,
            column,
        } => ReportError::LengthMismatch {
            row: prefix(row),
            expected,
            found,
            column,
        },
        ReportError::NonFinite { location, value } => ReportError::NonFinite {
            location: prefix(location),
            value,
        },
        ReportError::ValueTooLarge {
            location,
            value,
            limit,
        } => ReportError::ValueTooLarge {
            location: prefix(location),
            value,
            limit,
        },
        ReportError::NegativeSpend { location, value } => ReportError::NegativeSpend {
            location: prefix(location),
            value,
        },
        ReportError::InvalidCurve { path, message } => ReportError::InvalidCurve {
            path,
            message: prefix(message),
        },
        other => other,
    }
}
