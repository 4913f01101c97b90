//! The two-objective ZDT problems of Zitzler, Deb and Thiele, "Comparison of
//! multiobjective evolutionary algorithms: empirical results", Evolutionary Computation
//! 8(2), 2000.
//!
//! Each has f1 depending on x1 alone, a distance function g(x2, ..., xn) whose minimum 1 is
//! reached with every tail variable at 0, and f2 = g · h(f1, g). The Pareto-optimal set is
//! x1 in [0, 1] with the tail at 0, where f2 = h(f1, 1).

use std::f64::consts::PI;

use super::front::{optimal_pieces, pieces_hypervolume, sample_pieces, spaced, Piece};
use super::{
    impl_problem, KnownFront, Layout, TestProblemError, HYPERVOLUME_REFERENCE, MAX_VARIABLES,
};

/// Checks a ZDT size and lays out x1 in [0, 1] and the other variables in `tail`.
fn zdt_layout(
    label: &'static str,
    n_var: usize,
    standard: usize,
    tail: [f64; 2],
) -> Result<Layout, TestProblemError> {
    if n_var < 2 {
        return Err(TestProblemError::TooFewVariables {
            problem: label,
            n_var,
            n_obj: 2,
            minimum: 2,
            standard,
        });
    }
    if n_var > MAX_VARIABLES {
        return Err(TestProblemError::TooManyVariables {
            problem: label,
            n_var,
            maximum: MAX_VARIABLES,
        });
    }
    Ok(Layout::new(label, 2, n_var, 1, tail))
}

/// Returns g = 1 + 9 / (n - 1) · Σ tail, the distance function of ZDT1, ZDT2 and ZDT3.
fn linear_g(tail: &[f64]) -> f64 {
    let sum: f64 = tail.iter().sum();
    1.0 + 9.0 / tail.len() as f64 * sum
}

/// Returns the hypervolume for reference (R, R) of a front f2 = 1 - φ(f1) with f1 from
/// `start` to 1, where `phi_integral` is the integral of φ over [start, 1]. Above the front
/// the dominated strip has height R - 1 + φ(f1), and beyond f1 = 1 it has height R.
fn curve_hypervolume(start: f64, phi_integral: f64) -> f64 {
    let r = HYPERVOLUME_REFERENCE;
    (r - 1.0) * (1.0 - start) + phi_integral + (r - 1.0) * r
}

/// Returns the front points (f1, 1 - f1²) for evenly spaced f1 from `start` to 1.
fn quadratic_front(start: f64, points: usize) -> Vec<Vec<f64>> {
    spaced(start, 1.0, points)
        .into_iter()
        .map(|f1| vec![f1, 1.0 - f1 * f1])
        .collect()
}

/// ZDT1: two objectives, a convex Pareto front, and `n_var` variables in [0, 1].
///
/// f1 = x1, g = 1 + 9 / (n - 1) · Σ_{i≥2} x_i, and f2 = g · (1 - sqrt(f1 / g)). The
/// Pareto-optimal set is x1 in [0, 1] with every other variable 0, where f2 = 1 - sqrt(f1).
/// Every candidate is feasible, so violations are 0.
///
/// The front's hypervolume for reference (1.1, 1.1) is the integral of 0.1 + sqrt(f1) over
/// [0, 1] plus the strip 0.1 × 1.1 beyond f1 = 1: 0.1 + 2/3 + 0.11 = 0.876667.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt1 {
    layout: Layout,
}

impl Zdt1 {
    /// Number of variables of the standard setting.
    pub const DEFAULT_N_VAR: usize = 30;

    /// Creates ZDT1 with `n_var` variables. The standard setting is 30.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewVariables`] when `n_var` is below 2, because ZDT1
    /// divides by n_var - 1, and [`TestProblemError::TooManyVariables`] above
    /// [`MAX_VARIABLES`].
    pub fn new(n_var: usize) -> Result<Self, TestProblemError> {
        let layout = zdt_layout("ZDT1", n_var, Self::DEFAULT_N_VAR, [0.0, 1.0])?;
        Ok(Self { layout })
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

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((&f1, tail)) = x.split_first() else {
            return;
        };
        let g = linear_g(tail);
        out[0] = f1;
        out[1] = g * (1.0 - (f1 / g).sqrt());
    }
}

impl KnownFront for Zdt1 {
    fn name(&self) -> &'static str {
        "zdt1"
    }

    /// Samples exactly `points` points with f1 evenly spaced from 0 to 1, the same points as
    /// [`Zdt1::pareto_front`].
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        self.layout.check_front_points(points, 1)?;
        let front = Self::pareto_front(points);
        Ok(front.iter().map(|point| point.to_vec()).collect())
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(curve_hypervolume(0.0, 2.0 / 3.0))
    }
}

/// ZDT2: two objectives, a concave Pareto front, and `n_var` variables in [0, 1].
///
/// f1 = x1, g = 1 + 9 / (n - 1) · Σ_{i≥2} x_i, and f2 = g · (1 - (f1 / g)²). The
/// Pareto-optimal set is x1 in [0, 1] with every other variable 0, where f2 = 1 - f1².
///
/// The front's hypervolume for reference (1.1, 1.1) is 0.1 + 1/3 + 0.11 = 0.543333.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt2 {
    layout: Layout,
}

impl Zdt2 {
    /// Number of variables of the standard setting.
    pub const DEFAULT_N_VAR: usize = 30;

    /// Creates ZDT2 with `n_var` variables. The standard setting is 30.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewVariables`] when `n_var` is below 2 and
    /// [`TestProblemError::TooManyVariables`] above [`MAX_VARIABLES`].
    pub fn new(n_var: usize) -> Result<Self, TestProblemError> {
        let layout = zdt_layout("ZDT2", n_var, Self::DEFAULT_N_VAR, [0.0, 1.0])?;
        Ok(Self { layout })
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((&f1, tail)) = x.split_first() else {
            return;
        };
        let g = linear_g(tail);
        let ratio = f1 / g;
        out[0] = f1;
        out[1] = g * (1.0 - ratio * ratio);
    }
}

impl KnownFront for Zdt2 {
    fn name(&self) -> &'static str {
        "zdt2"
    }

    /// Samples exactly `points` points with f1 evenly spaced from 0 to 1.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        self.layout.check_front_points(points, 1)?;
        Ok(quadratic_front(0.0, points))
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(curve_hypervolume(0.0, 1.0 / 3.0))
    }
}

/// ZDT3: two objectives, a Pareto front of five disconnected pieces, and `n_var` variables
/// in [0, 1].
///
/// f1 = x1, g = 1 + 9 / (n - 1) · Σ_{i≥2} x_i, and
/// f2 = g · (1 - sqrt(f1 / g) - (f1 / g) · sin(10π f1)). With the tail at 0 every x1 gives
/// the curve f2 = 1 - sqrt(f1) - f1 · sin(10π f1), but only five pieces of it are
/// Pareto-optimal: f1 in [0, 0.0830015349], then about [0.1822287, 0.2577624],
/// [0.4093137, 0.4538821], [0.6183968, 0.6525117] and [0.8233318, 0.8518329].
/// The piece ends are computed rather than stored. A piece ends at a local minimum of the
/// curve, found by bisection on the derivative, and the next one starts where the curve
/// falls below that minimum again.
///
/// The front's hypervolume for reference (1.1, 1.1) is integrated exactly over those
/// pieces with the curve's antiderivative, and is 1.3317629 (1.33176 to five places). A
/// test checks it against the hypervolume of a dense sample of the front.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt3 {
    layout: Layout,
}

impl Zdt3 {
    /// Number of variables of the standard setting.
    pub const DEFAULT_N_VAR: usize = 30;

    /// Creates ZDT3 with `n_var` variables. The standard setting is 30.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewVariables`] when `n_var` is below 2 and
    /// [`TestProblemError::TooManyVariables`] above [`MAX_VARIABLES`].
    pub fn new(n_var: usize) -> Result<Self, TestProblemError> {
        let layout = zdt_layout("ZDT3", n_var, Self::DEFAULT_N_VAR, [0.0, 1.0])?;
        Ok(Self { layout })
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((&f1, tail)) = x.split_first() else {
            return;
        };
        let g = linear_g(tail);
        let ratio = f1 / g;
        out[0] = f1;
        out[1] = g * (1.0 - ratio.sqrt() - ratio * (10.0 * PI * f1).sin());
    }
}

/// Returns f2 on the ZDT3 curve, where g = 1.
fn zdt3_curve(f1: f64) -> f64 {
    1.0 - f1.sqrt() - f1 * (10.0 * PI * f1).sin()
}

/// Returns the derivative of [`zdt3_curve`], which is -∞ at 0.
fn zdt3_slope(f1: f64) -> f64 {
    let angle = 10.0 * PI * f1;
    -0.5 / f1.sqrt() - angle.sin() - angle * angle.cos()
}

/// Returns a primitive of [`zdt3_curve`]: t - (2/3) t^1.5 + t cos(ct) / c - sin(ct) / c²
/// with c = 10π.
fn zdt3_antiderivative(f1: f64) -> f64 {
    let c = 10.0 * PI;
    f1 - 2.0 / 3.0 * f1 * f1.sqrt() + f1 * (c * f1).cos() / c - (c * f1).sin() / (c * c)
}

/// Returns the ranges of f1 on which the ZDT3 curve is Pareto-optimal.
fn zdt3_pieces() -> Vec<Piece> {
    optimal_pieces(zdt3_curve, zdt3_slope)
}

impl KnownFront for Zdt3 {
    fn name(&self) -> &'static str {
        "zdt3"
    }

    /// Samples exactly `points` points, shared among the five pieces in proportion to
    /// their length in f1 and evenly spaced within each piece. Every piece includes its
    /// end. Only the first includes its start, because each later start ties in f2 with
    /// the end of the piece before it.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        self.layout.check_front_points(points, 1)?;
        let values = sample_pieces(&zdt3_pieces(), points);
        Ok(values
            .into_iter()
            .map(|f1| vec![f1, zdt3_curve(f1)])
            .collect())
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(pieces_hypervolume(
            &zdt3_pieces(),
            zdt3_curve,
            zdt3_antiderivative,
            HYPERVOLUME_REFERENCE,
        ))
    }
}

/// ZDT4: two objectives, a convex Pareto front behind many local fronts (21⁹ with the
/// standard 10 variables), x1 in [0, 1] and x2, ..., xn in [-5, 5].
///
/// f1 = x1, g = 1 + 10 (n - 1) + Σ_{i≥2} (x_i² - 10 cos(4π x_i)), and
/// f2 = g · (1 - sqrt(f1 / g)). The Pareto-optimal set is x1 in [0, 1] with every other
/// variable 0, where g = 1 and the front is ZDT1's, f2 = 1 - sqrt(f1). The front's
/// hypervolume for reference (1.1, 1.1) is also ZDT1's, 0.876667.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt4 {
    layout: Layout,
}

impl Zdt4 {
    /// Number of variables of the standard setting.
    pub const DEFAULT_N_VAR: usize = 10;

    /// Creates ZDT4 with `n_var` variables. The standard setting is 10.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewVariables`] when `n_var` is below 2 and
    /// [`TestProblemError::TooManyVariables`] above [`MAX_VARIABLES`].
    pub fn new(n_var: usize) -> Result<Self, TestProblemError> {
        let layout = zdt_layout("ZDT4", n_var, Self::DEFAULT_N_VAR, [-5.0, 5.0])?;
        Ok(Self { layout })
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((&f1, tail)) = x.split_first() else {
            return;
        };
        let rastrigin: f64 = tail
            .iter()
            .map(|x| x * x - 10.0 * (4.0 * PI * x).cos())
            .sum();
        let g = 1.0 + 10.0 * tail.len() as f64 + rastrigin;
        out[0] = f1;
        out[1] = g * (1.0 - (f1 / g).sqrt());
    }
}

impl KnownFront for Zdt4 {
    fn name(&self) -> &'static str {
        "zdt4"
    }

    /// Samples exactly `points` points with f1 evenly spaced from 0 to 1, the same points as
    /// [`Zdt1::pareto_front`].
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        self.layout.check_front_points(points, 1)?;
        let front = Zdt1::pareto_front(points);
        Ok(front.iter().map(|point| point.to_vec()).collect())
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(curve_hypervolume(0.0, 2.0 / 3.0))
    }
}

/// ZDT6: two objectives, a concave Pareto front on which uniform x1 crowds near f1 = 1,
/// and `n_var` variables in [0, 1].
///
/// f1 = 1 - exp(-4 x1) · sin⁶(6π x1), g = 1 + 9 · (Σ_{i≥2} x_i / (n - 1))^0.25, and
/// f2 = g · (1 - (f1 / g)²). The Pareto-optimal set is x1 in [0, 1] with every other
/// variable 0, where f2 = 1 - f1² with f1 from [`Zdt6::front_start`] = 0.2807753188 to 1.
///
/// The front's hypervolume for reference (1.1, 1.1), with a = [`Zdt6::front_start`], is
/// 0.1 · (1 - a) + (1 - a³) / 3 + 0.11 = 0.507878.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt6 {
    layout: Layout,
}

impl Zdt6 {
    /// Number of variables of the standard setting.
    pub const DEFAULT_N_VAR: usize = 10;

    /// Creates ZDT6 with `n_var` variables. The standard setting is 10.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewVariables`] when `n_var` is below 2 and
    /// [`TestProblemError::TooManyVariables`] above [`MAX_VARIABLES`].
    pub fn new(n_var: usize) -> Result<Self, TestProblemError> {
        let layout = zdt_layout("ZDT6", n_var, Self::DEFAULT_N_VAR, [0.0, 1.0])?;
        Ok(Self { layout })
    }

    /// Returns the smallest f1 on the front, 0.28077531881536966.
    ///
    /// The value 0.2807753191 that pymoo uses is 3e-10 higher.
    /// f1 is smallest where exp(-4 x1) · sin⁶(6π x1) peaks. Its derivative vanishes where
    /// tan(6π x1) = 9π, and the first such x1, atan(9π) / (6π), gives the highest peak
    /// because exp(-4 x1) shrinks the later ones. There sin²(6π x1) = 81π² / (1 + 81π²).
    #[must_use]
    pub fn front_start() -> f64 {
        let angle = (9.0 * PI).atan();
        let x1 = angle / (6.0 * PI);
        let sine_squared = 81.0 * PI * PI / (1.0 + 81.0 * PI * PI);
        1.0 - (-4.0 * x1).exp() * sine_squared.powi(3)
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((&x1, tail)) = x.split_first() else {
            return;
        };
        let f1 = 1.0 - (-4.0 * x1).exp() * (6.0 * PI * x1).sin().powi(6);
        let mean: f64 = tail.iter().sum::<f64>() / tail.len() as f64;
        let g = 1.0 + 9.0 * mean.powf(0.25);
        let ratio = f1 / g;
        out[0] = f1;
        out[1] = g * (1.0 - ratio * ratio);
    }
}

impl KnownFront for Zdt6 {
    fn name(&self) -> &'static str {
        "zdt6"
    }

    /// Samples exactly `points` points with f1 evenly spaced from [`Zdt6::front_start`]
    /// to 1.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        self.layout.check_front_points(points, 1)?;
        Ok(quadratic_front(Self::front_start(), points))
    }

    fn known_hypervolume(&self) -> Option<f64> {
        let a = Self::front_start();
        Some(curve_hypervolume(a, (1.0 - a * a * a) / 3.0))
    }
}

impl_problem!(Zdt1, Zdt2, Zdt3, Zdt4, Zdt6);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;
    use ndarray::array;

    #[test]
    fn zdt1_rejects_one_variable() {
        let error = Zdt1::new(1).unwrap_err();
        let expected = TestProblemError::TooFewVariables {
            problem: "ZDT1",
            n_var: 1,
            n_obj: 2,
            minimum: 2,
            standard: 30,
        };
        assert_eq!(error, expected);
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

    #[test]
    fn zdt2_hand_computed() {
        // n = 3, x = (0.5, 0.5, 0.5): g = 1 + 9 / 2 * 1 = 5.5, f2 = 5.5 * (1 - (0.5 / 5.5)²).
        let problem = Zdt2::new(3).unwrap();
        let evaluation = problem.evaluate(array![[0.5, 0.5, 0.5]].view()).unwrap();
        let expected = 5.5 * (1.0 - (0.5_f64 / 5.5).powi(2));
        assert_eq!(evaluation.objectives[[0, 0]], 0.5);
        assert!((evaluation.objectives[[0, 1]] - expected).abs() < 1e-12);
    }

    #[test]
    fn zdt3_hand_computed() {
        // n = 2, x = (0.05, 0.0): g = 1, f2 = 1 - sqrt(0.05) - 0.05 · sin(π / 2).
        let problem = Zdt3::new(2).unwrap();
        let evaluation = problem.evaluate(array![[0.05, 0.0]].view()).unwrap();
        let expected = 1.0 - 0.05_f64.sqrt() - 0.05;
        assert!((evaluation.objectives[[0, 1]] - expected).abs() < 1e-12);
    }

    #[test]
    fn zdt4_hand_computed() {
        // n = 2, x = (0.25, 0.5): g = 1 + 10 + 0.25 - 10 cos(2π) = 1.25,
        // f2 = 1.25 · (1 - sqrt(0.25 / 1.25)).
        let problem = Zdt4::new(2).unwrap();
        let evaluation = problem.evaluate(array![[0.25, 0.5]].view()).unwrap();
        let expected = 1.25 * (1.0 - (0.2_f64).sqrt());
        assert!((evaluation.objectives[[0, 1]] - expected).abs() < 1e-12);
        assert_eq!(problem.lower_bounds(), &[0.0, -5.0]);
        assert_eq!(problem.upper_bounds(), &[1.0, 5.0]);
    }

    #[test]
    fn zdt6_hand_computed() {
        // n = 3, x = (1/12, 0.5, 0.5): sin(π / 2) = 1, so f1 = 1 - exp(-1/3);
        // g = 1 + 9 · 0.5^0.25.
        let problem = Zdt6::new(3).unwrap();
        let evaluation = problem
            .evaluate(array![[1.0 / 12.0, 0.5, 0.5]].view())
            .unwrap();
        let f1 = 1.0 - (-1.0_f64 / 3.0).exp();
        let g = 1.0 + 9.0 * 0.5_f64.powf(0.25);
        let f2 = g * (1.0 - (f1 / g).powi(2));
        assert!((evaluation.objectives[[0, 0]] - f1).abs() < 1e-12);
        assert!((evaluation.objectives[[0, 1]] - f2).abs() < 1e-12);
    }

    #[test]
    fn zdt6_front_start_is_minimum() {
        let start = Zdt6::front_start();
        assert!((start - 0.280_775_318_815_369_66).abs() < 1e-15, "{start}");
        // pymoo (pymoo/problems/multi/zdt.py) starts its ZDT6 front at 0.2807753191.
        assert!((start - 0.280_775_319_1).abs() < 1e-9, "{start}");
        // A fine scan of f1 over x1 never goes below the closed form.
        let f1 = |x1: f64| 1.0 - (-4.0 * x1).exp() * (6.0 * PI * x1).sin().powi(6);
        let scanned = (0..=100_000)
            .map(|i| f1(i as f64 / 100_000.0))
            .fold(f64::INFINITY, f64::min);
        assert!(scanned >= start - 1e-15, "{scanned}");
        assert!(scanned < start + 1e-8, "{scanned}");
    }

    #[test]
    fn zdt3_pieces_match_published_ends() {
        // Ends quoted to 10 decimals with the ZDT3 front in pymoo
        // (pymoo/problems/multi/zdt.py). pymoo prints the second start as 0.182228780, with
        // a digit missing, and other implementations print 0.1822287280, as computed here.
        let published = [
            [0.0, 0.083_001_534_9],
            [0.182_228_728_0, 0.257_762_363_4],
            [0.409_313_674_8, 0.453_882_104_1],
            [0.618_396_794_4, 0.652_511_703_8],
            [0.823_331_798_3, 0.851_832_865_4],
        ];
        let pieces = zdt3_pieces();
        assert_eq!(pieces.len(), 5, "{pieces:?}");
        for (piece, [start, end]) in pieces.iter().zip(published) {
            assert!((piece.start - start).abs() < 1e-9, "{piece:?}");
            assert!((piece.end - end).abs() < 1e-9, "{piece:?}");
        }
    }

    #[test]
    fn zdt3_antiderivative_matches_curve() {
        let step = 1e-6;
        for t in [0.1, 0.3, 0.55, 0.9] {
            let slope = (zdt3_antiderivative(t + step) - zdt3_antiderivative(t - step)) / 2e-6;
            assert!((slope - zdt3_curve(t)).abs() < 1e-8, "t = {t}");
        }
    }
}
