//! Errors of micro-CT import.
//!
//! Every variant that comes from a file names the file; header errors also name the
//! 1-based header line and the field, and every error states what was expected, so a
//! message can be acted on without opening a debugger.

use std::path::PathBuf;

/// Anything that can go wrong while reading, segmenting or resampling a micro-CT volume.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The operating system refused to open or read a file.
    // The message includes the OS error, so it is not also the `source`: printing
    // the chain (`{:#}`) would repeat it.
    #[error("{path}: cannot read: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },

    /// The path names a directory where a volume file is expected.
    #[error("{path} is a directory; expected a volume file (.nrrd, .nhdr or raw binary)")]
    IsDirectory {
        /// The directory.
        path: PathBuf,
    },

    /// The file does not start with a supported NRRD magic line.
    #[error("{path}: not a NRRD file: first line is {found:?}, expected NRRD0001 to NRRD0005")]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The first line (or first bytes) found, shortened.
        found: String,
    },

    /// The header ended (end of file or size limit) before the blank line that ends it.
    #[error("{path}: {message}")]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },

    /// A header line is not `key: value`, a comment or `key:=value`.
    #[error("{path}: header line {line}: malformed line {text:?}, expected `field: value`")]
    MalformedLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number in the header.
        line: usize,
        /// The line, shortened.
        text: String,
    },

    /// A header field appears twice.
    #[error("{path}: header line {line}: field `{key}` given a second time")]
    DuplicateField {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the repetition.
        line: usize,
        /// The field.
        key: String,
    },

    /// A field the reader needs is absent.
    #[error("{path}: missing header field `{key}`: {why}")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The field (or alternatives).
        key: String,
        /// Why it is needed.
        why: String,
    },

    /// A field has a value the reader cannot use.
    #[error("{path}: header line {line}: field `{key}` has value {value:?}; expected {expected}")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The field.
        key: String,
        /// The value, shortened.
        value: String,
        /// What would have been accepted.
        expected: String,
    },

    /// The sample type is valid NRRD but not supported here (64-bit integers, `block`).
    #[error("{path}: header line {line}: sample type {value:?} is not supported: {why}")]
    UnsupportedType {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The type as written.
        value: String,
        /// Why, and what to do instead.
        why: String,
    },

    /// The data encoding is not one of the supported ones.
    #[error(
        "{path}: header line {line}: encoding {value:?} is not supported; supported encodings: raw, gzip (gz)"
    )]
    UnsupportedEncoding {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The encoding as written.
        value: String,
    },

    /// A valid NRRD feature this reader does not implement.
    #[error("{path}: header line {line}: field `{key}`: {what} is not supported")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The field.
        key: String,
        /// The unsupported feature.
        what: String,
    },

    /// A voxel spacing is zero, negative, infinite or NaN.
    #[error("{path}: voxel spacing along axis {axis} is {value_um} um; expected a finite positive length")]
    BadSpacing {
        /// The file (or a description of the caller's argument).
        path: PathBuf,
        /// Axis 0 (x), 1 (y) or 2 (z).
        axis: usize,
        /// The offending spacing, micrometres.
        value_um: f64,
    },

    /// The volume is empty or larger than [`MAX_VOXELS`](super::MAX_VOXELS) (or its
    /// byte size does not fit in memory addresses).
    #[error(
        "{path}: volume of {nx} x {ny} x {nz} voxels refused: expected between 1 and {limit} voxels"
    )]
    AbsurdSize {
        /// The file.
        path: PathBuf,
        /// Size along x.
        nx: u64,
        /// Size along y.
        ny: u64,
        /// Size along z.
        nz: u64,
        /// The limit, voxels.
        limit: u64,
    },

    /// A raw file, or the data after a NRRD header, is longer or shorter than the
    /// header or spec implies.
    #[error("{path}: {what}: expected {expected} bytes, found {actual}")]
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// What was measured.
        what: String,
        /// Bytes implied by the shape and sample type (plus any offset).
        expected: u64,
        /// Bytes present.
        actual: u64,
    },

    /// The sample data ends early.
    #[error("{path}: truncated data: expected {expected} bytes, found {found}")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes needed.
        expected: u64,
        /// Bytes available.
        found: u64,
    },

    /// The gzip stream is corrupt or cut short.
    #[error("{path}: corrupt gzip data: {detail}")]
    Gzip {
        /// The file.
        path: PathBuf,
        /// What the decompressor reported.
        detail: String,
    },

    /// The file extension does not identify a format and no raw layout was given.
    #[error(
        "{path}: cannot tell the format from extension {extension:?}: expected .nrrd or .nhdr, or a RawSpec for raw binary data"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The extension found (empty if none).
        extension: String,
    },

    /// A caller-supplied parameter (raw layout, crop box, threshold, voxel size) is invalid.
    #[error("invalid {what}: {message}")]
    InvalidArgument {
        /// Which parameter.
        what: String,
        /// What is wrong and what was expected.
        message: String,
    },

    /// Segmentation could not be carried out (for example Otsu on a constant volume).
    #[error("segmentation: {0}")]
    Segmentation(String),
}

impl ImportError {
    /// An [`ImportError::InvalidArgument`].
    pub(crate) fn invalid(what: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            what: what.into(),
            message: message.into(),
        }
    }
}

/// Shortens text quoted in an error message to at most 80 characters.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}
