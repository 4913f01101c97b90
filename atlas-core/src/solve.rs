//! Single-objective solving: the best plan for one scalar function of the objectives.
//!
//! The solver is projected gradient ascent with an Armijo backtracking line search along the
//! projection arc, run from several starts in parallel: the current plan, any warm starts, an
//! even split and random plans, each repaired onto the linear constraints. Ascent only accepts
//! improving steps, so the result is never worse than the current plan when that plan is
//! feasible. Every start has its own random stream derived from the seed, its index and each
//! channel's name, so neither the thread count nor the channel order changes the result.

use std::time::{Duration, Instant};

use ndarray::{Array2, ArrayView1, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::constraint::{compile, money, Constraint, NonlinearTerm, Rule};
use crate::error::CoreError;
use crate::objective::{Measure, Objective, Risk, Sense};
use crate::problem::Problem;

/// A scalar function of the objective values that the solver maximizes.
pub trait Scalarization: Sync {
    /// Returns the scalar at objective values `values` (natural units, in objective order).
    fn value(&self, values: &[f64]) -> f64;

    /// Returns the derivative of the scalar with respect to each objective value at `values`.
    fn gradient(&self, values: &[f64]) -> Vec<f64>;

    /// Returns the coefficients when the scalar is linear in the objectives, which the `exact`
    /// method needs.
    fn coefficients(&self) -> Option<&[f64]> {
        None
    }
}

/// `sum_j coefficients[j] * values[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearScalarization {
    /// One coefficient per objective.
    pub coefficients: Vec<f64>,
}

impl Scalarization for LinearScalarization {
    fn value(&self, values: &[f64]) -> f64 {
        self.coefficients
            .iter()
            .zip(values)
            .map(|(c, v)| c * v)
            .sum()
    }

    fn gradient(&self, _values: &[f64]) -> Vec<f64> {
        self.coefficients.clone()
    }

    fn coefficients(&self) -> Option<&[f64]> {
        Some(&self.coefficients)
    }
}

/// A solver, chosen by name in the scenario's `[solver]` table or on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `exact` when it applies, else `gradient` when the model gives gradients, else `cmaes`.
    #[default]
    Auto,
    /// Dynamic programming over a spend grid, refined by local ascent, with a certified bound
    /// on the optimality gap. Needs a separable model and rules that split by channel.
    Exact,
    /// A quasi-Newton method (SQP with a damped BFGS Hessian) from several starts, for smooth
    /// models; plans of more than [`crate::search::SQP_MAX_VARIABLES`] decisions use projected
    /// gradient ascent. Finite differences replace a model's missing gradients.
    Gradient,
    /// CMA-ES, a derivative-free evolution strategy with restarts, for black-box models.
    Cmaes,
}

impl Method {
    /// Every method's name, in the order the documentation lists them.
    pub const NAMES: [&'static str; 4] = ["auto", "exact", "gradient", "cmaes"];

    /// Returns the method's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Exact => "exact",
            Self::Gradient => "gradient",
            Self::Cmaes => "cmaes",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, CoreError> {
        match text {
            "auto" => Ok(Self::Auto),
            "exact" => Ok(Self::Exact),
            "gradient" => Ok(Self::Gradient),
            "cmaes" => Ok(Self::Cmaes),
            other => Err(CoreError::invalid(
                "solver.method",
                format!(
                    "`{other}` is not a solver: use one of {}",
                    Self::NAMES.join(", ")
                ),
            )),
        }
    }
}

/// Rule that turns several objectives into one scalar.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scalarizer {
    /// The weighted sum of normalized objectives. It reaches only the convex parts of a
    /// front.
    #[default]
    WeightedSum,
    /// The augmented Chebyshev scalarizer: the worst weighted shortfall from the ideal, plus
    /// `augmentation` times the weighted sum. It also reaches the non-convex parts.
    Chebyshev {
        /// Weight of the weighted sum that breaks ties between plans with the same worst
        /// shortfall.
        #[serde(default = "default_augmentation")]
        augmentation: f64,
    },
}

fn default_augmentation() -> f64 {
    DEFAULT_AUGMENTATION
}

/// Largest accepted time limit, in seconds: about four months.
pub const MAX_SECONDS: f64 = 1e7;

/// Default weight of the weighted sum inside the augmented Chebyshev scalarizer.
pub const DEFAULT_AUGMENTATION: f64 = 1e-3;

/// Limits on one solve. A solve that reaches one returns its best plan so far with the status
/// that names the limit.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Limits {
    /// Most model evaluations, counting each gradient as one.
    pub max_evaluations: Option<usize>,
    /// Most wall-clock seconds.
    pub max_seconds: Option<f64>,
}

/// Options of one solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Number of starts. The current plan, the warm starts and the midpoint of the bounds always
    /// run, and random plans fill up to this number.
    pub starts: usize,
    /// Most iterations of each start.
    pub max_iterations: usize,
    /// Seed of the random starts.
    pub seed: u64,
    /// Plans to start from besides the current plan, for example neighbouring optima.
    pub warm_starts: Vec<Vec<f64>>,
    /// The solver.
    pub method: Method,
    /// Limits on evaluations and time.
    pub limits: Limits,
}

impl SolveOptions {
    /// Options taken from the problem's solver settings, with no warm start.
    pub fn from_problem(problem: &Problem) -> Self {
        Self {
            starts: problem.solver.starts,
            max_iterations: problem.solver.max_iterations,
            seed: problem.solver.seed,
            warm_starts: Vec::new(),
            method: problem.solver.method,
            limits: problem.solver.limits,
        }
    }
}

/// Reason a start stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// No step improved the scalar any more.
    Converged,
    /// The iteration limit was reached while steps still improved it.
    IterationLimit,
    /// The evaluation limit was reached.
    EvaluationLimit,
    /// The time limit was reached.
    TimeLimit,
}

impl SolveStatus {
    /// Returns the status in words, as tables print it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Converged => "converged",
            Self::IterationLimit => "iteration limit reached",
            Self::EvaluationLimit => "evaluation limit reached",
            Self::TimeLimit => "time limit reached",
        }
    }
}

/// The best plan found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolveOutcome {
    /// Spend per channel.
    pub spend: Vec<f64>,
    /// The scalar's value at `spend`.
    pub value: f64,
    /// Objective values at `spend`.
    pub objectives: Vec<f64>,
    /// Reason the winning start stopped.
    pub status: SolveStatus,
    /// Index of the winning start: 0 is the current plan.
    pub start: usize,
    /// Iterations of the winning start.
    pub iterations: usize,
    /// Model evaluations over every start.
    pub evaluations: usize,
    /// The method that ran: never `auto`.
    pub method: Method,
    /// Reason that method ran.
    pub choice: String,
    /// With `exact`, the certified bound: no plan that meets the rules has a larger scalar.
    pub upper_bound: Option<f64>,
}

/// Maximizes `scalarization` of the problem's objectives under its constraints with the
/// method that `options` names, or with the one `auto` picks. The result is never worse than
/// the current plan when that plan meets every rule.
///
/// # Errors
///
/// Returns [`CoreError::Infeasible`] when a start cannot be repaired onto the constraints,
/// [`CoreError::Invalid`] when the named method cannot solve the problem, and the model's
/// error when it fails.
pub fn maximize(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    options: &SolveOptions,
) -> Result<SolveOutcome, CoreError> {
    let (method, choice) = choose(problem, scalarization, options.method)?;
    let mut outcome = match method {
        Method::Exact => maximize_exact(problem, scalarization, options)?,
        Method::Cmaes => maximize_cmaes(problem, scalarization, options)?,
        Method::Gradient | Method::Auto => maximize_gradient(problem, scalarization, options)?,
    };
    outcome.method = method;
    outcome.choice = choice;
    tracing::debug!(
        method = method.name(),
        value = outcome.value,
        "solve finished"
    );
    Ok(outcome)
}

/// Picks the method for `requested`, with the reason shown to the user.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] when `exact` is requested for a problem it cannot solve.
pub fn choose(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    requested: Method,
) -> Result<(Method, String), CoreError> {
    let exact_gap = match scalarization.coefficients() {
        None => Some(
            "the scalarizer is not a weighted sum (Chebyshev), which is not a sum over \
             channels"
                .to_string(),
        ),
        Some(_) => crate::exact::unsupported_reason(problem),
    };
    let gradients = problem
        .model
        .gradient(ArrayView1::from(&problem.current[..]))
        .is_some();
    match requested {
        Method::Exact => match exact_gap {
            None => Ok((Method::Exact, "requested".into())),
            Some(reason) => {
                let instead = if gradients { "gradient" } else { "cmaes" };
                Err(CoreError::invalid(
                    "solver.method",
                    format!(
                        "`exact` cannot solve this problem: {reason}; use `{instead}` or `auto`"
                    ),
                ))
            }
        },
        Method::Gradient if !gradients => Ok((
            Method::Gradient,
            "requested, but the model gives no gradients, so they are estimated by finite \
             differences, which are 0 on the flat steps of a tree model; `cmaes` suits such \
             models"
                .into(),
        )),
        Method::Gradient => Ok((Method::Gradient, "requested".into())),
        Method::Cmaes => Ok((Method::Cmaes, "requested".into())),
        Method::Auto => Ok(match exact_gap {
            None => (
                Method::Exact,
                "auto: the model is a sum of one-channel curves and every rule splits by channel"
                    .into(),
            ),
            Some(reason) if gradients => (
                Method::Gradient,
                format!(
                    "auto: the model gives gradients, and `exact` does not apply because {reason}"
                ),
            ),
            Some(reason) => (
                Method::Cmaes,
                format!(
                    "auto: the model gives no gradients, and `exact` does not apply because \
                     {reason}"
                ),
            ),
        }),
    }
}

/// Solves on the spend grid, refines the grid plan by local ascent, and keeps the current plan
/// when nothing beats it.
fn maximize_exact(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    options: &SolveOptions,
) -> Result<SolveOutcome, CoreError> {
    let coefficients = scalarization.coefficients().ok_or_else(|| {
        CoreError::invalid("solver.method", "`exact` needs a weighted-sum scalarizer")
    })?;
    let deadline = deadline(options);
    // Half of an evaluation limit goes to the grid and the rest to the local refinement.
    let grid = crate::exact::solve_grid(
        problem,
        coefficients,
        crate::exact::GridLimits {
            max_evaluations: options.limits.max_evaluations.map(|most| most / 2),
            deadline,
        },
    )?;
    let left = options
        .limits
        .max_evaluations
        .map(|most| most.saturating_sub(grid.evaluations).max(1));
    let budget = left.map(|most| (most / 3).max(1));

    let mut runs = Vec::with_capacity(2);
    for start in [grid.spend.clone(), problem.current.clone()] {
        let mut start = start;
        problem.repair(&mut start)?;
        runs.push(run_start(
            problem,
            scalarization,
            start,
            (options.max_iterations, budget, deadline),
        )?);
    }
    let evaluations = grid.evaluations + runs.iter().map(|r| r.evaluations).sum::<usize>();
    let (start, run) = runs
        .into_iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| a.value.total_cmp(&b.value))
        .ok_or_else(|| CoreError::invalid("solver", "no start ran"))?;
    let run = polish(
        problem,
        scalarization,
        run,
        (options.max_iterations, budget, deadline),
    )?;
    let evaluations = evaluations + run.evaluations;

    let upper_bound = grid.certified.then_some(grid.upper_bound.max(run.value));
    Ok(SolveOutcome {
        spend: run.x,
        value: run.value,
        objectives: run.objectives,
        status: grid.limited.unwrap_or(run.status),
        // The grid plan is start 1 and the current plan start 0, as in the other methods.
        start: 1 - start,
        iterations: run.iterations,
        evaluations,
        method: Method::Exact,
        choice: String::new(),
        upper_bound,
    })
}

/// Splits the evaluation limit evenly among `starts`, so the result does not depend on which
/// start finishes first.
fn per_start_budget(options: &SolveOptions, starts: usize) -> Option<usize> {
    options
        .limits
        .max_evaluations
        .map(|most| (most / starts.max(1)).max(1))
}

/// Returns the instant `max_seconds` from now. A limit too large to represent means no
/// deadline, and a negative or NaN one a deadline that has passed.
fn deadline(options: &SolveOptions) -> Option<Instant> {
    let seconds = options.limits.max_seconds?;
    let now = Instant::now();
    if seconds.is_nan() || seconds <= 0.0 {
        return Some(now);
    }
    Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|span| now.checked_add(span))
}

/// Runs CMA-ES from the current plan, repaired, keeping it when nothing beats it.
fn maximize_cmaes(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    options: &SolveOptions,
) -> Result<SolveOutcome, CoreError> {
    let mut start = problem.current.clone();
    problem.repair(&mut start)?;
    let run = crate::search::run_cmaes(
        problem,
        scalarization,
        &start,
        options.seed,
        (options.limits.max_evaluations, deadline(options)),
    )?;
    let run = from_search(problem, run);
    if run.violation > 0.0 {
        return Err(unreachable_rules(problem, &run.x));
    }
    Ok(SolveOutcome {
        spend: run.x,
        value: run.value,
        objectives: run.objectives,
        status: run.status,
        start: 0,
        iterations: run.iterations,
        evaluations: run.evaluations,
        method: Method::Cmaes,
        choice: String::new(),
        upper_bound: None,
    })
}

/// Refines a plan with the quasi-Newton method, which converges where gradient ascent crawls,
/// for plans of at most [`crate::search::SQP_MAX_VARIABLES`] decisions. The refined plan
/// replaces the input only when it is better; `evaluations` of the result counts the
/// refinement alone.
fn polish(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    run: StartRun,
    limits: StartLimits,
) -> Result<StartRun, CoreError> {
    if problem.n_channels() > crate::search::SQP_MAX_VARIABLES {
        return Ok(StartRun {
            evaluations: 0,
            ..run
        });
    }
    let refined = match crate::search::run_sqp(problem, scalarization, &run.x, limits) {
        Ok(refined) => from_search(problem, refined),
        Err(error) if crate::sqp::is_subproblem_failure(&error) => {
            tracing::debug!(%error, "refinement skipped");
            return Ok(StartRun {
                evaluations: 0,
                ..run
            });
        }
        Err(error) => return Err(error),
    };
    let evaluations = refined.evaluations;
    Ok(if beats(&refined, &run) {
        refined
    } else {
        StartRun {
            evaluations,
            status: if refined.status == SolveStatus::Converged {
                SolveStatus::Converged
            } else {
                run.status
            },
            ..run
        }
    })
}

/// Returns whether `candidate` is better than `incumbent`: a plan that meets the rules on KPIs
/// beats one that does not whatever its value, and of two that break them the smaller breach
/// wins.
fn beats(candidate: &StartRun, incumbent: &StartRun) -> bool {
    (candidate.violation == 0.0, candidate.value) > (incumbent.violation == 0.0, incumbent.value)
        || (incumbent.violation > 0.0 && candidate.violation < incumbent.violation)
}

/// Converts a search result, measuring how far it breaks the rules on KPIs.
fn from_search(problem: &Problem, run: crate::search::SearchRun) -> StartRun {
    let violation = problem
        .check(&run.x)
        .iter()
        .zip(&problem.constraints)
        .filter(|(check, rule)| rule.is_nonlinear() && !check.satisfied)
        .map(|(check, _)| -check.slack)
        .sum();
    StartRun {
        x: run.x,
        value: run.value,
        violation,
        objectives: run.objectives,
        status: run.status,
        iterations: run.iterations,
        evaluations: run.evaluations,
    }
}

/// Quasi-Newton (or, for large plans, projected gradient) ascent from several starts in
/// parallel.
fn maximize_gradient(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    options: &SolveOptions,
) -> Result<SolveOutcome, CoreError> {
    let starts = starting_points(problem, options)?;
    let budget = per_start_budget(options, starts.len());
    let deadline = deadline(options);
    let runs: Vec<Result<StartRun, CoreError>> = starts
        .into_par_iter()
        .map(|start| {
            run_start(
                problem,
                scalarization,
                start,
                (options.max_iterations, budget, deadline),
            )
        })
        .collect();
    let mut evaluations = 0;
    let mut best: Option<(usize, StartRun)> = None;
    for (index, run) in runs.into_iter().enumerate() {
        let run = run?;
        evaluations += run.evaluations;
        let better = best
            .as_ref()
            .is_none_or(|(_, incumbent)| beats(&run, incumbent));
        if better {
            best = Some((index, run));
        }
    }
    let (start, run) = best.ok_or_else(|| CoreError::invalid("solver.starts", "no start ran"))?;
    let run = polish(
        problem,
        scalarization,
        run,
        (options.max_iterations, budget, deadline),
    )?;
    evaluations += run.evaluations;
    if run.violation > 0.0 {
        return Err(unreachable_rules(problem, &run.x));
    }
    Ok(SolveOutcome {
        spend: run.x,
        value: run.value,
        objectives: run.objectives,
        status: run.status,
        start,
        iterations: run.iterations,
        evaluations,
        method: Method::Gradient,
        choice: String::new(),
        upper_bound: None,
    })
}

fn starting_points(problem: &Problem, options: &SolveOptions) -> Result<Vec<Vec<f64>>, CoreError> {
    let n = problem.n_channels();
    let mut starts = vec![problem.current.clone()];
    starts.extend(options.warm_starts.iter().filter(|s| s.len() == n).cloned());
    let lower = &problem.linear.lower;
    let upper = &problem.linear.upper;
    starts.push((0..n).map(|i| 0.5 * (lower[i] + upper[i])).collect());
    // Each channel's random draw is keyed by its name, so the order of the channels in the
    // scenario does not change the starts, and so not the result.
    let keys: Vec<u64> = problem.space.names().iter().map(|n| name_key(n)).collect();
    let mut index = 0u64;
    while starts.len() < options.starts.max(1) {
        let stream = mix(options.seed, index);
        starts.push(
            (0..n)
                .map(|i| lower[i] + unit(mix(stream, keys[i])) * (upper[i] - lower[i]))
                .collect(),
        );
        index += 1;
    }
    for start in &mut starts {
        problem.repair(start)?;
    }
    Ok(starts)
}

/// Hashes a name with 64-bit FNV-1a, which is stable across runs and platforms.
fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Maps 64 random bits to a uniform number in [0, 1) with 53 bits of precision.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Mixes 64 bits with the SplitMix64 output function, a bijection.
pub fn splitmix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives the seed of stream `index` from `seed`, so every start draws from its own stream.
pub fn mix(seed: u64, index: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ index)
}

/// Runs one start; with rules on KPIs, through the penalty continuation, and reports the
/// scalar without penalty.
/// Limits of one start: iterations, evaluations and the deadline.
type StartLimits = (usize, Option<usize>, Option<Instant>);

fn run_start(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    start: Vec<f64>,
    limits: StartLimits,
) -> Result<StartRun, CoreError> {
    if !problem.has_nonlinear_rules() {
        return ascend(problem, scalarization, start, limits, 0.0);
    }
    let mut x = start;
    let mut evaluations = 0;
    let mut last = None;
    for penalty in PENALTIES {
        let left = limits.1.map(|most| most.saturating_sub(evaluations).max(1));
        let run = ascend(
            problem,
            scalarization,
            x,
            (limits.0, left, limits.2),
            penalty,
        )?;
        evaluations += run.evaluations;
        x = run.x.clone();
        let met = problem
            .check(&x)
            .iter()
            .zip(&problem.constraints)
            .all(|(check, rule)| !rule.is_nonlinear() || check.satisfied);
        let stopped = matches!(
            run.status,
            SolveStatus::EvaluationLimit | SolveStatus::TimeLimit
        );
        last = Some(run);
        if met || stopped {
            break;
        }
    }
    let mut run = last.ok_or_else(|| CoreError::invalid("solver", "no penalty round ran"))?;
    let mut plain = Evaluator::new(problem, scalarization, 0.0);
    let (value, objectives) = plain.value(&run.x)?;
    run.value = value;
    run.objectives = objectives;
    run.violation = problem
        .check(&run.x)
        .iter()
        .zip(&problem.constraints)
        .filter(|(check, rule)| rule.is_nonlinear() && !check.satisfied)
        .map(|(check, _)| -check.slack)
        .sum();
    run.evaluations = evaluations + plain.evaluations;
    Ok(run)
}

/// Builds the error for rules on KPIs that no start could meet. For a KPI floor it reports the
/// most that the linear rules allow, found by maximizing that KPI alone.
fn unreachable_rules(problem: &Problem, x: &[f64]) -> CoreError {
    let broken: Vec<(String, String)> = problem
        .check(x)
        .into_iter()
        .zip(&problem.constraints)
        .filter(|(check, rule)| rule.is_nonlinear() && !check.satisfied)
        .map(|(check, rule)| {
            let reached = match rule.rule {
                Rule::KpiBounds {
                    kpi,
                    lower: Some(lower),
                    ..
                } if check.value < lower => max_of_kpi(problem, kpi).map_or_else(
                    || format!("the best plan found reaches {}", money(check.value)),
                    |most| format!("the linear rules allow at most {}", money(most)),
                ),
                _ => format!("the best plan found reaches {}", money(check.value)),
            };
            let limit = match (check.lower, check.upper) {
                (Some(lo), _) if check.value < lo => format!("at least {}", money(lo)),
                (_, Some(hi)) => format!("at most {}", money(hi)),
                _ => "its limit".to_string(),
            };
            let text = format!("`{}` needs {limit}, but {reached}", check.name);
            (check.name, text)
        })
        .collect();
    CoreError::Infeasible {
        constraints: broken.iter().map(|(name, _)| name.clone()).collect(),
        message: format!(
            "{}: relax the rule, or the budget and bounds that limit it",
            broken
                .iter()
                .map(|(_, text)| text.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The least spend that reaches a KPI target, and the plan that does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetOutcome {
    /// The least total spend found whose best plan reaches the target.
    pub budget: f64,
    /// That plan, per channel or cell.
    pub spend: Vec<f64>,
    /// The KPI's value at `spend`.
    pub value: f64,
    /// The total spend below which no plan reaches the target, to the bisection's precision:
    /// `budget` minus this is at most [`TARGET_PRECISION`] times `budget`.
    pub below: f64,
    /// Bisection steps.
    pub steps: usize,
    /// The solver that ran each step, and why.
    pub method: Method,
    /// Reason that solver ran.
    pub choice: String,
}

/// Relative precision of the least spend that [`least_spend`] finds.
pub const TARGET_PRECISION: f64 = 1e-6;

/// Finds the least total spend whose best plan brings KPI `kpi` to at least `target`, under
/// every rule of the problem except its total budget, which the search replaces by "at most
/// B". The best value reachable grows with B, so bisection on B finds the least B to within
/// [`TARGET_PRECISION`]; each step maximizes the KPI at one B.
///
/// # Errors
///
/// Returns [`CoreError::Infeasible`] when even the largest spend the bounds allow falls short,
/// naming the value it reaches, and the errors of [`maximize`].
pub fn least_spend(
    problem: &Problem,
    kpi: usize,
    target: f64,
    options: &SolveOptions,
) -> Result<TargetOutcome, CoreError> {
    let name = problem
        .kpi_names()
        .get(kpi)
        .cloned()
        .ok_or_else(|| CoreError::invalid("kpi", format!("no KPI at position {kpi}")))?;
    let mut search = problem.clone();
    let least_total = least_total(problem);
    search.constraints.retain(|c| !is_total(&c.rule));
    search.objectives = vec![Objective {
        name: name.clone(),
        measure: Measure::Kpi(kpi),
        sense: Sense::Maximize,
        weight: 1.0,
        risk: Risk::Mean,
    }];
    let floors: f64 = problem.linear.lower.iter().sum();
    let ceilings: f64 = problem.linear.upper.iter().sum();
    let mut low = floors.max(least_total);
    let mut high = ceilings;
    let scalar = LinearScalarization {
        coefficients: vec![1.0],
    };
    let best_at = |budget: f64| -> Result<SolveOutcome, CoreError> {
        let mut at = search.clone();
        at.constraints.push(Constraint {
            name: "target budget".into(),
            rule: Rule::TotalAtMost { amount: budget },
        });
        if least_total > 0.0 {
            at.constraints.push(Constraint {
                name: "least total".into(),
                rule: Rule::TotalAtLeast {
                    amount: least_total.min(budget),
                },
            });
        }
        at.linear = compile(&at.space, &at.constraints)?;
        let mut start = at.current.clone();
        at.repair(&mut start)?;
        at.current = start;
        maximize(&at, &scalar, options)
    };
    let mut best = best_at(high)?;
    if best.objectives[0] < target {
        return Err(CoreError::Infeasible {
            constraints: Vec::new(),
            message: format!(
                "no plan reaches {name} {}: spending {} as the bounds allow reaches only {}; \
                 lower the target or raise the bounds",
                money(target),
                money(high),
                money(best.objectives[0])
            ),
        });
    }
    let mut steps = 0;
    // A budget that the other linear rules cannot meet reaches nothing.
    let reaches = |outcome: &Result<SolveOutcome, CoreError>| match outcome {
        Ok(outcome) => Ok(outcome.objectives[0] >= target),
        Err(CoreError::Infeasible { .. }) => Ok(false),
        Err(other) => Err(CoreError::Model(other.to_string())),
    };
    let lowest = best_at(low);
    if reaches(&lowest)? {
        let lowest = lowest?;
        return Ok(TargetOutcome {
            budget: low,
            value: lowest.objectives[0],
            spend: lowest.spend,
            below: low,
            steps,
            method: lowest.method,
            choice: lowest.choice,
        });
    }
    while high - low > TARGET_PRECISION * high.abs().max(1.0) && steps < 200 {
        steps += 1;
        let middle = 0.5 * (low + high);
        let outcome = best_at(middle);
        if reaches(&outcome)? {
            high = middle;
            best = outcome?;
        } else {
            low = middle;
        }
    }
    Ok(TargetOutcome {
        budget: best.spend.iter().sum(),
        value: best.objectives[0],
        spend: best.spend,
        below: low,
        steps,
        method: best.method,
        choice: best.choice,
    })
}

fn is_total(rule: &Rule) -> bool {
    matches!(
        rule,
        Rule::TotalExactly { .. }
            | Rule::TotalAtMost { .. }
            | Rule::TotalAtLeast { .. }
            | Rule::TotalBetween { .. }
    )
}

/// Returns the minimum total that the problem's total-budget rule sets, or 0 without one.
fn least_total(problem: &Problem) -> f64 {
    problem
        .constraints
        .iter()
        .find_map(|c| match c.rule {
            Rule::TotalAtLeast { amount } => Some(amount),
            Rule::TotalBetween { lower, .. } => Some(lower),
            _ => None,
        })
        .unwrap_or(0.0)
}

/// Returns the largest value of KPI `kpi` under the problem's linear rules alone.
fn max_of_kpi(problem: &Problem, kpi: usize) -> Option<f64> {
    let mut alone = problem.clone();
    alone.constraints.retain(|c| !c.is_nonlinear());
    alone.objectives = vec![Objective {
        name: "kpi".into(),
        measure: Measure::Kpi(kpi),
        sense: Sense::Maximize,
        weight: 1.0,
        risk: Risk::Mean,
    }];
    let scalar = LinearScalarization {
        coefficients: vec![1.0],
    };
    maximize(&alone, &scalar, &SolveOptions::from_problem(&alone))
        .ok()
        .map(|outcome| outcome.objectives[0])
}

struct StartRun {
    x: Vec<f64>,
    value: f64,
    /// Total relative violation of the rules on KPIs; 0 when they hold.
    violation: f64,
    objectives: Vec<f64>,
    status: SolveStatus,
    iterations: usize,
    evaluations: usize,
}

struct Evaluator<'a> {
    problem: &'a Problem,
    scalarization: &'a dyn Scalarization,
    evaluations: usize,
    /// The smooth inequalities of the rules on KPIs.
    terms: Vec<NonlinearTerm>,
    /// Weight of the quadratic penalty on their violation.
    penalty: f64,
}

impl<'a> Evaluator<'a> {
    fn new(problem: &'a Problem, scalarization: &'a dyn Scalarization, penalty: f64) -> Self {
        Self {
            problem,
            scalarization,
            evaluations: 0,
            terms: problem
                .constraints
                .iter()
                .flat_map(|c| c.nonlinear_terms())
                .collect(),
            penalty,
        }
    }

    fn kpis(&mut self, x: &[f64]) -> Result<Vec<f64>, CoreError> {
        self.evaluations += 1;
        let batch = ArrayView1::from(x).insert_axis(Axis(0));
        Ok(self.problem.model.evaluate(batch)?.row(0).to_vec())
    }

    /// Returns each term's relative violation at `x`, 0 where it is met.
    fn violations(&mut self, x: &[f64]) -> Result<Vec<(f64, f64)>, CoreError> {
        if self.terms.is_empty() {
            return Ok(Vec::new());
        }
        let kpis = self.kpis(x)?;
        let total: f64 = x.iter().sum();
        Ok(self
            .terms
            .iter()
            .map(|term| {
                let (value, scale) = term.value(&kpis, total);
                ((-value / scale).max(0.0), scale)
            })
            .collect())
    }

    /// The penalized scalar and the objective values at `x`.
    fn value(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        self.evaluations += 1;
        let batch = ArrayView1::from(x).insert_axis(Axis(0));
        let objectives = self.problem.objective_values(batch)?.row(0).to_vec();
        let penalty: f64 = self.violations(x)?.iter().map(|(v, _)| v * v).sum();
        Ok((
            self.scalarization.value(&objectives) - self.penalty * penalty,
            objectives,
        ))
    }

    fn gradient(&mut self, x: &[f64], objectives: &[f64]) -> Result<Vec<f64>, CoreError> {
        self.evaluations += 1;
        let jacobian: Array2<f64> = self.problem.objective_gradient(ArrayView1::from(x))?;
        let outer = self.scalarization.gradient(objectives);
        let mut gradient: Vec<f64> = (0..x.len())
            .map(|i| (0..outer.len()).map(|j| outer[j] * jacobian[[j, i]]).sum())
            .collect();
        let violations = self.violations(x)?;
        if violations.iter().any(|(v, _)| *v > 0.0) {
            // d/dx of -penalty * v^2 with v = -g / scale is 2 * penalty * v * grad(g) / scale.
            let kpi_gradient = self.problem.kpi_gradient(ArrayView1::from(x))?;
            for (term, (violation, scale)) in self.terms.iter().zip(violations) {
                if violation <= 0.0 {
                    continue;
                }
                let weight = 2.0 * self.penalty * violation / scale;
                for (i, slot) in gradient.iter_mut().enumerate() {
                    let along =
                        term.kpi_coefficient * kpi_gradient[[term.kpi, i]] + term.spend_coefficient;
                    *slot += weight * along;
                }
            }
        }
        Ok(gradient)
    }
}

/// Penalty weights of the continuation that drives rules on KPIs to hold: each round starts
/// from the previous round's plan with a weight 100 times larger.
const PENALTIES: [f64; 6] = [1e1, 1e3, 1e5, 1e7, 1e9, 1e11];

/// Relative improvement below which a start counts as converged.
const STALL: f64 = 1e-13;

fn ascend(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    start: Vec<f64>,
    (max_iterations, max_evaluations, deadline): StartLimits,
    penalty: f64,
) -> Result<StartRun, CoreError> {
    let mut evaluator = Evaluator::new(problem, scalarization, penalty);
    let mut x = start;
    let (mut value, mut objectives) = evaluator.value(&x)?;
    let scale = spend_scale(problem);
    let mut step = f64::NAN;
    let mut status = SolveStatus::IterationLimit;
    let mut iterations = 0;
    while iterations < max_iterations {
        if max_evaluations.is_some_and(|most| evaluator.evaluations >= most) {
            status = SolveStatus::EvaluationLimit;
            break;
        }
        if deadline.is_some_and(|at| Instant::now() >= at) {
            status = SolveStatus::TimeLimit;
            break;
        }
        iterations += 1;
        let gradient = evaluator.gradient(&x, &objectives)?;
        if let Some(bad) = gradient.iter().find(|g| !g.is_finite()) {
            return Err(CoreError::Model(format!(
                "the model's gradient is {bad} at plan {x:?}: check the curve parameters"
            )));
        }
        let largest = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if largest == 0.0 {
            status = SolveStatus::Converged;
            break;
        }
        if !step.is_finite() {
            step = 0.1 * scale / largest;
        }
        match line_search(&mut evaluator, &x, value, &gradient, step)? {
            Some((next, next_value, next_objectives, used)) => {
                let gain = next_value - value;
                x = next;
                value = next_value;
                objectives = next_objectives;
                step = used * 2.0;
                if gain <= STALL * value.abs().max(1e-300) {
                    status = SolveStatus::Converged;
                    break;
                }
            }
            None => {
                status = SolveStatus::Converged;
                break;
            }
        }
    }
    Ok(StartRun {
        x,
        value,
        violation: 0.0,
        objectives,
        status,
        iterations,
        evaluations: evaluator.evaluations,
    })
}

type Step = (Vec<f64>, f64, Vec<f64>, f64);

fn line_search(
    evaluator: &mut Evaluator<'_>,
    x: &[f64],
    value: f64,
    gradient: &[f64],
    mut step: f64,
) -> Result<Option<Step>, CoreError> {
    for _ in 0..60 {
        let mut trial: Vec<f64> = x.iter().zip(gradient).map(|(v, g)| v + step * g).collect();
        evaluator.problem.repair(&mut trial)?;
        let moved: f64 = trial
            .iter()
            .zip(x)
            .zip(gradient)
            .map(|((t, v), g)| g * (t - v))
            .sum();
        if moved <= 0.0 {
            step *= 0.5;
            continue;
        }
        let (trial_value, trial_objectives) = evaluator.value(&trial)?;
        if trial_value >= value + 1e-4 * moved && trial_value > value {
            return Ok(Some((trial, trial_value, trial_objectives, step)));
        }
        step *= 0.5;
    }
    Ok(None)
}

fn spend_scale(problem: &Problem) -> f64 {
    let span: f64 = problem
        .linear
        .upper
        .iter()
        .zip(&problem.linear.lower)
        .map(|(u, l)| u - l)
        .sum();
    (span / problem.n_channels().max(1) as f64).max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioFile;

    fn problem() -> Problem {
        let text = r#"
name = "two concave channels"
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  { channel = "a", kpi = "revenue", coefficient = 1000.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "b", kpi = "revenue", coefficient = 1000.0, alpha = 1.0, inflexion = 50.0 },
]
[[channels]]
name = "a"
current = 90.0
[[channels]]
name = "b"
current = 10.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;
        ScenarioFile::parse(text, "test").unwrap().build().unwrap()
    }

    #[test]
    fn symmetric_concave_channels_split_evenly() {
        let problem = problem();
        let scalar = LinearScalarization {
            coefficients: vec![1.0],
        };
        let outcome = maximize(&problem, &scalar, &SolveOptions::from_problem(&problem)).unwrap();
        assert!(
            (outcome.spend[0] - 50.0).abs() < 1e-3,
            "{:?}",
            outcome.spend
        );
        assert!(
            (outcome.spend[1] - 50.0).abs() < 1e-3,
            "{:?}",
            outcome.spend
        );
        assert!((outcome.spend.iter().sum::<f64>() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn answer_is_never_worse_than_current() {
        let problem = problem();
        let scalar = LinearScalarization {
            coefficients: vec![1.0],
        };
        let mut options = SolveOptions::from_problem(&problem);
        options.starts = 1;
        options.max_iterations = 1;
        let outcome = maximize(&problem, &scalar, &options).unwrap();
        let current = problem.evaluate_plan(&problem.current).unwrap().objectives[0];
        assert!(outcome.objectives[0] >= current);
    }

    #[test]
    fn same_seed_same_answer_across_threads() {
        let problem = problem();
        let scalar = LinearScalarization {
            coefficients: vec![1.0],
        };
        let options = SolveOptions::from_problem(&problem);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| maximize(&problem, &scalar, &options).unwrap())
        };
        assert_eq!(run(1), run(2));
    }
}
