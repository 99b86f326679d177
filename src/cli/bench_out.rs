//! What `trabecula bench run` prints: the report for people, or one JSON object
//! (`--json`) with the same figures.
//!
//! Keys and units of the JSON object: `wall_s` (s, the steps with their checkpoints
//! and closing the file; `setup_s` is the lattice and world before them),
//! `ms_per_step`, `steps`, `stages` (stage name to seconds, in pipeline order),
//! `peak_rss_mb` (the run's process, MB = 10^6 bytes; `null` where unknown),
//! `threads`, `triad_gb_per_s` (GB/s on the same thread count), `cpu`,
//! `lattice_dims` and `field_dims` (x, y, z), `field_cell_um`, `voxel_um`, `days`,
//! `spinup_days`, `checkpoints`, `kept` (the directory of the kept outputs, or
//! `null`); with `--scaling`, `scaling` ({`t1_s`, `t2_s`, `speedup`, `identical`,
//! `datasets`, `shape_only`, `differing`}); with `--growth`, `growth` (one
//! {`side_mm`, `dims`, `voxels`, `ms_per_step`, `peak_rss_mb`,
//! `cost_per_voxel_vs_first`} per lattice) and `growth_ratio`, the per-voxel cost
//! of the largest lattice relative to the smallest: (t300 / t75) / (N300 / N75).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::bench_child::{ChildReport, StageTime};
use super::bench_digest::Comparison;

/// Stage times serialized as one object, name to seconds, in pipeline order.
#[derive(Debug)]
pub(super) struct Stages(Vec<StageTime>);

impl Serialize for Stages {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for st in &self.0 {
            map.serialize_entry(&st.name, &st.seconds)?;
        }
        map.end()
    }
}

/// The report: the figures of one run (see the module doc for which), plus the
/// scaling or growth series.
#[derive(Debug, Serialize)]
pub(super) struct Summary {
    wall_s: f64,
    ms_per_step: f64,
    steps: u64,
    stages: Stages,
    peak_rss_mb: Option<f64>,
    threads: usize,
    triad_gb_per_s: f64,
    cpu: String,
    lattice_dims: [usize; 3],
    field_dims: [usize; 3],
    field_cell_um: f64,
    voxel_um: f64,
    days: u64,
    spinup_days: u64,
    setup_s: f64,
    checkpoints: u32,
    /// Directory of the kept output files.
    pub kept: Option<String>,
    /// `--scaling`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
    /// `--growth`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth: Option<Vec<GrowthRow>>,
    /// `--growth`: (t_last / t_first) / (N_last / N_first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth_ratio: Option<f64>,
}

fn ms_per_step(r: &ChildReport) -> f64 {
    1e3 * r.wall_s / r.steps.max(1) as f64
}

impl Summary {
    /// The figures of run `r`, with the bandwidth on its thread count and the CPU.
    pub fn new(r: &ChildReport, triad_gb_per_s: f64, cpu: String) -> Self {
        Self {
            wall_s: r.wall_s,
            ms_per_step: ms_per_step(r),
            steps: r.steps,
            stages: Stages(r.stages.clone()),
            peak_rss_mb: r.peak_rss_mb,
            threads: r.threads,
            triad_gb_per_s,
            cpu,
            lattice_dims: r.lattice_dims,
            field_dims: r.field_dims,
            field_cell_um: r.field_cell_um,
            voxel_um: r.voxel_um,
            days: r.days,
            spinup_days: r.spinup_days,
            setup_s: r.setup_s,
            checkpoints: r.checkpoints,
            kept: None,
            scaling: None,
            growth: None,
            growth_ratio: None,
        }
    }

    /// The report for people, ending with `stage_table` (and the series).
    pub fn text(&self, stage_table: &str) -> String {
        let [nx, ny, nz] = self.lattice_dims;
        let [fx, fy, fz] = self.field_dims;
        let side_mm = nx as f64 * self.voxel_um / 1e3;
        let mut s = String::new();
        let mut line = |k: &str, v: String| s.push_str(&format!("{k:<14}{v}\n"));
        line(
            "workload",
            format!(
                "iliac crest, {nx} x {ny} x {nz} voxels of {} um ({side_mm:.2} mm); fields \
                 {fx} x {fy} x {fz} cells of {} um",
                self.voxel_um, self.field_cell_um
            ),
        );
        line(
            "",
            format!(
                "anastrozole, {} days of spin-up + {} days: {} steps",
                self.spinup_days, self.days, self.steps
            ),
        );
        line("cpu", self.cpu.clone());
        line("threads", self.threads.to_string());
        line(
            "triad",
            format!(
                "{:.2} GB/s on {} thread(s)",
                self.triad_gb_per_s, self.threads
            ),
        );
        line(
            "wall",
            format!(
                "{:.2} s, {:.2} ms/step ({} checkpoints); setup {:.2} s",
                self.wall_s, self.ms_per_step, self.checkpoints, self.setup_s
            ),
        );
        line(
            "peak memory",
            match self.peak_rss_mb {
                Some(mb) => format!("{mb:.1} MB (VmHWM of the run's own process)"),
                None => "unknown (no /proc/self/status here)".into(),
            },
        );
        if let Some(dir) = &self.kept {
            line("outputs", format!("kept in {dir}"));
        }
        s.push('\n');
        s.push_str(stage_table);
        s.push('\n');
        if let Some(sc) = &self.scaling {
            s.push('\n');
            s.push_str(&sc.text());
        }
        if let Some(rows) = &self.growth {
            s.push('\n');
            s.push_str(&growth_text(rows, self.growth_ratio));
        }
        s
    }
}

/// `--scaling`: the workload at 1 and at 2 threads.
#[derive(Debug, Serialize)]
pub(super) struct Scaling {
    t1_s: f64,
    t2_s: f64,
    speedup: f64,
    identical: bool,
    datasets: usize,
    shape_only: usize,
    differing: Vec<String>,
}

impl Scaling {
    /// From the runs at 1 and 2 threads and the comparison of their files.
    pub fn new(one: &ChildReport, two: &ChildReport, cmp: Comparison) -> Self {
        Self {
            t1_s: one.wall_s,
            t2_s: two.wall_s,
            speedup: one.wall_s / two.wall_s,
            identical: cmp.identical,
            datasets: cmp.datasets,
            shape_only: cmp.shape_only,
            differing: cmp.differing,
        }
    }

    fn text(&self) -> String {
        let same = if self.identical {
            format!("yes, all {} datasets", self.datasets)
        } else {
            let first: Vec<&str> = self.differing.iter().take(5).map(String::as_str).collect();
            format!(
                "NO: {} of {} datasets differ ({}{})",
                self.differing.len(),
                self.datasets,
                first.join(", "),
                if self.differing.len() > 5 {
                    ", ..."
                } else {
                    ""
                }
            )
        };
        let mut s = format!(
            "scaling       1 thread {:.2} s, 2 threads {:.2} s: speedup {:.2}\n\
             identical     {same}\n",
            self.t1_s, self.t2_s, self.speedup
        );
        if self.shape_only > 0 {
            s.push_str(&format!(
                "              ({} compared by type and shape only)\n",
                self.shape_only
            ));
        }
        s
    }
}

/// `--growth`: one lattice of the series.
#[derive(Debug, Serialize)]
pub(super) struct GrowthRow {
    side_mm: f64,
    dims: [usize; 3],
    voxels: u64,
    ms_per_step: f64,
    peak_rss_mb: Option<f64>,
    /// ms per step per voxel relative to the first lattice's (set by [`growth_ratio`]).
    cost_per_voxel_vs_first: f64,
}

impl GrowthRow {
    /// The run `r` on a cube of `side_mm`.
    pub fn new(side_mm: f64, r: &ChildReport) -> Self {
        let [x, y, z] = r.lattice_dims;
        Self {
            side_mm,
            dims: r.lattice_dims,
            voxels: (x * y * z) as u64,
            ms_per_step: ms_per_step(r),
            peak_rss_mb: r.peak_rss_mb,
            cost_per_voxel_vs_first: f64::NAN,
        }
    }

    fn per_voxel(&self) -> f64 {
        self.ms_per_step / self.voxels.max(1) as f64
    }
}

/// Fills in each row's cost per voxel relative to the first and returns that of
/// the last: (t_last / t_first) / (N_last / N_first).
pub(super) fn growth_ratio(rows: &mut [GrowthRow]) -> Option<f64> {
    let first = rows.first()?.per_voxel();
    for r in rows.iter_mut() {
        r.cost_per_voxel_vs_first = r.per_voxel() / first;
    }
    rows.last().map(|r| r.cost_per_voxel_vs_first)
}

fn growth_text(rows: &[GrowthRow], ratio: Option<f64>) -> String {
    let mut s = format!(
        "{:<14}{:>8}{:>18}{:>12}{:>12}{:>14}\n",
        "growth", "side mm", "voxels", "ms/step", "peak MB", "cost/voxel"
    );
    for r in rows {
        let [x, y, z] = r.dims;
        let peak = r.peak_rss_mb.map_or("-".into(), |mb| format!("{mb:.1}"));
        s.push_str(&format!(
            "{:<14}{:>8.2}{:>18}{:>12.2}{:>12}{:>14.3}\n",
            "",
            r.side_mm,
            format!("{x} x {y} x {z}"),
            r.ms_per_step,
            peak,
            r.cost_per_voxel_vs_first
        ));
    }
    if let (Some(ratio), Some(first), Some(last)) = (ratio, rows.first(), rows.last()) {
        s.push_str(&format!(
            "ratio         (t{n1} / t{n0}) / (N{n1} / N{n0}) = {ratio:.3} (1 is linear in voxels)\n",
            n0 = first.dims[0],
            n1 = last.dims[0],
        ));
    }
    s
}

/// The CPU model from `/proc/cpuinfo` (`unknown` where it does not say).
pub(super) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| parse_cpu_model(&t))
        .unwrap_or_else(|| "unknown".into())
}

/// The first `model name` (x86) or `Model`/`Hardware` (some ARM kernels) line.
fn parse_cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "Hardware"].iter().find_map(|key| {
        cpuinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_model_is_the_first_model_name() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) @ 2.80GHz\n\nprocessor\t: 1\nmodel name\t: other\n";
        assert_eq!(parse_cpu_model(x86).unwrap(), "Intel(R) Xeon(R) @ 2.80GHz");
        assert_eq!(
            parse_cpu_model("processor : 0\nModel : Raspberry Pi 4\n").unwrap(),
            "Raspberry Pi 4"
        );
        assert_eq!(parse_cpu_model("processor : 0\n"), None);
    }

    fn row(n: usize, ms: f64) -> GrowthRow {
        GrowthRow {
            side_mm: n as f64 / 50.0,
            dims: [n; 3],
            voxels: (n * n * n) as u64,
            ms_per_step: ms,
            peak_rss_mb: None,
            cost_per_voxel_vs_first: f64::NAN,
        }
    }

    #[test]
    fn growth_ratio_is_per_voxel_cost_relative_to_the_first() {
        // Linear in voxels: 8x the voxels, 8x the time.
        let mut rows = vec![row(75, 10.0), row(150, 80.0), row(300, 640.0)];
        assert_eq!(growth_ratio(&mut rows), Some(1.0));
        // 300^3 at 64x the voxels taking 83.2x the time: 1.3.
        let mut rows = vec![row(75, 10.0), row(150, 80.0), row(300, 832.0)];
        let r = growth_ratio(&mut rows).unwrap();
        assert!((r - 1.3).abs() < 1e-12, "{r}");
        assert_eq!(rows[1].cost_per_voxel_vs_first, 1.0);
        assert_eq!(growth_ratio(&mut []), None);
    }
}
