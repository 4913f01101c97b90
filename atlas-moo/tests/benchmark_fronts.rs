//! The search on the standard test problems with the usual benchmark settings: population
//! 100, 250 generations, SBX with probability 0.9 and index 15, polynomial mutation with
//! index 20 and probability 1/n_var, five seeds, reference point 1.1 in every objective.
//!
//! The thresholds sit 0.002 (0.01 for DTLZ2) below the medians pymoo 0.6.2 reaches with
//! these settings: 0.8697 on ZDT1, 0.5364 on ZDT2, 1.3276 on ZDT3 and 0.7067 on DTLZ2 with
//! three objectives.

use atlas_moo::indicators::{hypervolume, igd};
use atlas_moo::nsga2::{run, Algorithm, Nsga2Config, Nsga2Result};
use atlas_moo::test_problems::{by_name, KnownFront, Zdt1};

fn benchmark_config(seed: u64) -> Nsga2Config {
    Nsga2Config {
        population: 100,
        generations: 250,
        crossover_probability: 0.9,
        crossover_eta: 15.0,
        mutation_eta: 20.0,
        mutation_probability: None,
        seed,
        ..Nsga2Config::default()
    }
}

fn front_points(result: &Nsga2Result) -> Vec<Vec<f64>> {
    result.front.iter().map(|s| s.objectives.clone()).collect()
}

/// Returns the median hypervolume over seeds 1 to 5, and every final front.
fn median_hypervolume(problem: &dyn KnownFront) -> (f64, Vec<Nsga2Result>) {
    let reference = problem.hypervolume_reference();
    let results: Vec<Nsga2Result> = (1..=5)
        .map(|seed| run(problem, &benchmark_config(seed), None).unwrap())
        .collect();
    let mut values: Vec<f64> = results
        .iter()
        .map(|result| hypervolume(&front_points(result), &reference).unwrap())
        .collect();
    println!(
        "{} hypervolumes for seeds 1..=5: {values:?}",
        problem.name()
    );
    values.sort_by(f64::total_cmp);
    (values[2], results)
}

fn assert_median_at_least(name: &str, n_obj: Option<usize>, threshold: f64) -> Vec<Nsga2Result> {
    let problem = by_name(name, None, n_obj).unwrap();
    let (median, results) = median_hypervolume(problem.as_ref());
    let truth = problem.known_hypervolume().unwrap();
    assert!(
        median >= threshold,
        "{name}: median hypervolume {median} is below {threshold}"
    );
    assert!(
        median <= truth,
        "{name}: median {median} exceeds the true front's {truth}"
    );
    for result in &results {
        assert_eq!(result.evaluations, 100 * 251);
    }
    results
}

#[test]
fn zdt1_median_hypervolume() {
    assert_median_at_least("zdt1", None, 0.8677);
}

#[test]
fn zdt2_median_hypervolume() {
    assert_median_at_least("zdt2", None, 0.5344);
}

#[test]
fn zdt3_median_hypervolume() {
    assert_median_at_least("zdt3", None, 1.3256);
}

/// Returns the largest distance of a front point from the unit sphere, and the share of
/// points farther than 0.01.
fn sphere_distances(points: &[Vec<f64>]) -> (f64, f64) {
    let distances: Vec<f64> = points
        .iter()
        .map(|point| (point.iter().map(|v| v * v).sum::<f64>().sqrt() - 1.0).abs())
        .collect();
    let worst = distances.iter().copied().fold(0.0, f64::max);
    let far = distances.iter().filter(|d| **d > 0.01).count();
    (worst, far as f64 / distances.len() as f64)
}

#[test]
fn dtlz2_median_hypervolume() {
    let results = assert_median_at_least("dtlz2", Some(3), 0.6967);
    for result in &results {
        let (worst, far) = sphere_distances(&front_points(result));
        println!("NSGA-II on DTLZ2: worst distance {worst}, share beyond 0.01 {far}");
        // NOTE: after 250 generations some points still lie up to about 0.05 from the
        // sphere. pymoo 0.6.2's fronts with the same settings reach 0.02 to 0.04.
        assert!(worst <= 0.06, "a point lies {worst} from the unit sphere");
    }
}

#[test]
fn nsga3_converges_on_dtlz2() {
    let problem = by_name("dtlz2", None, Some(3)).unwrap();
    for seed in 1..=5 {
        let config = Nsga2Config {
            algorithm: Algorithm::Nsga3,
            ..benchmark_config(seed)
        };
        let result = run(problem.as_ref(), &config, None).unwrap();
        let points = front_points(&result);
        let (worst, far) = sphere_distances(&points);
        println!("NSGA-III on DTLZ2, seed {seed}: worst distance {worst}, share beyond 0.01 {far}");
        assert!(
            worst <= 0.02,
            "seed {seed}: a point lies {worst} from the sphere"
        );
        assert!(
            far <= 0.03,
            "seed {seed}: {far} of the points lie beyond 0.01"
        );
        let value = hypervolume(&points, &[1.1; 3]).unwrap();
        assert!(value >= 0.74, "seed {seed}: hypervolume {value}");
    }
}

#[test]
fn nsga3_covers_five_objective_dtlz2() {
    let problem = by_name("dtlz2", None, Some(5)).unwrap();
    let truth = problem.front_sample(2000).unwrap();
    let config = Nsga2Config {
        population: 212,
        generations: 300,
        ..benchmark_config(1)
    };
    let result = run(problem.as_ref(), &config, None).unwrap();
    assert_eq!(result.algorithm, Algorithm::Nsga3);
    assert!(
        result.archive.is_empty(),
        "the archive is off beyond three objectives"
    );
    let points = front_points(&result);
    assert!(points.len() >= 150, "front of {} points", points.len());
    let (worst, far) = sphere_distances(&points);
    println!("NSGA-III on five-objective DTLZ2: worst distance {worst}, beyond 0.01 {far}");
    assert!(
        far <= 0.25,
        "{far} of the points lie beyond 0.01 of the sphere"
    );
    assert!(worst <= 0.1, "a point lies {worst} from the sphere");
    let distance = igd(&points, &truth).unwrap();
    println!("NSGA-III IGD on five-objective DTLZ2: {distance}");
    // NSGA-II on the same budget spreads the front worse, which is why auto switches.
    let crowding = Nsga2Config {
        algorithm: Algorithm::Nsga2,
        ..config
    };
    let nsga2 = run(problem.as_ref(), &crowding, None).unwrap();
    let nsga2_distance = igd(&front_points(&nsga2), &truth).unwrap();
    println!("NSGA-II IGD on five-objective DTLZ2: {nsga2_distance}");
    assert!(distance < nsga2_distance, "{distance} vs {nsga2_distance}");
    assert!(distance < 0.2, "IGD {distance}");
}

#[test]
fn analytic_zdt1_front_hypervolume() {
    let truth = 0.1 + 2.0 / 3.0 + 0.11;
    let points: Vec<Vec<f64>> = Zdt1::pareto_front(10_001)
        .iter()
        .map(|p| p.to_vec())
        .collect();
    let value = hypervolume(&points, &[1.1, 1.1]).unwrap();
    // A sampled front lies below the continuous one by less than the step width, 1e-4.
    assert!(value < truth, "{value}");
    assert!(value > truth - 1e-4, "{value}");
}

#[test]
fn identical_across_threads() {
    for (name, n_obj) in [("zdt1", None), ("dtlz2", Some(4))] {
        let problem = by_name(name, None, n_obj).unwrap();
        let config = Nsga2Config {
            generations: 50,
            batch_size: 16,
            ..benchmark_config(7)
        };
        let run_on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| run(problem.as_ref(), &config, None))
                .unwrap()
        };
        let (single, double) = (run_on(1), run_on(2));
        let bits = |result: &Nsga2Result| -> Vec<u64> {
            let solutions = result.population.iter().chain(&result.front);
            let values =
                solutions.flat_map(|s| s.x.iter().chain(&s.objectives).chain([&s.violation]));
            values.map(|value| value.to_bits()).collect()
        };
        assert_eq!(bits(&single), bits(&double), "{name}");
        assert_eq!(single.history, double.history, "{name}");
    }
}
