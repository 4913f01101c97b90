//! The budget problem in the form the Pareto search takes: every objective minimized, every
//! candidate repaired onto the linear constraints, and any remaining violation reported.

use atlas_core::constraint::FEASIBILITY_TOLERANCE;
use atlas_core::objective::Sense;
use atlas_core::problem::Problem as DecisionProblem;
use ndarray::{Array1, ArrayView2};

use crate::problem::{Evaluation, Problem, ProblemError};

/// Adapts a decision problem to the [`Problem`] contract of the search.
#[derive(Debug, Clone)]
pub struct BudgetProblem<'a> {
    problem: &'a DecisionProblem,
}

impl<'a> BudgetProblem<'a> {
    /// Wraps `problem`.
    pub fn new(problem: &'a DecisionProblem) -> Self {
        Self { problem }
    }

    /// Total relative violation of every constraint at `x`: exactly 0 when all hold within
    /// [`FEASIBILITY_TOLERANCE`].
    pub fn violation(&self, x: &[f64]) -> f64 {
        let total: f64 = x.iter().sum();
        self.problem
            .constraints
            .iter()
            .map(|constraint| constraint.relative_slack_with_total(x, total))
            .filter(|slack| *slack < -FEASIBILITY_TOLERANCE)
            .map(|slack| -slack)
            .sum()
    }
}

impl Problem for BudgetProblem<'_> {
    fn n_var(&self) -> usize {
        self.problem.n_channels()
    }

    fn n_obj(&self) -> usize {
        self.problem.objectives.len()
    }

    fn lower_bounds(&self) -> &[f64] {
        &self.problem.linear.lower
    }

    fn upper_bounds(&self) -> &[f64] {
        &self.problem.linear.upper
    }

    fn repair(&self, x: &mut [f64]) {
        // A plan that repair cannot fix keeps its violation, which evaluation reports.
        if self.problem.repair(x).is_err() {
            tracing::trace!("repair left a candidate infeasible");
        }
    }

    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let mut objectives = self
            .problem
            .objective_values(x)
            .map_err(|e| ProblemError(e.to_string()))?;
        for (j, objective) in self.problem.objectives.iter().enumerate() {
            if objective.sense == Sense::Maximize {
                objectives.column_mut(j).mapv_inplace(|v| -v);
            }
        }
        let violation: Array1<f64> = x
            .outer_iter()
            .map(|row| match row.as_slice() {
                Some(slice) => self.violation(slice),
                None => self.violation(&row.to_vec()),
            })
            .collect();
        Ok(Evaluation {
            objectives,
            violation,
        })
    }
}
