//! Hypervolume by generation, and the stopping rules that look at a run's progress.

use serde::{Deserialize, Serialize};

use super::config::Stagnation;
use crate::indicators::hypervolume;

/// Reference point of the tracked hypervolume in every scaled objective.
const REFERENCE: f64 = 1.1;

/// Largest objective count for which the hypervolume is tracked without a stagnation rule.
/// Beyond it the exact hypervolume of every generation's front costs more than the
/// generation itself, so it is computed only when stagnation needs it.
pub(super) const TRACKED_OBJECTIVES: usize = 3;

/// Hypervolume of the feasible first front after each generation, in objectives scaled by
/// the ideal and nadir points of the first feasible front the run saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Progress {
    /// Ideal point and range of the scaling, fixed once a feasible front exists.
    scale: Option<(Vec<f64>, Vec<f64>)>,
    /// One value per recorded generation. `None` where no member was feasible.
    values: Vec<Option<f64>>,
}

impl Progress {
    /// Records the hypervolume of `front`, the objective vectors of the feasible first
    /// front, and returns it. Returns `None` for an empty front.
    pub fn record(&mut self, front: &[Vec<f64>]) -> Option<f64> {
        let value = self.measure(front);
        self.values.push(value);
        value
    }

    fn measure(&mut self, front: &[Vec<f64>]) -> Option<f64> {
        let first = front.first()?;
        let (ideal, range) = self.scale.get_or_insert_with(|| {
            let mut ideal = first.clone();
            let mut nadir = first.clone();
            for point in front {
                for (objective, &value) in point.iter().enumerate() {
                    ideal[objective] = ideal[objective].min(value);
                    nadir[objective] = nadir[objective].max(value);
                }
            }
            let range = ideal
                .iter()
                .zip(&nadir)
                .map(|(low, high)| {
                    let width = high - low;
                    if width > 0.0 && width.is_finite() {
                        width
                    } else {
                        1.0
                    }
                })
                .collect();
            (ideal, range)
        });
        let scaled: Vec<Vec<f64>> = front
            .iter()
            .map(|point| {
                point
                    .iter()
                    .zip(ideal.iter().zip(range.iter()))
                    .map(|(value, (low, width))| (value - low) / width)
                    .collect()
            })
            .collect();
        let reference = vec![REFERENCE; first.len()];
        hypervolume(&scaled, &reference).ok()
    }

    /// Returns whether the hypervolume grew by less than the tolerance, relative to its
    /// latest value, over the last `stagnation.generations` generations.
    pub fn stagnated(&self, stagnation: Stagnation) -> bool {
        let window = stagnation.generations;
        if self.values.len() <= window {
            return false;
        }
        let latest = self.values[self.values.len() - 1];
        let earlier = self.values[self.values.len() - 1 - window];
        match (latest, earlier) {
            (Some(latest), Some(earlier)) => {
                latest - earlier <= stagnation.tolerance * latest.abs()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_fixed_by_first_front() {
        let mut progress = Progress::default();
        let first = progress.record(&[vec![0.0, 1.0], vec![1.0, 0.0]]).unwrap();
        // Two corners of the unit square with reference 1.1: 1.1² − 1 = 0.21.
        assert!((first - 0.21).abs() < 1e-12, "{first}");
        let better = progress.record(&[vec![0.0, 0.0]]).unwrap();
        assert!((better - 1.21).abs() < 1e-12, "{better}");
    }

    #[test]
    fn empty_front_records_none() {
        let mut progress = Progress::default();
        assert_eq!(progress.record(&[]), None);
        let stagnation = Stagnation {
            generations: 1,
            tolerance: 0.0,
        };
        progress.record(&[]);
        assert!(!progress.stagnated(stagnation));
    }

    #[test]
    fn stagnation_needs_a_full_window() {
        let stagnation = Stagnation {
            generations: 2,
            tolerance: 1e-3,
        };
        let mut progress = Progress::default();
        let front = [vec![0.0, 1.0], vec![1.0, 0.0]];
        progress.record(&front);
        progress.record(&front);
        assert!(!progress.stagnated(stagnation));
        progress.record(&front);
        assert!(progress.stagnated(stagnation));
    }

    #[test]
    fn growth_above_tolerance_is_progress() {
        let stagnation = Stagnation {
            generations: 1,
            tolerance: 1e-3,
        };
        let mut progress = Progress::default();
        progress.record(&[vec![0.0, 1.0], vec![1.0, 0.0]]);
        progress.record(&[vec![0.0, 1.0], vec![0.5, 0.5], vec![1.0, 0.0]]);
        assert!(!progress.stagnated(stagnation));
    }
}
