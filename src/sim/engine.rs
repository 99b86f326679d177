//! The step pipeline: named, timed stages run in order on the world.
//!
//! ```text
//! exposure -> dosing -> secrete -> solve_fields -> decide -> remodel -> apply_events
//!          -> mechanics -> bmu_sink -> record -> (measure -> record)
//! ```
//!
//! `decide` runs every cell and site in parallel into intents, each with its own
//! counter-based random stream; `remodel` and `apply_events` apply them serially in
//! id order (osteoclasts, then osteoblasts; deaths, then births), so a voxel claimed
//! twice goes to the lower id and the output is bit-identical for any thread count.
//! Each population applies its own intents ([`crate::cells`]), changing the bone only
//! through the bone handle.
//!
//! `exposure` advances the hormone and drug schedule ([`crate::pharmacology`]) with the
//! latest clinical readouts (the T-score of the last row, for conditional starts) and
//! `dosing` lays any bisphosphonate dose on bone ([`super::dosing`]); `remodel` hands
//! the drug released from each resorbed voxel to the osteoclast resorbing it. What is
//! due besides the every-step stages (field solves, mechanics checks, rows,
//! snapshots) comes from the run's [`Cadence`]; the stages themselves are in
//! the `pipeline` module.

use std::time::Instant;

use crate::cells::topology::TopologyEvent;
use crate::cells::{tcell, Rules};
use crate::config::clinical::ClinicalConfig;
use crate::config::{Config, RunConfig};
use crate::fields::{FieldError, Species};
use crate::lattice::Lattice;
use crate::output::OutputError;
use crate::pharmacology::{DrugKind, Pharmacology, Readouts};

use super::cadence::Cadence;
use super::clinical::ClinicalBaseline;
use super::clock::Clock;
use super::dosing;
use super::record::Sink;
use super::secrete::{SourceBuffers, SOLVED};
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
    pub(super) rules: Rules,
    pub(super) pharmacology: Pharmacology,
    pub(super) clock: Clock,
    pub(super) cadence: Cadence,
    pub(super) run: RunConfig,
    pub(super) step: u64,
    pub(super) started: bool,
    pub(super) timers: StageTimes,
    pub(super) last_totals: Totals,
    pub(super) species: Vec<usize>,
    pub(super) buffers: SourceBuffers,
    pub(super) events: Vec<TopologyEvent>,
    pub(super) clinical: ClinicalConfig,
    pub(super) baseline: ClinicalBaseline,
    pub(super) readouts: Readouts,
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
            let target = tcell::target(&rules, world.marrow_mm3(), &exposure);
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

    /// The cadence: what is due when.
    pub fn cadence(&self) -> &Cadence {
        &self.cadence
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
        self.timed(Stage::Secrete, |s| s.secrete(&exposure))?;
        self.timed(Stage::SolveFields, |s| s.solve(due))?;
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

    /// Runs one step through every stage.
    pub fn step(&mut self, sink: &mut dyn Sink) -> Result<(), SimError> {
        self.start(sink)?;
        if self.is_done() {
            return Ok(());
        }
        let due = self.cadence.step(self.step);
        let exposure = self.timed(Stage::Exposure, Self::expose);
        self.timed(Stage::Dosing, |s| dosing::bind(&mut s.world, &exposure));
        self.timed(Stage::Secrete, |s| s.secrete(&exposure))?;
        self.timed(Stage::SolveFields, |s| s.solve(due))?;
        let intents = self.timed(Stage::Decide, |s| s.decide(&exposure));
        self.timed(Stage::Remodel, |s| s.remodel(&intents, &exposure));
        let closed = self.timed(Stage::ApplyEvents, |s| s.apply_events(intents));
        self.step += 1;
        if due.mechanics {
            self.timed(Stage::Mechanics, |s| s.mark_unloaded(&exposure));
        }
        self.timed(Stage::BmuSink, |_| {
            closed.iter().try_for_each(|record| sink.bmu(record))
        })?;
        self.timed(Stage::Record, |s| s.record_events(sink))?;
        if due.measure || due.snapshot {
            let exposure = self.pharmacology.current(self.day());
            self.measure_and_record(sink, &exposure, due)?;
        }
        Ok(())
    }

    /// Runs `f` on the simulation as stage `stage`, adding its wall time.
    fn timed<T>(&mut self, stage: Stage, f: impl FnOnce(&mut Self) -> T) -> T {
        let t0 = Instant::now();
        let out = f(self);
        self.timers.add(stage, t0.elapsed());
        out
    }
}
