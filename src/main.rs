//! The `atlas` command line.

mod commands;
mod output;
mod table;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use atlas_core::CoreError;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn a fitted response model into budget decisions: optimal allocations under business
/// rules, weight sweeps and Pareto fronts.
#[derive(Debug, Parser)]
#[command(
    name = "atlas",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 success, 1 an infeasible problem or a failed run, 2 invalid usage \
                  or input, 130 a search stopped by a signal after saving its checkpoint.\n\
                  Environment: RAYON_NUM_THREADS sets the number of threads (results do not \
                  depend on it); NO_COLOR turns off colour in help and error messages."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Format of the results printed on stdout.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = OutputFormat::Table,
        display_order = 900
    )]
    output_format: OutputFormat,

    /// Hide progress bars.
    #[arg(long, short, global = true, display_order = 901)]
    quiet: bool,

    /// Log more detail on stderr (-v decisions, -vv every step).
    #[arg(
        long,
        short,
        global = true,
        action = clap::ArgAction::Count,
        display_order = 902
    )]
    verbose: u8,
}

/// Format of the results printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text tables.
    Table,
    /// One JSON document.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a commented example scenario to start from.
    Init(commands::init::InitArgs),
    /// Check a scenario and prove that some plan meets every rule, writing nothing.
    Validate(commands::validate::ValidateArgs),
    /// Write a scenario from a model fitted by another tool.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Show what a plan buys: every KPI, and per channel spend, response and marginal response.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// Find the allocation that maximizes the weighted objectives under every constraint.
    Optimize(commands::optimize::OptimizeArgs),
    /// Optimize every weight vector of a lattice on the weight simplex.
    Sweep(commands::sweep::SweepArgs),
    /// Optimize every scenario of a grid of budgets, constraint variants, weight sets and
    /// solvers, in parallel, resumably and optionally as one shard of several.
    Batch(commands::batch::BatchArgs),
    /// Find the least spend that brings one KPI to a target, and the plan that does.
    Target(commands::target::TargetArgs),
    /// Map the Pareto front of the objectives with NSGA-II, or NSGA-III from four objectives.
    Pareto(commands::pareto::ParetoArgs),
    /// Run the Pareto search on a ZDT or DTLZ problem and score it against the true front.
    TestProblem(commands::test_problem::TestProblemArgs),
    /// Redraw the charts of a saved result (result.json, sweep.json or front.json) in other
    /// formats or sizes.
    Report(commands::report::ReportArgs),
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import a model exported by Robyn's robyn_write() (JSON).
    Robyn(commands::import::RobynArgs),
}

/// Options shared by every command that reads a scenario.
#[derive(Debug, Args)]
pub struct ScenarioArg {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
}

/// Solver options that override the scenario's `[solver]` table.
#[derive(Debug, Args)]
pub struct SolverArgs {
    /// Single-objective solver: auto, exact, gradient or cmaes. `auto` picks `exact` when the
    /// model is a sum of one-channel curves and every rule splits by channel, else `gradient`
    /// when the model gives gradients, else `cmaes`. `exact` solves on a spend grid and
    /// reports a certified bound on its optimality gap. `gradient` runs projected gradient
    /// ascent from several starts and refines the best with SQP. `cmaes` runs CMA-ES, which
    /// needs no gradients and stops after 500 evaluations per decision (100,000 at most) unless
    /// --max-evaluations sets another limit.
    #[arg(long, value_name = "METHOD")]
    pub solver: Option<String>,
    /// Maximum number of model evaluations of each single-objective solve.
    #[arg(long, value_name = "N")]
    pub max_evaluations: Option<usize>,
    /// Maximum wall-clock seconds of each single-objective solve. A time limit can change the
    /// result from run to run, and an evaluation limit cannot.
    #[arg(long, value_name = "SECONDS")]
    pub max_seconds: Option<f64>,
}

impl SolverArgs {
    /// Writes the options into the problem's solver settings and checks them.
    ///
    /// # Errors
    ///
    /// Returns an input error naming the option, its value and the accepted values.
    pub fn apply(&self, problem: &mut atlas_core::Problem) -> anyhow::Result<()> {
        if let Some(name) = &self.solver {
            problem.solver.method = name.parse().map_err(|_| {
                commands::InputError(format!(
                    "--solver `{name}` is not a solver: use one of {}",
                    atlas_core::solve::Method::NAMES.join(", ")
                ))
            })?;
        }
        if let Some(most) = self.max_evaluations {
            if most == 0 {
                return Err(commands::InputError(
                    "--max-evaluations 0 is out of range: use at least 1".into(),
                )
                .into());
            }
            problem.solver.limits.max_evaluations = Some(most);
        }
        if let Some(seconds) = self.max_seconds {
            if !(seconds > 0.0 && seconds <= atlas_core::solve::MAX_SECONDS) {
                return Err(commands::InputError(format!(
                    "--max-seconds {seconds} is out of range: use a number of seconds above 0 \
                     and at most {:e}",
                    atlas_core::solve::MAX_SECONDS
                ))
                .into());
            }
            problem.solver.limits.max_seconds = Some(seconds);
        }
        Ok(())
    }
}

/// Settings every command receives.
#[derive(Debug, Clone, Copy)]
pub struct Global {
    /// Format of stdout.
    pub format: OutputFormat,
    /// Whether progress bars are hidden.
    pub quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_logging(cli.verbose);
    let global = Global {
        format: cli.output_format,
        quiet: cli.quiet,
    };
    let solver_flag = cli.command.solver_flag();
    let result = match cli.command {
        Command::Init(args) => commands::init::run(&args, global),
        Command::Validate(args) => commands::validate::run(&args, global),
        Command::Import(ImportCommand::Robyn(args)) => commands::import::run(&args, global),
        Command::Evaluate(args) => commands::evaluate::run(&args, global),
        Command::Optimize(args) => commands::optimize::run(&args, global),
        Command::Sweep(args) => commands::sweep::run(&args, global),
        Command::Batch(args) => commands::batch::run(&args, global),
        Command::Target(args) => commands::target::run(&args, global),
        Command::Pareto(args) => commands::pareto::run(&args, global),
        Command::TestProblem(args) => commands::test_problem::run(&args, global),
        Command::Report(args) => commands::report::run(&args, global),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", headline(&error, solver_flag));
            for cause in error.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::from(exit_code(&error))
        }
    }
}

impl Command {
    /// Returns whether the command line set `--solver`, which then replaces the
    /// scenario's `solver.method` in messages.
    fn solver_flag(&self) -> bool {
        let solver = match self {
            Command::Optimize(args) => &args.solver,
            Command::Sweep(args) => &args.solver,
            Command::Target(args) => &args.solver,
            Command::Pareto(args) => &args.solver,
            Command::Validate(args) => &args.solver,
            _ => return false,
        };
        solver.solver.is_some()
    }
}

/// Returns the first line of an error message. An error about `solver.method` names
/// `--solver` instead when the command line set the method.
fn headline(error: &anyhow::Error, solver_flag: bool) -> String {
    let text = error.to_string();
    let about_method = matches!(
        error.downcast_ref::<CoreError>(),
        Some(CoreError::Invalid { field, .. }) if field == "solver.method"
    );
    if solver_flag && about_method {
        text.replacen("`solver.method`", "--solver", 1)
    } else {
        text
    }
}

/// 1 when the problem is infeasible or the run failed, 2 for invalid usage or input, 130
/// when a signal interrupted a search that saved its state.
fn exit_code(error: &anyhow::Error) -> u8 {
    if error
        .chain()
        .any(|e| e.downcast_ref::<commands::Interrupted>().is_some())
    {
        return 130;
    }
    match error.chain().find_map(|e| e.downcast_ref::<CoreError>()) {
        Some(CoreError::Infeasible { .. } | CoreError::Model(_)) => 1,
        Some(_) => 2,
        None if error
            .chain()
            .any(|e| e.downcast_ref::<commands::InputError>().is_some()) =>
        {
            2
        }
        None => 1,
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn install_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info,atlas=debug,atlas_core=debug,atlas_moo=debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ATLAS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal())
        .try_init();
}
