"""Analysis of trabecula output in Python: load a run or a sweep into pandas and
numpy, and plot it.

Put ``scripts/`` on ``sys.path`` and ``import trabecula_analysis as ta``:

- :func:`load_timeseries` - a run's time series as a DataFrame, units in
  ``df.attrs["units"]``; :func:`load_events`, :func:`list_snapshots`,
  :func:`load_snapshot`, :func:`load_lattice`, :func:`load_config`.
- :func:`load_collection` - the tables written by ``trabecula collect``.
- :func:`plot_timeseries`, :func:`slice_montage`, :func:`dose_response` - plots.
- :func:`find_binary`, :func:`run_simulation` - call the trabecula binary.

The HDF5 layout is documented in the Rust module ``src/output/mod.rs`` (run files)
and ``src/output/collection.rs`` (collections).
"""

from .io import (
    list_snapshots,
    load_collection,
    load_config,
    load_events,
    load_lattice,
    load_snapshot,
    load_timeseries,
)
from .plots import dose_response, plot_timeseries, slice_montage
from .runner import find_binary, run_simulation

__all__ = [
    "dose_response",
    "find_binary",
    "list_snapshots",
    "load_collection",
    "load_config",
    "load_events",
    "load_lattice",
    "load_snapshot",
    "load_timeseries",
    "plot_timeseries",
    "run_simulation",
    "slice_montage",
]
