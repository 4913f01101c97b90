//! Atlas turns a fitted response model into budget decisions.
//!
//! This package contains the `atlas` command line and re-exports the three library crates:
//!
//! - [`core`] (`atlas-core`): decision space, model contract, response curves, constraints,
//!   scenario files, the Robyn importer and the single-objective solver.
//! - [`moo`] (`atlas-moo`): the weighted-sum `MultiObjectiveOptimizer`, weight sweeps, NSGA-II
//!   and quality indicators.
//! - [`report`] (`atlas-report`): Pareto fronts and per-weight allocations as SVG and PNG.
//!
//! ```
//! use atlas::core::ScenarioFile;
//! use atlas::moo::MultiObjectiveOptimizer;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/marketing/scenario.toml");
//! let problem = ScenarioFile::read(path.as_ref())?.build()?;
//! let best = MultiObjectiveOptimizer::new(&problem)?.optimize()?;
//! assert!(problem.is_feasible(&best.spend));
//! # Ok::<(), atlas::core::CoreError>(())
//! ```

pub use atlas_core as core;
pub use atlas_moo as moo;
pub use atlas_report as report;
