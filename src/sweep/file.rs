//! Reading and validating a sweep file (see the [module documentation](super) for
//! the format).
//!
//! Validation follows the config's rules and reuses its machinery
//! ([`crate::config::reader`]): every problem of the file is reported in one pass,
//! each naming its key, its line and the valid range; unknown keys are errors with
//! the nearest valid key as a suggestion. Whether the axis and fixed keys are valid
//! *config* keys is checked later, by validating every planned config
//! ([`super::plan::build`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::config::reader::{Range, Reader, Section};
use crate::config::ConfigError;

/// Largest number of tasks a sweep may plan (a guard against a typo such as
/// `replicates = 10000` on a large grid).
pub const MAX_TASKS: usize = 100_000;

/// One parameter axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The config key it sets, e.g. `estrogen.level_pg_ml`.
    pub key: String,
    /// Its values.
    pub kind: AxisKind,
}

/// How an axis gives its values.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisKind {
    /// Listed values: every one of them, crossed with the other listed axes.
    Values(Vec<Value>),
    /// A range `{ min, max }`, sampled by Latin hypercube.
    Range {
        /// Lower end.
        min: f64,
        /// Upper end (greater than `min`).
        max: f64,
    },
}

/// A validated sweep file.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepFile {
    /// The sweep file itself (absolute).
    pub path: PathBuf,
    /// Its text (for line numbers in later messages).
    pub text: String,
    /// `sweep.name` (default: the file's stem).
    pub name: String,
    /// `sweep.base`: the base config, resolved against the sweep file's directory
    /// and made absolute.
    pub base: PathBuf,
    /// `sweep.seed`: seeds the Latin hypercube and the replicate seeds.
    pub seed: u64,
    /// `sweep.replicates`: runs per parameter point.
    pub replicates: u32,
    /// `sweep.lhs_samples`: Latin-hypercube samples (0 when no axis is a range).
    pub lhs_samples: u32,
    /// `[fixed]`: overrides applied to every task, in key order.
    pub fixed: Vec<(String, Value)>,
    /// `[axes]`, in key order.
    pub axes: Vec<Axis>,
}

impl SweepFile {
    /// Number of tasks the file plans: the grid of listed axes times the
    /// Latin-hypercube samples (1 without range axes) times the replicates.
    pub fn task_count(&self) -> usize {
        let grid: usize = self
            .axes
            .iter()
            .map(|a| match &a.kind {
                AxisKind::Values(v) => v.len(),
                AxisKind::Range { .. } => 1,
            })
            .fold(1usize, |acc, n| acc.saturating_mul(n));
        grid.saturating_mul(self.lhs_samples.max(1) as usize)
            .saturating_mul(self.replicates as usize)
    }
}

/// Reads and validates the sweep file at `path`.
pub fn load(path: &Path) -> Result<SweepFile, ConfigError> {
    let text = crate::config::read_text(path)?;
    let abs = std::path::absolute(path).map_err(|error| ConfigError::Io {
        path: path.display().to_string(),
        error,
    })?;
    parse(&text, &abs)
}

/// Validates the text of a sweep file located at `path` (absolute).
pub fn parse(text: &str, path: &Path) -> Result<SweepFile, ConfigError> {
    let origin = path.display().to_string();
    let doc: Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            origin: origin.clone(),
            message: e.to_string(),
        })?;
    let reader = Reader::new(text, BTreeSet::new());
    let sweep = validate(&reader, &doc, text, path);
    let problems = reader.finish(&doc);
    match sweep {
        Some(s) if problems.is_empty() => Ok(s),
        _ => Err(ConfigError::Invalid { origin, problems }),
    }
}

fn validate(reader: &Reader<'_>, doc: &Table, text: &str, path: &Path) -> Option<SweepFile> {
    let top = reader.section("", Some(doc));
    let s = top.table("sweep");
    if !s.is_present() {
        top.problem(
            "sweep",
            "missing table [sweep]: give at least `base = \"config.toml\"`",
        );
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    let base = s.string("base").map(|b| dir.join(b));
    if s.is_present() && !s.has("base") {
        s.problem(
            "base",
            "missing: the base config, relative to the sweep file",
        );
    }
    let name = s.string("name").unwrap_or_else(|| {
        path.file_stem()
            .map_or("sweep".into(), |n| n.to_string_lossy().into_owned())
    });
    let seed = s.int("seed", "1", 0, i64::MAX, Some(1));
    let replicates = s.int("replicates", "1", 1, 10_000, Some(1));
    let lhs = s.int("lhs_samples", "1", 1, MAX_TASKS as i64, None);

    let fixed = fixed_section(&top.table("fixed"), doc.get("fixed"));
    let axes = axes_section(&top.table("axes"), doc.get("axes"));
    match doc.get("axes") {
        Some(Value::Table(t)) if t.is_empty() => top.problem(
            "axes",
            "[axes] is empty; list at least one config key to vary",
        ),
        None => top.problem(
            "axes",
            "missing table [axes]: list at least one config key to vary, e.g. \"estrogen.level_pg_ml\" = [5, 10]",
        ),
        _ => {}
    }
    let has_range = axes
        .iter()
        .any(|a| matches!(a.kind, AxisKind::Range { .. }));
    // A range axis with a bad bound is reported at the bound; it still asks for
    // `lhs_samples`, so that is not reported as superfluous.
    let range_written = match doc.get("axes") {
        Some(Value::Table(t)) => t.values().any(Value::is_table),
        _ => false,
    };
    if range_written && lhs.is_none() && !s.has("lhs_samples") {
        s.problem(
            "lhs_samples",
            "missing: a range axis needs the number of Latin-hypercube samples, an integer in [1, 100000]",
        );
    }
    if !range_written && s.has("lhs_samples") {
        s.problem(
            "lhs_samples",
            "given, but no axis is a range `{ min = .., max = .. }`; remove it or add a range axis",
        );
    }
    for (key, _) in &fixed {
        if axes.iter().any(|a| &a.key == key) {
            reader.problem(
                &format!("fixed.{key}"),
                format!("`{key}` is also an axis; set it in one place"),
            );
        }
    }
    let sweep = SweepFile {
        path: path.to_path_buf(),
        text: text.to_string(),
        name,
        base: base?,
        seed: seed? as u64,
        replicates: replicates? as u32,
        lhs_samples: if has_range { lhs? as u32 } else { 0 },
        fixed,
        axes,
    };
    let n = sweep.task_count();
    if n > MAX_TASKS {
        s.problem(
            "replicates",
            format!("the sweep plans {n} tasks; at most {MAX_TASKS} are allowed"),
        );
        return None;
    }
    Some(sweep)
}

/// `run.seed` is derived per replicate; setting it by hand would make replicates
/// identical.
fn seed_problem(s: &Section<'_, '_>, key: &str) -> bool {
    if key == "run.seed" {
        s.problem(
            key,
            "the seed of each task is derived from `sweep.seed` and the replicate index; set `sweep.seed` and `sweep.replicates` instead",
        );
        return true;
    }
    false
}

fn fixed_section(s: &Section<'_, '_>, raw: Option<&Value>) -> Vec<(String, Value)> {
    let Some(Value::Table(t)) = raw else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in t {
        s.raw_value(key);
        if seed_problem(s, key) {
            continue;
        }
        if let Value::Table(_) = value {
            s.problem(
                key,
                "expected a value; write the full config key in quotes, e.g. \"lattice.side_mm\" = 1.2",
            );
            continue;
        }
        out.push((key.clone(), value.clone()));
    }
    out
}

fn axes_section(s: &Section<'_, '_>, raw: Option<&Value>) -> Vec<Axis> {
    let Some(Value::Table(t)) = raw else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in t {
        s.raw_value(key);
        if seed_problem(s, key) {
            continue;
        }
        let kind = match value {
            Value::Array(items) if items.is_empty() => {
                s.problem(key, "an axis needs at least one value");
                continue;
            }
            Value::Array(items) => {
                if items
                    .iter()
                    .any(|v| matches!(v, Value::Table(_) | Value::Array(_)))
                {
                    s.problem(
                        key,
                        "the listed values must be plain values (numbers, strings, booleans)",
                    );
                    continue;
                }
                AxisKind::Values(items.clone())
            }
            Value::Table(_) => {
                let r = s.table(key);
                let any = Range::closed(f64::MIN, f64::MAX);
                // In the unit of the config key the axis sets (checked with the config).
                let unit = "see the axis key";
                let (min, max) = (r.f64("min", unit, any, None), r.f64("max", unit, any, None));
                for (k, v) in [("min", min), ("max", max)] {
                    if v.is_none() && !r.has(k) {
                        r.problem(k, "missing: a range axis needs `min` and `max` (numbers)");
                    }
                }
                match (min, max) {
                    (Some(min), Some(max)) if min < max => AxisKind::Range { min, max },
                    (Some(min), Some(max)) => {
                        r.problem("max", format!("{max} must be greater than min = {min}"));
                        continue;
                    }
                    _ => continue,
                }
            }
            other => {
                s.problem(
                    key,
                    format!(
                        "expected a list of values or a range {{ min = .., max = .. }}, found {}",
                        other.type_str()
                    ),
                );
                continue;
            }
        };
        out.push(Axis {
            key: key.clone(),
            kind,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<SweepFile, ConfigError> {
        parse(text, Path::new("/tmp/s/sweep.toml"))
    }

    #[test]
    fn reads_axes_and_defaults() {
        let s = parse_str(
            "[sweep]\nbase = \"b.toml\"\nlhs_samples = 4\n[fixed]\n\"run.days\" = 60\n[axes]\n\"estrogen.level_pg_ml\" = [5, 10]\n\"estrogen.ec50_pg_ml\" = { min = 10, max = 50 }\n",
        )
        .unwrap();
        assert_eq!(s.base, Path::new("/tmp/s/b.toml"));
        assert_eq!(s.name, "sweep");
        assert_eq!((s.seed, s.replicates, s.lhs_samples), (1, 1, 4));
        assert_eq!(s.axes.len(), 2);
        assert_eq!(s.task_count(), 2 * 4);
        assert_eq!(s.fixed[0].0, "run.days");
    }

    #[test]
    fn every_problem_named_with_its_line() {
        let err = parse_str(
            "[sweep]\nbase = \"b.toml\"\nreplicate = 2\n[axes]\n\"a.b\" = []\n\"c.d\" = { min = 5, max = 1 }\n\"run.seed\" = [1, 2]\n",
        )
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "line 3: `sweep.replicate`",
            "did you mean `sweep.replicates`",
            "line 5: `axes.a.b`",
            "`axes.c.d.max`",
            "line 7: `axes.run.seed`",
        ] {
            assert!(text.contains(needle), "{needle:?} not in\n{text}");
        }
    }

    #[test]
    fn lhs_samples_required_exactly_with_ranges() {
        let e = parse_str("[sweep]\nbase = \"b\"\n[axes]\n\"x.y\" = { min = 0, max = 1 }\n")
            .unwrap_err();
        assert!(
            e.to_string().contains("`sweep.lhs_samples`: missing"),
            "{e}"
        );
        let e = parse_str("[sweep]\nbase = \"b\"\nlhs_samples = 3\n[axes]\n\"x.y\" = [1]\n")
            .unwrap_err();
        assert!(e.to_string().contains("no axis is a range"), "{e}");
    }

    #[test]
    fn a_nan_bound_is_named_at_its_line_in_a_short_message() {
        let e = parse_str(
            "[sweep]\nbase = \"b\"\nlhs_samples = 3\n[axes]\n\"x.y\" = { min = nan, max = 1 }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 5: `axes.x.y.min`: nan is not a number; valid range is (-inf, inf)"),
            "{e}"
        );
        assert!(!e.contains("no axis is a range"), "{e}");
        assert_eq!(e.lines().count(), 2, "{e}");
    }
}
