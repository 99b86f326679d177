//! `--set key.path=value` overrides from the command line, applied to the parsed
//! document before validation so they are checked exactly like the file's own keys.

use std::collections::BTreeSet;

use toml::{Table, Value};

use super::error::{ConfigError, Origin, Problem};

/// One parsed `--set` override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Dotted key path, e.g. `lattice.synthetic.bv_tv`.
    pub path: String,
    /// The value, parsed as a TOML value (a bare word that is not valid TOML is a string).
    pub value: Value,
}

impl std::fmt::Display for Override {
    /// `key.path=value`, the value in TOML syntax (parses back to the same override).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (path, text) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected KEY=VALUE, e.g. lattice.voxel_um=20"))?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(|p| p.trim().is_empty()) {
            return Err(format!(
                "`{s}`: the key must be a dotted path such as lattice.voxel_um"
            ));
        }
        let text = text.trim();
        let value = match format!("v = {text}").parse::<Table>() {
            Ok(mut t) => t.remove("v").unwrap_or(Value::String(text.to_string())),
            Err(_) => Value::String(text.to_string()),
        };
        Ok(Override {
            path: path.to_string(),
            value,
        })
    }
}

/// The table at `parents` below `doc`, created as needed; `Err(i)` when part `i` is a
/// value rather than a table.
fn descend<'t>(doc: &'t mut Table, parents: &[&str]) -> Result<&'t mut Table, usize> {
    let mut table = doc;
    for (i, part) in parents.iter().enumerate() {
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => table = t,
            _ => return Err(i),
        }
    }
    Ok(table)
}

/// Applies overrides to `doc`, creating missing tables; returns the set of paths set.
pub fn apply(doc: &mut Table, overrides: &[Override]) -> Result<BTreeSet<String>, ConfigError> {
    let mut problems = Vec::new();
    let mut set = BTreeSet::new();
    for o in overrides {
        if let Value::Table(t) = &o.value {
            problems.push(Problem {
                key: o.path.clone(),
                message: whole_table_message(&o.path, t),
                origin: Origin::CommandLine,
            });
            continue;
        }
        let parts: Vec<&str> = o.path.split('.').map(str::trim).collect();
        let (leaf, parents) = parts.split_last().expect("path has at least one part");
        match descend(doc, parents) {
            Ok(table) => {
                table.insert(leaf.to_string(), o.value.clone());
                set.insert(parts.join("."));
            }
            Err(depth) => problems.push(Problem {
                key: o.path.clone(),
                message: format!("`{}` is a value, not a table", parts[..=depth].join(".")),
                origin: Origin::CommandLine,
            }),
        }
    }
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(ConfigError::Invalid {
            origin: "command line".into(),
            problems,
        })
    }
}

/// Why `--set KEY={...}` is refused: it would replace the whole table `KEY`, dropping
/// every key of it the file sets and the override does not; names the dotted
/// overrides that set the same values one by one.
fn whole_table_message(path: &str, table: &Table) -> String {
    let mut dotted = Vec::new();
    flatten(path, table, &mut dotted);
    let instead = if dotted.is_empty() {
        format!("--set {path}.KEY=VALUE")
    } else {
        dotted
            .iter()
            .map(|d| format!("--set {d}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "a table value would replace all of [{path}], dropping the keys the file sets \
         there; set keys one by one instead: {instead}"
    )
}

/// `prefix.key=value` for every value of `table`, descending into sub-tables.
fn flatten(prefix: &str, table: &Table, out: &mut Vec<String>) {
    for (k, v) in table {
        let path = format!("{prefix}.{k}");
        match v {
            Value::Table(t) => flatten(&path, t, out),
            v => out.push(format!("{path}={v}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_as_toml_then_string() {
        let o: Override = "lattice.voxel_um=25".parse().unwrap();
        assert_eq!(o.value, Value::Integer(25));
        let o: Override = "lattice.synthetic.preset=femoral_head".parse().unwrap();
        assert_eq!(o.value, Value::String("femoral_head".into()));
        let o: Override = "a.b=[1, 2, 3]".parse().unwrap();
        assert!(matches!(o.value, Value::Array(ref a) if a.len() == 3));
        assert!("novalue".parse::<Override>().is_err());
        // Display writes the value in TOML syntax, so it parses back to the same.
        for text in [
            "a.b=1.5",
            "a.b=\"femoral_head\"",
            "a.b=[1, 2, 3]",
            "a.b=true",
        ] {
            let o: Override = text.parse().unwrap();
            assert_eq!(o.to_string(), text);
            assert_eq!(o.to_string().parse::<Override>().unwrap(), o);
        }
        assert!("a..b=1".parse::<Override>().is_err());
    }

    #[test]
    fn creates_tables_and_refuses_to_descend_into_values() {
        let mut doc: Table = "[run]\nseed = 1\n".parse().unwrap();
        let set = apply(&mut doc, &["lattice.synthetic.bv_tv=0.2".parse().unwrap()]).unwrap();
        assert!(set.contains("lattice.synthetic.bv_tv"));
        assert_eq!(doc["lattice"]["synthetic"]["bv_tv"].as_float(), Some(0.2));
        let err = apply(&mut doc, &["run.seed.x=1".parse().unwrap()]).unwrap_err();
        assert_eq!(err.problems()[0].origin, Origin::CommandLine);
    }

    #[test]
    fn refuses_a_table_value_and_names_the_dotted_keys() {
        let mut doc: Table = "[run]\nseed = 1\ndays = 10\n".parse().unwrap();
        let o: Override = "run={days=3, x = {y = true}}".parse().unwrap();
        let err = apply(&mut doc, &[o]).unwrap_err();
        let p = &err.problems()[0];
        assert_eq!(p.key, "run");
        assert!(
            p.message.contains("--set run.days=3 --set run.x.y=true"),
            "{}",
            p.message
        );
        // The document is untouched: the file's run.seed is still there.
        assert_eq!(doc["run"]["seed"].as_integer(), Some(1));
    }
}
