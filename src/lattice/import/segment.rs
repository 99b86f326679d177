//! Global threshold segmentation of a grey-value volume, fixed or by Otsu's method.
//!
//! Bone is every voxel whose value is at least the threshold; NaN values are marrow.
//! Segmentation stays on the native grid, so anisotropic spacing is kept for the
//! partial-volume resampling that follows.

use rayon::prelude::*;

use super::error::ImportError;
use super::GreyVolume;
use crate::grid::Dims;

/// How the bone/marrow threshold is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// Bone where the grey value is at least this (in the file's units).
    Value(f64),
    /// Otsu's threshold: the split of the grey-value histogram that maximises the
    /// between-class variance (see [`otsu_threshold`]).
    Otsu,
}

/// A segmented volume on the native grid: 1 bone, 0 marrow.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryVolume {
    /// Shape (x fastest).
    pub dims: Dims,
    /// Voxel edge lengths along x, y and z, micrometres.
    pub spacing_um: [f64; 3],
    /// One byte per voxel, 0 or 1.
    pub data: Vec<u8>,
    /// The grey-value threshold that was applied (bone is `value >= threshold`).
    pub threshold: f64,
}

impl BinaryVolume {
    /// Number of bone voxels.
    pub fn bone_voxels(&self) -> usize {
        self.data.par_iter().filter(|&&v| v != 0).count()
    }

    /// Bone volume over total volume, dimensionless.
    pub fn bone_volume_fraction(&self) -> f64 {
        self.bone_voxels() as f64 / self.data.len().max(1) as f64
    }

    /// Volume of one native voxel, cubic micrometres.
    pub fn voxel_volume_um3(&self) -> f64 {
        self.spacing_um.iter().product()
    }

    /// Total bone volume, cubic micrometres.
    pub fn bone_volume_um3(&self) -> f64 {
        self.bone_voxels() as f64 * self.voxel_volume_um3()
    }

    /// Whether the three spacings agree within
    /// [`ISOTROPY_TOLERANCE`](super::ISOTROPY_TOLERANCE) (relative).
    pub fn is_isotropic(&self) -> bool {
        super::resample::isotropic(self.spacing_um)
    }
}

/// Segments `grey`: bone where the value is at least the threshold.
///
/// Fails for a NaN [`Threshold::Value`], and for [`Threshold::Otsu`] when the volume
/// has fewer than two distinct finite values.
pub fn segment(grey: &GreyVolume, threshold: Threshold) -> Result<BinaryVolume, ImportError> {
    let t = match threshold {
        Threshold::Value(v) if v.is_nan() => {
            return Err(ImportError::invalid(
                "threshold",
                "NaN; expected a grey value",
            ))
        }
        Threshold::Value(v) => v,
        Threshold::Otsu => otsu_threshold(grey)?,
    };
    let plane = grey.dims.plane().max(1);
    let mut data = vec![0u8; grey.data.len()];
    data.par_chunks_mut(plane)
        .zip(grey.data.par_chunks(plane))
        .for_each(|(dst, src)| {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = u8::from(f64::from(v) >= t);
            }
        });
    Ok(BinaryVolume {
        dims: grey.dims,
        spacing_um: grey.spacing_um,
        data,
        threshold: t,
    })
}

/// Otsu's threshold of the finite values of `grey`.
///
/// The histogram has one bin per integer value for integer sample types spanning at
/// most 65 536 values (so the result is exact), and 4096 equal bins otherwise. The
/// result is the lower edge of the first bone bin, so `value >= threshold` is bone.
/// When several consecutive splits tie (empty bins between two modes), the middle of
/// the tie is taken: a volume of only 0 and 255 gives 128.
pub fn otsu_threshold(grey: &GreyVolume) -> Result<f64, ImportError> {
    let (lo, hi) = finite_min_max(&grey.data).ok_or_else(|| {
        ImportError::Segmentation("Otsu threshold of a volume with no finite value".into())
    })?;
    if lo == hi {
        return Err(ImportError::Segmentation(format!(
            "Otsu threshold of a constant volume (every value is {lo}); give a threshold value instead"
        )));
    }
    let (lo, hi) = (f64::from(lo), f64::from(hi));
    let (bins, width) = if grey.source_dtype.is_integer() && hi - lo < 65_536.0 {
        ((hi - lo) as usize + 1, 1.0)
    } else {
        (4096, (hi - lo) / 4096.0)
    };
    let bin_of = |v: f32| (((f64::from(v) - lo) / width) as usize).min(bins - 1);
    let plane = grey.dims.plane().max(1);
    let hist = grey
        .data
        .par_chunks(plane)
        .fold(
            || vec![0u64; bins],
            |mut h, chunk| {
                for &v in chunk.iter().filter(|v| v.is_finite()) {
                    h[bin_of(v)] += 1;
                }
                h
            },
        )
        .reduce(
            || vec![0u64; bins],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let total: f64 = hist.iter().map(|&c| c as f64).sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let between: Vec<f64> = {
        let (mut w0, mut s0) = (0.0, 0.0);
        hist[..bins - 1]
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                w0 += c as f64;
                s0 += k as f64 * c as f64;
                let w1 = total - w0;
                if w0 == 0.0 || w1 == 0.0 {
                    return 0.0;
                }
                let d = s0 / w0 - (sum_all - s0) / w1;
                w0 * w1 * d * d
            })
            .collect()
    };
    let best = between.iter().copied().fold(0.0, f64::max);
    let first = between.iter().position(|&v| v == best).unwrap_or(0);
    let tie = between[first..]
        .iter()
        .take_while(|&&v| v >= best * (1.0 - 1e-12))
        .count();
    let last = first + tie.saturating_sub(1);
    let k = (first + last) as f64 / 2.0;
    let t = lo + (k + 1.0) * width;
    Ok(if width == 1.0 { t.floor() } else { t })
}

/// Smallest and largest finite value of `data`.
pub(crate) fn finite_min_max(data: &[f32]) -> Option<(f32, f32)> {
    data.par_chunks(1 << 16)
        .filter_map(|c| {
            c.iter()
                .filter(|v| v.is_finite())
                .fold(None, |acc: Option<(f32, f32)>, &v| {
                    Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
                })
        })
        .reduce_with(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

#[cfg(test)]
mod tests {
    use super::super::DType;
    use super::*;

    fn grey(values: Vec<f32>, dtype: DType) -> GreyVolume {
        GreyVolume {
            dims: Dims::new(values.len(), 1, 1),
            spacing_um: [1.0; 3],
            data: values,
            source_dtype: dtype,
            warnings: vec![],
        }
    }

    #[test]
    fn otsu_of_two_values_is_the_midpoint() {
        let g = grey(vec![0.0, 0.0, 255.0, 0.0, 255.0], DType::U8);
        assert_eq!(otsu_threshold(&g).unwrap(), 128.0);
        let b = segment(&g, Threshold::Otsu).unwrap();
        assert_eq!(b.data, [0, 0, 1, 0, 1]);
    }

    #[test]
    fn otsu_on_floats_and_constants() {
        let g = grey(vec![0.1, 0.2, 0.15, 0.9, 0.95, f32::NAN], DType::F32);
        let t = otsu_threshold(&g).unwrap();
        assert!(t > 0.2 && t <= 0.9, "{t}");
        assert_eq!(
            segment(&g, Threshold::Otsu).unwrap().data,
            [0, 0, 0, 1, 1, 0]
        );
        assert!(otsu_threshold(&grey(vec![3.0; 4], DType::U8)).is_err());
        assert!(otsu_threshold(&grey(vec![f32::NAN; 4], DType::F32)).is_err());
        assert!(segment(&g, Threshold::Value(f64::NAN)).is_err());
    }

    #[test]
    fn fixed_threshold_is_inclusive() {
        let g = grey(vec![99.0, 100.0, 101.0], DType::U8);
        assert_eq!(
            segment(&g, Threshold::Value(100.0)).unwrap().data,
            [0, 1, 1]
        );
    }
}
