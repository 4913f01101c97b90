//! The weighted-sum scalarizer and the weight sweep on the bundled marketing example.

use std::path::PathBuf;

use atlas_core::scenario::ScenarioFile;
use atlas_moo::{simplex_lattice, sweep, MultiObjectiveOptimizer};

fn example() -> atlas_core::Problem {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/marketing/scenario.toml");
    ScenarioFile::read(&path).unwrap().build().unwrap()
}

#[test]
fn optimum_satisfies_constraints_and_beats_current() {
    let problem = example();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let solution = optimizer.optimize().unwrap();
    for check in problem.check(&solution.spend) {
        assert!(check.satisfied, "{check:?}");
    }
    let current = optimizer
        .scalar_at(optimizer.weights(), &problem.current)
        .unwrap();
    assert!(
        solution.scalar >= current,
        "{} < {current}",
        solution.scalar
    );
}

#[test]
fn normalized_values_lie_between_nadir_and_ideal() {
    let problem = example();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let normalization = optimizer.normalization();
    for j in 0..3 {
        assert!(
            normalization.ideal[j] >= normalization.nadir[j],
            "objective {j}"
        );
    }
    let solution = optimizer.optimize().unwrap();
    for value in &solution.normalized {
        assert!((-1e-9..=1.0 + 1e-9).contains(value), "{value}");
    }
}

#[test]
fn single_weight_reaches_the_ideal() {
    let problem = example();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let revenue_only = optimizer.clone().with_weights(&[1.0, 0.0, 0.0]).unwrap();
    let solution = revenue_only.optimize().unwrap();
    let ideal = optimizer.normalization().ideal[0];
    assert!(
        (solution.objectives[0] - ideal).abs() <= 1e-6 * ideal,
        "{} vs {ideal}",
        solution.objectives[0]
    );
}

#[test]
fn wrong_weight_count_is_rejected() {
    let problem = example();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let error = optimizer.with_weights(&[0.5, 0.5]).unwrap_err().to_string();
    assert!(
        error.contains("2 weights given for 3 objectives"),
        "{error}"
    );
}

#[test]
fn sweep_allocations_satisfy_every_constraint() {
    let problem = example();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let weights = simplex_lattice(3, 4).unwrap();
    let result = sweep(&optimizer, &weights, &|| {}).unwrap();
    assert_eq!(result.points.len(), 15);
    for point in &result.points {
        for check in problem.check(&point.spend) {
            assert!(check.satisfied, "{:?}: {check:?}", point.weights);
        }
    }
}

#[test]
fn sweep_optimum_is_best_among_sweep_plans() {
    // Each weight vector's optimum must score at least as well as every other plan the
    // sweep found, at that weight vector.
    let problem = example();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let weights = simplex_lattice(3, 3).unwrap();
    let result = sweep(&optimizer, &weights, &|| {}).unwrap();
    for point in &result.points {
        for other in &result.points {
            let score = optimizer.scalar_at(&point.weights, &other.spend).unwrap();
            assert!(
                score <= point.scalar + 1e-6,
                "{:?} beaten by {:?}",
                point.weights,
                other.weights
            );
        }
    }
}

const TWO_CHANNELS: &str = r#"
name = "two concave channels"
[model]
type = "response_curves"
kpis = ["revenue", "reach"]
curves = [
  { channel = "a", kpi = "revenue", coefficient = 1000.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "b", kpi = "revenue", coefficient = 1000.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "a", kpi = "reach", coefficient = 10.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "b", kpi = "reach", coefficient = 10.0, alpha = 1.0, inflexion = 50.0 },
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

#[test]
fn single_objective_moves_off_current_plan() {
    let problem = ScenarioFile::parse(TWO_CHANNELS, "one")
        .unwrap()
        .build()
        .unwrap();
    let solution = MultiObjectiveOptimizer::new(&problem)
        .unwrap()
        .optimize()
        .unwrap();
    assert!(
        (solution.spend[0] - 50.0).abs() < 1e-3,
        "{:?}",
        solution.spend
    );
    assert!((solution.normalized[0] - 1.0).abs() < 1e-9);
}

#[test]
fn aligned_objectives_reach_shared_optimum() {
    let text = format!("{TWO_CHANNELS}\n[[objectives]]\nkpi = \"reach\"\nsense = \"maximize\"\n");
    let problem = ScenarioFile::parse(&text, "two").unwrap().build().unwrap();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    for weights in [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]] {
        let solution = optimizer
            .clone()
            .with_weights(&weights)
            .unwrap()
            .optimize()
            .unwrap();
        assert!(
            (solution.spend[0] - 50.0).abs() < 1e-3,
            "{weights:?}: {:?}",
            solution.spend
        );
    }
    let current = optimizer.normalization().normalize(&[
        problem.evaluate_plan(&problem.current).unwrap().objectives[0],
        problem.evaluate_plan(&problem.current).unwrap().objectives[1],
    ]);
    assert!(current.iter().all(|v| *v < 1.0), "{current:?}");
}

#[test]
fn cvar_sits_on_a_front_beside_the_mean() {
    // Channel a is better on average but uncertain; channel b is certain.
    let text = r#"
name = "risky channel"
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  { channel = "a", kpi = "revenue", alpha = 1.0, inflexion = 50.0, draws = { coefficient = [20.0, 140.0, 160.0, 180.0] } },
  { channel = "b", kpi = "revenue", alpha = 1.0, inflexion = 50.0, draws = { coefficient = [100.0, 100.0, 100.0, 100.0] } },
]
[[channels]]
name = "a"
current = 50.0
[[channels]]
name = "b"
current = 50.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
[[objectives]]
name = "worst-case revenue"
kpi = "revenue"
sense = "maximize"
risk = "cvar"
level = 0.25
"#;
    let problem = ScenarioFile::parse(text, "risk").unwrap().build().unwrap();
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let expected = optimizer
        .clone()
        .with_weights(&[1.0, 0.0])
        .unwrap()
        .optimize()
        .unwrap();
    let cautious = optimizer
        .with_weights(&[0.0, 1.0])
        .unwrap()
        .optimize()
        .unwrap();
    // Chasing the mean puts more into the uncertain channel than guarding the worst case.
    assert!(
        expected.spend[0] > cautious.spend[0] + 1.0,
        "{:?} vs {:?}",
        expected.spend,
        cautious.spend
    );
    assert!(expected.objectives[0] >= cautious.objectives[0]);
    assert!(cautious.objectives[1] >= expected.objectives[1]);
}

/// Two KPIs, each driven by one S-shaped channel, sharing a budget of 60. The front runs from
/// everything in `a` (awareness 63.3, sales 0) through the even split (17.8 each) to
/// everything in `b`, and bends inwards, so no weighted sum picks the even split.
fn concave_front(scalarizer: &str) -> atlas_core::Problem {
    let text = format!(
        r#"
name = "inward front"
[model]
type = "response_curves"
kpis = ["awareness", "sales"]
curves = [
  {{ channel = "a", kpi = "awareness", coefficient = 100.0, alpha = 3.0, inflexion = 50.0 }},
  {{ channel = "b", kpi = "sales", coefficient = 100.0, alpha = 3.0, inflexion = 50.0 }},
]
[[channels]]
name = "a"
current = 45.0
[[channels]]
name = "b"
current = 15.0
[[constraints]]
type = "total_budget"
equals = 60.0
[[objectives]]
kpi = "awareness"
sense = "maximize"
[[objectives]]
kpi = "sales"
sense = "maximize"
[solver]
{scalarizer}
"#
    );
    ScenarioFile::parse(&text, "test").unwrap().build().unwrap()
}

#[test]
fn chebyshev_reaches_an_inward_front() {
    let problem = concave_front("scalarizer = \"chebyshev\"");
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let solution = optimizer.optimize().unwrap();
    // Equal weights: the smallest worst shortfall is at the even split.
    assert!(
        (solution.spend[0] - 30.0).abs() < 0.5,
        "{:?}",
        solution.spend
    );
    assert!(
        (solution.spend[1] - 30.0).abs() < 0.5,
        "{:?}",
        solution.spend
    );
}

#[test]
fn weighted_sum_misses_an_inward_front() {
    let problem = concave_front("");
    let optimizer = MultiObjectiveOptimizer::new(&problem).unwrap();
    let solution = optimizer.optimize().unwrap();
    // Every weighted sum of this front is largest at one of its ends.
    let corner = solution.spend.iter().any(|&x| (x - 60.0).abs() < 1e-6);
    assert!(corner, "{:?}", solution.spend);
}

#[test]
fn weights_summing_to_one_stay_as_written() {
    let weights = atlas_moo::scalarize::check_weights(&[0.2, 0.7, 0.1], 3).unwrap();
    assert_eq!(weights, vec![0.2, 0.7, 0.1]);
    let scaled = atlas_moo::scalarize::check_weights(&[2.0, 6.0], 2).unwrap();
    assert_eq!(scaled, vec![0.25, 0.75]);
}
