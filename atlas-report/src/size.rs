//! Output image format and size.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ReportError;

/// Smallest accepted chart width or height in pixels.
pub const MIN_SIDE: u32 = 200;
/// Largest accepted chart width or height in pixels.
pub const MAX_SIDE: u32 = 8000;

/// The file format a chart is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Scalable vector graphics, for decks and web pages.
    Svg,
    /// 8-bit RGB PNG.
    Png,
}

impl ImageFormat {
    /// Returns the usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

impl FromStr for ImageFormat {
    type Err = ReportError;

    /// Parses `svg` or `png`, ignoring ASCII case.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "svg" => Ok(ImageFormat::Svg),
            "png" => Ok(ImageFormat::Png),
            _ => Err(ReportError::UnknownFormat {
                value: value.to_owned(),
            }),
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Chart width and height in pixels.
///
/// SVG output uses the same numbers as its user units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChartSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Default for ChartSize {
    /// 1200 x 800 pixels, a 3:2 slide-sized chart.
    fn default() -> Self {
        ChartSize {
            width: 1200,
            height: 800,
        }
    }
}

impl ChartSize {
    /// Parses `WIDTHxHEIGHT`, e.g. `1920x1080`, and checks both sides.
    ///
    /// The separator may be `x` or `X`, with optional spaces around the numbers.
    ///
    /// # Errors
    ///
    /// [`ReportError::InvalidSize`] if the text is not two whole numbers joined by
    /// `x`, and [`ReportError::SizeOutOfRange`] if a side is outside
    /// [`MIN_SIDE`]`..=`[`MAX_SIDE`].
    pub fn parse(value: &str) -> Result<Self, ReportError> {
        let invalid = || ReportError::InvalidSize {
            value: value.to_owned(),
        };
        let (width, height) = value.split_once(['x', 'X']).ok_or_else(invalid)?;
        let width = width.trim().parse::<u32>().map_err(|_| invalid())?;
        let height = height.trim().parse::<u32>().map_err(|_| invalid())?;
        let size = ChartSize { width, height };
        size.validate()?;
        Ok(size)
    }

    /// Checks that both sides are within [`MIN_SIDE`]`..=`[`MAX_SIDE`] pixels.
    ///
    /// # Errors
    ///
    /// [`ReportError::SizeOutOfRange`] naming the first side that is out of range.
    pub fn validate(self) -> Result<(), ReportError> {
        check_side("width", self.width)?;
        check_side("height", self.height)
    }
}

fn check_side(side: &'static str, value: u32) -> Result<(), ReportError> {
    if (MIN_SIDE..=MAX_SIDE).contains(&value) {
        return Ok(());
    }
    Err(ReportError::SizeOutOfRange {
        side,
        value,
        min: MIN_SIDE,
        max: MAX_SIDE,
    })
}

impl FromStr for ChartSize {
    type Err = ReportError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        ChartSize::parse(value)
    }
}

impl fmt::Display for ChartSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_width_x_height() {
        let size = ChartSize::parse("1920x1080").expect("valid size");
        assert_eq!(size.width, 1920);
        assert_eq!(size.height, 1080);
        assert_eq!(
            ChartSize::parse(" 640 X 480 ").ok(),
            Some(ChartSize {
                width: 640,
                height: 480
            })
        );
    }

    #[test]
    fn parse_rejects_malformed_text() {
        for value in [
            "",
            "1200",
            "1200x",
            "x800",
            "1200x800x2",
            "12.5x800",
            "-1x800",
            "wide",
        ] {
            let message = ChartSize::parse(value).expect_err(value).to_string();
            assert!(message.contains(&format!("{value:?}")), "{message}");
            assert!(message.contains("WIDTHxHEIGHT"), "{message}");
        }
    }

    #[test]
    fn parse_rejects_out_of_range_sides() {
        let message = ChartSize::parse("199x800")
            .expect_err("too narrow")
            .to_string();
        assert!(message.contains("width 199 px"), "{message}");
        assert!(message.contains("200..=8000"), "{message}");
        let message = ChartSize::parse("1200x8001")
            .expect_err("too tall")
            .to_string();
        assert!(message.contains("height 8001 px"), "{message}");
    }

    #[test]
    fn display_round_trips_through_parse() {
        let size = ChartSize {
            width: 1600,
            height: 900,
        };
        assert_eq!(ChartSize::parse(&size.to_string()).ok(), Some(size));
    }

    #[test]
    fn format_parses_case_insensitively() {
        assert_eq!("SVG".parse::<ImageFormat>().ok(), Some(ImageFormat::Svg));
        assert_eq!("png".parse::<ImageFormat>().ok(), Some(ImageFormat::Png));
        let message = "jpeg".parse::<ImageFormat>().expect_err("jpeg").to_string();
        assert!(message.contains("\"jpeg\""), "{message}");
    }
}
