"""A sweep on a real SLURM: `sweep plan`, `sweep slurm`, sbatch of the written
array script as it is, wait, `collect`.

Four 30-day runs on a 1.2 mm cube at 40 um (2 estradiol levels x 2 replicates).
Checks that every array task COMPLETED (`scontrol show job`; accounting is not
available here), that each task logged the thread count SLURM granted, and that
the collected table, read with h5py and with pandas from the CSV, has one row per
run with the right parameters and seeds. The cluster comes from slurm_fixture.py,
which stops only the daemons it started.
"""

from __future__ import annotations

import tomllib

import h5py
import numpy as np
import pandas as pd

from conftest import run_trabecula
from slurm_fixture import slurm  # noqa: F401  (the fixture, used by name)

TIMEOUT_S = 300

BASE = """\
[run]
seed = 1
days = 30
spinup_days = 0
measure_every_days = 10

[lattice]
voxel_um = 40.0
side_mm = 1.2

[lattice.synthetic]
preset = "iliac_crest"
"""

SWEEP = """\
[sweep]
name = "slurm_test"
base = "base.toml"
seed = 99
replicates = 2

[axes]
"estrogen.level_pg_ml" = [5.0, 40.0]
"""


def test_sweep_array_job_then_collect(slurm, trabecula_bin, tmp_path):  # noqa: F811
    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "sweep.toml").write_text(SWEEP)
    plan = tmp_path / "plan"
    run_trabecula(trabecula_bin, "sweep", "plan", str(tmp_path / "sweep.toml"), "-o", str(plan))
    manifest = tomllib.loads((plan / "manifest.toml").read_text())
    tasks = manifest["task"]
    assert len(tasks) == 4

    out = run_trabecula(trabecula_bin, "sweep", "slurm", str(plan), "--cpus", "1", "--time", "00:10:00")
    command = out.stdout.strip().split()
    script = plan / "sweep.sbatch"
    assert command == ["sbatch", str(script)]
    assert "#SBATCH --array=0-3" in script.read_text()

    job = slurm.run("sbatch", "--parsable", str(script)).stdout.strip().split(";")[0]
    slurm.wait(job, TIMEOUT_S)

    def task_logs() -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')}" for p in sorted((plan / "logs").glob("*.out"))
        )

    states = slurm.task_states(job)
    assert states == {str(t): "COMPLETED" for t in range(4)}, f"job {job}: {states}\n{task_logs()}\n{slurm.logs()}"
    logs = sorted((plan / "logs").glob(f"task_*_{job}.out"))
    assert len(logs) == 4, task_logs()
    for log in logs:
        assert "threads: 1 (SLURM_CPUS_PER_TASK)" in log.read_text(), task_logs()

    results = tmp_path / "results.h5"
    run_trabecula(trabecula_bin, "collect", str(plan), "-o", str(results))

    expected_levels = [t["params"]["estrogen.level_pg_ml"] for t in tasks]
    assert expected_levels == [5.0, 5.0, 40.0, 40.0]
    with h5py.File(results, "r") as f:
        assert f.attrs["kind"] == "sweep_collection"
        assert f.attrs["sweep"] == "slurm_test"
        runs = f["runs"]
        cols = list(runs.attrs["columns"])
        assert cols[:5] == ["task", "replicate", "seed", "status", "estrogen.level_pg_ml"]
        np.testing.assert_array_equal(runs["task"][:], [0, 1, 2, 3])
        assert list(runs["status"].asstr()[:]) == ["ok"] * 4
        np.testing.assert_array_equal(runs["estrogen.level_pg_ml"][:], expected_levels)
        np.testing.assert_array_equal(runs["seed"][:], [t["seed"] for t in tasks])
        np.testing.assert_array_equal(runs["final_day"][:], [30.0] * 4)
        assert runs["final_bv_tv"].attrs["units"] == "1"
        assert runs["estrogen.level_pg_ml"].attrs["units"] == "pg/mL"
        assert len(f["timeseries"]["day"]) == 4 * 4  # days 0, 10, 20, 30

    csv = pd.read_csv(tmp_path / "results.csv")
    assert len(csv) == 4
    assert list(csv["task"]) == [0, 1, 2, 3]
    assert list(csv["replicate"]) == [0, 1, 0, 1]
    assert list(csv["estrogen.level_pg_ml"]) == expected_levels
    assert list(csv["status"]) == ["ok"] * 4
    assert csv["final_bv_tv"].between(0, 1).all()
    # The E2 level reached each run.
    assert list(csv["final_e2_pg_ml"]) == expected_levels
