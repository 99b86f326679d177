//! `trabecula bench fields [--json]`: times the field solvers on the BioFVM comparison
//! problem next to this machine's memory bandwidth (see [`crate::fields::bench`]).
//! `trabecula bench run [--json]`: the standard workload end to end, with its stage
//! table, peak memory, and scaling over threads and lattice size
//! ([`super::bench_run`]).

use clap::{Args, Subcommand};

use super::{bench_child, bench_run, threads, InputError, Progress};
use crate::fields::bench::{self, BenchOptions};

/// Arguments of `trabecula bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to benchmark.
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Implicit step and quasi-steady solve of the cytokine fields.
    Fields(FieldsBench),
    /// The standard workload end to end (3 mm iliac crest, 150^3 voxels, anastrozole for
    /// 5 years after 1 year of spin-up): wall time, ms per step, stage table, peak memory.
    Run(bench_run::RunBench),
    /// One run of the standard workload, reporting on standard output as JSON (for
    /// `bench run`, which starts it in a process of its own).
    #[command(hide = true)]
    Workload(bench_child::WorkloadArgs),
}

/// Options of `trabecula bench fields`.
#[derive(Debug, Args)]
pub struct FieldsBench {
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Grid cells per axis.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(8..=512))]
    pub size: u32,
    /// Timed implicit steps per thread count.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub steps: u32,
    /// Skip the quasi-steady solves.
    #[arg(long)]
    pub no_steady: bool,
    /// Thread counts to time, each on its own pool; each in [1, the CPUs this process
    /// may use] (default: 1 and 2, or 1 alone where only one CPU is available).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(usize))]
    pub threads: Vec<usize>,
}

/// Runs a benchmark and prints its table (or JSON).
pub fn run(args: &BenchArgs, progress: Progress, quiet: bool) -> anyhow::Result<()> {
    match &args.what {
        BenchWhat::Run(a) => bench_run::run(a, quiet),
        BenchWhat::Workload(a) => bench_child::run(a, progress),
        BenchWhat::Fields(a) => {
            // Each count gets its own pool: a count above the cap would oversubscribe
            // the timings (and a huge one spend minutes starting threads).
            let cap = threads::cap();
            let counts = if a.threads.is_empty() {
                [1, 2].into_iter().filter(|&n| n <= cap).collect()
            } else {
                a.threads.clone()
            };
            threads::check_counts(&counts, cap).map_err(InputError)?;
            let options = BenchOptions {
                n: a.size as usize,
                steps: a.steps as usize,
                steady: !a.no_steady,
                threads: counts,
                ..BenchOptions::default()
            };
            let report = bench::run(&options)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.table());
            }
            Ok(())
        }
    }
}
