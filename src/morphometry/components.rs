//! Connected components: 26-connected bone and 6-connected marrow.
//!
//! Union-find with path halving over the linear voxel index; each voxel is linked to
//! its already-visited neighbours (13 of the 26 for bone, 3 of the 6 for marrow), so a
//! volume is processed in one pass. The count is exact and does not depend on threads
//! (the pass is sequential; it is linear and cheap next to the thickness transform).

use crate::grid::{BoneMask, Dims};

/// Disjoint-set forest over voxel indices.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            let grand = self.parent[self.parent[i as usize] as usize];
            self.parent[i as usize] = grand;
            i = grand;
        }
        i
    }

    /// Joins two sets; returns true when they were distinct.
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        // Attach the larger root to the smaller: keeps roots deterministic.
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi as usize] = lo;
        true
    }
}

/// Counts the components of the voxels selected by `inside`, linking each voxel to
/// the earlier neighbours among `offsets` (dx, dy, dz with a negative linear offset,
/// each component in -1..=1).
fn count_components(
    dims: Dims,
    inside: impl Fn(usize) -> bool,
    offsets: &[(i64, i64, i64)],
) -> usize {
    union_components(dims, inside, offsets).1
}

/// Joins the voxels `inside` that are neighbours through `offsets` (backward
/// offsets only); returns the union-find and the number of components.
fn union_components(
    dims: Dims,
    inside: impl Fn(usize) -> bool,
    offsets: &[(i64, i64, i64)],
) -> (UnionFind, usize) {
    let n = dims.len();
    if n == 0 {
        return (UnionFind::new(0), 0);
    }
    assert!(
        n <= u32::MAX as usize,
        "volume too large for component labelling"
    );
    let mut uf = UnionFind::new(n);
    let mut components = 0usize;
    let (nx, ny) = (dims.nx as i64, dims.ny as i64);
    let linear: Vec<i64> = offsets
        .iter()
        .map(|&(dx, dy, dz)| dx + nx * (dy + ny * dz))
        .collect();
    for z in 0..dims.nz as i64 {
        for y in 0..ny {
            for x in 0..nx {
                let i = dims.index(x as usize, y as usize, z as usize);
                if !inside(i) {
                    continue;
                }
                components += 1;
                // Away from the low faces and the high x/y faces no check is needed.
                let interior = x > 0 && y > 0 && z > 0 && x + 1 < nx && y + 1 < ny;
                for (&(dx, dy, dz), &l) in offsets.iter().zip(&linear) {
                    if !interior {
                        let (qx, qy, qz) = (x + dx, y + dy, z + dz);
                        if qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny {
                            continue;
                        }
                    }
                    let q = (i as i64 + l) as usize;
                    if inside(q) && uf.union(i as u32, q as u32) {
                        components -= 1;
                    }
                }
            }
        }
    }
    (uf, components)
}

/// The 13 neighbours of a voxel that precede it in storage order.
fn backward_26() -> Vec<(i64, i64, i64)> {
    let mut v = Vec::with_capacity(13);
    for dz in -1i64..=0 {
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                if dz < 0 || dy < 0 || (dy == 0 && dx < 0) {
                    v.push((dx, dy, dz));
                }
            }
        }
    }
    v
}

/// Number of 26-connected components of bone in `mask`.
///
/// # Panics
/// If the volume has more than `u32::MAX` voxels.
pub fn bone_components(mask: &BoneMask) -> usize {
    let data = &mask.data;
    count_components(mask.dims, |i| data[i] != 0, &backward_26())
}

/// Labels the voxels `inside` through `offsets` (see [`union_components`]): each
/// voxel's root (`u32::MAX` outside), and per root its size and whether the
/// component touches a face of the volume.
fn label_roots(
    dims: Dims,
    inside: impl Fn(usize) -> bool,
    offsets: &[(i64, i64, i64)],
) -> (Vec<u32>, Vec<u32>, Vec<bool>) {
    let (mut uf, _) = union_components(dims, &inside, offsets);
    let n = dims.len();
    let mut size = vec![0u32; n];
    let mut root = vec![u32::MAX; n];
    let mut touches = vec![false; n];
    for i in 0..n {
        if inside(i) {
            let r = uf.find(i as u32);
            root[i] = r;
            size[r as usize] += 1;
            let (x, y, z) = dims.coords(i);
            if x == 0
                || y == 0
                || z == 0
                || x + 1 == dims.nx
                || y + 1 == dims.ny
                || z + 1 == dims.nz
            {
                touches[r as usize] = true;
            }
        }
    }
    (root, size, touches)
}

/// The voxels of the bone components of `mask` that can carry load (1), and all
/// others (0): the largest 26-connected component, and every component that touches
/// a face of the volume (it may continue beyond it). Of equally large components,
/// the one holding the voxel with the smallest index counts as the largest.
///
/// # Panics
/// If the volume has more than `u32::MAX` voxels.
pub fn loaded_bone_components(mask: &BoneMask) -> Vec<u8> {
    let data = &mask.data;
    let (root, size, mut touches) = label_roots(mask.dims, |i| data[i] != 0, &backward_26());
    // Roots are the smallest index of their component, so the first maximum wins.
    if let Some(b) = (0..data.len()).max_by_key(|&r| (size[r], std::cmp::Reverse(r))) {
        touches[b] = size[b] > 0;
    }
    root.iter()
        .map(|&r| u8::from(r != u32::MAX && touches[r as usize]))
        .collect()
}

/// The purified mask on which connectivity is measured (BoneJ's "Purify" before
/// "Connectivity"; Odgaard & Gundersen 1993 define Conn.D for one bone component
/// without cavities): the bone of the load-bearing components
/// ([`loaded_bone_components`]: the largest, and every one reaching a face, as it
/// may join the structure beyond the volume), with every marrow cavity (a
/// 6-connected marrow component that reaches no face) filled. Floating fragments and
/// closed cavities then leave the Euler characteristic alone, so `1 - Δχ` counts
/// loops only.
///
/// # Panics
/// If the volume has more than `u32::MAX` voxels.
pub fn purified(mask: &BoneMask) -> BoneMask {
    let loaded = loaded_bone_components(mask);
    // Cavities of the kept bone: the marrow around a dropped piece joins the marrow.
    let (root, _, touches) = label_roots(mask.dims, |i| loaded[i] == 0, &BACKWARD_6);
    let data = loaded
        .iter()
        .zip(&root)
        .map(|(&l, &r)| u8::from(l != 0 || (r != u32::MAX && !touches[r as usize])))
        .collect();
    BoneMask {
        dims: mask.dims,
        voxel_um: mask.voxel_um,
        data,
    }
}

/// The 3 face neighbours of a voxel that precede it in storage order.
const BACKWARD_6: [(i64, i64, i64); 3] = [(-1, 0, 0), (0, -1, 0), (0, 0, -1)];

/// Number of 6-connected components of marrow inside `mask`, not counting the outside:
/// two marrow regions that only meet through the outside are separate.
pub fn marrow_components(mask: &BoneMask) -> usize {
    let data = &mask.data;
    count_components(mask.dims, |i| data[i] == 0, &BACKWARD_6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_mask(dims: Dims, data: Vec<u8>) -> BoneMask {
        BoneMask {
            dims,
            voxel_um: 1.0,
            data,
        }
    }

    #[test]
    fn loaded_components_are_the_largest_and_those_on_the_faces() {
        let dims = Dims::new(7, 3, 3);
        let mut data = vec![0u8; dims.len()];
        for x in 0..3 {
            data[dims.index(x, 1, 1)] = 1;
        }
        data[dims.index(4, 1, 1)] = 1;
        data[dims.index(6, 1, 1)] = 1;
        let mask = unit_mask(dims, data);
        let keep = loaded_bone_components(&mask);
        assert_eq!(keep.iter().map(|&k| usize::from(k)).sum::<usize>(), 4);
        assert_eq!(keep[dims.index(4, 1, 1)], 0, "a floating speck is unloaded");
        assert_eq!(keep[dims.index(6, 1, 1)], 1, "a piece on a face may go on");
        assert_eq!(keep[dims.index(1, 1, 1)], 1);
    }

    #[test]
    fn purify_drops_floating_bone_and_fills_cavities() {
        // A hollow 5^3 box on the x = 0 face (its 3^3 inside is a cavity), a
        // floating speck, and a speck on the far face.
        let dims = Dims::cube(9);
        let mut data = vec![0u8; dims.len()];
        for z in 0..5 {
            for y in 0..5 {
                for x in 0..5 {
                    let inner = (1..4).contains(&x) && (1..4).contains(&y) && (1..4).contains(&z);
                    data[dims.index(x, y, z)] = u8::from(!inner);
                }
            }
        }
        data[dims.index(7, 7, 7)] = 1;
        data[dims.index(8, 4, 4)] = 1;
        let mask = unit_mask(dims, data);
        let pure = purified(&mask);
        assert_eq!(pure.data[dims.index(2, 2, 2)], 1, "the cavity is filled");
        assert_eq!(pure.data[dims.index(7, 7, 7)], 0, "the floating speck goes");
        assert_eq!(pure.data[dims.index(8, 4, 4)], 1, "a speck on a face stays");
        assert_eq!(pure.bone_voxels(), 125 + 1);
        assert_eq!(marrow_components(&pure), 1);
    }

    #[test]
    fn diagonal_voxels_are_one_bone_component_but_marrow_splits() {
        let dims = Dims::cube(2);
        let mut data = vec![0u8; 8];
        data[dims.index(0, 0, 0)] = 1;
        data[dims.index(1, 1, 1)] = 1;
        let mask = unit_mask(dims, data);
        assert_eq!(bone_components(&mask), 1);
        assert_eq!(marrow_components(&mask), 1);
        assert_eq!(backward_26().len(), 13);
    }
}
