#!/usr/bin/env bash
# Compare Atlas's evaluation of XGBoost JSON models with xgboost's own prediction.
#
# Creates or reuses benches/peers/.venv and installs the pinned packages of requirements.txt.
# Builds the `xgboost_predict` example with `cargo build --release --locked`, and the atlas
# binary too, because venv.sh builds it for every peer benchmark although this one does not
# run it. Then runs bench.py, which writes the models, the rows, results.md and results.json
# to target/peers/xgboost/.
#
# Arguments go to bench.py (see `run.sh --help`). Environment:
#   PYTHON            interpreter for a new virtual environment (default: the first
#                     python3.13, python3.12 or python3 of at least 3.12, then pyenv's 3.12
#                     or 3.13). The environment is shared with the PyMC-Marketing benchmark,
#                     whose packages need 3.12.
#   CARGO_TARGET_DIR  where cargo builds; the script runs the example from there
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../venv.sh
source "$here/../venv.sh"
prepare_peers "$here/requirements.txt"
(cd "$repo" && cargo build --release --locked --quiet --example xgboost_predict)
# cargo metadata resolves CARGO_TARGET_DIR and any build.target-dir setting to one path.
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

# BENCH_ENTRY is the command that the report names in place of bench.py.
# ATLAS_XGBOOST_PREDICT is the default of bench.py's --predict.
BENCH_ENTRY="benches/peers/xgboost/run.sh" \
    ATLAS_XGBOOST_PREDICT="$target_dir/release/examples/xgboost_predict" \
    "$venv/bin/python" "$here/bench.py" "$@"
