//! The step loop shared by `trabecula run` and `trabecula resume`: steps with a
//! progress bar, a checkpoint every `run.checkpoint_every_days`, and a clean stop on
//! SIGTERM or SIGINT.
//!
//! SIGTERM is what SLURM sends at a job's time limit (followed by SIGKILL after
//! `KillWait`, 30 s by default); SIGINT is Ctrl-C. Either sets a flag that the loop
//! reads between steps: the run finishes its current step, writes a checkpoint with
//! every recorded row in one commit, closes the file and exits with status
//! [`EXIT_STOPPED`] (3). A second signal while the first is being handled ends the
//! process at once (status 1) with a message; the file then still holds its last
//! commit.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::Progress;
use crate::files::lock::lock_path;
use crate::sim::{Hdf5Sink, Simulation};

/// Exit status of a run stopped by a signal after writing its checkpoint.
pub const EXIT_STOPPED: i32 = 3;

/// A run stopped by SIGTERM or SIGINT after writing a checkpoint: not a failure of
/// the input, not a crash ([`EXIT_STOPPED`]).
#[derive(Debug, thiserror::Error)]
#[error("run interrupted by a signal at day {day}; checkpoint written; continue with: trabecula resume {file}")]
pub struct Stopped {
    /// Simulated day of the checkpoint.
    pub day: f64,
    /// The output file.
    pub file: String,
}

/// The flag SIGTERM and SIGINT set.
pub(super) struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Starts the thread that receives SIGTERM and SIGINT for the run writing `file`:
    /// the first signal sets the flag (and says so); a second ends the process at
    /// once with status 1, after saying what the file then holds.
    pub(super) fn install(file: &Path) -> anyhow::Result<Self> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut signals = Signals::new([SIGTERM, SIGINT])?;
        let raised = flag.clone();
        let file = file.display().to_string();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let name = if signal == SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
                    if raised.swap(true, Ordering::SeqCst) {
                        eprintln!(
                            "\n{name} again: ending now, without a new checkpoint; {file} keeps \
                             everything up to its last commit, and `trabecula resume {file}` \
                             continues from its last checkpoint"
                        );
                        // The write lock this process holds dies with it; its file
                        // would only linger (see `crate::files::lock`).
                        let _ = std::fs::remove_file(lock_path(Path::new(&file)));
                        std::process::exit(1);
                    }
                    eprintln!(
                        "\n{name}: finishing the current step and writing a checkpoint \
                         (a second signal ends the run at once)"
                    );
                }
            })
            .map_err(|e| anyhow::anyhow!("cannot start the signal-handling thread: {e}"))?;
        Ok(Self(flag))
    }

    fn raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Checkpoints written by a run, for `--profile`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CheckpointStats {
    /// Checkpoints written.
    pub count: u32,
    /// Size of the last state, bytes (before compression in the file).
    pub last_bytes: usize,
    /// Time spent encoding and committing them, s.
    pub seconds: f64,
}

impl std::fmt::Display for CheckpointStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let each = if self.count > 0 {
            self.seconds / f64::from(self.count)
        } else {
            0.0
        };
        write!(
            f,
            "checkpoints: {} written, {:.3} s each, last state {:.2} MB",
            self.count,
            each,
            self.last_bytes as f64 / 1e6
        )
    }
}

/// How the loop ended.
pub(super) enum Outcome {
    /// Every step ran.
    Finished,
    /// Stopped by a signal; a checkpoint was written.
    Stopped,
}

/// Runs the remaining steps of `sim` into `sink`, writing checkpoints on schedule,
/// until the end or a signal; counts the checkpoints in `stats`.
pub(super) fn drive(
    sim: &mut Simulation,
    sink: &mut Hdf5Sink,
    stop: &StopFlag,
    progress: Progress,
    stats: &mut CheckpointStats,
) -> anyhow::Result<Outcome> {
    let clock = *sim.clock();
    let bar = progress.bar(clock.spinup_days + clock.days, "days");
    bar.set_position(sim.steps_done() / clock.steps_per_day);
    sim.start(sink)?;
    let mut checkpoint = |sim: &Simulation, sink: &mut Hdf5Sink| -> anyhow::Result<()> {
        let t = Instant::now();
        stats.last_bytes = sink.checkpoint(sim)?;
        stats.count += 1;
        stats.seconds += t.elapsed().as_secs_f64();
        Ok(())
    };
    let outcome = loop {
        if sim.is_done() {
            break Outcome::Finished;
        }
        if stop.raised() {
            checkpoint(sim, sink)?;
            break Outcome::Stopped;
        }
        sim.step(sink)?;
        let done = sim.steps_done() / clock.steps_per_day;
        if done != bar.position() {
            bar.set_position(done);
            let day = sim.day();
            bar.set_message(if day < 0.0 { "spin-up" } else { "simulating" });
        }
        if sim.checkpoint_due() {
            checkpoint(sim, sink)?;
        }
    };
    bar.finish_and_clear();
    Ok(outcome)
}

/// Ends a run after [`drive`]: marks the file complete or closes it at the
/// checkpoint, and returns [`Stopped`] for a stop.
pub(super) fn conclude(
    outcome: Outcome,
    sim: &Simulation,
    sink: Hdf5Sink,
    file: &Path,
) -> anyhow::Result<()> {
    match outcome {
        Outcome::Finished => {
            sink.finish()?;
            Ok(())
        }
        Outcome::Stopped => {
            sink.close()?;
            Err(Stopped {
                day: sim.day(),
                file: file.display().to_string(),
            }
            .into())
        }
    }
}

/// The end-of-run summary line.
pub(super) fn summary(sim: &Simulation, steps: u64, wall_s: f64) -> String {
    let clock = sim.clock();
    let w = sim.world();
    format!(
        "done: {} days in {wall_s:.1} s ({:.1} ms/step); BV/TV {:.4}, {} sites activated, {} osteoclasts, {} osteoblasts, {} T-cells",
        clock.spinup_days + clock.days,
        1e3 * wall_s / steps.max(1) as f64,
        w.bone_volume_fraction(),
        w.bmus.issued(),
        w.osteoclasts.len(),
        w.osteoblasts.len(),
        w.tcells.len()
    )
}
