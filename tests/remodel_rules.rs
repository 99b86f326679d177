//! The refill rules on hand-built bone, through the library: a hole resorbed through a
//! plate (a perforation) may be refilled from its rim, a cut rod (a disconnection)
//! never is; a refill that would bridge separate bone waits below the threshold and
//! does not hold back the wall above it; marrow walled in by a refill is filled with
//! it when the pocket is small; bone cut off from the load-bearing structure is
//! marked unloaded, with the marrow that touches it; and the bone handle these go
//! through keeps the mask, surface counts, totals and topology events in agreement
//! with the lattice.

use std::path::Path;

use trabecula::cells::cavity::Cavities;
use trabecula::cells::topology::{TopologyEvent, TopologyKind};
use trabecula::cells::{Rules, Surface};
use trabecula::config;
use trabecula::grid::{BoneMask, Dims};
use trabecula::lattice::memory::flags;
use trabecula::lattice::Lattice;
use trabecula::sim::clock::Clock;
use trabecula::sim::mechanics::{mark_unloaded, CutGuard};
use trabecula::sim::world::World;

const N: usize = 12;

const CONFIG: &str = r#"
[lattice]
voxel_um = 20.0
shape_voxels = [12, 12, 12]
[lattice.synthetic]
preset = "iliac_crest"
"#;

/// A world on the bone `bone(x, y, z)`, with one open site; returns it, the rules and
/// the site id.
fn world(bone: impl Fn(usize, usize, usize) -> bool) -> (World, Rules, u32) {
    let config = config::parse(CONFIG, "test", Path::new("."), &[]).unwrap();
    let dims = Dims::cube(N);
    let mut data = vec![0u8; dims.len()];
    for z in 0..N {
        for y in 0..N {
            for x in 0..N {
                data[dims.index(x, y, z)] = u8::from(bone(x, y, z));
            }
        }
    }
    let mask = BoneMask {
        dims,
        voxel_um: 20.0,
        data,
    };
    let rules = Rules::new(&config.cells, 20.0, 1.0);
    let mut world = World::new(&config, Lattice::from_mask(&mask), &rules).unwrap();
    let site = world.bmus.open_site(0, 0);
    (world, rules, site)
}

/// Site `site` resorbs up to `amount` of voxel `j` in step 1 through the bone handle,
/// under `guard`, logging to `events`.
fn resorb(
    w: &mut World,
    rules: &Rules,
    site: u32,
    j: usize,
    amount: f32,
    guard: CutGuard,
    events: &mut Vec<TopologyEvent>,
) {
    w.bone(rules, 1, events).resorb(site, j, amount, &guard);
}

/// Site `site` deposits up to `amount` into voxel `v` in step `step` through the bone
/// handle; returns the volume added, um^3.
fn deposit(w: &mut World, rules: &Rules, site: u32, v: usize, amount: f32, step: u64) -> f64 {
    w.bone(rules, step, &mut Vec::new()).form(site, v, amount)
}

/// One step of mineralization through the bone handle.
fn mineralize(w: &mut World, rules: &Rules, clock: &Clock) {
    w.bone(rules, 0, &mut Vec::new())
        .mineralize(clock.steps_per_day);
}

/// Resorbs all of voxel `j` for `site`, unguarded, logging to `events`.
fn resorb_whole(
    w: &mut World,
    rules: &Rules,
    site: u32,
    j: usize,
    events: &mut Vec<TopologyEvent>,
) {
    resorb(w, rules, site, j, 1.0, CutGuard::NONE, events);
}

fn idx(x: usize, y: usize, z: usize) -> usize {
    Dims::cube(N).index(x, y, z)
}

#[test]
fn a_hole_through_a_plate_is_refilled_but_a_cut_rod_is_not() {
    // A plate one voxel thick at z = 6.
    let (mut w, rules, site) = world(|_, _, z| z == 6);
    let j = idx(6, 6, 6);
    let mut events = Vec::new();
    resorb_whole(&mut w, &rules, site, j, &mut events);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].kind,
        TopologyKind::Perforation,
        "a hole through a plate is a perforation"
    );
    assert!(!w.memory.has(j, flags::BLOCKED));
    let added = deposit(&mut w, &rules, site, j, 1.0, 2);
    assert!(added > 0.0);
    assert_eq!(w.mask.data[j], 1, "the hole closes from its rim");

    // A rod along x at y = z = 6.
    let (mut w, rules, site) = world(|_, y, z| y == 6 && z == 6);
    let mut events = Vec::new();
    resorb_whole(&mut w, &rules, site, j, &mut events);
    assert_eq!(
        events[0].kind,
        TopologyKind::Disconnection,
        "cutting a rod is a disconnection"
    );
    assert!(w.memory.has(j, flags::BLOCKED));
    assert_eq!(deposit(&mut w, &rules, site, j, 1.0, 2), 0.0);
    assert_eq!(w.mask.data[j], 0, "a severed strut stays severed");
}

#[test]
fn a_bridge_waits_below_the_threshold_and_releases_the_wall_above() {
    // Two rods along x, at z = 5 and z = 7, both at y = 6: a marrow voxel between
    // them would join them.
    let (mut w, rules, site) = world(|_, y, z| y == 6 && (z == 5 || z == 7));
    let v = idx(6, 6, 6);
    // Make v a deeper voxel of the site that owes refill, with a shallower one
    // beside it (along x, on the same rods) that owes too.
    let above = idx(7, 6, 6);
    for (u, depth) in [(v, 2u8), (above, 1)] {
        w.memory.site[u] = site;
        w.memory.depth[u] = depth;
        w.memory.refill_target[u] = 1.0;
    }
    let cav = |w: &World| {
        Cavities {
            lattice: &w.lattice,
            mask: &w.mask,
            memory: &w.memory,
        }
        .fillable(above, site)
    };
    assert!(!cav(&w), "the wall above waits for the floor");
    deposit(&mut w, &rules, site, v, 1.0, 1);
    assert_eq!(w.mask.data[v], 0, "a bridge never forms");
    assert!(w.lattice.bone_fraction[v] > 0.49 && w.lattice.bone_fraction[v] < 0.5);
    assert!(w.memory.has(v, flags::DEFERRED));
    assert!(
        cav(&w),
        "a deferred voxel does not hold the wall above back"
    );
}

#[test]
fn a_small_pocket_walled_in_by_a_refill_is_filled_with_it() {
    // Solid bone below z = 8; a cavity of two voxels, u at z = 6 under v at z = 7.
    let (mut w, rules, site) = world(|_, _, z| z < 8);
    let (u, v) = (idx(6, 6, 6), idx(6, 6, 7));
    let mut events = Vec::new();
    resorb_whole(&mut w, &rules, site, v, &mut events);
    resorb_whole(&mut w, &rules, site, u, &mut events);
    assert!(events.is_empty(), "digging a pit keeps the topology");
    // u's refill is blocked (say it was a cut); refilling v would wall it in.
    w.memory.set(u, flags::BLOCKED, true);
    let before = w.bone_sum;
    deposit(&mut w, &rules, site, v, 1.0, 2);
    assert_eq!(w.mask.data[v], 1);
    assert_eq!(w.mask.data[u], 1, "the walled-in voxel is filled");
    assert!(
        (w.bone_sum - before - 2.0).abs() < 1e-6,
        "both voxels count as formed"
    );
}

#[test]
fn bone_cut_off_from_the_structure_is_unloaded() {
    // A plate at z = 2 (the large piece) and a 2x2x2 fragment at z = 7-8.
    let (mut w, _, _) = world(|x, y, z| {
        z == 2 || ((5..7).contains(&x) && (5..7).contains(&y) && (7..9).contains(&z))
    });
    let n = mark_unloaded(&w.mask, &mut w.memory, 0.0);
    assert_eq!(n, 8);
    assert!(w.memory.has(idx(5, 5, 7), flags::UNLOADED));
    assert!(
        w.memory.has(idx(5, 5, 9), flags::UNLOADED),
        "marrow touching it too"
    );
    assert!(!w.memory.has(idx(5, 5, 2), flags::UNLOADED));
    assert!(!w.memory.has(idx(5, 5, 3), flags::UNLOADED));
    // Join the fragment to the plate: everything is loaded again.
    for z in 3..7 {
        let i = idx(5, 5, z);
        w.mask.data[i] = 1;
    }
    assert_eq!(mark_unloaded(&w.mask, &mut w.memory, 0.0), 0);
    assert!(!w.memory.has(idx(5, 5, 9), flags::UNLOADED));
}

#[test]
fn the_strut_guard_holds_a_cut_just_above_the_threshold() {
    // A rod along x; a guard that always holds (full estrogen, full protection).
    let (mut w, rules, site) = world(|_, y, z| y == 6 && z == 6);
    let j = idx(6, 6, 6);
    let guard = CutGuard::new(7, 1.0, 0.0);
    let mut events = Vec::new();
    resorb(&mut w, &rules, site, j, 1.0, guard, &mut events);
    assert!(events.is_empty(), "no cut");
    assert_eq!(w.mask.data[j], 1);
    assert!(w.lattice.bone_fraction[j] > 0.5 && w.lattice.bone_fraction[j] < 0.51);
    assert!(w.memory.has(j, flags::DEFERRED), "held");
    // Without estrogen the guard is gone and the rod is cut.
    let guard = CutGuard::new(7, 1.0, 1.0);
    let (mut w, rules, site) = world(|_, y, z| y == 6 && z == 6);
    resorb(&mut w, &rules, site, j, 1.0, guard, &mut events);
    assert_eq!(events.len(), 1);
    assert_eq!(w.mask.data[j], 0);
    // Bone off the load-bearing structure is not guarded: a full guard lets the cut
    // through.
    let guard = CutGuard::new(7, 1.0, 0.0);
    let (mut w, rules, site) = world(|_, y, z| y == 6 && z == 6);
    w.memory.set(j, flags::UNLOADED, true);
    let mut events = Vec::new();
    resorb(&mut w, &rules, site, j, 1.0, guard, &mut events);
    assert_eq!(events.len(), 1, "an unloaded rod is cut");
    assert_eq!(w.mask.data[j], 0);
    // A partial guard holds a share of sites, the same answer at every step.
    let guard = CutGuard::new(7, 0.5, 0.0);
    let held = (1..=400).filter(|&s| guard.holds(s, j)).count();
    assert!((150..=250).contains(&held), "{held} of 400");
    assert!((1..=400).all(|s| guard.holds(s, j) == guard.holds(s, j)));
}

#[test]
fn new_bone_mineralizes_through_both_phases_towards_the_maximum() {
    // Solid bone below z = 8; one voxel resorbed and refilled whole.
    let (mut w, rules, site) = world(|_, _, z| z < 8);
    let v = idx(6, 6, 7);
    let mut events = Vec::new();
    resorb_whole(&mut w, &rules, site, v, &mut events);
    deposit(&mut w, &rules, site, v, 1.0, 2);
    assert_eq!(
        w.memory.mineral_fraction[v], 0.0,
        "new bone starts as osteoid"
    );
    let config = config::parse(CONFIG, "test", Path::new("."), &[]).unwrap();
    let clock = Clock::new(&config.run);
    let m = &rules.cells.mineral;
    let at = |days: usize, w: &mut World| {
        for _ in 0..days {
            mineralize(w, &rules, &clock);
        }
        f64::from(w.memory.mineral_fraction[v])
    };
    assert_eq!(
        at(m.lag_days as usize, &mut w),
        0.0,
        "nothing during the lag"
    );
    let primary = at(m.primary_days as usize, &mut w);
    assert!((primary - m.primary_fraction).abs() < 1e-6, "{primary}");
    // Closed form of the secondary phase, dm/dt = k (max - m), after 365 days.
    let year = at(365, &mut w);
    let k = m.secondary_per_day;
    let expected = m.max_fraction - (m.max_fraction - m.primary_fraction) * (1.0 - k).powi(365);
    assert!((year - expected).abs() < 1e-3, "{year} vs {expected}");
    assert!(year > 0.35);
}

/// The books the bone handle keeps agree with the lattice they describe: the mask is
/// the thresholded lattice, the bone sum its sum, the surface counts a fresh count,
/// the topology totals the events, the remodeling totals and the site's tally the
/// bone that went.
fn assert_books_agree(w: &World, rules: &Rules, events: &[TopologyEvent], bone_at_start: f64) {
    for (v, &f) in w.lattice.bone_fraction.iter().enumerate() {
        assert_eq!(w.mask.data[v] != 0, f >= 0.5, "mask at voxel {v}");
    }
    let sum: f64 = w.lattice.bone_fraction.iter().map(|&f| f64::from(f)).sum();
    assert!((w.bone_sum - sum).abs() < 1e-6, "{} vs {sum}", w.bone_sum);
    let mut memory = w.memory.clone();
    let rebuilt = Surface::build(*w.fields.grid(), &w.mask, &mut memory);
    assert_eq!(w.surface, rebuilt, "surface counts");
    assert_eq!(memory.flags, w.memory.flags, "surface and lining flags");
    let t = &w.totals.bone;
    for kind in TopologyKind::ALL {
        let logged = events.iter().filter(|e| e.kind == kind).count() as u64;
        assert_eq!(t.topology_events.get(kind), logged, "{kind:?}");
    }
    let net_um3 = (bone_at_start - w.bone_sum) * rules.voxel_um3();
    assert!((t.resorbed_um3 - t.formed_um3 - net_um3).abs() < 1e-3 * rules.voxel_um3());
}

#[test]
fn the_bone_handle_keeps_mask_surface_totals_and_events_consistent() {
    // A plate at z = 2 with a pillar on it at (6, 6, 3..=5) carrying a small cap at
    // z = 6: cutting the pillar's foot leaves pillar and cap, 4 voxels, floating.
    let (mut w, rules, site) = world(|x, y, z| {
        z == 2
            || (x == 6 && y == 6 && (3..=5).contains(&z))
            || (z == 6 && y == 6 && (6..=7).contains(&x))
    });
    let start = w.bone_sum;
    let mut events = Vec::new();
    resorb(
        &mut w,
        &rules,
        site,
        idx(6, 6, 3),
        1.0,
        CutGuard::NONE,
        &mut events,
    );
    let kinds: Vec<TopologyKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [TopologyKind::Disconnection, TopologyKind::FragmentVanished],
        "the cut, then the fragment it left"
    );
    for v in [idx(6, 6, 4), idx(6, 6, 6), idx(7, 6, 6)] {
        assert_eq!(
            w.lattice.bone_fraction[v], 0.0,
            "the fragment is resorbed whole"
        );
    }
    assert_books_agree(&w, &rules, &events, start);
    // A pit in the plate, half refilled.
    let pit = idx(3, 3, 2);
    resorb(&mut w, &rules, site, pit, 1.0, CutGuard::NONE, &mut events);
    let formed = deposit(&mut w, &rules, site, pit, 0.3, 2);
    assert!((formed - 0.3 * rules.voxel_um3()).abs() < 1e-3);
    assert_books_agree(&w, &rules, &events, start);
    let b = w.bmus.get(site).unwrap().clone();
    let t = &w.totals.bone;
    assert_eq!(
        (b.resorbed_um3, b.formed_um3),
        (t.resorbed_um3, t.formed_um3)
    );
    // Closing the site clears its cavity: its voxels are lining surface again.
    let cavity = w.bone(&rules, 3, &mut events).close_site(&b);
    assert_eq!(cavity.first_layer, 2, "the pillar's foot and the pit");
    assert!(w.bmus.get(site).is_none());
    assert!(w.memory.site.iter().all(|&s| s == 0));
    assert_books_agree(&w, &rules, &events, start);
    assert!(w.memory.has(pit, flags::LINING));
}
