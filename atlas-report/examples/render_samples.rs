//! Renders sample charts to a directory for visual review.
//!
//! Usage: `cargo run -p atlas-report --example render_samples [DIR]`, which
//! writes to `/tmp/atlas-report-samples` by default.

use std::error::Error;
use std::path::PathBuf;

use atlas_report::{
    render_allocations, render_front, AllocationChart, AllocationRow, ChartSize, FrontChart,
    ImageFormat,
};

fn main() -> Result<(), Box<dyn Error>> {
    let directory = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("/tmp/atlas-report-samples"), PathBuf::from);
    std::fs::create_dir_all(&directory)?;
    let size = ChartSize::default();
    for format in [ImageFormat::Png, ImageFormat::Svg] {
        let extension = format.extension();
        let path = directory.join(format!("front-2kpi.{extension}"));
        render_front(&two_kpi_front(), &path, format, size)?;
        let path = directory.join(format!("front-3kpi.{extension}"));
        render_front(&three_kpi_front(), &path, format, size)?;
        let path = directory.join(format!("allocations-66.{extension}"));
        render_allocations(&sweep_allocations(), &path, format, size)?;
        let path = directory.join(format!("front-5kpi.{extension}"));
        render_front(&five_kpi_front(), &path, format, size)?;
        let path = directory.join(format!("allocations-30-channels.{extension}"));
        render_allocations(&thirty_channel_allocations(), &path, format, size)?;
    }
    println!("wrote samples to {}", directory.display());
    Ok(())
}

/// Builds a concave revenue-vs-awareness trade-off with 25 members.
fn two_kpi_front() -> FrontChart {
    let points = (0..25)
        .map(|i| {
            let t = f64::from(i) / 24.0;
            vec![1_800_000.0 + 900_000.0 * t.sqrt(), 0.42 - 0.25 * t * t]
        })
        .collect();
    FrontChart {
        title: "Revenue vs. brand awareness, Q3 budget of 1.2M EUR".to_owned(),
        objective_labels: vec![
            "revenue in EUR (maximize)".to_owned(),
            "aided brand awareness (maximize)".to_owned(),
        ],
        points,
        current: Some(vec![2_050_000.0, 0.24]),
        chosen: Some(vec![
            1_800_000.0 + 900_000.0 * 0.5f64.sqrt(),
            0.42 - 0.25 * 0.25,
        ]),
        knee: None,
    }
}

/// Builds a three-objective front on the positive octant of a sphere.
fn three_kpi_front() -> FrontChart {
    let mut points = Vec::new();
    for i in 0..=10 {
        for j in 0..=(10 - i) {
            let (a, b) = (f64::from(i) / 10.0, f64::from(j) / 10.0);
            let c = 1.0 - a - b;
            let norm = (a * a + b * b + c * c).sqrt();
            points.push(vec![
                2_000_000.0 + 800_000.0 * a / norm,
                0.15 + 0.3 * b / norm,
                8_000.0 + 6_500.0 * c / norm,
            ]);
        }
    }
    FrontChart {
        title: "Three-KPI Pareto front".to_owned(),
        objective_labels: vec![
            "revenue in EUR (maximize)".to_owned(),
            "awareness (maximize)".to_owned(),
            "new customers (maximize)".to_owned(),
        ],
        points,
        current: Some(vec![2_300_000.0, 0.25, 10_500.0]),
        chosen: Some(vec![
            2_000_000.0 + 800_000.0 / 3f64.sqrt(),
            0.15 + 0.3 / 3f64.sqrt(),
            8_000.0 + 6_500.0 / 3f64.sqrt(),
        ]),
        knee: None,
    }
}

/// Builds the allocations of the 66 weight vectors of a step-0.1 sweep over
/// three objectives, with 6 channels.
fn sweep_allocations() -> AllocationChart {
    let channels = [
        "linear TV",
        "paid search",
        "paid social (Meta, TikTok, Snapchat)",
        "online video",
        "out of home",
        "radio",
    ];
    let mut rows = Vec::new();
    for i in 0..=10 {
        for j in 0..=(10 - i) {
            let (revenue, awareness) = (f64::from(i) / 10.0, f64::from(j) / 10.0);
            let acquisition = 1.0 - revenue - awareness;
            let spend = vec![
                300_000.0 * (0.4 + awareness),
                250_000.0 * (0.5 + revenue),
                200_000.0 * (0.3 + acquisition),
                150_000.0 * (0.2 + awareness),
                80_000.0 * (0.1 + awareness * revenue),
                60_000.0 * (0.2 + acquisition * 0.5),
            ];
            rows.push(AllocationRow {
                label: format!(
                    "rev {revenue:.1} / aware {awareness:.1} / acq {:.1}",
                    acquisition.max(0.0)
                ),
                spend,
            });
        }
    }
    AllocationChart {
        title: "Channel mix per objective weighting".to_owned(),
        channels: channels.iter().map(|name| (*name).to_owned()).collect(),
        rows,
        currency: "EUR".to_owned(),
        note: String::new(),
    }
}

/// Builds a five-objective front from the three-KPI front and two derived KPIs.
fn five_kpi_front() -> FrontChart {
    let base = three_kpi_front();
    let extend = |kpis: &Vec<f64>| {
        let mut extended = kpis.clone();
        extended.push(40.0 + 60.0 * (kpis[2] - 8_000.0) / 6_500.0);
        extended.push(0.35 * kpis[0] - 2.0 * kpis[2]);
        extended
    };
    FrontChart {
        title: "Five-KPI Pareto front".to_owned(),
        objective_labels: base
            .objective_labels
            .iter()
            .cloned()
            .chain([
                "cost per acquisition in EUR (minimize)".to_owned(),
                "contribution margin in EUR (maximize)".to_owned(),
            ])
            .collect(),
        points: base.points.iter().map(extend).collect(),
        current: base.current.as_ref().map(extend),
        chosen: base.chosen.as_ref().map(extend),
        knee: None,
    }
}

/// Builds twelve plans over 30 channels with names of varying length.
fn thirty_channel_allocations() -> AllocationChart {
    let channels: Vec<String> = (0..30)
        .map(|i| match i % 3 {
            0 => format!("search {i}"),
            1 => format!("regional radio network {i}"),
            _ => format!("programmatic display and native advertising {i}"),
        })
        .collect();
    let rows = (0..12)
        .map(|row| AllocationRow {
            label: format!("scenario {row}"),
            spend: (0..30)
                .map(|channel| 1_000.0 * f64::from(1 + (row * 7 + channel * 3) % 11))
                .collect(),
        })
        .collect();
    AllocationChart {
        title: "Thirty channels".to_owned(),
        channels,
        rows,
        currency: "USD".to_owned(),
        note: String::new(),
    }
}
