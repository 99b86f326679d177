//! Drawing rods (capsules) and plates (thickened triangles) into voxels, and the
//! 26-connected component pass that checks and enforces a single piece of bone.
//!
//! A voxel is covered by an element when its centre lies within the element's
//! radius of the element's core (segment or triangle). Rasterisation runs in
//! parallel over z-planes; each voxel keeps the smallest index of the elements
//! covering it, which does not depend on how planes are shared among threads.

use rayon::prelude::*;

use super::network::{UnionFind, Vec3};
use crate::grid::Dims;

/// Label of a voxel no element covers.
pub(crate) const UNCOVERED: u32 = u32::MAX;

/// A drawable element, voxel units.
#[derive(Clone, Debug)]
pub(crate) enum Primitive {
    /// Points within `r` of the segment `a`-`b`.
    Capsule {
        /// One end.
        a: Vec3,
        /// The other end.
        b: Vec3,
        /// Radius.
        r: f64,
    },
    /// Points within `r` of the triangle `p`.
    Slab {
        /// Corners.
        p: [Vec3; 3],
        /// Half thickness.
        r: f64,
    },
}

/// A primitive with the quantities its inside test needs.
struct Prepared {
    lo: [f64; 3],
    hi: [f64; 3],
    shape: Shape,
}

enum Shape {
    Capsule {
        a: Vec3,
        ab: Vec3,
        inv_len2: f64,
        r2: f64,
    },
    Slab {
        p0: Vec3,
        e0: Vec3,
        e1: Vec3,
        normal: Vec3,
        d00: f64,
        d01: f64,
        d11: f64,
        inv_den: f64,
        corners: [Vec3; 3],
        r: f64,
        r2: f64,
    },
}

/// Squared distance from `q` to the segment from `a` along `ab`.
#[inline]
fn seg_dist2(q: &Vec3, a: &Vec3, ab: &Vec3, inv_len2: f64) -> f64 {
    let aq = q - a;
    let t = (aq.dot(ab) * inv_len2).clamp(0.0, 1.0);
    (aq - ab * t).norm_squared()
}

fn seg_dist2_pts(q: &Vec3, a: &Vec3, b: &Vec3) -> f64 {
    let ab = b - a;
    let l2 = ab.norm_squared();
    if l2 <= 0.0 {
        return (q - a).norm_squared();
    }
    seg_dist2(q, a, &ab, 1.0 / l2)
}

impl Prepared {
    fn new(p: &Primitive) -> Self {
        match p {
            Primitive::Capsule { a, b, r } => {
                let ab = b - a;
                let l2 = ab.norm_squared();
                Prepared {
                    lo: std::array::from_fn(|k| a[k].min(b[k]) - r),
                    hi: std::array::from_fn(|k| a[k].max(b[k]) + r),
                    shape: Shape::Capsule {
                        a: *a,
                        ab,
                        inv_len2: if l2 > 0.0 { 1.0 / l2 } else { 0.0 },
                        r2: r * r,
                    },
                }
            }
            Primitive::Slab { p, r } => {
                let e0 = p[1] - p[0];
                let e1 = p[2] - p[0];
                let n = e0.cross(&e1);
                let nn = n.norm();
                let (d00, d01, d11) = (e0.dot(&e0), e0.dot(&e1), e1.dot(&e1));
                let den = d00 * d11 - d01 * d01;
                let degenerate = nn <= 1e-9 * (d00 + d11).max(1e-300) || den <= 0.0;
                Prepared {
                    lo: std::array::from_fn(|k| p[0][k].min(p[1][k]).min(p[2][k]) - r),
                    hi: std::array::from_fn(|k| p[0][k].max(p[1][k]).max(p[2][k]) + r),
                    shape: Shape::Slab {
                        p0: p[0],
                        e0,
                        e1,
                        normal: if degenerate { Vec3::zeros() } else { n / nn },
                        d00,
                        d01,
                        d11,
                        inv_den: if degenerate { 0.0 } else { 1.0 / den },
                        corners: *p,
                        r: *r,
                        r2: r * r,
                    },
                }
            }
        }
    }

    /// An x-interval containing every point of the element on the row
    /// `(., yc, zc)`, within the bounding box; `None` if the row misses it. From
    /// the infinite cylinder around a rod, or the plane band of a plate.
    fn row_span(&self, yc: f64, zc: f64) -> Option<(f64, f64)> {
        const MARGIN: f64 = 1e-3;
        let (lo, hi) = (self.lo[0], self.hi[0]);
        let (a, b) = match &self.shape {
            Shape::Capsule {
                a,
                ab,
                inv_len2,
                r2,
                ..
            } => {
                if *inv_len2 == 0.0 {
                    return Some((lo, hi));
                }
                let u = ab * inv_len2.sqrt();
                let w0 = Vec3::new(0.0, yc - a.y, zc - a.z);
                let wu = w0.dot(&u);
                let qa = 1.0 - u.x * u.x;
                let qb = -2.0 * u.x * wu;
                let qc = w0.norm_squared() - wu * wu - r2;
                if qa < 1e-9 {
                    return (qc <= MARGIN).then_some((lo, hi));
                }
                let disc = qb * qb - 4.0 * qa * qc;
                if disc < 0.0 {
                    return None;
                }
                let root = disc.sqrt();
                (
                    a.x + (-qb - root) / (2.0 * qa),
                    a.x + (-qb + root) / (2.0 * qa),
                )
            }
            Shape::Slab { p0, normal, r, .. } => {
                let h0 = normal.y * (yc - p0.y) + normal.z * (zc - p0.z) - normal.x * p0.x;
                if normal.x.abs() < 1e-9 {
                    return (h0.abs() <= r + MARGIN).then_some((lo, hi));
                }
                let (x1, x2) = ((-r - h0) / normal.x, (r - h0) / normal.x);
                (x1.min(x2), x1.max(x2))
            }
        };
        let (a, b) = ((a - MARGIN).max(lo), (b + MARGIN).min(hi));
        (a <= b).then_some((a, b))
    }

    #[inline]
    fn contains(&self, q: &Vec3) -> bool {
        match &self.shape {
            Shape::Capsule {
                a,
                ab,
                inv_len2,
                r2,
            } => seg_dist2(q, a, ab, *inv_len2) <= *r2,
            Shape::Slab {
                p0,
                e0,
                e1,
                normal,
                d00,
                d01,
                d11,
                inv_den,
                corners,
                r,
                r2,
            } => {
                let v = q - p0;
                let h = v.dot(normal);
                if h.abs() > *r {
                    return false;
                }
                if *inv_den > 0.0 {
                    let w = v - normal * h;
                    let (d20, d21) = (w.dot(e0), w.dot(e1));
                    let s = (d11 * d20 - d01 * d21) * inv_den;
                    let t = (d00 * d21 - d01 * d20) * inv_den;
                    if s >= 0.0 && t >= 0.0 && s + t <= 1.0 {
                        return true;
                    }
                }
                let [c0, c1, c2] = corners;
                seg_dist2_pts(q, c0, c1) <= *r2
                    || seg_dist2_pts(q, c1, c2) <= *r2
                    || seg_dist2_pts(q, c2, c0) <= *r2
            }
        }
    }
}

/// Index range of voxel centres `i + 0.5` inside `[lo, hi]`, clipped to `0..n`.
#[inline]
fn voxel_range(lo: f64, hi: f64, n: usize) -> std::ops::Range<usize> {
    let a = (lo - 0.5).ceil().max(0.0);
    let b = ((hi - 0.5).floor() + 1.0).min(n as f64);
    if b <= a {
        0..0
    } else {
        a as usize..b as usize
    }
}

/// Draws `prims`, which are the elements `first..first + prims.len()` of the
/// order, into `labels`: each voxel keeps the smallest index of the elements
/// covering its centre ([`UNCOVERED`] if none). Elements must be drawn in
/// increasing index order across calls.
pub(crate) fn rasterize_into(labels: &mut [u32], dims: Dims, first: usize, prims: &[Primitive]) {
    if dims.is_empty() || prims.is_empty() {
        return;
    }
    let prepared: Vec<Prepared> = prims.iter().map(Prepared::new).collect();
    labels
        .par_chunks_mut(dims.plane())
        .enumerate()
        .for_each(|(z, plane)| {
            let zc = z as f64 + 0.5;
            for (i, p) in prepared.iter().enumerate() {
                if zc < p.lo[2] || zc > p.hi[2] {
                    continue;
                }
                let label = (first + i) as u32;
                for y in voxel_range(p.lo[1], p.hi[1], dims.ny) {
                    let yc = y as f64 + 0.5;
                    let Some((x_lo, x_hi)) = p.row_span(yc, zc) else {
                        continue;
                    };
                    let row = &mut plane[y * dims.nx..(y + 1) * dims.nx];
                    for x in voxel_range(x_lo, x_hi, dims.nx) {
                        // Labels are written in increasing order, so a covered
                        // voxel already holds a smaller one.
                        if row[x] != UNCOVERED {
                            continue;
                        }
                        if p.contains(&Vec3::new(x as f64 + 0.5, yc, zc)) {
                            row[x] = label;
                        }
                    }
                }
            }
        });
}

/// Number of voxels whose label is `i`, for `i` in `0..n`.
pub(crate) fn label_histogram(labels: &[u32], dims: Dims, n: usize) -> Vec<u64> {
    let plane = dims.plane().max(1);
    labels
        .par_chunks(plane)
        .fold(
            || vec![0u64; n],
            |mut h, chunk| {
                for &l in chunk {
                    if (l as usize) < n {
                        h[l as usize] += 1;
                    }
                }
                h
            },
        )
        .reduce(
            || vec![0u64; n],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// Outcome of [`keep_largest_component`].
pub(crate) struct Components {
    /// Number of 26-connected components before the cleanup.
    pub before: usize,
    /// Bone voxels removed.
    pub removed: usize,
}

/// Finds the 26-connected components of the bone (`mask != 0`) and clears all but
/// the largest (ties: the one met first in storage order).
///
/// Works on runs of bone along x: two runs in rows that are 26-neighbours (same
/// plane one row apart, or the plane below within one row) touch when their
/// x-extents, widened by one voxel, overlap.
pub(crate) fn keep_largest_component(mask: &mut [u8], dims: Dims) -> Components {
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    // Runs as (start, end) in x, end exclusive; row r = y + ny * z owns
    // runs[row_start[r]..row_start[r + 1]].
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut row_start = Vec::with_capacity(ny * nz + 1);
    for row in mask.chunks(nx.max(1)).take(ny * nz) {
        row_start.push(runs.len());
        let mut x = 0;
        while x < nx {
            if row[x] == 0 {
                x += 1;
                continue;
            }
            let start = x;
            while x < nx && row[x] != 0 {
                x += 1;
            }
            runs.push((start, x));
        }
    }
    row_start.push(runs.len());
    if runs.is_empty() {
        return Components {
            before: 0,
            removed: 0,
        };
    }
    let mut uf = UnionFind::new(runs.len());
    let row_runs = |y: usize, z: usize| row_start[y + ny * z]..row_start[y + ny * z + 1];
    for z in 0..nz {
        for y in 0..ny {
            let here = row_runs(y, z);
            if here.is_empty() {
                continue;
            }
            let mut neighbours = Vec::with_capacity(4);
            if y > 0 {
                neighbours.push(row_runs(y - 1, z));
            }
            if z > 0 {
                for y2 in y.saturating_sub(1)..(y + 2).min(ny) {
                    neighbours.push(row_runs(y2, z - 1));
                }
            }
            for other in neighbours {
                // Both lists are sorted by x: merge-walk them.
                let (mut i, mut j) = (here.start, other.start);
                while i < here.end && j < other.end {
                    let (a, b) = (runs[i], runs[j]);
                    if a.0 <= b.1 && b.0 <= a.1 {
                        uf.union(i, j);
                    }
                    if a.1 < b.1 {
                        i += 1;
                    } else {
                        j += 1;
                    }
                }
            }
        }
    }
    // Size and first run of each component.
    let mut size = vec![0usize; runs.len()];
    let mut first = vec![usize::MAX; runs.len()];
    let roots: Vec<usize> = (0..runs.len()).map(|i| uf.find(i)).collect();
    for (i, &r) in roots.iter().enumerate() {
        size[r] += runs[i].1 - runs[i].0;
        first[r] = first[r].min(i);
    }
    let before = (0..runs.len()).filter(|&i| roots[i] == i).count();
    let largest = (0..runs.len())
        .filter(|&i| roots[i] == i)
        .max_by(|&a, &b| size[a].cmp(&size[b]).then(first[b].cmp(&first[a])))
        .unwrap_or(0);
    let mut removed = 0;
    for (row, w) in row_start.windows(2).enumerate() {
        for i in w[0]..w[1] {
            if roots[i] != largest {
                let (s, e) = runs[i];
                mask[row * nx + s..row * nx + e].fill(0);
                removed += e - s;
            }
        }
    }
    Components { before, removed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64;

    fn brute_force(dims: Dims, prim: &Primitive) -> Vec<bool> {
        let p = Prepared::new(prim);
        (0..dims.len())
            .map(|i| {
                let (x, y, z) = dims.coords(i);
                p.contains(&Vec3::new(x as f64 + 0.5, y as f64 + 0.5, z as f64 + 0.5))
            })
            .collect()
    }

    #[test]
    fn row_spans_never_miss_a_voxel() {
        let dims = Dims::new(23, 19, 21);
        let mut rng = Pcg64::seed_from_u64(3);
        let point = |rng: &mut Pcg64| {
            Vec3::new(
                rng.random::<f64>() * 30.0 - 4.0,
                rng.random::<f64>() * 26.0 - 4.0,
                rng.random::<f64>() * 28.0 - 4.0,
            )
        };
        for k in 0..200 {
            let r = 1.0 + rng.random::<f64>() * 4.0;
            let prim = if k % 2 == 0 {
                let a = point(&mut rng);
                // Some rods exactly along an axis.
                let b = if k % 10 == 0 {
                    a + Vec3::new(12.0, 0.0, 0.0)
                } else {
                    point(&mut rng)
                };
                Primitive::Capsule { a, b, r }
            } else {
                let p0 = point(&mut rng);
                let p1 = if k % 10 == 1 {
                    p0 + Vec3::new(0.0, 9.0, 0.0)
                } else {
                    point(&mut rng)
                };
                let p2 = if k % 10 == 1 {
                    p0 + Vec3::new(0.0, 0.0, 7.0)
                } else {
                    point(&mut rng)
                };
                Primitive::Slab { p: [p0, p1, p2], r }
            };
            let mut labels = vec![UNCOVERED; dims.len()];
            rasterize_into(&mut labels, dims, 0, std::slice::from_ref(&prim));
            let drawn: Vec<bool> = labels.iter().map(|&l| l == 0).collect();
            assert_eq!(drawn, brute_force(dims, &prim), "primitive {k}: {prim:?}");
        }
    }

    #[test]
    fn digitised_volumes_match_the_shapes() {
        let dims = Dims::cube(80);
        let (r, len) = (4.0, 50.0);
        let a = Vec3::new(15.2, 40.1, 39.7);
        let rod = Primitive::Capsule {
            a,
            b: a + Vec3::new(len, 0.0, 0.0),
            r,
        };
        let n = brute_force(dims, &rod).iter().filter(|&&b| b).count() as f64;
        let exact =
            std::f64::consts::PI * r * r * len + 4.0 / 3.0 * std::f64::consts::PI * r.powi(3);
        assert!((n / exact - 1.0).abs() < 0.03, "{n} vs {exact}");

        let p0 = Vec3::new(10.3, 10.6, 40.2);
        let slab = Primitive::Slab {
            p: [
                p0,
                p0 + Vec3::new(60.0, 0.0, 0.0),
                p0 + Vec3::new(0.0, 60.0, 0.0),
            ],
            r,
        };
        let n = brute_force(dims, &slab).iter().filter(|&&b| b).count() as f64;
        // Prism plus half-cylinders along the edges plus the corner sphere parts.
        let perimeter = 120.0 + 60.0 * 2f64.sqrt();
        let exact = 1800.0 * 2.0 * r
            + 0.5 * std::f64::consts::PI * r * r * perimeter
            + 4.0 / 3.0 * std::f64::consts::PI * r.powi(3);
        assert!((n / exact - 1.0).abs() < 0.03, "{n} vs {exact}");
    }

    #[test]
    fn labels_keep_the_first_covering_element() {
        let dims = Dims::cube(20);
        let a = Vec3::new(2.0, 10.0, 10.0);
        let rod = |r| Primitive::Capsule {
            a,
            b: a + Vec3::new(16.0, 0.0, 0.0),
            r,
        };
        let mut labels = vec![UNCOVERED; dims.len()];
        rasterize_into(&mut labels, dims, 0, &[rod(2.0)]);
        rasterize_into(&mut labels, dims, 1, &[rod(4.0)]);
        let h = label_histogram(&labels, dims, 2);
        let inner = brute_force(dims, &rod(2.0)).iter().filter(|&&b| b).count() as u64;
        let outer = brute_force(dims, &rod(4.0)).iter().filter(|&&b| b).count() as u64;
        assert_eq!(h, vec![inner, outer - inner]);
    }

    #[test]
    fn components_are_26_connected_and_only_the_largest_is_kept() {
        let dims = Dims::new(10, 8, 6);
        let mut mask = vec![0u8; dims.len()];
        // A staircase touching only at corners: one 26-component.
        for k in 0..5 {
            mask[dims.index(k, k, k)] = 1;
        }
        // A separate 2-voxel bar and a single voxel.
        mask[dims.index(8, 1, 4)] = 1;
        mask[dims.index(9, 1, 4)] = 1;
        mask[dims.index(0, 7, 0)] = 1;
        let c = keep_largest_component(&mut mask, dims);
        assert_eq!(c.before, 3);
        assert_eq!(c.removed, 3);
        assert_eq!(mask.iter().filter(|&&b| b != 0).count(), 5);
        let again = keep_largest_component(&mut mask, dims);
        assert_eq!((again.before, again.removed), (1, 0));
        let mut empty = vec![0u8; dims.len()];
        let none = keep_largest_component(&mut empty, dims);
        assert_eq!((none.before, none.removed), (0, 0));
    }
}
