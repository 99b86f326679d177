//! Whether two output files hold identical datasets, for `trabecula bench run
//! --scaling` (the same workload at 1 and at 2 threads must write the same numbers).
//!
//! Every dataset of a file is read through the output reader ([`OutputReader`]) and
//! hashed (FNV-1a, 64 bits) over its element type, its shape, its values' bit
//! patterns and, for tables and volumes, their units. Attributes are not compared:
//! those of the root and of `/config` name the moment, the command line and the
//! thread count, which legitimately differ between the two runs. A dataset the
//! reader's typed reads do not reach (one a newer writer adds) is compared by its
//! type and shape only, and counted as such, so that "identical" never silently
//! means less than it says.

use std::collections::BTreeMap;
use std::path::Path;

use crate::output::{OutputError, OutputReader, TableData};

/// The hash of every dataset of one file, by path (`timeseries/bv_tv`, ...).
#[derive(Debug, PartialEq, Eq)]
pub struct Digest {
    /// Dataset path to the hash of its type, shape and (where read) values.
    pub datasets: BTreeMap<String, u64>,
    /// Datasets compared by type and shape only.
    pub shape_only: Vec<String>,
}

/// How two files compare.
#[derive(Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Every dataset of one file is in the other with the same hash.
    pub identical: bool,
    /// Datasets compared (those of the first file).
    pub datasets: usize,
    /// Datasets compared by type and shape only.
    pub shape_only: usize,
    /// The paths that differ (or are in one file only), sorted.
    pub differing: Vec<String>,
}

/// Compares the datasets of the output files `a` and `b`.
pub fn compare(a: &Path, b: &Path) -> Result<Comparison, OutputError> {
    let (a, b) = (digest(a)?, digest(b)?);
    let mut differing: Vec<String> = a
        .datasets
        .iter()
        .filter(|(path, hash)| b.datasets.get(*path) != Some(*hash))
        .map(|(path, _)| path.clone())
        .chain(
            b.datasets
                .keys()
                .filter(|p| !a.datasets.contains_key(*p))
                .cloned(),
        )
        .collect();
    differing.sort();
    Ok(Comparison {
        identical: differing.is_empty(),
        datasets: a.datasets.len(),
        shape_only: a.shape_only.len(),
        differing,
    })
}

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A length-prefixed string, so that consecutive strings cannot run together.
    fn text(&mut self, s: &str) {
        self.bytes(&(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }
}

/// The entries being hashed: path to the hash so far and whether its values were read.
type Entries = BTreeMap<String, (Fnv, bool)>;

/// Hashes the units and the values `feed` writes into the entry of the dataset at
/// `path`, and marks its values read.
fn add(out: &mut Entries, path: String, units: &str, feed: impl FnOnce(&mut Fnv)) {
    let entry = out.entry(path).or_insert_with(|| (Fnv::new(), false));
    entry.0.text(units);
    feed(&mut entry.0);
    entry.1 = true;
}

fn f64s(values: &[f64]) -> impl FnOnce(&mut Fnv) + '_ {
    move |h| {
        values
            .iter()
            .for_each(|v| h.bytes(&v.to_bits().to_le_bytes()))
    }
}

fn f32s(values: &[f32]) -> impl FnOnce(&mut Fnv) + '_ {
    move |h| {
        values
            .iter()
            .for_each(|v| h.bytes(&v.to_bits().to_le_bytes()))
    }
}

fn add_table(out: &mut Entries, group: &str, table: &TableData) {
    for c in &table.columns {
        add(
            out,
            format!("{group}/{}", c.name),
            &c.units,
            f64s(&c.values),
        );
    }
}

/// The digest of the output file at `path`.
pub fn digest(path: &Path) -> Result<Digest, OutputError> {
    let r = OutputReader::open(path)?;
    let mut out = Entries::new();
    for d in r.list_datasets()? {
        let mut h = Fnv::new();
        h.text(&d.dtype);
        for n in &d.shape {
            h.bytes(&n.to_le_bytes());
        }
        out.insert(d.path, (h, false));
    }
    add_table(&mut out, "timeseries", &r.read_timeseries()?);
    for name in r.list_event_tables()? {
        add_table(&mut out, &format!("events/{name}"), &r.read_events(&name)?);
    }
    let lattice = r.read_lattice()?;
    add(
        &mut out,
        "lattice/bone_fraction".into(),
        "",
        f32s(&lattice.bone_fraction),
    );
    for m in r.read_metrics()? {
        let path = format!("lattice/metrics/{}", m.name);
        add(&mut out, path, &m.units, f64s(&[m.value]));
    }
    for s in r.list_snapshots()? {
        let bone = r.read_snapshot_lattice(&s.name)?;
        let group = format!("snapshots/{}", s.name);
        add(
            &mut out,
            format!("{group}/bone_fraction"),
            "",
            f32s(&bone.bone_fraction),
        );
        for field in &s.fields {
            let f = r.read_snapshot_field(&s.name, field)?;
            add(
                &mut out,
                format!("{group}/{field}"),
                &f.units,
                f32s(&f.values),
            );
        }
    }
    let shape_only = out
        .iter()
        .filter(|(_, (_, read))| !read)
        .map(|(p, _)| p.clone())
        .collect();
    let datasets = out.into_iter().map(|(p, (h, _))| (p, h.0)).collect();
    Ok(Digest {
        datasets,
        shape_only,
    })
}

#[cfg(test)]
mod tests {
    use super::compare;
    use crate::grid::Dims;
    use crate::lattice::Lattice;
    use crate::output::{FileMeta, OutputFile};
    use std::path::Path;

    /// A small output file: lattice, a time-series row, an event row, a snapshot with
    /// a field whose first value is `field0`, written with `threads` recorded.
    fn write(path: &Path, threads: u32, field0: f32) {
        let meta = FileMeta {
            software_version: "1".into(),
            git_revision: "r".into(),
            command: format!("run --threads {threads}"),
            config_toml: "a = 1\n".into(),
            seed: 1,
            threads,
        };
        let dims = Dims::new(3, 2, 2);
        let lattice = Lattice {
            dims,
            voxel_um: 10.0,
            bone_fraction: (0..dims.len()).map(|i| i as f32 / 12.0).collect(),
        };
        let mut f = OutputFile::create(path, &meta).unwrap();
        f.write_lattice(&lattice, &[("bv_tv", 0.4, "1")]).unwrap();
        let mut ts = f.timeseries(&[("day", "d"), ("bv_tv", "1")]).unwrap();
        ts.append_row(&[0.0, 0.4]).unwrap();
        let mut ev = f.event_table("bmus", &[("day", "d"), ("id", "1")]).unwrap();
        ev.append_row(&[0.0, 7.0]).unwrap();
        let mut field = vec![0.5f32; dims.len()];
        field[0] = field0;
        f.write_snapshot(0, &lattice, &[("mineral_fraction", &field, "1")])
            .unwrap();
        f.mark_complete().unwrap();
        f.close().unwrap();
    }

    #[test]
    fn equal_data_is_identical_whatever_the_thread_count_and_a_changed_value_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let [a, b, c] = ["a.h5", "b.h5", "c.h5"].map(|n| dir.path().join(n));
        write(&a, 1, 0.5);
        write(&b, 2, 0.5);
        write(&c, 2, 0.25);
        let same = compare(&a, &b).unwrap();
        assert!(same.identical, "{same:?}");
        assert_eq!(same.shape_only, 0, "{same:?}");
        assert!(same.datasets >= 8, "{same:?}");
        let other = compare(&a, &c).unwrap();
        assert!(!other.identical);
        assert_eq!(
            other.differing,
            vec!["snapshots/day_00000/mineral_fraction".to_string()]
        );
    }
}
