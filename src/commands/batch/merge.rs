//! `atlas batch merge`: one output folder from the output folders of a batch's shards.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use super::store::{self, Manifest, Record};
use super::{outside_grid, unsolved_error, BatchReport};
use crate::commands::InputError;
use crate::Global;

/// Arguments of `atlas batch merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of the shards, as `atlas batch BATCH.toml --shard K/N --out DIR` wrote
    /// them. Together they must hold every scenario of the batch, each once.
    #[arg(value_name = "DIR", required = true, num_args = 1..)]
    folders: Vec<PathBuf>,
    /// Folder for the merged summary.csv, batch.json and scenario folders; it must not be one
    /// of the shard folders.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// A shard folder and its manifest.
struct Input {
    folder: PathBuf,
    manifest: Manifest,
}

impl Input {
    fn describe(&self) -> String {
        match self.manifest.shard {
            Some(shard) => format!("{} (shard {shard})", self.folder.display()),
            None => format!("{} (every scenario)", self.folder.display()),
        }
    }
}

/// Checks that the folders contain every scenario of one batch exactly once, finished, then
/// copies the scenario folders into --out and writes the merged summary.csv and batch.json.
pub fn run(args: &MergeArgs, global: Global) -> Result<()> {
    let inputs = read_inputs(args)?;
    let manifest = Manifest {
        shard: None,
        ..inputs[0].manifest.clone()
    };
    let owners = owners(&inputs)?;
    // Every record is read and checked before anything is written.
    let mut sources: Vec<(PathBuf, Record)> = Vec::with_capacity(owners.len());
    for (position, &owner) in owners.iter().enumerate() {
        let input = &inputs[owner];
        let entry = &manifest.scenarios[position];
        let scenarios = input.folder.join(store::SCENARIOS);
        let record = store::finished_record(&scenarios, &entry.name, &entry.input_hash)
            .ok_or_else(|| {
                InputError(format!(
                    "scenario `{}` has no finished result in {}: run that shard again to \
                     finish it, then merge",
                    entry.name,
                    input.describe()
                ))
            })?;
        sources.push((scenarios.join(&entry.name), record));
    }

    let scenarios = store::prepare(&args.out)?;
    for (source, record) in &sources {
        store::copy_scenario(source, &scenarios, record)?;
    }
    let records: Vec<Record> = sources.into_iter().map(|(_, record)| record).collect();
    store::write_summary(&args.out, &manifest, &records)?;
    let outside = outside_grid(&scenarios, &manifest)?;
    let skipped = vec![false; records.len()];
    let report = BatchReport {
        command: "batch merge",
        manifest: &manifest,
        out: &args.out,
        records: &records,
        skipped: &skipped,
        outside: &outside,
    };
    crate::commands::emit(global, &report.render(), &report.json())?;
    unsolved_error(&records, &args.out)
}

/// Reads every folder's manifest, and checks that the folders come from one batch and that
/// --out is not one of them.
fn read_inputs(args: &MergeArgs) -> Result<Vec<Input>> {
    let out = canonical(&args.out);
    let mut inputs: Vec<Input> = Vec::with_capacity(args.folders.len());
    for folder in &args.folders {
        let manifest = store::read_manifest(folder)?;
        let path = canonical(folder);
        if out.as_ref().is_some_and(|out| Some(out) == path.as_ref()) {
            return Err(InputError(format!(
                "--out {} is also an input folder: write the merged batch to a new folder",
                args.out.display()
            ))
            .into());
        }
        if let Some(earlier) = inputs.iter().find(|i| canonical(&i.folder) == path) {
            return Err(InputError(format!(
                "{} is listed twice (also as {}): give each shard's folder once",
                folder.display(),
                earlier.folder.display()
            ))
            .into());
        }
        let input = Input {
            folder: folder.clone(),
            manifest,
        };
        if let Some(first) = inputs.first() {
            if first.manifest.batch_hash != input.manifest.batch_hash {
                return Err(InputError(format!(
                    "{} and {} come from different batches (batch hash {} and {}): merge the \
                     shards of one batch, run from the same batch file, scenario and Atlas \
                     version",
                    first.describe(),
                    input.describe(),
                    first.manifest.batch_hash,
                    input.manifest.batch_hash
                ))
                .into());
            }
        }
        inputs.push(input);
    }
    Ok(inputs)
}

fn canonical(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

/// Returns, per scenario of the grid, the input that contains it.
///
/// # Errors
///
/// Returns an input error when two inputs contain the same scenario, or when no input
/// contains one.
fn owners(inputs: &[Input]) -> Result<Vec<usize>> {
    let manifest = &inputs[0].manifest;
    let mut owners: Vec<Option<usize>> = vec![None; manifest.scenarios.len()];
    for (index, input) in inputs.iter().enumerate() {
        for position in input.manifest.shard_positions() {
            if let Some(earlier) = owners[position] {
                return Err(InputError(format!(
                    "scenario `{}` is in both {} and {}: give each shard's folder once",
                    manifest.scenarios[position].name,
                    inputs[earlier].describe(),
                    input.describe()
                ))
                .into());
            }
            owners[position] = Some(index);
        }
    }
    let missing: Vec<usize> = (0..owners.len())
        .filter(|&position| owners[position].is_none())
        .collect();
    if let Some(&first) = missing.first() {
        let counts: Vec<usize> = inputs
            .iter()
            .filter_map(|i| i.manifest.shard.map(|s| s.count))
            .collect();
        let hint = match counts.first() {
            Some(&count) if counts.iter().all(|c| *c == count) => {
                let absent: Vec<String> = (1..=count)
                    .filter(|k| {
                        !inputs
                            .iter()
                            .any(|i| i.manifest.shard.is_some_and(|s| s.index == *k))
                    })
                    .map(|k| format!("{k}/{count}"))
                    .collect();
                format!("add the folders of shard {}", absent.join(", "))
            }
            _ => "add the folders of the missing shards".to_string(),
        };
        return Err(InputError(format!(
            "{} of the {} scenarios of the batch are in no input folder, such as `{}`: {hint}",
            missing.len(),
            owners.len(),
            manifest.scenarios[first].name
        ))
        .into());
    }
    Ok(owners.into_iter().flatten().collect())
}
