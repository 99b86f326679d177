//! Resampling a segmented volume to the simulation voxel size.
//!
//! Every target voxel gets the bone volume fraction of the box it covers: the
//! overlap-weighted mean of the native voxels it intersects, with native voxels taken
//! as uniform boxes of their (possibly anisotropic) spacing. The box filter is
//! separable, so it runs as three 1-D passes (x, then y, then z), each split over
//! z-planes on rayon.
//!
//! - Coarsening averages exactly, for integer and non-integer ratios alike, and
//!   conserves bone volume: the sum of fraction × voxel volume equals the native bone
//!   volume of the covered region.
//! - Refining is the same operator. A target voxel inside one native voxel takes its
//!   value (nearest neighbour); one straddling a native boundary takes the
//!   overlap-weighted mix. No trilinear blurring, so refinement also conserves volume
//!   and never invents bone outside the segmented voxels.
//! - Grid size: along each axis the target grid has ⌊extent / target voxel⌋ voxels
//!   (the nearest integer when the quotient is within 1e-6 of one), anchored at the
//!   volume's low corner. A remainder slab thinner than one target voxel at the high
//!   end is dropped rather than padded with marrow, so every target voxel is fully
//!   covered by data; volume is conserved exactly when each extent is a whole number of
//!   target voxels.

use rayon::prelude::*;

use super::error::ImportError;
use super::segment::BinaryVolume;
use super::MAX_VOXELS;
use crate::grid::{BoneMask, Dims};
use crate::lattice::Lattice;

/// Relative difference between the largest and smallest spacing below which a volume
/// counts as isotropic (1e-5: header spacings are often rounded from single precision).
pub const ISOTROPY_TOLERANCE: f64 = 1e-5;

pub(crate) fn isotropic(spacing_um: [f64; 3]) -> bool {
    let max = spacing_um.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = spacing_um.iter().copied().fold(f64::INFINITY, f64::min);
    max - min <= ISOTROPY_TOLERANCE * max
}

/// Bone volume fraction on a grid of cubic voxels of `target_voxel_um`, by exact
/// box (partial-volume) averaging of `binary` (see the module documentation for the
/// grid size and the refining case).
///
/// Fails if the target voxel is not finite and positive, is larger than the volume
/// along some axis, or makes a grid of more than [`MAX_VOXELS`] voxels, or if `binary`
/// itself is inconsistent.
pub fn resample(binary: &BinaryVolume, target_voxel_um: f64) -> Result<Lattice, ImportError> {
    check(binary)?;
    if !(target_voxel_um.is_finite() && target_voxel_um > 0.0) {
        return Err(ImportError::invalid(
            "target voxel size",
            format!("{target_voxel_um} um; expected a finite positive length"),
        ));
    }
    let n = binary.dims.as_array();
    let mut m = [0usize; 3];
    for a in 0..3 {
        let q = n[a] as f64 * binary.spacing_um[a] / target_voxel_um;
        let r = q.round();
        let cells = if (q - r).abs() <= 1e-6 * r.max(1.0) {
            r
        } else {
            q.floor()
        };
        if cells < 1.0 {
            return Err(ImportError::invalid(
                "target voxel size",
                format!(
                    "{target_voxel_um} um exceeds the volume extent of {} um along axis {a}",
                    n[a] as f64 * binary.spacing_um[a]
                ),
            ));
        }
        if cells > MAX_VOXELS as f64 {
            return Err(ImportError::invalid(
                "target voxel size",
                format!("{target_voxel_um} um gives more than {MAX_VOXELS} voxels"),
            ));
        }
        m[a] = cells as usize;
    }
    // The final grid and the two intermediate ones of the separable passes.
    let too_big = |c: [usize; 3]| {
        c.iter()
            .try_fold(1u64, |acc, &k| acc.checked_mul(k as u64))
            .is_none_or(|t| t > MAX_VOXELS)
    };
    if too_big(m) || too_big([m[0], n[1], n[2]]) || too_big([m[0], m[1], n[2]]) {
        return Err(ImportError::invalid(
            "target voxel size",
            format!(
                "{target_voxel_um} um gives a grid of {} x {} x {} voxels (or an intermediate one) of more than {MAX_VOXELS}",
                m[0], m[1], m[2]
            ),
        ));
    }
    let w: Vec<Vec<Vec<(usize, f64)>>> = (0..3)
        .map(|a| axis_weights(n[a], binary.spacing_um[a], m[a], target_voxel_um))
        .collect();

    let src = binary.dims;
    // Pass 1: along x, (nx, ny, nz) -> (mx, ny, nz).
    let mut t1 = vec![0f32; m[0] * src.ny * src.nz];
    t1.par_chunks_mut(m[0] * src.ny)
        .zip(binary.data.par_chunks(src.plane()))
        .for_each(|(dst, plane)| {
            for y in 0..src.ny {
                let row = &plane[y * src.nx..(y + 1) * src.nx];
                for (j, wj) in w[0].iter().enumerate() {
                    let s: f64 = wj.iter().map(|&(i, wi)| wi * f64::from(row[i])).sum();
                    dst[y * m[0] + j] = s as f32;
                }
            }
        });
    // Pass 2: along y, (mx, ny, nz) -> (mx, my, nz).
    let mut t2 = vec![0f32; m[0] * m[1] * src.nz];
    t2.par_chunks_mut(m[0] * m[1])
        .zip(t1.par_chunks(m[0] * src.ny))
        .for_each(|(dst, plane)| {
            for (j, wj) in w[1].iter().enumerate() {
                for x in 0..m[0] {
                    let s: f64 = wj
                        .iter()
                        .map(|&(i, wi)| wi * f64::from(plane[i * m[0] + x]))
                        .sum();
                    dst[j * m[0] + x] = s as f32;
                }
            }
        });
    drop(t1);
    // Pass 3: along z, (mx, my, nz) -> (mx, my, mz).
    let out_plane = m[0] * m[1];
    let mut fraction = vec![0f32; out_plane * m[2]];
    fraction
        .par_chunks_mut(out_plane)
        .zip(w[2].par_iter())
        .for_each(|(dst, wk)| {
            let mut acc = vec![0f64; out_plane];
            for &(i, wi) in wk {
                let plane = &t2[i * out_plane..(i + 1) * out_plane];
                acc.iter_mut()
                    .zip(plane)
                    .for_each(|(a, &v)| *a += wi * f64::from(v));
            }
            dst.iter_mut()
                .zip(&acc)
                .for_each(|(d, &a)| *d = (a as f32).clamp(0.0, 1.0));
        });
    Ok(Lattice {
        dims: Dims::new(m[0], m[1], m[2]),
        voxel_um: target_voxel_um,
        bone_fraction: fraction,
    })
}

/// Overlap weights along one axis: for each of `m` target cells of length `t`, the
/// native cells (of length `s`, `n` of them) it intersects and overlap / `t`.
fn axis_weights(n: usize, s: f64, m: usize, t: f64) -> Vec<Vec<(usize, f64)>> {
    (0..m)
        .map(|j| {
            let lo = j as f64 * t;
            let hi = lo + t;
            let i0 = ((lo / s).floor() as usize).min(n.saturating_sub(1));
            let i1 = ((hi / s).ceil() as usize).min(n);
            (i0..i1)
                .filter_map(|i| {
                    let overlap = hi.min((i + 1) as f64 * s) - lo.max(i as f64 * s);
                    (overlap > 0.0).then_some((i, overlap / t))
                })
                .collect()
        })
        .collect()
}

/// The segmentation as an isotropic [`BoneMask`] for morphometry.
///
/// An isotropic volume (within [`ISOTROPY_TOLERANCE`]) is taken voxel for voxel, with
/// the mean of its three spacings as voxel size. An anisotropic one is resampled to
/// its finest spacing with [`resample`], and voxels with a bone fraction of at least
/// [`BONE_THRESHOLD`](crate::lattice::BONE_THRESHOLD) are bone.
pub fn to_isotropic_mask(binary: &BinaryVolume) -> Result<BoneMask, ImportError> {
    check(binary)?;
    if isotropic(binary.spacing_um) {
        return Ok(BoneMask {
            dims: binary.dims,
            voxel_um: binary.spacing_um.iter().sum::<f64>() / 3.0,
            data: binary.data.iter().map(|&v| u8::from(v != 0)).collect(),
        });
    }
    let finest = binary
        .spacing_um
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let lattice = resample(binary, finest)?;
    Ok(lattice.mask())
}

fn check(binary: &BinaryVolume) -> Result<(), ImportError> {
    if binary.data.len() != binary.dims.len() || binary.dims.is_empty() {
        return Err(ImportError::invalid(
            "binary volume",
            format!(
                "{} values for a {} grid; expected one per voxel and at least one voxel",
                binary.data.len(),
                binary.dims
            ),
        ));
    }
    for (a, &s) in binary.spacing_um.iter().enumerate() {
        if !(s.is_finite() && s > 0.0) {
            return Err(ImportError::invalid(
                "binary volume",
                format!("spacing {s} um along axis {a}; expected a finite positive length"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(
        dims: Dims,
        spacing_um: [f64; 3],
        f: impl Fn(usize, usize, usize) -> bool,
    ) -> BinaryVolume {
        let mut data = vec![0u8; dims.len()];
        for z in 0..dims.nz {
            for y in 0..dims.ny {
                for x in 0..dims.nx {
                    data[dims.index(x, y, z)] = u8::from(f(x, y, z));
                }
            }
        }
        BinaryVolume {
            dims,
            spacing_um,
            data,
            threshold: 1.0,
        }
    }

    #[test]
    fn weights_cover_each_target_cell_once() {
        for (n, s, t) in [(10, 1.0, 3.0), (7, 4.1, 10.0), (5, 3.0, 1.0), (4, 2.5, 2.5)] {
            let m = (n as f64 * s / t).floor() as usize;
            for wj in axis_weights(n, s, m, t) {
                let sum: f64 = wj.iter().map(|w| w.1).sum();
                assert!((sum - 1.0).abs() < 1e-12, "{n} {s} {t}: {sum}");
            }
        }
    }

    #[test]
    fn non_integer_ratio_is_overlap_weighted() {
        // 3 native voxels of 2 um, x = [1, 0, 1]; target 3 um: 2 voxels.
        let b = binary(Dims::new(3, 1, 1), [2.0, 3.0, 3.0], |x, _, _| x != 1);
        let l = resample(&b, 3.0).unwrap();
        assert_eq!(l.dims, Dims::new(2, 1, 1));
        assert!((l.bone_fraction[0] - 2.0 / 3.0).abs() < 1e-6);
        assert!((l.bone_fraction[1] - 2.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn anisotropic_to_isotropic_mask() {
        // z spacing twice the x/y spacing: each native z-slice becomes two.
        let b = binary(Dims::new(2, 2, 2), [1.0, 1.0, 2.0], |_, _, z| z == 1);
        let m = to_isotropic_mask(&b).unwrap();
        assert_eq!(m.dims, Dims::new(2, 2, 4));
        assert_eq!(m.voxel_um, 1.0);
        assert_eq!(m.bone_voxels(), 8);
        assert!(m.is_bone(0, 0, 2) && !m.is_bone(0, 0, 1));
    }

    #[test]
    fn rejects_bad_targets() {
        let b = binary(Dims::cube(2), [1.0; 3], |_, _, _| true);
        assert!(resample(&b, 0.0).is_err());
        assert!(resample(&b, f64::NAN).is_err());
        assert!(resample(&b, 3.0).is_err());
        assert!(resample(&b, 1e-9).is_err());
    }
}
