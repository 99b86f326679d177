//! Voxel neighbourhoods inside the lattice: the 6 face neighbours and the 26
//! neighbours of a voxel, by linear index, in a fixed order (so decisions that scan
//! them are deterministic). Voxels outside the lattice are left out.

use super::Dims;

/// Up to 6 face neighbours of voxel `i`, in the order -x, +x, -y, +y, -z, +z.
#[inline]
pub fn face(dims: Dims, i: usize) -> Neighbours<6> {
    let (x, y, z) = dims.coords(i);
    let mut n = Neighbours::default();
    let (sx, sy) = (1, dims.nx);
    let sz = dims.plane();
    if x > 0 {
        n.push(i - sx);
    }
    if x + 1 < dims.nx {
        n.push(i + sx);
    }
    if y > 0 {
        n.push(i - sy);
    }
    if y + 1 < dims.ny {
        n.push(i + sy);
    }
    if z > 0 {
        n.push(i - sz);
    }
    if z + 1 < dims.nz {
        n.push(i + sz);
    }
    n
}

/// Face neighbours of voxel `i` with their direction code (0-5: -x, +x, -y, +y, -z,
/// +z); the opposite of direction `d` is `d ^ 1`.
#[inline]
pub fn face_dirs(dims: Dims, i: usize) -> Neighbours<6, (usize, u8)> {
    let (x, y, z) = dims.coords(i);
    let mut n = Neighbours::default();
    let (sx, sy, sz) = (1, dims.nx, dims.plane());
    if x > 0 {
        n.push((i - sx, 0));
    }
    if x + 1 < dims.nx {
        n.push((i + sx, 1));
    }
    if y > 0 {
        n.push((i - sy, 2));
    }
    if y + 1 < dims.ny {
        n.push((i + sy, 3));
    }
    if z > 0 {
        n.push((i - sz, 4));
    }
    if z + 1 < dims.nz {
        n.push((i + sz, 5));
    }
    n
}

/// The face neighbour of voxel `i` in direction `dir` (0-5: -x, +x, -y, +y, -z, +z),
/// if inside the lattice.
#[inline]
pub fn toward(dims: Dims, i: usize, dir: u8) -> Option<usize> {
    let (x, y, z) = dims.coords(i);
    match dir {
        0 => (x > 0).then(|| i - 1),
        1 => (x + 1 < dims.nx).then(|| i + 1),
        2 => (y > 0).then(|| i - dims.nx),
        3 => (y + 1 < dims.ny).then(|| i + dims.nx),
        4 => (z > 0).then(|| i - dims.plane()),
        5 => (z + 1 < dims.nz).then(|| i + dims.plane()),
        _ => None,
    }
}

/// Up to 26 neighbours of voxel `i` (faces, edges and corners), z-major order.
#[inline]
pub fn all26(dims: Dims, i: usize) -> Neighbours<26> {
    let (x, y, z) = dims.coords(i);
    let mut n = Neighbours::default();
    for dz in -1i64..=1 {
        let zz = z as i64 + dz;
        if zz < 0 || zz >= dims.nz as i64 {
            continue;
        }
        for dy in -1i64..=1 {
            let yy = y as i64 + dy;
            if yy < 0 || yy >= dims.ny as i64 {
                continue;
            }
            for dx in -1i64..=1 {
                let xx = x as i64 + dx;
                if (dx, dy, dz) == (0, 0, 0) || xx < 0 || xx >= dims.nx as i64 {
                    continue;
                }
                n.push(dims.index(xx as usize, yy as usize, zz as usize));
            }
        }
    }
    n
}

/// A short list of voxel indices (or index-direction pairs) on the stack.
#[derive(Clone, Copy, Debug)]
pub struct Neighbours<const N: usize, T: Copy = usize> {
    items: [T; N],
    len: usize,
}

impl<const N: usize, T: Copy + Default> Default for Neighbours<N, T> {
    fn default() -> Self {
        Self {
            items: [T::default(); N],
            len: 0,
        }
    }
}

impl<const N: usize, T: Copy> Neighbours<N, T> {
    #[inline]
    fn push(&mut self, i: T) {
        self.items[self.len] = i;
        self.len += 1;
    }

    /// The items.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    /// Iterates over the items.
    #[inline]
    pub fn iter(&self) -> std::iter::Copied<std::slice::Iter<'_, T>> {
        self.as_slice().iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_and_interiors_have_the_right_counts() {
        let d = Dims::new(4, 3, 5);
        assert_eq!(face(d, d.index(0, 0, 0)).as_slice().len(), 3);
        assert_eq!(all26(d, d.index(0, 0, 0)).as_slice().len(), 7);
        let c = d.index(1, 1, 2);
        assert_eq!(face(d, c).as_slice().len(), 6);
        assert_eq!(all26(d, c).as_slice().len(), 26);
        assert!(face(d, c)
            .iter()
            .all(|j| all26(d, c).iter().any(|k| k == j)));
        for (j, dir) in face_dirs(d, c).iter() {
            assert_eq!(toward(d, c, dir), Some(j));
            assert_eq!(toward(d, j, dir ^ 1), Some(c));
        }
        assert_eq!(toward(d, d.index(0, 0, 0), 0), None);
    }
}
