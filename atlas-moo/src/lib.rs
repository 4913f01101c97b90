//! Many objectives for Atlas: the weighted-sum scalarizer, weight sweeps and NSGA-II.
//!
//! - [`MultiObjectiveOptimizer`] optimizes a weighted sum of the objectives, each normalized
//!   between its ideal and nadir so that a weight is a share of the trade-off.
//! - [`sweep()`] solves every weight vector of a [`simplex_lattice`] in parallel and flags
//!   abrupt changes of allocation between neighbouring weights.
//! - [`nsga2::run`] maps the Pareto front with NSGA-II, or with NSGA-III's reference
//!   directions ([`nsga3`]) for four or more objectives, on any [`Problem`]. It keeps an
//!   archive of every non-dominated point, stops by generations, evaluations, time or
//!   hypervolume stagnation, and can checkpoint and resume. [`BudgetProblem`] adapts a
//!   decision problem to it, repairing every candidate onto the linear constraints.
//! - [`indicators`] computes exact hypervolume, IGD, IGD+ and spacing, and picks a knee point
//!   or the point closest to given weights; [`test_problems`] has the ZDT and DTLZ problems
//!   with their analytic fronts for checking search settings.
//!
//! ```
//! use atlas_core::ScenarioFile;
//! use atlas_moo::MultiObjectiveOptimizer;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/marketing/scenario.toml");
//! let problem = ScenarioFile::read(path.as_ref())?.build()?;
//! let optimizer = MultiObjectiveOptimizer::new(&problem)?.with_weights(&[0.6, 0.2, 0.2])?;
//! let best = optimizer.optimize()?;
//! assert!(problem.is_feasible(&best.spend));
//! assert!(best.normalized.iter().all(|v| (-1e-9..=1.0 + 1e-9).contains(v)));
//! # Ok::<(), atlas_core::CoreError>(())
//! ```

pub mod budget;
pub mod indicators;
pub mod nsga2;
pub mod nsga3;
pub mod problem;
pub mod request;
pub mod scalarize;
pub mod sweep;
pub mod test_problems;

pub use budget::BudgetProblem;
pub use problem::{Evaluation, Problem, ProblemError};
pub use request::{OptimizationRequest, OptimizationResult};
pub use scalarize::{MultiObjectiveOptimizer, Normalization, WeightedSolution};
pub use sweep::{simplex_lattice, sweep, Sweep};
