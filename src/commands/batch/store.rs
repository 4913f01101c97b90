//! The output folder of a batch: `batch.json`, `summary.csv`, and one folder per scenario
//! under `scenarios/` with `scenario.toml`, `status.json` and, when solved, `result.json`.
//!
//! A scenario folder counts as finished when its `status.json` records the input hash of the
//! scenario to run. Every file reaches its folder by one rename, and `status.json` arrives
//! last, so an interrupted run leaves either the old folder or the new one, and never a
//! `status.json` that vouches for half-written results.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::grid::{GridInputs, GridScenario};
use crate::commands::InputError;
use crate::output::{json_bytes, StagedDir};

/// Folder of the scenario folders, inside the output folder.
pub const SCENARIOS: &str = "scenarios";
/// The batch's manifest, inside the output folder.
pub const MANIFEST: &str = "batch.json";
/// One row per scenario, inside the output folder.
pub const SUMMARY: &str = "summary.csv";
/// The `atlas optimize` document of a solved scenario.
pub const RESULT: &str = "result.json";
/// The scenario file that was solved.
pub const SCENARIO: &str = "scenario.toml";
/// The scenario's outcome and input hash.
pub const STATUS: &str = "status.json";

/// Every file of a scenario folder. [`StagedDir::commit`] moves files in name order, which
/// puts `status.json` last.
pub const SCENARIO_FILES: [&str; 3] = [RESULT, SCENARIO, STATUS];

/// Outcome of one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The solver returned a plan that meets every constraint.
    Solved,
    /// No plan meets every constraint.
    Infeasible,
    /// The solve failed for another reason, given in the message.
    Failed,
}

impl Status {
    /// Returns the name used in summary.csv and the terminal table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Solved => "solved",
            Self::Infeasible => "infeasible",
            Self::Failed => "failed",
        }
    }
}

/// The outcome of one scenario, as status.json and summary.csv record it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Scenario name, which is also its folder name.
    pub name: String,
    /// Fingerprint of the scenario's inputs.
    pub input_hash: String,
    /// The inputs that vary across the grid.
    pub inputs: GridInputs,
    /// Outcome.
    pub status: Status,
    /// Error message of an infeasible or failed scenario, or `None` when solved.
    pub message: Option<String>,
    /// The solver that ran, such as `exact` when `auto` chose it; `None` unless solved.
    pub method: Option<String>,
    /// Every KPI of the optimal plan, by name, in model order.
    pub kpis: Option<Vec<(String, f64)>>,
    /// Total spend of the optimal plan.
    pub total_spend: Option<f64>,
    /// Spend of each channel of the optimal plan, by name, with a plan over periods summed
    /// over the channel's cells.
    pub spend: Option<Vec<(String, f64)>>,
}

/// The status.json document.
#[derive(Debug, Serialize, Deserialize)]
struct StatusFile {
    schema_version: u32,
    command: String,
    atlas_version: String,
    #[serde(flatten)]
    record: Record,
}

/// A shard: the scenarios whose position in expansion order, counted from 0, leaves
/// `index - 1` when divided by `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K of K/N, from 1.
    pub index: usize,
    /// N of K/N.
    pub count: usize,
}

impl Shard {
    /// Returns whether the scenario at `position` in expansion order belongs to the shard.
    pub fn contains(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = "use K/N with 1 <= K <= N, such as 2/4 for the second of four shards";
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a shard: {usage}"))?;
        let parse = |part: &str| part.trim().parse::<usize>().ok();
        match (parse(index), parse(count)) {
            (Some(index), Some(count)) if index >= 1 && index <= count => Ok(Self { index, count }),
            _ => Err(format!("`{text}` is not a shard: {usage}")),
        }
    }
}

/// One scenario of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Scenario name.
    pub name: String,
    /// Fingerprint of the scenario's inputs.
    pub input_hash: String,
}

/// The batch.json document: the whole grid, and the shard this folder holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of this document's fields.
    pub schema_version: u32,
    /// Always `batch`.
    pub command: String,
    /// The Atlas version that wrote it.
    pub atlas_version: String,
    /// Fingerprint of the whole grid.
    pub batch_hash: String,
    /// The shard whose scenarios the folder contains, or `None` for every scenario.
    pub shard: Option<Shard>,
    /// KPI names, the order of the KPI columns of summary.csv.
    pub kpi_names: Vec<String>,
    /// Channel names, the order of the spend columns of summary.csv.
    pub channels: Vec<String>,
    /// Every scenario of the grid in expansion order, including those of other shards.
    pub scenarios: Vec<ManifestEntry>,
}

impl Manifest {
    /// Returns the positions in expansion order of the scenarios of the folder's shard.
    pub fn shard_positions(&self) -> Vec<usize> {
        (0..self.scenarios.len())
            .filter(|&i| self.shard.is_none_or(|shard| shard.contains(i)))
            .collect()
    }
}

/// Creates the output folder and its `scenarios` folder.
///
/// # Errors
///
/// Returns an input error when `out` is a file, and an I/O error when a folder cannot be made.
pub fn prepare(out: &Path) -> Result<PathBuf> {
    if out.exists() && !out.is_dir() {
        return Err(InputError(format!(
            "--out {} is an existing file, not a folder: choose another --out",
            out.display()
        ))
        .into());
    }
    let scenarios = out.join(SCENARIOS);
    fs::create_dir_all(&scenarios)
        .with_context(|| format!("cannot create folder {}", scenarios.display()))?;
    Ok(scenarios)
}

/// Removes the staging folders that an interrupted run left for the scenarios in `names`,
/// and returns how many it removed. Staging folders of other scenarios stay, because another
/// shard writing into the same folder may own them.
pub fn remove_stale_stages(scenarios: &Path, names: &HashSet<&str>) -> Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(scenarios)? {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((name, _)) = file_name
            .strip_prefix('.')
            .and_then(|rest| rest.rsplit_once(".partial-"))
        else {
            continue;
        };
        if names.contains(name) && entry.path().is_dir() {
            fs::remove_dir_all(entry.path()).with_context(|| {
                format!(
                    "cannot remove the staging folder {}",
                    entry.path().display()
                )
            })?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Returns the names of the scenario folders under `scenarios`, hidden staging folders left
/// out, sorted.
pub fn folder_names(scenarios: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(scenarios)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.path().is_dir() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Reads a scenario folder's record when it is finished for `input_hash`: its status.json
/// records that hash, its scenario.toml is there, and so is the result.json of a solved
/// scenario. A missing or unreadable status.json means the scenario is not finished.
pub fn finished_record(scenarios: &Path, name: &str, input_hash: &str) -> Option<Record> {
    let folder = scenarios.join(name);
    let text = fs::read_to_string(folder.join(STATUS)).ok()?;
    let status: StatusFile = serde_json::from_str(&text).ok()?;
    let record = status.record;
    let complete = folder.join(SCENARIO).is_file()
        && (record.status != Status::Solved || folder.join(RESULT).is_file());
    (record.name == name && record.input_hash == input_hash && complete).then_some(record)
}

/// Writes one scenario's folder through a staging folder: the scenario file, the result
/// document when solved, and status.json.
pub fn write_scenario(
    scenarios: &Path,
    scenario: &GridScenario,
    record: &Record,
    result: Option<&[u8]>,
) -> Result<()> {
    let stage = StagedDir::new(&scenarios.join(&scenario.name), &SCENARIO_FILES)?;
    stage.write(SCENARIO, scenario.text.as_bytes())?;
    if let Some(bytes) = result {
        stage.write(RESULT, bytes)?;
    }
    stage.write(STATUS, &status_bytes(record)?)?;
    stage.commit()?;
    Ok(())
}

/// Copies a finished scenario folder from `source` into `scenarios` through a staging folder.
pub fn copy_scenario(source: &Path, scenarios: &Path, record: &Record) -> Result<()> {
    let stage = StagedDir::new(&scenarios.join(&record.name), &SCENARIO_FILES)?;
    for name in SCENARIO_FILES {
        if name == RESULT && record.status != Status::Solved {
            continue;
        }
        let from = source.join(name);
        fs::copy(&from, stage.path(name))
            .with_context(|| format!("cannot copy {}", from.display()))?;
    }
    stage.commit()?;
    Ok(())
}

/// Serializes a record as status.json.
fn status_bytes(record: &Record) -> Result<Vec<u8>> {
    json_bytes(&StatusFile {
        schema_version: crate::commands::SCHEMA_VERSION,
        command: "batch".into(),
        atlas_version: env!("CARGO_PKG_VERSION").into(),
        record: record.clone(),
    })
}

/// Reads and checks the batch.json of an output folder.
///
/// # Errors
///
/// Returns an input error naming the folder when batch.json is missing, unreadable or does
/// not match its own scenario list.
pub fn read_manifest(folder: &Path) -> Result<Manifest> {
    let path = folder.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|error| {
        InputError(format!(
            "{} is not the output folder of `atlas batch`: {} cannot be read ({error}); give \
             folders that `atlas batch --out` wrote",
            folder.display(),
            path.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|error| {
        InputError(format!(
            "{} is not a batch manifest ({error}): give folders that `atlas batch --out` wrote",
            path.display()
        ))
    })?;
    let expected = super::grid::batch_hash(
        manifest
            .scenarios
            .iter()
            .map(|s| (s.name.as_str(), s.input_hash.as_str())),
    );
    if expected != manifest.batch_hash {
        return Err(InputError(format!(
            "{} records batch hash {} but its scenarios hash to {expected}, so it was edited \
             or written by another Atlas version: run the batch again",
            path.display(),
            manifest.batch_hash
        ))
        .into());
    }
    if manifest
        .shard
        .is_some_and(|s| s.index < 1 || s.index > s.count)
    {
        return Err(InputError(format!(
            "{} records an invalid shard: run the batch again",
            path.display()
        ))
        .into());
    }
    Ok(manifest)
}

/// Renders summary.csv: one row per record, in the order given.
pub fn summary_csv(
    kpi_names: &[String],
    channels: &[String],
    records: &[Record],
) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(summary_header(kpi_names, channels))?;

    let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    for record in records {
        let inputs = &record.inputs;
        let weights: Vec<String> = inputs.weights.iter().map(f64::to_string).collect();
        let mut row = vec![
            record.name.clone(),
            record.input_hash.clone(),
            inputs.budget_level.clone().unwrap_or_default(),
            number(inputs.budget),
            inputs.variant.clone().unwrap_or_default(),
            weights.join(","),
            inputs.solver.clone(),
            record.status.label().to_string(),
            record.message.clone().unwrap_or_default(),
            record.method.clone().unwrap_or_default(),
        ];
        row.extend(named_values(record, "kpis", &record.kpis, kpi_names)?);
        row.push(number(record.total_spend));
        row.extend(named_values(record, "spend", &record.spend, channels)?);
        writer.write_record(&row)?;
    }
    Ok(writer.into_inner()?)
}

/// Returns the column names of summary.csv.
fn summary_header(kpi_names: &[String], channels: &[String]) -> Vec<String> {
    let mut header: Vec<String> = [
        "name",
        "input_hash",
        "budget_level",
        "budget",
        "variant",
        "weights",
        "solver",
        "status",
        "message",
        "method",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(kpi_names.iter().map(|k| format!("kpi_{k}")));
    header.push("total_spend".into());
    header.extend(channels.iter().map(|c| format!("spend_{c}")));
    header
}

/// Returns the value of each name in `names`, or empty cells when the scenario has no values.
///
/// # Errors
///
/// Returns an error naming the scenario when one of `names` is missing from its values.
fn named_values(
    record: &Record,
    key: &str,
    values: &Option<Vec<(String, f64)>>,
    names: &[String],
) -> Result<Vec<String>> {
    let Some(values) = values else {
        return Ok(vec![String::new(); names.len()]);
    };
    names
        .iter()
        .map(|name| {
            values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value.to_string())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "the status.json of scenario `{}` has no `{name}` in `{key}`: delete \
                         its folder and run the batch again",
                        record.name
                    )
                })
        })
        .collect()
}

/// Writes batch.json and summary.csv, each by one rename.
pub fn write_summary(out: &Path, manifest: &Manifest, records: &[Record]) -> Result<()> {
    let csv = summary_csv(&manifest.kpi_names, &manifest.channels, records)?;
    crate::output::write_atomic(&out.join(SUMMARY), &csv)?;
    crate::output::write_atomic(&out.join(MANIFEST), &json_bytes(manifest)?)?;
    Ok(())
}
