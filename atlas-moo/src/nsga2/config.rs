//! Settings of an NSGA-II run and their validation.
//!
//! [`Nsga2Config::validate`] checks the settings on their own, and
//! [`Nsga2Config::validate_for_problem`] also checks them against the problem's dimensions,
//! bounds and seed candidates. [`run`](super::run) calls both before it evaluates anything.

use serde::{Deserialize, Serialize};

use crate::Problem;

/// Smallest population that binary tournaments and pairwise crossover can work with.
pub const MIN_POPULATION: usize = 4;

/// Settings of an NSGA-II run.
///
/// The defaults are common settings for real-coded variables: SBX with probability 0.9 and
/// distribution index 15, and polynomial mutation with distribution index 20 and
/// probability 1/n_var per variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Nsga2Config {
    /// Number of members kept after each survival step. Each generation also creates this
    /// many offspring. An odd size is allowed: the second child of the last pair is dropped.
    pub population: usize,
    /// Number of generations after the initial population.
    pub generations: usize,
    /// Probability that a pair of parents is recombined by SBX at all. Within a recombined
    /// pair, each variable is crossed with probability 0.5, as in Deb's reference code.
    pub crossover_probability: f64,
    /// Distribution index of SBX. Larger values create children closer to their parents.
    pub crossover_eta: f64,
    /// Distribution index of polynomial mutation. Larger values make smaller steps.
    pub mutation_eta: f64,
    /// Probability that polynomial mutation changes a variable. `None` means 1/n_var.
    pub mutation_probability: Option<f64>,
    /// Seed of every random stream in the run. The same seed gives bit-identical results
    /// for any rayon thread count.
    pub seed: u64,
    /// Candidates placed in the first population before the random ones, for example the
    /// current plan. Each is repaired before its evaluation, like every other candidate.
    pub initial: Vec<Vec<f64>>,
    /// Number of candidates passed to one `Problem::evaluate` call. The batches are
    /// evaluated in parallel and their results concatenated in order.
    pub batch_size: usize,
    /// Survival step: crowding distance (NSGA-II) or reference directions (NSGA-III).
    pub algorithm: Algorithm,
    /// NSGA-III reference directions, each with one non-negative entry per objective.
    /// `None` uses [`crate::nsga3::default_directions`] for the objective count and
    /// population. NSGA-II ignores them.
    pub reference_directions: Option<Vec<Vec<f64>>>,
    /// Stop before the generation whose offspring would take the evaluation count above
    /// this. `None` means no limit. Must be at least `population`.
    pub max_evaluations: Option<usize>,
    /// Stop after the first generation that ends this many seconds or more after the
    /// start. `None` means no limit. Time spent before a checkpoint counts after a resume.
    pub max_seconds: Option<f64>,
    /// Stop when the hypervolume of the first front stops growing. `None` means never.
    pub stagnation: Option<Stagnation>,
    /// Redraw an offspring that repeats a population member or an earlier offspring of the
    /// same generation, bit for bit, as pymoo's default duplicate elimination does.
    pub eliminate_duplicates: bool,
    /// Keep every feasible non-dominated point that the run evaluates, not only the final
    /// population's. `None` keeps it for up to three objectives: beyond, nearly every point
    /// is non-dominated, so the archive grows with every evaluation and updating it costs
    /// O(n²).
    pub archive: Option<bool>,
    /// Track the hypervolume of the archive rather than of the population's first front,
    /// when the archive is kept. The archive's value never falls, so a stagnation rule then
    /// stops when no evaluated point has improved the front. It costs a compaction of the
    /// archive every generation.
    pub archive_hypervolume: bool,
}

/// Survival step of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// NSGA-III for four or more objectives, where crowding distance no longer spreads a
    /// front, and NSGA-II otherwise.
    #[default]
    Auto,
    /// Rank, then crowding distance (Deb, Pratap, Agarwal and Meyarivan, 2002).
    Nsga2,
    /// Rank, then niching around reference directions (Deb and Jain, 2014).
    Nsga3,
}

impl Algorithm {
    /// Names accepted by [`FromStr`](std::str::FromStr), as the command line spells them.
    pub const NAMES: [&'static str; 3] = ["auto", "nsga2", "nsga3"];

    /// Returns the algorithm that runs for `n_obj` objectives: `Auto` resolves to NSGA-III
    /// from four objectives on.
    #[must_use]
    pub fn resolve(self, n_obj: usize) -> Self {
        match self {
            Self::Auto if n_obj >= 4 => Self::Nsga3,
            Self::Auto => Self::Nsga2,
            other => other,
        }
    }

    /// Returns the name as the command line spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Nsga2 => "nsga2",
            Self::Nsga3 => "nsga3",
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "nsga2" | "nsga-ii" => Ok(Self::Nsga2),
            "nsga3" | "nsga-iii" => Ok(Self::Nsga3),
            _ => Err(format!(
                "unknown algorithm {text:?}; use one of {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}

/// Hypervolume stagnation: the run stops when the hypervolume of the feasible first front
/// has grown by less than `tolerance`, relative to its value, over `generations`
/// generations.
///
/// The hypervolume is measured in objectives scaled by the first feasible front's ideal and
/// nadir points, kept fixed for the whole run, with reference point 1.1 in every scaled
/// objective.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stagnation {
    /// Number of generations over which growth is measured.
    pub generations: usize,
    /// Smallest relative growth over that window that counts as progress.
    pub tolerance: f64,
}

impl Default for Stagnation {
    fn default() -> Self {
        Self {
            generations: 30,
            tolerance: 1e-4,
        }
    }
}

impl Default for Nsga2Config {
    fn default() -> Self {
        Self {
            population: 100,
            generations: 250,
            crossover_probability: 0.9,
            crossover_eta: 15.0,
            mutation_eta: 20.0,
            mutation_probability: None,
            seed: 0,
            initial: Vec::new(),
            batch_size: 32,
            algorithm: Algorithm::Auto,
            reference_directions: None,
            max_evaluations: None,
            max_seconds: None,
            stagnation: None,
            eliminate_duplicates: true,
            archive: None,
            archive_hypervolume: false,
        }
    }
}

/// An invalid NSGA-II setting, or a problem that NSGA-II cannot search.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The population is too small for tournaments and pairwise crossover.
    #[error("population is {value}, but NSGA-II needs at least {MIN_POPULATION}; set population to {MIN_POPULATION} or more")]
    PopulationTooSmall {
        /// The rejected population size.
        value: usize,
    },
    /// The run would stop before it creates any offspring.
    #[error(
        "generations is 0, so the run would create no offspring; set generations to 1 or more"
    )]
    NoGenerations,
    /// A probability outside [0, 1], or NaN.
    #[error("{field} is {value}, outside [0, 1]; set it to a probability between 0 and 1")]
    ProbabilityOutOfRange {
        /// Name of the configuration field.
        field: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A distribution index that is not a positive finite number.
    #[error("{field} is {value}, but a distribution index must be positive and finite; typical values are 5 to 30")]
    InvalidEta {
        /// Name of the configuration field.
        field: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A batch size of zero.
    #[error("batch_size is 0; set batch_size to 1 or more")]
    ZeroBatchSize,
    /// More seed candidates than population members.
    #[error("initial has {count} candidates, but population is {population}; raise population or pass fewer candidates")]
    TooManyInitial {
        /// Number of seed candidates.
        count: usize,
        /// Configured population size.
        population: usize,
    },
    /// A seed candidate whose length differs from the problem's number of variables.
    #[error("initial[{index}] has {len} values, but the problem has {n_var} variables; pass one value per variable")]
    InitialLength {
        /// Position of the candidate in `initial`.
        index: usize,
        /// Number of values in the candidate.
        len: usize,
        /// Number of variables of the problem.
        n_var: usize,
    },
    /// A seed candidate with a NaN or infinite value.
    #[error(
        "initial[{index}][{variable}] is {value}; seed candidates must contain finite values only"
    )]
    InitialNonFinite {
        /// Position of the candidate in `initial`.
        index: usize,
        /// Position of the value in the candidate.
        variable: usize,
        /// The rejected value.
        value: f64,
    },
    /// An evaluation limit below the initial population, so nothing could run.
    #[error("max_evaluations is {value}, below population = {population}, so not even the first population fits; raise max_evaluations to at least {population} or remove it")]
    EvaluationLimitTooSmall {
        /// The rejected limit.
        value: usize,
        /// Configured population size.
        population: usize,
    },
    /// A time limit that is not a positive finite number of seconds.
    #[error("max_seconds is {value}; set a positive, finite number of seconds or remove it")]
    InvalidTimeLimit {
        /// The rejected limit.
        value: f64,
    },
    /// Stagnation settings that could never or would always stop the run.
    #[error("stagnation has generations = {generations} and tolerance = {tolerance}; use at least 1 generation and a finite tolerance of 0 or more, for example 30 and 1e-4")]
    InvalidStagnation {
        /// The window in generations.
        generations: usize,
        /// The relative growth tolerance.
        tolerance: f64,
    },
    /// An invalid NSGA-III reference direction.
    #[error("reference_directions[{index}] is {direction:?}; give {n_obj} finite, non-negative values per direction, not all zero")]
    InvalidDirection {
        /// Position of the direction.
        index: usize,
        /// The rejected direction.
        direction: Vec<f64>,
        /// Number of objectives of the problem.
        n_obj: usize,
    },
    /// An empty list of NSGA-III reference directions.
    #[error("reference_directions is empty; give at least one direction or remove the key to use the default lattice")]
    NoDirections,
    /// NSGA-III's default directions could not be built for this problem.
    #[error("cannot build NSGA-III reference directions: {0}")]
    Directions(String),
    /// A problem without decision variables.
    #[error("the problem has n_var = 0; NSGA-II needs at least one decision variable")]
    NoVariables,
    /// A problem without objectives.
    #[error("the problem has n_obj = 0; NSGA-II needs at least one objective")]
    NoObjectives,
    /// A bound vector whose length differs from the problem's number of variables.
    #[error("the problem's {field} has {len} values, but n_var is {n_var}; return one bound per variable")]
    BoundsLength {
        /// `lower_bounds` or `upper_bounds`.
        field: &'static str,
        /// Length of the bound vector.
        len: usize,
        /// Number of variables of the problem.
        n_var: usize,
    },
    /// A NaN or infinite bound.
    #[error("the problem's {field}[{variable}] is {value}; bounds must be finite")]
    BoundNonFinite {
        /// `lower_bounds` or `upper_bounds`.
        field: &'static str,
        /// Position of the variable.
        variable: usize,
        /// The rejected bound.
        value: f64,
    },
    /// A lower bound above its upper bound.
    #[error("the problem's lower_bounds[{variable}] is {lower}, above upper_bounds[{variable}] = {upper}; swap or fix the bounds")]
    BoundsInverted {
        /// Position of the variable.
        variable: usize,
        /// The lower bound.
        lower: f64,
        /// The upper bound.
        upper: f64,
    },
}

impl Nsga2Config {
    /// Checks the settings that do not depend on the problem.
    ///
    /// # Errors
    ///
    /// Returns the first invalid setting: a population below [`MIN_POPULATION`], zero
    /// generations, a probability outside [0, 1], a distribution index that is not
    /// positive and finite, a zero batch size, or more seed candidates than the population.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.population < MIN_POPULATION {
            return Err(ConfigError::PopulationTooSmall {
                value: self.population,
            });
        }
        if self.generations == 0 {
            return Err(ConfigError::NoGenerations);
        }
        check_probability("crossover_probability", self.crossover_probability)?;
        if let Some(probability) = self.mutation_probability {
            check_probability("mutation_probability", probability)?;
        }
        check_eta("crossover_eta", self.crossover_eta)?;
        check_eta("mutation_eta", self.mutation_eta)?;
        if self.batch_size == 0 {
            return Err(ConfigError::ZeroBatchSize);
        }
        if let Some(value) = self.max_evaluations {
            if value < self.population {
                let population = self.population;
                return Err(ConfigError::EvaluationLimitTooSmall { value, population });
            }
        }
        if let Some(value) = self.max_seconds {
            if !(value > 0.0 && value.is_finite()) {
                return Err(ConfigError::InvalidTimeLimit { value });
            }
        }
        if let Some(stagnation) = self.stagnation {
            let tolerance = stagnation.tolerance;
            if stagnation.generations == 0 || !(tolerance >= 0.0 && tolerance.is_finite()) {
                return Err(ConfigError::InvalidStagnation {
                    generations: stagnation.generations,
                    tolerance,
                });
            }
        }
        if self.initial.len() > self.population {
            return Err(ConfigError::TooManyInitial {
                count: self.initial.len(),
                population: self.population,
            });
        }
        Ok(())
    }

    /// Checks the settings, the problem's dimensions and bounds, and the seed candidates.
    ///
    /// # Errors
    ///
    /// Returns every error of [`validate`](Self::validate). Also rejects a problem without
    /// variables or objectives, and bounds of the wrong length, NaN or infinite bounds, or a
    /// lower bound above its upper bound. Seed candidates must have one finite value per
    /// variable.
    pub fn validate_for_problem<P: Problem + ?Sized>(
        &self,
        problem: &P,
    ) -> Result<(), ConfigError> {
        self.validate()?;
        if problem.n_var() == 0 {
            return Err(ConfigError::NoVariables);
        }
        if problem.n_obj() == 0 {
            return Err(ConfigError::NoObjectives);
        }
        check_bounds(
            problem.lower_bounds(),
            problem.upper_bounds(),
            problem.n_var(),
        )?;
        self.check_initial(problem.n_var())?;
        self.check_directions(problem.n_obj())
    }

    /// Returns whether the run keeps an archive for `n_obj` objectives.
    #[must_use]
    pub fn archive_for(&self, n_obj: usize) -> bool {
        self.archive.unwrap_or(n_obj <= 3)
    }

    /// Returns the per-variable mutation probability, resolving `None` to 1/n_var.
    #[must_use]
    pub fn mutation_probability_for(&self, n_var: usize) -> f64 {
        match self.mutation_probability {
            Some(probability) => probability,
            None => 1.0 / n_var.max(1) as f64,
        }
    }

    fn check_directions(&self, n_obj: usize) -> Result<(), ConfigError> {
        let Some(directions) = &self.reference_directions else {
            return Ok(());
        };
        if directions.is_empty() {
            return Err(ConfigError::NoDirections);
        }
        for (index, direction) in directions.iter().enumerate() {
            let valid = direction.len() == n_obj
                && direction.iter().all(|v| *v >= 0.0 && v.is_finite())
                && direction.iter().any(|v| *v > 0.0);
            if !valid {
                return Err(ConfigError::InvalidDirection {
                    index,
                    direction: direction.clone(),
                    n_obj,
                });
            }
        }
        Ok(())
    }

    fn check_initial(&self, n_var: usize) -> Result<(), ConfigError> {
        for (index, candidate) in self.initial.iter().enumerate() {
            if candidate.len() != n_var {
                return Err(ConfigError::InitialLength {
                    index,
                    len: candidate.len(),
                    n_var,
                });
            }
            let non_finite = candidate.iter().position(|value| !value.is_finite());
            if let Some(variable) = non_finite {
                return Err(ConfigError::InitialNonFinite {
                    index,
                    variable,
                    value: candidate[variable],
                });
            }
        }
        Ok(())
    }
}

fn check_probability(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::ProbabilityOutOfRange { field, value })
    }
}

fn check_eta(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(ConfigError::InvalidEta { field, value })
    }
}

fn check_bounds(lower: &[f64], upper: &[f64], n_var: usize) -> Result<(), ConfigError> {
    for (field, bounds) in [("lower_bounds", lower), ("upper_bounds", upper)] {
        if bounds.len() != n_var {
            return Err(ConfigError::BoundsLength {
                field,
                len: bounds.len(),
                n_var,
            });
        }
        if let Some(variable) = bounds.iter().position(|bound| !bound.is_finite()) {
            let value = bounds[variable];
            return Err(ConfigError::BoundNonFinite {
                field,
                variable,
                value,
            });
        }
    }
    let inverted = lower.iter().zip(upper).position(|(lo, hi)| lo > hi);
    if let Some(variable) = inverted {
        return Err(ConfigError::BoundsInverted {
            variable,
            lower: lower[variable],
            upper: upper[variable],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Evaluation, ProblemError};
    use ndarray::ArrayView2;

    /// A problem that only carries bounds, for validation tests.
    struct BoundsOnly {
        n_obj: usize,
        lower: Vec<f64>,
        upper: Vec<f64>,
    }

    impl Problem for BoundsOnly {
        fn n_var(&self) -> usize {
            2
        }
        fn n_obj(&self) -> usize {
            self.n_obj
        }
        fn lower_bounds(&self) -> &[f64] {
            &self.lower
        }
        fn upper_bounds(&self) -> &[f64] {
            &self.upper
        }
        fn evaluate(&self, _x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
            Err(ProblemError("not evaluated in validation tests".into()))
        }
    }

    fn unit_box() -> BoundsOnly {
        BoundsOnly {
            n_obj: 2,
            lower: vec![0.0, 0.0],
            upper: vec![1.0, 1.0],
        }
    }

    /// Asserts that `config` fails validation with `expected` and that its message
    /// contains each of `fragments`.
    fn assert_rejected(config: &Nsga2Config, expected: &ConfigError, fragments: &[&str]) {
        let error = config.validate_for_problem(&unit_box()).unwrap_err();
        assert_eq!(&error, expected);
        let message = error.to_string();
        for fragment in fragments {
            assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
        }
    }

    #[test]
    fn default_config_is_valid() {
        assert_eq!(Nsga2Config::default().validate(), Ok(()));
        assert_eq!(
            Nsga2Config::default().validate_for_problem(&unit_box()),
            Ok(())
        );
    }

    #[test]
    fn config_rejects_small_population() {
        let config = Nsga2Config {
            population: 3,
            ..Nsga2Config::default()
        };
        let expected = ConfigError::PopulationTooSmall { value: 3 };
        assert_rejected(&config, &expected, &["population is 3", "at least 4"]);
    }

    #[test]
    fn config_accepts_odd_population() {
        let config = Nsga2Config {
            population: 5,
            ..Nsga2Config::default()
        };
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn config_rejects_zero_generations() {
        let config = Nsga2Config {
            generations: 0,
            ..Nsga2Config::default()
        };
        assert_rejected(&config, &ConfigError::NoGenerations, &["generations is 0"]);
    }

    #[test]
    fn config_rejects_bad_probabilities() {
        let config = Nsga2Config {
            crossover_probability: 1.5,
            ..Nsga2Config::default()
        };
        let expected = ConfigError::ProbabilityOutOfRange {
            field: "crossover_probability",
            value: 1.5,
        };
        assert_rejected(
            &config,
            &expected,
            &["crossover_probability is 1.5", "[0, 1]"],
        );

        let config = Nsga2Config {
            mutation_probability: Some(-0.1),
            ..Nsga2Config::default()
        };
        let expected = ConfigError::ProbabilityOutOfRange {
            field: "mutation_probability",
            value: -0.1,
        };
        assert_rejected(&config, &expected, &["mutation_probability is -0.1"]);
    }

    #[test]
    fn config_rejects_nan_probability() {
        let config = Nsga2Config {
            crossover_probability: f64::NAN,
            ..Nsga2Config::default()
        };
        let error = config.validate().unwrap_err();
        assert!(
            error.to_string().contains("crossover_probability is NaN"),
            "{error}"
        );
    }

    #[test]
    fn config_rejects_bad_eta() {
        let config = Nsga2Config {
            crossover_eta: 0.0,
            ..Nsga2Config::default()
        };
        let expected = ConfigError::InvalidEta {
            field: "crossover_eta",
            value: 0.0,
        };
        assert_rejected(
            &config,
            &expected,
            &["crossover_eta is 0", "positive and finite"],
        );

        let config = Nsga2Config {
            mutation_eta: f64::INFINITY,
            ..Nsga2Config::default()
        };
        let expected = ConfigError::InvalidEta {
            field: "mutation_eta",
            value: f64::INFINITY,
        };
        assert_rejected(&config, &expected, &["mutation_eta is inf"]);
    }

    #[test]
    fn config_rejects_zero_batch_size() {
        let config = Nsga2Config {
            batch_size: 0,
            ..Nsga2Config::default()
        };
        assert_rejected(&config, &ConfigError::ZeroBatchSize, &["batch_size is 0"]);
    }

    #[test]
    fn config_rejects_too_many_initial() {
        let config = Nsga2Config {
            population: 4,
            initial: vec![vec![0.5, 0.5]; 5],
            ..Nsga2Config::default()
        };
        let expected = ConfigError::TooManyInitial {
            count: 5,
            population: 4,
        };
        assert_rejected(
            &config,
            &expected,
            &["initial has 5 candidates", "population is 4"],
        );
    }

    #[test]
    fn config_rejects_initial_of_wrong_length() {
        let config = Nsga2Config {
            initial: vec![vec![0.5, 0.5], vec![0.5]],
            ..Nsga2Config::default()
        };
        let expected = ConfigError::InitialLength {
            index: 1,
            len: 1,
            n_var: 2,
        };
        assert_rejected(
            &config,
            &expected,
            &["initial[1] has 1 values", "2 variables"],
        );
    }

    #[test]
    fn config_rejects_non_finite_initial() {
        let config = Nsga2Config {
            initial: vec![vec![0.5, f64::NAN]],
            ..Nsga2Config::default()
        };
        let error = config.validate_for_problem(&unit_box()).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::InitialNonFinite {
                index: 0,
                variable: 1,
                ..
            }
        ));
        assert!(
            error.to_string().contains("initial[0][1] is NaN"),
            "{error}"
        );
    }

    #[test]
    fn config_rejects_problem_without_objectives() {
        let problem = BoundsOnly {
            n_obj: 0,
            ..unit_box()
        };
        let error = Nsga2Config::default()
            .validate_for_problem(&problem)
            .unwrap_err();
        assert_eq!(error, ConfigError::NoObjectives);
        assert!(error.to_string().contains("n_obj = 0"), "{error}");
    }

    #[test]
    fn config_rejects_bad_bounds() {
        let config = Nsga2Config::default();
        let short = BoundsOnly {
            lower: vec![0.0],
            ..unit_box()
        };
        let error = config.validate_for_problem(&short).unwrap_err();
        assert_eq!(
            error,
            ConfigError::BoundsLength {
                field: "lower_bounds",
                len: 1,
                n_var: 2
            }
        );

        let infinite = BoundsOnly {
            upper: vec![1.0, f64::INFINITY],
            ..unit_box()
        };
        let error = config.validate_for_problem(&infinite).unwrap_err();
        assert!(
            error.to_string().contains("upper_bounds[1] is inf"),
            "{error}"
        );

        let inverted = BoundsOnly {
            lower: vec![0.0, 2.0],
            ..unit_box()
        };
        let error = config.validate_for_problem(&inverted).unwrap_err();
        assert_eq!(
            error,
            ConfigError::BoundsInverted {
                variable: 1,
                lower: 2.0,
                upper: 1.0
            }
        );
        assert!(
            error.to_string().contains("lower_bounds[1] is 2"),
            "{error}"
        );
    }

    #[test]
    fn mutation_probability_defaults_to_inverse_n_var() {
        let config = Nsga2Config::default();
        assert_eq!(config.mutation_probability_for(30), 1.0 / 30.0);
        let config = Nsga2Config {
            mutation_probability: Some(0.2),
            ..config
        };
        assert_eq!(config.mutation_probability_for(30), 0.2);
    }
}
