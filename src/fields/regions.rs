//! Connected marrow regions of the field grid: cells that conduct (`a > 0`) linked
//! through faces of non-zero conductance (`a_i a_j > 0`). A region sealed off by bone
//! is invisible to the coarse levels of the multigrid, which handles it separately
//! (see [`super::multigrid`]).

use crate::grid::Dims;

/// The cells of each connected region of conducting cells (`a > 0`, linked through
/// faces with `a_i a_j > 0`), every region but the largest; union-find, O(cells).
pub(crate) fn isolated_regions(d: Dims, a: &[f32]) -> Vec<Vec<u32>> {
    let n = d.len();
    if a.iter().all(|&v| v > 0.0) {
        // Every cell conducts to its neighbours: one region.
        return Vec::new();
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut i: u32) -> u32 {
        while p[i as usize] != i {
            let g = p[p[i as usize] as usize];
            p[i as usize] = g;
            i = g;
        }
        i
    }
    let union = |p: &mut Vec<u32>, i: usize, j: usize| {
        let (ri, rj) = (find(p, i as u32), find(p, j as u32));
        if ri != rj {
            let (lo, hi) = (ri.min(rj), ri.max(rj));
            p[hi as usize] = lo;
        }
    };
    for z in 0..d.nz {
        for y in 0..d.ny {
            for x in 0..d.nx {
                let i = d.index(x, y, z);
                if a[i] <= 0.0 {
                    continue;
                }
                if x + 1 < d.nx && a[i + 1] > 0.0 {
                    union(&mut parent, i, i + 1);
                }
                if y + 1 < d.ny && a[i + d.nx] > 0.0 {
                    union(&mut parent, i, i + d.nx);
                }
                if z + 1 < d.nz && a[i + d.plane()] > 0.0 {
                    union(&mut parent, i, i + d.plane());
                }
            }
        }
    }
    // Sizes per root, the largest region (lowest root among equals), then the cells
    // of every other region, in cell order.
    let mut size = vec![0u32; n];
    let mut root = vec![u32::MAX; n];
    for i in 0..n {
        if a[i] > 0.0 {
            let r = find(&mut parent, i as u32);
            root[i] = r;
            size[r as usize] += 1;
        }
    }
    let Some(biggest) = (0..n)
        .filter(|&r| size[r] > 0)
        .max_by_key(|&r| (size[r], std::cmp::Reverse(r)))
    else {
        return Vec::new();
    };
    let mut slot: std::collections::BTreeMap<u32, usize> = Default::default();
    let mut list: Vec<Vec<u32>> = Vec::new();
    for (i, &r) in root.iter().enumerate() {
        if r == u32::MAX || r as usize == biggest {
            continue;
        }
        let k = *slot.entry(r).or_insert_with(|| {
            list.push(Vec::with_capacity(size[r as usize] as usize));
            list.len() - 1
        });
        list[k].push(i as u32);
    }
    list
}
