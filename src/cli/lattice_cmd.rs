//! `trabecula lattice CONFIG -o OUT.h5`: generate or import the lattice, measure it,
//! and write the volume with its metrics.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{claim, report, threads, ConfigArgs, Progress};
use crate::footprint::Workload;
use crate::lattice::source;
use crate::morphometry;
use crate::output::{FileMeta, OutputFile};

/// Arguments of `trabecula lattice`.
#[derive(Debug, Args)]
pub struct LatticeArgs {
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
    /// Go ahead even when the estimated peak memory exceeds the memory available
    /// (MemAvailable, or the cgroup/SLURM limit); without it such a command stops
    /// before allocating, with exit status 2. `trabecula check` prints the same
    /// estimate and exits 0 either way.
    #[arg(long)]
    pub skip_memory_check: bool,
}

/// Runs the command.
pub fn run(args: &LatticeArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    let config = args.config.load()?;
    super::check::guard_config(
        &args.config,
        &config,
        Workload::Lattice,
        args.skip_memory_check,
    )?;
    let _lock = claim::claim_h5(&args.output, args.force)?;
    let (n_threads, thread_source) = threads::init(args.threads)?;
    let say = |s: String| {
        if !quiet {
            eprintln!("{s}");
        }
    };
    say(format!("threads: {n_threads} ({thread_source})"));

    let t0 = Instant::now();
    let spinner = progress.spinner("building lattice");
    let built = source::build(&config.lattice, config.run.seed)?;
    spinner.finish_and_clear();
    let build_s = t0.elapsed().as_secs_f64();
    say(format!("lattice: {} ({build_s:.2} s)", built.description));

    let t1 = Instant::now();
    let spinner = progress.spinner("measuring");
    let metrics = morphometry::measure(&built.lattice.mask());
    spinner.finish_and_clear();
    say(format!("measured in {:.2} s", t1.elapsed().as_secs_f64()));

    let meta = FileMeta {
        software_version: crate::VERSION.to_string(),
        git_revision: crate::GIT_REVISION.to_string(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        config_toml: config.to_toml(),
        seed: config.run.seed,
        threads: n_threads as u32,
    };
    let mut out = OutputFile::create(&args.output, &meta)?;
    out.write_lattice(&built.lattice, &report::metric_triples(&metrics))?;
    out.flush()?;
    println!(
        "{}",
        report::metrics_table(&metrics, built.targets.as_ref())
    );
    say(format!("wrote {}", args.output.display()));
    Ok(())
}
