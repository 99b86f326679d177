//! `docs/MODEL.md` against the code.
//!
//! - Every key of the config schema has exactly one row in a parameter table (a
//!   Markdown table whose header starts `key | default | unit | range`), with the
//!   code's default, the unit its name implies and the range validation enforces;
//!   every key such a table lists exists. Keys, defaults and ranges are read from the
//!   schema through the public config API (`examples/param_table/probe.rs`, which
//!   `cargo run --example param_table` prints).
//! - The drug table gives each drug's standard dose and interval; the aromatase
//!   inhibitor and bisphosphonate tables their fixed constants; the preset table the
//!   reference morphometry of each synthetic preset.
//! - Every row of a constants table (`constant | value | ...`) names a `const` of the
//!   source (`cells::bone::resorb::FRAGMENT_VOXELS` is `src/cells/bone/resorb.rs`) and gives its
//!   value.
//!
//! A cell matches when it equals the expected text or starts with it followed by a
//! space, comma or semicolon (so a default may carry a note: `30 (every row)`).

#[path = "../examples/param_table/probe.rs"]
mod probe;

use std::collections::BTreeMap;
use std::path::Path;

use probe::format_number;
use trabecula::lattice::synthetic::Preset;
use trabecula::pharmacology::{aromatase, bisphosphonate, Drug, DrugKind};

/// A Markdown table: header cells and rows of cells.
struct MdTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl MdTable {
    /// Index of the column headed `name`.
    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}` in {:?}", self.header))
    }
}

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/MODEL.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// Every table of `text`, in order.
fn tables(text: &str) -> Vec<MdTable> {
    let mut out: Vec<MdTable> = Vec::new();
    let mut open = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with('|') {
            open = false;
            continue;
        }
        let is_rule = |l: &str| {
            l.trim().trim_matches('|').split('|').all(|c| {
                let c = c.trim();
                !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':')
            })
        };
        if is_rule(line) {
            continue;
        }
        if !open {
            let next_is_rule = lines.get(i + 1).is_some_and(|l| is_rule(l));
            assert!(next_is_rule, "a table without a header rule at `{line}`");
            out.push(MdTable {
                header: cells(line),
                rows: Vec::new(),
            });
            open = true;
        } else {
            out.last_mut().expect("open table").rows.push(cells(line));
        }
    }
    out
}

/// The tables whose first header cell is `first`.
fn tables_headed<'a>(all: &'a [MdTable], first: &str) -> impl Iterator<Item = &'a MdTable> {
    let first = first.to_string();
    all.iter().filter(move |t| t.header.first() == Some(&first))
}

/// `cell` is `expected`, or starts with it followed by a space, comma or semicolon.
fn matches(cell: &str, expected: &str) -> bool {
    cell == expected
        || [' ', ',', ';']
            .iter()
            .any(|c| cell.starts_with(&format!("{expected}{c}")))
}

fn unquote(cell: &str) -> &str {
    cell.trim_matches('`')
}

/// The rows of every parameter table, by key.
fn parameter_rows(all: &[MdTable]) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut rows: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for t in tables_headed(all, "key") {
        assert_eq!(
            &t.header[..4],
            ["key", "default", "unit", "range"],
            "parameter table header"
        );
        for r in &t.rows {
            rows.entry(unquote(&r[0]).to_string())
                .or_default()
                .push(r.clone());
        }
    }
    rows
}

#[test]
fn every_schema_key_has_one_row_with_the_codes_default_unit_and_range() {
    let text = doc();
    let all = tables(&text);
    let rows = parameter_rows(&all);
    let params = probe::params();
    assert!(params.len() > 150, "the probe found only {}", params.len());
    let mut problems = Vec::new();
    for p in &params {
        let expected = format!(
            "| `{}` | {} | {} | {} | ... |",
            p.key,
            p.default.as_deref().unwrap_or("..."),
            p.unit.unwrap_or("..."),
            p.range
        );
        let Some(found) = rows.get(&p.key) else {
            problems.push(format!("missing: {expected}"));
            continue;
        };
        if found.len() > 1 {
            problems.push(format!("`{}` has {} rows", p.key, found.len()));
        }
        let r = &found[0];
        let default_ok = p.default.as_ref().is_none_or(|d| matches(&r[1], d));
        let unit_ok = p.unit.is_none_or(|u| r[2] == u);
        if !(default_ok && unit_ok && matches(&r[3], &p.range)) {
            problems.push(format!("row `{}` differs from the code: {expected}", p.key));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/MODEL.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_documented_key_is_in_the_schema() {
    let text = doc();
    let rows = parameter_rows(&tables(&text));
    let known: Vec<String> = probe::params().into_iter().map(|p| p.key).collect();
    let stale: Vec<&String> = rows.keys().filter(|k| !known.contains(k)).collect();
    assert!(stale.is_empty(), "not config keys: {stale:?}");
}

#[test]
fn drug_regimens_and_fixed_drug_constants_are_the_codes() {
    let text = doc();
    let all = tables(&text);
    let row = |first: &str, name: &str| -> (&MdTable, Vec<String>) {
        tables_headed(&all, first)
            .find_map(|t| {
                t.rows
                    .iter()
                    .find(|r| unquote(&r[0]) == name)
                    .map(|r| (t, r.clone()))
            })
            .unwrap_or_else(|| panic!("no row `{name}` in a `{first}` table"))
    };
    let check = |t: &MdTable, r: &[String], column: &str, value: f64| {
        let cell = &r[t.column(column)];
        let want = format_number(value);
        assert!(
            matches(cell, &want),
            "`{}` {column}: `{cell}`, code {want}",
            r[0]
        );
    };
    for d in Drug::ALL {
        let (t, r) = row("drug", d.name());
        check(t, &r, "standard dose (mg)", d.standard_dose_mg());
        check(t, &r, "standard interval (d)", d.standard_interval_days());
        match d.kind() {
            DrugKind::AromataseInhibitor => {
                let (t, r) = row("aromatase inhibitor", d.name());
                check(t, &r, "E2 suppression", aromatase::standard_suppression(d));
            }
            DrugKind::Bisphosphonate => {
                let (t, r) = row("bisphosphonate", d.name());
                check(t, &r, "F", bisphosphonate::bioavailability(d));
                check(t, &r, "f_urine", bisphosphonate::urine_fraction(d));
                check(
                    t,
                    &r,
                    "molar mass (g/mol)",
                    bisphosphonate::molar_mass_g_per_mol(d),
                );
            }
            _ => {}
        }
    }
}

#[test]
fn preset_targets_are_the_codes() {
    let text = doc();
    let all = tables(&text);
    for p in Preset::ALL {
        let (t, r) = tables_headed(&all, "preset")
            .find_map(|t| {
                t.rows
                    .iter()
                    .find(|r| unquote(&r[0]) == p.name())
                    .map(|r| (t, r))
            })
            .unwrap_or_else(|| panic!("no row `{}` in a `preset` table", p.name()));
        let g = p.targets();
        let conn_d = g.conn_d_per_mm3.map_or("-".to_string(), format_number);
        for (column, want) in [
            ("BV/TV", format_number(g.bv_tv)),
            ("Tb.Th (mm)", format_number(g.tb_th_mm)),
            ("Tb.Sp (mm)", format_number(g.tb_sp_mm)),
            ("Tb.N (1/mm)", format_number(g.tb_n_per_mm)),
            ("Conn.D (1/mm^3)", conn_d),
            ("SMI", format_number(g.smi)),
            ("plate fraction", format_number(g.plate_fraction)),
            ("anisotropy", format_number(g.anisotropy)),
            ("thickness CV", format_number(g.thickness_cv)),
        ] {
            let cell = &r[t.column(column)];
            assert!(
                matches(cell, &want),
                "{} {column}: `{cell}`, code {want}",
                p.name()
            );
        }
    }
}

/// The value of `const NAME: T = VALUE;` in the source file of module `path`.
fn const_value(path: &str) -> Option<f64> {
    let (module, name) = path.rsplit_once("::")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = module.replace("::", "/");
    let text = std::fs::read_to_string(root.join(format!("{rel}.rs")))
        .or_else(|_| std::fs::read_to_string(root.join(format!("{rel}/mod.rs"))))
        .ok()?;
    let decl = format!("const {name}:");
    let line = text.lines().find(|l| l.contains(&decl))?;
    let value = line.split_once('=')?.1.trim().trim_end_matches(';').trim();
    value.replace('_', "").parse().ok()
}

#[test]
fn documented_constants_are_the_codes() {
    let text = doc();
    let all = tables(&text);
    let mut n = 0;
    for t in tables_headed(&all, "constant") {
        let v = t.column("value");
        for r in &t.rows {
            let path = unquote(&r[0]);
            let code = const_value(path)
                .unwrap_or_else(|| panic!("`{path}`: no numeric const of that name"));
            let want = format_number(code);
            assert!(matches(&r[v], &want), "`{path}`: `{}`, code {want}", r[v]);
            n += 1;
        }
    }
    assert!(n >= 20, "only {n} constants documented");
}
