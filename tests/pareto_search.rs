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
    // Renaming alone keeps the checkpoint usable; a new weight changes the problem.
    let renamed = std::fs::read_to_string(example()).unwrap().replace(
        "name = \"Marketing plan, next quarter\"",
        "name = \"Other plan\"",
    );
    assert!(renamed.contains("Other plan"), "the example's name changed");
    let text = renamed.replacen("weight = 0.5", "weight = 0.6", 1);
    assert!(
        text.contains("weight = 0.6"),
        "the example's weights changed"
    );
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
    let message = stderr(&output);
    assert!(message.contains("the scenario) changed"), "{message}");
    let renamed_path = dir.path().join("renamed.toml");
    std::fs::write(&renamed_path, renamed).unwrap();
    let args = [
        "pareto",
        renamed_path.to_str().unwrap(),
        "--population",
        "24",
        "--seed",
        "5",
        "--generations",
        "3",
        "--format",
        "svg",
        "--out",
        "renamed",
        "--checkpoint",
        "run.ckpt",
        "--resume",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
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
    let cases: [(&[&str], &str); 7] = [
        (&["--algorithm", "spea2"], "--algorithm"),
        (&["--generations", "0"], "invalid --generations: 0"),
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
fn population_flag_named_in_error() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let args = [
        "pareto",
        example.to_str().unwrap(),
        "--population",
        "0",
        "--out",
        "out",
    ];
    let output = atlas(&args, dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("invalid --population: 0"), "{message}");
}

#[test]
fn archive_plans_satisfy_rules() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&pareto(dir.path(), "out", &["--generations", "20"]));
    let front = read_json(&dir.path().join("out/front.json"));
    let members = front["members"].as_array().unwrap();
    assert_eq!(front["archive_kept"], true);
    let archive_size = front["archive_size"].as_u64().unwrap() as usize;
    assert!(archive_size >= members.len());
    assert!(
        front.get("archive").is_none(),
        "front.json repeats the archive"
    );
    let knee = front["knee"].as_u64().unwrap() as usize;
    assert!(
        knee < members.len(),
        "knee {knee} of {} members",
        members.len()
    );
    let total: f64 = floats(&front["current"]["spend"]).iter().sum();
    for chart in ["pareto.svg", "parallel.svg", "convergence.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("out").join(chart)).unwrap();
        assert!(svg.contains("Marketing plan"), "{chart} has no title");
    }
    let pareto_svg = std::fs::read_to_string(dir.path().join("out/pareto.svg")).unwrap();
    assert!(pareto_svg.contains("knee"), "the knee is not marked");
    let csv = std::fs::read_to_string(dir.path().join("out/archive.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let spend_columns: Vec<usize> = (0..header.len())
        .filter(|&i| header[i].starts_with("spend_"))
        .collect();
    assert_eq!(spend_columns.len(), 6, "{header:?}");
    let mut rows = 0;
    for line in lines {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        let sum: f64 = spend_columns.iter().map(|&i| cells[i]).sum();
        assert!(
            (sum - total).abs() <= 1e-6 * total,
            "archive plan spends {sum}"
        );
        rows += 1;
    }
    assert_eq!(rows, archive_size);
}

/// Writes the example with total spend as a fourth objective to `dir/four.toml`.
fn four_objective_scenario(dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(example()).unwrap();
    let marker = "[[objectives]]";
    assert!(text.contains(marker), "the example has no objectives table");
    let four = text.replacen(
        marker,
        "[[objectives]]\nkpi = \"total_spend\"\nsense = \"minimize\"\n\n[[objectives]]",
        1,
    );
    let path = dir.join("four.toml");
    std::fs::write(&path, four).unwrap();
    path
}

#[test]
fn four_objective_front_keeps_seeds() {
    // With seed 1 and 50 generations, NSGA-III's final population contains a plan that the
    // seeded weighted optimum dominates.
    let dir = tempfile::tempdir().unwrap();
    let path = four_objective_scenario(dir.path());
    let args = [
        "pareto",
        path.to_str().unwrap(),
        "--generations",
        "50",
        "--format",
        "svg",
        "--out",
        "out",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
    let front = read_json(&dir.path().join("out/front.json"));
    let maximize: Vec<bool> = front["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sense"] == "maximize")
        .collect();
    assert_eq!(maximize.len(), 4);
    let chosen = floats(&front["chosen"]["objectives"]);
    for member in front["members"].as_array().unwrap() {
        let member = floats(&member["objectives"]);
        assert!(
            !dominates(&chosen, &member, &maximize),
            "the weighted optimum dominates front plan {member:?}"
        );
    }
}

#[test]
fn four_objectives_use_nsga3() {
    let dir = tempfile::tempdir().unwrap();
    let path = four_objective_scenario(dir.path());
    let args = [
        "pareto",
        path.to_str().unwrap(),
        "--population",
        "24",
        "--generations",
        "10",
        "--format",
        "svg",
        "--out",
        "out",
        "-q",
    ];
    let output = atlas(&args, dir.path());
    let stdout = succeed(&output);
    assert!(stdout.contains("NSGA-III"), "{stdout}");
    let front = read_json(&dir.path().join("out/front.json"));
    assert_eq!(front["algorithm"], "nsga3");
    assert_eq!(front["archive_kept"], false);
    assert!(!front["members"].as_array().unwrap().is_empty());
    assert!(!dir.path().join("out/archive.csv").exists());

    // The weighted optimum is seeded, so the front reaches at least as far as it does.
    let chosen = floats(&front["chosen"]["objectives"]);
    let members: Vec<Vec<f64>> = front["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| floats(&m["objectives"]))
        .collect();
    for (j, value) in chosen.iter().enumerate() {
        let low = members.iter().map(|m| m[j]).fold(f64::INFINITY, f64::min);
        let high = members
            .iter()
            .map(|m| m[j])
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            low <= *value && *value <= high,
            "chosen objective {j} = {value} lies outside the front's {low} to {high}"
        );
    }
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
    let cases: [(&[&str], &str); 4] = [
        (&["test-problem", "zdt5"], "dtlz7"),
        (&["test-problem", "zdt1", "--n-obj", "3"], "--n-obj is 3"),
        (
            &["test-problem", "zdt1", "--population", "2"],
            "--population is 2",
        ),
        (
            &["test-problem", "zdt1", "--crossover-probability", "2"],
            "--crossover-probability is 2",
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

#[test]
fn interrupt_saves_checkpoint_then_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args([
            "pareto",
            example.to_str().unwrap(),
            "--population",
            "24",
            "--seed",
            "5",
            "--generations",
            "1000000",
            "--format",
            "svg",
            "--out",
            "never",
            "--checkpoint",
            "run.ckpt",
            "-q",
        ])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill failed");
    let output = child.wait_with_output().unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(130), "{message}");
    assert!(message.contains("--resume"), "{message}");
    assert!(
        !dir.path().join("never").exists(),
        "an interrupted run wrote output"
    );
    // The message names the last generation; resuming for five more equals a run of that many.
    let generation: usize = message
        .split("after generation ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no generation in {message}"));
    let total = (generation + 5).to_string();
    let resume = [
        "--generations",
        &total,
        "--checkpoint",
        "run.ckpt",
        "--resume",
    ];
    succeed(&pareto(dir.path(), "resumed", &resume));
    succeed(&pareto(dir.path(), "full", &["--generations", &total]));
    let full = std::fs::read(dir.path().join("full/front.json")).unwrap();
    let resumed = std::fs::read(dir.path().join("resumed/front.json")).unwrap();
    assert!(
        full == resumed,
        "front.json differs after an interrupted run"
    );
}

#[test]
fn report_redraws_identical_charts() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&pareto(dir.path(), "front", &["--generations", "15"]));
    let args = [
        "report",
        "front/front.json",
        "--out",
        "redrawn",
        "--format",
        "svg",
    ];
    succeed(&atlas(&args, dir.path()));
    for chart in ["pareto.svg", "parallel.svg", "convergence.svg"] {
        let original = std::fs::read(dir.path().join("front").join(chart)).unwrap();
        let redrawn = std::fs::read(dir.path().join("redrawn").join(chart)).unwrap();
        assert!(original == redrawn, "{chart} differs when redrawn");
    }
    let slide = [
        "report",
        "front/front.json",
        "--out",
        "slide",
        "--format",
        "png",
        "--size",
        "1920x1080",
    ];
    succeed(&atlas(&slide, dir.path()));
    let png = std::fs::read(dir.path().join("slide/pareto.png")).unwrap();
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1920, 1080));
}

#[test]
fn report_rejects_other_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain.txt"), "not json").unwrap();
    std::fs::write(dir.path().join("other.json"), r#"{"command": "target"}"#).unwrap();
    let cut = r#"{"command": "pareto", "schema_version": 1}"#;
    std::fs::write(dir.path().join("cut.json"), cut).unwrap();
    let old = r#"{"command": "pareto", "schema_version": 0}"#;
    std::fs::write(dir.path().join("old.json"), old).unwrap();
    let cases = [
        ("plain.txt", "is not JSON"),
        ("other.json", "written by atlas target"),
        ("cut.json", "not a complete front.json"),
        ("old.json", "has schema_version 0, but this atlas reads 1"),
        ("missing.json", "cannot read result file"),
    ];
    for (file, fragment) in cases {
        let output = atlas(&["report", file, "--out", "charts"], dir.path());
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{file}: {message}");
        assert!(message.contains(fragment), "{file}: {message}");
        assert!(
            !dir.path().join("charts").exists(),
            "{file}: charts written"
        );
    }
}

/// Returns whether plan `a` dominates plan `b`, with `maximize[j]` giving each objective's
/// sense.
fn dominates(a: &[f64], b: &[f64], maximize: &[bool]) -> bool {
    let mut better = false;
    for j in 0..a.len() {
        let (x, y) = if maximize[j] {
            (-a[j], -b[j])
        } else {
            (a[j], b[j])
        };
        if x > y {
            return false;
        }
        better |= x < y;
    }
    better
}

#[test]
fn front_is_undominated_by_archive() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&pareto(dir.path(), "out", &["--generations", "60"]));
    let front = read_json(&dir.path().join("out/front.json"));
    let maximize: Vec<bool> = front["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sense"] == "maximize")
        .collect();
    let members: Vec<Vec<f64>> = front["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| floats(&m["objectives"]))
        .collect();

    assert!(members.len() <= 24, "{} front plans", members.len());
    assert!(members.len() >= 12, "{} front plans", members.len());
    let csv = std::fs::read_to_string(dir.path().join("out/archive.csv")).unwrap();
    let archive: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .take(maximize.len())
                .map(|c| c.parse().unwrap())
                .collect()
        })
        .collect();
    assert!(archive.len() >= members.len());

    for member in &members {
        let beaten = archive
            .iter()
            .find(|plan| dominates(plan, member, &maximize));
        assert!(
            beaten.is_none(),
            "{beaten:?} dominates front plan {member:?}"
        );
    }

    let values: Vec<f64> = front["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|report| report["hypervolume"].as_f64())
        .collect();
    assert_eq!(values.len(), 60);
    for pair in values.windows(2) {
        assert!(
            pair[1] >= pair[0],
            "hypervolume fell from {} to {}",
            pair[0],
            pair[1]
        );
    }
}
