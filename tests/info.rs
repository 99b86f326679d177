//! `trabecula info` end to end through the binary: on a file made by `trabecula
//! lattice`, on a file written through the output API with a time series, events
//! and snapshots (complete and not), and on files it must refuse with exit code 2.

mod common;

use std::path::{Path, PathBuf};

use common::{small_lattice_config, stderr, stdout, trabecula, write};
use serde_json::Value;
use trabecula::grid::Dims;
use trabecula::lattice::Lattice;
use trabecula::output::{FileMeta, OutputFile};

/// `trabecula info PATH --json`, parsed; fails the test on a non-zero exit.
fn info_json(path: &Path) -> Value {
    let out = trabecula(&["info", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("one JSON object")
}

/// `trabecula info PATH` as text; fails the test on a non-zero exit.
fn info_text(path: &Path) -> String {
    let out = trabecula(&["info", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

/// The dataset `path` of an info report: its shape and dtype.
fn dataset<'a>(info: &'a Value, path: &str) -> (&'a Value, &'a str) {
    let d = info["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == path)
        .unwrap_or_else(|| panic!("no dataset {path} in {}", info["datasets"]));
    (&d["shape"], d["dtype"].as_str().unwrap())
}

/// A 1.2 mm cube at 20 um written by `trabecula lattice` with seed 5.
fn lattice_file(dir: &Path) -> PathBuf {
    let config = write(dir, "small.toml", &small_lattice_config());
    let out_path = dir.join("lattice.h5");
    let out = trabecula(&[
        "--quiet",
        "lattice",
        config.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    out_path
}

#[test]
fn info_describes_a_lattice_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = lattice_file(dir.path());

    let info = info_json(&path);
    assert_eq!(info["format_version"], 1);
    assert_eq!(info["software"], "trabecula");
    assert_eq!(info["software_version"], trabecula::VERSION);
    assert_eq!(info["git_revision"], trabecula::GIT_REVISION);
    assert!(info["command"].as_str().unwrap().contains("lattice"));
    assert_eq!(info["seed"], 5);
    assert_eq!(info["threads"], 1);
    assert_eq!(info["complete"], false);
    assert_eq!(info["has_checkpoint"], false);
    let config = &info["config"];
    assert_eq!(config["lattice_source"], "synthetic");
    assert_eq!(config["lattice_settings"]["preset"], "iliac_crest");
    assert_eq!(
        config["lattice"]["shape_voxels"],
        serde_json::json!([60, 60, 60])
    );
    assert_eq!(config["run"]["seed"], 5);
    let lattice = &info["lattice"];
    assert_eq!(lattice["dims"], serde_json::json!([60, 60, 60]));
    assert_eq!(lattice["voxel_um"], 20.0);
    assert_eq!(lattice["size_mm"], serde_json::json!([1.2, 1.2, 1.2]));
    let metrics = lattice["metrics"].as_array().unwrap();
    let bv_tv = metrics.iter().find(|m| m["name"] == "bv_tv").unwrap();
    assert_eq!(bv_tv["units"], "1");
    assert!((0.05..0.4).contains(&bv_tv["value"].as_f64().unwrap()));
    let tb_th = metrics.iter().find(|m| m["name"] == "tb_th_mm").unwrap();
    assert_eq!(tb_th["units"], "mm");
    assert_eq!(info["snapshots"], serde_json::json!([]));
    assert_eq!(info["timeseries"]["rows"], 0);
    assert_eq!(info["timeseries"]["days_simulated"], Value::Null);
    assert_eq!(info["events"], serde_json::json!([]));
    let (shape, dtype) = dataset(&info, "lattice/bone_fraction");
    assert_eq!(shape, &serde_json::json!([60, 60, 60]));
    assert_eq!(dtype, "float32");
    let (shape, dtype) = dataset(&info, "lattice/metrics/bv_tv");
    assert_eq!((shape, dtype), (&serde_json::json!([]), "float64"));

    let text = info_text(&path);
    for needle in [
        "format version 1",
        "seed          5",
        "incomplete",
        "checkpoint    no",
        "lattice synthetic (preset = \"iliac_crest\")",
        "[run] ",
        "seed = 5",
        "60 x 60 x 60 voxels (x y z) of 20 um = 1.2 x 1.2 x 1.2 mm",
        "tb_th_mm",
        "lattice/bone_fraction",
        "[60, 60, 60]",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
}

/// Writes a file through the output API: a 5 x 4 x 3 lattice, 10 time series
/// rows (days 0..9), 3 perforation events, 2 snapshots (one with a field).
fn api_file(path: &Path, complete: bool) {
    let meta = FileMeta {
        software_version: "1.2.3".into(),
        git_revision: "abc1234".into(),
        command: "trabecula run scenario.toml -o out.h5".into(),
        config_toml: "[run]\nseed = 99\ndays = 9\n[lattice]\nvoxel_um = 12.5\n\
                      [lattice.import]\npath = \"/data/ct.nrrd\"\nthreshold = 128\n"
            .into(),
        seed: 99,
        threads: 4,
    };
    let dims = Dims::new(5, 4, 3);
    let lattice = Lattice {
        dims,
        voxel_um: 12.5,
        bone_fraction: vec![0.5; dims.len()],
    };
    let rankl = vec![1.0f32; dims.len()];
    let mut out = OutputFile::create(path, &meta).unwrap();
    out.write_lattice(&lattice, &[("bv_tv", 0.5, "1")]).unwrap();
    let mut ts = out
        .timeseries(&[("day", "d"), ("bv_tv", "1"), ("ctx_rel", "1")])
        .unwrap();
    let mut perf = out
        .event_table("perforations", &[("day", "d"), ("x", "voxel")])
        .unwrap();
    out.write_snapshot(0, &lattice, &[]).unwrap();
    for day in 0..10 {
        ts.append_row(&[f64::from(day), 0.5, 1.0]).unwrap();
        if day % 4 == 0 {
            perf.append_row(&[f64::from(day), 2.0]).unwrap();
        }
    }
    out.write_snapshot(9, &lattice, &[("rankl_pm", &rankl, "pM")])
        .unwrap();
    if complete {
        out.mark_complete().unwrap();
    }
    out.close().unwrap();
}

#[test]
fn info_describes_a_file_with_tables_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("done.h5");
    api_file(&done, true);
    let info = info_json(&done);
    assert_eq!(info["complete"], true);
    assert_eq!(info["has_checkpoint"], false);
    assert_eq!(info["seed"], 99);
    assert_eq!(info["threads"], 4);
    assert_eq!(info["software_version"], "1.2.3");
    assert_eq!(info["config"]["lattice_source"], "import");
    assert_eq!(info["config"]["lattice_settings"]["path"], "/data/ct.nrrd");
    assert_eq!(info["config"]["run"]["days"], 9);
    assert_eq!(info["lattice"]["dims"], serde_json::json!([5, 4, 3]));
    assert_eq!(
        info["snapshots"],
        serde_json::json!([
            {"name": "day_00000", "day": 0.0, "fields": []},
            {"name": "day_00009", "day": 9.0, "fields": ["rankl_pm"]},
        ])
    );
    let ts = &info["timeseries"];
    assert_eq!(ts["rows"], 10);
    assert_eq!(ts["days_simulated"], 9.0);
    assert_eq!(
        ts["columns"],
        serde_json::json!([
            {"name": "day", "units": "d"},
            {"name": "bv_tv", "units": "1"},
            {"name": "ctx_rel", "units": "1"},
        ])
    );
    assert_eq!(
        info["events"],
        serde_json::json!([{
            "name": "perforations",
            "rows": 3,
            "columns": [{"name": "day", "units": "d"}, {"name": "x", "units": "voxel"}],
        }])
    );
    let datasets: Vec<&str> = info["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        datasets,
        [
            "events/perforations/day",
            "events/perforations/x",
            "lattice/bone_fraction",
            "lattice/metrics/bv_tv",
            "snapshots/day_00000/bone_fraction",
            "snapshots/day_00009/bone_fraction",
            "snapshots/day_00009/rankl_pm",
            "timeseries/bv_tv",
            "timeseries/ctx_rel",
            "timeseries/day",
        ]
    );
    let (shape, dtype) = dataset(&info, "snapshots/day_00009/rankl_pm");
    assert_eq!((shape, dtype), (&serde_json::json!([3, 4, 5]), "float32"));
    let (shape, dtype) = dataset(&info, "timeseries/ctx_rel");
    assert_eq!((shape, dtype), (&serde_json::json!([10]), "float64"));

    let text = info_text(&done);
    for needle in [
        "status        complete",
        "lattice import (path = \"/data/ct.nrrd\", threshold = 128); voxel_um = 12.5",
        "day_00009 (day 9); fields rankl_pm",
        "10 rows, 9 days simulated",
        "day (d), bv_tv (1), ctx_rel (1)",
        "perforations: 3 rows; day (d), x (voxel)",
        "snapshots/day_00009/rankl_pm",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }

    let unfinished = dir.path().join("unfinished.h5");
    api_file(&unfinished, false);
    assert_eq!(info_json(&unfinished)["complete"], false);
}

#[test]
fn info_refuses_foreign_and_corrupt_files_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.h5");
    api_file(&good, true);
    let bytes = std::fs::read(&good).unwrap();

    let text = dir.path().join("text.h5");
    std::fs::write(&text, b"not an hdf5 file at all").unwrap();
    let truncated = dir.path().join("truncated.h5");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    // The same file claiming another writer: the root `software` attribute is
    // stored as plain bytes, so renaming every occurrence changes the writer.
    let foreign = dir.path().join("foreign.h5");
    let needle = b"trabecula";
    let mut renamed = bytes.clone();
    let mut hits = 0;
    for i in 0..renamed.len() - needle.len() {
        if &renamed[i..i + needle.len()] == needle {
            renamed[i..i + needle.len()].copy_from_slice(b"TRABECULA");
            hits += 1;
        }
    }
    assert!(hits > 0, "the software attribute was not found in the file");
    std::fs::write(&foreign, &renamed).unwrap();
    let missing = dir.path().join("missing.h5");

    for (path, message) in [
        (&text, "not an HDF5 file"),
        (&truncated, "truncated.h5"),
        (&foreign, "not a trabecula output file"),
        (&missing, "no such file"),
    ] {
        let out = trabecula(&["info", path.to_str().unwrap(), "--json"]);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {e}", path.display());
        assert!(
            e.starts_with("error: ") && e.contains(message) && !e.contains("panicked"),
            "{}: {e}",
            path.display()
        );
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    }
}
