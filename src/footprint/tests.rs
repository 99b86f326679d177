//! Tests of the estimates and the refusal, on configs and headers written here.

use std::path::Path;

use super::*;
use crate::config::{self, Override};

fn parse(text: &str, overrides: &[Override]) -> crate::config::Config {
    config::parse(text, "big.toml", Path::new("."), overrides).unwrap()
}

const BIG: &str = "[run]\ndays = 10\n\n[lattice]\nshape_voxels = [1024, 1024, 1024]\n\n\
                   [lattice.synthetic]\npreset = \"iliac_crest\"\n";

fn source<'a>(text: &'a str, overrides: &'a [Override]) -> ConfigSource<'a> {
    ConfigSource {
        name: "big.toml",
        text: Some(text),
        overrides,
    }
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

#[test]
fn a_1024_cube_run_is_refused_naming_key_line_estimate_and_available() {
    let config = parse(BIG, &[]);
    let e = for_config(&config, Workload::Run, &source(BIG, &[])).unwrap();
    let n = 1024f64.powi(3);
    // At least the world and three copies of its checkpoint state; the count is
    // N (28 + 3 * 28) + C (...): over 100 bytes per voxel.
    assert!(e.peak_bytes() as f64 > 112.0 * n, "{}", e.peak_bytes());
    assert!((e.peak_bytes() as f64) < 300.0 * n, "{}", e.peak_bytes());
    assert_eq!(e.peak_phase().unwrap().name, "checkpoint");
    let avail = Available {
        bytes: (22.9 * GIB) as u64,
        source: "MemAvailable in /proc/meminfo".into(),
    };
    let err = refuse(&e, &avail).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("lattice.shape_voxels = [1024, 1024, 1024] (big.toml line 5) needs about "),
        "{msg}"
    );
    assert!(
        msg.contains(
            "GiB at peak (estimate for `run`); 22.90 GiB available (MemAvailable in /proc/meminfo)"
        ),
        "{msg}"
    );
    assert!(msg.contains("--skip-memory-check"), "{msg}");
    // The same lattice fits a machine with room for it.
    let roomy = Available {
        bytes: e.peak_bytes(),
        source: "test".into(),
    };
    assert_eq!(refuse(&e, &roomy), Ok(()));
}

#[test]
fn phases_add_up_from_the_named_terms() {
    // 40^3 voxels, coarsening 2: C = 20^3.
    let text =
        "[lattice]\nshape_voxels = [40, 40, 40]\n\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";
    let config = parse(text, &[]);
    let e = for_config(&config, Workload::Run, &source(text, &[])).unwrap();
    let (n, c) = (64_000.0, 8_000.0);
    let world = (terms::LATTICE + terms::MASK + terms::VOXEL_MEMORY + terms::SURFACE_LISTS) * n
        + (terms::FIELDS_PER_CELL + terms::WORLD_PER_CELL + terms::MULTIGRID_PER_CELL) * c;
    let state = terms::STATE_PER_VOXEL * n + terms::STATE_PER_CELL * c;
    let checkpoint = world + terms::STATE_CLONE_PER_CELL * c + terms::STATE_COPIES * state;
    let peak = e.peak_phase().unwrap();
    assert_eq!(peak.name, "checkpoint");
    assert!((peak.bytes() - checkpoint).abs() < 1e-6 * checkpoint);
    let expected = ((checkpoint + terms::BASE_BYTES) * terms::MARGIN).ceil() as u64;
    assert_eq!(e.peak_bytes(), expected);
    // `lattice` does less than `run`; a finer field grid costs more.
    let lattice = for_config(&config, Workload::Lattice, &source(text, &[])).unwrap();
    assert!(lattice.peak_bytes() < e.peak_bytes());
    let fine: Override = "fields.coarsening=1".parse().unwrap();
    let fine = [fine];
    let config1 = parse(text, &fine);
    let e1 = for_config(&config1, Workload::Run, &source(text, &fine)).unwrap();
    assert!(e1.peak_bytes() > e.peak_bytes());
    // Validate: k runs side by side cost k times one (before the base and margin).
    let one = for_config(
        &config,
        Workload::Validate { runs_at_once: 1 },
        &source(text, &[]),
    )
    .unwrap();
    let four = for_config(
        &config,
        Workload::Validate { runs_at_once: 4 },
        &source(text, &[]),
    )
    .unwrap();
    let b = |e: &Estimate| e.peak_phase().unwrap().bytes();
    assert!((b(&four) - 4.0 * b(&one)).abs() < 1e-6 * b(&four));
}

#[test]
fn a_side_override_is_named_as_such() {
    let o: Override = "lattice.side_mm=10".parse().unwrap();
    let overrides = [o];
    let text = "[lattice]\nvoxel_um = 10.0\n\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";
    let config = parse(text, &overrides);
    let e = for_config(&config, Workload::Lattice, &source(text, &overrides)).unwrap();
    assert_eq!(
        e.size,
        "lattice.side_mm = 10 (--set) at lattice.voxel_um = 10.0 (big.toml line 2): 1000 x 1000 x 1000 voxels"
    );
    assert_eq!(e.voxels, 1_000_000_000);
}

/// A NRRD header promising a 1500^3 uint16 volume, with no data behind it.
fn header_only(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("huge.nrrd");
    std::fs::write(
        &path,
        "NRRD0004\ntype: uint16\ndimension: 3\nsizes: 1500 1500 1500\nencoding: raw\n\
         endian: little\nspacings: 0.01 0.01 0.01\n\n",
    )
    .unwrap();
    path
}

#[test]
fn a_volume_is_sized_from_its_header_without_reading_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = header_only(dir.path());
    let e = for_volume(&path, None).unwrap();
    let n = 1500f64.powi(3);
    assert_eq!(e.voxels, n as u64);
    assert!(e.size.contains("1500 x 1500 x 1500 uint16"), "{}", e.size);
    // The morphometry of the whole volume sets the peak, over 50 bytes per voxel.
    assert_eq!(e.peak_phase().unwrap().name, "morphometry");
    assert!(e.peak_bytes() as f64 > 50.0 * n);
    let err = refuse(
        &e,
        &Available {
            bytes: 8 << 30,
            source: "test".into(),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("crop or downsample"), "{err}");
    // The same header as a config import, resampled to 20 um (1500 x 10 um / 20 um):
    // the resampled lattice is 750^3.
    let text = format!(
        "[lattice]\nvoxel_um = 20.0\n\n[lattice.import]\npath = {:?}\n",
        path.display().to_string()
    );
    let config = config::parse(&text, "imp.toml", dir.path(), &[]).unwrap();
    let src = ConfigSource {
        name: "imp.toml",
        text: Some(&text),
        overrides: &[],
    };
    let e = for_config(&config, Workload::Run, &src).unwrap();
    assert_eq!(e.voxels, 750u64.pow(3));
    assert!(e.size.starts_with("lattice.import.path = "), "{}", e.size);
    assert!(
        e.size
            .contains("(imp.toml line 5), 1500 x 1500 x 1500 uint16"),
        "{}",
        e.size
    );
    assert!(
        e.size
            .ends_with("resampled to lattice.voxel_um = 20.0 (imp.toml line 2)"),
        "{}",
        e.size
    );
    // A header that cannot be read gives no estimate (the import reports it).
    std::fs::write(&path, "not a nrrd").unwrap();
    assert!(for_config(&config, Workload::Run, &src).is_none());
    assert!(for_volume(&path, None).is_err());
}

#[test]
fn bytes_read_as_people_write_them() {
    assert_eq!(human_bytes(512), "1 KiB");
    assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    assert_eq!(human_bytes((22.9 * GIB) as u64), "22.90 GiB");
}
