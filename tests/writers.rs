//! One writer per output, through the binary with real processes: two runs started
//! together on one `-o`, `run --force` and `resume` over a live run (with HDF5's own
//! locking switched off), a sweep task started twice, `collect` and `validate` over
//! existing results, a user's files beside the output, exit statuses for files
//! that are not resumable results, and the second signal.
//!
//! Each run is short (a 0.92 x 0.92 x 1.16 mm cube, a few weeks); a run that must
//! still be going when a second process starts is long enough for that and is then
//! stopped.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{bin, code, iliac_config, s, stderr};
use trabecula::output::OutputReader;

/// A short run on a 0.92 x 0.92 x 1.16 mm domain, checkpointed every 5 days.
fn config_text() -> String {
    iliac_config(
        "seed = 11\nspinup_days = 10\ndays = 40\nmeasure_every_days = 10\ncheckpoint_every_days = 5",
        "voxel_um = 20.0\nshape_voxels = [46, 46, 58]",
        "[fields]\nsteady_tolerance = 1e-3\n",
    )
}

/// Days of a run that must outlive the start of a second process.
const LONG_DAYS: &str = "run.days=3000";

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    if !path.exists() {
        std::fs::write(&path, config_text()).unwrap();
    }
    path
}

fn run_cmd(dir: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args(["run", s(&config(dir)), "-o", s(out), "--threads", "1", "-q"])
        .args(extra);
    c
}

fn spawn(mut c: Command) -> Child {
    c.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `cond` holds, failing if `child` exits first or a minute passes.
fn wait_until(child: &mut Child, what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before {what}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn has_checkpoint(p: &Path) -> bool {
    OutputReader::open(p)
        .and_then(|r| r.has_checkpoint())
        .unwrap_or(false)
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn two_runs_started_together_on_one_output_give_one_file_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("race.h5");
    for round in 0..3 {
        let _ = std::fs::remove_file(&out);
        let _ = std::fs::remove_file(out.with_extension("xdmf"));
        let seeds = [100 + round, 200 + round];
        let children: Vec<Child> = seeds
            .iter()
            .map(|seed| {
                spawn({
                    let mut c = run_cmd(d, &out, &["--seed", &seed.to_string()]);
                    c.arg("--set").arg("run.days=20");
                    c
                })
            })
            .collect();
        let outputs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let codes: Vec<Option<i32>> = outputs.iter().map(code).collect();
        let winners: Vec<usize> = (0..2).filter(|&i| codes[i] == Some(0)).collect();
        assert_eq!(winners.len(), 1, "round {round}: exit codes {codes:?}");
        let loser = &outputs[1 - winners[0]];
        assert_eq!(code(loser), Some(2), "{}", stderr(loser));
        let err = stderr(loser);
        assert!(
            err.contains("another process is writing") || err.contains("exists"),
            "{err}"
        );
        let r = OutputReader::open(&out).unwrap();
        assert!(r.is_complete().unwrap());
        assert_eq!(r.meta().seed, seeds[winners[0]] as u64, "round {round}");
        assert!(r
            .meta()
            .config_toml
            .contains(&format!("seed = {}", seeds[winners[0]])));
    }
}

#[test]
fn a_live_run_is_never_replaced_or_resumed_whatever_the_hdf5_locking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("live.h5");
    let mut live = spawn({
        let mut c = run_cmd(d, &out, &["--set", LONG_DAYS]);
        c.env("HDF5_USE_FILE_LOCKING", "FALSE");
        c
    });
    wait_until(&mut live, "a checkpoint", || has_checkpoint(&out));
    let created = OutputReader::open(&out).unwrap().meta().created.clone();
    for env in ["FALSE", "TRUE"] {
        let o = run_cmd(d, &out, &["--force", "--seed", "5"])
            .env("HDF5_USE_FILE_LOCKING", env)
            .output()
            .unwrap();
        assert_eq!(code(&o), Some(2), "run --force: {}", stderr(&o));
        assert!(
            stderr(&o).contains("another process is writing"),
            "{}",
            stderr(&o)
        );
        let o = bin()
            .args(["resume", s(&out), "-q"])
            .env("HDF5_USE_FILE_LOCKING", env)
            .output()
            .unwrap();
        assert_eq!(code(&o), Some(2), "resume: {}", stderr(&o));
        assert!(
            stderr(&o).contains("another process is writing"),
            "{}",
            stderr(&o)
        );
    }
    assert!(
        live.try_wait().unwrap().is_none(),
        "the live run was disturbed"
    );
    stop(live);
    let r = OutputReader::open(&out).unwrap();
    assert_eq!(r.meta().created, created, "the file was replaced");
    assert_eq!(r.meta().seed, 11);
    // Once the writer is gone, the killed run resumes normally (its checkpoint is
    // intact), and --force may replace the file.
    let o = run_cmd(d, &out, &["--force"]).output().unwrap();
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
}

#[test]
fn a_sweep_task_started_twice_leaves_the_first_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    config(d);
    std::fs::write(
        d.join("sweep.toml"),
        format!(
            "[sweep]\nbase = \"config.toml\"\nseed = 3\nreplicates = 1\n[fixed]\n\"run.days\" = {}\n\
             [axes]\n\"estrogen.level_pg_ml\" = [5.0, 10.0]\n",
            LONG_DAYS.trim_start_matches("run.days=")
        ),
    )
    .unwrap();
    let plan = d.join("plan");
    let o = bin()
        .args([
            "sweep",
            "plan",
            s(&d.join("sweep.toml")),
            "-o",
            s(&plan),
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let task = |c: &mut Command| {
        c.args([
            "sweep",
            "run",
            s(&plan),
            "--task",
            "0",
            "--threads",
            "1",
            "-q",
        ]);
    };
    let mut first = bin();
    task(&mut first);
    let mut first = spawn(first);
    let out = plan.join("runs").join("task_0000.h5");
    wait_until(&mut first, "a checkpoint", || has_checkpoint(&out));
    let mut second = bin();
    task(&mut second);
    let o = second.output().unwrap();
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another process is writing"),
        "{}",
        stderr(&o)
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first task was disturbed"
    );
    let runs: Vec<String> = std::fs::read_dir(plan.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".h5"))
        .collect();
    assert_eq!(runs, ["task_0000.h5"], "the output was moved or copied");
    stop(first);
}

#[test]
fn nothing_existing_is_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A user's sidecar-named file and temporary-looking files beside the output.
    let out = d.join("mine.h5");
    let user_files = [
        d.join("mine.xdmf"),
        d.join("mine.h5.tmp"),
        d.join("mine.xdmf.tmp"),
    ];
    for f in &user_files {
        std::fs::write(f, "a user's file").unwrap();
    }
    let o = run_cmd(d, &out, &["--set", "run.days=5"]).output().unwrap();
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("mine.xdmf exists"), "{}", stderr(&o));
    assert!(!out.exists());
    std::fs::remove_file(&user_files[0]).unwrap();
    let o = run_cmd(d, &out, &["--set", "run.days=5"]).output().unwrap();
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    for f in &user_files[1..] {
        assert_eq!(std::fs::read_to_string(f).unwrap(), "a user's file");
    }
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "config.toml",
            "mine.h5",
            "mine.h5.tmp",
            "mine.xdmf",
            "mine.xdmf.tmp"
        ],
        "temporary or lock files left behind"
    );

    // collect: an existing table (any of the three) is refused without --force.
    std::fs::write(
        d.join("sweep.toml"),
        "[sweep]\nbase = \"config.toml\"\nseed = 3\nreplicates = 1\n[fixed]\n\"run.days\" = 5\n\
         [axes]\n\"estrogen.level_pg_ml\" = [10.0]\n",
    )
    .unwrap();
    let plan = d.join("plan");
    for args in [
        vec!["sweep", "plan", s(&d.join("sweep.toml")), "-o", s(&plan)],
        vec!["sweep", "run", s(&plan), "--task", "0", "--threads", "1"],
    ] {
        let o = bin().args(&args).arg("-q").output().unwrap();
        assert_eq!(code(&o), Some(0), "{args:?}: {}", stderr(&o));
    }
    let table = d.join("t.h5");
    for existing in ["t.csv", "t_timeseries.csv", "t.h5"] {
        std::fs::write(d.join(existing), "a user's table").unwrap();
        let o = bin()
            .args(["collect", s(&plan), "-o", s(&table), "-q"])
            .output()
            .unwrap();
        assert_eq!(code(&o), Some(2), "{existing}: {}", stderr(&o));
        assert!(stderr(&o).contains(existing), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(d.join(existing)).unwrap(),
            "a user's table"
        );
        std::fs::remove_file(d.join(existing)).unwrap();
    }
    let collect = |extra: &[&str]| {
        bin()
            .args(["collect", s(&plan), "-o", s(&table), "-q"])
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(code(&collect(&[])), Some(0));
    assert_eq!(code(&collect(&[])), Some(2));
    assert_eq!(code(&collect(&["--force"])), Some(0));
    assert!(
        OutputReader::open(&table).is_err(),
        "a collection is not a run file"
    );
    assert!(std::fs::read_to_string(d.join("t.csv"))
        .unwrap()
        .contains("task"));
}

#[test]
fn files_that_are_not_results_are_bad_input_for_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = d.join("good.h5");
    let o = run_cmd(d, &good, &["--set", "run.days=5"])
        .output()
        .unwrap();
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let bytes = std::fs::read(&good).unwrap();
    let truncated = d.join("truncated.h5");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let text = d.join("text.h5");
    std::fs::write(&text, "not hdf5").unwrap();
    let folder = d.join("folder.h5");
    std::fs::create_dir(&folder).unwrap();
    let cases = [
        (&truncated, "truncated or damaged"),
        (&text, "not an HDF5 file"),
        (&folder, "is a directory"),
    ];
    for (file, says) in cases {
        for args in [
            vec!["resume", s(file)],
            vec!["info", s(file)],
            vec!["measure", s(file), "--snapshot", "day_00000"],
        ] {
            let o = bin().args(&args).output().unwrap();
            let err = stderr(&o);
            assert_eq!(code(&o), Some(2), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            if args[0] != "measure" || !file.is_dir() {
                assert!(err.contains(says), "{args:?}: {err}");
            }
        }
    }
}

#[test]
fn a_second_signal_ends_the_run_at_once_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("twice.h5");
    // The second signal must land while the first is being handled; when the run
    // has already checkpointed and exited (status 3) it came too late, so try again.
    for attempt in 0..5 {
        let _ = std::fs::remove_file(&out);
        let mut child = spawn(run_cmd(d, &out, &["--set", LONG_DAYS, "--force"]));
        wait_until(&mut child, "a checkpoint", || has_checkpoint(&out));
        for _ in 0..2 {
            let status = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(5));
        }
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert!(has_checkpoint(&out), "the file lost its checkpoint");
        assert!(
            !d.join(".twice.h5.lock").exists(),
            "the lock file was left behind"
        );
        match code(&o) {
            Some(1) => {
                assert!(err.contains("SIGTERM again: ending now"), "{err}");
                assert!(err.contains("trabecula resume"), "{err}");
                return;
            }
            Some(3) => assert!(err.contains("checkpoint written"), "{err}"),
            c => panic!("attempt {attempt}: exit {c:?}: {err}"),
        }
    }
    panic!("the second signal never arrived while the first was being handled");
}
