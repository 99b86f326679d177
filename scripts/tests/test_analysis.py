"""The analysis package (python/, installed into .venv) on real output of the
binary, and the example notebook executed headlessly.

The shared 60-day run of conftest.py (`run_file`: a 1.2 mm cube at 40 um, 30^3
voxels, snapshots every 30 days), and a 2 x 2 sweep of 30-day runs collected with
`trabecula collect`; a few seconds in the debug build. Plots use matplotlib's Agg
backend.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import trabecula_analysis as ta  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from conftest import REPO, TINY_RUN, run_trabecula  # noqa: E402

SWEEP = """\
[sweep]
base = "base.toml"
seed = 5
replicates = 2

[fixed]
"run.days" = 30
"run.snapshot_every_days" = 0

[axes]
"estrogen.level_pg_ml" = [5.0, 50.0]
"""


def test_run_simulation_passes_overrides_and_seed(trabecula_bin, tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_RUN)
    out = ta.run_simulation(
        tmp_path / "tiny.toml",
        tmp_path / "o.h5",
        overrides={"run.days": 30, "run.snapshot_every_days": 0, "estrogen.schedule": "constant"},
        seed=11,
        threads=1,
        binary=trabecula_bin,
    )
    assert out == tmp_path / "o.h5"
    config = ta.load_config(out)
    assert config["run"]["days"] == 30 and config["run"]["seed"] == 11
    assert config["estrogen"]["schedule"] == "constant"
    np.testing.assert_array_equal(ta.load_timeseries(out)["day"], [0.0, 30.0])
    with pytest.raises(RuntimeError, match="run.days"):
        ta.run_simulation(
            tmp_path / "tiny.toml", tmp_path / "bad.h5", overrides={"run.days": -1}, binary=trabecula_bin
        )


def test_timeseries_with_units(run_file):
    df = ta.load_timeseries(run_file)
    assert list(df.columns[:1]) == ["day"]
    np.testing.assert_array_equal(df["day"], [0.0, 30.0, 60.0])
    units = df.attrs["units"]
    assert units["day"] == "d" and units["bv_tv"] == "1" and units["tb_th_mm"] == "mm"
    assert set(units) == set(df.columns)
    with h5py.File(run_file, "r") as f:
        np.testing.assert_array_equal(df["bv_tv"], f["timeseries/bv_tv"][:])
        assert list(df.columns) == list(f["timeseries"].attrs["columns"])
    assert (df["e2_pg_ml"] == 5.0).all()


def test_snapshots_lattice_config_events(run_file):
    snaps = ta.list_snapshots(run_file)
    assert list(snaps["day"]) == [0.0, 30.0, 60.0]
    assert list(snaps["name"]) == ["day_00000", "day_00030", "day_00060"]
    assert "mineral_fraction" in snaps["fields"][0]
    ts = ta.load_timeseries(run_file)
    for day, bv in zip(ts["day"], ts["bv_tv"]):
        vol = ta.load_snapshot(run_file, day)
        assert vol.shape == (30, 30, 30)
        # BV/TV is the mean bone fraction; float32 volume, float64 sum.
        assert abs(float(vol.mean(dtype=np.float64)) - bv) < 1e-5
    # Nearest snapshot by day, or by name.
    np.testing.assert_array_equal(ta.load_snapshot(run_file, 29), ta.load_snapshot(run_file, "day_00030"))
    np.testing.assert_array_equal(ta.load_snapshot(run_file, 0), ta.load_lattice(run_file))
    mineral = ta.load_snapshot(run_file, 60, field="mineral_fraction")
    assert mineral.shape == (30, 30, 30)
    with pytest.raises(KeyError, match=r"no snapshot 'day_00031'; snapshots: \['day_00000'"):
        ta.load_snapshot(run_file, "day_00031")
    with pytest.raises(KeyError, match="snapshot day_00060 has no field 'nope'; it has: .*'mineral_fraction'"):
        ta.load_snapshot(run_file, 60, field="nope")
    assert ta.load_config(run_file)["run"]["seed"] == 3
    perf = ta.load_events(run_file, "perforations")
    assert list(perf.columns) == ["day", "x", "y", "z", "kind", "site"]
    assert perf.attrs["units"]["x"] == "voxel"
    with pytest.raises(KeyError):
        ta.load_events(run_file, "nope")


def test_plots(run_file):
    df = ta.load_timeseries(run_file)
    fig = ta.plot_timeseries(df, ["bv_tv", "osteoclasts"], targets={"bv_tv": [(0, 0.2), (60, 0.1)]})
    axes = fig.get_axes()
    assert len(axes) == 2
    target = [ln for ln in axes[0].get_lines() if ln.get_label() == "target"]
    assert len(target) == 1
    np.testing.assert_array_equal(target[0].get_xdata(), [0, 60])
    assert axes[0].get_ylabel() == "bv_tv"
    assert axes[1].get_ylabel() == "osteoclasts"
    with pytest.raises(KeyError):
        ta.plot_timeseries(df, ["no_such_column"])
    plt.close("all")

    # Structure measured on every other row only (run.structure_every_days): the
    # line joins the measured points instead of vanishing between NaN rows.
    sparse = df.copy()
    sparse.loc[sparse["day"] == 30.0, "tb_th_mm"] = np.nan
    line = ta.plot_timeseries(sparse, ["tb_th_mm"]).get_axes()[0].get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [0.0, 60.0])
    plt.close("all")

    fig = ta.slice_montage(run_file, n_slices=2)
    assert len(fig.get_axes()) == 4
    titles = [ax.get_title() for ax in fig.get_axes()]
    assert titles[0].startswith("day 0,") and titles[2].startswith("day 60,")
    plt.close("all")


def test_dose_response_closed_form():
    runs = pd.DataFrame(
        {
            "status": ["ok", "ok", "ok", "ok", "missing"],
            "p": [1.0, 1.0, 2.0, 2.0, 2.0],
            "final_bv_tv": [0.1, 0.3, 0.5, 0.5, np.nan],
        }
    )
    ax, summary = ta.dose_response(runs, "p", "bv_tv")
    assert list(summary["param"]) == [1.0, 2.0]
    np.testing.assert_allclose(summary["mean"], [0.2, 0.5])
    np.testing.assert_allclose(summary["sd"], [np.sqrt(0.02), 0.0])
    assert list(summary["n"]) == [2, 2]
    plt.close("all")


def test_collection_of_a_real_sweep(trabecula_bin, tmp_path):
    (tmp_path / "base.toml").write_text(TINY_RUN)
    (tmp_path / "sweep.toml").write_text(SWEEP)
    plan = tmp_path / "plan"
    run_trabecula(trabecula_bin, "sweep", "plan", str(tmp_path / "sweep.toml"), "-o", str(plan))
    for task in range(3):  # task 3 left out: listed as missing
        run_trabecula(trabecula_bin, "sweep", "run", str(plan), "--task", str(task), "--threads", "1")
    out = tmp_path / "results.h5"
    run_trabecula(trabecula_bin, "collect", str(plan), "-o", str(out))
    runs, series = ta.load_collection(out)
    assert runs.attrs["axes"] == ["estrogen.level_pg_ml"]
    assert list(runs["task"]) == [0, 1, 2, 3]
    assert list(runs["status"]) == ["ok", "ok", "ok", "missing"]
    assert list(runs["estrogen.level_pg_ml"]) == [5.0, 5.0, 50.0, 50.0]
    assert list(runs["replicate"]) == [0, 1, 0, 1]
    assert runs["seed"][0] == runs["seed"][2] != runs["seed"][1]
    assert runs["final_day"][:3].tolist() == [30.0] * 3 and np.isnan(runs["final_day"][3])
    # CSV beside the HDF5 file: the same table.
    csv = pd.read_csv(tmp_path / "results.csv")
    assert list(csv.columns) == list(runs.columns)
    np.testing.assert_allclose(csv["final_bv_tv"], runs["final_bv_tv"])
    # The long table: two rows (days 0 and 30) per collected run.
    assert list(series["task"]) == [0, 0, 1, 1, 2, 2]
    assert list(series["day"]) == [0.0, 30.0] * 3
    ax, summary = ta.dose_response(runs, "estrogen.level_pg_ml", "bv_tv")
    assert list(summary["n"]) == [2, 1]
    assert summary["mean"][0] == pytest.approx(runs["final_bv_tv"][:2].mean())
    plt.close("all")


def test_example_notebook_runs(trabecula_bin, monkeypatch):
    path = REPO / "scripts" / "notebooks" / "analysis_example.ipynb"
    nb = nbformat.read(path, as_version=4)
    monkeypatch.setenv("TRABECULA_BIN", str(trabecula_bin))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError if any cell fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert os.environ["TRABECULA_BIN"] == str(trabecula_bin)
