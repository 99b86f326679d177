//! The plan directory and its manifest: what `trabecula sweep plan` writes and what
//! `sweep run`, `sweep slurm` and `collect` read.
//!
//! ```text
//! DIR/manifest.toml          the sweep and one [[task]] per run (below)
//! DIR/sweep.toml             a copy of the sweep file, for the record
//! DIR/configs/task_NNNN.toml complete, standalone config of each task
//! DIR/runs/task_NNNN.h5      output of each task (written by `sweep run`)
//! DIR/logs/                  SLURM logs (`sweep slurm`)
//! DIR/sweep.sbatch           the array job script (`sweep slurm`)
//! ```
//!
//! `manifest.toml` holds a `[sweep]` table (name, seed, replicates, lhs_samples,
//! the axis keys in order, the sweep file and base config it came from, the
//! binary that planned it) and a `[[task]]` per run:
//!
//! ```toml
//! [[task]]
//! id = 3
//! replicate = 1
//! seed = 4215375427375131036
//! config = "configs/task_0003.toml"   # relative to DIR
//! output = "runs/task_0003.h5"        # relative to DIR
//! command = "/path/to/trabecula run /abs/DIR/configs/task_0003.toml -o /abs/DIR/runs/task_0003.h5"
//! [task.params]
//! "estrogen.level_pg_ml" = 10.0
//! ```
//!
//! `command` reruns the task on its own, without the sweep machinery. Paths in
//! `config` and `output` are relative to DIR so the folder can be moved; `command`
//! spells out the absolute paths of the place it was planned in.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// File name of the manifest inside a plan directory.
pub const MANIFEST: &str = "manifest.toml";

/// The manifest of a planned sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The sweep as a whole.
    pub sweep: SweepInfo,
    /// One entry per task, in task order.
    #[serde(rename = "task")]
    pub tasks: Vec<TaskEntry>,
}

/// `[sweep]` of the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    /// Name of the sweep.
    pub name: String,
    /// The sweep file it was planned from (absolute).
    pub sweep_file: String,
    /// The base config (absolute).
    pub base_config: String,
    /// Sweep seed.
    pub seed: u64,
    /// Replicates per parameter point.
    pub replicates: u32,
    /// Latin-hypercube samples (0: no range axis).
    pub lhs_samples: u32,
    /// The axis keys, in order: the parameter columns of `collect`.
    pub axes: Vec<String>,
    /// The trabecula binary that planned the sweep.
    pub binary: String,
    /// Version of that binary.
    pub software_version: String,
}

/// One `[[task]]` of the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskEntry {
    /// Task index (the SLURM array index).
    pub id: usize,
    /// Replicate index.
    pub replicate: u32,
    /// `run.seed` of the task.
    pub seed: u64,
    /// Config file, relative to the plan directory.
    pub config: String,
    /// Output file, relative to the plan directory.
    pub output: String,
    /// The command that reruns this task alone.
    pub command: String,
    /// Axis values: config key -> value.
    pub params: toml::Table,
}

/// Config file of task `id`, relative to the plan directory.
pub fn config_rel(id: usize) -> String {
    format!("configs/task_{id:04}.toml")
}

/// Output file of task `id`, relative to the plan directory.
pub fn output_rel(id: usize) -> String {
    format!("runs/task_{id:04}.h5")
}

impl Manifest {
    /// Reads `DIR/manifest.toml`. A missing or unreadable manifest is bad input.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            InputError(format!(
                "{}: {e}; is {} a directory written by `trabecula sweep plan`?",
                path.display(),
                dir.display()
            ))
        })?;
        toml::from_str(&text).map_err(|e| {
            InputError(format!("{}: not a sweep manifest: {e}", path.display())).into()
        })
    }

    /// Writes `DIR/manifest.toml`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let path = dir.join(MANIFEST);
        let text = toml::to_string(self)?;
        let header = "# Written by `trabecula sweep plan`: one [[task]] per run; paths relative to this directory.\n";
        std::fs::write(&path, format!("{header}{text}"))?;
        Ok(path)
    }

    /// The task with index `id`, or a bad-input error naming the valid range.
    pub fn task(&self, id: usize) -> anyhow::Result<&TaskEntry> {
        self.tasks.iter().find(|t| t.id == id).ok_or_else(|| {
            InputError(format!(
                "task {id} is not in the plan; valid tasks are 0 to {}",
                self.tasks.len().saturating_sub(1)
            ))
            .into()
        })
    }
}
