//! Writing a plan directory (layout in [`super::manifest`]): the task configs, the
//! manifest and a copy of the sweep file. Nothing is written until every task's
//! config has validated ([`super::plan::build`]); an existing plan is replaced only
//! with `force`, and then its `runs/` folder is kept, renamed, never deleted.

use std::path::{Path, PathBuf};

use super::file::SweepFile;
use super::manifest::{config_rel, output_rel, Manifest, SweepInfo, TaskEntry, MANIFEST};
use super::plan::PlannedTask;
use crate::error::InputError;

/// Quotes a path for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Checks that `dir` can take a plan: not a file, and not holding a plan already
/// unless `force`. Run before the (possibly long) validation of every task.
pub fn check_target(dir: &Path, force: bool) -> Result<(), InputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(InputError(format!(
            "-o {}: exists and is not a directory; -o names the directory to write the plan to",
            dir.display()
        )));
    }
    if dir.join(MANIFEST).exists() && !force {
        return Err(InputError(format!(
            "{} already holds a plan ({MANIFEST}); choose another directory or pass --force to replace it",
            dir.display()
        )));
    }
    Ok(())
}

/// `op` on `path`, its error naming the path.
fn at<T>(path: &Path, what: &str, op: std::io::Result<T>) -> anyhow::Result<T> {
    op.map_err(|e| anyhow::anyhow!("{}: cannot {what}: {e}", path.display()))
}

/// Writes the plan of `sweep` into `dir` (created if needed). `binary` is the
/// trabecula binary the rerun commands name. Returns the manifest and, when an
/// earlier plan's `runs/` folder was set aside, where it went.
pub fn write_plan(
    sweep: &SweepFile,
    planned: &[PlannedTask],
    dir: &Path,
    force: bool,
    binary: &Path,
) -> anyhow::Result<(Manifest, Option<PathBuf>)> {
    check_target(dir, force)?;
    at(dir, "create the directory", std::fs::create_dir_all(dir))?;
    let dir = at(dir, "resolve the path", std::path::absolute(dir))?;
    let mut moved = None;
    if force {
        // The old array script covers the old tasks: `sweep slurm` writes a new one.
        let _ = std::fs::remove_file(dir.join("sweep.sbatch"));
        let _ = std::fs::remove_dir_all(dir.join("configs"));
        let runs = dir.join("runs");
        if runs.exists() {
            let mut k = 1;
            let target = loop {
                let c = dir.join(format!("runs.replaced-{k}"));
                if !c.exists() {
                    break c;
                }
                k += 1;
            };
            at(&runs, "rename it", std::fs::rename(&runs, &target))?;
            moved = Some(target);
        }
    }
    for sub in ["configs", "runs"] {
        let sub = dir.join(sub);
        at(&sub, "create the directory", std::fs::create_dir_all(&sub))?;
    }
    let bin = shell_quote(&binary.display().to_string());
    let mut tasks = Vec::with_capacity(planned.len());
    for p in planned {
        let id = p.task.id;
        let (config, output) = (config_rel(id), output_rel(id));
        let header = format!(
            "# Task {id} of sweep `{}` (replicate {}, seed {}), planned from {}.\n",
            sweep.name,
            p.task.replicate,
            p.task.seed,
            sweep.path.display()
        );
        let path = dir.join(&config);
        at(
            &path,
            "write",
            std::fs::write(&path, header + &p.config.to_toml()),
        )?;
        let command = format!(
            "{bin} run {} -o {}",
            shell_quote(&dir.join(&config).display().to_string()),
            shell_quote(&dir.join(&output).display().to_string())
        );
        tasks.push(TaskEntry {
            id,
            replicate: p.task.replicate,
            seed: p.task.seed,
            config,
            output,
            command,
            params: p.task.params.iter().cloned().collect(),
        });
    }
    let manifest = Manifest {
        sweep: SweepInfo {
            name: sweep.name.clone(),
            sweep_file: sweep.path.display().to_string(),
            base_config: sweep.base.display().to_string(),
            seed: sweep.seed,
            replicates: sweep.replicates,
            lhs_samples: sweep.lhs_samples,
            axes: sweep.axes.iter().map(|a| a.key.clone()).collect(),
            binary: binary.display().to_string(),
            software_version: crate::VERSION.to_string(),
        },
        tasks,
    };
    let copy = dir.join("sweep.toml");
    at(&copy, "write", std::fs::write(&copy, &sweep.text))?;
    manifest.write(&dir)?;
    Ok((manifest, moved))
}
