//! `onmessage-bench`: the benchmark's command line (`cargo xtask bench`
//! builds it and runs it with the release `xtask`).

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "cargo xtask bench",
    about = "Measure check and publish on generated repositories against ripgrep and gitleaks"
)]
struct Cli {
    #[command(flatten)]
    args: onmessage_bench::BenchArgs,
}

fn main() -> std::process::ExitCode {
    onmessage_bench::run_cli(Cli::parse().args)
}
