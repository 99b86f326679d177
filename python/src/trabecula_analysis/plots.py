"""Plots of runs and sweeps: readouts over time, slices before and after with
the perforation events, and a sweep's dose-response. Each function draws with
matplotlib and returns what it drew on; nothing is shown or saved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .io import PathType, list_snapshots, load_events, load_lattice, load_snapshot

#: Names of the kinds of ``/events/perforations`` (src/sim/record.rs), by code.
PERFORATION_KINDS: dict[int, str] = {
    1: "perforation",
    2: "disconnection",
    3: "perforation + disconnection",
    4: "fragment vanished",
    5: "cavity opened",
}


def _label(name: str, units: Mapping[str, str]) -> str:
    u = units.get(name, "")
    return f"{name} ({u})" if u and u != "1" else name


def plot_timeseries(
    df: pd.DataFrame,
    columns: Sequence[str] = ("bv_tv", "tb_th_mm", "conn_d_per_mm3", "osteoclasts"),
    targets: Mapping[str, Sequence[tuple[float, float]] | pd.DataFrame] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Readouts against simulated day, one panel per column, labelled with units.

    ``targets`` maps a column to points to compare with, as ``(day, value)`` pairs
    or a DataFrame with columns ``day`` and ``value`` (e.g. measured data); they
    are drawn as markers. Rows where a column is NaN (structural columns off the
    ``run.structure_every_days`` cadence) are left out of its line, so sparse
    measurements still join up."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"no column {missing} in the time series; columns: {list(df.columns)}")
    units = df.attrs.get("units", {})
    if fig is None:
        fig = plt.figure(figsize=(6, 2.2 * len(columns)))
    axes = fig.subplots(len(columns), 1, sharex=True, squeeze=False)[:, 0]
    for ax, col in zip(axes, columns):
        measured = df[col].notna()
        ax.plot(df["day"][measured], df[col][measured], "-", label="simulated")
        pts = (targets or {}).get(col)
        if pts is not None:
            pts = pts if isinstance(pts, pd.DataFrame) else pd.DataFrame(pts, columns=["day", "value"])
            ax.plot(pts["day"], pts["value"], "o", color="C3", label="target")
            ax.legend(loc="best", fontsize="small")
        ax.set_ylabel(_label(col, units))
    axes[-1].set_xlabel(_label("day", units) if "day" in units else "day")
    fig.tight_layout()
    return fig


def _pick_slices(events: pd.DataFrame, axis_col: str, n_axis: int, n: int) -> list[int]:
    """The ``n`` slice indices with most events (evenly spaced when there are none)."""
    counts = events[axis_col].round().astype(int).value_counts() if len(events) else pd.Series(dtype=int)
    picked = [int(i) for i in counts.index[:n]]
    for i in np.linspace(0, n_axis - 1, n + 2)[1:-1].round().astype(int):
        if len(picked) >= n:
            break
        if int(i) not in picked:
            picked.append(int(i))
    return sorted(picked[:n])


def slice_montage(
    path: PathType,
    n_slices: int = 3,
    axis: str = "z",
    before: float | None = None,
    after: float | None = None,
    window_voxels: float = 2.0,
    fig: Figure | None = None,
) -> Figure:
    """Slices of the bone before (top row) and after (bottom row), with the
    perforation events within ``window_voxels`` of each slice marked.

    ``before``/``after`` are simulated days (nearest snapshot); by default the first
    and last snapshot (the initial lattice when the run wrote no snapshot before).
    Slices are taken across ``axis`` at the positions with most events."""
    if axis not in ("x", "y", "z"):
        raise ValueError(f"axis must be x, y or z, not {axis!r}")
    snaps = list_snapshots(path)
    if snaps.empty:
        raise ValueError(f"{path}: no snapshots; set run.snapshot_every_days")
    day_a = float(snaps["day"].iloc[0]) if before is None else before
    day_b = float(snaps["day"].iloc[-1]) if after is None else after
    if before is None and day_a > 0:
        # No snapshot at the start: the initial lattice (day 0 of the record).
        vol_a, day_a = load_lattice(path), 0.0
    else:
        vol_a = load_snapshot(path, day_a)
    vol_b = load_snapshot(path, day_b)
    ev = load_events(path, "perforations")
    ev = ev[(ev["day"] >= day_a) & (ev["day"] <= day_b)]
    dim = {"z": 0, "y": 1, "x": 2}[axis]
    rows_cols = {"z": ("y", "x"), "y": ("z", "x"), "x": ("z", "y")}[axis]
    slices = _pick_slices(ev, axis, vol_a.shape[dim], n_slices)
    if fig is None:
        fig = plt.figure(figsize=(3 * len(slices), 6.4))
    grid = fig.subplots(2, len(slices), squeeze=False)
    for j, k in enumerate(slices):
        near = ev[(ev[axis] - k).abs() <= window_voxels]
        for i, (vol, day) in enumerate(((vol_a, day_a), (vol_b, day_b))):
            ax = grid[i, j]
            ax.imshow(np.take(vol, k, axis=dim), cmap="bone", vmin=0, vmax=1, origin="lower")
            for kind_value, group in near.groupby("kind"):
                kind = int(cast(float, kind_value))
                ax.plot(
                    group[rows_cols[1]],
                    group[rows_cols[0]],
                    "x" if i else "o",
                    mfc="none",
                    color=f"C{kind % 10}",
                    label=PERFORATION_KINDS.get(kind, f"kind {kind}"),
                )
            ax.set_title(f"day {day:g}, {axis} = {k}", fontsize="small")
            ax.set_xlabel(f"{rows_cols[1]} (voxel)")
            ax.set_ylabel(f"{rows_cols[0]} (voxel)")
    handles: list[Artist] = []
    labels: list[str] = []
    for ax in grid.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize="small")
    fig.suptitle(f"{len(ev)} topology events; marked within {window_voxels:g} voxels of a slice")
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return fig


def dose_response(
    runs: pd.DataFrame,
    param: str,
    readout: str = "bv_tv",
    ax: Axes | None = None,
) -> tuple[Axes, pd.DataFrame]:
    """A readout's final value against a parameter: replicate mean +- SD per
    parameter value, over the runs with status ``ok``. ``readout`` is a time-series
    column (``bv_tv``) or a ``final_`` column. Returns the axes and the summary
    (columns ``param``, ``mean``, ``sd``, ``n``)."""
    col = readout if readout.startswith("final_") else f"final_{readout}"
    for c in (param, col):
        if c not in runs.columns:
            raise KeyError(f"no column {c!r} in the runs table; columns: {list(runs.columns)}")
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    summary = (
        ok.groupby(param)[col]
        .agg(mean="mean", sd="std", n="count")
        .reset_index()
        .rename(columns={param: "param"})
    )
    if ax is None:
        ax = plt.figure(figsize=(5, 3.5)).add_subplot()
    ax.errorbar(summary["param"], summary["mean"], yerr=summary["sd"].fillna(0), fmt="o-", capsize=4)
    ax.plot(ok[param], ok[col], ".", color="0.6", zorder=0, label="replicates")
    units = runs.attrs.get("units", {})
    ax.set_xlabel(param)
    ax.set_ylabel(_label(col, units))
    ax.set_title("mean \u00b1 SD over replicates", fontsize="small")
    return ax, summary
