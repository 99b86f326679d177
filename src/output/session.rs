//! The write session behind an [`OutputFile`](super::OutputFile) and its table
//! handles: the open file, the row buffers, and the commit that applies staged
//! objects and buffered rows together.
//!
//! A failed commit is recovered by dropping the session, which discards whatever
//! was staged, and reopening the file, which is then exactly as the last successful
//! commit left it; the row buffers are then reconciled with the column lengths found
//! in the file, so a retry neither loses nor repeats a row.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use hdf5_pure::{File, FileAccessProperties, SyncPolicy};

use super::error::OutputError;
use super::schema as s;
use super::timeseries::{TableBuffer, TableKind};
use super::writer::{SyncMode, WriteOptions};

/// The state shared by an [`OutputFile`](super::OutputFile) and its table handles.
pub(super) struct Session {
    pub(super) path: PathBuf,
    /// The open file; `None` once closed or after an unrecoverable failure.
    file: Option<File>,
    closed_reason: Option<String>,
    pub(super) options: WriteOptions,
    pub(super) tables: Vec<TableBuffer>,
    pub(super) has_lattice: bool,
    pub(super) has_timeseries: bool,
    pub(super) snapshots: Vec<String>,
    last_commit: Instant,
    /// A failure to simulate at the next commit.
    #[cfg(test)]
    pub(super) inject: Option<InjectedFailure>,
}

/// Where a test makes the next commit fail.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(super) enum InjectedFailure {
    /// After staging, before the commit: nothing reaches the file.
    BeforeCommit,
    /// After a successful commit: the data is in the file but the caller sees
    /// an error.
    AfterCommit,
}

impl Session {
    /// A session on the freshly created `file` at `path`.
    pub(super) fn new(path: PathBuf, file: File, options: WriteOptions) -> Self {
        Self {
            path,
            file: Some(file),
            closed_reason: None,
            options,
            tables: Vec::new(),
            has_lattice: false,
            has_timeseries: false,
            snapshots: Vec::new(),
            last_commit: Instant::now(),
            #[cfg(test)]
            inject: None,
        }
    }

    /// Whether an append should trigger a flush now, given the table it went to.
    pub(super) fn flush_due(&self, table: usize) -> bool {
        let rows = self.options.flush_rows;
        (rows > 0 && self.tables[table].pending_rows() >= rows)
            || self
                .options
                .flush_interval
                .is_some_and(|t| self.last_commit.elapsed() >= t)
    }

    /// Rows per chunk of the table columns: [`WriteOptions::table_chunk_rows`]
    /// within [`MAX_CHUNK_EXTENT`](s::MAX_CHUNK_EXTENT), so that libhdf5 reads them.
    pub(super) fn table_chunk_rows(&self) -> u64 {
        s::chunk_extent(self.options.table_chunk_rows)
    }

    /// Fails when the session can no longer write.
    pub(super) fn ensure_open(&self) -> Result<&File, OutputError> {
        self.file.as_ref().ok_or_else(|| OutputError::Closed {
            path: self.path.clone(),
            reason: self
                .closed_reason
                .clone()
                .unwrap_or_else(|| "closed".to_string()),
        })
    }

    /// Commits buffered rows, if any.
    pub(super) fn flush(&mut self) -> Result<(), OutputError> {
        self.ensure_open()?;
        if self.tables.iter().all(|t| t.pending_rows() == 0) {
            return Ok(());
        }
        self.commit(s::TIMESERIES, |_| Ok(()))
    }

    pub(super) fn declare(
        &mut self,
        kind: TableKind,
        group: &str,
        columns: &[(&str, &str)],
    ) -> Result<usize, OutputError> {
        let buffer = TableBuffer::new(&self.path, kind, group, columns)?;
        let chunk = self.table_chunk_rows();
        self.commit(group, |file| buffer.stage_declaration(file, chunk))?;
        self.tables.push(buffer);
        Ok(self.tables.len() - 1)
    }

    /// One commit: what `stage` stages plus every buffered row, all or nothing.
    /// On failure the session is reopened at the last committed state and the
    /// buffered rows are kept.
    pub(super) fn commit(
        &mut self,
        object: &str,
        stage: impl FnOnce(&File) -> Result<(), hdf5_pure::Error>,
    ) -> Result<(), OutputError> {
        let file = self.ensure_open()?.clone();
        let result = stage(&file)
            .and_then(|()| {
                self.tables
                    .iter()
                    .try_for_each(|t| t.stage_pending_rows(&file))
            })
            .and_then(|()| self.injected(InjectedPoint::Before))
            .and_then(|()| file.commit())
            .and_then(|()| self.injected(InjectedPoint::After));
        drop(file);
        match result {
            Ok(()) => {
                self.tables.iter_mut().for_each(TableBuffer::mark_flushed);
                self.last_commit = Instant::now();
                Ok(())
            }
            Err(e) => {
                let err = OutputError::hdf5(&self.path, object, e);
                self.recover();
                Err(err)
            }
        }
    }

    /// Fails at `point` when a test asked for it.
    #[cfg(test)]
    fn injected(&mut self, point: InjectedPoint) -> Result<(), hdf5_pure::Error> {
        match (self.inject, point) {
            (Some(InjectedFailure::BeforeCommit), InjectedPoint::Before)
            | (Some(InjectedFailure::AfterCommit), InjectedPoint::After) => {
                self.inject = None;
                Err(hdf5_pure::Error::Io(std::io::Error::other(
                    "injected failure",
                )))
            }
            _ => Ok(()),
        }
    }

    #[cfg(not(test))]
    fn injected(&mut self, _point: InjectedPoint) -> Result<(), hdf5_pure::Error> {
        Ok(())
    }

    /// Drops the session (discarding whatever was staged), reopens the file and
    /// reconciles the buffers with what the file holds.
    fn recover(&mut self) {
        self.file = None;
        let reopened = open_session(&self.path, self.options.sync).and_then(|file| {
            for t in &mut self.tables {
                t.reconcile(&self.path, &file)?;
            }
            // A commit reported as failed may still have landed.
            self.has_lattice = file.group(s::LATTICE).is_ok();
            self.snapshots = file
                .group(s::SNAPSHOTS)
                .and_then(|g| g.groups())
                .map_err(|e| OutputError::hdf5(&self.path, s::SNAPSHOTS, e))?;
            Ok(file)
        });
        match reopened {
            Ok(file) => self.file = Some(file),
            Err(e) => self.closed_reason = Some(format!("could not recover after an error: {e}")),
        }
    }

    pub(super) fn close(&mut self) -> Result<(), OutputError> {
        if self.file.is_none() {
            return Ok(());
        }
        let flushed = self.flush();
        let Some(file) = self.file.take() else {
            return flushed;
        };
        self.closed_reason = Some("closed".to_string());
        let closed = file
            .close()
            .map_err(|e| OutputError::hdf5(&self.path, "/", e));
        flushed.and(closed)
    }
}

/// Points in a commit where a test can make it fail.
#[derive(Clone, Copy)]
enum InjectedPoint {
    Before,
    After,
}

/// Locks the shared session, mapping a poisoned lock (a panic while writing) to
/// [`OutputError::Closed`].
pub(super) fn lock<'a>(
    shared: &'a Mutex<Session>,
    path: &Path,
) -> Result<MutexGuard<'a, Session>, OutputError> {
    shared.lock().map_err(|_| OutputError::Closed {
        path: path.to_path_buf(),
        reason: "a previous write panicked".to_string(),
    })
}

pub(super) fn open_session(path: &Path, sync: SyncMode) -> Result<File, OutputError> {
    let policy = match sync {
        SyncMode::EveryCommit => SyncPolicy::Always,
        SyncMode::OnClose => SyncPolicy::OnClose,
    };
    File::open_rw_with_options(path, FileAccessProperties::new().with_sync_policy(policy)).map_err(
        |e| match e {
            hdf5_pure::Error::FileLocked(_) => OutputError::Busy {
                path: path.to_path_buf(),
            },
            e => OutputError::hdf5(path, "/", e),
        },
    )
}
