//! Optimizes the bundled marketing scenario at three weightings and prints each plan.
//!
//! Run with `cargo run --release --example weighted_plan`.

use std::path::PathBuf;

use atlas::core::ScenarioFile;
use atlas::moo::MultiObjectiveOptimizer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/marketing/scenario.toml");
    let problem = ScenarioFile::read(&path)?.build()?;
    let optimizer = MultiObjectiveOptimizer::new(&problem)?;
    let channels = problem.space.names();

    for weights in [[1.0, 0.0, 0.0], [0.5, 0.3, 0.2], [0.0, 0.0, 1.0]] {
        let plan = optimizer.clone().with_weights(&weights)?.optimize()?;
        println!("weights {weights:?}");
        for (channel, spend) in channels.iter().zip(&plan.spend) {
            println!("  {channel:<8} {spend:>12.0}");
        }
        for (objective, value) in problem.objectives.iter().zip(&plan.objectives) {
            println!("  {:<22} {value:>12.1}", objective.name);
        }
        assert!(
            problem.is_feasible(&plan.spend),
            "every plan satisfies every constraint"
        );
    }
    Ok(())
}
