//! The public optimization API: one request in, one self-describing result out.
//!
//! ```
//! use atlas_core::ScenarioFile;
//! use atlas_core::solve::Method;
//! use atlas_moo::request::{OptimizationRequest, Status};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/marketing/scenario.toml");
//! let problem = ScenarioFile::read(path.as_ref())?.build()?;
//! let result = OptimizationRequest::new(problem)
//!     .with_weights(&[1.0, 0.0, 0.0])
//!     .with_bound("search", Some(50_000.0), None)
//!     .with_method(Method::Auto)
//!     .run()?;
//! assert_eq!(result.status, Status::Converged);
//! assert!(result.optimal_budget.iter().any(|(name, spend)| name == "search" && *spend >= 50_000.0));
//! # Ok::<(), atlas_core::CoreError>(())
//! ```

use std::time::Instant;

use atlas_core::constraint::{compile, Constraint, ConstraintCheck, Rule};
use atlas_core::error::CoreError;
use atlas_core::problem::Problem;
use atlas_core::solve::{Limits, Method, SolveStatus};
use ndarray::ArrayView1;
use serde::Serialize;

use crate::scalarize::{MultiObjectiveOptimizer, Normalization};

/// Relative distance from a bound within which a decision counts as held by it.
const AT_BOUND: f64 = 1e-6;

/// Everything one optimization needs.
#[derive(Debug, Clone)]
pub struct OptimizationRequest {
    problem: Problem,
    weights: Option<Vec<f64>>,
    bounds: Vec<(String, Option<f64>, Option<f64>)>,
}

/// End state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The solver converged; with `exact`, the gap shows how close to the best plan it is.
    Converged,
    /// An iteration, evaluation or time limit stopped the solver; the plan meets every rule
    /// but may not be the best.
    LimitReached,
    /// The rules cannot all hold; the reason names them.
    Infeasible,
}

/// The return of one more unit of spend on one decision, at the optimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginalReturn {
    /// Channel or cell.
    pub name: String,
    /// Derivative of the optimized scalar per unit of spend.
    pub scalar: f64,
    /// Derivative of each KPI per unit of spend, in KPI order.
    pub kpis: Vec<f64>,
    /// Whether a bound of its own keeps the decision in place, so its return may differ from
    /// the others'.
    pub at_bound: bool,
}

/// Result of an [`OptimizationRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizationResult {
    /// Best spend per channel (per cell for a plan over periods), by name.
    pub optimal_budget: Vec<(String, f64)>,
    /// The optimized scalar: the weighted sum (or Chebyshev value) of normalized objectives.
    pub optimal_value: f64,
    /// Every objective's value, by name.
    pub objectives: Vec<(String, f64)>,
    /// Every KPI's value, by name.
    pub kpis: Vec<(String, f64)>,
    /// Every constraint at the optimum.
    pub constraints: Vec<ConstraintCheck>,
    /// Names of the constraints that bind.
    pub binding: Vec<String>,
    /// Marginal return of every decision.
    pub marginal_returns: Vec<MarginalReturn>,
    /// Largest minus smallest scalar marginal return of the decisions that no bound of their
    /// own keeps in place, over the largest magnitude: near 0 at an optimum where only the total and
    /// group rules bind. `None` with fewer than two such decisions or with rules on KPIs.
    pub marginal_spread: Option<f64>,
    /// End state of the run.
    pub status: Status,
    /// Reason for that end state, in words.
    pub reason: String,
    /// The solver that ran.
    pub method: Method,
    /// Reason that solver ran.
    pub method_choice: String,
    /// With `exact`, no plan meeting the rules beats `optimal_value` by more than this.
    pub optimality_gap: Option<f64>,
    /// Weights used, summing to 1.
    pub weights: Vec<f64>,
    /// Ideal and nadir of every objective.
    pub normalization: Option<Normalization>,
    /// Model evaluations of the final solve (the single-objective solves behind the
    /// normalization are not counted).
    pub evaluations: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Hash of every input as Atlas read it (model, rules, objectives, weights, settings).
    /// Equal inputs give equal hashes within one version of Atlas.
    pub input_hash: String,
}

impl OptimizationRequest {
    /// Starts a request from a decision problem, with its weights and solver settings.
    pub fn new(problem: Problem) -> Self {
        Self {
            problem,
            weights: None,
            bounds: Vec::new(),
        }
    }

    /// Sets the objective weights, in objective order; they are rescaled to sum to 1.
    pub fn with_weights(mut self, weights: &[f64]) -> Self {
        self.weights = Some(weights.to_vec());
        self
    }

    /// Adds spend bounds on one channel, on top of the problem's own rules.
    pub fn with_bound(mut self, channel: &str, lower: Option<f64>, upper: Option<f64>) -> Self {
        self.bounds.push((channel.to_string(), lower, upper));
        self
    }

    /// Sets the solver.
    pub fn with_method(mut self, method: Method) -> Self {
        self.problem.solver.method = method;
        self
    }

    /// Sets the seed of every random choice.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.problem.solver.seed = seed;
        self
    }

    /// Sets the limits on evaluations and time of each solve.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.problem.solver.limits = limits;
        self
    }

    /// Returns the problem with the request's bounds added.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for an unknown channel or a bound that is negative, not
    /// finite or below its lower partner, and [`CoreError::Infeasible`] when the new bounds
    /// conflict with the rules.
    pub fn problem(&self) -> Result<Problem, CoreError> {
        let mut problem = self.problem.clone();
        if self.bounds.is_empty() {
            return Ok(problem);
        }
        let names = problem.space.names();
        for (index, (channel, lower, upper)) in self.bounds.iter().enumerate() {
            let field = format!("bounds[{index}]");
            let position = names.iter().position(|n| n == channel).ok_or_else(|| {
                CoreError::invalid(
                    &field,
                    format!(
                        "no decision is named `{channel}`: use one of {}",
                        names.join(", ")
                    ),
                )
            })?;
            for value in [lower, upper].into_iter().flatten() {
                if !value.is_finite() || *value < 0.0 {
                    return Err(CoreError::invalid(
                        &field,
                        format!("{value} is not a spend: use a number of at least 0"),
                    ));
                }
            }
            if let (Some(lo), Some(hi)) = (lower, upper) {
                if lo > hi {
                    return Err(CoreError::invalid(
                        &field,
                        format!("the lower bound {lo} is above the upper bound {hi}: swap them"),
                    ));
                }
            }
            problem.constraints.push(Constraint {
                name: format!("{channel} request bounds"),
                rule: Rule::ChannelBounds {
                    channel: position,
                    lower: lower.unwrap_or(0.0),
                    upper: upper.unwrap_or(f64::INFINITY),
                },
            });
        }
        problem.linear = compile(&problem.space, &problem.constraints)?;
        Ok(problem)
    }

    /// Runs the optimization.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for bad weights, bounds or a solver that cannot handle
    /// the problem, and the model's error when it fails. Rules that cannot all hold give a
    /// result with status [`Status::Infeasible`].
    pub fn run(&self) -> Result<OptimizationResult, CoreError> {
        let started = Instant::now();
        let problem = match self.problem() {
            Ok(problem) => problem,
            Err(CoreError::Infeasible { message, .. }) => {
                return Ok(self.infeasible(message, started));
            }
            Err(other) => return Err(other),
        };
        let optimizer = match MultiObjectiveOptimizer::new(&problem) {
            Ok(optimizer) => optimizer,
            Err(CoreError::Infeasible { message, .. }) => {
                return Ok(self.infeasible(message, started));
            }
            Err(other) => return Err(other),
        };
        let optimizer = match &self.weights {
            Some(weights) => optimizer.with_weights(weights)?,
            None => optimizer,
        };
        let solution = match optimizer.optimize() {
            Ok(solution) => solution,
            Err(CoreError::Infeasible { message, .. }) => {
                return Ok(self.infeasible(message, started));
            }
            Err(other) => return Err(other),
        };
        let evaluation = problem.evaluate_plan(&solution.spend)?;
        let marginal_returns = marginal_returns(&problem, &optimizer, &solution.spend)?;
        let marginal_spread = spread(&problem, &evaluation.checks, &marginal_returns);
        let (status, reason) = match solution.status {
            SolveStatus::Converged => (
                Status::Converged,
                "no step improved the plan any more".to_string(),
            ),
            SolveStatus::IterationLimit => (
                Status::LimitReached,
                "the iteration limit stopped the search while it still improved the plan"
                    .to_string(),
            ),
            SolveStatus::EvaluationLimit => (
                Status::LimitReached,
                "the evaluation limit stopped the search".to_string(),
            ),
            SolveStatus::TimeLimit => (
                Status::LimitReached,
                "the time limit stopped the search".to_string(),
            ),
        };
        Ok(OptimizationResult {
            optimal_budget: problem
                .space
                .names()
                .into_iter()
                .zip(solution.spend.iter().copied())
                .collect(),
            optimal_value: solution.scalar,
            objectives: problem
                .objectives
                .iter()
                .map(|o| o.name.clone())
                .zip(solution.objectives.iter().copied())
                .collect(),
            kpis: problem
                .kpi_names()
                .iter()
                .cloned()
                .zip(evaluation.kpis.iter().copied())
                .collect(),
            binding: evaluation
                .checks
                .iter()
                .filter(|c| c.binding)
                .map(|c| c.name.clone())
                .collect(),
            constraints: evaluation.checks,
            marginal_spread,
            marginal_returns,
            status,
            reason,
            method: solution.method,
            method_choice: solution.choice,
            optimality_gap: solution.gap,
            weights: optimizer.weights().to_vec(),
            normalization: Some(optimizer.normalization().clone()),
            evaluations: solution.evaluations,
            seconds: started.elapsed().as_secs_f64(),
            seed: problem.solver.seed,
            input_hash: self.input_hash(),
        })
    }

    fn infeasible(&self, message: String, started: Instant) -> OptimizationResult {
        OptimizationResult {
            optimal_budget: Vec::new(),
            optimal_value: f64::NAN,
            objectives: Vec::new(),
            kpis: Vec::new(),
            constraints: Vec::new(),
            binding: Vec::new(),
            marginal_returns: Vec::new(),
            marginal_spread: None,
            status: Status::Infeasible,
            reason: message,
            method: self.problem.solver.method,
            method_choice: String::new(),
            optimality_gap: None,
            weights: self.weights.clone().unwrap_or_default(),
            normalization: None,
            evaluations: 0,
            seconds: started.elapsed().as_secs_f64(),
            seed: self.problem.solver.seed,
            input_hash: self.input_hash(),
        }
    }

    /// Hashes every input with 64-bit FNV-1a over its debug text, which lists every parameter
    /// of the model, rule, objective and setting.
    fn input_hash(&self) -> String {
        let problem = &self.problem;
        let text = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            problem.model,
            problem.space,
            problem.layout,
            problem.constraints,
            problem.objectives,
            problem.current,
            problem.solver,
            self.weights,
            self.bounds
        );
        fnv1a_hex(&text)
    }
}

/// Returns the 64-bit FNV-1a hash of `text` as 16 hexadecimal digits: a stable fingerprint
/// of inputs, not a cryptographic hash.
#[must_use]
pub fn fnv1a_hex(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

fn marginal_returns(
    problem: &Problem,
    optimizer: &MultiObjectiveOptimizer<'_>,
    spend: &[f64],
) -> Result<Vec<MarginalReturn>, CoreError> {
    let objective_gradient = problem.objective_gradient(ArrayView1::from(spend))?;
    let kpi_gradient = problem.kpi_gradient(ArrayView1::from(spend))?;
    let normalization = optimizer.normalization();
    let weights = optimizer.weights();
    let names = problem.space.names();
    Ok((0..spend.len())
        .map(|i| {
            let scalar = (0..weights.len())
                .map(|j| weights[j] * objective_gradient[[j, i]] / normalization.range[j])
                .sum();
            let (lower, upper) = (problem.linear.lower[i], problem.linear.upper[i]);
            let tolerance = AT_BOUND * lower.abs().max(upper.abs().min(1e300)).max(1.0);
            MarginalReturn {
                name: names[i].clone(),
                scalar,
                kpis: kpi_gradient.column(i).to_vec(),
                at_bound: spend[i] - lower <= tolerance || upper - spend[i] <= tolerance,
            }
        })
        .collect())
}

/// Computes the relative spread of the scalar marginal returns of decisions that neither a
/// bound of their own nor a binding rule on a subset of decisions keeps in place.
fn spread(
    problem: &Problem,
    checks: &[ConstraintCheck],
    returns: &[MarginalReturn],
) -> Option<f64> {
    if problem.has_nonlinear_rules() {
        return None;
    }
    let mut tied = vec![false; returns.len()];
    for (constraint, check) in problem.constraints.iter().zip(checks) {
        if !check.binding {
            continue;
        }
        let members: Vec<usize> = match &constraint.rule {
            Rule::SpendBounds { cells, .. } => cells.clone(),
            Rule::GroupShare { members, .. } => members.clone(),
            Rule::Ratio {
                numerator,
                denominator,
                ..
            } => numerator.iter().chain(denominator).copied().collect(),
            _ => Vec::new(),
        };
        for i in members {
            if let Some(slot) = tied.get_mut(i) {
                *slot = true;
            }
        }
    }
    let free: Vec<f64> = returns
        .iter()
        .zip(&tied)
        .filter(|(r, tied)| !r.at_bound && !**tied)
        .map(|(r, _)| r.scalar)
        .collect();
    if free.len() < 2 {
        return None;
    }
    let high = free.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let low = free.iter().copied().fold(f64::INFINITY, f64::min);
    let scale = high.abs().max(low.abs());
    (scale > 0.0).then(|| (high - low) / scale)
}
