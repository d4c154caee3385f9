//! Keeps the documentation honest: README's quick start is the two commands,
//! ARCHITECTURE's code map names every module, `explain` knows every rule id
//! the code can report.

use crate::support::workspace;

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace().join(path)).unwrap()
}

/// Every Rust source file of every crate (the shell, `crates/*`, the fuzz
/// targets), relative to the repository root.
fn sources() -> Vec<std::path::PathBuf> {
    let root = workspace();
    let mut dirs = vec![root.join("xtask/src"), root.join("fuzz/fuzz_targets")];
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        dirs.push(krate.unwrap().path().join("src"));
    }
    let mut files: Vec<_> = dirs
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(dir).into_iter().map(Result::unwrap))
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.strip_prefix(&root).unwrap().to_path_buf())
        .collect();
    files.sort();
    assert!(files.len() > 50, "{files:?}");
    files
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

/// The code map names every module of every crate by its file name (a
/// crate's `lib.rs`/`main.rs` by the crate's directory).
#[test]
fn architecture_names_every_module() {
    let architecture = read("ARCHITECTURE.md");
    let mut missing = Vec::new();
    for path in sources() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let named = match name.as_str() {
            "mod.rs" => {
                path.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    + "/"
            }
            "lib.rs" | "main.rs" => {
                let krate = path.parent().unwrap().parent().unwrap();
                krate.file_name().unwrap().to_string_lossy() + "/"
            }
            _ => name.into(),
        };
        if !architecture.contains(named.as_ref()) {
            missing.push(path.display().to_string());
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
    for path in sources()
        .iter()
        .filter(|p| !p.starts_with("crates/onmessage-bench"))
    {
        let text = std::fs::read_to_string(workspace().join(path)).unwrap();
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

/// The code before a file's `#[cfg(test)]` module (tests may do anything).
fn product_code(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(workspace().join(path)).unwrap();
    text.split("#[cfg(test)]").next().unwrap().to_string()
}

/// ARCHITECTURE.md's invariants that a text search can hold: the engine and
/// the feed crate do no I/O and print nothing; in the shell only the CLI
/// layers read the clock and the environment or print.
#[test]
fn the_invariants_on_io_clock_and_printing_hold() {
    const IO: [&str; 8] = [
        "std::fs",
        "std::env",
        "std::process",
        "std::io::std",
        "println!",
        "eprintln!",
        "Timestamp::now",
        "SystemTime",
    ];
    // The command line, publish's command layer, and the language server's
    // (it speaks on stdio, finds its workspace and watches file times).
    const CLI_LAYERS: [&str; 4] = [
        "xtask/src/cli.rs",
        "xtask/src/publish/mod.rs",
        "xtask/src/lsp/server.rs",
        "xtask/src/lsp/bench.rs",
    ];
    let mut broken = Vec::new();
    for path in sources() {
        let pure = path.starts_with("crates/onmessage-engine")
            || path.starts_with("crates/onmessage-feed");
        let shell = path.starts_with("xtask/src")
            && !CLI_LAYERS.iter().any(|l| path == std::path::Path::new(l));
        let forbidden: &[&str] = if pure {
            &IO
        } else if shell {
            &[
                "std::env",
                "println!",
                "eprintln!",
                "Timestamp::now",
                "SystemTime",
                "stdout()",
                "stderr()",
            ]
        } else {
            &[]
        };
        let code = product_code(&path);
        for word in forbidden.iter().filter(|w| code.contains(**w)) {
            broken.push(format!("{}: {word}", path.display()));
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
}

/// `docs/rules.md`, the reference of every built-in rule (SARIF's `helpUri`
/// points into it), is generated from `rules::builtin`; this test writes it
/// when `UPDATE_DOCS=1` and otherwise fails when it is stale.
#[test]
fn the_rules_reference_is_current() {
    use onmessage_engine::rules::builtin::BUILTINS;
    let mut text = String::from(
        "# Built-in rules\n\n<!-- Generated from crates/onmessage-engine/src/rules/builtin.rs by \
         `UPDATE_DOCS=1 cargo test -p xtask --test integration the_rules_reference`: do not edit. -->\n\n\
         Every rule the checker has besides the policy's own. `cargo xtask explain RULE` prints the \
         same text in a terminal; the policy's `builtins` section can change a rule's severity.\n",
    );
    for rule in BUILTINS {
        let severity = format!("{:?}", rule.severity).to_lowercase();
        let allow = if rule.allowable {
            "can be allowed in a post, with a reason"
        } else {
            "cannot be allowed"
        };
        text.push_str(&format!(
            "\n## {}\n\n*{severity}; {allow}; category `{}`*\n\n{}\n\n{}\n",
            rule.id,
            rule.category,
            rule.summary,
            rule.explain.trim_end()
        ));
    }
    let path = workspace().join("docs/rules.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == text,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test -p xtask --test integration the_rules_reference`"
    );
}
