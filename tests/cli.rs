//! The binary end to end: exit codes, messages, files written, nothing overwritten.

mod common;

use std::path::{Path, PathBuf};

use common::{repo, small_lattice_config, stderr, stdout, trabecula, write};

/// A small lattice config (1.2 mm cube) in a temporary directory.
fn small_config(dir: &Path) -> PathBuf {
    write(dir, "small.toml", &small_lattice_config())
}

#[test]
fn check_accepts_good_configs_and_rejects_bad_ones_with_code_2() {
    let ok = trabecula(&["check", &repo("configs/iliac_crest_lattice.toml")]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[run]\nsed = 1\n[lattice]\nvoxel_um = 0\n[lattice.synthetic]\npreset = \"hip\"\n",
    )
    .unwrap();
    let out = trabecula(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    for needle in [
        "run.sed",
        "did you mean `run.seed`",
        "lattice.voxel_um",
        "[1, 100]",
        "lattice.synthetic.preset",
    ] {
        assert!(e.contains(needle), "stderr lacks {needle:?}:\n{e}");
    }
    assert!(!e.contains("panicked"), "{e}");

    let missing = trabecula(&["check", "/nonexistent/config.toml"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    let set = trabecula(&[
        "check",
        &repo("configs/iliac_crest_lattice.toml"),
        "--set",
        "lattice.voxel_um=1000",
    ]);
    assert_eq!(set.status.code(), Some(2));
    assert!(
        stderr(&set).contains("--set `lattice.voxel_um`"),
        "{}",
        stderr(&set)
    );
    let usage = trabecula(&["check"]);
    assert_eq!(usage.status.code(), Some(2), "usage errors are bad input");
}

#[test]
fn lattice_writes_a_file_and_never_overwrites_one_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(dir.path());
    let out_path = dir.path().join("out.h5");
    let out = trabecula(&[
        "lattice",
        config.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("BV/TV"), "{}", stdout(&out));
    let before = std::fs::read(&out_path).unwrap();

    let again = trabecula(&[
        "lattice",
        config.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(
        std::fs::read(&out_path).unwrap(),
        before,
        "existing output must be untouched"
    );

    // The stored lattice measures the same as what the command printed.
    let m = trabecula(&["measure", out_path.to_str().unwrap(), "--json"]);
    assert_eq!(m.status.code(), Some(0), "{}", stderr(&m));
    let v: serde_json::Value = serde_json::from_str(&stdout(&m)).unwrap();
    let bv_tv = v["bv_tv"].as_f64().unwrap();
    assert!(bv_tv > 0.1 && bv_tv < 0.2, "iliac crest BV/TV {bv_tv}");
}

#[test]
fn lattice_bytes_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(dir.path());
    let mut volumes = Vec::new();
    for threads in ["1", "2"] {
        let path = dir.path().join(format!("t{threads}.h5"));
        let out = trabecula(&[
            "lattice",
            config.to_str().unwrap(),
            "-o",
            path.to_str().unwrap(),
            "--threads",
            threads,
            "-q",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        volumes.push(trabecula::output::read_lattice(&path).unwrap());
    }
    assert_eq!(volumes[0], volumes[1]);
}

#[test]
fn measure_json_has_the_documented_keys() {
    let out = trabecula(&[
        "measure",
        &repo("tests/fixtures/shrew_trabecular.nrrd"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON object");
    let obj = v.as_object().unwrap();
    for key in [
        "bv_tv",
        "tb_th_mm",
        "tb_sp_mm",
        "tb_n_per_mm",
        "conn_d_per_mm3",
        "euler",
        "components",
    ] {
        assert!(obj.contains_key(key), "missing {key} in {v}");
    }
}

#[test]
fn measure_rejects_bad_volumes_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::fs::read(repo("tests/fixtures/shrew_trabecular.nrrd")).unwrap();
    let truncated = dir.path().join("truncated.nrrd");
    std::fs::write(&truncated, &fixture[..fixture.len() / 2]).unwrap();
    let not_h5 = dir.path().join("fake.h5");
    std::fs::write(&not_h5, b"not an hdf5 file at all").unwrap();
    let raw = dir.path().join("vol.raw");
    std::fs::write(&raw, vec![0u8; 999]).unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["measure".into(), truncated.to_string_lossy().into()],
        vec!["measure".into(), not_h5.to_string_lossy().into()],
        vec!["measure".into(), "/nonexistent.nrrd".into()],
        vec!["measure".into(), raw.to_string_lossy().into()],
        vec![
            "measure".into(),
            raw.to_string_lossy().into(),
            "--raw-shape".into(),
            "10,10,10".into(),
            "--raw-dtype".into(),
            "uint8".into(),
            "--raw-spacing-um".into(),
            "5,5,5".into(),
        ],
    ];
    for args in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = trabecula(&a);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{a:?}: {e}");
        assert!(
            e.starts_with("error: ") && !e.contains("panicked"),
            "{a:?}: {e}"
        );
    }
}

#[test]
fn validate_rejects_a_bad_override_before_running_or_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("validation");
    let out_str = out_dir.to_str().unwrap();
    for (set, expect) in [
        (
            "cells.osteoblast.estrogen_lifespan_gain=-1",
            "valid range is [0, 100]",
        ),
        ("cells.osteoblast.no_such_key=1", "unknown key"),
    ] {
        let o = trabecula(&["validate", "--quick", "-q", "-o", out_str, "--set", set]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let key = set.split('=').next().unwrap();
        assert!(stderr(&o).contains(key), "{}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{}", stderr(&o));
        assert!(!out_dir.exists(), "the output directory was created");
    }
}
