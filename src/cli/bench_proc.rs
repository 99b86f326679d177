//! The processes and files of `trabecula bench run`: the directory the runs write
//! into, one child process per run, the stop flag, and the bandwidth test.
//!
//! The output directory is new: a fresh directory under the system's temporary
//! directory (`TMPDIR`), removed with everything in it when the command ends,
//! successfully or not; or, with `--keep DIR`, DIR itself, whose existing files are
//! never replaced (the command refuses before any run starts).
//!
//! SIGINT and SIGTERM set a flag here instead of ending the parent at once: the
//! parent then ends the running child (which may be writing a checkpoint after
//! the same SIGINT from the terminal), removes the temporary directory, and fails.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};

use super::bench_child::ChildReport;
use super::bench_run::Job;
use super::InputError;
use crate::output::xdmf::sidecar_path;

/// Where the runs write their output files.
#[derive(Debug)]
pub(super) struct OutputDir {
    path: PathBuf,
    /// Remove the directory with its files when dropped.
    temporary: bool,
}

impl OutputDir {
    /// A new directory under the system's temporary directory, removed on drop.
    pub fn temporary() -> anyhow::Result<Self> {
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for attempt in 0..100u32 {
            let name = format!("trabecula-bench-{}-{nanos}-{attempt}", std::process::id());
            let path = base.join(name);
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(Self {
                        path,
                        temporary: true,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => {
                    last = Some(e);
                    break;
                }
            }
        }
        Err(anyhow::anyhow!(
            "cannot create a temporary directory in {} (set TMPDIR, or pass --keep DIR): {}",
            base.display(),
            last.map_or_else(String::new, |e| e.to_string())
        ))
    }

    /// `dir` (created if missing), kept; refused when a file a job would write is
    /// there already.
    pub fn keep(dir: &Path, jobs: &[Job]) -> anyhow::Result<Self> {
        let bad = |why: String| InputError(format!("--keep {}: {why}", dir.display()));
        if dir.exists() && !dir.is_dir() {
            return Err(bad("not a directory".into()).into());
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| bad(format!("cannot create the directory: {e}")))?;
        for job in jobs {
            let h5 = dir.join(&job.file);
            for path in [sidecar_path(&h5), h5] {
                if path.symlink_metadata().is_ok() {
                    return Err(bad(format!(
                        "{} exists; bench run never replaces a file: remove it or keep the \
                         outputs in another directory",
                        path.display()
                    ))
                    .into());
                }
            }
        }
        Ok(Self {
            path: dir.to_path_buf(),
            temporary: false,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory, when its files are kept.
    pub fn kept(&self) -> Option<&Path> {
        (!self.temporary).then_some(self.path.as_path())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A flag SIGINT and SIGTERM set (instead of ending this process).
pub(super) fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register(signal, flag.clone())
            .map_err(|e| anyhow::anyhow!("cannot install the handler of signal {signal}: {e}"))?;
    }
    Ok(flag)
}

/// The triad bandwidth, GB/s, on a pool of `threads` threads.
pub(super) fn triad(threads: usize) -> anyhow::Result<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            InputError(format!(
                "could not start {threads} threads for the bandwidth test ({e}); pass a \
                 smaller --threads"
            ))
        })?;
    Ok(crate::fields::bench::triad_gb_per_s(&pool))
}

/// Runs `job` in a child process of this executable writing `output`, and returns
/// what it measured. Its progress and messages go to this process's standard error.
pub(super) fn run_child(
    job: &Job,
    output: &Path,
    quiet: bool,
    stop: &AtomicBool,
) -> anyhow::Result<ChildReport> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find this executable to run the workload: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["bench", "workload", "--threads", &job.threads.to_string()])
        .arg("--output")
        .arg(output)
        .args(job.workload.to_args());
    if quiet {
        cmd.arg("--quiet");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the workload's process: {e}"))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("the workload's standard output is not piped"))?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if stop.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "bench run interrupted by a signal during the run of {}",
                job.label()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader of the workload's output panicked"))??;
    if stop.load(Ordering::SeqCst) {
        anyhow::bail!(
            "bench run interrupted by a signal during the run of {}",
            job.label()
        );
    }
    if !status.success() {
        anyhow::bail!(
            "the run of {} failed ({status}); its error is above",
            job.label()
        );
    }
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| anyhow::anyhow!("the run of {} printed no report", job.label()))?;
    serde_json::from_str(line).map_err(|e| {
        anyhow::anyhow!(
            "the report of the run of {} is not readable: {e}",
            job.label()
        )
    })
}
