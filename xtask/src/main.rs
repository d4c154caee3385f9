//! `cargo xtask`: the shell around the OnMessage engine. It parses the
//! command line, reads the clock and the environment, walks and reads the
//! working tree, reads history with libgit2, spreads posts over the cores
//! and writes the published output; every judgement is the engine's.
mod check;
mod cli;
mod git;
mod images;
mod lsp;
mod publish;
mod register;

// A check allocates many small, short-lived values per post (YAML nodes,
// text units, URLs); mimalloc serves them with about a third of the
// instructions of glibc's malloc (11% of the wall time at 100,000 posts).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
