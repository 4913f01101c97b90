//! Property tests of the fast non-dominated sort: it must return exactly the fronts of a
//! brute-force sort and of Deb's `fast_non_dominated_sort`, on populations full of ties,
//! duplicates and infeasible members.

use atlas_moo::nsga2::ranking::{
    constrained_dominates, fast_non_dominated_sort, first_front, non_dominated_sort,
};
use proptest::prelude::*;

/// Sorts by definition: each round removes the members that no remaining member
/// constrained-dominates. If every remaining member is dominated, which takes a cycle of
/// domination, the rest are dropped, as in Deb's sort.
fn brute_force_sort(objectives: &[Vec<f64>], violations: &[f64]) -> Vec<Vec<usize>> {
    let n = objectives.len().min(violations.len());
    let dominates = |a: usize, b: usize| {
        constrained_dominates(&objectives[a], violations[a], &objectives[b], violations[b])
    };
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut fronts = Vec::new();
    loop {
        let (front, rest): (Vec<usize>, Vec<usize>) = remaining
            .iter()
            .partition(|&&b| !remaining.iter().any(|&a| dominates(a, b)));
        if front.is_empty() {
            return fronts;
        }
        fronts.push(front);
        remaining = rest;
    }
}

/// Checks both new functions against the brute-force sort and against Deb's sort.
fn check_sorts(objectives: &[Vec<f64>], violations: &[f64]) -> Result<(), TestCaseError> {
    let expected = brute_force_sort(objectives, violations);
    prop_assert_eq!(&fast_non_dominated_sort(objectives, violations), &expected);
    prop_assert_eq!(&non_dominated_sort(objectives, violations), &expected);
    let expected_first = expected.first().cloned().unwrap_or_default();
    prop_assert_eq!(first_front(objectives, violations), expected_first);
    Ok(())
}

/// Generates an objective on the grid 0..grid, now and then -0.0 or an infinity.
fn objective_value(grid: u8) -> impl Strategy<Value = f64> {
    prop_oneof![
        40 => (0..grid).prop_map(f64::from),
        1 => Just(-0.0),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

/// Generates a sanitized violation: mostly 0, otherwise one of a few shared levels or +inf.
fn violation() -> impl Strategy<Value = f64> {
    prop_oneof![
        14 => Just(0.0),
        1 => Just(-0.0),
        2 => Just(0.25),
        2 => Just(1.0),
        1 => Just(3.0),
        1 => Just(f64::INFINITY),
    ]
}

/// Generates a population of up to `max_size` members with 1 to 6 objectives on a grid of 1 to 5
/// values. A member with violation +inf has a NaN first objective when its flag is set, as
/// `sanitize_violation` allows.
fn population(max_size: usize) -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<f64>)> {
    (1_usize..=6, 1_u8..=5, 0..=max_size)
        .prop_flat_map(|(n_obj, grid, size)| {
            let row = prop::collection::vec(objective_value(grid), n_obj);
            let member = (row, violation(), any::<bool>());
            prop::collection::vec(member, size)
        })
        .prop_map(|members| {
            let mut objectives = Vec::with_capacity(members.len());
            let mut violations = Vec::with_capacity(members.len());
            for (mut row, violation, nan_objective) in members {
                if nan_objective && violation == f64::INFINITY {
                    row[0] = f64::NAN;
                }
                objectives.push(row);
                violations.push(violation);
            }
            (objectives, violations)
        })
}

/// Generates 500 to 1500 rows of objectives in [0, 1), which give many small fronts.
fn continuous_population() -> impl Strategy<Value = Vec<Vec<f64>>> {
    (2_usize..=5).prop_flat_map(|n_obj| {
        let row = prop::collection::vec(0.0..1.0_f64, n_obj);
        prop::collection::vec(row, 500..=1500)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn sorts_agree_on_grid_populations((objectives, violations) in population(300)) {
        check_sorts(&objectives, &violations)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn sorts_agree_on_continuous_populations(objectives in continuous_population()) {
        let violations = vec![0.0; objectives.len()];
        let expected = fast_non_dominated_sort(&objectives, &violations);
        prop_assert_eq!(&non_dominated_sort(&objectives, &violations), &expected);
        let expected_first = expected.first().cloned().unwrap_or_default();
        prop_assert_eq!(first_front(&objectives, &violations), expected_first);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Inputs that `sanitize_violation` would have changed: NaN and negative violations,
    /// NaN objectives of feasible members, and rows of different lengths.
    #[test]
    fn sorts_agree_on_unsanitized_input(
        rows in prop::collection::vec(
            prop::collection::vec(prop_oneof![8 => (0..3_u8).prop_map(f64::from), 1 => Just(f64::NAN)], 2..=4),
            0..=60,
        ),
        violations in prop::collection::vec(
            prop_oneof![8 => Just(0.0), 1 => Just(f64::NAN), 1 => Just(-1.0), 1 => Just(0.5)],
            0..=60,
        ),
    ) {
        check_sorts(&rows, &violations)?;
    }
}

/// Points on the positive part of the unit sphere, where no point dominates another.
fn sphere_points(size: usize) -> Vec<Vec<f64>> {
    (0..size)
        .map(|index| {
            let t = (index as f64 + 0.5) / size as f64;
            let azimuth = t * std::f64::consts::FRAC_PI_2;
            let polar =
                (index as f64 * 0.618_033_988_749_894_9).fract() * std::f64::consts::FRAC_PI_2;
            vec![
                polar.sin() * azimuth.cos(),
                polar.sin() * azimuth.sin(),
                polar.cos(),
            ]
        })
        .collect()
}

#[test]
fn concave_front_is_one_front() {
    let objectives = sphere_points(2000);
    let violations = vec![0.0; objectives.len()];
    let everyone: Vec<usize> = (0..objectives.len()).collect();
    assert_eq!(
        fast_non_dominated_sort(&objectives, &violations),
        vec![everyone.clone()]
    );
    assert_eq!(
        non_dominated_sort(&objectives, &violations),
        vec![everyone.clone()]
    );
    assert_eq!(first_front(&objectives, &violations), everyone);
}

#[test]
fn first_front_under_a_dominating_point() {
    // A point at the origin dominates the whole sphere.
    let mut objectives = sphere_points(500);
    objectives.push(vec![0.0, 0.0, 0.0]);
    let violations = vec![0.0; objectives.len()];
    assert_eq!(first_front(&objectives, &violations), vec![500]);
    let fronts = non_dominated_sort(&objectives, &violations);
    assert_eq!(fronts.len(), 2);
    assert_eq!(fronts[0], vec![500]);
    assert_eq!(fronts[1].len(), 500);
}
