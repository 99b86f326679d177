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
    paint(dims, &ridge, &dt2, &mut map.radius_sq_vox);
    map
}

/// A ridge sphere: its squared radius, its centre, and which face neighbours come
/// earlier in the painting order (bits [`X_MINUS`] .. [`Z_PLUS`]).
#[derive(Clone, Copy, Debug)]
struct Centre {
    r2: u32,
    x: u32,
    y: u32,
    z: u32,
    earlier: u8,
}

/// [`Centre::earlier`] bit: the face neighbour at `x - 1` is painted earlier.
const X_MINUS: u8 = 1;
/// ... at `x + 1`.
const X_PLUS: u8 = 2;
/// ... at `y - 1`.
const Y_MINUS: u8 = 4;
/// ... at `y + 1`.
const Y_PLUS: u8 = 8;
/// ... at `z - 1`.
const Z_MINUS: u8 = 16;
/// ... at `z + 1`.
const Z_PLUS: u8 = 32;

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

/// For every squared radius `a` that occurs, entry `k` is the largest `|p - o|²`
/// over lattice points `|p|² < a`, for an offset `o` of class `CLASSES[k]`.
fn containment_table(dt2: &[u32]) -> Vec<[u32; 9]> {
    let max = dt2.iter().copied().max().unwrap_or(0) as usize;
    let mut present = vec![false; max + 1];
    for &v in dt2 {
        present[v as usize] = true;
    }
    let values: Vec<usize> = (1..=max).filter(|&a| present[a]).collect();
    let rows: Vec<[u32; 9]> = values.par_iter().map(|&a| containment_row(a)).collect();
    let mut table = vec![[0u32; 9]; max + 1];
    for (&a, row) in values.iter().zip(rows) {
        table[a] = row;
    }
    table
}

/// One row of [`containment_table`]; `O(a)` work.
fn containment_row(a: usize) -> [u32; 9] {
    let a = a as i64;
    let reach = isqrt_i64(a - 1);
    let mut best = [0i64; 9];
    for px in -reach..=reach {
        for py in -reach..=reach {
            let rest = a - 1 - px * px - py * py;
            if rest < 0 {
                continue;
            }
            // The farthest point of the column from an offset with oz >= 0 is its bottom.
            let pz = -isqrt_i64(rest);
            for (k, &(ox, oy, oz)) in CLASSES.iter().enumerate() {
                let d = (px - ox).pow(2) + (py - oy).pow(2) + (pz - oz).pow(2);
                best[k] = best[k].max(d);
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

/// The ridge centres, sorted by decreasing radius.
///
/// A centre is dropped when the digital sphere of a voxel in its 5×5×5 neighbourhood
/// contains its own (checked on the 26 nearest first). Any such chain ends at a kept
/// centre with a strictly larger sphere, so painting the kept ones is exact.
fn distance_ridge(dims: Dims, dt2: &[u32]) -> Vec<Centre> {
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
                    // Face neighbours painted before this centre: larger radius, or
                    // equal radius and smaller linear index (the sort order below).
                    let face = |ok: bool, step: isize, flag: u8, lower_index: bool| {
                        if !ok {
                            return 0;
                        }
                        let b = dt2[(i as isize + step) as usize];
                        if b > a || (b == a && lower_index) {
                            flag
                        } else {
                            0
                        }
                    };
                    let (sx, sy, sz) = (1isize, nx as isize, (nx * ny) as isize);
                    let earlier = face(x > 0, -sx, X_MINUS, true)
                        | face(xi + 1 < nx, sx, X_PLUS, false)
                        | face(y > 0, -sy, Y_MINUS, true)
                        | face(yi + 1 < ny, sy, Y_PLUS, false)
                        | face(z > 0, -sz, Z_MINUS, true)
                        | face(zi + 1 < nz, sz, Z_PLUS, false);
                    let both = |m: u8, p: u8| earlier & m != 0 && earlier & p != 0;
                    if both(X_MINUS, X_PLUS) || both(Y_MINUS, Y_PLUS) || both(Z_MINUS, Z_PLUS) {
                        // Covered by the two (earlier) spheres on either side.
                        continue;
                    }
                    bucket.push(Centre {
                        r2: a,
                        x: x as u32,
                        y: y as u32,
                        z: z as u32,
                        earlier,
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

/// Planes per painting task.
const SLAB: usize = 4;

/// Paints `value` into the voxels `lo..=hi` of a row that are still set in the row's
/// bitset `todo`, clears them there and returns how many were painted.
#[inline]
fn paint_span(todo: &mut [u64], lo: usize, hi: usize, out: &mut [u32], value: u32) -> usize {
    let (wl, wh) = (lo / 64, hi / 64);
    let first = u64::MAX << (lo % 64);
    let last = u64::MAX >> (63 - hi % 64);
    if wl == wh {
        return paint_word(todo, wl, first & last, out, value);
    }
    let mut painted = paint_word(todo, wl, first, out, value);
    for w in wl + 1..wh {
        painted += paint_word(todo, w, u64::MAX, out, value);
    }
    painted + paint_word(todo, wh, last, out, value)
}

/// [`paint_span`] restricted to the bits `mask` of word `w`.
#[inline]
fn paint_word(todo: &mut [u64], w: usize, mask: u64, out: &mut [u32], value: u32) -> usize {
    let mut hit = todo[w] & mask;
    if hit == 0 {
        return 0;
    }
    todo[w] &= !mask;
    // Counted in the loop: `count_ones` is a library routine on baseline x86-64.
    let mut count = 0;
    while hit != 0 {
        out[w * 64 + hit.trailing_zeros() as usize] = value;
        hit &= hit - 1;
        count += 1;
    }
    count
}

/// Rasterise the ridge spheres (sorted largest first) into `out`: every voxel of the
/// phase takes the squared radius of the first, hence largest, sphere covering it.
///
/// Each task owns a slab of [`SLAB`] z-planes of `out` and walks the sphere list
/// once. Per row, a bitset marks the phase voxels not yet painted; a sphere's x-span
/// is intersected with it word by word, so a voxel is written once and a span over
/// voxels already painted costs one or two word operations. A second bitset per plane
/// marks the rows that are not complete, so complete rows are skipped without being
/// visited, and the task stops as soon as its slab is complete.
fn paint(dims: Dims, ridge: &[Centre], in_phase: &[u32], out: &mut [u32]) {
    let Some(max_r2) = ridge.first().map(|c| c.r2) else {
        return;
    };
    // floor(sqrt(s)) for s in 0..max_r2: the half-width of a span with s = r² - d².
    let isqrt: Vec<u32> = (0..max_r2 as i64).map(|s| isqrt_i64(s) as u32).collect();
    let (nx, ny) = (dims.nx, dims.ny);
    let plane = dims.plane();
    let words = nx.div_ceil(64);
    out.par_chunks_mut(plane * SLAB)
        .enumerate()
        .for_each(|(slab, out)| {
            let z0 = slab * SLAB;
            let planes = out.len() / plane;
            // Unpainted phase voxels, one bit each, `words` words per row.
            let mut todo = vec![0u64; planes * ny * words];
            let phase = &in_phase[z0 * plane..z0 * plane + out.len()];
            for (r, row) in phase.chunks(nx).enumerate() {
                for (x, &v) in row.iter().enumerate() {
                    if v != 0 {
                        todo[r * words + x / 64] |= 1 << (x % 64);
                    }
                }
            }
            let mut remaining: usize = todo.iter().map(|w| w.count_ones() as usize).sum();
            // Rows that still hold unpainted voxels, one bit per row, per plane.
            let row_words = ny.div_ceil(64);
            let mut open = vec![0u64; planes * row_words];
            for r in 0..planes * ny {
                if todo[r * words..(r + 1) * words].iter().any(|&w| w != 0) {
                    let (z, y) = (r / ny, r % ny);
                    open[z * row_words + y / 64] |= 1 << (y % 64);
                }
            }
            for c in ridge {
                if remaining == 0 {
                    break;
                }
                let (cx, cy, cz) = (c.x as usize, c.y as usize, c.z as usize);
                let e = |flag: u8| c.earlier & flag != 0;
                let wz = isqrt[c.r2 as usize - 1] as usize;
                // Planes beyond an earlier z-neighbour lie inside its (larger,
                // concentric) discs; the same holds for rows beyond a y-neighbour.
                let lo_z = if e(Z_MINUS) {
                    cz
                } else {
                    cz.saturating_sub(wz)
                }
                .max(z0);
                let hi_z = if e(Z_PLUS) { cz + 1 } else { cz + wz + 1 }.min(z0 + planes);
                for z in lo_z..hi_z {
                    let rho2 = c.r2 - (z.abs_diff(cz) as u32).pow(2);
                    let wy = isqrt[rho2 as usize - 1] as usize;
                    let ylo = if e(Y_MINUS) {
                        cy
                    } else {
                        cy.saturating_sub(wy)
                    };
                    let yhi = if e(Y_PLUS) { cy } else { (cy + wy).min(ny - 1) };
                    let zl = z - z0;
                    let rows = &mut todo[zl * ny * words..(zl + 1) * ny * words];
                    let out = &mut out[zl * plane..(zl + 1) * plane];
                    let open = &mut open[zl * row_words..(zl + 1) * row_words];
                    for w in ylo / 64..=yhi / 64 {
                        let first = u64::MAX << (ylo.max(w * 64) - w * 64);
                        let last = u64::MAX >> (63 - (yhi.min(w * 64 + 63) - w * 64));
                        let mut pending = open[w] & first & last;
                        while pending != 0 {
                            let bit = pending.trailing_zeros() as usize;
                            pending &= pending - 1;
                            let y = w * 64 + bit;
                            let dy = y.abs_diff(cy) as u32;
                            let wx = isqrt[(rho2 - dy * dy) as usize - 1] as usize;
                            // An earlier x-neighbour's span covers all but our far end.
                            let lo = if e(X_MINUS) {
                                cx + wx
                            } else {
                                cx.saturating_sub(wx)
                            };
                            let hi = if e(X_PLUS) {
                                cx.saturating_sub(wx)
                            } else {
                                cx + wx
                            };
                            let hi = hi.min(nx - 1);
                            if lo > hi {
                                continue;
                            }
                            let row = &mut rows[y * words..(y + 1) * words];
                            let painted =
                                paint_span(row, lo, hi, &mut out[y * nx..(y + 1) * nx], c.r2);
                            if painted > 0 {
                                remaining -= painted;
                                if row.iter().all(|&v| v == 0) {
                                    open[w] &= !(1 << bit);
                                }
                            }
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
        for trial in 0..80 {
            let dims = Dims::new(
                2 + (rnd() % 15) as usize,
                1 + (rnd() % 14) as usize,
                1 + (rnd() % 13) as usize,
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
            assert_eq!(containment_row(a), best.map(|v| v as u32), "a = {a}");
        }
        assert_eq!(neighbour_offsets().len(), 124);
    }
}
