//! The `[[drug]]` schedule entries and the `[pharmacology]` effect parameters.
//!
//! ```toml
//! [[drug]]
//! name = "tamoxifen"            # one of the names in crate::pharmacology::drug
//! start_day = 0                 # first administration, day after spin-up
//! stop_day = 730                # optional: no administration on or after this day
//! # interval_days and dose_mg default to the drug's standard regimen
//!
//! [[drug]]
//! name = "zoledronic_acid"
//! start_day = 0
//! interval_days = 182
//! dose_mg = 4
//! start_when = { t_score_below = -2.0 }   # optional: start once the T-score falls below
//! ```
//!
//! Any number of entries, of any drugs, may overlap; a switch is one entry stopping
//! where the next starts. With `start_when`, the first administration is on the first
//! step at or after `start_day` on which the run's latest lumbar-spine T-score readout
//! is below the threshold; later ones follow every `interval_days` from there.

use serde::Serialize;

use super::drug::Drug;
use super::params::param_table;
use super::reader::{Range, Section};

/// Latest day a schedule can name, days (a century).
const MAX_DAY: f64 = 36_500.0;

/// A conditional start.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StartWhen {
    /// Start once the lumbar-spine T-score readout is below this, [-10, 10].
    pub t_score_below: f64,
}

/// One `[[drug]]` entry, validated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrugConfig {
    /// Which drug.
    pub name: Drug,
    /// First administration, days after spin-up, [0, 36500].
    pub start_day: f64,
    /// No administration on or after this day (absent: none stops it), (start_day, 36500].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_day: Option<f64>,
    /// Days between administrations, (0, 3650]; default the drug's standard interval.
    pub interval_days: f64,
    /// Dose per administration, mg, (0, 1000]; default the drug's standard dose.
    pub dose_mg: f64,
    /// Optional conditional start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_when: Option<StartWhen>,
}

/// Validates every `[[drug]]` entry.
pub fn drug_entries(top: &Section<'_, '_>) -> Option<Vec<DrugConfig>> {
    let mut out = Vec::new();
    let mut ok = true;
    for s in top.table_array("drug") {
        match drug_entry(&s) {
            Some(d) => out.push(d),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn drug_entry(s: &Section<'_, '_>) -> Option<DrugConfig> {
    if !s.has("name") {
        s.problem(
            "name",
            format!("required: one of {}", Drug::NAMES.join(", ")),
        );
    }
    let name = s
        .choice("name", &Drug::NAMES, None)
        .and_then(Drug::from_name);
    let start_day = s.f64("start_day", "d", Range::closed(0.0, MAX_DAY), Some(0.0));
    let stop_day = s.opt_f64("stop_day", "d", Range::open_closed(0.0, MAX_DAY));
    let interval = s.opt_f64("interval_days", "d", Range::open_closed(0.0, 3650.0));
    let dose = s.opt_f64("dose_mg", "mg", Range::open_closed(0.0, 1000.0));
    if let (Some(a), Some(b)) = (start_day, stop_day) {
        if b <= a {
            s.problem(
                "stop_day",
                format!("{b} must be after start_day = {a} (valid range: (start_day, {MAX_DAY}])"),
            );
        }
    }
    let when = s.table("start_when");
    let start_when = if when.is_present() {
        if !when.has("t_score_below") {
            when.problem(
                "t_score_below",
                "required in start_when: a T-score in [-10, 10]",
            );
        }
        Some(
            when.f64("t_score_below", "1", Range::closed(-10.0, 10.0), None)
                .map(|t| StartWhen { t_score_below: t }),
        )
    } else {
        None
    };
    let bad_numbers = [
        ("interval_days", interval),
        ("dose_mg", dose),
        ("stop_day", stop_day),
    ]
    .iter()
    .any(|(k, v)| s.has(k) && v.is_none());
    let name = name?;
    if bad_numbers {
        return None;
    }
    if let (Some(a), Some(b)) = (start_day, stop_day) {
        if b <= a {
            return None;
        }
    }
    Some(DrugConfig {
        name,
        start_day: start_day?,
        stop_day,
        interval_days: interval.unwrap_or(name.standard_interval_days()),
        dose_mg: dose.unwrap_or(name.standard_dose_mg()),
        start_when: match start_when {
            Some(w) => Some(w?),
            None => None,
        },
    })
}

const GAIN: Range = Range::closed(0.0, 100.0);

param_table! {
    /// `[pharmacology]`: how strongly the drugs act on the cells (all keys optional).
    /// The PK constants of each drug are in its module under `crate::pharmacology`;
    /// these are the effect parameters calibration tunes.
    pub struct PharmacologyParams {
        /// Tamoxifen's agonist signal on bone, added to the estrogen signal
        /// `E2 / (E2 + EC50)` (whose premenopausal value is 0.71), [0, 1]. Default 0.45
        /// (calibrated: with postmenopausal E2 the total is 0.65, the signal of about
        /// 75 pg/mL E2, so turnover falls towards premenopausal levels and BMD rises;
        /// ATAC LS about +2.8% at 5 y, Eastell et al., JCO 2008; `trabecula validate`).
        tamoxifen_agonist_signal ["1"]: Range::closed(0.0, 1.0) => 0.45,
        /// Exemestane's androgenic effect on formation: osteoblast recruitment and
        /// apposition scale by `1 + gain`, [0, 100]. Default 0.05 (a "theoretical minor"
        /// offset: Goss et al., Clin Cancer Res 2004, in ovariectomized rats; approx.).
        exemestane_formation_gain ["1"]: GAIN => 0.05,
        /// Teriparatide at the standard 20 ug daily raises osteoblast recruitment by
        /// `1 + gain` (scaled by the daily signal), [0, 100]. Default 1.0 (approx.:
        /// teriparatide roughly doubles formation surfaces in biopsies; calibrate).
        teriparatide_recruitment_gain ["1"]: GAIN => 1.0,
        /// Teriparatide at the standard dose raises the osteoblast apposition rate and
        /// prolongs osteoblast life by `1 + gain`, [0, 100]. Default 0.3 (approx.;
        /// calibrate).
        teriparatide_activity_gain ["1"]: GAIN => 0.3,
        /// Most an osteoclast's bisphosphonate load multiplies its apoptosis rate,
        /// minus one, [0, 1000]. Default 3 (a loaded osteoclast dies about 4x faster;
        /// Sato, JCI 1991. Calibrated against Z-FAST: with 3 the total-hip difference
        /// at 12 months is +4.16 +- 0.74% on 12 replicates, in the band [+2.31,
        /// +4.29]; 4 gave +4.37).
        bisphosphonate_apoptosis_gain ["1"]: Range::closed(0.0, 1000.0) => 3.0,
        /// Bisphosphonate load (fmol per osteoclast) giving half the apoptosis gain,
        /// (0, 1e6]. Default 1 fmol (model choice: about what an osteoclast takes up
        /// from a few surface voxels after one 5 mg zoledronic acid dose; calibrate).
        bisphosphonate_half_load_fmol ["fmol"]: Range::open_closed(0.0, 1e6) => 1.0,
        /// Hill coefficient of the apoptosis response to the load, [0.1, 10]. Default 1.
        bisphosphonate_hill ["1"]: Range::closed(0.1, 10.0) => 1.0,
        /// Skeletal bone surface over which the dose reaching bone spreads, m^2,
        /// (0, 100]. Default 10 (adult total bone surface, several to about 10 m^2,
        /// Parfitt; approx.).
        skeletal_surface_m2 ["m^2"]: Range::open_closed(0.0, 100.0) => 10.0,
        /// Denosumab concentration in marrow interstitial fluid relative to serum,
        /// (0, 1]. Default 0.07 (antibody biodistribution coefficient of bone, about 7%,
        /// Shah & Betts, mAbs 2013; approx.).
        denosumab_tissue_ratio ["1"]: Range::open_closed(0.0, 1.0) => 0.07,
    }
}

/// Validates `[pharmacology]` (absent: every default).
pub fn pharmacology_section(s: &Section<'_, '_>) -> Option<PharmacologyParams> {
    PharmacologyParams::read(s)
}
