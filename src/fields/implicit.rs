//! Backward-Euler time step of reaction-diffusion: for short time scales, and for a
//! like-for-like comparison with BioFVM's implicit LOD step.
//!
//! One step of `dt` solves, per species (cell-centred finite volumes; geometry and
//! units in [`super::grid`]):
//!
//! ```text
//! cap_i (c_i - c_old_i) = dt S_i - dt (cap_i lambda + k_i) c_i - r sum_f a_i a_f (c_i - c_f)
//! ```
//!
//! with `r = D dt / h^2`, by a fixed number of red-black SOR iterations started from
//! the old field, in one fused pass over memory ([`super::sweep`]).
//!
//! **Iteration count.** The Jacobi spectral radius is at most
//! `rho = 6 r / (1 + dt lambda + 6 r)` (Gershgorin, since `a <= cap`); the SOR factor
//! `w` is Young's optimum for a 2% larger radius (which keeps the iteration matrix off
//! its defective optimum); the count for an error reduction `tol`, relative to the
//! step's change in the max norm, is `n = 1 + ceil(ln(tol / rho) / ln(w - 1))`.
//! Measured on a 24^3 no-flux box at r = 0.15 (the BioFVM comparison problem: D 100
//! um^2/s, dt 0.6 s, dx 20 um) the max-norm error after 1..5 iterations is 0.34,
//! 3.5e-2, 2.9e-3, 2.1e-4, 1.4e-5 of the initial one, so the formula (4 iterations for
//! the default 1e-3) holds with margin; `tests/fields_implicit.rs` checks it against a
//! converged solve. A tolerance of 1e-3 of the step's change is far below backward
//! Euler's own time error for every mode that changes appreciably in one step.
//! The result is clamped at 0 when written back: SOR with `w > 1` can leave a
//! transient undershoot where uptake is strong; the converged solution of this
//! M-matrix system is non-negative anyway.
//!
//! Conservation: the discrete operator is conservative (each face's flux leaves one
//! cell and enters the other), so a converged step changes each species' content by
//! exactly `dt` times production minus decay, uptake and boundary outflow. In f32 the
//! folded coefficients round independently of the diagonal, which leaves about
//! `6 r eps` of the content per step unaccounted (about 5e-8 at r = 0.15; measured
//! 1e-7 at r = 0.6 and 1e-6 at r = 3.4); `tests/fields_implicit.rs` checks 1e-6.

//!
//! **Performance**, measured with `trabecula bench fields` on a 2-vCPU KVM guest
//! (Xeon Skylake-SP at 2.5 GHz, 1 MB L2 per core, STREAM triad 11-12 GB/s on one
//! thread and 21-23 GB/s on two) on the BioFVM comparison problem (100^3 cells x 5
//! species, r = 0.15, 4 iterations): 38-40 ms per step on 1 thread, 21-23 ms on 2
//! (BioFVM's LOD step: 61 / 33.5 ms on a machine with twice this bandwidth), 10.8
//! working bytes per voxel-species. Per species and thread, the copy-in takes 2.3 ms
//! (it streams the field, source and geometry from memory), the 8 half-sweeps 4.2 ms
//! and the write-back 1.0 ms. The half-sweeps bound the step: the window (1.3 MB)
//! exceeds this core's 1 MB L2, and the relaxation runs at 1.05 ns per update from L3
//! against 0.45 ns from L1; even from L1, 4 iterations of 5e6 updates are 9 ms of
//! core time (4.5 ms on 2 cores), against a bandwidth floor (one read and one write
//! of every field) of 1.8 ms. AVX-512 gains at most 20% from L1 and nothing from L3
//! here, and the 7-point relaxation has no fewer operations to give, so what remains
//! is the iteration count (3 iterations at a tolerance of 1e-2) or a machine with a
//! larger L2.

use super::operator::ghost;
use super::species::SpeciesParams;
use super::sweep::{sor_rate, Coeffs};

/// What one implicit step did.
#[derive(Clone, Debug, PartialEq)]
pub struct ImplicitReport {
    /// Red-black SOR iterations per species (in the order of the fields' species).
    pub iterations: Vec<usize>,
    /// Relaxation factor per species.
    pub omega: Vec<f64>,
    /// `D dt / dx^2` per species.
    pub r: Vec<f64>,
}

/// Relaxation factor and iteration count for a Jacobi spectral radius bound `rho` and
/// an error reduction `tol` (see the module doc).
pub fn sor_schedule(rho: f64, tol: f64) -> (f64, usize) {
    let rho_hat = (rho * 1.02).min(0.999_999);
    let omega = 2.0 / (1.0 + (1.0 - rho_hat * rho_hat).sqrt());
    let rate = sor_rate(omega);
    if rho <= tol || rate <= 0.0 {
        return (omega.max(1.0), 1);
    }
    let n = 1.0 + ((tol / rho).ln() / rate.ln()).ceil();
    (omega, (n.max(1.0) as usize).min(1000))
}

/// Coefficients of one backward-Euler step of `dt_s` seconds on cells of `dx_um`.
pub(crate) fn coefficients(
    p: &SpeciesParams,
    dx_um: f64,
    dt_s: f64,
    tolerance: f64,
) -> Coeffs<f32> {
    let r = p.diffusion_um2_per_s * dt_s / (dx_um * dx_um);
    let alpha = 1.0 + dt_s * p.decay_per_s;
    let (omega, iterations) = sor_schedule(6.0 * r / (alpha + 6.0 * r), tolerance);
    let (a_ghost, c_b) = ghost(p.boundary);
    Coeffs {
        alpha: alpha as f32,
        beta: dt_s as f32,
        gamma: 1.0,
        r: r as f32,
        omega: omega as f32,
        floor: 0.0,
        a_ghost: a_ghost as f32,
        u_ghost: (a_ghost * c_b) as f32,
        iterations,
    }
}
