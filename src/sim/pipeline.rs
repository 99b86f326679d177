//! The stages of a step ([`super::engine`] runs them in order, each timed): what each
//! reads and writes of the simulation, and which population's `decide` and `apply`
//! it calls.

use crate::cells::bmu;
use crate::cells::decide::{self, Populations, StepIntents};
use crate::cells::mechanics::CutGuard;
use crate::cells::{BmuRecord, Fusions, ObIntent, OcIntent, SiteIntent, TcIntent, View};
use crate::morphometry::{local_thickness, Phase as MaskPhase};
use crate::pharmacology::Exposure;

use super::cadence::Due;
use super::engine::{SimError, Simulation};
use super::measure::{measure, Measurement};
use super::mechanics;
use super::record::{Histogram, Sink};
use super::secrete;
use super::stages::Stage;
use super::world::Parts;

/// Intents of one step, one entry per population.
pub(super) struct Intents {
    oc: Vec<OcIntent>,
    ob: Vec<ObIntent>,
    tc: Vec<TcIntent>,
    fusions: Fusions,
    sites: Vec<SiteIntent>,
}

impl Simulation {
    /// The exposure stage: the hormone and drug schedule advanced to this step, with
    /// the latest readouts.
    pub(super) fn expose(&mut self) -> Exposure {
        let day = self.clock.day_at(self.step);
        self.pharmacology.advance(day, &self.readouts)
    }

    /// The secrete stage.
    pub(super) fn secrete(&mut self, exposure: &Exposure) -> Result<(), SimError> {
        secrete::secrete(&mut self.world, &self.rules, exposure, &mut self.buffers)?;
        Ok(())
    }

    /// The solve stage: a solve and a geometry update when `due`.
    pub(super) fn solve(&mut self, due: Due) -> Result<(), SimError> {
        secrete::solve(&mut self.world, &self.species, due.solve, due.geometry)?;
        Ok(())
    }

    /// The decide stage: every population's intents, each computed in parallel.
    pub(super) fn decide(&self, exposure: &Exposure) -> Intents {
        let w = &self.world;
        let view = View {
            lattice: &w.lattice,
            mask: &w.mask,
            memory: &w.memory,
            signals: &w.signals,
            exposure,
            rules: &self.rules,
            seed: self.run.seed,
            step: self.step,
        };
        let populations = Populations {
            osteoclasts: &w.osteoclasts,
            osteoblasts: &w.osteoblasts,
            tcells: &w.tcells,
            pool: &w.pool,
            bmus: &w.bmus,
            lining: &w.surface.lining,
            marrow_mm3: w.marrow_mm3(),
        };
        let StepIntents {
            oc,
            ob,
            tc,
            fusions,
            sites,
        } = decide::decide(&view, &populations);
        Intents {
            oc,
            ob,
            tc,
            fusions,
            sites,
        }
    }

    /// The remodel stage: osteoclasts resorb (held back at loaded struts by the
    /// guard of this exposure), move and die; osteoblasts form, move and finish; new
    /// bone mineralizes.
    pub(super) fn remodel(&mut self, intents: &Intents, exposure: &Exposure) {
        let guard = CutGuard::for_config(
            self.run.seed,
            &self.rules.cells.mechanics,
            exposure.estrogen_deficiency,
        );
        self.world.resorbed_per_cell_um3.fill(0.0);
        let Parts {
            mut bone,
            osteoclasts,
            osteoblasts,
            ..
        } = self.world.split(&self.rules, self.step, &mut self.events);
        osteoclasts.apply(&intents.oc, &mut bone, &guard);
        osteoblasts.apply(&intents.ob, &mut bone);
        bone.mineralize(self.clock.steps_per_day);
    }

    /// The apply-events stage: T-cells switch, die and divide; precursors fuse into
    /// recruits and new sites and the pool advances; sites recruit osteoblasts and
    /// the finished ones close (returned as records).
    pub(super) fn apply_events(&mut self, intents: Intents) -> Vec<BmuRecord> {
        let marrow_mm3 = self.world.marrow_mm3();
        let (rules, clock, step) = (&self.rules, self.clock, self.step);
        let Parts {
            mut bone,
            osteoclasts,
            osteoblasts,
            tcells,
            pool,
            ids,
        } = self.world.split(rules, step, &mut self.events);
        tcells.apply(&intents.tc, ids, step);
        pool.apply(
            intents.fusions,
            &mut bone,
            osteoclasts,
            ids,
            rules,
            marrow_mm3,
        );
        let day = |s: u64| clock.day_at(s);
        let closed = bmu::apply(
            intents.sites,
            &mut bone,
            osteoblasts,
            ids,
            rules.voxel_um,
            day,
        );
        let totals = &mut self.world.totals;
        totals.steps += 1;
        totals.surface_voxel_steps += self.world.surface.total_surface as f64;
        closed
    }

    /// The mechanics stage: unloaded bone re-marked under this exposure.
    pub(super) fn mark_unloaded(&mut self, exposure: &Exposure) {
        let m = &self.rules.cells.mechanics;
        let disuse = mechanics::disuse_threshold(m, exposure.estrogen_deficiency);
        let w = &mut self.world;
        mechanics::mark_unloaded(&w.mask, &mut w.memory, disuse);
    }

    /// The record stage for the step's topology events.
    pub(super) fn record_events(&mut self, sink: &mut dyn Sink) -> Result<(), SimError> {
        for e in std::mem::take(&mut self.events) {
            sink.topology(self.clock.day_at(e.step), &e)?;
        }
        Ok(())
    }

    /// The measure and record stages of a boundary with a row or a snapshot `due`.
    pub(super) fn measure_and_record(
        &mut self,
        sink: &mut dyn Sink,
        exposure: &Exposure,
        due: Due,
    ) -> Result<(), SimError> {
        let day = self.clock.whole_day_at(self.step).unwrap_or(0);
        let (row_due, snapshot, structure) = (due.measure, due.snapshot, due.structure);
        let (w, last, dt) = (&self.world, &self.last_totals, self.clock.dt_days());
        let clinical = &self.clinical;
        let baseline = &mut self.baseline;
        let row: Option<Measurement> = row_due.then(|| {
            self.timers.time(Stage::Measure, || {
                let mut row = measure(w, exposure, last, dt, clinical, structure);
                baseline.fill(&mut row, clinical);
                row
            })
        });
        if let Some(t) = row.as_ref().map(|r| r.t_score).filter(|t| t.is_finite()) {
            self.readouts.t_score = Some(t);
        }
        let histogram = snapshot.then(|| {
            self.timers.time(Stage::Measure, || Histogram {
                day: day as f64,
                bin_um: w.lattice.voxel_um,
                counts: local_thickness(&w.mask, MaskPhase::Bone).histogram(w.lattice.voxel_um),
            })
        });
        if row.is_some() {
            self.last_totals = self.world.totals.clone();
        }
        let world = &self.world;
        self.timers.time(Stage::Record, || -> Result<(), SimError> {
            if let Some(row) = &row {
                sink.measurement(row)?;
            }
            if let Some(h) = &histogram {
                sink.snapshot(day as u32, world, h)?;
            }
            Ok(())
        })
    }
}
