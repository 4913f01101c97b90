//! The knee marker on front charts, parallel coordinates and the convergence
//! chart: rendering, SVG content, PNG size, repeatability and input errors.

mod common;

use std::fs;
use std::path::Path;

use atlas_report::{
    render_convergence, render_front, render_parallel, ChartSize, ConvergenceChart, ImageFormat,
    ParallelChart, ReportError, MAX_OBJECTIVES,
};
use common::{front_chart, has_text, has_wrapped_text, png_size, read_svg, svg_texts};

const FORMATS: [ImageFormat; 2] = [ImageFormat::Svg, ImageFormat::Png];
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

/// SVG colours of the front, current plan, chosen plan and knee point.
const FRONT_COLOUR: &str = "#0072B2";
const CURRENT_COLOUR: &str = "#D55E00";
const CHOSEN_COLOUR: &str = "#111111";
const KNEE_COLOUR: &str = "#009E73";

const GENERATION_LABEL: &str = "generation";
const HYPERVOLUME_LABEL: &str = "hypervolume (scaled objectives, reference 1.1)";

/// Returns the front of [`front_chart`] as a parallel chart, with the knee at
/// the front member a quarter of the way along.
fn parallel_chart(objectives: usize, members: usize) -> ParallelChart {
    let front = front_chart(objectives, members);
    ParallelChart {
        title: format!("Parallel coordinates over {objectives} KPIs"),
        knee: Some(front.points[members / 4].clone()),
        objective_labels: front.objective_labels,
        points: front.points,
        current: front.current,
        chosen: front.chosen,
    }
}

/// Returns a history of `generations` generations that rises towards 1.0,
/// with no value at every generation `index` for which `gap(index)` is true.
fn convergence_chart(generations: usize, gap: impl Fn(usize) -> bool) -> ConvergenceChart {
    ConvergenceChart {
        title: format!("Hypervolume over {generations} generations"),
        generations: (0..generations).map(|index| index * 10).collect(),
        hypervolume: (0..generations)
            .map(|index| {
                let value = 1.0 - 0.8 * (-(index as f64) / 40.0).exp();
                (!gap(index)).then_some(value)
            })
            .collect(),
    }
}

/// Counts the `<tag ...>` elements whose attributes contain `attribute`.
fn count_elements(svg: &str, tag: &str, attribute: &str) -> usize {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .filter(|element| element.split('>').next().unwrap_or("").contains(attribute))
        .count()
}

fn stroke_polylines(svg: &str, colour: &str) -> usize {
    count_elements(svg, "polyline", &format!("stroke=\"{colour}\""))
}

fn filled_rects(svg: &str, colour: &str) -> usize {
    count_elements(svg, "rect", &format!("fill=\"{colour}\""))
}

/// Renders with `render` twice in each format and size, and checks that the
/// PNG has the requested size and that both renders give identical bytes.
fn check_png_size_and_repeatability(
    directory: &Path,
    name: &str,
    render: impl Fn(&Path, ImageFormat, ChartSize) -> Result<(), ReportError>,
) {
    for size in SIZES {
        for format in FORMATS {
            let first = directory.join(format!("{name}-{size}-a.{format}"));
            let second = directory.join(format!("{name}-{size}-b.{format}"));
            let result = render(&first, format, size);
            assert!(result.is_ok(), "{name} {size} as {format}: {result:?}");
            render(&second, format, size).expect("second render");
            let (first, second) = (fs::read(first).expect("a"), fs::read(second).expect("b"));
            assert!(first == second, "{name} {size} as {format} differs");
            if format == ImageFormat::Png {
                let expected = (size.width, size.height);
                assert_eq!(png_size(&first), expected, "{name} {size}");
            }
        }
    }
}

#[test]
fn front_svg_marks_knee_in_every_panel() {
    let directory = tempfile::tempdir().expect("temp dir");
    for objectives in [2, 3, 5] {
        let mut chart = front_chart(objectives, 12);
        chart.knee = Some(chart.points[3].clone());
        let path = directory.path().join(format!("front-{objectives}.svg"));
        render_front(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
        let svg = read_svg(&path);
        assert!(has_text(&svg, "knee"), "legend, {objectives} KPIs");
        // One square in the legend, one per panel: 1 for a scatter, k(k-1)
        // for a scatter matrix of k objectives.
        let panels = if objectives == 2 {
            1
        } else {
            objectives * (objectives - 1)
        };
        let squares = filled_rects(&svg, KNEE_COLOUR);
        assert_eq!(squares, 1 + panels, "knee squares, {objectives} KPIs");
    }
}

#[test]
fn front_without_knee_has_no_knee_entry() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("front.svg");
    let chart = front_chart(3, 12);
    render_front(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(!has_text(&svg, "knee"));
    assert_eq!(filled_rects(&svg, KNEE_COLOUR), 0);
}

#[test]
fn front_with_knee_renders_png_repeatably() {
    let directory = tempfile::tempdir().expect("temp dir");
    for objectives in [2, 3] {
        let mut chart = front_chart(objectives, 12);
        chart.knee = chart.chosen.clone();
        check_png_size_and_repeatability(
            directory.path(),
            &format!("front-knee-{objectives}"),
            |path, format, size| render_front(&chart, path, format, size),
        );
    }
}

#[test]
fn parallel_svg_draws_one_polyline_per_plan() {
    let directory = tempfile::tempdir().expect("temp dir");
    for objectives in [2, 3, 5] {
        let chart = parallel_chart(objectives, 12);
        let path = directory.path().join(format!("parallel-{objectives}.svg"));
        render_parallel(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
        let svg = read_svg(&path);
        assert!(has_text(&svg, &chart.title), "title, {objectives} KPIs");
        for label in &chart.objective_labels {
            let found = has_wrapped_text(&svg, label);
            assert!(found, "axis label {label:?}, {objectives} KPIs");
        }
        let front_lines = stroke_polylines(&svg, FRONT_COLOUR);
        assert_eq!(front_lines, 12, "front polylines, {objectives} KPIs");
        assert_eq!(stroke_polylines(&svg, CURRENT_COLOUR), 1, "current plan");
        assert_eq!(stroke_polylines(&svg, CHOSEN_COLOUR), 1, "chosen plan");
        assert_eq!(stroke_polylines(&svg, KNEE_COLOUR), 1, "knee");
        for entry in [
            "Pareto front (12 plans)",
            "current plan",
            "chosen plan",
            "knee",
        ] {
            assert!(has_text(&svg, entry), "legend {entry:?}, {objectives} KPIs");
        }
        // One knee square per axis and one in the legend.
        let squares = filled_rects(&svg, KNEE_COLOUR);
        assert_eq!(squares, objectives + 1, "knee squares");
    }
}

#[test]
fn parallel_labels_axis_min_and_max() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = parallel_chart(2, 5);
    chart.points = vec![vec![1_512_345.0, 0.1834], vec![3_498_765.0, 0.3121]];
    chart.current = None;
    chart.chosen = None;
    chart.knee = None;
    let path = directory.path().join("parallel.svg");
    render_parallel(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    for label in ["1.51M", "3.50M", "0.183", "0.312"] {
        assert!(has_text(&svg, label), "end label {label}");
    }
    assert!(has_text(&svg, "Pareto front (2 plans)"));
    assert!(!has_text(&svg, "knee"), "legend names an absent knee");
}

#[test]
fn parallel_renders_png_repeatably() {
    let directory = tempfile::tempdir().expect("temp dir");
    for objectives in [2, 3, 5] {
        let chart = parallel_chart(objectives, 12);
        check_png_size_and_repeatability(
            directory.path(),
            &format!("parallel-{objectives}"),
            |path, format, size| render_parallel(&chart, path, format, size),
        );
    }
}

#[test]
fn parallel_draws_constant_kpi_at_mid_height() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = parallel_chart(3, 6);
    for plan in chart.points.iter_mut().chain(&mut chart.current) {
        plan[1] = 0.25;
    }
    chart.chosen = None;
    chart.knee = None;
    let path = directory.path().join("constant.svg");
    render_parallel(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(has_text(&svg, "constant"), "constant axis label");
    assert!(has_text(&svg, "0.250"), "constant value");
    assert_eq!(stroke_polylines(&svg, FRONT_COLOUR), 6);
}

#[test]
fn parallel_renders_single_plan() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = parallel_chart(3, 1);
    chart.current = None;
    chart.chosen = None;
    chart.knee = None;
    for format in FORMATS {
        let path = directory.path().join(format!("single.{format}"));
        let result = render_parallel(&chart, &path, format, ChartSize::default());
        assert!(result.is_ok(), "{format}: {result:?}");
    }
    let svg = read_svg(&directory.path().join("single.svg"));
    assert!(has_text(&svg, "Pareto front (1 plan)"));
    assert_eq!(stroke_polylines(&svg, FRONT_COLOUR), 1);
    let constants = svg_texts(&svg).iter().filter(|t| *t == "constant").count();
    assert_eq!(constants, 3, "every axis of one plan is constant");
}

#[test]
fn parallel_renders_max_objectives_and_extreme_sizes() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = parallel_chart(5, 40);
    for extra in 0..MAX_OBJECTIVES - 5 {
        chart.objective_labels.push(format!("extra KPI {extra}"));
        let plans = chart.points.iter_mut().chain(&mut chart.current);
        let plans = plans.chain(&mut chart.chosen).chain(&mut chart.knee);
        // Extreme magnitudes, a constant KPI and tiny values.
        for plan in plans {
            let value = match extra {
                0 => -1e300 + plan[0] * 1e293,
                1 => 0.0,
                _ => plan[0] * 1e-12,
            };
            plan.push(value);
        }
    }
    let sizes = [(200, 200), (200, 8000), (8000, 200), (1200, 800)];
    for (width, height) in sizes {
        let size = ChartSize { width, height };
        for format in FORMATS {
            let path = directory.path().join(format!("parallel-{size}.{format}"));
            let result = render_parallel(&chart, &path, format, size);
            assert!(result.is_ok(), "{size} as {format}: {result:?}");
        }
    }
    let svg = read_svg(&directory.path().join("parallel-1200x800.svg"));
    assert_eq!(stroke_polylines(&svg, FRONT_COLOUR), 40);
}

#[test]
fn parallel_cuts_long_names_with_ellipsis() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = parallel_chart(5, 8);
    let long_name = "incremental revenue attributed to upper-funnel brand campaigns across \
                     all regions and sub-brands (maximize)";
    chart.objective_labels[2] = long_name.to_owned();
    let path = directory.path().join("parallel.svg");
    render_parallel(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(
        !has_wrapped_text(&svg, long_name),
        "long name drawn in full"
    );
    let texts = svg_texts(&svg);
    let start = texts.iter().position(|t| t == "incremental revenue");
    let start = start.expect("first line of the long name");
    let cut = &texts[start + 2];
    assert!(cut.ends_with('…'), "third line {cut:?}");
}

#[test]
fn parallel_rejects_invalid_input() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("parallel.svg");
    let error = |chart: &ParallelChart| {
        let result = render_parallel(chart, &path, ImageFormat::Svg, ChartSize::default());
        assert!(!path.exists(), "failed render left a file");
        result.expect_err("invalid chart").to_string()
    };

    let mut chart = parallel_chart(3, 4);
    chart.points.clear();
    let message = error(&chart);
    assert!(
        message.contains("ParallelChart.points is empty"),
        "{message}"
    );

    let mut chart = parallel_chart(3, 4);
    chart.points[2].pop();
    let message = error(&chart);
    let expected = "front point at index 2 has value count 2, expected 3";
    assert!(message.contains(expected), "{message}");

    let mut chart = parallel_chart(3, 4);
    chart.knee = Some(vec![1.0; 4]);
    let message = error(&chart);
    assert!(
        message.contains("knee point has value count 4"),
        "{message}"
    );

    let mut chart = parallel_chart(3, 4);
    chart.points[1][2] = f64::NAN;
    let message = error(&chart);
    let location = "front point at index 1, objective \"new customers (maximize)\"";
    assert!(message.contains(&format!("{location} is NaN")), "{message}");

    let mut chart = parallel_chart(2, 4);
    chart.chosen = Some(vec![f64::INFINITY, 0.3]);
    let message = error(&chart);
    let location = "chosen plan, objective \"revenue (maximize)\" is inf";
    assert!(message.contains(location), "{message}");

    let mut chart = parallel_chart(2, 4);
    chart.objective_labels.truncate(1);
    let message = error(&chart);
    assert!(message.contains("objective count 1"), "{message}");
    assert!(message.contains("2..=8"), "{message}");
}

#[test]
fn front_rejects_invalid_knee() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("front.svg");
    let mut chart = front_chart(2, 4);
    chart.knee = Some(vec![1.0, f64::NAN]);
    let message = render_front(&chart, &path, ImageFormat::Svg, ChartSize::default())
        .expect_err("NaN knee")
        .to_string();
    let location = "knee point, objective \"awareness & reach (maximize)\" is NaN";
    assert!(message.contains(location), "{message}");
    chart.knee = Some(vec![1.0]);
    let message = render_front(&chart, &path, ImageFormat::Svg, ChartSize::default())
        .expect_err("short knee")
        .to_string();
    let expected = "knee point has value count 1, expected 2";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn convergence_svg_names_axes_and_draws_runs() {
    let directory = tempfile::tempdir().expect("temp dir");
    // (name, chart, polylines expected: runs of two or more values)
    let cases = [
        ("short", convergence_chart(5, |_| false), 1),
        ("long", convergence_chart(500, |_| false), 1),
        // Gaps at indices 100..=109 and 300 split 500 values into three runs.
        (
            "gaps",
            convergence_chart(500, |i| (100..110).contains(&i) || i == 300),
            3,
        ),
        // Gaps around generation 30 leave it as a dot between two runs.
        ("isolated", convergence_chart(8, |i| i == 2 || i == 4), 2),
    ];
    for (name, chart, runs) in cases {
        let path = directory.path().join(format!("convergence-{name}.svg"));
        render_convergence(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
        let svg = read_svg(&path);
        assert!(has_text(&svg, &chart.title), "title, {name}");
        assert!(has_text(&svg, GENERATION_LABEL), "x label, {name}");
        assert!(has_text(&svg, HYPERVOLUME_LABEL), "y label, {name}");
        let polylines = stroke_polylines(&svg, FRONT_COLOUR);
        assert_eq!(polylines, runs, "line runs, {name}");
    }
}

#[test]
fn convergence_states_missing_generations() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("convergence.svg");
    let chart = convergence_chart(20, |i| i < 3);
    render_convergence(&chart, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    let subtitle = "no hypervolume recorded for 3 of 20 generations";
    assert!(has_text(&svg, subtitle), "subtitle");
    let full = convergence_chart(20, |_| false);
    render_convergence(&full, &path, ImageFormat::Svg, ChartSize::default()).expect("render");
    let svg = read_svg(&path);
    assert!(
        !svg.contains("no hypervolume recorded"),
        "subtitle without gaps"
    );
}

#[test]
fn convergence_renders_png_repeatably() {
    let directory = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("short", convergence_chart(5, |_| false)),
        ("long", convergence_chart(1000, |i| i % 97 == 0)),
        ("single", convergence_chart(1, |_| false)),
    ];
    for (name, chart) in cases {
        check_png_size_and_repeatability(
            directory.path(),
            &format!("convergence-{name}"),
            |path, format, size| render_convergence(&chart, path, format, size),
        );
    }
}

#[test]
fn convergence_renders_extreme_sizes_and_values() {
    let directory = tempfile::tempdir().expect("temp dir");
    let mut chart = convergence_chart(50, |_| false);
    chart.hypervolume[10] = Some(1e300);
    chart.hypervolume[11] = Some(-1e300);
    chart.generations[49] = usize::MAX;
    let sizes = [(200, 200), (8000, 200), (200, 8000)];
    for (width, height) in sizes {
        let size = ChartSize { width, height };
        for format in FORMATS {
            let path = directory
                .path()
                .join(format!("convergence-{size}.{format}"));
            let result = render_convergence(&chart, &path, format, size);
            assert!(result.is_ok(), "{size} as {format}: {result:?}");
        }
    }
}

#[test]
fn convergence_rejects_invalid_input() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("convergence.png");
    let error = |chart: &ConvergenceChart| {
        let result = render_convergence(chart, &path, ImageFormat::Png, ChartSize::default());
        assert!(!path.exists(), "failed render left a file");
        result.expect_err("invalid chart").to_string()
    };

    let empty = ConvergenceChart::default();
    let message = error(&empty);
    let expected = "ConvergenceChart.generations is empty";
    assert!(message.contains(expected), "{message}");

    let mut chart = convergence_chart(4, |_| false);
    chart.hypervolume.pop();
    let message = error(&chart);
    let expected = "ConvergenceChart.hypervolume has value count 3, expected 4";
    assert!(message.contains(expected), "{message}");

    let mut chart = convergence_chart(4, |_| false);
    chart.hypervolume[2] = Some(f64::NAN);
    let message = error(&chart);
    let expected = "hypervolume at index 2 (generation 20) is NaN";
    assert!(message.contains(expected), "{message}");

    let chart = convergence_chart(4, |_| true);
    let message = error(&chart);
    assert!(
        message.contains("without its None entries is empty"),
        "{message}"
    );
    assert!(message.contains("measured hypervolume"), "{message}");
}
