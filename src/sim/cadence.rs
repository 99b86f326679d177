//! Every "is it due?" of a run, in one place, computed from the integer step clock:
//! field solves and geometry updates at the start of a step; the mechanics check,
//! time-series rows, structural morphometry, snapshots and checkpoints at its end.
//!
//! A step `s` runs from the boundary `s` to the boundary `s + 1`; what is recorded
//! after it belongs to the boundary `s + 1`, and to its day when that boundary starts
//! a whole day (days count from the end of the spin-up, so rows also fall within the
//! spin-up, at negative days). The first record of a run, before step 0, has its own
//! [`Cadence::start`].

use crate::config::RunConfig;

use super::clock::Clock;

/// Days between updates of the field geometry from the lattice: bone moves by a few
/// um a week, far below a field cell.
const GEOMETRY_EVERY_DAYS: u64 = 7;

/// What one step (or the start of the run) has to do besides its every-step stages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Due {
    /// Solve the quasi-steady fields at the start of the step (otherwise the signals
    /// of the last solve carry over).
    pub solve: bool,
    /// Update the fields' geometry from the lattice before the solve.
    pub geometry: bool,
    /// Re-mark unloaded bone after the step.
    pub mechanics: bool,
    /// Write a time-series row after the step.
    pub measure: bool,
    /// Give that row the structural morphometry.
    pub structure: bool,
    /// Write a snapshot (and its thickness histogram) after the step.
    pub snapshot: bool,
    /// Write a checkpoint after the step.
    pub checkpoint: bool,
}

/// The periods of a run, from its clock and `[run]` settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cadence {
    clock: Clock,
    solve_every_steps: u64,
    mechanics_every_steps: u64,
    measure_every_days: i64,
    structure_every_days: i64,
    snapshot_every_days: i64,
    checkpoint_every_steps: u64,
}

impl Cadence {
    /// The cadence of a run with `clock` and settings `run`, checking mechanics every
    /// `mechanics_check_days` (rounded to whole steps, at least one).
    pub fn new(clock: Clock, run: &RunConfig, mechanics_check_days: f64) -> Self {
        Self {
            clock,
            solve_every_steps: u64::from(run.field_solve_every_steps),
            mechanics_every_steps: (mechanics_check_days * clock.steps_per_day as f64)
                .round()
                .max(1.0) as u64,
            measure_every_days: i64::from(run.measure_every_days),
            structure_every_days: i64::from(run.structure_every_days),
            snapshot_every_days: i64::from(run.snapshot_every_days),
            checkpoint_every_steps: u64::from(run.checkpoint_every_days) * clock.steps_per_day,
        }
    }

    /// What is due at the start of a fresh run, before step 0: a solve, and the first
    /// row (with structure unless structure is never measured) and a snapshot if day 0
    /// is due one (a run without spin-up).
    pub fn start(&self) -> Due {
        let day = self.clock.whole_day_at(0).unwrap_or(0);
        Due {
            solve: true,
            measure: true,
            structure: self.structure_every_days > 0,
            snapshot: self.snapshot_at(day),
            ..Due::default()
        }
    }

    /// What is due in step `s`.
    pub fn step(&self, s: u64) -> Due {
        let end = s + 1;
        let day = self.clock.whole_day_at(end);
        let measure = day.is_some_and(|d| self.row_at(d));
        Due {
            solve: s.is_multiple_of(self.solve_every_steps),
            geometry: s > 0 && s.is_multiple_of(GEOMETRY_EVERY_DAYS * self.clock.steps_per_day),
            mechanics: end.is_multiple_of(self.mechanics_every_steps),
            measure,
            structure: measure && day.is_some_and(|d| self.structure_at(d)),
            snapshot: day.is_some_and(|d| self.snapshot_at(d)),
            checkpoint: self.checkpoint_after(end),
        }
    }

    /// Whether a checkpoint is due once `steps_done` steps have run: every
    /// `run.checkpoint_every_days` (never if 0), but not after the last step.
    pub fn checkpoint_after(&self, steps_done: u64) -> bool {
        self.checkpoint_every_steps > 0
            && steps_done.is_multiple_of(self.checkpoint_every_steps)
            && steps_done < self.clock.total_steps()
    }

    fn last_day(&self) -> i64 {
        self.clock.days as i64
    }

    /// A row on the last day and every `run.measure_every_days`.
    fn row_at(&self, day: i64) -> bool {
        day == self.last_day() || day.rem_euclid(self.measure_every_days) == 0
    }

    /// Structure on the last day and every `run.structure_every_days` (never if 0).
    fn structure_at(&self, day: i64) -> bool {
        let every = self.structure_every_days;
        every > 0 && (day == self.last_day() || day.rem_euclid(every) == 0)
    }

    /// A snapshot on the last day and every `run.snapshot_every_days` from day 0
    /// (only the last day if 0); none in the spin-up.
    fn snapshot_at(&self, day: i64) -> bool {
        let every = self.snapshot_every_days;
        day >= 0 && (day == self.last_day() || (every > 0 && day % every == 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of 2 steps a day, 4 days of spin-up and 20 recorded days.
    fn cadence(edit: impl FnOnce(&mut RunConfig)) -> Cadence {
        let config = crate::config::parse(
            "[lattice]\nvoxel_um = 20.0\nshape_voxels = [8, 8, 8]\n[lattice.synthetic]\npreset = \"iliac_crest\"\n",
            "test",
            std::path::Path::new("."),
            &[],
        )
        .unwrap();
        let mut run = config.run.clone();
        run.step_hours = 12;
        run.spinup_days = 4;
        run.days = 20;
        run.measure_every_days = 3;
        run.structure_every_days = 6;
        run.snapshot_every_days = 8;
        run.field_solve_every_steps = 3;
        run.checkpoint_every_days = 5;
        edit(&mut run);
        Cadence::new(Clock::new(&run), &run, 1.25)
    }

    /// The steps in `0..48` whose `Due` has `pick`.
    fn steps(c: &Cadence, pick: fn(&Due) -> bool) -> Vec<u64> {
        (0..48).filter(|&s| pick(&c.step(s))).collect()
    }

    #[test]
    fn each_period_falls_on_its_steps() {
        let c = cadence(|_| {});
        let every = |k: u64| (0..48).filter(|s| s % k == 0).collect::<Vec<_>>();
        assert_eq!(steps(&c, |d| d.solve), every(3));
        // Geometry every 7 days = 14 steps, not at step 0.
        assert_eq!(steps(&c, |d| d.geometry), [14, 28, 42]);
        // Mechanics every 1.25 days = 2.5 steps, rounded to 3, after the step.
        assert_eq!(
            steps(&c, |d| d.mechanics),
            [2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47]
        );
        // Rows at the ends of steps that finish a day divisible by 3: day d ends at
        // step 2 (d + 4) - 1; the spin-up's day -3 is one of them, and so is the
        // last day, 20.
        assert_eq!(steps(&c, |d| d.measure), [1, 7, 13, 19, 25, 31, 37, 43, 47]);
        assert_eq!(steps(&c, |d| d.structure), [7, 19, 31, 43, 47]);
        assert_eq!(steps(&c, |d| d.snapshot), [7, 23, 39, 47]);
        // Checkpoints every 5 days = 10 steps of the 48.
        assert_eq!(steps(&c, |d| d.checkpoint), [9, 19, 29, 39]);
        assert!(!c.checkpoint_after(48), "none after the last step");
        // The last day (20, the end of step 47) has a row, structure and a snapshot.
        let last = c.step(47);
        assert!(last.measure && last.structure && last.snapshot && !last.checkpoint);
    }

    #[test]
    fn the_start_solves_and_records_a_row() {
        let start = cadence(|_| {}).start();
        assert!(start.solve && start.measure && start.structure);
        assert!(!start.snapshot, "day -4 is in the spin-up");
        assert!(!start.geometry && !start.mechanics && !start.checkpoint);
        let start = cadence(|r| r.spinup_days = 0).start();
        assert!(start.snapshot, "without spin-up the start is day 0");
        let start = cadence(|r| r.structure_every_days = 0).start();
        assert!(!start.structure);
    }

    #[test]
    fn zero_periods_mean_never() {
        let c = cadence(|r| {
            r.structure_every_days = 0;
            r.snapshot_every_days = 0;
            r.checkpoint_every_days = 0;
        });
        assert!(steps(&c, |d| d.structure).is_empty());
        assert!(steps(&c, |d| d.checkpoint).is_empty());
        assert_eq!(steps(&c, |d| d.snapshot), [47], "only the last day");
    }
}
