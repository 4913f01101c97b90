//! NSGA-II on ZDT1 with the usual benchmark settings. The final fronts must come close to
//! the analytic front, and a seed must give the same run on any number of threads.

use atlas_moo::indicators::hypervolume;
use atlas_moo::nsga2::{run, Nsga2Config, Nsga2Result};
use atlas_moo::test_problems::Zdt1;

const REFERENCE: [f64; 2] = [1.1, 1.1];

/// Hypervolume of the analytic ZDT1 front for reference (1.1, 1.1):
/// the integral of 0.1 + sqrt(f1) over [0, 1] plus the strip 0.1 x 1.1 beyond f1 = 1.
const TRUE_FRONT_HYPERVOLUME: f64 = 0.1 + 2.0 / 3.0 + 0.11;

/// Returns the benchmark settings for ZDT1 with 30 variables: 100 members, 250 generations,
/// SBX with probability 0.9 and index 15, and mutation with index 20 and probability 1/30.
fn zdt1_config(seed: u64) -> Nsga2Config {
    Nsga2Config {
        population: 100,
        generations: 250,
        crossover_probability: 0.9,
        crossover_eta: 15.0,
        mutation_eta: 20.0,
        mutation_probability: Some(1.0 / 30.0),
        seed,
        ..Nsga2Config::default()
    }
}

fn front_hypervolume(result: &Nsga2Result) -> f64 {
    let points: Vec<Vec<f64>> = result.front.iter().map(|s| s.objectives.clone()).collect();
    hypervolume(&points, &REFERENCE).unwrap()
}

#[test]
fn analytic_front_hypervolume() {
    let points: Vec<Vec<f64>> = Zdt1::pareto_front(10_001)
        .iter()
        .map(|p| p.to_vec())
        .collect();
    let value = hypervolume(&points, &REFERENCE).unwrap();
    // A sampled front lies below the continuous one by less than the step width, 1e-4.
    assert!(value < TRUE_FRONT_HYPERVOLUME, "{value}");
    assert!(value > TRUE_FRONT_HYPERVOLUME - 1e-4, "{value}");
}

#[test]
fn zdt1_median_hypervolume() {
    let problem = Zdt1::new(30).unwrap();
    let mut values: Vec<f64> = (1..=5)
        .map(|seed| {
            let result = run(&problem, &zdt1_config(seed), None).unwrap();
            assert_eq!(result.evaluations, 100 * 251);
            front_hypervolume(&result)
        })
        .collect();
    println!("ZDT1 hypervolumes for seeds 1..=5: {values:?}");
    values.sort_by(f64::total_cmp);
    let median = values[2];
    println!("median {median:.5}, analytic front {TRUE_FRONT_HYPERVOLUME:.5}");
    assert!(
        median >= 0.865,
        "median hypervolume {median} is below 0.865"
    );
    assert!(
        median <= TRUE_FRONT_HYPERVOLUME,
        "median {median} exceeds the analytic front"
    );
}

#[test]
fn zdt1_identical_across_threads() {
    let problem = Zdt1::new(30).unwrap();
    let config = Nsga2Config {
        generations: 50,
        batch_size: 16,
        ..zdt1_config(7)
    };
    let run_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(&problem, &config, None)).unwrap()
    };
    let (single, double) = (run_on(1), run_on(2));
    let bits = |result: &Nsga2Result| -> Vec<u64> {
        let solutions = result.population.iter().chain(&result.front);
        let values = solutions.flat_map(|s| s.x.iter().chain(&s.objectives).chain([&s.violation]));
        values.map(|value| value.to_bits()).collect()
    };
    assert_eq!(bits(&single), bits(&double));
    assert_eq!(single.front.len(), double.front.len());
    assert_eq!(single.history, double.history);
}
