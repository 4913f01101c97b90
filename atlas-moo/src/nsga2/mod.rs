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

mod archive;
mod checkpoint;
mod config;
pub mod operators;
mod progress;
pub mod ranking;
mod search;
#[cfg(test)]
mod tests;
mod thinning;

use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tracing::debug;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use config::{Algorithm, ConfigError, Nsga2Config, Stagnation, MIN_POPULATION};
pub use thinning::thin_by_crowding;

use crate::nsga3::{self, Normalization};
use crate::{Problem, ProblemError};
use archive::Archive;
use checkpoint::State;
use progress::{Progress, TRACKED_OBJECTIVES};
use search::{merge_and_select, select_survivors, Ranked, Search, Survival};

/// One member of a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
    /// Hypervolume of the population's feasible first front, or of the archive with
    /// [`Nsga2Config::archive_hypervolume`], in objectives scaled by the ideal and nadir
    /// points of the first such front of the run, with reference point 1.1 in each. `None` when no member is feasible, and for more than three
    /// objectives unless a stagnation rule needs it.
    pub hypervolume: Option<f64>,
    /// Number of this generation's offspring whose evaluation was NaN, infinite or had a
    /// negative violation, each counted as infeasible.
    pub invalid: usize,
}

/// Reason the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Termination {
    /// The configured number of generations ran.
    GenerationsReached,
    /// Another generation would have gone over `max_evaluations`.
    EvaluationLimit,
    /// `max_seconds` passed.
    TimeLimit,
    /// The caller asked the run to stop, through [`RunOptions::stop`].
    Interrupted,
    /// The first front's hypervolume stopped growing (see [`Stagnation`]).
    HypervolumeStagnation,
}

impl Termination {
    /// Returns a short phrase for reports.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::GenerationsReached => "generation limit reached",
            Self::EvaluationLimit => "evaluation limit reached",
            Self::TimeLimit => "time limit reached",
            Self::HypervolumeStagnation => "hypervolume stopped improving",
            Self::Interrupted => "interrupted",
        }
    }
}

/// Outcome of an NSGA-II or NSGA-III run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nsga2Result {
    /// Feasible, non-dominated members of the final population, sorted by the first
    /// objective, then the next. Of members with identical objective vectors, only the
    /// first in population order is kept. Empty when no member is feasible.
    pub front: Vec<Solution>,
    /// Every feasible point evaluated during the run that no other evaluated feasible
    /// point dominates, one per objective vector, sorted like `front`. Empty when the
    /// archive is off.
    pub archive: Vec<Solution>,
    /// The final population, ordered by front rank.
    pub population: Vec<Solution>,
    /// The survival step that ran, `Auto` resolved.
    pub algorithm: Algorithm,
    /// Number of generations that ran, counting those before a resumed checkpoint.
    pub generations: usize,
    /// Number of candidates evaluated, the initial population included.
    pub evaluations: usize,
    /// Number of evaluations counted as infeasible because they were NaN or infinite.
    pub invalid_evaluations: usize,
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
    /// NSGA-III's survival step rejected the population, for example a feasible member
    /// with a NaN objective or a checkpoint's normalization of another objective count.
    #[error("NSGA-III survival failed in generation {generation}: {error}")]
    Survival {
        /// Generation whose survival step failed. 0 is the initial population.
        generation: usize,
        /// The survival step's error.
        error: crate::nsga3::Nsga3Error,
    },
    /// Saving or restoring a checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// Observer that the search calls once per generation, for example to drive a progress bar.
pub type Observer<'a> = &'a (dyn Fn(&GenerationReport) + Sync);

/// Function that stores a checkpoint, for example [`Checkpoint::save`] to a fixed path.
pub type SaveCheckpoint<'a> = &'a (dyn Fn(&Checkpoint) -> Result<(), CheckpointError> + Sync);

/// Optional parts of a run: progress reports, checkpoints and a state to resume from.
#[derive(Default, Clone, Copy)]
pub struct RunOptions<'a> {
    /// Called on the calling thread after each generation.
    pub observer: Option<Observer<'a>>,
    /// Called every `checkpoint_every` generations and once when the run stops.
    pub save_checkpoint: Option<SaveCheckpoint<'a>>,
    /// Generations between two checkpoints; 0 saves only when the run stops.
    pub checkpoint_every: usize,
    /// A checkpoint to continue from instead of a new initial population.
    pub resume: Option<&'a Checkpoint>,
    /// The caller's description of the problem, such as a hash of its input file. It is
    /// stored in every checkpoint, and a resume with another context is rejected.
    pub context: &'a str,
    /// A flag that stops the run before the next generation once set, for example from a
    /// signal handler. The run then saves its checkpoint and returns with
    /// [`Termination::Interrupted`].
    pub stop: Option<&'a AtomicBool>,
}

/// Runs NSGA-II (or NSGA-III, see [`Algorithm`]) on `problem` and returns the final front,
/// the archive and the population.
///
/// Same as [`run_with`] with only an observer.
///
/// # Errors
///
/// See [`run_with`].
pub fn run<P: Problem + ?Sized>(
    problem: &P,
    config: &Nsga2Config,
    observer: Option<Observer<'_>>,
) -> Result<Nsga2Result, Nsga2Error> {
    let options = RunOptions {
        observer,
        ..RunOptions::default()
    };
    run_with(problem, config, options)
}

/// Runs the search with progress reports, checkpoints, or from a checkpoint.
///
/// Every candidate, seeded, random or offspring, passes through `Problem::repair` before
/// its evaluation. The same configuration gives bit-identical results for any rayon thread
/// count and batch size, provided the problem evaluates each row independently. A run
/// resumed from a checkpoint ends with the same result as the uninterrupted run, unless
/// `max_seconds` stops either of them.
///
/// # Errors
///
/// - [`Nsga2Error::Config`] when [`Nsga2Config::validate_for_problem`] rejects the
///   configuration or the problem.
/// - [`Nsga2Error::Problem`] when an evaluation fails.
/// - [`Nsga2Error::EvaluationShape`] when an evaluation has the wrong shape.
/// - [`Nsga2Error::Survival`] when NSGA-III's survival step rejects the population.
/// - [`Nsga2Error::Checkpoint`] when the checkpoint to resume from belongs to another
///   problem or settings, or saving a checkpoint fails.
pub fn run_with<P: Problem + ?Sized>(
    problem: &P,
    config: &Nsga2Config,
    options: RunOptions<'_>,
) -> Result<Nsga2Result, Nsga2Error> {
    config.validate_for_problem(problem)?;
    let started = Instant::now();
    let algorithm = config.algorithm.resolve(problem.n_obj());
    let directions = match algorithm {
        Algorithm::Nsga3 => reference_directions(config, problem.n_obj())?,
        _ => Vec::new(),
    };
    let search = Search::new(problem, config);
    let keep_archive = config.archive_for(problem.n_obj());
    let mut state = match options.resume {
        Some(checkpoint) => {
            checkpoint
                .clone()
                .restore(problem, config, algorithm, &directions, options.context)?
        }
        None => initial_state(&search, config, algorithm, &directions, keep_archive)?,
    };
    let elapsed_before = state.elapsed_seconds;
    let track = config.stagnation.is_some() || problem.n_obj() <= TRACKED_OBJECTIVES;
    let save = |state: &State| -> Result<(), Nsga2Error> {
        if let Some(save) = options.save_checkpoint {
            let checkpoint = Checkpoint::capture(
                problem,
                config,
                algorithm,
                &directions,
                options.context,
                state,
            );
            save(&checkpoint).map_err(|error| CheckpointError::Save {
                generation: state.generation,
                message: error.to_string(),
            })?;
        }
        Ok(())
    };
    let mut saved_at = None;
    let termination = loop {
        if let Some(reason) = stop_reason(config, &state) {
            break reason;
        }
        if options
            .stop
            .is_some_and(|stop| stop.load(AtomicOrdering::SeqCst))
        {
            break Termination::Interrupted;
        }
        let generation = state.generation + 1;
        let offspring =
            search.evaluate(search.offspring(&state.parents, generation), generation)?;
        state.evaluations += offspring.candidates.len();
        state.invalid += offspring.invalid;
        let invalid = offspring.invalid;
        if keep_archive {
            state.archive.insert(&offspring);
        }
        let parents = std::mem::take(&mut state.parents).population;
        let mut survival = survival(
            algorithm,
            &directions,
            &mut state.normalization,
            config,
            generation,
        );
        state.parents = merge_and_select(parents, offspring, config.population, &mut survival)
            .map_err(|error| Nsga2Error::Survival { generation, error })?;
        state.generation = generation;
        state.elapsed_seconds = elapsed_before + started.elapsed().as_secs_f64();
        let hypervolume = if !track {
            None
        } else if keep_archive && config.archive_hypervolume {
            state.archive.compact();
            state.progress.record(&state.archive.objectives())
        } else {
            state
                .progress
                .record(&first_front_objectives(&state.parents))
        };
        let report = GenerationReport {
            generation,
            evaluations: state.evaluations,
            first_front_size: state.parents.rank.iter().filter(|&&rank| rank == 0).count(),
            feasible: state
                .parents
                .population
                .violations
                .iter()
                .filter(|&&v| v == 0.0)
                .count(),
            hypervolume,
            invalid,
        };
        debug!(?report, "generation finished");
        if let Some(observer) = options.observer {
            observer(&report);
        }
        state.history.push(report);
        if options.checkpoint_every > 0 && generation % options.checkpoint_every == 0 {
            save(&state)?;
            saved_at = Some(generation);
        }
    };
    if saved_at != Some(state.generation) {
        save(&state)?;
    }
    let population = state.parents.solutions();
    Ok(Nsga2Result {
        front: feasible_front(&population),
        archive: state.archive.sorted(),
        population,
        algorithm,
        generations: state.generation,
        evaluations: state.evaluations,
        invalid_evaluations: state.invalid,
        termination,
        history: state.history,
    })
}

/// Returns NSGA-III's reference directions: the configured ones, or the default lattice.
fn reference_directions(config: &Nsga2Config, n_obj: usize) -> Result<Vec<Vec<f64>>, ConfigError> {
    match &config.reference_directions {
        Some(directions) => Ok(directions.clone()),
        None => nsga3::default_directions(n_obj, config.population)
            .map_err(|error| ConfigError::Directions(error.to_string())),
    }
}

/// Evaluates the initial population and returns the state before the first generation.
fn initial_state<P: Problem + ?Sized>(
    search: &Search<'_, P>,
    config: &Nsga2Config,
    algorithm: Algorithm,
    directions: &[Vec<f64>],
    keep_archive: bool,
) -> Result<State, Nsga2Error> {
    let initial = search.evaluate(search.initial_candidates(), 0)?;
    let mut archive = Archive::default();
    if keep_archive {
        archive.insert(&initial);
    }
    let (evaluations, invalid) = (initial.candidates.len(), initial.invalid);
    let mut normalization = Normalization::default();
    let mut survival = survival(algorithm, directions, &mut normalization, config, 0);
    let parents = select_survivors(initial, config.population, &mut survival).map_err(|error| {
        Nsga2Error::Survival {
            generation: 0,
            error,
        }
    })?;
    Ok(State {
        generation: 0,
        evaluations,
        elapsed_seconds: 0.0,
        invalid,
        parents,
        archive,
        progress: Progress::default(),
        normalization,
        history: Vec::new(),
    })
}

/// Returns the survival step of one generation. NSGA-III's niching draws its ties from the
/// stream `(seed, generation, 2^63)`, which no offspring stream uses.
fn survival<'a>(
    algorithm: Algorithm,
    directions: &'a [Vec<f64>],
    normalization: &'a mut Normalization,
    config: &Nsga2Config,
    generation: usize,
) -> Survival<'a> {
    match algorithm {
        Algorithm::Nsga3 => Survival::Reference {
            directions,
            normalization,
            rng: Box::new(operators::stream_rng(
                config.seed,
                generation as u64,
                1 << 63,
            )),
        },
        _ => Survival::Crowding,
    }
}

/// Returns the reason to stop before the next generation, if there is one.
fn stop_reason(config: &Nsga2Config, state: &State) -> Option<Termination> {
    if state.generation >= config.generations {
        return Some(Termination::GenerationsReached);
    }
    if let Some(limit) = config.max_evaluations {
        if state.evaluations + config.population > limit {
            return Some(Termination::EvaluationLimit);
        }
    }
    if let Some(limit) = config.max_seconds {
        if state.generation > 0 && state.elapsed_seconds >= limit {
            return Some(Termination::TimeLimit);
        }
    }
    if let Some(stagnation) = config.stagnation {
        if state.progress.stagnated(stagnation) {
            return Some(Termination::HypervolumeStagnation);
        }
    }
    None
}

/// Returns the objective vectors of the feasible members of the first front.
fn first_front_objectives(parents: &Ranked) -> Vec<Vec<f64>> {
    let population = &parents.population;
    (0..population.objectives.len())
        .filter(|&index| parents.rank[index] == 0 && population.violations[index] == 0.0)
        .map(|index| population.objectives[index].clone())
        .collect()
}

/// Returns the feasible non-dominated members, sorted and without duplicate objectives.
fn feasible_front(population: &[Solution]) -> Vec<Solution> {
    let feasible: Vec<&Solution> = population.iter().filter(|s| s.violation == 0.0).collect();
    let objectives: Vec<Vec<f64>> = feasible.iter().map(|s| s.objectives.clone()).collect();
    let violations = vec![0.0; feasible.len()];
    let first = ranking::first_front(&objectives, &violations);
    let mut front: Vec<Solution> = first.iter().map(|&index| feasible[index].clone()).collect();
    front.sort_by(|a, b| compare_lexicographic(&a.objectives, &b.objectives));
    front.dedup_by(|later, earlier| later.objectives == earlier.objectives);
    front
}

pub(crate) fn compare_lexicographic(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|ordering| ordering.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}
