//! `trabecula sweep plan|run|slurm`: plan a parameter sweep into a directory, run
//! one of its tasks, write its SLURM array script. See [`crate::sweep`].

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{resume_cmd, run_cmd, threads, InputError, Progress};
use crate::config;
use crate::files::{LockError, WriteLock};
use crate::footprint::Workload;
use crate::sweep::{self, manifest::Manifest, slurm, task, TaskAction};

/// Arguments of `trabecula sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SweepCommand,
}

/// The sweep subcommands.
#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Validate a sweep file and write its tasks' configs and manifest to a directory.
    Plan(PlanArgs),
    /// Run one task of a planned sweep (default: $SLURM_ARRAY_TASK_ID).
    Run(TaskArgs),
    /// Write DIR/sweep.sbatch, a SLURM array job running every task.
    Slurm(SlurmArgs),
}

/// Arguments of `sweep plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The sweep file (TOML).
    pub sweep: PathBuf,
    /// Directory to write the plan to (created if needed).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace an existing plan in the directory (its runs/ folder is renamed, not deleted).
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `sweep run`.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// The plan directory.
    pub dir: PathBuf,
    /// Task to run (default: $SLURM_ARRAY_TASK_ID).
    #[arg(long)]
    pub task: Option<usize>,
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Go ahead even when the estimated peak memory exceeds the memory available
    /// (MemAvailable, or the cgroup/SLURM limit); without it such a command stops
    /// before allocating, with exit status 2. `trabecula check` prints the same
    /// estimate and exits 0 either way.
    #[arg(long)]
    pub skip_memory_check: bool,
}

/// Arguments of `sweep slurm`.
#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// The plan directory.
    pub dir: PathBuf,
    /// SLURM partition (default: the cluster's default).
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit per task in a SLURM form: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM,
    /// D-HH:MM:SS or UNLIMITED, e.g. 02:00:00 (default: the partition's).
    #[arg(long)]
    pub time: Option<String>,
    /// Memory per task: a whole number with an optional unit K, M, G or T (megabytes
    /// without one), e.g. 4G (default: the partition's).
    #[arg(long)]
    pub mem: Option<String>,
    /// CPUs (threads) per task, at least 1.
    #[arg(long, default_value_t = 1)]
    pub cpus: u32,
}

/// Runs the command.
pub fn run(args: &SweepArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    match &args.command {
        SweepCommand::Plan(a) => plan(a, quiet),
        SweepCommand::Run(a) => run_task(a, progress, quiet),
        SweepCommand::Slurm(a) => write_slurm(a),
    }
}

/// The absolute path of this binary, for commands written into files.
fn this_binary() -> anyhow::Result<PathBuf> {
    Ok(std::env::current_exe()?)
}

fn plan(args: &PlanArgs, quiet: bool) -> anyhow::Result<()> {
    if let Some(parent) = args.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            InputError(format!(
                "-o {}: cannot create {}: {e}",
                args.output.display(),
                parent.display()
            ))
        })?;
    }
    let _lock = WriteLock::acquire(&args.output)?;
    // A bad -o is known before the sweep is read: say so before any validation.
    sweep::write::check_target(&args.output, args.force)?;
    let sweep = sweep::file::load(&args.sweep)?;
    let planned = sweep::plan::build(&sweep)?;
    let (manifest, moved) =
        sweep::write::write_plan(&sweep, &planned, &args.output, args.force, &this_binary()?)?;
    if let Some(m) = moved {
        eprintln!("kept the runs of the replaced plan in {}", m.display());
    }
    if !quiet {
        let dir = std::path::absolute(&args.output)?;
        eprintln!(
            "planned {} tasks of sweep `{}` ({} axes, {} replicates) in {}",
            manifest.tasks.len(),
            manifest.sweep.name,
            manifest.sweep.axes.len(),
            manifest.sweep.replicates,
            dir.display()
        );
        eprintln!(
            "run one:  trabecula sweep run {} --task 0\ncluster:  trabecula sweep slurm {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The task to run: `--task`, else `$SLURM_ARRAY_TASK_ID`.
fn task_id(flag: Option<usize>, env: Option<&str>) -> Result<usize, InputError> {
    if let Some(k) = flag {
        return Ok(k);
    }
    match env {
        Some(v) => v.trim().parse().map_err(|_| {
            InputError(format!(
                "SLURM_ARRAY_TASK_ID={v:?} is not a task index (a non-negative integer)"
            ))
        }),
        None => Err(InputError(
            "no task given: pass --task K, or run inside a SLURM array job (SLURM_ARRAY_TASK_ID)"
                .into(),
        )),
    }
}

fn run_task(args: &TaskArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    let env = std::env::var("SLURM_ARRAY_TASK_ID").ok();
    let id = task_id(args.task, env.as_deref())?;
    let manifest = Manifest::read(&args.dir)?;
    let entry = manifest.task(id)?;
    let output = args.dir.join(&entry.output);
    let config = config::load(&args.dir.join(&entry.config), &[])?;
    // Held to the end: a second `sweep run` of this task (a resubmitted array job
    // while the first still runs) is refused before it looks at, moves or writes
    // the output.
    let _lock = WriteLock::acquire(&output).map_err(|e| match e {
        LockError::Busy { .. } => {
            anyhow::Error::from(InputError(format!("task {id}: {e}; not touched")))
        }
        e => e.into(),
    })?;
    let action = task::decide(&output);
    if !matches!(action, TaskAction::Skip) {
        let (path, skip) = (args.dir.join(&entry.config), args.skip_memory_check);
        super::check::guard_config_file(&path, &[], &config, Workload::Run, skip)?;
    }
    match &action {
        TaskAction::Skip => {
            eprintln!("task {id}: {} is complete; skipping", output.display());
            return Ok(());
        }
        TaskAction::Start => {}
        TaskAction::Restart { reason } => restart(id, &output, reason)?,
        TaskAction::Resume => {
            eprintln!(
                "task {id}: {} is incomplete with a checkpoint; resuming it",
                output.display()
            );
            let resume = resume_cmd::ResumeArgs {
                file: output.clone(),
                threads: args.threads,
                profile: false,
                skip_memory_check: args.skip_memory_check,
            };
            return resume_cmd::resume_locked(&resume, progress, quiet);
        }
    }
    let (n_threads, source) = threads::init(args.threads)?;
    eprintln!(
        "task {id} of {} (replicate {}, seed {}): threads: {n_threads} ({source})",
        manifest.tasks.len(),
        entry.replicate,
        entry.seed
    );
    run_cmd::simulate(&config, &output, n_threads, progress, quiet, false)
}

fn restart(id: usize, output: &Path, reason: &str) -> anyhow::Result<()> {
    let kept = task::set_aside(output)?;
    eprintln!(
        "task {id}: {} is {reason}; kept it as {} and starting over",
        output.display(),
        kept.display()
    );
    Ok(())
}

fn write_slurm(args: &SlurmArgs) -> anyhow::Result<()> {
    let res = slurm::Resources {
        partition: args.partition.clone(),
        time: args.time.clone(),
        mem: args.mem.clone(),
        cpus: args.cpus,
    };
    res.validate()?;
    let manifest = Manifest::read(&args.dir)?;
    let dir = std::path::absolute(&args.dir)?;
    let text = slurm::script(
        &manifest.sweep.name,
        &dir,
        &this_binary()?,
        manifest.tasks.len(),
        &res,
    )?;
    std::fs::create_dir_all(dir.join("logs"))?;
    let path = dir.join("sweep.sbatch");
    std::fs::write(&path, text)?;
    eprintln!(
        "wrote {} ({} array tasks); submit with:",
        path.display(),
        manifest.tasks.len()
    );
    println!(
        "sbatch {}",
        sweep::write::shell_quote(&path.display().to_string())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_from_flag_then_slurm() {
        assert_eq!(task_id(Some(3), Some("5")).unwrap(), 3);
        assert_eq!(task_id(None, Some("5")).unwrap(), 5);
        assert!(task_id(None, Some("x")).is_err());
        assert!(task_id(None, None)
            .unwrap_err()
            .0
            .contains("SLURM_ARRAY_TASK_ID"));
    }
}
