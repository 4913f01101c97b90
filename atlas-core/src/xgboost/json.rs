//! Typed access to a parsed XGBoost JSON model, with every error naming the JSON path of the
//! value, for example `learner.gradient_booster.model.trees[3].left_children`.

use serde_json::Value;

use crate::error::CoreError;

/// Fix appended to errors about values that XGBoost itself always writes.
pub(crate) const RESAVE: &str = "save the model again with XGBoost's `save_model` and a file name \
                                 that ends in .json";

/// A value of the model file and its JSON path.
#[derive(Debug, Clone)]
pub(crate) struct Field<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Field<'a> {
    /// Returns the document root, with an empty path.
    pub(crate) fn root(value: &'a Value) -> Self {
        Self {
            value,
            path: String::new(),
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> CoreError {
        let field = if self.path.is_empty() {
            "(document root)".to_string()
        } else {
            self.path.clone()
        };
        CoreError::invalid(field, message)
    }

    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Returns member `key` of an object, or `None` when the object has no such member.
    pub(crate) fn get_optional(&self, key: &str) -> Result<Option<Field<'a>>, CoreError> {
        let object = self.value.as_object().ok_or_else(|| {
            self.error(format!(
                "expected a JSON object, found {}: {RESAVE}",
                kind(self.value)
            ))
        })?;
        Ok(object.get(key).map(|value| Field {
            value,
            path: self.child_path(key),
        }))
    }

    /// Returns member `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Result<Field<'a>, CoreError> {
        self.get_optional(key)?.ok_or_else(|| {
            CoreError::invalid(
                self.child_path(key),
                format!("missing: XGBoost writes it in every saved model; {RESAVE}"),
            )
        })
    }

    pub(crate) fn as_str(&self) -> Result<&'a str, CoreError> {
        self.value.as_str().ok_or_else(|| {
            self.error(format!(
                "expected a string, found {}: {RESAVE}",
                kind(self.value)
            ))
        })
    }

    /// Returns the elements of an array, each with its indexed path.
    pub(crate) fn items(&self) -> Result<Vec<Field<'a>>, CoreError> {
        let array = self.array()?;
        Ok(array
            .iter()
            .enumerate()
            .map(|(index, value)| Field {
                value,
                path: format!("{}[{index}]", self.path),
            })
            .collect())
    }

    fn array(&self) -> Result<&'a Vec<Value>, CoreError> {
        self.value.as_array().ok_or_else(|| {
            self.error(format!(
                "expected an array, found {}: {RESAVE}",
                kind(self.value)
            ))
        })
    }

    /// Parses a non-negative integer that XGBoost writes as a string, such as
    /// `"num_feature": "3"`.
    pub(crate) fn count_text(&self) -> Result<usize, CoreError> {
        let text = self.as_str()?;
        text.trim().parse().map_err(|_| {
            self.error(format!(
                "`{text}` is not a whole number of at least 0: {RESAVE}"
            ))
        })
    }

    /// Returns an array of numbers rounded to float32, as XGBoost stores them.
    pub(crate) fn f32_array(&self) -> Result<Vec<f32>, CoreError> {
        self.array()?
            .iter()
            .enumerate()
            .map(|(index, value)| {
                // NOTE: serde_json parses each number to float64 first, so it is rounded twice.
                // XGBoost parses straight to float32, so in rare cases a value could differ by
                // one unit in the last place. The models of the fixture test show no case.
                value.as_f64().map(|v| v as f32).ok_or_else(|| {
                    self.element_error(index, format!("expected a number, found {}", kind(value)))
                })
            })
            .collect()
    }

    /// Returns an array of integers.
    pub(crate) fn i64_array(&self) -> Result<Vec<i64>, CoreError> {
        self.array()?
            .iter()
            .enumerate()
            .map(|(index, value)| {
                value.as_i64().ok_or_else(|| {
                    self.element_error(
                        index,
                        format!("expected a whole number, found {}", json_text(value)),
                    )
                })
            })
            .collect()
    }

    /// Returns an array of flags written as 0 and 1 (XGBoost 1.0 and later) or as booleans.
    pub(crate) fn flag_array(&self) -> Result<Vec<bool>, CoreError> {
        self.array()?
            .iter()
            .enumerate()
            .map(|(index, value)| match value {
                Value::Bool(flag) => Ok(*flag),
                Value::Number(number) if number.as_u64() == Some(0) => Ok(false),
                Value::Number(number) if number.as_u64() == Some(1) => Ok(true),
                other => Err(self.element_error(
                    index,
                    format!("expected 0 or 1, found {}", json_text(other)),
                )),
            })
            .collect()
    }

    /// Returns an array of strings.
    pub(crate) fn string_array(&self) -> Result<Vec<String>, CoreError> {
        self.array()?
            .iter()
            .enumerate()
            .map(|(index, value)| {
                value.as_str().map(str::to_string).ok_or_else(|| {
                    self.element_error(index, format!("expected a string, found {}", kind(value)))
                })
            })
            .collect()
    }

    fn element_error(&self, index: usize, message: String) -> CoreError {
        CoreError::invalid(
            format!("{}[{index}]", self.path),
            format!("{message}: {RESAVE}"),
        )
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_text(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => kind(value).to_string(),
        other => other.to_string(),
    }
}
