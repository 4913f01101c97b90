//! The summary and response-curve charts of `atlas optimize`, and `atlas report` redrawing
//! the charts of optimize and sweep results, through the real binary.

mod common;

use std::path::{Path, PathBuf};

use common::{atlas, read_json, root, succeed};

fn example(name: &str) -> PathBuf {
    root().join("examples").join(name).join("scenario.toml")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn optimize_with_charts(dir: &Path, scenario: &str, extra: &[&str]) -> std::process::Output {
    let scenario = example(scenario);
    let mut args = vec![
        "optimize",
        scenario.to_str().unwrap(),
        "--output",
        "result.json",
        "--charts",
        "charts",
        "-q",
    ];
    args.extend_from_slice(extra);
    atlas(&args, dir)
}

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn png_size(path: &Path) -> (u32, u32) {
    let png = std::fs::read(path).unwrap();
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    (width, height)
}

#[test]
fn optimize_writes_summary_and_curves() {
    let dir = tempfile::tempdir().unwrap();
    let output = optimize_with_charts(dir.path(), "marketing", &[]);
    let stdout = succeed(&output);
    assert!(
        stdout.contains("summary and response-curve charts"),
        "{stdout}"
    );
    let expected = [
        "curves-brand-awareness.png",
        "curves-brand-awareness.svg",
        "curves-customer-acquisition.png",
        "curves-customer-acquisition.svg",
        "curves-revenue.png",
        "curves-revenue.svg",
        "summary.png",
        "summary.svg",
    ];
    assert_eq!(names(&dir.path().join("charts")), expected);
    assert_eq!(
        png_size(&dir.path().join("charts/summary.png")),
        (1200, 800)
    );
    let summary = std::fs::read_to_string(dir.path().join("charts/summary.svg")).unwrap();
    for channel in ["search", "social", "display", "tv", "radio", "print"] {
        assert!(summary.contains(channel), "summary lacks {channel}");
    }
    assert!(summary.contains("revenue"), "summary lacks the KPI");
}

#[test]
fn result_holds_curves_through_marks() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(
        dir.path(),
        "marketing",
        &["--format", "svg"],
    ));
    let result = read_json(&dir.path().join("result.json"));
    let curves = result["response_curves"].as_array().unwrap();
    assert_eq!(curves.len(), 6);
    assert_eq!(result["primary_kpi"], 0);
    let channels = result["optimal"]["channels"].as_array().unwrap();
    for (curve, channel) in curves.iter().zip(channels) {
        assert_eq!(curve["channel"], channel["name"]);
        let optimal = &curve["marks"][1];
        assert_eq!(optimal["label"], "optimal");
        let spend = optimal["spend"].as_f64().unwrap();
        assert!((spend - channel["spend"].as_f64().unwrap()).abs() < 1e-6);
        // With one period, the curve's point is the plan's own contribution and slope.
        for k in 0..3 {
            let on_curve = optimal["response"][k].as_f64().unwrap();
            let in_plan = channel["response"][k].as_f64().unwrap();
            assert!((on_curve - in_plan).abs() <= 1e-9 * in_plan.abs().max(1.0));
            let slope = optimal["marginal"][k].as_f64().unwrap();
            let exact = channel["marginal"][k].as_f64().unwrap();
            assert!(
                (slope - exact).abs() <= 1e-4 * exact.abs().max(1e-3),
                "{slope} {exact}"
            );
        }
    }
    // print is held at its current spend, so its allowed range is that spend alone.
    let print = &curves[5];
    assert_eq!(print["lower"], print["upper"]);
    assert!(!dir.path().join("charts/summary.png").exists());
}

#[test]
fn report_redraws_optimize_charts_identically() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(dir.path(), "marketing", &[]));
    let output = atlas(
        &["report", "result.json", "--out", "again", "-q"],
        dir.path(),
    );
    succeed(&output);
    let first = dir.path().join("charts");
    let again = dir.path().join("again");
    assert_eq!(names(&first), names(&again));
    for name in names(&first) {
        let a = std::fs::read(first.join(&name)).unwrap();
        let b = std::fs::read(again.join(&name)).unwrap();
        assert!(a == b, "{name} differs after redrawing");
    }
}

#[test]
fn report_summary_follows_kpi_option() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(
        dir.path(),
        "marketing",
        &["--format", "svg"],
    ));
    let args = [
        "report",
        "result.json",
        "--out",
        "awareness",
        "--kpi",
        "brand_awareness",
        "--format",
        "png",
        "--size",
        "1920x1080",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
    let folder = dir.path().join("awareness");
    assert_eq!(png_size(&folder.join("summary.png")), (1920, 1080));
    assert!(!folder.join("summary.svg").exists());
    let revenue = std::fs::read(dir.path().join("charts/summary.svg")).unwrap();
    let args = [
        "report",
        "result.json",
        "--out",
        "awareness-svg",
        "--kpi",
        "brand_awareness",
        "--format",
        "svg",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
    let awareness = std::fs::read(dir.path().join("awareness-svg/summary.svg")).unwrap();
    assert!(revenue != awareness, "--kpi did not change the summary");
}

#[test]
fn report_rejects_unknown_kpi() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(
        dir.path(),
        "marketing",
        &["--format", "svg"],
    ));
    let args = ["report", "result.json", "--out", "out", "--kpi", "reach"];
    let output = atlas(&args, dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("`reach` is not a KPI"), "{message}");
    assert!(message.contains("brand_awareness"), "{message}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn report_rejects_damaged_optimize_result() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(
        dir.path(),
        "marketing",
        &["--format", "svg"],
    ));
    let mut result = read_json(&dir.path().join("result.json"));
    result["response_curves"].as_array_mut().unwrap().pop();
    std::fs::write(dir.path().join("cut.json"), result.to_string()).unwrap();
    result["primary_kpi"] = serde_json::json!(9);
    std::fs::write(dir.path().join("kpi.json"), result.to_string()).unwrap();
    let cases = [
        (
            "cut.json",
            "response_curves has 5 curves but optimal.channels has 6",
        ),
        ("kpi.json", "primary_kpi is 9 but kpi_names has 3 entries"),
    ];
    for (file, fragment) in cases {
        let output = atlas(&["report", file, "--out", "out"], dir.path());
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{file}: {message}");
        assert!(message.contains(fragment), "{file}: {message}");
        assert!(!dir.path().join("out").exists(), "{file}: charts written");
    }
}

#[test]
fn report_redraws_sweep_allocations() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = example("marketing");
    let args = [
        "sweep",
        scenario.to_str().unwrap(),
        "--steps",
        "2",
        "--out",
        "sweep",
        "-q",
    ];
    let stdout = succeed(&atlas(&args, dir.path()));
    assert!(
        stdout.contains("6 weight vectors, solved with exact"),
        "{stdout}"
    );
    let args = ["report", "sweep/sweep.json", "--out", "redrawn", "-q"];
    succeed(&atlas(&args, dir.path()));
    for name in ["allocations.svg", "allocations.png"] {
        let first = std::fs::read(dir.path().join("sweep").join(name)).unwrap();
        let again = std::fs::read(dir.path().join("redrawn").join(name)).unwrap();
        assert!(first == again, "{name} differs after redrawing");
    }
    assert_eq!(names(&dir.path().join("redrawn")).len(), 2);
}

#[test]
fn report_redraws_flighting_sweep_by_channel() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = example("flighting");
    let args = [
        "sweep",
        scenario.to_str().unwrap(),
        "--steps",
        "1",
        "--out",
        "sweep",
        "--format",
        "svg",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
    let sweep = read_json(&dir.path().join("sweep/sweep.json"));
    let channels = sweep["allocation_channels"].as_array().unwrap().len();
    assert!(channels < sweep["channels"].as_array().unwrap().len());
    let args = [
        "report",
        "sweep/sweep.json",
        "--out",
        "redrawn",
        "--format",
        "svg",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
    let first = std::fs::read(dir.path().join("sweep/allocations.svg")).unwrap();
    let again = std::fs::read(dir.path().join("redrawn/allocations.svg")).unwrap();
    assert!(first == again, "allocations.svg differs after redrawing");
}

#[test]
fn report_kpi_rejected_for_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = example("marketing");
    let args = [
        "sweep",
        scenario.to_str().unwrap(),
        "--steps",
        "1",
        "--out",
        "sweep",
        "--format",
        "svg",
        "-q",
    ];
    succeed(&atlas(&args, dir.path()));
    let args = [
        "report",
        "sweep/sweep.json",
        "--out",
        "out",
        "--kpi",
        "revenue",
    ];
    let output = atlas(&args, dir.path());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("--kpi applies only"), "{message}");
}

#[test]
fn flighting_optimize_draws_channel_curves() {
    let dir = tempfile::tempdir().unwrap();
    let output = optimize_with_charts(dir.path(), "flighting", &["--format", "svg"]);
    succeed(&output);
    let result = read_json(&dir.path().join("result.json"));
    let curves = result["response_curves"].as_array().unwrap();
    let channels = result["optimal"]["channels"].as_array().unwrap();
    assert_eq!(curves.len(), channels.len());
    for (curve, channel) in curves.iter().zip(channels) {
        let mark = &curve["marks"][1];
        let spend = mark["spend"].as_f64().unwrap();
        assert!((spend - channel["spend"].as_f64().unwrap()).abs() < 1e-6);
        // The optimal plan's split between weeks is the curve's split, so the point on the
        // curve is the channel's contribution in the plan.
        let on_curve = mark["response"][0].as_f64().unwrap();
        let in_plan = channel["response"][0].as_f64().unwrap();
        assert!((on_curve - in_plan).abs() <= 1e-9 * in_plan.abs().max(1.0));
    }
    assert!(dir.path().join("charts/summary.svg").exists());
}

#[test]
fn optimize_rejects_bad_chart_options_first() {
    let dir = tempfile::tempdir().unwrap();
    let output = optimize_with_charts(dir.path(), "marketing", &["--size", "10x10"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("--size"), "{message}");
    assert!(!dir.path().join("result.json").exists());
    assert!(!dir.path().join("charts").exists());
}

#[test]
fn report_keeps_other_formats() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(
        dir.path(),
        "marketing",
        &["--format", "svg"],
    ));
    for format in ["png", "svg"] {
        let args = [
            "report",
            "result.json",
            "--out",
            "both",
            "--format",
            format,
            "-q",
        ];
        succeed(&atlas(&args, dir.path()));
    }
    let folder = dir.path().join("both");
    assert!(folder.join("summary.png").exists(), "{:?}", names(&folder));
    assert!(folder.join("summary.svg").exists(), "{:?}", names(&folder));
    assert_eq!(names(&folder).len(), 8);
}

#[test]
fn flighting_summary_uses_curve_slope() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&optimize_with_charts(
        dir.path(),
        "flighting",
        &["--format", "svg"],
    ));
    let result = read_json(&dir.path().join("result.json"));
    let summary = std::fs::read_to_string(dir.path().join("charts/summary.svg")).unwrap();
    let tv = result["response_curves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|curve| curve["channel"] == "tv")
        .unwrap();
    let slope = tv["marks"][1]["marginal"][0].as_f64().unwrap();
    let table = result["optimal"]["channels"][2]["marginal"][0]
        .as_f64()
        .unwrap();
    // The mean of tv's per-week marginal returns differs from the curve's slope, so the
    // check below shows which one the summary table uses.
    assert!(
        (slope - table).abs() > 0.1,
        "slope {slope}, cell mean {table}"
    );
    let texts: Vec<String> = summary
        .split("<text")
        .skip(1)
        .filter_map(|element| element.split_once('>')?.1.split_once("</text>"))
        .map(|(content, _)| content.trim().to_owned())
        .collect();
    let candidates = [format!("{slope:.2}"), format!("{slope:.1}")];
    assert!(
        texts.iter().any(|text| candidates.contains(text)),
        "no {candidates:?} in {texts:?}"
    );
    let mean = [format!("{table:.2}"), format!("{table:.1}")];
    assert!(
        !texts.iter().any(|text| mean.contains(text)),
        "the cell mean {mean:?} is shown"
    );
}
