//! Errors of the output module.
//!
//! Every error names the file and, where there is one, the object inside it (a
//! group or dataset path such as `timeseries/day`). Errors from the HDF5 library
//! are carried as text so that no HDF5 type appears in this module's public API.

use std::path::{Path, PathBuf};

/// An error writing or reading an output file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The operating system refused an operation on the file.
    ///
    /// The system's message is part of this error's text and not a separate
    /// `source`, so an error chain printed in full does not repeat it.
    #[error("{}: {action}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The underlying error.
        error: std::io::Error,
    },
    /// There is no file at the path.
    #[error("{}: no such file", path.display())]
    NoFile {
        /// The path.
        path: PathBuf,
    },
    /// The path names a directory where a file was expected.
    #[error("{}: is a directory, not a file", path.display())]
    Directory {
        /// The path.
        path: PathBuf,
    },
    /// The file starts as HDF5 but cannot be read as one: truncated (a copy that
    /// did not finish) or damaged.
    #[error("{}: not a readable HDF5 file (truncated or damaged): {message}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the library found.
        message: String,
    },
    /// The HDF5 library reported an error on an object.
    #[error("{}: {object}: {message}", path.display())]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// Group or dataset path inside the file (`/` for the file as a whole).
        object: String,
        /// The library's message.
        message: String,
    },
    /// The file is not an HDF5 file.
    #[error("{}: not an HDF5 file", path.display())]
    NotHdf5 {
        /// The file.
        path: PathBuf,
    },
    /// The file is HDF5 but was not written by this software.
    #[error("{}: not a trabecula output file: {reason}", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What is missing or different.
        reason: String,
    },
    /// The file was written in a layout version this build does not read.
    #[error(
        "{}: output format version {found} is not supported (this build reads version {supported})",
        path.display()
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Version recorded in the file.
        found: u64,
        /// Version this build reads.
        supported: u32,
    },
    /// An object the layout requires is absent.
    #[error("{}: {object}: not found", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// Group, dataset or attribute path inside the file.
        object: String,
    },
    /// An object exists but its content is not what the layout prescribes.
    #[error("{}: {object}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Group, dataset or attribute path inside the file.
        object: String,
        /// What is wrong.
        reason: String,
    },
    /// A write was rejected before anything reached the file (bad name, wrong
    /// length, duplicate object, ...).
    #[error("{}: {object}: {reason}", path.display())]
    Rejected {
        /// The file.
        path: PathBuf,
        /// Group or dataset path the write was aimed at.
        object: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The output file was closed, or a previous failure left it unusable.
    #[error("{}: output file is closed: {reason}", path.display())]
    Closed {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Another process holds the file open for writing.
    #[error("{}: another process is writing this file (a run or a resume still going); wait for it to end or stop it first", path.display())]
    Busy {
        /// The file.
        path: PathBuf,
    },
}

impl OutputError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. }
            | Self::NoFile { path }
            | Self::Directory { path }
            | Self::Damaged { path, .. }
            | Self::Hdf5 { path, .. }
            | Self::NotHdf5 { path }
            | Self::Foreign { path, .. }
            | Self::UnsupportedVersion { path, .. }
            | Self::Missing { path, .. }
            | Self::Invalid { path, .. }
            | Self::Rejected { path, .. }
            | Self::Closed { path, .. }
            | Self::Busy { path } => path,
        }
    }

    /// The object inside the file the error is about, if any.
    pub fn object(&self) -> Option<&str> {
        match self {
            Self::Hdf5 { object, .. }
            | Self::Missing { object, .. }
            | Self::Invalid { object, .. }
            | Self::Rejected { object, .. } => Some(object),
            _ => None,
        }
    }

    /// Whether the error is the user's input at fault (a path that is missing, a
    /// directory, not a trabecula file, damaged, of another version, or being
    /// written by another process), as opposed to a failure while writing or of
    /// the system.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::NoFile { .. }
                | Self::Directory { .. }
                | Self::Damaged { .. }
                | Self::NotHdf5 { .. }
                | Self::Foreign { .. }
                | Self::UnsupportedVersion { .. }
                | Self::Busy { .. }
        )
    }

    pub(crate) fn io(path: &Path, action: &'static str, error: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            action,
            error,
        }
    }

    pub(crate) fn hdf5(path: &Path, object: &str, err: impl std::fmt::Display) -> Self {
        Self::Hdf5 {
            path: path.to_path_buf(),
            object: display_object(object),
            message: err.to_string(),
        }
    }

    pub(crate) fn missing(path: &Path, object: &str) -> Self {
        Self::Missing {
            path: path.to_path_buf(),
            object: display_object(object),
        }
    }

    pub(crate) fn invalid(path: &Path, object: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_path_buf(),
            object: display_object(object),
            reason: reason.into(),
        }
    }

    pub(crate) fn rejected(path: &Path, object: &str, reason: impl Into<String>) -> Self {
        Self::Rejected {
            path: path.to_path_buf(),
            object: display_object(object),
            reason: reason.into(),
        }
    }
}

/// Object paths are shown absolute, as h5py shows them.
fn display_object(object: &str) -> String {
    if object.starts_with('/') {
        object.to_string()
    } else {
        format!("/{object}")
    }
}
