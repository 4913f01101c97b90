//! Benchmark problems with known Pareto fronts, for checking search settings.
//!
//! [`Zdt1`] is the first problem of Zitzler, Deb and Thiele, "Comparison of multiobjective
//! evolutionary algorithms: empirical results", Evolutionary Computation 8(2), 2000.

use ndarray::{Array1, Array2, ArrayView2};

use crate::{Evaluation, Problem, ProblemError};

/// Invalid parameters of a test problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TestProblemError {
    /// ZDT1 divides by n_var - 1, so it needs two variables or more.
    #[error(
        "ZDT1 n_var is {n_var}, but ZDT1 needs at least 2 variables; the standard setting is 30"
    )]
    TooFewVariables {
        /// The rejected number of variables.
        n_var: usize,
    },
}

/// ZDT1: two objectives, a convex Pareto front, and `n_var` variables in [0, 1].
///
/// f1 = x1, g = 1 + 9 / (n - 1) · Σ_{i≥2} x_i, and f2 = g · (1 - sqrt(f1 / g)). The
/// Pareto-optimal set is x1 in [0, 1] with every other variable 0, where f2 = 1 - sqrt(f1).
/// Every candidate is feasible, so violations are 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt1 {
    n_var: usize,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Zdt1 {
    /// Creates ZDT1 with `n_var` variables. The standard setting is 30.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewVariables`] when `n_var` is below 2.
    pub fn new(n_var: usize) -> Result<Self, TestProblemError> {
        if n_var < 2 {
            return Err(TestProblemError::TooFewVariables { n_var });
        }
        Ok(Self {
            n_var,
            lower: vec![0.0; n_var],
            upper: vec![1.0; n_var],
        })
    }

    /// Returns `points` points of the analytic Pareto front f2 = 1 - sqrt(f1), with f1
    /// evenly spaced from 0 to 1. One point gives (0, 1).
    #[must_use]
    pub fn pareto_front(points: usize) -> Vec<[f64; 2]> {
        let last = points.saturating_sub(1).max(1) as f64;
        (0..points)
            .map(|index| {
                let f1 = index as f64 / last;
                [f1, 1.0 - f1.sqrt()]
            })
            .collect()
    }

    fn objectives_of(&self, x: &[f64]) -> [f64; 2] {
        let f1 = x.first().copied().unwrap_or(0.0);
        let tail: f64 = x.iter().skip(1).sum();
        let g = 1.0 + 9.0 / (self.n_var - 1) as f64 * tail;
        [f1, g * (1.0 - (f1 / g).sqrt())]
    }
}

impl Problem for Zdt1 {
    fn n_var(&self) -> usize {
        self.n_var
    }

    fn n_obj(&self) -> usize {
        2
    }

    fn lower_bounds(&self) -> &[f64] {
        &self.lower
    }

    fn upper_bounds(&self) -> &[f64] {
        &self.upper
    }

    fn evaluate(&self, x: ArrayView2<'_, f64>) -> Result<Evaluation, ProblemError> {
        if x.ncols() != self.n_var {
            return Err(ProblemError(format!(
                "ZDT1 has {} variables, but the batch has {} columns; pass one column per variable",
                self.n_var,
                x.ncols()
            )));
        }
        let mut objectives = Array2::zeros((x.nrows(), 2));
        for (row, mut out) in x.rows().into_iter().zip(objectives.rows_mut()) {
            let values = row.to_vec();
            let [f1, f2] = self.objectives_of(&values);
            out[0] = f1;
            out[1] = f2;
        }
        Ok(Evaluation {
            objectives,
            violation: Array1::zeros(x.nrows()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn zdt1_rejects_one_variable() {
        let error = Zdt1::new(1).unwrap_err();
        assert_eq!(error, TestProblemError::TooFewVariables { n_var: 1 });
        assert!(error.to_string().contains("n_var is 1"));
    }

    #[test]
    fn zdt1_on_pareto_set() {
        let problem = Zdt1::new(3).unwrap();
        let evaluation = problem.evaluate(array![[0.25, 0.0, 0.0]].view()).unwrap();
        assert_eq!(evaluation.objectives, array![[0.25, 0.5]]);
        assert_eq!(evaluation.violation, array![0.0]);
    }

    #[test]
    fn zdt1_off_pareto_set() {
        // n = 3, x = (0.25, 0.5, 0.5): g = 1 + 9 / 2 * 1 = 5.5,
        // f2 = 5.5 * (1 - sqrt(0.25 / 5.5)).
        let problem = Zdt1::new(3).unwrap();
        let evaluation = problem.evaluate(array![[0.25, 0.5, 0.5]].view()).unwrap();
        let expected = 5.5 * (1.0 - (0.25_f64 / 5.5).sqrt());
        assert_eq!(evaluation.objectives[[0, 0]], 0.25);
        assert!((evaluation.objectives[[0, 1]] - expected).abs() < 1e-12);
    }

    #[test]
    fn zdt1_evaluates_batches() {
        let problem = Zdt1::new(2).unwrap();
        let evaluation = problem
            .evaluate(array![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]].view())
            .unwrap();
        // Row 3: g = 10, f2 = 10 * (1 - sqrt(0.1)).
        let expected = 10.0 * (1.0 - 0.1_f64.sqrt());
        assert_eq!(evaluation.objectives.row(0).to_vec(), vec![0.0, 1.0]);
        assert_eq!(evaluation.objectives.row(1).to_vec(), vec![1.0, 0.0]);
        assert!((evaluation.objectives[[2, 1]] - expected).abs() < 1e-12);
    }

    #[test]
    fn zdt1_rejects_wrong_columns() {
        let problem = Zdt1::new(3).unwrap();
        let error = problem.evaluate(array![[0.5, 0.5]].view()).unwrap_err();
        assert!(error.to_string().contains("2 columns"), "{error}");
    }

    #[test]
    fn pareto_front_endpoints() {
        let front = Zdt1::pareto_front(5);
        assert_eq!(front.len(), 5);
        assert_eq!(front[0], [0.0, 1.0]);
        assert_eq!(front[2], [0.5, 1.0 - 0.5_f64.sqrt()]);
        assert_eq!(front[4], [1.0, 0.0]);
        assert_eq!(Zdt1::pareto_front(1), vec![[0.0, 1.0]]);
        assert!(Zdt1::pareto_front(0).is_empty());
    }
}
