//! Indicators and decision helpers against hand-computed values and brute force.

use std::time::Instant;

use atlas_moo::indicators::{
    closest_to_weights, hypervolume, igd, igd_plus, knee_point, pseudo_weights, spacing,
    IndicatorError,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn rows<const D: usize>(points: &[[f64; D]]) -> Vec<Vec<f64>> {
    points.iter().map(|point| point.to_vec()).collect()
}

fn assert_close(name: &str, value: f64, expected: f64) {
    let tolerance = 1e-10 * expected.abs().max(1.0);
    assert!(
        (value - expected).abs() <= tolerance,
        "{name}: got {value}, expected {expected}"
    );
}

/// Exact hypervolume by inclusion-exclusion: the sum over non-empty subsets S of
/// (-1)^(|S|+1) times the box between the componentwise maximum of S and the reference.
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
        if mask.count_ones() % 2 == 1 {
            total += box_volume;
        } else {
            total -= box_volume;
        }
    }
    total
}

/// Random points on the positive part of the unit sphere, a concave front like DTLZ2's.
fn sphere_front(rng: &mut ChaCha8Rng, count: usize, dimension: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|_| {
            let raw: Vec<f64> = (0..dimension).map(|_| rng.random::<f64>() + 1e-3).collect();
            let norm = raw.iter().map(|v| v * v).sum::<f64>().sqrt();
            raw.iter().map(|v| v / norm).collect()
        })
        .collect()
}

fn uniform_points(rng: &mut ChaCha8Rng, count: usize, dimension: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|_| (0..dimension).map(|_| rng.random::<f64>()).collect())
        .collect()
}

#[test]
fn hypervolume_single_point_box() {
    let cases: [(&[f64], &[f64], f64); 4] = [
        (&[0.5, 0.25], &[1.0, 1.0], 0.375),
        (&[0.0, 0.5, 0.75], &[1.0, 1.0, 1.0], 0.125),
        (&[0.0, 0.0, 0.0, 0.0], &[1.0, 2.0, 3.0, 4.0], 24.0),
        (&[-1.0, 0.0, 0.5, 0.0, 0.9], &[1.0; 5], 2.0 * 0.5 * 0.1),
    ];
    for (point, reference, expected) in cases {
        let value = hypervolume(&[point.to_vec()], reference).unwrap();
        assert_close(&format!("{}-D box", reference.len()), value, expected);
    }
}

#[test]
fn hypervolume_staircase_and_line() {
    // Strips 3 * 1 + 2 * 1 + 1 * 1.
    let staircase = rows(&[[2.0, 2.0], [3.0, 1.0], [1.0, 3.0]]);
    assert_close(
        "staircase",
        hypervolume(&staircase, &[4.0, 4.0]).unwrap(),
        6.0,
    );
    // Points on the line x + y = 1: strips 2 * 1 + 1.5 * 0.5 + 1 * 0.5.
    let line = rows(&[[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]);
    assert_close("line", hypervolume(&line, &[2.0, 2.0]).unwrap(), 3.25);
}

/// Point k has 0.5 in coordinate k and 0 elsewhere. The region that no box covers is
/// [0, 0.5)^d, so the hypervolume up to (1, ..., 1) is 1 - 0.5^d.
#[test]
fn hypervolume_axis_staircase_every_dimension() {
    for dimension in 2..=7 {
        let points: Vec<Vec<f64>> = (0..dimension)
            .map(|k| {
                let mut point = vec![0.0; dimension];
                point[k] = 0.5;
                point
            })
            .collect();
        let value = hypervolume(&points, &vec![1.0; dimension]).unwrap();
        let expected = 1.0 - 0.5_f64.powi(dimension as i32);
        assert_close(&format!("{dimension}-D"), value, expected);
    }
}

#[test]
fn hypervolume_ignores_duplicates_and_dominated() {
    for dimension in 2..=5 {
        let mut rng = ChaCha8Rng::seed_from_u64(dimension as u64);
        let front = sphere_front(&mut rng, 40, dimension);
        let reference = vec![1.0; dimension];
        let base = hypervolume(&front, &reference).unwrap();
        let mut padded = front.clone();
        padded.extend(front.iter().take(10).cloned());
        padded.extend(
            front
                .iter()
                .map(|point| point.iter().map(|v| v + 0.01).collect::<Vec<f64>>()),
        );
        let value = hypervolume(&padded, &reference).unwrap();
        assert_close(&format!("{dimension}-D"), value, base);
    }
}

#[test]
fn hypervolume_skips_points_beyond_reference() {
    let reference = [1.0, 1.0, 1.0, 1.0];
    let beyond = rows(&[[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]);
    assert_eq!(hypervolume(&beyond, &reference).unwrap(), 0.0);
    let mut mixed = beyond.clone();
    mixed.push(vec![0.5, 0.5, 0.5, 0.5]);
    assert_close("mixed", hypervolume(&mixed, &reference).unwrap(), 0.0625);
}

/// Random sets of up to 12 points in 3 to 5 dimensions, half of them on a coarse grid so
/// that ties and duplicates occur, against brute force.
#[test]
fn hypervolume_matches_inclusion_exclusion() {
    for dimension in 3..=5 {
        let reference = vec![1.0; dimension];
        for seed in 0..150_u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed * 10 + dimension as u64);
            let count = 1 + (seed as usize % 12);
            let on_grid = seed % 2 == 0;
            let points: Vec<Vec<f64>> = (0..count)
                .map(|_| {
                    (0..dimension)
                        .map(|_| {
                            if on_grid {
                                f64::from(rng.random_range(0..6_u8)) / 5.0
                            } else {
                                rng.random::<f64>()
                            }
                        })
                        .collect()
                })
                .collect();
            let value = hypervolume(&points, &reference).unwrap();
            let expected = inclusion_exclusion(&points, &reference);
            assert_close(&format!("{dimension}-D seed {seed}"), value, expected);
        }
    }
}

#[test]
fn hypervolume_5d_concave_front_is_fast() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let front = sphere_front(&mut rng, 1_000, 5);
    let start = Instant::now();
    let value = hypervolume(&front, &[1.0; 5]).unwrap();
    let elapsed = start.elapsed();
    // The volume lies between the largest single box and the volume of the unit cube
    // outside the unit ball, 1 - pi^2.5 / (2^5 Gamma(3.5)).
    let lower = front
        .iter()
        .map(|point| point.iter().map(|v| 1.0 - v).product::<f64>())
        .fold(0.0, f64::max);
    let upper = 1.0 - std::f64::consts::PI.powf(2.5) / (32.0 * 3.323_350_970_447_843);
    assert!(value > lower, "value {value} is below {lower}");
    assert!(value < upper, "value {value} is above {upper}");
    assert!(
        elapsed.as_secs_f64() < 3.0,
        "1,000 points in 5-D took {elapsed:?}"
    );
}

/// Prints how long the exact hypervolume takes on the benchmark sizes. Run with
/// `cargo test -p atlas-moo --test indicators -- --ignored --nocapture hypervolume_timings`.
#[test]
#[ignore = "timing report of several seconds, not a check"]
fn hypervolume_timings() {
    for dimension in [2, 3, 5] {
        for count in [1_000, 10_000] {
            for (shape, uniform) in [("sphere front", false), ("uniform", true)] {
                let mut rng = ChaCha8Rng::seed_from_u64(42);
                let points = if uniform {
                    uniform_points(&mut rng, count, dimension)
                } else {
                    sphere_front(&mut rng, count, dimension)
                };
                let start = Instant::now();
                let value = hypervolume(&points, &vec![1.0; dimension]).unwrap();
                let elapsed = start.elapsed();
                println!(
                    "{dimension}-D, {count} points, {shape}: {elapsed:?} (hypervolume {value})"
                );
            }
        }
    }
}

#[test]
fn igd_hand_computed() {
    let reference_front = rows(&[[0.0, 1.0], [1.0, 0.0]]);
    // Distances from (0, 1) and (1, 0) to (0, 2) are 1 and sqrt(5).
    let above = rows(&[[0.0, 2.0]]);
    let expected = (1.0 + 5.0_f64.sqrt()) / 2.0;
    assert_close("IGD", igd(&above, &reference_front).unwrap(), expected);
    // IGD+ counts only where (0, 2) is worse: by 1 in y against (0, 1), by 2 against (1, 0).
    assert_close("IGD+", igd_plus(&above, &reference_front).unwrap(), 1.5);
}

#[test]
fn igd_plus_zero_for_dominating_set() {
    let reference_front = rows(&[[0.0, 1.0], [1.0, 0.0]]);
    let ideal = rows(&[[0.0, 0.0]]);
    assert_close("IGD", igd(&ideal, &reference_front).unwrap(), 1.0);
    assert_eq!(igd_plus(&ideal, &reference_front).unwrap(), 0.0);
    assert_eq!(igd(&reference_front, &reference_front).unwrap(), 0.0);
}

#[test]
fn igd_rejects_invalid_sets() {
    let front = rows(&[[0.0, 1.0], [1.0, 0.0]]);
    assert_eq!(
        igd(&[], &front).unwrap_err(),
        IndicatorError::EmptySet {
            set: "approximation set"
        }
    );
    assert_eq!(
        igd_plus(&front, &[]).unwrap_err(),
        IndicatorError::EmptySet {
            set: "reference front"
        }
    );
    let error = igd(&[vec![0.0, 1.0, 2.0]], &front).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::SetDimensionMismatch {
            set: "approximation set",
            index: 0,
            len: 3,
            expected: 2,
        }
    );
    assert!(
        error
            .to_string()
            .contains("point 0 of the approximation set has 3 coordinates"),
        "{error}"
    );
    let error = igd(&front, &[vec![0.0, f64::NAN]]).unwrap_err();
    assert!(
        matches!(
            error,
            IndicatorError::NonFiniteSetPoint {
                set: "reference front",
                coordinate: 1,
                ..
            }
        ),
        "{error}"
    );
    let error = igd(&front, &[vec![]]).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::NoObjectives {
            set: "reference front"
        }
    );
}

#[test]
fn spacing_hand_computed() {
    let even = rows(&[[0.0, 3.0], [1.0, 2.0], [2.0, 1.0], [3.0, 0.0]]);
    assert_eq!(spacing(&even).unwrap(), 0.0);
    // Nearest distances 1, 1, 2 with mean 4/3: sqrt((1/9 + 1/9 + 4/9) / 2).
    let uneven = rows(&[[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]);
    assert_close("uneven", spacing(&uneven).unwrap(), (1.0_f64 / 3.0).sqrt());
    // Manhattan nearest distances 2, 2, 4 with mean 8/3: sqrt((4/9 + 4/9 + 16/9) / 2).
    let diagonal = rows(&[[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]);
    assert_close(
        "diagonal",
        spacing(&diagonal).unwrap(),
        (4.0_f64 / 3.0).sqrt(),
    );
}

#[test]
fn spacing_rejects_too_few_points() {
    assert_eq!(
        spacing(&[]).unwrap_err(),
        IndicatorError::EmptySet {
            set: "approximation set"
        }
    );
    let error = spacing(&[vec![1.0, 2.0]]).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::TooFewPoints {
            set: "approximation set",
            len: 1,
            required: 2,
        }
    );
    assert!(error.to_string().contains("at least 2"), "{error}");
    let error = spacing(&[vec![1.0, 2.0], vec![1.0]]).unwrap_err();
    assert!(
        matches!(error, IndicatorError::SetDimensionMismatch { index: 1, .. }),
        "{error}"
    );
}

#[test]
fn knee_of_convex_front() {
    // Distances to x + y = 1 are 0.4, 0.6 and 0.4 over sqrt(2) for the inner points.
    let front = rows(&[[0.1, 0.5], [1.0, 0.0], [0.2, 0.2], [0.0, 1.0], [0.5, 0.1]]);
    assert_eq!(knee_point(&front).unwrap(), 2);
}

#[test]
fn knee_uses_extreme_hyperplane() {
    // The extreme points a, b and c span 0.8 f1 + 0.4 f2 + 0.6 f3 = 1. Against it, p is at
    // 0.62 / |n| and q at 0.56 / |n|, so p is the knee. Against f1 + f2 + f3 = 1, q would be.
    let a = [0.0, 1.0, 1.0];
    let b = [0.5, 0.0, 1.0];
    let c = [1.0, 0.5, 0.0];
    let q = [0.3, 0.2, 0.2];
    let p = [0.1, 0.6, 0.1];
    let front = rows(&[a, b, c, q, p]);
    assert_eq!(knee_point(&front).unwrap(), 4);
    // Scaling an objective changes nothing, because the front is normalized first.
    let scaled: Vec<Vec<f64>> = front
        .iter()
        .map(|point| vec![point[0] * 100.0 + 7.0, point[1], point[2] * 0.01])
        .collect();
    assert_eq!(knee_point(&scaled).unwrap(), 4);
}

#[test]
fn knee_ties_and_degenerate_fronts() {
    let symmetric = rows(&[[0.0, 1.0], [0.2, 0.4], [0.4, 0.2], [1.0, 0.0]]);
    assert_eq!(knee_point(&symmetric).unwrap(), 1);
    assert_eq!(knee_point(&[vec![3.0, 4.0]]).unwrap(), 0);
    let constant = rows(&[[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]]);
    assert_eq!(knee_point(&constant).unwrap(), 0);
    let identical = rows(&[[1.0, 1.0], [1.0, 1.0]]);
    assert_eq!(knee_point(&identical).unwrap(), 0);
    // On a concave front every inner point lies beyond the line through the extremes.
    let concave = rows(&[[0.6, 0.8], [1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]);
    assert_eq!(knee_point(&concave).unwrap(), 1);
    assert_eq!(
        knee_point(&[]).unwrap_err(),
        IndicatorError::EmptySet { set: "front" }
    );
}

#[test]
fn pseudo_weights_hand_computed() {
    let front = rows(&[[0.0, 1.0], [0.2, 0.4], [0.5, 0.1], [1.0, 0.0]]);
    let weights = pseudo_weights(&front).unwrap();
    let expected = [
        [1.0, 0.0],
        [0.8 / 1.4, 0.6 / 1.4],
        [0.5 / 1.4, 0.9 / 1.4],
        [0.0, 1.0],
    ];
    for (index, (got, want)) in weights.iter().zip(expected).enumerate() {
        for objective in 0..2 {
            assert_close(
                &format!("point {index} objective {objective}"),
                got[objective],
                want[objective],
            );
        }
    }
}

#[test]
fn closest_to_weights_picks_expected_point() {
    let front = rows(&[[0.0, 1.0], [0.2, 0.4], [0.5, 0.1], [1.0, 0.0]]);
    assert_eq!(closest_to_weights(&front, &[1.0, 0.0]).unwrap(), 0);
    assert_eq!(closest_to_weights(&front, &[0.0, 1.0]).unwrap(), 3);
    // Point 1 has pseudo-weights (0.571, 0.429), the closest to (0.5, 0.5).
    assert_eq!(closest_to_weights(&front, &[0.5, 0.5]).unwrap(), 1);
    assert_eq!(closest_to_weights(&front, &[2.0, 2.0]).unwrap(), 1);
    assert_eq!(closest_to_weights(&front, &[0.3, 0.7]).unwrap(), 2);
}

#[test]
fn closest_to_weights_ties_and_degenerate_fronts() {
    let symmetric = rows(&[[0.0, 1.0], [0.2, 0.4], [0.4, 0.2], [1.0, 0.0]]);
    assert_eq!(closest_to_weights(&symmetric, &[1.0, 1.0]).unwrap(), 1);
    assert_eq!(
        closest_to_weights(&[vec![2.0, 3.0]], &[1.0, 0.0]).unwrap(),
        0
    );
    let constant = rows(&[[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]]);
    assert_eq!(closest_to_weights(&constant, &[1.0, 0.0]).unwrap(), 0);
    let weights = pseudo_weights(&constant).unwrap();
    assert!(
        weights.iter().flatten().all(|value| value.is_finite()),
        "{weights:?}"
    );
    assert_eq!(weights[2], vec![0.0, 0.0]);
}

#[test]
fn closest_to_weights_rejects_invalid_weights() {
    let front = rows(&[[0.0, 1.0], [1.0, 0.0]]);
    let error = closest_to_weights(&front, &[1.0]).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::WeightCountMismatch {
            len: 1,
            expected: 2
        }
    );
    assert!(error.to_string().contains("1 weights"), "{error}");
    let error = closest_to_weights(&front, &[1.0, -0.5]).unwrap_err();
    assert_eq!(
        error,
        IndicatorError::InvalidWeight {
            index: 1,
            value: -0.5
        }
    );
    assert!(error.to_string().contains("weight 1 is -0.5"), "{error}");
    let error = closest_to_weights(&front, &[f64::NAN, 1.0]).unwrap_err();
    assert!(
        matches!(error, IndicatorError::InvalidWeight { index: 0, .. }),
        "{error}"
    );
    let error = closest_to_weights(&front, &[f64::INFINITY, 1.0]).unwrap_err();
    assert!(
        matches!(error, IndicatorError::InvalidWeight { index: 0, .. }),
        "{error}"
    );
    assert_eq!(
        closest_to_weights(&front, &[0.0, 0.0]).unwrap_err(),
        IndicatorError::ZeroWeights
    );
    let error = closest_to_weights(&[vec![0.0, f64::INFINITY]], &[1.0, 1.0]).unwrap_err();
    assert!(
        matches!(
            error,
            IndicatorError::NonFiniteSetPoint { set: "front", .. }
        ),
        "{error}"
    );
}
