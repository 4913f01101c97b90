//! The archive of every feasible non-dominated point that a run has evaluated.

use serde::{Deserialize, Serialize};

use super::ranking::first_front;
use super::search::Population;
use super::{compare_lexicographic, Solution};

/// Feasible candidates that no evaluated feasible candidate dominates, one per objective
/// vector: of candidates with equal objectives, the one evaluated first is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Archive {
    members: Vec<Solution>,
}

impl Archive {
    /// Adds the feasible members of `population` and drops every member they dominate.
    pub fn insert(&mut self, population: &Population) {
        let mut combined = std::mem::take(&mut self.members);
        let known = combined.len();
        for index in 0..population.candidates.len() {
            if population.violations[index] == 0.0 {
                combined.push(Solution {
                    x: population.candidates[index].clone(),
                    objectives: population.objectives[index].clone(),
                    violation: 0.0,
                });
            }
        }
        if combined.len() == known {
            self.members = combined;
            return;
        }
        // Moving the objective vectors out and back avoids copying the whole archive.
        let mut objectives: Vec<Vec<f64>> = combined
            .iter_mut()
            .map(|member| std::mem::take(&mut member.objectives))
            .collect();
        let mut order = first_front(&objectives, &vec![0.0; combined.len()]);
        // Stable sort by objectives, so the earliest of equal vectors comes first.
        order.sort_by(|&a, &b| compare_lexicographic(&objectives[a], &objectives[b]));
        order.dedup_by(|later, earlier| objectives[*later] == objectives[*earlier]);
        order.sort_unstable();
        let mut slots: Vec<Option<Solution>> = combined.into_iter().map(Some).collect();
        self.members = order
            .into_iter()
            .filter_map(|index| {
                let mut member = slots[index].take()?;
                member.objectives = std::mem::take(&mut objectives[index]);
                Some(member)
            })
            .collect();
    }

    /// Returns the members sorted by the first objective, then the next.
    pub fn sorted(&self) -> Vec<Solution> {
        let mut members = self.members.clone();
        members.sort_by(|a, b| compare_lexicographic(&a.objectives, &b.objectives));
        members
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }
}
