//! `trabecula check CONFIG`: validate only, listing every problem with its key; then
//! the peak memory `run` and `lattice` would need ([`crate::footprint`]) next to the
//! memory available here.
//!
//! A valid config that is merely too large for this machine still passes (exit 0):
//! configs are checked on a login node and run elsewhere. `check` then warns, on
//! stderr, that a run here would be refused, with the message the run would give.
//!
//! The memory guard of the commands that allocate lives here too: each calls one of
//! the `guard_*` functions right after reading its input and before building
//! anything; a refusal is bad input (exit status 2) unless `--skip-memory-check`.

use std::path::Path;

use super::{ConfigArgs, InputError};
use crate::config::{self, Config};
use crate::footprint::{self, ConfigSource, Estimate, Workload};
use crate::lattice::import::RawSpec;
use crate::validate::{runner, scenarios::ARMS, Scale};

/// Validates the config; on success prints a one-line summary and the memory
/// estimate (unless quiet), and warns when a run here would be refused.
pub fn run(args: &ConfigArgs, quiet: bool) -> anyhow::Result<()> {
    let config = args.load()?;
    if !quiet {
        println!("{}: ok", args.config.display());
    }
    let text = std::fs::read_to_string(&args.config).ok();
    let name = args.config.display().to_string();
    let source = ConfigSource {
        name: &name,
        text: text.as_deref(),
        overrides: &args.set,
    };
    let run = footprint::for_config(&config, Workload::Run, &source);
    let lattice = footprint::for_config(&config, Workload::Lattice, &source);
    let available = footprint::available();
    if !quiet {
        for e in [&run, &lattice].into_iter().flatten() {
            println!("memory: `{}` needs {}", e.command, e.summary());
        }
        if let Some(a) = &available {
            println!(
                "memory available here: {} ({})",
                footprint::human_bytes(a.bytes),
                a.source
            );
        }
    }
    if let (Some(e), Some(a)) = (&run, &available) {
        if let Err(refusal) = footprint::refuse(e, a) {
            eprintln!("warning: a run here would be refused: {refusal}");
        }
    }
    Ok(())
}

/// Refuses `estimate` when it does not fit the memory available, unless `skip`.
/// Nothing is refused without an estimate or where the platform does not say how
/// much memory is available.
fn guard(estimate: Option<Estimate>, skip: bool) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let (Some(e), Some(a)) = (estimate, footprint::available()) else {
        return Ok(());
    };
    footprint::refuse(&e, &a).map_err(|r| InputError(r.to_string()).into())
}

/// The guard of `run` and `lattice`: the config loaded from `args`.
pub(super) fn guard_config(
    args: &ConfigArgs,
    config: &Config,
    workload: Workload,
    skip: bool,
) -> anyhow::Result<()> {
    guard_config_file(&args.config, &args.set, config, workload, skip)
}

/// The guard of a config read from `path` with `overrides` (`sweep run`: a task's
/// config).
pub(super) fn guard_config_file(
    path: &Path,
    overrides: &[config::Override],
    config: &Config,
    workload: Workload,
    skip: bool,
) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).ok();
    let name = path.display().to_string();
    let source = ConfigSource {
        name: &name,
        text: text.as_deref(),
        overrides,
    };
    guard(footprint::for_config(config, workload, &source), skip)
}

/// The guard of `resume`: the run's config as stored in `file`. A file that cannot
/// be read passes here; `resume` then says what is wrong with it.
pub(super) fn guard_resume(file: &Path, skip: bool) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let Ok(reader) = crate::output::OutputReader::open(file) else {
        return Ok(());
    };
    let text = reader.meta().config_toml.clone();
    drop(reader);
    let name = format!("{}:/config", file.display());
    let base = file.parent().unwrap_or(Path::new("."));
    let Ok(config) = config::parse(&text, &name, base, &[]) else {
        return Ok(());
    };
    let source = ConfigSource {
        name: &name,
        text: Some(&text),
        overrides: &[],
    };
    guard(
        footprint::for_config(&config, Workload::Resume, &source),
        skip,
    )
}

/// The guard of `measure` on a NRRD or raw volume, from its header (or the raw
/// flags). HDF5 files, and volumes whose header cannot be read (the reader then
/// reports why), pass.
pub(super) fn guard_volume(path: &Path, raw: Option<&RawSpec>, skip: bool) -> anyhow::Result<()> {
    let hdf5 = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("h5" | "hdf5")
    );
    if skip || hdf5 {
        return Ok(());
    }
    guard(footprint::for_volume(path, raw).ok(), skip)
}

/// The guard of `validate`: its runs side by side, as many as there are threads
/// (or runs, if fewer), each on the lattice of `scale`.
pub(super) fn guard_validate(scale: &Scale, threads: usize, skip: bool) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let Some(arm) = ARMS.first() else {
        return Ok(());
    };
    let text = runner::config_text(arm, scale, runner::VALIDATION_SEED);
    let Ok(config) = config::parse(&text, "validate", Path::new("."), &scale.overrides) else {
        return Ok(());
    };
    let runs: usize = ARMS.iter().map(|a| scale.replicates_of(a) as usize).sum();
    let at_once = threads.clamp(1, runs.max(1));
    let source = ConfigSource {
        name: "validate",
        text: Some(&text),
        overrides: &scale.overrides,
    };
    let estimate = footprint::for_config(&config, Workload::Validate { runs_at_once: at_once }, &source)
        .map(|mut e| {
            let [nx, ny, nz] = scale.shape_voxels;
            e.size = format!(
                "the {} validation set ({runs} runs on {nx} x {ny} x {nz} voxels, {at_once} at once on --threads {threads})",
                if scale.quick { "quick" } else { "full" }
            );
            e
        });
    guard(estimate, skip)
}
