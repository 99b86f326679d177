//! The quasi-steady solve per cell step: `A c = S` for every species, warm-started
//! from the previous solution, by multigrid in f64 ([`super::multigrid`]).
//!
//! The solver keeps its f64 solution between solves. A solve starts from it while the
//! f32 fields still hold its rounded copy; after an implicit step or a direct write to
//! a field it starts from the f32 field instead. Geometry and uptake changes reach the
//! coarse levels at the next solve. The f32 fields are the f64 solution rounded and
//! clamped at 0 (the iterate can undershoot 0 by the algebraic error where the exact
//! solution is 0 or tiny).
//!
//! A species whose last solve converged and whose inputs have not changed since (the
//! same sources and uptake bit for bit, the same face value, tolerance and geometry,
//! and its field untouched) is not solved again: its solution already meets the
//! tolerance, and a further solve would only polish it below the tolerance (cycle 0
//! smooths before the first residual check). IL-1 and IL-6, whose only sources are
//! the marrow background, are unchanged between geometry updates while the hormone
//! exposure is constant. Inputs are compared through a 64-bit hash of their bits
//! ([`SolveStamp`]), kept in checkpoints so a resumed run skips the same solves.

use serde::{Deserialize, Serialize};

use super::multigrid::{MgSpecies, Multigrid, SpeciesSolve, StageTimes};
use super::operator::{ghost, Balance, Operator};
use super::{FieldError, Fields, Species};

/// What one steady solve did.
#[derive(Clone, Debug, PartialEq)]
pub struct SteadyReport {
    /// Per species, in storage order.
    pub species: Vec<(Species, SpeciesSolve)>,
    /// Whether the solve started from the previous solution.
    pub warm: bool,
    /// Wall time of the solve's stages.
    pub times: StageTimes,
}

impl SteadyReport {
    /// Whether every species reached the tolerance.
    pub fn converged(&self) -> bool {
        self.species.iter().all(|(_, s)| s.converged)
    }

    /// Most V-cycles any species needed.
    pub fn max_cycles(&self) -> usize {
        self.species
            .iter()
            .map(|(_, s)| s.cycles)
            .max()
            .unwrap_or(0)
    }

    /// Largest relative residual at the end.
    pub fn max_relative_residual(&self) -> f64 {
        self.species
            .iter()
            .map(|(_, s)| s.relative_residual)
            .fold(0.0, f64::max)
    }
}

/// The inputs and outcome of a species' last converged steady solve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolveStamp {
    /// Hash of the bits of the sources, uptake, face value and tolerance solved for.
    pub inputs: u64,
    /// Relative residual the solve ended with.
    pub relative_residual: f64,
}

/// FNV-1a over 64-bit words: hashes the bits of a species' solve inputs in a fixed
/// order (one pass over the sources, well below the cost of the residual pass a solve
/// starts with).
struct InputHash(u64);

impl InputHash {
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(Self::PRIME);
    }

    fn values(&mut self, v: &[f32]) {
        let mut pairs = v.chunks_exact(2);
        for p in &mut pairs {
            self.word(u64::from(p[0].to_bits()) | (u64::from(p[1].to_bits()) << 32));
        }
        for x in pairs.remainder() {
            self.word(u64::from(x.to_bits()));
        }
        self.word(v.len() as u64);
    }
}

impl Fields {
    /// Hash of species `s`'s solve inputs at tolerance `tol` (see [`SolveStamp`]).
    fn input_hash(&self, s: usize, c_b: f64, tol: f64) -> u64 {
        let mut h = InputHash::new();
        h.values(&self.source[s]);
        match &self.uptake[s] {
            Some(k) => h.values(k),
            None => h.word(u64::MAX),
        }
        h.word(c_b.to_bits());
        h.word(tol.to_bits());
        h.0
    }

    pub(super) fn mg_species(&self) -> Vec<MgSpecies> {
        let h = self.grid.dx_um;
        self.params
            .iter()
            .map(|p| {
                let (a_ghost, c_b) = ghost(p.boundary);
                MgSpecies {
                    sigma: p.diffusion_um2_per_s / (h * h),
                    lambda: p.decay_per_s,
                    a_ghost,
                    c_b,
                }
            })
            .collect()
    }

    /// Solves the steady problem of every species to the configured tolerance, on the
    /// current rayon pool, and stores the result in the fields.
    pub fn solve_steady(&mut self) -> Result<SteadyReport, FieldError> {
        let all: Vec<usize> = (0..self.params.len()).collect();
        self.solve_steady_species(&all)
    }

    /// Solves the steady problem of the species at storage indices `which`.
    pub fn solve_steady_species(&mut self, which: &[usize]) -> Result<SteadyReport, FieldError> {
        let dims = self.grid.dims;
        let species = self.mg_species();
        let mut warm = true;
        let rebuild = self
            .steady
            .as_ref()
            .is_none_or(|mg| !mg.matches_except_faces(dims, &species));
        if rebuild {
            let uptake: Vec<Option<&[f32]>> = self.uptake.iter().map(|k| k.as_deref()).collect();
            self.steady = Some(Multigrid::new(
                dims,
                &self.geometry.conductance,
                &uptake,
                species.clone(),
            ));
            self.geometry_changed = false;
            self.uptake_changed = false;
        }
        if rebuild || self.geometry_changed || self.uptake_changed {
            self.solved.fill(None);
        }
        let tol = self.settings.steady_tolerance;
        let mut hashes = vec![0u64; self.params.len()];
        for &s in which {
            if s >= self.params.len() {
                return Err(FieldError::Grid(format!("no species at index {s}")));
            }
            hashes[s] = self.input_hash(s, species[s].c_b, tol);
        }
        let mg = self.steady.as_mut().expect("built above");
        mg.set_face_values(&species);
        let mut refresh_ms = 0.0;
        if self.geometry_changed || self.uptake_changed {
            let start = std::time::Instant::now();
            let uptake: Vec<Option<&[f32]>> = self.uptake.iter().map(|k| k.as_deref()).collect();
            mg.set_coefficients(&self.geometry.conductance, &uptake);
            self.geometry_changed = false;
            self.uptake_changed = false;
            refresh_ms = start.elapsed().as_secs_f64() * 1e3;
        }
        let mut active = Vec::new();
        let mut skipped = Vec::new();
        for &s in which {
            match self.solved[s] {
                Some(stamp) if self.steady_in_sync[s] && stamp.inputs == hashes[s] => {
                    skipped.push((s, stamp.relative_residual));
                    continue;
                }
                _ => {}
            }
            active.push(s);
            if rebuild || !self.steady_in_sync[s] {
                warm = false;
                let x = mg.solution_mut(s);
                for (x, &c) in x.iter_mut().zip(&self.conc[s]) {
                    *x = f64::from(c);
                }
            }
        }
        let sources: Vec<&[f32]> = self.source.iter().map(Vec::as_slice).collect();
        let mut solves = if active.is_empty() {
            mg.times = StageTimes::default();
            Vec::new()
        } else {
            mg.solve(&sources, &active, tol, self.settings.max_cycles)
        };
        solves.resize_with(self.params.len(), || SpeciesSolve {
            cycles: 0,
            relative_residual: 0.0,
            converged: true,
            history: Vec::new(),
        });
        for &(s, rel) in &skipped {
            solves[s].relative_residual = rel;
        }
        for &s in &active {
            // The exact discrete solution is non-negative (an M-matrix with
            // non-negative data); the iterate may miss 0 by the algebraic error where
            // the solution is 0 or tiny, and the field cells read is clamped there.
            for (c, &x) in self.conc[s].iter_mut().zip(mg.solution(s)) {
                *c = (x as f32).max(0.0);
            }
            self.steady_in_sync[s] = true;
            self.solved[s] = solves[s].converged.then_some(SolveStamp {
                inputs: hashes[s],
                relative_residual: solves[s].relative_residual,
            });
        }
        Ok(SteadyReport {
            species: which
                .iter()
                .map(|&s| (self.params[s].species, solves[s].clone()))
                .collect(),
            warm,
            times: StageTimes {
                refresh_ms,
                ..mg.times
            },
        })
    }

    /// The steady solver's f64 solution of `species`, if a solve has run and the
    /// fields have not changed since.
    pub fn steady_solution(&self, species: Species) -> Result<Option<&[f64]>, FieldError> {
        let s = self.require(species)?;
        Ok(self
            .steady
            .as_ref()
            .filter(|_| self.steady_in_sync[s])
            .map(|mg| mg.solution(s)))
    }

    fn operator(&self, s: usize) -> Operator<'_> {
        Operator {
            dims: self.grid.dims,
            dx_um: self.grid.dx_um,
            conductance: &self.geometry.conductance,
            params: self.params[s],
            source: &self.source[s],
            uptake: self.uptake[s].as_deref(),
        }
    }

    /// Relative residual `||S - A c|| / ||S + boundary terms||` of `species`, from the
    /// steady solver's f64 solution when it is current, else from the f32 field.
    pub fn relative_residual(&self, species: Species) -> Result<f64, FieldError> {
        let s = self.require(species)?;
        let op = self.operator(s);
        let (r, b) = match self.steady_solution(species)? {
            Some(x) => op.residual_norms(&|i| x[i]),
            None => {
                let c = &self.conc[s];
                op.residual_norms(&|i| f64::from(c[i]))
            }
        };
        Ok(if b > 0.0 { r / b } else { r })
    }

    /// Mass balance of `species` (molecules/s), from the same field as
    /// [`Fields::relative_residual`].
    pub fn balance(&self, species: Species) -> Result<Balance, FieldError> {
        let s = self.require(species)?;
        let op = self.operator(s);
        Ok(match self.steady_solution(species)? {
            Some(x) => op.balance(&|i| x[i]),
            None => {
                let c = &self.conc[s];
                op.balance(&|i| f64::from(c[i]))
            }
        })
    }
}
