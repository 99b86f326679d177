//! The steady reaction-diffusion operator `A c = (cap lambda + k) c - div(D a grad c)`
//! on the field grid, evaluated plainly in f64: residuals and the mass balance.
//!
//! This is the reference the solvers are checked against, not a hot path. Units: c in
//! pM, S in pM/s, lengths in um, time in s. The discretisation (see [`super::grid`]):
//!
//! ```text
//! (A c)_i = (cap_i lambda + k_i) c_i + (D / h^2) sum_f a_i a_f (c_i - c_f)
//! ```
//!
//! where a boundary face has `a_f = 0` (no flux) or `a_f = 2`, `c_f = c_b` (fixed value
//! half a cell away).

use rayon::prelude::*;

use crate::grid::Dims;

use super::grid::{CAP_MIN, MOLECULES_PER_UM3_PER_PM};
use super::species::{Boundary, SpeciesParams};

/// Ghost conductance factor and value of a species' boundary faces.
pub(crate) fn ghost(boundary: Boundary) -> (f64, f64) {
    match boundary {
        Boundary::NoFlux => (0.0, 0.0),
        Boundary::Fixed { value_pm } => (2.0, value_pm),
    }
}

/// Capacity of a cell with conductance factor `a`.
#[inline]
pub(crate) fn capacity(a: f32) -> f64 {
    f64::from(if a > CAP_MIN { a } else { CAP_MIN })
}

/// The operator of one species on one grid.
pub(crate) struct Operator<'a> {
    pub dims: Dims,
    pub dx_um: f64,
    pub conductance: &'a [f32],
    pub params: SpeciesParams,
    pub source: &'a [f32],
    pub uptake: Option<&'a [f32]>,
}

/// Mass balance of one species, molecules per second over the whole domain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Balance {
    /// Total production by sources.
    pub production_per_s: f64,
    /// Total first-order decay.
    pub decay_per_s: f64,
    /// Total uptake by cells.
    pub uptake_per_s: f64,
    /// Net flow out through the domain faces (negative: inflow from a fixed value).
    pub boundary_outflow_per_s: f64,
}

impl Balance {
    /// Production minus every loss, relative to the largest term (0 at an exact
    /// steady state).
    pub fn relative_imbalance(&self) -> f64 {
        let net = self.production_per_s
            - self.decay_per_s
            - self.uptake_per_s
            - self.boundary_outflow_per_s;
        let scale = self
            .production_per_s
            .abs()
            .max(self.decay_per_s.abs())
            .max(self.uptake_per_s.abs())
            .max(self.boundary_outflow_per_s.abs());
        if scale == 0.0 {
            0.0
        } else {
            net / scale
        }
    }
}

impl Operator<'_> {
    /// Neighbour terms of cell `(x, y, z)`: `(sum_f a_f c_f, sum_f a_f)` with ghosts.
    #[inline]
    fn neighbours(&self, c: &dyn Fn(usize) -> f64, x: usize, y: usize, z: usize) -> (f64, f64) {
        let d = self.dims;
        let (ag, cg) = ghost(self.params.boundary);
        let mut sum = 0.0;
        let mut asum = 0.0;
        let mut face = |inside: bool, j: usize| {
            if inside {
                let a = f64::from(self.conductance[j]);
                sum += a * c(j);
                asum += a;
            } else {
                sum += ag * cg;
                asum += ag;
            }
        };
        let i = d.index(x, y, z);
        face(x > 0, i.wrapping_sub(1));
        face(x + 1 < d.nx, i + 1);
        face(y > 0, i.wrapping_sub(d.nx));
        face(y + 1 < d.ny, i + d.nx);
        face(z > 0, i.wrapping_sub(d.plane()));
        face(z + 1 < d.nz, i + d.plane());
        (sum, asum)
    }

    /// `S - A c` at every cell, f64.
    pub fn residual(&self, c: &(dyn Fn(usize) -> f64 + Sync)) -> Vec<f64> {
        let d = self.dims;
        let sigma = self.params.diffusion_um2_per_s / (self.dx_um * self.dx_um);
        let lambda = self.params.decay_per_s;
        let mut r = vec![0.0; d.len()];
        r.par_chunks_mut(d.plane())
            .enumerate()
            .for_each(|(z, plane)| {
                for y in 0..d.ny {
                    for x in 0..d.nx {
                        let i = d.index(x, y, z);
                        let a = self.conductance[i];
                        let k = self.uptake.map_or(0.0, |k| f64::from(k[i]));
                        let (sum, asum) = self.neighbours(c, x, y, z);
                        let af = f64::from(a);
                        let diag = capacity(a) * lambda + k + sigma * af * asum;
                        plane[x + d.nx * y] =
                            f64::from(self.source[i]) + sigma * af * sum - diag * c(i);
                    }
                }
            });
        r
    }

    /// Euclidean norms `(||S - A c||, ||S + boundary terms||)`: the relative residual
    /// is their ratio (the boundary terms are the right-hand side's part from fixed
    /// face values).
    pub fn residual_norms(&self, c: &(dyn Fn(usize) -> f64 + Sync)) -> (f64, f64) {
        let r = self.residual(c);
        let rr: f64 = r.iter().map(|v| v * v).sum();
        let zero = |_: usize| 0.0;
        let b = self.residual(&zero);
        let bb: f64 = b.iter().map(|v| v * v).sum();
        (rr.sqrt(), bb.sqrt())
    }

    /// The mass balance of field `c`.
    pub fn balance(&self, c: &(dyn Fn(usize) -> f64 + Sync)) -> Balance {
        let d = self.dims;
        let h = self.dx_um;
        let vol = h * h * h * MOLECULES_PER_UM3_PER_PM;
        let (ag, cg) = ghost(self.params.boundary);
        let lambda = self.params.decay_per_s;
        let mut bal = Balance {
            production_per_s: 0.0,
            decay_per_s: 0.0,
            uptake_per_s: 0.0,
            boundary_outflow_per_s: 0.0,
        };
        for z in 0..d.nz {
            for y in 0..d.ny {
                for x in 0..d.nx {
                    let i = d.index(x, y, z);
                    let a = self.conductance[i];
                    let ci = c(i);
                    bal.production_per_s += f64::from(self.source[i]) * vol;
                    bal.decay_per_s += capacity(a) * lambda * ci * vol;
                    if let Some(k) = self.uptake {
                        bal.uptake_per_s += f64::from(k[i]) * ci * vol;
                    }
                    let faces = usize::from(x == 0)
                        + usize::from(x + 1 == d.nx)
                        + usize::from(y == 0)
                        + usize::from(y + 1 == d.ny)
                        + usize::from(z == 0)
                        + usize::from(z + 1 == d.nz);
                    // Flux through a face: D a_i a_g (c_i - c_b) / h times its area h^2.
                    bal.boundary_outflow_per_s += faces as f64
                        * self.params.diffusion_um2_per_s
                        * f64::from(a)
                        * ag
                        * (ci - cg)
                        * h
                        * MOLECULES_PER_UM3_PER_PM;
                }
            }
        }
        bal
    }
}
