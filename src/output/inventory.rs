//! What an output file holds, read from its metadata without loading the volumes:
//! every dataset with its shape and type, the initial lattice's shape and voxel
//! size, the tables' columns and row counts, whether the run finished and whether
//! a checkpoint is stored. `trabecula info` is built on this.
//!
//! These are further methods of [`OutputReader`]; like its other reads they give
//! an [`OutputError`] on a malformed file, never a panic.

use hdf5_pure::{DType, Group};

use super::decode::{attr_f64, attr_str, guarded, h5_error};
use super::error::OutputError;
use super::reader::OutputReader;
use super::schema as s;
use crate::grid::Dims;

/// Groups nested deeper than this are reported as an error rather than walked: a
/// damaged file can link a group to one of its ancestors.
const MAX_DEPTH: usize = 32;

/// One dataset of the file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DatasetInfo {
    /// Path inside the file without the leading `/`, e.g. `lattice/bone_fraction`.
    pub path: String,
    /// Shape, slowest axis first (numpy order); empty for a scalar.
    pub shape: Vec<u64>,
    /// Element type in numpy's words: `float32`, `float64`, `uint8`, ...;
    /// `string`, `compound`, `enum`, `array`, `reference` or `other` for the rest.
    pub dtype: String,
}

/// Shape and voxel size of a stored volume.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VolumeInfo {
    /// Extents in voxels (from the dataset's shape).
    pub dims: Dims,
    /// Voxel edge length, micrometres.
    pub voxel_um: f64,
}

/// A table column's name and units.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ColumnInfo {
    /// Name.
    pub name: String,
    /// Units.
    pub units: String,
}

/// A table's columns and length, without its values.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TableInfo {
    /// Columns in declaration order; empty if the table was never declared.
    pub columns: Vec<ColumnInfo>,
    /// Rows on disk (every column has this many).
    pub rows: u64,
    /// Value of the `day` column in the last row, if there is a row.
    pub last_day: Option<f64>,
}

impl OutputReader {
    /// Whether the run that wrote the file finished: the root attribute
    /// `complete` is 1 (see [`OutputFile::mark_complete`](super::OutputFile::mark_complete)).
    pub fn is_complete(&self) -> Result<bool, OutputError> {
        guarded(self.path(), || {
            let attrs = self
                .file()
                .root()
                .attrs()
                .map_err(|e| h5_error(self.path(), "/", e))?;
            Ok(
                attrs.get(s::ATTR_COMPLETE).and_then(|v| v.as_u64())
                    == Some(u64::from(s::COMPLETE)),
            )
        })
    }

    /// Whether the file has a `/checkpoint` group.
    pub fn has_checkpoint(&self) -> Result<bool, OutputError> {
        guarded(self.path(), || {
            let groups = self
                .file()
                .root()
                .groups()
                .map_err(|e| h5_error(self.path(), "/", e))?;
            Ok(groups.iter().any(|g| g == s::CHECKPOINT))
        })
    }

    /// Shape and voxel size of the initial lattice, or `None` when the file has no
    /// `/lattice` yet. Reads attributes and the dataset's shape, not its values.
    pub fn lattice_info(&self) -> Result<Option<VolumeInfo>, OutputError> {
        guarded(self.path(), || {
            let root = self.file().root();
            let groups = root.groups().map_err(|e| h5_error(self.path(), "/", e))?;
            if !groups.iter().any(|g| g == s::LATTICE) {
                return Ok(None);
            }
            let group = self.group_at(s::LATTICE)?;
            let attrs = group
                .attrs()
                .map_err(|e| h5_error(self.path(), s::LATTICE, e))?;
            let voxel_um = attr_f64(self.path(), s::LATTICE, &attrs, s::ATTR_VOXEL_UM)?;
            let object = format!("{}/{}", s::LATTICE, s::BONE_FRACTION);
            let shape = self.dataset_shape(&object)?;
            let &[nz, ny, nx] = shape.as_slice() else {
                return Err(OutputError::invalid(
                    self.path(),
                    &object,
                    format!("shape {shape:?} is not 3-D"),
                ));
            };
            let dims = Dims::new(nx as usize, ny as usize, nz as usize);
            Ok(Some(VolumeInfo { dims, voxel_um }))
        })
    }

    /// Columns and row count of the time series (empty if none was declared).
    pub fn timeseries_info(&self) -> Result<TableInfo, OutputError> {
        guarded(self.path(), || self.table_info(s::TIMESERIES))
    }

    /// Columns and row count of the event table `name`.
    pub fn event_table_info(&self, name: &str) -> Result<TableInfo, OutputError> {
        guarded(self.path(), || self.table_info(&s::event_table_path(name)))
    }

    /// Every dataset in the file with its shape and type, sorted by path.
    pub fn list_datasets(&self) -> Result<Vec<DatasetInfo>, OutputError> {
        guarded(self.path(), || {
            let mut out = Vec::new();
            self.walk(&self.file().root(), "", 0, &mut out)?;
            out.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(out)
        })
    }

    fn group_at(&self, object: &str) -> Result<Group, OutputError> {
        self.file()
            .group(object)
            .map_err(|e| h5_error(self.path(), object, e))
    }

    fn table_info(&self, object: &str) -> Result<TableInfo, OutputError> {
        let group = self.group_at(object)?;
        let attrs = group
            .attrs()
            .map_err(|e| h5_error(self.path(), object, e))?;
        let Some(names) = attrs.get(s::ATTR_COLUMNS) else {
            return Ok(TableInfo::default());
        };
        let names = names.as_strings().ok_or_else(|| {
            OutputError::invalid(
                self.path(),
                object,
                "attribute columns is not a string list",
            )
        })?;
        let mut info = TableInfo::default();
        for (i, name) in names.iter().enumerate() {
            let obj = format!("{object}/{name}");
            let ds = group
                .dataset(name)
                .map_err(|e| h5_error(self.path(), &obj, e))?;
            let shape = ds.shape().map_err(|e| h5_error(self.path(), &obj, e))?;
            let &[rows] = shape.as_slice() else {
                return Err(OutputError::invalid(
                    self.path(),
                    &obj,
                    format!("shape {shape:?} is not 1-D"),
                ));
            };
            if i == 0 {
                info.rows = rows;
            } else if rows != info.rows {
                return Err(OutputError::invalid(
                    self.path(),
                    &obj,
                    format!("{rows} rows, column {} has {}", names[0], info.rows),
                ));
            }
            if name == s::DAY_COLUMN && rows > 0 {
                let days = ds.read_f64().map_err(|e| h5_error(self.path(), &obj, e))?;
                info.last_day = days.last().copied();
            }
            let attrs = ds.attrs().map_err(|e| h5_error(self.path(), &obj, e))?;
            let units = attr_str(self.path(), &obj, &attrs, s::ATTR_UNITS)?;
            info.columns.push(ColumnInfo {
                name: name.clone(),
                units,
            });
        }
        Ok(info)
    }

    fn walk(
        &self,
        group: &Group,
        prefix: &str,
        depth: usize,
        out: &mut Vec<DatasetInfo>,
    ) -> Result<(), OutputError> {
        let here = if prefix.is_empty() { "/" } else { prefix };
        if depth > MAX_DEPTH {
            return Err(OutputError::invalid(
                self.path(),
                here,
                format!("groups nested more than {MAX_DEPTH} deep"),
            ));
        }
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            }
        };
        let datasets = group
            .iter_datasets()
            .map_err(|e| h5_error(self.path(), here, e))?;
        for (name, ds) in datasets {
            let path = join(&name);
            let shape = ds.shape().map_err(|e| h5_error(self.path(), &path, e))?;
            let dtype = ds.dtype().map_err(|e| h5_error(self.path(), &path, e))?;
            out.push(DatasetInfo {
                path,
                shape,
                dtype: dtype_name(&dtype).to_string(),
            });
        }
        let groups = group
            .iter_groups()
            .map_err(|e| h5_error(self.path(), here, e))?;
        for (name, child) in groups {
            self.walk(&child, &join(&name), depth + 1, out)?;
        }
        Ok(())
    }
}

/// numpy's name for an element type.
fn dtype_name(dtype: &DType) -> &'static str {
    match dtype {
        DType::F32 => "float32",
        DType::F64 => "float64",
        DType::I8 => "int8",
        DType::I16 => "int16",
        DType::I32 => "int32",
        DType::I64 => "int64",
        DType::U8 => "uint8",
        DType::U16 => "uint16",
        DType::U32 => "uint32",
        DType::U64 => "uint64",
        DType::String | DType::VariableLengthString => "string",
        DType::Compound(_) => "compound",
        DType::Enum(_) => "enum",
        DType::Array(..) => "array",
        DType::ObjectReference => "reference",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use hdf5_pure::File;

    use super::*;
    use crate::lattice::Lattice;
    use crate::output::{FileMeta, OutputFile};

    fn small_file(dir: &std::path::Path, complete: bool) -> std::path::PathBuf {
        let path = dir.join("f.h5");
        let dims = Dims::new(3, 2, 2);
        let lattice = Lattice {
            dims,
            voxel_um: 10.0,
            bone_fraction: vec![0.0; dims.len()],
        };
        let mut out = OutputFile::create(&path, &FileMeta::default()).unwrap();
        out.write_lattice(&lattice, &[]).unwrap();
        let mut ts = out.timeseries(&[("day", "d"), ("n", "count")]).unwrap();
        ts.append_row(&[3.0, 1.0]).unwrap();
        ts.append_row(&[4.5, 1.0]).unwrap();
        if complete {
            out.mark_complete().unwrap();
        }
        out.close().unwrap();
        path
    }

    #[test]
    fn complete_checkpoint_lattice_and_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = small_file(dir.path(), true);
        let r = OutputReader::open(&path).unwrap();
        assert!(r.is_complete().unwrap());
        assert!(!r.has_checkpoint().unwrap());
        let v = r.lattice_info().unwrap().unwrap();
        assert_eq!((v.dims, v.voxel_um), (Dims::new(3, 2, 2), 10.0));
        let ts = r.timeseries_info().unwrap();
        assert_eq!((ts.rows, ts.last_day, ts.columns.len()), (2, Some(4.5), 2));
        assert_eq!(ts.columns[1].units, "count");
        drop(r);

        // A `/checkpoint` group, as a resumable run will write one.
        let file = File::open_rw(&path).unwrap();
        file.root().create_group(s::CHECKPOINT).unwrap();
        file.commit().unwrap();
        file.close().unwrap();
        let r = OutputReader::open(&path).unwrap();
        assert!(r.has_checkpoint().unwrap());

        let unfinished = tempfile::tempdir().unwrap();
        let r = OutputReader::open(small_file(unfinished.path(), false)).unwrap();
        assert!(!r.is_complete().unwrap());
    }

    #[test]
    fn every_dataset_with_shape_and_type() {
        let dir = tempfile::tempdir().unwrap();
        let r = OutputReader::open(small_file(dir.path(), false)).unwrap();
        let listed: Vec<(String, Vec<u64>, String)> = r
            .list_datasets()
            .unwrap()
            .into_iter()
            .map(|d| (d.path, d.shape, d.dtype))
            .collect();
        let want = [
            ("lattice/bone_fraction", vec![2, 2, 3], "float32"),
            ("timeseries/day", vec![2], "float64"),
            ("timeseries/n", vec![2], "float64"),
        ];
        let want: Vec<(String, Vec<u64>, String)> = want
            .into_iter()
            .map(|(p, s, t)| (p.to_string(), s, t.to_string()))
            .collect();
        assert_eq!(listed, want);
    }
}
