//! Coarse-level operators of the multigrid hierarchy: 7-point operators with a
//! conductance per face, built so that barriers stay barriers.
//!
//! Finite-volume coarsening with the cells' true extents. Each level keeps the width
//! of its cells along each axis (in finest-cell units; nominally `2^l`, less for the
//! last cell of an odd extent, and 1 along an axis of one cell). A coarse face's
//! transmissibility is the sum of those of the fine faces it covers, each rescaled
//! from the fine cells' centre distance to the coarse cells' (`T_c = sum T_f d_f /
//! d_c`); a coarse cell's reaction terms (capacity times decay, uptake) and its share
//! of the restricted residual are its children's sums over the nominal 8. For full
//! cells of uniform marrow this is plain rediscretisation; at a partial cell it keeps
//! the true volume, face areas and distances, which matters for the nearly singular
//! species (OPG decays over days: on 100^3 cells, whose levels 25 -> 13 -> 7 have a
//! partial last cell, it converged at 0.5 per cycle when partial cells were treated as
//! full ones, at 0.13 as the other species do with true extents).
//!
//! A sealed bone plate stays sealed on every level: all its fine faces are 0, so is
//! the coarse face (rediscretising from averaged conductance instead let corrections
//! leak through thin plates and stalled the V-cycle on trabecular geometry).
//!
//! Faces are stored per axis including the domain faces: `fx` has `nx + 1` faces per
//! row, the first and last on the boundary; a boundary face's conductance is
//! multiplied by the species' ghost factor (0 no flux, 2 fixed value) when used.
//!
//! Units: conductances are dimensionless multipliers of `D / h^2` of their level.

use rayon::prelude::*;

use crate::grid::Dims;

use super::operator::capacity;

/// Per-face conductances and per-cell reaction geometry of one coarse level.
pub(crate) struct FaceOperator {
    pub dims: Dims,
    /// Cell widths along x, y, z, in finest-cell units.
    pub widths: [Vec<f64>; 3],
    /// Faces normal to x, `(nx + 1) * ny * nz`.
    pub fx: Vec<f32>,
    /// Faces normal to y, `nx * (ny + 1) * nz`.
    pub fy: Vec<f32>,
    /// Faces normal to z, `nx * ny * (nz + 1)`.
    pub fz: Vec<f32>,
    /// Capacity per cell.
    pub cap: Vec<f32>,
    /// Sum of the interior faces' conductances per cell.
    pub w_int: Vec<f32>,
    /// Sum of the boundary faces' conductances per cell.
    pub w_bnd: Vec<f32>,
}

/// A fine level as seen by coarsening.
pub(crate) enum Fine<'a> {
    /// The finest level: product-rule faces from conductance factors.
    Product { dims: Dims, a: &'a [f32] },
    /// A coarse level.
    Faces(&'a FaceOperator),
}

impl Fine<'_> {
    fn dims(&self) -> Dims {
        match self {
            Fine::Product { dims, .. } => *dims,
            Fine::Faces(f) => f.dims,
        }
    }

    /// Cell widths along `axis`, finest-cell units.
    fn widths(&self, axis: usize) -> Vec<f64> {
        match self {
            Fine::Product { dims, .. } => vec![1.0; dims.as_array()[axis]],
            Fine::Faces(f) => f.widths[axis].clone(),
        }
    }

    /// Conductance of face `f` (0..=n along `axis`) at the other two coordinates.
    #[inline]
    fn face(&self, axis: usize, x: usize, y: usize, z: usize) -> f32 {
        match self {
            Fine::Product { dims, a } => {
                let d = *dims;
                let n = d.as_array()[axis];
                let c = [x, y, z];
                let f = c[axis];
                let at = |k: usize| {
                    let mut p = c;
                    p[axis] = k;
                    a[d.index(p[0], p[1], p[2])]
                };
                if f == 0 {
                    at(0)
                } else if f == n {
                    at(n - 1)
                } else {
                    at(f - 1) * at(f)
                }
            }
            Fine::Faces(op) => op.face(axis, x, y, z),
        }
    }

    fn cap(&self, i: usize) -> f32 {
        match self {
            Fine::Product { a, .. } => capacity(a[i]) as f32,
            Fine::Faces(op) => op.cap[i],
        }
    }
}

/// Children of coarse index `i` along an axis of `n` fine cells.
fn children(i: usize, n: usize) -> std::ops::Range<usize> {
    2 * i..(2 * i + 2).min(n)
}

impl FaceOperator {
    /// Face `f` along `axis` at the other coordinates (`f` in 0..=n).
    #[inline]
    pub fn face(&self, axis: usize, x: usize, y: usize, z: usize) -> f32 {
        let d = self.dims;
        match axis {
            0 => self.fx[x + (d.nx + 1) * (y + d.ny * z)],
            1 => self.fy[x + d.nx * (y + (d.ny + 1) * z)],
            _ => self.fz[x + d.nx * (y + d.ny * z)],
        }
    }

    /// The coarse operator of `fine` on `cd` (each axis halved, rounded up).
    pub fn coarsen(fine: &Fine<'_>, cd: Dims) -> Self {
        let fd = fine.dims();
        let fa = fd.as_array();
        let ca = cd.as_array();
        let fine_w: [Vec<f64>; 3] = std::array::from_fn(|k| fine.widths(k));
        let widths: [Vec<f64>; 3] = std::array::from_fn(|k| {
            (0..ca[k])
                .map(|i| children(i, fa[k]).map(|j| fine_w[k][j]).sum())
                .collect()
        });
        // Distance between the centres on both sides of face `f` of cells `w` (half a
        // cell at a domain face).
        let distance = |w: &[f64], f: usize| -> f64 {
            if f == 0 {
                0.5 * w[0]
            } else if f == w.len() {
                0.5 * w[w.len() - 1]
            } else {
                0.5 * (w[f - 1] + w[f])
            }
        };
        // Coarse face f along `axis` covers fine face min(2 f, n_fine) and the
        // children of the other two coordinates.
        let build = |axis: usize| -> Vec<f32> {
            let mut ext = cd.as_array();
            ext[axis] += 1;
            let len = ext[0] * ext[1] * ext[2];
            let mut out = vec![0.0f32; len];
            let plane = ext[0] * ext[1];
            out.par_chunks_mut(plane).enumerate().for_each(|(cz, p)| {
                for cy in 0..ext[1] {
                    for cx in 0..ext[0] {
                        let c = [cx, cy, cz];
                        let mut ranges = [0..0, 0..0, 0..0];
                        let ff = (2 * c[axis]).min(fa[axis]);
                        for k in 0..3 {
                            ranges[k] = if k == axis {
                                ff..ff + 1
                            } else {
                                children(c[k], fa[k])
                            };
                        }
                        let mut sum = 0.0f64;
                        for z in ranges[2].clone() {
                            for y in ranges[1].clone() {
                                for x in ranges[0].clone() {
                                    sum += f64::from(fine.face(axis, x, y, z));
                                }
                            }
                        }
                        // Conductances are transmissibilities over D times the level's
                        // nominal width, which doubles per level.
                        let ratio = distance(&fine_w[axis], ff) / distance(&widths[axis], c[axis]);
                        p[cx + ext[0] * cy] = (0.5 * sum * ratio) as f32;
                    }
                }
            });
            out
        };
        let (fx, fy, fz) = (build(0), build(1), build(2));
        let mut cap = vec![0.0f32; cd.len()];
        average_cells(fd, cd, &|i| fine.cap(i), &mut cap);
        let mut op = Self {
            dims: cd,
            widths,
            fx,
            fy,
            fz,
            cap,
            w_int: vec![0.0; cd.len()],
            w_bnd: vec![0.0; cd.len()],
        };
        op.refresh_sums();
        op
    }

    fn refresh_sums(&mut self) {
        let d = self.dims;
        let n = d.as_array();
        for z in 0..d.nz {
            for y in 0..d.ny {
                for x in 0..d.nx {
                    let c = [x, y, z];
                    let (mut wi, mut wb) = (0.0f32, 0.0f32);
                    for axis in 0..3 {
                        for f in [c[axis], c[axis] + 1] {
                            let mut p = c;
                            p[axis] = f;
                            let w = self.face(axis, p[0], p[1], p[2]);
                            if f == 0 || f == n[axis] {
                                wb += w;
                            } else {
                                wi += w;
                            }
                        }
                    }
                    let i = d.index(x, y, z);
                    self.w_int[i] = wi;
                    self.w_bnd[i] = wb;
                }
            }
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        8 * self.widths.iter().map(Vec::len).sum::<usize>()
            + 4 * (self.fx.len()
                + self.fy.len()
                + self.fz.len()
                + self.cap.len()
                + self.w_int.len()
                + self.w_bnd.len())
    }
}

/// The children's sum over the nominal 8 of a per-cell quantity (per nominal volume
/// of the level: the volume average for a full cell).
pub(crate) fn average_cells(
    fd: Dims,
    cd: Dims,
    value: &(dyn Fn(usize) -> f32 + Sync),
    out: &mut [f32],
) {
    out.par_chunks_mut(cd.plane())
        .enumerate()
        .for_each(|(cz, plane)| {
            for cy in 0..cd.ny {
                for cx in 0..cd.nx {
                    let mut sum = 0.0f64;
                    for z in children(cz, fd.nz) {
                        for y in children(cy, fd.ny) {
                            for x in children(cx, fd.nx) {
                                sum += f64::from(value(fd.index(x, y, z)));
                            }
                        }
                    }
                    plane[cx + cd.nx * cy] = (sum / 8.0) as f32;
                }
            }
        });
}

/// Constants of one species on one coarse level.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LevelSpecies {
    /// `D / h^2` of the level.
    pub sigma: f64,
    pub lambda: f64,
    pub a_ghost: f64,
}

/// The diagonal of every cell of one species on a coarse level (computed when the
/// coarse operators are built: it depends only on geometry, uptake and the species).
pub(crate) fn diagonal(op: &FaceOperator, sp: &LevelSpecies, k: Option<&[f32]>) -> Vec<f64> {
    (0..op.dims.len()).map(|i| diag(op, sp, k, i)).collect()
}

/// Diagonal of cell `i`.
#[inline]
fn diag(op: &FaceOperator, sp: &LevelSpecies, k: Option<&[f32]>, i: usize) -> f64 {
    f64::from(op.cap[i]) * sp.lambda
        + k.map_or(0.0, |k| f64::from(k[i]))
        + sp.sigma * (f64::from(op.w_int[i]) + sp.a_ghost * f64::from(op.w_bnd[i]))
}

/// The faces around row `(y, z)`: x-faces (`nx + 1`), and the y- and z-faces below and
/// above each cell.
struct RowFaces<'a> {
    fx: &'a [f32],
    fy: [&'a [f32]; 2],
    fz: [&'a [f32]; 2],
}

impl FaceOperator {
    fn row_faces(&self, y: usize, z: usize) -> RowFaces<'_> {
        let d = self.dims;
        let nx = d.nx;
        let fx0 = (nx + 1) * (y + d.ny * z);
        let fy0 = nx * (y + (d.ny + 1) * z);
        let fz0 = nx * (y + d.ny * z);
        RowFaces {
            fx: &self.fx[fx0..fx0 + nx + 1],
            fy: [&self.fy[fy0..fy0 + nx], &self.fy[fy0 + nx..fy0 + 2 * nx]],
            fz: [
                &self.fz[fz0..fz0 + nx],
                &self.fz[fz0 + d.plane()..fz0 + d.plane() + nx],
            ],
        }
    }
}

/// `out[x] = sum_f W_f v_f` over the interior faces of every cell of a row (`row` the
/// row itself, `nbr` the rows below and above in y and z, zeros outside the domain).
#[inline(always)]
fn flux_row(f: &RowFaces<'_>, row: &[f64], nbr: [&[f64]; 4], out: &mut [f64]) {
    let nx = row.len();
    let out = &mut out[..nx];
    let (fy0, fy1, fz0, fz1) = (
        &f.fy[0][..nx],
        &f.fy[1][..nx],
        &f.fz[0][..nx],
        &f.fz[1][..nx],
    );
    let (ym, yp, zm, zp) = (&nbr[0][..nx], &nbr[1][..nx], &nbr[2][..nx], &nbr[3][..nx]);
    for x in 0..nx {
        out[x] = (f64::from(fy0[x]) * ym[x] + f64::from(fy1[x]) * yp[x])
            + (f64::from(fz0[x]) * zm[x] + f64::from(fz1[x]) * zp[x]);
    }
    if nx > 1 {
        let fx = &f.fx[..nx + 1];
        out[0] += f64::from(fx[1]) * row[1];
        out[nx - 1] += f64::from(fx[nx - 1]) * row[nx - 2];
        let (lo, hi) = (&row[..nx - 2], &row[2..]);
        let (flo, fhi) = (&fx[1..nx - 1], &fx[2..nx]);
        let mid = &mut out[1..nx - 1];
        for x in 0..nx - 2 {
            mid[x] += f64::from(flo[x]) * lo[x] + f64::from(fhi[x]) * hi[x];
        }
    }
}

/// Residual `b - A x` of row `(y, z)` into `out` (corrections: no face values).
#[expect(
    clippy::too_many_arguments,
    reason = "a row kernel takes the level's arrays and the row's coordinates"
)]
#[inline(always)]
pub(crate) fn residual_row(
    op: &FaceOperator,
    sp: &LevelSpecies,
    diagonal: &[f64],
    x: &[f64],
    b: &[f64],
    y: usize,
    z: usize,
    zeros: &[f64],
    out: &mut [f64],
) {
    let d = op.dims;
    let nx = d.nx;
    let i0 = d.index(0, y, z);
    let row = &x[i0..i0 + nx];
    let at = |yy: isize, zz: isize| -> &[f64] {
        if yy < 0 || zz < 0 || yy as usize >= d.ny || zz as usize >= d.nz {
            &zeros[..nx]
        } else {
            let j = d.index(0, yy as usize, zz as usize);
            &x[j..j + nx]
        }
    };
    let (yi, zi) = (y as isize, z as isize);
    let nbr = [
        at(yi - 1, zi),
        at(yi + 1, zi),
        at(yi, zi - 1),
        at(yi, zi + 1),
    ];
    let f = op.row_faces(y, z);
    flux_row(&f, row, nbr, out);
    for xi in 0..nx {
        let i = i0 + xi;
        out[xi] = b[i] + sp.sigma * out[xi] - diagonal[i] * row[xi];
    }
}

/// Red-black Gauss-Seidel, `iterations` times, in place, parallel over z-slabs: before
/// each half-sweep the planes next to each slab are copied, so every task writes only
/// its own planes; red cells read only black ones and vice versa, so the result does
/// not depend on the slabs.
pub(crate) fn smooth(
    op: &FaceOperator,
    sp: &LevelSpecies,
    inv_diag: &[f64],
    x: &mut [f64],
    b: &[f64],
    iterations: usize,
    colours: [usize; 2],
) {
    let d = op.dims;
    let plane = d.plane();
    let nx = d.nx;
    let threads = rayon::current_num_threads();
    let n = if d.len() < 1 << 14 {
        1
    } else {
        threads.min(d.nz / 2).max(1)
    };
    let bounds: Vec<(usize, usize)> = (0..n).map(|t| (t * d.nz / n, (t + 1) * d.nz / n)).collect();
    let zeros = vec![0.0f64; nx];
    let mut halos: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n];
    for _ in 0..iterations {
        for colour in colours {
            // Planes just below and above each slab, as they are before this half-sweep.
            for (h, &(z0, z1)) in halos.iter_mut().zip(&bounds) {
                h.0.clear();
                h.1.clear();
                if z0 > 0 {
                    h.0.extend_from_slice(&x[(z0 - 1) * plane..z0 * plane]);
                }
                if z1 < d.nz {
                    h.1.extend_from_slice(&x[z1 * plane..(z1 + 1) * plane]);
                }
            }
            let mut parts = Vec::with_capacity(n);
            let mut rest: &mut [f64] = x;
            for &(z0, z1) in &bounds {
                let (mine, tail) = rest.split_at_mut((z1 - z0) * plane);
                parts.push(mine);
                rest = tail;
            }
            parts
                .into_par_iter()
                .zip(halos.par_iter())
                .zip(bounds.par_iter())
                .for_each(|((own, (lo, hi)), &(z0, z1))| {
                    let mut t = vec![0.0f64; nx];
                    for z in z0..z1 {
                        let lz = z - z0;
                        for y in 0..d.ny {
                            let f = op.row_faces(y, z);
                            let r0 = (lz * d.ny + y) * nx;
                            let (before, rest) = own.split_at_mut(r0);
                            let (row, after) = rest.split_at_mut(nx);
                            let ym = if y > 0 {
                                &before[r0 - nx..r0]
                            } else {
                                &zeros[..]
                            };
                            let yp = if y + 1 < d.ny {
                                &after[..nx]
                            } else {
                                &zeros[..]
                            };
                            // Rows of the other planes: from this slab, the halo copy,
                            // or zeros outside the domain.
                            let zm = if z == 0 {
                                &zeros[..]
                            } else if z > z0 {
                                &before[r0 - plane..r0 - plane + nx]
                            } else {
                                &lo[y * nx..(y + 1) * nx]
                            };
                            let zp = if z + 1 == d.nz {
                                &zeros[..]
                            } else if z + 1 < z1 {
                                &after[plane - nx..plane]
                            } else {
                                &hi[y * nx..(y + 1) * nx]
                            };
                            let i0 = d.index(0, y, z);
                            // The whole row in vector form, then the cells of this
                            // colour: their neighbours all have the other colour.
                            flux_row(&f, row, [ym, yp, zm, zp], &mut t);
                            let (b, inv) = (&b[i0..i0 + nx], &inv_diag[i0..i0 + nx]);
                            for xi in 0..nx {
                                t[xi] = (b[xi] + sp.sigma * t[xi]) * inv[xi];
                            }
                            let start = (y + z + colour) & 1;
                            for xi in (start..nx).step_by(2) {
                                row[xi] = t[xi];
                            }
                        }
                    }
                });
        }
    }
}

/// The dense operator of one species on a small level.
pub(crate) fn dense(
    op: &FaceOperator,
    sp: &LevelSpecies,
    k: Option<&[f32]>,
) -> nalgebra::DMatrix<f64> {
    let d = op.dims;
    let n = d.len();
    let mut m = nalgebra::DMatrix::<f64>::zeros(n, n);
    for z in 0..d.nz {
        for y in 0..d.ny {
            for x in 0..d.nx {
                let i = d.index(x, y, z);
                m[(i, i)] = diag(op, sp, k, i);
                let mut off = |j: usize, w: f32| m[(i, j)] -= sp.sigma * f64::from(w);
                if x > 0 {
                    off(i - 1, op.face(0, x, y, z));
                }
                if x + 1 < d.nx {
                    off(i + 1, op.face(0, x + 1, y, z));
                }
                if y > 0 {
                    off(i - d.nx, op.face(1, x, y, z));
                }
                if y + 1 < d.ny {
                    off(i + d.nx, op.face(1, x, y + 1, z));
                }
                if z > 0 {
                    off(i - d.plane(), op.face(2, x, y, z));
                }
                if z + 1 < d.nz {
                    off(i + d.plane(), op.face(2, x, y, z + 1));
                }
            }
        }
    }
    m
}
