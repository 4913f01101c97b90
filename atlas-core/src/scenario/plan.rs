//! The `[plan]` table: planning over periods and geos, where every channel becomes one cell per
//! period (and per geo), and the per-channel parts of a scenario that refer to cells.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::flighting::Layout;

/// Most cells a plan may have; beyond it a typo (periods = 5200000) would exhaust memory.
pub const MAX_CELLS: usize = 200_000;

/// The `[plan]` table.
///
/// With it, each channel has one cell per period and geo, named `channel@period` or
/// `channel@geo@period`. Channel bounds (`lower`, `upper`) then apply to each cell, the total
/// budget to the sum over every cell, and each KPI's baseline counts once per period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// The periods, by name (`["2027-W01", "2027-W02"]`) or by count (`13` names them `01` to
    /// `13`).
    pub periods: PeriodsSpec,
    /// The geos; without them the plan has no geo dimension.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geos: Vec<String>,
    /// Whether the periods after the plan that its adstock still reaches count (default true).
    #[serde(default = "default_true")]
    pub count_tail: bool,
    /// Cells that take no spend, such as a channel not sold in a geo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub masked: Vec<CellSelection>,
}

fn default_true() -> bool {
    true
}

/// The periods of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a number of periods, such as 13, or a list of period names"
)]
pub enum PeriodsSpec {
    /// A count; the periods are named `1` to `n`, padded with zeros to a common width.
    Count(i64),
    /// Period names.
    Names(Vec<String>),
}

/// Cells of one channel: every cell, or those in the listed geos and periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSelection {
    /// Channel name.
    pub channel: String,
    /// Geos; every geo when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geos: Vec<String>,
    /// Periods; every period when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<String>,
}

/// A channel's current spend: one amount, one per period, or per geo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "an amount, a list of one amount per period, or a table of geo = amount or list"
)]
pub enum CurrentSpend {
    /// The same amount in every cell.
    Amount(f64),
    /// One amount per period, the same in every geo.
    Series(Vec<f64>),
    /// An amount or a list per period for each geo.
    ByGeo(BTreeMap<String, GeoSpend>),
}

/// A channel's current spend in one geo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "an amount or a list of one amount per period")]
pub enum GeoSpend {
    /// The same amount in every period.
    Amount(f64),
    /// One amount per period.
    Series(Vec<f64>),
}

impl From<f64> for CurrentSpend {
    fn from(amount: f64) -> Self {
        Self::Amount(amount)
    }
}

impl PlanSpec {
    /// Builds the cells of `channels` and applies the masks.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a bad period count, a name given twice or containing
    /// `@`, too many cells, or a mask naming an unknown channel, geo or period.
    pub fn layout(&self, channels: Vec<String>) -> Result<Layout, CoreError> {
        let periods = match &self.periods {
            PeriodsSpec::Count(count) => {
                let count = usize::try_from(*count)
                    .ok()
                    .filter(|c| (1..=MAX_CELLS).contains(c))
                    .ok_or_else(|| {
                        CoreError::invalid(
                            "plan.periods",
                            format!("{count} periods is out of range: use 1 to {MAX_CELLS}"),
                        )
                    })?;
                let width = count.to_string().len();
                (1..=count).map(|t| format!("{t:0width$}")).collect()
            }
            PeriodsSpec::Names(names) => names.clone(),
        };
        let cells = channels.len() * self.geos.len().max(1) * periods.len();
        if cells > MAX_CELLS {
            return Err(CoreError::invalid(
                "plan",
                format!(
                    "{} channels x {} geos x {} periods make {cells} cells, more than the \
                     {MAX_CELLS} a plan may have: plan fewer periods or geos at a time",
                    channels.len(),
                    self.geos.len().max(1),
                    periods.len()
                ),
            ));
        }
        let mut layout = Layout::new(channels, periods, self.geos.clone())?;
        for (index, mask) in self.masked.iter().enumerate() {
            let field = format!("plan.masked[{index}]");
            for cell in select(&layout, mask, &field, true)? {
                let at = layout.coordinates(cell);
                layout.mask(at.channel, Some(at.geo), Some(at.period));
            }
        }
        Ok(layout)
    }
}

/// The cells that `selection` names, in decision order; masked cells are left out unless
/// `with_masked`.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] naming `field` for an unknown channel, geo or period, or
/// geos in a plan without them.
pub fn select(
    layout: &Layout,
    selection: &CellSelection,
    field: &str,
    with_masked: bool,
) -> Result<Vec<usize>, CoreError> {
    let channel = position(
        layout.channels(),
        &selection.channel,
        &format!("{field}.channel"),
        "channel",
    )?;
    if !selection.geos.is_empty() && layout.geos().is_empty() {
        return Err(CoreError::invalid(
            format!("{field}.geos"),
            "the plan has no geos: list them in [plan] geos or remove `geos` here",
        ));
    }
    let geos = positions(
        layout.geos(),
        &selection.geos,
        &format!("{field}.geos"),
        "geo",
    )?
    .unwrap_or_else(|| (0..layout.geo_count()).collect());
    let periods = positions(
        layout.periods(),
        &selection.periods,
        &format!("{field}.periods"),
        "period",
    )?
    .unwrap_or_else(|| (0..layout.periods().len()).collect());
    let mut cells = Vec::with_capacity(geos.len() * periods.len());
    for &g in &geos {
        for &t in &periods {
            let cell = layout.cell(channel, g, t);
            if with_masked || !layout.is_masked(cell) {
                cells.push(cell);
            }
        }
    }
    cells.sort_unstable();
    cells.dedup();
    Ok(cells)
}

fn position(names: &[String], name: &str, field: &str, what: &str) -> Result<usize, CoreError> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        CoreError::invalid(
            field,
            format!(
                "`{name}` is not a {what} of the plan: use one of {}",
                names.join(", ")
            ),
        )
    })
}

/// Positions of `selected` among `names`, or `None` when nothing is selected (meaning all).
fn positions(
    names: &[String],
    selected: &[String],
    field: &str,
    what: &str,
) -> Result<Option<Vec<usize>>, CoreError> {
    if selected.is_empty() {
        return Ok(None);
    }
    selected
        .iter()
        .enumerate()
        .map(|(index, name)| position(names, name, &format!("{field}[{index}]"), what))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl CurrentSpend {
    /// Returns the amount of a plan without periods.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming `field` for a list or table, which need a
    /// `[plan]` table, and for an amount that is negative or not finite.
    pub fn amount(&self, field: &str) -> Result<f64, CoreError> {
        match self {
            Self::Amount(amount) => check_amount(field, *amount),
            Self::Series(_) | Self::ByGeo(_) => Err(CoreError::invalid(
                field,
                "spend per period or per geo needs a [plan] table with periods: add one or give \
                 a single amount",
            )),
        }
    }

    /// The spend of `channel` in each of its cells, in decision order; masked cells get 0.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming `field` when a list's length is not the number of
    /// periods or an amount is negative or not finite. A table by geo is an error in a plan
    /// without geos, and when it names an unknown geo or leaves out an unmasked one.
    pub fn cells(
        &self,
        layout: &Layout,
        channel: usize,
        field: &str,
    ) -> Result<Vec<f64>, CoreError> {
        let periods = layout.periods().len();
        let mut values = Vec::with_capacity(layout.geo_count() * periods);
        for g in 0..layout.geo_count() {
            let series = match self {
                Self::Amount(amount) => vec![check_amount(field, *amount)?; periods],
                Self::Series(series) => check_series(field, series, periods)?,
                Self::ByGeo(table) => geo_series(layout, channel, g, table, field)?,
            };
            values.extend(series);
        }
        for (offset, value) in values.iter_mut().enumerate() {
            if layout.is_masked(layout.channel_cells(channel).start + offset) {
                *value = 0.0;
            }
        }
        Ok(values)
    }
}

fn geo_series(
    layout: &Layout,
    channel: usize,
    geo: usize,
    table: &BTreeMap<String, GeoSpend>,
    field: &str,
) -> Result<Vec<f64>, CoreError> {
    let periods = layout.periods().len();
    if layout.geos().is_empty() {
        return Err(CoreError::invalid(
            field,
            "spend per geo needs [plan] geos: list them or give one amount or one per period",
        ));
    }
    if let Some(unknown) = table.keys().find(|k| !layout.geos().contains(k)) {
        return Err(CoreError::invalid(
            format!("{field}.{unknown}"),
            format!(
                "`{unknown}` is not a geo of the plan: use one of {}",
                layout.geos().join(", ")
            ),
        ));
    }
    let name = &layout.geos()[geo];
    let field = format!("{field}.{name}");
    let all_masked = (0..periods).all(|t| layout.is_masked(layout.cell(channel, geo, t)));
    let spends = match table.get(name) {
        Some(GeoSpend::Amount(amount)) => *amount != 0.0,
        Some(GeoSpend::Series(series)) => series.iter().any(|v| *v != 0.0),
        None => false,
    };
    if all_masked && spends {
        return Err(CoreError::invalid(
            field,
            format!(
                "the channel is masked in geo `{name}`, so it has no current spend there: \
                 remove the entry or the mask"
            ),
        ));
    }
    match table.get(name) {
        Some(GeoSpend::Amount(amount)) => Ok(vec![check_amount(&field, *amount)?; periods]),
        Some(GeoSpend::Series(series)) => check_series(&field, series, periods),
        None => {
            if all_masked {
                Ok(vec![0.0; periods])
            } else {
                Err(CoreError::invalid(
                    field,
                    format!("geo `{name}` is missing: give its current spend, 0 if none"),
                ))
            }
        }
    }
}

fn check_series(field: &str, series: &[f64], periods: usize) -> Result<Vec<f64>, CoreError> {
    if series.len() != periods {
        return Err(CoreError::invalid(
            field,
            format!(
                "{} amounts for {periods} periods: give one amount per period",
                series.len()
            ),
        ));
    }
    series
        .iter()
        .enumerate()
        .map(|(t, value)| check_amount(&format!("{field}[{t}]"), *value))
        .collect()
}

fn check_amount(field: &str, value: f64) -> Result<f64, CoreError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(CoreError::invalid(
            field,
            format!("current spend {value} is invalid: use an amount of at least 0"),
        ))
    }
}
