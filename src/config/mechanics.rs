//! `[cells.mechanics]`: mechanical usage of the bone, reduced to its topology.
//!
//! Bone carries load only while it is connected to the load-bearing structure (the
//! largest connected piece of bone in the volume, and any piece reaching a face of
//! the volume, which may join it beyond). A piece cut off by a disconnection and
//! floating in the marrow carries none: its osteocytes, deprived of strain, die and
//! signal for its removal, and no bone is formed on it (Frost's mechanostat; Aguirre
//! et al., JBMR 2006: osteocyte apoptosis under disuse targets osteoclastogenesis;
//! free-ending and disconnected trabeculae are resorbed, Mosekilde, Bone Miner 1990).

use super::params::param_table;
use super::reader::Range;

param_table! {
    /// `[cells.mechanics]`: how unloaded bone is remodeled.
    pub struct MechanicsConfig {
        /// New remodeling sites per mm^2 of quiescent surface on unloaded bone per day,
        /// per unit stimulus, with a full precursor pool, [0, 1e3]; adds to the
        /// activation everywhere else (`[cells.precursor] initiation_per_mm2_per_day`).
        /// Default 5 (calibrated: a detached piece with 0.1 mm^2 of surface is found
        /// within days; osteocyte apoptosis targets resorption within weeks, Aguirre et
        /// al., JBMR 2006).
        unloaded_initiation_per_mm2_per_day: Range::closed(0.0, 1e3) => 5.0,
        /// Osteoblast recruitment on unloaded bone as a fraction of that on loaded
        /// bone, [0, 1]. Default 0 (disuse stops formation; Frost, Bone Miner 1987).
        unloaded_formation_fraction: Range::closed(0.0, 1.0) => 0.0,
        /// Probability, at the reference estrogen level, that a remodeling site is
        /// held back from cutting a loaded strut at a given voxel (its neck carries
        /// the strut's load and strained osteocytes hold resorption back), [0, 1];
        /// times `1 - d` with estrogen deficiency `d`, as the response needs estrogen
        /// receptor alpha (Lee et al., Nature 2003). Default 0.9 (approx.).
        strut_protection: Range::closed(0.0, 1.0) => 0.9,
        /// Days between updates of which bone is loaded, (0, 3650]. Default 7.
        check_every_days: Range::open_closed(0.0, 3650.0) => 7.0,
    }
}
