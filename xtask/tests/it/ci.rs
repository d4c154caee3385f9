//! The CI cannot be talked round: a pull request is judged by the base
//! branch's checker unless it changes the tool (`.github/scripts/build-checker`,
//! run here with a stand-in `cargo` that records where it builds), the
//! pre-commit hook judges what is staged, and the workflows keep their
//! guards (pinned actions, time limits, the merge queue, one owner for
//! every path).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{copy_tree, scratch, workspace};

fn git(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A stand-in `cargo` on PATH: `cargo build` records the directory it was
/// run in and its `.cargo/config.toml` alias, and leaves an `xtask` that
/// says which tree built it.
fn fake_cargo(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    write(
        &bin,
        "cargo",
        r#"#!/usr/bin/env bash
set -e
echo "$PWD" > "$FAKE_CARGO_LOG"
grep -h '^xtask' .cargo/config.toml >> "$FAKE_CARGO_LOG" || true
mkdir -p "$CARGO_TARGET_DIR/debug"
printf '#!/bin/sh\necho "checker built in %s"\n' "$PWD" > "$CARGO_TARGET_DIR/debug/xtask"
chmod +x "$CARGO_TARGET_DIR/debug/xtask"
"#,
    );
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("cargo"))
        .status()
        .unwrap();
    bin
}

/// A repository with a tool and a post on `main`, and a branch `pr` with
/// the change `edit` makes; checked out at `pr`.
fn repository(dir: &Path, edit: impl Fn(&Path)) -> PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    write(
        &repo,
        ".cargo/config.toml",
        "[alias]\nxtask = \"run --quiet --package xtask --\"\n",
    );
    write(&repo, "Cargo.toml", "[workspace]\nmembers = [\"xtask\"]\n");
    write(&repo, "xtask/src/main.rs", "fn main() {}\n");
    write(&repo, "content/posts/a.md", "---\ntitle: A\n---\nHello\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "base"]);
    git(&repo, &["checkout", "--quiet", "-b", "pr"]);
    edit(&repo);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "the pull request"]);
    repo
}

/// Runs build-checker in `repo` against `main`: (the checker's path, what
/// the stand-in cargo recorded).
fn build_checker(dir: &Path, repo: &Path) -> (String, String) {
    let bin = fake_cargo(dir);
    let log = dir.join("cargo.log");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let output = Command::new("bash")
        .arg(workspace().join(".github/scripts/build-checker"))
        .arg("main")
        .arg(dir.join("work"))
        .current_dir(repo)
        .env("PATH", path)
        .env("FAKE_CARGO_LOG", &log)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let checker = String::from_utf8(output.stdout).unwrap().trim().to_string();
    (checker, std::fs::read_to_string(log).unwrap())
}

#[test]
fn a_pull_request_that_rewrites_the_alias_is_judged_by_the_base_checker() {
    let dir = scratch("ci-alias");
    let repo = repository(&dir, |repo| {
        // The pull request points `cargo xtask` at a tool that passes
        // everything, and adds a post.
        write(
            repo,
            ".cargo/config.toml",
            "[alias]\nxtask = \"run --quiet --package always-green --\"\n",
        );
        write(repo, "content/posts/b.md", "---\ntitle: B\n---\nFalcon\n");
    });
    let (checker, log) = build_checker(&dir, &repo);
    let base_tree = dir.join("work/onmessage-base-checker");
    assert_eq!(
        log,
        format!(
            "{}\nxtask = \"run --quiet --package xtask --\"\n",
            base_tree.display()
        ),
        "built in the base's tree, with the base's configuration"
    );
    let said = Command::new(&checker).output().unwrap();
    assert_eq!(
        String::from_utf8(said.stdout).unwrap(),
        format!("checker built in {}\n", base_tree.display())
    );
}

#[test]
fn a_pull_request_that_changes_the_tool_is_judged_by_its_own_build() {
    let dir = scratch("ci-tool");
    let repo = repository(&dir, |repo| {
        write(repo, "xtask/src/main.rs", "fn main() { /* new rule */ }\n");
    });
    let (_, log) = build_checker(&dir, &repo);
    assert!(
        log.starts_with(&format!("{}\n", repo.display())),
        "built in the pull request's tree: {log}"
    );
}

/// A repository for the hook: the shared test policy, one clean post
/// committed.
fn hook_repository(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    copy_tree(&workspace().join("tests/base"), &repo);
    copy_tree(&workspace().join(".githooks"), &repo.join(".githooks"));
    write(&repo, "content/posts/clean.md", &post("A clean post"));
    git(&repo, &["init", "--quiet"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "start"]);
    repo
}

/// A post; its `id` lets the file name hold a space (the hook must quote it).
fn post(body: &str) -> String {
    format!(
        "---\nid: new-post\ntitle: T\nauthor: a.b\nstatus: draft\nplatforms: [linkedin]\npublish_at: 2026-12-01T16:00:00Z\n---\n{body}\n"
    )
}

/// Runs the pre-commit hook: (exit code, stdout).
fn hook(repo: &Path) -> (i32, String) {
    let output = Command::new(repo.join(".githooks/pre-commit"))
        .current_dir(repo)
        .env("ONMESSAGE_XTASK", env!("CARGO_BIN_EXE_xtask"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// A codename of the shared test policy's calendar.
fn codename() -> String {
    let calendar =
        std::fs::read_to_string(workspace().join("tests/base/policies/calendar.yaml")).unwrap();
    let value: Value = serde_saphyr::from_str(&calendar).unwrap();
    value["products"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|p| p["codenames"][0].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn the_hook_judges_what_is_staged() {
    let dir = scratch("ci-hook");
    let repo = hook_repository(&dir);
    let leak = post(&format!("Soon: {}", codename()));

    // Staged leak, fixed only in the working tree: still blocked.
    write(&repo, "content/posts/new post.md", &leak);
    git(&repo, &["add", "content/posts/new post.md"]);
    write(
        &repo,
        "content/posts/new post.md",
        &post("Fixed, but not staged"),
    );
    let (code, out) = hook(&repo);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("product.codename") && out.contains("new post.md"),
        "{out}"
    );

    // Staged fix, a leak left unstaged in another post: the commit is clean.
    git(&repo, &["add", "content/posts/new post.md"]);
    write(&repo, "content/posts/clean.md", &leak);
    let (code, out) = hook(&repo);
    assert_eq!(code, 0, "{out}");
    // Only the staged post was read.
    assert!(out.contains("1 post"), "{out}");
}

fn workflows() -> Vec<(String, Value)> {
    let dir = workspace().join(".github/workflows");
    let mut files: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_saphyr::from_str(&text).unwrap())
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(files.len() >= 3, "{files:?}");
    files
}

#[test]
fn every_job_has_a_time_limit_and_every_action_is_pinned() {
    let mut problems = Vec::new();
    for (name, workflow) in workflows() {
        for (job, spec) in workflow["jobs"].as_object().unwrap() {
            if !spec["timeout-minutes"].is_u64() {
                problems.push(format!("{name}: job {job} has no timeout-minutes"));
            }
            for step in spec["steps"].as_array().into_iter().flatten() {
                if let Some(uses) = step["uses"].as_str() {
                    let pinned = uses.rsplit_once('@').is_some_and(|(_, rev)| {
                        rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())
                    });
                    if !pinned {
                        problems.push(format!("{name}: {uses} is not pinned to a commit"));
                    }
                }
                if step["continue-on-error"].as_bool() == Some(true) {
                    problems.push(format!("{name}: a step hides its failure: {step}"));
                }
            }
        }
        if workflow["on"].get("pull_request_target").is_some() {
            problems.push(format!("{name}: pull_request_target runs with secrets"));
        }
    }
    let text = std::fs::read_to_string(workspace().join(".github/workflows/check.yml")).unwrap();
    let check: Value = serde_saphyr::from_str(&text).unwrap();
    if check["on"].get("merge_group").is_none() {
        problems.push("check.yml does not run in the merge queue".into());
    }
    let runs_alias = check["jobs"].as_object().unwrap().values().any(|job| {
        job["steps"].as_array().into_iter().flatten().any(|step| {
            step["run"]
                .as_str()
                .is_some_and(|run| run.contains("cargo xtask"))
        })
    });
    if runs_alias {
        problems.push("check.yml runs the pull request's `cargo xtask` alias".into());
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The first release (major, minor) of each action we use that runs on
/// node24: GitHub retired the node20 runtime. Read off each action's
/// `action.yml` (`runs.using`) when it was bumped.
const FIRST_NODE24_RELEASE: &[(&str, (u64, u64))] = &[
    ("actions/checkout", (5, 0)),
    ("actions/cache", (5, 0)),
    ("actions/upload-artifact", (6, 0)),
    ("actions/upload-pages-artifact", (5, 0)),
    ("actions/deploy-pages", (5, 0)),
    ("github/codeql-action/upload-sarif", (4, 0)),
    ("Swatinem/rust-cache", (2, 9)),
];

#[test]
fn every_action_names_its_version_and_none_runs_on_node20() {
    let mut problems = Vec::new();
    for (name, _) in workflows() {
        let path = workspace().join(".github/workflows").join(&name);
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let Some((_, uses)) = line.split_once("uses: ") else {
                continue;
            };
            let (action, rest) = uses.split_once('@').unwrap_or((uses, ""));
            let version = rest.split_once(" # v").map(|(_, v)| {
                let mut parts = v.trim().split('.').map(|n| n.parse::<u64>().ok());
                (parts.next().flatten(), parts.next().flatten())
            });
            let Some((Some(major), Some(minor))) = version else {
                problems.push(format!("{name}: {uses} has no `# vX.Y.Z` comment"));
                continue;
            };
            match FIRST_NODE24_RELEASE.iter().find(|(known, _)| *known == action) {
                None => problems.push(format!(
                    "{name}: {action} is new here: check its runtime and add it to FIRST_NODE24_RELEASE"
                )),
                Some((_, first)) if (major, minor) < *first => problems.push(format!(
                    "{name}: {uses} runs on node20 (needs v{}.{} or later)",
                    first.0, first.1
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn codeowners_names_every_top_level_path() {
    let owners = std::fs::read_to_string(workspace().join(".github/CODEOWNERS")).unwrap();
    let patterns: Vec<&str> = owners
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let tracked = git(&workspace(), &["ls-files"]).stdout;
    let mut top: Vec<String> = String::from_utf8(tracked)
        .unwrap()
        .lines()
        .map(|path| match path.split_once('/') {
            Some((dir, _)) => format!("/{dir}/"),
            None => format!("/{path}"),
        })
        .collect();
    top.sort();
    top.dedup();
    let missing: Vec<&String> = top
        .iter()
        .filter(|p| !patterns.contains(&p.as_str()))
        .collect();
    assert!(missing.is_empty(), "CODEOWNERS has no line for {missing:?}");
}
