//! Black-box models that run outside Atlas: an external program that speaks JSON lines on
//! stdin and stdout ([`CommandModel`]), and an HTTP service ([`HttpModel`]).
//!
//! Neither gives gradients nor is known to be a sum of per-channel terms, so `auto` solves
//! them with CMA-ES, and finite differences stand in for gradients where a solver needs them.
//! Both are usually wrapped in a [`crate::cache::CachedModel`], because solvers evaluate the
//! same plan more than once.
//!
//! A black-box model has no per-channel terms, so a channel's contribution is defined by
//! removal: the KPIs at the plan minus the KPIs at the same plan with that channel's spend set
//! to 0 ([`contributions_by_removal`]). For a model that is not a sum of per-channel terms,
//! the contributions do not add up to the KPIs minus the KPIs at zero spend.

mod command;
mod http;

use std::time::Duration;

use ndarray::{Array2, ArrayView1, Axis};

pub use command::{CommandModel, CommandSettings};
pub use http::{HttpHeader, HttpModel, HttpSettings};

use crate::error::CoreError;
use crate::model::{check_columns, ResponseModel};
use crate::objective::TOTAL_SPEND;

/// Maximum `timeout_seconds` of an external model: one week.
pub const MAX_TIMEOUT_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// Maximum `retries` of an external model.
pub const MAX_RETRIES: u32 = 100;

/// Maximum characters of a program's line or a service's body quoted in an error.
const EXCERPT_CHARS: usize = 200;

/// Per-channel contributions of one plan (channels x KPIs), by removal: each channel's
/// contribution is the KPIs at `spend` minus the KPIs at `spend` with that channel set to 0.
///
/// Every plan goes to `model` in one batch: the plan first, then one row per channel with
/// spend above 0. A channel whose spend is already 0 contributes exactly 0.
///
/// # Errors
///
/// Returns [`CoreError::Model`] when `spend` has the wrong length or the model fails.
pub fn contributions_by_removal(
    model: &dyn ResponseModel,
    spend: ArrayView1<'_, f64>,
) -> Result<Array2<f64>, CoreError> {
    check_columns(model, spend.len())?;
    let removed: Vec<usize> = (0..spend.len()).filter(|&c| spend[c] != 0.0).collect();
    let mut plans = Array2::zeros((removed.len() + 1, spend.len()));
    for mut row in plans.axis_iter_mut(Axis(0)) {
        row.assign(&spend);
    }
    for (row, &channel) in removed.iter().enumerate() {
        plans[[row + 1, channel]] = 0.0;
    }
    let values = model.evaluate(plans.view())?;
    let kpis = model.kpis().len();
    if values.dim() != (plans.nrows(), kpis) {
        return Err(CoreError::Model(format!(
            "the model returned a {:?} array for {} plans and {kpis} KPIs",
            values.dim(),
            plans.nrows()
        )));
    }
    let mut out = Array2::zeros((spend.len(), kpis));
    for (row, &channel) in removed.iter().enumerate() {
        for k in 0..kpis {
            out[[channel, k]] = values[[0, k]] - values[[row + 1, k]];
        }
    }
    Ok(out)
}

/// Checks the KPI names of an external model: at least one, none empty, none twice, and not
/// the reserved `total_spend`.
pub(crate) fn check_kpi_names(field: &str, kpis: &[String]) -> Result<(), CoreError> {
    if kpis.is_empty() {
        return Err(CoreError::invalid(
            field,
            "no KPI is listed: name every KPI that the model returns, such as [\"revenue\"]",
        ));
    }
    for (index, kpi) in kpis.iter().enumerate() {
        if kpi.trim().is_empty() {
            return Err(CoreError::invalid(
                format!("{field}[{index}]"),
                "the KPI name is empty: give it a name",
            ));
        }
        if kpi == TOTAL_SPEND {
            return Err(CoreError::invalid(
                format!("{field}[{index}]"),
                format!("`{TOTAL_SPEND}` is reserved for the plan's total spend: rename the KPI"),
            ));
        }
        if kpis[..index].contains(kpi) {
            return Err(CoreError::invalid(
                format!("{field}[{index}]"),
                format!("`{kpi}` is listed twice: list each KPI once"),
            ));
        }
    }
    Ok(())
}

/// Converts a `timeout_seconds` setting into a duration.
pub(crate) fn timeout(field: &str, seconds: f64) -> Result<Duration, CoreError> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(CoreError::invalid(
            field,
            format!(
                "{seconds} is out of range: use a number of seconds above 0 and at most \
                 {MAX_TIMEOUT_SECONDS}, such as 30"
            ),
        ))
    }
}

/// Checks a `retries` setting.
pub(crate) fn check_retries(field: &str, retries: u32) -> Result<(), CoreError> {
    if retries <= MAX_RETRIES {
        Ok(())
    } else {
        Err(CoreError::invalid(
            field,
            format!("{retries} is out of range: use at most {MAX_RETRIES}"),
        ))
    }
}

/// Shortens `text` to [`EXCERPT_CHARS`] characters on one line, for quoting in errors.
pub(crate) fn excerpt(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS + 1)
        .collect();
    if line.chars().count() > EXCERPT_CHARS {
        let short: String = line.chars().take(EXCERPT_CHARS).collect();
        format!("{short}...")
    } else {
        line
    }
}

/// Formats seconds for messages: `0.2 s`, `30 s`.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::{CurveSpec, ResponseCurveModel};

    fn two_channel_model() -> ResponseCurveModel {
        let curve = |channel: &str, coefficient: f64| -> CurveSpec {
            toml::from_str(&format!(
                "channel = \"{channel}\"\nkpi = \"revenue\"\ncoefficient = {coefficient}\n\
                 alpha = 1.0\ninflexion = 50.0\n"
            ))
            .unwrap()
        };
        ResponseCurveModel::new(
            vec!["search".into(), "tv".into()],
            vec!["revenue".into()],
            vec![10.0],
            &[curve("search", 900.0), curve("tv", 600.0)],
        )
        .unwrap()
    }

    #[test]
    fn removal_matches_separable_contributions() {
        let model = two_channel_model();
        let plan = ndarray::array![60.0, 40.0];
        let by_removal = contributions_by_removal(&model, plan.view()).unwrap();
        let exact = model.contributions(plan.view()).unwrap();
        for (a, b) in by_removal.iter().zip(exact.iter()) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn removal_gives_zero_for_unfunded_channel() {
        let model = two_channel_model();
        let plan = ndarray::array![60.0, 0.0];
        let by_removal = contributions_by_removal(&model, plan.view()).unwrap();
        assert_eq!(by_removal[[1, 0]], 0.0);
        assert!(by_removal[[0, 0]] > 0.0);
    }

    #[test]
    fn removal_rejects_wrong_plan_length() {
        let model = two_channel_model();
        let error = contributions_by_removal(&model, ndarray::array![1.0].view()).unwrap_err();
        assert!(error.to_string().contains("2 channels"), "{error}");
    }

    #[test]
    fn kpi_names_are_checked() {
        let field = "model.kpis";
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_kpi_names(field, &names(&["revenue", "reach"])).is_ok());
        let empty = check_kpi_names(field, &[]).unwrap_err().to_string();
        assert!(empty.contains("no KPI"), "{empty}");
        let twice = check_kpi_names(field, &names(&["revenue", "revenue"]))
            .unwrap_err()
            .to_string();
        assert!(twice.contains("model.kpis[1]"), "{twice}");
        assert!(twice.contains("twice"), "{twice}");
        let reserved = check_kpi_names(field, &names(&["total_spend"]))
            .unwrap_err()
            .to_string();
        assert!(reserved.contains("reserved"), "{reserved}");
        let blank = check_kpi_names(field, &names(&[" "]))
            .unwrap_err()
            .to_string();
        assert!(blank.contains("empty"), "{blank}");
    }

    #[test]
    fn timeout_rejects_out_of_range() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e12] {
            let error = timeout("model.timeout_seconds", bad)
                .unwrap_err()
                .to_string();
            assert!(error.contains("model.timeout_seconds"), "{error}");
            assert!(error.contains("out of range"), "{error}");
        }
        assert_eq!(
            timeout("model.timeout_seconds", 0.5).unwrap(),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn excerpt_cuts_long_text() {
        let long = "x".repeat(500);
        let short = excerpt(&long);
        assert_eq!(short.chars().count(), EXCERPT_CHARS + 3);
        assert!(short.ends_with("..."));
        assert_eq!(excerpt("a\nb"), "a b");
    }
}
