//! `atlas validate`: checks a scenario and whether any plan meets all of its rules, without
//! writing anything.

use anyhow::{Context, Result};
use atlas_moo::MultiObjectiveOptimizer;
use clap::Args;
use serde::Serialize;

use super::{load, objective_info, ObjectiveInfo};
use crate::table::{kpi, number, Table};
use crate::Global;

/// Arguments of `atlas validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    #[command(flatten)]
    pub(crate) solver: crate::SolverArgs,
}

#[derive(Debug, Serialize)]
struct ValidateOutput {
    schema_version: u32,
    command: &'static str,
    scenario: String,
    file: String,
    channels: usize,
    decisions: usize,
    kpi_names: Vec<String>,
    objectives: Vec<ObjectiveInfo>,
    rules: usize,
    rules_on_kpis: usize,
    current_total_spend: f64,
    /// Names of the rules the current plan breaks.
    current_breaks: Vec<String>,
    /// Each objective's value at the current plan.
    current_objectives: Vec<f64>,
    /// Each objective's best value over the plans that meet every rule.
    best_objectives: Vec<f64>,
}

/// Reads the scenario, checks it and solves each objective alone to prove that some plan meets
/// every rule. An infeasible scenario is an error, so any output means a feasible one.
pub fn run(args: &ValidateArgs, global: Global) -> Result<()> {
    let path = &args.scenario.scenario;
    let mut problem = load(path)?;
    args.solver.apply(&mut problem)?;
    let current = problem.evaluate_plan(&problem.current)?;
    let optimizer = MultiObjectiveOptimizer::new(&problem).with_context(|| {
        format!(
            "scenario {} has no plan that meets every rule",
            path.display()
        )
    })?;
    super::ensure_anchors_feasible(&problem, &optimizer)?;
    let output = ValidateOutput {
        schema_version: super::SCHEMA_VERSION,
        command: "validate",
        scenario: problem.name.clone(),
        file: path.display().to_string(),
        channels: problem.channel_names().len(),
        decisions: problem.n_channels(),
        kpi_names: problem.kpi_names().to_vec(),
        objectives: objective_info(&problem),
        rules: problem.constraints.len(),
        rules_on_kpis: problem
            .constraints
            .iter()
            .filter(|c| c.is_nonlinear())
            .count(),
        current_total_spend: current.spend.iter().sum(),
        current_breaks: current
            .checks
            .iter()
            .filter(|c| !c.satisfied)
            .map(|c| c.name.clone())
            .collect(),
        current_objectives: current.objectives.clone(),
        best_objectives: optimizer.normalization().ideal.clone(),
    };
    let text = render(&output, &problem.currency);
    super::emit(global, &text, &output)
}

fn render(output: &ValidateOutput, currency: &str) -> String {
    let mut table = Table::new(["objective", "sense", "weight", "current", "best"]);
    for (k, objective) in output.objectives.iter().enumerate() {
        let sense = match objective.sense {
            atlas_core::Sense::Maximize => "maximize",
            atlas_core::Sense::Minimize => "minimize",
        };
        table.row([
            objective.name.clone(),
            sense.to_owned(),
            format!("{:.3}", objective.weight),
            kpi(output.current_objectives[k]),
            kpi(output.best_objectives[k]),
        ]);
    }
    let cells = if output.decisions == output.channels {
        String::new()
    } else {
        format!(" ({} decisions over periods and geos)", output.decisions)
    };
    let current = if output.current_breaks.is_empty() {
        "meets every rule".to_owned()
    } else {
        format!(
            "breaks {}; optimized plans meet every rule",
            output
                .current_breaks
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "Scenario: {} ({})\nModel: {} KPIs ({}), {} channels{cells}\nConstraints: {}, counting channel bounds ({} on KPIs)\n\
         Current plan: {} {currency}, {current}\n\n{}\n\
         Valid: some plan meets every rule; `best` is each objective's optimum alone.\n",
        output.scenario,
        output.file,
        output.kpi_names.len(),
        output.kpi_names.join(", "),
        output.channels,
        output.rules,
        output.rules_on_kpis,
        number(output.current_total_spend, 0),
        table.render()
    )
}
