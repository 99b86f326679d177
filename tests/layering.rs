//! The module layering: which top-level folder of `src/` may import which.
//!
//! Every `crate::<module>` path in `src/<folder>/**/*.rs` (or `src/<module>.rs`)
//! must name the folder itself or one it may import according to [`ALLOWED`];
//! comments, string and character literals are ignored. The table has no cycles
//! (the entries marked "to be removed" excepted, and each of those must still be in
//! use), and every module of `src/` is in it, so a new folder has to be placed.
//!
//! Not seen: `super::` paths, which never leave a folder here (a folder's `mod.rs`
//! only uses `super::` inside its own test module).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A folder and what it may import, from the bottom layer up.
struct Layer {
    folder: &'static str,
    may_import: &'static [&'static str],
    /// Imports allowed only until a move under way elsewhere lands: each with why.
    to_be_removed: &'static [(&'static str, &'static str)],
}

const fn layer(folder: &'static str, may_import: &'static [&'static str]) -> Layer {
    Layer {
        folder,
        may_import,
        to_be_removed: &[],
    }
}

/// The layering, bottom up. `cli` sits on top and may import everything.
const ALLOWED: &[Layer] = &[
    layer("grid", &[]),
    layer("random", &[]),
    layer("files", &[]),
    layer("error", &[]),
    layer("config", &["grid"]),
    layer("morphometry", &["grid"]),
    layer("lattice", &["grid", "config", "morphometry"]),
    layer("pharmacology", &["grid", "config", "lattice"]),
    layer("fields", &["grid", "config", "lattice"]),
    layer(
        "cells",
        &[
            "grid",
            "random",
            "config",
            "morphometry",
            "lattice",
            "pharmacology",
            "fields",
        ],
    ),
    layer("output", &["grid", "files", "config", "lattice"]),
    layer(
        "sim",
        &[
            "grid",
            "random",
            "files",
            "error",
            "config",
            "morphometry",
            "lattice",
            "pharmacology",
            "fields",
            "cells",
            "output",
        ],
    ),
    layer(
        "footprint",
        &["grid", "config", "morphometry", "lattice", "fields"],
    ),
    layer(
        "sweep",
        &[
            "grid", "random", "files", "error", "config", "lattice", "output", "sim",
        ],
    ),
    layer(
        "validate",
        &[
            "grid",
            "files",
            "error",
            "config",
            "morphometry",
            "lattice",
            "output",
            "sim",
            "sweep",
        ],
    ),
    layer(
        "cli",
        &[
            "grid",
            "files",
            "error",
            "config",
            "morphometry",
            "lattice",
            "pharmacology",
            "fields",
            "cells",
            "output",
            "sim",
            "footprint",
            "sweep",
            "validate",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules of `src/` (folders and single files), without the crate
/// roots `lib.rs` and `main.rs`.
fn modules() -> BTreeSet<String> {
    std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            if p.is_dir() {
                Some(name)
            } else {
                let stem = name.strip_suffix(".rs")?;
                (stem != "lib" && stem != "main").then(|| stem.to_string())
            }
        })
        .collect()
}

/// Every `.rs` file of module `m`.
fn files_of(m: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let dir = src().join(m);
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(&dir, &mut out);
    } else {
        out.push(src().join(format!("{m}.rs")));
    }
    out.sort();
    out
}

/// The text with comments, string literals and character literals blanked out
/// (newlines kept, so line numbers stay right).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident(c[i - 1]))
        {
            // A raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                blank(&mut out, c[j]);
                j += 1;
            }
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push(c[i]);
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '_'
}

/// The top-level modules named by the `crate::` paths of `code` (comments already
/// removed), with the line of each: `crate::a::b`, `crate::{a, b::c}`,
/// `$crate::a`. Items of the crate root (`crate::VERSION`) are left out.
fn crate_paths(code: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let line_at = |i: usize| c[..i].iter().filter(|&&ch| ch == '\n').count() + 1;
    let ident_at = |mut j: usize| {
        while c.get(j).is_some_and(|ch| ch.is_whitespace()) {
            j += 1;
        }
        let start = j;
        while c.get(j).is_some_and(|&ch| is_ident(ch)) {
            j += 1;
        }
        (c[start..j].iter().collect::<String>(), j)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i + 7 <= c.len() {
        let at_word = i == 0 || !is_ident(c[i - 1]);
        if !(at_word && c[i..i + 7].iter().collect::<String>() == "crate::") {
            i += 1;
            continue;
        }
        let line = line_at(i);
        let mut j = i + 7;
        while c.get(j).is_some_and(|ch| ch.is_whitespace()) {
            j += 1;
        }
        if c.get(j) == Some(&'{') {
            // A group: the first identifier of each item at depth 1.
            let mut depth = 1;
            let mut expect_item = true;
            j += 1;
            while j < c.len() && depth > 0 {
                match c[j] {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => expect_item = true,
                    ch if depth == 1 && expect_item && is_ident(ch) => {
                        let (name, end) = ident_at(j);
                        out.push((name, line_at(j)));
                        expect_item = false;
                        j = end;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
        } else {
            let (name, end) = ident_at(j);
            if !name.is_empty() {
                out.push((name, line));
            }
            j = end;
        }
        i = j;
    }
    out.retain(|(name, _)| name.starts_with(|ch: char| ch.is_ascii_lowercase()));
    out
}

fn table() -> BTreeMap<&'static str, &'static Layer> {
    ALLOWED.iter().map(|l| (l.folder, l)).collect()
}

/// Every import edge of `src/`: (from, to) -> the places it is used.
fn edges() -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for m in modules() {
        for file in files_of(&m) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (to, line) in crate_paths(&code_only(&text)) {
                if to != m && to != "self" && to != "crate" {
                    let at = file.strip_prefix(src().parent().unwrap()).unwrap();
                    out.entry((m.clone(), to))
                        .or_default()
                        .push(format!("{}:{line}", at.display()));
                }
            }
        }
    }
    out
}

#[test]
fn every_import_follows_the_layering() {
    let table = table();
    let mut bad = Vec::new();
    for ((from, to), places) in edges() {
        let Some(layer) = table.get(from.as_str()) else {
            continue; // reported by every_module_is_placed
        };
        let allowed = layer.may_import.contains(&to.as_str())
            || layer.to_be_removed.iter().any(|(m, _)| *m == to);
        if !allowed {
            bad.push(format!("{from} imports {to} at {}", places.join(", ")));
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layering (tests/layering.rs):\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_module_is_placed() {
    let table = table();
    let missing: Vec<String> = modules()
        .into_iter()
        .filter(|m| !table.contains_key(m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "modules of src/ missing from the layering table in tests/layering.rs: {missing:?}"
    );
    let gone: Vec<&str> = table
        .keys()
        .copied()
        .filter(|m| !modules().contains(*m))
        .collect();
    assert!(
        gone.is_empty(),
        "the layering table names modules that do not exist: {gone:?}"
    );
}

#[test]
fn the_layering_has_no_cycles() {
    // Each folder may import only folders listed before it: that order is a
    // topological order, so there is no cycle.
    let position: BTreeMap<&str, usize> = ALLOWED
        .iter()
        .enumerate()
        .map(|(i, l)| (l.folder, i))
        .collect();
    for (i, l) in ALLOWED.iter().enumerate() {
        for m in l.may_import {
            let j = position
                .get(m)
                .unwrap_or_else(|| panic!("{} may import unknown module {m}", l.folder));
            assert!(
                *j < i,
                "{} may import {m}, which is listed after it: the table has a cycle or is out of order",
                l.folder
            );
        }
    }
}

#[test]
fn exceptions_are_removed_once_unused() {
    let edges = edges();
    for l in ALLOWED {
        for (m, why) in l.to_be_removed {
            assert!(
                edges.contains_key(&(l.folder.to_string(), m.to_string())),
                "{} no longer imports {m} ({why}): delete the exception from tests/layering.rs",
                l.folder
            );
        }
    }
}

#[test]
fn the_scanner_sees_paths_and_groups_but_not_comments_or_strings() {
    let text = r##"
//! Docs naming crate::cli.
use crate::{config::{self, Config}, grid::Dims};
use crate::lattice::Lattice; // and crate::output in a comment
/* crate::sweep, /* nested crate::sim */ still a comment */
let s = "crate::validate"; let r = r#"crate::footprint"#; let q = '"';
let t: &'a str = $crate::fields::x(crate::VERSION);
fn f() { let _ = crate::
    morphometry::edt; }
"##;
    let found: Vec<(String, usize)> = crate_paths(&code_only(text));
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["config", "grid", "lattice", "fields", "morphometry"]
    );
    assert_eq!(found[2].1, 4, "line of crate::lattice");
}
