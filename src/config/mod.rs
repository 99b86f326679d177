//! Configuration: TOML read into a raw form, then validated into typed values in
//! one place.
//!
//! The raw form is the TOML document as parsed by serde ([`toml::Table`]); the
//! validated form is [`Config`]. [`schema`] is the one place where keys, units,
//! ranges, defaults and cross-key rules live. Validation never stops at the first
//! problem: every bad key, bad value and unknown key of a file is reported in one
//! pass, each naming the key, its line and the valid range, and unknown keys come
//! with the nearest valid key as a suggestion. `--set key.path=value` overrides are
//! applied to the raw form first, so they are validated exactly like the file; an
//! override whose value is a whole table is refused. [`load`] (and
//! [`parse_checked`]) also apply the synthetic generator's own rules, which depend
//! on values a preset supplies, and report them at the keys the user wrote.

pub mod cells;
pub mod clinical;
pub mod drug;
pub mod drugs;
mod error;
pub mod estrogen;
pub mod fields;
mod generator;
pub mod mechanics;
mod overrides;
mod params;
pub mod presets;
pub(crate) mod reader;
pub mod schema;
mod suggest;

/// The line of a dotted key in a config's text, as the config's own messages find it.
pub use suggest::locate_line;
pub mod synthetic;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use error::{ConfigError, Origin, Problem};
pub use overrides::Override;
pub use types::*;

/// Reads the config file at `path` with command-line overrides and checks it
/// fully ([`parse_checked`]): the schema, and the rules of the synthetic generator.
/// This is the check `trabecula check`, `run`, `lattice` and `sweep run` apply
/// (through it) and `sweep plan` applies to every task.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Config, ConfigError> {
    let (text, base) = read(path)?;
    parse_checked(&text, &path.display().to_string(), base, overrides)
}

fn read(path: &Path) -> Result<(String, &Path), ConfigError> {
    let text = read_text(path)?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok((text, base))
}

/// The text of the TOML file at `path`; a directory is named as such.
pub(crate) fn read_text(path: &Path) -> Result<String, ConfigError> {
    let io = |error| ConfigError::Io {
        path: path.display().to_string(),
        error,
    };
    if path.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a directory; expected a TOML file",
        )));
    }
    std::fs::read_to_string(path).map_err(io)
}

/// Validates TOML `text` (named `origin` in messages) against the schema: keys,
/// types, ranges and cross-key rules; relative paths resolve against `base_dir`.
/// The generator's rules are not applied (see [`parse_checked`]): for callers that
/// build the lattice from the config at once, or never do.
pub fn parse(
    text: &str,
    origin: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Config, ConfigError> {
    parse_with(text, origin, base_dir, overrides, false)
}

/// As [`parse`], plus the rules of the synthetic generator, which depend on values
/// a preset supplies (a domain at least one node spacing wide along every axis,
/// trabeculae at least two voxels thick). Cheap: nothing is generated or
/// imported. Each problem names the key the user wrote (`lattice.side_mm` or
/// `lattice.shape_voxels`, not the generator's `dims.nz`), its line and the
/// smallest (or largest) valid value.
pub fn parse_checked(
    text: &str,
    origin: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Config, ConfigError> {
    parse_with(text, origin, base_dir, overrides, true)
}

fn parse_with(
    text: &str,
    origin: &str,
    base_dir: &Path,
    overrides: &[Override],
    generator_rules: bool,
) -> Result<Config, ConfigError> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
    let overridden = overrides::apply(&mut doc, overrides).map_err(|e| match e {
        ConfigError::Invalid { problems, .. } => ConfigError::Invalid {
            origin: origin.to_string(),
            problems,
        },
        other => other,
    })?;
    let reader = reader::Reader::new(text, overridden);
    let config = schema::validate(&reader, &doc, base_dir);
    if let Some(c) = config.as_ref().filter(|_| generator_rules) {
        // Only on an otherwise valid config: the rules combine several keys.
        if !reader.has_problems() {
            generator::check(&reader, &doc, c);
        }
    }
    let problems = reader.finish(&doc);
    match config {
        Some(c) if problems.is_empty() => Ok(c),
        _ => Err(ConfigError::Invalid {
            origin: origin.to_string(),
            problems,
        }),
    }
}

/// The unit of every numeric key of the config TOML `text`, by dotted path
/// (`cells.precursor.initiation_per_mm2_per_day` is `1/(mm^2 d)`; `"1"` for a
/// dimensionless number). Each unit is declared where the schema reads the key, so
/// this is the schema's own list: every key a config with the tables of `text` may
/// give, whether `text` gives it or not (a `[[drug]]` entry's keys, or those of the
/// lattice source `text` does not use, only when `text` has such a table). Keys of
/// text and booleans have no unit. Problems with the values are not reported here.
pub fn units(text: &str) -> Result<BTreeMap<String, &'static str>, ConfigError> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            origin: "config".to_string(),
            message: e.to_string(),
        })?;
    let reader = reader::Reader::new(text, BTreeSet::new());
    // Whether the files a config names exist does not change the units.
    let _ = schema::validate(&reader, &doc, Path::new("."));
    Ok(reader.units())
}

impl Config {
    /// The config as TOML text, defaults filled in; it validates back to `self`.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a validated config always serializes")
    }
}
