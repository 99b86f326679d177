//! Tamoxifen: a partial estrogen agonist on bone.
//!
//! Modelled as an agonist signal added to the estrogen signal on bone cells
//! ([`super::estrogen::deficiency`]): `s_total = E2 / (E2 + EC50) + a`, with `a`
//! = `pharmacology.tamoxifen_agonist_signal` at the standard 20 mg daily, scaled
//! linearly below it. Serum E2 is unchanged. In a postmenopausal woman the
//! deficiency falls, so BMD rises a little (Love et al., NEJM 1992; ATAC: LS about
//! +2.8% at 5 y, Eastell et al., JCO 2008). Its antagonism in premenopausal women
//! (bone loss at high E2) is not modelled. The signal holds from the first dose to
//! the end of the last dose interval.

use super::drug::Drug;

/// The agonist signal of tamoxifen at `mg_per_day`, given the signal `a_standard` at
/// the standard dose.
pub fn agonist_signal(mg_per_day: f64, a_standard: f64) -> f64 {
    let intensity = (mg_per_day / Drug::Tamoxifen.standard_mg_per_day()).clamp(0.0, 1.0);
    a_standard * intensity
}
