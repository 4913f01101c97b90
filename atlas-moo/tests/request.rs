//! The request and result API.

use atlas_core::solve::Method;
use atlas_core::{Problem, ScenarioFile};
use atlas_moo::request::{OptimizationRequest, Status};

/// 100 x / (x + 50) and 300 y / (y + 50) under x + y = 100.
fn two_curves() -> Problem {
    let text = r#"
name = "two curves"
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  { channel = "x", kpi = "revenue", family = "michaelis_menten", coefficient = 1.0, alpha = 100.0, lambda = 50.0 },
  { channel = "y", kpi = "revenue", family = "michaelis_menten", coefficient = 1.0, alpha = 300.0, lambda = 50.0 },
]
[[channels]]
name = "x"
current = 50.0
[[channels]]
name = "y"
current = 50.0
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
fn free_channels_share_one_marginal() {
    let result = OptimizationRequest::new(two_curves()).run().unwrap();
    assert_eq!(result.status, Status::Converged);
    assert_eq!(result.method, Method::Exact);
    // Equal marginals 5000 / (x + 50)^2 = 15000 / (y + 50)^2.
    let marginal = |k: f64, x: f64| k * 50.0 / ((x + 50.0) * (x + 50.0));
    let (x, y) = (result.optimal_budget[0].1, result.optimal_budget[1].1);
    assert!((marginal(100.0, x) - marginal(300.0, y)).abs() < 1e-6);
    assert!(result.marginal_spread.unwrap() < 1e-4, "{result:?}");
    let returns = &result.marginal_returns;
    assert!((returns[0].kpis[0] - marginal(100.0, x)).abs() < 1e-9);
    assert!(result.optimality_gap.unwrap() < 1e-3);
    assert_eq!(result.binding, vec!["total budget".to_string()]);
}

#[test]
fn bound_holds_and_is_reported() {
    let result = OptimizationRequest::new(two_curves())
        .with_bound("x", None, Some(10.0))
        .run()
        .unwrap();
    assert!((result.optimal_budget[0].1 - 10.0).abs() < 1e-9);
    assert!(result.marginal_returns[0].at_bound);
    assert!(result.binding.contains(&"x request bounds".to_string()));
}

#[test]
fn conflicting_bound_is_infeasible() {
    let result = OptimizationRequest::new(two_curves())
        .with_bound("x", Some(80.0), None)
        .with_bound("y", Some(80.0), None)
        .run()
        .unwrap();
    assert_eq!(result.status, Status::Infeasible);
    assert!(result.optimal_budget.is_empty());
    assert!(result.reason.contains("add up to 160"), "{}", result.reason);
}

#[test]
fn unknown_channel_is_named() {
    let message = OptimizationRequest::new(two_curves())
        .with_bound("tv", None, Some(1.0))
        .run()
        .unwrap_err()
        .to_string();
    assert!(message.contains("bounds[0]"), "{message}");
    assert!(message.contains("`tv`"), "{message}");
}

#[test]
fn input_hash_follows_inputs() {
    let first = OptimizationRequest::new(two_curves()).run().unwrap();
    let again = OptimizationRequest::new(two_curves()).run().unwrap();
    let other = OptimizationRequest::new(two_curves())
        .with_seed(7)
        .run()
        .unwrap();
    assert_eq!(first.input_hash, again.input_hash);
    assert_ne!(first.input_hash, other.input_hash);
    assert_eq!(other.seed, 7);
    assert_eq!(first.optimal_budget, again.optimal_budget);
}
