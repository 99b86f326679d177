//! Integration tests of micro-CT import: the real shrew fixture, NRRD and raw round
//! trips in every byte order, resampling, Otsu, and robustness against malformed input.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use trabecula::grid::Dims;
use trabecula::lattice::import::{
    import_lattice, otsu_threshold, read_nrrd, read_nrrd_bytes, read_raw, read_volume, resample,
    segment, to_isotropic_mask, BinaryVolume, Crop, DType, Endian, GreyVolume, ImportError,
    ImportSpec, RawSpec, Threshold, VolumeFormat,
};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shrew_trabecular.nrrd"
);

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(FIXTURE).unwrap()
}

/// Offset of the first data byte: just after the first empty line.
fn fixture_data_offset(bytes: &[u8]) -> usize {
    bytes.windows(2).position(|w| w == b"\n\n").unwrap() + 2
}

// ---------------------------------------------------------------------------
// The real fixture
// ---------------------------------------------------------------------------

#[test]
fn fixture_reads_with_shape_spacing_and_values() {
    let v = read_nrrd(FIXTURE).unwrap();
    assert_eq!(v.dims, Dims::new(114, 114, 115));
    assert_eq!(v.source_dtype, DType::U8);
    for s in v.spacing_um {
        assert!((s - 4.1).abs() < 1e-6, "spacing {s}");
    }
    assert!(v.is_isotropic());
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    assert!(v.data.iter().all(|&x| x == 0.0 || x == 255.0));

    // Voxel order is file order, x fastest.
    let bytes = fixture_bytes();
    let raw = &bytes[fixture_data_offset(&bytes)..];
    assert_eq!(raw.len(), 114 * 114 * 115);
    assert!(raw.iter().zip(&v.data).all(|(&b, &x)| f32::from(b) == x));
}

#[test]
fn fixture_bone_fraction_matches_raw_bytes() {
    let bytes = fixture_bytes();
    let raw = &bytes[fixture_data_offset(&bytes)..];
    let bone = raw.iter().filter(|&&b| b == 255).count();
    let expected = bone as f64 / raw.len() as f64;

    let v = read_nrrd(FIXTURE).unwrap();
    for t in [
        Threshold::Value(128.0),
        Threshold::Value(255.0),
        Threshold::Otsu,
    ] {
        let b = segment(&v, t).unwrap();
        assert_eq!(b.bone_voxels(), bone, "{t:?}");
        assert!((b.bone_volume_fraction() - expected).abs() < 1e-15);
    }
    assert_eq!(otsu_threshold(&v).unwrap(), 128.0);
    assert!((expected - 0.2935).abs() < 1e-4, "BV/TV {expected}");

    let mask = to_isotropic_mask(&segment(&v, Threshold::Otsu).unwrap()).unwrap();
    assert_eq!(mask.dims, v.dims);
    assert!((mask.voxel_um - 4.1).abs() < 1e-6);
    assert_eq!(mask.bone_voxels(), bone);
}

#[test]
fn fixture_imports_as_lattice_native_and_coarsened() {
    let spec = ImportSpec {
        path: FIXTURE.into(),
        format: VolumeFormat::Nrrd,
        threshold: Threshold::Otsu,
        voxel_um: None,
        crop: None,
    };
    let native = import_lattice(&spec).unwrap();
    assert_eq!(native.dims, Dims::new(114, 114, 115));
    assert!(native.bone_fraction.iter().all(|&f| f == 0.0 || f == 1.0));

    // Coarsen by 2 (8.2 um): 115 * 4.1 / 8.2 = 57.5, so z keeps 57 voxels and the
    // last native slice is dropped; bone volume is conserved over the covered region.
    let spec = ImportSpec {
        voxel_um: Some(2.0 * 4.100_000_017_22),
        ..spec
    };
    let coarse = import_lattice(&spec).unwrap();
    assert_eq!(coarse.dims, Dims::new(57, 57, 57));
    let native_bone: f32 = native.bone_fraction[..114 * 114 * 114].iter().sum();
    let coarse_bone: f32 = coarse.bone_fraction.iter().sum::<f32>() * 8.0;
    assert!(
        ((coarse_bone - native_bone) / native_bone).abs() < 1e-5,
        "{coarse_bone} vs {native_bone}"
    );
}

// ---------------------------------------------------------------------------
// NRRD round trips, written here byte by byte
// ---------------------------------------------------------------------------

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn nrrd(fields: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("NRRD0005\n# written by a test\n{fields}\n").into_bytes();
    out.extend_from_slice(payload);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const SHAPE: [usize; 3] = [3, 4, 5];

fn u16_values() -> Vec<u16> {
    (0..60u16)
        .map(|i| 0x0102u16.wrapping_mul(i + 1) ^ 0x8000)
        .collect()
}

fn f32_values() -> Vec<f32> {
    (0..60).map(|i| i as f32 * 1.37 - 20.5).collect()
}

fn header_for(ty: &str, endian: &str, encoding: &str) -> String {
    format!(
        "type: {ty}\ndimension: 3\nsizes: 3 4 5\nencoding: {encoding}\nendian: {endian}\n\
         space directions: (0.002,0,0) (0,0.003,0) (0,0,0.004)\nspace units: \"mm\" \"mm\" \"mm\"\n"
    )
}

fn check_grid(v: &GreyVolume) {
    assert_eq!(v.dims, Dims::new(SHAPE[0], SHAPE[1], SHAPE[2]));
    for (s, e) in v.spacing_um.iter().zip([2.0, 3.0, 4.0]) {
        assert!((s - e).abs() < 1e-9, "{:?}", v.spacing_um);
    }
}

#[test]
fn u16_round_trips_in_both_byte_orders() {
    let dir = tempfile::tempdir().unwrap();
    let values = u16_values();
    let expected: Vec<f32> = values.iter().map(|&v| f32::from(v)).collect();
    let le: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    for (ty, endian, payload) in [
        ("ushort", "little", &le),
        ("unsigned short int", "big", &be),
        ("uint16_t", "big", &be),
    ] {
        let p = write_file(
            dir.path(),
            "v.nrrd",
            &nrrd(&header_for(ty, endian, "raw"), payload),
        );
        let v = read_nrrd(&p).unwrap();
        check_grid(&v);
        assert_eq!(v.source_dtype, DType::U16);
        assert_eq!(v.data, expected, "{ty} {endian}");
    }
    // A reader that ignored `endian` would get these wrong: the swapped reading differs.
    let p = write_file(
        dir.path(),
        "w.nrrd",
        &nrrd(&header_for("uint16", "little", "raw"), &be),
    );
    assert_ne!(read_nrrd(&p).unwrap().data, expected);
}

#[test]
fn f32_round_trips_in_both_byte_orders_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let values = f32_values();
    let le: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    for (endian, encoding, payload) in [
        ("little", "raw", le.clone()),
        ("big", "raw", be.clone()),
        ("little", "gzip", gzip(&le)),
        ("big", "gz", gzip(&be)),
    ] {
        let p = write_file(
            dir.path(),
            "f.nrrd",
            &nrrd(&header_for("float", endian, encoding), &payload),
        );
        let v = read_nrrd(&p).unwrap();
        check_grid(&v);
        assert_eq!(v.source_dtype, DType::F32);
        assert_eq!(v.data, values, "{endian} {encoding}");
    }
}

#[test]
fn gzip_u16_big_endian_round_trips() {
    let values = u16_values();
    let be: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    let file = nrrd(&header_for("uint16", "big", "gzip"), &gzip(&be));
    let v = read_nrrd_bytes(&file, "mem.nrrd").unwrap();
    assert_eq!(
        v.data,
        values.iter().map(|&x| f32::from(x)).collect::<Vec<_>>()
    );
}

#[test]
fn other_types_round_trip() {
    let n = 60;
    let i8s: Vec<u8> = (0..n).map(|i| (i as i8).wrapping_mul(7) as u8).collect();
    let i16s: Vec<i16> = (0..n).map(|i| (i as i16 - 30) * 1001).collect();
    let i32s: Vec<i32> = (0..n).map(|i| (i - 30) * 65_537).collect();
    let u32s: Vec<u32> = (0..n as u32).map(|i| i * 70_001 + 3).collect();
    let f64s: Vec<f64> = (0..n).map(|i| f64::from(i) * 0.25 - 3.0).collect();
    type Case = (&'static str, &'static str, Vec<u8>, Vec<f32>, DType);
    let cases: Vec<Case> = vec![
        (
            "signed char",
            "big",
            i8s.clone(),
            i8s.iter().map(|&b| f32::from(b as i8)).collect(),
            DType::I8,
        ),
        (
            "short",
            "big",
            i16s.iter().flat_map(|v| v.to_be_bytes()).collect(),
            i16s.iter().map(|&v| f32::from(v)).collect(),
            DType::I16,
        ),
        (
            "int",
            "little",
            i32s.iter().flat_map(|v| v.to_le_bytes()).collect(),
            i32s.iter().map(|&v| v as f32).collect(),
            DType::I32,
        ),
        (
            "uint32",
            "big",
            u32s.iter().flat_map(|v| v.to_be_bytes()).collect(),
            u32s.iter().map(|&v| v as f32).collect(),
            DType::U32,
        ),
        (
            "double",
            "big",
            f64s.iter().flat_map(|v| v.to_be_bytes()).collect(),
            f64s.iter().map(|&v| v as f32).collect(),
            DType::F64,
        ),
    ];
    for (ty, endian, payload, expected, dtype) in cases {
        let v =
            read_nrrd_bytes(&nrrd(&header_for(ty, endian, "raw"), &payload), "mem.nrrd").unwrap();
        assert_eq!(v.source_dtype, dtype, "{ty}");
        assert_eq!(v.data, expected, "{ty}");
    }
}

#[test]
fn detached_header_with_skips() {
    let dir = tempfile::tempdir().unwrap();
    let values = u16_values();
    let be: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    let mut data = b"vendor line one\nvendor line two\nXXXX".to_vec();
    data.extend_from_slice(&be);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write_file(&dir.path().join("sub"), "vol.raw", &data);
    let header = "NRRD0004\ntype: uint16\ndimension: 3\nsizes: 3 4 5\nencoding: raw\nendian: big\n\
         spacings: 2 3 4\nunits: \"um\" \"µm\" \"micron\"\nline skip: 2\nbyte skip: 4\ndata file: sub/vol.raw\n"
        .to_owned();
    let p = write_file(dir.path(), "vol.nhdr", header.as_bytes());
    let v = read_volume(&p, None).unwrap();
    check_grid(&v);
    assert_eq!(
        v.data,
        values.iter().map(|&x| f32::from(x)).collect::<Vec<_>>()
    );

    // byte skip -1: the data end the (attached) file, whatever precedes them.
    let mut attached = nrrd(
        &header_for("uint16", "big", "raw")
            .replace("encoding: raw", "encoding: raw\nbyte skip: -1"),
        b"junk",
    );
    attached.extend_from_slice(&be);
    let v = read_nrrd_bytes(&attached, "skip.nrrd").unwrap();
    assert_eq!(
        v.data,
        values.iter().map(|&x| f32::from(x)).collect::<Vec<_>>()
    );

    // A missing detached data file is an I/O error naming that file.
    let p = write_file(
        dir.path(),
        "lost.nhdr",
        header.replace("sub/vol.raw", "nowhere.raw").as_bytes(),
    );
    let e = read_nrrd(&p).unwrap_err();
    assert!(e.to_string().contains("nowhere.raw"), "{e}");
}

#[test]
fn size_mismatches_are_errors() {
    let payload = vec![7u8; 60];
    let e = read_nrrd_bytes(
        &nrrd(&header_for("uint8", "big", "raw"), &payload[..59]),
        "t.nrrd",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::Truncated {
                expected: 60,
                found: 59,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("expected 60 bytes, found 59"), "{e}");
    let mut long = payload.clone();
    long.push(0);
    let e =
        read_nrrd_bytes(&nrrd(&header_for("uint8", "big", "raw"), &long), "t.nrrd").unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::SizeMismatch {
                expected: 60,
                actual: 61,
                ..
            }
        ),
        "{e}"
    );
    let e = read_nrrd_bytes(
        &nrrd(&header_for("uint8", "big", "gzip"), &gzip(&payload[..30])),
        "t.nrrd",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::Truncated {
                expected: 60,
                found: 30,
                ..
            }
        ),
        "{e}"
    );
    let e = read_nrrd_bytes(
        &nrrd(&header_for("uint8", "big", "gzip"), &gzip(&long)),
        "t.nrrd",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::SizeMismatch {
                expected: 60,
                actual: 61,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn header_errors_name_file_line_and_key() {
    let cases: Vec<(String, &[&str])> = vec![
        ("NRRD0009\n\n".into(), &["bad.nrrd", "NRRD0009"]),
        ("P5\n3 4\n255\n".into(), &["bad.nrrd", "not a NRRD"]),
        (
            header_for("complex", "big", "raw"),
            &["line 3", "type", "complex"],
        ),
        (
            header_for("int64", "big", "raw"),
            &["line 3", "int64", "not supported"],
        ),
        (
            header_for("uint8", "big", "bzip2"),
            &["line 6", "bzip2", "raw, gzip"],
        ),
        (
            header_for("uint8", "middle", "raw"),
            &["line 7", "endian", "little or big"],
        ),
        (
            header_for("uint16", "big", "raw").replace("endian: big\n", ""),
            &["endian", "2 bytes"],
        ),
        (
            header_for("uint8", "big", "raw").replace("sizes: 3 4 5", "sizes: 3 four 5"),
            &["line 5", "sizes", "four"],
        ),
        (
            header_for("uint8", "big", "raw").replace("dimension: 3", "dimension: 4"),
            &["line 4", "dimension", "\"4\""],
        ),
        (
            header_for("uint8", "big", "raw").replace("(0,0.003,0)", "(0,-0,0)"),
            &["axis 1", "finite positive"],
        ),
        (
            header_for("uint8", "big", "raw").replace("(0,0,0.004)", "none"),
            &["space directions", "none"],
        ),
        (
            header_for("uint8", "big", "raw")
                .replace("\"mm\" \"mm\" \"mm\"", "\"mm\" \"furlong\" \"mm\""),
            &["space units", "furlong"],
        ),
        (
            header_for("uint8", "big", "raw")
                .replace("sizes: 3 4 5", "sizes: 100000 100000 100000"),
            &["100000", "17179869184"],
        ),
        (
            header_for("uint8", "big", "raw").replace("sizes: 3 4 5", "sizes: 3 0 5"),
            &["3 x 0 x 5"],
        ),
        (
            header_for("uint8", "big", "raw").replace("type: uint8\n", ""),
            &["missing", "type"],
        ),
        (
            header_for("uint8", "big", "raw").replace(
                "space directions: (0.002,0,0) (0,0.003,0) (0,0,0.004)\n",
                "",
            ),
            &["missing", "spacings"],
        ),
        (
            header_for("uint8", "big", "raw") + "this line has no colon\n",
            &["line 10", "malformed"],
        ),
    ];
    for (fields, needles) in cases {
        let file = if fields.starts_with("NRRD") || fields.starts_with("P5") {
            fields.clone().into_bytes()
        } else {
            nrrd(&fields, &[0u8; 60])
        };
        let msg = match read_nrrd_bytes(&file, "bad.nrrd") {
            Ok(_) => panic!("accepted:\n{fields}"),
            Err(e) => e.to_string(),
        };
        for n in needles {
            assert!(msg.contains(n), "{msg:?} lacks {n:?}");
        }
        assert!(msg.contains("bad.nrrd"), "{msg}");
    }
}

// ---------------------------------------------------------------------------
// Raw reader and format choice
// ---------------------------------------------------------------------------

#[test]
fn raw_reader_with_header_offset() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<i16> = (0..60).map(|i| (i - 30) * 517).collect();
    let mut bytes = b"VENDOR HEADER 17b".to_vec();
    bytes.extend(values.iter().flat_map(|v| v.to_be_bytes()));
    let p = write_file(dir.path(), "scan.raw", &bytes);
    let spec = RawSpec {
        shape: SHAPE,
        dtype: DType::I16,
        endian: Endian::Big,
        spacing_um: [2.0, 3.0, 4.0],
        header_bytes: 17,
    };
    let v = read_raw(&p, &spec).unwrap();
    check_grid(&v);
    assert_eq!(
        v.data,
        values.iter().map(|&x| f32::from(x)).collect::<Vec<_>>()
    );
    assert_eq!(read_volume(&p, Some(&spec)).unwrap(), v);

    let little = RawSpec {
        endian: Endian::Little,
        ..spec.clone()
    };
    assert_ne!(read_raw(&p, &little).unwrap().data, v.data);

    let off_by_one = RawSpec {
        header_bytes: 16,
        ..spec.clone()
    };
    let e = read_raw(&p, &off_by_one).unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::SizeMismatch {
                expected: 136,
                actual: 137,
                ..
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("136") && msg.contains("137") && msg.contains("scan.raw"),
        "{msg}"
    );

    let e = read_volume(&p, None).unwrap_err();
    assert!(matches!(e, ImportError::UnknownFormat { .. }), "{e}");
    let bad = RawSpec {
        spacing_um: [2.0, f64::NAN, 4.0],
        ..spec.clone()
    };
    assert!(matches!(
        read_raw(&p, &bad),
        Err(ImportError::BadSpacing { axis: 1, .. })
    ));
    let huge = RawSpec {
        shape: [usize::MAX, 2, 2],
        ..spec
    };
    assert!(matches!(
        read_raw(&p, &huge),
        Err(ImportError::AbsurdSize { .. })
    ));
}

#[test]
fn import_raw_with_crop_and_anisotropic_spacing() {
    let dir = tempfile::tempdir().unwrap();
    // 4 x 4 x 3 u8 volume, bone (200) in z = 1 only; z spacing twice x/y.
    let dims = Dims::new(4, 4, 3);
    let bytes: Vec<u8> = (0..dims.len())
        .map(|i| if dims.coords(i).2 == 1 { 200 } else { 10 })
        .collect();
    let p = write_file(dir.path(), "a.bin", &bytes);
    let spec = ImportSpec {
        path: p,
        format: VolumeFormat::Raw(RawSpec {
            shape: [4, 4, 3],
            dtype: DType::U8,
            endian: Endian::Little,
            spacing_um: [5.0, 5.0, 10.0],
            header_bytes: 0,
        }),
        threshold: Threshold::Otsu,
        voxel_um: None,
        crop: Some(Crop {
            origin: [1, 0, 0],
            size: [2, 4, 2],
        }),
    };
    let l = import_lattice(&spec).unwrap();
    assert_eq!(l.dims, Dims::new(2, 4, 4));
    assert_eq!(l.voxel_um, 5.0);
    for (i, &f) in l.bone_fraction.iter().enumerate() {
        assert_eq!(f, if l.dims.coords(i).2 >= 2 { 1.0 } else { 0.0 });
    }
    let bad = ImportSpec {
        crop: Some(Crop {
            origin: [3, 0, 0],
            size: [2, 1, 1],
        }),
        ..spec
    };
    assert!(matches!(
        import_lattice(&bad),
        Err(ImportError::InvalidArgument { .. })
    ));
}

// ---------------------------------------------------------------------------
// Resampling and Otsu
// ---------------------------------------------------------------------------

fn binary(
    dims: Dims,
    spacing_um: [f64; 3],
    f: impl Fn(usize, usize, usize) -> bool,
) -> BinaryVolume {
    BinaryVolume {
        dims,
        spacing_um,
        data: (0..dims.len())
            .map(|i| {
                let (x, y, z) = dims.coords(i);
                u8::from(f(x, y, z))
            })
            .collect(),
        threshold: 1.0,
    }
}

#[test]
fn half_filled_block_coarsens_to_expected_fractions() {
    let b = binary(Dims::cube(4), [1.0; 3], |x, _, _| x < 2);
    let l = resample(&b, 2.0).unwrap();
    assert_eq!(l.dims, Dims::cube(2));
    for (i, &f) in l.bone_fraction.iter().enumerate() {
        assert_eq!(f, if l.dims.coords(i).0 == 0 { 1.0 } else { 0.0 });
    }

    // Bone in x < 2 plus the slice z = 0.
    let b = binary(Dims::cube(4), [1.0; 3], |x, _, z| x < 2 || z == 0);
    let l = resample(&b, 2.0).unwrap();
    let expect = |x: usize, z: usize| match (x, z) {
        (0, _) => 1.0,
        (1, 0) => 0.5,
        _ => 0.0,
    };
    for (i, &f) in l.bone_fraction.iter().enumerate() {
        let (x, _, z) = l.dims.coords(i);
        assert!((f - expect(x, z)).abs() < 1e-6, "({x},{z}): {f}");
    }
}

fn pseudo_random(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

#[test]
fn coarsening_by_integer_factors_conserves_bone_volume() {
    let mut rng = pseudo_random(7);
    let dims = Dims::new(12, 9, 6);
    let data: Vec<u8> = (0..dims.len())
        .map(|_| u8::from(rng().is_multiple_of(3)))
        .collect();
    for (spacing, target) in [
        ([3.0; 3], 9.0),
        ([2.0, 2.0, 6.0], 6.0),
        ([1.5, 4.5, 0.75], 4.5),
    ] {
        let b = BinaryVolume {
            dims,
            spacing_um: spacing,
            data: data.clone(),
            threshold: 1.0,
        };
        let l = resample(&b, target).unwrap();
        let coarse: f64 =
            l.bone_fraction.iter().map(|&f| f64::from(f)).sum::<f64>() * target.powi(3);
        let native = b.bone_volume_um3();
        assert!(
            ((coarse - native) / native).abs() < 1e-6,
            "{spacing:?} -> {target}: {coarse} vs {native}"
        );
        assert!(l.bone_fraction.iter().all(|f| (0.0..=1.0).contains(f)));
    }
}

#[test]
fn refining_is_nearest_neighbour_and_conserves_volume() {
    let b = binary(Dims::new(2, 2, 2), [4.0; 3], |x, y, z| (x + y + z) % 2 == 0);
    let l = resample(&b, 2.0).unwrap();
    assert_eq!(l.dims, Dims::cube(4));
    for (i, &f) in l.bone_fraction.iter().enumerate() {
        let (x, y, z) = l.dims.coords(i);
        assert_eq!(f, f32::from(b.data[b.dims.index(x / 2, y / 2, z / 2)]));
    }
}

#[test]
fn otsu_separates_a_bimodal_volume() {
    let mut rng = pseudo_random(11);
    let dims = Dims::new(20, 20, 20);
    let truth: Vec<bool> = (0..dims.len()).map(|_| rng() % 10 < 3).collect();
    let data: Vec<f32> = truth
        .iter()
        .map(|&bone| {
            let noise = (rng() % 61) as f32 - 30.0;
            if bone {
                180.0 + noise
            } else {
                60.0 + noise
            }
        })
        .collect();
    for dtype in [DType::U8, DType::F32] {
        let g = GreyVolume {
            dims,
            spacing_um: [10.0; 3],
            data: data.clone(),
            source_dtype: dtype,
            warnings: vec![],
        };
        let t = otsu_threshold(&g).unwrap();
        assert!(t > 90.0 && t <= 150.0, "{dtype}: {t}");
        let b = segment(&g, Threshold::Otsu).unwrap();
        assert_eq!(b.threshold, t);
        assert!(b
            .data
            .iter()
            .zip(&truth)
            .all(|(&v, &bone)| (v == 1) == bone));
    }
}

// ---------------------------------------------------------------------------
// Robustness: no input may panic
// ---------------------------------------------------------------------------

fn no_panic(bytes: &[u8], what: &str) -> Result<GreyVolume, ImportError> {
    match catch_unwind(AssertUnwindSafe(|| read_nrrd_bytes(bytes, "fuzz.nrrd"))) {
        Ok(r) => {
            if let Ok(v) = &r {
                assert_eq!(v.data.len(), v.dims.len(), "{what}");
                assert!(
                    v.spacing_um.iter().all(|s| s.is_finite() && *s > 0.0),
                    "{what}"
                );
            }
            r
        }
        Err(_) => panic!("reader panicked on {what}"),
    }
}

#[test]
fn truncated_fixture_is_always_an_error() {
    let bytes = fixture_bytes();
    let start = fixture_data_offset(&bytes);
    let mut offsets: Vec<usize> = (0..start + 8).collect();
    offsets.extend((1..200).map(|k| start + k * (bytes.len() - start) / 200));
    offsets.push(bytes.len() - 1);
    for &cut in &offsets {
        assert!(
            no_panic(&bytes[..cut], &format!("cut at {cut}")).is_err(),
            "cut at {cut} accepted"
        );
    }
    // Through the file reader too.
    let dir = tempfile::tempdir().unwrap();
    for &cut in offsets.iter().step_by(13) {
        let p = write_file(dir.path(), "cut.nrrd", &bytes[..cut]);
        let r = catch_unwind(|| read_nrrd(&p)).unwrap_or_else(|_| panic!("panic at cut {cut}"));
        assert!(r.is_err(), "cut at {cut} accepted");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = fixture_bytes();
    let start = fixture_data_offset(&bytes);
    let mut buf = bytes.clone();
    for i in 0..start {
        for flip in [
            |b: u8| b ^ 0x01,
            |b| b ^ 0x20,
            |b| b ^ 0x80,
            |_| b'\n',
            |_| b'9',
            |_| 0,
        ] {
            buf[i] = flip(bytes[i]);
            let _ = no_panic(&buf, &format!("header byte {i} changed to {}", buf[i]));
            buf[i] = bytes[i];
        }
    }
    // Data bytes carry no structure: a flipped one still reads, with that value.
    for i in (start..bytes.len()).step_by(99_991) {
        buf[i] = bytes[i] ^ 0xff;
        let v = no_panic(&buf, &format!("data byte {i}")).unwrap();
        assert_eq!(v.data[i - start], f32::from(bytes[i] ^ 0xff));
        buf[i] = bytes[i];
    }
}

#[test]
fn corrupt_gzip_is_an_error() {
    let values: Vec<u8> = (0..60u8).map(|i| i.wrapping_mul(37)).collect();
    let gz = gzip(&values);
    let head = nrrd(&header_for("uint8", "big", "gzip"), &[]);
    let file = |payload: &[u8]| [head.as_slice(), payload].concat();
    assert_eq!(
        read_nrrd_bytes(&file(&gz), "z.nrrd").unwrap().data.len(),
        60
    );
    // Every byte after the 10-byte gzip member header is checked (deflate stream, CRC,
    // length); the member header's time and OS bytes are not.
    for i in 10..gz.len() {
        let mut bad = gz.clone();
        bad[i] ^= 0x5a;
        assert!(
            no_panic(&file(&bad), &format!("gzip byte {i}")).is_err(),
            "gzip flip at {i} accepted"
        );
    }
    for cut in 0..gz.len() {
        assert!(
            no_panic(&file(&gz[..cut]), &format!("gzip cut {cut}")).is_err(),
            "gzip cut at {cut} accepted"
        );
    }
    let e = read_nrrd_bytes(&file(b"this is not gzip at all"), "z.nrrd").unwrap_err();
    assert!(matches!(e, ImportError::Gzip { .. }), "{e}");
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = pseudo_random(3);
    for round in 0..3000 {
        let len = (rng() % 600) as usize;
        let mut buf: Vec<u8> = (0..len).map(|_| rng() as u8).collect();
        if round % 2 == 0 {
            buf.splice(0..0, b"NRRD0004\n".iter().copied());
        }
        let _ = no_panic(&buf, &format!("garbage round {round}"));
    }
}

#[test]
fn random_headers_never_panic() {
    // Headers assembled from plausible and implausible field values.
    let pool: &[(&str, &[&str])] = &[
        (
            "type",
            &[
                "uint8",
                "short",
                "float",
                "double",
                "int64",
                "block",
                "",
                "uint8 uint8",
            ],
        ),
        ("dimension", &["3", "2", "-3", "99999999999999999999", "x"]),
        (
            "sizes",
            &[
                "2 2 2",
                "1 1 1",
                "0 2 2",
                "2 2",
                "18446744073709551615 2 2",
                "4294967296 4294967296 1",
                "-1 2 2",
            ],
        ),
        ("encoding", &["raw", "gzip", "gz", "hex", ""]),
        ("endian", &["little", "big", "sideways"]),
        (
            "spacings",
            &[
                "1 1 1",
                "nan 1 1",
                "inf 1 1",
                "1e308 1e308 1e308",
                "1e-320 1 1",
                "-1 1 1",
                "1 1",
            ],
        ),
        (
            "units",
            &["mm mm mm", "\"um\" \"um\"", "\"", "\"\" \"\" \"\""],
        ),
        (
            "space directions",
            &[
                "(1,0,0) (0,1,0) (0,0,1)",
                "(1,0,0) (0,1,0)",
                "(1,0) (0,1) (1,1)",
                "(1,0,0 (0,1,0) (0,0,1)",
                "none none none",
                "(0,0,0) (0,1,0) (0,0,1)",
                "(nan,0,0) (0,1,0) (0,0,1)",
                "(1e308,1e308,0) (0,1,0) (0,0,1)",
            ],
        ),
        (
            "space units",
            &["\"mm\" \"mm\" \"mm\"", "\"m\"", "\"µm\" \"µm\" \"µm\""],
        ),
        ("byte skip", &["0", "-1", "3", "-2", "9223372036854775807"]),
        ("line skip", &["0", "1", "100", "18446744073709551615"]),
        ("data file", &["LIST", "x%03d.raw 1 3 1", "", "missing.raw"]),
    ];
    let mut rng = pseudo_random(5);
    for round in 0..4000 {
        let mut text = String::from("NRRD0005\n");
        for (key, values) in pool {
            if !rng().is_multiple_of(4) {
                let v = values[(rng() % values.len() as u64) as usize];
                text.push_str(&format!("{key}: {v}\n"));
            }
        }
        text.push('\n');
        let mut buf = text.into_bytes();
        let data_len = [0usize, 7, 8, 16, 64][(rng() % 5) as usize];
        buf.extend((0..data_len).map(|_| rng() as u8));
        let _ = no_panic(
            &buf,
            &format!("header round {round}:\n{}", String::from_utf8_lossy(&buf)),
        );
    }
}
