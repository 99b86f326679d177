//! The bytes each command holds, per lattice voxel and per field cell, counted from
//! the arrays the code allocates. Each constant names the arrays it counts; the
//! phases of a command are summed from them in [`super::estimate`].
//!
//! Lattice voxels: `N = nx ny nz`. Field cells: `C`, the lattice coarsened by
//! `fields.coarsening` per axis, rounded up ([`crate::fields::FieldGrid`]). Every
//! run holds all seven species on the field grid, and the steady solver solves all
//! seven ([`crate::fields::Fields::solve_steady`]).

/// `Lattice::bone_fraction`, f32.
pub const LATTICE: f64 = 4.0;
/// A `BoneMask`, one byte per voxel (`World::mask`, the mask morphometry reads).
pub const MASK: f64 = 1.0;
/// `VoxelMemory`: mineral_fraction f32 4, refill_target f32 4, site u32 4, depth u8
/// 1, up u8 1, osteoid_steps u16 2, flags u8 1, bisphosphonate_fmol f32 4.
pub const VOXEL_MEMORY: f64 = 21.0;
/// `Surface::surface` and `Surface::lining`, u32 voxel indices: at most a quarter
/// of the voxels are bone surface at the resolutions the model runs at (BS/TV below
/// 12/mm at 20 um), two lists of 4 bytes.
pub const SURFACE_LISTS: f64 = 2.0;

/// One local-thickness map (`morphometry::local_thickness`): the squared distance
/// transform u32 4 (while it is built, its z-pass slabs u32 4 more), the radius map
/// u32 4, and the distance ridge, 16-byte centres on at most an eighth of the voxels,
/// collected per plane and then flattened (2 x 2 bytes per voxel).
pub const THICKNESS: f64 = 12.0;
/// `morphometry::measure`, all five parallel branches live at once (the bound at
/// any thread count: rayon may start every branch): Tb.Th and Tb.Sp,
/// [`THICKNESS`] each; Tb.N, the mid-axes mask 1 and marrow features d, f u32 4 + 4
/// with their z-pass slabs 4 + 4 (17); bone components, union-find parents u32 4;
/// the purified mask for Conn.D, the loaded-component mask 1 and a labelling of the
/// marrow: parents, roots, sizes u32 4 + 4 + 4 and touches 1 (14).
pub const MORPHOMETRY: f64 = 2.0 * THICKNESS + 17.0 + 4.0 + 14.0;
/// The synthetic generator (`lattice::synthetic::calibrate`): element labels u32 4
/// and the mask derived from them 1; then the lattice [`LATTICE`] and its mask.
pub const GENERATOR: f64 = 5.0;
/// With `thickness_cv > 0` the generator also measures its own Tb.Th: the mask, a
/// copy of it and one [`THICKNESS`] map.
pub const GENERATOR_THICKNESS: f64 = 2.0 * MASK + THICKNESS;
/// One f32 volume written to HDF5: the writer's copy of the values as bytes
/// (`hdf5-pure` stages a copy) and its deflated chunks (at most as large).
pub const VOLUME_WRITE: f64 = 2.0 * 4.0;
/// A snapshot: bone fraction and mineral fraction, two [`VOLUME_WRITE`]s.
pub const SNAPSHOT_WRITE: f64 = 2.0 * VOLUME_WRITE;

/// Per field cell, the fields (`Fields`): conc and source, 7 species f32 each
/// (28 + 28), uptake allocated for up to all 7 (28), geometry marrow fraction and
/// conductance f32 (8).
pub const FIELDS_PER_CELL: f64 = 28.0 + 28.0 + 28.0 + 8.0;
/// Per field cell, the rest of the world on the field grid: `World::resorbed_per_cell_um3`
/// f64 8, `Signals` five f32 fields 20, the secretion accumulators `SourceBuffers`
/// five f64 40.
pub const WORLD_PER_CELL: f64 = 8.0 + 20.0 + 40.0;
/// Per field cell, the steady solver (`fields::multigrid::Multigrid`, built at the
/// first solve): finest conductance f32 4, solution and right-hand side f64 for 7
/// species (112), uptake copies f32 (28); the coarse levels hold at most a seventh
/// of the finest level's cells (each level halves every axis) at x, b, diag, inv_diag
/// f64 for 7 species (224), uptake f32 (28) and face operator f32 fx, fy, fz, cap,
/// w_int, w_bnd (24) plus widths (8): 284 / 7.
pub const MULTIGRID_PER_CELL: f64 = 4.0 + 112.0 + 28.0 + 284.0 / 7.0;

/// Checkpoint state per voxel: lattice, mask and voxel memory, plus the surface lists.
pub const STATE_PER_VOXEL: f64 = LATTICE + MASK + VOXEL_MEMORY + SURFACE_LISTS;
/// Checkpoint state per field cell: geometry f32 8, conc f32 28, steady solution f64
/// 56, signals 20, resorption f64 8.
pub const STATE_PER_CELL: f64 = 8.0 + 28.0 + 56.0 + 20.0 + 8.0;
/// The clone `Fields::state` takes before encoding: geometry, conc and the f64
/// solutions (8 + 28 + 56).
pub const STATE_CLONE_PER_CELL: f64 = 8.0 + 28.0 + 56.0;
/// Copies of the encoded checkpoint alive at once while it is written: the bincode
/// blob, the HDF5 writer's staged copy, and its deflated chunks (at most as large).
pub const STATE_COPIES: f64 = 3.0;

/// Bytes not proportional to the lattice: the program, the runtime and allocator
/// arenas, the worker threads' stacks in use, the cell populations and the output
/// tables' row buffers (the process holds about 5 MiB before it reads anything).
pub const BASE_BYTES: f64 = 16.0 * 1024.0 * 1024.0;
/// Margin on the counted arrays for what the count leaves out (allocator slack,
/// vectors grown by doubling, cells and events accumulating over a long run).
pub const MARGIN: f64 = 1.10;
