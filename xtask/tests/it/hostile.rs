//! Hostile input: each case is generated here (some are too large to keep in
//! the repository), run with a memory ceiling (`ulimit -v`) and a hang guard,
//! and must end with its exact expected outcome, never a panic.

use crate::support::workspace;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Address space for one run: hostile input must not need more.
const MEMORY_LIMIT_KB: u64 = 2_000_000;
/// A run that takes longer than this is hanging, not slow.
const HANG_GUARD: Duration = Duration::from_secs(300);

struct Repo(PathBuf);

impl Repo {
    fn new() -> Repo {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "onmessage-hostile-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("policies")).unwrap();
        std::fs::create_dir_all(root.join("content/posts")).unwrap();
        for file in ["policy.yaml", "calendar.yaml"] {
            std::fs::copy(
                workspace().join("tests/base/policies").join(file),
                root.join("policies").join(file),
            )
            .unwrap();
        }
        Repo(root)
    }

    fn write(&self, path: &str, bytes: impl AsRef<[u8]>) {
        let full = self.0.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }

    fn append_policy(&self, text: &str) {
        let path = self.0.join("policies/policy.yaml");
        let policy = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{policy}{text}")).unwrap();
    }

    /// Runs `check --format json` under the memory ceiling and hang guard.
    fn check(&self) -> (i32, Value, String) {
        let command =
            format!("ulimit -v {MEMORY_LIMIT_KB}; exec \"$0\" check --format json --root \"$1\"");
        let child = Command::new("sh")
            .args(["-c", &command, env!("CARGO_BIN_EXE_xtask")])
            .arg(&self.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        // Drain the pipes while waiting, or a chatty child blocks on a full pipe.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || sender.send(child.wait_with_output()));
        let out = match receiver.recv_timeout(HANG_GUARD) {
            Ok(out) => out.unwrap(),
            Err(_) => {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                panic!("check did not finish within {HANG_GUARD:?}");
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "panic: {stderr}");
        let code = out
            .status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal: {stderr}"));
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (code, json, stderr)
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (rule, message) of every finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().to_string(),
                        f["message"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn only_finding(repo: &Repo) -> (String, String) {
    let (code, report, stderr) = repo.check();
    assert_eq!(code, 1, "{report} {stderr}");
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap()
}

const FRONT: &str =
    "title: T\nauthor: a\nstatus: draft\nplatforms: [linkedin]\npublish_at: 2027-02-10\n";

fn alias_bomb() -> String {
    let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        yaml.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    yaml
}

#[test]
fn alias_bomb_in_front_matter_is_a_parse_finding() {
    let repo = Repo::new();
    repo.write(
        "content/posts/bomb.md",
        format!("---\n{FRONT}{}---\nBody.\n", alias_bomb()),
    );
    let (rule, message) = only_finding(&repo);
    assert_eq!(rule, "post.parse");
    assert!(message.contains("not valid YAML"), "{message}");
}

#[test]
fn alias_bombs_in_policy_and_calendar_stop_the_run_naming_the_file() {
    for file in ["policies/policy.yaml", "policies/calendar.yaml"] {
        let repo = Repo::new();
        let path = repo.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            format!("{text}{}", alias_bomb().replace("a0:", "bomb0:")),
        )
        .unwrap();
        let (code, _, stderr) = repo.check();
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(file) && stderr.contains("invalid YAML"),
            "{stderr}"
        );
    }
}

#[test]
fn deep_nesting_is_refused() {
    let repo = Repo::new();
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    repo.write(
        "content/posts/deep.md",
        format!("---\n{FRONT}tags: {nested}\n---\nBody.\n"),
    );
    let (rule, message) = only_finding(&repo);
    assert_eq!(rule, "post.parse");
    assert!(message.contains("not valid YAML"), "{message}");
}

#[test]
fn a_100_mb_post_is_too_large_and_not_read() {
    let repo = Repo::new();
    let file = std::fs::File::create(repo.0.join("content/posts/huge.md")).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let (rule, message) = only_finding(&repo);
    assert_eq!(rule, "post.too-large");
    assert!(message.contains("1048576 bytes"), "{message}");
}

#[test]
fn a_100_mb_image_is_not_read_and_fails_closed() {
    let repo = Repo::new();
    std::fs::create_dir_all(repo.0.join("content/media")).unwrap();
    let file = std::fs::File::create(repo.0.join("content/media/huge.jpg")).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    repo.write(
        "content/posts/photo.md",
        "---\ntitle: T\nauthor: a\nstatus: draft\nplatforms: [linkedin]\npublish_at: 2027-02-10\nimage: {path: media/huge.jpg, alt: A photo}\n---\nHello\n",
    );
    let (rule, message) = only_finding(&repo);
    assert_eq!(rule, "image.location");
    assert!(message.contains("larger than 33554432 bytes"), "{message}");
}

#[test]
fn a_million_line_post_is_too_large_by_default_and_checked_when_allowed() {
    let repo = Repo::new();
    let body = "line\n".repeat(1_000_000);
    repo.write("content/posts/long.md", format!("---\n{FRONT}---\n{body}"));
    assert_eq!(only_finding(&repo).0, "post.too-large");
    repo.append_policy("limits:\n  post_bytes: 8388608\n");
    let (rule, message) = only_finding(&repo);
    assert_eq!(rule, "platform.length");
    assert!(
        message.contains("the linkedin copy is 4999999 characters"),
        "{message}"
    );
}

#[test]
fn binary_and_broken_files_are_parse_findings() {
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "binary.md",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "binary",
        ),
        ("nul.md", b"---\ntitle: a\x00b\n---\n", "binary"),
        (
            "latin1.md",
            b"---\ntitle: caf\xe9\n---\n",
            "not valid UTF-8",
        ),
        ("lone.md", b"---\n", "never ends"),
        ("open.md", b"---\ntitle: T\nauthor: a\n", "never ends"),
    ];
    for (name, bytes, expected) in cases {
        let repo = Repo::new();
        repo.write(&format!("content/posts/{name}"), bytes);
        let (rule, message) = only_finding(&repo);
        assert_eq!(rule, "post.parse", "{name}");
        assert!(message.contains(expected), "{name}: {message}");
    }
}

#[test]
fn symlinks_are_reported_and_never_followed() {
    let repo = Repo::new();
    std::os::unix::fs::symlink("/etc/passwd", repo.0.join("content/posts/passwd.md")).unwrap();
    std::os::unix::fs::symlink("loop.md", repo.0.join("content/posts/loop.md")).unwrap();
    std::os::unix::fs::symlink(".", repo.0.join("content/posts/dirloop")).unwrap();
    let (code, report, stderr) = repo.check();
    assert_eq!(code, 1, "{stderr}");
    let all = findings(&report);
    assert_eq!(all.len(), 2, "{all:?}");
    for (rule, message) in &all {
        assert_eq!(rule, "post.parse");
        assert!(message.contains("symbolic link"), "{message}");
    }
    assert!(
        !report.to_string().contains("root:"),
        "the link target was read"
    );
}

#[test]
fn trojan_source_and_script_links_are_blocked() {
    let repo = Repo::new();
    repo.write(
        "content/posts/t.md",
        format!("---\n{FRONT}link: \"javascript:alert(1)\"\n---\nAccess level: \u{202E}user\u{2066} [x](data:text/html,hi)\n"),
    );
    let (code, report, _) = repo.check();
    assert_eq!(code, 1);
    let mut rules: Vec<String> = findings(&report).into_iter().map(|(r, _)| r).collect();
    rules.sort();
    assert_eq!(
        rules,
        ["link.scheme", "link.scheme", "text.bidi", "text.bidi"]
    );
}

#[test]
fn a_hundred_thousand_tiny_posts_finish() {
    let repo = Repo::new();
    for i in 0..100_000 {
        repo.write(
            &format!("content/posts/{}/{i}.md", i % 100),
            format!("---\n{FRONT}---\nHello {i}.\n"),
        );
    }
    let (code, report, stderr) = repo.check();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["summary"]["posts"], 100_000);
}

#[test]
fn oversized_policies_stop_with_the_limit_named() {
    let repo = Repo::new();
    let pattern = "a".repeat(1_000_000);
    repo.append_policy(&format!(
        "  - id: huge.pattern\n    severity: error\n    category: financial\n    message: m\n    explain: e\n    patterns: ['{pattern}']\n"
    ));
    let (code, _, stderr) = repo.check();
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the limit is 10000 bytes per pattern"),
        "{stderr}"
    );

    let repo = Repo::new();
    let terms: Vec<String> = (0..1_000_000).map(|i| format!("t{i}")).collect();
    repo.append_policy(&format!(
        "  - id: huge.terms\n    severity: error\n    category: financial\n    message: m\n    explain: e\n    terms: [{}]\n",
        terms.join(", ")
    ));
    let (code, _, stderr) = repo.check();
    assert_eq!(code, 2);
    assert!(
        stderr.contains("policies/policy.yaml") && stderr.contains("at most 250000 values"),
        "{stderr}"
    );

    // A file larger than any policy: not even read.
    let repo = Repo::new();
    repo.append_policy(&format!("# {}\n", "x".repeat(17 << 20)));
    let (code, _, stderr) = repo.check();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("policies/policy.yaml") && stderr.contains("larger than 16777216 bytes"),
        "{stderr}"
    );

    // Few terms, each long: the automaton would be large in memory.
    let repo = Repo::new();
    let terms: Vec<String> = (0..100)
        .map(|i| format!("t{i}{}", "x".repeat(20_000)))
        .collect();
    repo.append_policy(&format!(
        "  - id: long.terms\n    severity: error\n    category: financial\n    message: m\n    explain: e\n    terms: [{}]\n",
        terms.join(", ")
    ));
    let (code, _, stderr) = repo.check();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("policies/policy.yaml") && stderr.contains("the limit is 1048576 bytes"),
        "{stderr}"
    );
}
