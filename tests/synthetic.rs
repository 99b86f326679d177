//! Tests of the synthetic trabecular generator: determinism, input errors,
//! connectivity, and that the anisotropy and plate-fraction knobs act as
//! documented.

use trabecula::grid::{BoneMask, Dims};
use trabecula::lattice::synthetic::{
    generate, generate_with_report, tb_sp_from_tb_n_mm, Preset, SyntheticError, SyntheticSpec,
    THICKNESS_CV,
};
use trabecula::lattice::Lattice;
use trabecula::morphometry::{
    bone_components, connectivity_density_per_mm3, local_thickness, mean_thickness_mm, measure,
    Phase,
};

/// A small, quick spec: 2 mm cube at 20 um.
fn small_spec(seed: u64) -> SyntheticSpec {
    SyntheticSpec {
        dims: Dims::cube(100),
        voxel_um: 20.0,
        bv_tv: 0.15,
        tb_th_mm: 0.16,
        tb_sp_mm: 0.7,
        anisotropy: 1.3,
        plate_fraction: 0.5,
        thickness_cv: THICKNESS_CV,
        seed,
    }
}

fn bytes(l: &Lattice) -> Vec<u8> {
    l.bone_fraction
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(f)
}

/// Number of 26-connected bone components (independent of the generator's own).
fn components(mask: &BoneMask) -> usize {
    let d = mask.dims;
    let mut seen = vec![false; d.len()];
    let mut stack = Vec::new();
    let mut count = 0;
    for s in 0..d.len() {
        if mask.data[s] == 0 || seen[s] {
            continue;
        }
        count += 1;
        seen[s] = true;
        stack.push(s);
        while let Some(i) = stack.pop() {
            let (x, y, z) = d.coords(i);
            for dz in -1i64..=1 {
                for dy in -1i64..=1 {
                    for dx in -1i64..=1 {
                        let (x2, y2, z2) = (x as i64 + dx, y as i64 + dy, z as i64 + dz);
                        if x2 < 0
                            || y2 < 0
                            || z2 < 0
                            || x2 >= d.nx as i64
                            || y2 >= d.ny as i64
                            || z2 >= d.nz as i64
                        {
                            continue;
                        }
                        let j = d.index(x2 as usize, y2 as usize, z2 as usize);
                        if mask.data[j] != 0 && !seen[j] {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
            }
        }
    }
    count
}

fn bv_tv(mask: &BoneMask) -> f64 {
    mask.bone_voxels() as f64 / mask.dims.len() as f64
}

/// Mean intercept length of bone along axis `axis` (0 = x, 2 = z), voxels: bone
/// voxels on lines along the axis divided by the number of bone runs.
fn mean_bone_run(mask: &BoneMask, axis: usize) -> f64 {
    let d = mask.dims;
    let n = d.as_array();
    let (mut bone, mut runs) = (0usize, 0usize);
    let (a, b) = match axis {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    };
    for u in 0..n[a] {
        for v in 0..n[b] {
            let mut prev = false;
            for t in 0..n[axis] {
                let mut c = [0; 3];
                c[axis] = t;
                c[a] = u;
                c[b] = v;
                let here = mask.is_bone(c[0], c[1], c[2]);
                if here {
                    bone += 1;
                    if !prev {
                        runs += 1;
                    }
                }
                prev = here;
            }
        }
    }
    bone as f64 / runs.max(1) as f64
}

/// Bone-marrow voxel faces inside the volume per bone voxel (a BS/BV proxy).
fn faces_per_bone_voxel(mask: &BoneMask) -> f64 {
    let d = mask.dims;
    let mut faces = 0usize;
    for z in 0..d.nz {
        for y in 0..d.ny {
            for x in 0..d.nx {
                let b = mask.is_bone(x, y, z);
                if x + 1 < d.nx && b != mask.is_bone(x + 1, y, z) {
                    faces += 1;
                }
                if y + 1 < d.ny && b != mask.is_bone(x, y + 1, z) {
                    faces += 1;
                }
                if z + 1 < d.nz && b != mask.is_bone(x, y, z + 1) {
                    faces += 1;
                }
            }
        }
    }
    faces as f64 / mask.bone_voxels().max(1) as f64
}

/// Acceptance: every preset on a 3 mm cube at 20 um (150^3), for three seeds,
/// measured with the project's morphometry, is one 26-connected component with
/// BV/TV within 10 % and Tb.Th within 20 % of the preset's target.
///
/// These are the acceptance tolerances. The generator calibrates BV/TV to the
/// voxel (typically within 1 %) and Tb.Th lands within about 5 %, so the margin
/// covers seed-to-seed variation rather than a systematic error. Only BV/TV,
/// Tb.Th and the components are measured: the marrow thickness behind Tb.Sp
/// takes several seconds per volume even in release builds (see the ignored
/// `preset_table` for all metrics).
#[test]
fn presets_meet_bv_tv_and_tb_th_targets() {
    for preset in Preset::ALL {
        let t = preset.targets();
        for seed in [1, 2, 3] {
            let mask = generate(&preset.spec(Dims::cube(150), 20.0, seed))
                .expect("preset spec is valid")
                .mask();
            let bv = bv_tv(&mask);
            let th = mean_thickness_mm(&mask, Phase::Bone);
            assert_eq!(bone_components(&mask), 1, "{preset} seed {seed}");
            assert!(
                (bv / t.bv_tv - 1.0).abs() <= 0.10,
                "{preset} seed {seed}: BV/TV {bv:.4}, target {}",
                t.bv_tv
            );
            assert!(
                (th / t.tb_th_mm - 1.0).abs() <= 0.20,
                "{preset} seed {seed}: Tb.Th {th:.4} mm, target {} mm",
                t.tb_th_mm
            );
        }
    }
}

/// Full morphometry and generation time of every preset at 150^3; prints the
/// table. Slow (marrow thickness), so run on demand:
/// `cargo test --release --test synthetic preset_table -- --ignored --nocapture`.
#[test]
#[ignore]
fn preset_table() {
    println!(
        "| preset | seed | BV/TV | Tb.Th mm | Tb.Sp mm | Tb.N /mm | Conn.D /mm^3 | comps | z/x run | gen ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for preset in Preset::ALL {
        let t = preset.targets();
        println!(
            "| {preset} | target | {} | {} | {} | {} | {} | 1 | | |",
            t.bv_tv,
            t.tb_th_mm,
            t.tb_sp_mm,
            t.tb_n_per_mm,
            t.conn_d_per_mm3.map_or("-".to_string(), |c| c.to_string())
        );
        for seed in [1, 2, 3] {
            let spec = preset.spec(Dims::cube(150), 20.0, seed);
            let start = std::time::Instant::now();
            let lattice = generate(&spec).expect("preset spec is valid");
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let mask = lattice.mask();
            let m = measure(&mask);
            let run = mean_bone_run(&mask, 2) / mean_bone_run(&mask, 0);
            println!(
                "| {preset} | {seed} | {:.4} | {:.3} | {:.3} | {:.2} | {:.2} | {} | {run:.2} | {ms:.0} |",
                m.bv_tv, m.tb_th_mm, m.tb_sp_mm, m.tb_n_per_mm, m.conn_d_per_mm3, m.components
            );
        }
    }
}

#[test]
fn same_seed_same_bytes_at_any_thread_count() {
    let spec = small_spec(7);
    let one = in_pool(1, || generate(&spec)).expect("generate");
    let two = in_pool(2, || generate(&spec)).expect("generate");
    let again = in_pool(2, || generate(&spec)).expect("generate");
    assert_eq!(bytes(&one), bytes(&two));
    assert_eq!(bytes(&two), bytes(&again));
    assert_eq!(one.dims, spec.dims);
    assert_eq!(one.voxel_um, spec.voxel_um);
}

#[test]
fn different_seeds_differ() {
    let a = generate(&small_spec(1)).expect("generate");
    let b = generate(&small_spec(2)).expect("generate");
    let differing = a
        .bone_fraction
        .iter()
        .zip(&b.bone_fraction)
        .filter(|(x, y)| x != y)
        .count();
    // Not just a few voxels: a different structure.
    assert!(
        differing as f64 > 0.05 * a.bone_fraction.len() as f64,
        "{differing}"
    );
}

#[test]
fn output_is_binary_connected_and_on_target() {
    for seed in [3, 4] {
        for plate_fraction in [0.0, 0.5, 1.0] {
            let spec = SyntheticSpec {
                plate_fraction,
                ..small_spec(seed)
            };
            let (lattice, report) = generate_with_report(&spec).expect("generate");
            assert!(lattice.bone_fraction.iter().all(|&f| f == 0.0 || f == 1.0));
            let mask = lattice.mask();
            assert_eq!(components(&mask), 1, "seed {seed}, plates {plate_fraction}");
            assert_eq!(report.components, 1);
            let bv = bv_tv(&mask);
            assert!((bv - report.bv_tv).abs() < 1e-12);
            assert!(
                (bv / spec.bv_tv - 1.0).abs() < 0.03,
                "BV/TV {bv} for target {} (seed {seed}, plates {plate_fraction})",
                spec.bv_tv
            );
            // Strut size is the thickness target unless BV/TV forced a change.
            assert!(
                (report.rod_diameter_um / 160.0 - 1.0).abs() < 0.25,
                "{report}"
            );
        }
    }
}

#[test]
fn anisotropy_gives_longer_bone_runs_along_z() {
    let base = SyntheticSpec {
        plate_fraction: 0.3,
        ..small_spec(11)
    };
    let iso = generate(&SyntheticSpec {
        anisotropy: 1.0,
        ..base.clone()
    })
    .expect("generate")
    .mask();
    let aniso = generate(&SyntheticSpec {
        anisotropy: 2.0,
        ..base
    })
    .expect("generate")
    .mask();
    let ratio = |m: &BoneMask| {
        let xy = 0.5 * (mean_bone_run(m, 0) + mean_bone_run(m, 1));
        mean_bone_run(m, 2) / xy
    };
    let (r_iso, r_aniso) = (ratio(&iso), ratio(&aniso));
    assert!(
        (0.75..1.33).contains(&r_iso),
        "isotropic z/xy run ratio {r_iso}"
    );
    assert!(
        r_aniso > 1.3 * r_iso,
        "anisotropic z/xy run ratio {r_aniso} vs isotropic {r_iso}"
    );
}

/// At equal BV/TV and thickness, plates have about half the surface of rods
/// (BS/BV = 2/t against 4/d) and close fewer loops per volume (lower Conn.D).
#[test]
fn plates_have_less_surface_and_connectivity_than_rods() {
    let base = small_spec(5);
    let rods = generate(&SyntheticSpec {
        plate_fraction: 0.0,
        ..base.clone()
    })
    .expect("generate")
    .mask();
    let plates = generate(&SyntheticSpec {
        plate_fraction: 1.0,
        ..base
    })
    .expect("generate")
    .mask();
    assert!((bv_tv(&rods) / bv_tv(&plates) - 1.0).abs() < 0.05);
    // BS/BV is 4/d for rods and 2/t for plates.
    let (s_rods, s_plates) = (faces_per_bone_voxel(&rods), faces_per_bone_voxel(&plates));
    assert!(
        s_rods > 1.3 * s_plates,
        "faces per bone voxel: rods {s_rods}, plates {s_plates}"
    );
    let (c_rods, c_plates) = (
        connectivity_density_per_mm3(&rods),
        connectivity_density_per_mm3(&plates),
    );
    assert!(
        c_rods > 2.0 * c_plates,
        "Conn.D: rods {c_rods} /mm^3, plates {c_plates} /mm^3"
    );
}

/// Relative spread (SD / mean) of the local thickness over the bone voxels.
fn thickness_spread(mask: &BoneMask) -> f64 {
    let map = local_thickness(mask, Phase::Bone);
    let t: Vec<f64> = (0..mask.dims.len())
        .filter_map(|i| map.thickness_um(i))
        .collect();
    let m = t.iter().sum::<f64>() / t.len() as f64;
    (t.iter().map(|x| (x - m).powi(2)).sum::<f64>() / t.len() as f64).sqrt() / m
}

#[test]
fn thickness_cv_spreads_the_strut_thickness_at_the_same_bv_tv_and_tb_th() {
    // Over three seeds of a 2 mm cube: elements of unequal thickness widen the
    // local-thickness distribution, while BV/TV stays on target (5%) and so does the
    // mean thickness (the generator measures it and rescales the radii; 10% of the
    // uniform lattice's, itself a few percent above the target).
    for seed in 1..=3 {
        let spread = small_spec(seed);
        let uniform = SyntheticSpec {
            thickness_cv: 0.0,
            ..spread.clone()
        };
        let a = generate(&uniform).unwrap().mask();
        let b = generate(&spread).unwrap().mask();
        let (sa, sb) = (thickness_spread(&a), thickness_spread(&b));
        assert!(sb > sa + 0.05, "seed {seed}: spread {sa:.3} -> {sb:.3}");
        assert!(
            (bv_tv(&b) / spread.bv_tv - 1.0).abs() < 0.05,
            "BV/TV {}",
            bv_tv(&b)
        );
        let (ta, tb) = (
            mean_thickness_mm(&a, Phase::Bone),
            mean_thickness_mm(&b, Phase::Bone),
        );
        eprintln!(
            "seed {seed}: spread {sa:.3} -> {sb:.3}, Tb.Th {ta:.4} -> {tb:.4}, BV/TV {:.4}",
            bv_tv(&b)
        );
        assert!((tb / ta - 1.0).abs() < 0.10, "Tb.Th {ta:.4} -> {tb:.4}");
        assert_eq!(components(&b), 1);
    }
}

#[test]
fn tb_sp_from_tb_n() {
    let sp = tb_sp_from_tb_n_mm(1.1, 0.13).expect("valid");
    assert!((sp - (1.0 / 1.1 - 0.13)).abs() < 1e-12);
    assert!(matches!(
        tb_sp_from_tb_n_mm(5.0, 0.25),
        Err(SyntheticError::OutOfRange {
            field: "tb_n_per_mm",
            ..
        })
    ));
    assert!(tb_sp_from_tb_n_mm(0.0, 0.1).is_err());
    assert!(tb_sp_from_tb_n_mm(1.0, f64::NAN).is_err());
}

fn field_of(e: SyntheticError) -> &'static str {
    match e {
        SyntheticError::OutOfRange { field, .. } => field,
        SyntheticError::DomainTooSmall { axis, .. } => axis,
        SyntheticError::DomainTooLarge { .. } => "dims",
    }
}

#[test]
fn bad_specs_name_the_field() {
    let ok = small_spec(1);
    let cases: Vec<(SyntheticSpec, &str)> = vec![
        (
            SyntheticSpec {
                thickness_cv: 0.81,
                ..ok.clone()
            },
            "thickness_cv",
        ),
        (
            SyntheticSpec {
                thickness_cv: -0.1,
                ..ok.clone()
            },
            "thickness_cv",
        ),
        (
            SyntheticSpec {
                bv_tv: 0.0,
                ..ok.clone()
            },
            "bv_tv",
        ),
        (
            SyntheticSpec {
                bv_tv: 0.6,
                ..ok.clone()
            },
            "bv_tv",
        ),
        (
            SyntheticSpec {
                bv_tv: f64::NAN,
                ..ok.clone()
            },
            "bv_tv",
        ),
        (
            SyntheticSpec {
                tb_th_mm: 0.039,
                ..ok.clone()
            },
            "tb_th_mm",
        ),
        (
            SyntheticSpec {
                tb_th_mm: -1.0,
                ..ok.clone()
            },
            "tb_th_mm",
        ),
        (
            SyntheticSpec {
                tb_sp_mm: 0.0,
                ..ok.clone()
            },
            "tb_sp_mm",
        ),
        (
            SyntheticSpec {
                tb_sp_mm: f64::INFINITY,
                ..ok.clone()
            },
            "tb_sp_mm",
        ),
        (
            SyntheticSpec {
                voxel_um: 0.0,
                ..ok.clone()
            },
            "voxel_um",
        ),
        (
            SyntheticSpec {
                anisotropy: 0.9,
                ..ok.clone()
            },
            "anisotropy",
        ),
        (
            SyntheticSpec {
                anisotropy: 10.0,
                ..ok.clone()
            },
            "anisotropy",
        ),
        (
            SyntheticSpec {
                plate_fraction: 1.5,
                ..ok.clone()
            },
            "plate_fraction",
        ),
        (
            SyntheticSpec {
                plate_fraction: f64::NAN,
                ..ok.clone()
            },
            "plate_fraction",
        ),
        (
            SyntheticSpec {
                dims: Dims::new(100, 100, 30),
                ..ok.clone()
            },
            "nz",
        ),
        (
            SyntheticSpec {
                dims: Dims::new(0, 100, 100),
                ..ok.clone()
            },
            "nx",
        ),
        (
            SyntheticSpec {
                dims: Dims::cube(1000),
                tb_th_mm: 0.04,
                tb_sp_mm: 0.001,
                ..ok.clone()
            },
            "tb_sp_mm",
        ),
        (
            SyntheticSpec {
                dims: Dims::new(usize::MAX, 2, 1),
                ..ok.clone()
            },
            "dims",
        ),
    ];
    for (spec, field) in cases {
        let err = generate(&spec).expect_err(field);
        let msg = err.to_string();
        assert_eq!(field_of(err), field, "{msg}");
        assert!(msg.contains(field), "{msg}");
    }
}

#[test]
fn smallest_domain_is_handled() {
    // Exactly one spacing per axis, thinnest allowed struts, extreme settings:
    // must not panic and must give one piece of bone.
    for (anisotropy, plate_fraction) in [(1.0, 0.0), (4.0, 1.0), (2.0, 0.5)] {
        for seed in 0..6 {
            let spec = SyntheticSpec {
                dims: Dims::cube(1),
                voxel_um: 20.0,
                bv_tv: 0.3,
                tb_th_mm: 0.04,
                tb_sp_mm: 0.3,
                anisotropy,
                plate_fraction,
                thickness_cv: THICKNESS_CV,
                seed,
            };
            let s = spec.node_spacing_mm();
            let n = |mm: f64| (mm / 0.02).ceil() as usize;
            let spec = SyntheticSpec {
                dims: Dims::new(n(s[0]), n(s[1]), n(s[2])),
                ..spec
            };
            let (lattice, report) = generate_with_report(&spec).expect("valid spec");
            assert_eq!(components(&lattice.mask()), 1, "{report}");
        }
    }
}

#[test]
fn presets_parse_and_serialize_by_name() {
    for p in Preset::ALL {
        assert_eq!(p.name().parse::<Preset>(), Ok(p));
        assert_eq!(p.to_string(), p.name());
        let json = serde_json::to_string(&p).expect("serialize");
        assert_eq!(json, format!("\"{}\"", p.name()));
        assert_eq!(serde_json::from_str::<Preset>(&json).expect("parse"), p);
        let spec = p.spec(Dims::cube(150), 20.0, 9);
        spec.validate().expect("preset specs are valid");
        assert_eq!(spec.bv_tv, p.targets().bv_tv);
    }
    let err = "tibia".parse::<Preset>().expect_err("unknown");
    assert!(err.to_string().contains("iliac_crest"));
}

#[test]
fn spec_round_trips_through_json() {
    let spec = small_spec(42);
    let json = serde_json::to_string(&spec).expect("serialize");
    let back: SyntheticSpec = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, spec);
}
