//! External-program and HTTP models through the real `atlas` binary: `optimize` picks CMA-ES,
//! `pareto` runs NSGA-II, and failures exit cleanly without a result file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

mod common;
use common::{atlas, atlas_threads, floats, read_json, root, succeed};

/// Channel, coefficient and inflexion of each revenue curve of `model.py`.
const CURVES: [(&str, f64, f64); 3] = [
    ("search", 900.0, 50.0),
    ("social", 500.0, 30.0),
    ("tv", 1600.0, 120.0),
];

fn script() -> PathBuf {
    root().join("atlas-core/tests/programs/model.py")
}

fn curves_json() -> String {
    let map: serde_json::Map<String, Value> = CURVES
        .iter()
        .map(|(channel, coefficient, inflexion)| {
            (channel.to_string(), json!([coefficient, inflexion]))
        })
        .collect();
    Value::Object(map).to_string()
}

/// Channels, budget and objectives shared by every scenario here, after a `[model]` table.
fn scenario_text(model: &str, objectives: &str) -> String {
    let mut text = format!("name = \"external\"\n[solver]\nseed = 5\n\n{model}\n");
    for (channel, _, _) in CURVES {
        text.push_str(&format!(
            "[[channels]]\nname = \"{channel}\"\ncurrent = 100.0\nupper = 200.0\n"
        ));
    }
    text.push_str("[[constraints]]\ntype = \"total_budget\"\nequals = 300.0\n");
    text.push_str(objectives);
    text
}

const REVENUE: &str = "[[objectives]]\nkpi = \"revenue\"\nsense = \"maximize\"\n";

fn command_model(kpis: &[&str], extra: &str) -> String {
    let command = json!([
        "python3",
        script().display().to_string(),
        "--curves",
        curves_json(),
        "--kpis",
        kpis.join(","),
    ]);
    let kpis = json!(kpis);
    format!("[model]\ntype = \"command\"\ncommand = {command}\nkpis = {kpis}\n{extra}")
}

fn curves_model() -> String {
    let curves: Vec<String> = CURVES
        .iter()
        .map(|(channel, coefficient, inflexion)| {
            format!(
                "  {{ channel = \"{channel}\", kpi = \"revenue\", coefficient = {coefficient:?}, \
                 alpha = 1.0, inflexion = {inflexion:?} }},"
            )
        })
        .collect();
    format!(
        "[model]\ntype = \"response_curves\"\nkpis = [\"revenue\"]\ncurves = [\n{}\n]\n",
        curves.join("\n")
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn optimize(dir: &Path, scenario: &Path, output: &str) -> Output {
    atlas(
        &["optimize", scenario.to_str().unwrap(), "--output", output],
        dir,
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn command_model_optimum_matches_curves() {
    let dir = tempfile::tempdir().unwrap();
    let external = write(
        dir.path(),
        "external.toml",
        &scenario_text(&command_model(&["revenue"], ""), REVENUE),
    );
    let curves = write(
        dir.path(),
        "curves.toml",
        &scenario_text(&curves_model(), REVENUE),
    );

    succeed(&optimize(dir.path(), &external, "external.json"));
    succeed(&optimize(dir.path(), &curves, "curves.json"));
    let external = read_json(&dir.path().join("external.json"));
    let curves = read_json(&dir.path().join("curves.json"));

    assert_eq!(external["method"], "cmaes");
    assert!(
        external["method_choice"]
            .as_str()
            .unwrap()
            .contains("no gradients"),
        "{}",
        external["method_choice"]
    );
    assert_eq!(curves["method"], "exact");

    let found = floats(&external["optimal"]["kpis"])[0];
    let best = floats(&curves["optimal"]["kpis"])[0];
    assert!(
        (found - best).abs() <= 1e-4 * best,
        "CMA-ES on the program found {found}, the exact solver {best}"
    );
    // The current plan is the same in both, so its contributions by removal must equal the
    // curves' responses, because the model is a sum of per-channel curves.
    let by_removal = external["current"]["channels"].as_array().unwrap();
    let by_curve = curves["current"]["channels"].as_array().unwrap();
    assert_eq!(by_removal.len(), 3);
    for (removal, curve) in by_removal.iter().zip(by_curve) {
        let removal = floats(&removal["response"])[0];
        let curve = floats(&curve["response"])[0];
        assert!(
            (removal - curve).abs() <= 1e-9 * curve,
            "{removal} vs {curve}"
        );
    }
    let total: f64 = external["optimal"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|channel| channel["spend"].as_f64().unwrap())
        .sum();
    assert!((total - 300.0).abs() < 1e-6, "total {total}");
}

#[test]
fn command_model_result_ignores_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "external.toml",
        &scenario_text(&command_model(&["revenue"], "workers = 2\n"), REVENUE),
    );
    let run = |threads: &str| {
        let output = format!("result-{threads}.json");
        let args = ["optimize", scenario.to_str().unwrap(), "--output", &output];
        succeed(&atlas_threads(&args, dir.path(), threads));
        let mut result = read_json(&dir.path().join(output));
        result["solve_seconds"] = Value::Null;
        result
    };
    let single_thread = run("1");
    let two_threads = run("2");
    assert!(
        single_thread == two_threads,
        "result.json differs between 1 and 2 threads"
    );
}

#[test]
fn pareto_runs_nsga2_on_command_model() {
    let dir = tempfile::tempdir().unwrap();
    let objectives = format!("{REVENUE}[[objectives]]\nkpi = \"reach\"\nsense = \"maximize\"\n");
    let scenario = write(
        dir.path(),
        "external.toml",
        &scenario_text(&command_model(&["revenue", "reach"], ""), &objectives),
    );
    let args = [
        "pareto",
        scenario.to_str().unwrap(),
        "--population",
        "20",
        "--generations",
        "10",
        "--out",
        "front",
        "--format",
        "svg",
    ];
    succeed(&atlas(&args, dir.path()));
    let front = read_json(&dir.path().join("front/front.json"));
    let members = front["members"].as_array().unwrap();
    assert!(members.len() >= 3, "only {} members", members.len());
    for member in members {
        let total: f64 = floats(&member["spend"]).iter().sum();
        assert!((total - 300.0).abs() < 1e-6, "total {total}");
    }
}

#[test]
fn pareto_resumes_on_command_model() {
    let dir = tempfile::tempdir().unwrap();
    let objectives = format!("{REVENUE}[[objectives]]\nkpi = \"reach\"\nsense = \"maximize\"\n");
    let scenario = write(
        dir.path(),
        "external.toml",
        &scenario_text(&command_model(&["revenue", "reach"], ""), &objectives),
    );

    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "pareto",
            scenario.to_str().unwrap(),
            "--population",
            "12",
            "--out",
            out,
            "--format",
            "svg",
        ];
        args.extend_from_slice(extra);
        succeed(&atlas(&args, dir.path()));
    };

    run("full", &["--generations", "8"]);
    run("part", &["--generations", "4", "--checkpoint", "run.ckpt"]);
    // The checkpoint's fingerprint of the problem includes the model's Debug text, which
    // must not change with the cache's use.
    run(
        "resumed",
        &["--generations", "8", "--checkpoint", "run.ckpt", "--resume"],
    );
    let full = std::fs::read(dir.path().join("full/front.json")).unwrap();
    let resumed = std::fs::read(dir.path().join("resumed/front.json")).unwrap();
    assert!(full == resumed, "front.json differs after resuming");
}

#[test]
fn crashing_program_stops_without_result() {
    let dir = tempfile::tempdir().unwrap();
    let model = command_model(&["revenue"], "").replace(
        "\"revenue\"]\nkpis",
        "\"revenue\", \"--mode\", \"crash\", \"--on-line\", \"40\"]\nkpis",
    );
    let scenario = write(dir.path(), "crash.toml", &scenario_text(&model, REVENUE));
    let output = optimize(dir.path(), &scenario, "result.json");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("program `python3"), "{message}");
    assert!(message.contains("--mode crash"), "{message}");
    assert!(message.contains("batch "), "{message}");
    assert!(message.contains("crashing on purpose"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert!(!dir.path().join("result.json").exists());
}

#[test]
fn verbose_run_reports_cache_hits() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "external.toml",
        &scenario_text(&command_model(&["revenue"], ""), REVENUE),
    );
    let args = ["optimize", scenario.to_str().unwrap(), "-v"];
    let output = atlas(&args, dir.path());
    succeed(&output);
    let log = stderr(&output);
    assert!(log.contains("started model program"), "{log}");
    assert!(log.contains("model cache closed"), "{log}");
    assert!(log.contains("hits="), "{log}");
}

fn http_model(url: &str, variable: &str) -> String {
    format!(
        "[model]\ntype = \"http\"\nurl = \"{url}\"\nkpis = [\"revenue\"]\ntimeout_seconds = 5\n\
         headers = {{ Authorization = {{ env = \"{variable}\", prefix = \"Bearer \" }} }}\n"
    )
}

#[test]
fn missing_token_variable_exits_with_input_error() {
    let dir = tempfile::tempdir().unwrap();
    // No request is sent, because the header is checked first.
    let model = http_model("http://127.0.0.1:9/predict", "ATLAS_E2E_UNSET_TOKEN");
    let scenario = write(dir.path(), "http.toml", &scenario_text(&model, REVENUE));
    let output = optimize(dir.path(), &scenario, "result.json");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("`ATLAS_E2E_UNSET_TOKEN` is not set"),
        "{message}"
    );
    assert!(!dir.path().join("result.json").exists());
}

/// Starts a loopback model service that returns revenue by the curves of [`CURVES`], and
/// returns its URL, the Authorization header of every request it receives, and the server.
fn start_service() -> (String, Arc<Mutex<Vec<String>>>, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let server = Arc::clone(&server);
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let authorization = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.to_string())
                    .unwrap_or_default();
                seen.lock().unwrap().push(authorization);
                let mut text = String::new();
                request.as_reader().read_to_string(&mut text).unwrap();
                let body: Value = serde_json::from_str(&text).unwrap();
                let rows: Vec<Vec<f64>> = body["allocations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|row| {
                        let revenue = floats(row)
                            .iter()
                            .zip(CURVES)
                            .map(|(x, (_, coefficient, inflexion))| {
                                coefficient * x / (x + inflexion)
                            })
                            .sum();
                        vec![revenue]
                    })
                    .collect();
                let answer = json!({ "kpi_names": ["revenue"], "kpis": rows });
                let _ = request.respond(tiny_http::Response::from_string(answer.to_string()));
            }
        });
    }
    (format!("http://127.0.0.1:{port}/predict"), seen, server)
}

#[test]
fn http_model_optimizes_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen, server) = start_service();
    let model = http_model(&url, "ATLAS_E2E_TOKEN");
    let scenario = write(dir.path(), "http.toml", &scenario_text(&model, REVENUE));

    let output = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(["optimize", scenario.to_str().unwrap(), "-vv"])
        .current_dir(dir.path())
        .env("ATLAS_E2E_TOKEN", "e2e-secret-41")
        .output()
        .unwrap();
    server.unblock();

    let text = succeed(&output);
    assert!(!text.contains("e2e-secret-41"));
    // -vv logs every step, the HTTP client's own requests included, but no header value.
    let log = stderr(&output);
    assert!(
        log.contains("sending request"),
        "the request log is missing"
    );
    assert!(!log.contains("e2e-secret-41"));
    // The client's TRACE records dump the raw request, Authorization header included, in
    // hex split across lines, so none may reach the log.
    let dumps: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("TRACE") && line.contains("ureq"))
        .take(3)
        .collect();
    assert!(dumps.is_empty(), "{dumps:?}");
    let result = read_json(&dir.path().join("result.json"));
    assert_eq!(result["method"], "cmaes");
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|h| h == "Bearer e2e-secret-41"), "{seen:?}");
}

#[test]
fn rejected_token_is_cut_from_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    {
        let server = Arc::clone(&server);
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let reply = tiny_http::Response::from_string("token e2e-bare-93 has expired")
                    .with_status_code(401);
                let _ = request.respond(reply);
            }
        });
    }
    let model = http_model(
        &format!("http://127.0.0.1:{port}/predict"),
        "ATLAS_E2E_BARE_TOKEN",
    );
    let scenario = write(dir.path(), "http.toml", &scenario_text(&model, REVENUE));
    let output = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args([
            "optimize",
            scenario.to_str().unwrap(),
            "--output",
            "result.json",
        ])
        .current_dir(dir.path())
        .env("ATLAS_E2E_BARE_TOKEN", "e2e-bare-93")
        .output()
        .unwrap();
    server.unblock();

    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("401"), "{message}");
    assert!(
        message.contains("token <redacted> has expired"),
        "{message}"
    );
    assert!(!message.contains("e2e-bare-93"), "{message}");
    assert!(!dir.path().join("result.json").exists());
}

#[test]
fn first_batch_failure_blames_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = command_model(&["revenue"], "").replace(
        "\"revenue\"]\nkpis",
        "\"revenue\", \"--mode\", \"crash\", \"--on-line\", \"1\"]\nkpis",
    );
    let scenario = write(dir.path(), "crash.toml", &scenario_text(&model, REVENUE));

    let output = optimize(dir.path(), &scenario, "result.json");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("the model of scenario") && message.contains("failed"),
        "{message}"
    );
    assert!(!message.contains("is not valid"), "{message}");
    assert!(message.contains("crashing on purpose"), "{message}");
    assert!(!dir.path().join("result.json").exists());
}
