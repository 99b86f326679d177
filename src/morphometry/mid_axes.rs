//! Trabecular number from the mid-axes of the bone (Hildebrand et al. 1999).
//!
//! Tb.N is "the inverse of the mean distance between the mid-axes of the observed
//! structure" (Hildebrand, Laib, Müller, Dequeker & Rüegsegger, J Bone Miner Res
//! 14:1167, 1999; the Tb.N of Scanco micro-CT reports, as in Rubin et al., Bone 2010):
//!
//! 1. **Mid-axes.** The bone is reduced to its medial surfaces (plates) and medial
//!    lines (rods) with the integer medial axis of Hesselink & Roerdink (IEEE TPAMI
//!    30:2204, 2008): for every pair `p, q` of face-adjacent voxels, at least one of
//!    them bone, take their nearest marrow voxels `f(p)`, `f(q)` (the feature
//!    transform). If those lie more than [`PRUNE_SQ_VOX`]^½ voxels apart, the pair
//!    straddles the middle of the bone, and whichever of `p`, `q` is bone and lies
//!    closer to the bisector of `f(p)` and `f(q)` is a mid-axis voxel. Pairs whose
//!    features are close (a one-voxel bump of the surface) mark nothing.
//! 2. **Spacing.** Local thickness ([`super::thickness`]) of everything that is not a
//!    mid-axis voxel, bone and marrow alike: the diameter of the largest sphere that
//!    fits between mid-axes, averaged over the volume. Tb.N is its inverse.
//!
//! Unlike `1/(Tb.Th + Tb.Sp)`, this does not move when trabeculae thin or thicken
//! (their mid-axes stay where they are), and falls when whole trabeculae are lost
//! or plates perforated. For parallel plates of spacing `s` both give `1/s`.
//!
//! The feature transform is the exact separable one: the distance transform passes
//! of [`super::edt`], each also carrying the index of the nearest voxel found so far.
//! Like the distance transform it ignores the outside of the volume.

use rayon::prelude::*;

use super::edt::{lower_envelope_arg, UNBOUNDED};
use super::thickness::mean_thickness_mm;
use super::Phase;
use crate::grid::BoneMask;

/// Pruning threshold of the integer medial axis, voxels²: a face-adjacent pair marks a
/// mid-axis voxel only if its nearest marrow voxels are more than `sqrt(2)` voxels
/// apart. This keeps bone one voxel thick (features two voxels apart) and drops the
/// spurs that one-voxel surface steps would add.
pub const PRUNE_SQ_VOX: u64 = 2;

/// No feature: the volume has no marrow voxel.
const NONE: u32 = u32::MAX;

/// Trabecular number Tb.N of `mask`, per millimetre: the inverse mean distance between
/// mid-axes (see the module documentation). 0 without bone or without marrow.
pub fn trabecular_number_per_mm(mask: &BoneMask) -> f64 {
    let axes = mid_axes(mask);
    if !axes.data.contains(&1) {
        return 0.0;
    }
    let spacing_mm = mean_thickness_mm(&axes, Phase::Marrow);
    if spacing_mm.is_finite() && spacing_mm > 0.0 {
        1.0 / spacing_mm
    } else {
        0.0
    }
}

/// The mid-axes of the bone of `mask`: a mask with 1 on every mid-axis voxel (all of
/// them bone voxels of `mask`), 0 elsewhere.
pub fn mid_axes(mask: &BoneMask) -> BoneMask {
    let dims = mask.dims;
    let mut out = BoneMask {
        dims,
        voxel_um: mask.voxel_um,
        data: vec![0; dims.len()],
    };
    if dims.is_empty() {
        return out;
    }
    let feature = marrow_features(mask);
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    let coords = |i: u32| {
        let (x, y, z) = dims.coords(i as usize);
        [x as i64, y as i64, z as i64]
    };
    let strides = [1, nx, nx * ny];
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let p = dims.index(x, y, z);
                let here = [x as i64, y as i64, z as i64];
                for (axis, stride) in strides.iter().enumerate() {
                    let next = [x + 1 < nx, y + 1 < ny, z + 1 < nz][axis];
                    let q = p + stride;
                    if !next || (mask.data[p] == 0 && mask.data[q] == 0) {
                        continue;
                    }
                    let (fp, fq) = (feature[p], feature[q]);
                    if fp == NONE || fq == NONE {
                        continue;
                    }
                    let (a, b) = (coords(fp), coords(fq));
                    let mut there = here;
                    there[axis] += 1;
                    let mut far = 0u64;
                    let mut crit = 0i64;
                    for k in 0..3 {
                        let d = a[k] - b[k];
                        far += (d * d) as u64;
                        crit += d * (a[k] + b[k] - here[k] - there[k]);
                    }
                    if far <= PRUNE_SQ_VOX {
                        continue;
                    }
                    if crit >= 0 && mask.data[p] != 0 {
                        out.data[p] = 1;
                    }
                    if crit <= 0 && mask.data[q] != 0 {
                        out.data[q] = 1;
                    }
                }
            }
        }
    }
    out
}

/// Per voxel, the linear index of the nearest marrow voxel (Euclidean, ties broken
/// by the envelope's order); a marrow voxel is its own. [`NONE`] everywhere when the
/// volume holds no marrow.
fn marrow_features(mask: &BoneMask) -> Vec<u32> {
    let dims = mask.dims;
    let n = dims.len();
    assert!(
        n < NONE as usize,
        "volume too large for 32-bit voxel indices"
    );
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    let plane = dims.plane();
    let mut d = vec![UNBOUNDED; n];
    let mut f = vec![NONE; n];

    // Pass 1, along x: the nearest marrow voxel in the row.
    d.par_chunks_mut(nx)
        .zip(f.par_chunks_mut(nx))
        .zip(mask.data.par_chunks(nx))
        .enumerate()
        .for_each(|(row, ((d, f), bone))| {
            let base = (row * nx) as u32;
            let mut last: Option<usize> = None;
            for x in 0..nx {
                if bone[x] == 0 {
                    last = Some(x);
                }
                if let Some(l) = last {
                    d[x] = (x - l) as u32;
                    f[x] = base + l as u32;
                }
            }
            let mut next: Option<usize> = None;
            for x in (0..nx).rev() {
                if bone[x] == 0 {
                    next = Some(x);
                }
                if let Some(r) = next {
                    if (r - x) as u32 <= d[x] {
                        d[x] = (r - x) as u32;
                        f[x] = base + r as u32;
                    }
                }
                if d[x] != UNBOUNDED {
                    d[x] *= d[x];
                }
            }
        });

    // Pass 2, along y inside each z-plane.
    if ny > 1 {
        d.par_chunks_mut(plane)
            .zip(f.par_chunks_mut(plane))
            .for_each_init(
                || Column::new(ny),
                |c, (dp, fp)| {
                    for x in 0..nx {
                        c.envelope(|y| x + nx * y, dp, fp);
                    }
                },
            );
    }

    // Pass 3, along z: each task owns one y and returns its (z, x) slab.
    if nz > 1 {
        let (src_d, src_f) = (&d, &f);
        let slabs: Vec<(Vec<u32>, Vec<u32>)> = (0..ny)
            .into_par_iter()
            .map_init(
                || Column::new(nz),
                |c, y| {
                    let mut od = vec![UNBOUNDED; nx * nz];
                    let mut of = vec![NONE; nx * nz];
                    for x in 0..nx {
                        c.run(|z| x + nx * (y + ny * z), src_d, src_f);
                        for z in 0..nz {
                            od[z * nx + x] = c.g[z];
                            of[z * nx + x] = c.out_f[z];
                        }
                    }
                    (od, of)
                },
            )
            .collect();
        d.par_chunks_mut(plane)
            .zip(f.par_chunks_mut(plane))
            .enumerate()
            .for_each(|(z, (dp, fp))| {
                for (y, (sd, sf)) in slabs.iter().enumerate() {
                    dp[y * nx..(y + 1) * nx].copy_from_slice(&sd[z * nx..(z + 1) * nx]);
                    fp[y * nx..(y + 1) * nx].copy_from_slice(&sf[z * nx..(z + 1) * nx]);
                }
            });
    }
    f
}

/// Buffers of one 1-D feature pass.
struct Column {
    f: Vec<u32>,
    feat: Vec<u32>,
    g: Vec<u32>,
    out_f: Vec<u32>,
    v: Vec<usize>,
    z: Vec<i64>,
    arg: Vec<usize>,
}

impl Column {
    fn new(n: usize) -> Self {
        Self {
            f: vec![0; n],
            feat: vec![NONE; n],
            g: vec![0; n],
            out_f: vec![NONE; n],
            v: vec![0; n],
            z: vec![0; n + 1],
            arg: vec![0; n],
        }
    }

    /// Runs the pass over the column whose `k`-th voxel is `at(k)` in `d`, `f`,
    /// leaving the result in `self.g` and `self.out_f`.
    fn run(&mut self, at: impl Fn(usize) -> usize, d: &[u32], f: &[u32]) {
        let n = self.f.len();
        for k in 0..n {
            self.f[k] = d[at(k)];
            self.feat[k] = f[at(k)];
        }
        lower_envelope_arg(
            &self.f,
            &mut self.g,
            &mut self.v,
            &mut self.z,
            Some(&mut self.arg),
        );
        for k in 0..n {
            self.out_f[k] = if self.g[k] == UNBOUNDED {
                NONE
            } else {
                self.feat[self.arg[k]]
            };
        }
    }

    /// [`Column::run`] in place.
    fn envelope(&mut self, at: impl Fn(usize) -> usize + Copy, d: &mut [u32], f: &mut [u32]) {
        self.run(at, d, f);
        for k in 0..self.f.len() {
            d[at(k)] = self.g[k];
            f[at(k)] = self.out_f[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Dims;

    /// A mask of `dims` with bone where `bone(x, y, z)`, 10 um voxels.
    fn mask_from(dims: Dims, mut bone: impl FnMut(usize, usize, usize) -> bool) -> BoneMask {
        let mut data = vec![0u8; dims.len()];
        for z in 0..dims.nz {
            for y in 0..dims.ny {
                for x in 0..dims.nx {
                    data[dims.index(x, y, z)] = u8::from(bone(x, y, z));
                }
            }
        }
        BoneMask {
            dims,
            voxel_um: 10.0,
            data,
        }
    }

    /// Brute-force nearest marrow distance, squared.
    fn brute_d2(mask: &BoneMask, i: usize) -> Option<u64> {
        let (x, y, z) = mask.dims.coords(i);
        (0..mask.dims.len())
            .filter(|&j| mask.data[j] == 0)
            .map(|j| {
                let (a, b, c) = mask.dims.coords(j);
                (x.abs_diff(a).pow(2) + y.abs_diff(b).pow(2) + z.abs_diff(c).pow(2)) as u64
            })
            .min()
    }

    #[test]
    fn features_are_nearest_marrow_voxels() {
        let mut state = 0x1234_5678_9abc_def1_u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for trial in 0..40 {
            let dims = Dims::new(
                1 + (rnd() % 9) as usize,
                1 + (rnd() % 8) as usize,
                1 + (rnd() % 7) as usize,
            );
            let density = [3u64, 40, 80, 97][trial % 4];
            let mask = mask_from(dims, |_, _, _| rnd() % 100 < density);
            let f = marrow_features(&mask);
            for i in 0..dims.len() {
                match brute_d2(&mask, i) {
                    None => assert_eq!(f[i], NONE),
                    Some(best) => {
                        let (x, y, z) = dims.coords(i);
                        let (a, b, c) = dims.coords(f[i] as usize);
                        assert_eq!(mask.data[f[i] as usize], 0, "feature is marrow");
                        let d = (x.abs_diff(a).pow(2) + y.abs_diff(b).pow(2) + z.abs_diff(c).pow(2))
                            as u64;
                        assert_eq!(d, best, "dims {dims} voxel {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_slab_has_its_middle_layer_as_mid_axis() {
        // A slab 5 voxels thick (x = 6..=10) across the volume: the mid-axis is the
        // plane x = 8 only.
        let dims = Dims::new(17, 9, 9);
        let axes = mid_axes(&mask_from(dims, |x, _, _| (6..=10).contains(&x)));
        for i in 0..dims.len() {
            let (x, _, _) = dims.coords(i);
            assert_eq!(axes.data[i], u8::from(x == 8), "x = {x}");
        }
    }

    #[test]
    fn parallel_slabs_give_the_inverse_spacing_whatever_their_thickness() {
        // Slabs centred on x = 10, 30, 50 in a 60-voxel box: Tb.N is 1/20 per voxel,
        // for thin and thick slabs alike, to the discreteness of the sphere diameters
        // (a gap of 19 voxels between mid-planes measures 19 or 20).
        let dims = Dims::new(60, 24, 24);
        for half in [0usize, 1, 3] {
            let mask = mask_from(dims, |x, _, _| (x % 20).abs_diff(10) <= half);
            let tb_n_per_vox = trabecular_number_per_mm(&mask) * mask.voxel_um * 1e-3;
            assert!(
                (tb_n_per_vox * 20.0 - 1.0).abs() < 0.08,
                "half-thickness {half}: Tb.N {tb_n_per_vox} per voxel"
            );
        }
    }

    #[test]
    fn degenerate_volumes() {
        let dims = Dims::new(6, 5, 4);
        assert_eq!(
            trabecular_number_per_mm(&mask_from(dims, |_, _, _| false)),
            0.0
        );
        assert_eq!(
            trabecular_number_per_mm(&mask_from(dims, |_, _, _| true)),
            0.0
        );
        let empty = BoneMask {
            dims: Dims::new(0, 3, 3),
            voxel_um: 10.0,
            data: Vec::new(),
        };
        assert_eq!(trabecular_number_per_mm(&empty), 0.0);
    }
}
