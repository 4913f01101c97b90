//! The bundled font, text sizes scaled to the chart size, and shared colours.

use std::sync::OnceLock;

use plotters::style::{register_font, FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};

use crate::size::ChartSize;

/// DejaVu Sans 2.37, licensed as described in `assets/DejaVuSans-LICENSE.txt`.
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Dark grey for text and axes, softer than pure black on slides.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Mid grey for secondary text such as subtitles and notes.
pub(crate) const MUTED_INK: RGBColor = RGBColor(0x66, 0x66, 0x66);
/// Light grey for grid lines and panel backgrounds.
pub(crate) const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

/// Registers the bundled font as plotters' `sans-serif` family, once per process.
///
/// Every text style in this crate uses that family, so plotters never looks up a
/// system font and text metrics are the same on every machine.
pub(crate) fn register_bundled_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| {
        register_font(
            FontFamily::SansSerif.as_str(),
            FontStyle::Normal,
            DEJAVU_SANS,
        )
        .is_ok()
    });
    if registered {
        Ok(())
    } else {
        Err("the bundled DejaVu Sans font failed to load".to_owned())
    }
}

/// Smallest factor applied to the sizes designed for 1200 x 800.
const MIN_SCALE: f64 = 0.75;
/// Height of one line of tick-font text at 1200 x 800, in pixels.
const LINE_HEIGHT: f64 = 24.0;

/// Pixel sizes of text, markers and gaps for one chart size.
///
/// Sizes are designed for 1200 x 800 and scale with the smaller of
/// `height / 800` and `width / 1200`, but never below 3/4 size, because smaller
/// text is hard to read on a slide. Plotters sets
/// SVG `font-size` to its font size divided by 1.24, so the tick size of 18 gives
/// 14.5 px text at 1200 x 800.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    scale: f64,
}

impl Theme {
    pub(crate) fn new(size: ChartSize) -> Self {
        let by_height = f64::from(size.height) / 800.0;
        let by_width = f64::from(size.width) / 1200.0;
        Theme {
            scale: by_height.min(by_width).max(MIN_SCALE),
        }
    }

    /// Returns this theme with its scale lowered to `scale`, but never below
    /// the minimum of 3/4 or above this theme's own scale.
    pub(crate) fn shrunk_to(&self, scale: f64) -> Theme {
        Theme {
            scale: scale.min(self.scale).max(MIN_SCALE),
        }
    }

    /// Returns this theme shrunk so that [`Theme::line_height`] is at most
    /// `pixels`, within the limits of [`Theme::shrunk_to`].
    pub(crate) fn shrunk_to_line_height(&self, pixels: u32) -> Theme {
        self.shrunk_to(f64::from(pixels) / LINE_HEIGHT)
    }

    /// Returns the factor applied to the sizes designed for 1200 x 800.
    pub(crate) fn scale(&self) -> f64 {
        self.scale
    }

    /// Returns this theme with its sizes multiplied by `factor`, at most 1, but
    /// never below 3/4 of this theme's sizes or of the sizes at 1200 x 800.
    ///
    /// Small panels of a large chart use it, so that their text keeps at least
    /// 3/4 of the size of the chart's other text, as it does at 1200 x 800.
    pub(crate) fn shrunk(&self, factor: f64) -> Self {
        let floor = (self.scale * MIN_SCALE).max(MIN_SCALE);
        Theme {
            scale: (self.scale * factor.min(1.0)).max(floor),
        }
    }

    /// Returns `base` pixels at 1200 x 800, scaled to this chart, at least 1.
    pub(crate) fn px(&self, base: f64) -> u32 {
        (base * self.scale).round().max(1.0) as u32
    }

    pub(crate) fn title_font(&self) -> FontDesc<'static> {
        self.font(30.0)
    }

    pub(crate) fn subtitle_font(&self) -> FontDesc<'static> {
        self.font(19.0)
    }

    /// Font of axis descriptions and diagonal objective names.
    pub(crate) fn label_font(&self) -> FontDesc<'static> {
        self.font(20.0)
    }

    /// Font of tick labels, legend entries and row labels.
    pub(crate) fn tick_font(&self) -> FontDesc<'static> {
        self.font(18.0)
    }

    /// Height of one line of tick-font text, including spacing.
    pub(crate) fn line_height(&self) -> u32 {
        self.px(LINE_HEIGHT)
    }

    /// Radius of a front member's dot.
    pub(crate) fn dot_radius(&self) -> u32 {
        self.px(5.0)
    }

    /// Size of the current plan's triangle.
    pub(crate) fn triangle_size(&self) -> u32 {
        self.px(10.0)
    }

    /// Radius of the ring around the chosen plan.
    pub(crate) fn ring_radius(&self) -> u32 {
        self.px(10.0)
    }

    /// Stroke width of the ring around the chosen plan.
    pub(crate) fn ring_width(&self) -> u32 {
        self.px(2.5)
    }

    fn font(&self, base: f64) -> FontDesc<'static> {
        FontDesc::new(FontFamily::SansSerif, base * self.scale, FontStyle::Normal)
    }
}

/// Returns the style of `font` in `colour`.
pub(crate) fn text_style(font: &FontDesc<'static>, colour: RGBColor) -> TextStyle<'static> {
    font.color(&colour)
}

/// Returns the width of `text` in pixels, or an estimate if the font fails.
pub(crate) fn text_width(font: &FontDesc<'_>, text: &str) -> u32 {
    match font.box_size(text) {
        Ok((width, _)) => width,
        // Only reachable if the bundled font failed to register, and then the
        // render fails with that error before any text is drawn.
        Err(_) => {
            let count = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
            ((font.get_size() * 0.6) as u32).saturating_mul(count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_font_reaches_14_px() {
        register_bundled_font().expect("bundled font");
        let theme = Theme::new(ChartSize::default());
        let svg_font_size = theme.tick_font().get_size() / 1.24;
        assert!(svg_font_size >= 14.0, "{svg_font_size}");
    }

    #[test]
    fn theme_scales_with_height_and_width() {
        let large = Theme::new(ChartSize {
            width: 2400,
            height: 1600,
        });
        assert_eq!(large.px(10.0), 20);
        let wide_and_short = Theme::new(ChartSize {
            width: 8000,
            height: 200,
        });
        assert_eq!(wide_and_short.px(10.0), 8);
    }

    #[test]
    fn shrunk_theme_stays_within_scale_range() {
        let theme = Theme::new(ChartSize::default());
        assert_eq!(theme.shrunk_to(0.9).px(100.0), 90);
        assert_eq!(theme.shrunk_to(0.1).px(100.0), 75);
        assert_eq!(theme.shrunk_to(2.0).px(100.0), 100);
        for pixels in 18..=24 {
            let line = theme.shrunk_to_line_height(pixels).line_height();
            assert_eq!(line, pixels, "line height for {pixels} px");
        }
        assert_eq!(theme.shrunk_to_line_height(10).line_height(), 18);
    }

    #[test]
    fn shrunk_theme_keeps_three_quarters() {
        let default = Theme::new(ChartSize::default());
        assert_eq!(default.shrunk(1.5).px(100.0), 100);
        assert_eq!(default.shrunk(0.9).px(100.0), 90);
        assert_eq!(default.shrunk(0.2).px(100.0), 75);
        let large = Theme::new(ChartSize {
            width: 2400,
            height: 1600,
        });
        assert_eq!(large.shrunk(0.2).px(100.0), 150);
        let small = Theme::new(ChartSize {
            width: 400,
            height: 300,
        });
        assert_eq!(small.shrunk(0.2).px(100.0), 75);
    }

    #[test]
    fn text_width_uses_bundled_font_metrics() {
        register_bundled_font().expect("bundled font");
        let font = Theme::new(ChartSize::default()).tick_font();
        assert!(font.box_size("ab").is_ok(), "font lookup failed");
        // The estimate used without a font gives every character the same width.
        let narrow = text_width(&font, "iiii");
        let wide = text_width(&font, "WWWW");
        assert!(narrow > 0);
        assert!(wide > 2 * narrow, "{narrow} {wide}");
    }
}
