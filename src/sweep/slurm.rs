//! The SLURM array script of a plan: `DIR/sweep.sbatch`, one array task per sweep
//! task, each calling `trabecula sweep run DIR` (which reads its task from
//! `SLURM_ARRAY_TASK_ID` and its thread count from `SLURM_CPUS_PER_TASK`).

use std::path::Path;

use super::write::shell_quote;
use crate::error::InputError;

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

/// SLURM's time-limit forms, for messages.
pub const TIME_FORMS: &str =
    "MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (e.g. 02:00:00, 1-12), or UNLIMITED";

impl Resources {
    /// Checks every value against what `sbatch` accepts: `--time` in one of SLURM's
    /// time forms ([`check_time`]), `--mem` a size ([`check_mem`]), `--cpus` at
    /// least 1, `--partition` one word.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.cpus == 0 {
            return Err(InputError(
                "--cpus 0: expected at least 1 CPU per task".into(),
            ));
        }
        if let Some(p) = &self.partition {
            check_word("partition", p)?;
        }
        if let Some(t) = &self.time {
            check_time(t)?;
        }
        if let Some(m) = &self.mem {
            check_mem(m)?;
        }
        Ok(())
    }
}

/// Checks a `--time` value against SLURM's forms: `MM`, `MM:SS`, `HH:MM:SS`,
/// `D-HH`, `D-HH:MM`, `D-HH:MM:SS`, or `UNLIMITED` / `INFINITE` (any case). The
/// leading field may be any number; the fields after it are below 60 (hours after
/// a day: below 24).
pub fn check_time(v: &str) -> Result<(), InputError> {
    let bad = || {
        InputError(format!(
            "--time {v:?}: expected a SLURM time limit: {TIME_FORMS}"
        ))
    };
    if v.eq_ignore_ascii_case("unlimited") || v.eq_ignore_ascii_case("infinite") {
        return Ok(());
    }
    let field = |f: &str| -> Result<u64, InputError> {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        f.parse().map_err(|_| bad())
    };
    // Fields after the first, with their upper bounds.
    let bounded = |fields: &[&str], limits: &[u64]| -> Result<(), InputError> {
        for (f, &limit) in fields.iter().zip(limits) {
            if field(f)? >= limit {
                return Err(bad());
            }
        }
        Ok(())
    };
    match v.split_once('-') {
        Some((days, rest)) => {
            field(days)?;
            let parts: Vec<&str> = rest.split(':').collect();
            if parts.len() > 3 {
                return Err(bad());
            }
            bounded(&parts, &[24, 60, 60])
        }
        None => {
            let parts: Vec<&str> = v.split(':').collect();
            if parts.len() > 3 {
                return Err(bad());
            }
            field(parts[0])?;
            bounded(&parts[1..], &[60, 60])
        }
    }
}

/// Checks a `--mem` value: a whole number with an optional unit K, M, G or T (any
/// case; SLURM's default unit is megabytes), e.g. `4G`, `500M`, `4096`.
pub fn check_mem(v: &str) -> Result<(), InputError> {
    let digits = v
        .strip_suffix(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't'])
        .unwrap_or(v);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError(format!(
            "--mem {v:?}: expected a whole number with an optional unit K, M, G or T \
             (megabytes without one), e.g. 4G, 500M or 4096"
        )));
    }
    Ok(())
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
    res.validate()?;
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

    #[test]
    fn time_takes_every_slurm_form_and_nothing_else() {
        for ok in [
            "30",
            "0",
            "30:00",
            "02:00:00",
            "100:00:00",
            "1-12",
            "2-12:30",
            "2-12:30:15",
            "UNLIMITED",
            "infinite",
        ] {
            assert!(check_time(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2h",
            "1:2:3:4",
            "01:60",
            "1:00:60",
            "1-24",
            "1-",
            "-1",
            "1-2-3",
            "1.5",
            "1-2:3:4:5",
            " 30",
            "1:",
            ":30",
        ] {
            let e = check_time(bad).unwrap_err().0;
            assert!(
                e.contains("--time") && e.contains("D-HH:MM:SS"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn mem_takes_a_size_with_an_optional_unit() {
        for ok in ["4G", "4096", "500M", "1T", "64k", "0"] {
            assert!(check_mem(ok).is_ok(), "{ok}");
        }
        for bad in ["", "4GB", "G", "4.5G", "-4G", "4 G", "four"] {
            let e = check_mem(bad).unwrap_err().0;
            assert!(
                e.contains("--mem") && e.contains("K, M, G or T"),
                "{bad}: {e}"
            );
        }
        let zero = Resources {
            cpus: 0,
            ..Default::default()
        };
        assert!(zero.validate().unwrap_err().0.contains("--cpus 0"));
    }
}
