//! The `exact` grid solver against results computed independently.

use atlas_core::exact::{solve_grid, unsupported_reason, GridLimits};
use atlas_core::{Problem, ScenarioFile};
use proptest::prelude::*;

/// Builds a problem from Hill curves `coefficient * x^alpha / (x^alpha + inflexion^alpha)`.
/// Channels listed in `grouped` belong to the group `pair`.
fn hill_problem(
    curves: &[(f64, f64, f64)],
    budget: f64,
    grouped: &[usize],
    extra: &str,
) -> Problem {
    let mut text = String::from(
        "name = \"grid\"\n[model]\ntype = \"response_curves\"\nkpis = [\"revenue\"]\ncurves = [\n",
    );
    for (i, (coefficient, alpha, inflexion)) in curves.iter().enumerate() {
        text.push_str(&format!(
            "  {{ channel = \"c{i}\", kpi = \"revenue\", coefficient = {coefficient:?}, \
             alpha = {alpha:?}, inflexion = {inflexion:?} }},\n"
        ));
    }
    text.push_str("]\n");
    let share = budget / curves.len() as f64;
    for i in 0..curves.len() {
        text.push_str(&format!(
            "[[channels]]\nname = \"c{i}\"\ncurrent = {share:?}\n"
        ));
        if grouped.contains(&i) {
            text.push_str("groups = [\"pair\"]\n");
        }
    }
    text.push_str(&format!(
        "[[constraints]]\ntype = \"total_budget\"\nequals = {budget:?}\n{extra}\
         [[objectives]]\nkpi = \"revenue\"\nsense = \"maximize\"\n"
    ));
    ScenarioFile::parse(&text, "test").unwrap().build().unwrap()
}

fn hill(coefficient: f64, alpha: f64, inflexion: f64, x: f64) -> f64 {
    coefficient * x.powf(alpha) / (x.powf(alpha) + inflexion.powf(alpha))
}

#[test]
fn s_curves_put_everything_in_one() {
    let problem = hill_problem(&[(100.0, 3.0, 50.0), (100.0, 3.0, 50.0)], 60.0, &[], "");
    let outcome = solve_grid(&problem, &[1.0], GridLimits::default()).unwrap();
    // All 60 in one channel: 100 * 60^3 / (60^3 + 50^3) = 63.34; the even split gives
    // 2 * 100 * 30^3 / (30^3 + 50^3) = 35.53.
    let corner = hill(100.0, 3.0, 50.0, 60.0);
    assert!((outcome.value - corner).abs() < 1e-9, "{outcome:?}");
    assert!(outcome.spend.iter().any(|&x| (x - 60.0).abs() < 1e-9));
    assert!(outcome.certified);
    assert!(outcome.upper_bound >= outcome.value);
    assert!(
        outcome.upper_bound - outcome.value < 1e-2 * corner,
        "{outcome:?}"
    );
}

#[test]
fn group_floor_moves_spend() {
    // c0 is the strongest channel, but the group rule keeps c1 + c2 at 50 or more.
    let rule = "[[constraints]]\ntype = \"group_budget\"\ngroup = \"pair\"\nlower = 50.0\n";
    let problem = hill_problem(
        &[(300.0, 1.0, 50.0), (100.0, 1.0, 50.0), (100.0, 1.0, 50.0)],
        100.0,
        &[1, 2],
        rule,
    );
    let outcome = solve_grid(&problem, &[1.0], GridLimits::default()).unwrap();
    let group = outcome.spend[1] + outcome.spend[2];
    assert!(group >= 50.0 - 1e-9, "{outcome:?}");
    // The floor binds: c0 keeps 50 and c1, c2 split the rest evenly.
    assert!((outcome.spend[0] - 50.0).abs() < 1.0, "{outcome:?}");
}

#[test]
fn ratio_rule_is_out_of_reach() {
    let rule = "[[constraints]]\ntype = \"ratio\"\nnumerator = { channels = [\"c0\"] }\n\
                denominator = { channels = [\"c1\"] }\nmax = 2.0\n";
    let problem = hill_problem(&[(100.0, 1.0, 50.0), (100.0, 1.0, 50.0)], 100.0, &[], rule);
    let reason = unsupported_reason(&problem).unwrap();
    assert!(reason.contains("ratio"), "{reason}");
}

/// Best value of three Hill curves over spends that are multiples of `step` and sum to
/// `budget`, by enumeration.
fn brute_force(curves: &[(f64, f64, f64)], budget: f64, step: f64) -> f64 {
    let count = (budget / step).round() as usize;
    let mut best = f64::NEG_INFINITY;
    for a in 0..=count {
        for b in 0..=count - a {
            let spend = [
                a as f64 * step,
                b as f64 * step,
                (count - a - b) as f64 * step,
            ];
            let value: f64 = curves
                .iter()
                .zip(spend)
                .map(|(&(c, alpha, k), x)| hill(c, alpha, k, x))
                .sum();
            best = best.max(value);
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn grid_matches_brute_force(
        curves in proptest::collection::vec((10.0..500.0f64, 0.5..4.0f64, 5.0..80.0f64), 3),
        budget in 20.0..200.0f64,
    ) {
        let problem = hill_problem(&curves, budget, &[], "");
        let outcome = solve_grid(&problem, &[1.0], GridLimits::default()).unwrap();
        let brute = brute_force(&curves, budget, budget / 400.0);
        let total: f64 = outcome.spend.iter().sum();
        prop_assert!((total - budget).abs() < 1e-9 * budget);
        // The grid is finer than the enumeration, and the bound covers every plan.
        prop_assert!(outcome.value >= brute - 1e-9 * brute.abs(), "{} < {brute}", outcome.value);
        prop_assert!(outcome.upper_bound >= brute - 1e-9 * brute.abs());
    }
}

#[test]
fn overlapping_groups_are_named() {
    let text = r#"
name = "overlap"
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  { channel = "c0", kpi = "revenue", coefficient = 100.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "c1", kpi = "revenue", coefficient = 100.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "c2", kpi = "revenue", coefficient = 100.0, alpha = 1.0, inflexion = 50.0 },
]
[[channels]]
name = "c0"
current = 10.0
groups = ["left"]
[[channels]]
name = "c1"
current = 10.0
groups = ["left", "right"]
[[channels]]
name = "c2"
current = 10.0
groups = ["right"]
[[constraints]]
type = "total_budget"
equals = 30.0
[[constraints]]
type = "group_budget"
name = "left floor"
group = "left"
lower = 5.0
[[constraints]]
type = "group_budget"
name = "right floor"
group = "right"
lower = 5.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;
    let problem = ScenarioFile::parse(text, "test").unwrap().build().unwrap();
    let reason = unsupported_reason(&problem).unwrap();
    assert!(reason.contains("`left floor`"), "{reason}");
    assert!(reason.contains("`right floor`"), "{reason}");
}

/// A separable model whose contributions leave out half of each channel's response, so the
/// grid must measure the channel terms by moving one channel at a time.
#[derive(Debug)]
struct HalfContributions(std::sync::Arc<dyn atlas_core::ResponseModel>);

impl atlas_core::ResponseModel for HalfContributions {
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
        Ok(self.0.contributions(spend)? * 0.5)
    }

    fn is_separable(&self) -> bool {
        true
    }

    fn has_monotone_contributions(&self) -> bool {
        true
    }
}

#[test]
fn differences_replace_partial_contributions() {
    let curves = [(300.0, 1.0, 50.0), (100.0, 2.0, 30.0), (200.0, 3.0, 40.0)];
    let problem = hill_problem(&curves, 120.0, &[], "");
    let direct = solve_grid(&problem, &[1.0], GridLimits::default()).unwrap();
    let mut wrapped = problem.clone();
    wrapped.model = std::sync::Arc::new(HalfContributions(problem.model.clone()));
    let measured = solve_grid(&wrapped, &[1.0], GridLimits::default()).unwrap();
    // One plan per channel and level is the cost of measuring the terms.
    assert!(measured.evaluations > 3 * measured.levels, "{measured:?}");
    assert!(
        (measured.value - direct.value).abs() < 1e-3 * direct.value,
        "{measured:?}"
    );
    assert!(measured.upper_bound >= measured.value);
}
