//! A reader over a parsed TOML table that turns raw values into typed ones and
//! collects every problem instead of stopping at the first.
//!
//! Each getter records the key as known, so the set of valid keys is exactly the set
//! the validation code asks for: it cannot drift from a hand-kept list. Every numeric
//! getter takes the key's unit with its range, and records it ([`Reader::units`]):
//! a key's unit is declared where the key is read, once. After the whole
//! document is read, [`Reader::finish`] reports every key that nobody asked for, with
//! the nearest valid key as a suggestion.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use toml::{Table, Value};

use super::error::{Origin, Problem};
use super::suggest::{locate_line, nearest};

/// A closed or open interval of valid numbers, printed in interval notation.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    min: f64,
    max: f64,
    min_open: bool,
    max_open: bool,
}

impl Range {
    /// `[min, max]`.
    pub const fn closed(min: f64, max: f64) -> Self {
        Self {
            min,
            max,
            min_open: false,
            max_open: false,
        }
    }

    /// `(min, max]`.
    pub const fn open_closed(min: f64, max: f64) -> Self {
        Self {
            min,
            max,
            min_open: true,
            max_open: false,
        }
    }

    /// `(min, max)`.
    pub const fn open(min: f64, max: f64) -> Self {
        Self {
            min,
            max,
            min_open: true,
            max_open: true,
        }
    }

    /// Whether `v` lies in the interval (NaN never does).
    pub fn contains(&self, v: f64) -> bool {
        let lo = if self.min_open {
            v > self.min
        } else {
            v >= self.min
        };
        let hi = if self.max_open {
            v < self.max
        } else {
            v <= self.max
        };
        lo && hi
    }
}

impl fmt::Display for Range {
    /// Interval notation; an end at the largest finite float (a range open on that
    /// side) prints as an open `-inf` / `inf`, never as a 309-digit number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unbounded = |x: f64| x.is_infinite() || x.abs() == f64::MAX;
        let (lo_open, lo) = if unbounded(self.min) {
            (true, "-inf".to_string())
        } else {
            (self.min_open, number(self.min))
        };
        let (hi_open, hi) = if unbounded(self.max) {
            (true, "inf".to_string())
        } else {
            (self.max_open, number(self.max))
        };
        write!(
            f,
            "{}{lo}, {hi}{}",
            if lo_open { '(' } else { '[' },
            if hi_open { ')' } else { ']' }
        )
    }
}

/// A number for a message: plain notation for ordinary magnitudes, scientific
/// (`1e300`) for very large or very small ones, `nan` / `inf` / `-inf` for the rest.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if x != 0.0 && !(1e-6..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Why a number is outside `range`, for a message: `nan` is not a number at all.
fn out_of_range(x: f64, range: &Range) -> String {
    if x.is_nan() {
        format!("nan is not a number; valid range is {range}")
    } else {
        format!("{} is out of range; valid range is {range}", number(x))
    }
}

/// Shared state of one validation pass.
pub struct Reader<'s> {
    source: &'s str,
    overridden: BTreeSet<String>,
    known: RefCell<BTreeSet<String>>,
    units: RefCell<BTreeMap<String, &'static str>>,
    problems: RefCell<Vec<Problem>>,
}

impl<'s> Reader<'s> {
    /// A reader for a document whose text is `source` (used to find line numbers) and
    /// whose keys in `overridden` were set on the command line.
    pub fn new(source: &'s str, overridden: BTreeSet<String>) -> Self {
        Self {
            source,
            overridden,
            known: RefCell::default(),
            units: RefCell::default(),
            problems: RefCell::default(),
        }
    }

    /// A view of table `table` at dotted path `path` (empty for the root).
    pub fn section<'a>(&'a self, path: &str, table: Option<&'a Table>) -> Section<'a, 's> {
        if !path.is_empty() {
            self.known.borrow_mut().insert(path.to_string());
        }
        Section {
            reader: self,
            path: path.to_string(),
            table,
        }
    }

    /// Records a problem with the key at `path`.
    pub fn problem(&self, path: &str, message: impl Into<String>) {
        let origin = if self.overridden.contains(path) {
            Origin::CommandLine
        } else {
            Origin::File(locate_line(self.source, path))
        };
        self.problems.borrow_mut().push(Problem {
            key: path.to_string(),
            message: message.into(),
            origin,
        });
    }

    /// The unit of every numeric key read so far, by dotted path (`"1"` for a
    /// dimensionless number; keys of text and booleans have none).
    pub fn units(&self) -> BTreeMap<String, &'static str> {
        self.units.borrow().clone()
    }

    /// Whether any problem has been recorded so far.
    pub fn has_problems(&self) -> bool {
        !self.problems.borrow().is_empty()
    }

    /// Reports every key of `root` nobody asked for, and returns all problems found,
    /// in the order of their lines.
    pub fn finish(self, root: &Table) -> Vec<Problem> {
        let mut present = Vec::new();
        collect_paths("", root, &mut present);
        let known = self.known.borrow();
        for path in present.iter().filter(|p| !known.contains(*p)) {
            // A key below an unknown table is reported once, at the table.
            if let Some((parent, _)) = path.rsplit_once('.') {
                if !known.contains(parent) && present.iter().any(|p| p == parent) {
                    continue;
                }
            }
            self.problem(path, unknown_key_message(path, &known));
        }
        let mut problems = self.problems.take();
        // A key read by two rules reports its bad value once.
        let mut seen = BTreeSet::new();
        problems.retain(|p| seen.insert((p.key.clone(), p.message.clone())));
        problems.sort_by_key(|p| match p.origin {
            Origin::File(Some(l)) => (0, l),
            Origin::File(None) => (1, 0),
            Origin::CommandLine => (2, 0),
        });
        problems
    }
}

fn collect_paths(prefix: &str, table: &Table, out: &mut Vec<String>) {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        out.push(path.clone());
        match v {
            Value::Table(t) => collect_paths(&path, t, out),
            Value::Array(items) if items.iter().all(Value::is_table) => {
                // An array of tables (`[[drug]]`): its entries are `drug[0]`, `drug[1]`...
                for (i, item) in items.iter().enumerate() {
                    if let Value::Table(t) = item {
                        let entry = format!("{path}[{i}]");
                        out.push(entry.clone());
                        collect_paths(&entry, t, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn unknown_key_message(path: &str, known: &BTreeSet<String>) -> String {
    let (parent, leaf) = path.rsplit_once('.').unwrap_or(("", path));
    let depth = path.matches('.').count();
    let siblings: Vec<&str> = known
        .iter()
        .filter(|k| k.matches('.').count() == depth)
        .filter(|k| k.rsplit_once('.').map_or("", |(p, _)| p) == parent)
        .map(|k| k.rsplit_once('.').map_or(k.as_str(), |(_, l)| l))
        .collect();
    if let Some(s) = nearest(leaf, siblings.iter().copied()) {
        let full = if parent.is_empty() {
            s.to_string()
        } else {
            format!("{parent}.{s}")
        };
        return format!("unknown key; did you mean `{full}`?");
    }
    if let Some(elsewhere) = known
        .iter()
        .find(|k| k.rsplit_once('.').map_or(k.as_str(), |(_, l)| l) == leaf)
    {
        return format!("unknown key here; `{leaf}` belongs at `{elsewhere}`");
    }
    if siblings.is_empty() {
        "unknown key".to_string()
    } else {
        format!("unknown key; valid keys here: {}", siblings.join(", "))
    }
}

/// Typed access to one table of the document.
pub struct Section<'a, 's> {
    reader: &'a Reader<'s>,
    path: String,
    table: Option<&'a Table>,
}

impl<'a> Section<'a, '_> {
    /// Dotted path of `key` in this section.
    pub fn path_of(&self, key: &str) -> String {
        if key.is_empty() {
            self.path.clone()
        } else if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Whether the table exists in the document.
    pub fn is_present(&self) -> bool {
        self.table.is_some()
    }

    /// Whether `key` is given in this table (and marks it known).
    pub fn has(&self, key: &str) -> bool {
        self.reader.known.borrow_mut().insert(self.path_of(key));
        self.table.is_some_and(|t| t.contains_key(key))
    }

    /// Records a problem with `key` of this section.
    pub fn problem(&self, key: &str, message: impl Into<String>) {
        self.reader.problem(&self.path_of(key), message);
    }

    /// Marks `key` known with the unit `unit` and returns its untyped value.
    fn numeric_value(&self, key: &str, unit: &'static str) -> Option<&'a Value> {
        self.reader
            .units
            .borrow_mut()
            .insert(self.path_of(key), unit);
        self.raw_value(key)
    }

    /// The untyped value of `key` (and marks it known).
    pub fn raw_value(&self, key: &str) -> Option<&'a Value> {
        self.reader.known.borrow_mut().insert(self.path_of(key));
        self.table.and_then(|t| t.get(key))
    }

    /// The sub-table `key` (absent sub-tables give an absent section).
    pub fn table(&self, key: &str) -> Section<'a, '_> {
        let path = self.path_of(key);
        let table = match self.raw_value(key) {
            None => None,
            Some(Value::Table(t)) => Some(t),
            Some(other) => {
                self.reader.problem(
                    &path,
                    format!("expected a table, found {}", other.type_str()),
                );
                None
            }
        };
        self.reader.section(&path, table)
    }

    /// The entries of the array of tables `key` (`[[key]]` in TOML), each a section
    /// at path `key[i]`; absent gives none, anything but an array of tables is a
    /// problem.
    pub fn table_array(&self, key: &str) -> Vec<Section<'a, '_>> {
        let path = self.path_of(key);
        match self.raw_value(key) {
            None => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_table) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    self.reader
                        .section(&format!("{path}[{i}]"), item.as_table())
                })
                .collect(),
            Some(other) => {
                self.reader.problem(
                    &path,
                    format!(
                        "expected an array of tables ([[{key}]] entries), found {}",
                        other.type_str()
                    ),
                );
                Vec::new()
            }
        }
    }

    /// A number in `unit` within `range`; integers are accepted for floats. Absent
    /// keys give `default`; bad values record a problem and give `None`.
    pub fn f64(
        &self,
        key: &str,
        unit: &'static str,
        range: Range,
        default: Option<f64>,
    ) -> Option<f64> {
        match self.numeric_value(key, unit) {
            None => default,
            Some(v) => {
                let x = match v {
                    Value::Float(f) => *f,
                    Value::Integer(i) => *i as f64,
                    other => {
                        self.problem(
                            key,
                            format!("expected a number in {range}, found {}", other.type_str()),
                        );
                        return None;
                    }
                };
                if range.contains(x) {
                    Some(x)
                } else {
                    self.problem(key, out_of_range(x, &range));
                    None
                }
            }
        }
    }

    /// An optional number in `unit` within `range` (`None` when absent or bad).
    pub fn opt_f64(&self, key: &str, unit: &'static str, range: Range) -> Option<f64> {
        self.f64(key, unit, range, None)
    }

    /// An integer in `unit` within `[min, max]`.
    pub fn int(
        &self,
        key: &str,
        unit: &'static str,
        min: i64,
        max: i64,
        default: Option<i64>,
    ) -> Option<i64> {
        match self.numeric_value(key, unit) {
            None => default,
            Some(Value::Integer(i)) if (min..=max).contains(i) => Some(*i),
            Some(Value::Integer(i)) => {
                self.problem(
                    key,
                    format!("{i} is out of range; valid range is [{min}, {max}]"),
                );
                None
            }
            Some(other) => {
                self.problem(
                    key,
                    format!(
                        "expected an integer in [{min}, {max}], found {}",
                        other.type_str()
                    ),
                );
                None
            }
        }
    }

    /// A boolean (`true` / `false`).
    pub fn bool(&self, key: &str, default: Option<bool>) -> Option<bool> {
        match self.raw_value(key) {
            None => default,
            Some(Value::Boolean(b)) => Some(*b),
            Some(other) => {
                self.problem(
                    key,
                    format!("expected true or false, found {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A string, any value.
    pub fn string(&self, key: &str) -> Option<String> {
        match self.raw_value(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.problem(
                    key,
                    format!("expected a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A string that must be one of `choices`.
    pub fn choice(
        &self,
        key: &str,
        choices: &[&'static str],
        default: Option<&'static str>,
    ) -> Option<&'static str> {
        let Some(value) = self.raw_value(key) else {
            return default;
        };
        let Value::String(s) = value else {
            self.problem(
                key,
                format!(
                    "expected one of {}, found {}",
                    quoted(choices),
                    value.type_str()
                ),
            );
            return None;
        };
        if let Some(c) = choices.iter().find(|c| **c == s) {
            return Some(c);
        }
        let hint = nearest(s, choices.iter().copied())
            .map(|n| format!("; did you mean \"{n}\"?"))
            .unwrap_or_default();
        self.problem(
            key,
            format!("\"{s}\" is not one of {}{hint}", quoted(choices)),
        );
        None
    }

    /// An array of exactly `N` numbers in `unit`, each in `range`.
    pub fn f64_array<const N: usize>(
        &self,
        key: &str,
        unit: &'static str,
        range: Range,
    ) -> Option<[f64; N]> {
        let value = self.numeric_value(key, unit)?;
        let items = self.array_items(key, value, N)?;
        let mut out = [0.0; N];
        for (i, v) in items.iter().enumerate() {
            let x = match v {
                Value::Float(f) => *f,
                Value::Integer(n) => *n as f64,
                other => {
                    self.problem(
                        key,
                        format!("element {i}: expected a number, found {}", other.type_str()),
                    );
                    return None;
                }
            };
            if !range.contains(x) {
                self.problem(key, format!("element {i}: {}", out_of_range(x, &range)));
                return None;
            }
            out[i] = x;
        }
        Some(out)
    }

    /// An array of exactly `N` integers in `unit`, each in `[min, max]`.
    pub fn int_array<const N: usize>(
        &self,
        key: &str,
        unit: &'static str,
        min: i64,
        max: i64,
    ) -> Option<[i64; N]> {
        let value = self.numeric_value(key, unit)?;
        let items = self.array_items(key, value, N)?;
        let mut out = [0; N];
        for (i, v) in items.iter().enumerate() {
            match v {
                Value::Integer(n) if (min..=max).contains(n) => out[i] = *n,
                Value::Integer(n) => {
                    self.problem(
                        key,
                        format!("element {i}: {n} is out of range; valid range is [{min}, {max}]"),
                    );
                    return None;
                }
                other => {
                    self.problem(
                        key,
                        format!(
                            "element {i}: expected an integer, found {}",
                            other.type_str()
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn array_items(&self, key: &str, value: &'a Value, n: usize) -> Option<&'a Vec<Value>> {
        match value {
            Value::Array(a) if a.len() == n => Some(a),
            Value::Array(a) => {
                self.problem(key, format!("expected {n} elements, found {}", a.len()));
                None
            }
            other => {
                self.problem(
                    key,
                    format!(
                        "expected an array of {n} numbers, found {}",
                        other.type_str()
                    ),
                );
                None
            }
        }
    }
}

fn quoted(choices: &[&str]) -> String {
    choices
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_numbers_print_short() {
        let any = Range::closed(f64::MIN, f64::MAX);
        assert_eq!(any.to_string(), "(-inf, inf)");
        assert_eq!(Range::open_closed(0.0, 1e4).to_string(), "(0, 10000]");
        assert_eq!(Range::closed(0.0, f64::MAX).to_string(), "[0, inf)");
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-2.5e-9), "-2.5e-9");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(f64::NAN), "nan");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
        let nan = out_of_range(f64::NAN, &any);
        assert_eq!(nan, "nan is not a number; valid range is (-inf, inf)");
        assert!(out_of_range(1e300, &Range::closed(0.0, 1.0)).starts_with("1e300 is out"));
    }
}
