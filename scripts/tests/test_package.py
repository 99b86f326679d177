"""The analysis package as a distribution: its version is the crate's, its
dependencies are the pinned requirements, the tests import the installed copy
(never the source tree), and `pip install ./python` works in a new, empty
virtual environment (marked `fresh_venv`: run with --fresh-venv)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.metadata import files, version
from pathlib import Path

import pytest
import trabecula_analysis as ta

from conftest import REPO

PYTHON = REPO / "python"
SOURCE = PYTHON / "src" / "trabecula_analysis"


def crate_version() -> str:
    return str(tomllib.loads((REPO / "Cargo.toml").read_text())["package"]["version"])


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def test_version_is_the_crates():
    want = crate_version()
    assert version("trabecula-analysis") == want, "installed version differs from Cargo.toml's"
    assert ta.__version__ == want
    project = tomllib.loads((PYTHON / "pyproject.toml").read_text())["project"]
    assert project["version"] == want, "python/pyproject.toml's version differs from Cargo.toml's"


def test_dependencies_are_the_pinned_requirements():
    project = tomllib.loads((PYTHON / "pyproject.toml").read_text())["project"]
    pinned = requirement_lines(REPO / "scripts" / "requirements.txt")
    assert sorted(project["dependencies"]) == sorted(pinned)
    assert all("==" in r for r in pinned), "requirements are pinned exactly"
    assert any(r.startswith("xarray==") for r in pinned)


def test_tests_import_the_installed_package_as_built_from_source():
    installed = Path(ta.__file__).resolve().parent
    assert not installed.is_relative_to(REPO / "python"), f"imported from the source tree: {installed}"
    assert "site-packages" in installed.parts
    assert (installed / "py.typed").is_file(), "py.typed is installed: type checkers read the annotations"
    record = {str(f) for f in files("trabecula-analysis") or []}
    assert "trabecula_analysis/py.typed" in record
    sources = sorted(p.name for p in SOURCE.iterdir() if p.suffix in (".py", ".typed"))
    assert sorted(p.name for p in installed.iterdir() if p.suffix in (".py", ".typed")) == sources
    stale = [n for n in sources if (installed / n).read_bytes() != (SOURCE / n).read_bytes()]
    assert not stale, f"installed copy differs from python/src in {stale}: reinstall (scripts/test.sh does)"


def test_tests_and_notebooks_import_without_sys_path_changes():
    here = Path(__file__).resolve()
    needle = "sys" + ".path"
    candidates = [*here.parent.glob("*.py"), *(REPO / "scripts" / "notebooks").glob("*.ipynb")]
    offenders = [p.name for p in candidates if p != here and needle in p.read_text()]
    assert not offenders


def test_find_binary_from_a_checkout_or_path(tmp_path, monkeypatch):
    monkeypatch.delenv("TRABECULA_BIN", raising=False)
    monkeypatch.delenv("CARGO_TARGET_DIR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    checkout = tmp_path / "checkout"
    (checkout / "target" / "debug").mkdir(parents=True)
    (checkout / "notebooks").mkdir()
    (checkout / "Cargo.toml").write_text('[package]\nname = "trabecula"\nversion = "0.1.0"\n')
    debug = checkout / "target" / "debug" / "trabecula"
    debug.write_text("")
    monkeypatch.chdir(checkout / "notebooks")
    assert ta.find_checkout() == checkout
    assert ta.find_binary() == debug
    # The newer build wins.
    release = checkout / "target" / "release" / "trabecula"
    release.parent.mkdir()
    release.write_text("")
    os.utime(debug, (1, 1))
    assert ta.find_binary() == release
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match="elsewhere/release/trabecula"):
        ta.find_binary()
    # Outside any checkout: PATH, else an error that says what to do.
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "Cargo.toml").write_text('[package]\nname = "not-trabecula"\n')
    assert ta.find_checkout(other) is None
    with pytest.raises(FileNotFoundError, match="not inside a trabecula checkout.*TRABECULA_BIN"):
        ta.find_binary()
    (tmp_path / "bin").mkdir()
    on_path = tmp_path / "bin" / "trabecula"
    on_path.write_text("")
    on_path.chmod(0o755)
    assert ta.find_binary() == on_path
    monkeypatch.setenv("TRABECULA_BIN", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="TRABECULA_BIN="):
        ta.find_binary()


@pytest.mark.fresh_venv
def test_fresh_venv_installs_and_imports(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(PYTHON)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-4000:]
    check = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True, env=env, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    # From a directory outside the repository, with nothing added to sys.path.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    script = (
        "import trabecula_analysis as ta, xarray\n"
        "print(ta.__version__)\n"
        "print(ta.__file__)\n"
        "print(callable(ta.load_snapshots_xr) and callable(ta.load_timeseries_xr))\n"
    )
    proc = subprocess.run(
        [str(py), "-c", script], cwd=outside, capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    got_version, got_file, callable_ok = proc.stdout.split()
    assert got_version == crate_version()
    assert Path(got_file).is_relative_to(venv), got_file
    assert callable_ok == "True"
    print(proc.stdout)
