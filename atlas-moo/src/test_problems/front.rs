//! Numerical helpers for the analytic fronts: even spacing, the Pareto-optimal pieces of a
//! curve, simplex lattices and the volume of the unit ball.

use std::f64::consts::PI;

use crate::sweep::lattice_size;

/// A closed interval [start, end] of t on which a curve (t, h(t)) is Pareto-optimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Piece {
    pub(super) start: f64,
    pub(super) end: f64,
}

/// Number of grid cells on [0, 1] in which [`optimal_pieces`] looks for sign changes of the
/// derivative. The curves here oscillate with periods 0.2 (ZDT3) and 2/3 (DTLZ7), so a cell
/// of 1/4096 cannot hide a pair of critical points.
const SCAN_CELLS: usize = 4096;

/// Returns `count` values from `start` to `end`, evenly spaced and ending exactly at `end`.
/// One value gives `start`.
pub(super) fn spaced(start: f64, end: f64, count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![start];
    }
    let last = count.saturating_sub(1) as f64;
    (0..count)
        .map(|index| {
            if index + 1 == count {
                end
            } else {
                start + (end - start) * (index as f64 / last)
            }
        })
        .collect()
}

/// Finds the pieces of t in [0, 1] where the curve (t, h(t)) is Pareto-optimal with both
/// coordinates minimized, that is, where h(t) is below h at every smaller t.
///
/// `dh` is the derivative of `h`. Each piece runs from the first t where h drops below the
/// lowest value before it down to the next local minimum, which ends the piece. Critical
/// points come from a sign scan of `dh` over [`SCAN_CELLS`] cells refined by bisection to
/// machine precision. The start of every piece after the first is the first representable
/// t where h is below the previous level, so every point of a piece is optimal.
pub(super) fn optimal_pieces(h: impl Fn(f64) -> f64, dh: impl Fn(f64) -> f64) -> Vec<Piece> {
    let mut breakpoints = vec![0.0];
    breakpoints.extend(critical_points(&dh));
    breakpoints.push(1.0);

    let mut pieces: Vec<Piece> = Vec::new();
    let mut level = f64::INFINITY;
    for pair in breakpoints.windows(2) {
        let (low, high) = (pair[0], pair[1]);
        let decreasing = h(high) < h(low);
        if !decreasing {
            // An increasing start still leaves t = 0 optimal, as a single point.
            if pieces.is_empty() && low == 0.0 {
                pieces.push(Piece {
                    start: 0.0,
                    end: 0.0,
                });
                level = h(0.0);
            }
            continue;
        }
        if h(high) >= level {
            continue;
        }
        let start = if level.is_infinite() {
            low
        } else {
            // h decreases monotonically on [low, high] from at least `level` to below it.
            bisect(|t| h(t) < level, low, high)[1]
        };
        pieces.push(Piece { start, end: high });
        level = h(high);
    }
    pieces
}

/// Returns the points in (0, 1) where `dh` changes sign, in ascending order.
fn critical_points(dh: &impl Fn(f64) -> f64) -> Vec<f64> {
    let rising = |t: f64| dh(t) > 0.0;
    let mut points = Vec::new();
    for cell in 0..SCAN_CELLS {
        let low = cell as f64 / SCAN_CELLS as f64;
        let high = (cell + 1) as f64 / SCAN_CELLS as f64;
        if rising(low) != rising(high) {
            let [below, above] = bisect(rising, low, high);
            points.push(below + (above - below) / 2.0);
        }
    }
    points
}

/// Narrows [low, high], on whose ends `predicate` differs, to two adjacent floating-point
/// numbers where it still differs, and returns them.
fn bisect(predicate: impl Fn(f64) -> bool, mut low: f64, mut high: f64) -> [f64; 2] {
    let at_low = predicate(low);
    loop {
        let middle = low + (high - low) / 2.0;
        if middle <= low || middle >= high {
            return [low, high];
        }
        if predicate(middle) == at_low {
            low = middle;
        } else {
            high = middle;
        }
    }
}

/// Spreads `count` values over the pieces in proportion to their lengths and evenly
/// within each piece.
///
/// The first piece gets both of its ends when it receives two values or more. Later pieces
/// get their end but not their start. The start of a later piece ties with the end of the
/// piece before it in h, so rounding in a sum of h values can make it dominated. The
/// shares are rounded by the largest-remainder method, with ties going to the earlier
/// piece, so the result has exactly `count` values in ascending order.
pub(super) fn sample_pieces(pieces: &[Piece], count: usize) -> Vec<f64> {
    let lengths: Vec<f64> = pieces.iter().map(|p| p.end - p.start).collect();
    let total: f64 = lengths.iter().sum();
    let quotas: Vec<f64> = if total > 0.0 {
        lengths.iter().map(|l| count as f64 * l / total).collect()
    } else {
        (0..pieces.len())
            .map(|index| if index == 0 { count as f64 } else { 0.0 })
            .collect()
    };
    let mut shares: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let assigned: usize = shares.iter().sum();
    let mut by_remainder: Vec<usize> = (0..pieces.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let remainder = |index: usize| quotas[index] - quotas[index].floor();
        remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b))
    });
    for &index in by_remainder.iter().take(count.saturating_sub(assigned)) {
        shares[index] += 1;
    }

    let mut values = Vec::with_capacity(count);
    for (index, (piece, &share)) in pieces.iter().zip(&shares).enumerate() {
        if index == 0 {
            values.extend(spaced(piece.start, piece.end, share));
        } else {
            // Of share + 1 evenly spaced values from start to end, drop the start.
            values.extend(
                spaced(piece.start, piece.end, share + 1)
                    .into_iter()
                    .skip(1),
            );
        }
    }
    values
}

/// Returns the hypervolume that the curve (t, h(t)) restricted to `pieces` dominates up to
/// (reference, reference), both coordinates minimized.
///
/// `antiderivative` is a primitive of `h`. Over a piece the dominated strip has height
/// reference - h(t), and over the gap after it the height stays at reference - h(end),
/// up to the next piece or to t = reference. The pieces must lie inside the box.
pub(super) fn pieces_hypervolume(
    pieces: &[Piece],
    h: impl Fn(f64) -> f64,
    antiderivative: impl Fn(f64) -> f64,
    reference: f64,
) -> f64 {
    let mut total = 0.0;
    for (index, piece) in pieces.iter().enumerate() {
        let width = piece.end - piece.start;
        total += reference * width - (antiderivative(piece.end) - antiderivative(piece.start));
        let next = pieces.get(index + 1).map_or(reference, |p| p.start);
        total += (next - piece.end) * (reference - h(piece.end));
    }
    total
}

/// Returns the number of divisions of the densest simplex lattice over `n_obj` objectives
/// with at most `points` points, or `None` when even one division (the `n_obj` corners)
/// has more points.
pub(super) fn lattice_divisions(n_obj: usize, points: usize) -> Option<usize> {
    let fits = |divisions: usize| lattice_size(n_obj, divisions).is_some_and(|size| size <= points);
    if !fits(1) {
        return None;
    }
    let mut divisions = 1;
    while fits(divisions + 1) {
        divisions += 1;
    }
    Some(divisions)
}

/// Lists every vector of `n_obj` multiples of 1 / `divisions` that sum to 1, in
/// lexicographic order of the multiples. `n_obj` must be at least 2.
pub(super) fn simplex_lattice(n_obj: usize, divisions: usize) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    if n_obj < 2 {
        return out;
    }
    let last = n_obj - 1;
    let mut counts = vec![0; n_obj];
    counts[last] = divisions;
    loop {
        out.push(
            counts
                .iter()
                .map(|&c| c as f64 / divisions as f64)
                .collect(),
        );
        // Successor in lexicographic order: move one unit from the last count to the one
        // before it, or, when the last count is 0, carry into the next position to the left.
        if counts[last] > 0 {
            counts[last] -= 1;
            counts[last - 1] += 1;
            continue;
        }
        let Some(position) = counts[..last].iter().rposition(|&c| c > 0) else {
            break;
        };
        if position == 0 {
            break;
        }
        counts[last] = counts[position] - 1;
        counts[position] = 0;
        counts[position - 1] += 1;
    }
    out
}

/// Returns the volume of the unit ball in `dimension` dimensions, from V_0 = 1, V_1 = 2 and
/// V_n = V_(n-2) · 2π / n.
pub(super) fn unit_ball_volume(dimension: usize) -> f64 {
    let mut n = dimension % 2;
    let mut volume = if n == 0 { 1.0 } else { 2.0 };
    while n + 2 <= dimension {
        n += 2;
        volume *= 2.0 * PI / n as f64;
    }
    volume
}

/// Returns how many values per axis a grid over `axes` axes can have with at most `points`
/// points in all, at least 1.
pub(super) fn grid_side(axes: usize, points: usize) -> usize {
    let Ok(exponent) = u32::try_from(axes) else {
        return 1;
    };
    if exponent == 0 {
        return 1;
    }
    if exponent == 1 {
        return points.max(1);
    }
    let mut side: usize = 1;
    while (side + 1)
        .checked_pow(exponent)
        .is_some_and(|total| total <= points)
    {
        side += 1;
    }
    side
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_ends_exactly() {
        assert_eq!(spaced(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(spaced(0.3, 0.7, 1), vec![0.3]);
        assert_eq!(spaced(0.1, 0.7, 3).last(), Some(&0.7));
        assert!(spaced(0.0, 1.0, 0).is_empty());
    }

    #[test]
    fn pieces_of_a_parabola_dip() {
        // h = (t - 0.5)^2 falls to 0 at t = 0.5 and rises after, so [0, 0.5] is optimal.
        let pieces = optimal_pieces(|t| (t - 0.5) * (t - 0.5), |t| 2.0 * (t - 0.5));
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].start, 0.0);
        assert!((pieces[0].end - 0.5).abs() < 1e-15, "{pieces:?}");
    }

    #[test]
    fn pieces_of_an_increasing_curve() {
        let pieces = optimal_pieces(|t| t, |_| 1.0);
        assert_eq!(
            pieces,
            vec![Piece {
                start: 0.0,
                end: 0.0
            }]
        );
    }

    #[test]
    fn pieces_of_two_dips() {
        // h = -(1 + t) sin²(2πt) has minima near t = 0.25 and t = 0.75, the second lower
        // because of the factor 1 + t, and rises to 0 in between. The second piece starts
        // where h falls below its value at the first minimum.
        let h = |t: f64| -(1.0 + t) * (2.0 * PI * t).sin().powi(2);
        let dh = |t: f64| {
            let s = (2.0 * PI * t).sin();
            let c = (2.0 * PI * t).cos();
            -(s * s) - (1.0 + t) * 4.0 * PI * s * c
        };
        let pieces = optimal_pieces(h, dh);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        let level = h(pieces[0].end);
        assert!(h(pieces[1].start) < level);
        let before = pieces[1].start - pieces[1].start * f64::EPSILON;
        assert!(h(before) >= level, "{pieces:?}");
    }

    #[test]
    fn sample_pieces_by_length() {
        let pieces = [
            Piece {
                start: 0.0,
                end: 0.3,
            },
            Piece {
                start: 0.5,
                end: 0.6,
            },
        ];
        let values = sample_pieces(&pieces, 8);
        // Quotas 6 and 2. The second piece leaves out its start 0.5.
        assert_eq!(values.len(), 8);
        assert_eq!(values[0], 0.0);
        assert_eq!(values[5], 0.3);
        assert!((values[6] - 0.55).abs() < 1e-15, "{values:?}");
        assert_eq!(values[7], 0.6);
        assert_eq!(sample_pieces(&pieces, 1), vec![0.0]);
        assert!(sample_pieces(&pieces, 0).is_empty());
    }

    #[test]
    fn sample_pieces_rounds_to_count() {
        let pieces = [
            Piece {
                start: 0.0,
                end: 1.0,
            },
            Piece {
                start: 2.0,
                end: 3.0,
            },
            Piece {
                start: 4.0,
                end: 5.0,
            },
        ];
        for count in 1..20 {
            let values = sample_pieces(&pieces, count);
            assert_eq!(values.len(), count);
            assert!(
                values.windows(2).all(|pair| pair[0] < pair[1]),
                "{values:?}"
            );
        }
    }

    #[test]
    fn hypervolume_of_a_line_piece() {
        // h = 1 - t on [0, 1] with reference 1.1: 1.1² minus the triangle 1/2.
        let pieces = [Piece {
            start: 0.0,
            end: 1.0,
        }];
        let value = pieces_hypervolume(&pieces, |t| 1.0 - t, |t| t - t * t / 2.0, 1.1);
        assert!((value - (1.21 - 0.5)).abs() < 1e-15, "{value}");
    }

    #[test]
    fn lattice_divisions_fit() {
        assert_eq!(lattice_divisions(3, 2), None);
        assert_eq!(lattice_divisions(3, 3), Some(1));
        assert_eq!(lattice_divisions(3, 990), Some(43));
        assert_eq!(lattice_divisions(3, 989), Some(42));
        assert_eq!(lattice_divisions(2, 100), Some(99));
    }

    #[test]
    fn simplex_lattice_sizes() {
        let lattice = simplex_lattice(3, 4);
        assert_eq!(lattice.len(), 15);
        assert_eq!(lattice[0], vec![0.0, 0.0, 1.0]);
        assert_eq!(lattice[14], vec![1.0, 0.0, 0.0]);
        for point in &lattice {
            assert!((point.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        }
        assert_eq!(simplex_lattice(2, 1), vec![vec![0.0, 1.0], vec![1.0, 0.0]]);
    }

    #[test]
    fn unit_ball_volumes() {
        let expected = [
            1.0,
            2.0,
            PI,
            4.0 * PI / 3.0,
            PI * PI / 2.0,
            8.0 * PI * PI / 15.0,
        ];
        for (dimension, value) in expected.iter().enumerate() {
            let volume = unit_ball_volume(dimension);
            assert!((volume - value).abs() < 1e-14, "dimension {dimension}");
        }
    }

    #[test]
    fn grid_side_fits() {
        assert_eq!(grid_side(1, 7), 7);
        assert_eq!(grid_side(2, 1000), 31);
        assert_eq!(grid_side(2, 1024), 32);
        assert_eq!(grid_side(3, 7), 1);
        assert_eq!(grid_side(40, 1_000_000), 1);
    }
}
