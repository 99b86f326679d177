//! What the body's chemistry exposes the cells to at each step: serum estradiol now,
//! drug levels later.
//!
//! The cell rules never read the config's hormone or drug settings directly; they
//! read one [`Exposure`] per step, built here from the schedule. A drug added later
//! becomes a new field of [`Exposure`] (a tissue level, a bound fraction) computed by
//! its pharmacokinetics in this module, and the rules that respond to it read that
//! field.
//!
//! Estrogen acts through a saturating signal `s(E2) = E2 / (E2 + EC50)` relative to
//! its value at the premenopausal reference level. The rules use the *deficiency*
//! `d = max(0, 1 - s(E2) / s(E_ref))`: 0 at the reference level, 1 without estrogen
//! (and 0 above the reference: supraphysiological estrogen is not modelled as
//! protective beyond the premenopausal state).

use crate::config::estrogen::{EstrogenConfig, EstrogenSchedule};

/// The exposure of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exposure {
    /// Simulated day (after spin-up; negative during spin-up).
    pub day: f64,
    /// Serum estradiol, pg/mL.
    pub e2_pg_ml: f64,
    /// Estrogen deficiency in [0, 1] (see the module documentation).
    pub estrogen_deficiency: f64,
}

impl Exposure {
    /// `1 + gain * deficiency`: how an estrogen-suppressed rate scales.
    #[inline]
    pub fn estrogen_factor(&self, gain: f64) -> f64 {
        1.0 + gain * self.estrogen_deficiency
    }
}

/// The hormone (and later drug) schedule of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Pharmacology {
    estrogen: EstrogenConfig,
}

impl Pharmacology {
    /// From the validated config.
    pub fn new(estrogen: &EstrogenConfig) -> Self {
        Self {
            estrogen: estrogen.clone(),
        }
    }

    /// Serum E2 at `day`, pg/mL. Days before 0 (spin-up) read the day-0 level.
    pub fn e2_pg_ml(&self, day: f64) -> f64 {
        let l = &self.estrogen.levels;
        let day = day.max(0.0);
        match self.estrogen.schedule {
            EstrogenSchedule::Constant => l.level_pg_ml,
            EstrogenSchedule::Menopause => {
                let t = (day - l.menopause_start_day) / l.menopause_duration_days;
                let progress = t.clamp(0.0, 1.0);
                l.level_pg_ml * (1.0 - l.menopause_fall_fraction * progress)
            }
        }
    }

    /// Estrogen deficiency at serum level `e2_pg_ml` (see the module documentation).
    pub fn deficiency(&self, e2_pg_ml: f64) -> f64 {
        let l = &self.estrogen.levels;
        let signal = |e: f64| e / (e + l.ec50_pg_ml);
        (1.0 - signal(e2_pg_ml.max(0.0)) / signal(l.reference_pg_ml)).clamp(0.0, 1.0)
    }

    /// The exposure at `day`.
    pub fn exposure(&self, day: f64) -> Exposure {
        let e2 = self.e2_pg_ml(day);
        Exposure {
            day,
            e2_pg_ml: e2,
            estrogen_deficiency: self.deficiency(e2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::estrogen::EstrogenLevels;

    fn menopause() -> Pharmacology {
        Pharmacology::new(&EstrogenConfig {
            schedule: EstrogenSchedule::Menopause,
            levels: EstrogenLevels {
                menopause_start_day: 100.0,
                ..EstrogenLevels::default()
            },
        })
    }

    #[test]
    fn menopause_falls_linearly_by_the_fraction_then_holds() {
        let p = menopause();
        assert_eq!(p.e2_pg_ml(-50.0), 100.0);
        assert_eq!(p.e2_pg_ml(100.0), 100.0);
        assert!((p.e2_pg_ml(100.0 + 621.0 / 2.0) - 68.0).abs() < 1e-9);
        assert!((p.e2_pg_ml(721.0) - 36.0).abs() < 1e-9);
        assert!((p.e2_pg_ml(5000.0) - 36.0).abs() < 1e-9);
    }

    #[test]
    fn deficiency_is_zero_at_the_reference_and_one_without_estrogen() {
        let p = menopause();
        assert_eq!(p.deficiency(100.0), 0.0);
        assert_eq!(p.deficiency(300.0), 0.0);
        assert_eq!(p.deficiency(0.0), 1.0);
        let d10 = p.deficiency(10.0);
        let d36 = p.deficiency(36.0);
        assert!(0.0 < d36 && d36 < d10 && d10 < 1.0, "{d36} {d10}");
        assert!((p.exposure(0.0).estrogen_factor(2.0) - 1.0).abs() < 1e-12);
    }
}
