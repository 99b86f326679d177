//! Helpers the integration tests share: the binary runner, small files, the base
//! configs, and the comparison of output files ([`contents`]).
//!
//! Each test file that needs them says `mod common;` and uses what it needs; the
//! rest is unused in that test binary, hence the `dead_code` allowance.

#![allow(dead_code)]

pub mod contents;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `trabecula` binary, outside any SLURM job: the task id and CPU count a test
/// machine's own job may set are removed, so each test states its own.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trabecula"));
    c.env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_CPUS_PER_TASK");
    c
}

/// Runs the binary with `args` to the end.
pub fn trabecula(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

/// Standard error of a finished process, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output of a finished process, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit status of a finished process (`None` when a signal ended it).
pub fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// Asserts a zero exit, printing the status and stderr otherwise.
pub fn ok(o: &Output) -> &Output {
    assert!(
        o.status.success(),
        "failed ({:?}): {}",
        o.status.code(),
        stderr(o)
    );
    o
}

/// A path as `&str` for an argument list.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file of the repository (`configs/...`, `tests/fixtures/...`), absolute.
pub fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .to_string_lossy()
        .into_owned()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A synthetic iliac-crest config: `run` is the body of `[run]`, `lattice` that of
/// `[lattice]`, `more` any further tables. Line 1 is `[run]`, so the line numbers
/// of messages follow from the bodies.
pub fn iliac_config(run: &str, lattice: &str, more: &str) -> String {
    format!(
        "[run]\n{run}\n[lattice]\n{lattice}\n[lattice.synthetic]\npreset = \"iliac_crest\"\n{more}"
    )
}

/// The 1.2 mm cube at 20 um (60^3 voxels) with seed 5 that the lattice tests write.
pub fn small_lattice_config() -> String {
    iliac_config("seed = 5", "voxel_um = 20\nside_mm = 1.2", "")
}

/// Tables that make a small domain busy: activation raised tenfold so that many
/// sites and cells compete for voxels, a menopause at day 30 over 60 days, and the
/// load solve marking bone in disuse; fields solved to 1e-3. What a thread-timing
/// dependence, or a state a checkpoint forgets, would show up in.
pub const BUSY: &str = "[fields]\nsteady_tolerance = 1e-3\n\n\
[estrogen]\nschedule = \"menopause\"\nmenopause_start_day = 30\nmenopause_duration_days = 60\n\n\
[cells.precursor]\ninitiation_per_mm2_per_day = 0.2\n\n\
[cells.mechanics]\ndisuse_usage = 0.05\n";

/// The busy config ([`BUSY`]) on a `shape` of 20 um voxels with `run` as the body
/// of `[run]` and `more` (drugs, say) after it.
pub fn busy_config(run: &str, shape: [usize; 3], more: &str) -> String {
    let lattice = format!(
        "voxel_um = 20.0\nshape_voxels = [{}, {}, {}]",
        shape[0], shape[1], shape[2]
    );
    iliac_config(run, &lattice, &format!("\n{BUSY}{more}"))
}

/// Validates config `text` (named `test.toml`, paths relative to `.`) without the
/// generator's rules.
pub fn parse(text: &str) -> Result<trabecula::config::Config, trabecula::config::ConfigError> {
    trabecula::config::parse(text, "test.toml", Path::new("."), &[])
}

/// As [`parse`], with `--set` overrides such as `run.days=10`.
pub fn parse_with(
    text: &str,
    sets: &[&str],
) -> Result<trabecula::config::Config, trabecula::config::ConfigError> {
    let o: Vec<trabecula::config::Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    trabecula::config::parse(text, "test.toml", Path::new("."), &o)
}

/// Transport of `species` in solver units: diffusion `d` um^2/s, decay `lambda` 1/s.
pub fn species_params(
    species: trabecula::fields::Species,
    d: f64,
    lambda: f64,
    boundary: trabecula::fields::Boundary,
) -> trabecula::fields::SpeciesParams {
    trabecula::fields::SpeciesParams {
        species,
        diffusion_um2_per_s: d,
        decay_per_s: lambda,
        boundary,
    }
}

/// Fields of species `p` on `dims` cells of `dx_um`, all marrow.
pub fn marrow_fields(
    dims: trabecula::grid::Dims,
    dx_um: f64,
    p: Vec<trabecula::fields::SpeciesParams>,
    settings: trabecula::fields::SolverSettings,
) -> trabecula::fields::Fields {
    use trabecula::fields::{FieldGrid, Fields, Geometry};
    let grid = FieldGrid::uniform(dims, dx_um).unwrap();
    Fields::new(grid, Geometry::marrow(dims, 0.0), p, settings).unwrap()
}
