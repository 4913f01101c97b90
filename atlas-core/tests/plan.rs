//! Scenarios with a `[plan]` table: cells per channel, period and geo, masked cells, rules over
//! periods, and the errors of each new key.

use atlas_core::constraint::Rule;
use atlas_core::scenario::ScenarioFile;
use atlas_core::{CoreError, Problem};

/// Two channels over three weeks in two regions; radio is not sold in the south.
const BASE: &str = r#"
name = "weekly"
[plan]
periods = ["w1", "w2", "w3"]
geos = ["north", "south"]
masked = [{ channel = "radio", geos = ["south"] }]
[model]
type = "response_curves"
kpis = ["revenue"]
baseline = { revenue = 10.0 }
curves = [
  { channel = "tv", kpi = "revenue", coefficient = 900.0, alpha = 1.0, inflexion = 50.0, adstock = { family = "geometric", theta = 0.5, max_lag = 2 } },
  { channel = "tv", kpi = "revenue", geo = "south", coefficient = 300.0, alpha = 1.0, inflexion = 50.0 },
  { channel = "radio", kpi = "revenue", coefficient = 200.0, alpha = 1.0, inflexion = 20.0 },
]
[[channels]]
name = "tv"
current = [10.0, 20.0, 30.0]
upper = 60.0
groups = ["brand"]
[[channels]]
name = "radio"
current = { north = 5.0 }
upper = 40.0
[[constraints]]
type = "total_budget"
equals = 150.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;

fn build(text: &str) -> Result<Problem, CoreError> {
    ScenarioFile::parse(text, "plan.toml")?.build()
}

fn error(text: &str) -> String {
    build(text).unwrap_err().to_string()
}

fn with_constraint(table: &str) -> String {
    format!("{BASE}\n[[constraints]]\n{table}\n")
}

#[test]
fn cells_take_the_channel_bounds_and_current_spend() {
    let problem = build(BASE).unwrap();
    let layout = problem.layout.as_ref().unwrap();
    assert_eq!(problem.space.len(), 12);
    assert_eq!(problem.space.names()[0], "tv@north@w1");
    assert_eq!(problem.space.names()[11], "radio@south@w3");
    assert_eq!(problem.model.channels(), problem.space.names().as_slice());
    // TV's series repeats in each geo; radio's south cells are masked and held at 0.
    assert_eq!(
        problem.current,
        vec![10.0, 20.0, 30.0, 10.0, 20.0, 30.0, 5.0, 5.0, 5.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(problem.linear.upper[..6], [60.0; 6]);
    assert_eq!(problem.linear.upper[6..9], [40.0; 3]);
    assert_eq!(problem.linear.upper[9..], [0.0; 3]);
    assert_eq!(layout.masked_count(), 3);
    assert!(problem.constraints.iter().any(|c| c.name == "masked cells"));
    // Cells inherit the channel's groups.
    assert_eq!(
        problem.space.group("brand").unwrap().members,
        (0..6).collect::<Vec<_>>()
    );
    assert_eq!(problem.channel_names(), vec!["tv", "radio"]);
    assert_eq!(problem.by_channel(&problem.current), vec![120.0, 15.0]);
}

#[test]
fn period_count_names_the_periods() {
    let text = BASE
        .replace(r#"periods = ["w1", "w2", "w3"]"#, "periods = 12")
        .replace("current = [10.0, 20.0, 30.0]", "current = 10.0");
    let problem = build(&text).unwrap();
    let layout = problem.layout.unwrap();
    assert_eq!(layout.periods()[0], "01");
    assert_eq!(layout.periods()[11], "12");
}

#[test]
fn channel_bounds_over_periods_bound_the_sum_of_cells() {
    let text = with_constraint(
        "type = \"channel_bounds\"\nname = \"tv early\"\nchannel = \"tv\"\nperiods = [\"w1\", \
         \"w2\"]\ngeos = [\"north\"]\nupper = 25.0",
    );
    let problem = build(&text).unwrap();
    let rule = &problem
        .constraints
        .iter()
        .find(|c| c.name == "tv early")
        .unwrap()
        .rule;
    assert_eq!(
        rule,
        &Rule::SpendBounds {
            cells: vec![0, 1],
            lower: None,
            upper: Some(25.0)
        }
    );
    // Repair of any plan keeps the two cells under 25 together while spending the budget.
    let mut plan = vec![60.0; 12];
    problem.repair(&mut plan).unwrap();
    assert!(plan[0] + plan[1] <= 25.0 * (1.0 + 1e-9), "{plan:?}");
    assert!((plan.iter().sum::<f64>() - 150.0).abs() < 1e-9);
    assert!(problem.is_feasible(&plan));
    // Without selectors the rule covers every unmasked cell of the channel.
    let text = with_constraint("type = \"channel_bounds\"\nchannel = \"radio\"\nlower = 30.0");
    let problem = build(&text).unwrap();
    let rule = &problem.constraints.last().unwrap().rule;
    assert!(matches!(rule, Rule::SpendBounds { cells, .. } if cells == &vec![6, 7, 8]));
}

#[test]
fn fixed_over_periods_holds_each_cell_at_its_current_spend() {
    let text = with_constraint(
        "type = \"fixed\"\nchannel = \"tv\"\nperiods = [\"w2\"]\nname = \"tv booked\"",
    );
    let problem = build(&text).unwrap();
    let held: Vec<(String, f64)> = problem
        .constraints
        .iter()
        .filter_map(|c| match c.rule {
            Rule::Fixed { amount, .. } => Some((c.name.clone(), amount)),
            _ => None,
        })
        .collect();
    assert_eq!(
        held,
        vec![
            ("tv booked (tv@north@w2)".to_string(), 20.0),
            ("tv booked (tv@south@w2)".to_string(), 20.0)
        ]
    );
}

#[test]
fn channel_total_above_what_its_cells_allow_is_infeasible() {
    let text = with_constraint(
        "type = \"channel_bounds\"\nchannel = \"radio\"\nperiods = [\"w1\"]\nlower = 50.0",
    );
    let message = error(&text);
    assert!(message.contains("`radio limits`"), "{message}");
    assert!(message.contains("radio@north@w1"), "{message}");
    assert!(message.contains("40"), "{message}");
}

#[test]
fn channel_totals_that_exceed_the_budget_together_name_the_rules() {
    let text = with_constraint("type = \"channel_bounds\"\nchannel = \"tv\"\nlower = 300.0")
        .replace("upper = 60.0", "upper = 100.0");
    let message = error(&text);
    assert!(message.contains("`tv limits`"), "{message}");
    assert!(message.contains("`total budget`"), "{message}");
}

#[test]
fn plan_errors_name_the_field_value_and_fix() {
    let cases: Vec<(String, &[&str])> = vec![
        (
            BASE.replace("current = [10.0, 20.0, 30.0]", "current = [10.0, 20.0]"),
            &["channels[0].current", "2 amounts for 3 periods"],
        ),
        (
            BASE.replace("current = [10.0, 20.0, 30.0]", "current = [10.0, -2.0, 30.0]"),
            &["channels[0].current[1]", "-2"],
        ),
        (
            BASE.replace("current = { north = 5.0 }", "current = { north = 5.0, west = 1.0 }"),
            &["channels[1].current.west", "north, south"],
        ),
        (
            BASE.replace(
                "masked = [{ channel = \"radio\", geos = [\"south\"] }]",
                "",
            ),
            &["channels[1].current.south", "missing"],
        ),
        (
            BASE.replace("geos = [\"south\"] }", "geos = [\"east\"] }"),
            &["plan.masked[0].geos[0]", "`east`"],
        ),
        (
            BASE.replace("channel = \"radio\", geos", "channel = \"print\", geos"),
            &["plan.masked[0].channel", "`print`", "tv, radio"],
        ),
        (
            BASE.replace(r#"periods = ["w1", "w2", "w3"]"#, "periods = 0"),
            &["plan.periods", "0 periods"],
        ),
        (
            BASE.replace(r#"periods = ["w1", "w2", "w3"]"#, "periods = 100000"),
            &["plan", "cells", "fewer periods"],
        ),
        (
            BASE.replace(r#"periods = ["w1", "w2", "w3"]"#, r#"periods = ["w1", "w1", "w3"]"#),
            &["plan.periods[1]", "`w1` is named twice"],
        ),
        (
            BASE.replace(r#"periods = ["w1", "w2", "w3"]"#, r#"periods = "weekly""#),
            &["plan.toml", "number of periods"],
        ),
        (
            BASE.replace("geo = \"south\"", "geo = \"west\""),
            &["model.curves[1]", "`west`"],
        ),
        (
            with_constraint(
                "type = \"fixed\"\nchannel = \"tv\"\nperiods = [\"w9\"]",
            ),
            &["constraints[1].periods[0]", "`w9`", "w1, w2, w3"],
        ),
        (
            BASE.replace("periods = [\"w1\", \"w2\", \"w3\"]\ngeos = [\"north\", \"south\"]\nmasked = [{ channel = \"radio\", geos = [\"south\"] }]", "periods = 3\nmasked = [{ channel = \"radio\", geos = [\"south\"] }]"),
            &["plan.masked[0].geos", "no geos"],
        ),
        (
            with_constraint("type = \"fixed\"\nchannel = \"radio\"\ngeos = [\"south\"]"),
            &["constraints[1]", "every selected cell of `radio` is masked"],
        ),
        (
            BASE.replace("current = { north = 5.0 }", "current = { north = 5.0, south = 2.0 }"),
            &["channels[1].current.south", "channel `radio`", "masked in geo `south`"],
        ),
    ];
    for (text, expected) in cases {
        let message = error(&text);
        for part in expected {
            assert!(message.contains(part), "`{part}` missing from: {message}");
        }
    }
}

#[test]
fn cell_keys_without_a_plan_are_rejected() {
    let point = BASE
        .replace(
            "[plan]\nperiods = [\"w1\", \"w2\", \"w3\"]\ngeos = [\"north\", \"south\"]\nmasked = [{ channel = \"radio\", geos = [\"south\"] }]\n",
            "",
        )
        .replace(
            "  { channel = \"tv\", kpi = \"revenue\", geo = \"south\", coefficient = 300.0, alpha = 1.0, inflexion = 50.0 },\n",
            "",
        )
        .replace("current = { north = 5.0 }", "current = 5.0")
        .replace("equals = 150.0", "equals = 90.0");
    // The point scenario itself is valid, apart from TV's per-period current spend.
    let message = error(&point);
    assert!(message.contains("channels[0].current"), "{message}");
    assert!(message.contains("[plan]"), "{message}");
    let point = point.replace("current = [10.0, 20.0, 30.0]", "current = 10.0");
    build(&point).unwrap();
    let selector = format!(
        "{point}\n[[constraints]]\ntype = \"fixed\"\nchannel = \"tv\"\nperiods = [\"w1\"]\n"
    );
    let message = error(&selector);
    assert!(message.contains("constraints[1].periods"), "{message}");
    let geo = point.replace("inflexion = 20.0 }", "inflexion = 20.0, geo = \"north\" }");
    let message = error(&geo);
    assert!(message.contains("model.curves[1]"), "{message}");
    assert!(message.contains("geo `north`"), "{message}");
}

#[test]
fn written_plan_scenario_parses_back() {
    let file = ScenarioFile::parse(BASE, "plan.toml").unwrap();
    let again = ScenarioFile::parse(&file.to_toml().unwrap(), "again").unwrap();
    assert_eq!(file, again);
}
