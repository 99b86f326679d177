"""A real single-node SLURM for the tests: the `slurm` fixture and its helpers.

The fixture runs scripts/slurm/up.sh (which installs the packages if needed and
starts munged, slurmctld and slurmd under one directory) and, at the end of the
module, scripts/slurm/down.sh, which stops exactly those daemons. When up.sh finds
its daemons already running (a developer's cluster from an earlier `up.sh`), it
reuses them and the fixture leaves them running afterwards.

The directory is $TRABECULA_SLURM_DIR, else .slurm/ in the repository. If SLURM
cannot be brought up, the test fails with up.sh's log: the suite never silently
skips the cluster tests.

Use it from a test module with `from slurm_fixture import slurm  # noqa: F401`.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts" / "slurm"
TASK_LINE = re.compile(r"\bArrayTaskId=(\S+).*?\bJobState=(\S+)")


@dataclass
class Slurm:
    """A running cluster: its directory and the environment its commands need."""

    dir: Path
    env: dict[str, str]

    def run(self, *args: str, timeout_s: float = 30) -> subprocess.CompletedProcess:
        """Runs a SLURM client command against this cluster; raises on failure."""
        proc = subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, timeout=timeout_s
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {proc.returncode}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def submit_array(self, script: Path, tasks: int, workdir: Path, *sbatch_args: str) -> str:
        """Submits `script` as an array job of `tasks` tasks running in `workdir`
        (which must exist), logging to workdir/slurm-<job>_<task>.out. Returns the
        job id."""
        proc = self.run(
            "sbatch",
            "--parsable",
            f"--array=0-{tasks - 1}",
            f"--chdir={workdir}",
            "-o",
            str(workdir / "slurm-%A_%a.out"),
            *sbatch_args,
            str(script),
        )
        # --parsable prints "jobid" or "jobid;cluster".
        return proc.stdout.strip().split(";")[0]

    def wait(self, job_id: str, timeout_s: float) -> None:
        """Polls `squeue -h -j JOB` until the job has left the queue. On timeout,
        cancels the job and fails with the queue and the job's record."""
        deadline = time.monotonic() + timeout_s
        while True:
            queued = self.run("squeue", "-h", "-j", job_id).stdout.strip()
            if not queued:
                return
            if time.monotonic() > deadline:
                record = self.run("scontrol", "show", "job", job_id, "-o").stdout
                subprocess.run(["scancel", job_id], env=self.env, timeout=30)
                pytest.fail(
                    f"job {job_id} still queued after {timeout_s} s:\n{queued}\n{record}"
                    f"\n{self.logs()}"
                )
            time.sleep(0.25)

    def task_states(self, job_id: str) -> dict[str, str]:
        """`JobState` of every array task of `job_id`, keyed by `ArrayTaskId`, from
        `scontrol show job JOB -o` (accounting is not available in this setup)."""
        out = self.run("scontrol", "show", "job", job_id, "-o").stdout
        states = {}
        for line in out.splitlines():
            m = TASK_LINE.search(line)
            if m:
                states[m.group(1)] = m.group(2)
        return states

    def logs(self, lines: int = 30) -> str:
        """The ends of the daemons' logs, for failure messages."""
        parts = []
        for log in sorted((self.dir / "log").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log}\n" + "\n".join(tail))
        return "\n".join(parts)


def _script_env(slurm_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TRABECULA_SLURM_DIR"] = str(slurm_dir)
    env["SLURM_CONF"] = str(slurm_dir / "slurm.conf")
    return env


@pytest.fixture(scope="module")
def slurm() -> Iterator[Slurm]:
    """A single-node SLURM for the module's tests (see the module docs)."""
    slurm_dir = Path(os.environ.get("TRABECULA_SLURM_DIR", REPO / ".slurm")).resolve()
    env = _script_env(slurm_dir)
    try:
        up = subprocess.run(
            [str(SCRIPTS / "up.sh"), str(slurm_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"scripts/slurm/up.sh timed out after {e.timeout} s\n{e.stderr or ''}")
    if up.returncode != 0:
        log = slurm_dir / "up.log"
        log_text = log.read_text(errors="replace") if log.exists() else "(no up.log)"
        pytest.fail(
            f"scripts/slurm/up.sh exited {up.returncode}: SLURM could not be brought up\n"
            f"stderr:\n{up.stderr}\n--- {log}\n{log_text}"
        )
    started = up.stdout.strip().splitlines()[-1:] == ["started"]
    try:
        yield Slurm(slurm_dir, env)
    finally:
        if started:
            subprocess.run(
                [str(SCRIPTS / "down.sh"), str(slurm_dir)], env=env, timeout=120, check=False
            )
