//! `atlas import robyn`: write a scenario from a Robyn export.

use std::path::PathBuf;

use anyhow::{Context, Result};
use atlas_core::robyn::{import, ImportOptions, RobynImport};
use clap::Args;
use serde::Serialize;

use crate::output::write_atomic;
use crate::table::{number, Table};
use crate::Global;

/// Arguments of `atlas import robyn`.
#[derive(Debug, Args)]
pub struct RobynArgs {
    /// JSON file written by Robyn's robyn_write().
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// First date (YYYY-MM-DD) of the period whose mean spend per period is the current plan.
    #[arg(long)]
    from: String,
    /// Last date (YYYY-MM-DD) of that period.
    #[arg(long)]
    to: String,
    /// Scenario file to write (TOML).
    #[arg(long, short, value_name = "SCENARIO")]
    output: PathBuf,
    /// Lower bound of each channel as a multiple of its current spend.
    #[arg(long, default_value_t = 0.5, value_name = "MULTIPLE")]
    lower: f64,
    /// Upper bound of each channel as a multiple of its current spend.
    #[arg(long, default_value_t = 2.0, value_name = "MULTIPLE")]
    upper: f64,
    /// Currency of the model's spend and revenue, shown in tables and charts.
    #[arg(long, default_value = "USD")]
    currency: String,
    /// Exact total budget per period, in the model's currency; without it the total is free
    /// within the channel bounds.
    #[arg(long, value_name = "AMOUNT")]
    budget: Option<f64>,
}

#[derive(Serialize)]
struct ImportSummary<'a> {
    schema_version: u32,
    scenario: String,
    robyn_version: &'a str,
    dates: &'a [String],
    channels: &'a [atlas_core::robyn::ImportedChannel],
}

/// Runs the import.
pub fn run(args: &RobynArgs, global: Global) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read Robyn export {}", args.file.display()))
        .map_err(|e| anyhow::Error::new(crate::commands::InputError(format!("{e:#}"))))?;
    let options = ImportOptions {
        from: args.from.clone(),
        to: args.to.clone(),
        lower_multiplier: args.lower,
        upper_multiplier: args.upper,
        budget: args.budget,
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        currency: args.currency.clone(),
    };
    let imported = import(&text, &options)
        .with_context(|| format!("cannot import {}", args.file.display()))?;
    let toml = format!("{}{}", header(&imported), imported.scenario.to_toml()?);
    write_atomic(&args.output, toml.as_bytes())?;
    let summary = ImportSummary {
        schema_version: super::SCHEMA_VERSION,
        scenario: args.output.display().to_string(),
        robyn_version: &imported.version,
        dates: &imported.dates,
        channels: &imported.channels,
    };
    super::emit(global, &table(&imported, args), &summary)
}

fn header(imported: &RobynImport) -> String {
    let mut text = String::from(
        "# Imported from a Robyn export by `atlas import robyn`.\n\
         #\n\
         # Each curve reproduces Robyn's allocator: response = coefficient * a^alpha /\n\
         # (a^alpha + inflexion^alpha) with a = spend + carryover, where carryover is the mean\n\
         # adstock carry-over over the modelling window. Robyn's allocator does not compound the\n\
         # planned spend itself, so theta is 0 here. Fitted decay rates (theta), for reference:\n",
    );
    for channel in &imported.channels {
        text.push_str(&format!("#   {}: {}\n", channel.name, channel.theta));
    }
    text.push_str(&format!(
        "# Current spend is the mean per period over {} .. {} ({} periods).\n\n",
        imported.dates.first().map(String::as_str).unwrap_or("?"),
        imported.dates.last().map(String::as_str).unwrap_or("?"),
        imported.dates.len()
    ));
    text
}

fn table(imported: &RobynImport, args: &RobynArgs) -> String {
    let mut table = Table::new([
        "channel",
        "mean spend",
        "response",
        "R(x+1) - R(x)",
        "inflexion",
        "carryover",
    ]);
    for c in &imported.channels {
        table.row([
            c.name.clone(),
            number(c.mean_spend, 2),
            number(c.response, 2),
            format!("{:.6}", c.marginal),
            number(c.inflexion, 2),
            number(c.carryover, 2),
        ]);
    }
    let spend: f64 = imported.channels.iter().map(|c| c.mean_spend).sum();
    let response: f64 = imported.channels.iter().map(|c| c.response).sum();
    format!(
        "Imported {} ({}), {} periods {} .. {}\n\n{}\nTotal: spend {} per period, response {} per period\nWrote {}\n",
        args.file.display(),
        imported.version,
        imported.dates.len(),
        args.from,
        args.to,
        table.render(),
        number(spend, 2),
        number(response, 2),
        args.output.display()
    )
}
