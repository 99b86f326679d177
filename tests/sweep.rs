//! Parameter sweeps end to end through the binary: plan determinism, Latin-hypercube
//! stratification, replicate seeds, sweep-file errors, `sweep run` then `collect`,
//! a task stopped by SIGTERM and resumed by `sweep run`, and the SLURM array script.

use std::collections::{BTreeMap, BTreeSet};
mod common;

use std::path::{Path, PathBuf};

use common::contents::bits;
use common::{bin, iliac_config, s, stderr, trabecula, write};

/// A tiny base config: a 1.2 mm cube at 40 um (30^3 voxels), 60 days, no spin-up.
fn base_config(dir: &Path) -> PathBuf {
    let run = "seed = 1\ndays = 60\nspinup_days = 0\nmeasure_every_days = 30";
    write(
        dir,
        "base.toml",
        &iliac_config(run, "voxel_um = 40\nside_mm = 1.2", ""),
    )
}

fn write_sweep(dir: &Path, body: &str) -> PathBuf {
    base_config(dir);
    let path = dir.join("sweep.toml");
    std::fs::write(&path, body).unwrap();
    path
}

fn plan(sweep: &Path, out: &Path) {
    let o = trabecula(&["--quiet", "sweep", "plan", s(sweep), "-o", s(out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn manifest(dir: &Path) -> toml::Table {
    std::fs::read_to_string(dir.join("manifest.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

fn tasks(m: &toml::Table) -> &Vec<toml::Value> {
    m["task"].as_array().unwrap()
}

const LHS_SWEEP: &str = "[sweep]\nbase = \"base.toml\"\nseed = 11\nreplicates = 2\nlhs_samples = 5\n\
[axes]\n\"estrogen.level_pg_ml\" = [5.0, 10.0]\n\"estrogen.ec50_pg_ml\" = { min = 10.0, max = 50.0 }\n";

#[test]
fn plan_is_deterministic_stratified_and_seeds_follow_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = write_sweep(dir.path(), LHS_SWEEP);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    plan(&sweep, &a);
    plan(&sweep, &b);

    // 2 listed values x 5 samples x 2 replicates.
    let (ma, mb) = (manifest(&a), manifest(&b));
    assert_eq!(tasks(&ma).len(), 20);
    for (ta, tb) in tasks(&ma).iter().zip(tasks(&mb)) {
        assert_eq!(ta["params"], tb["params"]);
        assert_eq!(ta["seed"], tb["seed"]);
        let name = ta["config"].as_str().unwrap();
        assert_eq!(
            std::fs::read_to_string(a.join(name)).unwrap(),
            std::fs::read_to_string(b.join(name)).unwrap(),
            "{name} differs between two plans of one file"
        );
    }

    // Every config is standalone and carries its task's values and seed.
    let t7 = &tasks(&ma)[7];
    let cfg: toml::Table = std::fs::read_to_string(a.join(t7["config"].as_str().unwrap()))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(cfg["run"]["seed"].as_integer(), t7["seed"].as_integer());
    assert_eq!(
        cfg["estrogen"]["ec50_pg_ml"].as_float(),
        t7["params"]["estrogen.ec50_pg_ml"].as_float()
    );
    let ok = trabecula(&["check", s(&a.join(t7["config"].as_str().unwrap()))]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    // Per level and replicate: the 5 samples hit each of the 5 strata of the range
    // once; the samples are the same design for both levels.
    let mut by_point: BTreeMap<(String, i64), Vec<f64>> = BTreeMap::new();
    let mut seeds: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for t in tasks(&ma) {
        let level = t["params"]["estrogen.level_pg_ml"].to_string();
        let r = t["replicate"].as_integer().unwrap();
        let ec50 = t["params"]["estrogen.ec50_pg_ml"].as_float().unwrap();
        by_point.entry((level, r)).or_default().push(ec50);
        seeds
            .entry(r)
            .or_default()
            .insert(t["seed"].as_integer().unwrap());
    }
    assert_eq!(by_point.len(), 4);
    for (k, v) in &by_point {
        let mut strata: Vec<usize> = v
            .iter()
            .map(|x| ((x - 10.0) / 40.0 * 5.0) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, vec![0, 1, 2, 3, 4], "{k:?}: {v:?}");
    }
    // One seed per replicate, the same at every point; replicates differ.
    assert!(seeds.values().all(|s| s.len() == 1), "{seeds:?}");
    let distinct: BTreeSet<_> = seeds.values().flatten().collect();
    assert_eq!(distinct.len(), 2);

    // A different sweep seed gives another design.
    let other = write_sweep(dir.path(), &LHS_SWEEP.replace("seed = 11", "seed = 12"));
    let c = dir.path().join("c");
    plan(&other, &c);
    assert_ne!(tasks(&manifest(&c))[0]["params"], tasks(&ma)[0]["params"]);
    assert_ne!(tasks(&manifest(&c))[0]["seed"], tasks(&ma)[0]["seed"]);

    // An existing plan is not replaced without --force.
    let again = trabecula(&["sweep", "plan", s(&sweep), "-o", s(&a)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
}

#[test]
fn invalid_sweep_files_exit_2_naming_the_key_and_write_nothing() {
    let cases = [
        // Unknown key of the sweep file itself, with a suggestion.
        (
            "[sweep]\nbase = \"base.toml\"\nreplicate = 2\n[axes]\n\"run.days\" = [30]\n",
            vec!["line 3", "sweep.replicate", "did you mean `sweep.replicates`"],
        ),
        // An axis that is not a config key.
        (
            "[sweep]\nbase = \"base.toml\"\n[axes]\n\"estrogen.level_pgml\" = [5.0]\n",
            vec!["line 4", "axes.estrogen.level_pgml", "did you mean `estrogen.level_pg_ml`"],
        ),
        // An axis value out of the config's range.
        (
            "[sweep]\nbase = \"base.toml\"\n[axes]\n\"estrogen.level_pg_ml\" = [5.0, 5000.0]\n",
            vec!["line 4", "axes.estrogen.level_pg_ml", "[0, 1000]", "task 1"],
        ),
        // A bad range, and the seed as an axis.
        (
            "[sweep]\nbase = \"base.toml\"\nlhs_samples = 4\n[axes]\n\"estrogen.ec50_pg_ml\" = { min = 50, max = 10 }\n\"run.seed\" = [1, 2]\n",
            vec!["axes.estrogen.ec50_pg_ml.max", "greater than", "line 6", "axes.run.seed"],
        ),
        // A fixed value the config rejects.
        (
            "[sweep]\nbase = \"base.toml\"\n[fixed]\n\"run.days\" = 0\n[axes]\n\"estrogen.level_pg_ml\" = [5.0]\n",
            vec!["line 4", "fixed.run.days", "[1, 36500]"],
        ),
        // No base config.
        (
            "[sweep]\nbase = \"nowhere.toml\"\n[axes]\n\"estrogen.level_pg_ml\" = [5.0]\n",
            vec!["line 2", "sweep.base", "nowhere.toml"],
        ),
    ];
    for (i, (body, needles)) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let sweep = write_sweep(dir.path(), body);
        let out = dir.path().join("plan");
        let o = trabecula(&["sweep", "plan", s(&sweep), "-o", s(&out)]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "case {i}: {e}");
        for n in needles {
            assert!(e.contains(n), "case {i}: {n:?} not in\n{e}");
        }
        assert!(!out.exists(), "case {i}: a plan was written");
    }
}

/// Parses a CSV without quoted fields into a header and rows.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn run_tasks_then_collect_lists_missing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = write_sweep(
        dir.path(),
        "[sweep]\nbase = \"base.toml\"\nreplicates = 2\n[axes]\n\"estrogen.level_pg_ml\" = [5.0, 20.0]\n",
    );
    let p = dir.path().join("plan");
    plan(&sweep, &p);

    // No task given, no SLURM: a clear error.
    let none = trabecula(&["sweep", "run", s(&p)]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("SLURM_ARRAY_TASK_ID"));

    for task in ["0", "3"] {
        let o = trabecula(&["sweep", "run", s(&p), "--task", task, "--threads", "1"]);
        assert_eq!(o.status.code(), Some(0), "task {task}: {}", stderr(&o));
    }
    let again = trabecula(&["sweep", "run", s(&p), "--task", "0", "--threads", "1"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stderr(&again).contains("skipping"), "{}", stderr(&again));
    // Task 1 never ran; task 2's output is a killed run's leftover.
    std::fs::write(p.join("runs/task_0002.h5"), b"truncated").unwrap();

    let out = dir.path().join("results.h5");
    let o = trabecula(&["collect", s(&p), "-o", s(&out)]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("task 1: missing"), "{e}");
    assert!(e.contains("task 2: unreadable"), "{e}");
    assert!(out.exists());

    let (header, rows) = read_csv(&dir.path().join("results.csv"));
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("no {n} in {header:?}"))
    };
    assert_eq!(rows.len(), 4, "one row per planned run");
    let (task, rep, status, level, bv) = (
        col("task"),
        col("replicate"),
        col("status"),
        col("estrogen.level_pg_ml"),
        col("final_bv_tv"),
    );
    let expect = [
        ("0", "0", "ok", "5"),
        ("1", "1", "missing", "5"),
        ("2", "0", "unreadable", "20"),
        ("3", "1", "ok", "20"),
    ];
    for (row, (t, r, st, lv)) in rows.iter().zip(expect) {
        assert_eq!(
            (&*row[task], &*row[rep], &*row[status], &*row[level]),
            (t, r, st, lv)
        );
        let bv: Option<f64> = row[bv].parse().ok();
        if st == "ok" {
            assert!(bv.is_some_and(|b| b > 0.0 && b < 1.0), "{row:?}");
            assert_eq!(row[col("final_day")], "60");
        } else {
            assert_eq!(bv, None, "{row:?}");
        }
    }

    // The long table: every measurement of the two collected runs (days 0, 30, 60).
    let (th, trows) = read_csv(&dir.path().join("results_timeseries.csv"));
    assert_eq!(
        &th[..4],
        ["task", "replicate", "estrogen.level_pg_ml", "day"]
    );
    let keys: Vec<(&str, &str)> = trows.iter().map(|r| (&*r[0], &*r[3])).collect();
    assert_eq!(
        keys,
        [
            ("0", "0"),
            ("0", "30"),
            ("0", "60"),
            ("3", "0"),
            ("3", "30"),
            ("3", "60")
        ]
    );

    // Nothing collected is an error, not an empty table.
    for f in ["runs/task_0000.h5", "runs/task_0003.h5"] {
        std::fs::remove_file(p.join(f)).unwrap();
    }
    let o = trabecula(&["collect", s(&p), "-o", s(&dir.path().join("none.h5"))]);
    assert_ne!(o.status.code(), Some(0));

    // Rerunning the task with the broken output keeps that file and starts over.
    let o = trabecula(&["sweep", "run", s(&p), "--task", "2", "--threads", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("starting over"), "{}", stderr(&o));
    let kept = p.join("runs/task_0002.incomplete-1.h5");
    assert_eq!(std::fs::read(kept).unwrap(), b"truncated");
    let o = trabecula(&["collect", s(&p), "-o", s(&dir.path().join("one.h5"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (_, rows) = read_csv(&dir.path().join("one.csv"));
    let status: Vec<&str> = rows.iter().map(|r| &*r[3]).collect();
    assert_eq!(status, ["missing", "missing", "ok", "missing"]);
}

#[test]
fn slurm_script_covers_every_task() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = write_sweep(dir.path(), LHS_SWEEP);
    let p = dir.path().join("plan");
    plan(&sweep, &p);
    let o = trabecula(&["sweep", "slurm", s(&p), "--cpus", "2", "--time", "00:10:00"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let script = std::fs::read_to_string(p.join("sweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-19\n"), "{script}");
    assert!(script.contains("#SBATCH --cpus-per-task=2\n"));
    assert!(script.contains(&format!(
        "sweep run {}",
        s(&std::path::absolute(&p).unwrap())
    )));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("sbatch "));
    assert!(p.join("logs").is_dir());
    let bad = trabecula(&["sweep", "slurm", s(&p), "--mem", "4 G"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

/// A task stopped by SIGTERM (a SLURM time limit) checkpoints and exits with 3;
/// `sweep run` of the same task then resumes it rather than starting over, and the
/// result equals the task's uninterrupted run.
#[test]
fn sweep_run_resumes_a_task_stopped_at_its_time_limit() {
    use trabecula::output::OutputReader;
    let dir = tempfile::tempdir().unwrap();
    let sweep = write_sweep(
        dir.path(),
        "[sweep]\nbase = \"base.toml\"\nreplicates = 1\n[fixed]\n\"run.days\" = 400\n\
         \"run.measure_every_days\" = 10\n[axes]\n\"estrogen.level_pg_ml\" = [10.0]\n",
    );
    let p = dir.path().join("plan");
    plan(&sweep, &p);
    let output = p.join("runs/task_0000.h5");

    let mut child = bin()
        .args(["sweep", "run", s(&p), "--task", "0", "--threads", "1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    loop {
        let rows = OutputReader::open(&output)
            .and_then(|r| r.read_timeseries())
            .map(|t| t.rows())
            .unwrap_or(0);
        if rows >= 3 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the task ended before it could be stopped"
        );
        assert!(t0.elapsed().as_secs() < 120, "no rows after 2 minutes");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(3), "{}", stderr(&stopped));

    let again = trabecula(&["sweep", "run", s(&p), "--task", "0", "--threads", "1"]);
    let e = stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{e}");
    assert!(e.contains("resuming"), "{e}");
    assert!(!e.contains("starting over"), "{e}");
    let resumed = OutputReader::open(&output).unwrap();
    assert!(resumed.is_complete().unwrap());

    // The same task uninterrupted, from its planned config.
    let reference = dir.path().join("reference.h5");
    let config = p.join("configs/task_0000.toml");
    let o = trabecula(&[
        "--quiet",
        "run",
        s(&config),
        "-o",
        s(&reference),
        "--threads",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let a = OutputReader::open(&reference)
        .unwrap()
        .read_timeseries()
        .unwrap();
    let b = resumed.read_timeseries().unwrap();
    assert!(a.rows() >= 40);
    assert_eq!(bits(&a), bits(&b), "resumed task differs");
}
