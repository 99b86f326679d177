//! One run of the standard workload in a process of its own, for `trabecula bench
//! run` (hidden subcommand `bench workload`): the parent starts this executable once
//! per workload, so that the peak resident memory it reads is the run's own and not
//! the parent's (its bandwidth test, the other runs).
//!
//! The child loads the built-in workload ([`super::bench_run::Workload`]) with the
//! same overrides, sets up its thread pool like `run`, builds the lattice, runs every
//! step through the loop `run` uses ([`super::drive`]: checkpoints on schedule, a
//! checkpoint and exit status 3 on SIGTERM or SIGINT), writes the output file the
//! parent named and marks it complete. Its last line on standard output is one JSON
//! object, [`ChildReport`]: the wall time of the steps (s), the stage times (s), and
//! the process's peak resident set size (`VmHWM` of `/proc/self/status`, MB = 10^6
//! bytes; `null` where the platform has no such file).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::bench_run::Workload;
use super::{claim, drive, report, threads, Progress};
use crate::config::Config;
use crate::lattice::source;
use crate::morphometry;
use crate::output::FileMeta;
use crate::sim::{Hdf5Sink, Simulation, Stage};

/// Arguments of the hidden `trabecula bench workload`.
#[derive(Debug, Args)]
pub struct WorkloadArgs {
    /// The built-in workload and its overrides.
    #[command(flatten)]
    pub workload: Workload,
    /// Worker threads.
    #[arg(long)]
    pub threads: usize,
    /// Output HDF5 file (must not exist).
    #[arg(short, long)]
    pub output: PathBuf,
}

/// One pipeline stage's time in a run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StageTime {
    /// The stage's name ([`Stage::name`]).
    pub name: String,
    /// Wall time in the stage, s.
    pub seconds: f64,
}

/// What one workload run measured, as the child prints it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChildReport {
    /// Wall time of the steps (the loop, its checkpoints and closing the file), s.
    pub wall_s: f64,
    /// Wall time before the first step: lattice built and measured, world set up, s.
    pub setup_s: f64,
    /// Steps run.
    pub steps: u64,
    /// Checkpoints written on schedule.
    pub checkpoints: u32,
    /// Time per stage, in pipeline order.
    pub stages: Vec<StageTime>,
    /// The stage table as `run --profile` prints it (seconds, share, ms/call, calls).
    pub stage_table: String,
    /// Peak resident set size of this process, MB (10^6 bytes).
    pub peak_rss_mb: Option<f64>,
    /// Worker threads.
    pub threads: usize,
    /// Lattice voxels along x, y, z.
    pub lattice_dims: [usize; 3],
    /// Lattice voxel edge, um.
    pub voxel_um: f64,
    /// Field cells along x, y, z.
    pub field_dims: [usize; 3],
    /// Field cell edge, um.
    pub field_cell_um: f64,
    /// Simulated days after the spin-up.
    pub days: u64,
    /// Days of spin-up.
    pub spinup_days: u64,
}

/// Runs the hidden command: one workload, then its report as a JSON line.
pub fn run(args: &WorkloadArgs, progress: Progress) -> anyhow::Result<()> {
    let config = args.workload.load()?;
    let _lock = claim::claim_h5(&args.output, false)?;
    let (n_threads, _) = threads::init(Some(args.threads))?;
    let report = simulate(&config, &args.output, n_threads, progress)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Runs `config` into `output` on the pool already set up, timing it.
fn simulate(
    config: &Config,
    output: &Path,
    n_threads: usize,
    progress: Progress,
) -> anyhow::Result<ChildReport> {
    let t0 = Instant::now();
    let built = source::build(&config.lattice, config.run.seed)?;
    let metrics = morphometry::measure(&built.lattice.mask());
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
    let stop = drive::StopFlag::install(output)?;
    let setup_s = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let mut checkpoints = drive::CheckpointStats::default();
    let outcome = drive::drive(&mut sim, &mut sink, &stop, progress, &mut checkpoints)?;
    drive::conclude(outcome, &sim, sink, output)?;
    let wall_s = t1.elapsed().as_secs_f64();

    let timers = sim.timers();
    let stages = Stage::ALL
        .iter()
        .map(|&s| StageTime {
            name: s.name().to_string(),
            seconds: timers.total(s).as_secs_f64(),
        })
        .collect();
    let world = sim.world();
    let d = world.lattice.dims;
    let grid = world.fields.grid();
    let clock = sim.clock();
    Ok(ChildReport {
        wall_s,
        setup_s,
        steps: sim.steps_done(),
        checkpoints: checkpoints.count,
        stages,
        stage_table: timers.table(),
        peak_rss_mb: peak_rss_mb(),
        threads: n_threads,
        lattice_dims: [d.nx, d.ny, d.nz],
        voxel_um: world.lattice.voxel_um,
        field_dims: [grid.dims.nx, grid.dims.ny, grid.dims.nz],
        field_cell_um: grid.dx_um,
        days: clock.days,
        spinup_days: clock.spinup_days,
    })
}

/// Peak resident set size of this process so far, MB: `VmHWM` of
/// `/proc/self/status` (kB there, 1024 bytes). `None` where it cannot be read.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm_kb(&status).map(|kb| kb as f64 * 1024.0 / 1e6)
}

/// The `VmHWM:` value of a `/proc/PID/status` text, kB.
fn parse_vm_hwm_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::parse_vm_hwm_kb;

    #[test]
    fn peak_rss_is_read_from_the_status_text() {
        let status = "Name:\ttrabecula\nVmPeak:\t  900 kB\nVmHWM:\t  645312 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(parse_vm_hwm_kb(status), Some(645_312));
        assert_eq!(parse_vm_hwm_kb("Name:\tx\n"), None);
    }
}
