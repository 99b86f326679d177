//! The HDF5 result file: writing it during a run and reading it back.
//!
//! This is the only module that uses the HDF5 library; nothing of the library
//! appears in its API, so the backend can be replaced without touching callers.
//!
//! # Layout (`format_version` 1)
//!
//! ```text
//! /                      attrs: format_version (u32), software ("trabecula"),
//!                               software_version, git_revision, command,
//!                               created (ISO 8601 UTC, e.g. 2024-05-01T12:34:56Z),
//!                               complete (u32 1, once the run has finished)
//! /config                group; attrs: toml (the validated configuration as TOML
//!                               text), seed (u64), threads (u32)
//! /lattice               group; attrs: voxel_um (f64), dims (u64 [nx, ny, nz])
//!   bone_fraction        float32 [nz, ny, nx]; attrs: units = "1", voxel_um
//!   metrics/<name>       scalar float64, one per morphometry metric; attr: units
//! /timeseries            group; attrs: kind = "timeseries", columns (names in order)
//!   <column>             float64 [rows], chunked, unlimited; attr: units
//!                        (the first column is `day`, units "d")
//! /events/<table>        group; attrs: kind = "events", columns (names in order)
//!   <column>             float64 [rows], chunked, unlimited; attr: units
//!                        (the first column is `day`, units "d")
//! /snapshots/day_NNNNN   group; attrs: day (f64, days), voxel_um, dims,
//!                               fields (names of the extra fields, if any)
//!   bone_fraction        float32 [nz, ny, nx]; attrs: units = "1", voxel_um
//!   <field>              float32 [nz, ny, nx]; attrs: units, voxel_um
//! /checkpoint            group, while a run that can be resumed is going;
//!                        attrs: day, step, format, software_version, tables,
//!                        rows, snapshots
//!   state                uint8 [bytes]: the simulation state (see [`checkpoint`])
//! ```
//!
//! Beside the file `X.h5` the writer keeps `X.xdmf`, an XDMF description of the
//! lattice and the snapshots that ParaView opens directly; see [`xdmf`].
//!
//! All strings (attribute values, column lists) are variable-length UTF-8, which
//! h5py returns as `str`: `f["config"].attrs["toml"]` is the TOML text, ready for
//! `tomllib.loads`. The configuration is a group with attributes rather than a
//! string dataset because that is the shortest path in h5py and keeps seed and
//! threads typed beside the text.
//!
//! Volumes are stored in C order `[nz, ny, nx]`: the lattice's storage order (x
//! fastest) read as a C array of that shape, so voxel `(x, y, z)` is
//! `f["lattice/bone_fraction"][z, y, x]` in numpy. `dims` lists the extents the
//! other way round, `[nx, ny, nz]`, as [`Dims`](crate::grid::Dims) does.
//!
//! Every column of a table has the same length after every commit; event kinds and
//! other integer codes are stored as float64 (exact up to 2^53). Snapshot groups are
//! named from the integer day, zero-padded to five digits (`day_00042`); sort them
//! by their `day` attribute.
//!
//! # Writing
//!
//! [`OutputFile`] creates the file and keeps it open; [`Table`] handles (the time
//! series and event tables) buffer rows; every flush, snapshot and lattice write is
//! one atomic commit. A process killed at any moment leaves a file that h5py opens,
//! holding everything up to the last commit; see [`writer`] for the guarantees, the
//! measured flush cost and the default flush policy ([`WriteOptions`]). A run that
//! finishes calls [`OutputFile::mark_complete`] (a simulation run calls
//! [`OutputFile::mark_complete_dropping_checkpoint`]); a resumable run keeps its
//! state in `/checkpoint` ([`checkpoint`], [`OutputFile::write_checkpoint`],
//! [`OutputFile::resume`]).
//!
//! While a run is writing the file, the writer holds an exclusive advisory lock on
//! it. [`OutputReader`] takes no lock and can peek at a live file (best effort, see
//! [`reader`]); h5py (the HDF5 C library) asks for a shared lock and is refused, so
//! peeking from Python needs `HDF5_USE_FILE_LOCKING=FALSE`, with the same caveat.
//!
//! # Reading
//!
//! [`OutputReader`] and the free functions ([`read_meta`], [`list_snapshots`],
//! [`read_snapshot_lattice`], [`read_lattice`], [`read_timeseries`],
//! [`read_events`]) read everything the writer writes; see [`reader`]. What a file
//! holds without its bulk data (datasets and shapes, table sizes, completeness)
//! comes from the methods in [`inventory`].
//!
//! # Sweep collections
//!
//! `trabecula collect` writes a different, simpler file: plain tables of many
//! runs; see [`collection`].

pub mod checkpoint;
pub mod collection;
mod decode;
pub mod error;
pub mod inventory;
pub mod reader;
pub mod schema;
mod session;
mod snapshot;
pub mod timeseries;
pub mod writer;
pub mod xdmf;

#[cfg(test)]
mod checkpoint_tests;
#[cfg(test)]
mod tests;

pub use checkpoint::CheckpointInfo;
pub use error::OutputError;
pub use inventory::{ColumnInfo, DatasetInfo, TableInfo, VolumeInfo};
pub use reader::{
    list_snapshots, read_events, read_lattice, read_meta, read_snapshot_lattice, read_timeseries,
    Column, Field, Metric, OutputMeta, OutputReader, SnapshotInfo, TableData,
};
pub use schema::FORMAT_VERSION;
pub use timeseries::{EventTable, Table, TimeSeries};
pub use writer::{FileMeta, OutputFile, SyncMode, WriteOptions};
