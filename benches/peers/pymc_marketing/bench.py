"""Benchmark Atlas against PyMC-Marketing's budget optimizer on the same budget problems.

For each channel count the script draws one problem from a seeded generator: per channel a
geometric adstock (retention rate `alpha`, `l_max` lags, normalized weights) and a logistic
saturation (`lam`, `beta`), lower and upper bounds, and a total budget. PyMC-Marketing's
`BudgetOptimizer` and `atlas optimize` both solve it. `total_response` then evaluates both
allocations, so neither tool's own report of its objective is trusted.

Run it through `run.sh`, which creates the virtual environment and builds Atlas first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_ATLAS = REPO_ROOT / "target" / "release" / "atlas"
DEFAULT_OUT = REPO_ROOT / "target" / "peers" / "pymc_marketing"
KPI = "revenue"
# Largest relative breach of a rule, or gap between a tool's own objective and
# `total_response`, that the run accepts.
CHECK_TOLERANCE = 1e-6


@dataclass(frozen=True)
class BudgetProblem:
    """Known response parameters, bounds and budget of one benchmark problem.

    Spend is in thousands of USD per period. PyMC-Marketing's decision is the spend per period
    of each channel, held for `periods` periods and followed by `l_max - 1` periods without
    spend that collect the adstock tail. `budget` is the total over channels of one period.
    """

    channels: list[str]
    alpha: np.ndarray
    lam: np.ndarray
    beta: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    budget: float
    l_max: int
    periods: int


def make_problem(channel_count: int, seed: int, l_max: int, periods: int) -> BudgetProblem:
    """Draw a problem for `channel_count` channels. The same arguments give the same problem."""
    rng = np.random.default_rng([seed, channel_count])
    # Half-saturation points (ln 3 / lam) between 10 and 80 of adstocked spend per period, and
    # maximum responses between 100 and 1000, so that at the optimum some channels lie inside
    # their bounds and some on them.
    half_saturation = rng.uniform(10.0, 80.0, channel_count)
    return BudgetProblem(
        channels=[f"channel_{i:02d}" for i in range(channel_count)],
        alpha=rng.uniform(0.1, 0.7, channel_count),
        lam=np.log(3.0) / half_saturation,
        beta=rng.uniform(100.0, 1000.0, channel_count),
        lower=rng.uniform(0.0, 30.0, channel_count),
        upper=rng.uniform(150.0, 400.0, channel_count),
        budget=100.0 * channel_count,
        l_max=l_max,
        periods=periods,
    )


def total_response(problem: BudgetProblem, spend: np.ndarray) -> float:
    """Compute the summed response of a spend per channel and period, from the formulas alone.

    Each channel spends `spend[c]` in each of the `periods` periods and nothing in the
    `l_max - 1` periods after them. The adstocked level is
    `level[t] = sum_l w[l] * spend[t - l]` with `w[l] = alpha^l / sum_j alpha^j` for
    `l < l_max`, and the response is `beta * (1 - exp(-lam * level)) / (1 + exp(-lam * level))`
    summed over channels and the `periods + l_max - 1` dates. This follows the formulas of PyMC-Marketing's
    `GeometricAdstock(normalize=True)` and `LogisticSaturation` as its docstrings state them,
    and uses neither tool's code.
    """
    lags = np.arange(problem.l_max)
    weights = problem.alpha[:, None] ** lags[None, :]
    weights /= weights.sum(axis=1, keepdims=True)
    horizon = problem.periods + problem.l_max - 1
    series = np.zeros((len(problem.channels), horizon))
    series[:, : problem.periods] = np.asarray(spend, dtype=float)[:, None]
    level = np.zeros_like(series)
    for lag in lags:
        level[:, lag:] += weights[:, lag, None] * series[:, : horizon - lag]
    decay = np.exp(-problem.lam[:, None] * level)
    return float((problem.beta[:, None] * (1.0 - decay) / (1.0 + decay)).sum())


def relative_gap(reported: float, computed: float) -> float:
    """Return `|reported - computed| / |computed|`, or the absolute gap when `computed` is 0."""
    return abs(reported - computed) / (abs(computed) or 1.0)


def constraint_violation(problem: BudgetProblem, spend: np.ndarray) -> float:
    """Return the largest breach of the budget or a bound, relative to the budget."""
    budget_gap = abs(float(np.sum(spend)) - problem.budget)
    bound_gap = max(
        float(np.max(problem.lower - spend, initial=0.0)),
        float(np.max(spend - problem.upper, initial=0.0)),
    )
    return max(budget_gap, bound_gap) / problem.budget


# ---------------------------------------------------------------------------------------------
# PyMC-Marketing


@dataclass
class PymcRun:
    """Allocation, timings and solver status of PyMC-Marketing's optimizer."""

    spend: np.ndarray
    seconds: list[float]
    setup_seconds: float
    message: str
    success: bool
    reported_objective: float
    evaluations: int


def build_pymc_optimizer(problem: BudgetProblem):
    """Build a PyMC model with the problem's curves and a `BudgetOptimizer` over it.

    The model uses PyMC-Marketing's own `GeometricAdstock` and `LogisticSaturation`
    components. Their parameters are random variables with the components' default priors,
    and the posterior contains one chain with one draw at the known values, so the optimizer's
    expected response (the mean over draws) is the response at those values. No sampling runs.
    """
    import pymc as pm
    import pymc.dims as pmd
    import xarray as xr
    from pymc_extras.prior import Prior
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
    from pymc_marketing.mmm.budget_optimizer import BudgetOptimizer

    channels = problem.channels
    dates = problem.periods + problem.l_max - 1
    coords = {"date": np.arange(dates), "channel": channels}
    with pm.Model(coords=coords) as model:
        channel_data = pmd.Data(
            "channel_data",
            xr.DataArray(np.zeros((dates, len(channels))), dims=("date", "channel")),
        )
        adstock = GeometricAdstock(
            l_max=problem.l_max,
            normalize=True,
            priors={"alpha": Prior("Beta", alpha=1, beta=3, dims="channel")},
        )
        saturation = LogisticSaturation(
            priors={
                "lam": Prior("Gamma", alpha=3, beta=1, dims="channel"),
                "beta": Prior("HalfNormal", sigma=2, dims="channel"),
            }
        )
        contribution = saturation.apply(adstock.apply(channel_data, core_dim="date"))
        pmd.Deterministic("channel_contribution", contribution)
        pmd.Deterministic("total_media_contribution_original_scale", contribution.sum())

    def one_draw(values: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        return ("chain", "draw", "channel"), values[None, None, :]

    posterior = xr.Dataset(
        {
            "adstock_alpha": one_draw(problem.alpha),
            "saturation_lam": one_draw(problem.lam),
            "saturation_beta": one_draw(problem.beta),
        },
        coords={"chain": [0], "draw": [0], "channel": channels},
    )
    idata = xr.DataTree.from_dict({"posterior": posterior})
    # Every date is a decided period or part of the adstock tail, so no carry-in periods come first.
    return BudgetOptimizer(
        model=model,
        idata=idata,
        num_periods=problem.periods,
        adstock_periods=problem.l_max - 1,
        budgets_to_optimize=xr.DataArray(
            np.ones(len(channels), dtype=bool), dims=("channel",), coords={"channel": channels}
        ),
    )


def run_pymc(problem: BudgetProblem, repeats: int, blas_threads: int | None) -> PymcRun:
    """Solve with PyMC-Marketing and time `allocate_budget` alone, after one untimed call.

    The untimed call compiles PyTensor's C code for the objective and the constraints, which
    can take minutes on a fresh machine. Every timed call starts from PyMC-Marketing's default
    initial guess (the budget split evenly) with its default SLSQP settings. `blas_threads`
    limits the BLAS thread pools during the timed calls, and `None` keeps their default.
    """
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    optimizer = build_pymc_optimizer(problem)
    bounds = {
        name: (float(low), float(high))
        for name, low, high in zip(problem.channels, problem.lower, problem.upper, strict=True)
    }

    def allocate():
        return optimizer.allocate_budget(
            total_budget=problem.budget, budget_bounds=bounds, return_if_fail=True
        )

    allocate()
    setup_seconds = time.perf_counter() - started

    # threadpoolctl limits only the libraries loaded so far, so the limit starts after the
    # untimed call has loaded SciPy's and PyTensor's.
    seconds = []
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        for _ in range(repeats):
            started = time.perf_counter()
            result = allocate()
            seconds.append(time.perf_counter() - started)

    spend = result.budgets.sel(channel=problem.channels).values.astype(float)
    scipy_result = result.scipy_result
    return PymcRun(
        spend=spend,
        seconds=seconds,
        setup_seconds=setup_seconds,
        message=str(scipy_result.message),
        success=bool(scipy_result.success),
        # SciPy minimizes, so the objective is the negated expected response.
        reported_objective=-float(scipy_result.fun),
        evaluations=int(scipy_result.nfev),
    )


# ---------------------------------------------------------------------------------------------
# Atlas


def scenario_toml(problem: BudgetProblem) -> str:
    """Write the problem as an Atlas scenario over `periods` periods with the tail counted.

    A channel's cells in different periods are tied together by `ratio` rules with
    `min = max = 1`, because PyMC-Marketing decides one spend per channel that every period
    repeats. Floats are written with `repr`, which round-trips every float64 exactly.
    """
    lines = [
        f'name = "PyMC-Marketing peer benchmark, {len(problem.channels)} channels"',
        'currency = "USD"',
        'period = "week"',
        "",
        "[plan]",
        f"periods = {json.dumps(period_names(problem.periods))}",
        "count_tail = true",
        "",
        "[model]",
        'type = "response_curves"',
        f'kpis = ["{KPI}"]',
        "curves = [",
    ]
    for name, alpha, lam, beta in zip(
        problem.channels, problem.alpha, problem.lam, problem.beta, strict=True
    ):
        adstock = (
            f'{{ family = "geometric", theta = {float(alpha)!r}, '
            f"max_lag = {problem.l_max - 1}, normalize = true }}"
        )
        lines.append(
            f'  {{ channel = "{name}", kpi = "{KPI}", family = "logistic", '
            f"lambda = {float(lam)!r}, beta = {float(beta)!r}, adstock = {adstock} }},"
        )
    lines.append("]")
    even_split = problem.budget / len(problem.channels)
    for name, low, high in zip(problem.channels, problem.lower, problem.upper, strict=True):
        lines += [
            "",
            "[[channels]]",
            f'name = "{name}"',
            f"current = {even_split!r}",
            f"lower = {float(low)!r}",
            f"upper = {float(high)!r}",
        ]
    lines += [
        "",
        "[[constraints]]",
        'type = "total_budget"',
        f"equals = {problem.budget * problem.periods!r}",
    ]
    names = period_names(problem.periods)
    for name in problem.channels:
        for period in names[1:]:
            lines += [
                "",
                "[[constraints]]",
                'type = "ratio"',
                f'name = "{name} {period} equals {names[0]}"',
                f'numerator = {{ channels = ["{name}"], periods = ["{period}"] }}',
                f'denominator = {{ channels = ["{name}"], periods = ["{names[0]}"] }}',
                "min = 1.0",
                "max = 1.0",
            ]
    lines += [
        "",
        "[[objectives]]",
        f'kpi = "{KPI}"',
        'sense = "maximize"',
        "weight = 1.0",
        "",
    ]
    return "\n".join(lines)


def period_names(periods: int) -> list[str]:
    """Name the periods `1` to `periods`, zero-padded to a common width."""
    width = len(str(periods))
    return [f"{index:0{width}d}" for index in range(1, periods + 1)]


@dataclass
class AtlasRun:
    """Allocation and timings of `atlas optimize`."""

    spend: np.ndarray
    seconds: list[float]
    solve_seconds: list[float]
    status: str
    reported_objective: float
    evaluations: int


def run_atlas(
    problem: BudgetProblem, atlas: Path, extra_args: list[str], folder: Path, repeats: int
) -> AtlasRun:
    """Solve with `atlas optimize` and time the whole process, after one untimed run.

    The untimed run loads the binary and the scenario into the page cache. Each timed run
    includes process start, reading and checking the scenario, the solve and writing the JSON
    result. Per channel, the spend is the mean over its period cells, which the ratio rules
    make equal.
    """
    scenario = folder / f"scenario_{len(problem.channels)}.toml"
    result_path = folder / f"atlas_{len(problem.channels)}.json"
    scenario.write_text(scenario_toml(problem))
    command = [str(atlas), "optimize", str(scenario), "--output", str(result_path), *extra_args]

    def solve() -> float:
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(
                f"`{shlex.join(command)}` failed with exit code {completed.returncode}: "
                f"{completed.stderr.strip()}"
            )
        return elapsed

    solve()
    seconds = []
    solve_seconds = []
    for _ in range(repeats):
        seconds.append(solve())
        # Atlas times its own solves, without process start, reading and writing.
        solve_seconds.append(float(json.loads(result_path.read_text())["solve_seconds"]))
    result = json.loads(result_path.read_text())
    spend_by_channel: dict[str, list[float]] = {name: [] for name in problem.channels}
    for cell, amount in result["optimal_budget"]:
        channel = cell.split("@", 1)[0]
        if channel not in spend_by_channel:
            raise RuntimeError(
                f"{result_path}: channel of cell `{cell}` in optimal_budget not found in the "
                "scenario: check that the scenario and the result belong together"
            )
        spend_by_channel[channel].append(float(amount))
    spend = np.array([np.mean(spend_by_channel[name]) for name in problem.channels])
    return AtlasRun(
        spend=spend,
        seconds=seconds,
        solve_seconds=solve_seconds,
        status=str(result["status"]),
        reported_objective=float(result["optimal"]["kpis"][0]),
        evaluations=int(result["evaluations"]),
    )


# ---------------------------------------------------------------------------------------------
# Report


def package_versions() -> dict[str, str]:
    """Return the versions of Python and of the Python packages the comparison depends on."""
    from importlib.metadata import version

    versions = {"python": platform.python_version()}
    for package in ("pymc-marketing", "pymc", "pytensor", "scipy", "numpy"):
        versions[package] = version(package)
    return versions


def atlas_version(atlas: Path) -> str:
    """Return `atlas --version` and the worktree's commit, marking uncommitted changes."""
    reported = subprocess.run(
        [str(atlas), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{reported or 'atlas (no --version output)'}, commit {commit or 'unknown'}"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def render_report(rows: list[dict], context: dict) -> str:
    """Render the measured rows and their context as a markdown page."""
    lines = [
        "# Atlas and PyMC-Marketing on the same budget problems",
        "",
        (
            f"- Measured: {context['date']} on {context['machine']}, load average "
            f"{context['load_before']} before and {context['load_after']} after the run"
        ),
        f"- Command: `{context['command']}`",
        f"- ATLAS_ARGS: `{context['atlas_args'] or '(empty)'}`",
        f"- Atlas: {context['atlas']}",
        "- Python packages: "
        + ", ".join(f"{name} {value}" for name, value in context["versions"].items()),
        (
            f"- Problem: seed {context['seed']}, {context['periods']} period(s), "
            f"l_max {context['l_max']}, budget 100 per channel and period"
        ),
        (
            f"- Times: median of {context['repeats']} timed runs after one untimed run. "
            "PyMC-Marketing: the `allocate_budget` call alone, in process, with "
            f"{context['blas']}. Atlas: the whole `atlas optimize` process, and its solves "
            "alone as the result file's `solve_seconds` reports them (without process start, "
            "reading and writing), on rayon's default thread pool (one thread per core)."
        ),
        (
            "- Objectives: the summed response of each allocation, computed by `total_response` "
            "in bench.py, not by either tool."
        ),
        "",
        (
            "| channels | PyMC-Marketing time (ms) | Atlas process time (ms) "
            "| Atlas solve time (ms) | time ratio, process | time ratio, solve "
            "| PyMC-Marketing objective | Atlas objective "
            "| objective ratio (Atlas / PyMC-Marketing) |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['channels']} | {milliseconds(row['pymc_seconds'])} "
            f"| {milliseconds(row['atlas_seconds'])} "
            f"| {milliseconds(row['atlas_solve_seconds'])} "
            f"| {row['pymc_seconds'] / row['atlas_seconds']:.3g} "
            f"| {row['pymc_seconds'] / row['atlas_solve_seconds']:.3g} "
            f"| {row['pymc_objective']:,.4f} | {row['atlas_objective']:,.4f} "
            f"| {row['atlas_objective'] / row['pymc_objective']:.10f} |"
        )
    lines += [
        "",
        "Checks of the same runs:",
        "",
        (
            "| channels | objective difference (Atlas - PyMC-Marketing) "
            "| PyMC-Marketing setup and first call (s) | PyMC-Marketing SLSQP status "
            "| Atlas status | PyMC-Marketing evaluations | Atlas evaluations "
            "| PyMC-Marketing max violation | Atlas max violation "
            "| max spend difference per channel | PyMC-Marketing report gap | Atlas report gap |"
        ),
        "|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['channels']} | {row['atlas_objective'] - row['pymc_objective']:.3g} "
            f"| {row['pymc_setup_seconds']:,.1f} | {row['pymc_message']} "
            f"| {row['atlas_status']} | {row['pymc_evaluations']:,} "
            f"| {row['atlas_evaluations']:,} | {row['pymc_violation']:.1e} "
            f"| {row['atlas_violation']:.1e} | {row['spend_difference']:.3g} "
            f"| {row['pymc_report_gap']:.1e} | {row['atlas_report_gap']:.1e} |"
        )
    lines += [
        "",
        (
            "Evaluations are SciPy's `nfev` summed over the SLSQP solves of one call, and the "
            "`evaluations` field of Atlas's result: model evaluations over every start of the "
            "final solve. A violation is the largest breach of the total budget or of a channel "
            "bound, divided by the budget. A report gap is the relative difference between the "
            "objective that a tool reports for its own allocation and `total_response` of that "
            "allocation, so a small gap shows that the tool optimized the function that the "
            "table scores. The setup time "
            "includes building the PyMC model and PyTensor's compilation, which its on-disk cache "
            "shortens on later runs."
        ),
        "",
    ]
    return "\n".join(lines)


def blas_description(threads: int) -> str:
    """Describe the loaded BLAS libraries and the thread limit PyMC-Marketing runs with."""
    import scipy.optimize  # noqa: F401 -- loads the BLAS that SLSQP uses
    from threadpoolctl import threadpool_info

    pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    if not pools:
        return "no BLAS library loaded"
    names = sorted(
        {f"{pool['internal_api']} {pool.get('version') or ''}".strip() for pool in pools}
    )
    kernels = sorted({str(pool.get("architecture") or "unknown") for pool in pools})
    default_threads = max(pool["num_threads"] for pool in pools)
    limit = f"limited to {threads} thread(s)" if threads else "left at that default"
    return (
        f"BLAS {' and '.join(names)} ({', '.join(kernels)} kernels, {default_threads} threads "
        f"by default) {limit}"
    )


def machine_description() -> str:
    model = "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{platform.system()} {platform.machine()}, {model}, {os.cpu_count()} cores"


def shell_command(argv: list[str], atlas_args: list[str]) -> str:
    """Return the command line of this run, quoted so that it can be pasted into a shell."""
    entry = os.environ.get("BENCH_ENTRY") or sys.argv[0]
    command = shlex.join([entry, *argv])
    if atlas_args:
        command = f"ATLAS_ARGS={shlex.quote(shlex.join(atlas_args))} {command}"
    return command


def load_average() -> str:
    """Return the 1-minute load average, which shows whether other work shared the cores."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def parse_channel_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--channels {text!r} is invalid: use a comma-separated list of whole numbers, "
            "for example 5,20,50"
        ) from None
    if not counts or any(count < 2 for count in counts):
        raise argparse.ArgumentTypeError(
            f"--channels {text!r} is invalid: every count must be at least 2"
        )
    return counts


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid: use a whole number of at least 1")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--channels",
        type=parse_channel_counts,
        default=[5, 20, 50],
        help="comma-separated channel counts, one problem each (default: 5,20,50)",
    )
    parser.add_argument(
        "--repeats", type=positive_int, default=7, help="timed runs per tool (default: 7)"
    )
    parser.add_argument("--seed", type=int, default=20261204, help="seed of the problem generator")
    parser.add_argument(
        "--l-max",
        type=positive_int,
        default=4,
        help="adstock lags, PyMC-Marketing's l_max (default: 4)",
    )
    parser.add_argument(
        "--periods",
        type=positive_int,
        default=1,
        help="periods that repeat each channel's spend, PyMC-Marketing's num_periods (default: 1)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads for PyMC-Marketing's SLSQP solve, 0 for the library default "
        "(default: 1, which was the fastest on 2 cores)",
    )
    parser.add_argument(
        "--atlas",
        type=Path,
        default=DEFAULT_ATLAS,
        help=f"atlas binary (default: {DEFAULT_ATLAS.relative_to(REPO_ROOT)})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for scenarios, Atlas results and the report "
        f"(default: {DEFAULT_OUT.relative_to(REPO_ROOT)})",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.atlas.is_file():
        print(
            f"error: the atlas binary {args.atlas} is not found: run `cargo build --release` "
            "or pass --atlas",
            file=sys.stderr,
        )
        return 2
    atlas_args = shlex.split(os.environ.get("ATLAS_ARGS", ""))
    args.out.mkdir(parents=True, exist_ok=True)
    # PyMC-Marketing warns that it adds the default budget-sum constraint, which is intended.
    warnings.filterwarnings("ignore", category=UserWarning, module="pymc_marketing")

    load_before = load_average()
    rows = []
    for count in args.channels:
        problem = make_problem(count, args.seed, args.l_max, args.periods)
        print(f"{count} channels: PyMC-Marketing ...", file=sys.stderr, flush=True)
        pymc = run_pymc(problem, args.repeats, args.blas_threads or None)
        print(f"{count} channels: Atlas ...", file=sys.stderr, flush=True)
        try:
            atlas = run_atlas(problem, args.atlas, atlas_args, args.out, args.repeats)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        pymc_objective = total_response(problem, pymc.spend)
        atlas_objective = total_response(problem, atlas.spend)
        rows.append(
            {
                "channels": count,
                "pymc_seconds": statistics.median(pymc.seconds),
                "atlas_seconds": statistics.median(atlas.seconds),
                "atlas_solve_seconds": statistics.median(atlas.solve_seconds),
                "pymc_objective": pymc_objective,
                "atlas_objective": atlas_objective,
                "pymc_setup_seconds": pymc.setup_seconds,
                "pymc_message": pymc.message if pymc.success else f"failed: {pymc.message}",
                "atlas_status": atlas.status,
                "pymc_evaluations": pymc.evaluations,
                "atlas_evaluations": atlas.evaluations,
                "pymc_violation": constraint_violation(problem, pymc.spend),
                "atlas_violation": constraint_violation(problem, atlas.spend),
                "spend_difference": float(np.max(np.abs(pymc.spend - atlas.spend))),
                "pymc_report_gap": relative_gap(pymc.reported_objective, pymc_objective),
                "atlas_report_gap": relative_gap(atlas.reported_objective, atlas_objective),
                "pymc_spend": pymc.spend.tolist(),
                "atlas_spend": atlas.spend.tolist(),
                "pymc_all_seconds": pymc.seconds,
                "atlas_all_seconds": atlas.seconds,
            }
        )

    context = {
        "date": datetime.date.today().isoformat(),
        "load_before": load_before,
        "load_after": load_average(),
        "machine": machine_description(),
        "command": shell_command(argv, atlas_args),
        "atlas_args": shlex.join(atlas_args),
        "atlas": atlas_version(args.atlas),
        "versions": package_versions(),
        "blas": blas_description(args.blas_threads),
        "seed": args.seed,
        "periods": args.periods,
        "l_max": args.l_max,
        "repeats": args.repeats,
    }
    report = render_report(rows, context)
    (args.out / "results.md").write_text(report)
    (args.out / "results.json").write_text(json.dumps({"context": context, "rows": rows}, indent=2))
    print(report)
    print(f"wrote {args.out / 'results.md'} and results.json", file=sys.stderr)
    return 1 if report_problems(rows) else 0


def report_problems(rows: list[dict]) -> list[str]:
    """Print and return every check that fails: a breached rule, or a tool whose own objective
    differs from `total_response`, which would mean the two tools optimized different functions.
    """
    problems = []
    for row in rows:
        for tool in ("pymc", "atlas"):
            label = "PyMC-Marketing" if tool == "pymc" else "Atlas"
            if row[f"{tool}_violation"] > CHECK_TOLERANCE:
                problems.append(
                    f"{row['channels']} channels: the {label} allocation breaches the budget or "
                    f"a bound by {row[f'{tool}_violation']:.2e} of the budget"
                )
            if row[f"{tool}_report_gap"] > CHECK_TOLERANCE:
                problems.append(
                    f"{row['channels']} channels: {label} reports an objective that differs "
                    f"from total_response by {row[f'{tool}_report_gap']:.2e} (relative), so it "
                    "did not optimize the function the table scores: check the scenario or model"
                )
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
