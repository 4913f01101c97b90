//! Constrained domination, non-dominated sorting and crowding distance.
//!
//! These are the ranking steps of NSGA-II as Deb et al. (2002) define them. The functions
//! work on plain slices, so a faster sort can replace [`fast_non_dominated_sort`] later
//! without changes to the rest of the search.

use std::cmp::Ordering;

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

/// Computes the crowding distance of each member of one front.
///
/// `front` contains the objective vectors of the front's members, and the result has one
/// distance per member, in the same order. For each objective the members are sorted by
/// value, ties broken by position. The first and last members get an infinite distance,
/// and each inner member adds the gap between its neighbors divided by the front's range
/// of that objective. An objective with zero or non-finite range adds nothing to inner
/// members. Only the objectives that every member has are used.
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
    fn crowded_comparison_prefers_rank_then_distance() {
        assert_eq!(crowded_comparison(0, 0.1, 1, 9.0), Ordering::Less);
        assert_eq!(crowded_comparison(1, 9.0, 0, 0.1), Ordering::Greater);
        assert_eq!(crowded_comparison(2, 0.5, 2, 0.1), Ordering::Less);
        assert_eq!(crowded_comparison(2, f64::INFINITY, 2, 3.0), Ordering::Less);
        assert_eq!(crowded_comparison(2, 0.5, 2, 0.5), Ordering::Equal);
    }
}
