//! `--output-format json` of the commands that other test files check only as tables: each
//! prints one JSON document on stdout that parses back and agrees with the files it wrote.

mod common;

use std::path::PathBuf;

use common::{atlas, json, read_json, root};

fn example() -> PathBuf {
    root().join("examples/marketing/scenario.toml")
}

#[test]
fn pareto_json_matches_front_file() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let args = [
        "pareto",
        example.to_str().unwrap(),
        "--population",
        "16",
        "--generations",
        "5",
        "--out",
        "front",
        "--format",
        "svg",
        "-q",
        "--output-format",
        "json",
    ];
    let printed = json(&atlas(&args, dir.path()));
    let file = read_json(&dir.path().join("front/front.json"));
    assert_eq!(printed["command"], "pareto");
    assert_eq!(printed["generations"], 5);
    assert_eq!(printed["members"], file["members"]);
    assert_eq!(printed["knee"], file["knee"]);
}

#[test]
fn target_json_matches_target_file() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let args = [
        "target",
        example.to_str().unwrap(),
        "--kpi",
        "revenue",
        "--at-least",
        "2000000",
        "--output-format",
        "json",
    ];
    let printed = json(&atlas(&args, dir.path()));
    let file = read_json(&dir.path().join("target.json"));
    assert_eq!(printed["command"], "target");
    assert_eq!(printed["kpi"], "revenue");
    assert_eq!(printed, file);
    let value = printed["outcome"]["value"].as_f64().unwrap();
    assert!(value >= 2_000_000.0 * (1.0 - 1e-6), "{value}");
}

#[test]
fn report_json_names_folder() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let args = [
        "optimize",
        example.to_str().unwrap(),
        "-q",
        "--output-format",
        "json",
    ];
    let printed = json(&atlas(&args, dir.path()));
    assert_eq!(printed["command"], "optimize");
    assert_eq!(printed, read_json(&dir.path().join("result.json")));
    let args = [
        "report",
        "result.json",
        "--out",
        "charts",
        "--format",
        "svg",
        "--output-format",
        "json",
    ];
    let printed = json(&atlas(&args, dir.path()));
    assert_eq!(printed["out"], "charts");
    assert!(dir.path().join("charts/summary.svg").exists());
}
