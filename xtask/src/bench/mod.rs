//! `cargo xtask bench` (being written).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BenchArgs {}

pub fn run_cli(_args: BenchArgs) -> ExitCode {
    ExitCode::from(2)
}
