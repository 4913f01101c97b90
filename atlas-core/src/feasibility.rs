//! Feasibility check of linear budget rules, run before any search.
//!
//! Each rule compiles to rows `lower <= a . x <= upper` over spend amounts `x >= 0`. The check
//! solves the elastic linear program: every finite side of every row gets a nonnegative slack,
//! and the program minimizes the sum of slacks. Rows are in money, so the optimum is the
//! smallest total violation in money, and the rules are infeasible when it exceeds
//! [`tolerance`]. The elastic program always has a solution, so the decision reads its optimum
//! and never relies on the solver's infeasibility status.
//!
//! When the rules conflict, a deletion filter over rules finds an irreducible infeasible subset
//! (IIS): the subset is infeasible, and dropping any one of its rules makes it feasible. Dual
//! values of the elastic program drop, in one step, the rules that play no part in its
//! optimum, and the filter removes blocks of rules before it tests single ones. A final solve
//! verifies the dual shortcut. Linear programs for the repairs then give the smallest change in
//! money for each `Total` and `Other` rule of the conflict, and for all its `Bounds` rules
//! together.
//!
//! The linear programs are solved by the interior-point solver `clarabel` (version 0.11).
//!
//! ```
//! use atlas_core::feasibility::{check, LinearRow, LinearRule, RuleClass};
//!
//! let floor = |name: &str, index: usize| LinearRule {
//!     name: name.to_string(),
//!     class: RuleClass::Bounds,
//!     rows: vec![LinearRow { terms: vec![(index, 1.0)], lower: 40.0, upper: 100.0 }],
//! };
//! let total = LinearRule {
//!     name: "total".to_string(),
//!     class: RuleClass::Total,
//!     rows: vec![LinearRow {
//!         terms: vec![(0, 1.0), (1, 1.0), (2, 1.0)],
//!         lower: 100.0,
//!         upper: 100.0,
//!     }],
//! };
//! let rules = [floor("a", 0), floor("b", 1), floor("c", 2), total];
//! let diagnosis = check(3, &rules).unwrap_err();
//! assert_eq!(diagnosis.conflict, ["a", "b", "c", "total"]);
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use rayon::prelude::*;
use serde::Serialize;

/// Infeasibility tolerance relative to the largest finite bound magnitude.
pub const RELATIVE_TOLERANCE: f64 = 1e-9;

/// Smallest infeasibility tolerance, in money.
pub const MIN_TOLERANCE: f64 = 1e-9;

/// Dual value above which a row counts as part of the elastic optimum.
///
/// Slacks cost 1 each, so duals of rows lie in `[0, 1]`. Duals of rows that do not bind end
/// near the solver tolerance, far below this. A wrong split costs only speed, because a final
/// solve verifies the conflict.
const DUAL_SUPPORT: f64 = 1e-6;

/// Number of terms from which a row may be rewritten through a total column.
const DENSE_ROW: usize = 16;

/// Duality gap and feasibility tolerance of the first solver run, in units of the largest
/// bound. It is tight enough to decide feasibility near [`RELATIVE_TOLERANCE`].
const TIGHT_TOLERANCE: f64 = 1e-12;

/// Tolerance of the second solver run, after the first stalls: clarabel's default.
const FALLBACK_TOLERANCE: f64 = 1e-8;

/// Relative accuracy of a solution with status `AlmostSolved`: clarabel's default
/// `reduced_tol_gap_rel`.
const REDUCED_ACCURACY: f64 = 5e-5;

/// One linear row: `lower <= sum(coefficient * x[index]) <= upper` (either side may be infinite).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearRow {
    /// Pairs of variable index and coefficient. Repeated indices add up.
    pub terms: Vec<(usize, f64)>,
    /// Lower limit in money, or `f64::NEG_INFINITY` for none.
    pub lower: f64,
    /// Upper limit in money, or `f64::INFINITY` for none.
    pub upper: f64,
}

/// Kind of rule, which sets how its repairs are phrased and grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RuleClass {
    /// A rule on total spend. Its repair is reported on its own.
    Total,
    /// A bound on one channel or group. The bound rules of a conflict are repaired together.
    Bounds,
    /// Any other rule, such as a share of a group. Its repair is reported on its own.
    Other,
}

/// A rule as the user wrote it, compiled to one or more rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearRule {
    /// Unique name that the diagnosis uses.
    pub name: String,
    /// Kind of rule.
    pub class: RuleClass,
    /// Rows that must all hold.
    pub rows: Vec<LinearRow>,
}

/// One way out of a conflict: relax these rules, keep the other rules of the conflict.
///
/// The sum `raise_upper + lower_lower` is the smallest total change, found by a linear
/// program. Both amounts come from the same optimal solution. They are typically accurate to
/// about [`RELATIVE_TOLERANCE`] times the largest bound, and less so for rules with extreme
/// coefficients, where the solver reaches only a reduced accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relaxation {
    /// Names of the relaxed rules.
    pub rules: Vec<String>,
    /// Total rise of their upper limits, in money.
    pub raise_upper: f64,
    /// Total fall of their lower limits, in money.
    pub lower_lower: f64,
}

/// Conflict found by [`check`] and the smallest repairs, or the error that stopped the check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// Names of an irreducible infeasible subset of the rules, in input order. Empty when
    /// `error` stopped the check before a conflict was found.
    pub conflict: Vec<String>,
    /// Repairs of the conflict, cheapest first. Each `Total` and `Other` rule of the conflict
    /// gets one, and the `Bounds` rules of the conflict share one.
    pub relaxations: Vec<Relaxation>,
    /// Invalid input or solver failure. When set, the rules were not shown to be feasible,
    /// and `conflict` and `relaxations` hold only what was found before the failure.
    pub error: Option<CheckError>,
}

/// Failure that prevents [`check`] from deciding feasibility.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
pub enum CheckError {
    /// A rule has a value the check cannot use.
    #[error("rule `{rule}`: {message}")]
    InvalidRule {
        /// Name of the rule.
        rule: String,
        /// The problem and its fix.
        message: String,
    },
    /// The LP solver stopped without a usable solution.
    #[error("LP solver failed: {message}")]
    Solver {
        /// Solver status and the step that failed.
        message: String,
    },
}

/// Checks that `rules` over `variables` nonnegative spend amounts can all hold at once.
///
/// The constraint `x >= 0` is implicit and never relaxed. Rules are infeasible when the
/// smallest total violation in money exceeds [`tolerance`].
///
/// # Errors
///
/// Returns a [`Diagnosis`] when the rules are infeasible, with the conflict and its repairs.
/// It also returns one, with `error` set, when a rule is invalid or when the solver fails. A
/// rule is invalid when it has a non-finite coefficient, a NaN limit, a lower limit of `+inf`,
/// an upper limit of `-inf`, a variable index of `variables` or more, or a repeated name.
pub fn check(variables: usize, rules: &[LinearRule]) -> Result<(), Diagnosis> {
    let checker = Checker::new(variables, rules).map_err(Diagnosis::from_error)?;
    let members: Vec<usize> = (0..rules.len())
        .filter(|&rule| !checker.compiled[rule].is_empty())
        .collect();
    if members.is_empty() {
        return Ok(());
    }
    let (infeasible, first) = checker.test(&members).map_err(Diagnosis::from_error)?;
    if !infeasible {
        return Ok(());
    }
    let conflict = checker
        .find_conflict(members, first)
        .map_err(Diagnosis::from_error)?;
    Err(checker.diagnose(conflict))
}

/// Returns the infeasibility tolerance of `rules` in money.
///
/// The tolerance is [`RELATIVE_TOLERANCE`] times the largest finite bound magnitude, and at
/// least [`MIN_TOLERANCE`]. NaN bounds are ignored.
///
/// NOTE: a huge finite bound that stands for "no limit", such as `1e12`, raises the tolerance
/// to 1000 and hides smaller conflicts. Write no limit as an infinite bound.
pub fn tolerance(rules: &[LinearRule]) -> f64 {
    (RELATIVE_TOLERANCE * largest_bound(rules)).max(MIN_TOLERANCE)
}

impl Diagnosis {
    fn from_error(error: CheckError) -> Self {
        Self {
            conflict: Vec::new(),
            relaxations: Vec::new(),
            error: Some(error),
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(error) = &self.error {
            write!(f, "feasibility check failed: {error}")?;
            if !self.conflict.is_empty() {
                write!(f, ". The rules {} conflict", quoted_list(&self.conflict))?;
            }
            return Ok(());
        }
        write!(
            f,
            "the rules {} cannot all hold at once",
            quoted_list(&self.conflict)
        )?;
        let repairs: Vec<String> = self
            .relaxations
            .iter()
            .map(describe_repair)
            .filter(|repair| !repair.is_empty())
            .collect();
        if !repairs.is_empty() {
            write!(f, ". Smallest repairs: {}", repairs.join("; or "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnosis {}

fn describe_repair(relaxation: &Relaxation) -> String {
    let names = quoted_list(&relaxation.rules);
    let several = relaxation.rules.len() > 1;
    let limits = if several { "limits" } else { "limit" };
    let in_total = if several { " in total" } else { "" };
    let mut changes = Vec::new();
    if relaxation.raise_upper > 0.0 {
        let amount = format_money(relaxation.raise_upper);
        changes.push(format!(
            "raise the upper {limits} of {names} by {amount}{in_total}"
        ));
    }
    if relaxation.lower_lower > 0.0 {
        let amount = format_money(relaxation.lower_lower);
        changes.push(format!(
            "lower the lower {limits} of {names} by {amount}{in_total}"
        ));
    }
    changes.join(" and ")
}

fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

fn format_money(amount: f64) -> String {
    let text = format!("{amount:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn largest_bound(rules: &[LinearRule]) -> f64 {
    rules
        .iter()
        .flat_map(|rule| &rule.rows)
        .flat_map(|row| [row.lower, row.upper])
        .filter(|bound| bound.is_finite())
        .fold(0.0, |largest, bound| largest.max(bound.abs()))
}

fn validate(variables: usize, rules: &[LinearRule]) -> Result<(), CheckError> {
    let mut names = HashSet::new();
    for rule in rules {
        let invalid = |message: String| CheckError::InvalidRule {
            rule: rule.name.clone(),
            message,
        };
        if !names.insert(rule.name.as_str()) {
            return Err(invalid(
                "the name is used by more than one rule; give each rule a unique name".into(),
            ));
        }
        for (row_number, row) in rule.rows.iter().enumerate() {
            for &(index, coefficient) in &row.terms {
                if index >= variables {
                    return Err(invalid(format!(
                        "row {row_number} uses variable {index}, but there are only {variables} \
                         variables"
                    )));
                }
                if !coefficient.is_finite() {
                    return Err(invalid(format!(
                        "row {row_number} has coefficient {coefficient} for variable {index}; \
                         coefficients must be finite"
                    )));
                }
            }
            if row.lower.is_nan() || row.lower == f64::INFINITY {
                return Err(invalid(format!(
                    "row {row_number} has lower limit {}; use a finite value or -inf",
                    row.lower
                )));
            }
            if row.upper.is_nan() || row.upper == f64::NEG_INFINITY {
                return Err(invalid(format!(
                    "row {row_number} has upper limit {}; use a finite value or +inf",
                    row.upper
                )));
            }
        }
    }
    Ok(())
}

/// Validated rules with the scale that maps money to solver units.
struct Checker<'a> {
    rules: &'a [LinearRule],
    /// Money per solver unit: the largest finite bound magnitude, or 1 when all bounds are 0.
    scale: f64,
    /// Infeasibility tolerance in money.
    tolerance: f64,
    /// Per rule: its rows that `x >= 0` does not already imply.
    compiled: Vec<Vec<CompiledRow>>,
    /// Number of distinct variables that the rules use. Compiled rows number them from 0, and
    /// the number `used_variables` stands for the total column.
    used_variables: usize,
    /// The row `total - sum(x) = 0` that defines the total column.
    total_row: CompiledRow,
}

/// A row with repeated variables merged, zero coefficients dropped, and each side that
/// `x >= 0` implies set to infinity.
struct CompiledRow {
    /// Pairs of used-variable number and coefficient, sorted by number.
    terms: Vec<(usize, f64)>,
    /// The row rewritten through the total column, when it is dense. See [`through_total`].
    sparse_terms: Option<Vec<(usize, f64)>>,
    lower: f64,
    upper: f64,
}

impl CompiledRow {
    /// Compiles `row` with variables renumbered by `number`, or returns `None` when `x >= 0`
    /// implies both of its sides.
    ///
    /// Dropping implied sides matters for speed as well as size. A side such as `x0 >= 0`
    /// binds wherever `x0 = 0` does, and the solver shares the dual between the two, which
    /// would keep the rule in every dual support.
    fn new(
        row: &LinearRow,
        number: impl Fn(usize) -> usize,
        used_variables: usize,
    ) -> Option<Self> {
        let mut terms: Vec<(usize, f64)> = row
            .terms
            .iter()
            .map(|&(index, coefficient)| (number(index), coefficient))
            .collect();
        terms.sort_by_key(|&(index, _)| index);
        let mut merged: Vec<(usize, f64)> = Vec::with_capacity(terms.len());
        for (index, coefficient) in terms {
            match merged.last_mut() {
                Some(last) if last.0 == index => last.1 += coefficient,
                _ => merged.push((index, coefficient)),
            }
        }
        merged.retain(|&(_, coefficient)| coefficient != 0.0);
        let never_negative = merged.iter().all(|&(_, coefficient)| coefficient > 0.0);
        let never_positive = merged.iter().all(|&(_, coefficient)| coefficient < 0.0);
        let lower = if never_negative && row.lower <= 0.0 {
            f64::NEG_INFINITY
        } else {
            row.lower
        };
        let upper = if never_positive && row.upper >= 0.0 {
            f64::INFINITY
        } else {
            row.upper
        };
        if !lower.is_finite() && !upper.is_finite() {
            return None;
        }
        Some(Self {
            sparse_terms: through_total(&merged, used_variables),
            terms: merged,
            lower,
            upper,
        })
    }

    /// Builds the row `total - sum(x) = 0` over `used_variables` variables.
    fn total(used_variables: usize) -> Self {
        let mut terms: Vec<(usize, f64)> = (0..used_variables).map(|v| (v, -1.0)).collect();
        terms.push((used_variables, 1.0));
        Self {
            terms,
            sparse_terms: None,
            lower: 0.0,
            upper: 0.0,
        }
    }

    /// Returns the terms of the row in a program: the rewritten terms when the row is dense.
    fn solver_terms(&self) -> &[(usize, f64)] {
        self.sparse_terms.as_deref().unwrap_or(&self.terms)
    }
}

/// Rewrites a dense row as `common * total + deviations`, where `total` is the sum of all
/// `used_variables` variables (number `used_variables`) and `common` is the most common
/// coefficient of the row.
///
/// Share rules written in money, such as `0.3 * total - group <= 0`, have a coefficient for
/// every channel. Hundreds of them make the solver's factorization dense and slow. Rewritten,
/// each has one coefficient per channel of its group. Returns `None` when `terms` has fewer
/// than [`DENSE_ROW`] entries or the rewrite would not halve them.
fn through_total(terms: &[(usize, f64)], used_variables: usize) -> Option<Vec<(usize, f64)>> {
    if terms.len() < DENSE_ROW {
        return None;
    }

    // The most common coefficient is the longest run of equal values after sorting.
    let mut bits: Vec<u64> = terms.iter().map(|&(_, a)| a.to_bits()).collect();
    bits.sort_unstable();
    let mut common = (0, bits[0]);
    let mut run_start = 0;
    for index in 1..=bits.len() {
        if index == bits.len() || bits[index] != bits[run_start] {
            if index - run_start > common.0 {
                common = (index - run_start, bits[run_start]);
            }
            run_start = index;
        }
    }
    let (matching, common) = (common.0, f64::from_bits(common.1));
    let deviations = terms.len() - matching + used_variables.saturating_sub(terms.len());
    if 2 * (deviations + 1) > terms.len() {
        return None;
    }

    let mut dense = vec![0.0; used_variables];
    for &(variable, coefficient) in terms {
        dense[variable] = coefficient;
    }
    let mut sparse = Vec::with_capacity(deviations + 1);
    for (variable, coefficient) in dense.into_iter().enumerate() {
        if coefficient != common {
            sparse.push((variable, coefficient - common));
        }
    }
    sparse.push((used_variables, common));
    Some(sparse)
}

/// Solution of one elastic or partly hard linear program, in money.
struct LpSolution {
    status: SolverStatus,
    /// Sum of slacks at the solution.
    objective: f64,
    /// Dual objective, an estimate of a lower bound on the optimum.
    dual_objective: f64,
    /// Rule indices of the program, in the order given to [`Checker::solve`].
    members: Vec<usize>,
    /// Per member: total amount by which its lower limits exceed the row values.
    lower_violation: Vec<f64>,
    /// Per member: total amount by which the row values exceed its upper limits.
    upper_violation: Vec<f64>,
    /// Per member: largest dual value of its rows.
    dual_weight: Vec<f64>,
}

impl LpSolution {
    fn violation(&self, position: usize) -> f64 {
        self.lower_violation[position] + self.upper_violation[position]
    }

    fn total_violation(&self) -> f64 {
        (0..self.members.len())
            .map(|position| self.violation(position))
            .sum()
    }
}

/// Treatment of the rows of a rule in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowMode {
    /// Each finite side gets a slack that costs 1 per solver unit.
    Elastic,
    /// The rows hold exactly.
    Hard,
    /// Each finite side gets a free slack, and all such slacks together stay within the
    /// infeasibility tolerance.
    Limited,
}

/// One row of the program being built.
struct ProgramRow<'r> {
    /// Position of the rule in the member list, or `None` for the row of the total column.
    member: Option<usize>,
    row: &'r CompiledRow,
    mode: RowMode,
    /// Pairs of program column and coefficient, set by [`merge_columns`].
    terms: Vec<(usize, f64)>,
}

impl<'a> Checker<'a> {
    fn new(variables: usize, rules: &'a [LinearRule]) -> Result<Self, CheckError> {
        validate(variables, rules)?;
        let largest = largest_bound(rules);
        let scale = if largest > 0.0 { largest } else { 1.0 };
        let mut used: Vec<usize> = rules
            .iter()
            .flat_map(|rule| &rule.rows)
            .flat_map(|row| row.terms.iter().map(|&(index, _)| index))
            .collect();
        used.sort_unstable();
        used.dedup();
        let number = |index: usize| used.binary_search(&index).unwrap_or_default();
        let compiled = rules
            .iter()
            .map(|rule| {
                let rows = rule.rows.iter();
                rows.filter_map(|row| CompiledRow::new(row, number, used.len()))
                    .collect()
            })
            .collect();
        Ok(Self {
            rules,
            scale,
            tolerance: tolerance(rules),
            compiled,
            used_variables: used.len(),
            total_row: CompiledRow::total(used.len()),
        })
    }

    /// Solves the all-elastic program of `members` and decides whether they are infeasible.
    ///
    /// Runs the solver with [`TIGHT_TOLERANCE`], and again with [`FALLBACK_TOLERANCE`] when
    /// that run cannot decide.
    fn test(&self, members: &[usize]) -> Result<(bool, LpSolution), CheckError> {
        let elastic = |_| RowMode::Elastic;
        let solution = self.solve(members, &elastic, TIGHT_TOLERANCE)?;
        if let Some(infeasible) = self.decide(&solution, TIGHT_TOLERANCE) {
            return Ok((infeasible, solution));
        }

        let solution = self.solve(members, &elastic, FALLBACK_TOLERANCE)?;
        if let Some(infeasible) = self.decide(&solution, FALLBACK_TOLERANCE) {
            return Ok((infeasible, solution));
        }

        if !matches!(
            solution.status,
            SolverStatus::Solved | SolverStatus::AlmostSolved
        ) {
            return Err(self.solver_failure(solution.status, members));
        }
        Err(CheckError::Solver {
            message: format!(
                "cannot decide feasibility: the smallest total violation is about {}, too close \
                 to the tolerance {} for the solver's accuracy",
                format_money(solution.objective),
                format_money(self.tolerance)
            ),
        })
    }

    /// Decides from a solution of the all-elastic program, solved with `solver_tolerance`,
    /// whether its rules are infeasible. Returns `None` when the solution cannot decide.
    ///
    /// A point whose violation is within tolerance proves feasibility, whatever the status.
    /// Otherwise the primal and dual objectives bracket the optimum, up to ten times the
    /// solver's accuracy, and the bracket must lie on one side of the tolerance.
    fn decide(&self, solution: &LpSolution, solver_tolerance: f64) -> Option<bool> {
        if solution.total_violation() <= self.tolerance {
            return Some(false);
        }
        let accuracy = match solution.status {
            SolverStatus::Solved => solver_tolerance,
            SolverStatus::AlmostSolved => REDUCED_ACCURACY,
            _ => return None,
        };
        let error = 10.0 * accuracy * self.scale;
        let low = solution.objective.min(solution.dual_objective) - error;
        let high = solution.objective.max(solution.dual_objective) + error;
        if low > self.tolerance {
            Some(true)
        } else if high <= self.tolerance {
            Some(false)
        } else {
            None
        }
    }

    fn solver_failure(&self, status: SolverStatus, members: &[usize]) -> CheckError {
        let names: Vec<String> = members
            .iter()
            .map(|&rule| self.rules[rule].name.clone())
            .collect();
        CheckError::Solver {
            message: format!(
                "status {status:?} on the rules {}; check them for extreme coefficients",
                quoted_list(&names)
            ),
        }
    }

    /// Finds an IIS inside `members`, whose all-elastic program solved to `first` is infeasible.
    ///
    /// The fast filter drops every rule outside the dual support of each infeasible program at
    /// once and verifies the result with one more solve. If that check fails, which needs a
    /// numerically wrong support, the plain deletion filter runs from the start.
    fn find_conflict(
        &self,
        members: Vec<usize>,
        first: LpSolution,
    ) -> Result<Vec<usize>, CheckError> {
        let plain_start = members.clone();
        if let Some(conflict) = self.deletion_filter(members, first, true)? {
            return Ok(conflict);
        }
        let (_, first) = self.test(&plain_start)?;
        let conflict = self.deletion_filter(plain_start, first, false)?;
        conflict.ok_or_else(|| CheckError::Solver {
            message: "the deletion filter lost infeasibility, which needs inconsistent solver \
                      results"
                .into(),
        })
    }

    /// Runs the deletion filter from `working`, whose all-elastic solution is `solution`.
    ///
    /// A rule is necessary when the working set without it is feasible. Every later working set
    /// is a subset, so it stays necessary. Single-rule tests run in parallel batches against
    /// the same working set. After a removal the filter tries to remove a block of rules in one
    /// solve, and doubles the block while that works. Returns `None` when `shrink` dropped
    /// rules by their duals and the final set turned out feasible.
    fn deletion_filter(
        &self,
        working: Vec<usize>,
        solution: LpSolution,
        shrink: bool,
    ) -> Result<Option<Vec<usize>>, CheckError> {
        let mut necessary = HashSet::new();
        let mut weight = HashMap::new();
        let mut working = self.absorb(working, &solution, shrink, &mut necessary, &mut weight);
        let mut unverified = working.len() < solution.members.len();
        let batch_size = rayon::current_num_threads().max(1);
        let mut block = 1;
        loop {
            let mut candidates: Vec<usize> = working
                .iter()
                .copied()
                .filter(|rule| !necessary.contains(rule))
                .collect();
            if candidates.is_empty() {
                break;
            }
            // Rules with small duals are the likeliest to go, and each removal shrinks later
            // programs.
            candidates.sort_by(|a, b| {
                let weight_a = weight.get(a).copied().unwrap_or(0.0);
                let weight_b = weight.get(b).copied().unwrap_or(0.0);
                weight_a.total_cmp(&weight_b).then(a.cmp(b))
            });
            if block > 1 && candidates.len() > 1 {
                candidates.truncate(block);
                let removed: HashSet<usize> = candidates.into_iter().collect();
                let rest: Vec<usize> = working
                    .iter()
                    .copied()
                    .filter(|rule| !removed.contains(rule))
                    .collect();
                let (infeasible, solution) = self.test(&rest)?;
                if infeasible {
                    let before = rest.len();
                    working = self.absorb(rest, &solution, shrink, &mut necessary, &mut weight);
                    unverified |= working.len() < before;
                    block *= 2;
                } else {
                    block = 1;
                }
                continue;
            }
            candidates.truncate(batch_size);
            let results: Vec<Result<(bool, LpSolution), CheckError>> = candidates
                .par_iter()
                .map(|&rule| self.test(&without(&working, rule)))
                .collect();
            let mut changed = false;
            for (&rule, result) in candidates.iter().zip(results) {
                let (infeasible, solution) = result?;
                if !infeasible {
                    necessary.insert(rule);
                } else if !changed {
                    let rest = without(&working, rule);
                    let before = rest.len();
                    working = self.absorb(rest, &solution, shrink, &mut necessary, &mut weight);
                    unverified |= working.len() < before;
                    changed = true;
                    block = 2;
                }
                // An infeasible result after a change was against an older working set, so the
                // rule is tested again in a later batch.
            }
        }
        if shrink && unverified && !self.test(&working)?.0 {
            return Ok(None);
        }
        Ok(Some(working))
    }

    /// Learns from the infeasible all-elastic `solution` on `working` and returns the new
    /// working set.
    ///
    /// A solution that violates only one rule proves that rule necessary. With `shrink`, rules
    /// outside the dual support are dropped: the program on the support alone has the same
    /// optimum, so it stays infeasible.
    fn absorb(
        &self,
        working: Vec<usize>,
        solution: &LpSolution,
        shrink: bool,
        necessary: &mut HashSet<usize>,
        weight: &mut HashMap<usize, f64>,
    ) -> Vec<usize> {
        for (position, &rule) in solution.members.iter().enumerate() {
            weight.insert(rule, solution.dual_weight[position]);
        }
        let total = solution.total_violation();
        let worst = (0..solution.members.len())
            .max_by(|&a, &b| solution.violation(a).total_cmp(&solution.violation(b)));
        if let Some(position) = worst {
            if total - solution.violation(position) <= self.tolerance {
                necessary.insert(solution.members[position]);
            }
        }
        if !shrink {
            return working;
        }
        let support: HashSet<usize> = solution
            .members
            .iter()
            .enumerate()
            .filter(|&(position, _)| {
                solution.dual_weight[position] > DUAL_SUPPORT
                    || solution.violation(position) > self.tolerance
            })
            .map(|(_, &rule)| rule)
            .collect();
        // Every infeasible subset contains all necessary rules, so a support without one of
        // them is a numerical artifact.
        if necessary.iter().any(|rule| !support.contains(rule)) {
            return working;
        }
        working
            .into_iter()
            .filter(|rule| support.contains(rule))
            .collect()
    }

    /// Builds the diagnosis of `conflict`, an IIS given as rule indices.
    fn diagnose(&self, mut conflict: Vec<usize>) -> Diagnosis {
        conflict.sort_unstable();
        let mut groups: Vec<Vec<usize>> = conflict
            .iter()
            .filter(|&&rule| self.rules[rule].class != RuleClass::Bounds)
            .map(|&rule| vec![rule])
            .collect();
        let bounds: Vec<usize> = conflict
            .iter()
            .copied()
            .filter(|&rule| self.rules[rule].class == RuleClass::Bounds)
            .collect();
        if !bounds.is_empty() {
            groups.push(bounds);
        }
        let results: Vec<Result<Relaxation, CheckError>> = groups
            .par_iter()
            .map(|group| self.relax(&conflict, group))
            .collect();
        let mut relaxations = Vec::new();
        let mut error = None;
        for result in results {
            match result {
                Ok(relaxation) => relaxations.push(relaxation),
                Err(failure) => {
                    error.get_or_insert(failure);
                }
            }
        }
        relaxations.sort_by(|a, b| {
            let change_a = a.raise_upper + a.lower_lower;
            let change_b = b.raise_upper + b.lower_lower;
            change_a.total_cmp(&change_b)
        });
        Diagnosis {
            conflict: conflict
                .iter()
                .map(|&rule| self.rules[rule].name.clone())
                .collect(),
            relaxations,
            error,
        }
    }

    /// Finds the smallest change in money to the rules of `group` that makes `conflict` hold,
    /// with the other rules of `conflict` kept hard.
    ///
    /// When the solver fails with the other rules hard, which happens when they hold only
    /// within the tolerance, they may instead break by up to the tolerance in total.
    fn relax(&self, conflict: &[usize], group: &[usize]) -> Result<Relaxation, CheckError> {
        let mut status = SolverStatus::Unsolved;
        for rest in [RowMode::Hard, RowMode::Limited] {
            let mode = |rule| {
                if group.contains(&rule) {
                    RowMode::Elastic
                } else {
                    rest
                }
            };
            for tolerance in [TIGHT_TOLERANCE, FALLBACK_TOLERANCE] {
                let solution = self.solve(conflict, &mode, tolerance)?;
                status = solution.status;
                if matches!(status, SolverStatus::Solved | SolverStatus::AlmostSolved) {
                    return Ok(self.relaxation(&solution, group));
                }
            }
        }
        Err(self.solver_failure(status, conflict))
    }

    /// Reads the relaxation of the rules of `group` from `solution`.
    fn relaxation(&self, solution: &LpSolution, group: &[usize]) -> Relaxation {
        let mut raise_upper = 0.0;
        let mut lower_lower = 0.0;
        for (position, rule) in solution.members.iter().enumerate() {
            if group.contains(rule) {
                raise_upper += solution.upper_violation[position];
                lower_lower += solution.lower_violation[position];
            }
        }
        let clean = |amount: f64| if amount > self.tolerance { amount } else { 0.0 };
        Relaxation {
            rules: group
                .iter()
                .map(|&rule| self.rules[rule].name.clone())
                .collect(),
            raise_upper: clean(raise_upper),
            lower_lower: clean(lower_lower),
        }
    }

    /// Solves the program over the rules `members` that minimizes the slacks of the rules
    /// whose `mode` is [`RowMode::Elastic`], with the solver's gap and feasibility tolerance
    /// `tolerance`.
    fn solve(
        &self,
        members: &[usize],
        mode: &(dyn Fn(usize) -> RowMode + Sync),
        tolerance: f64,
    ) -> Result<LpSolution, CheckError> {
        let mut rows = self.program_rows(members, mode);
        let (columns, column_of) = merge_columns(&mut rows, self.used_variables + 1);
        let result = if columns > 0 || rows.iter().any(|row| row.mode != RowMode::Hard) {
            let budget = self.tolerance / self.scale;
            Program::build(&rows, columns, self.scale, budget).solve(tolerance)?
        } else {
            ProgramResult::without_variables(rows.len())
        };

        // Each group of merged variables puts its whole sum on its first variable.
        let spend: Vec<f64> = column_of[..self.used_variables]
            .iter()
            .map(|&column| result.values.get(column).map_or(0.0, |v| v.max(0.0)))
            .map(|value| value * self.scale)
            .collect();

        let mut solution = LpSolution {
            status: result.status,
            objective: result.objective * self.scale,
            dual_objective: result.dual_objective * self.scale,
            members: members.to_vec(),
            lower_violation: vec![0.0; members.len()],
            upper_violation: vec![0.0; members.len()],
            dual_weight: vec![0.0; members.len()],
        };
        for (row, &dual) in rows.iter().zip(&result.row_duals) {
            let Some(member) = row.member else {
                continue;
            };
            let activity: f64 = row.row.terms.iter().map(|&(v, a)| a * spend[v]).sum();
            solution.lower_violation[member] += (row.row.lower - activity).max(0.0);
            solution.upper_violation[member] += (activity - row.row.upper).max(0.0);
            let weight = &mut solution.dual_weight[member];
            *weight = weight.max(dual);
        }
        Ok(solution)
    }

    /// Collects the compiled rows of `members`, and the row of the total column when one of
    /// them uses it.
    fn program_rows(
        &self,
        members: &[usize],
        mode: &(dyn Fn(usize) -> RowMode + Sync),
    ) -> Vec<ProgramRow<'_>> {
        let mut rows = Vec::new();
        for (member, &rule) in members.iter().enumerate() {
            let rule_mode = mode(rule);
            for row in &self.compiled[rule] {
                rows.push(ProgramRow {
                    member: Some(member),
                    row,
                    mode: rule_mode,
                    terms: Vec::new(),
                });
            }
        }
        if rows.iter().any(|row| row.row.sparse_terms.is_some()) {
            rows.push(ProgramRow {
                member: None,
                row: &self.total_row,
                mode: RowMode::Hard,
                terms: Vec::new(),
            });
        }
        rows
    }
}

fn without(working: &[usize], rule: usize) -> Vec<usize> {
    working.iter().copied().filter(|&r| r != rule).collect()
}

/// Numbers the variables of `rows` as program columns and merges variables with identical
/// columns, then sets the `terms` of each row. Returns the number of columns and the column of
/// each variable, `usize::MAX` for none.
///
/// Two variables whose coefficients agree in every row enter each row only through their sum,
/// and both are only bounded below by 0. One column for the sum is therefore an exact
/// reformulation, and putting the whole sum on one variable gives the same row values. This
/// collapses the many channels that appear only in a total row. `used_variables` bounds the
/// variable numbers of the solver terms.
fn merge_columns(rows: &mut [ProgramRow<'_>], used_variables: usize) -> (usize, Vec<usize>) {
    // Per variable: its (row, coefficient bits) pattern and a hash of it.
    let mut patterns: Vec<Vec<(usize, u64)>> = vec![Vec::new(); used_variables];
    let mut hashes = vec![0_u64; used_variables];
    for (row_index, row) in rows.iter().enumerate() {
        for &(variable, coefficient) in row.row.solver_terms() {
            let bits = coefficient.to_bits();
            patterns[variable].push((row_index, bits));
            let entry = (row_index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ bits;
            hashes[variable] = hashes[variable]
                .rotate_left(5)
                .wrapping_add(entry)
                .wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        }
    }

    let mut present: Vec<usize> = (0..used_variables)
        .filter(|&variable| !patterns[variable].is_empty())
        .collect();
    present.sort_by(|&a, &b| {
        hashes[a]
            .cmp(&hashes[b])
            .then_with(|| patterns[a].cmp(&patterns[b]))
            .then(a.cmp(&b))
    });

    // Only the first variable of each group keeps a column.
    let mut column_of = vec![usize::MAX; used_variables];
    let mut columns = 0;
    for (position, &variable) in present.iter().enumerate() {
        let first_of_group = position == 0 || {
            let previous = present[position - 1];
            hashes[previous] != hashes[variable] || patterns[previous] != patterns[variable]
        };
        if first_of_group {
            column_of[variable] = columns;
            columns += 1;
        }
    }

    for row in rows.iter_mut() {
        row.terms = row
            .row
            .solver_terms()
            .iter()
            .filter(|&&(variable, _)| column_of[variable] != usize::MAX)
            .map(|&(variable, coefficient)| (column_of[variable], coefficient))
            .collect();
    }
    (columns, column_of)
}

/// Linear program in clarabel's form: minimize `q . v` subject to `A v + s = b`, with `s` in a
/// zero cone (equality rows) followed by a nonnegative cone.
struct Program {
    matrix: CscMatrix<f64>,
    costs: Vec<f64>,
    right_side: Vec<f64>,
    cones: Vec<SupportedConeT<f64>>,
    columns: usize,
    /// Per program row: the constraint rows of its sides.
    side_rows: Vec<Vec<usize>>,
}

/// Solver output in solver units.
struct ProgramResult {
    status: SolverStatus,
    objective: f64,
    dual_objective: f64,
    values: Vec<f64>,
    /// Per program row: largest absolute dual value of its sides.
    row_duals: Vec<f64>,
}

impl ProgramResult {
    /// Returns the result of a program of `rows` hard rows without variables, which has
    /// nothing to solve.
    fn without_variables(rows: usize) -> Self {
        Self {
            status: SolverStatus::Solved,
            objective: 0.0,
            dual_objective: 0.0,
            values: Vec::new(),
            row_duals: vec![0.0; rows],
        }
    }
}

/// Triplets of one block of constraint rows.
#[derive(Default)]
struct Block {
    rows: Vec<usize>,
    columns: Vec<usize>,
    values: Vec<f64>,
    right_side: Vec<f64>,
}

impl Block {
    /// Appends the row `sign * (a . v) + sum(coefficient * slack) + s = bound`.
    fn push(&mut self, terms: &[(usize, f64)], sign: f64, slacks: &[(usize, f64)], bound: f64) {
        let row = self.right_side.len();
        let signed = terms.iter().map(|&(column, a)| (column, sign * a));
        for (column, value) in signed.chain(slacks.iter().copied()) {
            self.rows.push(row);
            self.columns.push(column);
            self.values.push(value);
        }
        self.right_side.push(bound);
    }
}

/// A side of a row: whether it is an equality row, and its index within its block.
type Side = (bool, usize);

/// Constraint rows of a program while it is built.
struct ProgramBuilder {
    /// Number of variable columns. Slack columns follow them.
    columns: usize,
    equalities: Block,
    inequalities: Block,
    /// Cost of each slack column, in column order.
    slack_costs: Vec<f64>,
    /// Slack columns of limited rows, each with coefficient 1 in the budget row.
    limited: Vec<(usize, f64)>,
}

impl ProgramBuilder {
    /// Creates slack columns with coefficients `signs` for a row in `mode`, none for a hard row.
    fn slacks(&mut self, mode: RowMode, signs: &[f64]) -> Vec<(usize, f64)> {
        if mode == RowMode::Hard {
            return Vec::new();
        }
        let mut slacks = Vec::with_capacity(signs.len());
        for &sign in signs {
            let column = self.columns + self.slack_costs.len();
            if mode == RowMode::Limited {
                self.limited.push((column, 1.0));
            }
            let cost = if mode == RowMode::Elastic { 1.0 } else { 0.0 };
            self.slack_costs.push(cost);
            slacks.push((column, sign));
        }
        slacks
    }

    /// Adds the finite sides of `row`, with bounds divided by `scale`, and returns them.
    fn add(&mut self, row: &ProgramRow<'_>, scale: f64) -> Vec<Side> {
        let lower = row.row.lower / scale;
        let upper = row.row.upper / scale;
        if row.row.lower == row.row.upper {
            let slacks = self.slacks(row.mode, &[1.0, -1.0]);
            let side = (true, self.equalities.right_side.len());
            self.equalities.push(&row.terms, 1.0, &slacks, lower);
            return vec![side];
        }

        let mut sides = Vec::new();
        if lower.is_finite() {
            let slacks = self.slacks(row.mode, &[-1.0]);
            sides.push((false, self.inequalities.right_side.len()));
            self.inequalities.push(&row.terms, -1.0, &slacks, -lower);
        }
        if upper.is_finite() {
            let slacks = self.slacks(row.mode, &[-1.0]);
            sides.push((false, self.inequalities.right_side.len()));
            self.inequalities.push(&row.terms, 1.0, &slacks, upper);
        }
        sides
    }

    /// Adds the budget row and the sign rows, then assembles the program. `sides` lists the
    /// sides of each program row.
    fn finish(mut self, budget: f64, sides: Vec<Vec<Side>>) -> Program {
        if !self.limited.is_empty() {
            self.inequalities.push(&[], 1.0, &self.limited, budget);
        }
        let total_columns = self.columns + self.slack_costs.len();
        for column in 0..total_columns {
            self.inequalities.push(&[], 1.0, &[(column, -1.0)], 0.0);
        }

        // Equality rows come first, in the zero cone, then inequality rows.
        let (equalities, inequalities) = (self.equalities, self.inequalities);
        let offset = equalities.right_side.len();
        let mut rows = equalities.rows;
        rows.extend(inequalities.rows.iter().map(|row| row + offset));
        let mut columns = equalities.columns;
        columns.extend(inequalities.columns);
        let mut values = equalities.values;
        values.extend(inequalities.values);
        let mut right_side = equalities.right_side;
        right_side.extend(inequalities.right_side);
        let matrix =
            CscMatrix::new_from_triplets(right_side.len(), total_columns, rows, columns, values);

        let mut cones = Vec::new();
        if offset > 0 {
            cones.push(SupportedConeT::ZeroConeT(offset));
        }
        let inequality_count = right_side.len() - offset;
        if inequality_count > 0 {
            cones.push(SupportedConeT::NonnegativeConeT(inequality_count));
        }
        let mut costs = vec![0.0; self.columns];
        costs.extend(self.slack_costs);
        let side_rows = sides
            .into_iter()
            .map(|row_sides| {
                let rows = row_sides.into_iter();
                rows.map(|(equality, index)| if equality { index } else { index + offset })
                    .collect()
            })
            .collect();
        Program {
            matrix,
            costs,
            right_side,
            cones,
            columns: self.columns,
            side_rows,
        }
    }
}

impl Program {
    /// Builds the program for `rows` over `columns` variables, with bounds divided by `scale`.
    ///
    /// Each finite side of a row that is not hard gets a slack: an equality row uses one
    /// zero-cone row `a . v + p - q = b`, and an inequality side uses one nonnegative-cone row.
    /// Slacks of elastic rows cost 1. Slacks of limited rows are free, and one more row keeps
    /// their sum within `budget`. Every variable and slack gets the row `-v <= 0`.
    fn build(rows: &[ProgramRow<'_>], columns: usize, scale: f64, budget: f64) -> Self {
        let mut builder = ProgramBuilder {
            columns,
            equalities: Block::default(),
            inequalities: Block::default(),
            slack_costs: Vec::new(),
            limited: Vec::new(),
        };
        let sides = rows.iter().map(|row| builder.add(row, scale)).collect();
        builder.finish(budget, sides)
    }

    /// Runs clarabel with `tolerance` as its duality gap and feasibility tolerances.
    fn solve(&self, tolerance: f64) -> Result<ProgramResult, CheckError> {
        let failure = |message: String| CheckError::Solver { message };
        self.matrix
            .check_format()
            .map_err(|error| failure(format!("invalid constraint matrix: {error:?}")))?;
        let settings: DefaultSettings<f64> = DefaultSettingsBuilder::default()
            .verbose(false)
            .tol_gap_abs(tolerance)
            .tol_gap_rel(tolerance)
            .tol_feas(tolerance)
            .build()
            .map_err(|error| failure(format!("invalid settings: {error}")))?;
        let size = self.costs.len();
        let quadratic = CscMatrix::zeros((size, size));
        let mut solver = DefaultSolver::new(
            &quadratic,
            &self.costs,
            &self.matrix,
            &self.right_side,
            &self.cones,
            settings,
        )
        .map_err(|error| failure(format!("setup failed: {error}")))?;
        solver.solve();
        let solution = &solver.solution;
        let row_duals = self
            .side_rows
            .iter()
            .map(|rows| {
                rows.iter()
                    .filter_map(|&row| solution.z.get(row))
                    .fold(0.0, |largest: f64, dual| largest.max(dual.abs()))
            })
            .collect();
        Ok(ProgramResult {
            status: solution.status,
            objective: solution.obj_val,
            dual_objective: solution.obj_val_dual,
            values: solution.x.iter().take(self.columns).copied().collect(),
            row_duals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(terms: &[(usize, f64)], lower: f64, upper: f64) -> LinearRow {
        LinearRow {
            terms: terms.to_vec(),
            lower,
            upper,
        }
    }

    fn rule(name: &str, class: RuleClass, rows: Vec<LinearRow>) -> LinearRule {
        LinearRule {
            name: name.to_string(),
            class,
            rows,
        }
    }

    fn total(name: &str, variables: usize, lower: f64, upper: f64) -> LinearRule {
        let terms: Vec<(usize, f64)> = (0..variables).map(|index| (index, 1.0)).collect();
        rule(name, RuleClass::Total, vec![row(&terms, lower, upper)])
    }

    fn bound(name: &str, index: usize, lower: f64, upper: f64) -> LinearRule {
        rule(
            name,
            RuleClass::Bounds,
            vec![row(&[(index, 1.0)], lower, upper)],
        )
    }

    fn relaxation<'a>(diagnosis: &'a Diagnosis, rules: &[&str]) -> &'a Relaxation {
        diagnosis
            .relaxations
            .iter()
            .find(|relaxation| relaxation.rules == rules)
            .unwrap_or_else(|| panic!("no relaxation of {rules:?} in {diagnosis:?}"))
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-6 * expected.abs().max(1.0),
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn floors_above_total() {
        let rules = [
            bound("a", 0, 40.0, 100.0),
            bound("b", 1, 40.0, 100.0),
            bound("c", 2, 40.0, 100.0),
            total("total", 3, 100.0, 100.0),
        ];
        let diagnosis = check(3, &rules).unwrap_err();
        assert_eq!(diagnosis.error, None);
        assert_eq!(diagnosis.conflict, ["a", "b", "c", "total"]);
        assert_eq!(diagnosis.relaxations.len(), 2);
        let budget = relaxation(&diagnosis, &["total"]);
        assert_close(budget.raise_upper, 20.0);
        assert_close(budget.lower_lower, 0.0);
        let floors = relaxation(&diagnosis, &["a", "b", "c"]);
        assert_close(floors.raise_upper, 0.0);
        assert_close(floors.lower_lower, 20.0);
    }

    #[test]
    fn caps_below_total() {
        let rules = [
            bound("a", 0, 0.0, 17.0),
            bound("b", 1, 0.0, 17.0),
            total("total", 2, 100.0, 100.0),
        ];
        let diagnosis = check(2, &rules).unwrap_err();
        assert_eq!(diagnosis.error, None);
        assert_eq!(diagnosis.conflict, ["a", "b", "total"]);
        let budget = relaxation(&diagnosis, &["total"]);
        assert_close(budget.lower_lower, 66.0);
        assert_close(budget.raise_upper, 0.0);
        let caps = relaxation(&diagnosis, &["a", "b"]);
        assert_close(caps.raise_upper, 66.0);
        assert_close(caps.lower_lower, 0.0);
    }

    #[test]
    fn share_row_against_caps() {
        // At least 30% of the total on channels 0 and 1: 0.3 * total - (x0 + x1) <= 0.
        let share = rule(
            "share",
            RuleClass::Other,
            vec![row(
                &[(0, -0.7), (1, -0.7), (2, 0.3)],
                f64::NEG_INFINITY,
                0.0,
            )],
        );
        let rules = [
            bound("cap 0", 0, f64::NEG_INFINITY, 10.0),
            bound("cap 1", 1, f64::NEG_INFINITY, 10.0),
            bound("cap 2", 2, f64::NEG_INFINITY, 90.0),
            total("total", 3, 100.0, 100.0),
            share,
        ];
        let diagnosis = check(3, &rules).unwrap_err();
        assert_eq!(diagnosis.error, None);
        assert_eq!(diagnosis.conflict, ["cap 0", "cap 1", "total", "share"]);
        let share = relaxation(&diagnosis, &["share"]);
        assert_close(share.raise_upper, 10.0);
        assert_close(share.lower_lower, 0.0);
        let caps = relaxation(&diagnosis, &["cap 0", "cap 1"]);
        assert_close(caps.raise_upper, 10.0);
        assert_close(caps.lower_lower, 0.0);
        let budget = relaxation(&diagnosis, &["total"]);
        assert_close(budget.lower_lower, 100.0 - 20.0 / 0.3);
        assert_close(budget.raise_upper, 0.0);
    }

    #[test]
    fn equality_rows_conflict() {
        // x0 + x1 = 10 and x0 - x1 = 20 need x1 = -5.
        let rules = [
            rule(
                "sum",
                RuleClass::Other,
                vec![row(&[(0, 1.0), (1, 1.0)], 10.0, 10.0)],
            ),
            rule(
                "difference",
                RuleClass::Other,
                vec![row(&[(0, 1.0), (1, -1.0)], 20.0, 20.0)],
            ),
        ];
        let diagnosis = check(2, &rules).unwrap_err();
        assert_eq!(diagnosis.error, None);
        assert_eq!(diagnosis.conflict, ["sum", "difference"]);
        let sum = relaxation(&diagnosis, &["sum"]);
        assert_close(sum.raise_upper, 10.0);
        assert_close(sum.lower_lower, 0.0);
        let difference = relaxation(&diagnosis, &["difference"]);
        assert_close(difference.lower_lower, 10.0);
        assert_close(difference.raise_upper, 0.0);
    }

    #[test]
    fn infinite_sides() {
        let free = rule(
            "free",
            RuleClass::Other,
            vec![row(&[(0, 1.0)], f64::NEG_INFINITY, f64::INFINITY)],
        );
        let floor = bound("floor", 0, 50.0, f64::INFINITY);
        let cap = rule(
            "cap",
            RuleClass::Total,
            vec![row(&[(0, 1.0), (1, 1.0)], f64::NEG_INFINITY, 30.0)],
        );
        assert_eq!(check(2, &[free.clone(), floor.clone()]), Ok(()));
        assert_eq!(check(2, &[free.clone(), cap.clone()]), Ok(()));
        let diagnosis = check(2, &[free, floor, cap]).unwrap_err();
        assert_eq!(diagnosis.error, None);
        assert_eq!(diagnosis.conflict, ["floor", "cap"]);
        assert_close(relaxation(&diagnosis, &["cap"]).raise_upper, 20.0);
        assert_close(relaxation(&diagnosis, &["floor"]).lower_lower, 20.0);
    }

    #[test]
    fn feasible_rules_pass() {
        let rules = [
            bound("a", 0, 10.0, 50.0),
            bound("b", 1, 10.0, 50.0),
            total("total", 3, 100.0, 100.0),
        ];
        assert_eq!(check(3, &rules), Ok(()));
        assert_eq!(check(3, &[]), Ok(()));
        assert_eq!(check(0, &[]), Ok(()));
    }

    #[test]
    fn negative_floor_conflicts() {
        // x >= 0 is implicit and never relaxed, so a rule x0 <= -5 conflicts alone.
        let rules = [bound("negative", 0, f64::NEG_INFINITY, -5.0)];
        let diagnosis = check(1, &rules).unwrap_err();
        assert_eq!(diagnosis.conflict, ["negative"]);
        assert_close(relaxation(&diagnosis, &["negative"]).raise_upper, 5.0);
    }

    #[test]
    fn crossed_limits_conflict_alone() {
        let rules = [
            bound("ok", 1, 0.0, 5.0),
            rule(
                "crossed",
                RuleClass::Other,
                vec![row(&[(0, 1.0)], 8.0, 3.0)],
            ),
        ];
        let diagnosis = check(2, &rules).unwrap_err();
        assert_eq!(diagnosis.conflict, ["crossed"]);
        let crossed = relaxation(&diagnosis, &["crossed"]);
        assert_close(crossed.raise_upper + crossed.lower_lower, 5.0);
    }

    #[test]
    fn row_without_terms() {
        let empty = rule("empty", RuleClass::Other, vec![row(&[], 1.0, 2.0)]);
        let diagnosis = check(0, &[empty]).unwrap_err();
        assert_eq!(diagnosis.conflict, ["empty"]);
        assert_close(relaxation(&diagnosis, &["empty"]).lower_lower, 1.0);
        let zero = rule("zero", RuleClass::Other, vec![row(&[(0, 0.0)], -1.0, 2.0)]);
        assert_eq!(check(1, &[zero]), Ok(()));
    }

    #[test]
    fn conflict_skips_unrelated_rules() {
        let mut rules = vec![total("total", 20, 100.0, 100.0)];
        for index in 0..20 {
            let floor = if index % 4 == 0 { 30.0 } else { 0.0 };
            rules.push(bound(&format!("bound {index}"), index, floor, 60.0));
        }
        rules.push(rule(
            "pair",
            RuleClass::Other,
            vec![row(&[(1, 1.0), (2, 1.0)], f64::NEG_INFINITY, 70.0)],
        ));
        let diagnosis = check(20, &rules).unwrap_err();
        assert_eq!(diagnosis.error, None);
        // Four floors of 30 already exceed the total of 100, so the conflict has four of five.
        assert_eq!(diagnosis.conflict.len(), 5);
        assert_eq!(diagnosis.conflict[0], "total");
        let floors: Vec<&str> = diagnosis.conflict[1..].iter().map(String::as_str).collect();
        for floor in &floors {
            let index: usize = floor["bound ".len()..].parse().unwrap();
            assert_eq!(index % 4, 0, "{floor} has no floor");
        }
        assert_close(relaxation(&diagnosis, &floors).lower_lower, 20.0);
        assert_close(relaxation(&diagnosis, &["total"]).raise_upper, 20.0);
    }

    #[test]
    fn relaxations_cheapest_first() {
        let rules = [
            rule(
                "sum",
                RuleClass::Other,
                vec![row(&[(0, 1.0), (1, 1.0)], 10.0, 10.0)],
            ),
            rule(
                "double",
                RuleClass::Other,
                vec![row(&[(0, 2.0)], 40.0, f64::INFINITY)],
            ),
        ];
        let diagnosis = check(2, &rules).unwrap_err();
        assert_eq!(diagnosis.conflict, ["sum", "double"]);
        assert_eq!(diagnosis.relaxations[0].rules, ["sum"]);
        assert_close(diagnosis.relaxations[0].raise_upper, 10.0);
        assert_eq!(diagnosis.relaxations[1].rules, ["double"]);
        assert_close(diagnosis.relaxations[1].lower_lower, 20.0);
    }

    #[test]
    fn invalid_rules_rejected() {
        let cases = [
            (
                rule(
                    "nan",
                    RuleClass::Other,
                    vec![row(&[(0, f64::NAN)], 0.0, 1.0)],
                ),
                "nan",
            ),
            (
                rule(
                    "inf",
                    RuleClass::Other,
                    vec![row(&[(0, f64::INFINITY)], 0.0, 1.0)],
                ),
                "inf",
            ),
            (bound("index", 5, 0.0, 1.0), "index"),
            (bound("nan bound", 0, f64::NAN, 1.0), "nan bound"),
            (
                bound("lower inf", 0, f64::INFINITY, f64::INFINITY),
                "lower inf",
            ),
            (bound("upper -inf", 0, 0.0, f64::NEG_INFINITY), "upper -inf"),
        ];
        for (invalid, name) in cases {
            let diagnosis = check(2, &[bound("fine", 1, 0.0, 1.0), invalid]).unwrap_err();
            match diagnosis.error {
                Some(CheckError::InvalidRule { rule, .. }) => assert_eq!(rule, name),
                other => panic!("expected an invalid rule `{name}`, got {other:?}"),
            }
            assert!(diagnosis.conflict.is_empty());
        }
    }

    #[test]
    fn repeated_name_rejected() {
        let rules = [bound("same", 0, 0.0, 1.0), bound("same", 1, 0.0, 1.0)];
        let diagnosis = check(2, &rules).unwrap_err();
        let message = diagnosis.to_string();
        assert!(message.contains("`same`"), "{message}");
        assert!(message.contains("unique name"), "{message}");
    }

    #[test]
    fn diagnosis_message() {
        let rules = [
            bound("a", 0, 0.0, 17.0),
            bound("b", 1, 0.0, 17.0),
            total("total", 2, 100.0, 100.0),
        ];
        let message = check(2, &rules).unwrap_err().to_string();
        assert_eq!(
            message,
            "the rules `a`, `b`, `total` cannot all hold at once. Smallest repairs: lower the \
             lower limit of `total` by 66; or raise the upper limits of `a`, `b` by 66 in total"
        );
    }

    #[test]
    fn many_floors_against_total() {
        let variables = 400;
        let mut rules = vec![total("total", variables, 1000.0, 1000.0)];
        for index in 0..variables {
            let floor = if index % 5 == 0 { 13.0 } else { 0.0 };
            rules.push(bound(&format!("bound {index}"), index, floor, 200.0));
        }
        let diagnosis = check(variables, &rules).unwrap_err();
        assert_eq!(diagnosis.error, None);
        // 77 floors of 13 exceed the total of 1000 by 1, and 76 do not reach it.
        assert_eq!(diagnosis.conflict.len(), 78);
        assert_eq!(diagnosis.conflict[0], "total");
        assert_close(relaxation(&diagnosis, &["total"]).raise_upper, 1.0);
    }
}
