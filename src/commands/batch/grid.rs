//! Batch files: a base scenario and a grid of budgets, constraint variants, weight sets and
//! solvers, expanded into named scenarios.
//!
//! The grid is the Cartesian product of the axes, expanded with the budget outermost, then the
//! variant, then the weights, with the solver innermost. Each axis keeps the order in which
//! the batch file lists its values. An absent axis keeps the scenario's own setting.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;
use atlas_core::scenario::{ConstraintSpec, ScenarioFile};
use atlas_core::solve::Method;
use atlas_core::CoreError;
use serde::{Deserialize, Serialize};

use crate::commands::InputError;

/// Maximum length of a scenario name in bytes. A name is a folder name, and most file systems
/// allow at most 255 bytes.
const MAX_NAME_BYTES: usize = 200;

/// A batch file as written on disk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchFile {
    /// Base scenario, relative to the batch file.
    scenario: PathBuf,
    /// Total budgets to solve at.
    budget: Option<BudgetAxis>,
    /// Named changes to the scenario's rules.
    variants: Option<Vec<VariantSpec>>,
    /// Weight vectors, in the scenario's objective order.
    weights: Option<Vec<Vec<f64>>>,
    /// Solver names.
    solvers: Option<Vec<String>>,
}

/// The `budget` key: amounts, or multiples of the current plan's total spend.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetAxis {
    multiples: Option<Vec<f64>>,
    amounts: Option<Vec<f64>>,
}

/// One `[[variants]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantSpec {
    /// Name used in scenario names.
    name: String,
    /// Names of the scenario's constraints to leave out.
    #[serde(default)]
    drop: Vec<String>,
    /// Constraints to add, in the scenario's `[[constraints]]` syntax.
    #[serde(default)]
    add: Vec<ConstraintSpec>,
}

/// One budget level of the grid.
#[derive(Debug, Clone, Copy)]
enum BudgetLevel {
    Multiple(f64),
    Amount(f64),
}

impl BudgetLevel {
    fn label(self) -> String {
        match self {
            Self::Multiple(multiple) => format!("{multiple}x"),
            Self::Amount(amount) => format!("{amount}"),
        }
    }
}

/// The inputs that vary across the grid, as one scenario was solved with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridInputs {
    /// The budget level as the batch file gives it, such as `1.2x` or `800000`; `None` without
    /// a `budget` axis.
    pub budget_level: Option<String>,
    /// The amount of the total-budget rule that was solved; `None` when the scenario has no
    /// total-budget rule.
    pub budget: Option<f64>,
    /// The variant's name; `None` without a `variants` axis.
    pub variant: Option<String>,
    /// The weights, in objective order, as the batch file or the scenario gives them.
    pub weights: Vec<f64>,
    /// The solver requested, such as `auto`.
    pub solver: String,
}

/// One scenario of the expanded grid.
#[derive(Debug, Clone)]
pub struct GridScenario {
    /// Position in expansion order, from 0.
    pub index: usize,
    /// Unique name that is safe as a folder name, such as
    /// `budget-1.2x__variant-no-print__w-0.5-0.3-0.2__solver-auto`.
    pub name: String,
    /// The scenario file to solve, as TOML, with the grid's budget, rules, weights and solver
    /// written in.
    pub text: String,
    /// Fingerprint of every input of the solve: the scenario text, weights, solver and the
    /// Atlas version.
    pub input_hash: String,
    /// The inputs that vary across the grid.
    pub inputs: GridInputs,
}

/// An expanded batch.
#[derive(Debug)]
pub struct Grid {
    /// Every scenario, in expansion order.
    pub scenarios: Vec<GridScenario>,
    /// KPI names of the base scenario, which every scenario shares.
    pub kpi_names: Vec<String>,
    /// Channel names of the base scenario, which every scenario shares.
    pub channels: Vec<String>,
    /// Fingerprint of the whole grid: every scenario's name and input hash.
    pub batch_hash: String,
}

/// Returns the 64-bit FNV-1a fingerprint of a scenario's inputs, with the Atlas version.
pub fn input_hash(text: &str, weights: &[f64], solver: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    atlas_moo::request::fnv1a_hex(&format!(
        "atlas {version}\n{text}\nweights {weights:?}\nsolver {solver}\n"
    ))
}

/// Returns the fingerprint of a grid from its scenarios' names and input hashes, in order.
pub fn batch_hash<'a>(scenarios: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = format!("atlas {}\n", env!("CARGO_PKG_VERSION"));
    for (name, hash) in scenarios {
        text.push_str(&format!("{name} {hash}\n"));
    }
    atlas_moo::request::fnv1a_hex(&text)
}

/// Reads a batch file and expands its grid.
///
/// # Errors
///
/// Returns an input error that names the batch file, the key and the value when the file, its
/// base scenario or an expanded scenario is invalid. Returns the base scenario's own error when
/// it is infeasible as written.
pub fn expand(path: &Path) -> Result<Grid> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        InputError(format!(
            "batch file {origin} cannot be read ({error}): give the path of a batch file (TOML)"
        ))
    })?;
    let batch: BatchFile = toml::from_str(&text).map_err(|error| {
        InputError(format!(
            "batch file {origin} is not valid: {}",
            error.to_string().trim_end()
        ))
    })?;
    let folder = path.parent().unwrap_or(Path::new(""));
    let scenario_path = folder.join(&batch.scenario);
    let base = ScenarioFile::read(&scenario_path).map_err(|error| {
        InputError(format!(
            "{origin}: `scenario` = \"{}\" cannot be used ({error}): give the path of a \
             scenario file, relative to the batch file",
            batch.scenario.display()
        ))
    })?;
    let problem = base.build().map_err(|error| {
        anyhow::Error::from(error).context(format!(
            "{origin}: the base scenario {} is not valid as written",
            scenario_path.display()
        ))
    })?;
    let current_total: f64 = problem.current.iter().sum();
    let objectives = problem.objectives.len();

    let budgets = budget_levels(&origin, batch.budget.as_ref())?;
    let variants = variants(&origin, &base, batch.variants.as_deref())?;
    let weights = weight_sets(&origin, &base, objectives, batch.weights.as_deref())?;
    let solvers = solver_names(&origin, &base, batch.solvers.as_deref())?;

    let mut scenarios = Vec::new();
    for budget in &budgets {
        for variant in &variants {
            let (mut file, kept_positions) = apply_variant(&base, variant);
            let amount = match budget {
                Some(level) => Some(apply_budget(
                    &origin,
                    &mut file,
                    *level,
                    current_total,
                    variant.name.as_deref(),
                )?),
                None => budget_amount(&file),
            };
            let partial_name = scenario_name(*budget, variant.name.as_deref(), None, None);
            check_builds(&origin, &file, &partial_name, (variant, &kept_positions))?;
            for weight_set in &weights {
                for solver in &solvers {
                    let name = scenario_name(
                        *budget,
                        variant.name.as_deref(),
                        weight_set.label.as_deref(),
                        solver.label.as_deref(),
                    );
                    if name.len() > MAX_NAME_BYTES {
                        return Err(InputError(format!(
                            "{origin}: scenario name `{name}` is {} bytes long, more than the \
                             {MAX_NAME_BYTES} a folder name may take: shorten the variant names \
                             or write the weights with fewer digits",
                            name.len()
                        ))
                        .into());
                    }
                    let mut solved = file.clone();
                    solved.name = format!("{} ({name})", base.name);
                    for (objective, weight) in solved.objectives.iter_mut().zip(&weight_set.values)
                    {
                        objective.weight = *weight;
                    }
                    solved.solver.method = Some(solver.method.clone());
                    let text = solved.to_toml()?;
                    let input_hash = input_hash(&text, &weight_set.values, &solver.method);
                    scenarios.push(GridScenario {
                        index: scenarios.len(),
                        name,
                        text,
                        input_hash,
                        inputs: GridInputs {
                            budget_level: budget.map(BudgetLevel::label),
                            budget: amount,
                            variant: variant.name.clone(),
                            weights: weight_set.values.clone(),
                            solver: solver.method.clone(),
                        },
                    });
                }
            }
        }
    }
    let batch_hash = batch_hash(
        scenarios
            .iter()
            .map(|s| (s.name.as_str(), s.input_hash.as_str())),
    );
    Ok(Grid {
        scenarios,
        kpi_names: problem.kpi_names().to_vec(),
        channels: problem.channel_names(),
        batch_hash,
    })
}

fn input(message: String) -> anyhow::Error {
    InputError(message).into()
}

/// Checks that a list of numbers is not empty, finite, above 0 and without repeats.
fn check_levels(origin: &str, key: &str, values: &[f64], noun: &str) -> Result<()> {
    if values.is_empty() {
        return Err(input(format!(
            "{origin}: `{key}` is empty: list at least one {noun}, or remove `budget`"
        )));
    }
    for (index, value) in values.iter().enumerate() {
        if !(value.is_finite() && *value > 0.0) {
            return Err(input(format!(
                "{origin}: `{key}[{index}]` = {value} is invalid: use a {noun} above 0"
            )));
        }
        if values[..index].contains(value) {
            return Err(input(format!(
                "{origin}: `{key}` lists {value} twice: list each {noun} once"
            )));
        }
    }
    Ok(())
}

/// Returns the budget levels of the grid, or one `None` that keeps the scenario's budget.
fn budget_levels(origin: &str, axis: Option<&BudgetAxis>) -> Result<Vec<Option<BudgetLevel>>> {
    let Some(axis) = axis else {
        return Ok(vec![None]);
    };
    match (&axis.multiples, &axis.amounts) {
        (Some(multiples), None) => {
            check_levels(origin, "budget.multiples", multiples, "multiple")?;
            Ok(multiples
                .iter()
                .map(|m| Some(BudgetLevel::Multiple(*m)))
                .collect())
        }
        (None, Some(amounts)) => {
            check_levels(origin, "budget.amounts", amounts, "amount")?;
            Ok(amounts
                .iter()
                .map(|a| Some(BudgetLevel::Amount(*a)))
                .collect())
        }
        _ => Err(input(format!(
            "{origin}: `budget` needs exactly one of `multiples` (of the current plan's total \
             spend) or `amounts`, such as budget = {{ multiples = [0.8, 1.0, 1.2] }}"
        ))),
    }
}

/// A variant with its rules resolved; `name` and `index` are `None` for the scenario as
/// written.
struct Variant {
    name: Option<String>,
    index: Option<usize>,
    drop: Vec<String>,
    add: Vec<ConstraintSpec>,
}

fn variants(
    origin: &str,
    base: &ScenarioFile,
    specs: Option<&[VariantSpec]>,
) -> Result<Vec<Variant>> {
    let Some(specs) = specs else {
        return Ok(vec![Variant {
            name: None,
            index: None,
            drop: Vec::new(),
            add: Vec::new(),
        }]);
    };
    if specs.is_empty() {
        return Err(input(format!(
            "{origin}: `variants` is empty: add a [[variants]] table, or remove `variants`"
        )));
    }
    let known: Vec<String> = base.constraints.iter().map(ConstraintSpec::name).collect();
    let mut seen = HashSet::new();
    let mut variants = Vec::with_capacity(specs.len());
    for (index, spec) in specs.iter().enumerate() {
        let field = format!("variants[{index}]");
        check_variant_name(origin, &field, &spec.name)?;
        if !seen.insert(spec.name.as_str()) {
            return Err(input(format!(
                "{origin}: `{field}.name` = \"{}\" is used twice: give each variant a unique \
                 name",
                spec.name
            )));
        }
        for (position, dropped) in spec.drop.iter().enumerate() {
            if !known.contains(dropped) {
                let listed = if known.is_empty() {
                    "none".to_string()
                } else {
                    known
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(input(format!(
                    "{origin}: `{field}.drop[{position}]` = \"{dropped}\" is not a constraint \
                     of the scenario: use one of its constraint names ({listed})"
                )));
            }
        }
        variants.push(Variant {
            name: Some(spec.name.clone()),
            index: Some(index),
            drop: spec.drop.clone(),
            add: spec.add.clone(),
        });
    }
    Ok(variants)
}

/// Accepts names of letters, digits, `-`, `_` and `.`, starting with a letter or digit.
fn check_variant_name(origin: &str, field: &str, name: &str) -> Result<()> {
    let valid_start = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let valid_rest = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid_start && valid_rest && !name.contains("__") {
        return Ok(());
    }
    Err(input(format!(
        "{origin}: `{field}.name` = \"{name}\" is invalid: a variant name is part of folder \
         names, so use letters, digits, `-`, `_` and `.`, starting with a letter or digit and \
         without `__`, such as \"no-print\""
    )))
}

/// One weight vector of the grid; `label` is `None` for the scenario's own weights.
struct WeightSet {
    label: Option<String>,
    values: Vec<f64>,
}

fn weight_sets(
    origin: &str,
    base: &ScenarioFile,
    objectives: usize,
    sets: Option<&[Vec<f64>]>,
) -> Result<Vec<WeightSet>> {
    let Some(sets) = sets else {
        return Ok(vec![WeightSet {
            label: None,
            values: base.objectives.iter().map(|o| o.weight).collect(),
        }]);
    };
    if sets.is_empty() {
        return Err(input(format!(
            "{origin}: `weights` is empty: list at least one weight vector, such as \
             weights = [[0.5, 0.3, 0.2]], or remove `weights`"
        )));
    }
    let mut checked = Vec::with_capacity(sets.len());
    for (index, values) in sets.iter().enumerate() {
        if let Err(error) = atlas_moo::scalarize::check_weights(values, objectives) {
            let message = match error {
                // The check names `weights` or `weights[i]`, so the vector's position goes first.
                CoreError::Invalid { field, message } => format!(
                    "invalid `{}`: {message}",
                    field.replacen("weights", &format!("weights[{index}]"), 1)
                ),
                other => format!("invalid `weights[{index}]`: {other}"),
            };
            return Err(input(format!("{origin}: {message}")));
        }
        if sets[..index].contains(values) {
            return Err(input(format!(
                "{origin}: `weights[{index}]` repeats an earlier weight vector: list each once"
            )));
        }
        let label = values
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("-");
        checked.push(WeightSet {
            label: Some(label),
            values: values.clone(),
        });
    }
    Ok(checked)
}

/// One solver of the grid; `label` is `None` for the scenario's own solver.
struct SolverChoice {
    label: Option<String>,
    method: String,
}

fn solver_names(
    origin: &str,
    base: &ScenarioFile,
    names: Option<&[String]>,
) -> Result<Vec<SolverChoice>> {
    let Some(names) = names else {
        let method = base
            .solver
            .method
            .clone()
            .unwrap_or_else(|| Method::default().name().to_string());
        return Ok(vec![SolverChoice {
            label: None,
            method,
        }]);
    };
    if names.is_empty() {
        return Err(input(format!(
            "{origin}: `solvers` is empty: list at least one of {}, or remove `solvers`",
            Method::NAMES.join(", ")
        )));
    }
    let mut choices = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        let method: Method = name.parse().map_err(|_| {
            input(format!(
                "{origin}: `solvers[{index}]` = \"{name}\" is not a solver: use one of {}",
                Method::NAMES.join(", ")
            ))
        })?;
        if names[..index].contains(name) {
            return Err(input(format!(
                "{origin}: `solvers` lists \"{name}\" twice: list each solver once"
            )));
        }
        choices.push(SolverChoice {
            label: Some(method.name().to_string()),
            method: method.name().to_string(),
        });
    }
    Ok(choices)
}

/// Returns the scenario with the variant's constraints dropped, then its constraints added,
/// and the positions in the base scenario of the constraints it kept.
fn apply_variant(base: &ScenarioFile, variant: &Variant) -> (ScenarioFile, Vec<usize>) {
    let mut file = base.clone();
    let kept_positions: Vec<usize> = (0..base.constraints.len())
        .filter(|&i| !variant.drop.contains(&base.constraints[i].name()))
        .collect();
    file.constraints = kept_positions
        .iter()
        .map(|&i| base.constraints[i].clone())
        .collect();
    file.constraints.extend(variant.add.iter().cloned());
    (file, kept_positions)
}

/// Writes a budget level into the scenario's total-budget rule and returns the amount.
fn apply_budget(
    origin: &str,
    file: &mut ScenarioFile,
    level: BudgetLevel,
    current_total: f64,
    variant: Option<&str>,
) -> Result<f64> {
    let amount = match level {
        BudgetLevel::Multiple(multiple) => multiple * current_total,
        BudgetLevel::Amount(amount) => amount,
    };
    let owner = match variant {
        Some(name) => format!("variant `{name}` of the scenario `{}`", file.name),
        None => format!("the scenario `{}`", file.name),
    };
    let rule = file.constraints.iter_mut().find_map(|spec| match spec {
        ConstraintSpec::TotalBudget {
            name,
            equals,
            at_most,
            ..
        } => Some((name.clone(), equals, at_most)),
        _ => None,
    });
    match rule {
        Some((_, Some(equals), _)) => *equals = amount,
        Some((_, None, Some(at_most))) => *at_most = amount,
        Some((name, None, None)) => {
            let name = name.unwrap_or_else(|| "total budget".into());
            return Err(input(format!(
                "{origin}: `budget` cannot apply to {owner}: its total_budget rule `{name}` \
                 sets only `at_least`, and a budget level replaces `equals` or `at_most`: give \
                 the rule one of them, or remove `budget`"
            )));
        }
        None => {
            return Err(input(format!(
                "{origin}: `budget` cannot apply to {owner}, which has no total_budget rule: \
                 add a [[constraints]] table with type = \"total_budget\" and equals = AMOUNT, \
                 or remove `budget`"
            )))
        }
    }
    Ok(amount)
}

/// Returns the amount of the scenario's total-budget rule: `equals`, else `at_most`.
fn budget_amount(file: &ScenarioFile) -> Option<f64> {
    file.constraints.iter().find_map(|spec| match spec {
        ConstraintSpec::TotalBudget {
            equals, at_most, ..
        } => equals.or(*at_most),
        _ => None,
    })
}

/// Builds a scenario of the grid to check it. Conflicting linear rules pass, because the run
/// reports that scenario as infeasible; every other error is invalid input.
fn check_builds(
    origin: &str,
    file: &ScenarioFile,
    name: &str,
    (variant, kept_positions): (&Variant, &[usize]),
) -> Result<()> {
    let error = match file.build() {
        Ok(_) | Err(CoreError::Infeasible { .. }) => return Ok(()),
        Err(CoreError::Invalid { field, message }) => CoreError::Invalid {
            field: locate_field(&field, variant.index, kept_positions),
            message,
        },
        Err(other) => other,
    };
    Err(input(format!(
        "{origin}: scenario `{name}` of the grid is not valid: {error}"
    )))
}

/// Renames a field `constraints[i]...` of an expanded scenario after the table it comes
/// from: `variants[v].add[j]...` for a constraint that the variant added, else the base
/// scenario's `constraints[k]...`.
fn locate_field(field: &str, variant: Option<usize>, kept_positions: &[usize]) -> String {
    let Some((number, rest)) = field
        .strip_prefix("constraints[")
        .and_then(|tail| tail.split_once(']'))
    else {
        return field.to_string();
    };
    let Ok(index) = number.parse::<usize>() else {
        return field.to_string();
    };
    match (kept_positions.get(index), variant) {
        (Some(base), _) => format!("constraints[{base}]{rest}"),
        (None, Some(variant)) => format!(
            "variants[{variant}].add[{}]{rest}",
            index - kept_positions.len()
        ),
        (None, None) => field.to_string(),
    }
}

/// Names a scenario by the axes the batch file sets, in expansion order, such as
/// `budget-1.2x__variant-no-print__w-0.5-0.3-0.2__solver-auto`; `base` when it sets none.
fn scenario_name(
    budget: Option<BudgetLevel>,
    variant: Option<&str>,
    weights: Option<&str>,
    solver: Option<&str>,
) -> String {
    let mut parts = Vec::new();
    if let Some(level) = budget {
        parts.push(format!("budget-{}", level.label()));
    }
    if let Some(variant) = variant {
        parts.push(format!("variant-{variant}"));
    }
    if let Some(weights) = weights {
        parts.push(format!("w-{weights}"));
    }
    if let Some(solver) = solver {
        parts.push(format!("solver-{solver}"));
    }
    if parts.is_empty() {
        "base".into()
    } else {
        parts.join("__")
    }
}
