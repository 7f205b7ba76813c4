//! The `switchboard` gateway binary.

#![allow(
    clippy::print_stdout,
    reason = "a command-line program prints its output"
)]

fn main() -> anyhow::Result<()> {
    println!("switchboard {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}
