//! The decision problem at the heart of Atlas.
//!
//! A fitted response model, a set of named channels with bounds and groups, business rules as
//! typed constraints, and objectives with weights make a [`Problem`]. Scenario files describe
//! one in TOML; importers write scenario files from the exports of fitting tools such as Robyn.
//!
//! ```
//! use atlas_core::scenario::ScenarioFile;
//!
//! let text = r#"
//! name = "two channels"
//! [model]
//! type = "response_curves"
//! kpis = ["revenue"]
//! curves = [
//!   { channel = "search", kpi = "revenue", coefficient = 900.0, alpha = 1.0, inflexion = 50.0 },
//!   { channel = "tv", kpi = "revenue", coefficient = 600.0, alpha = 2.0, inflexion = 80.0 },
//! ]
//! [[channels]]
//! name = "search"
//! current = 60.0
//! [[channels]]
//! name = "tv"
//! current = 40.0
//! [[constraints]]
//! type = "total_budget"
//! equals = 100.0
//! [[objectives]]
//! kpi = "revenue"
//! sense = "maximize"
//! "#;
//! let problem = ScenarioFile::parse(text, "example").unwrap().build().unwrap();
//! let plan = problem.evaluate_plan(&problem.current).unwrap();
//! assert!(plan.kpis[0] > 0.0);
//! assert!(plan.checks.iter().all(|c| c.satisfied));
//! ```

pub mod adstock;
pub mod cache;
pub mod cmaes;
pub mod constraint;
pub mod curve;
pub mod curve_samples;
pub mod error;
pub mod exact;
pub mod external;
pub mod feasibility;
pub mod flighting;
pub mod model;
pub mod objective;
pub mod problem;
pub mod projection;
pub mod robyn;
pub mod saturation;
pub mod scenario;
pub mod search;
pub mod solve;
pub mod space;
pub mod sqp;
pub mod xgboost;

pub use constraint::{Constraint, ConstraintCheck, ConstraintKind, Rule};
pub use curve::{CurveSpec, ResponseCurve, ResponseCurveModel};
pub use error::CoreError;
pub use model::ResponseModel;
pub use objective::{Measure, Objective, Sense};
pub use problem::{PlanEvaluation, Problem, SolverSettings};
pub use scenario::ScenarioFile;
pub use space::{Channel, DecisionSpace};
