//! NSGA-III survival: reference directions, normalization, association, niching, and a
//! short run on DTLZ2 with 3 and 5 objectives that must reach the spherical front and
//! cover the reference directions.

use std::f64::consts::FRAC_PI_2;

use atlas_moo::nsga2::operators::{polynomial_mutation, sbx_crossover, stream_rng, Bounds};
use atlas_moo::nsga2::ranking::fast_non_dominated_sort;
use atlas_moo::nsga3::{
    associate, das_dennis, default_directions, select, Normalization, Nsga3Error, MAX_DIRECTIONS,
};
use proptest::prelude::*;
use rand::RngExt;

/// Returns C(n, k) computed from Pascal's triangle, independently of the library.
fn binomial(n: usize, k: usize) -> usize {
    let mut row = vec![1_usize];
    for _ in 0..n {
        let mut next = vec![1_usize; row.len() + 1];
        for i in 1..row.len() {
            next[i] = row[i - 1] + row[i];
        }
        row = next;
    }
    row[k]
}

fn assert_close(actual: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= tolerance, "{actual:?} vs {expected:?}");
    }
}

/// Runs `select` with fronts from constrained domination and all members feasible.
fn select_feasible(
    objectives: &[Vec<f64>],
    size: usize,
    directions: &[Vec<f64>],
    state: &mut Normalization,
    seed: u64,
) -> Vec<usize> {
    let violations = vec![0.0; objectives.len()];
    let fronts = fast_non_dominated_sort(objectives, &violations);
    let mut rng = stream_rng(seed, 0, 0);
    select(
        objectives,
        &violations,
        &fronts,
        size,
        directions,
        state,
        &mut rng,
    )
    .unwrap()
}

fn sorted(mut indices: Vec<usize>) -> Vec<usize> {
    indices.sort_unstable();
    indices
}

// Reference directions.

#[test]
fn das_dennis_counts_and_sums() {
    for (n_obj, partitions) in [(1, 5), (2, 1), (2, 10), (3, 12), (4, 5), (5, 6), (8, 3)] {
        let directions = das_dennis(n_obj, partitions).unwrap();
        let expected = binomial(partitions + n_obj - 1, n_obj - 1);
        assert_eq!(directions.len(), expected, "{n_obj} objectives");
        for direction in &directions {
            assert_eq!(direction.len(), n_obj);
            let sum: f64 = direction.iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "{direction:?} sums to {sum}");
            for &entry in direction {
                let steps = entry * partitions as f64;
                assert!((steps - steps.round()).abs() < 1e-9, "{direction:?}");
            }
        }
        let mut distinct = directions.clone();
        distinct.sort_by(|a, b| a.partial_cmp(b).unwrap());
        distinct.dedup();
        assert_eq!(distinct.len(), directions.len(), "repeated direction");
    }
}

#[test]
fn das_dennis_is_deterministic() {
    assert_eq!(das_dennis(4, 5).unwrap(), das_dennis(4, 5).unwrap());
}

#[test]
fn das_dennis_rejects_invalid_requests() {
    assert_eq!(das_dennis(0, 4), Err(Nsga3Error::NoObjectives));
    let error = das_dennis(10, 20).unwrap_err();
    assert_eq!(
        error,
        Nsga3Error::TooManyDirections {
            n_obj: 10,
            partitions: 20
        }
    );
    let message = error.to_string();
    assert!(message.contains("100000"), "{message}");
    assert!(message.contains("fewer partitions"), "{message}");
    // C(100 + 2, 2) = 5151 directions are accepted.
    assert_eq!(das_dennis(3, 100).unwrap().len(), 5151);
    assert_eq!(
        das_dennis(2, MAX_DIRECTIONS - 1).unwrap().len(),
        MAX_DIRECTIONS
    );
}

#[test]
fn default_two_layers_for_many_objectives() {
    // Deb and Jain's settings: 8 objectives with p = (3, 2), 10 objectives with p = (3, 2).
    for (n_obj, population, outer, inner) in [(8, 156, 120, 36), (10, 276, 220, 55)] {
        let directions = default_directions(n_obj, population).unwrap();
        assert_eq!(directions.len(), outer + inner, "{n_obj} objectives");
        for direction in &directions[..outer] {
            assert!(direction.contains(&0.0), "outer {direction:?}");
        }
        let centroid_share = 0.5 / n_obj as f64;
        for direction in &directions[outer..] {
            let smallest = direction.iter().copied().fold(f64::INFINITY, f64::min);
            assert!(
                (smallest - centroid_share).abs() < 1e-12,
                "inner {direction:?}"
            );
        }
        for direction in &directions {
            let sum: f64 = direction.iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "{direction:?} sums to {sum}");
        }
    }
}

#[test]
fn default_single_layer_for_few_objectives() {
    assert_eq!(default_directions(3, 92).unwrap().len(), 91);
    assert_eq!(default_directions(3, 91).unwrap().len(), 91);
    assert_eq!(default_directions(5, 212).unwrap().len(), 210);
    assert_eq!(default_directions(2, 100).unwrap().len(), 100);
    assert_eq!(default_directions(1, 40).unwrap(), vec![vec![1.0]]);
}

#[test]
fn default_count_fits_population() {
    for n_obj in 1..=12 {
        for population in (n_obj..400).step_by(7) {
            let directions = default_directions(n_obj, population).unwrap();
            assert!(
                directions.len() <= population,
                "{n_obj} objectives, population {population}: {} directions",
                directions.len()
            );
            assert!(directions.len() >= n_obj);
        }
    }
    let huge = default_directions(2, usize::MAX).unwrap();
    assert_eq!(huge.len(), MAX_DIRECTIONS);
}

#[test]
fn default_rejects_small_population() {
    assert_eq!(default_directions(0, 10), Err(Nsga3Error::NoObjectives));
    let error = default_directions(5, 4).unwrap_err();
    assert_eq!(
        error,
        Nsga3Error::PopulationTooSmall {
            n_obj: 5,
            population: 4
        }
    );
    assert!(error.to_string().contains("at least 5"), "{error}");
}

// Normalization.

#[test]
fn normalization_finds_known_intercepts() {
    // The first front lies on x / 2 + y / 4 + z / 5 = 1 relative to the ideal (1, 1, 1),
    // and member 4 is dominated.
    let objectives = vec![
        vec![3.0, 1.0, 1.0],
        vec![1.0, 5.0, 1.0],
        vec![1.0, 1.0, 6.0],
        vec![2.0, 3.0, 1.0],
        vec![4.0, 6.0, 7.0],
    ];
    let mut state = Normalization::default();
    state.update(&objectives, &[0, 1, 2, 3]).unwrap();
    assert_eq!(state.ideal, vec![1.0, 1.0, 1.0]);
    assert_eq!(state.worst, vec![4.0, 6.0, 7.0]);
    assert_eq!(state.extreme_points, objectives[..3].to_vec());
    assert_close(&state.nadir, &[3.0, 5.0, 6.0], 1e-12);
}

#[test]
fn normalization_caps_nadir_at_worst() {
    // The three members are the extreme points and lie on the plane x + y + z = 2, whose
    // intercepts are (2, 2, 2). No member is worse than 1.5 in the third objective.
    let objectives = vec![
        vec![2.0, 0.0, 0.0],
        vec![0.0, 2.0, 0.0],
        vec![0.5, 0.0, 1.5],
    ];
    let mut state = Normalization::default();
    state.update(&objectives, &[0, 1, 2]).unwrap();
    assert_eq!(state.extreme_points, objectives);
    assert_close(&state.nadir, &[2.0, 2.0, 1.5], 1e-12);
}

#[test]
fn normalization_falls_back_on_negative_intercept() {
    // The plane through the three extreme points crosses the third axis at -5, so the
    // nadir falls back to the worst point of the first front.
    let objectives = vec![
        vec![1.0, 0.0, 0.0],
        vec![0.0, 1.0, 0.0],
        vec![0.6, 0.6, 1.0],
        vec![2.0, 2.0, 2.0],
    ];
    let mut state = Normalization::default();
    state.update(&objectives, &[0, 1, 2]).unwrap();
    assert_eq!(state.extreme_points, objectives[..3].to_vec());
    assert_eq!(state.nadir, vec![1.0, 1.0, 1.0]);
}

#[test]
fn normalization_falls_back_on_single_point() {
    // One front member is every extreme point, so the plane is singular. The worst point of
    // the front equals the ideal, so the nadir takes the worst of all members.
    let objectives = vec![vec![1.0, 1.0], vec![3.0, 2.0]];
    let mut state = Normalization::default();
    state.update(&objectives, &[0]).unwrap();
    assert_eq!(state.extreme_points, vec![vec![1.0, 1.0]; 2]);
    assert_eq!(state.nadir, vec![3.0, 2.0]);
}

#[test]
fn normalization_keeps_previous_extremes() {
    let mut state = Normalization::default();
    let first = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
    state.update(&first, &[0, 1]).unwrap();
    assert_eq!(state.extreme_points, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    // The next front has less extreme members, so the previous extremes stay, and so do
    // the ideal and the nadir.
    let second = vec![vec![0.2, 0.9], vec![0.9, 0.2]];
    state.update(&second, &[0, 1]).unwrap();
    assert_eq!(state.ideal, vec![0.0, 0.0]);
    assert_eq!(state.extreme_points, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_close(&state.nadir, &[1.0, 1.0], 1e-12);
}

#[test]
fn normalization_rejects_other_objective_count() {
    let mut state = Normalization::default();
    state
        .update(&[vec![0.0, 1.0], vec![1.0, 0.0]], &[0, 1])
        .unwrap();
    let before = state.clone();
    let error = state.update(&[vec![0.0, 1.0, 2.0]], &[0]).unwrap_err();
    assert_eq!(
        error,
        Nsga3Error::StateDimension {
            field: "ideal",
            len: 2,
            n_obj: 3
        }
    );
    assert_eq!(state, before);
}

// Association.

#[test]
fn points_on_lines_associate_to_them() {
    let directions = das_dennis(3, 4).unwrap();
    let state = Normalization {
        ideal: vec![1.0, -2.0, 0.5],
        nadir: vec![3.0, 2.0, 1.5],
        ..Normalization::default()
    };
    let range: Vec<f64> = state
        .nadir
        .iter()
        .zip(&state.ideal)
        .map(|(high, low)| high - low)
        .collect();
    let points: Vec<Vec<f64>> = directions
        .iter()
        .enumerate()
        .map(|(k, direction)| {
            let length = 0.5 + k as f64 / 10.0;
            (0..3)
                .map(|i| state.ideal[i] + length * direction[i] * range[i])
                .collect()
        })
        .collect();
    let associations = associate(&points, &directions, &state).unwrap();
    for (k, association) in associations.iter().enumerate() {
        assert_eq!(association.niche, k, "point {:?}", points[k]);
        assert!(association.distance < 1e-12, "{association:?}");
    }
}

#[test]
fn association_distance_is_perpendicular() {
    let directions = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
    let state = Normalization {
        ideal: vec![0.0, 0.0],
        nadir: vec![2.0, 2.0],
        ..Normalization::default()
    };
    // (1.6, 0.6) normalizes to (0.8, 0.3): 0.3 from the first axis, 0.8 from the second.
    let associations = associate(&[vec![1.6, 0.6]], &directions, &state).unwrap();
    assert_eq!(associations[0].niche, 0);
    assert!((associations[0].distance - 0.3).abs() < 1e-12);
}

// Niching.

/// First front (0, 1), (1, 0), (0.2, 0.2), then a second front with one member on each of
/// the five lines of `das_dennis(2, 4)`. After normalization (ideal 0, nadir 1), the
/// second front's members on (0.75, 0.25) and (0.25, 0.75) are alone in their niches.
fn crowded_and_empty_niches() -> Vec<Vec<f64>> {
    vec![
        vec![0.0, 1.0],
        vec![1.0, 0.0],
        vec![0.2, 0.2],
        vec![0.05, 1.2],
        vec![0.3, 0.9],
        vec![0.6, 0.6],
        vec![0.9, 0.3],
        vec![1.2, 0.05],
    ]
}

#[test]
fn niching_prefers_empty_niches() {
    let directions = das_dennis(2, 4).unwrap();
    let objectives = crowded_and_empty_niches();
    for seed in 0..10 {
        let mut state = Normalization::default();
        let survivors = select_feasible(&objectives, 5, &directions, &mut state, seed);
        assert_eq!(&survivors[..3], &[0, 1, 2], "seed {seed}");
        assert_eq!(sorted(survivors[3..].to_vec()), vec![4, 6], "seed {seed}");
        assert_close(&state.nadir, &[1.0, 1.0], 1e-12);
    }
}

#[test]
fn niching_then_draws_from_equal_counts() {
    let directions = das_dennis(2, 4).unwrap();
    let objectives = crowded_and_empty_niches();
    let mut third_picks = Vec::new();
    for seed in 0..30 {
        let mut state = Normalization::default();
        let survivors = select_feasible(&objectives, 6, &directions, &mut state, seed);
        assert_eq!(survivors.len(), 6);
        assert_eq!(&survivors[..3], &[0, 1, 2], "seed {seed}");
        assert_eq!(sorted(survivors[3..5].to_vec()), vec![4, 6], "seed {seed}");
        third_picks.push(survivors[5]);
    }
    // Members 3, 5 and 7 each join a niche of count 1, so each is picked for some seed.
    for member in [3, 5, 7] {
        assert!(
            third_picks.contains(&member),
            "{member} never picked: {third_picks:?}"
        );
    }
}

#[test]
fn niching_spreads_cut_front() {
    // One front of 41 points on the quarter circle: 30 crowded near the first axis, then
    // one on each of the 11 lines of das_dennis(2, 10). Keeping 11 must cover every niche.
    let directions = das_dennis(2, 10).unwrap();
    let mut objectives: Vec<Vec<f64>> = (0..30)
        .map(|i| {
            let angle = FRAC_PI_2 * 0.002 * f64::from(i);
            vec![angle.cos(), angle.sin()]
        })
        .collect();
    objectives.extend(directions.iter().map(|direction| {
        let norm = direction.iter().map(|u| u * u).sum::<f64>().sqrt();
        direction.iter().map(|u| u / norm).collect::<Vec<f64>>()
    }));
    let mut state = Normalization::default();
    let survivors = select_feasible(&objectives, 11, &directions, &mut state, 3);
    let chosen: Vec<Vec<f64>> = survivors.iter().map(|&i| objectives[i].clone()).collect();
    let associations = associate(&chosen, &directions, &state).unwrap();
    let niches = sorted(associations.iter().map(|a| a.niche).collect());
    assert_eq!(niches, (0..11).collect::<Vec<_>>(), "{survivors:?}");
    for association in &associations {
        assert!(association.distance < 1e-12, "{association:?}");
    }
}

#[test]
fn select_repeats_with_same_seed() {
    let directions = das_dennis(3, 4).unwrap();
    let mut rng = stream_rng(9, 0, 0);
    let objectives: Vec<Vec<f64>> = (0..60)
        .map(|_| {
            let x: Vec<f64> = (0..3).map(|_| rng.random::<f64>()).collect();
            let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
            x.iter().map(|v| v / norm).collect()
        })
        .collect();
    let previous = Normalization {
        ideal: vec![0.0, 0.0, 0.0],
        worst: vec![1.0, 1.0, 1.0],
        extreme_points: vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
        ],
        nadir: vec![1.0, 1.0, 1.0],
    };
    let run = |seed| {
        let mut state = previous.clone();
        let survivors = select_feasible(&objectives, 20, &directions, &mut state, seed);
        (survivors, state)
    };
    let (first, first_state) = run(5);
    let (second, second_state) = run(5);
    assert_eq!(first, second);
    assert_eq!(first_state, second_state);
    let outcomes: Vec<Vec<usize>> = (0..10).map(|seed| sorted(run(seed).0)).collect();
    assert!(
        outcomes.iter().any(|outcome| *outcome != outcomes[0]),
        "every seed gave the same survivors"
    );
}

/// Generates a population of up to 40 members with 3 objectives on a coarse grid, so that ties and
/// duplicates are common, a violation per member (0 for most), and a survivor count.
fn random_population() -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<f64>, usize)> {
    let member = (
        prop::collection::vec(0_u8..4, 3),
        prop_oneof![4 => Just(0.0), 1 => 0.0..2.0_f64, 1 => Just(f64::INFINITY)],
    );
    (prop::collection::vec(member, 0..40), 0_usize..50).prop_map(|(members, size)| {
        let objectives = members
            .iter()
            .map(|(grid, _)| grid.iter().map(|&v| f64::from(v)).collect())
            .collect();
        let violations = members.iter().map(|(_, violation)| *violation).collect();
        (objectives, violations, size)
    })
}

proptest! {
    #[test]
    fn select_invariants(
        (objectives, violations, size) in random_population(),
        partitions in 1_usize..5,
        seed in any::<u64>(),
    ) {
        let directions = das_dennis(3, partitions).unwrap();
        let fronts = fast_non_dominated_sort(&objectives, &violations);
        let mut state = Normalization::default();
        let mut rng = stream_rng(seed, 0, 0);
        let survivors = select(
            &objectives, &violations, &fronts, size, &directions, &mut state, &mut rng,
        ).unwrap();
        prop_assert_eq!(survivors.len(), size.min(objectives.len()));
        let unique = sorted(survivors.clone());
        prop_assert!(unique.windows(2).all(|w| w[0] < w[1]), "repeated survivor {:?}", survivors);
        // Every front that fits next to the fronts before it survives whole.
        let mut before = 0;
        for front in &fronts {
            if before + front.len() > survivors.len() {
                break;
            }
            for index in front {
                prop_assert!(survivors.contains(index), "{} of a kept front is missing", index);
            }
            before += front.len();
        }
        // An infeasible member survives only when every feasible member does.
        let feasible = violations.iter().filter(|&&v| v == 0.0).count();
        let feasible_survivors = survivors.iter().filter(|&&i| violations[i] == 0.0).count();
        prop_assert_eq!(feasible_survivors, feasible.min(survivors.len()));
        let state_values = state.ideal.iter().chain(&state.worst).chain(&state.nadir);
        prop_assert!(state_values.clone().all(|v| v.is_finite()));
    }
}

// DTLZ2.

/// Distance variables of DTLZ2, the standard k = 10.
const DTLZ2_K: usize = 10;

/// DTLZ2 of Deb, Thiele, Laumanns and Zitzler: with g = Σ (x_i - 0.5)² over the last k
/// variables, f_1 = (1 + g) cos(x_1 π/2) ⋯ cos(x_{M-1} π/2) and f_m = (1 + g) cos(x_1 π/2)
/// ⋯ cos(x_{M-m} π/2) sin(x_{M-m+1} π/2). Its Pareto front is the unit sphere in the
/// positive orthant, reached when g = 0.
fn dtlz2(x: &[f64], n_obj: usize) -> Vec<f64> {
    let g: f64 = x[n_obj - 1..].iter().map(|v| (v - 0.5).powi(2)).sum();
    (0..n_obj)
        .map(|m| {
            let cosines = n_obj - 1 - m;
            let mut f = 1.0 + g;
            for &angle in &x[..cosines] {
                f *= (angle * FRAC_PI_2).cos();
            }
            if m > 0 {
                f *= (x[cosines] * FRAC_PI_2).sin();
            }
            f
        })
        .collect()
}

/// Runs a bare NSGA-III loop on DTLZ2 and returns the final objectives and the directions.
///
/// The population is the direction count rounded up to even. Parents are drawn uniformly,
/// as pymoo's tournament does among feasible members, and children come from SBX
/// (probability 1, index 30) and polynomial mutation (probability 1/n_var, index 20),
/// pymoo's NSGA-III defaults.
fn run_dtlz2(n_obj: usize, partitions: usize, generations: u64, seed: u64) -> Vec<Vec<f64>> {
    let n_var = n_obj - 1 + DTLZ2_K;
    let (lower, upper) = (vec![0.0; n_var], vec![1.0; n_var]);
    let bounds = Bounds {
        lower: &lower,
        upper: &upper,
    };
    let directions = das_dennis(n_obj, partitions).unwrap();
    let population = directions.len().next_multiple_of(2);
    let mut candidates: Vec<Vec<f64>> = (0..population)
        .map(|i| {
            let mut rng = stream_rng(seed, 0, i as u64);
            (0..n_var).map(|_| rng.random::<f64>()).collect()
        })
        .collect();
    let mut objectives: Vec<Vec<f64>> = candidates.iter().map(|x| dtlz2(x, n_obj)).collect();
    let mut state = Normalization::default();
    for generation in 1..=generations {
        for pair in 0..population / 2 {
            let mut rng = stream_rng(seed, generation, pair as u64);
            let mut first = candidates[rng.random_range(0..population)].clone();
            let mut second = candidates[rng.random_range(0..population)].clone();
            sbx_crossover(&mut rng, &mut first, &mut second, bounds, 1.0, 30.0);
            for child in [&mut first, &mut second] {
                polynomial_mutation(&mut rng, child, bounds, 1.0 / n_var as f64, 20.0);
            }
            objectives.push(dtlz2(&first, n_obj));
            objectives.push(dtlz2(&second, n_obj));
            candidates.push(first);
            candidates.push(second);
        }
        let violations = vec![0.0; candidates.len()];
        let fronts = fast_non_dominated_sort(&objectives, &violations);
        let mut rng = stream_rng(seed, generation, u64::MAX);
        let survivors = select(
            &objectives,
            &violations,
            &fronts,
            population,
            &directions,
            &mut state,
            &mut rng,
        )
        .unwrap();
        candidates = survivors.iter().map(|&i| candidates[i].clone()).collect();
        objectives = survivors.iter().map(|&i| objectives[i].clone()).collect();
    }
    objectives
}

/// Returns the largest distance of a point from the unit sphere.
fn max_sphere_gap(points: &[Vec<f64>]) -> f64 {
    points
        .iter()
        .map(|f| (f.iter().map(|v| v * v).sum::<f64>().sqrt() - 1.0).abs())
        .fold(0.0, f64::max)
}

/// Returns the IGD of `points` to the reference directions scaled onto the unit sphere,
/// the optimal NSGA-III points of DTLZ2: the mean distance from each target to its nearest
/// point.
fn igd_to_directions(points: &[Vec<f64>], n_obj: usize, partitions: usize) -> f64 {
    let directions = das_dennis(n_obj, partitions).unwrap();
    let total: f64 = directions
        .iter()
        .map(|direction| {
            let norm = direction.iter().map(|u| u * u).sum::<f64>().sqrt();
            points
                .iter()
                .map(|f| {
                    let squared: f64 = f
                        .iter()
                        .zip(direction)
                        .map(|(v, u)| (v - u / norm).powi(2))
                        .sum();
                    squared.sqrt()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .sum();
    total / directions.len() as f64
}

#[test]
fn dtlz2_three_objectives() {
    let points = run_dtlz2(3, 12, 250, 1);
    let gap = max_sphere_gap(&points);
    let igd = igd_to_directions(&points, 3, 12);
    println!("DTLZ2 M=3: max sphere gap {gap:.4}, IGD {igd:.4}");
    assert!(gap < 0.05, "max distance from the unit sphere {gap}");
    assert!(igd < 0.1, "IGD {igd}");
}

#[test]
fn dtlz2_five_objectives() {
    let points = run_dtlz2(5, 6, 350, 2);
    let gap = max_sphere_gap(&points);
    let igd = igd_to_directions(&points, 5, 6);
    println!("DTLZ2 M=5: max sphere gap {gap:.4}, IGD {igd:.4}");
    assert!(gap < 0.05, "max distance from the unit sphere {gap}");
    assert!(igd < 0.1, "IGD {igd}");
}

#[test]
fn dtlz2_run_repeats() {
    assert_eq!(run_dtlz2(3, 4, 10, 5), run_dtlz2(3, 4, 10, 5));
}
