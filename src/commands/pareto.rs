//! `atlas pareto`: the Pareto front of the objectives, found by NSGA-II.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use anyhow::Result;
use atlas_core::SolverSettings;
use atlas_core::{Problem, Sense};
use atlas_moo::nsga2::{
    self, Algorithm, Checkpoint, CheckpointError, GenerationReport, Nsga2Config, Nsga2Error,
    RunOptions, Stagnation, Termination,
};
use atlas_moo::{BudgetProblem, MultiObjectiveOptimizer, Problem as _};
use atlas_report::{
    render_convergence, render_front, render_parallel, ChartSize, ConvergenceChart, FrontChart,
    ImageFormat, ParallelChart, MAX_OBJECTIVES,
};
use clap::Args;
use serde::Serialize;

use super::{load, objective_info, objective_labels, ObjectiveInfo};
use crate::commands::charts::{progress_bar, ChartArgs};
use crate::output::{json_bytes, StagedDir};
use crate::table::{kpi, number, Table};
use crate::Global;

/// Arguments of `atlas pareto`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct ParetoArgs {
    #[command(flatten)]
    scenario: crate::ScenarioArg,
    #[command(flatten)]
    pub(crate) solver: crate::SolverArgs,
    /// Population size of the search (default: the scenario's solver.population, else 100).
    #[arg(long, value_name = "N")]
    population: Option<usize>,
    /// Generations of the search after its first population (default: the scenario's
    /// solver.generations, else 250).
    #[arg(long, value_name = "N")]
    generations: Option<usize>,
    /// Seed of every random choice (default: the scenario's solver.seed, else 1).
    #[arg(long, value_name = "SEED")]
    seed: Option<u64>,
    #[command(flatten)]
    search: SearchArgs,
    /// Folder for front.csv, archive.csv, front.json and the front charts.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    charts: ChartArgs,
}

/// Options of the Pareto search: survival step, stopping rules and checkpoints.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Survival step: nsga2 (crowding distance), nsga3 (reference directions), or auto,
    /// which picks nsga3 for four or more objectives and nsga2 otherwise.
    #[arg(long, value_name = "NAME", default_value = "auto")]
    pub algorithm: String,
    /// Stop the search before a generation that would take its evaluation count above N.
    #[arg(long, value_name = "N")]
    pub search_evaluations: Option<usize>,
    /// Stop the search after the first generation that ends SECONDS or more after its start.
    /// Such a run can differ from run to run; the other limits cannot.
    #[arg(long, value_name = "SECONDS")]
    pub search_seconds: Option<f64>,
    /// Stop when the front's hypervolume grows by less than --stagnation-tolerance, relative to
    /// its value, over this many generations.
    #[arg(long, value_name = "GENERATIONS")]
    pub stagnation: Option<usize>,
    /// Relative hypervolume growth that counts as progress for --stagnation.
    #[arg(
        long,
        value_name = "FRACTION",
        default_value_t = 1e-4,
        requires = "stagnation"
    )]
    pub stagnation_tolerance: f64,
    /// Save the search state to FILE every --checkpoint-every generations and when the search
    /// stops, replacing the file atomically each time. With a checkpoint, Ctrl-C or SIGTERM
    /// stops the search after the current generation, saves it, and exits with code 130.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Generations between two checkpoints. Each save rewrites the whole state, archive
    /// included, so small problems run faster with larger values.
    #[arg(long, value_name = "N", default_value_t = 100, requires = "checkpoint")]
    pub checkpoint_every: usize,
    /// Continue from the --checkpoint file instead of starting again. The scenario and the
    /// search settings must match the saved run; --generations and the stopping limits may
    /// change. The result equals that of an uninterrupted run.
    #[arg(long, requires = "checkpoint")]
    pub resume: bool,
}

impl SearchArgs {
    /// Writes the options into `config`.
    ///
    /// # Errors
    ///
    /// Returns an input error that names the option when a value is invalid.
    pub fn apply(&self, config: &mut Nsga2Config) -> Result<()> {
        config.algorithm = self
            .algorithm
            .parse()
            .map_err(|message: String| super::InputError(format!("--algorithm: {message}")))?;
        let input = |message: String| -> anyhow::Error { super::InputError(message).into() };
        if let Some(seconds) = self.search_seconds {
            if !(seconds > 0.0 && seconds.is_finite()) {
                return Err(input(format!(
                    "--search-seconds is {seconds}; give a positive number of seconds"
                )));
            }
        }
        if let Some(limit) = self.search_evaluations {
            if limit < config.population {
                return Err(input(format!(
                    "--search-evaluations is {limit}, below the population of {}, so not even \
                     the first population fits; raise it or lower --population",
                    config.population
                )));
            }
        }
        if self.stagnation == Some(0) {
            return Err(input(
                "--stagnation is 0; give the number of generations to compare, 1 or more".into(),
            ));
        }
        let tolerance = self.stagnation_tolerance;
        if !(tolerance >= 0.0 && tolerance.is_finite()) {
            return Err(input(format!(
                "--stagnation-tolerance is {tolerance}; give a relative growth of 0 or more, \
                 such as 1e-4"
            )));
        }
        config.max_evaluations = self.search_evaluations;
        config.max_seconds = self.search_seconds;
        config.stagnation = self.stagnation.map(|generations| Stagnation {
            generations,
            tolerance: self.stagnation_tolerance,
        });
        if self.checkpoint.is_some() && self.checkpoint_every == 0 {
            return Err(super::InputError(
                "--checkpoint-every is 0; give the number of generations between checkpoints, \
                 1 or more"
                    .into(),
            )
            .into());
        }
        Ok(())
    }

    /// Runs the search on `problem` with these checkpoint options. `context` identifies the
    /// problem in the checkpoint, so a resume on another scenario fails.
    ///
    /// # Errors
    ///
    /// Returns an input error for an invalid configuration, a missing or mismatching
    /// checkpoint, and the search's own error otherwise.
    pub fn run<P: atlas_moo::Problem + ?Sized>(
        &self,
        problem: &P,
        config: &Nsga2Config,
        observer: nsga2::Observer<'_>,
        context: &str,
    ) -> Result<nsga2::Nsga2Result> {
        if let Some(path) = &self.checkpoint {
            check_checkpoint_path(path)?;
        }
        let resume = match (&self.checkpoint, self.resume) {
            (Some(path), true) => Some(
                Checkpoint::load(path)
                    .map_err(|error| super::InputError(format!("--resume: {error}")))?,
            ),
            _ => None,
        };
        if let Some(checkpoint) = &resume {
            if checkpoint.generation() >= config.generations {
                eprintln!(
                    "warning: the checkpoint is at generation {}, and --generations is {}, so \
                     no generation runs; raise --generations to continue the search",
                    checkpoint.generation(),
                    config.generations
                );
            }
        }
        let save = |checkpoint: &Checkpoint| match &self.checkpoint {
            Some(path) => checkpoint.save(path),
            None => Ok(()),
        };
        let options = RunOptions {
            observer: Some(observer),
            save_checkpoint: self
                .checkpoint
                .as_ref()
                .map(|_| &save as nsga2::SaveCheckpoint<'_>),
            checkpoint_every: self.checkpoint_every,
            resume: resume.as_ref(),
            context,
            stop: self.checkpoint.as_ref().map(|_| stop_on_signal()),
        };
        let result = nsga2::run_with(problem, config, options).map_err(|error| match error {
            Nsga2Error::Config(config) => super::InputError(config.to_string()).into(),
            Nsga2Error::Checkpoint(
                error @ (CheckpointError::Mismatch { .. }
                | CheckpointError::Changed { .. }
                | CheckpointError::Decode(_)),
            ) => super::InputError(format!("--resume: {error}")).into(),
            other => anyhow::Error::new(other),
        })?;
        if result.termination == Termination::Interrupted {
            let path = self.checkpoint.as_deref().unwrap_or(Path::new("?"));
            return Err(super::Interrupted(format!(
                "interrupted after generation {}; {} holds the search state, so the same \
                 command with --resume continues it",
                result.generations,
                path.display()
            ))
            .into());
        }
        Ok(result)
    }
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
    algorithm: Algorithm,
    termination: Termination,
    termination_reason: &'static str,
    /// Hypervolume of the final front in the search's scaled objectives (see
    /// `GenerationReport::hypervolume`).
    hypervolume: Option<f64>,
    channels: Vec<String>,
    objectives: Vec<ObjectiveInfo>,
    current: Member,
    chosen: Member,
    /// Position in `members` of the knee: the plan farthest from the hyperplane through
    /// the front's extreme plans, on the ideal side, in objectives scaled to [0, 1].
    knee: usize,
    members: Vec<Member>,
    /// Whether the search kept an archive; it does for up to three objectives.
    archive_kept: bool,
    /// Number of plans in archive.csv.
    archive_size: usize,
    /// Every feasible non-dominated plan the search evaluated, written to archive.csv only,
    /// because it can hold hundreds of thousands of plans.
    #[serde(skip)]
    archive: Vec<Member>,
    history: &'a [GenerationReport],
}

/// Every file the search writes, so a rerun can remove stale ones.
pub const OUTPUT_FILES: [&str; 9] = [
    "front.json",
    "front.csv",
    "archive.csv",
    "pareto.svg",
    "pareto.png",
    "parallel.svg",
    "parallel.png",
    "convergence.svg",
    "convergence.png",
];

/// Runs the search.
pub fn run(args: &ParetoArgs, global: Global) -> Result<()> {
    if args.search.checkpoint.is_some() {
        // Catch interrupts from the start, so one during the solves before the search
        // still ends with a saved checkpoint.
        stop_on_signal();
    }
    let mut problem = load(&args.scenario.scenario)?;
    args.solver.apply(&mut problem)?;
    let formats = args.charts.formats()?;
    let size = args.charts.size()?;
    require_chartable_objectives(&problem)?;
    let mut settings = problem.solver.clone();
    settings.population = args.population.unwrap_or(settings.population);
    settings.generations = args.generations.unwrap_or(settings.generations);
    settings.seed = args.seed.unwrap_or(settings.seed);
    settings.validate().map_err(|error| {
        // Name the option when the value came from the command line, not the scenario.
        let flags = [
            (
                "`solver.population`",
                "--population",
                args.population.is_some(),
            ),
            (
                "`solver.generations`",
                "--generations",
                args.generations.is_some(),
            ),
        ];
        let message = flags
            .iter()
            .filter(|(_, _, given)| *given)
            .fold(error.to_string(), |text, (field, flag, _)| {
                text.replace(field, flag)
            });
        super::InputError(message)
    })?;

    let optimizer = MultiObjectiveOptimizer::new(&problem)?;
    super::ensure_anchors_feasible(&problem, &optimizer)?;
    let chosen = optimizer.optimize()?;
    super::ensure_feasible(&problem, &chosen.spend, "the weighted optimum")?;
    let mut config = search_config(&settings, &problem, &optimizer, &chosen.spend);
    args.search.apply(&mut config)?;
    let bar = progress_bar(global, config.generations as u64, "generations");
    let observer = |report: &GenerationReport| bar.set_position(report.generation as u64);
    let context = problem_fingerprint(&problem);
    let budget = BudgetProblem::new(&problem);
    let result = args.search.run(&budget, &config, &observer, &context)?;
    bar.finish_and_clear();
    let front = reported_front(&budget, &result, &config)?;
    if front.is_empty() {
        return Err(atlas_core::CoreError::Infeasible {
            constraints: Vec::new(),
            message: "the search found no plan that satisfies every constraint".into(),
        }
        .into());
    }

    let output = FrontOutput {
        schema_version: super::SCHEMA_VERSION,
        command: "pareto",
        scenario: &problem.name,
        currency: &problem.currency,
        seed: config.seed,
        population: config.population,
        generations: result.generations,
        evaluations: result.evaluations,
        algorithm: result.algorithm,
        termination: result.termination,
        termination_reason: result.termination.label(),
        hypervolume: result.history.last().and_then(|report| report.hypervolume),
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
        knee: knee_index(&front)?,
        members: front_members(&problem, &front)?,
        archive_kept: config.archive_for(problem.objectives.len()),
        archive_size: result.archive.len(),
        archive: front_members(&problem, &result.archive)?,
        history: &result.history,
    };
    let folder = write_outputs(&problem, &output, &args.out, &formats, size)?;
    super::emit(global, &render(&problem, &output, &folder), &output)
}

/// Returns the front to report: the non-dominated plans among the archive (or, without
/// one, the final population's front) and the seed plans, thinned by crowding to the
/// population size.
///
/// The final population's first front can hold plans that an earlier generation's plans
/// dominate, which the archive prevents. NSGA-III's population can also lose a seed such as
/// the weighted optimum, so the feasible seeds are evaluated again and compete too.
fn reported_front(
    budget: &BudgetProblem<'_>,
    result: &nsga2::Nsga2Result,
    config: &Nsga2Config,
) -> Result<Vec<nsga2::Solution>> {
    let mut pool = if result.archive.is_empty() {
        result.front.clone()
    } else {
        result.archive.clone()
    };
    if !config.initial.is_empty() {
        let seeds = ndarray::Array2::from_shape_fn(
            (config.initial.len(), budget.n_var()),
            |(row, column)| config.initial[row][column],
        );
        let evaluation = budget
            .evaluate(seeds.view())
            .map_err(|error| anyhow::anyhow!("evaluating the seed plans failed: {error}"))?;
        for (row, x) in config.initial.iter().enumerate() {
            let objectives = evaluation.objectives.row(row).to_vec();
            let feasible = evaluation.violation[row] == 0.0;
            if feasible && objectives.iter().all(|value| value.is_finite()) {
                pool.push(nsga2::Solution {
                    x: x.clone(),
                    objectives,
                    violation: 0.0,
                });
            }
        }
    }
    let objectives: Vec<Vec<f64>> = pool.iter().map(|s| s.objectives.clone()).collect();
    let mut order = nsga2::ranking::first_front(&objectives, &vec![0.0; pool.len()]);
    order.sort_by(|&a, &b| {
        let pairs = objectives[a].iter().zip(&objectives[b]);
        pairs
            .map(|(x, y)| x.total_cmp(y))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    order.dedup_by(|later, earlier| objectives[*later] == objectives[*earlier]);
    let front: Vec<nsga2::Solution> = order.into_iter().map(|i| pool[i].clone()).collect();
    Ok(nsga2::thin_by_crowding(&front, config.population))
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
        // The reported front comes from the archive, so the convergence chart and the
        // stagnation rule measure the archive too.
        archive_hypervolume: true,
        ..Nsga2Config::default()
    }
}

/// Returns a flag that SIGINT and SIGTERM set, so a search with a checkpoint can save its
/// state and stop between two generations. Without a checkpoint the signals keep their
/// default action and end the process at once.
fn stop_on_signal() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let installed = ctrlc::set_handler(|| STOP.store(true, AtomicOrdering::SeqCst));
        if let Err(error) = installed {
            tracing::warn!(%error, "cannot catch interrupts, so an interrupted search loses the state since its last checkpoint");
        }
    });
    &STOP
}

/// Rejects a checkpoint path whose folder is missing or that names a folder, before the
/// search spends any time.
fn check_checkpoint_path(path: &Path) -> Result<()> {
    let input = |message: String| -> anyhow::Error { super::InputError(message).into() };
    if path.is_dir() {
        return Err(input(format!(
            "--checkpoint {} is a folder; name a file, such as {}",
            path.display(),
            path.join("search.ckpt").display()
        )));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(input(format!(
            "--checkpoint {}: the folder {} does not exist; create it or choose another path",
            path.display(),
            parent.display()
        )));
    }
    let probe = parent.join(format!(".atlas-checkpoint-probe.{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(error) => Err(input(format!(
            "--checkpoint {}: cannot write in the folder {} ({error}); choose a writable folder",
            path.display(),
            parent.display()
        ))),
    }
}

/// Hashes the parts of a scenario that define the search's problem with 64-bit FNV-1a over
/// their debug text, so a checkpoint cannot resume on another scenario.
fn problem_fingerprint(problem: &Problem) -> String {
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        problem.model,
        problem.space,
        problem.layout,
        problem.constraints,
        problem.objectives,
        problem.current
    );
    atlas_moo::request::fnv1a_hex(&text)
}

/// Writes front.json, front.csv, archive.csv and the charts through a staging folder.
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
    if output.archive_kept {
        stage.write(
            "archive.csv",
            csv_text(problem, &output.archive)?.as_bytes(),
        )?;
    }
    let charts = FrontCharts {
        scenario: problem.name.clone(),
        objective_labels: objective_labels(problem),
        points: output
            .members
            .iter()
            .map(|m| m.objectives.clone())
            .collect(),
        current: output.current.objectives.clone(),
        chosen: output.chosen.objectives.clone(),
        knee: output.members[output.knee].objectives.clone(),
        history: output
            .history
            .iter()
            .map(|report| (report.generation, report.hypervolume))
            .collect(),
    };
    draw_front_charts(&stage, &charts, formats, size)?;
    stage.commit()
}

/// Data of the front charts in natural units, from a search or read back from front.json.
pub struct FrontCharts {
    /// Scenario name, for the titles.
    pub scenario: String,
    /// One label per objective, with its sense.
    pub objective_labels: Vec<String>,
    /// The front's plans, one objective vector each.
    pub points: Vec<Vec<f64>>,
    /// The current plan's objectives.
    pub current: Vec<f64>,
    /// The weighted optimum's objectives.
    pub chosen: Vec<f64>,
    /// The knee plan's objectives.
    pub knee: Vec<f64>,
    /// Generation and hypervolume of each generation.
    pub history: Vec<(usize, Option<f64>)>,
}

/// Draws pareto, parallel and (when any hypervolume was measured) convergence charts into
/// `stage`, in every requested format.
pub fn draw_front_charts(
    stage: &StagedDir,
    charts: &FrontCharts,
    formats: &[ImageFormat],
    size: ChartSize,
) -> Result<()> {
    let front = FrontChart {
        title: format!("{}: Pareto front", charts.scenario),
        objective_labels: charts.objective_labels.clone(),
        points: charts.points.clone(),
        current: Some(charts.current.clone()),
        chosen: Some(charts.chosen.clone()),
        knee: Some(charts.knee.clone()),
    };
    let parallel = ParallelChart {
        title: format!("{}: Pareto front, parallel coordinates", charts.scenario),
        ..front.clone()
    };
    let measured = charts.history.iter().any(|(_, value)| value.is_some());
    let convergence = ConvergenceChart {
        title: format!("{}: search progress", charts.scenario),
        generations: charts
            .history
            .iter()
            .map(|(generation, _)| *generation)
            .collect(),
        hypervolume: charts.history.iter().map(|(_, value)| *value).collect(),
    };
    for &format in formats {
        let extension = format.extension();
        render_front(
            &front,
            &stage.path(&format!("pareto.{extension}")),
            format,
            size,
        )?;
        let path = stage.path(&format!("parallel.{extension}"));
        render_parallel(&parallel, &path, format, size)?;
        if measured {
            let path = stage.path(&format!("convergence.{extension}"));
            render_convergence(&convergence, &path, format, size)?;
        }
    }
    Ok(())
}

/// Returns the position of the front's knee point.
fn knee_index(front: &[nsga2::Solution]) -> Result<usize> {
    let points: Vec<Vec<f64>> = front.iter().map(|s| s.objectives.clone()).collect();
    if points.is_empty() {
        return Ok(0);
    }
    Ok(atlas_moo::indicators::knee_point(&points)?)
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
    let mut table = Table::new([
        "objective",
        "current",
        "front min",
        "front max",
        "chosen",
        "knee",
    ]);
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
            kpi(output.members[output.knee].objectives[j]),
        ]);
    }
    let generations = match output.generations {
        1 => "1 generation".to_string(),
        count => format!("{count} generations"),
    };
    let archive = if output.archive_kept {
        format!("archive: {} plans in archive.csv", output.archive_size)
    } else {
        "no archive beyond three objectives".to_string()
    };
    format!(
        "Scenario: {}\n{}: population {}, {generations}, seed {}, {} evaluations, stopped: {}\n\
         Front: {} plans, every one satisfying every constraint; {archive}\n\n{}\n\
         chosen = the weighted optimum at the scenario's weights; knee = the front plan \
         farthest inside the plane through the front's extreme plans, objectives scaled to 0-1\n\
         Wrote the results and pareto charts to {}\n",
        problem.name,
        match output.algorithm {
            Algorithm::Nsga3 => "NSGA-III",
            _ => "NSGA-II",
        },
        output.population,
        output.seed,
        number(output.evaluations as f64, 0),
        output.termination_reason,
        output.members.len(),
        table.render(),
        folder.display()
    )
}
