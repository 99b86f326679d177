//! `trabecula collect DIR -o FILE.h5`: every run of a planned sweep in one table
//! (HDF5 and CSV); see [`crate::sweep::collect`] for the tables.
//!
//! Writes `FILE` (HDF5, tables `runs` and `timeseries`), `FILE` with the extension
//! `.csv` (the `runs` table) and `<stem>_timeseries.csv` beside it (the long
//! time-series table). Runs that are missing, incomplete or unreadable are listed
//! and kept as rows with their status; the command succeeds when at least one run
//! was collected.

use std::path::{Path, PathBuf};

use clap::Args;

use super::claim::claim;
use super::InputError;
use crate::files::write_whole;
use crate::output::collection::write_collection;
use crate::sweep::collect::{gather, to_csv};
use crate::sweep::manifest::{Manifest, MANIFEST};

/// Arguments of `trabecula collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The plan directory (written by `trabecula sweep plan`).
    pub dir: PathBuf,
    /// Output HDF5 file; the CSV tables are written beside it.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace the output files if they exist (otherwise an existing file is never touched).
    #[arg(long)]
    pub force: bool,
}

/// The CSV paths beside `h5`: the runs table and the long time-series table.
pub fn csv_paths(h5: &Path) -> (PathBuf, PathBuf) {
    let stem = h5
        .file_stem()
        .map_or("collection".into(), |s| s.to_string_lossy().into_owned());
    (
        h5.with_extension("csv"),
        h5.with_file_name(format!("{stem}_timeseries.csv")),
    )
}

/// Runs the command.
pub fn run(args: &CollectArgs, quiet: bool) -> anyhow::Result<()> {
    if args.output.extension().is_some_and(|e| e == "csv") {
        return Err(InputError(format!(
            "-o {}: give the HDF5 file (e.g. results.h5); the CSV tables are written beside it",
            args.output.display()
        ))
        .into());
    }
    let (runs_csv, ts_csv) = csv_paths(&args.output);
    let _lock = claim(
        &args.output,
        &[args.output.clone(), runs_csv.clone(), ts_csv.clone()],
        args.force,
    )?;
    let manifest = Manifest::read(&args.dir)?;
    let c = gather(&args.dir, &manifest);
    for (id, status, detail) in &c.not_collected {
        eprintln!("task {id}: {status}: {detail}");
    }
    if c.collected == 0 {
        anyhow::bail!(
            "no run of the {} planned in {} is complete; nothing written",
            manifest.tasks.len(),
            args.dir.display()
        );
    }
    let manifest_text = std::fs::read_to_string(args.dir.join(MANIFEST))?;
    let not_collected: Vec<String> = c
        .not_collected
        .iter()
        .map(|(id, s, _)| format!("{id}:{s}"))
        .collect();
    write_collection(
        &args.output,
        &[
            ("sweep", manifest.sweep.name.clone()),
            ("manifest", manifest_text),
            ("not_collected", not_collected.join(" ")),
        ],
        &[("runs", &c.runs), ("timeseries", &c.timeseries)],
    )?;
    for (path, table) in [(&runs_csv, &c.runs), (&ts_csv, &c.timeseries)] {
        write_whole(path, to_csv(table).as_bytes(), true)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    }
    if !quiet {
        eprintln!(
            "collected {} of {} runs ({} not collected) into {}, {} and {}",
            c.collected,
            manifest.tasks.len(),
            c.not_collected.len(),
            args.output.display(),
            runs_csv.display(),
            ts_csv.display()
        );
    }
    Ok(())
}
