//! Random streams, binary tournament, SBX crossover and polynomial mutation.
//!
//! SBX and polynomial mutation are the bounded variants in Deb's reference C code for
//! NSGA-II, which pymoo also implements (`pymoo/operators/crossover/sbx.py` and
//! `pymoo/operators/mutation/pm.py`). Both scale their spread by the distance to the
//! bounds, so children stay inside the box, and the final clamp only removes rounding
//! error.

use atlas_core::solve::splitmix64;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Parents closer than this in one variable are not crossed in that variable, because the
/// SBX spread factor divides by their distance. pymoo's `sbx.py` uses the same value.
const SBX_MIN_DISTANCE: f64 = 1.0e-14;

/// Probability that SBX crosses one variable of a recombined pair, as in Deb's code.
const SBX_VARIABLE_PROBABILITY: f64 = 0.5;

/// Box bounds of the decision variables. Both slices have one entry per variable.
#[derive(Debug, Clone, Copy)]
pub struct Bounds<'a> {
    /// Lower bound of each variable.
    pub lower: &'a [f64],
    /// Upper bound of each variable.
    pub upper: &'a [f64],
}

/// Creates the random stream of one task, such as one offspring pair.
///
/// The stream depends only on `(seed, generation, index)`, so the search gives the same
/// numbers whichever thread runs the task. The three numbers are mixed with SplitMix64, and
/// four further SplitMix64 steps fill the 32-byte ChaCha8 seed.
#[must_use]
pub fn stream_rng(seed: u64, generation: u64, index: u64) -> ChaCha8Rng {
    let mut state = splitmix64(seed);
    state = splitmix64(state ^ generation);
    state = splitmix64(state ^ index);
    let mut key = [0_u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        state = splitmix64(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// Picks the better of two random members by the crowded comparison, and returns its index.
///
/// `better(a, b)` returns whether member `a` beats member `b`. When neither beats the
/// other, a fair coin decides, as in Deb's reference C code. Returns 0 when `size` is 0.
pub fn binary_tournament<F>(rng: &mut ChaCha8Rng, size: usize, better: F) -> usize
where
    F: Fn(usize, usize) -> bool,
{
    if size == 0 {
        return 0;
    }
    let a = rng.random_range(0..size);
    let b = rng.random_range(0..size);
    if better(a, b) {
        a
    } else if better(b, a) {
        b
    } else if rng.random::<f64>() < 0.5 {
        a
    } else {
        b
    }
}

/// Recombines two parents in place into two children with bounded SBX.
///
/// With probability `probability` the pair is recombined. Each variable is then crossed
/// with probability 0.5, unless the parents are closer than 1e-14 in it or its bounds are
/// equal. The two children of a crossed variable are swapped with probability 0.5.
pub fn sbx_crossover(
    rng: &mut ChaCha8Rng,
    first: &mut [f64],
    second: &mut [f64],
    bounds: Bounds<'_>,
    probability: f64,
    eta: f64,
) {
    if rng.random::<f64>() >= probability {
        return;
    }
    let variables = first.iter_mut().zip(second.iter_mut());
    let boxes = bounds.lower.iter().zip(bounds.upper);
    for ((x1, x2), (&lower, &upper)) in variables.zip(boxes) {
        if rng.random::<f64>() >= SBX_VARIABLE_PROBABILITY {
            continue;
        }
        if (*x1 - *x2).abs() <= SBX_MIN_DISTANCE || lower >= upper {
            continue;
        }
        let u = rng.random::<f64>();
        let (low_child, high_child) = sbx_children(*x1, *x2, lower, upper, eta, u);
        if rng.random::<f64>() < 0.5 {
            (*x1, *x2) = (high_child, low_child);
        } else {
            (*x1, *x2) = (low_child, high_child);
        }
    }
}

/// Returns the two SBX children of one variable, the lower one first.
///
/// For the lower child the spread factor is β = 1 + 2 (y1 - lower) / (y2 - y1), and
/// α = 2 - β^-(η+1). The contracted factor is βq = (u α)^(1/(η+1)) when u <= 1/α and
/// (1 / (2 - u α))^(1/(η+1)) otherwise, and the child is ((y1 + y2) - βq (y2 - y1)) / 2.
/// The upper child uses the distance to the upper bound the same way. A child that is not
/// finite, which only extreme bounds can cause, falls back to its parent's value.
fn sbx_children(x1: f64, x2: f64, lower: f64, upper: f64, eta: f64, u: f64) -> (f64, f64) {
    let y1 = x1.min(x2).clamp(lower, upper);
    let y2 = x1.max(x2).clamp(lower, upper);
    let delta = y2 - y1;
    if delta <= 0.0 {
        return (y1, y2);
    }
    let mid = y1 + y2;
    let beta_low = 1.0 + 2.0 * (y1 - lower) / delta;
    let low = 0.5 * (mid - contracted_beta(beta_low, eta, u) * delta);
    let beta_high = 1.0 + 2.0 * (upper - y2) / delta;
    let high = 0.5 * (mid + contracted_beta(beta_high, eta, u) * delta);
    (
        finite_or(low.clamp(lower, upper), y1),
        finite_or(high.clamp(lower, upper), y2),
    )
}

fn contracted_beta(beta: f64, eta: f64, u: f64) -> f64 {
    let exponent = 1.0 / (eta + 1.0);
    let alpha = 2.0 - 1.0 / power(beta, eta + 1.0);
    if u <= 1.0 / alpha {
        (u * alpha).powf(exponent)
    } else {
        (1.0 / (2.0 - u * alpha)).powf(exponent)
    }
}

/// Mutates each variable in place with bounded polynomial mutation.
///
/// Each variable changes with probability `probability`, unless its bounds are equal. With
/// δ1 = (x - lower) / (upper - lower), δ2 = (upper - x) / (upper - lower), u uniform in
/// [0, 1) and p = 1 / (η + 1), the step is δq = (2u + (1 - 2u)(1 - δ1)^(η+1))^p - 1 when
/// u <= 0.5 and δq = 1 - (2(1 - u) + 2(u - 0.5)(1 - δ2)^(η+1))^p otherwise. The new value
/// is x + δq (upper - lower), clamped to the bounds to remove rounding error.
pub fn polynomial_mutation(
    rng: &mut ChaCha8Rng,
    x: &mut [f64],
    bounds: Bounds<'_>,
    probability: f64,
    eta: f64,
) {
    let boxes = bounds.lower.iter().zip(bounds.upper);
    for (value, (&lower, &upper)) in x.iter_mut().zip(boxes) {
        if rng.random::<f64>() >= probability || lower >= upper {
            continue;
        }
        let u = rng.random::<f64>();
        *value = mutate_value(*value, lower, upper, eta, u);
    }
}

fn mutate_value(value: f64, lower: f64, upper: f64, eta: f64, u: f64) -> f64 {
    let x = value.clamp(lower, upper);
    let span = upper - lower;
    let exponent = 1.0 / (eta + 1.0);
    let step = if u <= 0.5 {
        let delta1 = (x - lower) / span;
        let base = 2.0 * u + (1.0 - 2.0 * u) * power(1.0 - delta1, eta + 1.0);
        base.powf(exponent) - 1.0
    } else {
        let delta2 = (upper - x) / span;
        let base = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * power(1.0 - delta2, eta + 1.0);
        1.0 - base.powf(exponent)
    };
    finite_or((x + step * span).clamp(lower, upper), x)
}

/// Returns `base` raised to `exponent`, by repeated multiplication when the exponent is a
/// whole number up to 64, as with the usual distribution indices, because that costs a
/// fraction of `powf`.
fn power(base: f64, exponent: f64) -> f64 {
    if exponent.fract() == 0.0 && (1.0..=64.0).contains(&exponent) {
        base.powi(exponent as i32)
    } else {
        base.powf(exponent)
    }
}

fn finite_or(value: f64, fallback: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::RngExt;

    fn within(values: &[f64], lower: &[f64], upper: &[f64]) -> bool {
        values
            .iter()
            .zip(lower.iter().zip(upper))
            .all(|(value, (lo, hi))| lo <= value && value <= hi)
    }

    /// Random box bounds with some zero-width variables, and two parents inside them.
    fn bounded_pair() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)> {
        prop::collection::vec(
            (
                -1.0e3..1.0e3_f64,
                0.0..1.0e3_f64,
                0.0..=1.0_f64,
                0.0..=1.0_f64,
            ),
            1..12,
        )
        .prop_map(|rows| {
            let mut lower = Vec::new();
            let mut upper = Vec::new();
            let mut first = Vec::new();
            let mut second = Vec::new();
            for (lo, width, a, b) in rows {
                let width = if width < 50.0 { 0.0 } else { width };
                lower.push(lo);
                upper.push(lo + width);
                first.push(lo + a * width);
                second.push(lo + b * width);
            }
            (lower, upper, first, second)
        })
    }

    proptest! {
        #[test]
        fn sbx_children_stay_in_bounds(
            (lower, upper, mut first, mut second) in bounded_pair(),
            eta in 0.01..100.0_f64,
            seed in any::<u64>(),
        ) {
            let mut rng = stream_rng(seed, 1, 0);
            let bounds = Bounds { lower: &lower, upper: &upper };
            sbx_crossover(&mut rng, &mut first, &mut second, bounds, 1.0, eta);
            prop_assert!(within(&first, &lower, &upper), "first child {first:?} left bounds");
            prop_assert!(within(&second, &lower, &upper), "second child {second:?} left bounds");
        }

        #[test]
        fn mutation_stays_in_bounds(
            (lower, upper, mut x, _) in bounded_pair(),
            eta in 0.01..100.0_f64,
            seed in any::<u64>(),
        ) {
            let mut rng = stream_rng(seed, 1, 0);
            let bounds = Bounds { lower: &lower, upper: &upper };
            polynomial_mutation(&mut rng, &mut x, bounds, 1.0, eta);
            prop_assert!(within(&x, &lower, &upper), "mutant {x:?} left bounds");
        }

        #[test]
        fn sbx_children_straddle_midpoint(
            a in 0.0..=1.0_f64,
            b in 0.0..=1.0_f64,
            eta in 0.01..100.0_f64,
            u in 0.0..1.0_f64,
        ) {
            let (low, high) = sbx_children(a, b, 0.0, 1.0, eta, u);
            let mid = 0.5 * (a + b);
            prop_assert!(low <= mid + 1e-12, "low child {low} above midpoint {mid}");
            prop_assert!(high >= mid - 1e-12, "high child {high} below midpoint {mid}");
        }
    }

    #[test]
    fn stream_depends_on_each_input() {
        let draw = |seed, generation, index| stream_rng(seed, generation, index).random::<u64>();
        let base = draw(1, 2, 3);
        assert_eq!(base, draw(1, 2, 3));
        assert_ne!(base, draw(2, 2, 3));
        assert_ne!(base, draw(1, 3, 3));
        assert_ne!(base, draw(1, 2, 4));
        // Swapping generation and index must not give the same stream.
        assert_ne!(base, draw(1, 3, 2));
    }

    #[test]
    fn sbx_with_zero_probability_keeps_parents() {
        let (lower, upper) = (vec![0.0; 3], vec![1.0; 3]);
        let (mut first, mut second) = (vec![0.1, 0.2, 0.3], vec![0.9, 0.8, 0.7]);
        let mut rng = stream_rng(7, 1, 0);
        let bounds = Bounds {
            lower: &lower,
            upper: &upper,
        };
        sbx_crossover(&mut rng, &mut first, &mut second, bounds, 0.0, 15.0);
        assert_eq!(first, vec![0.1, 0.2, 0.3]);
        assert_eq!(second, vec![0.9, 0.8, 0.7]);
    }

    #[test]
    fn sbx_changes_some_variable() {
        let (lower, upper) = (vec![0.0; 20], vec![1.0; 20]);
        let (mut first, mut second) = (vec![0.2; 20], vec![0.8; 20]);
        let mut rng = stream_rng(7, 1, 0);
        let bounds = Bounds {
            lower: &lower,
            upper: &upper,
        };
        sbx_crossover(&mut rng, &mut first, &mut second, bounds, 1.0, 15.0);
        assert!(first.iter().any(|value| *value != 0.2 && *value != 0.8));
    }

    #[test]
    fn sbx_children_match_formula() {
        // eta = 1, bounds [0, 4], parents 1 and 3, u = 0.5: beta = 2 for both children,
        // alpha = 2 - 2^-2 = 1.75, u <= 1 / alpha, so betaq = (0.875)^(1/2).
        let betaq = 0.875_f64.sqrt();
        let (low, high) = sbx_children(3.0, 1.0, 0.0, 4.0, 1.0, 0.5);
        assert!((low - (2.0 - betaq)).abs() < 1e-12);
        assert!((high - (2.0 + betaq)).abs() < 1e-12);
    }

    #[test]
    fn mutation_matches_formula() {
        // eta = 1, bounds [0, 1], x = 0.5, u = 0.25: delta1 = 0.5,
        // base = 0.5 + 0.5 * 0.25 = 0.625, step = 0.625^(1/2) - 1.
        let expected = 0.5 + (0.625_f64.sqrt() - 1.0);
        assert!((mutate_value(0.5, 0.0, 1.0, 1.0, 0.25) - expected).abs() < 1e-12);
        // u = 0.75: delta2 = 0.5, base = 0.5 + 0.5 * 0.25 = 0.625, step = 1 - 0.625^(1/2).
        let expected = 0.5 + (1.0 - 0.625_f64.sqrt());
        assert!((mutate_value(0.5, 0.0, 1.0, 1.0, 0.75) - expected).abs() < 1e-12);
    }

    #[test]
    fn mutation_skips_fixed_variable() {
        let (lower, upper) = (vec![0.5, 0.0], vec![0.5, 1.0]);
        let mut x = vec![0.5, 0.5];
        let mut rng = stream_rng(3, 1, 0);
        let bounds = Bounds {
            lower: &lower,
            upper: &upper,
        };
        polynomial_mutation(&mut rng, &mut x, bounds, 1.0, 20.0);
        assert_eq!(x[0], 0.5);
        assert_ne!(x[1], 0.5);
    }

    #[test]
    fn tournament_prefers_better_member() {
        let mut rng = stream_rng(11, 1, 0);
        // Member 0 beats member 1, so member 1 wins only when drawn twice: 1 in 4 on average.
        let wins_of_worse = (0..4000)
            .filter(|_| binary_tournament(&mut rng, 2, |a, b| a == 0 && b != 0) == 1)
            .count();
        assert!(
            (800..1200).contains(&wins_of_worse),
            "worse member won {wins_of_worse} of 4000"
        );
    }

    #[test]
    fn tournament_without_winner_is_fair() {
        let mut rng = stream_rng(12, 1, 0);
        let wins_of_first = (0..4000)
            .filter(|_| binary_tournament(&mut rng, 2, |_, _| false) == 0)
            .count();
        assert!(
            (1800..2200).contains(&wins_of_first),
            "first member won {wins_of_first} of 4000"
        );
    }
}
