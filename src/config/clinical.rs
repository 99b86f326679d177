//! The `[clinical]` section: how the simulated trabecular volume maps to the clinical
//! readouts (DXA aBMD, T-score). See [`crate::sim::clinical`] for the readouts.
//!
//! ```toml
//! [clinical]
//! baseline_t_score = -1.5          # the patient's lumbar-spine T-score at day 0
//! spine_trabecular_factor = 0.4    # spine aBMD change per trabecular vBMD change
//! ```

use super::params::param_table;
use super::reader::{Range, Section};

param_table! {
    /// `[clinical]` (all keys optional).
    pub struct ClinicalConfig {
        /// Lumbar-spine T-score at day 0, [-6, 4]. Default -1.0 (osteopenia starts
        /// below -1; WHO Study Group, WHO Tech Rep Ser 1994).
        baseline_t_score ["1"]: Range::closed(-6.0, 4.0) => -1.0,
        /// Lumbar-spine aBMD change per unit trabecular vBMD change (relative), [0, 1].
        /// Default 0.4 (model choice within 0.3-0.5: the posterior elements hold about
        /// half the vertebral mineral and change slowly; approx., no primary source;
        /// calibrate).
        spine_trabecular_factor ["1"]: Range::closed(0.0, 1.0) => 0.4,
        /// Total-hip aBMD change per unit trabecular vBMD change (relative), [0, 1].
        /// Default 0.35 (model choice, approx.: the hip is mostly cortical but ATAC's
        /// hip losses match the spine's; calibrate).
        hip_trabecular_factor ["1"]: Range::closed(0.0, 1.0) => 0.35,
        /// Young-adult mean lumbar-spine (L1-L4) aBMD of the T-score reference,
        /// g/cm^2, (0, 3]. Default 1.047 (Hologic female reference; approx.).
        young_adult_spine_g_cm2 ["g/cm^2"]: Range::open_closed(0.0, 3.0) => 1.047,
        /// Its standard deviation, g/cm^2, (0, 1]. Default 0.11 (same; approx.).
        young_adult_spine_sd_g_cm2 ["g/cm^2"]: Range::open_closed(0.0, 1.0) => 0.11,
        /// Density of the bone mineral phase, mg/cm^3 hydroxyapatite, (0, 5000]: a voxel
        /// of bone fraction `f` and mineral volume fraction `m` holds `f m rho` of
        /// mineral. Default 3160 (hydroxyapatite crystal density 3.16 g/cm^3; approx.).
        hydroxyapatite_mg_cm3 ["mg/cm^3"]: Range::open_closed(0.0, 5000.0) => 3160.0,
    }
}

/// Validates `[clinical]` (absent: every default).
pub fn clinical_section(s: &Section<'_, '_>) -> Option<ClinicalConfig> {
    ClinicalConfig::read(s)
}
