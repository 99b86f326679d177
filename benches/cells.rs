//! Criterion benchmarks of the cells' decide stage: one step's decisions of every
//! population (osteoclasts, osteoblasts, T-cells, the precursor pool and the sites,
//! [`trabecula::cells::decide`]) on worlds of about 10^4, 10^5 and 10^6 cells, at 1
//! and 2 threads; and the serial T-cell apply on the same worlds.
//!
//! Each world is a run of its own (seed 7): iliac-crest bone at 20 um on a cube whose
//! side is scaled with the cell count (68, 144 and 310 voxels: 1.4, 2.9 and 6.2 mm),
//! postmenopausal (estradiol 10 pg/mL), run for 120 days from a quiescent start, so the
//! populations are those the model grows: about 97% T-cells, 3% osteoblasts refilling
//! cavities and 0.1% osteoclasts resorbing, in some 3,000 open sites on the 10^6
//! world (989,252 cells when written). Field solves every 30 days and mechanics checks every 30 days keep the build
//! short (the decide stage reads their results, not their cadence); the 10^6 world
//! still takes a minute or two to build (2 GB of memory), once for all its
//! benchmarks, and only when one of them is selected.
//!
//!     cargo bench --bench cells              # all sizes
//!     cargo bench --bench cells -- 1e5       # one size
//!
//! Run as a test (`cargo test --benches`), only the 10^4 world is built.

use std::cell::OnceCell;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use trabecula::cells::decide::{decide, Populations, StepIntents};
use trabecula::cells::View;
use trabecula::config;
use trabecula::lattice::source;
use trabecula::pharmacology::Exposure;
use trabecula::sim::{MemorySink, Simulation};

/// Days run to grow the populations.
const DAYS: u32 = 120;

/// The worlds: label, lattice side (voxels) giving about that many cells after
/// [`DAYS`] days.
const WORLDS: [(&str, usize); 3] = [("1e4", 68), ("1e5", 144), ("1e6", 310)];

/// Whether criterion runs as a benchmark (`cargo bench`) rather than as a test.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A simulation on a `side`^3 lattice after [`DAYS`] days.
fn build(side: usize) -> Simulation {
    let text = format!(
        "[run]\nseed = 7\nspinup_days = 0\ndays = {}\nmeasure_every_days = {}\n\
         structure_every_days = 0\nsnapshot_every_days = 0\nfield_solve_every_steps = 30\n\
         [lattice]\nvoxel_um = 20.0\nshape_voxels = [{side}, {side}, {side}]\n\
         [lattice.synthetic]\npreset = \"iliac_crest\"\n\
         [fields]\nsteady_tolerance = 1e-3\n\
         [cells.mechanics]\ncheck_every_days = 30\n\
         [estrogen]\nschedule = \"constant\"\nlevel_pg_ml = 10.0\n",
        DAYS + 1,
        DAYS + 1,
    );
    let config = config::parse_checked(&text, "cells bench", Path::new("."), &[])
        .expect("the bench config is valid");
    let built = source::build(&config.lattice, config.run.seed).expect("lattice");
    let mut sim = Simulation::new(&config, built.lattice).expect("simulation");
    let mut sink = MemorySink::default();
    for _ in 0..DAYS {
        sim.step(&mut sink).expect("step");
    }
    let w = sim.world();
    let cells = w.tcells.len() + w.osteoblasts.len() + w.osteoclasts.len();
    eprintln!(
        "world {side}^3 after {DAYS} days: {cells} cells ({} T-cells, {} osteoblasts, \
         {} osteoclasts), {} open sites",
        w.tcells.len(),
        w.osteoblasts.len(),
        w.osteoclasts.len(),
        w.bmus.open.len(),
    );
    sim
}

/// The exposure of the simulation's next step.
fn exposure(sim: &Simulation) -> Exposure {
    sim.pharmacology().current(sim.day())
}

/// The decide stage of the simulation's next step under `exposure`.
fn decide_next(sim: &Simulation, exposure: &Exposure) -> StepIntents {
    let w = sim.world();
    let view = View {
        lattice: &w.lattice,
        mask: &w.mask,
        memory: &w.memory,
        signals: &w.signals,
        exposure,
        rules: sim.rules(),
        seed: sim.run_config().seed,
        step: sim.steps_done(),
    };
    let populations = Populations {
        osteoclasts: &w.osteoclasts,
        osteoblasts: &w.osteoblasts,
        tcells: &w.tcells,
        pool: &w.pool,
        bmus: &w.bmus,
        lining: &w.surface.lining,
        marrow_mm3: w.marrow_mm3(),
    };
    decide(&view, &populations)
}

fn cells(c: &mut Criterion) {
    let worlds: Vec<_> = WORLDS
        .iter()
        .filter(|(label, _)| benchmarking() || *label == "1e4")
        .map(|&(label, side)| (label, side, OnceCell::new()))
        .collect();
    let pools: Vec<_> = [1, 2]
        .into_iter()
        .map(|n| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("pool");
            (n, pool)
        })
        .collect();
    let mut group = c.benchmark_group("decide");
    group.sample_size(10);
    for (label, side, world) in &worlds {
        for (threads, pool) in &pools {
            group.bench_function(format!("{label}_cells/{threads}_threads"), |b| {
                let sim = world.get_or_init(|| build(*side));
                let exposure = exposure(sim);
                pool.install(|| b.iter(|| decide_next(sim, &exposure)))
            });
        }
    }
    group.finish();
    let mut group = c.benchmark_group("tcell_apply");
    group.sample_size(10);
    for (label, side, world) in &worlds {
        group.bench_function(format!("{label}_cells"), |b| {
            let sim = world.get_or_init(|| build(*side));
            let intents = decide_next(sim, &exposure(sim)).tc;
            let (step, ids) = (sim.steps_done(), sim.world().ids);
            b.iter_batched(
                || (sim.world().tcells.clone(), ids),
                |(mut tcells, mut ids)| {
                    tcells.apply(&intents, &mut ids, step);
                    tcells
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, cells);
criterion_main!(benches);
