"""Reading trabecula HDF5 files into pandas DataFrames and numpy arrays.

Tables (the time series, event tables, collection tables) become DataFrames
with one column per dataset, in the order of the group's ``columns`` attribute,
and ``df.attrs["units"]`` mapping each column to its units. Volumes are numpy
arrays in C order ``[nz, ny, nx]``: voxel (x, y, z) is ``a[z, y, x]``.
"""

from __future__ import annotations

import tomllib
from os import PathLike
from typing import Any, TypeAlias

import h5py
import numpy as np
import numpy.typing as npt
import pandas as pd

#: A file path: ``str`` or any ``os.PathLike`` (``pathlib.Path``).
PathType: TypeAlias = str | PathLike[str]

#: A volume read from a file, C order ``[nz, ny, nx]``.
Volume: TypeAlias = npt.NDArray[np.float32]


def _table(group: Any) -> pd.DataFrame:
    """A table group (one 1-D dataset per column) as a DataFrame with units."""
    names = [str(c) for c in group.attrs.get("columns", list(group.keys()))]
    data: dict[str, Any] = {}
    units: dict[str, str] = {}
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
    rows: list[dict[str, Any]] = []
    with h5py.File(path, "r") as f:
        for name, g in f["snapshots"].items():
            fields = [str(x) for x in g.attrs.get("fields", [])]
            rows.append({"name": name, "day": float(g.attrs["day"]), "fields": fields})
    df = pd.DataFrame(rows, columns=["name", "day", "fields"])
    return df.sort_values("day", ignore_index=True)


def load_snapshot(path: PathType, day: float | str, field: str = "bone_fraction") -> Volume:
    """A field of a snapshot as ``[nz, ny, nx]``; ``day`` is the simulated day
    (the nearest snapshot is taken) or a snapshot name such as ``day_00030``."""
    snaps = list_snapshots(path)
    if snaps.empty:
        raise KeyError(f"{path}: the run wrote no snapshots (run.snapshot_every_days = 0?)")
    if isinstance(day, str):
        name = day
    else:
        name = str(snaps["name"].iloc[int((snaps["day"] - float(day)).abs().to_numpy().argmin())])
    if name not in set(snaps["name"]):
        raise KeyError(f"{path}: no snapshot {name!r}; snapshots: {list(snaps['name'])}")
    with h5py.File(path, "r") as f:
        group = f["snapshots"][name]
        if field not in group:
            raise KeyError(f"{path}: snapshot {name} has no field {field!r}; it has: {sorted(group.keys())}")
        return np.asarray(group[field][:], dtype=np.float32)


def load_lattice(path: PathType) -> Volume:
    """The initial lattice (``/lattice/bone_fraction``) as ``[nz, ny, nx]``."""
    with h5py.File(path, "r") as f:
        return np.asarray(f["lattice"]["bone_fraction"][:], dtype=np.float32)


def load_config(path: PathType) -> dict[str, Any]:
    """The run's validated configuration (``/config`` attribute ``toml``) as a dict."""
    with h5py.File(path, "r") as f:
        return tomllib.loads(str(f["config"].attrs["toml"]))


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
        manifest = tomllib.loads(str(f.attrs["manifest"]))
    axes = list(manifest["sweep"]["axes"])
    for df in (runs, ts):
        df.attrs["axes"] = axes
        df.attrs["sweep"] = manifest["sweep"]["name"]
    return runs, ts
