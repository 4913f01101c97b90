//! `atlas sweep`: the optimal allocation for every weight vector of a simplex lattice.

use std::path::{Path, PathBuf};

use anyhow::Result;
use atlas_core::Problem;
use atlas_moo::sweep::AbruptChange;
use atlas_moo::{simplex_lattice, sweep, MultiObjectiveOptimizer, Normalization, WeightedSolution};
use atlas_report::{render_allocations, AllocationChart, AllocationRow, ChartSize, ImageFormat};
use clap::Args;
use serde::Serialize;

use super::{load, objective_info, ObjectiveInfo};
use crate::commands::charts::{progress_bar, ChartArgs};
use crate::output::{json_bytes, StagedDir};
use crate::table::{number, Table};
use crate::Global;

/// Arguments of `atlas sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    #[command(flatten)]
    pub(crate) solver: crate::SolverArgs,
    /// Divisions of each weight: weights are multiples of 1/STEPS (default: the scenario's
    /// solver.sweep_steps, else 10). Three objectives and 10 steps give 66 weight vectors.
    #[arg(long, value_name = "STEPS", conflicts_with = "weights_file")]
    steps: Option<usize>,
    /// Solve the weight vectors listed in FILE instead of a lattice: one vector per line, in
    /// the scenario's objective order, such as 0.5,0.3,0.2; lines starting with # are
    /// comments.
    #[arg(long, value_name = "FILE")]
    weights_file: Option<PathBuf>,
    /// Folder for sweep.csv, sweep.json and the allocation charts.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    charts: ChartArgs,
}

#[derive(Debug, Serialize)]
struct SweepOutput<'a> {
    schema_version: u32,
    command: &'static str,
    scenario: &'a str,
    currency: &'a str,
    seed: u64,
    steps: usize,
    channels: Vec<String>,
    objectives: Vec<ObjectiveInfo>,
    normalization: &'a Normalization,
    points: &'a [WeightedSolution],
    /// Per point, the names of the constraints that bind.
    binding: Vec<Vec<String>>,
    /// Channel names of `allocations`; with a plan over periods, the channels that own the
    /// cells named in `channels`.
    allocation_channels: Vec<String>,
    /// Per point, the spend of each channel of `allocation_channels`.
    allocations: Vec<Vec<f64>>,
    abrupt: &'a [AbruptChange],
}

/// Every file the sweep writes, so a rerun can remove stale ones.
const OUTPUT_FILES: [&str; 4] = [
    "sweep.json",
    "sweep.csv",
    "allocations.svg",
    "allocations.png",
];

/// Runs the sweep.
pub fn run(args: &SweepArgs, global: Global) -> Result<()> {
    let mut problem = load(&args.scenario.scenario)?;
    args.solver.apply(&mut problem)?;
    let steps = args.steps.unwrap_or(problem.solver.sweep_steps);
    let formats = args.charts.formats()?;
    let size = args.charts.size()?;
    let lattice = match &args.weights_file {
        Some(path) => read_weights(path, problem.objectives.len())?,
        None => simplex_lattice(problem.objectives.len(), steps)
            .map_err(|e| super::InputError(format!("--steps: {e}")))?,
    };
    let optimizer = MultiObjectiveOptimizer::new(&problem)?;
    super::ensure_anchors_feasible(&problem, &optimizer)?;
    let bar = progress_bar(global, lattice.len() as u64, "weight vectors");
    let result = sweep(&optimizer, &lattice, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for point in &result.points {
        super::ensure_feasible(&problem, &point.spend, "a sweep allocation")?;
    }

    let output = SweepOutput {
        schema_version: super::SCHEMA_VERSION,
        command: "sweep",
        scenario: &problem.name,
        currency: &problem.currency,
        seed: problem.solver.seed,
        steps,
        channels: problem.space.names(),
        objectives: objective_info(&problem),
        normalization: optimizer.normalization(),
        points: &result.points,
        binding: result
            .points
            .iter()
            .map(|p| super::binding_list(&problem, &p.spend))
            .collect(),
        abrupt: &result.abrupt,
        allocation_channels: problem.channel_names(),
        allocations: result
            .points
            .iter()
            .map(|p| problem.by_channel(&p.spend))
            .collect(),
    };
    let folder = write_outputs(&problem, &output, &args.out, &formats, size)?;
    let text = render(&problem, &result.points, &result.abrupt, &folder);
    super::emit(global, &text, &output)
}

/// Reads a user's list of weight vectors, one per line.
fn read_weights(path: &Path, objectives: usize) -> Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        super::InputError(format!(
            "--weights-file {}: {error}: give a readable text file",
            path.display()
        ))
    })?;
    let mut weights = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let place = format!("--weights-file {} line {}", path.display(), number + 1);
        let vector = line
            .split(',')
            .map(|part| {
                part.trim().parse::<f64>().map_err(|_| {
                    super::InputError(format!(
                        "{place}: `{}` is not a number: write one weight per objective, \
                         separated by commas",
                        part.trim()
                    ))
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        atlas_moo::scalarize::check_weights(&vector, objectives)
            .map_err(|e| super::InputError(format!("{place}: {e}")))?;
        weights.push(vector);
    }
    if weights.is_empty() {
        return Err(super::InputError(format!(
            "--weights-file {} lists no weight vector: write one per line with {objectives} \
             numbers, one per objective",
            path.display()
        ))
        .into());
    }
    Ok(weights)
}

/// Writes sweep.json, sweep.csv and the allocation charts through a staging folder.
fn write_outputs(
    problem: &Problem,
    output: &SweepOutput<'_>,
    out: &Path,
    formats: &[ImageFormat],
    size: ChartSize,
) -> Result<PathBuf> {
    let stage = StagedDir::new(out, &OUTPUT_FILES)?;
    stage.write("sweep.json", &json_bytes(output)?)?;
    stage.write("sweep.csv", csv_text(problem, output.points)?.as_bytes())?;
    let chart = allocation_chart(&AllocationData {
        scenario: problem.name.clone(),
        currency: problem.currency.clone(),
        objective_names: objective_names(problem),
        channels: output.allocation_channels.clone(),
        weights: output.points.iter().map(|p| p.weights.clone()).collect(),
        allocations: output.allocations.clone(),
    });
    draw_allocations(&stage, &chart, formats, size)?;
    stage.commit()
}

fn csv_text(problem: &Problem, points: &[WeightedSolution]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = problem
        .objectives
        .iter()
        .map(|o| format!("weight_{}", o.name))
        .collect();
    header.extend(problem.objectives.iter().map(|o| o.name.clone()));
    header.extend(problem.space.names().iter().map(|c| format!("spend_{c}")));
    writer.write_record(&header)?;
    for point in points {
        let row: Vec<String> = point
            .weights
            .iter()
            .chain(&point.objectives)
            .chain(&point.spend)
            .map(|v| v.to_string())
            .collect();
        writer.write_record(&row)?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// Draws the allocation chart into `stage` in every requested format.
pub fn draw_allocations(
    stage: &StagedDir,
    chart: &AllocationChart,
    formats: &[ImageFormat],
    size: ChartSize,
) -> Result<()> {
    for &format in formats {
        let name = format!("allocations.{}", format.extension());
        render_allocations(chart, &stage.path(&name), format, size)?;
    }
    Ok(())
}

fn objective_names(problem: &Problem) -> Vec<String> {
    problem.objectives.iter().map(|o| o.name.clone()).collect()
}

/// Formats a weight vector in short readable form, such as `rev 0.5 / bra 0.3 / cus 0.2`.
pub fn weight_label(objective_names: &[String], weights: &[f64]) -> String {
    objective_names
        .iter()
        .zip(weights)
        .map(|(name, w)| format!("{} {}", abbreviate(name), trim_number(*w)))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn abbreviate(name: &str) -> String {
    let words: Vec<&str> = name
        .split(['_', ' ', '-'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 1 {
        words.iter().filter_map(|w| w.chars().next()).collect()
    } else {
        name.chars().take(7).collect()
    }
}

/// Explains the abbreviated objective names of the weight labels, such as
/// `ba = brand_awareness`, or returns an empty string when no name is abbreviated.
fn abbreviation_key(objective_names: &[String]) -> String {
    let pairs: Vec<String> = objective_names
        .iter()
        .filter(|name| abbreviate(name) != **name)
        .map(|name| format!("{} = {name}", abbreviate(name)))
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("weights: {}", pairs.join(", "))
    }
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The inputs of the allocation chart, from a sweep or read back from sweep.json.
pub struct AllocationData {
    /// Scenario name, for the title.
    pub scenario: String,
    /// Currency of the spend.
    pub currency: String,
    /// Objective names, in weight order.
    pub objective_names: Vec<String>,
    /// Channel names, in spend order.
    pub channels: Vec<String>,
    /// Weight vector of each point.
    pub weights: Vec<Vec<f64>>,
    /// Spend of each channel at each point.
    pub allocations: Vec<Vec<f64>>,
}

/// Returns the stacked-bar chart of the allocation at each weight vector.
pub fn allocation_chart(data: &AllocationData) -> AllocationChart {
    AllocationChart {
        title: format!("{}: allocation by objective weights", data.scenario),
        channels: data.channels.clone(),
        rows: data
            .weights
            .iter()
            .zip(&data.allocations)
            .map(|(weights, spend)| AllocationRow {
                label: weight_label(&data.objective_names, weights),
                spend: spend.clone(),
            })
            .collect(),
        currency: data.currency.clone(),
        note: abbreviation_key(&data.objective_names),
    }
}

/// Names the solvers that ran, such as `exact` or `exact (4), gradient (2)` when `auto` chose
/// differently between points.
fn solver_names(points: &[WeightedSolution]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for point in points {
        let name = point.method.name();
        match counts.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    if counts.len() == 1 {
        return counts[0].0.to_owned();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(name, count)| format!("{name} ({count})"))
        .collect();
    parts.join(", ")
}

fn render(
    problem: &Problem,
    points: &[WeightedSolution],
    abrupt: &[AbruptChange],
    folder: &std::path::Path,
) -> String {
    let mut header = vec!["weights".to_string()];
    header.extend(problem.objectives.iter().map(|o| o.name.clone()));
    header.extend(problem.channel_names());
    let mut table = Table::new(header);
    for point in points {
        let mut row = vec![weight_label(&objective_names(problem), &point.weights)];
        row.extend(point.objectives.iter().map(|v| crate::table::kpi(*v)));
        row.extend(
            problem
                .by_channel(&point.spend)
                .iter()
                .map(|v| number(*v, 0)),
        );
        table.row(row);
    }
    let mut text = format!(
        "Scenario: {}\n{} weight vector{}, solved with {}\n{}\n\n{}",
        problem.name,
        points.len(),
        if points.len() == 1 { "" } else { "s" },
        solver_names(points),
        abbreviation_key(&objective_names(problem)),
        table.render()
    );
    if abrupt.is_empty() {
        text.push_str("\nNo abrupt change of allocation between neighbouring weights.\n");
    } else {
        let moved = if problem.layout.is_some() {
            "share of budget moved between cells, so also between periods and geos"
        } else {
            "share of budget moved"
        };
        text.push_str(&format!(
            "\nAbrupt changes between neighbouring weights ({moved}):\n"
        ));
        for change in abrupt {
            text.push_str(&format!(
                "  {}  ->  {}: {:.1}%\n",
                weight_label(&objective_names(problem), &points[change.from].weights),
                weight_label(&objective_names(problem), &points[change.to].weights),
                change.shift * 100.0
            ));
        }
    }
    text.push_str(&format!(
        "Wrote sweep.csv, sweep.json and allocation charts to {}\n",
        folder.display()
    ));
    text
}
