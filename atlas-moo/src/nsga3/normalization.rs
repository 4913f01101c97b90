//! Adaptive normalization of NSGA-III: the ideal point, extreme points found with the
//! achievement scalarizing function (ASF), and the hyperplane through them.
//!
//! The steps follow pymoo 0.6's `HyperplaneNormalization` (`pymoo/algorithms/moo/nsga3.py`),
//! which differs from Deb and Jain's paper in two ways: the extreme points of the previous
//! generation stay candidates, and the nadir estimate never exceeds the worst point seen.

use serde::{Deserialize, Serialize};

use super::Nsga3Error;

/// Weight of the off-axis objectives in the ASF that finds the extreme point of one axis.
/// pymoo uses 1e6, the reciprocal of the 1e-6 weight in Deb and Jain's ASF.
const ASF_OFF_AXIS_WEIGHT: f64 = 1.0e6;

/// Translated objective values below this count as 0 in the ASF, as in pymoo. The value is
/// absolute, in objective units.
const ASF_ZERO_THRESHOLD: f64 = 1.0e-3;

/// Intercepts at or below this are rejected, and so are nadir ranges at or below it, as in
/// pymoo.
const MIN_RANGE: f64 = 1.0e-6;

/// Absolute and relative tolerances of the hyperplane's residual check, numpy's `allclose`
/// defaults, which pymoo applies.
const RESIDUAL_ABSOLUTE_TOLERANCE: f64 = 1.0e-8;
const RESIDUAL_RELATIVE_TOLERANCE: f64 = 1.0e-5;

/// Normalization state that NSGA-III carries from one generation to the next.
///
/// A new run starts from [`Normalization::default`], whose vectors are empty. Each
/// [`select`](super::select) with a feasible member updates every field, so checkpointing
/// this value with the population and restoring both resumes a run with identical results.
/// Every stored value is finite.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Normalization {
    /// Minimum of each objective over every feasible member seen so far.
    pub ideal: Vec<f64>,
    /// Maximum of each objective over every feasible member seen so far.
    pub worst: Vec<f64>,
    /// Extreme point of each objective axis found in the last update, one objective vector
    /// per axis in axis order. The next update considers them again.
    pub extreme_points: Vec<Vec<f64>>,
    /// Nadir estimate of the last update. Association divides by `nadir - ideal`.
    pub nadir: Vec<f64>,
}

impl Normalization {
    /// Updates the state with one generation's feasible members, as NSGA-III's survival
    /// step does before association.
    ///
    /// `objectives` contains the objective vectors of the feasible members, and
    /// `first_front` the indices (into `objectives`) of their non-dominated front. The
    /// ideal and worst points take the element-wise minimum and maximum over `objectives`.
    /// For each axis j the extreme point minimizes the ASF max_i (f_i - ideal_i) w_i, where
    /// w_j = 1 and the other weights are 1e6, and translated values below 1e-3 count as 0.
    /// The candidates are the previous extreme points, then the first front, and the first
    /// minimum wins. The intercepts of the hyperplane through the extreme points give the
    /// nadir estimate ideal + intercepts, capped at the worst point. When the hyperplane's
    /// linear system is singular, fails the residual check, or has an intercept of at
    /// most 1e-6, the nadir falls back to the worst point of the first front. Last, each
    /// objective whose nadir exceeds the ideal by at most 1e-6 takes the maximum over
    /// `objectives` instead.
    ///
    /// # Errors
    ///
    /// Returns [`Nsga3Error::EmptyFront`] for an empty `objectives` or `first_front`,
    /// [`Nsga3Error::FrontIndexOutOfRange`] for an index past the end,
    /// [`Nsga3Error::ObjectiveDimension`] or [`Nsga3Error::NonFiniteObjective`] for an
    /// invalid objective vector, and the errors of [`Normalization::validate`] for a state
    /// of another objective count. The state is unchanged on error.
    pub fn update(
        &mut self,
        objectives: &[Vec<f64>],
        first_front: &[usize],
    ) -> Result<(), Nsga3Error> {
        let (Some(first_row), false) = (objectives.first(), first_front.is_empty()) else {
            return Err(Nsga3Error::EmptyFront);
        };
        let n_obj = first_row.len();
        for (index, row) in objectives.iter().enumerate() {
            if row.len() != n_obj {
                return Err(Nsga3Error::ObjectiveDimension {
                    index,
                    len: row.len(),
                    n_obj,
                });
            }
            if !row.iter().all(|value| value.is_finite()) {
                return Err(Nsga3Error::NonFiniteObjective { index });
            }
        }
        if let Some(&index) = first_front.iter().find(|&&index| index >= objectives.len()) {
            return Err(Nsga3Error::FrontIndexOutOfRange {
                index,
                members: objectives.len(),
            });
        }
        self.validate(n_obj)?;
        let rows: Vec<&[f64]> = objectives.iter().map(Vec::as_slice).collect();
        self.update_checked(&rows, first_front);
        Ok(())
    }

    /// Checks that the state fits `n_obj` objectives and contains only finite values.
    ///
    /// An empty vector passes, because a new state has no values yet.
    ///
    /// # Errors
    ///
    /// Returns [`Nsga3Error::StateDimension`] for a field of the wrong length and
    /// [`Nsga3Error::StateNotFinite`] for a NaN or infinite value.
    pub fn validate(&self, n_obj: usize) -> Result<(), Nsga3Error> {
        let vectors = [
            ("ideal", &self.ideal),
            ("worst", &self.worst),
            ("nadir", &self.nadir),
        ];
        for (field, values) in vectors {
            check_state_field(field, values, n_obj)?;
        }
        if !self.extreme_points.is_empty() && self.extreme_points.len() != n_obj {
            return Err(Nsga3Error::StateDimension {
                field: "extreme_points",
                len: self.extreme_points.len(),
                n_obj,
            });
        }
        for point in &self.extreme_points {
            check_state_field("extreme_points", point, n_obj)?;
        }
        Ok(())
    }

    /// Runs [`Normalization::update`] on validated input: `rows` is non-empty, finite and
    /// of one length that matches the state, and `first_front` is a non-empty list of
    /// valid indices.
    pub(super) fn update_checked(&mut self, rows: &[&[f64]], first_front: &[usize]) {
        let n_obj = rows[0].len();
        let population_min = fold_rows(rows.iter().copied(), f64::min);
        let population_max = fold_rows(rows.iter().copied(), f64::max);
        let front_max = fold_rows(first_front.iter().map(|&index| rows[index]), f64::max);
        self.ideal = merge(&self.ideal, &population_min, f64::min);
        self.worst = merge(&self.worst, &population_max, f64::max);

        let mut candidates: Vec<&[f64]> = self.extreme_points.iter().map(Vec::as_slice).collect();
        candidates.extend(first_front.iter().map(|&index| rows[index]));
        let extreme_points: Vec<Vec<f64>> = (0..n_obj)
            .map(|axis| extreme_point(&candidates, &self.ideal, axis).to_vec())
            .collect();

        let mut nadir = match intercepts(&extreme_points, &self.ideal) {
            Some(intercepts) => (0..n_obj)
                .map(|i| (self.ideal[i] + intercepts[i]).min(self.worst[i]))
                .collect(),
            None => front_max,
        };
        for i in 0..n_obj {
            if nadir[i] - self.ideal[i] <= MIN_RANGE {
                nadir[i] = population_max[i];
            }
        }
        self.extreme_points = extreme_points;
        self.nadir = nadir;
    }
}

fn check_state_field(field: &'static str, values: &[f64], n_obj: usize) -> Result<(), Nsga3Error> {
    if !values.is_empty() && values.len() != n_obj {
        return Err(Nsga3Error::StateDimension {
            field,
            len: values.len(),
            n_obj,
        });
    }
    if !values.iter().all(|value| value.is_finite()) {
        return Err(Nsga3Error::StateNotFinite { field });
    }
    Ok(())
}

/// Folds non-empty rows of equal length element-wise with `combine`.
fn fold_rows<'a>(
    mut rows: impl Iterator<Item = &'a [f64]>,
    combine: fn(f64, f64) -> f64,
) -> Vec<f64> {
    let mut result = rows.next().map(<[f64]>::to_vec).unwrap_or_default();
    for row in rows {
        for (value, &entry) in result.iter_mut().zip(row) {
            *value = combine(*value, entry);
        }
    }
    result
}

/// Combines a stored vector with a new one element-wise. An empty stored vector means
/// that nothing was seen yet.
fn merge(stored: &[f64], new: &[f64], combine: fn(f64, f64) -> f64) -> Vec<f64> {
    if stored.is_empty() {
        return new.to_vec();
    }
    stored
        .iter()
        .zip(new)
        .map(|(&a, &b)| combine(a, b))
        .collect()
}

/// Returns the candidate with the smallest ASF for `axis`, the first one on ties.
fn extreme_point<'a>(candidates: &[&'a [f64]], ideal: &[f64], axis: usize) -> &'a [f64] {
    let mut best = candidates[0];
    let mut best_value = f64::INFINITY;
    for &candidate in candidates {
        let value = achievement_scalarizing(candidate, ideal, axis);
        if value < best_value {
            best = candidate;
            best_value = value;
        }
    }
    best
}

fn achievement_scalarizing(point: &[f64], ideal: &[f64], axis: usize) -> f64 {
    let mut value = f64::NEG_INFINITY;
    for (i, (&entry, &low)) in point.iter().zip(ideal).enumerate() {
        let mut translated = entry - low;
        if translated < ASF_ZERO_THRESHOLD {
            translated = 0.0;
        }
        let weight = if i == axis { 1.0 } else { ASF_OFF_AXIS_WEIGHT };
        value = value.max(translated * weight);
    }
    value
}

/// Returns the axis intercepts, relative to `ideal`, of the hyperplane through the
/// extreme points, or `None` when the hyperplane is degenerate.
///
/// With M the matrix whose rows are extreme_point - ideal, the hyperplane is {x : a·x = 1}
/// where M a = 1, and its intercept on axis i is 1 / a_i. The plane is rejected when the
/// system is singular, when M a differs from 1 by more than numpy's `allclose`
/// tolerances, or when an intercept is at most 1e-6 (or NaN). An intercept may be +inf,
/// for a plane parallel to that axis; the caller caps the nadir at the worst point.
fn intercepts(extreme_points: &[Vec<f64>], ideal: &[f64]) -> Option<Vec<f64>> {
    let matrix: Vec<Vec<f64>> = extreme_points
        .iter()
        .map(|point| point.iter().zip(ideal).map(|(x, low)| x - low).collect())
        .collect();
    let plane = solve_linear(matrix.clone(), vec![1.0; ideal.len()])?;
    for row in &matrix {
        let product: f64 = row.iter().zip(&plane).map(|(a, b)| a * b).sum();
        let tolerance = RESIDUAL_ABSOLUTE_TOLERANCE + RESIDUAL_RELATIVE_TOLERANCE;
        let residual = (product - 1.0).abs();
        if residual.is_nan() || residual > tolerance {
            return None;
        }
    }
    let intercepts: Vec<f64> = plane.iter().map(|a| 1.0 / a).collect();
    if intercepts.iter().all(|&intercept| intercept > MIN_RANGE) {
        Some(intercepts)
    } else {
        None
    }
}

/// Solves the square system A x = b by Gaussian elimination with partial pivoting.
///
/// Returns `None` when a pivot is 0, like LAPACK's `gesv` that numpy calls, or when the
/// solution is not finite.
fn solve_linear(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for column in 0..n {
        let pivot_row = (column..n).max_by(|&r, &s| {
            a[r][column]
                .abs()
                .total_cmp(&a[s][column].abs())
                .then(s.cmp(&r))
        })?;
        if a[pivot_row][column] == 0.0 || a[pivot_row][column].is_nan() {
            return None;
        }
        a.swap(column, pivot_row);
        b.swap(column, pivot_row);
        let pivot_values = a[column].clone();
        let pivot_rhs = b[column];
        for row in (column + 1)..n {
            let factor = a[row][column] / pivot_values[column];
            let entries = a[row][column..].iter_mut().zip(&pivot_values[column..]);
            for (entry, pivot_entry) in entries {
                *entry -= factor * pivot_entry;
            }
            b[row] -= factor * pivot_rhs;
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = ((row + 1)..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x.iter().all(|value| value.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_linear_with_pivoting() {
        // The first pivot is 0, so the rows must be swapped.
        let x = solve_linear(vec![vec![0.0, 2.0], vec![3.0, 1.0]], vec![4.0, 5.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12, "{x:?}");
        assert!((x[1] - 2.0).abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn solve_linear_rejects_singular() {
        let singular = vec![vec![1.0, 2.0], vec![2.0, 4.0]];
        assert_eq!(solve_linear(singular, vec![1.0, 1.0]), None);
        assert_eq!(solve_linear(vec![vec![0.0]], vec![1.0]), None);
    }

    #[test]
    fn intercepts_of_known_plane() {
        // x / 2 + y / 4 + z / 5 = 1 relative to ideal (1, 1, 1).
        let extremes = vec![
            vec![3.0, 1.0, 1.0],
            vec![1.0, 5.0, 1.0],
            vec![1.0, 1.0, 6.0],
        ];
        let intercepts = intercepts(&extremes, &[1.0, 1.0, 1.0]).unwrap();
        for (value, expected) in intercepts.iter().zip([2.0, 4.0, 5.0]) {
            assert!((value - expected).abs() < 1e-12, "{intercepts:?}");
        }
    }

    #[test]
    fn intercepts_reject_negative() {
        // The plane through these points crosses the third axis at -5.
        let extremes = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.6, 0.6, 1.0],
        ];
        assert_eq!(intercepts(&extremes, &[0.0; 3]), None);
    }

    #[test]
    fn intercepts_allow_parallel_plane() {
        // The plane z = 1 never meets the first two axes: their intercepts are +inf.
        let extremes = vec![
            vec![1.0, 0.0, 1.0],
            vec![0.0, 1.0, 1.0],
            vec![0.0, 0.0, 1.0],
        ];
        let intercepts = intercepts(&extremes, &[0.0; 3]).unwrap();
        assert_eq!(intercepts[0], f64::INFINITY);
        assert_eq!(intercepts[1], f64::INFINITY);
        assert_eq!(intercepts[2], 1.0);
    }

    #[test]
    fn asf_zeroes_small_values() {
        // 5e-4 is below the 1e-3 threshold, so only the axis value counts.
        assert_eq!(achievement_scalarizing(&[2.0, 5.0e-4], &[0.0, 0.0], 0), 2.0);
        assert_eq!(
            achievement_scalarizing(&[2.0, 0.5], &[0.0, 0.0], 0),
            0.5 * ASF_OFF_AXIS_WEIGHT
        );
    }

    #[test]
    fn extreme_point_prefers_first_on_ties() {
        let a = [1.0, 0.0];
        let b = [1.0, 0.0];
        let chosen = extreme_point(&[&a, &b], &[0.0, 0.0], 0);
        assert!(std::ptr::eq(chosen, &a));
    }
}
