//! The checkpoint of a simulation, through the library: a simulation restored from a
//! checkpoint and the original, stepped on together, record the same rows and events
//! and reach the same state, byte for byte in its encoding (every array, the
//! steady solver's f64 warm-start solutions included); a damaged or foreign
//! checkpoint is refused. The run doses drugs before the checkpoint, so the
//! pharmacokinetic state and the clinical baselines must travel with it.

use std::path::Path;

use trabecula::config;
use trabecula::lattice::source;
use trabecula::sim::{CheckpointError, MemorySink, Simulation};

const CONFIG: &str = r#"
[run]
seed = 3
spinup_days = 10
days = 60
measure_every_days = 5

[lattice]
voxel_um = 20.0
shape_voxels = [46, 46, 58]

[lattice.synthetic]
preset = "iliac_crest"

[fields]
steady_tolerance = 1e-3

[cells.precursor]
initiation_per_mm2_per_day = 0.2

# Drugs with state: denosumab's PK compartments (dosed before the checkpoint),
# bisphosphonate on and under the bone, and a conditional start.
[[drug]]
name = "denosumab"
start_day = 2
interval_days = 182
dose_mg = 60

[[drug]]
name = "zoledronic_acid"
start_day = 0
interval_days = 182
dose_mg = 4
start_when = { t_score_below = -1.0 }
"#;

fn setup() -> (config::Config, Simulation) {
    let config = config::parse(CONFIG, "test", Path::new("."), &[]).unwrap();
    let lattice = source::build(&config.lattice, config.run.seed)
        .unwrap()
        .lattice;
    let sim = Simulation::new(&config, lattice).unwrap();
    (config, sim)
}

#[test]
fn a_restored_simulation_continues_exactly() {
    let (config, mut a) = setup();
    let mut sink_a = MemorySink::default();
    for _ in 0..25 {
        a.step(&mut sink_a).unwrap();
    }
    let bytes = a.checkpoint();
    let mut b = Simulation::from_checkpoint(&config, &bytes).unwrap();
    assert_eq!(b.steps_done(), 25);
    // Restoring loses nothing: the restored state encodes to the same bytes.
    assert_eq!(
        b.checkpoint(),
        bytes,
        "restored state differs before stepping"
    );
    assert!(a.world().osteoclasts.len() + a.world().osteoblasts.len() > 0);

    let mut tail_a = MemorySink::default();
    let mut tail_b = MemorySink::default();
    while !a.is_done() {
        a.step(&mut tail_a).unwrap();
        b.step(&mut tail_b).unwrap();
    }
    assert!(b.is_done());
    assert!(
        tail_a.measurements.len() >= 9,
        "{} rows",
        tail_a.measurements.len()
    );
    // Compared as text: records hold NaN (durations of phases a site never reached),
    // and Rust's float formatting is exact (shortest round-trip representation).
    assert_eq!(
        format!("{tail_a:?}"),
        format!("{tail_b:?}"),
        "recorded rows and events differ"
    );
    assert!(
        a.checkpoint() == b.checkpoint(),
        "final states differ (fields, cells, memory or totals)"
    );
}

#[test]
fn damaged_or_foreign_checkpoints_are_refused() {
    let (config, a) = setup();
    let bytes = a.checkpoint();
    let short = Simulation::from_checkpoint(&config, &bytes[..bytes.len() / 2]);
    assert!(matches!(short, Err(CheckpointError::Decode(_))));
    let mut foreign = bytes.clone();
    foreign[0] ^= 0xff;
    let foreign = Simulation::from_checkpoint(&config, &foreign);
    assert!(matches!(foreign, Err(CheckpointError::Decode(_))));
    // The format number follows the 8-byte magic.
    let mut newer = bytes.clone();
    newer[8] = newer[8].wrapping_add(1);
    match Simulation::from_checkpoint(&config, &newer) {
        Err(e @ CheckpointError::Version { .. }) => {
            assert!(e.to_string().contains("version that started it"), "{e}")
        }
        other => panic!("expected a version error, got {:?}", other.err()),
    }
    let mut other_seed = config.clone();
    other_seed.run.seed += 1;
    assert!(matches!(
        Simulation::from_checkpoint(&other_seed, &bytes),
        Err(CheckpointError::Mismatch(_))
    ));
}
