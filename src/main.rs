//! The `trabecula` binary: parse the command line, run, map errors to exit codes
//! (0 success, 2 bad input, 3 stopped by SIGTERM/SIGINT after a checkpoint, 1
//! anything else).

use clap::Parser;

fn main() {
    let cli = trabecula::cli::Cli::parse();
    if let Err(err) = trabecula::cli::run(cli) {
        let code = trabecula::cli::exit_code(&err);
        let label = if code == trabecula::cli::drive::EXIT_STOPPED {
            "stopped"
        } else {
            "error"
        };
        eprintln!("{label}: {err:#}");
        std::process::exit(code);
    }
}
