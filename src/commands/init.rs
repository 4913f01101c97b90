//! `atlas init`: writes a commented example scenario to start from.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use crate::output::write_atomic;
use crate::Global;

/// The scenario `init` writes: every part of a scenario, commented, with a made-up model.
pub const TEMPLATE: &str = include_str!("init_scenario.toml");

/// Arguments of `atlas init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write scenario.toml into; it is created when missing.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Replace an existing scenario.toml in DIR.
    #[arg(long)]
    force: bool,
}

/// Writes DIR/scenario.toml.
pub fn run(args: &InitArgs, global: Global) -> Result<()> {
    let path = args.dir.join("scenario.toml");
    if path.exists() && !args.force {
        return Err(super::InputError(format!(
            "{} already exists: pass --force to replace it, or name another folder",
            path.display()
        ))
        .into());
    }
    if args.dir.exists() && !args.dir.is_dir() {
        return Err(super::InputError(format!(
            "{} is a file, not a folder: name a folder for scenario.toml",
            args.dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(&args.dir).map_err(|error| {
        super::InputError(format!(
            "cannot create folder {}: {error}; name a folder you can write to",
            args.dir.display()
        ))
    })?;
    write_atomic(&path, TEMPLATE.as_bytes())?;
    let text = next_steps(&path);
    super::emit(global, &text, &serde_json::json!({ "scenario": path }))
}

fn next_steps(path: &Path) -> String {
    let shown = path.display();
    format!(
        "Wrote {shown}, a commented example scenario with 4 channels and 2 KPIs.\n\
         Replace its model with yours, then:\n  \
         atlas validate {shown}\n  \
         atlas optimize {shown} --charts charts\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_builds_a_feasible_problem() {
        let problem = atlas_core::ScenarioFile::parse(TEMPLATE, "scenario.toml")
            .expect("template parses")
            .build()
            .expect("template builds");
        assert_eq!(problem.n_channels(), 4);
        assert_eq!(problem.kpi_names(), ["revenue", "awareness"]);
        assert!(problem.is_feasible(&problem.current));
    }
}
