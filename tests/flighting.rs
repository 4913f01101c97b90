//! Plans over periods and geos, end to end through the real `atlas` binary.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{atlas, read_json, succeed};

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/flighting/scenario.toml")
}

/// One cell of a result file: channel, geo, period, masked, and its spend in each plan.
struct Cell {
    channel: String,
    geo: String,
    period: String,
    masked: bool,
    spend: Vec<f64>,
}

fn cells(result: &Value) -> Vec<Cell> {
    result["cells"]
        .as_array()
        .expect("a plan over periods lists its cells")
        .iter()
        .map(|cell| Cell {
            channel: cell["channel"].as_str().unwrap().into(),
            geo: cell["geo"].as_str().unwrap_or("").into(),
            period: cell["period"].as_str().unwrap().into(),
            masked: cell["masked"].as_bool().unwrap(),
            spend: cell["spend"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect(),
        })
        .collect()
}

/// Evaluates `plan` (a CSV file in `dir`) on the weekly example and parses the JSON printed.
fn evaluate_json(dir: &Path, plan: &str) -> Value {
    let scenario = example();
    let args = [
        "--output-format",
        "json",
        "evaluate",
        scenario.to_str().unwrap(),
        "--plan",
        plan,
    ];
    serde_json::from_str(&succeed(&atlas(&args, dir))).unwrap()
}

#[test]
fn optimized_weekly_plan_keeps_every_rule_of_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = succeed(&atlas(
        &[
            "optimize",
            example().to_str().unwrap(),
            "--output",
            "result.json",
        ],
        dir.path(),
    ));
    assert!(stdout.contains("Optimal spend by period"), "{stdout}");
    assert!(
        stdout.contains("Masked cells, held at 0: radio in south (every period)"),
        "{stdout}"
    );
    assert!(stdout.contains("bounds of 104 cells"), "{stdout}");
    assert!(stdout.contains("Spend by geo over the plan"), "{stdout}");
    let result = read_json(&dir.path().join("result.json"));
    let cells = cells(&result);
    assert_eq!(cells.len(), 4 * 2 * 13);
    // The rules of examples/flighting/scenario.toml, checked from the cells alone.
    let optimal = |cell: &Cell| cell.spend[1];
    let total: f64 = cells.iter().map(optimal).sum();
    assert!((total - 1_398_000.0).abs() <= 1e-9 * 1_398_000.0, "{total}");
    let upper = |channel: &str| match channel {
        "search" => 40_000.0,
        "social" => 30_000.0,
        "tv" => 120_000.0,
        _ => 20_000.0,
    };
    for cell in &cells {
        let spend = optimal(cell);
        assert!(spend >= 0.0 && spend <= upper(&cell.channel) * (1.0 + 1e-9));
        let masked = cell.channel == "radio" && cell.geo == "south";
        assert_eq!(cell.masked, masked);
        if masked {
            assert_eq!(spend, 0.0);
        }
        let booked = cell.channel == "radio"
            && cell.geo == "north"
            && ["01", "02", "03", "04"].contains(&cell.period.as_str());
        if booked {
            assert!((spend - 6_000.0).abs() <= 1e-9 * 6_000.0, "{spend}");
        }
    }
    let tv: f64 = cells
        .iter()
        .filter(|c| c.channel == "tv")
        .map(optimal)
        .sum();
    assert!((600_000.0 * (1.0 - 1e-9)..=1_400_000.0 * (1.0 + 1e-9)).contains(&tv));
    let digital: f64 = cells
        .iter()
        .filter(|c| c.channel == "search" || c.channel == "social")
        .map(optimal)
        .sum();
    assert!(digital >= 0.3 * total * (1.0 - 1e-9), "{digital}");
    // The current plan is feasible, so the optimum is at least as good.
    let objectives = |plan: &str| result[plan]["objectives"][0].as_f64().unwrap();
    assert!(objectives("optimal") >= objectives("current"));
}

/// One channel with strong carry-over and no counted tail: spend late in the plan reaches
/// fewer weeks, so the optimum moves it earlier.
const CARRYOVER: &str = r#"
name = "carry-over"
[plan]
periods = 6
count_tail = false
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  { channel = "tv", kpi = "revenue", coefficient = 1000.0, alpha = 1.0, inflexion = 500.0, adstock = { family = "geometric", theta = 0.7, max_lag = 8 } },
]
[[channels]]
name = "tv"
current = 10.0
upper = 25.0
[[constraints]]
type = "total_budget"
equals = 60.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;

#[test]
fn spend_moves_to_the_weeks_whose_carry_over_counts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("carry.toml"), CARRYOVER).unwrap();
    succeed(&atlas(
        &["optimize", "carry.toml", "--output", "result.json"],
        dir.path(),
    ));
    let result = read_json(&dir.path().join("result.json"));
    let spend: Vec<f64> = cells(&result).iter().map(|c| c.spend[1]).collect();
    // Weeks 1 and 2 fill to their cap of 25 and week 3 takes the remaining 10.
    let expected = [25.0, 25.0, 10.0, 0.0, 0.0, 0.0];
    for (week, (got, want)) in spend.iter().zip(expected).enumerate() {
        assert!((got - want).abs() < 1e-3, "week {week}: {spend:?}");
    }
}

#[test]
fn evaluate_reads_a_plan_by_channel_geo_and_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("channel,geo,period,spend\n");
    for (channel, amount) in [("search", 10_000), ("social", 8_000), ("tv", 40_000)] {
        for geo in ["north", "south"] {
            for week in 1..=13 {
                csv.push_str(&format!("{channel},{geo},{week:02},{amount}\n"));
            }
        }
    }
    // Radio is masked in the south, so only its northern rows are needed.
    for week in 1..=13 {
        csv.push_str(&format!("radio,north,{week:02},6000\n"));
    }
    std::fs::write(dir.path().join("plan.csv"), &csv).unwrap();
    let result = evaluate_json(dir.path(), "plan.csv");
    let total = result["total_spend"].as_f64().unwrap();
    assert_eq!(total, 13.0 * (2.0 * 58_000.0 + 6_000.0));
    let channels = result["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 4);
    assert_eq!(channels[2]["name"], "tv");
    assert_eq!(
        channels[2]["spend"].as_f64().unwrap(),
        13.0 * 2.0 * 40_000.0
    );
    assert_eq!(result["cells"].as_array().unwrap().len(), 104);

    // A row for a cell that does not exist names the cell.
    std::fs::write(
        dir.path().join("bad.csv"),
        format!("{csv}radio,west,01,5\n"),
    )
    .unwrap();
    let output = atlas(
        &["evaluate", example().to_str().unwrap(), "--plan", "bad.csv"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 93"), "{stderr}");
    assert!(
        stderr.contains("`west` is not a geo of the scenario; use one of north, south"),
        "{stderr}"
    );

    // A header without the period column cannot name cells of this plan.
    std::fs::write(
        dir.path().join("short.csv"),
        "channel,geo,spend\ntv,north,5\n",
    )
    .unwrap();
    let output = atlas(
        &[
            "evaluate",
            example().to_str().unwrap(),
            "--plan",
            "short.csv",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("channel,geo,period,spend"), "{stderr}");
}

#[test]
fn bad_plan_table_fails_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example()).unwrap().replace(
        "current = { north = 6000.0 }",
        "current = { north = 6000.0, east = 1.0 }",
    );
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let output = atlas(
        &["optimize", "bad.toml", "--output", "result.json"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("channels[3].current.east"), "{stderr}");
    assert!(stderr.contains("north, south"), "{stderr}");
    assert!(!dir.path().join("result.json").exists());
}

#[test]
fn pareto_weekly_cvar_objective_stays_below_mean() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace(
            "coefficient = 60000.0, alpha = 0.9, inflexion = 20000.0 }",
            "coefficient = 60000.0, alpha = 0.9, inflexion = 20000.0, draws = { coefficient = [30000.0, 60000.0, 90000.0, 45000.0] } }",
        )
        .replace(
            "[[objectives]]\nkpi = \"brand_awareness\"",
            "[[objectives]]\nkpi = \"revenue\"\nname = \"revenue at the worst quarter\"\nrisk = \"cvar\"\nlevel = 0.25\nsense = \"maximize\"\nweight = 0.2\n\n[[objectives]]\nkpi = \"brand_awareness\"",
        )
        .replace("population = 60\ngenerations = 120", "population = 20\ngenerations = 10");
    std::fs::write(dir.path().join("risk.toml"), text).unwrap();
    let stdout = succeed(&atlas(&["pareto", "risk.toml", "--out", "out"], dir.path()));
    assert!(stdout.contains("revenue at the worst quarter"), "{stdout}");
    let front = read_json(&dir.path().join("out/front.json"));
    let members = front["members"].as_array().expect("front members");
    assert!(!members.is_empty());
    let mut spread = 0;
    for member in members {
        let objectives = member["objectives"].as_array().unwrap();
        let mean = objectives[0].as_f64().unwrap();
        let worst = objectives[1].as_f64().unwrap();
        // The worst quarter of four draws is never above their mean.
        assert!(worst <= mean + 1e-6 * mean.abs(), "{worst} vs {mean}");
        // Search's draws of its coefficient spread revenue, so the worst quarter sits clearly
        // below the mean whenever search spends. A plan without search has no spread.
        if worst < mean - 1_000.0 {
            spread += 1;
        }
    }
    assert!(spread > 0, "no member spends on search");
}

#[test]
fn optimal_plan_csv_evaluates_to_the_same_kpis() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&atlas(
        &[
            "optimize",
            example().to_str().unwrap(),
            "--output",
            "result.json",
            "--plan-csv",
            "plan.csv",
        ],
        dir.path(),
    ));
    let csv = std::fs::read_to_string(dir.path().join("plan.csv")).unwrap();
    assert!(csv.starts_with("channel,geo,period,spend\n"), "{csv}");
    // Radio's 13 masked southern cells are left out.
    assert_eq!(csv.lines().count(), 1 + 104 - 13);
    let result = read_json(&dir.path().join("result.json"));
    let evaluated = evaluate_json(dir.path(), "plan.csv");
    assert_eq!(evaluated["feasible"], true);
    let optimal = result["optimal"]["kpis"].as_array().unwrap();
    for (k, value) in evaluated["kpi_values"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let (got, want) = (value.as_f64().unwrap(), optimal[k].as_f64().unwrap());
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "KPI {k}: {got} vs {want}"
        );
    }
}
