//! Shortening and wrapping of labels to a pixel width.

use plotters::style::FontDesc;

use crate::theme::text_width;

const ELLIPSIS: char = '…';

/// Returns `text` cut to at most `max_chars` characters, ending in an ellipsis
/// if it was cut.
pub(crate) fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let prefix: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}{ELLIPSIS}", prefix.trim_end())
}

/// Returns the longest prefix of `text` that fits `max_width` pixels in `font`,
/// ending in an ellipsis if it was cut. The result is at least the ellipsis.
pub(crate) fn fit_width(text: &str, font: &FontDesc<'_>, max_width: u32) -> String {
    if text_width(font, text) <= max_width {
        return text.to_owned();
    }
    let char_count = text.chars().count();
    // Binary search for the most characters that still fit with the ellipsis.
    let (mut fits, mut too_long) = (0, char_count);
    while too_long - fits > 1 {
        let middle = (fits + too_long) / 2;
        if text_width(font, &shorten(text, middle + 1)) <= max_width {
            fits = middle;
        } else {
            too_long = middle;
        }
    }
    shorten(text, fits + 1)
}

/// Splits `text` at spaces into lines of at most `max_width` pixels.
///
/// Returns at most `max_lines` lines. A word wider than a line, or text left
/// over after the last line, is cut with an ellipsis.
pub(crate) fn wrap_width(
    text: &str,
    font: &FontDesc<'_>,
    max_width: u32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let mut line = word.to_owned();
        while let Some(next) = words.peek() {
            let candidate = format!("{line} {next}");
            if text_width(font, &candidate) > max_width {
                break;
            }
            line = candidate;
            words.next();
        }
        if lines.len() + 1 == max_lines.max(1) {
            let rest: Vec<&str> = words.collect();
            let last = [line.as_str()].into_iter().chain(rest).collect::<Vec<_>>();
            lines.push(fit_width(&last.join(" "), font, max_width));
            break;
        }
        lines.push(fit_width(&line, font, max_width));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::ChartSize;
    use crate::theme::{register_bundled_font, Theme};

    fn font() -> FontDesc<'static> {
        register_bundled_font().expect("bundled font");
        Theme::new(ChartSize::default()).tick_font()
    }

    #[test]
    fn shorten_keeps_short_text() {
        assert_eq!(shorten("search", 10), "search");
        assert_eq!(shorten("paid social media", 8), "paid so…");
        assert_eq!(shorten("tv", 0), "…");
    }

    #[test]
    fn fit_width_cuts_to_pixels() {
        let font = font();
        let text = "connected TV and online video, programmatic";
        assert_eq!(fit_width(text, &font, 10_000), text);
        let cut = fit_width(text, &font, 120);
        assert!(cut.ends_with(ELLIPSIS), "{cut}");
        assert!(text_width(&font, &cut) <= 120, "{cut}");
        assert!(text_width(&font, &shorten(text, cut.chars().count() + 1)) > 120);
        assert_eq!(fit_width(text, &font, 1), "…");
    }

    #[test]
    fn wrap_width_breaks_at_spaces() {
        let font = font();
        let lines = wrap_width("customer acquisitions (maximize)", &font, 150, 3);
        assert_eq!(lines, vec!["customer", "acquisitions", "(maximize)"]);
        let lines = wrap_width("one two three four five six", &font, 60, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with(ELLIPSIS), "{lines:?}");
    }
}
