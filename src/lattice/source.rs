//! From a validated `[lattice]` config to a [`Lattice`]: generate or import.

use crate::config::synthetic::synthetic_spec;
use crate::config::{ImportFormat, LatticeConfig, LatticeSource, ThresholdConfig};

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
