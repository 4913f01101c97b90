//! Derivative-free maximization with CMA-ES, for models without gradients.
//!
//! The solver is the (mu/mu_w, lambda) covariance matrix adaptation evolution strategy with
//! cumulative step-size adaptation. Its default strategy parameters are those of N. Hansen,
//! "The CMA Evolution Strategy: A Tutorial" (2016, arXiv:1604.00772), with positive
//! recombination weights only. Up to [`FULL_COVARIANCE_MAX_DIMENSION`] free variables it adapts a
//! full covariance matrix. Above that it adapts only the diagonal, as the separable CMA-ES of
//! R. Ros and N. Hansen (2008) does: the two covariance learning rates are multiplied by
//! `(n + 2) / 3`, and a generation costs O(lambda n) time and O(n) memory instead of
//! O(lambda n^2) and O(n^2). After convergence the search restarts from the start plan with
//! twice the population (IPOP-CMA-ES) while restarts and evaluations remain.
//!
//! Constraints are handled by repair with a penalty. Every candidate is sampled from the search
//! distribution, projected by the caller's repair, and evaluated at the repaired point. The
//! ranking subtracts `gamma * |sampled - repaired|^2` from the objective, where distances are in
//! units of `step` and `gamma = 2 * IQR / (sigma^2 * trace(C) / n)`. `IQR` is the interquartile
//! range of the generation's objective values, so the penalty scales with the objective and a
//! sample one standard deviation outside the feasible set loses about twice the typical spread.
//! Inside the feasible set the penalty is zero. The distribution is updated with the sampled
//! points, not the repaired ones.
//!
//! Ranking, the penalty and the stopping tests use only comparisons and ratios of objective
//! values, so multiplying the objective by a positive constant changes the result only through
//! rounding. Evaluations are counted per row, and the limit is exact: when a full generation no
//! longer fits, the remaining evaluations go to one smaller batch.
//!
//! ```
//! use atlas_core::cmaes::{maximize, CmaesOptions};
//!
//! // Maximizes -(x - 3)^2 - (y + 1)^2 on the box [0, 10] x [0, 10]; the optimum is (3, 0).
//! let objective = |plans: ndarray::ArrayView2<'_, f64>| {
//!     Ok(plans
//!         .rows()
//!         .into_iter()
//!         .map(|x| -(x[0] - 3.0).powi(2) - (x[1] + 1.0).powi(2))
//!         .collect())
//! };
//! let repair = |x: &mut [f64]| {
//!     for value in x.iter_mut() {
//!         *value = value.clamp(0.0, 10.0);
//!     }
//!     Ok(())
//! };
//! let options = CmaesOptions::new(7, 5_000);
//! let outcome = maximize(&[5.0, 5.0], &[2.0, 2.0], objective, repair, &options).unwrap();
//! assert!((outcome.x[0] - 3.0).abs() < 1e-6);
//! assert!(outcome.x[1].abs() < 1e-6);
//! ```

use std::time::Instant;

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::error::CoreError;

/// Largest number of free variables for which the solver adapts a full covariance matrix. With
/// more, it adapts only the diagonal.
pub const FULL_COVARIANCE_MAX_DIMENSION: usize = 100;

/// Default of [`CmaesOptions::step_tolerance`].
pub const DEFAULT_STEP_TOLERANCE: f64 = 1e-11;

/// Relative spread of the best values of recent generations below which a run counts as
/// converged. Near a smooth maximum the values fall with the squared distance to it, so a run
/// that stops on this test ends roughly 1e-6 of the variables' scale away (an estimate).
pub const VALUE_TOLERANCE: f64 = 1e-12;

/// Condition number of the covariance matrix above which a run counts as converged. Beyond it,
/// rounding in `C` (about 1e-16 of its largest entry) comes within two orders of magnitude of
/// its smallest eigenvalue.
pub const MAX_CONDITION: f64 = 1e14;

/// Options of one CMA-ES search.
#[derive(Debug, Clone, PartialEq)]
pub struct CmaesOptions {
    /// Seed of the one ChaCha8 stream that every sample is drawn from.
    pub seed: u64,
    /// Maximum number of objective evaluations, at least 1. The start counts as one.
    pub max_evaluations: usize,
    /// Time after which no new generation starts. A search that stops here depends on the
    /// machine's speed, so it is not reproducible from the seed alone.
    pub deadline: Option<Instant>,
    /// Maximum number of restarts, each with twice the previous population (IPOP), after a
    /// run converges while evaluations remain.
    pub restarts: usize,
    /// Population size `lambda` of the first run, at least 2. `None` uses `4 + floor(3 ln n)`
    /// for `n` free variables.
    pub population: Option<usize>,
    /// Convergence tolerance: a run converges when the step size times the square root of the
    /// covariance matrix's largest eigenvalue falls below this value. The unit is `step`, so
    /// the default 1e-11 means 1e-11 times each variable's step.
    pub step_tolerance: f64,
}

impl CmaesOptions {
    /// Options with the given seed and evaluation limit, no deadline, no restart, the default
    /// population and [`DEFAULT_STEP_TOLERANCE`].
    pub fn new(seed: u64, max_evaluations: usize) -> Self {
        Self {
            seed,
            max_evaluations,
            deadline: None,
            restarts: 0,
            population: None,
            step_tolerance: DEFAULT_STEP_TOLERANCE,
        }
    }
}

/// Reason the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmaesStop {
    /// The last run converged and no restart was left. A run converges on the first of these:
    /// - the step size times the largest axis falls below [`CmaesOptions::step_tolerance`];
    /// - the best values of the last `10 + ceil(30 n / lambda)` generations agree to
    ///   [`VALUE_TOLERANCE`];
    /// - the run's best value has not increased for `100 + floor(100 n^1.5 / lambda)`
    ///   generations, the default `tolstagnation` of pycma;
    /// - the distribution degenerates numerically, with a condition number above
    ///   [`MAX_CONDITION`] or a non-finite sample.
    ///
    /// With no free variable the search converges at the start.
    Converged,
    /// The next generation would have exceeded [`CmaesOptions::max_evaluations`]. The
    /// remaining evaluations were spent on a last, smaller batch from the same distribution.
    EvaluationLimit,
    /// [`CmaesOptions::deadline`] passed before a generation started.
    TimeLimit,
}

/// The best plan found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmaesOutcome {
    /// Best repaired point evaluated, the repaired start included.
    pub x: Vec<f64>,
    /// Objective value at `x`, without penalty.
    pub value: f64,
    /// Objective evaluations, one per evaluated row.
    pub evaluations: usize,
    /// Generations over all runs.
    pub generations: usize,
    /// Restarts performed.
    pub restarts: usize,
    /// Reason the search stopped.
    pub stop: CmaesStop,
}

/// Maximizes `objective` over the set that `repair` projects onto.
///
/// The solver repairs `start`, evaluates it first and returns it when no candidate beats it, so
/// the result is never worse than the repaired start. `step` sets the initial standard
/// deviation of each variable, for example a fraction of its bound width. A variable with step 0
/// keeps its repaired start value in every sampled candidate, so it never moves unless `repair`
/// itself moves it.
///
/// `objective` receives a batch of repaired candidates, one per row, and returns one value per
/// row. It may evaluate the rows in parallel. The solver draws every sample from one ChaCha8
/// stream seeded with [`CmaesOptions::seed`] before it calls the objective, so the thread count
/// does not change the result. Non-finite values rank last and never become the best. `repair`
/// projects a plan onto the feasible set in place.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] for an empty `start`, a `step` of another length, a
/// non-finite value in either, a negative step or invalid options. Returns the error of
/// `objective` or `repair` when one fails, [`CoreError::Invalid`] for `repair` when it returns a
/// non-finite value, and [`CoreError::Model`] when the objective returns the wrong number of
/// values or a non-finite value at the start.
pub fn maximize<F, R>(
    start: &[f64],
    step: &[f64],
    objective: F,
    repair: R,
    options: &CmaesOptions,
) -> Result<CmaesOutcome, CoreError>
where
    F: FnMut(ArrayView2<'_, f64>) -> Result<Vec<f64>, CoreError>,
    R: Fn(&mut [f64]) -> Result<(), CoreError>,
{
    validate(start, step, options)?;
    let mut search = Search::new(start, step, objective, repair, options)?;
    if search.free.is_empty() {
        return Ok(search.outcome(0, CmaesStop::Converged));
    }

    let dimension = search.free.len();
    let first_population = options
        .population
        .unwrap_or_else(|| default_population(dimension));
    let mut restarts = 0;
    loop {
        let population = u32::try_from(restarts)
            .ok()
            .and_then(|r| 2usize.checked_pow(r))
            .and_then(|factor| first_population.checked_mul(factor))
            .unwrap_or(usize::MAX);
        let stop = search.run(population)?;
        tracing::debug!(
            restart = restarts,
            population,
            ?stop,
            value = search.best_value,
            evaluations = search.evaluations,
            "CMA-ES run finished"
        );
        if stop != CmaesStop::Converged || restarts >= options.restarts {
            return Ok(search.outcome(restarts, stop));
        }
        restarts += 1;
    }
}

/// Population size `4 + floor(3 ln n)` for `n` free variables.
pub fn default_population(dimension: usize) -> usize {
    4 + (3.0 * (dimension as f64).ln()).floor() as usize
}

fn validate(start: &[f64], step: &[f64], options: &CmaesOptions) -> Result<(), CoreError> {
    if start.is_empty() {
        return Err(CoreError::invalid(
            "start",
            "is empty; pass one value per variable",
        ));
    }
    if step.len() != start.len() {
        return Err(CoreError::invalid(
            "step",
            format!(
                "has {} values but `start` has {}; pass one step per variable",
                step.len(),
                start.len()
            ),
        ));
    }
    if let Some((i, value)) = start.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(CoreError::invalid(
            format!("start[{i}]"),
            format!("is {value}; pass a finite value"),
        ));
    }
    if let Some((i, value)) = step
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || **v < 0.0)
    {
        return Err(CoreError::invalid(
            format!("step[{i}]"),
            format!("is {value}; pass a finite step >= 0, where 0 fixes the variable"),
        ));
    }
    if options.max_evaluations == 0 {
        return Err(CoreError::invalid(
            "max_evaluations",
            "is 0; allow at least 1 evaluation so that the start can be evaluated",
        ));
    }
    if let Some(population) = options.population {
        if population < 2 {
            return Err(CoreError::invalid(
                "population",
                format!(
                    "is {population}; use at least 2, or None for the default 4 + floor(3 ln n)"
                ),
            ));
        }
    }
    let tolerance = options.step_tolerance;
    if !tolerance.is_finite() || tolerance <= 0.0 {
        return Err(CoreError::invalid(
            "step_tolerance",
            format!(
                "is {tolerance}; pass a finite value > 0, for example {DEFAULT_STEP_TOLERANCE:e}"
            ),
        ));
    }
    Ok(())
}

/// Default strategy parameters for `n` free variables and population `lambda`.
struct Strategy {
    population: usize,
    /// Recombination weights of the `mu` best candidates, positive and summing to 1.
    weights: Vec<f64>,
    /// Variance-effective selection mass `mu_eff = 1 / sum(w_i^2)`.
    mu_eff: f64,
    /// Learning rate of the step-size path `p_sigma`.
    c_sigma: f64,
    /// Damping of the step-size update.
    d_sigma: f64,
    /// Learning rate of the covariance path `p_c`.
    c_c: f64,
    /// Learning rate of the rank-one covariance update.
    c_1: f64,
    /// Learning rate of the rank-mu covariance update.
    c_mu: f64,
    /// Expected length of an `n`-dimensional standard normal vector.
    expected_norm: f64,
    /// Generations between eigendecompositions of a full covariance matrix.
    eigen_interval: usize,
    /// Generations over which flat best values end a run: `10 + ceil(30 n / lambda)`.
    flat_window: usize,
    /// Generations without a new best value that end a run: `100 + floor(100 n^1.5 / lambda)`.
    stagnation_window: usize,
}

impl Strategy {
    fn new(dimension: usize, population: usize) -> Self {
        let n = dimension as f64;
        let mu = population / 2;
        let raw: Vec<f64> = (1..=mu)
            .map(|i| ((population as f64 + 1.0) / 2.0).ln() - (i as f64).ln())
            .collect();
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();

        let c_sigma = (mu_eff + 2.0) / (n + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let c_c = (4.0 + mu_eff / n) / (n + 4.0 + 2.0 * mu_eff / n);
        let mut c_1 = 2.0 / ((n + 1.3).powi(2) + mu_eff);
        let mut c_mu = 2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((n + 2.0).powi(2) + mu_eff);
        if is_separable(dimension) {
            // A diagonal matrix has n instead of n (n + 1) / 2 free entries, so it can learn
            // faster: separable CMA-ES multiplies both rates by (n + 2) / 3.
            c_1 *= (n + 2.0) / 3.0;
            c_mu *= (n + 2.0) / 3.0;
        }
        c_mu = c_mu.min(1.0 - c_1);

        // C is decomposed every 1 / (10 n (c_1 + c_mu)) generations, the tutorial's lazy update.
        // With the default population that is every generation up to 100 variables, so a
        // generation pays one O(n^3) decomposition: 1.5 ms at n = 100 on a 2-core test machine.
        let eigen_interval = (1.0 / (10.0 * n * (c_1 + c_mu))).floor().max(1.0) as usize;
        let flat_window = 10 + (30.0 * n / population as f64).ceil() as usize;
        let stagnation_window = 100 + (100.0 * n.powf(1.5) / population as f64).floor() as usize;
        Self {
            population,
            weights,
            mu_eff,
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            expected_norm: n.sqrt() * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n)),
            eigen_interval,
            flat_window,
            stagnation_window,
        }
    }
}

fn is_separable(dimension: usize) -> bool {
    dimension > FULL_COVARIANCE_MAX_DIMENSION
}

/// Covariance matrix `C` of the search distribution with the factors used to sample from it.
enum Covariance {
    /// Full `C = B diag(d)^2 B^T`. `basis` (`B`) and `scales` (`d`) lag `matrix` by up to the
    /// strategy's eigen interval.
    Full {
        matrix: DMatrix<f64>,
        basis: DMatrix<f64>,
        scales: DVector<f64>,
        decomposed_at: usize,
    },
    /// Diagonal `C = diag(scales)^2`.
    Diagonal { scales: DVector<f64> },
}

impl Covariance {
    fn identity(dimension: usize, separable: bool) -> Self {
        if separable {
            Self::Diagonal {
                scales: DVector::from_element(dimension, 1.0),
            }
        } else {
            Self::Full {
                matrix: DMatrix::identity(dimension, dimension),
                basis: DMatrix::identity(dimension, dimension),
                scales: DVector::from_element(dimension, 1.0),
                decomposed_at: 0,
            }
        }
    }

    /// Maps a standard normal vector `z` to `y = B D z`, a sample of N(0, C).
    fn transform(&self, z: &DVector<f64>) -> DVector<f64> {
        match self {
            Self::Full { basis, scales, .. } => basis * z.component_mul(scales),
            Self::Diagonal { scales } => z.component_mul(scales),
        }
    }

    /// Returns `C^(-1/2) y = B D^-1 B^T y`.
    fn whiten(&self, y: &DVector<f64>) -> DVector<f64> {
        match self {
            Self::Full { basis, scales, .. } => basis * (basis.tr_mul(y).component_div(scales)),
            Self::Diagonal { scales } => y.component_div(scales),
        }
    }

    fn scales(&self) -> &DVector<f64> {
        match self {
            Self::Full { scales, .. } | Self::Diagonal { scales } => scales,
        }
    }

    /// Returns `trace(C) / n`, the mean variance of the axes.
    fn mean_variance(&self) -> f64 {
        let scales = self.scales();
        scales.norm_squared() / scales.len() as f64
    }

    fn max_scale(&self) -> f64 {
        self.scales().max()
    }

    fn condition(&self) -> f64 {
        let scales = self.scales();
        (scales.max() / scales.min()).powi(2)
    }

    /// Applies the rank-one update with path `path` and the rank-mu update with the selected
    /// steps `selected` (best first). `stall` is `delta(h_sigma)`, which puts back the variance
    /// that the rank-one term misses while the path update is stalled.
    fn adapt(
        &mut self,
        strategy: &Strategy,
        path: &DVector<f64>,
        selected: &[&DVector<f64>],
        stall: f64,
    ) {
        let keep = 1.0 - strategy.c_1 - strategy.c_mu + strategy.c_1 * stall;
        match self {
            Self::Full { matrix, .. } => {
                *matrix *= keep;
                matrix.ger(strategy.c_1, path, path, 1.0);
                for (weight, y) in strategy.weights.iter().zip(selected) {
                    matrix.ger(strategy.c_mu * weight, y, y, 1.0);
                }
            }
            Self::Diagonal { scales } => {
                for i in 0..scales.len() {
                    let mut variance =
                        keep * scales[i] * scales[i] + strategy.c_1 * path[i] * path[i];
                    for (weight, y) in strategy.weights.iter().zip(selected) {
                        variance += strategy.c_mu * weight * y[i] * y[i];
                    }
                    scales[i] = variance.sqrt();
                }
            }
        }
    }

    /// Refreshes `B` and `d` from a full `C` when the eigen interval has passed since the last
    /// decomposition. Returns `false` when `C` is no longer positive definite or finite.
    fn refresh(&mut self, generation: usize, interval: usize) -> bool {
        match self {
            Self::Full {
                matrix,
                basis,
                scales,
                decomposed_at,
            } => {
                if generation < *decomposed_at + interval {
                    return true;
                }
                *decomposed_at = generation;
                if matrix.iter().any(|v| !v.is_finite()) {
                    return false;
                }
                // Reads only the lower triangle, so rounding asymmetry in the updates is harmless.
                let eigen = SymmetricEigen::new(matrix.clone());
                if eigen.eigenvalues.iter().any(|&v| v <= 0.0) {
                    return false;
                }
                *basis = eigen.eigenvectors;
                *scales = eigen.eigenvalues.map(f64::sqrt);
                true
            }
            Self::Diagonal { scales } => scales.iter().all(|&s| s.is_finite() && s > 0.0),
        }
    }
}

/// State of one run: the search distribution `N(mean, sigma^2 C)` and its evolution paths, in
/// the search coordinates `(x - start) / step` of the free variables.
struct Run {
    mean: DVector<f64>,
    sigma: f64,
    covariance: Covariance,
    sigma_path: DVector<f64>,
    covariance_path: DVector<f64>,
    generation: usize,
    /// Best finite objective value of each generation of this run.
    generation_bests: Vec<f64>,
    /// Best objective value of this run and the generation that found it.
    record: (f64, usize),
}

impl Run {
    fn new(dimension: usize, separable: bool) -> Self {
        Self {
            mean: DVector::zeros(dimension),
            sigma: 1.0,
            covariance: Covariance::identity(dimension, separable),
            sigma_path: DVector::zeros(dimension),
            covariance_path: DVector::zeros(dimension),
            generation: 0,
            generation_bests: Vec::new(),
            record: (f64::NEG_INFINITY, 0),
        }
    }

    /// Moves the mean to the weighted mean of the `mu` best steps and adapts the paths, `C` and
    /// `sigma` from it.
    fn update(&mut self, strategy: &Strategy, steps: &[DVector<f64>], order: &[usize]) {
        let selected: Vec<&DVector<f64>> = order
            .iter()
            .take(strategy.weights.len())
            .map(|&k| &steps[k])
            .collect();
        let mut mean_step = DVector::zeros(self.mean.len());
        for (weight, y) in strategy.weights.iter().zip(&selected) {
            mean_step.axpy(*weight, y, 1.0);
        }
        self.mean.axpy(self.sigma, &mean_step, 1.0);

        let c_sigma = strategy.c_sigma;
        let sigma_gain = (c_sigma * (2.0 - c_sigma) * strategy.mu_eff).sqrt();
        let whitened = self.covariance.whiten(&mean_step);
        self.sigma_path.axpy(sigma_gain, &whitened, 1.0 - c_sigma);

        // h_sigma stalls the covariance path while the step-size path is long, so that C does
        // not grow too fast when sigma is too small.
        let n = self.mean.len() as f64;
        let bias = (1.0 - (1.0 - c_sigma).powf(2.0 * (self.generation + 1) as f64)).sqrt();
        let path_length = self.sigma_path.norm();
        let h_sigma = path_length / bias < (1.4 + 2.0 / (n + 1.0)) * strategy.expected_norm;

        let c_c = strategy.c_c;
        let covariance_gain = if h_sigma {
            (c_c * (2.0 - c_c) * strategy.mu_eff).sqrt()
        } else {
            0.0
        };
        self.covariance_path
            .axpy(covariance_gain, &mean_step, 1.0 - c_c);
        let stall = if h_sigma { 0.0 } else { c_c * (2.0 - c_c) };
        self.covariance
            .adapt(strategy, &self.covariance_path, &selected, stall);

        self.sigma *=
            ((c_sigma / strategy.d_sigma) * (path_length / strategy.expected_norm - 1.0)).exp();
        self.generation += 1;
    }

    /// Returns whether the run has converged after its latest generation.
    fn converged(&self, strategy: &Strategy, tolerance: f64) -> bool {
        if !self.sigma.is_finite() || self.sigma * self.covariance.max_scale() < tolerance {
            return true;
        }
        if self.covariance.condition() > MAX_CONDITION {
            return true;
        }
        self.is_flat(strategy.flat_window)
            || self.generation - self.record.1 >= strategy.stagnation_window
    }

    /// Stores the best value of the latest generation and updates the run's record.
    fn record_values(&mut self, evaluations: &[Evaluation]) {
        let best = evaluations
            .iter()
            .map(|e| e.value)
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        self.generation_bests.push(best);
        if best > self.record.0 {
            self.record = (best, self.generation);
        }
    }

    /// Returns whether the best values of the last `window` generations lie within
    /// [`VALUE_TOLERANCE`] times their largest magnitude of each other. The test is relative, so
    /// scaling the objective does not change it.
    fn is_flat(&self, window: usize) -> bool {
        let count = self.generation_bests.len();
        if count < window {
            return false;
        }
        let recent = &self.generation_bests[count - window..];
        if recent.iter().any(|v| !v.is_finite()) {
            return false;
        }
        let high = recent.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let low = recent.iter().copied().fold(f64::INFINITY, f64::min);
        let magnitude = recent.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
        high - low <= VALUE_TOLERANCE * magnitude
    }
}

/// One evaluated candidate.
struct Evaluation {
    /// Objective value at the repaired point, without penalty.
    value: f64,
    /// Squared distance between the sampled and the repaired point, in units of `step`.
    distance_squared: f64,
}

/// The search over all runs: the caller's functions, the coordinates and the best point.
struct Search<'o, F, R> {
    objective: F,
    repair: R,
    options: &'o CmaesOptions,
    /// The repaired start, which fixed variables keep.
    origin: Vec<f64>,
    /// Indices of the variables with a positive step.
    free: Vec<usize>,
    /// Step of each free variable, the unit of the search coordinates.
    scales: Vec<f64>,
    rng: ChaCha8Rng,
    evaluations: usize,
    generations: usize,
    best_x: Vec<f64>,
    best_value: f64,
}

impl<'o, F, R> Search<'o, F, R>
where
    F: FnMut(ArrayView2<'_, f64>) -> Result<Vec<f64>, CoreError>,
    R: Fn(&mut [f64]) -> Result<(), CoreError>,
{
    /// Repairs and evaluates the start.
    fn new(
        start: &[f64],
        step: &[f64],
        objective: F,
        repair: R,
        options: &'o CmaesOptions,
    ) -> Result<Self, CoreError> {
        let mut origin = start.to_vec();
        repair(&mut origin)?;
        check_repaired(&origin)?;
        let free: Vec<usize> = (0..step.len()).filter(|&i| step[i] > 0.0).collect();
        let scales = free.iter().map(|&i| step[i]).collect();
        let mut search = Self {
            objective,
            repair,
            options,
            origin: origin.clone(),
            free,
            scales,
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            evaluations: 0,
            generations: 0,
            best_x: origin.clone(),
            best_value: f64::NEG_INFINITY,
        };
        let values = search.call_objective(&batch_of(&[origin]))?;
        let value = values[0];
        if !value.is_finite() {
            return Err(CoreError::Model(format!(
                "the objective returned {value} at the repaired start; it must return a finite \
                 value there"
            )));
        }
        search.best_value = value;
        Ok(search)
    }

    fn outcome(&self, restarts: usize, stop: CmaesStop) -> CmaesOutcome {
        CmaesOutcome {
            x: self.best_x.clone(),
            value: self.best_value,
            evaluations: self.evaluations,
            generations: self.generations,
            restarts,
            stop,
        }
    }

    /// Runs CMA-ES with population `population` from the start until it stops.
    fn run(&mut self, population: usize) -> Result<CmaesStop, CoreError> {
        let dimension = self.free.len();
        let mut run = Run::new(dimension, is_separable(dimension));
        let mut strategy = None;
        loop {
            if self.options.deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(CmaesStop::TimeLimit);
            }
            let remaining = self.options.max_evaluations - self.evaluations;
            if remaining < population {
                let steps = self.sample(&run, remaining);
                let sampled = self.plans(&run, &steps);
                if !sampled.is_empty() && all_finite(&sampled) {
                    self.evaluate(&sampled)?;
                }
                return Ok(CmaesStop::EvaluationLimit);
            }
            // Built only once a full generation fits, because its weights take memory in
            // proportion to the population.
            let strategy = strategy.get_or_insert_with(|| Strategy::new(dimension, population));

            let steps = self.sample(&run, strategy.population);
            let sampled = self.plans(&run, &steps);
            if !all_finite(&sampled) {
                return Ok(CmaesStop::Converged);
            }
            let evaluations = self.evaluate(&sampled)?;
            let order = rank(&evaluations, &run);
            run.update(strategy, &steps, &order);
            run.record_values(&evaluations);
            self.generations += 1;

            let decomposed = run
                .covariance
                .refresh(run.generation, strategy.eigen_interval);
            if !decomposed || run.converged(strategy, self.options.step_tolerance) {
                return Ok(CmaesStop::Converged);
            }
        }
    }

    /// Draws `count` steps `y = B D z` with `z` standard normal, in candidate order.
    fn sample(&mut self, run: &Run, count: usize) -> Vec<DVector<f64>> {
        let dimension = self.free.len();
        (0..count)
            .map(|_| {
                let z = DVector::from_fn(dimension, |_, _| StandardNormal.sample(&mut self.rng));
                run.covariance.transform(&z)
            })
            .collect()
    }

    /// Maps each step `y` to the plan `start + step * (mean + sigma * y)`, in which fixed
    /// variables keep their repaired start values.
    fn plans(&self, run: &Run, steps: &[DVector<f64>]) -> Vec<Vec<f64>> {
        steps
            .iter()
            .map(|y| {
                let mut plan = self.origin.clone();
                for (k, &i) in self.free.iter().enumerate() {
                    let coordinate = run.mean[k] + run.sigma * y[k];
                    plan[i] = self.origin[i] + self.scales[k] * coordinate;
                }
                plan
            })
            .collect()
    }

    /// Repairs and evaluates the sampled plans, and keeps the best repaired point.
    fn evaluate(&mut self, sampled: &[Vec<f64>]) -> Result<Vec<Evaluation>, CoreError> {
        let mut repaired_plans = Vec::with_capacity(sampled.len());
        let mut distances = Vec::with_capacity(sampled.len());
        for plan in sampled {
            let mut repaired = plan.clone();
            (self.repair)(&mut repaired)?;
            check_repaired(&repaired)?;
            let distance_squared: f64 = self
                .free
                .iter()
                .zip(&self.scales)
                .map(|(&i, scale)| ((plan[i] - repaired[i]) / scale).powi(2))
                .sum();
            distances.push(distance_squared);
            repaired_plans.push(repaired);
        }
        let values = self.call_objective(&batch_of(&repaired_plans))?;
        for (plan, &value) in repaired_plans.into_iter().zip(&values) {
            if value.is_finite() && value > self.best_value {
                self.best_value = value;
                self.best_x = plan;
            }
        }
        Ok(values
            .into_iter()
            .zip(distances)
            .map(|(value, distance_squared)| Evaluation {
                value,
                distance_squared,
            })
            .collect())
    }

    /// Calls the objective on `batch` and checks that it returned one value per row.
    fn call_objective(&mut self, batch: &Array2<f64>) -> Result<Vec<f64>, CoreError> {
        let count = batch.nrows();
        let values = (self.objective)(batch.view())?;
        self.evaluations += count;
        if values.len() != count {
            return Err(CoreError::Model(format!(
                "the objective returned {} values for a batch of {count} candidates; return one \
                 value per row",
                values.len()
            )));
        }
        Ok(values)
    }
}

/// Stacks plans of equal length as the rows of a matrix.
fn batch_of(plans: &[Vec<f64>]) -> Array2<f64> {
    let width = plans.first().map_or(0, Vec::len);
    Array2::from_shape_fn((plans.len(), width), |(row, column)| plans[row][column])
}

fn all_finite(plans: &[Vec<f64>]) -> bool {
    plans.iter().flatten().all(|v| v.is_finite())
}

fn check_repaired(x: &[f64]) -> Result<(), CoreError> {
    match x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((i, value)) => Err(CoreError::invalid(
            "repair",
            format!("returned {value} for variable {i}; repair must return finite values"),
        )),
        None => Ok(()),
    }
}

/// Orders the candidates best first by objective value minus the penalty for the distance to
/// the feasible set. Non-finite values rank last, and ties keep the sampling order.
fn rank(evaluations: &[Evaluation], run: &Run) -> Vec<usize> {
    let gamma = penalty_weight(evaluations, run);
    let fitness: Vec<f64> = evaluations
        .iter()
        .map(|e| {
            if e.value.is_finite() {
                e.value - gamma * e.distance_squared
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..evaluations.len()).collect();
    order.sort_by(|&a, &b| fitness[b].total_cmp(&fitness[a]));
    order
}

/// Returns `gamma = 2 * spread / (sigma^2 * trace(C) / n)`. The spread is the interquartile range
/// of the finite values, or their full range when the quartiles coincide, as happens when repair
/// maps most candidates onto one vertex. When all finite values are equal, any positive weight
/// ranks the candidates the same way, by distance alone.
fn penalty_weight(evaluations: &[Evaluation], run: &Run) -> f64 {
    let mut values: Vec<f64> = evaluations
        .iter()
        .map(|e| e.value)
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(f64::total_cmp);
    let spread = match values.len() {
        0 => 0.0,
        count => {
            let iqr = quantile(&values, 0.75) - quantile(&values, 0.25);
            if iqr > 0.0 {
                iqr
            } else {
                values[count - 1] - values[0]
            }
        }
    };
    if spread > 0.0 {
        let variance = run.sigma * run.sigma * run.covariance.mean_variance();
        // A variance that underflows to 0 makes any distance outweigh every value difference.
        (2.0 * spread / variance).min(f64::MAX)
    } else {
        1.0
    }
}

/// Quantile `q` of sorted `values` with linear interpolation between order statistics.
fn quantile(values: &[f64], q: f64) -> f64 {
    let position = q * (values.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let fraction = position - lower as f64;
    values[lower] + fraction * (values[upper] - values[lower])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_population_follows_formula() {
        assert_eq!(default_population(1), 4);
        assert_eq!(default_population(2), 6);
        assert_eq!(default_population(10), 10);
        assert_eq!(default_population(100), 17);
        assert_eq!(default_population(1000), 24);
    }

    #[test]
    fn strategy_weights_sum_to_one() {
        for (dimension, population) in [(1, 4), (10, 10), (10, 2), (100, 17), (500, 22)] {
            let strategy = Strategy::new(dimension, population);
            let total: f64 = strategy.weights.iter().sum();
            assert!((total - 1.0).abs() < 1e-12, "n={dimension}: {total}");
            assert_eq!(strategy.weights.len(), population / 2);
            assert!(strategy.weights.windows(2).all(|w| w[0] > w[1]));
            assert!(strategy.c_1 + strategy.c_mu <= 1.0);
            assert!(strategy.c_mu >= 0.0);
        }
    }

    #[test]
    fn strategy_matches_tutorial_values() {
        // n = 10, lambda = 10, mu = 5: w'_i = ln(5.5) - ln(i), computed by hand.
        let strategy = Strategy::new(10, 10);
        let raw: Vec<f64> = (1..=5).map(|i| 5.5f64.ln() - (i as f64).ln()).collect();
        let total: f64 = raw.iter().sum();
        let mu_eff = total * total / raw.iter().map(|w| w * w).sum::<f64>();
        assert!((strategy.mu_eff - mu_eff).abs() < 1e-12);
        assert!((mu_eff - 3.1672).abs() < 1e-3, "{mu_eff}");
        assert!((strategy.c_sigma - (mu_eff + 2.0) / (15.0 + mu_eff)).abs() < 1e-15);
        assert!((strategy.c_1 - 2.0 / (11.3f64.powi(2) + mu_eff)).abs() < 1e-15);
        assert!(!is_separable(100));
        assert!(is_separable(101));
    }

    #[test]
    fn quantile_interpolates_linearly() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&values, 0.25), 2.0);
        assert_eq!(quantile(&values, 0.75), 4.0);
        assert_eq!(quantile(&[1.0, 3.0], 0.5), 2.0);
        assert_eq!(quantile(&[7.0], 0.75), 7.0);
    }

    #[test]
    fn whiten_inverts_square_root() {
        let mut covariance = Covariance::Full {
            matrix: DMatrix::from_row_slice(2, 2, &[4.0, 1.0, 1.0, 2.0]),
            basis: DMatrix::identity(2, 2),
            scales: DVector::from_element(2, 1.0),
            decomposed_at: 0,
        };
        assert!(covariance.refresh(1, 1));
        let y = DVector::from_vec(vec![0.3, -1.2]);
        // C^(-1/2) applied twice is C^(-1); C y' = y checks it.
        let twice = covariance.whiten(&covariance.whiten(&y));
        let back = DMatrix::from_row_slice(2, 2, &[4.0, 1.0, 1.0, 2.0]) * twice;
        assert!((back - y).norm() < 1e-12);
    }

    #[test]
    fn rank_puts_nan_last() {
        let run = Run::new(2, false);
        let evaluations = vec![
            Evaluation {
                value: f64::NAN,
                distance_squared: 0.0,
            },
            Evaluation {
                value: 1.0,
                distance_squared: 0.0,
            },
            Evaluation {
                value: 2.0,
                distance_squared: 0.0,
            },
        ];
        assert_eq!(rank(&evaluations, &run), vec![2, 1, 0]);
    }

    #[test]
    fn penalty_ranks_outside_points_lower() {
        let run = Run::new(2, false);
        // Equal values: the candidate outside the feasible set ranks last.
        let evaluations = vec![
            Evaluation {
                value: 5.0,
                distance_squared: 0.5,
            },
            Evaluation {
                value: 5.0,
                distance_squared: 0.0,
            },
        ];
        assert_eq!(rank(&evaluations, &run), vec![1, 0]);
    }

    #[test]
    fn penalty_weight_scales_with_objective() {
        let run = Run::new(3, false);
        let make = |scale: f64| -> Vec<Evaluation> {
            (0..8)
                .map(|k| Evaluation {
                    value: scale * (k as f64).powi(2),
                    distance_squared: 0.1 * k as f64,
                })
                .collect()
        };
        let small = penalty_weight(&make(1e-7), &run);
        let large = penalty_weight(&make(1e9), &run);
        assert!((large / small / 1e16 - 1.0).abs() < 1e-9, "{small} {large}");
    }
}
