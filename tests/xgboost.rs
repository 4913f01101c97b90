//! End-to-end runs of the real `atlas` binary on examples/xgboost, whose two XGBoost models
//! atlas-core/tests/xgboost/make_fixtures.py trained. atlas-core/tests/xgboost.rs compares the
//! model evaluation itself with XGBoost.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{atlas, atlas_threads, floats, json, read_json, root, succeed};

const BUDGET: f64 = 100_000.0;

fn example() -> PathBuf {
    root().join("examples/xgboost/scenario.toml")
}

/// Checks the example's rules independently of Atlas's constraint code: the total is exactly
/// 100,000 and each channel (search, social, tv) stays within its bounds.
fn assert_example_rules(spend: &[f64]) {
    let tolerance = 1e-9;
    let lower = [5_000.0, 0.0, 10_000.0];
    let upper = [60_000.0, 40_000.0, 90_000.0];
    assert_eq!(spend.len(), 3);
    let total: f64 = spend.iter().sum();
    assert!(
        (total - BUDGET).abs() <= tolerance * BUDGET,
        "total {total}"
    );
    for i in 0..3 {
        assert!(
            spend[i] >= lower[i] - tolerance * upper[i],
            "channel {i}: {}",
            spend[i]
        );
        assert!(
            spend[i] <= upper[i] * (1.0 + tolerance),
            "channel {i}: {}",
            spend[i]
        );
    }
}

/// Evaluates a plan with `atlas evaluate --plan` and returns its KPI values.
fn evaluate_plan(spend: &[f64], dir: &Path) -> Vec<f64> {
    let mut text = String::from("channel,spend\n");
    for (name, amount) in ["search", "social", "tv"].iter().zip(spend) {
        // Display prints the shortest decimal that parses back to the same f64.
        text.push_str(&format!("{name},{amount}\n"));
    }
    std::fs::write(dir.join("plan.csv"), text).unwrap();
    let example = example();
    let output = json(&atlas(
        &[
            "evaluate",
            example.to_str().unwrap(),
            "--plan",
            "plan.csv",
            "--output-format",
            "json",
        ],
        dir,
    ));
    floats(&output["kpi_values"])
}

fn assert_same_kpis(found: &[f64], expected: &[f64]) {
    assert_eq!(found.len(), expected.len());
    for (f, e) in found.iter().zip(expected) {
        assert!((f - e).abs() <= 1e-12 * e.abs().max(1.0), "{f} vs {e}");
    }
}

#[test]
fn optimize_picks_cmaes_and_reevaluates() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    succeed(&atlas(
        &[
            "optimize",
            example.to_str().unwrap(),
            "--output",
            "result.json",
        ],
        dir.path(),
    ));
    let result = read_json(&dir.path().join("result.json"));
    assert_eq!(result["method"], "cmaes");
    let choice = result["method_choice"].as_str().unwrap();
    assert!(choice.contains("no gradients"), "{choice}");

    let spend: Vec<f64> = result["optimal"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["spend"].as_f64().unwrap())
        .collect();
    assert_example_rules(&spend);
    let kpis = floats(&result["optimal"]["kpis"]);
    assert_same_kpis(&evaluate_plan(&spend, dir.path()), &kpis);

    // The current plan meets every rule, so the optimum is never worse at the weights.
    let weights = floats(&result["weights"]);
    let range = floats(&result["normalization"]["range"]);
    let current = floats(&result["current"]["kpis"]);
    let gain: f64 = (0..2)
        .map(|k| weights[k] * (kpis[k] - current[k]) / range[k])
        .sum();
    assert!(
        gain >= 0.0,
        "the optimum is worse than the current plan: {gain}"
    );
}

#[test]
fn pareto_front_meets_budget_and_reevaluates() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    succeed(&atlas(
        &["pareto", example.to_str().unwrap(), "--out", "front"],
        dir.path(),
    ));
    let front = read_json(&dir.path().join("front/front.json"));
    assert_eq!(front["algorithm"], "nsga2");
    let members = front["members"].as_array().unwrap();
    assert!(!members.is_empty());
    for member in members {
        let spend = floats(&member["spend"]);
        assert_example_rules(&spend);
        // Both objectives are KPIs, so the objective values are the KPI values.
        let objectives = floats(&member["objectives"]);
        assert_same_kpis(&evaluate_plan(&spend, dir.path()), &objectives);
    }
}

#[test]
fn xgboost_results_ignore_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let scenario = example.to_str().unwrap();
    let mut results: Vec<(Value, Vec<u8>)> = Vec::new();
    for threads in ["1", "2"] {
        let result = format!("result-{threads}.json");
        let out = format!("front-{threads}");
        succeed(&atlas_threads(
            &["optimize", scenario, "--output", &result],
            dir.path(),
            threads,
        ));
        succeed(&atlas_threads(
            &["pareto", scenario, "--out", &out],
            dir.path(),
            threads,
        ));
        let mut value = read_json(&dir.path().join(&result));
        // The only field that measures time rather than the result.
        value.as_object_mut().unwrap().remove("solve_seconds");
        let front = std::fs::read(dir.path().join(&out).join("front.json")).unwrap();
        results.push((value, front));
    }
    assert!(
        results[0].0 == results[1].0,
        "result.json differs between 1 and 2 threads"
    );
    assert!(
        results[0].1 == results[1].1,
        "front.json differs between 1 and 2 threads"
    );
}

#[test]
fn unmapped_feature_fails_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let folder = root().join("examples/xgboost");
    for model in ["revenue.json", "conversions.json"] {
        std::fs::copy(folder.join(model), dir.path().join(model)).unwrap();
    }
    let text = std::fs::read_to_string(example()).unwrap();
    let first_context = "context = { price = 9.99 }\n";
    assert!(text.contains(first_context));
    std::fs::write(
        dir.path().join("scenario.toml"),
        text.replacen(first_context, "", 1),
    )
    .unwrap();
    let output = atlas(
        &["optimize", "scenario.toml", "--output", "result.json"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("model.outputs[0]"), "{stderr}");
    assert!(stderr.contains("no source: `price`"), "{stderr}");
    assert!(!dir.path().join("result.json").exists());
}

#[test]
fn solver_advice_suits_trees() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let scenario = example.to_str().unwrap();

    let exact = atlas(&["optimize", scenario, "--solver", "exact"], dir.path());
    assert_eq!(exact.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&exact.stderr);
    assert!(stderr.contains("use `cmaes` or `auto`"), "{stderr}");
    assert!(!stderr.contains("`gradient`"), "{stderr}");

    let gradient = json(&atlas(
        &[
            "optimize",
            scenario,
            "--solver",
            "gradient",
            "--output-format",
            "json",
        ],
        dir.path(),
    ));
    let choice = gradient["method_choice"].as_str().unwrap();
    assert!(choice.contains("no gradients"), "{choice}");
    assert!(choice.contains("`cmaes` suits"), "{choice}");
}
