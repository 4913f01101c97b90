//! Flighting: a plan of spend per channel and per period, where adstock carries each period's
//! spend into later ones.
//!
//! The decision cells are channel x period, named `channel@period` and ordered channel by
//! channel. For channel `c`, KPI `k` and period `t` the realized response is
//!
//! ```text
//! level[t] = sum_l w[l] * units[t - l] + carryover      units = spend / cost_per_unit
//! response[t] = coefficient * saturation(level[t])        (adstock first)
//! response[t] = coefficient * sum_l w[l] * saturation(units[t - l])   (saturation first)
//! ```
//!
//! with the adstock weights `w` of the curve. A KPI's value is the sum over the plan's periods
//! of its baseline and its channels' responses. With `count_tail`, the periods after the plan
//! that its spend still reaches (up to the longest lag) count too, so late spend is not
//! undervalued. Spend before the first period enters through each curve's `carryover`.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::curve::{CurveSpec, Order, ResponseCurve};
use crate::error::CoreError;
use crate::model::{check_columns, ResponseModel};

/// One channel's curve for one KPI with its adstock weights, precomputed for evaluation.
#[derive(Debug, Clone, PartialEq)]
struct FlightedCurve {
    curve: ResponseCurve,
    weights: Vec<f64>,
}

impl FlightedCurve {
    /// Media units bought by each period's spend.
    fn units(&self, spend: &[f64]) -> Vec<f64> {
        spend
            .iter()
            .map(|x| x.max(0.0) / self.curve.cost_per_unit)
            .collect()
    }

    /// Adstock of `series` in each of `horizon` periods: `sum_l w[l] * series[t - l]` over the
    /// lags that reach back into the series.
    fn convolve(&self, series: &[f64], horizon: usize) -> Vec<f64> {
        (0..horizon)
            .map(|t| {
                let first = (t + 1).saturating_sub(series.len());
                let last = t.min(self.weights.len() - 1);
                (first..=last)
                    .map(|l| self.weights[l] * series[t - l])
                    .sum()
            })
            .collect()
    }
}

/// A response-curve model over channel x period cells.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightedModel {
    channels: Vec<String>,
    periods: Vec<String>,
    cells: Vec<String>,
    kpis: Vec<String>,
    baselines: Vec<f64>,
    /// `curves[k][c]` is channel `c`'s curve for KPI `k`.
    curves: Vec<Vec<Option<FlightedCurve>>>,
    /// Periods evaluated: the plan's, plus the tail when it counts.
    horizon: usize,
}

impl FlightedModel {
    /// Builds the model. `baselines` has one value per KPI, counted once in every period.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for no period, a period named twice, a KPI named twice, an
    /// unknown channel or KPI in a curve, a pair given twice, an invalid curve, or curves with
    /// posterior draws, which flighted models do not evaluate yet.
    pub fn new(
        channels: Vec<String>,
        periods: Vec<String>,
        kpis: Vec<String>,
        baselines: Vec<f64>,
        specs: &[CurveSpec],
        count_tail: bool,
    ) -> Result<Self, CoreError> {
        check_periods(&periods)?;
        let point = crate::curve::ResponseCurveModel::new(
            channels.clone(),
            kpis.clone(),
            baselines,
            specs,
        )?;
        let mut curves = vec![vec![None; channels.len()]; kpis.len()];
        let mut longest = 0;
        for (index, spec) in specs.iter().enumerate() {
            if !spec.draws.is_empty() {
                return Err(CoreError::invalid(
                    format!("model.curves[{index}].draws"),
                    "posterior draws are not evaluated over periods yet: remove them or plan \
                     without periods",
                ));
            }
            let k = position(&kpis, &spec.kpi);
            let c = position(&channels, &spec.channel);
            if let Some(curve) = point.curve(k, c) {
                let weights = curve.adstock().weights();
                longest = longest.max(weights.len() - 1);
                curves[k][c] = Some(FlightedCurve {
                    curve: *curve,
                    weights,
                });
            }
        }
        let cells = channels
            .iter()
            .flat_map(|c| periods.iter().map(move |p| format!("{c}@{p}")))
            .collect();
        let horizon = periods.len() + if count_tail { longest } else { 0 };
        Ok(Self {
            baselines: point.baselines().to_vec(),
            channels,
            periods,
            cells,
            kpis,
            curves,
            horizon,
        })
    }

    /// Channel names.
    pub fn channel_names(&self) -> &[String] {
        &self.channels
    }

    /// Period names.
    pub fn periods(&self) -> &[String] {
        &self.periods
    }

    /// Position of the cell of `channel` (by position) in period `period` (by position).
    pub fn cell(&self, channel: usize, period: usize) -> usize {
        channel * self.periods.len() + period
    }

    /// Per-period realized response of one curve to one channel's spend series.
    fn responses(&self, curve: &FlightedCurve, spend: &[f64]) -> Vec<f64> {
        let r = &curve.curve;
        let units = curve.units(spend);
        match r.order {
            Order::AdstockFirst => curve
                .convolve(&units, self.horizon)
                .into_iter()
                .map(|level| r.coefficient * r.saturation.value(level + r.carryover))
                .collect(),
            Order::SaturationFirst => {
                let saturated: Vec<f64> = units.iter().map(|u| r.saturation.value(*u)).collect();
                curve
                    .convolve(&saturated, self.horizon)
                    .into_iter()
                    .map(|total| r.coefficient * total)
                    .collect()
            }
        }
    }

    /// Derivative of one curve's total response with respect to each period's spend.
    fn marginals(&self, curve: &FlightedCurve, spend: &[f64]) -> Vec<f64> {
        let r = &curve.curve;
        let units = curve.units(spend);
        // Slope of the saturation in each period it applies to, computed once per period.
        let slopes: Vec<f64> = match r.order {
            Order::AdstockFirst => curve
                .convolve(&units, self.horizon)
                .into_iter()
                .map(|level| r.saturation.derivative(level + r.carryover))
                .collect(),
            Order::SaturationFirst => units.iter().map(|u| r.saturation.derivative(*u)).collect(),
        };
        (0..spend.len())
            .map(|s| {
                let reached = curve.weights.iter().enumerate().take(self.horizon - s);
                let total: f64 = match r.order {
                    Order::AdstockFirst => reached.map(|(l, w)| w * slopes[s + l]).sum(),
                    Order::SaturationFirst => reached.map(|(_, w)| w).sum::<f64>() * slopes[s],
                };
                r.coefficient * total / r.cost_per_unit
            })
            .collect()
    }

    fn evaluate_row(&self, plan: ArrayView1<'_, f64>, out: &mut [f64]) {
        let periods = self.periods.len();
        let row = plan
            .as_slice()
            .map_or_else(|| plan.to_vec(), <[f64]>::to_vec);
        for (k, value) in out.iter_mut().enumerate() {
            let mut total = self.baselines[k] * periods as f64;
            for (c, curve) in self.curves[k].iter().enumerate() {
                if let Some(curve) = curve {
                    let series = &row[c * periods..(c + 1) * periods];
                    total += self.responses(curve, series).iter().sum::<f64>();
                }
            }
            *value = total;
        }
    }
}

fn check_periods(periods: &[String]) -> Result<(), CoreError> {
    if periods.is_empty() {
        return Err(CoreError::invalid(
            "periods",
            "no period is listed: name at least one",
        ));
    }
    for (index, period) in periods.iter().enumerate() {
        if periods[..index].contains(period) {
            return Err(CoreError::invalid(
                format!("periods[{index}]"),
                format!("period `{period}` is named twice: give each period a unique name"),
            ));
        }
    }
    Ok(())
}

/// Position of `name`, which [`crate::curve::ResponseCurveModel::new`] has already found.
fn position(names: &[String], name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap_or(0)
}

/// Batches at least this long are split across rayon's threads.
const PARALLEL_ROWS: usize = 16;

impl ResponseModel for FlightedModel {
    // The optimizer's decision variables are the cells, so the contract's channels are cells.
    #[allow(clippy::misnamed_getters)]
    fn channels(&self) -> &[String] {
        &self.cells
    }

    fn kpis(&self) -> &[String] {
        &self.kpis
    }

    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        let mut out = Array2::zeros((spend.nrows(), self.kpis.len()));
        let rows = out.axis_iter_mut(Axis(0));
        let fill = |(mut row, plan): (ndarray::ArrayViewMut1<'_, f64>, ArrayView1<'_, f64>)| {
            if let Some(slice) = row.as_slice_mut() {
                self.evaluate_row(plan, slice);
            }
        };
        if spend.nrows() >= PARALLEL_ROWS {
            rows.into_par_iter()
                .zip(spend.axis_iter(Axis(0)).into_par_iter())
                .for_each(fill);
        } else {
            rows.zip(spend.axis_iter(Axis(0))).for_each(fill);
        }
        Ok(out)
    }

    /// Response realized in each cell's period from its channel, cells x KPIs. The periods of
    /// the tail are not cells, so their response counts in the KPI but not here.
    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.len())?;
        let periods = self.periods.len();
        let row = spend.to_vec();
        let mut out = Array2::zeros((self.cells.len(), self.kpis.len()));
        for (k, curves) in self.curves.iter().enumerate() {
            for (c, curve) in curves.iter().enumerate() {
                if let Some(curve) = curve {
                    let responses = self.responses(curve, &row[c * periods..(c + 1) * periods]);
                    for t in 0..periods {
                        out[[self.cell(c, t), k]] = responses[t];
                    }
                }
            }
        }
        Ok(out)
    }

    fn gradient(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array2<f64>, CoreError>> {
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        let periods = self.periods.len();
        let row = spend.to_vec();
        let mut out = Array2::zeros((self.kpis.len(), self.cells.len()));
        for (k, curves) in self.curves.iter().enumerate() {
            for (c, curve) in curves.iter().enumerate() {
                if let Some(curve) = curve {
                    let marginals = self.marginals(curve, &row[c * periods..(c + 1) * periods]);
                    for (t, marginal) in marginals.into_iter().enumerate() {
                        out[[k, self.cell(c, t)]] = marginal;
                    }
                }
            }
        }
        Some(Ok(out))
    }

    fn is_separable(&self) -> bool {
        false
    }
}
