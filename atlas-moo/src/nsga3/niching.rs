//! Association of members with reference lines, and niche-preserving selection from the
//! last front.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Replaces a zero range `nadir - ideal` in the normalization, as pymoo does, so that
/// normalized values stay finite.
const ZERO_RANGE_REPLACEMENT: f64 = 1.0e-12;

/// Reference line nearest to one member, by perpendicular distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Association {
    /// Index into the reference directions.
    pub niche: usize,
    /// Perpendicular distance from the normalized member to the line through the origin
    /// along the direction.
    pub distance: f64,
}

/// Associates each row with its nearest reference line after normalizing it to
/// (f - ideal) / (nadir - ideal).
///
/// Rows, `ideal`, `nadir` and every direction have one length, and every direction has a
/// positive norm. The first nearest line wins a tie. Rows run in parallel, and the result
/// keeps their order, so it does not depend on the thread count.
pub(super) fn associate_rows(
    rows: &[&[f64]],
    directions: &[Vec<f64>],
    ideal: &[f64],
    nadir: &[f64],
) -> Vec<Association> {
    let range: Vec<f64> = nadir
        .iter()
        .zip(ideal)
        .map(|(high, low)| {
            let range = high - low;
            if range == 0.0 {
                ZERO_RANGE_REPLACEMENT
            } else {
                range
            }
        })
        .collect();
    let squared_norms: Vec<f64> = directions
        .iter()
        .map(|direction| direction.iter().map(|u| u * u).sum())
        .collect();
    rows.par_iter()
        .map(|row| {
            let normalized: Vec<f64> = row
                .iter()
                .zip(ideal.iter().zip(&range))
                .map(|(value, (low, range))| (value - low) / range)
                .collect();
            nearest_line(&normalized, directions, &squared_norms)
        })
        .collect()
}

fn nearest_line(point: &[f64], directions: &[Vec<f64>], squared_norms: &[f64]) -> Association {
    let mut nearest = Association {
        niche: 0,
        distance: f64::INFINITY,
    };
    for (niche, (direction, &squared_norm)) in directions.iter().zip(squared_norms).enumerate() {
        let distance = perpendicular_distance(point, direction, squared_norm);
        if distance < nearest.distance {
            nearest = Association { niche, distance };
        }
    }
    nearest
}

/// Returns the distance from `point` to its projection onto the line along `direction`,
/// whose squared norm is `squared_norm`.
fn perpendicular_distance(point: &[f64], direction: &[f64], squared_norm: f64) -> f64 {
    let dot: f64 = point.iter().zip(direction).map(|(v, u)| v * u).sum();
    let scale = dot / squared_norm;
    point
        .iter()
        .zip(direction)
        .map(|(v, u)| {
            let offset = v - scale * u;
            offset * offset
        })
        .sum::<f64>()
        .sqrt()
}

/// Picks `count` members of the last front by niche count, in pick order.
///
/// `associations` has one entry per last-front member, and the result contains positions
/// into it. `niche_count` starts as the number of already chosen members per niche, and
/// each pick adds 1 to its niche. Each round considers the niches that still have an
/// unpicked last-front member and takes those with the smallest count, in random order and
/// at most as many as picks remain. From each such niche it picks the member nearest to
/// the line when the niche count is 0, and a random member otherwise. Random ties of
/// distance are broken by `rng`, as in pymoo 0.6's `niching`. Fewer than `count` picks
/// come back only when the last front has fewer members.
pub(super) fn niching(
    associations: &[Association],
    niche_count: &mut [usize],
    count: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); niche_count.len()];
    for (position, association) in associations.iter().enumerate() {
        members_of[association.niche].push(position);
    }
    let mut picks = Vec::with_capacity(count);
    while picks.len() < count {
        let open = (0..members_of.len()).filter(|&niche| !members_of[niche].is_empty());
        let Some(min_count) = open.clone().map(|niche| niche_count[niche]).min() else {
            break;
        };
        let mut least_crowded: Vec<usize> = open
            .filter(|&niche| niche_count[niche] == min_count)
            .collect();
        least_crowded.shuffle(rng);
        least_crowded.truncate(count - picks.len());
        for niche in least_crowded {
            let mut members = members_of[niche].clone();
            members.shuffle(rng);
            let chosen = if niche_count[niche] == 0 {
                nearest_member(&members, associations)
            } else {
                members[0]
            };
            members_of[niche].retain(|&position| position != chosen);
            picks.push(chosen);
            niche_count[niche] += 1;
        }
    }
    picks
}

/// Returns the first of `members` with the smallest distance to its line.
fn nearest_member(members: &[usize], associations: &[Association]) -> usize {
    let mut nearest = members[0];
    for &position in &members[1..] {
        if associations[position].distance < associations[nearest].distance {
            nearest = position;
        }
    }
    nearest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nsga2::operators::stream_rng;

    fn association(niche: usize, distance: f64) -> Association {
        Association { niche, distance }
    }

    #[test]
    fn perpendicular_distance_cases() {
        // The point (1, 1) is sqrt(2) / 2 away from the axis line, in both orientations.
        let half_root_two = std::f64::consts::FRAC_1_SQRT_2;
        assert!((perpendicular_distance(&[1.0, 1.0], &[1.0, 0.0], 1.0) - 1.0).abs() < 1e-12);
        assert!(
            (perpendicular_distance(&[1.0, 0.0], &[0.5, 0.5], 0.5) - half_root_two).abs() < 1e-12
        );
        assert_eq!(perpendicular_distance(&[2.0, 2.0], &[0.5, 0.5], 0.5), 0.0);
    }

    #[test]
    fn zero_range_stays_finite() {
        let rows: Vec<&[f64]> = vec![&[1.0, 1.0], &[1.0, 1.0]];
        let directions = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let associations = associate_rows(&rows, &directions, &[1.0, 1.0], &[1.0, 1.0]);
        assert!(
            associations.iter().all(|a| a.distance == 0.0),
            "{associations:?}"
        );
    }

    #[test]
    fn niching_fills_empty_niches_first() {
        // Niche 0 already has a member, niches 1 and 2 have none.
        let associations = [
            association(0, 0.0),
            association(0, 0.1),
            association(1, 0.3),
            association(1, 0.2),
            association(2, 0.5),
        ];
        for seed in 0..20 {
            let mut niche_count = vec![1, 0, 0];
            let mut rng = stream_rng(seed, 0, 0);
            let mut picks = niching(&associations, &mut niche_count, 2, &mut rng);
            picks.sort_unstable();
            assert_eq!(picks, vec![3, 4], "seed {seed}");
            assert_eq!(niche_count, vec![1, 1, 1], "seed {seed}");
        }
    }

    #[test]
    fn niching_picks_each_member_once() {
        let associations: Vec<Association> = (0..9).map(|i| association(i % 2, i as f64)).collect();
        let mut niche_count = vec![0, 0, 0];
        let mut rng = stream_rng(1, 0, 0);
        let mut picks = niching(&associations, &mut niche_count, 20, &mut rng);
        picks.sort_unstable();
        assert_eq!(picks, (0..9).collect::<Vec<_>>());
        assert_eq!(niche_count, vec![5, 4, 0]);
    }

    #[test]
    fn niching_alternates_between_niches() {
        // Two niches with 0 members each: four picks take two from each.
        let associations: Vec<Association> = (0..8).map(|i| association(i % 2, 1.0)).collect();
        let mut niche_count = vec![0, 0];
        let mut rng = stream_rng(3, 0, 0);
        let picks = niching(&associations, &mut niche_count, 4, &mut rng);
        assert_eq!(picks.len(), 4);
        assert_eq!(niche_count, vec![2, 2]);
    }
}
