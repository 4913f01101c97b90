//! The external-program model against real child processes: `tests/programs/model.py`, which
//! needs only python3 and its standard library.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atlas_core::cache::CachedModel;
use atlas_core::external::{CommandModel, CommandSettings};
use atlas_core::scenario::ScenarioFile;
use atlas_core::ResponseModel;
use ndarray::{array, Array2};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/model.py")
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn settings(extra: &[&str]) -> CommandSettings {
    let mut args = vec![script().display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    CommandSettings {
        program: "python3".into(),
        args,
        working_dir: None,
        timeout: Duration::from_secs(10),
        startup_timeout: Duration::from_secs(10),
        retries: 0,
        workers: 1,
    }
}

fn model_with(settings: CommandSettings) -> CommandModel {
    CommandModel::new(
        names(&["search", "tv"]),
        names(&["revenue", "reach"]),
        settings,
    )
    .expect("python3 starts")
}

fn model(extra: &[&str]) -> CommandModel {
    model_with(settings(extra))
}

/// Computes the KPIs that model.py returns with its default curves.
fn expected(plan: &[f64]) -> Vec<f64> {
    let revenue = plan.iter().map(|x| 1000.0 * x / (x + 50.0)).sum();
    let reach = plan.iter().map(|x| 10.0 * x.sqrt()).sum();
    vec![revenue, reach]
}

fn batch() -> Array2<f64> {
    array![[60.0, 40.0], [0.0, 100.0], [25.5, 0.25]]
}

fn pids(path: &Path) -> Vec<u32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| line.parse().unwrap())
        .collect()
}

/// Returns whether a process with this pid exists, zombies included (Linux).
fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn evaluate_error(model: &CommandModel) -> String {
    model.evaluate(batch().view()).unwrap_err().to_string()
}

#[test]
fn batch_values_match_formula() {
    let model = model(&[]);
    let values = model.evaluate(batch().view()).unwrap();
    assert_eq!(values.dim(), (3, 2));
    for (row, plan) in values.rows().into_iter().zip(batch().rows()) {
        let want = expected(plan.as_slice().unwrap());
        for (got, want) in row.iter().zip(&want) {
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
    }
}

#[test]
fn empty_batch_returns_no_rows() {
    let model = model(&[]);
    let values = model.evaluate(Array2::zeros((0, 2)).view()).unwrap();
    assert_eq!(values.dim(), (0, 2));
}

#[test]
fn wrong_column_count_is_rejected() {
    let model = model(&[]);
    let error = model
        .evaluate(array![[1.0, 2.0, 3.0]].view())
        .unwrap_err()
        .to_string();
    assert!(error.contains("3 values"), "{error}");
}

#[test]
fn non_finite_spend_is_rejected() {
    let model = model(&[]);
    let error = model
        .evaluate(array![[f64::NAN, 2.0]].view())
        .unwrap_err()
        .to_string();
    assert!(error.contains("not finite"), "{error}");
}

#[test]
fn crash_names_program_batch_and_line() {
    let model = model(&["--mode", "crash", "--on-line", "2"]);
    let error = evaluate_error(&model);
    assert!(error.contains("model.py --mode crash"), "{error}");
    assert!(error.contains("batch 1"), "{error}");
    assert!(error.contains("line 2 of 3"), "{error}");
    assert!(error.contains("exited"), "{error}");
    assert!(error.contains("exit status: 3"), "{error}");
    assert!(error.contains("crashing on purpose"), "{error}");
}

#[test]
fn crashed_program_is_reaped() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let model = model(&["--mode", "crash", "--pids", pid_file.to_str().unwrap()]);
    evaluate_error(&model);
    let started = pids(&pid_file);
    assert_eq!(started.len(), 1);
    assert!(!process_exists(started[0]), "pid {} is left", started[0]);
}

#[test]
fn dropped_model_kills_program() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let model = model(&["--pids", pid_file.to_str().unwrap()]);
    model.evaluate(batch().view()).unwrap();
    let started = pids(&pid_file);
    assert_eq!(started.len(), 1);
    assert!(process_exists(started[0]));
    drop(model);
    assert!(!process_exists(started[0]), "pid {} is left", started[0]);
}

#[test]
fn program_runs_in_own_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let model = model(&["--pids", pid_file.to_str().unwrap()]);
    model.evaluate(batch().view()).unwrap();
    let pid = pids(&pid_file)[0];
    // Field 5 of /proc/PID/stat is the process group; the command name before it has no
    // spaces here.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let group: u32 = stat.split_whitespace().nth(4).unwrap().parse().unwrap();
    assert_eq!(group, pid, "{stat}");
}

#[test]
fn program_exiting_at_start_is_reported() {
    let model = model(&["--mode", "exit-at-start"]);
    let error = evaluate_error(&model);
    assert!(error.contains("batch 1"), "{error}");
    assert!(error.contains("exit status: 4"), "{error}");
    assert!(error.contains("exiting at start on purpose"), "{error}");
}

#[test]
fn timeout_stops_the_batch() {
    let mut settings = settings(&["--mode", "hang", "--on-line", "3"]);
    settings.timeout = Duration::from_millis(200);
    let model = model_with(settings);
    // The first batch may also use the start-up allowance, and the second has 0.2 s.
    model.evaluate(array![[1.0, 1.0]].view()).unwrap();
    let started = Instant::now();
    let error = evaluate_error(&model);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(error.contains("batch 2"), "{error}");
    assert!(error.contains("timed out after 0.2 s"), "{error}");
    assert!(error.contains("line 2 of 3"), "{error}");
    assert!(error.contains("model.timeout_seconds"), "{error}");
}

#[test]
fn start_up_timeout_is_reported() {
    let mut settings = settings(&["--mode", "hang"]);
    settings.timeout = Duration::from_millis(100);
    settings.startup_timeout = Duration::from_millis(100);
    let model = model_with(settings);
    // The program may still be importing when the limit runs out, or hang on line 1.
    let error = evaluate_error(&model);
    assert!(error.contains("batch 1"), "{error}");
    assert!(error.contains("timed out after 0.2 s"), "{error}");
    assert!(error.contains("model.startup_timeout_seconds"), "{error}");
}

#[test]
fn malformed_line_is_quoted() {
    let model = model(&["--mode", "malformed", "--on-line", "3"]);
    let error = evaluate_error(&model);
    assert!(error.contains("line 3 of 3"), "{error}");
    assert!(error.contains("`revenue=12` is not valid JSON"), "{error}");
}

#[test]
fn missing_kpi_is_named() {
    let model = model(&["--mode", "missing-kpi"]);
    let error = evaluate_error(&model);
    assert!(error.contains("line 1 of 3"), "{error}");
    assert!(error.contains("KPI `reach` is missing"), "{error}");
}

#[test]
fn unknown_kpi_is_named() {
    let model = model(&["--mode", "extra-kpi"]);
    let error = evaluate_error(&model);
    assert!(error.contains("unknown KPI `profit`"), "{error}");
    assert!(error.contains("revenue, reach"), "{error}");
}

#[test]
fn wrong_kpi_names_are_rejected() {
    let model = CommandModel::new(
        names(&["search", "tv"]),
        names(&["revenue", "awareness"]),
        settings(&[]),
    )
    .unwrap();
    let error = evaluate_error(&model);
    assert!(error.contains("unknown KPI `reach`"), "{error}");
}

#[test]
fn nan_value_is_rejected() {
    let model = model(&["--mode", "nan"]);
    let error = evaluate_error(&model);
    assert!(error.contains("not finite"), "{error}");
}

#[test]
fn extra_line_is_rejected_on_next_batch() {
    let model = model(&["--mode", "extra-line"]);
    model.evaluate(array![[1.0, 2.0]].view()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let error = evaluate_error(&model);
    assert!(error.contains("batch 2"), "{error}");
    assert!(error.contains("matches no request line"), "{error}");
}

#[test]
fn stderr_stays_out_of_results() {
    let model = model(&["--mode", "stderr"]);
    let values = model.evaluate(batch().view()).unwrap();
    assert_eq!(values.row(0).to_vec(), expected(&[60.0, 40.0]));
}

#[test]
fn retry_restarts_program_and_resends_batch() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("crashed");
    let pid_file = dir.path().join("pids");
    let mut settings = settings(&[
        "--mode",
        "crash-once",
        "--on-line",
        "2",
        "--marker",
        marker.to_str().unwrap(),
        "--pids",
        pid_file.to_str().unwrap(),
    ]);
    settings.retries = 1;
    let model = model_with(settings);
    let values = model.evaluate(batch().view()).unwrap();
    assert_eq!(values.row(1).to_vec(), expected(&[0.0, 100.0]));
    let started = pids(&pid_file);
    assert_eq!(started.len(), 2, "{started:?}");
    assert!(
        !process_exists(started[0]),
        "crashed pid {} is left",
        started[0]
    );
    // The restarted program keeps serving later batches.
    model.evaluate(batch().view()).unwrap();
    assert_eq!(pids(&pid_file).len(), 2);
}

#[test]
fn retries_run_out_with_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let mut settings = settings(&["--mode", "crash", "--pids", pid_file.to_str().unwrap()]);
    settings.retries = 2;
    let model = model_with(settings);
    let error = evaluate_error(&model);
    assert!(error.contains("gave up after 3 attempts"), "{error}");
    assert!(error.contains("batch 1"), "{error}");
    let started = pids(&pid_file);
    assert_eq!(started.len(), 3, "{started:?}");
    for pid in started {
        assert!(!process_exists(pid), "pid {pid} is left");
    }
}

#[test]
fn without_retries_a_crash_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("crashed");
    let model = model(&["--mode", "crash-once", "--marker", marker.to_str().unwrap()]);
    let error = evaluate_error(&model);
    assert!(error.contains("crashing once on purpose"), "{error}");
    assert!(!error.contains("attempts"), "{error}");
}

#[test]
fn workers_split_batches_without_changing_results() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let plans = Array2::from_shape_fn((40, 2), |(i, j)| (i * 13 + j * 7) as f64 * 1.25);
    let single = model(&[]).evaluate(plans.view()).unwrap();
    let mut settings = settings(&["--pids", pid_file.to_str().unwrap()]);
    settings.workers = 3;
    let pool = model_with(settings);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let values = pool.evaluate(plans.view()).unwrap();
                assert_eq!(values, single);
            });
        }
    });
    let started = pids(&pid_file);
    assert_eq!(started.len(), 3, "{started:?}");
    drop(pool);
    for pid in started {
        assert!(!process_exists(pid), "pid {pid} is left");
    }
}

#[test]
fn cache_sends_each_plan_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("lines");
    let inner = Arc::new(model(&["--log", log.to_str().unwrap()]));
    let cached = CachedModel::new(inner.clone(), 100).with_removal_contributions();
    let plans = array![[60.0, 40.0], [60.0, 40.0], [1.0, 2.0]];
    let first = cached.evaluate(plans.view()).unwrap();
    let again = cached.evaluate(plans.view()).unwrap();
    assert_eq!(first, again);
    assert_eq!(first, inner.evaluate(plans.view()).unwrap());
    // Two distinct plans through the cache, then three rows sent directly.
    let sent = std::fs::read_to_string(&log).unwrap();
    assert_eq!(sent.lines().count(), 5, "{sent}");
    assert_eq!(cached.hits(), 4);
    assert_eq!(cached.misses(), 2);
}

#[test]
fn contributions_remove_one_channel_at_a_time() {
    let model = model(&[]);
    let plan = array![60.0, 40.0];
    let contributions = model.contributions(plan.view()).unwrap();
    assert_eq!(contributions.dim(), (2, 2));
    let full = expected(&[60.0, 40.0]);
    let without_search = expected(&[0.0, 40.0]);
    assert!((contributions[[0, 0]] - (full[0] - without_search[0])).abs() < 1e-9);
    let zero_tv = model.contributions(array![60.0, 0.0].view()).unwrap();
    assert_eq!(zero_tv[[1, 0]], 0.0);
    assert_eq!(zero_tv[[1, 1]], 0.0);
}

const SCENARIO: &str = r#"
name = "external"
[model]
type = "command"
command = COMMAND
kpis = ["revenue", "reach"]
timeout_seconds = 5
[[channels]]
name = "search"
current = 60.0
[[channels]]
name = "tv"
current = 40.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;

fn write_scenario(dir: &Path, command: &str) -> PathBuf {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, SCENARIO.replace("COMMAND", command)).unwrap();
    path
}

#[test]
fn relative_argument_resolves_in_scenario_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("plans");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(script(), folder.join("model.py")).unwrap();
    let path = write_scenario(&folder, r#"["python3", "model.py"]"#);
    let problem = ScenarioFile::read(&path).unwrap().build().unwrap();
    let plan = problem.evaluate_plan(&problem.current).unwrap();
    assert!((plan.kpis[0] - expected(&[60.0, 40.0])[0]).abs() < 1e-9);
    assert_eq!(plan.contributions.len(), 2);
}

#[test]
fn relative_program_path_resolves_in_scenario_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    let program = dir.path().join("bin/model.py");
    let text = std::fs::read_to_string(script()).unwrap();
    std::fs::write(&program, format!("#!/usr/bin/env python3\n{text}")).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = write_scenario(dir.path(), r#"["bin/model.py"]"#);
    let problem = ScenarioFile::read(&path).unwrap().build().unwrap();
    assert_eq!(problem.model.kpis(), ["revenue", "reach"]);
}

#[test]
fn missing_program_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), r#"["bin/absent-model"]"#);
    let error = ScenarioFile::read(&path).unwrap().build().unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, atlas_core::CoreError::Invalid { .. }),
        "{text}"
    );
    assert!(text.contains("model.command"), "{text}");
    assert!(text.contains("absent-model"), "{text}");
}

#[test]
fn plan_cells_are_keyed_by_cell_name() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("lines");
    let command = format!(
        r#"["python3", "{}", "--log", "{}"]"#,
        script().display(),
        log.display()
    );
    let path = write_scenario(dir.path(), &command);
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "[[channels]]",
        "[plan]\nperiods = 2\n\n[[channels]]",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let problem = ScenarioFile::read(&path).unwrap().build().unwrap();
    assert_eq!(
        problem.model.channels(),
        ["search@1", "search@2", "tv@1", "tv@2"]
    );
    // Keys of the first request line; serde_json sorts them.
    let sent = std::fs::read_to_string(&log).unwrap();
    let first: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(sent.lines().next().unwrap()).unwrap();
    let keys: Vec<&String> = first.keys().collect();
    assert_eq!(keys, ["search@1", "search@2", "tv@1", "tv@2"]);
}

#[test]
fn unknown_model_key_is_rejected() {
    let text = SCENARIO
        .replace("COMMAND", r#"["python3", "model.py"]"#)
        .replace("timeout_seconds = 5", "timeout_seconds = 5\nshell = true");
    let error = ScenarioFile::parse(&text, "test.toml")
        .unwrap_err()
        .to_string();
    assert!(error.contains("shell"), "{error}");
}

#[test]
fn scenario_with_command_model_writes_back() {
    let text = SCENARIO.replace("COMMAND", r#"["python3", "model.py"]"#);
    let file = ScenarioFile::parse(&text, "test.toml").unwrap();
    let again = ScenarioFile::parse(&file.to_toml().unwrap(), "again").unwrap();
    assert_eq!(file, again);
}

#[test]
fn healthy_program_exits_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("done.txt");
    let model = model(&["--at-exit", done.to_str().unwrap()]);
    model.evaluate(batch().view()).unwrap();
    drop(model);
    // The program writes the file 0.2 s after its stdin closes; a kill would prevent it.
    let text = std::fs::read_to_string(&done).expect("the program was killed before its exit");
    assert_eq!(text.trim(), "3");
}

#[test]
fn failed_program_is_killed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("done.txt");
    let on_exit = done.to_str().unwrap();
    let model = model(&["--mode", "malformed", "--at-exit", on_exit]);
    assert!(model.evaluate(batch().view()).is_err());
    drop(model);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!done.exists(), "the failed program ran on to its exit");
}
