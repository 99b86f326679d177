//! The secrete and solve stages: cells and marrow write their sources into the fields,
//! the quasi-steady fields are solved, and the signals cells read are refreshed.
//!
//! Sources this step (molecules/s per field cell, converted to pM/s):
//! - marrow stromal cells and monocytes: IL-1, IL-6, TNF-alpha per marrow volume
//!   ([`crate::cells::marrow`]);
//! - lining cells (one per quiescent surface voxel) and active osteoblasts: RANKL,
//!   raised by IL-6 and by estrogen loss, and OPG, lowered by estrogen loss;
//! - activated T-cells: RANKL and TNF-alpha;
//! - resorption in the previous step: TGF-beta released from the matrix (coupling);
//! - denosumab: its tissue level as a uniform marrow background
//!   ([`crate::pharmacology::denosumab`]; solved only in runs that schedule it).
//!
//! Every accumulation runs serially in id order or elementwise per field cell, so the
//! sums are the same for any thread count.

use rayon::prelude::*;

use crate::cells::signals::hill;
use crate::cells::{marrow, Rules};
use crate::fields::grid::MOLECULES_PER_UM3_PER_PM;
use crate::fields::{FieldError, Species};
use crate::pharmacology::Exposure;

use super::world::World;

/// Seconds per day.
const S_PER_DAY: f64 = 86_400.0;

/// The transported species the cell model always uses (denosumab is added by runs that
/// schedule it).
pub const SOLVED: [Species; 6] = [
    Species::Rankl,
    Species::Opg,
    Species::Il1,
    Species::Il6,
    Species::Tnf,
    Species::Tgfb,
];

/// Reusable per-field-cell accumulators, molecules/s.
#[derive(Clone, Debug, Default)]
pub struct SourceBuffers {
    rankl: Vec<f64>,
    opg: Vec<f64>,
    tnf: Vec<f64>,
    tgfb: Vec<f64>,
    rankl_factor: Vec<f64>,
}

/// Writes this step's sources into the fields.
pub fn secrete(
    world: &mut World,
    rules: &Rules,
    exposure: &Exposure,
    buffers: &mut SourceBuffers,
) -> Result<(), FieldError> {
    let c = &rules.cells;
    let n = world.fields.grid().dims.len();
    let b = buffers;
    for v in [
        &mut b.rankl,
        &mut b.opg,
        &mut b.tnf,
        &mut b.tgfb,
        &mut b.rankl_factor,
    ] {
        v.clear();
        v.resize(n, 0.0);
    }
    // Osteoblast-lineage RANKL per cell: estrogen loss and IL-6 raise it.
    let e_rankl = exposure.estrogen_factor(c.osteoblast.rankl_estrogen_gain);
    let opg_div = exposure.estrogen_factor(c.osteoblast.opg_estrogen_gain);
    let il6 = world.fields.concentration(Species::Il6)?;
    b.rankl_factor
        .par_iter_mut()
        .zip(il6.par_iter())
        .with_min_len(4096)
        .for_each(|(f, &x)| {
            *f = e_rankl
                * (1.0
                    + c.osteoblast.rankl_il6_gain * hill(f64::from(x), c.osteoblast.il6_half_pm));
        });
    let ob = &c.osteoblast;
    let lining = &world.surface.lining;
    let release = c.osteoclast.tgfb_release_per_um3 / (rules.dt_days * S_PER_DAY);
    (
        b.rankl.par_iter_mut(),
        b.opg.par_iter_mut(),
        b.tgfb.par_iter_mut(),
    )
        .into_par_iter()
        .enumerate()
        .with_min_len(4096)
        .for_each(|(k, (r, o, t))| {
            let l = f64::from(lining[k]);
            *r = l * ob.lining_rankl_molecules_per_s * b.rankl_factor[k];
            *o = l * ob.lining_opg_molecules_per_s / opg_div;
            *t = world.resorbed_per_cell_um3[k] * release;
        });
    let dims = world.lattice.dims;
    for &v in &world.osteoblasts.voxel {
        let k = world.signals.cell_of(dims, v as usize);
        b.rankl[k] += ob.rankl_molecules_per_s * b.rankl_factor[k];
        b.opg[k] += ob.opg_molecules_per_s / opg_div;
    }
    if c.tcell.enabled {
        let t = &c.tcell.params;
        for (&v, &on) in world.tcells.voxel.iter().zip(&world.tcells.activated) {
            if on {
                let k = world.signals.cell_of(dims, v as usize);
                b.rankl[k] += t.rankl_molecules_per_s;
                b.tnf[k] += t.tnf_molecules_per_s;
            }
        }
    }
    let fields = &mut world.fields;
    fields.clear_sources();
    for (species, rate_pm_per_s) in marrow::background(&c.marrow, exposure) {
        fields.add_background(species, rate_pm_per_s)?;
    }
    if exposure.denosumab_tissue_pm > 0.0 {
        fields.feed_tissue_level(Species::Denosumab, exposure.denosumab_tissue_pm)?;
    }
    let to_pm = 1.0 / (MOLECULES_PER_UM3_PER_PM * fields.grid().cell_volume_um3());
    for (species, acc) in [
        (Species::Rankl, &b.rankl),
        (Species::Opg, &b.opg),
        (Species::Tnf, &b.tnf),
        (Species::Tgfb, &b.tgfb),
    ] {
        fields
            .source_mut(species)?
            .par_iter_mut()
            .zip(acc.par_iter())
            .with_min_len(4096)
            .for_each(|(s, &q)| *s += (q * to_pm) as f32);
    }
    Ok(())
}

/// Solves the fields (when `solve`), updating the geometry first when `geometry`, and
/// refreshes the signals; counts solves, cycles and unconverged solves in the totals.
pub fn solve(
    world: &mut World,
    species: &[usize],
    solve: bool,
    geometry: bool,
) -> Result<(), FieldError> {
    if geometry {
        world.fields.update_geometry(&world.lattice)?;
    }
    if !solve {
        return Ok(());
    }
    let report = world.fields.solve_steady_species(species)?;
    let t = &mut world.totals;
    t.field_solves += 1;
    t.field_cycles += report
        .species
        .iter()
        .map(|(_, s)| s.cycles as u64)
        .sum::<u64>();
    if !report.converged() {
        t.unconverged_solves += 1;
    }
    world
        .binding
        .free_rankl(&world.fields, &mut world.signals.free_rankl_pm)?;
    let s = &mut world.signals;
    s.tnf_pm
        .copy_from_slice(world.fields.concentration(Species::Tnf)?);
    s.il1_pm
        .copy_from_slice(world.fields.concentration(Species::Il1)?);
    s.il6_pm
        .copy_from_slice(world.fields.concentration(Species::Il6)?);
    s.tgfb_pm
        .copy_from_slice(world.fields.concentration(Species::Tgfb)?);
    Ok(())
}
