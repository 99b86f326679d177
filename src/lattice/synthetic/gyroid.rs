//! A smooth, fully deterministic trabecular-like volume: the solid phase of a sum of
//! two gyroid fields (triply periodic minimal surfaces; Schoen 1970), the second
//! rotated and rescaled to break the symmetry, thresholded to a requested bone
//! fraction. Used where a structure with no random element is wanted: benchmarks,
//! and tests that compare implementations on the same volume.

use crate::grid::{BoneMask, Dims};

/// A cube of side `n` voxels of edge `voxel_um`, with gyroid period `period_vox`
/// voxels, holding the fraction `bv_tv` of bone (to within one voxel).
pub fn gyroid_foam(n: usize, period_vox: f64, bv_tv: f64, voxel_um: f64) -> BoneMask {
    let dims = Dims::cube(n);
    if dims.is_empty() {
        return BoneMask::empty(dims, voxel_um);
    }
    let gyroid = |x: f64, y: f64, z: f64, l: f64| {
        let k = std::f64::consts::TAU / l;
        (k * x).sin() * (k * y).cos()
            + (k * y).sin() * (k * z).cos()
            + (k * z).sin() * (k * x).cos()
    };
    let field: Vec<f64> = (0..dims.len())
        .map(|i| {
            let (x, y, z) = dims.coords(i);
            let (x, y, z) = (x as f64, y as f64, z as f64);
            let (u, v) = (0.8 * x + 0.6 * y, -0.6 * x + 0.8 * y);
            gyroid(x, y, z, period_vox)
                + 0.35 * gyroid(u + 11.0, v + 5.0, 0.9 * z + 3.0, 0.61 * period_vox)
        })
        .collect();
    let mut sorted = field.clone();
    let k = (((1.0 - bv_tv.clamp(0.0, 1.0)) * dims.len() as f64) as usize).min(dims.len() - 1);
    let (_, &mut threshold, _) = sorted.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    BoneMask {
        dims,
        voxel_um,
        data: field.iter().map(|&f| u8::from(f > threshold)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_the_requested_fraction() {
        let m = gyroid_foam(40, 20.0, 0.25, 10.0);
        let f = m.bone_voxels() as f64 / m.dims.len() as f64;
        assert!((f - 0.25).abs() < 1e-3, "{f}");
        assert_eq!(gyroid_foam(0, 20.0, 0.25, 10.0).dims.len(), 0);
    }
}
