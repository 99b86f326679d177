//! What the body's chemistry exposes the cells to at each step: serum estradiol and
//! the drugs.
//!
//! The cell rules never read the config's hormone or drug settings directly; they
//! read one [`Exposure`] per step, built here from the estrogen source and the drug
//! schedule by [`Pharmacology::advance`], which also receives the run's latest
//! clinical readouts ([`Readouts`]) for conditional starts.
//!
//! One file per agent:
//! - [`estrogen`]: estrogen sources (premenopausal, menopause transition,
//!   postmenopausal, men, ovarian suppression) and the estrogen signal on bone;
//! - [`aromatase`]: anastrozole, letrozole, exemestane (E2 suppression; exemestane's
//!   mild anabolic effect); [`goserelin`]: ovarian function suppression;
//!   [`tamoxifen`]: partial agonist signal on bone;
//! - [`bisphosphonate`]: alendronate, risedronate, zoledronic acid, the dose reaching
//!   bone; [`bone_drug`]: binding, burial, release, osteoclast uptake and apoptosis;
//! - [`denosumab`]: two-compartment PK, tissue level feeding the denosumab field;
//! - [`teriparatide`]: daily anabolic pulse;
//! - [`schedule`]: administrations of a `[[drug]]` entry; [`drug`]: the names.
//!
//! Estrogen acts through a saturating signal `s(E2) = E2 / (E2 + EC50)` relative to
//! its value at the reference level; SERM agonism adds to the signal. The rules use
//! the *deficiency* `d = max(0, 1 - s / s(E_ref))` (see [`estrogen`]).

pub mod aromatase;
pub mod bisphosphonate;
pub mod bone_drug;
pub mod denosumab;
pub mod drug;
pub mod estrogen;
pub mod goserelin;
pub mod schedule;
pub mod tamoxifen;
pub mod teriparatide;

pub use bone_drug::ApoptosisResponse;
pub use drug::{Drug, DrugKind};
pub use schedule::{Readouts, Regimen};

use crate::config::drugs::{DrugConfig, PharmacologyParams};
use crate::config::estrogen::EstrogenConfig;
use crate::config::Config;
use denosumab::DenosumabPk;

/// The exposure of one step: everything the cell rules read from hormones and drugs.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exposure {
    /// Simulated day (after spin-up; negative during spin-up).
    pub day: f64,
    /// Serum estradiol after aromatase inhibitors and ovarian suppression, pg/mL.
    pub e2_pg_ml: f64,
    /// Estrogen deficiency on bone in [0, 1], SERM agonism included.
    pub estrogen_deficiency: f64,
    /// Bisphosphonate laid on exposed bone this step, fmol per um^2 of surface.
    pub bisphosphonate_fmol_per_um2: f64,
    /// How an osteoclast's bisphosphonate load raises its apoptosis rate.
    pub bisphosphonate_response: ApoptosisResponse,
    /// Serum denosumab, ng/mL.
    pub denosumab_serum_ng_ml: f64,
    /// Marrow interstitial denosumab, pM (fed into the denosumab field).
    pub denosumab_tissue_pm: f64,
    /// Teriparatide's daily-averaged anabolic signal (1 at 20 ug daily).
    pub anabolic_signal: f64,
    /// Factor on osteoblast recruitment (teriparatide, exemestane), 1 without drugs.
    pub osteoblast_recruitment_factor: f64,
    /// Factor on osteoblast apposition (teriparatide, exemestane), 1 without drugs.
    pub osteoblast_activity_factor: f64,
}

impl Exposure {
    /// No drugs: only the estrogen state.
    pub fn hormones_only(day: f64, e2_pg_ml: f64, estrogen_deficiency: f64) -> Self {
        Self {
            day,
            e2_pg_ml,
            estrogen_deficiency,
            bisphosphonate_fmol_per_um2: 0.0,
            bisphosphonate_response: ApoptosisResponse::default(),
            denosumab_serum_ng_ml: 0.0,
            denosumab_tissue_pm: 0.0,
            anabolic_signal: 0.0,
            osteoblast_recruitment_factor: 1.0,
            osteoblast_activity_factor: 1.0,
        }
    }

    /// `1 + gain * deficiency`: how an estrogen-suppressed rate scales.
    #[inline]
    pub fn estrogen_factor(&self, gain: f64) -> f64 {
        1.0 + gain * self.estrogen_deficiency
    }

    /// Factor on the apoptosis rate of an osteoclast holding `load_fmol` of
    /// bisphosphonate.
    #[inline]
    pub fn osteoclast_drug_factor(&self, load_fmol: f64) -> f64 {
        bone_drug::apoptosis_factor(load_fmol, &self.bisphosphonate_response)
    }
}

/// What of [`Pharmacology`] evolves during a run (the rest comes from the config):
/// held in checkpoints.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PharmacologyState {
    regimens: Vec<Regimen>,
    denosumab: DenosumabPk,
    pk_day: Option<f64>,
    current: Option<Exposure>,
}

/// The hormone and drug schedule of a run, with its pharmacokinetic state.
#[derive(Clone, Debug, PartialEq)]
pub struct Pharmacology {
    estrogen: EstrogenConfig,
    params: PharmacologyParams,
    regimens: Vec<Regimen>,
    denosumab: DenosumabPk,
    /// Day of the PK state.
    pk_day: Option<f64>,
    current: Option<Exposure>,
}

impl Pharmacology {
    /// From the validated parts of the config.
    pub fn new(
        estrogen: &EstrogenConfig,
        params: &PharmacologyParams,
        drugs: &[DrugConfig],
    ) -> Self {
        Self {
            estrogen: estrogen.clone(),
            params: params.clone(),
            regimens: drugs.iter().map(Regimen::from_config).collect(),
            denosumab: DenosumabPk::new(denosumab::PkParams::default()),
            pk_day: None,
            current: None,
        }
    }

    /// From a validated config.
    pub fn from_config(c: &Config) -> Self {
        Self::new(&c.estrogen, &c.pharmacology, &c.drugs)
    }

    /// The evolving state (schedules started, PK amounts, the current exposure).
    pub fn state(&self) -> PharmacologyState {
        PharmacologyState {
            regimens: self.regimens.clone(),
            denosumab: self.denosumab,
            pk_day: self.pk_day,
            current: self.current,
        }
    }

    /// Restores the evolving state from [`Self::state`] of a run of the same config.
    pub fn restore(&mut self, state: PharmacologyState) {
        self.regimens = state.regimens;
        self.denosumab = state.denosumab;
        self.pk_day = state.pk_day;
        self.current = state.current;
    }

    /// Whether any entry schedules a drug of `kind`.
    pub fn uses(&self, kind: DrugKind) -> bool {
        self.regimens.iter().any(|r| r.drug.kind() == kind)
    }

    /// The schedule's entries (anchors of conditional starts included).
    pub fn regimens(&self) -> &[Regimen] {
        &self.regimens
    }

    /// The serum denosumab PK state.
    pub fn denosumab(&self) -> &DenosumabPk {
        &self.denosumab
    }

    /// Serum E2 at `day` before drugs, pg/mL.
    pub fn e2_pg_ml(&self, day: f64) -> f64 {
        estrogen::baseline_e2_pg_ml(&self.estrogen, day)
    }

    /// Estrogen deficiency at serum level `e2_pg_ml` without drugs.
    pub fn deficiency(&self, e2_pg_ml: f64) -> f64 {
        estrogen::deficiency(&self.estrogen, e2_pg_ml, 0.0)
    }

    /// The last exposure computed, dated `day` (the hormone state at `day` before any
    /// step was advanced).
    pub fn current(&self, day: f64) -> Exposure {
        match self.current {
            Some(e) => Exposure { day, ..e },
            None => {
                let e2 = self.e2_pg_ml(day);
                Exposure::hormones_only(day, e2, self.deficiency(e2))
            }
        }
    }

    /// Advances hormones and drugs to the step starting at `day` and returns its
    /// exposure: conditional starts are checked against `readouts`, doses given in
    /// `(previous day, day]` are administered, the denosumab PK is integrated to `day`.
    /// Advancing to the same day again returns the same exposure.
    pub fn advance(&mut self, day: f64, readouts: &Readouts) -> Exposure {
        if let (Some(e), Some(d)) = (self.current, self.pk_day) {
            if d == day {
                return e;
            }
        }
        let from = self.pk_day.unwrap_or(f64::NEG_INFINITY);
        for r in &mut self.regimens {
            r.try_start(day, readouts);
        }
        let p = &self.params;
        let mut e2 = self.e2_pg_ml(day);
        let mut agonist = 0.0;
        let mut bisphosphonate_umol = 0.0;
        let mut anabolic = 0.0;
        let mut exemestane = false;
        let mut denosumab_doses: Vec<(f64, f64)> = Vec::new();
        let mut suppressions = Vec::new();
        for r in &self.regimens {
            let acts = r.acts_at(day);
            match r.drug.kind() {
                DrugKind::AromataseInhibitor if acts => {
                    suppressions.push(aromatase::suppression(r.drug, r.mg_per_day()));
                    exemestane |= r.drug == Drug::Exemestane;
                }
                DrugKind::OvarianSuppression if acts => {
                    e2 = goserelin::suppressed_e2(e2, self.estrogen.levels.postmenopausal_pg_ml);
                }
                DrugKind::Serm if acts => {
                    agonist +=
                        tamoxifen::agonist_signal(r.mg_per_day(), p.tamoxifen_agonist_signal);
                }
                DrugKind::Bisphosphonate => {
                    let n = r.administrations(from, day).len() as f64;
                    bisphosphonate_umol += n * bisphosphonate::dose_to_bone_umol(r.drug, r.dose_mg);
                }
                DrugKind::AntiRankl => {
                    for t in r.administrations(from, day) {
                        denosumab_doses.push((t, r.dose_mg));
                    }
                }
                DrugKind::Anabolic => {
                    anabolic += teriparatide::daily_signal(r.mg_on_day_of(day));
                }
                _ => {}
            }
        }
        let e2 = aromatase::suppressed_e2(e2, suppressions);
        // Denosumab PK: doses in time order, RK4 between them.
        denosumab_doses.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut t = self.pk_day.unwrap_or(day);
        for (td, mg) in denosumab_doses {
            self.denosumab
                .advance((td - t).max(0.0) * 24.0, denosumab::RK4_STEP_H);
            self.denosumab.dose(mg);
            t = td.max(t);
        }
        self.denosumab
            .advance((day - t).max(0.0) * 24.0, denosumab::RK4_STEP_H);
        self.pk_day = Some(day);
        let serum = self.denosumab.serum_ng_ml();
        let formation = if exemestane {
            1.0 + p.exemestane_formation_gain
        } else {
            1.0
        };
        let exposure = Exposure {
            day,
            e2_pg_ml: e2,
            estrogen_deficiency: estrogen::deficiency(&self.estrogen, e2, agonist),
            bisphosphonate_fmol_per_um2: bisphosphonate::surface_fmol_per_um2(
                bisphosphonate_umol,
                p.skeletal_surface_m2,
            ),
            bisphosphonate_response: ApoptosisResponse {
                gain: p.bisphosphonate_apoptosis_gain,
                half_load_fmol: p.bisphosphonate_half_load_fmol,
                hill: p.bisphosphonate_hill,
            },
            denosumab_serum_ng_ml: serum,
            denosumab_tissue_pm: denosumab::tissue_pm(serum, p.denosumab_tissue_ratio),
            anabolic_signal: anabolic,
            osteoblast_recruitment_factor: formation
                * (1.0 + p.teriparatide_recruitment_gain * anabolic),
            osteoblast_activity_factor: formation * (1.0 + p.teriparatide_activity_gain * anabolic),
        };
        self.current = Some(exposure);
        exposure
    }
}
