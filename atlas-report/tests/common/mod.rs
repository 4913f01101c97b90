//! Chart inputs and output checks shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;

use atlas_report::{AllocationChart, AllocationRow, FrontChart};

/// Objective labels in the form the CLI passes them, with an ampersand to
/// check SVG escaping.
const OBJECTIVES: [&str; 5] = [
    "revenue (maximize)",
    "awareness & reach (maximize)",
    "new customers (maximize)",
    "cost per acquisition (minimize)",
    "margin (maximize)",
];

/// Returns a front of `members` plans over the first `objectives` objectives,
/// with a current and a chosen plan.
pub fn front_chart(objectives: usize, members: usize) -> FrontChart {
    let points: Vec<Vec<f64>> = (0..members)
        .map(|i| {
            let t = i as f64 / (members.max(2) - 1) as f64;
            (0..objectives).map(|j| objective_value(j, t)).collect()
        })
        .collect();
    let current = (0..objectives)
        .map(|j| 0.9 * objective_value(j, 0.5))
        .collect();
    FrontChart {
        title: format!("Pareto front over {objectives} KPIs"),
        objective_labels: OBJECTIVES[..objectives]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        chosen: Some(points[members / 2].clone()),
        points,
        current: Some(current),
        knee: None,
    }
}

/// Returns a trade-off value of objective `j` at position `t` in 0..=1, in
/// units from fractions to millions.
fn objective_value(j: usize, t: f64) -> f64 {
    let scale = [2_500_000.0, 0.4, 12_000.0, 85.0, 300_000.0][j];
    let phase = if j % 2 == 0 { t } else { 1.0 - t };
    scale * (0.5 + 0.5 * phase.sqrt())
}

/// Returns the name of channel `index`, short enough to fit the legend.
pub fn channel_name(index: usize) -> String {
    format!("channel {index:02}")
}

/// Returns `rows` plans over `channels` channels with varying spend.
pub fn allocation_chart(channels: usize, rows: usize) -> AllocationChart {
    AllocationChart {
        title: format!("Allocations over {channels} channels"),
        channels: (0..channels).map(channel_name).collect(),
        rows: (0..rows)
            .map(|row| AllocationRow {
                label: format!(
                    "rev {:.1} / aware {:.1}",
                    row as f64 / 10.0,
                    1.0 - row as f64 / 10.0
                ),
                spend: (0..channels)
                    .map(|channel| 10_000.0 * (1 + (row + 3 * channel) % 7) as f64)
                    .collect(),
            })
            .collect(),
        currency: "EUR".to_owned(),
        note: String::new(),
    }
}

/// Returns `(width, height)` from a PNG's IHDR chunk, which always starts
/// at byte 8 and stores both as big-endian u32 at bytes 16..24.
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "PNG has only {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk");
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    (width, height)
}

/// Reads an SVG file as text.
pub fn read_svg(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Returns the unescaped content of every `<text>` element, in document order.
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .filter_map(|element| {
            let content = element.split_once('>')?.1.split_once("</text>")?.0;
            Some(unescape(content.trim()))
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Returns whether the SVG has a `<text>` element whose content is exactly `text`.
pub fn has_text(svg: &str, text: &str) -> bool {
    svg_texts(svg).iter().any(|content| content == text)
}

/// Returns whether `text` is drawn in one `<text>` element or wrapped over up
/// to three consecutive ones.
pub fn has_wrapped_text(svg: &str, text: &str) -> bool {
    let texts = svg_texts(svg);
    (1..=3).any(|lines| texts.windows(lines).any(|window| window.join(" ") == text))
}

/// Returns the names of the files in `directory`, sorted.
pub fn file_names(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .expect("readable directory")
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
