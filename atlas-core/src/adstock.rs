//! Adstock families: how spend in one period keeps working in later ones.
//!
//! Every family is a set of lag weights `w[0..=L]`: the adstocked level in period `t` is
//! `sum_l w[l] * spend[t - l]`. The families and the tools whose definitions they follow:
//!
//! | family | weight at lag `l` | tool and parameter names |
//! |---|---|---|
//! | `geometric` | `theta^l`, for every lag or up to `max_lag` | Robyn `thetas` (no limit, not normalized); PyMC-Marketing `alpha`, `l_max`; Meridian `alpha`, `max_lag` (normalized) |
//! | `delayed` | `alpha^((l - theta)^2)` up to `max_lag` | PyMC-Marketing `DelayedAdstock` |
//! | `weibull_cdf` | `prod_{i=1..l} (1 - F(i))` with `F` the Weibull CDF, `l` up to `max_lag` | PyMC-Marketing `WeibullCDFAdstock` (`lam` = scale, `k` = shape) |
//! | `weibull_pdf` | Weibull density at `l + 1`, rescaled to [0, 1] over the lags | PyMC-Marketing `WeibullPDFAdstock` |
//! | `binomial` | `(1 - l / (max_lag + 1))^(1 / alpha - 1)`, always normalized | Meridian `binomial` decay |
//!
//! Lags count from 0, so `max_lag` is PyMC-Marketing's `l_max - 1` for geometric, delayed and
//! Weibull PDF adstock, `l_max` for Weibull CDF (whose kernel has `l_max + 1` weights) and
//! Meridian's `max_lag` as it is. PyMC-Marketing and Meridian fit on scaled spend, so copied
//! scale parameters (`scale`, and the saturation's half-saturation points) are in scaled
//! units: `cost_per_unit` on the curve converts spend into them.
//!
//! `normalize` divides the weights by their sum, so adstock preserves total spend. A spend `x`
//! repeated every period settles at the level `x * sum(w)`, the steady state.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// A parameter's name, value, whether it is in its domain, and the domain in words.
type RangeCheck = (&'static str, f64, bool, &'static str);

/// Most lags an adstock may have: ten years of weekly data.
pub const MAX_LAG: usize = 520;

/// An adstock family with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case", deny_unknown_fields)]
pub enum Adstock {
    /// `theta^l`; without `max_lag` the decay runs for ever, as in Robyn.
    Geometric {
        /// Decay rate in [0, 1).
        theta: f64,
        /// Last lag with a weight; every lag when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_lag: Option<usize>,
        /// Whether the weights are divided by their sum.
        #[serde(default)]
        normalize: bool,
    },
    /// `alpha^((l - theta)^2)`: a peak `theta` periods after the spend.
    Delayed {
        /// Retention rate in (0, 1).
        alpha: f64,
        /// Lag of the peak, in periods.
        theta: f64,
        /// Last lag with a weight.
        max_lag: usize,
        /// Whether the weights are divided by their sum.
        #[serde(default)]
        normalize: bool,
    },
    /// Survival of a Weibull distribution: the share still active after `l` periods.
    WeibullCdf {
        /// Weibull shape `k`.
        shape: f64,
        /// Weibull scale `lambda`, in periods.
        scale: f64,
        /// Last lag with a weight.
        max_lag: usize,
        /// Whether the weights are divided by their sum.
        #[serde(default)]
        normalize: bool,
    },
    /// Weibull density, rescaled so its smallest weight is 0 and its largest 1.
    WeibullPdf {
        /// Weibull shape `k`.
        shape: f64,
        /// Weibull scale `lambda`, in periods.
        scale: f64,
        /// Last lag with a weight.
        max_lag: usize,
        /// Whether the weights are divided by their sum.
        #[serde(default)]
        normalize: bool,
    },
    /// Meridian's binomial decay, normalized.
    Binomial {
        /// Decay parameter in (0, 1]: near 0 no carry-over, 1 equal weights.
        alpha: f64,
        /// Last lag with a weight.
        max_lag: usize,
    },
}

impl Adstock {
    /// No carry-over: all of a period's spend works in that period.
    pub fn none() -> Self {
        Adstock::Geometric {
            theta: 0.0,
            max_lag: None,
            normalize: false,
        }
    }

    /// Checks every parameter against its domain; `field` names the curve in errors.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming the parameter, its value and the domain.
    pub fn validate(&self, field: &str) -> Result<(), CoreError> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let (checks, lag): (Vec<RangeCheck>, Option<usize>) = match *self {
            Adstock::Geometric {
                theta,
                max_lag: None,
                ..
            } => (
                vec![(
                    "theta",
                    theta,
                    (0.0..1.0).contains(&theta),
                    "a decay rate in [0, 1) when max_lag is absent",
                )],
                None,
            ),
            Adstock::Geometric { theta, max_lag, .. } => (
                vec![(
                    "theta",
                    theta,
                    (0.0..=1.0).contains(&theta),
                    "a decay rate in [0, 1]",
                )],
                max_lag,
            ),
            Adstock::Delayed {
                alpha,
                theta,
                max_lag,
                ..
            } => (
                vec![
                    (
                        "alpha",
                        alpha,
                        alpha > 0.0 && alpha < 1.0,
                        "a retention rate in (0, 1)",
                    ),
                    (
                        "theta",
                        theta,
                        theta.is_finite() && theta >= 0.0,
                        "a lag of at least 0",
                    ),
                ],
                Some(max_lag),
            ),
            Adstock::WeibullCdf {
                shape,
                scale,
                max_lag,
                ..
            }
            | Adstock::WeibullPdf {
                shape,
                scale,
                max_lag,
                ..
            } => (
                vec![
                    ("shape", shape, positive(shape), "a number above 0"),
                    (
                        "scale",
                        scale,
                        positive(scale),
                        "a number of periods above 0",
                    ),
                ],
                Some(max_lag),
            ),
            Adstock::Binomial { alpha, max_lag } => (
                vec![(
                    "alpha",
                    alpha,
                    (0.0..=1.0).contains(&alpha),
                    "a number in [0, 1]",
                )],
                Some(max_lag),
            ),
        };
        for (name, value, ok, expected) in checks {
            if !ok {
                return Err(CoreError::invalid(
                    format!("{field}.adstock.{name}"),
                    format!("{value} is out of range: use {expected}"),
                ));
            }
        }
        if let Some(lag) = lag.filter(|lag| *lag > MAX_LAG) {
            return Err(CoreError::invalid(
                format!("{field}.adstock.max_lag"),
                format!("{lag} lags is too many: use at most {MAX_LAG}"),
            ));
        }
        let weights = self.weights();
        if weights.iter().any(|w| !w.is_finite()) || weights.iter().sum::<f64>() <= 0.0 {
            return Err(CoreError::invalid(
                format!("{field}.adstock"),
                "the lag weights are all 0 or not finite for these parameters, so spend would \
                 never work: check the shape and scale, or widen max_lag",
            ));
        }
        if let Adstock::WeibullPdf { max_lag, .. } = *self {
            let densities = weibull_densities(self, max_lag);
            let spread = densities.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - densities.iter().copied().fold(f64::INFINITY, f64::min);
            if max_lag > 0 && !(spread > 0.0 && spread.is_finite()) {
                return Err(CoreError::invalid(
                    format!("{field}.adstock"),
                    "the Weibull densities are equal, zero or not finite at every lag, so the \
                     weights are undefined: use a scale of at least one period or a smaller shape",
                ));
            }
        }
        Ok(())
    }

    /// Lag weights `w[0..=L]`, with `L` at most [`MAX_LAG`]. A geometric decay without
    /// `max_lag` is cut where its weights fall below 1e-12 of the first, or at [`MAX_LAG`] lags
    /// for a decay above about 0.948, so its weights can sum to less than its exact steady
    /// state `1 / (1 - theta)`.
    pub fn weights(&self) -> Vec<f64> {
        let raw = match *self {
            Adstock::Geometric { theta, max_lag, .. } => {
                let lags = max_lag
                    .unwrap_or_else(|| unbounded_geometric_lags(theta))
                    .min(MAX_LAG);
                (0..=lags).map(|l| theta.powi(l as i32)).collect()
            }
            Adstock::Delayed {
                alpha,
                theta,
                max_lag,
                ..
            } => (0..=max_lag.min(MAX_LAG))
                .map(|l| alpha.powf((l as f64 - theta).powi(2)))
                .collect(),
            Adstock::WeibullCdf {
                shape,
                scale,
                max_lag,
                ..
            } => {
                let mut survival = 1.0;
                let mut weights = vec![1.0];
                for t in 1..=max_lag.min(MAX_LAG) {
                    survival *= (-(t as f64 / scale).powf(shape)).exp();
                    weights.push(survival);
                }
                weights
            }
            Adstock::WeibullPdf { max_lag, .. } => rescale_unit(&weibull_densities(self, max_lag)),
            Adstock::Binomial { alpha, max_lag } => {
                let max_lag = max_lag.min(MAX_LAG);
                let window = (max_lag + 1) as f64;
                let exponent = 1.0 / alpha - 1.0;
                (0..=max_lag)
                    .map(|l| (1.0 - l as f64 / window).powf(exponent))
                    .collect()
            }
        };
        if self.normalized() {
            let sum: f64 = raw.iter().sum();
            if sum > 0.0 {
                return raw.iter().map(|w| w / sum).collect();
            }
        }
        raw
    }

    fn normalized(&self) -> bool {
        match *self {
            Adstock::Geometric { normalize, .. }
            | Adstock::Delayed { normalize, .. }
            | Adstock::WeibullCdf { normalize, .. }
            | Adstock::WeibullPdf { normalize, .. } => normalize,
            Adstock::Binomial { .. } => true,
        }
    }

    /// Level that a spend of 1 held every period settles at: the sum of the weights. An
    /// unbounded geometric decay gives exactly `1 / (1 - theta)`.
    pub fn steady_state(&self) -> f64 {
        match *self {
            Adstock::Geometric {
                theta,
                max_lag: None,
                normalize: false,
            } => 1.0 / (1.0 - theta),
            _ => self.weights().iter().sum(),
        }
    }

    /// Adstocked series of `spend`, with no spend before the first period.
    pub fn apply(&self, spend: &[f64]) -> Vec<f64> {
        let weights = self.weights();
        (0..spend.len())
            .map(|t| {
                weights
                    .iter()
                    .enumerate()
                    .take(t + 1)
                    .map(|(l, w)| w * spend[t - l])
                    .sum()
            })
            .collect()
    }
}

/// Lags after which `theta^l` is below 1e-12, capped at [`MAX_LAG`].
fn unbounded_geometric_lags(theta: f64) -> usize {
    if theta <= 0.0 {
        return 0;
    }
    let lags = (1e-12f64.ln() / theta.ln()).ceil();
    if lags.is_finite() && lags >= 0.0 {
        (lags as usize).min(MAX_LAG)
    } else {
        MAX_LAG
    }
}

/// Weibull densities at `1..=max_lag + 1` (capped at [`MAX_LAG`]), or an empty list for
/// another family.
fn weibull_densities(adstock: &Adstock, max_lag: usize) -> Vec<f64> {
    let Adstock::WeibullPdf { shape, scale, .. } = *adstock else {
        return Vec::new();
    };
    (1..=max_lag.min(MAX_LAG) + 1)
        .map(|t| weibull_pdf(t as f64, shape, scale))
        .collect()
}

fn weibull_pdf(t: f64, shape: f64, scale: f64) -> f64 {
    let z = t / scale;
    shape / scale * z.powf(shape - 1.0) * (-z.powf(shape)).exp()
}

/// Rescales values linearly so the smallest becomes 0 and the largest 1.
fn rescale_unit(values: &[f64]) -> Vec<f64> {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if high > low {
        values.iter().map(|v| (v - low) / (high - low)).collect()
    } else {
        vec![1.0; values.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    /// Weights worked out by hand from each tool's definition: PyMC-Marketing's
    /// `transformers.py` (geometric, delayed, Weibull) and Meridian's `adstock_hill.py`
    /// (binomial).
    #[test]
    fn weights_match_documented_definitions() {
        let geometric = Adstock::Geometric {
            theta: 0.5,
            max_lag: Some(3),
            normalize: false,
        };
        assert!(close(&geometric.weights(), &[1.0, 0.5, 0.25, 0.125]));
        let normalized = Adstock::Geometric {
            theta: 0.5,
            max_lag: Some(1),
            normalize: true,
        };
        assert!(close(&normalized.weights(), &[2.0 / 3.0, 1.0 / 3.0]));
        let delayed = Adstock::Delayed {
            alpha: 0.5,
            theta: 1.0,
            max_lag: 2,
            normalize: false,
        };
        assert!(close(&delayed.weights(), &[0.5, 1.0, 0.5]));
        // Weibull with shape 1 and scale 1 is the exponential: F(t) = 1 - e^-t.
        let cdf = Adstock::WeibullCdf {
            shape: 1.0,
            scale: 1.0,
            max_lag: 2,
            normalize: false,
        };
        let e = std::f64::consts::E;
        assert!(close(&cdf.weights(), &[1.0, 1.0 / e, 1.0 / (e * e * e)]));
        let pdf = Adstock::WeibullPdf {
            shape: 1.0,
            scale: 1.0,
            max_lag: 2,
            normalize: false,
        };
        let densities = [1.0 / e, 1.0 / (e * e), 1.0 / (e * e * e)];
        let span = densities[0] - densities[2];
        let expected: Vec<f64> = densities
            .iter()
            .map(|d| (d - densities[2]) / span)
            .collect();
        assert!(close(&pdf.weights(), &expected));
        // Binomial with alpha 0.5 has exponent 1: weights 1, 2/3, 1/3 over 3 lags, normalized.
        let binomial = Adstock::Binomial {
            alpha: 0.5,
            max_lag: 2,
        };
        assert!(close(&binomial.weights(), &[0.5, 1.0 / 3.0, 1.0 / 6.0]));
    }

    #[test]
    fn robyn_geometric_steady_state_is_exact() {
        let robyn = Adstock::Geometric {
            theta: 0.4,
            max_lag: None,
            normalize: false,
        };
        assert_eq!(robyn.steady_state(), 1.0 / 0.6);
        let truncated: f64 = robyn.weights().iter().sum();
        assert!((truncated - 1.0 / 0.6).abs() < 1e-9);
    }

    #[test]
    fn degenerate_weibull_pdf_is_rejected() {
        for (shape, scale) in [(2.0, 0.001), (1e300, 1.5)] {
            let adstock = Adstock::WeibullPdf {
                shape,
                scale,
                max_lag: 3,
                normalize: false,
            };
            let message = adstock.validate("c").unwrap_err().to_string();
            assert!(message.contains("c.adstock"), "{message}");
        }
    }

    #[test]
    fn meridian_domain_edges_are_accepted() {
        let none = Adstock::Binomial {
            alpha: 0.0,
            max_lag: 3,
        };
        assert!(none.validate("c").is_ok());
        assert!(close(&none.weights(), &[1.0, 0.0, 0.0, 0.0]));
        let flat = Adstock::Geometric {
            theta: 1.0,
            max_lag: Some(2),
            normalize: true,
        };
        assert!(flat.validate("c").is_ok());
        assert!(close(&flat.weights(), &[1.0 / 3.0; 3]));
        let unbounded = Adstock::Geometric {
            theta: 1.0,
            max_lag: None,
            normalize: false,
        };
        assert!(unbounded.validate("c").is_err());
    }

    #[test]
    fn huge_max_lag_is_capped_before_allocating() {
        let adstock = Adstock::Geometric {
            theta: 0.5,
            max_lag: Some(1_000_000_000),
            normalize: false,
        };
        assert_eq!(adstock.weights().len(), MAX_LAG + 1);
        assert!(adstock.validate("c").is_err());
    }

    #[test]
    fn apply_convolves_past_spend() {
        let adstock = Adstock::Geometric {
            theta: 0.5,
            max_lag: Some(2),
            normalize: false,
        };
        assert!(close(
            &adstock.apply(&[4.0, 0.0, 0.0, 0.0]),
            &[4.0, 2.0, 1.0, 0.0]
        ));
    }

    #[test]
    fn invalid_parameters_name_field_and_value() {
        let cases = [
            (
                Adstock::Geometric {
                    theta: 1.0,
                    max_lag: None,
                    normalize: false,
                },
                "adstock.theta",
            ),
            (
                Adstock::Delayed {
                    alpha: 0.5,
                    theta: -1.0,
                    max_lag: 4,
                    normalize: false,
                },
                "adstock.theta",
            ),
            (
                Adstock::WeibullPdf {
                    shape: 0.0,
                    scale: 2.0,
                    max_lag: 4,
                    normalize: false,
                },
                "adstock.shape",
            ),
            (
                Adstock::Binomial {
                    alpha: 1.5,
                    max_lag: 4,
                },
                "adstock.alpha",
            ),
            (
                Adstock::Geometric {
                    theta: 0.3,
                    max_lag: Some(100_000),
                    normalize: false,
                },
                "adstock.max_lag",
            ),
        ];
        for (adstock, expected) in cases {
            let message = adstock.validate("model.curves[1]").unwrap_err().to_string();
            assert!(
                message.contains(&format!("model.curves[1].{expected}")),
                "{message}"
            );
        }
    }

    fn families() -> Vec<Adstock> {
        vec![
            Adstock::Geometric {
                theta: 0.6,
                max_lag: Some(8),
                normalize: true,
            },
            Adstock::Delayed {
                alpha: 0.7,
                theta: 2.0,
                max_lag: 8,
                normalize: true,
            },
            Adstock::WeibullCdf {
                shape: 1.5,
                scale: 3.0,
                max_lag: 8,
                normalize: true,
            },
            Adstock::WeibullPdf {
                shape: 2.0,
                scale: 3.0,
                max_lag: 8,
                normalize: true,
            },
            Adstock::Binomial {
                alpha: 0.3,
                max_lag: 8,
            },
        ]
    }

    proptest! {
        #[test]
        fn normalized_adstock_preserves_total_spend(
            spend in prop::collection::vec(0.0f64..1e5, 1..20),
        ) {
            for adstock in families() {
                // With enough trailing zero periods, every unit of spend is counted once.
                let mut padded = spend.clone();
                padded.extend(std::iter::repeat_n(0.0, 9));
                let total: f64 = spend.iter().sum();
                let adstocked: f64 = adstock.apply(&padded).iter().sum();
                prop_assert!((adstocked - total).abs() <= 1e-9 * total.max(1.0), "{:?}", adstock);
            }
        }
    }
}
