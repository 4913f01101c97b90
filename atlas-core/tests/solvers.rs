//! The solvers behind `maximize`, each test against a result computed by hand.

use atlas_core::solve::{
    least_spend, maximize, LinearScalarization, Method, SolveOptions, SolveStatus,
};
use atlas_core::{Problem, ScenarioFile};
use proptest::prelude::*;

/// Builds a one-KPI problem. Each curve is `(family fields, current spend)`.
fn problem(curves: &[(&str, f64)], rules: &str) -> Problem {
    let mut text = String::from(
        "name = \"solvers\"\n[model]\ntype = \"response_curves\"\nkpis = [\"revenue\"]\ncurves = [\n",
    );
    for (i, (fields, _)) in curves.iter().enumerate() {
        text.push_str(&format!(
            "  {{ channel = \"c{i}\", kpi = \"revenue\", {fields} }},\n"
        ));
    }
    text.push_str("]\n");
    for (i, (_, current)) in curves.iter().enumerate() {
        text.push_str(&format!(
            "[[channels]]\nname = \"c{i}\"\ncurrent = {current:?}\n"
        ));
    }
    text.push_str(rules);
    text.push_str("\n[[objectives]]\nkpi = \"revenue\"\nsense = \"maximize\"\n");
    ScenarioFile::parse(&text, "test").unwrap().build().unwrap()
}

fn solve(problem: &Problem, method: Method) -> atlas_core::solve::SolveOutcome {
    let mut options = SolveOptions::from_problem(problem);
    options.method = method;
    let revenue = LinearScalarization {
        coefficients: vec![1.0],
    };
    maximize(problem, &revenue, &options).unwrap()
}

const S_CURVE: &str = "coefficient = 100.0, alpha = 3.0, inflexion = 50.0";

#[test]
fn auto_takes_the_corner_of_s_curves() {
    let problem = problem(
        &[(S_CURVE, 30.0), (S_CURVE, 30.0)],
        "[[constraints]]\ntype = \"total_budget\"\nequals = 60.0",
    );
    let outcome = solve(&problem, Method::Auto);
    // 100 * 60^3 / (60^3 + 50^3) = 63.34 with everything in one channel; the starting even
    // split gives 2 * 100 * 30^3 / (30^3 + 50^3) = 35.53.
    let corner = 100.0 * 60f64.powi(3) / (60f64.powi(3) + 50f64.powi(3));
    assert_eq!(outcome.method, Method::Exact);
    assert!(outcome.choice.starts_with("auto"), "{}", outcome.choice);
    assert!((outcome.value - corner).abs() < 1e-6, "{outcome:?}");
    let bound = outcome.upper_bound.unwrap();
    assert!(bound >= outcome.value);
    assert!(bound - outcome.value < 0.01 * corner, "{outcome:?}");
}

/// Returns the optimum of 100 x / (x + 50) + 300 y / (y + 50) with x + y = 100: equal marginals
/// give y + 50 = sqrt(3) (x + 50), so x + 50 = 200 / (1 + sqrt(3)).
fn michaelis_menten_optimum() -> f64 {
    200.0 / (1.0 + 3f64.sqrt()) - 50.0
}

fn michaelis_menten(scale: f64) -> Problem {
    let first = format!(
        "family = \"michaelis_menten\", coefficient = {:?}, alpha = 100.0, lambda = 50.0",
        scale
    );
    let second = format!(
        "family = \"michaelis_menten\", coefficient = {:?}, alpha = 300.0, lambda = 50.0",
        scale
    );
    problem(
        &[(&first, 50.0), (&second, 50.0)],
        "[[constraints]]\ntype = \"total_budget\"\nequals = 100.0",
    )
}

#[test]
fn tiny_objective_gives_same_allocation() {
    let x = michaelis_menten_optimum();
    for method in [Method::Exact, Method::Gradient] {
        for scale in [1.0, 1e-7] {
            let outcome = solve(&michaelis_menten(scale), method);
            assert!(
                (outcome.spend[0] - x).abs() < 1e-4,
                "{method:?} at scale {scale}: {:?}",
                outcome.spend
            );
            assert!((outcome.spend[1] - (100.0 - x)).abs() < 1e-4);
        }
    }
}

#[test]
fn roas_target_and_least_spend_agree() {
    // ROAS of 100 x / (x + 50) is 100 / (x + 50), which is 1.5 at x = 50 / 3; the response
    // there is 25.
    let curve = "family = \"michaelis_menten\", coefficient = 1.0, alpha = 100.0, lambda = 50.0";
    let rules = "[[constraints]]\ntype = \"total_budget\"\nat_most = 100.0\n\
                 [[constraints]]\ntype = \"efficiency\"\nkpi = \"revenue\"\nroas_at_least = 1.5";
    let problem = problem(&[(curve, 10.0)], rules);
    let outcome = solve(&problem, Method::Auto);
    assert_eq!(outcome.method, Method::Gradient);
    assert!((outcome.spend[0] - 50.0 / 3.0).abs() < 1e-3, "{outcome:?}");
    assert!((outcome.objectives[0] - 25.0).abs() < 1e-3);
    let budget = "[[constraints]]\ntype = \"total_budget\"\nat_most = 100.0";
    let open = problem_with(curve, budget);
    let target = least_spend(&open, 0, 25.0, &SolveOptions::from_problem(&open)).unwrap();
    assert!((target.budget - 50.0 / 3.0).abs() < 1e-3, "{target:?}");
}

fn problem_with(curve: &str, rules: &str) -> Problem {
    problem(&[(curve, 10.0)], rules)
}

#[test]
fn exact_rejects_kpi_rules() {
    let curve = "family = \"michaelis_menten\", coefficient = 1.0, alpha = 100.0, lambda = 50.0";
    let rules = "[[constraints]]\ntype = \"total_budget\"\nat_most = 100.0\n\
                 [[constraints]]\ntype = \"kpi_bounds\"\nkpi = \"revenue\"\nat_least = 10.0";
    let problem = problem(&[(curve, 10.0)], rules);
    let mut options = SolveOptions::from_problem(&problem);
    options.method = Method::Exact;
    let revenue = LinearScalarization {
        coefficients: vec![1.0],
    };
    let message = maximize(&problem, &revenue, &options)
        .unwrap_err()
        .to_string();
    assert!(message.contains("solver.method"), "{message}");
    assert!(message.contains("use `gradient` or `auto`"), "{message}");
}

#[test]
fn evaluation_limit_is_reported() {
    let problem = michaelis_menten(1.0);
    let mut options = SolveOptions::from_problem(&problem);
    options.method = Method::Gradient;
    options.limits.max_evaluations = Some(8);
    let revenue = LinearScalarization {
        coefficients: vec![1.0],
    };
    let outcome = maximize(&problem, &revenue, &options).unwrap();
    assert_eq!(outcome.status, SolveStatus::EvaluationLimit);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Whatever the method and however short the search, a current plan that meets the rules
    /// is never beaten by a worse result.
    #[test]
    fn never_worse_than_current(
        shapes in proptest::collection::vec((10.0..500.0f64, 0.5..4.0f64, 5.0..80.0f64), 3),
        shares in proptest::collection::vec(0.05..1.0f64, 3),
        budget in 20.0..200.0f64,
        evaluations in 1usize..40,
        gradient in any::<bool>(),
    ) {
        let sum: f64 = shares.iter().sum();
        let fields: Vec<String> = shapes
            .iter()
            .map(|(c, a, k)| format!("coefficient = {c:?}, alpha = {a:?}, inflexion = {k:?}"))
            .collect();
        let curves: Vec<(&str, f64)> = fields
            .iter()
            .zip(&shares)
            .map(|(f, s)| (f.as_str(), budget * s / sum))
            .collect();
        let rules = format!("[[constraints]]\ntype = \"total_budget\"\nequals = {budget:?}");
        let problem = problem(&curves, &rules);
        let mut options = SolveOptions::from_problem(&problem);
        options.method = if gradient { Method::Gradient } else { Method::Exact };
        options.starts = 2;
        options.limits.max_evaluations = Some(evaluations);
        let revenue = LinearScalarization { coefficients: vec![1.0] };
        let outcome = maximize(&problem, &revenue, &options).unwrap();
        let current = problem.evaluate_plan(&problem.current).unwrap().objectives[0];
        prop_assert!(outcome.value >= current - 1e-9 * current.abs(), "{} < {current}", outcome.value);
        prop_assert!(problem.is_feasible(&outcome.spend));
    }
}

/// A model that hides the gradients and the separability of the model it wraps, as a model
/// behind a program or a service does.
#[derive(Debug)]
struct BlackBox(std::sync::Arc<dyn atlas_core::ResponseModel>);

impl atlas_core::ResponseModel for BlackBox {
    fn channels(&self) -> &[String] {
        self.0.channels()
    }

    fn kpis(&self) -> &[String] {
        self.0.kpis()
    }

    fn evaluate(
        &self,
        spend: ndarray::ArrayView2<'_, f64>,
    ) -> Result<ndarray::Array2<f64>, atlas_core::CoreError> {
        self.0.evaluate(spend)
    }

    fn contributions(
        &self,
        spend: ndarray::ArrayView1<'_, f64>,
    ) -> Result<ndarray::Array2<f64>, atlas_core::CoreError> {
        self.0.contributions(spend)
    }
}

#[test]
fn auto_picks_cmaes_for_black_box() {
    let mut problem = problem(
        &[(S_CURVE, 30.0), (S_CURVE, 30.0)],
        "[[constraints]]\ntype = \"total_budget\"\nequals = 60.0",
    );
    problem.model = std::sync::Arc::new(BlackBox(problem.model.clone()));
    let outcome = solve(&problem, Method::Auto);
    assert_eq!(outcome.method, Method::Cmaes);
    assert!(
        outcome.choice.contains("no gradients"),
        "{}",
        outcome.choice
    );
    // CMA-ES also leaves the even split for the corner: 63.34 against 35.53.
    let corner = 100.0 * 60f64.powi(3) / (60f64.powi(3) + 50f64.powi(3));
    assert!((outcome.value - corner).abs() < 1e-6, "{outcome:?}");
    assert!(problem.is_feasible(&outcome.spend));
}

#[test]
fn cmaes_and_gradient_match_exact() {
    let problem = michaelis_menten(1.0);
    let exact = solve(&problem, Method::Exact);
    for method in [Method::Gradient, Method::Cmaes] {
        let outcome = solve(&problem, method);
        assert!(
            (outcome.value - exact.value).abs() < 1e-7 * exact.value,
            "{method:?}: {} against {}",
            outcome.value,
            exact.value
        );
    }
}
