//! Integration tests of `trabecula::morphometry`: analytic shapes with known thickness
//! and Euler characteristic, brute-force checks of the distance transform, the
//! Euler characteristic and the simple-point test, determinism across thread counts,
//! degenerate volumes, and the shrew micro-CT fixture.

use std::collections::{HashSet, VecDeque};

use trabecula::grid::{BoneMask, Dims};
use trabecula::morphometry::{
    self, is_simple, is_simple_at, neighbourhood_at, removal_euler_delta, squared_edt,
    topological_numbers, Metrics, Phase, RemovalKind, UNBOUNDED,
};

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// A mask of shape `dims` with bone where `bone(x, y, z)` holds.
fn mask_from(dims: Dims, voxel_um: f64, bone: impl Fn(i64, i64, i64) -> bool) -> BoneMask {
    let data = (0..dims.len())
        .map(|i| {
            let (x, y, z) = dims.coords(i);
            u8::from(bone(x as i64, y as i64, z as i64))
        })
        .collect();
    BoneMask {
        dims,
        voxel_um,
        data,
    }
}

/// Xorshift64: a tiny deterministic generator for test volumes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn random_mask(dims: Dims, percent: u64, rng: &mut Rng) -> BoneMask {
    BoneMask {
        dims,
        voxel_um: 1.0,
        data: (0..dims.len())
            .map(|_| u8::from(rng.chance(percent)))
            .collect(),
    }
}

/// Reads the shrew fixture: NRRD0004, raw big-endian uint8 (endianness is moot for
/// bytes), 114 x 114 x 115, 4.1 um, 255 = bone. The header ends at the first blank
/// line.
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
    assert!(header.contains("type: uint8"));
    assert!(header.contains("encoding: raw"));
    assert!(header.contains("sizes: 114 114 115"));
    let dims = Dims::new(114, 114, 115);
    let raw = &bytes[end + 2..];
    assert_eq!(raw.len(), dims.len());
    BoneMask {
        dims,
        voxel_um: 4.1,
        data: raw.iter().map(|&v| u8::from(v != 0)).collect(),
    }
}

fn gyroid_foam(n: usize, period_vox: f64, bv_tv: f64) -> BoneMask {
    trabecula::lattice::synthetic::gyroid::gyroid_foam(n, period_vox, bv_tv, 10.0)
}

/// Euler characteristic by explicit cell counting: the distinct vertices, edges,
/// faces and cubes of the closed unit cubes of the bone voxels (doubled coordinates;
/// a cell's dimension is the number of its odd coordinates).
fn euler_brute(mask: &BoneMask) -> i64 {
    let mut cells: HashSet<(i64, i64, i64)> = HashSet::new();
    for i in 0..mask.dims.len() {
        if mask.data[i] == 0 {
            continue;
        }
        let (x, y, z) = mask.dims.coords(i);
        let (x, y, z) = (2 * x as i64, 2 * y as i64, 2 * z as i64);
        for dz in 0..3 {
            for dy in 0..3 {
                for dx in 0..3 {
                    cells.insert((x + dx, y + dy, z + dz));
                }
            }
        }
    }
    cells
        .iter()
        .map(|&(x, y, z)| {
            let dim = (x & 1) + (y & 1) + (z & 1);
            if dim % 2 == 0 {
                1
            } else {
                -1
            }
        })
        .sum()
}

/// Components of bone (26-connected) and of marrow (6-connected) with the volume
/// padded by one layer of marrow, so the outside is one marrow region.
fn components_brute(mask: &BoneMask) -> (usize, usize) {
    let d = mask.dims;
    let p = Dims::new(d.nx + 2, d.ny + 2, d.nz + 2);
    let mut bone = vec![false; p.len()];
    for i in 0..d.len() {
        let (x, y, z) = d.coords(i);
        bone[p.index(x + 1, y + 1, z + 1)] = mask.data[i] != 0;
    }
    let count = |want: bool, full: bool| {
        let mut seen = vec![false; p.len()];
        let mut n = 0;
        for s in 0..p.len() {
            if seen[s] || bone[s] != want {
                continue;
            }
            n += 1;
            seen[s] = true;
            let mut queue = VecDeque::from([s]);
            while let Some(i) = queue.pop_front() {
                let (x, y, z) = p.coords(i);
                for dz in -1i64..=1 {
                    for dy in -1i64..=1 {
                        for dx in -1i64..=1 {
                            let off = dx.abs() + dy.abs() + dz.abs();
                            if off == 0 || (!full && off > 1) {
                                continue;
                            }
                            let (qx, qy, qz) = (x as i64 + dx, y as i64 + dy, z as i64 + dz);
                            if qx < 0 || qy < 0 || qz < 0 {
                                continue;
                            }
                            let (qx, qy, qz) = (qx as usize, qy as usize, qz as usize);
                            if qx >= p.nx || qy >= p.ny || qz >= p.nz {
                                continue;
                            }
                            let q = p.index(qx, qy, qz);
                            if !seen[q] && bone[q] == want {
                                seen[q] = true;
                                queue.push_back(q);
                            }
                        }
                    }
                }
            }
        }
        n
    };
    (count(true, true), count(false, false))
}

/// The topology summary used to decide simplicity by brute force.
fn topology(mask: &BoneMask) -> (usize, usize, i64) {
    let (bone, marrow) = components_brute(mask);
    (bone, marrow, euler_brute(mask))
}

/// A 3x3x3 mask holding a 27-bit neighbourhood (bit x + 3y + 9z).
fn cube_of_bits(bits: u32) -> BoneMask {
    BoneMask {
        dims: Dims::cube(3),
        voxel_um: 1.0,
        data: (0..27).map(|i| u8::from(bits & (1 << i) != 0)).collect(),
    }
}

fn bits_to_array(bits: u32) -> [bool; 27] {
    std::array::from_fn(|i| bits & (1 << i) != 0)
}

/// Checks the simple-point test, the removal kind and the Euler change of the centre
/// of `bits` (centre forced to bone) against brute force on the 3x3x3 cube embedded
/// in marrow.
fn check_configuration(bits: u32) {
    let bits = bits | 1 << 13;
    let before = topology(&cube_of_bits(bits));
    let after = topology(&cube_of_bits(bits & !(1 << 13)));
    let brute_simple = before == after;
    let nb = bits_to_array(bits);
    assert_eq!(
        is_simple(&nb),
        brute_simple,
        "bits {bits:#029b}: {before:?} -> {after:?}"
    );
    assert_eq!(
        removal_euler_delta(bits),
        after.2 - before.2,
        "Euler change, bits {bits:#029b}"
    );
    let t = topological_numbers(&nb);
    let kind = t.removal_kind();
    assert_eq!(kind == RemovalKind::Simple, brute_simple);
    // In an isolated 3x3x3 cube the local effect is the global one for bone.
    match kind {
        RemovalKind::Vanish => assert_eq!(after.0 + 1, before.0),
        RemovalKind::Cavity => assert_eq!(after.1, before.1 + 1),
        RemovalKind::Disconnection | RemovalKind::DisconnectionAndPerforation => {
            assert_eq!(
                after.0,
                before.0 + usize::from(t.t26_bone) - 1,
                "bits {bits:#029b} {t:?}"
            )
        }
        RemovalKind::Perforation => assert_eq!(after.0, before.0),
        RemovalKind::Simple => {}
    }
    assert_eq!(kind.disconnects(), t.t26_bone >= 2);
    assert_eq!(kind.perforates(), t.t6_marrow >= 2);
}

fn all_metrics_finite_or_inf(m: &Metrics) -> bool {
    [
        m.bv_tv,
        m.tb_th_mm,
        m.tb_sp_mm,
        m.tb_n_per_mm,
        m.conn_d_per_mm3,
    ]
    .iter()
    .all(|v| !v.is_nan())
}

// ---------------------------------------------------------------------------------
// Distance transform
// ---------------------------------------------------------------------------------

#[test]
fn edt_matches_brute_force_on_random_volumes() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for trial in 0..25 {
        let dims = Dims::new(
            1 + (rng.next() % 14) as usize,
            1 + (rng.next() % 13) as usize,
            1 + (rng.next() % 12) as usize,
        );
        let mask = random_mask(dims, [3, 20, 50, 80, 97][trial % 5], &mut rng);
        for phase in [Phase::Bone, Phase::Marrow] {
            let fast = squared_edt(&mask, phase);
            for i in 0..dims.len() {
                if !phase.contains(mask.data[i]) {
                    assert_eq!(fast[i], 0);
                    continue;
                }
                let (x, y, z) = dims.coords(i);
                let best = (0..dims.len())
                    .filter(|&j| !phase.contains(mask.data[j]))
                    .map(|j| {
                        let (a, b, c) = dims.coords(j);
                        (x.abs_diff(a).pow(2) + y.abs_diff(b).pow(2) + z.abs_diff(c).pow(2)) as u32
                    })
                    .min()
                    .unwrap_or(UNBOUNDED);
                assert_eq!(fast[i], best, "dims {dims} voxel {i} {phase:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Local thickness
// ---------------------------------------------------------------------------------

#[test]
fn slab_thickness_is_its_width_in_the_voxel_centre_convention() {
    // A w-voxel slab measures w + 1 voxels for odd w and w for even w.
    for w in 1..=9i64 {
        let dims = Dims::new(w as usize + 8, 12, 10);
        let mask = mask_from(dims, 5.0, |x, _, _| (4..4 + w).contains(&x));
        let expected_vox = if w % 2 == 1 { w + 1 } else { w } as f64;
        let th = morphometry::mean_thickness_mm(&mask, Phase::Bone);
        assert!((th - expected_vox * 5e-3).abs() < 1e-12, "w {w}: {th}");
        let map = morphometry::local_thickness(&mask, Phase::Bone);
        for i in 0..dims.len() {
            match map.thickness_um(i) {
                Some(t) => assert!((t - expected_vox * 5.0).abs() < 1e-9),
                None => assert_eq!(mask.data[i], 0),
            }
        }
    }
}

#[test]
fn spacing_between_plates() {
    // Plates 3 voxels thick, gaps of g voxels, bone at both ends.
    for g in [4i64, 7, 10] {
        let period = 3 + g;
        let nx = (3 * period + 3) as usize;
        let mask = mask_from(Dims::new(nx, 9, 9), 1.0, |x, _, _| x % period < 3);
        let sp = morphometry::mean_thickness_mm(&mask, Phase::Marrow) * 1e3;
        let expected = if g % 2 == 1 { g + 1 } else { g } as f64;
        assert!((sp - expected).abs() < 1e-9, "gap {g}: {sp}");
        // Inner plates measure 4; the two plates at the volume ends, whose outer side
        // is the (ignored) outside, measure as if mirrored: 6.
        let th = morphometry::mean_thickness_mm(&mask, Phase::Bone) * 1e3;
        assert!((th - 5.0).abs() < 1e-9, "plates: {th}");
    }
}

#[test]
fn rod_and_sphere_thickness_are_their_diameters() {
    for r in [2i64, 3, 5, 8] {
        let n = (2 * r + 7) as usize;
        let c = n as i64 / 2;
        let rod = mask_from(Dims::new(n, n, 15), 2.0, |x, y, _| {
            (x - c).pow(2) + (y - c).pow(2) < r * r
        });
        let th = morphometry::mean_thickness_mm(&rod, Phase::Bone) * 1e3;
        assert!(
            (th - 2.0 * (2 * r) as f64).abs() < 1e-9,
            "rod r {r}: {th} um"
        );
        let ball = mask_from(Dims::cube(n), 2.0, |x, y, z| {
            (x - c).pow(2) + (y - c).pow(2) + (z - c).pow(2) < r * r
        });
        let th = morphometry::mean_thickness_mm(&ball, Phase::Bone) * 1e3;
        assert!(
            (th - 2.0 * (2 * r) as f64).abs() < 1e-9,
            "sphere r {r}: {th} um"
        );
    }
}

#[test]
fn oblique_slab_thickness_is_close_to_its_width() {
    // Normal (1, 2, 2)/3; width 9 voxels along the normal.
    let w = 9.0;
    let mask = mask_from(Dims::cube(48), 1.0, |x, y, z| {
        let s = (x as f64 + 2.0 * y as f64 + 2.0 * z as f64) / 3.0 - 40.0;
        s.abs() < w / 2.0
    });
    let th = morphometry::mean_thickness_mm(&mask, Phase::Bone) * 1e3;
    assert!(th > w - 0.5 && th < w + 1.5, "oblique slab: {th}");
}

#[test]
fn thickness_histogram_counts_every_voxel_once() {
    let mask = gyroid_foam(40, 24.0, 0.25);
    let map = morphometry::local_thickness(&mask, Phase::Bone);
    let hist = map.histogram(10.0);
    assert_eq!(hist.iter().sum::<u64>() as usize, mask.bone_voxels());
    assert!(hist.last().is_some_and(|&c| c > 0));
    let max_um = (0..mask.dims.len())
        .filter_map(|i| map.thickness_um(i))
        .fold(0.0, f64::max);
    assert_eq!(hist.len(), (max_um / 10.0).floor() as usize + 1);
    assert!(map.histogram(0.0).is_empty());
    assert!(map.histogram(f64::NAN).is_empty());
    // A 5-voxel slab at 1 um: every voxel is 6 um thick, bin [6, 8) with width 2.
    let slab = mask_from(Dims::new(13, 6, 6), 1.0, |x, _, _| (4..9).contains(&x));
    let hist = morphometry::local_thickness(&slab, Phase::Bone).histogram(2.0);
    assert_eq!(hist, vec![0, 0, 0, 5 * 36]);
}

// ---------------------------------------------------------------------------------
// Euler characteristic, connectivity density, components
// ---------------------------------------------------------------------------------

#[test]
fn euler_of_textbook_shapes() {
    let cube = mask_from(Dims::cube(9), 1.0, |x, y, z| {
        (2..7).contains(&x) && (2..7).contains(&y) && (2..7).contains(&z)
    });
    assert_eq!(morphometry::euler_characteristic(&cube), 1);
    let shell = mask_from(Dims::cube(9), 1.0, |x, y, z| {
        let inside = |v: i64| (1..8).contains(&v);
        let hole = |v: i64| (2..7).contains(&v);
        inside(x) && inside(y) && inside(z) && !(hole(x) && hole(y) && hole(z))
    });
    assert_eq!(morphometry::euler_characteristic(&shell), 2);
    let torus = mask_from(Dims::new(8, 8, 4), 1.0, |x, y, z| {
        let ring = (1..7).contains(&x) && (1..7).contains(&y);
        let hole = (3..5).contains(&x) && (3..5).contains(&y);
        ring && !hole && (1..3).contains(&z)
    });
    assert_eq!(morphometry::euler_characteristic(&torus), 0);
    // A block drilled by two parallel tunnels: chi = 1 - 2.
    let two_tunnels = mask_from(Dims::cube(9), 1.0, |x, y, z| {
        let block = (1..8).contains(&x) && (1..8).contains(&y) && (1..8).contains(&z);
        let tunnel = (y == 3 || y == 5) && z == 4;
        block && !tunnel
    });
    assert_eq!(morphometry::euler_characteristic(&two_tunnels), -1);
    // Two cubes touching at a corner are one 26-connected object.
    let corner = mask_from(Dims::cube(6), 1.0, |x, y, z| {
        let a = x < 3 && y < 3 && z < 3;
        let b = x >= 3 && y >= 3 && z >= 3;
        a || b
    });
    assert_eq!(morphometry::euler_characteristic(&corner), 1);
    assert_eq!(morphometry::bone_components(&corner), 1);
}

#[test]
fn euler_matches_cell_counting_on_random_volumes() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for trial in 0..40 {
        let dims = Dims::new(
            1 + (rng.next() % 10) as usize,
            1 + (rng.next() % 10) as usize,
            1 + (rng.next() % 10) as usize,
        );
        let mask = random_mask(dims, [10, 30, 50, 70, 90][trial % 5], &mut rng);
        assert_eq!(
            morphometry::euler_characteristic(&mask),
            euler_brute(&mask),
            "dims {dims}"
        );
        let (bone, _) = components_brute(&mask);
        assert_eq!(morphometry::bone_components(&mask), bone, "dims {dims}");
    }
}

/// A cubic grid of square rods (3x3 voxels) with period `p`, `cells` periods per side,
/// the rods running through the middle of each cell.
fn rod_grid(p: i64, cells: i64, voxel_um: f64) -> BoneMask {
    let n = (p * cells) as usize;
    mask_from(Dims::cube(n), voxel_um, |x, y, z| {
        let near = |v: i64| (v % p - p / 2).abs() <= 1;
        let (a, b, c) = (near(x), near(y), near(z));
        u8::from(a) + u8::from(b) + u8::from(c) >= 2
    })
}

#[test]
fn connectivity_density_ignores_floating_pieces_and_cavities() {
    // BoneJ purifies before counting loops: a floating ring (chi 0, one loop), a
    // floating hollow box (chi 2) and a cavity inside a node (chi +1) leave Conn.D of
    // a 2x2x2-cell rod grid alone, while each moves the raw 1 - delta-chi.
    let (p, voxel_um) = (10i64, 20.0);
    let grid = rod_grid(p, 2, voxel_um);
    let dims = grid.dims;
    let ring = |x: i64, y: i64, z: i64| {
        x == 5 && (9..=11).contains(&y) && (9..=11).contains(&z) && (y, z) != (10, 10)
    };
    let hollow = |x: i64, y: i64, z: i64| {
        let shell = |v: i64, lo: i64| (lo..lo + 5).contains(&v);
        let core = |v: i64, lo: i64| (lo + 1..lo + 4).contains(&v);
        shell(x, 12) && shell(y, 8) && shell(z, 8) && !(core(x, 12) && core(y, 8) && core(z, 8))
    };
    // The node at (5, 5, 5) thickened to a block 3..=7 with a one-voxel cavity.
    let block = |x: i64, y: i64, z: i64| [x, y, z].iter().all(|v| (3..=7).contains(v));
    let cavity = |x: i64, y: i64, z: i64| (x, y, z) == (5, 5, 5);
    let with = |extra: &dyn Fn(i64, i64, i64) -> bool| {
        mask_from(dims, voxel_um, |x, y, z| {
            let (a, b, c) = (x as usize, y as usize, z as usize);
            let base = grid.data[dims.index(a, b, c)] != 0 || block(x, y, z);
            (base || extra(x, y, z)) && !cavity(x, y, z)
        })
    };
    let plain = with(&|_, _, _| false);
    let reference = morphometry::connectivity_density_per_mm3(&plain);
    assert!(reference > 0.0);
    let tv_mm3 = (2.0 * p as f64 * voxel_um * 1e-3).powi(3);
    let raw = |m: &BoneMask| (1.0 - morphometry::edge_corrected_delta_euler(m)) / tv_mm3;
    // Raw: the cavity removes a loop's worth.
    assert!((raw(&plain) - (reference - 1.0 / tv_mm3)).abs() < 1e-9 * reference);
    for (name, extra, raw_shift) in [
        ("ring", &ring as &dyn Fn(i64, i64, i64) -> bool, 0.0),
        ("hollow box", &hollow, -2.0),
    ] {
        let m = with(extra);
        assert_eq!(morphometry::bone_components(&m), 2, "{name}");
        let conn_d = morphometry::connectivity_density_per_mm3(&m);
        assert!(
            (conn_d - reference).abs() < 1e-9 * reference,
            "{name}: {conn_d} vs {reference}"
        );
        assert!((morphometry::measure(&m).conn_d_per_mm3 - reference).abs() < 1e-9 * reference);
        let want = raw(&plain) + raw_shift / tv_mm3;
        assert!(
            (raw(&m) - want).abs() < 1e-9 * reference,
            "{name}: raw {}",
            raw(&m)
        );
    }
}

#[test]
fn connectivity_density_of_a_rod_grid() {
    // Each cell of an infinite cubic rod lattice holds one node and three rods:
    // chi = 1 - 3 = -2 per cell, so the sample's share is exactly -2 per cell.
    for cells in [1i64, 2, 3] {
        let (p, voxel_um) = (10, 20.0);
        let mask = rod_grid(p, cells, voxel_um);
        let n3 = cells.pow(3);
        assert_eq!(
            morphometry::euler_characteristic(&mask),
            -2 * n3 + 3 * cells * cells
        );
        assert_eq!(
            morphometry::edge_corrected_delta_euler(&mask),
            -2.0 * n3 as f64
        );
        let tv_mm3 = ((p * cells) as f64 * voxel_um * 1e-3).powi(3);
        let expected = (1.0 + 2.0 * n3 as f64) / tv_mm3;
        let conn_d = morphometry::connectivity_density_per_mm3(&mask);
        assert!(
            (conn_d - expected).abs() < 1e-9 * expected,
            "{conn_d} vs {expected}"
        );
        assert_eq!(morphometry::bone_components(&mask), 1);
    }
}

#[test]
fn edge_correction_of_simple_cuts() {
    // A rod crossing the volume contributes nothing to the parent structure.
    let rod = mask_from(Dims::new(7, 7, 12), 1.0, |x, y, _| x == 3 && y == 3);
    assert_eq!(morphometry::edge_corrected_delta_euler(&rod), 0.0);
    // A plate filling a z-slice: faces 2 x 1 (the x and y faces see a 1-voxel line
    // per face, chi 1 each: 4), edges 4 runs: chi - (4/2 - 4/4) = 1 - 1 = 0.
    let plate = mask_from(Dims::new(6, 6, 5), 1.0, |_, _, z| z == 2);
    assert_eq!(morphometry::edge_corrected_delta_euler(&plate), 0.0);
    // A ball inside the volume is counted in full.
    let ball = mask_from(Dims::cube(9), 1.0, |x, y, z| {
        (x - 4).pow(2) + (y - 4).pow(2) + (z - 4).pow(2) < 9
    });
    assert_eq!(morphometry::edge_corrected_delta_euler(&ball), 1.0);
    // Solid volume: a piece of a solid, contributes 0 (1 - (6/2 - 12/4 + 8/8)).
    let solid = mask_from(Dims::cube(4), 1.0, |_, _, _| true);
    assert_eq!(morphometry::edge_corrected_delta_euler(&solid), 0.0);
}

// ---------------------------------------------------------------------------------
// Simple points
// ---------------------------------------------------------------------------------

#[test]
fn simple_point_all_2x2x2_configurations() {
    let mut checked = 0;
    for origin in 0..8u32 {
        // Place the 2x2x2 block so that the centre (1,1,1) is each of its corners.
        let (ox, oy, oz) = (origin & 1, (origin >> 1) & 1, origin >> 2);
        for config in 0..256u32 {
            let mut bits = 0u32;
            for b in 0..8u32 {
                if config & (1 << b) != 0 {
                    let (x, y, z) = (ox + (b & 1), oy + ((b >> 1) & 1), oz + (b >> 2));
                    bits |= 1 << (x + 3 * y + 9 * z);
                }
            }
            check_configuration(bits);
            checked += 1;
        }
    }
    assert_eq!(checked, 2048);
}

#[test]
fn simple_point_random_3x3x3_configurations() {
    let mut rng = Rng(0x0bad_5eed_1234_4321);
    let mut kinds = std::collections::HashMap::new();
    for i in 0..20_000 {
        let percent = [15, 35, 50, 65, 85][i % 5];
        let bits = (0..27).fold(0u32, |m, b| m | (u32::from(rng.chance(percent)) << b));
        check_configuration(bits);
        *kinds
            .entry(topological_numbers(&bits_to_array(bits | 1 << 13)).removal_kind())
            .or_insert(0) += 1;
    }
    // The sample exercises every kind.
    for kind in [
        RemovalKind::Simple,
        RemovalKind::Vanish,
        RemovalKind::Cavity,
        RemovalKind::Disconnection,
        RemovalKind::Perforation,
        RemovalKind::DisconnectionAndPerforation,
    ] {
        assert!(
            kinds.get(&kind).copied().unwrap_or(0) > 0,
            "{kind:?} never seen"
        );
    }
}

#[test]
fn simple_points_preserve_global_topology_in_random_volumes() {
    // Outside the volume reads as marrow, matching the brute-force padding. Simple
    // removals change nothing; every non-simple one changes a component count or χ,
    // except when a rod is cut and a plate perforated at once: then one loop closes
    // as another opens and only the shape of the tunnels changes.
    let mut rng = Rng(0x5151_7171_9191_b1b1);
    let mut seen_both_unchanged = 0;
    for trial in 0..6 {
        let dims = Dims::new(7, 6, 5);
        let mask = random_mask(dims, [35, 50, 65][trial % 3], &mut rng);
        let before = topology(&mask);
        for i in 0..dims.len() {
            if mask.data[i] == 0 {
                continue;
            }
            let (x, y, z) = dims.coords(i);
            let mut removed = mask.clone();
            removed.data[i] = 0;
            let after = topology(&removed);
            let kind = morphometry::removal_kind_at(&mask, x, y, z);
            assert_eq!(is_simple_at(&mask, x, y, z), kind == RemovalKind::Simple);
            if kind == RemovalKind::Simple {
                assert_eq!(before, after, "simple voxel ({x},{y},{z}) trial {trial}");
            } else if before == after {
                assert_eq!(kind, RemovalKind::DisconnectionAndPerforation);
                seen_both_unchanged += 1;
            }
            let bits = neighbourhood_at(&mask, x, y, z);
            assert_eq!(removal_euler_delta(bits), after.2 - before.2);
            match kind {
                RemovalKind::Vanish => assert_eq!(after.0 + 1, before.0),
                RemovalKind::Cavity => assert_eq!(after.1, before.1 + 1),
                _ => {}
            }
        }
    }
    println!("non-simple removals with unchanged Betti numbers: {seen_both_unchanged}");
}

#[test]
fn neighbourhood_reads_outside_as_marrow() {
    let solid = mask_from(Dims::cube(3), 1.0, |_, _, _| true);
    // The corner voxel of a solid cube sees its 2x2x2 octant as bone (8 voxels,
    // itself included) and the outside as marrow.
    let bits = neighbourhood_at(&solid, 0, 0, 0);
    assert_eq!(bits.count_ones(), 8);
    assert!(is_simple_at(&solid, 0, 0, 0));
    assert!(!is_simple_at(&solid, 1, 1, 1)); // buried: removal makes a cavity
    assert_eq!(
        morphometry::removal_kind_at(&solid, 1, 1, 1),
        RemovalKind::Cavity
    );
}

// ---------------------------------------------------------------------------------
// Metrics: determinism, degenerate volumes, the shrew
// ---------------------------------------------------------------------------------

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let mask = gyroid_foam(56, 30.0, 0.2);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| {
                (
                    morphometry::measure(&mask),
                    morphometry::local_thickness(&mask, Phase::Marrow).radius_sq_vox,
                    squared_edt(&mask, Phase::Bone),
                )
            })
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one.0, two.0);
    assert_eq!(one.1, two.1);
    assert_eq!(one.2, two.2);
    let four = run(4);
    assert_eq!(one.0, four.0);
}

#[test]
fn degenerate_volumes_give_documented_values() {
    // Empty volumes: everything 0.
    for dims in [Dims::new(0, 0, 0), Dims::new(0, 5, 5), Dims::new(4, 0, 3)] {
        let m = morphometry::measure(&BoneMask::empty(dims, 10.0));
        assert_eq!(
            m,
            Metrics {
                bv_tv: 0.0,
                tb_th_mm: 0.0,
                tb_sp_mm: 0.0,
                tb_n_per_mm: 0.0,
                conn_d_per_mm3: 0.0,
                euler: 0,
                components: 0,
            }
        );
    }
    // All marrow: unbounded spacing, no trabeculae.
    let m = morphometry::measure(&BoneMask::empty(Dims::new(5, 4, 3), 10.0));
    assert_eq!((m.bv_tv, m.tb_th_mm, m.tb_n_per_mm), (0.0, 0.0, 0.0));
    assert_eq!(m.tb_sp_mm, f64::INFINITY);
    assert_eq!((m.conn_d_per_mm3, m.euler, m.components), (0.0, 0, 0));
    // All bone: unbounded thickness, Tb.N 0; chi 1, a piece of a solid (Δχ = 0).
    for dims in [Dims::new(5, 4, 3), Dims::cube(1), Dims::new(1, 1, 7)] {
        let solid = mask_from(dims, 10.0, |_, _, _| true);
        let m = morphometry::measure(&solid);
        assert_eq!((m.bv_tv, m.tb_sp_mm, m.tb_n_per_mm), (1.0, 0.0, 0.0));
        assert_eq!(m.tb_th_mm, f64::INFINITY);
        assert_eq!((m.euler, m.components), (1, 1));
        assert!(m.conn_d_per_mm3.is_finite());
        let json = serde_json::to_string(&m).expect("serialise");
        assert!(json.contains("\"tb_th_mm\":null"), "{json}");
    }
    // One-voxel-thick volumes of random content.
    let mut rng = Rng(77);
    for dims in [
        Dims::new(1, 20, 20),
        Dims::new(20, 1, 20),
        Dims::new(20, 20, 1),
        Dims::new(1, 1, 30),
    ] {
        let mask = random_mask(dims, 40, &mut rng);
        let m = morphometry::measure(&mask);
        assert!(all_metrics_finite_or_inf(&m), "{dims}: {m:?}");
        assert!(m.tb_th_mm.is_finite() && m.tb_th_mm > 0.0);
        assert!(m.tb_sp_mm.is_finite() && m.tb_sp_mm > 0.0);
        assert_eq!(m.euler, euler_brute(&mask));
    }
}

#[test]
fn foam_metrics_are_plausible() {
    let mask = gyroid_foam(64, 32.0, 0.2);
    let m = morphometry::measure(&mask);
    assert!((m.bv_tv - 0.2).abs() < 1e-3);
    // Thickness below spacing, both a fraction of the period (320 um).
    assert!(
        m.tb_th_mm > 0.03 && m.tb_th_mm < m.tb_sp_mm && m.tb_sp_mm < 0.32,
        "{m:?}"
    );
    // The mid-axes of the gyroid's rods are about a period apart along any axis, and
    // closer along the diagonals: Tb.N between 1 and 4 per period, and above the
    // 1/(Tb.Th + Tb.Sp) approximation (the mean spacing weighs in the largest pores).
    let period_mm = 0.32;
    assert!(
        m.tb_n_per_mm > 1.0 / period_mm && m.tb_n_per_mm < 4.0 / period_mm,
        "{m:?}"
    );
    assert!(m.tb_n_per_mm > 1.0 / (m.tb_th_mm + m.tb_sp_mm), "{m:?}");
    assert_eq!(m.euler, euler_brute(&mask));
    assert_eq!(m.components, components_brute(&mask).0);
    assert!(m.conn_d_per_mm3 > 0.0);
}

#[test]
fn shrew_fixture() {
    let mask = shrew();
    let t = std::time::Instant::now();
    let m = morphometry::measure(&mask);
    let elapsed = t.elapsed();
    println!(
        "shrew: {} ({elapsed:?})",
        serde_json::to_string(&m).expect("json")
    );
    assert_eq!(mask.bone_voxels(), 438_636);
    assert_eq!(m.bv_tv, 438_636.0 / 1_494_540.0);
    // skimage.measure.euler_number(volume, connectivity=3) on this fixture.
    assert_eq!(m.euler, -19);
    assert_eq!(m.components, 1);
    // porespy local_thickness (integer radii, diameter (2r + 1) voxels) gives
    // 61.3 um and 164.0 um; see scripts/tests/test_morphometry_crosscheck.py.
    assert!(
        (m.tb_th_mm - 0.0613).abs() < 0.05 * 0.0613,
        "{}",
        m.tb_th_mm
    );
    assert!(
        (m.tb_sp_mm - 0.1640).abs() < 0.05 * 0.1640,
        "{}",
        m.tb_sp_mm
    );
}
