//! Behavior of `run` on small problems with constraints, repairs, failures and seeds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ndarray::{Array1, Array2, ArrayView2};

use super::*;
use crate::test_problems::Zdt1;
use crate::{Evaluation, ProblemError};

/// Two objectives on [0, 1]^2, f1 = x0 and f2 = 1 - x0 + x1, with a row-wise rule for the
/// violation. Without constraints its Pareto set is x1 = 0 for every x0.
struct Linear<F: Fn(&[f64]) -> f64 + Send + Sync> {
    violation: F,
    bounds: [Vec<f64>; 2],
}

fn linear<F: Fn(&[f64]) -> f64 + Send + Sync>(violation: F) -> Linear<F> {
    Linear {
        violation,
        bounds: [vec![0.0; 2], vec![1.0; 2]],
    }
}

impl<F: Fn(&[f64]) -> f64 + Send + Sync> Problem for Linear<F> {
    fn n_var(&self) -> usize {
        2
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        &self.bounds[0]
    }
    fn upper_bounds(&self) -> &[f64] {
        &self.bounds[1]
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let mut objectives = Array2::zeros((x.nrows(), 2));
        let mut violation = Array1::zeros(x.nrows());
        for (i, row) in x.rows().into_iter().enumerate() {
            let values = row.to_vec();
            objectives[[i, 0]] = values[0];
            objectives[[i, 1]] = 1.0 - values[0] + values[1];
            violation[i] = (self.violation)(&values);
        }
        Ok(Evaluation {
            objectives,
            violation,
        })
    }
}

fn small_config(seed: u64) -> Nsga2Config {
    Nsga2Config {
        population: 20,
        generations: 30,
        seed,
        ..Nsga2Config::default()
    }
}

fn assert_bitwise_equal(a: &Nsga2Result, b: &Nsga2Result) {
    let bits = |solutions: &[Solution]| -> Vec<u64> {
        let values = solutions
            .iter()
            .flat_map(|s| s.x.iter().chain(&s.objectives).chain([&s.violation]));
        values.map(|value| value.to_bits()).collect()
    };
    assert_eq!(bits(&a.population), bits(&b.population));
    assert_eq!(bits(&a.front), bits(&b.front));
    assert_eq!(a.history, b.history);
}

#[test]
fn constraint_cuts_front() {
    // Feasible only for x0 >= 0.5, so the front is x0 in [0.5, 1] with x1 = 0.
    let problem = linear(|x| (0.5 - x[0]).max(0.0));
    let result = run(&problem, &small_config(1), None).unwrap();
    assert!(!result.front.is_empty());
    for solution in &result.front {
        assert!(
            solution.x[0] >= 0.5,
            "infeasible x {:?} in front",
            solution.x
        );
        assert_eq!(solution.violation, 0.0);
    }
    let lowest_f1 = result.front[0].objectives[0];
    assert!(
        lowest_f1 < 0.6,
        "front does not reach the constraint: lowest f1 is {lowest_f1}"
    );
}

#[test]
fn infeasible_problem_has_empty_front() {
    let problem = linear(|x| 1.0 + x[0]);
    let result = run(&problem, &small_config(2), None).unwrap();
    assert!(result.front.is_empty());
    assert_eq!(result.population.len(), 20);
    // Violations compare directly, so the search drives x0 to its lower bound.
    let best = result
        .population
        .iter()
        .map(|s| s.violation)
        .fold(f64::INFINITY, f64::min);
    assert!(best < 1.05, "lowest violation is {best}");
}

#[test]
fn nan_results_count_as_infeasible() {
    // NaN violations for x0 < 0.3 and negative ones for x0 > 0.9.
    let problem = linear(|x| match x[0] {
        v if v < 0.3 => f64::NAN,
        v if v > 0.9 => -1.0,
        _ => 0.0,
    });
    let result = run(&problem, &small_config(3), None).unwrap();
    assert!(!result.front.is_empty());
    for solution in &result.front {
        assert!(
            (0.3..=0.9).contains(&solution.x[0]),
            "x {:?} in front",
            solution.x
        );
    }
    let invalid = result.population.iter().filter(|s| s.violation != 0.0);
    assert!(invalid.clone().all(|s| s.violation == f64::INFINITY));
}

/// Three shares on [0, 1] that must sum to 1. `repair` projects onto the sum, and
/// `evaluate` counts rows that break it.
#[derive(Default)]
struct Shares {
    unrepaired_rows: AtomicUsize,
    evaluated_rows: AtomicUsize,
    bounds: [Vec<f64>; 2],
}

impl Shares {
    fn new() -> Self {
        Self {
            bounds: [vec![0.0; 3], vec![1.0; 3]],
            ..Self::default()
        }
    }
}

impl Problem for Shares {
    fn n_var(&self) -> usize {
        3
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        &self.bounds[0]
    }
    fn upper_bounds(&self) -> &[f64] {
        &self.bounds[1]
    }
    fn repair(&self, x: &mut [f64]) {
        let total: f64 = x.iter().map(|v| v.clamp(0.0, 1.0)).sum();
        for value in x.iter_mut() {
            *value = if total > 0.0 {
                value.clamp(0.0, 1.0) / total
            } else {
                1.0 / 3.0
            };
        }
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let mut objectives = Array2::zeros((x.nrows(), 2));
        for (i, row) in x.rows().into_iter().enumerate() {
            if (row.sum() - 1.0).abs() > 1e-9 {
                self.unrepaired_rows.fetch_add(1, Ordering::Relaxed);
            }
            objectives[[i, 0]] = -row[0];
            objectives[[i, 1]] = -row[1] - 0.5 * row[2];
        }
        self.evaluated_rows.fetch_add(x.nrows(), Ordering::Relaxed);
        Ok(Evaluation {
            objectives,
            violation: Array1::zeros(x.nrows()),
        })
    }
}

#[test]
fn every_candidate_is_repaired() {
    let problem = Shares::new();
    let config = Nsga2Config {
        initial: vec![vec![1.0, 1.0, 1.0], vec![0.0, 0.0, 0.0]],
        ..small_config(4)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(problem.unrepaired_rows.load(Ordering::Relaxed), 0);
    assert_eq!(
        problem.evaluated_rows.load(Ordering::Relaxed),
        result.evaluations
    );
    assert_eq!(result.evaluations, 20 * 31);
}

#[test]
fn seed_candidate_reaches_front() {
    // x = 0 is Pareto-optimal for ZDT1 with objectives (0, 1), the only point with f1 = 0.
    let problem = Zdt1::new(5).unwrap();
    let config = Nsga2Config {
        generations: 1,
        initial: vec![vec![0.0; 5]],
        ..small_config(5)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.front[0].objectives, vec![0.0, 1.0]);
}

#[test]
fn front_is_sorted_and_non_dominated() {
    let problem = Zdt1::new(5).unwrap();
    let result = run(&problem, &small_config(6), None).unwrap();
    assert!(result.front.len() > 1);
    for pair in result.front.windows(2) {
        let (a, b) = (&pair[0].objectives, &pair[1].objectives);
        assert!(
            compare_lexicographic(a, b).is_lt(),
            "{a:?} not before {b:?}"
        );
    }
    for a in &result.front {
        for b in &result.front {
            assert!(!ranking::pareto_dominates(&a.objectives, &b.objectives));
        }
    }
}

#[test]
fn front_drops_duplicate_objectives() {
    // Every candidate evaluates to the same objectives, so the front has one member.
    let problem = linear(|_| 0.0);
    let config = Nsga2Config {
        initial: vec![vec![0.25, 0.0]; 20],
        crossover_probability: 0.0,
        mutation_probability: Some(0.0),
        ..small_config(7)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.front.len(), 1);
    assert_eq!(result.front[0].x, vec![0.25, 0.0]);
}

#[test]
fn observer_sees_every_generation() {
    let reports = Mutex::new(Vec::new());
    let observer = |report: &GenerationReport| reports.lock().unwrap().push(*report);
    let problem = Zdt1::new(4).unwrap();
    let result = run(&problem, &small_config(8), Some(&observer)).unwrap();
    let reports = reports.into_inner().unwrap();
    assert_eq!(reports, result.history);
    assert_eq!(reports.len(), 30);
    for (index, report) in reports.iter().enumerate() {
        assert_eq!(report.generation, index + 1);
        assert_eq!(report.evaluations, 20 * (index + 2));
        assert!(report.first_front_size >= 1);
        assert_eq!(report.feasible, 20);
    }
    assert_eq!(result.generations, 30);
    assert_eq!(result.termination, Termination::GenerationsReached);
}

#[test]
fn odd_population_keeps_its_size() {
    let problem = Zdt1::new(4).unwrap();
    let config = Nsga2Config {
        population: 5,
        ..small_config(9)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.population.len(), 5);
    assert_eq!(result.evaluations, 5 * 31);
}

#[test]
fn batch_size_does_not_change_result() {
    let problem = Zdt1::new(6).unwrap();
    let reference = run(
        &problem,
        &Nsga2Config {
            batch_size: 1,
            ..small_config(10)
        },
        None,
    )
    .unwrap();
    for batch_size in [3, 7, 1000] {
        let config = Nsga2Config {
            batch_size,
            ..small_config(10)
        };
        let result = run(&problem, &config, None).unwrap();
        assert_bitwise_equal(&reference, &result);
    }
}

#[test]
fn thread_count_does_not_change_result() {
    let problem = linear(|x| (0.4 - x[0]).max(0.0));
    let run_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            run(
                &problem,
                &Nsga2Config {
                    batch_size: 3,
                    ..small_config(11)
                },
                None,
            )
        })
        .unwrap()
    };
    assert_bitwise_equal(&run_with(1), &run_with(2));
}

#[test]
fn seeds_give_different_runs() {
    let problem = Zdt1::new(6).unwrap();
    let first = run(&problem, &small_config(12), None).unwrap();
    let second = run(&problem, &small_config(13), None).unwrap();
    assert_ne!(first.population, second.population);
}

/// Fails once more than `limit` rows have been evaluated.
struct FailsAfter {
    limit: usize,
    evaluated: AtomicUsize,
    inner: Zdt1,
}

impl Problem for FailsAfter {
    fn n_var(&self) -> usize {
        self.inner.n_var()
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        self.inner.lower_bounds()
    }
    fn upper_bounds(&self) -> &[f64] {
        self.inner.upper_bounds()
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let total = self.evaluated.fetch_add(x.nrows(), Ordering::SeqCst) + x.nrows();
        if total > self.limit {
            return Err(ProblemError("response model failed".into()));
        }
        self.inner.evaluate(x)
    }
}

#[test]
fn problem_error_names_generation() {
    for (limit, expected_generation) in [(0, 0), (20, 1), (40, 2)] {
        let problem = FailsAfter {
            limit,
            evaluated: AtomicUsize::new(0),
            inner: Zdt1::new(3).unwrap(),
        };
        let error = run(&problem, &small_config(14), None).unwrap_err();
        let Nsga2Error::Problem {
            generation,
            error: source,
        } = &error
        else {
            panic!("expected a problem error, got {error}");
        };
        assert_eq!(*generation, expected_generation);
        assert_eq!(source.0, "response model failed");
        let message = error.to_string();
        assert!(
            message.contains(&format!("generation {expected_generation}")),
            "{message}"
        );
        assert!(message.contains("response model failed"), "{message}");
    }
}

/// Returns one objective column while declaring two.
struct WrongShape(Zdt1);

impl Problem for WrongShape {
    fn n_var(&self) -> usize {
        self.0.n_var()
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        self.0.lower_bounds()
    }
    fn upper_bounds(&self) -> &[f64] {
        self.0.upper_bounds()
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        Ok(Evaluation {
            objectives: Array2::zeros((x.nrows(), 1)),
            violation: Array1::zeros(x.nrows()),
        })
    }
}

#[test]
fn wrong_evaluation_shape_is_rejected() {
    let problem = WrongShape(Zdt1::new(3).unwrap());
    let config = Nsga2Config {
        batch_size: 8,
        ..small_config(15)
    };
    let error = run(&problem, &config, None).unwrap_err();
    assert!(matches!(
        error,
        Nsga2Error::EvaluationShape {
            generation: 0,
            expected_rows: 8,
            n_obj: 2,
            rows: 8,
            columns: 1,
            violations: 8
        }
    ));
    assert!(error.to_string().contains("8x1 objectives"), "{error}");
}

#[test]
fn run_rejects_invalid_config() {
    let problem = Zdt1::new(3).unwrap();
    let config = Nsga2Config {
        initial: vec![vec![0.5; 2]],
        ..small_config(16)
    };
    let error = run(&problem, &config, None).unwrap_err();
    assert!(matches!(
        error,
        Nsga2Error::Config(ConfigError::InitialLength {
            index: 0,
            len: 2,
            n_var: 3
        })
    ));
    assert!(
        error.to_string().contains("initial[0] has 2 values"),
        "{error}"
    );
}

#[test]
fn archive_hypervolume_never_falls() {
    let problem = Zdt1::new(5).unwrap();
    let config = Nsga2Config {
        archive_hypervolume: true,
        ..small_config(8)
    };
    let result = run(&problem, &config, None).unwrap();
    let values: Vec<f64> = result
        .history
        .iter()
        .map(|report| report.hypervolume.unwrap())
        .collect();
    assert_eq!(values.len(), 30);
    for pair in values.windows(2) {
        assert!(pair[1] >= pair[0], "{} fell to {}", pair[0], pair[1]);
    }
    let population = run(&problem, &small_config(8), None).unwrap();
    assert_eq!(
        population.front, result.front,
        "the flag changed the search"
    );
}

#[test]
fn thinned_archive_is_undominated() {
    let problem = Zdt1::new(5).unwrap();
    let result = run(&problem, &small_config(9), None).unwrap();
    let front = thin_by_crowding(&result.archive, 20);
    assert_eq!(front.len(), 20);
    for member in &front {
        for plan in result.archive.iter().chain(&result.population) {
            if plan.violation == 0.0 {
                assert!(!ranking::pareto_dominates(
                    &plan.objectives,
                    &member.objectives
                ));
            }
        }
    }
}
