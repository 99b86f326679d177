//! The finest level of the multigrid hierarchy, evaluated row by row and cell by
//! cell: residuals of the product-rule operator (fixed face values included), the
//! restriction of a residual row, the norm of the right-hand side, and the dense
//! operator of a grid small enough to be its own coarsest level.
//!
//! Units as in [`super::operator`]: c in pM, residuals in pM/s.

use nalgebra::DMatrix;
use rayon::prelude::*;

use crate::grid::Dims;

use super::multigrid::MgSpecies;
use super::operator::capacity;

/// One species on the finest level: geometry, solution, right-hand side, uptake.
pub(crate) struct Finest<'a> {
    pub dims: Dims,
    /// Conductance factors.
    pub a: &'a [f32],
    /// Solution, pM.
    pub x: &'a [f64],
    /// Right-hand side (sources), pM/s.
    pub b: &'a [f64],
    /// Uptake rate, 1/s.
    pub k: Option<&'a [f32]>,
}

/// Number of the cell's faces on the domain boundary.
pub(crate) fn boundary_faces(d: Dims, x: usize, y: usize, z: usize) -> usize {
    usize::from(x == 0)
        + usize::from(x + 1 == d.nx)
        + usize::from(y == 0)
        + usize::from(y + 1 == d.ny)
        + usize::from(z == 0)
        + usize::from(z + 1 == d.nz)
}

/// Residual of one cell of the finest level.
pub(crate) fn residual_cell(
    f: &Finest<'_>,
    sp: &MgSpecies,
    sigma: f64,
    x: usize,
    y: usize,
    z: usize,
) -> f64 {
    let (d, a) = (f.dims, f.a);
    let i = d.index(x, y, z);
    let v = f.x;
    let (mut sum, mut asum) = (0.0, 0.0);
    let nbrs = [
        (x > 0).then(|| i - 1),
        (x + 1 < d.nx).then(|| i + 1),
        (y > 0).then(|| i - d.nx),
        (y + 1 < d.ny).then(|| i + d.nx),
        (z > 0).then(|| i - d.plane()),
        (z + 1 < d.nz).then(|| i + d.plane()),
    ];
    for j in nbrs {
        match j {
            Some(j) => {
                let aj = f64::from(a[j]);
                sum += aj * v[j];
                asum += aj;
            }
            None => {
                sum += sp.a_ghost * sp.c_b;
                asum += sp.a_ghost;
            }
        }
    }
    let ai = f64::from(a[i]);
    let k = f.k.map_or(0.0, |k| f64::from(k[i]));
    let diag = capacity(a[i]) * sp.lambda + k + sigma * ai * asum;
    f.b[i] + sigma * ai * sum - diag * v[i]
}

/// `||S + boundary terms||` of species `s` on the finest level: the norm of the
/// residual of the zero field.
pub(crate) fn rhs_norm(f: &Finest<'_>, sp: &MgSpecies) -> f64 {
    let (d, a) = (f.dims, f.a);
    let u_g = sp.a_ghost * sp.c_b;
    let sums: Vec<f64> = (0..d.nz)
        .into_par_iter()
        .map(|z| {
            let mut acc = 0.0;
            for y in 0..d.ny {
                for x in 0..d.nx {
                    let i = d.index(x, y, z);
                    let faces = usize::from(x == 0)
                        + usize::from(x + 1 == d.nx)
                        + usize::from(y == 0)
                        + usize::from(y + 1 == d.ny)
                        + usize::from(z == 0)
                        + usize::from(z + 1 == d.nz);
                    let v = f.b[i] + sp.sigma * f64::from(a[i]) * faces as f64 * u_g;
                    acc += v * v;
                }
            }
            acc
        })
        .collect();
    sums.iter().sum::<f64>().sqrt()
}

/// Residual `b - A x` of row `y` of plane `z` of species `s` on the finest level
/// (product-rule faces, fixed face values included) into `out`; `asum` is scratch of
/// the row's length.
#[inline(always)]
pub(crate) fn residual_row(
    f: &Finest<'_>,
    sp: &MgSpecies,
    sigma: f64,
    y: usize,
    z: usize,
    out: &mut [f64],
    asum: &mut [f64],
) {
    let (d, a) = (f.dims, f.a);
    let nx = d.nx;
    let x = f.x;
    let i0 = d.index(0, y, z);
    let (ag, ug) = (sp.a_ghost, sp.a_ghost * sp.c_b);
    let out = &mut out[..nx];
    let asum = &mut asum[..nx];
    out.fill(0.0);
    asum.fill(0.0);
    for (dy, dz) in [(-1isize, 0isize), (1, 0), (0, -1), (0, 1)] {
        let yy = y as isize + dy;
        let zz = z as isize + dz;
        if yy >= 0 && zz >= 0 && (yy as usize) < d.ny && (zz as usize) < d.nz {
            let j = d.index(0, yy as usize, zz as usize);
            let (ar, xr) = (&a[j..j + nx], &x[j..j + nx]);
            for i in 0..nx {
                let aj = f64::from(ar[i]);
                out[i] += aj * xr[i];
                asum[i] += aj;
            }
        } else {
            for i in 0..nx {
                out[i] += ug;
                asum[i] += ag;
            }
        }
    }
    let ar = &a[i0..i0 + nx];
    let xr = &x[i0..i0 + nx];
    if nx == 1 {
        out[0] += 2.0 * ug;
        asum[0] += 2.0 * ag;
    } else {
        out[0] += ug + f64::from(ar[1]) * xr[1];
        asum[0] += ag + f64::from(ar[1]);
        out[nx - 1] += f64::from(ar[nx - 2]) * xr[nx - 2] + ug;
        asum[nx - 1] += f64::from(ar[nx - 2]) + ag;
        let (lo_a, hi_a) = (&ar[..nx - 2], &ar[2..]);
        let (lo_x, hi_x) = (&xr[..nx - 2], &xr[2..]);
        let (mid_o, mid_s) = (&mut out[1..nx - 1], &mut asum[1..nx - 1]);
        for i in 0..nx - 2 {
            let (l, h) = (f64::from(lo_a[i]), f64::from(hi_a[i]));
            mid_o[i] += l * lo_x[i] + h * hi_x[i];
            mid_s[i] += l + h;
        }
    }
    let b = &f.b[i0..i0 + nx];
    let lambda = sp.lambda;
    match f.k {
        Some(k) => {
            let k = &k[i0..i0 + nx];
            for i in 0..nx {
                let ai = f64::from(ar[i]);
                let diag = capacity(ar[i]) * lambda + f64::from(k[i]) + sigma * ai * asum[i];
                out[i] = b[i] + sigma * ai * out[i] - diag * xr[i];
            }
        }
        None => {
            for i in 0..nx {
                let ai = f64::from(ar[i]);
                let diag = capacity(ar[i]) * lambda + sigma * ai * asum[i];
                out[i] = b[i] + sigma * ai * out[i] - diag * xr[i];
            }
        }
    }
}

/// Adds the children's sum over the nominal 8 of one fine row to a coarse row:
/// a residual per nominal volume of the fine level becomes one per nominal volume of
/// the coarse level. Cells in `skip` (small isolated regions) are left out.
#[inline(always)]
pub(crate) fn restrict_row(row: &[f64], skip: Option<&[bool]>, dst: &mut [f64]) {
    let pairs = row.len() / 2;
    match skip {
        None => {
            let dst = &mut dst[..pairs];
            for (j, p) in row.chunks_exact(2).enumerate() {
                dst[j] += 0.125 * (p[0] + p[1]);
            }
        }
        Some(m) => {
            for j in 0..pairs {
                let l = if m[2 * j] { 0.0 } else { row[2 * j] };
                let h = if m[2 * j + 1] { 0.0 } else { row[2 * j + 1] };
                dst[j] += 0.125 * (l + h);
            }
        }
    }
    if row.len() % 2 == 1 && !skip.is_some_and(|m| m[row.len() - 1]) {
        dst[pairs] += 0.125 * row[row.len() - 1];
    }
}

/// Sum of squares with four running sums (a fixed order: deterministic, and not one
/// long chain of dependent additions). Plain multiply and add: outside the dispatched
/// kernels `mul_add` would be a library call per element.
#[inline(always)]
pub(crate) fn sum_squares(v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut chunks = v.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            acc[k] += c[k] * c[k];
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|v| v * v).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The dense operator of one species on a finest level small enough to be the
/// coarsest.
pub(crate) fn dense_product(d: Dims, a: &[f32], k: Option<&[f32]>, sp: &MgSpecies) -> DMatrix<f64> {
    let n = d.len();
    let mut m = DMatrix::<f64>::zeros(n, n);
    for z in 0..d.nz {
        for y in 0..d.ny {
            for x in 0..d.nx {
                let i = d.index(x, y, z);
                let ai = f64::from(a[i]);
                let ki = k.map_or(0.0, |k| f64::from(k[i]));
                let mut diag = capacity(a[i]) * sp.lambda + ki;
                let nbrs = [
                    (x > 0).then(|| i - 1),
                    (x + 1 < d.nx).then(|| i + 1),
                    (y > 0).then(|| i - d.nx),
                    (y + 1 < d.ny).then(|| i + d.nx),
                    (z > 0).then(|| i - d.plane()),
                    (z + 1 < d.nz).then(|| i + d.plane()),
                ];
                for j in nbrs {
                    match j {
                        Some(j) => {
                            let w = sp.sigma * ai * f64::from(a[j]);
                            diag += w;
                            m[(i, j)] -= w;
                        }
                        None => diag += sp.sigma * ai * sp.a_ghost,
                    }
                }
                m[(i, i)] += diag;
            }
        }
    }
    m
}
