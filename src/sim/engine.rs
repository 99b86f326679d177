//! The step pipeline: named, timed stages run in order on the world.
//!
//! ```text
//! exposure -> secrete -> solve_fields -> decide -> remodel -> apply_events -> measure -> record
//! ```
//!
//! `decide` runs every cell and site in parallel into intents, each with its own
//! counter-based random stream; `remodel` and `apply_events` apply them serially in
//! id order (osteoclasts, then osteoblasts; deaths, then births), so a voxel claimed
//! twice goes to the lower id and the output is bit-identical for any thread count.
//!
//! `exposure` advances the hormone and drug schedule ([`crate::pharmacology`]) with the
//! latest clinical readouts (the T-score of the last row, for conditional starts) and
//! lays any bisphosphonate dose on bone ([`super::dosing`]); `remodel` hands the drug
//! released from each resorbed voxel to the osteoclast resorbing it.

use rayon::prelude::*;

use crate::cells::topology::TopologyEvent;
use crate::cells::{osteoblast, precursor, ObFate, Phase, Rules, View};
use crate::config::clinical::ClinicalConfig;
use crate::config::{Config, RunConfig};
use crate::fields::FieldError;
use crate::fields::Species;
use crate::lattice::memory::flags;
use crate::lattice::Lattice;
use crate::morphometry::{local_thickness, Phase as MaskPhase};
use crate::output::OutputError;
use crate::pharmacology::{DrugKind, Exposure, Pharmacology, Readouts};

use super::cadence::{Cadence, Due};
use super::clinical::ClinicalBaseline;
use super::clock::Clock;
use super::dosing;
use super::measure::{measure, Measurement};
use super::mechanics;
use super::record::{Histogram, Sink};
use super::remodel;
use super::secrete::{self, SourceBuffers, SOLVED};
use super::stages::{Stage, StageTimes};
use super::world::{Totals, World};

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The fields could not be built or solved.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// Recording failed (the error names the file and the object).
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A simulation: the world, its rules, schedules and clock.
pub struct Simulation {
    pub(super) world: World,
    rules: Rules,
    pub(super) pharmacology: Pharmacology,
    clock: Clock,
    cadence: Cadence,
    run: RunConfig,
    pub(super) step: u64,
    pub(super) started: bool,
    timers: StageTimes,
    pub(super) last_totals: Totals,
    species: Vec<usize>,
    buffers: SourceBuffers,
    events: Vec<TopologyEvent>,
    clinical: ClinicalConfig,
    pub(super) baseline: ClinicalBaseline,
    pub(super) readouts: Readouts,
}

/// Osteoblasts recruited to one site this step: the site, `(voxel, programmed life in
/// days)` per recruit, and whether the site was idle (nothing to recruit to and no
/// osteoblast at work when the step began).
type ObRecruits = (u32, Vec<(u32, f32)>, bool);

/// Intents of one step.
struct Intents {
    oc: Vec<crate::cells::OcIntent>,
    ob: Vec<crate::cells::ObIntent>,
    tc: Vec<crate::cells::TcIntent>,
    initiations: Vec<(u32, u16)>,
    oc_recruits: Vec<(u32, Vec<(u32, u16)>)>,
    ob_recruits: Vec<ObRecruits>,
}

impl Simulation {
    /// A simulation of `config` starting from `lattice`.
    pub fn new(config: &Config, lattice: Lattice) -> Result<Self, SimError> {
        let clock = Clock::new(&config.run);
        let rules = Rules::new(&config.cells, lattice.voxel_um, clock.dt_days());
        let cadence = Cadence::new(clock, &config.run, rules.cells.mechanics.check_every_days);
        let mut world = World::new(config, lattice, &rules)?;
        let pharmacology = Pharmacology::from_config(config);
        if rules.cells.tcell.enabled {
            let exposure = pharmacology.current(clock.day_at(0));
            let target = tcell_target(&world, &rules, &exposure);
            world.seed_tcells(target.round() as usize, config.run.seed);
        }
        let denosumab = pharmacology
            .uses(DrugKind::AntiRankl)
            .then_some(Species::Denosumab);
        let species = SOLVED
            .iter()
            .copied()
            .chain(denosumab)
            .filter_map(|s| world.fields.index_of(s))
            .collect();
        Ok(Self {
            world,
            rules,
            pharmacology,
            clock,
            cadence,
            run: config.run.clone(),
            step: 0,
            started: false,
            timers: StageTimes::default(),
            last_totals: Totals::default(),
            species,
            buffers: SourceBuffers::default(),
            events: Vec::new(),
            clinical: config.clinical.clone(),
            baseline: ClinicalBaseline::default(),
            readouts: Readouts::default(),
        })
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Whether a checkpoint is due now, after the steps run so far (see
    /// [`Cadence::checkpoint_after`]).
    pub fn checkpoint_due(&self) -> bool {
        self.cadence.checkpoint_after(self.step)
    }

    /// The run settings.
    pub fn run_config(&self) -> &RunConfig {
        &self.run
    }

    /// The hormone and drug schedule with its state.
    pub fn pharmacology(&self) -> &Pharmacology {
        &self.pharmacology
    }

    /// Time per stage so far.
    pub fn timers(&self) -> &StageTimes {
        &self.timers
    }

    /// Steps run so far.
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// Whether every step has run.
    pub fn is_done(&self) -> bool {
        self.step >= self.clock.total_steps()
    }

    /// Simulated day at the current point of the run.
    pub fn day(&self) -> f64 {
        self.clock.day_at(self.step)
    }

    /// Solves the initial fields and records the first row (and a day-0 snapshot when
    /// there is no spin-up). Called by [`Self::step`] if not called before.
    pub fn start(&mut self, sink: &mut dyn Sink) -> Result<(), SimError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let exposure = self.pharmacology.current(self.clock.day_at(0));
        let due = self.cadence.start();
        self.secrete_and_solve(&exposure, due)?;
        self.measure_and_record(sink, &exposure, due)
    }

    /// Runs every remaining step, calling `progress` after each.
    pub fn run(
        &mut self,
        sink: &mut dyn Sink,
        mut progress: impl FnMut(&Simulation),
    ) -> Result<(), SimError> {
        self.start(sink)?;
        while !self.is_done() {
            self.step(sink)?;
            progress(self);
        }
        sink.flush()?;
        Ok(())
    }

    fn secrete_and_solve(&mut self, exposure: &Exposure, due: Due) -> Result<(), SimError> {
        let (w, r, b) = (&mut self.world, &self.rules, &mut self.buffers);
        self.timers
            .time(Stage::Secrete, || secrete::secrete(w, r, exposure, b))?;
        let species = &self.species;
        self.timers.time(Stage::SolveFields, || {
            secrete::solve(w, species, due.solve, due.geometry)
        })?;
        Ok(())
    }

    /// Runs one step through every stage.
    pub fn step(&mut self, sink: &mut dyn Sink) -> Result<(), SimError> {
        self.start(sink)?;
        if self.is_done() {
            return Ok(());
        }
        let day = self.clock.day_at(self.step);
        let due = self.cadence.step(self.step);
        let (pharmacology, readouts) = (&mut self.pharmacology, &self.readouts);
        let world = &mut self.world;
        let exposure = self.timers.time(Stage::Exposure, || {
            let exposure = pharmacology.advance(day, readouts);
            dosing::bind(world, &exposure);
            exposure
        });
        self.secrete_and_solve(&exposure, due)?;
        let intents = {
            let view = View {
                lattice: &self.world.lattice,
                mask: &self.world.mask,
                memory: &self.world.memory,
                signals: &self.world.signals,
                exposure: &exposure,
                rules: &self.rules,
                seed: self.run.seed,
                step: self.step,
            };
            let world = &self.world;
            let rules = &self.rules;
            self.timers
                .time(Stage::Decide, || decide(world, rules, &view, &exposure))
        };
        let (w, r, c, s) = (&mut self.world, &self.rules, &self.clock, self.step);
        let events = &mut self.events;
        let guard = mechanics::CutGuard::for_config(
            self.run.seed,
            &r.cells.mechanics,
            exposure.estrogen_deficiency,
        );
        self.timers.time(Stage::Remodel, || {
            remodel_stage(w, r, c, &intents, s, &guard, events)
        });
        let closed = self
            .timers
            .time(Stage::ApplyEvents, || apply_events(w, r, c, intents, s));
        self.step += 1;
        if due.mechanics {
            self.timers.time(Stage::ApplyEvents, || {
                let disuse =
                    mechanics::disuse_threshold(&r.cells.mechanics, exposure.estrogen_deficiency);
                mechanics::mark_unloaded(&w.mask, &mut w.memory, disuse)
            });
        }
        for record in &closed {
            sink.bmu(record).map_err(SimError::Output)?;
        }
        let events = std::mem::take(&mut self.events);
        let clock = self.clock;
        self.timers
            .time(Stage::Record, || -> Result<(), SimError> {
                for e in &events {
                    sink.topology(clock.day_at(e.step), e)?;
                }
                Ok(())
            })?;
        if due.measure || due.snapshot {
            let exposure = self.pharmacology.current(self.day());
            self.measure_and_record(sink, &exposure, due)?;
        }
        Ok(())
    }

    fn measure_and_record(
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

/// The T-cell population the marrow tends to under `exposure`.
fn tcell_target(world: &World, rules: &Rules, exposure: &Exposure) -> f64 {
    let t = &rules.cells.tcell;
    if !t.enabled {
        return 0.0;
    }
    t.params.density_per_mm3
        * world.marrow_mm3()
        * exposure.estrogen_factor(t.params.expansion_gain)
}

/// The decide stage: every intent of the step, computed in parallel.
fn decide(world: &World, rules: &Rules, view: &View<'_>, exposure: &Exposure) -> Intents {
    let oc = world.osteoclasts.decide(view);
    let ob = world.osteoblasts.decide(view);
    let tc = world
        .tcells
        .decide(view, tcell_target(world, rules, exposure));
    let fill = world.pool.fill();
    let mut initiations = precursor::initiations(view, &world.surface.lining, fill);
    initiations.extend(mechanics::unloaded_initiations(view, fill));
    // Teams: (site, voxel) of every osteoclast, grouped by site in id order.
    let mut team: Vec<(u32, u32)> = world
        .osteoclasts
        .site
        .iter()
        .copied()
        .zip(world.osteoclasts.voxel.iter().copied())
        .collect();
    team.sort_by_key(|&(s, _)| s);
    let oc_recruits = world
        .bmus
        .open
        .par_iter()
        .filter(|b| b.phase() == Phase::Resorbing)
        .map(|b| {
            let lo = team.partition_point(|&(s, _)| s < b.id);
            let hi = team.partition_point(|&(s, _)| s <= b.id);
            let voxels: Vec<u32> = team[lo..hi].iter().map(|&(_, v)| v).collect();
            let age_days = (view.step - b.start_step) as f64 * rules.dt_days;
            (
                b.id,
                precursor::recruit(b.id, age_days, &voxels, view, fill),
            )
        })
        .collect();
    let ob_recruits = world
        .bmus
        .open
        .par_iter()
        .filter(|b| b.phase() != Phase::Resorbing)
        .map(|b| {
            let (recruits, any) = osteoblast::recruit(b, view);
            // Idle: nothing to recruit to and no osteoblast at work when the step began
            // (one finishing this step may open the next layer).
            (b.id, recruits, !any && b.osteoblasts_alive == 0)
        })
        .collect();
    Intents {
        oc,
        ob,
        tc,
        initiations,
        oc_recruits,
        ob_recruits,
    }
}

/// The remodel stage: resorption and osteoclast moves, formation and osteoblast moves,
/// mineralization.
fn remodel_stage(
    world: &mut World,
    rules: &Rules,
    clock: &Clock,
    intents: &Intents,
    step: u64,
    guard: &mechanics::CutGuard,
    events: &mut Vec<TopologyEvent>,
) {
    world.resorbed_per_cell_um3.fill(0.0);
    for (i, intent) in intents.oc.iter().enumerate() {
        if intent.dies {
            continue;
        }
        let site = world.osteoclasts.site[i];
        for &(j, amount) in &intent.resorb {
            let before = world.lattice.bone_fraction[j as usize];
            let mut log = remodel::StepLog {
                step,
                guard: *guard,
                events,
            };
            remodel::resorb(world, rules, site, j as usize, amount, &mut log);
            dosing::uptake(world, i, j as usize, before);
        }
        if let Some(q) = intent.move_to {
            if world.mask.data[q as usize] == 0 {
                world.osteoclasts.voxel[i] = q;
            }
        }
    }
    for (i, intent) in intents.ob.iter().enumerate() {
        world.osteoblasts.life_used_days[i] = intent.life_used_days;
        if intent.fate != ObFate::Active {
            continue;
        }
        let v = world.osteoblasts.voxel[i] as usize;
        let site = world.osteoblasts.site[i];
        if intent.deposit > 0.0 {
            let um3 = remodel::deposit(world, rules, site, v, intent.deposit, step);
            world.osteoblasts.formed_um3[i] += um3 as f32;
        }
        if let Some(u) = intent.move_to {
            let u = u as usize;
            if !world.memory.has(u, flags::OSTEOBLAST) {
                world.memory.set(v, flags::OSTEOBLAST, false);
                world
                    .memory
                    .set(u, flags::OSTEOBLAST | flags::VISITED, true);
                world.osteoblasts.voxel[i] = u as u32;
            }
        }
    }
    remodel::mineralize(world, rules, clock);
}

/// The apply-events stage: deaths, then births, site transitions, the precursor pool,
/// and closing finished sites (returned as records).
fn apply_events(
    world: &mut World,
    rules: &Rules,
    clock: &Clock,
    intents: Intents,
    step: u64,
) -> Vec<crate::cells::BmuRecord> {
    // Osteoclast deaths.
    let keep: Vec<bool> = intents.oc.iter().map(|i| !i.dies).collect();
    for (i, intent) in intents.oc.iter().enumerate() {
        if intent.dies {
            let site = world.osteoclasts.site[i];
            if let Some(b) = world.bmus.get_mut(site) {
                b.osteoclasts_alive -= 1;
                if b.osteoclasts_alive == 0 {
                    b.resorption_end_step = Some(step);
                }
            }
        }
    }
    world.osteoclasts.retain(&keep);
    // Osteoblasts that finished or died.
    let keep: Vec<bool> = intents
        .ob
        .iter()
        .map(|i| i.fate == ObFate::Active)
        .collect();
    for (i, intent) in intents.ob.iter().enumerate() {
        if intent.fate != ObFate::Active {
            let v = world.osteoblasts.voxel[i] as usize;
            world.memory.set(v, flags::OSTEOBLAST, false);
            if let Some(b) = world.bmus.get_mut(world.osteoblasts.site[i]) {
                b.osteoblasts_alive -= 1;
            }
        }
    }
    world.osteoblasts.retain(&keep);
    // T-cells: switches, deaths, then daughters in mother id order.
    let mut daughters = Vec::new();
    for (i, intent) in intents.tc.iter().enumerate() {
        world.tcells.activated[i] = intent.activated;
        if let Some(d) = intent.daughter {
            daughters.push(d);
        }
    }
    let keep: Vec<bool> = intents.tc.iter().map(|i| !i.dies).collect();
    world.tcells.retain(&keep);
    for v in daughters {
        let id = world.take_id();
        world.tcells.push(id, v, false, step);
    }
    // Osteoclasts recruited to resorbing sites, in site order.
    for (site, recruits) in intents.oc_recruits {
        for (voxel, nuclei) in recruits {
            if !world.pool.can_use(nuclei) {
                continue;
            }
            world.pool.take(nuclei);
            let id = world.take_id();
            world.osteoclasts.push(id, voxel, nuclei, step, site);
            if let Some(b) = world.bmus.get_mut(site) {
                b.osteoclasts_alive += 1;
                b.osteoclasts_total += 1;
            }
        }
    }
    // New sites, in draw order.
    for (voxel, nuclei) in intents.initiations {
        let v = voxel as usize;
        if world.mask.data[v] != 0 || !world.pool.can_use(nuclei) {
            continue;
        }
        world.pool.take(nuclei);
        let site = world.bmus.open_site(voxel, step);
        let id = world.take_id();
        world.osteoclasts.push(id, voxel, nuclei, step, site);
        world.totals.initiations += 1;
        if let Some(b) = world.bmus.get_mut(site) {
            b.osteoclasts_alive = 1;
            b.osteoclasts_total = 1;
        }
    }
    // Osteoblasts recruited to reversal surfaces, in site then voxel order.
    let mut finished = Vec::new();
    for (site, recruits, idle) in intents.ob_recruits {
        for (voxel, life) in recruits {
            let v = voxel as usize;
            if world.memory.has(v, flags::OSTEOBLAST) {
                continue;
            }
            world
                .memory
                .set(v, flags::OSTEOBLAST | flags::VISITED, true);
            let id = world.take_id();
            world.osteoblasts.push(id, voxel, site, step, life);
            if let Some(b) = world.bmus.get_mut(site) {
                b.osteoblasts_alive += 1;
                b.osteoblasts_total += 1;
                b.formation_start_step.get_or_insert(step);
            }
        }
        if idle {
            finished.push(site);
        }
    }
    let marrow = world.marrow_mm3();
    world
        .pool
        .advance(&rules.cells.precursor, marrow, rules.dt_days);
    // Close sites with nothing left to do.
    let mut records = Vec::new();
    for site in finished {
        let Some(b) = world.bmus.get(site) else {
            continue;
        };
        if b.osteoclasts_alive > 0 || b.osteoblasts_alive > 0 {
            continue;
        }
        // Re-checked on the lattice as it is now: this step's deposits may have
        // completed the floor under a voxel that can now recruit.
        let cavities = osteoblast::Cavities {
            lattice: &world.lattice,
            mask: &world.mask,
            memory: &world.memory,
        };
        if cavities.any_recruitable(b) {
            continue;
        }
        let b = b.clone();
        records.push(remodel::close_site(world, rules, clock, &b, step));
        world.bmus.open.retain(|x| x.id != site);
    }
    world.totals.steps += 1;
    world.totals.surface_voxel_steps += world.surface.total_surface as f64;
    records
}
