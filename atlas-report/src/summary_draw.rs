//! Layout and drawing of the summary page: totals table, channel table,
//! response-curve panels and a note defining ROI.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::curves::CurveFigure;
use crate::curves_draw::{
    draw_key_row, draw_panel_grid, key_entries, key_rows, panel_cell_size, KeyEntry,
};
use crate::layout::draw_title;
use crate::output::{DrawResult, Figure};
use crate::summary::SummaryChart;
use crate::summary_cells::{channel_table, roi_note, totals_table};
use crate::summary_table::{draw_table, Table, TableLayout};
use crate::text::wrap_width;
use crate::theme::{text_style, Theme, MUTED_INK};

/// Tables go above the curves only if each panel keeps room for a rectangle
/// of this height, in pixels at 1200 x 800, and 1.5 times as wide. Otherwise
/// they go left of the curves, where a long channel table also has more rows.
const MIN_PANEL_HEIGHT_ABOVE: f64 = 110.0;
/// Smallest width and height of the panel grid, with its axis names, in
/// pixels at 1200 x 800. A smaller area gets no panels.
const MIN_GRID_SIDE: f64 = 60.0;
/// Widest share of the page the tables may take when they are left of the curves.
const MAX_LEFT_PERCENT: u32 = 62;

/// A validated summary with its table cells and note formatted.
pub(crate) struct SummaryFigure<'a> {
    curves: CurveFigure<'a>,
    totals: Table,
    channels: Table,
    note: String,
    title: &'a str,
    subtitle: &'a str,
}

impl<'a> SummaryFigure<'a> {
    pub(crate) fn new(chart: &'a SummaryChart) -> Self {
        let curves = CurveFigure::new(&chart.curves);
        let note = roi_note(chart);
        SummaryFigure {
            totals: totals_table(chart),
            channels: channel_table(chart),
            note,
            title: &chart.title,
            subtitle: &chart.subtitle,
            curves,
        }
    }
}

/// A rectangle in pixels relative to the page body.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

impl Rect {
    fn of<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawingArea<DB, Shift> {
        body.clone()
            .shrink((self.x, self.y), (self.width, self.height))
    }
}

/// Positions of the tables and the curve panels on the page body.
struct PagePlan {
    totals: (Rect, TableLayout),
    channels: (Rect, TableLayout),
    curves: Rect,
}

/// Returns the gap in pixels between the tables and the curves, and between
/// two tables in the text size of the upper one.
fn block_gap(theme: &Theme) -> u32 {
    theme.px(24.0)
}

/// Plans the tables above the curves, side by side if `beside` and the page
/// is wide enough, or the totals above the channels otherwise.
///
/// Returns `None` if a table would need smaller text or fewer rows than the
/// page allows, or if the panels would be smaller than
/// [`MIN_PANEL_HEIGHT_ABOVE`].
fn plan_above(
    figure: &SummaryFigure<'_>,
    theme: &Theme,
    (width, height): (u32, u32),
    beside: bool,
) -> Option<PagePlan> {
    let gap = block_gap(theme);
    let totals = TableLayout::new(&figure.totals, theme, width, height);
    let channels = TableLayout::new(&figure.channels, theme, width, height);
    if !totals.is_complete_at(theme) || !channels.is_complete_at(theme) {
        return None;
    }

    let totals_width = totals.width(&figure.totals);
    let channels_width = channels.width(&figure.channels);
    let (totals_y, channels_x, channels_y) = if beside {
        if totals_width + gap + channels_width > width {
            return None;
        }
        // Side by side, the rules under the headers line up.
        let header = totals.header_height().max(channels.header_height());
        let totals_y = header - totals.header_height();
        (
            totals_y,
            totals_width + gap,
            header - channels.header_height(),
        )
    } else {
        (0, 0, totals.height() + gap)
    };
    let tables_height = (totals_y + totals.height()).max(channels_y + channels.height());

    let curves_y = tables_height + gap;
    let curves = Rect {
        x: 0,
        y: curves_y,
        width,
        height: height.checked_sub(curves_y)?,
    };
    if panel_score(figure, curves, theme) < theme.px(MIN_PANEL_HEIGHT_ABOVE) {
        return None;
    }

    let totals_rect = Rect {
        x: 0,
        y: totals_y,
        width: totals_width,
        height: totals.height(),
    };
    let channels_rect = Rect {
        x: channels_x,
        y: channels_y,
        width: channels_width,
        height: channels.height(),
    };
    Some(PagePlan {
        totals: (totals_rect, totals),
        channels: (channels_rect, channels),
        curves,
    })
}

/// Plans the totals above the channel table in a column left of the curves.
///
/// The totals keep the page's text size, in at most 2/5 of the height, if the
/// channel table has room for every row below them. Otherwise both tables
/// share one text size if that shows every channel row, and if nothing does,
/// the totals keep the page's text size and the channel table is cut.
fn plan_left(figure: &SummaryFigure<'_>, theme: &Theme, (width, height): (u32, u32)) -> PagePlan {
    let gap = block_gap(theme);
    let max_width = width * MAX_LEFT_PERCENT / 100;
    let stack = |totals_theme: &Theme| {
        let totals = TableLayout::new(&figure.totals, totals_theme, max_width, height * 2 / 5);
        let channels_y = totals.height() + block_gap(&totals.theme);
        let channels_height = height.saturating_sub(channels_y);
        let channels = TableLayout::new(&figure.channels, theme, max_width, channels_height);
        (totals, channels)
    };
    let (mut totals, mut channels) = stack(theme);
    if !channels.shows_all_rows() {
        let lines = totals.full_lines() + channels.full_lines();
        // The gap between the tables is as high as one line.
        let line = height / (lines as u32 + 1);
        let shared = theme.shrunk_to_line_height(line);
        let (shared_totals, shared_channels) = stack(&shared);
        if shared_channels.shows_all_rows() {
            (totals, channels) = (shared_totals, shared_channels);
        }
    }

    let totals_width = totals.width(&figure.totals);
    let channels_width = channels.width(&figure.channels);
    let column_width = totals_width.max(channels_width);
    let curves_x = (column_width + gap).min(width);
    let channels_y = totals.height() + block_gap(&totals.theme);
    PagePlan {
        totals: (
            Rect {
                x: 0,
                y: 0,
                width: totals_width,
                height: totals.height(),
            },
            totals,
        ),
        channels: (
            Rect {
                x: 0,
                y: channels_y,
                width: channels_width,
                height: channels.height(),
            },
            channels,
        ),
        curves: Rect {
            x: curves_x,
            y: 0,
            width: width - curves_x,
            height,
        },
    }
}

/// Returns the plan with tables above the curves whose panels are largest,
/// or the plan with tables left of the curves if no such plan fits.
fn plan_page(figure: &SummaryFigure<'_>, theme: &Theme, size: (u32, u32)) -> PagePlan {
    let mut best: Option<(u32, PagePlan)> = None;
    for beside in [true, false] {
        let Some(plan) = plan_above(figure, theme, size, beside) else {
            continue;
        };
        let score = panel_score(figure, plan.curves, theme);
        if best
            .as_ref()
            .is_none_or(|(best_score, _)| score > *best_score)
        {
            best = Some((score, plan));
        }
    }
    match best {
        Some((_, plan)) => plan,
        None => plan_left(figure, theme, size),
    }
}

/// Returns the rows of the curve key in `width` pixels and their height.
fn curve_key(figure: &SummaryFigure<'_>, width: u32, theme: &Theme) -> (Vec<Vec<KeyEntry>>, u32) {
    let entries = key_entries(&figure.curves, "recommended spend");
    let rows = key_rows(&entries, width, theme);
    let height = rows.len() as u32 * theme.line_height() + theme.px(6.0);
    (rows, height)
}

/// Returns the height of the largest rectangle, 1.5 times as wide as high,
/// that fits each panel cell when the curves fill `curves`.
fn panel_score(figure: &SummaryFigure<'_>, curves: Rect, theme: &Theme) -> u32 {
    let (_, key_height) = curve_key(figure, curves.width, theme);
    let grid_height = curves.height.saturating_sub(key_height);
    let count = figure.curves.chart.channels.len();
    let (cell_width, cell_height) = panel_cell_size(count, (curves.width, grid_height), theme);
    (cell_width * 2 / 3).min(cell_height)
}

impl Figure for SummaryFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> DrawResult<DB> {
        let subtitle = Some(self.subtitle).filter(|text| !text.trim().is_empty());
        let body = draw_title(root, self.title, subtitle, theme)?;
        let body = body.margin(
            theme.px(6.0),
            theme.px(10.0),
            theme.px(20.0),
            theme.px(20.0),
        );
        let (width, height) = body.dim_in_pixel();

        let font = theme.tick_font();
        let note = wrap_width(&self.note, &font, width, 2);
        let line = theme.line_height();
        let note_height = note.len() as u32 * line;
        let (main, note_band) = body.split_vertically(height.saturating_sub(note_height));
        let style = text_style(&font, MUTED_INK).pos(Pos::new(HPos::Left, VPos::Center));
        for (k, text) in note.into_iter().enumerate() {
            let y = (k as u32 * line + line / 2) as i32;
            note_band.draw(&Text::new(text, (0, y), style.clone()))?;
        }

        let main = main.margin(0, theme.px(12.0), 0, 0);
        let plan = plan_page(self, theme, main.dim_in_pixel());
        let (rect, layout) = &plan.totals;
        draw_table(&rect.of(&main), &self.totals, layout)?;
        let (rect, layout) = &plan.channels;
        draw_table(&rect.of(&main), &self.channels, layout)?;
        self.draw_curves(&plan.curves.of(&main), root.dim_in_pixel(), theme)
    }
}

impl SummaryFigure<'_> {
    /// Draws the curve key and one panel per channel in `area`. The key is
    /// left out if the panels would have no room under it, and the panels if
    /// the area is too small to hold their axis names.
    fn draw_curves<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        page: (u32, u32),
        theme: &Theme,
    ) -> DrawResult<DB> {
        let (width, height) = area.dim_in_pixel();
        let min_grid = theme.px(MIN_GRID_SIDE);
        let (rows, mut key_height) = curve_key(self, width, theme);
        if height < key_height + min_grid {
            key_height = 0;
        } else {
            let line = theme.line_height();
            for (k, row) in rows.iter().enumerate() {
                let band = area.clone().shrink((0, k as u32 * line), (width, line));
                draw_key_row(&band, row, theme)?;
            }
        }
        if width < min_grid || height < key_height + min_grid {
            return Ok(());
        }
        let grid = area.margin(key_height, 0, 0, 0);
        draw_panel_grid(&grid, &self.curves, Some(page), theme)
    }
}
