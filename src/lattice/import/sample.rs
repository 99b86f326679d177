//! Sample types and byte order of stored grey values, and their decoding to `f32`.
//!
//! Decoding is split by z-planes and run on rayon: a plane is one contiguous run of
//! bytes in every supported layout, so no plane depends on another.

use rayon::prelude::*;

use crate::config::schema::DTYPES;
use crate::grid::Dims;

/// The type of one stored sample, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// Signed 8-bit integer.
    I8,
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 16-bit integer.
    I16,
    /// Unsigned 16-bit integer.
    U16,
    /// Signed 32-bit integer (values beyond ±2^24 lose precision as `f32`).
    I32,
    /// Unsigned 32-bit integer (values beyond 2^24 lose precision as `f32`).
    U32,
    /// IEEE 754 single precision.
    F32,
    /// IEEE 754 double precision (narrowed to `f32`).
    F64,
}

impl DType {
    /// Bytes per sample.
    pub const fn size_bytes(self) -> usize {
        match self {
            Self::I8 | Self::U8 => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    /// True for the integer types.
    pub const fn is_integer(self) -> bool {
        !matches!(self, Self::F32 | Self::F64)
    }

    /// The canonical NRRD name of the type (`uint8`, `int16`, `float`, ...).
    pub const fn nrrd_name(self) -> &'static str {
        match self {
            Self::I8 => "int8",
            Self::U8 => "uint8",
            Self::I16 => "int16",
            Self::U16 => "uint16",
            Self::I32 => "int32",
            Self::U32 => "uint32",
            Self::F32 => "float",
            Self::F64 => "double",
        }
    }
}

impl std::str::FromStr for DType {
    type Err = String;

    /// `uint8`, `int8`, `uint16`, `int16`, `uint32`, `int32`, `float32`, `float64`, or
    /// any NRRD spelling of a supported type.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "float32" => Ok(Self::F32),
            "float64" => Ok(Self::F64),
            _ => super::values::parse_type(s)
                .map_err(|_| format!("unknown sample type {s:?}; valid: {}", DTYPES.join(", "))),
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

/// Byte order of multi-byte samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first (x86, ARM in its usual mode).
    Little,
    /// Most significant byte first.
    Big,
}

/// Decodes `bytes` (exactly `dims.len() * dtype.size_bytes()` of them, x fastest) into
/// `f32` values, one z-plane per rayon task.
///
/// The caller guarantees the length; a shorter buffer would leave trailing planes
/// unwritten, never panic.
pub(crate) fn decode(bytes: &[u8], dims: Dims, dtype: DType, endian: Endian) -> Vec<f32> {
    let plane = dims.plane().max(1);
    let size = dtype.size_bytes();
    let mut out = vec![0.0f32; dims.len()];
    out.par_chunks_mut(plane)
        .zip(bytes.par_chunks(plane * size))
        .for_each(|(dst, src)| decode_into(src, dst, dtype, endian));
    out
}

fn decode_into(src: &[u8], dst: &mut [f32], dtype: DType, endian: Endian) {
    macro_rules! conv {
        ($t:ty, $n:expr) => {{
            for (d, c) in dst.iter_mut().zip(src.chunks_exact($n)) {
                let mut b = [0u8; $n];
                b.copy_from_slice(c);
                let v = match endian {
                    Endian::Little => <$t>::from_le_bytes(b),
                    Endian::Big => <$t>::from_be_bytes(b),
                };
                *d = v as f32;
            }
        }};
    }
    match dtype {
        DType::U8 => dst
            .iter_mut()
            .zip(src)
            .for_each(|(d, &s)| *d = f32::from(s)),
        DType::I8 => dst
            .iter_mut()
            .zip(src)
            .for_each(|(d, &s)| *d = f32::from(s as i8)),
        DType::I16 => conv!(i16, 2),
        DType::U16 => conv!(u16, 2),
        DType::I32 => conv!(i32, 4),
        DType::U32 => conv!(u32, 4),
        DType::F32 => conv!(f32, 4),
        DType::F64 => conv!(f64, 8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_type_a_config_accepts_parses() {
        for name in DTYPES {
            let t: DType = name.parse().unwrap();
            assert_eq!(t.to_string().parse::<DType>(), Ok(t));
        }
        let e = "int4".parse::<DType>().unwrap_err();
        assert!(e.ends_with(&DTYPES.join(", ")), "{e}");
    }

    #[test]
    fn decodes_both_byte_orders() {
        let dims = Dims::new(2, 1, 1);
        let le = [0x34, 0x12, 0xff, 0xff];
        let be = [0x12, 0x34, 0xff, 0xff];
        assert_eq!(
            decode(&le, dims, DType::U16, Endian::Little),
            [4660.0, 65535.0]
        );
        assert_eq!(
            decode(&be, dims, DType::U16, Endian::Big),
            [4660.0, 65535.0]
        );
        assert_eq!(
            decode(&le, dims, DType::I16, Endian::Little),
            [4660.0, -1.0]
        );
        let f = 1.5f32.to_be_bytes();
        let g = (-2.25f32).to_be_bytes();
        let bytes: Vec<u8> = f.iter().chain(&g).copied().collect();
        assert_eq!(decode(&bytes, dims, DType::F32, Endian::Big), [1.5, -2.25]);
        assert_eq!(
            decode(&[0x80, 0x7f], dims, DType::I8, Endian::Big),
            [-128.0, 127.0]
        );
    }

    #[test]
    fn decodes_many_planes() {
        let dims = Dims::new(3, 2, 4);
        let bytes: Vec<u8> = (0..dims.len() as u32).flat_map(u32::to_le_bytes).collect();
        let out = decode(&bytes, dims, DType::U32, Endian::Little);
        assert!(out.iter().enumerate().all(|(i, &v)| v == i as f32));
    }
}
