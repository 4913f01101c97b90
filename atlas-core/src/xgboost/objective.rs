//! XGBoost objectives: how the saved base score becomes a margin and how a margin becomes a
//! prediction.
//!
//! XGBoost 1.0 and later save `learner_model_param.base_score` as a prediction (for example a
//! probability for `reg:logistic`) and turn it into a margin when they load the model. The
//! formulas and their float32 arithmetic follow XGBoost 3.2.0's `src/objective/regression_loss.h`,
//! `src/objective/regression_obj.cu` and `src/common/math.h`.

/// Objectives with one output that the loader accepts.
pub const SUPPORTED: [&str; 12] = [
    "reg:squarederror",
    "reg:linear",
    "reg:squaredlogerror",
    "reg:pseudohubererror",
    "reg:absoluteerror",
    "reg:quantileerror",
    "reg:logistic",
    "binary:logistic",
    "binary:logitraw",
    "count:poisson",
    "reg:tweedie",
    "reg:gamma",
];

/// The inverse link between a margin (the sum of the base margin and the tree leaves) and a
/// prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The prediction is the margin.
    Identity,
    /// The prediction is the sigmoid of the margin, and the base margin the logit of the base
    /// score.
    Logit,
    /// The prediction is the exponential of the margin, and the base margin the logarithm of
    /// the base score.
    Log,
}

/// A supported objective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objective {
    name: String,
    /// Link of the prediction. `binary:logitraw` trains with a logistic loss but predicts the
    /// margin itself, and saves its base score as a margin, so its link is the identity.
    link: Link,
}

impl Objective {
    /// Looks up an objective by the name XGBoost saves in `learner.objective.name`.
    ///
    /// # Errors
    ///
    /// Returns a message for an objective with several outputs, one that ranks or models
    /// survival, and an unknown name.
    pub fn from_name(name: &str) -> Result<Self, String> {
        let link = match name {
            "reg:squarederror"
            | "reg:linear"
            | "reg:squaredlogerror"
            | "reg:pseudohubererror"
            | "reg:absoluteerror"
            | "reg:quantileerror"
            | "binary:logitraw" => Link::Identity,
            "reg:logistic" | "binary:logistic" => Link::Logit,
            "count:poisson" | "reg:tweedie" | "reg:gamma" => Link::Log,
            "multi:softmax" | "multi:softprob" => {
                return Err(format!(
                    "`{name}` is a multi-class objective, and Atlas evaluates models with one \
                     output: train one regressor per KPI"
                ))
            }
            _ if name.starts_with("rank:") || name.starts_with("survival:") => {
                return Err(format!(
                    "`{name}` ranks or models survival times and predicts no KPI: train a \
                     regressor with one of {}",
                    SUPPORTED.join(", ")
                ))
            }
            _ => {
                return Err(format!(
                    "`{name}` is not a supported objective: use one of {}",
                    SUPPORTED.join(", ")
                ))
            }
        };
        Ok(Self {
            name: name.to_string(),
            link,
        })
    }

    /// Returns the objective's name, for example `reg:squarederror`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the objective's link.
    pub fn link(&self) -> Link {
        self.link
    }

    /// Converts the saved base score to a margin, in float32 as XGBoost does.
    ///
    /// # Errors
    ///
    /// Returns a message when the base score is not finite, is outside [0, 1] for a logit
    /// link, or is not above 0 for a log link.
    pub fn base_margin(&self, base_score: f32) -> Result<f32, String> {
        if !base_score.is_finite() {
            return Err(format!("{base_score} is not a finite number"));
        }
        match self.link {
            Link::Identity => Ok(base_score),
            Link::Logit => {
                if !(0.0..=1.0).contains(&base_score) {
                    return Err(format!(
                        "{base_score} is outside [0, 1], the range of `{}`",
                        self.name
                    ));
                }
                // XGBoost bounds the score away from 0 and 1 by 1e-6 before the logit.
                let bounded = base_score.clamp(1e-6, 1.0 - 1e-6);
                Ok(-(1.0 / bounded - 1.0).ln())
            }
            Link::Log => {
                if base_score <= 0.0 {
                    return Err(format!(
                        "{base_score} is not above 0, which the log link of `{}` needs",
                        self.name
                    ));
                }
                Ok(base_score.ln())
            }
        }
    }

    /// Converts a margin to a prediction, in float32 as XGBoost's `predict` does.
    pub fn transform(&self, margin: f32) -> f32 {
        match self.link {
            Link::Identity => margin,
            Link::Logit => sigmoid(margin),
            Link::Log => margin.exp(),
        }
    }
}

/// XGBoost's float32 sigmoid. It caps the exponent at 88.7, where `exp` is still below the
/// float32 maximum.
fn sigmoid(margin: f32) -> f32 {
    let exponent = (-margin).min(88.7);
    1.0 / (exponent.exp() + 1.0 + 1e-16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_link_inverts_sigmoid() {
        let objective = Objective::from_name("reg:logistic").unwrap();
        let margin = objective.base_margin(0.25).unwrap();
        assert!((margin - (1.0f32 / 3.0).ln()).abs() < 1e-6, "{margin}");
        assert!((objective.transform(margin) - 0.25).abs() < 1e-6);
    }

    #[test]
    fn logit_link_bounds_extreme_scores() {
        let objective = Objective::from_name("binary:logistic").unwrap();
        let margin = objective.base_margin(1.0).unwrap();
        assert!(margin.is_finite(), "{margin}");
        assert!(margin > 13.0, "{margin}");
    }

    #[test]
    fn logitraw_keeps_base_score_and_margin() {
        let objective = Objective::from_name("binary:logitraw").unwrap();
        assert_eq!(objective.base_margin(0.5).unwrap(), 0.5);
        assert_eq!(objective.transform(-3.0), -3.0);
    }

    #[test]
    fn log_link_exponentiates() {
        let objective = Objective::from_name("count:poisson").unwrap();
        let margin = objective.base_margin(20.0).unwrap();
        assert!((objective.transform(margin) - 20.0).abs() < 1e-4);
    }

    #[test]
    fn log_link_rejects_zero_base_score() {
        let objective = Objective::from_name("reg:gamma").unwrap();
        let message = objective.base_margin(0.0).unwrap_err();
        assert!(message.contains("not above 0"), "{message}");
    }

    #[test]
    fn logit_link_rejects_score_above_one() {
        let objective = Objective::from_name("reg:logistic").unwrap();
        let message = objective.base_margin(1.5).unwrap_err();
        assert!(message.contains("outside [0, 1]"), "{message}");
    }

    #[test]
    fn sigmoid_saturates_without_overflow() {
        assert_eq!(sigmoid(-1000.0), 1.0 / (88.7f32.exp() + 1.0));
        assert_eq!(sigmoid(1000.0), 1.0);
    }

    #[test]
    fn multiclass_objective_is_rejected() {
        let message = Objective::from_name("multi:softprob").unwrap_err();
        assert!(message.contains("multi-class"), "{message}");
    }

    #[test]
    fn unknown_objective_lists_supported() {
        let message = Objective::from_name("reg:unknown").unwrap_err();
        assert!(message.contains("`reg:unknown`"), "{message}");
        assert!(message.contains("count:poisson"), "{message}");
    }
}
