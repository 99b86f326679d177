//! The commands behind the `trabecula` binary.
//!
//! Each command is a function over parsed arguments returning `anyhow::Result`, so
//! tests can call them without a process. [`exit_code`] maps a failure to the exit
//! status: 2 when the input was at fault (a config, a volume file, a flag, a file
//! that cannot be resumed), 3 when a run was stopped by SIGTERM or SIGINT after
//! writing a checkpoint ([`drive::EXIT_STOPPED`]), 1 for anything else.

pub mod bench;
mod bench_child;
mod bench_digest;
mod bench_out;
mod bench_proc;
mod bench_run;
mod check;
mod claim;
mod collect_cmd;
pub mod drive;
mod info;
mod lattice_cmd;
mod measure;
mod progress;
mod report;
mod resume_cmd;
mod run_cmd;
mod sweep_cmd;
pub mod threads;
mod validate_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Config, ConfigError, Override};
pub use crate::error::InputError;
pub use progress::Progress;

/// Agent-based simulation of trabecular bone remodeling.
#[derive(Debug, Parser)]
#[command(name = "trabecula", version, about, long_about = None)]
pub struct Cli {
    /// Print nothing but results and errors; no progress display.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a config file, report every problem in it, and the peak memory run and lattice would need.
    Check(ConfigArgs),
    /// Generate or import the lattice a config describes, measure it, write it to HDF5.
    Lattice(lattice_cmd::LatticeArgs),
    /// Morphometry of a micro-CT volume (NRRD, raw) or of a lattice in an output file.
    Measure(measure::MeasureArgs),
    /// Simulate remodeling: cells, fields and estrogen on the lattice; write HDF5.
    Run(run_cmd::RunArgs),
    /// Continue an interrupted run from the checkpoint in its output file, to its end.
    Resume(resume_cmd::ResumeArgs),
    /// Parameter sweeps: plan one into a directory, run a task, write a SLURM array script.
    Sweep(sweep_cmd::SweepArgs),
    /// Gather every run of a planned sweep into one table (HDF5 and CSV).
    Collect(collect_cmd::CollectArgs),
    /// Time the field solvers, or the standard workload end to end, next to this machine's memory bandwidth.
    Bench(bench::BenchArgs),
    /// What a result file holds: provenance, config, lattice, snapshots, tables, datasets.
    Info(info::InfoArgs),
    /// Run the calibration targets of the science reference; one table of model vs trials.
    Validate(validate_cmd::ValidateArgs),
}

/// Arguments shared by every command that reads a config.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The TOML config file.
    pub config: PathBuf,
    /// Override a key, e.g. `--set lattice.voxel_um=25` (repeatable; validated like the file).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// Override `run.seed`.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl ConfigArgs {
    /// Loads and validates the config with the overrides.
    pub fn load(&self) -> Result<Config, ConfigError> {
        let mut overrides = self.set.clone();
        if let Some(seed) = self.seed {
            let seed = i64::try_from(seed).map_err(|_| ConfigError::Invalid {
                origin: "command line".into(),
                problems: vec![config::Problem {
                    key: "run.seed".into(),
                    message: format!(
                        "--seed {seed} is out of range; valid range is [0, {}]",
                        i64::MAX
                    ),
                    origin: config::Origin::CommandLine,
                }],
            })?;
            overrides.push(Override {
                path: "run.seed".into(),
                value: toml::Value::Integer(seed),
            });
        }
        config::load(&self.config, &overrides)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let progress = Progress::new(cli.quiet);
    match cli.command {
        Command::Check(args) => check::run(&args, cli.quiet),
        Command::Lattice(args) => lattice_cmd::run(&args, progress, cli.quiet),
        Command::Measure(args) => measure::run(&args, progress),
        Command::Run(args) => run_cmd::run(&args, progress, cli.quiet),
        Command::Resume(args) => resume_cmd::run(&args, progress, cli.quiet),
        Command::Sweep(args) => sweep_cmd::run(&args, progress, cli.quiet),
        Command::Collect(args) => collect_cmd::run(&args, cli.quiet),
        Command::Bench(args) => bench::run(&args, progress, cli.quiet),
        Command::Info(args) => info::run(&args),
        Command::Validate(args) => validate_cmd::run(&args, cli.quiet),
    }
}

/// Exit status for a failed command: 3 for a run stopped by a signal after its
/// checkpoint, 2 when the input was at fault, else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.chain().any(|e| e.is::<drive::Stopped>()) {
        return drive::EXIT_STOPPED;
    }
    let input = err.chain().any(|e| {
        e.is::<ConfigError>()
            || e.is::<InputError>()
            || e.is::<crate::lattice::source::BuildError>()
            || e.is::<crate::lattice::import::ImportError>()
            || e.is::<crate::lattice::synthetic::SyntheticError>()
            || e.is::<crate::footprint::TooLarge>()
            || e.downcast_ref::<crate::output::OutputError>()
                .is_some_and(crate::output::OutputError::is_bad_input)
            || e.downcast_ref::<crate::files::LockError>()
                .is_some_and(crate::files::LockError::is_bad_input)
    });
    if input {
        2
    } else {
        1
    }
}
