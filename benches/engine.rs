//! Benchmarks of the hot paths: repair, the weighted-sum solve and NSGA-II.
//!
//! Run with `cargo bench --bench engine`.

use std::path::PathBuf;

use atlas::core::{Problem, ScenarioFile};
use atlas::moo::nsga2::{self, Nsga2Config};
use atlas::moo::test_problems::Zdt1;
use atlas::moo::{BudgetProblem, MultiObjectiveOptimizer};
use criterion::{criterion_group, criterion_main, Criterion};

fn example() -> Problem {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/marketing/scenario.toml");
    ScenarioFile::read(&path)
        .and_then(|file| file.build())
        .expect("the bundled example builds")
}

fn repair(c: &mut Criterion) {
    let problem = example();
    let start = vec![900_000.0, 10.0, 250_000.0, 50_000.0, 400_000.0, 3.0];
    c.bench_function("repair marketing example", |b| {
        b.iter(|| {
            let mut plan = start.clone();
            problem.repair(&mut plan).expect("the example is feasible");
            plan
        })
    });
}

fn weighted_sum(c: &mut Criterion) {
    let problem = example();
    c.bench_function("optimize marketing example", |b| {
        b.iter(|| {
            let optimizer = MultiObjectiveOptimizer::new(&problem).expect("payoff table");
            optimizer.optimize().expect("solve")
        })
    });
}

fn pareto(c: &mut Criterion) {
    let mut group = c.benchmark_group("nsga2");
    group.sample_size(10);
    let zdt1 = Zdt1::new(30).expect("30 variables");
    let config = Nsga2Config {
        seed: 1,
        ..Nsga2Config::default()
    };
    group.bench_function("zdt1 pop 100 x 250 generations", |b| {
        b.iter(|| nsga2::run(&zdt1, &config, None).expect("run"))
    });
    let problem = example();
    let budget = BudgetProblem::new(&problem);
    group.bench_function("marketing example pop 100 x 250 generations", |b| {
        b.iter(|| nsga2::run(&budget, &config, None).expect("run"))
    });
    group.finish();
}

// Criterion's plots would look up a system font, which the embedded-font build of plotters lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = repair, weighted_sum, pareto
}
criterion_main!(benches);
