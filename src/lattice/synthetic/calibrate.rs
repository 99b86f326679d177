//! Calibration: strut sizes from the thickness target, and the number of kept
//! elements from the BV/TV target.
//!
//! The rasterised labels give the exact bone volume of every prefix of the
//! element order, so the number of kept elements is chosen in one pass. The strut
//! radii only change when the prefix cannot reach the target: when even all
//! candidates are too little bone (radii grow) or the spanning structure alone is
//! too much (radii shrink, never below one voxel).

use super::network::{Element, Network, Radii};
use super::raster::{self, Primitive, UNCOVERED};
use crate::grid::Dims;

/// Drawn rod diameter = `ROD_DIAMETER_SCALE * Tb.Th`: local thickness (largest
/// inscribed sphere) of a rod network exceeds the rod diameter at the nodes,
/// where several rods meet.
const ROD_DIAMETER_SCALE: f64 = 1.0;
/// Drawn plate thickness = `PLATE_THICKNESS_SCALE * Tb.Th`, for the same reason
/// at plate junctions and rims.
const PLATE_THICKNESS_SCALE: f64 = 0.88;
/// Smallest drawn radius, voxels: keeps every element 26-connected when digitised.
const MIN_RADIUS_VOX: f64 = 1.0;
/// Largest factor the radii may grow by when the candidates are too little bone.
const MAX_GROWTH: f64 = 2.0;
/// Relative BV/TV error at which the radii are left alone.
const BV_TOLERANCE: f64 = 0.02;
/// Radius adjustments tried at most.
const MAX_ROUNDS: usize = 6;

/// Radii to draw with for a target thickness of `th_vox` voxels.
pub(crate) fn drawn_radii_vox(th_vox: f64) -> Radii {
    Radii {
        rod: (0.5 * ROD_DIAMETER_SCALE * th_vox).max(MIN_RADIUS_VOX),
        plate: (0.5 * PLATE_THICKNESS_SCALE * th_vox).max(MIN_RADIUS_VOX),
    }
}

/// The calibrated result.
pub(crate) struct Fit {
    /// Bone mask, one byte per voxel (0 or 1).
    pub mask: Vec<u8>,
    /// Bone voxels in `mask`.
    pub bone_voxels: usize,
    /// Radii used.
    pub radii: Radii,
    /// Rods kept.
    pub rods_kept: usize,
    /// Plates kept.
    pub plates_kept: usize,
    /// Voxels removed as fragments cut off at the faces.
    pub fragment_voxels_removed: usize,
    /// 26-connected components of the drawn bone, before fragments were removed.
    pub components_drawn: usize,
    /// 26-connected components of `mask`.
    pub components: usize,
}

fn primitives(net: &Network, r: Radii) -> Vec<Primitive> {
    net.elements
        .iter()
        .enumerate()
        .map(|(i, e)| match *e {
            Element::Rod([a, b]) => Primitive::Capsule {
                a: net.nodes[a],
                b: net.nodes[b],
                r: net.radii_of(i, r).rod,
            },
            Element::Plate([a, b, c]) => Primitive::Slab {
                p: [net.nodes[a], net.nodes[b], net.nodes[c]],
                r: net.radii_of(i, r).plate,
            },
        })
        .collect()
}

/// Share of rod volume among the candidates: how strongly BV/TV responds to the
/// radius (volume ~ r^2 for rods, ~ r for plates).
fn radius_exponent(net: &Network) -> f64 {
    let rods = net
        .elements
        .iter()
        .filter(|e| matches!(e, Element::Rod(_)))
        .count() as f64;
    let share = rods / net.elements.len().max(1) as f64;
    1.0 + share
}

/// Labels of the drawn elements and the exact bone voxel count of every prefix
/// of the drawn part of the order.
struct Drawing {
    labels: Vec<u32>,
    /// `cumulative[k]`: bone voxels covered by the first `k` elements, for
    /// `k <= drawn`.
    cumulative: Vec<u64>,
    /// Number of leading elements drawn.
    drawn: usize,
}

/// Draws leading elements of the order until their bone volume exceeds the
/// target by the tolerance, or all are drawn. Elements far beyond the target are
/// never drawn, which is most of them.
fn draw(net: &Network, dims: Dims, target: f64, radii: Radii) -> Drawing {
    let n = net.elements.len();
    let prims = primitives(net, radii);
    let estimates = net.volume_estimates(radii);
    let mut estimated = Vec::with_capacity(n + 1);
    let mut acc = 0.0;
    estimated.push(0.0);
    for v in &estimates {
        acc += v;
        estimated.push(acc);
    }
    let mut labels = vec![UNCOVERED; dims.len()];
    let mut drawn = 0;
    let mut goal = 1.3;
    loop {
        let want = estimated.partition_point(|&v| v < goal * target);
        let upto = want.max(net.spanning).max(drawn + 1).min(n);
        raster::rasterize_into(&mut labels, dims, drawn, &prims[drawn..upto]);
        drawn = upto;
        let hist = raster::label_histogram(&labels, dims, drawn);
        let mut cumulative = Vec::with_capacity(drawn + 1);
        let mut acc = 0u64;
        cumulative.push(0);
        for h in &hist {
            acc += h;
            cumulative.push(acc);
        }
        if drawn >= n || acc as f64 >= target * (1.0 + BV_TOLERANCE) {
            return Drawing {
                labels,
                cumulative,
                drawn,
            };
        }
        goal *= 1.5;
    }
}

/// Draws the network and keeps the prefix of its element order whose BV/TV is
/// closest to `target_bv_tv`; then removes fragments cut off at the faces.
pub(crate) fn fit(net: &Network, dims: Dims, target_bv_tv: f64, radii: Radii) -> Fit {
    let total = dims.len() as f64;
    let n = net.elements.len();
    let target = target_bv_tv * total;
    let exponent = radius_exponent(net);
    let nominal = radii;
    let mut radii = radii;
    let mut drawing;
    let mut round = 0;
    loop {
        drawing = draw(net, dims, target, radii);
        round += 1;
        if round >= MAX_ROUNDS {
            break;
        }
        let reached = drawing.cumulative[drawing.drawn] as f64;
        let span = drawing.cumulative[net.spanning.min(drawing.drawn)] as f64;
        let scale =
            if drawing.drawn >= n && reached < target * (1.0 - BV_TOLERANCE) && reached > 0.0 {
                let limit = nominal.rod * MAX_GROWTH / radii.rod;
                // Aim slightly above so the prefix search has room.
                ((target * 1.05 / reached).powf(1.0 / exponent)).min(limit)
            } else if span > target * (1.0 + BV_TOLERANCE) {
                let limit = MIN_RADIUS_VOX / radii.rod.min(radii.plate);
                ((target / span).powf(1.0 / exponent)).max(limit)
            } else {
                1.0
            };
        if (scale - 1.0).abs() < 1e-3 {
            break;
        }
        radii = Radii {
            rod: (radii.rod * scale).max(MIN_RADIUS_VOX),
            plate: (radii.plate * scale).max(MIN_RADIUS_VOX),
        };
    }
    let Drawing {
        labels,
        cumulative,
        drawn,
    } = drawing;

    // Closest prefix at or after the spanning structure.
    let first = net.spanning.min(drawn);
    let keep = (first..=drawn)
        .min_by(|&a, &b| {
            let da = (cumulative[a] as f64 - target).abs();
            let db = (cumulative[b] as f64 - target).abs();
            da.total_cmp(&db).then(a.cmp(&b))
        })
        .unwrap_or(drawn);
    let keep_label = keep as u32;
    let mut mask: Vec<u8> = labels
        .iter()
        .map(|&l| u8::from(l != UNCOVERED && l < keep_label))
        .collect();
    drop(labels);
    let comps = raster::keep_largest_component(&mut mask, dims);
    let bone_voxels = cumulative[keep] as usize - comps.removed;
    let rods_kept = net.elements[..keep]
        .iter()
        .filter(|e| matches!(e, Element::Rod(_)))
        .count();
    Fit {
        mask,
        bone_voxels,
        radii,
        rods_kept,
        plates_kept: keep - rods_kept,
        fragment_voxels_removed: comps.removed,
        components_drawn: comps.before,
        components: usize::from(bone_voxels > 0),
    }
}
