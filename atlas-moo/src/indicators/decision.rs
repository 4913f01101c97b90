//! Decision helpers that pick one point of a front: the knee point and the point closest to
//! given weights.

use super::{validate_set, IndicatorError};

const FRONT: &str = "front";

/// Scores within this much of the best one, in normalized objective units, count as ties,
/// so that rounding does not decide between points that are equally good.
const TIE_TOLERANCE: f64 = 1e-12;

/// Pivots below this size make the hyperplane through the extreme points undefined.
const SINGULAR_PIVOT: f64 = 1e-12;

/// Returns the index of the knee point of `front`, all objectives minimized.
///
/// The knee is the point of the normalized front that lies farthest from the hyperplane
/// through the extreme points, on the side of the ideal point. Das defines the knee by this
/// bulge of the front from the convex hull of the individual minima ("On characterizing the
/// 'knee' of the Pareto curve based on Normal-Boundary Intersection", Structural
/// Optimization 18, 1999). The knee point-driven algorithm KnEA of Zhang, Tian and Jin
/// (IEEE TEC 19(6), 2015) ranks points by their distance to the same hyperplane.
///
/// Each objective is scaled to [0, 1] between its minimum and maximum over the front, and an
/// objective with zero range maps to 0. The extreme point of objective i is the point with
/// the lowest value of objective i (ties go to the lowest sum of normalized objectives,
/// then to the lowest index). When those points do not define a hyperplane that cuts every
/// positive axis, because two of them coincide or the front is degenerate, the hyperplane
/// through the unit points (normalized objectives summing to 1) takes its place.
///
/// Every point of `front` is scored, so pass non-dominated points. On a concave front no
/// point lies on the ideal side of the hyperplane, and an extreme point is returned. Scores
/// within 1e-12 of the best count as equal, and the lowest index wins among them. A front
/// of one point returns 0.
///
/// # Errors
///
/// Returns [`IndicatorError::EmptySet`] for an empty front,
/// [`IndicatorError::NoObjectives`] when the first point has no coordinates,
/// [`IndicatorError::SetDimensionMismatch`] when the points differ in dimension, and
/// [`IndicatorError::NonFiniteSetPoint`] for a NaN or infinite coordinate.
pub fn knee_point(front: &[Vec<f64>]) -> Result<usize, IndicatorError> {
    let dimension = validate_set(front, FRONT, None)?;
    let normalized = Bounds::of(front, dimension).normalize(front);
    let normal = extreme_hyperplane_normal(&normalized, dimension);
    let length = normal.iter().map(|value| value * value).sum::<f64>().sqrt();
    let distances: Vec<f64> = normalized
        .iter()
        .map(|point| (1.0 - dot(&normal, point)) / length)
        .collect();
    let best = distances.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let index = distances
        .iter()
        .position(|&distance| distance >= best - TIE_TOLERANCE)
        .unwrap_or(0);
    Ok(index)
}

/// Returns the pseudo-weight vector of every point of `front`, all objectives minimized.
///
/// Deb ("Multi-Objective Optimization Using Evolutionary Algorithms", Wiley, 2001) defines
/// the pseudo-weight of objective i at a point as (f_i^max - f_i) / (f_i^max - f_i^min),
/// with the maximum and minimum taken over the front, divided by the sum of these terms
/// over the objectives. The best point in objective i therefore has a large weight i.
///
/// An objective with zero range has term 0 at every point, because no point trades
/// anything in it. A point whose terms are all 0, such as the only point of a front or
/// a point that is the worst in every objective, gets pseudo-weights that are all 0.
///
/// # Errors
///
/// The same as [`knee_point`].
pub fn pseudo_weights(front: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, IndicatorError> {
    let dimension = validate_set(front, FRONT, None)?;
    Ok(pseudo_weights_of_valid(front, dimension))
}

/// Returns the index of the point of `front` whose pseudo-weights are closest to `weights`.
///
/// `weights` contains one non-negative weight per objective and is divided by its sum, so
/// only the ratios matter. Closeness is the Euclidean distance between that vector and the
/// [`pseudo_weights`] of each point, the choice rule of Deb's 2001 book. Distances within
/// 1e-12 of the smallest count as equal, and the lowest index wins among them. On a
/// non-dominated two-objective front, weights (1, 0) pick the point that is best in the
/// first objective. pymoo's `PseudoWeights` (pymoo/mcdm/pseudo_weights.py) uses the
/// Manhattan distance instead, which can pick another point when two are nearly as close.
///
/// # Errors
///
/// Returns the errors of [`knee_point`] for an invalid front,
/// [`IndicatorError::WeightCountMismatch`] when `weights` does not have one entry per
/// objective, [`IndicatorError::InvalidWeight`] for a negative, NaN or infinite weight, and
/// [`IndicatorError::ZeroWeights`] when every weight is 0.
pub fn closest_to_weights(front: &[Vec<f64>], weights: &[f64]) -> Result<usize, IndicatorError> {
    let dimension = validate_set(front, FRONT, None)?;
    let target = normalize_weights(weights, dimension)?;
    let distances: Vec<f64> = pseudo_weights_of_valid(front, dimension)
        .iter()
        .map(|point_weights| {
            point_weights
                .iter()
                .zip(&target)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let best = distances.iter().copied().fold(f64::INFINITY, f64::min);
    let index = distances
        .iter()
        .position(|&distance| distance <= best + TIE_TOLERANCE)
        .unwrap_or(0);
    Ok(index)
}

/// Checks `weights` and returns them divided by their sum.
fn normalize_weights(weights: &[f64], dimension: usize) -> Result<Vec<f64>, IndicatorError> {
    if weights.len() != dimension {
        return Err(IndicatorError::WeightCountMismatch {
            len: weights.len(),
            expected: dimension,
        });
    }
    if let Some(index) = weights
        .iter()
        .position(|weight| !weight.is_finite() || *weight < 0.0)
    {
        return Err(IndicatorError::InvalidWeight {
            index,
            value: weights[index],
        });
    }
    let largest = weights.iter().copied().fold(0.0, f64::max);
    if largest == 0.0 {
        return Err(IndicatorError::ZeroWeights);
    }
    // Dividing by the largest weight first keeps the sum finite for huge weights.
    let scaled: Vec<f64> = weights.iter().map(|weight| weight / largest).collect();
    let sum: f64 = scaled.iter().sum();
    Ok(scaled.iter().map(|weight| weight / sum).collect())
}

fn pseudo_weights_of_valid(front: &[Vec<f64>], dimension: usize) -> Vec<Vec<f64>> {
    let bounds = Bounds::of(front, dimension);
    bounds
        .normalize(front)
        .iter()
        .map(|point| {
            let terms: Vec<f64> = point
                .iter()
                .enumerate()
                .map(|(i, value)| {
                    if bounds.has_range(i) {
                        1.0 - value
                    } else {
                        0.0
                    }
                })
                .collect();
            let sum: f64 = terms.iter().sum();
            if sum > 0.0 {
                terms.iter().map(|term| term / sum).collect()
            } else {
                vec![0.0; dimension]
            }
        })
        .collect()
}

/// Minimum and range of each objective over a front, both halved.
///
/// Halving keeps the range finite for values near f64::MAX and leaves every ratio of two
/// differences unchanged.
struct Bounds {
    half_minimum: Vec<f64>,
    /// Half the range, 0 for an objective whose values are all equal or lie within the
    /// smallest subnormal of each other.
    half_range: Vec<f64>,
}

impl Bounds {
    fn of(front: &[Vec<f64>], dimension: usize) -> Self {
        let mut minimum = vec![f64::INFINITY; dimension];
        let mut maximum = vec![f64::NEG_INFINITY; dimension];
        for point in front {
            for (i, &value) in point.iter().enumerate() {
                minimum[i] = minimum[i].min(value);
                maximum[i] = maximum[i].max(value);
            }
        }
        let half_range = minimum
            .iter()
            .zip(&maximum)
            .map(|(low, high)| high / 2.0 - low / 2.0)
            .collect();
        let half_minimum = minimum.iter().map(|low| low / 2.0).collect();
        Self {
            half_minimum,
            half_range,
        }
    }

    fn has_range(&self, objective: usize) -> bool {
        self.half_range[objective] > 0.0
    }

    /// Scales every objective of `front` to [0, 1] between its minimum and maximum, with 0
    /// for an objective of zero range.
    fn normalize(&self, front: &[Vec<f64>]) -> Vec<Vec<f64>> {
        front
            .iter()
            .map(|point| {
                point
                    .iter()
                    .enumerate()
                    .map(|(i, &value)| {
                        if !self.has_range(i) {
                            return 0.0;
                        }
                        let offset = value / 2.0 - self.half_minimum[i];
                        (offset / self.half_range[i]).clamp(0.0, 1.0)
                    })
                    .collect()
            })
            .collect()
    }
}

/// Returns the normal n of the hyperplane n · f = 1 through the extreme points of the
/// normalized front, or all ones when those points define no hyperplane that cuts every
/// positive axis.
fn extreme_hyperplane_normal(normalized: &[Vec<f64>], dimension: usize) -> Vec<f64> {
    let extremes: Vec<&Vec<f64>> = (0..dimension)
        .map(|objective| {
            let mut best = 0;
            for (index, point) in normalized.iter().enumerate().skip(1) {
                let candidate = (point[objective], point.iter().sum::<f64>());
                let incumbent = (
                    normalized[best][objective],
                    normalized[best].iter().sum::<f64>(),
                );
                if candidate < incumbent {
                    best = index;
                }
            }
            &normalized[best]
        })
        .collect();
    let rows: Vec<Vec<f64>> = extremes.iter().map(|point| point.to_vec()).collect();
    match solve_for_ones(rows) {
        Some(normal) if normal.iter().all(|value| value.is_finite() && *value > 0.0) => normal,
        _ => vec![1.0; dimension],
    }
}

/// Solves `rows` · n = (1, ..., 1) by Gaussian elimination with partial pivoting, or
/// returns `None` when the matrix is singular.
fn solve_for_ones(mut rows: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let size = rows.len();
    let mut right = vec![1.0; size];
    for column in 0..size {
        let pivot = (column..size).max_by(|&a, &b| {
            rows[a][column]
                .abs()
                .total_cmp(&rows[b][column].abs())
                .then(b.cmp(&a))
        })?;
        if rows[pivot][column].abs() < SINGULAR_PIVOT {
            return None;
        }
        rows.swap(column, pivot);
        right.swap(column, pivot);
        let (upper, lower) = rows.split_at_mut(column + 1);
        let pivot_row = &upper[column];
        for (offset, row) in lower.iter_mut().enumerate() {
            let factor = row[column] / pivot_row[column];
            for (value, pivot_value) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                *value -= factor * pivot_value;
            }
            right[column + 1 + offset] -= factor * right[column];
        }
    }
    let mut solution = vec![0.0; size];
    for row in (0..size).rev() {
        let known: f64 = (row + 1..size).map(|k| rows[row][k] * solution[k]).sum();
        solution[row] = (right[row] - known) / rows[row][row];
    }
    Some(solution)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
