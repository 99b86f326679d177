//! Goserelin: ovarian function suppression (a GnRH agonist implant, 3.6 mg every 28
//! days).
//!
//! While it acts (from the first implant to the end of the last 28-day interval), a
//! premenopausal woman's serum E2 falls to the postmenopausal level
//! (`estrogen.postmenopausal_pg_ml`; ovarian function suppression in premenopausal
//! women, ABCSG-12: Gnant et al., JCO 2007). The initial flare and the weeks it takes
//! to reach castrate levels are not modelled (model choice).

/// Serum E2 under ovarian suppression: the lower of the current level and the
/// postmenopausal level.
pub fn suppressed_e2(e2_pg_ml: f64, postmenopausal_pg_ml: f64) -> f64 {
    e2_pg_ml.min(postmenopausal_pg_ml)
}
