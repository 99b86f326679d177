//! Claiming an output before any work starts: the write lock of its path
//! ([`WriteLock`]) and the rule that nothing existing is replaced without `--force`.
//!
//! The lock comes first and is held to the end of the command, so two commands
//! started at the same moment on one output cannot both pass the existence check:
//! one holds the lock, the other is refused at once (exit status 2), and a command
//! that starts after the first finished finds its file and is refused unless it
//! was given `--force`.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::InputError;
use crate::files::WriteLock;

/// Takes the write lock of `lock_on`, then checks the files the command will write
/// (`outputs`, `lock_on` among them where it is a file): without `force` any that
/// exists is refused; with `force` one that another process holds open for
/// writing (an HDF5 writer's lock, e.g. an older trabecula) is refused too.
pub(crate) fn claim(lock_on: &Path, outputs: &[PathBuf], force: bool) -> anyhow::Result<WriteLock> {
    let lock = WriteLock::acquire(lock_on)?;
    for path in outputs {
        if path.is_dir() {
            return Err(InputError(format!(
                "{} is a directory; give the path of a file to write",
                path.display()
            ))
            .into());
        }
    }
    let existing: Vec<&PathBuf> = outputs
        .iter()
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
    if existing.is_empty() {
        return Ok(lock);
    }
    if !force {
        let mut names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        let (verb, it) = if names.len() == 1 {
            ("exists", "it")
        } else {
            ("exist", "them")
        };
        let last = names.pop().unwrap_or_default();
        let list = if names.is_empty() {
            last
        } else {
            format!("{} and {last}", names.join(", "))
        };
        return Err(InputError(format!(
            "{list} {verb}; choose another output or pass --force to replace {it}"
        ))
        .into());
    }
    for path in existing {
        if held_by_a_writer(path) {
            return Err(InputError(format!(
                "another process is writing {} (it holds the file's write lock); wait for it to end or stop it first",
                path.display()
            ))
            .into());
        }
    }
    Ok(lock)
}

/// Takes the lock of an output file and its XDMF sidecar ([`claim`]): `run` and
/// `lattice`.
pub(crate) fn claim_h5(output: &Path, force: bool) -> anyhow::Result<WriteLock> {
    let sidecar = crate::output::xdmf::sidecar_path(output);
    claim(output, &[output.to_path_buf(), sidecar], force)
}

/// Whether another process holds an exclusive lock on `path` (a writer). Readers'
/// shared locks do not count: replacing a file under a reader leaves the reader
/// its open copy.
fn held_by_a_writer(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_outputs_need_force_and_a_writer_lock_refuses_even_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run.h5");
        let sidecar = dir.path().join("run.xdmf");
        drop(claim_h5(&out, false).unwrap());
        std::fs::write(&sidecar, "a user's file").unwrap();
        let err = claim_h5(&out, false).unwrap_err().to_string();
        assert!(
            err.contains("run.xdmf exists") && err.contains("--force"),
            "{err}"
        );
        drop(claim_h5(&out, true).unwrap());
        std::fs::write(&out, "x").unwrap();
        let writer = File::options().write(true).open(&out).unwrap();
        writer.lock().unwrap();
        let err = claim_h5(&out, true).unwrap_err().to_string();
        assert!(err.contains("another process is writing"), "{err}");
        writer.unlock().unwrap();
        drop(claim_h5(&out, true).unwrap());
    }

    #[test]
    fn a_directory_is_not_an_output_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = claim_h5(dir.path(), true).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }
}
