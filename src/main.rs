//! The `trabecula` binary: parse the command line, run, map errors to exit codes
//! (0 success, 2 bad input, 1 anything else).

use clap::Parser;

fn main() {
    let cli = trabecula::cli::Cli::parse();
    if let Err(err) = trabecula::cli::run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(trabecula::cli::exit_code(&err));
    }
}
