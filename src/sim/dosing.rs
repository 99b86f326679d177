//! Drug effects that act on the world rather than through a rate: bisphosphonate laid
//! on bone when a dose arrives ([`crate::pharmacology::bone_drug`]); its uptake by the
//! osteoclast that resorbs it is booked by the bone handle
//! ([`crate::cells::bone::Bone::resorb`]). The denosumab field source is added with
//! the other sources in [`super::secrete`].

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
