//! The error type of every fallible function in this crate.

use std::io;
use std::path::PathBuf;

/// An input that cannot be drawn, or a chart that failed to draw or write.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A list that a chart needs at least one entry of is empty.
    #[error("{field} is empty: pass at least one {entry}")]
    Empty {
        /// The empty field, e.g. `FrontChart::points`.
        field: &'static str,
        /// The kind of entry the field lists, e.g. `front member`.
        entry: &'static str,
    },

    /// A front chart has too few or too many objectives to draw.
    #[error(
        "objective count {found} is outside {min}..={max}: pass one entry in \
         FrontChart.objective_labels per objective"
    )]
    ObjectiveCount {
        /// Number of objective labels passed.
        found: usize,
        /// Minimum number of objectives a chart can show.
        min: usize,
        /// Maximum number of objectives a scatter matrix can show.
        max: usize,
    },

    /// A row has a different number of values than the chart has columns.
    #[error("{row} has value count {found}, expected {expected}: give one value per {column}")]
    LengthMismatch {
        /// The row, e.g. `front point at index 3`.
        row: String,
        /// Number of values the row must have.
        expected: usize,
        /// Number of values the row has.
        found: usize,
        /// The kind of column each value belongs to, `objective` or `channel`.
        column: &'static str,
    },

    /// A value is NaN or infinite.
    #[error("{location} is {value}, expected a finite number: fix or drop that value")]
    NonFinite {
        /// The value's row and column.
        location: String,
        /// The offending value.
        value: f64,
    },

    /// A KPI value is too large to place on an axis.
    #[error("{location} is {value:e}, expected a magnitude of at most {limit:e}: rescale the KPI")]
    ValueTooLarge {
        /// The value's row and column.
        location: String,
        /// The offending value.
        value: f64,
        /// The largest accepted magnitude.
        limit: f64,
    },

    /// A spend value is negative, so it has no share of the row's total.
    #[error("{location} is {value}, expected a spend of 0 or more")]
    NegativeSpend {
        /// The value's row and channel.
        location: String,
        /// The offending value.
        value: f64,
    },

    /// A share of a total is outside 0..=1.
    #[error("{location} is {value}, expected a fraction from 0 to 1, e.g. 0.25 for 25 %")]
    ShareOutOfRange {
        /// The value's row and column.
        location: String,
        /// The offending value.
        value: f64,
    },

    /// A chart size string is not of the form `WIDTHxHEIGHT`.
    #[error("invalid chart size {value:?}: expected WIDTHxHEIGHT in pixels, e.g. 1200x800")]
    InvalidSize {
        /// The string that failed to parse.
        value: String,
    },

    /// A chart width or height is outside the accepted range.
    #[error("chart {side} {value} px is outside the accepted range {min}..={max} px")]
    SizeOutOfRange {
        /// `width` or `height`.
        side: &'static str,
        /// The rejected number of pixels.
        value: u32,
        /// Smallest accepted number of pixels.
        min: u32,
        /// Largest accepted number of pixels.
        max: u32,
    },

    /// An image format name is neither `svg` nor `png`.
    #[error("unknown image format {value:?}: expected svg or png")]
    UnknownFormat {
        /// The rejected format name.
        value: String,
    },

    /// Writing the chart file failed.
    #[error("failed to write chart {}: {source}", path.display())]
    Io {
        /// The chart path that was requested.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// A response curve that is finite but cannot be drawn: too few points, spend not in
    /// ascending order, or reversed bounds. The message names the channel and the fix.
    #[error("invalid curve for chart {}: {message}", path.display())]
    InvalidCurve {
        /// The chart path that was requested.
        path: PathBuf,
        /// The problem, naming the channel and the field.
        message: String,
    },

    /// Plotters failed to draw the chart.
    #[error("failed to draw chart {}: {message}", path.display())]
    Draw {
        /// The chart path that was requested.
        path: PathBuf,
        /// The drawing error as plotters reports it.
        message: String,
    },
}
