//! Tests of the SQP solver against optima derived by hand or by bisection on the multiplier.

use std::time::Instant;

use atlas_core::error::CoreError;
use atlas_core::feasibility::LinearRow;
use atlas_core::solve::splitmix64;
use atlas_core::sqp::{maximize, SmoothProblem, SqpOptions, SqpOutcome, SqpStatus};

const INF: f64 = f64::INFINITY;

fn row(terms: &[(usize, f64)], lower: f64, upper: f64) -> LinearRow {
    LinearRow {
        terms: terms.to_vec(),
        lower,
        upper,
    }
}

fn options(tolerance: f64) -> SqpOptions {
    SqpOptions {
        max_iterations: 500,
        tolerance,
        deadline: None,
    }
}

fn assert_relative(actual: f64, expected: f64, tolerance: f64) {
    let error = (actual - expected).abs() / expected.abs().max(1e-300);
    assert!(
        error <= tolerance,
        "expected {expected}, got {actual} (relative error {error:e})"
    );
}

/// Two Michaelis-Menten curves, `100 x / (x + 50)` and `300 y / (y + 50)`, times `scale`,
/// with the optional rule `floor_scale * (100 x / (x + 50) - 60) >= 0`.
struct Curves {
    scale: f64,
    floor_scale: Option<f64>,
}

impl Curves {
    fn plain(scale: f64) -> Self {
        Self {
            scale,
            floor_scale: None,
        }
    }
}

impl SmoothProblem for Curves {
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        let value = 100.0 * x[0] / (x[0] + 50.0) + 300.0 * x[1] / (x[1] + 50.0);
        let gradient = [
            5000.0 / (x[0] + 50.0).powi(2),
            15000.0 / (x[1] + 50.0).powi(2),
        ];
        Ok((
            self.scale * value,
            gradient.iter().map(|g| self.scale * g).collect(),
        ))
    }

    fn constraints(&mut self, x: &[f64]) -> Result<Vec<(f64, Vec<f64>)>, CoreError> {
        Ok(self
            .floor_scale
            .map(|scale| {
                let value = 100.0 * x[0] / (x[0] + 50.0) - 60.0;
                let gradient = vec![scale * 5000.0 / (x[0] + 50.0).powi(2), 0.0];
                (scale * value, gradient)
            })
            .into_iter()
            .collect())
    }
}

fn solve_budget(problem: &mut Curves, tolerance: f64) -> SqpOutcome {
    let budget = row(&[(0, 1.0), (1, 1.0)], 100.0, 100.0);
    maximize(
        problem,
        &[budget],
        &[0.0, 0.0],
        &[INF, INF],
        &[50.0, 50.0],
        &options(tolerance),
    )
    .unwrap()
}

#[test]
fn equal_marginals_on_budget() {
    let outcome = solve_budget(&mut Curves::plain(1.0), 1e-9);
    assert_eq!(outcome.status, SqpStatus::Converged);
    assert!(outcome.kkt_residual <= 1e-9, "{outcome:?}");
    // 5000 / (x + 50)^2 = 15000 / (y + 50)^2 gives y + 50 = sqrt 3 (x + 50), and x + y = 100.
    let x = 200.0 / (1.0 + 3f64.sqrt()) - 50.0;
    assert_relative(outcome.x[0], x, 1e-6);
    assert_relative(outcome.x[1], 100.0 - x, 1e-6);
    assert!((outcome.x[0] + outcome.x[1] - 100.0).abs() <= 1e-9);
}

#[test]
fn objective_scale_leaves_allocation() {
    let reference = solve_budget(&mut Curves::plain(1.0), 1e-9);
    for scale in [1e-7, 1e9] {
        let scaled = solve_budget(&mut Curves::plain(scale), 1e-9);
        assert_eq!(scaled.status, SqpStatus::Converged, "scale {scale}");
        assert_relative(scaled.x[0], reference.x[0], 1e-6);
        assert_relative(scaled.x[1], reference.x[1], 1e-6);
        assert_relative(scaled.value, scale * reference.value, 1e-9);
    }
}

/// `-sum(weights[i] * (x[i] - targets[i])^2)`.
struct Quadratic {
    weights: Vec<f64>,
    targets: Vec<f64>,
}

impl SmoothProblem for Quadratic {
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        let mut value = 0.0;
        let mut gradient = Vec::with_capacity(x.len());
        for ((xi, w), t) in x.iter().zip(&self.weights).zip(&self.targets) {
            value -= w * (xi - t).powi(2);
            gradient.push(-2.0 * w * (xi - t));
        }
        Ok((value, gradient))
    }
}

#[test]
fn quadratic_group_row_and_bound() {
    // Targets 5 each, weights (1, 2, 1, 1). Group x0 + x1 <= 4 (written with a repeated
    // index), total = 10, x2 <= 2.5. KKT with total multiplier 3, group 5 and bound 2 gives
    // (1, 3, 2.5, 3.5): -2 (x3 - 5) = 3, -2 (x0 - 5) = -4 (x1 - 5) = 3 + 5, -2 (x2 - 5) = 3 + 2.
    let mut problem = Quadratic {
        weights: vec![1.0, 2.0, 1.0, 1.0],
        targets: vec![5.0; 4],
    };
    let rows = [
        row(&[(0, 0.5), (1, 1.0), (0, 0.5)], -INF, 4.0),
        row(&[(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)], 10.0, 10.0),
    ];
    let outcome = maximize(
        &mut problem,
        &rows,
        &[0.0; 4],
        &[INF, INF, 2.5, INF],
        &[1.0, 1.0, 1.0, 7.0],
        &options(1e-9),
    )
    .unwrap();
    assert_eq!(outcome.status, SqpStatus::Converged);
    assert!(outcome.kkt_residual <= 1e-9, "{outcome:?}");
    for (actual, expected) in outcome.x.iter().zip([1.0, 3.0, 2.5, 3.5]) {
        assert!((actual - expected).abs() <= 1e-7, "{:?}", outcome.x);
    }
    assert!((outcome.value + 32.5).abs() <= 1e-6, "{}", outcome.value);
    assert!(outcome.x[2] <= 2.5);
}

fn solve_with_floor(floor_scale: f64) -> SqpOutcome {
    let mut problem = Curves {
        scale: 1.0,
        floor_scale: Some(floor_scale),
    };
    let cap = row(&[(0, 1.0), (1, 1.0)], -INF, 200.0);
    // The start (20, 100) violates the floor, because 100 * 20 / 70 < 60.
    maximize(
        &mut problem,
        &[cap],
        &[0.0, 0.0],
        &[INF, INF],
        &[20.0, 100.0],
        &options(1e-9),
    )
    .unwrap()
}

#[test]
fn nonlinear_floor_binds() {
    // Without the floor, equal marginals on x + y = 200 give x + 50 = 300 / (1 + sqrt 3), so
    // x = 59.8 < 75. With 100 x / (x + 50) >= 60, that is x >= 75, the optimum is (75, 125).
    let outcome = solve_with_floor(1.0);
    assert_eq!(outcome.status, SqpStatus::Converged);
    assert!(outcome.kkt_residual <= 1e-9, "{outcome:?}");
    assert_relative(outcome.x[0], 75.0, 1e-6);
    assert_relative(outcome.x[1], 125.0, 1e-6);
    assert_relative(outcome.value, 60.0 + 300.0 * 125.0 / 175.0, 1e-8);
}

#[test]
fn constraint_scale_leaves_allocation() {
    let reference = solve_with_floor(1.0);
    for scale in [1e-7, 1e9] {
        let scaled = solve_with_floor(scale);
        assert_eq!(scaled.status, SqpStatus::Converged, "scale {scale}");
        assert_relative(scaled.x[0], reference.x[0], 1e-6);
        assert_relative(scaled.x[1], reference.x[1], 1e-6);
    }
}

/// `sum(a[i] * ln(1 + x[i] / b[i]))`, a separable concave response.
struct Logarithms {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Logarithms {
    /// Draws `a` in [1, 10) and `b` in [10, 100) from a fixed seed.
    fn random(variables: usize, seed: u64) -> Self {
        let unit = |index: u64| (splitmix64(seed ^ index) >> 11) as f64 / (1u64 << 53) as f64;
        let n = variables as u64;
        Self {
            a: (0..n).map(|i| 1.0 + 9.0 * unit(2 * i)).collect(),
            b: (0..n).map(|i| 10.0 + 90.0 * unit(2 * i + 1)).collect(),
        }
    }

    /// Returns the optimum under `sum(x) = budget` and `0 <= x <= cap`: the marginal return
    /// `a / (b + x)` equals a multiplier `lambda` wherever no bound binds, so
    /// `x = clamp(a / lambda - b, 0, cap)`, and bisection finds the `lambda` that spends the
    /// budget.
    fn optimum(&self, budget: f64, cap: &[f64]) -> Vec<f64> {
        let allocation = |lambda: f64| -> Vec<f64> {
            (0..self.a.len())
                .map(|i| (self.a[i] / lambda - self.b[i]).clamp(0.0, cap[i]))
                .collect()
        };
        let (mut low, mut high) = (1e-12, 1e3);
        for _ in 0..200 {
            let middle = 0.5 * (low + high);
            if allocation(middle).iter().sum::<f64>() > budget {
                low = middle;
            } else {
                high = middle;
            }
        }
        allocation(0.5 * (low + high))
    }
}

impl SmoothProblem for Logarithms {
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        let mut value = 0.0;
        let mut gradient = Vec::with_capacity(x.len());
        for ((xi, a), b) in x.iter().zip(&self.a).zip(&self.b) {
            value += a * (xi / b).ln_1p();
            gradient.push(a / (b + xi));
        }
        Ok((value, gradient))
    }
}

/// Solves the separable plan with `variables` channels, a budget of 30 per channel and caps
/// of 20 on every seventh channel. Returns the outcome, the bisection optimum and the solve
/// time in seconds.
fn solve_separable(variables: usize, options: &SqpOptions) -> (SqpOutcome, Vec<f64>, f64) {
    let mut problem = Logarithms::random(variables, 7);
    let budget = 30.0 * variables as f64;
    let cap: Vec<f64> = (0..variables)
        .map(|i| if i % 7 == 0 { 20.0 } else { INF })
        .collect();
    let terms: Vec<(usize, f64)> = (0..variables).map(|i| (i, 1.0)).collect();
    let start = vec![budget / variables as f64 - 10.0; variables];
    let rows = [row(&terms, -INF, budget)];
    let expected = problem.optimum(budget, &cap);
    let started = Instant::now();
    let outcome = maximize(
        &mut problem,
        &rows,
        &vec![0.0; variables],
        &cap,
        &start,
        options,
    )
    .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    (outcome, expected, seconds)
}

fn assert_allocation_close(outcome: &SqpOutcome, expected: &[f64], tolerance: f64) {
    let budget: f64 = expected.iter().sum();
    let worst = outcome
        .x
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= tolerance * budget,
        "largest allocation error {worst} exceeds {tolerance} of the budget {budget}"
    );
    assert!(outcome.x.iter().sum::<f64>() <= budget * (1.0 + 1e-12));
}

#[test]
fn separable_plan_matches_bisection() {
    let (outcome, expected, _) = solve_separable(40, &options(1e-7));
    assert_eq!(outcome.status, SqpStatus::Converged, "{outcome:?}");
    assert_allocation_close(&outcome, &expected, 1e-6);
    let capped: Vec<usize> = (0..40).filter(|&i| expected[i] == 20.0).collect();
    let idle: Vec<usize> = (0..40).filter(|&i| expected[i] == 0.0).collect();
    assert!(
        !capped.is_empty(),
        "no cap binds, so the test misses bounds"
    );
    assert!(
        !idle.is_empty(),
        "no floor binds, so the test misses bounds"
    );
}

/// Measures one solve the size of a weekly plan of 20 channels over 52 weeks.
///
/// Run with `cargo test -p atlas-core --test sqp weekly_plan -- --ignored --nocapture`, which
/// builds with the workspace's test profile (`opt-level = 2`).
#[test]
#[ignore = "takes minutes; run with --ignored to measure the cost of the dense BFGS matrix"]
fn weekly_plan_solve_time() {
    let (outcome, expected, seconds) = solve_separable(20 * 52, &options(1e-6));
    println!(
        "1040 variables: {seconds:.1} s, {} iterations, {} evaluations, status {:?}, KKT \
         residual {:e}",
        outcome.iterations, outcome.evaluations, outcome.status, outcome.kkt_residual
    );
    assert_eq!(outcome.status, SqpStatus::Converged);
    assert_allocation_close(&outcome, &expected, 1e-5);
}

#[test]
fn free_variables_without_rows() {
    let mut problem = Quadratic {
        weights: vec![1.0, 3.0],
        targets: vec![3.0, -2.0],
    };
    let outcome = maximize(
        &mut problem,
        &[],
        &[-INF, -INF],
        &[INF, INF],
        &[0.0, 0.0],
        &options(1e-9),
    )
    .unwrap();
    assert_eq!(outcome.status, SqpStatus::Converged);
    assert!((outcome.x[0] - 3.0).abs() <= 1e-8, "{:?}", outcome.x);
    assert!((outcome.x[1] + 2.0).abs() <= 1e-8, "{:?}", outcome.x);
}

/// A steep curve `1000 x / (x + 1)` beside a flat linear return `y`, so the first steps
/// overshoot and the line search must backtrack.
struct SteepCurve;

impl SmoothProblem for SteepCurve {
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        let value = 1000.0 * x[0] / (x[0] + 1.0) + x[1];
        Ok((value, vec![1000.0 / (x[0] + 1.0).powi(2), 1.0]))
    }
}

#[test]
fn value_never_below_start() {
    let budget = row(&[(0, 1.0), (1, 1.0)], 100.0, 100.0);
    let starts = [
        [0.0, 100.0],
        [99.0, 1.0],
        [30.0, 70.0],
        [30.6227766, 69.3772234],
    ];
    let mut rejected_trials = 0;
    for start in starts {
        let (start_value, _) = SteepCurve.objective(&start).unwrap();
        let mut previous = start_value;
        for max_iterations in 0..8 {
            let options = SqpOptions {
                max_iterations,
                ..options(1e-12)
            };
            let outcome = maximize(
                &mut SteepCurve,
                std::slice::from_ref(&budget),
                &[0.0, 0.0],
                &[100.0, 100.0],
                &start,
                &options,
            )
            .unwrap();
            assert!(
                outcome.value >= start_value,
                "start {start:?}, {max_iterations} iterations: {} < {start_value}",
                outcome.value
            );
            assert!(
                outcome.value >= previous,
                "start {start:?}: {max_iterations} iterations give {} < {previous}",
                outcome.value
            );
            previous = outcome.value;
            rejected_trials += outcome.evaluations - outcome.iterations - 1;
        }
    }
    assert!(
        rejected_trials > 0,
        "no trial was rejected, so no run backtracked"
    );
}

#[test]
fn repeated_solves_match_bits() {
    let first = solve_with_floor(1.0);
    let second = solve_with_floor(1.0);
    assert_eq!(first.x[0].to_bits(), second.x[0].to_bits());
    assert_eq!(first.x[1].to_bits(), second.x[1].to_bits());
    assert_eq!(first.value.to_bits(), second.value.to_bits());
    assert_eq!(first.iterations, second.iterations);
    assert_eq!(first.evaluations, second.evaluations);
    assert_eq!(first.kkt_residual.to_bits(), second.kkt_residual.to_bits());
}

#[test]
fn iteration_limit_reported() {
    let budget = row(&[(0, 1.0), (1, 1.0)], 100.0, 100.0);
    let outcome = maximize(
        &mut Curves::plain(1.0),
        &[budget],
        &[0.0, 0.0],
        &[INF, INF],
        &[50.0, 50.0],
        &SqpOptions {
            max_iterations: 1,
            ..options(1e-12)
        },
    )
    .unwrap();
    assert_eq!(outcome.status, SqpStatus::IterationLimit);
    assert_eq!(outcome.iterations, 1);
    assert!(outcome.kkt_residual > 1e-12);
    assert!(outcome.kkt_residual.is_finite());
}

#[test]
fn past_deadline_returns_start() {
    let budget = row(&[(0, 1.0), (1, 1.0)], 100.0, 100.0);
    let outcome = maximize(
        &mut Curves::plain(1.0),
        &[budget],
        &[0.0, 0.0],
        &[INF, INF],
        &[50.0, 50.0],
        &SqpOptions {
            deadline: Some(Instant::now()),
            ..options(1e-9)
        },
    )
    .unwrap();
    assert_eq!(outcome.status, SqpStatus::TimeLimit);
    assert_eq!(outcome.x, vec![50.0, 50.0]);
    assert_eq!(outcome.iterations, 0);
    assert_eq!(outcome.evaluations, 1);
}

fn invalid_field(result: Result<SqpOutcome, CoreError>) -> (String, String) {
    match result {
        Err(CoreError::Invalid { field, message }) => (field, message),
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn invalid_input_rejected() {
    let run = |rows: &[LinearRow], lower: &[f64], upper: &[f64], start: &[f64], tolerance| {
        maximize(
            &mut Curves::plain(1.0),
            rows,
            lower,
            upper,
            start,
            &options(tolerance),
        )
    };
    let (zeros, free, good) = ([0.0, 0.0], [INF, INF], [50.0, 50.0]);
    let budget = [row(&[(0, 1.0), (1, 1.0)], 100.0, 100.0)];
    let with_row = |terms: &[(usize, f64)], lower, upper| {
        run(&[row(terms, lower, upper)], &zeros, &free, &good, 1e-6)
    };
    let cases = [
        ("start", "is empty", run(&[], &[], &[], &[], 1e-6)),
        (
            "lower",
            "has 1 entries",
            run(&budget, &[0.0], &free, &good, 1e-6),
        ),
        (
            "upper",
            "has 3 entries",
            run(&budget, &zeros, &[INF; 3], &good, 1e-6),
        ),
        (
            "lower[1]",
            "60 exceeds upper[1] = 40",
            run(&budget, &[0.0, 60.0], &[INF, 40.0], &good, 1e-6),
        ),
        (
            "lower[0]",
            "NaN is not a valid lower bound",
            run(&budget, &[f64::NAN, 0.0], &free, &good, 1e-6),
        ),
        (
            "upper[0]",
            "-inf is not a valid upper bound",
            run(&budget, &zeros, &[-INF, INF], &good, 1e-6),
        ),
        (
            "start[1]",
            "NaN is not finite",
            run(&budget, &zeros, &free, &[50.0, f64::NAN], 1e-6),
        ),
        (
            "start[0]",
            "50 is outside the bounds [0, 40]",
            run(&[], &zeros, &[40.0, INF], &good, 1e-6),
        ),
        (
            "start",
            "violates rows[0]: its value is 110",
            run(&budget, &zeros, &free, &[50.0, 60.0], 1e-6),
        ),
        (
            "options.tolerance",
            "0 is not a positive finite number",
            run(&budget, &zeros, &free, &good, 0.0),
        ),
        (
            "options.tolerance",
            "NaN is not a positive finite number",
            run(&budget, &zeros, &free, &good, f64::NAN),
        ),
        (
            "rows[0].terms[1]",
            "variable index 2 is out of range",
            with_row(&[(0, 1.0), (2, 1.0)], 0.0, 1.0),
        ),
        (
            "rows[0].terms[0]",
            "coefficient inf is not finite",
            with_row(&[(0, INF)], 0.0, 1.0),
        ),
        (
            "rows[0].lower",
            "NaN is not a valid lower limit",
            with_row(&[(0, 1.0)], f64::NAN, 1.0),
        ),
        (
            "rows[0].upper",
            "-inf is not a valid upper limit",
            with_row(&[(0, 1.0)], 0.0, -INF),
        ),
        (
            "rows[0].lower",
            "80 exceeds the upper limit 60",
            with_row(&[(0, 1.0)], 80.0, 60.0),
        ),
        (
            "rows[0]",
            "has no nonzero coefficient",
            with_row(&[(0, 1.0), (0, -1.0)], 1.0, 2.0),
        ),
    ];
    for (expected_field, fragment, result) in cases {
        let (field, message) = invalid_field(result);
        assert_eq!(field, expected_field, "{message}");
        assert!(message.contains(fragment), "{field}: {message}");
    }
}

/// A problem that returns one kind of bad output from its second evaluation on.
struct Faulty {
    fault: Fault,
    calls: usize,
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    NanValue,
    InfiniteGradient,
    ShortGradient,
    ConstraintCountChanges,
    NanConstraint,
    ModelError,
}

impl SmoothProblem for Faulty {
    fn objective(&mut self, x: &[f64]) -> Result<(f64, Vec<f64>), CoreError> {
        self.calls += 1;
        let bad = self.calls > 1;
        let (value, mut gradient) = Curves::plain(1.0).objective(x)?;
        match self.fault {
            Fault::NanValue if bad => return Ok((f64::NAN, gradient)),
            Fault::InfiniteGradient if bad => gradient[1] = INF,
            Fault::ShortGradient if bad => {
                gradient.pop();
            }
            Fault::ModelError if bad => return Err(CoreError::Model("curve failed".into())),
            _ => {}
        }
        Ok((value, gradient))
    }

    fn constraints(&mut self, x: &[f64]) -> Result<Vec<(f64, Vec<f64>)>, CoreError> {
        let bad = self.calls > 1;
        let constraint = (x[0] - 10.0, vec![1.0, 0.0]);
        Ok(match self.fault {
            Fault::ConstraintCountChanges if bad => vec![constraint.clone(), constraint],
            Fault::NanConstraint if bad => vec![(f64::NAN, vec![1.0, 0.0])],
            _ => vec![constraint],
        })
    }
}

#[test]
fn model_errors_reported() {
    let budget = row(&[(0, 1.0), (1, 1.0)], 100.0, 100.0);
    let cases = [
        (Fault::NanValue, "the objective is NaN"),
        (Fault::InfiniteGradient, "objective is inf at index 1"),
        (Fault::ShortGradient, "has 1 entries"),
        (
            Fault::ConstraintCountChanges,
            "returned 2 nonlinear constraints",
        ),
        (Fault::NanConstraint, "constraint 0 is NaN"),
        (Fault::ModelError, "curve failed"),
    ];
    for (fault, expected) in cases {
        let mut problem = Faulty { fault, calls: 0 };
        let result = maximize(
            &mut problem,
            std::slice::from_ref(&budget),
            &[0.0, 0.0],
            &[INF, INF],
            &[50.0, 50.0],
            &options(1e-9),
        );
        match result {
            Err(CoreError::Model(message)) => {
                assert!(message.contains(expected), "{fault:?}: {message}")
            }
            other => panic!("{fault:?}: expected a model error, got {other:?}"),
        }
    }
}
