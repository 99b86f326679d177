//! `trabecula check CONFIG`: validate only, listing every problem with its key.

use super::ConfigArgs;

/// Validates the config; on success prints a one-line summary (unless quiet).
pub fn run(args: &ConfigArgs, quiet: bool) -> anyhow::Result<()> {
    let config = args.load()?;
    crate::lattice::source::check(&config.lattice, config.run.seed)?;
    if !quiet {
        println!("{}: ok", args.config.display());
    }
    Ok(())
}
