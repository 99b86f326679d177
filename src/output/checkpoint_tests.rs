//! Tests of `/checkpoint`: the row counts it records are those of its commit, and
//! reopening at it cuts later rows and snapshots so that appends continue exactly
//! where the checkpoint was taken.

use super::*;
use crate::grid::Dims;
use crate::lattice::Lattice;

fn meta() -> FileMeta {
    FileMeta {
        software_version: "1".into(),
        git_revision: "r".into(),
        command: "test".into(),
        config_toml: "a = 1\n".into(),
        seed: 1,
        threads: 1,
    }
}

fn lattice() -> Lattice {
    let dims = Dims::new(3, 2, 2);
    Lattice {
        dims,
        voxel_um: 10.0,
        bone_fraction: (0..dims.len()).map(|i| i as f32 / 12.0).collect(),
    }
}

fn column(path: &std::path::Path, table: &str, name: &str) -> Vec<f64> {
    let r = OutputReader::open(path).unwrap();
    let t = if table == "timeseries" {
        r.read_timeseries().unwrap()
    } else {
        r.read_events(table).unwrap()
    };
    t.column(name).unwrap().values.clone()
}

#[test]
fn resume_cuts_back_to_the_checkpoint_and_appends_from_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.h5");
    let mut f = OutputFile::create(&path, &meta()).unwrap();
    f.write_lattice(&lattice(), &[("bv_tv", 0.5, "1")]).unwrap();
    let mut ts = f.timeseries(&[("day", "d"), ("x", "1")]).unwrap();
    let mut ev = f.event_table("hits", &[("day", "d")]).unwrap();
    ts.append_row(&[0.0, 10.0]).unwrap();
    f.write_snapshot(0, &lattice(), &[]).unwrap();
    ts.append_row(&[1.0, 11.0]).unwrap();
    ev.append_row(&[1.0]).unwrap();
    // Buffered rows go into the checkpoint's commit and its counts.
    f.write_checkpoint(&[7, 8, 9], 1.0, 1, 4, "1").unwrap();
    // Later rows and a snapshot, committed, then the process "dies".
    ts.append_row(&[2.0, 12.0]).unwrap();
    ev.append_row(&[2.0]).unwrap();
    ev.append_row(&[2.0]).unwrap();
    f.write_snapshot(2, &lattice(), &[]).unwrap();
    ts.append_row(&[3.0, 13.0]).unwrap(); // never flushed
    drop((ts, ev));
    std::mem::forget(f); // no flush at drop, as after a kill

    let r = OutputReader::open(&path).unwrap();
    let info = r.checkpoint_info().unwrap().unwrap();
    assert_eq!((info.day, info.step, info.format), (1.0, 1, 4));
    assert_eq!(info.software_version, "1");
    assert_eq!(
        info.rows,
        vec![
            ("timeseries".to_string(), 2),
            ("events/hits".to_string(), 1)
        ]
    );
    assert_eq!(info.snapshots, vec!["day_00000".to_string()]);
    assert_eq!(r.checkpoint_state().unwrap(), vec![7, 8, 9]);
    assert_eq!(r.read_timeseries().unwrap().rows(), 3);
    assert_eq!(r.list_snapshots().unwrap().len(), 2);
    drop(r);

    // The forgotten writer still holds its lock on the file; a real resume runs in
    // a new process, so this one resumes a copy.
    let copy = dir.path().join("copy.h5");
    std::fs::copy(&path, &copy).unwrap();
    let (mut f, info2) = OutputFile::resume(&copy, WriteOptions::default()).unwrap();
    assert_eq!(info2, info);
    let mut ts = f.table("timeseries").unwrap();
    let mut ev = f.table("events/hits").unwrap();
    assert_eq!((ts.rows(), ev.rows()), (2, 1));
    ts.append_row(&[2.0, 22.0]).unwrap();
    ev.append_row(&[2.0]).unwrap();
    f.write_snapshot(2, &lattice(), &[]).unwrap();
    f.mark_complete_dropping_checkpoint().unwrap();
    f.close().unwrap();

    assert_eq!(column(&copy, "timeseries", "day"), vec![0.0, 1.0, 2.0]);
    assert_eq!(column(&copy, "timeseries", "x"), vec![10.0, 11.0, 22.0]);
    assert_eq!(column(&copy, "hits", "day"), vec![1.0, 2.0]);
    let r = OutputReader::open(&copy).unwrap();
    let units = &r.read_timeseries().unwrap().columns[1].units;
    assert_eq!(units, "1");
    let names: Vec<String> = r
        .list_snapshots()
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["day_00000", "day_00002"]);
    assert!(r.is_complete().unwrap());
    assert!(!r.has_checkpoint().unwrap());
    assert!(r.checkpoint_info().unwrap().is_none());
}

#[test]
fn a_file_without_checkpoint_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.h5");
    let mut f = OutputFile::create(&path, &meta()).unwrap();
    f.write_lattice(&lattice(), &[]).unwrap();
    f.close().unwrap();
    let err = OutputFile::resume(&path, WriteOptions::default()).unwrap_err();
    assert!(matches!(err, OutputError::Missing { .. }), "{err}");
}

/// Fails unless every chunked dataset of the file at `path` has a chunk shape whose
/// layout encoding libhdf5 computes the same way this writer stores it.
fn assert_chunks_readable_by_libhdf5(path: &std::path::Path) -> usize {
    let datasets = OutputReader::open(path).unwrap().list_datasets().unwrap();
    let file = hdf5_pure::File::open(path).unwrap();
    let mut chunked = 0;
    for info in &datasets {
        let ds = file.dataset(&info.path).unwrap();
        let Some(chunk) = ds.chunk_shape().unwrap() else {
            continue;
        };
        let element = ds.element_size().unwrap();
        assert_eq!(
            schema::libhdf5_chunk_dim_bytes(&chunk, element),
            schema::writer_chunk_dim_bytes(&chunk, element),
            "{}: chunk {chunk:?} of {element}-byte elements",
            info.path
        );
        chunked += 1;
    }
    chunked
}

#[test]
fn state_chunks_are_readable_by_libhdf5_at_every_size() {
    let sizes = [
        0,
        1,
        255,
        256,
        65_535,
        65_536,
        1 << 20,
        (1 << 24) - 1,
        1 << 24,
    ];
    for len in sizes.into_iter().chain((0..40).map(|k| 1usize << k)) {
        let chunk = checkpoint::state_chunk_bytes(len);
        assert!(chunk >= 1 && chunk <= (len.max(1) as u64), "{len}: {chunk}");
        assert_eq!(
            schema::libhdf5_chunk_dim_bytes(&[chunk], 1),
            schema::writer_chunk_dim_bytes(&[chunk], 1),
            "state of {len} bytes: chunk {chunk}"
        );
    }
}

/// A state, tables with an oversized chunk option and a snapshot, before and after
/// a resume that cuts the tables back: every chunk shape in the file is one libhdf5
/// reads, and the state reads back whole (it spans several chunks).
#[test]
fn every_chunk_in_a_checkpointed_file_is_readable_by_libhdf5() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.h5");
    let mut f = OutputFile::create_with_options(&path, &meta(), options_with_big_chunks()).unwrap();
    f.write_lattice(&lattice(), &[("bv_tv", 0.5, "1")]).unwrap();
    let mut ts = f.timeseries(&[("day", "d"), ("x", "1")]).unwrap();
    ts.append_row(&[0.0, 1.0]).unwrap();
    f.write_snapshot(0, &lattice(), &[]).unwrap();
    // 200 000 bytes: in one chunk, libhdf5 would want 3 bytes per chunk dimension.
    let state: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    f.write_checkpoint(&state, 0.0, 1, 1, "1").unwrap();
    ts.append_row(&[1.0, 2.0]).unwrap();
    f.flush().unwrap();
    drop(ts);
    f.close().unwrap();
    assert_eq!(assert_chunks_readable_by_libhdf5(&path), 5);
    let r = OutputReader::open(&path).unwrap();
    assert_eq!(r.checkpoint_state().unwrap(), state);
    drop(r);

    // The resume rewrites the time series columns, cut back to one row.
    let (f, _) = OutputFile::resume(&path, options_with_big_chunks()).unwrap();
    f.close().unwrap();
    assert_eq!(column(&path, "timeseries", "day"), vec![0.0]);
    assert_eq!(assert_chunks_readable_by_libhdf5(&path), 5);
}

/// Default options but with far more rows per table chunk than libhdf5 reads.
fn options_with_big_chunks() -> WriteOptions {
    WriteOptions {
        table_chunk_rows: 1 << 20,
        ..WriteOptions::default()
    }
}
