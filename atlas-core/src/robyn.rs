//! Importer for models exported by Robyn's `robyn_write()`.
//!
//! The scenario it writes reproduces the responses of Robyn's own budget allocator. Robyn's
//! allocator (R package, `allocator.R` at v3.11.1 and v3.12.0) evaluates each paid channel as
//!
//! ```text
//! response(x) = coef * 1 / (1 + inflexion^alpha / (x + carryover)^alpha)
//! ```
//!
//! where `x` is the spend per period and `carryover` is the mean, over the modelling window,
//! of the geometric adstock's carry-over (adstocked minus raw spend), with the adstock run from
//! the first data row. The inflexion point comes from the adstocked spend inside the modelling
//! window: `(1 - gamma) * min + gamma * max` up to v3.11, and `gamma * max` from v3.12 on, where
//! the allocator reads it from the model's `<channel>_inflexion` value. The importer uses a
//! stored `<channel>_inflexion` when the export has one and otherwise computes it by the rule
//! of the version that wrote the file.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::curve::{CurveSpec, ResponseCurve};
use crate::error::CoreError;
use crate::objective::{Sense, TOTAL_SPEND};
use crate::scenario::{
    ChannelSpec, ConstraintSpec, ModelSpec, ObjectiveSpec, ScenarioFile, SolverSpec, SourceSpec,
};

/// Options of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// First date (`YYYY-MM-DD`) of the period whose mean weekly spend is the current plan.
    pub from: String,
    /// Last date of that period.
    pub to: String,
    /// Lower bound of each channel as a multiple of its current spend (Robyn's default 0.5).
    pub lower_multiplier: f64,
    /// Upper bound of each channel as a multiple of its current spend (Robyn's default 2).
    pub upper_multiplier: f64,
    /// Exact total budget per period, if the scenario should hold one.
    pub budget: Option<f64>,
    /// The file name recorded in the scenario's `[source]` table.
    pub file_name: String,
    /// Currency of the model's spend and revenue, for example `USD`.
    pub currency: String,
}

/// Figures the importer derived for one paid channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedChannel {
    /// Spend variable, for example `tv_S`.
    pub name: String,
    /// Ridge coefficient.
    pub coefficient: f64,
    /// Hill shape.
    pub alpha: f64,
    /// Hill gamma.
    pub gamma: f64,
    /// Geometric decay rate of the fitted model.
    pub theta: f64,
    /// Hill inflexion point, in adstocked spend.
    pub inflexion: f64,
    /// Whether the inflexion was read from the export rather than computed.
    pub inflexion_stored: bool,
    /// Mean carry-over over the modelling window.
    pub carryover: f64,
    /// Mean spend per period over the chosen dates.
    pub mean_spend: f64,
    /// Response at the mean spend.
    pub response: f64,
    /// Robyn's marginal response: `response(mean + 1) - response(mean)`.
    pub marginal: f64,
}

/// An imported scenario and the per-channel figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct RobynImport {
    /// The scenario to write.
    pub scenario: ScenarioFile,
    /// Per-channel figures, in the export's order of paid media spends.
    pub channels: Vec<ImportedChannel>,
    /// The Robyn version string of the export.
    pub version: String,
    /// The dates whose spend the current plan averages.
    pub dates: Vec<String>,
}

/// Robyn version as (major, minor, patch).
pub type Version = (u32, u32, u32);

/// Imports a `robyn_write()` JSON export.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] naming the JSON field for a missing or malformed entry, an
/// adstock other than geometric, dates outside the modelling window, or invalid multipliers.
pub fn import(json_text: &str, options: &ImportOptions) -> Result<RobynImport, CoreError> {
    let root: Value = serde_json::from_str(json_text)
        .map_err(|e| CoreError::invalid("robyn export", format!("not valid JSON: {e}")))?;
    check_options(options)?;
    let version_text = first_string(&root, &["InputCollect", "version"])?;
    let version = parse_version(&version_text)?;
    let adstock = first_string(&root, &["InputCollect", "adstock"])?;
    if adstock != "geometric" {
        return Err(CoreError::invalid(
            "InputCollect.adstock",
            format!("adstock `{adstock}` is not supported yet: only geometric adstock imports"),
        ));
    }
    let data = Data::read(&root)?;
    let (start, end) = data.period_rows(&options.from, &options.to)?;
    let spends = string_list(&root, &["InputCollect", "paid_media_spends"])?;
    let dep_var = first_string(&root, &["InputCollect", "dep_var"])?;
    let mut channels = Vec::with_capacity(spends.len());
    for name in &spends {
        channels.push(import_channel(&root, &data, name, version, (start, end))?);
    }
    let scenario = build_scenario(&root, &channels, &dep_var, &version_text, options)?;
    // Catch what only the whole scenario shows, such as a budget below the channel floors,
    // before anything is written.
    scenario.build().map_err(|error| {
        CoreError::invalid(
            "imported scenario",
            format!("{error}: check the export and the --budget, --lower and --upper options"),
        )
    })?;
    Ok(RobynImport {
        scenario,
        channels,
        version: version_text,
        dates: data.dates[start..=end].to_vec(),
    })
}

fn check_options(options: &ImportOptions) -> Result<(), CoreError> {
    let lo = options.lower_multiplier;
    let hi = options.upper_multiplier;
    if !lo.is_finite() || lo < 0.0 {
        return Err(CoreError::invalid(
            "--lower",
            format!("multiplier {lo} is invalid: use a number of at least 0, such as 0.5"),
        ));
    }
    if !hi.is_finite() || hi < lo {
        return Err(CoreError::invalid(
            "--upper",
            format!(
                "multiplier {hi} is invalid: use a number of at least --lower ({lo}), such as 2"
            ),
        ));
    }
    if let Some(budget) = options.budget {
        if !budget.is_finite() || budget <= 0.0 {
            return Err(CoreError::invalid(
                "--budget",
                format!("{budget} is invalid: use a positive amount per period"),
            ));
        }
    }
    Ok(())
}

/// Reads `vMAJOR.MINOR.PATCH` from a Robyn version string such as
/// `Robyn (stable) v3.11.1 [R-4.4.0]`.
///
/// # Errors
///
/// Returns [`CoreError::Invalid`] when the string has no such version.
pub fn parse_version(text: &str) -> Result<Version, CoreError> {
    let parsed = text.split_whitespace().find_map(|word| {
        let digits = word.strip_prefix('v')?;
        let mut parts = digits.split('.').map(|p| p.parse::<u32>().ok());
        Some((
            parts.next()??,
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
        ))
    });
    parsed.ok_or_else(|| {
        CoreError::invalid(
            "InputCollect.version",
            format!("`{text}` has no version of the form v3.11.1: export the model again"),
        )
    })
}

/// Returns whether Robyn at `version` takes the inflexion as `gamma * max` (v3.12 on).
pub fn uses_max_inflexion(version: Version) -> bool {
    (version.0, version.1) >= (3, 12)
}

struct Data<'a> {
    rows: &'a [Value],
    dates: Vec<String>,
    window: (usize, usize),
}

impl<'a> Data<'a> {
    fn read(root: &'a Value) -> Result<Self, CoreError> {
        let rows = root
            .pointer("/Extras/raw_data")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                CoreError::invalid(
                    "Extras.raw_data",
                    "missing: export with robyn_write(..., add_data = TRUE)",
                )
            })?;
        let date_var = first_string(root, &["InputCollect", "date_var"])?;
        let dates = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.get(&date_var)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        CoreError::invalid(
                            format!("Extras.raw_data[{i}].{date_var}"),
                            "missing date",
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let start = first_number(root, &["InputCollect", "rollingWindowStartWhich"])?;
        let end = first_number(root, &["InputCollect", "rollingWindowEndWhich"])?;
        let rows_count = rows.len() as f64;
        if start < 1.0
            || end < start
            || end > rows_count
            || start.fract() != 0.0
            || end.fract() != 0.0
        {
            return Err(CoreError::invalid(
                "InputCollect.rollingWindowStartWhich",
                format!(
                    "window rows {start}..{end} do not fit {} data rows: export the model again",
                    rows.len()
                ),
            ));
        }
        Ok(Self {
            rows,
            dates,
            window: (start as usize - 1, end as usize - 1),
        })
    }

    fn period_rows(&self, from: &str, to: &str) -> Result<(usize, usize), CoreError> {
        for (flag, date) in [("--from", from), ("--to", to)] {
            if !is_iso_date(date) {
                return Err(CoreError::invalid(
                    flag,
                    format!("`{date}` is not a calendar date: write it as YYYY-MM-DD"),
                ));
            }
        }
        if from > to {
            return Err(CoreError::invalid(
                "--from",
                format!("{from} is after --to {to}: swap them"),
            ));
        }
        let (first, last) = self.window;
        let inside: Vec<usize> = (first..=last)
            .filter(|&i| self.dates[i].as_str() >= from && self.dates[i].as_str() <= to)
            .collect();
        match (inside.first(), inside.last()) {
            (Some(&a), Some(&b)) => Ok((a, b)),
            _ => Err(CoreError::invalid(
                "--from",
                format!(
                    "no data row between {from} and {to} inside the modelling window {} .. {}: \
                     choose dates within it",
                    self.dates[first], self.dates[last]
                ),
            )),
        }
    }

    fn column(&self, name: &str) -> Result<Vec<f64>, CoreError> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.get(name)
                    .and_then(Value::as_f64)
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        CoreError::invalid(
                            format!("Extras.raw_data[{i}].{name}"),
                            "missing, negative or not a finite number: spend must be at least 0",
                        )
                    })
            })
            .collect()
    }
}

/// Returns whether `text` is a calendar date written as `YYYY-MM-DD`.
fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&day)
}

/// Reads a channel's decay, shape and gamma, checking each against the range Robyn writes.
fn hill_hyperparameters(root: &Value, name: &str) -> Result<(f64, f64, f64), CoreError> {
    let hyper = |suffix: &str| {
        first_number(
            root,
            &["ExportedModel", "hyper_values", &format!("{name}_{suffix}")],
        )
    };
    let theta = hyper("thetas")?;
    let alpha = hyper("alphas")?;
    let gamma = hyper("gammas")?;
    let ranges = [
        (
            "thetas",
            theta,
            (0.0..1.0).contains(&theta),
            "a decay rate in [0, 1)",
        ),
        ("alphas", alpha, alpha > 0.0, "a shape above 0"),
        (
            "gammas",
            gamma,
            gamma > 0.0 && gamma <= 1.0,
            "a value in (0, 1]",
        ),
    ];
    for (suffix, value, ok, expected) in ranges {
        if !ok {
            return Err(CoreError::invalid(
                format!("ExportedModel.hyper_values.{name}_{suffix}"),
                format!("{value} is out of range: Robyn writes {expected}"),
            ));
        }
    }
    Ok((theta, alpha, gamma))
}

fn import_channel(
    root: &Value,
    data: &Data<'_>,
    name: &str,
    version: Version,
    (start, end): (usize, usize),
) -> Result<ImportedChannel, CoreError> {
    let (theta, alpha, gamma) = hill_hyperparameters(root, name)?;
    let coefficient = coefficient_of(root, name)?;
    let spend = data.column(name)?;

    let adstocked = geometric_adstock(&spend, theta);
    let (first, last) = data.window;
    let window = &adstocked[first..=last];
    let low = window.iter().copied().fold(f64::INFINITY, f64::min);
    let high = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let stored = first_number(
        root,
        &[
            "ExportedModel",
            "hyper_values",
            &format!("{name}_inflexion"),
        ],
    )
    .ok();
    let inflexion = match stored {
        Some(value) => value,
        None if uses_max_inflexion(version) => gamma * high,
        None => (1.0 - gamma) * low + gamma * high,
    };

    let carryover =
        (first..=last).map(|i| adstocked[i] - spend[i]).sum::<f64>() / (last - first + 1) as f64;
    let mean_spend = spend[start..=end].iter().sum::<f64>() / (end - start + 1) as f64;

    let curve = ResponseCurve::hill(coefficient, alpha, inflexion, 0.0, carryover);
    curve.validate(&format!("{name} (imported)"))?;
    let response = curve.response(mean_spend);
    Ok(ImportedChannel {
        name: name.to_string(),
        coefficient,
        alpha,
        gamma,
        theta,
        inflexion,
        inflexion_stored: stored.is_some(),
        carryover,
        mean_spend,
        response,
        marginal: curve.response(mean_spend + 1.0) - response,
    })
}

/// Geometric adstock from the first row: `a[t] = x[t] + theta * a[t - 1]`.
pub fn geometric_adstock(spend: &[f64], theta: f64) -> Vec<f64> {
    let mut level = 0.0;
    spend
        .iter()
        .map(|x| {
            level = x + theta * level;
            level
        })
        .collect()
}

fn coefficient_of(root: &Value, name: &str) -> Result<f64, CoreError> {
    let summary = root
        .pointer("/ExportedModel/summary")
        .and_then(Value::as_array)
        .ok_or_else(|| CoreError::invalid("ExportedModel.summary", "missing"))?;
    summary
        .iter()
        .find(|row| row.get("variable").and_then(Value::as_str) == Some(name))
        .and_then(|row| row.get("coef"))
        .and_then(Value::as_f64)
        .ok_or_else(|| {
            CoreError::invalid(
                "ExportedModel.summary",
                format!("no coefficient for `{name}`: the export does not match its InputCollect"),
            )
        })
}

fn build_scenario(
    root: &Value,
    channels: &[ImportedChannel],
    dep_var: &str,
    version: &str,
    options: &ImportOptions,
) -> Result<ScenarioFile, CoreError> {
    let model_id = first_string(root, &["ExportedModel", "select_model"]).ok();
    let curves = channels
        .iter()
        .map(|c| {
            let parameters = (c.coefficient, c.alpha, c.inflexion);
            CurveSpec::hill(&c.name, dep_var, parameters, 0.0, c.carryover)
        })
        .collect();
    let channel_specs = channels
        .iter()
        .map(|c| ChannelSpec {
            name: c.name.clone(),
            current: c.mean_spend.into(),
            lower: Some(c.mean_spend * options.lower_multiplier),
            upper: Some(c.mean_spend * options.upper_multiplier),
            groups: Vec::new(),
        })
        .collect();
    let constraints = options
        .budget
        .map(|amount| ConstraintSpec::TotalBudget {
            name: Some("total budget".into()),
            equals: Some(amount),
            at_most: None,
            at_least: None,
        })
        .into_iter()
        .collect();
    let objective = |kpi: &str, sense| ObjectiveSpec {
        kpi: kpi.into(),
        sense,
        weight: 0.5,
        name: None,
        risk: None,
        level: None,
    };
    let period = first_string(root, &["InputCollect", "intervalType"]).ok();
    Ok(ScenarioFile {
        name: format!("Robyn model {}", model_id.clone().unwrap_or_default())
            .trim()
            .to_string(),
        currency: options.currency.clone(),
        period,
        plan: None,
        source: Some(SourceSpec {
            tool: "Robyn".into(),
            version: version.to_string(),
            file: options.file_name.clone(),
            model_id,
            from: Some(options.from.clone()),
            to: Some(options.to.clone()),
        }),
        solver: SolverSpec::default(),
        model: ModelSpec::ResponseCurves {
            kpis: vec![dep_var.to_string()],
            baseline: BTreeMap::new(),
            curves,
        },
        channels: channel_specs,
        constraints,
        // Spend first, so a front chart puts spend on the x axis and the KPI on the y axis.
        objectives: vec![
            objective(TOTAL_SPEND, Sense::Minimize),
            objective(dep_var, Sense::Maximize),
        ],
        directory: None,
    })
}

fn lookup<'a>(root: &'a Value, path: &[&str]) -> Result<&'a Value, CoreError> {
    let mut node = root;
    for key in path {
        node = node.get(*key).ok_or_else(|| {
            CoreError::invalid(
                path.join("."),
                "missing from the export: is it a robyn_write() JSON file?",
            )
        })?;
    }
    Ok(node)
}

/// Robyn writes scalars as one-element arrays; this accepts both.
fn first(value: &Value) -> &Value {
    match value {
        Value::Array(items) => items.first().unwrap_or(value),
        other => other,
    }
}

fn first_string(root: &Value, path: &[&str]) -> Result<String, CoreError> {
    first(lookup(root, path)?)
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| CoreError::invalid(path.join("."), "expected a string"))
}

fn first_number(root: &Value, path: &[&str]) -> Result<f64, CoreError> {
    first(lookup(root, path)?)
        .as_f64()
        .filter(|v| v.is_finite())
        .ok_or_else(|| CoreError::invalid(path.join("."), "expected a finite number"))
}

fn string_list(root: &Value, path: &[&str]) -> Result<Vec<String>, CoreError> {
    let value = lookup(root, path)?;
    let items = match value {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::String(text) => Some(vec![text.clone()]),
        _ => None,
    };
    items
        .filter(|list: &Vec<String>| !list.is_empty())
        .ok_or_else(|| CoreError::invalid(path.join("."), "expected a non-empty list of names"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_parses_from_robyn_string() {
        assert_eq!(
            parse_version("Robyn (stable) v3.11.1 [R-4.4.0]").unwrap(),
            (3, 11, 1)
        );
        assert_eq!(
            parse_version("Robyn (dev) v3.12.0.9000").unwrap(),
            (3, 12, 0)
        );
    }

    #[test]
    fn version_without_number_is_rejected() {
        let error = parse_version("Robyn").unwrap_err();
        assert!(error.to_string().contains("`Robyn`"));
    }

    #[test]
    fn inflexion_rule_switches_at_3_12() {
        assert!(!uses_max_inflexion((3, 11, 1)));
        assert!(uses_max_inflexion((3, 12, 0)));
        assert!(uses_max_inflexion((4, 0, 0)));
    }

    #[test]
    fn adstock_accumulates_geometrically() {
        assert_eq!(
            geometric_adstock(&[10.0, 0.0, 0.0], 0.5),
            vec![10.0, 5.0, 2.5]
        );
    }

    #[test]
    fn iso_dates_are_checked() {
        assert!(is_iso_date("2018-10-29"));
        assert!(!is_iso_date("29/10/2018"));
        assert!(!is_iso_date("2018-1-29"));
        assert!(!is_iso_date("2018-02-30"));
        assert!(!is_iso_date("2018-13-01"));
        assert!(is_iso_date("2016-02-29"));
        assert!(!is_iso_date("2018-02-29"));
    }
}
