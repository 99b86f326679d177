//! Teriparatide (PTH 1-34), 20 ug SC daily: anabolic.
//!
//! PK: bioavailability about 95%, elimination half-life about 1 h (Forteo label,
//! approx.): each injection is a pulse that is over within a few hours, and nothing
//! carries to the next day (2^-24 of a dose is left after a day). The cells see the
//! daily-averaged signal `A = sum of the doses given that day / 20 ug` (the pulse's
//! area under the curve relative to the standard dose's, which is proportional to the
//! dose for linear PK): 1 on every day of the standard regimen, 0 on days without an
//! injection.
//!
//! Effect ([`crate::config::drugs::PharmacologyParams`]): osteoblast recruitment rises
//! by `1 + g_rec A` and apposition by `1 + g_act A` (teriparatide raises osteoblast
//! recruitment and activity; trabecular thickness and connectivity rise in biopsies:
//! Dempster et al., JBMR 2001; Jiang et al., JBMR 2003). The catabolic effect of
//! continuous PTH is not modelled.

use super::drug::Drug;

/// Elimination half-life, hours (Forteo label, approx.).
pub const HALF_LIFE_H: f64 = 1.0;

/// Fraction of a pulse's area under the curve within the day it is given, for a dose
/// at `hour` of the day: `1 - 2^(-(24 - hour) / t_half)`.
pub fn same_day_auc_fraction(hour: f64) -> f64 {
    1.0 - (-(24.0 - hour).max(0.0) / HALF_LIFE_H * std::f64::consts::LN_2).exp()
}

/// The daily-averaged anabolic signal of `doses_mg` given at the start of one day.
pub fn daily_signal(doses_mg: f64) -> f64 {
    doses_mg / Drug::Teriparatide.standard_dose_mg() * same_day_auc_fraction(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_dose_gives_a_signal_of_one() {
        assert!((daily_signal(0.02) - 1.0).abs() < 1e-6);
        assert!((daily_signal(0.04) - 2.0).abs() < 1e-6);
        assert!((same_day_auc_fraction(23.0) - 0.5).abs() < 1e-12);
    }
}
