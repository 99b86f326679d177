//! How many threads a command uses: `--threads`, else `SLURM_CPUS_PER_TASK` (what a
//! SLURM allocation granted), else every core the machine reports.

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

/// Resolves the thread count from the flag and the environment value of
/// `SLURM_CPUS_PER_TASK`. A SLURM value that is not a positive integer is an error:
/// silently using every core of a shared node would oversubscribe it.
pub fn resolve(flag: Option<usize>, slurm: Option<&str>) -> Result<(usize, ThreadSource), String> {
    if let Some(n) = flag {
        if n == 0 {
            return Err("--threads must be at least 1".into());
        }
        return Ok((n, ThreadSource::Flag));
    }
    if let Some(v) = slurm {
        return match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok((n, ThreadSource::Slurm)),
            _ => Err(format!(
                "SLURM_CPUS_PER_TASK={v:?} is not a positive integer"
            )),
        };
    }
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok((n, ThreadSource::Machine))
}

/// Sets up rayon's global pool with the resolved count and returns it with its source.
pub fn init(flag: Option<usize>) -> anyhow::Result<(usize, ThreadSource)> {
    let slurm = std::env::var("SLURM_CPUS_PER_TASK").ok();
    let (n, source) = resolve(flag, slurm.as_deref()).map_err(super::InputError)?;
    // A second initialisation (tests calling commands twice) keeps the first pool.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    Ok((n, source))
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
        assert_eq!(resolve(Some(3), Some("5")), Ok((3, ThreadSource::Flag)));
        assert_eq!(resolve(None, Some("5")), Ok((5, ThreadSource::Slurm)));
        assert_eq!(resolve(None, None).unwrap().1, ThreadSource::Machine);
        assert!(resolve(None, Some("0")).is_err());
        assert!(resolve(None, Some("two")).is_err());
        assert!(resolve(Some(0), None).is_err());
    }
}
