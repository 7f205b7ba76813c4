//! The `switchboard` gateway binary: parses the command line and runs it.

use std::process::ExitCode;

use clap::Parser;
use switchboard_server::cli::{Cli, run};

/// mimalloc rather than glibc's malloc. Memory often goes back on another thread than the one
/// that took it (the audit writer frees the records the request threads built; the runtime moves
/// tasks between its workers), and glibc takes the owning arena's lock for each such free, which
/// the owning thread then waits on. In the gateway bench (`docs/benchmarks.md`) the audit
/// writer's CPU per call fell by about a fifth with it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli)
}
