//! The shipped example company: it passes on a fresh clone, and a codename
//! slipped into one of its posts is caught at the exact place.

use crate::support::workspace;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of the example's policies/ and content/ in a fresh directory.
fn example_copy(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("onmessage-example-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for dir in ["policies", "content"] {
        for entry in walkdir::WalkDir::new(workspace().join(dir)) {
            let entry = entry.unwrap();
            let target = root.join(entry.path().strip_prefix(workspace()).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    root
}

fn check(root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--root"])
        .arg(root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_example_passes() {
    let root = example_copy("clean");
    let out = check(&root);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.lines().last().unwrap().contains(" 0 errors"),
        "{stdout}"
    );
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_codename_in_an_example_post_is_caught_where_it_is() {
    let root = example_copy("leak");
    let rel = "content/posts/2026/12/widget-pro-is-here.md";
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    // Put the codename into the last line of the default copy, after its first word.
    let body_start = text.match_indices("---\n").nth(1).unwrap().0 + 4;
    let line_index = text[..body_start].lines().count() + 1;
    let line = text.lines().nth(line_index - 1).unwrap();
    let first_space = line.find(' ').unwrap();
    let column = line[..first_space].chars().count() + 2;
    let leaked = format!(
        "{} Project Falcon{}",
        &line[..first_space],
        &line[first_space..]
    );
    std::fs::write(&path, text.replacen(line, &leaked, 1)).unwrap();

    let out = check(&root);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "error[product.codename]: 'Project Falcon' is the internal codename of widget-pro"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("--> {rel}:{line_index}:{column}\n")),
        "expected {rel}:{line_index}:{column} in\n{stdout}"
    );
    let underline = format!(
        "{}{}",
        " ".repeat(column - 1),
        "^".repeat("Project Falcon".len())
    );
    assert!(stdout.lines().any(|l| l.ends_with(&underline)), "{stdout}");
    std::fs::remove_dir_all(root).unwrap();
}
