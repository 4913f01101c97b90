//! Colour-blind-safe colours, chosen by a channel's position so that every chart
//! of a run shows the same channel in the same colour.

use plotters::style::RGBColor;

/// The eight Okabe-Ito colours (Color Universal Design) with black moved last,
/// then Paul Tol's muted, light and medium-contrast qualitative schemes without
/// their greys, in the order of Tol's `tol_colors.py`.
const CHANNEL_COLOURS: [RGBColor; 31] = [
    // Okabe-Ito
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x00, 0x00, 0x00), // black
    // Tol muted
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0xDD, 0xCC, 0x77), // sand
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0xAA, 0x44, 0x99), // purple
    // Tol light
    RGBColor(0x77, 0xAA, 0xDD), // light blue
    RGBColor(0xEE, 0x88, 0x66), // orange
    RGBColor(0xEE, 0xDD, 0x88), // light yellow
    RGBColor(0xFF, 0xAA, 0xBB), // pink
    RGBColor(0x99, 0xDD, 0xFF), // light cyan
    RGBColor(0x44, 0xBB, 0x99), // mint
    RGBColor(0xBB, 0xCC, 0x33), // pear
    RGBColor(0xAA, 0xAA, 0x00), // olive
    // Tol medium contrast
    RGBColor(0x66, 0x99, 0xCC), // light blue
    RGBColor(0x00, 0x44, 0x88), // dark blue
    RGBColor(0xEE, 0xCC, 0x66), // light yellow
    RGBColor(0x99, 0x44, 0x55), // dark red
    RGBColor(0x99, 0x77, 0x00), // dark yellow
    RGBColor(0xEE, 0x99, 0xAA), // light red
];

/// Returns the colour of the channel at `index` in the chart's channel list.
///
/// The first 31 channels get distinct colours. The first 8 are designed to stay
/// distinguishable under the common colour-vision deficiencies, and later ones
/// are harder to tell apart. From channel 32 on the colours repeat.
pub fn channel_colour(index: usize) -> RGBColor {
    CHANNEL_COLOURS[index % CHANNEL_COLOURS.len()]
}

/// Okabe-Ito blue for Pareto front members.
pub(crate) const FRONT: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe-Ito vermillion for the current plan.
pub(crate) const CURRENT: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Near-black for the ring around the chosen plan.
pub(crate) const CHOSEN: RGBColor = RGBColor(0x11, 0x11, 0x11);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_colours_are_okabe_ito() {
        assert_eq!(channel_colour(0), RGBColor(0xE6, 0x9F, 0x00));
        assert_eq!(channel_colour(4), RGBColor(0x00, 0x72, 0xB2));
    }

    #[test]
    fn palette_colours_are_distinct() {
        for (i, a) in CHANNEL_COLOURS.iter().enumerate() {
            for b in &CHANNEL_COLOURS[i + 1..] {
                assert_ne!(a, b, "colour at index {i} repeats");
            }
        }
    }

    #[test]
    fn colours_repeat_after_palette_end() {
        assert_eq!(channel_colour(CHANNEL_COLOURS.len()), channel_colour(0));
        assert_eq!(channel_colour(CHANNEL_COLOURS.len() + 3), channel_colour(3));
    }
}
