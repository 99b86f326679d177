"""Calling the trabecula binary from Python (notebooks, tests)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .io import PathType, repo_root


def find_binary() -> Path:
    """The trabecula binary: ``$TRABECULA_BIN`` if set, else the newer of
    ``target/release/trabecula`` and ``target/debug/trabecula`` in this repository
    (``$CARGO_TARGET_DIR`` replaces ``target``), else ``trabecula`` on ``PATH``."""
    env = os.environ.get("TRABECULA_BIN")
    if env:
        path = Path(env)
        if not path.exists():
            raise FileNotFoundError(f"TRABECULA_BIN={env} does not exist")
        return path
    target = Path(os.environ.get("CARGO_TARGET_DIR", repo_root() / "target"))
    builds = [p for p in (target / "release" / "trabecula", target / "debug" / "trabecula") if p.exists()]
    if builds:
        return max(builds, key=lambda p: p.stat().st_mtime)
    from shutil import which

    found = which("trabecula")
    if found:
        return Path(found)
    raise FileNotFoundError(
        "no trabecula binary: build one with `cargo build --release` or set TRABECULA_BIN"
    )


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
    override) and returns the output path. Raises ``RuntimeError`` with the
    program's messages if it fails."""
    exe = Path(binary) if binary else find_binary()
    args = [str(exe), "--quiet", "run", str(config), "-o", str(output)]
    for key, value in (overrides or {}).items():
        text = f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
        args += ["--set", f"{key}={text}"]
    if seed is not None:
        args += ["--seed", str(seed)]
    if threads is not None:
        args += ["--threads", str(threads)]
    if force:
        args.append("--force")
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}"
        )
    return Path(output)
