//! Cell text of the summary tables and the note under the page: amounts,
//! money, percentages and ratios.

use crate::curves::format_marginal;
use crate::palette::channel_colour;
use crate::summary::{SummaryChannel, SummaryChart, SummaryKpi};
use crate::summary_table::{Cell, Column, Table};
use crate::ticks::{format_amount, format_grouped};

/// Cell text of a value that is undefined, such as a change from 0.
const DASH: &str = "–";

/// Returns the totals table: total spend, then every KPI, in both plans.
pub(crate) fn totals_table(chart: &SummaryChart) -> Table {
    let spend = &chart.total_spend;
    let mut labels = vec![Cell::plain(spend.name.clone())];
    let mut current = vec![money(spend.current, &chart.currency)];
    let mut recommended = vec![money(spend.recommended, &chart.currency)];
    let mut change = vec![Cell::plain(percent_change(spend))];
    for kpi in &chart.kpis {
        labels.push(Cell::plain(kpi.name.clone()));
        current.push(amount(kpi.current));
        recommended.push(amount(kpi.recommended));
        change.push(Cell::plain(percent_change(kpi)));
    }
    Table {
        columns: vec![
            column(&[], labels),
            column(&["current"], current),
            column(&["recommended"], recommended),
            column(&["change"], change),
        ],
        swatches: Vec::new(),
        row_noun: ("KPI", "KPIs"),
    }
}

/// Returns the channel table: spend in both plans, share, and the response,
/// ROI and marginal ROI of the response KPI in the recommended plan.
pub(crate) fn channel_table(chart: &SummaryChart) -> Table {
    let currency = unit_suffix(&chart.currency);
    let kpi = unit_suffix(&chart.response_kpi);
    let channels = &chart.channels;
    let cells = |cell: fn(&SummaryChannel) -> Cell| channels.iter().map(cell).collect();
    let plain = |text: fn(&SummaryChannel) -> String| {
        channels
            .iter()
            .map(|channel| Cell::plain(text(channel)))
            .collect()
    };
    Table {
        columns: vec![
            column(&["channel"], plain(|c| c.name.clone())),
            column(
                &["current spend", &currency],
                cells(|c| amount(c.current_spend)),
            ),
            column(
                &["recommended", &format!("spend{currency}")],
                cells(|c| amount(c.recommended_spend)),
            ),
            column(&["share"], plain(|c| format_percent(c.share * 100.0))),
            column(
                &["response", &kpi],
                cells(|c| amount(c.recommended_response)),
            ),
            column(&["ROI"], plain(roi)),
            column(&["marginal", "ROI"], plain(|c| format_marginal(c.marginal))),
        ],
        swatches: channels
            .iter()
            .map(|channel| channel_colour(channel.colour_index))
            .collect(),
        row_noun: ("channel", "channels"),
    }
}

/// Returns ` (unit)` for a non-empty unit, trimmed, and an empty string otherwise.
fn unit_suffix(unit: &str) -> String {
    match unit.trim() {
        "" => String::new(),
        unit => format!(" ({unit})"),
    }
}

fn column(header: &[&str], cells: Vec<Cell>) -> Column {
    let header = header
        .iter()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    Column { header, cells }
}

/// Returns an amount in full with thousands separators, shortened with a
/// k, M, B or T suffix for narrow tables.
fn amount(value: f64) -> Cell {
    Cell {
        full: format_grouped(value),
        short: format_amount(value),
    }
}

/// Returns an amount of money followed by its currency, e.g. `1,234,567 EUR`.
fn money(value: f64, currency: &str) -> Cell {
    let with_currency = |number: String| match currency.trim() {
        "" => number,
        code => format!("{number} {code}"),
    };
    Cell {
        full: with_currency(format_grouped(value)),
        short: with_currency(format_amount(value)),
    }
}

/// Returns the change from the current to the recommended value in percent of
/// the current magnitude, signed, e.g. `+12.5%`, or a dash if the current
/// value is 0.
fn percent_change(kpi: &SummaryKpi) -> String {
    let percent = (kpi.recommended - kpi.current) / kpi.current.abs() * 100.0;
    // A current value of 0, or one so small that the quotient overflows, has
    // no meaningful change in percent.
    if !percent.is_finite() {
        return DASH.to_owned();
    }
    let text = format_percent(percent);
    if percent > 0.0 && text != "0.0%" {
        format!("+{text}")
    } else if text == "-0.0%" {
        "0.0%".to_owned()
    } else {
        text
    }
}

/// Formats a percentage with one decimal below 1000, e.g. `12.5%`, and as a
/// whole number with thousands separators from 1000 on, e.g. `12,345%`.
fn format_percent(percent: f64) -> String {
    if percent.abs() < 1000.0 {
        format!("{percent:.1}%")
    } else {
        format!("{}%", format_grouped(percent))
    }
}

/// Returns the recommended response per unit of recommended spend, or a dash
/// if the channel has no recommended spend.
fn roi(channel: &SummaryChannel) -> String {
    let ratio = channel.recommended_response / channel.recommended_spend;
    if channel.recommended_spend == 0.0 || !ratio.is_finite() {
        return DASH.to_owned();
    }
    format_marginal(ratio)
}

/// Returns the note under the page that defines ROI and marginal ROI, which
/// the curve panels abbreviate to mROI.
pub(crate) fn roi_note(chart: &SummaryChart) -> String {
    let kpi = match chart.response_kpi.trim() {
        "" => "response",
        name => name,
    };
    let unit = match chart.currency.trim() {
        "" => "unit",
        code => code,
    };
    format!(
        "ROI: {kpi} per {unit} of recommended spend. Marginal ROI (mROI): extra {kpi} \
         per extra {unit}, in the table at the recommended spend."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpi(current: f64, recommended: f64) -> SummaryKpi {
        SummaryKpi {
            name: "revenue".to_owned(),
            current,
            recommended,
        }
    }

    #[test]
    fn change_is_signed_percent_of_current() {
        assert_eq!(percent_change(&kpi(200.0, 250.0)), "+25.0%");
        assert_eq!(percent_change(&kpi(200.0, 150.0)), "-25.0%");
        assert_eq!(percent_change(&kpi(200.0, 200.0)), "0.0%");
        assert_eq!(percent_change(&kpi(200.0, 199.9999)), "0.0%");
        assert_eq!(percent_change(&kpi(-200.0, -100.0)), "+50.0%");
        assert_eq!(percent_change(&kpi(1.0, 200.0)), "+19,900%");
    }

    #[test]
    fn change_from_zero_is_a_dash() {
        assert_eq!(percent_change(&kpi(0.0, 250.0)), DASH);
        assert_eq!(percent_change(&kpi(0.0, 0.0)), DASH);
        assert_eq!(percent_change(&kpi(1e-300, 1e300)), DASH);
    }

    #[test]
    fn roi_is_dash_without_spend() {
        let channel = SummaryChannel {
            recommended_spend: 2_000.0,
            recommended_response: 5_000.0,
            ..SummaryChannel::default()
        };
        assert_eq!(roi(&channel), "2.5");
        let idle = SummaryChannel {
            recommended_spend: 0.0,
            ..channel
        };
        assert_eq!(roi(&idle), DASH);
    }

    #[test]
    fn money_shows_separators_and_currency() {
        let cell = money(1_234_567.0, "EUR");
        assert_eq!(cell.full, "1,234,567 EUR");
        assert_eq!(cell.short, "1.23M EUR");
        assert_eq!(money(950.0, " ").full, "950");
    }
}
