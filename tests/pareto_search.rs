//! `atlas pareto` stopping rules, checkpoints and the archive, through the real binary.

mod common;

use std::path::PathBuf;

use common::{atlas, floats, read_json, root, succeed};

fn example() -> PathBuf {
    root().join("examples/marketing/scenario.toml")
}

fn pareto(dir: &std::path::Path, out: &str, extra: &[&str]) -> std::process::Output {
    let example = example();
    let mut args = vec![
        "pareto",
        example.to_str().unwrap(),
        "--population",
        "24",
        "--seed",
        "5",
        "--format",
        "svg",
        "--out",
        out,
        "-q",
    ];
    args.extend_from_slice(extra);
    atlas(&args, dir)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn resumed_pareto_equals_uninterrupted() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&pareto(dir.path(), "full", &["--generations", "30"]));
    let first = [
        "--generations",
        "12",
        "--checkpoint",
        "run.ckpt",
        "--checkpoint-every",
        "5",
    ];
    succeed(&pareto(dir.path(), "part", &first));
    assert!(dir.path().join("run.ckpt").exists());
    let resume = [
        "--generations",
        "30",
        "--checkpoint",
        "run.ckpt",
        "--resume",
    ];
    succeed(&pareto(dir.path(), "resumed", &resume));
    for name in ["front.json", "front.csv", "archive.csv"] {
        let full = std::fs::read(dir.path().join("full").join(name)).unwrap();
        let resumed = std::fs::read(dir.path().join("resumed").join(name)).unwrap();
        assert!(full == resumed, "{name} differs after resuming");
    }
}

#[test]
fn resume_on_other_scenario_fails() {
    let dir = tempfile::tempdir().unwrap();
    let save = ["--generations", "3", "--checkpoint", "run.ckpt"];
    succeed(&pareto(dir.path(), "part", &save));
    let text = std::fs::read_to_string(example()).unwrap().replace(
        "name = \"Marketing plan, next quarter\"",
        "name = \"Other plan\"",
    );
    assert!(text.contains("Other plan"), "the example's name changed");
    let other = dir.path().join("other.toml");
    std::fs::write(&other, text).unwrap();
    let output = atlas(
        &[
            "pareto",
            other.to_str().unwrap(),
            "--population",
            "24",
            "--seed",
            "5",
            "--out",
            "other",
            "--checkpoint",
            "run.ckpt",
            "--resume",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("context"), "{}", stderr(&output));
    assert!(
        !dir.path().join("other").exists(),
        "a failed run wrote output"
    );
}

#[test]
fn resume_needs_existing_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let output = pareto(
        dir.path(),
        "out",
        &["--checkpoint", "none.ckpt", "--resume"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("none.ckpt"), "{}", stderr(&output));
    let output = pareto(dir.path(), "out", &["--resume"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn checkpoint_in_missing_folder_fails_first() {
    let dir = tempfile::tempdir().unwrap();
    let output = pareto(dir.path(), "out", &["--checkpoint", "missing/run.ckpt"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(
        !dir.path().join("out").exists(),
        "a failed run wrote output"
    );
    let output = pareto(dir.path(), "out", &["--checkpoint", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is a folder"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn evaluation_limit_stops_search() {
    let dir = tempfile::tempdir().unwrap();
    let limit = ["--generations", "50", "--search-evaluations", "250"];
    succeed(&pareto(dir.path(), "out", &limit));
    let front = read_json(&dir.path().join("out/front.json"));
    assert_eq!(front["termination"], "EvaluationLimit");
    assert_eq!(front["termination_reason"], "evaluation limit reached");
    // 24 initial plans and 9 generations of 24 fit in 250.
    assert_eq!(front["evaluations"], 24 * 10);
    assert_eq!(front["generations"], 9);
}

#[test]
fn stagnation_records_hypervolume() {
    let dir = tempfile::tempdir().unwrap();
    let rule = ["--generations", "400", "--stagnation", "10"];
    succeed(&pareto(dir.path(), "out", &rule));
    let front = read_json(&dir.path().join("out/front.json"));
    assert_eq!(front["termination"], "HypervolumeStagnation");
    let history = front["history"].as_array().unwrap();
    assert!(history.len() < 400, "ran all {} generations", history.len());
    let first = history[0]["hypervolume"].as_f64().unwrap();
    let last = front["hypervolume"].as_f64().unwrap();
    assert!(last >= first, "hypervolume fell from {first} to {last}");
}

#[test]
fn invalid_search_options_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--algorithm", "spea2"], "--algorithm"),
        (&["--search-seconds", "0"], "--search-seconds is 0"),
        (&["--search-seconds=-1"], "--search-seconds is -1"),
        (&["--search-evaluations", "3"], "--search-evaluations is 3"),
        (&["--stagnation", "0"], "--stagnation is 0"),
        (
            &["--stagnation", "5", "--stagnation-tolerance", "NaN"],
            "--stagnation-tolerance is NaN",
        ),
    ];
    for (extra, fragment) in cases {
        let output = pareto(dir.path(), "out", extra);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(fragment),
            "{extra:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn archive_plans_satisfy_rules() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&pareto(dir.path(), "out", &["--generations", "20"]));
    let front = read_json(&dir.path().join("out/front.json"));
    let archive = front["archive"].as_array().unwrap();
    let members = front["members"].as_array().unwrap();
    assert!(archive.len() >= members.len());
    let knee = front["knee"].as_u64().unwrap() as usize;
    assert!(
        knee < members.len(),
        "knee {knee} of {} members",
        members.len()
    );
    let total: f64 = floats(&front["current"]["spend"]).iter().sum();
    for plan in archive {
        let spend = floats(&plan["spend"]);
        let sum: f64 = spend.iter().sum();
        assert!(
            (sum - total).abs() <= 1e-6 * total,
            "archive plan spends {sum}"
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("out/archive.csv")).unwrap();
    assert_eq!(csv.lines().count(), archive.len() + 1);
}

#[test]
fn test_problem_reports_every_seed() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "test-problem",
        "zdt1",
        "--population",
        "40",
        "--generations",
        "60",
        "--seeds",
        "1,2,3",
        "--output-format",
        "json",
    ];
    let report = common::json(&atlas(&args, dir.path()));
    assert_eq!(report["problem"], "zdt1");
    assert_eq!(report["algorithm"], "nsga2");
    assert_eq!(report["n_var"], 30);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let truth = report["true_front_hypervolume"].as_f64().unwrap();
    assert!((truth - 0.876_667).abs() < 1e-6, "{truth}");
    for run in runs {
        let hypervolume = run["hypervolume"].as_f64().unwrap();
        assert!(hypervolume > 0.3, "{hypervolume}");
        assert!(hypervolume < truth, "{hypervolume}");
        assert!(run["igd"].as_f64().unwrap() > 0.0);
        assert_eq!(run["evaluations"], 40 * 61);
    }
}

#[test]
fn test_problem_switches_to_nsga3() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "test-problem",
        "dtlz2",
        "--n-obj",
        "4",
        "--population",
        "40",
        "--generations",
        "20",
        "--seeds",
        "1",
        "--output-format",
        "json",
    ];
    let report = common::json(&atlas(&args, dir.path()));
    assert_eq!(report["algorithm"], "nsga3");
    assert_eq!(report["n_obj"], 4);
    // The unit sphere's positive orthant cut from the cube of side 1.1: 1.1^4 - pi^2/32.
    let truth = report["true_front_hypervolume"].as_f64().unwrap();
    let expected = 1.1_f64.powi(4) - std::f64::consts::PI.powi(2) / 32.0;
    assert!((truth - expected).abs() < 1e-9, "{truth}");
}

#[test]
fn test_problem_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["test-problem", "zdt5"], "dtlz7"),
        (&["test-problem", "zdt1", "--n-obj", "3"], "n_obj"),
        (
            &["test-problem", "zdt1", "--population", "2"],
            "population is 2",
        ),
    ];
    for (args, fragment) in cases {
        let output = atlas(args, dir.path());
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(fragment),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}
