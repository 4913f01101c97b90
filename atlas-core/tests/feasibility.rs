//! Properties of the feasibility check on random small rule sets, and a large conflict.

use atlas_core::feasibility::{check, tolerance, Diagnosis, LinearRow, LinearRule, RuleClass};
use atlas_core::projection::{Halfspace, LinearSet, TotalRule};
use proptest::prelude::*;

fn class_strategy() -> impl Strategy<Value = RuleClass> {
    prop_oneof![
        Just(RuleClass::Total),
        Just(RuleClass::Bounds),
        Just(RuleClass::Other)
    ]
}

/// Generates a row over `variables` variables, with one to three terms and one of four kinds
/// of limits.
fn row_strategy(variables: usize) -> impl Strategy<Value = LinearRow> {
    let terms = prop::collection::vec((0..variables, -3.0f64..3.0), 1..=3);
    (terms, 0..4_u8, -50.0f64..150.0, 0.0f64..100.0).prop_map(|(terms, kind, start, width)| {
        let (lower, upper) = match kind {
            0 => (start, f64::INFINITY),
            1 => (f64::NEG_INFINITY, start),
            2 => (start, start + width),
            _ => (start, start),
        };
        LinearRow {
            terms,
            lower,
            upper,
        }
    })
}

fn named(rules: Vec<(RuleClass, Vec<LinearRow>)>) -> Vec<LinearRule> {
    rules
        .into_iter()
        .enumerate()
        .map(|(index, (class, rows))| LinearRule {
            name: format!("rule {index}"),
            class,
            rows,
        })
        .collect()
}

/// Generates two to six variables and one to six rules of one or two random rows.
fn rule_set_strategy() -> impl Strategy<Value = (usize, Vec<LinearRule>)> {
    (2..=6_usize).prop_flat_map(|variables| {
        let rule = (
            class_strategy(),
            prop::collection::vec(row_strategy(variables), 1..=2),
        );
        (
            Just(variables),
            prop::collection::vec(rule, 1..=6).prop_map(named),
        )
    })
}

/// Rules in the form that [`LinearSet`] takes, and that set.
#[derive(Debug, Clone)]
struct ProjectableRules {
    variables: usize,
    rules: Vec<LinearRule>,
    set: LinearSet,
}

/// Generates a finite box row on every variable, an optional total, and half-spaces
/// `a . x <= b`.
///
/// The box is finite because `LinearSet::project` returns NaN for an infinite upper bound.
fn projectable_strategy() -> impl Strategy<Value = ProjectableRules> {
    (2..=6_usize).prop_flat_map(|variables| {
        let bound = (0.0f64..30.0, 0.0f64..60.0);
        let total = prop::option::of((any::<bool>(), 0.0f64..200.0));
        let halfspace = (
            prop::collection::vec(-3.0f64..3.0, variables),
            -20.0f64..150.0,
        );
        (
            Just(variables),
            prop::collection::vec(bound, variables),
            total,
            prop::collection::vec(halfspace, 0..=3),
        )
            .prop_map(build_projectable)
    })
}

/// A box row as its floor and its width.
type BoxRow = (f64, f64);

/// A total row as whether it is exact and its amount.
type TotalRow = (bool, f64);

/// A half-space as its coefficients and its bound.
type HalfspaceRow = (Vec<f64>, f64);

/// The variable count and the random rows of a [`ProjectableRules`].
type ProjectableParts = (usize, Vec<BoxRow>, Option<TotalRow>, Vec<HalfspaceRow>);

fn build_projectable((variables, bounds, total, halfspaces): ProjectableParts) -> ProjectableRules {
    let mut rules = Vec::new();
    let mut set = LinearSet {
        lower: vec![0.0; variables],
        upper: vec![f64::INFINITY; variables],
        total: None,
        halfspaces: Vec::new(),
    };
    for (index, (floor, width)) in bounds.into_iter().enumerate() {
        let upper = floor + width;
        set.lower[index] = floor;
        set.upper[index] = upper;
        rules.push((
            RuleClass::Bounds,
            LinearRow {
                terms: vec![(index, 1.0)],
                lower: floor,
                upper,
            },
        ));
    }
    if let Some((exact, amount)) = total {
        let terms = (0..variables).map(|index| (index, 1.0)).collect();
        let lower = if exact { amount } else { f64::NEG_INFINITY };
        set.total = Some(if exact {
            TotalRule::Exactly(amount)
        } else {
            TotalRule::AtMost(amount)
        });
        rules.push((
            RuleClass::Total,
            LinearRow {
                terms,
                lower,
                upper: amount,
            },
        ));
    }
    for (coefficients, bound) in halfspaces {
        let terms = coefficients.iter().copied().enumerate().collect();
        set.halfspaces.push(Halfspace {
            coefficients,
            bound,
            source: format!("rule {}", rules.len()),
        });
        rules.push((
            RuleClass::Other,
            LinearRow {
                terms,
                lower: f64::NEG_INFINITY,
                upper: bound,
            },
        ));
    }
    let rules = rules
        .into_iter()
        .map(|(class, row)| (class, vec![row]))
        .collect();
    ProjectableRules {
        variables,
        rules: named(rules),
        set,
    }
}

fn subset(rules: &[LinearRule], names: &[String]) -> Vec<LinearRule> {
    rules
        .iter()
        .filter(|rule| names.contains(&rule.name))
        .cloned()
        .collect()
}

fn row_value(row: &LinearRow, x: &[f64]) -> f64 {
    row.terms.iter().map(|&(index, a)| a * x[index]).sum()
}

fn expected_relaxations(conflict: &[LinearRule]) -> usize {
    let single = conflict
        .iter()
        .filter(|rule| rule.class != RuleClass::Bounds)
        .count();
    let has_bounds = conflict.iter().any(|rule| rule.class == RuleClass::Bounds);
    single + usize::from(has_bounds)
}

fn assert_irreducible(
    variables: usize,
    rules: &[LinearRule],
    diagnosis: &Diagnosis,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(&diagnosis.error, &None);
    prop_assert!(!diagnosis.conflict.is_empty());
    let conflict = subset(rules, &diagnosis.conflict);
    prop_assert_eq!(conflict.len(), diagnosis.conflict.len());
    prop_assert_eq!(diagnosis.relaxations.len(), expected_relaxations(&conflict));
    for relaxation in &diagnosis.relaxations {
        prop_assert!(relaxation.raise_upper >= 0.0);
        prop_assert!(relaxation.lower_lower >= 0.0);
        prop_assert!(relaxation.raise_upper + relaxation.lower_lower > 0.0);
    }
    let again = check(variables, &conflict);
    prop_assert!(again.is_err(), "the conflict alone is feasible");
    for dropped in 0..conflict.len() {
        let mut rest = conflict.clone();
        let removed = rest.remove(dropped);
        let result = check(variables, &rest);
        prop_assert!(
            result.is_ok(),
            "the conflict without `{}` is infeasible: {:?}",
            removed.name,
            result
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn conflict_is_irreducible((variables, rules) in rule_set_strategy()) {
        if let Err(diagnosis) = check(variables, &rules) {
            assert_irreducible(variables, &rules, &diagnosis)?;
        }
    }

    #[test]
    fn feasible_rules_project(
        case in projectable_strategy(),
        points in prop::collection::vec(prop::collection::vec(-50.0f64..250.0, 6), 1..4),
    ) {
        match check(case.variables, &case.rules) {
            Err(diagnosis) => assert_irreducible(case.variables, &case.rules, &diagnosis)?,
            Ok(()) => {
                for point in points {
                    let mut x = point[..case.variables].to_vec();
                    // Dykstra's method stalls on some thin sets; repair then solves the
                    // projection as a quadratic program, so every feasible set must repair.
                    let repaired = case.set.project(&mut x);
                    prop_assert!(repaired.is_ok(), "repair failed: {repaired:?} at {x:?}");
                    let spend: f64 = x.iter().map(|v| v.abs()).sum();
                    let slack = 1e-9 * spend.max(1.0) + tolerance(&case.rules);
                    for rule in &case.rules {
                        let value = row_value(&rule.rows[0], &x);
                        prop_assert!(
                            value >= rule.rows[0].lower - slack,
                            "`{}` is {} below its lower limit {}",
                            rule.name, value, rule.rows[0].lower
                        );
                        prop_assert!(
                            value <= rule.rows[0].upper + slack,
                            "`{}` is {} above its upper limit {}",
                            rule.name, value, rule.rows[0].upper
                        );
                    }
                    for &value in &x {
                        prop_assert!(value >= 0.0);
                    }
                }
            }
        }
    }
}

/// Builds a conflict of 296 rules over 1000 variables: share rows `x_i >= 0.0034 * total`,
/// written as money rows over every variable, against a fixed total of 10 000.
///
/// 295 shares need 100.3% of the total, so any 295 of the 300 shares conflict with the total.
fn dense_share_conflict() -> Vec<LinearRule> {
    let variables = 1000;
    let all: Vec<(usize, f64)> = (0..variables).map(|index| (index, 1.0)).collect();
    let mut rules = vec![LinearRule {
        name: "total".into(),
        class: RuleClass::Total,
        rows: vec![LinearRow {
            terms: all,
            lower: 10_000.0,
            upper: 10_000.0,
        }],
    }];
    for share in 0..300 {
        let mut terms: Vec<(usize, f64)> = (0..variables).map(|index| (index, 0.0034)).collect();
        terms.push((share, -1.0));
        rules.push(LinearRule {
            name: format!("share {share}"),
            class: RuleClass::Other,
            rows: vec![LinearRow {
                terms,
                lower: f64::NEG_INFINITY,
                upper: 0.0,
            }],
        });
    }
    for index in 0..variables {
        rules.push(LinearRule {
            name: format!("bound {index}"),
            class: RuleClass::Bounds,
            rows: vec![LinearRow {
                terms: vec![(index, 1.0)],
                lower: 0.0,
                upper: 5000.0,
            }],
        });
    }
    rules
}

#[test]
fn dense_shares_conflict() {
    let rules = dense_share_conflict();
    let started = std::time::Instant::now();
    let diagnosis = check(1000, &rules).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(diagnosis.error, None);
    assert_eq!(diagnosis.conflict.len(), 296);
    assert_eq!(diagnosis.conflict[0], "total");
    assert!(diagnosis.conflict[1..]
        .iter()
        .all(|name| name.starts_with("share ")));
    // A single share needs its upper limit raised by 295 * 34 - 10 000 = 30.
    let cheapest = &diagnosis.relaxations[0];
    assert_eq!(cheapest.rules.len(), 1);
    assert!(cheapest.rules[0].starts_with("share "));
    assert!((cheapest.raise_upper - 30.0).abs() < 1e-4, "{cheapest:?}");
    // With 295 shares of 0.34% each, the total can only be 0, so it must fall by 10 000.
    let total = diagnosis
        .relaxations
        .iter()
        .find(|relaxation| relaxation.rules == ["total"])
        .expect("a relaxation of the total");
    assert!((total.lower_lower - 10_000.0).abs() < 1e-3, "{total:?}");
    assert_eq!(total.raise_upper, 0.0);
    eprintln!("check of 1301 rules with a 296-rule conflict: {elapsed:?}");
}
