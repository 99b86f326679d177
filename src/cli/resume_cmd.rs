//! `trabecula resume OUT.h5`: continue an interrupted run from the checkpoint in its
//! output file, with the configuration stored there, to its end; then mark the file
//! complete. Rows, events and snapshots the interrupted run wrote after its
//! checkpoint are discarded and written again, so the file ends up as an
//! uninterrupted run would have left it (bit for bit in every dataset; only the
//! `/config` thread count and root attributes such as `created` tell the story).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::run_cmd::report_end;
use super::{drive, threads, InputError, Progress};
use crate::config;
use crate::files::WriteLock;
use crate::output::OutputReader;
use crate::sim::{Hdf5Sink, Simulation, CHECKPOINT_FORMAT};

/// Arguments of `trabecula resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Output file of the interrupted run (holding a checkpoint).
    pub file: PathBuf,
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores); the results do
    /// not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the time spent in each pipeline stage at the end.
    #[arg(long)]
    pub profile: bool,
    /// Go ahead even when the estimated peak memory exceeds the memory available
    /// (MemAvailable, or the cgroup/SLURM limit); without it such a command stops
    /// before allocating, with exit status 2. `trabecula check` prints the same
    /// estimate and exits 0 either way.
    #[arg(long)]
    pub skip_memory_check: bool,
}

/// Runs the command.
pub fn run(args: &ResumeArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    // Whatever the environment says about HDF5 file locking, a file whose writer
    // still holds its lock is refused before anything is read.
    let _lock = WriteLock::acquire(&args.file)?;
    resume_locked(args, progress, quiet)
}

/// Resumes `args.file`, whose write lock the caller holds.
pub(super) fn resume_locked(
    args: &ResumeArgs,
    progress: Progress,
    quiet: bool,
) -> anyhow::Result<()> {
    let file = &args.file;
    let stop = drive::StopFlag::install(file)?;
    let say = |s: String| {
        if !quiet {
            eprintln!("{s}");
        }
    };
    super::check::guard_resume(file, args.skip_memory_check)?;
    let (config, state, day) = load(file)?;
    let (n_threads, thread_source) = threads::init(args.threads)?;
    say(format!("threads: {n_threads} ({thread_source})"));
    // Cut the file back to the checkpoint before the simulation is rebuilt.
    let (mut sink, _) = Hdf5Sink::resume(file)?;
    let mut sim = Simulation::from_checkpoint(&config, &state)
        .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
    drop(state);
    let clock = *sim.clock();
    let left = clock.total_steps() - sim.steps_done();
    say(format!(
        "resuming {} at day {day} (step {} of {}, {left} steps left)",
        file.display(),
        sim.steps_done(),
        clock.total_steps()
    ));
    let t1 = Instant::now();
    let mut checkpoints = drive::CheckpointStats::default();
    let outcome = drive::drive(&mut sim, &mut sink, &stop, progress, &mut checkpoints)?;
    drive::conclude(outcome, &sim, sink, file)?;
    say(drive::summary(&sim, left, t1.elapsed().as_secs_f64()));
    report_end(&sim, args.profile, checkpoints, &say);
    say(format!("completed {}", file.display()));
    Ok(())
}

/// The file's config, checkpoint state and its day, after checking the file can be
/// resumed.
fn load(file: &Path) -> anyhow::Result<(config::Config, Vec<u8>, f64)> {
    let bad =
        |why: String| -> anyhow::Error { InputError(format!("{}: {why}", file.display())).into() };
    let reader = OutputReader::open(file)?;
    if reader.is_complete()? {
        return Err(bad("the run is complete; there is nothing to resume".into()));
    }
    let Some(info) = reader.checkpoint_info()? else {
        return Err(bad(
            "no checkpoint: the run stopped before its first one (run.checkpoint_every_days); \
             start it again with trabecula run --force"
                .into(),
        ));
    };
    if info.format != CHECKPOINT_FORMAT || info.software_version != crate::VERSION {
        return Err(bad(format!(
            "the checkpoint was written by trabecula {} (checkpoint format {}); this is \
             trabecula {} (format {CHECKPOINT_FORMAT}): resume with the version that started the run",
            info.software_version,
            info.format,
            crate::VERSION
        )));
    }
    let meta = reader.meta();
    let base = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let origin = format!("{}:/config", file.display());
    let config = config::parse(&meta.config_toml, &origin, base, &[])?;
    let state = reader.checkpoint_state()?;
    Ok((config, state, info.day))
}
