//! The drugs a schedule can name, their standard regimens, and what kind of agent each
//! is.
//!
//! | name | kind | standard regimen | source |
//! |---|---|---|---|
//! | `anastrozole` | aromatase inhibitor | 1 mg oral daily | ATAC (Eastell et al., JBMR 2006) |
//! | `letrozole` | aromatase inhibitor | 2.5 mg oral daily | Z-FAST |
//! | `exemestane` | aromatase inhibitor (steroidal) | 25 mg oral daily | label |
//! | `tamoxifen` | selective estrogen-receptor modulator | 20 mg oral daily | ATAC |
//! | `goserelin` | ovarian function suppression | 3.6 mg SC implant every 28 d | label |
//! | `alendronate` | bisphosphonate | 70 mg oral weekly | Fosamax label |
//! | `risedronate` | bisphosphonate | 35 mg oral weekly | label |
//! | `zoledronic_acid` | bisphosphonate | 5 mg IV yearly (4 mg every 6 months in Z-FAST) | HORIZON (Black et al., NEJM 2007); Z-FAST (Brufsky et al., JCO 2007) |
//! | `denosumab` | anti-RANKL antibody | 60 mg SC every 182 d | FREEDOM (Cummings et al., NEJM 2009) |
//! | `teriparatide` | PTH analog (anabolic) | 20 ug SC daily | Neer et al., NEJM 2001 |

pub use crate::config::drug::Drug;

/// What kind of agent a drug is (which model acts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrugKind {
    /// Lowers serum E2 by a fraction ([`super::aromatase`]).
    AromataseInhibitor,
    /// Adds an estrogen-agonist signal on bone ([`super::tamoxifen`]).
    Serm,
    /// Brings premenopausal E2 down to the postmenopausal level ([`super::goserelin`]).
    OvarianSuppression,
    /// Binds bone mineral ([`super::bisphosphonate`]).
    Bisphosphonate,
    /// Neutralizes RANKL in tissue ([`super::denosumab`]).
    AntiRankl,
    /// Anabolic on osteoblasts ([`super::teriparatide`]).
    Anabolic,
}

impl Drug {
    /// The kind of agent.
    pub fn kind(self) -> DrugKind {
        match self {
            Drug::Anastrozole | Drug::Letrozole | Drug::Exemestane => DrugKind::AromataseInhibitor,
            Drug::Tamoxifen => DrugKind::Serm,
            Drug::Goserelin => DrugKind::OvarianSuppression,
            Drug::Alendronate | Drug::Risedronate | Drug::ZoledronicAcid => {
                DrugKind::Bisphosphonate
            }
            Drug::Denosumab => DrugKind::AntiRankl,
            Drug::Teriparatide => DrugKind::Anabolic,
        }
    }
}
