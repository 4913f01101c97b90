//! Adapters that run the quasi-Newton ([`crate::sqp`]) and CMA-ES ([`crate::cmaes`]) solvers
//! on a decision problem: one scalar of the objectives, the linear rules as rows, and the rules
//! on KPIs as nonlinear inequalities (SQP) or penalties (CMA-ES).

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

use crate::cmaes::{self, CmaesOptions, CmaesStop};
use crate::constraint::{linear_rules, NonlinearTerm};
use crate::error::CoreError;
use crate::problem::Problem;
use crate::solve::{Scalarization, SolveStatus};
use crate::sqp::{self, SmoothProblem, SqpOptions, SqpStatus};

/// Largest number of decisions for which the quasi-Newton method runs. Its dense Hessian
/// approximation makes each step cost about the cube of the count: on the two-core
/// development machine a whole solve took 2.4 s at 260 decisions and 16 s at 520. Larger
/// plans use projected gradient ascent alone.
pub const SQP_MAX_VARIABLES: usize = 300;

/// Weight of the squared relative violation of rules on KPIs in the CMA-ES objective, per
/// unit of the scalar's magnitude at the start.
const CMAES_PENALTY: f64 = 1e6;

/// Evaluations of a CMA-ES solve per decision when no limit is set, and their most.
const CMAES_EVALUATIONS_PER_DECISION: usize = 500;
const CMAES_MAX_DEFAULT_EVALUATIONS: usize = 100_000;

/// Result of one local or global search from one start.
pub struct SearchRun {
    /// The plan, repaired onto the linear rules.
    pub x: Vec<f64>,
    /// The scalar at `x`, without penalty.
    pub value: f64,
    /// Objective values at `x`.
    pub objectives: Vec<f64>,
    /// Reason the search stopped.
    pub status: SolveStatus,
    /// Iterations (SQP) or generations (CMA-ES).
    pub iterations: usize,
    /// Model evaluations, counting each gradient as one.
    pub evaluations: usize,
}

/// The scalar of the objectives and the rules on KPIs, seen as a smooth problem.
struct Smooth<'a> {
    problem: &'a Problem,
    scalarization: &'a dyn Scalarization,
    terms: Vec<NonlinearTerm>,
    evaluations: usize,
}

impl SmoothProblem for Smooth<'_> {
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        let plan = ArrayView1::from(x);
        let objectives = self
            .problem
            .objective_values(plan.insert_axis(Axis(0)))?
            .row(0)
            .to_vec();
        let jacobian = self.problem.objective_gradient(plan)?;
        self.evaluations += 2;
        let outer = self.scalarization.gradient(&objectives);
        let gradient = (0..x.len())
            .map(|i| (0..outer.len()).map(|j| outer[j] * jacobian[[j, i]]).sum())
            .collect();
        Ok((self.scalarization.value(&objectives), gradient))
    }

    fn constraints(&mut self, x: &[f64]) -> Result<Vec<(f64, Vec<f64>)>, CoreError> {
        if self.terms.is_empty() {
            return Ok(Vec::new());
        }
        let plan = ArrayView1::from(x);
        let kpis = self
            .problem
            .model
            .evaluate(plan.insert_axis(Axis(0)))?
            .row(0)
            .to_vec();
        let kpi_gradient = self.problem.kpi_gradient(plan)?;
        self.evaluations += 2;
        let total: f64 = x.iter().sum();
        Ok(self
            .terms
            .iter()
            .map(|term| {
                let (value, scale) = term.value(&kpis, total);
                let gradient = (0..x.len())
                    .map(|i| {
                        (term.kpi_coefficient * kpi_gradient[[term.kpi, i]]
                            + term.spend_coefficient)
                            / scale
                    })
                    .collect();
                (value / scale, gradient)
            })
            .collect())
    }
}

/// Runs the quasi-Newton method from `start`, with the rules on KPIs as constraints.
///
/// # Errors
///
/// Returns the model's error, or [`CoreError::Model`] when a quadratic subproblem fails.
pub fn run_sqp(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    start: &[f64],
    (max_iterations, max_evaluations, deadline): (usize, Option<usize>, Option<std::time::Instant>),
) -> Result<SearchRun, CoreError> {
    let rows: Vec<_> = linear_rules(problem.n_channels(), &problem.constraints)
        .into_iter()
        .flat_map(|rule| rule.rows)
        .collect();
    let mut smooth = Smooth {
        problem,
        scalarization,
        terms: problem
            .constraints
            .iter()
            .flat_map(|c| c.nonlinear_terms())
            .collect(),
        evaluations: 0,
    };

    // Each iteration evaluates the scalar and its gradient about twice.
    let by_evaluations = max_evaluations.map(|most| (most / 4).max(1));
    let iterations = by_evaluations.map_or(max_iterations, |cap| cap.min(max_iterations));
    let options = SqpOptions {
        max_iterations: iterations,
        deadline,
        ..SqpOptions::default()
    };
    let outcome = sqp::maximize(
        &mut smooth,
        &rows,
        &problem.linear.lower,
        &problem.linear.upper,
        start,
        &options,
    )?;

    let status = match outcome.status {
        SqpStatus::Converged | SqpStatus::Stalled => SolveStatus::Converged,
        SqpStatus::IterationLimit if by_evaluations.is_some_and(|cap| cap < max_iterations) => {
            SolveStatus::EvaluationLimit
        }
        SqpStatus::IterationLimit => SolveStatus::IterationLimit,
        SqpStatus::TimeLimit => SolveStatus::TimeLimit,
    };
    // The rows hold to the quadratic solver's tolerance; projecting makes them exact.
    let mut x = outcome.x;
    problem.repair(&mut x)?;
    let objectives = problem
        .objective_values(ArrayView1::from(&x[..]).insert_axis(Axis(0)))?
        .row(0)
        .to_vec();
    Ok(SearchRun {
        value: scalarization.value(&objectives),
        x,
        objectives,
        status,
        iterations: outcome.iterations,
        evaluations: smooth.evaluations + 1,
    })
}

/// Runs CMA-ES from `start`, repairing every candidate onto the linear rules and penalizing
/// rules on KPIs.
///
/// # Errors
///
/// Returns the model's error and the repair's.
pub fn run_cmaes(
    problem: &Problem,
    scalarization: &dyn Scalarization,
    start: &[f64],
    seed: u64,
    (max_evaluations, deadline): (Option<usize>, Option<std::time::Instant>),
) -> Result<SearchRun, CoreError> {
    let n = problem.n_channels();
    let terms: Vec<NonlinearTerm> = problem
        .constraints
        .iter()
        .flat_map(|c| c.nonlinear_terms())
        .collect();
    let budget = max_evaluations
        .unwrap_or((CMAES_EVALUATIONS_PER_DECISION * (n + 1)).min(CMAES_MAX_DEFAULT_EVALUATIONS));

    let step = initial_steps(problem, start);
    let start_objectives = problem
        .objective_values(ArrayView1::from(start).insert_axis(Axis(0)))?
        .row(0)
        .to_vec();
    let magnitude = scalarization.value(&start_objectives).abs().max(1e-300);
    let objective = |batch: ArrayView2<'_, f64>| -> Result<Vec<f64>, CoreError> {
        let values = problem.objective_values(batch)?;
        let kpis = if terms.is_empty() {
            None
        } else {
            Some(problem.model.evaluate(batch)?)
        };
        Ok((0..batch.nrows())
            .map(|r| {
                let scalar = scalarization.value(&values.row(r).to_vec());
                scalar - penalty(&terms, kpis.as_ref(), batch.row(r), r) * magnitude
            })
            .collect())
    };

    let repair = |x: &mut [f64]| problem.repair(x);
    let mut options = CmaesOptions::new(seed, budget);
    options.deadline = deadline;
    options.restarts = 4;
    let outcome = cmaes::maximize(start, &step, objective, repair, &options)?;
    let objectives = problem
        .objective_values(ArrayView1::from(&outcome.x[..]).insert_axis(Axis(0)))?
        .row(0)
        .to_vec();
    Ok(SearchRun {
        value: scalarization.value(&objectives),
        x: outcome.x,
        objectives,
        status: match outcome.stop {
            CmaesStop::Converged => SolveStatus::Converged,
            CmaesStop::EvaluationLimit => SolveStatus::EvaluationLimit,
            CmaesStop::TimeLimit => SolveStatus::TimeLimit,
        },
        iterations: outcome.generations,
        evaluations: outcome.evaluations + 2,
    })
}

/// Computes the weighted squared relative violation of the rules on KPIs of row `r`.
fn penalty(
    terms: &[NonlinearTerm],
    kpis: Option<&Array2<f64>>,
    plan: ArrayView1<'_, f64>,
    r: usize,
) -> f64 {
    let Some(kpis) = kpis else { return 0.0 };
    let row = kpis.row(r).to_vec();
    let total = plan.sum();
    terms
        .iter()
        .map(|term| {
            let (value, scale) = term.value(&row, total);
            let violation = (-value / scale).max(0.0);
            CMAES_PENALTY * violation * violation
        })
        .sum()
}

/// Returns the first step of each decision: a third of its range, with the total budget in
/// place of a missing upper bound, and 0 for a fixed decision.
fn initial_steps(problem: &Problem, start: &[f64]) -> Vec<f64> {
    let total = problem
        .linear
        .total
        .as_ref()
        .map(|t| t.limits().1)
        .filter(|t| t.is_finite())
        .unwrap_or_else(|| start.iter().sum::<f64>().max(1.0));
    problem
        .linear
        .lower
        .iter()
        .zip(&problem.linear.upper)
        .map(|(lo, hi)| {
            let width = if hi.is_finite() { hi - lo } else { total - lo };
            (width.max(0.0) / 3.0).min(total.max(0.0))
        })
        .collect()
}
