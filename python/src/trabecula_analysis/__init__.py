"""Analysis of trabecula output in Python: load a run or a sweep into pandas,
numpy or xarray, and plot it.

Install it with ``pip install ./python`` from the repository root (the version is
the simulator's, :data:`__version__`) and ``import trabecula_analysis as ta``:

- :func:`load_timeseries` - a run's time series as a DataFrame, units in
  ``df.attrs["units"]``; :func:`load_events`, :func:`list_snapshots`,
  :func:`load_snapshot`, :func:`load_lattice`, :func:`load_config`.
- :func:`load_timeseries_xr` - the time series as an ``xarray.Dataset`` over
  ``day``, every variable with its ``units`` attribute, the run's seed, software
  version and configuration (``config_toml``) in ``attrs``.
- :func:`load_snapshots_xr` - the snapshots as an ``xarray.Dataset`` over ``day,
  z, y, x`` (coordinates in days and millimetres, voxel centres), one variable
  per field, read lazily: only what is selected is read from the file.
- :func:`load_collection` - the tables written by ``trabecula collect``.
- :func:`plot_timeseries`, :func:`slice_montage`, :func:`dose_response` - plots.
- :func:`find_binary`, :func:`find_checkout`, :func:`run_simulation` - call the
  trabecula binary.

The HDF5 layout is documented in the Rust module ``src/output/mod.rs`` (run files)
and ``src/output/collection.rs`` (collections).
"""

from importlib.metadata import PackageNotFoundError, version

from .io import (
    PathType,
    Volume,
    list_snapshots,
    load_collection,
    load_config,
    load_events,
    load_lattice,
    load_snapshot,
    load_timeseries,
)
from .labelled import load_snapshots_xr, load_timeseries_xr
from .plots import PERFORATION_KINDS, dose_response, plot_timeseries, slice_montage
from .runner import find_binary, find_checkout, run_simulation

try:
    #: The installed distribution's version: the simulator's (Cargo.toml).
    __version__: str = version("trabecula-analysis")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "unknown"

__all__ = [
    "PERFORATION_KINDS",
    "PathType",
    "Volume",
    "__version__",
    "dose_response",
    "find_binary",
    "find_checkout",
    "list_snapshots",
    "load_collection",
    "load_config",
    "load_events",
    "load_lattice",
    "load_snapshot",
    "load_snapshots_xr",
    "load_timeseries",
    "load_timeseries_xr",
    "plot_timeseries",
    "run_simulation",
    "slice_montage",
]
