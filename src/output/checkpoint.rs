//! The `/checkpoint` group: writing a run's resumable state in the same commit as the
//! rows it has recorded, reading it back, and reopening a file to continue a run.
//!
//! # Layout
//!
//! ```text
//! /checkpoint            group; attrs: day (f64, simulated day), step (u64, steps
//!                        done), format (u32, the state's encoding version),
//!                        software_version, tables (table group paths),
//!                        rows (u64 per table: its rows at the checkpoint),
//!                        snapshots (snapshot names at the checkpoint; absent if none)
//!   state                uint8 [bytes], chunked, deflate: the simulation state,
//!                        opaque to this module (see `crate::sim::checkpoint`)
//! ```
//!
//! The state's chunks are at most 65 535 bytes
//! ([`schema::MAX_CHUNK_EXTENT`](s::MAX_CHUNK_EXTENT)), the largest that libhdf5
//! reads back from this writer. Earlier versions wrote chunks of up to 1 MiB, which
//! h5py refuses to open; this program still reads and resumes such files. Measured
//! on a 9.3 MB state (a 1.2 mm cube at 20 um): stored in 2.01 MB with these chunks
//! and 2.02 MB with 1 MiB chunks (deflate's window is 32 KiB, so larger chunks gain
//! nothing), against 9.27 MB uncompressed and contiguous; writing takes about as
//! long either way (60 to 70 ms in a release build).
//!
//! # Consistency with the tables
//!
//! [`OutputFile::write_checkpoint`] replaces the group in one commit that also
//! flushes every buffered row, so the row counts it records are exactly what the
//! file holds at that commit. Later commits (automatic flushes, snapshots) add rows
//! and snapshots the checkpoint does not know. [`OutputFile::resume`] therefore cuts
//! every table back to its recorded count and deletes later snapshots, in one
//! commit, before the run continues and writes them again: each row and snapshot
//! ends up in the file exactly once, as in an uninterrupted run. A column is cut by
//! rewriting it with its first rows (the library has no shrink); tables are small
//! next to the volumes.
//!
//! Why inside the HDF5 file rather than a sidecar file: the checkpoint and the row
//! counts it records then land atomically together, a kill can never leave a
//! checkpoint that disagrees with the tables, and a result file stays one file to
//! copy. The cost is the state's size in the file while the run is going; the commit
//! that marks the file complete deletes the group.

use std::path::Path;
use std::sync::{Arc, Mutex};

use hdf5_pure::{AttrValue, File, MaxExtent};

use super::decode::{attr, attr_f64, attr_str, attr_u64, guarded, h5_error};
use super::error::OutputError;
use super::reader::OutputReader;
use super::schema as s;
use super::session::{lock, open_session, Session};
use super::timeseries::{Table, TableBuffer, TableKind};
use super::writer::{OutputFile, WriteOptions};
use super::xdmf::Sidecar;

/// Dataset holding the encoded state.
const STATE: &str = "state";
/// Attribute names of the group.
const ATTR_STEP: &str = "step";
const ATTR_FORMAT: &str = "format";
const ATTR_TABLES: &str = "tables";
const ATTR_ROWS: &str = "rows";
const ATTR_SNAPSHOTS: &str = "snapshots";
/// Deflate level of the state: the fastest; the arrays compress little more at 9.
const STATE_DEFLATE: u32 = 1;

/// What a checkpoint records besides its state.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointInfo {
    /// Simulated day of the checkpoint (negative during spin-up).
    pub day: f64,
    /// Steps done at the checkpoint.
    pub step: u64,
    /// Version of the state's encoding.
    pub format: u32,
    /// Version of the software that wrote it.
    pub software_version: String,
    /// Table group paths and their rows at the checkpoint.
    pub rows: Vec<(String, u64)>,
    /// Snapshot names at the checkpoint.
    pub snapshots: Vec<String>,
    /// Bytes of the encoded state.
    pub state_bytes: u64,
}

impl OutputFile {
    /// Replaces `/checkpoint` with `state` (written at `day` after `step` steps in
    /// encoding `format`) and commits it together with every buffered row.
    pub fn write_checkpoint(
        &mut self,
        state: &[u8],
        day: f64,
        step: u64,
        format: u32,
        software_version: &str,
    ) -> Result<(), OutputError> {
        let mut session = lock(&self.shared, &self.path)?;
        let tables: Vec<String> = session.tables.iter().map(|t| t.group.clone()).collect();
        let rows: Vec<u64> = session
            .tables
            .iter()
            .map(|t| t.flushed + t.pending_rows() as u64)
            .collect();
        let snapshots = session.snapshots.clone();
        session.commit(s::CHECKPOINT, |file| {
            if file.group(s::CHECKPOINT).is_ok() {
                file.root().delete(s::CHECKPOINT)?;
            }
            file.root().create_group_with(s::CHECKPOINT, |g| {
                g.set_attr(s::ATTR_DAY, AttrValue::F64(day));
                g.set_attr(ATTR_STEP, AttrValue::U64(step));
                g.set_attr(ATTR_FORMAT, AttrValue::U32(format));
                g.set_attr(
                    s::ATTR_SOFTWARE_VERSION,
                    AttrValue::VarLenString(software_version.to_string()),
                );
                g.set_attr(ATTR_TABLES, AttrValue::VarLenStringArray(tables));
                g.set_attr(ATTR_ROWS, AttrValue::U64Array(rows));
                if !snapshots.is_empty() {
                    g.set_attr(ATTR_SNAPSHOTS, AttrValue::VarLenStringArray(snapshots));
                }
                g.create_dataset(STATE, |b| {
                    b.with_u8_data(state)
                        .with_shape(&[state.len() as u64])
                        .with_chunks(&[state_chunk_bytes(state.len())])
                        .with_deflate(STATE_DEFLATE);
                });
            })?;
            Ok(())
        })
    }

    /// Records that the run finished, like [`OutputFile::mark_complete`], and deletes
    /// `/checkpoint` in the same commit (a finished run is not resumed).
    pub fn mark_complete_dropping_checkpoint(&mut self) -> Result<(), OutputError> {
        lock(&self.shared, &self.path)?.commit("/", |file| {
            if file.group(s::CHECKPOINT).is_ok() {
                file.root().delete(s::CHECKPOINT)?;
            }
            file.root()
                .set_attr(s::ATTR_COMPLETE, AttrValue::U32(s::COMPLETE))
        })
    }

    /// Reopens the file at `path` to continue the run of its checkpoint: cuts every
    /// table back to its rows at the checkpoint and deletes later snapshots (one
    /// commit), and rebuilds the XDMF sidecar. Returns the file and the checkpoint's
    /// record; the state is read with [`OutputReader::checkpoint_state`].
    pub fn resume(
        path: impl AsRef<Path>,
        options: WriteOptions,
    ) -> Result<(Self, CheckpointInfo), OutputError> {
        let path = path.as_ref().to_path_buf();
        let reader = OutputReader::open(&path)?;
        let info = reader
            .checkpoint_info()?
            .ok_or_else(|| OutputError::missing(&path, s::CHECKPOINT))?;
        let lattice = reader.read_lattice()?;
        let snapshots = reader.list_snapshots()?;
        let mut tables = Vec::new();
        for (group, rows) in &info.rows {
            let data = guarded(&path, || reader.table_at(group))?;
            if (data.rows() as u64) < *rows {
                return Err(OutputError::invalid(
                    &path,
                    group,
                    format!(
                        "holds {} rows, fewer than the {rows} of the checkpoint",
                        data.rows()
                    ),
                ));
            }
            tables.push((group.clone(), *rows, data));
        }
        drop(reader);

        let file = open_session(&path, options.sync)?;
        let mut session = Session::new(path.clone(), file, options);
        let chunk = session.table_chunk_rows();
        let extra: Vec<&str> = snapshots
            .iter()
            .map(|sn| sn.name.as_str())
            .filter(|n| !info.snapshots.iter().any(|k| k == n))
            .collect();
        session.commit(s::CHECKPOINT, |file| {
            for (group, rows, data) in &tables {
                if data.rows() as u64 == *rows {
                    continue;
                }
                let g = file.group(group)?;
                for c in &data.columns {
                    g.delete(&c.name)?;
                    g.create_dataset(&c.name, |b| {
                        b.with_f64_data(&c.values[..*rows as usize])
                            .with_shape(&[*rows])
                            .with_maxshape(&[MaxExtent::Unlimited])
                            .with_chunks(&[chunk])
                            .set_attr(s::ATTR_UNITS, AttrValue::VarLenString(c.units.clone()));
                    })?;
                }
            }
            let snap = file.group(s::SNAPSHOTS)?;
            for name in &extra {
                snap.delete(name)?;
            }
            Ok(())
        })?;
        for (group, rows, data) in &tables {
            let kind = if group == s::TIMESERIES {
                TableKind::TimeSeries
            } else {
                TableKind::Events
            };
            let columns: Vec<(&str, &str)> = data
                .columns
                .iter()
                .map(|c| (c.name.as_str(), c.units.as_str()))
                .collect();
            let buffer = TableBuffer::new(&path, kind, group, &columns)?.with_flushed(*rows);
            session.tables.push(buffer);
        }
        session.has_lattice = true;
        session.has_timeseries = tables.iter().any(|(g, _, _)| g == s::TIMESERIES);
        session.snapshots = info.snapshots.clone();
        let mut sidecar = Sidecar::new(&path);
        sidecar.set_lattice(&lattice);
        for sn in snapshots
            .iter()
            .filter(|sn| info.snapshots.contains(&sn.name))
        {
            let fields: Vec<&str> = sn.fields.iter().map(String::as_str).collect();
            sidecar.add_snapshot(&sn.name, sn.day as u32, &lattice, &fields);
        }
        let out = Self {
            shared: Arc::new(Mutex::new(session)),
            path,
            sidecar,
        };
        Ok((out, info))
    }

    /// A handle on the declared table at group path `group` (`timeseries` or
    /// `events/<name>`), e.g. after [`OutputFile::resume`].
    pub fn table(&self, group: &str) -> Result<Table, OutputError> {
        let session = lock(&self.shared, &self.path)?;
        let index = session
            .tables
            .iter()
            .position(|t| t.group == group)
            .ok_or_else(|| OutputError::missing(&self.path, group))?;
        drop(session);
        Ok(Table::new(self.shared.clone(), self.path.clone(), index))
    }
}

/// Bytes per chunk of a state of `len` bytes: the whole state up to
/// [`MAX_CHUNK_EXTENT`](s::MAX_CHUNK_EXTENT) bytes, chunks of that size beyond.
pub(super) fn state_chunk_bytes(len: usize) -> u64 {
    s::chunk_extent(len as u64)
}

impl OutputReader {
    /// What `/checkpoint` records, or `None` when the file has none.
    pub fn checkpoint_info(&self) -> Result<Option<CheckpointInfo>, OutputError> {
        if !self.has_checkpoint()? {
            return Ok(None);
        }
        let path = self.path();
        guarded(path, || {
            let file: &File = self.file();
            let o = s::CHECKPOINT;
            let group = file.group(o).map_err(|e| h5_error(path, o, e))?;
            let attrs = group.attrs().map_err(|e| h5_error(path, o, e))?;
            let tables = attr(path, o, &attrs, ATTR_TABLES)?
                .as_strings()
                .map(<[String]>::to_vec)
                .ok_or_else(|| OutputError::invalid(path, o, "tables is not a string list"))?;
            let rows = attr(path, o, &attrs, ATTR_ROWS)?
                .to_u64s()
                .filter(|r| r.len() == tables.len())
                .ok_or_else(|| OutputError::invalid(path, o, "rows do not match the tables"))?;
            let snapshots = match attrs.get(ATTR_SNAPSHOTS) {
                None => Vec::new(),
                Some(v) => v.as_strings().map(<[String]>::to_vec).ok_or_else(|| {
                    OutputError::invalid(path, o, "snapshots is not a string list")
                })?,
            };
            let format = attr_u64(path, o, &attrs, ATTR_FORMAT)?;
            let object = format!("{o}/{STATE}");
            let shape = file
                .dataset(&object)
                .and_then(|d| d.shape())
                .map_err(|e| h5_error(path, &object, e))?;
            Ok(Some(CheckpointInfo {
                day: attr_f64(path, o, &attrs, s::ATTR_DAY)?,
                step: attr_u64(path, o, &attrs, ATTR_STEP)?,
                format: u32::try_from(format)
                    .map_err(|_| OutputError::invalid(path, o, "format is out of range"))?,
                software_version: attr_str(path, o, &attrs, s::ATTR_SOFTWARE_VERSION)?,
                rows: tables.into_iter().zip(rows).collect(),
                snapshots,
                state_bytes: shape.first().copied().unwrap_or(0),
            }))
        })
    }

    /// The encoded state of `/checkpoint`.
    pub fn checkpoint_state(&self) -> Result<Vec<u8>, OutputError> {
        let path = self.path();
        let object = format!("{}/{STATE}", s::CHECKPOINT);
        guarded(path, || {
            self.file()
                .dataset(&object)
                .and_then(|d| d.read_u8())
                .map_err(|e| h5_error(path, &object, e))
        })
    }
}
