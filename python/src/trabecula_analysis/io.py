"""Reading trabecula HDF5 files into pandas DataFrames and numpy arrays.

Tables (the time series, event tables, collection tables) become DataFrames
with one column per dataset, in the order of the group's ``columns`` attribute,
and ``df.attrs["units"]`` mapping each column to its units. Volumes are numpy
arrays in C order ``[nz, ny, nx]``: voxel (x, y, z) is ``a[z, y, x]``.
"""

from __future__ import annotations

import tomllib
from os import PathLike
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

PathType = str | PathLike[str]


def _table(group: h5py.Group) -> pd.DataFrame:
    """A table group (one 1-D dataset per column) as a DataFrame with units."""
    names = [str(c) for c in group.attrs.get("columns", list(group.keys()))]
    data = {}
    units = {}
    for name in names:
        ds = group[name]
        if h5py.check_string_dtype(ds.dtype) is not None:
            data[name] = ds.asstr()[:]
        else:
            data[name] = ds[:]
        units[name] = str(ds.attrs.get("units", ""))
    df = pd.DataFrame(data, columns=names)
    df.attrs["units"] = units
    return df


def load_timeseries(path: PathType) -> pd.DataFrame:
    """The run's time series (``/timeseries``): one row per measurement, ``day``
    first; ``df.attrs["units"]`` maps columns to units."""
    with h5py.File(path, "r") as f:
        return _table(f["timeseries"])


def load_events(path: PathType, table: str) -> pd.DataFrame:
    """An event table (``/events/<table>``: ``perforations``, ``bmus``,
    ``thickness_histogram``) with units in ``df.attrs["units"]``."""
    with h5py.File(path, "r") as f:
        events = f["events"]
        if table not in events:
            raise KeyError(f"{path}: no event table {table!r}; tables: {sorted(events)}")
        return _table(events[table])


def list_snapshots(path: PathType) -> pd.DataFrame:
    """The snapshots of a run, sorted by day: columns ``name``, ``day`` and
    ``fields`` (the extra fields besides ``bone_fraction``)."""
    rows = []
    with h5py.File(path, "r") as f:
        for name, g in f["snapshots"].items():
            fields = [str(x) for x in g.attrs.get("fields", [])]
            rows.append({"name": name, "day": float(g.attrs["day"]), "fields": fields})
    df = pd.DataFrame(rows, columns=["name", "day", "fields"])
    return df.sort_values("day", ignore_index=True)


def load_snapshot(path: PathType, day: float | str, field: str = "bone_fraction") -> np.ndarray:
    """A field of a snapshot as ``[nz, ny, nx]``; ``day`` is the simulated day
    (the nearest snapshot is taken) or a snapshot name such as ``day_00030``."""
    snaps = list_snapshots(path)
    if snaps.empty:
        raise KeyError(f"{path}: the run wrote no snapshots (run.snapshot_every_days = 0?)")
    if isinstance(day, str):
        name = day
    else:
        name = snaps.loc[(snaps["day"] - float(day)).abs().idxmin(), "name"]
    with h5py.File(path, "r") as f:
        return f["snapshots"][name][field][:]


def load_lattice(path: PathType) -> np.ndarray:
    """The initial lattice (``/lattice/bone_fraction``) as ``[nz, ny, nx]``."""
    with h5py.File(path, "r") as f:
        return f["lattice"]["bone_fraction"][:]


def load_config(path: PathType) -> dict:
    """The run's validated configuration (``/config`` attribute ``toml``) as a dict."""
    with h5py.File(path, "r") as f:
        return tomllib.loads(f["config"].attrs["toml"])


def load_collection(path: PathType) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables of ``trabecula collect``: ``(runs, timeseries)``. ``runs`` has one
    row per planned task (``task``, ``replicate``, ``seed``, ``status``, one column
    per parameter, ``final_<readout>``); ``timeseries`` one row per measurement of
    every collected run. ``runs.attrs["axes"]`` lists the parameter columns."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("kind") != "sweep_collection":
            raise ValueError(f"{path}: not a sweep collection (written by trabecula collect)")
        runs = _table(f["runs"])
        ts = _table(f["timeseries"])
        manifest = tomllib.loads(f.attrs["manifest"])
    axes = list(manifest["sweep"]["axes"])
    for df in (runs, ts):
        df.attrs["axes"] = axes
        df.attrs["sweep"] = manifest["sweep"]["name"]
    return runs, ts


def repo_root() -> Path:
    """The repository this package lives in (``scripts/..``)."""
    return Path(__file__).resolve().parents[2]
