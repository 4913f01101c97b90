//! XGBoost tree models saved as JSON, evaluated natively.
//!
//! [`Booster`] reads the file that XGBoost 1.0 and later write with `save_model("model.json")`:
//! a gbtree or dart booster with one output, numerical splits and a supported objective
//! ([`objective::SUPPORTED`]). Its predictions follow XGBoost's CPU predictor. Feature values
//! are cast to float32, a value goes left when it is below the float32 threshold, and a
//! missing (NaN) value goes the split's default direction. The base margin and the leaf values
//! add up in float32 in tree order before the objective's inverse link. The fixture test
//! (atlas-core/tests/xgboost.rs) compares the predictions with XGBoost 3.2.0's own.
//!
//! [`XgboostModel`] turns one booster per KPI into a [`crate::ResponseModel`] by mapping each
//! model feature to a channel's spend, a fixed context value or a missing value.

mod booster;
mod json;
pub mod objective;
mod response;
mod tree;

pub use booster::Booster;
pub use objective::Objective;
pub use response::{XgboostModel, XgboostOutputSpec};

#[cfg(test)]
mod tests;
