//! Every kind of business rule a scenario can state: a satisfied, a violated and a binding
//! plan for each, the repair onto it, and the errors of each key.

use atlas_core::constraint::{Rule, Unit};
use atlas_core::scenario::ScenarioFile;
use atlas_core::{ConstraintCheck, CoreError, Problem};

/// Three channels without a plan over periods; `{rules}` adds constraint tables.
fn point(rules: &str) -> String {
    format!(
        r#"
name = "rules"
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  {{ channel = "tv", kpi = "revenue", coefficient = 900.0, alpha = 1.0, inflexion = 50.0 }},
  {{ channel = "search", kpi = "revenue", coefficient = 600.0, alpha = 1.0, inflexion = 30.0 }},
  {{ channel = "social", kpi = "revenue", coefficient = 300.0, alpha = 1.0, inflexion = 20.0 }},
]
[[channels]]
name = "tv"
current = 50.0
upper = 200.0
groups = ["brand"]
[[channels]]
name = "search"
current = 30.0
upper = 200.0
groups = ["digital"]
[[channels]]
name = "social"
current = 20.0
upper = 200.0
groups = ["digital"]
[[objectives]]
kpi = "revenue"
sense = "maximize"
{rules}
"#
    )
}

/// Two channels over four weeks; `{rules}` adds constraint tables.
fn weekly(rules: &str) -> String {
    format!(
        r#"
name = "weekly rules"
[plan]
periods = ["q3a", "q3b", "q4a", "q4b"]
[model]
type = "response_curves"
kpis = ["revenue"]
curves = [
  {{ channel = "tv", kpi = "revenue", coefficient = 900.0, alpha = 1.0, inflexion = 50.0 }},
  {{ channel = "search", kpi = "revenue", coefficient = 600.0, alpha = 1.0, inflexion = 30.0 }},
]
[[channels]]
name = "tv"
current = [10.0, 20.0, 30.0, 40.0]
upper = 100.0
[[channels]]
name = "search"
current = 10.0
upper = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
{rules}
"#
    )
}

fn build(text: &str) -> Result<Problem, CoreError> {
    ScenarioFile::parse(text, "rules.toml")?.build()
}

fn check(problem: &Problem, name: &str, plan: &[f64]) -> ConstraintCheck {
    problem
        .check(plan)
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no constraint `{name}`"))
}

/// Asserts the three cases of one rule: inside its limits, on a limit, and outside them.
fn assert_cases(problem: &Problem, name: &str, inside: &[f64], on: &[f64], outside: &[f64]) {
    let satisfied = check(problem, name, inside);
    assert!(satisfied.satisfied, "{satisfied:?}");
    assert!(!satisfied.binding, "{satisfied:?}");
    let binding = check(problem, name, on);
    assert!(binding.satisfied, "{binding:?}");
    assert!(binding.binding, "{binding:?}");
    let violated = check(problem, name, outside);
    assert!(!violated.satisfied, "{violated:?}");
    assert!(violated.slack < 0.0, "{violated:?}");
}

/// Repairs a plan far from the rules and asserts that every rule then holds.
fn assert_repair_holds(problem: &Problem, start: Vec<f64>) -> Vec<f64> {
    let mut plan = start;
    problem.repair(&mut plan).unwrap();
    for check in problem.check(&plan) {
        assert!(check.satisfied, "{check:?} at {plan:?}");
    }
    plan
}

#[test]
fn total_at_least_and_within_a_range() {
    let problem = build(&point(
        "[[constraints]]\ntype = \"total_budget\"\nat_least = 90.0",
    ))
    .unwrap();
    assert_cases(
        &problem,
        "total budget",
        &[50.0, 30.0, 20.0],
        &[45.0, 30.0, 15.0],
        &[40.0, 30.0, 10.0],
    );
    assert_repair_holds(&problem, vec![1.0, 2.0, 3.0]);

    let problem = build(&point(
        "[[constraints]]\ntype = \"total_budget\"\nat_least = 90.0\nat_most = 120.0",
    ))
    .unwrap();
    let rule = &problem.constraints.last().unwrap().rule;
    assert_eq!(
        rule,
        &Rule::TotalBetween {
            lower: 90.0,
            upper: 120.0
        }
    );
    assert_cases(
        &problem,
        "total budget",
        &[50.0, 30.0, 20.0],
        &[60.0, 40.0, 20.0],
        &[60.0, 40.0, 30.0],
    );
    let high = assert_repair_holds(&problem, vec![150.0, 150.0, 150.0]);
    assert!((high.iter().sum::<f64>() - 120.0).abs() < 1e-9);
    let low = assert_repair_holds(&problem, vec![1.0, 1.0, 1.0]);
    assert!((low.iter().sum::<f64>() - 90.0).abs() < 1e-9);
}

#[test]
fn limits_relative_to_current_spend() {
    // Robyn's multipliers: tv between 0.5 and 2 times its current 50.
    let problem = build(&point(
        "[[constraints]]\ntype = \"channel_bounds\"\nchannel = \"tv\"\nlower_ratio = 0.5\nupper_ratio = 2.0",
    ))
    .unwrap();
    assert_eq!(
        problem.constraints.last().unwrap().rule,
        Rule::ChannelBounds {
            channel: 0,
            lower: 25.0,
            upper: 100.0
        }
    );
    assert_cases(
        &problem,
        "tv limits",
        &[50.0, 0.0, 0.0],
        &[100.0, 0.0, 0.0],
        &[101.0, 0.0, 0.0],
    );
    // "Change at most 20% from current" on every channel at once.
    let problem = build(&point(
        "[[constraints]]\ntype = \"change_limit\"\nmax_change = 0.2",
    ))
    .unwrap();
    assert_cases(
        &problem,
        "change limit (search)",
        &[0.0, 30.0, 0.0],
        &[0.0, 24.0, 0.0],
        &[0.0, 23.0, 0.0],
    );
    let plan = assert_repair_holds(&problem, vec![0.0, 500.0, 0.0]);
    assert_eq!(plan, vec![40.0, 36.0, 16.0]);
}

#[test]
fn group_budgets_in_money() {
    let problem = build(&point(
        "[[constraints]]\ntype = \"group_budget\"\ngroup = \"digital\"\nlower = 40.0\nupper = 60.0",
    ))
    .unwrap();
    assert_cases(
        &problem,
        "digital budget",
        &[0.0, 30.0, 20.0],
        &[0.0, 30.0, 30.0],
        &[0.0, 10.0, 20.0],
    );
    let plan = assert_repair_holds(&problem, vec![0.0, 150.0, 150.0]);
    assert!((plan[1] + plan[2] - 60.0).abs() < 1e-6);
}

#[test]
fn ratios_between_channels_and_groups() {
    // TV over digital between 0.5 and 2.
    let problem = build(&point(
        "[[constraints]]\ntype = \"ratio\"\nnumerator = { channels = [\"tv\"] }\ndenominator = { groups = [\"digital\"] }\nmin = 0.5\nmax = 2.0",
    ))
    .unwrap();
    let name = "tv / digital";
    assert_cases(
        &problem,
        name,
        &[50.0, 30.0, 20.0],
        &[100.0, 30.0, 20.0],
        &[120.0, 30.0, 20.0],
    );
    let ratio = check(&problem, name, &[120.0, 30.0, 20.0]);
    assert_eq!(ratio.unit, Unit::Ratio);
    assert!((ratio.value - 2.4).abs() < 1e-12);
    let plan = assert_repair_holds(&problem, vec![200.0, 1.0, 1.0]);
    assert!(plan[0] <= 2.0 * (plan[1] + plan[2]) * (1.0 + 1e-9));
}

#[test]
fn period_ratio_caps_one_quarter_against_another() {
    // Q4 at most 1.5 times Q3.
    let problem = build(&weekly(
        "[[constraints]]\ntype = \"ratio\"\nname = \"q4 vs q3\"\nnumerator = { periods = [\"q4a\", \"q4b\"] }\ndenominator = { periods = [\"q3a\", \"q3b\"] }\nmax = 1.5",
    ))
    .unwrap();
    // Cells: tv q3a q3b q4a q4b, then search q3a q3b q4a q4b.
    let inside = [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0];
    let on = [10.0, 10.0, 15.0, 15.0, 10.0, 10.0, 15.0, 15.0];
    let outside = [10.0, 10.0, 30.0, 30.0, 10.0, 10.0, 10.0, 10.0];
    assert_cases(&problem, "q4 vs q3", &inside, &on, &outside);
    assert_repair_holds(&problem, outside.to_vec());
}

#[test]
fn blackouts_and_period_caps_over_weeks() {
    let problem = build(&weekly(
        "[[constraints]]\ntype = \"blackout\"\nchannel = \"tv\"\nperiods = [\"q4b\"]\n\n[[constraints]]\ntype = \"period_cap\"\nat_most = 50.0",
    ))
    .unwrap();
    // A blackout binds whenever it holds: a spend of 0 sits on its only limit.
    let dark = check(
        &problem,
        "tv blackout",
        &[10.0, 10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    assert!(dark.satisfied, "{dark:?}");
    assert!(dark.binding, "{dark:?}");
    let lit = check(
        &problem,
        "tv blackout",
        &[10.0, 10.0, 10.0, 5.0, 0.0, 0.0, 0.0, 0.0],
    );
    assert!(!lit.satisfied, "{lit:?}");
    assert_cases(
        &problem,
        "period cap (q3b)",
        &[0.0, 20.0, 0.0, 0.0, 0.0, 20.0, 0.0, 0.0],
        &[0.0, 20.0, 0.0, 0.0, 0.0, 30.0, 0.0, 0.0],
        &[0.0, 30.0, 0.0, 0.0, 0.0, 30.0, 0.0, 0.0],
    );
    let plan = assert_repair_holds(&problem, vec![90.0; 8]);
    assert_eq!(plan[3], 0.0);
    assert_eq!(
        problem
            .constraints
            .iter()
            .filter(|c| c.name.starts_with("period cap ("))
            .count(),
        4
    );
}

#[test]
fn fixed_rule_zero_coefficient_keeps_current_spend() {
    // A zero coefficient gives the solver no reason to keep the spend, so only the rule does.
    let text = point(
        "[[constraints]]\ntype = \"fixed\"\nchannel = \"social\"\n\n[[constraints]]\ntype = \"total_budget\"\nequals = 100.0",
    )
    .replace(
        "coefficient = 300.0, alpha = 1.0, inflexion = 20.0",
        "coefficient = 0.0, alpha = 1.0, inflexion = 20.0",
    );
    let problem = build(&text).unwrap();
    let plan = assert_repair_holds(&problem, vec![0.0, 0.0, 90.0]);
    assert_eq!(plan[2], 20.0);
    // A channel with no current spend and fixed bounds stays at 0.
    let text = point("[[constraints]]\ntype = \"fixed\"\nchannel = \"social\"")
        .replace("current = 20.0", "current = 0.0");
    let problem = build(&text).unwrap();
    let plan = assert_repair_holds(&problem, vec![10.0, 10.0, 10.0]);
    assert_eq!(plan[2], 0.0);
}

#[test]
fn rule_errors_name_the_field_value_and_fix() {
    let cases: Vec<(String, &[&str])> = vec![
        (
            point("[[constraints]]\ntype = \"total_budget\"\nequals = 90.0\nat_least = 80.0"),
            &["constraints[0]", "`equals`, or `at_most`, `at_least` or both"],
        ),
        (
            point("[[constraints]]\ntype = \"total_budget\"\nat_least = 130.0\nat_most = 120.0"),
            &["`total budget`", "at least 130", "at most 120"],
        ),
        (
            point("[[constraints]]\ntype = \"channel_bounds\"\nchannel = \"tv\"\nupper_ratio = -1.0"),
            &["constraints[0].upper_ratio", "-1"],
        ),
        (
            point("[[constraints]]\ntype = \"channel_bounds\"\nchannel = \"tv\""),
            &["constraints[0]", "needs a limit"],
        ),
        (
            point("[[constraints]]\ntype = \"change_limit\"\nmax_change = -0.1"),
            &["constraints[0].max_change", "-0.1"],
        ),
        (
            point("[[constraints]]\ntype = \"change_limit\"\nchannels = [\"print\"]\nmax_change = 0.1"),
            &["constraints[0].channels[0]", "`print`", "tv, search, social"],
        ),
        (
            point("[[constraints]]\ntype = \"group_budget\"\ngroup = \"radio\"\nupper = 5.0"),
            &["constraints[0].group", "`radio`"],
        ),
        (
            point("[[constraints]]\ntype = \"ratio\"\nnumerator = { channels = [\"tv\"] }\ndenominator = { groups = [\"digital\"] }"),
            &["constraints[0]", "`min`, `max` or both"],
        ),
        (
            point("[[constraints]]\ntype = \"ratio\"\nnumerator = { channels = [\"tv\"] }\ndenominator = { groups = [\"digital\"] }\nmax = -2.0"),
            &["constraints[0].max", "-2"],
        ),
        (
            point("[[constraints]]\ntype = \"period_cap\"\nat_most = 5.0"),
            &["constraints[0]", "[plan]"],
        ),
        (
            weekly("[[constraints]]\ntype = \"period_cap\"\nperiods = [\"q5\"]\nat_most = 5.0"),
            &["`q5`", "q3a, q3b, q4a, q4b"],
        ),
        (
            weekly("[[constraints]]\ntype = \"blackout\"\nchannel = \"tv\"\nperiods = [\"q5\"]"),
            &["constraints[0].periods[0]", "`q5`"],
        ),
        (
            weekly("[[constraints]]\ntype = \"ratio\"\nnumerator = { periods = [\"q4a\"], colour = \"red\" }\ndenominator = {}\nmax = 1.0"),
            &["rules.toml", "colour"],
        ),
    ];
    for (text, expected) in cases {
        let message = build(&text).unwrap_err().to_string();
        for part in expected {
            assert!(message.contains(part), "`{part}` missing from: {message}");
        }
    }
}

/// Builds the three-channel scenario with an exact budget of 100 and `rule` appended.
fn budgeted(rule: &str) -> Problem {
    build(&point(&format!(
        "[[constraints]]\ntype = \"total_budget\"\nequals = 100.0\n\n[[constraints]]\n{rule}"
    )))
    .unwrap()
}

fn maximize_revenue(problem: &Problem) -> Result<Vec<f64>, CoreError> {
    let scalar = atlas_core::solve::LinearScalarization {
        coefficients: vec![1.0],
    };
    let options = atlas_core::solve::SolveOptions::from_problem(problem);
    atlas_core::solve::maximize(problem, &scalar, &options).map(|outcome| outcome.spend)
}

#[test]
fn kpi_floor_checks_and_binds_the_optimum() {
    // TV is capped at 10, so revenue depends on how the rest is split, and the floor limits that.
    let problem = budgeted(
        "type = \"kpi_bounds\"\nkpi = \"revenue\"\nat_least = 700.0\n\n[[constraints]]\ntype = \"channel_bounds\"\nchannel = \"tv\"\nupper = 10.0",
    );
    let revenue = |plan: &[f64]| {
        let batch = ndarray::Array2::from_shape_vec((1, 3), plan.to_vec()).unwrap();
        problem.model.evaluate(batch.view()).unwrap()[[0, 0]]
    };
    let low = [10.0, 10.0, 80.0];
    let high = [10.0, 60.0, 30.0];
    assert!(revenue(&low) < 700.0);
    assert!(revenue(&high) > 700.0);
    let violated = check(&problem, "revenue limits", &low);
    assert!(!violated.satisfied, "{violated:?}");
    assert_eq!(violated.unit, Unit::Kpi);
    let satisfied = check(&problem, "revenue limits", &high);
    assert!(satisfied.satisfied, "{satisfied:?}");
    // The optimum meets the floor.
    let best = maximize_revenue(&problem).unwrap();
    assert!(problem.is_feasible(&best));
    assert!(revenue(&best) > 700.0);
}

#[test]
fn kpi_ceiling_binds_at_the_optimum() {
    let problem = budgeted("type = \"kpi_bounds\"\nkpi = \"revenue\"\nat_most = 600.0");
    let best = maximize_revenue(&problem).unwrap();
    let binding = check(&problem, "revenue limits", &best);
    assert!(binding.satisfied, "{binding:?}");
    assert!(binding.binding, "{binding:?}");
    assert!((binding.value - 600.0).abs() <= 600.0 * 1e-6, "{binding:?}");
}

#[test]
fn unreachable_kpi_floor_names_the_rule_and_the_reachable_value() {
    let problem = budgeted("type = \"kpi_bounds\"\nkpi = \"revenue\"\nat_least = 5000.0");
    let message = maximize_revenue(&problem).unwrap_err().to_string();
    assert!(
        message.contains("`revenue limits` needs at least 5,000"),
        "{message}"
    );
    assert!(
        message.contains("the linear rules allow at most"),
        "{message}"
    );
}

#[test]
fn roas_and_cpa_targets() {
    // Revenue at no spend is 0, so ROAS is revenue over spend and CPA spend over revenue.
    let problem = budgeted("type = \"efficiency\"\nkpi = \"revenue\"\nroas_at_least = 6.0");
    let plan = [50.0, 30.0, 20.0];
    let roas = check(&problem, "revenue ROAS", &plan);
    let batch = ndarray::Array2::from_shape_vec((1, 3), plan.to_vec()).unwrap();
    let revenue = problem.model.evaluate(batch.view()).unwrap()[[0, 0]];
    assert!((roas.value - revenue / 100.0).abs() < 1e-12);
    assert_eq!(roas.satisfied, revenue / 100.0 >= 6.0);
    let problem = budgeted("type = \"efficiency\"\nkpi = \"revenue\"\ncpa_at_most = 0.1");
    let cpa = check(&problem, "revenue CPA", &plan);
    assert!((cpa.value - 100.0 / revenue).abs() < 1e-12);
    assert_eq!(cpa.satisfied, 100.0 / revenue <= 0.1);
    // A target above what any plan reaches is reported before a plan is returned.
    let problem = budgeted("type = \"efficiency\"\nkpi = \"revenue\"\nroas_at_least = 100.0");
    let message = maximize_revenue(&problem).unwrap_err().to_string();
    assert!(
        message.contains("`revenue ROAS` needs at least 100"),
        "{message}"
    );
}

#[test]
fn kpi_rule_errors_name_the_field() {
    let cases: Vec<(String, &[&str])> = vec![
        (
            point("[[constraints]]\ntype = \"kpi_bounds\"\nkpi = \"profit\"\nat_least = 1.0"),
            &["constraints[0].kpi", "`profit`", "revenue"],
        ),
        (
            point("[[constraints]]\ntype = \"kpi_bounds\"\nkpi = \"revenue\""),
            &["constraints[0]", "`at_least`, `at_most` or both"],
        ),
        (
            point("[[constraints]]\ntype = \"efficiency\"\nkpi = \"revenue\"\nroas_at_least = 0.0"),
            &["constraints[0].roas_at_least", "above 0"],
        ),
        (
            point("[[constraints]]\ntype = \"efficiency\"\nkpi = \"revenue\""),
            &["constraints[0]", "exactly one of"],
        ),
    ];
    for (text, expected) in cases {
        let message = build(&text).unwrap_err().to_string();
        for part in expected {
            assert!(message.contains(part), "`{part}` missing from: {message}");
        }
    }
}

#[test]
fn rules_that_conflict_only_together_are_named_with_ways_out() {
    // Each rule alone is fine; together, tv >= 3 x digital and digital at least 40% of a
    // budget of 100 cannot hold. Spending nothing would meet both rules, so the budget is part
    // of the conflict too.
    let text = point(
        "[[constraints]]\ntype = \"total_budget\"\nequals = 100.0\n\n[[constraints]]\ntype = \"ratio\"\nname = \"tv over digital\"\nnumerator = { channels = [\"tv\"] }\ndenominator = { groups = [\"digital\"] }\nmin = 3.0\n\n[[constraints]]\ntype = \"group_share\"\ngroup = \"digital\"\nmin = 0.4",
    );
    let error = build(&text).unwrap_err();
    let message = error.to_string();
    let CoreError::Infeasible { constraints, .. } = error else {
        panic!("{message}");
    };
    let mut names = constraints.clone();
    names.sort();
    assert_eq!(
        names,
        vec!["digital share", "total budget", "tv over digital"],
        "{message}"
    );
    assert!(
        message.contains("let `tv over digital` miss by"),
        "{message}"
    );
    assert!(message.contains("let `digital share` miss by"), "{message}");
    // Removing any named rule makes the scenario feasible.
    build(&text.replace("min = 3.0", "min = 0.0")).unwrap();
    build(&text.replace("min = 0.4", "min = 0.0")).unwrap();
    build(&text.replace("equals = 100.0", "at_most = 100.0")).unwrap();
}

#[test]
fn channel_totals_above_a_group_budget_give_the_new_limit() {
    let text = weekly(
        "[[constraints]]\ntype = \"total_budget\"\nat_most = 300.0\n\n[[constraints]]\ntype = \"channel_bounds\"\nchannel = \"tv\"\nlower = 250.0\n\n[[constraints]]\ntype = \"channel_bounds\"\nchannel = \"search\"\nlower = 100.0",
    );
    let message = build(&text).unwrap_err().to_string();
    assert!(message.contains("`total budget`"), "{message}");
    assert!(
        message.contains("raise `total budget` to 350 (+50)"),
        "{message}"
    );
}

#[test]
fn roas_target_binds_when_it_limits_spend() {
    // Revenue per unit of spend falls as spend grows, so a ROAS floor caps how much of the
    // budget maximizing revenue may use.
    let problem = build(&point(
        "[[constraints]]\ntype = \"total_budget\"\nat_most = 300.0\n\n[[constraints]]\ntype = \"efficiency\"\nkpi = \"revenue\"\nroas_at_least = 8.0",
    ))
    .unwrap();
    let best = maximize_revenue(&problem).unwrap();
    let roas = check(&problem, "revenue ROAS", &best);
    assert!(roas.satisfied, "{roas:?}");
    assert!(roas.binding, "{roas:?}");
    assert!(best.iter().sum::<f64>() < 300.0, "{best:?}");
}

#[test]
fn blackout_with_a_ratio_holds_exactly_at_the_optimum() {
    // A blackout is a total of at most 0, which must hold exactly, not to a repair residue.
    let problem = budgeted(
        "type = \"blackout\"\nchannel = \"social\"\n\n[[constraints]]\ntype = \"ratio\"\nnumerator = { channels = [\"tv\"] }\ndenominator = { groups = [\"digital\"] }\nmin = 0.5\nmax = 2.0",
    );
    let best = maximize_revenue(&problem).unwrap();
    assert_eq!(best[2], 0.0);
    for check in problem.check(&best) {
        assert!(check.satisfied, "{check:?}");
    }
}
