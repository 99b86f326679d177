//! One writer per output path: an exclusive advisory lock on a lock file beside it.
//!
//! The lock file of `DIR/NAME` is `DIR/.NAME.lock`; it holds the writer's process id
//! and command line, so a refused writer can say who holds the path. The lock is
//! taken without waiting: a second writer is refused at once with
//! [`LockError::Busy`], never queued behind a run that may take days.
//!
//! # Why a separate file, and why it is safe to delete
//!
//! The output itself cannot carry the lock: it is replaced by a rename when it is
//! created, which would leave a lock on the old inode. The lock file is never
//! renamed. On release the holder deletes it while still holding the lock; a
//! process that opened the old file just before that deletion gets the lock on a
//! file no longer at the path, sees that the path now names another inode (or
//! none), and tries again. A process killed with the lock leaves the file behind:
//! the operating system has already released its lock, so the next writer simply
//! takes it over.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Why a write lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock: it is writing the path now.
    #[error("another process is writing {}{holder}; wait for it to end or stop it first", target.display())]
    Busy {
        /// The output path.
        target: PathBuf,
        /// Who holds it, as recorded in the lock file (` (pid 123: trabecula run ...)`),
        /// or empty when that is unknown.
        holder: String,
    },
    /// The directory the output should go to does not exist.
    #[error("{}: the directory {} does not exist", target.display(), dir.display())]
    NoDirectory {
        /// The output path.
        target: PathBuf,
        /// Its parent directory.
        dir: PathBuf,
    },
    /// The operating system refused to create or lock the lock file.
    #[error("{}: cannot take the write lock {}: {message}", target.display(), lock.display())]
    Io {
        /// The output path.
        target: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The operating system's message.
        message: String,
    },
}

impl LockError {
    /// Whether the error is the user's to fix (a path in the way or missing), as
    /// opposed to a failure of the system.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::Busy { .. } | Self::NoDirectory { .. })
    }
}

/// The exclusive right to write one output path, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    target: PathBuf,
    lock_path: PathBuf,
    /// Holds the `flock`; closing it releases the lock.
    file: Option<File>,
}

impl WriteLock {
    /// Takes the lock of `target` (a file or a directory, existing or not), or fails
    /// at once if another process holds it.
    pub fn acquire(target: impl AsRef<Path>) -> Result<Self, LockError> {
        let target = target.as_ref().to_path_buf();
        let lock_path = lock_path(&target);
        let dir = lock_path.parent().unwrap_or(Path::new("."));
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(LockError::NoDirectory {
                target,
                dir: dir.to_path_buf(),
            });
        }
        let io = |e: std::io::Error| LockError::Io {
            target: target.clone(),
            lock: lock_path.clone(),
            message: e.to_string(),
        };
        // A holder that releases between our open and our lock deletes the file we
        // opened; a few rounds settle that race.
        for _ in 0..100 {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock_path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&lock_path)
                        .ok()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .map_or(String::new(), |s| format!(" ({s})"));
                    return Err(LockError::Busy { target, holder });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            if still_at_path(&file, &lock_path) {
                record_holder(&file);
                return Ok(Self {
                    target,
                    lock_path,
                    file: Some(file),
                });
            }
        }
        Err(io(std::io::Error::other(
            "the lock file kept changing under us",
        )))
    }

    /// The path this lock guards.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Delete while still holding the lock (see the module documentation).
        let _ = std::fs::remove_file(&self.lock_path);
        drop(self.file.take());
    }
}

/// The lock file of `target`: `.NAME.lock` in the same directory. A target with no
/// final name of its own (`.`, `..`) is named through its absolute path.
pub fn lock_path(target: &Path) -> PathBuf {
    let named = |p: &Path| {
        p.file_name()
            .filter(|n| !n.is_empty())
            .map(|n| lock_path_in(p.parent().unwrap_or(Path::new("")), &n.to_string_lossy()))
    };
    named(target).unwrap_or_else(|| {
        let abs = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
        let abs = abs.canonicalize().unwrap_or(abs);
        named(&abs).unwrap_or_else(|| PathBuf::from("/.root.lock"))
    })
}

fn lock_path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.lock"))
}

/// Whether `path` still names the file `file` is open on.
fn still_at_path(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Writes the holder's process id and command line into the lock file (best
/// effort: the lock holds whether or not this lands).
fn record_holder(mut file: &File) {
    let command: Vec<String> = std::env::args().collect();
    let text = format!("pid {}: {}\n", std::process::id(), command.join(" "));
    let _ = file.set_len(0);
    let _ = file.write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_the_same_path_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run.h5");
        let first = WriteLock::acquire(&out).unwrap();
        assert!(dir.path().join(".run.h5.lock").exists());
        let err = WriteLock::acquire(&out).unwrap_err();
        assert!(matches!(err, LockError::Busy { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("another process is writing"), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        drop(first);
        assert!(!dir.path().join(".run.h5.lock").exists());
        let again = WriteLock::acquire(&out).unwrap();
        assert_eq!(again.target(), out);
    }

    #[test]
    fn different_paths_lock_independently() {
        let dir = tempfile::tempdir().unwrap();
        let _a = WriteLock::acquire(dir.path().join("a.h5")).unwrap();
        let _b = WriteLock::acquire(dir.path().join("b.h5")).unwrap();
        let _d = WriteLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn a_stale_lock_file_from_a_killed_writer_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run.h5");
        std::fs::write(lock_path(&out), "pid 1: trabecula run\n").unwrap();
        let lock = WriteLock::acquire(&out).unwrap();
        drop(lock);
        assert!(!lock_path(&out).exists());
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nowhere").join("run.h5");
        let err = WriteLock::acquire(&out).unwrap_err();
        assert!(err.is_bad_input());
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn the_current_directory_locks_by_its_name() {
        let p = lock_path(Path::new("."));
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with('.') && name.ends_with(".lock"), "{name}");
        assert_ne!(name, "...lock");
    }
}
