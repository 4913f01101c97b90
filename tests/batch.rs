//! End-to-end tests of `atlas batch` and `atlas batch merge` through the real binary.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{atlas, atlas_threads, json, read_json, root, succeed};

/// Two budgets and two weight vectors on the bundled example, solved with `gradient`, which
/// is fast in debug builds.
const GRID: &str = r#"
scenario = "scenario.toml"
budget = { multiples = [0.9, 1.1] }
weights = [[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]]
solvers = ["gradient"]
"#;

const GRID_NAMES: [&str; 4] = [
    "budget-0.9x__w-0.5-0.3-0.2__solver-gradient",
    "budget-0.9x__w-0.2-0.3-0.5__solver-gradient",
    "budget-1.1x__w-0.5-0.3-0.2__solver-gradient",
    "budget-1.1x__w-0.2-0.3-0.5__solver-gradient",
];

/// Nine scenarios: three budgets, three weight vectors.
const NINE: &str = r#"
scenario = "scenario.toml"
budget = { amounts = [900000.0, 1000000.0, 1100000.0] }
weights = [[0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.1, 0.8, 0.1]]
solvers = ["gradient"]
"#;

/// Copies the bundled example into `dir` as scenario.toml and writes `text` as batch.toml.
fn setup(dir: &Path, text: &str) -> PathBuf {
    fs::copy(
        root().join("examples/marketing/scenario.toml"),
        dir.join("scenario.toml"),
    )
    .unwrap();
    let batch = dir.join("batch.toml");
    fs::write(&batch, text).unwrap();
    batch
}

fn run_json(dir: &Path, out: &str) -> Value {
    json(&atlas(
        &[
            "batch",
            "batch.toml",
            "--out",
            out,
            "--output-format",
            "json",
        ],
        dir,
    ))
}

/// Reads summary.csv as one map from column to value per row.
fn summary(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            header
                .iter()
                .cloned()
                .zip(row.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn names(rows: &[BTreeMap<String, String>]) -> Vec<String> {
    rows.iter().map(|row| row["name"].clone()).collect()
}

fn folders(scenarios: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(scenarios)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Reads a result.json without `solve_seconds`, the one field that differs between runs.
fn result_without_time(path: &Path) -> Value {
    let mut value = read_json(path);
    value.as_object_mut().unwrap().remove("solve_seconds");
    value
}

#[test]
fn batch_writes_folder_and_row_per_scenario() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    let output = run_json(dir.path(), "out");
    let out = dir.path().join("out");

    assert_eq!(output["command"], "batch");
    assert_eq!(output["counts"]["scenarios"], 4);
    assert_eq!(output["counts"]["solved"], 4);
    assert_eq!(output["counts"]["skipped"], 0);
    let listed: Vec<&str> = output["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, GRID_NAMES);

    let mut expected: Vec<String> = GRID_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(folders(&out.join("scenarios")), expected);
    let rows = summary(&out.join("summary.csv"));
    assert_eq!(names(&rows), GRID_NAMES);
    for (row, scenario) in rows.iter().zip(output["scenarios"].as_array().unwrap()) {
        let folder = out.join("scenarios").join(&row["name"]);
        assert_eq!(row["status"], "solved");
        assert_eq!(row["solver"], "gradient");
        assert_eq!(row["method"], "gradient");
        assert_eq!(row["input_hash"], scenario["input_hash"].as_str().unwrap());
        let result = read_json(&folder.join("result.json"));
        assert_eq!(result["command"], "optimize");
        let budget: f64 = row["budget"].parse().unwrap();
        let total: f64 = row["total_spend"].parse().unwrap();
        assert!(
            (total - budget).abs() <= 1e-6 * budget,
            "{total} vs {budget}"
        );
        let revenue: f64 = row["kpi_revenue"].parse().unwrap();
        assert_eq!(revenue, result["optimal"]["kpis"][0].as_f64().unwrap());
        let channels: f64 = [
            "spend_search",
            "spend_social",
            "spend_display",
            "spend_tv",
            "spend_radio",
            "spend_print",
        ]
        .iter()
        .map(|c| row[*c].parse::<f64>().unwrap())
        .sum();
        assert!((channels - total).abs() <= 1e-6 * total);
    }
    let first = &rows[0];
    assert_eq!(first["budget_level"], "0.9x");
    assert_eq!(first["budget"], "900000");
    assert_eq!(first["weights"], "0.5,0.3,0.2");
    assert_eq!(first["variant"], "");

    let manifest = read_json(&out.join("batch.json"));
    assert_eq!(manifest["batch_hash"], output["batch_hash"]);
    assert_eq!(manifest["scenarios"].as_array().unwrap().len(), 4);
}

#[test]
fn batch_scenario_file_reproduces_result() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    run_json(dir.path(), "out");
    let folder = dir.path().join("out/scenarios").join(GRID_NAMES[3]);
    let scenario = folder.join("scenario.toml");
    succeed(&atlas(
        &[
            "optimize",
            scenario.to_str().unwrap(),
            "--output",
            "again.json",
        ],
        dir.path(),
    ));
    assert_eq!(
        result_without_time(&folder.join("result.json")),
        result_without_time(&dir.path().join("again.json"))
    );
}

#[test]
fn batch_table_reports_counts() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    let text = succeed(&atlas(&["batch", "batch.toml", "--out", "out"], dir.path()));
    assert!(text.contains("4 solved, 0 infeasible, 0 failed"), "{text}");
    for name in GRID_NAMES {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("Skipped 0 scenarios"), "{text}");
}

#[test]
fn batch_applies_variants_and_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
scenario = "scenario.toml"
budget = { amounts = [900000.0] }
solvers = ["gradient"]

[[variants]]
name = "as-planned"

[[variants]]
name = "print-free"
drop = ["print held"]

[[variants.add]]
type = "channel_bounds"
name = "tv cap"
channel = "tv"
upper = 250000.0
"#;
    setup(dir.path(), text);
    let output = run_json(dir.path(), "out");
    assert_eq!(output["counts"]["solved"], 2);
    let rows = summary(&dir.path().join("out/summary.csv"));
    assert_eq!(
        names(&rows),
        [
            "budget-900000__variant-as-planned__solver-gradient",
            "budget-900000__variant-print-free__solver-gradient"
        ]
    );
    let planned = &rows[0];
    assert_eq!(planned["variant"], "as-planned");
    assert_eq!(planned["spend_print"].parse::<f64>().unwrap(), 100000.0);
    let free = &rows[1];
    let tv: f64 = free["spend_tv"].parse().unwrap();
    assert!(tv <= 250000.0 * (1.0 + 1e-9), "tv {tv}");
    let total: f64 = free["total_spend"].parse().unwrap();
    assert!((total - 900000.0).abs() < 1e-3, "total {total}");

    let solved = fs::read_to_string(
        dir.path()
            .join("out/scenarios")
            .join(&free["name"])
            .join("scenario.toml"),
    )
    .unwrap();
    assert!(!solved.contains("print held"), "{solved}");
    assert!(solved.contains("tv cap"), "{solved}");
    assert!(solved.contains("equals = 900000.0"), "{solved}");
}

#[test]
fn batch_rejects_invalid_input() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "unknown key",
            "scenario = \"scenario.toml\"\nbudgets = { multiples = [1.0] }\n",
            "unknown field `budgets`",
        ),
        (
            "missing scenario",
            "scenario = \"absent.toml\"\n",
            "`scenario` = \"absent.toml\"",
        ),
        (
            "negative weight",
            "scenario = \"scenario.toml\"\nweights = [[0.5, 0.3, 0.2], [0.5, -0.3, 0.2]]\n",
            "`weights[1][1]`",
        ),
        (
            "short weight vector",
            "scenario = \"scenario.toml\"\nweights = [[0.5, 0.5]]\n",
            "`weights[0]`: 2 weights given for 3 objectives",
        ),
        (
            "unknown dropped constraint",
            "scenario = \"scenario.toml\"\n[[variants]]\nname = \"x\"\ndrop = [\"print hold\"]\n",
            "`variants[0].drop[0]` = \"print hold\" is not a constraint",
        ),
        (
            "unknown solver",
            "scenario = \"scenario.toml\"\nsolvers = [\"fastest\"]\n",
            "`solvers[0]` = \"fastest\" is not a solver",
        ),
        (
            "budget without total budget rule",
            "scenario = \"scenario.toml\"\nbudget = { multiples = [1.0] }\n[[variants]]\nname = \"x\"\ndrop = [\"quarter budget\"]\n",
            "no total_budget rule",
        ),
        (
            "invalid added constraint",
            "scenario = \"scenario.toml\"\n[[variants]]\nname = \"x\"\n[[variants.add]]\ntype = \"group_share\"\ngroup = \"print\"\nmin = 0.1\n",
            "`variants[0].add[0].group`",
        ),
        (
            "zero budget multiple",
            "scenario = \"scenario.toml\"\nbudget = { multiples = [0.0] }\n",
            "`budget.multiples[0]` = 0 is invalid",
        ),
    ];
    for (case, text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        setup(dir.path(), text);
        let output = atlas(&["batch", "batch.toml", "--out", "out"], dir.path());
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{case}: {message}");
        assert!(message.contains(expected), "{case}: {message}");
        assert!(!dir.path().join("out").exists(), "{case}: out was created");
    }
}

#[test]
fn batch_rejects_invalid_shard() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    for shard in ["0/3", "4/3", "3", "a/b"] {
        let output = atlas(
            &["batch", "batch.toml", "--out", "out", "--shard", shard],
            dir.path(),
        );
        assert_eq!(output.status.code(), Some(2), "{shard}");
        assert!(stderr(&output).contains("1 <= K <= N"), "{shard}");
    }
}

#[test]
fn batch_rejects_file_as_out() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    fs::write(dir.path().join("taken"), "a file").unwrap();
    let output = atlas(&["batch", "batch.toml", "--out", "taken"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--out taken is an existing file"));
}

#[test]
fn infeasible_scenario_exits_1_after_writing() {
    let dir = tempfile::tempdir().unwrap();
    // 0.2 x 1,000,000 is below the 280,000 that the channel floors and held print need.
    let text = r#"
scenario = "scenario.toml"
budget = { multiples = [0.2, 1.0] }
solvers = ["gradient"]
"#;
    setup(dir.path(), text);
    let output = atlas(
        &[
            "batch",
            "batch.toml",
            "--out",
            "out",
            "--output-format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("1 of 2 scenarios did not solve"));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["counts"]["infeasible"], 1);
    assert_eq!(report["counts"]["solved"], 1);

    let rows = summary(&dir.path().join("out/summary.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "budget-0.2x__solver-gradient");
    assert_eq!(rows[0]["status"], "infeasible");
    assert!(rows[0]["message"].contains("raise the budget to 280,000"));
    assert_eq!(rows[0]["kpi_revenue"], "");
    assert_eq!(rows[1]["status"], "solved");
    let infeasible = dir
        .path()
        .join("out/scenarios/budget-0.2x__solver-gradient");
    assert!(infeasible.join("scenario.toml").is_file());
    assert!(infeasible.join("status.json").is_file());
    assert!(!infeasible.join("result.json").exists());
}

#[test]
fn failed_scenario_records_message() {
    let dir = tempfile::tempdir().unwrap();
    // `exact` cannot split a ratio by channel, so that scenario fails and `gradient` solves.
    let text = r#"
scenario = "scenario.toml"
solvers = ["exact", "gradient"]

[[variants]]
name = "tv-ratio"
[[variants.add]]
type = "ratio"
numerator = { channels = ["tv"] }
denominator = { groups = ["digital"] }
max = 1.0
"#;
    setup(dir.path(), text);
    let output = atlas(&["batch", "batch.toml", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let rows = summary(&dir.path().join("out/summary.csv"));
    assert_eq!(rows[0]["status"], "failed");
    assert!(
        rows[0]["message"].contains("ratio"),
        "{}",
        rows[0]["message"]
    );
    assert_eq!(rows[1]["status"], "solved");
}

#[test]
fn rerun_skips_finished_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), NINE);
    run_json(dir.path(), "out");
    let out = dir.path().join("out");
    let scenarios = out.join("scenarios");
    let first_summary = fs::read(out.join("summary.csv")).unwrap();

    // Simulate an interrupted run: two finished folders are gone, one holds only its scenario
    // file, and a staging folder is left behind.
    let rows = summary(&out.join("summary.csv"));
    fs::remove_dir_all(scenarios.join(&rows[1]["name"])).unwrap();
    fs::remove_dir_all(scenarios.join(&rows[4]["name"])).unwrap();
    fs::remove_file(scenarios.join(&rows[7]["name"]).join("status.json")).unwrap();
    fs::remove_file(scenarios.join(&rows[7]["name"]).join("result.json")).unwrap();
    let stage = scenarios.join(format!(".{}.partial-99999", rows[4]["name"]));
    fs::create_dir(&stage).unwrap();
    fs::write(stage.join("result.json"), "{ \"half\": ").unwrap();

    let again = run_json(dir.path(), "out");
    assert_eq!(again["counts"]["skipped"], 6);
    assert_eq!(again["counts"]["solved"], 9);
    let skipped: Vec<bool> = again["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skipped"].as_bool().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [true, false, true, true, false, true, true, false, true]
    );
    assert!(!stage.exists(), "the stale staging folder is still there");
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), first_summary);
    assert_eq!(folders(&scenarios).len(), 9);

    let text = succeed(&atlas(&["batch", "batch.toml", "--out", "out"], dir.path()));
    assert!(
        text.contains("Skipped 9 scenarios that an earlier run finished, and ran 0."),
        "{text}"
    );
}

#[test]
fn killed_batch_resumes() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), NINE);
    let scenarios = dir.path().join("out/scenarios");
    let mut child = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(["batch", "batch.toml", "--out", "out", "--quiet"])
        .current_dir(dir.path())
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let finished = |scenarios: &Path| -> usize {
        fs::read_dir(scenarios)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().join("status.json").is_file())
                    .count()
            })
            .unwrap_or(0)
    };
    let started = Instant::now();
    while finished(&scenarios) == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done_before = finished(&scenarios);
    assert!(done_before >= 1, "no scenario finished before the kill");

    let again = run_json(dir.path(), "out");
    let skipped = again["counts"]["skipped"].as_u64().unwrap() as usize;
    assert!(skipped >= done_before, "{skipped} < {done_before}");
    let rows = summary(&dir.path().join("out/summary.csv"));
    assert_eq!(rows.len(), 9);
    let unique: HashSet<&String> = rows.iter().map(|r| &r["name"]).collect();
    assert_eq!(unique.len(), 9);
    assert!(rows.iter().all(|r| r["status"] == "solved"));
    let visible: Vec<String> = folders(&scenarios)
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .collect();
    assert_eq!(visible.len(), 9);
}

#[test]
fn changed_weight_reruns_only_its_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    run_json(dir.path(), "out");
    let scenarios = dir.path().join("out/scenarios");
    let unchanged = scenarios.join(GRID_NAMES[0]).join("result.json");
    let before = fs::read(&unchanged).unwrap();

    setup(
        dir.path(),
        &GRID.replace("[0.2, 0.3, 0.5]", "[0.2, 0.4, 0.4]"),
    );
    let output = run_json(dir.path(), "out");
    assert_eq!(output["counts"]["scenarios"], 4);
    assert_eq!(output["counts"]["skipped"], 2);
    let rerun: Vec<&str> = output["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["skipped"] == false)
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        rerun,
        [
            "budget-0.9x__w-0.2-0.4-0.4__solver-gradient",
            "budget-1.1x__w-0.2-0.4-0.4__solver-gradient"
        ]
    );
    // A skipped scenario keeps its result file untouched.
    assert_eq!(fs::read(&unchanged).unwrap(), before);
    let rows = summary(&dir.path().join("out/summary.csv"));
    assert_eq!(rows.len(), 4);
    assert!(!names(&rows).contains(&GRID_NAMES[1].to_string()));
    let outside: Vec<&str> = output["not_in_batch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(outside, [GRID_NAMES[1], GRID_NAMES[3]]);
    assert!(scenarios.join(GRID_NAMES[1]).is_dir(), "old folder removed");
}

#[test]
fn changed_variant_rule_reruns_that_variant() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
scenario = "scenario.toml"
solvers = ["gradient"]

[[variants]]
name = "as-planned"

[[variants]]
name = "tv-capped"
[[variants.add]]
type = "channel_bounds"
channel = "tv"
upper = 300000.0
"#;
    setup(dir.path(), text);
    run_json(dir.path(), "out");
    setup(
        dir.path(),
        &text.replace("upper = 300000.0", "upper = 250000.0"),
    );
    let output = run_json(dir.path(), "out");
    let skipped: Vec<bool> = output["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skipped"].as_bool().unwrap())
        .collect();
    assert_eq!(skipped, [true, false]);
    let rows = summary(&dir.path().join("out/summary.csv"));
    let tv: f64 = rows[1]["spend_tv"].parse().unwrap();
    assert!(tv <= 250000.0 * (1.0 + 1e-9), "tv {tv}");
}

#[test]
fn merged_shards_equal_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), NINE);
    run_json(dir.path(), "full");
    let mut shard_folders = Vec::new();
    for k in 1..=3 {
        let folder = format!("shard-{k}");
        let shard = format!("{k}/3");
        let output = json(&atlas(
            &[
                "batch",
                "batch.toml",
                "--out",
                &folder,
                "--shard",
                &shard,
                "--output-format",
                "json",
            ],
            dir.path(),
        ));
        assert_eq!(output["counts"]["scenarios"], 3, "shard {shard}");
        assert_eq!(output["shard"]["index"], k);
        assert_eq!(output["shard"]["count"], 3);
        shard_folders.push(folder);
    }
    // Shard 2/3 contains the scenarios at positions 1, 4 and 7 of the expansion order.
    let second = summary(&dir.path().join("shard-2/summary.csv"));
    let full_rows = summary(&dir.path().join("full/summary.csv"));
    assert_eq!(
        names(&second),
        [
            full_rows[1]["name"].clone(),
            full_rows[4]["name"].clone(),
            full_rows[7]["name"].clone()
        ]
    );

    let mut args = vec!["batch", "merge"];
    args.extend(shard_folders.iter().rev().map(String::as_str));
    args.extend(["--out", "merged"]);
    succeed(&atlas(&args, dir.path()));

    let full = dir.path().join("full");
    let merged = dir.path().join("merged");
    assert_eq!(
        fs::read(merged.join("summary.csv")).unwrap(),
        fs::read(full.join("summary.csv")).unwrap()
    );
    assert_eq!(
        fs::read(merged.join("batch.json")).unwrap(),
        fs::read(full.join("batch.json")).unwrap()
    );
    let names = folders(&full.join("scenarios"));
    assert_eq!(folders(&merged.join("scenarios")), names);
    for name in &names {
        let (a, b) = (
            full.join("scenarios").join(name),
            merged.join("scenarios").join(name),
        );
        for file in ["scenario.toml", "status.json"] {
            assert_eq!(
                fs::read(a.join(file)).unwrap(),
                fs::read(b.join(file)).unwrap(),
                "{name}/{file}"
            );
        }
        assert_eq!(
            result_without_time(&a.join("result.json")),
            result_without_time(&b.join("result.json")),
            "{name}/result.json"
        );
    }
}

#[test]
fn merge_rejects_overlap_gap_and_foreign_batch() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    for k in 1..=2 {
        succeed(&atlas(
            &[
                "batch",
                "batch.toml",
                "--out",
                &format!("shard-{k}"),
                "--shard",
                &format!("{k}/2"),
            ],
            dir.path(),
        ));
    }
    succeed(&atlas(
        &["batch", "batch.toml", "--out", "full"],
        dir.path(),
    ));
    let other = tempfile::tempdir().unwrap();
    setup(other.path(), &GRID.replace("0.9, 1.1", "0.8, 1.1"));
    let foreign = other.path().join("foreign");
    succeed(&atlas(
        &[
            "batch",
            "batch.toml",
            "--out",
            foreign.to_str().unwrap(),
            "--shard",
            "2/2",
        ],
        other.path(),
    ));

    let cases: [(&[&str], &str); 5] = [
        (&["shard-1"], "add the folders of shard 2/2"),
        (&["shard-1", "shard-2", "full"], "is in both"),
        (&["shard-1", "shard-1"], "listed twice"),
        (&["shard-1", foreign.to_str().unwrap()], "different batches"),
        (&["shard-1", "missing"], "missing is not the output folder"),
    ];
    for (inputs, expected) in cases {
        let mut args = vec!["batch", "merge"];
        args.extend(inputs);
        args.extend(["--out", "merged"]);
        let output = atlas(&args, dir.path());
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{inputs:?}: {message}");
        assert!(message.contains(expected), "{inputs:?}: {message}");
        assert!(!dir.path().join("merged").exists(), "{inputs:?}");
    }
    let output = atlas(
        &["batch", "merge", "shard-1", "shard-2", "--out", "shard-1"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("also an input folder"));
}

#[test]
fn merge_rejects_unfinished_shard() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), GRID);
    for k in 1..=2 {
        succeed(&atlas(
            &[
                "batch",
                "batch.toml",
                "--out",
                &format!("shard-{k}"),
                "--shard",
                &format!("{k}/2"),
            ],
            dir.path(),
        ));
    }
    fs::remove_dir_all(dir.path().join("shard-2/scenarios").join(GRID_NAMES[3])).unwrap();
    let output = atlas(
        &["batch", "merge", "shard-1", "shard-2", "--out", "merged"],
        dir.path(),
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains(GRID_NAMES[3]), "{message}");
    assert!(message.contains("run that shard again"), "{message}");
    assert!(!dir.path().join("merged").exists());
}

#[test]
fn batch_same_with_one_or_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), NINE);
    for (threads, out) in [("1", "one"), ("2", "two")] {
        succeed(&atlas_threads(
            &["batch", "batch.toml", "--out", out],
            dir.path(),
            threads,
        ));
    }
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    assert_eq!(
        fs::read(one.join("summary.csv")).unwrap(),
        fs::read(two.join("summary.csv")).unwrap()
    );
    for name in folders(&one.join("scenarios")) {
        assert_eq!(
            result_without_time(&one.join("scenarios").join(&name).join("result.json")),
            result_without_time(&two.join("scenarios").join(&name).join("result.json")),
            "{name}"
        );
    }
}

#[test]
fn bundled_batch_example_runs() {
    let dir = tempfile::tempdir().unwrap();
    let batch = root().join("examples/marketing/batch.toml");
    let output = json(&atlas(
        &[
            "batch",
            batch.to_str().unwrap(),
            "--out",
            "out",
            "--output-format",
            "json",
        ],
        dir.path(),
    ));
    assert_eq!(output["counts"]["scenarios"], 18);
    assert_eq!(output["counts"]["solved"], 18);
    assert_eq!(
        output["scenarios"][0]["name"],
        "budget-0.8x__variant-as-planned__w-0.5-0.3-0.2__solver-auto"
    );
    assert_eq!(
        output["scenarios"][17]["name"],
        "budget-1.2x__variant-print-free__w-0.2-0.6-0.2__solver-auto"
    );
}
