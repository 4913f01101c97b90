#!/usr/bin/env bash
# Compare Atlas with PyMC-Marketing's budget optimizer on 5, 20 and 50 channels.
#
# Creates benches/peers/.venv with the pinned packages of requirements.txt (PyMC-Marketing
# 1.3.0 needs Python 3.12 or newer), builds `target/release/atlas`, and runs bench.py, which
# writes results.md and results.json to target/peers/pymc_marketing/.
#
# Arguments go to bench.py (see `run.sh --help`). Environment:
#   PYTHON      interpreter for the virtual environment (default: the first python3.13,
#               python3.12 or python3 of at least 3.12, then pyenv's 3.12 or 3.13)
#   ATLAS_ARGS  extra arguments for every `atlas optimize` call, for example "--solver exact"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../venv.sh
source "$here/../venv.sh"
prepare_peers "$here/requirements.txt"

# Some machines set the OPENBLAS_ variables for old OpenBLAS builds, and they slow a current
# numpy. BENCH_ENTRY is the command that the report names in place of bench.py.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE BENCH_ENTRY="benches/peers/pymc_marketing/run.sh" \
    "$venv/bin/python" "$here/bench.py" "$@"
