#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every Rust test, and the
# Python tests (h5py reads our files; independent morphometry cross-checks; the
# analysis package) in a local virtual environment built from the pinned
# requirements, with the analysis package (python/) installed into it as a user
# installs it. Idempotent: the environment is rebuilt only when the requirements
# change, the package reinstalled only when its files change, and the install into a
# fresh environment checked only when either changes.
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

# Every file of the package's source tree, names and contents, minus build litter.
package_hash() {
    (cd python && find . -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path './build/*' \
        ! -path '*.egg-info/*' ! -path './dist/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-64
}
pkg_want=$(printf '%s %s' "$want" "$(package_hash)" | sha256sum | cut -c1-64)

# Not editable: the tests, the notebook and mypy see the package as a user's
# `pip install ./python` leaves it, never the source tree.
step "analysis package (pip install ./python)"
pkg_stamp="$venv/.package.sha256"
if [ "$(cat "$pkg_stamp" 2>/dev/null)" != "$pkg_want" ]; then
    "$venv/bin/python" -m pip install -q --no-deps --force-reinstall ./python
    "$venv/bin/python" -m pip check
    echo "$pkg_want" > "$pkg_stamp"
else
    echo "up to date"
fi

step "mypy --strict (analysis package)"
"$venv/bin/python" -m mypy --strict --config-file python/pyproject.toml \
    --cache-dir "$venv/.mypy_cache" python/src/trabecula_analysis

# `pip install ./python` in a new, empty environment (dependencies from the
# registry; a minute or two), then an import from outside the repository. Only when
# the package or the requirements changed since it last passed.
step "analysis package in a fresh environment"
fresh_stamp="$venv/.fresh-install.sha256"
if [ "$(cat "$fresh_stamp" 2>/dev/null)" != "$pkg_want" ]; then
    "$venv/bin/python" -m pytest scripts/tests/test_package.py -q -p no:cacheprovider \
        --fresh-venv -k fresh_venv
    echo "$pkg_want" > "$fresh_stamp"
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
