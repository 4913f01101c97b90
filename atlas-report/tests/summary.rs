//! Rendering one-page budget summaries and checking their files, their text
//! and their input errors.

mod common;

use std::fs;

use atlas_report::{
    channel_colour, render_summary, ChannelCurve, ChartSize, CurveChart, CurvePoint, ImageFormat,
    SummaryChannel, SummaryChart, SummaryKpi,
};
use common::{file_names, png_size};

const FORMATS: [ImageFormat; 2] = [ImageFormat::Svg, ImageFormat::Png];
const CHANNEL_COUNTS: [usize; 3] = [1, 6, 30];
const KPI_COUNTS: [usize; 4] = [1, 2, 3, 5];
/// KPI names, with an ampersand to check SVG escaping.
const KPI_NAMES: [&str; 5] = [
    "revenue",
    "new customers",
    "awareness & reach",
    "store visits",
    "gross margin",
];
/// A channel name too long for the channel column, used for channel 2.
const LONG_NAME: &str = "connected TV and online video, programmatic and direct";
/// Points sampled on each test curve.
const SAMPLES: usize = 40;
const SLIDE: ChartSize = ChartSize {
    width: 1920,
    height: 1080,
};
/// A change that makes a summary invalid.
type Corruption = fn(&mut SummaryChart);

/// Returns the name of channel `index`, which is [`LONG_NAME`] for channel 2.
fn channel_name(index: usize) -> String {
    match index {
        2 => LONG_NAME.to_owned(),
        _ => format!("channel {index:02}"),
    }
}

/// Returns the Hill curve `top * s^2 / (s^2 + half^2)` and its slope at `spend`.
fn hill(spend: f64, top: f64, half: f64) -> (f64, f64) {
    let (s2, h2) = (spend * spend, half * half);
    let response = top * s2 / (s2 + h2);
    let marginal = top * 2.0 * spend * h2 / ((s2 + h2) * (s2 + h2));
    (response, marginal)
}

fn point(spend: f64, top: f64, half: f64) -> CurvePoint {
    let (response, marginal) = hill(spend, top, half);
    CurvePoint {
        spend,
        response,
        marginal,
    }
}

/// Returns the curve of channel `index` and its row, with the recommended
/// spend at twice the current one.
fn channel(index: usize) -> (ChannelCurve, SummaryChannel) {
    let half = 4_000.0 * 3f64.powi((index % 5) as i32);
    let top = 2.5 * half * (1.0 + (index % 3) as f64);
    let spend: Vec<f64> = (0..SAMPLES)
        .map(|k| 3.0 * half * k as f64 / (SAMPLES - 1) as f64)
        .collect();
    let response = spend.iter().map(|s| hill(*s, top, half).0).collect();
    let current = point(0.7 * half, top, half);
    let recommended = point(1.4 * half, top, half);
    let curve = ChannelCurve {
        name: channel_name(index),
        colour_index: index,
        spend,
        response,
        current,
        optimal: Some(recommended),
        bounds: Some((0.35 * half, 2.1 * half)),
    };
    let row = SummaryChannel {
        name: channel_name(index),
        colour_index: index,
        current_spend: current.spend,
        recommended_spend: recommended.spend,
        share: 0.0,
        current_response: current.response,
        recommended_response: recommended.response,
        marginal: recommended.marginal,
    };
    (curve, row)
}

/// Returns a summary of `channels` channels and the first `kpis` KPIs of
/// [`KPI_NAMES`], with revenue as the response KPI.
fn summary_chart(channels: usize, kpis: usize) -> SummaryChart {
    let (curves, mut rows): (Vec<_>, Vec<_>) = (0..channels).map(channel).unzip();
    let current_spend: f64 = rows.iter().map(|row| row.current_spend).sum();
    let recommended_spend: f64 = rows.iter().map(|row| row.recommended_spend).sum();
    for row in &mut rows {
        row.share = row.recommended_spend / recommended_spend;
    }
    let current_revenue: f64 = rows.iter().map(|row| row.current_response).sum();
    let recommended_revenue: f64 = rows.iter().map(|row| row.recommended_response).sum();
    let scales = [1.0, 0.004, 1e-7, 0.02, 0.35];
    let kpis = (0..kpis)
        .map(|k| SummaryKpi {
            name: KPI_NAMES[k].to_owned(),
            current: current_revenue * scales[k],
            recommended: recommended_revenue * scales[k] * (1.0 - 0.03 * k as f64),
        })
        .collect();
    SummaryChart {
        title: format!("Recommended Q3 budget over {channels} channels"),
        subtitle: "weights revenue 0.6 / new customers 0.4, solver status optimal".to_owned(),
        currency: "EUR".to_owned(),
        total_spend: SummaryKpi {
            name: "total spend".to_owned(),
            current: current_spend,
            recommended: recommended_spend,
        },
        kpis,
        response_kpi: "revenue".to_owned(),
        channels: rows,
        curves: CurveChart {
            title: "not drawn".to_owned(),
            currency: "EUR".to_owned(),
            kpi_label: "revenue".to_owned(),
            channels: curves,
        },
    }
}

/// A `<text>` element of a rendered SVG.
#[derive(Debug)]
struct SvgText {
    content: String,
    x: f64,
    y: f64,
    font_size: f64,
}

/// The elements of a rendered SVG that the tests check.
struct Svg {
    width: f64,
    height: f64,
    texts: Vec<SvgText>,
    /// Stroke colour and point count of each `<polyline>`.
    polylines: Vec<(String, usize)>,
    /// Fill colour, width and height of each `<rect>`.
    rects: Vec<(String, f64, f64)>,
}

impl Svg {
    fn parse(source: &str) -> Self {
        let document = roxmltree::Document::parse(source).expect("well-formed SVG");
        let root = document.root_element();
        let number = |node: roxmltree::Node<'_, '_>, name: &str| -> f64 {
            let value = node
                .attribute(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            value.parse().unwrap_or_else(|_| panic!("{name}={value}"))
        };
        let colour = |node: roxmltree::Node<'_, '_>, name: &str| -> String {
            node.attribute(name).unwrap_or("").to_owned()
        };
        let mut svg = Svg {
            width: number(root, "width"),
            height: number(root, "height"),
            texts: Vec::new(),
            polylines: Vec::new(),
            rects: Vec::new(),
        };
        for node in root.descendants().filter(|node| node.is_element()) {
            match node.tag_name().name() {
                "text" => svg.texts.push(SvgText {
                    content: node.text().unwrap_or("").trim().to_owned(),
                    x: number(node, "x"),
                    y: number(node, "y"),
                    font_size: number(node, "font-size"),
                }),
                "polyline" => {
                    let points = node.attribute("points").unwrap_or("");
                    let count = points.split_whitespace().count();
                    svg.polylines.push((colour(node, "stroke"), count));
                }
                "rect" => svg.rects.push((
                    colour(node, "fill"),
                    number(node, "width"),
                    number(node, "height"),
                )),
                _ => {}
            }
        }
        svg
    }

    fn has_text(&self, text: &str) -> bool {
        self.texts.iter().any(|element| element.content == text)
    }

    /// Returns the first text element whose content is exactly `text`.
    fn text(&self, text: &str) -> &SvgText {
        let found = self.texts.iter().find(|element| element.content == text);
        found.unwrap_or_else(|| panic!("{text:?} missing"))
    }

    /// Returns the number of curves in `colour` with [`SAMPLES`] points.
    fn curves_in(&self, colour: &str) -> usize {
        let curves = self.polylines.iter();
        curves
            .filter(|(stroke, points)| stroke == colour && *points == SAMPLES)
            .count()
    }

    /// Returns the number of square swatches in `colour`.
    fn swatches_in(&self, colour: &str) -> usize {
        let rects = self.rects.iter();
        rects
            .filter(|(fill, width, height)| fill == colour && width == height && *width > 0.0)
            .count()
    }

    /// Returns N of the row `… and N more channels`, if there is one.
    fn hidden_channels(&self) -> Option<usize> {
        self.texts.iter().find_map(|element| {
            let rest = element.content.strip_prefix("… and ")?;
            rest.strip_suffix(" more channels")?.parse().ok()
        })
    }
}

fn hex(index: usize) -> String {
    let colour = channel_colour(index);
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

fn render_svg(chart: &SummaryChart, size: ChartSize) -> Svg {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("summary.svg");
    render_summary(chart, &path, ImageFormat::Svg, size).expect("render");
    Svg::parse(&fs::read_to_string(&path).expect("SVG file"))
}

/// Renders `chart` as SVG and returns the error message, checking that no file
/// was left at the path.
fn summary_error(chart: &SummaryChart) -> String {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("summary.svg");
    let error = render_summary(chart, &path, ImageFormat::Svg, ChartSize::default())
        .expect_err("invalid summary");
    assert!(!path.exists(), "failed render left {}", path.display());
    assert!(
        file_names(directory.path()).is_empty(),
        "temporary file left"
    );
    error.to_string()
}

#[test]
fn summary_renders_all_kpi_and_channel_counts() {
    let directory = tempfile::tempdir().expect("temp dir");
    for kpis in KPI_COUNTS {
        for channels in CHANNEL_COUNTS {
            let chart = summary_chart(channels, kpis);
            for format in FORMATS {
                let name = format!("summary-{kpis}-{channels}.{format}");
                let path = directory.path().join(name);
                let result = render_summary(&chart, &path, format, ChartSize::default());
                assert!(
                    result.is_ok(),
                    "{kpis} KPIs, {channels} channels as {format}: {result:?}"
                );
                assert!(path.is_file(), "{} missing", path.display());
            }
        }
    }
}

#[test]
fn summary_png_has_requested_size() {
    let directory = tempfile::tempdir().expect("temp dir");
    let sizes = [(1200, 800), (1920, 1080), (640, 480)];
    for channels in CHANNEL_COUNTS {
        for (width, height) in sizes {
            let size = ChartSize { width, height };
            let path = directory
                .path()
                .join(format!("summary-{channels}-{size}.png"));
            let chart = summary_chart(channels, 3);
            render_summary(&chart, &path, ImageFormat::Png, size).expect("render");
            let bytes = fs::read(&path).expect("PNG");
            assert_eq!(
                png_size(&bytes),
                (width, height),
                "{channels} channels at {size}"
            );
        }
    }
}

#[test]
fn summary_renders_at_extreme_sizes() {
    let directory = tempfile::tempdir().expect("temp dir");
    let sizes = [(200, 200), (8000, 200), (200, 8000)];
    for (width, height) in sizes {
        let size = ChartSize { width, height };
        for format in FORMATS {
            let path = directory.path().join(format!("summary-{size}.{format}"));
            let result = render_summary(&summary_chart(30, 5), &path, format, size);
            assert!(result.is_ok(), "{size} as {format}: {result:?}");
        }
    }
}

#[test]
fn summary_renders_twice_identically() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in [6, 30] {
        let chart = summary_chart(channels, 3);
        for format in FORMATS {
            let first = directory.path().join(format!("a-{channels}.{format}"));
            let second = directory.path().join(format!("b-{channels}.{format}"));
            render_summary(&chart, &first, format, SLIDE).expect("first");
            render_summary(&chart, &second, format, SLIDE).expect("second");
            let first = fs::read(first).expect("first file");
            let second = fs::read(second).expect("second file");
            assert!(first == second, "{channels} channels as {format} differ");
        }
    }
}

#[test]
fn summary_names_title_kpis_and_headers() {
    for kpis in KPI_COUNTS {
        for channels in CHANNEL_COUNTS {
            let chart = summary_chart(channels, kpis);
            let svg = render_svg(&chart, ChartSize::default());
            let case = format!("{kpis} KPIs, {channels} channels");
            assert!(svg.has_text(&chart.title), "title, {case}");
            assert!(svg.has_text(&chart.subtitle), "subtitle, {case}");
            assert!(!svg.has_text("not drawn"), "curve title, {case}");
            assert!(svg.has_text("total spend"), "total spend, {case}");
            for kpi in &chart.kpis {
                assert!(svg.has_text(&kpi.name), "{:?}, {case}", kpi.name);
            }
            let headers = [
                "current",
                "recommended",
                "change",
                "channel",
                "current spend",
                "(EUR)",
                "spend (EUR)",
                "share",
                "response",
                "(revenue)",
                "ROI",
                "marginal",
            ];
            for header in headers {
                assert!(svg.has_text(header), "header {header:?}, {case}");
            }
        }
    }
}

#[test]
fn summary_names_every_channel() {
    for channels in CHANNEL_COUNTS {
        for size in [ChartSize::default(), SLIDE] {
            let svg = render_svg(&summary_chart(channels, 2), size);
            for index in (0..channels).filter(|index| *index != 2) {
                let name = channel_name(index);
                assert!(svg.has_text(&name), "{name}, {channels} channels at {size}");
            }
            if channels > 2 {
                let shortened = svg.texts.iter().find(|text| {
                    text.content.starts_with("connected TV") && text.content.ends_with('…')
                });
                let shortened = shortened.expect("shortened long name missing");
                assert!(shortened.content.len() < LONG_NAME.len(), "{shortened:?}");
            }
        }
    }
}

#[test]
fn summary_draws_one_curve_per_channel() {
    for channels in CHANNEL_COUNTS {
        for size in [ChartSize::default(), SLIDE] {
            let svg = render_svg(&summary_chart(channels, 5), size);
            for index in 0..channels {
                let curves = svg.curves_in(&hex(index));
                assert_eq!(
                    curves, 1,
                    "curves of channel {index}, {channels} channels at {size}"
                );
            }
        }
    }
}

#[test]
fn channel_rows_have_colour_swatches() {
    let svg = render_svg(&summary_chart(6, 3), ChartSize::default());
    for index in 0..6 {
        assert_eq!(svg.swatches_in(&hex(index)), 1, "swatch of channel {index}");
    }
    assert_eq!(svg.hidden_channels(), None);
}

#[test]
fn cut_table_counts_hidden_channels() {
    // At 1200 x 800, five KPIs leave too little height for 30 rows even at
    // the smallest text.
    let svg = render_svg(&summary_chart(30, 5), ChartSize::default());
    let hidden = svg.hidden_channels().expect("row of hidden channels");
    assert!(hidden >= 2, "{hidden} hidden");
    let shown_rows: Vec<usize> = (0..30).filter(|i| svg.swatches_in(&hex(*i)) == 1).collect();
    let first_rows: Vec<usize> = (0..30 - hidden).collect();
    assert_eq!(shown_rows, first_rows, "rows shown");
    for index in 0..30 {
        assert_eq!(svg.curves_in(&hex(index)), 1, "curve of channel {index}");
    }
}

#[test]
fn slide_shows_all_30_channel_rows() {
    let svg = render_svg(&summary_chart(30, 5), SLIDE);
    assert_eq!(svg.hidden_channels(), None);
    for index in 0..30 {
        assert_eq!(svg.swatches_in(&hex(index)), 1, "swatch of channel {index}");
    }
}

#[test]
fn money_has_separators_and_currency() {
    let mut chart = summary_chart(1, 1);
    chart.total_spend.current = 1_234_567.0;
    chart.channels[0].current_spend = 1_234_567.0;
    let svg = render_svg(&chart, ChartSize::default());
    assert!(svg.has_text("1,234,567 EUR"), "total spend with currency");
    assert!(svg.has_text("1,234,567"), "channel spend");
    assert!(svg.has_text("current spend"), "spend header");
    assert!(svg.has_text("(EUR)"), "currency in spend header");
}

#[test]
fn totals_show_signed_change() {
    let mut chart = summary_chart(6, 3);
    chart.total_spend.current = 1_000_000.0;
    chart.total_spend.recommended = 1_125_000.0;
    chart.kpis[1].current = 400.0;
    chart.kpis[1].recommended = 390.0;
    chart.kpis[2].current = 0.0;
    let svg = render_svg(&chart, ChartSize::default());
    assert!(svg.has_text("+12.5%"), "rise");
    assert!(svg.has_text("-2.5%"), "fall");
    assert!(svg.has_text("–"), "change from 0");
}

#[test]
fn roi_without_spend_is_dash() {
    let mut chart = summary_chart(3, 1);
    assert!(!render_svg(&chart, ChartSize::default()).has_text("–"));
    chart.channels[1].recommended_spend = 0.0;
    chart.channels[1].recommended_response = 0.0;
    assert!(render_svg(&chart, ChartSize::default()).has_text("–"));
}

#[test]
fn summary_text_reaches_14_px() {
    let svg = render_svg(&summary_chart(6, 3), ChartSize::default());
    // The first "channel 00" is the table row, drawn before the panels.
    for text in ["total spend", "channel 00", "share", "recommended spend"] {
        let size = svg.text(text).font_size;
        assert!(size >= 14.0, "{text:?} is {size} px");
    }
}

#[test]
fn summary_text_stays_on_page() {
    for (channels, kpis) in [(1, 5), (6, 3), (30, 5)] {
        for size in [ChartSize::default(), SLIDE] {
            let svg = render_svg(&summary_chart(channels, kpis), size);
            for text in &svg.texts {
                let inside =
                    (0.0..=svg.width).contains(&text.x) && (0.0..=svg.height).contains(&text.y);
                assert!(inside, "{text:?} outside {size}, {channels} channels");
            }
        }
    }
}

#[test]
fn empty_kpis_and_channels_name_field() {
    let mut chart = summary_chart(3, 2);
    chart.kpis.clear();
    let message = summary_error(&chart);
    assert!(message.contains("SummaryChart.kpis is empty"), "{message}");

    let mut chart = summary_chart(3, 2);
    chart.channels.clear();
    let message = summary_error(&chart);
    assert!(
        message.contains("SummaryChart.channels is empty"),
        "{message}"
    );
}

#[test]
fn curve_count_mismatch_names_counts() {
    let mut chart = summary_chart(6, 2);
    chart.curves.channels.pop();
    let message = summary_error(&chart);
    let expected = "SummaryChart.curves.channels has value count 5, expected 6";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn non_finite_values_name_field() {
    let cases: [(&str, Corruption); 7] = [
        ("SummaryChart.total_spend.current is NaN", |c| {
            c.total_spend.current = f64::NAN;
        }),
        (
            "SummaryChart.kpis[1] (\"new customers\").recommended is inf",
            |c| {
                c.kpis[1].recommended = f64::INFINITY;
            },
        ),
        (
            "SummaryChart.channels[1] (\"channel 01\").share is NaN",
            |c| {
                c.channels[1].share = f64::NAN;
            },
        ),
        (
            "SummaryChart.channels[0] (\"channel 00\").marginal is -inf",
            |c| {
                c.channels[0].marginal = f64::NEG_INFINITY;
            },
        ),
        (
            "SummaryChart.channels[1] (\"channel 01\").current_response is NaN",
            |c| c.channels[1].current_response = f64::NAN,
        ),
        (
            "SummaryChart.channels[1] (\"channel 01\").recommended_spend is inf",
            |c| c.channels[1].recommended_spend = f64::INFINITY,
        ),
        (
            "SummaryChart.curves, channel \"channel 01\" (index 1) spend[3] is NaN",
            |c| c.curves.channels[1].spend[3] = f64::NAN,
        ),
    ];
    for (expected, corrupt) in cases {
        let mut chart = summary_chart(3, 2);
        corrupt(&mut chart);
        let message = summary_error(&chart);
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("expected a finite number"), "{message}");
    }
}

#[test]
fn negative_spend_names_field() {
    let cases: [(&str, Corruption); 4] = [
        ("SummaryChart.total_spend.recommended is -1", |c| {
            c.total_spend.recommended = -1.0;
        }),
        (
            "SummaryChart.channels[1] (\"channel 01\").current_spend is -5",
            |c| c.channels[1].current_spend = -5.0,
        ),
        (
            "SummaryChart.channels[2] (\"connected TV and online video, programmatic and direct\").recommended_spend is -2.5",
            |c| c.channels[2].recommended_spend = -2.5,
        ),
        (
            "SummaryChart.curves, channel \"channel 00\" (index 0) current.spend is -5",
            |c| c.curves.channels[0].current.spend = -5.0,
        ),
    ];
    for (expected, corrupt) in cases {
        let mut chart = summary_chart(3, 2);
        corrupt(&mut chart);
        let message = summary_error(&chart);
        assert!(message.contains(expected), "{message}");
        assert!(
            message.contains("expected a spend of 0 or more"),
            "{message}"
        );
    }
}

#[test]
fn huge_values_name_field_and_limit() {
    let cases: [(&str, Corruption); 3] = [
        ("SummaryChart.kpis[0] (\"revenue\").current is 1e301", |c| {
            c.kpis[0].current = 1e301;
        }),
        (
            "SummaryChart.channels[0] (\"channel 00\").recommended_response is -1e301",
            |c| c.channels[0].recommended_response = -1e301,
        ),
        (
            "SummaryChart.curves, channel \"channel 01\" (index 1) response[2] is 1e301",
            |c| c.curves.channels[1].response[2] = 1e301,
        ),
    ];
    for (expected, corrupt) in cases {
        let mut chart = summary_chart(3, 2);
        corrupt(&mut chart);
        let message = summary_error(&chart);
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("at most 1e300"), "{message}");
    }
}

#[test]
fn share_outside_unit_range_names_field() {
    for share in [1.5, -0.1, 25.0] {
        let mut chart = summary_chart(3, 2);
        chart.channels[1].share = share;
        let message = summary_error(&chart);
        let expected = format!("SummaryChart.channels[1] (\"channel 01\").share is {share}");
        assert!(message.contains(&expected), "{message}");
        assert!(
            message.contains("expected a fraction from 0 to 1"),
            "{message}"
        );
    }
}

#[test]
fn invalid_curve_names_summary_field() {
    let mut chart = summary_chart(3, 2);
    chart.curves.channels[1].spend.swap(3, 4);
    let message = summary_error(&chart);
    let expected =
        "SummaryChart.curves, channel \"channel 01\" (index 1) spend is not strictly ascending";
    assert!(message.contains(expected), "{message}");

    let mut chart = summary_chart(3, 2);
    chart.curves.channels[1].response.pop();
    let message = summary_error(&chart);
    let expected = "SummaryChart.curves, channel \"channel 01\" (index 1) response has value \
                    count 39, expected 40";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn size_out_of_range_names_side() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("summary.png");
    let size = ChartSize {
        width: 100,
        height: 800,
    };
    let error = render_summary(&summary_chart(3, 2), &path, ImageFormat::Png, size)
        .expect_err("too narrow");
    let message = error.to_string();
    assert!(message.contains("width 100 px"), "{message}");
    assert!(!path.exists(), "failed render left a file");
}

#[test]
fn invalid_summary_keeps_existing_file() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("summary.svg");
    fs::write(&path, b"previous summary").expect("old summary");
    let mut chart = summary_chart(3, 2);
    chart.channels[0].share = 2.0;
    render_summary(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect_err("share");
    assert_eq!(fs::read(&path).expect("old summary"), b"previous summary");
    assert_eq!(file_names(directory.path()), vec!["summary.svg"]);
}
