# Shared setup of the peer benchmarks, sourced by each benches/peers/*/run.sh.
#
# prepare_peers REQUIREMENTS creates benches/peers/.venv if it is missing (Python 3.12 or
# newer, which PyMC-Marketing 1.3.0 needs; PYTHON picks the interpreter, else the first
# python3.13, python3.12 or python3 of at least 3.12, then pyenv's 3.12 or 3.13), installs the
# pinned packages of REQUIREMENTS into it, and builds the atlas binary with
# `cargo build --release --locked`. It sets `repo` and `venv`.

peers="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$peers/../.." && pwd)"
venv="$peers/.venv"

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

prepare_peers() {
    local requirements="$1"
    if [[ ! -x "$venv/bin/python" ]]; then
        local python
        python="$(find_python)"
        echo "creating $venv with $python" >&2
        "$python" -m venv "$venv"
    fi
    if ! is_supported_python "$venv/bin/python"; then
        echo "error: $venv has Python $("$venv/bin/python" -V 2>&1), older than 3.12: delete" \
            "the folder and rerun" >&2
        return 1
    fi
    # pip skips the download when the pinned versions are already installed.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    (cd "$repo" && cargo build --release --locked --quiet)
}
