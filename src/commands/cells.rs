//! Plans over periods and geos as the commands show them: cells summed by channel and by
//! period, masked cells named once, and per-cell bounds folded into one constraint line.

use atlas_core::flighting::Layout;
use atlas_core::{ConstraintCheck, Problem};
use serde::Serialize;

use crate::table::{number, Table};

/// One cell of a plan over periods.
#[derive(Debug, Serialize)]
pub struct CellReport {
    /// Cell name, such as `tv@north@03`.
    pub cell: String,
    /// Channel name.
    pub channel: String,
    /// Geo name, absent in a plan without geos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo: Option<String>,
    /// Period name.
    pub period: String,
    /// Whether the cell is masked and so held at 0.
    pub masked: bool,
    /// Spend of each plan the command reports, in the order the command names them.
    pub spend: Vec<f64>,
}

/// Describes every cell of `layout` with its spend in each of `plans`.
pub fn cell_reports(layout: &Layout, plans: &[&[f64]]) -> Vec<CellReport> {
    (0..layout.len())
        .map(|i| {
            let at = layout.coordinates(i);
            CellReport {
                cell: layout.names()[i].clone(),
                channel: layout.channels()[at.channel].clone(),
                geo: layout.geos().get(at.geo).cloned(),
                period: layout.periods()[at.period].clone(),
                masked: layout.is_masked(i),
                spend: plans
                    .iter()
                    .map(|p| p.get(i).copied().unwrap_or(0.0))
                    .collect(),
            }
        })
        .collect()
}

/// Spend by period (rows) and channel (columns, summed over geos) of one plan.
pub fn period_table(layout: &Layout, spend: &[f64]) -> String {
    let mut header = vec!["period".to_string()];
    header.extend(layout.channels().iter().cloned());
    header.push("total".into());
    let mut table = Table::new(header);
    for (t, period) in layout.periods().iter().enumerate() {
        let mut row = vec![period.clone()];
        let mut total = 0.0;
        for c in 0..layout.channels().len() {
            let value: f64 = (0..layout.geo_count())
                .map(|g| spend[layout.cell(c, g, t)])
                .sum();
            total += value;
            row.push(number(value, 0));
        }
        row.push(number(total, 0));
        table.row(row);
    }
    table.render()
}

/// Names the masked cells, grouped by channel and geo, or returns an empty string.
pub fn masked_note(layout: &Layout) -> String {
    let mut parts = Vec::new();
    for (c, channel) in layout.channels().iter().enumerate() {
        for g in 0..layout.geo_count() {
            let masked: Vec<&str> = (0..layout.periods().len())
                .filter(|&t| layout.is_masked(layout.cell(c, g, t)))
                .map(|t| layout.periods()[t].as_str())
                .collect();
            if masked.is_empty() {
                continue;
            }
            let place = layout
                .geos()
                .get(g)
                .map(|geo| format!(" in {geo}"))
                .unwrap_or_default();
            let when = if masked.len() == layout.periods().len() {
                "every period".to_string()
            } else {
                format!("periods {}", masked.join(", "))
            };
            parts.push(format!("{channel}{place} ({when})"));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("Masked cells, held at 0: {}\n", parts.join("; "))
    }
}

/// Returns whether `check` is the bounds rule of one cell of a plan over periods.
fn is_cell_bounds(problem: &Problem, check: &ConstraintCheck) -> bool {
    problem.layout.is_some()
        && check
            .name
            .strip_suffix(" bounds")
            .is_some_and(|cell| problem.space.position(cell).is_some())
}

/// Splits the checks into those to list one by one and, for a plan over periods, a summary
/// of the per-cell bounds: how many, how many bind, how many are violated.
pub fn shown_checks<'a>(
    problem: &Problem,
    checks: &'a [ConstraintCheck],
) -> (Vec<&'a ConstraintCheck>, Option<(usize, usize, usize)>) {
    let (cells, others): (Vec<&ConstraintCheck>, Vec<&ConstraintCheck>) =
        checks.iter().partition(|c| is_cell_bounds(problem, c));
    let summary = (!cells.is_empty()).then(|| {
        (
            cells.len(),
            cells.iter().filter(|c| c.binding && c.satisfied).count(),
            cells.iter().filter(|c| !c.satisfied).count(),
        )
    });
    (others, summary)
}
