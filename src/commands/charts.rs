//! Chart options and progress bars shared by the commands that draw.

use anyhow::Result;
use atlas_report::{ChartSize, ImageFormat};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Global;

/// Options of the commands that write charts.
#[derive(Debug, Args)]
pub struct ChartArgs {
    /// Image formats to write, comma-separated: svg, png.
    #[arg(long, default_value = "svg,png", value_name = "FORMATS")]
    format: String,
    /// Image size in pixels, WIDTHxHEIGHT; 1920x1080 fits a 16:9 slide.
    #[arg(long, default_value = "1200x800", value_name = "WxH")]
    size: String,
}

impl ChartArgs {
    /// Parses the requested formats.
    pub fn formats(&self) -> Result<Vec<ImageFormat>> {
        let mut formats = Vec::new();
        for part in self.format.split(',').map(str::trim) {
            let format = match part.to_ascii_lowercase().as_str() {
                "svg" => ImageFormat::Svg,
                "png" => ImageFormat::Png,
                _ => {
                    return Err(super::InputError(format!(
                        "--format `{part}` is not a chart format: use svg, png or svg,png"
                    ))
                    .into())
                }
            };
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        Ok(formats)
    }

    /// Parses the requested size.
    pub fn size(&self) -> Result<ChartSize> {
        ChartSize::parse(&self.size).map_err(|e| super::InputError(format!("--size: {e}")).into())
    }
}

/// Creates a progress bar on stderr with an ETA, hidden with `--quiet` or when stderr is not a
/// terminal.
pub fn progress_bar(global: Global, length: u64, unit: &str) -> ProgressBar {
    if global.quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}, {{elapsed}} elapsed, ETA {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
