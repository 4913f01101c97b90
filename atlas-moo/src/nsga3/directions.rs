//! Reference directions on the unit simplex: the Das-Dennis lattice and Deb and Jain's
//! two-layer scheme for many objectives.

use super::Nsga3Error;

/// Maximum number of reference directions [`das_dennis`] and [`default_directions`] build.
///
/// Association compares every member with every direction, so its cost grows with
/// population size times direction count.
pub const MAX_DIRECTIONS: usize = 100_000;

/// Factor by which the inner layer of [`default_directions`] is shrunk toward the centroid.
const INNER_LAYER_SCALE: f64 = 0.5;

/// Builds the Das-Dennis simplex lattice: every vector of `n_obj` non-negative multiples of
/// `1 / partitions` that sum to 1.
///
/// There are C(partitions + n_obj - 1, n_obj - 1) directions. They come in descending
/// lexicographic order, the order of pymoo 0.6's `DasDennis`, so the first direction is
/// (1, 0, …, 0) and the last is (0, …, 0, 1). With 0 partitions the only direction is the
/// centroid (1/n_obj, …, 1/n_obj), as in pymoo.
///
/// # Errors
///
/// Returns [`Nsga3Error::NoObjectives`] when `n_obj` is 0 and
/// [`Nsga3Error::TooManyDirections`] when the lattice has more than [`MAX_DIRECTIONS`]
/// directions.
pub fn das_dennis(n_obj: usize, partitions: usize) -> Result<Vec<Vec<f64>>, Nsga3Error> {
    if n_obj == 0 {
        return Err(Nsga3Error::NoObjectives);
    }
    let count = lattice_count(n_obj, partitions)
        .ok_or(Nsga3Error::TooManyDirections { n_obj, partitions })?;
    if partitions == 0 {
        return Ok(vec![vec![1.0 / n_obj as f64; n_obj]]);
    }
    let mut directions = Vec::with_capacity(count);
    let mut steps = Vec::with_capacity(n_obj);
    push_lattice(n_obj, partitions, partitions, &mut steps, &mut directions);
    Ok(directions)
}

/// Appends every completion of `steps` whose remaining entries sum to `left` steps.
fn push_lattice(
    n_obj: usize,
    partitions: usize,
    left: usize,
    steps: &mut Vec<usize>,
    directions: &mut Vec<Vec<f64>>,
) {
    if steps.len() + 1 == n_obj {
        steps.push(left);
        let scale = partitions as f64;
        directions.push(steps.iter().map(|&step| step as f64 / scale).collect());
        steps.pop();
        return;
    }
    for step in (0..=left).rev() {
        steps.push(step);
        push_lattice(n_obj, partitions, left - step, steps, directions);
        steps.pop();
    }
}

/// Returns C(partitions + n_obj - 1, n_obj - 1), or `None` when it exceeds
/// [`MAX_DIRECTIONS`]. `n_obj` must be at least 1.
fn lattice_count(n_obj: usize, partitions: usize) -> Option<usize> {
    // C(p + k, k) = Π_{i=1..k} (p + i) / i, and each partial product is an exact binomial.
    let mut count: u128 = 1;
    for i in 1..n_obj {
        count = count.checked_mul(partitions as u128 + i as u128)? / i as u128;
        if count > MAX_DIRECTIONS as u128 {
            return None;
        }
    }
    usize::try_from(count).ok()
}

/// Chooses reference directions for `n_obj` objectives and a population of `population`.
///
/// The default is the single Das-Dennis layer with the most partitions whose direction
/// count does not exceed `population` (nor [`MAX_DIRECTIONS`]). When that layer has fewer
/// partitions than objectives, each of its directions has a zero entry, so none lies
/// inside the simplex. The default then switches to the two layers of Deb and Jain (IEEE
/// TEC 18(4), 2014): an outer lattice plus an inner lattice shrunk halfway toward the
/// centroid, so each entry w becomes 0.5 w + 0.5 / n_obj, as pymoo's `DasDennis` scaling
/// computes it. The outer layer gets the most partitions that leave room for an inner
/// layer of at least `n_obj` directions. The inner layer gets the most partitions, at
/// most the outer layer's, that still fit. Outer directions come first. For 8 objectives
/// and 156 members this gives 120 + 36 directions, and for 10 objectives and 276 members
/// 220 + 55, the settings of Deb and Jain. A population too small for two layers keeps
/// the single layer. One objective gets the single direction (1).
///
/// # Errors
///
/// Returns [`Nsga3Error::NoObjectives`] when `n_obj` is 0,
/// [`Nsga3Error::PopulationTooSmall`] when `population` is below `n_obj`, and
/// [`Nsga3Error::TooManyDirections`] when even one partition (the `n_obj` corners) gives
/// more than [`MAX_DIRECTIONS`] directions.
pub fn default_directions(n_obj: usize, population: usize) -> Result<Vec<Vec<f64>>, Nsga3Error> {
    if n_obj == 0 {
        return Err(Nsga3Error::NoObjectives);
    }
    if population < n_obj {
        return Err(Nsga3Error::PopulationTooSmall { n_obj, population });
    }
    if n_obj == 1 {
        return Ok(vec![vec![1.0]]);
    }
    let budget = population.min(MAX_DIRECTIONS);
    let Some(single) = max_partitions(n_obj, budget) else {
        return Err(Nsga3Error::TooManyDirections {
            n_obj,
            partitions: 1,
        });
    };
    if single >= n_obj {
        return das_dennis(n_obj, single);
    }
    match two_layer_partitions(n_obj, budget) {
        Some((outer, inner)) => {
            let mut directions = das_dennis(n_obj, outer)?;
            let centroid_share = (1.0 - INNER_LAYER_SCALE) / n_obj as f64;
            for direction in das_dennis(n_obj, inner)? {
                let shrunk = direction
                    .iter()
                    .map(|&entry| INNER_LAYER_SCALE * entry + centroid_share)
                    .collect();
                directions.push(shrunk);
            }
            Ok(directions)
        }
        None => das_dennis(n_obj, single),
    }
}

/// Returns the most partitions (at least 1) whose lattice has at most `budget`
/// directions, or `None` when even 1 partition gives more. `n_obj` must be at least 2.
fn max_partitions(n_obj: usize, budget: usize) -> Option<usize> {
    let fits = |partitions| lattice_count(n_obj, partitions).is_some_and(|count| count <= budget);
    if !fits(1) {
        return None;
    }
    let mut partitions = 1;
    while fits(partitions + 1) {
        partitions += 1;
    }
    Some(partitions)
}

/// Returns (outer, inner) partitions of the two-layer scheme, or `None` when two layers of
/// 1 partition each exceed `budget`.
fn two_layer_partitions(n_obj: usize, budget: usize) -> Option<(usize, usize)> {
    // The smallest inner layer (1 partition) has n_obj directions.
    let outer = max_partitions(n_obj, budget.checked_sub(n_obj)?)?;
    let outer_count = lattice_count(n_obj, outer)?;
    let inner = max_partitions(n_obj, budget - outer_count)?.min(outer);
    Some((outer, inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_count_matches_binomials() {
        assert_eq!(lattice_count(1, 7), Some(1));
        assert_eq!(lattice_count(2, 7), Some(8));
        assert_eq!(lattice_count(3, 12), Some(91));
        assert_eq!(lattice_count(5, 6), Some(210));
        assert_eq!(lattice_count(8, 3), Some(120));
        assert_eq!(lattice_count(10, 3), Some(220));
        assert_eq!(lattice_count(15, 2), Some(120));
        assert_eq!(lattice_count(2, MAX_DIRECTIONS - 1), Some(MAX_DIRECTIONS));
        assert_eq!(lattice_count(2, MAX_DIRECTIONS), None);
        assert_eq!(lattice_count(usize::MAX, usize::MAX), None);
    }

    #[test]
    fn das_dennis_order_starts_at_first_corner() {
        let directions = das_dennis(3, 2).unwrap();
        let expected = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.5, 0.5, 0.0],
            vec![0.5, 0.0, 0.5],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.5, 0.5],
            vec![0.0, 0.0, 1.0],
        ];
        assert_eq!(directions, expected);
    }

    #[test]
    fn das_dennis_zero_partitions_is_centroid() {
        assert_eq!(das_dennis(4, 0).unwrap(), vec![vec![0.25; 4]]);
    }

    #[test]
    fn two_layer_partitions_match_paper() {
        assert_eq!(two_layer_partitions(8, 156), Some((3, 2)));
        assert_eq!(two_layer_partitions(10, 276), Some((3, 2)));
        assert_eq!(two_layer_partitions(15, 136), Some((2, 1)));
        // Room for the corners only, not for an inner layer as well.
        assert_eq!(two_layer_partitions(8, 15), None);
    }
}
