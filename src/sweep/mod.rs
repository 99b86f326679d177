//! Parameter sweeps: a sweep file, its plan (one standalone config per task and a
//! manifest), running a task (locally or as a SLURM array task) and collecting
//! the results into one table.
//!
//! # The sweep file
//!
//! ```toml
//! [sweep]
//! base = "postmenopausal.toml" # the base config, relative to this file (required)
//! name = "estrogen"            # default: the file's stem
//! seed = 20261121              # Latin hypercube and replicate seeds (default 1)
//! replicates = 3               # runs per parameter point, [1, 10000] (default 1)
//! lhs_samples = 8              # Latin-hypercube samples: required with a range
//!                              # axis, refused without one
//!
//! [fixed]                      # overrides applied to every task (optional)
//! "run.days" = 365
//!
//! [axes]                       # config keys to vary (at least one)
//! "estrogen.level_pg_ml" = [5.0, 10.0, 15.0]       # listed values
//! "estrogen.ec50_pg_ml" = { min = 10.0, max = 50.0 } # a range, sampled by LHS
//! ```
//!
//! Keys of `[fixed]` and `[axes]` are full config keys in quotes, exactly what
//! `--set` takes; `run.seed` cannot be set (it is derived per replicate).
//!
//! # Which tasks are planned
//!
//! The **full grid** of the listed axes, **crossed with** the `lhs_samples` points
//! of a Latin hypercube over the range axes, **times** the replicates:
//! `tasks = (product of the listed axes' lengths) * max(lhs_samples, 1) *
//! replicates`. Axes are taken in key order (alphabetical). Task ids run over grid
//! points (last listed axis fastest), then samples, then replicates
//! ([`plan`]). Sampling and seeds are pure functions of `sweep.seed` ([`lhs`]):
//! the same sweep file always plans the same tasks, and replicate `r` uses the same
//! derived seed at every parameter point.
//!
//! Every task's config (base config + fixed + axis values + seed) goes through the
//! checks `trabecula check` applies ([`crate::config::parse_checked`]: the schema
//! and the synthetic generator's rules, such as a side at least one node spacing
//! wide) before anything is written; a bad axis value is reported at its key and
//! line in the sweep file, with the config's own message (valid range, smallest
//! valid value, suggestion for an unknown key) and the tasks it breaks.
//!
//! # The plan directory
//!
//! See [`manifest`] for the layout and the manifest's fields, [`task`] for what
//! `sweep run` does with an existing output, [`slurm`] for the array script and
//! [`collect`] for the collected tables.

pub mod collect;
pub mod file;
pub mod lhs;
pub mod manifest;
pub mod plan;
pub mod slurm;
pub mod task;
pub mod write;

pub use file::{Axis, AxisKind, SweepFile};
pub use manifest::Manifest;
pub use plan::{PlannedTask, Task};
pub use task::TaskAction;
