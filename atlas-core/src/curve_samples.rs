//! Response curves sampled from a problem's model, one per channel, for charts and reports.
//!
//! A channel's curve keeps every other channel at a base plan and varies the channel's own
//! spend. With a plan over periods and geos, the channel's cells keep the base plan's split
//! between them while their total varies, so the curve answers "what if this channel's whole
//! budget were larger or smaller". For a model whose KPIs are a sum of per-channel terms, the
//! curve does not depend on the base plan.

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use crate::{CoreError, Problem, Rule};

/// Points sampled on each curve unless the caller asks for another count.
pub const DEFAULT_SAMPLES: usize = 61;

/// One channel's contribution to every KPI as a function of its spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampledCurve {
    /// Channel name.
    pub channel: String,
    /// Lowest total spend that the channel's bounds, held spend and spend bounds allow.
    pub lower: f64,
    /// Highest total spend that the channel's bounds, held spend and spend bounds allow.
    pub upper: f64,
    /// Spend values, strictly ascending from 0.
    pub spend: Vec<f64>,
    /// Contribution of the channel to each KPI at each spend: `response[kpi][sample]`.
    pub response: Vec<Vec<f64>>,
    /// The marked plans' points on the curve, in the order the plans were passed.
    pub marks: Vec<CurveMark>,
}

/// A plan's point on a channel's curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveMark {
    /// Label of the plan, such as `current` or `optimal`.
    pub label: String,
    /// The channel's total spend in that plan.
    pub spend: f64,
    /// Contribution of the channel to each KPI at that spend, on the curve.
    pub response: Vec<f64>,
    /// Slope of the curve for each KPI at that spend: response per extra unit of spend.
    pub marginal: Vec<f64>,
}

/// Samples every channel's curve around `base`, marking each plan of `marks` on it.
///
/// The curve of a channel runs from 0 to 1.5 times the largest of its marked spends and its
/// lower bound, extended to its upper bound when that is at most 3 times as far. A channel
/// with no spend anywhere and no bounds above 0 gets a curve up to an equal share of the base
/// plan's total. Marginal returns are central differences along the curve, with a step of
/// 1e-6 of the spend (at least 1e-6), one-sided at 0.
///
/// # Errors
///
/// Returns [`CoreError::Model`] when `base` or a marked plan has the wrong length, when
/// `samples` is below 2, or when the model fails.
pub fn sample_curves(
    problem: &Problem,
    base: &[f64],
    marks: &[(&str, &[f64])],
    samples: usize,
) -> Result<Vec<SampledCurve>, CoreError> {
    let decisions = problem.space.len();
    if base.len() != decisions {
        return Err(CoreError::Model(format!(
            "the base plan has {} values but the problem has {decisions} decisions",
            base.len()
        )));
    }
    for (label, plan) in marks {
        if plan.len() != decisions {
            return Err(CoreError::Model(format!(
                "the {label} plan has {} values but the problem has {decisions} decisions",
                plan.len()
            )));
        }
    }
    if samples < 2 {
        return Err(CoreError::Model(format!(
            "a response curve needs at least 2 samples, got {samples}"
        )));
    }
    let names = problem.channel_names();
    let fallback = base.iter().sum::<f64>() / names.len().max(1) as f64;
    names
        .iter()
        .enumerate()
        .map(|(channel, name)| {
            let cells = channel_cells(problem, channel);
            let line = CurveLine::new(problem, base, &cells, marks);
            let (lower, upper) = channel_range(problem, &cells);
            let marked: Vec<f64> = marks
                .iter()
                .map(|(_, plan)| cells.iter().map(|&i| plan[i]).sum())
                .collect();
            let end = curve_end(&marked, lower, upper, fallback);
            let spend: Vec<f64> = (0..samples)
                .map(|k| end * k as f64 / (samples - 1) as f64)
                .collect();
            let mut response = vec![Vec::with_capacity(samples); problem.kpi_names().len()];
            for &s in &spend {
                for (series, value) in response.iter_mut().zip(line.response(s)?) {
                    series.push(value);
                }
            }
            let marks = marks
                .iter()
                .zip(&marked)
                .map(|((label, _), &s)| {
                    Ok(CurveMark {
                        label: (*label).to_owned(),
                        spend: s,
                        response: line.response(s)?,
                        marginal: line.slope(s)?,
                    })
                })
                .collect::<Result<Vec<_>, CoreError>>()?;
            Ok(SampledCurve {
                channel: name.clone(),
                lower,
                upper,
                spend,
                response,
                marks,
            })
        })
        .collect()
}

/// Returns the decisions that make up `channel`, without masked cells.
fn channel_cells(problem: &Problem, channel: usize) -> Vec<usize> {
    match &problem.layout {
        Some(layout) => layout
            .channel_cells(channel)
            .filter(|&cell| !layout.is_masked(cell))
            .collect(),
        None => vec![channel],
    }
}

/// Returns the lowest and highest total spend of `cells` that their bounds and the rules on
/// them alone allow: channel bounds, held spends and spend bounds on exactly these cells.
/// Rules that tie the cells to others, such as shares and ratios, are left out.
fn channel_range(problem: &Problem, cells: &[usize]) -> (f64, f64) {
    let space = problem.space.channels();
    let mut lower: Vec<f64> = cells.iter().map(|&i| space[i].lower).collect();
    let mut upper: Vec<f64> = cells.iter().map(|&i| space[i].upper).collect();
    let mut total = (0.0, f64::INFINITY);
    for constraint in &problem.constraints {
        match &constraint.rule {
            Rule::ChannelBounds {
                channel,
                lower: low,
                upper: high,
            } => {
                if let Some(k) = cells.iter().position(|c| c == channel) {
                    lower[k] = lower[k].max(*low);
                    upper[k] = upper[k].min(*high);
                }
            }
            Rule::Fixed { channel, amount } => {
                if let Some(k) = cells.iter().position(|c| c == channel) {
                    lower[k] = *amount;
                    upper[k] = *amount;
                }
            }
            Rule::SpendBounds {
                cells: ruled,
                lower: low,
                upper: high,
            } if same_cells(ruled, cells) => {
                total.0 = low.map_or(total.0, |low| f64::max(total.0, low));
                total.1 = high.map_or(total.1, |high| f64::min(total.1, high));
            }
            _ => {}
        }
    }
    let lower = lower.iter().sum::<f64>().max(total.0);
    let upper = upper.iter().sum::<f64>().min(total.1).max(lower);
    (lower, upper)
}

fn same_cells(ruled: &[usize], cells: &[usize]) -> bool {
    let mut ruled = ruled.to_vec();
    ruled.sort_unstable();
    ruled.dedup();
    ruled == cells
}

/// Returns the largest spend a curve shows.
fn curve_end(marked: &[f64], lower: f64, upper: f64, fallback: f64) -> f64 {
    let reach = marked.iter().copied().fold(lower, f64::max);
    if reach > 0.0 {
        let end = 1.5 * reach;
        if upper > end && upper <= 3.0 * reach {
            upper
        } else {
            end
        }
    } else if upper > 0.0 {
        upper
    } else if fallback > 0.0 {
        fallback
    } else {
        1.0
    }
}

/// The plans along one channel's curve: the base plan with the channel's cells set to a total
/// spend, split as in the first plan that spends on the channel.
struct CurveLine<'a> {
    problem: &'a Problem,
    base: &'a [f64],
    cells: Vec<usize>,
    split: Vec<f64>,
}

impl<'a> CurveLine<'a> {
    fn new(
        problem: &'a Problem,
        base: &'a [f64],
        cells: &[usize],
        marks: &[(&str, &[f64])],
    ) -> Self {
        let plans = std::iter::once(base).chain(marks.iter().map(|(_, plan)| *plan));
        let split = plans
            .map(|plan| cells.iter().map(|&i| plan[i]).collect::<Vec<f64>>())
            .find_map(|spend| {
                let total: f64 = spend.iter().sum();
                (total > 0.0).then(|| spend.iter().map(|s| s / total).collect())
            })
            .unwrap_or_else(|| vec![1.0 / cells.len().max(1) as f64; cells.len()]);
        CurveLine {
            problem,
            base,
            cells: cells.to_vec(),
            split,
        }
    }

    /// Returns the channel's contribution to each KPI at total spend `spend`.
    fn response(&self, spend: f64) -> Result<Vec<f64>, CoreError> {
        let mut plan = self.base.to_vec();
        for (&cell, share) in self.cells.iter().zip(&self.split) {
            plan[cell] = spend * share;
        }
        let contributions = self.problem.model.contributions(ArrayView1::from(&plan))?;
        let kpis = contributions.ncols();
        Ok((0..kpis)
            .map(|k| self.cells.iter().map(|&i| contributions[[i, k]]).sum())
            .collect())
    }

    /// Returns the slope of each KPI's curve at `spend`.
    fn slope(&self, spend: f64) -> Result<Vec<f64>, CoreError> {
        let step = 1e-6 * spend.abs().max(1.0);
        let low = (spend - step).max(0.0);
        let high = spend + step;
        let above = self.response(high)?;
        let below = self.response(low)?;
        Ok(above
            .iter()
            .zip(&below)
            .map(|(a, b)| (a - b) / (high - low))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioFile;

    const SCENARIO: &str = r#"
name = "two channels"
[model]
type = "response_curves"
kpis = ["revenue", "reach"]
curves = [
  { channel = "search", kpi = "revenue", coefficient = 900.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "tv", kpi = "revenue", coefficient = 600.0, alpha = 2.0, inflexion = 80.0 },
  { channel = "tv", kpi = "reach", coefficient = 10.0, alpha = 1.0, inflexion = 20.0 },
]
[[channels]]
name = "search"
current = 60.0
upper = 1000.0
[[channels]]
name = "tv"
current = 40.0
upper = 100.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;

    fn problem() -> Problem {
        ScenarioFile::parse(SCENARIO, "test")
            .expect("scenario parses")
            .build()
            .expect("scenario builds")
    }

    #[test]
    fn curve_matches_plan_contributions() {
        let problem = problem();
        let optimal = [45.0, 55.0];
        let curves = sample_curves(
            &problem,
            &optimal,
            &[("current", &problem.current), ("optimal", &optimal)],
            DEFAULT_SAMPLES,
        )
        .expect("curves");
        assert_eq!(curves.len(), 2);
        for (c, curve) in curves.iter().enumerate() {
            for mark in &curve.marks {
                let mut plan = optimal.to_vec();
                plan[c] = mark.spend;
                let evaluation = problem.evaluate_plan(&plan).expect("evaluation");
                for k in 0..2 {
                    let expected = evaluation.contributions[c][k];
                    assert!((mark.response[k] - expected).abs() < 1e-9, "{curve:?}");
                    let slope = evaluation.marginals[c][k];
                    assert!((mark.marginal[k] - slope).abs() < 1e-5 * slope.abs().max(1.0));
                }
            }
        }
        assert_eq!(curves[0].marks[0].spend, 60.0);
        assert_eq!(curves[1].marks[1].spend, 55.0);
    }

    #[test]
    fn curve_spans_marks_and_ascends() {
        let problem = problem();
        let optimal = [45.0, 55.0];
        let curves = sample_curves(
            &problem,
            &optimal,
            &[("current", &problem.current), ("optimal", &optimal)],
            11,
        )
        .expect("curves");
        let search = &curves[0];
        assert_eq!(search.spend.len(), 11);
        assert_eq!(search.spend[0], 0.0);
        // search's upper bound of 1000 is beyond 3 times its largest spend of 60, so the curve
        // ends at 1.5 times that spend.
        assert!(
            (search.spend[10] - 90.0).abs() < 1e-12,
            "{:?}",
            search.spend
        );
        assert!(search.spend.windows(2).all(|w| w[1] > w[0]));
        // tv's upper bound of 100 is within 3 times its largest spend of 55, so the curve
        // reaches it.
        assert_eq!(curves[1].spend[10], 100.0);
        assert_eq!(curves[1].upper, 100.0);
        assert_eq!(search.response.len(), 2);
        assert!(search.response[1].iter().all(|r| *r == 0.0));
    }

    #[test]
    fn held_channel_range_is_its_spend() {
        let text = SCENARIO.replace(
            "[[objectives]]",
            "[[constraints]]\ntype = \"fixed\"\nname = \"tv held\"\nchannel = \"tv\"\n\n\
             [[constraints]]\ntype = \"channel_bounds\"\nname = \"search floor\"\n\
             channel = \"search\"\nlower = 10.0\n\n[[objectives]]",
        );
        let problem = ScenarioFile::parse(&text, "test")
            .expect("scenario parses")
            .build()
            .expect("scenario builds");
        let curves = sample_curves(&problem, &problem.current, &[], 5).expect("curves");
        assert_eq!((curves[1].lower, curves[1].upper), (40.0, 40.0));
        assert_eq!(curves[0].lower, 10.0);
    }

    #[test]
    fn wrong_plan_length_is_rejected() {
        let problem = problem();
        let error = sample_curves(&problem, &[1.0], &[], DEFAULT_SAMPLES).unwrap_err();
        assert!(error.to_string().contains("1 values"), "{error}");
        let error = sample_curves(&problem, &[1.0, 2.0], &[("current", &[1.0])], 5).unwrap_err();
        assert!(error.to_string().contains("current plan"), "{error}");
        let error = sample_curves(&problem, &[1.0, 2.0], &[], 1).unwrap_err();
        assert!(error.to_string().contains("at least 2 samples"), "{error}");
    }

    #[test]
    fn curve_end_covers_unspent_channels() {
        assert_eq!(curve_end(&[0.0, 0.0], 0.0, 0.0, 50.0), 50.0);
        assert_eq!(curve_end(&[0.0], 0.0, 30.0, 50.0), 30.0);
        assert_eq!(curve_end(&[10.0], 0.0, 1_000.0, 50.0), 15.0);
        assert_eq!(curve_end(&[], 0.0, 0.0, 0.0), 1.0);
    }
}
