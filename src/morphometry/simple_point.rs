//! Simple-point test for (26, 6) digital topology and classification of non-simple
//! removals.
//!
//! A bone voxel is *simple* when removing it changes no topology: no bone component
//! appears or vanishes, no marrow cavity appears or merges, no tunnel opens or closes.
//! Bertrand & Malandain (1994, "A new characterization of three-dimensional simple
//! points", Pattern Recogn Lett 15:169-175) show this is decided by two local
//! topological numbers of the 3×3×3 neighbourhood:
//!
//! * `T26` — the number of 26-connected components of bone in `N26*` (the 26
//!   neighbours, centre excluded);
//! * `T̄6` — the number of 6-connected components of marrow in `N18` (the 18 face and
//!   edge neighbours) that contain one of the six face neighbours.
//!
//! The voxel is simple iff `T26 = 1` and `T̄6 = 1`. The numbers also say what a
//! non-simple removal does ([`RemovalKind`]): `T26 = 0` deletes an isolated voxel,
//! `T̄6 = 0` opens a closed cavity, `T26 ≥ 2` disconnects bone locally (a rod is cut: a
//! component splits or a loop is broken), `T̄6 ≥ 2` joins marrow regions locally (a
//! plate is perforated: a tunnel opens or two cavities merge).
//!
//! # Representation
//!
//! A neighbourhood is a 27-bit mask: bit `x + 3y + 9z` for the voxel at offset
//! `(x − 1, y − 1, z − 1)` from the centre, which is bit 13. The array form
//! `[bool; 27]` uses the same index. The centre's own bit is ignored by every test
//! here (the same numbers decide whether *adding* the voxel is simple). Components are
//! grown by bit-parallel dilation (shifts and masks), a few dozen integer operations
//! per test, so the test is cheap enough to call for every resorbed voxel.
//!
//! Outside the volume, [`neighbourhood_at`] reads marrow.

use crate::grid::BoneMask;

/// All 27 bits.
const FULL: u32 = (1 << 27) - 1;
/// The centre bit.
const CENTRE: u32 = 1 << 13;

/// Bits whose coordinate along axis `axis` (0 = x, 1 = y, 2 = z) equals `value`.
const fn plane_bits(axis: u32, value: u32) -> u32 {
    let mut m = 0;
    let mut i = 0;
    while i < 27 {
        let c = match axis {
            0 => i % 3,
            1 => (i / 3) % 3,
            _ => i / 9,
        };
        if c == value {
            m |= 1 << i;
        }
        i += 1;
    }
    m
}

/// Bits of `N18` (face and edge neighbours; no corner, no centre).
const fn n18_bits() -> u32 {
    let mut m = 0;
    let mut i = 0;
    while i < 27 {
        let off = (i % 3 != 1) as u32 + ((i / 3) % 3 != 1) as u32 + (i / 9 != 1) as u32;
        if off == 1 || off == 2 {
            m |= 1 << i;
        }
        i += 1;
    }
    m
}

const X0: u32 = plane_bits(0, 0);
const X2: u32 = plane_bits(0, 2);
const Y0: u32 = plane_bits(1, 0);
const Y2: u32 = plane_bits(1, 2);
const N26: u32 = FULL & !CENTRE;
const N18: u32 = n18_bits();
/// The six face neighbours.
const N6: u32 = (1 << 4) | (1 << 10) | (1 << 12) | (1 << 14) | (1 << 16) | (1 << 22);

#[inline]
fn grow_x(s: u32) -> u32 {
    // `& FULL`: bit 26 shifted up must not come back down through a later shift.
    (((s << 1) & !X0) | ((s >> 1) & !X2)) & FULL
}
#[inline]
fn grow_y(s: u32) -> u32 {
    (((s << 3) & !Y0) | ((s >> 3) & !Y2)) & FULL
}
#[inline]
fn grow_z(s: u32) -> u32 {
    ((s << 9) | (s >> 9)) & FULL
}

/// 26-dilation inside the 3×3×3 cube (a separable 3×3×3 box).
#[inline]
fn dilate26(s: u32) -> u32 {
    let s = s | grow_x(s);
    let s = s | grow_y(s);
    s | grow_z(s)
}

/// 6-dilation inside the 3×3×3 cube.
#[inline]
fn dilate6(s: u32) -> u32 {
    s | grow_x(s) | grow_y(s) | grow_z(s)
}

/// The connected component of `set` containing the bits of `seed`.
#[inline]
fn component(set: u32, seed: u32, dilate: fn(u32) -> u32) -> u32 {
    let mut comp = seed;
    loop {
        let next = dilate(comp) & set;
        if next == comp {
            return comp;
        }
        comp = next;
    }
}

/// Number of components of `set` that meet `seeds`, stopping once `limit` is reached.
#[inline]
fn count_components(set: u32, seeds: u32, dilate: fn(u32) -> u32, limit: u8) -> u8 {
    let mut remaining = seeds & set;
    let mut count = 0;
    while remaining != 0 && count < limit {
        let seed = remaining & remaining.wrapping_neg();
        remaining &= !component(set, seed, dilate);
        count += 1;
    }
    count
}

/// The two topological numbers of Bertrand & Malandain for (26, 6) topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TopologicalNumbers {
    /// Components of bone (26-connected) in the 26-neighbourhood, centre excluded.
    pub t26_bone: u8,
    /// Components of marrow (6-connected) in the 18-neighbourhood that are
    /// 6-adjacent to the centre.
    pub t6_marrow: u8,
}

impl TopologicalNumbers {
    /// Whether flipping the centre voxel preserves topology (`T26 = T̄6 = 1`).
    pub fn is_simple(&self) -> bool {
        self.t26_bone == 1 && self.t6_marrow == 1
    }

    /// What removing the (bone) centre voxel does to the topology.
    pub fn removal_kind(&self) -> RemovalKind {
        match (self.t26_bone, self.t6_marrow) {
            (1, 1) => RemovalKind::Simple,
            (0, _) => RemovalKind::Vanish,
            (_, 0) => RemovalKind::Cavity,
            (1, _) => RemovalKind::Perforation,
            (_, 1) => RemovalKind::Disconnection,
            _ => RemovalKind::DisconnectionAndPerforation,
        }
    }
}

/// The effect on topology of removing one bone voxel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RemovalKind {
    /// Topology preserved (`T26 = T̄6 = 1`).
    Simple,
    /// The voxel was an isolated bone component, which disappears (`T26 = 0`).
    Vanish,
    /// All six face neighbours are bone: removal opens a closed cavity (`T̄6 = 0`).
    Cavity,
    /// The surrounding bone falls into several local pieces (`T26 ≥ 2`, `T̄6 = 1`): a
    /// rod is cut, splitting a component or breaking a loop.
    Disconnection,
    /// Separate marrow regions around the voxel join (`T26 = 1`, `T̄6 ≥ 2`): a plate
    /// is perforated, opening a tunnel or merging cavities.
    Perforation,
    /// Both at once (`T26 ≥ 2` and `T̄6 ≥ 2`).
    DisconnectionAndPerforation,
}

impl RemovalKind {
    /// True for the kinds that disconnect bone ([`Self::Disconnection`],
    /// [`Self::DisconnectionAndPerforation`]).
    pub fn disconnects(self) -> bool {
        matches!(
            self,
            RemovalKind::Disconnection | RemovalKind::DisconnectionAndPerforation
        )
    }

    /// True for the kinds that perforate ([`Self::Perforation`],
    /// [`Self::DisconnectionAndPerforation`]).
    pub fn perforates(self) -> bool {
        matches!(
            self,
            RemovalKind::Perforation | RemovalKind::DisconnectionAndPerforation
        )
    }
}

/// The 27-bit mask of a `[bool; 27]` neighbourhood (index `x + 3y + 9z`).
pub fn neighbourhood_bits(neighbourhood: &[bool; 27]) -> u32 {
    neighbourhood
        .iter()
        .enumerate()
        .fold(0, |m, (i, &b)| m | (u32::from(b) << i))
}

/// Topological numbers of a 27-bit neighbourhood mask (bit 13, the centre, ignored).
pub fn topological_numbers_bits(bits: u32) -> TopologicalNumbers {
    let bone = bits & N26;
    let marrow = !bits & N18;
    TopologicalNumbers {
        t26_bone: count_components(bone, bone, dilate26, u8::MAX),
        t6_marrow: count_components(marrow, N6, dilate6, u8::MAX),
    }
}

/// Simple-point test on a 27-bit neighbourhood mask (bit 13, the centre, ignored).
#[inline]
pub fn is_simple_bits(bits: u32) -> bool {
    let bone = bits & N26;
    let marrow = !bits & N18;
    // Stop counting as soon as a second component shows up.
    count_components(bone, bone, dilate26, 2) == 1 && count_components(marrow, N6, dilate6, 2) == 1
}

/// Topological numbers of a neighbourhood (index `x + 3y + 9z`; centre ignored).
pub fn topological_numbers(neighbourhood: &[bool; 27]) -> TopologicalNumbers {
    topological_numbers_bits(neighbourhood_bits(neighbourhood))
}

/// Whether the centre of `neighbourhood` (index `x + 3y + 9z`, centre 13, its value
/// ignored) is a simple point for (26, 6) topology.
pub fn is_simple(neighbourhood: &[bool; 27]) -> bool {
    is_simple_bits(neighbourhood_bits(neighbourhood))
}

/// What removing the centre voxel of `neighbourhood` does to the topology.
pub fn removal_kind(neighbourhood: &[bool; 27]) -> RemovalKind {
    topological_numbers(neighbourhood).removal_kind()
}

/// The 27-bit neighbourhood mask of voxel `(x, y, z)` of `mask`, outside = marrow.
///
/// # Panics
/// If `(x, y, z)` lies outside the volume.
pub fn neighbourhood_at(mask: &BoneMask, x: usize, y: usize, z: usize) -> u32 {
    let d = mask.dims;
    assert!(x < d.nx && y < d.ny && z < d.nz, "voxel outside the volume");
    let mut bits = 0u32;
    for k in 0..3usize {
        let Some(zz) = (z + k).checked_sub(1).filter(|&v| v < d.nz) else {
            continue;
        };
        for j in 0..3usize {
            let Some(yy) = (y + j).checked_sub(1).filter(|&v| v < d.ny) else {
                continue;
            };
            let row = d.index(0, yy, zz);
            for i in 0..3usize {
                if let Some(xx) = (x + i).checked_sub(1).filter(|&v| v < d.nx) {
                    if mask.data[row + xx] != 0 {
                        bits |= 1 << (i + 3 * j + 9 * k);
                    }
                }
            }
        }
    }
    bits
}

/// Whether voxel `(x, y, z)` of `mask` is simple (outside the volume reads as marrow).
pub fn is_simple_at(mask: &BoneMask, x: usize, y: usize, z: usize) -> bool {
    is_simple_bits(neighbourhood_at(mask, x, y, z))
}

/// What removing voxel `(x, y, z)` of `mask` does (outside the volume reads as marrow).
pub fn removal_kind_at(mask: &BoneMask, x: usize, y: usize, z: usize) -> RemovalKind {
    topological_numbers_bits(neighbourhood_at(mask, x, y, z)).removal_kind()
}

/// Change of the Euler characteristic of the bone when the centre of a 27-bit
/// neighbourhood mask is removed (new χ minus old χ), from the eight 2×2×2 corner
/// configurations around it (Odgaard & Gundersen 1993). 0 for simple points.
pub fn removal_euler_delta(bits: u32) -> i64 {
    let with = bits | CENTRE;
    let mut delta = 0i64;
    // The corner at lattice offset (cx, cy, cz) ∈ {0,1}³ from the centre voxel's
    // lowest corner sees the voxels at neighbourhood coordinates (cx + dx, ...).
    for c in 0..8u32 {
        let (cx, cy, cz) = (c & 1, (c >> 1) & 1, c >> 2);
        let mut config_with = 0usize;
        for o in 0..8u32 {
            let (dx, dy, dz) = (o & 1, (o >> 1) & 1, o >> 2);
            let bit = (cx + dx) + 3 * (cy + dy) + 9 * (cz + dz);
            if with & (1 << bit) != 0 {
                config_with |= 1 << o;
            }
        }
        // The centre is octant (1 − cx, 1 − cy, 1 − cz) of that corner.
        let centre_octant = (1 - cx) + 2 * (1 - cy) + 4 * (1 - cz);
        let config_without = config_with & !(1 << centre_octant);
        delta += super::euler::corner_contribution(config_without)
            - super::euler::corner_contribution(config_with);
    }
    delta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_have_the_right_sizes() {
        assert_eq!(N18.count_ones(), 18);
        assert_eq!(N26.count_ones(), 26);
        assert_eq!(N6 & !N18, 0);
        assert_eq!(dilate26(CENTRE), FULL);
        assert_eq!(dilate6(CENTRE), N6 | CENTRE);
        assert_eq!(dilate26(1).count_ones(), 8);
        // Every single-bit dilation stays inside the cube and is the true neighbourhood.
        for i in 0..27u32 {
            let (x, y, z) = (i % 3, (i / 3) % 3, i / 9);
            let (mut n26, mut n6) = (0u32, 0u32);
            for j in 0..27u32 {
                let (a, b, c) = (j % 3, (j / 3) % 3, j / 9);
                let d = [x.abs_diff(a), y.abs_diff(b), z.abs_diff(c)];
                if d.iter().all(|&v| v <= 1) {
                    n26 |= 1 << j;
                    if d.iter().sum::<u32>() <= 1 {
                        n6 |= 1 << j;
                    }
                }
            }
            assert_eq!(dilate26(1 << i), n26, "bit {i}");
            assert_eq!(dilate6(1 << i), n6, "bit {i}");
        }
    }

    #[test]
    fn textbook_cases() {
        // Isolated voxel.
        assert_eq!(
            topological_numbers_bits(CENTRE).removal_kind(),
            RemovalKind::Vanish
        );
        // Fully buried voxel.
        assert_eq!(
            topological_numbers_bits(FULL).removal_kind(),
            RemovalKind::Cavity
        );
        // End of a rod along x: simple. Middle of the rod: disconnection.
        assert!(is_simple_bits(CENTRE | 1 << 14));
        let rod = CENTRE | 1 << 12 | 1 << 14;
        assert_eq!(
            topological_numbers_bits(rod).removal_kind(),
            RemovalKind::Disconnection
        );
        // Inside a plate z = 1: perforation.
        let plate = plane_bits(2, 1);
        assert_eq!(
            topological_numbers_bits(plate).removal_kind(),
            RemovalKind::Perforation
        );
        assert_eq!(removal_euler_delta(plate), -1);
        assert_eq!(removal_euler_delta(rod), 1);
        assert_eq!(removal_euler_delta(CENTRE), -1);
        assert_eq!(removal_euler_delta(FULL), 1);
    }
}
