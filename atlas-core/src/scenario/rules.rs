//! The `[[constraints]]` tables: the business rules a user writes, and how each becomes typed
//! constraints over the decision cells.

use serde::{Deserialize, Serialize};

use super::plan::{self, CellSelection};
use super::ChannelSpec;
use crate::constraint::{Constraint, EfficiencyTarget, Rule};
use crate::error::CoreError;
use crate::flighting::Layout;
use crate::space::DecisionSpace;

/// One `[[constraints]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConstraintSpec {
    /// Total spend: exactly `equals`, or at most `at_most`, at least `at_least`, or both.
    TotalBudget {
        /// Name; `total budget` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Exact total.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        equals: Option<f64>,
        /// Maximum total.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<f64>,
        /// Minimum total.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<f64>,
    },
    /// Bounds on one channel beyond those of its `[[channels]]` table. With a `[plan]` table
    /// they bound the channel's total over the selected periods and geos (all when absent).
    ChannelBounds {
        /// Name; `<channel> limits` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Channel name.
        channel: String,
        /// Periods whose spend counts; every period when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        periods: Vec<String>,
        /// Geos whose spend counts; every geo when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        geos: Vec<String>,
        /// Minimum spend.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lower: Option<f64>,
        /// Maximum spend.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upper: Option<f64>,
        /// Minimum as a multiple of the current spend, Robyn's lower multiplier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lower_ratio: Option<f64>,
        /// Maximum as a multiple of the current spend, Robyn's upper multiplier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upper_ratio: Option<f64>,
        /// Largest change from the current spend as a fraction, such as 0.2 for +-20%.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_change: Option<f64>,
    },
    /// Each cell of the listed channels (every channel when empty) stays within a fraction of
    /// its current spend, such as 0.2 for +-20%; a cell with no current spend stays at 0.
    ChangeLimit {
        /// Name; `change limit` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Channels; every channel when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        channels: Vec<String>,
        /// Largest change as a fraction of the current spend.
        max_change: f64,
    },
    /// A group's total spend in money.
    GroupBudget {
        /// Name; `<group> budget` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Group name.
        group: String,
        /// Minimum total.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lower: Option<f64>,
        /// Maximum total.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upper: Option<f64>,
    },
    /// A channel takes no spend in the listed periods and geos (every one when empty).
    Blackout {
        /// Name; `<channel> blackout` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Channel name.
        channel: String,
        /// Periods of the blackout; every period when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        periods: Vec<String>,
        /// Geos of the blackout; every geo when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        geos: Vec<String>,
    },
    /// Each listed period's spend (every period when empty) over the listed channels (every
    /// channel when empty) within `[at_least, at_most]`; one constraint per period.
    PeriodCap {
        /// Name; `period cap` when absent. Each period's constraint adds the period's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Periods; every period when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        periods: Vec<String>,
        /// Channels; every channel when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        channels: Vec<String>,
        /// Maximum spend in each period.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<f64>,
        /// Minimum spend in each period.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<f64>,
    },
    /// The spend of one selection divided by another's within `[min, max]`: channels or groups
    /// ("TV / digital between 0.5 and 2"), or periods ("Q4 at most 1.5 x Q3").
    Ratio {
        /// Name; `<numerator> / <denominator>` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The spend divided.
        numerator: SpendSelection,
        /// The spend that divides.
        denominator: SpendSelection,
        /// Minimum ratio.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Maximum ratio.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// A KPI within limits, such as awareness at least 120. Solvers meet it to a relative
    /// tolerance of 1e-6.
    KpiBounds {
        /// Name; `<kpi> limits` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// KPI name.
        kpi: String,
        /// Minimum value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<f64>,
        /// Maximum value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<f64>,
    },
    /// An efficiency target on the KPI's increment over its value at no spend: return on
    /// spend at least `roas_at_least`, or cost per unit at most `cpa_at_most`.
    Efficiency {
        /// Name; `<kpi> ROAS` or `<kpi> CPA` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// KPI name.
        kpi: String,
        /// Minimum incremental KPI per unit of spend.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        roas_at_least: Option<f64>,
        /// Largest spend per unit of incremental KPI.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpa_at_most: Option<f64>,
    },
    /// A group's share of the total.
    GroupShare {
        /// Name; `<group> share` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Group name.
        group: String,
        /// Minimum share in [0, 1].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Maximum share in [0, 1].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// A channel held at one amount, its current spend when `amount` is absent. With a
    /// `[plan]` table each selected cell is held.
    Fixed {
        /// Name; `<channel> fixed` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Channel name.
        channel: String,
        /// Periods held; every period when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        periods: Vec<String>,
        /// Geos held; every geo when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        geos: Vec<String>,
        /// The held spend of each held cell.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<f64>,
    },
}

impl ConstraintSpec {
    /// Returns the rule's name: its `name` key, else the default that its type and keys give,
    /// such as `total budget` or `tv fixed`. A rule that becomes one constraint per cell or
    /// period adds the cell's channel or the period to this name in each constraint.
    pub fn name(&self) -> String {
        let (name, default) = match self {
            Self::TotalBudget { name, .. } => (name, "total budget".to_string()),
            Self::ChannelBounds { name, channel, .. } => (name, format!("{channel} limits")),
            Self::ChangeLimit { name, .. } => (name, "change limit".to_string()),
            Self::GroupBudget { name, group, .. } => (name, format!("{group} budget")),
            Self::Blackout { name, channel, .. } => (name, format!("{channel} blackout")),
            Self::PeriodCap { name, .. } => (name, "period cap".to_string()),
            Self::Ratio {
                name,
                numerator,
                denominator,
                ..
            } => (
                name,
                format!("{} / {}", numerator.describe(), denominator.describe()),
            ),
            Self::KpiBounds { name, kpi, .. } => (name, format!("{kpi} limits")),
            Self::Efficiency {
                name,
                kpi,
                cpa_at_most,
                ..
            } => {
                let label = if cpa_at_most.is_some() { "CPA" } else { "ROAS" };
                (name, format!("{kpi} {label}"))
            }
            Self::GroupShare { name, group, .. } => (name, format!("{group} share")),
            Self::Fixed { name, channel, .. } => (name, format!("{channel} fixed")),
        };
        name.clone().unwrap_or(default)
    }
}

/// Spend of some channels, groups, periods and geos: the union of the listed channels and
/// the channels of the listed groups (every channel when both are empty), in the listed periods
/// and geos (every one when empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendSelection {
    /// Channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Periods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<String>,
    /// Geos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geos: Vec<String>,
}

impl SpendSelection {
    /// Describes the selection in a few words, such as `tv` or `search + social in 10, 11`.
    fn describe(&self) -> String {
        let mut names: Vec<&str> = self.channels.iter().map(String::as_str).collect();
        names.extend(self.groups.iter().map(String::as_str));
        let mut text = if names.is_empty() {
            "all channels".to_string()
        } else {
            names.join(" + ")
        };
        for (word, list) in [("in", &self.periods), ("in", &self.geos)] {
            if !list.is_empty() {
                text.push_str(&format!(" {word} {}", list.join(", ")));
            }
        }
        text
    }
}

/// The context that building one `[[constraints]]` table reads.
pub(super) struct Context<'a> {
    pub(super) index: usize,
    pub(super) space: &'a DecisionSpace,
    pub(super) channels: &'a [ChannelSpec],
    pub(super) current: &'a [f64],
    pub(super) layout: Option<&'a Layout>,
    /// KPI names of the model.
    pub(super) kpis: &'a [String],
    /// Each KPI's value when nothing is spent.
    pub(super) zero: &'a [f64],
}

impl Context<'_> {
    fn field(&self) -> String {
        format!("constraints[{}]", self.index)
    }

    fn amount(&self, key: &str, value: f64) -> Result<f64, CoreError> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(CoreError::invalid(
                format!("{}.{key}", self.field()),
                format!("{value} is invalid: use an amount of at least 0"),
            ))
        }
    }

    /// Returns the position of KPI `name` in the model.
    fn kpi(&self, name: &str) -> Result<usize, CoreError> {
        self.kpis.iter().position(|k| k == name).ok_or_else(|| {
            CoreError::invalid(
                format!("{}.kpi", self.field()),
                format!(
                    "`{name}` is not a model KPI: use one of {}",
                    self.kpis.join(", ")
                ),
            )
        })
    }

    /// Returns the position of channel `name` among the scenario's channels.
    fn channel(&self, name: &str, key: &str) -> Result<usize, CoreError> {
        self.channels
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.channels.iter().map(|c| c.name.as_str()).collect();
                CoreError::invalid(
                    format!("{}.{key}", self.field()),
                    format!("`{name}` is not a channel: use one of {}", names.join(", ")),
                )
            })
    }

    /// Returns the decision cells of `channel` in the selected periods and geos, leaving out
    /// masked cells; the channel itself in a scenario without a `[plan]` table. `key` names
    /// the channel's key in errors.
    fn cells(
        &self,
        (channel, key): (&str, &str),
        periods: &[String],
        geos: &[String],
    ) -> Result<Vec<usize>, CoreError> {
        let field = self.field();
        let position = self.channel(channel, key)?;
        let Some(layout) = self.layout else {
            if let Some(key) = [("periods", periods), ("geos", geos)]
                .iter()
                .find_map(|(key, list)| (!list.is_empty()).then_some(*key))
            {
                return Err(CoreError::invalid(
                    format!("{field}.{key}"),
                    format!(
                        "`{key}` selects cells of a plan over periods: add a [plan] table or \
                         remove `{key}`"
                    ),
                ));
            }
            return Ok(vec![position]);
        };
        let selection = CellSelection {
            channel: channel.to_string(),
            geos: geos.to_vec(),
            periods: periods.to_vec(),
        };
        let cells = plan::select(layout, &selection, &field, false)?;
        if cells.is_empty() {
            return Err(CoreError::invalid(
                field,
                format!(
                    "every selected cell of `{channel}` is masked, so the rule has nothing to \
                     constrain: select other periods or geos, or remove the rule or the mask"
                ),
            ));
        }
        Ok(cells)
    }

    /// Returns the cells of a spend selection, leaving out masked cells.
    fn selection(&self, selection: &SpendSelection, key: &str) -> Result<Vec<usize>, CoreError> {
        let (prefix, base) = if key.is_empty() {
            (String::new(), self.field())
        } else {
            (format!("{key}."), format!("{}.{key}", self.field()))
        };
        let mut channels: Vec<usize> = Vec::new();
        for (index, name) in selection.channels.iter().enumerate() {
            channels.push(self.channel(name, &format!("{prefix}channels[{index}]"))?);
        }
        for (index, group) in selection.groups.iter().enumerate() {
            let members: Vec<usize> = (0..self.channels.len())
                .filter(|&c| self.channels[c].groups.contains(group))
                .collect();
            if members.is_empty() {
                return Err(CoreError::invalid(
                    format!("{base}.groups[{index}]"),
                    format!(
                        "`{group}` is not a group of any channel: add it to a channel's `groups`"
                    ),
                ));
            }
            channels.extend(members);
        }
        if selection.channels.is_empty() && selection.groups.is_empty() {
            channels = (0..self.channels.len()).collect();
        }
        channels.sort_unstable();
        channels.dedup();
        let mut cells = Vec::new();
        for c in channels {
            let name = &self.channels[c].name;
            let picked = match self.layout {
                Some(layout) => plan::select(
                    layout,
                    &CellSelection {
                        channel: name.clone(),
                        geos: selection.geos.clone(),
                        periods: selection.periods.clone(),
                    },
                    &base,
                    false,
                )?,
                None => self.cells((name, "channels"), &selection.periods, &selection.geos)?,
            };
            cells.extend(picked);
        }
        Ok(cells)
    }

    /// Returns a limit given as a multiple (`key` = `value`) of `current`, checked.
    fn multiple(
        &self,
        key: &str,
        value: Option<f64>,
        current: f64,
    ) -> Result<Option<f64>, CoreError> {
        value
            .map(|ratio| {
                if ratio.is_finite() && ratio >= 0.0 {
                    Ok(ratio * current)
                } else {
                    Err(CoreError::invalid(
                        format!("{}.{key}", self.field()),
                        format!("{ratio} is invalid: use a multiple of at least 0, such as 0.5"),
                    ))
                }
            })
            .transpose()
    }

    pub(super) fn build(&self, spec: &ConstraintSpec) -> Result<Vec<Constraint>, CoreError> {
        let field = self.field();
        let one = |name: String, rule: Rule| Ok(vec![Constraint { name, rule }]);
        match spec {
            ConstraintSpec::TotalBudget {
                equals,
                at_most,
                at_least,
                ..
            } => {
                let rule = match (equals, at_most, at_least) {
                    (Some(value), None, None) => Rule::TotalExactly {
                        amount: self.amount("equals", *value)?,
                    },
                    (None, Some(value), None) => Rule::TotalAtMost {
                        amount: self.amount("at_most", *value)?,
                    },
                    (None, None, Some(value)) => Rule::TotalAtLeast {
                        amount: self.amount("at_least", *value)?,
                    },
                    (None, Some(upper), Some(lower)) => Rule::TotalBetween {
                        lower: self.amount("at_least", *lower)?,
                        upper: self.amount("at_most", *upper)?,
                    },
                    _ => {
                        return Err(CoreError::invalid(
                            field,
                            "a total_budget needs `equals`, or `at_most`, `at_least` or both",
                        ))
                    }
                };
                one(spec.name(), rule)
            }
            ConstraintSpec::ChannelBounds {
                channel,
                periods,
                geos,
                lower,
                upper,
                lower_ratio,
                upper_ratio,
                max_change,
                ..
            } => {
                let cells = self.cells((channel, "channel"), periods, geos)?;
                let current: f64 = cells.iter().map(|&i| self.current[i]).sum();
                let mut lower = lower.map(|v| self.amount("lower", v)).transpose()?;
                let mut upper = upper.map(|v| self.amount("upper", v)).transpose()?;
                let change = max_change
                    .map(|m| {
                        if m.is_finite() && m >= 0.0 {
                            Ok(m)
                        } else {
                            Err(CoreError::invalid(
                                format!("{field}.max_change"),
                                format!(
                                    "{m} is invalid: use a fraction of at least 0, such as 0.2"
                                ),
                            ))
                        }
                    })
                    .transpose()?;
                let relative_lower = [
                    self.multiple("lower_ratio", *lower_ratio, current)?,
                    change.map(|m| ((1.0 - m) * current).max(0.0)),
                ];
                let relative_upper = [
                    self.multiple("upper_ratio", *upper_ratio, current)?,
                    change.map(|m| (1.0 + m) * current),
                ];
                // Every limit holds, so the tightest of each side applies.
                for limit in relative_lower.into_iter().flatten() {
                    lower = Some(lower.map_or(limit, |l| l.max(limit)));
                }
                for limit in relative_upper.into_iter().flatten() {
                    upper = Some(upper.map_or(limit, |u| u.min(limit)));
                }
                if lower.is_none() && upper.is_none() {
                    return Err(CoreError::invalid(
                        field,
                        "a channel_bounds needs a limit: `lower`, `upper`, `lower_ratio`, \
                         `upper_ratio` or `max_change`",
                    ));
                }
                let name = spec.name();
                let rule = match cells[..] {
                    [cell] if self.layout.is_none() => Rule::ChannelBounds {
                        channel: cell,
                        lower: lower.unwrap_or(0.0),
                        upper: upper.unwrap_or(f64::INFINITY),
                    },
                    _ => Rule::SpendBounds {
                        cells,
                        lower,
                        upper,
                    },
                };
                one(name, rule)
            }
            ConstraintSpec::ChangeLimit {
                channels,
                max_change,
                ..
            } => {
                if !max_change.is_finite() || *max_change < 0.0 {
                    return Err(CoreError::invalid(
                        format!("{field}.max_change"),
                        format!(
                            "{max_change} is invalid: use a fraction of at least 0, such as 0.2"
                        ),
                    ));
                }
                let selection = SpendSelection {
                    channels: channels.clone(),
                    ..SpendSelection::default()
                };
                let name = spec.name();
                Ok(self
                    .selection(&selection, "")?
                    .into_iter()
                    .map(|cell| Constraint {
                        name: format!("{name} ({})", self.space.channels()[cell].name),
                        rule: Rule::ChannelBounds {
                            channel: cell,
                            lower: ((1.0 - max_change) * self.current[cell]).max(0.0),
                            upper: (1.0 + max_change) * self.current[cell],
                        },
                    })
                    .collect())
            }
            ConstraintSpec::GroupBudget {
                group,
                lower,
                upper,
                ..
            } => {
                if lower.is_none() && upper.is_none() {
                    return Err(CoreError::invalid(
                        field,
                        "a group_budget needs `lower`, `upper` or both",
                    ));
                }
                let selection = SpendSelection {
                    groups: vec![group.clone()],
                    ..SpendSelection::default()
                };
                let cells = self
                    .selection(&selection, "")
                    .map_err(|error| match error {
                        CoreError::Invalid { message, .. } => {
                            CoreError::invalid(format!("{field}.group"), message)
                        }
                        other => other,
                    })?;
                let rule = Rule::SpendBounds {
                    cells,
                    lower: lower.map(|v| self.amount("lower", v)).transpose()?,
                    upper: upper.map(|v| self.amount("upper", v)).transpose()?,
                };
                one(spec.name(), rule)
            }
            ConstraintSpec::Blackout {
                channel,
                periods,
                geos,
                ..
            } => {
                let rule = Rule::SpendBounds {
                    cells: self.cells((channel, "channel"), periods, geos)?,
                    lower: None,
                    upper: Some(0.0),
                };
                one(spec.name(), rule)
            }
            ConstraintSpec::PeriodCap {
                periods,
                channels,
                at_most,
                at_least,
                ..
            } => {
                let Some(layout) = self.layout else {
                    return Err(CoreError::invalid(
                        field,
                        "a period_cap needs a [plan] table with periods: add one or use a \
                         total_budget",
                    ));
                };
                if at_most.is_none() && at_least.is_none() {
                    return Err(CoreError::invalid(
                        field,
                        "a period_cap needs `at_most`, `at_least` or both",
                    ));
                }
                let lower = at_least.map(|v| self.amount("at_least", v)).transpose()?;
                let upper = at_most.map(|v| self.amount("at_most", v)).transpose()?;
                let listed: Vec<String> = if periods.is_empty() {
                    layout.periods().to_vec()
                } else {
                    periods.clone()
                };
                let name = spec.name();
                let mut constraints = Vec::with_capacity(listed.len());
                for period in listed {
                    let selection = SpendSelection {
                        channels: channels.clone(),
                        periods: vec![period.clone()],
                        ..SpendSelection::default()
                    };
                    constraints.push(Constraint {
                        name: format!("{name} ({period})"),
                        rule: Rule::SpendBounds {
                            cells: self.selection(&selection, "")?,
                            lower,
                            upper,
                        },
                    });
                }
                Ok(constraints)
            }
            ConstraintSpec::Ratio {
                numerator,
                denominator,
                min,
                max,
                ..
            } => {
                for (key, value) in [("min", min), ("max", max)] {
                    if let Some(value) = value.filter(|v| !v.is_finite() || *v < 0.0) {
                        return Err(CoreError::invalid(
                            format!("{field}.{key}"),
                            format!("ratio {value} is invalid: use a number of at least 0"),
                        ));
                    }
                }
                if min.is_none() && max.is_none() {
                    return Err(CoreError::invalid(
                        field,
                        "a ratio needs `min`, `max` or both",
                    ));
                }
                let rule = Rule::Ratio {
                    numerator: self.selection(numerator, "numerator")?,
                    denominator: self.selection(denominator, "denominator")?,
                    min: *min,
                    max: *max,
                };
                one(spec.name(), rule)
            }
            ConstraintSpec::KpiBounds {
                kpi,
                at_least,
                at_most,
                ..
            } => {
                let k = self.kpi(kpi)?;
                for (key, value) in [("at_least", at_least), ("at_most", at_most)] {
                    if let Some(value) = value.filter(|v| !v.is_finite()) {
                        return Err(CoreError::invalid(
                            format!("{field}.{key}"),
                            format!("{value} is not a finite number"),
                        ));
                    }
                }
                if at_least.is_none() && at_most.is_none() {
                    return Err(CoreError::invalid(
                        field,
                        "a kpi_bounds needs `at_least`, `at_most` or both",
                    ));
                }
                let rule = Rule::KpiBounds {
                    kpi: k,
                    lower: *at_least,
                    upper: *at_most,
                };
                one(spec.name(), rule)
            }
            ConstraintSpec::Efficiency {
                kpi,
                roas_at_least,
                cpa_at_most,
                ..
            } => {
                let k = self.kpi(kpi)?;
                let positive = |key: &str, value: f64| {
                    if value.is_finite() && value > 0.0 {
                        Ok(value)
                    } else {
                        Err(CoreError::invalid(
                            format!("{field}.{key}"),
                            format!("{value} is invalid: use a number above 0"),
                        ))
                    }
                };
                let target = match (roas_at_least, cpa_at_most) {
                    (Some(roas), None) => {
                        EfficiencyTarget::RoasAtLeast(positive("roas_at_least", *roas)?)
                    }
                    (None, Some(cpa)) => {
                        EfficiencyTarget::CpaAtMost(positive("cpa_at_most", *cpa)?)
                    }
                    _ => {
                        return Err(CoreError::invalid(
                            field,
                            "an efficiency needs exactly one of `roas_at_least` or \
                             `cpa_at_most`",
                        ))
                    }
                };
                let rule = Rule::Efficiency {
                    kpi: k,
                    zero: self.zero[k],
                    target,
                };
                one(spec.name(), rule)
            }
            ConstraintSpec::GroupShare {
                group, min, max, ..
            } => {
                let members = self
                    .space
                    .group(group)
                    .ok_or_else(|| {
                        let known: Vec<&str> = self
                            .space
                            .groups()
                            .iter()
                            .map(|g| g.name.as_str())
                            .collect();
                        let known = if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        };
                        CoreError::invalid(
                            format!("{field}.group"),
                            format!(
                                "`{group}` is not a group of any channel (groups: {known}): add \
                                 it to a channel's `groups`"
                            ),
                        )
                    })?
                    .members
                    .clone();
                if min.is_none() && max.is_none() {
                    return Err(CoreError::invalid(
                        field,
                        "a group_share needs `min`, `max` or both",
                    ));
                }
                let name = spec.name();
                let rule = Rule::GroupShare {
                    group: group.clone(),
                    members,
                    min: *min,
                    max: *max,
                };
                one(name, rule)
            }
            ConstraintSpec::Fixed {
                channel,
                periods,
                geos,
                amount: held,
                ..
            } => {
                let cells = self.cells((channel, "channel"), periods, geos)?;
                let name = spec.name();
                let several = cells.len() > 1;
                cells
                    .into_iter()
                    .map(|cell| {
                        let amount = self.amount("amount", held.unwrap_or(self.current[cell]))?;
                        let name = if several {
                            format!("{name} ({})", self.space.channels()[cell].name)
                        } else {
                            name.clone()
                        };
                        Ok(Constraint {
                            name,
                            rule: Rule::Fixed {
                                channel: cell,
                                amount,
                            },
                        })
                    })
                    .collect()
            }
        }
    }
}
