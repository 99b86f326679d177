//! The simulation engine: the step clock, counter-based random streams and (as the
//! cell model lands) the world and its pipeline of named, timed stages.

pub mod rng;
