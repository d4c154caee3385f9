//! End-to-end cases: every directory under `tests/cases/` is a small
//! repository (`repo/`) with the commands to run on it (`cmd`, one per line;
//! default `check` and `check --format json`) and their exact expected output
//! (`expected.out`: stdout, stderr and exit code of each command).
//!
//! A case's `repo/` without `policies/` gets `tests/base/policies/` first.
//! After a deliberate change, update snapshots with `SNAPSHOTS=overwrite cargo test`.

use crate::support::{copy_tree, workspace};
use std::path::{Path, PathBuf};
use std::process::Command;

use snapbox::{Assert, Data};

const DEFAULT_COMMANDS: &str = "check\ncheck --format json\n";

/// A fresh copy of the case's repository in a temporary directory.
fn materialise(case: &Path, name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("onmessage-case-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let repo = case.join("repo");
    if !repo.join("policies").exists() && !case.join("no-base").exists() {
        copy_tree(&workspace().join("tests/base"), &root);
    }
    if repo.exists() {
        copy_tree(&repo, &root);
    }
    root
}

fn run_case(case: &Path) -> String {
    let name = case.file_name().unwrap().to_string_lossy().to_string();
    let root = materialise(case, &name);
    let commands =
        std::fs::read_to_string(case.join("cmd")).unwrap_or_else(|_| DEFAULT_COMMANDS.to_string());
    let mut transcript = String::new();
    for line in commands.lines().filter(|l| !l.trim().is_empty()) {
        let args: Vec<&str> = line.split_whitespace().collect();
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(&args)
            .arg("--root")
            .arg(&root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let code = output.status.code().unwrap();
        if args.contains(&"json") && code != 2 {
            let report: serde_json::Value = serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("{name}: `{line}` printed invalid JSON: {e}"));
            let problems = onmessage_engine::schema::validate_value(
                onmessage_engine::schema::Schema::Report,
                &report,
            );
            assert!(
                problems.is_empty(),
                "{name}: the report fails report.schema.json: {problems:?}"
            );
        }
        let root_text = root.display().to_string();
        transcript.push_str(&format!("$ {line}\n"));
        transcript.push_str(&stdout.replace(&root_text, "[ROOT]"));
        if !stderr.is_empty() {
            transcript.push_str("--- stderr\n");
            transcript.push_str(&stderr.replace(&root_text, "[ROOT]"));
        }
        transcript.push_str(&format!("[exit {code}]\n\n"));
    }
    let _ = std::fs::remove_dir_all(&root);
    transcript
}

/// Runs one case and compares its transcript with `expected.out`.
fn case(name: &str) {
    let case = workspace().join("tests/cases").join(name);
    let actual = Data::text(run_case(&case));
    let expected = Data::read_from(&case.join("expected.out"), None).raw();
    Assert::new().action_env("SNAPSHOTS").eq(actual, expected);
}

// One `#[test]` per directory of tests/cases/, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/cases.rs"));

/// Every case directory has its test: the generated list is not stale.
#[test]
fn every_case_directory_is_a_test() {
    let dir = workspace().join("tests/cases");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert!(
        !on_disk.is_empty(),
        "no end-to-end cases in {}",
        dir.display()
    );
    assert_eq!(on_disk, CASES);
}
