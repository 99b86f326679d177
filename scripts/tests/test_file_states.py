"""Every dataset of every state an output file can be in is readable by libhdf5.

Each test makes a file with the real binary on a tiny input (a 1.2 mm cube at
40 um, 30^3 voxels, a few simulated days) and hands it to `read_in_full`, which
visits every object with h5py (`visit`, then opens each by name, so one
unreadable object is reported with all the others), reads every attribute and every dataset in full
(`ds[()]`), and fails listing each object libhdf5 could not read. The states:

- a complete `run` output and a `lattice` output;
- running: the writer still alive after its first checkpoint. The writer is paused
  (SIGSTOP) while h5py reads, so the read sees one committed state (commits are
  atomic) rather than racing the next commit; the file is opened with
  HDF5_USE_FILE_LOCKING=FALSE, since the writer holds an exclusive lock;
- SIGTERMed (exit status 3, checkpoint present), and that file resumed to the end
  (tables cut back to the checkpoint and grown again);
- SIGKILLed after at least one checkpoint;
- disk full: the run writes to a small tmpfs and fails part way, with a clear
  error and exit status 1 (not a panic), and the file still reads in full. Needs
  `mount` (root); skipped with the reason otherwise;
- a sweep collection (`sweep plan`, `sweep run --task 0/1`, `collect`).

Build the debug binary first (`cargo build --bin trabecula`); see conftest.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import run_trabecula

# A 30^3 lattice; a checkpoint every 2 days (the first lands within a second of
# the start in the debug build), a snapshot every 10 so volumes are in the file.
BASE = """\
[run]
seed = 1
days = {days}
spinup_days = 0
measure_every_days = 2
snapshot_every_days = {snapshot_every_days}
checkpoint_every_days = 2

[lattice]
voxel_um = 40.0
side_mm = 1.2

[lattice.synthetic]
preset = "iliac_crest"
"""

# Days of a run that is stopped before its end: far more than a test waits for
# (about 30 ms per day in the debug build).
LONG_DAYS = 2000
# Longest wait for the first checkpoint, seconds (it lands within a second when
# the machine is idle).
CHECKPOINT_TIMEOUT_S = 60.0
EXIT_STOPPED = 3
# Days of the run that is stopped and then resumed to its end (about 2 s).
SHORT_DAYS = 60


def write_config(directory: Path, days: int, snapshot_every_days: int = 10) -> Path:
    path = directory / "base.toml"
    path.write_text(BASE.format(days=days, snapshot_every_days=snapshot_every_days))
    return path


def read_in_full(path: Path) -> dict[str, tuple[int, ...]]:
    """Reads every attribute and every dataset of `path` in full with h5py.

    Returns the datasets' shapes by path; fails listing every object that
    libhdf5 could not open or read.
    """
    failures: list[str] = []
    shapes: dict[str, tuple[int, ...]] = {}
    with h5py.File(path, "r") as f:
        names: list[str] = []
        f.visit(names.append)
        for name in [""] + names:
            try:
                obj = f[name] if name else f
                for key in obj.attrs:
                    obj.attrs[key]
                if isinstance(obj, h5py.Dataset):
                    data = obj[()]
                    assert np.shape(data) == obj.shape, name
                    shapes[name] = obj.shape
            except Exception as e:  # noqa: BLE001 (reported below, with the object)
                failures.append(f"{name or '/'}: {type(e).__name__}: {e}")
    assert not failures, f"{path}: libhdf5 cannot read:\n" + "\n".join(failures)
    assert shapes, f"{path}: no datasets"
    return shapes


def checkpoint_in(path: Path) -> bool:
    """Whether `path` holds `/checkpoint` (opened without file locking)."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            return "checkpoint" in f
    except (OSError, KeyError):
        return False


class Run:
    """A `trabecula run` started in the background, paused and stopped by pid."""

    def __init__(self, binary: Path, config: Path, output: Path):
        self.output = output
        self.stderr_path = output.with_suffix(".stderr")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                [str(binary), "run", str(config), "-o", str(output), "-q"],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def wait_for_checkpoint(self) -> None:
        """Returns with the writer paused once its file holds `/checkpoint`."""
        deadline = time.monotonic() + CHECKPOINT_TIMEOUT_S
        while time.monotonic() < deadline:
            self.pause()
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"run exited {self.proc.returncode} before its first checkpoint:\n{self.stderr()}"
                )
            if self.output.exists() and checkpoint_in(self.output):
                return
            self.resume()
            time.sleep(0.05)
        raise AssertionError(f"no checkpoint after {CHECKPOINT_TIMEOUT_S} s:\n{self.stderr()}")

    def stop(self, sig: signal.Signals) -> int:
        """Sends `sig` (to a paused writer too) and returns the exit status."""
        self.proc.send_signal(sig)
        self.resume()
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def background_run(trabecula_bin, tmp_path):
    """Starts runs (of LONG_DAYS days by default); kills any still going at the end."""
    runs: list[Run] = []

    def start(output: Path, days: int = LONG_DAYS) -> Run:
        config = write_config(tmp_path, days)
        run = Run(trabecula_bin, config, output)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.kill()


def test_complete_run_and_lattice_outputs(trabecula_bin, tmp_path):
    config = write_config(tmp_path, days=20)
    out = tmp_path / "run.h5"
    run_trabecula(trabecula_bin, "run", str(config), "-o", str(out), "-q")
    shapes = read_in_full(out)
    assert shapes["lattice/bone_fraction"] == (30, 30, 30)
    assert shapes["snapshots/day_00020/bone_fraction"] == (30, 30, 30)
    assert shapes["timeseries/day"] == (11,)
    assert not any(name.startswith("checkpoint") for name in shapes)

    lattice = tmp_path / "lattice.h5"
    run_trabecula(trabecula_bin, "lattice", str(config), "-o", str(lattice), "-q")
    assert read_in_full(lattice)["lattice/bone_fraction"] == (30, 30, 30)


def read_in_full_unlocked(path: Path) -> dict[str, tuple[int, ...]]:
    """`read_in_full` in a new Python with HDF5_USE_FILE_LOCKING=FALSE, as a user
    peeks at a live file (libhdf5 reads the variable once, when it starts)."""
    script = (
        "import json\n"
        "from test_file_states import read_in_full\n"
        f"print(json.dumps(read_in_full({str(path)!r})))\n"
    )
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    # `python -c` imports from its working directory: this module's.
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).parent,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return {name: tuple(shape) for name, shape in json.loads(proc.stdout).items()}


def test_running_file(background_run, tmp_path):
    run = background_run(tmp_path / "running.h5")
    run.wait_for_checkpoint()
    shapes = read_in_full_unlocked(run.output)
    assert run.proc.poll() is None, "the writer is no longer alive"
    assert shapes["checkpoint/state"][0] > 0
    assert "lattice/bone_fraction" in shapes
    assert run.stop(signal.SIGTERM) == EXIT_STOPPED, run.stderr()


def test_sigtermed_file_then_resumed(background_run, trabecula_bin, tmp_path):
    run = background_run(tmp_path / "term.h5", SHORT_DAYS)
    run.wait_for_checkpoint()
    status = run.stop(signal.SIGTERM)
    assert status == EXIT_STOPPED, run.stderr()
    assert "checkpoint written" in run.stderr()
    shapes = read_in_full(run.output)
    assert shapes["checkpoint/state"][0] > 0
    stopped_rows = shapes["timeseries/day"][0]

    # Resumed to its end: the tables are cut back to the checkpoint and grown again.
    run_trabecula(trabecula_bin, "resume", str(run.output), "-q")
    shapes = read_in_full(run.output)
    assert not any(name.startswith("checkpoint") for name in shapes)
    assert shapes["timeseries/day"][0] == SHORT_DAYS // 2 + 1 > stopped_rows


def test_sigkilled_file(background_run, tmp_path):
    run = background_run(tmp_path / "killed.h5")
    run.wait_for_checkpoint()
    status = run.stop(signal.SIGKILL)
    assert status == -signal.SIGKILL
    shapes = read_in_full(run.output)
    assert shapes["checkpoint/state"][0] > 0


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs mounted in tmp_path, unmounted at the end."""
    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_disk_full(trabecula_bin, tmp_path, small_disk):
    # A snapshot every 2 days fills 2 MiB within about 25 days.
    config = write_config(tmp_path, days=400, snapshot_every_days=2)
    out = small_disk / "full.h5"
    proc = run_trabecula(trabecula_bin, "run", str(config), "-o", str(out), "-q", check=False)
    assert proc.returncode == 1, f"exit {proc.returncode}\n{proc.stderr}"
    assert "panicked" not in proc.stderr, proc.stderr
    assert "No space left on device" in proc.stderr, proc.stderr
    assert "full.h5" in proc.stderr, proc.stderr
    shapes = read_in_full(out)
    # It failed part way: the file holds the lattice, rows and snapshots of the
    # commits before the one that did not fit.
    assert "lattice/bone_fraction" in shapes
    assert shapes["timeseries/day"][0] > 1
    assert any(name.startswith("snapshots/") for name in shapes)
    with h5py.File(out, "r") as f:
        assert "complete" not in f.attrs


SWEEP = """\
[sweep]
name = "file_states"
base = "base.toml"
seed = 7
replicates = 1

[axes]
"estrogen.level_pg_ml" = [5.0, 40.0]
"""


def test_collection(trabecula_bin, tmp_path):
    write_config(tmp_path, days=6)
    (tmp_path / "sweep.toml").write_text(SWEEP)
    plan = tmp_path / "plan"
    run_trabecula(trabecula_bin, "sweep", "plan", str(tmp_path / "sweep.toml"), "-o", str(plan), "-q")
    for task in ("0", "1"):
        run_trabecula(trabecula_bin, "sweep", "run", str(plan), "--task", task, "-q")
    outputs = sorted(plan.rglob("*.h5"))
    assert len(outputs) == 2, outputs
    for output in outputs:
        read_in_full(output)
    collected = tmp_path / "c.h5"
    run_trabecula(trabecula_bin, "collect", str(plan), "-o", str(collected), "-q")
    shapes = read_in_full(collected)
    assert shapes["runs/task"] == (2,)
