//! Multi-objective layer of Atlas.
pub mod budget;
pub mod indicators;
pub mod nsga2;
pub mod problem;
pub mod scalarize;
pub mod sweep;
pub mod test_problems;

pub use budget::BudgetProblem;
pub use problem::{Evaluation, Problem, ProblemError};
pub use scalarize::{MultiObjectiveOptimizer, Normalization, WeightedSolution};
pub use sweep::{simplex_lattice, sweep, Sweep};
