//! `atlas batch`: solve every scenario of a grid (budgets x constraint variants x weight sets x
//! solvers) in parallel, resuming an interrupted run and splitting the grid into shards, and
//! `atlas batch merge`, which combines the output folders of the shards.

mod grid;
mod merge;
mod store;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use atlas_core::scenario::ScenarioFile;
use atlas_core::CoreError;
use clap::{Args, Subcommand};
use rayon::prelude::*;
use serde::Serialize;

use self::grid::{Grid, GridScenario};
use self::store::{Manifest, ManifestEntry, Record, Shard, Status};
use super::charts::progress_bar;
use super::InputError;
use crate::output::json_bytes;
use crate::table::{kpi, number, Table};
use crate::Global;

/// Arguments of `atlas batch`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BatchArgs {
    #[command(subcommand)]
    command: Option<BatchCommand>,
    /// Batch file (TOML): the base scenario and the grid of budgets, constraint variants,
    /// weight sets and solvers to solve it at.
    #[arg(value_name = "BATCH.toml", required = true)]
    batch: Option<PathBuf>,
    /// Output folder: summary.csv, batch.json, and one folder per scenario under scenarios/.
    /// Running the same command again skips the scenarios that are already finished there.
    #[arg(long, value_name = "DIR", required = true)]
    out: Option<PathBuf>,
    /// Run only shard K of N: the scenarios whose position in expansion order, counted from
    /// 0, leaves K-1 when divided by N. `atlas batch merge` combines the shards' folders.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
}

#[derive(Debug, Subcommand)]
enum BatchCommand {
    /// Combine the output folders of the shards of one batch into one folder, with one
    /// summary.csv.
    Merge(merge::MergeArgs),
}

/// Runs a batch, or merges shards.
pub fn run(args: &BatchArgs, global: Global) -> Result<()> {
    if let Some(BatchCommand::Merge(merge)) = &args.command {
        return merge::run(merge, global);
    }
    let (Some(batch), Some(out)) = (&args.batch, &args.out) else {
        return Err(InputError(
            "atlas batch needs a batch file and --out: atlas batch BATCH.toml --out DIR".into(),
        )
        .into());
    };
    run_grid(batch, out, args.shard, global)
}

fn run_grid(batch: &Path, out: &Path, shard: Option<Shard>, global: Global) -> Result<()> {
    let grid = grid::expand(batch)?;
    let selected: Vec<&GridScenario> = grid
        .scenarios
        .iter()
        .filter(|s| shard.is_none_or(|shard| shard.contains(s.index)))
        .collect();
    let scenarios = store::prepare(out)?;
    let names: HashSet<&str> = selected.iter().map(|s| s.name.as_str()).collect();
    store::remove_stale_stages(&scenarios, &names)?;
    let pending: Vec<&GridScenario> = selected
        .iter()
        .copied()
        .filter(|s| store::finished_record(&scenarios, &s.name, &s.input_hash).is_none())
        .collect();

    let bar = progress_bar(global, pending.len() as u64, "scenarios");
    let written: Vec<Result<()>> = pending
        .par_iter()
        .map(|scenario| {
            let (record, result) = solve_scenario(scenario);
            let written = store::write_scenario(&scenarios, scenario, &record, result.as_deref());
            bar.inc(1);
            written
        })
        .collect();
    bar.finish_and_clear();
    written.into_iter().collect::<Result<Vec<()>>>()?;

    let records = read_records(&scenarios, &selected)?;
    let manifest = manifest(&grid, shard);
    store::write_summary(out, &manifest, &records)?;
    let outside = outside_grid(&scenarios, &manifest)?;
    let ran_now: HashSet<usize> = pending.iter().map(|s| s.index).collect();
    let skipped: Vec<bool> = selected
        .iter()
        .map(|s| !ran_now.contains(&s.index))
        .collect();
    let report = BatchReport {
        command: "batch",
        manifest: &manifest,
        out,
        records: &records,
        skipped: &skipped,
        outside: &outside,
    };
    super::emit(global, &report.render(), &report.json())?;
    unsolved_error(&records, out)
}

/// Reads the record of every scenario from its folder, so the summary lists each scenario
/// once, however many runs wrote them.
fn read_records(scenarios: &Path, selected: &[&GridScenario]) -> Result<Vec<Record>> {
    let mut records = Vec::with_capacity(selected.len());
    for scenario in selected {
        let record = store::finished_record(scenarios, &scenario.name, &scenario.input_hash)
            .ok_or_else(|| {
                anyhow!(
                    "scenario `{}` has no finished result in {} after the run: run the batch \
                     again",
                    scenario.name,
                    scenarios.display()
                )
            })?;
        records.push(record);
    }
    Ok(records)
}

/// Solves one scenario as `atlas optimize` would solve its scenario file, and returns its
/// record with the result document when solved.
fn solve_scenario(scenario: &GridScenario) -> (Record, Option<Vec<u8>>) {
    let solved = (|| -> Result<_> {
        let problem = ScenarioFile::parse(&scenario.text, &scenario.name)?.build()?;
        let solved = super::optimize::solve(&problem, None)?;
        let bytes = json_bytes(&solved.output)?;
        Ok((problem, solved, bytes))
    })();
    let mut record = Record {
        name: scenario.name.clone(),
        input_hash: scenario.input_hash.clone(),
        inputs: scenario.inputs.clone(),
        status: Status::Solved,
        message: None,
        method: None,
        kpis: None,
        total_spend: None,
        spend: None,
    };
    match solved {
        Ok((problem, solved, bytes)) => {
            record.method = Some(solved.output.method().name().to_string());
            let kpis = problem.kpi_names().iter().cloned();
            record.kpis = Some(kpis.zip(solved.optimal.kpis.iter().copied()).collect());
            record.total_spend = Some(solved.spend.iter().sum());
            let channels = problem.channel_names().into_iter();
            record.spend = Some(channels.zip(problem.by_channel(&solved.spend)).collect());
            (record, Some(bytes))
        }
        Err(error) => {
            let infeasible = error.chain().any(|cause| {
                matches!(
                    cause.downcast_ref::<CoreError>(),
                    Some(CoreError::Infeasible { .. })
                )
            });
            record.status = if infeasible {
                Status::Infeasible
            } else {
                Status::Failed
            };
            record.message = Some(format!("{error:#}"));
            (record, None)
        }
    }
}

fn manifest(grid: &Grid, shard: Option<Shard>) -> Manifest {
    Manifest {
        schema_version: super::SCHEMA_VERSION,
        command: "batch".into(),
        atlas_version: env!("CARGO_PKG_VERSION").into(),
        batch_hash: grid.batch_hash.clone(),
        shard,
        kpi_names: grid.kpi_names.clone(),
        channels: grid.channels.clone(),
        scenarios: grid
            .scenarios
            .iter()
            .map(|s| ManifestEntry {
                name: s.name.clone(),
                input_hash: s.input_hash.clone(),
            })
            .collect(),
    }
}

/// Returns the scenario folders under `scenarios` that are not in the grid, such as those of
/// weights that an edited batch file no longer lists.
fn outside_grid(scenarios: &Path, manifest: &Manifest) -> Result<Vec<String>> {
    let grid: HashSet<&str> = manifest.scenarios.iter().map(|s| s.name.as_str()).collect();
    Ok(store::folder_names(scenarios)?
        .into_iter()
        .filter(|name| !grid.contains(name.as_str()))
        .collect())
}

/// Returns an error, which exits with 1, when a scenario is infeasible or failed.
fn unsolved_error(records: &[Record], out: &Path) -> Result<()> {
    let count = |status: Status| records.iter().filter(|r| r.status == status).count();
    let (infeasible, failed) = (count(Status::Infeasible), count(Status::Failed));
    let Some(first) = records.iter().find(|r| r.status != Status::Solved) else {
        return Ok(());
    };
    Err(anyhow!(
        "{} of {} scenarios did not solve ({infeasible} infeasible, {failed} failed), the \
         first being `{}`: see the message column of {}",
        infeasible + failed,
        records.len(),
        first.name,
        out.join(store::SUMMARY).display()
    ))
}

/// The summary that `atlas batch` and `atlas batch merge` print, as a table or as JSON.
struct BatchReport<'a> {
    command: &'static str,
    manifest: &'a Manifest,
    out: &'a Path,
    records: &'a [Record],
    /// Per record, whether an earlier run had finished it.
    skipped: &'a [bool],
    /// Scenario folders in the output folder that are not in the grid.
    outside: &'a [String],
}

/// JSON output of `atlas batch` and `atlas batch merge`.
#[derive(Debug, Serialize)]
struct BatchOutput<'a> {
    schema_version: u32,
    command: &'static str,
    batch_hash: &'a str,
    shard: Option<Shard>,
    /// Scenarios in the whole grid; `scenarios` lists those of the shard.
    grid_size: usize,
    out: String,
    counts: Counts,
    kpi_names: &'a [String],
    channels: &'a [String],
    scenarios: Vec<Row<'a>>,
    /// Scenario folders in the output folder that are not in the grid, left as they were.
    not_in_batch: &'a [String],
}

#[derive(Debug, Serialize)]
struct Counts {
    scenarios: usize,
    solved: usize,
    infeasible: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    record: &'a Record,
    /// Whether an earlier run had finished the scenario, so this run did not solve it again.
    skipped: bool,
}

impl BatchReport<'_> {
    fn counts(&self) -> Counts {
        let count = |status: Status| self.records.iter().filter(|r| r.status == status).count();
        Counts {
            scenarios: self.records.len(),
            solved: count(Status::Solved),
            infeasible: count(Status::Infeasible),
            failed: count(Status::Failed),
            skipped: self.skipped.iter().filter(|s| **s).count(),
        }
    }

    fn json(&self) -> BatchOutput<'_> {
        BatchOutput {
            schema_version: super::SCHEMA_VERSION,
            command: self.command,
            batch_hash: &self.manifest.batch_hash,
            shard: self.manifest.shard,
            grid_size: self.manifest.scenarios.len(),
            out: self.out.display().to_string(),
            counts: self.counts(),
            kpi_names: &self.manifest.kpi_names,
            channels: &self.manifest.channels,
            scenarios: self
                .records
                .iter()
                .zip(self.skipped)
                .map(|(record, skipped)| Row {
                    record,
                    skipped: *skipped,
                })
                .collect(),
            not_in_batch: self.outside,
        }
    }

    fn render(&self) -> String {
        let counts = self.counts();
        let scope = match self.manifest.shard {
            Some(shard) => format!(
                "shard {shard}: {} of the {} scenarios of the batch",
                counts.scenarios,
                self.manifest.scenarios.len()
            ),
            None if counts.scenarios == 1 => "1 scenario".to_string(),
            None => format!("{} scenarios", counts.scenarios),
        };
        let mut text = format!(
            "Batch {} ({scope}): {} solved, {} infeasible, {} failed\n\n{}",
            self.manifest.batch_hash,
            counts.solved,
            counts.infeasible,
            counts.failed,
            self.table()
        );

        text.push_str(&self.unsolved_lines());
        if self.command == "batch" {
            text.push_str(&format!(
                "\nSkipped {} scenario{} that an earlier run finished, and ran {}.\n",
                counts.skipped,
                if counts.skipped == 1 { "" } else { "s" },
                counts.scenarios - counts.skipped
            ));
        }
        text.push_str(&self.outside_note());
        text.push_str(&format!(
            "Wrote {}, {} and one folder per scenario under {}\n",
            self.out.join(store::SUMMARY).display(),
            self.out.join(store::MANIFEST).display(),
            self.out.join(store::SCENARIOS).display()
        ));
        text
    }

    /// Renders one row per scenario: status, solver, total spend and every KPI.
    fn table(&self) -> String {
        let mut header = vec![
            "scenario".to_string(),
            "status".into(),
            "method".into(),
            "total spend".into(),
        ];
        header.extend(self.manifest.kpi_names.iter().cloned());
        let mut table = Table::new(header);
        for record in self.records {
            let mut row = vec![
                record.name.clone(),
                record.status.label().to_string(),
                record.method.clone().unwrap_or_else(|| "-".into()),
                record
                    .total_spend
                    .map(|v| number(v, 0))
                    .unwrap_or_else(|| "-".into()),
            ];
            for name in &self.manifest.kpi_names {
                let value = record
                    .kpis
                    .iter()
                    .flatten()
                    .find(|(kpi_name, _)| kpi_name == name);
                row.push(value.map(|(_, v)| kpi(*v)).unwrap_or_else(|| "-".into()));
            }
            table.row(row);
        }
        table.render()
    }

    /// Lists each infeasible or failed scenario with its message, or returns an empty string.
    fn unsolved_lines(&self) -> String {
        let unsolved: Vec<&Record> = self
            .records
            .iter()
            .filter(|r| r.status != Status::Solved)
            .collect();
        if unsolved.is_empty() {
            return String::new();
        }
        let mut text = "\nNot solved:\n".to_string();
        for record in unsolved {
            text.push_str(&format!(
                "  {}: {}\n",
                record.name,
                record.message.as_deref().unwrap_or("")
            ));
        }
        text
    }

    /// Names the scenario folders that are not in the grid, or returns an empty string.
    fn outside_note(&self) -> String {
        let count = self.outside.len();
        if count == 0 {
            return String::new();
        }
        let shown = count.min(5);
        let more = if count > shown {
            format!(" and {} more", count - shown)
        } else {
            String::new()
        };
        let (noun, verb, pronoun) = if count == 1 {
            ("folder", "is", "it")
        } else {
            ("folders", "are", "them")
        };
        format!(
            "Note: {count} {noun} under {} {verb} not in this batch, so the summary leaves \
             {pronoun} out: {}{more}\n",
            self.out.join(store::SCENARIOS).display(),
            self.outside[..shown].join(", ")
        )
    }
}
