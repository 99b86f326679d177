//! `trabecula run CONFIG -o OUT.h5`: build the lattice, run the cell model through
//! the step pipeline, write the time series, events, snapshots and checkpoints, mark
//! the file complete, and print the stage-time table with `--profile`. Stopped by
//! SIGTERM or SIGINT, it checkpoints and exits with status 3 ([`super::drive`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::{claim, drive, report, threads, ConfigArgs, Progress};
use crate::config::Config;
use crate::footprint::Workload;
use crate::lattice::source;
use crate::morphometry;
use crate::output::FileMeta;
use crate::sim::{Hdf5Sink, Simulation};

/// Arguments of `trabecula run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Config and overrides.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output HDF5 file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace the output file and its .xdmf sidecar if they exist (otherwise an
    /// existing file is never touched). A file another process is writing is never
    /// replaced.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores).
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
pub fn run(args: &RunArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    let config = args.config.load()?;
    super::check::guard_config(&args.config, &config, Workload::Run, args.skip_memory_check)?;
    let _lock = claim::claim_h5(&args.output, args.force)?;
    let (n_threads, thread_source) = threads::init(args.threads)?;
    if !quiet {
        eprintln!("threads: {n_threads} ({thread_source})");
    }
    simulate(
        &config,
        &args.output,
        n_threads,
        progress,
        quiet,
        args.profile,
    )
}

/// Runs the simulation `config` describes on `n_threads` threads (the pool is
/// already set up), writes `output` (replacing any file there; the caller holds its
/// write lock) and marks it
/// complete when the run finishes. Shared by `trabecula run` and `sweep run`.
pub(crate) fn simulate(
    config: &Config,
    output: &Path,
    n_threads: usize,
    progress: Progress,
    quiet: bool,
    profile: bool,
) -> anyhow::Result<()> {
    let say = |s: String| {
        if !quiet {
            eprintln!("{s}");
        }
    };
    let t0 = Instant::now();
    let spinner = progress.spinner("building lattice");
    let built = source::build(&config.lattice, config.run.seed)?;
    let metrics = morphometry::measure(&built.lattice.mask());
    spinner.finish_and_clear();
    say(format!(
        "lattice: {} ({:.2} s)",
        built.description,
        t0.elapsed().as_secs_f64()
    ));

    let mut sim = Simulation::new(config, built.lattice)?;
    let meta = FileMeta {
        software_version: crate::VERSION.to_string(),
        git_revision: crate::GIT_REVISION.to_string(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        config_toml: config.to_toml(),
        seed: config.run.seed,
        threads: n_threads as u32,
    };
    let mut sink = Hdf5Sink::create(
        output,
        &meta,
        sim.world(),
        &report::metric_triples(&metrics),
    )?;
    // From here on a signal stops the run at a checkpoint; before, it ends it.
    let stop = drive::StopFlag::install(output)?;
    let clock = *sim.clock();
    say(format!(
        "simulating {} days after {} days of spin-up, {} steps of {} h",
        clock.days,
        clock.spinup_days,
        clock.total_steps(),
        24 / clock.steps_per_day
    ));
    let t1 = Instant::now();
    let mut checkpoints = drive::CheckpointStats::default();
    let outcome = drive::drive(&mut sim, &mut sink, &stop, progress, &mut checkpoints)?;
    drive::conclude(outcome, &sim, sink, output)?;
    let wall = t1.elapsed().as_secs_f64();
    say(drive::summary(&sim, clock.total_steps(), wall));
    report_end(&sim, profile, checkpoints, &say);
    say(format!("wrote {}", output.display()));
    Ok(())
}

/// Notes and warnings and the stage-time table at the end of a run (also of a
/// resumed one).
pub(super) fn report_end(
    sim: &Simulation,
    profile: bool,
    checkpoints: drive::CheckpointStats,
    say: &dyn Fn(String),
) {
    let w = sim.world();
    let settings = w.fields.settings();
    let note = unconverged_note(
        w.totals.unconverged_solves,
        w.totals.field_solves,
        settings.steady_tolerance,
        settings.max_cycles,
        // The largest final residual of those solves, once the run totals keep it.
        None,
    );
    if let Some(note) = note {
        say(note);
    }
    if profile {
        println!("{}", sim.timers().table());
        println!("{checkpoints}");
    }
}

/// What field solves that stopped at the cycle limit mean for the results, in plain
/// words: `stopped` of `solves` ended at `max_cycles` V-cycles above `tolerance`
/// (`fields.steady_tolerance`), the largest of their final relative residuals being
/// `worst` when known. `None` when every solve converged. More than 1 in 100 is a
/// warning; fewer is a note.
fn unconverged_note(
    stopped: u64,
    solves: u64,
    tolerance: f64,
    max_cycles: usize,
    worst: Option<f64>,
) -> Option<String> {
    if stopped == 0 {
        return None;
    }
    let largest = worst.map_or(String::new(), |r| {
        format!(" (the largest relative residual left was {r:.2e})")
    });
    let head = format!(
        "{stopped} of {solves} field solves stopped at the limit of {max_cycles} V-cycles \
         before their relative residual reached fields.steady_tolerance = {tolerance:e}{largest}"
    );
    Some(if stopped * 100 > solves {
        format!(
            "warning: {head}. The cytokine fields of those steps are less accurate than the \
             tolerance asks, often enough to matter: loosen fields.steady_tolerance (1e-3 is \
             what the ready configs use), or read the results as accurate only to the \
             residual left."
        )
    } else {
        format!(
            "note: {head}. The fields of those steps were a little less accurate than the \
             tolerance asks; the next solve carried on from them, so the error did not \
             build up. So few inexact steps do not change the results measurably."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::unconverged_note;

    #[test]
    fn stopped_solves_are_explained_in_words() {
        assert_eq!(unconverged_note(0, 1095, 1e-3, 400, None), None);
        let few = unconverged_note(2, 1095, 1e-3, 400, Some(1.82e-3)).unwrap();
        assert_eq!(
            few,
            "note: 2 of 1095 field solves stopped at the limit of 400 V-cycles before their \
             relative residual reached fields.steady_tolerance = 1e-3 (the largest relative \
             residual left was 1.82e-3). The fields of those steps were a little less \
             accurate than the tolerance asks; the next solve carried on from them, so the \
             error did not build up. So few inexact steps do not change the results \
             measurably."
        );
        let unknown = unconverged_note(2, 1095, 1e-3, 400, None).unwrap();
        assert!(unknown.contains("= 1e-3. The fields"), "{unknown}");
        let many = unconverged_note(20, 1095, 1e-6, 400, None).unwrap();
        assert!(many.starts_with("warning: 20 of 1095"), "{many}");
        assert!(many.contains("loosen fields.steady_tolerance"), "{many}");
    }
}
