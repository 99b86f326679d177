//! The decide stage through the library, on a busy world (iliac-crest bone after 40
//! days with activation raised tenfold, so that every population and every kind of
//! site is at work): all populations' intents are the same at any thread count, and
//! the parts rewritten for speed decide what the plain versions they replaced decided
//! (new sites drawn by a search over every field cell, unloaded surface found by a
//! voxel-by-voxel scan, the T-cells applied by `retain`).

use std::path::Path;

use rayon::ThreadPoolBuilder;

use trabecula::cells::decide::{decide, Populations, StepIntents};
use trabecula::cells::mechanics::unloaded_initiations;
use trabecula::cells::precursor::{draw_nuclei, initiations};
use trabecula::cells::{TcIntent, View};
use trabecula::config;
use trabecula::lattice::memory::flags;
use trabecula::lattice::source;
use trabecula::lattice::VoxelMemory;
use trabecula::pharmacology::Exposure;
use trabecula::random::Purpose;
use trabecula::sim::{MemorySink, Simulation};

const CONFIG: &str = r#"
[run]
seed = 11
spinup_days = 0
days = 60
measure_every_days = 60
structure_every_days = 0
snapshot_every_days = 0

[lattice]
voxel_um = 20.0
shape_voxels = [46, 46, 58]

[lattice.synthetic]
preset = "iliac_crest"

[fields]
steady_tolerance = 1e-3

[cells.precursor]
initiation_per_mm2_per_day = 0.2

[estrogen]
schedule = "constant"
level_pg_ml = 10.0
"#;

/// The simulation after 40 daily steps, with the exposure of its next step.
fn busy() -> (Simulation, Exposure) {
    let config = config::parse(CONFIG, "test", Path::new("."), &[]).unwrap();
    let built = source::build(&config.lattice, config.run.seed).unwrap();
    let mut sim = Simulation::new(&config, built.lattice).unwrap();
    let mut sink = MemorySink::default();
    for _ in 0..40 {
        sim.step(&mut sink).unwrap();
    }
    let w = sim.world();
    assert!(w.tcells.len() > 1000, "{} T-cells", w.tcells.len());
    assert!(!w.osteoclasts.is_empty() && !w.osteoblasts.is_empty());
    assert!(w.bmus.phase_counts().0 > 0 && w.bmus.phase_counts().2 > 0);
    let exposure = sim.pharmacology().current(sim.day());
    (sim, exposure)
}

fn view_of<'a>(sim: &'a Simulation, memory: &'a VoxelMemory, exposure: &'a Exposure) -> View<'a> {
    let w = sim.world();
    View {
        lattice: &w.lattice,
        mask: &w.mask,
        memory,
        signals: &w.signals,
        exposure,
        rules: sim.rules(),
        seed: sim.run_config().seed,
        step: sim.steps_done(),
    }
}

fn decide_on(sim: &Simulation, exposure: &Exposure, threads: usize) -> StepIntents {
    let w = sim.world();
    let view = view_of(sim, &w.memory, exposure);
    let populations = Populations {
        osteoclasts: &w.osteoclasts,
        osteoblasts: &w.osteoblasts,
        tcells: &w.tcells,
        pool: &w.pool,
        bmus: &w.bmus,
        lining: &w.surface.lining,
        marrow_mm3: w.marrow_mm3(),
    };
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| decide(&view, &populations))
}

/// The `k`-th lining voxel (in index order) of field cell `cell`.
fn nth_lining_voxel(view: &View<'_>, cell: usize, k: usize) -> Option<usize> {
    let grid = &view.signals.grid;
    let (l, s) = (view.lattice.dims, grid.coarsening);
    let (cx, cy, cz) = grid.dims.coords(cell);
    let mut seen = 0;
    for z in cz * s..((cz + 1) * s).min(l.nz) {
        for y in cy * s..((cy + 1) * s).min(l.ny) {
            for x in cx * s..((cx + 1) * s).min(l.nx) {
                let v = l.index(x, y, z);
                if view.memory.has(v, flags::LINING) {
                    if seen == k {
                        return Some(v);
                    }
                    seen += 1;
                }
            }
        }
    }
    None
}

/// New sites drawn by a search over the running sum of every field cell's weight.
fn initiations_over_every_cell(view: &View<'_>, lining: &[u32], fill: f64) -> Vec<(u32, u16)> {
    let c = &view.rules.cells.precursor;
    let mut prefix = Vec::new();
    let mut total = 0.0;
    for (cell, &n) in lining.iter().enumerate() {
        total += if n == 0 {
            0.0
        } else {
            f64::from(n) * view.signals.stimulus(cell, c)
        };
        prefix.push(total);
    }
    let face_mm2 = (view.rules.voxel_um * 1e-3).powi(2);
    let expected = c.initiation_per_mm2_per_day * fill * face_mm2 * total * view.rules.dt_days;
    let mut stream = view.stream(0, Purpose::Differentiate);
    let mut out = Vec::new();
    for _ in 0..stream.poisson(expected) {
        let u = stream.uniform() * total;
        let cell = prefix.partition_point(|&p| p <= u).min(prefix.len() - 1);
        let k = stream.below(u64::from(lining[cell]));
        if let Some(v) = nth_lining_voxel(view, cell, k as usize) {
            out.push((v as u32, draw_nuclei(&mut stream, c.nuclei_mean)));
        }
    }
    out
}

/// New sites on unloaded surface found by a voxel-by-voxel scan.
fn unloaded_by_scan(view: &View<'_>, fill: f64) -> Vec<(u32, u16)> {
    let rules = view.rules;
    let c = &rules.cells.precursor;
    let both = flags::LINING | flags::UNLOADED;
    let voxels: Vec<usize> = (0..view.memory.flags.len())
        .filter(|&v| view.memory.flags[v] & both == both)
        .collect();
    let mut prefix = Vec::new();
    let mut total = 0.0;
    for &v in &voxels {
        total += view.signals.stimulus(view.cell_of(v), c);
        prefix.push(total);
    }
    let rate = rules.cells.mechanics.unloaded_initiation_per_mm2_per_day;
    let face_mm2 = (rules.voxel_um * 1e-3).powi(2);
    let expected = rate * fill * face_mm2 * total * rules.dt_days;
    let mut stream = view.stream(0, Purpose::Mechanics);
    (0..stream.poisson(expected))
        .map(|_| {
            let u = stream.uniform() * total;
            let k = prefix.partition_point(|&p| p <= u).min(prefix.len() - 1);
            (voxels[k] as u32, draw_nuclei(&mut stream, c.nuclei_mean))
        })
        .collect()
}

#[test]
fn decide_is_the_same_at_any_thread_count_and_the_rewritten_parts_draw_as_before() {
    let (sim, exposure) = busy();
    let w = sim.world();

    let one = decide_on(&sim, &exposure, 1);
    assert_eq!(one.tc.len(), w.tcells.len());
    assert_eq!(one.oc.len(), w.osteoclasts.len());
    assert_eq!(one.ob.len(), w.osteoblasts.len());
    for threads in [2, 3] {
        assert!(
            decide_on(&sim, &exposure, threads) == one,
            "{threads} threads"
        );
    }

    // New sites on the quiescent surface, at this step's fill and at fills that make
    // hundreds of draws.
    let view = view_of(&sim, &w.memory, &exposure);
    for fill in [w.pool.fill(), 50.0, 500.0] {
        let drawn = initiations(&view, &w.surface.lining, fill);
        assert_eq!(
            drawn,
            initiations_over_every_cell(&view, &w.surface.lining, fill)
        );
        if fill == 500.0 {
            assert!(drawn.len() > 100, "{} draws", drawn.len());
        }
    }

    // New sites on unloaded surface: every third lining voxel marked unloaded.
    let mut memory = w.memory.clone();
    let lining: Vec<usize> = (0..memory.flags.len())
        .filter(|&v| memory.has(v, flags::LINING))
        .collect();
    for &v in lining.iter().step_by(3) {
        memory.set(v, flags::UNLOADED, true);
    }
    let unloaded = view_of(&sim, &memory, &exposure);
    for fill in [w.pool.fill(), 20.0] {
        let drawn = unloaded_initiations(&unloaded, fill);
        assert!(!drawn.is_empty());
        assert_eq!(drawn, unloaded_by_scan(&unloaded, fill));
    }
}

#[test]
fn tcells_apply_as_retain_then_push() {
    let (sim, exposure) = busy();
    let w = sim.world();
    let mut intents: Vec<TcIntent> = decide_on(&sim, &exposure, 2).tc;
    // Enough deaths and births to matter.
    for (i, intent) in intents.iter_mut().enumerate() {
        match i % 7 {
            0 => intent.dies = true,
            1 => intent.daughter = Some(i as u32),
            _ => {}
        }
    }
    let step = sim.steps_done();
    let (mut ids, mut ids_ref) = (w.ids, w.ids);
    let mut applied = w.tcells.clone();
    applied.apply(&intents, &mut ids, step);

    let mut reference = w.tcells.clone();
    for (i, intent) in intents.iter().enumerate() {
        reference.activated[i] = intent.activated;
    }
    let keep: Vec<bool> = intents.iter().map(|i| !i.dies).collect();
    reference.retain(&keep);
    for d in intents.iter().filter_map(|i| i.daughter) {
        let id = ids_ref.take();
        reference.push(id, d, false, step);
    }
    assert_eq!(applied, reference);
    assert_eq!(ids, ids_ref);
}
