//! The ZDT and DTLZ test problems: Pareto-optimal decision vectors land on the analytic
//! fronts, random ones stay behind them, sampled fronts approach the known hypervolumes,
//! and the registry rejects invalid names and sizes with messages that name the fix.

use std::f64::consts::PI;

use atlas_moo::indicators::{hypervolume, non_dominated};
use atlas_moo::nsga2::{run, Nsga2Config};
use atlas_moo::test_problems::{
    by_name, Dtlz1, Dtlz2, Dtlz4, Dtlz7, KnownFront, TestProblemError, Zdt1, Zdt4, Zdt6,
    MAX_FRONT_COORDINATES, MAX_OBJECTIVES, MAX_VARIABLES, NAMES,
};
use atlas_moo::Problem;
use ndarray::{s, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Builds every registry problem at its standard size, and every DTLZ problem also with 2
/// and 5 objectives.
fn problems() -> Vec<Box<dyn KnownFront>> {
    let mut out = Vec::new();
    for name in NAMES {
        out.push(by_name(name, None, None).unwrap());
        if name.starts_with("dtlz") {
            out.push(by_name(name, None, Some(2)).unwrap());
            out.push(by_name(name, None, Some(5)).unwrap());
        }
    }
    out
}

/// Returns a label such as "dtlz2 (3 objectives)" for assertion messages.
fn label(problem: &dyn KnownFront) -> String {
    format!("{} ({} objectives)", problem.name(), problem.n_obj())
}

/// Returns the number of position variables, which place a point along the front.
fn position_count(problem: &dyn KnownFront) -> usize {
    if problem.name().starts_with("zdt") {
        1
    } else {
        problem.n_obj() - 1
    }
}

/// Returns the value of the distance variables on the Pareto-optimal set.
fn optimal_tail(problem: &dyn KnownFront) -> f64 {
    match problem.name() {
        "dtlz1" | "dtlz2" | "dtlz3" | "dtlz4" => 0.5,
        _ => 0.0,
    }
}

/// Returns how far `f` lies behind the analytic front along a direction in which the
/// problem's g moves it: 0 on the front and positive behind it.
fn excess(name: &str, f: &[f64]) -> f64 {
    let bend = |t: f64| t * (1.0 + (3.0 * PI * t).sin());
    match name {
        "zdt1" | "zdt4" => f[1] - (1.0 - f[0].sqrt()),
        "zdt2" | "zdt6" => f[1] - (1.0 - f[0] * f[0]),
        "zdt3" => f[1] - (1.0 - f[0].sqrt() - f[0] * (10.0 * PI * f[0]).sin()),
        "dtlz1" => f.iter().sum::<f64>() - 0.5,
        "dtlz2" | "dtlz3" | "dtlz4" => f.iter().map(|v| v * v).sum::<f64>().sqrt() - 1.0,
        "dtlz7" => {
            let (last, position) = f.split_last().unwrap();
            let front = 2.0 * f.len() as f64 - position.iter().map(|&t| bend(t)).sum::<f64>();
            last - front
        }
        other => panic!("no front equation for {other}"),
    }
}

/// Draws `rows` candidates uniformly within the bounds.
fn uniform_candidates(problem: &dyn KnownFront, rows: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let (lower, upper) = (problem.lower_bounds(), problem.upper_bounds());
    Array2::from_shape_fn((rows, problem.n_var()), |(_, j)| {
        lower[j] + (upper[j] - lower[j]) * rng.random::<f64>()
    })
}

/// Draws `rows` candidates with uniform position variables and distance variables at their
/// optimum plus up to `spread` of noise, clamped to the bounds. A spread of 0 gives
/// Pareto-optimal candidates.
fn near_optimal_candidates(
    problem: &dyn KnownFront,
    rows: usize,
    spread: f64,
    rng: &mut ChaCha8Rng,
) -> Array2<f64> {
    let positions = position_count(problem);
    let tail = optimal_tail(problem);
    let (lower, upper) = (problem.lower_bounds(), problem.upper_bounds());
    Array2::from_shape_fn((rows, problem.n_var()), |(_, j)| {
        let value = if j < positions {
            rng.random::<f64>()
        } else {
            tail + spread * (2.0 * rng.random::<f64>() - 1.0)
        };
        value.clamp(lower[j], upper[j])
    })
}

fn rows(objectives: &Array2<f64>) -> Vec<Vec<f64>> {
    objectives.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// Returns whether `a` dominates `b` by more than rounding: no coordinate worse and the
/// coordinates better by more than 1e-9 in total.
fn dominates_clearly(a: &[f64], b: &[f64]) -> bool {
    let no_worse = a.iter().zip(b).all(|(x, y)| x <= y);
    let gain: f64 = a.iter().zip(b).map(|(x, y)| y - x).sum();
    no_worse && gain > 1e-9
}

/// Returns a dense front sample: 2001 points in 2-D, a lattice of at most 1000 in more.
fn dense_front(problem: &dyn KnownFront) -> Vec<Vec<f64>> {
    let points = if problem.n_obj() == 2 { 2001 } else { 1000 };
    problem.front_sample(points).unwrap()
}

#[test]
fn optimal_set_lands_on_front() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for problem in problems() {
        let problem = problem.as_ref();
        let x = near_optimal_candidates(problem, 200, 0.0, &mut rng);
        let evaluation = problem.evaluate(x.view()).unwrap();
        for f in rows(&evaluation.objectives) {
            let distance = excess(problem.name(), &f);
            assert!(
                distance.abs() < 1e-12,
                "{}: {f:?} is {distance} off",
                label(problem)
            );
        }
        assert!(evaluation.violation.iter().all(|&v| v == 0.0));
    }
}

#[test]
fn optimal_set_reproduces_sample() {
    // On ZDT1 to ZDT4 f1 = x1, and on DTLZ7 f_i = x_i for i < M, so the sample's first
    // coordinates with the tail at its optimum must give the sampled points back.
    let mut cases = Vec::new();
    for name in ["zdt1", "zdt2", "zdt3", "zdt4", "dtlz7"] {
        cases.push(by_name(name, None, None).unwrap());
    }
    cases.push(by_name("dtlz7", None, Some(2)).unwrap());
    for problem in cases {
        let problem = problem.as_ref();
        let front = problem.front_sample(500).unwrap();
        let positions = position_count(problem);
        let tail = optimal_tail(problem);
        let x = Array2::from_shape_fn((front.len(), problem.n_var()), |(i, j)| {
            if j < positions {
                front[i][j]
            } else {
                tail
            }
        });
        let evaluation = problem.evaluate(x.view()).unwrap();
        for (point, f) in front.iter().zip(rows(&evaluation.objectives)) {
            for (want, got) in point.iter().zip(&f) {
                assert!(
                    (want - got).abs() < 1e-12,
                    "{}: {point:?} vs {f:?}",
                    label(problem)
                );
            }
        }
    }
}

#[test]
fn zdt6_optimal_set_starts_at_front_start() {
    // Over x1 in [0, 1] with the tail at 0, f1 covers [front_start, 1] and never less.
    let problem = Zdt6::new(10).unwrap();
    let steps = 20_000;
    let mut x = Array2::zeros((steps + 1, 10));
    for i in 0..=steps {
        x[[i, 0]] = i as f64 / steps as f64;
    }
    let evaluation = problem.evaluate(x.view()).unwrap();
    let f1 = evaluation.objectives.column(0);
    let lowest = f1.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = f1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(lowest >= Zdt6::front_start() - 1e-15, "{lowest}");
    assert!(lowest < Zdt6::front_start() + 1e-6, "{lowest}");
    assert_eq!(highest, 1.0);
}

#[test]
fn random_points_behind_front() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for problem in problems() {
        let problem = problem.as_ref();
        let front = dense_front(problem);
        let uniform = uniform_candidates(problem, 200, &mut rng);
        let near = near_optimal_candidates(problem, 200, 0.01, &mut rng);
        for x in [uniform, near] {
            let evaluation = problem.evaluate(x.view()).unwrap();
            for f in rows(&evaluation.objectives) {
                let distance = excess(problem.name(), &f);
                assert!(
                    distance > -1e-12,
                    "{}: {f:?} is ahead by {distance}",
                    label(problem)
                );
                let beaten = front.iter().find(|p| dominates_clearly(&f, p));
                assert!(
                    beaten.is_none(),
                    "{}: {f:?} dominates {beaten:?}",
                    label(problem)
                );
            }
        }
    }
}

#[test]
fn zdt6_random_points_keep_front_start() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let problem = Zdt6::new(10).unwrap();
    let x = uniform_candidates(&problem, 1000, &mut rng);
    let evaluation = problem.evaluate(x.view()).unwrap();
    for &f1 in evaluation.objectives.column(0) {
        assert!(f1 >= Zdt6::front_start() - 1e-15, "{f1}");
    }
}

#[test]
fn front_samples_are_optimal() {
    for problem in problems() {
        let problem = problem.as_ref();
        let front = dense_front(problem);
        assert!(!front.is_empty(), "{}", label(problem));
        for point in &front {
            assert_eq!(point.len(), problem.n_obj(), "{}", label(problem));
            assert!(
                point.iter().all(|v| v.is_finite()),
                "{}: {point:?}",
                label(problem)
            );
            // Only ZDT3's front dips below 0, to f2 = -0.7734.
            if problem.name() != "zdt3" {
                assert!(
                    point.iter().all(|&v| v >= 0.0),
                    "{}: {point:?}",
                    label(problem)
                );
            }
            let distance = excess(problem.name(), point);
            assert!(distance.abs() < 1e-12, "{}: {point:?}", label(problem));
        }
        let kept = non_dominated(&front).unwrap();
        assert_eq!(kept.len(), front.len(), "{}", label(problem));
        assert_eq!(
            problem.front_sample(37).unwrap(),
            problem.front_sample(37).unwrap()
        );
    }
}

#[test]
fn front_sample_sizes() {
    for name in ["zdt1", "zdt2", "zdt3", "zdt4", "zdt6"] {
        let problem = by_name(name, None, None).unwrap();
        for points in [1, 2, 7, 1000] {
            assert_eq!(
                problem.front_sample(points).unwrap().len(),
                points,
                "{name}"
            );
        }
    }
    for name in ["dtlz1", "dtlz2", "dtlz3", "dtlz4", "dtlz7"] {
        let two = by_name(name, None, Some(2)).unwrap();
        assert_eq!(two.front_sample(500).unwrap().len(), 500, "{name}");
    }
    // 3 objectives: the lattice with 43 divisions has C(45, 2) = 990 points, and a DTLZ7
    // grid of 31 × 31 has 961.
    let dtlz2 = by_name("dtlz2", None, Some(3)).unwrap();
    assert_eq!(dtlz2.front_sample(1000).unwrap().len(), 990);
    let dtlz7 = by_name("dtlz7", None, Some(3)).unwrap();
    assert_eq!(dtlz7.front_sample(1000).unwrap().len(), 961);
    // 5 objectives: C(13, 4) = 715 lattice points with 9 divisions.
    let dtlz1 = by_name("dtlz1", None, Some(5)).unwrap();
    assert_eq!(dtlz1.front_sample(1000).unwrap().len(), 715);
}

#[test]
fn zdt_fronts_end_points() {
    let zdt1 = by_name("zdt1", None, None)
        .unwrap()
        .front_sample(3)
        .unwrap();
    assert_eq!(
        zdt1,
        vec![
            vec![0.0, 1.0],
            vec![0.5, 1.0 - 0.5_f64.sqrt()],
            vec![1.0, 0.0]
        ]
    );
    let zdt6 = by_name("zdt6", None, None)
        .unwrap()
        .front_sample(2)
        .unwrap();
    let start = Zdt6::front_start();
    assert_eq!(zdt6[0], vec![start, 1.0 - start * start]);
    assert_eq!(zdt6[1], vec![1.0, 0.0]);
    assert!((start - 0.280_775_319).abs() < 1e-9, "{start}");
    let zdt3 = by_name("zdt3", None, None)
        .unwrap()
        .front_sample(1)
        .unwrap();
    assert_eq!(zdt3, vec![vec![0.0, 1.0]]);
}

#[test]
fn known_hypervolume_values() {
    let value =
        |name: &str, n_obj: Option<usize>| by_name(name, None, n_obj).unwrap().known_hypervolume();
    let close = |got: Option<f64>, want: f64, tolerance: f64| {
        let got = got.unwrap();
        assert!((got - want).abs() < tolerance, "{got} vs {want}");
    };
    close(value("zdt1", None), 0.1 + 2.0 / 3.0 + 0.11, 1e-15);
    close(value("zdt1", None), 0.876_667, 1e-6);
    close(value("zdt2", None), 0.543_333, 1e-6);
    close(value("zdt3", None), 1.331_76, 5e-6);
    close(value("zdt4", None), 0.876_667, 1e-6);
    close(value("zdt6", None), 0.507_877_5, 1e-6);
    close(value("dtlz1", Some(2)), 1.21 - 0.125, 1e-15);
    close(value("dtlz1", Some(3)), 1.331 - 0.125 / 6.0, 1e-15);
    close(value("dtlz2", Some(2)), 1.21 - PI / 4.0, 1e-15);
    close(value("dtlz2", Some(3)), 1.331 - PI / 6.0, 1e-15);
    close(value("dtlz2", Some(3)), 0.807_401, 1e-6);
    close(value("dtlz3", Some(3)), 1.331 - PI / 6.0, 1e-15);
    close(value("dtlz4", Some(3)), 1.331 - PI / 6.0, 1e-15);
    // Four objectives: the unit ball has volume π²/2, and 1/16 of it lies in the orthant.
    close(value("dtlz2", Some(4)), 1.4641 - PI * PI / 32.0, 1e-14);
    close(value("dtlz1", Some(4)), 1.4641 - 0.0625 / 24.0, 1e-15);
    assert_eq!(value("dtlz7", None), None);
}

/// Returns the largest area that a 2-D staircase through `front` can miss of a continuous
/// decreasing front through the same points: Σ Δf1 · |Δf2| over neighbours in f1.
fn staircase_bound(front: &[Vec<f64>]) -> f64 {
    let mut sorted: Vec<&Vec<f64>> = front.iter().collect();
    sorted.sort_by(|a, b| a[0].total_cmp(&b[0]));
    sorted
        .windows(2)
        .map(|pair| (pair[1][0] - pair[0][0]) * (pair[1][1] - pair[0][1]).abs())
        .sum()
}

#[test]
fn sampled_hypervolume_approaches_known_2d() {
    let mut cases = Vec::new();
    for name in ["zdt1", "zdt2", "zdt3", "zdt4", "zdt6"] {
        cases.push(by_name(name, None, None).unwrap());
    }
    for name in ["dtlz1", "dtlz2", "dtlz3", "dtlz4"] {
        cases.push(by_name(name, None, Some(2)).unwrap());
    }
    for problem in cases {
        let problem = problem.as_ref();
        let known = problem.known_hypervolume().unwrap();
        let front = problem.front_sample(20_001).unwrap();
        let sampled = hypervolume(&front, &problem.hypervolume_reference()).unwrap();
        let bound = staircase_bound(&front);
        let name = label(problem);
        println!("{name}: gap {:.3e}, bound {bound:.3e}", known - sampled);
        assert!(bound < 1e-3, "{name}: bound {bound}");
        assert!(sampled <= known + 1e-12, "{name}: {sampled} > {known}");
        assert!(
            known - sampled <= bound + 1e-12,
            "{name}: {sampled} vs {known}"
        );
    }
}

#[test]
fn zdt3_hypervolume_from_dense_sample() {
    // The known value integrates the curve exactly over computed pieces. A dense sample
    // must agree with it and with the five-digit value 1.33176.
    let problem = by_name("zdt3", None, None).unwrap();
    let known = problem.known_hypervolume().unwrap();
    let front = problem.front_sample(200_001).unwrap();
    let sampled = hypervolume(&front, &[1.1, 1.1]).unwrap();
    println!("ZDT3: sampled {sampled:.10}, known {known:.10}");
    assert!(sampled < known, "{sampled} vs {known}");
    assert!(known - sampled < 2e-6, "{sampled} vs {known}");
    assert!((sampled - 1.331_76).abs() < 5e-6, "{sampled}");
}

#[test]
fn sampled_hypervolume_approaches_known_3d() {
    // The gap between a lattice sample and the continuous front shrinks like 1 / H for H
    // divisions, so doubling H halves it and 2 · HV(2H) - HV(H) nearly removes it.
    for name in ["dtlz1", "dtlz2"] {
        let problem = by_name(name, None, Some(3)).unwrap();
        let known = problem.known_hypervolume().unwrap();
        let reference = problem.hypervolume_reference();
        // 20 and 40 divisions: C(22, 2) = 231 and C(42, 2) = 861 points.
        let coarse = hypervolume(&problem.front_sample(231).unwrap(), &reference).unwrap();
        let fine = hypervolume(&problem.front_sample(861).unwrap(), &reference).unwrap();
        let (coarse_gap, fine_gap) = (known - coarse, known - fine);
        let extrapolated = 2.0 * fine - coarse;
        println!("{name}: gaps {coarse_gap:.6} and {fine_gap:.6}, extrapolated {extrapolated:.6}, known {known:.6}");
        assert!(fine_gap > 0.0, "{name}: {fine} above {known}");
        assert!(fine_gap < coarse_gap, "{name}: {fine_gap} vs {coarse_gap}");
        let ratio = fine_gap / coarse_gap;
        assert!((0.45..0.55).contains(&ratio), "{name}: ratio {ratio}");
        assert!(
            (extrapolated - known).abs() < 0.1 * fine_gap,
            "{name}: {extrapolated}"
        );
    }
}

#[test]
fn dtlz7_reference_covers_front() {
    for n_obj in [2, 3, 5] {
        let problem = Dtlz7::with_objectives(n_obj).unwrap();
        let front = problem.front_sample(2000).unwrap();
        let lowest = front
            .iter()
            .map(|p| p[n_obj - 1])
            .fold(f64::INFINITY, f64::min);
        assert!(lowest > 1.1, "{n_obj} objectives: f_M reaches {lowest}");
        let highest = front
            .iter()
            .map(|p| p[n_obj - 1])
            .fold(f64::NEG_INFINITY, f64::max);
        let reference = problem.hypervolume_reference();
        assert!(highest < reference[n_obj - 1], "f_M reaches {highest}");
        let value = hypervolume(&front, &reference).unwrap();
        assert!(value > 0.0, "{n_obj} objectives: hypervolume {value}");
        assert_eq!(problem.known_hypervolume(), None);
    }
}

#[test]
fn batch_equals_rows() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for problem in problems() {
        let problem = problem.as_ref();
        let x = uniform_candidates(problem, 32, &mut rng);
        let batch = problem.evaluate(x.view()).unwrap();
        assert_eq!(batch.objectives.dim(), (32, problem.n_obj()));
        assert_eq!(batch.violation.len(), 32);
        for i in 0..32 {
            let single = problem.evaluate(x.slice(s![i..=i, ..])).unwrap();
            let want: Vec<u64> = single.objectives.iter().map(|v| v.to_bits()).collect();
            let got: Vec<u64> = batch
                .objectives
                .row(i)
                .iter()
                .map(|v| v.to_bits())
                .collect();
            assert_eq!(got, want, "{} row {i}", label(problem));
        }
    }
}

#[test]
fn nan_rows_do_not_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for problem in problems() {
        let problem = problem.as_ref();
        let mut x = uniform_candidates(problem, 4, &mut rng);
        x.row_mut(1).fill(f64::NAN);
        x[[2, 0]] = f64::NAN;
        x[[3, problem.n_var() - 1]] = f64::INFINITY;
        let clean = uniform_candidates(problem, 1, &mut rng);
        x.row_mut(0).assign(&clean.row(0));
        let evaluation = problem.evaluate(x.view()).unwrap();
        let alone = problem.evaluate(clean.view()).unwrap();
        assert_eq!(evaluation.objectives.row(0), alone.objectives.row(0));
        assert!(
            evaluation.objectives.row(1).iter().any(|v| v.is_nan()),
            "{}",
            label(problem)
        );
        assert_eq!(evaluation.violation.len(), 4);
    }
}

#[test]
fn empty_batch_evaluates() {
    for problem in problems() {
        let x = Array2::<f64>::zeros((0, problem.n_var()));
        let evaluation = problem.evaluate(x.view()).unwrap();
        assert_eq!(evaluation.objectives.dim(), (0, problem.n_obj()));
    }
}

#[test]
fn wrong_columns_rejected() {
    for problem in problems() {
        let x = Array2::<f64>::zeros((2, problem.n_var() + 1));
        let error = problem.evaluate(x.view()).unwrap_err().to_string();
        let upper = problem.name().to_uppercase();
        assert!(error.contains(&upper), "{error}");
        assert!(
            error.contains(&format!("{} columns", problem.n_var() + 1)),
            "{error}"
        );
    }
}

#[test]
fn registry_defaults() {
    let expected = [
        ("zdt1", 30, 2),
        ("zdt2", 30, 2),
        ("zdt3", 30, 2),
        ("zdt4", 10, 2),
        ("zdt6", 10, 2),
        ("dtlz1", 7, 3),
        ("dtlz2", 12, 3),
        ("dtlz3", 12, 3),
        ("dtlz4", 12, 3),
        ("dtlz7", 22, 3),
    ];
    let names: Vec<&str> = expected.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(names, NAMES);
    for (name, n_var, n_obj) in expected {
        let problem = by_name(name, None, None).unwrap();
        assert_eq!(problem.name(), name);
        assert_eq!(problem.n_var(), n_var, "{name}");
        assert_eq!(problem.n_obj(), n_obj, "{name}");
        assert_eq!(problem.lower_bounds().len(), n_var, "{name}");
        let mut reference = vec![1.1; n_obj];
        if name == "dtlz7" {
            // DTLZ7's last objective reaches 2 M, so its reference is 1.1 times that.
            reference[n_obj - 1] = 2.2 * n_obj as f64;
        }
        assert_eq!(problem.hypervolume_reference(), reference, "{name}");
    }
    let zdt4 = by_name("zdt4", None, None).unwrap();
    assert_eq!(zdt4.lower_bounds()[1..], [-5.0; 9]);
    assert_eq!(zdt4.upper_bounds()[1..], [5.0; 9]);
}

#[test]
fn registry_sizes() {
    assert_eq!(by_name("ZDT1", None, None).unwrap().name(), "zdt1");
    assert_eq!(by_name("zdt1", Some(5), Some(2)).unwrap().n_var(), 5);
    // DTLZ n_var follows n_obj with the problem's k unless given.
    let dtlz1 = by_name("dtlz1", None, Some(5)).unwrap();
    assert_eq!((dtlz1.n_obj(), dtlz1.n_var()), (5, 9));
    let dtlz7 = by_name("dtlz7", None, Some(2)).unwrap();
    assert_eq!((dtlz7.n_obj(), dtlz7.n_var()), (2, 21));
    let dtlz2 = by_name("dtlz2", Some(4), None).unwrap();
    assert_eq!((dtlz2.n_obj(), dtlz2.n_var()), (3, 4));
    assert_eq!(Dtlz1::with_objectives(4).unwrap().n_var(), 8);
    assert_eq!(Dtlz4::with_objectives(2).unwrap().n_var(), 11);
}

#[test]
fn registry_unknown_name() {
    let error = by_name("zdt5", None, None).unwrap_err();
    assert_eq!(
        error,
        TestProblemError::UnknownName {
            name: "zdt5".to_string()
        }
    );
    let message = error.to_string();
    assert!(message.contains("\"zdt5\""), "{message}");
    for name in NAMES {
        assert!(message.contains(name), "{message}");
    }
}

#[test]
fn registry_invalid_objectives() {
    let error = by_name("zdt3", None, Some(3)).unwrap_err();
    assert!(matches!(
        error,
        TestProblemError::FixedObjectives { n_obj: 3, .. }
    ));
    let message = error.to_string();
    assert!(message.contains("ZDT3"), "{message}");
    assert!(message.contains("n_obj is 3"), "{message}");
    assert!(message.contains("omit n_obj"), "{message}");

    let error = by_name("dtlz2", None, Some(1)).unwrap_err();
    assert!(matches!(
        error,
        TestProblemError::TooFewObjectives { n_obj: 1, .. }
    ));
    let message = error.to_string();
    assert!(message.contains("DTLZ2 n_obj is 1"), "{message}");
    assert!(message.contains("at least 2"), "{message}");

    let error = by_name("dtlz1", None, Some(0)).unwrap_err();
    assert!(matches!(
        error,
        TestProblemError::TooFewObjectives { n_obj: 0, .. }
    ));

    let error = by_name("dtlz7", None, Some(usize::MAX)).unwrap_err();
    assert!(matches!(error, TestProblemError::TooManyObjectives { .. }));
    let error = Dtlz2::new(MAX_OBJECTIVES + 1, MAX_OBJECTIVES + 10).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("maximum of {MAX_OBJECTIVES}")),
        "{error}"
    );
}

#[test]
fn registry_invalid_variables() {
    let error = by_name("zdt6", Some(1), None).unwrap_err();
    let expected = TestProblemError::TooFewVariables {
        problem: "ZDT6",
        n_var: 1,
        n_obj: 2,
        minimum: 2,
        standard: 10,
    };
    assert_eq!(error, expected);
    let message = error.to_string();
    assert!(message.contains("ZDT6 n_var is 1"), "{message}");
    assert!(message.contains("at least 2 variables"), "{message}");
    assert!(message.contains("standard setting is 10"), "{message}");

    // Five objectives need 4 position variables and at least 1 distance variable.
    let error = by_name("dtlz2", Some(4), Some(5)).unwrap_err();
    let expected = TestProblemError::TooFewVariables {
        problem: "DTLZ2",
        n_var: 4,
        n_obj: 5,
        minimum: 5,
        standard: 14,
    };
    assert_eq!(error, expected);
    assert!(by_name("dtlz2", Some(5), Some(5)).is_ok());

    let error = by_name("dtlz1", Some(MAX_VARIABLES + 1), None).unwrap_err();
    assert!(matches!(error, TestProblemError::TooManyVariables { .. }));
    assert!(error.to_string().contains("DTLZ1"), "{error}");
    assert!(Zdt4::new(MAX_VARIABLES + 1).is_err());
    assert!(Zdt1::new(MAX_VARIABLES).is_ok());
    assert!(Dtlz7::new(3, 2).is_err());
}

#[test]
fn front_sample_invalid_points() {
    let zdt1 = by_name("zdt1", None, None).unwrap();
    let error = zdt1.front_sample(0).unwrap_err();
    let maximum = MAX_FRONT_COORDINATES / 2;
    let expected = TestProblemError::InvalidFrontPoints {
        problem: "ZDT1",
        points: 0,
        minimum: 1,
        maximum,
    };
    assert_eq!(error, expected);
    assert!(error.to_string().contains("between 1 and"), "{error}");
    assert!(zdt1.front_sample(maximum + 1).is_err());

    let dtlz2 = by_name("dtlz2", None, Some(4)).unwrap();
    let error = dtlz2.front_sample(3).unwrap_err();
    assert!(
        matches!(
            error,
            TestProblemError::InvalidFrontPoints {
                points: 3,
                minimum: 4,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(dtlz2.front_sample(4).unwrap().len(), 4);
    assert!(by_name("dtlz7", None, Some(4))
        .unwrap()
        .front_sample(0)
        .is_err());
}

#[test]
fn nsga2_runs_on_registry_problem() {
    let problem = by_name("dtlz2", None, Some(3)).unwrap();
    let config = Nsga2Config {
        population: 24,
        generations: 10,
        seed: 3,
        ..Nsga2Config::default()
    };
    let result = run(problem.as_ref(), &config, None).unwrap();
    assert!(!result.front.is_empty());
    for solution in &result.front {
        assert_eq!(solution.objectives.len(), 3);
        assert!(excess("dtlz2", &solution.objectives) >= -1e-12);
    }
}
