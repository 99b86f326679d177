#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every Rust test, and the
# Python tests (h5py reads our files; independent morphometry cross-checks) in a
# local virtual environment built from the pinned requirements. Idempotent: the
# environment is rebuilt only when the requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want=$(cat scripts/requirements.txt scripts/requirements-test.txt | sha256sum | cut -c1-64)

step() { printf '\n== %s\n' "$*"; }

step "python environment (.venv)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian's python3 ships venv separately.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$venv"
        else
            echo "python3 -m venv failed: install python3-venv" >&2
            exit 1
        fi
    fi
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r scripts/requirements-test.txt
    echo "$want" > "$stamp"
else
    echo "up to date"
fi

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo build (binary, examples)"
cargo build --bins --examples

step "cargo test"
cargo test

# The behaviour tests simulate years on several seeds; unoptimized they would take
# most of the budget, so they are ignored in the debug profile and run here in release.
step "cargo test --release (behaviour)"
cargo test --release --test behaviour_estrogen
cargo test --release --test validate

step "pytest"
"$venv/bin/python" -m pytest scripts/tests -q -p no:cacheprovider
