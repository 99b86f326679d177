//! Cytokine fields: reaction-diffusion in the marrow on a grid coarser than the
//! lattice, binding equilibria, and the solvers.
//!
//! Species (one contiguous f32 array each, pM): RANKL, OPG, IL-1, IL-6, TNF-alpha,
//! TGF-beta and denosumab in tissue ([`Species`]). Each diffuses in marrow with its own
//! coefficient, decays first-order, and meets the domain faces with no flux or a fixed
//! value (a vascular supply); bone does not conduct (or conducts a configured
//! fraction), and the geometry follows the lattice as bone is remodeled
//! ([`Fields::update_geometry`]). Parameters and their sources: [`crate::config::fields`].
//! Geometry and discretisation: [`grid`].
//!
//! Two solvers of the same operator `A c = (cap lambda + k) c - div(D a grad c)`:
//!
//! - **Quasi-steady** ([`Fields::solve_steady`]): `A c = S` once per cell step.
//!   Cytokines relax in minutes (sqrt(D t_half) is 0.3-0.6 mm) while cells act over
//!   days, so the fields are in equilibrium with the current sources. Geometric
//!   multigrid (V-cycles, red-black Gauss-Seidel smoothing, exact coarsest solve) in
//!   f64, warm-started from the previous solution: see [`multigrid`] for why f64 and
//!   the module-level measurements below for why multigrid.
//! - **Implicit** ([`Fields::step_implicit`]): one backward-Euler step, for short time
//!   scales and for the comparison with BioFVM's implicit LOD step. Red-black SOR with
//!   an a-priori iteration count, fused into one cache-blocked pass: [`implicit`],
//!   [`sweep`].
//!
//! Why multigrid for the steady solve, measured. The operator's condition number is
//! about `1 + 12 D / (h^2 lambda)` until the domain size caps it: about 2e5 for OPG
//! (D 30 um^2/s, 0.35 /d) on 20 um cells, because the slowest species decay over days
//! while diffusing across the domain in minutes. On that operator (no-flux cube of 20
//! um cells, one point source per 125 cells plus background), Jacobi-preconditioned
//! CG needs 175 / 307 iterations (RANKL), 152 / 207 (IL-1) and 200 / 374 (OPG) on
//! 32^3 / 64^3 cells to reach a relative residual of 1e-6, growing with the grid as
//! its square-root dependence on the condition number predicts. The V-cycle here
//! (2 + 2 red-black Gauss-Seidel sweeps, true-extent finite-volume coarsening) reduces
//! the residual by about 0.13 per cycle for every species at 32^3 .. 128^3, odd sizes
//! included: 6 cycles to 1e-6 from a cold start (`trabecula bench fields`), each
//! costing about as much as a few CG iterations (one fused smoothing pass, one
//! residual pass, one prolongation pass and the coarse levels, an eighth as large). On trabecular-like geometry (bone
//! plates and rods, partial cells) the slowest species need 8 to 11 cycles. Sealed
//! marrow pockets, which no geometric coarse grid represents, get an exact
//! constant-mode correction ([`multigrid`]).

//! Cost, measured on the same problem as the implicit step (2 threads, 2-vCPU Xeon
//! Skylake-SP guest; see [`implicit`] for the machine): a cold solve of 5 species on
//! 100^3 cells to 1e-6 takes 6 V-cycles, 0.65-0.9 s; a warm solve after a typical
//! day's change of the sources (5% of the secreting cells move one cell, 1% are
//! replaced, rates drift 0.5%) 5 V-cycles, 0.53-0.59 s, about 25 implicit steps; the
//! same to a relative residual of 1e-3 (cells read their signals to about 0.1%) 2
//! V-cycles, 0.23-0.27 s. What bounds the warm solve: moving point sources leave a
//! relative residual of 0.34 (the residual's norm is dominated by the few cells whose
//! sources changed, whatever the smooth background does), so 1e-6 needs five and a
//! half orders at 0.13 per cycle; each cycle streams the f64 solution through a fused
//! smoothing sweep, a residual pass and a prolongation pass, the equivalent of four
//! to five implicit steps. Rebuilding the coarse operators after a geometry change
//! takes about 25 ms.
//!
//! Sources and sinks enter through one interface ([`sources`]); binding of RANKL to OPG
//! and denosumab is a local equilibrium solved exactly ([`binding`]).
//!
//! Determinism: every kernel computes each cell from the previous iterate by a fixed
//! formula, sums are taken in a fixed order, and iteration counts are fixed or decided
//! from such sums, so results are bit-identical for any thread count.

pub mod bench;
pub mod binding;
pub mod coarse;
mod finest;
pub mod grid;
pub mod implicit;
pub mod multigrid;
pub mod operator;
mod regions;
pub mod sources;
pub mod species;
mod state;
mod steady;
pub mod sweep;

pub use binding::{Binding, BoundRankl};
pub use grid::{FieldGrid, Geometry};
pub use implicit::ImplicitReport;
pub use multigrid::{SpeciesSolve, StageTimes};
pub use operator::Balance;
pub use sources::Position;
pub use species::{Boundary, Species, SpeciesParams};
pub use state::FieldState;
pub use steady::{SolveStamp, SteadyReport};

use crate::config::fields::FieldsConfig;
use crate::lattice::Lattice;

/// What can go wrong with a field operation.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    /// The grid or the lattice behind it is unusable.
    #[error("field grid: {0}")]
    Grid(String),
    /// The fields do not hold this species.
    #[error("species {0} is not among the fields")]
    NoSuchSpecies(Species),
    /// A position outside the domain.
    #[error("position {0:?} is outside the field domain")]
    OutsideDomain(Position),
    /// A rate, time or concentration that is negative, infinite or NaN.
    #[error("{what} must be finite and non-negative, got {value}")]
    BadValue {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: f64,
    },
}

/// Solver settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolverSettings {
    /// Algebraic error of an implicit step relative to its change (max norm).
    pub implicit_tolerance: f64,
    /// Relative residual at which the steady solve stops.
    pub steady_tolerance: f64,
    /// Most V-cycles per steady solve: a safety net, not a tolerance. A solve that
    /// converges stops long before it (most need a few to a few tens); the slowest
    /// seen in ready configs, OPG after a large change of its sources next to a
    /// marrow pocket joined to the rest by a narrow channel, contracts by about 0.97
    /// per cycle and needed 122 at tolerance 1e-3. [`MAX_CYCLES`] covers the default
    /// tolerance at that rate.
    pub max_cycles: usize,
}

/// Default of [`SolverSettings::max_cycles`]: from a relative residual of 3e-2
/// after the first cycles, a contraction of 0.973 per cycle reaches the default
/// tolerance 1e-6 in 376 cycles.
pub const MAX_CYCLES: usize = 400;

impl Default for SolverSettings {
    fn default() -> Self {
        let c = FieldsConfig::default();
        Self {
            implicit_tolerance: c.implicit_tolerance,
            steady_tolerance: c.steady_tolerance,
            max_cycles: MAX_CYCLES,
        }
    }
}

/// The fields of several species on one grid, with their sources and solvers.
pub struct Fields {
    grid: FieldGrid,
    geometry: Geometry,
    params: Vec<SpeciesParams>,
    settings: SolverSettings,
    conc: Vec<Vec<f32>>,
    source: Vec<Vec<f32>>,
    uptake: Vec<Option<Vec<f32>>>,
    uptake_changed: bool,
    geometry_changed: bool,
    steady: Option<multigrid::Multigrid>,
    /// Per species: whether the f32 field is the rounded steady solution (else the
    /// next steady solve starts from the f32 field).
    steady_in_sync: Vec<bool>,
    /// Per species: the inputs and result of its last converged steady solve, so an
    /// unchanged species is not solved again ([`steady`]).
    solved: Vec<Option<SolveStamp>>,
    scratch: sweep::Scratch<f32>,
}

impl Fields {
    /// Fields of `params` on `grid` with `geometry`, all zero.
    pub fn new(
        grid: FieldGrid,
        geometry: Geometry,
        params: Vec<SpeciesParams>,
        settings: SolverSettings,
    ) -> Result<Self, FieldError> {
        let n = grid.dims.len();
        if geometry.conductance.len() != n || geometry.marrow_fraction.len() != n {
            return Err(FieldError::Grid(format!(
                "geometry has {} cells, the grid {n}",
                geometry.conductance.len()
            )));
        }
        for p in &params {
            let ok = p.diffusion_um2_per_s.is_finite()
                && p.diffusion_um2_per_s > 0.0
                && p.decay_per_s.is_finite()
                && p.decay_per_s > 0.0;
            if !ok {
                return Err(FieldError::BadValue {
                    what: "diffusion coefficient and decay rate (positive)",
                    value: p.diffusion_um2_per_s.min(p.decay_per_s),
                });
            }
            if let Boundary::Fixed { value_pm } = p.boundary {
                check_value("boundary value (pM)", value_pm)?;
            }
        }
        let ns = params.len();
        Ok(Self {
            grid,
            geometry,
            params,
            settings,
            conc: vec![vec![0.0; n]; ns],
            source: vec![vec![0.0; n]; ns],
            uptake: vec![None; ns],
            uptake_changed: true,
            geometry_changed: true,
            steady: None,
            steady_in_sync: vec![false; ns],
            solved: vec![None; ns],
            scratch: sweep::Scratch::default(),
        })
    }

    /// All seven species of a validated config on the grid of `lattice`.
    pub fn from_config(config: &FieldsConfig, lattice: &Lattice) -> Result<Self, FieldError> {
        let grid = FieldGrid::for_lattice(lattice.dims, lattice.voxel_um, config.coarsening)?;
        let mut geometry = Geometry::marrow(grid.dims, config.bone_diffusion_ratio);
        geometry.update(&grid, lattice)?;
        let settings = SolverSettings {
            implicit_tolerance: config.implicit_tolerance,
            steady_tolerance: config.steady_tolerance,
            ..SolverSettings::default()
        };
        Self::new(grid, geometry, SpeciesParams::all(config), settings)
    }

    /// The grid.
    pub fn grid(&self) -> &FieldGrid {
        &self.grid
    }

    /// The bone/marrow geometry.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The species held, with their parameters, in storage order.
    pub fn species(&self) -> &[SpeciesParams] {
        &self.params
    }

    /// Solver settings.
    pub fn settings(&self) -> &SolverSettings {
        &self.settings
    }

    /// Changes the solver settings.
    pub fn set_settings(&mut self, settings: SolverSettings) {
        self.settings = settings;
    }

    /// Storage index of `species`.
    pub fn index_of(&self, species: Species) -> Option<usize> {
        self.params.iter().position(|p| p.species == species)
    }

    pub(crate) fn require(&self, species: Species) -> Result<usize, FieldError> {
        self.index_of(species)
            .ok_or(FieldError::NoSuchSpecies(species))
    }

    /// Concentration of `species` per field cell, pM.
    pub fn concentration(&self, species: Species) -> Result<&[f32], FieldError> {
        Ok(&self.conc[self.require(species)?])
    }

    /// Concentration of `species` per field cell, pM, to set an initial condition.
    pub fn concentration_mut(&mut self, species: Species) -> Result<&mut [f32], FieldError> {
        let s = self.require(species)?;
        self.steady_in_sync[s] = false;
        Ok(&mut self.conc[s])
    }

    /// Sets the value held at the faces of a species with a fixed-value boundary
    /// (e.g. the tissue level of denosumab from pharmacokinetics).
    pub fn set_boundary_value(
        &mut self,
        species: Species,
        value_pm: f64,
    ) -> Result<(), FieldError> {
        check_value("boundary value (pM)", value_pm)?;
        let s = self.require(species)?;
        match &mut self.params[s].boundary {
            Boundary::Fixed { value_pm: v } => {
                *v = value_pm;
                Ok(())
            }
            Boundary::NoFlux => Err(FieldError::Grid(format!(
                "{species} has no-flux faces; a face value applies to boundary = \"fixed\" only"
            ))),
        }
    }

    /// Recomputes the bone/marrow geometry from the lattice after remodeling: one pass
    /// over the lattice; the steady solver's coarse levels follow on its next solve.
    pub fn update_geometry(&mut self, lattice: &Lattice) -> Result<(), FieldError> {
        self.geometry.update(&self.grid, lattice)?;
        self.geometry_changed = true;
        Ok(())
    }

    /// Replaces the geometry (marrow fraction per field cell).
    pub fn set_marrow_fraction(&mut self, marrow_fraction: Vec<f32>) -> Result<(), FieldError> {
        if marrow_fraction.len() != self.grid.dims.len() {
            return Err(FieldError::Grid(format!(
                "{} marrow fractions for {} cells",
                marrow_fraction.len(),
                self.grid.dims.len()
            )));
        }
        let ratio = f64::from(self.geometry.bone_conductance).powi(2);
        self.geometry = Geometry::from_marrow_fraction(marrow_fraction, ratio);
        self.geometry_changed = true;
        Ok(())
    }

    /// One backward-Euler step of `dt_s` seconds for every species, on the current
    /// rayon pool.
    pub fn step_implicit(&mut self, dt_s: f64) -> Result<ImplicitReport, FieldError> {
        if !(dt_s.is_finite() && dt_s > 0.0) {
            return Err(FieldError::BadValue {
                what: "time step (s, positive)",
                value: dt_s,
            });
        }
        let h = self.grid.dx_um;
        let tol = self.settings.implicit_tolerance;
        let inputs: Vec<sweep::SpeciesInput<'_, f32>> = self
            .params
            .iter()
            .enumerate()
            .map(|(s, p)| sweep::SpeciesInput {
                source: &self.source[s],
                uptake: self.uptake[s].as_deref(),
                coeffs: implicit::coefficients(p, h, dt_s, tol),
            })
            .collect();
        let report = ImplicitReport {
            iterations: inputs.iter().map(|i| i.coeffs.iterations).collect(),
            omega: inputs.iter().map(|i| f64::from(i.coeffs.omega)).collect(),
            r: self
                .params
                .iter()
                .map(|p| p.diffusion_um2_per_s * dt_s / (h * h))
                .collect(),
        };
        let mut fields: Vec<&mut [f32]> = self.conc.iter_mut().map(Vec::as_mut_slice).collect();
        sweep::sweep(
            self.grid.dims,
            &self.geometry.conductance,
            &mut fields,
            &inputs,
            &mut self.scratch,
        );
        self.steady_in_sync.fill(false);
        Ok(report)
    }

    /// Working memory of the implicit step: bytes per voxel-species of the fields,
    /// sources, uptake, shared geometry and the step's scratch.
    pub fn implicit_bytes_per_voxel_species(&self) -> f64 {
        let n = self.grid.dims.len();
        let ns = self.params.len().max(1);
        let fields = self
            .conc
            .iter()
            .chain(&self.source)
            .map(|v| v.len() * 4)
            .sum::<usize>();
        let uptake: usize = self.uptake.iter().flatten().map(|v| v.len() * 4).sum();
        let geometry = 4 * (self.geometry.conductance.len() + self.geometry.marrow_fraction.len());
        (fields + uptake + geometry + self.scratch.bytes()) as f64 / (n * ns) as f64
    }

    /// Bytes held by the steady solver (f64 solutions and the multigrid hierarchy).
    pub fn steady_bytes(&self) -> usize {
        self.steady.as_ref().map_or(0, multigrid::Multigrid::bytes)
    }
}

fn check_value(what: &'static str, v: f64) -> Result<(), FieldError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(FieldError::BadValue { what, value: v })
    }
}
