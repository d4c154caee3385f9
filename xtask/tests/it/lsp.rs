//! `cargo xtask lsp` driven over stdio by a small LSP client: the server
//! is the real binary, started in a temporary copy of tests/base with a
//! post on disk; every wait is bounded and waits for a message, never for
//! time to pass.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{copy_tree, workspace};

/// The longest any one expected message may take (a debug build on a
/// busy machine); a test waiting longer has failed.
const WAIT: Duration = Duration::from_secs(60);

const POST: &str = "---
title: Launch
author: jane.doe
status: draft
platforms: [linkedin]
publish_at: 2026-12-02T16:00:00Z
---
🎉 Our Falcon is the worst.
";

/// A temporary OnMessage repository: tests/base, a post on disk (whose
/// text differs from what the tests open, so that only the unsaved text
/// can explain the diagnostics) and another post with an audience.
struct Repo {
    root: PathBuf,
}

impl Repo {
    fn new(tag: &str) -> Repo {
        let root = std::env::temp_dir().join(format!("onmessage-lsp-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        copy_tree(&workspace().join("tests/base"), &root);
        let posts = root.join("content/posts/2026/12");
        std::fs::create_dir_all(&posts).unwrap();
        std::fs::write(
            posts.join("launch.md"),
            POST.replace("🎉 Our Falcon is the worst.", "Saved text."),
        )
        .unwrap();
        std::fs::write(
            posts.join("other.md"),
            "---\ntitle: Other\nauthor: a\nstatus: draft\nplatforms: [x]\npublish_at: 2026-12-03\naudiences: [engineering]\n---\nHello.\n",
        )
        .unwrap();
        Repo { root }
    }

    fn uri(&self, rel: &str) -> String {
        format!("file://{}/{rel}", self.root.display())
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// The negotiated encoding's name.
    encoding: String,
    /// Every message read, for failure messages.
    seen: Vec<String>,
}

impl Client {
    /// Starts the server in `repo` and initialises it; `encodings` is what
    /// the client offers in `general.positionEncodings`.
    fn start(repo: &Repo, encodings: Option<&[&str]>) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("lsp")
            .current_dir(&repo.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cargo xtask lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                reader.read_exact(&mut body).unwrap();
                let value: Value = serde_json::from_slice(&body).expect("a JSON message");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            next_id: 0,
            encoding: String::new(),
            seen: Vec::new(),
        };
        let mut capabilities = json!({
            "textDocument": {"publishDiagnostics": {"tagSupport": {"valueSet": [1, 2]}}}
        });
        if let Some(encodings) = encodings {
            capabilities["general"] = json!({"positionEncodings": encodings});
        }
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": format!("file://{}", repo.root.display()),
                "capabilities": capabilities,
            }),
        );
        client.encoding = result["capabilities"]["positionEncoding"]
            .as_str()
            .unwrap_or("utf-16")
            .to_string();
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that satisfies `want`, within `WAIT`.
    fn wait_for(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) => {
                    self.seen.push(message.to_string());
                    if want(&message) {
                        return message;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no {what} within {WAIT:?}; the server sent:\n{}",
                    self.seen.join("\n")
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the server closed its output before {what}; it sent:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait_for(&format!("response to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        });
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next diagnostics published for `uri` that satisfy `want`.
    fn diagnostics(
        &mut self,
        uri: &str,
        what: &str,
        want: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let message = self.wait_for(&format!("diagnostics for {uri} with {what}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && want(m["params"]["diagnostics"].as_array().unwrap())
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, text: &str) {
        let language = if uri.ends_with(".md") {
            "markdown"
        } else {
            "yaml"
        };
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    fn replace_all(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// `shutdown`, `exit`, and the process's exit status (bounded).
    fn stop(mut self) -> i32 {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.exit_status()
    }

    fn exit_status(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> Vec<&'a Value> {
    diagnostics.iter().filter(|d| d["code"] == code).collect()
}

fn has(code: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| !with_code(d, code).is_empty()
}

/// Diagnostics with an error that starts on 0-based `line`.
fn at_line(line: u64) -> impl Fn(&[Value]) -> bool {
    move |d| {
        d.iter()
            .any(|e| e["range"]["start"]["line"] == line && e["severity"] == 1)
    }
}

fn range(line: u32, start: u32, end: u32) -> Value {
    json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}})
}

/// The byte offset of an LSP position in `text` (UTF-16 or UTF-8 columns).
fn offset(text: &str, position: &Value, encoding: &str) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += if encoding == "utf-8" {
            c.len_utf8()
        } else {
            c.len_utf16()
        };
    }
    text.len()
}

/// `text` with a workspace edit's changes for `uri` applied.
fn apply(text: &str, edit: &Value, uri: &str, encoding: &str) -> String {
    let mut edits: Vec<(usize, usize, String)> = edit["changes"][uri]
        .as_array()
        .unwrap_or_else(|| panic!("no edit of {uri} in {edit}"))
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"], encoding),
                offset(text, &e["range"]["end"], encoding),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, &new_text);
    }
    out
}

fn front_matter(text: &str) -> Value {
    let yaml = text.split("---\n").nth(1).expect("front matter");
    serde_saphyr::from_str::<Value>(yaml).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn code_action(client: &mut Client, uri: &str, diagnostic: &Value, title: &str) -> Value {
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        }),
    );
    actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with(title)))
        .unwrap_or_else(|| panic!("no action '{title}' in {actions}"))
        .clone()
}

#[test]
fn diagnostics_in_utf16_on_open_and_change_hover_and_shutdown() {
    let repo = Repo::new("utf16");
    let mut client = Client::start(&repo, None);
    assert_eq!(client.encoding, "utf-16");
    let uri = repo.uri("content/posts/2026/12/launch.md");
    client.open(&uri, POST);
    let diagnostics = client.diagnostics(&uri, "the codename", has("product.codename"));
    // Line 8: "🎉 Our Falcon is the worst." — 🎉 is two UTF-16 code units.
    let codename = with_code(&diagnostics, "product.codename")[0];
    assert_eq!(codename["range"], range(7, 7, 13), "{codename}");
    assert_eq!(codename["severity"], 1);
    assert_eq!(codename["source"], "onmessage");
    let message = codename["message"].as_str().unwrap();
    assert!(
        message.starts_with("'Falcon' is the internal codename of widget-pro\nhelp: Use the public name 'Widget Pro'"),
        "{message}"
    );
    let negative = with_code(&diagnostics, "tone.negative")[0];
    assert_eq!(negative["range"], range(7, 21, 26));
    assert_eq!(negative["severity"], 2);
    // The policy's own rule links to its definition in the policy.
    let href = negative["codeDescription"]["href"].as_str().unwrap();
    assert!(href.ends_with("/policies/policy.yaml#L27"), "{href}");

    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 9}}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    let explain = onmessage_engine::rules::builtin::find("product.codename")
        .unwrap()
        .explain;
    assert!(shown.starts_with("**product.codename** (error)"), "{shown}");
    assert!(shown.contains(explain.trim_end()), "{shown}");
    assert_eq!(hover["range"], range(7, 7, 13));

    // An incremental change: "worst" (UTF-16 21..26) becomes "best".
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": range(7, 21, 26), "text": "best"}],
        }),
    );
    let diagnostics = client.diagnostics(&uri, "no tone.negative", |d| {
        with_code(d, "tone.negative").is_empty()
    });
    assert_eq!(
        with_code(&diagnostics, "product.codename")[0]["range"],
        range(7, 7, 13)
    );
    // Nothing where the cursor is not on a finding.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}}),
    );
    assert_eq!(hover, Value::Null);
    assert_eq!(client.stop(), 0);
}

#[test]
fn utf8_positions_when_offered() {
    let repo = Repo::new("utf8");
    let mut client = Client::start(&repo, Some(&["utf-8", "utf-16"]));
    assert_eq!(client.encoding, "utf-8");
    let uri = repo.uri("content/posts/2026/12/launch.md");
    client.open(&uri, POST);
    let diagnostics = client.diagnostics(&uri, "the codename", has("product.codename"));
    // 🎉 is four UTF-8 bytes.
    assert_eq!(
        with_code(&diagnostics, "product.codename")[0]["range"],
        range(7, 9, 15)
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn code_actions_edit_the_post_and_the_check_agrees() {
    let repo = Repo::new("actions");
    let mut client = Client::start(&repo, None);
    let uri = repo.uri("content/posts/2026/12/launch.md");
    client.open(&uri, POST);
    let diagnostics = client.diagnostics(&uri, "tone.negative", has("tone.negative"));

    // Allow with a reason: the entry has an empty reason, so nothing is
    // suppressed yet and the entry itself is an error.
    let negative = with_code(&diagnostics, "tone.negative")[0].clone();
    let allow = code_action(
        &mut client,
        &uri,
        &negative,
        "Allow `tone.negative` with a reason",
    );
    assert_eq!(allow["kind"], "quickfix");
    let text = apply(POST, &allow["edit"], &uri, &client.encoding);
    assert_eq!(
        front_matter(&text)["allow"],
        json!([{"rule": "tone.negative", "reason": ""}])
    );
    client.replace_all(&uri, 2, &text);
    let diagnostics = client.diagnostics(&uri, "allow.unknown", has("allow.unknown"));
    let unknown = with_code(&diagnostics, "allow.unknown")[0];
    assert_eq!(unknown["severity"], 1);
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("has no reason")
    );
    let negative = with_code(&diagnostics, "tone.negative")[0];
    assert_eq!(negative["severity"], 2, "{negative}");
    assert!(negative.get("tags").is_none_or(Value::is_null));
    assert!(
        with_code(&diagnostics, "post.parse").is_empty()
            && with_code(&diagnostics, "post.schema").is_empty()
    );

    // The reason written: the finding is suppressed, sent as a hint.
    let text = text.replace("reason: \"\"", "reason: \"quoting a customer's words\"");
    client.replace_all(&uri, 3, &text);
    let diagnostics = client.diagnostics(&uri, "no allow.unknown", |d| {
        with_code(d, "allow.unknown").is_empty()
    });
    let negative = with_code(&diagnostics, "tone.negative")[0];
    assert_eq!(negative["severity"], 4, "{negative}");
    assert_eq!(negative["tags"], json!([1]));

    // A second allow goes into the existing list.
    let codename = with_code(&diagnostics, "product.codename")[0].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": codename["range"], "context": {"diagnostics": [codename]}}),
    );
    // product.codename cannot be allowed; its product is announced by
    // publish_at, so the public name is offered.
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert_eq!(titles, ["Use the public name 'Widget Pro'"]);
    let text = apply(&text, &actions[0]["edit"], &uri, &client.encoding);
    assert!(text.contains("🎉 Our Widget Pro is the worst."), "{text}");
    client.replace_all(&uri, 4, &text);
    // Now it names the product: undeclared, and a disclosure is due.
    let diagnostics = client.diagnostics(&uri, "disclosure.missing", has("disclosure.missing"));
    assert!(with_code(&diagnostics, "product.codename").is_empty());
    let missing = with_code(&diagnostics, "disclosure.missing")[0].clone();
    let add = code_action(
        &mut client,
        &uri,
        &missing,
        "Add the disclosure '#employee'",
    );
    let text = apply(&text, &add["edit"], &uri, &client.encoding);
    assert!(text.contains("\n#employee 🎉 Our Widget Pro"), "{text}");
    client.replace_all(&uri, 5, &text);
    let diagnostics = client.diagnostics(&uri, "no disclosure.missing", |d| {
        with_code(d, "disclosure.missing").is_empty()
    });
    assert!(
        with_code(&diagnostics, "disclosure.buried").is_empty(),
        "{diagnostics:?}"
    );

    // An allow for the undeclared product joins the block list.
    let undeclared = with_code(&diagnostics, "product.undeclared")[0].clone();
    let allow = code_action(
        &mut client,
        &uri,
        &undeclared,
        "Allow `product.undeclared` with a reason",
    );
    let text = apply(&text, &allow["edit"], &uri, &client.encoding);
    assert_eq!(
        front_matter(&text)["allow"],
        json!([
            {"rule": "tone.negative", "reason": "quoting a customer's words"},
            {"rule": "product.undeclared", "reason": ""}
        ])
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn completion_in_front_matter() {
    let repo = Repo::new("complete");
    let mut client = Client::start(&repo, None);
    let uri = repo.uri("content/posts/2026/12/launch.md");
    let text = "---\ntitle: T\nstatus: \nplatforms: [linkedin, \nproducts: [\nclients: [\naudiences: [\n\n---\nBody \n";
    client.open(&uri, text);
    let mut labels = |line: u32, character: u32| -> Vec<String> {
        let result = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        let items = match &result {
            Value::Array(items) => items.clone(),
            Value::Null => Vec::new(),
            other => other["items"].as_array().cloned().unwrap_or_default(),
        };
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(labels(2, 8), ["draft", "review", "approved"]);
    let platforms = labels(3, 22);
    assert!(
        platforms.contains(&"mastodon".to_string()) && platforms.len() == 7,
        "{platforms:?}"
    );
    assert_eq!(
        labels(4, 11),
        ["widget-classic", "widget-pro", "widget-air"]
    );
    assert_eq!(labels(5, 10), ["acme", "globex", "initech"]);
    let keys = labels(7, 0);
    assert!(
        keys.contains(&"publish_at".to_string()) && keys.contains(&"allow".to_string()),
        "{keys:?}"
    );
    assert!(!keys.contains(&"title".to_string()), "{keys:?}");
    assert!(labels(9, 5).is_empty(), "no completion in the copy");
    // Audiences come from the other posts, read in the background: ask
    // until they are in (bounded).
    let deadline = Instant::now() + WAIT;
    loop {
        let audiences = labels(6, 12);
        if audiences == ["engineering"] {
            break;
        }
        assert!(audiences.is_empty(), "{audiences:?}");
        assert!(
            Instant::now() < deadline,
            "the repository's audiences never came"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(client.stop(), 0);
}

#[test]
fn policy_changes_reload_and_policy_buffers_get_diagnostics() {
    let repo = Repo::new("policy");
    let mut client = Client::start(&repo, None);
    let uri = repo.uri("content/posts/2026/12/launch.md");
    let post = POST.replace("the worst", "amazing");
    client.open(&uri, &post);
    client.diagnostics(&uri, "the codename", has("product.codename"));

    // A new rule on disk, announced by the client's watcher.
    let policy_path = repo.root.join("policies/policy.yaml");
    let policy = std::fs::read_to_string(&policy_path).unwrap();
    let hype = "  - id: tone.hype\n    severity: warning\n    category: tone\n    message: Hype\n    explain: Say what it does.\n    terms: [amazing]\n";
    std::fs::write(&policy_path, format!("{policy}{hype}")).unwrap();
    let policy_uri = repo.uri("policies/policy.yaml");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": policy_uri, "type": 2}]}),
    );
    let diagnostics = client.diagnostics(&uri, "tone.hype", has("tone.hype"));
    assert_eq!(
        with_code(&diagnostics, "tone.hype")[0]["range"],
        range(7, 17, 24)
    );

    // An invalid policy on disk: a diagnostic in it; posts keep the last
    // valid policy.
    let broken = format!("{policy}{hype}").replace(
        "severity: warning\n    category: tone\n    message: Hype",
        "severity: fatal\n    category: tone\n    message: Hype",
    );
    std::fs::write(&policy_path, &broken).unwrap();
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": policy_uri}}),
    );
    // (Waiting for the error at its line: the server's own watch may read
    // the file half written and report that first.)
    let line = broken
        .lines()
        .position(|l| l.contains("severity: fatal"))
        .unwrap() as u64;
    let errors = client.diagnostics(&policy_uri, "the error", at_line(line));
    assert_eq!(errors.len(), 1, "{errors:?}");
    client.replace_all(&uri, 2, &format!("{post}amazing again\n"));
    let diagnostics = client.diagnostics(&uri, "two tone.hype", |d| {
        with_code(d, "tone.hype").len() == 2
    });
    assert!(!diagnostics.is_empty());

    // The disk fixed; an open policy buffer with unsaved errors gets them,
    // and the posts stay judged by the disk's policy.
    std::fs::write(&policy_path, format!("{policy}{hype}")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": policy_uri, "type": 2}]}),
    );
    client.diagnostics(&policy_uri, "no error", <[Value]>::is_empty);
    let unsaved = format!("{policy}{hype}").replace("terms: [amazing]", "terms: amazing");
    client.open(&policy_uri, &unsaved);
    let line = unsaved
        .lines()
        .position(|l| l.contains("terms: amazing"))
        .unwrap() as u64;
    let errors = client.diagnostics(&policy_uri, "the error", at_line(line));
    assert_eq!(errors[0]["source"], "onmessage");
    // Fixed in the buffer, not yet saved: no error.
    client.replace_all(&policy_uri, 2, &format!("{policy}{hype}"));
    client.diagnostics(&policy_uri, "no error", <[Value]>::is_empty);
    // The calendar's buffer too.
    let calendar_uri = repo.uri("policies/calendar.yaml");
    let calendar = std::fs::read_to_string(repo.root.join("policies/calendar.yaml")).unwrap();
    client.open(
        &calendar_uri,
        &calendar.replace("announce_at: 2025-03-01", "announce_at: 2025-13-01"),
    );
    let line = calendar
        .lines()
        .position(|l| l.contains("announce_at: 2025-03-01"))
        .unwrap() as u64;
    client.diagnostics(&calendar_uri, "the error", at_line(line));
    client.replace_all(&uri, 3, &post);
    let diagnostics = client.diagnostics(&uri, "one tone.hype", |d| {
        with_code(d, "tone.hype").len() == 1
    });
    assert!(!diagnostics.is_empty());
    assert_eq!(client.stop(), 0);
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let repo = Repo::new("exit");
    let mut client = Client::start(&repo, None);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_status(), 1);
}
