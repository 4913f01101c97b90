//! Business rules as typed values: what they mean, how they compile for repair, and how an
//! allocation is checked against them.

use serde::Serialize;

use crate::error::CoreError;
use crate::feasibility::{self, LinearRow, LinearRule, RuleClass};
use crate::projection::{Halfspace, LinearSet, TotalRule};
use crate::space::DecisionSpace;

/// Relative tolerance within which a returned allocation must satisfy every constraint.
pub const FEASIBILITY_TOLERANCE: f64 = 1e-9;

/// Relative slack below which a constraint is reported as binding.
pub const BINDING_TOLERANCE: f64 = 1e-6;

/// The mathematical kind of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// `g(x) = b`.
    Equality,
    /// `g(x) <= b` or `g(x) >= b`.
    Inequality,
    /// `l <= x_i <= u`.
    Bounds,
}

/// Unit of a constrained quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// An amount in the scenario's currency.
    Money,
    /// A share of the total spend, in [0, 1].
    Share,
    /// One spend divided by another.
    Ratio,
    /// A KPI in its own unit.
    Kpi,
}

/// Relative tolerance within which a returned allocation must satisfy a rule on KPIs, which
/// solvers reach by penalties rather than exactly.
pub const NONLINEAR_TOLERANCE: f64 = 1e-6;

/// An efficiency target on one KPI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EfficiencyTarget {
    /// Return on spend at least this: incremental KPI per unit of spend.
    RoasAtLeast(f64),
    /// Cost per unit of incremental KPI at most this, such as cost per acquisition.
    CpaAtMost(f64),
}

/// One smooth inequality `kpi_coefficient * KPI + spend_coefficient * total + constant >= 0`
/// that a rule on KPIs compiles to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NonlinearTerm {
    /// Position of the KPI.
    pub kpi: usize,
    /// Coefficient of the KPI.
    pub kpi_coefficient: f64,
    /// Coefficient of the plan's total spend.
    pub spend_coefficient: f64,
    /// Constant.
    pub constant: f64,
}

impl NonlinearTerm {
    /// Value of the inequality's left side and the scale it is measured against.
    pub fn value(&self, kpis: &[f64], total: f64) -> (f64, f64) {
        let kpi = kpis.get(self.kpi).copied().unwrap_or(f64::NAN);
        let a = self.kpi_coefficient * kpi;
        let b = self.spend_coefficient * total;
        let scale = a.abs().max(b.abs()).max(self.constant.abs()).max(1.0);
        (a + b + self.constant, scale)
    }
}

/// Requirement of a constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// The plan's total spend equals `amount`.
    TotalExactly {
        /// Budget in the scenario's currency.
        amount: f64,
    },
    /// The plan's total spend is at most `amount`.
    TotalAtMost {
        /// Budget in the scenario's currency.
        amount: f64,
    },
    /// The plan's total spend is at least `amount`.
    TotalAtLeast {
        /// Minimum total in the scenario's currency.
        amount: f64,
    },
    /// The plan's total spend lies within `[lower, upper]`.
    TotalBetween {
        /// Minimum total.
        lower: f64,
        /// Maximum total.
        upper: f64,
    },
    /// One channel's spend lies within `[lower, upper]`.
    ChannelBounds {
        /// Channel position in the decision space.
        channel: usize,
        /// Minimum spend.
        lower: f64,
        /// Maximum spend.
        upper: f64,
    },
    /// A group's share of the total spend lies within `[min, max]`.
    GroupShare {
        /// Group name.
        group: String,
        /// Positions of the group's channels.
        members: Vec<usize>,
        /// Minimum share in [0, 1].
        min: Option<f64>,
        /// Maximum share in [0, 1].
        max: Option<f64>,
    },
    /// The total spend of several cells, such as one channel's weeks, lies within
    /// `[lower, upper]`.
    SpendBounds {
        /// Positions of the cells in the decision space.
        cells: Vec<usize>,
        /// Minimum total, if any.
        lower: Option<f64>,
        /// Maximum total, if any.
        upper: Option<f64>,
    },
    /// The spend of one set of cells divided by that of another lies within `[min, max]`, such
    /// as TV over digital between 0.5 and 2, or the fourth quarter at most 1.5 times the third.
    Ratio {
        /// Positions of the cells whose spend is divided.
        numerator: Vec<usize>,
        /// Positions of the cells whose spend divides.
        denominator: Vec<usize>,
        /// Minimum ratio, if any.
        min: Option<f64>,
        /// Maximum ratio, if any.
        max: Option<f64>,
    },
    /// A KPI's value lies within `[lower, upper]`, such as awareness at least 120.
    KpiBounds {
        /// Position of the KPI.
        kpi: usize,
        /// Minimum value, if any.
        lower: Option<f64>,
        /// Maximum value, if any.
        upper: Option<f64>,
    },
    /// A KPI's increment over its value at no spend, per unit of total spend, meets a target.
    Efficiency {
        /// Position of the KPI.
        kpi: usize,
        /// The KPI's value when nothing is spent.
        zero: f64,
        /// The target.
        target: EfficiencyTarget,
    },
    /// One channel's spend is held at `amount`.
    Fixed {
        /// Channel position in the decision space.
        channel: usize,
        /// The held spend.
        amount: f64,
    },
}

/// A named business rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    /// Name used in every message and report.
    pub name: String,
    /// Requirement.
    pub rule: Rule,
}

/// One constraint evaluated at one allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstraintCheck {
    /// Constraint name.
    pub name: String,
    /// Mathematical kind.
    pub kind: ConstraintKind,
    /// Unit of `value`, `lower`, `upper` and `slack`.
    pub unit: Unit,
    /// The constrained quantity at the allocation: money, or a share in [0, 1].
    pub value: f64,
    /// Minimum allowed value, if any.
    pub lower: Option<f64>,
    /// Maximum allowed value, if any.
    pub upper: Option<f64>,
    /// Distance to the nearest limit, negative when violated.
    pub slack: f64,
    /// Whether the allocation sits on a limit.
    pub binding: bool,
    /// Whether the allocation satisfies the constraint within [`FEASIBILITY_TOLERANCE`].
    pub satisfied: bool,
}

impl Constraint {
    /// Mathematical kind of the rule.
    pub fn kind(&self) -> ConstraintKind {
        match self.rule {
            Rule::TotalExactly { .. } | Rule::Fixed { .. } => ConstraintKind::Equality,
            Rule::TotalAtMost { .. }
            | Rule::TotalAtLeast { .. }
            | Rule::TotalBetween { .. }
            | Rule::GroupShare { .. }
            | Rule::SpendBounds { .. }
            | Rule::Ratio { .. }
            | Rule::KpiBounds { .. }
            | Rule::Efficiency { .. } => ConstraintKind::Inequality,
            Rule::ChannelBounds { .. } => ConstraintKind::Bounds,
        }
    }

    /// Returns whether the rule depends on KPI values, which only the model gives.
    pub fn is_nonlinear(&self) -> bool {
        matches!(self.rule, Rule::KpiBounds { .. } | Rule::Efficiency { .. })
    }

    /// Returns the smooth inequalities of a rule on KPIs, and none for a linear rule.
    pub fn nonlinear_terms(&self) -> Vec<NonlinearTerm> {
        let term = |kpi, kpi_coefficient, spend_coefficient, constant| NonlinearTerm {
            kpi,
            kpi_coefficient,
            spend_coefficient,
            constant,
        };
        match self.rule {
            Rule::KpiBounds { kpi, lower, upper } => lower
                .map(|lo| term(kpi, 1.0, 0.0, -lo))
                .into_iter()
                .chain(upper.map(|hi| term(kpi, -1.0, 0.0, hi)))
                .collect(),
            Rule::Efficiency { kpi, zero, target } => {
                let rate = match target {
                    EfficiencyTarget::RoasAtLeast(roas) => roas,
                    EfficiencyTarget::CpaAtMost(cpa) => 1.0 / cpa,
                };
                vec![term(kpi, 1.0, -rate, -zero)]
            }
            _ => Vec::new(),
        }
    }

    /// Evaluates the constraint at `x`; a rule on KPIs needs [`Constraint::check_at`].
    pub fn check(&self, x: &[f64]) -> ConstraintCheck {
        self.check_with_total(x, x.iter().sum(), None)
    }

    /// Evaluates the constraint at `x`, whose KPI values are `kpis`.
    pub fn check_at(&self, x: &[f64], kpis: &[f64]) -> ConstraintCheck {
        self.check_with_total(x, x.iter().sum(), Some(kpis))
    }

    /// Evaluates the constraint at `x`, whose total spend is `total` and KPI values `kpis`.
    fn check_with_total(&self, x: &[f64], total: f64, kpis: Option<&[f64]>) -> ConstraintCheck {
        let kpi_at = |k: usize| kpis.and_then(|v| v.get(k).copied()).unwrap_or(f64::NAN);
        let at = |i: usize| x.get(i).copied().unwrap_or(f64::NAN);
        let (value, lower, upper, unit) = match &self.rule {
            Rule::TotalExactly { amount } => (total, Some(*amount), Some(*amount), Unit::Money),
            Rule::TotalAtMost { amount } => (total, None, Some(*amount), Unit::Money),
            Rule::TotalAtLeast { amount } => (total, Some(*amount), None, Unit::Money),
            Rule::TotalBetween { lower, upper } => (total, Some(*lower), Some(*upper), Unit::Money),
            Rule::Ratio {
                numerator,
                denominator,
                min,
                max,
            } => {
                let (top, bottom) = (sum_at(numerator, x), sum_at(denominator, x));
                let ratio = if bottom > 0.0 {
                    top / bottom
                } else if top > 0.0 {
                    f64::INFINITY
                } else {
                    0.0
                };
                (ratio, *min, *max, Unit::Ratio)
            }
            Rule::KpiBounds { kpi, lower, upper } => (kpi_at(*kpi), *lower, *upper, Unit::Kpi),
            Rule::Efficiency { kpi, zero, target } => {
                let increment = kpi_at(*kpi) - zero;
                match target {
                    EfficiencyTarget::RoasAtLeast(roas) => {
                        let value = if total > 0.0 { increment / total } else { 0.0 };
                        (value, Some(*roas), None, Unit::Ratio)
                    }
                    EfficiencyTarget::CpaAtMost(cpa) => {
                        let value = if increment > 0.0 {
                            total / increment
                        } else if total > 0.0 {
                            f64::INFINITY
                        } else {
                            0.0
                        };
                        (value, None, Some(*cpa), Unit::Ratio)
                    }
                }
            }
            Rule::ChannelBounds {
                channel,
                lower,
                upper,
            } => {
                let upper = upper.is_finite().then_some(*upper);
                (at(*channel), Some(*lower), upper, Unit::Money)
            }
            Rule::Fixed { channel, amount } => {
                (at(*channel), Some(*amount), Some(*amount), Unit::Money)
            }
            Rule::SpendBounds {
                cells,
                lower,
                upper,
            } => (
                cells.iter().map(|&i| at(i)).sum(),
                *lower,
                *upper,
                Unit::Money,
            ),
            Rule::GroupShare {
                members, min, max, ..
            } => {
                let group: f64 = members.iter().map(|&i| at(i)).sum();
                let share = if total > 0.0 { group / total } else { 0.0 };
                (share, *min, *max, Unit::Share)
            }
        };
        let slack = match (lower, upper) {
            (Some(lo), Some(hi)) => (value - lo).min(hi - value),
            (Some(lo), None) => value - lo,
            (None, Some(hi)) => hi - value,
            (None, None) => f64::INFINITY,
        };
        let relative = self.relative_slack_with_total(x, total, kpis);
        let tolerance = if self.is_nonlinear() {
            NONLINEAR_TOLERANCE
        } else {
            FEASIBILITY_TOLERANCE
        };
        ConstraintCheck {
            name: self.name.clone(),
            kind: self.kind(),
            unit,
            value,
            lower,
            upper,
            slack: if slack.is_nan() {
                f64::NEG_INFINITY
            } else {
                slack
            },
            binding: relative <= BINDING_TOLERANCE.max(tolerance),
            satisfied: relative >= -tolerance,
        }
    }

    /// Distance of `x` to the nearest limit, relative to that limit's magnitude (at least 1):
    /// positive inside, negative when violated, and never positive for an equality.
    ///
    /// A group share is measured in money, `group - share * total` relative to the total, so
    /// a plan that spends nothing satisfies every share rule, as repair treats it. NaN spend
    /// gives negative infinity.
    pub fn relative_slack(&self, x: &[f64]) -> f64 {
        self.relative_slack_with_total(x, x.iter().sum(), None)
    }

    /// [`Constraint::relative_slack`] at `x`, whose total spend is `total` and KPI values
    /// `kpis`; a rule on KPIs without them gives negative infinity.
    pub fn relative_slack_with_total(&self, x: &[f64], total: f64, kpis: Option<&[f64]>) -> f64 {
        if self.is_nonlinear() {
            let Some(kpis) = kpis else {
                return f64::NEG_INFINITY;
            };
            let slack = self
                .nonlinear_terms()
                .iter()
                .map(|term| {
                    let (value, scale) = term.value(kpis, total);
                    value / scale
                })
                .fold(f64::INFINITY, f64::min);
            return if slack.is_nan() {
                f64::NEG_INFINITY
            } else {
                slack
            };
        }
        let at = |i: usize| x.get(i).copied().unwrap_or(f64::NAN);
        let side = |distance: f64, limit: f64| {
            if limit.is_infinite() {
                f64::INFINITY
            } else {
                distance / limit.abs().max(1.0)
            }
        };
        let slack = match &self.rule {
            Rule::TotalExactly { amount } => -side(total - amount, *amount).abs(),
            Rule::TotalAtMost { amount } => side(amount - total, *amount),
            Rule::TotalAtLeast { amount } => side(total - amount, *amount),
            Rule::TotalBetween { lower, upper } => {
                side(total - lower, *lower).min(side(upper - total, *upper))
            }
            Rule::Ratio {
                numerator,
                denominator,
                min,
                max,
            } => {
                // Measured in money, `top - ratio * bottom`, relative to the larger side.
                let (top, bottom) = (sum_at(numerator, x), sum_at(denominator, x));
                let scale = top.abs().max(bottom.abs()).max(1.0);
                let above = min.map_or(f64::INFINITY, |r| (top - r * bottom) / scale);
                let below = max.map_or(f64::INFINITY, |r| (r * bottom - top) / scale);
                above.min(below)
            }
            Rule::ChannelBounds {
                channel,
                lower,
                upper,
            } => {
                let value = at(*channel);
                side(value - lower, *lower).min(side(upper - value, *upper))
            }
            Rule::Fixed { channel, amount } => -side(at(*channel) - amount, *amount).abs(),
            // Measured above, from the KPI values.
            Rule::KpiBounds { .. } | Rule::Efficiency { .. } => f64::NEG_INFINITY,
            Rule::SpendBounds {
                cells,
                lower,
                upper,
            } => {
                let value: f64 = cells.iter().map(|&i| at(i)).sum();
                let above = lower.map_or(f64::INFINITY, |lo| side(value - lo, lo));
                let below = upper.map_or(f64::INFINITY, |hi| side(hi - value, hi));
                above.min(below)
            }
            Rule::GroupShare {
                members, min, max, ..
            } => {
                let group: f64 = members.iter().map(|&i| at(i)).sum();
                let scale = total.abs().max(1.0);
                let above = min.map_or(f64::INFINITY, |share| (group - share * total) / scale);
                let below = max.map_or(f64::INFINITY, |share| (share * total - group) / scale);
                above.min(below)
            }
        };
        if slack.is_nan() {
            f64::NEG_INFINITY
        } else {
            slack
        }
    }
}

/// Sums `x` over `cells`; a position outside `x` makes the sum NaN.
fn sum_at(cells: &[usize], x: &[f64]) -> f64 {
    cells
        .iter()
        .map(|&i| x.get(i).copied().unwrap_or(f64::NAN))
        .sum()
}

/// Evaluates every constraint at `x`, whose KPI values are `kpis` (needed only by rules on
/// KPIs).
pub fn check_all(
    constraints: &[Constraint],
    x: &[f64],
    kpis: Option<&[f64]>,
) -> Vec<ConstraintCheck> {
    let total: f64 = x.iter().sum();
    constraints
        .iter()
        .map(|c| c.check_with_total(x, total, kpis))
        .collect()
}

/// Compiles the constraints into the set that repair projects onto, and checks that the set
/// is not obviously empty.
///
/// # Errors
///
/// Returns [`CoreError::Infeasible`] naming the conflicting constraints, their values and the
/// smallest change that resolves the conflict.
pub fn compile(space: &DecisionSpace, constraints: &[Constraint]) -> Result<LinearSet, CoreError> {
    let mut lower = space.lower_bounds();
    let mut upper = space.upper_bounds();
    let mut lower_source: Vec<String> = space
        .names()
        .iter()
        .map(|n| format!("{n} bounds"))
        .collect();
    let mut upper_source = lower_source.clone();
    let mut total = None;
    let mut total_source = String::new();
    let mut halfspaces = Vec::new();
    for constraint in constraints {
        match &constraint.rule {
            Rule::TotalExactly { amount } => set_total(
                &mut total,
                &mut total_source,
                TotalRule::Exactly(*amount),
                constraint,
            )?,
            Rule::TotalAtMost { amount } => set_total(
                &mut total,
                &mut total_source,
                TotalRule::AtMost(*amount),
                constraint,
            )?,
            Rule::TotalAtLeast { amount } => set_total(
                &mut total,
                &mut total_source,
                TotalRule::AtLeast(*amount),
                constraint,
            )?,
            Rule::TotalBetween { lower, upper } => set_total(
                &mut total,
                &mut total_source,
                TotalRule::Between(*lower, *upper),
                constraint,
            )?,
            Rule::Ratio {
                numerator,
                denominator,
                min,
                max,
            } => push_ratio_halfspaces(
                &mut halfspaces,
                space.len(),
                (numerator, denominator),
                (*min, *max),
                constraint,
            ),
            Rule::ChannelBounds {
                channel,
                lower: lo,
                upper: hi,
            } => tighten(
                (&mut lower, &mut lower_source),
                (&mut upper, &mut upper_source),
                (*channel, *lo, *hi),
                &constraint.name,
            ),
            Rule::Fixed { channel, amount } => tighten(
                (&mut lower, &mut lower_source),
                (&mut upper, &mut upper_source),
                (*channel, *amount, *amount),
                &constraint.name,
            ),
            // Spend is never negative, so a total of at most 0 keeps each cell at 0: a box
            // bound, which repair meets exactly, where a half-space would leave a residue.
            Rule::SpendBounds {
                cells,
                upper: Some(hi),
                ..
            } if *hi <= 0.0 => {
                for &cell in cells {
                    tighten(
                        (&mut lower, &mut lower_source),
                        (&mut upper, &mut upper_source),
                        (cell, f64::NEG_INFINITY, 0.0),
                        &constraint.name,
                    );
                }
            }
            // One cell's total is that cell's spend: a box bound too.
            Rule::SpendBounds {
                cells,
                lower: lo,
                upper: hi,
            } if cells.len() == 1 => tighten(
                (&mut lower, &mut lower_source),
                (&mut upper, &mut upper_source),
                (
                    cells[0],
                    lo.unwrap_or(f64::NEG_INFINITY),
                    hi.unwrap_or(f64::INFINITY),
                ),
                &constraint.name,
            ),
            Rule::SpendBounds {
                cells,
                lower: lo,
                upper: hi,
            } => push_sum_halfspaces(&mut halfspaces, space.len(), cells, *lo, *hi, constraint),
            // Rules on KPIs are not linear in spend; the solvers handle them.
            Rule::KpiBounds { .. } | Rule::Efficiency { .. } => {}
            Rule::GroupShare {
                members, min, max, ..
            } => push_share_halfspaces(
                &mut halfspaces,
                space.len(),
                members,
                *min,
                *max,
                constraint,
            ),
        }
    }
    let set = LinearSet {
        lower,
        upper,
        total,
        halfspaces,
    };
    check_bounds(space, &set, &lower_source, &upper_source)?;
    check_total(&set, &total_source)?;
    check_groups(space, &set, constraints, &total_source)?;
    check_sums(space, &set, constraints)?;
    check_as_program(space.len(), constraints)?;
    Ok(set)
}

/// Writes each linear rule as rows of a linear program over the decision cells; rules on KPIs
/// are left out.
pub fn linear_rules(n: usize, constraints: &[Constraint]) -> Vec<LinearRule> {
    let all = |coefficient: f64| (0..n).map(|i| (i, coefficient)).collect::<Vec<_>>();
    let row = |terms: Vec<(usize, f64)>, lower: f64, upper: f64| LinearRow {
        terms,
        lower,
        upper,
    };
    let some = |value: Option<f64>, default: f64| value.unwrap_or(default);
    let (low, high) = (f64::NEG_INFINITY, f64::INFINITY);
    constraints
        .iter()
        .filter_map(|constraint| {
            let (class, rows) = match &constraint.rule {
                Rule::TotalExactly { amount } => {
                    (RuleClass::Total, vec![row(all(1.0), *amount, *amount)])
                }
                Rule::TotalAtMost { amount } => {
                    (RuleClass::Total, vec![row(all(1.0), low, *amount)])
                }
                Rule::TotalAtLeast { amount } => {
                    (RuleClass::Total, vec![row(all(1.0), *amount, high)])
                }
                Rule::TotalBetween { lower, upper } => {
                    (RuleClass::Total, vec![row(all(1.0), *lower, *upper)])
                }
                Rule::ChannelBounds {
                    channel,
                    lower,
                    upper,
                } => (
                    RuleClass::Bounds,
                    vec![row(vec![(*channel, 1.0)], *lower, *upper)],
                ),
                Rule::Fixed { channel, amount } => (
                    RuleClass::Bounds,
                    vec![row(vec![(*channel, 1.0)], *amount, *amount)],
                ),
                Rule::SpendBounds {
                    cells,
                    lower,
                    upper,
                } => (
                    RuleClass::Other,
                    vec![row(
                        cells.iter().map(|&i| (i, 1.0)).collect(),
                        some(*lower, low),
                        some(*upper, high),
                    )],
                ),
                Rule::GroupShare {
                    members, min, max, ..
                } => {
                    // share * total - group, as terms over every cell.
                    let difference = |share: f64| {
                        let mut terms = all(share);
                        terms.extend(members.iter().map(|&i| (i, -1.0)));
                        terms
                    };
                    let mut rows = Vec::new();
                    if let Some(share) = min {
                        rows.push(row(difference(*share), low, 0.0));
                    }
                    if let Some(share) = max {
                        rows.push(row(difference(*share), 0.0, high));
                    }
                    (RuleClass::Other, rows)
                }
                Rule::Ratio {
                    numerator,
                    denominator,
                    min,
                    max,
                } => {
                    // top - ratio * bottom.
                    let difference = |ratio: f64| {
                        let mut terms: Vec<(usize, f64)> =
                            numerator.iter().map(|&i| (i, 1.0)).collect();
                        terms.extend(denominator.iter().map(|&i| (i, -ratio)));
                        terms
                    };
                    let mut rows = Vec::new();
                    if let Some(ratio) = min {
                        rows.push(row(difference(*ratio), 0.0, high));
                    }
                    if let Some(ratio) = max {
                        rows.push(row(difference(*ratio), low, 0.0));
                    }
                    (RuleClass::Other, rows)
                }
                Rule::KpiBounds { .. } | Rule::Efficiency { .. } => return None,
            };
            Some(LinearRule {
                name: constraint.name.clone(),
                class,
                rows,
            })
        })
        .collect()
}

/// Checks the linear rules together as a linear program, which finds conflicts that the
/// checks of one rule at a time miss, and names the smallest conflicting set and its repairs.
fn check_as_program(n: usize, constraints: &[Constraint]) -> Result<(), CoreError> {
    let rules = linear_rules(n, constraints);
    let Err(diagnosis) = feasibility::check(n, &rules) else {
        return Ok(());
    };
    if let Some(error) = diagnosis.error {
        return Err(CoreError::invalid("constraints", error.to_string()));
    }
    let quoted: Vec<String> = diagnosis
        .conflict
        .iter()
        .map(|n| format!("`{n}`"))
        .collect();
    let repairs: Vec<String> = diagnosis
        .relaxations
        .iter()
        .map(|relaxation| describe_relaxation(constraints, relaxation))
        .collect();
    Err(CoreError::Infeasible {
        message: format!(
            "the rules {} cannot all hold together: {}",
            quoted.join(", "),
            if repairs.is_empty() {
                "relax one of them".to_string()
            } else {
                repairs.join(", or ")
            }
        ),
        constraints: diagnosis.conflict,
    })
}

/// Phrases one way out of a conflict, with the new limit where the rule has a single amount.
fn describe_relaxation(constraints: &[Constraint], relaxation: &feasibility::Relaxation) -> String {
    let names: Vec<String> = relaxation.rules.iter().map(|n| format!("`{n}`")).collect();
    let rule = match relaxation.rules.as_slice() {
        [one] => constraints.iter().find(|c| &c.name == one).map(|c| &c.rule),
        _ => None,
    };
    let (up, down) = (relaxation.raise_upper, relaxation.lower_lower);
    let single = match rule {
        Some(Rule::TotalExactly { amount } | Rule::Fixed { amount, .. }) => {
            Some((*amount, *amount))
        }
        Some(Rule::TotalAtMost { amount }) => Some((0.0, *amount)),
        Some(Rule::TotalAtLeast { amount }) => Some((*amount, 0.0)),
        Some(Rule::TotalBetween { lower, upper }) => Some((*lower, *upper)),
        Some(Rule::ChannelBounds { lower, upper, .. }) => Some((*lower, *upper)),
        Some(Rule::SpendBounds { lower, upper, .. }) => {
            Some((lower.unwrap_or(0.0), upper.unwrap_or(f64::INFINITY)))
        }
        _ => None,
    };
    let mut parts = Vec::new();
    match single {
        Some((lower, upper)) => {
            if up > 0.0 {
                parts.push(format!(
                    "raise {} to {} (+{})",
                    names.join(", "),
                    money(upper + up),
                    money(up)
                ));
            }
            if down > 0.0 {
                parts.push(format!(
                    "lower {} to {} (-{})",
                    names.join(", "),
                    money(lower - down),
                    money(down)
                ));
            }
        }
        None => {
            // Share and ratio rules measure their miss in money, like their rows.
            let together = if names.len() > 1 { " in total" } else { "" };
            parts.push(format!(
                "let {} miss by {}{together}",
                names.join(", "),
                money(up + down)
            ));
        }
    }
    if parts.is_empty() {
        format!("relax {}", names.join(", "))
    } else {
        parts.join(" and ")
    }
}

fn set_total(
    total: &mut Option<TotalRule>,
    source: &mut String,
    rule: TotalRule,
    constraint: &Constraint,
) -> Result<(), CoreError> {
    if total.is_some() {
        return Err(CoreError::invalid(
            format!("constraints.{}", constraint.name),
            format!("a total budget is already set by `{source}`: keep one total budget rule"),
        ));
    }
    *total = Some(rule);
    *source = constraint.name.clone();
    Ok(())
}

fn tighten(
    lower: (&mut [f64], &mut [String]),
    upper: (&mut [f64], &mut [String]),
    (channel, lo, hi): (usize, f64, f64),
    name: &str,
) {
    if let (Some(value), Some(source)) = (lower.0.get_mut(channel), lower.1.get_mut(channel)) {
        if lo > *value {
            *value = lo;
            *source = name.to_string();
        }
    }
    if let (Some(value), Some(source)) = (upper.0.get_mut(channel), upper.1.get_mut(channel)) {
        if hi < *value {
            *value = hi;
            *source = name.to_string();
        }
    }
}

fn push_share_halfspaces(
    halfspaces: &mut Vec<Halfspace>,
    n: usize,
    members: &[usize],
    min: Option<f64>,
    max: Option<f64>,
    constraint: &Constraint,
) {
    let in_group = |i: usize| if members.contains(&i) { 1.0 } else { 0.0 };
    if let Some(share) = min {
        // share * total - group <= 0
        halfspaces.push(Halfspace {
            coefficients: (0..n).map(|i| share - in_group(i)).collect(),
            bound: 0.0,
            source: constraint.name.clone(),
        });
    }
    if let Some(share) = max {
        // group - share * total <= 0
        halfspaces.push(Halfspace {
            coefficients: (0..n).map(|i| in_group(i) - share).collect(),
            bound: 0.0,
            source: constraint.name.clone(),
        });
    }
}

fn push_ratio_halfspaces(
    halfspaces: &mut Vec<Halfspace>,
    n: usize,
    (numerator, denominator): (&[usize], &[usize]),
    (min, max): (Option<f64>, Option<f64>),
    constraint: &Constraint,
) {
    // top - ratio * bottom, as coefficients over every cell; a cell may sit on both sides.
    let difference = |ratio: f64| -> Vec<f64> {
        let mut coefficients = vec![0.0; n];
        for &i in numerator {
            if let Some(slot) = coefficients.get_mut(i) {
                *slot += 1.0;
            }
        }
        for &i in denominator {
            if let Some(slot) = coefficients.get_mut(i) {
                *slot -= ratio;
            }
        }
        coefficients
    };
    if let Some(ratio) = max {
        halfspaces.push(Halfspace {
            coefficients: difference(ratio),
            bound: 0.0,
            source: constraint.name.clone(),
        });
    }
    if let Some(ratio) = min {
        halfspaces.push(Halfspace {
            coefficients: difference(ratio).into_iter().map(|a| -a).collect(),
            bound: 0.0,
            source: constraint.name.clone(),
        });
    }
}

fn push_sum_halfspaces(
    halfspaces: &mut Vec<Halfspace>,
    n: usize,
    cells: &[usize],
    lower: Option<f64>,
    upper: Option<f64>,
    constraint: &Constraint,
) {
    let indicator = |sign: f64| -> Vec<f64> {
        let mut coefficients = vec![0.0; n];
        for &i in cells {
            if let Some(slot) = coefficients.get_mut(i) {
                *slot = sign;
            }
        }
        coefficients
    };
    if let Some(hi) = upper {
        halfspaces.push(Halfspace {
            coefficients: indicator(1.0),
            bound: hi,
            source: constraint.name.clone(),
        });
    }
    if let Some(lo) = lower {
        halfspaces.push(Halfspace {
            coefficients: indicator(-1.0),
            bound: -lo,
            source: constraint.name.clone(),
        });
    }
}

/// Checks each spend-bounds rule alone against the bounds of its cells.
fn check_sums(
    space: &DecisionSpace,
    set: &LinearSet,
    constraints: &[Constraint],
) -> Result<(), CoreError> {
    for constraint in constraints {
        let Rule::SpendBounds {
            cells,
            lower,
            upper,
        } = &constraint.rule
        else {
            continue;
        };
        let floors: f64 = cells.iter().map(|&i| set.lower[i]).sum();
        let ceilings: f64 = cells.iter().map(|&i| set.upper[i]).sum();
        let names = || {
            let names: Vec<&str> = cells
                .iter()
                .filter_map(|&i| space.channels().get(i).map(|c| c.name.as_str()))
                .collect();
            let shown = names.len().min(4);
            let more = names.len() - shown;
            let mut text = names[..shown].join(", ");
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        };
        if let (Some(lo), Some(hi)) = (lower, upper) {
            if lo > hi {
                return Err(CoreError::Infeasible {
                    constraints: vec![constraint.name.clone()],
                    message: format!(
                        "`{}`: the lower limit {} exceeds the upper limit {}: lower the first or \
                         raise the second",
                        constraint.name,
                        money(*lo),
                        money(*hi)
                    ),
                });
            }
        }
        let tolerance = |limit: f64| FEASIBILITY_TOLERANCE * limit.abs().max(1.0);
        if let Some(hi) = upper.filter(|hi| floors > hi + tolerance(*hi)) {
            return Err(CoreError::Infeasible {
                constraints: vec![constraint.name.clone(), "cell lower bounds".into()],
                message: format!(
                    "`{}` allows at most {} over {}, but their lower bounds add up to {}: raise \
                     the limit to {} or lower those bounds by {} in total",
                    constraint.name,
                    money(hi),
                    names(),
                    money(floors),
                    money(floors),
                    money(floors - hi)
                ),
            });
        }
        if let Some(lo) = lower.filter(|lo| ceilings < lo - tolerance(*lo)) {
            return Err(CoreError::Infeasible {
                constraints: vec![constraint.name.clone(), "cell upper bounds".into()],
                message: format!(
                    "`{}` needs at least {} over {}, but their upper bounds allow only {}: lower \
                     the limit to {} or raise those bounds by {} in total",
                    constraint.name,
                    money(lo),
                    names(),
                    money(ceilings),
                    money(ceilings),
                    money(lo - ceilings)
                ),
            });
        }
    }
    Ok(())
}

fn check_bounds(
    space: &DecisionSpace,
    set: &LinearSet,
    lower_source: &[String],
    upper_source: &[String],
) -> Result<(), CoreError> {
    for (i, channel) in space.channels().iter().enumerate() {
        if set.lower[i] > set.upper[i] {
            let constraints = vec![lower_source[i].clone(), upper_source[i].clone()];
            return Err(CoreError::Infeasible {
                message: format!(
                    "channel `{}`: lower bound {} from `{}` exceeds upper bound {} from `{}`: \
                     lower the first or raise the second",
                    channel.name,
                    money(set.lower[i]),
                    lower_source[i],
                    money(set.upper[i]),
                    upper_source[i]
                ),
                constraints,
            });
        }
    }
    Ok(())
}

fn check_total(set: &LinearSet, source: &str) -> Result<(), CoreError> {
    let floors: f64 = set.lower.iter().sum();
    let ceilings: f64 = set.upper.iter().sum();
    let Some(rule) = set.total else {
        return Ok(());
    };
    let (least, most) = rule.limits();
    if let TotalRule::Between(lower, upper) = rule {
        if lower > upper {
            return Err(CoreError::Infeasible {
                constraints: vec![source.to_string()],
                message: format!(
                    "`{source}` asks for at least {} but at most {}: lower the first or raise \
                     the second",
                    money(lower),
                    money(upper)
                ),
            });
        }
    }
    let tolerance = |amount: f64| FEASIBILITY_TOLERANCE * amount.abs().max(1.0);
    if most.is_finite() && floors > most + tolerance(most) {
        return Err(CoreError::Infeasible {
            constraints: vec![source.to_string(), "channel lower bounds".into()],
            message: format!(
                "the channel lower bounds add up to {}, above the total budget {} of `{source}`: \
                 raise the budget to {} or lower the floors by {} in total",
                money(floors),
                money(most),
                money(floors),
                money(floors - most)
            ),
        });
    }
    if least.is_finite() && ceilings < least - tolerance(least) {
        let what = if least == most {
            "the total budget"
        } else {
            "the least total"
        };
        return Err(CoreError::Infeasible {
            constraints: vec![source.to_string(), "channel upper bounds".into()],
            message: format!(
                "the channel upper bounds can place only {} of {what} {} of `{source}`, leaving \
                 {} unplaced: raise the upper bounds by {} in total or lower the budget to {}",
                money(ceilings),
                money(least),
                money(least - ceilings),
                money(least - ceilings),
                money(ceilings)
            ),
        });
    }
    Ok(())
}

fn check_groups(
    space: &DecisionSpace,
    set: &LinearSet,
    constraints: &[Constraint],
    total_source: &str,
) -> Result<(), CoreError> {
    let mut min_total = 0.0;
    let mut min_names = Vec::new();
    for constraint in constraints {
        let Rule::GroupShare {
            group,
            members,
            min,
            max,
        } = &constraint.rule
        else {
            continue;
        };
        for (field, share) in [("min", min), ("max", max)] {
            if let Some(share) = share {
                if !share.is_finite() || !(0.0..=1.0).contains(share) {
                    return Err(CoreError::invalid(
                        format!("constraints.{}.{field}", constraint.name),
                        format!("share {share} is outside [0, 1]: write it as a fraction"),
                    ));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(CoreError::Infeasible {
                    constraints: vec![constraint.name.clone()],
                    message: format!(
                        "`{}`: group `{group}` min share {lo} exceeds its max share {hi}: lower \
                         the min or raise the max",
                        constraint.name
                    ),
                });
            }
        }
        if let Some(lo) = min {
            min_total += lo;
            min_names.push(constraint.name.clone());
        }
        if let Some(TotalRule::Exactly(budget)) = set.total {
            let group = GroupCapacity::new(space, set, constraint, group, members, budget);
            if let Some(share) = min {
                group.check_min(*share, total_source)?;
            }
            if let Some(share) = max {
                group.check_max(*share, total_source)?;
            }
        }
    }
    if min_total > 1.0 + FEASIBILITY_TOLERANCE && disjoint_groups(constraints) {
        return Err(CoreError::Infeasible {
            message: format!(
                "the minimum shares of {} add up to {min_total}, above 1: lower them by {} in \
                 total",
                min_names.join(", "),
                min_total - 1.0
            ),
            constraints: min_names,
        });
    }
    Ok(())
}

/// Spending room that the bounds leave a group and the other channels under an exact budget.
struct GroupCapacity<'a> {
    constraint: &'a str,
    group: &'a str,
    names: String,
    budget: f64,
    /// Sum of the group's lower and upper bounds.
    inside: (f64, f64),
    /// Sum of the other channels' lower and upper bounds.
    outside: (f64, f64),
}

impl<'a> GroupCapacity<'a> {
    fn new(
        space: &DecisionSpace,
        set: &LinearSet,
        constraint: &'a Constraint,
        group: &'a str,
        members: &[usize],
        budget: f64,
    ) -> Self {
        let mut inside = (0.0, 0.0);
        let mut outside = (0.0, 0.0);
        for i in 0..set.lower.len() {
            let part = if members.contains(&i) {
                &mut inside
            } else {
                &mut outside
            };
            part.0 += set.lower[i];
            part.1 += set.upper[i];
        }
        let names: Vec<&str> = members
            .iter()
            .filter_map(|&i| space.channels().get(i).map(|c| c.name.as_str()))
            .collect();
        Self {
            constraint: &constraint.name,
            group,
            names: names.join(", "),
            budget,
            inside,
            outside,
        }
    }

    fn conflict(&self, total_source: &str, message: String) -> CoreError {
        CoreError::Infeasible {
            constraints: vec![self.constraint.to_string(), total_source.to_string()],
            message: format!("`{}`: {message}", self.constraint),
        }
    }

    fn check_min(&self, share: f64, total_source: &str) -> Result<(), CoreError> {
        let needed = share * self.budget;
        let slack = FEASIBILITY_TOLERANCE * self.budget.max(1.0);
        if self.inside.1 + slack < needed {
            return Err(self.conflict(
                total_source,
                format!(
                "group `{}` needs {} ({share} of {}), but its channels ({}) can take at most {}: \
                 raise their upper bounds by {} or lower the share to {}",
                self.group, money(needed), money(self.budget), self.names, money(self.inside.1),
                money(needed - self.inside.1), self.inside.1 / self.budget
            ),
            ));
        }
        let room = self.budget - needed;
        if self.outside.0 > room + slack {
            return Err(self.conflict(
                total_source,
                format!(
                    "group `{}` needs {} ({share} of {}), but the other channels' lower bounds \
                 already take {}: lower those bounds by {} or the share to {}",
                    self.group,
                    money(needed),
                    money(self.budget),
                    money(self.outside.0),
                    money(self.outside.0 - room),
                    1.0 - self.outside.0 / self.budget
                ),
            ));
        }
        Ok(())
    }

    fn check_max(&self, share: f64, total_source: &str) -> Result<(), CoreError> {
        let allowed = share * self.budget;
        let slack = FEASIBILITY_TOLERANCE * self.budget.max(1.0);
        if self.inside.0 > allowed + slack {
            return Err(self.conflict(
                total_source,
                format!(
                    "group `{}` may take at most {} ({share} of {}), but its channels' ({}) lower \
                 bounds add up to {}: lower those bounds by {} or raise the share to {}",
                    self.group,
                    money(allowed),
                    money(self.budget),
                    self.names,
                    money(self.inside.0),
                    money(self.inside.0 - allowed),
                    self.inside.0 / self.budget
                ),
            ));
        }
        let rest = self.budget - allowed;
        if self.outside.1 + slack < rest {
            return Err(self.conflict(
                total_source,
                format!(
                "group `{}` may take at most {} ({share} of {}), so the other channels must take \
                 {}, but their upper bounds allow only {}: raise those bounds by {} or the \
                 share to {}",
                self.group, money(allowed), money(self.budget), money(rest), money(self.outside.1),
                money(rest - self.outside.1), 1.0 - self.outside.1 / self.budget
            ),
            ));
        }
        Ok(())
    }
}

fn disjoint_groups(constraints: &[Constraint]) -> bool {
    let mut seen: Vec<usize> = Vec::new();
    for constraint in constraints {
        if let Rule::GroupShare {
            members,
            min: Some(_),
            ..
        } = &constraint.rule
        {
            if members.iter().any(|m| seen.contains(m)) {
                return false;
            }
            seen.extend(members);
        }
    }
    true
}

/// Builds the error for linear rules that repair could not satisfy together: the group share
/// and spend-bounds rules, which the checks before solving only test one at a time, against
/// the budget and bounds.
pub fn share_conflict(
    constraints: &[Constraint],
    failure: &crate::projection::RepairFailure,
    currency: &str,
) -> CoreError {
    let mut names: Vec<String> = constraints
        .iter()
        .filter(|c| match &c.rule {
            // A rule that keeps cells at 0 is already part of their bounds.
            Rule::SpendBounds { upper, .. } => *upper != Some(0.0),
            rule => matches!(rule, Rule::GroupShare { .. } | Rule::Ratio { .. }),
        })
        .map(|c| c.name.clone())
        .collect();
    let total = constraints.iter().find(|c| {
        matches!(
            c.rule,
            Rule::TotalExactly { .. }
                | Rule::TotalAtMost { .. }
                | Rule::TotalAtLeast { .. }
                | Rule::TotalBetween { .. }
        )
    });
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let budget = total
        .map(|c| format!("`{}`", c.name))
        .unwrap_or_else(|| "the budget".into());
    let message = format!(
        "the rules {} cannot all hold together with {budget} and the channel bounds: the closest \
         plan still misses `{}` by {} {currency}. Relax one of these rules or the bounds of \
         their channels",
        quoted.join(", "),
        failure.constraint,
        money(failure.violation)
    );
    if let Some(total) = total {
        names.push(total.name.clone());
    }
    CoreError::Infeasible {
        constraints: names,
        message,
    }
}

/// Formats an amount of money with thousands separators and at most two decimals.
pub fn money(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let whole = rounded.abs().trunc();
    let cents = ((rounded.abs() - whole) * 100.0).round() as u64;
    let digits = format!("{whole:.0}");
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if negative { "-" } else { "" };
    if cents == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{cents:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Channel;

    fn space(n: usize, upper: f64) -> DecisionSpace {
        DecisionSpace::new(
            (0..n)
                .map(|i| Channel {
                    name: format!("c{i}"),
                    lower: 0.0,
                    upper,
                    groups: if i == 0 {
                        vec!["digital".into()]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        )
        .unwrap()
    }

    fn named(name: &str, rule: Rule) -> Constraint {
        Constraint {
            name: name.into(),
            rule,
        }
    }

    #[test]
    fn floors_above_budget_name_the_fix() {
        let constraints = vec![
            named("budget", Rule::TotalExactly { amount: 100.0 }),
            named(
                "f0",
                Rule::ChannelBounds {
                    channel: 0,
                    lower: 40.0,
                    upper: 100.0,
                },
            ),
            named(
                "f1",
                Rule::ChannelBounds {
                    channel: 1,
                    lower: 40.0,
                    upper: 100.0,
                },
            ),
            named(
                "f2",
                Rule::ChannelBounds {
                    channel: 2,
                    lower: 40.0,
                    upper: 100.0,
                },
            ),
        ];
        let error = compile(&space(3, 100.0), &constraints).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("budget"), "{message}");
        assert!(message.contains("raise the budget to 120"), "{message}");
        assert!(message.contains("lower the floors by 20"), "{message}");
    }

    #[test]
    fn ceilings_below_budget_report_what_is_left() {
        let constraints = vec![named("budget", Rule::TotalExactly { amount: 100.0 })];
        let error = compile(&space(2, 17.0), &constraints).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("only 34"), "{message}");
        assert!(message.contains("leaving 66"), "{message}");
    }

    #[test]
    fn fixed_outside_bounds_names_both() {
        let constraints = vec![named(
            "hold c0",
            Rule::Fixed {
                channel: 0,
                amount: 500.0,
            },
        )];
        let error = compile(&space(2, 100.0), &constraints).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("hold c0"), "{message}");
        assert!(message.contains("c0 bounds"), "{message}");
        assert!(message.contains("500"), "{message}");
    }

    #[test]
    fn group_share_check_reports_share() {
        let constraint = named(
            "digital floor",
            Rule::GroupShare {
                group: "digital".into(),
                members: vec![0],
                min: Some(0.3),
                max: None,
            },
        );
        let low = constraint.check(&[20.0, 80.0]);
        assert!(!low.satisfied);
        assert!((low.value - 0.2).abs() < 1e-12);
        let edge = constraint.check(&[30.0, 70.0]);
        assert!(edge.satisfied);
        assert!(edge.binding);
    }

    fn share(name: &str, members: Vec<usize>, min: Option<f64>, max: Option<f64>) -> Constraint {
        named(
            name,
            Rule::GroupShare {
                group: "digital".into(),
                members,
                min,
                max,
            },
        )
    }

    #[test]
    fn group_floors_above_max_share_are_infeasible() {
        let constraints = vec![
            named("budget", Rule::TotalExactly { amount: 100.0 }),
            named(
                "c0 floor",
                Rule::ChannelBounds {
                    channel: 0,
                    lower: 80.0,
                    upper: 100.0,
                },
            ),
            share("digital cap", vec![0], None, Some(0.5)),
        ];
        let message = compile(&space(3, 100.0), &constraints)
            .unwrap_err()
            .to_string();
        assert!(message.contains("digital cap"), "{message}");
        assert!(message.contains("add up to 80"), "{message}");
        assert!(message.contains("lower those bounds by 30"), "{message}");
    }

    #[test]
    fn others_ceilings_below_max_share_rest_are_infeasible() {
        let constraints = vec![
            named("budget", Rule::TotalExactly { amount: 100.0 }),
            named(
                "c1 cap",
                Rule::ChannelBounds {
                    channel: 1,
                    lower: 0.0,
                    upper: 20.0,
                },
            ),
            named(
                "c2 cap",
                Rule::ChannelBounds {
                    channel: 2,
                    lower: 0.0,
                    upper: 20.0,
                },
            ),
            share("digital cap", vec![0], None, Some(0.5)),
        ];
        // The two other channels can take 20 each, but 50 must go outside the group.
        let message = compile(&space(3, 100.0), &constraints)
            .unwrap_err()
            .to_string();
        assert!(message.contains("allow only 40"), "{message}");
    }

    #[test]
    fn others_floors_above_min_share_room_are_infeasible() {
        let constraints = vec![
            named("budget", Rule::TotalExactly { amount: 100.0 }),
            named(
                "c1 floor",
                Rule::ChannelBounds {
                    channel: 1,
                    lower: 90.0,
                    upper: 100.0,
                },
            ),
            share("digital floor", vec![0], Some(0.3), None),
        ];
        let message = compile(&space(3, 100.0), &constraints)
            .unwrap_err()
            .to_string();
        assert!(message.contains("already take 90"), "{message}");
        assert!(message.contains("lower those bounds by 20"), "{message}");
    }

    #[test]
    fn lower_only_bound_is_enforced() {
        let constraint = named(
            "c0 limits",
            Rule::ChannelBounds {
                channel: 0,
                lower: 50.0,
                upper: f64::INFINITY,
            },
        );
        let below = constraint.check(&[10.0, 0.0]);
        assert!(!below.satisfied);
        assert_eq!(below.upper, None);
        let above = constraint.check(&[80.0, 0.0]);
        assert!(above.satisfied);
        assert!(!above.binding);
    }

    #[test]
    fn zero_plan_satisfies_share_floor() {
        let check = share("digital floor", vec![0], Some(0.3), None).check(&[0.0, 0.0]);
        assert!(check.satisfied);
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(1_234_567.0), "1,234,567");
        assert_eq!(money(12.5), "12.50");
        assert_eq!(money(-1000.0), "-1,000");
    }
}
