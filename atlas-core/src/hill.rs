//! The built-in response-curve model: Hill saturation of geometric-adstocked spend.
//!
//! For channel `c` and KPI `k`, the response to a spend `x` held every period is
//!
//! ```text
//! a = x / (1 - theta) + carryover          steady-state geometric adstock
//! response = coefficient * a^alpha / (a^alpha + inflexion^alpha)
//! ```
//!
//! and a KPI's value is its baseline plus the sum of its channels' responses. `theta` is the
//! geometric decay rate, so a constant spend `x` settles at an adstocked level `x / (1 - theta)`.
//! `carryover` is an adstocked amount added on top of the plan's own, in spend units: Robyn's
//! allocator uses it for the mean carry-over of historical spend, with `theta = 0`.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::model::{check_columns, ResponseModel};

/// One channel's response curve for one KPI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HillCurve {
    /// Response at full saturation, in KPI units per period.
    pub coefficient: f64,
    /// Hill shape: below 1 the curve is concave, above 1 it is S-shaped.
    pub alpha: f64,
    /// Adstocked spend at which the response is half the coefficient.
    pub inflexion: f64,
    /// Geometric adstock decay rate in [0, 1).
    #[serde(default)]
    pub theta: f64,
    /// Adstocked spend added to the plan's own, for example historical carry-over.
    #[serde(default)]
    pub carryover: f64,
}

impl HillCurve {
    /// Checks every parameter, naming `field` (for example `curves[3]`) in the error.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a non-finite parameter, `alpha <= 0`,
    /// `inflexion <= 0`, `theta` outside [0, 1) or a negative carry-over.
    pub fn validate(&self, field: &str) -> Result<(), CoreError> {
        let checks = [
            (
                "coefficient",
                self.coefficient,
                self.coefficient.is_finite(),
                "a finite number",
            ),
            (
                "alpha",
                self.alpha,
                self.alpha.is_finite() && self.alpha > 0.0,
                "a number above 0",
            ),
            (
                "inflexion",
                self.inflexion,
                self.inflexion.is_finite() && self.inflexion > 0.0,
                "an amount above 0",
            ),
            (
                "theta",
                self.theta,
                self.theta.is_finite() && (0.0..1.0).contains(&self.theta),
                "a decay rate in [0, 1)",
            ),
            (
                "carryover",
                self.carryover,
                self.carryover.is_finite() && self.carryover >= 0.0,
                "an amount of at least 0",
            ),
        ];
        for (name, value, ok, expected) in checks {
            if !ok {
                return Err(CoreError::invalid(
                    format!("{field}.{name}"),
                    format!("{value} is out of range: use {expected}"),
                ));
            }
        }
        Ok(())
    }

    /// Adstocked level reached by a spend of `spend` per period.
    pub fn adstocked(&self, spend: f64) -> f64 {
        spend / (1.0 - self.theta) + self.carryover
    }

    /// Response to a spend of `spend` per period.
    pub fn response(&self, spend: f64) -> f64 {
        let level = self.adstocked(spend.max(0.0));
        if level <= 0.0 {
            return 0.0;
        }
        self.coefficient * self.saturation(level)
    }

    /// Hill saturation `1 / (1 + (inflexion / level)^alpha)` in [0, 1]; an overflowing ratio
    /// gives 0, never NaN.
    fn saturation(&self, level: f64) -> f64 {
        let ratio = (self.inflexion / level).powf(self.alpha);
        if ratio.is_finite() {
            1.0 / (1.0 + ratio)
        } else {
            0.0
        }
    }

    /// Derivative of the response with respect to spend.
    ///
    /// At an adstocked level of exactly 0 the derivative of a concave curve (`alpha < 1`) is
    /// unbounded, so the level is floored at a billionth of the inflexion point.
    pub fn marginal(&self, spend: f64) -> f64 {
        let level = self.adstocked(spend.max(0.0)).max(self.inflexion * 1e-9);
        let saturation = self.saturation(level);
        // d/da of s(a) = 1 / (1 + (K / a)^alpha) is alpha / a * s * (1 - s).
        let slope = self.alpha / level * saturation * (1.0 - saturation);
        self.coefficient * slope / (1.0 - self.theta)
    }
}

/// One curve of the model, tied to its channel and KPI by name, as a scenario file writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveSpec {
    /// Channel name.
    pub channel: String,
    /// KPI name.
    pub kpi: String,
    /// Response at full saturation, in KPI units per period.
    pub coefficient: f64,
    /// Hill shape.
    pub alpha: f64,
    /// Adstocked spend at which the response is half the coefficient.
    pub inflexion: f64,
    /// Geometric adstock decay rate in [0, 1).
    #[serde(default)]
    pub theta: f64,
    /// Adstocked spend added to the plan's own.
    #[serde(default)]
    pub carryover: f64,
}

impl CurveSpec {
    /// Returns the curve's parameters.
    pub fn curve(&self) -> HillCurve {
        HillCurve {
            coefficient: self.coefficient,
            alpha: self.alpha,
            inflexion: self.inflexion,
            theta: self.theta,
            carryover: self.carryover,
        }
    }
}

/// Per channel and per KPI Hill curves plus a baseline per KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseCurveModel {
    channels: Vec<String>,
    kpis: Vec<String>,
    baselines: Vec<f64>,
    /// `curves[k][c]` is channel `c`'s curve for KPI `k`, if the channel moves that KPI.
    curves: Vec<Vec<Option<HillCurve>>>,
}

impl ResponseCurveModel {
    /// Builds the model from named curves.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a KPI named twice, a baseline that is not finite, a
    /// curve naming an unknown channel or KPI, a channel and KPI pair given twice, or an invalid
    /// curve parameter.
    pub fn new(
        channels: Vec<String>,
        kpis: Vec<String>,
        baselines: Vec<f64>,
        specs: &[CurveSpec],
    ) -> Result<Self, CoreError> {
        validate_kpis(&kpis, &baselines)?;
        let mut curves = vec![vec![None; channels.len()]; kpis.len()];
        for (index, spec) in specs.iter().enumerate() {
            let field = format!("model.curves[{index}]");
            let curve = spec.curve();
            curve.validate(&field)?;
            let channel = find(&channels, &spec.channel, &format!("{field}.channel"))?;
            let kpi = find(&kpis, &spec.kpi, &format!("{field}.kpi"))?;
            let slot = &mut curves[kpi][channel];
            if slot.is_some() {
                return Err(CoreError::invalid(
                    field,
                    format!(
                        "channel `{}` already has a curve for KPI `{}`: keep one of them",
                        spec.channel, spec.kpi
                    ),
                ));
            }
            *slot = Some(curve);
        }
        Ok(Self {
            channels,
            kpis,
            baselines,
            curves,
        })
    }

    /// Returns the curve of `channel` for `kpi`, by position.
    pub fn curve(&self, kpi: usize, channel: usize) -> Option<&HillCurve> {
        self.curves.get(kpi)?.get(channel)?.as_ref()
    }

    /// Baseline of each KPI.
    pub fn baselines(&self) -> &[f64] {
        &self.baselines
    }

    fn evaluate_row(&self, spend: ArrayView1<'_, f64>, out: &mut [f64]) {
        for (k, value) in out.iter_mut().enumerate() {
            let mut total = self.baselines[k];
            for (c, curve) in self.curves[k].iter().enumerate() {
                if let Some(curve) = curve {
                    total += curve.response(spend[c]);
                }
            }
            *value = total;
        }
    }
}

fn validate_kpis(kpis: &[String], baselines: &[f64]) -> Result<(), CoreError> {
    if kpis.is_empty() {
        return Err(CoreError::invalid(
            "model.kpis",
            "no KPI is listed: name at least one",
        ));
    }
    for (index, kpi) in kpis.iter().enumerate() {
        if kpis[..index].contains(kpi) {
            return Err(CoreError::invalid(
                "model.kpis",
                format!("KPI `{kpi}` is named twice: give each KPI a unique name"),
            ));
        }
    }
    if baselines.len() != kpis.len() {
        return Err(CoreError::invalid(
            "model.baseline",
            format!(
                "{} baselines for {} KPIs: give one per KPI",
                baselines.len(),
                kpis.len()
            ),
        ));
    }
    if let Some((kpi, value)) = kpis.iter().zip(baselines).find(|(_, b)| !b.is_finite()) {
        return Err(CoreError::invalid(
            format!("model.baseline.{kpi}"),
            format!("{value} is not a finite number"),
        ));
    }
    Ok(())
}

fn find(names: &[String], name: &str, field: &str) -> Result<usize, CoreError> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        CoreError::invalid(
            field,
            format!("`{name}` is not one of: {}", names.join(", ")),
        )
    })
}

/// Batches at least this long are split across rayon's threads.
const PARALLEL_ROWS: usize = 64;

impl ResponseModel for ResponseCurveModel {
    fn channels(&self) -> &[String] {
        &self.channels
    }

    fn kpis(&self) -> &[String] {
        &self.kpis
    }

    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        let mut out = Array2::zeros((spend.nrows(), self.kpis.len()));
        if spend.nrows() >= PARALLEL_ROWS {
            out.axis_iter_mut(Axis(0))
                .into_par_iter()
                .zip(spend.axis_iter(Axis(0)).into_par_iter())
                .for_each(|(mut row, plan)| {
                    if let Some(slice) = row.as_slice_mut() {
                        self.evaluate_row(plan, slice);
                    }
                });
        } else {
            for (mut row, plan) in out.axis_iter_mut(Axis(0)).zip(spend.axis_iter(Axis(0))) {
                if let Some(slice) = row.as_slice_mut() {
                    self.evaluate_row(plan, slice);
                }
            }
        }
        Ok(out)
    }

    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.len())?;
        let mut out = Array2::zeros((self.channels.len(), self.kpis.len()));
        for (k, curves) in self.curves.iter().enumerate() {
            for (c, curve) in curves.iter().enumerate() {
                if let Some(curve) = curve {
                    out[[c, k]] = curve.response(spend[c]);
                }
            }
        }
        Ok(out)
    }

    fn gradient(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array2<f64>, CoreError>> {
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        let mut out = Array2::zeros((self.kpis.len(), self.channels.len()));
        for (k, curves) in self.curves.iter().enumerate() {
            for (c, curve) in curves.iter().enumerate() {
                if let Some(curve) = curve {
                    out[[k, c]] = curve.marginal(spend[c]);
                }
            }
        }
        Some(Ok(out))
    }

    fn is_separable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn curve(alpha: f64, theta: f64, carryover: f64) -> HillCurve {
        HillCurve {
            coefficient: 1000.0,
            alpha,
            inflexion: 50.0,
            theta,
            carryover,
        }
    }

    fn spec(channel: &str, kpi: &str, curve: HillCurve) -> CurveSpec {
        CurveSpec {
            channel: channel.into(),
            kpi: kpi.into(),
            coefficient: curve.coefficient,
            alpha: curve.alpha,
            inflexion: curve.inflexion,
            theta: curve.theta,
            carryover: curve.carryover,
        }
    }

    #[test]
    fn response_at_inflexion_is_half() {
        let hill = curve(2.0, 0.0, 0.0);
        assert!((hill.response(50.0) - 500.0).abs() < 1e-9);
    }

    #[test]
    fn steady_state_adstock_scales_spend() {
        // A spend of 25 with theta 0.5 settles at an adstocked level of 50, the inflexion.
        let hill = curve(2.0, 0.5, 0.0);
        assert!((hill.response(25.0) - 500.0).abs() < 1e-9);
    }

    #[test]
    fn carryover_adds_to_level() {
        let hill = curve(1.0, 0.0, 30.0);
        assert!((hill.response(20.0) - 500.0).abs() < 1e-9);
    }

    #[test]
    fn zero_spend_gives_zero() {
        assert_eq!(curve(0.5, 0.2, 0.0).response(0.0), 0.0);
    }

    #[test]
    fn marginal_matches_central_difference() {
        for hill in [
            curve(0.6, 0.3, 10.0),
            curve(2.5, 0.0, 0.0),
            curve(1.0, 0.1, 0.0),
        ] {
            for spend in [1.0, 20.0, 50.0, 300.0] {
                let h = 1e-4;
                let numeric = (hill.response(spend + h) - hill.response(spend - h)) / (2.0 * h);
                let analytic = hill.marginal(spend);
                assert!(
                    (numeric - analytic).abs() <= 1e-6 * analytic.abs().max(1.0),
                    "{hill:?} at {spend}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn steep_curve_stays_finite() {
        let hill = HillCurve {
            alpha: 400.0,
            ..curve(1.0, 0.0, 0.0)
        };
        for spend in [0.0, 1e-6, 10.0, 50.0, 1e6] {
            assert!(hill.response(spend).is_finite(), "response at {spend}");
            assert!(hill.marginal(spend).is_finite(), "marginal at {spend}");
        }
    }

    #[test]
    fn invalid_theta_names_field_and_value() {
        let error = curve(1.0, 1.0, 0.0)
            .validate("model.curves[0]")
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("model.curves[0].theta"), "{message}");
        assert!(message.contains("[0, 1)"), "{message}");
    }

    #[test]
    fn negative_alpha_is_rejected() {
        let error = curve(-1.0, 0.0, 0.0).validate("c").unwrap_err();
        assert!(error.to_string().contains("c.alpha"));
    }

    fn two_channel_model() -> ResponseCurveModel {
        let spec = |channel: &str, kpi: &str| spec(channel, kpi, curve(1.0, 0.0, 0.0));
        ResponseCurveModel::new(
            vec!["a".into(), "b".into()],
            vec!["revenue".into(), "reach".into()],
            vec![10.0, 0.0],
            &[
                spec("a", "revenue"),
                spec("b", "revenue"),
                spec("b", "reach"),
            ],
        )
        .unwrap()
    }

    #[test]
    fn model_sums_curves_and_baseline() {
        let model = two_channel_model();
        let out = model
            .evaluate(array![[50.0, 50.0], [0.0, 150.0]].view())
            .unwrap();
        assert!((out[[0, 0]] - 1010.0).abs() < 1e-9);
        assert!((out[[0, 1]] - 500.0).abs() < 1e-9);
        assert!((out[[1, 0]] - 760.0).abs() < 1e-9);
    }

    #[test]
    fn wrong_column_count_is_an_error() {
        let model = two_channel_model();
        let error = model.evaluate(array![[1.0, 2.0, 3.0]].view()).unwrap_err();
        assert!(error.to_string().contains("3 values"));
    }

    #[test]
    fn duplicate_kpi_is_rejected() {
        let error = ResponseCurveModel::new(
            vec!["a".into()],
            vec!["x".into(), "x".into()],
            vec![0.0, 0.0],
            &[],
        )
        .unwrap_err();
        assert!(error.to_string().contains("named twice"));
    }

    #[test]
    fn unknown_channel_in_curve_is_rejected() {
        let spec = spec("radio", "x", curve(1.0, 0.0, 0.0));
        let error = ResponseCurveModel::new(vec!["a".into()], vec!["x".into()], vec![0.0], &[spec])
            .unwrap_err();
        assert!(error.to_string().contains("`radio` is not one of: a"));
    }
}
