//! `atlas test-problem`: NSGA-II or NSGA-III on a problem with a known front, so users can
//! check search settings before trusting them on a scenario.

use std::time::Instant;

use anyhow::Result;
use atlas_moo::indicators::{hypervolume, igd, igd_plus};
use atlas_moo::nsga2::{self, Algorithm, Nsga2Config, Termination};
use atlas_moo::test_problems::by_name;
use clap::Args;
use serde::Serialize;

use crate::table::{number, Table};
use crate::Global;

/// Arguments of `atlas test-problem`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TestProblemArgs {
    /// Problem name: zdt1, zdt2, zdt3, zdt4, zdt6, dtlz1, dtlz2, dtlz3, dtlz4 or dtlz7.
    #[arg(value_name = "NAME")]
    name: String,
    /// Number of decision variables (default: the problem's standard setting).
    #[arg(long, value_name = "N")]
    n_var: Option<usize>,
    /// Number of objectives of a DTLZ problem (default 3); ZDT problems have 2.
    #[arg(long, value_name = "M")]
    n_obj: Option<usize>,
    /// Population size.
    #[arg(long, value_name = "N", default_value_t = 100)]
    population: usize,
    /// Generations after the initial population.
    #[arg(long, value_name = "N", default_value_t = 250)]
    generations: usize,
    /// Seeds to run, comma-separated; the report gives each run and the median.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "1,2,3,4,5"
    )]
    seeds: Vec<u64>,
    /// Survival step: nsga2, nsga3, or auto (nsga3 from four objectives on).
    #[arg(long, value_name = "NAME", default_value = "auto")]
    algorithm: String,
    /// Probability that SBX recombines a pair of parents.
    #[arg(long, value_name = "P", default_value_t = 0.9)]
    crossover_probability: f64,
    /// SBX distribution index.
    #[arg(long, value_name = "ETA", default_value_t = 15.0)]
    crossover_eta: f64,
    /// Polynomial mutation distribution index.
    #[arg(long, value_name = "ETA", default_value_t = 20.0)]
    mutation_eta: f64,
    /// Probability that mutation changes one variable (default: 1 / number of variables).
    #[arg(long, value_name = "P")]
    mutation_probability: Option<f64>,
    /// Number of points sampled from the true front for IGD and IGD+. Lattice fronts (DTLZ1 to
    /// DTLZ4) and DTLZ7's grid take the largest sample that fits, which can be smaller; the
    /// report gives the count used.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    front_points: usize,
}

/// One seed's run.
#[derive(Debug, Serialize)]
struct RunReport {
    seed: u64,
    hypervolume: f64,
    igd: f64,
    igd_plus: f64,
    front_size: usize,
    generations: usize,
    evaluations: usize,
    termination: Termination,
    /// Wall-clock seconds of the search alone, without building the problem or scoring.
    seconds: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    schema_version: u32,
    command: &'static str,
    problem: &'static str,
    n_var: usize,
    n_obj: usize,
    algorithm: Algorithm,
    population: usize,
    generations: usize,
    crossover_probability: f64,
    crossover_eta: f64,
    mutation_eta: f64,
    mutation_probability: f64,
    /// Reference point of every hypervolume in the report.
    reference: Vec<f64>,
    /// Hypervolume of the analytic front, where it is known exactly.
    true_front_hypervolume: Option<f64>,
    /// Number of true-front points behind IGD and IGD+.
    front_points: usize,
    runs: Vec<RunReport>,
    median_hypervolume: f64,
    median_igd: f64,
    median_seconds: f64,
}

/// Runs the search once per seed and scores each final front against the true front.
pub fn run(args: &TestProblemArgs, global: Global) -> Result<()> {
    let problem = by_name(&args.name, args.n_var, args.n_obj)
        .map_err(|error| super::InputError(with_flag_names(&error.to_string())))?;
    if args.seeds.is_empty() {
        return Err(super::InputError("--seeds is empty; give one seed or more".into()).into());
    }
    let true_front = problem
        .front_sample(args.front_points)
        .map_err(|error| super::InputError(format!("--front-points: {error}")))?;
    let algorithm: Algorithm = args
        .algorithm
        .parse()
        .map_err(|message: String| super::InputError(format!("--algorithm: {message}")))?;
    let reference = problem.hypervolume_reference();
    let mut runs = Vec::with_capacity(args.seeds.len());
    let mut resolved = algorithm.resolve(problem.n_obj());
    for &seed in &args.seeds {
        let config = Nsga2Config {
            population: args.population,
            generations: args.generations,
            crossover_probability: args.crossover_probability,
            crossover_eta: args.crossover_eta,
            mutation_eta: args.mutation_eta,
            mutation_probability: args.mutation_probability,
            algorithm,
            seed,
            ..Nsga2Config::default()
        };
        let started = Instant::now();
        let result = nsga2::run(problem.as_ref(), &config, None).map_err(|error| match error {
            nsga2::Nsga2Error::Config(config) => {
                super::InputError(with_flag_names(&config.to_string())).into()
            }
            other => anyhow::Error::new(other),
        })?;
        let seconds = started.elapsed().as_secs_f64();
        resolved = result.algorithm;
        runs.push(score(&result, &true_front, &reference, seed, seconds)?);
    }
    let report = Report {
        schema_version: super::SCHEMA_VERSION,
        command: "test-problem",
        problem: problem.name(),
        n_var: problem.n_var(),
        n_obj: problem.n_obj(),
        algorithm: resolved,
        population: args.population,
        generations: args.generations,
        crossover_probability: args.crossover_probability,
        crossover_eta: args.crossover_eta,
        mutation_eta: args.mutation_eta,
        mutation_probability: args
            .mutation_probability
            .unwrap_or(1.0 / problem.n_var() as f64),
        true_front_hypervolume: problem.known_hypervolume(),
        front_points: true_front.len(),
        median_hypervolume: median(runs.iter().map(|r| r.hypervolume)),
        median_igd: median(runs.iter().map(|r| r.igd)),
        median_seconds: median(runs.iter().map(|r| r.seconds)),
        reference,
        runs,
    };
    super::emit(global, &render(&report), &report)
}

/// Rewrites the library's setting names in `message` as the options that set them here.
fn with_flag_names(message: &str) -> String {
    const NAMES: [(&str, &str); 8] = [
        ("crossover_probability", "--crossover-probability"),
        ("crossover_eta", "--crossover-eta"),
        ("mutation_probability", "--mutation-probability"),
        ("mutation_eta", "--mutation-eta"),
        ("population", "--population"),
        ("generations", "--generations"),
        ("n_var", "--n-var"),
        ("n_obj", "--n-obj"),
    ];
    NAMES
        .iter()
        .fold(message.to_string(), |text, (name, flag)| {
            text.replace(name, flag)
        })
}

fn score(
    result: &nsga2::Nsga2Result,
    true_front: &[Vec<f64>],
    reference: &[f64],
    seed: u64,
    seconds: f64,
) -> Result<RunReport> {
    let front: Vec<Vec<f64>> = result.front.iter().map(|s| s.objectives.clone()).collect();
    let (igd_value, igd_plus_value) = if front.is_empty() {
        (f64::INFINITY, f64::INFINITY)
    } else {
        (igd(&front, true_front)?, igd_plus(&front, true_front)?)
    };
    Ok(RunReport {
        seed,
        hypervolume: hypervolume(&front, reference)?,
        igd: igd_value,
        igd_plus: igd_plus_value,
        front_size: front.len(),
        generations: result.generations,
        evaluations: result.evaluations,
        termination: result.termination,
        seconds,
    })
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.collect();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn render(report: &Report) -> String {
    let mut table = Table::new(["seed", "hypervolume", "IGD", "IGD+", "front", "seconds"]);
    for run in &report.runs {
        table.row([
            run.seed.to_string(),
            number(run.hypervolume, 5),
            number(run.igd, 5),
            number(run.igd_plus, 5),
            run.front_size.to_string(),
            number(run.seconds, 3),
        ]);
    }
    let truth = report
        .true_front_hypervolume
        .map_or_else(|| "not known".to_string(), |value| number(value, 5));
    format!(
        "Problem: {} ({} variables, {} objectives), {}\n\
         Population {}, {} generations, SBX p={} eta={}, mutation p={} eta={}\n\
         Reference point {:?}; true front hypervolume {truth}\n\n{}\n\
         median hypervolume {}, median IGD {}, median {} s\n",
        report.problem,
        report.n_var,
        report.n_obj,
        match report.algorithm {
            Algorithm::Nsga3 => "NSGA-III",
            _ => "NSGA-II",
        },
        report.population,
        report.generations,
        report.crossover_probability,
        report.crossover_eta,
        report.mutation_probability,
        report.mutation_eta,
        report.reference,
        table.render(),
        number(report.median_hypervolume, 5),
        number(report.median_igd, 5),
        number(report.median_seconds, 3),
    )
}
