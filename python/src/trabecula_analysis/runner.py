"""Calling the trabecula binary from Python (notebooks, tests).

The package is installed apart from the repository, so the binary is looked up
from the environment and the working directory, not from the package's location:
see :func:`find_binary`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

from .io import PathType


def find_checkout(start: PathType | None = None) -> Path | None:
    """The trabecula source checkout holding ``start`` (default: the working
    directory): the nearest directory at or above it whose ``Cargo.toml`` names the
    package ``trabecula``. ``None`` when there is none."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for d in (here, *here.parents):
        manifest = d / "Cargo.toml"
        if manifest.is_file():
            try:
                package = tomllib.loads(manifest.read_text()).get("package", {})
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(package, dict) and package.get("name") == "trabecula":
                return d
    return None


def find_binary(start: PathType | None = None) -> Path:
    """The trabecula binary: ``$TRABECULA_BIN`` if set; else the newer of
    ``target/release/trabecula`` and ``target/debug/trabecula`` of the checkout
    holding ``start`` (default: the working directory; see :func:`find_checkout`;
    ``$CARGO_TARGET_DIR`` replaces ``target``); else ``trabecula`` on ``PATH``.
    Raises ``FileNotFoundError`` naming what was tried."""
    env = os.environ.get("TRABECULA_BIN")
    if env:
        path = Path(env)
        if not path.exists():
            raise FileNotFoundError(f"TRABECULA_BIN={env} does not exist")
        return path
    checkout = find_checkout(start)
    tried: list[str] = []
    if checkout is not None:
        target = Path(os.environ.get("CARGO_TARGET_DIR", checkout / "target"))
        candidates = [target / "release" / "trabecula", target / "debug" / "trabecula"]
        tried += [str(p) for p in candidates]
        builds = [p for p in candidates if p.is_file()]
        if builds:
            return max(builds, key=lambda p: p.stat().st_mtime)
    found = shutil.which("trabecula")
    if found:
        return Path(found)
    where = (
        f"not built in the checkout {checkout} ({', '.join(tried)})"
        if checkout is not None
        else f"{Path(start if start is not None else Path.cwd())} is not inside a trabecula checkout"
    )
    raise FileNotFoundError(
        f"no trabecula binary: TRABECULA_BIN is not set, {where}, and none is on PATH; "
        "build one with `cargo build --release` or set TRABECULA_BIN"
    )


def _set_value(value: object) -> str:
    """A ``--set`` value as TOML text: strings quoted, booleans lower case."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def run_simulation(
    config: PathType,
    output: PathType,
    *,
    overrides: dict[str, object] | None = None,
    seed: int | None = None,
    threads: int | None = None,
    force: bool = True,
    binary: PathType | None = None,
) -> Path:
    """Runs ``trabecula run CONFIG -o OUTPUT`` (with ``--set key=value`` for each
    override) and returns the output path. The binary is ``binary``, else
    :func:`find_binary` from the working directory. Raises ``RuntimeError`` with the
    program's messages if it fails."""
    exe = Path(binary) if binary else find_binary()
    args = [str(exe), "--quiet", "run", str(config), "-o", str(output)]
    for key, value in (overrides or {}).items():
        args += ["--set", f"{key}={_set_value(value)}"]
    if seed is not None:
        args += ["--seed", str(seed)]
    if threads is not None:
        args += ["--threads", str(threads)]
    if force:
        args.append("--force")
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
    return Path(output)
