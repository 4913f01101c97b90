//! The budget problem in the form the Pareto search takes: every objective minimized, every
//! candidate repaired onto the linear constraints, and any remaining violation reported.

use atlas_core::constraint::{FEASIBILITY_TOLERANCE, NONLINEAR_TOLERANCE};
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

    /// Total relative violation of every constraint at `x`, whose KPI values are `kpis` (rules
    /// on KPIs need them): exactly 0 when every rule is met within its tolerance.
    pub fn violation(&self, x: &[f64], kpis: Option<&[f64]>) -> f64 {
        let total: f64 = x.iter().sum();
        self.problem
            .constraints
            .iter()
            .map(|constraint| {
                let tolerance = if constraint.is_nonlinear() {
                    NONLINEAR_TOLERANCE
                } else {
                    FEASIBILITY_TOLERANCE
                };
                (
                    constraint.relative_slack_with_total(x, total, kpis),
                    tolerance,
                )
            })
            .filter(|(slack, tolerance)| *slack < -tolerance)
            .map(|(slack, _)| -slack)
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
        // Rules on KPIs need the model's values, evaluated once for the batch.
        let kpis = if self.problem.has_nonlinear_rules() {
            Some(
                self.problem
                    .model
                    .evaluate(x)
                    .map_err(|e| ProblemError(e.to_string()))?,
            )
        } else {
            None
        };
        let violation: Array1<f64> = x
            .outer_iter()
            .enumerate()
            .map(|(n, row)| {
                let values = kpis.as_ref().map(|k| k.row(n).to_vec());
                self.violation(&row.to_vec(), values.as_deref())
            })
            .collect();
        Ok(Evaluation {
            objectives,
            violation,
        })
    }
}
