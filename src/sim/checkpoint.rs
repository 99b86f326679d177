//! Checkpoints of a simulation: everything a run needs to continue from a step
//! boundary bit-identically, encoded as one compact binary blob.
//!
//! # What is held
//!
//! The step counter and whether the initial solve ran; the world: lattice, bone
//! mask, per-voxel memory, the fields' evolving state including the steady
//! solver's f64 warm-start solutions ([`crate::fields::FieldState`]), the signals
//! cells read (they carry over between field solves), surface counts, every cell
//! population, the open sites and the site id counter, the precursor pool, the
//! incremental bone sum, the resorption of the last step per field cell (next
//! step's TGF-beta source), mineralizing voxels, running totals and the next cell
//! id; and the totals at the last time-series row, from which the next row's
//! interval rates (activation frequency and the like) are taken; the evolving part of
//! the hormone and drug schedule (conditional starts that fired, the denosumab PK
//! compartments, the current exposure), the clinical baselines (turnover and vBMD
//! the relative readouts divide by) and the last readouts the schedule reads.
//!
//! What is not held is rebuilt from the config stored in the output file: rules,
//! clock, estrogen levels and drug regimens as configured, binding constants,
//! species parameters; random numbers come from counter-based streams keyed by
//! (seed, step, id, purpose), so there is no generator state. Scratch buffers and
//! stage timers start afresh. Encoding destructures the world exhaustively, so a
//! field added to [`World`] does not compile until this module handles it.
//!
//! # Encoding
//!
//! `bincode` 1.3 (fixed-width little-endian integers and floats, length-prefixed
//! vectors) of a header and the state, both derived with serde from the structs
//! themselves, so a field added to a population is checkpointed without touching
//! this module. The header carries a magic string, [`CHECKPOINT_FORMAT`] and the
//! software version; a checkpoint from another format or version is refused rather
//! than misread (an added struct field changes the encoding without changing the
//! format number, hence the version check). Borrowed views ([`Cow`]) avoid copying
//! the big arrays when encoding.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::cells::{
    Bmus, CellIds, Osteoblasts, Osteoclasts, PrecursorPool, Signals, Surface, TCells,
};
use crate::config::Config;
use crate::fields::{FieldError, FieldState};
use crate::grid::BoneMask;
use crate::lattice::{Lattice, VoxelMemory};

use super::clinical::ClinicalBaseline;
use super::engine::{SimError, Simulation};
use super::world::{Totals, World};
use crate::pharmacology::{PharmacologyState, Readouts};

/// Version of the checkpoint encoding. Raise it when the header or the state's
/// layout changes in a way the version string would not reveal.
pub const CHECKPOINT_FORMAT: u32 = 3;

/// First bytes of every checkpoint.
const MAGIC: [u8; 8] = *b"TRBCKPT\0";

/// What can go wrong reading a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint, or damaged.
    #[error("the checkpoint cannot be decoded: {0}")]
    Decode(String),
    /// Written by a different encoding or software version.
    #[error("the checkpoint was written by trabecula {found_version} (checkpoint format {found_format}); this is trabecula {version} (format {format}): finish the run with the version that started it")]
    Version {
        /// Format found.
        found_format: u32,
        /// Software version found.
        found_version: String,
        /// This build's format.
        format: u32,
        /// This build's version.
        version: String,
    },
    /// The state does not fit the configuration.
    #[error("the checkpoint does not match the run's configuration: {0}")]
    Mismatch(String),
    /// The simulation could not be rebuilt.
    #[error(transparent)]
    Sim(#[from] SimError),
}

impl From<FieldError> for CheckpointError {
    fn from(e: FieldError) -> Self {
        Self::Mismatch(e.to_string())
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    magic: [u8; 8],
    format: u32,
    software_version: String,
}

#[derive(Serialize, Deserialize)]
struct State<'a> {
    seed: u64,
    total_steps: u64,
    step: u64,
    started: bool,
    last_totals: Cow<'a, Totals>,
    lattice: Cow<'a, Lattice>,
    mask: Cow<'a, BoneMask>,
    memory: Cow<'a, VoxelMemory>,
    fields: FieldState,
    signals: Cow<'a, Signals>,
    surface: Cow<'a, Surface>,
    osteoclasts: Cow<'a, Osteoclasts>,
    osteoblasts: Cow<'a, Osteoblasts>,
    tcells: Cow<'a, TCells>,
    pool: Cow<'a, PrecursorPool>,
    bmus: Cow<'a, Bmus>,
    bone_sum: f64,
    resorbed_per_cell_um3: Cow<'a, [f64]>,
    mineralizing: Cow<'a, [u32]>,
    totals: Cow<'a, Totals>,
    next_cell_id: u64,
    pharmacology: PharmacologyState,
    baseline: Cow<'a, ClinicalBaseline>,
    readouts: Readouts,
}

impl Simulation {
    /// The state at the current step boundary, encoded (see the
    /// [module documentation](self)).
    pub fn checkpoint(&self) -> Vec<u8> {
        // Exhaustive: a field added to the world fails to compile here until it is
        // either checkpointed or marked as rebuilt from the config.
        let World {
            lattice,
            mask,
            memory,
            fields,
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
        } = &self.world;
        let header = Header {
            magic: MAGIC,
            format: CHECKPOINT_FORMAT,
            software_version: crate::VERSION.to_string(),
        };
        let state = State {
            seed: self.run_config().seed,
            total_steps: self.clock().total_steps(),
            step: self.step,
            started: self.started,
            last_totals: Cow::Borrowed(&self.last_totals),
            lattice: Cow::Borrowed(lattice),
            mask: Cow::Borrowed(mask),
            memory: Cow::Borrowed(memory),
            fields: fields.state(),
            signals: Cow::Borrowed(signals),
            surface: Cow::Borrowed(surface),
            osteoclasts: Cow::Borrowed(osteoclasts),
            osteoblasts: Cow::Borrowed(osteoblasts),
            tcells: Cow::Borrowed(tcells),
            pool: Cow::Borrowed(pool),
            bmus: Cow::Borrowed(bmus),
            bone_sum: *bone_sum,
            resorbed_per_cell_um3: Cow::Borrowed(resorbed_per_cell_um3),
            mineralizing: Cow::Borrowed(mineralizing),
            totals: Cow::Borrowed(totals),
            next_cell_id: ids.next(),
            pharmacology: self.pharmacology.state(),
            baseline: Cow::Borrowed(&self.baseline),
            readouts: self.readouts,
        };
        let mut out = bincode::serialize(&header).expect("a header always encodes");
        bincode::serialize_into(&mut out, &state).expect("in-memory state always encodes");
        out
    }

    /// The simulation of `config` at the checkpoint `bytes` (from
    /// [`Simulation::checkpoint`] of a run of the same config).
    pub fn from_checkpoint(config: &Config, bytes: &[u8]) -> Result<Self, CheckpointError> {
        let mut reader = bytes;
        let header: Header = bincode::deserialize_from(&mut reader)
            .map_err(|e| CheckpointError::Decode(e.to_string()))?;
        if header.magic != MAGIC {
            return Err(CheckpointError::Decode("not a trabecula checkpoint".into()));
        }
        if header.format != CHECKPOINT_FORMAT || header.software_version != crate::VERSION {
            return Err(CheckpointError::Version {
                found_format: header.format,
                found_version: header.software_version,
                format: CHECKPOINT_FORMAT,
                version: crate::VERSION.to_string(),
            });
        }
        let state: State<'static> = bincode::deserialize_from(&mut reader)
            .map_err(|e| CheckpointError::Decode(e.to_string()))?;
        if !reader.is_empty() {
            return Err(CheckpointError::Decode(format!(
                "{} bytes left over",
                reader.len()
            )));
        }
        let lattice = state.lattice.into_owned();
        let mut sim = Simulation::new(config, lattice)?;
        let total = sim.clock().total_steps();
        if state.seed != config.run.seed || state.total_steps != total || state.step > total {
            return Err(CheckpointError::Mismatch(format!(
                "seed {} and step {} of {}, the config has seed {} and {total} steps",
                state.seed, state.step, state.total_steps, config.run.seed
            )));
        }
        let w = &mut sim.world;
        let n_cells = w.fields.grid().dims.len();
        let n_voxels = w.lattice.dims.len();
        if state.mask.data.len() != n_voxels
            || state.memory.site.len() != n_voxels
            || state.resorbed_per_cell_um3.len() != n_cells
            || state.signals.grid != *w.fields.grid()
        {
            return Err(CheckpointError::Mismatch("array sizes differ".into()));
        }
        w.mask = state.mask.into_owned();
        w.memory = state.memory.into_owned();
        w.fields.restore(state.fields)?;
        w.signals = state.signals.into_owned();
        w.surface = state.surface.into_owned();
        w.osteoclasts = state.osteoclasts.into_owned();
        w.osteoblasts = state.osteoblasts.into_owned();
        w.tcells = state.tcells.into_owned();
        w.pool = state.pool.into_owned();
        w.bmus = state.bmus.into_owned();
        w.bone_sum = state.bone_sum;
        w.resorbed_per_cell_um3 = state.resorbed_per_cell_um3.into_owned();
        w.mineralizing = state.mineralizing.into_owned();
        w.totals = state.totals.into_owned();
        w.ids = CellIds::starting_at(state.next_cell_id);
        sim.step = state.step;
        sim.started = state.started;
        sim.last_totals = state.last_totals.into_owned();
        sim.pharmacology.restore(state.pharmacology);
        sim.baseline = state.baseline.into_owned();
        sim.readouts = state.readouts;
        Ok(sim)
    }
}
