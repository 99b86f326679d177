//! The distance ridge: the sphere centres that local thickness has to paint.
//!
//! Every voxel `c` of a phase is the centre of a sphere of squared radius
//! `EDT²(c)` (voxels `p` with `|p - c|² < EDT²(c)`; see [`super::thickness`]). Most of
//! these spheres add nothing to the maximum over spheres and are dropped here, as in
//! the "distance ridge" of Hildebrand & Rüegsegger (1997, J Microsc 185:67) and of
//! BoneJ:
//!
//! * **Contained spheres.** The sphere of `c` lies inside the sphere of `n` iff
//!   `EDT²(n) > max |p − n|²` over the lattice points `p` of the sphere of `c`. The
//!   maximum depends only on `EDT²(c)` and the offset `n − c` up to symmetry, so it is
//!   tabulated once per distinct value for the 9 offset classes of the 5×5×5 cube.
//!   A contained centre is dropped (its container has a strictly larger radius).
//! * **Painting order.** Spheres are painted by decreasing radius, ties by increasing
//!   linear index; a voxel keeps the first value painted on it. A sphere may leave
//!   part of itself to a face neighbour whose sphere contains that part and is at
//!   least as large ("leans on" it); the neighbour paints it, or leans in turn on
//!   another. Along every such chain the radius never decreases and, when it stays
//!   equal, either the centre moves one step closer (in y or z) to the voxel in
//!   question or, along x, to an earlier sphere in the painting order, so chains are
//!   finite and end at a sphere that paints the voxel, no later than the last sphere
//!   of the same radius. Hence every voxel gets the largest radius covering it.
//! * **Half-spheres.** If the face neighbour at `z ± 1` is at least as large, its
//!   discs in the planes beyond `c` are concentric with those of `c` and at least as
//!   large, so `c` paints only the planes on its own side, its centre plane included;
//!   likewise rows beyond a `y ± 1` neighbour at least as large. If the neighbour at
//!   `x ± 1` is painted earlier, its x-span in every row covers all of the span of
//!   `c` but the far end voxel, the only one `c` paints. With neighbours on both sides
//!   of one axis covering the centre plane, row or voxel too, the sphere is covered
//!   entirely and the centre is dropped. Constant distance along an axis (a rod
//!   parallel to it) thus costs one disc per sphere instead of a whole sphere.
//!
//! The painted result is identical to the brute-force maximum over all spheres; the
//! unit tests of [`super::thickness`] compare them on random volumes.

use rayon::prelude::*;

use crate::grid::Dims;

/// A ridge sphere: its squared radius, its centre, and the face neighbours it leans on
/// (bits [`X_MINUS`] .. [`Z_PLUS`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Centre {
    /// Squared radius, voxels².
    pub r2: u32,
    /// Centre x.
    pub x: u32,
    /// Centre y.
    pub y: u32,
    /// Centre z.
    pub z: u32,
    /// Face neighbours this sphere leans on ([`X_MINUS`] .. [`Z_PLUS`]).
    pub lean: u8,
}

/// [`Centre::lean`] bit: the sphere leans on its face neighbour at `x - 1`.
pub(super) const X_MINUS: u8 = 1;
/// ... at `x + 1`.
pub(super) const X_PLUS: u8 = 2;
/// ... at `y - 1`.
pub(super) const Y_MINUS: u8 = 4;
/// ... at `y + 1`.
pub(super) const Y_PLUS: u8 = 8;
/// ... at `z - 1`.
pub(super) const Z_MINUS: u8 = 16;
/// ... at `z + 1`.
pub(super) const Z_PLUS: u8 = 32;

/// Neighbour offset classes up to symmetry: sorted absolute components.
const CLASSES: [(i64, i64, i64); 9] = [
    (0, 0, 1),
    (0, 1, 1),
    (1, 1, 1),
    (0, 0, 2),
    (0, 1, 2),
    (1, 1, 2),
    (0, 2, 2),
    (1, 2, 2),
    (2, 2, 2),
];

/// A neighbour offset within the 5×5×5 cube and its class in [`CLASSES`].
#[derive(Clone, Copy, Debug)]
struct Offset {
    dx: i64,
    dy: i64,
    dz: i64,
    class: usize,
}

/// The 124 offsets of the 5×5×5 cube, nearest first (the 26 neighbours lead).
fn neighbour_offsets() -> Vec<Offset> {
    let mut v = Vec::with_capacity(124);
    for dz in -2i64..=2 {
        for dy in -2i64..=2 {
            for dx in -2i64..=2 {
                let mut key = [dx.abs(), dy.abs(), dz.abs()];
                key.sort_unstable();
                if let Some(class) = CLASSES.iter().position(|c| *c == (key[0], key[1], key[2])) {
                    v.push(Offset { dx, dy, dz, class });
                }
            }
        }
    }
    v.sort_by_key(|o| o.dx * o.dx + o.dy * o.dy + o.dz * o.dz);
    v
}

/// For every squared radius `a` up to the largest in `dt2`, entry `k` is the largest
/// `|p - o|²` over lattice points `|p|² < a`, for an offset `o` of class `CLASSES[k]`.
///
/// With `o ≥ 0` componentwise the farthest points lie in the octant `p ≤ 0`, so that
/// octant of the largest ball is enumerated once, recording the farthest distance per
/// shell `|p|² = s`; the table is the running maximum over the shells `s < a`. This
/// is `O(R³)` for the largest radius `R` (and `O(R²)` memory).
fn containment_table(dt2: &[u32]) -> Vec<[u32; 9]> {
    let max = dt2.iter().copied().max().unwrap_or(0) as i64;
    let mut shell = vec![[0u32; 9]; max as usize + 1];
    let reach = isqrt_i64(max);
    for px in 0..=reach {
        for py in 0..=isqrt_i64(max - px * px) {
            let top = isqrt_i64(max - px * px - py * py);
            for pz in 0..=top {
                // p = -(px, py, pz).
                let s = (px * px + py * py + pz * pz) as usize;
                for (k, &(ox, oy, oz)) in CLASSES.iter().enumerate() {
                    let d = (px + ox).pow(2) + (py + oy).pow(2) + (pz + oz).pow(2);
                    shell[s][k] = shell[s][k].max(d.min(i64::from(u32::MAX)) as u32);
                }
            }
        }
    }
    let mut table = vec![[0u32; 9]; max as usize + 1];
    for a in 1..table.len() {
        for k in 0..9 {
            table[a][k] = table[a - 1][k].max(shell[a - 1][k]);
        }
    }
    table
}

/// Floor of the square root of a non-negative integer.
pub(super) fn isqrt_i64(v: i64) -> i64 {
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

/// The ridge centres, sorted by decreasing radius.
///
/// A centre is dropped when the digital sphere of a voxel in its 5×5×5 neighbourhood
/// contains its own (checked on the 26 nearest first). Any such chain ends at a kept
/// centre with a strictly larger sphere, so painting the kept ones is exact.
pub(super) fn distance_ridge(dims: Dims, dt2: &[u32]) -> Vec<Centre> {
    let table = containment_table(dt2);
    let offsets = neighbour_offsets();
    let (nx, ny, nz) = (dims.nx as i64, dims.ny as i64, dims.nz as i64);
    let linear: Vec<isize> = offsets
        .iter()
        .map(|o| (o.dx + nx * (o.dy + ny * o.dz)) as isize)
        .collect();
    let per_plane: Vec<Vec<Centre>> = (0..dims.nz)
        .into_par_iter()
        .map(|z| {
            let mut bucket = Vec::new();
            let zi = z as i64;
            for y in 0..dims.ny {
                let yi = y as i64;
                for x in 0..dims.nx {
                    let i = dims.index(x, y, z);
                    let a = dt2[i];
                    if a == 0 {
                        continue;
                    }
                    let row = &table[a as usize];
                    let xi = x as i64;
                    let interior =
                        xi >= 2 && yi >= 2 && zi >= 2 && xi + 2 < nx && yi + 2 < ny && zi + 2 < nz;
                    let contained = if interior {
                        offsets
                            .iter()
                            .zip(&linear)
                            .any(|(o, &l)| dt2[(i as isize + l) as usize] > row[o.class])
                    } else {
                        offsets.iter().any(|o| {
                            let (qx, qy, qz) = (xi + o.dx, yi + o.dy, zi + o.dz);
                            if qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny || qz >= nz {
                                return false;
                            }
                            let q = dims.index(qx as usize, qy as usize, qz as usize);
                            dt2[q] > row[o.class]
                        })
                    };
                    if contained {
                        continue;
                    }
                    // Face neighbours whose spheres this one may lean on (see the
                    // module documentation): along x those painted earlier (larger
                    // radius, or equal radius and smaller linear index); along y and
                    // z those with a radius at least as large.
                    let (sx, sy, sz) = (1isize, nx as isize, (nx * ny) as isize);
                    let value =
                        |ok: bool, step: isize| ok.then(|| dt2[(i as isize + step) as usize]);
                    let x_minus = value(x > 0, -sx);
                    let x_plus = value(xi + 1 < nx, sx);
                    let y_minus = value(y > 0, -sy);
                    let y_plus = value(yi + 1 < ny, sy);
                    let z_minus = value(z > 0, -sz);
                    let z_plus = value(zi + 1 < nz, sz);
                    let at_least = |b: Option<u32>| b.is_some_and(|b| b >= a);
                    let above = |b: Option<u32>| b.is_some_and(|b| b > a);
                    let flag = |on: bool, f: u8| if on { f } else { 0 };
                    let lean = flag(at_least(x_minus), X_MINUS)
                        | flag(above(x_plus), X_PLUS)
                        | flag(at_least(y_minus), Y_MINUS)
                        | flag(at_least(y_plus), Y_PLUS)
                        | flag(at_least(z_minus), Z_MINUS)
                        | flag(at_least(z_plus), Z_PLUS);
                    // Covered by the spheres on either side along one axis: along x
                    // both painted earlier; along y or z both at least as large and
                    // one strictly larger (it covers the centre row or plane).
                    let sides = |m: Option<u32>, p: Option<u32>| {
                        at_least(m) && at_least(p) && (above(m) || above(p))
                    };
                    if (at_least(x_minus) && above(x_plus))
                        || sides(y_minus, y_plus)
                        || sides(z_minus, z_plus)
                    {
                        continue;
                    }
                    bucket.push(Centre {
                        r2: a,
                        x: x as u32,
                        y: y as u32,
                        z: z as u32,
                        lean,
                    });
                }
            }
            bucket
        })
        .collect();
    let mut ridge: Vec<Centre> = per_plane.into_iter().flatten().collect();
    // Painting order: decreasing radius, ties by increasing linear index.
    ridge.par_sort_unstable_by_key(|c| (std::cmp::Reverse(c.r2), c.z, c.y, c.x));
    ridge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_table_matches_enumeration() {
        let table = containment_table(&[0, 149, 3]);
        assert_eq!(table.len(), 150);
        for a in 1..150usize {
            let reach = 13i64;
            let mut best = [0i64; 9];
            for px in -reach..=reach {
                for py in -reach..=reach {
                    for pz in -reach..=reach {
                        if px * px + py * py + pz * pz >= a as i64 {
                            continue;
                        }
                        for (k, o) in CLASSES.iter().enumerate() {
                            let d = (px - o.0).pow(2) + (py - o.1).pow(2) + (pz - o.2).pow(2);
                            best[k] = best[k].max(d);
                        }
                    }
                }
            }
            assert_eq!(table[a], best.map(|v| v as u32), "a = {a}");
        }
        assert_eq!(neighbour_offsets().len(), 124);
    }
}
