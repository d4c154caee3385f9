//! Writes one test function per end-to-end case (`tests/cases/<name>/`) for
//! the integration tests, so that each case passes or fails under its own
//! name and runs alone: `cargo test -p xtask --test integration case_clean`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    let _ = writeln!(out, "const CASES: &[&str] = &{names:?};");
    for name in &names {
        let function: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "#[test]\nfn case_{function}() {{\n    case({name:?});\n}}"
        );
    }
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("cases.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
