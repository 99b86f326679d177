//! Estrogen sources: serum E2 over the run from `[estrogen]`, and the estrogen signal
//! on bone.
//!
//! Schedules (keys and the sources of their levels in [`crate::config::estrogen`]):
//! premenopausal (or constant) `level_pg_ml`; the menopause transition (a linear fall by
//! 64% over 1.7 y, Peterson & Riggs, Bone 2010); postmenopausal `postmenopausal_pg_ml`
//! (below 20 pg/mL, often below 14; SWAN: Randolph et al., JCEM 2011, approx.); men
//! `men_pg_ml` (about 15 pg/mL; Burnett-Bowie et al., JCEM 2009); ovarian suppression
//! (premenopausal until it starts, then postmenopausal).
//!
//! The signal on bone is saturating, `s(E2) = E2 / (E2 + EC50)`; drugs add to it
//! (tamoxifen's agonism, [`super::tamoxifen`]). The rules read the deficiency
//! `d = clamp(1 - s_total / s(E_ref), 0, 1)`: 0 at the reference level, 1 without any
//! signal. The reference is the premenopausal `reference_pg_ml` for women and
//! `men_reference_pg_ml` for the `men` schedule (a man's bone is at balance at his
//! own level).

use crate::config::estrogen::{EstrogenConfig, EstrogenSchedule};

/// Serum E2 at `day` before any drug, pg/mL. Days before 0 (spin-up) read the day-0
/// level.
pub fn baseline_e2_pg_ml(c: &EstrogenConfig, day: f64) -> f64 {
    let l = &c.levels;
    let day = day.max(0.0);
    match c.schedule {
        EstrogenSchedule::Constant | EstrogenSchedule::Premenopausal => l.level_pg_ml,
        EstrogenSchedule::Postmenopausal => l.postmenopausal_pg_ml,
        EstrogenSchedule::Men => l.men_pg_ml,
        EstrogenSchedule::OvarianSuppression => {
            if day >= l.suppression_start_day {
                l.postmenopausal_pg_ml.min(l.level_pg_ml)
            } else {
                l.level_pg_ml
            }
        }
        EstrogenSchedule::Menopause => {
            let t = (day - l.menopause_start_day) / l.menopause_duration_days;
            let progress = t.clamp(0.0, 1.0);
            l.level_pg_ml * (1.0 - l.menopause_fall_fraction * progress)
        }
    }
}

/// The saturating estrogen signal of a serum level, `E2 / (E2 + EC50)`.
pub fn signal(c: &EstrogenConfig, e2_pg_ml: f64) -> f64 {
    let e = e2_pg_ml.max(0.0);
    e / (e + c.levels.ec50_pg_ml)
}

/// The E2 level at which bone is at balance for this schedule, pg/mL.
pub fn reference_pg_ml(c: &EstrogenConfig) -> f64 {
    match c.schedule {
        EstrogenSchedule::Men => c.levels.men_reference_pg_ml,
        _ => c.levels.reference_pg_ml,
    }
}

/// Estrogen deficiency on bone at serum level `e2_pg_ml` plus an extra agonist signal
/// `agonist` (0 without a SERM).
pub fn deficiency(c: &EstrogenConfig, e2_pg_ml: f64, agonist: f64) -> f64 {
    let total = signal(c, e2_pg_ml) + agonist.max(0.0);
    (1.0 - total / signal(c, reference_pg_ml(c))).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::estrogen::EstrogenLevels;

    fn config(schedule: EstrogenSchedule) -> EstrogenConfig {
        EstrogenConfig {
            schedule,
            levels: EstrogenLevels {
                menopause_start_day: 100.0,
                suppression_start_day: 50.0,
                ..EstrogenLevels::default()
            },
        }
    }

    #[test]
    fn menopause_falls_linearly_by_the_fraction_then_holds() {
        let c = config(EstrogenSchedule::Menopause);
        assert_eq!(baseline_e2_pg_ml(&c, -50.0), 100.0);
        assert_eq!(baseline_e2_pg_ml(&c, 100.0), 100.0);
        assert!((baseline_e2_pg_ml(&c, 100.0 + 621.0 / 2.0) - 68.0).abs() < 1e-9);
        assert!((baseline_e2_pg_ml(&c, 721.0) - 36.0).abs() < 1e-9);
        assert!((baseline_e2_pg_ml(&c, 5000.0) - 36.0).abs() < 1e-9);
    }

    #[test]
    fn sources_hold_their_levels() {
        assert_eq!(
            baseline_e2_pg_ml(&config(EstrogenSchedule::Premenopausal), 10.0),
            100.0
        );
        assert_eq!(
            baseline_e2_pg_ml(&config(EstrogenSchedule::Postmenopausal), 10.0),
            10.0
        );
        assert_eq!(
            baseline_e2_pg_ml(&config(EstrogenSchedule::Men), 10.0),
            15.0
        );
        let ofs = config(EstrogenSchedule::OvarianSuppression);
        assert_eq!(baseline_e2_pg_ml(&ofs, 49.0), 100.0);
        assert_eq!(baseline_e2_pg_ml(&ofs, 50.0), 10.0);
    }

    #[test]
    fn deficiency_is_zero_at_the_reference_and_one_without_estrogen() {
        let c = config(EstrogenSchedule::Menopause);
        assert_eq!(deficiency(&c, 100.0, 0.0), 0.0);
        assert_eq!(deficiency(&c, 300.0, 0.0), 0.0);
        assert_eq!(deficiency(&c, 0.0, 0.0), 1.0);
        let d10 = deficiency(&c, 10.0, 0.0);
        let d36 = deficiency(&c, 36.0, 0.0);
        assert!(0.0 < d36 && d36 < d10 && d10 < 1.0, "{d36} {d10}");
        // An agonist lowers the deficiency; men balance at their own level.
        assert!(deficiency(&c, 10.0, 0.3) < d10);
        let m = config(EstrogenSchedule::Men);
        assert_eq!(deficiency(&m, 15.0, 0.0), 0.0);
        assert!(deficiency(&m, 15.0 * 0.15, 0.0) > 0.5);
    }
}
