//! `trabecula validate [--quick] [--json] [-o DIR] [--threads N] [--replicates R]
//! [--set KEY=VALUE ...]`:
//! runs the calibration targets of docs/MODEL.md, section 1 ([`crate::validate`])
//! and prints one table: scenario, readout, time point, model mean +- SD over
//! replicates, target, band, pass.
//!
//! Writes `DIR/validation.csv` (the table) and one `DIR/<scenario>.png` per scenario.
//! With `--json` the table goes to stdout as JSON (and the text table to stderr).
//! Exit status 0 whenever every run finished, whether or not the targets pass; a run
//! that fails is an error (1), a bad flag or an unusable DIR is bad input (2).

use std::path::PathBuf;

use clap::Args;

use super::claim::claim;
use super::{threads, InputError};
use crate::files::write_whole;
use crate::validate::{self, plot, Scale};

/// Arguments of `trabecula validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The quick set: fewer replicates, horizons of at most 2 years, a smaller domain.
    #[arg(long)]
    pub quick: bool,
    /// Print the table as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Directory for validation.csv and the plots (created if missing).
    #[arg(short, long, default_value = "validation")]
    pub output: PathBuf,
    /// Replace the results of an earlier validation in the directory (otherwise a
    /// directory holding validation.csv is never touched).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores); runs go in parallel.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Replicates (derived seeds) per arm; default 4 (full) or 2 (quick). The full set
    /// runs letrozole alone on nine times as many, letrozole with zoledronic acid on
    /// three times as many.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub replicates: Option<u32>,
    /// Override a parameter in every arm, e.g. `--set cells.osteoblast.estrogen_lifespan_gain=1`
    /// (repeatable; validated like a config file), to see the table under other values.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<crate::config::Override>,
    /// Go ahead even when the estimated peak memory of the runs side by side (one per
    /// thread) exceeds the memory available (MemAvailable, or the cgroup/SLURM limit);
    /// without it validate stops before its first run, with exit status 2.
    #[arg(long)]
    pub skip_memory_check: bool,
}

/// Runs the command.
pub fn run(args: &ValidateArgs, quiet: bool) -> anyhow::Result<()> {
    let (n_threads, source) = threads::init(args.threads)?;
    let mut scale = if args.quick {
        Scale::quick()
    } else {
        Scale::full()
    };
    if let Some(r) = args.replicates {
        scale.replicates = r;
    }
    scale.overrides = args.set.clone();
    // The flags are checked before the directory is created or locked: a bad one
    // writes nothing.
    validate::runner::check_overrides(&scale)?;
    super::check::guard_validate(&scale, n_threads, args.skip_memory_check)?;
    std::fs::create_dir_all(&args.output).map_err(|e| {
        InputError(format!(
            "-o {}: cannot create the directory: {e}",
            args.output.display()
        ))
    })?;
    let csv = args.output.join("validation.csv");
    let _lock = claim(&args.output, std::slice::from_ref(&csv), args.force)?;
    if !quiet {
        eprintln!(
            "validate: {} set, {} replicates, threads: {n_threads} ({source})",
            if scale.quick { "quick" } else { "full" },
            scale.replicates
        );
    }
    let log = |line: &str| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let report = validate::run(&scale, &log)?;
    write_whole(&csv, report.csv().as_bytes(), true)
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", csv.display()))?;
    let pngs = plot::draw_all(&args.output, &report.curves)?;
    if args.json {
        println!("{}", report.json());
        if !quiet {
            eprint!("{}", report.table());
        }
    } else {
        print!("{}", report.table());
    }
    if !quiet {
        eprintln!(
            "wrote {} and {} plots in {}",
            csv.display(),
            pngs.len(),
            args.output.display()
        );
    }
    Ok(())
}
