//! trabecula: an agent-based simulator of trabecular bone remodeling at the level of
//! single cells.
//!
//! The library holds everything; the `trabecula` binary is a thin command-line layer
//! over it. The pieces, one concept per module:
//!
//! - [`config`]: TOML configuration, read into a raw form and validated in one place.
//! - [`grid`]: dense 3-D voxel grids, the bone mask and voxel neighbourhoods.
//! - [`lattice`]: the voxel lattice of bone volume fraction, the synthetic trabecular
//!   generator and micro-CT import.
//! - [`morphometry`]: BV/TV, thickness and spacing by distance transform, Euler
//!   characteristic and connectivity density, components, the simple-point test.
//! - [`fields`]: cytokine reaction-diffusion on a coarsened grid, binding equilibria,
//!   the quasi-steady and implicit solvers.
//! - [`cells`]: the cell populations (osteoclasts and their precursors, osteoblasts
//!   and lining cells, T-cells, the marrow background) and their rules.
//! - [`pharmacology`]: what cells are exposed to each step: estrogen sources and drugs
//!   (aromatase inhibitors, tamoxifen, goserelin, bisphosphonates, denosumab, teriparatide).
//! - [`error`]: bad input that is not a config problem ([`error::InputError`]), for
//!   any layer to raise.
//! - [`files`]: writing to paths a user named: one writer per output (a lock), and
//!   temporary files that cannot take a user's file's name.
//! - [`output`]: the HDF5 result file; the only module that touches the HDF5 crate.
//! - [`random`]: counter-based random streams keyed by (seed, step, id, purpose).
//! - [`sim`]: the engine: step clock, pipeline stages, clinical readouts.
//! - [`sweep`]: parameter sweeps: sweep files, plans, tasks, SLURM array scripts,
//!   collected results.
//! - [`validate`]: the calibration targets of the science reference, run and compared.
//! - [`footprint`]: the peak memory a command will need, against the memory available,
//!   checked before the work starts.
//! - [`cli`]: the commands behind the binary.

pub mod cells;
pub mod cli;
pub mod config;
pub mod error;
pub mod fields;
pub mod files;
pub mod footprint;
pub mod grid;
pub mod lattice;
pub mod morphometry;
pub mod output;
pub mod pharmacology;
pub mod random;
pub mod sim;
pub mod sweep;
pub mod validate;

/// Version of this software, recorded in every output file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Git revision this build came from ("unknown" outside a checkout; "-dirty" when
/// tracked files had uncommitted changes), recorded in every output file.
pub const GIT_REVISION: &str = env!("TRABECULA_GIT_REVISION");
