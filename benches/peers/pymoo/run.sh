#!/usr/bin/env bash
# Compare Atlas's NSGA-II with pymoo's on ZDT1, ZDT2, ZDT3 and DTLZ2.
#
# Creates or reuses benches/peers/.venv, installs the pinned packages of requirements.txt,
# builds the atlas binary with `cargo build --release --locked`, and runs bench.py, which
# writes results.md and results.json to target/peers/pymoo/.
#
# Arguments go to bench.py (see `run.sh --help`). Environment:
#   PYTHON            interpreter for a new virtual environment (default: the first
#                     python3.13, python3.12 or python3 of at least 3.12, then pyenv's 3.12
#                     or 3.13). The environment is shared with the PyMC-Marketing benchmark,
#                     whose packages need 3.12; pymoo 0.6.2 alone needs 3.10.
#   CARGO_TARGET_DIR  where cargo builds; the script runs the binary from there
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../venv.sh
source "$here/../venv.sh"
prepare_peers "$here/requirements.txt"
# cargo metadata resolves CARGO_TARGET_DIR and any build.target-dir setting to one path.
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

# BENCH_ENTRY is the command that the report names in place of bench.py. ATLAS_BINARY is
# the default of bench.py's --atlas.
BENCH_ENTRY="benches/peers/pymoo/run.sh" ATLAS_BINARY="$target_dir/release/atlas" \
    "$venv/bin/python" "$here/bench.py" "$@"
