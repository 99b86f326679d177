//! From a validated `[lattice]` config to a [`Lattice`]: generate or import.

use crate::config::{ImportFormat, LatticeConfig, LatticeSource, SyntheticConfig, ThresholdConfig};
use crate::grid::Dims;

use super::import::{
    self, DType, Endian, ImportError, ImportSpec, RawSpec, Threshold, VolumeFormat,
};
use super::synthetic::{self, Preset, PresetTargets, SyntheticError, SyntheticSpec};
use super::Lattice;

/// A lattice with a record of where it came from.
#[derive(Clone, Debug)]
pub struct Built {
    /// The lattice.
    pub lattice: Lattice,
    /// One line saying what it is, for logs and output attributes.
    pub description: String,
    /// The generator's settings, for a synthetic lattice.
    pub spec: Option<SyntheticSpec>,
    /// The reference values of the preset, when one was named.
    pub targets: Option<PresetTargets>,
}

/// Why a lattice could not be built. Both are the input's fault (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The synthetic settings cannot be generated.
    #[error("[lattice.synthetic]: {0}")]
    Synthetic(SyntheticError),
    /// The volume could not be imported.
    #[error("[lattice.import]: {0}")]
    Import(ImportError),
}

// Not `#[from]`: that would make the inner error the source too, and `{:#}` would
// print its message twice.
impl From<SyntheticError> for BuildError {
    fn from(e: SyntheticError) -> Self {
        Self::Synthetic(e)
    }
}

impl From<ImportError> for BuildError {
    fn from(e: ImportError) -> Self {
        Self::Import(e)
    }
}

/// Generates or imports the lattice a config describes; `seed` drives generation.
pub fn build(config: &LatticeConfig, seed: u64) -> Result<Built, BuildError> {
    match &config.source {
        LatticeSource::Synthetic(s) => {
            let (spec, preset) = synthetic_spec(config, s, seed)?;
            let voxel_um = spec.voxel_um;
            let lattice = synthetic::generate(&spec)?;
            let name = preset.map_or("custom".to_string(), |p| p.name().to_string());
            let description = format!(
                "synthetic {name}, {} voxels at {voxel_um} um, seed {seed}",
                lattice.dims
            );
            Ok(Built {
                lattice,
                description,
                spec: Some(spec),
                targets: preset.map(Preset::targets),
            })
        }
        LatticeSource::Import(i) => {
            let format = match &i.format {
                ImportFormat::Nrrd => VolumeFormat::Nrrd,
                ImportFormat::Raw(r) => VolumeFormat::Raw(RawSpec {
                    shape: r.shape_voxels,
                    dtype: r.dtype.parse::<DType>().expect("validated sample type"),
                    endian: if r.big_endian {
                        Endian::Big
                    } else {
                        Endian::Little
                    },
                    spacing_um: r.spacing_um,
                    header_bytes: r.header_bytes,
                }),
            };
            let threshold = match i.threshold {
                ThresholdConfig::Otsu => Threshold::Otsu,
                ThresholdConfig::Value(v) => Threshold::Value(v),
            };
            let spec = ImportSpec {
                path: i.path.clone(),
                format,
                threshold,
                voxel_um: config.voxel_um,
                crop: None,
            };
            let lattice = import::import_lattice(&spec)?;
            let description = format!(
                "imported {}, {} voxels at {} um",
                i.path.display(),
                lattice.dims,
                lattice.voxel_um
            );
            Ok(Built {
                lattice,
                description,
                spec: None,
                targets: None,
            })
        }
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
            thickness_cv: synthetic::PRESET_THICKNESS_CV,
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
        spec.tb_sp_mm = synthetic::tb_sp_from_tb_n_mm(n, spec.tb_th_mm)?;
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
