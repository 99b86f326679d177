//! `run.structure_every_days`: rows without the structural morphometry hold NaN in
//! exactly those columns, and skipping it changes nothing else in the time series
//! (measuring never feeds back into the simulation). Bad values name the key.

use std::path::Path;

use trabecula::config::{self, Config};
use trabecula::lattice::source;
use trabecula::sim::{Measurement, MemorySink, Simulation};

/// The columns `run.structure_every_days` controls.
const STRUCTURAL: [&str; 6] = [
    "tb_th_mm",
    "tb_sp_mm",
    "tb_n_per_mm",
    "conn_d_per_mm3",
    "euler",
    "components",
];

fn parse(run_extra: &str) -> Result<Config, config::ConfigError> {
    let text = format!(
        "[run]\nseed = 3\nspinup_days = 30\ndays = 120\nmeasure_every_days = 30\n{run_extra}\n\
         [fields]\nsteady_tolerance = 1e-3\n\
         [lattice]\nvoxel_um = 20.0\nshape_voxels = [46, 46, 58]\n\
         [lattice.synthetic]\npreset = \"iliac_crest\"\n\
         [estrogen]\nschedule = \"postmenopausal\"\n\
         [cells.precursor]\ninitiation_per_mm2_per_day = 0.2\n"
    );
    config::parse(&text, "test.toml", Path::new("."), &[])
}

fn rows(run_extra: &str) -> Vec<Measurement> {
    let c = parse(run_extra).unwrap_or_else(|e| panic!("{e}"));
    let built = source::build(&c.lattice, c.run.seed).unwrap();
    let mut sim = Simulation::new(&c, built.lattice).unwrap();
    let mut sink = MemorySink::default();
    sim.run(&mut sink, |_| {}).unwrap();
    sink.measurements
}

#[test]
fn skipped_structure_is_nan_and_changes_nothing_else() {
    let every = rows("");
    let sparse = rows("structure_every_days = 60");
    let never = rows("structure_every_days = 0");
    assert_eq!(every.len(), sparse.len());
    assert_eq!(every.len(), never.len());
    let mut skipped = 0;
    for ((a, b), c) in every.iter().zip(&sparse).zip(&never) {
        let due = b.day == every[0].day || b.day == 120.0 || (b.day as i64).rem_euclid(60) == 0;
        for (((name, _, va), (_, _, vb)), (_, _, vc)) in
            a.columns().into_iter().zip(b.columns()).zip(c.columns())
        {
            if STRUCTURAL.contains(&name) {
                assert!(va.is_finite(), "day {}: {name} measured by default", a.day);
                assert!(vc.is_nan(), "day {}: {name} never measured", a.day);
                if due {
                    assert_eq!(va.to_bits(), vb.to_bits(), "day {}: {name}", a.day);
                } else {
                    assert!(vb.is_nan(), "day {}: {name} is {vb}", a.day);
                    skipped += 1;
                }
            } else {
                // Bit-identical, NaN included.
                assert_eq!(va.to_bits(), vb.to_bits(), "day {}: {name}", a.day);
                assert_eq!(va.to_bits(), vc.to_bits(), "day {}: {name}", a.day);
            }
        }
    }
    assert!(skipped > 0, "some rows skipped the structure");
    // Activity happened, so identical rows are not a trivially quiet run.
    assert!(every.last().unwrap().bmus_activated_total > 0.0);
}

#[test]
fn a_cadence_off_the_rows_is_refused_with_the_key() {
    for bad in ["structure_every_days = 45", "structure_every_days = -30"] {
        let e = parse(bad).expect_err(bad).to_string();
        assert!(e.contains("run.structure_every_days"), "{bad}: {e}");
    }
    let e = parse("structure_every_days = 45").unwrap_err().to_string();
    assert!(e.contains("multiple of run.measure_every_days"), "{e}");
}
