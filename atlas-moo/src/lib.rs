//! Multi-objective layer of Atlas.
pub mod problem;

pub use problem::{Evaluation, Problem, ProblemError};
