//! Thinning a large non-dominated set, such as a run's archive, to a front of a given size.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::Solution;

/// Marks a missing neighbor in the per-objective linked lists.
const NONE: usize = usize::MAX;

/// Returns at most `size` members of `front`, in their input order, chosen by removing the
/// most crowded member one at a time.
///
/// Each step removes the member with the smallest crowding distance among those left, ties
/// broken by the lower index, and updates its neighbors' distances. Distances use each
/// objective's range over the whole input, as [`super::ranking::crowding_distance`] does,
/// and an objective whose values are all equal or not finite adds nothing. The extreme
/// members of every other objective have an infinite distance, so they are removed only
/// when `size` is below their count. Recomputing the distances after each removal spreads
/// the remaining members more evenly than one truncation by the initial distances. The cost is
/// O(n m log n) for n members and m objectives.
#[must_use]
pub fn thin_by_crowding(front: &[Solution], size: usize) -> Vec<Solution> {
    if front.len() <= size {
        return front.to_vec();
    }
    let objectives: Vec<&[f64]> = front.iter().map(|member| &member.objectives[..]).collect();
    let mut lists = Neighbors::new(&objectives);
    let mut version = vec![0_u64; front.len()];
    let mut removed = vec![false; front.len()];
    let mut heap: BinaryHeap<Reverse<Entry>> = (0..front.len())
        .map(|index| {
            Reverse(Entry {
                distance: lists.distance(index),
                index,
                version: 0,
            })
        })
        .collect();
    let mut left = front.len();
    while left > size {
        let Some(Reverse(entry)) = heap.pop() else {
            break;
        };
        if removed[entry.index] || version[entry.index] != entry.version {
            continue;
        }
        removed[entry.index] = true;
        left -= 1;
        for neighbor in lists.remove(entry.index) {
            version[neighbor] += 1;
            heap.push(Reverse(Entry {
                distance: lists.distance(neighbor),
                index: neighbor,
                version: version[neighbor],
            }));
        }
    }
    front
        .iter()
        .zip(&removed)
        .filter(|(_, &gone)| !gone)
        .map(|(member, _)| member.clone())
        .collect()
}

/// One member's crowding distance at the time it was pushed onto the heap.
#[derive(Debug, Clone, Copy)]
struct Entry {
    distance: f64,
    index: usize,
    version: u64,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.index.cmp(&other.index))
            .then(self.version.cmp(&other.version))
    }
}

/// For each objective that spreads the members, the members in order of that objective as
/// a doubly linked list, so that a removal updates the neighbors in O(m).
struct Neighbors<'a> {
    objectives: &'a [&'a [f64]],
    /// Objectives with a positive, finite range, each with that range.
    used: Vec<(usize, f64)>,
    previous: Vec<Vec<usize>>,
    next: Vec<Vec<usize>>,
}

impl<'a> Neighbors<'a> {
    fn new(objectives: &'a [&'a [f64]]) -> Self {
        let count = objectives.len();
        let n_obj = objectives
            .iter()
            .map(|point| point.len())
            .min()
            .unwrap_or(0);
        let mut used = Vec::new();
        let mut previous = Vec::new();
        let mut next = Vec::new();
        for objective in 0..n_obj {
            let values: Vec<f64> = objectives.iter().map(|point| point[objective]).collect();
            let mut order: Vec<usize> = (0..count).collect();
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
            let range = values[order[count - 1]] - values[order[0]];
            if !(range > 0.0 && range.is_finite()) {
                continue;
            }
            let mut before = vec![NONE; count];
            let mut after = vec![NONE; count];
            for pair in order.windows(2) {
                after[pair[0]] = pair[1];
                before[pair[1]] = pair[0];
            }
            used.push((objective, range));
            previous.push(before);
            next.push(after);
        }
        Self {
            objectives,
            used,
            previous,
            next,
        }
    }

    /// Returns the crowding distance of `index` among the members still linked.
    fn distance(&self, index: usize) -> f64 {
        let mut total = 0.0;
        for (slot, &(objective, range)) in self.used.iter().enumerate() {
            let (before, after) = (self.previous[slot][index], self.next[slot][index]);
            if before == NONE || after == NONE {
                return f64::INFINITY;
            }
            let gap =
                (self.objectives[after][objective] - self.objectives[before][objective]) / range;
            if gap.is_finite() {
                total += gap;
            }
        }
        total
    }

    /// Unlinks `index` and returns its former neighbors, whose distances changed.
    fn remove(&mut self, index: usize) -> Vec<usize> {
        let mut touched = Vec::with_capacity(2 * self.used.len());
        for slot in 0..self.used.len() {
            let (before, after) = (self.previous[slot][index], self.next[slot][index]);
            if before != NONE {
                self.next[slot][before] = after;
                touched.push(before);
            }
            if after != NONE {
                self.previous[slot][after] = before;
                touched.push(after);
            }
            self.previous[slot][index] = NONE;
            self.next[slot][index] = NONE;
        }
        touched.sort_unstable();
        touched.dedup();
        touched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nsga2::ranking::pareto_dominates;

    fn solution(objectives: &[f64]) -> Solution {
        Solution {
            x: objectives.to_vec(),
            objectives: objectives.to_vec(),
            violation: 0.0,
        }
    }

    /// Points on the line f1 + f2 = 1, at the given f1 values.
    fn line(f1: &[f64]) -> Vec<Solution> {
        f1.iter().map(|&a| solution(&[a, 1.0 - a])).collect()
    }

    fn first_objectives(front: &[Solution]) -> Vec<f64> {
        front.iter().map(|member| member.objectives[0]).collect()
    }

    #[test]
    fn small_front_is_kept_whole() {
        let front = line(&[0.0, 0.3, 1.0]);
        assert_eq!(thin_by_crowding(&front, 3), front);
        assert_eq!(thin_by_crowding(&front, 10), front);
    }

    #[test]
    fn crowded_member_goes_first() {
        let front = line(&[0.0, 0.5, 0.52, 1.0]);
        let thinned = thin_by_crowding(&front, 3);
        // 0.52 has distance 0.5 + 0.5, below the 0.52 + 0.52 of 0.5.
        assert_eq!(first_objectives(&thinned), vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn extremes_survive_heavy_thinning() {
        let f1: Vec<f64> = (0..=100).map(|i| f64::from(i) / 100.0).collect();
        let thinned = thin_by_crowding(&line(&f1), 2);
        assert_eq!(first_objectives(&thinned), vec![0.0, 1.0]);
    }

    #[test]
    fn clustered_points_thin_to_even_spread() {
        // A dense cluster near 0 and a sparse tail: thinning to 5 should not keep the
        // cluster, because each removal recomputes its neighbors' distances.
        let mut f1: Vec<f64> = (0..50).map(|i| f64::from(i) * 0.001).collect();
        f1.extend([0.25, 0.5, 0.75, 1.0]);
        let thinned = first_objectives(&thin_by_crowding(&line(&f1), 5));
        assert_eq!(thinned.len(), 5);
        assert_eq!(thinned[0], 0.0);
        assert_eq!(thinned[4], 1.0);
        let largest_gap = thinned
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .fold(0.0, f64::max);
        assert!(largest_gap <= 0.3, "thinned {thinned:?}");
    }

    #[test]
    fn input_order_is_kept() {
        let front = line(&[1.0, 0.0, 0.6, 0.1, 0.4]);
        let thinned = first_objectives(&thin_by_crowding(&front, 4));
        let positions: Vec<usize> = thinned
            .iter()
            .map(|value| {
                front
                    .iter()
                    .position(|m| m.objectives[0] == *value)
                    .unwrap()
            })
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn flat_objective_adds_nothing() {
        let front: Vec<Solution> = [0.0, 0.1, 0.5, 0.9, 1.0]
            .iter()
            .map(|&a| solution(&[a, 1.0 - a, 3.0]))
            .collect();
        let thinned = first_objectives(&thin_by_crowding(&front, 3));
        assert_eq!(thinned, vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn three_objectives_keep_a_non_dominated_subset() {
        // A grid on the plane f1 + f2 + f3 = 1.
        let mut front = Vec::new();
        for i in 0..=20 {
            for j in 0..=(20 - i) {
                let (a, b) = (f64::from(i) / 20.0, f64::from(j) / 20.0);
                front.push(solution(&[a, b, 1.0 - a - b]));
            }
        }
        let thinned = thin_by_crowding(&front, 30);
        assert_eq!(thinned.len(), 30);
        for corner in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] {
            assert!(
                thinned.iter().any(|m| m.objectives == corner),
                "corner {corner:?} was removed"
            );
        }
        for a in &thinned {
            assert!(thinned
                .iter()
                .all(|b| !pareto_dominates(&b.objectives, &a.objectives)));
        }
        assert_eq!(
            thin_by_crowding(&front, 30),
            thinned,
            "thinning is not repeatable"
        );
    }
}
