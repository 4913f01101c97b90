//! `atlas evaluate`: what a plan buys.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use atlas_core::{PlanEvaluation, Problem};
use clap::Args;
use serde::Serialize;

use super::cells::{cell_reports, masked_note, period_table, CellReport};
use super::{constraint_table, load, InputError};
use crate::table::{kpi, marginal as marginal_text, number, percent, Table};
use crate::Global;

/// Arguments of `atlas evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    /// Plan to evaluate: a CSV file with a `channel,spend` header and one row per channel; for
    /// a plan over periods, `channel,period,spend` or `channel,geo,period,spend` with one row
    /// per cell (masked cells may be left out). Without it, the scenario's current plan is
    /// evaluated.
    #[arg(long, value_name = "PLAN.csv")]
    plan: Option<PathBuf>,
}

/// One channel of an evaluated plan; with a plan over periods, its cells summed (spend,
/// response) or averaged over the unmasked ones (marginal: one more unit spread evenly).
#[derive(Debug, Serialize)]
pub struct ChannelReport {
    /// Channel name.
    pub name: String,
    /// Spend.
    pub spend: f64,
    /// Share of the plan's total spend.
    pub share: f64,
    /// Contribution to each KPI, in KPI order.
    pub response: Vec<f64>,
    /// Marginal response of each KPI per unit of spend, in KPI order.
    pub marginal: Vec<f64>,
}

#[derive(Debug, Serialize)]
struct EvaluateOutput {
    schema_version: u32,
    scenario: String,
    currency: String,
    plan: String,
    kpis: Vec<String>,
    kpi_values: Vec<f64>,
    total_spend: f64,
    channels: Vec<ChannelReport>,
    constraints: Vec<atlas_core::ConstraintCheck>,
    feasible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cells: Option<Vec<CellReport>>,
}

/// Runs the evaluation.
pub fn run(args: &EvaluateArgs, global: Global) -> Result<()> {
    let problem = load(&args.scenario.scenario)?;
    let (spend, plan_name) = match &args.plan {
        Some(path) => (read_plan(path, &problem)?, path.display().to_string()),
        None => (problem.current.clone(), "current plan".to_string()),
    };
    let evaluation = problem.evaluate_plan(&spend)?;
    let output = EvaluateOutput {
        schema_version: super::SCHEMA_VERSION,
        scenario: problem.name.clone(),
        currency: problem.currency.clone(),
        plan: plan_name.clone(),
        kpis: problem.kpi_names().to_vec(),
        kpi_values: evaluation.kpis.clone(),
        total_spend: spend.iter().sum(),
        channels: channel_reports(&problem, &evaluation),
        feasible: evaluation.checks.iter().all(|c| c.satisfied),
        constraints: evaluation.checks.clone(),
        cells: problem
            .layout
            .as_ref()
            .map(|layout| cell_reports(layout, &[&spend])),
    };
    super::emit(global, &render(&problem, &output, &evaluation), &output)
}

/// Per-channel spend, share, response and marginal response.
pub fn channel_reports(problem: &Problem, evaluation: &PlanEvaluation) -> Vec<ChannelReport> {
    let total: f64 = evaluation.spend.iter().sum();
    let kpis = problem.kpi_names().len();
    problem
        .channel_names()
        .into_iter()
        .enumerate()
        .map(|(c, name)| {
            let cells: Vec<usize> = match &problem.layout {
                Some(layout) => layout.channel_cells(c).collect(),
                None => vec![c],
            };
            let open: Vec<usize> = cells
                .iter()
                .copied()
                .filter(|&i| !problem.layout.as_ref().is_some_and(|l| l.is_masked(i)))
                .collect();
            let spend: f64 = cells.iter().map(|&i| evaluation.spend[i]).sum();
            let response = (0..kpis)
                .map(|k| cells.iter().map(|&i| evaluation.contributions[i][k]).sum())
                .collect();
            let marginal = (0..kpis)
                .map(|k| {
                    let sum: f64 = open.iter().map(|&i| evaluation.marginals[i][k]).sum();
                    sum / open.len().max(1) as f64
                })
                .collect();
            ChannelReport {
                name,
                spend,
                share: if total > 0.0 { spend / total } else { 0.0 },
                response,
                marginal,
            }
        })
        .collect()
}

fn render(problem: &Problem, output: &EvaluateOutput, evaluation: &PlanEvaluation) -> String {
    let mut kpis = Table::new(["KPI", "value"]);
    for (name, value) in problem.kpi_names().iter().zip(&evaluation.kpis) {
        kpis.row([name.clone(), kpi(*value)]);
    }
    kpis.row(["total spend".to_string(), number(output.total_spend, 2)]);
    let mut header = vec![
        "channel".to_string(),
        format!("spend ({})", problem.currency),
        "share".into(),
    ];
    for name in problem.kpi_names() {
        header.push(format!("{name} response"));
        header.push(format!("{name} marginal"));
    }
    let mut channels = Table::new(header);
    for channel in &output.channels {
        let mut row = vec![
            channel.name.clone(),
            number(channel.spend, 2),
            percent(channel.share),
        ];
        for (response, marginal) in channel.response.iter().zip(&channel.marginal) {
            row.push(kpi(*response));
            row.push(marginal_text(*marginal));
        }
        channels.row(row);
    }
    let mut note = "marginal = derivative of the response per extra unit of spend".to_string();
    let mut periods = String::new();
    if let Some(layout) = &problem.layout {
        note.push_str(
            ", spread evenly over the channel's unmasked cells; responses are those realized \
             within the plan's periods",
        );
        periods = format!(
            "\nSpend by period ({})\n{}{}{}",
            problem.currency,
            period_table(layout, &evaluation.spend),
            super::optimize::geo_section(layout, &evaluation.spend, &problem.currency),
            masked_note(layout)
        );
    }
    let verdict = if output.feasible {
        "The plan satisfies every constraint."
    } else {
        "The plan VIOLATES at least one constraint (see above)."
    };
    format!(
        "Scenario: {}\nPlan: {}\n\n{}\n{}{note}\n{periods}\n{}\n{verdict}\n",
        problem.name,
        output.plan,
        kpis.render(),
        channels.render(),
        constraint_table(problem, &evaluation.checks)
    )
}

/// Says which part of `name` names no channel, geo or period of the scenario, or that the
/// channel is unknown.
fn unknown_cell(problem: &Problem, name: &str) -> String {
    let Some(layout) = &problem.layout else {
        return format!(
            "`{name}` is not a channel of the scenario; use one of {}",
            problem.space.names().join(", ")
        );
    };
    let parts: Vec<&str> = name.split('@').collect();
    let mut lists: Vec<(&str, &[String])> = vec![("channel", layout.channels())];
    if !layout.geos().is_empty() {
        lists.push(("geo", layout.geos()));
    }
    lists.push(("period", layout.periods()));
    if parts.len() != lists.len() {
        let (form, header) = if layout.geos().is_empty() {
            ("channel@period", "channel,period,spend")
        } else {
            ("channel@geo@period", "channel,geo,period,spend")
        };
        return format!(
            "`{name}` is not a cell of the scenario; use the header {header}, or name cells as \
             {form} under the header channel,spend"
        );
    }
    for (part, (what, names)) in parts.iter().zip(&lists) {
        if !names.iter().any(|n| n == part) {
            return format!(
                "`{part}` is not a {what} of the scenario; use one of {}",
                names.join(", ")
            );
        }
    }
    format!("`{name}` is not a cell of the scenario")
}

/// Reads a `channel,spend` CSV file into a plan in decision order.
pub fn read_plan(path: &Path, problem: &Problem) -> Result<Vec<f64>> {
    let bad = |message: String| {
        anyhow::Error::new(InputError(format!("plan {}: {message}", path.display())))
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read plan {}", path.display()))
        .map_err(|e| bad(format!("{e:#}")))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(channel_column), Some(spend_column)) = (column("channel"), column("spend")) else {
        return Err(bad(format!(
            "the header is `{}`; it must name the columns `channel` and `spend`",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    // With a plan over periods, rows may name the cell by its parts.
    let parts = match (&problem.layout, column("period"), column("geo")) {
        (None, None, None) => None,
        (Some(layout), Some(period), geo) if geo.is_some() != layout.geos().is_empty() => {
            Some((period, geo))
        }
        (Some(_), None, None) => None,
        _ => {
            let expected = match &problem.layout {
                Some(layout) if !layout.geos().is_empty() => {
                    "`channel,geo,period,spend` (or `channel,spend` with cell names)"
                }
                Some(_) => "`channel,period,spend` (or `channel,spend` with cell names)",
                None => "`channel,spend`: the scenario has no [plan] table",
            };
            return Err(bad(format!(
                "the header is `{}`; for this scenario use {expected}",
                headers.iter().collect::<Vec<_>>().join(",")
            )));
        }
    };
    let mut plan: Vec<Option<f64>> = vec![None; problem.n_channels()];
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|e| bad(format!("line {line}: {e}")))?;
        let field = |column: usize| record.get(column).unwrap_or("");
        let name = match parts {
            Some((period, Some(geo))) => {
                format!("{}@{}@{}", field(channel_column), field(geo), field(period))
            }
            Some((period, None)) => format!("{}@{}", field(channel_column), field(period)),
            None => field(channel_column).to_string(),
        };
        let name = name.as_str();
        let text = field(spend_column);
        let position = problem
            .space
            .position(name)
            .ok_or_else(|| bad(format!("line {line}: {}", unknown_cell(problem, name))))?;
        let spend: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                let hint = if text.contains(',') {
                    ": write amounts without thousands separators, such as 250000"
                } else {
                    ""
                };
                bad(format!(
                    "line {line}: spend `{text}` of `{name}` is not an amount of at least 0{hint}"
                ))
            })?;
        if plan[position].replace(spend).is_some() {
            return Err(bad(format!(
                "line {line}: `{name}` appears twice; keep one row per channel or cell"
            )));
        }
    }
    // Masked cells take no spend, so their rows may be left out.
    let masked = |i: usize| problem.layout.as_ref().is_some_and(|l| l.is_masked(i));
    let missing: Vec<String> = plan
        .iter()
        .zip(problem.space.names())
        .enumerate()
        .filter(|(i, (value, _))| value.is_none() && !masked(*i))
        .map(|(_, (_, name))| name)
        .collect();
    if !missing.is_empty() {
        let shown = missing.len().min(8);
        let more = if missing.len() > shown {
            format!(" and {} more", missing.len() - shown)
        } else {
            String::new()
        };
        return Err(bad(format!(
            "no row for {}{more}; give one row per channel or unmasked cell",
            missing[..shown].join(", ")
        )));
    }
    Ok(plan.into_iter().map(|v| v.unwrap_or(0.0)).collect())
}
