//! Every key of the config schema with its default, unit and valid range, read
//! through the public config API only, so the list cannot drift from the validation
//! code.
//!
//! - **Keys.** The validation code records every key it asks for, and a key nobody
//!   asked for is reported as "unknown key; valid keys here: a, b, c" when no valid
//!   key is close to it. A nonsense key placed in every table therefore lists that
//!   table's keys; a child that refuses to be a table ("expected ..., found table")
//!   is a leaf. Two base documents cover the branches a document takes: a synthetic
//!   lattice with a `[[drug]]` entry that has a `start_when`, and an imported raw
//!   volume.
//! - **Ranges.** A leaf set to a string names its type and its range or choices in
//!   the message ("expected a number in (0, 1000], found string"); an array set to
//!   huge integers names its element range.
//! - **Defaults.** [`trabecula::config::Config::to_toml`] of a minimal valid
//!   document lists every default filled in.
//! - **Units.** From the unit suffix of the key name (`_per_day`, `_pg_ml`, ...);
//!   gains, fractions, ratios and other dimensionless quantities are `1`.
//!
//! Used by `cargo run --example param_table` (prints the table rows) and by
//! `tests/model_doc.rs` (checks `docs/MODEL.md` against them).

use std::collections::BTreeSet;
use std::path::Path;

use toml::{Table, Value};
use trabecula::config;

/// A key no valid key is close to (edit distance) and none starts with.
const BOGUS: &str = "qqqqqqqqqqqqqqqqqqqq";
/// A string value no key accepts as a number, a choice or a boolean.
const PROBE_STRING: &str = "zz_probe_value";

/// One config key as the schema defines it.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Dotted key as written in docs/MODEL.md: `cells.osteoclast.apoptosis_per_day`;
    /// keys of a `[[drug]]` entry read `drug.start_day`.
    pub key: String,
    /// The default as docs/MODEL.md prints it, where the code fills one in for a
    /// document that leaves the key out (`None`: required, optional without a
    /// default, or derived from other keys).
    pub default: Option<String>,
    /// Unit implied by the key's name (`None`: the name carries none).
    pub unit: Option<&'static str>,
    /// Valid values as the validation messages state them: an interval, choices,
    /// `true or false`, or an array's element range.
    pub range: String,
}

/// The base documents: one per branch of the schema.
fn base_documents(raw_file: &Path) -> [Table; 2] {
    let synthetic = "[lattice.synthetic]\npreset = \"iliac_crest\"\n\n[[drug]]\n\
                     name = \"zoledronic_acid\"\nstart_when = { t_score_below = -2.0 }\n";
    let import = format!(
        "[lattice.import]\npath = {:?}\n[lattice.import.raw]\nshape_voxels = [8, 8, 8]\n\
         dtype = \"uint8\"\nspacing_um = [20.0, 20.0, 20.0]\n",
        raw_file.display().to_string()
    );
    [
        synthetic.parse().expect("base document parses"),
        import.parse().expect("base document parses"),
    ]
}

/// Minimal valid documents whose `to_toml` lists the defaults, and the keys each sets
/// itself (not defaults).
fn minimal_documents(raw_file: &Path) -> [(String, &'static [&'static str]); 2] {
    [
        (
            "[lattice.synthetic]\npreset = \"iliac_crest\"\n\n[[drug]]\nname = \"anastrozole\"\n"
                .to_string(),
            &[
                "lattice.synthetic.preset",
                "lattice.shape_voxels",
                "drug.name",
                // The drug's own standard regimen, not a default of the key.
                "drug.interval_days",
                "drug.dose_mg",
            ],
        ),
        (
            format!(
                "[lattice.import]\npath = {:?}\n[lattice.import.raw]\n\
                 shape_voxels = [8, 8, 8]\ndtype = \"uint8\"\nspacing_um = [20.0, 20.0, 20.0]\n",
                raw_file.display().to_string()
            ),
            &[
                "lattice.import.path",
                // From the file's extension.
                "lattice.import.format",
                "lattice.import.raw.shape_voxels",
                "lattice.import.raw.dtype",
                "lattice.import.raw.spacing_um",
            ],
        ),
    ]
}

/// The problems `doc` gets from validation: `(key, message)`.
fn problems(doc: &Table) -> Vec<(String, String)> {
    let text = toml::to_string(doc).expect("a TOML table serializes");
    match config::parse(&text, "probe.toml", Path::new("."), &[]) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .problems()
            .iter()
            .map(|p| (p.key.clone(), p.message.clone()))
            .collect(),
    }
}

/// Path segments of a dotted key: `drug[0].start_day` is `drug`, index 0,
/// `start_day`.
fn segments(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once('[') {
            Some((name, i)) => (name, i.trim_end_matches(']').parse().ok()),
            None => (s, None),
        })
        .collect()
}

/// The value at `path` in `doc`.
fn get<'a>(doc: &'a Table, path: &str) -> Option<&'a Value> {
    let mut table = doc;
    let segs = segments(path);
    for (k, (name, index)) in segs.iter().enumerate() {
        let mut v = table.get(*name)?;
        if let Some(i) = index {
            v = v.as_array()?.get(*i)?;
        }
        if k + 1 == segs.len() {
            return Some(v);
        }
        table = v.as_table()?;
    }
    None
}

/// `doc` with `value` at `path`, creating tables on the way (array entries must
/// exist).
fn with(doc: &Table, path: &str, value: Value) -> Table {
    let mut out = doc.clone();
    let segs = segments(path);
    let mut table = &mut out;
    for (k, (name, index)) in segs.iter().enumerate() {
        if k + 1 == segs.len() && index.is_none() {
            table.insert(name.to_string(), value);
            break;
        }
        let entry = table
            .entry(name.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        let entry = match index {
            Some(i) => &mut entry.as_array_mut().expect("an array of tables")[*i],
            None => entry,
        };
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        table = entry.as_table_mut().expect("a table");
    }
    out
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// The keys validation knows in the table at `path` of `doc` (forced to be a table).
fn children(doc: &Table, path: &str) -> Vec<String> {
    let mut bogus = Table::new();
    bogus.insert(BOGUS.into(), Value::Integer(1));
    let probe = if path.is_empty() {
        with(doc, BOGUS, Value::Integer(1))
    } else {
        match get(doc, path) {
            Some(Value::Table(_)) => with(doc, &join(path, BOGUS), Value::Integer(1)),
            _ => with(doc, path, Value::Table(bogus)),
        }
    };
    let at = join(path, BOGUS);
    let message = problems(&probe)
        .into_iter()
        .find(|(k, _)| *k == at)
        .map(|(_, m)| m)
        .unwrap_or_else(|| panic!("`{at}` was not reported as unknown"));
    match message.strip_prefix("unknown key; valid keys here: ") {
        Some(list) => list.split(", ").map(str::to_string).collect(),
        None if message == "unknown key" => Vec::new(),
        None => panic!("`{at}`: unexpected message `{message}`"),
    }
}

/// What validation takes at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A value (it refuses a table).
    Leaf,
    /// A table of keys.
    Table,
    /// An array of tables (`[[drug]]`), visited through its first entry.
    TableArray,
}

/// What validation takes at `path` of `doc`.
fn kind(doc: &Table, path: &str) -> Kind {
    if let Some(v) = get(doc, path) {
        return if is_table_array(v) {
            Kind::TableArray
        } else if v.is_table() {
            Kind::Table
        } else {
            Kind::Leaf
        };
    }
    let probe = with(doc, path, Value::Table(Table::new()));
    let messages: Vec<String> = problems(&probe)
        .into_iter()
        .filter(|(k, _)| k == path)
        .map(|(_, m)| m)
        .collect();
    if messages
        .iter()
        .any(|m| m.contains("expected an array of tables"))
    {
        Kind::TableArray
    } else if messages.iter().any(|m| m.contains("found table")) {
        Kind::Leaf
    } else {
        Kind::Table
    }
}

fn is_table_array(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_table))
}

/// Every leaf key reachable from `path` in `doc`, as validation paths.
fn leaves(doc: &Table, path: &str, out: &mut BTreeSet<String>) {
    for child in children(doc, path) {
        if child.contains('[') {
            continue; // an entry of an array of tables, visited through its array
        }
        let p = join(path, &child);
        match kind(doc, &p) {
            Kind::Leaf => {
                out.insert(p);
            }
            Kind::Table => leaves(doc, &p, out),
            // Entries are visited in the base document that has one.
            Kind::TableArray if get(doc, &p).is_some() => leaves(doc, &format!("{p}[0]"), out),
            Kind::TableArray => {}
        }
    }
}

/// The doc key of a validation path: `drug[0].x` reads `drug.x`.
fn doc_key(path: &str) -> String {
    path.replace("[0]", "")
}

/// The valid values of the leaf at `path`, from the messages validation gives.
fn range_of(doc: &Table, path: &str) -> String {
    let message_for = |value: Value| {
        problems(&with(doc, path, value))
            .into_iter()
            .find(|(k, _)| k == path)
            .map(|(_, m)| m)
    };
    let Some(m) = message_for(Value::String(PROBE_STRING.into())) else {
        return "text".to_string();
    };
    let after = |prefix: &str, m: &str| m.strip_prefix(prefix).map(|r| r.to_string());
    if let Some(r) = after("expected a number in ", &m) {
        return tidy(r.trim_end_matches(", found string"));
    }
    if let Some(r) = after("expected an integer in ", &m) {
        return tidy(r.trim_end_matches(", found string"));
    }
    if m.starts_with("expected true or false") {
        return "true or false".to_string();
    }
    if let Some(list) = after(&format!("\"{PROBE_STRING}\" is not one of "), &m) {
        let list = list.split("; did you mean").next().unwrap_or_default();
        let names: Vec<String> = list
            .split(", ")
            .map(|c| format!("`{}`", c.trim_matches('"')))
            .collect();
        return format!("one of {}", names.join(", "));
    }
    if let Some(rest) = after("expected an array of ", &m) {
        let n: usize = rest
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("an element count");
        let big = Value::Array(vec![Value::Integer(i64::MAX); n]);
        let m = message_for(big).expect("huge elements are out of range");
        let (value, range) = m
            .strip_prefix("element 0: ")
            .and_then(|r| r.split_once(" is out of range; valid range is "))
            .unwrap_or_else(|| panic!("`{path}`: unexpected message `{m}`"));
        let kind = if value == i64::MAX.to_string() {
            "integers"
        } else {
            "numbers"
        };
        return format!("{n} {kind} in {}", tidy(range));
    }
    if m.starts_with("file not found") {
        return "a file path".to_string();
    }
    panic!("`{path}`: unexpected message `{m}`")
}

/// A range as docs/MODEL.md prints it: the largest integer as `2^63-1`.
fn tidy(range: &str) -> String {
    range.replace(&i64::MAX.to_string(), "2^63-1")
}

/// A default as docs/MODEL.md prints it: short numbers as the code writes them, long
/// ones to four significant digits, very small or large ones in `e` notation.
pub fn format_number(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        return format!("{x:e}");
    }
    let plain = format!("{x}");
    if plain.len() <= 8 {
        return plain;
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn format_default(v: &Value) -> Option<String> {
    match v {
        Value::Float(x) => Some(format_number(*x)),
        Value::Integer(i) => Some(i.to_string()),
        Value::Boolean(b) => Some(b.to_string()),
        Value::String(s) => Some(format!("`{s}`")),
        _ => None,
    }
}

/// Unit suffixes of key names, longest first where one ends another.
const SUFFIX_UNITS: &[(&str, &str)] = &[
    ("_um3_per_day_per_nucleus", "um^3/(d nucleus)"),
    ("_per_mm3_per_day", "1/(mm^3 d)"),
    ("_per_mm2_per_day", "1/(mm^2 d)"),
    ("_um2_per_s", "um^2/s"),
    ("_um_per_day", "um/d"),
    ("_molecules_per_s", "molecules/s"),
    ("_pm_per_day", "pM/d"),
    ("_release_per_um3", "molecules/um^3"),
    ("_per_mm3", "1/mm^3"),
    ("_per_mm", "1/mm"),
    ("_per_day", "1/d"),
    ("_pg_ml", "pg/mL"),
    ("_g_cm2", "g/cm^2"),
    ("_mg_cm3", "mg/cm^3"),
    ("_fmol", "fmol"),
    ("_pm", "pM"),
    ("_um", "um"),
    ("_mm", "mm"),
    ("_m2", "m^2"),
    ("_mg", "mg"),
    ("_days", "d"),
    ("_day", "d"),
    ("_hours", "h"),
    ("_h", "h"),
    ("_steps", "steps"),
    ("_voxels", "voxels"),
    ("_bytes", "bytes"),
];

/// Name endings of dimensionless quantities.
const DIMENSIONLESS: &[&str] = &[
    "_gain",
    "_fraction",
    "_ratio",
    "_cv",
    "_tolerance",
    "_signal",
    "_factor",
    "_share",
    "_protection",
    "_usage",
    "_hill",
    "bv_tv",
    "anisotropy",
];

/// The unit the name of `key` implies, if any.
pub fn unit_of(key: &str) -> Option<&'static str> {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let named = |s: &str| leaf.ends_with(s) || leaf == &s[1..];
    if let Some((_, u)) = SUFFIX_UNITS.iter().find(|(s, _)| named(s)) {
        return Some(u);
    }
    DIMENSIONLESS
        .iter()
        .any(|s| leaf.ends_with(s))
        .then_some("1")
}

/// Every key of the schema with its default, unit and range, sorted by key.
pub fn params() -> Vec<Param> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let raw_file = dir.path().join("probe.raw");
    std::fs::write(&raw_file, [0u8; 512]).expect("the probe volume is written");
    let bases = base_documents(&raw_file);
    let mut paths: Vec<(String, usize)> = Vec::new();
    for (b, doc) in bases.iter().enumerate() {
        let mut found = BTreeSet::new();
        leaves(doc, "", &mut found);
        for p in found {
            if !paths.iter().any(|(q, _)| *q == p) {
                paths.push((p, b));
            }
        }
    }
    let mut defaults: Vec<(String, String)> = Vec::new();
    for (text, own) in minimal_documents(&raw_file) {
        let config = config::parse(&text, "minimal.toml", Path::new("."), &[])
            .unwrap_or_else(|e| panic!("the minimal document validates: {e}"));
        let full: Table = config.to_toml().parse().expect("to_toml parses");
        for (path, _) in &paths {
            let key = doc_key(path);
            if own.contains(&key.as_str()) || defaults.iter().any(|(k, _)| *k == key) {
                continue;
            }
            if let Some(d) = get(&full, path).and_then(format_default) {
                defaults.push((key, d));
            }
        }
    }
    let mut out: Vec<Param> = paths
        .iter()
        .map(|(path, b)| {
            let key = doc_key(path);
            Param {
                default: defaults
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, d)| d.clone()),
                unit: unit_of(&key),
                range: range_of(&bases[*b], path),
                key,
            }
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}
