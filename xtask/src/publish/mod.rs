//! `cargo xtask publish` (being written).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct PublishArgs {}

pub fn run_cli(_args: PublishArgs) -> ExitCode {
    ExitCode::from(2)
}
