//! RANKL binding to its two decoys, OPG and denosumab, as a fast local equilibrium per
//! field cell: the free RANKL that osteoclast precursors see.
//!
//! Binding is 1:1 and reversible, much faster than transport (association takes
//! seconds at these concentrations), so each cell holds the equilibrium of its totals:
//!
//! ```text
//! L + O <-> LO   Kd1 = L O / LO        L_T = L + LO + LD
//! L + D <-> LD   Kd2 = L D / LD        O_T = O + LO,  D_T = D + LD
//! ```
//!
//! Eliminating the complexes gives `L + O_T L / (Kd1 + L) + D_T L / (Kd2 + L) = L_T`,
//! a cubic in the free ligand `L` with exactly one root in `[0, L_T]` (the left side
//! increases from 0). With one decoy absent it is a quadratic, solved in the form that
//! does not cancel (exact to rounding). With both present the cubic is solved in
//! closed form (Cardano, or the trigonometric form when it has three real roots: the
//! wanted root is the largest) and the root is polished by a bracketed Newton
//! iteration on the rational form until it balances to rounding, which matters where
//! the closed form cancels (free RANKL many orders below the totals under
//! denosumab). The complexes then follow as `LO = O_T L / (Kd1 + L)` and
//! `LD = D_T L / (Kd2 + L)`, so every total is conserved to rounding.
//!
//! The transported fields are the totals (free plus bound), each moving with its own
//! species' diffusion and decay: an approximation that treats a complex as moving and
//! decaying with the partner whose total it is counted in.
//!
//! Dissociation constants (pM) come from `[fields.binding]`: RANKL-OPG 1000 pM
//! (association 1e-3 /pM, Pivonka et al., Bone 2008), RANKL-denosumab 3 pM (Kostenuik,
//! JBMR 2009, approx.).

use rayon::prelude::*;

use crate::config::fields::BindingConfig;

use super::{FieldError, Fields, Species};

/// Dissociation constants of RANKL with its decoys.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Binding {
    /// RANKL-OPG, pM.
    pub kd_rankl_opg_pm: f64,
    /// RANKL-denosumab, pM.
    pub kd_rankl_denosumab_pm: f64,
}

/// The equilibrium of one cell, pM.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundRankl {
    /// Free RANKL.
    pub free_rankl_pm: f64,
    /// RANKL bound to OPG.
    pub rankl_opg_pm: f64,
    /// RANKL bound to denosumab.
    pub rankl_denosumab_pm: f64,
    /// Free OPG.
    pub free_opg_pm: f64,
    /// Free denosumab.
    pub free_denosumab_pm: f64,
}

impl Binding {
    /// From the validated config.
    pub fn from_config(c: &BindingConfig) -> Self {
        Self {
            kd_rankl_opg_pm: c.kd_rankl_opg_pm,
            kd_rankl_denosumab_pm: c.kd_rankl_denosumab_pm,
        }
    }

    /// The equilibrium of totals (pM). Negative or non-finite totals count as 0.
    pub fn equilibrium(&self, rankl_pm: f64, opg_pm: f64, denosumab_pm: f64) -> BoundRankl {
        let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
        let (lt, ot, dt) = (clean(rankl_pm), clean(opg_pm), clean(denosumab_pm));
        let (k1, k2) = (self.kd_rankl_opg_pm, self.kd_rankl_denosumab_pm);
        let l = free_ligand(lt, ot, dt, k1, k2);
        let lo = ot * l / (k1 + l);
        let ld = dt * l / (k2 + l);
        BoundRankl {
            free_rankl_pm: l,
            rankl_opg_pm: lo,
            rankl_denosumab_pm: ld,
            free_opg_pm: ot * k1 / (k1 + l),
            free_denosumab_pm: dt * k2 / (k2 + l),
        }
    }

    /// Free RANKL per field cell (pM) from the fields' RANKL, OPG and denosumab totals
    /// (a species the fields do not hold counts as 0; RANKL is required).
    pub fn free_rankl(&self, fields: &Fields, out: &mut [f32]) -> Result<(), FieldError> {
        let n = fields.grid().dims.len();
        if out.len() != n {
            return Err(FieldError::Grid(format!(
                "output holds {} cells, the grid {n}",
                out.len()
            )));
        }
        let l = fields.concentration(Species::Rankl)?;
        let o = fields.concentration(Species::Opg).ok();
        let d = fields.concentration(Species::Denosumab).ok();
        out.par_iter_mut()
            .enumerate()
            .with_min_len(4096)
            .for_each(|(i, f)| {
                let ot = o.map_or(0.0, |o| f64::from(o[i]));
                let dt = d.map_or(0.0, |d| f64::from(d[i]));
                *f = self.equilibrium(f64::from(l[i]), ot, dt).free_rankl_pm as f32;
            });
        Ok(())
    }
}

/// `g(L) = L + ot L / (k1 + L) + dt L / (k2 + L) - lt` and its derivative.
fn g(l: f64, lt: f64, ot: f64, dt: f64, k1: f64, k2: f64) -> (f64, f64) {
    let (e1, e2) = (k1 + l, k2 + l);
    let v = l + ot * l / e1 + dt * l / e2 - lt;
    let dv = 1.0 + ot * k1 / (e1 * e1) + dt * k2 / (e2 * e2);
    (v, dv)
}

/// The free ligand with one binder (total `bt`, dissociation constant `k`): the
/// non-negative root of `L^2 + (k + bt - lt) L - lt k = 0` in the form that does not
/// cancel (exact to rounding).
fn quadratic(lt: f64, bt: f64, k: f64) -> f64 {
    let b = k + bt - lt;
    let disc = (b * b + 4.0 * lt * k).sqrt();
    if b >= 0.0 {
        2.0 * lt * k / (b + disc)
    } else {
        0.5 * (disc - b)
    }
}

/// The free ligand: closed-form root of the quadratic (one decoy) or the cubic (two),
/// polished (see the module doc).
fn free_ligand(lt: f64, ot: f64, dt: f64, k1: f64, k2: f64) -> f64 {
    if lt == 0.0 {
        return 0.0;
    }
    if dt == 0.0 {
        return quadratic(lt, ot, k1);
    }
    if ot == 0.0 {
        return quadratic(lt, dt, k2);
    }
    let guess = cubic_root(lt, ot, dt, k1, k2);
    let (mut lo, mut hi) = (0.0, lt);
    let mut l = if guess.is_finite() && guess > 0.0 && guess < lt {
        guess
    } else {
        // The linearisation for small L: a lower bound of the root.
        lt / (1.0 + ot / k1 + dt / k2)
    };
    for _ in 0..60 {
        let (v, dv) = g(l, lt, ot, dt, k1, k2);
        // At the root to rounding: `g` sums terms of size up to `lt`.
        if v.abs() <= 4.0 * f64::EPSILON * lt {
            return l;
        }
        if v < 0.0 {
            lo = l;
        } else {
            hi = l;
        }
        let mut next = l - v / dv;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - l).abs() <= 1e-15 * l || hi - lo <= 1e-15 * hi {
            return next;
        }
        l = next;
    }
    l
}

/// The largest real root of `L^3 + B L^2 + C L + E = 0` (the cubic of the module doc).
fn cubic_root(lt: f64, ot: f64, dt: f64, k1: f64, k2: f64) -> f64 {
    let b = k1 + k2 + ot + dt - lt;
    let c = k1 * k2 + ot * k2 + dt * k1 - lt * (k1 + k2);
    let e = -lt * k1 * k2;
    let p = c - b * b / 3.0;
    let q = 2.0 * b * b * b / 27.0 - b * c / 3.0 + e;
    let disc = (q / 2.0).powi(2) + (p / 3.0).powi(3);
    let t = if disc < 0.0 {
        let m = 2.0 * (-p / 3.0).sqrt();
        let arg = (3.0 * q / (p * m)).clamp(-1.0, 1.0);
        m * (arg.acos() / 3.0).cos()
    } else {
        let s = disc.sqrt();
        (-q / 2.0 + s).cbrt() + (-q / 2.0 - s).cbrt()
    };
    t - b / 3.0
}
