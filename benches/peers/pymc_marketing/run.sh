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
repo="$(cd "$here/../../.." && pwd)"
venv="$repo/benches/peers/.venv"

is_supported_python() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null
}

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        if ! is_supported_python "$PYTHON"; then
            echo "error: PYTHON=$PYTHON is not a Python 3.12 or newer: PyMC-Marketing 1.3.0" \
                "needs one" >&2
            return 1
        fi
        echo "$PYTHON"
        return 0
    fi
    local candidate
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null && is_supported_python "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    if command -v pyenv >/dev/null; then
        for candidate in "$(pyenv root)"/versions/3.1[23]*/bin/python3; do
            if [[ -x "$candidate" ]] && is_supported_python "$candidate"; then
                echo "$candidate"
                return 0
            fi
        done
    fi
    echo "error: no Python 3.12 or newer found, which PyMC-Marketing 1.3.0 needs: install" \
        "one or set PYTHON to its path" >&2
    return 1
}

if [[ ! -x "$venv/bin/python" ]]; then
    python="$(find_python)"
    echo "creating $venv with $python" >&2
    "$python" -m venv "$venv"
fi
if ! is_supported_python "$venv/bin/python"; then
    echo "error: $venv has Python $("$venv/bin/python" -V 2>&1), older than 3.12: delete the" \
        "folder and rerun" >&2
    exit 1
fi
# pip skips the download when the pinned versions are already installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt"

(cd "$repo" && cargo build --release --locked --quiet)

# Some machines set the OPENBLAS_ variables for old OpenBLAS builds, and they slow a current
# numpy. BENCH_ENTRY is the command that the report names in place of bench.py.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE BENCH_ENTRY="benches/peers/pymc_marketing/run.sh" \
    "$venv/bin/python" "$here/bench.py" "$@"
