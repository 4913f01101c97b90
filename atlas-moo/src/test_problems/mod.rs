//! Benchmark problems with known Pareto fronts, for checking search settings.
//!
//! - ZDT1, ZDT2, ZDT3, ZDT4 and ZDT6 from Zitzler, Deb and Thiele, "Comparison of
//!   multiobjective evolutionary algorithms: empirical results", Evolutionary Computation
//!   8(2), 2000: two objectives, 30 or 10 variables.
//! - DTLZ1, DTLZ2, DTLZ3, DTLZ4 and DTLZ7 from Deb, Thiele, Laumanns and Zitzler,
//!   "Scalable test problems for evolutionary multiobjective optimization", in Evolutionary
//!   Multiobjective Optimization, Springer, 2005: any number M >= 2 of objectives and
//!   n_var = M + k - 1 variables.
//!
//! Every problem implements [`KnownFront`], which adds a sample of the analytic Pareto
//! front and, where it is known, the front's exact hypervolume for the reference point
//! ([`HYPERVOLUME_REFERENCE`], ..., [`HYPERVOLUME_REFERENCE`]). [`by_name`] builds a
//! problem from one of [`NAMES`].
//!
//! All variables are box-bounded and every candidate is feasible, so violations are 0.
//! `evaluate` applies the formulas to every row as given, without clamping to the bounds.
//! Rows outside the bounds or containing NaN give whatever the formulas give, which may be
//! NaN, and never panic.
//!
//! ```
//! use atlas_moo::indicators::hypervolume;
//! use atlas_moo::test_problems::{by_name, KnownFront};
//!
//! let problem = by_name("dtlz2", None, Some(3))?;
//! assert_eq!(problem.n_var(), 12);
//! let front = problem.front_sample(300)?;
//! let sampled = hypervolume(&front, &problem.hypervolume_reference())?;
//! let exact = problem.known_hypervolume().unwrap();
//! assert!(sampled < exact && sampled > exact - 0.05);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dtlz;
mod front;
mod zdt;

use std::fmt::Debug;

use ndarray::{Array1, Array2, ArrayView2};

use crate::{Evaluation, Problem, ProblemError};

pub use dtlz::{Dtlz1, Dtlz2, Dtlz3, Dtlz4, Dtlz7};
pub use zdt::{Zdt1, Zdt2, Zdt3, Zdt4, Zdt6};

/// Coordinate of the reference point, the same in every objective, for which
/// [`KnownFront::known_hypervolume`] is stated.
pub const HYPERVOLUME_REFERENCE: f64 = 1.1;

/// Maximum number of decision variables of a test problem. It guards against sizes that
/// would exhaust memory, far above the standard settings of 10 to 30 variables.
pub const MAX_VARIABLES: usize = 100_000;

/// Maximum number of objectives of a DTLZ problem. It keeps the smallest simplex-lattice
/// sample, n_obj points of n_obj coordinates, well within [`MAX_FRONT_COORDINATES`].
pub const MAX_OBJECTIVES: usize = 1_000;

/// Maximum size of a front sample in coordinates, points × n_obj: 80 MB of `f64`.
pub const MAX_FRONT_COORDINATES: usize = 10_000_000;

/// Number of objectives that [`by_name`] gives a DTLZ problem when `n_obj` is `None`.
pub const DEFAULT_N_OBJ: usize = 3;

/// Registry names of the test problems, in the order of the papers.
pub const NAMES: &[&str] = &[
    "zdt1", "zdt2", "zdt3", "zdt4", "zdt6", "dtlz1", "dtlz2", "dtlz3", "dtlz4", "dtlz7",
];

/// Invalid parameters of a test problem or of a front sample.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TestProblemError {
    /// Fewer variables than the problem's formulas need.
    #[error(
        "{problem} n_var is {n_var}, but {problem} with {n_obj} objectives needs at least \
         {minimum} variables; the standard setting is {standard}"
    )]
    TooFewVariables {
        /// Problem name, upper case as in the papers.
        problem: &'static str,
        /// The rejected number of variables.
        n_var: usize,
        /// Number of objectives the variables were checked against.
        n_obj: usize,
        /// Smallest valid number of variables.
        minimum: usize,
        /// Number of variables of the standard setting.
        standard: usize,
    },
    /// More variables than [`MAX_VARIABLES`].
    #[error(
        "{problem} n_var is {n_var}, above the maximum of {maximum}; use at most {maximum} \
         variables"
    )]
    TooManyVariables {
        /// Problem name, upper case as in the papers.
        problem: &'static str,
        /// The rejected number of variables.
        n_var: usize,
        /// The maximum, [`MAX_VARIABLES`].
        maximum: usize,
    },
    /// A DTLZ problem with more than [`MAX_OBJECTIVES`] objectives.
    #[error(
        "{problem} n_obj is {n_obj}, above the maximum of {maximum}; use at most {maximum} \
         objectives"
    )]
    TooManyObjectives {
        /// Problem name, upper case as in the papers.
        problem: &'static str,
        /// The rejected number of objectives.
        n_obj: usize,
        /// The maximum, [`MAX_OBJECTIVES`].
        maximum: usize,
    },
    /// A DTLZ problem with fewer than 2 objectives.
    #[error(
        "{problem} n_obj is {n_obj}, but {problem} needs at least 2 objectives; the standard \
         setting is 3"
    )]
    TooFewObjectives {
        /// Problem name, upper case as in the papers.
        problem: &'static str,
        /// The rejected number of objectives.
        n_obj: usize,
    },
    /// A number of objectives other than 2 for a ZDT problem.
    #[error(
        "{problem} has exactly 2 objectives, but n_obj is {n_obj}; omit n_obj for ZDT problems"
    )]
    FixedObjectives {
        /// Problem name, upper case as in the papers.
        problem: &'static str,
        /// The rejected number of objectives.
        n_obj: usize,
    },
    /// A name that is not in [`NAMES`].
    #[error("unknown test problem {name:?}; valid names are {}", NAMES.join(", "))]
    UnknownName {
        /// The rejected name.
        name: String,
    },
    /// A front sample size outside the range the problem supports.
    #[error(
        "{problem} front sample of {points} points is invalid; request between {minimum} and \
         {maximum} points"
    )]
    InvalidFrontPoints {
        /// Problem name, upper case as in the papers.
        problem: &'static str,
        /// The rejected number of points.
        points: usize,
        /// Smallest valid number of points: 1, or the number of objectives for a front
        /// sampled on a simplex lattice.
        minimum: usize,
        /// Largest valid number of points, [`MAX_FRONT_COORDINATES`] / n_obj.
        maximum: usize,
    },
}

/// A test problem whose Pareto front is known analytically.
pub trait KnownFront: Problem + Debug {
    /// Returns the registry name, lower case, as listed in [`NAMES`].
    fn name(&self) -> &'static str;

    /// Samples at most `points` objective vectors on the true Pareto front.
    ///
    /// Every returned point is Pareto-optimal, so no point of the sample dominates another.
    /// Each problem's documentation describes how it spreads the points and when it returns
    /// fewer than `points`.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::InvalidFrontPoints`] when `points` is 0, above
    /// [`MAX_FRONT_COORDINATES`] / n_obj, or, for fronts sampled on a simplex lattice, below
    /// the number of objectives.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError>;

    /// Returns the hypervolume of the whole true front for the reference point
    /// [`KnownFront::hypervolume_reference`]. DTLZ7 returns `None`, because its front lies
    /// outside the reference box and the value would be 0 for any front sample.
    fn known_hypervolume(&self) -> Option<f64>;

    /// Returns the reference point of [`KnownFront::known_hypervolume`]: every coordinate
    /// is [`HYPERVOLUME_REFERENCE`].
    fn hypervolume_reference(&self) -> Vec<f64> {
        vec![HYPERVOLUME_REFERENCE; self.n_obj()]
    }
}

/// Builds the test problem called `name`, one of [`NAMES`], with ASCII case ignored.
///
/// `None` selects the standard setting. ZDT problems default to 30 variables (10 for ZDT4
/// and ZDT6) and have 2 objectives, so `n_obj` may only be `None` or `Some(2)`. DTLZ
/// problems default to [`DEFAULT_N_OBJ`] objectives and n_var = n_obj + k - 1 with
/// k = 5 for DTLZ1, 10 for DTLZ2 to DTLZ4 and 20 for DTLZ7.
///
/// # Errors
///
/// Returns [`TestProblemError::UnknownName`] for a name outside [`NAMES`], and the
/// constructor's error for invalid `n_var` or `n_obj`.
pub fn by_name(
    name: &str,
    n_var: Option<usize>,
    n_obj: Option<usize>,
) -> Result<Box<dyn KnownFront>, TestProblemError> {
    let problem: Box<dyn KnownFront> = match name.to_ascii_lowercase().as_str() {
        "zdt1" => Box::new(Zdt1::new(zdt_n_var(
            "ZDT1",
            n_var,
            n_obj,
            Zdt1::DEFAULT_N_VAR,
        )?)?),
        "zdt2" => Box::new(Zdt2::new(zdt_n_var(
            "ZDT2",
            n_var,
            n_obj,
            Zdt2::DEFAULT_N_VAR,
        )?)?),
        "zdt3" => Box::new(Zdt3::new(zdt_n_var(
            "ZDT3",
            n_var,
            n_obj,
            Zdt3::DEFAULT_N_VAR,
        )?)?),
        "zdt4" => Box::new(Zdt4::new(zdt_n_var(
            "ZDT4",
            n_var,
            n_obj,
            Zdt4::DEFAULT_N_VAR,
        )?)?),
        "zdt6" => Box::new(Zdt6::new(zdt_n_var(
            "ZDT6",
            n_var,
            n_obj,
            Zdt6::DEFAULT_N_VAR,
        )?)?),
        "dtlz1" => {
            let (n_obj, n_var) = dtlz_sizes(n_var, n_obj, Dtlz1::DEFAULT_K);
            Box::new(Dtlz1::new(n_obj, n_var)?)
        }
        "dtlz2" => {
            let (n_obj, n_var) = dtlz_sizes(n_var, n_obj, Dtlz2::DEFAULT_K);
            Box::new(Dtlz2::new(n_obj, n_var)?)
        }
        "dtlz3" => {
            let (n_obj, n_var) = dtlz_sizes(n_var, n_obj, Dtlz3::DEFAULT_K);
            Box::new(Dtlz3::new(n_obj, n_var)?)
        }
        "dtlz4" => {
            let (n_obj, n_var) = dtlz_sizes(n_var, n_obj, Dtlz4::DEFAULT_K);
            Box::new(Dtlz4::new(n_obj, n_var)?)
        }
        "dtlz7" => {
            let (n_obj, n_var) = dtlz_sizes(n_var, n_obj, Dtlz7::DEFAULT_K);
            Box::new(Dtlz7::new(n_obj, n_var)?)
        }
        _ => {
            return Err(TestProblemError::UnknownName {
                name: name.to_string(),
            })
        }
    };
    Ok(problem)
}

/// Returns the number of variables for a ZDT problem, rejecting any `n_obj` but 2.
fn zdt_n_var(
    problem: &'static str,
    n_var: Option<usize>,
    n_obj: Option<usize>,
    standard: usize,
) -> Result<usize, TestProblemError> {
    match n_obj {
        Some(n_obj) if n_obj != 2 => Err(TestProblemError::FixedObjectives { problem, n_obj }),
        _ => Ok(n_var.unwrap_or(standard)),
    }
}

/// Returns (n_obj, n_var) for a DTLZ problem, filling in the standard values. The sum
/// saturates, so an absurd n_obj reaches the constructor's size check.
fn dtlz_sizes(n_var: Option<usize>, n_obj: Option<usize>, k: usize) -> (usize, usize) {
    let n_obj = n_obj.unwrap_or(DEFAULT_N_OBJ);
    let n_var = n_var.unwrap_or_else(|| n_obj.saturating_add(k - 1));
    (n_obj, n_var)
}

/// Name, dimensions and bounds of a test problem, and the row loop of its `evaluate`.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    /// Problem name, upper case, for messages.
    label: &'static str,
    n_obj: usize,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Layout {
    /// Creates the layout of a problem whose first `head` variables lie in [0, 1] and whose
    /// other variables lie in `tail`.
    fn new(label: &'static str, n_obj: usize, n_var: usize, head: usize, tail: [f64; 2]) -> Self {
        let bounds = |index: usize| if index < head { [0.0, 1.0] } else { tail };
        Self {
            label,
            n_obj,
            lower: (0..n_var).map(|index| bounds(index)[0]).collect(),
            upper: (0..n_var).map(|index| bounds(index)[1]).collect(),
        }
    }

    fn n_var(&self) -> usize {
        self.lower.len()
    }

    /// Rejects a sample size outside `minimum..=MAX_FRONT_COORDINATES / n_obj`.
    fn check_front_points(&self, points: usize, minimum: usize) -> Result<(), TestProblemError> {
        if (minimum..=self.max_front_points()).contains(&points) {
            return Ok(());
        }
        Err(self.front_points_error(points, minimum))
    }

    fn max_front_points(&self) -> usize {
        MAX_FRONT_COORDINATES / self.n_obj.max(1)
    }

    fn front_points_error(&self, points: usize, minimum: usize) -> TestProblemError {
        TestProblemError::InvalidFrontPoints {
            problem: self.label,
            points,
            minimum,
            maximum: self.max_front_points(),
        }
    }

    /// Evaluates every row of `x` with `write`, which receives the row's variables and a
    /// slice of `n_obj` objectives to fill.
    fn evaluate_rows(
        &self,
        x: ArrayView2<'_, f64>,
        write: impl Fn(&[f64], &mut [f64]),
    ) -> Result<Evaluation, ProblemError> {
        if x.ncols() != self.n_var() {
            return Err(ProblemError(format!(
                "{} has {} variables, but the batch has {} columns; pass one column per variable",
                self.label,
                self.n_var(),
                x.ncols()
            )));
        }
        let mut objectives = Array2::zeros((x.nrows(), self.n_obj));
        let mut variables = vec![0.0; self.n_var()];
        let mut values = vec![0.0; self.n_obj];
        for (row, mut out) in x.rows().into_iter().zip(objectives.rows_mut()) {
            for (slot, value) in variables.iter_mut().zip(row) {
                *slot = *value;
            }
            write(&variables, &mut values);
            for (slot, value) in out.iter_mut().zip(&values) {
                *slot = *value;
            }
        }
        Ok(Evaluation {
            objectives,
            violation: Array1::zeros(x.nrows()),
        })
    }
}

/// Implements [`Problem`] for test problems that store a `layout: Layout` field and have a
/// `write_objectives(&self, x: &[f64], out: &mut [f64])` method.
macro_rules! impl_problem {
    ($($problem:ty),+ $(,)?) => {$(
        impl $crate::Problem for $problem {
            fn n_var(&self) -> usize {
                self.layout.n_var()
            }

            fn n_obj(&self) -> usize {
                self.layout.n_obj
            }

            fn lower_bounds(&self) -> &[f64] {
                &self.layout.lower
            }

            fn upper_bounds(&self) -> &[f64] {
                &self.layout.upper
            }

            fn evaluate(
                &self,
                x: ::ndarray::ArrayView2<'_, f64>,
            ) -> Result<$crate::Evaluation, $crate::ProblemError> {
                self.layout
                    .evaluate_rows(x, |row, out| self.write_objectives(row, out))
            }
        }
    )+};
}

use impl_problem;
