//! The model contract: however a model was fitted, Atlas only calls it on batches of plans.

use std::fmt::Debug;

use ndarray::{Array2, Array3, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::CoreError;

/// A fitted response model, seen from the optimizer.
///
/// A batch is a 2-D array with one candidate plan per row and one column per channel, in the
/// order of [`ResponseModel::channels`]. The model returns one row per candidate and one
/// column per KPI, in the order of [`ResponseModel::kpis`]. Batches are what let remote models,
/// external processes and rayon be fast, so solvers always evaluate whole batches.
pub trait ResponseModel: Send + Sync + Debug {
    /// Channel names, in column order of every batch.
    fn channels(&self) -> &[String];

    /// KPI names, in column order of every result.
    fn kpis(&self) -> &[String];

    /// Evaluates every KPI for every candidate of `spend` (candidates x channels).
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Model`] when the batch has the wrong number of columns or the model
    /// fails.
    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError>;

    /// Per-channel contributions of one plan: channels x KPIs, without any baseline.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Model`] when the plan has the wrong length or the model fails.
    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError>;

    /// Gradient of every KPI with respect to every channel's spend at one plan (KPIs x
    /// channels), or `None` when the model cannot differentiate itself.
    fn gradient(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array2<f64>, CoreError>> {
        let _ = spend;
        None
    }

    /// Number of posterior draws of the model's parameters; 1 for a point estimate.
    fn draws(&self) -> usize {
        1
    }

    /// Evaluates every KPI for every candidate in every draw: draws x candidates x KPIs.
    /// [`ResponseModel::evaluate`] returns the mean over draws.
    ///
    /// # Errors
    ///
    /// Returns the errors of [`ResponseModel::evaluate`].
    fn evaluate_draws(&self, spend: ArrayView2<'_, f64>) -> Result<Array3<f64>, CoreError> {
        Ok(self.evaluate(spend)?.insert_axis(Axis(0)))
    }

    /// Gradient of every KPI in every draw at one plan (draws x KPIs x channels), or `None`
    /// when the model cannot differentiate itself. A model that overrides
    /// [`ResponseModel::evaluate_draws`] overrides this too; with fewer draws than
    /// `evaluate_draws`, risk objectives fall back to finite differences.
    fn gradient_draws(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array3<f64>, CoreError>> {
        self.gradient(spend)
            .map(|result| result.map(|g| g.insert_axis(Axis(0))))
    }

    /// Returns whether the total of each KPI is a sum of per-channel terms plus a constant.
    fn is_separable(&self) -> bool {
        false
    }

    /// For a separable model, each decision's whole term of each KPI at one plan (decisions x
    /// KPIs), so that every KPI is a constant plus the sum of the terms. `None` when
    /// [`ResponseModel::contributions`] already add up so, or the model is not separable.
    fn separable_terms(
        &self,
        spend: ArrayView1<'_, f64>,
    ) -> Option<Result<Array2<f64>, CoreError>> {
        let _ = spend;
        None
    }

    /// Returns whether each channel's contribution to each KPI is monotone in that channel's
    /// spend (non-decreasing or non-increasing). The `exact` solver's optimality bound relies
    /// on it.
    fn has_monotone_contributions(&self) -> bool {
        false
    }
}

/// Checks that a batch has one column per model channel.
///
/// # Errors
///
/// Returns [`CoreError::Model`] naming the expected and found column counts.
pub fn check_columns(model: &dyn ResponseModel, columns: usize) -> Result<(), CoreError> {
    let expected = model.channels().len();
    if columns == expected {
        Ok(())
    } else {
        Err(CoreError::Model(format!(
            "a plan has {columns} values but the model has {expected} channels ({}): \
             give one spend per channel",
            model.channels().join(", ")
        )))
    }
}

/// Fills a candidates x KPIs array with `fill(plan, row)`, candidates in parallel once the
/// batch has at least `parallel_rows` of them.
pub(crate) fn fill_rows<F>(
    spend: ArrayView2<'_, f64>,
    kpis: usize,
    parallel_rows: usize,
    fill: F,
) -> Array2<f64>
where
    F: Fn(ArrayView1<'_, f64>, &mut [f64]) + Sync,
{
    let mut out = Array2::zeros((spend.nrows(), kpis));
    let task = |(mut row, plan): (ArrayViewMut1<'_, f64>, ArrayView1<'_, f64>)| {
        if let Some(slice) = row.as_slice_mut() {
            fill(plan, slice);
        }
    };
    let rows = out.axis_iter_mut(Axis(0));
    if spend.nrows() >= parallel_rows {
        rows.into_par_iter()
            .zip(spend.axis_iter(Axis(0)).into_par_iter())
            .for_each(task);
    } else {
        rows.zip(spend.axis_iter(Axis(0))).for_each(task);
    }
    out
}

/// Fills a draws x candidates x KPIs array with `fill(plan, draw, row)`. Each candidate owns a
/// draws x KPIs block, so candidates run in parallel once there are `parallel_rows` of them.
pub(crate) fn fill_draws<F>(
    spend: ArrayView2<'_, f64>,
    draws: usize,
    kpis: usize,
    parallel_rows: usize,
    fill: F,
) -> Array3<f64>
where
    F: Fn(ArrayView1<'_, f64>, usize, &mut [f64]) + Sync,
{
    let mut out = Array3::zeros((draws, spend.nrows(), kpis));
    let task = |(mut block, plan): (ArrayViewMut2<'_, f64>, ArrayView1<'_, f64>)| {
        for (draw, mut row) in block.axis_iter_mut(Axis(0)).enumerate() {
            if let Some(slice) = row.as_slice_mut() {
                fill(plan, draw, slice);
            }
        }
    };
    let blocks = out.axis_iter_mut(Axis(1));
    if spend.nrows() >= parallel_rows {
        blocks
            .into_par_iter()
            .zip(spend.axis_iter(Axis(0)).into_par_iter())
            .for_each(task);
    } else {
        blocks.zip(spend.axis_iter(Axis(0))).for_each(task);
    }
    out
}
