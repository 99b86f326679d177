//! Geometric multigrid for the steady problem `A c = S` of every species at once, in
//! f64.
//!
//! `A c = (cap lambda + k) c + (D / h^2) sum_f a_i a_f (c_i - c_f)` (see
//! [`super::operator`]). Cell-centred levels, each halving the cell count per axis
//! (rounded up) until every axis has at most [`COARSEST_AXIS`] cells; the coarse
//! operator is rediscretised from the volume-averaged conductance and uptake of the
//! children; the residual is restricted by averaging the children and corrections are
//! prolongated trilinearly (cell-centred weights 3/4 and 1/4 per axis, clamped at the
//! faces). Smoothing is red-black Gauss-Seidel through the fused sweep of
//! [`super::sweep`]; the coarsest level is solved exactly (dense Cholesky, at most
//! 64 unknowns).
//!
//! Why f64: the solution is wanted to a relative residual of 1e-6, but an f32 field
//! cannot have a residual below about `kappa * 6e-8` relative (rounding the exact
//! solution to f32 already leaves that much), and `kappa = 12 D / (h^2 lambda)` is about
//! 2e5 for OPG on 20 um cells. The solver keeps its f64 solution between solves as
//! the warm start; the f32 fields are rounded copies.

use nalgebra::DVector;
use rayon::prelude::*;

use crate::grid::Dims;

use super::coarse::{self, average_cells, FaceOperator, Fine, LevelSpecies};
use super::finest::{self, Finest};
use super::operator::capacity;
use super::regions;
use super::sweep::{self, Coeffs, Scratch, SpeciesInput};

/// Largest extent of the coarsest level along any axis.
pub const COARSEST_AXIS: usize = 4;

/// Isolated marrow regions up to this many cells get no coarse correction: coarse
/// cells straddle their walls, so a coarse correction would only carry the outside's
/// error into them; smoothing and the exact constant-mode correction
/// (the multigrid's deflation step) converge them. Larger isolated regions keep the coarse
/// correction for their smooth modes.
pub const SMALL_REGION_CELLS: usize = 4096;

/// Transport constants of one species on the finest level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MgSpecies {
    /// `D / h^2` on the finest level, 1/s.
    pub sigma: f64,
    /// Decay rate, 1/s.
    pub lambda: f64,
    /// Ghost conductance of the boundary faces (0 no flux, 2 fixed value).
    pub a_ghost: f64,
    /// Fixed face value, pM (finest level only; corrections have 0).
    pub c_b: f64,
}

/// One level of the hierarchy.
struct Level {
    dims: Dims,
    /// Face operator (coarse levels; the finest uses product-rule faces).
    op: Option<FaceOperator>,
    /// Uptake rate per species (absent: none), 1/s.
    k: Vec<Option<Vec<f32>>>,
    /// Solution (finest) or correction, per species.
    x: Vec<Vec<f64>>,
    /// Right-hand side per species, pM/s.
    b: Vec<Vec<f64>>,
    /// Diagonal per species (coarse levels).
    diag: Vec<Vec<f64>>,
    /// Reciprocal diagonal per species (coarse levels).
    inv_diag: Vec<Vec<f64>>,
}

impl Level {
    fn bytes(&self) -> usize {
        let k: usize = self.k.iter().flatten().map(|v| v.capacity() * 4).sum();
        let xb: usize = self
            .x
            .iter()
            .chain(&self.b)
            .chain(&self.diag)
            .chain(&self.inv_diag)
            .map(|v| v.capacity() * 8)
            .sum();
        self.op.as_ref().map_or(0, FaceOperator::bytes) + k + xb
    }
}

/// Convergence of one species in one solve.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeciesSolve {
    /// V-cycles run.
    pub cycles: usize,
    /// Relative residual `||S - A c|| / ||S + boundary terms||` at the end.
    pub relative_residual: f64,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Relative residual after each cycle (the first entry before any coarse
    /// correction).
    pub history: Vec<f64>,
}

/// Wall time of a solve's stages, ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct StageTimes {
    /// Smoothing on the finest level.
    pub fine_smoothing_ms: f64,
    /// Residual and restriction on the finest level.
    pub fine_residual_ms: f64,
    /// Everything on the coarse levels.
    pub coarse_ms: f64,
    /// Prolongation to the finest level.
    pub prolongation_ms: f64,
    /// Isolated-region corrections.
    pub deflation_ms: f64,
    /// Right-hand side set-up.
    pub setup_ms: f64,
    /// Coarse operators rebuilt after a geometry or uptake change.
    pub refresh_ms: f64,
}

/// The hierarchy and its solutions.
pub(crate) struct Multigrid {
    /// Conductance factors of the finest level.
    a: Vec<f32>,
    levels: Vec<Level>,
    species: Vec<MgSpecies>,
    coarse: Vec<Option<nalgebra::Cholesky<f64, nalgebra::Dyn>>>,
    scratch: Scratch<f64>,
    /// Cells of every connected marrow region except the largest (see
    /// [`Multigrid::deflate`]).
    isolated: Vec<Vec<u32>>,
    /// Finest-level cells left out of the coarse correction: those of isolated regions
    /// of at most [`SMALL_REGION_CELLS`] cells (absent when there are none).
    excluded: Option<Vec<bool>>,
    /// Red-black Gauss-Seidel iterations before and after the coarse correction.
    pub smoothing: (usize, usize),
    /// Stage times of the last solve.
    pub times: StageTimes,
}

/// The residual pass over the fine planes of one coarse plane: the residual of every
/// species of `todo`, its squared norm and its restriction to the coarse right-hand
/// side (see [`Multigrid::residual_restrict`]).
struct PlaneResidual<'a> {
    todo: &'a [usize],
    level: &'a Level,
    a: &'a [f32],
    fd: Dims,
    cd: Dims,
    has_coarse: bool,
    excluded: Option<&'a [bool]>,
    species: &'a [MgSpecies],
    sps: &'a [LevelSpecies],
}

impl PlaneResidual<'_> {
    /// Runs the pass for coarse plane `cz` with the widest vector instructions the CPU
    /// has. The kernels leave every floating-point operation to the compiler as
    /// written (Rust never contracts a multiply and an add, nor reorders a sum), so
    /// both builds give the same bits.
    fn run(&self, cz: usize, planes: &mut [&mut [f64]]) -> Vec<f64> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                #[expect(unsafe_code, reason = "calls the AVX2 build of the residual pass")]
                // SAFETY: `run_avx2` only requires AVX2 and FMA, both detected just
                // above; the residual pass is a measured hot path of the steady solve.
                unsafe {
                    return self.run_avx2(cz, planes);
                }
            }
        }
        self.run_portable(cz, planes)
    }

    #[cfg(target_arch = "x86_64")]
    #[expect(
        unsafe_code,
        reason = "a target-feature function is unsafe to call; the caller checks the CPU"
    )]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2(&self, cz: usize, planes: &mut [&mut [f64]]) -> Vec<f64> {
        self.run_portable(cz, planes)
    }

    #[inline(always)]
    fn run_portable(&self, cz: usize, planes: &mut [&mut [f64]]) -> Vec<f64> {
        let (fd, cd, f, a) = (self.fd, self.cd, self.level, self.a);
        let todo = self.todo;
        let mut rr = vec![0.0; todo.len()];
        let mut row = vec![0.0; fd.nx];
        let mut scratch = vec![0.0; fd.nx];
        let zeros = vec![0.0; fd.nx];
        for p in planes.iter_mut() {
            p.fill(0.0);
        }
        let z_range = if self.has_coarse {
            2 * cz..(2 * cz + 2).min(fd.nz)
        } else {
            cz..cz + 1
        };
        for z in z_range {
            for y in 0..fd.ny {
                for (t, &s) in todo.iter().enumerate() {
                    match &f.op {
                        None => finest::residual_row(
                            &Finest {
                                dims: fd,
                                a,
                                x: &f.x[s],
                                b: &f.b[s],
                                k: f.k[s].as_deref(),
                            },
                            &self.species[t],
                            self.sps[t].sigma,
                            y,
                            z,
                            &mut row,
                            &mut scratch,
                        ),
                        Some(op) => coarse::residual_row(
                            op,
                            &self.sps[t],
                            &f.diag[s],
                            &f.x[s],
                            &f.b[s],
                            y,
                            z,
                            &zeros,
                            &mut row,
                        ),
                    }
                    rr[t] += finest::sum_squares(&row);
                    if self.has_coarse {
                        let cy = y / 2;
                        let dst = &mut planes[t][cy * cd.nx..(cy + 1) * cd.nx];
                        let skip = self.excluded.map(|m| &m[fd.index(0, y, z)..][..fd.nx]);
                        finest::restrict_row(&row, skip, dst);
                    }
                }
            }
        }
        rr
    }
}

/// Runs `f` and adds its wall time to `acc` (ms).
fn timed<R>(acc: &mut f64, f: impl FnOnce() -> R) -> R {
    let t = std::time::Instant::now();
    let r = f();
    *acc += t.elapsed().as_secs_f64() * 1e3;
    r
}

/// Extents of the levels of a grid of `dims`, finest first.
fn level_dims(dims: Dims) -> Vec<Dims> {
    let mut out = vec![dims];
    let mut d = dims;
    while d.nx.max(d.ny).max(d.nz) > COARSEST_AXIS {
        d = Dims::new(d.nx.div_ceil(2), d.ny.div_ceil(2), d.nz.div_ceil(2));
        out.push(d);
    }
    out
}

impl Multigrid {
    /// A hierarchy for `species` on `dims` with the finest level's geometry and uptake.
    pub fn new(
        dims: Dims,
        conductance: &[f32],
        uptake: &[Option<&[f32]>],
        species: Vec<MgSpecies>,
    ) -> Self {
        let ns = species.len();
        let levels = level_dims(dims)
            .into_iter()
            .map(|d| Level {
                dims: d,
                op: None,
                k: vec![None; ns],
                x: vec![vec![0.0; d.len()]; ns],
                b: vec![vec![0.0; d.len()]; ns],
                diag: vec![Vec::new(); ns],
                inv_diag: vec![Vec::new(); ns],
            })
            .collect();
        let mut mg = Self {
            a: conductance.to_vec(),
            levels,
            species,
            coarse: Vec::new(),
            scratch: Scratch::default(),
            isolated: Vec::new(),
            excluded: None,
            smoothing: (2, 2),
            times: StageTimes::default(),
        };
        mg.set_coefficients(conductance, uptake);
        mg
    }

    /// Bytes held by the hierarchy (solutions included).
    pub fn bytes(&self) -> usize {
        self.a.capacity() * 4
            + self.levels.iter().map(Level::bytes).sum::<usize>()
            + self.scratch.bytes()
    }

    /// Whether the hierarchy was built for these species constants (face values
    /// aside: they change without a rebuild).
    pub fn matches_except_faces(&self, dims: Dims, species: &[MgSpecies]) -> bool {
        self.levels[0].dims == dims
            && self.species.len() == species.len()
            && self
                .species
                .iter()
                .zip(species)
                .all(|(a, b)| a.sigma == b.sigma && a.lambda == b.lambda && a.a_ghost == b.a_ghost)
    }

    /// Updates the fixed face values (they enter the finest level only).
    pub fn set_face_values(&mut self, species: &[MgSpecies]) {
        for (m, s) in self.species.iter_mut().zip(species) {
            m.c_b = s.c_b;
        }
    }

    /// Takes new geometry or uptake: coarsens them and refactors the coarsest level.
    pub fn set_coefficients(&mut self, conductance: &[f32], uptake: &[Option<&[f32]>]) {
        let ns = self.species.len();
        self.a.copy_from_slice(conductance);
        for s in 0..ns {
            self.levels[0].k[s] = uptake[s].map(<[f32]>::to_vec);
        }
        for l in 1..self.levels.len() {
            let (fine, coarse) = self.levels.split_at_mut(l);
            let (f, c) = (&fine[l - 1], &mut coarse[0]);
            let src = match &f.op {
                None => Fine::Product {
                    dims: f.dims,
                    a: &self.a,
                },
                Some(op) => Fine::Faces(op),
            };
            c.op = Some(FaceOperator::coarsen(&src, c.dims));
            for s in 0..ns {
                c.k[s] = f.k[s].as_ref().map(|fk| {
                    let mut ck = vec![0.0; c.dims.len()];
                    average_cells(f.dims, c.dims, &|i| fk[i], &mut ck);
                    ck
                });
            }
        }
        for l in 1..self.levels.len() {
            for s in 0..ns {
                let sp = self.level_species(l, s);
                let lv = &mut self.levels[l];
                let op = lv.op.as_ref().expect("coarse levels have face operators");
                let d = coarse::diagonal(op, &sp, lv.k[s].as_deref());
                lv.inv_diag[s] = d.iter().map(|v| 1.0 / v).collect();
                lv.diag[s] = d;
            }
        }
        self.isolated = regions::isolated_regions(self.levels[0].dims, &self.a);
        let small: Vec<&Vec<u32>> = self
            .isolated
            .iter()
            .filter(|r| r.len() <= SMALL_REGION_CELLS)
            .collect();
        self.excluded = (!small.is_empty()).then(|| {
            let mut m = vec![false; self.a.len()];
            for &i in small.iter().copied().flatten() {
                m[i as usize] = true;
            }
            m
        });
        let last = self.levels.len() - 1;
        self.coarse = (0..ns)
            .map(|s| {
                let lv = &self.levels[last];
                let m = match &lv.op {
                    Some(op) => coarse::dense(op, &self.level_species(last, s), lv.k[s].as_deref()),
                    None => finest::dense_product(
                        lv.dims,
                        &self.a,
                        lv.k[s].as_deref(),
                        &self.species[s],
                    ),
                };
                m.cholesky()
            })
            .collect();
    }

    fn level_species(&self, l: usize, s: usize) -> LevelSpecies {
        let sp = &self.species[s];
        LevelSpecies {
            sigma: self.sigma(l, s),
            lambda: sp.lambda,
            a_ghost: sp.a_ghost,
        }
    }

    /// The finest-level solution of species `s`.
    pub fn solution(&self, s: usize) -> &[f64] {
        &self.levels[0].x[s]
    }

    /// The finest-level solution of species `s`, to set a starting guess.
    pub fn solution_mut(&mut self, s: usize) -> &mut [f64] {
        &mut self.levels[0].x[s]
    }

    /// Solves every species in `active` from the current solutions with sources
    /// `source[s]` (pM/s) to a relative residual `tol`, at most `max_cycles` V-cycles.
    pub fn solve(
        &mut self,
        source: &[&[f32]],
        active: &[usize],
        tol: f64,
        max_cycles: usize,
    ) -> Vec<SpeciesSolve> {
        let ns = self.species.len();
        let mut out = vec![
            SpeciesSolve {
                cycles: 0,
                relative_residual: 0.0,
                converged: true,
                history: Vec::new(),
            };
            ns
        ];
        let mut times = StageTimes::default();
        let fine = &mut self.levels[0];
        timed(&mut times.setup_ms, || {
            for &s in active {
                fine.b[s]
                    .par_iter_mut()
                    .zip(source[s].par_iter())
                    .with_min_len(4096)
                    .for_each(|(b, &v)| *b = f64::from(v));
            }
        });
        let rhs_norms: Vec<f64> = timed(&mut times.setup_ms, || {
            (0..ns)
                .map(|s| {
                    if active.contains(&s) {
                        finest::rhs_norm(&self.finest(s), &self.species[s])
                    } else {
                        0.0
                    }
                })
                .collect()
        });
        let single = self.levels.len() == 1;
        let mut todo: Vec<usize> = active.to_vec();
        for s in &todo {
            out[*s].converged = false;
        }
        let mut cycle = 0;
        // The finest level's smoothing after one coarse correction and before the
        // next residual is one fused sweep of both counts (the same iterations as a
        // post- and a pre-smoothing, with one pass over memory instead of two).
        let mut nu = self.smoothing.0;
        loop {
            if single {
                timed(&mut times.coarse_ms, || self.solve_coarsest(&todo));
            } else {
                timed(&mut times.fine_smoothing_ms, || {
                    self.smooth(0, nu, &todo, [0, 1])
                });
            }
            let norms = timed(&mut times.fine_residual_ms, || {
                self.residual_restrict(0, &todo)
            });
            let mut still = Vec::new();
            for (&s, &rn) in todo.iter().zip(&norms) {
                let rel = if rhs_norms[s] > 0.0 {
                    rn / rhs_norms[s]
                } else {
                    rn
                };
                out[s].relative_residual = rel;
                out[s].cycles = cycle;
                out[s].history.push(rel);
                if rel <= tol {
                    out[s].converged = true;
                } else if cycle < max_cycles {
                    still.push(s);
                }
            }
            if still.is_empty() {
                break;
            }
            todo = still;
            cycle += 1;
            if single {
                continue;
            }
            timed(&mut times.coarse_ms, || self.coarse_correction(1, &todo));
            timed(&mut times.prolongation_ms, || {
                self.prolong_correct(0, &todo)
            });
            timed(&mut times.deflation_ms, || self.deflate(&todo));
            nu = self.smoothing.0 + self.smoothing.1;
        }
        self.times = times;
        out
    }

    /// Exact correction of the constant mode of every sealed marrow region but the
    /// largest.
    ///
    /// A region that no diffusive face connects to the rest is invisible to the coarse
    /// levels (beyond the first coarsening its cells share coarse cells with the
    /// outside), and its constant mode, whose eigenvalue is only the decay rate, is
    /// what smoothing reduces slowest. Because no flux leaves the region, `A 1_C` is
    /// just the reaction (and face) terms on `C`, and the Galerkin correction along
    /// `1_C`, `x += (sum_C r) / (sum_C A 1_C)`, is exact for that mode.
    fn deflate(&mut self, todo: &[usize]) {
        if self.isolated.is_empty() {
            return;
        }
        let d = self.levels[0].dims;
        for &s in todo {
            let sp = self.species[s];
            let sigma = self.sigma(0, s);
            let lv = &self.levels[0];
            let k = lv.k[s].as_deref();
            let corrections: Vec<f64> = self
                .isolated
                .par_iter()
                .map(|cells| {
                    let (mut rsum, mut asum) = (0.0, 0.0);
                    let fv = Finest {
                        dims: d,
                        a: &self.a,
                        x: &lv.x[s],
                        b: &lv.b[s],
                        k,
                    };
                    for &i in cells {
                        let i = i as usize;
                        let (x, y, z) = d.coords(i);
                        rsum += finest::residual_cell(&fv, &sp, sigma, x, y, z);
                        let faces = finest::boundary_faces(d, x, y, z) as f64;
                        asum += capacity(self.a[i]) * sp.lambda
                            + k.map_or(0.0, |k| f64::from(k[i]))
                            + sigma * f64::from(self.a[i]) * sp.a_ghost * faces;
                    }
                    if asum > 0.0 {
                        rsum / asum
                    } else {
                        0.0
                    }
                })
                .collect();
            let x = &mut self.levels[0].x[s];
            for (cells, alpha) in self.isolated.iter().zip(corrections) {
                for &i in cells {
                    x[i as usize] += alpha;
                }
            }
        }
    }

    /// One V-cycle on level `l` (its right-hand side set, its correction zeroed).
    fn vcycle(&mut self, l: usize, todo: &[usize]) {
        if l + 1 == self.levels.len() {
            self.solve_coarsest(todo);
            return;
        }
        self.smooth(l, self.smoothing.0, todo, [0, 1]);
        self.residual_restrict(l, todo);
        self.coarse_correction(l + 1, todo);
        self.prolong_correct(l, todo);
        self.smooth(l, self.smoothing.1, todo, [1, 0]);
    }

    /// Zeroes level `l`'s corrections and runs a V-cycle there.
    fn coarse_correction(&mut self, l: usize, todo: &[usize]) {
        for &s in todo {
            self.levels[l].x[s].fill(0.0);
        }
        self.vcycle(l, todo);
    }

    /// Species `s` on the finest level.
    fn finest(&self, s: usize) -> Finest<'_> {
        let lv = &self.levels[0];
        Finest {
            dims: lv.dims,
            a: &self.a,
            x: &lv.x[s],
            b: &lv.b[s],
            k: lv.k[s].as_deref(),
        }
    }

    fn sigma(&self, l: usize, s: usize) -> f64 {
        self.species[s].sigma * 0.25f64.powi(l as i32)
    }

    fn smooth(&mut self, l: usize, iterations: usize, todo: &[usize], colours: [usize; 2]) {
        if iterations == 0 || todo.is_empty() {
            return;
        }
        if l > 0 {
            let sps: Vec<LevelSpecies> = todo.iter().map(|&s| self.level_species(l, s)).collect();
            let Level {
                op, x, b, inv_diag, ..
            } = &mut self.levels[l];
            let op = op.as_ref().expect("coarse levels have face operators");
            for (&s, sp) in todo.iter().zip(&sps) {
                coarse::smooth(op, sp, &inv_diag[s], &mut x[s], &b[s], iterations, colours);
            }
            return;
        }
        // The finest level: the fused product-form sweep (red first; the colour order
        // is fixed there, which only affects the V-cycle's symmetry).
        let coeffs: Vec<Coeffs<f64>> = todo
            .iter()
            .map(|&s| {
                let sp = &self.species[s];
                let sigma = self.sigma(0, s);
                Coeffs {
                    alpha: sp.lambda / sigma,
                    beta: 1.0 / sigma,
                    gamma: 0.0,
                    r: 1.0,
                    omega: 1.0,
                    floor: f64::NEG_INFINITY,
                    a_ghost: sp.a_ghost,
                    u_ghost: sp.a_ghost * sp.c_b,
                    iterations,
                }
            })
            .collect();
        let Level { dims, k, x, b, .. } = &mut self.levels[0];
        let inputs: Vec<SpeciesInput<'_, f64>> = todo
            .iter()
            .zip(coeffs)
            .map(|(&s, coeffs)| SpeciesInput {
                source: &b[s],
                uptake: k[s].as_deref(),
                coeffs,
            })
            .collect();
        let mut fields: Vec<&mut [f64]> = x
            .iter_mut()
            .enumerate()
            .filter(|(s, _)| todo.contains(s))
            .map(|(_, v)| v.as_mut_slice())
            .collect();
        sweep::sweep(*dims, &self.a, &mut fields, &inputs, &mut self.scratch);
    }

    /// Restricts the residual of level `l` to level `l + 1`'s right-hand side and
    /// returns the residual's norm per species of `todo`.
    fn residual_restrict(&mut self, l: usize, todo: &[usize]) -> Vec<f64> {
        let sps: Vec<LevelSpecies> = todo.iter().map(|&s| self.level_species(l, s)).collect();
        let species: Vec<MgSpecies> = todo.iter().map(|&s| self.species[s]).collect();
        let has_coarse = l + 1 < self.levels.len();
        let (fine, coarse) = self.levels.split_at_mut(l + 1);
        let f = &fine[l];
        let a = &self.a;
        let excluded = if l == 0 {
            self.excluded.as_deref()
        } else {
            None
        };
        let fd = f.dims;
        let (cd, mut cb): (Dims, Vec<&mut [f64]>) = match coarse.first_mut() {
            Some(c) => (
                c.dims,
                c.b.iter_mut()
                    .enumerate()
                    .filter(|(s, _)| todo.contains(s))
                    .map(|(_, v)| v.as_mut_slice())
                    .collect(),
            ),
            None => (fd, Vec::new()),
        };
        let cplane = cd.plane();
        // One task per coarse plane: it owns that plane of every species' coarse rhs.
        let mut per_plane: Vec<Vec<&mut [f64]>> = (0..cd.nz).map(|_| Vec::new()).collect();
        for v in cb.iter_mut() {
            for (z, chunk) in v.chunks_mut(cplane).enumerate() {
                per_plane[z].push(chunk);
            }
        }
        let small = fd.len() < 1 << 15;
        let ctx = PlaneResidual {
            todo,
            level: f,
            a,
            fd,
            cd,
            has_coarse,
            excluded,
            species: &species,
            sps: &sps,
        };
        let sums: Vec<Vec<f64>> = per_plane
            .into_par_iter()
            .enumerate()
            .with_min_len(if small { usize::MAX } else { 1 })
            .map(|(cz, mut planes)| ctx.run(cz, &mut planes))
            .collect();
        (0..todo.len())
            .map(|t| sums.iter().map(|p| p[t]).sum::<f64>().sqrt())
            .collect()
    }

    /// Adds the trilinear prolongation of level `l + 1`'s correction to level `l`.
    fn prolong_correct(&mut self, l: usize, todo: &[usize]) {
        let excluded_all = self.excluded.take();
        self.prolong_inner(l, todo, excluded_all.as_deref());
        self.excluded = excluded_all;
    }

    fn prolong_inner(&mut self, l: usize, todo: &[usize], excluded_fine: Option<&[bool]>) {
        let (fine, coarse) = self.levels.split_at_mut(l + 1);
        let (f, c) = (&mut fine[l], &coarse[0]);
        let (fd, cd) = (f.dims, c.dims);
        // Per axis: for each fine cell, its parent, the coarse neighbour on its side
        // and the linear weight of that neighbour, from the cells' true centres.
        let fine_w: [Vec<f64>; 3] = std::array::from_fn(|k| match &f.op {
            Some(op) => op.widths[k].clone(),
            None => vec![1.0; fd.as_array()[k]],
        });
        let coarse_w = &c
            .op
            .as_ref()
            .expect("coarse levels have face operators")
            .widths;
        let centres = |w: &[f64]| -> Vec<f64> {
            let mut acc = 0.0;
            w.iter()
                .map(|&x| {
                    let c = acc + 0.5 * x;
                    acc += x;
                    c
                })
                .collect()
        };
        let pairs = |k: usize| -> Vec<(usize, usize, f64)> {
            let (fc, cc) = (centres(&fine_w[k]), centres(&coarse_w[k]));
            (0..fc.len())
                .map(|i| {
                    let p = i / 2;
                    let side = if fc[i] < cc[p] {
                        p.checked_sub(1)
                    } else if fc[i] > cc[p] && p + 1 < cc.len() {
                        Some(p + 1)
                    } else {
                        None
                    };
                    match side {
                        Some(q) => (p, q, (fc[i] - cc[p]).abs() / (cc[q] - cc[p]).abs()),
                        None => (p, p, 0.0),
                    }
                })
                .collect()
        };
        let (px, py, pz) = (pairs(0), pairs(1), pairs(2));
        let excluded = if l == 0 { excluded_fine } else { None };
        for &s in todo {
            let xc = &c.x[s];
            f.x[s]
                .par_chunks_mut(fd.plane())
                .enumerate()
                .with_min_len(if fd.len() < 1 << 15 { usize::MAX } else { 1 })
                .for_each(|(z, plane)| {
                    let (z0, z1, wz) = pz[z];
                    let mut t = vec![0.0; cd.nx];
                    for y in 0..fd.ny {
                        let (y0, y1, wy) = py[y];
                        let r = |zz: usize, yy: usize| &xc[cd.index(0, yy, zz)..][..cd.nx];
                        let (a, b, cc, d) = (r(z0, y0), r(z0, y1), r(z1, y0), r(z1, y1));
                        for i in 0..cd.nx {
                            t[i] = (1.0 - wz) * ((1.0 - wy) * a[i] + wy * b[i])
                                + wz * ((1.0 - wy) * cc[i] + wy * d[i]);
                        }
                        let row = &mut plane[y * fd.nx..(y + 1) * fd.nx];
                        let skip = excluded.map(|m| &m[fd.index(0, y, z)..][..fd.nx]);
                        for (x, v) in row.iter_mut().enumerate() {
                            if skip.is_some_and(|m| m[x]) {
                                continue;
                            }
                            let (x0, x1, wx) = px[x];
                            *v += (1.0 - wx) * t[x0] + wx * t[x1];
                        }
                    }
                });
        }
    }

    fn solve_coarsest(&mut self, todo: &[usize]) {
        let last = self.levels.len() - 1;
        for &s in todo {
            let mut rhs = self.levels[last].b[s].clone();
            if last == 0 {
                // The finest level is the coarsest: its fixed face values enter here.
                let sp = self.species[s];
                let d = self.levels[0].dims;
                for z in 0..d.nz {
                    for y in 0..d.ny {
                        for x in 0..d.nx {
                            let faces = usize::from(x == 0)
                                + usize::from(x + 1 == d.nx)
                                + usize::from(y == 0)
                                + usize::from(y + 1 == d.ny)
                                + usize::from(z == 0)
                                + usize::from(z + 1 == d.nz);
                            let i = d.index(x, y, z);
                            rhs[i] += sp.sigma
                                * f64::from(self.a[i])
                                * faces as f64
                                * sp.a_ghost
                                * sp.c_b;
                        }
                    }
                }
            }
            match &self.coarse[s] {
                Some(ch) => {
                    let x = ch.solve(&DVector::from_column_slice(&rhs));
                    self.levels[last].x[s].copy_from_slice(x.as_slice());
                }
                None => {
                    // Not reached for a valid operator (it is symmetric positive
                    // definite); smoothing still converges, slowly.
                    self.smooth(last, 200, &[s], [0, 1]);
                }
            }
        }
    }
}
