//! Configuration: TOML read into a raw form, then validated into typed values in
//! one place.
//!
//! The raw form is the TOML document as parsed by serde ([`toml::Table`]); the
//! validated form is [`Config`]. [`schema`] is the one place where keys, units,
//! ranges, defaults and cross-key rules live. Validation never stops at the first
//! problem: every bad key, bad value and unknown key of a file is reported in one
//! pass, each naming the key, its line and the valid range, and unknown keys come
//! with the nearest valid key as a suggestion. `--set key.path=value` overrides are
//! applied to the raw form first, so they are validated exactly like the file.

pub mod cells;
pub mod clinical;
pub mod drugs;
mod error;
pub mod estrogen;
pub mod fields;
mod generator;
pub mod mechanics;
mod overrides;
mod params;
pub(crate) mod reader;
pub mod schema;
mod suggest;
mod types;

use std::path::Path;

pub use error::{ConfigError, Origin, Problem};
pub use overrides::Override;
pub use types::*;

/// Reads and validates the config file at `path` with command-line overrides.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Config, ConfigError> {
    let (text, base) = read(path)?;
    parse(&text, &path.display().to_string(), base, overrides)
}

/// Reads, validates and fully checks the config file at `path`: [`load`], plus the
/// rules of the synthetic generator, which depend on values a preset supplies (a
/// domain at least one node spacing wide, trabeculae at least two voxels thick).
/// Cheap: nothing is generated or imported. Every problem names the key the user
/// wrote (`lattice.side_mm`, not the generator's `dims.nz`), its line and the
/// valid value. This is what `check`, `run` and `sweep plan` accept.
pub fn load_checked(path: &Path, overrides: &[Override]) -> Result<Config, ConfigError> {
    let (text, base) = read(path)?;
    parse_checked(&text, &path.display().to_string(), base, overrides)
}

fn read(path: &Path) -> Result<(String, &Path), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
        path: path.display().to_string(),
        error,
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok((text, base))
}

/// Validates TOML `text` (named `origin` in messages); relative paths resolve
/// against `base_dir`.
pub fn parse(
    text: &str,
    origin: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Config, ConfigError> {
    parse_with(text, origin, base_dir, overrides, false)
}

/// As [`parse`], plus the synthetic generator's rules (see [`load_checked`]).
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

impl Config {
    /// The config as TOML text, defaults filled in; it validates back to `self`.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a validated config always serializes")
    }
}
