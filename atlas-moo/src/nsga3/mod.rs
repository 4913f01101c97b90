//! Survival by reference directions for many objectives: the NSGA-III environmental
//! selection of Deb and Jain, "An evolutionary many-objective optimization algorithm using
//! reference-point-based nondominated sorting approach, Part I", IEEE Trans. Evol. Comput.
//! 18(4), 2014, with the details of pymoo 0.6 (`pymoo/algorithms/moo/nsga3.py`).
//!
//! With four or more objectives almost every member is non-dominated, and crowding
//! distance no longer spreads the front. NSGA-III instead spreads the survivors over a set
//! of reference directions: [`das_dennis`] builds them, and [`default_directions`] sizes
//! them to a population. [`select`] keeps the survivors of a merged population and updates
//! the [`Normalization`] state that carries over between generations. Parent selection is
//! left to the caller: pymoo's NSGA-III compares two random members by violation and picks
//! one at random when both are feasible.
//!
//! ```
//! use atlas_moo::nsga2::operators::stream_rng;
//! use atlas_moo::nsga2::ranking::fast_non_dominated_sort;
//! use atlas_moo::nsga3::{das_dennis, select, Normalization};
//!
//! let directions = das_dennis(2, 2)?;
//! let objectives = vec![vec![0.0, 1.0], vec![0.5, 0.5], vec![1.0, 0.0], vec![0.9, 0.9]];
//! let violations = vec![0.0; 4];
//! let fronts = fast_non_dominated_sort(&objectives, &violations);
//! let mut state = Normalization::default();
//! let mut rng = stream_rng(7, 1, 0);
//! let survivors = select(&objectives, &violations, &fronts, 3, &directions, &mut state, &mut rng)?;
//! assert_eq!(survivors, vec![0, 1, 2]);
//! assert_eq!(state.nadir, vec![1.0, 1.0]);
//! # Ok::<(), atlas_moo::nsga3::Nsga3Error>(())
//! ```

mod directions;
mod niching;
mod normalization;

use rand_chacha::ChaCha8Rng;

pub use directions::{das_dennis, default_directions, MAX_DIRECTIONS};
pub use niching::Association;
pub use normalization::Normalization;

/// Invalid input to the NSGA-III functions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Nsga3Error {
    /// Reference directions were requested for 0 objectives.
    #[error("n_obj is 0, but reference directions need at least 1 objective")]
    NoObjectives,
    /// The lattice would have more than [`MAX_DIRECTIONS`] directions.
    #[error(
        "{n_obj} objectives with {partitions} partitions give more than {MAX_DIRECTIONS} \
         reference directions; use fewer partitions, or default_directions to fit a population"
    )]
    TooManyDirections {
        /// Number of objectives requested.
        n_obj: usize,
        /// Number of partitions requested.
        partitions: usize,
    },
    /// The population cannot hold one direction per objective axis.
    #[error(
        "population is {population}, below the {n_obj} objectives; NSGA-III needs at least \
         one reference direction per objective axis, so use a population of at least {n_obj}"
    )]
    PopulationTooSmall {
        /// Number of objectives.
        n_obj: usize,
        /// The rejected population size.
        population: usize,
    },
    /// The list of reference directions is empty.
    #[error(
        "the reference directions are empty; build them with das_dennis or default_directions"
    )]
    NoDirections,
    /// A reference direction's length differs from the first direction's.
    #[error(
        "reference direction {index} has {len} entries, but direction 0 has {n_obj}; \
         give every direction one entry per objective"
    )]
    DirectionDimension {
        /// Index of the direction.
        index: usize,
        /// Its number of entries.
        len: usize,
        /// Number of entries of direction 0.
        n_obj: usize,
    },
    /// A reference direction has no length or an invalid entry.
    #[error(
        "reference direction {index} is invalid: every entry must be finite and non-negative, \
         with a positive sum, such as the points that das_dennis returns"
    )]
    InvalidDirection {
        /// Index of the direction.
        index: usize,
    },
    /// An objective vector's length differs from the reference directions'.
    #[error(
        "objective vector {index} has {len} values, but the reference directions have {n_obj} \
         entries; build the directions for the problem's objective count"
    )]
    ObjectiveDimension {
        /// Index of the objective vector.
        index: usize,
        /// Its number of values.
        len: usize,
        /// Number of entries of each reference direction.
        n_obj: usize,
    },
    /// `objectives` and `violations` have different lengths.
    #[error(
        "objectives has {objectives} rows but violations has {violations} entries; \
         pass one violation per objective vector"
    )]
    LengthMismatch {
        /// Number of objective vectors.
        objectives: usize,
        /// Number of violations.
        violations: usize,
    },
    /// A feasible member has a NaN or infinite objective.
    #[error(
        "objective vector {index} is feasible (violation 0) but contains a NaN or infinite \
         value; map violations through nsga2::ranking::sanitize_violation first"
    )]
    NonFiniteObjective {
        /// Index of the objective vector.
        index: usize,
    },
    /// A front lists an index past the end of the population.
    #[error(
        "a front lists member {index}, but there are only {members} members; pass the fronts \
         of this population, as nsga2::ranking::fast_non_dominated_sort returns them"
    )]
    FrontIndexOutOfRange {
        /// The listed index.
        index: usize,
        /// Number of members.
        members: usize,
    },
    /// The fronts list a member twice.
    #[error(
        "the fronts list member {index} more than once; pass the fronts of this population, \
         as nsga2::ranking::fast_non_dominated_sort returns them"
    )]
    FrontIndexRepeated {
        /// The repeated index.
        index: usize,
    },
    /// The fronts leave out a member.
    #[error(
        "no front lists member {index}; the fronts must list every member once, as \
         nsga2::ranking::fast_non_dominated_sort returns them"
    )]
    FrontIndexMissing {
        /// The missing index.
        index: usize,
    },
    /// [`Normalization::update`] received no members or an empty first front.
    #[error(
        "the normalization update needs at least one feasible member and a non-empty first \
         front; pass the feasible objective vectors and the indices of their first front"
    )]
    EmptyFront,
    /// A field of the normalization state has the wrong length.
    #[error(
        "the normalization state's {field} has {len} entries, but there are {n_obj} \
         objectives; resume only with the state of a run on the same objectives, or start \
         from Normalization::default()"
    )]
    StateDimension {
        /// Name of the field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// Number of objectives.
        n_obj: usize,
    },
    /// A field of the normalization state contains a NaN or infinite value.
    #[error(
        "the normalization state's {field} contains a NaN or infinite value; restore it \
         from an intact checkpoint, or start from Normalization::default()"
    )]
    StateNotFinite {
        /// Name of the field.
        field: &'static str,
    },
    /// [`associate`] was called before any update of the normalization state.
    #[error(
        "the normalization state has no ideal or nadir point yet; call select or \
         Normalization::update before associate"
    )]
    StateEmpty,
}

/// Selects `size` survivors of a merged population by NSGA-III's survival step, and
/// returns their indices into `objectives`.
///
/// `violations` must be sanitized as [`sanitize_violation`] does: 0 marks a feasible
/// member, and a feasible member must have finite objectives. `fronts` must list every
/// member exactly once, and should be the fronts that [`fast_non_dominated_sort`]
/// returns for the same objectives and violations. `state` is the [`Normalization`] of
/// the previous generation, or the default for the first one. `rng` breaks the random
/// ties of niching.
///
/// Only feasible members take part in normalization and niching. The state is first
/// updated with them, as [`Normalization::update`] describes. Walking the fronts in order,
/// each front's feasible members, in ascending index order, survive whole while they fit.
/// When a front does not fit, every member of the kept fronts and of that last front is
/// associated with its nearest reference line, and the last front's members are picked
/// from the least-crowded niches. When the feasible members do not fill `size`, the
/// infeasible members with the smallest violation follow, ties by index. The result
/// lists the kept fronts, then the niching picks in pick order, then the infeasible
/// members. It has `size` entries, or every member when there are fewer, and no index
/// twice.
///
/// The state is updated whenever a feasible member exists, even when no front is cut,
/// because pymoo 0.6 does the same and later generations depend on it. The result and
/// the state depend only on the inputs and the `rng` stream.
///
/// # Errors
///
/// Returns [`Nsga3Error::NoDirections`], [`Nsga3Error::DirectionDimension`] or
/// [`Nsga3Error::InvalidDirection`] for invalid directions,
/// [`Nsga3Error::LengthMismatch`], [`Nsga3Error::ObjectiveDimension`] or
/// [`Nsga3Error::NonFiniteObjective`] for invalid members, a `FrontIndex…` error for
/// fronts that do not list every member once, and [`Nsga3Error::StateDimension`] or
/// [`Nsga3Error::StateNotFinite`] for a state of another problem. The state is unchanged
/// on error.
///
/// [`sanitize_violation`]: crate::nsga2::ranking::sanitize_violation
/// [`fast_non_dominated_sort`]: crate::nsga2::ranking::fast_non_dominated_sort
pub fn select(
    objectives: &[Vec<f64>],
    violations: &[f64],
    fronts: &[Vec<usize>],
    size: usize,
    directions: &[Vec<f64>],
    state: &mut Normalization,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<usize>, Nsga3Error> {
    let n_obj = validate_directions(directions)?;
    validate_members(objectives, violations, n_obj)?;
    validate_fronts(fronts, objectives.len())?;
    state.validate(n_obj)?;

    let size = size.min(objectives.len());
    let feasible_fronts: Vec<Vec<usize>> = fronts
        .iter()
        .map(|front| {
            let mut members: Vec<usize> = front
                .iter()
                .copied()
                .filter(|&index| is_feasible(violations[index]))
                .collect();
            members.sort_unstable();
            members
        })
        .filter(|members| !members.is_empty())
        .collect();

    let mut survivors = Vec::with_capacity(size);
    if let Some(first_front) = feasible_fronts.first() {
        update_state(objectives, &feasible_fronts, first_front, state);
        let feasible_size = size.min(feasible_fronts.iter().map(Vec::len).sum());
        survive_feasible(
            objectives,
            &feasible_fronts,
            feasible_size,
            directions,
            state,
            rng,
            &mut survivors,
        );
    }
    let mut infeasible: Vec<usize> = (0..objectives.len())
        .filter(|&index| !is_feasible(violations[index]))
        .collect();
    infeasible.sort_by(|&a, &b| violations[a].total_cmp(&violations[b]).then(a.cmp(&b)));
    let room = size - survivors.len();
    survivors.extend(infeasible.into_iter().take(room));
    Ok(survivors)
}

/// Associates each objective vector with its nearest reference line, with the ideal and
/// nadir points of `state`, typically the state that [`select`] just updated.
///
/// Each vector is normalized to (f - ideal) / (nadir - ideal), with a zero range replaced
/// by 1e-12, and gets the direction whose line through the origin is nearest by
/// perpendicular distance, the first one on ties. Infeasible members may be passed too.
/// Their association means little, because they took no part in the normalization.
///
/// # Errors
///
/// Returns [`Nsga3Error::StateEmpty`] before the first update of `state`, the errors of
/// [`select`] for invalid directions, [`Nsga3Error::ObjectiveDimension`] or
/// [`Nsga3Error::NonFiniteObjective`] for an invalid objective vector, and the errors of
/// [`Normalization::validate`].
pub fn associate(
    objectives: &[Vec<f64>],
    directions: &[Vec<f64>],
    state: &Normalization,
) -> Result<Vec<Association>, Nsga3Error> {
    let n_obj = validate_directions(directions)?;
    state.validate(n_obj)?;
    if state.ideal.is_empty() || state.nadir.is_empty() {
        return Err(Nsga3Error::StateEmpty);
    }
    for (index, row) in objectives.iter().enumerate() {
        check_objective_row(index, row, n_obj)?;
    }
    let rows: Vec<&[f64]> = objectives.iter().map(Vec::as_slice).collect();
    Ok(niching::associate_rows(
        &rows,
        directions,
        &state.ideal,
        &state.nadir,
    ))
}

fn is_feasible(violation: f64) -> bool {
    violation == 0.0
}

/// Updates `state` with every feasible member and the first feasible front.
fn update_state(
    objectives: &[Vec<f64>],
    feasible_fronts: &[Vec<usize>],
    first_front: &[usize],
    state: &mut Normalization,
) {
    let feasible: Vec<usize> = feasible_fronts.iter().flatten().copied().collect();
    let rows: Vec<&[f64]> = feasible
        .iter()
        .map(|&index| objectives[index].as_slice())
        .collect();
    // The first front is the start of `feasible`, so its positions are 0..len.
    let first_positions: Vec<usize> = (0..first_front.len()).collect();
    state.update_checked(&rows, &first_positions);
}

/// Appends `size` feasible survivors: whole fronts while they fit, then niching picks from
/// the first front that does not fit.
fn survive_feasible(
    objectives: &[Vec<f64>],
    feasible_fronts: &[Vec<usize>],
    size: usize,
    directions: &[Vec<f64>],
    state: &Normalization,
    rng: &mut ChaCha8Rng,
    survivors: &mut Vec<usize>,
) {
    let mut fronts = feasible_fronts.iter();
    let last_front = loop {
        match fronts.next() {
            Some(front) if survivors.len() + front.len() <= size => {
                survivors.extend_from_slice(front);
            }
            Some(front) if survivors.len() < size => break front,
            _ => return,
        }
    };
    let kept_rows = survivors.iter().map(|&index| objectives[index].as_slice());
    let last_rows = last_front.iter().map(|&index| objectives[index].as_slice());
    let rows: Vec<&[f64]> = kept_rows.chain(last_rows).collect();
    let associations = niching::associate_rows(&rows, directions, &state.ideal, &state.nadir);
    let (kept, last) = associations.split_at(survivors.len());
    let mut niche_count = vec![0_usize; directions.len()];
    for association in kept {
        niche_count[association.niche] += 1;
    }
    let picks = niching::niching(last, &mut niche_count, size - survivors.len(), rng);
    survivors.extend(picks.into_iter().map(|position| last_front[position]));
}

/// Checks the directions and returns their common length, the objective count.
fn validate_directions(directions: &[Vec<f64>]) -> Result<usize, Nsga3Error> {
    let n_obj = directions.first().ok_or(Nsga3Error::NoDirections)?.len();
    for (index, direction) in directions.iter().enumerate() {
        if direction.len() != n_obj {
            return Err(Nsga3Error::DirectionDimension {
                index,
                len: direction.len(),
                n_obj,
            });
        }
        let entries_valid = direction
            .iter()
            .all(|entry| entry.is_finite() && *entry >= 0.0);
        let sum: f64 = direction.iter().sum();
        if !(entries_valid && sum > 0.0 && sum.is_finite()) {
            return Err(Nsga3Error::InvalidDirection { index });
        }
    }
    Ok(n_obj)
}

fn validate_members(
    objectives: &[Vec<f64>],
    violations: &[f64],
    n_obj: usize,
) -> Result<(), Nsga3Error> {
    if objectives.len() != violations.len() {
        return Err(Nsga3Error::LengthMismatch {
            objectives: objectives.len(),
            violations: violations.len(),
        });
    }
    for (index, (row, &violation)) in objectives.iter().zip(violations).enumerate() {
        if is_feasible(violation) {
            check_objective_row(index, row, n_obj)?;
        } else if row.len() != n_obj {
            return Err(Nsga3Error::ObjectiveDimension {
                index,
                len: row.len(),
                n_obj,
            });
        }
    }
    Ok(())
}

fn check_objective_row(index: usize, row: &[f64], n_obj: usize) -> Result<(), Nsga3Error> {
    if row.len() != n_obj {
        return Err(Nsga3Error::ObjectiveDimension {
            index,
            len: row.len(),
            n_obj,
        });
    }
    if !row.iter().all(|value| value.is_finite()) {
        return Err(Nsga3Error::NonFiniteObjective { index });
    }
    Ok(())
}

/// Checks that the fronts list each index of `0..members` exactly once.
fn validate_fronts(fronts: &[Vec<usize>], members: usize) -> Result<(), Nsga3Error> {
    let mut listed = vec![false; members];
    for &index in fronts.iter().flatten() {
        let Some(seen) = listed.get_mut(index) else {
            return Err(Nsga3Error::FrontIndexOutOfRange { index, members });
        };
        if *seen {
            return Err(Nsga3Error::FrontIndexRepeated { index });
        }
        *seen = true;
    }
    match listed.iter().position(|&seen| !seen) {
        Some(index) => Err(Nsga3Error::FrontIndexMissing { index }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
