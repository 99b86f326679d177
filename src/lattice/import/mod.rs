//! Micro-CT import: grey-value volumes from NRRD or raw binary files, threshold
//! segmentation, and resampling to the simulation voxel size.
//!
//! The pipeline is
//!
//! 1. read a [`GreyVolume`] ([`read_nrrd`], [`read_raw`], or [`read_volume`] which picks
//!    the format from the extension);
//! 2. optionally [`crop`](GreyVolume::crop) it;
//! 3. [`segment`] it into a [`BinaryVolume`] by a fixed or an Otsu [`Threshold`] on the
//!    native, possibly anisotropic, grid;
//! 4. [`resample`] the binary volume to a [`Lattice`] of bone volume fraction at the
//!    simulation voxel size, or take it as it is with [`to_isotropic_mask`].
//!
//! [`import_lattice`] runs all four from an [`ImportSpec`].
//!
//! # Conventions
//!
//! - Axes are taken in file index order: the first (fastest) NRRD axis is x. The
//!   orientation and origin of the scan in world space are not kept; the simulation
//!   works in index space.
//! - Spacings are in micrometres. NRRD lengths without units are taken as millimetres
//!   (the usual micro-CT convention), and the [`GreyVolume::warnings`] say so.
//! - Grey values are held as `f32` whatever the stored type (recorded in
//!   [`GreyVolume::source_dtype`]). Integers beyond ±2^24 and doubles lose precision;
//!   micro-CT data are 8- or 16-bit in practice, or `float`.
//! - No input makes the readers panic: every malformed file is an [`ImportError`].
//!   Volumes with more than [`MAX_VOXELS`] voxels are refused before allocation, and the
//!   readers never allocate more than the data actually present in the file.

use std::path::{Path, PathBuf};

use crate::grid::Dims;
use crate::lattice::Lattice;

mod error;
mod header;
mod nrrd;
mod raw;
mod resample;
mod sample;
mod segment;
mod values;

pub use error::ImportError;
pub use nrrd::{read_nrrd, read_nrrd_bytes, MAX_HEADER_BYTES};
pub use raw::{read_raw, RawSpec};
pub use resample::{resample, to_isotropic_mask, ISOTROPY_TOLERANCE};
pub use sample::{DType, Endian};
pub use segment::{otsu_threshold, segment, BinaryVolume, Threshold};

/// Largest volume the readers accept, voxels (2^34, about 1.7e10; 64 GiB as `f32`).
///
/// Larger headers are refused with [`ImportError::AbsurdSize`] before anything is
/// allocated; so are shapes whose voxel or byte count overflows `u64` or `usize`.
pub const MAX_VOXELS: u64 = 1 << 34;

/// A grey-value volume as read from a file, on its native grid.
#[derive(Clone, Debug, PartialEq)]
pub struct GreyVolume {
    /// Shape (x fastest).
    pub dims: Dims,
    /// Voxel edge lengths along x, y and z, micrometres (may differ: anisotropic).
    pub spacing_um: [f64; 3],
    /// One value per voxel, converted to `f32`, x fastest.
    pub data: Vec<f32>,
    /// The sample type stored in the file.
    pub source_dtype: DType,
    /// Things the reader assumed or dropped (missing units, non-axis-aligned
    /// directions, ignored fields); empty when the header was unambiguous.
    pub warnings: Vec<String>,
}

impl GreyVolume {
    /// The value at voxel `(x, y, z)`. Panics if the voxel is outside the volume.
    #[inline]
    pub fn value(&self, x: usize, y: usize, z: usize) -> f32 {
        self.data[self.dims.index(x, y, z)]
    }

    /// Whether the three spacings agree within [`ISOTROPY_TOLERANCE`] (relative).
    pub fn is_isotropic(&self) -> bool {
        resample::isotropic(self.spacing_um)
    }

    /// The sub-volume inside `crop`, with the same spacing.
    ///
    /// Fails if the box is empty or reaches outside the volume.
    pub fn crop(&self, crop: &Crop) -> Result<GreyVolume, ImportError> {
        if self.data.len() != self.dims.len() {
            return Err(ImportError::invalid(
                "grey volume",
                format!("{} values for a {} grid", self.data.len(), self.dims),
            ));
        }
        let d = self.dims.as_array();
        for a in 0..3 {
            let end = crop.origin[a].checked_add(crop.size[a]);
            if crop.size[a] == 0 || end.is_none_or(|e| e > d[a]) {
                return Err(ImportError::invalid(
                    "crop",
                    format!(
                        "box origin {:?} size {:?} must be non-empty and inside the volume {}",
                        crop.origin, crop.size, self.dims
                    ),
                ));
            }
        }
        let out = Dims::new(crop.size[0], crop.size[1], crop.size[2]);
        let mut data = Vec::with_capacity(out.len());
        for z in 0..out.nz {
            for y in 0..out.ny {
                let start = self
                    .dims
                    .index(crop.origin[0], crop.origin[1] + y, crop.origin[2] + z);
                data.extend_from_slice(&self.data[start..start + out.nx]);
            }
        }
        Ok(GreyVolume {
            dims: out,
            spacing_um: self.spacing_um,
            data,
            source_dtype: self.source_dtype,
            warnings: self.warnings.clone(),
        })
    }
}

/// A box of voxels in native (file) voxel indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crop {
    /// First voxel of the box along x, y, z.
    pub origin: [usize; 3],
    /// Extent of the box along x, y, z, voxels.
    pub size: [usize; 3],
}

/// How to read the file of an [`ImportSpec`].
#[derive(Clone, Debug, PartialEq)]
pub enum VolumeFormat {
    /// A NRRD file (attached or detached header).
    Nrrd,
    /// Headerless binary data with the given layout.
    Raw(RawSpec),
}

/// Everything [`import_lattice`] needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportSpec {
    /// The volume file.
    pub path: PathBuf,
    /// Its format.
    pub format: VolumeFormat,
    /// How grey values become bone and marrow.
    pub threshold: Threshold,
    /// Edge length of the simulation voxel, micrometres. `None` keeps the native
    /// voxel when the scan is isotropic (fractions 0 or 1) and resamples to the finest
    /// native spacing when it is not (fractions in `[0, 1]`).
    pub voxel_um: Option<f64>,
    /// Region of interest, in native voxels, applied before segmentation (so an Otsu
    /// threshold is computed on the region only).
    pub crop: Option<Crop>,
}

/// Reads, crops, segments and resamples a micro-CT volume into a simulation lattice.
pub fn import_lattice(spec: &ImportSpec) -> Result<Lattice, ImportError> {
    let grey = match &spec.format {
        VolumeFormat::Nrrd => read_nrrd(&spec.path)?,
        VolumeFormat::Raw(raw) => read_raw(&spec.path, raw)?,
    };
    let grey = match &spec.crop {
        Some(c) => grey.crop(c)?,
        None => grey,
    };
    let binary = segment(&grey, spec.threshold)?;
    drop(grey);
    match spec.voxel_um {
        Some(v) => resample(&binary, v),
        None if binary.is_isotropic() => Ok(Lattice::from_mask(&to_isotropic_mask(&binary)?)),
        None => {
            let finest = binary
                .spacing_um
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            resample(&binary, finest)
        }
    }
}

/// Shape, sample type and spacing of a NRRD volume from its header alone, without
/// reading the data (to size the work before allocating it).
pub fn read_nrrd_shape(path: impl AsRef<Path>) -> Result<(Dims, DType, [f64; 3]), ImportError> {
    let path = path.as_ref();
    let file = open(path)?;
    let h = header::read_header(&mut std::io::BufReader::new(file), path)?;
    Ok((h.dims, h.dtype, h.spacing_um))
}

/// Reads a grey-value volume, choosing the reader from the file extension.
///
/// `.nrrd` and `.nhdr` (any case) are read as NRRD, and `raw` is then ignored. Any
/// other extension needs `raw`, the layout of headerless data; without it the call
/// fails with [`ImportError::UnknownFormat`].
pub fn read_volume(
    path: impl AsRef<Path>,
    raw: Option<&RawSpec>,
) -> Result<GreyVolume, ImportError> {
    let path = path.as_ref();
    if path.is_dir() {
        return Err(ImportError::IsDirectory {
            path: path.to_owned(),
        });
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match (ext.as_str(), raw) {
        ("nrrd" | "nhdr", _) => read_nrrd(path),
        (_, Some(spec)) => read_raw(path, spec),
        (_, None) => Err(ImportError::UnknownFormat {
            path: path.to_owned(),
            extension: ext,
        }),
    }
}

/// Opens a volume file for reading; a directory is [`ImportError::IsDirectory`]
/// rather than an OS error at the first read.
pub(crate) fn open(path: &Path) -> Result<std::fs::File, ImportError> {
    if path.is_dir() {
        return Err(ImportError::IsDirectory {
            path: path.to_owned(),
        });
    }
    std::fs::File::open(path).map_err(|error| ImportError::Io {
        path: path.to_owned(),
        error,
    })
}

/// Checks a shape against [`MAX_VOXELS`] and returns it with its byte count for
/// samples of `sample_bytes` bytes.
pub(crate) fn checked_shape(
    path: &Path,
    sizes: [u64; 3],
    sample_bytes: usize,
) -> Result<(Dims, u64), ImportError> {
    let refuse = || ImportError::AbsurdSize {
        path: path.to_owned(),
        nx: sizes[0],
        ny: sizes[1],
        nz: sizes[2],
        limit: MAX_VOXELS,
    };
    let voxels = sizes
        .iter()
        .try_fold(1u64, |acc, &n| acc.checked_mul(n))
        .ok_or_else(refuse)?;
    if voxels == 0 || voxels > MAX_VOXELS {
        return Err(refuse());
    }
    let bytes = voxels.checked_mul(sample_bytes as u64).ok_or_else(refuse)?;
    let to_usize = |n: u64| usize::try_from(n).map_err(|_| refuse());
    usize::try_from(bytes).map_err(|_| refuse())?;
    let dims = Dims::new(
        to_usize(sizes[0])?,
        to_usize(sizes[1])?,
        to_usize(sizes[2])?,
    );
    Ok((dims, bytes))
}

/// Checks spacings are finite and positive.
pub(crate) fn checked_spacing(path: &Path, spacing_um: [f64; 3]) -> Result<[f64; 3], ImportError> {
    for (axis, &s) in spacing_um.iter().enumerate() {
        if !(s.is_finite() && s > 0.0) {
            return Err(ImportError::BadSpacing {
                path: path.to_owned(),
                axis,
                value_um: s,
            });
        }
    }
    Ok(spacing_um)
}

/// Allocates a byte buffer of `len`, reporting failure as an error instead of aborting.
pub(crate) fn try_alloc(path: &Path, len: usize) -> Result<Vec<u8>, ImportError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|e| ImportError::Io {
        path: path.to_owned(),
        error: std::io::Error::new(std::io::ErrorKind::OutOfMemory, e),
    })?;
    Ok(v)
}
