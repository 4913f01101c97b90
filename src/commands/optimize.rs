//! `atlas optimize`: the best allocation for one set of weights.

use std::path::PathBuf;

use anyhow::Result;
use atlas_core::curve_samples::{sample_curves, SampledCurve, DEFAULT_SAMPLES};
use atlas_core::solve::{Method, SolveStatus};
use atlas_core::{ConstraintCheck, PlanEvaluation, Problem};
use atlas_moo::{MultiObjectiveOptimizer, Normalization};
use clap::Args;
use serde::Serialize;

use super::cells::{cell_reports, geo_table, masked_note, period_table, plan_csv, CellReport};
use super::charts::ChartArgs;
use super::evaluate::{channel_reports, ChannelReport};
use super::optimize_charts::OptimizeView;
use super::{binding_names, constraint_table, load, objective_info, parse_weights, ObjectiveInfo};
use crate::output::{json_bytes, write_atomic, StagedDir};
use crate::table::{kpi, marginal, number, percent, Table};
use crate::Global;

/// Arguments of `atlas optimize`.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    #[command(flatten)]
    pub(crate) solver: crate::SolverArgs,
    /// Objective weights in the scenario's objective order, for example 0.5,0.3,0.2; they are
    /// rescaled to sum to 1. Without it, the scenario's weights apply.
    #[arg(long, value_name = "W1,W2,...", allow_hyphen_values = true)]
    weights: Option<String>,
    /// Result file to write (JSON).
    #[arg(long, short, default_value = "result.json", value_name = "FILE")]
    output: PathBuf,
    /// Also write the optimal plan as a CSV file that `atlas evaluate --plan` reads, one row
    /// per channel or unmasked cell.
    #[arg(long, value_name = "FILE.csv")]
    plan_csv: Option<PathBuf>,
    /// Folder for a one-page summary (summary.svg, summary.png) and each KPI's response
    /// curves (curves-KPI.svg, .png). `atlas report RESULT.json` draws them later from the
    /// result file.
    #[arg(long, value_name = "DIR")]
    charts: Option<PathBuf>,
    #[command(flatten)]
    chart_options: ChartArgs,
}

/// One plan of the result: KPIs, objectives and channels.
#[derive(Debug, Serialize)]
struct PlanReport {
    kpis: Vec<f64>,
    objectives: Vec<f64>,
    total_spend: f64,
    channels: Vec<ChannelReport>,
}

/// The result document of `atlas optimize` (result.json).
#[derive(Debug, Serialize)]
pub struct OptimizeOutput {
    schema_version: u32,
    command: &'static str,
    scenario: String,
    currency: String,
    period: Option<String>,
    seed: u64,
    kpi_names: Vec<String>,
    objectives: Vec<ObjectiveInfo>,
    weights: Vec<f64>,
    normalization: Normalization,
    status: SolveStatus,
    /// The solver that ran, and why.
    method: Method,
    method_choice: String,
    /// With `exact`: no plan that meets the rules beats `scalar` by more than this.
    optimality_gap: Option<f64>,
    evaluations: usize,
    /// Wall-clock seconds of the solves (normalization and optimum), without reading the
    /// scenario or writing results.
    solve_seconds: f64,
    scalar: f64,
    current: PlanReport,
    optimal: PlanReport,
    optimal_budget: Vec<(String, f64)>,
    constraints: Vec<ConstraintCheck>,
    binding: Vec<String>,
    /// With a plan over periods, every cell with its current and optimal spend.
    #[serde(skip_serializing_if = "Option::is_none")]
    cells: Option<Vec<CellReport>>,
    /// Index in `kpi_names` of the KPI of the first objective on a KPI, which the summary
    /// chart shows per channel.
    primary_kpi: usize,
    /// Each channel's contribution to every KPI as its spend varies from 0 while the other
    /// channels keep their optimal spend, with the current and optimal spends marked.
    response_curves: Vec<SampledCurve>,
}

impl OptimizeOutput {
    /// Returns the solver that ran.
    pub fn method(&self) -> Method {
        self.method
    }
}

/// Runs the optimization.
pub fn run(args: &OptimizeArgs, global: Global) -> Result<()> {
    let mut problem = load(&args.scenario.scenario)?;
    args.solver.apply(&mut problem)?;
    let weights = args.weights.as_deref().map(parse_weights).transpose()?;
    let formats = args.chart_options.formats()?;
    let size = args.chart_options.size()?;

    let solved = solve(&problem, weights.as_deref())?;
    warn_current_violations(&solved.current_violations);
    let output = &solved.output;
    // Charts are drawn before any file is written, so a failed chart leaves no result behind.
    let charts = match &args.charts {
        Some(folder) => Some(stage_charts(output, folder, &formats, size)?),
        None => None,
    };
    if let Some(path) = &args.plan_csv {
        write_atomic(path, &plan_csv(&problem, &solved.spend)?)?;
    }
    write_atomic(&args.output, &json_bytes(output)?)?;
    if let Some(stage) = charts {
        stage.commit()?;
    }
    let text = render(&problem, output, &solved.current, &solved.optimal, args);
    super::emit(global, &text, output)
}

/// One optimization: the result document and the evaluations behind it.
pub struct Solved {
    /// The document that `atlas optimize` writes to result.json.
    pub output: OptimizeOutput,
    /// The current plan, evaluated.
    pub current: PlanEvaluation,
    /// The optimal plan, evaluated.
    pub optimal: PlanEvaluation,
    /// Spend of each decision of the optimal plan.
    pub spend: Vec<f64>,
    /// Names of the rules that the current plan violates, each in backquotes.
    pub current_violations: Vec<String>,
}

/// Finds the optimal plan at `weights` (the scenario's weights when `None`), checks it and
/// its anchors against every constraint once more, and builds the result document.
///
/// # Errors
///
/// Returns the solver's error (such as [`atlas_core::CoreError::Infeasible`]), an input error
/// for invalid weights, and an internal error when a returned plan violates a constraint.
pub fn solve(problem: &Problem, weights: Option<&[f64]>) -> Result<Solved> {
    let started = std::time::Instant::now();
    let mut optimizer = MultiObjectiveOptimizer::new(problem)?;
    if let Some(weights) = weights {
        optimizer = optimizer.with_weights(weights)?;
    }
    super::ensure_anchors_feasible(problem, &optimizer)?;
    let solution = optimizer.optimize()?;
    let solve_seconds = started.elapsed().as_secs_f64();

    let current = problem.evaluate_plan(&problem.current)?;
    let current_violations: Vec<String> = current
        .checks
        .iter()
        .filter(|c| !c.satisfied)
        .map(|c| format!("`{}`", c.name))
        .collect();
    let optimal = problem.evaluate_plan(&solution.spend)?;
    super::ensure_feasible(problem, &solution.spend, "the optimum")?;
    let response_curves = sample_curves(
        problem,
        &solution.spend,
        &[("current", &problem.current), ("optimal", &solution.spend)],
        DEFAULT_SAMPLES,
    )?;

    let output = OptimizeOutput {
        schema_version: super::SCHEMA_VERSION,
        command: "optimize",
        scenario: problem.name.clone(),
        currency: problem.currency.clone(),
        period: problem.period.clone(),
        seed: problem.solver.seed,
        kpi_names: problem.kpi_names().to_vec(),
        objectives: objective_info(problem),
        weights: optimizer.weights().to_vec(),
        normalization: optimizer.normalization().clone(),
        status: solution.status,
        method: solution.method,
        method_choice: solution.choice.clone(),
        optimality_gap: solution.gap,
        evaluations: solution.evaluations,
        solve_seconds,
        scalar: solution.scalar,
        current: plan_report(problem, &current),
        optimal: plan_report(problem, &optimal),
        optimal_budget: problem
            .space
            .names()
            .into_iter()
            .zip(solution.spend.iter().copied())
            .collect(),
        binding: optimal
            .checks
            .iter()
            .filter(|c| c.binding)
            .map(|c| c.name.clone())
            .collect(),
        constraints: optimal.checks.clone(),
        cells: problem
            .layout
            .as_ref()
            .map(|layout| cell_reports(layout, &[&problem.current, &solution.spend])),
        primary_kpi: primary_kpi(problem),
        response_curves,
    };
    Ok(Solved {
        output,
        current,
        optimal,
        spend: solution.spend,
        current_violations,
    })
}

/// Warns on stderr that the current plan violates the listed rules, so the comparison with it
/// is not like for like.
fn warn_current_violations(broken: &[String]) {
    if broken.is_empty() {
        return;
    }
    let shown = broken.len().min(5);
    let more = if broken.len() > shown {
        format!(" and {} more", broken.len() - shown)
    } else {
        String::new()
    };
    eprintln!(
        "warning: the current plan violates {}{more}, so the comparison with it is not like \
         for like",
        broken[..shown].join(", ")
    );
}

/// Returns the index of the KPI of the first objective on a KPI, or 0.
fn primary_kpi(problem: &Problem) -> usize {
    problem
        .objectives
        .iter()
        .find_map(|o| match o.measure {
            atlas_core::Measure::Kpi(k) => Some(k),
            atlas_core::Measure::TotalSpend => None,
        })
        .unwrap_or(0)
}

/// Draws the summary and curve charts of `output` into a stage for `folder`, reading them
/// back through the same fields that `atlas report` reads from result.json.
fn stage_charts(
    output: &OptimizeOutput,
    folder: &std::path::Path,
    formats: &[atlas_report::ImageFormat],
    size: atlas_report::ChartSize,
) -> Result<StagedDir> {
    let view: OptimizeView = serde_json::from_value(serde_json::to_value(output)?)?;
    let owned = view.chart_files();
    let owned: Vec<&str> = owned.iter().map(String::as_str).collect();
    let stage = StagedDir::new(folder, &owned)?;
    view.check().map_err(anyhow::Error::msg)?;
    view.draw(&stage, output.primary_kpi, formats, size)?;
    Ok(stage)
}

fn plan_report(problem: &Problem, evaluation: &PlanEvaluation) -> PlanReport {
    PlanReport {
        kpis: evaluation.kpis.clone(),
        objectives: evaluation.objectives.clone(),
        total_spend: evaluation.spend.iter().sum(),
        channels: channel_reports(problem, evaluation),
    }
}

fn render(
    problem: &Problem,
    output: &OptimizeOutput,
    current: &PlanEvaluation,
    optimal: &PlanEvaluation,
    args: &OptimizeArgs,
) -> String {
    let mut spend = Table::new([
        "channel", "current", "optimal", "change", "share", "marginal",
    ]);
    let first_kpi = output.primary_kpi;
    for (before, after) in output.current.channels.iter().zip(&output.optimal.channels) {
        spend.row([
            after.name.clone(),
            number(before.spend, 0),
            number(after.spend, 0),
            signed(after.spend - before.spend),
            percent(after.share),
            marginal(after.marginal[first_kpi]),
        ]);
    }
    spend.row([
        "total".to_string(),
        number(output.current.total_spend, 0),
        number(output.optimal.total_spend, 0),
        signed(output.optimal.total_spend - output.current.total_spend),
        String::new(),
        String::new(),
    ]);
    let mut kpis = Table::new(["KPI", "current", "optimal", "change"]);
    for (k, name) in problem.kpi_names().iter().enumerate() {
        let (before, after) = (current.kpis[k], optimal.kpis[k]);
        let change = if before != 0.0 {
            format!("{:+.2}%", (after / before - 1.0) * 100.0)
        } else {
            "-".into()
        };
        kpis.row([name.clone(), kpi(before), kpi(after), change]);
    }
    let weights: Vec<String> = problem
        .objectives
        .iter()
        .zip(&output.weights)
        .map(|(o, w)| format!("{} {:.3}", o.name, w))
        .collect();
    let periods = match &problem.layout {
        Some(layout) => format!(
            "Optimal spend by period ({}; the result file lists every cell)\n{}{}{}\n",
            problem.currency,
            period_table(layout, &optimal.spend),
            geo_section(layout, &optimal.spend, &problem.currency),
            masked_note(layout)
        ),
        None => String::new(),
    };
    let hint = if output.status == SolveStatus::IterationLimit {
        " (the plan was still improving slowly; raise [solver] max_iterations to refine it)"
    } else {
        ""
    };
    let gap = match output.optimality_gap {
        Some(gap) => format!(
            "; certified within {gap:.2e} of the best plan (scalar {:.6})",
            output.scalar
        ),
        None => String::new(),
    };
    format!(
        "Scenario: {}\nWeights: {}\nSolver: {} ({}){gap}\nStatus: {} after {} model evaluations{hint}\n\n\
         Spend ({}; marginal = derivative of {} per extra unit of spend)\n{}\n{periods}{}\n{}\nBinding: {}\nWrote {}\n",
        problem.name,
        weights.join(", "),
        output.method.name(),
        output.method_choice,
        output.status.label(),
        output.evaluations,
        problem.currency,
        problem
            .kpi_names()
            .get(first_kpi)
            .map(String::as_str)
            .unwrap_or("KPI"),
        spend.render(),
        kpis.render(),
        constraint_table(problem, &optimal.checks),
        binding_names(problem, &optimal.checks),
        match &args.charts {
            Some(folder) => format!(
                "{}, and the summary and response-curve charts to {}",
                args.output.display(),
                folder.display()
            ),
            None => args.output.display().to_string(),
        }
    )
}

/// Renders the spend-by-geo table under its heading, or nothing for a plan without geos.
pub fn geo_section(
    layout: &atlas_core::flighting::Layout,
    spend: &[f64],
    currency: &str,
) -> String {
    let table = geo_table(layout, spend);
    if table.is_empty() {
        table
    } else {
        format!("\nSpend by geo over the plan ({currency})\n{table}")
    }
}

fn signed(value: f64) -> String {
    if value.abs() < 0.5 {
        "0".into()
    } else if value > 0.0 {
        format!("+{}", number(value, 0))
    } else {
        number(value, 0)
    }
}
