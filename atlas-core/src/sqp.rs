//! Sequential quadratic programming (SQP) for smooth models under linear and nonlinear rules.
//!
//! [`maximize`] finds a local maximum of a smooth function subject to box bounds, linear rows
//! `lower <= a . x <= upper` and nonlinear inequalities `c_k(x) >= 0`. Each iteration solves one
//! convex quadratic program (QP) with clarabel (version 0.11):
//!
//! ```text
//! minimize    g'd + 1/2 d'Bd + penalty * sum(v)
//! subject to  linear rows and box bounds at x + d,
//!             c_k(x) + grad c_k(x)'d + v_k >= 0,  v >= 0,
//! ```
//!
//! where `g` is the gradient of the negated objective and `B` is a BFGS approximation of the
//! Hessian of the Lagrangian of the minimization, starting from a scaled identity. Powell's
//! damping of the update keeps `B` positive definite. The elastic slacks `v` keep the QP
//! feasible when the linearized constraints are not, as in Fletcher's Sl1QP method. A
//! backtracking line search on the L1 merit function `-f(x) + penalty * sum(max(0, -c_k(x)))`
//! accepts the step, after a second-order correction when the full step fails on a curved
//! constraint.
//!
//! The QP enforces the linear rows and bounds at `x + d`, and every step length lies in
//! `(0, 1]`, so iterates keep the linear rules because their feasible set is convex. The bounds
//! hold exactly, because every trial point is clamped into them. The rows hold to clarabel's
//! relative feasibility tolerance, which this module sets to 1e-12.
//!
//! Internally the variables are divided by one scale (the largest start magnitude), the objective
//! by its largest start partial derivative times that scale, and each constraint likewise by its
//! own. Multiplying the objective or a constraint by a positive constant therefore gives the same
//! iterates up to rounding, and the tolerance is relative to the start's gradient.
//!
//! `B` is dense: it takes `8 n^2` bytes, every update costs `O(n^2)`, and the QP factorizes a
//! dense `n x n` block in every interior-point iteration, about `n^3 / 3` flops.
//!
//! NOTE: that factorization dominates from a few hundred variables. In the test
//! `weekly_plan_solve_time` (1040 variables, one sum row, bounds) a solve took about two
//! minutes on a 2-core machine, so callers should cap the number of variables.
//!
//! ```
//! use atlas_core::error::CoreError;
//! use atlas_core::feasibility::LinearRow;
//! use atlas_core::sqp::{maximize, SmoothProblem, SqpOptions, SqpStatus};
//!
//! /// Two saturating response curves, `100 x / (x + 50)` and `300 y / (y + 50)`.
//! struct Curves;
//!
//! impl SmoothProblem for Curves {
//!     fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
//!         let value = 100.0 * x[0] / (x[0] + 50.0) + 300.0 * x[1] / (x[1] + 50.0);
//!         let gradient = vec![
//!             5000.0 / (x[0] + 50.0).powi(2),
//!             15000.0 / (x[1] + 50.0).powi(2),
//!         ];
//!         Ok((value, gradient))
//!     }
//! }
//!
//! let budget = LinearRow { terms: vec![(0, 1.0), (1, 1.0)], lower: 100.0, upper: 100.0 };
//! let outcome = maximize(
//!     &mut Curves,
//!     &[budget],
//!     &[0.0, 0.0],
//!     &[f64::INFINITY, f64::INFINITY],
//!     &[50.0, 50.0],
//!     &SqpOptions::default(),
//! )
//! .unwrap();
//! assert_eq!(outcome.status, SqpStatus::Converged);
//! // Equal marginal returns: x + 50 = 200 / (1 + sqrt 3).
//! let expected = 200.0 / (1.0 + 3f64.sqrt()) - 50.0;
//! assert!((outcome.x[0] - expected).abs() < 1e-4);
//! ```

use std::time::{Duration, Instant};

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use serde::Serialize;

use crate::error::CoreError;
use crate::feasibility::LinearRow;

/// Start of the message of an error that a failed quadratic subproblem raises, as opposed to
/// an error of the model.
pub const SUBPROBLEM_FAILURE: &str = "QP subproblem: ";

/// Returns whether `error` is a failed quadratic subproblem, after which a caller that only
/// refines a plan can keep the plan it has.
pub fn is_subproblem_failure(error: &CoreError) -> bool {
    matches!(error, CoreError::Model(message) if message.starts_with(SUBPROBLEM_FAILURE))
}

/// A smooth function to maximize, with optional smooth inequality constraints.
pub trait SmoothProblem {
    /// Returns the value and gradient of the function to maximize at `x`.
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError>;

    /// Returns the values and gradients of the nonlinear constraints `c_k(x) >= 0` at `x`.
    ///
    /// Every call must return the same number of constraints. The default has none.
    fn constraints(&mut self, x: &[f64]) -> Result<Vec<(f64, Vec<f64>)>, CoreError> {
        let _ = x;
        Ok(Vec::new())
    }
}

/// Options of one [`maximize`] call.
#[derive(Debug, Clone, PartialEq)]
pub struct SqpOptions {
    /// Maximum number of SQP iterations. Each solves one or more QPs and runs one line search.
    pub max_iterations: usize,
    /// KKT residual below which the solve counts as converged, relative to the start's
    /// gradient (see [`SqpOutcome::kkt_residual`]). Must be finite and positive.
    pub tolerance: f64,
    /// Time after which the solve stops and returns the current iterate. It is checked before
    /// each iteration and passed to clarabel as the time limit of each QP, but a line search in
    /// progress finishes first.
    pub deadline: Option<Instant>,
}

impl Default for SqpOptions {
    fn default() -> Self {
        Self {
            max_iterations: 200,
            tolerance: 1e-6,
            deadline: None,
        }
    }
}

/// Reason the solve stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SqpStatus {
    /// The KKT residual fell below the tolerance.
    Converged,
    /// The solve ran `max_iterations` iterations without converging.
    IterationLimit,
    /// The deadline passed before convergence.
    TimeLimit,
    /// The line search found no step that lowers the merit function, although the KKT
    /// residual is above the tolerance. This happens when the tolerance is below what
    /// rounding allows, or when the nonlinear constraints cannot be met near `x`.
    Stalled,
}

/// Result of [`maximize`]: the last accepted iterate and how the solve ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SqpOutcome {
    /// The last accepted iterate. It meets the linear rows and bounds. It meets the nonlinear
    /// constraints when the status is [`SqpStatus::Converged`], up to the tolerance.
    pub x: Vec<f64>,
    /// The objective at `x`, as the problem returned it.
    pub value: f64,
    /// Number of accepted steps.
    pub iterations: usize,
    /// Number of points at which the objective and constraints were evaluated.
    pub evaluations: usize,
    /// Reason the solve stopped.
    pub status: SqpStatus,
    /// Largest KKT residual at `x`, relative: the stationarity error over the start's largest
    /// partial derivative, the complementarity products and the constraint violations, all in
    /// the internal scaling. The multipliers come from the last QP at `x`. It is infinite when
    /// the deadline stopped the solve before a QP at `x` finished.
    pub kkt_residual: f64,
}

/// Violation of a bound or row by the start, relative to the magnitudes involved, below which
/// the start counts as feasible. `LinearSet::project` in `projection.rs` meets the rules to
/// 1e-10 of the total spend or better.
const START_TOLERANCE: f64 = 1e-7;

/// Duality gap and feasibility tolerance of each QP. The QP is in the internal scaling, where
/// the largest entry of the start's gradient is 1, so this is far below any useful
/// [`SqpOptions::tolerance`].
const QP_TOLERANCE: f64 = 1e-12;

/// Penalty of the L1 merit function and of the elastic slacks at the start, in the internal
/// scaling, where Lagrange multipliers of well-scaled constraints are of order 1.
const INITIAL_PENALTY: f64 = 10.0;

/// Factor by which the penalty grows while the QP leaves the linearized constraints violated.
const PENALTY_GROWTH: f64 = 10.0;

/// Largest penalty. Beyond it the objective no longer matters in the QP.
const MAX_PENALTY: f64 = 1e10;

/// Increases of the penalty per iteration.
const MAX_PENALTY_RAISES: usize = 4;

/// Sum of elastic slacks, in the internal scaling, below which the QP meets the linearized
/// constraints.
const ELASTIC_TOLERANCE: f64 = 1e-8;

/// Fraction of the QP model's predicted decrease that a step must achieve (Armijo constant).
const ARMIJO: f64 = 1e-4;

/// Maximum step lengths tried in one line search.
const MAX_BACKTRACKS: usize = 40;

/// Predicted decrease of the merit function, relative to its magnitude, below which rounding
/// errors of the objective can hide the decrease. The line search then also accepts steps by
/// the trapezoidal estimate in [`Search::accepts`].
const NOISE_LEVEL: f64 = 1e-10;

/// Maximum step lengths tried in one line search when the predicted decrease is below
/// [`NOISE_LEVEL`]. Shorter steps only shrink a decrease that rounding already hides.
const NOISY_BACKTRACKS: usize = 3;

/// Length of the first step, as a fraction of the variable scale, set by the initial `B`.
const FIRST_STEP: f64 = 0.1;

/// Curvature fraction of Powell's damping: the update keeps `s'r >= 0.2 s'Bs`.
const DAMPING: f64 = 0.2;

/// Finds a local maximum of `problem`'s objective subject to the linear `rows`, the box
/// `lower <= x <= upper` and the problem's nonlinear constraints, starting from `start`.
///
/// Terms of a row may repeat an index, and they add up. Equal limits make a row an equality,
/// and either limit may be infinite. `start` must meet the rows and bounds, up to a relative
/// 1e-7, but it need not meet the nonlinear constraints. Without nonlinear constraints the
/// returned value is never below the start's value, because the line search rejects every step
/// that lowers the objective.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] when the lengths of `lower`, `upper` and `start` differ, when
/// a bound, row or option is invalid, or when `start` violates a row or bound. Returns
/// [`CoreError::Model`] when the objective or a constraint returns a non-finite value, a
/// gradient of the wrong length or a changing number of constraints, when clarabel fails on a
/// QP, and whatever error the problem itself returns.
pub fn maximize(
    problem: &mut dyn SmoothProblem,
    rows: &[LinearRow],
    lower: &[f64],
    upper: &[f64],
    start: &[f64],
    options: &SqpOptions,
) -> Result<SqpOutcome, CoreError> {
    validate_options(options)?;
    let bounds = Bounds::new(lower, upper, start.len())?;
    let rows = compile_rows(rows, start.len())?;
    let x = feasible_start(start, &bounds, &rows)?;
    let mut evaluator = Evaluator {
        problem,
        variables: x.len(),
        constraint_count: None,
        evaluations: 0,
    };
    let raw = evaluator.evaluate(&x)?;
    let scaling = Scaling::new(&x, &bounds, &raw);
    let point = scaling.point(x, raw);
    let hessian = Hessian::initial(&point.gradient);
    let search = Search {
        evaluator,
        subproblem: Subproblem {
            rows: &rows,
            bounds: &bounds,
            variable_scale: scaling.variable,
        },
        scaling,
        options,
        point,
        hessian,
        penalty: INITIAL_PENALTY,
        iterations: 0,
    };
    search.run()
}

fn validate_options(options: &SqpOptions) -> Result<(), CoreError> {
    if !(options.tolerance.is_finite() && options.tolerance > 0.0) {
        return Err(CoreError::invalid(
            "options.tolerance",
            format!(
                "{} is not a positive finite number; use a relative KKT tolerance such as 1e-6",
                options.tolerance
            ),
        ));
    }
    Ok(())
}

/// Box bounds per variable, checked.
struct Bounds {
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Bounds {
    fn new(lower: &[f64], upper: &[f64], variables: usize) -> Result<Self, CoreError> {
        if variables == 0 {
            return Err(CoreError::invalid(
                "start",
                "is empty; give a start value for each variable",
            ));
        }
        for (field, bounds) in [("lower", lower), ("upper", upper)] {
            if bounds.len() != variables {
                return Err(CoreError::invalid(
                    field,
                    format!(
                        "has {} entries but start has {variables}; give one bound per variable",
                        bounds.len()
                    ),
                ));
            }
        }
        for (index, (&low, &high)) in lower.iter().zip(upper).enumerate() {
            if low.is_nan() || low == f64::INFINITY {
                return Err(CoreError::invalid(
                    format!("lower[{index}]"),
                    format!("{low} is not a valid lower bound; use a number or -inf for none"),
                ));
            }
            if high.is_nan() || high == f64::NEG_INFINITY {
                return Err(CoreError::invalid(
                    format!("upper[{index}]"),
                    format!("{high} is not a valid upper bound; use a number or inf for none"),
                ));
            }
            if low > high {
                return Err(CoreError::invalid(
                    format!("lower[{index}]"),
                    format!("{low} exceeds upper[{index}] = {high}; make lower <= upper"),
                ));
            }
        }
        Ok(Self {
            lower: lower.to_vec(),
            upper: upper.to_vec(),
        })
    }

    fn clamp(&self, index: usize, value: f64) -> f64 {
        value.clamp(self.lower[index], self.upper[index])
    }
}

/// A linear row with repeated indices added up, zero coefficients dropped and terms sorted by
/// index.
#[derive(Debug, Clone, PartialEq)]
struct CompiledRow {
    terms: Vec<(usize, f64)>,
    lower: f64,
    upper: f64,
}

impl CompiledRow {
    fn activity(&self, x: &[f64]) -> f64 {
        self.terms.iter().map(|&(index, a)| a * x[index]).sum()
    }

    fn is_equality(&self) -> bool {
        self.lower == self.upper
    }
}

/// Checks `rows` and compiles those that constrain something. Rows without a finite limit and
/// rows without a nonzero coefficient are dropped, after checking that the latter allow zero.
fn compile_rows(rows: &[LinearRow], variables: usize) -> Result<Vec<CompiledRow>, CoreError> {
    let mut compiled = Vec::with_capacity(rows.len());
    for (number, row) in rows.iter().enumerate() {
        for (position, &(index, coefficient)) in row.terms.iter().enumerate() {
            let field = || format!("rows[{number}].terms[{position}]");
            if index >= variables {
                return Err(CoreError::invalid(
                    field(),
                    format!(
                        "variable index {index} is out of range; use an index below {variables}"
                    ),
                ));
            }
            if !coefficient.is_finite() {
                return Err(CoreError::invalid(
                    field(),
                    format!("coefficient {coefficient} is not finite; use a finite number"),
                ));
            }
        }
        if row.lower.is_nan() || row.lower == f64::INFINITY {
            return Err(CoreError::invalid(
                format!("rows[{number}].lower"),
                format!(
                    "{} is not a valid lower limit; use a number or -inf",
                    row.lower
                ),
            ));
        }
        if row.upper.is_nan() || row.upper == f64::NEG_INFINITY {
            return Err(CoreError::invalid(
                format!("rows[{number}].upper"),
                format!(
                    "{} is not a valid upper limit; use a number or inf",
                    row.upper
                ),
            ));
        }
        if row.lower > row.upper {
            return Err(CoreError::invalid(
                format!("rows[{number}].lower"),
                format!(
                    "{} exceeds the upper limit {}; make lower <= upper",
                    row.lower, row.upper
                ),
            ));
        }
        let terms = merge_terms(&row.terms);
        if terms.is_empty() {
            if row.lower > 0.0 || row.upper < 0.0 {
                return Err(CoreError::invalid(
                    format!("rows[{number}]"),
                    format!(
                        "has no nonzero coefficient, so its value is 0, outside [{}, {}]; \
                         fix the coefficients or the limits",
                        row.lower, row.upper
                    ),
                ));
            }
            continue;
        }
        if row.lower.is_infinite() && row.upper.is_infinite() {
            continue;
        }
        compiled.push(CompiledRow {
            terms,
            lower: row.lower,
            upper: row.upper,
        });
    }
    Ok(compiled)
}

fn merge_terms(terms: &[(usize, f64)]) -> Vec<(usize, f64)> {
    let mut sorted = terms.to_vec();
    sorted.sort_by_key(|&(index, _)| index);
    let mut merged: Vec<(usize, f64)> = Vec::with_capacity(sorted.len());
    for (index, coefficient) in sorted {
        match merged.last_mut() {
            Some((last, sum)) if *last == index => *sum += coefficient,
            _ => merged.push((index, coefficient)),
        }
    }
    merged.retain(|&(_, coefficient)| coefficient != 0.0);
    merged
}

/// Checks that `start` meets the bounds and rows, and returns it clamped into the bounds.
fn feasible_start(
    start: &[f64],
    bounds: &Bounds,
    rows: &[CompiledRow],
) -> Result<Vec<f64>, CoreError> {
    let mut x = Vec::with_capacity(start.len());
    for (index, &value) in start.iter().enumerate() {
        if !value.is_finite() {
            return Err(CoreError::invalid(
                format!("start[{index}]"),
                format!("{value} is not finite; give a finite start value"),
            ));
        }
        let (low, high) = (bounds.lower[index], bounds.upper[index]);
        let allowance = START_TOLERANCE * value.abs().max(1.0);
        if value < low - allowance || value > high + allowance {
            return Err(CoreError::invalid(
                format!("start[{index}]"),
                format!(
                    "{value} is outside the bounds [{low}, {high}]; project the start onto \
                     the bounds and rows first"
                ),
            ));
        }
        x.push(bounds.clamp(index, value));
    }
    for (number, row) in rows.iter().enumerate() {
        let activity = row.activity(&x);
        let magnitude: f64 = row
            .terms
            .iter()
            .map(|&(index, a)| (a * x[index]).abs())
            .sum();
        let allowance = START_TOLERANCE * magnitude.max(1.0);
        if activity < row.lower - allowance || activity > row.upper + allowance {
            return Err(CoreError::invalid(
                "start",
                format!(
                    "violates rows[{number}]: its value is {activity}, outside [{}, {}]; \
                     project the start onto the bounds and rows first",
                    row.lower, row.upper
                ),
            ));
        }
    }
    Ok(x)
}

/// Objective and constraints at one point, as the problem returned them.
struct RawEvaluation {
    value: f64,
    gradient: Vec<f64>,
    constraints: Vec<(f64, Vec<f64>)>,
}

/// Calls the problem and checks what it returns.
struct Evaluator<'p> {
    problem: &'p mut dyn SmoothProblem,
    variables: usize,
    constraint_count: Option<usize>,
    evaluations: usize,
}

impl Evaluator<'_> {
    fn evaluate(&mut self, x: &[f64]) -> Result<RawEvaluation, CoreError> {
        self.evaluations += 1;
        let number = self.evaluations;
        let (value, gradient) = self.problem.objective(x)?;
        if !value.is_finite() {
            return Err(CoreError::Model(format!(
                "the objective is {value} at evaluation {number}; the model must return \
                 finite values everywhere inside the bounds"
            )));
        }
        self.check_gradient("objective", &gradient, number)?;
        let constraints = self.problem.constraints(x)?;
        let expected = *self.constraint_count.get_or_insert(constraints.len());
        if constraints.len() != expected {
            return Err(CoreError::Model(format!(
                "the problem returned {} nonlinear constraints at evaluation {number} but \
                 {expected} before; return the same constraints at every point",
                constraints.len()
            )));
        }
        for (k, (value, gradient)) in constraints.iter().enumerate() {
            if !value.is_finite() {
                return Err(CoreError::Model(format!(
                    "constraint {k} is {value} at evaluation {number}; the model must return \
                     finite values everywhere inside the bounds"
                )));
            }
            self.check_gradient(&format!("constraint {k}"), gradient, number)?;
        }
        Ok(RawEvaluation {
            value,
            gradient,
            constraints,
        })
    }

    fn check_gradient(&self, name: &str, gradient: &[f64], number: usize) -> Result<(), CoreError> {
        if gradient.len() != self.variables {
            return Err(CoreError::Model(format!(
                "the gradient of the {name} has {} entries at evaluation {number}, but there \
                 are {} variables; return one partial derivative per variable",
                gradient.len(),
                self.variables
            )));
        }
        if let Some(index) = gradient.iter().position(|g| !g.is_finite()) {
            return Err(CoreError::Model(format!(
                "the gradient of the {name} is {} at index {index} at evaluation {number}; the \
                 model must return finite derivatives everywhere inside the bounds",
                gradient[index]
            )));
        }
        Ok(())
    }
}

/// Scales that make the internal problem independent of the units of the objective, of each
/// constraint and of the variables.
struct Scaling {
    /// Divisor of the variables: the largest start magnitude, else the largest finite bound
    /// magnitude, else 1.
    variable: f64,
    /// Divisor of the objective: the largest partial derivative at the start times
    /// `variable`, else the start value's magnitude, else 1.
    objective: f64,
    /// Divisors of the constraints, chosen like `objective`.
    constraints: Vec<f64>,
}

impl Scaling {
    fn new(x: &[f64], bounds: &Bounds, raw: &RawEvaluation) -> Self {
        let mut variable = largest_finite_magnitude(x);
        if variable == 0.0 {
            let limits: Vec<f64> = bounds.lower.iter().chain(&bounds.upper).copied().collect();
            variable = largest_finite_magnitude(&limits);
        }
        if variable == 0.0 {
            variable = 1.0;
        }
        // The scale of a function comes from its gradient, so a constant offset leaves it alone.
        // The value serves only when the gradient is zero at the start.
        let function_scale = |value: f64, gradient: &[f64]| {
            [largest_finite_magnitude(gradient) * variable, value.abs()]
                .into_iter()
                .find(|scale| scale.is_normal())
                .unwrap_or(1.0)
        };
        Self {
            variable,
            objective: function_scale(raw.value, &raw.gradient),
            constraints: raw
                .constraints
                .iter()
                .map(|(value, gradient)| function_scale(*value, gradient))
                .collect(),
        }
    }

    /// Converts an evaluation to the internal minimization problem.
    fn point(&self, x: Vec<f64>, raw: RawEvaluation) -> Point {
        let gradient_factor = -self.variable / self.objective;
        let mut constraints = Vec::with_capacity(raw.constraints.len());
        let mut jacobian = Vec::with_capacity(raw.constraints.len());
        for ((value, gradient), scale) in raw.constraints.iter().zip(&self.constraints) {
            constraints.push(value / scale);
            let factor = self.variable / scale;
            jacobian.push(gradient.iter().map(|g| g * factor).collect());
        }
        Point {
            x,
            value: raw.value,
            objective: -raw.value / self.objective,
            gradient: raw.gradient.iter().map(|g| g * gradient_factor).collect(),
            constraints,
            jacobian,
        }
    }
}

/// An iterate and its scaled minimization data. Derivatives are with respect to the scaled
/// variables `x / Scaling::variable`.
struct Point {
    x: Vec<f64>,
    /// Objective as the problem returned it.
    value: f64,
    /// Scaled negated objective.
    objective: f64,
    /// Gradient of `objective`.
    gradient: Vec<f64>,
    /// Scaled constraint values.
    constraints: Vec<f64>,
    /// Gradients of `constraints`, one row per constraint.
    jacobian: Vec<Vec<f64>>,
}

impl Point {
    fn violation(&self) -> f64 {
        self.constraints.iter().map(|c| (-c).max(0.0)).sum()
    }

    fn merit(&self, penalty: f64) -> f64 {
        self.objective + penalty * self.violation()
    }

    /// Returns the gradient of the Lagrangian `objective - multipliers . constraints`.
    fn lagrangian_gradient(&self, multipliers: &[f64]) -> Vec<f64> {
        let mut gradient = self.gradient.clone();
        for (row, &multiplier) in self.jacobian.iter().zip(multipliers) {
            for (entry, &derivative) in gradient.iter_mut().zip(row) {
                *entry -= multiplier * derivative;
            }
        }
        gradient
    }
}

/// Dense symmetric BFGS matrix in the scaled variables, stored row by row.
#[derive(Debug, Clone, PartialEq)]
struct Hessian {
    size: usize,
    values: Vec<f64>,
    /// Whether an update has been applied. Until then, the initial identity is rescaled before
    /// the first update.
    updated: bool,
}

impl Hessian {
    /// Builds the identity scaled so that the first unconstrained step moves the variable with
    /// the largest partial derivative by [`FIRST_STEP`] times the variable scale.
    fn initial(gradient: &[f64]) -> Self {
        let largest = largest_magnitude(gradient);
        let diagonal = if largest > 0.0 {
            largest / FIRST_STEP
        } else {
            1.0
        };
        Self::scaled_identity(gradient.len(), diagonal)
    }

    fn scaled_identity(size: usize, diagonal: f64) -> Self {
        let mut values = vec![0.0; size * size];
        for index in 0..size {
            values[index * size + index] = diagonal;
        }
        Self {
            size,
            values,
            updated: false,
        }
    }

    fn product(&self, vector: &[f64]) -> Vec<f64> {
        self.values
            .chunks_exact(self.size)
            .map(|row| dot(row, vector))
            .collect()
    }

    /// Applies Powell's damped BFGS update for step `s` and gradient change `y`.
    ///
    /// When `s'y < 0.2 s'Bs`, `y` is replaced by `r = theta y + (1 - theta) Bs` with
    /// `s'r = 0.2 s'Bs`, so `B` stays positive definite. Before the first update the
    /// identity is rescaled to `y'y / s'y` (Shanno and Phua) when `s'y > 0`.
    fn update(&mut self, s: &[f64], y: &[f64]) {
        let sy = dot(s, y);
        if !self.updated && sy > 0.0 {
            let diagonal = dot(y, y) / sy;
            if diagonal.is_normal() {
                *self = Self::scaled_identity(self.size, diagonal);
            }
        }

        let bs = self.product(s);
        let sbs = dot(s, &bs);
        if !(sbs.is_normal() && sbs > 0.0) {
            return;
        }
        let theta = if sy >= DAMPING * sbs {
            1.0
        } else {
            (1.0 - DAMPING) * sbs / (sbs - sy)
        };
        let r: Vec<f64> = y
            .iter()
            .zip(&bs)
            .map(|(yi, bsi)| theta * yi + (1.0 - theta) * bsi)
            .collect();
        let sr = dot(s, &r);
        if !(sr.is_normal() && sr > 0.0) {
            return;
        }

        let previous = self.values.clone();
        for (i, row) in self.values.chunks_exact_mut(self.size).enumerate() {
            for (j, entry) in row.iter_mut().enumerate() {
                *entry += r[i] * r[j] / sr - bs[i] * bs[j] / sbs;
            }
        }
        self.updated = true;

        let positive_diagonal = (0..self.size)
            .map(|index| self.values[index * self.size + index])
            .all(|d| d.is_finite() && d > 0.0);
        if !positive_diagonal || self.values.iter().any(|v| !v.is_finite()) {
            // A diagonal entry that is not positive shows that rounding broke positive
            // definiteness, so the previous matrix stays.
            self.values = previous;
        }
    }

    /// Returns the upper triangle as a `columns x columns` matrix, with zero rows and columns
    /// after `size` for the elastic slacks.
    fn upper_triangle(&self, columns: usize) -> CscMatrix<f64> {
        let mut column_starts = Vec::with_capacity(columns + 1);
        let mut row_indices = Vec::new();
        let mut entries = Vec::new();
        column_starts.push(0);
        for column in 0..columns {
            if column < self.size {
                for row in 0..=column {
                    let value = self.values[row * self.size + column];
                    if value != 0.0 {
                        row_indices.push(row);
                        entries.push(value);
                    }
                }
            }
            column_starts.push(row_indices.len());
        }
        CscMatrix::new(columns, columns, column_starts, row_indices, entries)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn largest_magnitude(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |m: f64, v| m.max(v.abs()))
}

fn largest_finite_magnitude(values: &[f64]) -> f64 {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0, |m: f64, v| m.max(v.abs()))
}

/// Role of a QP row, which decides how it enters the KKT residual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowRole {
    /// A linear row or bound at `x + d`, or a linearized nonlinear constraint.
    Constraint,
    /// The nonnegativity of an elastic slack, which the original problem does not have.
    Elastic,
}

/// Constraint matrix of one QP in clarabel's form `A z + s = b`, with the equality rows first.
#[derive(Default)]
struct QpRows {
    rows: Vec<usize>,
    columns: Vec<usize>,
    values: Vec<f64>,
    right_side: Vec<f64>,
    roles: Vec<RowRole>,
    equalities: usize,
}

impl QpRows {
    fn push(&mut self, terms: impl Iterator<Item = (usize, f64)>, right_side: f64, role: RowRole) {
        let row = self.right_side.len();
        for (column, value) in terms {
            self.rows.push(row);
            self.columns.push(column);
            self.values.push(value);
        }
        self.right_side.push(right_side);
        self.roles.push(role);
    }
}

/// Solution of one QP.
struct QpStep {
    /// Step in the scaled variables.
    delta: Vec<f64>,
    /// Sum of the elastic slacks.
    elastic: f64,
    /// Multipliers of the linearized nonlinear constraints.
    multipliers: Vec<f64>,
    /// KKT residual at the current point with the QP's multipliers.
    residual: f64,
}

/// Builds and solves the QP subproblems.
struct Subproblem<'a> {
    rows: &'a [CompiledRow],
    bounds: &'a Bounds,
    variable_scale: f64,
}

impl Subproblem<'_> {
    /// Builds the constraints of the QP at `point`, with `constants` as the constant terms of
    /// the linearized nonlinear constraints.
    fn constraint_rows(&self, point: &Point, constants: &[f64]) -> QpRows {
        let n = point.x.len();
        let scale = self.variable_scale;
        let mut qp = QpRows::default();
        let fixed = |index: usize| self.bounds.lower[index] == self.bounds.upper[index];

        for row in self.rows.iter().filter(|row| row.is_equality()) {
            let gap = (row.lower - row.activity(&point.x)) / scale;
            qp.push(row.terms.iter().copied(), gap, RowRole::Constraint);
        }
        for index in (0..n).filter(|&index| fixed(index)) {
            let gap = (self.bounds.lower[index] - point.x[index]) / scale;
            qp.push(std::iter::once((index, 1.0)), gap, RowRole::Constraint);
        }
        qp.equalities = qp.right_side.len();

        for row in self.rows.iter().filter(|row| !row.is_equality()) {
            let activity = row.activity(&point.x);
            if row.upper.is_finite() {
                let gap = (row.upper - activity) / scale;
                qp.push(row.terms.iter().copied(), gap, RowRole::Constraint);
            }
            if row.lower.is_finite() {
                let gap = (activity - row.lower) / scale;
                let negated = row.terms.iter().map(|&(index, a)| (index, -a));
                qp.push(negated, gap, RowRole::Constraint);
            }
        }
        for index in (0..n).filter(|&index| !fixed(index)) {
            let (low, high) = (self.bounds.lower[index], self.bounds.upper[index]);
            if high.is_finite() {
                let gap = (high - point.x[index]) / scale;
                qp.push(std::iter::once((index, 1.0)), gap, RowRole::Constraint);
            }
            if low.is_finite() {
                let gap = (point.x[index] - low) / scale;
                qp.push(std::iter::once((index, -1.0)), gap, RowRole::Constraint);
            }
        }

        // c_k + J_k d + v_k >= 0 becomes -J_k d - v_k <= c_k, and v_k >= 0 becomes -v_k <= 0.
        for (k, (gradient, &constant)) in point.jacobian.iter().zip(constants).enumerate() {
            let terms = gradient
                .iter()
                .enumerate()
                .filter(|(_, g)| **g != 0.0)
                .map(|(index, g)| (index, -g))
                .chain(std::iter::once((n + k, -1.0)));
            qp.push(terms, constant, RowRole::Constraint);
        }
        for k in 0..point.constraints.len() {
            qp.push(std::iter::once((n + k, -1.0)), 0.0, RowRole::Elastic);
        }
        qp
    }

    /// Solves the QP at `point`. Returns `Ok(None)` when clarabel reaches `time_limit`.
    fn solve(
        &self,
        point: &Point,
        hessian: &Hessian,
        penalty: f64,
        constants: &[f64],
        time_limit: Option<Duration>,
    ) -> Result<Option<QpStep>, CoreError> {
        let n = point.x.len();
        let constraint_count = point.constraints.len();
        let columns = n + constraint_count;
        let qp = self.constraint_rows(point, constants);
        let quadratic = hessian.upper_triangle(columns);
        let mut linear = point.gradient.clone();
        linear.resize(columns, penalty);

        let Some(QpSolution { primal, duals }) =
            run_clarabel(&quadratic, &linear, &qp, time_limit)?
        else {
            return Ok(None);
        };
        let delta = primal[..n].to_vec();
        if delta.iter().any(|d| !d.is_finite()) {
            return Err(CoreError::Model(format!(
                "{SUBPROBLEM_FAILURE}clarabel returned a non-finite step"
            )));
        }

        // The rows of the linearized constraints come just before the elastic rows.
        let constraint_end = qp.right_side.len() - constraint_count;
        let multipliers = duals[constraint_end - constraint_count..constraint_end].to_vec();
        Ok(Some(QpStep {
            delta,
            elastic: primal[n..].iter().map(|v| v.max(0.0)).sum(),
            multipliers,
            residual: kkt_residual(point, &qp, &duals),
        }))
    }
}

/// Primal solution and row multipliers that clarabel returned.
struct QpSolution {
    primal: Vec<f64>,
    duals: Vec<f64>,
}

/// Solves `min 1/2 z'Pz + q'z` subject to the rows `qp` with clarabel, where `quadratic` is
/// the upper triangle of `P` and `linear` is `q`. Returns `Ok(None)` when clarabel reaches
/// `time_limit`.
fn run_clarabel(
    quadratic: &CscMatrix<f64>,
    linear: &[f64],
    qp: &QpRows,
    time_limit: Option<Duration>,
) -> Result<Option<QpSolution>, CoreError> {
    let failure = |message: String| CoreError::Model(format!("{SUBPROBLEM_FAILURE}{message}"));
    let row_count = qp.right_side.len();
    let matrix = CscMatrix::new_from_triplets(
        row_count,
        linear.len(),
        qp.rows.clone(),
        qp.columns.clone(),
        qp.values.clone(),
    );
    let mut cones = Vec::new();
    if qp.equalities > 0 {
        cones.push(SupportedConeT::ZeroConeT(qp.equalities));
    }
    if row_count > qp.equalities {
        cones.push(SupportedConeT::NonnegativeConeT(row_count - qp.equalities));
    }

    let settings: DefaultSettings<f64> = DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_gap_abs(QP_TOLERANCE)
        .tol_gap_rel(QP_TOLERANCE)
        .tol_feas(QP_TOLERANCE)
        .time_limit(time_limit.map_or(f64::INFINITY, |limit| limit.as_secs_f64()))
        .build()
        .map_err(|error| failure(format!("invalid clarabel settings: {error}")))?;
    let mut solver =
        DefaultSolver::new(quadratic, linear, &matrix, &qp.right_side, &cones, settings)
            .map_err(|error| failure(format!("clarabel setup failed: {error}")))?;
    solver.solve();

    let solution = &solver.solution;
    match solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => Ok(Some(QpSolution {
            primal: solution.x.clone(),
            duals: solution.z.clone(),
        })),
        SolverStatus::MaxTime => Ok(None),
        status => Err(failure(format!(
            "clarabel stopped with status {status:?} after {} interior-point iterations \
             instead of solving the QP; check the rules for near-duplicates and the gradients \
             for extreme values",
            solution.iterations
        ))),
    }
}

/// Returns the largest KKT residual at `point` for the multipliers `duals` of the QP rows `qp`.
///
/// Clarabel's multipliers satisfy `q + P d + A'z = 0`, so the stationarity error at the
/// current point is `g + A'z` over the step columns. The constant terms of the rows are the
/// slacks at the current point, so their products with `z` measure complementarity.
fn kkt_residual(point: &Point, qp: &QpRows, duals: &[f64]) -> f64 {
    let n = point.x.len();
    let mut stationarity = point.gradient.clone();
    for ((&row, &column), &value) in qp.rows.iter().zip(&qp.columns).zip(&qp.values) {
        if column < n {
            stationarity[column] += value * duals[row];
        }
    }
    let mut residual = largest_magnitude(&stationarity);
    for (row, (&slack, &role)) in qp.right_side.iter().zip(&qp.roles).enumerate() {
        if row >= qp.equalities && role == RowRole::Constraint {
            residual = residual.max((duals[row] * slack).abs());
        }
    }
    for &value in &point.constraints {
        residual = residual.max(-value);
    }
    residual
}

/// State of one solve.
struct Search<'a, 'p> {
    evaluator: Evaluator<'p>,
    subproblem: Subproblem<'a>,
    scaling: Scaling,
    options: &'a SqpOptions,
    point: Point,
    hessian: Hessian,
    penalty: f64,
    iterations: usize,
}

impl Search<'_, '_> {
    fn run(mut self) -> Result<SqpOutcome, CoreError> {
        loop {
            let Some(step) = self.direction()? else {
                return Ok(self.finish(SqpStatus::TimeLimit, f64::INFINITY));
            };
            if step.residual <= self.options.tolerance {
                return Ok(self.finish(SqpStatus::Converged, step.residual));
            }
            if self.iterations >= self.options.max_iterations {
                return Ok(self.finish(SqpStatus::IterationLimit, step.residual));
            }
            if self.remaining_time() == Some(Duration::ZERO) {
                return Ok(self.finish(SqpStatus::TimeLimit, step.residual));
            }
            let Some(next) = self.line_search(&step)? else {
                return Ok(self.finish(SqpStatus::Stalled, step.residual));
            };
            let s: Vec<f64> = next
                .x
                .iter()
                .zip(&self.point.x)
                .map(|(new, old)| (new - old) / self.scaling.variable)
                .collect();
            let old = self.point.lagrangian_gradient(&step.multipliers);
            let new = next.lagrangian_gradient(&step.multipliers);
            let y: Vec<f64> = new.iter().zip(&old).map(|(a, b)| a - b).collect();
            self.hessian.update(&s, &y);
            self.point = next;
            self.iterations += 1;
        }
    }

    fn remaining_time(&self) -> Option<Duration> {
        self.options
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Solves the QP at the current point, raising the penalty while the QP leaves the
    /// linearized constraints violated. Returns `Ok(None)` when the deadline passes.
    fn direction(&mut self) -> Result<Option<QpStep>, CoreError> {
        let constants = self.point.constraints.clone();
        let mut raises = 0;
        loop {
            let time_limit = self.remaining_time();
            if time_limit == Some(Duration::ZERO) {
                return Ok(None);
            }
            let Some(step) = self.subproblem.solve(
                &self.point,
                &self.hessian,
                self.penalty,
                &constants,
                time_limit,
            )?
            else {
                return Ok(None);
            };
            if step.elastic <= ELASTIC_TOLERANCE
                || raises >= MAX_PENALTY_RAISES
                || self.penalty >= MAX_PENALTY
            {
                return Ok(Some(step));
            }
            self.penalty = (self.penalty * PENALTY_GROWTH).min(MAX_PENALTY);
            raises += 1;
        }
    }

    /// Returns the decrease of the QP model of the merit function along `step`.
    ///
    /// At an exact QP solution the decrease is at least `d'Bd / 2`, because the model is
    /// convex and `d = 0` is feasible. Clarabel solves to about [`QP_TOLERANCE`], which can
    /// push the computed decrease of a tiny step below that bound or below zero, so the
    /// bound is returned instead.
    fn predicted_decrease(&self, step: &QpStep) -> f64 {
        let delta = &step.delta;
        let curvature = dot(delta, &self.hessian.product(delta));
        let linearized_violation: f64 = self
            .point
            .constraints
            .iter()
            .zip(&self.point.jacobian)
            .map(|(c, gradient)| (-(c + dot(gradient, delta))).max(0.0))
            .sum();
        let decrease = -dot(&self.point.gradient, delta) - 0.5 * curvature
            + self.penalty * (self.point.violation() - linearized_violation);
        decrease.max(0.5 * curvature)
    }

    /// Returns the point at step length `alpha` along `delta`, clamped into the bounds.
    fn trial(&self, alpha: f64, delta: &[f64]) -> Vec<f64> {
        let scale = self.scaling.variable;
        self.point
            .x
            .iter()
            .zip(delta)
            .enumerate()
            .map(|(index, (x, d))| self.subproblem.bounds.clamp(index, x + alpha * scale * d))
            .collect()
    }

    fn evaluate(&mut self, x: Vec<f64>) -> Result<Point, CoreError> {
        let raw = self.evaluator.evaluate(&x)?;
        Ok(self.scaling.point(x, raw))
    }

    /// Backtracks from the full step until the merit function decreases by at least
    /// [`ARMIJO`] times the predicted decrease. Returns `Ok(None)` when no step does.
    fn line_search(&mut self, step: &QpStep) -> Result<Option<Point>, CoreError> {
        let predicted = self.predicted_decrease(step);
        if predicted.is_nan() || predicted <= 0.0 {
            return Ok(None);
        }
        let current = self.point.merit(self.penalty);
        let noisy = predicted <= NOISE_LEVEL * current.abs().max(1.0);
        let attempts = if noisy {
            NOISY_BACKTRACKS
        } else {
            MAX_BACKTRACKS
        };
        let mut alpha = 1.0;
        for attempt in 0..attempts {
            let x = self.trial(alpha, &step.delta);
            if x == self.point.x {
                return Ok(None);
            }
            let trial = self.evaluate(x)?;
            if self.accepts(&trial, alpha * predicted, noisy) {
                return Ok(Some(trial));
            }
            if attempt == 0 && trial.violation() > 0.0 {
                if let Some(corrected) = self.second_order_correction(step, &trial)? {
                    if self.accepts(&corrected, predicted, noisy) {
                        return Ok(Some(corrected));
                    }
                }
            }
            // Minimizer of the quadratic through the merit at 0 and alpha with slope
            // -predicted at 0, kept within [0.1, 0.5] alpha.
            let curvature = trial.merit(self.penalty) - current + alpha * predicted;
            let interpolated = predicted * alpha * alpha / (2.0 * curvature);
            alpha = interpolated.clamp(0.1 * alpha, 0.5 * alpha);
        }
        Ok(None)
    }

    /// Decides whether `trial` decreases the merit function by at least [`ARMIJO`] times
    /// `predicted`, the model's decrease for the step taken.
    ///
    /// The computed merit must decrease strictly, so that a change below rounding never
    /// passes. When `noisy`, the decrease is below the rounding error of the merit, so the
    /// trapezoidal rule `(g(x) + g(x + s))'s / 2` estimates the objective's change from the
    /// gradients instead, and the computed merit need only not increase. Without nonlinear
    /// constraints, the objective as the problem returns it must not fall in either case.
    fn accepts(&self, trial: &Point, predicted: f64, noisy: bool) -> bool {
        let current = self.point.merit(self.penalty);
        let merit = trial.merit(self.penalty);
        if self.point.constraints.is_empty() && trial.value < self.point.value {
            return false;
        }
        if merit < current && merit <= current - ARMIJO * predicted {
            return true;
        }
        if !noisy || merit > current {
            return false;
        }
        let step: Vec<f64> = trial
            .x
            .iter()
            .zip(&self.point.x)
            .map(|(new, old)| (new - old) / self.scaling.variable)
            .collect();
        let objective_change =
            0.5 * (dot(&self.point.gradient, &step) + dot(&trial.gradient, &step));
        let violation_change = trial.violation() - self.point.violation();
        objective_change + self.penalty * violation_change <= -ARMIJO * predicted
    }

    /// Evaluates the step corrected for the curvature of the nonlinear constraints: the QP
    /// again, with each constraint linearized as `c(x + d) + J(x) (d' - d) >= 0`. Returns
    /// `Ok(None)` when the corrected QP does not solve, because the correction is optional.
    fn second_order_correction(
        &mut self,
        step: &QpStep,
        trial: &Point,
    ) -> Result<Option<Point>, CoreError> {
        let constants: Vec<f64> = trial
            .constraints
            .iter()
            .zip(&self.point.jacobian)
            .map(|(value, gradient)| value - dot(gradient, &step.delta))
            .collect();
        let time_limit = self.remaining_time();
        if time_limit == Some(Duration::ZERO) {
            return Ok(None);
        }
        let corrected = self.subproblem.solve(
            &self.point,
            &self.hessian,
            self.penalty,
            &constants,
            time_limit,
        );
        let Ok(Some(corrected)) = corrected else {
            return Ok(None);
        };
        let x = self.trial(1.0, &corrected.delta);
        if x == self.point.x {
            return Ok(None);
        }
        self.evaluate(x).map(Some)
    }

    fn finish(self, status: SqpStatus, kkt_residual: f64) -> SqpOutcome {
        tracing::debug!(
            ?status,
            iterations = self.iterations,
            evaluations = self.evaluator.evaluations,
            kkt_residual,
            penalty = self.penalty,
            "SQP solve finished"
        );
        SqpOutcome {
            x: self.point.x,
            value: self.point.value,
            iterations: self.iterations,
            evaluations: self.evaluator.evaluations,
            status,
            kkt_residual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_terms_adds_repeats() {
        let merged = merge_terms(&[(2, 1.0), (0, 0.5), (2, 2.0), (0, 0.5), (1, 1.0), (1, -1.0)]);
        assert_eq!(merged, vec![(0, 1.0), (2, 3.0)]);
    }

    #[test]
    fn damped_update_meets_secant() {
        let mut hessian = Hessian::scaled_identity(3, 2.0);
        hessian.updated = true;
        let s = [1.0, -0.5, 0.25];
        // s'y = 1.5 > 0.2 s'Bs = 0.525, so the update is undamped and B+ s = y.
        let y = [1.0, -1.0, 0.0];
        hessian.update(&s, &y);
        let product = hessian.product(&s);
        for (bs, expected) in product.iter().zip(&y) {
            assert!((bs - expected).abs() < 1e-12, "{product:?}");
        }
    }

    #[test]
    fn damped_update_stays_positive() {
        let mut hessian = Hessian::scaled_identity(2, 1.0);
        hessian.updated = true;
        let s = [1.0, 0.0];
        // Negative curvature: s'y = -1, so the damping replaces y by r with s'r = 0.2 s'Bs.
        hessian.update(&s, &[-1.0, 0.5]);
        let [a, b, c, d] = [
            hessian.values[0],
            hessian.values[1],
            hessian.values[2],
            hessian.values[3],
        ];
        assert_eq!(b, c);
        assert!(a > 0.0, "{:?}", hessian.values);
        assert!(a * d - b * c > 0.0, "{:?}", hessian.values);
        assert!((dot(&s, &hessian.product(&s)) - DAMPING).abs() < 1e-12);
    }

    #[test]
    fn first_update_rescales_identity() {
        let mut hessian = Hessian::scaled_identity(2, 100.0);
        let s = [1.0, 1.0];
        let y = [3.0, 3.0];
        hessian.update(&s, &y);
        // The rescaled identity 3 I already maps s to y, so the update leaves it alone.
        for (value, expected) in hessian.values.iter().zip([3.0, 0.0, 0.0, 3.0]) {
            assert!((value - expected).abs() < 1e-12, "{:?}", hessian.values);
        }
    }

    #[test]
    fn upper_triangle_skips_zeros() {
        let hessian = Hessian {
            size: 2,
            values: vec![2.0, 1.0, 1.0, 3.0],
            updated: true,
        };
        let matrix = hessian.upper_triangle(3);
        assert_eq!(matrix.colptr, vec![0, 1, 3, 3]);
        assert_eq!(matrix.rowval, vec![0, 0, 1]);
        assert_eq!(matrix.nzval, vec![2.0, 1.0, 3.0]);
        assert!(matrix.check_format().is_ok());
    }
}
