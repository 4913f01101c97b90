//! Charts for Atlas budget decisions, drawn with plotters as SVG or PNG.
//!
//! - [`render_front`] draws a Pareto front: a scatter for two objectives, a
//!   scatter matrix for three or more, with the current plan, chosen plan and
//!   knee point marked.
//! - [`render_parallel`] draws the same front as parallel coordinates, one
//!   vertical axis per objective and one polyline per plan.
//! - [`render_convergence`] draws a search's hypervolume by generation.
//! - [`render_allocations`] draws each plan's channel shares as stacked bars,
//!   one bar per weight vector of a sweep.
//! - [`render_curves`] draws each channel's response curve in a grid of small
//!   panels, with the allowed spend range, the current and optimal spends, and
//!   the marginal return at both.
//! - [`render_summary`] draws a one-page summary of a recommended budget
//!   against the current one: spend and KPI totals with their change, a table
//!   of spend, share, response, ROI and marginal ROI per channel, and the
//!   response curves.
//!
//! Text is set in the bundled DejaVu Sans font, registered with plotters in
//! place of any system font, so the same input gives the same SVG and PNG
//! bytes on every machine. SVG viewers draw the text with their own sans-serif
//! font, so SVG text may look slightly different from the PNG. Channel colours come from
//! [`channel_colour`], by the channel's position, so every chart of a run shows
//! a channel in the same colour.
//!
//! # Example
//!
//! ```
//! use atlas_report::{render_front, ChartSize, FrontChart, ImageFormat};
//!
//! let chart = FrontChart {
//!     title: "Revenue vs. awareness".to_owned(),
//!     objective_labels: vec!["revenue (maximize)".to_owned(), "awareness (maximize)".to_owned()],
//!     points: vec![vec![1.2e6, 0.31], vec![1.5e6, 0.27], vec![1.7e6, 0.18]],
//!     current: Some(vec![1.1e6, 0.22]),
//!     chosen: Some(vec![1.5e6, 0.27]),
//!     knee: Some(vec![1.5e6, 0.27]),
//! };
//! let path = std::env::temp_dir().join("atlas-report-doc-front.svg");
//! render_front(&chart, &path, ImageFormat::Svg, ChartSize::default())?;
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod allocation;
mod allocation_draw;
mod allocation_labels;
mod convergence;
mod curves;
mod curves_draw;
mod error;
mod front;
mod front_matrix;
mod front_pair;
mod layout;
mod legend;
mod output;
mod palette;
mod parallel;
mod size;
mod summary;
mod summary_cells;
mod summary_draw;
mod summary_table;
mod text;
mod theme;
mod ticks;

pub use allocation::{render_allocations, AllocationChart, AllocationRow};
pub use convergence::{render_convergence, ConvergenceChart};
pub use curves::{render_curves, ChannelCurve, CurveChart, CurvePoint};
pub use error::ReportError;
pub use front::{render_front, FrontChart, MAX_KPI_MAGNITUDE, MAX_OBJECTIVES, MIN_OBJECTIVES};
pub use palette::channel_colour;
pub use parallel::{render_parallel, ParallelChart};
pub use size::{ChartSize, ImageFormat, MAX_SIDE, MIN_SIDE};
pub use summary::{render_summary, SummaryChannel, SummaryChart, SummaryKpi};
