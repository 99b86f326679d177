//! The `[estrogen]` section: serum estradiol (E2) over simulated time, and how strongly
//! a level acts.
//!
//! ```toml
//! [estrogen]
//! schedule = "menopause"        # constant | premenopausal | menopause | postmenopausal
//!                               # | men | ovarian_suppression
//! level_pg_ml = 100             # the constant level, or the level before menopause
//! menopause_start_day = 365
//! menopause_duration_days = 621 # E2 falls 64% over about 1.7 y (Peterson & Riggs)
//! menopause_fall_fraction = 0.64
//! ```
//!
//! `premenopausal` is `constant` at `level_pg_ml`; `postmenopausal` holds
//! `postmenopausal_pg_ml`; `men` holds `men_pg_ml`, with `men_reference_pg_ml` as the
//! level at which a man's bone is at balance; `ovarian_suppression` holds
//! `level_pg_ml` until `suppression_start_day`, then `postmenopausal_pg_ml` (goserelin
//! as a standing background; the `goserelin` drug entry does the same on a schedule).
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
    /// `level_pg_ml` throughout (a premenopausal woman; the same as `Constant`).
    Premenopausal,
    /// `postmenopausal_pg_ml` throughout.
    Postmenopausal,
    /// `men_pg_ml` throughout, bone at balance at `men_reference_pg_ml`.
    Men,
    /// `level_pg_ml` until `suppression_start_day`, then `postmenopausal_pg_ml`.
    OvarianSuppression,
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
        /// often below 14 (SWAN: Randolph et al., JCEM 2011; approx.).
        level_pg_ml ["pg/mL"]: Range::closed(0.0, 1000.0) => 100.0,
        /// Premenopausal reference level at which every estrogen-dependent cell rate is
        /// specified, pg/mL, (0, 1000]. Default 100 (as `level_pg_ml`).
        reference_pg_ml ["pg/mL"]: Range::open_closed(0.0, 1000.0) => 100.0,
        /// E2 giving half of the maximal estrogen signal, pg/mL, (0, 1000]. Default 40
        /// (calibrated, with `cells.osteoblast.estrogen_lifespan_gain`, against ATAC and
        /// Z-FAST; `trabecula validate`): the signal falls by half between the
        /// premenopausal mean and 20 pg/mL and by 72% at 10 pg/mL, so an aromatase
        /// inhibitor's further fall to 1-2 pg/mL adds less deficiency than menopause
        /// did. With 30 the anastrozole total-hip loss at 1 y was -2.14% (band to
        /// -1.95) and the letrozole CTX rise above its band; with 50 the five-year
        /// spine loss was -8.25% (band to -7.93).
        ec50_pg_ml ["pg/mL"]: Range::open_closed(0.0, 1000.0) => 40.0,
        /// Day (after spin-up) the menopause transition starts, [0, 1e5].
        menopause_start_day ["d"]: Range::closed(0.0, 1e5) => 0.0,
        /// Length of the transition, days, (0, 1e5]. Default 621 (1.7 y, the
        /// Peterson & Riggs model of the menopause transition).
        menopause_duration_days ["d"]: Range::open_closed(0.0, 1e5) => 621.0,
        /// Fraction of `level_pg_ml` lost over the transition, [0, 1]. Default 0.64
        /// (E2 falls about 64%, Peterson & Riggs).
        menopause_fall_fraction ["1"]: Range::closed(0.0, 1.0) => 0.64,
        /// Postmenopausal serum E2, pg/mL, [0, 1000]. Default 10 (below 20 pg/mL, often
        /// below 14; SWAN: Randolph et al., JCEM 2011; approx.). Also the level ovarian
        /// suppression (goserelin) brings premenopausal E2 down to.
        postmenopausal_pg_ml ["pg/mL"]: Range::closed(0.0, 1000.0) => 10.0,
        /// Serum E2 of a man, pg/mL, [0, 1000]. Default 15 (older men about 15 pg/mL,
        /// Burnett-Bowie et al., JCEM 2009); higher on testosterone therapy
        /// (aromatization).
        men_pg_ml ["pg/mL"]: Range::closed(0.0, 1000.0) => 15.0,
        /// E2 at which a man's bone is at balance (his deficiency reference), pg/mL,
        /// (0, 1000]. Default 15 (model choice: the usual male level; testosterone's own
        /// action on bone is folded into it).
        men_reference_pg_ml ["pg/mL"]: Range::open_closed(0.0, 1000.0) => 15.0,
        /// Day (after spin-up) ovarian suppression starts, [0, 1e5]. Default 0.
        suppression_start_day ["d"]: Range::closed(0.0, 1e5) => 0.0,
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

/// Validates `[estrogen]` (absent: a constant premenopausal level). Every level and
/// timing key is accepted with any schedule (a schedule ignores those it does not use), so the
/// recorded config, which lists every key, validates back.
pub fn estrogen_section(s: &Section<'_, '_>) -> Option<EstrogenConfig> {
    let schedule = s
        .choice(
            "schedule",
            &[
                "constant",
                "premenopausal",
                "menopause",
                "postmenopausal",
                "men",
                "ovarian_suppression",
            ],
            Some("constant"),
        )
        .map(|k| match k {
            "menopause" => EstrogenSchedule::Menopause,
            "premenopausal" => EstrogenSchedule::Premenopausal,
            "postmenopausal" => EstrogenSchedule::Postmenopausal,
            "men" => EstrogenSchedule::Men,
            "ovarian_suppression" => EstrogenSchedule::OvarianSuppression,
            _ => EstrogenSchedule::Constant,
        });
    let levels = EstrogenLevels::read(s);
    Some(EstrogenConfig {
        schedule: schedule?,
        levels: levels?,
    })
}
