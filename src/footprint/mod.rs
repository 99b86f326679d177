//! Memory footprint: the peak memory a command will need, estimated before it
//! allocates anything, against the memory the process may use, so that a lattice
//! too large for the machine (or for the SLURM job's `--mem`) is refused with a
//! message instead of being killed by the kernel without one.
//!
//! - [`estimate`]: the estimate of each command, phase by phase, from a validated
//!   config ([`for_config`]) or a volume's header ([`for_volume`]);
//! - [`terms`]: the bytes per lattice voxel and per field cell behind it, each named
//!   after the arrays it counts;
//! - [`available`]: `MemAvailable` and the cgroup limits (v1 and v2);
//! - [`origin`]: which config key sized the lattice, and on which line.
//!
//! A phase is a set of arrays alive at the same time (the world between steps plus
//! a checkpoint being written, say); the estimate is the largest phase, plus
//! [`terms::BASE_BYTES`], times [`terms::MARGIN`].
//!
//! # Calibration
//!
//! Peak resident memory (`/usr/bin/time -f %M`, maximum resident set size) of the
//! release build with `--threads 2` on a 2-CPU Linux machine, against the estimate
//! (MiB = 2^20 bytes). `run`: the iliac-crest preset at 20 um for 2 days with a
//! time-series row, a structure row, a snapshot and a checkpoint every day (the
//! checkpoint sets the peak); `lattice`: the same configs; `measure`: a raw uint16
//! volume of rods (16 % bone) at 10 um; `validate --quick`: 16 runs of 50 x 50 x 60
//! voxels, two at a time.
//!
//! | command | size | voxels | estimate MiB | measured MiB | estimate / measured |
//! |---|---|---|---|---|---|
//! | run | side_mm 1.2 | 60^3 | 65.5 | 49.4 | 1.33 |
//! | run | side_mm 2.0 | 100^3 | 239.5 | 186.4 | 1.28 |
//! | run | side_mm 3.0 | 150^3 | 766.7 | 630.1 | 1.22 |
//! | lattice | side_mm 1.2 | 60^3 | 32.1 | 17.2 | 1.86 |
//! | lattice | side_mm 2.0 | 100^3 | 84.7 | 43.1 | 1.97 |
//! | lattice | side_mm 3.0 | 150^3 | 244.2 | 126.4 | 1.93 |
//! | measure | raw 200^3 uint16 | 200^3 | 521.2 | 245.0 to 275.7 | 1.89 to 2.13 |
//! | validate --quick | 50 x 50 x 60 | 150 000 per run | 44.4 | 31.3 | 1.42 |
//!
//! Nothing is fitted: the terms are counted from the code, and the only hand-set
//! numbers are [`terms::BASE_BYTES`] and [`terms::MARGIN`] (without the margin the
//! 150^3 run is estimated at 1.11 times its peak). `lattice` and `measure` come out
//! near twice their peak because their peak is the morphometry, whose bound counts
//! its five parallel branches alive at once; with two threads about half of that is
//! reached, with more threads more of it. A run's peak is its checkpoint: the
//! encoded state exists three times while it is written (the blob, the HDF5
//! writer's copy, the deflated chunks). The estimate includes it even when no
//! checkpoint is scheduled, since a stop by SIGTERM (a SLURM time limit) writes one.
//! `tests/limits.rs` checks that the estimate of a small run is at least its measured
//! peak and at most twice it.

pub mod available;
pub mod estimate;
pub mod origin;
pub mod terms;

pub use available::{available, Available};
pub use estimate::{for_config, for_volume, Workload};
pub use origin::ConfigSource;

/// A set of arrays alive at the same time, each named with its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// What the command is doing, e.g. `checkpoint`.
    pub name: &'static str,
    /// The arrays and their bytes.
    pub terms: Vec<Term>,
}

/// One array (or group of arrays) of a phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// What it is, e.g. `steady solver`.
    pub name: String,
    /// Bytes.
    pub bytes: f64,
}

impl Phase {
    /// A phase of `terms`.
    pub fn new(name: &'static str, terms: Vec<Term>) -> Self {
        Self { name, terms }
    }

    /// Bytes of all terms.
    pub fn bytes(&self) -> f64 {
        self.terms.iter().map(|t| t.bytes).sum()
    }
}

/// The estimated peak memory of one command.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The command, e.g. `run`.
    pub command: String,
    /// What sized the work: the config key with its file and line, or the volume.
    pub size: String,
    /// Lattice (or volume) voxels.
    pub voxels: u64,
    /// The phases; the largest sets the peak.
    pub phases: Vec<Phase>,
}

impl Estimate {
    /// The phase that sets the peak.
    pub fn peak_phase(&self) -> Option<&Phase> {
        self.phases
            .iter()
            .max_by(|a, b| a.bytes().total_cmp(&b.bytes()))
    }

    /// Peak bytes: the largest phase plus the base, times the margin.
    pub fn peak_bytes(&self) -> u64 {
        let largest = self.peak_phase().map_or(0.0, Phase::bytes);
        ((largest + terms::BASE_BYTES) * terms::MARGIN).ceil() as u64
    }

    /// One line: `about 1.52 GiB at peak (checkpoint: world 0.61 GiB + ...)`.
    pub fn summary(&self) -> String {
        let mut s = format!("about {} at peak", human_bytes(self.peak_bytes()));
        if let Some(p) = self.peak_phase() {
            let parts: Vec<String> = p
                .terms
                .iter()
                .filter(|t| t.bytes > 0.0)
                .map(|t| format!("{} {}", t.name, human_bytes(t.bytes as u64)))
                .collect();
            s.push_str(&format!(" ({}: {})", p.name, parts.join(" + ")));
        }
        s
    }
}

/// A command refused because its estimate exceeds the memory available.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{size} needs about {needed} at peak (estimate for `{command}`); {free} available \
     ({available_from}); {advice}, or pass --skip-memory-check to try anyway",
    needed = human_bytes(*.needed_bytes),
    free = human_bytes(*.available_bytes)
)]
pub struct TooLarge {
    /// What sized the work (see [`Estimate::size`]).
    pub size: String,
    /// The command.
    pub command: String,
    /// Estimated peak, bytes.
    pub needed_bytes: u64,
    /// Available, bytes.
    pub available_bytes: u64,
    /// Where the available figure came from.
    pub available_from: String,
    /// What to change.
    pub advice: String,
}

/// Refuses `estimate` when it exceeds `available`.
pub fn refuse(estimate: &Estimate, available: &Available) -> Result<(), TooLarge> {
    let needed = estimate.peak_bytes();
    if needed <= available.bytes {
        return Ok(());
    }
    let advice = if estimate.command == "measure" {
        "crop or downsample the volume, or run on a machine (or job) with more memory"
    } else {
        "reduce the lattice (or raise lattice.voxel_um), or give the job more memory \
         (e.g. sbatch --mem)"
    };
    Err(TooLarge {
        size: estimate.size.clone(),
        command: estimate.command.clone(),
        needed_bytes: needed,
        available_bytes: available.bytes,
        available_from: available.source.clone(),
        advice: advice.to_string(),
    })
}

/// Bytes for people: `512 KiB`, `61.2 MiB`, `3.40 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.2} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.0} KiB", (b / KIB).ceil())
    }
}

#[cfg(test)]
mod tests;
