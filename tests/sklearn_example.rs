//! The scikit-learn example (`examples/sklearn`) through the real `atlas` binary.
//!
//! The test needs a Python with the pinned packages of `examples/sklearn/requirements.txt`.
//! With `ATLAS_SKLEARN_PYTHON` set, it uses that interpreter as it is. Otherwise it creates a
//! virtual environment under the cargo target folder, installs the packages from PyPI with
//! pip, and reuses the environment while the requirements stay the same. A missing Python or
//! a failed install fails the test with the command's output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod common;
use common::{read_json, root, succeed};

fn example() -> PathBuf {
    root().join("examples/sklearn")
}

/// Returns the cargo target folder, two levels above the binary `<target>/<profile>/atlas`.
fn target_dir() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_atlas"));
    binary
        .parent()
        .and_then(Path::parent)
        .expect("the atlas binary sits two folders below the target folder")
        .to_path_buf()
}

/// Runs `command` and panics with its output when it cannot start or fails.
fn run(command: &mut Command, step: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{step}: cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{step} failed ({}): {command:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Returns a Python interpreter with the example's packages, creating the virtual
/// environment when needed, and prints how long that took.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("ATLAS_SKLEARN_PYTHON") {
        let python = PathBuf::from(python);
        run(
            Command::new(&python).args(["-c", "import sklearn, numpy"]),
            "checking that ATLAS_SKLEARN_PYTHON has scikit-learn and numpy",
        );
        return python;
    }

    let requirements = example().join("requirements.txt");
    let expected_requirements = std::fs::read_to_string(&requirements).unwrap();
    let venv = target_dir().join("sklearn-example-venv");
    let python = venv.join("bin/python");
    // The copy of the requirements is written last, so it marks a finished install.
    let installed = venv.join("atlas-requirements.txt");
    if std::fs::read_to_string(&installed).ok().as_deref() == Some(expected_requirements.as_str()) {
        eprintln!("reusing the virtual environment {}", venv.display());
        return python;
    }

    let started = Instant::now();
    run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "creating the virtual environment with python3 -m venv",
    );
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                "-r",
            ])
            .arg(&requirements),
        "installing examples/sklearn/requirements.txt with pip",
    );
    std::fs::write(&installed, &expected_requirements).unwrap();
    eprintln!(
        "created the virtual environment {} in {:.1} s",
        venv.display(),
        started.elapsed().as_secs_f64()
    );
    python
}

#[test]
fn sklearn_example_optimizes() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example().join("scenario.toml")).unwrap();
    let command = format!(
        "command = [{:?}, {:?}]",
        python.display().to_string(),
        example().join("model.py").display().to_string()
    );
    let edited = text.replace(r#"command = [".venv/bin/python", "model.py"]"#, &command);
    assert_ne!(
        edited, text,
        "the example's command line changed; update this test"
    );
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, edited).unwrap();

    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(["optimize", scenario.to_str().unwrap(), "-v"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    succeed(&output);
    eprintln!(
        "atlas optimize on the scikit-learn model took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("fitted on 156 weeks"), "{log}");

    let result = read_json(&dir.path().join("result.json"));
    assert_eq!(result["method"], "cmaes");
    let spend: Vec<f64> = result["optimal"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|channel| channel["spend"].as_f64().unwrap())
        .collect();
    let total: f64 = spend.iter().sum();
    assert!((total - 450.0).abs() < 1e-6, "total {total}");
    for (value, (lower, upper)) in spend
        .iter()
        .zip([(20.0, 200.0), (0.0, 150.0), (50.0, 400.0)])
    {
        assert!(
            *value >= lower - 1e-9 && *value <= upper + 1e-9,
            "{spend:?}"
        );
    }
    // The weighted optimum is never worse than the current plan, so it cannot lose on both
    // objectives.
    let objectives = |plan: &str| -> Vec<f64> {
        result[plan]["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|value| value.as_f64().unwrap())
            .collect()
    };
    let (optimal, current) = (objectives("optimal"), objectives("current"));
    assert!(
        optimal[0] >= current[0] || optimal[1] >= current[1],
        "optimal {optimal:?} is worse than current {current:?} on both objectives"
    );
}
