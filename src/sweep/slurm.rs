//! The SLURM array script of a plan: `DIR/sweep.sbatch`, one array task per sweep
//! task, each calling `trabecula sweep run DIR` (which reads its task from
//! `SLURM_ARRAY_TASK_ID` and its thread count from `SLURM_CPUS_PER_TASK`).

use std::path::Path;

use super::write::shell_quote;
use crate::cli::InputError;

/// Resources asked of SLURM for each task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// `--partition` (cluster default when `None`).
    pub partition: Option<String>,
    /// `--time`, e.g. `02:00:00` (cluster default when `None`).
    pub time: Option<String>,
    /// `--mem`, e.g. `4G` (cluster default when `None`).
    pub mem: Option<String>,
    /// `--cpus-per-task`.
    pub cpus: u32,
}

/// Checks a value bound for an `#SBATCH` line: one word, no shell or line breaks.
fn check_word(flag: &str, v: &str) -> Result<(), InputError> {
    if v.is_empty()
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.,+".contains(c))
    {
        return Err(InputError(format!(
            "--{flag} {v:?}: expected one word of letters, digits and - _ : . , + (e.g. --time 02:00:00, --mem 4G)"
        )));
    }
    Ok(())
}

/// The text of the array script for a plan of `tasks` tasks in `dir` (absolute),
/// run by `binary` (absolute).
pub fn script(
    name: &str,
    dir: &Path,
    binary: &Path,
    tasks: usize,
    res: &Resources,
) -> Result<String, InputError> {
    if tasks == 0 {
        return Err(InputError("the plan has no tasks".into()));
    }
    if res.cpus == 0 {
        return Err(InputError("--cpus must be at least 1".into()));
    }
    let job: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let logs = dir.join("logs");
    let mut s = String::from("#!/bin/bash\n");
    s.push_str(&format!("# Written by `trabecula sweep slurm`: one array task per sweep task.\n# Submit with: sbatch {}\n", shell_quote(&dir.join("sweep.sbatch").display().to_string())));
    s.push_str(&format!("#SBATCH --job-name=trabecula-{job}\n"));
    s.push_str(&format!("#SBATCH --array=0-{}\n", tasks - 1));
    s.push_str(&format!("#SBATCH --cpus-per-task={}\n", res.cpus));
    s.push_str("#SBATCH --ntasks=1\n");
    // %A: the array job id, %a: the task index.
    s.push_str(&format!(
        "#SBATCH --output={}/task_%a_%A.out\n",
        logs.display()
    ));
    for (flag, value) in [
        ("partition", &res.partition),
        ("time", &res.time),
        ("mem", &res.mem),
    ] {
        if let Some(v) = value {
            check_word(flag, v)?;
            s.push_str(&format!("#SBATCH --{flag}={v}\n"));
        }
    }
    s.push_str("set -euo pipefail\n");
    s.push_str(&format!(
        "exec {} sweep run {}\n",
        shell_quote(&binary.display().to_string()),
        shell_quote(&dir.display().to_string())
    ));
    if logs.display().to_string().contains(char::is_whitespace) {
        return Err(InputError(format!(
            "{}: SLURM's --output cannot hold a path with spaces; plan the sweep in a directory without them",
            dir.display()
        )));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_covers_every_task_and_rejects_odd_values() {
        let res = Resources {
            time: Some("01:00:00".into()),
            cpus: 2,
            ..Default::default()
        };
        let s = script("est", Path::new("/p/d"), Path::new("/b/trabecula"), 6, &res).unwrap();
        assert!(s.contains("#SBATCH --array=0-5\n"));
        assert!(s.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(s.contains("#SBATCH --time=01:00:00\n"));
        assert!(s.contains("#SBATCH --output=/p/d/logs/task_%a_%A.out\n"));
        assert!(s.contains("exec /b/trabecula sweep run /p/d\n"));
        assert!(!s.contains("--partition"));
        let bad = Resources {
            mem: Some("4G\nrm -rf".into()),
            cpus: 1,
            ..Default::default()
        };
        assert!(script("x", Path::new("/p"), Path::new("/b"), 1, &bad).is_err());
    }
}
