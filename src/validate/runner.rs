//! Running the validation set: every arm of [`super::scenarios::ARMS`] on every
//! replicate seed, through the library with an in-memory sink, in parallel over runs
//! (rayon's global pool). Each run is deterministic at any thread count, and rows are
//! computed from the runs in a fixed order, so the table does not depend on `--threads`.
//!
//! A row reads its readout at its day by linear interpolation between the two
//! time-series rows around it; a difference between arms is taken within each
//! replicate (same seed, so same lattice and spin-up) before the mean and SD.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;

use super::report::{Curve, Report, Row};
use super::scenarios::{arm, Arm, Check, ARMS, CHECKS};
use super::Readout;
use crate::config;
use crate::lattice::source;
use crate::sim::{Measurement, MemorySink, Simulation};
use crate::sweep::lhs::replicate_seed;

/// Seed the replicate seeds derive from.
pub const VALIDATION_SEED: u64 = 20_261_121;

/// How big the validation set is.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// The quick set (shorter horizons).
    pub quick: bool,
    /// Replicates (derived seeds) per arm.
    pub replicates: u32,
    /// Lattice shape, voxels (x, y, z) at 20 um.
    pub shape_voxels: [u32; 3],
    /// Premenopausal or postmenopausal spin-up before day 0, days.
    pub spinup_days: u32,
    /// Parameter overrides applied to every arm (`validate --set`), for calibration:
    /// the table then shows the model with those values, not the defaults.
    pub overrides: Vec<config::Override>,
}

impl Scale {
    /// The full set: 4 replicates of a 1.2 mm iliac-crest cube, the horizons of the
    /// trials (measured cost: see the README's "Validation" section).
    pub fn full() -> Self {
        Scale {
            quick: false,
            replicates: 4,
            shape_voxels: [60, 60, 60],
            spinup_days: 365,
            overrides: Vec::new(),
        }
    }

    /// The quick set: 2 replicates of the smallest domain the iliac-crest preset fits
    /// (1.0 x 1.0 x 1.2 mm, as the behaviour tests), horizons of at most 2 years.
    pub fn quick() -> Self {
        Scale {
            quick: true,
            replicates: 2,
            shape_voxels: [50, 50, 60],
            spinup_days: 365,
            overrides: Vec::new(),
        }
    }

    /// Replicates of `arm` at this scale: the set's count, times the arm's factor in
    /// the full set.
    pub fn replicates_of(&self, arm: &Arm) -> u32 {
        if self.quick {
            self.replicates
        } else {
            self.replicates * arm.replicate_factor
        }
    }

    /// Days an arm runs after day 0 at this scale.
    pub fn days(&self, arm: &Arm) -> u32 {
        if self.quick {
            arm.quick_days
        } else {
            arm.days
        }
    }
}

/// The config text of `arm` on replicate seed `seed`.
pub fn config_text(arm: &Arm, scale: &Scale, seed: u64) -> String {
    let [nx, ny, nz] = scale.shape_voxels;
    format!(
        "[run]\nseed = {seed}\nspinup_days = {spinup}\ndays = {days}\n\
         measure_every_days = {measure}\nstructure_every_days = 0\nsnapshot_every_days = 0\n\n\
         [lattice]\nvoxel_um = 20.0\nshape_voxels = [{nx}, {ny}, {nz}]\n\n\
         [lattice.synthetic]\npreset = \"iliac_crest\"\n\n\
         [fields]\nsteady_tolerance = 1e-3\n\n[estrogen]\n{estrogen}\n\n{drugs}",
        spinup = scale.spinup_days + arm.extra_spinup_days,
        days = scale.days(arm),
        measure = arm.measure_every_days,
        estrogen = arm.estrogen,
        drugs = arm.drugs,
    )
}

/// Runs one arm on one seed; the time-series rows.
pub fn run_arm(arm: &Arm, scale: &Scale, seed: u64) -> anyhow::Result<Vec<Measurement>> {
    let text = config_text(arm, scale, seed);
    let origin = format!("validation arm {}", arm.name);
    let config = config::parse_checked(&text, &origin, Path::new("."), &scale.overrides)
        .with_context(|| format!("{origin}: the config with the --set overrides is invalid"))?;
    let built = source::build(&config.lattice, config.run.seed)
        .with_context(|| format!("{origin}: building the lattice"))?;
    let mut sim = Simulation::new(&config, built.lattice)
        .with_context(|| format!("{origin} (seed {seed}): starting"))?;
    let mut sink = MemorySink::default();
    sim.run(&mut sink, |_| {})
        .with_context(|| format!("{origin} (seed {seed}): run failed"))?;
    Ok(sink.measurements)
}

/// Checks that every arm's config accepts the `--set` overrides, before any run
/// starts: a bad key or value is a [`config::ConfigError`] naming it and its range.
pub fn check_overrides(scale: &Scale) -> Result<(), config::ConfigError> {
    if scale.overrides.is_empty() {
        return Ok(());
    }
    for arm in ARMS {
        let text = config_text(arm, scale, VALIDATION_SEED);
        config::parse_checked(&text, "validate --set", Path::new("."), &scale.overrides)?;
    }
    Ok(())
}

/// The day a check is read at this scale: its time point, or the last day its arms
/// reach in the quick set (then the row is shown but not judged).
pub fn eval_day(scale: &Scale, c: &Check) -> f64 {
    let reach = |name: &str| arm(name).map_or(0.0, |a| f64::from(scale.days(a)));
    let horizon = c
        .reference
        .map_or(reach(c.arm), |r| reach(c.arm).min(reach(r)));
    c.day.min(horizon)
}

/// The readout of `rows` at `day`, interpolated linearly between the rows around it
/// (NaN outside the rows); the marker changes over their windows
/// ([`super::MARKER_WINDOW_DAYS`]).
pub fn read_at(rows: &[Measurement], readout: Readout, day: f64) -> f64 {
    if readout.is_windowed() {
        return marker_change_pct(rows, readout, day);
    }
    let Some(day0) = rows.iter().find(|m| m.day >= 0.0) else {
        return f64::NAN;
    };
    // The nadir is one interval's resorption rate against the pre-treatment mean
    // over the baseline window, as the marker changes are.
    let base = if readout == Readout::CtxRelative {
        window_mean(rows, -super::MARKER_BASELINE_DAYS, 0.0, |m| {
            Some(m.resorption_rate_per_y)
        })
    } else {
        f64::NAN
    };
    let value = |m: &Measurement| match readout {
        Readout::CtxRelative => crate::sim::clinical::relative(m.resorption_rate_per_y, base),
        _ => readout.value(m, day0),
    };
    let i = rows.partition_point(|m| m.day < day);
    if i < rows.len() && rows[i].day == day {
        return value(&rows[i]);
    }
    if i == 0 || i == rows.len() {
        return f64::NAN;
    }
    let (a, b) = (&rows[i - 1], &rows[i]);
    let w = (day - a.day) / (b.day - a.day);
    let (va, vb) = (value(a), value(b));
    va + w * (vb - va)
}

/// The windowed marker change of `readout` at `day`, % (NaN when a window holds no
/// row or the baseline rate is zero).
pub fn marker_change_pct(rows: &[Measurement], readout: Readout, day: f64) -> f64 {
    let (base, at) = marker_windows(rows, readout, day);
    crate::sim::clinical::percent_change(at, base)
}

/// The marker change of `readout` at `day` for the replicates together, %: the
/// window rates summed over replicates before the ratio is taken. Serum CTX and
/// P1NP are skeleton-wide sums, so a patient's change is a ratio of sums over her
/// whole skeleton; the replicate cubes pooled are the model's nearest analogue. The
/// mean of per-cube ratios is not: a cube whose baseline window happens to hold few
/// sites gives a large ratio, and those do not average out (the mean of ratios with
/// noisy denominators is biased upward).
pub fn pooled_marker_change_pct(reps: &[Vec<Measurement>], readout: Readout, day: f64) -> f64 {
    let (mut base, mut at) = (0.0, 0.0);
    for rows in reps {
        let (b, a) = marker_windows(rows, readout, day);
        base += b;
        at += a;
    }
    crate::sim::clinical::percent_change(at, base)
}

/// Mean marker rates `(baseline window, window at day)` of one run.
fn marker_windows(rows: &[Measurement], readout: Readout, day: f64) -> (f64, f64) {
    let (b, w) = (super::MARKER_BASELINE_DAYS, super::MARKER_WINDOW_DAYS);
    let rate = |m: &Measurement| readout.marker_rate(m);
    (
        window_mean(rows, -b, 0.0, rate),
        window_mean(rows, day - 2.0 * w / 3.0, day + w / 3.0, rate),
    )
}

/// Mean of `rate` over the rows ending in `(from, to]` (NaN if none has one).
fn window_mean(
    rows: &[Measurement],
    from: f64,
    to: f64,
    rate: impl Fn(&Measurement) -> Option<f64>,
) -> f64 {
    let v: Vec<f64> = rows
        .iter()
        .filter(|m| m.day > from && m.day <= to)
        .filter_map(rate)
        .collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Mean and sample SD (0 for one value).
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, var.sqrt())
}

/// The runs of every arm: `runs[arm][replicate]`.
pub type Runs = Vec<(&'static Arm, Vec<Vec<Measurement>>)>;

/// Runs the set; `log` receives one line per finished run.
pub fn run(scale: &Scale, log: &(dyn Fn(&str) + Sync)) -> anyhow::Result<Report> {
    check_overrides(scale)?;
    let start = Instant::now();
    let arms: Vec<&'static Arm> = ARMS.iter().collect();
    let most = arms
        .iter()
        .map(|a| scale.replicates_of(a))
        .max()
        .unwrap_or(0);
    let seeds: Vec<u64> = (0..most)
        .map(|r| replicate_seed(VALIDATION_SEED, r))
        .collect();
    let jobs: Vec<(usize, usize)> = (0..arms.len())
        .flat_map(|a| (0..scale.replicates_of(arms[a]) as usize).map(move |r| (a, r)))
        .collect();
    let done = AtomicUsize::new(0);
    let results: Vec<anyhow::Result<Vec<Measurement>>> = jobs
        .par_iter()
        .map(|&(a, r)| {
            let t = Instant::now();
            let out = run_arm(arms[a], scale, seeds[r]);
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            log(&format!(
                "[{k}/{}] {} replicate {r}: {:.0} s",
                jobs.len(),
                arms[a].name,
                t.elapsed().as_secs_f64()
            ));
            out
        })
        .collect();
    let mut runs: Runs = arms.iter().map(|a| (*a, Vec::new())).collect();
    for (&(a, _), res) in jobs.iter().zip(results) {
        runs[a].1.push(res?);
    }
    let (rows, curves) = tabulate(scale, &runs);
    Ok(Report {
        quick: scale.quick,
        replicates: scale.replicates,
        shape_voxels: scale.shape_voxels,
        seeds,
        runs: jobs.len(),
        elapsed_s: start.elapsed().as_secs_f64(),
        overrides: scale.overrides.iter().map(ToString::to_string).collect(),
        rows,
        curves,
        arms: runs,
    })
}

/// Per-replicate values of a check's readout at `day` (arm minus reference).
fn values_at(runs: &Runs, c: &Check, day: f64) -> Vec<f64> {
    let reps = |name: &str| &runs.iter().find(|(a, _)| a.name == name).unwrap().1;
    let arm = reps(c.arm);
    let n = c
        .reference
        .map_or(arm.len(), |name| arm.len().min(reps(name).len()));
    (0..n)
        .map(|r| {
            let v = read_at(&arm[r], c.readout, day);
            match c.reference {
                Some(name) => v - read_at(&reps(name)[r], c.readout, day),
                None => v,
            }
        })
        .collect()
}

/// The model's value of check `c` at `day` and the SD of the per-replicate `values`:
/// the mean of the values, or for a marker change of one arm the pooled change
/// ([`pooled_marker_change_pct`]).
fn summary(runs: &Runs, c: &Check, day: f64, values: &[f64]) -> (f64, f64) {
    let (mean, sd) = mean_sd(values);
    if !c.readout.is_windowed() || c.reference.is_some() {
        return (mean, sd);
    }
    let reps = &runs.iter().find(|(a, _)| a.name == c.arm).unwrap().1;
    (pooled_marker_change_pct(reps, c.readout, day), sd)
}

/// The rows, and one curve per (scenario, readout) for the plots.
pub fn tabulate(scale: &Scale, runs: &Runs) -> (Vec<Row>, Vec<Curve>) {
    let mut curves: Vec<Curve> = Vec::new();
    let mut rows = Vec::new();
    for c in CHECKS {
        let day = eval_day(scale, c);
        let values = values_at(runs, c, day);
        let (mean, sd) = summary(runs, c, day, &values);
        let key = |k: &Curve| k.scenario == c.scenario && k.readout == c.readout;
        if !curves.iter().any(key) {
            let days: Vec<f64> = runs
                .iter()
                .find(|(a, _)| a.name == c.arm)
                .map(|(_, reps)| {
                    reps[0]
                        .iter()
                        .map(|m| m.day)
                        .filter(|d| *d >= 0.0)
                        .collect()
                })
                .unwrap_or_default();
            let (mean, sd): (Vec<f64>, Vec<f64>) = days
                .iter()
                .map(|&d| summary(runs, c, d, &values_at(runs, c, d)))
                .unzip();
            curves.push(Curve {
                scenario: c.scenario,
                readout: c.readout,
                days,
                mean,
                sd,
                targets: Vec::new(),
            });
        }
        let curve = curves.iter_mut().find(|k| key(k)).unwrap();
        curve.targets.push((c.day, c.target));
        rows.push(Row::new(c, day, values, mean, sd));
    }
    (rows, curves)
}
