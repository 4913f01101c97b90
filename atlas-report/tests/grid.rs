//! Every chart across the KPI and channel counts a run produces. Front and
//! parallel charts get 2, 3 and 5 KPIs. Allocations get 1, 6 and 30 channels,
//! each with the weight labels of 2, 3 and 5 KPIs. Curves get 1, 6 and 30
//! channels, and convergence charts a history of 2 and of 5 KPIs.
//!
//! Each case is rendered once per format at 1200 x 800 and 1920 x 1080, and
//! once more to compare bytes. The tests share those files and read the SVG
//! through an XML parser.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use atlas_report::{
    channel_colour, render_allocations, render_convergence, render_curves, render_front,
    render_parallel, AllocationChart, AllocationRow, ChannelCurve, ChartSize, ConvergenceChart,
    CurveChart, CurvePoint, FrontChart, ImageFormat, ReportError,
};
use common::{front_chart, png_size};
use plotters::style::{FontDesc, FontFamily, FontStyle};

const KPI_COUNTS: [usize; 3] = [2, 3, 5];
const CHANNEL_COUNTS: [usize; 3] = [1, 6, 30];
const SIZES: [ChartSize; 2] = [
    ChartSize {
        width: 1200,
        height: 800,
    },
    ChartSize {
        width: 1920,
        height: 1080,
    },
];
const FORMATS: [ImageFormat; 2] = [ImageFormat::Svg, ImageFormat::Png];

/// Front members of each front and parallel chart.
const FRONT_MEMBERS: usize = 25;
/// Points sampled on each response curve.
const CURVE_SAMPLES: usize = 40;
/// Total spend of every plan in the allocation charts, in EUR.
const BUDGET: f64 = 1_200_000.0;
/// Plotters writes an SVG `font-size` of the font size divided by this.
const SVG_FONT_RATIO: f64 = 1.24;
/// SVG text size in pixels that the crate's docs promise at 1200 x 800. The
/// tick font of 18 px gives 18 / [`SVG_FONT_RATIO`] = 14.5 px.
const MIN_TEXT_PX: f64 = 14.0;
/// Colours of the front, current plan, chosen plan and knee point.
const FRONT_COLOUR: &str = "#0072B2";
const CURRENT_COLOUR: &str = "#D55E00";
const CHOSEN_COLOUR: &str = "#111111";
const KNEE_COLOUR: &str = "#009E73";

/// Channel names of a media plan, one of them too long for any legend or panel.
const CHANNEL_NAMES: [&str; 30] = [
    "search brand",
    "search generic",
    "connected TV and online video, programmatic and direct deals on every screen",
    "paid social prospecting",
    "paid social retargeting",
    "linear TV",
    "national radio",
    "regional radio",
    "podcasts",
    "out of home, large format",
    "out of home, transit",
    "cinema",
    "print, national newspapers",
    "print, magazines",
    "display prospecting",
    "display retargeting",
    "affiliates",
    "price comparison",
    "email",
    "influencers",
    "sponsorship",
    "retail media",
    "marketplace ads",
    "app install",
    "native advertising",
    "direct mail",
    "events",
    "partnerships",
    "shopping ads",
    "youtube",
];
/// Objective names as a scenario spells them, abbreviated in weight labels
/// the way `atlas sweep` does.
const OBJECTIVE_NAMES: [&str; 5] = [
    "revenue",
    "brand_awareness",
    "new_customers",
    "cost_per_acquisition",
    "margin",
];

/// A case's output files, read into memory.
struct Rendered {
    name: String,
    /// SVG text, one per entry of [`SIZES`].
    svg: Vec<String>,
    /// PNG bytes, one per entry of [`SIZES`].
    png: Vec<Vec<u8>>,
    /// Output files whose second render gave different bytes.
    unrepeatable: Vec<String>,
}

/// Renders one chart with a fixed input to a path, format and size.
type RenderFn<'a> = &'a dyn Fn(&Path, ImageFormat, ChartSize) -> Result<(), ReportError>;

/// Renders `render` twice per format and size into `directory` and reads the
/// files of the first render.
fn render_case(directory: &Path, name: &str, render: RenderFn<'_>) -> Rendered {
    let mut rendered = Rendered {
        name: name.to_owned(),
        svg: Vec::new(),
        png: Vec::new(),
        unrepeatable: Vec::new(),
    };
    for size in SIZES {
        for format in FORMATS {
            let file = format!("{name}-{size}.{format}");
            let first = directory.join(&file);
            let second = directory.join(format!("again-{file}"));
            let result = render(&first, format, size);
            assert!(result.is_ok(), "{file}: {result:?}");
            render(&second, format, size).unwrap_or_else(|e| panic!("{file} again: {e}"));
            let bytes = fs::read(&first).unwrap_or_else(|e| panic!("reading {file}: {e}"));
            let again = fs::read(&second).unwrap_or_else(|e| panic!("reading {file}: {e}"));
            if bytes != again {
                rendered.unrepeatable.push(file.clone());
            }
            match format {
                ImageFormat::Svg => rendered
                    .svg
                    .push(String::from_utf8(bytes).expect("SVG is UTF-8")),
                ImageFormat::Png => rendered.png.push(bytes),
            }
        }
    }
    rendered
}

// ---------------------------------------------------------------------------
// Chart inputs
// ---------------------------------------------------------------------------

/// Returns the first `count` channel names.
fn channel_names(count: usize) -> Vec<String> {
    CHANNEL_NAMES[..count]
        .iter()
        .map(|name| (*name).to_owned())
        .collect()
}

/// Returns `1 channel` or `N channels`.
fn channel_count(count: usize) -> String {
    match count {
        1 => "1 channel".to_owned(),
        _ => format!("{count} channels"),
    }
}

/// Returns the front of [`front_chart`] with a knee a quarter of the way along.
fn grid_front(kpis: usize) -> FrontChart {
    let mut chart = front_chart(kpis, FRONT_MEMBERS);
    chart.knee = Some(chart.points[FRONT_MEMBERS / 4].clone());
    chart
}

/// Returns every weight vector, in steps of `1 / steps`, over `kpis` KPIs.
fn simplex_lattice(kpis: usize, steps: usize) -> Vec<Vec<usize>> {
    if kpis == 1 {
        return vec![vec![steps]];
    }
    let mut lattice = Vec::new();
    for first in (0..=steps).rev() {
        for rest in simplex_lattice(kpis - 1, steps - first) {
            let mut weights = vec![first];
            weights.extend(rest);
            lattice.push(weights);
        }
    }
    lattice
}

/// Abbreviates an objective name the way `atlas sweep` labels weights: the
/// initials of a name of several words, else its first 7 characters.
fn abbreviate(name: &str) -> String {
    let words: Vec<&str> = name.split('_').collect();
    if words.len() > 1 {
        words
            .iter()
            .filter_map(|word| word.chars().next())
            .collect()
    } else {
        name.chars().take(7).collect()
    }
}

/// Returns the weight label of a sweep row, e.g. `revenue 0.5 / ba 0.3 / nc 0.2`.
fn weight_label(weights: &[usize], steps: usize) -> String {
    let parts = weights.iter().zip(OBJECTIVE_NAMES).map(|(weight, name)| {
        let value = format!("{:.2}", *weight as f64 / steps as f64);
        let value = value.trim_end_matches('0').trim_end_matches('.');
        format!("{} {value}", abbreviate(name))
    });
    parts.collect::<Vec<_>>().join(" / ")
}

/// Lattice steps of the sweep over `kpis` KPIs: the `atlas sweep` default of
/// 10 for 2 and 3 KPIs, which gives 11 and 66 rows, and 4 for 5 KPIs, which
/// gives 70 rows where the default would give 1001.
fn sweep_steps(kpis: usize) -> usize {
    if kpis >= 5 {
        4
    } else {
        10
    }
}

/// Returns a sweep over `kpis` KPIs and `channels` channels: one row per
/// lattice weight vector, each spending [`BUDGET`] on every channel.
fn grid_allocations(kpis: usize, channels: usize) -> AllocationChart {
    let steps = sweep_steps(kpis);
    let rows = simplex_lattice(kpis, steps)
        .iter()
        .enumerate()
        .map(|(row, weights)| {
            let parts: Vec<f64> = (0..channels)
                .map(|channel| (1 + (7 * row + 3 * channel) % 11) as f64)
                .collect();
            let total: f64 = parts.iter().sum();
            AllocationRow {
                label: weight_label(weights, steps),
                spend: parts.iter().map(|part| BUDGET * part / total).collect(),
            }
        })
        .collect();
    let key: Vec<String> = OBJECTIVE_NAMES[..kpis]
        .iter()
        .filter(|name| abbreviate(name) != **name)
        .map(|name| format!("{} = {name}", abbreviate(name)))
        .collect();
    AllocationChart {
        title: format!(
            "Allocation by objective weights, {kpis} KPIs, {}",
            channel_count(channels)
        ),
        channels: channel_names(channels),
        rows,
        currency: "EUR".to_owned(),
        note: format!("weights: {}", key.join(", ")),
    }
}

/// Returns the Hill curve `top * s^2 / (s^2 + half^2)` and its slope at `spend`.
fn hill_point(spend: f64, top: f64, half: f64) -> CurvePoint {
    let (s2, h2) = (spend * spend, half * half);
    CurvePoint {
        spend,
        response: top * s2 / (s2 + h2),
        marginal: top * 2.0 * spend * h2 / ((s2 + h2) * (s2 + h2)),
    }
}

/// Returns one Hill curve per channel, with spends from a few thousand to
/// about a million EUR, an optimum on two of three channels and bounds on
/// three of four.
fn grid_curves(channels: usize) -> CurveChart {
    let curves = channel_names(channels)
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let half = 4_000.0 * 3f64.powi((index % 5) as i32);
            let top = 2.5 * half * (1.0 + (index % 3) as f64);
            let points: Vec<CurvePoint> = (0..CURVE_SAMPLES)
                .map(|k| 3.0 * half * k as f64 / (CURVE_SAMPLES - 1) as f64)
                .map(|spend| hill_point(spend, top, half))
                .collect();
            ChannelCurve {
                name,
                colour_index: index,
                spend: points.iter().map(|point| point.spend).collect(),
                response: points.iter().map(|point| point.response).collect(),
                current: hill_point(0.7 * half, top, half),
                optimal: (index % 3 != 2).then(|| hill_point(1.4 * half, top, half)),
                bounds: (index % 4 != 3).then_some((0.35 * half, 2.1 * half)),
            }
        })
        .collect();
    CurveChart {
        title: format!("Response curves of {}", channel_count(channels)),
        currency: "EUR".to_owned(),
        kpi_label: "revenue (EUR)".to_owned(),
        channels: curves,
    }
}

/// Returns a search history of `generations` generations, recorded every 5th,
/// whose hypervolume rises towards `limit`, with every `gap`-th value missing
/// if `gap` is given.
fn grid_convergence(generations: usize, limit: f64, gap: Option<usize>) -> ConvergenceChart {
    let recorded: Vec<usize> = (0..=generations).step_by(5).collect();
    let hypervolume = recorded
        .iter()
        .enumerate()
        .map(|(index, generation)| {
            let missing = gap.is_some_and(|gap| index % gap == gap - 1);
            let value = limit * (1.0 - 0.9 * (-(*generation as f64) / 60.0).exp());
            (!missing).then_some(value)
        })
        .collect();
    ConvergenceChart {
        title: format!("Hypervolume over {generations} generations"),
        generations: recorded,
        hypervolume,
    }
}

// ---------------------------------------------------------------------------
// Rendered cases, shared by the tests
// ---------------------------------------------------------------------------

/// One chart input of the grid and its rendered files.
struct Case<C> {
    /// KPI count, or 0 where the chart has none.
    kpis: usize,
    /// Channel count, or 0 where the chart has none.
    channels: usize,
    chart: C,
    rendered: Rendered,
}

/// Renders each chart of `charts` with `render` into a temporary directory
/// that is removed once the files are read.
fn render_cases<C>(
    kind: &str,
    charts: Vec<(usize, usize, C)>,
    render: fn(&C, &Path, ImageFormat, ChartSize) -> Result<(), ReportError>,
) -> Vec<Case<C>> {
    let directory = tempfile::tempdir().expect("temp dir");
    charts
        .into_iter()
        .map(|(kpis, channels, chart)| {
            let mut name = kind.to_owned();
            if kpis > 0 {
                name.push_str(&format!("-{kpis}kpi"));
            }
            if channels > 0 {
                name.push_str(&format!("-{channels}ch"));
            }
            let rendered = render_case(directory.path(), &name, &|path, format, size| {
                render(&chart, path, format, size)
            });
            Case {
                kpis,
                channels,
                chart,
                rendered,
            }
        })
        .collect()
}

fn front_cases() -> &'static [Case<FrontChart>] {
    static CASES: OnceLock<Vec<Case<FrontChart>>> = OnceLock::new();
    CASES.get_or_init(|| {
        let charts = KPI_COUNTS.map(|kpis| (kpis, 0, grid_front(kpis)));
        render_cases("front", charts.into(), render_front)
    })
}

fn parallel_cases() -> &'static [Case<FrontChart>] {
    static CASES: OnceLock<Vec<Case<FrontChart>>> = OnceLock::new();
    CASES.get_or_init(|| {
        let charts = KPI_COUNTS.map(|kpis| (kpis, 0, grid_front(kpis)));
        render_cases("parallel", charts.into(), render_parallel)
    })
}

/// Renders a history of 2 KPIs, whose hypervolume reaches at most 1.1^2, and
/// one of 5 KPIs with gaps, which reaches at most 1.1^5.
fn convergence_cases() -> &'static [Case<ConvergenceChart>] {
    static CASES: OnceLock<Vec<Case<ConvergenceChart>>> = OnceLock::new();
    CASES.get_or_init(|| {
        let charts = vec![
            (2, 0, grid_convergence(300, 1.2, None)),
            (5, 0, grid_convergence(300, 1.6, Some(7))),
        ];
        render_cases("convergence", charts, render_convergence)
    })
}

fn allocation_cases() -> &'static [Case<AllocationChart>] {
    static CASES: OnceLock<Vec<Case<AllocationChart>>> = OnceLock::new();
    CASES.get_or_init(|| {
        let charts = KPI_COUNTS
            .iter()
            .flat_map(|kpis| CHANNEL_COUNTS.map(|channels| (*kpis, channels)))
            .map(|(kpis, channels)| (kpis, channels, grid_allocations(kpis, channels)))
            .collect();
        render_cases("allocations", charts, render_allocations)
    })
}

fn curve_cases() -> &'static [Case<CurveChart>] {
    static CASES: OnceLock<Vec<Case<CurveChart>>> = OnceLock::new();
    CASES.get_or_init(|| {
        let charts = CHANNEL_COUNTS.map(|channels| (0, channels, grid_curves(channels)));
        render_cases("curves", charts.into(), render_curves)
    })
}

/// Returns the rendered files of every case of every chart.
fn all_rendered() -> Vec<&'static Rendered> {
    let mut all: Vec<&'static Rendered> = Vec::new();
    all.extend(front_cases().iter().map(|case| &case.rendered));
    all.extend(parallel_cases().iter().map(|case| &case.rendered));
    all.extend(convergence_cases().iter().map(|case| &case.rendered));
    all.extend(allocation_cases().iter().map(|case| &case.rendered));
    all.extend(curve_cases().iter().map(|case| &case.rendered));
    all
}

// ---------------------------------------------------------------------------
// SVG parsing and text geometry
// ---------------------------------------------------------------------------

/// One SVG element, with its trimmed text content.
struct Element {
    tag: String,
    attributes: BTreeMap<String, String>,
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> &str {
        self.attributes.get(name).map_or("", String::as_str)
    }

    fn number(&self, name: &str) -> f64 {
        let value = self.attribute(name);
        value
            .parse()
            .unwrap_or_else(|_| panic!("<{}> {name}={value:?} is not a number", self.tag))
    }
}

/// Parses `svg` as XML and returns its elements in document order.
fn parse_svg(svg: &str, file: &str) -> Vec<Element> {
    let document = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("{file} is not well-formed XML: {e}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{file} root element");
    document
        .descendants()
        .filter(|node| node.is_element())
        .map(|node| Element {
            tag: node.tag_name().name().to_owned(),
            attributes: node
                .attributes()
                .map(|attribute| (attribute.name().to_owned(), attribute.value().to_owned()))
                .collect(),
            text: node.text().unwrap_or("").trim().to_owned(),
        })
        .collect()
}

/// Returns the parsed SVG of `rendered` at `SIZES[size_index]`.
fn svg_elements(rendered: &Rendered, size_index: usize) -> Vec<Element> {
    let file = format!("{}-{}.svg", rendered.name, SIZES[size_index]);
    parse_svg(&rendered.svg[size_index], &file)
}

fn texts(elements: &[Element]) -> Vec<&Element> {
    elements.iter().filter(|e| e.tag == "text").collect()
}

fn text_contents(elements: &[Element]) -> Vec<String> {
    texts(elements).iter().map(|e| e.text.clone()).collect()
}

/// The box a text element covers, in SVG pixels.
#[derive(Debug, Clone)]
struct TextBox {
    text: String,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl TextBox {
    /// Returns whether the boxes share more than `slack` pixels each way.
    fn overlaps(&self, other: &TextBox, slack: f64) -> bool {
        let width = self.right.min(other.right) - self.left.max(other.left);
        let height = self.bottom.min(other.bottom) - self.top.max(other.top);
        width > slack && height > slack
    }
}

/// Returns the width in pixels that plotters gives `text` at an SVG
/// `font-size` of `svg_size`, measured with the bundled font.
///
/// The crate registers that font as plotters' `sans-serif` family on its
/// first render, so call this only after rendering.
fn measured_width(text: &str, svg_size: f64) -> f64 {
    let font = FontDesc::new(
        FontFamily::SansSerif,
        svg_size * SVG_FONT_RATIO,
        FontStyle::Normal,
    );
    let (width, _) = font
        .box_size(text)
        .unwrap_or_else(|e| panic!("measuring {text:?}: {e:?}"));
    f64::from(width)
}

/// Returns the box of a `<text>` element from its position, anchor, baseline
/// shift, measured width and rotation.
///
/// Glyphs are taken to reach from 0.73 em above the baseline (the cap height
/// of DejaVu Sans) to 0.2 em below it.
fn text_box(element: &Element) -> TextBox {
    let (x, y) = (element.number("x"), element.number("y"));
    let em = element.number("font-size");
    let width = measured_width(&element.text, em);

    let left = match element.attribute("text-anchor") {
        "middle" => x - width / 2.0,
        "end" => x - width,
        _ => x,
    };
    // Plotters shifts the baseline with dy by the vertical anchor: 0.76em for
    // the top, 0.5ex (about 0.25em) for the centre, -0.5ex for the bottom.
    let baseline = match element.attribute("dy") {
        "0.76em" => y + 0.76 * em,
        "0.5ex" => y + 0.25 * em,
        "-0.5ex" => y - 0.25 * em,
        "" => y,
        other => panic!("{:?} has an unknown dy {other:?}", element.text),
    };
    let (top, bottom) = (baseline - 0.73 * em, baseline + 0.2 * em);

    let transform = element.attribute("transform");
    if transform.is_empty() {
        return TextBox {
            text: element.text.clone(),
            left,
            right: left + width,
            top,
            bottom,
        };
    }
    assert!(
        transform.starts_with("rotate(270,"),
        "{:?} has an unexpected transform {transform:?}",
        element.text
    );
    // Turning by 270 degrees about (x, y) maps an offset (dx, dy) to (dy, -dx).
    TextBox {
        text: element.text.clone(),
        left: x + (top - y),
        right: x + (bottom - y),
        top: y - (left + width - x),
        bottom: y - (left - x),
    }
}

// ---------------------------------------------------------------------------
// Label matching
// ---------------------------------------------------------------------------

/// Returns whether `shown` is `label`, or `label` cut to a prefix of at least
/// 6 characters and an ellipsis.
fn shows_label(shown: &str, label: &str) -> bool {
    if shown == label {
        return true;
    }
    let Some(prefix) = shown.strip_suffix('…') else {
        return false;
    };
    let prefix = prefix.trim_end();
    prefix.chars().count() >= 6.min(label.chars().count()) && label.starts_with(prefix)
}

/// Returns whether `label` is drawn whole, wrapped over up to three
/// consecutive text elements, or cut with an ellipsis.
fn has_label(contents: &[String], label: &str) -> bool {
    (1..=3).any(|lines| {
        contents
            .windows(lines)
            .any(|window| shows_label(&window.join(" "), label))
    })
}

/// Parses a tick label such as `8,000`, `0.25`, `250k` or `1.5M`.
fn tick_value(label: &str) -> Option<f64> {
    let (number, factor) = match label.chars().last()? {
        'k' => (&label[..label.len() - 1], 1e3),
        'M' => (&label[..label.len() - 1], 1e6),
        'B' => (&label[..label.len() - 1], 1e9),
        'T' => (&label[..label.len() - 1], 1e12),
        _ => (label, 1.0),
    };
    let value: f64 = number.replace(',', "").parse().ok()?;
    Some(value * factor)
}

/// Returns `#RRGGBB` of the channel at `index`.
fn colour_hex(index: usize) -> String {
    let colour = channel_colour(index);
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

/// Returns the SVG text size of the theme's tick font at `size`, less a
/// rounding margin. The font is 18 px at 1200 x 800 and scales with the
/// smaller of height / 800 and width / 1200, never below 3/4, as theme.rs
/// designs it.
fn tick_text_px(size: ChartSize) -> f64 {
    let scale = (f64::from(size.height) / 800.0)
        .min(f64::from(size.width) / 1200.0)
        .max(0.75);
    18.0 * scale / SVG_FONT_RATIO - 0.01
}

// ---------------------------------------------------------------------------
// Checks of every chart
// ---------------------------------------------------------------------------

#[test]
fn every_case_has_requested_size() {
    for rendered in all_rendered() {
        for (index, size) in SIZES.iter().enumerate() {
            let file = format!("{}-{size}", rendered.name);
            let elements = svg_elements(rendered, index);
            let root = &elements[0];
            assert_eq!(root.number("width"), f64::from(size.width), "{file}.svg");
            assert_eq!(root.number("height"), f64::from(size.height), "{file}.svg");
            let png = png_size(&rendered.png[index]);
            assert_eq!(png, (size.width, size.height), "{file}.png");
        }
    }
}

#[test]
fn every_case_renders_same_bytes_twice() {
    for rendered in all_rendered() {
        assert_eq!(
            rendered.svg.len(),
            SIZES.len(),
            "{} SVG files",
            rendered.name
        );
        assert!(
            rendered.unrepeatable.is_empty(),
            "second render differs: {}",
            rendered.unrepeatable.join(", ")
        );
    }
}

/// Checks that every text element of `elements` lies within a canvas of `size`.
fn assert_text_on_canvas(elements: &[Element], size: ChartSize, file: &str) {
    let (width, height) = (f64::from(size.width), f64::from(size.height));
    for element in texts(elements) {
        let text = text_box(element);
        let inside = text.left >= -0.5
            && text.right <= width + 0.5
            && text.top >= -0.5
            && text.bottom <= height + 0.5;
        assert!(
            inside,
            "{file}: {:?} leaves the canvas: {text:?}",
            text.text
        );
    }
}

/// Checks that no two text elements of `elements` share more than a pixel.
fn assert_text_apart(elements: &[Element], file: &str) {
    let boxes: Vec<TextBox> = texts(elements).into_iter().map(text_box).collect();
    for (i, first) in boxes.iter().enumerate() {
        for second in &boxes[i + 1..] {
            assert!(
                !first.overlaps(second, 1.0),
                "{file}: {:?} overlaps {:?}: {first:?}, {second:?}",
                first.text,
                second.text
            );
        }
    }
}

#[test]
fn text_stays_on_canvas() {
    for rendered in all_rendered() {
        for (index, size) in SIZES.iter().enumerate() {
            let file = format!("{}-{size}.svg", rendered.name);
            assert_text_on_canvas(&svg_elements(rendered, index), *size, &file);
        }
    }
}

#[test]
fn text_elements_do_not_overlap() {
    for rendered in all_rendered() {
        for (index, size) in SIZES.iter().enumerate() {
            let file = format!("{}-{size}.svg", rendered.name);
            assert_text_apart(&svg_elements(rendered, index), &file);
        }
    }
}

#[test]
fn numbers_have_thousands_separators() {
    for rendered in all_rendered() {
        for (index, size) in SIZES.iter().enumerate() {
            for text in text_contents(&svg_elements(rendered, index)) {
                let longest_digit_run = text
                    .split(|c: char| !c.is_ascii_digit())
                    .map(str::len)
                    .max()
                    .unwrap_or(0);
                assert!(
                    longest_digit_run < 4,
                    "{}-{size}.svg: {text:?} has no thousands separator",
                    rendered.name
                );
            }
        }
    }
}

#[test]
fn chart_text_reaches_tick_size() {
    let cases = [front_cases(), parallel_cases()];
    let mut rendered: Vec<&Rendered> = cases
        .iter()
        .flat_map(|c| c.iter())
        .map(|c| &c.rendered)
        .collect();
    rendered.extend(convergence_cases().iter().map(|case| &case.rendered));
    rendered.extend(allocation_cases().iter().map(|case| &case.rendered));
    for rendered in rendered {
        for (index, size) in SIZES.iter().enumerate() {
            let minimum = tick_text_px(*size);
            assert!(minimum >= MIN_TEXT_PX, "{size}: {minimum}");
            for element in texts(&svg_elements(rendered, index)) {
                let font_size = element.number("font-size");
                assert!(
                    font_size >= minimum,
                    "{}-{size}.svg: {:?} is {font_size} px, expected {minimum} or more",
                    rendered.name,
                    element.text
                );
            }
        }
    }
}

#[test]
fn curve_text_keeps_documented_sizes() {
    for case in curve_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            // Panels of up to 9 channels keep the chart's tick size, 14.5 px
            // at 1200 x 800, and smaller panels at least 3/4 of it.
            let minimum = if case.channels <= 9 {
                tick_text_px(*size)
            } else {
                0.75 * tick_text_px(*size)
            };
            if case.channels <= 9 {
                assert!(minimum >= MIN_TEXT_PX, "{size}: {minimum}");
            }
            for element in texts(&svg_elements(&case.rendered, index)) {
                let font_size = element.number("font-size");
                assert!(
                    font_size >= minimum,
                    "{}-{size}.svg: {:?} is {font_size} px, expected {minimum} or more",
                    case.rendered.name,
                    element.text
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Front, parallel and convergence charts
// ---------------------------------------------------------------------------

/// Counts the `tag` elements whose attribute `name` is `value`.
fn count_with(elements: &[Element], tag: &str, name: &str, value: &str) -> usize {
    let matching = elements.iter().filter(|e| e.tag == tag);
    matching.filter(|e| e.attribute(name) == value).count()
}

/// Returns the number of points of a `<polyline>`.
fn point_count(polyline: &Element) -> usize {
    polyline.attribute("points").split_whitespace().count()
}

#[test]
fn front_names_title_objectives_and_plans() {
    for case in front_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let contents = text_contents(&svg_elements(&case.rendered, index));
            let file = format!("{}-{size}.svg", case.rendered.name);
            assert!(contents.contains(&case.chart.title), "{file}: title");
            for label in &case.chart.objective_labels {
                assert!(has_label(&contents, label), "{file}: objective {label:?}");
            }
            let front_entry = format!("Pareto front ({FRONT_MEMBERS} plans)");
            for entry in [front_entry.as_str(), "current plan", "chosen plan", "knee"] {
                let found = contents.iter().any(|text| text == entry);
                assert!(found, "{file}: legend entry {entry:?}");
            }
        }
    }
}

#[test]
fn front_marks_plans_in_every_panel() {
    for case in front_cases() {
        let elements = svg_elements(&case.rendered, 0);
        let name = &case.rendered.name;
        let panels = match case.kpis {
            2 => 1,
            kpis => kpis * (kpis - 1),
        };
        // The legend draws one more of each marker.
        let dots = count_with(&elements, "circle", "fill", FRONT_COLOUR);
        assert_eq!(dots, panels * FRONT_MEMBERS + 1, "{name}: front dots");
        let triangles = count_with(&elements, "polygon", "fill", CURRENT_COLOUR);
        assert_eq!(triangles, panels + 1, "{name}: current plan triangles");
        let rings = count_with(&elements, "circle", "stroke", CHOSEN_COLOUR);
        assert_eq!(rings, panels + 1, "{name}: chosen plan rings");
        let squares = count_with(&elements, "rect", "fill", KNEE_COLOUR);
        assert_eq!(squares, panels + 1, "{name}: knee squares");
    }
}

#[test]
fn parallel_draws_axes_and_plans() {
    for case in parallel_cases() {
        let elements = svg_elements(&case.rendered, 0);
        let contents = text_contents(&elements);
        let name = &case.rendered.name;
        assert!(contents.contains(&case.chart.title), "{name}: title");
        for label in &case.chart.objective_labels {
            assert!(has_label(&contents, label), "{name}: objective {label:?}");
        }
        let end_labels = contents.iter().filter(|t| tick_value(t).is_some()).count();
        assert_eq!(end_labels, 2 * case.kpis, "{name}: axis minima and maxima");

        let polylines: Vec<&Element> = elements.iter().filter(|e| e.tag == "polyline").collect();
        let stroked = |colour: &str| {
            let lines = polylines.iter().filter(|e| e.attribute("stroke") == colour);
            lines.filter(|e| point_count(e) == case.kpis).count()
        };
        assert_eq!(stroked(FRONT_COLOUR), FRONT_MEMBERS, "{name}: front lines");
        assert_eq!(stroked(CURRENT_COLOUR), 1, "{name}: current plan line");
        assert_eq!(stroked(CHOSEN_COLOUR), 1, "{name}: chosen plan line");
        assert_eq!(stroked(KNEE_COLOUR), 1, "{name}: knee line");
        let axes = polylines
            .iter()
            .filter(|e| e.attribute("stroke") == "#222222");
        let axes = axes.filter(|e| point_count(e) == 2).count();
        assert_eq!(axes, case.kpis, "{name}: vertical axes");
    }
}

#[test]
fn convergence_names_axes_and_draws_runs() {
    for case in convergence_cases() {
        let elements = svg_elements(&case.rendered, 0);
        let contents = text_contents(&elements);
        let name = &case.rendered.name;
        assert!(contents.contains(&case.chart.title), "{name}: title");
        assert!(contents.iter().any(|t| t == "generation"), "{name}: x axis");
        let hypervolume = "hypervolume (scaled objectives, reference 1.1)";
        assert!(has_label(&contents, hypervolume), "{name}: y axis");

        let runs = case
            .chart
            .hypervolume
            .split(Option::is_none)
            .filter(|run| run.len() > 1)
            .count();
        let lines = count_with(&elements, "polyline", "stroke", FRONT_COLOUR);
        assert_eq!(lines, runs, "{name}: one line per run");
        let missing = case
            .chart
            .hypervolume
            .iter()
            .filter(|v| v.is_none())
            .count();
        let subtitle = contents.iter().any(|t| t.starts_with("no hypervolume"));
        assert_eq!(subtitle, missing > 0, "{name}: subtitle on missing values");
    }
}

// ---------------------------------------------------------------------------
// Allocation charts
// ---------------------------------------------------------------------------

/// Returns the swatch and label of each legend entry of an allocation chart.
fn legend_pairs(elements: &[Element]) -> impl Iterator<Item = (&Element, &Element)> {
    elements
        .windows(2)
        .filter(|pair| pair[0].tag == "rect" && pair[1].tag == "text")
        // Legend labels start at their swatch, while the title after the
        // white background and the row labels after the bars end or centre there.
        .filter(|pair| pair[1].attribute("text-anchor") == "start")
        .map(|pair| (&pair[0], &pair[1]))
}

/// Returns each legend entry of an allocation chart as its label and the fill
/// of its swatch.
fn legend_entries(elements: &[Element]) -> Vec<(String, String)> {
    legend_pairs(elements)
        .map(|(swatch, label)| (label.text.clone(), swatch.attribute("fill").to_owned()))
        .collect()
}

/// Returns the vertical centre of each bar and the left edge of the bars,
/// from the segments of the first channel, which start every bar.
fn bar_rows(elements: &[Element]) -> (Vec<f64>, f64) {
    let first = colour_hex(0);
    let segments = elements
        .windows(2)
        .filter(|pair| pair[0].tag == "rect" && pair[0].attribute("fill") == first)
        .filter(|pair| pair[1].tag != "text")
        .map(|pair| &pair[0]);
    let mut centres = Vec::new();
    let mut left = f64::MAX;
    for segment in segments {
        centres.push(segment.number("y") + segment.number("height") / 2.0);
        left = left.min(segment.number("x"));
    }
    (centres, left)
}

#[test]
fn allocations_name_axis_and_spend() {
    for case in allocation_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let contents = text_contents(&svg_elements(&case.rendered, index));
            let file = format!("{}-{size}.svg", case.rendered.name);
            assert!(contents.contains(&case.chart.title), "{file}: title");
            let axis = "share of the plan's total spend";
            assert!(contents.iter().any(|t| t == axis), "{file}: axis name");
            assert!(contents.iter().any(|t| t == "100%"), "{file}: 100% tick");
            let total = "total spend per plan: 1.20M EUR";
            let subtitle = contents.iter().find(|t| t.starts_with(total));
            let subtitle = subtitle.unwrap_or_else(|| panic!("{file}: no {total:?}"));
            assert!(
                has_label(
                    &[subtitle.replace(&format!("{total} · "), "")],
                    &case.chart.note
                ),
                "{file}: note in {subtitle:?}"
            );
        }
    }
}

#[test]
fn allocation_segments_use_channel_colours() {
    for case in allocation_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let elements = svg_elements(&case.rendered, index);
            let file = format!("{}-{size}.svg", case.rendered.name);
            let legend = legend_entries(&elements);
            assert_eq!(legend.len(), case.channels, "{file}: legend entries");
            for (channel, name) in case.chart.channels.iter().enumerate() {
                let colour = colour_hex(channel);
                let entry = legend.iter().find(|(label, _)| shows_label(label, name));
                let entry = entry.unwrap_or_else(|| panic!("{file}: no legend entry {name:?}"));
                assert_eq!(entry.1, colour, "{file}: swatch of {name:?}");
                // One segment per bar, and the legend swatch.
                let rects = count_with(&elements, "rect", "fill", &colour);
                assert_eq!(rects, case.chart.rows.len() + 1, "{file}: {name:?}");
            }
            let mut labels: Vec<&String> = legend.iter().map(|(label, _)| label).collect();
            labels.sort();
            labels.dedup();
            assert_eq!(
                labels.len(),
                case.channels,
                "{file}: repeated legend labels"
            );
        }
    }
}

/// Returns the left edge of each legend swatch of an allocation chart.
fn legend_swatch_lefts(elements: &[Element]) -> Vec<f64> {
    legend_pairs(elements)
        .map(|(swatch, _)| swatch.number("x"))
        .collect()
}

#[test]
fn allocation_legend_fits_one_column() {
    for case in allocation_cases().iter().filter(|c| c.channels == 30) {
        for (index, size) in SIZES.iter().enumerate() {
            let elements = svg_elements(&case.rendered, index);
            let file = format!("{}-{size}.svg", case.rendered.name);
            let mut lefts = legend_swatch_lefts(&elements);
            lefts.dedup();
            assert_eq!(lefts.len(), 1, "{file}: legend columns at {lefts:?}");
            // Only the one name too long for any legend is cut.
            let legend = legend_entries(&elements);
            let cut: Vec<&String> = legend
                .iter()
                .map(|(label, _)| label)
                .filter(|label| label.ends_with('…'))
                .collect();
            assert_eq!(cut.len(), 1, "{file}: cut labels {cut:?}");
            assert!(shows_label(cut[0], CHANNEL_NAMES[2]), "{file}: {cut:?}");
        }
    }
}

#[test]
fn share_axis_keeps_clear_of_legend() {
    for case in allocation_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let elements = svg_elements(&case.rendered, index);
            let file = format!("{}-{size}.svg", case.rendered.name);
            let last_tick = texts(&elements).into_iter().find(|t| t.text == "100%");
            let last_tick = text_box(last_tick.expect("100% tick"));
            let legend = legend_swatch_lefts(&elements);
            let legend_left = legend.iter().copied().fold(f64::MAX, f64::min);
            let gap = 8.0 * tick_text_px(*size) / tick_text_px(SIZES[0]);
            assert!(
                last_tick.right + gap <= legend_left,
                "{file}: 100% ends at {}, legend starts at {legend_left}",
                last_tick.right
            );
        }
    }
}

#[test]
fn allocation_rows_show_all_weights() {
    for case in allocation_cases() {
        let steps = sweep_steps(case.kpis);
        let lattice = simplex_lattice(case.kpis, steps);
        for (index, size) in SIZES.iter().enumerate() {
            let elements = svg_elements(&case.rendered, index);
            let file = format!("{}-{size}.svg", case.rendered.name);
            let (centres, bars_left) = bar_rows(&elements);
            assert_eq!(centres.len(), lattice.len(), "{file}: bars");
            let row_labels: Vec<&Element> = texts(&elements)
                .into_iter()
                .filter(|text| text_box(text).right < bars_left)
                .collect();
            let mut labelled = 0;
            for (row, centre) in centres.iter().enumerate() {
                let at_row = row_labels
                    .iter()
                    .filter(|text| (text.number("y") - centre).abs() <= 2.0);
                let shown: Vec<f64> = at_row
                    .flat_map(|text| text.text.split([' ', '/']))
                    .filter_map(|token| token.parse().ok())
                    .collect();
                if shown.is_empty() {
                    continue;
                }
                labelled += 1;
                let expected: Vec<f64> = lattice[row]
                    .iter()
                    .map(|weight| *weight as f64 / steps as f64)
                    .collect();
                assert_eq!(shown, expected, "{file}: weights of row {row}");
            }
            assert!(
                labelled * 3 >= centres.len(),
                "{file}: {labelled} rows labelled"
            );
            let contents: Vec<String> = row_labels.iter().map(|t| t.text.clone()).collect();
            for name in &OBJECTIVE_NAMES[..case.kpis] {
                let short = abbreviate(name);
                let named = contents
                    .iter()
                    .any(|text| text.split([' ', '/']).any(|token| token == short));
                assert!(named, "{file}: objective {short:?} beside the bars");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Response curves
// ---------------------------------------------------------------------------

/// Splits `elements` into one slice per curve panel, from the text naming its
/// channel up to the next panel's name. Panels draw their header first, so
/// document order groups each panel's elements.
fn curve_panels<'a>(elements: &'a [Element], names: &[String], file: &str) -> Vec<&'a [Element]> {
    let mut starts = Vec::new();
    let mut from = 0;
    for name in names {
        let offset = elements[from..]
            .iter()
            .position(|e| e.tag == "text" && shows_label(&e.text, name))
            .unwrap_or_else(|| panic!("{file}: no panel named {name:?}"));
        starts.push(from + offset);
        from += offset + 1;
    }
    let ends = starts.iter().skip(1).copied().chain([elements.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(start, end)| &elements[*start..end])
        .collect()
}

/// Returns the stroke of each polyline of [`CURVE_SAMPLES`] points in `panel`.
fn curve_strokes(panel: &[Element]) -> Vec<String> {
    let curves = panel.iter().filter(|e| e.tag == "polyline");
    let curves = curves.filter(|e| point_count(e) == CURVE_SAMPLES);
    curves.map(|e| e.attribute("stroke").to_owned()).collect()
}

fn curve_names(chart: &CurveChart) -> Vec<String> {
    chart.channels.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn curve_colours_match_channels() {
    for case in curve_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let elements = svg_elements(&case.rendered, index);
            let file = format!("{}-{size}.svg", case.rendered.name);
            let panels = curve_panels(&elements, &curve_names(&case.chart), &file);
            for (channel, panel) in panels.iter().enumerate() {
                let strokes = curve_strokes(panel);
                assert_eq!(
                    strokes,
                    vec![colour_hex(channel)],
                    "{file}: panel {channel}"
                );
            }
        }
    }
}

#[test]
fn curves_name_title_axes_and_channels() {
    for case in curve_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let contents = text_contents(&svg_elements(&case.rendered, index));
            let file = format!("{}-{size}.svg", case.rendered.name);
            assert!(contents.contains(&case.chart.title), "{file}: title");
            let subtitle =
                "mROI: extra revenue (EUR) per extra 1 EUR of spend, at current → optimal spend";
            assert!(contents.iter().any(|t| t == subtitle), "{file}: subtitle");
            let spend = "spend per channel (EUR)";
            assert!(contents.iter().any(|t| t == spend), "{file}: spend axis");
            let response = "revenue (EUR)";
            assert!(
                contents.iter().any(|t| t == response),
                "{file}: response axis"
            );
            for name in curve_names(&case.chart) {
                let shown = contents.iter().filter(|t| shows_label(t, &name)).count();
                assert_eq!(shown, 1, "{file}: channel {name:?}");
            }
        }
    }
}

/// Returns how many tick labels `panel` has under its plot (centred) and
/// left of it (right-aligned).
fn tick_label_counts(panel: &[Element]) -> (usize, usize) {
    let ticks = panel
        .iter()
        .filter(|e| e.tag == "text" && tick_value(&e.text).is_some());
    let anchors: Vec<&str> = ticks.map(|e| e.attribute("text-anchor")).collect();
    let spend = anchors.iter().filter(|a| **a == "middle").count();
    let response = anchors.iter().filter(|a| **a == "end").count();
    (spend, response)
}

#[test]
fn curve_panels_label_both_axes() {
    for case in curve_cases() {
        for (index, size) in SIZES.iter().enumerate() {
            let elements = svg_elements(&case.rendered, index);
            let file = format!("{}-{size}.svg", case.rendered.name);
            let panels = curve_panels(&elements, &curve_names(&case.chart), &file);
            for (channel, panel) in panels.iter().enumerate() {
                let (spend, response) = tick_label_counts(panel);
                assert!(
                    spend >= 2,
                    "{file}: panel {channel} has {spend} spend ticks"
                );
                assert!(
                    response >= 2,
                    "{file}: panel {channel} has {response} response ticks"
                );
            }
        }
    }
}

#[test]
fn small_curve_panels_label_both_axes() {
    let directory = tempfile::tempdir().expect("temp dir");
    let size = ChartSize {
        width: 640,
        height: 480,
    };
    let chart = grid_curves(30);
    let path = directory.path().join("curves-30ch-640x480.svg");
    render_curves(&chart, &path, ImageFormat::Svg, size).expect("render");
    let svg = fs::read_to_string(&path).expect("SVG");
    let file = "curves-30ch-640x480.svg";
    let elements = parse_svg(&svg, file);
    for (channel, panel) in curve_panels(&elements, &curve_names(&chart), file)
        .iter()
        .enumerate()
    {
        let (spend, response) = tick_label_counts(panel);
        assert!(
            spend >= 2,
            "{file}: panel {channel} has {spend} spend ticks"
        );
        assert!(
            response >= 2,
            "{file}: panel {channel} has {response} response ticks"
        );
    }
    assert_text_on_canvas(&elements, size, file);
    assert_text_apart(&elements, file);
}

#[test]
fn curve_money_ticks_group_thousands() {
    let case = &curve_cases()[0];
    let contents = text_contents(&svg_elements(&case.rendered, 0));
    // The single curve reaches about 9,000 EUR of revenue, below the 10k
    // suffix threshold, so its response ticks need separators.
    assert!(contents.iter().any(|t| t == "8,000"), "{contents:?}");
}

// ---------------------------------------------------------------------------
// Channels across charts
// ---------------------------------------------------------------------------

#[test]
fn channel_colours_match_across_charts() {
    for channels in CHANNEL_COUNTS {
        let allocations = allocation_cases()
            .iter()
            .find(|c| c.kpis == 3 && c.channels == channels);
        let allocations = allocations.expect("allocation case");
        let curves = curve_cases().iter().find(|c| c.channels == channels);
        let curves = curves.expect("curve case");
        let legend = legend_entries(&svg_elements(&allocations.rendered, 0));
        let curve_elements = svg_elements(&curves.rendered, 0);
        let names = curve_names(&curves.chart);
        let panels = curve_panels(&curve_elements, &names, &curves.rendered.name);
        for (channel, name) in names.iter().enumerate() {
            let bar_colour = legend.iter().find(|(label, _)| shows_label(label, name));
            let bar_colour = bar_colour.map(|(_, fill)| fill.clone());
            let curve_colour = curve_strokes(panels[channel]).first().cloned();
            assert_eq!(
                bar_colour,
                Some(colour_hex(channel)),
                "{channels} channels: bars of {name:?}"
            );
            assert_eq!(
                curve_colour, bar_colour,
                "{channels} channels: curve of {name:?}"
            );
        }
    }
}

#[test]
fn long_channel_names_end_in_ellipsis() {
    let long_name = CHANNEL_NAMES[2];
    let allocations = allocation_cases().iter().filter(|c| c.channels > 2);
    let allocations = allocations.map(|case| &case.rendered);
    let curves = curve_cases().iter().filter(|c| c.channels > 2);
    for rendered in allocations.chain(curves.map(|case| &case.rendered)) {
        for (index, size) in SIZES.iter().enumerate() {
            let contents = text_contents(&svg_elements(rendered, index));
            let file = format!("{}-{size}.svg", rendered.name);
            let shown = contents.iter().find(|t| t.starts_with("connected TV"));
            let shown = shown.unwrap_or_else(|| panic!("{file}: long name missing"));
            assert!(shown.ends_with('…'), "{file}: {shown:?}");
            assert!(shows_label(shown, long_name), "{file}: {shown:?}");
        }
    }
}

/// Writes every case of the grid as PNG at both sizes, and curves at
/// 640 x 480, for a visual review, to `$ATLAS_REVIEW_DIR` or
/// `/tmp/atlas-report-grid`.
#[test]
#[ignore = "writes PNG files for a visual review"]
fn grid_review_pngs() {
    let directory = std::env::var_os("ATLAS_REVIEW_DIR")
        .map_or_else(|| PathBuf::from("/tmp/atlas-report-grid"), PathBuf::from);
    fs::create_dir_all(&directory).expect("review directory");
    let write = |name: &str, pngs: &[Vec<u8>]| {
        for (size, png) in SIZES.iter().zip(pngs) {
            fs::write(directory.join(format!("{name}-{size}.png")), png).expect("review PNG");
        }
    };
    for rendered in all_rendered() {
        write(&rendered.name, &rendered.png);
    }
    let small = ChartSize {
        width: 640,
        height: 480,
    };
    for channels in CHANNEL_COUNTS {
        let path = directory.join(format!("curves-{channels}ch-{small}.png"));
        render_curves(&grid_curves(channels), &path, ImageFormat::Png, small).expect("curves");
    }
    println!("wrote review PNGs to {}", directory.display());
}
