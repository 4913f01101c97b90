//! Times Atlas's evaluation of an XGBoost model on a file of feature rows and prints the
//! times as JSON.
//!
//! The rows file contains little-endian float32 values, row after row, with one value per
//! model feature and NaN for a missing value. `benches/peers/xgboost/bench.py` writes such
//! files and compares the times with xgboost's own. Two public APIs are timed:
//!
//! - `predict`: [`Booster::predict`] on all rows, in a rayon pool of each `--threads` count.
//! - `predict_row`: [`Booster::predict_row`] on each row in turn, on the calling thread.
//!
//! Run with `cargo run --release --example xgboost_predict -- MODEL ROWS`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use atlas::core::xgboost::Booster;
use clap::Parser;
use ndarray::Array2;
use serde_json::{json, Value};

/// Bytes of one float32 value in the rows and predictions files.
const VALUE_BYTES: usize = 4;

#[derive(Parser)]
#[command(about = "Time Atlas's evaluation of an XGBoost JSON model on float32 feature rows")]
struct Args {
    /// Model file written by XGBoost's `save_model("model.json")`.
    model: PathBuf,
    /// Feature rows: little-endian float32 values, row after row, one per model feature,
    /// NaN for missing.
    rows: PathBuf,
    /// Timed runs of each method and of the model load. The output gives each run's time
    /// and the median.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,
    /// Comma-separated rayon thread counts for `Booster::predict`. `all` is rayon's default
    /// pool: RAYON_NUM_THREADS, else one thread per CPU.
    #[arg(long, value_delimiter = ',', default_value = "1,all", value_parser = parse_threads)]
    threads: Vec<Threads>,
    /// File for the predictions of `Booster::predict`, as little-endian float32 values in row
    /// order.
    #[arg(long)]
    predictions: Option<PathBuf>,
}

/// Size of the rayon pool of one `predict` run.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Threads {
    Count(usize),
    /// Rayon's default pool size.
    All,
}

fn parse_threads(text: &str) -> Result<Threads, String> {
    if text == "all" {
        return Ok(Threads::All);
    }
    match text.parse::<usize>() {
        Ok(count) if count >= 1 => Ok(Threads::Count(count)),
        _ => Err(format!(
            "`{text}` is not a thread count: use a whole number of at least 1, or `all`"
        )),
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let repeats = args.repeats as usize;
    let (booster, load_seconds) = load_model(&args.model, repeats)?;
    let features = booster.feature_names().len();
    let values = read_rows(&args.rows, features)?;
    let rows = values.len() / features;
    // `Booster::predict` takes float64 rows. Widening float32 is exact, and the booster casts
    // each value back to float32, so both methods see the same values.
    let widened: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    let wide = Array2::from_shape_vec((rows, features), widened)
        .context("the rows do not form a rows x features array")?;

    let mut runs = Vec::new();
    let mut reference: Option<Vec<f32>> = None;
    for &threads in &args.threads {
        let pool = build_pool(threads)?;
        let pool_size = pool.current_num_threads();
        let (seconds, predictions) = time_runs(repeats, || {
            let predicted = pool.install(|| booster.predict(wide.view()))?;
            // Each prediction is a float32 widened to float64, so the cast back is exact.
            Ok(predicted.iter().map(|&p| p as f32).collect())
        })?;
        check_same(
            &mut reference,
            predictions,
            &format!("predict, {pool_size} threads"),
        )?;
        runs.push(run_json("predict", pool_size, rows, &seconds));
    }
    let (seconds, predictions) = time_runs(repeats, || {
        values
            .chunks_exact(features)
            .map(|row| booster.predict_row(row).map_err(anyhow::Error::from))
            .collect()
    })?;
    check_same(&mut reference, predictions, "predict_row")?;
    runs.push(run_json("predict_row", 1, rows, &seconds));

    // `reference` is set because `predict_row` ran at least once.
    let predictions = reference.unwrap_or_default();
    if let Some(path) = &args.predictions {
        write_predictions(path, &predictions)?;
    }
    let checksum: f64 = predictions.iter().map(|&p| f64::from(p)).sum();
    let report = json!({
        "model": args.model.display().to_string(),
        "objective": booster.objective().name(),
        "trees": booster.tree_count(),
        "features": features,
        "rows": rows,
        "repeats": repeats,
        "load": timing_json(&load_seconds),
        "runs": runs,
        "checksum": checksum,
        "predictions": args.predictions.as_ref().map(|p| p.display().to_string()),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Reads the model `repeats` times and returns it with the time of each read, which includes
/// reading the file, parsing the JSON and checking every tree.
fn load_model(path: &Path, repeats: usize) -> Result<(Booster, Vec<f64>)> {
    let mut seconds = Vec::with_capacity(repeats);
    let mut booster = None;
    for _ in 0..repeats {
        let started = Instant::now();
        let loaded = Booster::read(path)
            .with_context(|| format!("failed to load the XGBoost model {}", path.display()))?;
        seconds.push(started.elapsed().as_secs_f64());
        booster = Some(loaded);
    }
    let booster = booster.context("--repeats is 0: use at least 1")?;
    Ok((booster, seconds))
}

/// Reads a rows file of little-endian float32 values with `features` values per row.
fn read_rows(path: &Path, features: usize) -> Result<Vec<f32>> {
    ensure!(
        features > 0,
        "the model has no features, so it cannot read rows: save a model trained on at least \
         one feature"
    );
    let bytes = std::fs::read(path)
        .with_context(|| format!("failed to read the rows file {}", path.display()))?;
    let row_bytes = features * VALUE_BYTES;
    if bytes.is_empty() || bytes.len() % row_bytes != 0 {
        bail!(
            "the rows file {} has {} bytes, which is not a whole positive number of rows of \
             {features} float32 values ({row_bytes} bytes each): write the rows as \
             little-endian float32 with one value per model feature, for example with numpy's \
             `rows.astype(\"<f4\").tofile(path)`",
            path.display(),
            bytes.len()
        );
    }
    Ok(bytes
        .chunks_exact(VALUE_BYTES)
        .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
        .collect())
}

fn build_pool(threads: Threads) -> Result<rayon::ThreadPool> {
    let builder = match threads {
        Threads::Count(count) => rayon::ThreadPoolBuilder::new().num_threads(count),
        Threads::All => rayon::ThreadPoolBuilder::new(),
    };
    builder
        .build()
        .with_context(|| format!("failed to start a rayon pool of {threads:?} threads"))
}

/// Runs `predict` once untimed, so that first-touch costs fall outside the timed runs, and
/// then `repeats` timed times. Returns each timed run's seconds and the last predictions.
fn time_runs(
    repeats: usize,
    mut predict: impl FnMut() -> Result<Vec<f32>>,
) -> Result<(Vec<f64>, Vec<f32>)> {
    let mut predictions = predict()?;
    let mut seconds = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let started = Instant::now();
        predictions = predict()?;
        seconds.push(started.elapsed().as_secs_f64());
    }
    Ok((seconds, predictions))
}

/// Stores the first method's predictions in `reference` and rejects any later method whose
/// predictions differ from them bit for bit.
fn check_same(reference: &mut Option<Vec<f32>>, predictions: Vec<f32>, method: &str) -> Result<()> {
    let Some(first) = reference else {
        *reference = Some(predictions);
        return Ok(());
    };
    ensure!(
        first.len() == predictions.len(),
        "{method} returned {} predictions for {} rows",
        predictions.len(),
        first.len()
    );
    let differ = first
        .iter()
        .zip(&predictions)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    if let Some(row) = differ {
        bail!(
            "{method} predicts {} for row {row}, but the first method predicted {}: every \
             method and thread count should give the same float32 value",
            predictions[row],
            first[row]
        );
    }
    Ok(())
}

fn write_predictions(path: &Path, predictions: &[f32]) -> Result<()> {
    let bytes: Vec<u8> = predictions.iter().flat_map(|p| p.to_le_bytes()).collect();
    std::fs::write(path, bytes)
        .with_context(|| format!("failed to write the predictions to {}", path.display()))
}

fn run_json(method: &str, threads: usize, rows: usize, seconds: &[f64]) -> Value {
    let mut run = timing_json(seconds);
    let median = median(seconds);
    run["method"] = json!(method);
    run["threads"] = json!(threads);
    run["rows_per_second"] = json!(rows as f64 / median);
    run
}

fn timing_json(seconds: &[f64]) -> Value {
    json!({ "median_seconds": median(seconds), "seconds": seconds })
}

/// Returns the median, the mean of the two middle values for an even count. `seconds` is
/// never empty because `--repeats` is at least 1.
fn median(seconds: &[f64]) -> f64 {
    let mut sorted = seconds.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 0 {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}
