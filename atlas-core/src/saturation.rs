//! Saturation families: how a channel's response flattens as its adstocked spend grows.
//!
//! Every family maps an adstocked level `a >= 0` to a response before the curve's coefficient
//! multiplies it. The formulas, and the parameter names each fitting tool uses for them:
//!
//! | family | formula | tool and parameter names |
//! |---|---|---|
//! | `hill` | `1 / (1 + (inflexion / a)^alpha)` | Robyn `alphas`, inflexion from `gammas` |
//! | `hill_meridian` | `1 / (1 + (a / ec)^(-slope))` | Meridian `slope`, `ec` |
//! | `hill_pymc` | `beta * (1 - kappa^slope / (kappa^slope + a^slope))` | PyMC-Marketing `HillSaturation` |
//! | `hill_sigmoid` | `sigma / (1 + e^(-beta (a - lambda))) - sigma / (1 + e^(beta lambda))` | PyMC-Marketing `HillSaturationSigmoid` |
//! | `logistic` | `beta * (1 - e^(-lambda a)) / (1 + e^(-lambda a))` | PyMC-Marketing `LogisticSaturation` |
//! | `inverse_scaled_logistic` | `logistic` with `lambda` replaced by `eps / lambda` (`eps` = ln 3) | PyMC-Marketing `InverseScaledLogisticSaturation` |
//! | `michaelis_menten` | `alpha * a / (lambda + a)` | PyMC-Marketing `MichaelisMentenSaturation` |
//! | `tanh` | `b * tanh(a / (b c))` | PyMC-Marketing `TanhSaturation` |
//! | `exponential` | `1 - e^(-a / k)` | |
//! | `root` | `beta * a^alpha` | PyMC-Marketing `RootSaturation` |
//!
//! The three Hill forms are one curve: the half-saturation point is Robyn's inflexion,
//! Meridian's `ec` and PyMC-Marketing's `kappa`, and the shape is `alpha` or `slope`.

use serde::Serialize;

use crate::error::CoreError;

/// A saturation curve with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Saturation {
    /// Hill curve with half-saturation point `half` and shape `shape`.
    Hill {
        /// Shape: below 1 concave, above 1 S-shaped.
        shape: f64,
        /// Level at which the curve reaches half its maximum.
        half: f64,
    },
    /// Logistic sigmoid shifted to pass through the origin.
    HillSigmoid {
        /// Upper asymptote.
        sigma: f64,
        /// Steepness.
        beta: f64,
        /// Level of the steepest point.
        lambda: f64,
    },
    /// `(1 - e^(-rate a)) / (1 + e^(-rate a))`, which is `tanh(rate a / 2)`.
    Logistic {
        /// Saturation rate per unit of level.
        rate: f64,
    },
    /// `max a / (half + a)`.
    MichaelisMenten {
        /// Response at full saturation.
        max: f64,
        /// Level at which the curve reaches half its maximum.
        half: f64,
    },
    /// `b tanh(a / (b c))`.
    Tanh {
        /// Response at full saturation.
        b: f64,
        /// Cost per unit of response at the start of the curve.
        c: f64,
    },
    /// `1 - e^(-a / k)`.
    Exponential {
        /// Level scale: the curve reaches 63 % of its maximum at `a = k`.
        k: f64,
    },
    /// `a^exponent`.
    Root {
        /// Exponent; below 1 the curve is concave.
        exponent: f64,
    },
}

impl Saturation {
    /// Checks every parameter against its domain; `field` names the curve in errors.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming the parameter, its value and the domain.
    pub fn validate(&self, field: &str) -> Result<(), CoreError> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let checks: Vec<(&str, f64, bool, &str)> = match *self {
            Saturation::Hill { shape, half } => vec![
                ("shape", shape, positive(shape), "a number above 0"),
                (
                    "half-saturation point",
                    half,
                    positive(half),
                    "an amount above 0",
                ),
            ],
            Saturation::HillSigmoid {
                sigma,
                beta,
                lambda,
            } => vec![
                ("sigma", sigma, positive(sigma), "a number above 0"),
                ("beta", beta, positive(beta), "a number above 0"),
                (
                    "lambda",
                    lambda,
                    lambda.is_finite() && lambda >= 0.0,
                    "an amount of at least 0",
                ),
            ],
            Saturation::Logistic { rate } => {
                vec![("lambda", rate, positive(rate), "a number above 0")]
            }
            Saturation::MichaelisMenten { max, half } => vec![
                ("alpha", max, positive(max), "a number above 0"),
                ("lambda", half, positive(half), "an amount above 0"),
            ],
            Saturation::Tanh { b, c } => vec![
                ("b", b, positive(b), "a number above 0"),
                ("c", c, positive(c), "a number above 0"),
            ],
            Saturation::Exponential { k } => vec![("k", k, positive(k), "an amount above 0")],
            Saturation::Root { exponent } => {
                vec![("alpha", exponent, positive(exponent), "a number above 0")]
            }
        };
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

    /// Response at adstocked level `level` (negative levels count as 0).
    pub fn value(&self, level: f64) -> f64 {
        let a = level.max(0.0);
        match *self {
            Saturation::Hill { shape, half } => hill(a, shape, half),
            Saturation::HillSigmoid {
                sigma,
                beta,
                lambda,
            } => sigma * (logistic_unit(beta * (a - lambda)) - logistic_unit(-beta * lambda)),
            Saturation::Logistic { rate } => (rate * a / 2.0).tanh(),
            Saturation::MichaelisMenten { max, half } => max * a / (half + a),
            Saturation::Tanh { b, c } => b * (a / (b * c)).tanh(),
            Saturation::Exponential { k } => -(-a / k).exp_m1(),
            Saturation::Root { exponent } => a.powf(exponent),
        }
    }

    /// Derivative of the response with respect to the adstocked level.
    ///
    /// Where the derivative at a level of 0 is unbounded (Hill and root curves with a shape
    /// below 1), the level is floored: at a billionth of the half-saturation point for Hill,
    /// at 1e-9 for root.
    pub fn derivative(&self, level: f64) -> f64 {
        let a = level.max(0.0);
        match *self {
            Saturation::Hill { shape, half } => {
                let a = a.max(half * 1e-9);
                let v = hill(a, shape, half);
                shape / a * v * (1.0 - v)
            }
            Saturation::HillSigmoid {
                sigma,
                beta,
                lambda,
            } => {
                let p = logistic_unit(beta * (a - lambda));
                sigma * beta * p * (1.0 - p)
            }
            Saturation::Logistic { rate } => {
                let v = (rate * a / 2.0).tanh();
                rate / 2.0 * (1.0 - v * v)
            }
            Saturation::MichaelisMenten { max, half } => max * half / ((half + a) * (half + a)),
            Saturation::Tanh { b, c } => {
                let t = (a / (b * c)).tanh();
                (1.0 - t * t) / c
            }
            Saturation::Exponential { k } => (-a / k).exp() / k,
            Saturation::Root { exponent } => {
                let a = a.max(1e-9);
                exponent * a.powf(exponent - 1.0)
            }
        }
    }

    /// Supremum of the response, or `None` for an unbounded family.
    pub fn supremum(&self) -> Option<f64> {
        match *self {
            Saturation::Hill { .. }
            | Saturation::Logistic { .. }
            | Saturation::Exponential { .. } => Some(1.0),
            Saturation::HillSigmoid {
                sigma,
                beta,
                lambda,
            } => Some(sigma * (1.0 - logistic_unit(-beta * lambda))),
            Saturation::MichaelisMenten { max, .. } => Some(max),
            Saturation::Tanh { b, .. } => Some(b),
            Saturation::Root { .. } => None,
        }
    }
}

/// `1 / (1 + (half / a)^shape)`, 0 at `a = 0`, and never NaN when the ratio overflows.
fn hill(a: f64, shape: f64, half: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    let ratio = (half / a).powf(shape);
    if ratio.is_finite() {
        1.0 / (1.0 + ratio)
    } else {
        0.0
    }
}

/// The standard logistic function `1 / (1 + e^(-z))`.
fn logistic_unit(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Lists one curve of each family, with parameters in a typical range for spend in thousands.
    fn families() -> Vec<Saturation> {
        vec![
            Saturation::Hill {
                shape: 2.2,
                half: 50.0,
            },
            Saturation::Hill {
                shape: 0.6,
                half: 50.0,
            },
            Saturation::HillSigmoid {
                sigma: 3.0,
                beta: 0.08,
                lambda: 40.0,
            },
            Saturation::Logistic { rate: 0.03 },
            Saturation::MichaelisMenten {
                max: 7.0,
                half: 30.0,
            },
            Saturation::Tanh { b: 5.0, c: 4.0 },
            Saturation::Exponential { k: 25.0 },
            Saturation::Root { exponent: 0.5 },
        ]
    }

    /// Values computed by hand from the formulas as each tool documents them: Robyn's and
    /// Meridian's Hill, and PyMC-Marketing's `transformers.py` docstrings for the others.
    #[test]
    fn values_match_documented_formulas() {
        let e = std::f64::consts::E;
        let cases: Vec<(Saturation, f64, f64)> = vec![
            // Hill at its half-saturation point is 1/2; at twice it with shape 2, 4/5.
            (
                Saturation::Hill {
                    shape: 2.0,
                    half: 10.0,
                },
                10.0,
                0.5,
            ),
            (
                Saturation::Hill {
                    shape: 2.0,
                    half: 10.0,
                },
                20.0,
                0.8,
            ),
            // Sigmoid: 2/(1+e^-1) - 2/(1+e^1) at beta 1, lambda 1, level 2.
            (
                Saturation::HillSigmoid {
                    sigma: 2.0,
                    beta: 1.0,
                    lambda: 1.0,
                },
                2.0,
                2.0 / (1.0 + 1.0 / e) - 2.0 / (1.0 + e),
            ),
            // Logistic: (1 - e^-1) / (1 + e^-1) at lambda 0.5, level 2.
            (
                Saturation::Logistic { rate: 0.5 },
                2.0,
                (1.0 - 1.0 / e) / (1.0 + 1.0 / e),
            ),
            // Michaelis-Menten: alpha at half = lambda is alpha / 2.
            (
                Saturation::MichaelisMenten {
                    max: 10.0,
                    half: 50.0,
                },
                50.0,
                5.0,
            ),
            // Tanh: b tanh(x / (b c)) = 2 tanh(1) at b 2, c 0.5, level 1.
            (
                Saturation::Tanh { b: 2.0, c: 0.5 },
                1.0,
                2.0 * 1.0f64.tanh(),
            ),
            // Exponential: 1 - e^-1 at level k.
            (Saturation::Exponential { k: 4.0 }, 4.0, 1.0 - 1.0 / e),
            // Root: 16^0.5.
            (Saturation::Root { exponent: 0.5 }, 16.0, 4.0),
        ];
        for (curve, level, expected) in cases {
            let value = curve.value(level);
            assert!(
                (value - expected).abs() < 1e-12,
                "{curve:?} at {level}: {value} vs {expected}"
            );
        }
    }

    #[test]
    fn every_family_is_zero_at_zero() {
        for curve in families() {
            assert!(curve.value(0.0).abs() < 1e-12, "{curve:?}");
        }
    }

    #[test]
    fn derivatives_match_central_differences() {
        for curve in families() {
            for level in [0.5, 5.0, 30.0, 50.0, 120.0, 400.0] {
                let h = 1e-5 * level;
                let numeric = (curve.value(level + h) - curve.value(level - h)) / (2.0 * h);
                let analytic = curve.derivative(level);
                let scale = analytic.abs().max(1e-8);
                assert!(
                    (numeric - analytic).abs() <= 1e-5 * scale,
                    "{curve:?} at {level}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn steep_hill_stays_finite() {
        let curve = Saturation::Hill {
            shape: 400.0,
            half: 50.0,
        };
        for level in [0.0, 1e-6, 10.0, 50.0, 1e6] {
            assert!(curve.value(level).is_finite());
            assert!(curve.derivative(level).is_finite());
        }
    }

    #[test]
    fn invalid_parameter_names_field_and_value() {
        let error = Saturation::Tanh { b: 1.0, c: 0.0 }
            .validate("model.curves[2]")
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("model.curves[2].c"), "{message}");
        assert!(message.contains("0 is out of range"), "{message}");
        let error = Saturation::HillSigmoid {
            sigma: 1.0,
            beta: f64::NAN,
            lambda: 1.0,
        }
        .validate("x")
        .unwrap_err();
        assert!(error.to_string().contains("x.beta"));
    }

    proptest! {
        #[test]
        fn saturations_rise_and_stay_bounded(a in 0.0f64..1e4, step in 0.0f64..1e3) {
            for curve in families() {
                let low = curve.value(a);
                let high = curve.value(a + step);
                prop_assert!(high >= low - 1e-12, "{:?} falls from {} to {}", curve, low, high);
                if let Some(limit) = curve.supremum() {
                    prop_assert!(high <= limit + 1e-12, "{:?} exceeds {}", curve, limit);
                }
                prop_assert!(curve.derivative(a) >= 0.0);
            }
        }
    }
}
