//! Title bands and text placed by absolute pixel position.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::DrawResult;
use crate::text::fit_width;
use crate::theme::{text_style, Theme, INK, MUTED_INK};

/// Draws the centred title and optional subtitle at the top of `area` and
/// returns the area below them.
///
/// Both lines are cut with an ellipsis if they are wider than the chart.
pub(crate) fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: Option<&str>,
    theme: &Theme,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, _) = area.dim_in_pixel();
    let max_width = width.saturating_sub(theme.px(40.0));
    let centre = width as i32 / 2;
    let mut y = theme.px(14.0) as i32;
    if !title.trim().is_empty() {
        let font = theme.title_font();
        let line = fit_width(title, &font, max_width);
        let style = text_style(&font, INK).pos(Pos::new(HPos::Center, VPos::Top));
        area.draw(&Text::new(line, (centre, y), style))?;
        y += theme.px(40.0) as i32;
    }
    if let Some(subtitle) = subtitle {
        let font = theme.subtitle_font();
        let line = fit_width(subtitle, &font, max_width);
        let style = text_style(&font, MUTED_INK).pos(Pos::new(HPos::Center, VPos::Top));
        area.draw(&Text::new(line, (centre, y), style))?;
        y += theme.px(28.0) as i32;
    }
    Ok(area.split_vertically(y).1)
}

/// Draws `text` on `area` at `position`, given in backend pixels as returned by
/// `ChartContext::backend_coord`, not relative to `area`.
pub(crate) fn draw_text_at<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: String,
    position: (i32, i32),
    style: TextStyle<'static>,
) -> DrawResult<DB> {
    let (base_x, base_y) = area.get_base_pixel();
    let relative = (position.0 - base_x, position.1 - base_y);
    area.draw(&Text::new(text, relative, style))
}
