//! `atlas report`: redraws the charts of a saved result, so they can be restyled without
//! running the search again.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use serde::Deserialize;

use super::charts::ChartArgs;
use super::pareto::{draw_front_charts, FrontCharts};
use crate::output::StagedDir;
use crate::Global;

/// Arguments of `atlas report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A result file that `atlas pareto` wrote (front.json).
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Folder for the charts; files of other names in it are left alone.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    charts: ChartArgs,
}

/// The charts `report` can write, so a rerun removes stale ones of these names only.
const CHART_FILES: [&str; 6] = [
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
    schema_version: u32,
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
            "cannot read result file {}: {error}; pass the front.json that atlas pareto wrote",
            args.results.display()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        super::InputError(format!(
            "{} is not JSON ({error}); pass a front.json that atlas pareto wrote",
            args.results.display()
        ))
    })?;
    let command = value.get("command").and_then(|c| c.as_str()).unwrap_or("");
    if command != "pareto" {
        return Err(super::InputError(format!(
            "{} was written by {}, but report redraws only the charts of atlas pareto \
             (front.json); rerun the command that wrote it to redraw its charts",
            args.results.display(),
            if command.is_empty() {
                "no atlas command".to_string()
            } else {
                format!("atlas {command}")
            }
        ))
        .into());
    }
    let file: FrontFile = serde_json::from_value(value).map_err(|error| {
        super::InputError(format!(
            "{} is not a complete front.json ({error}); pass the file as atlas pareto wrote it",
            args.results.display()
        ))
    })?;
    let charts = front_charts(file, &args.results)?;
    let stage = StagedDir::new(&args.out, &CHART_FILES)?;
    draw_front_charts(&stage, &charts, &formats, size)?;
    let folder = stage.commit()?;
    let message = format!(
        "Redrew the charts of {} ({} plans) in {}\n",
        args.results.display(),
        charts.points.len(),
        folder.display()
    );
    super::emit(global, &message, &serde_json::json!({ "out": folder }))
}

fn front_charts(file: FrontFile, path: &Path) -> Result<FrontCharts> {
    if file.schema_version != super::SCHEMA_VERSION {
        return Err(super::InputError(format!(
            "{} has schema_version {}, but this atlas reads {}; rerun atlas pareto",
            path.display(),
            file.schema_version,
            super::SCHEMA_VERSION
        ))
        .into());
    }
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
