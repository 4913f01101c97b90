//! A decision problem ready to solve: space, model, constraints, objectives and current plan.

use std::sync::Arc;

use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};
use serde::Serialize;

use crate::constraint::{check_all, share_conflict, Constraint, ConstraintCheck};
use crate::error::CoreError;
use crate::flighting::Layout;
use crate::model::ResponseModel;
use crate::objective::{Measure, Objective, Risk};
use crate::projection::LinearSet;
use crate::solve::{Limits, Method, Scalarizer};
use crate::space::DecisionSpace;

/// Settings of the solvers, from the scenario's `[solver]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolverSettings {
    /// Seed of every random choice.
    pub seed: u64,
    /// NSGA-II population size.
    pub population: usize,
    /// NSGA-II generations.
    pub generations: usize,
    /// Divisions of each weight in a sweep: weights are multiples of `1 / sweep_steps`.
    pub sweep_steps: usize,
    /// Starting points of each single-objective solve.
    pub starts: usize,
    /// Most iterations of each start.
    pub max_iterations: usize,
    /// The single-objective solver.
    pub method: Method,
    /// Limits on evaluations and time of each solve.
    pub limits: Limits,
    /// Rule by which the optimizer turns several objectives into one scalar.
    pub scalarizer: Scalarizer,
}

impl Default for SolverSettings {
    fn default() -> Self {
        Self {
            seed: 1,
            population: 100,
            generations: 250,
            sweep_steps: 10,
            starts: 8,
            max_iterations: 500,
            method: Method::Auto,
            limits: Limits::default(),
            scalarizer: Scalarizer::WeightedSum,
        }
    }
}

impl SolverSettings {
    /// Checks every setting against its accepted range, naming the `[solver]` key.
    ///
    /// The upper limits keep a typo from exhausting memory: a population of 100,000 over a
    /// million generations is already far beyond any planning run.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming the key, its value and the accepted range.
    pub fn validate(&self) -> Result<(), CoreError> {
        let ranges = [
            ("population", self.population, 4, 100_000),
            ("generations", self.generations, 1, 1_000_000),
            ("sweep_steps", self.sweep_steps, 1, 10_000),
            ("starts", self.starts, 1, 10_000),
            ("max_iterations", self.max_iterations, 1, 1_000_000),
        ];
        if let Some(most) = self.limits.max_evaluations {
            if most == 0 {
                return Err(CoreError::invalid(
                    "solver.max_evaluations",
                    "0 is out of range: use at least 1, or leave the key out for no limit",
                ));
            }
        }
        if let Some(seconds) = self.limits.max_seconds {
            if !(seconds > 0.0 && seconds <= crate::solve::MAX_SECONDS) {
                return Err(CoreError::invalid(
                    "solver.max_seconds",
                    format!(
                        "{seconds} is out of range: use a number of seconds above 0 and at most \
                         {:e}, or leave the key out for no limit",
                        crate::solve::MAX_SECONDS
                    ),
                ));
            }
        }
        for (key, value, least, most) in ranges {
            if !(least..=most).contains(&value) {
                return Err(CoreError::invalid(
                    format!("solver.{key}"),
                    format!("{value} is out of range: use {least} to {most}"),
                ));
            }
        }
        Ok(())
    }
}

/// A validated decision problem.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Scenario name.
    pub name: String,
    /// Currency code or symbol of every amount.
    pub currency: String,
    /// The period one plan covers, for example `week`.
    pub period: Option<String>,
    /// Channels and groups; with a plan over periods, one entry per cell.
    pub space: DecisionSpace,
    /// The cells of a plan over periods and geos; `None` when each channel is one decision.
    pub layout: Option<Layout>,
    /// The fitted model.
    pub model: Arc<dyn ResponseModel>,
    /// Every business rule, named.
    pub constraints: Vec<Constraint>,
    /// The linear rules compiled for repair.
    pub linear: LinearSet,
    /// Objectives with weights that sum to 1.
    pub objectives: Vec<Objective>,
    /// Current spend per channel.
    pub current: Vec<f64>,
    /// Solver settings.
    pub solver: SolverSettings,
}

/// KPIs, objectives, contributions and constraint checks of one plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanEvaluation {
    /// Spend per channel, in decision order.
    pub spend: Vec<f64>,
    /// Every KPI's value, in model order.
    pub kpis: Vec<f64>,
    /// Every objective's value, in objective order.
    pub objectives: Vec<f64>,
    /// Per-channel contribution to each KPI (channels x KPIs).
    pub contributions: Vec<Vec<f64>>,
    /// Per-channel marginal response of each KPI per unit of spend (channels x KPIs).
    pub marginals: Vec<Vec<f64>>,
    /// Every constraint at this plan.
    pub checks: Vec<ConstraintCheck>,
}

impl Problem {
    /// Number of channels.
    pub fn n_channels(&self) -> usize {
        self.space.len()
    }

    /// Channel names: the decisions, or with a plan over periods the channels that own the
    /// cells.
    pub fn channel_names(&self) -> Vec<String> {
        match &self.layout {
            Some(layout) => layout.channels().to_vec(),
            None => self.space.names(),
        }
    }

    /// Sums one value per decision by channel; with one decision per channel, a copy.
    pub fn by_channel(&self, values: &[f64]) -> Vec<f64> {
        match &self.layout {
            Some(layout) => layout.channel_totals(values),
            None => values.to_vec(),
        }
    }

    /// KPI names of the model.
    pub fn kpi_names(&self) -> &[String] {
        self.model.kpis()
    }

    /// Maps `x` onto the linear constraints.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Infeasible`] when the group shares cannot hold together with the
    /// budget and bounds.
    pub fn repair(&self, x: &mut [f64]) -> Result<(), CoreError> {
        self.linear
            .project(x)
            .map_err(|failure| share_conflict(&self.constraints, &failure, &self.currency))
    }

    /// Returns whether some constraint is on KPIs, so that checking a plan needs the model.
    pub fn has_nonlinear_rules(&self) -> bool {
        self.constraints.iter().any(Constraint::is_nonlinear)
    }

    /// Evaluates every constraint at `x`; rules on KPIs evaluate the model, and a model
    /// failure makes them violated.
    pub fn check(&self, x: &[f64]) -> Vec<ConstraintCheck> {
        let kpis = self.has_nonlinear_rules().then(|| {
            let batch = ArrayView1::from(x).insert_axis(Axis(0));
            self.model
                .evaluate(batch)
                .map(|values| values.row(0).to_vec())
                .unwrap_or_else(|_| vec![f64::NAN; self.model.kpis().len()])
        });
        check_all(&self.constraints, x, kpis.as_deref())
    }

    /// Returns whether `x` satisfies every constraint.
    pub fn is_feasible(&self, x: &[f64]) -> bool {
        self.check(x).iter().all(|c| c.satisfied)
    }

    /// Objective values (natural units, in objective order) for a batch of plans.
    ///
    /// # Errors
    ///
    /// Returns the model's error, or [`CoreError::Model`] when it returns a value that is not
    /// finite.
    pub fn objective_values(&self, plans: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let mut out = Array2::zeros((plans.nrows(), self.objectives.len()));
        if self.uses_draws() {
            let draws = self.model.evaluate_draws(plans)?;
            for (j, objective) in self.objectives.iter().enumerate() {
                for n in 0..plans.nrows() {
                    out[[n, j]] = match objective.measure {
                        Measure::Kpi(k) => {
                            let values = draws.slice(s![.., n, k]).to_vec();
                            let weights = objective.risk.draw_weights(&values, objective.sense);
                            weights.iter().zip(&values).map(|(w, v)| w * v).sum()
                        }
                        Measure::TotalSpend => plans.row(n).sum(),
                    };
                }
            }
        } else {
            let kpis = self.model.evaluate(plans)?;
            for (j, objective) in self.objectives.iter().enumerate() {
                let column = match objective.measure {
                    Measure::Kpi(k) => kpis.column(k).to_owned(),
                    Measure::TotalSpend => plans.sum_axis(Axis(1)),
                };
                out.column_mut(j).assign(&column);
            }
        }
        if let Some(bad) = out.iter().find(|v| !v.is_finite()) {
            return Err(CoreError::Model(format!(
                "the model returned {bad} for an objective: check its parameters"
            )));
        }
        Ok(out)
    }

    /// Returns whether some objective summarizes draws other than by their mean, which the
    /// model's mean output cannot give.
    fn uses_draws(&self) -> bool {
        self.model.draws() > 1 && self.objectives.iter().any(|o| o.risk != Risk::Mean)
    }

    /// Gradient of every objective at one plan (objectives x channels), from the model's own
    /// gradient or, when it has none, central finite differences.
    ///
    /// # Errors
    ///
    /// Returns the model's error.
    pub fn objective_gradient(&self, x: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        if self.uses_draws() {
            return self.risk_gradient(x);
        }
        let kpi_gradient = match self.model.gradient(x) {
            Some(gradient) => gradient?,
            None => self.finite_difference_gradient(x)?,
        };
        let mut out = Array2::zeros((self.objectives.len(), x.len()));
        for (j, objective) in self.objectives.iter().enumerate() {
            match objective.measure {
                Measure::Kpi(k) => out.row_mut(j).assign(&kpi_gradient.row(k)),
                Measure::TotalSpend => out.row_mut(j).fill(1.0),
            }
        }
        Ok(out)
    }

    /// Gradient of risk summaries: each draw's gradient weighted as the summary weights the
    /// draw's value. Quantiles and CVaR are not smooth where draws swap order, so this is a
    /// subgradient there.
    fn risk_gradient(&self, x: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let batch = x.insert_axis(Axis(0));
        let values = self.model.evaluate_draws(batch)?;
        let gradients = match self.model.gradient_draws(x) {
            // A model whose gradient covers fewer draws than its values cannot weight them.
            Some(gradients) => gradients?,
            None => return self.objective_finite_differences(x),
        };
        if gradients.shape()[0] != values.shape()[0] {
            return self.objective_finite_differences(x);
        }
        let mut out = Array2::zeros((self.objectives.len(), x.len()));
        for (j, objective) in self.objectives.iter().enumerate() {
            match objective.measure {
                Measure::Kpi(k) => {
                    let draw_values = values.slice(s![.., 0, k]).to_vec();
                    let weights = objective.risk.draw_weights(&draw_values, objective.sense);
                    for (d, weight) in weights.iter().enumerate() {
                        let row = gradients.slice(s![d, k, ..]);
                        out.row_mut(j).scaled_add(*weight, &row);
                    }
                }
                Measure::TotalSpend => out.row_mut(j).fill(1.0),
            }
        }
        Ok(out)
    }

    /// Central finite differences of the objective values themselves.
    fn objective_finite_differences(
        &self,
        x: ArrayView1<'_, f64>,
    ) -> Result<Array2<f64>, CoreError> {
        central_differences(x, |plans| self.objective_values(plans))
    }

    fn finite_difference_gradient(&self, x: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        central_differences(x, |plans| self.model.evaluate(plans))
    }

    /// Gradient of every KPI (mean over draws) at one plan, KPIs x channels, from the model's
    /// own gradient or central differences.
    ///
    /// # Errors
    ///
    /// Returns the model's error.
    pub fn kpi_gradient(&self, x: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        match self.model.gradient(x) {
            Some(gradient) => gradient,
            None => self.finite_difference_gradient(x),
        }
    }

    /// Evaluates one plan in full: KPIs, objectives, contributions, marginals, constraints.
    ///
    /// # Errors
    ///
    /// Returns the model's error.
    pub fn evaluate_plan(&self, x: &[f64]) -> Result<PlanEvaluation, CoreError> {
        let row = ArrayView1::from(x);
        let batch = row.insert_axis(Axis(0));
        let kpis = self.model.evaluate(batch)?.row(0).to_vec();
        let objectives = self.objective_values(batch)?.row(0).to_vec();
        let contributions = self.model.contributions(row)?;
        let gradient = match self.model.gradient(row) {
            Some(gradient) => gradient?,
            None => self.finite_difference_gradient(row)?,
        };
        Ok(PlanEvaluation {
            spend: x.to_vec(),
            kpis,
            objectives,
            contributions: contributions.outer_iter().map(|r| r.to_vec()).collect(),
            marginals: gradient.t().outer_iter().map(|r| r.to_vec()).collect(),
            checks: self.check(x),
        })
    }
}

/// Central finite differences of `evaluate` at `x` (outputs x inputs), in one batch of two
/// plans per input. A step that would make spend negative is shortened to stop at 0.
fn central_differences(
    x: ArrayView1<'_, f64>,
    evaluate: impl FnOnce(ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError>,
) -> Result<Array2<f64>, CoreError> {
    let n = x.len();
    let mut plans = Array2::zeros((2 * n, n));
    for i in 0..n {
        let step = 1e-6 * x[i].abs().max(1.0);
        plans.row_mut(2 * i).assign(&x);
        plans.row_mut(2 * i + 1).assign(&x);
        plans[[2 * i, i]] += step;
        plans[[2 * i + 1, i]] = (x[i] - step).max(0.0);
    }
    let values = evaluate(plans.view())?;
    let outputs = values.ncols();
    let mut out = Array2::zeros((outputs, n));
    for i in 0..n {
        let width = plans[[2 * i, i]] - plans[[2 * i + 1, i]];
        for k in 0..outputs {
            out[[k, i]] = (values[[2 * i, k]] - values[[2 * i + 1, k]]) / width;
        }
    }
    Ok(out)
}
