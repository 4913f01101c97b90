//! Plans over periods and geos as the commands show them: cells summed by channel and by
//! period, masked cells named once, and per-cell bounds folded into one constraint line.

use std::collections::HashMap;

use atlas_core::flighting::Layout;
use atlas_core::scenario::MASK_RULE;
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

/// Splits the checks into those to list one by one and, for a plan over periods, a summary
/// of the per-cell bounds: how many, how many bind, how many are violated. The bounds of
/// masked cells, and the rule that keeps them at 0, always bind, so they count as neither.
pub fn shown_checks<'a>(
    problem: &Problem,
    checks: &'a [ConstraintCheck],
) -> (Vec<&'a ConstraintCheck>, Option<CellBounds>) {
    let Some(layout) = &problem.layout else {
        return (checks.iter().collect(), None);
    };
    let cells: HashMap<&str, usize> = layout
        .names()
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let cell_of = |check: &ConstraintCheck| {
        check
            .name
            .strip_suffix(" bounds")
            .and_then(|name| cells.get(name).copied())
    };
    let mut shown = Vec::new();
    let mut summary = CellBounds::default();
    for check in checks {
        match cell_of(check) {
            Some(cell) => {
                summary.count += 1;
                if !check.satisfied {
                    summary.violated.push(layout.names()[cell].clone());
                } else if check.binding && !layout.is_masked(cell) {
                    summary.binding += 1;
                }
            }
            None => shown.push(check),
        }
    }
    (shown, (summary.count > 0).then_some(summary))
}

/// The per-cell bounds of a plan over periods, summarized.
#[derive(Debug, Default)]
pub struct CellBounds {
    /// Number of cells.
    pub count: usize,
    /// Unmasked cells on a bound.
    pub binding: usize,
    /// Cells outside their bounds.
    pub violated: Vec<String>,
}

/// Spend by channel (rows) and geo (columns, summed over periods) of one plan, or an empty
/// string for a plan without geos.
pub fn geo_table(layout: &Layout, spend: &[f64]) -> String {
    if layout.geos().is_empty() {
        return String::new();
    }
    let mut header = vec!["channel".to_string()];
    header.extend(layout.geos().iter().cloned());
    let mut table = Table::new(header);
    for (c, channel) in layout.channels().iter().enumerate() {
        let mut row = vec![channel.clone()];
        for g in 0..layout.geo_count() {
            let cells = (0..layout.periods().len()).map(|t| layout.cell(c, g, t));
            let masked = cells.clone().all(|i| layout.is_masked(i));
            let total: f64 = cells.map(|i| spend[i]).sum();
            row.push(if masked {
                "masked".into()
            } else {
                number(total, 0)
            });
        }
        table.row(row);
    }
    table.render()
}

/// Writes a plan as the CSV that `atlas evaluate --plan` reads: `channel,spend` for a plan
/// without periods, else `channel,period,spend` or `channel,geo,period,spend`, one row per
/// unmasked cell.
pub fn plan_csv(problem: &Problem, spend: &[f64]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    match &problem.layout {
        None => {
            writer.write_record(["channel", "spend"])?;
            for (name, value) in problem.space.names().iter().zip(spend) {
                writer.write_record([name.clone(), value.to_string()])?;
            }
        }
        Some(layout) => {
            let geos = !layout.geos().is_empty();
            if geos {
                writer.write_record(["channel", "geo", "period", "spend"])?;
            } else {
                writer.write_record(["channel", "period", "spend"])?;
            }
            for (i, value) in spend.iter().enumerate().take(layout.len()) {
                if layout.is_masked(i) {
                    continue;
                }
                let at = layout.coordinates(i);
                let mut row = vec![layout.channels()[at.channel].clone()];
                if geos {
                    row.push(layout.geos()[at.geo].clone());
                }
                row.push(layout.periods()[at.period].clone());
                row.push(value.to_string());
                writer.write_record(&row)?;
            }
        }
    }
    Ok(writer.into_inner()?)
}

/// Returns whether `check` is the rule that keeps masked cells at 0, which always binds.
pub fn is_mask_rule(check: &ConstraintCheck) -> bool {
    check.name == MASK_RULE
}
