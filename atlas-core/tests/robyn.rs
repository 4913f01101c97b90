//! Fidelity of the Robyn importer against figures reported by Robyn's own allocator.

use std::path::PathBuf;

use atlas_core::robyn::{import, ImportOptions};
use atlas_core::scenario::ScenarioFile;

fn export_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/robyn/RobynModel-3_165_9.json")
}

fn export_text() -> String {
    let path = export_path();
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the Robyn export {} is required by this test and could not be read ({error}); \
             the shared data folder must sit beside the repository",
            path.display()
        )
    })
}

fn options() -> ImportOptions {
    ImportOptions {
        from: "2018-10-29".into(),
        to: "2018-12-31".into(),
        lower_multiplier: 0.5,
        upper_multiplier: 2.0,
        budget: None,
        file_name: "RobynModel-3_165_9.json".into(),
        currency: "USD".into(),
    }
}

/// Robyn 3.11.1's allocator on this model, 2018-10-29 .. 2018-12-31, "max_response":
/// (channel, mean weekly spend, response at that spend, response(x + 1) - response(x)).
const ROBYN_ALLOCATOR: [(&str, f64, f64, f64); 5] = [
    (
        "facebook_S",
        3273.18868673127,
        16028.274840653,
        13.6482073838324,
    ),
    ("ooh_S", 26136.8, 121639.68747999, 0.69100177695509),
    (
        "print_S",
        3244.77333333333,
        3083.94093007449,
        2.31559198123614,
    ),
    ("search_S", 12080.0, 39532.729436483, 0.926284143512021),
    ("tv_S", 34559.2573333333, 139248.325486675, 5.88545263558626),
];

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn responses_match_robyn_allocator() {
    let imported = import(&export_text(), &options()).unwrap();
    assert_eq!(imported.dates.len(), 10);
    for (name, spend, response, marginal) in ROBYN_ALLOCATOR {
        let channel = imported.channels.iter().find(|c| c.name == name).unwrap();
        assert!(
            relative(channel.mean_spend, spend) < 1e-12,
            "{name} spend {}",
            channel.mean_spend
        );
        assert!(
            relative(channel.response, response) < 1e-6,
            "{name}: response {} vs Robyn {response}",
            channel.response
        );
        assert!(
            relative(channel.marginal, marginal) < 1e-3,
            "{name}: marginal {} vs Robyn {marginal}",
            channel.marginal
        );
        assert!(!channel.inflexion_stored);
    }
}

#[test]
fn scenario_model_reproduces_responses() {
    let imported = import(&export_text(), &options()).unwrap();
    let text = imported.scenario.to_toml().unwrap();
    let problem = ScenarioFile::parse(&text, "imported")
        .unwrap()
        .build()
        .unwrap();
    let plan = problem.evaluate_plan(&problem.current).unwrap();
    let names = problem.space.names();
    for (name, _, response, _) in ROBYN_ALLOCATOR {
        let index = names.iter().position(|n| n == name).unwrap();
        let contribution = plan.contributions[index][0];
        assert!(
            relative(contribution, response) < 1e-6,
            "{name}: {contribution} vs {response}"
        );
    }
    let total: f64 = plan.kpis[0];
    assert!(relative(total, 319532.958173876) < 1e-6, "total {total}");
    assert!(relative(plan.objectives[0], 79294.0193533979) < 1e-9);
}

#[test]
fn imported_bounds_follow_robyn_defaults() {
    let imported = import(&export_text(), &options()).unwrap();
    for channel in &imported.scenario.channels {
        let current = channel.current.amount("current").unwrap();
        assert_eq!(channel.lower, Some(current * 0.5));
        assert_eq!(channel.upper, Some(current * 2.0));
    }
    assert_eq!(imported.scenario.objectives.len(), 2);
    assert_eq!(imported.scenario.objectives[0].kpi, "total_spend");
    assert_eq!(imported.scenario.objectives[1].kpi, "revenue");
}

fn with_version(text: &str, version: &str) -> serde_json::Value {
    let mut root: serde_json::Value = serde_json::from_str(text).unwrap();
    root["InputCollect"]["version"] = serde_json::json!([version]);
    root
}

/// Window minimum and maximum of a channel's adstocked spend, computed from the raw export.
fn window_range(root: &serde_json::Value, channel: &str) -> (f64, f64) {
    let theta = root["ExportedModel"]["hyper_values"][format!("{channel}_thetas")][0]
        .as_f64()
        .unwrap();
    let rows = root["Extras"]["raw_data"].as_array().unwrap();
    let mut level = 0.0;
    let mut range = (f64::INFINITY, f64::NEG_INFINITY);
    // The modelling window is data rows 7 ..= 163 (1-based).
    for (row_number, row) in rows.iter().enumerate().map(|(i, r)| (i + 1, r)) {
        level = row[channel].as_f64().unwrap() + theta * level;
        if (7..=163).contains(&row_number) {
            range = (range.0.min(level), range.1.max(level));
        }
    }
    range
}

#[test]
fn inflexion_rule_follows_version() {
    let text = export_text();
    let old = import(&text, &options()).unwrap();
    let root = with_version(&text, "Robyn (stable) v3.12.1 [R-4.4.0]");
    let new = import(&root.to_string(), &options()).unwrap();
    for (before, after) in old.channels.iter().zip(&new.channels) {
        let (min, max) = window_range(&root, &before.name);
        let gamma = before.gamma;
        let legacy = (1.0 - gamma) * min + gamma * max;
        assert!(
            relative(before.inflexion, legacy) < 1e-12,
            "{} 3.11 rule",
            before.name
        );
        assert!(
            relative(after.inflexion, gamma * max) < 1e-12,
            "{} 3.12 rule",
            after.name
        );
        assert!(!after.inflexion_stored);
    }
}

#[test]
fn stored_inflexion_is_used() {
    let text = export_text();
    let mut root = with_version(&text, "Robyn (stable) v3.12.1 [R-4.4.0]");
    root["ExportedModel"]["hyper_values"]["tv_S_inflexion"] = serde_json::json!([12345.5]);
    let imported = import(&root.to_string(), &options()).unwrap();
    let tv = imported.channels.iter().find(|c| c.name == "tv_S").unwrap();
    assert_eq!(tv.inflexion, 12345.5);
    assert!(tv.inflexion_stored);
}

#[test]
fn dates_outside_window_are_rejected() {
    let mut bad = options();
    bad.from = "2019-03-04".into();
    bad.to = "2019-04-01".into();
    let error = import(&export_text(), &bad).unwrap_err().to_string();
    assert!(error.contains("2019-03-04"), "{error}");
    assert!(error.contains("2018-12-31"), "{error}");
}

#[test]
fn malformed_date_is_rejected() {
    let mut bad = options();
    bad.from = "29/10/2018".into();
    let error = import(&export_text(), &bad).unwrap_err().to_string();
    assert!(error.contains("--from"), "{error}");
    assert!(error.contains("YYYY-MM-DD"), "{error}");
}

#[test]
fn reversed_dates_are_rejected() {
    let mut bad = options();
    bad.from = "2018-12-31".into();
    bad.to = "2018-10-29".into();
    let error = import(&export_text(), &bad).unwrap_err().to_string();
    assert!(error.contains("swap"), "{error}");
}

#[test]
fn weibull_adstock_is_rejected() {
    let mut root: serde_json::Value = serde_json::from_str(&export_text()).unwrap();
    root["InputCollect"]["adstock"] = serde_json::json!(["weibull_pdf"]);
    let error = import(&root.to_string(), &options())
        .unwrap_err()
        .to_string();
    assert!(error.contains("weibull_pdf"), "{error}");
}

#[test]
fn missing_raw_data_names_the_fix() {
    let mut root: serde_json::Value = serde_json::from_str(&export_text()).unwrap();
    root["Extras"] = serde_json::json!({});
    let error = import(&root.to_string(), &options())
        .unwrap_err()
        .to_string();
    assert!(error.contains("Extras.raw_data"), "{error}");
    assert!(error.contains("add_data = TRUE"), "{error}");
}

#[test]
fn not_json_is_rejected() {
    let error = import("{ not json", &options()).unwrap_err().to_string();
    assert!(error.contains("not valid JSON"), "{error}");
}

#[test]
fn upper_below_lower_multiplier_is_rejected() {
    let mut bad = options();
    bad.upper_multiplier = 0.2;
    let error = import(&export_text(), &bad).unwrap_err().to_string();
    assert!(error.contains("--upper"), "{error}");
    assert!(error.contains("0.2"), "{error}");
}

#[test]
fn theta_out_of_range_is_rejected() {
    let mut root: serde_json::Value = serde_json::from_str(&export_text()).unwrap();
    root["ExportedModel"]["hyper_values"]["tv_S_thetas"] = serde_json::json!([1.5]);
    let error = import(&root.to_string(), &options())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("ExportedModel.hyper_values.tv_S_thetas"),
        "{error}"
    );
    assert!(error.contains("1.5"), "{error}");
}

#[test]
fn negative_spend_names_the_row() {
    let mut root: serde_json::Value = serde_json::from_str(&export_text()).unwrap();
    root["Extras"]["raw_data"][20]["tv_S"] = serde_json::json!(-5.0);
    let error = import(&root.to_string(), &options())
        .unwrap_err()
        .to_string();
    assert!(error.contains("Extras.raw_data[20].tv_S"), "{error}");
}

#[test]
fn budget_below_floors_is_rejected_before_writing() {
    let mut small = options();
    small.budget = Some(1.0);
    let error = import(&export_text(), &small).unwrap_err().to_string();
    assert!(error.contains("--budget"), "{error}");
    assert!(error.contains("raise the budget"), "{error}");
}
