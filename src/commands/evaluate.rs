//! `atlas evaluate`: what a plan buys.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use atlas_core::{PlanEvaluation, Problem};
use clap::Args;
use serde::Serialize;

use super::{constraint_table, load, InputError};
use crate::table::{kpi, marginal as marginal_text, number, percent, Table};
use crate::Global;

/// Arguments of `atlas evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    /// Plan to evaluate: a CSV file with a `channel,spend` header and one row per channel.
    /// Without it, the scenario's current plan is evaluated.
    #[arg(long, value_name = "PLAN.csv")]
    plan: Option<PathBuf>,
}

/// One channel of an evaluated plan.
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
    };
    super::emit(global, &render(&problem, &output, &evaluation), &output)
}

/// Per-channel spend, share, response and marginal response.
pub fn channel_reports(problem: &Problem, evaluation: &PlanEvaluation) -> Vec<ChannelReport> {
    let total: f64 = evaluation.spend.iter().sum();
    problem
        .space
        .channels()
        .iter()
        .enumerate()
        .map(|(i, channel)| ChannelReport {
            name: channel.name.clone(),
            spend: evaluation.spend[i],
            share: if total > 0.0 {
                evaluation.spend[i] / total
            } else {
                0.0
            },
            response: evaluation.contributions[i].clone(),
            marginal: evaluation.marginals[i].clone(),
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
    let note = "marginal = derivative of the response per extra unit of spend";
    let verdict = if output.feasible {
        "The plan satisfies every constraint."
    } else {
        "The plan VIOLATES at least one constraint (see above)."
    };
    format!(
        "Scenario: {}\nPlan: {}\n\n{}\n{}{note}\n\n{}\n{verdict}\n",
        problem.name,
        output.plan,
        kpis.render(),
        channels.render(),
        constraint_table(&evaluation.checks)
    )
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
    let mut plan: Vec<Option<f64>> = vec![None; problem.n_channels()];
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|e| bad(format!("line {line}: {e}")))?;
        let name = record.get(channel_column).unwrap_or("");
        let text = record.get(spend_column).unwrap_or("");
        let position = problem.space.position(name).ok_or_else(|| {
            bad(format!(
                "line {line}: `{name}` is not a channel of the scenario; use one of {}",
                problem.space.names().join(", ")
            ))
        })?;
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
                "line {line}: channel `{name}` appears twice; keep one row per channel"
            )));
        }
    }
    let missing: Vec<String> = plan
        .iter()
        .zip(problem.space.names())
        .filter(|(value, _)| value.is_none())
        .map(|(_, name)| name)
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "no row for {}; give one row per channel",
            missing.join(", ")
        )));
    }
    Ok(plan.into_iter().map(|v| v.unwrap_or(0.0)).collect())
}
