//! Weight sweeps: one weighted-sum optimum per weight vector on a simplex lattice, solved in
//! parallel, then re-solved from neighbouring optima wherever a neighbour's plan scores better,
//! and checked for abrupt changes of allocation between neighbouring weights.

use atlas_core::error::CoreError;
use rayon::prelude::*;
use serde::Serialize;

use crate::scalarize::{MultiObjectiveOptimizer, WeightedSolution};

/// Allocation shift, as a share of the budget moved, above which neighbours count as abrupt.
pub const ABRUPT_SHIFT: f64 = 0.15;

/// Most weight vectors a sweep solves: neighbour search is quadratic in their number.
pub const MAX_LATTICE_POINTS: usize = 10_000;

/// Counts the points of the simplex lattice, `C(steps + objectives - 1, objectives - 1)`, or
/// returns `None` when the count overflows.
pub fn lattice_size(objectives: usize, steps: usize) -> Option<usize> {
    let mut count: u128 = 1;
    for k in 1..objectives {
        count = count.checked_mul((steps + k) as u128)? / k as u128;
        if count > usize::MAX as u128 {
            return None;
        }
    }
    usize::try_from(count).ok()
}

/// Lists every weight vector whose entries are multiples of `1 / steps` and sum to 1 (the
/// Das-Dennis simplex lattice), in lexicographic order from the last objective's corner.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] for 0 steps or 0 objectives, or when the lattice would have
/// more than [`MAX_LATTICE_POINTS`] points.
pub fn simplex_lattice(objectives: usize, steps: usize) -> Result<Vec<Vec<f64>>, CoreError> {
    if steps == 0 || objectives == 0 {
        return Err(CoreError::invalid(
            "steps",
            format!("{steps} steps over {objectives} objectives is empty: use at least 1 of each"),
        ));
    }
    let size = lattice_size(objectives, steps).unwrap_or(usize::MAX);
    if size > MAX_LATTICE_POINTS {
        return Err(CoreError::invalid(
            "steps",
            format!(
                "{steps} steps over {objectives} objectives give {} weight vectors, more than \
                 the {MAX_LATTICE_POINTS} a sweep solves: use fewer steps",
                if size == usize::MAX {
                    "too many".to_string()
                } else {
                    size.to_string()
                }
            ),
        ));
    }
    let mut out = Vec::with_capacity(size);
    let mut current = Vec::with_capacity(objectives);
    fill_lattice(objectives, steps, steps, &mut current, &mut out);
    Ok(out)
}

fn fill_lattice(
    objectives: usize,
    steps: usize,
    left: usize,
    current: &mut Vec<usize>,
    out: &mut Vec<Vec<f64>>,
) {
    if current.len() + 1 == objectives {
        current.push(left);
        out.push(current.iter().map(|&k| k as f64 / steps as f64).collect());
        current.pop();
        return;
    }
    for k in 0..=left {
        current.push(k);
        fill_lattice(objectives, steps, left - k, current, out);
        current.pop();
    }
}

/// Two neighbouring weight vectors whose allocations differ by more than [`ABRUPT_SHIFT`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbruptChange {
    /// Index of the first weight vector in the sweep.
    pub from: usize,
    /// Index of the second.
    pub to: usize,
    /// Share of the budget that moves between channels: half the L1 distance of the shares.
    pub shift: f64,
}

/// The optima of a weight sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// One optimum per weight vector, in lattice order.
    pub points: Vec<WeightedSolution>,
    /// Neighbouring weights between which the allocation jumps.
    pub abrupt: Vec<AbruptChange>,
}

/// Solves every weight vector of `weights` in parallel.
///
/// `progress` is called once per finished solve, from any thread.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] for a weight vector of the wrong length or with a negative
/// entry, and the solver's error.
pub fn sweep(
    optimizer: &MultiObjectiveOptimizer<'_>,
    weights: &[Vec<f64>],
    progress: &(dyn Fn() + Sync),
) -> Result<Sweep, CoreError> {
    let count = optimizer.problem().objectives.len();
    let weights = weights
        .iter()
        .map(|w| crate::scalarize::check_weights(w, count))
        .collect::<Result<Vec<_>, _>>()?;
    let first: Vec<WeightedSolution> = weights
        .par_iter()
        .map(|w| {
            let solution = optimizer.optimize_weights(w, &[]);
            progress();
            solution
        })
        .collect::<Result<_, _>>()?;
    let neighbours = lattice_neighbours(&weights);
    let points = weights
        .par_iter()
        .enumerate()
        .map(|(i, w)| polish(optimizer, w, &first, i, &neighbours[i]))
        .collect::<Result<Vec<_>, _>>()?;
    let abrupt = abrupt_changes(&points, &neighbours);
    Ok(Sweep { points, abrupt })
}

/// Re-solves point `i` from the neighbours' plans when one of them scores better at its weights.
fn polish(
    optimizer: &MultiObjectiveOptimizer<'_>,
    weights: &[f64],
    first: &[WeightedSolution],
    i: usize,
    neighbours: &[usize],
) -> Result<WeightedSolution, CoreError> {
    let own = &first[i];
    let mut better = Vec::new();
    for &j in neighbours {
        if optimizer.scalar_at(weights, &first[j].spend)? > own.scalar + 1e-12 {
            better.push(first[j].spend.clone());
        }
    }
    if better.is_empty() {
        return Ok(own.clone());
    }
    let mut resolved = optimizer.optimize_weights(weights, &better)?;
    resolved.evaluations += own.evaluations;
    Ok(if resolved.scalar >= own.scalar {
        resolved
    } else {
        own.clone()
    })
}

/// For each weight vector, the others that differ from it by one lattice step in two entries.
pub fn lattice_neighbours(weights: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let distance = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>();
    let step = weights
        .iter()
        .enumerate()
        .flat_map(|(i, a)| weights[i + 1..].iter().map(move |b| distance(a, b)))
        .filter(|d| *d > 1e-12)
        .fold(f64::INFINITY, f64::min);
    weights
        .iter()
        .map(|a| {
            (0..weights.len())
                .filter(|&j| {
                    let d = distance(a, &weights[j]);
                    d > 1e-12 && d <= step * (1.0 + 1e-9)
                })
                .collect()
        })
        .collect()
}

fn shares(spend: &[f64]) -> Vec<f64> {
    let total: f64 = spend.iter().sum();
    spend
        .iter()
        .map(|s| if total > 0.0 { s / total } else { 0.0 })
        .collect()
}

fn abrupt_changes(points: &[WeightedSolution], neighbours: &[Vec<usize>]) -> Vec<AbruptChange> {
    let all: Vec<Vec<f64>> = points.iter().map(|p| shares(&p.spend)).collect();
    let mut out = Vec::new();
    for (i, list) in neighbours.iter().enumerate() {
        for &j in list.iter().filter(|&&j| j > i) {
            let (a, b) = (&all[i], &all[j]);
            let shift = 0.5 * a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>();
            if shift > ABRUPT_SHIFT {
                out.push(AbruptChange {
                    from: i,
                    to: j,
                    shift,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_counts_match_binomial() {
        // C(steps + objectives - 1, objectives - 1) points.
        assert_eq!(simplex_lattice(2, 10).unwrap().len(), 11);
        assert_eq!(simplex_lattice(3, 10).unwrap().len(), 66);
        assert_eq!(simplex_lattice(4, 3).unwrap().len(), 20);
        assert_eq!(lattice_size(3, 10), Some(66));
        assert_eq!(lattice_size(4, 3), Some(20));
    }

    #[test]
    fn oversized_lattice_is_rejected() {
        let message = simplex_lattice(3, 100_000).unwrap_err().to_string();
        assert!(message.contains("100000 steps"), "{message}");
        assert!(message.contains("use fewer steps"), "{message}");
        assert!(simplex_lattice(3, 0).is_err());
    }

    #[test]
    fn lattice_points_sum_to_one() {
        for point in simplex_lattice(3, 7).unwrap() {
            assert!((point.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{point:?}");
        }
    }

    #[test]
    fn neighbours_differ_by_one_step() {
        let lattice = simplex_lattice(2, 4).unwrap();
        let neighbours = lattice_neighbours(&lattice);
        assert_eq!(neighbours[0], vec![1]);
        assert_eq!(neighbours[2], vec![1, 3]);
    }
}
