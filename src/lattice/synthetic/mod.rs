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

use crate::grid::{BoneMask, Dims};
use crate::lattice::Lattice;
use crate::morphometry::{mean_thickness_mm, Phase};

mod calibrate;
pub mod gyroid;
mod network;
mod presets;
mod raster;

pub use presets::{ParsePresetError, Preset, PresetTargets, PRESET_THICKNESS_CV, THICKNESS_CV};

/// Largest accepted BV/TV (exclusive).
pub const MAX_BV_TV: f64 = 0.6;
/// Smallest accepted trabecular thickness, in voxels.
pub const MIN_TB_TH_VOXELS: f64 = 2.0;
/// Rounds of measuring Tb.Th and rescaling the radii when elements vary in thickness.
const THICKNESS_ROUNDS: usize = 3;
/// Relative Tb.Th error at which those rounds stop.
const THICKNESS_TOLERANCE: f64 = 0.03;
/// Largest accepted coefficient of variation of the element thickness.
pub const MAX_THICKNESS_CV: f64 = 0.8;
/// Largest accepted degree of anisotropy.
pub const MAX_ANISOTROPY: f64 = 4.0;
/// Largest accepted number of voxels in the domain.
pub const MAX_VOXELS: usize = 1 << 31;
/// Largest accepted number of lattice nodes (inside the domain and in the
/// layers around it); bounds the memory the candidate elements take.
pub const MAX_NODES: usize = 1 << 20;

/// What to generate: domain, voxel size, morphometric targets and seed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SyntheticSpec {
    /// Shape of the voxel domain.
    #[serde(with = "dims_serde")]
    pub dims: Dims,
    /// Edge length of one cubic voxel, micrometres.
    pub voxel_um: f64,
    /// Target bone volume fraction BV/TV, dimensionless, in `(0, 0.6)`.
    pub bv_tv: f64,
    /// Target trabecular thickness Tb.Th, millimetres; at least 2 voxels.
    pub tb_th_mm: f64,
    /// Target trabecular separation Tb.Sp, millimetres; sets the node spacing
    /// `Tb.Sp + Tb.Th`. Use [`tb_sp_from_tb_n_mm`] to start from Tb.N instead.
    pub tb_sp_mm: f64,
    /// Degree of anisotropy, dimensionless, in `[1, 4]`; the main axis is z (cells
    /// stretched along z, vertical struts and plates favoured).
    pub anisotropy: f64,
    /// Share of the bone volume drawn as plates, in `[0, 1]`: 0 = all rods,
    /// 1 = all plates.
    pub plate_fraction: f64,
    /// Coefficient of variation of the element thickness, dimensionless, in
    /// `[0, 0.8]`: 0 draws every rod and plate alike; above 0 each element's
    /// thickness is scaled by its own lognormal factor (see the module docs).
    #[serde(default)]
    pub thickness_cv: f64,
    /// Seed of the random generator; the same seed gives the same bytes.
    pub seed: u64,
}

/// `serde` for [`Dims`], which only derives `Serialize` in the grid module.
mod dims_serde {
    use crate::grid::Dims;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Raw {
        nx: usize,
        ny: usize,
        nz: usize,
    }

    pub(super) fn serialize<S: Serializer>(d: &Dims, s: S) -> Result<S::Ok, S::Error> {
        Raw {
            nx: d.nx,
            ny: d.ny,
            nz: d.nz,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Dims, D::Error> {
        let r = Raw::deserialize(d)?;
        Ok(Dims::new(r.nx, r.ny, r.nz))
    }
}

/// Why a [`SyntheticSpec`] cannot be generated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SyntheticError {
    /// A numeric field is outside its valid range.
    #[error("{field} = {value} is out of range: expected {expected}")]
    OutOfRange {
        /// Name of the offending field.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The valid range, in words.
        expected: String,
    },
    /// The domain is shorter than one node spacing along an axis.
    #[error(
        "dims.{axis} = {voxels} voxels ({extent_mm:.3} mm) is smaller than one node \
         spacing ({spacing_mm:.3} mm = Tb.Sp + Tb.Th, stretched by the anisotropy)"
    )]
    DomainTooSmall {
        /// Axis name: `nx`, `ny` or `nz`.
        axis: &'static str,
        /// Extent along the axis, voxels.
        voxels: usize,
        /// Extent along the axis, millimetres.
        extent_mm: f64,
        /// Node spacing along the axis, millimetres.
        spacing_mm: f64,
    },
    /// The domain has more voxels than [`MAX_VOXELS`].
    #[error("dims = {dims} has too many voxels: expected at most {max}")]
    DomainTooLarge {
        /// The requested shape.
        dims: Dims,
        /// The maximum number of voxels.
        max: usize,
    },
}

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

/// Trabecular separation from trabecular number and thickness, millimetres:
/// `Tb.Sp = 1 / Tb.N - Tb.Th` (the parallel-plate relation), for specs given by
/// Tb.N instead of Tb.Sp.
///
/// Errors if either input is not positive and finite, or if `Tb.Th >= 1 / Tb.N`.
pub fn tb_sp_from_tb_n_mm(tb_n_per_mm: f64, tb_th_mm: f64) -> Result<f64, SyntheticError> {
    check_positive("tb_n_per_mm", tb_n_per_mm)?;
    check_positive("tb_th_mm", tb_th_mm)?;
    let sp = 1.0 / tb_n_per_mm - tb_th_mm;
    if sp > 0.0 {
        Ok(sp)
    } else {
        Err(SyntheticError::OutOfRange {
            field: "tb_n_per_mm",
            value: tb_n_per_mm,
            expected: format!("less than 1 / tb_th_mm = {:.4} per mm", 1.0 / tb_th_mm),
        })
    }
}

impl SyntheticSpec {
    /// Node spacing `[x, y, z]`, millimetres: `Tb.Sp + Tb.Th`, stretched along z by
    /// the anisotropy at constant cell volume.
    pub fn node_spacing_mm(&self) -> [f64; 3] {
        let s = self.tb_sp_mm + self.tb_th_mm;
        let a = self.anisotropy;
        let sxy = s * a.powf(-1.0 / 3.0);
        [sxy, sxy, s * a.powf(2.0 / 3.0)]
    }

    /// Checks every field; the error names the first bad field and its valid range.
    pub fn validate(&self) -> Result<(), SyntheticError> {
        let d = self.dims;
        let voxels =
            d.nx.checked_mul(d.ny)
                .and_then(|v| v.checked_mul(d.nz))
                .unwrap_or(usize::MAX);
        if voxels > MAX_VOXELS {
            return Err(SyntheticError::DomainTooLarge {
                dims: d,
                max: MAX_VOXELS,
            });
        }
        check_positive("voxel_um", self.voxel_um)?;
        if !(self.bv_tv > 0.0 && self.bv_tv < MAX_BV_TV) {
            return Err(out_of_range(
                "bv_tv",
                self.bv_tv,
                format!("0 < bv_tv < {MAX_BV_TV}"),
            ));
        }
        check_positive("tb_th_mm", self.tb_th_mm)?;
        let min_th_mm = MIN_TB_TH_VOXELS * self.voxel_um * 1e-3;
        if self.tb_th_mm < min_th_mm {
            return Err(out_of_range(
                "tb_th_mm",
                self.tb_th_mm,
                format!(
                    "at least {MIN_TB_TH_VOXELS} voxels = {min_th_mm:.4} mm at {} um voxels",
                    self.voxel_um
                ),
            ));
        }
        check_positive("tb_sp_mm", self.tb_sp_mm)?;
        if !(self.anisotropy >= 1.0 && self.anisotropy <= MAX_ANISOTROPY) {
            return Err(out_of_range(
                "anisotropy",
                self.anisotropy,
                format!("1 <= anisotropy <= {MAX_ANISOTROPY}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.plate_fraction) {
            return Err(out_of_range(
                "plate_fraction",
                self.plate_fraction,
                "0 <= plate_fraction <= 1".to_string(),
            ));
        }
        if !(0.0..=MAX_THICKNESS_CV).contains(&self.thickness_cv) {
            return Err(out_of_range(
                "thickness_cv",
                self.thickness_cv,
                format!("0 <= thickness_cv <= {MAX_THICKNESS_CV}"),
            ));
        }
        let spacing = self.node_spacing_mm();
        let vox_mm = self.voxel_um * 1e-3;
        let mut nodes = 1.0;
        for ((axis, n), s) in ["nx", "ny", "nz"]
            .into_iter()
            .zip(d.as_array())
            .zip(spacing)
        {
            let extent_mm = n as f64 * vox_mm;
            if extent_mm < s {
                return Err(SyntheticError::DomainTooSmall {
                    axis,
                    voxels: n,
                    extent_mm,
                    spacing_mm: s,
                });
            }
            nodes *= network::nodes_along(extent_mm / s) as f64;
        }
        if nodes > MAX_NODES as f64 {
            return Err(out_of_range(
                "tb_sp_mm",
                self.tb_sp_mm,
                format!(
                    "a node spacing Tb.Sp + Tb.Th large enough for at most {MAX_NODES} \
                     nodes on this domain (got about {nodes:.0})"
                ),
            ));
        }
        Ok(())
    }
}

fn out_of_range(field: &'static str, value: f64, expected: String) -> SyntheticError {
    SyntheticError::OutOfRange {
        field,
        value,
        expected,
    }
}

fn check_positive(field: &'static str, value: f64) -> Result<(), SyntheticError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(out_of_range(
            field,
            value,
            "a finite number > 0".to_string(),
        ))
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
