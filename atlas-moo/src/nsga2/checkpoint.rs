//! Checkpoints: the whole state of a run between two generations, saved so that a resumed
//! run ends exactly where the uninterrupted run would.
//!
//! Every random choice of a generation comes from streams derived from the seed and the
//! generation number, so the state is the population with its ranks and crowding
//! distances, the archive, the progress record and NSGA-III's normalization. A checkpoint
//! is written as CBOR (RFC 8949), which keeps every `f64` bit for bit, infinities and NaN
//! included, unlike JSON.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::archive::Archive;
use super::config::{Algorithm, Nsga2Config};
use super::progress::Progress;
use super::search::Ranked;
use super::GenerationReport;
use crate::nsga3::Normalization;
use crate::Problem;

/// Value of the `format` field that marks an Atlas search checkpoint.
const FORMAT: &str = "atlas-nsga-checkpoint";

/// Version of the checkpoint layout. A checkpoint of another version is rejected.
const VERSION: u32 = 1;

/// Failure to save, read or resume from a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Reading or writing the file failed.
    #[error("checkpoint file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The checkpoint could not be encoded.
    #[error("encoding the checkpoint failed: {0}")]
    Encode(String),
    /// The bytes are not a checkpoint of this version.
    #[error("{0}")]
    Decode(String),
    /// The checkpoint belongs to another problem or to settings that change the search.
    #[error("the checkpoint was saved with {field} = {saved}, but this run has {current}; resume with the settings of the saved run or start without the checkpoint")]
    Mismatch {
        /// The differing setting.
        field: &'static str,
        /// Its value in the checkpoint.
        saved: String,
        /// Its value in this run.
        current: String,
    },
    /// The problem or the seeded candidates differ from the saved run's.
    #[error("the {what} changed since the checkpoint was saved, so the search cannot continue from it; resume with the saved run's inputs or start without --resume")]
    Changed {
        /// Description of the changed input.
        what: &'static str,
    },
    /// The caller's save function failed.
    #[error("saving the checkpoint after generation {generation} failed: {message}")]
    Save {
        /// The generation the checkpoint describes.
        generation: usize,
        /// The save function's error.
        message: String,
    },
}

/// Settings and problem dimensions that a resumed run must share with the saved one,
/// because they change which candidates the search creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fingerprint {
    context: String,
    n_var: usize,
    n_obj: usize,
    lower_bounds: Vec<f64>,
    upper_bounds: Vec<f64>,
    population: usize,
    crossover_probability: f64,
    crossover_eta: f64,
    mutation_eta: f64,
    mutation_probability: f64,
    seed: u64,
    initial: Vec<Vec<f64>>,
    algorithm: Algorithm,
    directions: Vec<Vec<f64>>,
    eliminate_duplicates: bool,
    archive: bool,
    #[serde(default)]
    archive_hypervolume: bool,
}

impl Fingerprint {
    fn new<P: Problem + ?Sized>(
        problem: &P,
        config: &Nsga2Config,
        algorithm: Algorithm,
        directions: &[Vec<f64>],
        context: &str,
    ) -> Self {
        Self {
            context: context.to_string(),
            n_var: problem.n_var(),
            n_obj: problem.n_obj(),
            lower_bounds: problem.lower_bounds().to_vec(),
            upper_bounds: problem.upper_bounds().to_vec(),
            population: config.population,
            crossover_probability: config.crossover_probability,
            crossover_eta: config.crossover_eta,
            mutation_eta: config.mutation_eta,
            mutation_probability: config.mutation_probability_for(problem.n_var()),
            seed: config.seed,
            initial: config.initial.clone(),
            algorithm,
            directions: directions.to_vec(),
            eliminate_duplicates: config.eliminate_duplicates,
            archive: config.archive_for(problem.n_obj()),
            archive_hypervolume: config.archive_hypervolume,
        }
    }

    /// Returns the first field that differs from `current`, with both values.
    fn compare(&self, current: &Self) -> Result<(), CheckpointError> {
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
        let nested = |values: &[Vec<f64>]| values.iter().map(|v| bits(v)).collect::<Vec<_>>();
        for (name, saved, now) in [
            ("n_var", self.n_var, current.n_var),
            ("n_obj", self.n_obj, current.n_obj),
        ] {
            if saved != now {
                return Err(CheckpointError::Mismatch {
                    field: name,
                    saved: saved.to_string(),
                    current: now.to_string(),
                });
            }
        }
        let changes: [(&'static str, bool); 5] = [
            (
                "problem (for the command line, the scenario)",
                self.context == current.context,
            ),
            (
                "lower bounds of the decision variables",
                bits(&self.lower_bounds) == bits(&current.lower_bounds),
            ),
            (
                "upper bounds of the decision variables",
                bits(&self.upper_bounds) == bits(&current.upper_bounds),
            ),
            (
                "seeded first candidates (for the command line, the current plan and the \
                 single-objective optima, which depend on the scenario and --solver)",
                nested(&self.initial) == nested(&current.initial),
            ),
            (
                "set of NSGA-III reference directions",
                nested(&self.directions) == nested(&current.directions),
            ),
        ];
        if let Some((what, _)) = changes.iter().find(|(_, equal)| !equal) {
            return Err(CheckpointError::Changed { what });
        }
        let checks: [(&'static str, bool, String, String); 10] = [
            field("population", &self.population, &current.population),
            float(
                "crossover_probability",
                self.crossover_probability,
                current.crossover_probability,
            ),
            float("crossover_eta", self.crossover_eta, current.crossover_eta),
            float("mutation_eta", self.mutation_eta, current.mutation_eta),
            float(
                "mutation_probability",
                self.mutation_probability,
                current.mutation_probability,
            ),
            field("seed", &self.seed, &current.seed),
            (
                "algorithm",
                self.algorithm == current.algorithm,
                self.algorithm.name().to_string(),
                current.algorithm.name().to_string(),
            ),
            field(
                "eliminate_duplicates",
                &self.eliminate_duplicates,
                &current.eliminate_duplicates,
            ),
            field("archive", &self.archive, &current.archive),
            field(
                "archive_hypervolume",
                &self.archive_hypervolume,
                &current.archive_hypervolume,
            ),
        ];
        for (name, equal, saved, now) in checks {
            if !equal {
                return Err(CheckpointError::Mismatch {
                    field: name,
                    saved,
                    current: now,
                });
            }
        }
        Ok(())
    }
}

fn field<T: PartialEq + std::fmt::Debug>(
    name: &'static str,
    saved: &T,
    current: &T,
) -> (&'static str, bool, String, String) {
    (
        name,
        saved == current,
        format!("{saved:?}"),
        format!("{current:?}"),
    )
}

fn float(name: &'static str, saved: f64, current: f64) -> (&'static str, bool, String, String) {
    (
        name,
        saved.to_bits() == current.to_bits(),
        saved.to_string(),
        current.to_string(),
    )
}

/// The state of a run after a generation, from which [`run_with`](super::run_with) can
/// continue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    format: String,
    version: u32,
    fingerprint: Fingerprint,
    /// Generations completed; 0 means only the initial population was evaluated.
    generation: usize,
    evaluations: usize,
    elapsed_seconds: f64,
    parents: Ranked,
    archive: Archive,
    progress: Progress,
    normalization: Normalization,
    history: Vec<GenerationReport>,
    invalid: usize,
}

/// The parts of a run's state that a checkpoint stores.
pub(super) struct State {
    pub generation: usize,
    pub evaluations: usize,
    pub elapsed_seconds: f64,
    pub parents: Ranked,
    pub archive: Archive,
    pub progress: Progress,
    pub normalization: Normalization,
    pub history: Vec<GenerationReport>,
    pub invalid: usize,
}

impl Checkpoint {
    pub(super) fn capture<P: Problem + ?Sized>(
        problem: &P,
        config: &Nsga2Config,
        algorithm: Algorithm,
        directions: &[Vec<f64>],
        context: &str,
        state: &State,
    ) -> Self {
        Self {
            format: FORMAT.to_string(),
            version: VERSION,
            fingerprint: Fingerprint::new(problem, config, algorithm, directions, context),
            generation: state.generation,
            evaluations: state.evaluations,
            elapsed_seconds: state.elapsed_seconds,
            parents: state.parents.clone(),
            archive: state.archive.clone(),
            progress: state.progress.clone(),
            normalization: state.normalization.clone(),
            history: state.history.clone(),
            invalid: state.invalid,
        }
    }

    /// Checks that the checkpoint belongs to this problem and these settings, and returns
    /// the state to continue from.
    pub(super) fn restore<P: Problem + ?Sized>(
        self,
        problem: &P,
        config: &Nsga2Config,
        algorithm: Algorithm,
        directions: &[Vec<f64>],
        context: &str,
    ) -> Result<State, CheckpointError> {
        let current = Fingerprint::new(problem, config, algorithm, directions, context);
        self.fingerprint.compare(&current)?;
        Ok(State {
            generation: self.generation,
            evaluations: self.evaluations,
            elapsed_seconds: self.elapsed_seconds,
            parents: self.parents,
            archive: self.archive,
            progress: self.progress,
            normalization: self.normalization,
            history: self.history,
            invalid: self.invalid,
        })
    }

    /// Generations completed when the checkpoint was taken.
    #[must_use]
    pub fn generation(&self) -> usize {
        self.generation
    }

    /// Candidates evaluated when the checkpoint was taken.
    #[must_use]
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// Encodes the checkpoint as CBOR.
    ///
    /// # Errors
    ///
    /// Returns [`CheckpointError::Encode`] if the encoder fails, which writing into memory
    /// should never cause.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        let mut bytes = Vec::new();
        ciborium::into_writer(self, &mut bytes)
            .map_err(|error| CheckpointError::Encode(error.to_string()))?;
        Ok(bytes)
    }

    /// Decodes a checkpoint written by [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    ///
    /// Returns [`CheckpointError::Decode`] when the bytes are not a checkpoint, or one of
    /// another version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        #[derive(Deserialize)]
        struct Header {
            format: String,
            version: u32,
        }
        let not_checkpoint = |error: String| {
            CheckpointError::Decode(format!(
                "the file is not an Atlas search checkpoint, or it is damaged (decoder: \
                 {error}); pass a file that a search saved, or start without --resume"
            ))
        };
        let header: Header =
            ciborium::from_reader(bytes).map_err(|error| not_checkpoint(error.to_string()))?;
        if header.format != FORMAT {
            return Err(not_checkpoint(format!("format is {:?}", header.format)));
        }
        if header.version != VERSION {
            return Err(CheckpointError::Decode(format!(
                "the checkpoint has layout version {}, but this Atlas reads version \
                 {VERSION}; resume it with the Atlas that wrote it, or start again",
                header.version
            )));
        }
        ciborium::from_reader(bytes).map_err(|error| not_checkpoint(error.to_string()))
    }

    /// Writes the checkpoint to `path` atomically: to a temporary file in the same folder,
    /// flushed to disk, then renamed over `path`, so an interruption leaves the previous
    /// checkpoint intact.
    ///
    /// # Errors
    ///
    /// Returns [`CheckpointError::Io`] when the file cannot be written or renamed.
    pub fn save(&self, path: &Path) -> Result<(), CheckpointError> {
        let io = |source| CheckpointError::Io {
            path: path.display().to_string(),
            source,
        };
        let name = path.file_name().map_or_else(
            || "checkpoint".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let bytes = self.to_bytes()?;
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&temporary, path)
        };
        write().map_err(|error| {
            let _ = fs::remove_file(&temporary);
            io(error)
        })
    }

    /// Reads a checkpoint that [`save`](Self::save) wrote.
    ///
    /// # Errors
    ///
    /// Returns [`CheckpointError::Io`] when the file cannot be read and
    /// [`CheckpointError::Decode`] when it is not a checkpoint.
    pub fn load(path: &Path) -> Result<Self, CheckpointError> {
        let bytes = fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(&bytes).map_err(|error| match error {
            CheckpointError::Decode(message) => {
                CheckpointError::Decode(format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }
}
