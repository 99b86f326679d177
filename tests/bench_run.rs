//! `trabecula bench run`: the built-in standard workload is the one the project
//! describes, a tiny run of it through the binary reports every key with the right
//! step count and removes its temporary output, and bad flags are refused (exit
//! status 2) by name. No timing is asserted: only that the figures are consistent.

mod common;

use std::path::Path;

use common::{bin, code, ok, repo, stderr, stdout};
use trabecula::config;

#[test]
fn the_standard_workload_is_anastrozole_on_150_cubed_for_5_years_after_1() {
    let c = config::load(Path::new(&repo("configs/standard_workload.toml")), &[]).unwrap();
    assert_eq!(c.lattice.shape_voxels, Some([150, 150, 150]));
    assert_eq!(c.lattice.voxel_um, Some(20.0));
    assert_eq!(c.fields.coarsening, 2);
    assert_eq!((c.run.spinup_days, c.run.days), (365, 1826));
    assert_eq!(c.run.step_hours, 24);
    assert_eq!(c.run.measure_every_days, 30);
    assert_eq!(c.run.structure_every_days, 30);
    // The patient, her drug and the solver tolerance are those of the ready
    // anastrozole scenario.
    let a = config::load(
        Path::new(&repo("configs/anastrozole_5y_then_stop.toml")),
        &[],
    )
    .unwrap();
    assert_eq!(c.fields.steady_tolerance, a.fields.steady_tolerance);
    assert_eq!(c.estrogen, a.estrogen);
    assert_eq!(c.clinical, a.clinical);
    assert_eq!(c.cells, a.cells);
    assert_eq!(c.drugs, a.drugs);
    assert_eq!(c.drugs[0].start_day, 0.0);
    assert_eq!(c.drugs[0].stop_day, Some(1826.0));
}

#[test]
fn a_tiny_workload_reports_every_key_and_leaves_no_file_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .env("TMPDIR", tmp.path())
        .args(["bench", "run", "--json", "--quiet", "--threads", "1"])
        .args(["--side-mm", "1.14", "--spinup-days", "0", "--days", "3"])
        .output()
        .unwrap();
    ok(&out);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    for key in [
        "wall_s",
        "ms_per_step",
        "steps",
        "stages",
        "peak_rss_mb",
        "threads",
        "triad_gb_per_s",
        "cpu",
        "lattice_dims",
        "days",
        "spinup_days",
    ] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    assert_eq!(v["steps"], 3);
    assert_eq!(v["days"], 3);
    assert_eq!(v["spinup_days"], 0);
    assert_eq!(v["threads"], 1);
    assert_eq!(v["lattice_dims"], serde_json::json!([57, 57, 57]));
    assert!(v["kept"].is_null());
    let wall = v["wall_s"].as_f64().unwrap();
    let per_step = v["ms_per_step"].as_f64().unwrap();
    assert!(wall > 0.0 && (per_step - 1e3 * wall / 3.0).abs() < 1e-6 * per_step);
    let stages = v["stages"].as_object().unwrap();
    assert_eq!(stages.len(), 11);
    assert!(stages.contains_key("solve_fields") && stages.contains_key("measure"));
    let sum: f64 = stages.values().map(|s| s.as_f64().unwrap()).sum();
    assert!(
        sum > 0.0 && sum <= wall * 1.05 + 0.01,
        "{sum} s in stages, {wall} s wall"
    );
    if Path::new("/proc/self/status").exists() {
        assert!(v["peak_rss_mb"].as_f64().unwrap() > 1.0, "{v}");
    }
    assert!(v["triad_gb_per_s"].as_f64().unwrap() > 0.0);
    assert!(!v["cpu"].as_str().unwrap().is_empty());
    // The temporary directory and the output in it are gone.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn bad_flags_are_refused_by_name_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        bin()
            .env("TMPDIR", tmp.path())
            .args(["bench", "run", "--quiet"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["--side-mm", "60"]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("--side-mm") && e.contains("(0, 50]"), "{e}");

    // Too small for the generator: the smallest valid side is named.
    let o = run(&["--side-mm", "0.6", "--days", "3"]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("--side-mm") && e.contains("smallest valid"),
        "{e}"
    );

    let o = run(&["--days", "0"]);
    assert_eq!(code(&o), Some(2));
    assert!(stderr(&o).contains("--days: 0 is out of range; valid range is [1, 36500]"));

    let o = run(&["--threads", "100000", "--side-mm", "1.2", "--days", "1"]);
    assert_eq!(code(&o), Some(2));
    assert!(stderr(&o).contains("--threads 100000"), "{}", stderr(&o));

    // --keep never replaces a file.
    let keep = tmp.path().join("keep");
    std::fs::create_dir(&keep).unwrap();
    std::fs::write(keep.join("standard_workload.h5"), "mine").unwrap();
    let o = run(&["--keep", keep.to_str().unwrap(), "--side-mm", "1.2"]);
    assert_eq!(code(&o), Some(2));
    assert!(stderr(&o).contains("--keep") && stderr(&o).contains("exists"));
    assert_eq!(
        std::fs::read(keep.join("standard_workload.h5")).unwrap(),
        b"mine"
    );

    // Nothing ran: no temporary directory was left (only `keep` is there).
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn a_workload_too_large_for_this_machine_is_refused_before_it_runs() {
    use trabecula::footprint::{self, ConfigSource, Workload};
    let path = repo("configs/standard_workload.toml");
    let side: config::Override = "lattice.side_mm=20".parse().unwrap();
    let c = config::load(Path::new(&path), std::slice::from_ref(&side)).unwrap();
    let source = ConfigSource {
        name: &path,
        text: None,
        overrides: std::slice::from_ref(&side),
    };
    let needed = footprint::for_config(&c, Workload::Run, &source)
        .unwrap()
        .peak_bytes();
    match footprint::available() {
        Some(a) if a.bytes < needed => {}
        _ => {
            eprintln!("skipping: this machine may have the {needed} bytes a 1000^3 run needs");
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = bin()
        .env("TMPDIR", tmp.path())
        .args(["bench", "run", "--quiet", "--side-mm", "20", "--days", "1"])
        .output()
        .unwrap();
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("the standard workload on 1000 x 1000 x 1000 voxels"),
        "{e}"
    );
    assert!(e.contains("--skip-memory-check"), "{e}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}
