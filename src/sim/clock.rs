//! The integer step clock and its mapping to simulated days.
//!
//! Time is never accumulated in floating point: step `s` starts at
//! `s / steps_per_day - spinup_days` days, computed from the integer `s` each time.
//! Day 0 is the end of the spin-up, where the hormone and drug schedules start.

use crate::config::RunConfig;

/// The run's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Steps per simulated day.
    pub steps_per_day: u64,
    /// Days simulated before day 0.
    pub spinup_days: u64,
    /// Days recorded after day 0.
    pub days: u64,
}

impl Clock {
    /// From the validated `[run]` section.
    pub fn new(run: &RunConfig) -> Self {
        Self {
            steps_per_day: u64::from(24 / run.step_hours.max(1)),
            spinup_days: u64::from(run.spinup_days),
            days: u64::from(run.days),
        }
    }

    /// Length of a step, days.
    pub fn dt_days(&self) -> f64 {
        1.0 / self.steps_per_day as f64
    }

    /// Steps in the whole run (spin-up included).
    pub fn total_steps(&self) -> u64 {
        (self.spinup_days + self.days) * self.steps_per_day
    }

    /// Simulated day at the start of step `s` (negative during spin-up).
    pub fn day_at(&self, s: u64) -> f64 {
        s as f64 / self.steps_per_day as f64 - self.spinup_days as f64
    }

    /// The whole day at the start of step `s`, if `s` starts a day.
    pub fn whole_day_at(&self, s: u64) -> Option<i64> {
        s.is_multiple_of(self.steps_per_day)
            .then(|| (s / self.steps_per_day) as i64 - self.spinup_days as i64)
    }

    /// Steps from the start of the run to the start of day `day`.
    pub fn step_of_day(&self, day: i64) -> u64 {
        ((day + self.spinup_days as i64).max(0) as u64) * self.steps_per_day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_come_from_the_integer_clock() {
        let c = Clock {
            steps_per_day: 4,
            spinup_days: 10,
            days: 20,
        };
        assert_eq!(c.total_steps(), 120);
        assert_eq!(c.day_at(0), -10.0);
        assert_eq!(c.day_at(41), 0.25);
        assert_eq!(c.whole_day_at(40), Some(0));
        assert_eq!(c.whole_day_at(41), None);
        assert_eq!(c.step_of_day(5), 60);
        assert_eq!(c.dt_days(), 0.25);
    }
}
