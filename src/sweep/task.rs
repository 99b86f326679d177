//! What `sweep run` does with a task given what its output file holds: start it,
//! skip it, restart it, or resume it from its checkpoint. [`decide`] is the one place that
//! looks at an existing output; the command acts on its [`TaskAction`].

use std::path::{Path, PathBuf};

use crate::output::OutputReader;

/// What to do with a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskAction {
    /// No output yet: run the task.
    Start,
    /// The output is complete: nothing to do.
    Skip,
    /// The output exists but is incomplete (a killed run) or unreadable, and holds
    /// no checkpoint: set it aside and run the task from the beginning.
    Restart {
        /// Why the existing file cannot be kept as the result.
        reason: String,
    },
    /// The output is incomplete and holds a checkpoint (`/checkpoint`): `sweep run`
    /// continues it as `trabecula resume OUT.h5` would.
    Resume,
}

/// Decides from the task's output file.
pub fn decide(output: &Path) -> TaskAction {
    if !output.exists() {
        return TaskAction::Start;
    }
    let reader = match OutputReader::open(output) {
        Ok(r) => r,
        Err(e) => {
            return TaskAction::Restart {
                reason: unreadable(output, &e),
            }
        }
    };
    match (reader.is_complete(), reader.has_checkpoint()) {
        (Ok(true), _) => TaskAction::Skip,
        (Ok(false), Ok(true)) => TaskAction::Resume,
        (Ok(false), _) => TaskAction::Restart {
            reason: "incomplete (the run did not finish)".into(),
        },
        (Err(e), _) => TaskAction::Restart {
            reason: unreadable(output, &e),
        },
    }
}

/// Why the output cannot be read, without repeating its path (the caller names it).
fn unreadable(output: &Path, e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", output.display());
    format!(
        "unreadable ({})",
        text.strip_prefix(&prefix).unwrap_or(&text)
    )
}

/// Moves an output that is being replaced out of the way, to
/// `task_NNNN.incomplete-K.h5` with the first free `K`, so nothing written is lost.
/// Returns the new path.
pub fn set_aside(output: &Path) -> std::io::Result<PathBuf> {
    let stem = output
        .file_stem()
        .map_or("task".into(), |s| s.to_string_lossy().into_owned());
    let dir = output.parent().unwrap_or(Path::new("."));
    let mut k = 1;
    let target = loop {
        let candidate = dir.join(format!("{stem}.incomplete-{k}.h5"));
        if !candidate.exists() {
            break candidate;
        }
        k += 1;
    };
    std::fs::rename(output, &target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_starts_garbage_restarts_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("task_0001.h5");
        assert_eq!(decide(&out), TaskAction::Start);
        std::fs::write(&out, b"not hdf5").unwrap();
        assert!(matches!(decide(&out), TaskAction::Restart { .. }));
        let moved = set_aside(&out).unwrap();
        assert_eq!(moved, dir.path().join("task_0001.incomplete-1.h5"));
        assert_eq!(std::fs::read(&moved).unwrap(), b"not hdf5");
        std::fs::write(&out, b"again").unwrap();
        assert_eq!(
            set_aside(&out).unwrap(),
            dir.path().join("task_0001.incomplete-2.h5")
        );
    }
}
