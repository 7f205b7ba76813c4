//! The `switchboard` gateway binary: parses the command line and runs it.

use std::process::ExitCode;

use clap::Parser;
use switchboard_server::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli)
}
