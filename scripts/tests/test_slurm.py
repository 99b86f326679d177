"""trabecula on a real SLURM: a 4-task job array, one `trabecula lattice` per task.

Each task generates a 1.2 mm cube at 20 um (60^3 voxels) with seed task + 1 and
writes out_<task>.h5. The test waits for the array to leave the queue, then checks
that every task COMPLETED, that every file holds a lattice of the right shape,
that each task's seed reached its file and made a different volume, and that the
thread count followed what SLURM granted (--cpus-per-task=1).

Needs root and apt (scripts/slurm/up.sh installs SLURM if it is missing).
"""

from __future__ import annotations

import h5py
import numpy as np

from slurm_fixture import slurm  # noqa: F401  (the fixture, used by name)

TASKS = 4
SIDE_VOXELS = 60  # 1.2 mm / 20 um
TIMEOUT_S = 180

CONFIG = """\
[run]
seed = 1

[lattice]
voxel_um = 20.0
side_mm = 1.2

[lattice.synthetic]
preset = "iliac_crest"
"""

# Runs in the job's --chdir; the task index picks the seed and the output name.
TASK_SCRIPT = """\
#!/bin/bash
set -euo pipefail
task=$SLURM_ARRAY_TASK_ID
exec {binary} --quiet lattice {config} --seed $((task + 1)) -o out_$task.h5
"""


def test_lattice_array_job(slurm, trabecula_bin, tmp_path):  # noqa: F811
    config = tmp_path / "small.toml"
    config.write_text(CONFIG)
    script = tmp_path / "task.sh"
    script.write_text(TASK_SCRIPT.format(binary=trabecula_bin, config=config))
    script.chmod(0o755)

    job = slurm.submit_array(script, TASKS, tmp_path, "--cpus-per-task=1")
    slurm.wait(job, TIMEOUT_S)

    def task_logs() -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')}"
            for p in sorted(tmp_path.glob("slurm-*.out"))
        )

    states = slurm.task_states(job)
    assert states == {str(t): "COMPLETED" for t in range(TASKS)}, (
        f"job {job}: {states}\n{task_logs()}\n{slurm.logs()}"
    )

    volumes = []
    for task in range(TASKS):
        path = tmp_path / f"out_{task}.h5"
        assert path.exists(), f"{path} missing\n{task_logs()}"
        with h5py.File(path, "r") as f:
            assert f.attrs["software"] == "trabecula"
            assert f["config"].attrs["seed"] == task + 1
            assert f["config"].attrs["threads"] == 1, "threads ignore SLURM_CPUS_PER_TASK"
            lattice = f["lattice"]
            bone = lattice["bone_fraction"]
            assert bone.shape == (SIDE_VOXELS,) * 3
            assert bone.dtype == np.float32
            assert lattice.attrs["voxel_um"] == 20.0
            assert list(lattice.attrs["dims"]) == [SIDE_VOXELS] * 3
            assert len(lattice["metrics"]) > 0
            values = bone[:]
            assert 0.0 < values.mean() < 1.0
            volumes.append(values)
    for a in range(TASKS):
        for b in range(a + 1, TASKS):
            assert not np.array_equal(volumes[a], volumes[b]), f"tasks {a} and {b} agree"
