//! The steps of one NSGA-II run: initialization, evaluation, offspring and survival.
//!
//! Every random choice comes from a stream derived from `(seed, generation, index)`. Every
//! parallel step collects its results in input order. A run is therefore bit-identical for
//! any rayon thread count and batch size, provided the problem evaluates each row
//! independently of the others in its batch.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use ndarray::Array2;
use rand::RngExt;
use rayon::prelude::*;
use tracing::warn;

use super::config::Nsga2Config;
use super::operators::{binary_tournament, polynomial_mutation, sbx_crossover, stream_rng, Bounds};
use super::ranking::{
    crowded_comparison, crowding_distance, non_dominated_sort, sanitize_violation,
};
use super::{Nsga2Error, Solution};
use crate::nsga3::{self, Normalization, Nsga3Error};
use crate::{Evaluation, Problem};
use atlas_core::solve::splitmix64;
use rand_chacha::ChaCha8Rng;

/// Number of times an offspring that duplicates an earlier candidate is drawn again before
/// the duplicate is kept. pymoo's mating loop gives up after 100 rounds for a whole batch.
const MAX_REDRAWS: u64 = 20;

/// Evaluated candidates, one entry per candidate in each vector.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Population {
    pub candidates: Vec<Vec<f64>>,
    pub objectives: Vec<Vec<f64>>,
    /// Sanitized violations. A NaN or negative violation, or a NaN or infinite objective,
    /// became +inf.
    pub violations: Vec<f64>,
    /// Number of candidates whose results were NaN or infinite, or whose violation was
    /// negative, in the batch that created this population. Not carried by `append`.
    #[serde(default)]
    pub invalid: usize,
}

impl Population {
    fn len(&self) -> usize {
        self.candidates.len()
    }

    fn append(&mut self, other: Population) {
        self.candidates.extend(other.candidates);
        self.objectives.extend(other.objectives);
        self.violations.extend(other.violations);
    }
}

/// A population after survival, with each member's front rank and crowding distance.
///
/// NSGA-III survivors carry crowding distance 0, and its tournament looks at feasibility
/// only (see [`Ranked::beats`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Ranked {
    pub population: Population,
    pub rank: Vec<usize>,
    pub crowding: Vec<f64>,
    /// Whether the tournament compares feasibility only, as NSGA-III's does.
    pub feasibility_tournament: bool,
}

impl Ranked {
    /// Returns whether member `a` beats member `b` in a binary tournament.
    ///
    /// NSGA-II uses the crowded comparison: lower rank, then larger crowding distance.
    /// NSGA-III prefers a feasible member to an infeasible one and the smaller violation
    /// of two infeasible ones. Otherwise neither wins and the tournament draws a coin.
    fn beats(&self, a: usize, b: usize) -> bool {
        if self.feasibility_tournament {
            let violations = &self.population.violations;
            let (va, vb) = (violations[a], violations[b]);
            return va < vb;
        }
        let ordering = crowded_comparison(
            self.rank[a],
            self.crowding[a],
            self.rank[b],
            self.crowding[b],
        );
        ordering.is_lt()
    }

    pub fn solutions(&self) -> Vec<Solution> {
        let population = &self.population;
        (0..population.len())
            .map(|index| Solution {
                x: population.candidates[index].clone(),
                objectives: population.objectives[index].clone(),
                violation: population.violations[index],
            })
            .collect()
    }
}

/// A validated problem and configuration, with the values every step reuses.
pub(super) struct Search<'a, P: Problem + ?Sized> {
    problem: &'a P,
    config: &'a Nsga2Config,
    mutation_probability: f64,
    /// Whether offspring creation and evaluation run on the rayon pool. Results do not
    /// depend on it; see [`Search::calibrate`].
    parallel: AtomicBool,
    /// Whether the first evaluated batch has been timed.
    calibrated: AtomicBool,
}

/// Evaluation time per candidate below which offspring creation and evaluation run on the
/// calling thread: handing such small tasks to other threads costs more than
/// the tasks.
const SEQUENTIAL_SECONDS_PER_CANDIDATE: f64 = 2e-6;

impl<'a, P: Problem + ?Sized> Search<'a, P> {
    /// Wraps a problem and a configuration that `validate_for_problem` accepted.
    pub fn new(problem: &'a P, config: &'a Nsga2Config) -> Self {
        let mutation_probability = config.mutation_probability_for(problem.n_var());
        Self {
            problem,
            config,
            mutation_probability,
            parallel: AtomicBool::new(true),
            calibrated: AtomicBool::new(false),
        }
    }

    /// Runs later work on the calling thread when evaluating `candidates` candidates took
    /// less than 2 µs each. Every random stream is tied to its task and results are
    /// collected in input order, so this changes the speed and never the result.
    fn calibrate(&self, seconds: f64, candidates: usize) {
        let cheap = seconds < SEQUENTIAL_SECONDS_PER_CANDIDATE * candidates as f64;
        self.parallel.store(!cheap, AtomicOrdering::Relaxed);
    }

    fn parallel(&self) -> bool {
        self.parallel.load(AtomicOrdering::Relaxed)
    }

    fn bounds(&self) -> Bounds<'a> {
        Bounds {
            lower: self.problem.lower_bounds(),
            upper: self.problem.upper_bounds(),
        }
    }

    /// Returns the repaired first population: the seed candidates, then uniform random ones.
    ///
    /// Random candidate `i` draws from the stream `(seed, 0, i)`.
    pub fn initial_candidates(&self) -> Vec<Vec<f64>> {
        let bounds = self.bounds();
        let seeded = self.config.initial.len();
        let random = (seeded..self.config.population)
            .into_par_iter()
            .map(|index| {
                let mut rng = stream_rng(self.config.seed, 0, index as u64);
                let boxes = bounds.lower.iter().zip(bounds.upper);
                boxes
                    .map(|(&lower, &upper)| lower + rng.random::<f64>() * (upper - lower))
                    .collect::<Vec<f64>>()
            });
        let mut candidates: Vec<Vec<f64>> = self.config.initial.clone();
        candidates.par_extend(random);
        candidates
            .par_iter_mut()
            .for_each(|candidate| self.problem.repair(candidate));
        candidates
    }

    /// Creates one repaired offspring per population member.
    ///
    /// Pair `k` of generation `g` draws its tournaments, crossover and mutation from the
    /// stream `(seed, g, k)`. An odd population drops the last pair's second child. With
    /// duplicate elimination, a child equal bit for bit to a parent or to an earlier child
    /// is drawn again from the pair's stream `(seed, g, k + 2^32 · attempt)`, up to
    /// 20 times, and kept as it is after that.
    pub fn offspring(&self, parents: &Ranked, generation: usize) -> Vec<Vec<f64>> {
        let size = parents.population.len();
        let create = |pair| self.offspring_pair(parents, generation, pair, 0);
        let pairs: Vec<[Vec<f64>; 2]> = if self.parallel() {
            (0..size.div_ceil(2)).into_par_iter().map(create).collect()
        } else {
            (0..size.div_ceil(2)).map(create).collect()
        };
        let mut children: Vec<Vec<f64>> = pairs.into_iter().flatten().collect();
        children.truncate(size);
        if self.config.eliminate_duplicates {
            self.redraw_duplicates(parents, generation, &mut children);
        }
        children
    }

    /// Replaces children that repeat an earlier candidate, in child order, so the result
    /// does not depend on the thread count.
    ///
    /// Candidates are compared by a 64-bit fingerprint of their bit patterns. Two different
    /// candidates share one with probability about 2^-64, and the only effect would be a
    /// redrawn child.
    fn redraw_duplicates(&self, parents: &Ranked, generation: usize, children: &mut [Vec<f64>]) {
        let mut seen: HashSet<u64, BuildHasherDefault<FingerprintHasher>> = parents
            .population
            .candidates
            .iter()
            .map(|x| fingerprint(x))
            .collect();
        for (index, child) in children.iter_mut().enumerate() {
            let mut attempt = 0;
            while seen.contains(&fingerprint(child)) && attempt < MAX_REDRAWS {
                attempt += 1;
                let pair = self.offspring_pair(parents, generation, index / 2, attempt);
                let [first, second] = pair;
                *child = if index % 2 == 0 { first } else { second };
            }
            seen.insert(fingerprint(child));
        }
    }

    fn offspring_pair(
        &self,
        parents: &Ranked,
        generation: usize,
        pair: usize,
        attempt: u64,
    ) -> [Vec<f64>; 2] {
        let config = self.config;
        let bounds = self.bounds();
        let size = parents.population.len();
        let stream = pair as u64 | (attempt << 32);
        let mut rng = stream_rng(config.seed, generation as u64, stream);
        let first_parent = binary_tournament(&mut rng, size, |a, b| parents.beats(a, b));
        let second_parent = binary_tournament(&mut rng, size, |a, b| parents.beats(a, b));
        let mut first = parents.population.candidates[first_parent].clone();
        let mut second = parents.population.candidates[second_parent].clone();
        let (probability, eta) = (config.crossover_probability, config.crossover_eta);
        sbx_crossover(&mut rng, &mut first, &mut second, bounds, probability, eta);
        for child in [&mut first, &mut second] {
            polynomial_mutation(
                &mut rng,
                child,
                bounds,
                self.mutation_probability,
                config.mutation_eta,
            );
            self.problem.repair(child);
        }
        [first, second]
    }

    /// Evaluates candidates in parallel batches of `batch_size` and sanitizes the results.
    ///
    /// # Errors
    ///
    /// Returns the first failing batch's error, in batch order, with the generation, or an
    /// error when a batch's evaluation has the wrong shape.
    pub fn evaluate(
        &self,
        candidates: Vec<Vec<f64>>,
        generation: usize,
    ) -> Result<Population, Nsga2Error> {
        let batch_size = self.config.batch_size.max(1);
        let n_var = self.problem.n_var();
        let evaluate =
            |batch: &[Vec<f64>]| self.problem.evaluate(batch_matrix(batch, n_var).view());
        let mut results = Vec::with_capacity(candidates.len().div_ceil(batch_size));
        let mut rest = candidates.as_slice();
        if !self.calibrated.swap(true, AtomicOrdering::Relaxed) {
            // The first batch runs on this thread and is timed, to choose the mode.
            let first = &candidates[..batch_size.min(candidates.len())];
            let started = std::time::Instant::now();
            results.push(evaluate(first));
            self.calibrate(started.elapsed().as_secs_f64(), first.len());
            rest = &candidates[first.len()..];
        }
        if self.parallel() {
            results.par_extend(rest.par_chunks(batch_size).map(evaluate));
        } else {
            results.extend(rest.chunks(batch_size).map(evaluate));
        }
        let mut population = Population::default();
        for (batch, result) in candidates.chunks(batch_size).zip(results) {
            let evaluation = result.map_err(|error| Nsga2Error::Problem { generation, error })?;
            self.check_shape(&evaluation, batch.len(), generation)?;
            push_evaluated(&mut population, batch, &evaluation);
        }
        log_invalid(&mut population, &candidates, generation);
        Ok(population)
    }

    fn check_shape(
        &self,
        evaluation: &Evaluation,
        rows: usize,
        generation: usize,
    ) -> Result<(), Nsga2Error> {
        let shape = evaluation.objectives.dim();
        let n_obj = self.problem.n_obj();
        let violations = evaluation.violation.len();
        if shape == (rows, n_obj) && violations == rows {
            return Ok(());
        }
        Err(Nsga2Error::EvaluationShape {
            generation,
            expected_rows: rows,
            n_obj,
            rows: shape.0,
            columns: shape.1,
            violations,
        })
    }
}

/// Returns a fingerprint of a candidate's bit patterns: the multiply-rotate step of
/// rustc's FxHash over every value, finished by a SplitMix64 step so that every bit
/// depends on every value.
fn fingerprint(x: &[f64]) -> u64 {
    let folded = x.iter().fold(x.len() as u64, |hash, value| {
        (hash.rotate_left(5) ^ value.to_bits()).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    });
    splitmix64(folded)
}

/// Passes fingerprints, which are already mixed, through as their own hash.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Counts the candidates that sanitizing made infeasible and logs the first one's reason.
fn log_invalid(population: &mut Population, candidates: &[Vec<f64>], generation: usize) {
    let invalid: Vec<usize> = (0..population.len())
        .filter(|&index| population.violations[index] == f64::INFINITY)
        .collect();
    population.invalid = invalid.len();
    let Some(&first) = invalid.first() else {
        return;
    };
    let objectives = &population.objectives[first];
    let reason = match objectives.iter().position(|value| !value.is_finite()) {
        Some(objective) => format!("objective {objective} is {}", objectives[objective]),
        None => "the violation is NaN, negative or infinite".to_string(),
    };
    warn!(
        generation,
        count = invalid.len(),
        first_candidate = ?candidates[first],
        "{} candidates count as infeasible because their evaluation is invalid; first: {reason}",
        invalid.len()
    );
}

fn batch_matrix(batch: &[Vec<f64>], n_var: usize) -> Array2<f64> {
    Array2::from_shape_fn((batch.len(), n_var), |(row, column)| {
        batch[row].get(column).copied().unwrap_or(f64::NAN)
    })
}

fn push_evaluated(population: &mut Population, batch: &[Vec<f64>], evaluation: &Evaluation) {
    let rows = evaluation.objectives.rows().into_iter();
    for ((candidate, objectives), &violation) in batch.iter().zip(rows).zip(&evaluation.violation) {
        let objectives = objectives.to_vec();
        population
            .violations
            .push(sanitize_violation(&objectives, violation));
        population.objectives.push(objectives);
        population.candidates.push(candidate.clone());
    }
}

/// The survival step: which members of the merged population go on.
pub(super) enum Survival<'a> {
    /// NSGA-II: whole fronts in rank order, the last one cut by crowding distance.
    Crowding,
    /// NSGA-III: whole fronts in rank order, the last one cut by niching around reference
    /// directions.
    Reference {
        directions: &'a [Vec<f64>],
        normalization: &'a mut Normalization,
        rng: Box<ChaCha8Rng>,
    },
}

/// Merges parents and offspring and keeps the best `size` members; see
/// [`select_survivors`].
pub(super) fn merge_and_select(
    mut parents: Population,
    offspring: Population,
    size: usize,
    survival: &mut Survival<'_>,
) -> Result<Ranked, Nsga3Error> {
    parents.append(offspring);
    select_survivors(parents, size, survival)
}

/// Keeps the best `size` members of `population`.
///
/// Whole fronts are kept in order while they fit. With crowding survival, the front that
/// does not fit keeps its members with the largest crowding distance, ties broken by
/// index, and each survivor keeps the rank and crowding distance computed in the merged
/// population. With reference survival, NSGA-III's niching cuts that front and every
/// crowding distance is 0.
pub(super) fn select_survivors(
    population: Population,
    size: usize,
    survival: &mut Survival<'_>,
) -> Result<Ranked, Nsga3Error> {
    let fronts = non_dominated_sort(&population.objectives, &population.violations);
    match survival {
        Survival::Crowding => {
            let chosen = crowding_survivors(&population, &fronts, size);
            Ok(gather(population, &chosen))
        }
        Survival::Reference {
            directions,
            normalization,
            rng,
        } => {
            let mut rank = vec![0; population.len()];
            for (level, front) in fronts.iter().enumerate() {
                for &index in front {
                    rank[index] = level;
                }
            }
            let survivors = nsga3::select(
                &population.objectives,
                &population.violations,
                &fronts,
                size,
                directions,
                normalization,
                rng,
            )?;
            let chosen: Vec<(usize, usize, f64)> = survivors
                .into_iter()
                .map(|index| (index, rank[index], 0.0))
                .collect();
            let mut ranked = gather(population, &chosen);
            ranked.feasibility_tournament = true;
            Ok(ranked)
        }
    }
}

/// Returns `(index, rank, crowding distance)` of each survivor, in survivor order.
fn crowding_survivors(
    population: &Population,
    fronts: &[Vec<usize>],
    size: usize,
) -> Vec<(usize, usize, f64)> {
    let mut chosen: Vec<(usize, usize, f64)> = Vec::with_capacity(size);
    for (rank, front) in fronts.iter().enumerate() {
        if chosen.len() >= size {
            break;
        }
        let objectives: Vec<&[f64]> = front
            .iter()
            .map(|&i| population.objectives[i].as_slice())
            .collect();
        let mut members: Vec<(usize, f64)> = front
            .iter()
            .copied()
            .zip(crowding_distance(&objectives))
            .collect();
        let room = size - chosen.len();
        if members.len() > room {
            members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            members.truncate(room);
        }
        chosen.extend(
            members
                .into_iter()
                .map(|(index, crowding)| (index, rank, crowding)),
        );
    }
    chosen
}

/// Moves the chosen members out of `population`, which the caller no longer needs.
fn gather(mut population: Population, chosen: &[(usize, usize, f64)]) -> Ranked {
    let mut ranked = Ranked::default();
    for &(index, rank, crowding) in chosen {
        let candidate = std::mem::take(&mut population.candidates[index]);
        let objectives = std::mem::take(&mut population.objectives[index]);
        ranked.population.candidates.push(candidate);
        ranked.population.objectives.push(objectives);
        ranked
            .population
            .violations
            .push(population.violations[index]);
        ranked.rank.push(rank);
        ranked.crowding.push(crowding);
    }
    ranked
}
