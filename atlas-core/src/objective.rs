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

/// Summary of a KPI over the model's posterior draws.
///
/// The worse tail is the low one for a maximized KPI and the high one for a minimized KPI,
/// so `Cvar { level: 0.1 }` on revenue is the mean revenue of the worst 10 % of draws.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(tag = "measure", rename_all = "snake_case")]
pub enum Risk {
    /// Mean over draws.
    #[default]
    Mean,
    /// The `level` quantile from the worse end, linearly interpolated between draws.
    Quantile {
        /// Tail share in (0, 1).
        level: f64,
    },
    /// Conditional value at risk: the mean of the worst `level * draws` draws, the draw on the
    /// boundary counted by its fraction.
    Cvar {
        /// Tail share in (0, 1).
        level: f64,
    },
}

impl Risk {
    /// Weights over draws such that the summary is `sum_d weights[d] * values[d]`; they sum
    /// to 1. Ties between draws are broken by draw index, so the weights are deterministic.
    pub fn draw_weights(&self, values: &[f64], sense: Sense) -> Vec<f64> {
        let n = values.len();
        let mut weights = vec![0.0; n];
        if n == 0 {
            return weights;
        }
        if let Risk::Mean = self {
            return vec![1.0 / n as f64; n];
        }
        let mut order: Vec<usize> = (0..n).collect();
        // Worst first: ascending for a maximized KPI, descending for a minimized one.
        order.sort_by(|&a, &b| {
            let by_value = values[a].total_cmp(&values[b]);
            let by_value = if sense == Sense::Maximize {
                by_value
            } else {
                by_value.reverse()
            };
            by_value.then(a.cmp(&b))
        });
        match *self {
            Risk::Quantile { level } => {
                let position = clamp_level(level) * (n - 1) as f64;
                let low = (position.floor() as usize).min(n - 1);
                let high = (position.ceil() as usize).min(n - 1);
                let fraction = position - low as f64;
                weights[order[low]] += 1.0 - fraction;
                weights[order[high]] += fraction;
            }
            Risk::Cvar { level } => {
                // The tail has level * n draws: whole draws weigh 1 / tail each, and the draw
                // on the boundary weighs the fraction left, so CVaR is continuous in level.
                let tail = (clamp_level(level) * n as f64).max(1.0);
                let mut left = tail;
                for &draw in &order {
                    let share = left.min(1.0);
                    if share <= 0.0 {
                        break;
                    }
                    weights[draw] = share / tail;
                    left -= share;
                }
            }
            Risk::Mean => {}
        }
        weights
    }
}

/// Keeps a tail share inside [0, 1]; a NaN share counts as 1, the mean.
fn clamp_level(level: f64) -> f64 {
    if level.is_nan() {
        1.0
    } else {
        level.clamp(0.0, 1.0)
    }
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
    /// Summary of the KPI over posterior draws.
    pub risk: Risk,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(risk: Risk, values: &[f64], sense: Sense) -> f64 {
        let weights = risk.draw_weights(values, sense);
        weights.iter().zip(values).map(|(w, v)| w * v).sum()
    }

    #[test]
    fn risk_summaries_match_hand_values() {
        let values = [40.0, 10.0, 30.0, 20.0, 50.0];
        assert_eq!(summary(Risk::Mean, &values, Sense::Maximize), 30.0);
        // Sorted low to high: 10, 20, 30, 40, 50; the 0.25 quantile sits at position 1.
        assert_eq!(
            summary(Risk::Quantile { level: 0.25 }, &values, Sense::Maximize),
            20.0
        );
        // Position 0.1 * 4 = 0.4 between 10 and 20.
        let interpolated = summary(Risk::Quantile { level: 0.1 }, &values, Sense::Maximize);
        assert!((interpolated - 14.0).abs() < 1e-12);
        // The worst ceil(0.4 * 5) = 2 draws: 10 and 20 when maximizing, 50 and 40 when minimizing.
        assert_eq!(
            summary(Risk::Cvar { level: 0.4 }, &values, Sense::Maximize),
            15.0
        );
        assert_eq!(
            summary(Risk::Cvar { level: 0.4 }, &values, Sense::Minimize),
            45.0
        );
    }

    #[test]
    fn cvar_tail_is_exact_for_fractional_levels() {
        // 0.07 * 100 is 7.000000000000001 in floating point: the tail is still 7 draws.
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        let cvar = summary(Risk::Cvar { level: 0.07 }, &values, Sense::Maximize);
        assert!((cvar - 3.0).abs() < 1e-9, "{cvar}");
        // 2.5 draws: 0 and 1 whole, 2 by half, over 2.5.
        let values = [0.0, 1.0, 2.0, 3.0, 4.0];
        let cvar = summary(Risk::Cvar { level: 0.5 }, &values, Sense::Maximize);
        assert!((cvar - 2.0 / 2.5).abs() < 1e-12, "{cvar}");
    }

    #[test]
    fn out_of_range_levels_do_not_panic() {
        let values = [1.0, 2.0, 3.0];
        for level in [1.5, -0.5, f64::NAN] {
            for risk in [Risk::Quantile { level }, Risk::Cvar { level }] {
                let sum: f64 = risk.draw_weights(&values, Sense::Maximize).iter().sum();
                assert!((sum - 1.0).abs() < 1e-12, "{risk:?}");
            }
        }
    }

    #[test]
    fn risk_weights_sum_to_one() {
        let values = [3.0, 3.0, 1.0, 7.0];
        for risk in [
            Risk::Mean,
            Risk::Quantile { level: 0.3 },
            Risk::Cvar { level: 0.6 },
        ] {
            let sum: f64 = risk.draw_weights(&values, Sense::Maximize).iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "{risk:?}");
        }
    }
}
