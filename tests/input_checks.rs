//! Bad input through the binary: the generator's rules at `check`, `run` and `sweep
//! plan` time, named at the key the user wrote; SLURM resource formats; raw-volume
//! flags as the README writes them; whole-table `--set`; short numbers; directories
//! named as such; I/O errors that say their text once. Every case exits with 2.

mod common;

use std::path::{Path, PathBuf};

use common::{iliac_config, s, stderr, trabecula, write};

/// Runs `args`, expects exit status 2, returns stderr.
fn refused(args: &[&str]) -> String {
    let o = trabecula(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}\n{e}");
    e
}

fn assert_has(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "{n:?} not in\n{text}");
    }
}

/// A small iliac-crest config; `lattice` is the body of its `[lattice]` table
/// (line 3 on). Node spacing of the preset: 0.870 mm along x and y, 1.132 mm
/// along z.
fn config(dir: &Path, lattice: &str) -> PathBuf {
    write(dir, "c.toml", &iliac_config("days = 30", lattice, ""))
}

#[test]
fn a_side_too_small_for_the_generator_is_named_at_check_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), "voxel_um = 20\nside_mm = 1.0");
    let e = refused(&["check", s(&c)]);
    assert_has(
        &e,
        &[
            "line 5: `lattice.side_mm`: 1 mm at 20 um voxels is too small",
            "1.132] mm",
            "the smallest valid side_mm is 1.14 (57 voxels)",
        ],
    );
    assert!(!e.contains("dims."), "{e}");

    // `run` refuses it before anything is set up or written.
    let good = config(dir.path(), "voxel_um = 20\nside_mm = 1.2");
    let out = dir.path().join("out.h5");
    let e = refused(&[
        "run",
        s(&good),
        "-o",
        s(&out),
        "--set",
        "lattice.side_mm=0.4",
    ]);
    assert_has(&e, &["--set `lattice.side_mm`: 0.4 mm", "side_mm is 1.14"]);
    assert!(!e.contains("threads:"), "{e}");
    assert!(!out.exists());
}

#[test]
fn a_shape_too_small_names_shape_voxels_and_the_smallest_valid_shape() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), "voxel_um = 20\nshape_voxels = [40, 60, 40]");
    let e = refused(&["check", s(&c)]);
    assert_has(
        &e,
        &[
            "line 5: `lattice.shape_voxels`: [40, 60, 40] voxels of 20 um is [0.8, 1.2, 0.8] mm",
            "the smallest valid shape_voxels is [44, 60, 57]",
        ],
    );
}

fn sweep(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("sweep.toml");
    std::fs::write(&path, format!("[sweep]\nbase = \"c.toml\"\n{body}")).unwrap();
    path
}

#[test]
fn sweep_plan_runs_the_generator_rules_on_every_task() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "voxel_um = 40\nside_mm = 1.2");
    // An axis value the generator cannot build: named at the axis' line.
    let sw = sweep(dir.path(), "[axes]\n\"lattice.side_mm\" = [1.2, 0.4]\n");
    let plan = dir.path().join("plan");
    let e = refused(&["sweep", "plan", s(&sw), "-o", s(&plan)]);
    assert_has(
        &e,
        &[
            "line 4: `axes.lattice.side_mm`: config key `lattice.side_mm`: 0.4 mm at 40 um",
            "smallest valid side_mm is 1.16 (29 voxels)",
            "in task 1",
        ],
    );
    assert!(!plan.exists());

    // An axis that breaks a key of the base config: named at the axis, with the
    // base config's key and line (it used to be dropped from the plan silently).
    let sw = sweep(
        dir.path(),
        "[axes]\n\"lattice.synthetic.tb_sp_mm\" = [0.5, 3.0]\n",
    );
    let e = refused(&["sweep", "plan", s(&sw), "-o", s(&plan)]);
    assert_has(
        &e,
        &[
            "line 4: `axes.lattice.synthetic.tb_sp_mm`: with lattice.synthetic.tb_sp_mm = 3.0",
            "fails at `lattice.side_mm` (line 5): 1.2 mm at 40 um voxels is too small",
            "in task 1",
        ],
    );
    assert!(!plan.exists());
}

#[test]
fn sweep_plan_o_naming_a_file_says_which_path() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "voxel_um = 40\nside_mm = 1.2");
    let sw = sweep(dir.path(), "[axes]\n\"run.days\" = [10]\n");
    let file = dir.path().join("taken");
    std::fs::write(&file, "keep me").unwrap();
    let e = refused(&["sweep", "plan", s(&sw), "-o", s(&file)]);
    assert_has(
        &e,
        &[&format!("-o {}: exists and is not a directory", s(&file))],
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn sweep_slurm_checks_time_mem_and_cpus_against_slurm_forms() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "voxel_um = 40\nside_mm = 1.2");
    let sw = sweep(dir.path(), "[axes]\n\"run.days\" = [10, 20]\n");
    let plan = dir.path().join("plan");
    let o = trabecula(&["--quiet", "sweep", "plan", s(&sw), "-o", s(&plan)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p = s(&plan);
    let script = plan.join("sweep.sbatch");
    for (flag, value, forms) in [
        ("--time", "2h", "D-HH:MM:SS"),
        ("--time", "1:60", "D-HH:MM:SS"),
        ("--mem", "4GB", "K, M, G or T"),
        ("--mem", "1.5G", "K, M, G or T"),
        ("--cpus", "0", "at least 1"),
    ] {
        let e = refused(&["sweep", "slurm", p, flag, value]);
        assert_has(&e, &[&format!("{flag} "), value, forms]);
        assert!(!script.exists(), "{flag} {value}");
    }
    for (time, mem) in [("1-12", "500M"), ("UNLIMITED", "4096"), ("90", "2g")] {
        let o = trabecula(&["sweep", "slurm", p, "--time", time, "--mem", mem]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = std::fs::read_to_string(&script).unwrap();
        assert_has(
            &text,
            &[
                &format!("#SBATCH --time={time}\n"),
                &format!("#SBATCH --mem={mem}\n"),
            ],
        );
    }
}

#[test]
fn measure_takes_raw_flags_as_the_readme_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    // 20^3 big-endian uint16 after a 16-byte header: bone (2000) in the lower half
    // of z, marrow (100) above, so BV/TV is exactly 0.5.
    let mut bytes = vec![0xAB; 16];
    for z in 0..20 {
        for _ in 0..400 {
            let v: u16 = if z < 10 { 2000 } else { 100 };
            bytes.extend_from_slice(&v.to_be_bytes());
        }
    }
    let raw = dir.path().join("v.raw");
    std::fs::write(&raw, &bytes).unwrap();
    let args = [
        "measure",
        s(&raw),
        "--raw-shape",
        "20,20,20",
        "--raw-dtype",
        "uint16",
        "--raw-spacing-um",
        "10,10,10",
        "--raw-endian",
        "big",
        "--raw-header-bytes",
        "16",
        "--threshold",
        "1000",
        "--json",
    ];
    let o = trabecula(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["bv_tv"].as_f64(), Some(0.5), "{json}");

    let mut bad = args;
    bad[3] = "20,20";
    let e = refused(&bad);
    assert_has(
        &e,
        &[
            "--raw-shape",
            "expected three comma-separated positive integers",
        ],
    );
}

#[test]
fn set_of_a_whole_table_is_refused_with_the_dotted_keys_to_use() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), "voxel_um = 40\nside_mm = 1.2");
    let e = refused(&["check", s(&c), "--set", "run={days=3}"]);
    assert_has(
        &e,
        &["--set `run`", "replace all of [run]", "--set run.days=3"],
    );
    let e = refused(&["check", s(&c), "--set", "lattice={side_mm=1.4}"]);
    assert_has(&e, &["--set `lattice`", "--set lattice.side_mm=1.4"]);
}

fn import_config(dir: &Path, path: &Path) -> PathBuf {
    let c = dir.join("import.toml");
    std::fs::write(
        &c,
        format!(
            "[lattice]\n[lattice.import]\npath = {:?}\nthreshold = 128\n",
            s(path)
        ),
    )
    .unwrap();
    c
}

#[test]
fn numbers_in_messages_are_short() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shrew_trabecular.nrrd");
    let c = import_config(dir.path(), &fixture);
    let e = refused(&["check", s(&c), "--set", "lattice.import.threshold=nan"]);
    assert_has(
        &e,
        &["--set `lattice.import.threshold`: nan is not a number; valid range is (-inf, inf)"],
    );
    let c = config(dir.path(), "voxel_um = 40\nside_mm = 1.2");
    let e = refused(&["check", s(&c), "--set", "estrogen.level_pg_ml=1e300"]);
    assert_has(&e, &["1e300 is out of range; valid range is [0, 1000]"]);
    assert!(e.len() < 400, "{e}");
}

#[test]
fn directories_are_named_as_directories() {
    let dir = tempfile::tempdir().unwrap();
    let volumes = dir.path().join("volumes");
    std::fs::create_dir(&volumes).unwrap();
    let c = import_config(dir.path(), &volumes);
    let e = refused(&["check", s(&c)]);
    assert_has(
        &e,
        &["1 problem", "`lattice.import.path`", "is a directory"],
    );
    assert!(!e.contains("not found"), "{e}");

    let e = refused(&["measure", s(&volumes)]);
    assert_has(&e, &[&format!("{} is a directory", s(&volumes))]);
    let e = refused(&["check", s(&volumes)]);
    assert_has(&e, &["is a directory"]);
}

#[test]
fn io_errors_say_their_text_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let volume = dir.path().join("missing.nrrd");
    for args in [
        vec!["check", s(&missing)],
        vec!["measure", s(&volume)],
        vec!["sweep", "plan", s(&missing), "-o", s(dir.path())],
    ] {
        let e = refused(&args);
        assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");
    }
}

#[test]
fn a_problem_with_a_whole_table_names_the_table_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c.toml");
    std::fs::write(&c, "[run]\nseed = 1\n[lattice]\nvoxel_um = 20\n").unwrap();
    let e = refused(&["check", s(&c)]);
    assert_has(&e, &["line 3: `lattice`: missing source"]);
    assert!(!e.contains("`lattice.`"), "{e}");
}
