//! Checked decoding for the reader: attribute access with typed errors, the
//! root/config metadata, library errors mapped to [`OutputError`], and the guard
//! that turns a panic inside the HDF5 library into an error.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use hdf5_pure::{AttrValue, File, Group};

use super::error::OutputError;
use super::reader::OutputMeta;
use super::schema as s;

/// Runs `f`, turning a panic inside it into an error about `path`.
pub(super) fn guarded<T>(
    path: &Path,
    f: impl FnOnce() -> Result<T, OutputError>,
) -> Result<T, OutputError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(OutputError::hdf5(
            path,
            "/",
            format!("the HDF5 library failed on this file: {message}"),
        ))
    })
}

pub(super) fn group(path: &Path, file: &File, object: &str) -> Result<Group, OutputError> {
    file.group(object).map_err(|e| h5_error(path, object, e))
}

/// A library error about `object`, as [`OutputError::Missing`] when the object
/// does not exist.
pub(super) fn h5_error(path: &Path, object: &str, e: hdf5_pure::Error) -> OutputError {
    match e {
        hdf5_pure::Error::Format(hdf5_pure::FormatError::PathNotFound(_)) => {
            OutputError::missing(path, object)
        }
        e => OutputError::hdf5(path, object, e),
    }
}

pub(super) fn read_meta_from(path: &Path, file: &File) -> Result<OutputMeta, OutputError> {
    let root = file
        .root()
        .attrs()
        .map_err(|e| OutputError::hdf5(path, "/", e))?;
    let foreign = |reason: &str| OutputError::Foreign {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    match root.get(s::ATTR_SOFTWARE).and_then(AttrValue::as_str) {
        Some(s::SOFTWARE) => {}
        Some(other) => return Err(foreign(&format!("written by {other:?}"))),
        None => return Err(foreign("no root attribute \"software\"")),
    }
    let version = root
        .get(s::ATTR_FORMAT_VERSION)
        .and_then(AttrValue::as_u64)
        .ok_or_else(|| foreign("no integer root attribute \"format_version\""))?;
    if version != u64::from(s::FORMAT_VERSION) {
        return Err(OutputError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: s::FORMAT_VERSION,
        });
    }
    let config = group(path, file, s::CONFIG)?
        .attrs()
        .map_err(|e| OutputError::hdf5(path, s::CONFIG, e))?;
    let threads = attr_u64(path, s::CONFIG, &config, s::ATTR_THREADS)?;
    Ok(OutputMeta {
        format_version: s::FORMAT_VERSION,
        software: s::SOFTWARE.to_string(),
        software_version: attr_str(path, "/", &root, s::ATTR_SOFTWARE_VERSION)?,
        git_revision: attr_str(path, "/", &root, s::ATTR_GIT_REVISION)?,
        created: attr_str(path, "/", &root, s::ATTR_CREATED)?,
        command: attr_str(path, "/", &root, s::ATTR_COMMAND)?,
        config_toml: attr_str(path, s::CONFIG, &config, s::ATTR_TOML)?,
        seed: attr_u64(path, s::CONFIG, &config, s::ATTR_SEED)?,
        threads: u32::try_from(threads).map_err(|_| {
            OutputError::invalid(
                path,
                s::CONFIG,
                format!("threads = {threads} is out of range"),
            )
        })?,
    })
}

pub(super) type Attrs = HashMap<String, AttrValue>;

pub(super) fn attr<'a>(
    path: &Path,
    object: &str,
    attrs: &'a Attrs,
    name: &str,
) -> Result<&'a AttrValue, OutputError> {
    attrs
        .get(name)
        .ok_or_else(|| OutputError::missing(path, &format!("{object}@{name}")))
}

pub(super) fn attr_str(
    path: &Path,
    object: &str,
    attrs: &Attrs,
    name: &str,
) -> Result<String, OutputError> {
    attr(path, object, attrs, name)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| OutputError::invalid(path, &format!("{object}@{name}"), "not a string"))
}

pub(super) fn attr_f64(
    path: &Path,
    object: &str,
    attrs: &Attrs,
    name: &str,
) -> Result<f64, OutputError> {
    let v = attr(path, object, attrs, name)?;
    v.as_f64()
        .or_else(|| v.as_i64().map(|i| i as f64))
        .ok_or_else(|| OutputError::invalid(path, &format!("{object}@{name}"), "not a number"))
}

pub(super) fn attr_u64(
    path: &Path,
    object: &str,
    attrs: &Attrs,
    name: &str,
) -> Result<u64, OutputError> {
    attr(path, object, attrs, name)?.as_u64().ok_or_else(|| {
        OutputError::invalid(path, &format!("{object}@{name}"), "not an unsigned integer")
    })
}
