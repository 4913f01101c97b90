use super::wfg::BaseCase;
use super::*;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
        dimension in 2_usize..6,
        raw in prop::collection::vec(prop::collection::vec(0_u8..12, 5), 0..9),
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

/// Exact hypervolume by slicing along the last objective, the algorithm that the 3-D sweep
/// and WFG replaced. It costs O(n^(d-1) log n), so it serves only as a reference.
fn slicing_volume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<&[f64]> = points
        .iter()
        .map(Vec::as_slice)
        .filter(|point| point.iter().zip(reference).all(|(p, r)| p < r))
        .collect();
    slice_recursive(inside, reference)
}

fn slice_recursive(mut points: Vec<&[f64]>, reference: &[f64]) -> f64 {
    if reference.len() == 1 {
        return points
            .iter()
            .map(|point| reference[0] - point[0])
            .fold(0.0, f64::max);
    }
    let last = reference.len() - 1;
    points.sort_by(|a, b| a[last].total_cmp(&b[last]));
    let mut total = 0.0;
    for end in 1..=points.len() {
        let level = points[end - 1][last];
        let next_level = points.get(end).map_or(reference[last], |next| next[last]);
        let depth = next_level - level;
        if depth > 0.0 {
            let slab: Vec<&[f64]> = points[..end].iter().map(|point| &point[..last]).collect();
            total += depth * slice_recursive(slab, &reference[..last]);
        }
    }
    total
}

/// Uniform random points in [0, 1)^dimension.
fn random_points(rng: &mut ChaCha8Rng, count: usize, dimension: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|_| (0..dimension).map(|_| rng.random::<f64>()).collect())
        .collect()
}

/// Random points on the positive part of the unit sphere, a concave front like DTLZ2's.
fn sphere_points(rng: &mut ChaCha8Rng, count: usize, dimension: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|_| {
            let raw: Vec<f64> = (0..dimension).map(|_| rng.random::<f64>() + 1e-3).collect();
            let norm = raw.iter().map(|v| v * v).sum::<f64>().sqrt();
            raw.iter().map(|v| v / norm).collect()
        })
        .collect()
}

fn flatten_inside(points: &[Vec<f64>], reference: &[f64]) -> Vec<f64> {
    points
        .iter()
        .filter(|point| point.iter().zip(reference).all(|(p, r)| p < r))
        .flatten()
        .copied()
        .collect()
}

fn assert_close(name: &str, value: f64, expected: f64) {
    let tolerance = 1e-10 * expected.abs().max(1.0);
    assert!(
        (value - expected).abs() <= tolerance,
        "{name}: got {value}, expected {expected}"
    );
}

#[test]
fn sweep_3d_matches_wfg_and_slicing() {
    let reference = [1.1, 1.1, 1.1];
    for seed in 0..6 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let points = if seed % 2 == 0 {
            random_points(&mut rng, 300, 3)
        } else {
            sphere_points(&mut rng, 300, 3)
        };
        let flat = flatten_inside(&points, &reference);
        let sweep = sweep::volume_3d(&flat, reference);
        let wfg = wfg::volume(&flat, &reference, BaseCase::Area2d);
        let slicing = slicing_volume(&points, &reference);
        assert_close(&format!("seed {seed}, sweep vs slicing"), sweep, slicing);
        assert_close(&format!("seed {seed}, WFG vs slicing"), wfg, slicing);
    }
}

#[test]
fn wfg_base_cases_agree_with_slicing() {
    for (dimension, count) in [(4, 90), (5, 35)] {
        let reference = vec![1.05; dimension];
        for seed in 0..4 {
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            let points = if seed % 2 == 0 {
                random_points(&mut rng, count, dimension)
            } else {
                sphere_points(&mut rng, count, dimension)
            };
            let flat = flatten_inside(&points, &reference);
            let with_sweep = wfg::volume(&flat, &reference, BaseCase::Sweep3d);
            let with_area = wfg::volume(&flat, &reference, BaseCase::Area2d);
            let slicing = slicing_volume(&points, &reference);
            let name = format!("{dimension}-D seed {seed}");
            assert_close(&format!("{name}, 3-D base"), with_sweep, slicing);
            assert_close(&format!("{name}, 2-D base"), with_area, slicing);
        }
    }
}

#[test]
fn sweep_3d_on_grid_with_ties() {
    // Coordinates on a grid of four values, so ties in every coordinate are common.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let reference = [4.0, 4.0, 4.0];
    for _ in 0..50 {
        let points: Vec<Vec<f64>> = (0..12)
            .map(|_| {
                (0..3)
                    .map(|_| f64::from(rng.random_range(0..4_u8)))
                    .collect()
            })
            .collect();
        let flat = flatten_inside(&points, &reference);
        let expected = inclusion_exclusion(&points, &reference);
        assert_close("3-D sweep", sweep::volume_3d(&flat, reference), expected);
    }
}

#[test]
fn sweep_3d_treats_negative_zero_as_zero() {
    let reference = [1.0, 1.0, 1.0];
    let flat = [-0.0, 0.5, 0.0, 0.0, 0.25, 0.5, 0.5, -0.0, 0.25];
    let points: Vec<Vec<f64>> = flat.chunks(3).map(<[f64]>::to_vec).collect();
    let expected = inclusion_exclusion(&points, &reference);
    assert_close("3-D sweep", sweep::volume_3d(&flat, reference), expected);
}

#[test]
fn hypervolume_ignores_point_order() {
    for dimension in 2..=5 {
        let mut rng = ChaCha8Rng::seed_from_u64(dimension as u64);
        let mut points = sphere_points(&mut rng, 60, dimension);
        let reference = vec![1.0; dimension];
        let forward = hypervolume(&points, &reference).unwrap();
        points.reverse();
        points.swap(3, 40);
        let permuted = hypervolume(&points, &reference).unwrap();
        assert_eq!(
            forward.to_bits(),
            permuted.to_bits(),
            "{dimension}-D: {forward} vs {permuted}"
        );
    }
}
