//! The `exact` solver: a global optimum for separable models, with a certified bound.
//!
//! When every KPI is a constant plus one term per channel, a weighted sum of objectives is a
//! sum of one-channel functions. Dynamic programming over a spend grid then finds the best grid
//! plan under the total, the box bounds and any family of group rules in which two groups are
//! either disjoint or nested. Every channel's spend above its lower bound is a whole number of
//! grid steps, so the grid plan meets those rules exactly.
//!
//! The bound comes from a second pass over grid cells instead of grid points. When each
//! channel's contribution to each KPI is monotone in its spend (true of every built-in response
//! curve), the best value inside a cell is at most the sum, over objectives, of the better end
//! of the cell. Any feasible plan puts each channel in one cell, and the cells' lower ends
//! satisfy a relaxed form of every rule, so the second pass bounds every feasible plan from
//! above, not only the grid plans.

use std::time::Instant;

use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::Serialize;

use crate::constraint::Rule;
use crate::error::CoreError;
use crate::objective::{Measure, Risk};
use crate::problem::Problem;
use crate::solve::SolveStatus;

/// Work budget of one grid pass, in table updates: about 30 ms on one core.
const WORK: f64 = 1e8;

/// Grid steps per pass, at most and at least.
const MAX_LEVELS: usize = 4000;
const MIN_LEVELS: usize = 50;

/// Most plans evaluated to measure the channel terms when contributions do not add up to the
/// KPIs: one plan per channel and grid level.
const DIFFERENCE_PLANS: usize = 100_000;

/// Relative tolerance when a bound is compared with a grid level.
const LEVEL_SLACK: f64 = 1e-9;

/// Best grid plan and the bound on every feasible plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridOutcome {
    /// Best plan on the grid, per channel.
    pub spend: Vec<f64>,
    /// The scalar at `spend`.
    pub value: f64,
    /// No feasible plan has a larger scalar, when `certified`.
    pub upper_bound: f64,
    /// Whether the model promises monotone contributions, which the bound relies on.
    pub certified: bool,
    /// Grid step in money.
    pub step: f64,
    /// Number of grid steps across the largest range.
    pub levels: usize,
    /// Model evaluations spent on the grid.
    pub evaluations: usize,
    /// The limit that made the grid coarser or skipped the finer bound, if any.
    pub limited: Option<SolveStatus>,
}

/// One rule on the spend of a set of channels, in money above the channels' lower bounds.
#[derive(Debug, Clone)]
struct GroupRange {
    name: String,
    members: Vec<usize>,
    lower: f64,
    upper: f64,
}

/// The rules of a problem in the form the grid solver needs.
#[derive(Debug, Clone)]
struct Structure {
    lower: Vec<f64>,
    capacity: Vec<f64>,
    total: (f64, f64),
    groups: Vec<GroupRange>,
}

/// Returns the reason `exact` cannot solve this problem, or `None` when it can.
pub fn unsupported_reason(problem: &Problem) -> Option<String> {
    structure(problem).err()
}

fn structure(problem: &Problem) -> Result<Structure, String> {
    if !problem.model.is_separable() {
        return Err(
            "the model is not a sum of one-channel curves that Atlas can read (such as a model \
             with carry-over between cells, cross-channel terms, trees or an external program)"
                .into(),
        );
    }
    if problem.model.draws() > 1 {
        if let Some(objective) = problem.objectives.iter().find(|o| o.risk != Risk::Mean) {
            return Err(format!(
                "objective `{}` summarizes posterior draws by a quantile or CVaR, which is not a \
                 sum over channels",
                objective.name
            ));
        }
    }
    let n = problem.n_channels();
    let lower = problem.linear.lower.clone();
    let (total_lower, total_upper) = problem
        .linear
        .total
        .as_ref()
        .map_or((f64::NEG_INFINITY, f64::INFINITY), |t| t.limits());
    let least: f64 = lower.iter().sum();

    let names = problem.space.names();
    let mut capacity = Vec::with_capacity(n);
    for (i, (floor, ceiling)) in lower.iter().zip(&problem.linear.upper).enumerate() {
        let mut cap = ceiling - floor;
        if !cap.is_finite() {
            cap = total_upper - least;
        }
        if !cap.is_finite() {
            return Err(format!(
                "channel `{}` has no upper bound and the total has no maximum",
                names[i]
            ));
        }
        capacity.push(cap.max(0.0));
    }

    let room: f64 = capacity.iter().sum();
    let total = (
        (total_lower - least).max(0.0),
        (total_upper - least).min(room),
    );
    let fixed_total = problem
        .linear
        .total
        .as_ref()
        .map(|t| t.limits())
        .filter(|(lo, hi)| lo == hi)
        .map(|(lo, _)| lo);

    let mut groups = Vec::new();
    for constraint in &problem.constraints {
        match &constraint.rule {
            Rule::TotalExactly { .. }
            | Rule::TotalAtMost { .. }
            | Rule::TotalAtLeast { .. }
            | Rule::TotalBetween { .. }
            | Rule::ChannelBounds { .. }
            | Rule::Fixed { .. } => {}
            Rule::SpendBounds {
                cells,
                lower: lo,
                upper: hi,
            } => {
                if cells.len() > 1 {
                    groups.push(group_range(
                        &constraint.name,
                        cells,
                        lo.unwrap_or(f64::NEG_INFINITY),
                        hi.unwrap_or(f64::INFINITY),
                        &lower,
                    ));
                }
            }
            Rule::GroupShare {
                members, min, max, ..
            } => {
                let Some(total) = fixed_total else {
                    return Err(format!(
                        "rule `{}` sets a share of a total that is not fixed",
                        constraint.name
                    ));
                };
                groups.push(group_range(
                    &constraint.name,
                    members,
                    min.map_or(f64::NEG_INFINITY, |s| s * total),
                    max.map_or(f64::INFINITY, |s| s * total),
                    &lower,
                ));
            }
            Rule::Ratio { .. } => {
                return Err(format!(
                    "rule `{}` is a ratio, which the grid cannot split by channel",
                    constraint.name
                ));
            }
            Rule::KpiBounds { .. } | Rule::Efficiency { .. } => {
                return Err(format!(
                    "rule `{}` is a rule on KPIs, which the grid cannot split by channel",
                    constraint.name
                ));
            }
        }
    }

    laminar_order(&groups, n).map_err(|(a, b)| {
        format!(
            "rules `{}` and `{}` cover channel sets that overlap without one containing the \
             other",
            groups[a].name, groups[b].name
        )
    })?;
    Ok(Structure {
        lower,
        capacity,
        total,
        groups,
    })
}

fn group_range(name: &str, members: &[usize], lo: f64, hi: f64, lower: &[f64]) -> GroupRange {
    let mut members = members.to_vec();
    members.sort_unstable();
    members.dedup();
    let least: f64 = members.iter().map(|&i| lower[i]).sum();
    GroupRange {
        name: name.to_string(),
        lower: (lo - least).max(0.0),
        upper: hi - least,
        members,
    }
}

/// Orders groups from largest to smallest and checks that any two are disjoint or nested,
/// returning the positions of two groups that are neither.
fn laminar_order(groups: &[GroupRange], n: usize) -> Result<Vec<usize>, (usize, usize)> {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(groups[g].members.len()));
    // Smallest group seen so far that contains each channel.
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for &g in &order {
        let members = &groups[g].members;
        let parent = owner[members[0]];
        if let Some(bad) = members.iter().find(|&&i| owner[i] != parent) {
            return Err((g, owner[*bad].or(parent).unwrap_or(g)));
        }
        for &i in members {
            owner[i] = Some(g);
        }
    }
    Ok(order)
}

/// A table of best values by grid level, and how to split each level among the children.
struct Solved {
    values: Vec<f64>,
    trace: Trace,
}

enum Trace {
    Leaf(usize),
    Group {
        children: Vec<Trace>,
        /// `splits[k][t]`: the level kept by the first `k + 1` children when the first `k + 2`
        /// share level `t`.
        splits: Vec<Vec<u32>>,
    },
}

/// A node of the group tree: a channel or a group with its allowed levels.
enum Node {
    Leaf(usize),
    Group {
        children: Vec<Node>,
        allowed: (usize, usize),
    },
}

fn solve_node(node: &Node, leaves: &[Vec<f64>], cap: usize) -> Solved {
    match node {
        Node::Leaf(i) => Solved {
            values: leaves[*i].clone(),
            trace: Trace::Leaf(*i),
        },
        Node::Group { children, allowed } => {
            let mut solved: Vec<Solved> = children
                .iter()
                .map(|child| solve_node(child, leaves, cap))
                .collect();
            let mut values = std::mem::take(&mut solved[0].values);
            let mut splits = Vec::with_capacity(solved.len().saturating_sub(1));
            for child in solved.iter_mut().skip(1) {
                let (merged, split) = merge(&values, &child.values, cap);
                values = merged;
                splits.push(split);
                child.values = Vec::new();
            }
            for (t, value) in values.iter_mut().enumerate() {
                if t < allowed.0 || t > allowed.1 {
                    *value = f64::NEG_INFINITY;
                }
            }
            Solved {
                values,
                trace: Trace::Group {
                    children: solved.into_iter().map(|s| s.trace).collect(),
                    splits,
                },
            }
        }
    }
}

/// Max-plus convolution of two tables, truncated at `cap` levels.
fn merge(left: &[f64], right: &[f64], cap: usize) -> (Vec<f64>, Vec<u32>) {
    let size = (left.len() + right.len() - 1).min(cap + 1);
    let mut values = vec![f64::NEG_INFINITY; size];
    let mut split = vec![0u32; size];
    for (s, &a) in left.iter().enumerate() {
        if a == f64::NEG_INFINITY {
            continue;
        }
        for (r, &b) in right.iter().enumerate().take(size.saturating_sub(s)) {
            let sum = a + b;
            if sum > values[s + r] {
                values[s + r] = sum;
                split[s + r] = s as u32;
            }
        }
    }
    (values, split)
}

fn assign(trace: &Trace, level: usize, out: &mut [usize]) {
    match trace {
        Trace::Leaf(i) => out[*i] = level,
        Trace::Group { children, splits } => {
            let mut t = level;
            for k in (0..splits.len()).rev() {
                let kept = splits[k][t] as usize;
                assign(&children[k + 1], t - kept, out);
                t = kept;
            }
            assign(&children[0], t, out);
        }
    }
}

/// Builds the group tree. `allowed(group, leaves)` gives a group's allowed levels.
fn build_tree(
    structure: &Structure,
    allowed: &dyn Fn(&GroupRange, usize) -> (usize, usize),
    root: (usize, usize),
) -> Node {
    let n = structure.lower.len();
    let order = laminar_order(&structure.groups, n).unwrap_or_default();

    // From the largest group down, each group's parent is the smallest group seen so far that
    // contains its channels, and each channel ends with the smallest group containing it.
    let mut owner: Vec<Option<usize>> = vec![None; n];
    let mut parent_of: Vec<Option<usize>> = vec![None; structure.groups.len()];
    for &g in &order {
        let members = &structure.groups[g].members;
        parent_of[g] = owner[members[0]];
        for &i in members {
            owner[i] = Some(g);
        }
    }

    let mut nodes: Vec<Option<Node>> = (0..structure.groups.len()).map(|_| None).collect();
    let mut child_nodes: Vec<Vec<Node>> = (0..structure.groups.len()).map(|_| Vec::new()).collect();
    let mut root_children = Vec::new();
    for (i, group) in owner.iter().enumerate() {
        match group {
            Some(g) => child_nodes[*g].push(Node::Leaf(i)),
            None => root_children.push(Node::Leaf(i)),
        }
    }

    // From the smallest group up, so that every group is complete before its parent takes it.
    for &g in order.iter().rev() {
        let children = std::mem::take(&mut child_nodes[g]);
        let node = Node::Group {
            children,
            allowed: allowed(&structure.groups[g], structure.groups[g].members.len()),
        };
        match parent_of[g] {
            Some(p) => child_nodes[p].push(node),
            None => nodes[g] = Some(node),
        }
    }

    root_children.extend(nodes.into_iter().flatten());
    Node::Group {
        children: root_children,
        allowed: root,
    }
}

/// Finds the best grid plan and a bound on every feasible plan for the scalar
/// `sum_j coefficients[j] * objective_j`.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] when the problem is outside the solver's reach (see
/// [`unsupported_reason`]) or no grid plan meets the rules, and the model's error when it
/// fails or turns out not to be separable.
pub fn solve_grid(
    problem: &Problem,
    coefficients: &[f64],
    limits: GridLimits,
) -> Result<GridOutcome, CoreError> {
    let structure =
        structure(problem).map_err(|reason| CoreError::invalid("solver.method", reason))?;
    let n = structure.lower.len();
    let reach = structure.total.1.max(0.0);
    if reach <= 0.0 {
        return single_plan(problem, coefficients, &structure);
    }
    let by_contributions = contributions_add_up(problem, &structure)?;
    let mut levels = ((WORK / n.max(1) as f64).sqrt() as usize).clamp(MIN_LEVELS, MAX_LEVELS);
    if !by_contributions {
        levels = levels.min((DIFFERENCE_PLANS / n.max(1)).max(MIN_LEVELS));
    }
    // Plans evaluated per grid level, and the evaluations the limit leaves for the grid.
    let per_level = if by_contributions { 1 } else { n.max(1) };
    let mut limited = None;
    if let Some(budget) = limits.max_evaluations {
        let affordable = (budget.saturating_sub(4) / per_level).max(1);
        if affordable < levels {
            levels = affordable;
            limited = Some(SolveStatus::EvaluationLimit);
        }
    }
    let step = reach / levels as f64;
    let tables = channel_tables(
        problem,
        coefficients,
        &structure,
        (step, levels),
        by_contributions,
    )?;

    let floor = |amount: f64| ((amount / step) * (1.0 + LEVEL_SLACK) + LEVEL_SLACK).floor();
    let ceil = |amount: f64| ((amount / step) * (1.0 - LEVEL_SLACK) - LEVEL_SLACK).ceil();
    // An empty range (lower above upper) masks every level.
    let clamp = |lo: f64, hi: f64| {
        if hi < 0.0 {
            (1, 0)
        } else {
            (
                lo.max(0.0).min(levels as f64 + 1.0) as usize,
                hi.min(levels as f64) as usize,
            )
        }
    };
    // A grid plan's group spends are whole levels within the rule. The cells of a feasible
    // plan start at most one level per channel below the rule's lower limit.
    let points = |group: &GroupRange, _size: usize| clamp(ceil(group.lower), floor(group.upper));
    let cells = |group: &GroupRange, size: usize| {
        clamp(ceil(group.lower) - size as f64, floor(group.upper))
    };
    let root_points = clamp(ceil(structure.total.0), floor(structure.total.1));
    let root_cells = clamp(ceil(structure.total.0) - n as f64, floor(structure.total.1));

    let lower_tree = build_tree(&structure, &points, root_points);
    let lower = solve_node(&lower_tree, &tables.points, levels);
    let upper_tree = build_tree(&structure, &cells, root_cells);
    let upper = solve_node(&upper_tree, &tables.cells, levels);

    let (best_level, _) = lower
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold((None, f64::NEG_INFINITY), |(at, best), (t, &v)| {
            if v > best {
                (Some(t), v)
            } else {
                (at, best)
            }
        });
    let Some(best_level) = best_level else {
        // A grid that a limit made coarse may miss every plan; the caller then refines from
        // its other starts, with no bound.
        if limited.is_some() {
            let spend = structure.lower.clone();
            return Ok(GridOutcome {
                value: scalar_at(problem, coefficients, &spend)?,
                spend,
                upper_bound: f64::INFINITY,
                certified: false,
                step,
                levels,
                evaluations: tables.evaluations + 1,
                limited,
            });
        }
        return Err(CoreError::invalid(
            "solver.method",
            "no plan on the spend grid meets the group rules: use the `gradient` method",
        ));
    };
    let mut grid = vec![0usize; n];
    assign(&lower.trace, best_level, &mut grid);
    let spend: Vec<f64> = (0..n)
        .map(|i| structure.lower[i] + (grid[i] as f64 * step).min(structure.capacity[i]))
        .collect();
    let bound = upper
        .values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let value = scalar_at(problem, coefficients, &spend)?;
    let mut upper_bound = bound + tables.constant;
    let mut evaluations = tables.evaluations + 1;
    // A finer grid costs one evaluation per level for the dual bound, against a squared cost
    // for the table pass, so it tightens the bound where the scalar is near concave.
    let fine = (levels * FINE_FACTOR).min(MAX_FINE_LEVELS);
    let fine_fits = limits
        .max_evaluations
        .is_none_or(|budget| evaluations + fine + 3 <= budget);
    let in_time = limits.deadline.is_none_or(|at| Instant::now() < at);
    if !in_time {
        limited = Some(SolveStatus::TimeLimit);
    }
    if by_contributions && fine_fits && in_time {
        let step = reach / fine as f64;
        let tables = channel_tables(problem, coefficients, &structure, (step, fine), true)?;
        evaluations += tables.evaluations;
        let dual = dual_bound(&tables.cells, step, structure.total, &structure.capacity);
        upper_bound = upper_bound.min(dual + tables.constant);
    }
    Ok(GridOutcome {
        spend,
        value,
        upper_bound: upper_bound.max(value),
        certified: problem.model.has_monotone_contributions(),
        step,
        levels,
        evaluations,
        limited,
    })
}

/// Limits of one grid solve.
#[derive(Debug, Clone, Copy, Default)]
pub struct GridLimits {
    /// Maximum number of model evaluations; the grid shrinks to fit.
    pub max_evaluations: Option<usize>,
    /// Instant after which the finer pass of the bound is skipped.
    pub deadline: Option<Instant>,
}

/// Levels of the dual bound's grid per level of the table pass, and their most.
const FINE_FACTOR: usize = 10;
const MAX_FINE_LEVELS: usize = 10_000;

/// Bounds the scalar from above by Lagrangian duality over the total rule, with the group
/// rules dropped (which can only raise the maximum). For a multiplier `price`, each channel
/// then maximizes its cell bound minus `price` times its spend alone, and the total adds
/// `price` times its best limit. Every price gives a bound; the best price is found by
/// ternary search, because the bound is convex in the price.
fn dual_bound(cells: &[Vec<f64>], step: f64, total: (f64, f64), capacity: &[f64]) -> f64 {
    // For a non-negative price the cheapest point of cell t is its left end, else its right.
    let hulls: Vec<(Hull, Hull)> = cells
        .iter()
        .zip(capacity)
        .map(|(values, &cap)| {
            let left: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(t, &v)| (t as f64 * step, v))
                .collect();
            let right: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(t, &v)| (((t + 1) as f64 * step).min(cap), v))
                .collect();
            (Hull::new(&left), Hull::new(&right))
        })
        .collect();
    let bound_at = |price: f64| -> f64 {
        let limit = if price >= 0.0 { total.1 } else { total.0 };
        let channels: f64 = hulls
            .iter()
            .map(|(left, right)| {
                if price >= 0.0 {
                    left.max_minus(price)
                } else {
                    right.max_minus(price)
                }
            })
            .sum();
        channels + price * limit
    };
    let steepest = hulls
        .iter()
        .map(|(left, _)| left.steepest())
        .fold(0.0f64, f64::max);
    let (mut low, mut high) = (-steepest - 1.0, steepest + 1.0);
    for _ in 0..200 {
        let a = low + (high - low) / 3.0;
        let b = high - (high - low) / 3.0;
        if bound_at(a) <= bound_at(b) {
            high = b;
        } else {
            low = a;
        }
    }
    bound_at(0.5 * (low + high)).min(bound_at(0.0))
}

/// Upper concave hull of points `(spend, value)` sorted by spend, for the largest
/// `value - price * spend`.
struct Hull {
    points: Vec<(f64, f64)>,
}

impl Hull {
    fn new(points: &[(f64, f64)]) -> Self {
        let mut hull: Vec<(f64, f64)> = Vec::with_capacity(points.len());
        for &p in points {
            // A point at the same spend as the last keeps only the larger value.
            if let Some(last) = hull.last_mut() {
                if (p.0 - last.0).abs() <= f64::EPSILON * p.0.abs().max(1.0) {
                    last.1 = last.1.max(p.1);
                    continue;
                }
            }
            while hull.len() >= 2 {
                let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
                // Drop b when it lies on or below the segment from a to p.
                if (b.1 - a.1) * (p.0 - a.0) <= (p.1 - a.1) * (b.0 - a.0) {
                    hull.pop();
                } else {
                    break;
                }
            }
            hull.push(p);
        }
        Self { points: hull }
    }

    /// Returns the largest `value - price * spend` over the points.
    fn max_minus(&self, price: f64) -> f64 {
        // Slopes fall along the hull; the best point is the first whose next slope is below
        // the price.
        let (mut low, mut high) = (0, self.points.len() - 1);
        while low < high {
            let middle = (low + high) / 2;
            let (a, b) = (self.points[middle], self.points[middle + 1]);
            if (b.1 - a.1) > price * (b.0 - a.0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        let (x, v) = self.points[low];
        v - price * x
    }

    /// Returns the largest slope magnitude along the hull.
    fn steepest(&self) -> f64 {
        self.points
            .windows(2)
            .map(|w| ((w[1].1 - w[0].1) / (w[1].0 - w[0].0)).abs())
            .filter(|s| s.is_finite())
            .fold(0.0, f64::max)
    }
}

fn single_plan(
    problem: &Problem,
    coefficients: &[f64],
    structure: &Structure,
) -> Result<GridOutcome, CoreError> {
    let spend = structure.lower.clone();
    let value = scalar_at(problem, coefficients, &spend)?;
    Ok(GridOutcome {
        spend,
        value,
        upper_bound: value,
        certified: true,
        step: 0.0,
        levels: 0,
        evaluations: 1,
        limited: None,
    })
}

/// Computes the scalar at one plan.
pub fn scalar_at(problem: &Problem, coefficients: &[f64], spend: &[f64]) -> Result<f64, CoreError> {
    let values = problem.objective_values(ArrayView1::from(spend).insert_axis(Axis(0)))?;
    Ok(values
        .row(0)
        .iter()
        .zip(coefficients)
        .map(|(v, c)| v * c)
        .sum())
}

struct Tables {
    /// Per channel, the scalar's channel term at each grid level it can reach.
    points: Vec<Vec<f64>>,
    /// Per channel, a bound on the channel term over each grid cell.
    cells: Vec<Vec<f64>>,
    /// The scalar's part that does not depend on spend.
    constant: f64,
    evaluations: usize,
}

/// Returns whether each KPI is its constant plus the model's contributions at the lowest and
/// the highest plan. A model's contributions may leave out part of a KPI, such as the response
/// after a plan's last period. The channel terms then come from differences of whole plans.
fn contributions_add_up(problem: &Problem, structure: &Structure) -> Result<bool, CoreError> {
    let n = structure.lower.len();
    let mut gaps = Vec::with_capacity(2);
    for top in [false, true] {
        let plan: Array1<f64> = (0..n)
            .map(|i| structure.lower[i] + if top { structure.capacity[i] } else { 0.0 })
            .collect();
        let contributions = terms_at(problem, plan.view())?;
        if contributions.dim() != (n, problem.kpi_names().len()) {
            return Ok(false);
        }
        let kpis = problem.model.evaluate(plan.view().insert_axis(Axis(0)))?;
        gaps.push(&kpis.row(0) - &contributions.sum_axis(Axis(0)));
    }
    Ok(gaps[0]
        .iter()
        .zip(gaps[1].iter())
        .all(|(a, b)| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)))
}

/// Returns each decision's term of each KPI: the model's separable terms, or else its
/// contributions.
fn terms_at(problem: &Problem, plan: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
    match problem.model.separable_terms(plan) {
        Some(terms) => terms,
        None => problem.model.contributions(plan),
    }
}

/// One table of channel terms per grid level, and the scalar's constant.
type Terms = (Vec<Array2<f64>>, f64, usize);

/// Reads each channel's term of each objective from the model's contributions.
fn terms_from_contributions(
    problem: &Problem,
    coefficients: &[f64],
    structure: &Structure,
    step: f64,
    levels: usize,
) -> Result<Terms, CoreError> {
    let n = structure.lower.len();
    let kpis = problem.kpi_names().len();
    // terms[t][i][j]: objective j's channel-i term with every channel at level t.
    let mut terms: Vec<Array2<f64>> = Vec::with_capacity(levels + 1);
    let mut evaluations = 0;
    let mut constant = 0.0;
    let mut baseline = Vec::new();
    for t in 0..=levels {
        let plan: Array1<f64> = (0..n)
            .map(|i| structure.lower[i] + (t as f64 * step).min(structure.capacity[i]))
            .collect();
        let contributions = terms_at(problem, plan.view())?;
        evaluations += 1;
        if contributions.dim() != (n, kpis) {
            return Err(CoreError::Model(format!(
                "the model's contributions have shape {:?}, expected {n} channels x {kpis} KPIs",
                contributions.dim()
            )));
        }
        let mut per_objective = Array2::zeros((n, problem.objectives.len()));
        for (j, objective) in problem.objectives.iter().enumerate() {
            for i in 0..n {
                per_objective[[i, j]] = match objective.measure {
                    Measure::Kpi(k) => contributions[[i, k]],
                    Measure::TotalSpend => plan[i],
                };
            }
        }
        if t == 0 || t == levels {
            let whole = problem.objective_values(plan.view().insert_axis(Axis(0)))?;
            evaluations += 1;
            let gaps: Vec<f64> = (0..coefficients.len())
                .map(|j| whole[[0, j]] - per_objective.column(j).sum())
                .collect();
            if t == 0 {
                constant = gaps.iter().zip(coefficients).map(|(g, c)| g * c).sum();
                baseline = gaps;
            } else {
                check_separable(problem, &baseline, &gaps, whole.row(0))?;
            }
        }
        terms.push(per_objective);
    }
    Ok((terms, constant, evaluations))
}

/// Measures each channel's term as the change of each objective when that channel alone moves
/// from its lower bound, which needs one plan per channel and level.
fn terms_from_differences(
    problem: &Problem,
    coefficients: &[f64],
    structure: &Structure,
    step: f64,
    levels: usize,
) -> Result<Terms, CoreError> {
    let n = structure.lower.len();
    let floor = Array1::from(structure.lower.clone());
    let base = problem.objective_values(floor.view().insert_axis(Axis(0)))?;
    let mut evaluations = 1;

    // Row i of level t moves channel i alone to that level.
    let mut terms = Vec::with_capacity(levels + 1);
    for t in 0..=levels {
        let mut batch = Array2::zeros((n, n));
        for (i, mut row) in batch.axis_iter_mut(Axis(0)).enumerate() {
            row.assign(&floor);
            row[i] += (t as f64 * step).min(structure.capacity[i]);
        }
        let values = problem.objective_values(batch.view())?;
        evaluations += n;
        terms.push(&values - &base);
    }

    let constant: f64 = base
        .row(0)
        .iter()
        .zip(coefficients)
        .map(|(b, c)| b * c)
        .sum();

    // A separable model's whole plan at the top level is the base plus every channel's term.
    let top: Array1<f64> = (0..n)
        .map(|i| structure.lower[i] + (levels as f64 * step).min(structure.capacity[i]))
        .collect();
    let whole = problem.objective_values(top.view().insert_axis(Axis(0)))?;
    evaluations += 1;
    let parts: Vec<f64> = (0..coefficients.len())
        .map(|j| base[[0, j]] + terms[levels].column(j).sum())
        .collect();
    let zero = vec![0.0; coefficients.len()];
    let gaps: Vec<f64> = parts.iter().zip(whole.row(0)).map(|(p, w)| w - p).collect();
    check_separable(problem, &zero, &gaps, whole.row(0))?;
    Ok((terms, constant, evaluations))
}

fn channel_tables(
    problem: &Problem,
    coefficients: &[f64],
    structure: &Structure,
    (step, levels): (f64, usize),
    by_contributions: bool,
) -> Result<Tables, CoreError> {
    let n = structure.lower.len();
    let (terms, constant, evaluations) = if by_contributions {
        terms_from_contributions(problem, coefficients, structure, step, levels)?
    } else {
        terms_from_differences(problem, coefficients, structure, step, levels)?
    };
    let term = |t: usize, i: usize, j: usize| terms[t][[i, j]] * coefficients[j];
    let mut points = Vec::with_capacity(n);
    let mut cells = Vec::with_capacity(n);
    for i in 0..n {
        let reach = ((structure.capacity[i] / step) * (1.0 + LEVEL_SLACK)).floor() as usize;
        let reach = reach.min(levels);
        points.push(
            (0..=reach)
                .map(|t| (0..coefficients.len()).map(|j| term(t, i, j)).sum())
                .collect(),
        );
        let count = ((structure.capacity[i] / step) * (1.0 - LEVEL_SLACK)).ceil() as usize;
        let count = count.clamp(1, levels);
        cells.push(
            (0..count)
                .map(|t| {
                    let next = (t + 1).min(levels);
                    (0..coefficients.len())
                        .map(|j| term(t, i, j).max(term(next, i, j)))
                        .sum()
                })
                .collect(),
        );
    }
    Ok(Tables {
        points,
        cells,
        constant,
        evaluations,
    })
}

/// Checks that each objective minus its channel terms is the same constant at the lowest and
/// the highest grid plan, as a separable model promises.
fn check_separable(
    problem: &Problem,
    low: &[f64],
    high: &[f64],
    whole: ArrayView1<'_, f64>,
) -> Result<(), CoreError> {
    for (j, (a, b)) in low.iter().zip(high).enumerate() {
        let scale = a.abs().max(whole[j].abs()).max(1.0);
        if (a - b).abs() > 1e-6 * scale {
            return Err(CoreError::Model(format!(
                "objective `{}` is not its constant plus the channel contributions ({a} at the \
                 lowest plan, {b} at the highest): the model is not separable, use the \
                 `gradient` method",
                problem.objectives[j].name
            )));
        }
    }
    Ok(())
}
