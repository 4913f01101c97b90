//! Stacked bars of each plan's channel shares, one bar per weight vector.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::allocation_draw::draw_allocations;
use crate::output::{write_figure, DrawResult, Figure};
use crate::size::{ChartSize, ImageFormat};
use crate::theme::Theme;
use crate::ticks::format_amount;
use crate::ReportError;

/// Spend allocations of several plans over the same channels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocationChart {
    /// Chart title, drawn centred at the top. May be empty.
    pub title: String,
    /// Channel names. A channel's position sets its colour in every chart.
    pub channels: Vec<String>,
    /// One bar per plan, drawn top to bottom in this order.
    pub rows: Vec<AllocationRow>,
    /// Currency of the spend values, e.g. `EUR`, shown with the total spend.
    #[serde(default)]
    pub currency: String,
    /// A short line drawn under the title after the total spend, such as a key to
    /// abbreviated row labels. May be empty.
    #[serde(default)]
    pub note: String,
}

/// One plan's spend per channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocationRow {
    /// The plan's weight vector in readable form, e.g. `rev 0.5 / aware 0.3 / acq 0.2`.
    ///
    /// When every row's label names the same objectives in this form, the
    /// chart shows the weights as a table with one column per objective.
    pub label: String,
    /// Spend per channel, in the order of [`AllocationChart::channels`].
    pub spend: Vec<f64>,
}

/// Draws stacked bars of channel shares to `path`, one bar per row.
///
/// Each bar splits the row's total spend into channel shares from 0 to 100 %,
/// coloured by [`channel_colour`](crate::channel_colour) and named in a legend
/// right of the bars. The legend tightens its rows to fit one column where it
/// can, and cuts long channel names with an ellipsis.
///
/// Row labels that all name the same objectives, such as `rev 0.5 / aware 0.5`,
/// are drawn as a table: one column of weights per objective, under the
/// objective names. Other row labels, and tables too wide for the chart, are
/// drawn as text and cut with an ellipsis when long. Only every second or
/// later row is labelled when rows are too thin for a label each. A row with
/// zero total spend is drawn as an empty bar marked `no spend`.
///
/// # Errors
///
/// - [`ReportError::Empty`] if `channels` or `rows` is empty.
/// - [`ReportError::LengthMismatch`] if a row has a different number of spend
///   values than there are channels.
/// - [`ReportError::NonFinite`] if a spend value is NaN or infinite.
/// - [`ReportError::NegativeSpend`] if a spend value is below zero.
/// - [`ReportError::SizeOutOfRange`] if `size` is outside the accepted range.
/// - [`ReportError::Io`] or [`ReportError::Draw`] if writing or drawing fails,
///   in which case no file is left at `path`.
pub fn render_allocations(
    chart: &AllocationChart,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    validate_allocations(chart)?;
    write_figure(&AllocationFigure::new(chart), path, format, size)
}

fn validate_allocations(chart: &AllocationChart) -> Result<(), ReportError> {
    if chart.channels.is_empty() {
        return Err(ReportError::Empty {
            field: "AllocationChart.channels",
            entry: "channel",
        });
    }
    if chart.rows.is_empty() {
        return Err(ReportError::Empty {
            field: "AllocationChart.rows",
            entry: "row",
        });
    }
    for (index, row) in chart.rows.iter().enumerate() {
        check_row(index, row, &chart.channels)?;
    }
    Ok(())
}

fn check_row(index: usize, row: &AllocationRow, channels: &[String]) -> Result<(), ReportError> {
    let name = format!("allocation row at index {index} ({:?})", row.label);
    if row.spend.len() != channels.len() {
        return Err(ReportError::LengthMismatch {
            row: name,
            expected: channels.len(),
            found: row.spend.len(),
            column: "channel",
        });
    }
    for (value, channel) in row.spend.iter().zip(channels) {
        let location = || format!("{name}, channel {channel:?}");
        if !value.is_finite() {
            return Err(ReportError::NonFinite {
                location: location(),
                value: *value,
            });
        }
        if *value < 0.0 {
            return Err(ReportError::NegativeSpend {
                location: location(),
                value: *value,
            });
        }
    }
    Ok(())
}

/// A validated allocation chart with each row's shares in percent.
pub(crate) struct AllocationFigure<'a> {
    pub(crate) chart: &'a AllocationChart,
    /// Per row, each channel's share of the row total in percent, or `None`
    /// if the row's total spend is zero.
    pub(crate) shares: Vec<Option<Vec<f64>>>,
    totals: Vec<f64>,
}

impl<'a> AllocationFigure<'a> {
    fn new(chart: &'a AllocationChart) -> Self {
        let totals: Vec<f64> = chart
            .rows
            .iter()
            .map(|row| row.spend.iter().sum())
            .collect();
        let shares = chart
            .rows
            .iter()
            .map(|row| row_shares(&row.spend))
            .collect();
        AllocationFigure {
            chart,
            shares,
            totals,
        }
    }

    /// Returns the subtitle that states the total spend per plan, or `None`
    /// if every plan spends nothing.
    pub(crate) fn total_spend_subtitle(&self) -> Option<String> {
        let note = self.chart.note.trim();
        match self.spend_range_text() {
            Some(spend) if note.is_empty() => Some(spend),
            Some(spend) => Some(format!("{spend} · {note}")),
            None if note.is_empty() => None,
            None => Some(note.to_string()),
        }
    }

    fn spend_range_text(&self) -> Option<String> {
        let min = self.totals.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.totals.iter().copied().fold(0.0, f64::max);
        if !(max > 0.0 && max.is_finite()) {
            return None;
        }
        let currency = match self.chart.currency.trim() {
            "" => String::new(),
            code => format!(" {code}"),
        };
        // Totals within 0.5 % of each other come from the same budget.
        if max - min <= 0.005 * max {
            return Some(format!(
                "total spend per plan: {}{currency}",
                format_amount(max)
            ));
        }
        let (low, high) = (format_amount(min), format_amount(max));
        Some(format!("total spend per plan: {low} to {high}{currency}"))
    }
}

fn row_shares(spend: &[f64]) -> Option<Vec<f64>> {
    // Dividing by the largest value first keeps the sum finite even when the
    // spend values add up to more than f64::MAX.
    let largest = spend.iter().copied().fold(0.0, f64::max);
    if largest <= 0.0 {
        return None;
    }
    let total: f64 = spend.iter().map(|value| value / largest).sum();
    Some(
        spend
            .iter()
            .map(|value| value / largest / total * 100.0)
            .collect(),
    )
}

impl Figure for AllocationFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        draw_allocations(root, self, theme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(spend: Vec<Vec<f64>>) -> AllocationChart {
        AllocationChart {
            title: "t".to_owned(),
            channels: vec!["tv".to_owned(), "search".to_owned()],
            rows: spend
                .into_iter()
                .enumerate()
                .map(|(i, spend)| AllocationRow {
                    label: format!("w{i}"),
                    spend,
                })
                .collect(),
            currency: "EUR".to_owned(),
            note: String::new(),
        }
    }

    #[test]
    fn shares_are_percent_of_row_total() {
        let chart = chart(vec![vec![300.0, 100.0], vec![0.0, 0.0]]);
        let figure = AllocationFigure::new(&chart);
        assert_eq!(figure.shares[0], Some(vec![75.0, 25.0]));
        assert_eq!(figure.shares[1], None);
    }

    #[test]
    fn shares_stay_finite_for_huge_spend() {
        let chart = chart(vec![vec![f64::MAX, f64::MAX]]);
        let figure = AllocationFigure::new(&chart);
        assert_eq!(figure.shares[0], Some(vec![50.0, 50.0]));
    }

    #[test]
    fn subtitle_states_one_total_for_equal_budgets() {
        let chart = chart(vec![vec![600_000.0, 400_000.0], vec![500_000.0, 500_000.0]]);
        let subtitle = AllocationFigure::new(&chart).total_spend_subtitle();
        assert_eq!(subtitle.as_deref(), Some("total spend per plan: 1.00M EUR"));
    }

    #[test]
    fn subtitle_states_range_for_different_budgets() {
        let chart = chart(vec![vec![600_000.0, 400_000.0], vec![100_000.0, 100_000.0]]);
        let subtitle = AllocationFigure::new(&chart).total_spend_subtitle();
        assert_eq!(
            subtitle.as_deref(),
            Some("total spend per plan: 200k to 1.00M EUR")
        );
    }

    #[test]
    fn subtitle_is_absent_without_spend() {
        let chart = chart(vec![vec![0.0, 0.0]]);
        assert_eq!(AllocationFigure::new(&chart).total_spend_subtitle(), None);
    }
}
