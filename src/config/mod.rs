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
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parse(&text, &path.display().to_string(), base, overrides)
}

/// Validates TOML `text` (named `origin` in messages); relative paths resolve
/// against `base_dir`.
pub fn parse(
    text: &str,
    origin: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Config, ConfigError> {
    let mut doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
    let overridden = overrides::apply(&mut doc, overrides)?;
    let reader = reader::Reader::new(text, overridden);
    let config = schema::validate(&reader, &doc, base_dir);
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
