//! Everything an output file holds beyond its provenance, as bit patterns, and the
//! one comparison of two files: every value and every unit, table by table.

use std::path::Path;

use trabecula::output::{OutputReader, TableData};

/// Bit patterns of a table's columns, with names and units.
pub type Columns = Vec<(String, String, Vec<u64>)>;

/// A snapshot's volumes (bone fraction first), named, as bit patterns.
pub type Volumes = Vec<(String, Vec<u32>)>;

/// Every dataset a run writes, as bit patterns, by path, and the recorded config.
#[derive(Debug, PartialEq)]
pub struct Contents {
    /// The config the file records (`/` attribute); not compared by [`assert_same`].
    pub config: String,
    /// `/lattice` bone fractions.
    pub lattice: Vec<u32>,
    /// The lattice metrics: name, value bits, units.
    pub metrics: Vec<(String, u64, String)>,
    /// `/timeseries` and every event table, by name.
    pub tables: Vec<(String, Columns)>,
    /// Every snapshot, by name.
    pub snapshots: Vec<(String, Volumes)>,
}

impl Contents {
    /// Rows over all tables.
    pub fn rows(&self) -> usize {
        self.tables
            .iter()
            .map(|(_, c)| c.first().map_or(0, |c| c.2.len()))
            .sum()
    }

    /// Bytes of data compared.
    pub fn bytes(&self) -> usize {
        let tables: usize = self
            .tables
            .iter()
            .flat_map(|(_, c)| c.iter().map(|c| c.2.len() * 8))
            .sum();
        let volumes: usize = self
            .snapshots
            .iter()
            .flat_map(|(_, f)| f.iter().map(|f| f.1.len() * 4))
            .sum();
        tables + volumes + self.lattice.len() * 4 + self.metrics.len() * 8
    }

    /// The bit patterns of column `name` of table `table`.
    pub fn column(&self, table: &str, name: &str) -> &[u64] {
        let t = &self.tables.iter().find(|(n, _)| n == table).unwrap().1;
        &t.iter().find(|(n, _, _)| n == name).unwrap().2
    }
}

/// A table's columns as bit patterns, with their names and units.
pub fn bits(t: &TableData) -> Columns {
    t.columns
        .iter()
        .map(|c| {
            let v = c.values.iter().map(|v| v.to_bits()).collect();
            (c.name.clone(), c.units.clone(), v)
        })
        .collect()
}

/// Reads everything of the output file at `path`.
pub fn contents(path: &Path) -> Contents {
    let r = OutputReader::open(path).unwrap();
    let mut tables = vec![("timeseries".into(), bits(&r.read_timeseries().unwrap()))];
    for name in r.list_event_tables().unwrap() {
        tables.push((name.clone(), bits(&r.read_events(&name).unwrap())));
    }
    let snapshots = r
        .list_snapshots()
        .unwrap()
        .into_iter()
        .map(|s| {
            let bone = r.read_snapshot_lattice(&s.name).unwrap().bone_fraction;
            let mut fields = vec![(
                "bone_fraction".to_string(),
                bone.iter().map(|x| x.to_bits()).collect(),
            )];
            for f in &s.fields {
                let v = r.read_snapshot_field(&s.name, f).unwrap().values;
                fields.push((f.clone(), v.iter().map(|x| x.to_bits()).collect()));
            }
            (s.name, fields)
        })
        .collect();
    let lattice = r.read_lattice().unwrap().bone_fraction;
    Contents {
        config: r.meta().config_toml.clone(),
        lattice: lattice.iter().map(|x| x.to_bits()).collect(),
        metrics: r
            .read_metrics()
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.value.to_bits(), m.units))
            .collect(),
        tables,
        snapshots,
    }
}

/// Asserts that two files hold the same data bit for bit, with the same names and
/// units (the recorded configs may differ: a run can be resumed with other
/// settings), naming the first table that differs; prints what was compared.
pub fn assert_same(a: &Contents, b: &Contents, what: &str) {
    assert_eq!(a.tables.len(), b.tables.len(), "{what}: tables");
    for ((na, ca), (nb, cb)) in a.tables.iter().zip(&b.tables) {
        assert_eq!(na, nb, "{what}: table names");
        assert_eq!(ca, cb, "{what}: table {na} differs");
    }
    let names = |c: &Contents| c.snapshots.iter().map(|s| s.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{what}: snapshots");
    assert!(
        a.lattice == b.lattice && a.metrics == b.metrics && a.snapshots == b.snapshots,
        "{what}: lattice, metrics or snapshot data differ"
    );
    eprintln!(
        "{what}: {} table rows, {} snapshots, {} bytes of data identical",
        a.rows(),
        a.snapshots.len(),
        a.bytes()
    );
}
