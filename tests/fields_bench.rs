//! The field benchmark runs end to end on a small grid and reports every key the
//! performance table needs (no timings are checked: they depend on the machine).

use trabecula::fields::bench::{self, BenchOptions};

#[test]
fn the_benchmark_reports_every_key() {
    let report = bench::run(&BenchOptions {
        n: 16,
        steps: 2,
        threads: vec![1, 2],
        ..BenchOptions::default()
    })
    .unwrap();
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "implicit_step_ms_1t",
        "implicit_step_ms_2t",
        "floor_ms_1t",
        "floor_ms_2t",
        "bytes_per_voxel_species",
        "steady_cold_ms",
        "steady_warm_ms",
        "steady_warm_cycles",
        "steady_warm_initial_residual",
    ] {
        let v = json[key].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite() && v > 0.0, "{key} = {}", json[key]);
    }
    assert_eq!(report.timings.len(), 2);
    for t in &report.timings {
        assert!(t.triad_gb_per_s > 0.0 && t.updates_per_s > 0.0);
    }
    // The working set stays within 16 bytes per voxel-species.
    assert!(
        report.bytes_per_voxel_species <= 16.0,
        "{}",
        report.bytes_per_voxel_species
    );
    assert_eq!(report.implicit_iterations, 4);
    assert!(report.table().contains("quasi-steady solve"));
    // Bad options are an error, not a panic.
    assert!(bench::run(&BenchOptions {
        threads: vec![0],
        ..BenchOptions::default()
    })
    .is_err());
}
