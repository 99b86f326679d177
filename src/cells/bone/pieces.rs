//! Small closed regions around one voxel, found by bounded searches: the marrow a
//! refill would wall in ([`enclosed_pockets`]) and the bits of bone a resorption cut
//! off ([`detached_fragments`]). A region counts as closed when the search from it
//! ends before `limit` voxels without reaching the faces of the domain (beyond
//! which the structure goes on).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::grid::neighbours::{all26, face, Neighbours};
use crate::grid::BoneMask;

/// The marrow pockets that making marrow voxel `v` bone would wall in: each marrow
/// region across one of its faces, searched (6-connected, not through `v`) up to
/// `limit` voxels, that is finite and does not reach the domain's faces. None when the
/// marrow around `v` stays open: filling `v` then closes a hole through a plate, which
/// osteoblasts do from the hole's rim.
pub fn enclosed_pockets(mask: &BoneMask, v: usize, limit: usize) -> Vec<Vec<usize>> {
    let dims = mask.dims;
    let starts: Vec<usize> = face(dims, v).iter().collect();
    closed_regions(
        mask,
        v,
        &starts,
        limit,
        |i| mask.data[i] == 0,
        |i| face(dims, i),
    )
}

/// The bone pieces around voxel `j` (just resorbed) that its removal cut off and that
/// hold fewer than `limit` voxels: each 26-connected piece of bone among `j`'s 26
/// neighbours, searched without passing through `j`, that is closed.
pub fn detached_fragments(mask: &BoneMask, j: usize, limit: usize) -> Vec<Vec<usize>> {
    let dims = mask.dims;
    let starts: Vec<usize> = all26(dims, j).iter().collect();
    closed_regions(
        mask,
        j,
        &starts,
        limit,
        |i| mask.data[i] != 0,
        |i| all26(dims, i),
    )
}

/// A hasher for voxel indices (one multiply; the searches only ask whether a voxel
/// was seen, never walk the set, so the hash has no effect on any result).
#[derive(Default)]
struct IndexHasher(u64);

impl Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, i: usize) {
        self.0 = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The closed regions (see the module documentation) of voxels satisfying `inside`,
/// grown from `starts` through `next`, never through `centre`.
fn closed_regions<const N: usize>(
    mask: &BoneMask,
    centre: usize,
    starts: &[usize],
    limit: usize,
    inside: impl Fn(usize) -> bool,
    next: impl Fn(usize) -> Neighbours<N>,
) -> Vec<Vec<usize>> {
    let dims = mask.dims;
    let on_face = |i: usize| {
        let (x, y, z) = dims.coords(i);
        x == 0 || y == 0 || z == 0 || x + 1 == dims.nx || y + 1 == dims.ny || z + 1 == dims.nz
    };
    let mut seen: HashSet<usize, BuildHasherDefault<IndexHasher>> = HashSet::default();
    let mut closed = Vec::new();
    for &start in starts {
        if !inside(start) || seen.contains(&start) {
            continue;
        }
        let mut region = vec![start];
        seen.insert(start);
        let mut k = 0;
        let mut open = false;
        while k < region.len() {
            let i = region[k];
            k += 1;
            if on_face(i) || region.len() >= limit {
                open = true;
                break;
            }
            for u in next(i).iter() {
                if u != centre && inside(u) && seen.insert(u) {
                    region.push(u);
                }
            }
        }
        if !open {
            closed.push(region);
        }
    }
    closed
}
