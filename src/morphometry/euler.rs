//! Euler characteristic of the bone and connectivity density (Conn.D).
//!
//! # Euler characteristic
//!
//! Bone is 26-connected (marrow 6-connected), which is the topology of the union of
//! the *closed* unit cubes of the bone voxels: cubes sharing only an edge or a corner
//! touch. The Euler characteristic of that union is `χ = V − E + F − C`, counting the
//! distinct lattice vertices, edges, square faces and cubes of the bone voxels. Every
//! cell is attributed to its lowest lattice corner, and whether each of the seven cells
//! "owned" by a corner (the corner, three edges, three faces, one cube) is present
//! depends only on the 2×2×2 voxels around that corner; a 256-entry table of their
//! signed sum is summed over all `(nx+1)(ny+1)(nz+1)` corners, reading outside voxels
//! as marrow. This is the octant-table method of Odgaard & Gundersen 1993 (Bone
//! 14:173-182) and gives the Euler characteristic of the bone in an infinite marrow
//! background, exactly `skimage.measure.euler_number(mask, connectivity=3)`.
//!
//! # Connectivity density
//!
//! Odgaard & Gundersen (1993) define connectivity `β1 = β0 − χ + β2` and, assuming
//! one bone component and no enclosed cavities, estimate it as `1 − Δχ`, with `Δχ` the
//! sample's *contribution* to the Euler characteristic of the larger structure it was
//! cut from. Conn.D is `(1 − Δχ) / TV`, in mm⁻³.
//!
//! `Δχ` follows from additivity of χ over a tiling of space by copies of the sample
//! box `V`: the open faces of `V` are shared by 2 boxes, its open edges by 4 and its
//! corners by 8, so the box's fair share is
//!
//! `Δχ = χ(X∩V) − ½·Σ_faces χ(X∩F) + ¼·Σ_edges χ(X∩E) − ⅛·Σ_corners χ(X∩K)`
//!
//! with `F`, `E`, `K` the 6 closed faces, 12 closed edges and 8 corners of the box
//! (the correction term `½·χ₂ − ¼·χ₁ + ⅛·χ₀` is the `chiTwo/2 + chiOne/4 +
//! chiZero/8` of BoneJ's `EulerCorrection`, whose `chiOne` carries the sign). Here
//! `X∩F` is the 2-D union of closed squares of the outermost voxel slice (its
//! 8-connected Euler number), `X∩E` is the set of runs of bone along a box edge and
//! `X∩K` is 1 when the corner voxel is bone.
//!
//! Conventions: with no bone voxel, or an empty volume, Conn.D is 0.

use rayon::prelude::*;

use crate::grid::{BoneMask, Dims};

/// Signed cell count `V − E + F − C` owned by a lattice corner, by 2×2×2 configuration.
///
/// Bit `dx + 2·dy + 4·dz` is the voxel at `(i − 1 + dx, j − 1 + dy, k − 1 + dz)` for the
/// corner `(i, j, k)`.
const EULER_LUT: [i8; 256] = euler_lut();

const fn any(config: usize, bits: &[usize]) -> i8 {
    let mut i = 0;
    while i < bits.len() {
        if config & (1 << bits[i]) != 0 {
            return 1;
        }
        i += 1;
    }
    0
}

const fn euler_lut() -> [i8; 256] {
    let mut lut = [0i8; 256];
    let mut c = 1;
    while c < 256 {
        let vertex = 1;
        let edges = any(c, &[1, 3, 5, 7]) + any(c, &[2, 3, 6, 7]) + any(c, &[4, 5, 6, 7]);
        let faces = any(c, &[3, 7]) + any(c, &[5, 7]) + any(c, &[6, 7]);
        let cube = any(c, &[7]);
        lut[c] = vertex - edges + faces - cube;
        c += 1;
    }
    lut
}

/// The signed cell count owned by a lattice corner with 2×2×2 configuration `config`
/// (bit `dx + 2·dy + 4·dz`).
pub(crate) fn corner_contribution(config: usize) -> i64 {
    i64::from(EULER_LUT[config & 0xff])
}

/// Euler characteristic of the 26-connected bone of `mask` in an infinite marrow
/// background (the volume padded with marrow).
///
/// Equals `skimage.measure.euler_number(mask, connectivity=3)`. Runs in parallel over
/// z; the integer sum does not depend on the number of threads.
pub fn euler_characteristic(mask: &BoneMask) -> i64 {
    let dims = mask.dims;
    if dims.is_empty() {
        return 0;
    }
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    let plane = dims.plane();
    let data = &mask.data;
    let slice = |z: usize| &data[z * plane..(z + 1) * plane];
    (0..=nz)
        .into_par_iter()
        .map(|k| {
            let lower = k.checked_sub(1).map(slice);
            let upper = (k < nz).then(|| slice(k));
            let mut sum = 0i64;
            for j in 0..=ny {
                fn row(pl: Option<&[u8]>, y: Option<usize>, nx: usize, ny: usize) -> Option<&[u8]> {
                    match (pl, y) {
                        (Some(pl), Some(y)) if y < ny => Some(&pl[y * nx..(y + 1) * nx]),
                        _ => None,
                    }
                }
                let rows = [
                    row(lower, j.checked_sub(1), nx, ny),
                    row(lower, Some(j), nx, ny),
                    row(upper, j.checked_sub(1), nx, ny),
                    row(upper, Some(j), nx, ny),
                ];
                if rows.iter().all(Option::is_none) {
                    continue;
                }
                // Two bits (x = i-1, x = i) per row, rows at bit offsets 0, 2, 4, 6.
                let bit = |r: Option<&[u8]>, x: usize| -> usize {
                    r.map_or(0, |r| usize::from(x < nx && r[x] != 0))
                };
                let mut prev = 0usize; // the x = i - 1 bits of the four rows
                for i in 0..=nx {
                    let cur = bit(rows[0], i)
                        | bit(rows[1], i) << 2
                        | bit(rows[2], i) << 4
                        | bit(rows[3], i) << 6;
                    let config = prev | cur << 1;
                    sum += i64::from(EULER_LUT[config]);
                    prev = cur;
                }
            }
            sum
        })
        .sum()
}

/// Euler characteristic of a 2-D image (union of closed unit squares, 8-connected).
fn euler_2d(nu: usize, nv: usize, at: impl Fn(usize, usize) -> bool) -> i64 {
    let get = |u: Option<usize>, v: Option<usize>| match (u, v) {
        (Some(u), Some(v)) if u < nu && v < nv => at(u, v),
        _ => false,
    };
    let mut chi = 0i64;
    for v in 0..=nv {
        for u in 0..=nu {
            let a = get(u.checked_sub(1), v.checked_sub(1));
            let b = get(Some(u), v.checked_sub(1));
            let c = get(u.checked_sub(1), Some(v));
            let d = get(Some(u), Some(v));
            let vertex = i64::from(a || b || c || d);
            let edges = i64::from(b || d) + i64::from(c || d);
            let square = i64::from(d);
            chi += vertex - edges + square;
        }
    }
    chi
}

/// Euler characteristic of a 1-D line of voxels: its number of runs of bone.
fn euler_1d(n: usize, at: impl Fn(usize) -> bool) -> i64 {
    (0..n).filter(|&t| at(t) && (t == 0 || !at(t - 1))).count() as i64
}

/// The boundary term of the edge correction, `½·Σ_faces χ(X∩F) − ¼·Σ_edges χ(X∩E) +
/// ⅛·Σ_corners χ(X∩K)`, so that `Δχ = χ − euler_edge_correction` (see the module
/// documentation). 0 for an empty volume.
pub fn euler_edge_correction(mask: &BoneMask) -> f64 {
    let dims = mask.dims;
    if dims.is_empty() {
        return 0.0;
    }
    let Dims { nx, ny, nz } = dims;
    let b = |x: usize, y: usize, z: usize| mask.is_bone(x, y, z);
    let mut faces = 0i64;
    for x in [0, nx - 1] {
        faces += euler_2d(ny, nz, |y, z| b(x, y, z));
    }
    for y in [0, ny - 1] {
        faces += euler_2d(nx, nz, |x, z| b(x, y, z));
    }
    for z in [0, nz - 1] {
        faces += euler_2d(nx, ny, |x, y| b(x, y, z));
    }
    let mut edges = 0i64;
    let mut corners = 0i64;
    for p in [0, ny - 1] {
        for q in [0, nz - 1] {
            edges += euler_1d(nx, |x| b(x, p, q));
        }
    }
    for p in [0, nx - 1] {
        for q in [0, nz - 1] {
            edges += euler_1d(ny, |y| b(p, y, q));
        }
    }
    for p in [0, nx - 1] {
        for q in [0, ny - 1] {
            edges += euler_1d(nz, |z| b(p, q, z));
            for z in [0, nz - 1] {
                corners += i64::from(b(p, q, z));
            }
        }
    }
    faces as f64 / 2.0 - edges as f64 / 4.0 + corners as f64 / 8.0
}

/// The sample's contribution `Δχ` to the Euler characteristic of the structure it was
/// cut from (Odgaard & Gundersen 1993 edge correction; see the module documentation).
pub fn edge_corrected_delta_euler(mask: &BoneMask) -> f64 {
    euler_characteristic(mask) as f64 - euler_edge_correction(mask)
}

/// Connectivity density Conn.D = `(1 − Δχ) / TV`, per cubic millimetre, with `Δχ`
/// from [`edge_corrected_delta_euler`] of the purified mask
/// ([`super::components::purified`]: floating bone dropped, cavities filled) and TV
/// the volume of the whole mask.
///
/// 0 when the mask has no bone voxel or no volume.
pub fn connectivity_density_per_mm3(mask: &BoneMask) -> f64 {
    let pure = super::components::purified(mask);
    conn_d_from_euler(&pure, euler_characteristic(&pure))
}

/// [`connectivity_density_per_mm3`] given the (unpadded-background) Euler
/// characteristic `chi` of the mask.
pub(crate) fn conn_d_from_euler(mask: &BoneMask, chi: i64) -> f64 {
    let tv_mm3 = mask.dims.len() as f64 * mask.voxel_mm().powi(3);
    if mask.dims.is_empty() || !mask.data.iter().any(|&v| v != 0) || tv_mm3 <= 0.0 {
        return 0.0;
    }
    (1.0 - (chi as f64 - euler_edge_correction(mask))) / tv_mm3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lut_single_voxel_and_table_sum() {
        // One bone voxel: its 8 corners each see one occupied octant.
        let mask = BoneMask {
            dims: Dims::cube(1),
            voxel_um: 1.0,
            data: vec![1],
        };
        assert_eq!(euler_characteristic(&mask), 1);
        assert_eq!(EULER_LUT[0], 0);
        // Only bit 7 set: the corner owns a vertex, 3 edges, 3 faces and the cube.
        assert_eq!(EULER_LUT[128], 1 - 3 + 3 - 1);
        // Only bit 0 set: just the vertex.
        assert_eq!(EULER_LUT[1], 1);
    }

    #[test]
    fn two_dimensional_and_one_dimensional_counts() {
        // A ring of 8 squares around a hole: χ = 0; a diagonal pair touches: χ = 1.
        let ring = |u: usize, v: usize| !(u == 1 && v == 1);
        assert_eq!(euler_2d(3, 3, ring), 0);
        assert_eq!(euler_2d(2, 2, |u, v| u == v), 1);
        assert_eq!(euler_1d(7, |t| t % 3 != 1), 3);
    }
}
