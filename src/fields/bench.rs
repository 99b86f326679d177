//! Benchmarks of the field solvers, as `trabecula bench fields` prints them.
//!
//! The implicit-step problem is the one BioFVM (PhysiCell 1.14.2) was measured on:
//! 100^3 voxels of 20 um, 5 species, dt = 0.01 min, D = 100 um^2/s (so D dt / dx^2 =
//! 0.15), no fixed-value nodes; BioFVM's implicit LOD step took 61 ms on 1 thread and
//! 33.5 ms on 2 on a 2-vCPU machine with about 48 GB/s of triad bandwidth (the
//! project's performance notes). Timings here run on two separate rayon pools (1 and 2
//! threads) in one process, next to a STREAM-like triad measured in the same run, so
//! the step can be stated as a multiple of this machine's bandwidth floor: one read and
//! one write of every species (8 bytes per voxel-species in f32).
//!
//! The quasi-steady problem uses the same grid with the configured species (RANKL,
//! OPG, IL-1, IL-6, TNF-alpha; D = 30 um^2/s), background production in marrow and a
//! population of point-secreting cells (one per 125 voxels). It is solved cold (from
//! zero) and then warm after a typical day's change of the sources, defined here as:
//! 5% of the cells move by one voxel, 1% die and as many appear elsewhere, and every
//! secretion rate drifts by 0.5% (estrogen-driven changes act over months). Both solves
//! stop at a relative residual of 1e-6.

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::fields::FieldsConfig;
use crate::grid::Dims;

use super::{
    Boundary, FieldError, FieldGrid, Fields, Geometry, Position, SolverSettings, Species,
    SpeciesParams,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Grid cells per axis.
    pub n: usize,
    /// Cell edge, um.
    pub dx_um: f64,
    /// Implicit time step, s.
    pub dt_s: f64,
    /// Timed implicit steps per thread count.
    pub steps: usize,
    /// Thread counts to time (each on its own pool).
    pub threads: Vec<usize>,
    /// Whether to run the quasi-steady solves.
    pub steady: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            n: 100,
            dx_um: 20.0,
            dt_s: 0.6,
            steps: 20,
            threads: vec![1, 2],
            steady: true,
        }
    }
}

/// Timings of one thread count.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadTiming {
    /// Threads in the pool.
    pub threads: usize,
    /// Median implicit step, ms.
    pub implicit_step_ms: f64,
    /// Fastest implicit step, ms.
    pub implicit_step_min_ms: f64,
    /// Voxel-species updates per second at the median.
    pub updates_per_s: f64,
    /// STREAM-like triad bandwidth, GB/s (best of 10).
    pub triad_gb_per_s: f64,
    /// One read and one write of every species at the triad bandwidth, ms.
    pub floor_ms: f64,
    /// Median step over the floor.
    pub step_over_floor: f64,
}

/// Convergence of one species in the steady solves.
#[derive(Clone, Debug, Serialize)]
pub struct SpeciesCycles {
    /// Species key.
    pub species: String,
    /// V-cycles of the cold solve.
    pub cold_cycles: usize,
    /// V-cycles of the warm solve.
    pub warm_cycles: usize,
    /// Relative residual after each cycle's smoothing, cold solve.
    pub cold_history: Vec<f64>,
    /// Relative residual after each cycle's smoothing, warm solve.
    pub warm_history: Vec<f64>,
}

/// Everything the benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Grid cells per axis.
    pub n: usize,
    /// Species.
    pub species: usize,
    /// Cell edge, um.
    pub dx_um: f64,
    /// Implicit time step, s.
    pub dt_s: f64,
    /// `D dt / dx^2` of the implicit problem.
    pub r: f64,
    /// Red-black SOR iterations per implicit step.
    pub implicit_iterations: usize,
    /// Per thread count.
    pub timings: Vec<ThreadTiming>,
    /// Median implicit step on 1 thread, ms.
    pub implicit_step_ms_1t: Option<f64>,
    /// Median implicit step on 2 threads, ms.
    pub implicit_step_ms_2t: Option<f64>,
    /// Bandwidth floor on 1 thread, ms.
    pub floor_ms_1t: Option<f64>,
    /// Bandwidth floor on 2 threads, ms.
    pub floor_ms_2t: Option<f64>,
    /// Working bytes of the implicit step per voxel-species (fields, sources, shared
    /// geometry, scratch).
    pub bytes_per_voxel_species: f64,
    /// BioFVM's LOD step on this problem (2 threads), ms, for comparison.
    pub biofvm_step_ms_2t: f64,
    /// Multigrid hierarchy setup, ms (2 threads; once per geometry change).
    pub steady_setup_ms: Option<f64>,
    /// Cold quasi-steady solve to 1e-6, ms (2 threads).
    pub steady_cold_ms: Option<f64>,
    /// V-cycles of the cold solve (most over species).
    pub steady_cold_cycles: Option<usize>,
    /// Warm solve after a typical day's change, ms (2 threads).
    pub steady_warm_ms: Option<f64>,
    /// V-cycles of the warm solve (most over species).
    pub steady_warm_cycles: Option<usize>,
    /// Relative residual the warm start began from (largest over species).
    pub steady_warm_initial_residual: Option<f64>,
    /// Warm solve over the 2-thread implicit step.
    pub steady_warm_in_implicit_steps: Option<f64>,
    /// Bytes held by the steady solver per voxel-species (f64 solutions, hierarchy).
    pub steady_bytes_per_voxel_species: Option<f64>,
    /// Stage times of the warm solve.
    pub steady_warm_stages: Option<super::StageTimes>,
    /// Rebuilding the coarse operators after the bone geometry changed, ms (once per
    /// remodeling step, inside the next solve).
    pub steady_geometry_refresh_ms: Option<f64>,
    /// Per species: cycles and residual histories.
    pub steady_species: Vec<SpeciesCycles>,
    /// A further day's change solved to a relative residual of 1e-3 instead, ms.
    pub steady_warm_1e3_ms: Option<f64>,
    /// V-cycles of that solve.
    pub steady_warm_1e3_cycles: Option<usize>,
}

/// A deterministic stream of numbers in [0, 1) (SplitMix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n - 1)
    }
}

/// The five species of the comparison, with the configured decay rates.
fn five_species(diffusion_um2_per_s: Option<f64>) -> Vec<SpeciesParams> {
    let config = FieldsConfig::default();
    [
        Species::Rankl,
        Species::Opg,
        Species::Il1,
        Species::Il6,
        Species::Tnf,
    ]
    .iter()
    .map(|&s| {
        let mut p = SpeciesParams::of(s, &config);
        if let Some(d) = diffusion_um2_per_s {
            p.diffusion_um2_per_s = d;
        }
        p.boundary = Boundary::NoFlux;
        p
    })
    .collect()
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, FieldError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| FieldError::Grid(format!("thread pool: {e}")))
}

/// STREAM triad `a = b + s c` over 64 MiB f32 arrays on `pool`; best of 10, GB/s.
pub fn triad_gb_per_s(pool: &rayon::ThreadPool) -> f64 {
    let n = 1usize << 24;
    let mut a = vec![0.0f32; n];
    let b = vec![1.0f32; n];
    let c = vec![2.0f32; n];
    let chunk = 1 << 16;
    let mut best = f64::INFINITY;
    pool.install(|| {
        // First touch in parallel, as the timed loop will use the pages.
        a.par_chunks_mut(chunk).for_each(|x| x.fill(0.5));
        for _ in 0..10 {
            let t = Instant::now();
            a.par_chunks_mut(chunk)
                .zip(b.par_chunks(chunk))
                .zip(c.par_chunks(chunk))
                .for_each(|((a, b), c)| {
                    for i in 0..a.len() {
                        a[i] = b[i] + 3.0 * c[i];
                    }
                });
            best = best.min(t.elapsed().as_secs_f64());
        }
    });
    std::hint::black_box(&a);
    12.0 * n as f64 / best / 1e9
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn grid(o: &BenchOptions) -> Result<FieldGrid, FieldError> {
    FieldGrid::uniform(Dims::cube(o.n), o.dx_um)
}

/// Runs the benchmark.
pub fn run(o: &BenchOptions) -> Result<BenchReport, FieldError> {
    if o.n < 8 || o.steps == 0 || o.threads.is_empty() || o.threads.contains(&0) {
        return Err(FieldError::Grid(
            "the benchmark needs n >= 8, steps >= 1 and thread counts >= 1".into(),
        ));
    }
    let g = grid(o)?;
    let species = five_species(Some(100.0));
    let ns = species.len();
    let settings = SolverSettings::default();
    let mut fields = Fields::new(g, Geometry::marrow(g.dims, 0.0), species, settings)?;
    // A smooth start with some structure; the values do not affect the timing.
    let d = g.dims;
    for p in fields.species().to_vec() {
        let c = fields.concentration_mut(p.species)?;
        c.par_chunks_mut(d.plane()).enumerate().for_each(|(z, pl)| {
            for (i, v) in pl.iter_mut().enumerate() {
                *v = 100.0 + 50.0 * ((i % 17) as f32 / 17.0) + z as f32;
            }
        });
        fields.add_background(p.species, 1e-3)?;
    }
    let mut timings = Vec::new();
    let mut iterations = 0;
    for &t in &o.threads {
        let pool = pool(t)?;
        let triad = triad_gb_per_s(&pool);
        let mut times = Vec::with_capacity(o.steps);
        pool.install(|| -> Result<(), FieldError> {
            for _ in 0..3 {
                fields.step_implicit(o.dt_s)?;
            }
            for _ in 0..o.steps {
                let start = Instant::now();
                let rep = fields.step_implicit(o.dt_s)?;
                times.push(start.elapsed().as_secs_f64() * 1e3);
                iterations = rep.iterations.iter().copied().max().unwrap_or(0);
            }
            Ok(())
        })?;
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(times);
        let floor_ms = 8.0 * (d.len() * ns) as f64 / (triad * 1e9) * 1e3;
        timings.push(ThreadTiming {
            threads: t,
            implicit_step_ms: med,
            implicit_step_min_ms: min,
            updates_per_s: (d.len() * ns) as f64 / (med * 1e-3),
            triad_gb_per_s: triad,
            floor_ms,
            step_over_floor: med / floor_ms,
        });
    }
    let at = |t: usize| timings.iter().find(|x| x.threads == t);
    let mut report = BenchReport {
        n: o.n,
        species: ns,
        dx_um: o.dx_um,
        dt_s: o.dt_s,
        r: 100.0 * o.dt_s / (o.dx_um * o.dx_um),
        implicit_iterations: iterations,
        implicit_step_ms_1t: at(1).map(|x| x.implicit_step_ms),
        implicit_step_ms_2t: at(2).map(|x| x.implicit_step_ms),
        floor_ms_1t: at(1).map(|x| x.floor_ms),
        floor_ms_2t: at(2).map(|x| x.floor_ms),
        timings,
        bytes_per_voxel_species: fields.implicit_bytes_per_voxel_species(),
        biofvm_step_ms_2t: 33.5,
        steady_setup_ms: None,
        steady_cold_ms: None,
        steady_cold_cycles: None,
        steady_warm_ms: None,
        steady_warm_cycles: None,
        steady_warm_initial_residual: None,
        steady_warm_in_implicit_steps: None,
        steady_bytes_per_voxel_species: None,
        steady_warm_stages: None,
        steady_geometry_refresh_ms: None,
        steady_species: Vec::new(),
        steady_warm_1e3_ms: None,
        steady_warm_1e3_cycles: None,
    };
    drop(fields);
    if o.steady {
        let t = o.threads.iter().copied().max().unwrap_or(1);
        pool(t)?.install(|| steady(o, &mut report))?;
    }
    Ok(report)
}

/// A cell population and its sources.
struct Cells {
    at: Vec<[usize; 3]>,
    rate: f64,
}

impl Cells {
    fn write(&self, f: &mut Fields, background_pm_per_s: f64) -> Result<(), FieldError> {
        f.clear_sources();
        for p in f.species().to_vec() {
            f.add_background(p.species, background_pm_per_s)?;
            for &c in &self.at {
                f.secrete(p.species, Position::Voxel(c), self.rate)?;
            }
        }
        Ok(())
    }
}

/// A typical day: 5% of cells move one voxel, 1% are replaced, rates drift 0.5%.
fn day(cells: &mut Cells, rng: &mut Mix, n: usize) {
    for c in cells.at.iter_mut() {
        let u = rng.next();
        if u < 0.05 {
            let axis = rng.below(3);
            let step = if rng.next() < 0.5 { n - 1 } else { 1 };
            c[axis] = (c[axis] + step) % n;
        } else if u < 0.06 {
            *c = [rng.below(n), rng.below(n), rng.below(n)];
        }
    }
    cells.rate *= 1.005;
}

fn steady(o: &BenchOptions, report: &mut BenchReport) -> Result<(), FieldError> {
    let g = grid(o)?;
    let n = o.n;
    let settings = SolverSettings {
        steady_tolerance: 1e-6,
        ..SolverSettings::default()
    };
    let mut f = Fields::new(
        g,
        Geometry::marrow(g.dims, 0.0),
        five_species(None),
        settings,
    )?;
    let mut rng = Mix(20_261_120);
    let count = g.dims.len() / 125;
    let mut cells = Cells {
        at: (0..count)
            .map(|_| [rng.below(n), rng.below(n), rng.below(n)])
            .collect(),
        // About as much from cells as from the background: 1e-3 pM/s over the grid.
        rate: 1e-3 * 125.0 * super::grid::MOLECULES_PER_UM3_PER_PM * g.cell_volume_um3(),
    };
    cells.write(&mut f, 1e-3)?;
    // The hierarchy is built on the first solve; time it alone with a zero source.
    let start = Instant::now();
    f.solve_steady_species(&[])?;
    report.steady_setup_ms = Some(start.elapsed().as_secs_f64() * 1e3);
    let start = Instant::now();
    let cold = f.solve_steady()?;
    report.steady_cold_ms = Some(start.elapsed().as_secs_f64() * 1e3);
    report.steady_cold_cycles = Some(cold.max_cycles());
    day(&mut cells, &mut rng, n);
    cells.write(&mut f, 1e-3 * 1.005)?;
    let mut initial = 0.0f64;
    for p in f.species().to_vec() {
        initial = initial.max(f.relative_residual(p.species)?);
    }
    report.steady_warm_initial_residual = Some(initial);
    let start = Instant::now();
    let warm = f.solve_steady()?;
    let warm_ms = start.elapsed().as_secs_f64() * 1e3;
    report.steady_warm_ms = Some(warm_ms);
    report.steady_warm_cycles = Some(warm.max_cycles());
    report.steady_species = cold
        .species
        .iter()
        .zip(&warm.species)
        .map(|((sp, c), (_, w))| SpeciesCycles {
            species: sp.key().to_string(),
            cold_cycles: c.cycles,
            warm_cycles: w.cycles,
            cold_history: c.history.clone(),
            warm_history: w.history.clone(),
        })
        .collect();
    report.steady_warm_stages = Some(warm.times);
    report.steady_warm_in_implicit_steps = report.implicit_step_ms_2t.map(|i| warm_ms / i);
    // Another day, solved to 1e-3 (cells read their signals to about 0.1%).
    day(&mut cells, &mut rng, n);
    cells.write(&mut f, 1e-3 * 1.005 * 1.005)?;
    f.set_settings(SolverSettings {
        steady_tolerance: 1e-3,
        ..settings
    });
    let start = Instant::now();
    let loose = f.solve_steady()?;
    report.steady_warm_1e3_ms = Some(start.elapsed().as_secs_f64() * 1e3);
    report.steady_warm_1e3_cycles = Some(loose.max_cycles());
    f.set_settings(settings);
    // Remodeling changed the geometry: the next solve rebuilds the coarse operators.
    let phi = f.geometry().marrow_fraction.clone();
    f.set_marrow_fraction(phi)?;
    let again = f.solve_steady()?;
    report.steady_geometry_refresh_ms = Some(again.times.refresh_ms);
    report.steady_bytes_per_voxel_species =
        Some(f.steady_bytes() as f64 / (g.dims.len() * f.species().len()) as f64);
    if !(cold.converged() && warm.converged()) {
        return Err(FieldError::Grid(format!(
            "steady solve did not converge: cold {:.1e}, warm {:.1e}",
            cold.max_relative_residual(),
            warm.max_relative_residual()
        )));
    }
    Ok(())
}

impl BenchReport {
    /// The report as a table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let line = |s: &mut String, t: String| {
            s.push_str(&t);
            s.push('\n');
        };
        line(
            &mut s,
            format!(
                "implicit backward-Euler step: {n}^3 cells x {ns} species, dx {dx} um, dt {dt} s (D dt/dx^2 = {r:.3}), {it} red-black SOR iterations",
                n = self.n,
                ns = self.species,
                dx = self.dx_um,
                dt = self.dt_s,
                r = self.r,
                it = self.implicit_iterations
            ),
        );
        line(
            &mut s,
            format!(
                "{:>8} {:>12} {:>12} {:>16} {:>10} {:>10} {:>12}",
                "threads", "step ms", "min ms", "updates/s", "triad GB/s", "floor ms", "step/floor"
            ),
        );
        for t in &self.timings {
            line(
                &mut s,
                format!(
                    "{:>8} {:>12.2} {:>12.2} {:>16.3e} {:>10.1} {:>10.2} {:>12.2}",
                    t.threads,
                    t.implicit_step_ms,
                    t.implicit_step_min_ms,
                    t.updates_per_s,
                    t.triad_gb_per_s,
                    t.floor_ms,
                    t.step_over_floor
                ),
            );
        }
        line(
            &mut s,
            format!(
                "working memory: {:.2} bytes per voxel-species; BioFVM (2 threads): {} ms per step",
                self.bytes_per_voxel_species, self.biofvm_step_ms_2t
            ),
        );
        if let (Some(setup), Some(cold), Some(warm)) = (
            self.steady_setup_ms,
            self.steady_cold_ms,
            self.steady_warm_ms,
        ) {
            line(
                &mut s,
                "quasi-steady solve (multigrid, f64) to relative residual 1e-6:".into(),
            );
            line(&mut s, format!("  hierarchy setup {setup:.1} ms"));
            line(
                &mut s,
                format!(
                    "  cold  {cold:.1} ms, {} V-cycles",
                    self.steady_cold_cycles.unwrap_or(0)
                ),
            );
            line(
                &mut s,
                format!(
                    "  warm  {warm:.1} ms, {} V-cycles from relative residual {:.1e} (a typical day's change) = {:.1} implicit steps",
                    self.steady_warm_cycles.unwrap_or(0),
                    self.steady_warm_initial_residual.unwrap_or(f64::NAN),
                    self.steady_warm_in_implicit_steps.unwrap_or(f64::NAN)
                ),
            );
            if let Some(t) = &self.steady_warm_stages {
                line(
                    &mut s,
                    format!(
                        "  warm solve stages: fine smoothing {:.1} ms, fine residual {:.1} ms, coarse levels {:.1} ms, prolongation {:.1} ms, isolated regions {:.1} ms, set-up {:.1} ms",
                        t.fine_smoothing_ms, t.fine_residual_ms, t.coarse_ms, t.prolongation_ms, t.deflation_ms, t.setup_ms
                    ),
                );
            }
            for sc in &self.steady_species {
                line(
                    &mut s,
                    format!(
                        "  {:<6} cycles cold {:>2}, warm {:>2}; cold residuals {}",
                        sc.species,
                        sc.cold_cycles,
                        sc.warm_cycles,
                        sc.cold_history
                            .iter()
                            .map(|h| format!("{h:.0e}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
            }
            if let (Some(ms), Some(c)) = (self.steady_warm_1e3_ms, self.steady_warm_1e3_cycles) {
                line(
                    &mut s,
                    format!("  warm to 1e-3 instead (another day): {ms:.1} ms, {c} V-cycles"),
                );
            }
            if let Some(r) = self.steady_geometry_refresh_ms {
                line(
                    &mut s,
                    format!("  coarse-operator refresh after a geometry change {r:.1} ms"),
                );
            }
            if let Some(b) = self.steady_bytes_per_voxel_species {
                line(
                    &mut s,
                    format!("  steady solver memory {b:.1} bytes per voxel-species"),
                );
            }
        }
        s
    }
}
