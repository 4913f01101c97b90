//! Benchmarks of the Pareto engine: non-dominated sorting, exact hypervolume and one
//! NSGA-II generation.
//!
//! Run with `cargo bench --bench pareto`. Point sets are seeded, so every run measures the
//! same inputs: `uniform` draws each coordinate uniformly from [0, 1), so most points are
//! dominated; `sphere` puts every point on the positive unit sphere, so none is.

use std::sync::Mutex;

use atlas::moo::indicators::hypervolume;
use atlas::moo::nsga2::ranking::{fast_non_dominated_sort, non_dominated_sort};
use atlas::moo::nsga2::{self, Checkpoint, CheckpointError, Nsga2Config, RunOptions};
use atlas::moo::test_problems::Zdt1;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn uniform(count: usize, n_obj: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| (0..n_obj).map(|_| rng.random::<f64>()).collect())
        .collect()
}

fn sphere(count: usize, n_obj: usize, seed: u64) -> Vec<Vec<f64>> {
    uniform(count, n_obj, seed)
        .into_iter()
        .map(|point| {
            let shifted: Vec<f64> = point.iter().map(|v| v + 1e-3).collect();
            let norm = shifted.iter().map(|v| v * v).sum::<f64>().sqrt();
            shifted.iter().map(|v| v / norm).collect()
        })
        .collect()
}

fn sorting(c: &mut Criterion) {
    let mut group = c.benchmark_group("non-dominated sort");
    group.sample_size(10);
    for n_obj in [2, 3] {
        let points = uniform(10_000, n_obj, 1);
        let feasible = vec![0.0; points.len()];
        let id = format!("10000 uniform, {n_obj} objectives");
        group.bench_function(BenchmarkId::new("ens", &id), |b| {
            b.iter(|| non_dominated_sort(&points, &feasible))
        });
        group.bench_function(BenchmarkId::new("deb fast sort", &id), |b| {
            b.iter(|| fast_non_dominated_sort(&points, &feasible))
        });
    }
    group.finish();
}

fn hypervolumes(c: &mut Criterion) {
    let mut group = c.benchmark_group("hypervolume");
    group.sample_size(10);
    for n_obj in [2, 3, 5] {
        let reference = vec![1.1; n_obj];
        for count in [1_000, 10_000] {
            for (shape, points) in [
                ("uniform", uniform(count, n_obj, 2)),
                ("sphere", sphere(count, n_obj, 3)),
            ] {
                let id = format!("{count} {shape}, {n_obj} objectives");
                group.bench_function(id, |b| {
                    b.iter(|| hypervolume(&points, &reference).expect("valid points"))
                });
            }
        }
    }
    group.finish();
}

/// Times generation 101 of ZDT1 (30 variables, population 100): the run resumes from a
/// checkpoint taken after generation 100 and stops after one more.
fn generation(c: &mut Criterion) {
    let problem = Zdt1::new(30).expect("30 variables");
    let config = Nsga2Config {
        generations: 100,
        seed: 1,
        ..Nsga2Config::default()
    };
    let saved = Mutex::new(None);
    let save = |checkpoint: &Checkpoint| -> Result<(), CheckpointError> {
        *saved.lock().expect("no other holder") = Some(checkpoint.clone());
        Ok(())
    };
    let options = RunOptions {
        save_checkpoint: Some(&save),
        ..RunOptions::default()
    };
    nsga2::run_with(&problem, &config, options).expect("run");
    let checkpoint = saved.into_inner().expect("no other holder").expect("saved");
    let next = Nsga2Config {
        generations: 101,
        ..config
    };
    let mut group = c.benchmark_group("nsga2");
    group.bench_function("one generation, zdt1 pop 100", |b| {
        let options = RunOptions {
            resume: Some(&checkpoint),
            ..RunOptions::default()
        };
        b.iter(|| nsga2::run_with(&problem, &next, options).expect("run"))
    });
    group.finish();
}

// Criterion's plots would look up a system font, which the embedded-font build of plotters lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = sorting, hypervolumes, generation
}
criterion_main!(benches);
