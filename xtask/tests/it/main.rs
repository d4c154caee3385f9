//! Every integration test of the shell in one binary (one link, one
//! process start per `cargo test`), as ripgrep keeps them: each module is
//! one former test file. The end-to-end cases under `tests/cases/` are one
//! test each (`cases::case_*`), so a failing case names itself and runs
//! alone with `cargo test -p xtask --test integration CASE_NAME`.

mod bench_corpus;
mod cases;
mod ci;
mod docs;
mod example;
mod history;
mod hostile;
mod lsp;
mod normalize_props;
mod publish;
mod publish_hub;
mod publish_policy;
mod publish_text;
mod register;
mod sarif;
mod schemas;
mod support;
mod twitter_text;
mod yaml_fast;
