//! The simulated world: lattice and per-voxel memory, fields, cells, sites, and the
//! running tallies the measurements read.

use crate::cells::topology::TopologyCounts;
use crate::cells::{Bmus, Osteoblasts, Osteoclasts, PrecursorPool, Rules, Signals, TCells};
use crate::config::Config;
use crate::fields::{Binding, FieldError, Fields};
use crate::grid::BoneMask;
use crate::lattice::{Lattice, VoxelMemory, BONE_THRESHOLD};
use crate::random::{Purpose, StreamKey};

use super::surface::Surface;

/// Running totals since the start of the run (never reset).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    /// Bone resorbed, um^3.
    pub resorbed_um3: f64,
    /// Bone formed, um^3.
    pub formed_um3: f64,
    /// First-layer voxels eroded by new sites (activated surface, in voxel faces).
    pub activated_voxels: u64,
    /// Sites activated.
    pub initiations: u64,
    /// Topology-changing removals by kind: perforation, disconnection, both, vanish,
    /// cavity (the event codes 1-5).
    pub topology_events: TopologyCounts,
    /// Refills refused because they would have bridged marrow.
    pub blocked_refills: u64,
    /// Refill steps held below the threshold because they would have split the marrow.
    pub deferred_refills: u64,
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
    /// Next cell id.
    pub next_cell_id: u64,
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
            next_cell_id: 1,
        };
        world.pool = PrecursorPool::new(&rules.cells.precursor, world.marrow_mm3());
        Ok(world)
    }

    /// Places the initial T-cells: `count` on marrow voxels drawn uniformly.
    pub fn seed_tcells(&mut self, count: usize, seed: u64) {
        let n = self.lattice.dims.len() as u64;
        let mut stream = StreamKey::new(seed, 0, 0, Purpose::Setup).stream();
        let mut placed = 0;
        let mut tries = 0;
        while placed < count && tries < 100 * count + 1000 {
            tries += 1;
            let v = stream.below(n) as usize;
            if self.mask.data[v] != 0 {
                continue;
            }
            let id = self.take_id();
            let activated = stream.uniform() < 1.0 / 3.0;
            self.tcells.push(id, v as u32, activated, 0);
            placed += 1;
        }
    }

    /// A fresh cell id.
    pub fn take_id(&mut self) -> u64 {
        let id = self.next_cell_id;
        self.next_cell_id += 1;
        id
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
