//! The pipeline's named stages and their timers: the profile of a run is one table.

use std::time::{Duration, Instant};

/// Number of stages.
const STAGES: usize = 11;

/// The stages of one step, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Hormone (and drug) exposure for the step.
    Exposure,
    /// A bisphosphonate dose laid on the bone.
    Dosing,
    /// Cells and marrow write their sources into the fields.
    Secrete,
    /// Quasi-steady field solve, binding equilibria, geometry updates.
    SolveFields,
    /// Every cell and site decides, in parallel, into intents.
    Decide,
    /// Osteoclasts and osteoblasts apply their intents in id order (resorption,
    /// formation, moves, deaths), and new bone mineralizes.
    Remodel,
    /// T-cells, the precursor pool (fusions, new sites) and the sites (osteoblast
    /// recruitment, closing) apply their intents.
    ApplyEvents,
    /// Unloaded bone re-marked (on mechanics check steps).
    Mechanics,
    /// Closed sites written out.
    BmuSink,
    /// Morphometry and counts (on measurement days).
    Measure,
    /// Rows, topology events and snapshots written out.
    Record,
}

impl Stage {
    /// All stages in pipeline order.
    pub const ALL: [Stage; STAGES] = [
        Stage::Exposure,
        Stage::Dosing,
        Stage::Secrete,
        Stage::SolveFields,
        Stage::Decide,
        Stage::Remodel,
        Stage::ApplyEvents,
        Stage::Mechanics,
        Stage::BmuSink,
        Stage::Measure,
        Stage::Record,
    ];

    /// The stage's name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Exposure => "exposure",
            Stage::Dosing => "dosing",
            Stage::Secrete => "secrete",
            Stage::SolveFields => "solve_fields",
            Stage::Decide => "decide",
            Stage::Remodel => "remodel",
            Stage::ApplyEvents => "apply_events",
            Stage::Mechanics => "mechanics",
            Stage::BmuSink => "bmu_sink",
            Stage::Measure => "measure",
            Stage::Record => "record",
        }
    }
}

/// Wall time spent per stage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageTimes {
    totals: [Duration; STAGES],
    calls: [u64; STAGES],
}

impl StageTimes {
    /// Runs `f` as stage `stage`, adding its wall time.
    pub fn time<T>(&mut self, stage: Stage, f: impl FnOnce() -> T) -> T {
        let t0 = Instant::now();
        let out = f();
        self.add(stage, t0.elapsed());
        out
    }

    /// Adds one call of `stage` that took `elapsed`.
    pub fn add(&mut self, stage: Stage, elapsed: Duration) {
        let k = stage as usize;
        self.totals[k] += elapsed;
        self.calls[k] += 1;
    }

    /// Total time in `stage`.
    pub fn total(&self, stage: Stage) -> Duration {
        self.totals[stage as usize]
    }

    /// Time in all stages.
    pub fn sum(&self) -> Duration {
        self.totals.iter().sum()
    }

    /// A fixed-width table: stage, seconds, share, milliseconds per call.
    pub fn table(&self) -> String {
        let all = self.sum().as_secs_f64().max(1e-12);
        let mut s = format!(
            "{:<14}{:>10}{:>9}{:>12}{:>10}",
            "stage", "time (s)", "share", "ms/call", "calls"
        );
        for stage in Stage::ALL {
            let k = stage as usize;
            let t = self.totals[k].as_secs_f64();
            let per = if self.calls[k] > 0 {
                1e3 * t / self.calls[k] as f64
            } else {
                0.0
            };
            s.push_str(&format!(
                "\n{:<14}{:>10.3}{:>8.1}%{:>12.3}{:>10}",
                stage.name(),
                t,
                100.0 * t / all,
                per,
                self.calls[k]
            ));
        }
        s.push_str(&format!("\n{:<14}{:>10.3}", "total", all));
        s
    }
}
