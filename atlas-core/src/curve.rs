//! The built-in response-curve model: a saturation curve of adstocked spend.
//!
//! For channel `c` and KPI `k`, the response to a spend `x` held every period is
//!
//! ```text
//! units = x / cost_per_unit
//! a = units * s + carryover                 s = steady state of the adstock weights
//! response = coefficient * saturation(a)    (adstock first, the default)
//! response = coefficient * s * saturation(units)   (saturation first)
//! ```
//!
//! and a KPI's value is its baseline plus the sum of its channels' responses. For Robyn's
//! geometric decay `theta`, `s = 1 / (1 - theta)`.
//! `carryover` is an adstocked amount added on top of the plan's own, in spend units: Robyn's
//! allocator uses it for the mean carry-over of historical spend, with `theta = 0`. The
//! saturation families and their parameters are listed in [`crate::saturation`].

use std::collections::BTreeMap;

use ndarray::{Array2, Array3, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::adstock::Adstock;
use crate::error::CoreError;
use crate::model::{check_columns, fill_draws, fill_rows, ResponseModel};
use crate::saturation::Saturation;

/// Whether spend is adstocked before the saturation curve applies, or after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Saturation of adstocked spend, as Robyn, PyMC-Marketing by default and Meridian's media.
    #[default]
    AdstockFirst,
    /// Adstock of saturated spend, as PyMC-Marketing with `adstock_first = False`.
    SaturationFirst,
}

impl Order {
    fn is_default(&self) -> bool {
        *self == Order::AdstockFirst
    }
}

/// One channel's response curve for one KPI, for a spend held every period.
///
/// With adstock first, a spend `x` settles at the level `a = s * x + carryover`, where `s` is
/// the adstock's steady state, and the response is `coefficient * saturation(a)`. With
/// saturation first, each period's spend saturates on its own and adstock adds the carried
/// responses up: `coefficient * s * saturation(x)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResponseCurve {
    /// Multiplier of the saturation curve, in KPI units per period.
    pub coefficient: f64,
    /// Saturation family and parameters.
    pub saturation: Saturation,
    /// Adstock family and parameters, private because the steady state below derives from it.
    adstock: Adstock,
    /// Whether adstock or saturation applies first.
    pub order: Order,
    /// Adstocked media units added to the plan's own, for example historical carry-over.
    pub carryover: f64,
    /// Spend that buys one media unit (impression, GRP, click) when the curve was fitted on
    /// media units; 1 when it was fitted on spend.
    pub cost_per_unit: f64,
    /// Steady state of the adstock, cached because every evaluation needs it.
    #[serde(skip)]
    steady: f64,
}

impl ResponseCurve {
    /// Builds a curve from its parts.
    pub fn new(
        coefficient: f64,
        saturation: Saturation,
        adstock: Adstock,
        order: Order,
        carryover: f64,
    ) -> Self {
        Self {
            coefficient,
            saturation,
            adstock,
            order,
            carryover,
            cost_per_unit: 1.0,
            steady: adstock.steady_state(),
        }
    }

    /// Adstock family and parameters.
    pub fn adstock(&self) -> &Adstock {
        &self.adstock
    }

    /// Sets the spend that buys one media unit.
    pub fn with_cost_per_unit(mut self, cost_per_unit: f64) -> Self {
        self.cost_per_unit = cost_per_unit;
        self
    }

    fn units(&self, spend: f64) -> f64 {
        spend.max(0.0) / self.cost_per_unit
    }

    /// Builds a Hill curve as Robyn writes it: coefficient, shape `alpha`, inflexion point and an
    /// unbounded geometric adstock with decay `theta`.
    pub fn hill(coefficient: f64, alpha: f64, inflexion: f64, theta: f64, carryover: f64) -> Self {
        let saturation = Saturation::Hill {
            shape: alpha,
            half: inflexion,
        };
        let adstock = Adstock::Geometric {
            theta,
            max_lag: None,
            normalize: false,
        };
        Self::new(
            coefficient,
            saturation,
            adstock,
            Order::AdstockFirst,
            carryover,
        )
    }

    /// Checks every parameter, naming `field` (for example `model.curves[3]`) in the error.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a non-finite coefficient, a saturation or adstock
    /// parameter outside its domain, a negative carry-over, or a carry-over with saturation
    /// first.
    pub fn validate(&self, field: &str) -> Result<(), CoreError> {
        if !self.coefficient.is_finite() {
            return Err(CoreError::invalid(
                format!("{field}.coefficient"),
                format!("{} is out of range: use a finite number", self.coefficient),
            ));
        }
        if !self.cost_per_unit.is_finite() || self.cost_per_unit <= 0.0 {
            return Err(CoreError::invalid(
                format!("{field}.cost_per_unit"),
                format!(
                    "{} is out of range: use an amount above 0",
                    self.cost_per_unit
                ),
            ));
        }
        if !self.carryover.is_finite() || self.carryover < 0.0 {
            return Err(CoreError::invalid(
                format!("{field}.carryover"),
                format!(
                    "{} is out of range: use an amount of at least 0",
                    self.carryover
                ),
            ));
        }
        if self.order == Order::SaturationFirst && self.carryover != 0.0 {
            return Err(CoreError::invalid(
                format!("{field}.carryover"),
                "a carry-over of adstocked spend needs order = \"adstock_first\": remove it or \
                 change the order",
            ));
        }
        self.adstock.validate(field)?;
        self.saturation.validate(field)
    }

    /// Adstocked level, in media units, reached by a spend of `spend` held every period.
    pub fn adstocked(&self, spend: f64) -> f64 {
        self.units(spend) * self.steady + self.carryover
    }

    /// Response to a spend of `spend` held every period.
    pub fn response(&self, spend: f64) -> f64 {
        match self.order {
            Order::AdstockFirst => self.coefficient * self.saturation.value(self.adstocked(spend)),
            Order::SaturationFirst => {
                self.coefficient * self.steady * self.saturation.value(self.units(spend))
            }
        }
    }

    /// Derivative of the response with respect to spend.
    pub fn marginal(&self, spend: f64) -> f64 {
        let level = match self.order {
            Order::AdstockFirst => self.adstocked(spend),
            Order::SaturationFirst => self.units(spend),
        };
        self.coefficient * self.steady * self.saturation.derivative(level) / self.cost_per_unit
    }
}

/// Renames the saturation's own parameter names in `error` to the scenario keys of `family`.
fn scenario_key(error: CoreError, family: &str) -> CoreError {
    let (shape, half) = match family {
        "hill" => ("alpha", "inflexion"),
        "hill_meridian" => ("slope", "ec"),
        "hill_pymc" => ("slope", "kappa"),
        _ => return error,
    };
    match error {
        CoreError::Invalid { field, message } => CoreError::Invalid {
            field: field
                .replace(".shape", &format!(".{shape}"))
                .replace(".half-saturation point", &format!(".{half}")),
            message,
        },
        other => other,
    }
}

/// Saturation families a scenario can name, with their required and optional parameters.
const FAMILIES: [(&str, &[&str], &[&str]); 10] = [
    ("hill", &["alpha", "inflexion"], &[]),
    ("hill_meridian", &["slope", "ec"], &[]),
    ("hill_pymc", &["slope", "kappa"], &["beta"]),
    ("hill_sigmoid", &["sigma", "beta", "lambda"], &[]),
    ("logistic", &["lambda"], &["beta"]),
    ("inverse_scaled_logistic", &["lambda"], &["beta", "eps"]),
    ("michaelis_menten", &["alpha", "lambda"], &[]),
    ("tanh", &["b", "c"], &[]),
    ("exponential", &["k"], &[]),
    ("root", &["alpha"], &["beta"]),
];

fn default_family() -> String {
    "hill".into()
}

/// One curve of the model, tied to its channel and KPI by name, as a scenario file writes it.
///
/// `family` picks the saturation curve and decides which parameters apply; the names are
/// those of the tool that fits that family (see [`crate::saturation`]). `coefficient`
/// multiplies any family and defaults to 1. For `hill_pymc`, `logistic`,
/// `inverse_scaled_logistic` and `root`, PyMC-Marketing's `beta` is a multiplier too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveSpec {
    /// Channel name.
    pub channel: String,
    /// KPI name.
    pub kpi: String,
    /// Geo the curve applies in, in a plan with geos; every geo without a curve of its own
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<String>,
    /// Saturation family; `hill` when absent.
    #[serde(default = "default_family")]
    pub family: String,
    /// Multiplier of the saturation curve, in KPI units per period; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coefficient: Option<f64>,
    /// Hill shape (Robyn), Michaelis-Menten maximum or root exponent (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Hill inflexion point (Robyn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inflexion: Option<f64>,
    /// Hill shape (Meridian, PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slope: Option<f64>,
    /// Hill half-saturation point (Meridian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec: Option<f64>,
    /// Hill half-saturation point (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    /// Sigmoid steepness, or a multiplier (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Sigmoid upper asymptote (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// Sigmoid transition point, logistic rate or Michaelis-Menten constant (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<f64>,
    /// Scale of the inverse-scaled logistic; ln 3 when absent, which makes `lambda` the
    /// half-saturation point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    /// Tanh saturation level (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<f64>,
    /// Tanh initial cost per unit of response (PyMC-Marketing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<f64>,
    /// Exponential level scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<f64>,
    /// Decay rate in [0, 1) of an unbounded geometric adstock, Robyn's `thetas`; a shorthand
    /// for `adstock = { family = "geometric", theta = ... }`.
    #[serde(default)]
    pub theta: f64,
    /// Adstock family and parameters, for example
    /// `{ family = "weibull_cdf", shape = 1.5, scale = 3.0, max_lag = 12 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adstock: Option<Adstock>,
    /// Whether adstock or saturation applies first; `adstock_first` when absent.
    #[serde(default, skip_serializing_if = "Order::is_default")]
    pub order: Order,
    /// Adstocked media units added to the plan's own; in a plan over periods, added to the
    /// level of every period alike.
    #[serde(default)]
    pub carryover: f64,
    /// Spend that buys one media unit when the curve was fitted on media units (impressions,
    /// GRPs, clicks) rather than spend; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_unit: Option<f64>,
    /// Posterior draws of any of the parameters above, by parameter name, for example
    /// `{ coefficient = [0.9, 1.1, 1.0], slope = [1.8, 2.1, 2.0] }`. Every list of every curve
    /// of a model has the same length, the number of draws.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub draws: BTreeMap<String, Vec<f64>>,
}

impl CurveSpec {
    /// Builds a Hill curve spec with Robyn's parameter names.
    pub fn hill(
        channel: &str,
        kpi: &str,
        curve: (f64, f64, f64),
        theta: f64,
        carryover: f64,
    ) -> Self {
        let (coefficient, alpha, inflexion) = curve;
        Self {
            channel: channel.into(),
            kpi: kpi.into(),
            geo: None,
            family: default_family(),
            coefficient: Some(coefficient),
            alpha: Some(alpha),
            inflexion: Some(inflexion),
            slope: None,
            ec: None,
            kappa: None,
            beta: None,
            sigma: None,
            lambda: None,
            eps: None,
            b: None,
            c: None,
            k: None,
            theta,
            adstock: None,
            order: Order::AdstockFirst,
            carryover,
            cost_per_unit: None,
            draws: BTreeMap::new(),
        }
    }

    /// Number of posterior draws the curve carries, 0 for a point estimate.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] when the draw lists differ in length or one is empty.
    pub fn draw_count(&self, field: &str) -> Result<usize, CoreError> {
        let mut count = None;
        for (name, values) in &self.draws {
            match count {
                _ if values.is_empty() => {
                    return Err(CoreError::invalid(
                        format!("{field}.draws.{name}"),
                        "the list of draws is empty: give one value per draw or remove it",
                    ))
                }
                Some(expected) if expected != values.len() => {
                    return Err(CoreError::invalid(
                        format!("{field}.draws.{name}"),
                        format!(
                            "{} draws, but the curve's other parameters have {expected}: give \
                             every parameter the same number of draws",
                            values.len()
                        ),
                    ))
                }
                _ => count = Some(values.len()),
            }
        }
        Ok(count.unwrap_or(0))
    }

    /// Builds the curve of draw `draw`, or the point estimate for `None`; `field` names the
    /// curve in errors.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a draw of an unknown parameter, and the errors of
    /// [`CurveSpec::curve`].
    pub fn curve_at(&self, field: &str, draw: Option<usize>) -> Result<ResponseCurve, CoreError> {
        let Some(draw) = draw.filter(|_| !self.draws.is_empty()) else {
            return self.curve(field);
        };
        let mut spec = self.clone();
        spec.draws.clear();
        for (name, values) in &self.draws {
            let value = values.get(draw).copied().unwrap_or(f64::NAN);
            if !spec.set_parameter(name, value) {
                return Err(CoreError::invalid(
                    format!("{field}.draws.{name}"),
                    format!(
                        "`{name}` is not a curve parameter: draws can vary coefficient, theta, \
                         carryover, cost_per_unit, the saturation parameters ({}) and the \
                         adstock table's, as `adstock.theta` or `adstock.shape`",
                        self.parameters().map(|(n, _)| n).join(", ")
                    ),
                ));
            }
        }
        spec.curve(&format!("{field}.draws[{draw}]"))
    }

    /// Sets a parameter of the `adstock` table, such as `theta` or `shape`; returns whether
    /// the table has it.
    fn set_adstock_parameter(&mut self, key: &str, value: f64) -> bool {
        let Some(adstock) = self.adstock.as_mut() else {
            return false;
        };
        let slot = match (adstock, key) {
            (Adstock::Geometric { theta, .. }, "theta") => theta,
            (Adstock::Delayed { alpha, .. }, "alpha") => alpha,
            (Adstock::Delayed { theta, .. }, "theta") => theta,
            (Adstock::WeibullCdf { shape, .. } | Adstock::WeibullPdf { shape, .. }, "shape") => {
                shape
            }
            (Adstock::WeibullCdf { scale, .. } | Adstock::WeibullPdf { scale, .. }, "scale") => {
                scale
            }
            (Adstock::Binomial { alpha, .. }, "alpha") => alpha,
            _ => return false,
        };
        *slot = value;
        true
    }

    fn set_parameter(&mut self, name: &str, value: f64) -> bool {
        if let Some(key) = name.strip_prefix("adstock.") {
            return self.set_adstock_parameter(key, value);
        }
        let slot = match name {
            "coefficient" => &mut self.coefficient,
            "alpha" => &mut self.alpha,
            "inflexion" => &mut self.inflexion,
            "slope" => &mut self.slope,
            "ec" => &mut self.ec,
            "kappa" => &mut self.kappa,
            "beta" => &mut self.beta,
            "sigma" => &mut self.sigma,
            "lambda" => &mut self.lambda,
            "eps" => &mut self.eps,
            "b" => &mut self.b,
            "c" => &mut self.c,
            "k" => &mut self.k,
            "theta" => {
                self.theta = value;
                return true;
            }
            "carryover" => {
                self.carryover = value;
                return true;
            }
            "cost_per_unit" => &mut self.cost_per_unit,
            _ => return false,
        };
        *slot = Some(value);
        true
    }

    fn parameters(&self) -> [(&'static str, Option<f64>); 12] {
        [
            ("alpha", self.alpha),
            ("inflexion", self.inflexion),
            ("slope", self.slope),
            ("ec", self.ec),
            ("kappa", self.kappa),
            ("beta", self.beta),
            ("sigma", self.sigma),
            ("lambda", self.lambda),
            ("eps", self.eps),
            ("b", self.b),
            ("c", self.c),
            ("k", self.k),
        ]
    }

    /// Builds the curve, checking that the family exists and that exactly its parameters
    /// are given; `field` names the curve in errors.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for an unknown family, a missing parameter, a parameter
    /// the family does not take, or a value outside its domain.
    pub fn curve(&self, field: &str) -> Result<ResponseCurve, CoreError> {
        let family = self.family.as_str();
        let required = self.check_family(field)?;
        let get = |name: &str| -> Result<f64, CoreError> {
            let value = self
                .parameters()
                .into_iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v);
            value.ok_or_else(|| {
                CoreError::invalid(
                    format!("{field}.{name}"),
                    format!("missing: family `{family}` needs {}", required.join(", ")),
                )
            })
        };
        let (saturation, multiplier) = self.saturation(family, field, &get)?;
        saturation
            .validate(field)
            .map_err(|error| scenario_key(error, family))?;
        if let Some(beta) = self.beta.filter(|b| !b.is_finite()) {
            return Err(CoreError::invalid(
                format!("{field}.beta"),
                format!("{beta} is out of range: use a finite number"),
            ));
        }
        let adstock = self.adstock_of(field)?;

        // Validate before building, because the steady state of invalid weights is meaningless.
        adstock.validate(field)?;
        let coefficient = self.coefficient.unwrap_or(1.0) * multiplier;
        let curve =
            ResponseCurve::new(coefficient, saturation, adstock, self.order, self.carryover)
                .with_cost_per_unit(self.cost_per_unit.unwrap_or(1.0));
        curve.validate(field)?;
        Ok(curve)
    }

    /// Checks that the family exists and that only its parameters are given, and returns its
    /// required parameters.
    fn check_family(&self, field: &str) -> Result<&'static [&'static str], CoreError> {
        let family = self.family.as_str();
        let Some((_, required, optional)) = FAMILIES.iter().find(|(name, _, _)| *name == family)
        else {
            let names: Vec<&str> = FAMILIES.iter().map(|(name, _, _)| *name).collect();
            return Err(CoreError::invalid(
                format!("{field}.family"),
                format!(
                    "`{family}` is not a saturation family: use one of {}",
                    names.join(", ")
                ),
            ));
        };
        for (name, value) in self.parameters() {
            if value.is_some() && !required.contains(&name) && !optional.contains(&name) {
                return Err(CoreError::invalid(
                    format!("{field}.{name}"),
                    format!(
                        "family `{family}` does not take `{name}`: it takes {}",
                        [*required, *optional].concat().join(", ")
                    ),
                ));
            }
        }
        Ok(required)
    }

    /// The adstock table, or Robyn's unbounded geometric decay `theta` when there is none.
    fn adstock_of(&self, field: &str) -> Result<Adstock, CoreError> {
        match self.adstock {
            Some(_) if self.theta != 0.0 => Err(CoreError::invalid(
                format!("{field}.theta"),
                "both `theta` and `adstock` are given: move theta into the adstock table, \
                 and name it `adstock.theta` in draws",
            )),
            Some(adstock) => Ok(adstock),
            None => Ok(Adstock::Geometric {
                theta: self.theta,
                max_lag: None,
                normalize: false,
            }),
        }
    }

    fn saturation(
        &self,
        family: &str,
        field: &str,
        get: &dyn Fn(&str) -> Result<f64, CoreError>,
    ) -> Result<(Saturation, f64), CoreError> {
        let multiplier = self.beta.unwrap_or(1.0);
        Ok(match family {
            "hill" => (
                Saturation::Hill {
                    shape: get("alpha")?,
                    half: get("inflexion")?,
                },
                1.0,
            ),
            "hill_meridian" => (
                Saturation::Hill {
                    shape: get("slope")?,
                    half: get("ec")?,
                },
                1.0,
            ),
            "hill_pymc" => (
                Saturation::Hill {
                    shape: get("slope")?,
                    half: get("kappa")?,
                },
                multiplier,
            ),
            "hill_sigmoid" => (
                Saturation::HillSigmoid {
                    sigma: get("sigma")?,
                    beta: get("beta")?,
                    lambda: get("lambda")?,
                },
                1.0,
            ),
            "logistic" => (
                Saturation::Logistic {
                    rate: get("lambda")?,
                },
                multiplier,
            ),
            "inverse_scaled_logistic" => {
                let eps = self.eps.unwrap_or(3.0f64.ln());
                for (name, value) in [("lambda", get("lambda")?), ("eps", eps)] {
                    if !(value.is_finite() && value > 0.0) {
                        return Err(CoreError::invalid(
                            format!("{field}.{name}"),
                            format!("{value} is out of range: use a number above 0"),
                        ));
                    }
                }
                (
                    Saturation::Logistic {
                        rate: eps / get("lambda")?,
                    },
                    multiplier,
                )
            }
            "michaelis_menten" => (
                Saturation::MichaelisMenten {
                    max: get("alpha")?,
                    half: get("lambda")?,
                },
                1.0,
            ),
            "tanh" => (
                Saturation::Tanh {
                    b: get("b")?,
                    c: get("c")?,
                },
                1.0,
            ),
            "exponential" => (Saturation::Exponential { k: get("k")? }, 1.0),
            _ => (
                Saturation::Root {
                    exponent: get("alpha")?,
                },
                multiplier,
            ),
        })
    }
}

/// Per channel and per KPI response curves plus a baseline per KPI, with optional posterior
/// draws of the curves' parameters. Without draws the model has one draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseCurveModel {
    channels: Vec<String>,
    kpis: Vec<String>,
    baselines: Vec<f64>,
    /// `curves[d][k][c]` is channel `c`'s curve for KPI `k` in draw `d`, if the channel moves
    /// that KPI.
    curves: Vec<Vec<Vec<Option<ResponseCurve>>>>,
}

impl ResponseCurveModel {
    /// Builds the model from named curves.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for a KPI named twice, a baseline that is not finite, a
    /// curve naming an unknown channel or KPI, a channel and KPI pair given twice, an invalid
    /// curve parameter, or curves with different numbers of draws.
    pub fn new(
        channels: Vec<String>,
        kpis: Vec<String>,
        baselines: Vec<f64>,
        specs: &[CurveSpec],
    ) -> Result<Self, CoreError> {
        validate_kpis(&kpis, &baselines)?;
        let fields: Vec<String> = specs
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                format!(
                    "model.curves[{index}] (channel `{}`, KPI `{}`)",
                    spec.channel, spec.kpi
                )
            })
            .collect();
        let draws = model_draw_count(specs, &fields)?;
        let mut curves = vec![vec![vec![None; channels.len()]; kpis.len()]; draws.max(1)];
        for (spec, field) in specs.iter().zip(&fields) {
            if let Some(geo) = &spec.geo {
                return Err(CoreError::invalid(
                    format!("{field}.geo"),
                    format!(
                        "geo `{geo}` needs a plan over geos: add a [plan] table with periods                          and geos, or remove the curve's `geo`"
                    ),
                ));
            }
            let channel = find(&channels, &spec.channel, &format!("{field}.channel"))?;
            let kpi = find(&kpis, &spec.kpi, &format!("{field}.kpi"))?;
            if curves[0][kpi][channel].is_some() {
                return Err(CoreError::invalid(
                    field.clone(),
                    format!(
                        "channel `{}` already has a curve for KPI `{}`: keep one of them",
                        spec.channel, spec.kpi
                    ),
                ));
            }
            for (draw, slots) in curves.iter_mut().enumerate() {
                let draw = (draws > 0).then_some(draw);
                slots[kpi][channel] = Some(spec.curve_at(field, draw)?);
            }
        }
        Ok(Self {
            channels,
            kpis,
            baselines,
            curves,
        })
    }

    /// Returns the curve of `channel` for `kpi` in the first draw, by position. With draws,
    /// that is draw 0, not the curve of the scalar parameters.
    pub fn curve(&self, kpi: usize, channel: usize) -> Option<&ResponseCurve> {
        self.curves.first()?.get(kpi)?.get(channel)?.as_ref()
    }

    /// Baseline of each KPI.
    pub fn baselines(&self) -> &[f64] {
        &self.baselines
    }

    /// KPI `k`'s value of one plan in draw `draw`.
    fn draw_total(&self, draw: usize, k: usize, spend: ArrayView1<'_, f64>) -> f64 {
        let mut total = self.baselines[k];
        for (c, curve) in self.curves[draw][k].iter().enumerate() {
            if let Some(curve) = curve {
                total += curve.response(spend[c]);
            }
        }
        total
    }

    /// Adds draw `draw`'s KPI values of one plan to `out`, scaled by `scale`.
    fn accumulate_draw(
        &self,
        draw: usize,
        spend: ArrayView1<'_, f64>,
        scale: f64,
        out: &mut [f64],
    ) {
        for (k, value) in out.iter_mut().enumerate() {
            *value += scale * self.draw_total(draw, k, spend);
        }
    }

    /// Applies `measure` to every curve at its channel's spend and averages over draws:
    /// KPIs x channels.
    fn per_curve(
        &self,
        spend: ArrayView1<'_, f64>,
        measure: fn(&ResponseCurve, f64) -> f64,
    ) -> Array2<f64> {
        let mut out = Array2::zeros((self.kpis.len(), self.channels.len()));
        let scale = 1.0 / self.curves.len() as f64;
        for curves in &self.curves {
            for (k, row) in curves.iter().enumerate() {
                for (c, curve) in row.iter().enumerate() {
                    if let Some(curve) = curve {
                        out[[k, c]] += scale * measure(curve, spend[c]);
                    }
                }
            }
        }
        out
    }

    fn evaluate_row(&self, spend: ArrayView1<'_, f64>, out: &mut [f64]) {
        out.fill(0.0);
        let scale = 1.0 / self.curves.len() as f64;
        for draw in 0..self.curves.len() {
            self.accumulate_draw(draw, spend, scale, out);
        }
    }
}

pub(crate) fn model_draw_count(specs: &[CurveSpec], fields: &[String]) -> Result<usize, CoreError> {
    let mut draws = 0;
    let mut first = String::new();
    for (spec, field) in specs.iter().zip(fields) {
        let count = spec.draw_count(field)?;
        if count == 0 {
            continue;
        }
        if draws != 0 && count != draws {
            return Err(CoreError::invalid(
                format!("{field}.draws"),
                format!("{count} draws, but {first} has {draws}: give every curve the same number"),
            ));
        }
        if draws == 0 {
            draws = count;
            first = field.clone();
        }
    }
    Ok(draws)
}

pub(crate) fn validate_kpis(kpis: &[String], baselines: &[f64]) -> Result<(), CoreError> {
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

pub(crate) fn find(names: &[String], name: &str, field: &str) -> Result<usize, CoreError> {
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
        Ok(fill_rows(
            spend,
            self.kpis.len(),
            PARALLEL_ROWS,
            |plan, row| self.evaluate_row(plan, row),
        ))
    }

    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.len())?;
        Ok(self
            .per_curve(spend, ResponseCurve::response)
            .t()
            .to_owned())
    }

    fn gradient(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array2<f64>, CoreError>> {
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        Some(Ok(self.per_curve(spend, ResponseCurve::marginal)))
    }

    fn draws(&self) -> usize {
        self.curves.len()
    }

    fn evaluate_draws(&self, spend: ArrayView2<'_, f64>) -> Result<Array3<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        let fill = |plan: ArrayView1<'_, f64>, draw: usize, row: &mut [f64]| {
            for (k, value) in row.iter_mut().enumerate() {
                *value = self.draw_total(draw, k, plan);
            }
        };
        Ok(fill_draws(
            spend,
            self.curves.len(),
            self.kpis.len(),
            PARALLEL_ROWS,
            fill,
        ))
    }

    fn gradient_draws(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array3<f64>, CoreError>> {
        if let Err(error) = check_columns(self, spend.len()) {
            return Some(Err(error));
        }
        let mut out = Array3::zeros((self.curves.len(), self.kpis.len(), self.channels.len()));
        for (draw, curves) in self.curves.iter().enumerate() {
            for (k, row) in curves.iter().enumerate() {
                for (c, curve) in row.iter().enumerate() {
                    if let Some(curve) = curve {
                        out[[draw, k, c]] = curve.marginal(spend[c]);
                    }
                }
            }
        }
        Some(Ok(out))
    }

    fn is_separable(&self) -> bool {
        true
    }

    /// Returns true: every saturation family is non-decreasing for valid parameters, so a curve
    /// is monotone in the sign of its coefficient.
    fn has_monotone_contributions(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn curve(alpha: f64, theta: f64, carryover: f64) -> ResponseCurve {
        ResponseCurve::hill(1000.0, alpha, 50.0, theta, carryover)
    }

    fn spec(channel: &str, kpi: &str, curve: ResponseCurve) -> CurveSpec {
        let Saturation::Hill { shape, half } = curve.saturation else {
            unreachable!("tests build Hill curves only")
        };
        let Adstock::Geometric { theta, .. } = *curve.adstock() else {
            unreachable!("tests build geometric adstock only")
        };
        let parameters = (curve.coefficient, shape, half);
        CurveSpec::hill(channel, kpi, parameters, theta, curve.carryover)
    }

    fn parse(text: &str) -> Result<ResponseCurve, CoreError> {
        let spec: CurveSpec =
            toml::from_str(text).map_err(|e| CoreError::invalid("toml", e.to_string()))?;
        spec.curve("model.curves[0]")
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
        let hill = curve(400.0, 0.0, 0.0);
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
        assert!(
            message.contains("model.curves[0].adstock.theta"),
            "{message}"
        );
        assert!(message.contains("[0, 1)"), "{message}");
    }

    #[test]
    fn negative_alpha_is_rejected() {
        let error = curve(-1.0, 0.0, 0.0).validate("c").unwrap_err();
        assert!(error.to_string().contains("c.shape"));
    }

    #[test]
    fn hill_forms_of_three_tools_agree() {
        let robyn =
            parse("channel = 'tv'\nkpi = 'y'\ncoefficient = 5.0\nalpha = 2.0\ninflexion = 40.0")
                .unwrap();
        let meridian = parse("channel = 'tv'\nkpi = 'y'\nfamily = 'hill_meridian'\ncoefficient = 5.0\nslope = 2.0\nec = 40.0").unwrap();
        let pymc = parse("channel = 'tv'\nkpi = 'y'\nfamily = 'hill_pymc'\nslope = 2.0\nkappa = 40.0\nbeta = 5.0").unwrap();
        for spend in [0.0, 10.0, 40.0, 90.0] {
            assert!((robyn.response(spend) - meridian.response(spend)).abs() < 1e-12);
            assert!((robyn.response(spend) - pymc.response(spend)).abs() < 1e-12);
        }
    }

    #[test]
    fn inverse_scaled_logistic_error_names_eps() {
        let text = "channel = 'tv'\nkpi = 'y'\nfamily = 'inverse_scaled_logistic'\nlambda = 2.0\neps = -1.0";
        let message = parse(text).unwrap_err().to_string();
        assert!(message.contains("model.curves[0].eps"), "{message}");
        assert!(message.contains("-1"), "{message}");
    }

    #[test]
    fn inverse_scaled_logistic_halves_at_lambda() {
        let curve =
            parse("channel = 'tv'\nkpi = 'y'\nfamily = 'inverse_scaled_logistic'\nlambda = 30.0")
                .unwrap();
        assert!((curve.response(30.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn every_family_parses_with_its_parameters() {
        // Expected responses at a spend of 10, from each family's documented formula with the
        // scenario's parameter names; `beta` multiplies where PyMC-Marketing uses it so.
        let logistic =
            |lambda: f64, x: f64| (1.0 - (-lambda * x).exp()) / (1.0 + (-lambda * x).exp());
        let sigmoid =
            2.0 / (1.0 + (-0.1f64 * (10.0 - 20.0)).exp()) - 2.0 / (1.0 + (0.1f64 * 20.0).exp());
        let cases = [
            (
                "family = 'hill_sigmoid'\nsigma = 2.0\nbeta = 0.1\nlambda = 20.0",
                sigmoid,
            ),
            (
                "family = 'logistic'\nlambda = 0.05\nbeta = 3.0",
                3.0 * logistic(0.05, 10.0),
            ),
            (
                "family = 'michaelis_menten'\nalpha = 9.0\nlambda = 12.0",
                9.0 * 10.0 / 22.0,
            ),
            (
                "family = 'tanh'\nb = 4.0\nc = 2.0",
                4.0 * (10.0f64 / 8.0).tanh(),
            ),
            (
                "family = 'exponential'\nk = 15.0",
                1.0 - (-10.0f64 / 15.0).exp(),
            ),
            (
                "family = 'root'\nalpha = 0.4\nbeta = 2.0",
                2.0 * 10.0f64.powf(0.4),
            ),
        ];
        for (case, expected) in cases {
            let curve = parse(&format!("channel = 'tv'\nkpi = 'y'\n{case}")).unwrap();
            let value = curve.response(10.0);
            assert!(
                (value - expected).abs() < 1e-12,
                "{case}: {value} vs {expected}"
            );
            assert!(curve.marginal(10.0) > 0.0, "{case}");
        }
    }

    #[test]
    fn adstock_table_sets_steady_state() {
        let text = "channel = 'tv'\nkpi = 'y'\nalpha = 1.0\ninflexion = 30.0\n\
                    adstock = { family = 'geometric', theta = 0.5, max_lag = 1 }";
        // Weights 1 and 0.5: a spend of 20 settles at 30, the inflexion.
        let curve = parse(text).unwrap();
        assert!((curve.response(20.0) - 0.5).abs() < 1e-12);
        let h = 1e-6;
        let numeric = (curve.response(20.0 + h) - curve.response(20.0 - h)) / (2.0 * h);
        assert!((numeric - curve.marginal(20.0)).abs() < 1e-8);
    }

    #[test]
    fn saturation_first_scales_saturated_spend() {
        let text = "channel = 'tv'\nkpi = 'y'\nalpha = 1.0\ninflexion = 20.0\norder = 'saturation_first'\n\
                    adstock = { family = 'binomial', alpha = 0.5, max_lag = 2 }";
        let curve = parse(text).unwrap();
        // Binomial weights are normalized, so the steady state is 1 and the response f(20).
        assert!((curve.response(20.0) - 0.5).abs() < 1e-12);
        let h = 1e-6;
        let numeric = (curve.response(20.0 + h) - curve.response(20.0 - h)) / (2.0 * h);
        assert!((numeric - curve.marginal(20.0)).abs() < 1e-8);
    }

    #[test]
    fn cost_per_unit_converts_spend_to_units() {
        // 600 of spend at 20 per unit buys 30 units, the inflexion.
        let text = "channel = 'tv'\nkpi = 'y'\nalpha = 2.0\ninflexion = 30.0\ncost_per_unit = 20.0";
        let curve = parse(text).unwrap();
        assert!((curve.response(600.0) - 0.5).abs() < 1e-12);
        let h = 1e-4;
        let numeric = (curve.response(600.0 + h) - curve.response(600.0 - h)) / (2.0 * h);
        assert!((numeric - curve.marginal(600.0)).abs() < 1e-9);
        let zero = "channel = 'tv'\nkpi = 'y'\nalpha = 2.0\ninflexion = 30.0\ncost_per_unit = 0.0";
        let message = parse(zero).unwrap_err().to_string();
        assert!(
            message.contains("model.curves[0].cost_per_unit"),
            "{message}"
        );
    }

    #[test]
    fn draws_vary_adstock_table_parameters() {
        let text = "channel = 'tv'\nkpi = 'y'\nalpha = 1.0\ninflexion = 30.0\n\
                    adstock = { family = 'geometric', theta = 0.5, max_lag = 1 }\n\
                    draws = { 'adstock.theta' = [0.0, 0.5] }";
        let spec: CurveSpec = toml::from_str(text).unwrap();
        // Weights 1 and theta: a spend of 20 settles at 20 and 30.
        let first = spec.curve_at("c", Some(0)).unwrap();
        let second = spec.curve_at("c", Some(1)).unwrap();
        assert!((first.response(20.0) - 20.0 / 50.0).abs() < 1e-12);
        assert!((second.response(20.0) - 0.5).abs() < 1e-12);
        let wrong = text.replace("'adstock.theta'", "'adstock.shape'");
        let spec: CurveSpec = toml::from_str(&wrong).unwrap();
        let message = spec.curve_at("c", Some(0)).unwrap_err().to_string();
        assert!(message.contains("c.draws.adstock.shape"), "{message}");
    }

    #[test]
    fn theta_and_adstock_together_are_rejected() {
        let text = "channel = 'tv'\nkpi = 'y'\nalpha = 1.0\ninflexion = 2.0\ntheta = 0.3\n\
                    adstock = { family = 'geometric', theta = 0.5 }";
        let message = parse(text).unwrap_err().to_string();
        assert!(message.contains("model.curves[0].theta"), "{message}");
    }

    #[test]
    fn unknown_adstock_family_is_rejected() {
        let text = "channel = 'tv'\nkpi = 'y'\nalpha = 1.0\ninflexion = 2.0\n\
                    adstock = { family = 'weibull', shape = 1.0 }";
        let spec: Result<CurveSpec, _> = toml::from_str(text);
        let message = spec.unwrap_err().to_string();
        assert!(message.contains("weibull"), "{message}");
        assert!(message.contains("weibull_cdf"), "{message}");
    }

    #[test]
    fn unknown_family_lists_the_families() {
        let message = parse("channel = 'tv'\nkpi = 'y'\nfamily = 'weibull'\nk = 1.0")
            .unwrap_err()
            .to_string();
        assert!(message.contains("model.curves[0].family"), "{message}");
        assert!(message.contains("`weibull`"), "{message}");
        assert!(message.contains("michaelis_menten"), "{message}");
    }

    #[test]
    fn parameter_of_another_family_is_rejected() {
        let message = parse("channel = 'tv'\nkpi = 'y'\nalpha = 2.0\ninflexion = 4.0\nec = 3.0")
            .unwrap_err()
            .to_string();
        assert!(message.contains("model.curves[0].ec"), "{message}");
        assert!(message.contains("it takes alpha, inflexion"), "{message}");
    }

    #[test]
    fn missing_parameter_is_named() {
        let message = parse("channel = 'tv'\nkpi = 'y'\nfamily = 'tanh'\nb = 2.0")
            .unwrap_err()
            .to_string();
        assert!(message.contains("model.curves[0].c"), "{message}");
        assert!(message.contains("missing"), "{message}");
    }

    #[test]
    fn zero_ec_is_rejected() {
        let message =
            parse("channel = 'tv'\nkpi = 'y'\nfamily = 'hill_meridian'\nslope = 1.0\nec = 0.0")
                .unwrap_err()
                .to_string();
        assert!(message.contains("model.curves[0].ec"), "{message}");
        assert!(message.contains("0 is out of range"), "{message}");
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
