//! `atlas report`: redraws the charts of a saved result of `atlas optimize`, `atlas sweep` or
//! `atlas pareto`, so they can be restyled without solving again.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use serde::Deserialize;

use super::charts::ChartArgs;
use super::optimize_charts::OptimizeView;
use super::pareto::{draw_front_charts, FrontCharts};
use super::sweep::{allocation_chart, draw_allocations, AllocationData};
use crate::output::StagedDir;
use crate::Global;

/// Arguments of `atlas report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A result file: result.json from atlas optimize, sweep.json from atlas sweep or
    /// front.json from atlas pareto.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Folder for the charts. Files of other names, and charts in formats not requested, are
    /// left alone.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// For a result of atlas optimize: the KPI whose response, ROI and marginal ROI the
    /// summary shows per channel (default: the KPI of the first objective).
    #[arg(long, value_name = "NAME")]
    kpi: Option<String>,
    #[command(flatten)]
    charts: ChartArgs,
}

/// The charts `report` can write for a front, so a rerun removes stale ones of these names
/// only.
const FRONT_FILES: [&str; 6] = [
    "pareto.svg",
    "pareto.png",
    "parallel.svg",
    "parallel.png",
    "convergence.svg",
    "convergence.png",
];

/// The fields of front.json that the charts need.
#[derive(Debug, Deserialize)]
struct FrontFile {
    scenario: String,
    objectives: Vec<ObjectiveEntry>,
    current: MemberEntry,
    chosen: MemberEntry,
    knee: usize,
    members: Vec<MemberEntry>,
    history: Vec<HistoryEntry>,
}

#[derive(Debug, Deserialize)]
struct ObjectiveEntry {
    name: String,
    sense: atlas_core::Sense,
}

#[derive(Debug, Deserialize)]
struct MemberEntry {
    objectives: Vec<f64>,
}

#[derive(Debug, Deserialize)]
struct HistoryEntry {
    generation: usize,
    hypervolume: Option<f64>,
}

/// Reads the result file and redraws its charts.
pub fn run(args: &ReportArgs, global: Global) -> Result<()> {
    let formats = args.charts.formats()?;
    let size = args.charts.size()?;
    let text = std::fs::read_to_string(&args.results).map_err(|error| {
        super::InputError(format!(
            "cannot read result file {}: {error}; pass a result file that atlas optimize, \
             sweep or pareto wrote",
            args.results.display()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        super::InputError(format!(
            "{} is not JSON ({error}); pass a result file that atlas optimize, sweep or \
             pareto wrote",
            args.results.display()
        ))
    })?;
    let command = value.get("command").and_then(|c| c.as_str()).unwrap_or("");
    if args.kpi.is_some() && command != "optimize" {
        return Err(super::InputError(format!(
            "--kpi applies only to a result.json of atlas optimize, but {} was written by {}; \
             drop --kpi",
            args.results.display(),
            writer(command)
        ))
        .into());
    }
    let (folder, summary) = match command {
        "pareto" => redraw_front(args, value, &formats, size)?,
        "optimize" => redraw_optimize(args, value, &formats, size)?,
        "sweep" => redraw_sweep(args, value, &formats, size)?,
        _ => {
            return Err(super::InputError(format!(
                "{} was written by {}, but report redraws the charts of atlas optimize \
                 (result.json), atlas sweep (sweep.json) and atlas pareto (front.json); pass \
                 one of those files",
                args.results.display(),
                writer(command)
            ))
            .into())
        }
    };
    let message = format!(
        "Redrew the charts of {} ({summary}) in {}\n",
        args.results.display(),
        folder.display()
    );
    super::emit(global, &message, &serde_json::json!({ "out": folder }))
}

/// Names the command that wrote a result, for messages.
fn writer(command: &str) -> String {
    if command.is_empty() {
        "no atlas command".to_owned()
    } else {
        format!("atlas {command}")
    }
}

/// Parses `value` as the result of `command`, naming the expected file on failure.
fn parse_result<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    path: &Path,
    file: &str,
    command: &str,
) -> Result<T> {
    check_schema(&value, path, command)?;
    serde_json::from_value(value).map_err(|error| {
        super::InputError(format!(
            "{} is not a complete {file} ({error}); pass the file as atlas {command} wrote it",
            path.display()
        ))
        .into()
    })
}

fn check_schema(value: &serde_json::Value, path: &Path, command: &str) -> Result<()> {
    let version = value.get("schema_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(super::SCHEMA_VERSION)) {
        let found = version.map_or_else(
            || "no schema_version".to_owned(),
            |v| format!("schema_version {v}"),
        );
        return Err(super::InputError(format!(
            "{} has {found}, but this atlas reads {}; rerun atlas {command}",
            path.display(),
            super::SCHEMA_VERSION
        ))
        .into());
    }
    Ok(())
}

fn redraw_front(
    args: &ReportArgs,
    value: serde_json::Value,
    formats: &[atlas_report::ImageFormat],
    size: atlas_report::ChartSize,
) -> Result<(PathBuf, String)> {
    let file: FrontFile = parse_result(value, &args.results, "front.json", "pareto")?;
    let charts = front_charts(file, &args.results)?;
    let owned = requested(&FRONT_FILES, formats);
    let stage = StagedDir::new(&args.out, &owned)?;
    draw_front_charts(&stage, &charts, formats, size)?;
    Ok((stage.commit()?, format!("{} plans", charts.points.len())))
}

fn redraw_optimize(
    args: &ReportArgs,
    value: serde_json::Value,
    formats: &[atlas_report::ImageFormat],
    size: atlas_report::ChartSize,
) -> Result<(PathBuf, String)> {
    let view: OptimizeView = parse_result(value, &args.results, "result.json", "optimize")?;
    let invalid = |problem: String| {
        super::InputError(format!(
            "{}: {problem}; pass the file as atlas optimize wrote it",
            args.results.display()
        ))
    };
    view.check().map_err(invalid)?;
    let kpi = match &args.kpi {
        Some(name) => view
            .kpi_index(name)
            .map_err(|problem| super::InputError(format!("--kpi {problem}")))?,
        None => view.primary_kpi(),
    };
    let files = view.chart_files();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let stage = StagedDir::new(&args.out, &requested(&files, formats))?;
    view.draw(&stage, kpi, formats, size)?;
    Ok((
        stage.commit()?,
        format!("{} channels", view.channel_count()),
    ))
}

/// The fields of sweep.json that the allocation chart needs.
#[derive(Debug, Deserialize)]
struct SweepFile {
    scenario: String,
    currency: String,
    objectives: Vec<ObjectiveEntry>,
    points: Vec<SweepPoint>,
    allocation_channels: Vec<String>,
    allocations: Vec<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
struct SweepPoint {
    weights: Vec<f64>,
}

fn redraw_sweep(
    args: &ReportArgs,
    value: serde_json::Value,
    formats: &[atlas_report::ImageFormat],
    size: atlas_report::ChartSize,
) -> Result<(PathBuf, String)> {
    let file: SweepFile = parse_result(value, &args.results, "sweep.json", "sweep")?;
    if file.allocations.len() != file.points.len() {
        return Err(super::InputError(format!(
            "{}: allocations has {} rows but points has {}; pass the file as atlas sweep \
             wrote it",
            args.results.display(),
            file.allocations.len(),
            file.points.len()
        ))
        .into());
    }
    let data = AllocationData {
        scenario: file.scenario,
        currency: file.currency,
        objective_names: file.objectives.into_iter().map(|o| o.name).collect(),
        channels: file.allocation_channels,
        weights: file.points.into_iter().map(|p| p.weights).collect(),
        allocations: file.allocations,
    };
    let points = data.weights.len();
    let stage = StagedDir::new(&args.out, &requested(&SWEEP_FILES, formats))?;
    draw_allocations(&stage, &allocation_chart(&data), formats, size)?;
    Ok((stage.commit()?, format!("{points} weight vectors")))
}

/// Returns the files among `files` in one of `formats`. Redrawing the same result in one
/// format then leaves its charts in other formats in place, while stale files of a requested
/// format are still removed.
fn requested<'a>(files: &[&'a str], formats: &[atlas_report::ImageFormat]) -> Vec<&'a str> {
    files
        .iter()
        .copied()
        .filter(|name| {
            formats
                .iter()
                .any(|format| name.ends_with(&format!(".{}", format.extension())))
        })
        .collect()
}

/// The charts `report` can write for a sweep.
const SWEEP_FILES: [&str; 2] = ["allocations.svg", "allocations.png"];

fn front_charts(file: FrontFile, path: &Path) -> Result<FrontCharts> {
    let Some(knee) = file.members.get(file.knee) else {
        return Err(super::InputError(format!(
            "{}: knee is {}, but members has {} plans; pass the file as atlas pareto wrote it",
            path.display(),
            file.knee,
            file.members.len()
        ))
        .into());
    };
    let knee = knee.objectives.clone();
    let objective_labels = file
        .objectives
        .iter()
        .map(|o| {
            let sense = match o.sense {
                atlas_core::Sense::Maximize => "maximize",
                atlas_core::Sense::Minimize => "minimize",
            };
            format!("{} ({sense})", o.name)
        })
        .collect();
    Ok(FrontCharts {
        scenario: file.scenario,
        objective_labels,
        points: file.members.into_iter().map(|m| m.objectives).collect(),
        current: file.current.objectives,
        chosen: file.chosen.objectives,
        knee,
        history: file
            .history
            .into_iter()
            .map(|entry| (entry.generation, entry.hypervolume))
            .collect(),
    })
}
