//! One module per subcommand, and what they share.

pub mod batch;
pub mod cells;
pub mod charts;
pub mod evaluate;
pub mod import;
pub mod init;
pub mod optimize;
pub mod optimize_charts;
pub mod pareto;
pub mod report;
pub mod sweep;
pub mod target;
pub mod test_problem;
pub mod validate;

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use atlas_core::constraint::Unit;
use atlas_core::scenario::ScenarioFile;
use atlas_core::{ConstraintCheck, Problem};
use serde::Serialize;

use crate::table::{number, percent, Table};
use crate::{Global, OutputFormat};

/// Invalid command-line input that no library checks, such as a malformed plan file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// A run stopped by SIGINT or SIGTERM after saving its state; the process exits with 130.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

/// Version of the JSON result files; it changes when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Reads and validates a scenario.
pub fn load(path: &Path) -> Result<Problem> {
    let file = ScenarioFile::read(path)?;
    file.build().map_err(|error| {
        // Building a scenario evaluates its model at the current plan, so a failing model
        // program or service shows here. That is a run failure, not an invalid file.
        let context = match &error {
            atlas_core::CoreError::Model(_) => format!(
                "the model of scenario {} failed while Atlas checked the scenario",
                path.display()
            ),
            _ => format!("scenario {} is not valid", path.display()),
        };
        anyhow::Error::new(error).context(context)
    })
}

/// Checks a plan that a solver returned against every constraint once more.
///
/// A violation here is a defect of Atlas, not of the input, so the message requests a report.
pub fn ensure_feasible(problem: &Problem, spend: &[f64], what: &str) -> Result<()> {
    match problem.check(spend).into_iter().find(|c| !c.satisfied) {
        Some(broken) => anyhow::bail!(
            "internal error: {what} violates `{}` (value {}, slack {}); please report it",
            broken.name,
            broken.value,
            broken.slack
        ),
        None => Ok(()),
    }
}

/// Checks the single-objective optima behind the normalization, which results also report.
pub fn ensure_anchors_feasible(
    problem: &Problem,
    optimizer: &atlas_moo::MultiObjectiveOptimizer<'_>,
) -> Result<()> {
    for anchor in &optimizer.normalization().anchors {
        ensure_feasible(problem, anchor, "a single-objective optimum")?;
    }
    Ok(())
}

/// Prints `text` in table mode or `value` as JSON in JSON mode, on stdout.
pub fn emit<T: Serialize>(global: Global, text: &str, value: &T) -> Result<()> {
    // Serializing before writing keeps a closed pipe an I/O error, which main treats as success.
    let bytes = match global.format {
        OutputFormat::Table => text.as_bytes().to_vec(),
        OutputFormat::Json => crate::output::json_bytes(value)?,
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&bytes)?;
    stdout.flush()?;
    Ok(())
}

/// Renders the constraints table: value, limits, and whether each binds or is violated. With
/// a plan over periods, the per-cell bounds fold into one line.
pub fn constraint_table(problem: &Problem, checks: &[ConstraintCheck]) -> String {
    let mut table = Table::new(["constraint", "value", "lower", "upper", "status"]);
    let (shown, cells) = cells::shown_checks(problem, checks);
    for check in shown {
        let format = |v: f64| match check.unit {
            Unit::Share => percent(v),
            Unit::Money => number(v, 2),
            Unit::Kpi => crate::table::kpi(v),
            Unit::Ratio if v.is_finite() => format!("{v:.4}"),
            Unit::Ratio => "no denominator".into(),
        };
        let limit = |v: Option<f64>| v.map(format).unwrap_or_else(|| "-".into());
        let status = if !check.satisfied {
            "VIOLATED"
        } else if check.binding {
            "binding"
        } else {
            "slack"
        };
        table.row([
            check.name.clone(),
            format(check.value),
            limit(check.lower),
            limit(check.upper),
            status.into(),
        ]);
    }
    if let Some(summary) = cells {
        let status = match summary.violated.len() {
            0 => format!("{} binding", summary.binding),
            count => {
                let shown = count.min(3);
                let more = if count > shown { ", ..." } else { "" };
                format!(
                    "{count} VIOLATED: {}{more}",
                    summary.violated[..shown].join(", ")
                )
            }
        };
        table.row([
            format!("bounds of {} cells", summary.count),
            "-".into(),
            "-".into(),
            "-".into(),
            status,
        ]);
    }
    table.render()
}

/// Names of the constraints that bind at `spend`.
pub fn binding_list(problem: &Problem, spend: &[f64]) -> Vec<String> {
    problem
        .check(spend)
        .into_iter()
        .filter(|c| c.binding)
        .map(|c| c.name)
        .collect()
}

/// Names of the binding constraints, or `none`; with a plan over periods, binding cell bounds
/// are counted rather than named.
pub fn binding_names(problem: &Problem, checks: &[ConstraintCheck]) -> String {
    let (shown, cells) = cells::shown_checks(problem, checks);
    let mut names: Vec<String> = shown
        .iter()
        .filter(|c| c.binding && !cells::is_mask_rule(c))
        .map(|c| c.name.clone())
        .collect();
    if let Some(summary) = cells.filter(|summary| summary.binding > 0) {
        names.push(format!("the bounds of {} cells", summary.binding));
    }
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Objective labels such as `revenue (maximize)`.
pub fn objective_labels(problem: &Problem) -> Vec<String> {
    problem
        .objectives
        .iter()
        .map(|o| {
            let sense = match o.sense {
                atlas_core::Sense::Maximize => "maximize",
                atlas_core::Sense::Minimize => "minimize",
            };
            format!("{} ({sense})", o.name)
        })
        .collect()
}

/// JSON description of the objectives.
#[derive(Debug, Serialize)]
pub struct ObjectiveInfo {
    /// Display name.
    pub name: String,
    /// `maximize` or `minimize`.
    pub sense: atlas_core::Sense,
    /// Weight from the scenario, summing to 1.
    pub weight: f64,
}

/// Lists the objectives of `problem` for JSON output.
pub fn objective_info(problem: &Problem) -> Vec<ObjectiveInfo> {
    problem
        .objectives
        .iter()
        .map(|o| ObjectiveInfo {
            name: o.name.clone(),
            sense: o.sense,
            weight: o.weight,
        })
        .collect()
}

/// Parses `0.5,0.3,0.2` into weights.
pub fn parse_weights(text: &str) -> Result<Vec<f64>> {
    text.split(',')
        .map(|part| {
            part.trim().parse::<f64>().map_err(|_| {
                InputError(format!(
                    "--weights `{text}`: `{}` is not a number; write weights as 0.5,0.3,0.2",
                    part.trim()
                ))
                .into()
            })
        })
        .collect()
}
