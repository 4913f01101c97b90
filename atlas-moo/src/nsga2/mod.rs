//! NSGA-II, the elitist multi-objective genetic algorithm of Deb, Pratap, Agarwal and
//! Meyarivan (IEEE Trans. Evol. Comput. 6(2), 2002).
//!
//! Each generation selects parents by binary tournament on front rank and crowding
//! distance, recombines them with bounded SBX, mutates the children with bounded polynomial
//! mutation, repairs and evaluates them, and keeps the best members of parents and
//! offspring together. Constraints use Deb's constrained domination: a feasible candidate
//! beats an infeasible one, and infeasible candidates compare by total violation.
//!
//! The tournament uses the paper's crowded comparison (rank, then crowding distance).
//! Deb's reference C code instead compares the two members by constrained domination
//! before crowding distance, so its runs differ in detail.
//!
//! ```
//! use atlas_moo::nsga2::{run, Nsga2Config};
//! use atlas_moo::test_problems::Zdt1;
//!
//! let problem = Zdt1::new(10)?;
//! let config = Nsga2Config { population: 20, generations: 10, seed: 1, ..Nsga2Config::default() };
//! let result = run(&problem, &config, None)?;
//! assert_eq!(result.evaluations, 20 * 11);
//! assert!(!result.front.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
pub mod operators;
pub mod ranking;
mod search;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use serde::Serialize;
use tracing::debug;

pub use config::{ConfigError, Nsga2Config, MIN_POPULATION};

use crate::{Problem, ProblemError};
use search::{merge_and_select, select_survivors, Ranked, Search};

/// One member of a population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    /// Decision variables, after `Problem::repair`.
    pub x: Vec<f64>,
    /// Objective values as the problem returned them, all minimized.
    pub objectives: Vec<f64>,
    /// Total constraint violation: 0 when feasible. A NaN or negative violation, or a NaN
    /// or infinite objective, is stored as +inf, which `serde_json` writes as `null`.
    pub violation: f64,
}

/// Progress after one generation's survival step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GenerationReport {
    /// Generation number, from 1 to `Nsga2Config::generations`.
    pub generation: usize,
    /// Number of candidates evaluated so far, the initial population included.
    pub evaluations: usize,
    /// Number of population members in the first front. It counts infeasible members only
    /// when no member is feasible.
    pub first_front_size: usize,
    /// Number of feasible population members.
    pub feasible: usize,
}

/// Reason the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Termination {
    /// The configured number of generations ran.
    GenerationsReached,
}

/// Outcome of an NSGA-II run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nsga2Result {
    /// Feasible, non-dominated members of the final population, sorted by the first
    /// objective, then the next. Of members with identical objective vectors, only the
    /// first in population order is kept. Empty when no member is feasible.
    pub front: Vec<Solution>,
    /// The final population, ordered by front rank.
    pub population: Vec<Solution>,
    /// Number of generations that ran.
    pub generations: usize,
    /// Number of candidates evaluated, the initial population included.
    pub evaluations: usize,
    /// Reason the search stopped.
    pub termination: Termination,
    /// One report per generation, in order.
    pub history: Vec<GenerationReport>,
}

/// Failure of an NSGA-II run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Nsga2Error {
    /// The configuration or the problem's dimensions or bounds are invalid.
    #[error("invalid NSGA-II configuration: {0}")]
    Config(#[from] ConfigError),
    /// The problem's `evaluate` returned an error.
    #[error("problem evaluation failed in generation {generation} (0 is the initial population): {error}")]
    Problem {
        /// Generation whose evaluation failed. 0 is the initial population.
        generation: usize,
        /// The problem's error.
        error: ProblemError,
    },
    /// The problem's `evaluate` returned the wrong number of rows, objectives or violations.
    #[error(
        "the problem's evaluate returned {rows}x{columns} objectives and {violations} violations \
         in generation {generation} for a batch of {expected_rows} candidates and {n_obj} \
         objectives; return one row of n_obj objectives and one violation per candidate"
    )]
    EvaluationShape {
        /// Generation whose evaluation failed. 0 is the initial population.
        generation: usize,
        /// Number of candidates in the batch.
        expected_rows: usize,
        /// Number of objectives the problem declares.
        n_obj: usize,
        /// Rows of the returned objective matrix.
        rows: usize,
        /// Columns of the returned objective matrix.
        columns: usize,
        /// Length of the returned violation vector.
        violations: usize,
    },
}

/// Observer that the search calls once per generation, for example to drive a progress bar.
pub type Observer<'a> = &'a (dyn Fn(&GenerationReport) + Sync);

/// Runs NSGA-II on `problem` and returns the final front and population.
///
/// Every candidate, seeded, random or offspring, passes through `Problem::repair` before
/// its evaluation. `observer`, if given, is called on the calling thread after each
/// generation. The same configuration gives bit-identical results for any rayon thread
/// count and batch size, provided the problem evaluates each row independently.
///
/// # Errors
///
/// Returns [`Nsga2Error::Config`] when [`Nsga2Config::validate_for_problem`] rejects the
/// configuration or the problem, [`Nsga2Error::Problem`] when an evaluation fails, and
/// [`Nsga2Error::EvaluationShape`] when an evaluation has the wrong shape.
pub fn run<P: Problem + ?Sized>(
    problem: &P,
    config: &Nsga2Config,
    observer: Option<Observer<'_>>,
) -> Result<Nsga2Result, Nsga2Error> {
    config.validate_for_problem(problem)?;
    let search = Search::new(problem, config);
    let initial = search.evaluate(search.initial_candidates(), 0)?;
    let mut parents = select_survivors(&initial, config.population);
    let mut evaluations = initial.candidates.len();
    let mut history = Vec::with_capacity(config.generations.min(10_000));
    for generation in 1..=config.generations {
        let offspring = search.evaluate(search.offspring(&parents, generation), generation)?;
        evaluations += offspring.candidates.len();
        parents = merge_and_select(parents.population, offspring, config.population);
        let report = generation_report(&parents, generation, evaluations);
        debug!(?report, "NSGA-II generation finished");
        if let Some(observer) = observer {
            observer(&report);
        }
        history.push(report);
    }
    let population = parents.solutions();
    Ok(Nsga2Result {
        front: feasible_front(&population),
        population,
        generations: config.generations,
        evaluations,
        termination: Termination::GenerationsReached,
        history,
    })
}

fn generation_report(parents: &Ranked, generation: usize, evaluations: usize) -> GenerationReport {
    GenerationReport {
        generation,
        evaluations,
        first_front_size: parents.rank.iter().filter(|&&rank| rank == 0).count(),
        feasible: parents
            .population
            .violations
            .iter()
            .filter(|&&v| v == 0.0)
            .count(),
    }
}

/// Returns the feasible non-dominated members, sorted and without duplicate objectives.
fn feasible_front(population: &[Solution]) -> Vec<Solution> {
    let feasible: Vec<&Solution> = population.iter().filter(|s| s.violation == 0.0).collect();
    let objectives: Vec<Vec<f64>> = feasible.iter().map(|s| s.objectives.clone()).collect();
    let violations = vec![0.0; feasible.len()];
    let fronts = ranking::fast_non_dominated_sort(&objectives, &violations);
    let first = fronts.into_iter().next().unwrap_or_default();
    let mut front: Vec<Solution> = first.iter().map(|&index| feasible[index].clone()).collect();
    front.sort_by(|a, b| compare_lexicographic(&a.objectives, &b.objectives));
    front.dedup_by(|later, earlier| later.objectives == earlier.objectives);
    front
}

fn compare_lexicographic(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|ordering| ordering.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}
