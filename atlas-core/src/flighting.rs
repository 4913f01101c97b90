//! Flighting: a plan of spend per channel, period and (optionally) geo, where adstock carries
//! each period's spend into later ones.
//!
//! The decision cells are channel x geo x period, named `channel@period` without geos and
//! `channel@geo@period` with them, and ordered channel by channel, then geo by geo, so that
//! one channel's periods in one geo are adjacent. For channel `c`, geo `g`, KPI `k` and period
//! `t` the realized response is
//!
//! ```text
//! level[t] = sum_l w[l] * units[t - l] + carryover      units = spend / cost_per_unit
//! response[t] = coefficient * saturation(level[t])        (adstock first)
//! response[t] = coefficient * sum_l w[l] * saturation(units[t - l])   (saturation first)
//! ```
//!
//! with the adstock weights `w` of the curve that channel has for that KPI in that geo. A
//! KPI's value is the sum over the plan's periods of its baseline and of every channel's
//! response in every geo. With `count_tail`, the periods after the plan that its spend still
//! reaches (up to the longest lag) count too, so late spend is not undervalued. Spend before
//! the first period enters through each curve's `carryover`.
//!
//! A masked cell (a channel not sold in a geo, or not bookable in a period) takes no spend: the
//! model reads its spend as 0 and its gradient is 0. With posterior draws, every quantity is
//! computed per draw and [`ResponseModel::evaluate`] returns the mean.

use ndarray::{Array2, Array3, ArrayView1, ArrayView2, Axis};

use crate::curve::{find, model_draw_count, validate_kpis, CurveSpec, Order, ResponseCurve};
use crate::error::CoreError;
use crate::model::{check_columns, fill_draws, fill_rows, ResponseModel};

/// The cells of a flighted plan: channel x geo x period, with a mask.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    channels: Vec<String>,
    geos: Vec<String>,
    periods: Vec<String>,
    names: Vec<String>,
    masked: Vec<bool>,
}

/// Position of a cell in a [`Layout`]: its channel, geo and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coordinates {
    /// Channel position.
    pub channel: usize,
    /// Geo position; 0 when the layout has no geos.
    pub geo: usize,
    /// Period position.
    pub period: usize,
}

impl Layout {
    /// Builds the cells of `channels` over `periods`, in every one of `geos` (none for a plan
    /// without a geo dimension). No cell is masked yet.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for no channel or period, a name given twice, an empty
    /// name, or a name containing `@`, which separates the parts of a cell name.
    pub fn new(
        channels: Vec<String>,
        periods: Vec<String>,
        geos: Vec<String>,
    ) -> Result<Self, CoreError> {
        check_names(("channels", ".name"), "channel", &channels, false)?;
        check_names(("plan.periods", ""), "period", &periods, false)?;
        check_names(("plan.geos", ""), "geo", &geos, true)?;
        let mut names = Vec::with_capacity(channels.len() * geos.len().max(1) * periods.len());
        for channel in &channels {
            if geos.is_empty() {
                names.extend(periods.iter().map(|p| format!("{channel}@{p}")));
            } else {
                for geo in &geos {
                    names.extend(periods.iter().map(|p| format!("{channel}@{geo}@{p}")));
                }
            }
        }
        let masked = vec![false; names.len()];
        Ok(Self {
            channels,
            geos,
            periods,
            names,
            masked,
        })
    }

    /// Masks the cells of `channel` in geo `geo` (every geo when `None`) and period `period`
    /// (every period when `None`). Positions outside the layout mask nothing.
    pub fn mask(&mut self, channel: usize, geo: Option<usize>, period: Option<usize>) {
        let inside = channel < self.channels.len()
            && geo.is_none_or(|g| g < self.geo_count())
            && period.is_none_or(|t| t < self.periods.len());
        if !inside {
            return;
        }
        for g in geo.map_or(0..self.geo_count(), |g| g..g + 1) {
            for t in period.map_or(0..self.periods.len(), |t| t..t + 1) {
                let cell = self.cell(channel, g, t);
                if let Some(flag) = self.masked.get_mut(cell) {
                    *flag = true;
                }
            }
        }
    }

    /// Channel names.
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// Geo names; empty when the plan has no geo dimension.
    pub fn geos(&self) -> &[String] {
        &self.geos
    }

    /// Period names.
    pub fn periods(&self) -> &[String] {
        &self.periods
    }

    /// Number of geos, 1 when the plan has no geo dimension.
    pub fn geo_count(&self) -> usize {
        self.geos.len().max(1)
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Returns whether the layout has no cell (never true for a layout built by [`Layout::new`]).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Cell names in decision order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Position of the cell of channel `channel`, geo `geo` and period `period`.
    pub fn cell(&self, channel: usize, geo: usize, period: usize) -> usize {
        (channel * self.geo_count() + geo) * self.periods.len() + period
    }

    /// Channel, geo and period of cell `cell`.
    pub fn coordinates(&self, cell: usize) -> Coordinates {
        let periods = self.periods.len();
        let series = cell / periods;
        Coordinates {
            channel: series / self.geo_count(),
            geo: series % self.geo_count(),
            period: cell % periods,
        }
    }

    /// Returns whether cell `cell` is masked.
    pub fn is_masked(&self, cell: usize) -> bool {
        self.masked.get(cell).copied().unwrap_or(false)
    }

    /// Number of masked cells.
    pub fn masked_count(&self) -> usize {
        self.masked.iter().filter(|m| **m).count()
    }

    /// Returns the cells of one channel, in decision order.
    pub fn channel_cells(&self, channel: usize) -> std::ops::Range<usize> {
        let width = self.geo_count() * self.periods.len();
        channel * width..(channel + 1) * width
    }

    /// Sums `values` (one per cell) by channel.
    pub fn channel_totals(&self, values: &[f64]) -> Vec<f64> {
        (0..self.channels.len())
            .map(|c| self.channel_cells(c).filter_map(|i| values.get(i)).sum())
            .collect()
    }

    /// Sums `values` (one per cell) by period, over channels and geos.
    pub fn period_totals(&self, values: &[f64]) -> Vec<f64> {
        let mut totals = vec![0.0; self.periods.len()];
        for (cell, value) in values.iter().enumerate().take(self.len()) {
            totals[self.coordinates(cell).period] += value;
        }
        totals
    }
}

/// Checks a list of names; `(field, key)` names the list and each entry's key in errors.
fn check_names(
    (field, key): (&str, &str),
    what: &str,
    names: &[String],
    may_be_empty: bool,
) -> Result<(), CoreError> {
    if names.is_empty() && !may_be_empty {
        return Err(CoreError::invalid(
            field,
            format!("no {what} is listed: name at least one"),
        ));
    }
    for (index, name) in names.iter().enumerate() {
        let problem = if name.trim().is_empty() {
            Some(format!("{what} name is empty: give it a name"))
        } else if name.contains('@') {
            Some(format!(
                "{what} `{name}` contains `@`, which separates the parts of a cell name: \
                 rename it"
            ))
        } else if names[..index].contains(name) {
            Some(format!(
                "{what} `{name}` is named twice: give each {what} a unique name"
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(CoreError::invalid(
                format!("{field}[{index}]{key}"),
                message,
            ));
        }
    }
    Ok(())
}

/// One channel's curve for one KPI in one geo and one draw, with its adstock weights.
#[derive(Debug, Clone, PartialEq)]
struct FlightedCurve {
    curve: ResponseCurve,
    weights: Vec<f64>,
}

impl FlightedCurve {
    fn new(curve: ResponseCurve) -> Self {
        Self {
            weights: curve.adstock().weights(),
            curve,
        }
    }

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

    /// Realized response in each of `horizon` periods to one spend series.
    fn responses(&self, spend: &[f64], horizon: usize) -> Vec<f64> {
        let r = &self.curve;
        let units = self.units(spend);
        match r.order {
            Order::AdstockFirst => self
                .convolve(&units, horizon)
                .into_iter()
                .map(|level| r.coefficient * r.saturation.value(level + r.carryover))
                .collect(),
            Order::SaturationFirst => {
                let saturated: Vec<f64> = units.iter().map(|u| r.saturation.value(*u)).collect();
                self.convolve(&saturated, horizon)
                    .into_iter()
                    .map(|total| r.coefficient * total)
                    .collect()
            }
        }
    }

    /// Total response over `horizon` periods to one spend series, the sum of
    /// [`FlightedCurve::responses`] without its allocations; `units` is scratch space.
    fn total(&self, spend: &[f64], horizon: usize, units: &mut Vec<f64>) -> f64 {
        let r = &self.curve;
        units.clear();
        units.extend(spend.iter().map(|x| x.max(0.0) / r.cost_per_unit));
        match r.order {
            Order::AdstockFirst => {
                let mut total = 0.0;
                for t in 0..horizon {
                    let first = (t + 1).saturating_sub(units.len());
                    let last = t.min(self.weights.len() - 1);
                    let level: f64 = (first..=last).map(|l| self.weights[l] * units[t - l]).sum();
                    total += r.saturation.value(level + r.carryover);
                }
                r.coefficient * total
            }
            // Each period's saturated units count once per lag that stays within the horizon.
            Order::SaturationFirst => {
                let total: f64 = units
                    .iter()
                    .enumerate()
                    .map(|(s, u)| {
                        let reach: f64 = self.weights.iter().take(horizon - s).sum();
                        reach * r.saturation.value(*u)
                    })
                    .sum();
                r.coefficient * total
            }
        }
    }

    /// Derivative of the total response over `horizon` periods with respect to each period's
    /// spend.
    fn marginals(&self, spend: &[f64], horizon: usize) -> Vec<f64> {
        let r = &self.curve;
        let units = self.units(spend);
        // Slope of the saturation in each period it applies to, computed once per period.
        let slopes: Vec<f64> = match r.order {
            Order::AdstockFirst => self
                .convolve(&units, horizon)
                .into_iter()
                .map(|level| r.saturation.derivative(level + r.carryover))
                .collect(),
            Order::SaturationFirst => units.iter().map(|u| r.saturation.derivative(*u)).collect(),
        };
        (0..spend.len())
            .map(|s| {
                let reached = self.weights.iter().enumerate().take(horizon - s);
                let total: f64 = match r.order {
                    Order::AdstockFirst => reached.map(|(l, w)| w * slopes[s + l]).sum(),
                    Order::SaturationFirst => reached.map(|(_, w)| w).sum::<f64>() * slopes[s],
                };
                r.coefficient * total / r.cost_per_unit
            })
            .collect()
    }
}

/// `curves[d][k][s]`: the curve of series `s` (one channel in one geo) for KPI `k` in draw `d`.
type CurveTable = Vec<Vec<Vec<Option<FlightedCurve>>>>;

/// A response-curve model over channel x geo x period cells.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightedModel {
    layout: Layout,
    kpis: Vec<String>,
    baselines: Vec<f64>,
    curves: CurveTable,
    /// Periods evaluated: the plan's, plus the tail when it counts.
    horizon: usize,
}

impl FlightedModel {
    /// Builds the model. `baselines` has one value per KPI, counted once in every period for
    /// the whole market.
    ///
    /// A curve with a `geo` applies in that geo only; a curve without one applies in every geo
    /// where the channel has no curve of its own for that KPI.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a KPI named twice, a baseline per KPI missing or not
    /// finite, a curve naming an unknown channel, KPI or geo, a `geo` in a plan without geos, a
    /// curve given twice for the same channel, KPI and geo, an invalid curve parameter, or
    /// curves with different numbers of draws.
    pub fn new(
        layout: Layout,
        kpis: Vec<String>,
        baselines: Vec<f64>,
        specs: &[CurveSpec],
        count_tail: bool,
    ) -> Result<Self, CoreError> {
        validate_kpis(&kpis, &baselines)?;
        let fields: Vec<String> = specs.iter().enumerate().map(curve_field).collect();
        let draws = model_draw_count(specs, &fields)?.max(1);
        let mut slots = assign_curves(&layout, &kpis, specs, &fields)?;
        // A channel masked in every period of a geo is not sold there, so its curve, and the
        // carry-over that the curve would add, do not apply in that geo.
        let periods = layout.periods.len();
        for s in 0..slots.first().map_or(0, Vec::len) {
            if (s * periods..(s + 1) * periods).all(|cell| layout.masked[cell]) {
                for row in &mut slots {
                    row[s] = None;
                }
            }
        }
        let mut curves: CurveTable = Vec::with_capacity(draws);
        let mut longest = 0;
        for draw in 0..draws {
            let mut table = vec![vec![None; slots[0].len()]; kpis.len()];
            for (k, row) in slots.iter().enumerate() {
                for (s, slot) in row.iter().enumerate() {
                    let Some(index) = *slot else { continue };
                    let draw = (!specs[index].draws.is_empty()).then_some(draw);
                    let curve = FlightedCurve::new(specs[index].curve_at(&fields[index], draw)?);
                    longest = longest.max(curve.weights.len() - 1);
                    table[k][s] = Some(curve);
                }
            }
            curves.push(table);
        }
        let horizon = layout.periods.len() + if count_tail { longest } else { 0 };
        Ok(Self {
            layout,
            kpis,
            baselines,
            curves,
            horizon,
        })
    }

    /// Returns the cells of the plan.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Number of periods evaluated: the plan's, plus the counted tail.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Returns the plan with every masked cell's spend read as 0.
    fn unmasked(&self, plan: ArrayView1<'_, f64>) -> Vec<f64> {
        plan.iter()
            .zip(&self.layout.masked)
            .map(|(x, masked)| if *masked { 0.0 } else { *x })
            .collect()
    }

    /// Returns the spend series of series `s` (one channel in one geo) within a plan.
    fn series<'a>(&self, row: &'a [f64], s: usize) -> &'a [f64] {
        let periods = self.layout.periods.len();
        &row[s * periods..(s + 1) * periods]
    }

    /// KPI values of one plan in draw `draw`.
    fn draw_values(&self, draw: usize, row: &[f64], out: &mut [f64]) {
        let periods = self.layout.periods.len() as f64;
        let mut scratch = Vec::with_capacity(self.layout.periods.len());
        for (k, value) in out.iter_mut().enumerate() {
            let mut total = self.baselines[k] * periods;
            for (s, curve) in self.curves[draw][k].iter().enumerate() {
                if let Some(curve) = curve {
                    total += curve.total(self.series(row, s), self.horizon, &mut scratch);
                }
            }
            *value = total;
        }
    }

    fn evaluate_row(&self, plan: ArrayView1<'_, f64>, out: &mut [f64]) {
        let row = self.unmasked(plan);
        out.fill(0.0);
        let mut values = vec![0.0; out.len()];
        let scale = 1.0 / self.curves.len() as f64;
        for draw in 0..self.curves.len() {
            self.draw_values(draw, &row, &mut values);
            for (total, value) in out.iter_mut().zip(&values) {
                *total += scale * value;
            }
        }
    }

    /// Gradient of every KPI in draw `draw` (KPIs x cells); masked cells get 0.
    fn draw_gradient(&self, draw: usize, row: &[f64]) -> Array2<f64> {
        let periods = self.layout.periods.len();
        let mut out = Array2::zeros((self.kpis.len(), self.layout.len()));
        for (k, curves) in self.curves[draw].iter().enumerate() {
            for (s, curve) in curves.iter().enumerate() {
                let Some(curve) = curve else { continue };
                let marginals = curve.marginals(self.series(row, s), self.horizon);
                for (t, marginal) in marginals.into_iter().enumerate() {
                    let cell = s * periods + t;
                    if !self.layout.masked[cell] {
                        out[[k, cell]] = marginal;
                    }
                }
            }
        }
        out
    }
}

fn curve_field((index, spec): (usize, &CurveSpec)) -> String {
    let geo = spec
        .geo
        .as_ref()
        .map(|g| format!(", geo `{g}`"))
        .unwrap_or_default();
    format!(
        "model.curves[{index}] (channel `{}`, KPI `{}`{geo})",
        spec.channel, spec.kpi
    )
}

/// For every KPI and series (one channel in one geo), the index of the spec that applies.
fn assign_curves(
    layout: &Layout,
    kpis: &[String],
    specs: &[CurveSpec],
    fields: &[String],
) -> Result<Vec<Vec<Option<usize>>>, CoreError> {
    let geos = layout.geo_count();
    let series = layout.channels.len() * geos;
    let mut specific = vec![vec![None; series]; kpis.len()];
    let mut shared = vec![vec![None; layout.channels.len()]; kpis.len()];
    for (index, (spec, field)) in specs.iter().zip(fields).enumerate() {
        let c = find(&layout.channels, &spec.channel, &format!("{field}.channel"))?;
        let k = find(kpis, &spec.kpi, &format!("{field}.kpi"))?;
        let (slot, what) =
            match &spec.geo {
                None => (&mut shared[k][c], String::new()),
                Some(_) if layout.geos.is_empty() => return Err(CoreError::invalid(
                    format!("{field}.geo"),
                    "the plan has no geos: list them in [plan] geos or remove the curve's `geo`",
                )),
                Some(geo) => {
                    let g = find(&layout.geos, geo, &format!("{field}.geo"))?;
                    (&mut specific[k][c * geos + g], format!(" in geo `{geo}`"))
                }
            };
        if let Some(first) = *slot {
            return Err(CoreError::invalid(
                field.clone(),
                format!(
                    "channel `{}` already has a curve for KPI `{}`{what} (model.curves[{first}]): \
                     keep one of them",
                    spec.channel, spec.kpi
                ),
            ));
        }
        *slot = Some(index);
    }
    Ok(specific
        .into_iter()
        .zip(shared)
        .map(|(row, fallback)| {
            row.into_iter()
                .enumerate()
                .map(|(s, own)| own.or(fallback[s / geos]))
                .collect()
        })
        .collect())
}

/// Batches at least this long are split across rayon's threads.
const PARALLEL_ROWS: usize = 16;

impl ResponseModel for FlightedModel {
    // The optimizer's decision variables are the cells, so the contract's channels are cells.
    fn channels(&self) -> &[String] {
        self.layout.names()
    }

    fn kpis(&self) -> &[String] {
        &self.kpis
    }

    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        Ok(fill_rows(
            spend,
            self.kpis.len(),
            PARALLEL_ROWS,
            |plan, row| self.evaluate_row(plan, row),
        ))
    }

    /// Response realized in each cell's period from its channel, cells x KPIs, averaged over
    /// draws. The periods of the tail are not cells, so their response counts in the KPI but
    /// not here; a masked cell shows only the response carried into it from earlier periods.
    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.len())?;
        let periods = self.layout.periods.len();
        let row = self.unmasked(spend);
        let scale = 1.0 / self.curves.len() as f64;
        let mut out = Array2::zeros((self.layout.len(), self.kpis.len()));
        for table in &self.curves {
            for (k, curves) in table.iter().enumerate() {
                for (s, curve) in curves.iter().enumerate() {
                    let Some(curve) = curve else { continue };
                    let responses = curve.responses(self.series(&row, s), self.horizon);
                    // A masked cell takes no spend but still shows what earlier weeks carry in.
                    for (t, response) in responses.into_iter().take(periods).enumerate() {
                        out[[s * periods + t, k]] += scale * response;
                    }
                }
            }
        }
        Ok(out)
    }

    /// With one period, each cell's whole response, the counted tail included.
    fn separable_terms(
        &self,
        spend: ArrayView1<'_, f64>,
    ) -> Option<Result<Array2<f64>, CoreError>> {
        if !self.is_separable() {
            return None;
        }
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        let row = self.unmasked(spend);
        let scale = 1.0 / self.curves.len() as f64;
        let mut out = Array2::zeros((self.layout.len(), self.kpis.len()));
        for table in &self.curves {
            for (k, curves) in table.iter().enumerate() {
                for (s, curve) in curves.iter().enumerate() {
                    let Some(curve) = curve else { continue };
                    let whole: f64 = curve
                        .responses(self.series(&row, s), self.horizon)
                        .iter()
                        .sum();
                    out[[s, k]] += scale * whole;
                }
            }
        }
        Some(Ok(out))
    }

    fn gradient(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array2<f64>, CoreError>> {
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        let row = self.unmasked(spend);
        let scale = 1.0 / self.curves.len() as f64;
        let mut out = Array2::zeros((self.kpis.len(), self.layout.len()));
        for draw in 0..self.curves.len() {
            out.scaled_add(scale, &self.draw_gradient(draw, &row));
        }
        Some(Ok(out))
    }

    fn draws(&self) -> usize {
        self.curves.len()
    }

    fn evaluate_draws(&self, spend: ArrayView2<'_, f64>) -> Result<Array3<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        let fill = |plan: ArrayView1<'_, f64>, draw: usize, row: &mut [f64]| {
            self.draw_values(draw, &self.unmasked(plan), row)
        };
        Ok(fill_draws(
            spend,
            self.curves.len(),
            self.kpis.len(),
            PARALLEL_ROWS,
            fill,
        ))
    }

    fn gradient_draws(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array3<f64>, CoreError>> {
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        let row = self.unmasked(spend);
        let mut out = Array3::zeros((self.curves.len(), self.kpis.len(), self.layout.len()));
        for (draw, mut slab) in out.axis_iter_mut(Axis(0)).enumerate() {
            slab.assign(&self.draw_gradient(draw, &row));
        }
        Some(Ok(out))
    }

    /// With one period, no spend carries from one cell into another, so each cell's response
    /// depends on its own spend only. Over several periods, adstock links a channel's weeks.
    fn is_separable(&self) -> bool {
        self.layout.periods.len() == 1
    }

    /// Returns true with one period: a cell's response is then a saturation curve of its own
    /// adstocked spend, which is monotone in the sign of its coefficient.
    fn has_monotone_contributions(&self) -> bool {
        self.is_separable()
    }
}
