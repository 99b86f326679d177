//! The validation table: one row per check (scenario, readout, time point, model mean
//! +- SD over replicates, target, band, pass), as fixed-width text, CSV
//! (`validation.csv`) and JSON.
//!
//! CSV columns: `scenario, readout, arm, reference, time, day, model_mean, model_sd,
//! replicates, target, band_low, band_high, pass, source, plot, color`; `pass` is
//! `n/a` for a row read before its time point (the quick set), `plot` names the PNG of
//! the scenario and `color` the colour of the row's curve in it (the PNGs carry no
//! text, so the CSV is their legend).

use std::fmt::Write as _;

use serde::Serialize;

use super::runner::Runs;
use super::scenarios::Check;
use super::{Readout, Target};

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Scenario.
    pub scenario: &'static str,
    /// Readout label.
    pub readout: &'static str,
    /// The arm read.
    pub arm: &'static str,
    /// The arm subtracted replicate by replicate, if any.
    pub reference: Option<&'static str>,
    /// Time point as the table shows it.
    pub time: &'static str,
    /// Day read, days after day 0: the time point, or the quick set's horizon.
    pub day: f64,
    /// The target's time point, days after day 0.
    pub target_day: f64,
    /// Mean over replicates; for a marker change of one arm (letrozole CTX, P1NP) the
    /// change of the replicates' rates pooled (`runner::pooled_marker_change_pct`).
    pub model_mean: f64,
    /// Sample SD over replicates.
    pub model_sd: f64,
    /// The per-replicate values.
    pub values: Vec<f64>,
    /// The target.
    pub target: Target,
    /// Passing band, low end (`-inf` for a ceiling).
    pub band_low: f64,
    /// Passing band, high end.
    pub band_high: f64,
    /// Whether the mean is in the band; `None` when read before the target's time
    /// point (the quick set's shorter horizons): not judged.
    pub pass: Option<bool>,
    /// Where the target comes from.
    pub source: &'static str,
}

impl Row {
    /// The row of check `c` from its per-replicate values.
    pub fn new(c: &Check, day: f64, values: Vec<f64>, mean: f64, sd: f64) -> Self {
        let (band_low, band_high) = c.target.band();
        Row {
            scenario: c.scenario,
            readout: c.readout.label(),
            arm: c.arm,
            reference: c.reference,
            time: c.time,
            day,
            target_day: c.day,
            model_mean: mean,
            model_sd: sd,
            values,
            target: c.target,
            band_low,
            band_high,
            pass: (day >= c.day).then(|| c.target.passes(mean)),
            source: c.source,
        }
    }

    /// The time point, with the day actually read when that is earlier.
    pub fn time_label(&self) -> String {
        if self.day < self.target_day {
            format!("{} (read at day {:.0})", self.time, self.day)
        } else {
            self.time.to_string()
        }
    }

    /// The readout with its arm and reference, as the table shows it.
    pub fn what(&self) -> String {
        match self.reference {
            Some(r) => format!("{} ({} - {})", self.readout, self.arm, r),
            None => format!("{} ({})", self.readout, self.arm),
        }
    }
}

/// A model trajectory (mean +- SD over replicates) with the trial points on it.
#[derive(Clone, Debug, Serialize)]
pub struct Curve {
    /// Scenario.
    pub scenario: &'static str,
    /// Readout.
    pub readout: Readout,
    /// Days of the time-series rows.
    pub days: Vec<f64>,
    /// Mean at each day.
    pub mean: Vec<f64>,
    /// SD at each day.
    pub sd: Vec<f64>,
    /// The trial points `(day, target)`.
    pub targets: Vec<(f64, Target)>,
}

/// The time-series columns `--json` gives for every run.
const SERIES: [&str; 6] = [
    "bv_tv",
    "spine_abmd_change_pct",
    "hip_abmd_change_pct",
    "ctx_relative",
    "p1np_relative",
    "t_score",
];

/// The whole result.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The quick set.
    pub quick: bool,
    /// Replicates per arm (some arms run a multiple: see [`Report::arms`]).
    pub replicates: u32,
    /// Lattice shape, voxels.
    pub shape_voxels: [u32; 3],
    /// The replicate seeds.
    pub seeds: Vec<u64>,
    /// Runs done.
    pub runs: usize,
    /// Wall time, s.
    pub elapsed_s: f64,
    /// The `--set` overrides every arm ran with, as `key=value` (empty: the defaults).
    pub overrides: Vec<String>,
    /// The table.
    pub rows: Vec<Row>,
    /// One trajectory per scenario and readout.
    pub curves: Vec<Curve>,
    /// Every run's time series.
    #[serde(skip)]
    pub arms: Runs,
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:+.2}")
    } else {
        "nan".into()
    }
}

impl Report {
    /// The fixed-width table with a header line.
    pub fn table(&self) -> String {
        let head = [
            "scenario",
            "readout",
            "time",
            "model mean +- SD",
            "target",
            "band",
            "pass",
        ];
        let body: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.scenario.to_string(),
                    r.what(),
                    r.time_label(),
                    format!("{} +- {:.2}", num(r.model_mean), r.model_sd),
                    r.target.describe(),
                    r.target.describe_band(),
                    match r.pass {
                        Some(true) => "yes",
                        Some(false) => "NO",
                        None => "n/a",
                    }
                    .to_string(),
                ]
            })
            .collect();
        let mut w = head.map(str::len);
        for b in &body {
            for (i, c) in b.iter().enumerate() {
                w[i] = w[i].max(c.len());
            }
        }
        let mut out = String::new();
        let line = |cells: &[&str]| {
            let parts: Vec<String> = cells
                .iter()
                .zip(w)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            parts.join("  ").trim_end().to_string() + "\n"
        };
        out += &line(&head);
        for b in &body {
            out += &line(&b.each_ref().map(String::as_str));
        }
        let passed = self.rows.iter().filter(|r| r.pass == Some(true)).count();
        let judged = self.rows.iter().filter(|r| r.pass.is_some()).count();
        let _ = writeln!(
            out,
            "{passed} of {judged} targets in their band; {} set, {} replicates{} of {}x{}x{} voxels, \
             {} runs in {:.0} s{}",
            if self.quick { "quick" } else { "full" },
            self.replicates,
            self.more_replicates(),
            self.shape_voxels[0],
            self.shape_voxels[1],
            self.shape_voxels[2],
            self.runs,
            self.elapsed_s,
            if judged < self.rows.len() {
                format!(
                    "; {} rows read at the quick horizon, before their time point: n/a",
                    self.rows.len() - judged
                )
            } else {
                String::new()
            }
        );
        if !self.overrides.is_empty() {
            let _ = writeln!(
                out,
                "not the defaults: every arm ran with --set {}",
                self.overrides.join(" --set ")
            );
        }
        out
    }

    /// The arms run with more replicates than the set's count, as ` (12 of a, b)`
    /// (empty when none).
    fn more_replicates(&self) -> String {
        let mut groups: Vec<(usize, Vec<&str>)> = Vec::new();
        for (arm, reps) in &self.arms {
            if reps.len() != self.replicates as usize {
                match groups.iter_mut().find(|(n, _)| *n == reps.len()) {
                    Some((_, names)) => names.push(arm.name),
                    None => groups.push((reps.len(), vec![arm.name])),
                }
            }
        }
        if groups.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(n, names)| format!("{n} of {}", names.join(", ")))
            .collect();
        format!(" ({})", parts.join("; "))
    }

    /// The table as CSV (columns in the module doc).
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "scenario,readout,arm,reference,time,day,model_mean,model_sd,replicates,target,\
             band_low,band_high,pass,source,plot,color\n",
        );
        for r in &self.rows {
            let color = self
                .curves
                .iter()
                .filter(|c| c.scenario == r.scenario)
                .position(|c| c.readout.label() == r.readout)
                .map_or("", |i| {
                    super::plot::COLOR_NAMES[i % super::plot::COLOR_NAMES.len()]
                });
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},\"{}\",{},{}",
                r.scenario,
                r.readout,
                r.arm,
                r.reference.unwrap_or(""),
                r.time_label(),
                r.day,
                r.model_mean,
                r.model_sd,
                r.values.len(),
                r.target.value(),
                r.band_low,
                r.band_high,
                r.pass.map_or("n/a", |p| if p { "true" } else { "false" }),
                r.source.replace('"', "'"),
                super::plot::file_name(r.scenario),
                color,
            );
        }
        out
    }

    /// Every run's series from day 0: `{arm, replicate, seed, day: [...], <column>: [...]}`
    /// for the columns of [`SERIES`].
    fn series_json(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for (arm, reps) in &self.arms {
            for (r, rows) in reps.iter().enumerate() {
                let rows: Vec<_> = rows.iter().filter(|m| m.day >= 0.0).collect();
                let mut v = serde_json::json!({
                    "arm": arm.name,
                    "replicate": r,
                    "seed": self.seeds.get(r),
                    "day": rows.iter().map(|m| m.day).collect::<Vec<_>>(),
                });
                for name in SERIES {
                    let col: Vec<f64> = rows
                        .iter()
                        .map(|m| {
                            m.columns()
                                .iter()
                                .find(|c| c.0 == name)
                                .map_or(f64::NAN, |c| c.2)
                        })
                        .collect();
                    v[name] = serde_json::to_value(col).unwrap_or_default();
                }
                out.push(v);
            }
        }
        out
    }

    /// The table as JSON: an object with the settings, `rows` (the table) and `series`
    /// (every run's main readouts from day 0).
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            quick: bool,
            replicates: u32,
            shape_voxels: [u32; 3],
            seeds: &'a [u64],
            elapsed_s: f64,
            overrides: &'a [String],
            rows: Vec<serde_json::Value>,
            series: Vec<serde_json::Value>,
        }
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                // JSON has no infinity: a ceiling's open low end is null.
                if !r.band_low.is_finite() {
                    v["band_low"] = serde_json::Value::Null;
                }
                v["target"] = r.target.value().into();
                v["band"] = r.target.describe_band().into();
                v
            })
            .collect();
        let out = Out {
            quick: self.quick,
            replicates: self.replicates,
            shape_voxels: self.shape_voxels,
            seeds: &self.seeds,
            elapsed_s: self.elapsed_s,
            overrides: &self.overrides,
            rows,
            series: self.series_json(),
        };
        serde_json::to_string_pretty(&out).unwrap_or_default()
    }
}
