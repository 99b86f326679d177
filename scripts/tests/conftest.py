"""Shared pytest fixtures: where the trabecula binary and the repository live.

The test command (scripts/test.sh) builds the binary and the examples before running
pytest; these fixtures only locate them. Set TRABECULA_BIN to test another build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


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
