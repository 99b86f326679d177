//! From a sweep file to its tasks: the grid of listed axes crossed with the
//! Latin-hypercube samples and the replicates, each task's overrides and seed, and
//! the validation of every planned config before anything is written.
//!
//! Task order: grid points outermost (the listed axes in key order, the last one
//! varying fastest), then the Latin-hypercube samples, then the replicates. So task
//! `id = (g * S + s) * R + r` for grid point `g`, sample `s` of `S` (S = 1 without
//! range axes) and replicate `r` of `R`.

use std::path::Path;

use toml::{Table, Value};

use super::file::{AxisKind, SweepFile};
use super::lhs;
use crate::config::reader::Reader;
use crate::config::{self, Config, ConfigError, Origin, Override};

/// One planned run.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// Index, from 0 (the SLURM array index).
    pub id: usize,
    /// Replicate index, from 0.
    pub replicate: u32,
    /// `run.seed` of the task.
    pub seed: u64,
    /// The axis values of the task: `(config key, value)` in axis order.
    pub params: Vec<(String, Value)>,
}

impl Task {
    /// Every override of the task: the fixed ones, the axis values, the seed.
    pub fn overrides(&self, sweep: &SweepFile) -> Vec<Override> {
        let mut out: Vec<Override> = sweep
            .fixed
            .iter()
            .chain(&self.params)
            .map(|(k, v)| Override {
                path: k.clone(),
                value: v.clone(),
            })
            .collect();
        out.push(Override {
            path: "run.seed".into(),
            value: Value::Integer(self.seed as i64),
        });
        out
    }
}

/// The tasks of a sweep, in task order (see the module documentation).
pub fn expand(sweep: &SweepFile) -> Vec<Task> {
    let listed: Vec<(&str, &Vec<Value>)> = sweep
        .axes
        .iter()
        .filter_map(|a| match &a.kind {
            AxisKind::Values(v) => Some((a.key.as_str(), v)),
            AxisKind::Range { .. } => None,
        })
        .collect();
    let ranged: Vec<(&str, (f64, f64))> = sweep
        .axes
        .iter()
        .filter_map(|a| match a.kind {
            AxisKind::Range { min, max } => Some((a.key.as_str(), (min, max))),
            AxisKind::Values(_) => None,
        })
        .collect();
    let ranges: Vec<(f64, f64)> = ranged.iter().map(|&(_, r)| r).collect();
    let samples = if ranged.is_empty() {
        vec![Vec::new()]
    } else {
        lhs::latin_hypercube(sweep.seed, &ranges, sweep.lhs_samples as usize)
    };
    let grid_points: usize = listed.iter().map(|(_, v)| v.len()).product();
    let mut tasks = Vec::with_capacity(sweep.task_count());
    for g in 0..grid_points {
        // Odometer decomposition, last axis fastest.
        let mut rest = g;
        let mut point = vec![Value::Boolean(false); listed.len()];
        for (i, (_, values)) in listed.iter().enumerate().rev() {
            point[i] = values[rest % values.len()].clone();
            rest /= values.len();
        }
        for sample in &samples {
            for r in 0..sweep.replicates {
                let mut params: Vec<(String, Value)> = listed
                    .iter()
                    .zip(&point)
                    .map(|((k, _), v)| (k.to_string(), v.clone()))
                    .chain(
                        ranged
                            .iter()
                            .zip(sample)
                            .map(|((k, _), &x)| (k.to_string(), Value::Float(x))),
                    )
                    .collect();
                // Axis order: the file's key order.
                params.sort_by_key(|(k, _)| sweep.axes.iter().position(|a| &a.key == k));
                tasks.push(Task {
                    id: tasks.len(),
                    replicate: r,
                    seed: lhs::replicate_seed(sweep.seed, r),
                    params,
                });
            }
        }
    }
    tasks
}

/// A task with its validated config.
#[derive(Clone, Debug)]
pub struct PlannedTask {
    /// The task.
    pub task: Task,
    /// Its complete, validated config.
    pub config: Config,
}

/// Expands the sweep and checks every task's config (base config plus the task's
/// overrides) exactly as `trabecula check` does ([`config::parse_checked`]: the
/// schema and the synthetic generator's rules). A problem with an axis or fixed
/// value is reported at its key and line in the sweep file, naming the first task
/// and the value. A problem the task's values cause at a key of the base config (a
/// side too small for an axis' Tb.Sp, say) is reported at the axes, naming that key
/// and its line in the base config. Problems of the base config alone are reported
/// as they are.
pub fn build(sweep: &SweepFile) -> Result<Vec<PlannedTask>, ConfigError> {
    let base_text = std::fs::read_to_string(&sweep.base).map_err(|error| ConfigError::Invalid {
        origin: sweep.path.display().to_string(),
        problems: vec![sweep_problem(
            sweep,
            "sweep.base",
            format!("cannot read {}: {error}", sweep.base.display()),
        )],
    })?;
    let base_dir = sweep.base.parent().unwrap_or(Path::new("/"));
    let base_origin = sweep.base.display().to_string();
    // The base config on its own first: its own problems are its own.
    config::parse(&base_text, &base_origin, base_dir, &[])?;

    // One problem per sweep key and config key, with the first task's message and
    // every task that fails there (a range axis would otherwise give one line per
    // sample).
    let mut failures: Vec<((String, String), String, Vec<usize>)> = Vec::new();
    let mut planned = Vec::new();
    for task in expand(sweep) {
        let overrides = task.overrides(sweep);
        match config::parse_checked(&base_text, &base_origin, base_dir, &overrides) {
            Ok(config) => planned.push(PlannedTask { task, config }),
            Err(ConfigError::Invalid { problems, .. }) => {
                for p in problems {
                    let (at, message) = if p.origin == Origin::CommandLine {
                        let value = overrides
                            .iter()
                            .find(|o| o.path == p.key)
                            .map(|o| format!(" (value {})", o.value))
                            .unwrap_or_default();
                        let at = sweep_key_of(sweep, &p.key);
                        (at, format!("config key `{}`: {}{value}", p.key, p.message))
                    } else {
                        base_problem(sweep, &task, &p, &base_origin)
                    };
                    let id = (at, p.key);
                    match failures.iter_mut().find(|(k, _, _)| *k == id) {
                        Some((_, _, tasks)) => {
                            if tasks.last() != Some(&task.id) {
                                tasks.push(task.id);
                            }
                        }
                        None => failures.push((id, message, vec![task.id])),
                    }
                }
            }
            Err(other) => return Err(other),
        }
    }
    let reader = Reader::new(&sweep.text, Default::default());
    for ((at, _), message, tasks) in failures {
        reader.problem(&at, format!("{message}; {}", which_tasks(&tasks)));
    }
    let problems = reader.finish(&Table::new());
    if problems.is_empty() {
        Ok(planned)
    } else {
        Err(ConfigError::Invalid {
            origin: sweep.path.display().to_string(),
            problems,
        })
    }
}

/// `in task 3` or `in 5 tasks: 3, 7, 11, 15, 19`, at most 10 ids listed.
fn which_tasks(tasks: &[usize]) -> String {
    const LISTED: usize = 10;
    match tasks {
        [one] => format!("in task {one}"),
        _ => {
            let mut ids: Vec<String> = tasks.iter().take(LISTED).map(usize::to_string).collect();
            if tasks.len() > LISTED {
                ids.push("...".into());
            }
            format!("in {} tasks: {}", tasks.len(), ids.join(", "))
        }
    }
}

/// A problem at a key of the base config that only a task's values cause: reported
/// at the task's axis (the `[axes]` table when there are several), naming the base
/// config's key and line, and the task's values.
fn base_problem(
    sweep: &SweepFile,
    task: &Task,
    p: &config::Problem,
    base_origin: &str,
) -> (String, String) {
    let at = match sweep.axes.as_slice() {
        [one] => format!("axes.{}", one.key),
        _ => "axes".to_string(),
    };
    let line = match p.origin {
        Origin::File(Some(l)) => format!(" (line {l})"),
        _ => String::new(),
    };
    let mut values = task
        .params
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if !sweep.fixed.is_empty() {
        values = format!("[fixed] and {values}");
    }
    let message = format!(
        "with {values}, the base config {base_origin} fails at `{}`{line}: {}",
        p.key, p.message
    );
    (at, message)
}

/// The sweep-file key that set config key `key` (`axes.K` or `fixed.K`); a key
/// below an axis or fixed key (`a.b` set, `a.b.c` rejected) maps to that key.
fn sweep_key_of(sweep: &SweepFile, key: &str) -> String {
    let under = |k: &str| {
        key == k || key.starts_with(&format!("{k}.")) || k.starts_with(&format!("{key}."))
    };
    if let Some(a) = sweep.axes.iter().find(|a| under(&a.key)) {
        return format!("axes.{}", a.key);
    }
    if let Some((k, _)) = sweep.fixed.iter().find(|(k, _)| under(k)) {
        return format!("fixed.{k}");
    }
    format!("sweep.{key}")
}

fn sweep_problem(sweep: &SweepFile, key: &str, message: String) -> config::Problem {
    let reader = Reader::new(&sweep.text, Default::default());
    reader.problem(key, message);
    reader.finish(&Table::new()).remove(0)
}
