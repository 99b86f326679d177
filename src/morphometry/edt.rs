//! Exact squared Euclidean distance transform (EDT) of one phase of a bone mask.
//!
//! For every voxel of the chosen phase the transform gives the squared distance, in
//! voxel units squared, from its centre to the centre of the nearest voxel of the
//! other phase; voxels of the other phase get 0. Values are integers and exact.
//!
//! The algorithm is the separable lower-envelope-of-parabolas method of Felzenszwalb &
//! Huttenlocher (2012, "Distance transforms of sampled functions", Theory of Computing
//! 8:415-428), with the integer breakpoints of Meijster, Roerdink & Hesselink (2000):
//! a pass along x (a plain two-sided scan), then one along y and one along z, each
//! taking the lower envelope of the parabolas `f(q) + (p - q)^2` of the previous pass.
//! Intersections are floored integer divisions, so no floating point is involved.
//!
//! Parallelism (rayon): the x pass runs over rows, the y pass over z-planes, the z pass
//! over y-slabs (into a buffer that is then copied back plane by plane). The result does
//! not depend on the number of threads.
//!
//! Boundary convention: the outside of the volume is neither phase; it is simply not
//! there. A voxel's distance is to the nearest other-phase voxel *inside* the volume,
//! as in BoneJ's thickness and in porespy/`edt` with `black_border=False`. If the
//! volume holds no voxel of the other phase at all, every voxel of the phase gets
//! [`UNBOUNDED`].

use rayon::prelude::*;

use super::Phase;
use crate::grid::{BoneMask, Dims};

/// Squared distance of a voxel that has no voxel of the other phase anywhere in the
/// volume (the distance is unbounded).
pub const UNBOUNDED: u32 = u32::MAX;

/// Exact squared Euclidean distance transform of `phase` in `mask`.
///
/// Returns one value per voxel in the storage order of [`Dims`]: for a voxel of
/// `phase`, the squared distance (voxels²) to the nearest voxel of the other phase
/// inside the volume, or [`UNBOUNDED`] when there is none; 0 for voxels of the other
/// phase. Distances beyond `u32` range saturate at `UNBOUNDED - 1` (volumes larger
/// than about 37 000 voxels along a side).
pub fn squared_edt(mask: &BoneMask, phase: Phase) -> Vec<u32> {
    squared_edt_raw(mask.dims, &mask.data, phase)
}

/// [`squared_edt`] on a raw byte array of shape `dims` (non-zero = bone).
///
/// # Panics
/// If `data.len() != dims.len()`.
pub fn squared_edt_raw(dims: Dims, data: &[u8], phase: Phase) -> Vec<u32> {
    assert_eq!(
        data.len(),
        dims.len(),
        "mask length does not match its dims"
    );
    let n = dims.len();
    let mut d = vec![0u32; n];
    if n == 0 {
        return d;
    }
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    let plane = dims.plane();

    // Pass 1, along x: distance to the nearest other-phase voxel in the same row.
    d.par_chunks_mut(nx)
        .zip(data.par_chunks(nx))
        .for_each(|(out, row)| row_pass(row, phase, out));

    // Pass 2, along y, inside each z-plane.
    if ny > 1 {
        d.par_chunks_mut(plane).for_each_init(
            || Scratch::new(ny),
            |s, pl| {
                for x in 0..nx {
                    for y in 0..ny {
                        s.f[y] = pl[x + nx * y];
                    }
                    lower_envelope(&s.f, &mut s.g, &mut s.v, &mut s.z);
                    for y in 0..ny {
                        pl[x + nx * y] = s.g[y];
                    }
                }
            },
        );
    }

    // Pass 3, along z: each task owns one y and writes an (z, x) slab of results.
    if nz > 1 {
        let src = &d;
        let slabs: Vec<Vec<u32>> = (0..ny)
            .into_par_iter()
            .map_init(
                || Scratch::new(nz),
                |s, y| {
                    let mut out = vec![0u32; nx * nz];
                    for x in 0..nx {
                        for z in 0..nz {
                            s.f[z] = src[x + nx * (y + ny * z)];
                        }
                        lower_envelope(&s.f, &mut s.g, &mut s.v, &mut s.z);
                        for z in 0..nz {
                            out[z * nx + x] = s.g[z];
                        }
                    }
                    out
                },
            )
            .collect();
        d.par_chunks_mut(plane).enumerate().for_each(|(z, pl)| {
            for (y, slab) in slabs.iter().enumerate() {
                pl[y * nx..(y + 1) * nx].copy_from_slice(&slab[z * nx..(z + 1) * nx]);
            }
        });
    }
    d
}

/// Reusable buffers for one 1-D pass.
struct Scratch {
    f: Vec<u32>,
    g: Vec<u32>,
    v: Vec<usize>,
    z: Vec<i64>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            f: vec![0; n],
            g: vec![0; n],
            v: vec![0; n],
            z: vec![0; n + 1],
        }
    }
}

/// First pass: squared distance along the row to the nearest other-phase voxel.
fn row_pass(row: &[u8], phase: Phase, out: &mut [u32]) {
    let n = row.len();
    // Forward: distance to the nearest other-phase voxel at or before x.
    let mut last: Option<usize> = None;
    for x in 0..n {
        if !phase.contains(row[x]) {
            last = Some(x);
            out[x] = 0;
        } else {
            out[x] = match last {
                Some(l) => (x - l) as u32,
                None => UNBOUNDED,
            };
        }
    }
    // Backward: the nearest one at or after x; then square.
    let mut next: Option<usize> = None;
    for x in (0..n).rev() {
        if !phase.contains(row[x]) {
            next = Some(x);
            continue;
        }
        let back = next.map_or(UNBOUNDED, |nx| (nx - x) as u32);
        let d = out[x].min(back);
        out[x] = if d == UNBOUNDED {
            UNBOUNDED
        } else {
            sat_square(u64::from(d))
        };
    }
}

#[inline]
fn sat_square(d: u64) -> u32 {
    (d * d).min(u64::from(UNBOUNDED - 1)) as u32
}

/// One separable pass: `g[p] = min_q f[q] + (p - q)^2`, skipping `UNBOUNDED` samples.
///
/// `v[..=k]` holds the apices of the parabolas on the lower envelope and `z[j]` the
/// floored abscissa after which parabola `v[j]` beats `v[j - 1]`, so `v[j]` is lowest
/// for integer `p` in `(z[j], z[j + 1]]`; `z[k + 1]` is a `+∞` sentinel. `v` needs
/// `f.len()` entries and `z` one more.
fn lower_envelope(f: &[u32], g: &mut [u32], v: &mut [usize], z: &mut [i64]) {
    lower_envelope_arg(f, g, v, z, None);
}

/// [`lower_envelope`], also writing into `arg[p]` the sample `q` whose parabola is
/// lowest at `p` (left untouched where every sample is `UNBOUNDED`).
pub(super) fn lower_envelope_arg(
    f: &[u32],
    g: &mut [u32],
    v: &mut [usize],
    z: &mut [i64],
    mut arg: Option<&mut [usize]>,
) {
    let n = f.len();
    let height = |q: usize| i64::from(f[q]) + (q as i64) * (q as i64);
    let Some(first) = f.iter().position(|&x| x != UNBOUNDED) else {
        g.fill(UNBOUNDED);
        return;
    };
    let mut k = 0;
    v[0] = first;
    z[0] = i64::MIN;
    z[1] = i64::MAX;
    for q in first + 1..n {
        if f[q] == UNBOUNDED {
            continue;
        }
        let hq = height(q);
        let mut s = floor_div(hq - height(v[k]), 2 * (q - v[k]) as i64);
        // z[0] is -∞, so the loop stops at k = 0 at the latest.
        while s <= z[k] {
            k -= 1;
            s = floor_div(hq - height(v[k]), 2 * (q - v[k]) as i64);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = i64::MAX;
    }
    let mut k = 0;
    for (p, out) in g.iter_mut().enumerate() {
        while z[k + 1] < p as i64 {
            k += 1;
        }
        let q = v[k];
        if let Some(arg) = arg.as_deref_mut() {
            arg[p] = q;
        }
        let dp = p.abs_diff(q) as u64;
        let val = u64::from(f[q]) + dp * dp;
        *out = val.min(u64::from(UNBOUNDED - 1)) as u32;
    }
}

/// `floor(num / den)` for `den > 0`, through one floating-point division.
///
/// Exact while `|num| < 2^52`: a true quotient that is not an integer lies at least
/// `1/den` from the next integer, far more than the rounding error of the division, so
/// flooring the rounded quotient gives the true floor. Squared distances here stay
/// below `2^34`, and `den <= 2n`.
#[inline]
fn floor_div(num: i64, den: i64) -> i64 {
    // `f64::floor` is a library call on baseline x86-64; truncate and correct instead.
    let q = num as f64 / den as f64;
    let t = q as i64;
    t - i64::from((t as f64) > q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(dims: Dims, data: &[u8], phase: Phase) -> Vec<u32> {
        let mut out = vec![0u32; dims.len()];
        for i in 0..dims.len() {
            if !phase.contains(data[i]) {
                continue;
            }
            let (x, y, z) = dims.coords(i);
            let mut best = UNBOUNDED;
            for j in 0..dims.len() {
                if phase.contains(data[j]) {
                    continue;
                }
                let (a, b, c) = dims.coords(j);
                let d = (x.abs_diff(a).pow(2) + y.abs_diff(b).pow(2) + z.abs_diff(c).pow(2)) as u32;
                best = best.min(d);
            }
            out[i] = best;
        }
        out
    }

    #[test]
    fn matches_brute_force_on_random_volumes() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for trial in 0..60 {
            let dims = Dims::new(
                1 + (rnd() % 9) as usize,
                1 + (rnd() % 8) as usize,
                1 + (rnd() % 7) as usize,
            );
            // Sparse other phase in some trials, dense in others.
            let density = [2u64, 10, 50, 90, 98][trial % 5];
            let data: Vec<u8> = (0..dims.len())
                .map(|_| u8::from(rnd() % 100 < density))
                .collect();
            for phase in [Phase::Bone, Phase::Marrow] {
                assert_eq!(
                    squared_edt_raw(dims, &data, phase),
                    brute(dims, &data, phase),
                    "dims {dims} phase {phase:?}"
                );
            }
        }
    }

    #[test]
    fn floor_div_is_exact() {
        for num in -3000i64..3000 {
            for den in 1i64..60 {
                assert_eq!(floor_div(num, den), num.div_euclid(den), "{num}/{den}");
            }
        }
        let big = (1i64 << 40) + 7;
        assert_eq!(floor_div(big, 1000), big.div_euclid(1000));
        assert_eq!(floor_div(-big, 999), (-big).div_euclid(999));
    }

    #[test]
    fn single_other_voxel_and_unbounded() {
        let dims = Dims::new(5, 4, 3);
        let mut data = vec![1u8; dims.len()];
        assert!(squared_edt_raw(dims, &data, Phase::Bone)
            .iter()
            .all(|&d| d == UNBOUNDED));
        assert!(squared_edt_raw(dims, &data, Phase::Marrow)
            .iter()
            .all(|&d| d == 0));
        data[dims.index(0, 0, 0)] = 0;
        let d = squared_edt_raw(dims, &data, Phase::Bone);
        assert_eq!(d[dims.index(4, 3, 2)], 16 + 9 + 4);
        assert_eq!(d[dims.index(0, 0, 0)], 0);
        assert!(squared_edt_raw(Dims::new(0, 3, 3), &[], Phase::Bone).is_empty());
    }
}
