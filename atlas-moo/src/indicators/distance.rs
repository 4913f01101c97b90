//! Distance-based indicators: IGD, IGD+ and spacing.

use super::{validate_set, IndicatorError};

const APPROXIMATION_SET: &str = "approximation set";
const REFERENCE_FRONT: &str = "reference front";

/// Computes the inverted generational distance (IGD) of `points` against `reference_front`.
///
/// IGD is the mean, over the points z of the reference front, of the Euclidean distance
/// from z to the nearest point of `points`. This is the form with the plain mean that
/// Ishibuchi, Masuda, Tanigaki and Nojima use ("Modified distance calculation in
/// generational distance and inverted generational distance", EMO 2015). Lower is better,
/// and 0 means that every reference point is in `points`. The cost is O(n m d) for n
/// points, m reference points and d objectives.
///
/// # Errors
///
/// Returns [`IndicatorError::EmptySet`] when either set is empty,
/// [`IndicatorError::NoObjectives`] when the first reference point has no coordinates,
/// [`IndicatorError::SetDimensionMismatch`] when a point's dimension differs from that of
/// the first reference point, and [`IndicatorError::NonFiniteSetPoint`] for a NaN or
/// infinite coordinate.
pub fn igd(points: &[Vec<f64>], reference_front: &[Vec<f64>]) -> Result<f64, IndicatorError> {
    validate_pair(points, reference_front)?;
    Ok(mean_nearest(points, reference_front, |a, z| {
        a.iter().zip(z).map(|(a, z)| (a - z).powi(2)).sum::<f64>()
    }))
}

/// Computes IGD+ of `points` against `reference_front`, all objectives minimized.
///
/// IGD+ (Ishibuchi, Masuda, Tanigaki and Nojima, "Modified distance calculation in
/// generational distance and inverted generational distance", EMO 2015) replaces the
/// Euclidean distance of [`igd`] from a reference point z to a point a by
/// sqrt(Σ_i max(a_i - z_i, 0)²), which counts only the objectives where a is worse than z.
/// A point that weakly dominates z is at distance 0, which makes IGD+ weakly Pareto
/// compliant. The cost is O(n m d), as for [`igd`].
///
/// # Errors
///
/// The same as [`igd`].
pub fn igd_plus(points: &[Vec<f64>], reference_front: &[Vec<f64>]) -> Result<f64, IndicatorError> {
    validate_pair(points, reference_front)?;
    Ok(mean_nearest(points, reference_front, |a, z| {
        a.iter()
            .zip(z)
            .map(|(a, z)| (a - z).max(0.0).powi(2))
            .sum::<f64>()
    }))
}

/// Computes Schott's spacing of `points`, a measure of how evenly they are spread.
///
/// With d_i the Manhattan distance from point i to its nearest other point and d̄ the mean
/// of the d_i, spacing is sqrt(Σ_i (d_i - d̄)² / (n - 1)) for n points (J. R. Schott, "Fault
/// tolerant design using single and multicriteria genetic algorithm optimization", MS
/// thesis, MIT, 1995). 0 means that all nearest-neighbor distances are equal. Duplicate
/// points count as neighbors at distance 0. pymoo's `SpacingIndicator` divides by n
/// instead of n - 1, so its values are smaller by the factor sqrt((n - 1) / n). The cost is
/// O(n² d).
///
/// # Errors
///
/// Returns [`IndicatorError::EmptySet`] for an empty set,
/// [`IndicatorError::TooFewPoints`] for a single point, [`IndicatorError::NoObjectives`]
/// when the first point has no coordinates, [`IndicatorError::SetDimensionMismatch`] when
/// the points differ in dimension, and [`IndicatorError::NonFiniteSetPoint`] for a NaN or
/// infinite coordinate.
pub fn spacing(points: &[Vec<f64>]) -> Result<f64, IndicatorError> {
    validate_set(points, APPROXIMATION_SET, None)?;
    if points.len() < 2 {
        return Err(IndicatorError::TooFewPoints {
            set: APPROXIMATION_SET,
            len: points.len(),
            required: 2,
        });
    }
    let nearest: Vec<f64> = points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            points
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, other)| manhattan(point, other))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let count = nearest.len() as f64;
    let mean = nearest.iter().sum::<f64>() / count;
    let squares: f64 = nearest.iter().map(|d| (d - mean).powi(2)).sum();
    Ok((squares / (count - 1.0)).sqrt())
}

fn validate_pair(points: &[Vec<f64>], reference_front: &[Vec<f64>]) -> Result<(), IndicatorError> {
    let dimension = validate_set(reference_front, REFERENCE_FRONT, None)?;
    validate_set(points, APPROXIMATION_SET, Some(dimension))?;
    Ok(())
}

/// Returns the mean over `reference_front` of the square root of the smallest
/// `squared_distance(point, reference)` over `points`.
fn mean_nearest(
    points: &[Vec<f64>],
    reference_front: &[Vec<f64>],
    squared_distance: impl Fn(&[f64], &[f64]) -> f64,
) -> f64 {
    let total: f64 = reference_front
        .iter()
        .map(|reference| {
            points
                .iter()
                .map(|point| squared_distance(point, reference))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .sum();
    total / reference_front.len() as f64
}

fn manhattan(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}
