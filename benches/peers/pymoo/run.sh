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
repo="$(cd "$here/../../.." && pwd)"
venv="$repo/benches/peers/.venv"

is_supported_python() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null
}

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        if ! is_supported_python "$PYTHON"; then
            echo "error: PYTHON=$PYTHON is not a Python 3.12 or newer, which the shared" \
                "environment benches/peers/.venv needs" >&2
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
    echo "error: no Python 3.12 or newer found, which the shared environment" \
        "benches/peers/.venv needs: install one or set PYTHON to its path" >&2
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
# cargo metadata resolves CARGO_TARGET_DIR and any build.target-dir setting to one path.
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

# BENCH_ENTRY is the command that the report names in place of bench.py. ATLAS_BINARY is
# the default of bench.py's --atlas.
BENCH_ENTRY="benches/peers/pymoo/run.sh" ATLAS_BINARY="$target_dir/release/atlas" \
    "$venv/bin/python" "$here/bench.py" "$@"
