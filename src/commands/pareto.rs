//! `atlas pareto`: the Pareto front of the objectives, found by NSGA-II.

use std::path::{Path, PathBuf};

use anyhow::Result;
use atlas_core::SolverSettings;
use atlas_core::{Problem, Sense};
use atlas_moo::nsga2::{self, GenerationReport, Nsga2Config, Termination};
use atlas_moo::{BudgetProblem, MultiObjectiveOptimizer};
use atlas_report::{render_front, ChartSize, FrontChart, ImageFormat, MAX_OBJECTIVES};
use clap::Args;
use serde::Serialize;

use super::{load, objective_info, objective_labels, ObjectiveInfo};
use crate::commands::charts::{progress_bar, ChartArgs};
use crate::output::{json_bytes, StagedDir};
use crate::table::{kpi, number, Table};
use crate::Global;

/// Arguments of `atlas pareto`.
#[derive(Debug, Args)]
pub struct ParetoArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    #[command(flatten)]
    solver: crate::SolverArgs,
    /// NSGA-II population size (default: the scenario's solver.population, else 100).
    #[arg(long, value_name = "N")]
    population: Option<usize>,
    /// NSGA-II generations (default: the scenario's solver.generations, else 250).
    #[arg(long, value_name = "N")]
    generations: Option<usize>,
    /// Seed of every random choice (default: the scenario's solver.seed, else 1).
    #[arg(long, value_name = "SEED")]
    seed: Option<u64>,
    /// Folder for front.csv, front.json and the front charts.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    charts: ChartArgs,
}

/// One plan of the front.
#[derive(Debug, Serialize)]
struct Member {
    spend: Vec<f64>,
    objectives: Vec<f64>,
    /// Names of the constraints on whose limit the plan sits.
    binding: Vec<String>,
}

#[derive(Debug, Serialize)]
struct FrontOutput<'a> {
    schema_version: u32,
    command: &'static str,
    scenario: &'a str,
    currency: &'a str,
    seed: u64,
    population: usize,
    generations: usize,
    evaluations: usize,
    termination: Termination,
    channels: Vec<String>,
    objectives: Vec<ObjectiveInfo>,
    current: Member,
    chosen: Member,
    members: Vec<Member>,
    history: &'a [GenerationReport],
}

/// Every file the search writes, so a rerun can remove stale ones.
const OUTPUT_FILES: [&str; 4] = ["front.json", "front.csv", "pareto.svg", "pareto.png"];

/// Runs the search.
pub fn run(args: &ParetoArgs, global: Global) -> Result<()> {
    let mut problem = load(&args.scenario.scenario)?;
    args.solver.apply(&mut problem)?;
    let formats = args.charts.formats()?;
    let size = args.charts.size()?;
    require_chartable_objectives(&problem)?;
    let mut settings = problem.solver.clone();
    settings.population = args.population.unwrap_or(settings.population);
    settings.generations = args.generations.unwrap_or(settings.generations);
    settings.seed = args.seed.unwrap_or(settings.seed);
    settings
        .validate()
        .map_err(|e| super::InputError(format!("{e} (or the matching flag)")))?;

    let optimizer = MultiObjectiveOptimizer::new(&problem)?;
    super::ensure_anchors_feasible(&problem, &optimizer)?;
    let chosen = optimizer.optimize()?;
    super::ensure_feasible(&problem, &chosen.spend, "the weighted optimum")?;
    let config = search_config(&settings, &problem, &optimizer, &chosen.spend);
    let bar = progress_bar(global, config.generations as u64, "generations");
    let observer = |report: &GenerationReport| bar.set_position(report.generation as u64);
    let result =
        nsga2::run(&BudgetProblem::new(&problem), &config, Some(&observer)).map_err(|error| {
            match error {
                nsga2::Nsga2Error::Config(config) => super::InputError(config.to_string()).into(),
                other => anyhow::Error::new(other),
            }
        })?;
    bar.finish_and_clear();

    let output = FrontOutput {
        schema_version: super::SCHEMA_VERSION,
        command: "pareto",
        scenario: &problem.name,
        currency: &problem.currency,
        seed: config.seed,
        population: config.population,
        generations: result.generations,
        evaluations: result.evaluations,
        termination: result.termination,
        channels: problem.space.names(),
        objectives: objective_info(&problem),
        current: Member {
            binding: super::binding_list(&problem, &problem.current),
            spend: problem.current.clone(),
            objectives: problem.evaluate_plan(&problem.current)?.objectives,
        },
        chosen: Member {
            binding: super::binding_list(&problem, &chosen.spend),
            spend: chosen.spend,
            objectives: chosen.objectives,
        },
        members: front_members(&problem, &result.front)?,
        history: &result.history,
    };
    let folder = write_outputs(&problem, &output, &args.out, &formats, size)?;
    super::emit(global, &render(&problem, &output, &folder), &output)
}

fn require_chartable_objectives(problem: &Problem) -> Result<()> {
    let count = problem.objectives.len();
    if count < 2 {
        return Err(super::InputError(format!(
            "scenario `{}` has one objective, but a Pareto front needs two or more: add one, \
             such as {{ kpi = \"total_spend\", sense = \"minimize\" }}",
            problem.name
        ))
        .into());
    }
    if count > MAX_OBJECTIVES {
        return Err(super::InputError(format!(
            "scenario `{}` has {count} objectives, but front charts show at most \
             {MAX_OBJECTIVES}: keep the {MAX_OBJECTIVES} that matter most",
            problem.name
        ))
        .into());
    }
    Ok(())
}

/// NSGA-II settings, seeded with the current plan, the single-objective optima and the
/// weighted optimum, as many of them as the population holds.
fn search_config(
    settings: &SolverSettings,
    problem: &Problem,
    optimizer: &MultiObjectiveOptimizer<'_>,
    chosen: &[f64],
) -> Nsga2Config {
    let mut initial = vec![problem.current.clone()];
    initial.extend(optimizer.normalization().anchors.iter().cloned());
    initial.push(chosen.to_vec());
    initial.truncate(settings.population);
    Nsga2Config {
        population: settings.population,
        generations: settings.generations,
        seed: settings.seed,
        initial,
        ..Nsga2Config::default()
    }
}

/// Writes front.json, front.csv and the charts through a staging folder.
fn write_outputs(
    problem: &Problem,
    output: &FrontOutput<'_>,
    out: &Path,
    formats: &[ImageFormat],
    size: ChartSize,
) -> Result<PathBuf> {
    let stage = StagedDir::new(out, &OUTPUT_FILES)?;
    stage.write("front.json", &json_bytes(output)?)?;
    stage.write("front.csv", csv_text(problem, &output.members)?.as_bytes())?;
    let chart = FrontChart {
        title: format!("{}: Pareto front", problem.name),
        objective_labels: objective_labels(problem),
        points: output
            .members
            .iter()
            .map(|m| m.objectives.clone())
            .collect(),
        current: Some(output.current.objectives.clone()),
        chosen: Some(output.chosen.objectives.clone()),
    };
    for &format in formats {
        let path = stage.path(&format!("pareto.{}", format.extension()));
        render_front(&chart, &path, format, size)?;
    }
    stage.commit()
}

/// Converts the search's feasible front back to natural units, re-checking every constraint.
fn front_members(problem: &Problem, front: &[nsga2::Solution]) -> Result<Vec<Member>> {
    let mut members = Vec::with_capacity(front.len());
    for solution in front {
        super::ensure_feasible(problem, &solution.x, "a front member")?;
        let objectives = problem
            .objectives
            .iter()
            .zip(&solution.objectives)
            .map(|(o, v)| if o.sense == Sense::Maximize { -v } else { *v })
            .collect();
        members.push(Member {
            binding: super::binding_list(problem, &solution.x),
            spend: solution.x.clone(),
            objectives,
        });
    }
    if members.is_empty() {
        return Err(atlas_core::CoreError::Infeasible {
            constraints: Vec::new(),
            message: "NSGA-II found no plan that satisfies every constraint".into(),
        }
        .into());
    }
    Ok(members)
}

fn csv_text(problem: &Problem, members: &[Member]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = problem.objectives.iter().map(|o| o.name.clone()).collect();
    header.extend(problem.space.names().iter().map(|c| format!("spend_{c}")));
    writer.write_record(&header)?;
    for member in members {
        let row: Vec<String> = member
            .objectives
            .iter()
            .chain(&member.spend)
            .map(|v| v.to_string())
            .collect();
        writer.write_record(&row)?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

fn render(problem: &Problem, output: &FrontOutput<'_>, folder: &std::path::Path) -> String {
    let mut table = Table::new(["objective", "current", "front min", "front max", "chosen"]);
    for (j, objective) in problem.objectives.iter().enumerate() {
        let column = output.members.iter().map(|m| m.objectives[j]);
        let low = column.clone().fold(f64::INFINITY, f64::min);
        let high = column.fold(f64::NEG_INFINITY, f64::max);
        table.row([
            objective.name.clone(),
            kpi(output.current.objectives[j]),
            kpi(low),
            kpi(high),
            kpi(output.chosen.objectives[j]),
        ]);
    }
    format!(
        "Scenario: {}\nNSGA-II: population {}, {} generations, seed {}, {} evaluations\n\
         Front: {} plans, every one satisfying every constraint\n\n{}\n\
         chosen = the weighted optimum at the scenario's weights\nWrote front.csv, front.json and pareto charts to {}\n",
        problem.name,
        output.population,
        output.generations,
        output.seed,
        number(output.evaluations as f64, 0),
        output.members.len(),
        table.render(),
        folder.display()
    )
}
