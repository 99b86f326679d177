//! The simulated world: lattice and per-voxel memory, fields, cells, sites, and the
//! running tallies the measurements read.

use crate::cells::topology::TopologyEvent;
use crate::cells::{
    Bmus, Bone, BoneParts, BoneTotals, CellIds, Osteoblasts, Osteoclasts, PrecursorPool, Rules,
    Signals, Surface, TCells,
};
use crate::config::Config;
use crate::fields::{Binding, FieldError, Fields};
use crate::grid::BoneMask;
use crate::lattice::{Lattice, VoxelMemory, BONE_THRESHOLD};

/// Running totals since the start of the run (never reset).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    /// What remodeling did to the bone: resorbed and formed, activations, topology
    /// events, refused and held refills (kept by the bone handle, [`Bone`]).
    pub bone: BoneTotals,
    /// Sum over steps of the surface voxel count (for mean surfaces over intervals).
    pub surface_voxel_steps: f64,
    /// Steps run.
    pub steps: u64,
    /// Field solves that stopped short of the tolerance.
    pub unconverged_solves: u64,
    /// Field solves run.
    pub field_solves: u64,
    /// V-cycles over all solves and species.
    pub field_cycles: u64,
    /// Bisphosphonate laid on the volume's bone, fmol.
    pub bisphosphonate_delivered_fmol: f64,
    /// Bisphosphonate taken up by osteoclasts, fmol.
    pub bisphosphonate_taken_up_fmol: f64,
}

/// Everything the simulation evolves.
pub struct World {
    /// Bone fractions.
    pub lattice: Lattice,
    /// Bone where the fraction is at least one half, kept in step with the lattice.
    pub mask: BoneMask,
    /// Cavity memory, mineral and flags.
    pub memory: VoxelMemory,
    /// Cytokine fields.
    pub fields: Fields,
    /// RANKL binding equilibria.
    pub binding: Binding,
    /// What cells read from the fields this step.
    pub signals: Signals,
    /// Surface counts.
    pub surface: Surface,
    /// Osteoclasts.
    pub osteoclasts: Osteoclasts,
    /// Osteoblasts.
    pub osteoblasts: Osteoblasts,
    /// T-cells.
    pub tcells: TCells,
    /// Osteoclast precursors.
    pub pool: PrecursorPool,
    /// Open remodeling sites.
    pub bmus: Bmus,
    /// Sum of the bone fractions (kept incrementally).
    pub bone_sum: f64,
    /// Bone resorbed this step per field cell, um^3 (the TGF-beta release).
    pub resorbed_per_cell_um3: Vec<f64>,
    /// Voxels receiving new bone and still mineralizing.
    pub mineralizing: Vec<u32>,
    /// Running totals.
    pub totals: Totals,
    /// Cell ids.
    pub ids: CellIds,
}

/// The world split for applying a step's intents: the handle on the bone, and the
/// populations with the id counter.
pub struct Parts<'a> {
    /// The handle on the bone.
    pub bone: Bone<'a>,
    /// Osteoclasts.
    pub osteoclasts: &'a mut Osteoclasts,
    /// Osteoblasts.
    pub osteoblasts: &'a mut Osteoblasts,
    /// T-cells.
    pub tcells: &'a mut TCells,
    /// Osteoclast precursors.
    pub pool: &'a mut PrecursorPool,
    /// Cell ids.
    pub ids: &'a mut CellIds,
}

impl World {
    /// The world at the start of a run on `lattice`: no sites, a full precursor pool,
    /// T-cells at their target number on random marrow voxels.
    pub fn new(config: &Config, lattice: Lattice, rules: &Rules) -> Result<Self, FieldError> {
        let mut fields = Fields::from_config(&config.fields, &lattice)?;
        let mut settings = *fields.settings();
        settings.steady_tolerance = config.fields.steady_tolerance;
        fields.set_settings(settings);
        let binding = Binding::from_config(&config.fields.binding);
        let signals = Signals::zeros(*fields.grid());
        let mask = lattice.mask();
        let mut memory = VoxelMemory::new(&lattice, rules.cells.mineral.initial_fraction as f32);
        let surface = Surface::build(*fields.grid(), &mask, &mut memory);
        let bone_sum = lattice.bone_fraction.iter().map(|&f| f64::from(f)).sum();
        let n_cells = fields.grid().dims.len();
        let mut world = Self {
            pool: PrecursorPool::new(&rules.cells.precursor, 0.0),
            lattice,
            mask,
            memory,
            fields,
            binding,
            signals,
            surface,
            osteoclasts: Osteoclasts::default(),
            osteoblasts: Osteoblasts::default(),
            tcells: TCells::default(),
            bmus: Bmus::default(),
            bone_sum,
            resorbed_per_cell_um3: vec![0.0; n_cells],
            mineralizing: Vec::new(),
            totals: Totals::default(),
            ids: CellIds::default(),
        };
        world.pool = PrecursorPool::new(&rules.cells.precursor, world.marrow_mm3());
        Ok(world)
    }

    /// Places the initial T-cells: `count` on marrow voxels drawn uniformly.
    pub fn seed_tcells(&mut self, count: usize, seed: u64) {
        self.tcells.seed(count, seed, &self.mask, &mut self.ids);
    }

    /// The world split for applying the intents of step `step` under `rules`: the
    /// handle on the bone (logging topology events to `events`) and the populations.
    pub fn split<'a>(
        &'a mut self,
        rules: &'a Rules,
        step: u64,
        events: &'a mut Vec<TopologyEvent>,
    ) -> Parts<'a> {
        let World {
            lattice,
            mask,
            memory,
            fields: _,
            binding: _,
            signals,
            surface,
            osteoclasts,
            osteoblasts,
            tcells,
            pool,
            bmus,
            bone_sum,
            resorbed_per_cell_um3,
            mineralizing,
            totals,
            ids,
        } = self;
        let parts = BoneParts {
            lattice,
            mask,
            memory,
            surface,
            sites: bmus,
            totals: &mut totals.bone,
            drug_taken_up_fmol: &mut totals.bisphosphonate_taken_up_fmol,
            bone_sum,
            resorbed_per_cell_um3,
            signals,
            mineralizing,
            events,
        };
        Parts {
            bone: Bone::new(parts, rules, step),
            osteoclasts,
            osteoblasts,
            tcells,
            pool,
            ids,
        }
    }

    /// The handle on the bone alone in step `step` (see [`Self::split`]).
    pub fn bone<'a>(
        &'a mut self,
        rules: &'a Rules,
        step: u64,
        events: &'a mut Vec<TopologyEvent>,
    ) -> Bone<'a> {
        self.split(rules, step, events).bone
    }

    /// Volume of one voxel, mm^3.
    pub fn voxel_mm3(&self) -> f64 {
        (self.lattice.voxel_um * 1e-3).powi(3)
    }

    /// Marrow volume, mm^3 (one minus the bone fraction, summed).
    pub fn marrow_mm3(&self) -> f64 {
        (self.lattice.dims.len() as f64 - self.bone_sum) * self.voxel_mm3()
    }

    /// Bone volume fraction from the voxel fractions (BV/TV without thresholding).
    pub fn bone_volume_fraction(&self) -> f64 {
        self.bone_sum / self.lattice.dims.len() as f64
    }

    /// Whether voxel `v` counts as bone.
    #[inline]
    pub fn is_bone_fraction(f: f32) -> bool {
        f >= BONE_THRESHOLD
    }

    /// Bytes held by the big arrays (lattice, mask, memory, fields).
    pub fn bytes(&self) -> usize {
        self.lattice.bone_fraction.len() * 5
            + self.memory.bytes()
            + self.fields.steady_bytes()
            + self.fields.grid().dims.len() * 4 * (2 * self.fields.species().len() + 7)
    }
}
