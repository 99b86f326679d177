//! `trabecula run CONFIG -o OUT.h5`: build the lattice, run the cell model through
//! the step pipeline, write the time series, events and snapshots, and print the
//! stage-time table with `--profile`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::{report, threads, ConfigArgs, InputError, Progress};
use crate::config::Config;
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
    /// Replace the output file if it exists (otherwise an existing file is never touched).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the time spent in each pipeline stage at the end.
    #[arg(long)]
    pub profile: bool,
}

/// Runs the command.
pub fn run(args: &RunArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    let config = args.config.load()?;
    if args.output.exists() && !args.force {
        return Err(InputError(format!(
            "{} exists; choose another -o or pass --force to replace it",
            args.output.display()
        ))
        .into());
    }
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
/// already set up), writes `output` (replacing any file there) and marks it
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
    let clock = *sim.clock();
    say(format!(
        "simulating {} days after {} days of spin-up, {} steps of {} h",
        clock.days,
        clock.spinup_days,
        clock.total_steps(),
        24 / clock.steps_per_day
    ));
    let total_days = clock.spinup_days + clock.days;
    let bar = progress.bar(total_days, "days");
    let t1 = Instant::now();
    sim.run(&mut sink, |s| {
        let done = s.steps_done() / clock.steps_per_day;
        if done != bar.position() {
            bar.set_position(done);
            let day = s.day();
            bar.set_message(if day < 0.0 { "spin-up" } else { "simulating" });
        }
    })?;
    bar.finish_and_clear();
    sink.finish()?;
    let wall = t1.elapsed().as_secs_f64();
    let w = sim.world();
    say(format!(
        "done: {total_days} days in {wall:.1} s ({:.1} ms/step); BV/TV {:.4}, {} sites activated, {} osteoclasts, {} osteoblasts, {} T-cells",
        1e3 * wall / clock.total_steps().max(1) as f64,
        w.bone_volume_fraction(),
        w.bmus.issued(),
        w.osteoclasts.len(),
        w.osteoblasts.len(),
        w.tcells.len()
    ));
    if w.totals.unconverged_solves > 0 {
        say(format!(
            "warning: {} field solves stopped short of fields.steady_tolerance",
            w.totals.unconverged_solves
        ));
    }
    if profile {
        println!("{}", sim.timers().table());
    }
    say(format!("wrote {}", output.display()));
    Ok(())
}
