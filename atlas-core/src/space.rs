//! The decision space: named channels of spend, their bounds and the groups they belong to.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// One channel of spend, the unit of decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Unique channel name, as the model and the scenario spell it.
    pub name: String,
    /// Minimum spend, in the scenario's currency per period.
    pub lower: f64,
    /// Maximum spend, in the scenario's currency per period.
    pub upper: f64,
    /// Names of the groups (for example `digital`) this channel belongs to.
    pub groups: Vec<String>,
}

/// A named set of channels, used by group share constraints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Positions of the member channels in the decision space.
    pub members: Vec<usize>,
}

/// The channels of a plan, indexed once so that hot loops work on positions, not names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionSpace {
    channels: Vec<Channel>,
    groups: Vec<Group>,
}

impl DecisionSpace {
    /// Builds a decision space and indexes its groups in order of first appearance.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::InvalidChannel`] for an empty or repeated name, a non-finite or
    /// negative bound, or a lower bound above the upper bound.
    pub fn new(channels: Vec<Channel>) -> Result<Self, CoreError> {
        if channels.is_empty() {
            return Err(CoreError::Invalid {
                field: "channels".into(),
                message: "the scenario lists no channel: add at least one [[channels]] table"
                    .into(),
            });
        }
        let mut seen = std::collections::HashSet::with_capacity(channels.len());
        for channel in &channels {
            validate_channel(channel)?;
            if let Some(group) = repeated(&channel.groups) {
                return Err(CoreError::InvalidChannel {
                    channel: channel.name.clone(),
                    message: format!("group `{group}` is listed twice: list each group once"),
                });
            }
            if !seen.insert(channel.name.as_str()) {
                return Err(CoreError::InvalidChannel {
                    channel: channel.name.clone(),
                    message: "the name appears twice: give each channel a unique name".into(),
                });
            }
        }
        let mut groups: Vec<Group> = Vec::new();
        for (index, channel) in channels.iter().enumerate() {
            for group in &channel.groups {
                match groups.iter_mut().find(|g| &g.name == group) {
                    Some(existing) => existing.members.push(index),
                    None => groups.push(Group {
                        name: group.clone(),
                        members: vec![index],
                    }),
                }
            }
        }
        Ok(Self { channels, groups })
    }

    /// Channels in decision order.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// Number of channels.
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// Returns whether the space has no channel (never true for a space built by [`DecisionSpace::new`]).
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Channel names in decision order.
    pub fn names(&self) -> Vec<String> {
        self.channels.iter().map(|c| c.name.clone()).collect()
    }

    /// Returns the position of the channel called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.channels.iter().position(|c| c.name == name)
    }

    /// Groups in order of first appearance.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Returns the group called `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Lower bounds in decision order.
    pub fn lower_bounds(&self) -> Vec<f64> {
        self.channels.iter().map(|c| c.lower).collect()
    }

    /// Upper bounds in decision order.
    pub fn upper_bounds(&self) -> Vec<f64> {
        self.channels.iter().map(|c| c.upper).collect()
    }
}

fn repeated(names: &[String]) -> Option<&String> {
    names
        .iter()
        .enumerate()
        .find(|(i, name)| names[..*i].contains(name))
        .map(|(_, name)| name)
}

fn validate_channel(channel: &Channel) -> Result<(), CoreError> {
    let invalid = |message: String| CoreError::InvalidChannel {
        channel: channel.name.clone(),
        message,
    };
    if channel.name.trim().is_empty() {
        return Err(invalid(
            "the channel name is empty: name every channel".into(),
        ));
    }
    for (field, value) in [("lower", channel.lower), ("upper", channel.upper)] {
        if !value.is_finite() || value < 0.0 {
            return Err(invalid(format!(
                "{field} bound {value} is invalid: use a finite amount of at least 0"
            )));
        }
    }
    if channel.lower > channel.upper {
        return Err(invalid(format!(
            "lower bound {} exceeds upper bound {}: lower the lower bound or raise the upper one",
            channel.lower, channel.upper
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(name: &str, lower: f64, upper: f64, groups: &[&str]) -> Channel {
        Channel {
            name: name.into(),
            lower,
            upper,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn groups_index_members() {
        let space = DecisionSpace::new(vec![
            channel("search", 0.0, 1.0, &["digital"]),
            channel("tv", 0.0, 1.0, &["traditional"]),
            channel("social", 0.0, 1.0, &["digital"]),
        ])
        .unwrap();
        assert_eq!(space.group("digital").unwrap().members, vec![0, 2]);
        assert_eq!(space.group("traditional").unwrap().members, vec![1]);
        assert_eq!(space.position("social"), Some(2));
    }

    #[test]
    fn lower_above_upper_is_rejected() {
        let error = DecisionSpace::new(vec![channel("tv", 5.0, 2.0, &[])]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("tv"), "{message}");
        assert!(message.contains('5'), "{message}");
        assert!(message.contains('2'), "{message}");
    }

    #[test]
    fn duplicate_channel_is_rejected() {
        let error = DecisionSpace::new(vec![
            channel("tv", 0.0, 1.0, &[]),
            channel("tv", 0.0, 1.0, &[]),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("twice"));
    }

    #[test]
    fn repeated_group_is_rejected() {
        let error =
            DecisionSpace::new(vec![channel("tv", 0.0, 1.0, &["brand", "brand"])]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("channel `tv`"), "{message}");
        assert!(message.contains("`brand` is listed twice"), "{message}");
    }

    #[test]
    fn negative_bound_is_rejected() {
        let error = DecisionSpace::new(vec![channel("tv", -1.0, 1.0, &[])]).unwrap_err();
        assert!(error.to_string().contains("-1"));
    }
}
