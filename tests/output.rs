//! Tests of the HDF5 output module: round trips through the reader, appending in
//! several flushes, volume shape order, rejected writes, corrupt and foreign
//! files, and a writer killed with SIGKILL.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use trabecula::grid::Dims;
use trabecula::lattice::Lattice;
use trabecula::output::{
    self, FileMeta, OutputError, OutputFile, OutputReader, SyncMode, WriteOptions,
};

fn meta() -> FileMeta {
    FileMeta {
        software_version: "9.8.7".into(),
        git_revision: "abc1234-dirty".into(),
        command: "trabecula run --config c.toml -o out.h5".into(),
        config_toml: "[lattice]\nsize = [5, 4, 3]\nname = \"trabécula µ\"\n".into(),
        seed: u64::MAX - 7,
        threads: 3,
    }
}

/// A lattice whose value at (x, y, z) encodes the coordinates.
fn coded_lattice(dims: Dims) -> Lattice {
    let mut bone_fraction = vec![0.0; dims.len()];
    for z in 0..dims.nz {
        for y in 0..dims.ny {
            for x in 0..dims.nx {
                bone_fraction[dims.index(x, y, z)] = code(x, y, z);
            }
        }
    }
    Lattice {
        dims,
        voxel_um: 12.5,
        bone_fraction,
    }
}

fn code(x: usize, y: usize, z: usize) -> f32 {
    (x + 10 * y + 100 * z) as f32
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn handles_can_move_to_another_thread() {
    fn send<T: Send>() {}
    send::<OutputFile>();
    send::<output::Table>();
    send::<OutputReader>();
}

#[test]
fn creating_in_a_missing_directory_is_an_error() {
    let dir = tmp();
    let path = dir.path().join("no/such/dir/out.h5");
    let e = OutputFile::create(&path, &meta()).unwrap_err();
    assert_eq!(e.path().parent(), path.parent());
    assert!(e.to_string().contains("out.h5"), "{e}");
}

#[test]
fn meta_lattice_and_metrics_round_trip() {
    let dir = tmp();
    let path = dir.path().join("run.h5");
    let lattice = coded_lattice(Dims::new(5, 4, 3));
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    out.write_lattice(
        &lattice,
        &[
            ("bv_tv", 0.25, "1"),
            ("tb_th", 120.5, "um"),
            ("conn_d", 3.0, "mm^-3"),
        ],
    )
    .unwrap();
    out.close().unwrap();

    let reader = OutputReader::open(&path).unwrap();
    let m = reader.meta();
    assert_eq!(m.format_version, output::FORMAT_VERSION);
    assert_eq!(m.software, "trabecula");
    assert_eq!(m.software_version, "9.8.7");
    assert_eq!(m.git_revision, "abc1234-dirty");
    assert_eq!(m.command, meta().command);
    assert_eq!(m.config_toml, meta().config_toml);
    assert_eq!(m.seed, u64::MAX - 7);
    assert_eq!(m.threads, 3);
    assert_eq!(
        m.created.len(),
        "2024-01-01T00:00:00Z".len(),
        "{}",
        m.created
    );
    assert!(m.created.ends_with('Z') && m.created.as_bytes()[10] == b'T');
    assert_eq!(output::read_meta(&path).unwrap(), *m);

    assert_eq!(reader.read_lattice().unwrap(), lattice);
    assert_eq!(output::read_lattice(&path).unwrap(), lattice);
    let metrics = reader.read_metrics().unwrap();
    let got: Vec<_> = metrics
        .iter()
        .map(|m| (m.name.as_str(), m.value, m.units.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("bv_tv", 0.25, "1"),
            ("conn_d", 3.0, "mm^-3"),
            ("tb_th", 120.5, "um")
        ]
    );
}

#[test]
fn volumes_are_stored_z_y_x() {
    let dir = tmp();
    let path = dir.path().join("shape.h5");
    let dims = Dims::new(5, 4, 3);
    let lattice = coded_lattice(dims);
    let field: Vec<f32> = lattice.bone_fraction.iter().map(|v| -v).collect();
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    out.write_lattice(&lattice, &[]).unwrap();
    out.write_snapshot(7, &lattice, &[("osteoclast_density", &field, "mm^-3")])
        .unwrap();
    out.close().unwrap();

    let reader = OutputReader::open(&path).unwrap();
    for object in [
        "lattice/bone_fraction",
        "snapshots/day_00007/bone_fraction",
        "snapshots/day_00007/osteoclast_density",
    ] {
        assert_eq!(reader.dataset_shape(object).unwrap(), [3, 4, 5], "{object}");
    }
    // The reader hands back the file's elements in storage order: element
    // [z][y][x] sits at flat index (z * ny + y) * nx + x.
    let snap = reader.read_snapshot_lattice("day_00007").unwrap();
    assert_eq!(snap.dims, dims);
    assert_eq!(snap.voxel_um, 12.5);
    for (z, y, x) in [(0, 0, 0), (2, 3, 4), (1, 2, 3), (2, 0, 1), (0, 3, 4)] {
        let flat = (z * dims.ny + y) * dims.nx + x;
        assert_eq!(
            snap.bone_fraction[flat],
            code(x, y, z),
            "voxel ({x},{y},{z})"
        );
    }
    let f = reader
        .read_snapshot_field("snapshots/day_00007", "osteoclast_density")
        .unwrap();
    assert_eq!((f.dims, f.units.as_str()), (dims, "mm^-3"));
    assert_eq!(f.values[(2 * dims.ny + 1) * dims.nx + 3], -code(3, 1, 2));
}

#[test]
fn snapshots_listed_by_day() {
    let dir = tmp();
    let path = dir.path().join("snaps.h5");
    let lattice = coded_lattice(Dims::new(3, 2, 2));
    let ones = vec![1.0f32; lattice.dims.len()];
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    for day in [20, 5, 123_456, 0] {
        out.write_snapshot(day, &lattice, &[]).unwrap();
    }
    out.write_snapshot(40, &lattice, &[("a", &ones, "1"), ("b", &ones, "um")])
        .unwrap();
    out.close().unwrap();

    let snaps = output::list_snapshots(&path).unwrap();
    let names: Vec<_> = snaps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "day_00000",
            "day_00005",
            "day_00020",
            "day_00040",
            "day_123456"
        ]
    );
    let days: Vec<_> = snaps.iter().map(|s| s.day).collect();
    assert_eq!(days, [0.0, 5.0, 20.0, 40.0, 123_456.0]);
    assert_eq!(snaps[3].fields, ["a", "b"]);
    assert!(snaps[0].fields.is_empty());
    let back = output::read_snapshot_lattice(&path, "day_123456").unwrap();
    assert_eq!(back, lattice);
}

#[test]
fn rows_appended_over_many_flushes() {
    let dir = tmp();
    let path = dir.path().join("ts.h5");
    let options = WriteOptions {
        flush_rows: 0,
        flush_interval: None,
        table_chunk_rows: 64,
        ..WriteOptions::default()
    };
    let mut out = OutputFile::create_with_options(&path, &meta(), options).unwrap();
    let mut ts = out
        .timeseries(&[("day", "d"), ("bv_tv", "1"), ("osteoclasts", "count")])
        .unwrap();
    assert_eq!(ts.columns(), ["day", "bv_tv", "osteoclasts"]);
    let n = 1000;
    for i in 0..n {
        ts.append_row(&[i as f64, 0.3 - i as f64 * 1e-4, (i * i) as f64])
            .unwrap();
        if i % 137 == 136 {
            ts.flush().unwrap();
            // Read back while the writer holds the file open.
            let data = output::read_timeseries(&path).unwrap();
            assert_eq!(data.rows() as u64, ts.flushed_rows());
            assert_eq!(data.rows(), i + 1);
        }
    }
    // Unflushed rows are not in the file yet.
    assert_eq!(ts.rows(), n as u64);
    assert_eq!(output::read_timeseries(&path).unwrap().rows(), 959);
    out.close().unwrap();

    let data = output::read_timeseries(&path).unwrap();
    assert_eq!(data.rows(), n);
    let names: Vec<_> = data.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["day", "bv_tv", "osteoclasts"]);
    let units: Vec<_> = data.columns.iter().map(|c| c.units.as_str()).collect();
    assert_eq!(units, ["d", "1", "count"]);
    for i in 0..n {
        assert_eq!(data.columns[0].values[i], i as f64);
        assert_eq!(data.columns[1].values[i], 0.3 - i as f64 * 1e-4);
        assert_eq!(
            data.column("osteoclasts").unwrap().values[i],
            (i * i) as f64
        );
    }
}

#[test]
fn automatic_flush_and_flush_on_drop() {
    let dir = tmp();
    let path = dir.path().join("auto.h5");
    let options = WriteOptions {
        flush_rows: 10,
        flush_interval: None,
        sync: SyncMode::OnClose,
        ..WriteOptions::default()
    };
    let mut out = OutputFile::create_with_options(&path, &meta(), options).unwrap();
    let mut ts = out.timeseries(&[("day", "d"), ("x", "1")]).unwrap();
    for i in 0..25 {
        ts.append_row(&[i as f64, 1.0]).unwrap();
    }
    assert_eq!(ts.flushed_rows(), 20);
    assert_eq!(out.pending_rows(), 5);
    assert_eq!(output::read_timeseries(&path).unwrap().rows(), 20);
    drop(out);
    // The handle outlives the file: its rows were flushed by the drop, and it
    // can no longer append.
    assert!(matches!(
        ts.append_row(&[25.0, 1.0]),
        Err(OutputError::Closed { .. })
    ));
    assert_eq!(output::read_timeseries(&path).unwrap().rows(), 25);
}

#[test]
fn interval_flush_and_uncompressed_volumes() {
    let dir = tmp();
    let path = dir.path().join("interval.h5");
    let options = WriteOptions {
        flush_rows: 0,
        flush_interval: Some(Duration::ZERO),
        deflate_level: None,
        ..WriteOptions::default()
    };
    let mut out = OutputFile::create_with_options(&path, &meta(), options).unwrap();
    let mut ts = out.timeseries(&[("day", "d")]).unwrap();
    for i in 0..3u32 {
        ts.append_row(&[f64::from(i)]).unwrap();
        assert_eq!(ts.flushed_rows(), u64::from(i) + 1);
    }
    let lattice = coded_lattice(Dims::new(7, 1, 2));
    out.write_lattice(&lattice, &[]).unwrap();
    out.close().unwrap();
    assert_eq!(output::read_lattice(&path).unwrap(), lattice);

    let bad = WriteOptions {
        deflate_level: Some(10),
        ..WriteOptions::default()
    };
    assert!(matches!(
        OutputFile::create_with_options(dir.path().join("bad.h5"), &meta(), bad),
        Err(OutputError::Rejected { .. })
    ));
}

#[test]
fn event_tables_round_trip() {
    let dir = tmp();
    let path = dir.path().join("events.h5");
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    let mut ts = out.timeseries(&[("day", "d"), ("bv_tv", "1")]).unwrap();
    let cols = [
        ("day", "d"),
        ("x", "voxel"),
        ("y", "voxel"),
        ("z", "voxel"),
        ("kind", "1"),
    ];
    let mut perf = out.event_table("perforations", &cols).unwrap();
    let mut births = out
        .event_table("births", &[("day", "d"), ("n", "count")])
        .unwrap();
    for i in 0..50 {
        ts.append_row(&[i as f64, 0.2]).unwrap();
        if i % 7 == 0 {
            perf.append_row(&[i as f64, 1.0, 2.0, 3.0, (i % 3) as f64])
                .unwrap();
        }
    }
    births.append_row(&[3.0, 12.0]).unwrap();
    out.flush().unwrap();
    assert_eq!(perf.flushed_rows(), 8);
    out.close().unwrap();

    let reader = OutputReader::open(&path).unwrap();
    assert_eq!(
        reader.list_event_tables().unwrap(),
        ["births", "perforations"]
    );
    let p = reader.read_events("perforations").unwrap();
    assert_eq!(p.rows(), 8);
    let names: Vec<_> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["day", "x", "y", "z", "kind"]);
    assert_eq!(
        p.column("kind").unwrap().values,
        [0., 1., 2., 0., 1., 2., 0., 1.]
    );
    assert_eq!(p.column("x").unwrap().units, "voxel");
    assert_eq!(reader.read_events("births").unwrap().rows(), 1);
    assert_eq!(reader.read_timeseries().unwrap().rows(), 50);
    assert!(matches!(
        reader.read_events("nope"),
        Err(OutputError::Missing { .. })
    ));
}

#[test]
fn rejected_writes_change_nothing() {
    let dir = tmp();
    let path = dir.path().join("reject.h5");
    let lattice = coded_lattice(Dims::new(4, 3, 2));
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    let mut ts = out.timeseries(&[("day", "d"), ("v", "1")]).unwrap();
    ts.append_row(&[0.0, 1.0]).unwrap();
    out.write_snapshot(1, &lattice, &[]).unwrap();

    let rejected = |r: Result<(), OutputError>| match r {
        Err(e @ OutputError::Rejected { .. }) => {
            assert_eq!(e.path(), path.as_path());
            assert!(e.object().is_some());
            assert!(e.to_string().contains("reject.h5"), "{e}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    };
    rejected(ts.append_row(&[1.0]));
    rejected(ts.append_row(&[1.0, 2.0, 3.0]));
    rejected(out.write_snapshot(1, &lattice, &[]).map(drop));
    let short = vec![0.0f32; 5];
    rejected(
        out.write_snapshot(2, &lattice, &[("f", &short, "1")])
            .map(drop),
    );
    let full = vec![0.0f32; lattice.dims.len()];
    rejected(
        out.write_snapshot(2, &lattice, &[("bone_fraction", &full, "1")])
            .map(drop),
    );
    rejected(
        out.write_snapshot(2, &lattice, &[("a/b", &full, "1")])
            .map(drop),
    );
    let mut bad = lattice.clone();
    bad.bone_fraction.pop();
    rejected(out.write_snapshot(2, &bad, &[]).map(drop));
    rejected(out.timeseries(&[("day", "d")]).map(drop));
    rejected(out.event_table("e", &[("time", "d")]).map(drop));
    rejected(
        out.event_table("e", &[("day", "d"), ("a", "1"), ("a", "1")])
            .map(drop),
    );
    rejected(out.event_table("", &[("day", "d")]).map(drop));
    rejected(out.write_lattice(&lattice, &[("BV/TV", 0.3, "1")]));
    out.write_lattice(&lattice, &[]).unwrap();
    rejected(out.write_lattice(&lattice, &[]));

    // Everything written before and between the rejections is there, and the
    // file still takes writes.
    ts.append_row(&[1.0, 2.0]).unwrap();
    out.write_snapshot(2, &lattice, &[]).unwrap();
    out.close().unwrap();
    let reader = OutputReader::open(&path).unwrap();
    let data = reader.read_timeseries().unwrap();
    assert_eq!(data.column("v").unwrap().values, [1.0, 2.0]);
    let names: Vec<_> = reader
        .list_snapshots()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["day_00001", "day_00002"]);
    assert!(reader.list_event_tables().unwrap().is_empty());
}

#[test]
fn closed_file_refuses_writes() {
    let dir = tmp();
    let path = dir.path().join("closed.h5");
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    let mut ts = out.timeseries(&[("day", "d")]).unwrap();
    ts.append_row(&[1.0]).unwrap();
    out.close().unwrap();
    assert!(matches!(
        ts.append_row(&[2.0]),
        Err(OutputError::Closed { .. })
    ));
    assert!(matches!(ts.flush(), Err(OutputError::Closed { .. })));
    assert_eq!(output::read_timeseries(&path).unwrap().rows(), 1);
}

#[test]
fn a_file_without_tables_reads_empty() {
    let dir = tmp();
    let path = dir.path().join("bare.h5");
    OutputFile::create(&path, &meta()).unwrap().close().unwrap();
    let reader = OutputReader::open(&path).unwrap();
    assert_eq!(reader.read_timeseries().unwrap().rows(), 0);
    assert!(reader.list_snapshots().unwrap().is_empty());
    assert!(matches!(
        reader.read_lattice(),
        Err(OutputError::Missing { .. })
    ));
    assert!(matches!(
        reader.read_snapshot_lattice("day_00001"),
        Err(OutputError::Missing { .. })
    ));
}

fn a_complete_file(dir: &Path) -> PathBuf {
    let path = dir.join("good.h5");
    let lattice = coded_lattice(Dims::new(6, 5, 4));
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    out.write_lattice(&lattice, &[("bv_tv", 0.3, "1")]).unwrap();
    let mut ts = out.timeseries(&[("day", "d"), ("v", "1")]).unwrap();
    for i in 0..40 {
        ts.append_row(&[i as f64, 0.5]).unwrap();
    }
    out.write_snapshot(3, &lattice, &[]).unwrap();
    out.close().unwrap();
    path
}

/// Every read the reader offers, so a corrupt part of the file is reached.
fn read_everything(path: &Path) -> Result<(), OutputError> {
    let r = OutputReader::open(path)?;
    r.read_lattice()?;
    r.read_metrics()?;
    r.read_timeseries()?;
    for s in r.list_snapshots()? {
        r.read_snapshot_lattice(&s.name)?;
    }
    Ok(())
}

#[test]
fn corrupt_and_foreign_files_are_errors() {
    let dir = tmp();
    let good = a_complete_file(dir.path());
    read_everything(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("bad.h5");

    std::fs::write(&bad, "[lattice]\nsize = 3\n").unwrap();
    let e = OutputReader::open(&bad).unwrap_err();
    assert!(matches!(e, OutputError::NotHdf5 { .. }), "{e}");
    assert!(e.to_string().contains("bad.h5"));

    std::fs::write(&bad, b"").unwrap();
    assert!(matches!(
        OutputReader::open(&bad),
        Err(OutputError::NotHdf5 { .. })
    ));

    assert!(matches!(
        OutputReader::open(dir.path().join("absent.h5")),
        Err(OutputError::NoFile { .. })
    ));

    // Truncated anywhere: always an error, never a panic.
    for cut in [
        8,
        100,
        600,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 200,
    ] {
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        assert!(
            read_everything(&bad).is_err(),
            "truncated at {cut} of {}",
            bytes.len()
        );
    }

    // A valid HDF5 file written by other software: the software attribute's
    // bytes (a variable-length string in the global heap) patched in place.
    let mut foreign = bytes.clone();
    let needle = b"trabecula";
    let at = (0..foreign.len() - needle.len())
        .filter(|&i| &foreign[i..i + needle.len()] == needle)
        .collect::<Vec<_>>();
    assert!(!at.is_empty());
    for i in at {
        foreign[i] = b'X';
    }
    std::fs::write(&bad, &foreign).unwrap();
    let e = OutputReader::open(&bad).unwrap_err();
    assert!(matches!(e, OutputError::Foreign { .. }), "{e}");
}

#[test]
fn creating_replaces_an_existing_file() {
    let dir = tmp();
    let path = a_complete_file(dir.path());
    OutputFile::create(&path, &meta()).unwrap().close().unwrap();
    let reader = OutputReader::open(&path).unwrap();
    assert_eq!(reader.read_timeseries().unwrap().rows(), 0);
    assert!(!dir.path().join("good.h5.tmp").exists());
}

const CHILD_ENV: &str = "TRABECULA_OUTPUT_KILL_CHILD";

/// The row the killed writer appends as row `i`.
fn child_row(i: u64) -> [f64; 4] {
    let d = i as f64;
    [d, 0.5 + d * 1e-3, d * d, -d]
}

/// The writer half of `killed_writer_leaves_a_readable_file`: appends and flushes
/// rows (and now and then a snapshot) until it is killed. Does nothing unless run
/// by that test.
#[test]
#[ignore = "run by killed_writer_leaves_a_readable_file"]
fn killed_writer_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let lattice = coded_lattice(Dims::new(8, 6, 4));
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    out.write_lattice(&lattice, &[]).unwrap();
    let mut ts = out
        .timeseries(&[("day", "d"), ("a", "1"), ("b", "1"), ("c", "1")])
        .unwrap();
    for i in 0..1_000_000u64 {
        ts.append_row(&child_row(i)).unwrap();
        ts.flush().unwrap();
        if i % 25 == 0 {
            out.write_snapshot(i as u32, &lattice, &[]).unwrap();
        }
    }
}

/// Kills the child process if the test fails before it does.
#[cfg(unix)]
struct KillOnDrop(std::process::Child);

#[cfg(unix)]
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[test]
fn killed_writer_leaves_a_readable_file() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tmp();
    let path = dir.path().join("killed.h5");
    let mut child = KillOnDrop(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "killed_writer_child", "--nocapture", "--ignored"])
            .env(CHILD_ENV, &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );

    // Wait until the child has flushed some rows. Reads may fail while the child
    // is half-way through a commit; those are retried.
    let start = Instant::now();
    let seen = loop {
        if let Ok(data) = output::read_timeseries(&path) {
            if data.rows() >= 60 {
                break data.rows();
            }
        }
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!("writer exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "writer too slow"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    child.0.kill().unwrap(); // SIGKILL on Unix
    let status = child.0.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");

    let reader = OutputReader::open(&path).unwrap();
    let data = reader.read_timeseries().unwrap();
    assert!(
        data.rows() >= seen,
        "{} rows after the kill, {seen} seen before",
        data.rows()
    );
    assert_eq!(data.columns.len(), 4);
    for c in &data.columns {
        assert_eq!(c.values.len(), data.rows(), "column {}", c.name);
    }
    for i in 0..data.rows() {
        let row: Vec<f64> = data.columns.iter().map(|c| c.values[i]).collect();
        assert_eq!(row, child_row(i as u64), "row {i}");
    }
    let snaps = reader.list_snapshots().unwrap();
    eprintln!(
        "killed after {seen} rows seen; the file holds {} rows and {} snapshots",
        data.rows(),
        snaps.len()
    );
    assert!(snaps.len() >= 3);
    for s in snaps {
        assert!(s.day < data.rows() as f64);
        assert_eq!(
            reader.read_snapshot_lattice(&s.name).unwrap().dims,
            Dims::new(8, 6, 4)
        );
    }
}

/// Prints the cost of a flush (one commit of one row) for a few table widths and
/// sync modes. Run with `cargo test --test output output_flush_cost -- --ignored
/// --nocapture`.
#[test]
#[ignore = "measurement, not a check"]
fn output_flush_cost() {
    let dir = tmp();
    for sync in [SyncMode::EveryCommit, SyncMode::OnClose] {
        for width in [3usize, 20] {
            let path = dir.path().join("cost.h5");
            let options = WriteOptions {
                sync,
                flush_rows: 0,
                flush_interval: None,
                ..WriteOptions::default()
            };
            let mut out = OutputFile::create_with_options(&path, &meta(), options).unwrap();
            let names: Vec<String> = (1..width).map(|i| format!("c{i}")).collect();
            let mut cols = vec![("day", "d")];
            cols.extend(names.iter().map(|n| (n.as_str(), "1")));
            let mut ts = out.timeseries(&cols).unwrap();
            let row = vec![1.0; width];
            let mut report = Vec::new();
            for _ in 0..4 {
                let t = Instant::now();
                for _ in 0..250 {
                    ts.append_row(&row).unwrap();
                    ts.flush().unwrap();
                }
                report.push(format!("{:.2}", t.elapsed().as_secs_f64() * 1e3 / 250.0));
            }
            let size = std::fs::metadata(&path).unwrap().len();
            println!(
                "{sync:?} {width} columns: ms per flush over successive 250-row blocks {report:?}; 1000 rows, {size} bytes"
            );
            let lattice = coded_lattice(Dims::new(64, 48, 32));
            let t = Instant::now();
            for day in 0..20 {
                out.write_snapshot(day, &lattice, &[]).unwrap();
            }
            println!(
                "{sync:?} 64x48x32 snapshot: {:.2} ms",
                t.elapsed().as_secs_f64() * 1e3 / 20.0
            );
            out.close().unwrap();
        }
    }
}
