//! Tests that need the HDF5 library itself: HDF5 files that are not (quite) output
//! files, and commits made to fail on purpose.

use hdf5_pure::{AttrValue, FileBuilder};

use super::schema as s;
use super::session::InjectedFailure;
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
        bone_fraction: (0..dims.len()).map(|i| i as f32).collect(),
    }
}

/// A builder with the root attributes of a valid file.
fn ours(version: u32) -> FileBuilder {
    let mut b = FileBuilder::new();
    b.set_attr(s::ATTR_FORMAT_VERSION, AttrValue::U32(version));
    b.set_attr(
        s::ATTR_SOFTWARE,
        AttrValue::VarLenString(s::SOFTWARE.into()),
    );
    for name in [
        s::ATTR_SOFTWARE_VERSION,
        s::ATTR_GIT_REVISION,
        s::ATTR_CREATED,
        s::ATTR_COMMAND,
    ] {
        b.set_attr(name, AttrValue::VarLenString("x".into()));
    }
    b
}

fn with_config(mut b: FileBuilder) -> FileBuilder {
    let mut g = b.create_group(s::CONFIG);
    g.set_attr(s::ATTR_TOML, AttrValue::VarLenString(String::new()));
    g.set_attr(s::ATTR_SEED, AttrValue::U64(3));
    g.set_attr(s::ATTR_THREADS, AttrValue::U32(4));
    b.add_group(g.finish());
    b
}

fn open(b: FileBuilder) -> (tempfile::TempDir, Result<OutputReader, OutputError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.h5");
    b.write(&path).unwrap();
    let r = OutputReader::open(&path);
    (dir, r)
}

#[test]
fn foreign_hdf5_files_are_refused() {
    let (_d, r) = open(FileBuilder::new());
    assert!(matches!(r, Err(OutputError::Foreign { .. })), "{r:?}");

    let mut b = FileBuilder::new();
    b.create_dataset("temperature").with_f64_data(&[1.0, 2.0]);
    b.set_attr("software", AttrValue::VarLenString("other".into()));
    let (_d, r) = open(b);
    assert!(matches!(r, Err(OutputError::Foreign { .. })), "{r:?}");

    let (_d, r) = open(with_config(ours(2)));
    assert!(
        matches!(r, Err(OutputError::UnsupportedVersion { found: 2, .. })),
        "{r:?}"
    );

    let (_d, r) = open(ours(1));
    match r {
        Err(OutputError::Missing { object, .. }) => assert_eq!(object, "/config"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_content_is_an_error() {
    let mut b = with_config(ours(1));
    let mut ts = b.create_group(s::TIMESERIES);
    ts.set_attr(
        s::ATTR_COLUMNS,
        AttrValue::VarLenStringArray(vec!["day".into(), "v".into()]),
    );
    for (name, len) in [("day", 3), ("v", 2)] {
        ts.create_dataset(name)
            .with_f64_data(&vec![0.0; len])
            .set_attr(s::ATTR_UNITS, AttrValue::VarLenString("1".into()));
    }
    b.add_group(ts.finish());
    let mut snaps = b.create_group(s::SNAPSHOTS);
    let mut day = snaps.create_group("day_00001");
    day.set_attr(s::ATTR_DAY, AttrValue::F64(1.0));
    day.set_attr(s::ATTR_VOXEL_UM, AttrValue::F64(1.0));
    day.create_dataset(s::BONE_FRACTION)
        .with_f32_data(&[0.0; 6])
        .with_shape(&[2, 3])
        .set_attr(s::ATTR_UNITS, AttrValue::VarLenString("1".into()));
    snaps.add_group(day.finish());
    b.add_group(snaps.finish());

    let (_d, r) = open(b);
    let r = r.unwrap();
    assert_eq!(r.meta().seed, 3);
    assert_eq!(r.meta().threads, 4);
    match r.read_timeseries() {
        Err(OutputError::Invalid { object, .. }) => assert_eq!(object, "/timeseries/v"),
        other => panic!("{other:?}"),
    }
    match r.read_snapshot_lattice("day_00001") {
        Err(OutputError::Invalid { object, .. }) => {
            assert_eq!(object, "/snapshots/day_00001/bone_fraction")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_commit_keeps_the_file_and_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fail.h5");
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    let mut ts = out.timeseries(&[("day", "d"), ("v", "1")]).unwrap();
    for i in 0..3 {
        ts.append_row(&[f64::from(i), 1.0]).unwrap();
    }
    out.flush().unwrap();
    ts.append_row(&[3.0, 1.0]).unwrap();
    ts.append_row(&[4.0, 1.0]).unwrap();

    out.inject_failure(InjectedFailure::BeforeCommit);
    let e = out.write_snapshot(1, &lattice(), &[]).unwrap_err();
    assert!(e.to_string().contains("injected failure"), "{e}");
    assert_eq!(e.object(), Some("/snapshots/day_00001"));
    let r = OutputReader::open(&path).unwrap();
    assert_eq!(r.read_timeseries().unwrap().rows(), 3);
    assert!(r.list_snapshots().unwrap().is_empty());
    assert_eq!(ts.flushed_rows(), 3);
    assert_eq!(out.pending_rows(), 2);

    // The retry writes the snapshot and the two rows once.
    out.write_snapshot(1, &lattice(), &[]).unwrap();
    out.close().unwrap();
    let r = OutputReader::open(&path).unwrap();
    assert_eq!(
        r.read_timeseries().unwrap().columns[0].values,
        [0.0, 1.0, 2.0, 3.0, 4.0]
    );
    assert_eq!(r.read_snapshot_lattice("day_00001").unwrap(), lattice());
}

#[test]
fn a_commit_that_landed_despite_an_error_is_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("landed.h5");
    let mut out = OutputFile::create(&path, &meta()).unwrap();
    let mut ts = out.timeseries(&[("day", "d")]).unwrap();
    ts.append_row(&[0.0]).unwrap();
    ts.append_row(&[1.0]).unwrap();

    out.inject_failure(InjectedFailure::AfterCommit);
    assert!(out.write_snapshot(5, &lattice(), &[]).is_err());
    assert_eq!(ts.flushed_rows(), 2);
    assert_eq!(out.pending_rows(), 0);
    // The snapshot is there, so writing it again is a rejection, not a second
    // copy.
    assert!(matches!(
        out.write_snapshot(5, &lattice(), &[]),
        Err(OutputError::Rejected { .. })
    ));
    ts.append_row(&[2.0]).unwrap();
    out.close().unwrap();
    let r = OutputReader::open(&path).unwrap();
    assert_eq!(
        r.read_timeseries().unwrap().columns[0].values,
        [0.0, 1.0, 2.0]
    );
    assert_eq!(r.list_snapshots().unwrap().len(), 1);
}
