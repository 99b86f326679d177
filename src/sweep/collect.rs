//! Gathering a sweep's results (`trabecula collect`): every planned task's
//! parameters, status and readouts in one table, and every time series in a long
//! table, written as HDF5 ([`crate::output::collection`]) and CSV.
//!
//! Tables:
//!
//! - `runs`, one row per planned task: `task`, `replicate`, `seed`, `status`
//!   (`ok`, `missing`, `incomplete`, `unreadable`), one column per axis (named by
//!   its config key, with the unit the config declares for it
//!   ([`crate::config::units`]); numbers as float64, anything else as text,
//!   without a unit), then
//!   `final_<readout>` for every time-series column: its value in the last row
//!   (`final_day` is the last day measured). Readouts are NaN (empty in CSV) for
//!   runs that are not `ok`.
//! - `timeseries`, one row per measurement of every `ok` run: `task`,
//!   `replicate`, the axis columns, then the time-series columns (`day`,
//!   `bv_tv`, ...) with their units.
//!
//! Only complete runs are collected; the others keep their row in `runs` with
//! their status and are listed by [`Collection::not_collected`].

use std::path::Path;

use toml::Value;

use super::manifest::Manifest;
use crate::output::collection::{DataColumn, DataTable, Values};
use crate::output::{OutputReader, TableData};

/// The gathered results.
#[derive(Clone, Debug, PartialEq)]
pub struct Collection {
    /// One row per planned task.
    pub runs: DataTable,
    /// One row per measurement of every collected run.
    pub timeseries: DataTable,
    /// Tasks not collected: `(task id, status, detail)`.
    pub not_collected: Vec<(usize, &'static str, String)>,
    /// Number of runs collected.
    pub collected: usize,
}

/// Reads one task's output: its status and, when complete, its time series.
fn read_run(path: &Path) -> (&'static str, String, Option<TableData>) {
    if !path.exists() {
        return (
            "missing",
            format!("{} does not exist", path.display()),
            None,
        );
    }
    let reader = match OutputReader::open(path) {
        Ok(r) => r,
        Err(e) => return ("unreadable", e.to_string(), None),
    };
    match reader.is_complete() {
        Ok(true) => {}
        Ok(false) => {
            return (
                "incomplete",
                format!("{}: the run did not finish", path.display()),
                None,
            )
        }
        Err(e) => return ("unreadable", e.to_string(), None),
    }
    match reader.read_timeseries() {
        Ok(t) => ("ok", String::new(), Some(t)),
        Err(e) => ("unreadable", e.to_string(), None),
    }
}

fn param_column(name: &str, units: &str, values: &[Option<&Value>]) -> DataColumn {
    let numeric = values
        .iter()
        .all(|v| matches!(v, None | Some(Value::Float(_)) | Some(Value::Integer(_))));
    let values = if numeric {
        Values::F64(
            values
                .iter()
                .map(|v| match v {
                    Some(Value::Float(f)) => *f,
                    Some(Value::Integer(i)) => *i as f64,
                    _ => f64::NAN,
                })
                .collect(),
        )
    } else {
        Values::Text(
            values
                .iter()
                .map(|v| match v {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                })
                .collect(),
        )
    };
    let units = match values {
        Values::Text(_) => "",
        _ => units,
    };
    DataColumn {
        name: name.to_string(),
        units: units.to_string(),
        values,
    }
}

/// The unit of each axis key as the config declares it ([`crate::config::units`]),
/// read with the first task config that can be read (each is complete); `""` for
/// a key without one, or when no task config can be read.
fn axis_units(dir: &Path, manifest: &Manifest) -> Vec<&'static str> {
    let declared = manifest
        .tasks
        .iter()
        .find_map(|t| {
            let text = std::fs::read_to_string(dir.join(&t.config)).ok()?;
            crate::config::units(&text).ok()
        })
        .unwrap_or_default();
    manifest
        .sweep
        .axes
        .iter()
        .map(|a| declared.get(a).copied().unwrap_or(""))
        .collect()
}

fn u64_column(name: &str, values: Vec<u64>) -> DataColumn {
    DataColumn {
        name: name.into(),
        units: "1".into(),
        values: Values::U64(values),
    }
}

/// Gathers the runs of the plan in `dir` described by `manifest`.
pub fn gather(dir: &Path, manifest: &Manifest) -> Collection {
    let read: Vec<_> = manifest
        .tasks
        .iter()
        .map(|t| read_run(&dir.join(&t.output)))
        .collect();
    // Readout columns: every time-series column, in order of first appearance.
    let mut readouts: Vec<(String, String)> = Vec::new();
    for (_, _, series) in &read {
        for c in series.iter().flat_map(|s| &s.columns) {
            if !readouts.iter().any(|(n, _)| n == &c.name) {
                readouts.push((c.name.clone(), c.units.clone()));
            }
        }
    }

    let axes = &manifest.sweep.axes;
    let tasks = &manifest.tasks;
    let mut runs = DataTable::default();
    runs.columns.push(u64_column(
        "task",
        tasks.iter().map(|t| t.id as u64).collect(),
    ));
    runs.columns.push(u64_column(
        "replicate",
        tasks.iter().map(|t| u64::from(t.replicate)).collect(),
    ));
    runs.columns
        .push(u64_column("seed", tasks.iter().map(|t| t.seed).collect()));
    runs.columns.push(DataColumn {
        name: "status".into(),
        units: "1".into(),
        values: Values::Text(read.iter().map(|(s, _, _)| s.to_string()).collect()),
    });
    let units = axis_units(dir, manifest);
    for (a, u) in axes.iter().zip(&units) {
        let v: Vec<Option<&Value>> = tasks.iter().map(|t| t.params.get(a)).collect();
        runs.columns.push(param_column(a, u, &v));
    }
    for (name, units) in &readouts {
        let finals = read
            .iter()
            .map(|(_, _, s)| {
                s.as_ref()
                    .and_then(|s| s.column(name))
                    .and_then(|c| c.values.last().copied())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        runs.columns.push(DataColumn {
            name: format!("final_{name}"),
            units: units.clone(),
            values: Values::F64(finals),
        });
    }

    // The long table: the rows of every collected run, one after the other.
    let mut row_task: Vec<usize> = Vec::new();
    for (i, (_, _, s)) in read.iter().enumerate() {
        row_task.extend(std::iter::repeat_n(i, s.as_ref().map_or(0, |s| s.rows())));
    }
    let mut ts = DataTable::default();
    ts.columns.push(u64_column(
        "task",
        row_task.iter().map(|&i| tasks[i].id as u64).collect(),
    ));
    ts.columns.push(u64_column(
        "replicate",
        row_task
            .iter()
            .map(|&i| u64::from(tasks[i].replicate))
            .collect(),
    ));
    for (a, u) in axes.iter().zip(&units) {
        let v: Vec<Option<&Value>> = row_task.iter().map(|&i| tasks[i].params.get(a)).collect();
        ts.columns.push(param_column(a, u, &v));
    }
    for (name, units) in &readouts {
        let mut values = Vec::with_capacity(row_task.len());
        for (_, _, s) in &read {
            let Some(s) = s else { continue };
            match s.column(name) {
                Some(c) => values.extend_from_slice(&c.values),
                None => values.extend(std::iter::repeat_n(f64::NAN, s.rows())),
            }
        }
        ts.columns.push(DataColumn {
            name: name.clone(),
            units: units.clone(),
            values: Values::F64(values),
        });
    }

    let not_collected = tasks
        .iter()
        .zip(&read)
        .filter(|(_, (s, _, _))| *s != "ok")
        .map(|(t, (s, d, _))| (t.id, *s, d.clone()))
        .collect::<Vec<_>>();
    Collection {
        collected: tasks.len() - not_collected.len(),
        runs,
        timeseries: ts,
        not_collected,
    }
}

/// A CSV cell: numbers in shortest round-trip form (NaN empty), text quoted when
/// it holds a comma, quote or line break.
fn cell(values: &Values, row: usize) -> String {
    match values {
        Values::F64(v) if v[row].is_nan() => String::new(),
        Values::F64(v) => format!("{}", v[row]),
        Values::U64(v) => v[row].to_string(),
        Values::Text(v) => quote(&v[row]),
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The table as CSV text: a header of column names, then one line per row.
pub fn to_csv(table: &DataTable) -> String {
    let mut out = table
        .columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in 0..table.rows() {
        let line: Vec<String> = table.columns.iter().map(|c| cell(&c.values, r)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_blanks() {
        let t = DataTable {
            columns: vec![
                DataColumn {
                    name: "a".into(),
                    units: "1".into(),
                    values: Values::F64(vec![0.5, f64::NAN]),
                },
                DataColumn {
                    name: "b".into(),
                    units: "1".into(),
                    values: Values::Text(vec!["x,y".into(), "q\"".into()]),
                },
            ],
        };
        assert_eq!(to_csv(&t), "a,b\n0.5,\"x,y\"\n,\"q\"\"\"\n");
    }

    #[test]
    fn parameter_units_are_the_config_declarations() {
        use super::super::manifest::{SweepInfo, TaskEntry};
        let dir = tempfile::tempdir().unwrap();
        let config = "[lattice]\nvoxel_um = 20\nside_mm = 0.6\n\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";
        std::fs::create_dir(dir.path().join("configs")).unwrap();
        std::fs::write(dir.path().join("configs/task_0000.toml"), config).unwrap();
        let axes = [
            "cells.precursor.initiation_per_mm2_per_day",
            "estrogen.level_pg_ml",
            "cells.osteoclast.resorption_um3_per_day_per_nucleus",
            "lattice.synthetic.tb_n_per_mm",
            "lattice.synthetic.preset",
            "run.seed",
        ];
        let mut manifest = Manifest {
            sweep: SweepInfo {
                name: "t".into(),
                sweep_file: String::new(),
                base_config: String::new(),
                seed: 1,
                replicates: 1,
                lhs_samples: 0,
                axes: axes.map(String::from).to_vec(),
                binary: String::new(),
                software_version: String::new(),
            },
            tasks: vec![TaskEntry {
                id: 0,
                replicate: 0,
                seed: 1,
                config: "configs/task_0000.toml".into(),
                output: "runs/task_0000.h5".into(),
                command: String::new(),
                params: toml::Table::new(),
            }],
        };
        assert_eq!(
            axis_units(dir.path(), &manifest),
            ["1/(mm^2 d)", "pg/mL", "um^3/d", "1/mm", "", "1"]
        );
        // Text columns carry no unit whatever the key.
        let text = Value::String("iliac_crest".into());
        assert_eq!(param_column("k", "1", &[Some(&text)]).units, "");
        // Without a readable task config, no unit is guessed.
        manifest.tasks[0].config = "configs/missing.toml".into();
        assert_eq!(axis_units(dir.path(), &manifest), [""; 6]);
    }
}
