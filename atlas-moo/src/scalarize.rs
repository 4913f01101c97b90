//! The weighted-sum scalarizer: one allocation per weight vector, with every objective
//! normalized between its ideal and nadir values so that a weight is a share of the trade-off.
//!
//! The ideal and nadir come from a payoff table: each objective is optimized alone (with a
//! tiny weight on the others, so the anchor is not dominated), and the nadir of an objective
//! is its worst value over those anchors. A normalized value is 1 at the ideal and 0 at the
//! nadir, whatever the objective's sense and units. Values worse than the nadir, such as the
//! current plan's, normalize below 0.

use atlas_core::error::CoreError;
use atlas_core::problem::Problem as DecisionProblem;
use atlas_core::solve::{
    maximize, LinearScalarization, Method, Scalarization, Scalarizer, SolveOptions, SolveOutcome,
    SolveStatus,
};
use ndarray::{ArrayView1, Axis};
use serde::Serialize;

/// Weight of the other objectives while one objective is optimized alone, relative to it.
const ANCHOR_TIE_BREAK: f64 = 1e-6;

/// Ideal and nadir of every objective, and the single-objective optima behind them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Normalization {
    /// Best value of each objective over the feasible set.
    pub ideal: Vec<f64>,
    /// Worst value of each objective over the single-objective optima.
    pub nadir: Vec<f64>,
    /// Divisor of each objective's normalization, usually `ideal - nadir`.
    ///
    /// Every anchor gives the same value for one objective, for objectives that do not
    /// conflict, and for a constant such as total spend under an exact budget. The divisor is
    /// then the ideal's magnitude (at least 1) with the objective's sign, so the objective
    /// still pulls towards its ideal.
    pub range: Vec<f64>,
    /// Spend of each single-objective optimum, in objective order.
    pub anchors: Vec<Vec<f64>>,
}

impl Normalization {
    /// Normalizes objective values: 1 at the ideal, 0 at the nadir.
    pub fn normalize(&self, values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .enumerate()
            .map(|(j, v)| 1.0 + (v - self.ideal[j]) / self.range[j])
            .collect()
    }
}

fn effective_range(ideal: f64, nadir: f64, sign: f64) -> f64 {
    let range = ideal - nadir;
    let scale = ideal.abs().max(nadir.abs()).max(1.0);
    if range.abs() > 1e-9 * scale {
        range
    } else {
        sign * scale
    }
}

/// The allocation that maximizes one weighted sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedSolution {
    /// Weights, summing to 1, in objective order.
    pub weights: Vec<f64>,
    /// Spend per channel.
    pub spend: Vec<f64>,
    /// Objective values in natural units.
    pub objectives: Vec<f64>,
    /// Objective values normalized between nadir (0) and ideal (1).
    pub normalized: Vec<f64>,
    /// The weighted sum of the normalized values.
    pub scalar: f64,
    /// Reason the solver stopped.
    pub status: SolveStatus,
    /// The solver that ran.
    pub method: Method,
    /// Reason that solver ran.
    pub choice: String,
    /// With the `exact` solver, how far below the certified bound this solution's scalar can
    /// be, in normalized units: no plan that meets the rules beats it by more.
    pub gap: Option<f64>,
    /// Model evaluations spent.
    pub evaluations: usize,
}

/// Optimizes a decision problem's objectives as a weighted sum of normalized values.
#[derive(Debug, Clone)]
pub struct MultiObjectiveOptimizer<'a> {
    problem: &'a DecisionProblem,
    weights: Vec<f64>,
    normalization: Normalization,
    /// The single-objective solves behind the normalization, with the coefficient each
    /// maximized its objective with.
    anchors: Vec<(SolveOutcome, f64)>,
}

impl<'a> MultiObjectiveOptimizer<'a> {
    /// Builds the optimizer with the problem's own weights and computes the payoff table.
    ///
    /// # Errors
    ///
    /// Returns the solver's error for an infeasible problem or a failing model.
    pub fn new(problem: &'a DecisionProblem) -> Result<Self, CoreError> {
        let (normalization, anchors) = payoff_table(problem)?;
        let weights = problem.objectives.iter().map(|o| o.weight).collect();
        Ok(Self {
            problem,
            weights,
            normalization,
            anchors,
        })
    }

    /// Replaces the weights; they are rescaled to sum to 1.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for the wrong number of weights, a negative or
    /// non-finite weight, or all weights 0.
    pub fn with_weights(mut self, weights: &[f64]) -> Result<Self, CoreError> {
        self.weights = check_weights(weights, self.problem.objectives.len())?;
        Ok(self)
    }

    /// Current weights, summing to 1.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Ideal, nadir and anchors.
    pub fn normalization(&self) -> &Normalization {
        &self.normalization
    }

    /// Returns the decision problem.
    pub fn problem(&self) -> &DecisionProblem {
        self.problem
    }

    /// Finds the allocation that maximizes the weighted sum at the current weights.
    ///
    /// # Errors
    ///
    /// Returns the solver's or the model's error.
    pub fn optimize(&self) -> Result<WeightedSolution, CoreError> {
        self.optimize_weights(&self.weights, &[])
    }

    /// Finds the allocation that maximizes the weighted sum at `weights` (already summing to 1),
    /// starting also from `warm_starts`.
    ///
    /// # Errors
    ///
    /// Returns the solver's or the model's error.
    pub fn optimize_weights(
        &self,
        weights: &[f64],
        warm_starts: &[Vec<f64>],
    ) -> Result<WeightedSolution, CoreError> {
        let mut options = SolveOptions::from_problem(self.problem);
        options.warm_starts = self.normalization.anchors.clone();
        options.warm_starts.extend_from_slice(warm_starts);
        let single = self.problem.objectives.len() == 1 && warm_starts.is_empty();
        let outcome = match self.problem.solver.scalarizer {
            // With one objective every scalarizer is a positive multiple of it, so the solve
            // behind the normalization is already the result. Its gap is rescaled to the
            // normalized units.
            _ if single => {
                let (anchor, coefficient) = &self.anchors[0];
                let mut outcome = anchor.clone();
                let ratio = (1.0 / self.normalization.range[0]) / coefficient;
                outcome.upper_bound = outcome
                    .upper_bound
                    .map(|bound| outcome.value + (bound - outcome.value) * ratio);
                outcome
            }
            Scalarizer::WeightedSum => {
                maximize(self.problem, &self.scalarization(weights), &options)?
            }
            Scalarizer::Chebyshev { augmentation } => {
                // A soft maximum first, for a smooth search from every start, then a sharp
                // one from its plan, which is within ln(m) / SHARP of the true maximum.
                let mut chebyshev = SmoothChebyshev {
                    weights: weights.to_vec(),
                    normalization: &self.normalization,
                    augmentation,
                    sharpness: SOFT,
                };
                let soft = maximize(self.problem, &chebyshev, &options)?;
                chebyshev.sharpness = SHARP;
                options.warm_starts = vec![soft.spend.clone()];
                options.starts = 1;
                let mut sharp = maximize(self.problem, &chebyshev, &options)?;
                sharp.evaluations += soft.evaluations;
                sharp
            }
        };
        let normalized = self.normalization.normalize(&outcome.objectives);
        // The normalization comes from the single-objective solves, so a limit that stopped
        // one of them shapes this solution too.
        let status = match outcome.status {
            SolveStatus::Converged => self
                .anchors
                .iter()
                .map(|(anchor, _)| anchor.status)
                .find(|status| *status != SolveStatus::Converged)
                .unwrap_or(SolveStatus::Converged),
            other => other,
        };
        Ok(WeightedSolution {
            weights: weights.to_vec(),
            scalar: self.scalar(weights, &normalized),
            method: outcome.method,
            choice: outcome.choice,
            gap: outcome.upper_bound.map(|bound| {
                // The solver's scalar is the weighted sum of natural values over each range.
                // It differs from the normalized sum by a constant, so the gap is the same.
                (bound - outcome.value).max(0.0)
            }),
            spend: outcome.spend,
            objectives: outcome.objectives,
            normalized,
            status,
            evaluations: outcome.evaluations,
        })
    }

    /// Computes the weighted sum of normalized values at `weights` of the plan `spend`.
    ///
    /// # Errors
    ///
    /// Returns the model's error.
    pub fn scalar_at(&self, weights: &[f64], spend: &[f64]) -> Result<f64, CoreError> {
        let batch = ArrayView1::from(spend).insert_axis(Axis(0));
        let values = self.problem.objective_values(batch)?.row(0).to_vec();
        Ok(self.scalar(weights, &self.normalization.normalize(&values)))
    }

    /// Returns the scenario's scalar of normalized values: the weighted sum, or the augmented
    /// Chebyshev value.
    pub fn scalar(&self, weights: &[f64], normalized: &[f64]) -> f64 {
        match self.problem.solver.scalarizer {
            Scalarizer::WeightedSum => weighted_sum(weights, normalized),
            Scalarizer::Chebyshev { augmentation } => chebyshev(weights, normalized, augmentation),
        }
    }

    fn scalarization(&self, weights: &[f64]) -> LinearScalarization {
        let coefficients = weights
            .iter()
            .zip(&self.normalization.range)
            .map(|(w, range)| w / range)
            .collect();
        LinearScalarization { coefficients }
    }
}

fn weighted_sum(weights: &[f64], values: &[f64]) -> f64 {
    weights.iter().zip(values).map(|(w, v)| w * v).sum()
}

/// Computes the augmented Chebyshev value of normalized values: minus the largest weighted shortfall
/// from the ideal (1), plus `augmentation` times the weighted sum. Larger is better.
pub fn chebyshev(weights: &[f64], normalized: &[f64], augmentation: f64) -> f64 {
    let worst = weights
        .iter()
        .zip(normalized)
        .map(|(w, n)| w * (1.0 - n))
        .fold(f64::NEG_INFINITY, f64::max);
    augmentation * weighted_sum(weights, normalized) - worst
}

/// Sharpness of the smooth maximum that replaces the Chebyshev maximum during a solve, in
/// normalized units: the smooth value exceeds the true one by at most `ln(m) / sharpness` for
/// `m` objectives. The first solve uses `SOFT` (0.0022 for three objectives) and the second,
/// from the first one's plan, `SHARP` (0.000022).
const SOFT: f64 = 500.0;
const SHARP: f64 = 50_000.0;

/// The augmented Chebyshev scalarizer with the maximum replaced by a log-sum-exp, so that a
/// gradient method can follow it; in natural units.
struct SmoothChebyshev<'a> {
    weights: Vec<f64>,
    normalization: &'a Normalization,
    augmentation: f64,
    sharpness: f64,
}

impl SmoothChebyshev<'_> {
    /// Weighted shortfalls from the ideal and their softmax shares.
    fn shortfalls(&self, values: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let normalized = self.normalization.normalize(values);
        let shortfalls: Vec<f64> = self
            .weights
            .iter()
            .zip(&normalized)
            .map(|(w, n)| w * (1.0 - n))
            .collect();
        let top = shortfalls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = shortfalls
            .iter()
            .map(|d| (self.sharpness * (d - top)).exp())
            .collect();
        let sum: f64 = exps.iter().sum();
        (shortfalls, exps.iter().map(|e| e / sum).collect())
    }
}

impl Scalarization for SmoothChebyshev<'_> {
    fn value(&self, values: &[f64]) -> f64 {
        let (shortfalls, _) = self.shortfalls(values);
        let top = shortfalls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let smooth_max = top
            + shortfalls
                .iter()
                .map(|d| (self.sharpness * (d - top)).exp())
                .sum::<f64>()
                .ln()
                / self.sharpness;
        let normalized = self.normalization.normalize(values);
        self.augmentation * weighted_sum(&self.weights, &normalized) - smooth_max
    }

    fn gradient(&self, values: &[f64]) -> Vec<f64> {
        let (_, shares) = self.shortfalls(values);
        // d(shortfall_j)/d(value_j) = -w_j / range_j, and d(normalized_j)/d(value_j) =
        // 1 / range_j.
        self.weights
            .iter()
            .zip(&shares)
            .zip(&self.normalization.range)
            .map(|((w, share), range)| (share + self.augmentation) * w / range)
            .collect()
    }
}

/// Checks a weight vector and rescales it to sum to 1.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] naming the weight and its value.
pub fn check_weights(weights: &[f64], objectives: usize) -> Result<Vec<f64>, CoreError> {
    if weights.len() != objectives {
        return Err(CoreError::invalid(
            "weights",
            format!(
                "{} weights given for {objectives} objectives: give one weight per objective",
                weights.len()
            ),
        ));
    }
    if let Some((index, weight)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(CoreError::invalid(
            format!("weights[{index}]"),
            format!("{weight} is invalid: use a finite number of at least 0"),
        ));
    }
    let sum: f64 = weights.iter().sum();
    if !sum.is_finite() {
        return Err(CoreError::invalid(
            "weights",
            format!("the weights add up to {sum}: use weights such as 0.5,0.3,0.2"),
        ));
    }
    if sum <= 0.0 {
        return Err(CoreError::invalid(
            "weights",
            "every weight is 0: give at least one objective a positive weight",
        ));
    }
    // Weights that already add up to 1 up to rounding, such as 0.2, 0.7 and 0.1, stay as
    // written: dividing by a sum of 0.9999999999999999 would print 0.20000000000000004.
    if (sum - 1.0).abs() <= 1e-12 {
        return Ok(weights.to_vec());
    }
    Ok(weights.iter().map(|w| w / sum).collect())
}

/// The normalization and, per objective, the solve that maximized it alone with its
/// coefficient.
type Payoff = (Normalization, Vec<(SolveOutcome, f64)>);

fn payoff_table(problem: &DecisionProblem) -> Result<Payoff, CoreError> {
    let current = ArrayView1::from(&problem.current[..]).insert_axis(Axis(0));
    let scales: Vec<f64> = problem
        .objective_values(current)?
        .row(0)
        .iter()
        .map(|v| v.abs().max(1.0))
        .collect();
    let count = problem.objectives.len();
    let mut anchors = Vec::with_capacity(count);
    let mut table = Vec::with_capacity(count);
    let mut solves = Vec::with_capacity(count);
    for j in 0..count {
        let coefficients: Vec<f64> = problem
            .objectives
            .iter()
            .enumerate()
            .map(|(k, objective)| {
                let share = if k == j { 1.0 } else { ANCHOR_TIE_BREAK };
                share * objective.sense.sign() / scales[k]
            })
            .collect();
        let own: f64 = coefficients[j];
        let outcome = maximize(
            problem,
            &LinearScalarization { coefficients },
            &SolveOptions::from_problem(problem),
        )?;
        table.push(outcome.objectives.clone());
        anchors.push(outcome.spend.clone());
        solves.push((outcome, own));
    }
    let mut ideal = Vec::with_capacity(count);
    let mut nadir = Vec::with_capacity(count);
    let mut range = Vec::with_capacity(count);
    for (j, objective) in problem.objectives.iter().enumerate() {
        let sign = objective.sense.sign();
        let column = table.iter().map(|row| row[j] * sign);
        let best = column.clone().fold(f64::NEG_INFINITY, f64::max);
        let worst = column.fold(f64::INFINITY, f64::min);
        ideal.push(best * sign);
        nadir.push(worst * sign);
        range.push(effective_range(best * sign, worst * sign, sign));
    }
    Ok((
        Normalization {
            ideal,
            nadir,
            range,
            anchors,
        },
        solves,
    ))
}
