//! Exact hypervolume in two and three dimensions by sweeping, in O(n log n) for n points.
//!
//! Both functions take the points as one flat slice, two or three coordinates per point,
//! and expect every point to be strictly better than the reference in every coordinate.
//! Dominated and duplicate points may be present and add nothing.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Computes the area that the points of `flat` (x, y pairs) dominate up to `reference`.
///
/// The sweep visits the points in ascending x and adds, for each point below the lowest y
/// seen so far, the strip between the two levels up to the reference's x.
pub(super) fn area(flat: &[f64], reference: [f64; 2]) -> f64 {
    let mut points: Vec<[f64; 2]> = flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
    points.sort_unstable_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut lowest_y = reference[1];
    let mut total = 0.0;
    for [x, y] in points {
        if y < lowest_y {
            total += (reference[0] - x) * (lowest_y - y);
            lowest_y = y;
        }
    }
    total
}

/// Computes the volume that the points of `flat` (x, y, z triples) dominate up to
/// `reference`.
///
/// This is the dimension sweep of Beume, Fonseca, Lopez-Ibanez, Paquete and Vahrenhold
/// ("On the complexity of computing the hypervolume indicator", IEEE TEC 13(5), 2009). The
/// sweep visits the points in ascending z and keeps the non-dominated (x, y) projections
/// seen so far in a balanced search tree keyed on x, where y descends as x ascends. Between
/// two z levels the dominated region is a prism over the staircase's area. Each insertion
/// updates that area by the part that the new point adds, and each point enters and leaves
/// the tree at most once, so the sweep costs O(n log n).
pub(super) fn volume_3d(flat: &[f64], reference: [f64; 3]) -> f64 {
    let mut points: Vec<[f64; 3]> = flat.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    points.sort_unstable_by(|a, b| {
        a[2].total_cmp(&b[2])
            .then(a[0].total_cmp(&b[0]))
            .then(a[1].total_cmp(&b[1]))
    });
    let Some(first) = points.first() else {
        return 0.0;
    };
    let mut staircase = Staircase::new(reference[0], reference[1]);
    let mut previous_z = first[2];
    let mut volume = 0.0;
    for [x, y, z] in points {
        volume += staircase.area * (z - previous_z);
        previous_z = z;
        staircase.insert(x, y);
    }
    volume + staircase.area * (reference[2] - previous_z)
}

/// Coordinate key with the total order of `f64::total_cmp`, for the search tree.
#[derive(Debug, Clone, Copy)]
struct Key(f64);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Non-dominated set of 2-D points, stored as x to y with y strictly descending in x, and
/// the area it dominates up to the reference.
struct Staircase {
    steps: BTreeMap<Key, f64>,
    reference_x: f64,
    reference_y: f64,
    area: f64,
    /// Keys of the steps that the current insertion dominates, kept to reuse the allocation.
    dominated: Vec<Key>,
}

impl Staircase {
    fn new(reference_x: f64, reference_y: f64) -> Self {
        Self {
            steps: BTreeMap::new(),
            reference_x,
            reference_y,
            area: 0.0,
            dominated: Vec::new(),
        }
    }

    /// Inserts (x, y) unless a step weakly dominates it, removes the steps it dominates and
    /// adds the area it gains.
    fn insert(&mut self, x: f64, y: f64) {
        // Adding 0.0 turns -0.0 into 0.0, so that the key order agrees with numeric order.
        let key = Key(x + 0.0);
        if let Some((_, &left_y)) = self.steps.range(..=key).next_back() {
            if left_y <= y {
                return;
            }
        }

        // Walk right from x through the steps at or above y. Between consecutive steps the
        // gained strip reaches from y up to the level that the step on its left covers.
        let mut level = self
            .steps
            .range((Bound::Unbounded, Bound::Excluded(key)))
            .next_back()
            .map_or(self.reference_y, |(_, &left_y)| left_y);
        let mut strip_start = key.0;
        let mut strip_end = self.reference_x;
        let mut gained = 0.0;
        self.dominated.clear();
        for (&step_key, &step_y) in self.steps.range(key..) {
            if step_y < y {
                strip_end = step_key.0;
                break;
            }
            gained += (step_key.0 - strip_start) * (level - y);
            strip_start = step_key.0;
            level = step_y;
            self.dominated.push(step_key);
        }
        gained += (strip_end - strip_start) * (level - y);

        for step_key in &self.dominated {
            self.steps.remove(step_key);
        }
        self.steps.insert(key, y);
        self.area += gained;
    }
}
