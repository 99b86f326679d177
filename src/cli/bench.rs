//! `trabecula bench fields [--json]`: times the field solvers on the BioFVM comparison
//! problem next to this machine's memory bandwidth (see [`crate::fields::bench`]).

use clap::{Args, Subcommand};

use super::{threads, InputError};
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
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    match &args.what {
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
