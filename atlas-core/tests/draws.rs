//! Posterior draws of curve parameters and the risk summaries built on them.

use atlas_core::{CoreError, Problem, ResponseModel, ScenarioFile};
use ndarray::{array, Array1};

const SCENARIO: &str = r#"
name = "two channels with draws"
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  { channel = "a", kpi = "revenue", coefficient = 100.0, alpha = 1.0, inflexion = 50.0, draws = { coefficient = [80.0, 100.0, 120.0, 140.0] } },
  { channel = "b", kpi = "revenue", coefficient = 100.0, alpha = 1.0, inflexion = 50.0, draws = { coefficient = [100.0, 100.0, 100.0, 100.0] } },
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
name = "expected revenue"
kpi = "revenue"
sense = "maximize"
[[objectives]]
name = "revenue in the worst quarter"
kpi = "revenue"
sense = "maximize"
risk = "cvar"
level = 0.25
"#;

fn build(text: &str) -> Result<Problem, CoreError> {
    ScenarioFile::parse(text, "draws.toml")?.build()
}

#[test]
fn draws_evaluate_separately_and_average() {
    let problem = build(SCENARIO).unwrap();
    assert_eq!(problem.model.draws(), 4);
    let plans = array![[50.0, 50.0]];
    let draws = problem.model.evaluate_draws(plans.view()).unwrap();
    // At the inflexion each curve gives half its coefficient: 40 + 50, 50 + 50, 60 + 50, 70 + 50.
    let per_draw: Vec<f64> = (0..4).map(|d| draws[[d, 0, 0]]).collect();
    assert_eq!(per_draw, vec![90.0, 100.0, 110.0, 120.0]);
    let mean = problem.model.evaluate(plans.view()).unwrap();
    assert!((mean[[0, 0]] - 105.0).abs() < 1e-12);
}

#[test]
fn risk_objectives_summarize_draws() {
    let problem = build(SCENARIO).unwrap();
    let values = problem
        .objective_values(array![[50.0, 50.0]].view())
        .unwrap();
    assert!(
        (values[[0, 0]] - 105.0).abs() < 1e-12,
        "mean {}",
        values[[0, 0]]
    );
    // The worst ceil(0.25 * 4) = 1 draw is the first, 90.
    assert!(
        (values[[0, 1]] - 90.0).abs() < 1e-12,
        "cvar {}",
        values[[0, 1]]
    );
}

#[test]
fn risk_gradient_matches_finite_differences() {
    let problem = build(SCENARIO).unwrap();
    let x = Array1::from(vec![30.0, 70.0]);
    let gradient = problem.objective_gradient(x.view()).unwrap();
    for i in 0..2 {
        let h = 1e-5;
        let mut up = x.clone();
        up[i] += h;
        let mut down = x.clone();
        down[i] -= h;
        let plans = ndarray::stack![ndarray::Axis(0), up, down];
        let values = problem.objective_values(plans.view()).unwrap();
        for j in 0..2 {
            let numeric = (values[[0, j]] - values[[1, j]]) / (2.0 * h);
            assert!(
                (numeric - gradient[[j, i]]).abs() < 1e-6,
                "objective {j} channel {i}: {numeric} vs {}",
                gradient[[j, i]]
            );
        }
    }
}

#[test]
fn mismatched_draw_counts_name_both_curves() {
    let text = SCENARIO.replace("[100.0, 100.0, 100.0, 100.0]", "[100.0, 100.0]");
    let message = build(&text).unwrap_err().to_string();
    assert!(message.contains("channel `b`"), "{message}");
    assert!(message.contains("2 draws"), "{message}");
    assert!(message.contains("has 4"), "{message}");
}

#[test]
fn draw_of_unknown_parameter_is_rejected() {
    let text = SCENARIO.replace(
        "draws = { coefficient = [100.0, 100.0, 100.0, 100.0] }",
        "draws = { gain = [1.0, 1.0, 1.0, 1.0] }",
    );
    let message = build(&text).unwrap_err().to_string();
    assert!(message.contains("draws.gain"), "{message}");
    assert!(message.contains("not a curve parameter"), "{message}");
}

#[test]
fn invalid_draw_value_names_the_draw() {
    let text = SCENARIO.replace(
        "[80.0, 100.0, 120.0, 140.0]",
        "[80.0, 100.0, 120.0, 140.0] , alpha = [1.0, -1.0, 1.0, 1.0]",
    );
    let message = build(&text).unwrap_err().to_string();
    assert!(message.contains("draws[1].alpha"), "{message}");
    assert!(message.contains("-1"), "{message}");
}

#[test]
fn risk_level_errors_name_the_field() {
    let missing = SCENARIO.replace("level = 0.25\n", "");
    assert!(build(&missing)
        .unwrap_err()
        .to_string()
        .contains("objectives[1].level"));
    let outside = SCENARIO.replace("level = 0.25", "level = 1.5");
    assert!(build(&outside)
        .unwrap_err()
        .to_string()
        .contains("1.5 is out of range"));
    let on_mean = SCENARIO.replace("risk = \"cvar\"\n", "");
    assert!(build(&on_mean)
        .unwrap_err()
        .to_string()
        .contains("applies to risk"));
    let on_spend = SCENARIO.replace(
        "kpi = \"revenue\"\nsense = \"maximize\"\nrisk",
        "kpi = \"total_spend\"\nsense = \"minimize\"\nrisk",
    );
    assert!(build(&on_spend)
        .unwrap_err()
        .to_string()
        .contains("same in every draw"));
}

#[test]
fn risk_on_point_model_is_rejected() {
    let text = SCENARIO
        .replace(
            ", draws = { coefficient = [80.0, 100.0, 120.0, 140.0] }",
            "",
        )
        .replace(
            ", draws = { coefficient = [100.0, 100.0, 100.0, 100.0] }",
            "",
        );
    let message = build(&text).unwrap_err().to_string();
    assert!(message.contains("objectives[1].risk"), "{message}");
    assert!(message.contains("no posterior draws"), "{message}");
}

#[test]
fn quantile_of_minimized_kpi_takes_upper_tail() {
    // A cost KPI: the worse tail of a minimized KPI is its high end.
    let text = SCENARIO
        .replace(
            "name = \"revenue in the worst quarter\"",
            "name = \"high quantile\"",
        )
        .replace(
            "sense = \"maximize\"\nrisk = \"cvar\"\nlevel = 0.25",
            "sense = \"minimize\"\nrisk = \"quantile\"\nlevel = 0.25",
        );
    let problem = build(&text).unwrap();
    let values = problem
        .objective_values(array![[50.0, 50.0]].view())
        .unwrap();
    // Draw totals 90, 100, 110, 120; from the top, position 0.25 * 3 = 0.75 lies between 120 and 110.
    assert!((values[[0, 1]] - 112.5).abs() < 1e-12, "{}", values[[0, 1]]);
}

/// A model that reports draws but keeps the trait's one-draw gradient.
#[derive(Debug)]
struct DrawsWithoutDrawGradient(std::sync::Arc<dyn ResponseModel>);

impl ResponseModel for DrawsWithoutDrawGradient {
    fn channels(&self) -> &[String] {
        self.0.channels()
    }
    fn kpis(&self) -> &[String] {
        self.0.kpis()
    }
    fn evaluate(
        &self,
        spend: ndarray::ArrayView2<'_, f64>,
    ) -> Result<ndarray::Array2<f64>, CoreError> {
        self.0.evaluate(spend)
    }
    fn contributions(
        &self,
        spend: ndarray::ArrayView1<'_, f64>,
    ) -> Result<ndarray::Array2<f64>, CoreError> {
        self.0.contributions(spend)
    }
    fn gradient(
        &self,
        spend: ndarray::ArrayView1<'_, f64>,
    ) -> Option<Result<ndarray::Array2<f64>, CoreError>> {
        self.0.gradient(spend)
    }
    fn draws(&self) -> usize {
        self.0.draws()
    }
    fn evaluate_draws(
        &self,
        spend: ndarray::ArrayView2<'_, f64>,
    ) -> Result<ndarray::Array3<f64>, CoreError> {
        self.0.evaluate_draws(spend)
    }
}

#[test]
fn risk_gradient_falls_back_without_draw_gradients() {
    let mut problem = build(SCENARIO).unwrap();
    let exact = problem
        .objective_gradient(Array1::from(vec![30.0, 70.0]).view())
        .unwrap();
    problem.model = std::sync::Arc::new(DrawsWithoutDrawGradient(problem.model.clone()));
    let fallback = problem
        .objective_gradient(Array1::from(vec![30.0, 70.0]).view())
        .unwrap();
    for (a, b) in exact.iter().zip(fallback.iter()) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}
