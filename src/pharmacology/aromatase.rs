//! Aromatase inhibitors: anastrozole, letrozole, exemestane lower serum E2 by a
//! fraction; exemestane also has a mild androgenic (anabolic) effect on formation.
//!
//! Plasma E2 suppression at the standard dose (Geisler et al., JCO 2002): anastrozole
//! 84.9%, letrozole 87.8%; exemestane inhibits aromatase about 98% (Geisler et al.,
//! Clin Cancer Res 1998; approx.) and lowers E2 by about 85-98%: 90% is used (the
//! clinical rule is to treat all AIs as >= 85% suppression, exemestane's androgenic
//! effect the one difference).
//!
//! Dose: below the standard daily dose (e.g. low-dose anastrozole in men on
//! testosterone, 0.5-1 mg a few times a week) the suppression scales linearly with the
//! mean daily dose relative to the standard one; above it, it stays at the standard
//! suppression (model choice, approx.: the standard doses sit on the plateau of the
//! dose-response). Suppression starts with the first dose and ends with the last
//! dose interval (E2 recovers within days: anastrozole's half-life is about 2 days;
//! model choice).

use super::drug::Drug;

/// Fraction of plasma E2 removed at the standard dose.
pub fn standard_suppression(drug: Drug) -> f64 {
    match drug {
        // Geisler et al., JCO 2002.
        Drug::Anastrozole => 0.849,
        // Geisler et al., JCO 2002.
        Drug::Letrozole => 0.878,
        // About 85-98% (aromatase about 98% inhibited: Geisler et al., Clin Cancer Res
        // 1998; approx.); mid value.
        Drug::Exemestane => 0.90,
        _ => 0.0,
    }
}

/// Fraction of plasma E2 removed by `drug` given at `mg_per_day` on average.
pub fn suppression(drug: Drug, mg_per_day: f64) -> f64 {
    let intensity = (mg_per_day / drug.standard_mg_per_day()).clamp(0.0, 1.0);
    standard_suppression(drug) * intensity
}

/// Serum E2 under several inhibitors at once (their residual fractions multiply).
pub fn suppressed_e2(e2_pg_ml: f64, suppressions: impl IntoIterator<Item = f64>) -> f64 {
    suppressions
        .into_iter()
        .fold(e2_pg_ml, |e, s| e * (1.0 - s.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_doses_suppress_by_the_published_fractions() {
        let a = suppression(Drug::Anastrozole, 1.0);
        let l = suppression(Drug::Letrozole, 2.5);
        let e = suppression(Drug::Exemestane, 25.0);
        assert!((a - 0.849).abs() < 1e-12);
        assert!((l - 0.878).abs() < 1e-12);
        assert!((0.85..=0.98).contains(&e));
        assert!((suppressed_e2(10.0, [a]) - 1.51).abs() < 1e-9);
        // Half the dose, half the suppression; more than the standard dose, no more.
        assert!((suppression(Drug::Anastrozole, 0.5) - 0.4245).abs() < 1e-12);
        assert_eq!(suppression(Drug::Anastrozole, 10.0), a);
    }
}
