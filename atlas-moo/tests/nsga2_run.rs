//! Termination rules, checkpoints, the archive, duplicate elimination and invalid results
//! of NSGA-II runs, through the public API.

use std::collections::HashSet;
use std::sync::Mutex;

use atlas_moo::nsga2::ranking::pareto_dominates;
use atlas_moo::nsga2::{
    run, run_with, Checkpoint, CheckpointError, Nsga2Config, Nsga2Error, Nsga2Result, RunOptions,
    Solution, Stagnation, Termination,
};
use atlas_moo::test_problems::Zdt1;
use atlas_moo::{Evaluation, Problem, ProblemError};
use ndarray::{Array1, Array2, ArrayView2};

fn zdt1_config(seed: u64) -> Nsga2Config {
    Nsga2Config {
        population: 20,
        generations: 40,
        seed,
        ..Nsga2Config::default()
    }
}

fn bits(solutions: &[Solution]) -> Vec<u64> {
    solutions
        .iter()
        .flat_map(|s| s.x.iter().chain(&s.objectives).chain([&s.violation]))
        .map(|value| value.to_bits())
        .collect()
}

fn assert_same_run(a: &Nsga2Result, b: &Nsga2Result) {
    assert_eq!(bits(&a.population), bits(&b.population), "population");
    assert_eq!(bits(&a.front), bits(&b.front), "front");
    assert_eq!(bits(&a.archive), bits(&b.archive), "archive");
    assert_eq!(a.history, b.history, "history");
    assert_eq!(a.evaluations, b.evaluations, "evaluations");
    assert_eq!(a.generations, b.generations, "generations");
    assert_eq!(a.termination, b.termination, "termination");
}

/// Runs with a checkpoint every `every` generations and returns the result and every
/// checkpoint, encoded and decoded again as a file would be.
fn run_saving(
    problem: &dyn Problem,
    config: &Nsga2Config,
    every: usize,
) -> (Nsga2Result, Vec<Checkpoint>) {
    let saved = Mutex::new(Vec::new());
    let save = |checkpoint: &Checkpoint| -> Result<(), CheckpointError> {
        let bytes = checkpoint.to_bytes()?;
        saved.lock().unwrap().push(Checkpoint::from_bytes(&bytes)?);
        Ok(())
    };
    let options = RunOptions {
        save_checkpoint: Some(&save),
        checkpoint_every: every,
        ..RunOptions::default()
    };
    let result = run_with(problem, config, options).unwrap();
    (result, saved.into_inner().unwrap())
}

fn resume(problem: &dyn Problem, config: &Nsga2Config, checkpoint: &Checkpoint) -> Nsga2Result {
    let options = RunOptions {
        resume: Some(checkpoint),
        ..RunOptions::default()
    };
    run_with(problem, config, options).unwrap()
}

#[test]
fn resume_matches_uninterrupted_run() {
    let problem = Zdt1::new(10).unwrap();
    let config = zdt1_config(3);
    let uninterrupted = run(&problem, &config, None).unwrap();
    let (saving, checkpoints) = run_saving(&problem, &config, 7);
    assert_same_run(&uninterrupted, &saving);
    let generations: Vec<usize> = checkpoints.iter().map(Checkpoint::generation).collect();
    // Every 7 generations, and once more when the run stops.
    assert_eq!(generations, vec![7, 14, 21, 28, 35, 40]);
    for checkpoint in &checkpoints {
        let resumed = resume(&problem, &config, checkpoint);
        assert_same_run(&uninterrupted, &resumed);
    }
}

#[test]
fn resume_can_extend_generations() {
    let problem = Zdt1::new(10).unwrap();
    let short = Nsga2Config {
        generations: 15,
        ..zdt1_config(4)
    };
    let (_, checkpoints) = run_saving(&problem, &short, 0);
    assert_eq!(checkpoints.len(), 1);
    let long = zdt1_config(4);
    let uninterrupted = run(&problem, &long, None).unwrap();
    let resumed = resume(&problem, &long, &checkpoints[0]);
    assert_same_run(&uninterrupted, &resumed);
}

#[test]
fn checkpoint_file_round_trip() {
    let problem = Zdt1::new(10).unwrap();
    let config = Nsga2Config {
        generations: 12,
        ..zdt1_config(5)
    };
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("run.checkpoint");
    let save = |checkpoint: &Checkpoint| checkpoint.save(&path);
    let options = RunOptions {
        save_checkpoint: Some(&save),
        checkpoint_every: 5,
        ..RunOptions::default()
    };
    let first = run_with(&problem, &config, options).unwrap();
    let loaded = Checkpoint::load(&path).unwrap();
    assert_eq!(loaded.generation(), 12);
    assert_same_run(&first, &resume(&problem, &config, &loaded));
    // Only the checkpoint itself is left in the folder: no temporary file.
    let names: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[test]
fn resume_rejects_other_seed() {
    let problem = Zdt1::new(10).unwrap();
    let (_, checkpoints) = run_saving(&problem, &zdt1_config(6), 0);
    let options = RunOptions {
        resume: Some(&checkpoints[0]),
        ..RunOptions::default()
    };
    let error = run_with(&problem, &zdt1_config(7), options).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(
            error,
            Nsga2Error::Checkpoint(CheckpointError::Mismatch { field: "seed", .. })
        ),
        "{message}"
    );
    assert!(message.contains("seed = 6"), "{message}");
}

#[test]
fn resume_rejects_other_problem() {
    let (_, checkpoints) = run_saving(&Zdt1::new(10).unwrap(), &zdt1_config(8), 0);
    let options = RunOptions {
        resume: Some(&checkpoints[0]),
        ..RunOptions::default()
    };
    let error = run_with(&Zdt1::new(12).unwrap(), &zdt1_config(8), options).unwrap_err();
    assert!(error.to_string().contains("n_var = 10"), "{error}");
}

#[test]
fn garbage_is_not_a_checkpoint() {
    let error = Checkpoint::from_bytes(b"not a checkpoint").unwrap_err();
    assert!(matches!(error, CheckpointError::Decode(_)), "{error}");
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("empty.checkpoint");
    std::fs::write(&path, b"").unwrap();
    let message = Checkpoint::load(&path).unwrap_err().to_string();
    assert!(message.contains("empty.checkpoint"), "{message}");
    let missing = Checkpoint::load(&folder.path().join("missing")).unwrap_err();
    assert!(matches!(missing, CheckpointError::Io { .. }), "{missing}");
}

#[test]
fn evaluation_limit_stops_run() {
    let problem = Zdt1::new(10).unwrap();
    let config = Nsga2Config {
        max_evaluations: Some(205),
        ..zdt1_config(9)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.termination, Termination::EvaluationLimit);
    // 20 initial members and 9 generations of 20 offspring fit in 205; a tenth does not.
    assert_eq!(result.generations, 9);
    assert_eq!(result.evaluations, 200);
}

#[test]
fn evaluation_limit_below_population_rejected() {
    let problem = Zdt1::new(10).unwrap();
    let config = Nsga2Config {
        max_evaluations: Some(19),
        ..zdt1_config(9)
    };
    let message = run(&problem, &config, None).unwrap_err().to_string();
    assert!(message.contains("max_evaluations is 19"), "{message}");
}

#[test]
fn time_limit_stops_run() {
    let problem = Zdt1::new(10).unwrap();
    let config = Nsga2Config {
        max_seconds: Some(1e-9),
        ..zdt1_config(10)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.termination, Termination::TimeLimit);
    assert_eq!(result.generations, 1);
    let invalid = Nsga2Config {
        max_seconds: Some(f64::NAN),
        ..zdt1_config(10)
    };
    let message = run(&problem, &invalid, None).unwrap_err().to_string();
    assert!(message.contains("max_seconds is NaN"), "{message}");
}

/// Two objectives that are both smallest at x = 0, so the front is one point.
struct OnePoint {
    bounds: [Vec<f64>; 2],
}

impl Problem for OnePoint {
    fn n_var(&self) -> usize {
        2
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        &self.bounds[0]
    }
    fn upper_bounds(&self) -> &[f64] {
        &self.bounds[1]
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let mut objectives = Array2::zeros((x.nrows(), 2));
        for (i, row) in x.rows().into_iter().enumerate() {
            objectives[[i, 0]] = row[0] + row[1];
            objectives[[i, 1]] = 2.0 * row[0] + row[1];
        }
        Ok(Evaluation {
            objectives,
            violation: Array1::zeros(x.nrows()),
        })
    }
}

#[test]
fn stagnation_stops_run() {
    let problem = OnePoint {
        bounds: [vec![0.0; 2], vec![1.0; 2]],
    };
    let config = Nsga2Config {
        population: 12,
        generations: 100,
        initial: vec![vec![0.0, 0.0]],
        stagnation: Some(Stagnation {
            generations: 5,
            tolerance: 0.0,
        }),
        ..Nsga2Config::default()
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.termination, Termination::HypervolumeStagnation);
    // The seeded optimum fixes the hypervolume from generation 1, so generation 6 is the
    // first whose window of 5 shows no growth.
    assert_eq!(result.generations, 6);
    let values: Vec<Option<f64>> = result.history.iter().map(|r| r.hypervolume).collect();
    assert!(values.iter().all(|v| *v == values[0]), "{values:?}");
}

#[test]
fn stagnation_does_not_stop_progress() {
    let problem = Zdt1::new(10).unwrap();
    let config = Nsga2Config {
        stagnation: Some(Stagnation::default()),
        ..zdt1_config(11)
    };
    let result = run(&problem, &config, None).unwrap();
    assert_eq!(result.termination, Termination::GenerationsReached);
    let values: Vec<f64> = result
        .history
        .iter()
        .map(|r| r.hypervolume.unwrap())
        .collect();
    assert!(values.last() > values.first(), "{values:?}");
}

#[test]
fn archive_holds_non_dominated_points() {
    let problem = Zdt1::new(10).unwrap();
    let result = run(&problem, &zdt1_config(12), None).unwrap();
    let archive = &result.archive;
    assert!(archive.len() >= result.front.len());
    let mut seen = HashSet::new();
    for (i, a) in archive.iter().enumerate() {
        assert_eq!(a.violation, 0.0);
        let key: Vec<u64> = a.objectives.iter().map(|v| v.to_bits()).collect();
        assert!(seen.insert(key), "duplicate objectives {:?}", a.objectives);
        for (j, b) in archive.iter().enumerate() {
            assert!(
                i == j || !pareto_dominates(&b.objectives, &a.objectives),
                "archive member {j} dominates member {i}"
            );
        }
    }
    for member in &result.front {
        let covered = archive.iter().any(|a| {
            a.objectives == member.objectives || pareto_dominates(&a.objectives, &member.objectives)
        });
        assert!(covered, "front member {:?} missing", member.objectives);
    }
    let off = Nsga2Config {
        archive: Some(false),
        ..zdt1_config(12)
    };
    assert!(run(&problem, &off, None).unwrap().archive.is_empty());
}

/// Rounds every variable to a grid of 0.01, so offspring often repeat each other, and
/// records every evaluated batch.
struct Grid {
    bounds: [Vec<f64>; 2],
    batches: Mutex<Vec<Vec<Vec<f64>>>>,
}

impl Problem for Grid {
    fn n_var(&self) -> usize {
        2
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        &self.bounds[0]
    }
    fn upper_bounds(&self) -> &[f64] {
        &self.bounds[1]
    }
    fn repair(&self, x: &mut [f64]) {
        for value in x.iter_mut() {
            *value = (value.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        }
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|row| row.to_vec()).collect();
        self.batches.lock().unwrap().push(rows);
        let mut objectives = Array2::zeros((x.nrows(), 2));
        for (i, row) in x.rows().into_iter().enumerate() {
            objectives[[i, 0]] = row[0];
            objectives[[i, 1]] = 1.0 - row[0] + row[1];
        }
        Ok(Evaluation {
            objectives,
            violation: Array1::zeros(x.nrows()),
        })
    }
}

/// Counts, over all generations after the first population, offspring that repeat an
/// earlier offspring of the same generation.
fn repeated_offspring(eliminate_duplicates: bool) -> usize {
    let problem = Grid {
        bounds: [vec![0.0; 2], vec![1.0; 2]],
        batches: Mutex::new(Vec::new()),
    };
    let config = Nsga2Config {
        population: 20,
        generations: 30,
        batch_size: 20,
        eliminate_duplicates,
        seed: 13,
        ..Nsga2Config::default()
    };
    run(&problem, &config, None).unwrap();
    let batches = problem.batches.into_inner().unwrap();
    assert_eq!(batches.len(), 31);
    batches[1..]
        .iter()
        .map(|batch| {
            let mut seen = HashSet::new();
            batch
                .iter()
                .filter(|x| !seen.insert(x.iter().map(|v| v.to_bits()).collect::<Vec<_>>()))
                .count()
        })
        .sum()
}

#[test]
fn duplicate_offspring_are_redrawn() {
    assert!(repeated_offspring(false) > 0);
    assert_eq!(repeated_offspring(true), 0);
}

/// ZDT1 whose objectives are NaN when x0 < 0.2.
struct NanBelow {
    inner: Zdt1,
}

impl Problem for NanBelow {
    fn n_var(&self) -> usize {
        self.inner.n_var()
    }
    fn n_obj(&self) -> usize {
        2
    }
    fn lower_bounds(&self) -> &[f64] {
        self.inner.lower_bounds()
    }
    fn upper_bounds(&self) -> &[f64] {
        self.inner.upper_bounds()
    }
    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        let mut evaluation = self.inner.evaluate(x)?;
        for (i, row) in x.rows().into_iter().enumerate() {
            if row[0] < 0.2 {
                evaluation.objectives[[i, 1]] = f64::NAN;
            }
        }
        Ok(evaluation)
    }
}

#[test]
fn nan_objectives_are_counted() {
    let problem = NanBelow {
        inner: Zdt1::new(10).unwrap(),
    };
    let result = run(&problem, &zdt1_config(14), None).unwrap();
    assert!(result.invalid_evaluations > 0);
    let later: usize = result.history.iter().map(|r| r.invalid).sum();
    assert!(later <= result.invalid_evaluations);
    for member in result.front.iter().chain(&result.archive) {
        assert!(member.x[0] >= 0.2, "{:?}", member.x);
        assert!(member.objectives.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn nsga3_resume_matches_uninterrupted_run() {
    let problem = atlas_moo::test_problems::by_name("dtlz2", None, Some(4)).unwrap();
    let config = Nsga2Config {
        population: 40,
        generations: 30,
        seed: 15,
        ..Nsga2Config::default()
    };
    let uninterrupted = run(problem.as_ref(), &config, None).unwrap();
    assert_eq!(uninterrupted.algorithm, atlas_moo::nsga2::Algorithm::Nsga3);
    let (saving, checkpoints) = run_saving(problem.as_ref(), &config, 11);
    assert_same_run(&uninterrupted, &saving);
    for checkpoint in &checkpoints {
        let resumed = resume(problem.as_ref(), &config, checkpoint);
        assert_same_run(&uninterrupted, &resumed);
    }
}
