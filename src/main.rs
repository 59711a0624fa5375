//! The `smlog` binary: parses the command line, runs it, maps errors to exit codes.

use clap::Parser;
use smlog::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("smlog: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
