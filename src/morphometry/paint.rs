//! Painting the ridge spheres into a local-thickness map.
//!
//! The spheres from [`super::ridge`] arrive sorted largest first. Each is cut into
//! one disc per z-plane and each disc into one contiguous x-span per row; a voxel
//! keeps the squared radius of the first span that reaches it. Since the order is
//! by decreasing radius, that first value is the maximum over all spheres covering
//! the voxel (Hildebrand & Rüegsegger 1997): the "maximum over x-spans" is realised
//! as "first write wins".
//!
//! Work is split into slabs of [`SLAB`] z-planes, each owned by one rayon task that
//! walks the whole sphere list, so no two tasks write the same voxel (no atomics) and
//! the result does not depend on the number of threads. Per row a bitset marks the
//! phase voxels not yet painted; a span is intersected with it a 64-bit word at a
//! time, so each voxel is written once and a span over painted voxels costs a word
//! operation. Per plane a second bitset marks the rows that are not complete, which
//! are the only rows visited, and a slab stops as soon as it is complete.

use rayon::prelude::*;

use super::ridge::{isqrt_i64, Centre, X_MINUS, X_PLUS, Y_MINUS, Y_PLUS, Z_MINUS, Z_PLUS};
use crate::grid::Dims;

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
/// phase (`in_phase[i] != 0`) takes the squared radius of the first, hence largest,
/// sphere covering it. See the module documentation.
pub(super) fn paint(dims: Dims, ridge: &[Centre], in_phase: &[u32], out: &mut [u32]) {
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
                let e = |flag: u8| c.lean & flag != 0;
                let wz = isqrt[c.r2 as usize - 1] as usize;
                // Planes beyond a z-neighbour leaned on lie inside its (larger,
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
                            // A x-neighbour leaned on covers all but our far end.
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
