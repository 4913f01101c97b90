//! XGBoost models as a [`ResponseModel`]: one saved model per KPI, whose features are channel
//! spends, fixed context values or missing values.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::booster::Booster;
use crate::error::CoreError;
use crate::model::{check_columns, fill_rows, ResponseModel};

/// Batches with at least this many candidates are evaluated in parallel.
const PARALLEL_ROWS: usize = 64;

/// One `[[model.outputs]]` table: the XGBoost model of one KPI and the source of each of its
/// features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XgboostOutputSpec {
    /// The KPI that the model predicts.
    pub kpi: String,
    /// The file written by XGBoost's `save_model("model.json")`, relative to the scenario
    /// file's folder.
    pub file: String,
    /// Model feature that takes each channel's spend, by channel name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub features: BTreeMap<String, String>,
    /// Fixed value of each context feature, by feature name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, f64>,
    /// Features passed as missing (NaN), so that each split sends them its default way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Source of one model feature's value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    /// The spend of the channel at this index.
    Channel(usize),
    /// A fixed value, already cast to float32.
    Value(f32),
    /// A missing value.
    Missing,
}

#[derive(Debug, Clone, PartialEq)]
struct Output {
    booster: Booster,
    /// One source per model feature, in the booster's column order.
    sources: Vec<Source>,
}

impl Output {
    fn predict(&self, plan: ArrayView1<'_, f64>) -> f64 {
        let row: Vec<f32> = self
            .sources
            .iter()
            .map(|source| match *source {
                Source::Channel(c) => plan[c] as f32,
                Source::Value(value) => value,
                Source::Missing => f32::NAN,
            })
            .collect();
        f64::from(self.booster.predict_features(&row))
    }
}

/// KPIs predicted by XGBoost tree models from channel spends.
///
/// Trees are piecewise constant in spend, so the model gives no gradient and is not
/// separable: `auto` solves it with CMA-ES.
#[derive(Debug, Clone, PartialEq)]
pub struct XgboostModel {
    channels: Vec<String>,
    kpis: Vec<String>,
    /// One output per KPI, in KPI order.
    outputs: Vec<Output>,
}

impl XgboostModel {
    /// Reads each output's model file, relative to `folder` (the working directory when
    /// `None`), and builds the model.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming `model.outputs[i].file` when a file cannot be
    /// read or is not a supported XGBoost model, and the errors of [`XgboostModel::new`].
    pub fn load(
        channels: Vec<String>,
        kpis: Vec<String>,
        specs: &[XgboostOutputSpec],
        folder: Option<&Path>,
    ) -> Result<Self, CoreError> {
        let mut boosters = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let field = format!("model.outputs[{index}].file");
            let path = match folder {
                Some(folder) => folder.join(&spec.file),
                None => Path::new(&spec.file).to_path_buf(),
            };
            let booster = Booster::read(&path).map_err(|error| match error {
                CoreError::Io { error, .. } => CoreError::invalid(
                    &field,
                    format!(
                        "cannot read `{}`: {error}; give a path relative to the scenario \
                         file's folder",
                        path.display()
                    ),
                ),
                other => CoreError::invalid(&field, format!("`{}`: {other}", path.display())),
            })?;
            boosters.push(booster);
        }
        Self::new(channels, kpis, specs, boosters)
    }

    /// Builds the model from each output's spec and its booster (`boosters[i]` for
    /// `specs[i]`).
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] for no KPI or a KPI named twice, and for an output of an
    /// unknown KPI, a second output of one KPI or a KPI without an output. Each output's
    /// mapping is checked too. A channel that is not in the scenario and a feature name that
    /// the model lacks are errors. So are a feature given two sources, a context value that
    /// is not finite, and model features without a source.
    pub fn new(
        channels: Vec<String>,
        kpis: Vec<String>,
        specs: &[XgboostOutputSpec],
        boosters: Vec<Booster>,
    ) -> Result<Self, CoreError> {
        check_kpis(&kpis)?;
        let mut slots: Vec<Option<Output>> = vec![None; kpis.len()];
        for (index, (spec, booster)) in specs.iter().zip(boosters).enumerate() {
            let field = format!("model.outputs[{index}]");
            let k = kpis.iter().position(|k| k == &spec.kpi).ok_or_else(|| {
                CoreError::invalid(
                    format!("{field}.kpi"),
                    format!(
                        "`{}` is not one of the model's KPIs: use one of {}",
                        spec.kpi,
                        kpis.join(", ")
                    ),
                )
            })?;
            if slots[k].is_some() {
                return Err(CoreError::invalid(
                    format!("{field}.kpi"),
                    format!("KPI `{}` already has an output: keep one of them", spec.kpi),
                ));
            }
            let sources = sources(&field, spec, &booster, &channels)?;
            slots[k] = Some(Output { booster, sources });
        }
        let mut outputs = Vec::with_capacity(kpis.len());
        for (kpi, slot) in kpis.iter().zip(slots) {
            let output = slot.ok_or_else(|| {
                CoreError::invalid(
                    "model.outputs",
                    format!(
                        "KPI `{kpi}` has no output: add a [[model.outputs]] table with \
                         kpi = \"{kpi}\" and its model file"
                    ),
                )
            })?;
            outputs.push(output);
        }
        Ok(Self {
            channels,
            kpis,
            outputs,
        })
    }

    /// Returns the booster that predicts KPI `kpi`, by position.
    pub fn booster(&self, kpi: usize) -> Option<&Booster> {
        self.outputs.get(kpi).map(|output| &output.booster)
    }
}

fn check_kpis(kpis: &[String]) -> Result<(), CoreError> {
    if kpis.is_empty() {
        return Err(CoreError::invalid(
            "model.kpis",
            "no KPI is listed: name at least one",
        ));
    }
    for (i, kpi) in kpis.iter().enumerate() {
        if kpis[..i].contains(kpi) {
            return Err(CoreError::invalid(
                "model.kpis",
                format!("KPI `{kpi}` is listed twice: keep one"),
            ));
        }
    }
    Ok(())
}

/// Resolves the source of every model feature of one output, naming `field` (for example
/// `model.outputs[0]`) in errors.
fn sources(
    field: &str,
    spec: &XgboostOutputSpec,
    booster: &Booster,
    channels: &[String],
) -> Result<Vec<Source>, CoreError> {
    let names = booster.feature_names();
    let mut sources: Vec<Option<(Source, String)>> = vec![None; names.len()];
    let mut assign = |key: String, feature: &str, source: Source| -> Result<(), CoreError> {
        let position = names.iter().position(|n| n == feature).ok_or_else(|| {
            CoreError::invalid(
                &key,
                format!(
                    "`{feature}` is not a feature of `{}`: its features are {}",
                    spec.file,
                    names.join(", ")
                ),
            )
        })?;
        if let Some((_, first)) = &sources[position] {
            return Err(CoreError::invalid(
                &key,
                format!(
                    "feature `{feature}` already takes its value from `{first}`: give each \
                     feature one source"
                ),
            ));
        }
        sources[position] = Some((source, key));
        Ok(())
    };
    for (channel, feature) in &spec.features {
        let key = format!("{field}.features.{channel}");
        let c = channels.iter().position(|n| n == channel).ok_or_else(|| {
            CoreError::invalid(
                &key,
                format!(
                    "`{channel}` is not a scenario channel: use one of {}",
                    channels.join(", ")
                ),
            )
        })?;
        assign(key, feature, Source::Channel(c))?;
    }
    for (feature, value) in &spec.context {
        let key = format!("{field}.context.{feature}");
        if !value.is_finite() {
            return Err(CoreError::invalid(
                &key,
                format!(
                    "{value} is not a finite number: give a value, or list the feature in \
                     `missing` to pass it as missing"
                ),
            ));
        }
        assign(key, feature, Source::Value(*value as f32))?;
    }
    for (index, feature) in spec.missing.iter().enumerate() {
        assign(
            format!("{field}.missing[{index}]"),
            feature,
            Source::Missing,
        )?;
    }
    let unmapped: Vec<String> = names
        .iter()
        .zip(&sources)
        .filter(|(_, source)| source.is_none())
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    if !unmapped.is_empty() {
        return Err(CoreError::invalid(
            field,
            format!(
                "`{}` has features with no source: {}. Map each to a channel in `features`, \
                 give it a value in `context`, or list it in `missing`",
                spec.file,
                unmapped.join(", ")
            ),
        ));
    }
    Ok(sources
        .into_iter()
        .flatten()
        .map(|(source, _)| source)
        .collect())
}

impl ResponseModel for XgboostModel {
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
            |plan, row| {
                for (value, output) in row.iter_mut().zip(&self.outputs) {
                    *value = output.predict(plan);
                }
            },
        ))
    }

    /// Computes each channel's contribution to each KPI as the KPI at the plan minus the KPI
    /// with that channel's spend at 0 and every other spend unchanged.
    ///
    /// Trees let channels interact, so the contributions need not add up to the KPI less a
    /// baseline, and a channel that no model reads contributes 0.
    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.len())?;
        let n = self.channels.len();
        let mut batch = Array2::zeros((n + 1, n));
        for mut row in batch.rows_mut() {
            row.assign(&spend);
        }
        for c in 0..n {
            batch[[c + 1, c]] = 0.0;
        }
        let values = self.evaluate(batch.view())?;
        let mut out = Array2::zeros((n, self.kpis.len()));
        for c in 0..n {
            for k in 0..self.kpis.len() {
                out[[c, k]] = values[[0, k]] - values[[c + 1, k]];
            }
        }
        Ok(out)
    }
}
