//! Errors any part of the program may raise about its input, kept at the bottom of
//! the module layering so that no folder has to import the commands to use them.
//!
//! [`crate::config::ConfigError`] covers config files and `--set` overrides; an
//! [`InputError`] covers everything else the user handed in. Both make the binary
//! exit with status 2 (the commands map errors to exit statuses).

/// Bad input that is not a config problem: a flag, a file that is in the way.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);
