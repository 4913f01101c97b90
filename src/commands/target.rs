//! `atlas target`: the least spend that reaches a KPI target, and the plan that does.

use std::path::PathBuf;

use anyhow::Result;
use atlas_core::solve::{least_spend, SolveOptions, TargetOutcome, TARGET_PRECISION};
use atlas_core::ConstraintCheck;
use clap::Args;
use serde::Serialize;

use super::evaluate::{channel_reports, ChannelReport};
use super::{binding_names, constraint_table, load, InputError};
use crate::output::{json_bytes, write_atomic};
use crate::table::{kpi, number, percent, Table};
use crate::Global;

/// Arguments of `atlas target`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    #[command(flatten)]
    pub(crate) solver: crate::SolverArgs,
    /// The KPI to reach, as the model names it.
    #[arg(long, value_name = "KPI")]
    kpi: String,
    /// The value the KPI must reach.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    at_least: f64,
    /// Result file to write (JSON).
    #[arg(long, short, default_value = "target.json", value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Serialize)]
struct TargetOutput {
    schema_version: u32,
    command: &'static str,
    scenario: String,
    currency: String,
    kpi: String,
    target: f64,
    precision: f64,
    outcome: TargetOutcome,
    kpi_names: Vec<String>,
    kpis: Vec<f64>,
    channels: Vec<ChannelReport>,
    constraints: Vec<ConstraintCheck>,
}

/// Runs the search.
pub fn run(args: &TargetArgs, global: Global) -> Result<()> {
    let mut problem = load(&args.scenario.scenario)?;
    args.solver.apply(&mut problem)?;
    let k = problem
        .kpi_names()
        .iter()
        .position(|name| name == &args.kpi)
        .ok_or_else(|| {
            InputError(format!(
                "--kpi `{}` is not a model KPI: use one of {}",
                args.kpi,
                problem.kpi_names().join(", ")
            ))
        })?;
    if !args.at_least.is_finite() {
        return Err(InputError(format!(
            "--at-least {} is not a finite number",
            args.at_least
        ))
        .into());
    }
    let outcome = least_spend(
        &problem,
        k,
        args.at_least,
        &SolveOptions::from_problem(&problem),
    )?;
    let mut evaluation = problem.evaluate_plan(&outcome.spend)?;
    // The search replaces the total budget, so its rule is left out; every other rule must
    // still hold.
    evaluation.checks = evaluation
        .checks
        .into_iter()
        .zip(&problem.constraints)
        .filter(|(_, rule)| !is_total_rule(&rule.rule))
        .map(|(check, _)| check)
        .collect();
    if let Some(broken) = evaluation.checks.iter().find(|check| !check.satisfied) {
        anyhow::bail!(
            "internal error: the plan found violates `{}`; please report it",
            broken.name
        );
    }
    let output = TargetOutput {
        schema_version: super::SCHEMA_VERSION,
        command: "target",
        scenario: problem.name.clone(),
        currency: problem.currency.clone(),
        kpi: args.kpi.clone(),
        target: args.at_least,
        precision: TARGET_PRECISION,
        kpi_names: problem.kpi_names().to_vec(),
        kpis: evaluation.kpis.clone(),
        channels: channel_reports(&problem, &evaluation),
        constraints: evaluation.checks.clone(),
        outcome,
    };
    write_atomic(&args.output, &json_bytes(&output)?)?;
    let mut spend = Table::new(["channel", "spend", "share"]);
    for channel in &output.channels {
        spend.row([
            channel.name.clone(),
            number(channel.spend, 0),
            percent(channel.share),
        ]);
    }
    let mut kpis = Table::new(["KPI", "value"]);
    for (name, value) in problem.kpi_names().iter().zip(&evaluation.kpis) {
        kpis.row([name.clone(), kpi(*value)]);
    }
    let text = format!(
        "Scenario: {}\nSolver: {} ({})\nLeast spend for {} of at least {}: {} {} (no plan \
         spending less than {} reaches it)\n\nPlan\n{}\n{}\n{}\nBinding: {}\nThe search replaces the scenario's total \
         budget, so it is not listed.\nWrote {}\n",
        problem.name,
        output.outcome.method.name(),
        output.outcome.choice,
        args.kpi,
        kpi(args.at_least),
        number(output.outcome.budget, 0),
        problem.currency,
        number(output.outcome.below, 0),
        spend.render(),
        kpis.render(),
        constraint_table(&problem, &evaluation.checks),
        binding_names(&problem, &evaluation.checks),
        args.output.display()
    );
    super::emit(global, &text, &output)
}

fn is_total_rule(rule: &atlas_core::constraint::Rule) -> bool {
    use atlas_core::constraint::Rule;
    matches!(
        rule,
        Rule::TotalExactly { .. }
            | Rule::TotalAtMost { .. }
            | Rule::TotalAtLeast { .. }
            | Rule::TotalBetween { .. }
    )
}
