//! CMA-ES on problems with known optima: smooth test functions, budget splits whose optimum is
//! a corner or an interior point, fixed variables, limits and bad input.

use std::cell::RefCell;
use std::time::Instant;

use atlas_core::cmaes::{maximize, CmaesOptions, CmaesOutcome, CmaesStop};
use atlas_core::CoreError;
use ndarray::ArrayView2;
use rayon::prelude::*;

type Objective = fn(&[f64]) -> f64;

/// Evaluates `function` on every row of the batch.
fn rows(function: Objective) -> impl FnMut(ArrayView2<'_, f64>) -> Result<Vec<f64>, CoreError> {
    move |batch| {
        Ok(batch
            .rows()
            .into_iter()
            .map(|row| function(row.as_slice().unwrap()))
            .collect())
    }
}

fn identity(_: &mut [f64]) -> Result<(), CoreError> {
    Ok(())
}

/// Minus the squared distance to (1, 2, ..., n) minus 4.5, so the optimum is that point with
/// value 0.
fn shifted_sphere(x: &[f64]) -> f64 {
    -x.iter()
        .enumerate()
        .map(|(i, v)| (v - (i as f64 + 1.0 - 4.5)).powi(2))
        .sum::<f64>()
}

/// Minus the Rosenbrock function, whose maximum is 0 at (1, ..., 1).
fn negative_rosenbrock(x: &[f64]) -> f64 {
    -x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum::<f64>()
}

/// Response of one channel: 100 x^3 / (x^3 + 50^3).
fn hill(x: f64) -> f64 {
    100.0 * x.powi(3) / (x.powi(3) + 50f64.powi(3))
}

fn two_channels(x: &[f64]) -> f64 {
    hill(x[0]) + hill(x[1])
}

/// Projects `x` onto {x >= 0, sum(x) = total}: `x_i = max(y_i - theta, 0)`, where `theta` is
/// found from the sorted values so that the clamped values sum to `total`.
fn project_onto_simplex(x: &mut [f64], total: f64) {
    let mut sorted = x.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut prefix = 0.0;
    let mut theta = 0.0;
    for (j, value) in sorted.iter().enumerate() {
        prefix += value;
        let candidate = (prefix - total) / (j + 1) as f64;
        if value - candidate > 0.0 {
            theta = candidate;
        }
    }
    for value in x.iter_mut() {
        *value = (*value - theta).max(0.0);
    }
}

fn spend_sixty(x: &mut [f64]) -> Result<(), CoreError> {
    project_onto_simplex(x, 60.0);
    Ok(())
}

fn split_options(seed: u64) -> CmaesOptions {
    CmaesOptions::new(seed, 20_000)
}

/// Solves the two-channel split from (30, 30) with the objective multiplied by `scale`.
fn solve_split(scale: f64, seed: u64) -> CmaesOutcome {
    let objective = move |batch: ArrayView2<'_, f64>| {
        Ok(batch
            .rows()
            .into_iter()
            .map(|row| scale * two_channels(row.as_slice().unwrap()))
            .collect())
    };
    maximize(
        &[30.0, 30.0],
        &[18.0, 18.0],
        objective,
        spend_sixty,
        &split_options(seed),
    )
    .unwrap()
}

#[test]
fn simplex_projection_matches_hand_values() {
    let mut inside = [10.0, 50.0];
    project_onto_simplex(&mut inside, 60.0);
    assert_eq!(inside, [10.0, 50.0]);
    let mut shifted = [40.0, 40.0];
    project_onto_simplex(&mut shifted, 60.0);
    assert_eq!(shifted, [30.0, 30.0]);
    let mut corner = [80.0, -5.0];
    project_onto_simplex(&mut corner, 60.0);
    assert_eq!(corner, [60.0, 0.0]);
}

#[test]
fn sphere_reaches_known_optimum() {
    let options = CmaesOptions::new(1, 20_000);
    let outcome = maximize(
        &[0.0; 10],
        &[1.0; 10],
        rows(shifted_sphere),
        identity,
        &options,
    )
    .unwrap();
    for (i, value) in outcome.x.iter().enumerate() {
        let optimum = i as f64 + 1.0 - 4.5;
        assert!((value - optimum).abs() < 1e-6, "x[{i}] = {value}");
    }
    assert!(outcome.value > -1e-12, "{}", outcome.value);
    assert_eq!(outcome.stop, CmaesStop::Converged);
    assert!(outcome.evaluations <= options.max_evaluations);
}

#[test]
fn rosenbrock_reaches_known_optimum() {
    let mut options = CmaesOptions::new(3, 100_000);
    options.restarts = 3;
    let outcome = maximize(
        &[0.0; 10],
        &[0.5; 10],
        rows(negative_rosenbrock),
        identity,
        &options,
    )
    .unwrap();
    for (i, value) in outcome.x.iter().enumerate() {
        assert!((value - 1.0).abs() < 1e-6, "x[{i}] = {value}");
    }
    assert!(outcome.value > -1e-12, "{}", outcome.value);
}

#[test]
fn two_channels_spend_all_on_one() {
    let outcome = solve_split(1.0, 1);
    let all_in_one = hill(60.0);
    let even_split = 2.0 * hill(30.0);
    assert!((all_in_one - 63.343).abs() < 1e-3, "{all_in_one}");
    assert!((even_split - 35.526).abs() < 1e-3, "{even_split}");

    let high = outcome.x[0].max(outcome.x[1]);
    let low = outcome.x[0].min(outcome.x[1]);
    assert!((high - 60.0).abs() < 1e-6, "{:?}", outcome.x);
    assert!(low.abs() < 1e-6, "{:?}", outcome.x);
    assert!(
        (outcome.value - all_in_one).abs() < 1e-6,
        "{}",
        outcome.value
    );
    assert!((outcome.x[0] + outcome.x[1] - 60.0).abs() < 1e-9);
}

#[test]
fn scaled_objective_gives_same_allocation() {
    let plain = solve_split(1.0, 1);
    for scale in [1e-7, 1e9] {
        let scaled = solve_split(scale, 1);
        for i in 0..2 {
            assert!(
                (scaled.x[i] - plain.x[i]).abs() < 1e-6,
                "scale {scale}: {:?} vs {:?}",
                scaled.x,
                plain.x
            );
        }
        assert!(
            (scaled.value / scale - plain.value).abs() < 1e-6 * plain.value,
            "scale {scale}: {} vs {}",
            scaled.value,
            plain.value
        );
    }
}

#[test]
fn same_seed_repeats_outcome() {
    let first = solve_split(1.0, 42);
    let second = solve_split(1.0, 42);
    assert_eq!(first, second);
}

#[test]
fn thread_count_keeps_outcome() {
    let solve_in_pool = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let objective = |batch: ArrayView2<'_, f64>| {
                let plans: Vec<Vec<f64>> = batch.rows().into_iter().map(|r| r.to_vec()).collect();
                Ok(plans.par_iter().map(|x| negative_rosenbrock(x)).collect())
            };
            let mut options = CmaesOptions::new(9, 3_000);
            options.population = Some(16);
            maximize(&[0.0; 6], &[0.5; 6], objective, identity, &options).unwrap()
        })
    };
    let serial = solve_in_pool(1);
    let parallel = solve_in_pool(2);
    assert_eq!(serial, parallel);
    assert!(serial.generations >= 100, "{serial:?}");
}

#[test]
fn other_seeds_reach_same_optimum() {
    let reference = solve_split(1.0, 1);
    let mut outcomes = Vec::new();
    for seed in 2..=6 {
        let outcome = solve_split(1.0, seed);
        assert!(
            (outcome.value - reference.value).abs() < 1e-6,
            "seed {seed}: {} vs {}",
            outcome.value,
            reference.value
        );
        let high = outcome.x[0].max(outcome.x[1]);
        assert!((high - 60.0).abs() < 1e-6, "seed {seed}: {:?}", outcome.x);
        outcomes.push(outcome);
    }
    // Different seeds run different searches: they agree on the optimum, not on the path.
    assert!(outcomes
        .iter()
        .any(|o| o.evaluations != reference.evaluations));
}

#[test]
fn fixed_variable_never_moves() {
    let seen = RefCell::new(Vec::new());
    let objective = |batch: ArrayView2<'_, f64>| {
        seen.borrow_mut()
            .extend(batch.rows().into_iter().map(|row| row[1]));
        Ok(batch
            .rows()
            .into_iter()
            .map(|row| -(row[0] - 1.0).powi(2) - (row[1] - 5.0).powi(2) - (row[2] + 2.0).powi(2))
            .collect())
    };
    let options = CmaesOptions::new(5, 4_000);
    let outcome = maximize(
        &[0.0, 0.25, 0.0],
        &[1.0, 0.0, 1.0],
        objective,
        identity,
        &options,
    )
    .unwrap();
    assert_eq!(outcome.x[1], 0.25);
    let seen = seen.into_inner();
    assert_eq!(seen.len(), outcome.evaluations);
    assert!(seen.iter().all(|&v| v == 0.25));
    // The free variables still reach their optimum given the fixed one.
    assert!((outcome.x[0] - 1.0).abs() < 1e-6, "{:?}", outcome.x);
    assert!((outcome.x[2] + 2.0).abs() < 1e-6, "{:?}", outcome.x);
}

#[test]
fn all_fixed_returns_start() {
    let options = CmaesOptions::new(1, 100);
    let outcome = maximize(
        &[2.0, 3.0],
        &[0.0, 0.0],
        rows(shifted_sphere),
        identity,
        &options,
    )
    .unwrap();
    assert_eq!(outcome.x, vec![2.0, 3.0]);
    assert_eq!(outcome.evaluations, 1);
    assert_eq!(outcome.generations, 0);
    assert_eq!(outcome.stop, CmaesStop::Converged);
}

#[test]
fn result_never_worse_than_start() {
    // The start is the exact maximum, which no sample hits, so the start itself comes back.
    let options = CmaesOptions::new(8, 2_000);
    let start = [-3.5, -2.5, -1.5];
    let outcome = maximize(&start, &[1.0; 3], rows(shifted_sphere), identity, &options).unwrap();
    assert_eq!(outcome.x, start.to_vec());
    assert_eq!(outcome.value, 0.0);

    // On a multimodal function with a tiny budget the result is at least the start's value.
    let rastrigin: Objective = |x| {
        -x.iter()
            .map(|v| v * v - 10.0 * (2.0 * std::f64::consts::PI * v).cos() + 10.0)
            .sum::<f64>()
    };
    let start = [0.02, -0.01, 0.03, 0.0];
    for seed in 0..5 {
        let options = CmaesOptions::new(seed, 30);
        let outcome = maximize(&start, &[2.0; 4], rows(rastrigin), identity, &options).unwrap();
        assert!(outcome.value >= rastrigin(&start), "seed {seed}");
    }
}

#[test]
fn repaired_start_is_evaluated_first() {
    let first = RefCell::new(None);
    let objective = |batch: ArrayView2<'_, f64>| {
        first
            .borrow_mut()
            .get_or_insert_with(|| batch.row(0).to_vec());
        Ok(batch.rows().into_iter().map(|row| row[0]).collect())
    };
    let options = CmaesOptions::new(1, 1);
    let outcome = maximize(&[80.0, -5.0], &[1.0, 1.0], objective, spend_sixty, &options).unwrap();
    assert_eq!(first.into_inner(), Some(vec![60.0, 0.0]));
    assert_eq!(outcome.x, vec![60.0, 0.0]);
    assert_eq!(outcome.evaluations, 1);
    assert_eq!(outcome.stop, CmaesStop::EvaluationLimit);
}

#[test]
fn box_optimum_on_boundary() {
    let clamp = |x: &mut [f64]| {
        for value in x.iter_mut() {
            *value = value.clamp(0.0, 1.0);
        }
        Ok(())
    };
    let sum: Objective = |x| x.iter().sum();
    let options = CmaesOptions::new(4, 10_000);
    let outcome = maximize(&[0.5; 5], &[0.3; 5], rows(sum), clamp, &options).unwrap();
    assert!((outcome.value - 5.0).abs() < 1e-9, "{:?}", outcome.x);
    assert!(outcome.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
}

#[test]
fn evaluation_limit_is_exact() {
    let rows_seen = RefCell::new(0usize);
    let objective = |batch: ArrayView2<'_, f64>| {
        *rows_seen.borrow_mut() += batch.nrows();
        Ok(batch
            .rows()
            .into_iter()
            .map(|row| negative_rosenbrock(row.as_slice().unwrap()))
            .collect())
    };
    let mut options = CmaesOptions::new(2, 57);
    options.restarts = 4;
    let outcome = maximize(&[0.0; 10], &[0.5; 10], objective, identity, &options).unwrap();
    assert_eq!(outcome.stop, CmaesStop::EvaluationLimit);
    assert_eq!(outcome.evaluations, 57);
    assert_eq!(rows_seen.into_inner(), 57);
    // One start, five generations of ten, and a last batch of six.
    assert_eq!(outcome.generations, 5);
}

#[test]
fn passed_deadline_stops_search() {
    let mut options = CmaesOptions::new(1, 10_000);
    options.deadline = Some(Instant::now());
    let outcome = maximize(
        &[0.0; 4],
        &[1.0; 4],
        rows(shifted_sphere),
        identity,
        &options,
    )
    .unwrap();
    assert_eq!(outcome.stop, CmaesStop::TimeLimit);
    assert_eq!(outcome.evaluations, 1);
    assert_eq!(outcome.x, vec![0.0; 4]);
}

#[test]
fn restarts_double_population() {
    let sizes = RefCell::new(Vec::new());
    let objective = |batch: ArrayView2<'_, f64>| {
        let mut sizes = sizes.borrow_mut();
        if sizes.last() != Some(&batch.nrows()) {
            sizes.push(batch.nrows());
        }
        Ok(batch
            .rows()
            .into_iter()
            .map(|row| shifted_sphere(row.as_slice().unwrap()))
            .collect())
    };
    let mut options = CmaesOptions::new(6, 200_000);
    options.restarts = 2;
    options.step_tolerance = 1e-6;
    let outcome = maximize(&[0.0; 4], &[1.0; 4], objective, identity, &options).unwrap();
    // The start, then populations 8, 16 and 32 for n = 4.
    assert_eq!(sizes.into_inner(), vec![1, 8, 16, 32]);
    assert_eq!(outcome.restarts, 2);
    assert_eq!(outcome.stop, CmaesStop::Converged);
}

#[test]
fn separable_search_handles_many_variables() {
    // A separable ellipsoid in 150 variables with axis scales from 1 to 10: the diagonal
    // covariance must learn the scales to converge within the budget.
    let ellipsoid: Objective = |x| {
        let n = x.len() as f64;
        -x.iter()
            .enumerate()
            .map(|(i, v)| 100f64.powf(i as f64 / (n - 1.0)) * (v - 1.0).powi(2))
            .sum::<f64>()
    };
    let options = CmaesOptions::new(12, 200_000);
    let outcome = maximize(
        &[0.0; 150],
        &[1.0; 150],
        rows(ellipsoid),
        identity,
        &options,
    )
    .unwrap();
    let worst = outcome
        .x
        .iter()
        .map(|v| (v - 1.0).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "largest error {worst}");
    assert_eq!(outcome.stop, CmaesStop::Converged);
}

#[test]
fn nan_values_never_win() {
    // The objective is NaN where x[0] > 1, and would be larger there.
    let objective: Objective = |x| {
        if x[0] > 1.0 {
            f64::NAN
        } else {
            x[0] - x[1].powi(2)
        }
    };
    let options = CmaesOptions::new(3, 5_000);
    let outcome = maximize(
        &[0.0, 0.5],
        &[0.5, 0.5],
        rows(objective),
        identity,
        &options,
    )
    .unwrap();
    assert!(outcome.value.is_finite());
    assert!(outcome.x[0] <= 1.0);
    assert!(outcome.value > 0.99, "{:?}", outcome);
}

fn expect_invalid(result: Result<CmaesOutcome, CoreError>, field: &str, fragment: &str) {
    match result {
        Err(CoreError::Invalid {
            field: actual,
            message,
        }) => {
            assert_eq!(actual, field, "{message}");
            assert!(message.contains(fragment), "{field}: {message}");
        }
        other => panic!("expected an invalid `{field}`, got {other:?}"),
    }
}

#[test]
fn bad_input_is_rejected() {
    let options = CmaesOptions::new(1, 100);
    let sphere = || rows(shifted_sphere);
    expect_invalid(
        maximize(&[], &[], sphere(), identity, &options),
        "start",
        "is empty",
    );
    expect_invalid(
        maximize(&[1.0, 2.0], &[1.0], sphere(), identity, &options),
        "step",
        "has 1 values but `start` has 2",
    );
    expect_invalid(
        maximize(&[1.0, f64::NAN], &[1.0, 1.0], sphere(), identity, &options),
        "start[1]",
        "is NaN",
    );
    expect_invalid(
        maximize(
            &[1.0, 2.0],
            &[f64::INFINITY, 1.0],
            sphere(),
            identity,
            &options,
        ),
        "step[0]",
        "is inf",
    );
    expect_invalid(
        maximize(&[1.0, 2.0], &[1.0, -0.5], sphere(), identity, &options),
        "step[1]",
        "is -0.5",
    );

    let mut no_budget = options.clone();
    no_budget.max_evaluations = 0;
    expect_invalid(
        maximize(&[1.0], &[1.0], sphere(), identity, &no_budget),
        "max_evaluations",
        "is 0",
    );
    let mut tiny_population = options.clone();
    tiny_population.population = Some(1);
    expect_invalid(
        maximize(&[1.0], &[1.0], sphere(), identity, &tiny_population),
        "population",
        "is 1",
    );
    let mut bad_tolerance = options.clone();
    bad_tolerance.step_tolerance = 0.0;
    expect_invalid(
        maximize(&[1.0], &[1.0], sphere(), identity, &bad_tolerance),
        "step_tolerance",
        "is 0",
    );
}

#[test]
fn failing_callbacks_return_errors() {
    let options = CmaesOptions::new(1, 100);

    let failing = |_: ArrayView2<'_, f64>| -> Result<Vec<f64>, CoreError> {
        Err(CoreError::Model("backend unavailable".to_owned()))
    };
    let error = maximize(&[1.0], &[1.0], failing, identity, &options).unwrap_err();
    assert!(matches!(error, CoreError::Model(ref m) if m == "backend unavailable"));

    let short = |_: ArrayView2<'_, f64>| Ok(Vec::new());
    let error = maximize(&[1.0], &[1.0], short, identity, &options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("returned 0 values for a batch of 1"),
        "{error}"
    );

    let nan_start = |batch: ArrayView2<'_, f64>| Ok(vec![f64::NAN; batch.nrows()]);
    let error = maximize(&[1.0], &[1.0], nan_start, identity, &options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("returned NaN at the repaired start"),
        "{error}"
    );

    let empty_set = |_: &mut [f64]| Err(CoreError::invalid("constraints", "no plan fits"));
    let error = maximize(&[1.0], &[1.0], rows(shifted_sphere), empty_set, &options).unwrap_err();
    assert!(error.to_string().contains("no plan fits"), "{error}");

    let broken_repair = |x: &mut [f64]| {
        x[0] = f64::NAN;
        Ok(())
    };
    let error = maximize(
        &[1.0],
        &[1.0],
        rows(shifted_sphere),
        broken_repair,
        &options,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("repair must return finite values"),
        "{error}"
    );
}

/// Coefficients and half-saturation spends of three concave channels `c x / (x + k)`.
const CONCAVE: [(f64, f64); 3] = [(100.0, 30.0), (80.0, 20.0), (60.0, 10.0)];

#[test]
fn concave_split_equalizes_marginals() {
    // At the optimum every marginal c k / (x + k)^2 equals one multiplier lambda, so
    // x_i = sqrt(c_i k_i / lambda) - k_i, and the spends sum to 60 when
    // sqrt(lambda) = sum(sqrt(c_i k_i)) / (60 + sum(k_i)).
    let roots: Vec<f64> = CONCAVE.iter().map(|(c, k)| (c * k).sqrt()).collect();
    let total_k: f64 = CONCAVE.iter().map(|(_, k)| k).sum();
    let root_lambda = roots.iter().sum::<f64>() / (60.0 + total_k);
    let expected: Vec<f64> = roots
        .iter()
        .zip(CONCAVE)
        .map(|(root, (_, k))| root / root_lambda - k)
        .collect();
    assert!(expected.iter().all(|&x| x > 0.0), "{expected:?}");

    for scale in [1.0, 1e-7, 1e9] {
        let objective = move |batch: ArrayView2<'_, f64>| {
            Ok(batch
                .rows()
                .into_iter()
                .map(|row| {
                    scale
                        * row
                            .iter()
                            .zip(CONCAVE)
                            .map(|(x, (c, k))| c * x / (x + k))
                            .sum::<f64>()
                })
                .collect())
        };
        let options = CmaesOptions::new(21, 20_000);
        let outcome = maximize(&[20.0; 3], &[10.0; 3], objective, spend_sixty, &options).unwrap();
        // Values of about 121 that agree to the relative value tolerance 1e-12 pin the
        // spends down to about 1e-6, so the check allows 1e-5.
        for i in 0..3 {
            assert!(
                (outcome.x[i] - expected[i]).abs() < 1e-5,
                "scale {scale}: {:?} vs {expected:?}",
                outcome.x
            );
        }
        assert_eq!(outcome.stop, CmaesStop::Converged);
    }
}
