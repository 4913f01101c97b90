//! Tick positions and tick labels that stay readable for large numbers.

/// Values whose larger end reaches this magnitude are labelled in scientific
/// notation, because a suffix label would need too many digits.
const SCIENTIFIC_FROM: f64 = 1e15;
/// Most decimals a tick label shows before switching to scientific notation.
const MAX_DECIMALS: i32 = 6;

/// Returns the smallest step of the form 1, 2 or 5 times a power of ten that
/// splits `span` into at most `max_ticks` ticks, the same steps plotters uses.
pub(crate) fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let intervals = max_ticks.saturating_sub(1).max(1) as f64;
    let raw = span.abs() / intervals;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|multiple| multiple * power)
        .find(|step| *step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// Returns the multiples of `step` within `lo..=hi`, at most `max_ticks` of them.
pub(crate) fn tick_values(lo: f64, hi: f64, step: f64, max_ticks: usize) -> Vec<f64> {
    if !(step.is_finite() && step > 0.0 && lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let first = (lo / step).ceil();
    (0..max_ticks)
        .map(|k| (first + k as f64) * step)
        .take_while(|value| *value <= hi + step * 1e-9)
        .collect()
}

/// Tick label format of one axis: one unit suffix and precision for all ticks.
///
/// Magnitudes from 10 000 get a k, M, B or T suffix (`250k`, `1.5M`), smaller
/// whole numbers get thousands separators (`2,500`), and magnitudes from 1e15
/// use scientific notation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TickFormat {
    divisor: f64,
    suffix: &'static str,
    decimals: usize,
    scientific: bool,
}

impl TickFormat {
    /// Chooses the suffix from the larger end of `lo..=hi` and the decimals
    /// from `step`, the distance between neighbouring ticks.
    pub(crate) fn new(lo: f64, hi: f64, step: f64) -> Self {
        let magnitude = lo.abs().max(hi.abs());
        let (divisor, suffix) = match magnitude {
            m if m >= 1e12 => (1e12, "T"),
            m if m >= 1e9 => (1e9, "B"),
            m if m >= 1e6 => (1e6, "M"),
            m if m >= 1e4 => (1e3, "k"),
            _ => (1.0, ""),
        };
        let decimals = -(step / divisor).log10().floor();
        let decimals = if decimals.is_finite() {
            decimals as i32
        } else {
            0
        };
        TickFormat {
            divisor,
            suffix,
            decimals: decimals.clamp(0, MAX_DECIMALS) as usize,
            scientific: magnitude >= SCIENTIFIC_FROM || decimals > MAX_DECIMALS,
        }
    }

    /// Formats one tick value, e.g. `1.25M`, `2,500` or `0.05`.
    pub(crate) fn format(&self, value: f64) -> String {
        if self.scientific {
            return format!("{value:.2e}");
        }
        let scaled = value / self.divisor;
        let fixed = format!("{:.*}", decimals_needed(scaled, self.decimals), scaled);
        let text = if self.suffix.is_empty() {
            group_thousands(&fixed)
        } else {
            fixed
        };
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            return "0".to_owned();
        }
        format!("{text}{}", self.suffix)
    }
}

/// Returns at least `decimals`, more if `value` needs them to show as itself.
///
/// Plotters picks its own tick positions, which can be finer than the step the
/// format was made for, and without this 0.05 and 0.1 would both show as 0.1.
fn decimals_needed(value: f64, decimals: usize) -> usize {
    let mut needed = decimals;
    while needed < MAX_DECIMALS as usize {
        let shifted = value * 10f64.powi(needed as i32);
        if (shifted - shifted.round()).abs() < 1e-6 {
            break;
        }
        needed += 1;
    }
    needed
}

/// Inserts a comma every three digits of the integer part of a formatted number.
fn group_thousands(fixed: &str) -> String {
    let (sign, unsigned) = match fixed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", fixed),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let mut grouped = String::with_capacity(fixed.len() + integer.len() / 3);
    grouped.push_str(sign);
    for (i, digit) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    grouped
}

/// Formats an amount with three significant digits and a k, M, B or T suffix,
/// e.g. `1.25M`, for subtitles that state a total.
pub(crate) fn format_amount(value: f64) -> String {
    let magnitude = value.abs();
    let step = if magnitude > 0.0 {
        10f64.powf(magnitude.log10().floor() - 2.0)
    } else {
        1.0
    };
    let step = step.max(0.01);
    let rounded = (value / step).round() * step;
    TickFormat::new(rounded, rounded, step).format(rounded)
}

/// Formats a value in full for a table cell: whole numbers with thousands
/// separators from 100 on, e.g. `1,234,567`, three significant digits below,
/// e.g. `12.3` or `0.0456`, and scientific notation from 1e15 and below 1e-4.
pub(crate) fn format_grouped(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        return "0".to_owned();
    }
    if !(1e-4..SCIENTIFIC_FROM).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    if magnitude >= 100.0 {
        return group_thousands(&format!("{value:.0}"));
    }
    let decimals = (2.0 - magnitude.log10().floor()).max(0.0) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_step_uses_one_two_five() {
        assert_eq!(nice_step(1_000_000.0, 6), 200_000.0);
        assert_eq!(nice_step(10.0, 11), 1.0);
        assert_eq!(nice_step(0.9, 4), 0.5);
        assert_eq!(nice_step(0.0, 5), 1.0);
    }

    #[test]
    fn tick_values_are_step_multiples_inside_range() {
        assert_eq!(tick_values(-0.1, 1.05, 0.5, 10), vec![0.0, 0.5, 1.0]);
        assert_eq!(
            tick_values(150.0, 990.0, 200.0, 10),
            vec![200.0, 400.0, 600.0, 800.0]
        );
        assert_eq!(tick_values(0.0, 1e9, 1.0, 3).len(), 3);
        assert!(tick_values(0.0, 1.0, f64::NAN, 3).is_empty());
    }

    #[test]
    fn large_values_get_suffixes() {
        let format = TickFormat::new(0.0, 1_200_000.0, 200_000.0);
        assert_eq!(format.format(0.0), "0");
        assert_eq!(format.format(400_000.0), "0.4M");
        assert_eq!(format.format(1_000_000.0), "1.0M");
        let format = TickFormat::new(40_000.0, 95_000.0, 5_000.0);
        assert_eq!(format.format(85_000.0), "85k");
        let format = TickFormat::new(0.0, 3e9, 5e8);
        assert_eq!(format.format(2.5e9), "2.5B");
    }

    #[test]
    fn small_integers_get_thousands_separators() {
        let format = TickFormat::new(-9_000.0, 9_000.0, 2_000.0);
        assert_eq!(format.format(8_000.0), "8,000");
        assert_eq!(format.format(-6_000.0), "-6,000");
        assert_eq!(format.format(500.0), "500");
    }

    #[test]
    fn fractions_get_decimals_from_step() {
        let format = TickFormat::new(0.0, 1.0, 0.05);
        assert_eq!(format.format(0.35), "0.35");
        assert_eq!(format.format(0.3), "0.30");
        assert_eq!(format.format(-0.0000001), "0");
    }

    #[test]
    fn finer_ticks_than_step_stay_distinct() {
        let format = TickFormat::new(0.0, 1.0, 0.1);
        assert_eq!(format.format(0.1), "0.1");
        assert_eq!(format.format(0.05), "0.05");
        assert_eq!(format.format(1.0 / 3.0), "0.333333");
    }

    #[test]
    fn extreme_values_use_scientific_notation() {
        let format = TickFormat::new(0.0, 2e300, 5e299);
        assert_eq!(format.format(1e300), "1.00e300");
        let format = TickFormat::new(0.0, 1e-8, 2e-9);
        assert_eq!(format.format(4e-9), "4.00e-9");
    }

    #[test]
    fn grouped_values_show_every_digit_from_100() {
        assert_eq!(format_grouped(1_234_567.0), "1,234,567");
        assert_eq!(format_grouped(-1_234_567.4), "-1,234,567");
        assert_eq!(format_grouped(999.6), "1,000");
        assert_eq!(format_grouped(100.0), "100");
        assert_eq!(format_grouped(12.345), "12.3");
        assert_eq!(format_grouped(0.04567), "0.0457");
        assert_eq!(format_grouped(0.0), "0");
        assert_eq!(format_grouped(2.5e15), "2.50e15");
        assert_eq!(format_grouped(2.5e-7), "2.50e-7");
    }

    #[test]
    fn amounts_keep_three_significant_digits() {
        assert_eq!(format_amount(1_234_567.0), "1.23M");
        assert_eq!(format_amount(950.0), "950");
        assert_eq!(format_amount(12_345.0), "12.3k");
        assert_eq!(format_amount(0.0), "0");
    }
}
