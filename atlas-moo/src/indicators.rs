//! Quality indicators for sets of objective vectors, with every objective minimized.
//!
//! [`hypervolume`] measures the volume that a set of points dominates up to a reference
//! point. It is exact in every dimension: a sweep in O(n log n) for two objectives, and
//! slicing along the last objective for three or more, which costs O(n^(d-1) log n) for
//! n points in d dimensions. The slicing is practical for fronts of a few hundred points
//! in 3 or 4 objectives; larger problems need a faster algorithm such as WFG.

use std::cmp::Ordering;

/// Invalid input to an indicator.
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
}

/// Computes the hypervolume that `points` dominate up to `reference`, all objectives minimized.
///
/// Only points that are strictly better than the reference in every coordinate contribute.
/// Dominated and duplicate points add nothing, and an empty set has hypervolume 0.
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
    let inside: Vec<&[f64]> = points
        .iter()
        .map(Vec::as_slice)
        .filter(|point| point.iter().zip(reference).all(|(p, r)| p < r))
        .collect();
    Ok(volume(inside, reference))
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

fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

/// Computes the hypervolume of points that all lie strictly inside the reference box.
fn volume(mut points: Vec<&[f64]>, reference: &[f64]) -> f64 {
    match reference.len() {
        0 => 0.0,
        1 => points
            .iter()
            .map(|point| reference[0] - point[0])
            .fold(0.0, f64::max),
        2 => area(&mut points, reference[0], reference[1]),
        dimension => slice_volume(&mut points, reference, dimension - 1),
    }
}

/// Sweeps the points in ascending first coordinate and adds, for each point below the best
/// second coordinate seen so far, the strip between the two levels up to the reference.
fn area(points: &mut [&[f64]], reference_x: f64, reference_y: f64) -> f64 {
    points.sort_by(|a, b| by_coordinates(a, b, &[0, 1]));
    let mut lowest_y = reference_y;
    let mut total = 0.0;
    for point in points.iter() {
        let (x, y) = (point[0], point[1]);
        if y < lowest_y {
            total += (reference_x - x) * (lowest_y - y);
            lowest_y = y;
        }
    }
    total
}

/// Slices the box along coordinate `last`: between consecutive levels of that coordinate,
/// the volume is the slab depth times the (d-1)-dimensional hypervolume of the points at
/// or below the lower level.
fn slice_volume(points: &mut [&[f64]], reference: &[f64], last: usize) -> f64 {
    points.sort_by(|a, b| by_coordinates(a, b, &[last]));
    let lower_reference = &reference[..last];
    let mut total = 0.0;
    for end in 1..=points.len() {
        let level = points[end - 1][last];
        let next_level = points.get(end).map_or(reference[last], |next| next[last]);
        let depth = next_level - level;
        if depth > 0.0 {
            let slab: Vec<&[f64]> = points[..end].iter().map(|point| &point[..last]).collect();
            total += depth * volume(slab, lower_reference);
        }
    }
    total
}

fn by_coordinates(a: &[f64], b: &[f64], coordinates: &[usize]) -> Ordering {
    coordinates
        .iter()
        .map(|&c| a[c].total_cmp(&b[c]))
        .find(|ordering| ordering.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Name, points, reference point and expected hypervolume.
    type Case = (&'static str, Vec<Vec<f64>>, Vec<f64>, f64);

    fn rows<const D: usize>(points: &[[f64; D]]) -> Vec<Vec<f64>> {
        points.iter().map(|point| point.to_vec()).collect()
    }

    /// Table of 2-D cases with hand-computed values.
    #[test]
    fn hypervolume_2d_table() {
        let cases: &[Case] = &[
            ("empty set", vec![], vec![1.0, 1.0], 0.0),
            ("single point", rows(&[[0.5, 0.5]]), vec![1.0, 1.0], 0.25),
            // Strips: 3 * 1 + 2 * 1 + 1 * 1.
            (
                "staircase",
                rows(&[[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]),
                vec![4.0, 4.0],
                6.0,
            ),
            (
                "staircase unsorted",
                rows(&[[3.0, 1.0], [1.0, 3.0], [2.0, 2.0]]),
                vec![4.0, 4.0],
                6.0,
            ),
            // Strips: 2 * 1 + 1.5 * 0.5 + 1 * 0.5.
            (
                "points on a line",
                rows(&[[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]),
                vec![2.0, 2.0],
                3.25,
            ),
            (
                "duplicates",
                rows(&[[1.0, 1.0], [1.0, 1.0]]),
                vec![2.0, 2.0],
                1.0,
            ),
            (
                "dominated point",
                rows(&[[1.0, 1.0], [1.5, 1.5]]),
                vec![2.0, 2.0],
                1.0,
            ),
            (
                "same x, two y",
                rows(&[[1.0, 1.5], [1.0, 1.0]]),
                vec![2.0, 2.0],
                1.0,
            ),
            (
                "point outside reference",
                rows(&[[3.0, 0.0]]),
                vec![2.0, 2.0],
                0.0,
            ),
            (
                "point on reference edge",
                rows(&[[2.0, 0.0], [0.0, 2.0]]),
                vec![2.0, 2.0],
                0.0,
            ),
            (
                "one inside, one outside",
                rows(&[[1.0, 1.0], [0.0, 3.0]]),
                vec![2.0, 2.0],
                1.0,
            ),
            (
                "negative coordinates",
                rows(&[[-1.0, -1.0]]),
                vec![1.0, 0.0],
                2.0,
            ),
        ];
        for (name, points, reference, expected) in cases {
            let value = hypervolume(points, reference).unwrap();
            assert!(
                (value - expected).abs() < 1e-12,
                "{name}: got {value}, expected {expected}"
            );
        }
    }

    /// Table of 1-D, 3-D and 4-D cases with hand-computed values.
    #[test]
    fn hypervolume_other_dimensions() {
        let cases: &[Case] = &[
            ("1-D best point", vec![vec![3.0], vec![1.0]], vec![5.0], 4.0),
            (
                "3-D single point",
                rows(&[[0.0, 0.0, 0.0]]),
                vec![1.0, 1.0, 1.0],
                1.0,
            ),
            (
                "3-D cube",
                rows(&[[0.5, 0.5, 0.5]]),
                vec![1.0, 1.0, 1.0],
                0.125,
            ),
            // 0.5 + 0.25 minus their overlap [0.5, 1]^2 x [0.5, 1] of 0.125.
            (
                "3-D two boxes",
                rows(&[[0.0, 0.0, 0.5], [0.5, 0.5, 0.0]]),
                vec![1.0; 3],
                0.625,
            ),
            // Three boxes of 2, pairwise overlaps of 1 and a triple overlap of 1: 6 - 3 + 1.
            (
                "3-D three axes",
                rows(&[[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
                vec![2.0; 3],
                4.0,
            ),
            (
                "3-D with duplicate",
                rows(&[[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]),
                vec![1.0; 3],
                0.125,
            ),
            (
                "3-D dominated",
                rows(&[[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]),
                vec![1.0; 3],
                1.0,
            ),
            ("3-D outside", rows(&[[0.0, 0.0, 1.0]]), vec![1.0; 3], 0.0),
            (
                "4-D box",
                rows(&[[0.0, 0.0, 0.0, 0.0]]),
                vec![1.0, 2.0, 3.0, 4.0],
                24.0,
            ),
            // 1 + 1 minus the overlap [0.5, 1]^4 of 0.0625.
            (
                "4-D two boxes",
                rows(&[[0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.5, 0.0]]),
                vec![1.0; 4],
                0.75,
            ),
        ];
        for (name, points, reference, expected) in cases {
            let value = hypervolume(points, reference).unwrap();
            assert!(
                (value - expected).abs() < 1e-12,
                "{name}: got {value}, expected {expected}"
            );
        }
    }

    #[test]
    fn hypervolume_rejects_empty_reference() {
        let error = hypervolume(&[vec![0.0]], &[]).unwrap_err();
        assert_eq!(error, IndicatorError::EmptyReference);
    }

    #[test]
    fn hypervolume_rejects_dimension_mismatch() {
        let points = vec![vec![0.0, 0.0], vec![0.0, 0.0, 0.0]];
        let error = hypervolume(&points, &[1.0, 1.0]).unwrap_err();
        let expected = IndicatorError::DimensionMismatch {
            index: 1,
            len: 3,
            expected: 2,
        };
        assert_eq!(error, expected);
        assert!(
            error.to_string().contains("point 1 has 3 coordinates"),
            "{error}"
        );
    }

    #[test]
    fn hypervolume_rejects_nan_point() {
        let error = hypervolume(&[vec![0.0, f64::NAN]], &[1.0, 1.0]).unwrap_err();
        assert!(matches!(
            error,
            IndicatorError::NonFinitePoint {
                index: 0,
                coordinate: 1,
                ..
            }
        ));
        assert!(error.to_string().contains("coordinate 1 = NaN"), "{error}");
    }

    #[test]
    fn hypervolume_rejects_nan_reference() {
        let error = hypervolume(&[vec![0.0, 0.0]], &[1.0, f64::NAN]).unwrap_err();
        assert!(matches!(
            error,
            IndicatorError::NonFiniteReference { coordinate: 1, .. }
        ));
    }

    #[test]
    fn hypervolume_rejects_infinite_point() {
        let error = hypervolume(&[vec![f64::NEG_INFINITY, 0.0]], &[1.0, 1.0]).unwrap_err();
        assert!(matches!(
            error,
            IndicatorError::NonFinitePoint { coordinate: 0, .. }
        ));
    }

    #[test]
    fn non_dominated_keeps_duplicates() {
        let points = rows(&[[1.0, 3.0], [2.0, 2.0], [2.0, 2.0], [3.0, 3.0], [3.0, 1.0]]);
        assert_eq!(non_dominated(&points).unwrap(), vec![0, 1, 2, 4]);
    }

    #[test]
    fn non_dominated_of_empty_set() {
        assert!(non_dominated(&[]).unwrap().is_empty());
    }

    #[test]
    fn non_dominated_rejects_mixed_dimensions() {
        let error = non_dominated(&[vec![1.0, 2.0], vec![1.0]]).unwrap_err();
        assert!(matches!(
            error,
            IndicatorError::DimensionMismatch { index: 1, .. }
        ));
    }

    /// Exact hypervolume by inclusion-exclusion over every subset of points.
    fn inclusion_exclusion(points: &[Vec<f64>], reference: &[f64]) -> f64 {
        let mut total = 0.0;
        for mask in 1_u32..(1 << points.len()) {
            let mut corner = vec![f64::NEG_INFINITY; reference.len()];
            for (i, point) in points.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    for (c, value) in corner.iter_mut().zip(point) {
                        *c = c.max(*value);
                    }
                }
            }
            let box_volume: f64 = corner
                .iter()
                .zip(reference)
                .map(|(c, r)| (r - c).max(0.0))
                .product();
            let sign = if mask.count_ones() % 2 == 1 {
                1.0
            } else {
                -1.0
            };
            total += sign * box_volume;
        }
        total
    }

    proptest! {
        #[test]
        fn hypervolume_matches_inclusion_exclusion(
            dimension in 2_usize..5,
            raw in prop::collection::vec(prop::collection::vec(0_u8..12, 4), 0..7),
        ) {
            // Coordinates on a coarse grid, so duplicates and ties occur often.
            let points: Vec<Vec<f64>> = raw
                .iter()
                .map(|point| point[..dimension].iter().map(|&v| f64::from(v) / 10.0).collect())
                .collect();
            let reference = vec![1.0; dimension];
            let value = hypervolume(&points, &reference).unwrap();
            let expected = inclusion_exclusion(&points, &reference);
            prop_assert!((value - expected).abs() < 1e-9, "got {value}, expected {expected}");
        }
    }
}
