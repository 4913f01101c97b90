use super::*;
use crate::nsga2::operators::stream_rng;
use crate::nsga2::ranking::fast_non_dominated_sort;

/// Runs `select` with fronts from constrained domination, a fresh state and seed 1.
fn select_fresh(
    objectives: &[Vec<f64>],
    violations: &[f64],
    size: usize,
    directions: &[Vec<f64>],
) -> Result<Vec<usize>, Nsga3Error> {
    let fronts = fast_non_dominated_sort(objectives, violations);
    let mut state = Normalization::default();
    let mut rng = stream_rng(1, 0, 0);
    select(
        objectives, violations, &fronts, size, directions, &mut state, &mut rng,
    )
}

fn sorted(mut indices: Vec<usize>) -> Vec<usize> {
    indices.sort_unstable();
    indices
}

#[test]
fn select_rejects_bad_directions() {
    let objectives = vec![vec![0.0, 1.0]];
    let result = select_fresh(&objectives, &[0.0], 1, &[]);
    assert_eq!(result, Err(Nsga3Error::NoDirections));
    let uneven = vec![vec![1.0, 0.0], vec![0.5, 0.25, 0.25]];
    let result = select_fresh(&objectives, &[0.0], 1, &uneven);
    assert_eq!(
        result,
        Err(Nsga3Error::DirectionDimension {
            index: 1,
            len: 3,
            n_obj: 2
        })
    );
    for bad in [
        [0.0, 0.0],
        [-1.0, 2.0],
        [f64::NAN, 1.0],
        [f64::INFINITY, 1.0],
    ] {
        let directions = vec![vec![1.0, 0.0], bad.to_vec()];
        let result = select_fresh(&objectives, &[0.0], 1, &directions);
        assert_eq!(
            result,
            Err(Nsga3Error::InvalidDirection { index: 1 }),
            "{bad:?}"
        );
    }
}

#[test]
fn select_rejects_bad_members() {
    let directions = das_dennis(2, 2).unwrap();
    let result = select_fresh(&[vec![0.0, 1.0]], &[0.0, 0.0], 1, &directions);
    assert_eq!(
        result,
        Err(Nsga3Error::LengthMismatch {
            objectives: 1,
            violations: 2
        })
    );
    let result = select_fresh(&[vec![0.0, 1.0, 2.0]], &[0.0], 1, &directions);
    assert_eq!(
        result,
        Err(Nsga3Error::ObjectiveDimension {
            index: 0,
            len: 3,
            n_obj: 2
        })
    );
    let objectives = vec![vec![0.0, 1.0], vec![f64::NAN, 1.0]];
    let result = select_fresh(&objectives, &[0.0, 0.0], 1, &directions);
    assert_eq!(result, Err(Nsga3Error::NonFiniteObjective { index: 1 }));
    // An infeasible member may have NaN objectives.
    let result = select_fresh(&objectives, &[0.0, f64::INFINITY], 2, &directions);
    assert_eq!(result, Ok(vec![0, 1]));
}

#[test]
fn select_rejects_bad_fronts() {
    let directions = das_dennis(2, 2).unwrap();
    let objectives = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
    let mut rng = stream_rng(1, 0, 0);
    let cases = [
        (
            vec![vec![0, 2]],
            Nsga3Error::FrontIndexOutOfRange {
                index: 2,
                members: 2,
            },
        ),
        (
            vec![vec![0], vec![0, 1]],
            Nsga3Error::FrontIndexRepeated { index: 0 },
        ),
        (vec![vec![1]], Nsga3Error::FrontIndexMissing { index: 0 }),
    ];
    for (fronts, expected) in cases {
        let mut state = Normalization::default();
        let result = select(
            &objectives,
            &[0.0, 0.0],
            &fronts,
            1,
            &directions,
            &mut state,
            &mut rng,
        );
        assert_eq!(result, Err(expected), "{fronts:?}");
        assert_eq!(state, Normalization::default());
    }
}

#[test]
fn select_rejects_state_of_other_problem() {
    let directions = das_dennis(2, 2).unwrap();
    let objectives = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
    let fronts = vec![vec![0, 1]];
    let mut rng = stream_rng(1, 0, 0);
    let mut state = Normalization {
        ideal: vec![0.0; 3],
        ..Normalization::default()
    };
    let result = select(
        &objectives,
        &[0.0, 0.0],
        &fronts,
        1,
        &directions,
        &mut state,
        &mut rng,
    );
    let expected = Nsga3Error::StateDimension {
        field: "ideal",
        len: 3,
        n_obj: 2,
    };
    assert_eq!(result, Err(expected));
    let mut state = Normalization {
        worst: vec![f64::NAN, 0.0],
        ..Normalization::default()
    };
    let result = select(
        &objectives,
        &[0.0, 0.0],
        &fronts,
        1,
        &directions,
        &mut state,
        &mut rng,
    );
    assert_eq!(result, Err(Nsga3Error::StateNotFinite { field: "worst" }));
}

#[test]
fn select_of_empty_population() {
    let directions = das_dennis(3, 2).unwrap();
    assert_eq!(select_fresh(&[], &[], 5, &directions), Ok(vec![]));
}

#[test]
fn select_with_zero_size() {
    let directions = das_dennis(2, 2).unwrap();
    let objectives = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
    assert_eq!(
        select_fresh(&objectives, &[0.0, 0.0], 0, &directions),
        Ok(vec![])
    );
}

#[test]
fn select_of_single_point() {
    let directions = das_dennis(3, 3).unwrap();
    let objectives = vec![vec![1.0, 2.0, 3.0]];
    assert_eq!(
        select_fresh(&objectives, &[0.0], 1, &directions),
        Ok(vec![0])
    );
    assert_eq!(
        select_fresh(&objectives, &[0.0], 4, &directions),
        Ok(vec![0])
    );
}

#[test]
fn select_of_equal_points() {
    let directions = das_dennis(3, 3).unwrap();
    let objectives = vec![vec![2.0, 2.0, 2.0]; 8];
    let survivors = select_fresh(&objectives, &[0.0; 8], 5, &directions).unwrap();
    assert_eq!(survivors.len(), 5);
    assert_eq!(
        sorted(survivors.clone())
            .windows(2)
            .filter(|w| w[0] == w[1])
            .count(),
        0
    );
}

#[test]
fn select_with_duplicates_in_cut_front() {
    let directions = das_dennis(2, 4).unwrap();
    let objectives = vec![
        vec![0.0, 1.0],
        vec![0.0, 1.0],
        vec![0.5, 0.5],
        vec![0.5, 0.5],
        vec![1.0, 0.0],
        vec![1.0, 0.0],
    ];
    let survivors = select_fresh(&objectives, &[0.0; 6], 3, &directions).unwrap();
    // One copy of each distinct point fills an empty niche before any second copy.
    let distinct: Vec<usize> = sorted(survivors.iter().map(|&index| index / 2).collect());
    assert_eq!(distinct, vec![0, 1, 2], "{survivors:?}");
}

#[test]
fn select_with_flat_objective() {
    // The third objective has zero range, so its nadir range is replaced.
    let directions = das_dennis(3, 4).unwrap();
    let objectives: Vec<Vec<f64>> = (0..10)
        .map(|i| {
            let t = f64::from(i) / 9.0;
            vec![t, 1.0 - t, 5.0]
        })
        .collect();
    let survivors = select_fresh(&objectives, &[0.0; 10], 4, &directions).unwrap();
    assert_eq!(survivors.len(), 4);
    assert_eq!(
        sorted(survivors.clone())
            .windows(2)
            .filter(|w| w[0] == w[1])
            .count(),
        0
    );
}

#[test]
fn select_fills_with_least_violation() {
    let directions = das_dennis(2, 2).unwrap();
    let objectives = vec![
        vec![5.0, 5.0],
        vec![0.0, 0.0],
        vec![1.0, 1.0],
        vec![2.0, 2.0],
        vec![3.0, 3.0],
    ];
    let violations = [0.0, 0.3, f64::INFINITY, 0.1, 0.1];
    let survivors = select_fresh(&objectives, &violations, 4, &directions).unwrap();
    assert_eq!(survivors, vec![0, 3, 4, 1]);
    let survivors = select_fresh(&objectives, &violations, 9, &directions).unwrap();
    assert_eq!(survivors, vec![0, 3, 4, 1, 2]);
}

#[test]
fn select_without_feasible_keeps_state() {
    let directions = das_dennis(2, 2).unwrap();
    let objectives = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
    let violations = [0.2, 0.1];
    let fronts = fast_non_dominated_sort(&objectives, &violations);
    let mut state = Normalization::default();
    let mut rng = stream_rng(1, 0, 0);
    let survivors = select(
        &objectives,
        &violations,
        &fronts,
        1,
        &directions,
        &mut state,
        &mut rng,
    );
    assert_eq!(survivors, Ok(vec![1]));
    assert_eq!(state, Normalization::default());
}

#[test]
fn select_ignores_order_within_fronts() {
    let directions = das_dennis(2, 3).unwrap();
    let objectives = vec![
        vec![0.0, 1.0],
        vec![0.3, 0.7],
        vec![1.0, 0.0],
        vec![2.0, 2.0],
    ];
    let violations = [0.0; 4];
    let run = |fronts: &[Vec<usize>]| {
        let mut state = Normalization::default();
        let mut rng = stream_rng(4, 0, 0);
        select(
            &objectives,
            &violations,
            fronts,
            2,
            &directions,
            &mut state,
            &mut rng,
        )
    };
    // Each of the three first-front members has a niche of its own, so the cut is random.
    let ascending = run(&[vec![0, 1, 2], vec![3]]);
    assert_eq!(ascending.as_ref().map(Vec::len), Ok(2));
    assert_eq!(run(&[vec![2, 0, 1], vec![3]]), ascending);
}

#[test]
fn associate_needs_updated_state() {
    let directions = das_dennis(2, 2).unwrap();
    let result = associate(&[vec![0.0, 1.0]], &directions, &Normalization::default());
    assert_eq!(result, Err(Nsga3Error::StateEmpty));
}

#[test]
fn update_rejects_empty_front() {
    let mut state = Normalization::default();
    assert_eq!(state.update(&[], &[]), Err(Nsga3Error::EmptyFront));
    assert_eq!(state.update(&[vec![1.0]], &[]), Err(Nsga3Error::EmptyFront));
    assert_eq!(
        state.update(&[vec![1.0]], &[1]),
        Err(Nsga3Error::FrontIndexOutOfRange {
            index: 1,
            members: 1
        })
    );
    assert_eq!(state, Normalization::default());
}
