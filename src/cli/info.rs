//! `trabecula info OUT.h5 [--json]`: what a result file holds, read from its
//! metadata without loading the volumes.
//!
//! Provenance (format and software version, git revision, creation time, command,
//! seed, threads), whether the run completed and whether a checkpoint is stored (and
//! its simulated day), a
//! summary of the recorded configuration (lattice source and size, the `[run]`
//! keys), the initial lattice (shape, voxel size, metrics with units), the
//! snapshots, the time series and event tables (columns with units, row counts,
//! days simulated) and every dataset with its shape and type.
//!
//! A file that is not a readable trabecula output file is the input's fault: the
//! command fails with the reader's message and exit code 2.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::InputError;
use crate::output::{ColumnInfo, DatasetInfo, OutputError, OutputReader};

/// Arguments of `trabecula info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// A trabecula output file (.h5).
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Everything `info` reports; the JSON output is this object.
#[derive(Debug, Serialize)]
struct Info {
    file: String,
    format_version: u32,
    software: String,
    software_version: String,
    git_revision: String,
    created: String,
    command: String,
    seed: u64,
    threads: u32,
    complete: bool,
    has_checkpoint: bool,
    /// Simulated day of the checkpoint, if there is one.
    checkpoint_day: Option<f64>,
    config: ConfigSummary,
    lattice: Option<LatticeSummary>,
    snapshots: Vec<SnapshotSummary>,
    timeseries: TimeSeriesSummary,
    events: Vec<EventTableSummary>,
    datasets: Vec<DatasetInfo>,
}

/// The recorded configuration, reduced to what identifies the run.
#[derive(Debug, Serialize)]
struct ConfigSummary {
    /// `synthetic` or `import` (the sub-table of `[lattice]`), if recognised.
    lattice_source: Option<String>,
    /// The keys of `[lattice]` without sub-tables (`voxel_um`, `shape_voxels`).
    lattice: toml::Table,
    /// The keys of the source's sub-table (`preset`, `path`, ...).
    lattice_settings: toml::Table,
    /// The keys of `[run]`.
    run: toml::Table,
    /// Why the configuration text could not be read as TOML, if it could not.
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct LatticeSummary {
    /// `[nx, ny, nz]`, voxels.
    dims: [usize; 3],
    voxel_um: f64,
    /// Extents along x, y, z, millimetres.
    size_mm: [f64; 3],
    metrics: Vec<MetricSummary>,
}

#[derive(Debug, Serialize)]
struct MetricSummary {
    name: String,
    value: f64,
    units: String,
}

#[derive(Debug, Serialize)]
struct SnapshotSummary {
    name: String,
    day: f64,
    fields: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TimeSeriesSummary {
    columns: Vec<ColumnInfo>,
    rows: u64,
    /// The `day` of the last row; `None` without rows.
    days_simulated: Option<f64>,
}

#[derive(Debug, Serialize)]
struct EventTableSummary {
    name: String,
    columns: Vec<ColumnInfo>,
    rows: u64,
}

/// Runs the command.
pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    // Whatever keeps the file from being read is the input's fault: exit code 2.
    let info = gather(&args.file).map_err(|e| InputError(e.to_string()))?;
    if args.json {
        println!("{}", serde_json::to_string(&info)?);
    } else {
        print!("{}", render(&info));
    }
    Ok(())
}

fn gather(path: &std::path::Path) -> Result<Info, OutputError> {
    let reader = OutputReader::open(path)?;
    let meta = reader.meta().clone();
    let lattice = match reader.lattice_info()? {
        None => None,
        Some(v) => {
            let d = v.dims;
            // Rounded to 0.1 nm so 3 x 0.1 prints as 0.3, not 0.30000000000000004.
            let mm = |n: usize| (n as f64 * v.voxel_um * 10.0).round() / 10_000.0;
            Some(LatticeSummary {
                dims: [d.nx, d.ny, d.nz],
                voxel_um: v.voxel_um,
                size_mm: [mm(d.nx), mm(d.ny), mm(d.nz)],
                metrics: reader
                    .read_metrics()?
                    .into_iter()
                    .map(|m| MetricSummary {
                        name: m.name,
                        value: m.value,
                        units: m.units,
                    })
                    .collect(),
            })
        }
    };
    let snapshots = reader
        .list_snapshots()?
        .into_iter()
        .map(|s| SnapshotSummary {
            name: s.name,
            day: s.day,
            fields: s.fields,
        })
        .collect();
    let ts = reader.timeseries_info()?;
    let events = reader
        .list_event_tables()?
        .into_iter()
        .map(|name| {
            let t = reader.event_table_info(&name)?;
            Ok(EventTableSummary {
                name,
                columns: t.columns,
                rows: t.rows,
            })
        })
        .collect::<Result<_, OutputError>>()?;
    // A checkpoint group that cannot be read still counts as present.
    let has_checkpoint = reader.has_checkpoint()?;
    let checkpoint_day = has_checkpoint
        .then(|| reader.checkpoint_info().ok().flatten().map(|c| c.day))
        .flatten();
    Ok(Info {
        file: path.display().to_string(),
        format_version: meta.format_version,
        software: meta.software,
        software_version: meta.software_version,
        git_revision: meta.git_revision,
        created: meta.created,
        command: meta.command,
        seed: meta.seed,
        threads: meta.threads,
        complete: reader.is_complete()?,
        has_checkpoint,
        checkpoint_day,
        config: summarize_config(&meta.config_toml),
        lattice,
        snapshots,
        timeseries: TimeSeriesSummary {
            columns: ts.columns,
            rows: ts.rows,
            days_simulated: ts.last_day,
        },
        events,
        datasets: reader.list_datasets()?,
    })
}

/// Picks the lattice and run settings out of the recorded TOML. A file whose text
/// does not parse still gets a report, with the parse error in place of them.
fn summarize_config(text: &str) -> ConfigSummary {
    let mut summary = ConfigSummary {
        lattice_source: None,
        lattice: toml::Table::new(),
        lattice_settings: toml::Table::new(),
        run: toml::Table::new(),
        error: None,
    };
    let root: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            summary.error = Some(e.message().to_string());
            return summary;
        }
    };
    if let Some(toml::Value::Table(run)) = root.get("run") {
        summary.run = run.clone();
    }
    if let Some(toml::Value::Table(lattice)) = root.get("lattice") {
        for (key, value) in lattice {
            match value {
                toml::Value::Table(t) if summary.lattice_source.is_none() => {
                    summary.lattice_source = Some(key.clone());
                    summary.lattice_settings = t.clone();
                }
                toml::Value::Table(_) => {}
                v => {
                    summary.lattice.insert(key.clone(), v.clone());
                }
            }
        }
    }
    summary
}

/// The report for people.
fn render(info: &Info) -> String {
    let mut out = String::new();
    let mut line = |key: &str, value: String| out.push_str(&format!("{key:<14}{value}\n"));
    line("file", info.file.clone());
    line(
        "format",
        format!(
            "{} output, format version {}",
            info.software, info.format_version
        ),
    );
    line(
        "software",
        format!("{} (git {})", info.software_version, info.git_revision),
    );
    line("created", info.created.clone());
    line("command", info.command.clone());
    line("seed", info.seed.to_string());
    line("threads", info.threads.to_string());
    let status = if info.complete {
        "complete"
    } else {
        "incomplete (the run did not mark it complete)"
    };
    line("status", status.to_string());
    let checkpoint = match (info.has_checkpoint, info.checkpoint_day) {
        (true, Some(day)) if !info.complete => {
            format!(
                "yes, at day {day}; continue with: trabecula resume {}",
                info.file
            )
        }
        (true, Some(day)) => format!("yes, at day {day}"),
        (true, None) => "yes (unreadable)".to_string(),
        (false, _) => "no".to_string(),
    };
    line("checkpoint", checkpoint);

    let c = &info.config;
    match &c.error {
        Some(e) => line("config", format!("not readable as TOML: {e}")),
        None => {
            let source = c.lattice_source.as_deref().unwrap_or("unknown source");
            let settings = keys(&c.lattice_settings);
            let size = keys(&c.lattice);
            line("config", format!("lattice {source} ({settings}); {size}"));
            line("", format!("[run] {}", keys(&c.run)));
        }
    }

    match &info.lattice {
        None => line("lattice", "none".to_string()),
        Some(l) => {
            let [nx, ny, nz] = l.dims;
            let [sx, sy, sz] = l.size_mm;
            line(
                "lattice",
                format!(
                    "{nx} x {ny} x {nz} voxels (x y z) of {} um = {sx} x {sy} x {sz} mm",
                    l.voxel_um
                ),
            );
            for m in &l.metrics {
                line(
                    "",
                    format!("{:<18}{:>12}  {}", m.name, number(m.value), m.units),
                );
            }
        }
    }

    line("snapshots", info.snapshots.len().to_string());
    for s in &info.snapshots {
        let fields = if s.fields.is_empty() {
            String::new()
        } else {
            format!("; fields {}", s.fields.join(", "))
        };
        line("", format!("{} (day {}){fields}", s.name, s.day));
    }

    let ts = &info.timeseries;
    let days = ts
        .days_simulated
        .map_or(String::new(), |d| format!(", {d} days simulated"));
    line("timeseries", format!("{} rows{days}", ts.rows));
    if !ts.columns.is_empty() {
        line("", columns(&ts.columns));
    }

    line("events", info.events.len().to_string());
    for e in &info.events {
        line(
            "",
            format!("{}: {} rows; {}", e.name, e.rows, columns(&e.columns)),
        );
    }

    line("datasets", info.datasets.len().to_string());
    for d in &info.datasets {
        let shape: Vec<String> = d.shape.iter().map(u64::to_string).collect();
        line(
            "",
            format!("{:<40} {:<8} [{}]", d.path, d.dtype, shape.join(", ")),
        );
    }
    out
}

/// `key = value, ...` in TOML notation.
fn keys(table: &toml::Table) -> String {
    let pairs: Vec<String> = table.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    if pairs.is_empty() {
        "no keys".to_string()
    } else {
        pairs.join(", ")
    }
}

/// `name (units), ...`.
fn columns(columns: &[ColumnInfo]) -> String {
    let named: Vec<String> = columns
        .iter()
        .map(|c| format!("{} ({})", c.name, c.units))
        .collect();
    named.join(", ")
}

/// A value with about four significant digits, integers exactly.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_summary_picks_the_source_size_and_run_keys() {
        let s = summarize_config(
            "[run]\nseed = 7\n[lattice]\nvoxel_um = 20.0\nshape_voxels = [60, 60, 60]\n\
             [lattice.synthetic]\npreset = \"iliac_crest\"\n[fields]\ncoarsening = 2\n",
        );
        assert_eq!(s.lattice_source.as_deref(), Some("synthetic"));
        assert_eq!(keys(&s.run), "seed = 7");
        assert_eq!(
            keys(&s.lattice),
            "shape_voxels = [60, 60, 60], voxel_um = 20.0"
        );
        assert_eq!(keys(&s.lattice_settings), "preset = \"iliac_crest\"");
        assert!(s.error.is_none());
        let bad = summarize_config("[run\n");
        assert!(bad.error.is_some() && bad.lattice_source.is_none());
    }

    #[test]
    fn numbers_keep_four_digits() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.151759), "0.1518");
        assert_eq!(number(0.00012), "1.2000e-4");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
