//! The archive of every feasible non-dominated point that a run has evaluated.

use serde::{Deserialize, Serialize};

use super::ranking::first_front;
use super::search::Population;
use super::{compare_lexicographic, Solution};

/// Smallest number of pending points that triggers a compaction, as a multiple of the
/// population size.
const PENDING_POPULATIONS: usize = 4;

/// Feasible candidates that no evaluated feasible candidate dominates, one per objective
/// vector: of candidates with equal objectives, the one evaluated first is kept.
///
/// New feasible points wait in a pending list, and a compaction keeps the first front of
/// members and pending points. Compacting only once the pending list is as long as the
/// archive (and at least four populations) makes the cost per point O(log n) amortized in
/// two and three objectives, where the first front takes O(n log n).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Archive {
    members: Vec<Solution>,
    pending: Vec<Solution>,
}

impl Archive {
    /// Adds the feasible members of `population`, compacting when enough have waited.
    pub fn insert(&mut self, population: &Population) {
        for index in 0..population.candidates.len() {
            if population.violations[index] == 0.0 {
                self.pending.push(Solution {
                    x: population.candidates[index].clone(),
                    objectives: population.objectives[index].clone(),
                    violation: 0.0,
                });
            }
        }
        let threshold = self
            .members
            .len()
            .max(PENDING_POPULATIONS * population.candidates.len());
        if self.pending.len() >= threshold {
            self.compact();
        }
    }

    /// Keeps the first front of members and pending points, one per objective vector.
    pub fn compact(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut combined = std::mem::take(&mut self.members);
        combined.append(&mut self.pending);
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

    /// Returns the objective vectors of the members, without the pending points.
    pub fn objectives(&self) -> Vec<Vec<f64>> {
        self.members
            .iter()
            .map(|member| member.objectives.clone())
            .collect()
    }

    /// Returns the members sorted by the first objective, then the next, after compacting.
    pub fn sorted(&mut self) -> Vec<Solution> {
        self.compact();
        let mut members = self.members.clone();
        members.sort_by(|a, b| compare_lexicographic(&a.objectives, &b.objectives));
        members
    }
}
