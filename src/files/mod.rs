//! Writing to paths a user named, safely: one writer per output path at a time
//! ([`lock`]), and temporary files that can never take the name of a user's file
//! ([`temp`]).
//!
//! Every command that writes (`run`, `resume`, `lattice`, `sweep plan`, `sweep run`,
//! `collect`, `validate -o`) takes the [`WriteLock`] of its output before any work
//! starts and holds it to the end. The lock is the operating system's advisory
//! `flock` on a small file beside the output, independent of the HDF5 library's own
//! file locking, so `HDF5_USE_FILE_LOCKING=FALSE` (which readers set to peek at a
//! live file) does not switch it off.

pub mod lock;
pub mod temp;

pub use lock::{LockError, WriteLock};
pub use temp::{write_whole, TempFile};
