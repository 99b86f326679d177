//! Bisphosphonates: the dose that reaches bone per administration (closed form), and
//! the surface density that dose lays on exposed bone.
//!
//! Per administration of `D` mg, bone receives `D * F * (1 - f_urine)` mg: `F` the
//! bioavailability (1 for IV), `f_urine` the fraction of the absorbed (systemic) dose
//! excreted in urine; the rest binds bone within a day or so, so it is laid on bone on
//! the day of administration. Uptake is fast compared with remodeling and the
//! terminal half-life in bone is over 10 years, so nothing else leaves bone except by
//! resorption ([`super::bone_drug`]).
//!
//! | drug | F | f_urine | molar mass | source |
//! |---|---|---|---|---|
//! | alendronate | 0.7% (fasting) | 50% within 72 h | 249.1 g/mol (acid) | Gertz et al., Clin Pharmacol Ther 1995; Lin, Bone 1996 |
//! | risedronate | 0.63% (fasting) | 50% within 24 h | 283.1 g/mol (acid) | Actonel label (Mitchell et al., Br J Clin Pharmacol 1999) |
//! | zoledronic acid | 1 (IV) | 39% within 24 h | 272.1 g/mol | Zometa label (Chen et al., J Clin Pharmacol 2002; approx.) |
//!
//! The dose reaching bone spreads over the whole skeleton's surface
//! (`pharmacology.skeletal_surface_m2`, default 10 m^2): the surface density on the
//! simulated volume is `dose_to_bone / S_skeleton`, in fmol/um^2.

use super::drug::Drug;

/// Oral (or IV) bioavailability, fraction of the dose reaching the circulation.
pub fn bioavailability(drug: Drug) -> f64 {
    match drug {
        // 0.7% fasting (Gertz et al., Clin Pharmacol Ther 1995).
        Drug::Alendronate => 0.007,
        // Actonel label: mean 0.63% fasting (Mitchell et al., 1999).
        Drug::Risedronate => 0.0063,
        // Intravenous.
        Drug::ZoledronicAcid => 1.0,
        _ => 0.0,
    }
}

/// Fraction of the systemic dose excreted in urine (the rest binds bone).
pub fn urine_fraction(drug: Drug) -> f64 {
    match drug {
        // About 50% within 72 h (Lin, Bone 1996).
        Drug::Alendronate => 0.5,
        // About half within 24 h (Actonel label).
        Drug::Risedronate => 0.5,
        // About 39% in 24 h (Zometa label; Chen et al., J Clin Pharmacol 2002; approx.).
        Drug::ZoledronicAcid => 0.39,
        _ => 1.0,
    }
}

/// Molar mass of the free acid, g/mol.
pub fn molar_mass_g_per_mol(drug: Drug) -> f64 {
    match drug {
        Drug::Alendronate => 249.1,
        Drug::Risedronate => 283.1,
        Drug::ZoledronicAcid => 272.1,
        _ => f64::NAN,
    }
}

/// Dose reaching bone per administration of `dose_mg`, mg (closed form above).
pub fn dose_to_bone_mg(drug: Drug, dose_mg: f64) -> f64 {
    dose_mg * bioavailability(drug) * (1.0 - urine_fraction(drug))
}

/// Dose reaching bone per administration of `dose_mg`, umol.
pub fn dose_to_bone_umol(drug: Drug, dose_mg: f64) -> f64 {
    dose_to_bone_mg(drug, dose_mg) * 1e3 / molar_mass_g_per_mol(drug)
}

/// Surface density laid on exposed bone by `umol` reaching a skeleton of
/// `skeletal_surface_m2`, fmol/um^2 (1 umol = 1e9 fmol, 1 m^2 = 1e12 um^2).
pub fn surface_fmol_per_um2(umol: f64, skeletal_surface_m2: f64) -> f64 {
    umol * 1e9 / (skeletal_surface_m2 * 1e12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_to_bone_in_closed_form() {
        // 70 mg * 0.7% * 50% = 0.245 mg; 5 mg * 61% = 3.05 mg.
        assert!((dose_to_bone_mg(Drug::Alendronate, 70.0) - 0.245).abs() < 1e-12);
        assert!((dose_to_bone_mg(Drug::ZoledronicAcid, 5.0) - 3.05).abs() < 1e-12);
        assert!((dose_to_bone_mg(Drug::ZoledronicAcid, 4.0) - 2.44).abs() < 1e-12);
        assert!((dose_to_bone_mg(Drug::Risedronate, 35.0) - 0.110_25).abs() < 1e-12);
        assert!((dose_to_bone_umol(Drug::ZoledronicAcid, 5.0) - 3050.0 / 272.1).abs() < 1e-9);
        assert!((surface_fmol_per_um2(1.0, 10.0) - 1e-4).abs() < 1e-18);
        assert_eq!(dose_to_bone_mg(Drug::Denosumab, 60.0), 0.0);
    }
}
