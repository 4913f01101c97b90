//! One regression tree of an XGBoost model, read from the arrays of its JSON object and
//! checked so that every walk from the root ends at a leaf.

use super::json::{Field, RESAVE};
use crate::error::CoreError;

/// Child index that marks a leaf in `left_children` and `right_children`.
const NO_CHILD: i64 = -1;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    /// Index of the left child; for a leaf, unused.
    left: u32,
    /// Index of the right child; for a leaf, unused.
    right: u32,
    /// Feature the split reads; for a leaf, unused.
    feature: u32,
    /// Split threshold, or for a leaf the leaf value.
    value: f32,
    /// Whether a missing (NaN) feature value goes to the left child.
    default_left: bool,
    leaf: bool,
}

/// A tree with numerical splits and one value per leaf.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// Reads and checks the tree at `field` of a model with `features` features.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming the JSON path for a missing or mistyped array and
    /// for arrays whose lengths differ from `tree_param.num_nodes`. A child index out of range,
    /// a node reached twice (a cycle or a shared child), a split on a feature beyond
    /// `features`, a categorical split, a vector leaf and a value that is not finite are
    /// errors too.
    pub(crate) fn parse(field: &Field<'_>, features: usize) -> Result<Self, CoreError> {
        let param = field.get("tree_param")?;
        let leaf_size = param.get("size_leaf_vector")?;
        if leaf_size.count_text()? > 1 {
            return Err(leaf_size.error(format!(
                "`{}` values per leaf, so the tree belongs to a model with several targets, \
                 and Atlas evaluates models with one output: train one regressor per KPI",
                leaf_size.as_str()?
            )));
        }
        let num_nodes = param.get("num_nodes")?;
        let count = num_nodes.count_text()?;
        if count == 0 {
            return Err(num_nodes.error(format!("a tree has no node: {RESAVE}")));
        }
        reject_categorical(field)?;

        let lefts = field.get("left_children")?;
        let rights = field.get("right_children")?;
        let indices = field.get("split_indices")?;
        let conditions = field.get("split_conditions")?;
        let defaults = field.get("default_left")?;
        let left = checked_len(&lefts, lefts.i64_array()?, count)?;
        let right = checked_len(&rights, rights.i64_array()?, count)?;
        let feature = checked_len(&indices, indices.i64_array()?, count)?;
        let value = checked_len(&conditions, conditions.f32_array()?, count)?;
        let default_left = checked_len(&defaults, defaults.flag_array()?, count)?;

        let mut nodes = Vec::with_capacity(count);
        for i in 0..count {
            nodes.push(Node {
                left: 0,
                right: 0,
                feature: 0,
                value: value[i],
                default_left: default_left[i],
                leaf: left[i] == NO_CHILD,
            });
        }
        // Walk from the root, so that unreachable nodes (XGBoost keeps pruned nodes as
        // deleted entries) are not checked, and each reachable node is reached once.
        let mut reached = vec![false; count];
        let mut stack = vec![0usize];
        reached[0] = true;
        while let Some(i) = stack.pop() {
            if !value[i].is_finite() {
                let kind = if nodes[i].leaf {
                    "leaf value"
                } else {
                    "threshold"
                };
                return Err(element_error(
                    &conditions,
                    i,
                    format!("{kind} {} is not a finite number: {RESAVE}", value[i]),
                ));
            }
            if nodes[i].leaf {
                if right[i] != NO_CHILD {
                    return Err(element_error(
                        &rights,
                        i,
                        format!(
                            "node {i} has no left child but right child {}: a node has two \
                             children or none; {RESAVE}",
                            right[i]
                        ),
                    ));
                }
                continue;
            }
            let children = [(&lefts, left[i]), (&rights, right[i])];
            for (array, child) in children {
                let in_range = usize::try_from(child).ok().filter(|&c| c < count);
                let Some(child) = in_range else {
                    return Err(element_error(
                        array,
                        i,
                        format!(
                            "child {child} of node {i} is out of range: the tree has {count} \
                             nodes, numbered from 0; {RESAVE}"
                        ),
                    ));
                };
                if reached[child] {
                    return Err(element_error(
                        array,
                        i,
                        format!(
                            "node {child} is reached twice, so the tree has a cycle or a shared \
                             child: {RESAVE}"
                        ),
                    ));
                }
                reached[child] = true;
                stack.push(child);
            }
            let split = usize::try_from(feature[i]).ok().filter(|&f| f < features);
            let Some(split) = split else {
                return Err(element_error(
                    &indices,
                    i,
                    format!(
                        "feature index {} is beyond the model's {features} features \
                         (learner.learner_model_param.num_feature): {RESAVE}",
                        feature[i]
                    ),
                ));
            };
            // The checks above bound every index by `count` or `features`, both below 2^32
            // for any file that fits in memory.
            nodes[i].left = left[i] as u32;
            nodes[i].right = right[i] as u32;
            nodes[i].feature = split as u32;
        }
        Ok(Self { nodes })
    }

    /// Returns the value of the leaf that `row` reaches: a missing (NaN) value goes the
    /// node's default direction, and any other goes left when it is below the threshold.
    ///
    /// `row` contains float32 values, as XGBoost compares them, with one value per model
    /// feature: [`Tree::parse`] checked every split index against that count.
    pub(crate) fn leaf_value(&self, row: &[f32]) -> f32 {
        let mut node = &self.nodes[0];
        while !node.leaf {
            let value = row[node.feature as usize];
            let left = if value.is_nan() {
                node.default_left
            } else {
                value < node.value
            };
            let next = if left { node.left } else { node.right };
            node = &self.nodes[next as usize];
        }
        node.value
    }
}

fn checked_len<T>(field: &Field<'_>, values: Vec<T>, count: usize) -> Result<Vec<T>, CoreError> {
    if values.len() == count {
        Ok(values)
    } else {
        Err(field.error(format!(
            "has {} entries but tree_param.num_nodes is {count}: each node needs one; {RESAVE}",
            values.len()
        )))
    }
}

fn element_error(field: &Field<'_>, index: usize, message: String) -> CoreError {
    CoreError::invalid(format!("{}[{index}]", field.path()), message)
}

/// Rejects a tree with a categorical split, which `split_type` marks with 1 and
/// `categories_nodes` lists.
fn reject_categorical(field: &Field<'_>) -> Result<(), CoreError> {
    let fix = "and Atlas evaluates numerical splits only: train without enable_categorical, \
               for example on one-hot columns";
    if let Some(types) = field.get_optional("split_type")? {
        if let Some(node) = types.i64_array()?.iter().position(|&t| t != 0) {
            return Err(element_error(
                &types,
                node,
                format!("node {node} is a categorical split, {fix}"),
            ));
        }
    }
    if let Some(nodes) = field.get_optional("categories_nodes")? {
        if let Some(&node) = nodes.i64_array()?.first() {
            return Err(nodes.error(format!("node {node} is a categorical split, {fix}")));
        }
    }
    Ok(())
}
