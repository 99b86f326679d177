//! Denosumab: serum pharmacokinetics and the tissue level that feeds the denosumab
//! field.
//!
//! # Serum PK
//! Two compartments with first-order absorption from the subcutaneous depot and
//! saturable (Michaelis-Menten) elimination from the central compartment, time in
//! hours, amounts in ng (the model of Peterson & Riggs, Bone 2010):
//!
//! ```text
//! dA_d/dt = -ka A_d                                   (depot; a dose adds F * dose)
//! dA_c/dt =  ka A_d - CL C - Q (C - C_p) - Vmax C / (Km + C),   C = A_c / Vc
//! dA_p/dt =  Q (C - C_p),                                       C_p = A_p / Vp
//! ```
//!
//! with Vc 2340 mL, Vp 1324 mL, CL 2.75 mL/h, Q 18.67 mL/h, Vmax 3110 ng/h,
//! Km 188 ng/mL, ka 0.00592 /h, F 0.729. Integrated with classical fixed-step RK4 at
//! [`RK4_STEP_H`] inside each cell step (the slowest rate is ka, the fastest the
//! saturable clearance at low concentration, about 0.008 /h: an hour is 1/100 of the
//! fastest time scale, so the RK4 error is far below the model's own uncertainty; the
//! tests compare with a 1/64 h reference). A 60 mg dose peaks at about 8.5 ug/mL near
//! day 14 and falls to about 0.006 ug/mL by day 182.
//!
//! With `Vmax = 0` the model is linear and has a closed-form tri-exponential solution
//! ([`linear_central_ng_ml`]), which the tests use as a reference.
//!
//! # Tissue level
//! Marrow interstitial denosumab is the serum level times a tissue ratio
//! (`pharmacology.denosumab_tissue_ratio`, default 0.07, the antibody biodistribution
//! coefficient of bone; Shah & Betts, mAbs 2013, approx.), converted to pM with the
//! IgG molar mass of 150 kDa (1 ug/mL = 6667 pM). The serum level changes over days
//! while the field relaxes in hours, so the tissue level enters the denosumab field as
//! a uniform background production `c_tissue * decay` in marrow (and as the face value
//! when the species has fixed faces): its quasi-steady solution is `c_tissue`
//! throughout the marrow, and RANKL binding to it happens in the field module
//! ([`crate::fields::binding`]).

/// Central volume, mL (Peterson & Riggs, Bone 2010).
pub const VC_ML: f64 = 2340.0;
/// Peripheral volume, mL (Peterson & Riggs, Bone 2010).
pub const VP_ML: f64 = 1324.0;
/// Linear clearance, mL/h (Peterson & Riggs, Bone 2010).
pub const CL_ML_PER_H: f64 = 2.75;
/// Inter-compartmental clearance, mL/h (Peterson & Riggs, Bone 2010).
pub const Q_ML_PER_H: f64 = 18.67;
/// Maximal saturable elimination, ng/h (Peterson & Riggs, Bone 2010).
pub const VMAX_NG_PER_H: f64 = 3110.0;
/// Concentration of half-maximal saturable elimination, ng/mL (Peterson & Riggs, Bone
/// 2010).
pub const KM_NG_ML: f64 = 188.0;
/// Absorption rate constant, 1/h (Peterson & Riggs, Bone 2010).
pub const KA_PER_H: f64 = 0.00592;
/// Subcutaneous bioavailability (Peterson & Riggs, Bone 2010).
pub const BIOAVAILABILITY: f64 = 0.729;
/// Molar mass of IgG2 denosumab, g/mol (about 147 kDa, Prolia label; 150 kDa, that of
/// an IgG, used).
pub const MOLAR_MASS_G_PER_MOL: f64 = 150_000.0;
/// Production RK4 step, hours.
pub const RK4_STEP_H: f64 = 1.0;

/// pM per ng/mL of a 150 kDa protein: 1 ng/mL = 1e-6 g/L / 150000 g/mol = 6.67 pM.
pub const PM_PER_NG_ML: f64 = 1e-6 / MOLAR_MASS_G_PER_MOL * 1e12;

/// Model parameters (the published values by default; tests vary `vmax`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PkParams {
    /// Central volume, mL.
    pub vc_ml: f64,
    /// Peripheral volume, mL.
    pub vp_ml: f64,
    /// Linear clearance, mL/h.
    pub cl_ml_per_h: f64,
    /// Inter-compartmental clearance, mL/h.
    pub q_ml_per_h: f64,
    /// Saturable elimination capacity, ng/h.
    pub vmax_ng_per_h: f64,
    /// Half-saturation concentration, ng/mL.
    pub km_ng_ml: f64,
    /// Absorption rate, 1/h.
    pub ka_per_h: f64,
    /// Bioavailability.
    pub bioavailability: f64,
}

impl Default for PkParams {
    fn default() -> Self {
        Self {
            vc_ml: VC_ML,
            vp_ml: VP_ML,
            cl_ml_per_h: CL_ML_PER_H,
            q_ml_per_h: Q_ML_PER_H,
            vmax_ng_per_h: VMAX_NG_PER_H,
            km_ng_ml: KM_NG_ML,
            ka_per_h: KA_PER_H,
            bioavailability: BIOAVAILABILITY,
        }
    }
}

/// The PK state: amounts in the depot, central and peripheral compartments, ng.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DenosumabPk {
    /// Parameters.
    pub params: PkParams,
    /// `[depot, central, peripheral]`, ng.
    pub amount_ng: [f64; 3],
}

impl DenosumabPk {
    /// No drug, with `params`.
    pub fn new(params: PkParams) -> Self {
        Self {
            params,
            amount_ng: [0.0; 3],
        }
    }

    /// A subcutaneous dose of `dose_mg` into the depot (times the bioavailability).
    pub fn dose(&mut self, dose_mg: f64) {
        self.amount_ng[0] += dose_mg * 1e6 * self.params.bioavailability;
    }

    /// Serum (central) concentration, ng/mL.
    pub fn serum_ng_ml(&self) -> f64 {
        self.amount_ng[1] / self.params.vc_ml
    }

    fn rates(&self, a: [f64; 3]) -> [f64; 3] {
        let p = &self.params;
        let c = a[1].max(0.0) / p.vc_ml;
        let cp = a[2] / p.vp_ml;
        let absorb = p.ka_per_h * a[0];
        let exchange = p.q_ml_per_h * (c - cp);
        let eliminate = p.cl_ml_per_h * c + p.vmax_ng_per_h * c / (p.km_ng_ml + c);
        [-absorb, absorb - exchange - eliminate, exchange]
    }

    /// Advances `hours` in RK4 steps of at most `step_h`.
    pub fn advance(&mut self, hours: f64, step_h: f64) {
        if hours <= 0.0 {
            return;
        }
        let n = (hours / step_h).ceil().max(1.0);
        let h = hours / n;
        for _ in 0..n as u64 {
            let a = self.amount_ng;
            let add = |x: [f64; 3], k: [f64; 3], s: f64| {
                [x[0] + s * k[0], x[1] + s * k[1], x[2] + s * k[2]]
            };
            let k1 = self.rates(a);
            let k2 = self.rates(add(a, k1, h / 2.0));
            let k3 = self.rates(add(a, k2, h / 2.0));
            let k4 = self.rates(add(a, k3, h));
            for i in 0..3 {
                self.amount_ng[i] = a[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
    }
}

/// Serum concentration (ng/mL) `t_h` hours after one dose of `dose_mg` in the linear
/// model (`Vmax = 0`): the closed-form tri-exponential solution of the absorption and
/// two-compartment system. With `k10 = CL/Vc`, `k12 = Q/Vc`, `k21 = Q/Vp` and
/// `alpha, beta` the roots of `s^2 - (k10 + k12 + k21) s + k10 k21`:
///
/// ```text
/// C(t) = ka F D / Vc * [ (k21 - alpha) / ((ka - alpha)(beta - alpha)) e^(-alpha t)
///                      + (k21 - beta)  / ((ka - beta)(alpha - beta)) e^(-beta t)
///                      + (k21 - ka)    / ((alpha - ka)(beta - ka))   e^(-ka t) ]
/// ```
pub fn linear_central_ng_ml(p: &PkParams, dose_mg: f64, t_h: f64) -> f64 {
    let (k10, k12, k21) = (
        p.cl_ml_per_h / p.vc_ml,
        p.q_ml_per_h / p.vc_ml,
        p.q_ml_per_h / p.vp_ml,
    );
    let sum = k10 + k12 + k21;
    let disc = (sum * sum - 4.0 * k10 * k21).sqrt();
    let (alpha, beta) = ((sum + disc) / 2.0, (sum - disc) / 2.0);
    let ka = p.ka_per_h;
    let scale = ka * p.bioavailability * dose_mg * 1e6 / p.vc_ml;
    scale
        * ((k21 - alpha) / ((ka - alpha) * (beta - alpha)) * (-alpha * t_h).exp()
            + (k21 - beta) / ((ka - beta) * (alpha - beta)) * (-beta * t_h).exp()
            + (k21 - ka) / ((alpha - ka) * (beta - ka)) * (-ka * t_h).exp())
}

/// Marrow interstitial denosumab, pM, for a serum level in ng/mL.
pub fn tissue_pm(serum_ng_ml: f64, tissue_ratio: f64) -> f64 {
    serum_ng_ml.max(0.0) * tissue_ratio * PM_PER_NG_ML
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dose_is_absorbed_at_ka() {
        let mut pk = DenosumabPk::new(PkParams::default());
        pk.dose(60.0);
        let d0 = pk.amount_ng[0];
        assert!((d0 - 60e6 * 0.729).abs() < 1e-6);
        pk.advance(100.0, RK4_STEP_H);
        let expect = d0 * (-KA_PER_H * 100.0).exp();
        assert!((pk.amount_ng[0] / expect - 1.0).abs() < 1e-9);
    }

    #[test]
    fn unit_conversion() {
        // 1 ug/mL of a 150 kDa protein is 6.67 nM.
        assert!((1000.0 * PM_PER_NG_ML - 6666.67).abs() < 0.01);
        assert!((tissue_pm(1000.0, 0.5) - 3333.33).abs() < 0.01);
    }
}
