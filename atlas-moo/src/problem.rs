//! The contract between the multi-objective search and whatever it optimizes.

use ndarray::{Array1, Array2, ArrayView2};

/// Objective values and constraint violations for one batch of candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// One row per candidate, one column per objective. Every objective is minimized.
    pub objectives: Array2<f64>,
    /// Total constraint violation per candidate: 0 when feasible, positive otherwise.
    pub violation: Array1<f64>,
}

/// Failure of a problem's evaluation, carried through the search unchanged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProblemError(pub String);

/// A box-bounded problem whose objectives are all minimized.
///
/// Maximized quantities are negated by the implementor. `repair` maps a candidate onto the
/// linear feasible set before it is evaluated, so the search only ever evaluates candidates
/// that satisfy the linear constraints.
pub trait Problem: Send + Sync {
    /// Number of decision variables.
    fn n_var(&self) -> usize;

    /// Number of objectives.
    fn n_obj(&self) -> usize;

    /// Lower bound of each decision variable.
    fn lower_bounds(&self) -> &[f64];

    /// Upper bound of each decision variable.
    fn upper_bounds(&self) -> &[f64];

    /// Maps `x` in place onto the linear feasible set. The default clamps to the bounds.
    fn repair(&self, x: &mut [f64]) {
        let lower = self.lower_bounds();
        let upper = self.upper_bounds();
        for ((value, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
            *value = value.clamp(*lo, *hi);
        }
    }

    /// Evaluates a batch of candidates, one per row.
    ///
    /// # Errors
    ///
    /// Returns the problem's own error when the model behind it fails.
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError>;
}
