//! A tree booster read from the JSON file of XGBoost's `save_model`, and its predictions.

use std::collections::BTreeSet;
use std::path::Path;

use ndarray::{Array1, ArrayView2, Axis};
use rayon::prelude::*;
use serde_json::Value;

use super::json::{Field, RESAVE};
use super::objective::Objective;
use super::tree::Tree;
use crate::error::CoreError;

/// Rows that [`Booster::predict`] sends through each tree before the next tree.
const BLOCK_ROWS: usize = 64;

/// A gbtree or dart booster with one output, evaluated as XGBoost's CPU predictor does.
#[derive(Debug, Clone, PartialEq)]
pub struct Booster {
    feature_names: Vec<String>,
    objective: Objective,
    /// The base score converted to a margin by the objective's link.
    base_margin: f32,
    trees: Vec<Tree>,
    /// Dart's weight of each tree; `None` for gbtree, whose trees all weigh 1.
    tree_weights: Option<Vec<f32>>,
}

impl Booster {
    /// Reads a model file saved by XGBoost's `save_model` with a `.json` file name.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Io`] when the file cannot be read, and the errors of
    /// [`Booster::from_json`].
    pub fn read(path: &Path) -> Result<Self, CoreError> {
        let text = std::fs::read_to_string(path).map_err(|error| CoreError::Io {
            path: path.display().to_string(),
            error,
        })?;
        Self::from_json(&text)
    }

    /// Parses the text of a JSON model file.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming the JSON path and value for text that is not
    /// JSON, a gblinear booster, a model with several outputs (multi-class or multi-target),
    /// an unsupported objective and a categorical split. A malformed tree (arrays of different
    /// lengths, a child index out of range, a cycle), a split on a feature beyond
    /// `num_feature`, and a model saved with early stopping whose best iteration is not the
    /// last are errors too.
    pub fn from_json(text: &str) -> Result<Self, CoreError> {
        let value: Value = serde_json::from_str(text).map_err(|error| {
            CoreError::invalid(
                "(document root)",
                format!(
                    "not valid JSON ({error}): XGBoost writes JSON when the file name ends in \
                     .json and UBJSON otherwise; save the model as model.json"
                ),
            )
        })?;
        Self::from_value(&value)
    }

    /// Builds the booster from a parsed JSON model.
    ///
    /// # Errors
    ///
    /// Returns the errors of [`Booster::from_json`] other than invalid JSON.
    pub fn from_value(value: &Value) -> Result<Self, CoreError> {
        let root = Field::root(value);
        check_version(&root.get("version")?)?;
        let learner = root.get("learner")?;
        let param = learner.get("learner_model_param")?;
        check_single_output(&param)?;
        let num_feature = param.get("num_feature")?.count_text()?;
        let feature_names = feature_names(&learner, num_feature)?;

        let objective_name = learner.get("objective")?.get("name")?;
        let objective =
            Objective::from_name(objective_name.as_str()?).map_err(|m| objective_name.error(m))?;
        let base_field = param.get("base_score")?;
        let base_score = base_score(&base_field)?;
        let base_margin = objective.base_margin(base_score).map_err(|message| {
            base_field.error(format!(
                "{message}: set a valid base_score when training, or save the model again"
            ))
        })?;

        let booster = learner.get("gradient_booster")?;
        let kind = booster.get("name")?;
        let (model, tree_weights) =
            match kind.as_str()? {
                "gbtree" => (booster.get("model")?, None),
                "dart" => (
                    booster.get("gbtree")?.get("model")?,
                    Some(booster.get("weight_drop")?),
                ),
                "gblinear" => return Err(kind.error(
                    "`gblinear` is a linear booster, and Atlas evaluates tree boosters (gbtree, \
                     dart): train with booster=\"gbtree\"",
                )),
                other => {
                    return Err(kind.error(format!(
                        "`{other}` is not a tree booster: use gbtree or dart"
                    )))
                }
            };
        let trees = parse_trees(&model, num_feature)?;
        let tree_weights = match tree_weights {
            None => None,
            Some(field) => Some(parse_tree_weights(&field, trees.len())?),
        };
        check_best_iteration(&learner, &model, trees.len())?;
        Ok(Self {
            feature_names,
            objective,
            base_margin,
            trees,
            tree_weights,
        })
    }

    /// Feature names in column order: the saved `feature_names`, or `f0`, `f1`, … as XGBoost
    /// names them when the model has none.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The objective.
    pub fn objective(&self) -> &Objective {
        &self.objective
    }

    /// Number of trees.
    pub fn tree_count(&self) -> usize {
        self.trees.len()
    }

    /// Predicts one row of float32 feature values, NaN for missing.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Model`] when `row` does not have one value per feature.
    pub fn predict_row(&self, row: &[f32]) -> Result<f32, CoreError> {
        if row.len() != self.feature_names.len() {
            return Err(CoreError::Model(format!(
                "a row has {} values but the XGBoost model has {} features: give one per \
                 feature",
                row.len(),
                self.feature_names.len()
            )));
        }
        Ok(self.predict_features(row))
    }

    /// Predicts one row that has one value per feature, which the caller guarantees.
    ///
    /// The margin starts at the base margin, and each tree's leaf value (times its dart
    /// weight) is added in tree order in float32, as XGBoost's CPU predictor accumulates.
    pub(crate) fn predict_features(&self, row: &[f32]) -> f32 {
        let mut margin = self.base_margin;
        match &self.tree_weights {
            None => {
                for tree in &self.trees {
                    margin += tree.leaf_value(row);
                }
            }
            Some(weights) => {
                for (tree, weight) in self.trees.iter().zip(weights) {
                    margin += tree.leaf_value(row) * weight;
                }
            }
        }
        self.objective.transform(margin)
    }

    /// Predicts every row of `rows` (rows x features, NaN for missing), rows in parallel.
    ///
    /// Each value is cast to float32 first, as XGBoost casts its input. Each row's result
    /// depends on that row alone, so it is the same for any number of threads.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Model`] when `rows` does not have one column per feature.
    pub fn predict(&self, rows: ArrayView2<'_, f64>) -> Result<Array1<f64>, CoreError> {
        let features = self.feature_names.len();
        if rows.ncols() != features {
            return Err(CoreError::Model(format!(
                "a row has {} values but the XGBoost model has {features} features: give one \
                 per feature",
                rows.ncols()
            )));
        }
        let mut predictions = vec![0.0; rows.nrows()];
        predictions
            .par_chunks_mut(BLOCK_ROWS)
            .zip(rows.axis_chunks_iter(Axis(0), BLOCK_ROWS).into_par_iter())
            .for_each(|(out, block)| self.predict_block(block, out));
        Ok(Array1::from(predictions))
    }

    /// Predicts a block of rows tree by tree, so that each tree's nodes stay in cache while
    /// every row of the block passes through it. Each row still adds its leaf values in tree
    /// order, so the result equals [`Booster::predict_row`] bit for bit.
    fn predict_block(&self, block: ArrayView2<'_, f64>, out: &mut [f64]) {
        let features = self.feature_names.len();
        let values: Vec<f32> = block.iter().map(|&v| v as f32).collect();
        let mut margins = vec![self.base_margin; block.nrows()];
        for (index, tree) in self.trees.iter().enumerate() {
            let weight = self.tree_weights.as_ref().map(|weights| weights[index]);
            for (margin, row) in margins.iter_mut().zip(values.chunks_exact(features)) {
                let leaf = tree.leaf_value(row);
                *margin += match weight {
                    Some(weight) => leaf * weight,
                    None => leaf,
                };
            }
        }
        for (slot, margin) in out.iter_mut().zip(margins) {
            *slot = f64::from(self.objective.transform(margin));
        }
    }
}

fn check_version(field: &Field<'_>) -> Result<(), CoreError> {
    let version = field.i64_array()?;
    match version.first() {
        Some(&major) if major >= 1 => Ok(()),
        _ => Err(field.error(format!(
            "{version:?} is not an XGBoost version of 1.0 or later, the first with JSON models: \
             {RESAVE}"
        ))),
    }
}

/// Rejects multi-class and multi-target models, which have more than one output.
fn check_single_output(param: &Field<'_>) -> Result<(), CoreError> {
    let fix = "Atlas evaluates models with one output: train one regressor per KPI";
    if let Some(classes) = param.get_optional("num_class")? {
        let count = classes.count_text()?;
        if count > 1 {
            return Err(classes.error(format!("the model has {count} classes, and {fix}")));
        }
    }
    if let Some(targets) = param.get_optional("num_target")? {
        let count = targets.count_text()?;
        if count > 1 {
            return Err(targets.error(format!("the model has {count} targets, and {fix}")));
        }
    }
    Ok(())
}

/// Parses `base_score`, which XGBoost 3.1 and later write as a list such as `[5E-1]` and
/// earlier versions as a number such as `5E-1`.
fn base_score(field: &Field<'_>) -> Result<f32, CoreError> {
    let text = field.as_str()?;
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() != 1 {
        return Err(field.error(format!(
            "`{text}` has {} values, one per output, and Atlas evaluates models with one \
             output: train one regressor per KPI",
            parts.len()
        )));
    }
    parts[0]
        .parse::<f32>()
        .map_err(|_| field.error(format!("`{text}` is not a number: {RESAVE}")))
}

fn feature_names(learner: &Field<'_>, num_feature: usize) -> Result<Vec<String>, CoreError> {
    let saved = match learner.get_optional("feature_names")? {
        Some(field) => Some((field.string_array()?, field)),
        None => None,
    };
    let names = match saved {
        Some((names, _)) if names.is_empty() => None,
        Some((names, field)) => {
            if names.len() != num_feature {
                return Err(field.error(format!(
                    "has {} names but learner.learner_model_param.num_feature is {num_feature}: \
                     {RESAVE}",
                    names.len()
                )));
            }
            let mut seen = BTreeSet::new();
            if let Some(twice) = names.iter().find(|name| !seen.insert(name.as_str())) {
                return Err(field.error(format!(
                    "feature `{twice}` is named twice: give each feature a unique name when \
                     training"
                )));
            }
            Some(names)
        }
        None => None,
    };
    Ok(names.unwrap_or_else(|| (0..num_feature).map(|i| format!("f{i}")).collect()))
}

fn parse_trees(model: &Field<'_>, num_feature: usize) -> Result<Vec<Tree>, CoreError> {
    let items = model.get("trees")?.items()?;
    let declared_field = model.get("gbtree_model_param")?.get("num_trees")?;
    let declared = declared_field.count_text()?;
    if declared != items.len() {
        return Err(declared_field.error(format!(
            "says {declared} trees but `trees` has {}: {RESAVE}",
            items.len()
        )));
    }
    let groups = model.get("tree_info")?;
    let group_of = groups.i64_array()?;
    if group_of.len() != items.len() {
        return Err(groups.error(format!(
            "has {} entries for {} trees: {RESAVE}",
            group_of.len(),
            items.len()
        )));
    }
    if let Some(tree) = group_of.iter().position(|&g| g != 0) {
        return Err(groups.error(format!(
            "tree {tree} belongs to output {}, so the model has several outputs (multi-class or \
             multi-target), and Atlas evaluates models with one output: train one regressor per \
             KPI",
            group_of[tree]
        )));
    }
    items
        .iter()
        .map(|item| Tree::parse(item, num_feature))
        .collect()
}

fn parse_tree_weights(field: &Field<'_>, trees: usize) -> Result<Vec<f32>, CoreError> {
    let weights = field.f32_array()?;
    if weights.len() != trees {
        return Err(field.error(format!(
            "has {} weights for {trees} trees: dart saves one weight per tree; {RESAVE}",
            weights.len()
        )));
    }
    if let Some(bad) = weights.iter().position(|w| !w.is_finite()) {
        return Err(field.error(format!(
            "weight {bad} is {}, not a finite number: {RESAVE}",
            weights[bad]
        )));
    }
    Ok(weights)
}

/// Rejects a model trained with early stopping whose best iteration is not its last round:
/// `Booster.predict` then uses every round and `XGBRegressor.predict` only the rounds up to
/// the best, so the file alone does not say which prediction is meant.
fn check_best_iteration(
    learner: &Field<'_>,
    model: &Field<'_>,
    trees: usize,
) -> Result<(), CoreError> {
    let Some(attributes) = learner.get_optional("attributes")? else {
        return Ok(());
    };
    let Some(best) = attributes.get_optional("best_iteration")? else {
        return Ok(());
    };
    let best_iteration = best.count_text()?;
    let parallel = match model
        .get("gbtree_model_param")?
        .get_optional("num_parallel_tree")?
    {
        Some(field) => field.count_text()?.max(1),
        None => 1,
    };
    let rounds = trees / parallel;
    if best_iteration + 1 >= rounds {
        return Ok(());
    }
    Err(best.error(format!(
        "the model was trained with early stopping: its best iteration is {best_iteration} of \
         {rounds} rounds, and XGBRegressor.predict uses the first {} rounds while \
         Booster.predict uses all {rounds}; save the rounds you mean, for example \
         `booster[: {}].save_model(\"model.json\")`, or call \
         `booster.set_attr(best_iteration=None)` before saving to use every round",
        best_iteration + 1,
        best_iteration + 1
    )))
}
