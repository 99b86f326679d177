"""A run as labelled arrays (xarray): the time series over ``day`` and the
snapshots over ``day, z, y, x``, with units in attributes.

- :func:`load_timeseries_xr` reads the time series eagerly (it is small): one
  variable per column, ``day`` the coordinate, every variable's ``units``
  attribute the file's.
- :func:`load_snapshots_xr` opens the snapshots *lazily*: nothing of the volumes
  is read until values are asked for (``.values``, ``.load()``, a plot, a
  reduction), and then only the selected part (``.sel(day=365).isel(z=10)``
  reads one slice of one snapshot). The file is opened for each read and closed
  again, so nothing stays open between cells of a notebook.

Coordinates ``x``, ``y``, ``z`` are voxel centres in millimetres,
``(i + 0.5) * voxel_um / 1000``: the voxel ``(x, y, z)`` is the cell of the same
index in the XDMF sidecar ParaView opens, whose mesh starts at 0 mm.

Both carry the file's provenance in ``attrs``: ``seed``, ``threads``,
``config_toml`` (the validated configuration as TOML text; ``tomllib.loads`` it),
``software``, ``software_version``, ``git_revision``, ``format_version``,
``command``, ``created`` and ``complete`` (those the file has), and ``source``
(the path read).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

from .io import PathType, list_snapshots, load_timeseries

# Root attributes carried into ``attrs`` when the file has them.
_ROOT_ATTRS = (
    "software",
    "software_version",
    "git_revision",
    "format_version",
    "command",
    "created",
    "complete",
)


def _plain(value: Any) -> Any:
    """An HDF5 attribute as a plain Python value (netCDF-friendly ``attrs``)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    return value


def _provenance(f: Any, path: PathType) -> dict[str, Any]:
    """The file's provenance attributes (see the module docs)."""
    attrs: dict[str, Any] = {"source": str(path)}
    for key in _ROOT_ATTRS:
        if key in f.attrs:
            attrs[key] = _plain(f.attrs[key])
    if "config" in f:
        config = f["config"].attrs
        for key in ("seed", "threads"):
            if key in config:
                attrs[key] = int(config[key])
        if "toml" in config:
            attrs["config_toml"] = str(config["toml"])
    return attrs


def load_timeseries_xr(path: PathType) -> xr.Dataset:
    """The run's time series as an ``xarray.Dataset`` over dimension ``day``
    (coordinate in days, attribute ``units = "d"``): one float64 variable per
    column of ``/timeseries``, in the file's order, each with its ``units``
    attribute; the file's provenance in ``ds.attrs`` (``seed``,
    ``software_version``, ``config_toml``, ...). Read eagerly."""
    with h5py.File(path, "r") as f:
        if "timeseries" not in f:
            raise KeyError(f"{path}: no /timeseries group: not a run file (written by trabecula run)")
        attrs = _provenance(f, path)
    df = load_timeseries(path)
    units: dict[str, str] = df.attrs["units"]
    coords = {"day": ("day", df["day"].to_numpy(), {"units": units["day"], "long_name": "simulated day"})}
    data_vars = {
        str(c): ("day", df[c].to_numpy(), {"units": units[str(c)]}) for c in df.columns if c != "day"
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


class _SnapshotField(BackendArray):
    """One field of every snapshot, read from the file on demand, as a 4-D array
    ``[day, z, y, x]``. xarray hands it basic indices (integers and slices) and
    does any finer indexing in memory."""

    def __init__(self, path: str, groups: Sequence[str], field: str, shape: tuple[int, int, int]) -> None:
        self.path = path
        self.groups = list(groups)
        self.field = field
        self.shape = (len(self.groups), *shape)
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key: indexing.ExplicitIndexer) -> Any:
        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC, self._read)

    def _read(self, key: tuple[Any, ...]) -> npt.NDArray[np.float32]:
        day, *rest = key
        picked = range(len(self.groups))[day]
        with h5py.File(self.path, "r") as f:
            snaps = f["snapshots"]
            if isinstance(picked, int):
                return np.asarray(snaps[self.groups[picked]][self.field][tuple(rest)], dtype=np.float32)
            parts = [np.asarray(snaps[self.groups[i]][self.field][tuple(rest)], dtype=np.float32) for i in picked]
        if parts:
            return np.stack(parts)
        # An empty day selection: the shape of the other axes after their indices.
        empty = np.empty(self.shape[1:], dtype=np.float32)[tuple(rest)]
        return np.empty((0, *empty.shape), dtype=np.float32)


def load_snapshots_xr(path: PathType, fields: Sequence[str] | None = None) -> xr.Dataset:
    """The run's snapshots as an ``xarray.Dataset`` over ``day, z, y, x``, read
    lazily (see the module docs).

    One float32 variable per field (``bone_fraction`` and the extra fields every
    snapshot holds, or the ``fields`` asked for), each with its ``units``
    attribute; coordinates ``day`` (days, sorted) with the group name
    ``snapshot`` beside it, and ``z``, ``y``, ``x`` in mm at voxel centres;
    ``ds.attrs`` holds ``voxel_um`` and the file's provenance. Raises ``KeyError``
    when the run wrote no snapshots or a field asked for is missing from one."""
    snaps = list_snapshots(path)
    if snaps.empty:
        raise KeyError(f"{path}: the run wrote no snapshots (run.snapshot_every_days = 0?)")
    groups = [str(n) for n in snaps["name"]]
    with h5py.File(path, "r") as f:
        attrs = _provenance(f, path)
        first = f["snapshots"][groups[0]]
        voxel_um = float(first.attrs["voxel_um"])
        shape = tuple(int(n) for n in first["bone_fraction"].shape)
        if isinstance(fields, str):
            fields = [fields]
        if fields is None:
            common = [str(x) for x in first.attrs.get("fields", [])]
            for g in groups[1:]:
                have = {str(x) for x in f["snapshots"][g].attrs.get("fields", [])}
                common = [c for c in common if c in have]
            fields = ["bone_fraction", *common]
        units: dict[str, str] = {}
        for name in fields:
            for g in groups:
                group = f["snapshots"][g]
                if name not in group:
                    raise KeyError(
                        f"{path}: snapshot {g} has no field {name!r}; it has: {sorted(group.keys())}"
                    )
                if tuple(group[name].shape) != shape:
                    raise ValueError(
                        f"{path}: snapshot {g} field {name!r} has shape {tuple(group[name].shape)}, "
                        f"the others {shape}"
                    )
            units[name] = str(f["snapshots"][groups[0]][name].attrs.get("units", ""))
    if len(shape) != 3:
        raise ValueError(f"{path}: snapshot volumes have shape {shape}, not [nz, ny, nx]")
    nz, ny, nx = shape
    voxel_mm = voxel_um / 1000.0
    coords: dict[str, Any] = {
        "day": ("day", snaps["day"].to_numpy(dtype=np.float64), {"units": "d", "long_name": "simulated day"}),
        "snapshot": ("day", np.array(groups, dtype=object), {"long_name": "HDF5 group under /snapshots"}),
    }
    for axis, n in (("z", nz), ("y", ny), ("x", nx)):
        centres = (np.arange(n, dtype=np.float64) + 0.5) * voxel_mm
        coords[axis] = (axis, centres, {"units": "mm", "long_name": f"{axis} of the voxel centre"})
    data_vars = {
        name: xr.Variable(
            ("day", "z", "y", "x"),
            indexing.LazilyIndexedArray(_SnapshotField(str(path), groups, name, (nz, ny, nx))),
            attrs={"units": units[name]},
        )
        for name in fields
    }
    return xr.Dataset(data_vars, coords=coords, attrs={**attrs, "voxel_um": voxel_um})
