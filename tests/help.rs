//! Snapshots of `atlas --help` and of every subcommand's help, so that a change to any option's
//! text or default shows up in review. Update them with `INSTA_UPDATE=always cargo test --test
//! help` and read the diff.

mod common;

use common::{atlas, succeed};

/// Every command path with help of its own, top level first.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["init"],
    &["validate"],
    &["import"],
    &["import", "robyn"],
    &["evaluate"],
    &["optimize"],
    &["sweep"],
    &["batch"],
    &["batch", "merge"],
    &["target"],
    &["pareto"],
    &["test-problem"],
    &["report"],
];

fn help(path: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut args = path.to_vec();
    args.push("--help");
    succeed(&atlas(&args, dir.path()))
}

#[test]
fn help_matches_snapshots() {
    for path in COMMANDS {
        let name = if path.is_empty() {
            "atlas".to_owned()
        } else {
            format!("atlas-{}", path.join("-"))
        };
        insta::assert_snapshot!(name, help(path));
    }
}

#[test]
fn every_command_has_snapshot() {
    let text = help(&[]);
    let listed: Vec<&str> = text
        .split("Commands:")
        .nth(1)
        .expect("a Commands section")
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    let covered: Vec<&str> = COMMANDS
        .iter()
        .filter(|path| path.len() == 1)
        .map(|path| path[0])
        .collect();
    assert_eq!(listed, covered, "add new commands to COMMANDS");
}

#[test]
fn option_help_names_units() {
    // The help of an option that takes an amount states its unit or form.
    let cases = [
        (&["optimize"][..], "--max-seconds", "seconds"),
        (&["pareto"][..], "--size", "WIDTHxHEIGHT"),
        (&["sweep"][..], "--steps", "1/STEPS"),
        (&["report"][..], "--format", "svg, png"),
    ];
    for (path, option, unit) in cases {
        let text = help(path);
        let line = text
            .split("\n\n")
            .find(|block| block.contains(option))
            .unwrap_or_else(|| panic!("{option} missing from {path:?} help"));
        assert!(line.contains(unit), "{option} help lacks {unit}: {line}");
    }
}
