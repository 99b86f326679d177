//! Drug effects that act on the world rather than through a rate: bisphosphonate laid
//! on bone when a dose arrives, and its uptake by the osteoclast that resorbs it
//! ([`crate::pharmacology::bone_drug`]). The denosumab field source is added with the
//! other sources in [`super::secrete`].

use crate::pharmacology::{bone_drug, Exposure};

use super::world::World;

/// Lays this step's bisphosphonate dose on the exposed bone of `world`.
pub fn bind(world: &mut World, exposure: &Exposure) {
    if exposure.bisphosphonate_fmol_per_um2 <= 0.0 {
        return;
    }
    let laid = bone_drug::bind(
        &mut world.memory,
        &world.lattice,
        &world.mask,
        exposure.bisphosphonate_fmol_per_um2,
    );
    world.totals.bisphosphonate_delivered_fmol += laid;
}

/// Osteoclast `cell` has just resorbed voxel `j` down from bone fraction `before`:
/// the drug released goes into its load.
pub fn uptake(world: &mut World, cell: usize, j: usize, before: f32) {
    let after = world.lattice.bone_fraction[j];
    let out = bone_drug::release(&mut world.memory, j, before, after);
    if out > 0.0 {
        world.osteoclasts.drug_load[cell] += out as f32;
        world.totals.bisphosphonate_taken_up_fmol += out;
    }
}
