"""The analysis package's xarray loading on a real run (conftest.py `run_file`):
values equal h5py's, units and provenance in attrs, coordinates in days and mm,
and snapshots read lazily (only what is selected)."""

from __future__ import annotations

import tomllib

import h5py
import numpy as np
import pytest
import trabecula_analysis as ta
import xarray as xr


def test_timeseries_dataset_equals_the_file(run_file):
    ds = ta.load_timeseries_xr(run_file)
    assert isinstance(ds, xr.Dataset)
    assert ds.sizes == {"day": 3}
    with h5py.File(run_file, "r") as f:
        g = f["timeseries"]
        columns = [str(c) for c in g.attrs["columns"]]
        assert columns[0] == "day"
        # One variable per column, in the file's order, values and units the file's.
        assert list(ds.data_vars) == columns[1:]
        np.testing.assert_array_equal(ds["day"].values, g["day"][:])
        assert ds["day"].attrs["units"] == "d"
        for c in columns[1:]:
            np.testing.assert_array_equal(ds[c].values, g[c][:], err_msg=c)
            assert ds[c].dims == ("day",)
            assert ds[c].attrs["units"] == str(g[c].attrs["units"]), c
        root, config = f.attrs, f["config"].attrs
        assert ds.attrs["seed"] == int(config["seed"]) == 3
        assert ds.attrs["threads"] == int(config["threads"])
        assert ds.attrs["config_toml"] == config["toml"]
        assert ds.attrs["software_version"] == root["software_version"]
        assert ds.attrs["format_version"] == int(root["format_version"])
    assert ds["bv_tv"].attrs["units"] == "1" and ds["tb_th_mm"].attrs["units"] == "mm"
    assert tomllib.loads(ds.attrs["config_toml"])["estrogen"]["level_pg_ml"] == 5.0
    assert ds.attrs["source"] == str(run_file)
    # Labelled selection: the day coordinate indexes.
    assert float(ds["bv_tv"].sel(day=30.0)) == ta.load_timeseries(run_file)["bv_tv"][1]
    # Plain attribute values: the dataset writes to netCDF-compatible attrs.
    assert all(isinstance(v, str | int | float) for v in ds.attrs.values())


def test_snapshots_dataset_equals_the_file(run_file):
    ds = ta.load_snapshots_xr(run_file)
    assert list(ds.data_vars) == ["bone_fraction", "mineral_fraction"]
    assert ds["bone_fraction"].dims == ("day", "z", "y", "x")
    assert ds.sizes == {"day": 3, "z": 30, "y": 30, "x": 30}
    np.testing.assert_array_equal(ds["day"], [0.0, 30.0, 60.0])
    assert list(ds["snapshot"].values) == ["day_00000", "day_00030", "day_00060"]
    # Voxel centres in mm: 40 um voxels, the first centre at 0.02 mm, the last at 1.18 mm.
    for axis in ("x", "y", "z"):
        np.testing.assert_allclose(ds[axis], (np.arange(30) + 0.5) * 0.04, rtol=0, atol=1e-12)
        assert ds[axis].attrs["units"] == "mm"
    assert ds.attrs["voxel_um"] == 40.0 and ds.attrs["seed"] == 3
    with h5py.File(run_file, "r") as f:
        for i, name in enumerate(["day_00000", "day_00030", "day_00060"]):
            for field in ("bone_fraction", "mineral_fraction"):
                want = f["snapshots"][name][field]
                got = ds[field].isel(day=i)
                np.testing.assert_array_equal(got.values, want[:], err_msg=f"{name}/{field}")
                assert ds[field].attrs["units"] == str(want.attrs["units"])
        # Voxel (x, y, z) = (4, 7, 11) is a[z, y, x] in the file and x=, y=, z= here.
        pick = ds["bone_fraction"].sel(day=60.0).isel(x=4, y=7, z=11)
        assert float(pick) == f["snapshots/day_00060/bone_fraction"][11, 7, 4]
        # Selection by coordinate value: nearest voxel centre to 0.3 mm is index 7.
        near = ds["bone_fraction"].sel(day=30.0, x=0.3, method="nearest")
        np.testing.assert_array_equal(near.values, f["snapshots/day_00030/bone_fraction"][:, :, 7])
    # The mean bone fraction of each snapshot is the time series' BV/TV.
    ts = ta.load_timeseries_xr(run_file)
    mean = ds["bone_fraction"].astype(np.float64).mean(("z", "y", "x"))
    np.testing.assert_allclose(mean.values, ts["bv_tv"].sel(day=ds["day"]).values, atol=1e-5)


def test_snapshots_are_read_lazily_and_in_parts(run_file, tmp_path):
    ds = ta.load_snapshots_xr(run_file)
    var = ds["bone_fraction"].variable
    assert not var._in_memory, "opening read the volumes"
    # Strided, reversed and fancy selections, worked out against the eager array.
    full = ds["bone_fraction"].values
    assert full.dtype == np.float32 and full.shape == (3, 30, 30, 30)
    bone = ds["bone_fraction"]
    np.testing.assert_array_equal(bone.isel(day=slice(None, None, -2), z=slice(3, 20, 4)).values, full[::-2, 3:20:4])
    np.testing.assert_array_equal(bone.isel(day=[2, 0], x=[5, 1, 9]).values, full[[2, 0]][:, :, :, [5, 1, 9]])
    np.testing.assert_array_equal(bone.isel(day=-1, y=-1).values, full[-1, :, -1])
    assert bone.isel(day=slice(0, 0), z=slice(0, 2)).values.shape == (0, 2, 30, 30)
    # Nothing is held open: the file can be removed after opening, and a read then fails.
    copy = tmp_path / "copy.h5"
    copy.write_bytes(run_file.read_bytes())
    lazy = ta.load_snapshots_xr(copy)
    copy.unlink()
    with pytest.raises(FileNotFoundError):
        lazy["bone_fraction"].isel(day=0).values


def test_snapshot_fields_selected_and_errors_named(run_file, tmp_path):
    ds = ta.load_snapshots_xr(run_file, fields=["mineral_fraction"])
    assert list(ds.data_vars) == ["mineral_fraction"]
    assert list(ta.load_snapshots_xr(run_file, fields="bone_fraction").data_vars) == ["bone_fraction"]
    with pytest.raises(KeyError, match=r"snapshot day_00000 has no field 'nope'"):
        ta.load_snapshots_xr(run_file, fields=["nope"])
    # A file without snapshots or a time series names what is missing.
    bare = tmp_path / "bare.h5"
    with h5py.File(bare, "w") as f:
        f.create_group("snapshots")
    with pytest.raises(KeyError, match="wrote no snapshots"):
        ta.load_snapshots_xr(bare)
    with pytest.raises(KeyError, match="no /timeseries group"):
        ta.load_timeseries_xr(bare)
