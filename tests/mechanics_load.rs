//! The load solve (`sim::load`): a strut carries load along its axis, a stump hanging
//! off it carries none, the potential satisfies the discrete equations, and
//! `mark_unloaded` turns disuse into the unloaded flag; the guard and the disuse
//! threshold follow the estrogen deficiency as configured.

use trabecula::config::mechanics::MechanicsConfig;
use trabecula::grid::{BoneMask, Dims};
use trabecula::lattice::memory::flags;
use trabecula::lattice::{Lattice, VoxelMemory};
use trabecula::morphometry::loaded_bone_components;
use trabecula::sim::load::{self, REACH_VOXELS};
use trabecula::sim::mechanics::{disuse_threshold, mark_unloaded, CutGuard};

const N: usize = 24;

fn mask(bone: impl Fn(usize, usize, usize) -> bool) -> BoneMask {
    let dims = Dims::cube(N);
    let mut m = BoneMask::empty(dims, 20.0);
    for z in 0..N {
        for y in 0..N {
            for x in 0..N {
                if bone(x, y, z) {
                    m.data[dims.index(x, y, z)] = 1;
                }
            }
        }
    }
    m
}

fn usage_of(m: &BoneMask) -> load::Usage {
    load::usage(m, &loaded_bone_components(m), 1e-8)
}

/// A 2x2 column along z through the volume and a 2x2 rod along x from it that ends
/// at x = 19, short of the far face (a stump).
fn column_and_stump(x: usize, y: usize, z: usize) -> bool {
    let column = (4..6).contains(&x) && (4..6).contains(&y);
    let stump = (4..20).contains(&x) && (4..6).contains(&y) && (11..13).contains(&z);
    column || stump
}

#[test]
fn a_straight_column_carries_the_mean_load_and_needs_no_iteration() {
    // The far field is already the solution along a straight conductor.
    let m = mask(|x, y, _| (4..7).contains(&x) && (4..7).contains(&y));
    let u = usage_of(&m);
    assert_eq!(u.iterations[2], 0, "{:?}", u.iterations);
    for (v, &b) in m.data.iter().enumerate() {
        if b != 0 {
            // Interior voxels carry e = 1, the two end layers 1/2, so the mean is
            // 1 - 1/N and the usage 1 / (1 - 1/N) after the reach spreads the maximum.
            let expected = 1.0 / (1.0 - 1.0 / N as f64);
            assert!(
                (f64::from(u.usage[v]) - expected).abs() < 1e-6,
                "{}",
                u.usage[v]
            );
        } else {
            assert_eq!(u.usage[v], 0.0);
        }
    }
}

#[test]
fn a_stump_carries_no_load_beyond_the_reach_of_its_junction() {
    let m = mask(column_and_stump);
    let u = usage_of(&m);
    let dims = m.dims;
    let at = |x, y, z| f64::from(u.usage[dims.index(x, y, z)]);
    // The column carries load along z, the stump none along any axis. The junction
    // lies at x = 5; the column's gradient across the stump's two layers decays by
    // about 0.03 in energy per voxel (the antisymmetric mode of a 2x2 conductor), so
    // beyond x = 7 it is below 1e-3; the reach spreads that REACH_VOXELS further.
    assert!(at(4, 4, 2) > 0.5 && at(5, 5, 20) > 0.5);
    for x in 8 + REACH_VOXELS..20 {
        assert!(at(x, 4, 11) < 1e-3, "x {x}: {}", at(x, 4, 11));
    }
    assert!(at(5 + REACH_VOXELS, 4, 11) > 0.5, "within reach");
    // The same rod reaching the far face is a strut: it carries load along x.
    let m = mask(|x, y, z| {
        column_and_stump(x, y, z)
            || ((4..N).contains(&x) && (4..6).contains(&y) && (11..13).contains(&z))
    });
    let u = usage_of(&m);
    assert!(f64::from(u.usage[dims.index(12, 4, 11)]) > 0.5);
}

#[test]
fn the_potential_solves_the_discrete_laplace_equation() {
    // A lattice of rods with a diagonal ramp: nothing is exact at the start.
    let bone = |x: usize, y: usize, z: usize| {
        let rod_x = y % 8 < 2 && z % 8 < 2;
        let ramp = (x + z) % 11 < 2 && y % 8 < 3;
        (x % 8 < 2 && y % 8 < 2) || rod_x || ramp
    };
    let m = mask(bone);
    let dims = m.dims;
    for axis in 0..3 {
        let (phi, iterations) = load::potential(&m, axis, 1e-10);
        assert!(iterations > 0);
        let mut worst = 0.0f64;
        for v in 0..dims.len() {
            let (x, y, z) = dims.coords(v);
            let face = x == 0 || y == 0 || z == 0 || x + 1 == N || y + 1 == N || z + 1 == N;
            if m.data[v] == 0 {
                assert!(phi[v].is_nan());
                continue;
            }
            let far = [x, y, z][axis] as f64;
            if face {
                assert_eq!(phi[v], far, "held at the far field on the faces");
                continue;
            }
            // Flux balance with the weak tie to the far field.
            let (mut flux, mut n) = (0.0, 0);
            for (dx, dy, dz) in [
                (-1i64, 0i64, 0i64),
                (1, 0, 0),
                (0, -1, 0),
                (0, 1, 0),
                (0, 0, -1),
                (0, 0, 1),
            ] {
                let j = dims.index(
                    (x as i64 + dx) as usize,
                    (y as i64 + dy) as usize,
                    (z as i64 + dz) as usize,
                );
                if m.data[j] != 0 {
                    flux += phi[j] - phi[v];
                    n += 1;
                }
            }
            let _ = n;
            let residual = flux - load::TIE * (phi[v] - far);
            worst = worst.max(residual.abs());
        }
        assert!(worst < 1e-6, "axis {axis}: residual {worst}");
    }
}

#[test]
fn disuse_marks_the_stump_unloaded_and_leaves_the_column() {
    let m = mask(column_and_stump);
    let lattice = Lattice::from_mask(&m);
    let mut memory = VoxelMemory::new(&lattice, 0.4);
    assert_eq!(mark_unloaded(&m, &mut memory, 0.0), 0, "no load solve at 0");
    let n = mark_unloaded(&m, &mut memory, 0.05);
    // The stump's first voxel carries the junction's gradient (usage about 0.5),
    // the next 0.015, and the reach spreads each REACH_VOXELS along the stump.
    let tip = 20 - (7 + REACH_VOXELS);
    assert_eq!(
        n as usize,
        tip * 4,
        "the stump beyond reach, 2x2 voxels per layer"
    );
    let dims = m.dims;
    assert!(memory.has(dims.index(18, 4, 11), flags::UNLOADED));
    assert!(
        memory.has(dims.index(18, 4, 13), flags::UNLOADED),
        "marrow on it too"
    );
    assert!(!memory.has(dims.index(4, 4, 11), flags::UNLOADED));
    assert!(!memory.has(dims.index(4, 4, 2), flags::UNLOADED));
}

#[test]
fn usage_does_not_depend_on_the_thread_count() {
    let m = mask(column_and_stump);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let loaded = loaded_bone_components(&m);
    let a = one.install(|| load::usage(&m, &loaded, load::TOLERANCE));
    let b = two.install(|| load::usage(&m, &loaded, load::TOLERANCE));
    assert_eq!(a, b);
}

#[test]
fn the_estrogen_dependence_of_the_guard_and_the_disuse_threshold() {
    let mut c = MechanicsConfig {
        strut_protection: 0.8,
        strut_protection_estrogen_share: 0.5,
        disuse_usage: 0.05,
        disuse_usage_deficiency_gain: 0.2,
        ..MechanicsConfig::default()
    };
    // Protection 0.8 * (1 - 0.5 d); threshold 0.05 + 0.2 d (d clamped to [0, 1]).
    assert!((CutGuard::for_config(1, &c, 0.0).protection - 0.8).abs() < 1e-12);
    assert!((CutGuard::for_config(1, &c, 1.0).protection - 0.4).abs() < 1e-12);
    assert!((disuse_threshold(&c, 0.5) - 0.15).abs() < 1e-12);
    assert!((disuse_threshold(&c, 2.0) - 0.25).abs() < 1e-12);
    // A share of 1 is the guard of earlier versions: gone without estrogen.
    c.strut_protection_estrogen_share = 1.0;
    assert_eq!(CutGuard::for_config(1, &c, 1.0).protection, 0.0);
}
