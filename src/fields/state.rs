//! The evolving state of [`Fields`] for checkpoints: what a run needs to continue
//! bit-identically, and nothing that is rebuilt from the config.
//!
//! Held: the geometry (it follows the lattice only every few days, so it is not a
//! function of the current lattice), the f32 concentrations, the steady solver's f64
//! solutions (the warm start of the next solve: a solve started from the rounded f32
//! field converges to different bits), which species are in sync with them, the
//! pending geometry/uptake-change flags, and the stamps of the last converged solves
//! (which decide whether the next solve of a species is skipped).
//!
//! Not held, because nothing the run does depends on them across a step: sources
//! (cleared and rewritten before every solve), the multigrid hierarchy below the
//! finest solution (coarse operators, diagonals, Cholesky factors and sealed-region
//! lists are computed from the geometry alone by [`Multigrid::new`] and
//! `set_coefficients`, and coarse corrections start from zero every V-cycle),
//! scratch buffers, and species parameters (from the config; a run never changes
//! them).

use serde::{Deserialize, Serialize};

use super::multigrid::Multigrid;
use super::{FieldError, Fields, Geometry, SolveStamp};

/// See the [module documentation](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldState {
    /// Bone/marrow geometry the operators use.
    pub geometry: Geometry,
    /// Concentration per species and field cell, pM.
    pub conc: Vec<Vec<f32>>,
    /// The steady solver's f64 solution per species, if a solve has run, pM.
    pub steady_solution: Option<Vec<Vec<f64>>>,
    /// Per species: whether the f32 field is the rounded steady solution.
    pub steady_in_sync: Vec<bool>,
    /// A geometry change not yet applied to the solver's coarse levels.
    pub geometry_changed: bool,
    /// An uptake change not yet applied to the solver's coarse levels.
    pub uptake_changed: bool,
    /// Per species: the inputs and result of its last converged steady solve (an
    /// unchanged species is not solved again, so a resumed run must know them).
    pub solved: Vec<Option<SolveStamp>>,
}

impl Fields {
    /// The evolving state (see the [module documentation](self)).
    pub fn state(&self) -> FieldState {
        FieldState {
            geometry: self.geometry.clone(),
            conc: self.conc.clone(),
            steady_solution: self.steady.as_ref().map(|mg| {
                (0..self.params.len())
                    .map(|s| mg.solution(s).to_vec())
                    .collect()
            }),
            steady_in_sync: self.steady_in_sync.clone(),
            geometry_changed: self.geometry_changed,
            uptake_changed: self.uptake_changed,
            solved: self.solved.clone(),
        }
    }

    /// Puts back a state taken by [`Fields::state`] from fields of the same config:
    /// the solver is rebuilt from the restored geometry and given its solutions.
    pub fn restore(&mut self, state: FieldState) -> Result<(), FieldError> {
        let n = self.grid.dims.len();
        let ns = self.params.len();
        let mismatch = |what: &str| FieldError::Grid(format!("checkpoint {what} do not match"));
        if state.geometry.conductance.len() != n
            || state.geometry.marrow_fraction.len() != n
            || state.conc.len() != ns
            || state.conc.iter().any(|c| c.len() != n)
            || state.steady_in_sync.len() != ns
            || state.solved.len() != ns
        {
            return Err(mismatch("field sizes"));
        }
        self.geometry = state.geometry;
        self.conc = state.conc;
        self.steady_in_sync = state.steady_in_sync;
        self.steady = match state.steady_solution {
            None => None,
            Some(solutions) => {
                if solutions.len() != ns || solutions.iter().any(|x| x.len() != n) {
                    return Err(mismatch("steady solutions"));
                }
                let uptake: Vec<Option<&[f32]>> =
                    self.uptake.iter().map(|k| k.as_deref()).collect();
                let mut mg = Multigrid::new(
                    self.grid.dims,
                    &self.geometry.conductance,
                    &uptake,
                    self.mg_species(),
                );
                for (s, x) in solutions.iter().enumerate() {
                    mg.solution_mut(s).copy_from_slice(x);
                }
                Some(mg)
            }
        };
        self.geometry_changed = state.geometry_changed;
        self.uptake_changed = state.uptake_changed;
        self.solved = state.solved;
        Ok(())
    }
}
