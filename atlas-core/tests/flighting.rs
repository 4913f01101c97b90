//! Flighted models: spend per channel and period, with adstock carried across periods.

use atlas_core::adstock::Adstock;
use atlas_core::curve::CurveSpec;
use atlas_core::flighting::FlightedModel;
use atlas_core::ResponseModel;
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(channel: &str, kpi: &str, adstock: Adstock) -> CurveSpec {
    let mut spec = CurveSpec::hill(channel, kpi, (100.0, 1.0, 10.0), 0.0, 0.0);
    spec.adstock = Some(adstock);
    spec
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
    let model = FlightedModel::new(
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
        FlightedModel::new(
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
    let model = FlightedModel::new(
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
    let model =
        FlightedModel::new(channels, names("w", 52), kpis, vec![1.0; 3], &specs, true).unwrap();
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
fn repeated_period_and_draws_are_rejected() {
    let adstock = Adstock::none();
    let repeated = FlightedModel::new(
        vec!["tv".into()],
        vec!["w1".into(), "w1".into()],
        vec!["y".into()],
        vec![0.0],
        &[spec("tv", "y", adstock)],
        false,
    );
    assert!(repeated
        .unwrap_err()
        .to_string()
        .contains("`w1` is named twice"));
    let mut drawn = spec("tv", "y", adstock);
    drawn.draws.insert("coefficient".into(), vec![1.0, 2.0]);
    let message = FlightedModel::new(
        vec!["tv".into()],
        names("w", 2),
        vec!["y".into()],
        vec![0.0],
        &[drawn],
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains("model.curves[0].draws"), "{message}");
}
