//! Reading an output file back: provenance, the initial lattice and its metrics,
//! snapshots (as [`Lattice`] or as single fields), the time series and the event
//! tables.
//!
//! [`OutputReader::open`] checks that the file is HDF5, was written by trabecula
//! (root `software`) and has a `format_version` this build reads, then serves
//! every read from the one open file. The free functions ([`read_meta`],
//! [`list_snapshots`], [`read_snapshot_lattice`], [`read_timeseries`], ...) open
//! the file for a single read.
//!
//! The file is read on demand (metadata and the chunks a read touches), never
//! whole, so opening a large output file to read one snapshot is cheap. The reader
//! takes no lock, so it can look at a file a run is still writing, but only on a
//! best-effort basis: the writer reuses space its commits free, so a read racing a
//! commit can fail (metadata is checksummed) and, in principle, pick up newer bytes
//! in a data chunk (chunks are not). Retry on error and re-read when exact values
//! matter. A file whose writer has finished or was killed is read exactly.
//!
//! Corrupt, truncated and foreign files give an [`OutputError`], never a panic: a
//! panic inside the HDF5 library is caught and reported as [`OutputError::Hdf5`].

use std::path::{Path, PathBuf};

use hdf5_pure::{File, Group};

use super::decode::{attr_f64, attr_str, group, guarded, h5_error, read_meta_from};
use super::error::OutputError;
use super::schema as s;
use crate::grid::Dims;
use crate::lattice::Lattice;

/// Provenance and configuration of an output file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputMeta {
    /// Layout version ([`FORMAT_VERSION`](super::FORMAT_VERSION)).
    pub format_version: u32,
    /// Software name (`trabecula`).
    pub software: String,
    /// Version of the software that wrote the file.
    pub software_version: String,
    /// Source revision of that software.
    pub git_revision: String,
    /// Creation time, ISO 8601 UTC.
    pub created: String,
    /// Command line that produced the file.
    pub command: String,
    /// The run configuration as TOML text.
    pub config_toml: String,
    /// Random seed of the run.
    pub seed: u64,
    /// Worker thread count of the run.
    pub threads: u32,
}

/// One morphometry metric of the initial lattice.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Name.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Units.
    pub units: String,
}

/// What a snapshot holds, without its data.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotInfo {
    /// Name of the snapshot group (`day_NNNNN`).
    pub name: String,
    /// Simulated day.
    pub day: f64,
    /// Names of the extra fields besides `bone_fraction`.
    pub fields: Vec<String>,
}

/// One per-voxel field of a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Dataset name.
    pub name: String,
    /// Units.
    pub units: String,
    /// Shape.
    pub dims: Dims,
    /// Values, x fastest.
    pub values: Vec<f32>,
}

/// One column of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Units.
    pub units: String,
    /// One value per row.
    pub values: Vec<f64>,
}

/// A table read back: its columns in declaration order, all the same length.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TableData {
    /// Columns in declaration order; empty if the table was never declared.
    pub columns: Vec<Column>,
}

impl TableData {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// An output file open for reading.
pub struct OutputReader {
    path: PathBuf,
    file: File,
    meta: OutputMeta,
}

impl std::fmt::Debug for OutputReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputReader")
            .field("path", &self.path)
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

impl OutputReader {
    /// Opens `path` and checks it is a trabecula output file of a supported
    /// version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OutputError> {
        let path = path.as_ref().to_path_buf();
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(OutputError::NoFile { path })
            }
            Ok(m) if m.is_dir() => return Err(OutputError::Directory { path }),
            _ => {}
        }
        guarded(&path, || {
            let is_hdf5 =
                hdf5_pure::is_hdf5(&path).map_err(|e| OutputError::io(&path, "open", e))?;
            if !is_hdf5 {
                return Err(OutputError::NotHdf5 { path: path.clone() });
            }
            let damaged = |e: OutputError| match e {
                OutputError::Hdf5 { path, message, .. } => OutputError::Damaged { path, message },
                e => e,
            };
            let file = File::open_streaming(&path)
                .map_err(|e| damaged(OutputError::hdf5(&path, "/", e)))?;
            // libhdf5 refuses a file shorter than its superblock's end-of-file
            // address; so does this reader, rather than read what the cut left.
            let stored_eof = file.superblock().eof_address;
            let length = std::fs::metadata(&path)
                .map_err(|e| OutputError::io(&path, "open", e))?
                .len();
            if length < stored_eof {
                return Err(OutputError::Damaged {
                    path: path.clone(),
                    message: format!(
                        "it ends after {length} bytes, but its superblock says {stored_eof}"
                    ),
                });
            }
            let meta = read_meta_from(&path, &file).map_err(damaged)?;
            Ok(Self {
                path: path.clone(),
                file,
                meta,
            })
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Provenance and configuration.
    pub fn meta(&self) -> &OutputMeta {
        &self.meta
    }

    /// The open file, for the module's other readers.
    pub(super) fn file(&self) -> &File {
        &self.file
    }

    /// The initial lattice (`/lattice`).
    pub fn read_lattice(&self) -> Result<Lattice, OutputError> {
        guarded(&self.path, || self.volume_lattice(s::LATTICE))
    }

    /// The morphometry metrics of the initial lattice, sorted by name.
    pub fn read_metrics(&self) -> Result<Vec<Metric>, OutputError> {
        guarded(&self.path, || {
            let object = format!("{}/{}", s::LATTICE, s::METRICS);
            let group = self.group(&object)?;
            let mut names = group.datasets().map_err(|e| self.h5(&object, e))?;
            names.sort();
            names
                .into_iter()
                .map(|name| {
                    let obj = format!("{object}/{name}");
                    let ds = group.dataset(&name).map_err(|e| self.h5(&obj, e))?;
                    let values = ds.read_f64().map_err(|e| self.h5(&obj, e))?;
                    let &[value] = values.as_slice() else {
                        return Err(self.invalid(&obj, "metric is not a single value"));
                    };
                    let attrs = ds.attrs().map_err(|e| self.h5(&obj, e))?;
                    let units = attr_str(&self.path, &obj, &attrs, s::ATTR_UNITS)?;
                    Ok(Metric { name, value, units })
                })
                .collect()
        })
    }

    /// The snapshots, sorted by day.
    pub fn list_snapshots(&self) -> Result<Vec<SnapshotInfo>, OutputError> {
        guarded(&self.path, || {
            let group = self.group(s::SNAPSHOTS)?;
            let names = group.groups().map_err(|e| self.h5(s::SNAPSHOTS, e))?;
            let mut out = names
                .into_iter()
                .map(|name| self.snapshot_info(name))
                .collect::<Result<Vec<_>, _>>()?;
            out.sort_by(|a, b| a.day.total_cmp(&b.day).then_with(|| a.name.cmp(&b.name)));
            Ok(out)
        })
    }

    /// The bone fraction of snapshot `name` (`day_NNNNN`, with or without a
    /// leading `snapshots/`) as a lattice.
    pub fn read_snapshot_lattice(&self, name: &str) -> Result<Lattice, OutputError> {
        guarded(&self.path, || {
            self.volume_lattice(&s::snapshot_path(snapshot_basename(name)))
        })
    }

    /// One extra field of snapshot `name`.
    pub fn read_snapshot_field(&self, name: &str, field: &str) -> Result<Field, OutputError> {
        guarded(&self.path, || {
            let object = format!("{}/{field}", s::snapshot_path(snapshot_basename(name)));
            let (dims, values, units) = self.volume(&object)?;
            Ok(Field {
                name: field.to_string(),
                units,
                dims,
                values,
            })
        })
    }

    /// The time series table (empty if none was declared).
    pub fn read_timeseries(&self) -> Result<TableData, OutputError> {
        guarded(&self.path, || self.table(s::TIMESERIES))
    }

    /// Names of the event tables, sorted.
    pub fn list_event_tables(&self) -> Result<Vec<String>, OutputError> {
        guarded(&self.path, || {
            let mut names = self
                .group(s::EVENTS)?
                .groups()
                .map_err(|e| self.h5(s::EVENTS, e))?;
            names.sort();
            Ok(names)
        })
    }

    /// The event table `name`.
    pub fn read_events(&self, name: &str) -> Result<TableData, OutputError> {
        guarded(&self.path, || self.table(&s::event_table_path(name)))
    }

    /// Shape of the dataset at `object` (a path inside the file such as
    /// `lattice/bone_fraction`) in HDF5/numpy order, slowest axis first.
    pub fn dataset_shape(&self, object: &str) -> Result<Vec<u64>, OutputError> {
        guarded(&self.path, || {
            self.file
                .dataset(object)
                .and_then(|d| d.shape())
                .map_err(|e| self.h5(object, e))
        })
    }

    fn h5(&self, object: &str, e: hdf5_pure::Error) -> OutputError {
        h5_error(&self.path, object, e)
    }

    fn invalid(&self, object: &str, reason: impl Into<String>) -> OutputError {
        OutputError::invalid(&self.path, object, reason)
    }

    fn group(&self, object: &str) -> Result<Group, OutputError> {
        group(&self.path, &self.file, object)
    }

    fn snapshot_info(&self, name: String) -> Result<SnapshotInfo, OutputError> {
        let object = s::snapshot_path(&name);
        let group = self.group(&object)?;
        let attrs = group.attrs().map_err(|e| self.h5(&object, e))?;
        let day = attr_f64(&self.path, &object, &attrs, s::ATTR_DAY)?;
        let fields = match attrs.get(s::ATTR_FIELDS) {
            None => Vec::new(),
            Some(v) => v
                .as_strings()
                .map(<[String]>::to_vec)
                .ok_or_else(|| self.invalid(&object, "attribute fields is not a string list"))?,
        };
        Ok(SnapshotInfo { name, day, fields })
    }

    fn volume_lattice(&self, group: &str) -> Result<Lattice, OutputError> {
        let attrs = self.group(group)?.attrs().map_err(|e| self.h5(group, e))?;
        let voxel_um = attr_f64(&self.path, group, &attrs, s::ATTR_VOXEL_UM)?;
        let object = format!("{group}/{}", s::BONE_FRACTION);
        let (dims, bone_fraction, _) = self.volume(&object)?;
        if let Some(d) = attrs.get(s::ATTR_DIMS) {
            if d.to_u64s() != Some(vec![dims.nx as u64, dims.ny as u64, dims.nz as u64]) {
                return Err(self.invalid(
                    group,
                    format!("attribute dims {d:?} does not match the dataset shape {dims}"),
                ));
            }
        }
        Ok(Lattice {
            dims,
            voxel_um,
            bone_fraction,
        })
    }

    /// A `[nz, ny, nx]` float32 dataset: its dims, values (x fastest) and units.
    fn volume(&self, object: &str) -> Result<(Dims, Vec<f32>, String), OutputError> {
        let ds = self.file.dataset(object).map_err(|e| self.h5(object, e))?;
        let shape = ds.shape().map_err(|e| self.h5(object, e))?;
        let &[nz, ny, nx] = shape.as_slice() else {
            return Err(self.invalid(object, format!("shape {shape:?} is not 3-D")));
        };
        let dims = Dims::new(nx as usize, ny as usize, nz as usize);
        let values = ds.read_f32().map_err(|e| self.h5(object, e))?;
        if values.len() != dims.len() {
            return Err(self.invalid(
                object,
                format!("{} values for shape {shape:?}", values.len()),
            ));
        }
        let attrs = ds.attrs().map_err(|e| self.h5(object, e))?;
        let units = attr_str(&self.path, object, &attrs, s::ATTR_UNITS)?;
        Ok((dims, values, units))
    }

    /// The table at group path `object` (`timeseries` or `events/<name>`).
    pub(super) fn table_at(&self, object: &str) -> Result<TableData, OutputError> {
        self.table(object)
    }

    fn table(&self, object: &str) -> Result<TableData, OutputError> {
        let group = self.group(object)?;
        let attrs = group.attrs().map_err(|e| self.h5(object, e))?;
        let Some(names) = attrs.get(s::ATTR_COLUMNS) else {
            return Ok(TableData::default());
        };
        let names = names
            .as_strings()
            .ok_or_else(|| self.invalid(object, "attribute columns is not a string list"))?;
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let obj = format!("{object}/{name}");
            let ds = group.dataset(name).map_err(|e| self.h5(&obj, e))?;
            let values = ds.read_f64().map_err(|e| self.h5(&obj, e))?;
            let attrs = ds.attrs().map_err(|e| self.h5(&obj, e))?;
            let units = attr_str(&self.path, &obj, &attrs, s::ATTR_UNITS)?;
            if let Some(first) = columns.first().map(|c: &Column| c.values.len()) {
                if values.len() != first {
                    return Err(self.invalid(
                        &obj,
                        format!("{} rows, column {} has {first}", values.len(), names[0]),
                    ));
                }
            }
            columns.push(Column {
                name: name.clone(),
                units,
                values,
            });
        }
        Ok(TableData { columns })
    }
}

/// Provenance and configuration of the output file at `path`.
pub fn read_meta(path: impl AsRef<Path>) -> Result<OutputMeta, OutputError> {
    Ok(OutputReader::open(path)?.meta)
}

/// The snapshots of the output file at `path`, sorted by day.
pub fn list_snapshots(path: impl AsRef<Path>) -> Result<Vec<SnapshotInfo>, OutputError> {
    OutputReader::open(path)?.list_snapshots()
}

/// Snapshot `name` of the output file at `path` as a lattice.
pub fn read_snapshot_lattice(path: impl AsRef<Path>, name: &str) -> Result<Lattice, OutputError> {
    OutputReader::open(path)?.read_snapshot_lattice(name)
}

/// The initial lattice of the output file at `path`.
pub fn read_lattice(path: impl AsRef<Path>) -> Result<Lattice, OutputError> {
    OutputReader::open(path)?.read_lattice()
}

/// The time series of the output file at `path`.
pub fn read_timeseries(path: impl AsRef<Path>) -> Result<TableData, OutputError> {
    OutputReader::open(path)?.read_timeseries()
}

/// Event table `name` of the output file at `path`.
pub fn read_events(path: impl AsRef<Path>, name: &str) -> Result<TableData, OutputError> {
    OutputReader::open(path)?.read_events(name)
}

fn snapshot_basename(name: &str) -> &str {
    let name = name.trim_start_matches('/');
    name.strip_prefix(s::SNAPSHOTS)
        .and_then(|n| n.strip_prefix('/'))
        .unwrap_or(name)
}
