"""Benchmark Atlas's evaluation of XGBoost models against xgboost's own prediction.

bench.py trains XGBoost models of a few sizes on synthetic spend data with a fixed seed and
saves them as JSON. On the same float32 rows and thread counts it times xgboost's
`Booster.inplace_predict` and `Booster.predict` on a DMatrix, and Atlas's `Booster::predict`
through the `xgboost_predict` example of the atlas package, and checks that both tools predict
the same values.

Run it through `run.sh`, which creates the virtual environment and builds the example first.
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
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np

Result = TypeVar("Result")

REPO_ROOT = Path(__file__).resolve().parents[3]
# run.sh sets ATLAS_XGBOOST_PREDICT to the example that cargo built, wherever its target
# folder is.
DEFAULT_PREDICT = Path(
    os.environ.get("ATLAS_XGBOOST_PREDICT")
    or REPO_ROOT / "target" / "release" / "examples" / "xgboost_predict"
)
DEFAULT_OUT = REPO_ROOT / "target" / "peers" / "xgboost"
FEATURES = 10
# Upper end of each channel's uniform spend, so the channels span a range of budgets.
SPEND_MAX = np.linspace(10_000.0, 100_000.0, FEATURES)
# Revenue at saturation of each channel, and the spend at which it reaches half of it.
EFFECT = np.linspace(50_000.0, 5_000.0, FEATURES)
HALF_SATURATION = SPEND_MAX / 3.0
# Revenue per conversion, which turns mean revenue into the mean of the Poisson counts.
REVENUE_PER_CONVERSION = 1_000.0
# Largest |Atlas - xgboost| / max(|xgboost|, 1) that counts as agreement, the measure and bound
# of the fixture test atlas-core/tests/xgboost.rs.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class ModelSpec:
    """A model size to train: objective, boosting rounds (one tree each) and tree depth."""

    name: str
    objective: str
    trees: int
    depth: int


MODELS = {
    spec.name: spec
    for spec in (
        ModelSpec("squared-100x6", "reg:squarederror", 100, 6),
        ModelSpec("squared-500x8", "reg:squarederror", 500, 8),
        ModelSpec("poisson-200x6", "count:poisson", 200, 6),
    )
}


# ---------------------------------------------------------------------------------------------
# Data and models


def spend_rows(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Draw `rows` spend vectors as float32, channel c uniform on [0, SPEND_MAX[c])."""
    return (rng.random((rows, FEATURES)) * SPEND_MAX).astype(np.float32)


def mean_revenue(spend: np.ndarray) -> np.ndarray:
    """Return a base of 10,000 plus each channel's saturating (Hill) response."""
    spend = spend.astype(np.float64)
    return 10_000.0 + (EFFECT * spend / (spend + HALF_SATURATION)).sum(axis=1)


def labels(spec: ModelSpec, spend: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return revenue with 5 % noise, or for `count:poisson` conversions drawn around it."""
    revenue = mean_revenue(spend)
    if spec.objective == "count:poisson":
        return rng.poisson(revenue / REVENUE_PER_CONVERSION).astype(np.float64)
    return revenue * rng.normal(1.0, 0.05, revenue.size)


def train_model(spec: ModelSpec, train_rows: int, seed: int, path: Path) -> float:
    """Train `spec` on one thread with a fixed seed, save it as JSON at `path`, and return
    the training seconds."""
    import xgboost as xgb

    rng = np.random.default_rng(seed)
    spend = spend_rows(rng, train_rows)
    matrix = xgb.DMatrix(spend, label=labels(spec, spend, rng), nthread=1)
    params = {
        "objective": spec.objective,
        "max_depth": spec.depth,
        "eta": 0.1,
        "tree_method": "hist",
        "nthread": 1,
        "seed": seed,
    }
    started = time.perf_counter()
    booster = xgb.train(params, matrix, num_boost_round=spec.trees)
    seconds = time.perf_counter() - started
    booster.save_model(str(path))
    return seconds


# ---------------------------------------------------------------------------------------------
# xgboost


@dataclass
class XgboostTimes:
    """xgboost's times at one thread count, each a list over the timed repeats."""

    inplace: list[float]
    dmatrix_predict: list[float]
    dmatrix_build: list[float]
    # Predictions of `inplace_predict` and of `predict` on a DMatrix, float32.
    inplace_predictions: np.ndarray
    dmatrix_predictions: np.ndarray


def time_calls(call: Callable[[], Result], repeats: int) -> tuple[list[float], Result]:
    """Call once untimed, then `repeats` times timed, and return the times and last result."""
    result = call()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def time_load(path: Path, repeats: int) -> list[float]:
    """Time `xgboost.Booster(model_file=...)`, which reads and parses the JSON file."""
    import xgboost as xgb

    seconds, _ = time_calls(lambda: xgb.Booster(model_file=str(path)), repeats)
    return seconds


def time_xgboost(path: Path, rows: np.ndarray, threads: int, repeats: int) -> XgboostTimes:
    """Time xgboost's two batch predictions of `rows` with the model at `path`.

    `nthread` is set on the booster and on each DMatrix. Called again with the same DMatrix,
    `predict` returns its cached result: about 1 ms instead of 0.3 s for 100 trees in a trial
    with xgboost 3.2.0. So every timed call gets a new DMatrix, which is built outside the
    timed interval and timed on its own.
    """
    import xgboost as xgb

    booster = xgb.Booster(model_file=str(path))
    booster.set_param({"nthread": threads})
    inplace, inplace_predictions = time_calls(lambda: booster.inplace_predict(rows), repeats)

    def build() -> xgb.DMatrix:
        return xgb.DMatrix(rows, nthread=threads)

    booster.predict(build())
    dmatrix_predict, dmatrix_build = [], []
    dmatrix_predictions = np.empty(0, dtype=np.float32)
    for _ in range(repeats):
        started = time.perf_counter()
        matrix = build()
        built = time.perf_counter()
        dmatrix_predictions = booster.predict(matrix)
        dmatrix_predict.append(time.perf_counter() - built)
        dmatrix_build.append(built - started)
    return XgboostTimes(
        inplace, dmatrix_predict, dmatrix_build, inplace_predictions, dmatrix_predictions
    )


# ---------------------------------------------------------------------------------------------
# Atlas


def run_atlas(
    predict: Path, model: Path, rows: Path, threads: list[int], repeats: int, out: Path
) -> tuple[dict, np.ndarray]:
    """Run the `xgboost_predict` example and return its JSON report and its predictions.

    Raises RuntimeError when the example fails, which includes predictions that differ
    between its methods or thread counts.
    """
    command = [
        str(predict),
        str(model),
        str(rows),
        "--repeats",
        str(repeats),
        "--threads",
        ",".join(map(str, threads)),
        "--predictions",
        str(out),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(
            f"`{shlex.join(command)}` failed with exit code {completed.returncode}: "
            f"{completed.stderr.strip()}"
        )
    report = json.loads(completed.stdout)
    return report, np.fromfile(out, dtype="<f4")


def atlas_run(report: dict, method: str, threads: int) -> dict:
    """Return the run of `method` at `threads` threads from the example's report."""
    for run in report["runs"]:
        if run["method"] == method and run["threads"] == threads:
            return run
    raise RuntimeError(
        f"the xgboost_predict report has no `{method}` run with {threads} threads: "
        "rebuild the example with run.sh"
    )


# ---------------------------------------------------------------------------------------------
# Comparison


def max_differences(atlas: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Return the largest absolute difference and the largest |a - x| / max(|x|, 1)."""
    difference = np.abs(atlas.astype(np.float64) - reference.astype(np.float64))
    scale = np.maximum(np.abs(reference.astype(np.float64)), 1.0)
    return float(difference.max()), float((difference / scale).max())


def measure_model(
    spec: ModelSpec, args: argparse.Namespace, rows: np.ndarray, rows_path: Path
) -> dict:
    """Train, save and time one model with both tools, and compare their predictions."""
    models = args.out / "models"
    models.mkdir(parents=True, exist_ok=True)
    path = models / f"{spec.name}.json"
    print(f"{spec.name}: training ...", file=sys.stderr, flush=True)
    train_seconds = train_model(spec, args.train_rows, args.seed, path)
    row = {
        "model": spec.name,
        "objective": spec.objective,
        "trees": spec.trees,
        "depth": spec.depth,
        "rows": len(rows),
        "train_seconds": train_seconds,
        "model_bytes": path.stat().st_size,
        "xgboost_load_seconds": time_load(path, args.repeats),
        "threads": {},
    }
    reference = None
    xgboost_identical = True
    for threads in args.threads:
        print(f"{spec.name}: xgboost, nthread {threads} ...", file=sys.stderr, flush=True)
        times = time_xgboost(path, rows, threads, args.repeats)
        if reference is None:
            reference = times.inplace_predictions
        for predictions in (times.inplace_predictions, times.dmatrix_predictions):
            xgboost_identical &= bool(np.array_equal(predictions, reference))
        row["threads"][str(threads)] = {
            "xgboost_inplace_seconds": times.inplace,
            "xgboost_dmatrix_predict_seconds": times.dmatrix_predict,
            "xgboost_dmatrix_build_seconds": times.dmatrix_build,
        }

    print(f"{spec.name}: Atlas ...", file=sys.stderr, flush=True)
    predictions_path = args.out / f"{spec.name}.atlas.f32"
    report, atlas_predictions = run_atlas(
        args.predict, path, rows_path, args.threads, args.repeats, predictions_path
    )
    for threads in args.threads:
        run = atlas_run(report, "predict", threads)
        row["threads"][str(threads)]["atlas_predict_seconds"] = run["seconds"]
    row["atlas_predict_row_seconds"] = atlas_run(report, "predict_row", 1)["seconds"]
    row["atlas_load_seconds"] = report["load"]["seconds"]
    row["atlas_trees"] = report["trees"]
    if len(atlas_predictions) != len(rows):
        raise RuntimeError(
            f"{spec.name}: Atlas wrote {len(atlas_predictions)} predictions for {len(rows)} rows"
        )
    absolute, relative = max_differences(atlas_predictions, reference)
    row["max_abs_difference"] = absolute
    row["max_relative_difference"] = relative
    row["identical_to_xgboost"] = bool(np.array_equal(atlas_predictions, reference))
    row["xgboost_identical_across_methods_and_threads"] = xgboost_identical
    return row


def check_rows(rows: list[dict]) -> list[str]:
    """Return every failed check: a tree count that Atlas read differently, or predictions
    that differ from xgboost's by more than TOLERANCE."""
    problems = []
    for row in rows:
        if row["atlas_trees"] != row["trees"]:
            problems.append(
                f"{row['model']}: Atlas read {row['atlas_trees']} trees, but {row['trees']} "
                "were trained"
            )
        if not row["max_relative_difference"] <= TOLERANCE:
            problems.append(
                f"{row['model']}: Atlas's predictions differ from xgboost's by up to "
                f"{row['max_relative_difference']:.3g} relative (|a - x| / max(|x|, 1)), more "
                f"than {TOLERANCE:g}"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Report


def render_report(rows: list[dict], context: dict, problems: list[str]) -> str:
    """Render the measured rows and their context as a markdown page."""
    lines = render_context(context)
    lines += render_times(rows, context["threads"])
    lines += render_other_times(rows)
    lines += render_agreement(rows, problems)
    return "\n".join(lines)


def render_context(context: dict) -> list[str]:
    return [
        "# Atlas and xgboost predicting from the same XGBoost JSON models",
        "",
        (
            f"- Measured: {context['date']} on {context['machine']}, load average "
            f"{context['load_before']} before and {context['load_after']} after the run "
            "(1, 5 and 15 minutes)"
        ),
        f"- Command: `{context['command']}`",
        f"- Atlas: {context['atlas']}, {context['rustc']}",
        "- Python packages: "
        + ", ".join(f"{name} {value}" for name, value in context["versions"].items()),
        (
            f"- Data: {context['train_rows']:,} training rows and {context['rows']:,} "
            f"prediction rows of {FEATURES} uniform float32 spends, seed {context['seed']}. "
            "Models trained with `tree_method=\"hist\"`, `eta=0.1`, `nthread=1`."
        ),
        (
            f"- Times: median of {context['repeats']} timed runs after one untimed run. "
            "xgboost: `time.perf_counter` around `inplace_predict`, and around `predict` on a "
            "DMatrix built just before. Atlas: `Booster::predict` timed inside the "
            "`xgboost_predict` process in a rayon pool of that many threads."
        ),
        "",
    ]


def render_times(rows: list[dict], thread_counts: list[int]) -> list[str]:
    lines = [
        "## Prediction time",
        "",
        "A ratio above 1 means that Atlas is faster.",
        "",
        "| model | objective | trees x depth | rows | threads | xgboost `inplace_predict` (s) "
        "| xgboost `predict(DMatrix)` (s) | Atlas `Booster::predict` (s) "
        "| inplace / Atlas | DMatrix / Atlas |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for threads in thread_counts:
            times = row["threads"][str(threads)]
            inplace = statistics.median(times["xgboost_inplace_seconds"])
            dmatrix = statistics.median(times["xgboost_dmatrix_predict_seconds"])
            atlas = statistics.median(times["atlas_predict_seconds"])
            lines.append(
                f"| {row['model']} | {row['objective']} | {row['trees']} x {row['depth']} "
                f"| {row['rows']:,} | {threads} | {inplace:.4f} | {dmatrix:.4f} | {atlas:.4f} "
                f"| {inplace / atlas:.2f} | {dmatrix / atlas:.2f} |"
            )
    lines.append("")
    return lines


def render_other_times(rows: list[dict]) -> list[str]:
    lines = [
        "## Model load, DMatrix build and row-at-a-time prediction",
        "",
        "| model | JSON size (MB) | xgboost `Booster(model_file=...)` (s) "
        "| Atlas `Booster::read` (s) | xgboost `DMatrix` build, 1 thread (s) "
        "| Atlas `predict_row` loop, 1 thread (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        build = row["threads"].get("1", {}).get("xgboost_dmatrix_build_seconds")
        build_text = "not run" if build is None else f"{statistics.median(build):.4f}"
        lines.append(
            f"| {row['model']} | {row['model_bytes'] / 1e6:.1f} "
            f"| {statistics.median(row['xgboost_load_seconds']):.4f} "
            f"| {statistics.median(row['atlas_load_seconds']):.4f} | {build_text} "
            f"| {statistics.median(row['atlas_predict_row_seconds']):.4f} |"
        )
    lines.append("")
    return lines


def render_agreement(rows: list[dict], problems: list[str]) -> list[str]:
    lines = [
        "## Agreement",
        "",
        "Atlas's predictions against xgboost's `inplace_predict` at the first thread count. "
        "The relative difference is |a - x| / max(|x|, 1).",
        "",
        "| model | max abs difference | max relative difference | bit for bit "
        "| xgboost equal across its methods and threads |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['model']} | {row['max_abs_difference']:.3g} "
            f"| {row['max_relative_difference']:.3g} "
            f"| {'yes' if row['identical_to_xgboost'] else 'no'} "
            f"| {'yes' if row['xgboost_identical_across_methods_and_threads'] else 'no'} |"
        )
    lines.append("")
    lines.append(
        "Atlas's `xgboost_predict` rejects its own run unless `Booster::predict` at every "
        "thread count and the `predict_row` loop give the same float32 values."
    )
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
    """Return the CPUs that this process may run on."""
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
    import xgboost as xgb

    versions = {"python": platform.python_version()}
    for package in ("xgboost-cpu", "numpy", "scipy"):
        versions[package] = version(package)
    versions["xgboost OpenMP"] = "on" if xgb.build_info().get("USE_OPENMP") else "off"
    return versions


def command_output(command: list[str]) -> str:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    return completed.stdout.strip()


def atlas_version() -> str:
    """Return the worktree's commit, marking uncommitted changes."""
    commit = command_output(["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"])
    return f"commit {commit or 'unknown'}"


def shell_command(argv: list[str]) -> str:
    """Return the command line of this run, quoted so that it can be pasted into a shell."""
    entry = os.environ.get("BENCH_ENTRY") or sys.argv[0]
    return shlex.join([entry, *argv])


# ---------------------------------------------------------------------------------------------
# Command line


def parse_models(text: str) -> list[ModelSpec]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in MODELS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"--models {text!r} is invalid: use a comma-separated list of {', '.join(MODELS)}"
        )
    return [MODELS[name] for name in names]


def parse_threads(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or any(count < 1 for count in counts) or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(
            f"--threads {text!r} is invalid: use a comma-separated list of distinct thread "
            "counts of at least 1, for example 1,2"
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


def default_threads() -> list[int]:
    cpus = usable_cpus()
    return [1] if cpus == 1 else [1, cpus]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models",
        type=parse_models,
        default=list(MODELS.values()),
        help=f"comma-separated models to train and time (default: {','.join(MODELS)})",
    )
    parser.add_argument(
        "--rows",
        type=positive_int,
        default=100_000,
        help="prediction rows (default: 100000)",
    )
    parser.add_argument(
        "--train-rows",
        type=positive_int,
        default=20_000,
        help="training rows of each model (default: 20000)",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=5,
        help="timed runs of each prediction, after one untimed run (default: 5)",
    )
    threads = ",".join(map(str, default_threads()))
    parser.add_argument(
        "--threads",
        type=parse_threads,
        default=default_threads(),
        help="comma-separated thread counts, xgboost's nthread and the size of Atlas's "
        f"rayon pool (default: 1 and the usable CPUs, here {threads})",
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="seed of the data and of training (default: 7)"
    )
    parser.add_argument(
        "--predict",
        type=Path,
        default=DEFAULT_PREDICT,
        help=f"the xgboost_predict example binary (default: {DEFAULT_PREDICT})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for the models, rows, predictions and report "
        f"(default: {DEFAULT_OUT.relative_to(REPO_ROOT)})",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.predict.is_file():
        print(
            f"error: the xgboost_predict example {args.predict} is not found: run "
            "`cargo build --release --example xgboost_predict` or pass --predict",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    # Rows come from their own stream, so that they do not depend on the training rows.
    rows = spend_rows(np.random.default_rng([args.seed, 1]), args.rows)
    rows_path = args.out / "rows.f32"
    rows.astype("<f4").tofile(rows_path)

    results = []
    for spec in args.models:
        try:
            results.append(measure_model(spec, args, rows, rows_path))
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1

    context = {
        "date": datetime.date.today().isoformat(),
        "load_before": load_before,
        "load_after": load_average(),
        "machine": machine_description(),
        "command": shell_command(argv),
        "atlas": atlas_version(),
        "rustc": command_output(["rustc", "--version"]) or "rustc version unknown",
        "versions": package_versions(),
        "threads": args.threads,
        "repeats": args.repeats,
        "rows": args.rows,
        "train_rows": args.train_rows,
        "seed": args.seed,
    }
    problems = check_rows(results)
    report = render_report(results, context, problems)
    (args.out / "results.md").write_text(report)
    (args.out / "results.json").write_text(
        json.dumps({"context": context, "rows": results}, indent=2)
    )
    print(report)
    print(f"wrote {args.out / 'results.md'} and results.json", file=sys.stderr)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
