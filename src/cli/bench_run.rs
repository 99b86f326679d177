//! `trabecula bench run`: the standard workload end to end, the number the project
//! tracks for speed and memory.
//!
//! The workload is `configs/standard_workload.toml`, built into the binary: a 3 mm
//! iliac-crest cube at 20 um (150^3 voxels, fields at 40 um), a postmenopausal woman
//! on anastrozole for 5 years after 1 year of spin-up, 1-day steps, a time-series row
//! with structural morphometry every 30 days, output on. `--side-mm`, `--days` and
//! `--spinup-days` override it, validated like `--set` (errors name the flag and the
//! valid range, exit status 2).
//!
//! Each run is a child process of this executable (the hidden `bench workload`,
//! [`super::bench_child`]) writing into a new temporary directory that is removed
//! at the end (`--keep DIR` writes into DIR instead and keeps the files), so that
//! the peak resident memory reported is the run's own. The parent measures the
//! STREAM-like triad bandwidth ([`crate::fields::bench::triad_gb_per_s`]) on the
//! same thread count before any run starts, and prints wall time, ms per step,
//! the stage table, peak memory, bandwidth, threads, CPU model and lattice shape
//! (or one JSON object with `--json`). `--scaling` runs the workload at 1 and 2
//! threads and compares the two output files dataset by dataset
//! ([`super::bench_digest`]); `--growth` runs it on 75^3, 150^3 and 300^3 voxels
//! over a short horizon and reports the cost per voxel relative to 75^3.
//!
//! Before anything runs, every run's estimated peak memory is checked against the
//! memory available as `run` does ([`crate::footprint`], `--skip-memory-check`),
//! and the thread count against the cap ([`super::threads`]).

use std::path::{Path, PathBuf};

use clap::Args;

use super::bench_child::ChildReport;
use super::bench_out::{self, GrowthRow, Scaling, Summary};
use super::bench_proc::{self, OutputDir};
use super::{bench_digest, threads, InputError};
use crate::config::{self, Config, ConfigError, Override};
use crate::footprint::{self, ConfigSource};

/// The standard workload's config, as shipped in `configs/standard_workload.toml`.
pub const STANDARD_WORKLOAD: &str = include_str!("../../configs/standard_workload.toml");

/// The workload's name in messages.
const ORIGIN: &str = "the standard workload (configs/standard_workload.toml)";

/// Cube sides of `--growth`, mm: 75^3, 150^3 and 300^3 voxels at 20 um.
const GROWTH_SIDES_MM: [f64; 3] = [1.5, 3.0, 6.0];

/// Default days of spin-up, and days after it, of `--growth`.
const GROWTH_DAYS: u32 = 30;

/// The built-in workload with the overrides the command line gives.
#[derive(Clone, Debug, Default, Args)]
pub struct Workload {
    /// Side of the cube, mm (`lattice.side_mm`; default 3, i.e. 150^3 voxels of 20 um).
    #[arg(long, value_name = "MM")]
    pub side_mm: Option<f64>,
    /// Days simulated after the spin-up (`run.days`; default 1826, 5 years).
    #[arg(long, value_name = "DAYS")]
    pub days: Option<u32>,
    /// Days of spin-up before day 0 (`run.spinup_days`; default 365).
    #[arg(long, value_name = "DAYS")]
    pub spinup_days: Option<u32>,
}

impl Workload {
    /// `(config key, flag, value)` of each override given.
    fn given(&self) -> Vec<(&'static str, &'static str, toml::Value)> {
        let mut out = Vec::new();
        if let Some(s) = self.side_mm {
            out.push(("lattice.side_mm", "--side-mm", toml::Value::Float(s)));
        }
        if let Some(d) = self.days {
            out.push(("run.days", "--days", toml::Value::Integer(d.into())));
        }
        if let Some(d) = self.spinup_days {
            let v = toml::Value::Integer(d.into());
            out.push(("run.spinup_days", "--spinup-days", v));
        }
        out
    }

    fn overrides(&self) -> Vec<Override> {
        self.given()
            .into_iter()
            .map(|(path, _, value)| Override {
                path: path.into(),
                value,
            })
            .collect()
    }

    /// The flags that give these overrides, for the child's command line.
    pub(super) fn to_args(&self) -> Vec<String> {
        self.given()
            .into_iter()
            .flat_map(|(_, flag, value)| [flag.to_string(), value.to_string()])
            .collect()
    }

    /// The workload's config, validated like a file with `--set` (the generator's
    /// rules included); a problem with an override names its flag.
    pub fn load(&self) -> anyhow::Result<Config> {
        let overrides = self.overrides();
        config::parse_checked(STANDARD_WORKLOAD, ORIGIN, Path::new("."), &overrides)
            .map_err(|e| self.flag_error(e))
    }

    fn flag_error(&self, e: ConfigError) -> anyhow::Error {
        let ConfigError::Invalid { problems, .. } = &e else {
            return e.into();
        };
        let given = self.given();
        let lines: Vec<String> = problems
            .iter()
            .map(|p| match given.iter().find(|(key, _, _)| *key == p.key) {
                Some((_, flag, _)) => format!("{flag}: {}", p.message),
                None => format!("{ORIGIN}: {p}"),
            })
            .collect();
        let text = match lines.as_slice() {
            [one] => one.clone(),
            _ => format!(
                "{} problems with the workload's flags:\n  - {}",
                lines.len(),
                lines.join("\n  - ")
            ),
        };
        InputError(text).into()
    }
}

/// Options of `trabecula bench run`.
#[derive(Debug, Args)]
pub struct RunBench {
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
    /// The workload's overrides.
    #[command(flatten)]
    pub workload: Workload,
    /// Worker threads of the run and of the bandwidth test (default:
    /// SLURM_CPUS_PER_TASK, else all cores; at most the CPUs this process may use).
    #[arg(long, conflicts_with = "scaling")]
    pub threads: Option<usize>,
    /// Run the workload at 1 and at 2 threads, each in its own process: both wall
    /// times, the speedup, and whether the two output files hold identical datasets.
    #[arg(long, conflicts_with = "growth")]
    pub scaling: bool,
    /// ms per step and peak memory on 75^3, 150^3 and 300^3 voxels (sides 1.5, 3 and
    /// 6 mm) over 30 days of spin-up + 30 days (or --spinup-days, --days), and the
    /// cost per voxel relative to 75^3.
    #[arg(long, conflicts_with = "side_mm")]
    pub growth: bool,
    /// Write the output files into DIR (created if missing; files there are never
    /// replaced) and keep them. Default: a new temporary directory, removed at the end.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Go ahead even when a run's estimated peak memory exceeds the memory available
    /// (as `trabecula run --skip-memory-check`).
    #[arg(long)]
    pub skip_memory_check: bool,
}

/// One run of the plan: its workload, threads and output file name.
pub(super) struct Job {
    /// The workload's overrides.
    pub workload: Workload,
    /// Its validated config.
    pub config: Config,
    /// Worker threads.
    pub threads: usize,
    /// Output file name inside the output directory.
    pub file: String,
}

impl Job {
    fn new(workload: Workload, threads: usize, file: String) -> anyhow::Result<Self> {
        let config = workload.load()?;
        Ok(Self {
            workload,
            config,
            threads,
            file,
        })
    }

    /// `150 x 150 x 150 voxels, 2 threads, 365 + 1826 days`.
    pub fn label(&self) -> String {
        let [nx, ny, nz] = self.config.lattice.shape_voxels.unwrap_or([0; 3]);
        let run = &self.config.run;
        format!(
            "{nx} x {ny} x {nz} voxels, {} thread{}, {} + {} days",
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            run.spinup_days,
            run.days
        )
    }
}

/// The runs the options ask for, validated.
fn plan(args: &RunBench) -> anyhow::Result<Vec<Job>> {
    let cap = threads::cap();
    if args.scaling {
        if cap < 2 {
            return Err(InputError(format!(
                "--scaling runs the workload at 1 and at 2 threads, but this process may \
                 use only {cap} ({})",
                threads::CAP_SOURCE
            ))
            .into());
        }
        return [1, 2]
            .into_iter()
            .map(|n| Job::new(args.workload.clone(), n, format!("threads_{n}.h5")))
            .collect();
    }
    let slurm = std::env::var("SLURM_CPUS_PER_TASK").ok();
    let (n, _) = threads::resolve(args.threads, slurm.as_deref(), cap).map_err(InputError)?;
    if args.growth {
        return GROWTH_SIDES_MM
            .into_iter()
            .map(|side| {
                let w = Workload {
                    side_mm: Some(side),
                    days: Some(args.workload.days.unwrap_or(GROWTH_DAYS)),
                    spinup_days: Some(args.workload.spinup_days.unwrap_or(GROWTH_DAYS)),
                };
                let voxels = (side * 1000.0 / 20.0).round();
                Job::new(w, n, format!("growth_{voxels}.h5"))
            })
            .collect();
    }
    Ok(vec![Job::new(
        args.workload.clone(),
        n,
        "standard_workload.h5".into(),
    )?])
}

/// Refuses a run whose estimated peak memory exceeds the memory available.
fn guard_memory(jobs: &[Job]) -> anyhow::Result<()> {
    let Some(available) = footprint::available() else {
        return Ok(());
    };
    for job in jobs {
        let overrides = job.workload.overrides();
        let source = ConfigSource {
            name: ORIGIN,
            text: Some(STANDARD_WORKLOAD),
            overrides: &overrides,
        };
        let workload = footprint::Workload::Run;
        if let Some(mut e) = footprint::for_config(&job.config, workload, &source) {
            e.size = format!("the standard workload on {}", job.label());
            footprint::refuse(&e, &available).map_err(|r| InputError(r.to_string()))?;
        }
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: &RunBench, quiet: bool) -> anyhow::Result<()> {
    let jobs = plan(args)?;
    if !args.skip_memory_check {
        guard_memory(&jobs)?;
    }
    let dir = match &args.keep {
        Some(keep) => OutputDir::keep(keep, &jobs)?,
        None => OutputDir::temporary()?,
    };
    let say = |s: String| {
        if !quiet {
            eprintln!("bench: {s}");
        }
    };
    let stop = bench_proc::stop_flag()?;
    let mut triads = Vec::new();
    let mut counts: Vec<usize> = jobs.iter().map(|j| j.threads).collect();
    counts.dedup();
    for n in counts {
        say(format!("memory bandwidth (triad) on {n} thread(s)"));
        triads.push((n, bench_proc::triad(n)?));
    }
    let mut reports: Vec<ChildReport> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        say(format!("run {} of {}: {}", i + 1, jobs.len(), job.label()));
        let output = dir.path().join(&job.file);
        reports.push(bench_proc::run_child(job, &output, quiet, &stop)?);
    }
    let triad_at = |n: usize| triads.iter().find(|t| t.0 == n).map_or(f64::NAN, |t| t.1);

    // The run the top-level figures describe: the only one, the 2-thread one, or
    // the 150^3 one of the growth series.
    let primary = if args.growth { 1 } else { reports.len() - 1 };
    let p = &reports[primary];
    let mut summary = Summary::new(p, triad_at(p.threads), bench_out::cpu_model());
    if args.scaling {
        say("comparing the datasets of the two output files".into());
        let paths: Vec<PathBuf> = jobs.iter().map(|j| dir.path().join(&j.file)).collect();
        let cmp = bench_digest::compare(&paths[0], &paths[1])?;
        summary.scaling = Some(Scaling::new(&reports[0], &reports[1], cmp));
    }
    if args.growth {
        let mut rows: Vec<GrowthRow> = jobs
            .iter()
            .zip(&reports)
            .map(|(j, r)| GrowthRow::new(j.workload.side_mm.unwrap_or(f64::NAN), r))
            .collect();
        summary.growth_ratio = bench_out::growth_ratio(&mut rows);
        summary.growth = Some(rows);
    }
    summary.kept = dir.kept().map(|p| p.display().to_string());
    drop(dir);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", summary.text(&p.stage_table));
    }
    Ok(())
}
