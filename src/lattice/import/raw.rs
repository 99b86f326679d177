//! Headerless binary volumes: the caller states shape, sample type, byte order, voxel
//! spacing and the length of any header to skip.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::error::ImportError;
use super::sample::{decode, DType, Endian};
use super::{checked_shape, checked_spacing, try_alloc, GreyVolume};

/// Layout of a raw binary volume.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSpec {
    /// Voxels along x, y and z (x fastest in the file).
    pub shape: [usize; 3],
    /// Sample type.
    pub dtype: DType,
    /// Byte order of multi-byte samples (ignored for 8-bit types).
    pub endian: Endian,
    /// Voxel edge lengths along x, y and z, micrometres.
    pub spacing_um: [f64; 3],
    /// Bytes before the first sample (a vendor header), skipped.
    pub header_bytes: u64,
}

/// Reads a raw volume. The file must hold exactly `header_bytes` plus
/// `nx * ny * nz * dtype.size_bytes()` bytes; anything else is
/// [`ImportError::SizeMismatch`] stating both numbers.
pub fn read_raw(path: impl AsRef<Path>, spec: &RawSpec) -> Result<GreyVolume, ImportError> {
    let path = path.as_ref();
    let sizes = spec.shape.map(|n| n as u64);
    let (dims, data_bytes) = checked_shape(path, sizes, spec.dtype.size_bytes())?;
    let spacing_um = checked_spacing(path, spec.spacing_um)?;
    let io = |error| ImportError::Io {
        path: path.to_owned(),
        error,
    };
    let mut file = super::open(path)?;
    let actual = file.metadata().map_err(io)?.len();
    let expected = spec.header_bytes.checked_add(data_bytes).ok_or_else(|| {
        ImportError::invalid(
            "raw header offset",
            format!("{} bytes is absurd", spec.header_bytes),
        )
    })?;
    if actual != expected {
        return Err(ImportError::SizeMismatch {
            path: path.to_owned(),
            what: format!(
                "file size for {} samples of {} plus a {}-byte header",
                dims, spec.dtype, spec.header_bytes
            ),
            expected,
            actual,
        });
    }
    file.seek(SeekFrom::Start(spec.header_bytes)).map_err(io)?;
    let len = data_bytes as usize;
    let mut bytes = try_alloc(path, len)?;
    bytes.resize(len, 0);
    file.read_exact(&mut bytes).map_err(io)?;
    Ok(GreyVolume {
        dims,
        spacing_um,
        data: decode(&bytes, dims, spec.dtype, spec.endian),
        source_dtype: spec.dtype,
        warnings: Vec::new(),
    })
}
