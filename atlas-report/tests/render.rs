//! Rendering every chart kind to SVG and PNG and checking the written files.

mod common;

use std::fs;

use atlas_report::{render_allocations, render_front, AllocationRow, ChartSize, ImageFormat};
use common::{
    allocation_chart, channel_name, file_names, front_chart, has_text, has_wrapped_text, png_size,
    read_svg, svg_texts,
};

const FORMATS: [ImageFormat; 2] = [ImageFormat::Svg, ImageFormat::Png];

#[test]
fn front_renders_for_2_3_and_5_kpis() {
    let directory = tempfile::tempdir().expect("temp dir");
    for objectives in [2, 3, 5] {
        let chart = front_chart(objectives, 12);
        for format in FORMATS {
            let path = directory
                .path()
                .join(format!("front-{objectives}.{format}"));
            let result = render_front(&chart, &path, format, ChartSize::default());
            assert!(result.is_ok(), "{objectives} KPIs as {format}: {result:?}");
            assert!(path.is_file(), "{} missing", path.display());
        }
    }
}

#[test]
fn front_svg_names_title_axes_and_plans() {
    let directory = tempfile::tempdir().expect("temp dir");
    for objectives in [2, 3, 5] {
        let chart = front_chart(objectives, 12);
        let path = directory.path().join(format!("front-{objectives}.svg"));
        render_front(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
        let svg = read_svg(&path);
        assert!(has_text(&svg, &chart.title), "title, {objectives} KPIs");
        for label in &chart.objective_labels {
            let found = has_wrapped_text(&svg, label);
            assert!(found, "axis label {label:?}, {objectives} KPIs");
        }
        assert!(
            has_text(&svg, "current plan"),
            "current plan, {objectives} KPIs"
        );
        assert!(
            has_text(&svg, "chosen plan"),
            "chosen plan, {objectives} KPIs"
        );
        assert!(
            has_text(&svg, "Pareto front (12 plans)"),
            "front entry, {objectives} KPIs"
        );
    }
}

#[test]
fn front_legend_omits_absent_plans() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = front_chart(2, 1);
    chart.current = None;
    chart.chosen = None;
    let path = directory.path().join("front.svg");
    render_front(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(has_text(&svg, "Pareto front (1 plan)"));
    assert!(!has_text(&svg, "current plan"));
    assert!(!has_text(&svg, "chosen plan"));
}

#[test]
fn front_ticks_use_suffixes_for_millions() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("front.svg");
    let chart = front_chart(2, 12);
    render_front(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(has_text(&svg, "2.0M"), "revenue axis lacks a 2.0M tick");
    assert!(!svg.contains("2000000"), "revenue tick without suffix");
}

#[test]
fn allocations_render_for_1_6_and_30_channels() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in [1, 6, 30] {
        let chart = allocation_chart(channels, 8);
        for format in FORMATS {
            let path = directory.path().join(format!("alloc-{channels}.{format}"));
            let result = render_allocations(&chart, &path, format, ChartSize::default());
            assert!(
                result.is_ok(),
                "{channels} channels as {format}: {result:?}"
            );
            assert!(path.is_file(), "{} missing", path.display());
        }
    }
}

#[test]
fn allocation_svg_names_title_axis_and_channels() {
    let directory = tempfile::tempdir().expect("temp dir");
    for channels in [1, 6, 30] {
        let chart = allocation_chart(channels, 8);
        let path = directory.path().join(format!("alloc-{channels}.svg"));
        render_allocations(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
        let svg = read_svg(&path);
        assert!(has_text(&svg, &chart.title), "title, {channels} channels");
        assert!(
            has_text(&svg, "share of the plan's total spend"),
            "x axis label"
        );
        assert!(has_text(&svg, "100%"), "x axis ticks");
        for index in 0..channels {
            let name = channel_name(index);
            assert!(
                has_text(&svg, &name),
                "legend lacks {name}, {channels} channels"
            );
        }
        // Weight labels such as "rev 0.0 / aware 1.0" become a table with
        // one column per objective.
        for header in ["objective weights", "rev", "aware"] {
            assert!(has_text(&svg, header), "table header {header:?}");
        }
        for weight in ["0.0", "1.0"] {
            assert!(has_text(&svg, weight), "first row weight {weight}");
        }
    }
}

#[test]
fn allocation_with_66_rows_labels_without_overlap() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(6, 66);
    for (index, row) in chart.rows.iter_mut().enumerate() {
        row.label = format!("sweep point {index:02}");
    }
    let path = directory.path().join("sweep.svg");
    render_allocations(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    let label_rows: Vec<usize> = (0..66)
        .filter(|row| has_text(&svg, &chart.rows[*row].label))
        .collect();
    // At 1200 x 800 a row is about 9 px high, so every second row is labelled.
    assert!(
        label_rows.len() >= 22,
        "only {} row labels",
        label_rows.len()
    );
    assert!(label_rows.len() < 66, "all 66 labels would overlap");
    assert_eq!(label_rows[0], 0);
}

#[test]
fn allocation_with_2000_rows_keeps_labels_apart() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(6, 2000);
    for (index, row) in chart.rows.iter_mut().enumerate() {
        row.label = format!("plan {index:04}");
    }
    let path = directory.path().join("dense.svg");
    render_allocations(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    let labelled = (0..2000)
        .filter(|row| has_text(&svg, &format!("plan {row:04}")))
        .count();
    // About 620 px of bars at 18 px per label line leave room for about 35 labels.
    assert!(labelled >= 10, "only {labelled} row labels");
    assert!(
        labelled <= 45,
        "{labelled} row labels cannot fit without overlapping"
    );
}

#[test]
fn allocation_marks_rows_without_spend() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(3, 2);
    chart.rows.push(AllocationRow {
        label: "nothing".to_owned(),
        spend: vec![0.0; 3],
    });
    let path = directory.path().join("alloc.svg");
    render_allocations(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    assert!(has_text(&read_svg(&path), "no spend"));
}

#[test]
fn long_channel_names_are_cut_with_ellipsis() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(2, 3);
    let long_name = "paid social on Meta, TikTok, Snapchat, Pinterest and LinkedIn".to_owned();
    chart.channels[1] = long_name.clone();
    let path = directory.path().join("alloc.svg");
    render_allocations(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(!has_text(&svg, &long_name), "long name drawn in full");
    let shortened = svg_texts(&svg)
        .into_iter()
        .find(|text| text.starts_with("paid social on"));
    let shortened = shortened.expect("shortened name missing");
    assert!(shortened.ends_with('…'), "{shortened}");
    assert!(
        shortened.chars().count() < long_name.chars().count(),
        "{shortened}"
    );
}

#[test]
fn png_has_requested_size() {
    let directory = tempfile::tempdir().expect("temp dir");
    for (width, height) in [(1200, 800), (1920, 1080), (640, 480)] {
        let size = ChartSize { width, height };
        let front = directory.path().join(format!("front-{size}.png"));
        render_front(&front_chart(3, 10), &front, ImageFormat::Png, size).expect("front");
        let bytes = fs::read(&front).expect("front PNG");
        assert_eq!(png_size(&bytes), (width, height), "front {size}");
        let alloc = directory.path().join(format!("alloc-{size}.png"));
        render_allocations(&allocation_chart(6, 10), &alloc, ImageFormat::Png, size)
            .expect("allocations");
        let bytes = fs::read(&alloc).expect("allocation PNG");
        assert_eq!(png_size(&bytes), (width, height), "allocations {size}");
    }
}

#[test]
fn svg_has_requested_size() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("front.svg");
    let size = ChartSize {
        width: 1600,
        height: 900,
    };
    render_front(&front_chart(2, 5), &path, ImageFormat::Svg, size).expect("render");
    let svg = read_svg(&path);
    assert!(
        svg.starts_with(r#"<svg width="1600" height="900""#),
        "{}",
        &svg[..80]
    );
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let directory = tempfile::tempdir().expect("temp dir");
    for format in FORMATS {
        for kpis in [2, 3] {
            let first = directory.path().join(format!("a-{kpis}.{format}"));
            let second = directory.path().join(format!("b-{kpis}.{format}"));
            let chart = front_chart(kpis, 15);
            render_front(&chart, &first, format, ChartSize::default()).expect("first");
            render_front(&chart, &second, format, ChartSize::default()).expect("second");
            let (first, second) = (fs::read(first).expect("a"), fs::read(second).expect("b"));
            assert!(
                first == second,
                "front with {kpis} KPIs as {format} differs"
            );
        }
        let first = directory.path().join(format!("a-alloc.{format}"));
        let second = directory.path().join(format!("b-alloc.{format}"));
        let chart = allocation_chart(6, 20);
        render_allocations(&chart, &first, format, ChartSize::default()).expect("first");
        render_allocations(&chart, &second, format, ChartSize::default()).expect("second");
        let (first, second) = (fs::read(first).expect("a"), fs::read(second).expect("b"));
        assert!(first == second, "allocations as {format} differ");
    }
}

#[test]
fn png_draws_title_text() {
    // Only the title differs, so equal bytes would mean the title drew nothing.
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(2, 2);
    let with_text = directory.path().join("text.png");
    render_allocations(&chart, &with_text, ImageFormat::Png, ChartSize::default())
        .expect("with title");
    chart.title = "A different title".to_owned();
    let other_text = directory.path().join("other.png");
    render_allocations(&chart, &other_text, ImageFormat::Png, ChartSize::default())
        .expect("other title");
    assert!(fs::read(with_text).expect("a") != fs::read(other_text).expect("b"));
}

#[test]
fn rendering_overwrites_and_leaves_no_temporary_files() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("front.png");
    fs::write(&path, b"old chart").expect("old file");
    render_front(
        &front_chart(2, 5),
        &path,
        ImageFormat::Png,
        ChartSize::default(),
    )
    .expect("render");
    let bytes = fs::read(&path).expect("new chart");
    assert_eq!(png_size(&bytes), (1200, 800));
    assert_eq!(file_names(directory.path()), vec!["front.png"]);
}

#[test]
fn extreme_sizes_render() {
    let directory = tempfile::tempdir().expect("temp dir");
    let sizes = [(200, 200), (200, 8000), (8000, 200), (8000, 8000)];
    for (width, height) in sizes {
        let size = ChartSize { width, height };
        let path = directory.path().join(format!("front-{size}.svg"));
        let result = render_front(&front_chart(5, 30), &path, ImageFormat::Svg, size);
        assert!(result.is_ok(), "front {size}: {result:?}");
        let path = directory.path().join(format!("alloc-{size}.svg"));
        let chart = allocation_chart(30, 66);
        let result = render_allocations(&chart, &path, ImageFormat::Svg, size);
        assert!(result.is_ok(), "allocations {size}: {result:?}");
    }
    let size = ChartSize {
        width: 200,
        height: 200,
    };
    for objectives in [2, 3] {
        let path = directory.path().join(format!("small-{objectives}.png"));
        let result = render_front(&front_chart(objectives, 30), &path, ImageFormat::Png, size);
        assert!(result.is_ok(), "small PNG, {objectives} KPIs: {result:?}");
    }
    let path = directory.path().join("small-alloc.png");
    let chart = allocation_chart(30, 66);
    let result = render_allocations(&chart, &path, ImageFormat::Png, size);
    assert!(result.is_ok(), "small allocation PNG: {result:?}");
}

#[test]
fn front_renders_max_objectives() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = front_chart(5, 20);
    for extra in 0..atlas_report::MAX_OBJECTIVES - 5 {
        chart.objective_labels.push(format!("extra KPI {extra}"));
        for point in &mut chart.points {
            point.push(extra as f64 * point[0]);
        }
        chart.current.as_mut().expect("current plan").push(0.0);
        chart.chosen.as_mut().expect("chosen plan").push(0.0);
    }
    for format in FORMATS {
        let path = directory.path().join(format!("front-max.{format}"));
        let result = render_front(&chart, &path, format, ChartSize::default());
        assert!(result.is_ok(), "{format}: {result:?}");
    }
}

#[test]
fn extreme_values_render() {
    let directory = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, Vec<Vec<f64>>); 5] = [
        ("huge", vec![vec![1e300, -1e300], vec![-1e300, 1e300]]),
        ("mixed", vec![vec![1e300, 1e-300], vec![-1e300, 0.0]]),
        ("tiny", vec![vec![1e-12, 2e-12], vec![3e-12, 1e-12]]),
        ("equal", vec![vec![5.0, 5.0], vec![5.0, 5.0]]),
        ("zero", vec![vec![0.0, 0.0]]),
    ];
    for (name, points) in cases {
        let mut chart = front_chart(2, 2);
        chart.current = Some(points[0].clone());
        chart.chosen = None;
        chart.points = points;
        for format in FORMATS {
            let path = directory.path().join(format!("{name}.{format}"));
            let result = render_front(&chart, &path, format, ChartSize::default());
            assert!(result.is_ok(), "{name} as {format}: {result:?}");
        }
    }
}

#[test]
fn huge_spend_renders() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(2, 2);
    chart.rows[0].spend = vec![f64::MAX, f64::MAX];
    chart.rows[1].spend = vec![1e-300, 0.0];
    let path = directory.path().join("huge.png");
    let result = render_allocations(&chart, &path, ImageFormat::Png, ChartSize::default());
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn markup_in_labels_is_escaped() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = allocation_chart(2, 2);
    chart.title = "<script>alert('x')</script> & co".to_owned();
    chart.channels[0] = "TV <national>".to_owned();
    let path = directory.path().join("alloc.svg");
    render_allocations(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(!svg.contains("<script>"), "unescaped title");
    assert!(has_text(&svg, &chart.title), "escaped title");
    assert!(has_text(&svg, "TV <national>"), "escaped channel");
}
