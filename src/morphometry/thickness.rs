//! Local thickness (Hildebrand & Rüegsegger 1997) and its means Tb.Th and Tb.Sp.
//!
//! Hildebrand T, Rüegsegger P (1997) "A new method for the model-independent assessment
//! of thickness in three-dimensional images", J Microsc 185:67-75. The local thickness
//! at a voxel `p` of a phase is the diameter of the largest sphere that contains `p`
//! and lies inside the phase. Tb.Th is its mean over the bone voxels, Tb.Sp the same
//! on the marrow.
//!
//! # Discretisation (the convention of BoneJ and porespy)
//!
//! The sphere centred on voxel `c` has squared radius `r²(c) = EDT²(c)`, the exact
//! squared distance from `c` to the nearest voxel of the other phase (see [`super::edt`];
//! the outside of the volume does not count as the other phase). It covers the voxels
//! `p` with `|p - c|² < r²(c)`, all of which belong to the phase. The local thickness
//! of `p` is `2·max r(c)` over the spheres covering it, times the voxel size. Because
//! the boundary is taken at the centre of the nearest other-phase voxel, an
//! axis-aligned slab `w` voxels thick measures `w + 1` voxels when `w` is odd and `w`
//! when `w` is even, as in BoneJ and as `2·r` of porespy's integer-radius
//! `local_thickness`.
//!
//! # Algorithm
//!
//! 1. Exact squared EDT of the phase ([`super::edt::squared_edt`]).
//! 2. Distance ridge: drop centre `c` when the digital sphere of a 26-neighbour `n`
//!    contains the digital sphere of `c` (then `r(n) > r(c)` and `c` can never be the
//!    maximum). Containment is exact on the lattice: `EDT²(n) > max |p - n|²` over
//!    the voxels `p` of the sphere of `c`, a maximum tabulated once per distinct
//!    `EDT²` value and neighbour class (face, edge, corner).
//! 3. Painting: the ridge spheres, sorted largest first and bucketed by their centre's
//!    z, are rasterised plane by plane; each sphere contributes one contiguous x-span
//!    per row of each plane it cuts, and the span takes the element-wise maximum of
//!    squared radii (a loop the compiler vectorises). Planes are painted in parallel;
//!    each plane is owned by one task, so there are no atomics and the result does not
//!    depend on the number of threads.
//!
//! # Degenerate volumes
//!
//! If the phase has no voxel, its mean thickness is 0 (a mean over nothing). If the
//! volume holds no voxel of the other phase, the largest inscribed sphere is unbounded:
//! the map holds [`UNBOUNDED`] and the mean thickness is `f64::INFINITY` (JSON `null`).

use rayon::prelude::*;

use super::edt::{squared_edt, UNBOUNDED};
use super::Phase;
use crate::grid::{BoneMask, Dims};

/// Local thickness of one phase of a mask, stored as squared sphere radii.
#[derive(Clone, Debug, PartialEq)]
pub struct ThicknessMap {
    /// Shape of the volume.
    pub dims: Dims,
    /// Voxel edge length, micrometres.
    pub voxel_um: f64,
    /// The phase that was measured.
    pub phase: Phase,
    /// Per voxel, the squared radius (voxels²) of the largest sphere inside the phase
    /// that covers the voxel; the local thickness is `2·sqrt(value)·voxel_um`. 0 for
    /// voxels not in the phase; [`UNBOUNDED`] for every phase voxel when the volume
    /// has no voxel of the other phase.
    pub radius_sq_vox: Vec<u32>,
}

impl ThicknessMap {
    /// Number of voxels of the phase.
    pub fn phase_voxels(&self) -> usize {
        self.radius_sq_vox.iter().filter(|&&v| v != 0).count()
    }

    /// True when the phase is present but the volume holds no voxel of the other
    /// phase, so that the inscribed spheres are unbounded.
    pub fn is_unbounded(&self) -> bool {
        self.radius_sq_vox.contains(&UNBOUNDED)
    }

    /// Local thickness (sphere diameter) at linear index `i`, micrometres: `None` when
    /// the voxel is not in the phase, `Some(f64::INFINITY)` when unbounded.
    pub fn thickness_um(&self, i: usize) -> Option<f64> {
        diameter_vox(self.radius_sq_vox[i]).map(|d| d * self.voxel_um)
    }

    /// Mean local thickness over the phase voxels, millimetres (Tb.Th for bone, Tb.Sp
    /// for marrow). 0 when the phase is absent, `f64::INFINITY` when unbounded.
    ///
    /// The sum runs plane by plane in a fixed order, so the value does not depend on
    /// the number of threads.
    pub fn mean_mm(&self) -> f64 {
        if self.radius_sq_vox.is_empty() {
            return 0.0;
        }
        let chunk = self.dims.plane().max(1);
        let partial: Vec<(f64, u64)> = self
            .radius_sq_vox
            .par_chunks(chunk)
            .map(|pl| {
                let mut sum = 0.0;
                let mut count = 0u64;
                for &v in pl {
                    if let Some(d) = diameter_vox(v) {
                        sum += d;
                        count += 1;
                    }
                }
                (sum, count)
            })
            .collect();
        let (sum, count) = partial
            .iter()
            .fold((0.0, 0u64), |(s, c), &(ps, pc)| (s + ps, c + pc));
        if count == 0 {
            0.0
        } else {
            sum / count as f64 * self.voxel_um * 1e-3
        }
    }

    /// Histogram of local thickness over the phase voxels: `counts[i]` is the number of
    /// voxels whose thickness (diameter) lies in `[i·bin_width_um, (i+1)·bin_width_um)`.
    ///
    /// The vector ends at the last non-empty bin. Unbounded voxels are not counted; a
    /// non-positive or non-finite `bin_width_um` gives an empty histogram.
    pub fn histogram(&self, bin_width_um: f64) -> Vec<u64> {
        if !(bin_width_um.is_finite() && bin_width_um > 0.0) {
            return Vec::new();
        }
        let mut counts: Vec<u64> = Vec::new();
        for &v in &self.radius_sq_vox {
            if v == 0 || v == UNBOUNDED {
                continue;
            }
            let t_um = 2.0 * f64::from(v).sqrt() * self.voxel_um;
            let bin = (t_um / bin_width_um).floor();
            if !(bin.is_finite() && bin >= 0.0) {
                continue;
            }
            let bin = bin as usize;
            if bin >= counts.len() {
                counts.resize(bin + 1, 0);
            }
            counts[bin] += 1;
        }
        counts
    }
}

/// Sphere diameter in voxels for a stored squared radius.
#[inline]
fn diameter_vox(v: u32) -> Option<f64> {
    match v {
        0 => None,
        UNBOUNDED => Some(f64::INFINITY),
        v => Some(2.0 * f64::from(v).sqrt()),
    }
}

/// Mean local thickness of `phase`, millimetres: Tb.Th for [`Phase::Bone`], Tb.Sp for
/// [`Phase::Marrow`]. See [`ThicknessMap::mean_mm`] for the degenerate cases.
pub fn mean_thickness_mm(mask: &BoneMask, phase: Phase) -> f64 {
    local_thickness(mask, phase).mean_mm()
}

/// Local thickness map of `phase` in `mask` (Hildebrand & Rüegsegger 1997).
pub fn local_thickness(mask: &BoneMask, phase: Phase) -> ThicknessMap {
    let dims = mask.dims;
    let dt2 = squared_edt(mask, phase);
    let mut map = ThicknessMap {
        dims,
        voxel_um: mask.voxel_um,
        phase,
        radius_sq_vox: vec![0; dims.len()],
    };
    if dt2.is_empty() {
        return map;
    }
    if dt2.contains(&UNBOUNDED) {
        // No other-phase voxel anywhere: every phase voxel is unbounded.
        map.radius_sq_vox = dt2;
        return map;
    }
    let ridge = distance_ridge(dims, &dt2);
    drop(dt2);
    paint(dims, &ridge, &mut map.radius_sq_vox);
    map
}

/// A ridge sphere: its squared radius and the x, y of its centre (z is the bucket).
#[derive(Clone, Copy, Debug)]
struct Centre {
    r2: u32,
    x: u32,
    y: u32,
}

/// The 26 neighbour offsets with their class (number of non-zero components).
fn neighbour_offsets() -> Vec<(i64, i64, i64, usize)> {
    let mut v = Vec::with_capacity(26);
    for dz in -1i64..=1 {
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                let class = (dx != 0) as usize + (dy != 0) as usize + (dz != 0) as usize;
                if class > 0 {
                    v.push((dx, dy, dz, class));
                }
            }
        }
    }
    v
}

/// For every squared radius `a` that occurs, `[_, m1, m2, m3]` with `mk` the largest
/// `|p - o|²` over lattice points `|p|² < a`, `o` a neighbour offset of class `k`.
fn containment_table(dt2: &[u32]) -> Vec<[u32; 4]> {
    let max = dt2.iter().copied().max().unwrap_or(0) as usize;
    let mut present = vec![false; max + 1];
    for &v in dt2 {
        present[v as usize] = true;
    }
    let values: Vec<usize> = (1..=max).filter(|&a| present[a]).collect();
    let rows: Vec<[u32; 4]> = values.par_iter().map(|&a| containment_row(a)).collect();
    let mut table = vec![[0u32; 4]; max + 1];
    for (&a, row) in values.iter().zip(rows) {
        table[a] = row;
    }
    table
}

/// One row of [`containment_table`]; `O(a)` work.
fn containment_row(a: usize) -> [u32; 4] {
    let a = a as i64;
    let reach = isqrt_i64(a - 1);
    let offsets = [(1i64, 0i64, 0i64), (1, 1, 0), (1, 1, 1)];
    let mut best = [0i64; 4];
    for px in -reach..=reach {
        for py in -reach..=reach {
            let rest = a - 1 - px * px - py * py;
            if rest < 0 {
                continue;
            }
            // The farthest point of the column from an offset with oz >= 0 is its bottom.
            let pz = -isqrt_i64(rest);
            for (k, &(ox, oy, oz)) in offsets.iter().enumerate() {
                let d = (px - ox).pow(2) + (py - oy).pow(2) + (pz - oz).pow(2);
                best[k + 1] = best[k + 1].max(d);
            }
        }
    }
    best.map(|v| v.min(i64::from(u32::MAX)) as u32)
}

/// Floor of the square root of a non-negative integer.
fn isqrt_i64(v: i64) -> i64 {
    if v <= 0 {
        return 0;
    }
    let mut r = (v as f64).sqrt() as i64;
    while r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}

/// The ridge centres, bucketed by z, each bucket sorted by decreasing radius.
fn distance_ridge(dims: Dims, dt2: &[u32]) -> Vec<Vec<Centre>> {
    let table = containment_table(dt2);
    let offsets = neighbour_offsets();
    let (nx, ny, nz) = (dims.nx as i64, dims.ny as i64, dims.nz as i64);
    (0..dims.nz)
        .into_par_iter()
        .map(|z| {
            let mut bucket = Vec::new();
            for y in 0..dims.ny {
                for x in 0..dims.nx {
                    let a = dt2[dims.index(x, y, z)];
                    if a == 0 {
                        continue;
                    }
                    let row = &table[a as usize];
                    let contained = offsets.iter().any(|&(dx, dy, dz, class)| {
                        let (qx, qy, qz) = (x as i64 + dx, y as i64 + dy, z as i64 + dz);
                        if qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny || qz >= nz {
                            return false;
                        }
                        let q = dims.index(qx as usize, qy as usize, qz as usize);
                        dt2[q] > row[class]
                    });
                    if !contained {
                        bucket.push(Centre {
                            r2: a,
                            x: x as u32,
                            y: y as u32,
                        });
                    }
                }
            }
            bucket.sort_unstable_by(|p, q| q.r2.cmp(&p.r2));
            bucket
        })
        .collect()
}

/// Rasterise the ridge spheres into `out` (squared radii, element-wise maximum).
fn paint(dims: Dims, ridge: &[Vec<Centre>], out: &mut [u32]) {
    let max_r2 = ridge
        .iter()
        .filter_map(|b| b.first())
        .map(|c| c.r2)
        .max()
        .unwrap_or(0);
    if max_r2 == 0 {
        return;
    }
    // floor(sqrt(s)) for s in 0..max_r2: the half-width of a span with s = r² - d².
    let isqrt: Vec<u32> = (0..max_r2 as i64).map(|s| isqrt_i64(s) as u32).collect();
    let reach = isqrt_i64(i64::from(max_r2) - 1) as usize;
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    out.par_chunks_mut(dims.plane())
        .enumerate()
        .for_each(|(z, plane)| {
            for cz in z.saturating_sub(reach)..=(z + reach).min(nz - 1) {
                let dz2 = (z.abs_diff(cz) as u32).pow(2);
                for c in &ridge[cz] {
                    if c.r2 <= dz2 {
                        break; // sorted by decreasing radius
                    }
                    let rho2 = c.r2 - dz2; // squared radius of the disc in this plane
                    let wy = isqrt[rho2 as usize - 1] as usize;
                    let (cx, cy) = (c.x as usize, c.y as usize);
                    for y in cy.saturating_sub(wy)..=(cy + wy).min(ny - 1) {
                        let s = rho2 - (y.abs_diff(cy) as u32).pow(2);
                        let wx = isqrt[s as usize - 1] as usize;
                        let lo = cx.saturating_sub(wx);
                        let hi = (cx + wx).min(nx - 1);
                        let row = &mut plane[y * nx + lo..=y * nx + hi];
                        for v in row {
                            *v = (*v).max(c.r2);
                        }
                    }
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute-force local thickness: every phase voxel is a centre.
    fn brute(mask: &BoneMask, phase: Phase) -> Vec<u32> {
        let dims = mask.dims;
        let dt2 = squared_edt(mask, phase);
        let mut out = vec![0u32; dims.len()];
        for c in 0..dims.len() {
            if dt2[c] == 0 {
                continue;
            }
            let (cx, cy, cz) = dims.coords(c);
            for p in 0..dims.len() {
                let (x, y, z) = dims.coords(p);
                let d = x.abs_diff(cx).pow(2) + y.abs_diff(cy).pow(2) + z.abs_diff(cz).pow(2);
                if (d as u32) < dt2[c] {
                    out[p] = out[p].max(dt2[c]);
                }
            }
        }
        out
    }

    #[test]
    fn ridge_painting_equals_brute_force() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for trial in 0..40 {
            let dims = Dims::new(
                2 + (rnd() % 12) as usize,
                1 + (rnd() % 11) as usize,
                1 + (rnd() % 10) as usize,
            );
            let density = [5u64, 30, 60, 85, 97][trial % 5];
            let data: Vec<u8> = (0..dims.len())
                .map(|_| u8::from(rnd() % 100 < density))
                .collect();
            let mask = BoneMask {
                dims,
                voxel_um: 1.0,
                data,
            };
            for phase in [Phase::Bone, Phase::Marrow] {
                let map = local_thickness(&mask, phase);
                if map.is_unbounded() {
                    continue;
                }
                assert_eq!(
                    map.radius_sq_vox,
                    brute(&mask, phase),
                    "dims {dims} {phase:?}"
                );
            }
        }
    }

    #[test]
    fn containment_rows_match_enumeration() {
        for a in 1..200usize {
            let reach = 15i64;
            let mut best = [0i64; 4];
            for px in -reach..=reach {
                for py in -reach..=reach {
                    for pz in -reach..=reach {
                        if px * px + py * py + pz * pz >= a as i64 {
                            continue;
                        }
                        for (k, o) in [(1, 0, 0), (1, 1, 0), (1, 1, 1)].iter().enumerate() {
                            let d = (px - o.0).pow(2) + (py - o.1).pow(2) + (pz - o.2).pow(2);
                            best[k + 1] = best[k + 1].max(d);
                        }
                    }
                }
            }
            assert_eq!(containment_row(a), best.map(|v| v as u32), "a = {a}");
        }
    }
}
