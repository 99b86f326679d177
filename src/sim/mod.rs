//! The simulation engine: the world, the step clock, and the pipeline of named, timed
//! stages (the random streams it draws from are in [`crate::random`]).
//!
//! [`Simulation`] runs the pipeline ([`engine`]); [`World`] holds its state;
//! [`Sink`] receives what it records ([`record`]); [`checkpoint`] saves and restores
//! it between steps.

pub mod cadence;
pub mod checkpoint;
pub mod clinical;
pub mod clock;
pub mod dosing;
pub mod engine;
pub mod load;
pub mod measure;
pub mod mechanics;
mod pipeline;
pub mod record;
pub mod secrete;
pub mod stages;
pub mod world;

pub use cadence::{Cadence, Due};
pub use checkpoint::{CheckpointError, CHECKPOINT_FORMAT};
pub use clock::Clock;
pub use engine::{SimError, Simulation};
pub use measure::Measurement;
pub use record::{Hdf5Sink, MemorySink, Sink};
pub use stages::{Stage, StageTimes};
pub use world::World;
