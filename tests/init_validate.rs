//! `atlas init` and `atlas validate` through the real binary.

mod common;

use std::path::Path;

use common::{atlas, json, succeed};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes the template with `from` replaced by `to` as `name` in `dir`.
fn variant(dir: &Path, name: &str, from: &str, to: &str) -> String {
    let template = std::fs::read_to_string(dir.join("start/scenario.toml")).unwrap();
    assert!(template.contains(from), "template lacks {from:?}");
    std::fs::write(dir.join(name), template.replace(from, to)).unwrap();
    name.to_owned()
}

fn init(dir: &Path) {
    succeed(&atlas(&["init", "start"], dir));
}

#[test]
fn init_then_validate_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = succeed(&atlas(&["init", "start"], dir.path()));
    assert!(
        stdout.contains("atlas validate start/scenario.toml"),
        "{stdout}"
    );
    let output = atlas(&["validate", "start/scenario.toml"], dir.path());
    let stdout = succeed(&output);
    assert!(
        stdout.contains("Valid: some plan meets every rule"),
        "{stdout}"
    );
    assert!(stdout.contains("meets every rule"), "{stdout}");
    let args = ["validate", "start/scenario.toml", "--output-format", "json"];
    let result = json(&atlas(&args, dir.path()));
    assert_eq!(result["command"], "validate");
    assert_eq!(result["channels"], 4);
    assert_eq!(result["kpi_names"][1], "awareness");
    let current = result["current_objectives"][0].as_f64().unwrap();
    let best = result["best_objectives"][0].as_f64().unwrap();
    assert!(best >= current, "best {best} below current {current}");
    assert_eq!(result["current_breaks"].as_array().unwrap().len(), 0);
}

#[test]
fn init_keeps_existing_scenario() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let path = dir.path().join("start/scenario.toml");
    std::fs::write(&path, "name = \"mine\"\n").unwrap();
    let output = atlas(&["init", "start"], dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("already exists"), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name = \"mine\"\n");
    succeed(&atlas(&["init", "start", "--force"], dir.path()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# An Atlas scenario"), "{text}");
}

#[test]
fn init_rejects_file_as_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("taken"), "x").unwrap();
    let output = atlas(&["init", "taken"], dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("taken is a file"), "{message}");
}

#[test]
fn init_defaults_to_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&atlas(&["init"], dir.path()));
    assert!(dir.path().join("scenario.toml").exists());
}

#[test]
fn validate_names_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let file = variant(dir.path(), "typo.toml", "currency = ", "curency = ");
    let output = atlas(&["validate", &file], dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("curency"), "{message}");
}

#[test]
fn validate_reports_conflicting_floors() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let file = variant(
        dir.path(),
        "floors.toml",
        "equals = 1000000.0",
        "equals = 200000.0",
    );
    let output = atlas(&["validate", &file], dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("budget"), "{message}");
}

#[test]
fn validate_reports_unreachable_kpi() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let rule = "[[constraints]]\ntype = \"kpi_bounds\"\nname = \"awareness floor\"\n\
                kpi = \"awareness\"\nat_least = 500.0\n\n# Objectives:";
    let file = variant(dir.path(), "kpi.toml", "# Objectives:", rule);
    let output = atlas(&["validate", &file, "--solver", "gradient"], dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("awareness floor"), "{message}");
    assert!(
        message.contains("no plan that meets every rule"),
        "{message}"
    );
}

#[test]
fn validate_names_rules_current_plan_breaks() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let file = variant(dir.path(), "share.toml", "min = 0.3", "min = 0.6");
    let output = atlas(&["validate", &file], dir.path());
    let stdout = succeed(&output);
    assert!(stdout.contains("breaks `digital at least 30%`"), "{stdout}");
}
