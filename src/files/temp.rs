//! Temporary files beside an output, under names that cannot be a user's file.
//!
//! A file that must appear whole (an HDF5 skeleton, a sidecar, a collected table) is
//! written to a temporary file in the same directory and renamed over its final
//! path. The temporary name is `.NAME.PID-K.tmp`, created exclusively
//! (`O_EXCL`): if a file of that name exists, the next `K` is tried, so no existing
//! file is ever truncated or removed by the writer. An unpersisted temporary file is
//! deleted when dropped.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A temporary file beside its target, deleted on drop unless persisted.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    target: PathBuf,
    file: Option<File>,
}

impl TempFile {
    /// Creates a new, empty temporary file in the directory of `target`.
    pub fn beside(target: impl AsRef<Path>) -> io::Result<Self> {
        let target = target.as_ref().to_path_buf();
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let dir = target.parent().unwrap_or(Path::new(""));
        let pid = std::process::id();
        for k in 0..10_000u32 {
            let path = dir.join(format!(".{name}.{pid}-{k}.tmp"));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        target,
                        file: Some(file),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("no free temporary name beside {}", target.display()),
        ))
    }

    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, for writing.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until persisted")
    }

    /// Syncs the file to disk when `sync` is set, then renames it over the target
    /// (and, with `sync`, makes the rename durable where the platform can).
    pub fn persist(mut self, sync: bool) -> io::Result<PathBuf> {
        let file = self.file.take().expect("open until persisted");
        if sync {
            file.sync_all()?;
        }
        drop(file);
        std::fs::rename(&self.path, &self.target)?;
        if sync {
            if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = File::open(dir).and_then(|d| d.sync_all());
            }
        }
        // Renamed: nothing left to delete.
        self.path = PathBuf::new();
        Ok(self.target.clone())
    }
}

/// Writes `bytes` to `target` whole or not at all: through a [`TempFile`] renamed
/// over it (synced first when `sync` is set).
pub fn write_whole(target: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let mut tmp = TempFile::beside(target)?;
    tmp.file().write_all(bytes)?;
    tmp.persist(sync).map(drop)
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_touches_a_file_of_the_same_name_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run.xdmf");
        // Files a user might have, including one with our first temporary name.
        let user_tmp = dir.path().join("run.xdmf.tmp");
        let taken = dir
            .path()
            .join(format!(".run.xdmf.{}-0.tmp", std::process::id()));
        std::fs::write(&user_tmp, "mine").unwrap();
        std::fs::write(&taken, "also mine").unwrap();
        let mut t = TempFile::beside(&target).unwrap();
        assert_ne!(t.path(), taken);
        t.file().write_all(b"new").unwrap();
        t.persist(true).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&user_tmp).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(&taken).unwrap(), "also mine");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 3);
    }

    #[test]
    fn dropped_without_persist_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let t = TempFile::beside(dir.path().join("a.h5")).unwrap();
        let p = t.path().to_path_buf();
        assert!(p.exists());
        drop(t);
        assert!(!p.exists());
        assert!(!dir.path().join("a.h5").exists());
    }
}
