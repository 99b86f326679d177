//! The `[estrogen]` section: serum estradiol (E2) over simulated time, and how strongly
//! a level acts.
//!
//! ```toml
//! [estrogen]
//! schedule = "menopause"        # or "constant"
//! level_pg_ml = 100             # the constant level, or the level before menopause
//! menopause_start_day = 365
//! menopause_duration_days = 621 # E2 falls 64% over about 1.7 y (Peterson & Riggs)
//! menopause_fall_fraction = 0.64
//! ```
//!
//! The cell rules read E2 through a saturating signal relative to a premenopausal
//! reference level (see [`crate::pharmacology`]): every estrogen-dependent rate in
//! `[cells]` is given at the reference level.

use serde::Serialize;

use super::params::param_table;
use super::reader::{Range, Section};

/// How E2 changes over the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EstrogenSchedule {
    /// `level_pg_ml` throughout.
    Constant,
    /// `level_pg_ml` until `menopause_start_day`, then a linear fall by
    /// `menopause_fall_fraction` of it over `menopause_duration_days`, then constant.
    Menopause,
}

param_table! {
    /// Levels and timing of `[estrogen]` (all keys optional).
    pub struct EstrogenLevels {
        /// Serum E2, pg/mL: the constant level, or the level before menopause, [0, 1000].
        /// Default 100 pg/mL, a premenopausal mean over the cycle (follicular 30-100,
        /// mid-cycle and luteal higher; approx.). Postmenopausal E2 is below 20 pg/mL,
        /// often below 14 (REFERENCE.md section 4).
        level_pg_ml: Range::closed(0.0, 1000.0) => 100.0,
        /// Premenopausal reference level at which every estrogen-dependent cell rate is
        /// specified, pg/mL, (0, 1000]. Default 100 (as `level_pg_ml`).
        reference_pg_ml: Range::open_closed(0.0, 1000.0) => 100.0,
        /// E2 giving half of the maximal estrogen signal, pg/mL, (0, 1000]. Default 30
        /// (model choice, approx.: the signal falls by a third between the premenopausal
        /// mean and 20 pg/mL, by two thirds at 10 pg/mL).
        ec50_pg_ml: Range::open_closed(0.0, 1000.0) => 30.0,
        /// Day (after spin-up) the menopause transition starts, [0, 1e5].
        menopause_start_day: Range::closed(0.0, 1e5) => 0.0,
        /// Length of the transition, days, (0, 1e5]. Default 621 (1.7 y, the
        /// Peterson & Riggs model of the menopause transition).
        menopause_duration_days: Range::open_closed(0.0, 1e5) => 621.0,
        /// Fraction of `level_pg_ml` lost over the transition, [0, 1]. Default 0.64
        /// (E2 falls about 64%, Peterson & Riggs).
        menopause_fall_fraction: Range::closed(0.0, 1.0) => 0.64,
    }
}

/// Validated `[estrogen]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EstrogenConfig {
    /// `schedule`: `"constant"` (default) or `"menopause"`.
    pub schedule: EstrogenSchedule,
    /// Levels and timing.
    #[serde(flatten)]
    pub levels: EstrogenLevels,
}

impl Default for EstrogenConfig {
    fn default() -> Self {
        Self {
            schedule: EstrogenSchedule::Constant,
            levels: EstrogenLevels::default(),
        }
    }
}

/// Validates `[estrogen]` (absent: a constant premenopausal level). The menopause keys
/// are accepted with either schedule (a constant schedule ignores them), so the
/// recorded config, which lists every key, validates back.
pub fn estrogen_section(s: &Section<'_, '_>) -> Option<EstrogenConfig> {
    let schedule = s
        .choice("schedule", &["constant", "menopause"], Some("constant"))
        .map(|k| match k {
            "menopause" => EstrogenSchedule::Menopause,
            _ => EstrogenSchedule::Constant,
        });
    let levels = EstrogenLevels::read(s);
    Some(EstrogenConfig {
        schedule: schedule?,
        levels: levels?,
    })
}
