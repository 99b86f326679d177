//! Limits checked before work: the memory a command will need against the memory
//! available (under a real cgroup limit where the platform allows, else through the
//! estimate and this machine's own figure), and thread counts against the CPUs, each
//! refused with exit status 2 and a message instead of a kill or a hang.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{bin, iliac_config, s, stderr, trabecula, write};
use trabecula::config::{self, Override};
use trabecula::footprint::{self, ConfigSource, Workload};

/// The largest lattice a config may ask for: 1024^3 voxels (`shape_voxels` on line 5).
fn big_config() -> String {
    iliac_config("days = 10\n", "shape_voxels = [1024, 1024, 1024]\n", "")
}

/// A small run that writes a structure row, a snapshot and a checkpoint every day:
/// 50 x 50 x 60 voxels (the smallest domain the iliac-crest preset fits).
fn small_config() -> String {
    iliac_config(
        "seed = 1\nspinup_days = 0\ndays = 3\nmeasure_every_days = 1\nsnapshot_every_days = 1\n\
         checkpoint_every_days = 1\nstructure_every_days = 1",
        "voxel_um = 20.0\nshape_voxels = [50, 50, 60]",
        "",
    )
}

/// The estimated peak of `workload` for the config at `path` with `overrides`.
fn estimate(path: &Path, overrides: &[Override], workload: Workload) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let config = config::load(path, overrides).unwrap();
    let name = path.display().to_string();
    let source = ConfigSource {
        name: &name,
        text: Some(&text),
        overrides,
    };
    footprint::for_config(&config, workload, &source)
        .unwrap()
        .peak_bytes()
}

/// Whether this machine has less memory than `bytes` (so a refusal is expected);
/// prints why a test part is skipped otherwise.
fn too_large_here(bytes: u64, what: &str) -> bool {
    match footprint::available() {
        Some(a) if a.bytes < bytes => true,
        Some(a) => {
            eprintln!(
                "skipping {what}: this machine has {} available, more than the {} it needs",
                a.bytes, bytes
            );
            false
        }
        None => {
            eprintln!("skipping {what}: the platform does not say how much memory is available");
            false
        }
    }
}

#[test]
fn thread_counts_beyond_the_cpus_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "small.toml", &small_config());
    let out = dir.path().join("out.h5");
    let cap = std::thread::available_parallelism().map_or(1, |n| n.get());
    let range = format!("valid range is [1, {cap}]");
    for cmd in ["run", "lattice"] {
        let o = trabecula(&[cmd, s(&cfg), "-o", s(&out), "--threads", "100000"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("--threads 100000") && err.contains(&range),
            "{err}"
        );
        assert!(!out.exists());
    }
    let o = trabecula(&[
        "validate",
        "--quick",
        "--threads",
        "100000",
        "-o",
        s(dir.path()),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = bin()
        .args(["run", s(&cfg), "-o", s(&out)])
        .env("SLURM_CPUS_PER_TASK", "100000")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("SLURM_CPUS_PER_TASK=100000"),
        "{}",
        stderr(&o)
    );
    let o = trabecula(&[
        "bench",
        "fields",
        "--size",
        "8",
        "--steps",
        "1",
        "--threads",
        "1,100000",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--threads 100000"), "{}", stderr(&o));
}

#[test]
fn a_lattice_too_large_for_this_machine_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "big.toml", &big_config());
    let out = dir.path().join("out.h5");
    // `check` reports the estimate and passes the (valid) config either way.
    let o = trabecula(&["check", s(&cfg)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("memory: `run` needs about "), "{stdout}");
    assert!(stdout.contains("memory available here: "), "{stdout}");
    let needed = estimate(&cfg, &[], Workload::Lattice);
    if !too_large_here(needed, "the refusal of a 1024^3 lattice") {
        return;
    }
    assert!(
        stderr(&o).contains("warning: a run here would be refused"),
        "{}",
        stderr(&o)
    );
    for cmd in ["run", "lattice"] {
        let o = trabecula(&[cmd, s(&cfg), "-o", s(&out)]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        let err = stderr(&o);
        let key = format!(
            "error: lattice.shape_voxels = [1024, 1024, 1024] ({} line 5) needs about ",
            cfg.display()
        );
        assert!(err.starts_with(&key), "{err}");
        assert!(err.contains(&format!("(estimate for `{cmd}`); ")), "{err}");
        assert!(err.contains(" available ("), "{err}");
        assert!(err.contains("--skip-memory-check"), "{err}");
        assert!(!out.exists());
    }
    // A `--set` override is named as such.
    let small = write(dir.path(), "small.toml", &small_config());
    let o = trabecula(&[
        "lattice",
        s(&small),
        "-o",
        s(&out),
        "--set",
        "lattice.shape_voxels=[1024, 1024, 1024]",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("lattice.shape_voxels = [1024, 1024, 1024] (--set) needs about"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sweep_tasks_and_validate_are_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "base.toml", &big_config());
    if !too_large_here(estimate(&cfg, &[], Workload::Run), "sweep and validate") {
        return;
    }
    let sweep = write(
        dir.path(),
        "sweep.toml",
        "[sweep]\nbase = \"base.toml\"\nseed = 1\nreplicates = 1\n[axes]\n\"estrogen.level_pg_ml\" = [5.0]\n",
    );
    let plan = dir.path().join("plan");
    let o = trabecula(&["-q", "sweep", "plan", s(&sweep), "-o", s(&plan)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = trabecula(&["sweep", "run", s(&plan), "--task", "0", "--threads", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("lattice.shape_voxels = [1024, 1024, 1024] ("),
        "{err}"
    );
    assert!(err.contains("estimate for `run`"), "{err}");
    // Validate with every arm on the largest lattice, one run per thread.
    let o = trabecula(&[
        "validate",
        "--quick",
        "--threads",
        "1",
        "-o",
        s(&dir.path().join("v")),
        "--set",
        "lattice.shape_voxels=[1024, 1024, 1024]",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("the quick validation set ("), "{err}");
    assert!(err.contains("1 at once on --threads 1"), "{err}");
}

#[test]
fn measure_sizes_a_volume_from_its_header_before_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    // A header promising 1500^3 uint16 samples; no data follows.
    let nrrd = write(
        dir.path(),
        "huge.nrrd",
        "NRRD0004\ntype: uint16\ndimension: 3\nsizes: 1500 1500 1500\nencoding: raw\n\
         endian: little\nspacings: 0.01 0.01 0.01\n\n",
    );
    let e = footprint::for_volume(&nrrd, None).unwrap();
    if !too_large_here(e.peak_bytes(), "the refusal of a 1500^3 volume") {
        return;
    }
    let o = trabecula(&["measure", s(&nrrd)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("huge.nrrd: 1500 x 1500 x 1500 uint16 samples"),
        "{err}"
    );
    assert!(
        err.contains("(estimate for `measure`)") && err.contains("crop or downsample"),
        "{err}"
    );
    // Skipping the check reaches the reader, which finds the data missing.
    let o = trabecula(&["measure", s(&nrrd), "--skip-memory-check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("needs about"), "{}", stderr(&o));
}

/// Peak resident memory of a child, read from `/proc/<pid>/status` (`VmHWM`, a
/// high-water mark) while it runs; `None` where `/proc` does not have it.
fn run_measuring_peak(cmd: &mut Command) -> (Output, Option<u64>) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak: Option<u64> = None;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
            if let Some(kb) = hwm {
                peak = Some(peak.unwrap_or(0).max(kb * 1024));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    let mut err = Vec::new();
    std::io::Read::read_to_end(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let output = Output {
        status,
        stdout: Vec::new(),
        stderr: err,
    };
    (output, peak)
}

#[test]
fn the_estimate_bounds_the_measured_peak_of_a_run_within_a_factor_of_two() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "small.toml", &small_config());
    let out = dir.path().join("out.h5");
    let needed = estimate(&cfg, &[], Workload::Run);
    let (o, peak) =
        run_measuring_peak(bin().args(["-q", "run", s(&cfg), "-o", s(&out), "--threads", "1"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let Some(peak) = peak else {
        eprintln!("skipping the comparison: no /proc/<pid>/status VmHWM on this platform");
        return;
    };
    assert!(
        needed >= peak,
        "estimate {needed} B below the measured peak {peak} B"
    );
    assert!(
        needed <= 2 * peak,
        "estimate {needed} B over twice the measured peak {peak} B"
    );
}

/// A cgroup of its own below the test's, with one limit set (removed on drop).
struct LimitedCgroup {
    dir: PathBuf,
}

impl LimitedCgroup {
    /// A memory-limited group.
    fn memory(limit_bytes: u64) -> Result<Self, String> {
        Self::new("memory", "memory.limit_in_bytes", "memory.max", limit_bytes)
    }

    /// A group limited to `tasks` processes and threads.
    fn pids(tasks: u64) -> Result<Self, String> {
        Self::new("pids", "pids.max", "pids.max", tasks)
    }

    /// A new group of `controller` with `value` written to its limit file (`v1` or
    /// `v2` name); the reason when the platform does not allow it (not Linux, not
    /// root, no writable controller).
    fn new(controller: &str, v1: &str, v2: &str, value: u64) -> Result<Self, String> {
        let text = std::fs::read_to_string("/proc/self/cgroup")
            .map_err(|e| format!("no /proc/self/cgroup ({e})"))?;
        let mut found = None;
        for line in text.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(id), Some(ctl), Some(path)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if ctl.split(',').any(|c| c == controller) {
                found = Some((format!("/sys/fs/cgroup/{controller}"), path, v1));
                break;
            }
            if id == "0" && ctl.is_empty() {
                found = Some(("/sys/fs/cgroup".to_string(), path, v2));
            }
        }
        let (mount, path, limit_file) = found.ok_or(format!("no {controller} cgroup"))?;
        let mut parent = Path::new(&mount).join(path.trim_start_matches('/'));
        if !parent.is_dir() {
            parent = PathBuf::from(&mount);
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = parent.join(format!("trabecula-test-{}-{k}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
        let group = Self { dir };
        std::fs::write(group.dir.join(limit_file), value.to_string())
            .map_err(|e| format!("cannot set {limit_file} ({e})"))?;
        Ok(group)
    }

    /// The binary with `args`, started inside the group.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c")
            .arg("echo $$ > \"$0/cgroup.procs\" && exec \"$@\"")
            .arg(&self.dir)
            .arg(env!("CARGO_BIN_EXE_trabecula"))
            .args(args);
        c
    }
}

impl Drop for LimitedCgroup {
    fn drop(&mut self) {
        // The group's processes have exited; the kernel may take a moment to let go.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        eprintln!("could not remove {}", self.dir.display());
    }
}

#[test]
fn under_a_real_cgroup_limit_a_run_too_large_is_refused_and_a_small_one_runs() {
    const MIB: u64 = 1 << 20;
    let limit = 96 * MIB;
    let group = match LimitedCgroup::memory(limit) {
        Ok(g) => g,
        Err(why) => {
            eprintln!("skipping the cgroup limit test: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let small = write(dir.path(), "small.toml", &small_config());
    let big = write(
        dir.path(),
        "big.toml",
        &small_config().replace("[50, 50, 60]", "[100, 100, 100]"),
    );
    // The limit sits between the two estimates, with room for the small run.
    assert!(estimate(&big, &[], Workload::Run) > limit);
    assert!(estimate(&small, &[], Workload::Run) < limit - 16 * MIB);
    let out = dir.path().join("out.h5");
    let o = group
        .command(&["run", s(&big), "-o", s(&out), "--threads", "1"])
        .output()
        .unwrap();
    // Exit 2 with the message: refused before building, not killed by the kernel.
    assert_eq!(o.status.code(), Some(2), "{:?} {}", o.status, stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("lattice.shape_voxels = [100, 100, 100]"),
        "{err}"
    );
    assert!(
        err.contains("room under the cgroup memory limit of 96.0 MiB"),
        "{err}"
    );
    assert!(!out.exists());
    let o = group.command(&["check", s(&big)]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("a run here would be refused"),
        "{}",
        stderr(&o)
    );
    // The small run fits and finishes under the same limit.
    let o = group
        .command(&["-q", "run", s(&small), "-o", s(&out), "--threads", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?} {}", o.status, stderr(&o));
}

#[test]
fn a_failure_to_start_the_worker_threads_is_an_error_not_a_panic() {
    // One task allowed: the main thread; every worker thread fails to start.
    let group = match LimitedCgroup::pids(1) {
        Ok(g) => g,
        Err(why) => {
            eprintln!("skipping the thread-limit test: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "small.toml", &small_config());
    let out = dir.path().join("out.h5");
    let o = group
        .command(&["-q", "lattice", s(&cfg), "-o", s(&out), "--threads", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?} {}", o.status, stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("could not start 1 worker threads"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Two tasks: the main thread and one worker, and no other thread is needed (a
    // hidden progress spinner does not start its ticking thread).
    let group = LimitedCgroup::pids(2).unwrap();
    let o = group
        .command(&["-q", "lattice", s(&cfg), "-o", s(&out), "--threads", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?} {}", o.status, stderr(&o));
}
