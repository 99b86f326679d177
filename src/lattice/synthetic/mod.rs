//! Synthetic trabecular bone: seeded, connected rod-and-plate networks with a
//! requested microarchitecture.
//!
//! # Model
//!
//! 1. **Nodes.** A 3-D lattice of nodes with spacing `Tb.Sp + Tb.Th` (the
//!    centre-to-centre distance of neighbouring trabeculae), stretched along z by
//!    the degree of anisotropy `DA` at constant cell volume (`s_xy = s DA^-1/3`,
//!    `s_z = s DA^2/3`), randomly offset and jittered by up to ±22 % of the spacing.
//!    Two layers of nodes lie outside the domain so that struts cross its faces.
//! 2. **Candidate elements.** Rods (capsules) along the 3 axial and 6
//!    face-diagonal neighbour directions of every node, plus the 4 body diagonals
//!    as spares used only once all other rods are in; and plates (triangles
//!    thickened into slabs whose rounded boundary forms a rim of the same
//!    thickness) covering every face of the node lattice, two per face. Rods are
//!    drawn with diameter Tb.Th, plates with thickness 0.88 Tb.Th: where plates
//!    meet, local thickness exceeds the slab thickness by about that much. With
//!    `thickness_cv` above 0 ([`THICKNESS_CV`] is that of real bone) every element is
//!    scaled by its own lognormal factor of that coefficient of variation, keyed by
//!    the seed and its nodes, so that thin and thick trabeculae coexist as in real
//!    bone; no element is drawn thinner than one voxel in radius. Thick elements
//!    then dominate local thickness where they meet thin ones, so the drawn Tb.Th
//!    is measured and all radii rescaled to the target (at most three rounds,
//!    stopping within 3 %).
//! 3. **Order.** Rods and plates are each put in a seeded random order in which
//!    elements along z (rods) or containing z (plates) are favoured by up to a
//!    factor `DA`, and the two streams are interleaved so that plates make up
//!    `plate_fraction` of the drawn volume. A spanning structure that connects all
//!    nodes inside the domain is moved to the front (Kruskal on that order).
//! 4. **Rasterisation and calibration.** Every voxel records the first element in
//!    that order covering its centre (parallel over z-planes; independent of the
//!    thread count). The histogram of these labels gives the exact BV/TV of every
//!    prefix of the order, so the number of kept elements is read off rather than
//!    searched for; elements far past the target are never drawn. Dropping
//!    elements only from the end of the order never breaks the spanning
//!    structure. Only if the candidate set cannot reach the target (or the
//!    spanning structure alone exceeds it) is the strut thickness changed.
//! 5. **Connectivity.** Every kept element touches a node of the connected inner
//!    node set, so the bone is one piece; the 26-connected components are computed
//!    anyway and any voxel fragment cut off by the domain faces is removed.
//!
//! # Which targets are met
//!
//! BV/TV (to about 1 %) and Tb.Th (to about 5 %, as local thickness) are matched
//! by construction, in that order of priority: if they conflict, the strut
//! thickness gives way. Tb.Sp only sets the node spacing; with BV/TV and Tb.Th
//! fixed, the amount of strut per volume is fixed too, so the measured Tb.Sp
//! follows from them and from the rod/plate mix (plates leave larger cavities
//! than rods at equal BV/TV) and is typically within 10-15 % of the request.
//! Tb.N is not a separate input (a given `tb_n_per_mm` sets the spacing to
//! `1/Tb.N - Tb.Th`); measured from the mid-axes it follows from the node spacing
//! and the mix, and lands about 20 % under the micro-CT values of the presets.
//! Connectivity density is not controlled: it rises with the rod share and falls
//! with the plate share.

use std::fmt;

use crate::grid::BoneMask;
use crate::lattice::Lattice;
use crate::morphometry::{mean_thickness_mm, Phase};

mod calibrate;
pub mod gyroid;
mod network;
mod raster;

// What the generator accepts (its settings, their bounds and the presets) is the
// config's, which validates it; the generator itself is here.
pub use crate::config::presets::{
    ParsePresetError, Preset, PresetTargets, PRESET_THICKNESS_CV, THICKNESS_CV,
};
pub use crate::config::synthetic::{
    tb_sp_from_tb_n_mm, SyntheticError, SyntheticSpec, MAX_ANISOTROPY, MAX_BV_TV, MAX_NODES,
    MAX_THICKNESS_CV, MAX_VOXELS, MIN_TB_TH_VOXELS,
};

/// Rounds of measuring Tb.Th and rescaling the radii when elements vary in thickness.
const THICKNESS_ROUNDS: usize = 3;
/// Relative Tb.Th error at which those rounds stop.
const THICKNESS_TOLERANCE: f64 = 0.03;

/// What the generator did, for checks and logs.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationReport {
    /// BV/TV of the generated lattice, dimensionless.
    pub bv_tv: f64,
    /// Diameter rods were drawn with, micrometres.
    pub rod_diameter_um: f64,
    /// Thickness plates were drawn with, micrometres.
    pub plate_thickness_um: f64,
    /// Number of lattice nodes inside the domain that the bone connects.
    pub inner_nodes: usize,
    /// Number of candidate elements (rods and plates) touching the inner nodes.
    pub candidates: usize,
    /// Number of elements in the spanning structure.
    pub spanning_elements: usize,
    /// Number of rods kept.
    pub rods_kept: usize,
    /// Number of plates kept.
    pub plates_kept: usize,
    /// 26-connected components of the drawn bone before fragments were removed.
    pub components_drawn: usize,
    /// Bone voxels removed because they were cut off from the main piece at a face.
    pub fragment_voxels_removed: usize,
    /// Number of 26-connected bone components of the result (1 unless empty).
    pub components: usize,
}

impl fmt::Display for GenerationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BV/TV {:.4}, rods {} (d {:.0} um), plates {} (t {:.0} um), {} of {} \
             candidates spanning, {} fragment voxels removed, {} component(s)",
            self.bv_tv,
            self.rods_kept,
            self.rod_diameter_um,
            self.plates_kept,
            self.plate_thickness_um,
            self.spanning_elements,
            self.candidates,
            self.fragment_voxels_removed,
            self.components
        )
    }
}

/// Generates a synthetic trabecular lattice (binary: bone fraction 0 or 1).
///
/// Deterministic: the same spec gives the same bytes at any rayon thread count.
/// The bone is one 26-connected component. BV/TV lands on the target unless the
/// targets are incompatible (say BV/TV 0.5 with thin rods far apart); then the
/// strut thickness is changed within limits and the result may still miss, which
/// [`generate_with_report`] shows.
pub fn generate(spec: &SyntheticSpec) -> Result<Lattice, SyntheticError> {
    generate_with_report(spec).map(|(lattice, _)| lattice)
}

/// As [`generate`], also returning what the generator did.
pub fn generate_with_report(
    spec: &SyntheticSpec,
) -> Result<(Lattice, GenerationReport), SyntheticError> {
    spec.validate()?;
    let vox_mm = spec.voxel_um * 1e-3;
    let d = spec.dims;
    let spacing = spec.node_spacing_mm();
    let params = network::NetworkParams {
        box_vox: [d.nx as f64, d.ny as f64, d.nz as f64],
        spacing_vox: spacing.map(|s| s / vox_mm),
        anisotropy: spec.anisotropy,
        plate_fraction: spec.plate_fraction,
        thickness_cv: spec.thickness_cv,
        seed: spec.seed,
    };
    let th_vox = spec.tb_th_mm / vox_mm;
    let mut radii = calibrate::drawn_radii_vox(th_vox);
    let net = network::Network::build(&params, radii);
    let mut fit = calibrate::fit(&net, d, spec.bv_tv, radii);
    if spec.thickness_cv > 0.0 {
        // Thick elements dominate local thickness where they meet thin ones, so
        // with a spread the drawn Tb.Th is measured and the radii rescaled to it.
        for _ in 0..THICKNESS_ROUNDS {
            let mask = BoneMask {
                dims: d,
                voxel_um: spec.voxel_um,
                data: fit.mask.clone(),
            };
            let measured = mean_thickness_mm(&mask, Phase::Bone) / vox_mm;
            if !(measured.is_finite() && measured > 0.0) {
                break;
            }
            let ratio = th_vox / measured;
            if (ratio - 1.0).abs() < THICKNESS_TOLERANCE {
                break;
            }
            radii = network::Radii {
                rod: radii.rod * ratio,
                plate: radii.plate * ratio,
            };
            fit = calibrate::fit(&net, d, spec.bv_tv, radii);
        }
    }
    let report = GenerationReport {
        bv_tv: fit.bone_voxels as f64 / d.len() as f64,
        rod_diameter_um: 2.0 * fit.radii.rod * spec.voxel_um,
        plate_thickness_um: 2.0 * fit.radii.plate * spec.voxel_um,
        inner_nodes: net.inner.iter().filter(|&&b| b).count(),
        candidates: net.elements.len(),
        spanning_elements: net.spanning,
        rods_kept: fit.rods_kept,
        plates_kept: fit.plates_kept,
        fragment_voxels_removed: fit.fragment_voxels_removed,
        components_drawn: fit.components_drawn,
        components: fit.components,
    };
    let lattice = Lattice {
        dims: d,
        voxel_um: spec.voxel_um,
        bone_fraction: fit.mask.iter().map(|&b| f32::from(b)).collect(),
    };
    Ok((lattice, report))
}
