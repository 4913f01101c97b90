//! The charts of an optimization: a one-page summary and the response curves of every KPI,
//! drawn from the fields of result.json so that `atlas report` can redraw them from the file.

use std::collections::HashSet;

use anyhow::Result;
use atlas_core::curve_samples::{CurveMark, SampledCurve};
use atlas_report::{
    render_curves, render_summary, ChannelCurve, ChartSize, CurveChart, CurvePoint, ImageFormat,
    SummaryChannel, SummaryChart, SummaryKpi,
};
use serde::Deserialize;

use crate::output::StagedDir;

/// The fields of result.json that the charts need.
#[derive(Debug, Deserialize)]
pub struct OptimizeView {
    scenario: String,
    currency: String,
    kpi_names: Vec<String>,
    objectives: Vec<ObjectiveView>,
    weights: Vec<f64>,
    status: String,
    method: String,
    /// Index in `kpi_names` of the KPI the summary shows.
    primary_kpi: usize,
    current: PlanView,
    optimal: PlanView,
    response_curves: Vec<SampledCurve>,
}

#[derive(Debug, Deserialize)]
struct ObjectiveView {
    name: String,
}

#[derive(Debug, Deserialize)]
struct PlanView {
    kpis: Vec<f64>,
    total_spend: f64,
    channels: Vec<ChannelView>,
}

#[derive(Debug, Deserialize)]
struct ChannelView {
    name: String,
    spend: f64,
    share: f64,
    response: Vec<f64>,
    marginal: Vec<f64>,
}

impl OptimizeView {
    /// Checks that every list has the lengths the charts rely on, naming the first field
    /// that does not.
    pub fn check(&self) -> std::result::Result<(), String> {
        let kpis = self.kpi_names.len();
        let channels = self.optimal.channels.len();
        let mut problems = Vec::new();
        if kpis == 0 {
            problems.push("kpi_names is empty".to_owned());
        }
        if self.primary_kpi >= kpis {
            problems.push(format!(
                "primary_kpi is {} but kpi_names has {kpis} entries",
                self.primary_kpi
            ));
        }
        if self.weights.len() != self.objectives.len() {
            problems.push(format!(
                "weights has {} entries but objectives has {}",
                self.weights.len(),
                self.objectives.len()
            ));
        }
        for (label, plan) in [("current", &self.current), ("optimal", &self.optimal)] {
            if plan.kpis.len() != kpis {
                problems.push(format!(
                    "{label}.kpis has {} values but kpi_names has {kpis}",
                    plan.kpis.len()
                ));
            }
            if plan.channels.len() != channels {
                problems.push(format!(
                    "{label}.channels has {} entries but optimal.channels has {channels}",
                    plan.channels.len()
                ));
            }
            for (index, channel) in plan.channels.iter().enumerate() {
                if channel.response.len() != kpis || channel.marginal.len() != kpis {
                    problems.push(format!(
                        "{label}.channels[{index}] has {} responses and {} marginals but \
                         kpi_names has {kpis}",
                        channel.response.len(),
                        channel.marginal.len()
                    ));
                }
            }
        }
        if self.response_curves.len() != channels {
            problems.push(format!(
                "response_curves has {} curves but optimal.channels has {channels}",
                self.response_curves.len()
            ));
        }
        for (index, curve) in self.response_curves.iter().enumerate() {
            let samples = curve.spend.len();
            if curve.response.len() != kpis || curve.response.iter().any(|r| r.len() != samples) {
                problems.push(format!(
                    "response_curves[{index}].response is not {kpis} lists of {samples} values"
                ));
            }
            for label in ["current", "optimal"] {
                match curve.marks.iter().find(|mark| mark.label == label) {
                    Some(mark) if mark.response.len() == kpis && mark.marginal.len() == kpis => {}
                    Some(_) => problems.push(format!(
                        "response_curves[{index}] mark `{label}` does not have {kpis} values"
                    )),
                    None => {
                        problems.push(format!("response_curves[{index}] has no `{label}` mark"))
                    }
                }
            }
        }
        match problems.first() {
            Some(first) => Err(first.clone()),
            None => Ok(()),
        }
    }

    /// Returns the index of the KPI named `name`, or an error listing the KPIs.
    pub fn kpi_index(&self, name: &str) -> std::result::Result<usize, String> {
        self.kpi_names
            .iter()
            .position(|kpi| kpi == name)
            .ok_or_else(|| {
                format!(
                    "`{name}` is not a KPI of this result: use one of {}",
                    self.kpi_names.join(", ")
                )
            })
    }

    /// Index of the KPI the summary shows unless the user picks another.
    pub fn primary_kpi(&self) -> usize {
        self.primary_kpi
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.optimal.channels.len()
    }

    /// Returns the one-page summary showing KPI `kpi` per channel.
    fn summary_chart(&self, kpi: usize) -> SummaryChart {
        let weights: Vec<String> = self
            .objectives
            .iter()
            .zip(&self.weights)
            .map(|(objective, weight)| format!("{} {weight:.2}", objective.name))
            .collect();
        // The marginal return is the slope of the channel's curve at the recommended spend, so
        // the table and the curve panels agree. With a plan over periods and geos it is the
        // return of one more unit spread over the channel's cells in their recommended split,
        // not the mean of the cells' own marginal returns that result.json lists.
        let channels = self
            .current
            .channels
            .iter()
            .zip(&self.optimal.channels)
            .zip(&self.response_curves)
            .enumerate()
            .map(|(index, ((current, optimal), curve))| SummaryChannel {
                name: optimal.name.clone(),
                colour_index: index,
                current_spend: current.spend,
                recommended_spend: optimal.spend,
                share: optimal.share,
                current_response: current.response[kpi],
                recommended_response: optimal.response[kpi],
                marginal: curve
                    .marks
                    .iter()
                    .find(|mark| mark.label == "optimal")
                    .map_or(optimal.marginal[kpi], |mark| mark.marginal[kpi]),
            })
            .collect();
        SummaryChart {
            title: format!("{}: recommended budget", self.scenario),
            subtitle: format!(
                "weights {}; solver {}, {}",
                weights.join(", "),
                self.method,
                self.status.replace('_', " ")
            ),
            currency: self.currency.clone(),
            total_spend: SummaryKpi {
                name: "total spend".to_owned(),
                current: self.current.total_spend,
                recommended: self.optimal.total_spend,
            },
            kpis: self
                .kpi_names
                .iter()
                .enumerate()
                .map(|(k, name)| SummaryKpi {
                    name: name.clone(),
                    current: self.current.kpis[k],
                    recommended: self.optimal.kpis[k],
                })
                .collect(),
            response_kpi: self.kpi_names[kpi].clone(),
            channels,
            curves: self.curve_chart(kpi),
        }
    }

    /// Returns every channel's response curve of KPI `kpi`.
    fn curve_chart(&self, kpi: usize) -> CurveChart {
        let point = |mark: Option<&CurveMark>| {
            mark.map(|mark| CurvePoint {
                spend: mark.spend,
                response: mark.response[kpi],
                marginal: mark.marginal[kpi],
            })
        };
        let channels = self
            .response_curves
            .iter()
            .enumerate()
            .map(|(index, curve)| {
                let mark = |label: &str| curve.marks.iter().find(|mark| mark.label == label);
                let end = curve.spend.last().copied().unwrap_or(0.0);
                ChannelCurve {
                    name: curve.channel.clone(),
                    colour_index: index,
                    spend: curve.spend.clone(),
                    response: curve.response[kpi].clone(),
                    current: point(mark("current")).unwrap_or_default(),
                    optimal: point(mark("optimal")),
                    bounds: Some((curve.lower.min(end), curve.upper.min(end))),
                }
            })
            .collect();
        CurveChart {
            title: format!(
                "{}: response curves of {}",
                self.scenario, self.kpi_names[kpi]
            ),
            currency: self.currency.clone(),
            kpi_label: self.kpi_names[kpi].clone(),
            channels,
        }
    }

    /// Returns the file stem of each KPI's curve chart, such as `curves-revenue`.
    fn curve_stems(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        self.kpi_names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let slug = slug(name);
                let stem = if slug.is_empty() || !seen.insert(slug.clone()) {
                    format!("curves-kpi-{}", index + 1)
                } else {
                    format!("curves-{slug}")
                };
                seen.insert(stem.clone());
                stem
            })
            .collect()
    }

    /// Returns every chart file name this result can produce, for clearing stale ones.
    pub fn chart_files(&self) -> Vec<String> {
        let mut stems = vec!["summary".to_owned()];
        stems.extend(self.curve_stems());
        stems
            .iter()
            .flat_map(|stem| [format!("{stem}.svg"), format!("{stem}.png")])
            .collect()
    }

    /// Draws the summary for KPI `kpi` and every KPI's response curves into `stage`, and
    /// returns the names of the files written.
    pub fn draw(
        &self,
        stage: &StagedDir,
        kpi: usize,
        formats: &[ImageFormat],
        size: ChartSize,
    ) -> Result<Vec<String>> {
        let mut written = Vec::new();
        let summary = self.summary_chart(kpi);
        let stems = self.curve_stems();
        for &format in formats {
            let extension = format.extension();
            let name = format!("summary.{extension}");
            render_summary(&summary, &stage.path(&name), format, size)?;
            written.push(name);
            for (k, stem) in stems.iter().enumerate() {
                let name = format!("{stem}.{extension}");
                render_curves(&self.curve_chart(k), &stage.path(&name), format, size)?;
                written.push(name);
            }
        }
        Ok(written)
    }
}

/// Lower-cases `name` and joins its letters and digits with hyphens: `Brand Awareness (%)`
/// becomes `brand-awareness`.
fn slug(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_joins_words() {
        assert_eq!(slug("Brand Awareness (%)"), "brand-awareness");
        assert_eq!(slug("revenue"), "revenue");
        assert_eq!(slug("€"), "");
    }
}
