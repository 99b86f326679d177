//! Configuration errors: every problem found in one pass, each naming its key.

use std::fmt;

/// Where a configuration value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A line of the configuration file (1-based), when it could be located.
    File(Option<usize>),
    /// A `--set key=value` override on the command line.
    CommandLine,
}

/// One problem with one key.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Dotted path of the key, e.g. `lattice.voxel_um`.
    pub key: String,
    /// What is wrong and what would be right (the valid range or choices).
    pub message: String,
    /// Where the offending value was written.
    pub origin: Origin,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::File(Some(line)) => write!(f, "line {line}: `{}`: {}", self.key, self.message),
            Origin::File(None) => write!(f, "`{}`: {}", self.key, self.message),
            Origin::CommandLine => write!(f, "--set `{}`: {}", self.key, self.message),
        }
    }
}

/// A configuration that could not be read or validated.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    // The message includes the OS error, so it is not also the `source`: printing
    // the chain (`{:#}`) would repeat it.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        error: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{origin} is not valid TOML: {message}")]
    Syntax {
        /// The file (or `--set`).
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The TOML parsed, but keys or values are wrong; every problem is listed.
    #[error("{}", render_invalid(origin, problems))]
    Invalid {
        /// The file the problems are in.
        origin: String,
        /// All problems found, in document order.
        problems: Vec<Problem>,
    },
}

fn render_invalid(origin: &str, problems: &[Problem]) -> String {
    let mut s = format!(
        "{origin}: {} problem{} in the configuration",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        s.push_str("\n  - ");
        s.push_str(&p.to_string());
    }
    s
}

impl ConfigError {
    /// The problems listed by an [`ConfigError::Invalid`] error (empty otherwise).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}
