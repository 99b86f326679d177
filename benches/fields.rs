//! Criterion benchmarks of the field solvers: the implicit backward-Euler step on the
//! BioFVM comparison problem (100^3 cells of 20 um, 5 species, dt 0.01 min, D 100
//! um^2/s) at 1 and 2 threads, a warm quasi-steady solve after a typical day's source
//! change, and the binding equilibrium per field cell. `trabecula bench fields` prints
//! the same problems as a table with the machine's bandwidth floor.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use trabecula::config::fields::FieldsConfig;
use trabecula::fields::{
    Binding, Boundary, FieldGrid, Fields, Geometry, Position, SolverSettings, Species,
    SpeciesParams,
};
use trabecula::grid::Dims;

const SPECIES: [Species; 5] = [
    Species::Rankl,
    Species::Opg,
    Species::Il1,
    Species::Il6,
    Species::Tnf,
];

/// The five comparison species with the configured decay and diffusion `d` (um^2/s).
fn fields(n: usize, d: Option<f64>) -> Fields {
    let config = FieldsConfig::default();
    let params = SPECIES
        .iter()
        .map(|&s| {
            let mut p = SpeciesParams::of(s, &config);
            if let Some(d) = d {
                p.diffusion_um2_per_s = d;
            }
            p.boundary = Boundary::NoFlux;
            p
        })
        .collect();
    let grid = FieldGrid::uniform(Dims::cube(n), 20.0).expect("grid");
    let settings = SolverSettings {
        steady_tolerance: 1e-6,
        ..SolverSettings::default()
    };
    let mut f =
        Fields::new(grid, Geometry::marrow(grid.dims, 0.0), params, settings).expect("fields");
    for s in SPECIES {
        f.add_background(s, 1e-3).expect("background");
        for (i, v) in f
            .concentration_mut(s)
            .expect("species")
            .iter_mut()
            .enumerate()
        {
            *v = 100.0 + (i % 17) as f32;
        }
    }
    f
}

/// Point sources at `count` cells chosen by a fixed hash; with `moved`, every 20th cell
/// sits one cell further along x (a day's movement of 5% of the cells).
fn cells(f: &mut Fields, n: usize, count: usize, moved: bool) {
    for i in 0..count {
        let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let shift = usize::from(moved && i % 20 == 0);
        let at = [
            ((h >> 10) as usize + shift) % n,
            (h >> 30) as usize % n,
            (h >> 50) as usize % n,
        ];
        for s in SPECIES {
            f.secrete(s, Position::Voxel(at), 20.0)
                .expect("in the domain");
        }
    }
}

fn implicit_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("implicit_step_100cube_5species");
    group.sample_size(20);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut f = fields(100, Some(100.0));
        group.bench_function(format!("{threads}_threads"), |b| {
            pool.install(|| b.iter(|| f.step_implicit(0.6).expect("step")))
        });
    }
    group.finish();
}

fn steady_warm(c: &mut Criterion) {
    let n = 64;
    let mut group = c.benchmark_group("steady_warm_64cube_5species");
    group.sample_size(10);
    group.bench_function("after_cells_move", |b| {
        b.iter_batched(
            || {
                // The converged state, then 5% of the cells move one cell.
                let mut f = fields(n, None);
                cells(&mut f, n, n * n * n / 125, false);
                f.solve_steady().expect("cold");
                f.clear_sources();
                for s in SPECIES {
                    f.add_background(s, 1e-3).expect("background");
                }
                cells(&mut f, n, n * n * n / 125, true);
                f
            },
            |mut f| f.solve_steady().expect("warm"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn binding(c: &mut Criterion) {
    let b = Binding::from_config(&FieldsConfig::default().binding);
    let totals: Vec<(f64, f64, f64)> = (0..4096)
        .map(|i| {
            (
                1.0 + (i % 97) as f64,
                10.0 * (i % 13) as f64,
                100.0 * (i % 7) as f64,
            )
        })
        .collect();
    c.bench_function("binding_equilibrium_4096_cells", |bench| {
        bench.iter(|| {
            totals
                .iter()
                .map(|&(l, o, d)| b.equilibrium(l, o, d).free_rankl_pm)
                .sum::<f64>()
        })
    });
}

criterion_group!(benches, implicit_step, steady_warm, binding);
criterion_main!(benches);
