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
        unloaded_initiation_per_mm2_per_day ["1/(mm^2 d)"]: Range::closed(0.0, 1e3) => 5.0,
        /// Osteoblast recruitment on unloaded bone as a fraction of that on loaded
        /// bone, [0, 1]. Default 0 (disuse stops formation; Frost, Bone Miner 1987).
        unloaded_formation_fraction ["1"]: Range::closed(0.0, 1.0) => 0.0,
        /// Probability, at the reference estrogen level, that a remodeling site is
        /// held back from cutting a loaded strut at a given voxel (its neck carries
        /// the strut's load and strained osteocytes hold resorption back), [0, 1];
        /// times `1 - share * d` with estrogen deficiency `d` (`share` below), as the
        /// response needs estrogen receptor alpha (Lee et al., Nature 2003). Default
        /// 0.9 (approx.).
        strut_protection ["1"]: Range::closed(0.0, 1.0) => 0.9,
        /// Share of the strut guard that needs estrogen, [0, 1]: the guard is
        /// `strut_protection * (1 - share * d)`. Osteocytes sense strain without
        /// estrogen receptor alpha too, with a blunted response (Lee et al., Nature
        /// 2003: the ERalpha-null response to load is about a third of the wild
        /// type's). Default 1 (approx.; calibrated).
        strut_protection_estrogen_share ["1"]: Range::closed(0.0, 1.0) => 1.0,
        /// Usage (the voxel's load relative to the mean of the structure,
        /// [`crate::sim::load`]) below which bone of the load-bearing pieces is in
        /// disuse and treated as unloaded, at the reference estrogen level, [0, 1]; 0
        /// turns the load solve off. Free-ending trabeculae are resorbed (Mosekilde,
        /// Bone Miner 1990): 0.05 selects the dead-end stumps of cut struts and spurs,
        /// which carry no load whatever its direction (usage below 1e-3 in the
        /// solve), while under 0.1% of an intact lattice's bone is below it. Default 0
        /// (off) until the estrogen-loss rows are recalibrated with it: on, a year of
        /// estrogen loss costs about twice the bone (a whole strut per cut).
        disuse_usage ["1"]: Range::closed(0.0, 1.0) => 0.0,
        /// Rise of the disuse threshold at full estrogen deficiency, [0, 1]. Estrogen
        /// lowers the strain set point below which bone is removed (Frost's mechanostat,
        /// Bone Miner 1987; Lanyon & Skerry, JBMR 2001: postmenopausal bone loss as a
        /// failure of the adaptation to load, via estrogen receptor alpha), so without
        /// it lightly loaded struts are removed. Default 0 (approx.; calibrated).
        disuse_usage_deficiency_gain ["1"]: Range::closed(0.0, 1.0) => 0.0,
        /// Days between updates of which bone is loaded, (0, 3650]. Default 7.
        check_every_days ["d"]: Range::open_closed(0.0, 3650.0) => 7.0,
    }
}
