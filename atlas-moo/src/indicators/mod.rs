//! Quality indicators and decision helpers for sets of objective vectors, with every
//! objective minimized.
//!
//! - [`hypervolume`] measures the volume that a set of points dominates up to a reference
//!   point, exactly in every dimension: a sweep in O(n log n) for two and three objectives
//!   and the WFG algorithm for four or more.
//! - [`igd`] and [`igd_plus`] measure how far a reference front lies from an approximation
//!   set, and [`spacing`] measures how evenly the approximation set is spread.
//! - [`knee_point`] and [`closest_to_weights`] pick one point of a front, and
//!   [`pseudo_weights`] returns the weights that [`closest_to_weights`] compares.
//! - [`non_dominated`] returns the indices of the points that no other point dominates.

mod decision;
mod distance;
mod sweep;
mod wfg;

#[cfg(test)]
mod tests;

pub use decision::{closest_to_weights, knee_point, pseudo_weights};
pub use distance::{igd, igd_plus, spacing};

/// Invalid input to an indicator or a decision helper.
///
/// [`hypervolume`] and [`non_dominated`] take one set of points and report its problems with
/// [`DimensionMismatch`](Self::DimensionMismatch) and [`NonFinitePoint`](Self::NonFinitePoint).
/// The other functions name the set in their errors, because some of them take two sets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IndicatorError {
    /// The reference point has no coordinates.
    #[error("the reference point is empty; pass one coordinate per objective")]
    EmptyReference,
    /// A point whose dimension differs from the expected one.
    #[error("point {index} has {len} coordinates, but {expected} were expected; pass points of one dimension")]
    DimensionMismatch {
        /// Position of the point.
        index: usize,
        /// Number of coordinates of the point.
        len: usize,
        /// Dimension of the reference point, or of the first point without a reference.
        expected: usize,
    },
    /// A NaN or infinite coordinate of a point.
    #[error(
        "point {index} has coordinate {coordinate} = {value}; indicators need finite coordinates"
    )]
    NonFinitePoint {
        /// Position of the point.
        index: usize,
        /// Position of the coordinate.
        coordinate: usize,
        /// The rejected value.
        value: f64,
    },
    /// A NaN or infinite coordinate of the reference point.
    #[error("reference coordinate {coordinate} is {value}; the reference point must be finite")]
    NonFiniteReference {
        /// Position of the coordinate.
        coordinate: usize,
        /// The rejected value.
        value: f64,
    },
    /// A set that needs at least one point is empty.
    #[error("the {set} is empty; pass at least one point")]
    EmptySet {
        /// Name of the set, such as "reference front".
        set: &'static str,
    },
    /// A set with fewer points than the indicator needs.
    #[error("the {set} has {len} point(s), but at least {required} are required")]
    TooFewPoints {
        /// Name of the set.
        set: &'static str,
        /// Number of points in the set.
        len: usize,
        /// Minimum number of points.
        required: usize,
    },
    /// The first point of a set has no coordinates.
    #[error("point 0 of the {set} has no coordinates; pass one coordinate per objective")]
    NoObjectives {
        /// Name of the set.
        set: &'static str,
    },
    /// A point of a named set whose dimension differs from the expected one.
    #[error("point {index} of the {set} has {len} coordinates, but {expected} were expected; pass points with one coordinate per objective")]
    SetDimensionMismatch {
        /// Name of the set.
        set: &'static str,
        /// Position of the point in its set.
        index: usize,
        /// Number of coordinates of the point.
        len: usize,
        /// Dimension of the first point of the reference front, or of the front.
        expected: usize,
    },
    /// A NaN or infinite coordinate of a point of a named set.
    #[error("point {index} of the {set} has coordinate {coordinate} = {value}; indicators need finite coordinates")]
    NonFiniteSetPoint {
        /// Name of the set.
        set: &'static str,
        /// Position of the point in its set.
        index: usize,
        /// Position of the coordinate.
        coordinate: usize,
        /// The rejected value.
        value: f64,
    },
    /// A weight vector whose length differs from the number of objectives.
    #[error("{len} weights were given for a front of {expected} objectives; pass one weight per objective")]
    WeightCountMismatch {
        /// Number of weights.
        len: usize,
        /// Number of objectives of the front.
        expected: usize,
    },
    /// A negative, NaN or infinite weight.
    #[error("weight {index} is {value}; weights must be finite and non-negative")]
    InvalidWeight {
        /// Position of the weight.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// Weights that are all zero.
    #[error("all weights are zero; give at least one objective a positive weight")]
    ZeroWeights,
}

/// Computes the hypervolume that `points` dominate up to `reference`, all objectives minimized.
///
/// Only points that are strictly better than the reference in every coordinate contribute.
/// Dominated and duplicate points add nothing, and an empty set has hypervolume 0.
///
/// The computation is exact. One or two objectives take a sort and a sweep, and three take
/// the dimension sweep of Beume, Fonseca, Lopez-Ibanez, Paquete and Vahrenhold ("On the
/// complexity of computing the hypervolume indicator", IEEE TEC 13(5), 2009), all in
/// O(n log n) for n points. Four or more objectives take the WFG algorithm of While,
/// Bradstreet and Barone ("A fast way of calculating exact hypervolumes", IEEE TEC 16(1),
/// 2012), whose worst case is exponential in the dimension. On a concave 5-D front (random
/// points of the unit sphere), 1,000 points took 0.09 s and 10,000 points 3.1 s in the
/// test profile (opt-level 2) on 2 cores shared with other builds.
///
/// The result depends only on the set of points, not on their order: any permutation of
/// `points` returns the same bits.
///
/// # Errors
///
/// Returns [`IndicatorError::EmptyReference`] for an empty reference point,
/// [`IndicatorError::DimensionMismatch`] when a point's dimension differs from the
/// reference's, and [`IndicatorError::NonFinitePoint`] or
/// [`IndicatorError::NonFiniteReference`] for a NaN or infinite coordinate.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> Result<f64, IndicatorError> {
    if reference.is_empty() {
        return Err(IndicatorError::EmptyReference);
    }
    if let Some(coordinate) = reference.iter().position(|value| !value.is_finite()) {
        let value = reference[coordinate];
        return Err(IndicatorError::NonFiniteReference { coordinate, value });
    }
    validate_points(points, reference.len())?;
    // Adding 0.0 turns -0.0 into 0.0, so that the total order used for sorting agrees with
    // numeric equality.
    let inside: Vec<f64> = points
        .iter()
        .filter(|point| point.iter().zip(reference).all(|(p, r)| p < r))
        .flat_map(|point| point.iter().map(|value| value + 0.0))
        .collect();
    let volume = match reference.len() {
        1 => inside
            .iter()
            .map(|value| reference[0] - value)
            .fold(0.0, f64::max),
        2 => sweep::area(&inside, [reference[0], reference[1]]),
        3 => sweep::volume_3d(&inside, [reference[0], reference[1], reference[2]]),
        _ => wfg::volume(&inside, reference, wfg::BaseCase::Sweep3d),
    };
    Ok(volume)
}

/// Returns the indices of the points that no other point dominates, in ascending order.
///
/// Duplicate points do not dominate each other, so all copies of a non-dominated point
/// are returned. The check compares every pair, O(n² d) for n points in d dimensions.
///
/// # Errors
///
/// Returns [`IndicatorError::DimensionMismatch`] when the points differ in dimension and
/// [`IndicatorError::NonFinitePoint`] for a NaN or infinite coordinate.
pub fn non_dominated(points: &[Vec<f64>]) -> Result<Vec<usize>, IndicatorError> {
    let Some(first) = points.first() else {
        return Ok(Vec::new());
    };
    validate_points(points, first.len())?;
    let indices = (0..points.len())
        .filter(|&i| !points.iter().any(|other| dominates(other, &points[i])))
        .collect();
    Ok(indices)
}

fn validate_points(points: &[Vec<f64>], dimension: usize) -> Result<(), IndicatorError> {
    for (index, point) in points.iter().enumerate() {
        if point.len() != dimension {
            return Err(IndicatorError::DimensionMismatch {
                index,
                len: point.len(),
                expected: dimension,
            });
        }
        if let Some(coordinate) = point.iter().position(|value| !value.is_finite()) {
            let value = point[coordinate];
            return Err(IndicatorError::NonFinitePoint {
                index,
                coordinate,
                value,
            });
        }
    }
    Ok(())
}

/// Checks that `points`, named `set` in errors, is non-empty, has `dimension` coordinates
/// per point (the first point's count when `dimension` is `None`) and only finite values.
/// Returns the dimension.
fn validate_set(
    points: &[Vec<f64>],
    set: &'static str,
    dimension: Option<usize>,
) -> Result<usize, IndicatorError> {
    let Some(first) = points.first() else {
        return Err(IndicatorError::EmptySet { set });
    };
    let expected = dimension.unwrap_or(first.len());
    if expected == 0 {
        return Err(IndicatorError::NoObjectives { set });
    }
    for (index, point) in points.iter().enumerate() {
        if point.len() != expected {
            return Err(IndicatorError::SetDimensionMismatch {
                set,
                index,
                len: point.len(),
                expected,
            });
        }
        if let Some(coordinate) = point.iter().position(|value| !value.is_finite()) {
            return Err(IndicatorError::NonFiniteSetPoint {
                set,
                index,
                coordinate,
                value: point[coordinate],
            });
        }
    }
    Ok(expected)
}

fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}
