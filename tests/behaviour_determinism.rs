//! Determinism of `trabecula run`: the same config at 1 and 2 threads writes identical
//! datasets, the same seed twice gives identical files (apart from the creation time
//! and command attributes), and different seeds give different runs.
//!
//! The domain is small (0.8 mm cube) but busy: activation is raised tenfold so that
//! many sites, osteoclasts and osteoblasts compete for voxels within 150 days, which
//! is what a thread-timing dependence would show up in. Drugs take every path that
//! touches the world: a bisphosphonate dose bound to bone and taken up by osteoclasts,
//! teriparatide on osteoblasts, and denosumab in the field for the last 20 days; the
//! load solve marks bone in disuse every 7 days.

use std::path::{Path, PathBuf};
use std::process::Command;

use trabecula::output::{OutputReader, TableData};

const CONFIG: &str = r#"
[run]
seed = 11
spinup_days = 30
days = 120
measure_every_days = 30
snapshot_every_days = 60

[lattice]
voxel_um = 20.0
shape_voxels = [50, 50, 60]

[lattice.synthetic]
preset = "iliac_crest"

[fields]
steady_tolerance = 1e-3

[estrogen]
schedule = "menopause"
menopause_start_day = 30
menopause_duration_days = 60

[cells.precursor]
initiation_per_mm2_per_day = 0.2

[cells.mechanics]
disuse_usage = 0.05

[[drug]]
name = "zoledronic_acid"
start_day = 0

[[drug]]
name = "teriparatide"
start_day = 0

[[drug]]
name = "denosumab"
start_day = 100
"#;

fn run(dir: &Path, name: &str, threads: &str, extra: &[&str]) -> PathBuf {
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, CONFIG).unwrap();
    }
    let out = dir.join(name);
    let mut args = vec![
        "run",
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--threads",
        threads,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = Command::new(env!("CARGO_BIN_EXE_trabecula"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Named columns of a table as bit patterns.
type Columns = Vec<(String, Vec<u64>)>;

/// A snapshot: its name, the bone fractions and its fields, as bit patterns.
type Snapshot = (String, Vec<u32>, Vec<(String, Vec<u32>)>);

/// Everything a run writes except provenance attributes: bit patterns of every value.
#[derive(Debug, PartialEq)]
struct Contents {
    config: String,
    lattice: Vec<u32>,
    tables: Vec<(String, Columns)>,
    snapshots: Vec<Snapshot>,
}

fn bits(t: &TableData) -> Columns {
    t.columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.values.iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

fn contents(path: &Path) -> Contents {
    let r = OutputReader::open(path).unwrap();
    let mut tables = vec![(
        "timeseries".to_string(),
        bits(&r.read_timeseries().unwrap()),
    )];
    for name in r.list_event_tables().unwrap() {
        tables.push((name.clone(), bits(&r.read_events(&name).unwrap())));
    }
    let snapshots = r
        .list_snapshots()
        .unwrap()
        .into_iter()
        .map(|s| {
            let bone = r.read_snapshot_lattice(&s.name).unwrap();
            let fields = s
                .fields
                .iter()
                .map(|f| {
                    let v = r.read_snapshot_field(&s.name, f).unwrap().values;
                    (f.clone(), v.iter().map(|x| x.to_bits()).collect())
                })
                .collect();
            let b = bone.bone_fraction.iter().map(|x| x.to_bits()).collect();
            (s.name, b, fields)
        })
        .collect();
    Contents {
        config: r.meta().config_toml.clone(),
        lattice: r
            .read_lattice()
            .unwrap()
            .bone_fraction
            .iter()
            .map(|x| x.to_bits())
            .collect(),
        tables,
        snapshots,
    }
}

fn column<'a>(c: &'a Contents, table: &str, name: &str) -> &'a [u64] {
    let t = &c.tables.iter().find(|(n, _)| n == table).unwrap().1;
    &t.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn one_and_two_threads_write_identical_data_and_seeds_matter() {
    let dir = tempfile::tempdir().unwrap();
    let one = contents(&run(dir.path(), "t1.h5", "1", &[]));
    let two = contents(&run(dir.path(), "t2.h5", "2", &[]));
    let again = contents(&run(dir.path(), "t2b.h5", "2", &[]));
    let other = contents(&run(dir.path(), "s12.h5", "2", &["--seed", "12"]));

    // The run did something worth comparing: sites opened and closed, cells lived.
    let rows = column(&one, "timeseries", "day").len();
    assert!(rows >= 6, "{rows} rows");
    let sites = column(&one, "timeseries", "bmus_activated_total");
    assert!(f64::from_bits(*sites.last().unwrap()) >= 10.0);
    assert!(!column(&one, "bmus", "day").is_empty(), "no site closed");
    assert_eq!(one.snapshots.len(), 3, "snapshots at days 0, 60, 120");

    assert_eq!(one, two, "1 and 2 threads differ");
    assert_eq!(two, again, "the same seed twice differs");
    assert_ne!(
        column(&one, "timeseries", "bv_tv"),
        column(&other, "timeseries", "bv_tv"),
        "different seeds gave the same bone volume"
    );
    assert_ne!(one.snapshots, other.snapshots);
}
