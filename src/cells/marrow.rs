//! Marrow stromal cells and monocytes: a uniform background production of IL-1, IL-6
//! and TNF-alpha in marrow, each raised when estrogen is low (estrogen suppresses
//! them: Pacifici, JBMR 1996; IL-6: Jilka et al., Science 1992). Parameters:
//! [`crate::config::cells::MarrowConfig`].

use crate::config::cells::MarrowConfig;
use crate::fields::Species;
use crate::pharmacology::Exposure;

/// Seconds per day.
const S_PER_DAY: f64 = 86_400.0;

/// Background production per marrow volume this step, pM/s, for IL-1, IL-6 and
/// TNF-alpha.
pub fn background(c: &MarrowConfig, exposure: &Exposure) -> [(Species, f64); 3] {
    [
        (
            Species::Il1,
            c.il1_pm_per_day * exposure.estrogen_factor(c.il1_estrogen_gain) / S_PER_DAY,
        ),
        (
            Species::Il6,
            c.il6_pm_per_day * exposure.estrogen_factor(c.il6_estrogen_gain) / S_PER_DAY,
        ),
        (
            Species::Tnf,
            c.tnf_pm_per_day * exposure.estrogen_factor(c.tnf_estrogen_gain) / S_PER_DAY,
        ),
    ]
}
