//! Keeps the documentation honest: README's quick start is the two commands,
//! ARCHITECTURE's code map names every module, `explain` knows every rule id
//! the code can report.

use crate::support::workspace;

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace().join(path)).unwrap()
}

#[test]
fn readme_quick_start_is_the_two_commands() {
    let readme = read("README.md");
    let start = readme
        .find("## Quick start")
        .expect("a quick start section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let block = section.split("```").nth(1).expect("a code block");
    let commands: Vec<&str> = block
        .lines()
        .skip(1)
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo xtask check", "cargo test"]);
}

#[test]
fn architecture_names_every_module() {
    let architecture = read("ARCHITECTURE.md");
    let src = workspace().join("xtask/src");
    let mut missing = Vec::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name != "mod.rs" && name != "lib.rs" && !architecture.contains(&name) {
                missing.push(path.strip_prefix(&src).unwrap().display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not mention: {missing:?}"
    );
}

#[test]
fn every_reported_rule_id_is_explained() {
    // Rule ids appear in the code as the first argument of a push or a Finding.
    let ids = onmessage_engine::rules::builtin::ids();
    let mut unexplained = Vec::new();
    for entry in walkdir::WalkDir::new(workspace().join("xtask/src")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for quoted in text.split('"').skip(1).step_by(2) {
            let looks_like_rule = quoted.contains('.')
                && !quoted.contains(' ')
                && quoted.split('.').count() == 2
                && [
                    "post",
                    "product",
                    "client",
                    "disclosure",
                    "platform",
                    "link",
                    "image",
                    "allow",
                    "history",
                    "approval",
                    "text",
                ]
                .contains(&quoted.split('.').next().unwrap());
            if looks_like_rule
                && !ids.contains(&quoted)
                && !quoted.ends_with(".md")
                && !quoted.ends_with(".json")
            {
                unexplained.push(quoted.to_string());
            }
        }
    }
    unexplained.sort();
    unexplained.dedup();
    assert!(
        unexplained.is_empty(),
        "rule ids reported without an explain entry: {unexplained:?}"
    );
    assert!(ids.contains(&"quiet-period"));
}
