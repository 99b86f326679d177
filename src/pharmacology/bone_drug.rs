//! Bisphosphonate in the tissue: bound on exposed bone, buried under new bone,
//! released when that bone is resorbed, and taken up by the resorbing osteoclast,
//! whose apoptosis rate rises with its load (Sato et al., JCI 1991: alendronate
//! localizes under osteoclasts and is taken up as they resorb; Hughes et al., JBMR
//! 1995: bisphosphonates promote osteoclast apoptosis; docs/MODEL.md, Submodels:
//! pharmacology).
//!
//! State: `VoxelMemory::bisphosphonate_fmol`, the drug held by each voxel's bone, fmol.
//!
//! - **Bind.** On the day of an administration, every voxel holding bone (fraction > 0)
//!   gains `density * faces * face_area`: `density` the surface density of the dose
//!   ([`super::bisphosphonate::surface_fmol_per_um2`]), `faces` the number of its faces
//!   that open on marrow (mask 0). Voxels inside the domain's outer faces count only
//!   marrow inside the domain.
//! - **Bury.** Drug stays in its voxel. When formation fills the marrow next to it, it
//!   no longer touches marrow and is buried: only drug in *exposed* voxels (bone with a
//!   marrow face) is on the surface ([`inventory`]).
//! - **Release and uptake.** Resorbing a fraction of a voxel's bone releases the same
//!   fraction of its drug, all taken up by the osteoclast doing it (its load, fmol).
//! - **Apoptosis.** An osteoclast with load `L` dies at its rate times
//!   `1 + g L^n / (L^n + K^n)` ([`apoptosis_factor`]).
//!
//! Conservation: delivered = held in voxels (exposed + buried) + taken up, exactly up
//! to rounding (the tests check it on a small run).

use crate::grid::neighbours;
use crate::grid::BoneMask;
use crate::lattice::{Lattice, VoxelMemory};

/// How an osteoclast's bisphosphonate load raises its apoptosis rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ApoptosisResponse {
    /// Largest rise of the rate, minus one (`g`).
    pub gain: f64,
    /// Load of half the rise, fmol (`K`).
    pub half_load_fmol: f64,
    /// Hill coefficient (`n`).
    pub hill: f64,
}

/// `1 + g L^n / (L^n + K^n)` (1 without load).
pub fn apoptosis_factor(load_fmol: f64, r: &ApoptosisResponse) -> f64 {
    if load_fmol <= 0.0 || r.gain <= 0.0 {
        return 1.0;
    }
    let x = (load_fmol / r.half_load_fmol).powf(r.hill);
    1.0 + r.gain * x / (1.0 + x)
}

/// Faces of voxel `j` that open on marrow (inside the domain).
fn marrow_faces(mask: &BoneMask, j: usize) -> u32 {
    neighbours::face(mask.dims, j)
        .iter()
        .filter(|&k| mask.data[k] == 0)
        .count() as u32
}

/// Whether voxel `j` holds bone that touches marrow.
pub fn exposed(lattice: &Lattice, mask: &BoneMask, j: usize) -> bool {
    lattice.bone_fraction[j] > 0.0 && marrow_faces(mask, j) > 0
}

/// Lays `fmol_per_um2` on every exposed bone face; returns what was laid, fmol.
pub fn bind(
    memory: &mut VoxelMemory,
    lattice: &Lattice,
    mask: &BoneMask,
    fmol_per_um2: f64,
) -> f64 {
    if fmol_per_um2 <= 0.0 {
        return 0.0;
    }
    let face_um2 = lattice.voxel_um * lattice.voxel_um;
    let mut laid = 0.0;
    for (j, held) in memory.bisphosphonate_fmol.iter_mut().enumerate() {
        if lattice.bone_fraction[j] <= 0.0 {
            continue;
        }
        let faces = marrow_faces(mask, j);
        if faces == 0 {
            continue;
        }
        let add = (fmol_per_um2 * face_um2 * f64::from(faces)) as f32;
        *held += add;
        laid += f64::from(add);
    }
    laid
}

/// Resorption of voxel `j` from bone fraction `before` to `after` releases the same
/// fraction of its drug; returns the amount released (taken up), fmol.
pub fn release(memory: &mut VoxelMemory, j: usize, before: f32, after: f32) -> f64 {
    let held = memory.bisphosphonate_fmol[j];
    if held <= 0.0 || before <= 0.0 || after >= before {
        return 0.0;
    }
    let out = if after <= 0.0 {
        held
    } else {
        held * (before - after) / before
    };
    memory.bisphosphonate_fmol[j] = held - out;
    f64::from(out)
}

/// Drug held in the tissue, fmol: `(on exposed surfaces, buried)`.
pub fn inventory(memory: &VoxelMemory, lattice: &Lattice, mask: &BoneMask) -> (f64, f64) {
    memory
        .bisphosphonate_fmol
        .iter()
        .enumerate()
        .filter(|(_, &h)| h > 0.0)
        .fold((0.0, 0.0), |(s, b), (j, &h)| {
            if exposed(lattice, mask, j) {
                (s + f64::from(h), b)
            } else {
                (s, b + f64::from(h))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Dims;

    #[test]
    fn binds_on_exposed_faces_releases_by_fraction_and_buries() {
        let dims = Dims::new(4, 4, 4);
        let mut lattice = Lattice {
            dims,
            voxel_um: 10.0,
            bone_fraction: vec![0.0; dims.len()],
        };
        // A 2x2x2 bone block in the middle and a voxel inside it surrounded by bone.
        for z in 1..3 {
            for y in 1..3 {
                for x in 1..3 {
                    lattice.bone_fraction[dims.index(x, y, z)] = 1.0;
                }
            }
        }
        let mask = lattice.mask();
        let mut memory = VoxelMemory::new(&lattice, 0.4);
        let laid = bind(&mut memory, &lattice, &mask, 0.01);
        // 8 voxels, 3 marrow faces each, 100 um^2 a face, 0.01 fmol/um^2.
        assert!((laid - 8.0 * 3.0 * 1.0).abs() < 1e-5, "{laid}");
        let j = dims.index(1, 1, 1);
        assert!((memory.bisphosphonate_fmol[j] - 3.0).abs() < 1e-6);
        let out = release(&mut memory, j, 1.0, 0.25);
        assert!((out - 2.25).abs() < 1e-6);
        assert!((release(&mut memory, j, 0.25, 0.0) - 0.75).abs() < 1e-6);
        assert_eq!(memory.bisphosphonate_fmol[j], 0.0);
        let (surface, buried) = inventory(&memory, &lattice, &mask);
        assert!((surface - 21.0).abs() < 1e-5 && buried == 0.0);
        // Fill the marrow around voxel (2,2,2)'s open faces: its drug is buried.
        let k = dims.index(2, 2, 2);
        for (x, y, z) in [(3, 2, 2), (2, 3, 2), (2, 2, 3)] {
            lattice.bone_fraction[dims.index(x, y, z)] = 1.0;
        }
        let mask = lattice.mask();
        assert!(!exposed(&lattice, &mask, k));
        let (_, buried) = inventory(&memory, &lattice, &mask);
        assert!((buried - 3.0).abs() < 1e-6);
    }

    #[test]
    fn apoptosis_rises_with_load_to_the_gain() {
        let r = ApoptosisResponse {
            gain: 4.0,
            half_load_fmol: 1.0,
            hill: 1.0,
        };
        assert_eq!(apoptosis_factor(0.0, &r), 1.0);
        assert!((apoptosis_factor(1.0, &r) - 3.0).abs() < 1e-12);
        assert!(apoptosis_factor(1e9, &r) < 5.0 && apoptosis_factor(1e9, &r) > 4.99);
    }
}
