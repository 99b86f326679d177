//! The time-series row: morphometry of the bone mask, cell and site counts, rates over
//! the interval since the previous row, and mean field levels.
//!
//! Rates come from the cells themselves: the activation frequency is the bone surface
//! newly eroded by new sites over the interval divided by the mean bone surface and
//! the interval in years (the fraction of the surface activated per year, Ac.f); both
//! surfaces count voxel faces of the lattice.

use crate::cells::topology::TopologyKind::{
    Disconnection, DisconnectionAndPerforation, FragmentVanished, Perforation,
};
use crate::config::clinical::ClinicalConfig;
use crate::fields::Species;
use crate::morphometry;
use crate::pharmacology::{bone_drug, Exposure};

use super::clinical;

use super::world::{Totals, World};

/// Days per year (Julian).
pub const DAYS_PER_YEAR: f64 = 365.25;

/// One row of `/timeseries`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measurement {
    /// Simulated day.
    pub day: f64,
    /// Serum estradiol, pg/mL.
    pub e2_pg_ml: f64,
    /// Estrogen deficiency, 0 (reference) to 1 (none).
    pub estrogen_deficiency: f64,
    /// Bone volume fraction from the voxel fractions.
    pub bv_tv: f64,
    /// Bone volume fraction of the thresholded mask.
    pub bv_tv_mask: f64,
    /// Trabecular thickness, mm.
    pub tb_th_mm: f64,
    /// Trabecular separation, mm.
    pub tb_sp_mm: f64,
    /// Trabecular number, 1/mm.
    pub tb_n_per_mm: f64,
    /// Connectivity density, 1/mm^3.
    pub conn_d_per_mm3: f64,
    /// Euler characteristic.
    pub euler: f64,
    /// Bone components (26-connected).
    pub components: f64,
    /// Bone surface (voxel faces of marrow touching bone), mm^2.
    pub bone_surface_mm2: f64,
    /// Perforations so far (events of kinds 1 and 3).
    pub perforations_total: f64,
    /// Disconnections so far (events of kinds 2 and 3).
    pub disconnections_total: f64,
    /// Fragments resorbed away so far (kind 4).
    pub fragments_vanished_total: f64,
    /// Osteoclasts.
    pub osteoclasts: f64,
    /// Osteoclast nuclei.
    pub osteoclast_nuclei: f64,
    /// Active osteoblasts.
    pub osteoblasts: f64,
    /// Lining cells (quiescent surface voxels).
    pub lining_cells: f64,
    /// T-cells.
    pub tcells: f64,
    /// Activated T-cells.
    pub tcells_activated: f64,
    /// Precursor pool relative to its rest level.
    pub precursor_fill: f64,
    /// Open sites resorbing.
    pub bmus_resorbing: f64,
    /// Open sites in reversal.
    pub bmus_reversal: f64,
    /// Open sites forming.
    pub bmus_forming: f64,
    /// Sites activated so far.
    pub bmus_activated_total: f64,
    /// Activation frequency over the interval, 1/y.
    pub activation_frequency_per_y: f64,
    /// Resorbed volume over the interval, mm^3 per mm^3 of tissue per year.
    pub resorption_rate_per_y: f64,
    /// Formed volume over the interval, mm^3 per mm^3 of tissue per year.
    pub formation_rate_per_y: f64,
    /// Mean mineral fraction of the bone.
    pub mineral_fraction: f64,
    /// Mean total RANKL in marrow, pM.
    pub rankl_pm: f64,
    /// Mean free RANKL in marrow, pM.
    pub free_rankl_pm: f64,
    /// Mean OPG in marrow, pM.
    pub opg_pm: f64,
    /// Mean IL-1 in marrow, pM.
    pub il1_pm: f64,
    /// Mean IL-6 in marrow, pM.
    pub il6_pm: f64,
    /// Mean TNF-alpha in marrow, pM.
    pub tnf_pm: f64,
    /// Mean TGF-beta in marrow, pM.
    pub tgfb_pm: f64,
    /// Serum denosumab, ug/mL.
    pub denosumab_serum_ug_ml: f64,
    /// Mean denosumab in marrow (the field), pM.
    pub denosumab_pm: f64,
    /// Teriparatide's daily anabolic signal (1 at 20 ug daily).
    pub anabolic_signal: f64,
    /// Bisphosphonate on exposed bone, fmol.
    pub bisphosphonate_surface_fmol: f64,
    /// Bisphosphonate buried under bone, fmol.
    pub bisphosphonate_buried_fmol: f64,
    /// Bisphosphonate taken up by osteoclasts so far, fmol.
    pub bisphosphonate_taken_up_fmol: f64,
    /// Bisphosphonate laid on the volume's bone so far, fmol.
    pub bisphosphonate_delivered_fmol: f64,
    /// Resorption marker (CTX) relative to baseline ([`super::clinical`]).
    pub ctx_relative: f64,
    /// Formation marker (P1NP) relative to baseline.
    pub p1np_relative: f64,
    /// Trabecular vBMD, mg/cm^3 hydroxyapatite.
    pub vbmd_mg_cm3: f64,
    /// Trabecular vBMD change from day 0, %.
    pub vbmd_change_pct: f64,
    /// Lumbar-spine aBMD change from day 0, %.
    pub spine_abmd_change_pct: f64,
    /// Total-hip aBMD change from day 0, %.
    pub hip_abmd_change_pct: f64,
    /// Lumbar-spine T-score.
    pub t_score: f64,
}

impl Measurement {
    /// `(name, units, value)` for every column, `day` first.
    pub fn columns(&self) -> Vec<(&'static str, &'static str, f64)> {
        vec![
            ("day", "d", self.day),
            ("e2_pg_ml", "pg/mL", self.e2_pg_ml),
            ("estrogen_deficiency", "1", self.estrogen_deficiency),
            ("bv_tv", "1", self.bv_tv),
            ("bv_tv_mask", "1", self.bv_tv_mask),
            ("tb_th_mm", "mm", self.tb_th_mm),
            ("tb_sp_mm", "mm", self.tb_sp_mm),
            ("tb_n_per_mm", "1/mm", self.tb_n_per_mm),
            ("conn_d_per_mm3", "1/mm^3", self.conn_d_per_mm3),
            ("euler", "1", self.euler),
            ("components", "1", self.components),
            ("bone_surface_mm2", "mm^2", self.bone_surface_mm2),
            ("perforations_total", "1", self.perforations_total),
            ("disconnections_total", "1", self.disconnections_total),
            (
                "fragments_vanished_total",
                "1",
                self.fragments_vanished_total,
            ),
            ("osteoclasts", "1", self.osteoclasts),
            ("osteoclast_nuclei", "1", self.osteoclast_nuclei),
            ("osteoblasts", "1", self.osteoblasts),
            ("lining_cells", "1", self.lining_cells),
            ("tcells", "1", self.tcells),
            ("tcells_activated", "1", self.tcells_activated),
            ("precursor_fill", "1", self.precursor_fill),
            ("bmus_resorbing", "1", self.bmus_resorbing),
            ("bmus_reversal", "1", self.bmus_reversal),
            ("bmus_forming", "1", self.bmus_forming),
            ("bmus_activated_total", "1", self.bmus_activated_total),
            (
                "activation_frequency_per_y",
                "1/y",
                self.activation_frequency_per_y,
            ),
            ("resorption_rate_per_y", "1/y", self.resorption_rate_per_y),
            ("formation_rate_per_y", "1/y", self.formation_rate_per_y),
            ("mineral_fraction", "1", self.mineral_fraction),
            ("rankl_pm", "pM", self.rankl_pm),
            ("free_rankl_pm", "pM", self.free_rankl_pm),
            ("opg_pm", "pM", self.opg_pm),
            ("il1_pm", "pM", self.il1_pm),
            ("il6_pm", "pM", self.il6_pm),
            ("tnf_pm", "pM", self.tnf_pm),
            ("tgfb_pm", "pM", self.tgfb_pm),
            ("denosumab_serum_ug_ml", "ug/mL", self.denosumab_serum_ug_ml),
            ("denosumab_pm", "pM", self.denosumab_pm),
            ("anabolic_signal", "1", self.anabolic_signal),
            (
                "bisphosphonate_surface_fmol",
                "fmol",
                self.bisphosphonate_surface_fmol,
            ),
            (
                "bisphosphonate_buried_fmol",
                "fmol",
                self.bisphosphonate_buried_fmol,
            ),
            (
                "bisphosphonate_taken_up_fmol",
                "fmol",
                self.bisphosphonate_taken_up_fmol,
            ),
            (
                "bisphosphonate_delivered_fmol",
                "fmol",
                self.bisphosphonate_delivered_fmol,
            ),
            ("ctx_relative", "1", self.ctx_relative),
            ("p1np_relative", "1", self.p1np_relative),
            ("vbmd_mg_cm3", "mg/cm^3", self.vbmd_mg_cm3),
            ("vbmd_change_pct", "%", self.vbmd_change_pct),
            ("spine_abmd_change_pct", "%", self.spine_abmd_change_pct),
            ("hip_abmd_change_pct", "%", self.hip_abmd_change_pct),
            ("t_score", "1", self.t_score),
        ]
    }
}

/// Marrow-weighted mean of a field, pM.
fn marrow_mean(world: &World, values: &[f32]) -> f64 {
    let phi = &world.fields.geometry().marrow_fraction;
    let (num, den) = values
        .iter()
        .zip(phi)
        .fold((0.0f64, 0.0f64), |(n, d), (&c, &p)| {
            (n + f64::from(c) * f64::from(p), d + f64::from(p))
        });
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Measures the world at `exposure.day`; `since` holds the totals and step count of
/// the previous row (for interval rates) and `dt_days` the step length. The clinical
/// columns relative to a baseline are left for [`super::clinical::ClinicalBaseline`].
/// Without `structure` the structural columns (Tb.Th, Tb.Sp, Tb.N, Conn.D, Euler
/// characteristic, components) are NaN and their distance transforms are skipped
/// (`run.structure_every_days`).
pub fn measure(
    world: &World,
    exposure: &Exposure,
    since: &Totals,
    dt_days: f64,
    clinical: &ClinicalConfig,
    structure: bool,
) -> Measurement {
    let metrics = structure.then(|| morphometry::measure(&world.mask));
    let structural = |f: fn(&morphometry::Metrics) -> f64| metrics.as_ref().map_or(f64::NAN, f);
    let voxels = world.mask.dims.len();
    let t = &world.totals;
    let dims = world.lattice.dims;
    let face_mm2 = (world.lattice.voxel_um * 1e-3).powi(2);
    let tissue_mm3 = dims.len() as f64 * world.voxel_mm3();
    let steps = (t.steps - since.steps) as f64;
    let years = steps * dt_days / DAYS_PER_YEAR;
    let mean_surface = if steps > 0.0 {
        (t.surface_voxel_steps - since.surface_voxel_steps) / steps
    } else {
        world.surface.total_surface as f64
    };
    let per_year = |v: f64| if years > 0.0 { v / years } else { 0.0 };
    let acf = if mean_surface > 0.0 {
        per_year((t.bone.activated_voxels - since.bone.activated_voxels) as f64 / mean_surface)
    } else {
        0.0
    };
    let ev = &t.bone.topology_events;
    let (resorbing, reversal, forming) = world.bmus.phase_counts();
    let (bone, mineral) = world
        .lattice
        .bone_fraction
        .iter()
        .zip(&world.memory.mineral_fraction)
        .fold((0.0f64, 0.0f64), |(b, m), (&f, &x)| {
            (b + f64::from(f), m + f64::from(f) * f64::from(x))
        });
    let (surface_bp, buried_bp) = bone_drug::inventory(&world.memory, &world.lattice, &world.mask);
    let conc = |s: Species| {
        world
            .fields
            .concentration(s)
            .map(|c| marrow_mean(world, c))
            .unwrap_or(0.0)
    };
    Measurement {
        day: exposure.day,
        e2_pg_ml: exposure.e2_pg_ml,
        estrogen_deficiency: exposure.estrogen_deficiency,
        bv_tv: world.bone_volume_fraction(),
        bv_tv_mask: if voxels == 0 {
            0.0
        } else {
            world.mask.bone_voxels() as f64 / voxels as f64
        },
        tb_th_mm: structural(|m| m.tb_th_mm),
        tb_sp_mm: structural(|m| m.tb_sp_mm),
        tb_n_per_mm: structural(|m| m.tb_n_per_mm),
        conn_d_per_mm3: structural(|m| m.conn_d_per_mm3),
        euler: structural(|m| m.euler as f64),
        components: structural(|m| m.components as f64),
        bone_surface_mm2: world.surface.total_surface as f64 * face_mm2,
        perforations_total: (ev.get(Perforation) + ev.get(DisconnectionAndPerforation)) as f64,
        disconnections_total: (ev.get(Disconnection) + ev.get(DisconnectionAndPerforation)) as f64,
        fragments_vanished_total: ev.get(FragmentVanished) as f64,
        osteoclasts: world.osteoclasts.len() as f64,
        osteoclast_nuclei: world.osteoclasts.total_nuclei() as f64,
        osteoblasts: world.osteoblasts.len() as f64,
        lining_cells: world.surface.total_lining as f64,
        tcells: world.tcells.len() as f64,
        tcells_activated: world.tcells.activated_count() as f64,
        precursor_fill: world.pool.fill(),
        bmus_resorbing: resorbing as f64,
        bmus_reversal: reversal as f64,
        bmus_forming: forming as f64,
        bmus_activated_total: f64::from(world.bmus.issued()),
        activation_frequency_per_y: acf,
        resorption_rate_per_y: per_year(
            (t.bone.resorbed_um3 - since.bone.resorbed_um3) * 1e-9 / tissue_mm3,
        ),
        formation_rate_per_y: per_year(
            (t.bone.formed_um3 - since.bone.formed_um3) * 1e-9 / tissue_mm3,
        ),
        mineral_fraction: if bone > 0.0 { mineral / bone } else { 0.0 },
        rankl_pm: conc(Species::Rankl),
        free_rankl_pm: marrow_mean(world, &world.signals.free_rankl_pm),
        opg_pm: conc(Species::Opg),
        il1_pm: conc(Species::Il1),
        il6_pm: conc(Species::Il6),
        tnf_pm: conc(Species::Tnf),
        tgfb_pm: conc(Species::Tgfb),
        denosumab_serum_ug_ml: exposure.denosumab_serum_ng_ml * 1e-3,
        denosumab_pm: conc(Species::Denosumab),
        anabolic_signal: exposure.anabolic_signal,
        bisphosphonate_surface_fmol: surface_bp,
        bisphosphonate_buried_fmol: buried_bp,
        bisphosphonate_taken_up_fmol: t.bisphosphonate_taken_up_fmol,
        bisphosphonate_delivered_fmol: t.bisphosphonate_delivered_fmol,
        vbmd_mg_cm3: clinical::vbmd_mg_cm3(
            mineral / dims.len() as f64,
            clinical.hydroxyapatite_mg_cm3,
        ),
        ..Measurement::default()
    }
}
