//! The drugs on the whole pipeline (tiny runs): bisphosphonate mass balance, the
//! T-score readout reaching a conditional start, denosumab in the field; and the ready
//! configs of every drug scenario.

mod common;

use common::parse;
use std::path::Path;
use trabecula::config;
use trabecula::pharmacology::denosumab;

mod simulation {
    use super::*;
    use trabecula::lattice::source;
    use trabecula::sim::{MemorySink, Simulation};

    fn run(extra: &str) -> (Simulation, MemorySink) {
        run_days(60, 90, extra)
    }

    fn run_days(spinup: u32, days: u32, extra: &str) -> (Simulation, MemorySink) {
        let c = parse(&format!(
            "[run]\nseed = 7\nspinup_days = {spinup}\ndays = {days}\nmeasure_every_days = 30\n\
             [fields]\nsteady_tolerance = 1e-3\n\
             [lattice]\nside_mm = 1.2\n[lattice.synthetic]\npreset = \"iliac_crest\"\n\
             [estrogen]\nschedule = \"postmenopausal\"\n{extra}"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let built = source::build(&c.lattice, c.run.seed).unwrap();
        let mut sim = Simulation::new(&c, built.lattice).unwrap();
        let mut sink = MemorySink::default();
        sim.run(&mut sink, |_| {}).unwrap();
        (sim, sink)
    }

    #[test]
    fn bound_plus_buried_plus_taken_up_equals_delivered() {
        // A large zoledronic acid dose on day 0 and again on day 30, so osteoclasts
        // resorb drug-laden bone within the run.
        let (sim, sink) =
            run("[[drug]]\nname = \"zoledronic_acid\"\ninterval_days = 30\ndose_mg = 5\n");
        let w = sim.world();
        let held: f64 = w
            .memory
            .bisphosphonate_fmol
            .iter()
            .map(|&h| f64::from(h))
            .sum();
        let t = &w.totals;
        println!(
            "delivered {:.4} fmol, held {held:.4}, taken up {:.4}",
            t.bisphosphonate_delivered_fmol, t.bisphosphonate_taken_up_fmol
        );
        assert!(t.bisphosphonate_delivered_fmol > 0.0);
        assert!(
            t.bisphosphonate_taken_up_fmol > 0.0,
            "osteoclasts took some up"
        );
        let balance = held + t.bisphosphonate_taken_up_fmol - t.bisphosphonate_delivered_fmol;
        // f32 per-voxel stores: rounding of about 1e-7 per operation.
        assert!(
            balance.abs() < 1e-5 * t.bisphosphonate_delivered_fmol,
            "imbalance {balance}"
        );
        let last = sink.measurements.last().unwrap();
        let split = last.bisphosphonate_surface_fmol + last.bisphosphonate_buried_fmol;
        assert!(
            (split - held).abs() < 1e-6 * held.max(1e-12),
            "{split} vs {held}"
        );
        assert!(last.bisphosphonate_buried_fmol >= 0.0);
    }

    #[test]
    fn the_run_passes_its_t_score_to_a_conditional_start() {
        // The day-0 row reads the baseline T-score (-1.99): below -1.98 the dose is
        // given on day 0; below -2.5 (a month cannot lose 0.5 SD) it never is.
        let entry = |limit: f64| {
            format!(
                "[clinical]\nbaseline_t_score = -1.99\n[[drug]]\nname = \"zoledronic_acid\"\n\
                 start_when = {{ t_score_below = {limit} }}\n"
            )
        };
        let (sim, sink) = run_days(30, 30, &entry(-1.98));
        assert_eq!(sim.pharmacology().regimens()[0].anchor, Some(0.0));
        assert!(sim.world().totals.bisphosphonate_delivered_fmol > 0.0);
        let t0 = sink
            .measurements
            .iter()
            .find(|m| m.day == 0.0)
            .unwrap()
            .t_score;
        assert_eq!(t0, -1.99);
        let (sim, sink) = run_days(30, 30, &entry(-2.5));
        assert_eq!(sim.pharmacology().regimens()[0].anchor, None);
        assert_eq!(sim.world().totals.bisphosphonate_delivered_fmol, 0.0);
        assert!(sink.measurements.last().unwrap().t_score > -2.5);
    }

    #[test]
    fn denosumab_reaches_the_field_and_blocks_free_rankl() {
        let (_, without) = run("");
        let (sim, with_dmab) = run("[[drug]]\nname = \"denosumab\"\nstart_day = 0\n");
        let a = without.measurements.last().unwrap();
        let b = with_dmab.measurements.last().unwrap();
        println!(
            "day {}: serum {:.3} ug/mL, field {:.1} pM, free RANKL {:.4} vs {:.4} pM, CTX {:.3} vs {:.3}",
            b.day, b.denosumab_serum_ug_ml, b.denosumab_pm, b.free_rankl_pm, a.free_rankl_pm,
            b.ctx_relative, a.ctx_relative
        );
        let expect_pm = denosumab::tissue_pm(sim.pharmacology().denosumab().serum_ng_ml(), 0.07);
        assert!(
            (b.denosumab_pm / expect_pm - 1.0).abs() < 0.01,
            "field {} vs tissue level {expect_pm}",
            b.denosumab_pm
        );
        assert!(b.free_rankl_pm < 0.1 * a.free_rankl_pm);
        assert_eq!(a.denosumab_pm, 0.0);
    }
}

/// Every scenario listed in docs/MODEL.md (section 1) has a ready config, and every
/// file in configs/ passes `trabecula check` (exit 0).
#[test]
fn every_ready_config_passes_check_and_the_scenarios_are_covered() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let scenarios = [
        "postmenopausal",
        "menopause_transition",
        "anastrozole_5y_then_stop",
        "letrozole_5y_then_stop",
        "exemestane_5y_then_stop",
        "tamoxifen_then_exemestane",
        "premenopausal_goserelin_anastrozole",
        "premenopausal_goserelin_anastrozole_zoledronic",
        "men_testosterone_low_dose_anastrozole",
        "letrozole_zoledronic_upfront",
        "letrozole_zoledronic_delayed",
        "anastrozole_denosumab",
        "denosumab_stopped",
        "denosumab_stopped_then_zoledronic",
        "alendronate_weekly",
        "teriparatide",
    ];
    for name in scenarios {
        let path = dir.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.starts_with("# "), "{name}: say what it represents");
        let c = config::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.lattice.shape_voxels, Some([70, 70, 70]), "{name}");
    }
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        // Sweep files are checked with the plans they make (tests/config.rs).
        let sweep = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("sweep"));
        if sweep {
            continue;
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_trabecula"))
            .args(["check", "--quiet"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    assert!(checked >= scenarios.len());
}
