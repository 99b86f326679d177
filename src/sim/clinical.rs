//! Clinical readouts from the simulated volume: bone turnover markers relative to the
//! run's own baseline, trabecular vBMD, lumbar-spine and total-hip aBMD change, and the
//! lumbar-spine T-score. Pure functions, plus the baseline bookkeeping that fills them
//! into a time-series row.
//!
//! - **CTX, P1NP** (relative): the resorbed (formed) volume rate over the measurement
//!   interval divided by the same rate over the baseline interval: the first interval
//!   ending at or after day 0 with nonzero turnover (with a spin-up, the spin-up's last
//!   interval, ending at day 0; without, the first interval after day 0). Serum CTX is
//!   released in proportion to the collagen resorbed, P1NP to the collagen laid down,
//!   so their ratios to baseline are the volume-rate ratios (approx.: clearance and
//!   the osteoid-to-bone lag are ignored).
//! - **Trabecular vBMD**, mg/cm^3 hydroxyapatite: `rho_HA * sum(f m) / N`, `f` each
//!   voxel's bone fraction, `m` its mineral volume fraction, `N` the voxels of the
//!   volume, `rho_HA` = `clinical.hydroxyapatite_mg_cm3` (3160: at BV/TV 0.15 and
//!   mineral 0.4 this gives about 190 mg/cm^3, the range of young-adult spine QCT).
//! - **aBMD change**, %: `k * vBMD change %`, `k` = `clinical.spine_trabecular_factor`
//!   (0.3-0.5, a model choice; docs/MODEL.md, Submodels: clinical readouts) or
//!   `clinical.hip_trabecular_factor`; vBMD
//!   change relative to the row at day 0.
//! - **T-score** (lumbar spine): `T = T0 + aBMD0 * dLS / 100 / SD`, `aBMD0 = mean + T0
//!   SD` from the young-adult reference, `T0` = `clinical.baseline_t_score`.
//!
//! Rows before their baseline read NaN.

use crate::config::clinical::ClinicalConfig;

use super::measure::Measurement;

/// `value / baseline` (NaN without a positive baseline).
pub fn relative(value: f64, baseline: f64) -> f64 {
    if baseline > 0.0 {
        value / baseline
    } else {
        f64::NAN
    }
}

/// Percent change of `value` from `baseline` (NaN without a positive baseline).
pub fn percent_change(value: f64, baseline: f64) -> f64 {
    100.0 * (relative(value, baseline) - 1.0)
}

/// Trabecular vBMD, mg/cm^3, from the mean of bone fraction times mineral fraction
/// over the volume.
pub fn vbmd_mg_cm3(mean_mineral_volume_fraction: f64, hydroxyapatite_mg_cm3: f64) -> f64 {
    mean_mineral_volume_fraction * hydroxyapatite_mg_cm3
}

/// aBMD change, %, from the trabecular vBMD change through the site's factor.
pub fn abmd_change_pct(vbmd_change_pct: f64, trabecular_factor: f64) -> f64 {
    trabecular_factor * vbmd_change_pct
}

/// Lumbar-spine T-score after an aBMD change of `abmd_change_pct` from a patient
/// whose T-score was `t0`.
pub fn t_score(t0: f64, abmd_change_pct: f64, young_mean_g_cm2: f64, young_sd_g_cm2: f64) -> f64 {
    let abmd0 = young_mean_g_cm2 + t0 * young_sd_g_cm2;
    t0 + abmd0 * abmd_change_pct / 100.0 / young_sd_g_cm2
}

/// The run's baselines, set as the rows come in.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClinicalBaseline {
    /// Resorption and formation rates of the baseline interval, 1/y.
    pub turnover: Option<(f64, f64)>,
    /// vBMD at day 0, mg/cm^3.
    pub vbmd_mg_cm3: Option<f64>,
}

impl ClinicalBaseline {
    /// Fills the clinical columns of `row` (whose `vbmd_mg_cm3` and rates are set),
    /// setting the baselines when `row` is the first to qualify.
    pub fn fill(&mut self, row: &mut Measurement, c: &ClinicalConfig) {
        if row.day >= 0.0 {
            if self.vbmd_mg_cm3.is_none() {
                self.vbmd_mg_cm3 = Some(row.vbmd_mg_cm3);
            }
            if self.turnover.is_none()
                && row.resorption_rate_per_y > 0.0
                && row.formation_rate_per_y > 0.0
            {
                self.turnover = Some((row.resorption_rate_per_y, row.formation_rate_per_y));
            }
        }
        let (r0, f0) = self.turnover.unwrap_or((f64::NAN, f64::NAN));
        row.ctx_relative = relative(row.resorption_rate_per_y, r0);
        row.p1np_relative = relative(row.formation_rate_per_y, f0);
        let v0 = self.vbmd_mg_cm3.unwrap_or(f64::NAN);
        row.vbmd_change_pct = percent_change(row.vbmd_mg_cm3, v0);
        row.spine_abmd_change_pct = abmd_change_pct(row.vbmd_change_pct, c.spine_trabecular_factor);
        row.hip_abmd_change_pct = abmd_change_pct(row.vbmd_change_pct, c.hip_trabecular_factor);
        row.t_score = t_score(
            c.baseline_t_score,
            row.spine_abmd_change_pct,
            c.young_adult_spine_g_cm2,
            c.young_adult_spine_sd_g_cm2,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readouts_in_closed_form() {
        assert_eq!(relative(3.0, 2.0), 1.5);
        assert!(relative(1.0, 0.0).is_nan());
        assert!((percent_change(95.0, 100.0) + 5.0).abs() < 1e-12);
        assert!((vbmd_mg_cm3(0.154 * 0.4, 3160.0) - 194.656).abs() < 1e-9);
        assert!((abmd_change_pct(-10.0, 0.4) + 4.0).abs() < 1e-12);
        // T0 = -1 at mean 1.047, SD 0.11: aBMD0 = 0.937; a 5% loss is 0.04685 g/cm^2,
        // 0.426 SD.
        let t = t_score(-1.0, -5.0, 1.047, 0.11);
        assert!((t - (-1.0 - 0.937 * 0.05 / 0.11)).abs() < 1e-12, "{t}");
        assert_eq!(t_score(-2.0, 0.0, 1.047, 0.11), -2.0);
    }

    #[test]
    fn baselines_come_from_the_first_qualifying_rows() {
        let c = ClinicalConfig::default();
        let mut b = ClinicalBaseline::default();
        let mut spin = Measurement {
            day: -30.0,
            vbmd_mg_cm3: 200.0,
            resorption_rate_per_y: 0.1,
            formation_rate_per_y: 0.1,
            ..Measurement::default()
        };
        b.fill(&mut spin, &c);
        assert!(spin.ctx_relative.is_nan() && spin.t_score.is_nan());
        let mut day0 = Measurement {
            day: 0.0,
            vbmd_mg_cm3: 190.0,
            ..Measurement::default()
        };
        b.fill(&mut day0, &c);
        assert_eq!(day0.t_score, c.baseline_t_score);
        assert!(
            day0.ctx_relative.is_nan(),
            "no turnover in the day-0 interval"
        );
        let mut next = Measurement {
            day: 30.0,
            vbmd_mg_cm3: 171.0,
            resorption_rate_per_y: 0.2,
            formation_rate_per_y: 0.1,
            ..Measurement::default()
        };
        b.fill(&mut next, &c);
        assert_eq!(next.ctx_relative, 1.0);
        let mut later = Measurement {
            day: 60.0,
            vbmd_mg_cm3: 171.0,
            resorption_rate_per_y: 0.1,
            formation_rate_per_y: 0.15,
            ..next.clone()
        };
        b.fill(&mut later, &c);
        assert_eq!(later.ctx_relative, 0.5);
        assert!((later.p1np_relative - 1.5).abs() < 1e-12);
        assert!((later.vbmd_change_pct + 10.0).abs() < 1e-9);
        assert!((later.spine_abmd_change_pct + 4.0).abs() < 1e-9);
        assert!(later.t_score < c.baseline_t_score);
    }
}
