//! Tables of rows appended during a run: the time series (`/timeseries`) and the
//! event tables (`/events/<table>`).
//!
//! A table is a group holding one 1-D float64 dataset per column (chunked,
//! unlimited), each with a `units` attribute, plus group attributes `kind`
//! (`"timeseries"` or `"events"`) and `columns` (the column names in declaration
//! order). The first column is always `day` (units `d`). Rows are buffered in
//! memory and appended to all columns in the same commit, so on disk every column
//! of a table has the same length at all times.
//!
//! Integer-valued columns (event kinds, coordinates, counts) are stored as float64,
//! which holds every integer up to 2^53 exactly.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hdf5_pure::{AttrValue, File, MaxExtent};

use super::error::OutputError;
use super::schema as s;
use super::session::{lock, Session};

/// What a table records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TableKind {
    /// One row per measurement time (`/timeseries`).
    TimeSeries,
    /// One row per event (`/events/<table>`).
    Events,
}

impl TableKind {
    /// Value of the group's `kind` attribute.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::TimeSeries => "timeseries",
            Self::Events => "events",
        }
    }
}

/// The writer-side state of one table: its columns, how many rows the file holds
/// and the rows not yet flushed (column-major).
pub(super) struct TableBuffer {
    pub(super) group: String,
    columns: Vec<(String, String)>,
    kind: TableKind,
    pub(super) flushed: u64,
    pending: Vec<Vec<f64>>,
}

impl TableBuffer {
    /// Validates a declaration.
    pub(super) fn new(
        path: &Path,
        kind: TableKind,
        group: &str,
        columns: &[(&str, &str)],
    ) -> Result<Self, OutputError> {
        let reject = |reason: String| OutputError::rejected(path, group, reason);
        match columns.first() {
            Some(&(s::DAY_COLUMN, s::DAY_UNITS)) => {}
            _ => {
                return Err(reject(format!(
                    "the first column must be {:?} in units {:?}",
                    s::DAY_COLUMN,
                    s::DAY_UNITS
                )))
            }
        }
        for (i, (name, _)) in columns.iter().enumerate() {
            s::check_name(name).map_err(|r| reject(format!("column {name:?}: {r}")))?;
            if columns[..i].iter().any(|(n, _)| n == name) {
                return Err(reject(format!("column {name:?} declared twice")));
            }
        }
        Ok(Self {
            group: group.to_string(),
            columns: columns
                .iter()
                .map(|&(n, u)| (n.to_string(), u.to_string()))
                .collect(),
            kind,
            flushed: 0,
            pending: vec![Vec::new(); columns.len()],
        })
    }

    /// The table as a file already holding `rows` rows of it.
    pub(super) fn with_flushed(mut self, rows: u64) -> Self {
        self.flushed = rows;
        self
    }

    pub(super) fn pending_rows(&self) -> usize {
        self.pending[0].len()
    }

    fn column_path(&self, column: &str) -> String {
        format!("{}/{column}", self.group)
    }

    /// Stages the table's group attributes and empty column datasets.
    pub(super) fn stage_declaration(
        &self,
        file: &File,
        chunk_rows: u64,
    ) -> Result<(), hdf5_pure::Error> {
        let names: Vec<String> = self.columns.iter().map(|(n, _)| n.clone()).collect();
        let kind = AttrValue::VarLenString(self.kind.as_str().to_string());
        let names = AttrValue::VarLenStringArray(names);
        let group = match self.kind {
            // `/timeseries` exists from creation; only its attributes are new.
            TableKind::TimeSeries => file.group(&self.group)?,
            TableKind::Events => file.root().create_group(&self.group)?,
        };
        group.set_attr(s::ATTR_KIND, kind)?;
        group.set_attr(s::ATTR_COLUMNS, names)?;
        for (name, units) in &self.columns {
            group.create_dataset(name, |b| {
                b.with_f64_data(&[])
                    .with_shape(&[0])
                    .with_maxshape(&[MaxExtent::Unlimited])
                    .with_chunks(&[chunk_rows])
                    .set_attr(s::ATTR_UNITS, AttrValue::VarLenString(units.clone()));
            })?;
        }
        Ok(())
    }

    /// Stages the buffered rows onto every column.
    pub(super) fn stage_pending_rows(&self, file: &File) -> Result<(), hdf5_pure::Error> {
        if self.pending_rows() == 0 {
            return Ok(());
        }
        for ((name, _), values) in self.columns.iter().zip(&self.pending) {
            file.dataset(&self.column_path(name))?.append_staged(|a| {
                a.append_f64(values);
            })?;
        }
        Ok(())
    }

    /// After a successful commit: the buffered rows are in the file.
    pub(super) fn mark_flushed(&mut self) {
        self.flushed += self.pending_rows() as u64;
        self.pending.iter_mut().for_each(Vec::clear);
    }

    /// After a failed commit and a reopen: decides from the file's column lengths
    /// whether the buffered rows landed.
    pub(super) fn reconcile(&mut self, path: &Path, file: &File) -> Result<(), OutputError> {
        let first = self.column_path(s::DAY_COLUMN);
        let len = file
            .dataset(&first)
            .and_then(|d| d.shape())
            .map_err(|e| OutputError::hdf5(path, &first, e))?;
        let len = len.first().copied().unwrap_or(0);
        let pending = self.pending_rows() as u64;
        if len == self.flushed + pending && pending > 0 {
            self.mark_flushed();
        } else if len != self.flushed {
            return Err(OutputError::invalid(
                path,
                &first,
                format!(
                    "holds {len} rows, expected {} or {}",
                    self.flushed,
                    self.flushed + pending
                ),
            ));
        }
        Ok(())
    }
}

/// A handle on a table of the output file, for appending rows. Cheap to hold
/// beside the [`super::OutputFile`]; it shares the file's session.
pub struct Table {
    shared: Arc<Mutex<Session>>,
    path: PathBuf,
    index: usize,
    group: String,
    columns: Vec<String>,
}

/// The handle on `/timeseries`.
pub type TimeSeries = Table;
/// The handle on a table under `/events`.
pub type EventTable = Table;

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("path", &self.path)
            .field("group", &self.group)
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

impl Table {
    pub(super) fn new(shared: Arc<Mutex<Session>>, path: PathBuf, index: usize) -> Self {
        let (group, columns) = {
            let session = shared.lock().unwrap_or_else(|p| p.into_inner());
            let t = &session.tables[index];
            (
                t.group.clone(),
                t.columns.iter().map(|(n, _)| n.clone()).collect(),
            )
        };
        Self {
            shared,
            path,
            index,
            group,
            columns,
        }
    }

    /// Path of the table's group inside the file, e.g. `timeseries` or
    /// `events/perforations`.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// Column names in declaration order (the first is `day`).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Buffers one row, one value per column in declaration order. May flush
    /// (see [`super::WriteOptions`]).
    ///
    /// A row of the wrong length is rejected ([`OutputError::Rejected`]), and a
    /// closed file refuses it ([`OutputError::Closed`]); neither buffers it. Any
    /// other error comes from the automatic flush: the row was buffered and stays
    /// buffered for the next flush.
    pub fn append_row(&mut self, row: &[f64]) -> Result<(), OutputError> {
        let mut session = lock(&self.shared, &self.path)?;
        session.ensure_open()?;
        if row.len() != self.columns.len() {
            return Err(OutputError::rejected(
                &self.path,
                &self.group,
                format!(
                    "row has {} values, the table has {} columns",
                    row.len(),
                    self.columns.len()
                ),
            ));
        }
        let table = &mut session.tables[self.index];
        for (column, &v) in table.pending.iter_mut().zip(row) {
            column.push(v);
        }
        if session.flush_due(self.index) {
            session.flush()?;
        }
        Ok(())
    }

    /// Commits the buffered rows of every table of the file (the same as
    /// [`super::OutputFile::flush`]).
    pub fn flush(&mut self) -> Result<(), OutputError> {
        lock(&self.shared, &self.path)?.flush()
    }

    /// Rows appended so far, flushed or not.
    pub fn rows(&self) -> u64 {
        lock(&self.shared, &self.path)
            .map(|s| {
                let t = &s.tables[self.index];
                t.flushed + t.pending_rows() as u64
            })
            .unwrap_or(0)
    }

    /// Rows the file holds (committed).
    pub fn flushed_rows(&self) -> u64 {
        lock(&self.shared, &self.path)
            .map(|s| s.tables[self.index].flushed)
            .unwrap_or(0)
    }
}
