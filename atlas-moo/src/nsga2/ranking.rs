//! Constrained domination, non-dominated sorting and crowding distance.
//!
//! These are the ranking steps of NSGA-II as Deb et al. (2002) define them. The functions
//! work on plain slices. [`non_dominated_sort`] returns the same fronts as Deb's
//! [`fast_non_dominated_sort`] in O(N log N) time for two objectives, and
//! [`first_front`] returns only the first of them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Returns whether `a` constrained-dominates `b`.
///
/// A feasible solution (violation 0) beats an infeasible one, two infeasible solutions
/// compare by violation, and two feasible ones by Pareto dominance with every objective
/// minimized. Violations must already be sanitized (see [`sanitize_violation`]), so a NaN
/// never reaches this comparison.
#[must_use]
pub fn constrained_dominates(
    a_objectives: &[f64],
    a_violation: f64,
    b_objectives: &[f64],
    b_violation: f64,
) -> bool {
    match (a_violation == 0.0, b_violation == 0.0) {
        (true, false) => true,
        (false, true) => false,
        (false, false) => a_violation < b_violation,
        (true, true) => pareto_dominates(a_objectives, b_objectives),
    }
}

/// Returns whether `a` is no worse than `b` in every objective and better in at least one.
#[must_use]
pub fn pareto_dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strictly_better = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            strictly_better = true;
        }
    }
    strictly_better
}

/// Maps a reported violation to the one the search compares.
///
/// A NaN or non-finite objective, or a NaN or negative violation, makes the candidate
/// infeasible with violation +inf, so it loses against every candidate with a finite
/// violation and never enters the returned front. Negative zero counts as feasible.
#[must_use]
pub fn sanitize_violation(objectives: &[f64], violation: f64) -> f64 {
    let objectives_valid = objectives.iter().all(|value| value.is_finite());
    if !objectives_valid || violation.is_nan() || violation < 0.0 {
        f64::INFINITY
    } else {
        violation.abs()
    }
}

/// Sorts candidates into fronts by constrained domination, with Deb's O(M N²) algorithm.
///
/// Front 0 contains the candidates that nothing dominates, front 1 those dominated only by
/// front 0, and so on. Each front lists candidate indices in ascending order, so the result
/// depends only on the input. `objectives` and `violations` have one entry per candidate.
#[must_use]
pub fn fast_non_dominated_sort(objectives: &[Vec<f64>], violations: &[f64]) -> Vec<Vec<usize>> {
    let n = objectives.len().min(violations.len());
    let mut dominated_by_count = vec![0_usize; n];
    let mut dominates: Vec<Vec<usize>> = vec![Vec::new(); n];
    for p in 0..n {
        for q in (p + 1)..n {
            if constrained_dominates(&objectives[p], violations[p], &objectives[q], violations[q]) {
                dominates[p].push(q);
                dominated_by_count[q] += 1;
            } else if constrained_dominates(
                &objectives[q],
                violations[q],
                &objectives[p],
                violations[p],
            ) {
                dominates[q].push(p);
                dominated_by_count[p] += 1;
            }
        }
    }
    peel_fronts(dominates, dominated_by_count)
}

/// Removes fronts one at a time: each front's members release the candidates they dominate.
fn peel_fronts(dominates: Vec<Vec<usize>>, mut dominated_by_count: Vec<usize>) -> Vec<Vec<usize>> {
    let mut current: Vec<usize> = (0..dominated_by_count.len())
        .filter(|&index| dominated_by_count[index] == 0)
        .collect();
    let mut fronts = Vec::new();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &p in &current {
            for &q in &dominates[p] {
                dominated_by_count[q] -= 1;
                if dominated_by_count[q] == 0 {
                    next.push(q);
                }
            }
        }
        next.sort_unstable();
        fronts.push(current);
        current = next;
    }
    fronts
}

/// Sorts candidates into fronts by constrained domination, with the same result as
/// [`fast_non_dominated_sort`] in less time.
///
/// Feasible candidates (violation 0) are sorted lexicographically by objectives, so no
/// candidate is dominated by a later one. Each is then placed in the first front that has
/// no member dominating it, found by binary search over the fronts, as in ENS-BS (Zhang,
/// Tian, Cheng and Jin, IEEE Trans. Evol. Comput. 19(2), 2015). How a front checks
/// whether one of its members dominates the candidate depends on the number of
/// objectives M:
///
/// - M = 2: the front's smallest second objective decides, as in Jensen's sort (IEEE
///   Trans. Evol. Comput., 2003), so the sort takes O(N log N).
/// - M = 3: a staircase of the members' non-dominated (f2, f3) pairs in a B-tree decides,
///   so the sort takes O(N log² N).
/// - otherwise: the members are checked one by one, O(M N²) at worst.
///
/// Infeasible candidates follow the feasible fronts, with one front per distinct
/// violation, smallest first. A NaN violation compares neither smaller nor larger than any
/// other, so its candidate joins the first front after the feasible ones. Each front lists
/// candidate indices in ascending order.
///
/// If a feasible candidate has a NaN objective, or feasible candidates have different
/// numbers of objectives, the function returns [`fast_non_dominated_sort`]'s result
/// instead, at its O(M N²) cost. In NSGA-II, [`sanitize_violation`] rules out the first
/// case and the check of each evaluation's shape the second.
#[must_use]
pub fn non_dominated_sort(objectives: &[Vec<f64>], violations: &[f64]) -> Vec<Vec<usize>> {
    match rank_candidates(objectives, violations, usize::MAX) {
        Some(rank) => group_by_rank(&rank),
        None => fast_non_dominated_sort(objectives, violations),
    }
}

/// Returns the candidates in the first front of [`non_dominated_sort`], in ascending order.
///
/// It runs the same placement with only the first front kept, so a candidate is compared
/// with that front's summary alone. For two and three objectives this takes O(N log N).
#[must_use]
pub fn first_front(objectives: &[Vec<f64>], violations: &[f64]) -> Vec<usize> {
    match rank_candidates(objectives, violations, 1) {
        Some(rank) => (0..rank.len()).filter(|&index| rank[index] == 0).collect(),
        None => fast_non_dominated_sort(objectives, violations)
            .into_iter()
            .next()
            .unwrap_or_default(),
    }
}

/// Returns each candidate's front rank, exact below `front_limit`. A candidate in a later
/// front gets a rank of at least `front_limit`.
///
/// Returns `None` when a feasible candidate has a NaN objective or feasible candidates have
/// different numbers of objectives, because the lexicographic order assumes neither.
fn rank_candidates(
    objectives: &[Vec<f64>],
    violations: &[f64],
    front_limit: usize,
) -> Option<Vec<usize>> {
    let n = objectives.len().min(violations.len());
    let violations = &violations[..n];
    let points = SortedPoints::from_feasible(&objectives[..n], violations)?;
    let mut rank = vec![0; n];
    let feasible_rank = place_sorted_points(&points, front_limit);
    for (&candidate, &candidate_rank) in points.candidates.iter().zip(&feasible_rank) {
        rank[candidate] = candidate_rank;
    }
    let feasible_fronts = feasible_rank.iter().max().map_or(0, |&last| last + 1);
    rank_infeasible(violations, feasible_fronts, &mut rank);
    Some(rank)
}

/// Lists the candidates of each rank in ascending order. Ranks must run from 0 without gaps.
fn group_by_rank(rank: &[usize]) -> Vec<Vec<usize>> {
    let count = rank.iter().max().map_or(0, |&last| last + 1);
    let mut fronts = vec![Vec::new(); count];
    for (candidate, &candidate_rank) in rank.iter().enumerate() {
        fronts[candidate_rank].push(candidate);
    }
    fronts
}

/// Sets the rank of every infeasible candidate (nonzero violation). Fronts follow the
/// `feasible_fronts` feasible ones, one per distinct violation in increasing order, as
/// [`constrained_dominates`] compares two infeasible candidates by violation alone.
fn rank_infeasible(violations: &[f64], feasible_fronts: usize, rank: &mut [usize]) {
    let mut ordered = Vec::new();
    for (candidate, &violation) in violations.iter().enumerate() {
        if violation.is_nan() {
            rank[candidate] = feasible_fronts;
        } else if violation != 0.0 {
            ordered.push(candidate);
        }
    }
    ordered.sort_unstable_by(|&a, &b| violations[a].total_cmp(&violations[b]));
    let mut level = feasible_fronts;
    let mut previous: Option<f64> = None;
    for candidate in ordered {
        let violation = violations[candidate];
        if previous.is_some_and(|smaller| smaller < violation) {
            level += 1;
        }
        rank[candidate] = level;
        previous = Some(violation);
    }
}

/// Objective vectors of the feasible candidates, in lexicographic order, stored row by row.
struct SortedPoints {
    dim: usize,
    /// Row-major values with -0.0 replaced by 0.0, so `total_cmp` orders them as `<` does.
    values: Vec<f64>,
    /// Candidate index of each row.
    candidates: Vec<usize>,
}

impl SortedPoints {
    /// Collects the candidates with violation 0, or returns `None` when one of them has a
    /// NaN objective or their numbers of objectives differ.
    fn from_feasible(objectives: &[Vec<f64>], violations: &[f64]) -> Option<Self> {
        let mut candidates: Vec<usize> = (0..violations.len())
            .filter(|&index| violations[index] == 0.0)
            .collect();
        let dim = candidates
            .first()
            .map_or(0, |&index| objectives[index].len());
        let regular = candidates.iter().all(|&index| {
            let row = &objectives[index];
            row.len() == dim && !row.iter().any(|value| value.is_nan())
        });
        if !regular {
            return None;
        }
        candidates.sort_unstable_by(|&a, &b| {
            compare_lexicographic(&objectives[a], &objectives[b]).then(a.cmp(&b))
        });
        let values = candidates
            .iter()
            .flat_map(|&index| objectives[index].iter().map(|&value| value + 0.0))
            .collect();
        Some(Self {
            dim,
            values,
            candidates,
        })
    }

    fn len(&self) -> usize {
        self.candidates.len()
    }

    fn row(&self, index: usize) -> &[f64] {
        &self.values[index * self.dim..(index + 1) * self.dim]
    }
}

/// Orders two NaN-free rows of equal length lexicographically, with -0.0 equal to 0.0.
fn compare_lexicographic(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x + 0.0).total_cmp(&(y + 0.0)))
        .find(|ordering| ordering.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Returns the rank of each sorted row, exact below `front_limit`.
fn place_sorted_points(points: &SortedPoints, front_limit: usize) -> Vec<usize> {
    match points.dim {
        2 => place_in_fronts(points, &mut SecondObjectiveMinima::default(), front_limit),
        3 => place_in_fronts(points, &mut StaircaseFronts::default(), front_limit),
        _ => place_in_fronts(points, &mut MemberFronts::new(points), front_limit),
    }
}

/// Fronts under construction, each summarized so that it can tell whether one of its
/// members dominates a new row.
///
/// Rows arrive in lexicographic order without repeats, so every member precedes the new
/// row and differs from it. A member then dominates the row exactly when it is no greater
/// in every objective after the first.
trait FrontSummaries {
    fn front_count(&self) -> usize;

    /// Returns whether a member of front `front` dominates `row`.
    fn dominates(&self, front: usize, row: &[f64]) -> bool;

    /// Adds row `index` to front `front`, which opens a new front when it equals
    /// `front_count()`. No member of that front dominates the row.
    fn add(&mut self, front: usize, index: usize, row: &[f64]);
}

/// Places each sorted row in the first front with no member that dominates it and returns
/// the rows' ranks. A row that belongs to front `front_limit` or later is not added and
/// gets rank `front_limit`.
fn place_in_fronts(
    points: &SortedPoints,
    fronts: &mut impl FrontSummaries,
    front_limit: usize,
) -> Vec<usize> {
    let mut rank: Vec<usize> = Vec::with_capacity(points.len());
    for index in 0..points.len() {
        let row = points.row(index);
        if index > 0 && row == points.row(index - 1) {
            // A copy is dominated by the same candidates as the row it repeats.
            rank.push(rank[index - 1]);
            continue;
        }
        // If a member of front k dominates the row, a member of each earlier front
        // dominates that member and so the row. The dominating fronts form a prefix.
        let mut low = 0;
        let mut high = fronts.front_count().min(front_limit);
        while low < high {
            let middle = low + (high - low) / 2;
            if fronts.dominates(middle, row) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        if low < front_limit {
            fronts.add(low, index, row);
        }
        rank.push(low);
    }
    rank
}

/// Two-objective fronts, each summarized by its members' smallest second objective.
///
/// A member precedes the row lexicographically, so it dominates the row when its second
/// objective is no greater. Each new member has a smaller second objective than every
/// earlier one, or one of them would dominate it.
#[derive(Default)]
struct SecondObjectiveMinima(Vec<f64>);

impl FrontSummaries for SecondObjectiveMinima {
    fn front_count(&self) -> usize {
        self.0.len()
    }

    fn dominates(&self, front: usize, row: &[f64]) -> bool {
        self.0[front] <= row[1]
    }

    fn add(&mut self, front: usize, _index: usize, row: &[f64]) {
        if front == self.0.len() {
            self.0.push(row[1]);
        } else {
            self.0[front] = row[1];
        }
    }
}

/// Three-objective fronts, each summarized by a [`Staircase`] of its members' (f2, f3).
#[derive(Default)]
struct StaircaseFronts(Vec<Staircase>);

impl FrontSummaries for StaircaseFronts {
    fn front_count(&self) -> usize {
        self.0.len()
    }

    fn dominates(&self, front: usize, row: &[f64]) -> bool {
        self.0[front].covers(row[1], row[2])
    }

    fn add(&mut self, front: usize, _index: usize, row: &[f64]) {
        if front == self.0.len() {
            self.0.push(Staircase::default());
        }
        self.0[front].insert(row[1], row[2]);
    }
}

/// The (second, third) pairs that no other stored pair is no greater than in both values.
/// Keys are the second values in increasing order, and their third values decrease.
#[derive(Default)]
struct Staircase(BTreeMap<OrderedValue, f64>);

impl Staircase {
    /// Returns whether a stored pair is no greater than `(second, third)` in both values.
    /// Of the pairs with second value up to `second`, the last has the smallest third.
    fn covers(&self, second: f64, third: f64) -> bool {
        self.0
            .range(..=OrderedValue(second))
            .next_back()
            .is_some_and(|(_, &stored_third)| stored_third <= third)
    }

    /// Inserts a pair that [`Staircase::covers`] rejects and removes the pairs it covers.
    fn insert(&mut self, second: f64, third: f64) {
        let key = OrderedValue(second);
        while let Some((&covered, &stored_third)) = self.0.range(key..).next() {
            if stored_third < third {
                break;
            }
            self.0.remove(&covered);
        }
        self.0.insert(key, third);
    }
}

/// An objective value ordered by `total_cmp`, which matches `<` for the NaN-free values
/// without -0.0 that [`SortedPoints`] stores.
#[derive(Clone, Copy, Debug)]
struct OrderedValue(f64);

impl PartialEq for OrderedValue {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for OrderedValue {}

impl PartialOrd for OrderedValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedValue {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Fronts of any number of objectives, each a list of its rows. A new row is compared with
/// the members from the last added backward.
struct MemberFronts<'a> {
    points: &'a SortedPoints,
    fronts: Vec<Vec<usize>>,
}

impl<'a> MemberFronts<'a> {
    fn new(points: &'a SortedPoints) -> Self {
        Self {
            points,
            fronts: Vec::new(),
        }
    }
}

impl FrontSummaries for MemberFronts<'_> {
    fn front_count(&self) -> usize {
        self.fronts.len()
    }

    fn dominates(&self, front: usize, row: &[f64]) -> bool {
        self.fronts[front].iter().rev().any(|&member| {
            let member_row = self.points.row(member);
            member_row.iter().zip(row).skip(1).all(|(x, y)| x <= y)
        })
    }

    fn add(&mut self, front: usize, index: usize, _row: &[f64]) {
        if front == self.fronts.len() {
            self.fronts.push(Vec::new());
        }
        self.fronts[front].push(index);
    }
}

/// Computes the crowding distance of each member of one front.
///
/// `front` contains the objective vectors of the front's members, and the result has one
/// distance per member, in the same order. For each objective the members are sorted by
/// value, ties broken by position. The first and last members get an infinite distance,
/// and each inner member adds the gap between its neighbors divided by the front's range
/// of that objective. An objective whose values are all equal adds nothing to any member,
/// because its first and last members would be chosen by position alone. An objective
/// with a non-finite range, such as one with a NaN or infinite value, adds nothing to
/// inner members. Fronts of one or two members get infinite distances. Only the
/// objectives that every member has are used.
#[must_use]
pub fn crowding_distance(front: &[&[f64]]) -> Vec<f64> {
    let size = front.len();
    let mut distance = vec![0.0; size];
    if size <= 2 {
        distance.fill(f64::INFINITY);
        return distance;
    }
    let n_obj = front.iter().map(|member| member.len()).min().unwrap_or(0);
    for objective in 0..n_obj {
        let values: Vec<f64> = front.iter().map(|member| member[objective]).collect();
        add_objective_gaps(&values, &mut distance);
    }
    distance
}

/// Adds one objective's normalized neighbor gaps to `distance`, for fronts of 3 or more.
fn add_objective_gaps(values: &[f64], distance: &mut [f64]) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let (Some(&first), Some(&last)) = (order.first(), order.last()) else {
        return;
    };
    if values[first] == values[last] {
        return;
    }
    distance[first] = f64::INFINITY;
    distance[last] = f64::INFINITY;
    let range = values[last] - values[first];
    if !(range > 0.0 && range.is_finite()) {
        return;
    }
    for window in order.windows(3) {
        let gap = (values[window[2]] - values[window[0]]) / range;
        if gap.is_finite() {
            distance[window[1]] += gap;
        }
    }
}

/// Orders two members for the binary tournament: lower rank first, then larger crowding
/// distance. Returns `Ordering::Equal` when both tie, so the caller breaks the tie.
#[must_use]
pub fn crowded_comparison(
    rank_a: usize,
    crowding_a: f64,
    rank_b: usize,
    crowding_b: f64,
) -> Ordering {
    rank_a
        .cmp(&rank_b)
        .then_with(|| crowding_b.total_cmp(&crowding_a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(rows: &[[f64; 2]]) -> Vec<Vec<f64>> {
        rows.iter().map(|row| row.to_vec()).collect()
    }

    fn crowding_of(rows: &[[f64; 2]]) -> Vec<f64> {
        let front: Vec<&[f64]> = rows.iter().map(|row| row.as_slice()).collect();
        crowding_distance(&front)
    }

    #[test]
    fn pareto_dominance_cases() {
        assert!(pareto_dominates(&[1.0, 2.0], &[2.0, 2.0]));
        assert!(!pareto_dominates(&[2.0, 2.0], &[1.0, 2.0]));
        assert!(!pareto_dominates(&[1.0, 2.0], &[1.0, 2.0]));
        assert!(!pareto_dominates(&[1.0, 3.0], &[2.0, 2.0]));
    }

    #[test]
    fn constrained_domination_cases() {
        // A feasible candidate beats an infeasible one even with worse objectives.
        assert!(constrained_dominates(&[9.0, 9.0], 0.0, &[0.0, 0.0], 0.5));
        assert!(!constrained_dominates(&[0.0, 0.0], 0.5, &[9.0, 9.0], 0.0));
        // Two infeasible candidates compare by violation only.
        assert!(constrained_dominates(&[9.0, 9.0], 0.1, &[0.0, 0.0], 0.2));
        assert!(!constrained_dominates(&[0.0, 0.0], 0.2, &[9.0, 9.0], 0.1));
        assert!(!constrained_dominates(&[0.0, 0.0], 0.2, &[9.0, 9.0], 0.2));
        // Two feasible candidates compare by Pareto dominance.
        assert!(constrained_dominates(&[1.0, 1.0], 0.0, &[2.0, 2.0], 0.0));
        assert!(!constrained_dominates(&[1.0, 3.0], 0.0, &[2.0, 2.0], 0.0));
    }

    #[test]
    fn sanitize_violation_cases() {
        assert_eq!(sanitize_violation(&[1.0, 2.0], 0.0), 0.0);
        assert_eq!(sanitize_violation(&[1.0, 2.0], 0.3), 0.3);
        assert_eq!(
            sanitize_violation(&[1.0, 2.0], -0.0).to_bits(),
            0.0_f64.to_bits()
        );
        assert_eq!(sanitize_violation(&[1.0, 2.0], -1.0), f64::INFINITY);
        assert_eq!(sanitize_violation(&[1.0, 2.0], f64::NAN), f64::INFINITY);
        assert_eq!(sanitize_violation(&[f64::NAN, 2.0], 0.0), f64::INFINITY);
        assert_eq!(
            sanitize_violation(&[f64::NEG_INFINITY, 2.0], 0.0),
            f64::INFINITY
        );
    }

    #[test]
    fn sort_splits_fronts() {
        // 0, 1 and 2 are mutually non-dominated, 3 is dominated by 1 only, and 4 by 3.
        let objectives = points(&[[1.0, 4.0], [2.0, 2.0], [4.0, 1.0], [3.0, 3.0], [4.0, 4.0]]);
        let fronts = fast_non_dominated_sort(&objectives, &[0.0; 5]);
        assert_eq!(fronts, vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    #[test]
    fn sort_puts_infeasible_after_feasible() {
        // Candidate 0 has the best objectives but violates a constraint.
        let objectives = points(&[[0.0, 0.0], [2.0, 2.0], [1.0, 3.0], [5.0, 5.0]]);
        let violations = [0.5, 0.0, 0.0, 0.1];
        let fronts = fast_non_dominated_sort(&objectives, &violations);
        assert_eq!(fronts, vec![vec![1, 2], vec![3], vec![0]]);
    }

    #[test]
    fn sort_keeps_duplicates_together() {
        let objectives = points(&[[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]]);
        let fronts = fast_non_dominated_sort(&objectives, &[0.0; 3]);
        assert_eq!(fronts, vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn sort_of_empty_input() {
        let fronts = fast_non_dominated_sort(&[], &[]);
        assert!(fronts.is_empty());
    }

    /// Runs both sorts and checks that they agree before returning the fronts.
    fn sorted_fronts(objectives: &[Vec<f64>], violations: &[f64]) -> Vec<Vec<usize>> {
        let fronts = non_dominated_sort(objectives, violations);
        assert_eq!(fronts, fast_non_dominated_sort(objectives, violations));
        let expected_first = fronts.first().cloned().unwrap_or_default();
        assert_eq!(first_front(objectives, violations), expected_first);
        fronts
    }

    #[test]
    fn sorts_split_fronts() {
        let objectives = points(&[[1.0, 4.0], [2.0, 2.0], [4.0, 1.0], [3.0, 3.0], [4.0, 4.0]]);
        let fronts = sorted_fronts(&objectives, &[0.0; 5]);
        assert_eq!(fronts, vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    #[test]
    fn sorts_two_objectives_with_ties() {
        // 1 and its copy 4 dominate 0 (equal f1) and 2 (equal f2). 3 ties 2 in f1.
        let objectives = points(&[[1.0, 3.0], [1.0, 2.0], [2.0, 2.0], [2.0, 1.0], [1.0, 2.0]]);
        let fronts = sorted_fronts(&objectives, &[0.0; 5]);
        assert_eq!(fronts, vec![vec![1, 3, 4], vec![0, 2]]);
    }

    #[test]
    fn sorts_three_objectives() {
        // 0, 1 and 2 trade off. 3 is dominated by 0 only, 4 by 0 to 3, and 5 copies 4.
        let objectives = vec![
            vec![0.0, 2.0, 2.0],
            vec![2.0, 0.0, 2.0],
            vec![2.0, 2.0, 0.0],
            vec![1.0, 2.0, 3.0],
            vec![2.0, 3.0, 3.0],
            vec![2.0, 3.0, 3.0],
        ];
        let fronts = sorted_fronts(&objectives, &[0.0; 6]);
        assert_eq!(fronts, vec![vec![0, 1, 2], vec![3], vec![4, 5]]);
    }

    #[test]
    fn sorts_one_objective() {
        let objectives = vec![vec![3.0], vec![1.0], vec![3.0], vec![2.0], vec![1.0]];
        let fronts = sorted_fronts(&objectives, &[0.0; 5]);
        assert_eq!(fronts, vec![vec![1, 4], vec![3], vec![0, 2]]);
    }

    #[test]
    fn sorts_without_objectives() {
        let objectives = vec![Vec::new(); 3];
        assert_eq!(sorted_fronts(&objectives, &[0.0; 3]), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn sorts_of_empty_input() {
        assert!(sorted_fronts(&[], &[]).is_empty());
    }

    #[test]
    fn sorts_ignore_unmatched_entries() {
        // Only the first two candidates have both objectives and a violation.
        let objectives = points(&[[2.0, 2.0], [1.0, 1.0], [0.0, 0.0]]);
        assert_eq!(
            sorted_fronts(&objectives, &[0.0, 0.0]),
            vec![vec![1], vec![0]]
        );
        assert_eq!(sorted_fronts(&objectives[..1], &[0.0, 0.0]), vec![vec![0]]);
    }

    #[test]
    fn sorts_treat_negative_zero_as_zero() {
        // 1 dominates 0 because -0.0 == 0.0, although total_cmp orders -0.0 first.
        let objectives = vec![vec![-0.0, 2.0, 1.0], vec![0.0, 1.0, 1.0]];
        assert_eq!(
            sorted_fronts(&objectives, &[0.0; 2]),
            vec![vec![1], vec![0]]
        );
        let pairs = vec![vec![-0.0, 2.0], vec![0.0, 1.0]];
        assert_eq!(sorted_fronts(&pairs, &[0.0; 2]), vec![vec![1], vec![0]]);
        // The staircase keys must not order -0.0 before 0.0 either.
        let second_zero = vec![vec![0.0, 0.0, 1.0], vec![1.0, -0.0, 1.0]];
        assert_eq!(
            sorted_fronts(&second_zero, &[0.0; 2]),
            vec![vec![0], vec![1]]
        );
    }

    #[test]
    fn sorts_order_infeasible_by_violation() {
        let objectives = points(&[[0.0, 0.0], [2.0, 2.0], [1.0, 3.0], [5.0, 5.0], [9.0, 9.0]]);
        let violations = [0.5, 0.0, 0.0, 0.1, 0.5];
        let fronts = sorted_fronts(&objectives, &violations);
        assert_eq!(fronts, vec![vec![1, 2], vec![3], vec![0, 4]]);
    }

    #[test]
    fn sorts_put_nan_objectives_last() {
        let objectives = points(&[
            [f64::NAN, 0.0],
            [1.0, 1.0],
            [f64::NAN, f64::NAN],
            [0.0, 2.0],
        ]);
        let violations = [f64::INFINITY, 0.0, f64::INFINITY, 0.3];
        let fronts = sorted_fronts(&objectives, &violations);
        assert_eq!(fronts, vec![vec![1], vec![3], vec![0, 2]]);
    }

    #[test]
    fn sorts_put_nan_violation_after_feasible() {
        // A NaN violation compares neither smaller nor larger than 0.3 or 0.7.
        let objectives = points(&[[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
        let violations = [0.0, f64::NAN, 0.3, 0.7];
        let fronts = sorted_fronts(&objectives, &violations);
        assert_eq!(fronts, vec![vec![0], vec![1, 2], vec![3]]);
        let only_infeasible = sorted_fronts(&objectives[1..], &violations[1..]);
        assert_eq!(only_infeasible, vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn sorts_fall_back_on_nan_objective() {
        // With NaN ignored, 1 dominates 0, 0 dominates 2 and 2 dominates 1, so Deb's sort
        // never releases any of them and returns no front.
        let cycle = vec![
            vec![0.0, 1.0, f64::NAN],
            vec![f64::NAN, 0.0, 1.0],
            vec![1.0, f64::NAN, 0.0],
        ];
        assert!(sorted_fronts(&cycle, &[0.0; 3]).is_empty());
        let objectives = points(&[[f64::NAN, 1.0], [0.0, 0.0], [1.0, 1.0]]);
        assert_eq!(
            sorted_fronts(&objectives, &[0.0; 3]),
            vec![vec![1], vec![0, 2]]
        );
    }

    #[test]
    fn sorts_fall_back_on_ragged_rows() {
        // Deb's sort compares two rows over the shorter one's objectives.
        let objectives = vec![
            vec![1.0, 1.0],
            vec![2.0],
            vec![0.0, 3.0, 5.0],
            vec![3.0, 4.0],
        ];
        let fronts = sorted_fronts(&objectives, &[0.0; 4]);
        assert_eq!(fronts, vec![vec![0, 2], vec![1], vec![3]]);
    }

    #[test]
    fn first_front_of_infeasible_population() {
        let objectives = points(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]);
        let violations = [0.4, 0.2, f64::INFINITY, 0.2];
        assert_eq!(first_front(&objectives, &violations), vec![1, 3]);
        assert!(first_front(&[], &[]).is_empty());
    }

    #[test]
    fn staircase_covers_and_prunes() {
        let mut staircase = Staircase::default();
        staircase.insert(2.0, 5.0);
        staircase.insert(4.0, 3.0);
        staircase.insert(6.0, 1.0);
        assert!(staircase.covers(4.0, 3.0));
        assert!(staircase.covers(5.0, 4.0));
        assert!(!staircase.covers(3.0, 4.0));
        assert!(!staircase.covers(1.0, 9.0));
        // (3, 2) covers (4, 3) only, so that pair is removed.
        staircase.insert(3.0, 2.0);
        let pairs: Vec<(f64, f64)> = staircase
            .0
            .iter()
            .map(|(key, &third)| (key.0, third))
            .collect();
        assert_eq!(pairs, vec![(2.0, 5.0), (3.0, 2.0), (6.0, 1.0)]);
        // (2, 1) covers every stored pair, (6, 1) with its equal third value included.
        staircase.insert(2.0, 1.0);
        let pairs: Vec<(f64, f64)> = staircase
            .0
            .iter()
            .map(|(key, &third)| (key.0, third))
            .collect();
        assert_eq!(pairs, vec![(2.0, 1.0)]);
    }

    #[test]
    fn crowding_of_evenly_spaced_front() {
        let distance = crowding_of(&[[0.0, 4.0], [1.0, 3.0], [2.0, 2.0], [4.0, 0.0]]);
        assert_eq!(distance[0], f64::INFINITY);
        assert_eq!(distance[3], f64::INFINITY);
        // Member 1: (2 - 0) / 4 in f1 plus (4 - 2) / 4 in f2.
        assert_eq!(distance[1], 1.0);
        // Member 2: (4 - 1) / 4 in f1 plus (3 - 0) / 4 in f2.
        assert_eq!(distance[2], 1.5);
    }

    #[test]
    fn crowding_follows_input_order() {
        let distance = crowding_of(&[[4.0, 0.0], [2.0, 2.0], [0.0, 4.0], [1.0, 3.0]]);
        assert_eq!(distance, vec![f64::INFINITY, 1.5, f64::INFINITY, 1.0]);
    }

    #[test]
    fn crowding_of_small_fronts_is_infinite() {
        assert_eq!(
            crowding_of(&[[0.0, 1.0], [1.0, 0.0]]),
            vec![f64::INFINITY; 2]
        );
        assert_eq!(crowding_of(&[[0.0, 1.0]]), vec![f64::INFINITY]);
        assert!(crowding_of(&[]).is_empty());
    }

    #[test]
    fn crowding_skips_flat_objective() {
        // f2 has zero range, so only f1 contributes to inner members.
        let distance = crowding_of(&[[0.0, 1.0], [1.0, 1.0], [3.0, 1.0], [4.0, 1.0]]);
        assert_eq!(distance[1], 0.75);
        assert_eq!(distance[2], 0.75);
        assert!(distance.iter().all(|value| !value.is_nan()));
    }

    #[test]
    fn crowding_with_nan_objectives_has_no_nan() {
        let distance = crowding_of(&[[f64::NAN, 1.0], [1.0, f64::NAN], [2.0, 0.0], [0.5, 0.5]]);
        assert!(distance.iter().all(|value| !value.is_nan()));
    }

    #[test]
    fn crowding_of_duplicate_inner_points() {
        // Each copy of (1, 3) has the other copy as a neighbor in one of the objectives.
        let distance = crowding_of(&[[0.0, 4.0], [1.0, 3.0], [1.0, 3.0], [4.0, 0.0]]);
        assert_eq!(distance, vec![f64::INFINITY, 1.0, 1.0, f64::INFINITY]);
    }

    #[test]
    fn crowding_of_duplicate_extreme_points() {
        // Ties go by position, so one copy of (0, 4) is first in f1 and the other last in f2.
        let distance = crowding_of(&[[0.0, 4.0], [0.0, 4.0], [2.0, 2.0], [4.0, 0.0]]);
        assert_eq!(distance[0], f64::INFINITY);
        assert_eq!(distance[1], f64::INFINITY);
        assert_eq!(distance[3], f64::INFINITY);
        // Member 2: (4 - 0) / 4 in f1 plus (4 - 0) / 4 in f2.
        assert_eq!(distance[2], 2.0);
    }

    #[test]
    fn crowding_of_all_equal_points() {
        assert_eq!(crowding_of(&[[1.0, 2.0]; 4]), vec![0.0; 4]);
        assert_eq!(crowding_of(&[[1.0, 2.0]; 2]), vec![f64::INFINITY; 2]);
        // -0.0 equals 0.0, so this objective is flat too.
        assert_eq!(
            crowding_of(&[[0.0, 1.0], [-0.0, 1.0], [0.0, 1.0]]),
            vec![0.0; 3]
        );
    }

    #[test]
    fn crowding_of_flat_objective_ignores_position() {
        // f2 is flat, so only f1 marks extremes: members 1 and 2, not the first and last.
        let distance = crowding_of(&[[1.0, 5.0], [0.0, 5.0], [4.0, 5.0], [3.0, 5.0]]);
        assert_eq!(distance, vec![0.75, f64::INFINITY, f64::INFINITY, 0.75]);
    }

    #[test]
    fn crowding_is_independent_of_order() {
        let rows = [
            [3.0, 1.0, 7.0],
            [0.0, 1.0, 2.0],
            [5.0, 1.0, 0.0],
            [1.0, 1.0, 9.0],
            [2.0, 1.0, 4.0],
        ];
        let front: Vec<&[f64]> = rows.iter().map(|row| row.as_slice()).collect();
        // f2 is flat. Moving member 0 to the end must move its distance with it.
        let mut rotated = front.clone();
        rotated.rotate_left(1);
        let mut expected = crowding_distance(&front);
        expected.rotate_left(1);
        assert_eq!(crowding_distance(&rotated), expected);
    }

    #[test]
    fn crowding_of_three_objectives_by_hand() {
        let rows = [
            [0.0, 6.0, 0.0],
            [1.0, 4.0, 2.0],
            [2.0, 3.0, 5.0],
            [3.0, 1.0, 3.0],
            [4.0, 2.0, 4.0],
            [6.0, 0.0, 9.0],
        ];
        let front: Vec<&[f64]> = rows.iter().map(|row| row.as_slice()).collect();
        let distance = crowding_distance(&front);
        assert_eq!(distance[0], f64::INFINITY);
        assert_eq!(distance[5], f64::INFINITY);
        // Gaps over ranges 6, 6 and 9, member by member.
        let expected = [
            2.0 / 6.0 + 3.0 / 6.0 + 3.0 / 9.0,
            2.0 / 6.0 + 2.0 / 6.0 + 5.0 / 9.0,
            2.0 / 6.0 + 2.0 / 6.0 + 2.0 / 9.0,
            3.0 / 6.0 + 2.0 / 6.0 + 2.0 / 9.0,
        ];
        for (member, value) in expected.iter().enumerate() {
            let actual = distance[member + 1];
            assert!(
                (actual - value).abs() < 1e-12,
                "member {}: {actual}",
                member + 1
            );
        }
    }

    #[test]
    fn crowded_comparison_prefers_rank_then_distance() {
        assert_eq!(crowded_comparison(0, 0.1, 1, 9.0), Ordering::Less);
        assert_eq!(crowded_comparison(1, 9.0, 0, 0.1), Ordering::Greater);
        assert_eq!(crowded_comparison(2, 0.5, 2, 0.1), Ordering::Less);
        assert_eq!(crowded_comparison(2, f64::INFINITY, 2, 3.0), Ordering::Less);
        assert_eq!(crowded_comparison(2, 0.5, 2, 0.5), Ordering::Equal);
    }
}
