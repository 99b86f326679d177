//! How many threads a command uses: `--threads`, else `SLURM_CPUS_PER_TASK` (what a
//! SLURM allocation granted), else every core the process may use.
//!
//! The cap is [`std::thread::available_parallelism`]: the CPUs of the process's
//! affinity mask, lowered by a cgroup CPU quota (what a container or a SLURM job
//! step actually grants). A `--threads` or `SLURM_CPUS_PER_TASK` above it is bad
//! input (exit status 2) naming the value, the cap and where the cap came from, rather
//! than an oversubscribed run or, for a huge value, minutes spent spawning threads.
//! A failure to start the worker threads (a process or cgroup thread limit,
//! `ulimit -u` or `pids.max`) is an error too, never a panic.

use std::error::Error as _;
use std::sync::OnceLock;

use super::InputError;

/// Where the thread count came from, for the log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadSource {
    /// `--threads N`.
    Flag,
    /// `SLURM_CPUS_PER_TASK`.
    Slurm,
    /// The machine's available parallelism.
    Machine,
}

/// Where the cap is read from, for messages.
pub const CAP_SOURCE: &str =
    "the CPUs this process may use: its CPU affinity and any cgroup CPU quota";

/// Threads this process can run at once ([`std::thread::available_parallelism`];
/// 1 when the platform cannot tell).
pub fn cap() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Resolves the thread count from the flag, the environment value of
/// `SLURM_CPUS_PER_TASK` and the cap ([`cap`]). A SLURM value that is not a positive
/// integer is an error: silently using every core of a shared node would oversubscribe
/// it. A flag or SLURM value above the cap is an error naming both.
pub fn resolve(
    flag: Option<usize>,
    slurm: Option<&str>,
    cap: usize,
) -> Result<(usize, ThreadSource), String> {
    let cap = cap.max(1);
    if let Some(n) = flag {
        if n == 0 {
            return Err(format!(
                "--threads must be at least 1; valid range is [1, {cap}]"
            ));
        }
        if n > cap {
            return Err(format!(
                "--threads {n} is more than this machine can serve: {cap} ({CAP_SOURCE}); \
                 valid range is [1, {cap}]"
            ));
        }
        return Ok((n, ThreadSource::Flag));
    }
    if let Some(v) = slurm {
        return match v.trim().parse::<usize>() {
            Ok(n) if n > cap => Err(format!(
                "SLURM_CPUS_PER_TASK={v} is more than this process can use: {cap} ({CAP_SOURCE}); \
                 pass --threads N with N in [1, {cap}]"
            )),
            Ok(n) if n > 0 => Ok((n, ThreadSource::Slurm)),
            _ => Err(format!(
                "SLURM_CPUS_PER_TASK={v:?} is not a positive integer"
            )),
        };
    }
    Ok((cap, ThreadSource::Machine))
}

/// Checks a list of thread counts (e.g. `bench --threads 1,2,4`) against the cap.
pub fn check_counts(counts: &[usize], cap: usize) -> Result<(), String> {
    let cap = cap.max(1);
    match counts.iter().find(|&&n| n == 0 || n > cap) {
        Some(n) => Err(format!(
            "--threads {n}: valid range is [1, {cap}] ({cap} is {CAP_SOURCE})"
        )),
        None => Ok(()),
    }
}

/// Size of the global pool this module built, once built.
static BUILT: OnceLock<usize> = OnceLock::new();

/// Sets up rayon's global pool with the resolved count and returns the pool's size
/// with the count's source.
///
/// The global pool can be built once per process: a second call (tests running
/// commands in one process) keeps the first pool and returns its size. A pool
/// rayon started on its own before (any parallel call before this one) is kept the
/// same way. Failing to start the threads is an [`InputError`] asking for fewer.
pub fn init(flag: Option<usize>) -> anyhow::Result<(usize, ThreadSource)> {
    let slurm = std::env::var("SLURM_CPUS_PER_TASK").ok();
    let (n, source) = resolve(flag, slurm.as_deref(), cap()).map_err(InputError)?;
    if let Some(&built) = BUILT.get() {
        return Ok((built, source));
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
    {
        Ok(()) => {
            let _ = BUILT.set(n);
            Ok((n, source))
        }
        // No underlying error: the pool existed already (see above); rayon then
        // reports its size without starting anything.
        Err(e) if e.source().is_none() => Ok((rayon::current_num_threads(), source)),
        Err(e) => Err(InputError(format!(
            "could not start {n} worker threads ({e}); the process or its cgroup limits \
             threads (ulimit -u, pids.max): pass a smaller --threads"
        ))
        .into()),
    }
}

impl std::fmt::Display for ThreadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ThreadSource::Flag => "--threads",
            ThreadSource::Slurm => "SLURM_CPUS_PER_TASK",
            ThreadSource::Machine => "all cores",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_slurm_beats_machine() {
        assert_eq!(resolve(Some(3), Some("5"), 8), Ok((3, ThreadSource::Flag)));
        assert_eq!(resolve(None, Some("5"), 8), Ok((5, ThreadSource::Slurm)));
        assert_eq!(resolve(None, None, 8), Ok((8, ThreadSource::Machine)));
        assert!(resolve(None, Some("0"), 8).is_err());
        assert!(resolve(None, Some("two"), 8).is_err());
        assert!(resolve(Some(0), None, 8).is_err());
    }

    #[test]
    fn counts_above_the_cap_are_refused_naming_value_cap_and_source() {
        assert_eq!(resolve(Some(4), None, 4), Ok((4, ThreadSource::Flag)));
        let e = resolve(Some(100_000), None, 4).unwrap_err();
        assert!(e.contains("--threads 100000"), "{e}");
        assert!(e.contains("[1, 4]"), "{e}");
        assert!(e.contains("affinity"), "{e}");
        let e = resolve(None, Some("64"), 4).unwrap_err();
        assert!(e.contains("SLURM_CPUS_PER_TASK=64"), "{e}");
        assert!(e.contains("[1, 4]"), "{e}");
        // The flag is checked on its own: a valid flag beats a bad SLURM value.
        assert_eq!(resolve(Some(2), Some("64"), 4), Ok((2, ThreadSource::Flag)));
        // A cap of 0 (cannot happen; defensive) still allows one thread.
        assert_eq!(resolve(None, None, 0), Ok((1, ThreadSource::Machine)));
    }

    #[test]
    fn lists_of_counts_are_checked_against_the_cap() {
        assert!(check_counts(&[1, 2], 2).is_ok());
        let e = check_counts(&[1, 3], 2).unwrap_err();
        assert!(e.contains("--threads 3") && e.contains("[1, 2]"), "{e}");
        assert!(check_counts(&[0], 2).is_err());
    }
}
