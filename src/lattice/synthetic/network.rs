//! The node lattice and its candidate elements (rods and plates), put in the
//! seeded order in which they are added to the bone.
//!
//! All lengths here are in voxel units; the domain is the box `[0, nx] x [0, ny] x
//! [0, nz]` and voxel `(x, y, z)` has its centre at `(x + 0.5, y + 0.5, z + 0.5)`.

use nalgebra::Vector3;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use crate::config::synthetic::OUTER_LAYERS;

/// A point or direction, voxel units.
pub(crate) type Vec3 = Vector3<f64>;

/// Largest node displacement from its lattice site, as a fraction of the spacing.
const JITTER: f64 = 0.22;

/// Rod directions, in lattice steps: 3 axial and 6 face diagonals (each
/// undirected edge once).
const ROD_STEPS: [[i64; 3]; 9] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 1, 0],
    [1, -1, 0],
    [1, 0, 1],
    [1, 0, -1],
    [0, 1, 1],
    [0, 1, -1],
];

/// Body-diagonal rod directions: spare candidates, used only once every other
/// rod is in (high BV/TV with thin rods).
const SPARE_ROD_STEPS: [[i64; 3]; 4] = [[1, 1, 1], [1, 1, -1], [1, -1, 1], [1, -1, -1]];

/// The two in-plane lattice steps spanning each face orientation (xy, xz, yz).
const FACE_STEPS: [([i64; 3], [i64; 3]); 3] = [
    ([1, 0, 0], [0, 1, 0]),
    ([1, 0, 0], [0, 0, 1]),
    ([0, 1, 0], [0, 0, 1]),
];

/// Inputs of the network, voxel units.
#[derive(Clone, Debug)]
pub(crate) struct NetworkParams {
    /// Extent of the domain along x, y, z.
    pub box_vox: [f64; 3],
    /// Node spacing along x, y, z.
    pub spacing_vox: [f64; 3],
    /// Degree of anisotropy (>= 1), main axis z.
    pub anisotropy: f64,
    /// Share of the drawn volume made of plates, `[0, 1]`.
    pub plate_fraction: f64,
    /// Coefficient of variation of the element thickness, `[0, 1)`.
    pub thickness_cv: f64,
    /// Random seed.
    pub seed: u64,
}

/// Radii elements are drawn with, voxel units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Radii {
    /// Rod radius.
    pub rod: f64,
    /// Half the plate thickness.
    pub plate: f64,
}

/// One candidate element, by node indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Element {
    /// A rod between two nodes.
    Rod([usize; 2]),
    /// A triangular plate between three nodes.
    Plate([usize; 3]),
}

impl Element {
    fn nodes(&self) -> &[usize] {
        match self {
            Element::Rod(n) => n,
            Element::Plate(n) => n,
        }
    }
}

/// The nodes and the ordered candidate elements.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    /// Node positions, voxel units.
    pub nodes: Vec<Vec3>,
    /// Candidate elements in the order they are added: the spanning structure
    /// first, then the rest.
    pub elements: Vec<Element>,
    /// Number of leading elements forming the spanning structure.
    pub spanning: usize,
    /// Extent of the domain, voxels.
    pub box_vox: [f64; 3],
    /// Per node, whether it belongs to the connected inner set that every
    /// element touches.
    pub inner: Vec<bool>,
    /// Per element (same order as `elements`), the factor its radius is drawn
    /// with: 1 for a uniform network, lognormal otherwise ([`thickness_factor`]).
    pub scale: Vec<f64>,
}

/// Disjoint sets over `0..n`, path halving and union by size.
pub(crate) struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    /// `n` singletons.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    /// Representative of the set holding `i`.
    pub(crate) fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Joins the sets of `a` and `b`; true if they were different.
    pub(crate) fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (big, small) = if self.size[ra] >= self.size[rb] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small] = big;
        self.size[big] += self.size[small];
        true
    }

    /// Size of the set holding `i`.
    pub(crate) fn set_size(&mut self, i: usize) -> usize {
        let r = self.find(i);
        self.size[r]
    }
}

/// Length of the part of segment `a`-`b` inside the box `[0, hi]`.
fn clipped_length(a: &Vec3, b: &Vec3, hi: &[f64; 3]) -> f64 {
    let d = b - a;
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for k in 0..3 {
        if d[k].abs() < 1e-12 {
            if a[k] < 0.0 || a[k] > hi[k] {
                return 0.0;
            }
            continue;
        }
        let (mut lo_t, mut hi_t) = ((0.0 - a[k]) / d[k], (hi[k] - a[k]) / d[k]);
        if lo_t > hi_t {
            std::mem::swap(&mut lo_t, &mut hi_t);
        }
        t0 = t0.max(lo_t);
        t1 = t1.min(hi_t);
        if t0 >= t1 {
            return 0.0;
        }
    }
    (t1 - t0) * d.norm()
}

fn inside(p: &Vec3, hi: &[f64; 3]) -> bool {
    (0..3).all(|k| p[k] >= 0.0 && p[k] < hi[k])
}

impl Network {
    /// Builds the jittered node lattice, its candidate rods and plates, and their
    /// order. `radii` only weighs rods against plates when interleaving them.
    pub(crate) fn build(p: &NetworkParams, radii: Radii) -> Self {
        let mut rng = Pcg64::seed_from_u64(p.seed);
        let hi = p.box_vox;
        let s = p.spacing_vox;

        // Node lattice: first site at offset - OUTER_LAYERS spacings, last one at
        // least OUTER_LAYERS spacings beyond the far face.
        let mut origin = [0.0; 3];
        let mut count = [0usize; 3];
        for k in 0..3 {
            let offset: f64 = rng.random::<f64>() * s[k];
            origin[k] = offset - OUTER_LAYERS as f64 * s[k];
            let span = hi[k] + OUTER_LAYERS as f64 * s[k] - origin[k];
            count[k] = (span / s[k]).ceil() as usize + 1;
        }
        let [ni, nj, nk] = count;
        let site = |i: i64, j: i64, k: i64| -> Option<usize> {
            let ok = (0..ni as i64).contains(&i)
                && (0..nj as i64).contains(&j)
                && (0..nk as i64).contains(&k);
            ok.then(|| i as usize + ni * (j as usize + nj * k as usize))
        };
        let mut nodes = Vec::with_capacity(ni * nj * nk);
        for k in 0..nk {
            for j in 0..nj {
                for i in 0..ni {
                    let mut q = Vec3::zeros();
                    for (a, idx) in [i, j, k].into_iter().enumerate() {
                        let jit = (rng.random::<f64>() * 2.0 - 1.0) * JITTER * s[a];
                        q[a] = origin[a] + idx as f64 * s[a] + jit;
                    }
                    nodes.push(q);
                }
            }
        }

        // Candidate rods and plates over the whole node lattice, with random keys
        // drawn in a fixed order.
        let mut rods = Vec::new();
        let mut plates = Vec::new();
        let mut spare_rods = Vec::new();
        for k in 0..nk as i64 {
            for j in 0..nj as i64 {
                for i in 0..ni as i64 {
                    let Some(a) = site(i, j, k) else { continue };
                    for st in ROD_STEPS {
                        if let Some(b) = site(i + st[0], j + st[1], k + st[2]) {
                            rods.push(Element::Rod([a, b]));
                        }
                    }
                    for st in SPARE_ROD_STEPS {
                        if let Some(b) = site(i + st[0], j + st[1], k + st[2]) {
                            spare_rods.push(Element::Rod([a, b]));
                        }
                    }
                    for (u, v) in FACE_STEPS {
                        let b = site(i + u[0], j + u[1], k + u[2]);
                        let c = site(i + u[0] + v[0], j + u[1] + v[1], k + u[2] + v[2]);
                        let d = site(i + v[0], j + v[1], k + v[2]);
                        let flip = rng.random::<bool>();
                        if let (Some(b), Some(c), Some(d)) = (b, c, d) {
                            if flip {
                                plates.push(Element::Plate([a, b, c]));
                                plates.push(Element::Plate([a, c, d]));
                            } else {
                                plates.push(Element::Plate([a, b, d]));
                                plates.push(Element::Plate([b, c, d]));
                            }
                        }
                    }
                }
            }
        }
        let rod_keys: Vec<f64> = rods
            .iter()
            .map(|e| race_key(rng.random::<f64>(), orientation_weight(e, &nodes, p)))
            .collect();
        let plate_keys: Vec<f64> = plates
            .iter()
            .map(|e| race_key(rng.random::<f64>(), orientation_weight(e, &nodes, p)))
            .collect();
        let spare_keys: Vec<f64> = spare_rods
            .iter()
            .map(|e| race_key(rng.random::<f64>(), orientation_weight(e, &nodes, p)))
            .collect();

        // Inner nodes: the largest set of in-domain nodes connected by rods that
        // stay in the domain. Every kept element touches one of them.
        let inner = inner_nodes(&nodes, &rods, &hi);
        let touches = |e: &Element| e.nodes().iter().any(|&n| inner[n]);
        let mut rod_stream = sorted_stream(&rods, &rod_keys, touches);
        rod_stream.extend(sorted_stream(&spare_rods, &spare_keys, touches));
        let plate_stream = sorted_stream(&plates, &plate_keys, touches);

        let volume = |e: &Element| element_volume(e, &nodes, &hi, radii);
        let merged = interleave(&rod_stream, &plate_stream, p.plate_fraction, volume);

        // Spanning structure: Kruskal over the inner nodes in the interleaved
        // order, finished with rods if plates alone cannot connect them.
        let n_inner = inner.iter().filter(|&&b| b).count();
        let mut uf = UnionFind::new(nodes.len());
        let mut joined = 1;
        let mut used = vec![false; merged.len()];
        let mut order = Vec::with_capacity(merged.len());
        let join = |e: &Element, uf: &mut UnionFind, joined: &mut usize| -> bool {
            let inn: Vec<usize> = e.nodes().iter().copied().filter(|&n| inner[n]).collect();
            let mut any = false;
            for w in inn.windows(2) {
                if uf.union(w[0], w[1]) {
                    *joined += 1;
                    any = true;
                }
            }
            any
        };
        for (m, e) in merged.iter().enumerate() {
            if joined >= n_inner {
                break;
            }
            if join(e, &mut uf, &mut joined) {
                used[m] = true;
                order.push(*e);
            }
        }
        // Sets only grow, so rods tried above join nothing now; the others finish
        // the job (rods alone connect the inner nodes by construction).
        for e in &rod_stream {
            if joined >= n_inner {
                break;
            }
            if join(e, &mut uf, &mut joined) {
                order.push(*e);
            }
        }
        let spanning = order.len();
        order.extend(
            merged
                .iter()
                .zip(&used)
                .filter(|(_, &u)| !u)
                .map(|(e, _)| *e),
        );
        let scale = order
            .iter()
            .map(|e| thickness_factor(p.seed, e, p.thickness_cv))
            .collect();
        Network {
            nodes,
            elements: order,
            spanning,
            box_vox: hi,
            inner,
            scale,
        }
    }

    /// Approximate bone volume each element adds inside the domain, voxels,
    /// ignoring overlaps.
    pub(crate) fn volume_estimates(&self, radii: Radii) -> Vec<f64> {
        self.elements
            .iter()
            .enumerate()
            .map(|(i, e)| element_volume(e, &self.nodes, &self.box_vox, self.radii_of(i, radii)))
            .collect()
    }

    /// The radii element `i` is drawn with: `radii` times its thickness factor, at
    /// least [`MIN_ELEMENT_RADIUS_VOX`].
    pub(crate) fn radii_of(&self, i: usize, radii: Radii) -> Radii {
        let f = self.scale[i];
        Radii {
            rod: (radii.rod * f).max(MIN_ELEMENT_RADIUS_VOX.min(radii.rod)),
            plate: (radii.plate * f).max(MIN_ELEMENT_RADIUS_VOX.min(radii.plate)),
        }
    }
}

/// Smallest radius a thinned element is drawn with, voxels: a rod one voxel across
/// would not survive rasterisation.
pub(crate) const MIN_ELEMENT_RADIUS_VOX: f64 = 1.0;

/// Thickness factor of element `e`: lognormal with coefficient of variation `cv`,
/// drawn from a hash of the seed and the element's nodes (so it does not depend on
/// the element order). The log-mean is `-2 sigma^2`: local thickness weighted by
/// volume then averages `exp(sigma^2 / 2)` over rods (volume ~ r^2) and
/// `exp(-sigma^2 / 2)` over plates (volume ~ r), so a rod-and-plate mix keeps its
/// Tb.Th target while thin and thick elements coexist. 1 exactly when `cv` is 0.
pub(crate) fn thickness_factor(seed: u64, e: &Element, cv: f64) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let mut h = seed ^ 0x7468_6963_6b6e_6573; // "thicknes"
    for &n in e.nodes() {
        h = splitmix(h ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    h = splitmix(h ^ e.nodes().len() as u64);
    let u1 = ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = ((splitmix(h) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let var = (1.0 + cv * cv).ln();
    (-2.0 * var + var.sqrt() * normal).exp()
}

/// One round of the splitmix64 finaliser.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Exponential race key: sorting by it samples without replacement with
/// probability proportional to `weight`.
fn race_key(u: f64, weight: f64) -> f64 {
    -(1.0 - u).ln() / weight
}

/// Selection weight: `1 + (DA - 1) c`, where `c` is the squared cosine between a
/// rod and z, or one minus the squared z-component of a plate's normal.
fn orientation_weight(e: &Element, nodes: &[Vec3], p: &NetworkParams) -> f64 {
    let c = match *e {
        Element::Rod([a, b]) => {
            let d = nodes[b] - nodes[a];
            let n2 = d.norm_squared();
            if n2 > 0.0 {
                d.z * d.z / n2
            } else {
                0.0
            }
        }
        Element::Plate([a, b, c]) => {
            let n = (nodes[b] - nodes[a]).cross(&(nodes[c] - nodes[a]));
            let n2 = n.norm_squared();
            if n2 > 0.0 {
                1.0 - n.z * n.z / n2
            } else {
                0.0
            }
        }
    };
    1.0 + (p.anisotropy - 1.0) * c
}

/// Approximate bone volume an element adds inside the domain, voxels.
fn element_volume(e: &Element, nodes: &[Vec3], hi: &[f64; 3], r: Radii) -> f64 {
    match *e {
        Element::Rod([a, b]) => {
            std::f64::consts::PI * r.rod * r.rod * clipped_length(&nodes[a], &nodes[b], hi)
        }
        Element::Plate([a, b, c]) => {
            let (pa, pb, pc) = (nodes[a], nodes[b], nodes[c]);
            let area = 0.5 * (pb - pa).cross(&(pc - pa)).norm();
            let centroid = (pa + pb + pc) / 3.0;
            let share = [pa, pb, pc, centroid, centroid]
                .iter()
                .filter(|q| inside(q, hi))
                .count() as f64
                / 5.0;
            area * 2.0 * r.plate * share
        }
    }
}

/// In-domain nodes of the largest set connected by in-domain rods. If no node
/// lies in the domain, the node nearest its centre stands in.
fn inner_nodes(nodes: &[Vec3], rods: &[Element], hi: &[f64; 3]) -> Vec<bool> {
    let ins: Vec<bool> = nodes.iter().map(|q| inside(q, hi)).collect();
    let mut uf = UnionFind::new(nodes.len());
    for e in rods {
        if let Element::Rod([a, b]) = *e {
            if ins[a] && ins[b] {
                uf.union(a, b);
            }
        }
    }
    let mut best: Option<(usize, usize)> = None; // (size, representative)
    for n in 0..nodes.len() {
        if ins[n] {
            let size = uf.set_size(n);
            let root = uf.find(n);
            if best.is_none_or(|(bs, _)| size > bs) {
                best = Some((size, root));
            }
        }
    }
    match best {
        Some((_, root)) => (0..nodes.len())
            .map(|n| ins[n] && uf.find(n) == root)
            .collect(),
        None => {
            let centre = Vec3::new(hi[0], hi[1], hi[2]) / 2.0;
            let nearest = (0..nodes.len())
                .min_by(|&a, &b| {
                    (nodes[a] - centre)
                        .norm_squared()
                        .total_cmp(&(nodes[b] - centre).norm_squared())
                })
                .unwrap_or(0);
            (0..nodes.len()).map(|n| n == nearest).collect()
        }
    }
}

/// Elements passing `keep`, sorted by key (ties by position, so stable).
fn sorted_stream(
    elements: &[Element],
    keys: &[f64],
    keep: impl Fn(&Element) -> bool,
) -> Vec<Element> {
    let mut idx: Vec<usize> = (0..elements.len())
        .filter(|&i| keep(&elements[i]))
        .collect();
    idx.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]).then(a.cmp(&b)));
    idx.into_iter().map(|i| elements[i]).collect()
}

/// Interleaves rods and plates so that plates make up `plate_fraction` of the
/// accumulated volume. With a fraction of exactly 0 or 1 the other kind is left
/// out; otherwise, once one stream runs out the other continues.
fn interleave(
    rods: &[Element],
    plates: &[Element],
    plate_fraction: f64,
    volume: impl Fn(&Element) -> f64,
) -> Vec<Element> {
    if plate_fraction <= 0.0 {
        return rods.to_vec();
    }
    if plate_fraction >= 1.0 {
        return plates.to_vec();
    }
    let mut out = Vec::with_capacity(rods.len() + plates.len());
    let (mut ir, mut ip) = (0, 0);
    let (mut vr, mut vp) = (0.0, 0.0);
    while ir < rods.len() || ip < plates.len() {
        let plate_behind = plate_fraction * (vr + vp) - vp;
        let take_plate = if ir >= rods.len() {
            true
        } else if ip >= plates.len() {
            false
        } else if vr + vp == 0.0 {
            plate_fraction >= 0.5
        } else {
            plate_behind > 0.0
        };
        if take_plate {
            vp += volume(&plates[ip]);
            out.push(plates[ip]);
            ip += 1;
        } else {
            vr += volume(&rods[ir]);
            out.push(rods[ir]);
            ir += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(plate_fraction: f64, seed: u64) -> NetworkParams {
        NetworkParams {
            thickness_cv: 0.0,
            box_vox: [120.0, 100.0, 140.0],
            spacing_vox: [40.0, 40.0, 55.0],
            anisotropy: 1.5,
            plate_fraction,
            seed,
        }
    }

    const RADII: Radii = Radii {
        rod: 4.0,
        plate: 3.5,
    };

    #[test]
    fn thickness_factors_are_lognormal_and_order_free() {
        let cv = 0.3;
        let elements: Vec<Element> = (0..20_000).map(|i| Element::Rod([i, i + 1])).collect();
        let f: Vec<f64> = elements
            .iter()
            .map(|e| thickness_factor(7, e, cv))
            .collect();
        let logs: Vec<f64> = f.iter().map(|x| x.ln()).collect();
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let sigma2 = (1.0f64 + cv * cv).ln();
        // Standard errors: sqrt(sigma2 / n) = 0.002 for the mean, sigma2 sqrt(2 / n)
        // = 0.0009 for the variance; 5 of them each.
        assert!((mean + 2.0 * sigma2).abs() < 0.01, "log-mean {mean}");
        assert!(
            (var - sigma2).abs() < 0.005,
            "log-variance {var} vs {sigma2}"
        );
        // Volume-weighted over rods (r^2): exp(sigma^2 / 2).
        let w = f.iter().map(|x| x.powi(3)).sum::<f64>() / f.iter().map(|x| x * x).sum::<f64>();
        assert!(
            (w / (sigma2 / 2.0).exp() - 1.0).abs() < 0.02,
            "rod-weighted {w}"
        );
        // Keyed by the element and the seed, not by position; 1 without spread.
        assert_eq!(thickness_factor(7, &elements[5], cv), f[5]);
        assert_ne!(thickness_factor(8, &elements[5], cv), f[5]);
        assert_eq!(thickness_factor(7, &elements[5], 0.0), 1.0);
        let net = Network::build(
            &NetworkParams {
                thickness_cv: cv,
                ..params(0.4, 3)
            },
            RADII,
        );
        for (i, e) in net.elements.iter().enumerate() {
            assert_eq!(net.scale[i], thickness_factor(3, e, cv));
            let r = net.radii_of(i, RADII);
            assert!(r.rod >= MIN_ELEMENT_RADIUS_VOX && r.plate >= MIN_ELEMENT_RADIUS_VOX);
        }
    }

    #[test]
    fn spanning_prefix_connects_the_inner_nodes_and_all_elements_touch_them() {
        for seed in 0..8 {
            for pf in [0.0, 0.4, 1.0] {
                let p = params(pf, seed);
                let net = Network::build(&p, RADII);
                let inner = &net.inner;
                for (n, q) in net.nodes.iter().enumerate() {
                    if inner[n] {
                        assert!(inside(q, &p.box_vox));
                    }
                }
                let n_inner = inner.iter().filter(|&&b| b).count();
                assert!(n_inner >= 8, "seed {seed}: {n_inner} inner nodes");
                assert!(net
                    .elements
                    .iter()
                    .all(|e| e.nodes().iter().any(|&n| inner[n])));
                let mut uf = UnionFind::new(net.nodes.len());
                for e in &net.elements[..net.spanning] {
                    let ins: Vec<usize> = e.nodes().iter().copied().filter(|&n| inner[n]).collect();
                    for w in ins.windows(2) {
                        uf.union(w[0], w[1]);
                    }
                }
                let first = (0..net.nodes.len()).find(|&n| inner[n]).unwrap_or(0);
                assert_eq!(uf.set_size(first), n_inner, "seed {seed}, plates {pf}");
                // No element twice.
                let mut seen = net.elements.clone();
                seen.sort_by_key(|e| match *e {
                    Element::Rod([a, b]) => (0, a, b, 0),
                    Element::Plate([a, b, c]) => (1, a, b, c),
                });
                seen.dedup();
                assert_eq!(seen.len(), net.elements.len());
            }
        }
    }

    #[test]
    fn plate_fraction_sets_the_mix() {
        let count = |net: &Network, k: usize| {
            net.elements[..k]
                .iter()
                .filter(|e| matches!(e, Element::Plate(_)))
                .count()
        };
        let rods_only = Network::build(&params(0.0, 1), RADII);
        assert_eq!(count(&rods_only, rods_only.elements.len()), 0);
        let plates = Network::build(&params(1.0, 1), RADII);
        // Rods appear only to finish the spanning structure.
        let rods_after = plates.elements[plates.spanning..]
            .iter()
            .filter(|e| matches!(e, Element::Rod(_)))
            .count();
        assert_eq!(rods_after, 0);
        // Half the volume as plates among the first elements.
        let mixed = Network::build(&params(0.5, 1), RADII);
        let vols = mixed.volume_estimates(RADII);
        let k = mixed.elements.len() / 3;
        let plate_volume: f64 = (0..k)
            .filter(|&i| matches!(mixed.elements[i], Element::Plate(_)))
            .map(|i| vols[i])
            .sum();
        let total: f64 = vols[..k].iter().sum();
        assert!(
            (plate_volume / total - 0.5).abs() < 0.1,
            "{}",
            plate_volume / total
        );
    }

    #[test]
    fn clipped_length_is_the_part_inside() {
        let hi = [10.0, 10.0, 10.0];
        let a = Vec3::new(-5.0, 5.0, 5.0);
        let b = Vec3::new(5.0, 5.0, 5.0);
        assert!((clipped_length(&a, &b, &hi) - 5.0).abs() < 1e-12);
        let c = Vec3::new(-5.0, -1.0, 5.0);
        assert_eq!(clipped_length(&a, &c, &hi), 0.0);
        let d = Vec3::new(15.0, 15.0, 15.0);
        let e = Vec3::new(-5.0, -5.0, -5.0);
        assert!((clipped_length(&e, &d, &hi) - 300f64.sqrt()).abs() < 1e-9);
    }
}
