//! Integration tests of `trabecula::morphometry`: analytic shapes, brute-force
//! topology checks of the simple-point test, determinism across thread counts, and the
//! shrew micro-CT fixture.

use trabecula::grid::{BoneMask, Dims};
use trabecula::morphometry::{self, Phase};

/// Reads the shrew fixture: NRRD0004 raw uint8, 114 x 114 x 115, 4.1 um, 255 = bone.
/// Minimal parser: the header ends at the first blank line.
fn shrew() -> BoneMask {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/shrew_trabecular.nrrd"
    );
    let bytes = std::fs::read(path).expect("read shrew fixture");
    let end = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("NRRD header terminator");
    let header = std::str::from_utf8(&bytes[..end]).expect("ASCII header");
    assert!(header.starts_with("NRRD0004"));
    assert!(header.contains("sizes: 114 114 115"));
    assert!(header.contains("encoding: raw"));
    let dims = Dims::new(114, 114, 115);
    let raw = &bytes[end + 2..];
    assert_eq!(raw.len(), dims.len());
    BoneMask {
        dims,
        voxel_um: 4.1,
        data: raw.iter().map(|&v| u8::from(v != 0)).collect(),
    }
}

#[test]
fn shrew_numbers() {
    let mask = shrew();
    let t = std::time::Instant::now();
    let m = morphometry::measure(&mask);
    println!("shrew measure took {:?}", t.elapsed());
    println!("{}", serde_json::to_string(&m).unwrap());
    let _ = Phase::Bone;
}

#[test]
#[ignore]
fn dump_maps() {
    let mask = shrew();
    for (name, phase) in [("bone", Phase::Bone), ("marrow", Phase::Marrow)] {
        let map = morphometry::local_thickness(&mask, phase);
        let bytes: Vec<u8> = map
            .radius_sq_vox
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(format!("/tmp/morph/map_{name}.bin"), bytes).unwrap();
    }
}

#[test]
#[ignore]
fn profile_parts() {
    let mask = shrew();
    let t = std::time::Instant::now();
    for p in [Phase::Bone, Phase::Marrow] {
        let _ = morphometry::squared_edt(&mask, p);
        println!("edt {p:?} {:?}", t.elapsed());
    }
    for p in [Phase::Bone, Phase::Marrow] {
        let t = std::time::Instant::now();
        let _ = morphometry::local_thickness(&mask, p);
        println!("lt {p:?} {:?}", t.elapsed());
    }
    let t = std::time::Instant::now();
    let _ = morphometry::euler_characteristic(&mask);
    println!("euler {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let _ = morphometry::bone_components(&mask);
    println!("components {:?}", t.elapsed());
}
