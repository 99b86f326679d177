//! The validated configuration: typed values with units in their names.
//!
//! Serializing a [`Config`] gives TOML that validates back to the same value; that
//! text is what output files record under `/config`, so a result file always says
//! exactly what produced it (defaults filled in, relative paths resolved).

use std::path::PathBuf;

use serde::Serialize;

/// A validated configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    /// Run-wide settings.
    pub run: RunConfig,
    /// Where the bone lattice comes from.
    pub lattice: LatticeConfig,
    /// Cytokine fields: grid, transport per species, binding, solver tolerances.
    pub fields: super::fields::FieldsConfig,
    /// Serum estradiol over the run.
    pub estrogen: super::estrogen::EstrogenConfig,
    /// Parameters of the cell rules.
    pub cells: super::cells::CellsConfig,
    /// Effect parameters of the drugs (`[pharmacology]`).
    pub pharmacology: super::drugs::PharmacologyParams,
    /// Mapping to the clinical readouts (`[clinical]`).
    pub clinical: super::clinical::ClinicalConfig,
    /// Drug schedule entries (`[[drug]]`), in file order.
    #[serde(rename = "drug", skip_serializing_if = "Vec::is_empty")]
    pub drugs: Vec<super::drugs::DrugConfig>,
}

/// Run-wide settings (`[run]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunConfig {
    /// Seed of every random stream in the run (`run.seed`, default 1).
    pub seed: u64,
    /// Simulated days recorded (`run.days`, integer [1, 36500], default 365).
    pub days: u32,
    /// Days simulated before day 0 and not recorded, so that remodeling reaches its
    /// steady state from the initially quiescent lattice (`run.spinup_days`, integer
    /// [0, 36500], default 0). Estrogen stays at its day-0 level during spin-up.
    pub spinup_days: u32,
    /// Length of one cell step, hours (`run.step_hours`, a divisor of 24, default 24).
    pub step_hours: u32,
    /// Days between rows of the time series, morphometry included
    /// (`run.measure_every_days`, integer [1, 36500], default 30).
    pub measure_every_days: u32,
    /// Days between the rows that carry the structural morphometry: Tb.Th, Tb.Sp,
    /// Tb.N, Conn.D, the Euler characteristic and the component count
    /// (`run.structure_every_days`, integer [0, 36500], a multiple of
    /// `run.measure_every_days`; default: every row; 0: never). Other rows hold NaN
    /// in those columns. The distance transforms behind them are most of the cost of
    /// a row (about a fifth of a run on a 1.2 mm cube measured monthly), and runs read
    /// only for BV/TV, BMD or markers (`trabecula validate`) can skip them.
    pub structure_every_days: u32,
    /// Days between snapshots of the lattice and thickness histograms
    /// (`run.snapshot_every_days`, integer [0, 36500], default 0: the last day only).
    pub snapshot_every_days: u32,
    /// Cell steps between quasi-steady field solves (`run.field_solve_every_steps`,
    /// integer [1, 1000], default 1: every step). Cytokines relax in minutes, but the
    /// cells that make them change over days, so solving every few steps is a
    /// controlled approximation for long runs.
    pub field_solve_every_steps: u32,
    /// Simulated days (spin-up included) between checkpoints written into the output
    /// file, from which `trabecula resume` continues an interrupted run
    /// (`run.checkpoint_every_days`, integer [0, 36500], default 365; 0: none, except
    /// the one written when the run is stopped by SIGTERM or SIGINT).
    pub checkpoint_every_days: u32,
}

/// The lattice (`[lattice]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatticeConfig {
    /// Edge of one cubic voxel, micrometres (`lattice.voxel_um`, [1, 100]; default 20 for
    /// synthetic lattices, the volume's own spacing for imports when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voxel_um: Option<f64>,
    /// Lattice shape `[nx, ny, nz]`, voxels, of a synthetic lattice (from
    /// `lattice.shape_voxels`, or `lattice.side_mm` / `voxel_um` rounded; default a
    /// 3 mm cube). Imported volumes take their shape from the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape_voxels: Option<[usize; 3]>,
    /// The source: a generated or an imported volume.
    #[serde(flatten)]
    pub source: LatticeSource,
}

/// Where the lattice comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LatticeSource {
    /// `[lattice.synthetic]`: a generated rod and plate network.
    Synthetic(SyntheticConfig),
    /// `[lattice.import]`: a micro-CT volume.
    Import(ImportConfig),
}

/// `[lattice.synthetic]`: the requested microarchitecture. Keys left out take the
/// preset's values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyntheticConfig {
    /// Preset name: `iliac_crest`, `lumbar_vertebra` or `femoral_head`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Bone volume fraction BV/TV, (0, 0.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bv_tv: Option<f64>,
    /// Trabecular thickness Tb.Th, millimetres, [0.02, 1].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tb_th_mm: Option<f64>,
    /// Trabecular separation Tb.Sp, millimetres, [0.05, 5].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tb_sp_mm: Option<f64>,
    /// Trabecular number Tb.N, per millimetre, [0.2, 10] (instead of Tb.Sp): sets the
    /// spacing to `1/Tb.N - Tb.Th` (the measured Tb.N, from the mid-axes, differs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tb_n_per_mm: Option<f64>,
    /// Degree of anisotropy, main axis z, [1, 4].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anisotropy: Option<f64>,
    /// Fraction of plates among the elements, 0 (rods) to 1 (plates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plate_fraction: Option<f64>,
    /// Coefficient of variation of the element thickness, [0, 0.8].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thickness_cv: Option<f64>,
}

/// `[lattice.import]`: a micro-CT volume, segmented and resampled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportConfig {
    /// The file, resolved against the config file's directory.
    pub path: PathBuf,
    /// File format (default: from the extension).
    #[serde(flatten)]
    pub format: ImportFormat,
    /// Segmentation threshold (grey value, or `"otsu"`, the default).
    pub threshold: ThresholdConfig,
}

/// Format of an imported volume.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "format", content = "raw", rename_all = "snake_case")]
pub enum ImportFormat {
    /// NRRD (`.nrrd`, `.nhdr`): shape, type, endianness and spacing from the header.
    Nrrd,
    /// Headerless binary described by `[lattice.import.raw]`.
    Raw(RawConfig),
}

/// `[lattice.import.raw]`: what a raw binary volume holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RawConfig {
    /// Shape `[nx, ny, nz]`, voxels (x fastest in the file).
    pub shape_voxels: [usize; 3],
    /// Sample type: uint8, int8, uint16, int16, uint32, int32, float32 or float64.
    pub dtype: String,
    /// Byte order of multi-byte samples (`endian = "big"`; default little).
    #[serde(rename = "endian", serialize_with = "endian_name")]
    pub big_endian: bool,
    /// Voxel spacing along x, y, z, micrometres.
    pub spacing_um: [f64; 3],
    /// Bytes to skip before the samples.
    pub header_bytes: u64,
}

fn endian_name<S: serde::Serializer>(big: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *big { "big" } else { "little" })
}

/// Segmentation threshold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ThresholdConfig {
    /// Otsu's automatic threshold.
    #[serde(serialize_with = "otsu_name")]
    Otsu,
    /// Bone where the grey value is at least this.
    Value(f64),
}

fn otsu_name<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("otsu")
}
