//! Rendering a figure to SVG or PNG, written beside the target and renamed into
//! place so that a failed render never leaves a partial file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use crate::size::{ChartSize, ImageFormat};
use crate::theme::{register_bundled_font, Theme};
use crate::ReportError;

/// The result of drawing on a plotters backend.
pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Coordinates of a panel with a linear `f64` axis in both directions.
pub(crate) type XyCoord = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// A validated chart that draws itself on any plotters backend.
pub(crate) trait Figure {
    /// Draws the chart on `root`, which is already filled white.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB>;
}

/// Renders `figure` and writes it to `path`, replacing any existing file only
/// once the whole image is written.
pub(crate) fn write_figure(
    figure: &impl Figure,
    path: &Path,
    format: ImageFormat,
    size: ChartSize,
) -> Result<(), ReportError> {
    size.validate()?;
    register_bundled_font().map_err(|message| draw_error(path, message))?;
    let temp = temp_path(path, format)?;
    let result = match format {
        ImageFormat::Svg => write_svg(figure, &temp, size),
        ImageFormat::Png => write_png(figure, &temp, size),
    }
    .map_err(|failure| failure.into_report_error(path))
    .and_then(|()| fs::rename(&temp, path).map_err(|source| io_error(path, source)));
    if result.is_err() {
        // The temporary file may not exist, and the render error matters more
        // than a failed clean-up.
        let _ = fs::remove_file(&temp);
    }
    result
}

/// The cause of a failed render to the temporary file, before the chart path
/// is attached.
enum Failure {
    Draw(String),
    Io(io::Error),
}

impl Failure {
    fn into_report_error(self, path: &Path) -> ReportError {
        match self {
            Failure::Draw(message) => draw_error(path, message),
            Failure::Io(source) => io_error(path, source),
        }
    }
}

fn write_svg(figure: &impl Figure, temp: &Path, size: ChartSize) -> Result<(), Failure> {
    let mut svg = String::new();
    {
        let backend = SVGBackend::with_string(&mut svg, (size.width, size.height));
        draw_root(figure, backend.into_drawing_area(), size)?;
    }
    fs::write(temp, svg).map_err(Failure::Io)
}

fn write_png(figure: &impl Figure, temp: &Path, size: ChartSize) -> Result<(), Failure> {
    // Creating the file first reports a missing directory or permission as an
    // I/O error, which the bitmap backend would report only as a drawing error.
    fs::File::create(temp).map_err(Failure::Io)?;
    // The image crate picks the encoder from the temporary file's `.png` extension.
    let backend = BitMapBackend::new(temp, (size.width, size.height));
    draw_root(figure, backend.into_drawing_area(), size)
}

fn draw_root<DB: DrawingBackend>(
    figure: &impl Figure,
    root: DrawingArea<DB, Shift>,
    size: ChartSize,
) -> Result<(), Failure> {
    let draw = || -> DrawResult<DB> {
        root.fill(&WHITE)?;
        figure.draw(&root, &Theme::new(size))?;
        root.present()
    };
    draw().map_err(|error| Failure::Draw(error.to_string()))
}

/// Returns a unique hidden path beside `path` for the image being written.
fn temp_path(path: &Path, format: ImageFormat) -> Result<PathBuf, ReportError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let Some(name) = path.file_name() else {
        let source = io::Error::new(io::ErrorKind::InvalidInput, "the path names no file");
        return Err(io_error(path, source));
    };
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp_name = format!(
        ".{}.{}-{serial}.tmp.{}",
        name.to_string_lossy(),
        process::id(),
        format.extension()
    );
    Ok(path.with_file_name(temp_name))
}

fn io_error(path: &Path, source: io::Error) -> ReportError {
    ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn draw_error(path: &Path, message: String) -> ReportError {
    ReportError::Draw {
        path: path.to_path_buf(),
        message,
    }
}
