"""Shared pytest fixtures: where the trabecula binary and the repository live, and
one small real run shared by the analysis package's tests.

The test command (scripts/test.sh) builds the binary and the examples before running
pytest; these fixtures only locate them. Set TRABECULA_BIN to test another build.
The analysis package is imported as installed (scripts/test.sh runs `pip install
./python` into .venv), never from the source tree.

`--fresh-venv` runs the tests marked `fresh_venv` (a new virtual environment and
`pip install ./python` from the registry: a minute or two), skipped otherwise;
scripts/test.sh passes it when the package or the requirements changed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fresh-venv",
        action="store_true",
        help="run the tests that install the analysis package into a new virtual environment",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fresh_venv: installs the analysis package into a new venv (needs --fresh-venv)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--fresh-venv"):
        return
    skip = pytest.mark.skip(reason="installs into a new venv: run with --fresh-venv (scripts/test.sh does)")
    for item in items:
        if "fresh_venv" in item.keywords:
            item.add_marker(skip)


def _target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug"


@pytest.fixture(scope="session")
def repo() -> Path:
    """Root of the repository."""
    return REPO


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The test fixture directory (tests/fixtures)."""
    return FIXTURES


@pytest.fixture(scope="session")
def trabecula_bin() -> Path:
    """Path of the trabecula binary under test."""
    path = Path(os.environ.get("TRABECULA_BIN", _target_dir() / "trabecula"))
    if not path.exists():
        pytest.fail(f"{path} not found: build it with `cargo build` (scripts/test.sh does)")
    return path


@pytest.fixture(scope="session")
def example_bin():
    """Returns the path of a cargo example built by `cargo build --examples`."""

    def find(name: str) -> Path:
        path = _target_dir() / "examples" / name
        if not path.exists():
            pytest.fail(f"{path} not found: build it with `cargo build --examples`")
        return path

    return find


def run_trabecula(binary: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the binary with arguments, capturing text output."""
    proc = subprocess.run([str(binary), *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"trabecula {' '.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


# A 60-day run on a 1.2 mm cube at 40 um (30^3 voxels) with snapshots (bone and
# mineral fraction) every 30 days: a few seconds in the debug build.
TINY_RUN = """\
[run]
seed = 3
days = 60
spinup_days = 0
measure_every_days = 30
snapshot_every_days = 30

[lattice]
voxel_um = 40.0
side_mm = 1.2

[lattice.synthetic]
preset = "iliac_crest"

[estrogen]
level_pg_ml = 5.0
"""


@pytest.fixture(scope="session")
def run_file(trabecula_bin, tmp_path_factory) -> Path:
    """The output of TINY_RUN, written once per session."""
    d = tmp_path_factory.mktemp("run")
    (d / "tiny.toml").write_text(TINY_RUN)
    run_trabecula(trabecula_bin, "--quiet", "run", str(d / "tiny.toml"), "-o", str(d / "tiny.h5"), "--threads", "1")
    return d / "tiny.h5"
