//! Named sites with reference microarchitecture, from human micro-CT studies.
//!
//! Sources: Hildebrand T, Laib A, Müller R, Dequeker J, Rüegsegger P, "Direct
//! three-dimensional morphometric analysis of human cancellous bone:
//! microstructural data from spine, femur, iliac crest, and calcaneus", J Bone
//! Miner Res 14(7):1167-1174, 1999; and Rubin et al., Bone, 2010 (iliac crest
//! biopsies). The values below are the reference table targets. The plate
//! fraction follows the structure model index (SMI 0 = ideal plates, 3 = ideal
//! rods): plate-dominated for the femoral head, rod-dominated for the vertebra,
//! mixed for the iliac crest, where it is set towards rods (0.35) because
//! plate-richer mixes overshoot the Tb.Sp target and undershoot Conn.D further.
//! The degree of anisotropy is a modelling choice (z is the main loading axis).

use std::fmt;
use std::str::FromStr;

use super::schema::PRESET_NAMES;
use super::synthetic::SyntheticSpec;
use crate::grid::Dims;

/// Coefficient of variation of the element thickness of real trabecular bone,
/// dimensionless: the local-thickness distribution of human trabecular bone spreads
/// by about a third of its mean within one sample (Hildebrand & Rüegsegger, J
/// Microsc 1997, thickness histograms; Tb.Th.SD about 0.3-0.4 Tb.Th in micro-CT
/// reports; approx.), and the thin elements are the ones remodeling perforates and
/// cuts first (Parfitt, Calcif Tissue Int 1984). The presets still draw uniform
/// elements ([`PRESET_THICKNESS_CV`]): the cell rules are calibrated on them.
pub const THICKNESS_CV: f64 = 0.3;

/// Coefficient of variation of the element thickness the presets use: 0 (every
/// element alike) until the estrogen-loss calibration is redone on lattices with
/// [`THICKNESS_CV`]; `[lattice.synthetic] thickness_cv` sets it per run.
pub const PRESET_THICKNESS_CV: f64 = 0.0;

/// A named anatomical site with reference morphometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Iliac crest (transiliac biopsy): BV/TV 0.154, Tb.Th 0.17 mm, Tb.Sp 0.78 mm,
    /// Tb.N 1.62 /mm, Conn.D 8.4 /mm^3, SMI 0.74: mixed rods and plates.
    /// Source: Rubin et al., Bone 2010; Hildebrand et al., JBMR 1999.
    IliacCrest,
    /// Lumbar vertebral body: BV/TV 0.09 (0.08-0.10), Tb.Th 0.13 mm (0.12-0.14),
    /// Tb.N 1.1 /mm, Tb.Sp 0.85 mm, SMI 1.8-2.0: rod-dominated and anisotropic
    /// along the spine axis (z). Source: Hildebrand et al., JBMR 1999.
    LumbarVertebra,
    /// Femoral head: BV/TV 0.25, Tb.Th 0.19 mm, Tb.N 1.5 /mm, Tb.Sp 0.675 mm,
    /// SMI 0-0.5: plate-dominated. Source: Hildebrand et al., JBMR 1999.
    FemoralHead,
}

/// Reference morphometry of a [`Preset`], with the generator settings derived
/// from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PresetTargets {
    /// Bone volume fraction, dimensionless.
    pub bv_tv: f64,
    /// Trabecular thickness, millimetres.
    pub tb_th_mm: f64,
    /// Trabecular separation, millimetres.
    pub tb_sp_mm: f64,
    /// Trabecular number, per millimetre.
    pub tb_n_per_mm: f64,
    /// Connectivity density, per cubic millimetre, where the source gives it.
    pub conn_d_per_mm3: Option<f64>,
    /// Structure model index (0 plates, 3 rods), centre of the reported range.
    pub smi: f64,
    /// Share of bone volume drawn as plates, chosen from the SMI and Tb.Sp.
    pub plate_fraction: f64,
    /// Coefficient of variation of the element thickness (see the module docs).
    pub thickness_cv: f64,
    /// Degree of anisotropy used for the site (main axis z).
    pub anisotropy: f64,
}

impl Preset {
    /// All presets.
    pub const ALL: [Preset; 3] = [
        Preset::IliacCrest,
        Preset::LumbarVertebra,
        Preset::FemoralHead,
    ];

    /// The snake_case name a config uses (`iliac_crest`, ...): its entry in
    /// [`PRESET_NAMES`], which lists the presets in the order of [`Preset::ALL`].
    pub const fn name(self) -> &'static str {
        PRESET_NAMES[self as usize]
    }

    /// Reference targets and derived generator settings.
    pub const fn targets(self) -> PresetTargets {
        match self {
            Preset::IliacCrest => PresetTargets {
                bv_tv: 0.154,
                tb_th_mm: 0.17,
                tb_sp_mm: 0.78,
                tb_n_per_mm: 1.62,
                conn_d_per_mm3: Some(8.4),
                smi: 0.74,
                plate_fraction: 0.35,
                thickness_cv: PRESET_THICKNESS_CV,
                anisotropy: 1.3,
            },
            Preset::LumbarVertebra => PresetTargets {
                bv_tv: 0.09,
                tb_th_mm: 0.13,
                tb_sp_mm: 0.85,
                tb_n_per_mm: 1.1,
                conn_d_per_mm3: None,
                smi: 1.9,
                plate_fraction: 0.25,
                thickness_cv: PRESET_THICKNESS_CV,
                anisotropy: 1.8,
            },
            Preset::FemoralHead => PresetTargets {
                bv_tv: 0.25,
                tb_th_mm: 0.19,
                tb_sp_mm: 0.675,
                tb_n_per_mm: 1.5,
                conn_d_per_mm3: None,
                smi: 0.25,
                plate_fraction: 0.85,
                thickness_cv: PRESET_THICKNESS_CV,
                anisotropy: 1.5,
            },
        }
    }

    /// A generator spec for this site on the given domain, voxel size
    /// (micrometres) and seed.
    pub fn spec(self, dims: Dims, voxel_um: f64, seed: u64) -> SyntheticSpec {
        let t = self.targets();
        SyntheticSpec {
            dims,
            voxel_um,
            bv_tv: t.bv_tv,
            tb_th_mm: t.tb_th_mm,
            tb_sp_mm: t.tb_sp_mm,
            anisotropy: t.anisotropy,
            plate_fraction: t.plate_fraction,
            thickness_cv: t.thickness_cv,
            seed,
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A preset name that is not one of [`Preset::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown preset `{0}`: expected one of {names}", names = PRESET_NAMES.join(", "))]
pub struct ParsePresetError(pub String);

impl FromStr for Preset {
    type Err = ParsePresetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| ParsePresetError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_config_list_in_the_order_of_all() {
        let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, PRESET_NAMES);
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
            // serde spells the variants itself: it must agree with the list.
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.name())
            );
        }
        let e = "iliac".parse::<Preset>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown preset `iliac`: expected one of iliac_crest, lumbar_vertebra, femoral_head"
        );
    }
}
