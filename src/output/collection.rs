//! The collection file of a sweep (`trabecula collect`): plain tables of runs, one
//! HDF5 file written in one go.
//!
//! # Layout
//!
//! ```text
//! /                 attrs: software ("trabecula"), software_version, created,
//!                          kind = "sweep_collection", plus the caller's string
//!                          attributes (sweep name, manifest, ...)
//! /<table>          group; attrs: kind = "table", columns (names in order)
//!   <column>        1-D dataset, one value per row: float64, uint64 or
//!                   variable-length UTF-8 strings; attr: units
//! ```
//!
//! Column names may hold dots (`estrogen.level_pg_ml`); they are single HDF5 link
//! names. In h5py: `{c: f["runs"][c][:] for c in f["runs"].attrs["columns"]}` is
//! the table as a dict of arrays (strings come back as `bytes`; `.asstr()[:]`
//! gives `str`). The file is written to a temporary file beside it
//! ([`crate::files::TempFile`]) and renamed into place, so a file at `path` is
//! always whole and no file of the user's is touched on the way.

use std::path::Path;

use hdf5_pure::{AttrValue, FileBuilder};

use super::error::OutputError;
use super::schema as s;
use super::writer::write_whole_file;

/// The values of one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Real numbers (NaN where a value is missing).
    F64(Vec<f64>),
    /// Unsigned integers (ids, seeds).
    U64(Vec<u64>),
    /// Text.
    Text(Vec<String>),
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::F64(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named column with units.
#[derive(Clone, Debug, PartialEq)]
pub struct DataColumn {
    /// Name.
    pub name: String,
    /// Units (`"1"` when dimensionless).
    pub units: String,
    /// Values, one per row.
    pub values: Values,
}

/// A table: columns of equal length.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DataTable {
    /// Columns in order.
    pub columns: Vec<DataColumn>,
}

impl DataTable {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }
}

/// Writes `tables` (name, table) with root string attributes `attrs` to `path`,
/// replacing any file there.
pub fn write_collection(
    path: &Path,
    attrs: &[(&str, String)],
    tables: &[(&str, &DataTable)],
) -> Result<(), OutputError> {
    let mut b = FileBuilder::new();
    let vstr = |v: &str| AttrValue::VarLenString(v.to_string());
    b.set_attr(s::ATTR_SOFTWARE, vstr(s::SOFTWARE));
    b.set_attr(s::ATTR_SOFTWARE_VERSION, vstr(crate::VERSION));
    b.set_attr(s::ATTR_CREATED, vstr(&s::now_iso8601()));
    b.set_attr(s::ATTR_KIND, vstr("sweep_collection"));
    for (k, v) in attrs {
        b.set_attr(k, vstr(v));
    }
    for (name, table) in tables {
        s::check_name(name).map_err(|r| OutputError::rejected(path, name, r))?;
        let rows = table.rows();
        let mut g = b.create_group(name);
        g.set_attr(s::ATTR_KIND, vstr("table"));
        let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        g.set_attr(s::ATTR_COLUMNS, AttrValue::VarLenStringArray(names));
        for (i, c) in table.columns.iter().enumerate() {
            let object = format!("{name}/{}", c.name);
            s::check_name(&c.name).map_err(|r| OutputError::rejected(path, &object, r))?;
            if c.values.len() != rows {
                return Err(OutputError::rejected(
                    path,
                    &object,
                    format!("{} values, the table has {rows} rows", c.values.len()),
                ));
            }
            if table.columns[..i].iter().any(|o| o.name == c.name) {
                return Err(OutputError::rejected(
                    path,
                    &object,
                    "column declared twice",
                ));
            }
            let d = g.create_dataset(&c.name);
            match &c.values {
                Values::F64(v) => d.with_f64_data(v),
                Values::U64(v) => d.with_u64_data(v),
                Values::Text(v) => {
                    let refs: Vec<&str> = v.iter().map(String::as_str).collect();
                    d.with_vlen_strings(&refs)
                }
            };
            d.with_shape(&[rows as u64])
                .set_attr(s::ATTR_UNITS, vstr(&c.units));
        }
        b.add_group(g.finish());
    }
    write_whole_file(path, b)
}
