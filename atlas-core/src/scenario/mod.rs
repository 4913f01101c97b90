//! Scenario files (TOML): the model, channels, groups, constraints, objectives, solver settings
//! and current plan of one planning question. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::constraint::{compile, share_conflict, Constraint, Rule};
use crate::curve::{CurveSpec, ResponseCurveModel};
use crate::error::CoreError;
use crate::flighting::{FlightedModel, Layout};
use crate::model::ResponseModel;
use crate::objective::{Measure, Objective, Risk, Sense, TOTAL_SPEND};
use crate::problem::{Problem, SolverSettings};
use crate::solve::{Limits, Scalarizer, DEFAULT_AUGMENTATION};
use crate::space::{Channel, DecisionSpace};
use crate::xgboost::{XgboostModel, XgboostOutputSpec};

mod external;
pub mod plan;
mod rules;

pub use external::{CommandSpec, HeaderSpec, HttpSpec};
pub use plan::{CellSelection, CurrentSpend, GeoSpend, PeriodsSpec, PlanSpec};
use rules::Context;
pub use rules::{ConstraintSpec, SpendSelection};

/// Name of the rule that keeps every masked cell at 0.
pub const MASK_RULE: &str = "masked cells";

/// A scenario file as written on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Scenario name, shown in titles.
    pub name: String,
    /// Currency of every amount, for example `USD` or `JPY`.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The period one plan covers, for example `week`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Provenance of the scenario, when an importer wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceSpec>,
    /// Solver settings.
    #[serde(default, skip_serializing_if = "SolverSpec::is_default")]
    pub solver: SolverSpec,
    /// Planning over periods and geos; without it each channel is one decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSpec>,
    /// The fitted model.
    pub model: ModelSpec,
    /// Channels, with bounds, groups and current spend.
    pub channels: Vec<ChannelSpec>,
    /// Business rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintSpec>,
    /// Objectives.
    pub objectives: Vec<ObjectiveSpec>,
    /// Folder that relative file paths in the scenario, such as a model file, resolve
    /// against: the scenario file's folder when [`ScenarioFile::read`] read it, else `None`
    /// for the working directory. It is not a key of the file.
    #[serde(skip)]
    pub directory: Option<PathBuf>,
}

fn default_currency() -> String {
    "USD".into()
}

/// Provenance of an imported scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The tool that fitted the model, for example `Robyn`.
    pub tool: String,
    /// The tool's version string as the export records it.
    pub version: String,
    /// The file the model was read from.
    pub file: String,
    /// The fitted model's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// First date of the period the current plan averages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last date of that period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// The `[model]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    /// Per channel and per KPI Hill curves of adstocked spend.
    ResponseCurves {
        /// KPI names.
        kpis: Vec<String>,
        /// Baseline per KPI, 0 when absent.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        baseline: BTreeMap<String, f64>,
        /// One curve per channel and KPI that it moves.
        curves: Vec<CurveSpec>,
    },
    /// XGBoost tree models saved as JSON, one per KPI.
    Xgboost {
        /// KPI names.
        kpis: Vec<String>,
        /// One model per KPI and the source of each of its features.
        outputs: Vec<XgboostOutputSpec>,
    },
    /// An external program that reads allocations on stdin and prints KPIs on stdout.
    Command(CommandSpec),
    /// An HTTP service that returns KPIs for POST requests of allocations.
    Http(HttpSpec),
}

/// One `[[channels]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    /// Channel name, as the model spells it.
    pub name: String,
    /// Current spend: one amount, or with a `[plan]` table one per period or a table by geo.
    pub current: CurrentSpend,
    /// Minimum spend of the channel, or of each of its cells with a `[plan]` table; 0 when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    /// Maximum spend of the channel, or of each of its cells with a `[plan]` table; the total
    /// budget when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// Groups the channel belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// One `[[objectives]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    /// A model KPI, or `total_spend`.
    pub kpi: String,
    /// `maximize` or `minimize`.
    pub sense: Sense,
    /// Weight in the weighted sum; weights are rescaled to sum to 1.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Display name; the KPI name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Summary over the model's posterior draws: `mean` (when absent), `quantile` or `cvar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskSpec>,
    /// Tail share in (0, 1) of a `quantile` or `cvar` risk, for example 0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
}

/// The `risk` key of an objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskSpec {
    /// Mean over draws.
    Mean,
    /// A quantile from the worse end.
    Quantile,
    /// The mean of the worse tail.
    Cvar,
}

impl ObjectiveSpec {
    fn risk(&self, field: &str, draws: usize) -> Result<Risk, CoreError> {
        let level = |level: Option<f64>| match level {
            Some(level) if level > 0.0 && level < 1.0 => Ok(level),
            Some(level) => Err(CoreError::invalid(
                format!("{field}.level"),
                format!("{level} is out of range: use a tail share in (0, 1), such as 0.1"),
            )),
            None => Err(CoreError::invalid(
                format!("{field}.level"),
                "missing: a quantile or cvar risk needs a tail share, such as level = 0.1",
            )),
        };
        let risk = match self.risk.unwrap_or(RiskSpec::Mean) {
            RiskSpec::Mean if self.level.is_some() => {
                return Err(CoreError::invalid(
                    format!("{field}.level"),
                    "a level applies to risk = \"quantile\" or \"cvar\" only: set the risk or \
                     remove the level",
                ))
            }
            RiskSpec::Mean => Risk::Mean,
            RiskSpec::Quantile => Risk::Quantile {
                level: level(self.level)?,
            },
            RiskSpec::Cvar => Risk::Cvar {
                level: level(self.level)?,
            },
        };
        if risk != Risk::Mean && draws <= 1 {
            return Err(CoreError::invalid(
                format!("{field}.risk"),
                "the model has no posterior draws, so every summary equals the mean: add draws \
                 to the curves or remove the risk",
            ));
        }
        if risk != Risk::Mean && self.kpi == TOTAL_SPEND {
            return Err(CoreError::invalid(
                format!("{field}.risk"),
                "total spend is the same in every draw: remove the risk",
            ));
        }
        Ok(risk)
    }
}

fn default_weight() -> f64 {
    1.0
}

/// The `[solver]` table, in which every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverSpec {
    /// Seed of every random choice (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// NSGA-II population size (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<usize>,
    /// NSGA-II generations (default 250).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generations: Option<usize>,
    /// Divisions of each weight in a sweep (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_steps: Option<usize>,
    /// Starting points of each single-objective solve (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts: Option<usize>,
    /// Most iterations of each start (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<usize>,
    /// Single-objective solver: `auto` (default), `exact` or `gradient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Most model evaluations of each solve (no limit by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_evaluations: Option<usize>,
    /// Most seconds of each solve (no limit by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<f64>,
    /// Rule that turns the objectives into one scalar: `weighted_sum` (default) or
    /// `chebyshev`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalarizer: Option<String>,
    /// Weight of the weighted sum inside the Chebyshev scalarizer (default 0.001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub augmentation: Option<f64>,
}

impl SolverSpec {
    /// Returns whether every key is absent.
    pub fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

impl ScenarioFile {
    /// Reads and parses a scenario file.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Io`] when the file cannot be read and [`CoreError::Parse`] when it
    /// is not valid TOML or has an unknown, missing or mistyped key.
    pub fn read(path: &Path) -> Result<Self, CoreError> {
        let text = std::fs::read_to_string(path).map_err(|error| CoreError::Io {
            path: path.display().to_string(),
            error,
        })?;
        let mut file = Self::parse(&text, &path.display().to_string())?;
        file.directory = Some(
            path.parent()
                .filter(|parent| !parent.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        );
        Ok(file)
    }

    /// Parses scenario text, naming it `origin` in errors.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Parse`] for invalid TOML or an unknown, missing or mistyped key.
    pub fn parse(text: &str, origin: &str) -> Result<Self, CoreError> {
        toml::from_str(text).map_err(|error| CoreError::Parse {
            path: origin.to_string(),
            message: error.to_string().trim_end().to_string(),
        })
    }

    /// Writes the scenario as TOML text.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] when a value cannot be written as TOML.
    pub fn to_toml(&self) -> Result<String, CoreError> {
        toml::to_string_pretty(self)
            .map_err(|error| CoreError::invalid("scenario", format!("cannot write TOML: {error}")))
    }

    /// Validates the scenario and builds the problem it describes.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] or [`CoreError::InvalidChannel`] naming the field, value
    /// and fix, and [`CoreError::Infeasible`] when the linear rules conflict.
    pub fn build(&self) -> Result<Problem, CoreError> {
        if self.name.trim().is_empty() {
            return Err(CoreError::invalid(
                "name",
                "the scenario name is empty: give it a name",
            ));
        }
        self.check_budget_amounts()?;
        let budget = self.total_budget();
        let layout = match &self.plan {
            Some(plan) => {
                Some(plan.layout(self.channels.iter().map(|c| c.name.clone()).collect())?)
            }
            None => None,
        };
        let space = self.build_space(budget, layout.as_ref())?;
        let model = self.build_model(&space, layout.as_ref())?;
        let current = self.current_plan(layout.as_ref())?;
        let zero = model
            .evaluate(ndarray::Array2::zeros((1, space.len())).view())?
            .row(0)
            .to_vec();
        let constraints =
            self.build_constraints((&space, layout.as_ref()), &current, (model.kpis(), &zero))?;
        let linear = compile(&space, &constraints)?;
        // The checks in `compile` test share rules one at a time, and projecting a plan tests
        // them together.
        let mut probe: Vec<f64> = linear
            .lower
            .iter()
            .zip(&linear.upper)
            .map(|(lo, hi)| 0.5 * (lo + hi))
            .collect();
        linear
            .project(&mut probe)
            .map_err(|failure| share_conflict(&constraints, &failure, &self.currency))?;
        let objectives = self.build_objectives(model.kpis(), model.draws())?;
        Ok(Problem {
            name: self.name.clone(),
            currency: self.currency.clone(),
            period: self.period.clone(),
            space,
            layout,
            model,
            constraints,
            linear,
            objectives,
            current,
            solver: self.build_solver()?,
        })
    }

    fn check_budget_amounts(&self) -> Result<(), CoreError> {
        for (index, spec) in self.constraints.iter().enumerate() {
            let ConstraintSpec::TotalBudget {
                equals,
                at_most,
                at_least,
                ..
            } = spec
            else {
                continue;
            };
            for (key, value) in [
                ("equals", equals),
                ("at_most", at_most),
                ("at_least", at_least),
            ] {
                if let Some(value) = value.filter(|v| !v.is_finite() || *v < 0.0) {
                    return Err(CoreError::invalid(
                        format!("constraints[{index}].{key}"),
                        format!("budget {value} is invalid: use an amount of at least 0"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn total_budget(&self) -> Option<f64> {
        self.constraints
            .iter()
            .find_map(|c| match c {
                ConstraintSpec::TotalBudget {
                    equals, at_most, ..
                } => equals.or(*at_most),
                _ => None,
            })
            // An invalid amount is reported with its own field when the constraint is built.
            .filter(|amount| amount.is_finite() && *amount >= 0.0)
    }

    fn build_space(
        &self,
        budget: Option<f64>,
        layout: Option<&Layout>,
    ) -> Result<DecisionSpace, CoreError> {
        let mut channels = Vec::with_capacity(self.channels.len());
        for (index, spec) in self.channels.iter().enumerate() {
            let upper = match (spec.upper, budget) {
                (Some(upper), _) => upper,
                (None, Some(budget)) => budget,
                (None, None) => {
                    return Err(CoreError::invalid(
                        format!("channels[{index}].upper"),
                        format!(
                            "channel `{}` has no upper bound and the scenario no total budget: \
                             set `upper` or add a total_budget constraint",
                            spec.name
                        ),
                    ))
                }
            };
            let channel = Channel {
                name: spec.name.clone(),
                lower: spec.lower.unwrap_or(0.0),
                upper,
                groups: spec.groups.clone(),
            };
            let Some(layout) = layout else {
                channels.push(channel);
                continue;
            };
            // Each cell takes the channel's bounds, except masked cells, which stay at 0.
            for cell in layout.channel_cells(index) {
                let masked = layout.is_masked(cell);
                channels.push(Channel {
                    name: layout.names()[cell].clone(),
                    lower: if masked { 0.0 } else { channel.lower },
                    upper: if masked { 0.0 } else { channel.upper },
                    groups: channel.groups.clone(),
                });
            }
        }
        DecisionSpace::new(channels)
    }

    fn build_model(
        &self,
        space: &DecisionSpace,
        layout: Option<&Layout>,
    ) -> Result<Arc<dyn ResponseModel>, CoreError> {
        match &self.model {
            ModelSpec::ResponseCurves {
                kpis,
                baseline,
                curves,
            } => {
                check_model_kpis(kpis)?;
                self.build_curve_model(space, layout, kpis, baseline, curves)
            }
            ModelSpec::Xgboost { kpis, outputs } => {
                check_model_kpis(kpis)?;
                if layout.is_some() {
                    return Err(CoreError::invalid(
                        "plan",
                        "an xgboost model takes one spend per channel, not one per period or \
                         geo: remove the [plan] table",
                    ));
                }
                Ok(Arc::new(XgboostModel::load(
                    space.names(),
                    kpis.clone(),
                    outputs,
                    self.directory.as_deref(),
                )?))
            }
            ModelSpec::Command(spec) => {
                // The program runs in the scenario's folder, named absolutely so that it does
                // not depend on the working directory.
                let folder = self
                    .directory
                    .as_deref()
                    .and_then(|folder| std::path::absolute(folder).ok());
                spec.build(space.names(), folder.as_deref())
            }
            ModelSpec::Http(spec) => spec.build(space.names()),
        }
    }

    fn build_curve_model(
        &self,
        space: &DecisionSpace,
        layout: Option<&Layout>,
        kpis: &[String],
        baseline: &BTreeMap<String, f64>,
        curves: &[CurveSpec],
    ) -> Result<Arc<dyn ResponseModel>, CoreError> {
        if let Some(unknown) = baseline.keys().find(|k| !kpis.contains(k)) {
            return Err(CoreError::invalid(
                format!("model.baseline.{unknown}"),
                format!("`{unknown}` is not one of the KPIs: {}", kpis.join(", ")),
            ));
        }
        let baselines = kpis
            .iter()
            .map(|k| baseline.get(k).copied().unwrap_or(0.0))
            .collect();
        Ok(match (layout, &self.plan) {
            (Some(layout), Some(plan)) => Arc::new(FlightedModel::new(
                layout.clone(),
                kpis.to_vec(),
                baselines,
                curves,
                plan.count_tail,
            )?),
            _ => Arc::new(ResponseCurveModel::new(
                space.names(),
                kpis.to_vec(),
                baselines,
                curves,
            )?),
        })
    }

    fn current_plan(&self, layout: Option<&Layout>) -> Result<Vec<f64>, CoreError> {
        let mut plan = Vec::new();
        for (index, spec) in self.channels.iter().enumerate() {
            let field = format!("channels[{index}].current");
            let name_channel = |error: CoreError| match error {
                CoreError::Invalid { field, message } => CoreError::Invalid {
                    field,
                    message: format!("channel `{}`: {message}", spec.name),
                },
                other => other,
            };
            match layout {
                Some(layout) => plan.extend(
                    spec.current
                        .cells(layout, index, &field)
                        .map_err(name_channel)?,
                ),
                None => plan.push(spec.current.amount(&field).map_err(name_channel)?),
            }
        }
        Ok(plan)
    }

    fn build_constraints(
        &self,
        (space, layout): (&DecisionSpace, Option<&Layout>),
        current: &[f64],
        (kpis, zero): (&[String], &[f64]),
    ) -> Result<Vec<Constraint>, CoreError> {
        let mut constraints: Vec<Constraint> = space
            .channels()
            .iter()
            .enumerate()
            .map(|(i, c)| Constraint {
                name: format!("{} bounds", c.name),
                rule: Rule::ChannelBounds {
                    channel: i,
                    lower: c.lower,
                    upper: c.upper,
                },
            })
            .collect();
        let masked: Vec<usize> = (0..space.len())
            .filter(|&i| layout.is_some_and(|l| l.is_masked(i)))
            .collect();
        if !masked.is_empty() {
            // Bounds already hold masked cells at 0; this rule reports them and is re-checked.
            constraints.push(Constraint {
                name: MASK_RULE.into(),
                rule: Rule::SpendBounds {
                    cells: masked,
                    lower: None,
                    upper: Some(0.0),
                },
            });
        }
        for (index, spec) in self.constraints.iter().enumerate() {
            let context = Context {
                index,
                space,
                channels: &self.channels,
                current,
                layout,
                kpis,
                zero,
            };
            for constraint in context.build(spec)? {
                if constraints.iter().any(|c| c.name == constraint.name) {
                    return Err(CoreError::invalid(
                        format!("constraints[{index}].name"),
                        format!(
                            "`{}` is used twice: give each constraint a unique name",
                            constraint.name
                        ),
                    ));
                }
                constraints.push(constraint);
            }
        }
        Ok(constraints)
    }

    fn build_objectives(&self, kpis: &[String], draws: usize) -> Result<Vec<Objective>, CoreError> {
        if self.objectives.is_empty() {
            return Err(CoreError::invalid(
                "objectives",
                "no objective is listed: add an [[objectives]] table with kpi and sense",
            ));
        }
        let mut objectives = Vec::with_capacity(self.objectives.len());
        for (index, spec) in self.objectives.iter().enumerate() {
            let field = format!("objectives[{index}]");
            let measure = if spec.kpi == TOTAL_SPEND {
                Measure::TotalSpend
            } else {
                let k = kpis.iter().position(|k| k == &spec.kpi).ok_or_else(|| {
                    CoreError::invalid(
                        format!("{field}.kpi"),
                        format!(
                            "`{}` is not a model KPI: use one of {}, or {TOTAL_SPEND}",
                            spec.kpi,
                            kpis.join(", ")
                        ),
                    )
                })?;
                Measure::Kpi(k)
            };
            if !spec.weight.is_finite() || spec.weight < 0.0 {
                return Err(CoreError::invalid(
                    format!("{field}.weight"),
                    format!(
                        "weight {} is invalid: use a number of at least 0",
                        spec.weight
                    ),
                ));
            }
            let name = spec.name.clone().unwrap_or_else(|| spec.kpi.clone());
            if objectives.iter().any(|o: &Objective| o.name == name) {
                return Err(CoreError::invalid(
                    format!("{field}.name"),
                    format!("objective `{name}` is listed twice: keep one or rename it"),
                ));
            }
            objectives.push(Objective {
                name,
                measure,
                sense: spec.sense,
                weight: spec.weight,
                risk: spec.risk(&field, draws)?,
            });
        }
        normalize_weights(&mut objectives)?;
        Ok(objectives)
    }

    fn build_solver(&self) -> Result<SolverSettings, CoreError> {
        let defaults = SolverSettings::default();
        let spec = &self.solver;
        let settings = SolverSettings {
            seed: spec.seed.unwrap_or(defaults.seed),
            population: spec.population.unwrap_or(defaults.population),
            generations: spec.generations.unwrap_or(defaults.generations),
            sweep_steps: spec.sweep_steps.unwrap_or(defaults.sweep_steps),
            starts: spec.starts.unwrap_or(defaults.starts),
            max_iterations: spec.max_iterations.unwrap_or(defaults.max_iterations),
            method: spec
                .method
                .as_deref()
                .map(str::parse)
                .transpose()?
                .unwrap_or(defaults.method),
            limits: Limits {
                max_evaluations: spec.max_evaluations,
                max_seconds: spec.max_seconds,
            },
            scalarizer: build_scalarizer(spec.scalarizer.as_deref(), spec.augmentation)?,
        };
        settings.validate()?;
        Ok(settings)
    }
}

fn build_scalarizer(
    name: Option<&str>,
    augmentation: Option<f64>,
) -> Result<Scalarizer, CoreError> {
    if let Some(value) = augmentation {
        if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
            return Err(CoreError::invalid(
                "solver.augmentation",
                format!("{value} is out of range: use a number from 0 to 1, such as 0.001"),
            ));
        }
    }
    match name.unwrap_or("weighted_sum") {
        "weighted_sum" => {
            if augmentation.is_some() {
                return Err(CoreError::invalid(
                    "solver.augmentation",
                    "applies only with scalarizer = \"chebyshev\": remove it or set the \
                     scalarizer",
                ));
            }
            Ok(Scalarizer::WeightedSum)
        }
        "chebyshev" => Ok(Scalarizer::Chebyshev {
            augmentation: augmentation.unwrap_or(DEFAULT_AUGMENTATION),
        }),
        other => Err(CoreError::invalid(
            "solver.scalarizer",
            format!("`{other}` is not a scalarizer: use weighted_sum or chebyshev"),
        )),
    }
}

/// Rescales the weights to sum to 1.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] when every weight is 0.
pub fn normalize_weights(objectives: &mut [Objective]) -> Result<(), CoreError> {
    let sum: f64 = objectives.iter().map(|o| o.weight).sum();
    if sum <= 0.0 {
        return Err(CoreError::invalid(
            "objectives.weight",
            "every weight is 0: give at least one objective a positive weight",
        ));
    }
    for objective in objectives {
        objective.weight /= sum;
    }
    Ok(())
}

/// Checks the KPI names of a curve or XGBoost model: at least one, none reserved.
fn check_model_kpis(kpis: &[String]) -> Result<(), CoreError> {
    if kpis.is_empty() {
        return Err(CoreError::invalid(
            "model.kpis",
            "no KPI is listed: name at least one",
        ));
    }
    if kpis.iter().any(|k| k == TOTAL_SPEND) {
        return Err(CoreError::invalid(
            "model.kpis",
            format!("`{TOTAL_SPEND}` is reserved for the plan's total spend: rename the KPI"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "test"
[model]
type = "response_curves"
kpis = ["revenue", "reach"]
curves = [
  { channel = "search", kpi = "revenue", coefficient = 900.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "tv", kpi = "reach", coefficient = 600.0, alpha = 2.0, inflexion = 80.0 },
]
[[channels]]
name = "search"
current = 60.0
groups = ["digital"]
[[channels]]
name = "tv"
current = 40.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
weight = 3.0
[[objectives]]
kpi = "reach"
sense = "maximize"
weight = 1.0
"#;

    fn build(text: &str) -> Result<Problem, CoreError> {
        ScenarioFile::parse(text, "test.toml")?.build()
    }

    fn error(text: &str) -> String {
        build(text).unwrap_err().to_string()
    }

    #[test]
    fn base_scenario_builds() {
        let problem = build(BASE).unwrap();
        assert_eq!(problem.space.names(), vec!["search", "tv"]);
        assert_eq!(problem.objectives[0].weight, 0.75);
        assert_eq!(problem.linear.upper, vec![100.0, 100.0]);
        assert_eq!(problem.constraints.len(), 3);
    }

    #[test]
    fn unknown_key_is_rejected() {
        let message = error(&BASE.replace("current = 40.0", "current = 40.0\ncolour = \"red\""));
        assert!(message.contains("colour"), "{message}");
        assert!(message.contains("test.toml"), "{message}");
    }

    #[test]
    fn unknown_constraint_type_is_rejected() {
        let message = error(&BASE.replace("type = \"total_budget\"", "type = \"total_budgets\""));
        assert!(message.contains("total_budgets"), "{message}");
    }

    #[test]
    fn unknown_objective_kpi_names_choices() {
        let message = error(&BASE.replace("kpi = \"reach\"\nsense", "kpi = \"profit\"\nsense"));
        assert!(message.contains("objectives[1].kpi"), "{message}");
        assert!(message.contains("`profit`"), "{message}");
        assert!(message.contains("revenue, reach"), "{message}");
    }

    #[test]
    fn reserved_kpi_name_is_rejected() {
        let message = error(&BASE.replace(
            "kpis = [\"revenue\", \"reach\"]",
            "kpis = [\"revenue\", \"total_spend\"]",
        ));
        assert!(message.contains("reserved"), "{message}");
    }

    #[test]
    fn unknown_group_is_rejected() {
        let text = format!(
            "{BASE}\n[[constraints]]\ntype = \"group_share\"\ngroup = \"social\"\nmin = 0.2\n"
        );
        let message = error(&text);
        assert!(message.contains("`social`"), "{message}");
        assert!(message.contains("digital"), "{message}");
    }

    #[test]
    fn share_above_one_is_rejected() {
        let text = format!(
            "{BASE}\n[[constraints]]\ntype = \"group_share\"\ngroup = \"digital\"\nmin = 30\n"
        );
        let message = error(&text);
        assert!(message.contains("share 30"), "{message}");
        assert!(message.contains("fraction"), "{message}");
    }

    #[test]
    fn zero_weights_are_rejected() {
        let message = error(
            &BASE
                .replace("weight = 3.0", "weight = 0.0")
                .replace("weight = 1.0", "weight = 0.0"),
        );
        assert!(message.contains("every weight is 0"), "{message}");
    }

    #[test]
    fn negative_current_spend_is_rejected() {
        let message = error(&BASE.replace("current = 40.0", "current = -4.0"));
        assert!(message.contains("channels[1].current"), "{message}");
        assert!(message.contains("-4"), "{message}");
    }

    #[test]
    fn missing_upper_without_budget_is_rejected() {
        let text = BASE.replace(
            "[[constraints]]\ntype = \"total_budget\"\nequals = 100.0\n",
            "",
        );
        let message = error(&text);
        assert!(message.contains("channels[0].upper"), "{message}");
    }

    #[test]
    fn two_total_budgets_are_rejected() {
        let text = format!(
            "{BASE}\n[[constraints]]\ntype = \"total_budget\"\nname = \"cap\"\nat_most = 90.0\n"
        );
        let message = error(&text);
        assert!(message.contains("already set"), "{message}");
    }

    #[test]
    fn negative_budget_names_the_budget() {
        let message = error(&BASE.replace("equals = 100.0", "equals = -100.0"));
        assert!(message.contains("constraints[0].equals"), "{message}");
        assert!(message.contains("-100"), "{message}");
    }

    #[test]
    fn conflicting_share_caps_name_both_rules() {
        let text = BASE.replace(
            "name = \"tv\"\ncurrent = 40.0",
            "name = \"tv\"\ncurrent = 40.0\ngroups = [\"brand\"]",
        )
            + "\n[[constraints]]\ntype = \"group_share\"\ngroup = \"digital\"\nmax = 0.4\n"
            + "\n[[constraints]]\ntype = \"group_share\"\ngroup = \"brand\"\nmax = 0.5\n";
        let message = error(&text);
        assert!(message.contains("`digital share`"), "{message}");
        assert!(message.contains("`brand share`"), "{message}");
        assert!(message.contains("`total budget`"), "{message}");
        // Shares of 0.4 and 0.5 of 100 leave 10 unplaced: either share must give 10.
        assert!(
            message.contains("let `digital share` miss by 10"),
            "{message}"
        );
    }

    #[test]
    fn curve_error_names_channel_parameter_and_value() {
        let message = error(&BASE.replace(
            "alpha = 2.0, inflexion = 80.0",
            "alpha = 2.0, inflexion = -8.0",
        ));
        assert!(message.contains("channel `tv`"), "{message}");
        assert!(message.contains(".inflexion"), "{message}");
        assert!(message.contains("-8"), "{message}");
    }

    #[test]
    fn fixed_channel_defaults_to_current() {
        let text = format!("{BASE}\n[[constraints]]\ntype = \"fixed\"\nchannel = \"tv\"\n");
        let problem = build(&text).unwrap();
        assert_eq!(problem.linear.lower[1], 40.0);
        assert_eq!(problem.linear.upper[1], 40.0);
    }

    #[test]
    fn written_scenario_parses_back() {
        let file = ScenarioFile::parse(BASE, "test.toml").unwrap();
        let again = ScenarioFile::parse(&file.to_toml().unwrap(), "again").unwrap();
        assert_eq!(file, again);
    }
}
