//! What the synthetic generator accepts: its settings ([`SyntheticSpec`]), their
//! bounds, and the arithmetic rules on them ([`SyntheticSpec::validate`]), which the
//! config applies to a file at the keys the user wrote and the generator
//! (`crate::lattice::synthetic`) applies again before it draws anything. See that
//! module for the model these settings drive.

use crate::grid::Dims;

use super::presets::{Preset, PRESET_THICKNESS_CV};
use super::types::{LatticeConfig, SyntheticConfig};

/// Largest accepted BV/TV (exclusive).
pub const MAX_BV_TV: f64 = 0.6;
/// Smallest accepted trabecular thickness, in voxels.
pub const MIN_TB_TH_VOXELS: f64 = 2.0;
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
    /// thickness is scaled by its own lognormal factor (see the model in
    /// `crate::lattice::synthetic`).
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

/// Node layers the generator adds outside the domain on each side.
pub(crate) const OUTER_LAYERS: usize = 2;

/// Most node sites along an axis `cells` spacings long (whatever the offset).
pub(crate) fn nodes_along(cells: f64) -> usize {
    (cells + 2.0 * OUTER_LAYERS as f64).ceil() as usize + 2
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
            nodes *= nodes_along(extent_mm / s) as f64;
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

/// The generator settings of a validated synthetic `[lattice]`: the preset's, with
/// every key the config gives on top; also the preset, when one is named.
pub fn synthetic_spec(
    config: &LatticeConfig,
    s: &SyntheticConfig,
    seed: u64,
) -> Result<(SyntheticSpec, Option<Preset>), SyntheticError> {
    let shape = config
        .shape_voxels
        .expect("validated synthetic lattices have a shape");
    let voxel_um = config
        .voxel_um
        .expect("validated synthetic lattices have a voxel size");
    let dims = Dims::new(shape[0], shape[1], shape[2]);
    let preset = s
        .preset
        .as_deref()
        .map(|p| p.parse::<Preset>().expect("validated preset name"));
    let mut spec = match preset {
        Some(p) => p.spec(dims, voxel_um, seed),
        // Without a preset the validated config gives bv_tv, tb_th_mm and a spacing;
        // the shape knobs start from a mixed, isotropic structure.
        None => SyntheticSpec {
            dims,
            voxel_um,
            bv_tv: 0.0,
            tb_th_mm: 0.0,
            tb_sp_mm: 0.0,
            anisotropy: 1.0,
            plate_fraction: 0.5,
            thickness_cv: PRESET_THICKNESS_CV,
            seed,
        },
    };
    if let Some(v) = s.bv_tv {
        spec.bv_tv = v;
    }
    if let Some(v) = s.tb_th_mm {
        spec.tb_th_mm = v;
    }
    if let Some(v) = s.tb_sp_mm {
        spec.tb_sp_mm = v;
    }
    if let Some(n) = s.tb_n_per_mm {
        spec.tb_sp_mm = tb_sp_from_tb_n_mm(n, spec.tb_th_mm)?;
    }
    if let Some(v) = s.anisotropy {
        spec.anisotropy = v;
    }
    if let Some(v) = s.plate_fraction {
        spec.plate_fraction = v;
    }
    if let Some(v) = s.thickness_cv {
        spec.thickness_cv = v;
    }
    Ok((spec, preset))
}
