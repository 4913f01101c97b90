//! Rendering response-curve charts and checking their files and input errors.

mod common;

use std::fs;
use std::path::Path;

use atlas_report::{
    channel_colour, render_curves, ChannelCurve, ChartSize, CurveChart, CurvePoint, ImageFormat,
};
use common::{file_names, has_text, png_size, read_svg, svg_texts};

const FORMATS: [ImageFormat; 2] = [ImageFormat::Svg, ImageFormat::Png];
const CHANNEL_COUNTS: [usize; 3] = [1, 6, 30];
/// A channel name too long for any panel, used for channel 2.
const LONG_NAME: &str = "connected TV and online video, programmatic and direct";
/// A change that makes one channel's curve invalid.
type Corruption = fn(&mut ChannelCurve);
/// Points sampled on each test curve.
const SAMPLES: usize = 40;

/// Returns the name of channel `index`, which is [`LONG_NAME`] for channel 2.
fn curve_name(index: usize) -> String {
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

/// Returns `channels` Hill curves with spends from thousands to about a million.
/// Every third channel has no optimal spend and every fourth no bounds.
fn curve_chart(channels: usize) -> CurveChart {
    let curves = (0..channels)
        .map(|index| {
            let half = 4_000.0 * 3f64.powi((index % 5) as i32);
            let top = 2.5 * half * (1.0 + (index % 3) as f64);
            let spend: Vec<f64> = (0..SAMPLES)
                .map(|k| 3.0 * half * k as f64 / (SAMPLES - 1) as f64)
                .collect();
            let response = spend.iter().map(|s| hill(*s, top, half).0).collect();
            ChannelCurve {
                name: curve_name(index),
                colour_index: index,
                spend,
                response,
                current: point(0.7 * half, top, half),
                optimal: (index % 3 != 2).then(|| point(1.4 * half, top, half)),
                bounds: (index % 4 != 3).then_some((0.35 * half, 2.1 * half)),
            }
        })
        .collect();
    CurveChart {
        title: format!("Response curves by channel ({channels})"),
        currency: "EUR".to_owned(),
        kpi_label: "revenue (EUR)".to_owned(),
        channels: curves,
    }
}

/// Returns the `font-size` of the first SVG `<text>` element whose content is
/// exactly `text`.
fn font_size_of(svg: &str, text: &str) -> Option<f64> {
    svg.split("<text ").skip(1).find_map(|element| {
        let (attributes, rest) = element.split_once('>')?;
        let content = rest.split_once("</text>")?.0.trim();
        if content != text {
            return None;
        }
        let size = attributes.split("font-size=\"").nth(1)?.split('"').next()?;
        size.parse().ok()
    })
}

/// Returns the number of SVG polylines drawn in `colour` with `points` points.
fn curve_paths(svg: &str, colour: &str, points: usize) -> usize {
    svg.split("<polyline ")
        .skip(1)
        .filter_map(|element| element.split_once("/>").map(|(attributes, _)| attributes))
        .filter(|attributes| attributes.contains(&format!("stroke=\"{colour}\"")))
        .filter(|attributes| {
            let list = attributes.split("points=\"").nth(1).unwrap_or("");
            list.split('"')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .count()
                == points
        })
        .count()
}

fn hex(index: usize) -> String {
    let colour = channel_colour(index);
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

/// Renders `chart` as SVG and returns the error message, checking that no file
/// was left at the path.
fn curve_error(chart: &CurveChart) -> String {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("curves.svg");
    let error = render_curves(chart, &path, ImageFormat::Svg, ChartSize::default())
        .expect_err("invalid curve chart");
    assert!(!path.exists(), "failed render left {}", path.display());
    assert!(
        file_names(directory.path()).is_empty(),
        "temporary file left"
    );
    error.to_string()
}

fn render_svg(chart: &CurveChart, directory: &Path, name: &str) -> String {
    let path = directory.join(name);
    render_curves(chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    read_svg(&path)
}

#[test]
fn curves_render_for_1_6_and_30_channels() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in CHANNEL_COUNTS {
        let chart = curve_chart(channels);
        for format in FORMATS {
            let path = directory.path().join(format!("curves-{channels}.{format}"));
            let result = render_curves(&chart, &path, format, ChartSize::default());
            assert!(
                result.is_ok(),
                "{channels} channels as {format}: {result:?}"
            );
            assert!(path.is_file(), "{} missing", path.display());
        }
    }
}

#[test]
fn curves_png_has_requested_size() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in CHANNEL_COUNTS {
        for (width, height) in [(1200, 800), (1920, 1080)] {
            let size = ChartSize { width, height };
            let path = directory
                .path()
                .join(format!("curves-{channels}-{size}.png"));
            render_curves(&curve_chart(channels), &path, ImageFormat::Png, size).expect("render");
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
fn curves_render_twice_identically() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in CHANNEL_COUNTS {
        let chart = curve_chart(channels);
        for format in FORMATS {
            let first = directory.path().join(format!("a-{channels}.{format}"));
            let second = directory.path().join(format!("b-{channels}.{format}"));
            render_curves(&chart, &first, format, ChartSize::default()).expect("first");
            render_curves(&chart, &second, format, ChartSize::default()).expect("second");
            let first = fs::read(first).expect("first file");
            let second = fs::read(second).expect("second file");
            assert!(first == second, "{channels} channels as {format} differ");
        }
    }
}

#[test]
fn curves_svg_names_title_and_channels() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in CHANNEL_COUNTS {
        let chart = curve_chart(channels);
        let svg = render_svg(&chart, directory.path(), &format!("curves-{channels}.svg"));
        assert!(has_text(&svg, &chart.title), "title, {channels} channels");
        for index in 0..channels {
            let name = curve_name(index);
            if index == 2 {
                continue;
            }
            assert!(has_text(&svg, &name), "{name}, {channels} channels");
        }
        if channels > 2 {
            let shortened = svg_texts(&svg)
                .into_iter()
                .find(|text| text.starts_with("connected TV"));
            let shortened = shortened.expect("shortened long name missing");
            assert!(shortened.ends_with('…'), "{shortened}");
            assert!(shortened.len() < LONG_NAME.len(), "{shortened}");
        }
    }
}

#[test]
fn curves_svg_has_one_curve_per_channel() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in CHANNEL_COUNTS {
        let svg = render_svg(
            &curve_chart(channels),
            directory.path(),
            &format!("curves-{channels}.svg"),
        );
        for index in 0..channels {
            let paths = curve_paths(&svg, &hex(index), SAMPLES);
            assert_eq!(
                paths, 1,
                "curve paths of channel {index}, {channels} channels"
            );
        }
    }
}

#[test]
fn curves_annotate_marginal_returns() {
    let directory = tempfile::tempdir().expect("temp dir");
    let svg = render_svg(&curve_chart(6), directory.path(), "curves.svg");
    // Channel 0 has its optimum at twice the current spend, where the slope of
    // its Hill curve is about half. Channel 2 has no optimum.
    assert!(has_text(&svg, "mROI 1.6 → 0.80"), "channel 0 annotation");
    assert!(has_text(&svg, "mROI 4.7"), "channel 2 annotation");
    let subtitle = "mROI: extra revenue (EUR) per extra 1 EUR of spend, at current → optimal spend";
    assert!(has_text(&svg, subtitle), "subtitle defines mROI");
    for entry in [
        "response curve",
        "allowed spend range",
        "current spend",
        "optimal spend",
    ] {
        assert!(has_text(&svg, entry), "key entry {entry:?}");
    }
}

#[test]
fn curves_key_omits_absent_marks() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = curve_chart(3);
    for channel in &mut chart.channels {
        channel.optimal = None;
        channel.bounds = None;
    }
    let svg = render_svg(&chart, directory.path(), "curves.svg");
    assert!(has_text(&svg, "current spend"), "current spend entry");
    assert!(!has_text(&svg, "optimal spend"), "optimal spend entry");
    assert!(!has_text(&svg, "allowed spend range"), "range entry");
    let subtitle = "mROI: extra revenue (EUR) per extra 1 EUR of spend, at current spend";
    assert!(has_text(&svg, subtitle), "subtitle without optimum");
}

#[test]
fn curves_key_keeps_labels_that_fit() {
    // At 640 x 480 the key has room for every label in full, but not for four
    // labels as long as the longest one.
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("curves.svg");
    let size = ChartSize {
        width: 640,
        height: 480,
    };
    render_curves(&curve_chart(6), &path, ImageFormat::Svg, size).expect("render");
    let svg = read_svg(&path);
    assert!(has_text(&svg, "allowed spend range"), "range entry cut");
    assert!(has_text(&svg, "optimal spend"), "optimal entry cut");
}

#[test]
fn curves_axes_name_currency_and_kpi() {
    let directory = tempfile::tempdir().expect("temp dir");
    let svg = render_svg(&curve_chart(1), directory.path(), "curves.svg");
    assert!(has_text(&svg, "spend per channel (EUR)"), "spend axis name");
    assert!(has_text(&svg, "revenue (EUR)"), "response axis name");
    // The single curve reaches about 9,000, below the 10k suffix threshold.
    assert!(has_text(&svg, "8,000"), "response tick with separator");
    assert!(has_text(&svg, "10k"), "spend tick with suffix");
}

#[test]
fn single_channel_text_reaches_14_px() {
    let directory = tempfile::tempdir().expect("temp dir");
    let svg = render_svg(&curve_chart(1), directory.path(), "curves.svg");
    for text in ["channel 00", "mROI 1.6 → 0.80", "8,000", "current spend"] {
        let size = font_size_of(&svg, text).unwrap_or_else(|| panic!("{text:?} missing"));
        assert!(size >= 14.0, "{text:?} is {size} px");
    }
}

#[test]
fn curves_render_at_extreme_sizes() {
    let directory = tempfile::tempdir().expect("temp dir");
    let sizes = [(200, 200), (640, 480), (8000, 200), (200, 8000)];
    for (width, height) in sizes {
        let size = ChartSize { width, height };
        for format in FORMATS {
            let path = directory.path().join(format!("curves-{size}.{format}"));
            let result = render_curves(&curve_chart(30), &path, format, size);
            assert!(result.is_ok(), "{size} as {format}: {result:?}");
        }
    }
}

#[test]
fn curves_render_extreme_values() {
    let directory = tempfile::tempdir().expect("temp dir");
    let flat = ChannelCurve {
        name: "flat at zero".to_owned(),
        colour_index: 0,
        spend: vec![0.0, 1.0],
        response: vec![0.0, 0.0],
        ..ChannelCurve::default()
    };
    let huge = ChannelCurve {
        name: "huge".to_owned(),
        colour_index: 1,
        spend: vec![0.0, 1e300],
        response: vec![-1e300, 1e300],
        bounds: Some((0.0, 1e300)),
        ..ChannelCurve::default()
    };
    let tiny = ChannelCurve {
        name: "tiny".to_owned(),
        colour_index: 2,
        spend: vec![1e-12, 2e-12],
        response: vec![1e-12, 3e-12],
        ..ChannelCurve::default()
    };
    let chart = CurveChart {
        channels: vec![flat, huge, tiny],
        ..CurveChart::default()
    };
    for format in FORMATS {
        let path = directory.path().join(format!("extreme.{format}"));
        let result = render_curves(&chart, &path, format, ChartSize::default());
        assert!(result.is_ok(), "{format}: {result:?}");
    }
}

#[test]
fn curves_overwrite_and_leave_no_temporary_files() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("curves.png");
    fs::write(&path, b"old chart").expect("old file");
    render_curves(
        &curve_chart(6),
        &path,
        ImageFormat::Png,
        ChartSize::default(),
    )
    .expect("render");
    assert_eq!(png_size(&fs::read(&path).expect("chart")), (1200, 800));
    assert_eq!(file_names(directory.path()), vec!["curves.png"]);
}

#[test]
fn empty_channels_name_field() {
    let mut chart = curve_chart(2);
    chart.channels.clear();
    let message = curve_error(&chart);
    assert!(
        message.contains("CurveChart.channels is empty"),
        "{message}"
    );
}

#[test]
fn length_mismatch_names_channel_and_counts() {
    let mut chart = curve_chart(3);
    chart.channels[1].response.pop();
    let message = curve_error(&chart);
    let expected = "channel \"channel 01\" (index 1) response has value count 39, expected 40";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn too_few_points_name_channel() {
    for length in [0, 1] {
        let mut chart = curve_chart(3);
        chart.channels[1].spend.truncate(length);
        chart.channels[1].response.truncate(length);
        let message = curve_error(&chart);
        let expected = format!(
            "channel \"channel 01\" (index 1) spend has length {length}, expected at least 2"
        );
        assert!(message.contains(&expected), "{message}");
    }
}

#[test]
fn non_finite_values_name_channel_and_field() {
    let cases: [(&str, Corruption); 6] = [
        ("spend[3] is NaN", |c| c.spend[3] = f64::NAN),
        ("response[5] is inf", |c| c.response[5] = f64::INFINITY),
        ("current.marginal is NaN", |c| c.current.marginal = f64::NAN),
        ("current.spend is inf", |c| c.current.spend = f64::INFINITY),
        ("optimal.response is -inf", |c| {
            c.optimal.as_mut().expect("optimal").response = f64::NEG_INFINITY;
        }),
        ("bounds.1 is NaN", |c| c.bounds = Some((1.0, f64::NAN))),
    ];
    for (expected, corrupt) in cases {
        let mut chart = curve_chart(3);
        corrupt(&mut chart.channels[1]);
        let message = curve_error(&chart);
        let expected = format!("channel \"channel 01\" (index 1) {expected}");
        assert!(message.contains(&expected), "{message}");
        assert!(message.contains("expected a finite number"), "{message}");
    }
}

#[test]
fn huge_values_name_channel_and_limit() {
    let mut chart = curve_chart(3);
    chart.channels[0].response[2] = 1e301;
    let message = curve_error(&chart);
    assert!(
        message.contains("channel \"channel 00\" (index 0) response[2] is 1e301"),
        "{message}"
    );
    assert!(message.contains("at most 1e300"), "{message}");
}

#[test]
fn negative_spend_names_channel_and_field() {
    let cases: [(&str, Corruption); 4] = [
        ("spend[0] is -1", |c| c.spend[0] = -1.0),
        ("current.spend is -5", |c| c.current.spend = -5.0),
        ("optimal.spend is -2.5", |c| {
            c.optimal.as_mut().expect("optimal").spend = -2.5;
        }),
        ("bounds.0 is -1", |c| c.bounds = Some((-1.0, 10.0))),
    ];
    for (expected, corrupt) in cases {
        let mut chart = curve_chart(3);
        corrupt(&mut chart.channels[1]);
        let message = curve_error(&chart);
        let expected = format!("channel \"channel 01\" (index 1) {expected}");
        assert!(message.contains(&expected), "{message}");
        assert!(
            message.contains("expected a spend of 0 or more"),
            "{message}"
        );
    }
}

#[test]
fn unsorted_spend_names_channel_and_points() {
    let mut chart = curve_chart(3);
    chart.channels[1].spend.swap(3, 4);
    let message = curve_error(&chart);
    assert!(
        message.contains("channel \"channel 01\" (index 1) spend is not strictly ascending"),
        "{message}"
    );
    assert!(message.contains("at spend[4] = "), "{message}");
    assert!(message.contains("after spend[3] = "), "{message}");

    let mut chart = curve_chart(3);
    chart.channels[0].spend[5] = chart.channels[0].spend[4];
    let message = curve_error(&chart);
    assert!(
        message.contains("channel \"channel 00\" (index 0) spend is not strictly ascending"),
        "{message}"
    );
}

#[test]
fn reversed_bounds_name_channel() {
    let mut chart = curve_chart(3);
    chart.channels[2].bounds = Some((500.0, 100.0));
    let message = curve_error(&chart);
    let expected = format!(
        "channel {LONG_NAME:?} (index 2) bounds (500, 100) have the lower bound above the upper"
    );
    assert!(message.contains(&expected), "{message}");
}

#[test]
fn invalid_curve_keeps_existing_chart() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("curves.svg");
    fs::write(&path, b"previous chart").expect("old chart");
    let mut chart = curve_chart(2);
    chart.channels[0].spend.reverse();
    render_curves(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect_err("unsorted");
    assert_eq!(fs::read(&path).expect("old chart"), b"previous chart");
}
