//! The drugs a schedule can name: their config names and standard regimens, which
//! are the defaults of a `[[drug]]` entry. What each drug does is
//! `crate::pharmacology`'s (its module `drug` tables the regimens with their sources).

use serde::Serialize;

/// A drug a schedule can name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    /// Non-steroidal aromatase inhibitor.
    Anastrozole,
    /// Non-steroidal aromatase inhibitor.
    Letrozole,
    /// Steroidal (irreversible) aromatase inhibitor with a mild androgenic effect.
    Exemestane,
    /// Selective estrogen-receptor modulator, a partial agonist on bone.
    Tamoxifen,
    /// GnRH agonist: ovarian function suppression.
    Goserelin,
    /// Oral bisphosphonate.
    Alendronate,
    /// Oral bisphosphonate.
    Risedronate,
    /// Intravenous bisphosphonate.
    ZoledronicAcid,
    /// Anti-RANKL monoclonal antibody.
    Denosumab,
    /// Recombinant PTH(1-34), anabolic.
    Teriparatide,
}

impl Drug {
    /// Every drug, in the order of [`Drug::NAMES`].
    pub const ALL: [Drug; 10] = [
        Drug::Anastrozole,
        Drug::Letrozole,
        Drug::Exemestane,
        Drug::Tamoxifen,
        Drug::Goserelin,
        Drug::Alendronate,
        Drug::Risedronate,
        Drug::ZoledronicAcid,
        Drug::Denosumab,
        Drug::Teriparatide,
    ];

    /// The names a config uses, in the order of [`Drug::ALL`].
    pub const NAMES: [&'static str; 10] = [
        "anastrozole",
        "letrozole",
        "exemestane",
        "tamoxifen",
        "goserelin",
        "alendronate",
        "risedronate",
        "zoledronic_acid",
        "denosumab",
        "teriparatide",
    ];

    /// The drug called `name` in a config.
    pub fn from_name(name: &str) -> Option<Drug> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Self::ALL[i])
    }

    /// The config name.
    pub fn name(self) -> &'static str {
        Self::NAMES[Self::ALL.iter().position(|d| *d == self).expect("listed")]
    }

    /// Standard dose, mg per administration (the regimens, with their sources, are tabled in
    /// `crate::pharmacology::drug`).
    pub fn standard_dose_mg(self) -> f64 {
        match self {
            Drug::Anastrozole => 1.0,
            Drug::Letrozole => 2.5,
            Drug::Exemestane => 25.0,
            Drug::Tamoxifen => 20.0,
            Drug::Goserelin => 3.6,
            Drug::Alendronate => 70.0,
            Drug::Risedronate => 35.0,
            Drug::ZoledronicAcid => 5.0,
            Drug::Denosumab => 60.0,
            Drug::Teriparatide => 0.02,
        }
    }

    /// Standard interval between administrations, days (the regimens, with their sources, are tabled in
    /// `crate::pharmacology::drug`).
    pub fn standard_interval_days(self) -> f64 {
        match self {
            Drug::Anastrozole
            | Drug::Letrozole
            | Drug::Exemestane
            | Drug::Tamoxifen
            | Drug::Teriparatide => 1.0,
            Drug::Goserelin => 28.0,
            Drug::Alendronate | Drug::Risedronate => 7.0,
            Drug::ZoledronicAcid => 365.0,
            Drug::Denosumab => 182.0,
        }
    }

    /// Standard dose intensity, mg per day.
    pub fn standard_mg_per_day(self) -> f64 {
        self.standard_dose_mg() / self.standard_interval_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Drug::ALL {
            assert_eq!(Drug::from_name(d.name()), Some(d));
        }
        assert_eq!(Drug::from_name("aspirin"), None);
    }
}
