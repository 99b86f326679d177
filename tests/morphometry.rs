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

/// A deterministic trabecular-like test volume: the solid network of a sum of two
/// gyroid fields (the second rotated and rescaled to break the symmetry), thresholded
/// to the requested bone fraction. `period` (voxels) sets the spacing.
fn gyroid_foam(n: usize, period: f64, bv_tv: f64) -> BoneMask {
    let dims = Dims::cube(n);
    let gyroid = |x: f64, y: f64, z: f64, l: f64| {
        let k = std::f64::consts::TAU / l;
        (k * x).sin() * (k * y).cos()
            + (k * y).sin() * (k * z).cos()
            + (k * z).sin() * (k * x).cos()
    };
    let field: Vec<f64> = (0..dims.len())
        .map(|i| {
            let (x, y, z) = dims.coords(i);
            let (x, y, z) = (x as f64, y as f64, z as f64);
            let (u, v) = (0.8 * x + 0.6 * y, -0.6 * x + 0.8 * y);
            gyroid(x, y, z, period) + 0.35 * gyroid(u + 11.0, v + 5.0, 0.9 * z + 3.0, 0.61 * period)
        })
        .collect();
    let mut sorted = field.clone();
    let k = ((1.0 - bv_tv) * dims.len() as f64) as usize;
    let k = k.min(dims.len().saturating_sub(1));
    let (_, &mut threshold, _) = sorted.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    BoneMask {
        dims,
        voxel_um: 10.0,
        data: field.iter().map(|&f| u8::from(f > threshold)).collect(),
    }
}

#[test]
#[ignore]
fn profile_foam() {
    let n = std::env::var("FOAM_N").map_or(150, |v| v.parse().unwrap());
    let mask = gyroid_foam(n, 64.0, 0.2);
    let cpu = || {
        let s = std::fs::read_to_string("/proc/self/stat").unwrap();
        let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
        (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
    };
    let part = |label: &str, f: &dyn Fn()| {
        let (t, c) = (std::time::Instant::now(), cpu());
        f();
        println!("{label}: wall {:?} cpu {:.2}s", t.elapsed(), cpu() - c);
    };
    for p in [Phase::Bone, Phase::Marrow] {
        part(&format!("edt {p:?}"), &|| {
            drop(morphometry::squared_edt(&mask, p))
        });
        part(&format!("lt {p:?}"), &|| {
            drop(morphometry::local_thickness(&mask, p))
        });
    }
    part("euler", &|| {
        std::hint::black_box(morphometry::euler_characteristic(&mask));
    });
    part("components", &|| {
        std::hint::black_box(morphometry::bone_components(&mask));
    });
    part("measure", &|| {
        println!(
            "{}",
            serde_json::to_string(&morphometry::measure(&mask)).unwrap()
        )
    });
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
    fn best<T>(label: &str, mut f: impl FnMut() -> T) {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            std::hint::black_box(f());
            times.push(t.elapsed());
        }
        println!("{label}: min {:?}", times.iter().min().unwrap());
    }
    let mask = shrew();
    for p in [Phase::Bone, Phase::Marrow] {
        best(&format!("edt {p:?}"), || morphometry::squared_edt(&mask, p));
        best(&format!("lt {p:?}"), || {
            morphometry::local_thickness(&mask, p)
        });
    }
    best("euler", || morphometry::euler_characteristic(&mask));
    best("components", || morphometry::bone_components(&mask));
    best("measure", || morphometry::measure(&mask));
}
