//! Writing an output file: creation, the write session, flushing and failure
//! recovery.
//!
//! # How writes reach the file
//!
//! [`OutputFile::create`] builds the skeleton (root attributes, `/config`, the empty
//! `/timeseries`, `/events` and `/snapshots` groups) in a temporary file beside it
//! ([`crate::files::TempFile`], a name no user file can have), syncs it and renames
//! it over `path`, so a file at `path` is always a complete
//! HDF5 file. It then keeps the file open for editing (holding an exclusive advisory
//! lock) until [`OutputFile::close`] or drop.
//!
//! Every later change is one *commit*: the new objects and the grown datasets are
//! written to free space or past the end of the file, and the superblock is
//! repointed last. A commit is all-or-nothing: a process killed at any instant
//! (including `SIGKILL`) leaves the file as of the last completed commit, which h5py
//! and [`super::OutputReader`] open. A commit carries, together:
//!
//! - whatever the call stages (the initial lattice, a snapshot, a table declaration),
//! - every row appended to every table since the last commit.
//!
//! So all columns of a table always have the same length on disk, and a snapshot
//! never lands without the rows that preceded it.
//!
//! Rows are buffered in memory by [`super::Table::append_row`] and reach the file at
//! the next commit: an explicit [`OutputFile::flush`] / [`super::Table::flush`], a
//! snapshot or lattice write, [`OutputFile::close`], or the automatic flush of
//! [`WriteOptions::flush_rows`] / [`WriteOptions::flush_interval`]. Rows not yet
//! flushed are lost if the process is killed.
//!
//! If a commit fails, the session is reopened at the last committed state, the
//! file keeps everything committed before, and the unflushed rows stay buffered for
//! the next attempt. If the file cannot be reopened, the [`OutputFile`] reports
//! [`OutputError::Closed`] from then on, and the file on disk still holds
//! everything up to the last successful commit.
//!
//! # Flush cost and the default policy
//!
//! Measured with the `output_flush_cost` test (`cargo test --test output
//! output_flush_cost -- --ignored --nocapture`) on a shared two-core VM, ext4 on a
//! virtual disk, debug build with optimised dependencies; milliseconds per commit
//! of one row:
//!
//! | table width | [`SyncMode::EveryCommit`] | [`SyncMode::OnClose`] |
//! |-------------|---------------------------|-----------------------|
//! | 3 columns   | 11 (2 on an idle disk)    | 0.6                   |
//! | 20 columns  | 11                        | 3.4                   |
//!
//! The `fsync` dominates and does not depend on how much was written; without it
//! the cost is CPU time, about 0.15 ms per column. Neither grows with the number
//! of rows already in the file (four successive blocks of 250 commits cost the
//! same), and space a commit frees is reused by the next, so the file grows with
//! the data only (1000 rows of 20 columns: 390 kB). A 64 x 48 x 32 snapshot
//! commit costs about 12 ms with `fsync` and 5 ms without.
//!
//! The default is [`SyncMode::EveryCommit`] (a commit survives power loss, not only
//! a crash of the process), an automatic flush once 32 rows are pending in a table
//! or 10 s have passed since the last commit, and one commit per snapshot. A run
//! appending one row per simulated day thus loses at most its last 32 rows (or 10 s
//! of rows) when killed, and pays about 0.3 ms per row on average. A caller that
//! wants every row on disk at once calls [`super::Table::flush`] after appending.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdf5_pure::{AttrValue, FileBuilder};

use super::error::OutputError;
use super::schema as s;
#[cfg(test)]
use super::session::InjectedFailure;
use super::session::{lock, open_session, Session};
use super::snapshot;
use super::timeseries::{Table, TableBuffer, TableKind};
use super::xdmf::Sidecar;
use crate::files::TempFile;
use crate::lattice::Lattice;

/// Provenance and configuration recorded in the root attributes and `/config`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileMeta {
    /// Version of the software writing the file (root `software_version`).
    pub software_version: String,
    /// Source revision the binary was built from (root `git_revision`).
    pub git_revision: String,
    /// The command line that produced the file (root `command`).
    pub command: String,
    /// The validated configuration as TOML text (`/config` attribute `toml`).
    pub config_toml: String,
    /// Random seed of the run (`/config` attribute `seed`).
    pub seed: u64,
    /// Worker thread count of the run (`/config` attribute `threads`).
    pub threads: u32,
}

/// When a commit is forced to durable storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncMode {
    /// `fsync` at every commit: a flushed row survives power loss.
    #[default]
    EveryCommit,
    /// Only at close: a flushed row survives a crash or kill of the process (the
    /// data is in the operating system's cache) but not power loss. Cheaper.
    OnClose,
}

/// Tuning of an [`OutputFile`]. [`WriteOptions::default`] is the documented policy.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteOptions {
    /// When commits are synced to disk.
    pub sync: SyncMode,
    /// Flush automatically once a table holds this many unflushed rows (0: never
    /// automatically).
    pub flush_rows: usize,
    /// Flush automatically on an append when this long has passed since the last
    /// commit (`None`: never).
    pub flush_interval: Option<Duration>,
    /// Rows per chunk of the table columns.
    pub table_chunk_rows: u64,
    /// Deflate level (1-9) of the 3-D datasets, `None` to store them uncompressed.
    pub deflate_level: Option<u32>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            sync: SyncMode::EveryCommit,
            flush_rows: 32,
            flush_interval: Some(Duration::from_secs(10)),
            table_chunk_rows: 512,
            deflate_level: Some(4),
        }
    }
}

/// An output file open for writing. See the [module documentation](self) for how
/// and when data reaches the file.
///
/// Dropping it flushes buffered rows and closes the file, ignoring errors; call
/// [`close`](Self::close) to see them.
pub struct OutputFile {
    pub(super) shared: Arc<Mutex<Session>>,
    pub(super) path: PathBuf,
    /// The XDMF description beside the file, rewritten with each volume.
    pub(super) sidecar: Sidecar,
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl OutputFile {
    /// Creates the file at `path` (replacing any file there) with the root
    /// attributes and `/config` from `meta`, using [`WriteOptions::default`].
    pub fn create(path: impl AsRef<Path>, meta: &FileMeta) -> Result<Self, OutputError> {
        Self::create_with_options(path, meta, WriteOptions::default())
    }

    /// Creates the file at `path` (replacing any file there) with explicit options.
    pub fn create_with_options(
        path: impl AsRef<Path>,
        meta: &FileMeta,
        options: WriteOptions,
    ) -> Result<Self, OutputError> {
        let path = path.as_ref().to_path_buf();
        if options.table_chunk_rows == 0 {
            return Err(OutputError::rejected(
                &path,
                "/",
                "table_chunk_rows must be at least 1",
            ));
        }
        if matches!(options.deflate_level, Some(l) if !(1..=9).contains(&l)) {
            return Err(OutputError::rejected(
                &path,
                "/",
                "deflate_level must be between 1 and 9",
            ));
        }
        write_skeleton(&path, meta)?;
        let file = open_session(&path, options.sync)?;
        let session = Session::new(path.clone(), file, options);
        Ok(Self {
            shared: Arc::new(Mutex::new(session)),
            sidecar: Sidecar::new(&path),
            path,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the initial lattice to `/lattice` with its morphometry `metrics`
    /// (`(name, value, units)`, one scalar dataset each under `/lattice/metrics`),
    /// commits, and rewrites the [XDMF sidecar](super::xdmf). Allowed once per
    /// file.
    pub fn write_lattice(
        &mut self,
        lattice: &Lattice,
        metrics: &[(&str, f64, &str)],
    ) -> Result<(), OutputError> {
        let mut session = lock(&self.shared, &self.path)?;
        if session.has_lattice {
            return Err(OutputError::rejected(
                &self.path,
                s::LATTICE,
                "the initial lattice was already written",
            ));
        }
        snapshot::check_lattice(&self.path, s::LATTICE, lattice)?;
        snapshot::check_metrics(&self.path, metrics)?;
        let deflate = session.options.deflate_level;
        let committed = session.commit(s::LATTICE, |file| {
            snapshot::stage_lattice(file, lattice, metrics, deflate)
        });
        if committed.is_ok() {
            session.has_lattice = true;
        }
        // A commit reported as failed may still have landed (see `Session::recover`).
        let landed = session.has_lattice;
        drop(session);
        if landed {
            self.sidecar.set_lattice(lattice);
        }
        committed
    }

    /// Declares the time series table `/timeseries` with its columns as
    /// `(name, units)`, and commits. The first column must be `day` in units `d`.
    /// Allowed once per file.
    pub fn timeseries(&mut self, columns: &[(&str, &str)]) -> Result<Table, OutputError> {
        let mut session = lock(&self.shared, &self.path)?;
        if session.has_timeseries {
            return Err(OutputError::rejected(
                &self.path,
                s::TIMESERIES,
                "the time series table was already declared",
            ));
        }
        let index = session.declare(TableKind::TimeSeries, s::TIMESERIES, columns)?;
        session.has_timeseries = true;
        drop(session);
        Ok(Table::new(self.shared.clone(), self.path.clone(), index))
    }

    /// Declares the event table `/events/<name>` with its columns as
    /// `(name, units)`, and commits. The first column must be `day` in units `d`.
    pub fn event_table(
        &mut self,
        name: &str,
        columns: &[(&str, &str)],
    ) -> Result<Table, OutputError> {
        let group = s::event_table_path(name);
        s::check_name(name).map_err(|r| OutputError::rejected(&self.path, &group, r))?;
        let mut session = lock(&self.shared, &self.path)?;
        if session.tables.iter().any(|t| t.group == group) {
            return Err(OutputError::rejected(
                &self.path,
                &group,
                "event table already declared",
            ));
        }
        let index = session.declare(TableKind::Events, &group, columns)?;
        drop(session);
        Ok(Table::new(self.shared.clone(), self.path.clone(), index))
    }

    /// Writes the snapshot `/snapshots/day_NNNNN` of `lattice` at `day`, with extra
    /// per-voxel `fields` as `(name, values, units)` (x fastest, like the lattice),
    /// commits it together with every buffered row, and rewrites the
    /// [XDMF sidecar](super::xdmf). Returns the snapshot's name.
    pub fn write_snapshot(
        &mut self,
        day: u32,
        lattice: &Lattice,
        fields: &[(&str, &[f32], &str)],
    ) -> Result<String, OutputError> {
        let name = s::snapshot_name(day);
        let group = s::snapshot_path(&name);
        let mut session = lock(&self.shared, &self.path)?;
        if session.snapshots.contains(&name) {
            return Err(OutputError::rejected(
                &self.path,
                &group,
                "snapshot already written",
            ));
        }
        snapshot::check_lattice(&self.path, &group, lattice)?;
        snapshot::check_fields(&self.path, &group, lattice, fields)?;
        let deflate = session.options.deflate_level;
        let committed = session.commit(&group, |file| {
            snapshot::stage_snapshot(file, &group, day, lattice, fields, deflate)
        });
        if committed.is_ok() {
            session.snapshots.push(name.clone());
        }
        // A commit reported as failed may still have landed (see `Session::recover`).
        let landed = session.snapshots.contains(&name);
        drop(session);
        if landed {
            let names: Vec<&str> = fields.iter().map(|(n, _, _)| *n).collect();
            self.sidecar.add_snapshot(&name, day, lattice, &names);
        }
        committed.map(|()| name)
    }

    /// Records that the run finished: sets the root attribute `complete = 1` and
    /// commits it with every buffered row. Readers report a file without it as
    /// incomplete ([`OutputReader::is_complete`](super::OutputReader::is_complete)).
    pub fn mark_complete(&mut self) -> Result<(), OutputError> {
        lock(&self.shared, &self.path)?.commit("/", |file| {
            file.root()
                .set_attr(s::ATTR_COMPLETE, AttrValue::U32(s::COMPLETE))
        })
    }

    /// Commits every buffered row of every table (a no-op when none is buffered).
    pub fn flush(&mut self) -> Result<(), OutputError> {
        lock(&self.shared, &self.path)?.flush()
    }

    /// Rows appended to any table and not yet flushed.
    pub fn pending_rows(&self) -> usize {
        lock(&self.shared, &self.path)
            .map(|s| s.tables.iter().map(TableBuffer::pending_rows).sum())
            .unwrap_or(0)
    }

    /// Makes the next commit fail at the given point.
    #[cfg(test)]
    pub(super) fn inject_failure(&self, failure: InjectedFailure) {
        self.shared.lock().unwrap().inject = Some(failure);
    }

    /// Flushes buffered rows and closes the file. Table handles report
    /// [`OutputError::Closed`] afterwards.
    ///
    /// Also reports a failure to write the XDMF sidecar that no later rewrite
    /// repaired: such a failure never fails a write of data (the data is in the
    /// HDF5 file either way), so this is where it surfaces.
    pub fn close(mut self) -> Result<(), OutputError> {
        let closed = lock(&self.shared, &self.path)?.close();
        let sidecar = self.sidecar.take_error();
        closed?;
        sidecar.map_or(Ok(()), Err)
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Ok(mut session) = self.shared.lock() {
            let _ = session.close();
        }
    }
}

fn vstr(s: &str) -> AttrValue {
    AttrValue::VarLenString(s.to_string())
}

/// Writes the skeleton to a temporary file beside `path`, syncs it and renames it
/// over `path`.
fn write_skeleton(path: &Path, meta: &FileMeta) -> Result<(), OutputError> {
    let mut b = FileBuilder::new();
    b.set_attr(s::ATTR_FORMAT_VERSION, AttrValue::U32(s::FORMAT_VERSION));
    b.set_attr(s::ATTR_SOFTWARE, vstr(s::SOFTWARE));
    b.set_attr(s::ATTR_SOFTWARE_VERSION, vstr(&meta.software_version));
    b.set_attr(s::ATTR_GIT_REVISION, vstr(&meta.git_revision));
    b.set_attr(s::ATTR_CREATED, vstr(&s::now_iso8601()));
    b.set_attr(s::ATTR_COMMAND, vstr(&meta.command));
    let mut config = b.create_group(s::CONFIG);
    config.set_attr(s::ATTR_TOML, vstr(&meta.config_toml));
    config.set_attr(s::ATTR_SEED, AttrValue::U64(meta.seed));
    config.set_attr(s::ATTR_THREADS, AttrValue::U32(meta.threads));
    b.add_group(config.finish());
    let mut ts = b.create_group(s::TIMESERIES);
    ts.set_attr(s::ATTR_KIND, vstr(TableKind::TimeSeries.as_str()));
    b.add_group(ts.finish());
    for name in [s::EVENTS, s::SNAPSHOTS] {
        let g = b.create_group(name);
        b.add_group(g.finish());
    }

    write_whole_file(path, b)
}

/// Writes the file `b` builds to a temporary file beside `path`
/// ([`TempFile`]), syncs it and renames it over `path`: a file at `path` is always
/// whole, and no file of the user's is touched on the way.
pub(super) fn write_whole_file(path: &Path, b: FileBuilder) -> Result<(), OutputError> {
    let mut tmp =
        TempFile::beside(path).map_err(|e| OutputError::io(path, "create a temporary file", e))?;
    let tmp_path = tmp.path().to_path_buf();
    b.finish_to(tmp.file())
        .map_err(|e| OutputError::hdf5(&tmp_path, "/", e))?;
    tmp.persist(true)
        .map_err(|e| OutputError::io(path, "move the new file into place", e))?;
    Ok(())
}
