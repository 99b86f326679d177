//! Restartable runs, through the binary: a run killed with SIGKILL after a
//! checkpoint and resumed (with another thread count), and a run stopped by SIGTERM
//! and resumed, both write every dataset under `/lattice`, `/timeseries`, `/events`
//! and `/snapshots` bit for bit as the uninterrupted run does; a stopped run exits
//! with status 3; files that cannot be resumed give status 2 with a clear message.
//!
//! The domain is small (0.92 x 0.92 x 1.16 mm) but busy (activation raised tenfold,
//! a menopause within the run, the load solve on) so that sites, cells and topology
//! events are in flight at the checkpoint. `compare_files_from_env` (ignored) compares any two
//! output files the same way.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::contents::{assert_same, contents};
use common::{bin, busy_config, ok};
use trabecula::output::{FileMeta, OutputFile, OutputReader};
use trabecula::sim::CHECKPOINT_FORMAT;

/// The busy config on a 0.92 x 0.92 x 1.16 mm domain, checkpointed every 50 days.
fn config_text() -> String {
    busy_config(
        "seed = 11\nspinup_days = 20\ndays = 130\nmeasure_every_days = 10\n\
         snapshot_every_days = 20\ncheckpoint_every_days = 50",
        [46, 46, 58],
        "",
    )
}

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    if !path.exists() {
        std::fs::write(&path, config_text()).unwrap();
    }
    path
}

fn run_args(dir: &Path, out: &Path, threads: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["run", config(dir).to_str().unwrap(), "-o"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(out.to_str().unwrap().to_string());
    args.extend(["--threads", threads, "--quiet"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn spawn_run(dir: &Path, out: &Path, threads: &str, extra: &[&str]) -> Child {
    bin()
        .args(run_args(dir, out, threads, extra))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn resume(path: &Path, threads: &str) -> Output {
    bin()
        .args(["resume", path.to_str().unwrap(), "--threads", threads, "-q"])
        .output()
        .unwrap()
}

/// What the file holds beyond its checkpoint: rows past the checkpoint's counts or
/// snapshots it does not list; `None` without a checkpoint or on a read racing a
/// commit.
fn beyond_checkpoint(path: &Path) -> Option<bool> {
    let r = OutputReader::open(path).ok()?;
    let info = r.checkpoint_info().ok()??;
    let snapshots = r.list_snapshots().ok()?;
    let extra_snapshot = snapshots.iter().any(|s| !info.snapshots.contains(&s.name));
    let ts = r.read_timeseries().ok()?.rows() as u64;
    let ts_ckpt = info.rows.iter().find(|(g, _)| g == "timeseries")?.1;
    Some(extra_snapshot || ts > ts_ckpt)
}

/// Polls `cond` on the file until it holds, failing if the run exits first.
fn wait_for(child: &mut Child, path: &Path, what: &str, cond: impl Fn(&Path) -> bool) {
    let start = Instant::now();
    loop {
        if path.exists() && cond(path) {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before {what}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "no {what} after 10 min"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn complete_without_checkpoint(path: &Path) {
    let r = OutputReader::open(path).unwrap();
    assert!(r.is_complete().unwrap());
    assert!(
        !r.has_checkpoint().unwrap(),
        "a finished run keeps no checkpoint"
    );
}

#[test]
fn interrupted_runs_resume_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The reference: one uninterrupted run.
    let full = d.join("full.h5");
    ok(&bin().args(run_args(d, &full, "2", &[])).output().unwrap());
    complete_without_checkpoint(&full);
    let reference = contents(&full);
    assert!(
        reference.rows() > 100,
        "{} rows: too little happened",
        reference.rows()
    );
    assert_eq!(reference.snapshots.len(), 8, "days 0, 20, ..., 120, 130");

    // SIGKILL after a checkpoint and after later rows and a snapshot were committed;
    // resumed with another thread count.
    let killed = d.join("killed.h5");
    let mut child = spawn_run(d, &killed, "2", &[]);
    wait_for(&mut child, &killed, "commits after a checkpoint", |p| {
        beyond_checkpoint(p) == Some(true)
    });
    // A file its run is still writing is refused.
    let o = resume(&killed, "1");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("another process is writing"), "{err}");
    child.kill().unwrap();
    child.wait().unwrap();
    {
        let r = OutputReader::open(&killed).unwrap();
        assert!(!r.is_complete().unwrap());
        let info = r.checkpoint_info().unwrap().expect("a checkpoint");
        assert!(info.step > 0 && info.state_bytes > 0);
        assert_eq!(beyond_checkpoint(&killed), Some(true));
    }
    ok(&resume(&killed, "1"));
    complete_without_checkpoint(&killed);
    assert_same(
        &reference,
        &contents(&killed),
        "killed at 2 threads, resumed at 1",
    );

    // SIGTERM with periodic checkpoints off: the run checkpoints on the signal,
    // exits with 3 and names the way on.
    let stopped = d.join("stopped.h5");
    let mut child = spawn_run(d, &stopped, "2", &["--set", "run.checkpoint_every_days=0"]);
    wait_for(&mut child, &stopped, "the first time-series rows", |p| {
        OutputReader::open(p)
            .and_then(|r| r.read_timeseries())
            .is_ok_and(|t| t.rows() >= 3)
    });
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("trabecula resume"), "{stderr}");
    {
        let r = OutputReader::open(&stopped).unwrap();
        assert!(!r.is_complete().unwrap());
        let info = r
            .checkpoint_info()
            .unwrap()
            .expect("a checkpoint on SIGTERM");
        // Everything recorded up to the stop is in the file, nothing beyond it.
        assert_eq!(beyond_checkpoint(&stopped), Some(false));
        assert!(info.day >= 0.0, "stopped at day {}", info.day);
    }
    let info = bin()
        .args(["info", stopped.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("checkpoint    yes, at day"), "{text}");
    ok(&resume(&stopped, "2"));
    complete_without_checkpoint(&stopped);
    assert_same(&reference, &contents(&stopped), "stopped by SIGTERM");

    // A complete file cannot be resumed.
    let o = resume(&full, "1");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("complete") && err.contains("full.h5"), "{err}");
}

#[test]
fn files_that_cannot_be_resumed_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let missing = d.join("missing.h5");
    let o = resume(&missing, "1");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such file"));

    let foreign = d.join("foreign.h5");
    std::fs::write(&foreign, b"not hdf5").unwrap();
    let o = resume(&foreign, "1");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an HDF5 file"));

    // Killed before any checkpoint (periodic checkpoints off).
    let bare = d.join("bare.h5");
    let mut child = spawn_run(d, &bare, "1", &["--set", "run.checkpoint_every_days=0"]);
    wait_for(&mut child, &bare, "the initial lattice", |p| {
        OutputReader::open(p)
            .and_then(|r| r.lattice_info())
            .is_ok_and(|l| l.is_some())
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let o = resume(&bare, "1");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no checkpoint"), "{err}");

    // A checkpoint of another version or format.
    for (format, version) in [
        (CHECKPOINT_FORMAT, "0.0.1-old"),
        (CHECKPOINT_FORMAT + 1, trabecula::VERSION),
    ] {
        let other = d.join("other.h5");
        let meta = FileMeta {
            software_version: version.into(),
            config_toml: config_text(),
            ..FileMeta::default()
        };
        let mut f = OutputFile::create(&other, &meta).unwrap();
        f.write_checkpoint(&[1, 2, 3], 5.0, 5, format, version)
            .unwrap();
        f.close().unwrap();
        let o = resume(&other, "1");
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "written by trabecula {version} (checkpoint format {format})"
            )),
            "{err}"
        );
    }

    // The interval is validated like every key.
    let cfg = config(d);
    let o = bin()
        .args(["check", cfg.to_str().unwrap()])
        .args(["--set", "run.checkpoint_every_days=-5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("run.checkpoint_every_days"), "{err}");
}

/// Compares two output files named by `RESTART_A` and `RESTART_B`, e.g. a long run
/// and its interrupted-and-resumed twin:
/// `RESTART_A=a.h5 RESTART_B=b.h5 cargo test --test restart -- --ignored --nocapture`.
#[test]
#[ignore = "compares files named by RESTART_A and RESTART_B"]
fn compare_files_from_env() {
    let a = std::env::var("RESTART_A").expect("RESTART_A");
    let b = std::env::var("RESTART_B").expect("RESTART_B");
    assert_same(
        &contents(Path::new(&a)),
        &contents(Path::new(&b)),
        "RESTART_A vs RESTART_B",
    );
}
