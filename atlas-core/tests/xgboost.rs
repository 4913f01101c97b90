//! Compares Atlas's evaluation of XGBoost models with XGBoost's own `predict`.
//!
//! The first test to run makes a Python virtual environment with the pinned packages of
//! tests/xgboost/requirements.txt under the cargo target folder, or uses the interpreter that
//! `ATLAS_PYTHON` names. It then runs tests/xgboost/make_fixtures.py, which trains one small
//! model per objective, saves it as JSON and writes XGBoost's predictions beside it. Both steps
//! are cached across runs and shared by the tests of this binary. When Python or pip fails,
//! every test fails with the tool's output. `ATLAS_BASE_PYTHON` names the interpreter that
//! creates the environment (default `python3`).
//!
//! Predictions must match within a relative 1e-6: |atlas - xgboost| <= 1e-6 * max(1, |xgboost|).

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use atlas_core::xgboost::{Booster, XgboostModel, XgboostOutputSpec};
use atlas_core::ResponseModel;
use ndarray::{Array1, Array2};
use serde_json::Value;

const TOLERANCE: f64 = 1e-6;

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xgboost")
}

/// The fixture folder and its manifest, made once per test binary.
struct Fixtures {
    dir: PathBuf,
    manifest: Value,
}

static FIXTURES: OnceLock<Result<Fixtures, String>> = OnceLock::new();

fn fixtures() -> &'static Fixtures {
    match FIXTURES.get_or_init(make_fixtures) {
        Ok(fixtures) => fixtures,
        Err(message) => panic!("{message}"),
    }
}

fn run(command: &mut Command, step: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("{step} failed to start ({command:?}): {error}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{step} failed with {}: {command:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts/python.exe")
    } else {
        venv.join("bin/python")
    }
}

/// Returns the Python interpreter that has xgboost: `ATLAS_PYTHON`, or a virtual environment
/// under the target folder that this function creates when it is missing or its pinned
/// packages changed.
fn python() -> Result<PathBuf, String> {
    if let Some(python) = std::env::var_os("ATLAS_PYTHON").filter(|p| !p.is_empty()) {
        let python = PathBuf::from(python);
        run(
            Command::new(&python).args(["-c", "import numpy, xgboost"]),
            "importing xgboost with ATLAS_PYTHON",
        )
        .map_err(|message| {
            format!(
                "{message}\nATLAS_PYTHON={} cannot import xgboost and numpy: install \
                 atlas-core/tests/xgboost/requirements.txt into it, or unset ATLAS_PYTHON to let \
                 the test create its own environment",
                python.display()
            )
        })?;
        return Ok(python);
    }
    let requirements = source_dir().join("requirements.txt");
    let pinned = std::fs::read_to_string(&requirements)
        .map_err(|error| format!("{}: {error}", requirements.display()))?;
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = root.join("xgboost-venv");
    let stamp = |dir: &Path| std::fs::read_to_string(dir.join("atlas-requirements.txt")).ok();
    if stamp(&venv).as_deref() == Some(pinned.as_str()) {
        return Ok(venv_python(&venv));
    }

    // Build in a private folder and rename it into place, so that test processes that run at
    // once never see a half-installed environment.
    let started = Instant::now();
    let building = root.join(format!("xgboost-venv.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let base = std::env::var("ATLAS_BASE_PYTHON").unwrap_or_else(|_| "python3".into());
    let fail = |message: String| {
        let _ = std::fs::remove_dir_all(&building);
        format!(
            "{message}\nThe test needs Python 3 with the venv module (set ATLAS_BASE_PYTHON to \
             choose it) and access to PyPI. Or set ATLAS_PYTHON to a Python that has the \
             packages of atlas-core/tests/xgboost/requirements.txt."
        )
    };
    run(
        Command::new(&base).arg("-m").arg("venv").arg(&building),
        "creating the Python virtual environment",
    )
    .map_err(fail)?;
    run(
        Command::new(venv_python(&building))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("-r")
            .arg(&requirements),
        "pip install of the pinned xgboost packages",
    )
    .map_err(fail)?;
    std::fs::write(building.join("atlas-requirements.txt"), &pinned)
        .map_err(|error| format!("{}: {error}", building.display()))?;
    if venv.exists() {
        let stale = root.join(format!("xgboost-venv.stale-{}", std::process::id()));
        if std::fs::rename(&venv, &stale).is_ok() {
            let _ = std::fs::remove_dir_all(&stale);
        }
    }
    if std::fs::rename(&building, &venv).is_err() {
        // Another test process installed it first.
        let _ = std::fs::remove_dir_all(&building);
    }
    eprintln!(
        "created {} in {:.1} s",
        venv.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(venv_python(&venv))
}

fn make_fixtures() -> Result<Fixtures, String> {
    let python = python()?;
    let script = source_dir().join("make_fixtures.py");
    let mut hasher = DefaultHasher::new();
    for path in [&script, &source_dir().join("requirements.txt")] {
        std::fs::read(path)
            .map_err(|error| format!("{}: {error}", path.display()))?
            .hash(&mut hasher);
    }
    python.hash(&mut hasher);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = root.join(format!("xgboost-fixtures-{:016x}", hasher.finish()));
    if !dir.join("manifest.json").exists() {
        let started = Instant::now();
        let building = root.join(format!("xgboost-fixtures.building-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        run(
            Command::new(&python)
                .arg(&script)
                .arg("fixtures")
                .arg(&building),
            "training the fixture models with make_fixtures.py",
        )?;
        if std::fs::rename(&building, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&building);
        }
        eprintln!(
            "wrote {} in {:.1} s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .map_err(|error| format!("{}: {error}", dir.display()))?;
    let manifest =
        serde_json::from_str(&text).map_err(|error| format!("manifest.json: {error}"))?;
    Ok(Fixtures { dir, manifest })
}

fn read_rows(path: &Path) -> (Vec<String>, Array2<f64>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let values: Vec<f64> = lines
        .flat_map(|line| line.split(','))
        .map(|v| v.parse::<f64>().unwrap())
        .collect();
    let rows = values.len() / header.len();
    let array = Array2::from_shape_vec((rows, header.len()), values).unwrap();
    (header, array)
}

fn read_values(path: &Path) -> Array1<f64> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(|v| v.parse::<f64>().unwrap()).collect()
}

/// Returns the largest relative error over every prediction, and checks the counts agree.
fn max_relative_error(found: &Array1<f64>, expected: &Array1<f64>) -> f64 {
    assert_eq!(found.len(), expected.len());
    found
        .iter()
        .zip(expected)
        .map(|(f, e)| (f - e).abs() / e.abs().max(1.0))
        .fold(0.0, f64::max)
}

fn model_entry(name: &str) -> &'static Value {
    fixtures().manifest["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("manifest.json lists no model `{name}`"))
}

fn load(name: &str) -> Booster {
    let path = fixtures().dir.join(format!("{name}.json"));
    Booster::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Builds the scenario mapping of make_fixtures.py: three channels, two context values and a
/// missing feature, with XGBoost's names `f0` to `f5` when the model has no feature names.
fn response_model(booster: Booster, named: bool) -> XgboostModel {
    let manifest = &fixtures().manifest;
    let feature = |name: &str| -> String {
        if named {
            name.to_string()
        } else {
            let all = [
                "search_spend",
                "social_spend",
                "tv_spend",
                "price",
                "week",
                "promo",
            ];
            format!("f{}", all.iter().position(|n| *n == name).unwrap())
        }
    };
    let channels: BTreeMap<String, String> = manifest["channels"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(c, f)| (c.clone(), feature(f.as_str().unwrap())))
        .collect();
    let context = manifest["context"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(f, v)| (feature(f), v.as_f64().unwrap()))
        .collect();
    let missing = manifest["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| feature(f.as_str().unwrap()))
        .collect();
    let spec = XgboostOutputSpec {
        kpi: "value".into(),
        file: "fixture.json".into(),
        features: channels,
        context,
        missing,
    };
    let channel_names = ["search", "social", "tv"].map(String::from).to_vec();
    XgboostModel::new(channel_names, vec!["value".into()], &[spec], vec![booster]).unwrap()
}

/// Checks one fixture model against XGBoost's `predict` on raw rows, its `inplace_predict`,
/// and its predictions of the scenario allocations through [`XgboostModel`].
fn check_model(name: &str) {
    let entry = model_entry(name);
    let booster = load(name);
    assert_eq!(
        booster.objective().name(),
        entry["objective"].as_str().unwrap()
    );
    let dir = &fixtures().dir;
    let (header, rows) = read_rows(&dir.join(format!("{name}.rows.csv")));
    assert_eq!(header, booster.feature_names());
    assert!(
        rows.iter().any(|v| v.is_nan()),
        "the rows have no missing value"
    );

    let found = booster.predict(rows.view()).unwrap();
    let expected = read_values(&dir.join(format!("{name}.predictions.txt")));
    let error = max_relative_error(&found, &expected);
    eprintln!(
        "{name} ({}): {} rows, max relative error {error:e} against predict",
        entry["objective"],
        rows.nrows()
    );
    assert!(error <= TOLERANCE, "{name}: max relative error {error:e}");

    // XGBRegressor.predict calls inplace_predict, which for dart adds each tree as
    // (base + leaf) - base in float32 and can differ from predict by rounding.
    let inplace = read_values(&dir.join(format!("{name}.inplace.txt")));
    let error = max_relative_error(&found, &inplace);
    eprintln!("{name}: max relative error {error:e} against inplace_predict");
    assert!(
        error <= TOLERANCE,
        "{name}: inplace relative error {error:e}"
    );

    let (_, spend) = read_rows(&dir.join(fixtures().manifest["allocations"].as_str().unwrap()));
    let model = response_model(booster, entry["named_features"] == true);
    let found = model.evaluate(spend.view()).unwrap().column(0).to_owned();
    let expected = read_values(&dir.join(format!("{name}.allocations.txt")));
    let error = max_relative_error(&found, &expected);
    eprintln!("{name}: max relative error {error:e} over allocations");
    assert!(
        error <= TOLERANCE,
        "{name}: allocation relative error {error:e}"
    );
}

#[test]
fn squarederror_matches_xgboost() {
    check_model("squarederror");
}

#[test]
fn absoluteerror_matches_xgboost() {
    check_model("absoluteerror");
}

#[test]
fn pseudohubererror_matches_xgboost() {
    check_model("pseudohubererror");
}

#[test]
fn squaredlogerror_matches_xgboost() {
    check_model("squaredlogerror");
}

#[test]
fn quantileerror_matches_xgboost() {
    check_model("quantileerror");
}

#[test]
fn logistic_matches_xgboost() {
    check_model("logistic");
}

#[test]
fn logistic_with_base_score_matches_xgboost() {
    check_model("logistic_base_score");
}

#[test]
fn binary_logistic_matches_xgboost() {
    check_model("binary_logistic");
}

#[test]
fn binary_logitraw_matches_xgboost() {
    check_model("binary_logitraw");
}

#[test]
fn poisson_matches_xgboost() {
    check_model("poisson");
}

#[test]
fn tweedie_matches_xgboost() {
    check_model("tweedie");
}

#[test]
fn gamma_matches_xgboost() {
    check_model("gamma");
}

#[test]
fn dart_matches_xgboost() {
    check_model("dart");
}

#[test]
fn forest_matches_xgboost() {
    check_model("forest");
}

#[test]
fn unnamed_features_match_xgboost() {
    check_model("unnamed");
    assert_eq!(load("unnamed").feature_names()[5], "f5");
}

#[test]
fn every_fixture_model_is_checked() {
    let checked = [
        "squarederror",
        "absoluteerror",
        "pseudohubererror",
        "squaredlogerror",
        "quantileerror",
        "logistic",
        "logistic_base_score",
        "binary_logistic",
        "binary_logitraw",
        "poisson",
        "tweedie",
        "gamma",
        "dart",
        "forest",
        "unnamed",
    ];
    for entry in fixtures().manifest["models"].as_array().unwrap() {
        let name = entry["name"].as_str().unwrap();
        assert!(checked.contains(&name), "no test checks fixture `{name}`");
        assert_eq!(entry["save_load_gap"], 0.0, "{name}");
    }
    eprintln!(
        "fixtures of xgboost {} and numpy {}",
        fixtures().manifest["xgboost"],
        fixtures().manifest["numpy"]
    );
}

#[test]
fn unsupported_xgboost_models_are_rejected() {
    let expected = [
        ("multiclass", "num_class"),
        ("gblinear", "`gblinear`"),
        ("multitarget", "num_target"),
        ("vector_leaf", "num_target"),
        ("categorical", "categorical split"),
        ("early_stopping", "best_iteration"),
    ];
    let rejected = fixtures().manifest["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), expected.len());
    for (name, part) in expected {
        let path = fixtures().dir.join(format!("{name}.json"));
        let message = Booster::read(&path).unwrap_err().to_string();
        eprintln!("{name}: {message}");
        assert!(message.contains(part), "{name}: {message}");
    }
}

#[test]
fn evaluation_is_same_for_any_thread_count() {
    let (_, spend) = read_rows(
        &fixtures()
            .dir
            .join(fixtures().manifest["allocations"].as_str().unwrap()),
    );
    for name in ["squarederror", "poisson", "dart"] {
        let model = response_model(load(name), true);
        let in_pool = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| model.evaluate(spend.view()).unwrap())
        };
        let single = in_pool(1);
        for threads in [2, 3, 8] {
            let many = in_pool(threads);
            let same = single
                .iter()
                .zip(&many)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{name}: {threads} threads change the result");
        }
    }
}
