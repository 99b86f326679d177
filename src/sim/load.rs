//! How much load each bone voxel carries, from a scalar analogue of the elastic
//! problem: bone conducts, marrow does not, and a unit gradient is imposed across the
//! volume along each axis in turn.
//!
//! For axis `a` the potential `phi` solves Laplace's equation on the bone voxels
//! (face neighbours conduct with unit conductance), equals the affine far field
//! `phi = x_a` (the voxel coordinate) on bone voxels in a face of the volume, and
//! has no flux into marrow. The energy of voxel `v`, `e_a(v) = 1/2 sum (phi_v -
//! phi_n)^2` over its bone face neighbours, is the scalar stand-in for the strain
//! energy density under a compression along `a` (the conduction analogue of
//! trabecular stiffness; Kabel et al., J Biomech 1999, show apparent stiffness
//! follows the bone's connectivity as conductance does). A straight strut along `a`
//! carries `e_a = 1`. The usage of a voxel is `max_a e_a(v) / max_a mean(e_a)`, the
//! means over the bone of the load-bearing pieces (one reference for all axes, so an
//! axis the structure hardly loads does not inflate its own small currents): a
//! strut carries load along some axis; a dead-end stump (a strut cut at one end, or
//! a spur) carries none along any, whatever its direction, since its potential is
//! that of its one attachment. Then each voxel takes the largest usage within
//! [`REACH_VOXELS`].
//!
//! A weak tie `eps (phi - x_a)` (`eps` = [`TIE`]) keeps the system nonsingular on
//! pieces that touch no face or hang on by an edge only. Along a stump of length `L`
//! voxels it drives a gradient of at most `1 - 1/cosh(sqrt(eps) L)` of the far
//! field's (at the junction, 0 at the tip), an energy of 4e-4 of a strut's for
//! `L` = 20 and 0.013 for `L` = 50.
//!
//! # Solver
//! Jacobi-preconditioned conjugate gradients over the bone voxels only (a compact
//! index, six neighbour links each), started from the far field itself, until the
//! residual falls by [`TOLERANCE`] or [`MAX_ITERATIONS`] pass. The three axes are
//! independent solves run in parallel; each is sequential, so the result does not
//! depend on the thread count.

use rayon::prelude::*;

use crate::grid::neighbours;
use crate::grid::BoneMask;

/// Tie to the far field, per voxel, in units of a face's conductance.
pub const TIE: f64 = 1e-4;
/// Residual reduction at which a solve stops.
pub const TOLERANCE: f64 = 1e-2;
/// Reach of the load around bone that carries it, voxels (26-neighbour steps): a
/// voxel's usage is the largest within this many steps through bone. A bump or pit
/// of a rough surface has a dead end of its own a voxel or two long (its potential
/// is its neighbour's), and its osteocytes sit in the strained bone beneath it
/// (osteocyte lacunae are 20-30 um apart; Hannah et al., Bone 2010, the sensing
/// network about 3 voxels of 20 um across); only bone farther than this from
/// loaded bone is in disuse.
pub const REACH_VOXELS: usize = 3;
/// Iteration cap of one solve.
pub const MAX_ITERATIONS: usize = 2000;

const NONE: u32 = u32::MAX;

/// The load solve's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    /// Usage of every voxel of the volume (0 for marrow), dimensionless.
    pub usage: Vec<f32>,
    /// Conjugate-gradient iterations per axis.
    pub iterations: [usize; 3],
}

/// Bone voxels in a compact order with their face links.
struct Graph {
    /// Volume index of each bone voxel.
    voxel: Vec<u32>,
    /// Compact index of each bone face neighbour ([`NONE`] where marrow or outside).
    links: Vec<[u32; 6]>,
    /// Whether the voxel lies in a face of the volume (held at the far field).
    fixed: Vec<bool>,
}

impl Graph {
    fn new(mask: &BoneMask) -> Self {
        let dims = mask.dims;
        let mut compact = vec![NONE; dims.len()];
        let mut voxel = Vec::new();
        for (v, &b) in mask.data.iter().enumerate() {
            if b != 0 {
                compact[v] = voxel.len() as u32;
                voxel.push(v as u32);
            }
        }
        let mut links = Vec::with_capacity(voxel.len());
        let mut fixed = Vec::with_capacity(voxel.len());
        for &v in &voxel {
            let faces = neighbours::face_dirs(dims, v as usize);
            let mut l = [NONE; 6];
            for (j, d) in faces.iter() {
                l[usize::from(d)] = compact[j];
            }
            links.push(l);
            // Fewer than six neighbours inside the volume: the voxel lies in a face.
            fixed.push(faces.as_slice().len() < 6);
        }
        Self {
            voxel,
            links,
            fixed,
        }
    }

    fn len(&self) -> usize {
        self.voxel.len()
    }
}

/// The usage of every voxel (see the module documentation); `loaded` selects the bone
/// whose mean energy is the reference (the load-bearing pieces).
pub fn usage(mask: &BoneMask, loaded: &[u8], tolerance: f64) -> Usage {
    let graph = Graph::new(mask);
    let dims = mask.dims;
    let solved: Vec<(Vec<f64>, usize)> = (0..3)
        .into_par_iter()
        .map(|axis| {
            let far = far_field(&graph, mask, axis);
            let (phi, iterations) = solve(&graph, &far, tolerance);
            (energy(&graph, &phi), iterations)
        })
        .collect();
    let mut usage = vec![0.0f32; dims.len()];
    let mut iterations = [0; 3];
    // The reference: the largest of the three axes' mean energies over loaded bone.
    let mut reference = 0.0f64;
    for (axis, (e, its)) in solved.iter().enumerate() {
        iterations[axis] = *its;
        let (sum, n) = graph
            .voxel
            .iter()
            .zip(e)
            .filter(|(&v, _)| loaded[v as usize] != 0)
            .fold((0.0, 0usize), |(s, n), (_, &x)| (s + x, n + 1));
        if n > 0 {
            reference = reference.max(sum / n as f64);
        }
    }
    let mut scaled = vec![0.0f64; graph.len()];
    if reference > 0.0 {
        for (e, _) in &solved {
            for (s, &x) in scaled.iter_mut().zip(e) {
                *s = s.max(x / reference);
            }
        }
    }
    for (&v, &s) in graph.voxel.iter().zip(&scaled) {
        usage[v as usize] = s as f32;
    }
    for _ in 0..REACH_VOXELS {
        usage = spread(mask, &usage);
    }
    Usage { usage, iterations }
}

/// One pass of the reach: each bone voxel takes the largest usage among itself and
/// its 26 bone neighbours.
fn spread(mask: &BoneMask, usage: &[f32]) -> Vec<f32> {
    let dims = mask.dims;
    (0..dims.len())
        .into_par_iter()
        .with_min_len(1 << 12)
        .map(|v| {
            if mask.data[v] == 0 {
                return 0.0;
            }
            neighbours::all26(dims, v)
                .iter()
                .filter(|&n| mask.data[n] != 0)
                .map(|n| usage[n])
                .fold(usage[v], f32::max)
        })
        .collect()
}

/// The potential of axis `axis` (0 = x) over the volume, solved to a residual
/// reduction of `tolerance` (NaN on marrow), and the iteration count: the field
/// behind [`usage`], for tests and analysis.
pub fn potential(mask: &BoneMask, axis: usize, tolerance: f64) -> (Vec<f64>, usize) {
    let graph = Graph::new(mask);
    let far = far_field(&graph, mask, axis);
    let (phi, iterations) = solve(&graph, &far, tolerance);
    let mut out = vec![f64::NAN; mask.dims.len()];
    for (&v, &p) in graph.voxel.iter().zip(&phi) {
        out[v as usize] = p;
    }
    (out, iterations)
}

/// The far field of axis `axis` on the bone voxels: their coordinate.
fn far_field(graph: &Graph, mask: &BoneMask, axis: usize) -> Vec<f64> {
    graph
        .voxel
        .iter()
        .map(|&v| {
            let (x, y, z) = mask.dims.coords(v as usize);
            [x, y, z][axis] as f64
        })
        .collect()
}

/// Energy of each bone voxel: half the squared differences to its bone neighbours.
fn energy(graph: &Graph, phi: &[f64]) -> Vec<f64> {
    graph
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.iter()
                .filter(|&&j| j != NONE)
                .map(|&j| (phi[i] - phi[j as usize]).powi(2))
                .sum::<f64>()
                * 0.5
        })
        .collect()
}

/// Potential with the far field `far` on fixed voxels, to a residual reduction of
/// `tolerance`; returns it and the iteration count.
fn solve(graph: &Graph, far: &[f64], tolerance: f64) -> (Vec<f64>, usize) {
    let n = graph.len();
    // Links between free voxels only, and the inverse diagonal (0 on fixed voxels,
    // which keeps their residual, and so their update, at 0).
    let free_links: Vec<[u32; 6]> = graph
        .links
        .iter()
        .map(|l| {
            l.map(|j| {
                if j != NONE && !graph.fixed[j as usize] {
                    j
                } else {
                    NONE
                }
            })
        })
        .collect();
    let diag: Vec<f64> = graph
        .links
        .iter()
        .map(|l| l.iter().filter(|&&j| j != NONE).count() as f64 + TIE)
        .collect();
    let inv: Vec<f64> = diag
        .iter()
        .zip(&graph.fixed)
        .map(|(d, &f)| if f { 0.0 } else { 1.0 / d })
        .collect();
    // Residual of the far field itself: b - A far, with b = eps far + fixed links.
    let mut phi = far.to_vec();
    let mut r: Vec<f64> = (0..n)
        .map(|i| {
            if graph.fixed[i] {
                return 0.0;
            }
            graph.links[i]
                .iter()
                .filter(|&&j| j != NONE)
                .map(|&j| far[j as usize] - far[i])
                .sum()
        })
        .collect();
    let r0 = r.iter().map(|x| x * x).sum::<f64>().sqrt();
    if r0 == 0.0 {
        return (phi, 0);
    }
    let mut p: Vec<f64> = r.iter().zip(&inv).map(|(r, d)| r * d).collect();
    let mut rz: f64 = r.iter().zip(&p).map(|(r, z)| r * z).sum();
    let mut q = vec![0.0; n];
    for it in 1..=MAX_ITERATIONS {
        // q = A p (0 on fixed voxels, where p is 0) and p.q in one pass.
        let mut pq = 0.0;
        for i in 0..n {
            let l = &free_links[i];
            let mut off = 0.0;
            for &j in l {
                if j != NONE {
                    off += p[j as usize];
                }
            }
            let a = if inv[i] > 0.0 {
                diag[i] * p[i] - off
            } else {
                0.0
            };
            q[i] = a;
            pq += a * p[i];
        }
        let alpha = rz / pq;
        let (mut rr, mut rz_new) = (0.0, 0.0);
        for i in 0..n {
            phi[i] += alpha * p[i];
            r[i] -= alpha * q[i];
            rr += r[i] * r[i];
            rz_new += r[i] * r[i] * inv[i];
        }
        if rr.sqrt() <= tolerance * r0 {
            return (phi, it);
        }
        let beta = rz_new / rz;
        rz = rz_new;
        for i in 0..n {
            p[i] = r[i] * inv[i] + beta * p[i];
        }
    }
    (phi, MAX_ITERATIONS)
}
