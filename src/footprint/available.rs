//! The memory this process may still use: the smaller of the kernel's `MemAvailable`
//! (`/proc/meminfo`) and the room left under every memory limit of the process's
//! cgroup and its ancestors (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`; a
//! SLURM job's `--mem` is such a limit).
//!
//! Room under a limit is the limit minus what the cgroup holds that the kernel could
//! not reclaim: its usage (`memory.current`, v1 `memory.usage_in_bytes`) less its
//! page cache (`active_file` and `inactive_file` of `memory.stat`, `total_` prefixed
//! on v1), the same view of cache as `MemAvailable` takes. A limit of `max` (v2) or
//! near 2^63 (v1's "unlimited") is no limit.
//!
//! The parsers take text and the cgroup walk takes a root directory, so all of it is
//! tested on sample files.

use std::path::{Path, PathBuf};

/// Memory available to the process, with where the number came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Available {
    /// Bytes.
    pub bytes: u64,
    /// `MemAvailable`, or the cgroup whose limit binds, e.g. `cgroup memory limit
    /// 4.00 GiB (/slurm/uid_1/job_7)`.
    pub source: String,
}

/// Limits at or above this many bytes mean "no limit" (cgroup v1 reports
/// 9223372036854771712 for an unlimited group).
const NO_LIMIT_BYTES: u64 = 1 << 60;

/// `MemAvailable` in bytes from the text of `/proc/meminfo`.
pub fn parse_meminfo(text: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix("MemAvailable:")?;
        let mut parts = rest.split_whitespace();
        let value: u64 = parts.next()?.parse().ok()?;
        match parts.next() {
            Some("kB") => value.checked_mul(1024),
            None => Some(value),
            Some(_) => None,
        }
    })
}

/// The memory cgroup of the process from the text of `/proc/self/cgroup`: the v1
/// hierarchy whose controllers include `memory`, else the v2 (unified, `0::`) path.
pub fn parse_proc_cgroup(text: &str) -> Option<Cgroup> {
    let mut unified = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if controllers.split(',').any(|c| c == "memory") {
            return Some(Cgroup::V1(path.to_string()));
        }
        if id == "0" && controllers.is_empty() {
            unified = Some(Cgroup::V2(path.to_string()));
        }
    }
    unified
}

/// A memory cgroup and its path below the hierarchy's mount point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cgroup {
    /// cgroup v1, memory controller (mounted at `/sys/fs/cgroup/memory`).
    V1(String),
    /// cgroup v2, unified hierarchy (mounted at `/sys/fs/cgroup`).
    V2(String),
}

/// A limit file's value in bytes; `None` for `max` or a value meaning unlimited.
pub fn parse_limit(text: &str) -> Option<u64> {
    let v: u64 = text.trim().parse().ok()?;
    (v < NO_LIMIT_BYTES).then_some(v)
}

/// Page cache bytes in a `memory.stat` text: `active_file + inactive_file`
/// (`total_active_file + total_inactive_file` on v1, which counts descendants).
pub fn parse_stat_cache(text: &str, v1: bool) -> u64 {
    let prefix = if v1 { "total_" } else { "" };
    let get = |key: &str| {
        text.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(' ')?;
                (k == format!("{prefix}{key}")).then(|| v.trim().parse::<u64>().ok())?
            })
            .unwrap_or(0)
    };
    get("active_file").saturating_add(get("inactive_file"))
}

/// Room under the tightest limit of `cgroup` and its ancestors, with the binding
/// group's path; `None` when no level has a limit (or nothing can be read).
/// `mount` is the hierarchy's mount point (`/sys/fs/cgroup/memory` for v1,
/// `/sys/fs/cgroup` for v2).
pub fn cgroup_room(cgroup: &Cgroup, mount: &Path) -> Option<(u64, String)> {
    let (path, v1) = match cgroup {
        Cgroup::V1(p) => (p, true),
        Cgroup::V2(p) => (p, false),
    };
    let (limit_file, usage_file) = if v1 {
        ("memory.limit_in_bytes", "memory.usage_in_bytes")
    } else {
        ("memory.max", "memory.current")
    };
    // In a cgroup namespace the path may not exist below the mount: the mount is
    // then the process's own group.
    let mut levels: Vec<(PathBuf, String)> = Vec::new();
    let mut rel = path.trim_matches('/').to_string();
    loop {
        let dir = if rel.is_empty() {
            mount.to_path_buf()
        } else {
            mount.join(&rel)
        };
        if dir.is_dir() {
            levels.push((dir, format!("/{rel}")));
        }
        match rel.rsplit_once('/') {
            Some((parent, _)) => rel = parent.to_string(),
            None if !rel.is_empty() => rel.clear(),
            None => break,
        }
    }
    let read = |dir: &Path, name: &str| std::fs::read_to_string(dir.join(name)).ok();
    levels
        .iter()
        .filter_map(|(dir, name)| {
            let limit = parse_limit(&read(dir, limit_file)?)?;
            let usage: u64 = read(dir, usage_file)
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            let cache = read(dir, "memory.stat").map_or(0, |t| parse_stat_cache(&t, v1));
            let room = limit.saturating_sub(usage.saturating_sub(cache));
            Some((room, format!("{} at {name}", super::human_bytes(limit))))
        })
        .min_by_key(|(room, _)| *room)
}

/// Combines `MemAvailable` and the cgroup room: the smaller, named.
pub fn combine(meminfo: Option<u64>, cgroup: Option<(u64, String)>) -> Option<Available> {
    let mem = meminfo.map(|b| Available {
        bytes: b,
        source: "MemAvailable in /proc/meminfo".into(),
    });
    let cg = cgroup.map(|(b, what)| Available {
        bytes: b,
        source: format!("room under the cgroup memory limit of {what}"),
    });
    match (mem, cg) {
        (Some(m), Some(c)) => Some(if c.bytes < m.bytes { c } else { m }),
        (m, c) => m.or(c),
    }
}

/// The memory available to this process now; `None` where the platform does not
/// say (no `/proc/meminfo`: not Linux), in which case nothing is refused.
pub fn available() -> Option<Available> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| parse_meminfo(&t));
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|t| parse_proc_cgroup(&t))
        .and_then(|cg| {
            let mount = match cg {
                Cgroup::V1(_) => Path::new("/sys/fs/cgroup/memory"),
                Cgroup::V2(_) => Path::new("/sys/fs/cgroup"),
            };
            cgroup_room(&cg, mount)
        });
    combine(meminfo, cgroup)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMINFO: &str = "MemTotal:       24683772 kB\nMemFree:          595740 kB\n\
                           MemAvailable:   23376092 kB\nBuffers:          123 kB\n";

    #[test]
    fn meminfo_available_in_bytes() {
        assert_eq!(parse_meminfo(MEMINFO), Some(23_376_092 * 1024));
        assert_eq!(parse_meminfo("MemTotal: 1 kB\n"), None);
        assert_eq!(parse_meminfo("MemAvailable: lots kB\n"), None);
    }

    #[test]
    fn proc_cgroup_v1_memory_line_else_unified() {
        let v1 = "9:name=systemd:/\n5:devices:/\n4:memory:/process_api/e3ba\n0::/\n";
        assert_eq!(
            parse_proc_cgroup(v1),
            Some(Cgroup::V1("/process_api/e3ba".into()))
        );
        let joint = "3:cpu,memory:/slurm/uid_5/job_9\n";
        assert_eq!(
            parse_proc_cgroup(joint),
            Some(Cgroup::V1("/slurm/uid_5/job_9".into()))
        );
        let v2 = "0::/system.slice/slurmstepd.scope/job_42/step_0\n";
        assert_eq!(
            parse_proc_cgroup(v2),
            Some(Cgroup::V2(
                "/system.slice/slurmstepd.scope/job_42/step_0".into()
            ))
        );
        assert_eq!(parse_proc_cgroup("garbage"), None);
    }

    #[test]
    fn limits_max_and_v1_unlimited_are_no_limit() {
        assert_eq!(parse_limit("4294967296\n"), Some(4_294_967_296));
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
        assert_eq!(parse_limit(""), None);
    }

    #[test]
    fn stat_cache_counts_file_pages() {
        let v1 = "cache 300\ninactive_file 7\ntotal_active_file 100\ntotal_inactive_file 20\n";
        assert_eq!(parse_stat_cache(v1, true), 120);
        let v2 = "anon 5\nfile 9\nactive_file 3\ninactive_file 4\n";
        assert_eq!(parse_stat_cache(v2, false), 7);
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn tightest_level_of_the_hierarchy_binds() {
        let tmp = tempfile::tempdir().unwrap();
        let mount = tmp.path();
        // v2: the job has 4 GiB and holds 1 GiB, of which 0.25 GiB is page cache;
        // the step below it has no limit of its own.
        let gib = 1u64 << 30;
        let job = mount.join("slurm/job_7");
        write(&job, "memory.max", &format!("{}\n", 4 * gib));
        write(&job, "memory.current", &format!("{gib}\n"));
        write(
            &job,
            "memory.stat",
            &format!("active_file {}\ninactive_file 0\n", gib / 4),
        );
        let step = job.join("step_0");
        write(&step, "memory.max", "max\n");
        write(&step, "memory.current", "100\n");
        write(mount, "memory.max", "max\n");
        let cg = Cgroup::V2("/slurm/job_7/step_0".into());
        let (room, what) = cgroup_room(&cg, mount).unwrap();
        assert_eq!(room, 4 * gib - 3 * gib / 4);
        assert!(
            what.contains("/slurm/job_7") && what.contains("4.00 GiB"),
            "{what}"
        );
        // The smaller of the two wins, with its source.
        let a = combine(Some(100 * gib), Some((room, what))).unwrap();
        assert_eq!(a.bytes, room);
        assert!(a.source.contains("cgroup"), "{}", a.source);
        let a = combine(Some(gib), cgroup_room(&cg, mount)).unwrap();
        assert_eq!((a.bytes, a.source.contains("MemAvailable")), (gib, true));
        // No limit anywhere: no cgroup room.
        let free = Cgroup::V2("/other".into());
        write(&mount.join("other"), "memory.max", "max\n");
        assert_eq!(cgroup_room(&free, mount), None);
    }

    #[test]
    fn v1_limit_and_a_path_missing_below_the_mount() {
        let tmp = tempfile::tempdir().unwrap();
        let mount = tmp.path();
        write(mount, "memory.limit_in_bytes", "1000000\n");
        write(mount, "memory.usage_in_bytes", "600000\n");
        write(
            mount,
            "memory.stat",
            "total_active_file 50000\ntotal_inactive_file 50000\n",
        );
        // Namespaced: /proc/self/cgroup names a path that is not there; the mount is
        // the group.
        let cg = Cgroup::V1("/process_api/abc".into());
        assert_eq!(cgroup_room(&cg, mount).map(|r| r.0), Some(500_000));
    }
}
