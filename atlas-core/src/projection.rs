//! Exact repair: the Euclidean projection of a plan onto the linear feasible set.
//!
//! The set is a box (channel bounds), an optional total (`sum = B` or `sum <= B`) and any number
//! of half-spaces `a . x <= b` (group shares). Projection onto the box and the total alone is
//! exact and O(n log n): the projection is `clamp(y - lambda)` for the `lambda` that meets the
//! total, found by sorting the breakpoints of that piecewise-linear function.
//!
//! With half-spaces, Dykstra's alternating projections converge to the projection onto the
//! intersection. The box and total are projected last in every cycle, so they hold to rounding,
//! and the half-spaces hold to [`HALFSPACE_TOLERANCE`] times the total.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use serde::Serialize;

/// Rule on the plan's total spend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum TotalRule {
    /// The plan spends exactly this amount.
    Exactly(f64),
    /// The plan spends at most this amount.
    AtMost(f64),
    /// The plan spends at least this amount.
    AtLeast(f64),
    /// The plan spends between these amounts.
    Between(f64, f64),
}

impl TotalRule {
    /// Smallest and largest total the rule allows.
    pub fn limits(&self) -> (f64, f64) {
        match *self {
            Self::Exactly(amount) => (amount, amount),
            Self::AtMost(amount) => (f64::NEG_INFINITY, amount),
            Self::AtLeast(amount) => (amount, f64::INFINITY),
            Self::Between(lower, upper) => (lower, upper),
        }
    }
}

/// A half-space `coefficients . x <= bound`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Halfspace {
    /// One coefficient per channel.
    pub coefficients: Vec<f64>,
    /// Right-hand side.
    pub bound: f64,
    /// Name of the constraint it comes from.
    pub source: String,
}

/// Half-space violation accepted after repair, relative to the plan's total spend.
pub const HALFSPACE_TOLERANCE: f64 = 1e-11;

/// Half-space violation, relative to the plan's total spend, accepted from the quadratic
/// program that finishes a projection Dykstra could not; well inside the 1e-9 that a returned
/// plan must meet.
pub const PROGRAM_TOLERANCE: f64 = 1e-10;

/// Most Dykstra cycles before repair turns to the quadratic program.
pub const MAX_CYCLES: usize = 20_000;

/// The linear feasible set in the form that repair works on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearSet {
    /// Lower bound per channel, after intersecting every bound and fixed-spend rule.
    pub lower: Vec<f64>,
    /// Upper bound per channel, likewise.
    pub upper: Vec<f64>,
    /// The total-spend rule, if any.
    pub total: Option<TotalRule>,
    /// Group-share rules as half-spaces.
    pub halfspaces: Vec<Halfspace>,
}

/// Repair could not reach the feasible set.
#[derive(Debug, Clone, PartialEq)]
pub struct RepairFailure {
    /// Largest remaining half-space violation, in money.
    pub violation: f64,
    /// The constraint with that violation.
    pub constraint: String,
}

impl LinearSet {
    /// Projects `x` in place onto the set.
    ///
    /// # Errors
    ///
    /// Returns [`RepairFailure`] when the half-spaces still disagree after [`MAX_CYCLES`]
    /// cycles, which happens when the set is empty.
    pub fn project(&self, x: &mut [f64]) -> Result<(), RepairFailure> {
        for value in x.iter_mut() {
            if !value.is_finite() {
                *value = 0.0;
            }
        }
        self.project_box_total(x);
        if self.halfspaces.is_empty() || self.max_violation(x).0 <= self.tolerance(x) {
            return Ok(());
        }
        self.dykstra(x)
    }

    /// Largest half-space violation at `x` and the constraint it belongs to.
    pub fn max_violation(&self, x: &[f64]) -> (f64, &str) {
        let mut worst = (0.0, "");
        for halfspace in &self.halfspaces {
            let excess = dot(&halfspace.coefficients, x) - halfspace.bound;
            if excess > worst.0 {
                worst = (excess, halfspace.source.as_str());
            }
        }
        worst
    }

    fn tolerance(&self, x: &[f64]) -> f64 {
        let scale = x.iter().sum::<f64>().abs().max(1.0);
        HALFSPACE_TOLERANCE * scale
    }

    fn dykstra(&self, x: &mut [f64]) -> Result<(), RepairFailure> {
        let n = x.len();
        let sets = self.halfspaces.len() + 1;
        let mut increments = vec![vec![0.0; n]; sets];
        let mut point = x.to_vec();
        let mut before = vec![0.0; n];
        for _ in 0..MAX_CYCLES {
            for (set, increment) in increments.iter_mut().enumerate() {
                for i in 0..n {
                    before[i] = point[i] + increment[i];
                }
                point.copy_from_slice(&before);
                match self.halfspaces.get(set) {
                    Some(halfspace) => project_halfspace(halfspace, &mut point),
                    None => self.project_box_total(&mut point),
                }
                for i in 0..n {
                    increment[i] = before[i] - point[i];
                }
            }
            if self.max_violation(&point).0 <= self.tolerance(&point) {
                x.copy_from_slice(&point);
                return Ok(());
            }
        }
        // Dykstra converges slowly on thin sets; the projection as a quadratic program then
        // finishes the job, and the exact box-and-total step restores those rules.
        if let Some(mut projected) = self.project_by_program(x) {
            self.project_box_total(&mut projected);
            if self.max_violation(&projected).0 <= PROGRAM_TOLERANCE * self.scale(&projected) {
                x.copy_from_slice(&projected);
                return Ok(());
            }
        }
        let (violation, constraint) = self.max_violation(&point);
        Err(RepairFailure {
            violation,
            constraint: constraint.to_string(),
        })
    }

    fn scale(&self, x: &[f64]) -> f64 {
        x.iter().sum::<f64>().abs().max(1.0)
    }

    /// Projects `y` by solving `min |x - y|^2` over the whole set with clarabel, or returns
    /// `None` when the solver does not report a solution.
    fn project_by_program(&self, y: &[f64]) -> Option<Vec<f64>> {
        let n = y.len();
        let mut rows = Triplets::default();
        // Equalities first (clarabel's zero cone), then inequalities `a . x <= b`.
        let (least, most) = self
            .total
            .map_or((f64::NEG_INFINITY, f64::INFINITY), |t| t.limits());
        let exact = least == most;
        if exact {
            rows.push((0..n).map(|i| (i, 1.0)), most);
        }
        let equalities = rows.right.len();
        if !exact && most.is_finite() {
            rows.push((0..n).map(|i| (i, 1.0)), most);
        }
        if !exact && least.is_finite() {
            rows.push((0..n).map(|i| (i, -1.0)), -least);
        }
        for i in 0..n {
            if self.upper[i].is_finite() {
                rows.push(std::iter::once((i, 1.0)), self.upper[i]);
            }
            if self.lower[i].is_finite() {
                rows.push(std::iter::once((i, -1.0)), -self.lower[i]);
            }
        }
        for halfspace in &self.halfspaces {
            let terms = halfspace
                .coefficients
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, a)| *a != 0.0);
            rows.push(terms, halfspace.bound);
        }
        let inequalities = rows.right.len() - equalities;
        let right = rows.right;
        let matrix =
            CscMatrix::new_from_triplets(right.len(), n, rows.rows, rows.columns, rows.values);
        let identity = CscMatrix::identity(n);
        let linear: Vec<f64> = y.iter().map(|v| -v).collect();
        let mut cones = Vec::new();
        if equalities > 0 {
            cones.push(SupportedConeT::ZeroConeT(equalities));
        }
        if inequalities > 0 {
            cones.push(SupportedConeT::NonnegativeConeT(inequalities));
        }
        let settings = DefaultSettingsBuilder::default()
            .verbose(false)
            .tol_gap_abs(1e-12)
            .tol_gap_rel(1e-12)
            .tol_feas(1e-12)
            .build()
            .ok()?;
        let mut solver =
            DefaultSolver::new(&identity, &linear, &matrix, &right, &cones, settings).ok()?;
        solver.solve();
        matches!(
            solver.solution.status,
            SolverStatus::Solved | SolverStatus::AlmostSolved
        )
        .then(|| solver.solution.x.clone())
    }

    fn project_box_total(&self, x: &mut [f64]) {
        let clamped_sum: f64 = x
            .iter()
            .zip(self.lower.iter().zip(&self.upper))
            .map(|(v, (lo, hi))| v.clamp(*lo, *hi))
            .sum();
        // Projecting onto a band of totals lands on the side that the clamped plan violates.
        let (least, most) = self
            .total
            .map_or((f64::NEG_INFINITY, f64::INFINITY), |t| t.limits());
        let target = if clamped_sum > most {
            Some(most)
        } else if clamped_sum < least {
            Some(least)
        } else {
            None
        };
        match target {
            Some(amount) => {
                let shift = find_shift(x, &self.lower, &self.upper, amount);
                for (i, value) in x.iter_mut().enumerate() {
                    *value = (*value - shift).clamp(self.lower[i], self.upper[i]);
                }
            }
            None => {
                for (i, value) in x.iter_mut().enumerate() {
                    *value = value.clamp(self.lower[i], self.upper[i]);
                }
            }
        }
    }
}

/// Rows of a sparse constraint matrix and their right-hand sides, built one row at a time.
#[derive(Default)]
struct Triplets {
    rows: Vec<usize>,
    columns: Vec<usize>,
    values: Vec<f64>,
    right: Vec<f64>,
}

impl Triplets {
    fn push(&mut self, terms: impl Iterator<Item = (usize, f64)>, bound: f64) {
        let row = self.right.len();
        for (column, value) in terms {
            self.rows.push(row);
            self.columns.push(column);
            self.values.push(value);
        }
        self.right.push(bound);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn project_halfspace(halfspace: &Halfspace, x: &mut [f64]) {
    let excess = dot(&halfspace.coefficients, x) - halfspace.bound;
    let norm2 = dot(&halfspace.coefficients, &halfspace.coefficients);
    if excess > 0.0 && norm2 > 0.0 {
        let step = excess / norm2;
        for (value, a) in x.iter_mut().zip(&halfspace.coefficients) {
            *value -= step * a;
        }
    }
}

/// Finds `shift` with `sum(clamp(y - shift, lower, upper)) = target`, clamping `target` into
/// `[sum(lower), sum(upper)]`.
///
/// The sum is continuous, non-increasing and piecewise linear in `shift`, with breakpoints at
/// `y - upper` and `y - lower`. Sorting them and walking the segments finds the exact root in
/// O(n log n).
pub fn find_shift(y: &[f64], lower: &[f64], upper: &[f64], target: f64) -> f64 {
    let mut breakpoints: Vec<f64> = y
        .iter()
        .zip(lower.iter().zip(upper))
        .flat_map(|(v, (lo, hi))| [v - hi, v - lo])
        .collect();
    breakpoints.sort_by(f64::total_cmp);
    let total_at = |shift: f64| -> f64 {
        y.iter()
            .zip(lower.iter().zip(upper))
            .map(|(v, (lo, hi))| (v - shift).clamp(*lo, *hi))
            .sum()
    };
    // The sum falls from sum(upper) at the first breakpoint to sum(lower) at the last.
    let (Some(&first), Some(&last)) = (breakpoints.first(), breakpoints.last()) else {
        return 0.0;
    };
    if total_at(first) <= target {
        return first;
    }
    if total_at(last) >= target {
        return last;
    }
    let (mut left, mut right) = (0, breakpoints.len() - 1);
    while right - left > 1 {
        let middle = (left + right) / 2;
        if total_at(breakpoints[middle]) >= target {
            left = middle;
        } else {
            right = middle;
        }
    }
    let (a, b) = (breakpoints[left], breakpoints[right]);
    let (fa, fb) = (total_at(a), total_at(b));
    if fa == fb {
        return a;
    }
    a + (fa - target) * (b - a) / (fa - fb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(lower: Vec<f64>, upper: Vec<f64>, total: Option<TotalRule>) -> LinearSet {
        LinearSet {
            lower,
            upper,
            total,
            halfspaces: Vec::new(),
        }
    }

    #[test]
    fn projection_meets_exact_total() {
        let set = set(vec![0.0; 3], vec![10.0; 3], Some(TotalRule::Exactly(12.0)));
        let mut x = vec![1.0, 2.0, 30.0];
        set.project(&mut x).unwrap();
        assert!((x.iter().sum::<f64>() - 12.0).abs() < 1e-12);
        assert_eq!(x[2], 10.0);
    }

    #[test]
    fn at_most_leaves_small_plans_alone() {
        let set = set(vec![0.0; 2], vec![10.0; 2], Some(TotalRule::AtMost(12.0)));
        let mut x = vec![1.0, 2.0];
        set.project(&mut x).unwrap();
        assert_eq!(x, vec![1.0, 2.0]);
    }

    #[test]
    fn group_share_halfspace_is_met() {
        // Channel 0 must hold at least 30 % of the total of 100.
        let mut set = set(
            vec![0.0; 3],
            vec![100.0; 3],
            Some(TotalRule::Exactly(100.0)),
        );
        set.halfspaces.push(Halfspace {
            coefficients: vec![0.3 - 1.0, 0.3, 0.3],
            bound: 0.0,
            source: "digital floor".into(),
        });
        let mut x = vec![0.0, 50.0, 50.0];
        set.project(&mut x).unwrap();
        assert!(x[0] >= 30.0 - 1e-9, "{x:?}");
        assert!((x.iter().sum::<f64>() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn empty_set_reports_failure() {
        let mut set = set(vec![0.0; 2], vec![10.0; 2], Some(TotalRule::Exactly(10.0)));
        set.halfspaces.push(Halfspace {
            coefficients: vec![-1.0, 0.0],
            bound: -8.0,
            source: "a floor".into(),
        });
        set.halfspaces.push(Halfspace {
            coefficients: vec![0.0, -1.0],
            bound: -8.0,
            source: "b floor".into(),
        });
        let mut x = vec![5.0, 5.0];
        let failure = set.project(&mut x).unwrap_err();
        assert!(failure.violation > 1.0);
    }

    proptest! {
        #[test]
        fn projection_is_feasible_and_idempotent(
            y in prop::collection::vec(-50.0f64..150.0, 1..8),
            budget_share in 0.0f64..1.0,
        ) {
            let n = y.len();
            let lower: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let upper: Vec<f64> = (0..n).map(|i| 20.0 + 3.0 * i as f64).collect();
            let low: f64 = lower.iter().sum();
            let high: f64 = upper.iter().sum();
            let budget = low + budget_share * (high - low);
            let set = set(lower.clone(), upper.clone(), Some(TotalRule::Exactly(budget)));
            let mut x = y.clone();
            set.project(&mut x).unwrap();
            prop_assert!((x.iter().sum::<f64>() - budget).abs() <= 1e-9 * budget.max(1.0));
            for i in 0..n {
                prop_assert!(x[i] >= lower[i] && x[i] <= upper[i]);
            }
            let mut again = x.clone();
            set.project(&mut again).unwrap();
            for i in 0..n {
                prop_assert!((again[i] - x[i]).abs() <= 1e-9 * budget.max(1.0));
            }
        }
    }
}
