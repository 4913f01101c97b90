//! Benchmarks of the hot paths: repair, the weighted-sum solve by method, NSGA-II, and the
//! evaluation of curve and XGBoost models.
//!
//! Run with `cargo bench --bench engine`.

use std::path::PathBuf;

use atlas::core::adstock::Adstock;
use atlas::core::constraint::linear_rules;
use atlas::core::curve::{CurveSpec, ResponseCurveModel};
use atlas::core::feasibility;
use atlas::core::flighting::{FlightedModel, Layout};
use atlas::core::solve::Method;
use atlas::core::ResponseModel;
use atlas::core::{Problem, ScenarioFile};
use atlas::moo::nsga2::{self, Nsga2Config};
use atlas::moo::test_problems::Zdt1;
use atlas::moo::{BudgetProblem, MultiObjectiveOptimizer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;

fn scenario(name: &str) -> Problem {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}/scenario.toml"));
    ScenarioFile::read(&path)
        .and_then(|file| file.build())
        .expect("the bundled example builds")
}

fn example() -> Problem {
    scenario("marketing")
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

fn feasibility_check(c: &mut Criterion) {
    let weekly = scenario("flighting");
    let rules = linear_rules(weekly.space.len(), &weekly.constraints);
    let n = weekly.space.len();
    c.bench_function("check weekly example rules as a linear program", |b| {
        b.iter(|| feasibility::check(n, &rules).is_ok())
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
    let weekly = scenario("flighting");
    let mut group = c.benchmark_group("optimize weekly example");
    group.sample_size(10);
    group.bench_function("104 cells", |b| {
        b.iter(|| {
            let optimizer = MultiObjectiveOptimizer::new(&weekly).expect("payoff table");
            optimizer.optimize().expect("solve")
        })
    });
    group.finish();
}

fn solvers(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimize marketing example by method");
    group.sample_size(20);
    for method in [Method::Exact, Method::Gradient, Method::Cmaes] {
        let mut problem = example();
        problem.solver.method = method;
        group.bench_function(method.name(), |b| {
            b.iter(|| {
                let optimizer = MultiObjectiveOptimizer::new(&problem).expect("payoff table");
                optimizer.optimize().expect("solve")
            })
        });
    }
    group.finish();
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

/// Builds a model of 20 channels and 3 KPIs with Hill curves of varied shapes and `draws`
/// posterior draws of each coefficient (none for 0), and a batch of plans.
fn wide_model(candidates: usize, draws: usize) -> (ResponseCurveModel, Array2<f64>) {
    let channels: Vec<String> = (0..20).map(|c| format!("channel {c}")).collect();
    let kpis: Vec<String> = ["revenue", "awareness", "acquisition"]
        .map(String::from)
        .to_vec();
    let mut specs = Vec::new();
    for (c, channel) in channels.iter().enumerate() {
        for (k, kpi) in kpis.iter().enumerate() {
            let shape = 0.6 + 0.1 * ((c + k) % 20) as f64;
            let parameters = (1000.0 * (k + 1) as f64, shape, 500.0 + 50.0 * c as f64);
            let mut spec = CurveSpec::hill(channel, kpi, parameters, 0.3, 10.0);
            if draws > 0 {
                let values =
                    (0..draws).map(|d| parameters.0 * (0.8 + 0.4 * d as f64 / draws as f64));
                spec.draws.insert("coefficient".into(), values.collect());
            }
            specs.push(spec);
        }
    }
    let model = ResponseCurveModel::new(channels, kpis, vec![0.0; 3], &specs).expect("model");
    let plans = Array2::from_shape_fn((candidates, 20), |(n, c)| ((n * 7 + c * 13) % 1000) as f64);
    (model, plans)
}

fn batch_evaluation(c: &mut Criterion) {
    let candidates = 4096;
    let (model, plans) = wide_model(candidates, 0);
    let mut group = c.benchmark_group("evaluate 20 channels x 3 KPIs");
    group.throughput(Throughput::Elements(candidates as u64));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    group.bench_function("4096 candidates, 1 thread", |b| {
        b.iter(|| one_thread.install(|| model.evaluate(plans.view()).expect("evaluate")))
    });
    group.bench_function("4096 candidates, all cores", |b| {
        b.iter(|| model.evaluate(plans.view()).expect("evaluate"))
    });
    let (drawn, _) = wide_model(candidates, 100);
    group.bench_function("4096 candidates x 100 draws, all cores", |b| {
        b.iter(|| drawn.evaluate_draws(plans.view()).expect("evaluate"))
    });
    group.finish();
}

/// Builds a flighted model of 20 channels x 52 weeks x 3 KPIs with geometric adstock over 8
/// lags, and a batch of plans.
fn flighted_model(candidates: usize) -> (FlightedModel, Array2<f64>) {
    let channels: Vec<String> = (0..20).map(|c| format!("channel {c}")).collect();
    let weeks: Vec<String> = (1..=52).map(|w| format!("W{w:02}")).collect();
    let kpis: Vec<String> = ["revenue", "awareness", "acquisition"]
        .map(String::from)
        .to_vec();
    let mut specs = Vec::new();
    for (c, channel) in channels.iter().enumerate() {
        for (k, kpi) in kpis.iter().enumerate() {
            let parameters = (
                1000.0 * (k + 1) as f64,
                0.6 + 0.1 * ((c + k) % 20) as f64,
                50.0,
            );
            let mut spec = CurveSpec::hill(channel, kpi, parameters, 0.0, 0.0);
            spec.adstock = Some(Adstock::Geometric {
                theta: 0.5,
                max_lag: Some(8),
                normalize: false,
            });
            specs.push(spec);
        }
    }
    let layout = Layout::new(channels, weeks, Vec::new()).expect("layout");
    let model = FlightedModel::new(layout, kpis, vec![0.0; 3], &specs, true).expect("model");
    let plans = Array2::from_shape_fn((candidates, 20 * 52), |(n, i)| {
        ((n * 7 + i * 13) % 100) as f64
    });
    (model, plans)
}

fn flighted_evaluation(c: &mut Criterion) {
    let candidates = 256;
    let (model, plans) = flighted_model(candidates);
    let mut group = c.benchmark_group("evaluate 20 channels x 52 weeks x 3 KPIs");
    group.throughput(Throughput::Elements(candidates as u64));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    group.bench_function("256 candidates, 1 thread", |b| {
        b.iter(|| one_thread.install(|| model.evaluate(plans.view()).expect("evaluate")))
    });
    group.bench_function("256 candidates, all cores", |b| {
        b.iter(|| model.evaluate(plans.view()).expect("evaluate"))
    });
    group.finish();
}

/// Evaluates the two XGBoost models of examples/xgboost (8 trees of depth 3 each) on a batch
/// of plans, and solves that example with `auto`, which picks CMA-ES.
fn xgboost(c: &mut Criterion) {
    let problem = scenario("xgboost");
    let candidates = 10_000;
    let plans = Array2::from_shape_fn((candidates, 3), |(n, c)| {
        ((n * 7919 + c * 104_729) % 60_000) as f64
    });
    let mut group = c.benchmark_group("xgboost example");
    group.throughput(Throughput::Elements(candidates as u64));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    group.bench_function("evaluate 10000 plans, 1 thread", |b| {
        b.iter(|| one_thread.install(|| problem.model.evaluate(plans.view()).expect("evaluate")))
    });
    group.bench_function("evaluate 10000 plans, all cores", |b| {
        b.iter(|| problem.model.evaluate(plans.view()).expect("evaluate"))
    });
    group.finish();
    let optimizer = MultiObjectiveOptimizer::new(&problem).expect("optimizer");
    c.bench_function("optimize xgboost example (cmaes)", |b| {
        b.iter(|| optimizer.optimize().expect("optimize"))
    });
}

// Criterion's plots would look up a system font, which the embedded-font build of plotters lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = repair, feasibility_check, weighted_sum, solvers, pareto, batch_evaluation,
        flighted_evaluation, xgboost
}
criterion_main!(benches);
