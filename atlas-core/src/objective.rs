//! Objectives: which quantity to push, in which direction, with what weight.

use serde::{Deserialize, Serialize};

/// Name under which a scenario refers to the plan's total spend as an objective.
pub const TOTAL_SPEND: &str = "total_spend";

/// Direction of an objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sense {
    /// More is better.
    Maximize,
    /// Less is better.
    Minimize,
}

impl Sense {
    /// +1 for maximize, -1 for minimize: multiplying by it makes larger always better.
    pub fn sign(self) -> f64 {
        match self {
            Sense::Maximize => 1.0,
            Sense::Minimize => -1.0,
        }
    }
}

/// The quantity an objective measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A model KPI, by its column in the model's output.
    Kpi(usize),
    /// The plan's total spend.
    TotalSpend,
}

/// One objective of the problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objective {
    /// Name shown in tables and charts.
    pub name: String,
    /// Measured quantity.
    pub measure: Measure,
    /// Direction.
    pub sense: Sense,
    /// Weight in the weighted sum, a share of the trade-off; the weights of a problem sum to 1.
    pub weight: f64,
}
