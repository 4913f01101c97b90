//! The scalable DTLZ problems of Deb, Thiele, Laumanns and Zitzler, "Scalable test problems
//! for evolutionary multiobjective optimization", in Evolutionary Multiobjective
//! Optimization, Springer, 2005.
//!
//! With M objectives and n_var = M + k - 1 variables in [0, 1], the first M - 1 variables
//! (the position) place a point on the front, and the last k (the distance) enter a
//! function g whose minimum puts the point on the front.

use std::f64::consts::PI;

use super::front::{
    grid_side, lattice_divisions, optimal_pieces, sample_pieces, simplex_lattice, unit_ball_volume,
};
use super::{
    impl_problem, KnownFront, Layout, TestProblemError, HYPERVOLUME_REFERENCE, MAX_OBJECTIVES,
    MAX_VARIABLES,
};

/// Checks a DTLZ size and lays out `n_var` variables in [0, 1].
fn dtlz_layout(
    label: &'static str,
    n_obj: usize,
    n_var: usize,
    default_k: usize,
) -> Result<Layout, TestProblemError> {
    if n_obj < 2 {
        return Err(TestProblemError::TooFewObjectives {
            problem: label,
            n_obj,
        });
    }
    if n_obj > MAX_OBJECTIVES {
        return Err(TestProblemError::TooManyObjectives {
            problem: label,
            n_obj,
            maximum: MAX_OBJECTIVES,
        });
    }
    if n_var < n_obj {
        return Err(TestProblemError::TooFewVariables {
            problem: label,
            n_var,
            n_obj,
            minimum: n_obj,
            standard: n_obj + default_k - 1,
        });
    }
    if n_var > MAX_VARIABLES {
        return Err(TestProblemError::TooManyVariables {
            problem: label,
            n_var,
            maximum: MAX_VARIABLES,
        });
    }
    Ok(Layout::new(label, n_obj, n_var, n_var, [0.0, 1.0]))
}

/// Splits a candidate into its M - 1 position variables and its k distance variables.
fn split<'x>(layout: &Layout, x: &'x [f64]) -> Option<(&'x [f64], &'x [f64])> {
    x.split_at_checked(layout.n_obj - 1)
}

/// Returns g = 100 · (k + Σ ((x - 0.5)² - cos(20π (x - 0.5)))), the multimodal distance
/// function of DTLZ1 and DTLZ3. It is 0 with every distance variable at 0.5.
fn rastrigin_g(distance: &[f64]) -> f64 {
    let sum: f64 = distance
        .iter()
        .map(|x| {
            let d = x - 0.5;
            d * d - (20.0 * PI * d).cos()
        })
        .sum();
    100.0 * (distance.len() as f64 + sum)
}

/// Returns g = Σ (x - 0.5)², the distance function of DTLZ2 and DTLZ4.
fn sphere_g(distance: &[f64]) -> f64 {
    distance.iter().map(|x| (x - 0.5) * (x - 0.5)).sum()
}

/// Writes the DTLZ1 objectives f_1 = s · x_1 ⋯ x_(M-1), f_i = s · x_1 ⋯ x_(M-i) · (1 -
/// x_(M-i+1)) and f_M = s · (1 - x_1), where s = `scale`.
fn write_linear(position: &[f64], scale: f64, out: &mut [f64]) {
    let n_obj = out.len();
    let mut prefix = scale;
    for cut in 0..n_obj {
        let objective = n_obj - 1 - cut;
        out[objective] = if objective > 0 {
            prefix * (1.0 - position[cut])
        } else {
            prefix
        };
        if let Some(x) = position.get(cut) {
            prefix *= x;
        }
    }
}

/// Writes the spherical objectives of DTLZ2 to DTLZ4 with angles θ_j = `angle`(x_j):
/// f_1 = r · cos θ_1 ⋯ cos θ_(M-1), f_i = r · cos θ_1 ⋯ cos θ_(M-i) · sin θ_(M-i+1) and
/// f_M = r · sin θ_1, where r = `radius`.
fn write_sphere(position: &[f64], angle: impl Fn(f64) -> f64, radius: f64, out: &mut [f64]) {
    let n_obj = out.len();
    let mut prefix = radius;
    for cut in 0..n_obj {
        let objective = n_obj - 1 - cut;
        out[objective] = if objective > 0 {
            prefix * angle(position[cut]).sin()
        } else {
            prefix
        };
        if let Some(&x) = position.get(cut) {
            prefix *= angle(x).cos();
        }
    }
}

/// Returns the angle x · π/2 of DTLZ2 and DTLZ3.
fn plain_angle(x: f64) -> f64 {
    x * PI / 2.0
}

/// Samples the front on the densest simplex lattice with at most `points` points, each
/// lattice vector w passed through `project`.
fn lattice_front(
    layout: &Layout,
    points: usize,
    project: impl Fn(Vec<f64>) -> Vec<f64>,
) -> Result<Vec<Vec<f64>>, TestProblemError> {
    let n_obj = layout.n_obj;
    layout.check_front_points(points, n_obj)?;
    // The check above rejects fewer points than n_obj, the size of the one-division lattice.
    let divisions =
        lattice_divisions(n_obj, points).ok_or_else(|| layout.front_points_error(points, n_obj))?;
    Ok(simplex_lattice(n_obj, divisions)
        .into_iter()
        .map(project)
        .collect())
}

/// Scales a lattice vector, which sums to 1, onto the DTLZ1 plane Σ f = 0.5.
fn onto_plane(weights: Vec<f64>) -> Vec<f64> {
    weights.into_iter().map(|w| 0.5 * w).collect()
}

/// Scales a lattice vector onto the unit sphere.
fn onto_sphere(weights: Vec<f64>) -> Vec<f64> {
    let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
    weights.into_iter().map(|w| w / norm).collect()
}

/// Returns R^M - V_M / 2^M, the hypervolume of the unit-sphere front in M objectives for
/// reference (R, ..., R): the box minus the part of the unit ball in the positive orthant.
fn sphere_hypervolume(n_obj: usize) -> f64 {
    let exponent = i32::try_from(n_obj).unwrap_or(i32::MAX);
    HYPERVOLUME_REFERENCE.powi(exponent) - unit_ball_volume(n_obj) / 2.0_f64.powi(exponent)
}

/// DTLZ1: M objectives, a linear Pareto front Σ f = 0.5 behind 11^k - 1 local fronts, and
/// n_var = M + k - 1 variables in [0, 1] (standard k = 5).
///
/// g = 100 · (k + Σ ((x_i - 0.5)² - cos(20π (x_i - 0.5)))) over the distance variables,
/// f_1 = 0.5 (1 + g) · x_1 ⋯ x_(M-1), f_i = 0.5 (1 + g) · x_1 ⋯ x_(M-i) · (1 - x_(M-i+1)),
/// and f_M = 0.5 (1 + g) · (1 - x_1). The Pareto-optimal set has every distance variable at
/// 0.5, where g = 0.
///
/// The front's hypervolume for reference (1.1, ..., 1.1) is 1.1^M - 0.5^M / M!, the box
/// minus the simplex below the front: 1.331 - 1/48 = 1.310167 for M = 3.
#[derive(Debug, Clone, PartialEq)]
pub struct Dtlz1 {
    layout: Layout,
}

impl Dtlz1 {
    /// Number of distance variables of the standard setting.
    pub const DEFAULT_K: usize = 5;

    /// Creates DTLZ1 with `n_obj` objectives and `n_var` variables, so k = n_var - n_obj + 1.
    ///
    /// # Errors
    ///
    /// Returns [`TestProblemError::TooFewObjectives`] when `n_obj` is below 2,
    /// [`TestProblemError::TooManyObjectives`] above [`MAX_OBJECTIVES`],
    /// [`TestProblemError::TooFewVariables`] when `n_var` is below `n_obj`, and
    /// [`TestProblemError::TooManyVariables`] above [`MAX_VARIABLES`].
    pub fn new(n_obj: usize, n_var: usize) -> Result<Self, TestProblemError> {
        let layout = dtlz_layout("DTLZ1", n_obj, n_var, Self::DEFAULT_K)?;
        Ok(Self { layout })
    }

    /// Creates DTLZ1 with `n_obj` objectives and the standard k = 5.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn with_objectives(n_obj: usize) -> Result<Self, TestProblemError> {
        Self::new(n_obj, n_obj.saturating_add(Self::DEFAULT_K - 1))
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((position, distance)) = split(&self.layout, x) else {
            return;
        };
        let g = rastrigin_g(distance);
        write_linear(position, 0.5 * (1.0 + g), out);
    }
}

impl KnownFront for Dtlz1 {
    fn name(&self) -> &'static str {
        "dtlz1"
    }

    /// Samples the densest simplex lattice with at most `points` points, scaled onto the
    /// plane Σ f = 0.5. With M objectives and H divisions the lattice has
    /// C(H + M - 1, M - 1) points, so the sample can be smaller than `points`. It has
    /// exactly `points` points for M = 2.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        lattice_front(&self.layout, points, onto_plane)
    }

    fn known_hypervolume(&self) -> Option<f64> {
        let n_obj = self.layout.n_obj;
        let simplex: f64 = (1..=n_obj).map(|i| 0.5 / i as f64).product();
        let exponent = i32::try_from(n_obj).unwrap_or(i32::MAX);
        Some(HYPERVOLUME_REFERENCE.powi(exponent) - simplex)
    }
}

/// DTLZ2: M objectives, a spherical Pareto front Σ f² = 1, and n_var = M + k - 1 variables
/// in [0, 1] (standard k = 10).
///
/// g = Σ (x_i - 0.5)² over the distance variables, θ_j = x_j · π/2,
/// f_1 = (1 + g) · cos θ_1 ⋯ cos θ_(M-1), f_i = (1 + g) · cos θ_1 ⋯ cos θ_(M-i) ·
/// sin θ_(M-i+1), and f_M = (1 + g) · sin θ_1. The Pareto-optimal set has every distance
/// variable at 0.5, where g = 0.
///
/// The front's hypervolume for reference (1.1, ..., 1.1) is 1.1^M minus the volume of the
/// unit ball in the positive orthant, V_M / 2^M: 1.331 - π/6 = 0.807401 for M = 3.
#[derive(Debug, Clone, PartialEq)]
pub struct Dtlz2 {
    layout: Layout,
}

impl Dtlz2 {
    /// Number of distance variables of the standard setting.
    pub const DEFAULT_K: usize = 10;

    /// Creates DTLZ2 with `n_obj` objectives and `n_var` variables, so k = n_var - n_obj + 1.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn new(n_obj: usize, n_var: usize) -> Result<Self, TestProblemError> {
        let layout = dtlz_layout("DTLZ2", n_obj, n_var, Self::DEFAULT_K)?;
        Ok(Self { layout })
    }

    /// Creates DTLZ2 with `n_obj` objectives and the standard k = 10.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn with_objectives(n_obj: usize) -> Result<Self, TestProblemError> {
        Self::new(n_obj, n_obj.saturating_add(Self::DEFAULT_K - 1))
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((position, distance)) = split(&self.layout, x) else {
            return;
        };
        write_sphere(position, plain_angle, 1.0 + sphere_g(distance), out);
    }
}

impl KnownFront for Dtlz2 {
    fn name(&self) -> &'static str {
        "dtlz2"
    }

    /// Samples the densest simplex lattice with at most `points` points, each vector
    /// scaled onto the unit sphere. The sample can be smaller than `points`, as for
    /// [`Dtlz1`].
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        lattice_front(&self.layout, points, onto_sphere)
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(sphere_hypervolume(self.layout.n_obj))
    }
}

/// DTLZ3: DTLZ2's spherical front behind DTLZ1's multimodal g, with 3^k - 1 local fronts,
/// and n_var = M + k - 1 variables in [0, 1] (standard k = 10).
///
/// g = 100 · (k + Σ ((x_i - 0.5)² - cos(20π (x_i - 0.5)))), and the objectives are DTLZ2's
/// with radius 1 + g. The Pareto-optimal set has every distance variable at 0.5. Front and
/// hypervolume are DTLZ2's.
#[derive(Debug, Clone, PartialEq)]
pub struct Dtlz3 {
    layout: Layout,
}

impl Dtlz3 {
    /// Number of distance variables of the standard setting.
    pub const DEFAULT_K: usize = 10;

    /// Creates DTLZ3 with `n_obj` objectives and `n_var` variables, so k = n_var - n_obj + 1.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn new(n_obj: usize, n_var: usize) -> Result<Self, TestProblemError> {
        let layout = dtlz_layout("DTLZ3", n_obj, n_var, Self::DEFAULT_K)?;
        Ok(Self { layout })
    }

    /// Creates DTLZ3 with `n_obj` objectives and the standard k = 10.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn with_objectives(n_obj: usize) -> Result<Self, TestProblemError> {
        Self::new(n_obj, n_obj.saturating_add(Self::DEFAULT_K - 1))
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((position, distance)) = split(&self.layout, x) else {
            return;
        };
        write_sphere(position, plain_angle, 1.0 + rastrigin_g(distance), out);
    }
}

impl KnownFront for Dtlz3 {
    fn name(&self) -> &'static str {
        "dtlz3"
    }

    /// Samples the front as [`Dtlz2`] does.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        lattice_front(&self.layout, points, onto_sphere)
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(sphere_hypervolume(self.layout.n_obj))
    }
}

/// DTLZ4: DTLZ2 with the angles θ_j = x_j^α · π/2, α = 100, and n_var = M + k - 1
/// variables in [0, 1] (standard k = 10). Uniform position variables crowd near f_1 = 1,
/// because θ_j stays near 0 unless x_j is close to 1.
///
/// The Pareto-optimal set has every distance variable at 0.5. Front and hypervolume are
/// DTLZ2's.
#[derive(Debug, Clone, PartialEq)]
pub struct Dtlz4 {
    layout: Layout,
}

impl Dtlz4 {
    /// Number of distance variables of the standard setting.
    pub const DEFAULT_K: usize = 10;

    /// Exponent α of the position variables.
    pub const ALPHA: f64 = 100.0;

    /// Creates DTLZ4 with `n_obj` objectives and `n_var` variables, so k = n_var - n_obj + 1.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn new(n_obj: usize, n_var: usize) -> Result<Self, TestProblemError> {
        let layout = dtlz_layout("DTLZ4", n_obj, n_var, Self::DEFAULT_K)?;
        Ok(Self { layout })
    }

    /// Creates DTLZ4 with `n_obj` objectives and the standard k = 10.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn with_objectives(n_obj: usize) -> Result<Self, TestProblemError> {
        Self::new(n_obj, n_obj.saturating_add(Self::DEFAULT_K - 1))
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((position, distance)) = split(&self.layout, x) else {
            return;
        };
        let angle = |x: f64| x.powf(Self::ALPHA) * PI / 2.0;
        write_sphere(position, angle, 1.0 + sphere_g(distance), out);
    }
}

impl KnownFront for Dtlz4 {
    fn name(&self) -> &'static str {
        "dtlz4"
    }

    /// Samples the front as [`Dtlz2`] does.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        lattice_front(&self.layout, points, onto_sphere)
    }

    fn known_hypervolume(&self) -> Option<f64> {
        Some(sphere_hypervolume(self.layout.n_obj))
    }
}

/// DTLZ7: M objectives, a Pareto front of 2^(M-1) disconnected regions, and
/// n_var = M + k - 1 variables in [0, 1] (standard k = 20).
///
/// f_i = x_i for i < M, g = 1 + 9 / k · Σ x_i over the distance variables, and
/// f_M = (1 + g) · (M - Σ_{i<M} f_i / (1 + g) · (1 + sin(3π f_i))). The Pareto-optimal set
/// has every distance variable at 0, where g = 1 and f_M = 2M - Σ_{i<M} φ(f_i) with
/// φ(t) = t · (1 + sin(3π t)).
///
/// Because f_M separates into one term per f_i, a point is Pareto-optimal exactly when each
/// f_i, i < M, lies where φ exceeds its value at every smaller t: [0, 0.2514118] or
/// (0.6316265, 0.8594009]. These ends are computed as for ZDT3.
///
/// [`KnownFront::known_hypervolume`] returns `None`: on the front f_M is at least
/// 2M - 1.693 (M - 1) > 1.1, so the front dominates nothing below the reference point
/// (1.1, ..., 1.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Dtlz7 {
    layout: Layout,
}

impl Dtlz7 {
    /// Number of distance variables of the standard setting.
    pub const DEFAULT_K: usize = 20;

    /// Creates DTLZ7 with `n_obj` objectives and `n_var` variables, so k = n_var - n_obj + 1.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn new(n_obj: usize, n_var: usize) -> Result<Self, TestProblemError> {
        let layout = dtlz_layout("DTLZ7", n_obj, n_var, Self::DEFAULT_K)?;
        Ok(Self { layout })
    }

    /// Creates DTLZ7 with `n_obj` objectives and the standard k = 20.
    ///
    /// # Errors
    ///
    /// As [`Dtlz1::new`].
    pub fn with_objectives(n_obj: usize) -> Result<Self, TestProblemError> {
        Self::new(n_obj, n_obj.saturating_add(Self::DEFAULT_K - 1))
    }

    fn write_objectives(&self, x: &[f64], out: &mut [f64]) {
        let Some((position, distance)) = split(&self.layout, x) else {
            return;
        };
        let g = 1.0 + 9.0 / distance.len() as f64 * distance.iter().sum::<f64>();
        let bends: f64 = position
            .iter()
            .map(|f| f / (1.0 + g) * (1.0 + (3.0 * PI * f).sin()))
            .sum();
        let last = self.layout.n_obj - 1;
        out[..last].copy_from_slice(position);
        out[last] = (1.0 + g) * (self.layout.n_obj as f64 - bends);
    }
}

/// Returns φ(t) = t · (1 + sin(3π t)), the term of f_M that DTLZ7's front subtracts per
/// position variable.
fn dtlz7_bend(t: f64) -> f64 {
    t * (1.0 + (3.0 * PI * t).sin())
}

/// Returns the derivative of [`dtlz7_bend`].
fn dtlz7_bend_slope(t: f64) -> f64 {
    let angle = 3.0 * PI * t;
    1.0 + angle.sin() + angle * angle.cos()
}

impl KnownFront for Dtlz7 {
    fn name(&self) -> &'static str {
        "dtlz7"
    }

    /// Samples a grid over f_1, ..., f_(M-1) with the same s values on each axis, the
    /// largest s with s^(M-1) <= `points`, so the sample has exactly `points` points for
    /// M = 2 and can be smaller otherwise. On each axis the values are shared between the
    /// two optimal ranges in proportion to their length and spaced evenly within each:
    /// [0, 0.2514118] with both ends, and (0.6316265, 0.8594009] without its start, which
    /// ties in φ with 0.2514118. Every grid point is Pareto-optimal.
    fn front_sample(&self, points: usize) -> Result<Vec<Vec<f64>>, TestProblemError> {
        self.layout.check_front_points(points, 1)?;
        let n_obj = self.layout.n_obj;
        let axes = n_obj - 1;
        let pieces = optimal_pieces(|t| -dtlz7_bend(t), |t| -dtlz7_bend_slope(t));
        let values = sample_pieces(&pieces, grid_side(axes, points));

        let mut front = Vec::new();
        let mut indices = vec![0_usize; axes];
        loop {
            let mut point: Vec<f64> = indices.iter().map(|&i| values[i]).collect();
            let bends: f64 = point.iter().map(|&f| dtlz7_bend(f)).sum();
            point.push(2.0 * n_obj as f64 - bends);
            front.push(point);
            // Advance the grid index like an odometer, the last axis fastest.
            let Some(axis) = indices.iter().rposition(|&i| i + 1 < values.len()) else {
                break;
            };
            indices[axis] += 1;
            indices[axis + 1..].fill(0);
        }
        Ok(front)
    }

    fn known_hypervolume(&self) -> Option<f64> {
        None
    }

    /// Returns 1.1 in the first M - 1 objectives and 2.2 M in the last: its front's last
    /// objective runs up to 2 M, beyond the usual 1.1, so that point would score every
    /// front 0.
    fn hypervolume_reference(&self) -> Vec<f64> {
        let n_obj = self.layout.n_obj;
        let mut reference = vec![HYPERVOLUME_REFERENCE; n_obj];
        reference[n_obj - 1] = 1.1 * 2.0 * n_obj as f64;
        reference
    }
}

impl_problem!(Dtlz1, Dtlz2, Dtlz3, Dtlz4, Dtlz7);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;
    use ndarray::array;

    #[test]
    fn dtlz1_hand_computed() {
        // M = 3, k = 1, x = (0.5, 0.25, 0.5): g = 0, so f = 0.5 · (0.125, 0.375, 0.5).
        let problem = Dtlz1::new(3, 3).unwrap();
        let evaluation = problem.evaluate(array![[0.5, 0.25, 0.5]].view()).unwrap();
        assert_eq!(evaluation.objectives, array![[0.0625, 0.1875, 0.25]]);
    }

    #[test]
    fn dtlz1_off_front() {
        // M = 2, k = 1, x = (0.5, 0.0): g = 100 · (1 + 0.25 - cos(-10π)) = 25.
        let problem = Dtlz1::new(2, 2).unwrap();
        let evaluation = problem.evaluate(array![[0.5, 0.0]].view()).unwrap();
        let expected = 0.5 * 26.0 * 0.5;
        assert!((evaluation.objectives[[0, 0]] - expected).abs() < 1e-9);
        assert!((evaluation.objectives[[0, 1]] - expected).abs() < 1e-9);
    }

    #[test]
    fn dtlz2_hand_computed() {
        // M = 3, x = (0.5, 0.0, 1.0): g = 0.25, θ = (π/4, 0), r = 1.25.
        let problem = Dtlz2::new(3, 3).unwrap();
        let evaluation = problem.evaluate(array![[0.5, 0.0, 1.0]].view()).unwrap();
        let half = 1.25 * (PI / 4.0).cos();
        let expected = [half, 0.0, 1.25 * (PI / 4.0).sin()];
        for (value, want) in evaluation.objectives.row(0).iter().zip(expected) {
            assert!((value - want).abs() < 1e-12, "{value} vs {want}");
        }
    }

    #[test]
    fn dtlz4_bends_position() {
        // x1 = 0.9: θ = 0.9^100 · π/2 ≈ 4e-5, so f ≈ (1, 0) although x1 is near 1.
        let problem = Dtlz4::new(2, 2).unwrap();
        let evaluation = problem.evaluate(array![[0.9, 0.5]].view()).unwrap();
        let angle = 0.9_f64.powf(100.0) * PI / 2.0;
        assert!((evaluation.objectives[[0, 0]] - angle.cos()).abs() < 1e-15);
        assert!((evaluation.objectives[[0, 1]] - angle.sin()).abs() < 1e-15);
    }

    #[test]
    fn dtlz7_hand_computed() {
        // M = 2, k = 1, x = (0.5, 1.0): g = 10, f2 = 11 · (2 - 0.5 / 11 · (1 + sin(1.5π))).
        let problem = Dtlz7::new(2, 2).unwrap();
        let evaluation = problem.evaluate(array![[0.5, 1.0]].view()).unwrap();
        assert_eq!(evaluation.objectives[[0, 0]], 0.5);
        assert!((evaluation.objectives[[0, 1]] - 22.0).abs() < 1e-12);
    }

    #[test]
    fn dtlz7_pieces_match_published_ends() {
        // Ends as other DTLZ7 implementations quote them, to 16 digits. The first and last
        // are zeros of φ', and φ at the second equals φ at the first.
        let published = [
            [0.0, 0.251_411_836_088_917_1],
            [0.631_626_530_700_061_4, 0.859_400_856_644_723_9],
        ];
        let pieces = optimal_pieces(|t| -dtlz7_bend(t), |t| -dtlz7_bend_slope(t));
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        for (piece, [start, end]) in pieces.iter().zip(published) {
            assert!((piece.start - start).abs() < 1e-12, "{piece:?}");
            assert!((piece.end - end).abs() < 1e-12, "{piece:?}");
        }
        assert!(dtlz7_bend_slope(pieces[0].end).abs() < 1e-9);
        assert!(dtlz7_bend_slope(pieces[1].end).abs() < 1e-9);
        assert!((dtlz7_bend(pieces[1].start) - dtlz7_bend(pieces[0].end)).abs() < 1e-14);
    }

    #[test]
    fn sphere_hypervolume_values() {
        assert!((sphere_hypervolume(2) - (1.21 - PI / 4.0)).abs() < 1e-15);
        assert!((sphere_hypervolume(3) - (1.331 - PI / 6.0)).abs() < 1e-15);
    }

    #[test]
    fn lattice_front_counts() {
        let problem = Dtlz2::new(3, 12).unwrap();
        assert_eq!(problem.front_sample(990).unwrap().len(), 990);
        assert_eq!(problem.front_sample(1000).unwrap().len(), 990);
        assert_eq!(problem.front_sample(3).unwrap().len(), 3);
        assert!(problem.front_sample(2).is_err());
    }
}
