//! Flighted models: spend per channel and period, with adstock carried across periods.

use atlas_core::adstock::Adstock;
use atlas_core::curve::CurveSpec;
use atlas_core::flighting::{FlightedModel, Layout};
use atlas_core::ResponseModel;
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(channel: &str, kpi: &str, adstock: Adstock) -> CurveSpec {
    let mut spec = CurveSpec::hill(channel, kpi, (100.0, 1.0, 10.0), 0.0, 0.0);
    spec.adstock = Some(adstock);
    spec
}

/// Builds a flighted model without geos.
fn flighted(
    channels: Vec<String>,
    periods: Vec<String>,
    kpis: Vec<String>,
    baselines: Vec<f64>,
    specs: &[CurveSpec],
    count_tail: bool,
) -> Result<FlightedModel, atlas_core::CoreError> {
    let layout = Layout::new(channels, periods, Vec::new())?;
    FlightedModel::new(layout, kpis, baselines, specs, count_tail)
}

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

#[test]
fn spend_in_one_period_works_in_later_ones() {
    let adstock = Adstock::Geometric {
        theta: 0.5,
        max_lag: Some(2),
        normalize: false,
    };
    let model = flighted(
        vec!["tv".into()],
        names("w", 4),
        vec!["revenue".into()],
        vec![0.0],
        &[spec("tv", "revenue", adstock)],
        false,
    )
    .unwrap();
    assert_eq!(model.channels(), ["tv@w0", "tv@w1", "tv@w2", "tv@w3"]);
    let plan = Array1::from(vec![10.0, 0.0, 0.0, 0.0]);
    let cells = model.contributions(plan.view()).unwrap();
    // Levels 10, 5, 2.5, 0 through a Hill curve with inflexion 10: 50, 33.3, 20, 0.
    let expected = [50.0, 100.0 / 3.0, 20.0, 0.0];
    for (t, value) in expected.iter().enumerate() {
        assert!(
            (cells[[t, 0]] - value).abs() < 1e-9,
            "period {t}: {}",
            cells[[t, 0]]
        );
    }
    let total = model
        .evaluate(plan.insert_axis(ndarray::Axis(0)).view())
        .unwrap()[[0, 0]];
    assert!((total - expected.iter().sum::<f64>()).abs() < 1e-9);
}

#[test]
fn tail_counts_spend_that_outlives_the_plan() {
    let adstock = Adstock::Geometric {
        theta: 0.5,
        max_lag: Some(2),
        normalize: false,
    };
    let build = |tail| {
        flighted(
            vec!["tv".into()],
            names("w", 2),
            vec!["y".into()],
            vec![0.0],
            &[spec("tv", "y", adstock)],
            tail,
        )
        .unwrap()
    };
    let plan = ndarray::array![[0.0, 10.0]];
    let without = build(false).evaluate(plan.view()).unwrap()[[0, 0]];
    let with = build(true).evaluate(plan.view()).unwrap()[[0, 0]];
    // Without the tail only period 1 counts (50); with it, levels 5 and 2.5 add 33.3 and 20.
    assert!((without - 50.0).abs() < 1e-9);
    assert!((with - (50.0 + 100.0 / 3.0 + 20.0)).abs() < 1e-9);
}

#[test]
fn held_spend_approaches_the_steady_state_curve() {
    let adstock = Adstock::Geometric {
        theta: 0.6,
        max_lag: Some(6),
        normalize: true,
    };
    let periods = 40;
    let model = flighted(
        vec!["tv".into()],
        names("w", periods),
        vec!["y".into()],
        vec![0.0],
        &[spec("tv", "y", adstock)],
        false,
    )
    .unwrap();
    let plan = Array1::from(vec![7.0; periods]);
    let cells = model.contributions(plan.view()).unwrap();
    // Normalized weights sum to 1, so a held spend settles at the steady-state response.
    let steady = spec("tv", "y", adstock).curve("c").unwrap().response(7.0);
    assert!((cells[[periods - 1, 0]] - steady).abs() < 1e-9);
}

#[test]
fn gradient_check_20_channels_52_weeks() {
    let channels = names("c", 20);
    let kpis: Vec<String> = ["revenue", "awareness", "acquisition"]
        .map(String::from)
        .to_vec();
    let mut specs = Vec::new();
    let families = [
        Adstock::Geometric {
            theta: 0.4,
            max_lag: Some(8),
            normalize: false,
        },
        Adstock::Delayed {
            alpha: 0.6,
            theta: 2.0,
            max_lag: 6,
            normalize: true,
        },
        Adstock::WeibullCdf {
            shape: 1.5,
            scale: 3.0,
            max_lag: 8,
            normalize: false,
        },
        Adstock::Binomial {
            alpha: 0.4,
            max_lag: 5,
        },
    ];
    for (c, channel) in channels.iter().enumerate() {
        for (k, kpi) in kpis.iter().enumerate() {
            let mut spec = CurveSpec::hill(
                channel,
                kpi,
                (50.0 * (k + 1) as f64, 0.7 + 0.1 * (c % 15) as f64, 40.0),
                0.0,
                3.0,
            );
            spec.adstock = Some(families[(c + k) % families.len()]);
            if c % 5 == 0 {
                spec.order = atlas_core::curve::Order::SaturationFirst;
                spec.carryover = 0.0;
            }
            specs.push(spec);
        }
    }
    let model = flighted(channels, names("w", 52), kpis, vec![1.0; 3], &specs, true).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let plan: Array1<f64> = (0..20 * 52)
        .map(|_| 5.0 + 90.0 * rng.random::<f64>())
        .collect();
    let gradient = model.gradient(plan.view()).unwrap().unwrap();
    for _ in 0..40 {
        let cell = rng.random_range(0..20 * 52);
        let h = 1e-4;
        let mut plans = Array2::from_shape_fn((2, plan.len()), |(_, i)| plan[i]);
        plans[[0, cell]] += h;
        plans[[1, cell]] -= h;
        let values = model.evaluate(plans.view()).unwrap();
        for k in 0..3 {
            let numeric = (values[[0, k]] - values[[1, k]]) / (2.0 * h);
            let analytic = gradient[[k, cell]];
            assert!(
                (numeric - analytic).abs() <= 1e-5 * analytic.abs().max(1e-3),
                "cell {cell} KPI {k}: {numeric} vs {analytic}"
            );
        }
    }
}

#[test]
fn repeated_or_malformed_names_are_rejected() {
    let adstock = Adstock::none();
    let repeated = flighted(
        vec!["tv".into()],
        vec!["w1".into(), "w1".into()],
        vec!["y".into()],
        vec![0.0],
        &[spec("tv", "y", adstock)],
        false,
    );
    let message = repeated.unwrap_err().to_string();
    assert!(message.contains("plan.periods[1]"), "{message}");
    assert!(message.contains("`w1` is named twice"), "{message}");
    let at = Layout::new(vec!["tv".into()], names("w", 2), vec!["north@x".into()]);
    let message = at.unwrap_err().to_string();
    assert!(message.contains("plan.geos[0]"), "{message}");
    assert!(message.contains("`@`"), "{message}");
    let none = Layout::new(vec!["tv".into()], Vec::new(), Vec::new());
    assert!(none.unwrap_err().to_string().contains("no period"));
}

/// Two channels in two geos over three weeks, with geometric adstock of decay 0.5.
fn geo_layout() -> Layout {
    Layout::new(
        vec!["tv".into(), "search".into()],
        names("w", 3),
        vec!["north".into(), "south".into()],
    )
    .unwrap()
}

fn decaying() -> Adstock {
    Adstock::Geometric {
        theta: 0.5,
        max_lag: Some(2),
        normalize: false,
    }
}

#[test]
fn cells_are_named_and_ordered_channel_geo_period() {
    let layout = geo_layout();
    assert_eq!(layout.len(), 12);
    assert_eq!(layout.names()[0], "tv@north@w0");
    assert_eq!(layout.names()[4], "tv@south@w1");
    assert_eq!(layout.names()[11], "search@south@w2");
    let at = layout.coordinates(layout.cell(1, 0, 2));
    assert_eq!((at.channel, at.geo, at.period), (1, 0, 2));
    let values: Vec<f64> = (0..12).map(f64::from).collect();
    assert_eq!(layout.channel_totals(&values), vec![15.0, 51.0]);
    assert_eq!(layout.period_totals(&values), vec![18.0, 22.0, 26.0]);
}

#[test]
fn geo_curves_override_the_shared_one_and_masked_cells_take_nothing() {
    let mut layout = geo_layout();
    // Search is not sold in the north.
    layout.mask(1, Some(0), None);
    assert_eq!(layout.masked_count(), 3);
    let shared = spec("tv", "y", decaying());
    let mut south = spec("tv", "y", decaying());
    south.geo = Some("south".into());
    south.coefficient = Some(300.0);
    let search = spec("search", "y", Adstock::none());
    let model = FlightedModel::new(
        layout,
        vec!["y".into()],
        vec![0.0],
        &[shared, south, search],
        false,
    )
    .unwrap();
    // 10 in week 0 of every cell.
    let mut plan = Array1::zeros(12);
    for cell in [0, 3, 6, 9] {
        plan[cell] = 10.0;
    }
    let cells = model.contributions(plan.view()).unwrap();
    // North TV uses the shared curve (coefficient 100), south TV its own (300): levels 10, 5,
    // 2.5 through a Hill curve with inflexion 10.
    let shape = [0.5, 1.0 / 3.0, 0.2];
    for t in 0..3 {
        assert!((cells[[t, 0]] - 100.0 * shape[t]).abs() < 1e-9);
        assert!((cells[[3 + t, 0]] - 300.0 * shape[t]).abs() < 1e-9);
    }
    // Masked north search cells contribute nothing even with spend; south search does.
    assert_eq!(cells[[6, 0]], 0.0);
    assert!((cells[[9, 0]] - 50.0).abs() < 1e-9);
    let gradient = model.gradient(plan.view()).unwrap().unwrap();
    assert_eq!(gradient[[0, 6]], 0.0);
    assert!(gradient[[0, 9]] > 0.0);
    let total = model
        .evaluate(plan.clone().insert_axis(ndarray::Axis(0)).view())
        .unwrap()[[0, 0]];
    assert!((total - cells.sum()).abs() < 1e-9);
}

#[test]
fn geo_errors_name_the_curve() {
    let mut unknown = spec("tv", "y", Adstock::none());
    unknown.geo = Some("west".into());
    let message = FlightedModel::new(geo_layout(), vec!["y".into()], vec![0.0], &[unknown], false)
        .unwrap_err()
        .to_string();
    assert!(message.contains("model.curves[0]"), "{message}");
    assert!(message.contains("`west`"), "{message}");
    assert!(message.contains("north, south"), "{message}");
    let mut twice = spec("tv", "y", Adstock::none());
    twice.geo = Some("north".into());
    let message = FlightedModel::new(
        geo_layout(),
        vec!["y".into()],
        vec![0.0],
        &[twice.clone(), twice],
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains("model.curves[1]"), "{message}");
    assert!(message.contains("in geo `north`"), "{message}");
    let mut no_geos = spec("tv", "y", Adstock::none());
    no_geos.geo = Some("north".into());
    let message = flighted(
        vec!["tv".into()],
        names("w", 2),
        vec!["y".into()],
        vec![0.0],
        &[no_geos],
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("model.curves[0] (channel `tv`, KPI `y`, geo `north`).geo"),
        "{message}"
    );
}

#[test]
fn draws_are_evaluated_per_draw_and_averaged() {
    let mut drawn = spec("tv", "y", decaying());
    drawn.draws.insert("coefficient".into(), vec![50.0, 150.0]);
    drawn.draws.insert("adstock.theta".into(), vec![0.2, 0.8]);
    let model = flighted(
        vec!["tv".into()],
        names("w", 3),
        vec!["y".into()],
        vec![1.0],
        &[drawn.clone()],
        true,
    )
    .unwrap();
    assert_eq!(model.draws(), 2);
    let plan = ndarray::array![[10.0, 2.0, 4.0]];
    let by_draw = model.evaluate_draws(plan.view()).unwrap();
    for (d, (coefficient, theta)) in [(50.0, 0.2), (150.0, 0.8)].into_iter().enumerate() {
        let mut point = drawn.clone();
        point.draws.clear();
        point.coefficient = Some(coefficient);
        point.adstock = Some(Adstock::Geometric {
            theta,
            max_lag: Some(2),
            normalize: false,
        });
        let single = flighted(
            vec!["tv".into()],
            names("w", 3),
            vec!["y".into()],
            vec![1.0],
            &[point],
            true,
        )
        .unwrap();
        let expected = single.evaluate(plan.view()).unwrap()[[0, 0]];
        assert!((by_draw[[d, 0, 0]] - expected).abs() < 1e-9, "draw {d}");
    }
    let mean = model.evaluate(plan.view()).unwrap()[[0, 0]];
    assert!((mean - 0.5 * (by_draw[[0, 0, 0]] + by_draw[[1, 0, 0]])).abs() < 1e-9);
    // Per-draw gradients against central differences of the per-draw values.
    let row = plan.row(0).to_owned();
    let gradients = model.gradient_draws(row.view()).unwrap().unwrap();
    let h = 1e-5;
    for cell in 0..3 {
        let mut plans = Array2::from_shape_fn((2, 3), |(_, i)| row[i]);
        plans[[0, cell]] += h;
        plans[[1, cell]] -= h;
        let values = model.evaluate_draws(plans.view()).unwrap();
        for d in 0..2 {
            let numeric = (values[[d, 0, 0]] - values[[d, 1, 0]]) / (2.0 * h);
            let analytic = gradients[[d, 0, cell]];
            assert!(
                (numeric - analytic).abs() <= 1e-6 * analytic.abs().max(1.0),
                "draw {d} cell {cell}: {numeric} vs {analytic}"
            );
        }
    }
}

#[test]
fn masked_cells_show_carried_response_and_masked_geos_add_none() {
    let mut layout = geo_layout();
    // TV is dark in week 1 everywhere; search is not sold in the south at all.
    layout.mask(0, None, Some(1));
    layout.mask(1, Some(1), None);
    let mut tv = spec("tv", "y", decaying());
    tv.carryover = 2.0;
    let mut search = spec("search", "y", Adstock::none());
    search.carryover = 5.0;
    let model =
        FlightedModel::new(layout, vec!["y".into()], vec![3.0], &[tv, search], false).unwrap();
    let plan = Array1::from(vec![
        10.0, 10.0, 4.0, 8.0, 8.0, 8.0, 6.0, 6.0, 6.0, 9.0, 9.0, 9.0,
    ]);
    let cells = model.contributions(plan.view()).unwrap();
    let total = model
        .evaluate(plan.clone().insert_axis(ndarray::Axis(0)).view())
        .unwrap()[[0, 0]];
    // Without a tail, the KPI is the baselines plus every cell's response, masked ones included.
    assert!(
        (total - 3.0 * 3.0 - cells.sum()).abs() < 1e-9,
        "{total} vs {}",
        cells.sum()
    );
    // The dark week still shows what week 0 carries into it, though its own spend is ignored.
    assert!(cells[[1, 0]] > 0.0);
    let mut unspent = plan.clone();
    unspent[1] = 0.0;
    let again = model.contributions(unspent.view()).unwrap();
    assert_eq!(again[[1, 0]], cells[[1, 0]]);
    // Search in the south gets neither its spend nor its carry-over.
    for t in 0..3 {
        assert_eq!(cells[[9 + t, 0]], 0.0);
    }
}

#[test]
fn masking_outside_the_layout_masks_nothing() {
    let mut layout = Layout::new(vec!["a".into(), "b".into()], names("w", 3), Vec::new()).unwrap();
    layout.mask(0, None, Some(3));
    layout.mask(0, Some(1), None);
    layout.mask(2, None, None);
    assert_eq!(layout.masked_count(), 0);
    let message = Layout::new(vec!["a".into(), "b@c".into()], names("w", 3), Vec::new())
        .unwrap_err()
        .to_string();
    assert!(message.contains("channels[1].name"), "{message}");
}
