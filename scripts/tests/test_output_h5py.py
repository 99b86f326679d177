"""The output file as h5py sees it, written by the `stream_timeseries` example.

(a) A run to completion: root attributes, /config TOML, lattice shape and voxel
    order, time series values/units/lengths, the event table and snapshots.
(b) A run killed with SIGKILL mid-stream: h5py opens the file and sees at least
    every row the writer reported flushed, with all columns the same length.

Build the examples first: `cargo build --examples`.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
import tomllib

import h5py
import numpy as np

EXAMPLE = "stream_timeseries"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def expected_rows(n: int) -> dict[str, np.ndarray]:
    day = np.arange(n, dtype=np.float64)
    return {"day": day, "bv_tv": 0.25 + 0.001 * day, "osteoclasts": 3.0 * day}


def check_timeseries(f: h5py.File, min_rows: int) -> int:
    ts = f["timeseries"]
    assert list(ts.attrs["columns"]) == ["day", "bv_tv", "osteoclasts"]
    lengths = {name: ts[name].shape for name in ts.attrs["columns"]}
    rows = lengths["day"][0]
    assert all(shape == (rows,) for shape in lengths.values()), lengths
    assert rows >= min_rows
    for name, values in expected_rows(rows).items():
        assert ts[name].dtype == np.float64
        assert ts[name].maxshape == (None,)
        np.testing.assert_array_equal(ts[name][:], values)
    assert ts["day"].attrs["units"] == "d"
    assert ts["bv_tv"].attrs["units"] == "1"
    assert ts["osteoclasts"].attrs["units"] == "count"
    return rows


def check_lattice(f: h5py.File) -> None:
    lat = f["lattice"]
    bf = lat["bone_fraction"]
    assert bf.shape == (3, 4, 5)  # [nz, ny, nx] for nx=5, ny=4, nz=3
    assert bf.dtype == np.float32
    assert bf.attrs["units"] == "1"
    assert list(lat.attrs["dims"]) == [5, 4, 3]
    assert lat.attrs["voxel_um"] == 12.5
    z, y, x = np.meshgrid(np.arange(3), np.arange(4), np.arange(5), indexing="ij")
    np.testing.assert_array_equal(bf[:], (x + 10 * y + 100 * z).astype(np.float32))
    assert bf[2, 1, 3] == 3 + 10 * 1 + 100 * 2  # voxel (x=3, y=1, z=2)
    assert lat["metrics/bv_tv"][()] == 0.25
    assert lat["metrics/tb_th"].attrs["units"] == "um"


def test_complete_run(tmp_path, example_bin):
    path = tmp_path / "stream.h5"
    rows = 30
    proc = subprocess.run(
        [str(example_bin(EXAMPLE)), str(path), str(rows), "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    reported = [int(line.split()[1]) for line in proc.stdout.splitlines()]
    assert reported == list(range(1, rows + 1))

    with h5py.File(path, "r") as f:
        assert f.attrs["format_version"] == 1
        assert f.attrs["software"] == "trabecula"
        for key in ("software_version", "git_revision", "command", "created"):
            assert isinstance(f.attrs[key], str) and f.attrs[key], key
        assert ISO_UTC.match(f.attrs["created"])
        assert str(path) in f.attrs["command"]

        config = f["config"]
        parsed = tomllib.loads(config.attrs["toml"])
        assert parsed["run"] == {"days": rows, "seed": 42}
        assert parsed["lattice"]["dims"] == [5, 4, 3]
        assert config.attrs["seed"] == 42
        assert config.attrs["threads"] == 2

        check_lattice(f)
        assert check_timeseries(f, rows) == rows

        perf = f["events/perforations"]
        assert list(perf.attrs["columns"]) == ["day", "x", "y", "z", "kind"]
        np.testing.assert_array_equal(perf["day"][:], [0.0, 10.0, 20.0])
        np.testing.assert_array_equal(perf["kind"][:], [0.0, 1.0, 2.0])
        assert perf["x"].attrs["units"] == "voxel"

        snaps = f["snapshots"]
        assert sorted(snaps) == ["day_00000", f"day_{rows:05d}"]
        last = snaps[f"day_{rows:05d}"]
        assert last.attrs["day"] == rows
        assert last["bone_fraction"].shape == (3, 4, 5)
        np.testing.assert_array_equal(last["bone_fraction"][:], f["lattice/bone_fraction"][:])


def test_killed_run(tmp_path, example_bin):
    path = tmp_path / "killed.h5"
    proc = subprocess.Popen(
        [str(example_bin(EXAMPLE)), str(path), "100000", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    reported = 0
    deadline = time.monotonic() + 120
    try:
        for line in proc.stdout:
            reported = int(line.split()[1])
            if reported >= 40:
                break
            assert time.monotonic() < deadline, "writer too slow"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert reported >= 40

    with h5py.File(path, "r") as f:
        rows = check_timeseries(f, reported)
        check_lattice(f)
        perf = f["events/perforations"]
        lengths = {perf[name].shape for name in perf.attrs["columns"]}
        assert len(lengths) == 1
        # A perforation row goes in the same commit as every tenth time series row.
        assert lengths.pop() == ((rows + 9) // 10,)
