"""Benchmark Atlas's NSGA-II against pymoo's on ZDT and DTLZ test problems.

For each problem and seed, pymoo 0.6.2's `NSGA2` and `atlas test-problem` run with the same
population, number of evaluations, SBX and polynomial mutation settings. Both tools' times
cover the search alone, and both hypervolumes use the reference point 1.1 in every
objective. Atlas runs once per thread setting, by default with rayon's default pool and with
one thread, because pymoo's search runs on one core.

Run it through `run.sh`, which creates the virtual environment and builds Atlas first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[3]
# run.sh sets ATLAS_BINARY to the binary that cargo built, wherever its target folder is.
DEFAULT_ATLAS = Path(
    os.environ.get("ATLAS_BINARY") or REPO_ROOT / "target" / "release" / "atlas"
)
DEFAULT_OUT = REPO_ROOT / "target" / "peers" / "pymoo"
# Reference point of every hypervolume, in each objective. Atlas's `test-problem` uses 1.1.
REFERENCE = 1.1
# Names that both pymoo's `get_problem` and `atlas test-problem` accept.
PROBLEMS = ("zdt1", "zdt2", "zdt3", "dtlz2")
# Size of the dense front sample that cross-checks the analytic front's hypervolume: points
# on a ZDT front, and at most this many points of Das and Dennis's lattice on DTLZ2's.
DENSE_ZDT_POINTS = 10_000
DENSE_DTLZ_MAX_POINTS = 500_000
# Largest gap between pymoo's hypervolume of the dense sample and Atlas's analytic value
# that the cross-check accepts. Sampling only loses volume, so the gap is one-sided. On
# DTLZ2 with 3 objectives the lattice of 998 partitions (499,500 points) loses about 8e-4.
FRONT_CHECK_TOLERANCE = 1e-3
# pymoo 0.6.2's DTLZ2 `pareto_front()` raises an exception beyond 3 objectives unless it is
# given reference directions.
MAX_DTLZ_OBJECTIVES = 3
DEFAULT_THREADS = "default"


@dataclass(frozen=True)
class Settings:
    """Search settings that both tools receive."""

    population: int
    generations: int
    seeds: list[int]
    crossover_probability: float
    crossover_eta: float
    mutation_eta: float
    # Per-variable mutation probability. None means 1 / n_var, Atlas's default.
    mutation_probability: float | None


@dataclass(frozen=True)
class ProblemSize:
    """A test problem with its numbers of variables and objectives."""

    name: str
    n_var: int
    n_obj: int


def problem_size(name: str, n_var: int | None, n_obj: int) -> ProblemSize:
    """Resolve the standard sizes: 30 variables for ZDT1 to ZDT3, n_obj + 9 for DTLZ2.

    n_obj + 9 (k = 10 distance variables) is Atlas's default for DTLZ2. pymoo's `DTLZ2`
    defaults to 10 variables, so both tools get `n_var` explicitly.
    """
    if name.startswith("zdt"):
        return ProblemSize(name, n_var or 30, 2)
    return ProblemSize(name, n_var or n_obj + 9, n_obj)


def mutation_probability(settings: Settings, size: ProblemSize) -> float:
    if settings.mutation_probability is None:
        return 1.0 / size.n_var
    return settings.mutation_probability


# ---------------------------------------------------------------------------------------------
# pymoo


@dataclass
class ToolRuns:
    """Per-seed results of one tool, or of Atlas at one thread setting."""

    seconds: list[float]
    hypervolumes: list[float]
    evaluations: list[int]
    front_sizes: list[int]
    load_before: str


def pymoo_problem(size: ProblemSize):
    from pymoo.problems import get_problem

    if size.name.startswith("zdt"):
        return get_problem(size.name, n_var=size.n_var)
    return get_problem(size.name, n_var=size.n_var, n_obj=size.n_obj)


def pymoo_algorithm(settings: Settings, size: ProblemSize):
    """Build pymoo's NSGA-II with Atlas's operator settings.

    pymoo's `SBX` crosses each variable of a recombined pair with probability `prob_var`,
    0.5 by default, as Atlas does. pymoo's `PM` mutates a whole child only with probability
    `prob` (0.9 by default) and then each variable with `prob_var` (by default
    min(0.5, 1 / n_var)), so `prob=1.0` makes its per-variable probability Atlas's.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM

    return NSGA2(
        pop_size=settings.population,
        crossover=SBX(
            prob=settings.crossover_probability, eta=settings.crossover_eta, prob_var=0.5
        ),
        mutation=PM(
            eta=settings.mutation_eta,
            prob=1.0,
            prob_var=mutation_probability(settings, size),
        ),
    )


def run_pymoo(settings: Settings, size: ProblemSize) -> ToolRuns:
    """Run pymoo once per seed and time the `minimize` call alone.

    pymoo counts the initial population as generation 1, so `n_gen` is one more than Atlas's
    generations after the initial population, and both evaluate population × (generations + 1)
    candidates. An untimed two-generation run comes first, so that the one-time costs of a
    first call in the process fall outside the timed runs.
    """
    from pymoo.indicators.hv import HV
    from pymoo.optimize import minimize

    problem = pymoo_problem(size)
    indicator = HV(ref_point=np.full(size.n_obj, REFERENCE))
    minimize(problem, pymoo_algorithm(settings, size), ("n_gen", 2), seed=0)
    runs = ToolRuns([], [], [], [], load_average())
    for seed in settings.seeds:
        algorithm = pymoo_algorithm(settings, size)
        started = time.perf_counter()
        result = minimize(problem, algorithm, ("n_gen", settings.generations + 1), seed=seed)
        runs.seconds.append(time.perf_counter() - started)
        runs.hypervolumes.append(float(indicator(result.F)))
        runs.evaluations.append(int(result.algorithm.evaluator.n_eval))
        runs.front_sizes.append(len(result.F))
    return runs


@dataclass
class FrontCheck:
    """Hypervolumes of the true front: pymoo's samples and Atlas's analytic value."""

    pymoo_default: float
    pymoo_default_points: int
    pymoo_dense: float
    pymoo_dense_points: int


def pymoo_front_hypervolumes(size: ProblemSize) -> FrontCheck:
    """Compute pymoo's hypervolume of `pareto_front()` and of a dense front sample.

    `pareto_front()` samples 100 points on ZDT fronts and a fixed lattice on DTLZ2's, so its
    hypervolume falls short of the analytic one. The dense sample shows how close the two
    come. pymoo caches the first `pareto_front` result per problem, hence `use_cache=False`.
    """
    from pymoo.indicators.hv import HV
    from pymoo.util.ref_dirs import get_reference_directions

    indicator = HV(ref_point=np.full(size.n_obj, REFERENCE))
    problem = pymoo_problem(size)
    default_front = problem.pareto_front(use_cache=False, set_cache=False)
    if size.name.startswith("zdt"):
        dense_front = problem.pareto_front(DENSE_ZDT_POINTS, use_cache=False, set_cache=False)
    else:
        directions = get_reference_directions(
            "das-dennis", size.n_obj, n_partitions=lattice_partitions(size.n_obj)
        )
        dense_front = problem.pareto_front(directions, use_cache=False, set_cache=False)
    return FrontCheck(
        pymoo_default=float(indicator(default_front)),
        pymoo_default_points=len(default_front),
        pymoo_dense=float(indicator(dense_front)),
        pymoo_dense_points=len(dense_front),
    )


def lattice_partitions(n_obj: int) -> int:
    """Return the most partitions whose Das and Dennis lattice has at most
    `DENSE_DTLZ_MAX_POINTS` points: C(partitions + n_obj - 1, n_obj - 1) of them."""
    partitions = 1
    while math.comb(partitions + n_obj, n_obj - 1) <= DENSE_DTLZ_MAX_POINTS:
        partitions += 1
    return partitions


# ---------------------------------------------------------------------------------------------
# Atlas


@dataclass
class AtlasRuns:
    """Results of one `atlas test-problem` process at one thread setting."""

    runs: ToolRuns
    true_front_hypervolume: float | None
    process_seconds: float
    report: dict


def atlas_command(atlas: Path, settings: Settings, size: ProblemSize) -> list[str]:
    command = [
        str(atlas),
        "test-problem",
        size.name,
        "--n-var",
        str(size.n_var),
        "--population",
        str(settings.population),
        "--generations",
        str(settings.generations),
        "--seeds",
        ",".join(str(seed) for seed in settings.seeds),
        # pymoo's NSGA2 is compared, so Atlas must not switch to NSGA-III from 4 objectives.
        "--algorithm",
        "nsga2",
        "--crossover-probability",
        repr(settings.crossover_probability),
        "--crossover-eta",
        repr(settings.crossover_eta),
        "--mutation-eta",
        repr(settings.mutation_eta),
        "--output-format",
        "json",
        "--quiet",
    ]
    if size.name.startswith("dtlz"):
        command += ["--n-obj", str(size.n_obj)]
    if settings.mutation_probability is not None:
        command += ["--mutation-probability", repr(settings.mutation_probability)]
    return command


def run_atlas(atlas: Path, settings: Settings, size: ProblemSize, threads: str) -> AtlasRuns:
    """Run `atlas test-problem` for every seed in one process at one thread setting.

    `threads` is a count for RAYON_NUM_THREADS, or `default` to unset it. Each seed's time is
    the `seconds` field of Atlas's JSON: the search alone, measured inside the process.
    """
    command = atlas_command(atlas, settings, size)
    environment = dict(os.environ)
    environment.pop("RAYON_NUM_THREADS", None)
    if threads != DEFAULT_THREADS:
        environment["RAYON_NUM_THREADS"] = threads
    load_before = load_average()
    started = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )
    process_seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"`{shlex.join(command)}` failed with exit code {completed.returncode}: "
            f"{completed.stderr.strip()}"
        )
    report = json.loads(completed.stdout)
    check_atlas_report(report, settings, size)
    runs = ToolRuns(
        seconds=[float(run["seconds"]) for run in report["runs"]],
        hypervolumes=[float(run["hypervolume"]) for run in report["runs"]],
        evaluations=[int(run["evaluations"]) for run in report["runs"]],
        front_sizes=[int(run["front_size"]) for run in report["runs"]],
        load_before=load_before,
    )
    return AtlasRuns(runs, report.get("true_front_hypervolume"), process_seconds, report)


def check_atlas_report(report: dict, settings: Settings, size: ProblemSize) -> None:
    """Raise RuntimeError when Atlas's report shows other settings than pymoo received."""
    expected = {
        "algorithm": "nsga2",
        "n_var": size.n_var,
        "n_obj": size.n_obj,
        "population": settings.population,
        "generations": settings.generations,
        "reference": [REFERENCE] * size.n_obj,
        "seeds": settings.seeds,
    }
    actual = dict(report)
    actual["seeds"] = [run["seed"] for run in report["runs"]]
    mismatches = [
        f"{key} is {actual.get(key)!r}, expected {value!r}"
        for key, value in expected.items()
        if actual.get(key) != value
    ]
    probability = mutation_probability(settings, size)
    if abs(float(report["mutation_probability"]) - probability) > 1e-15:
        mismatches.append(
            f"mutation_probability is {report['mutation_probability']!r}, "
            f"expected {probability!r}"
        )
    if mismatches:
        raise RuntimeError(
            f"atlas test-problem {size.name} reports other settings than pymoo received: "
            + "; ".join(mismatches)
        )


# ---------------------------------------------------------------------------------------------
# Report


def thread_label(threads: str, default_threads: int) -> str:
    if threads == DEFAULT_THREADS:
        return f"default threads ({default_threads})"
    return "1 thread" if threads == "1" else f"{threads} threads"


def summarize(
    size: ProblemSize,
    pymoo: ToolRuns,
    atlas: dict[str, AtlasRuns],
    front: FrontCheck,
    goal: float,
    tolerance: float,
) -> dict:
    """Collect one problem's medians, ratios, verdicts and checks into a JSON-ready row."""
    pymoo_seconds = statistics.median(pymoo.seconds)
    pymoo_hypervolume = statistics.median(pymoo.hypervolumes)
    row = {
        "problem": size.name,
        "n_var": size.n_var,
        "n_obj": size.n_obj,
        "pymoo": {
            "median_seconds": pymoo_seconds,
            "median_hypervolume": pymoo_hypervolume,
            "seconds": pymoo.seconds,
            "hypervolumes": pymoo.hypervolumes,
            "evaluations": pymoo.evaluations,
            "front_sizes": pymoo.front_sizes,
            "load_before": pymoo.load_before,
        },
        "atlas": {},
        "front": {
            "atlas_analytic": None,
            "pymoo_default": front.pymoo_default,
            "pymoo_default_points": front.pymoo_default_points,
            "pymoo_dense": front.pymoo_dense,
            "pymoo_dense_points": front.pymoo_dense_points,
        },
    }
    for threads, result in atlas.items():
        runs = result.runs
        seconds = statistics.median(runs.seconds)
        hypervolume = statistics.median(runs.hypervolumes)
        speedup = pymoo_seconds / seconds
        equal_or_better = hypervolume >= pymoo_hypervolume - tolerance
        row["atlas"][threads] = {
            "median_seconds": seconds,
            "median_hypervolume": hypervolume,
            "speedup": speedup,
            "hypervolume_equal_or_better": equal_or_better,
            "goal_met": speedup >= goal and equal_or_better,
            "seconds": runs.seconds,
            "hypervolumes": runs.hypervolumes,
            "evaluations": runs.evaluations,
            "front_sizes": runs.front_sizes,
            "process_seconds": result.process_seconds,
            "load_before": runs.load_before,
        }
        row["front"]["atlas_analytic"] = result.true_front_hypervolume
    return row


def check_rows(rows: list[dict]) -> list[str]:
    """Return every check that fails: unequal evaluation counts, Atlas fronts that differ
    between thread settings, or an analytic front hypervolume that pymoo's dense sample
    does not confirm."""
    problems = []
    for row in rows:
        name = row["problem"]
        settings = list(row["atlas"].values())
        for threads, atlas in row["atlas"].items():
            if atlas["evaluations"] != row["pymoo"]["evaluations"]:
                problems.append(
                    f"{name}: pymoo evaluated {row['pymoo']['evaluations']} candidates per seed "
                    f"and Atlas with threads {threads} {atlas['evaluations']}"
                )
        if any(s["hypervolumes"] != settings[0]["hypervolumes"] for s in settings[1:]):
            problems.append(
                f"{name}: Atlas's hypervolumes differ between thread settings, although its "
                "search is meant to be the same for every thread count"
            )
        analytic = row["front"]["atlas_analytic"]
        dense = row["front"]["pymoo_dense"]
        if analytic is None or not 0.0 <= analytic - dense <= FRONT_CHECK_TOLERANCE:
            problems.append(
                f"{name}: Atlas's analytic front hypervolume {analytic} is not within "
                f"{FRONT_CHECK_TOLERANCE} above pymoo's {dense:.6f} of a dense front sample "
                f"of {row['front']['pymoo_dense_points']} points"
            )
    return problems


def render_report(rows: list[dict], context: dict, problems: list[str]) -> str:
    """Render the measured rows and their context as a markdown page."""
    labels = [thread_label(t, context["default_threads"]) for t in context["atlas_threads"]]
    lines = render_context(context)
    lines += render_times(rows, context["atlas_threads"], labels)
    lines += render_hypervolumes(rows, context, labels)
    lines += render_goal(rows, context, labels)
    lines += render_checks(rows, problems)
    return "\n".join(lines)


def render_context(context: dict) -> list[str]:
    settings = context["settings"]
    mutation_text = settings["mutation_probability"]
    if mutation_text is None:
        mutation_text = "1/n_var"
    return [
        "# Atlas and pymoo NSGA-II on ZDT and DTLZ problems",
        "",
        (
            f"- Measured: {context['date']} on {context['machine']}, load average "
            f"{context['load_before']} before and {context['load_after']} after the run "
            "(1, 5 and 15 minutes)"
        ),
        f"- Command: `{context['command']}`",
        f"- Atlas: {context['atlas']}",
        "- Python packages: "
        + ", ".join(f"{name} {value}" for name, value in context["versions"].items()),
        f"- pymoo's compiled extensions: {context['pymoo_compiled']}",
        (
            f"- Settings: population {settings['population']}, {settings['generations']} "
            f"generations after the initial population (pymoo `n_gen` "
            f"{settings['generations'] + 1}), SBX probability "
            f"{settings['crossover_probability']} per pair and 0.5 per variable, eta "
            f"{settings['crossover_eta']}, polynomial mutation probability "
            f"{mutation_text} per variable, eta {settings['mutation_eta']}, seeds "
            f"{', '.join(map(str, settings['seeds']))}"
        ),
        (
            "- Times: median over seeds of the search alone. pymoo: the `minimize` call, timed "
            "with `time.perf_counter`. Atlas: the `seconds` of each run in the JSON of "
            "`atlas test-problem`, measured inside the process without process start, "
            "building the problem and scoring the front."
        ),
        (
            f"- Hypervolume: reference point {REFERENCE} in every objective, median over "
            "seeds. pymoo's is `pymoo.indicators.hv.HV` of `res.F`, and Atlas's comes from "
            "its JSON."
        ),
        "",
    ]


def render_times(rows: list[dict], thread_settings: list[str], labels: list[str]) -> list[str]:
    lines = [
        "## Time",
        "",
        "| problem | variables | objectives | pymoo (s) | "
        + " | ".join(f"Atlas, {label} (s)" for label in labels)
        + " | "
        + " | ".join(f"pymoo / Atlas, {label}" for label in labels)
        + " |",
        "|---|---:|---:|---:|" + "---:|" * (2 * len(labels)),
    ]
    for row in rows:
        atlas = [row["atlas"][t] for t in thread_settings]
        lines.append(
            f"| {row['problem']} | {row['n_var']} | {row['n_obj']} "
            f"| {row['pymoo']['median_seconds']:.3f} | "
            + " | ".join(f"{a['median_seconds']:.4f}" for a in atlas)
            + " | "
            + " | ".join(f"{a['speedup']:.1f}" for a in atlas)
            + " |"
        )
    lines.append("")
    return lines


def render_hypervolumes(rows: list[dict], context: dict, labels: list[str]) -> list[str]:
    lines = [
        "## Hypervolume",
        "",
        "| problem | pymoo | "
        + " | ".join(f"Atlas, {label}" for label in labels)
        + f" | Atlas equal or better (within {context['tolerance']}) "
        "| true front, Atlas analytic | true front, pymoo `pareto_front()` "
        "| true front, pymoo dense sample |",
        "|---|---:|" + "---:|" * len(labels) + "---|---:|---:|---:|",
    ]
    for row in rows:
        atlas = [row["atlas"][t] for t in context["atlas_threads"]]
        front = row["front"]
        analytic = front["atlas_analytic"]
        analytic_text = "not known" if analytic is None else f"{analytic:.5f}"
        verdicts = sorted({"yes" if a["hypervolume_equal_or_better"] else "no" for a in atlas})
        lines.append(
            f"| {row['problem']} | {row['pymoo']['median_hypervolume']:.5f} | "
            + " | ".join(f"{a['median_hypervolume']:.5f}" for a in atlas)
            + f" | {' / '.join(verdicts)} | {analytic_text} "
            f"| {front['pymoo_default']:.5f} ({front['pymoo_default_points']} points) "
            f"| {front['pymoo_dense']:.5f} ({front['pymoo_dense_points']} points) |"
        )
    lines.append("")
    return lines


def render_goal(rows: list[dict], context: dict, labels: list[str]) -> list[str]:
    lines = [
        f"## Goal: at least {context['goal']:g} times faster than pymoo at equal or better "
        "hypervolume",
        "",
        "| problem | " + " | ".join(f"Atlas, {label}" for label in labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for row in rows:
        cells = []
        for threads in context["atlas_threads"]:
            atlas = row["atlas"][threads]
            if atlas["goal_met"]:
                cells.append(f"met ({atlas['speedup']:.1f} times)")
            elif not atlas["hypervolume_equal_or_better"]:
                cells.append("not met: lower hypervolume")
            else:
                cells.append(f"not met: {atlas['speedup']:.1f} times")
        lines.append(f"| {row['problem']} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def render_checks(rows: list[dict], problems: list[str]) -> list[str]:
    evaluations = sorted({e for row in rows for e in row["pymoo"]["evaluations"]})
    lines = [
        "## Checks",
        "",
        (
            f"- Evaluations per seed: pymoo {', '.join(map(str, evaluations))}. Each Atlas run "
            "evaluated the same number unless listed below."
        ),
        (
            "- Atlas's hypervolumes are equal for every thread setting, and each analytic "
            f"front hypervolume lies within {FRONT_CHECK_TOLERANCE} above pymoo's dense sample, "
            "unless listed below."
        ),
    ]
    lines += [f"- FAILED: {problem}" for problem in problems]
    lines.append("")
    return lines


def machine_description() -> str:
    model = "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{platform.system()} {platform.machine()}, {model}, {os.cpu_count()} cores"


def usable_cpus() -> int:
    """Return the CPUs this process may run on, which rayon's default pool matches unless
    a cgroup quota lowers it."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> str:
    """Return the 1, 5 and 15-minute load averages, which show whether other work shared
    the cores."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("pymoo", "moocore", "numpy", "scipy"):
        versions[package] = version(package)
    return versions


def pymoo_compiled_description() -> str:
    """Describe pymoo's compiled extension modules and whether pymoo loads them."""
    import pymoo
    from pymoo.functions import is_compiled

    package = Path(pymoo.__file__).parent
    modules = sorted(path.name.split(".")[0] for path in package.rglob("*.so"))
    if not modules:
        return "none installed, pure Python"
    state = "loaded" if is_compiled() else "present but not loadable"
    return f"{state} ({', '.join(modules)})"


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


def shell_command(argv: list[str]) -> str:
    """Return the command line of this run, quoted so that it can be pasted into a shell."""
    entry = os.environ.get("BENCH_ENTRY") or sys.argv[0]
    return shlex.join([entry, *argv])


# ---------------------------------------------------------------------------------------------
# Command line


def parse_problems(text: str) -> list[str]:
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in PROBLEMS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"--problems {text!r} is invalid: use a comma-separated list of {', '.join(PROBLEMS)}"
        )
    return names


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        seeds = []
    if not seeds or any(seed < 0 for seed in seeds):
        raise argparse.ArgumentTypeError(
            f"--seeds {text!r} is invalid: use a comma-separated list of whole numbers of at "
            "least 0, for example 1,2,3,4,5"
        )
    return seeds


def parse_threads(text: str) -> list[str]:
    settings = [part.strip() for part in text.split(",") if part.strip()]
    valid = all(s == DEFAULT_THREADS or (s.isdigit() and int(s) >= 1) for s in settings)
    if not settings or not valid:
        raise argparse.ArgumentTypeError(
            f"--atlas-threads {text!r} is invalid: use a comma-separated list of thread "
            f"counts or `{DEFAULT_THREADS}`, for example {DEFAULT_THREADS},1"
        )
    return settings


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid: use a whole number of at least 1")
    return value


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid: use a number from 0 to 1")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0.0:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid: use a number above 0")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_problem_options(parser)
    add_search_options(parser)
    add_run_options(parser)
    return parser.parse_args(argv)


def add_problem_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--problems",
        type=parse_problems,
        default=list(PROBLEMS),
        help=f"comma-separated problems (default: {','.join(PROBLEMS)})",
    )
    parser.add_argument(
        "--n-var",
        type=positive_int,
        help="decision variables of every problem (default: 30 for ZDT, n_obj + 9 for DTLZ2)",
    )
    parser.add_argument(
        "--n-obj",
        type=int,
        choices=range(2, MAX_DTLZ_OBJECTIVES + 1),
        default=3,
        help="objectives of DTLZ2, 2 or 3 (default: 3)",
    )


def add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--population", type=positive_int, default=100, help="population size (default: 100)"
    )
    parser.add_argument(
        "--generations",
        type=positive_int,
        default=250,
        help="generations after the initial population, and pymoo's n_gen is one more "
        "(default: 250)",
    )
    parser.add_argument(
        "--seeds",
        type=parse_seeds,
        default=[1, 2, 3, 4, 5],
        help="comma-separated seeds, one run of each tool per seed (default: 1,2,3,4,5)",
    )
    parser.add_argument(
        "--crossover-probability",
        type=probability,
        default=0.9,
        help="probability that SBX recombines a pair of parents (default: 0.9)",
    )
    parser.add_argument(
        "--crossover-eta",
        type=positive_float,
        default=15.0,
        help="SBX distribution index (default: 15)",
    )
    parser.add_argument(
        "--mutation-eta",
        type=positive_float,
        default=20.0,
        help="polynomial mutation distribution index (default: 20)",
    )
    parser.add_argument(
        "--mutation-probability",
        type=probability,
        help="probability that mutation changes one variable (default: 1 / n_var)",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--atlas-threads",
        type=parse_threads,
        default=[DEFAULT_THREADS, "1"],
        help="comma-separated RAYON_NUM_THREADS values, one Atlas run each; "
        f"`{DEFAULT_THREADS}` leaves it unset (default: {DEFAULT_THREADS},1)",
    )
    parser.add_argument(
        "--goal",
        type=positive_float,
        default=50.0,
        help="speed-up over pymoo that the report checks (default: 50)",
    )
    parser.add_argument(
        "--hypervolume-tolerance",
        type=positive_float,
        default=1e-3,
        help="how far below pymoo's median hypervolume Atlas's may be and still count as "
        "equal (default: 0.001)",
    )
    parser.add_argument(
        "--atlas",
        type=Path,
        default=DEFAULT_ATLAS,
        help=f"atlas binary (default: {DEFAULT_ATLAS})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for the report (default: {DEFAULT_OUT.relative_to(REPO_ROOT)})",
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.atlas.is_file():
        print(
            f"error: the atlas binary {args.atlas} is not found: run `cargo build --release` "
            "or pass --atlas",
            file=sys.stderr,
        )
        return 2
    settings = Settings(
        population=args.population,
        generations=args.generations,
        seeds=args.seeds,
        crossover_probability=args.crossover_probability,
        crossover_eta=args.crossover_eta,
        mutation_eta=args.mutation_eta,
        mutation_probability=args.mutation_probability,
    )
    args.out.mkdir(parents=True, exist_ok=True)

    load_before = load_average()
    rows = []
    for name in args.problems:
        size = problem_size(name, args.n_var, args.n_obj)
        print(f"{name}: pymoo ...", file=sys.stderr, flush=True)
        pymoo = run_pymoo(settings, size)
        atlas = {}
        for threads in args.atlas_threads:
            print(f"{name}: Atlas, threads {threads} ...", file=sys.stderr, flush=True)
            try:
                atlas[threads] = run_atlas(args.atlas, settings, size, threads)
            except RuntimeError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
        front = pymoo_front_hypervolumes(size)
        rows.append(
            summarize(size, pymoo, atlas, front, args.goal, args.hypervolume_tolerance)
        )

    context = {
        "date": datetime.date.today().isoformat(),
        "load_before": load_before,
        "load_after": load_average(),
        "machine": machine_description(),
        "command": shell_command(argv),
        "atlas": atlas_version(args.atlas),
        "versions": package_versions(),
        "pymoo_compiled": pymoo_compiled_description(),
        "default_threads": usable_cpus(),
        "atlas_threads": args.atlas_threads,
        "goal": args.goal,
        "tolerance": args.hypervolume_tolerance,
        "settings": {
            "population": settings.population,
            "generations": settings.generations,
            "seeds": settings.seeds,
            "crossover_probability": settings.crossover_probability,
            "crossover_eta": settings.crossover_eta,
            "mutation_eta": settings.mutation_eta,
            "mutation_probability": settings.mutation_probability,
        },
    }
    problems = check_rows(rows)
    report = render_report(rows, context, problems)
    (args.out / "results.md").write_text(report)
    (args.out / "results.json").write_text(json.dumps({"context": context, "rows": rows}, indent=2))
    print(report)
    print(f"wrote {args.out / 'results.md'} and results.json", file=sys.stderr)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
