//! `cargo xtask register`: histories built with git2 (fixed clocks, so the
//! register is the same on every run), each register validated against
//! schemas/register.schema.json.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{Oid, Repository, Signature, Time};
use serde_json::Value;

use crate::support::{copy_tree, workspace};

const APPROVAL: &str = "approval:\n  approvers:\n    - {id: jane.roe, name: Jane Roe, role: principal}\n    - {id: sam.lee, name: Sam Lee, role: compliance officer}\n  require: true\n  not_author: true\n";
/// 2026-11-20T12:00:00Z: every history starts here, one hour a commit.
const START: i64 = 1_795_176_000;
const NOW: &str = "2027-03-01T00:00:00Z";

struct Repo {
    root: PathBuf,
    repo: Repository,
    clock: Cell<i64>,
}

impl Repo {
    /// A repository with the base policy (plus an `approval` section) and calendar.
    fn new() -> Repo {
        Repo::with_policy(APPROVAL)
    }

    /// A repository with the base policy followed by `extra`, and the base calendar.
    fn with_policy(extra: &str) -> Repo {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "onmessage-register-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let repo = Repository::init(&root).unwrap();
        let this = Repo {
            root,
            repo,
            clock: Cell::new(START),
        };
        let base = workspace().join("tests/base/policies");
        let policy = std::fs::read_to_string(base.join("policy.yaml")).unwrap();
        this.write("policies/policy.yaml", &format!("{policy}{extra}"));
        this.write(
            "policies/calendar.yaml",
            &std::fs::read_to_string(base.join("calendar.yaml")).unwrap(),
        );
        this
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.root.join(path)).unwrap();
    }

    fn rename(&self, from: &str, to: &str) {
        let to = self.root.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(self.root.join(from), to).unwrap();
    }

    fn tick(&self) -> Signature<'static> {
        let at = self.clock.get() + 3600;
        self.clock.set(at);
        Signature::new("Mark Eter", "mark@example.com", &Time::new(at, 0)).unwrap()
    }

    fn tree(&self) -> Oid {
        let mut index = self.repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        index.write_tree().unwrap()
    }

    fn head(&self) -> Option<git2::Commit<'_>> {
        self.repo.head().ok().and_then(|h| h.peel_to_commit().ok())
    }

    /// Commits the working tree on HEAD; returns the full id.
    fn commit(&self, message: &str) -> String {
        let tree = self.repo.find_tree(self.tree()).unwrap();
        let who = self.tick();
        let parent = self.head();
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &who, &who, message, &tree, &parents)
            .unwrap()
            .to_string()
    }

    /// As `commit`, with a (fake, unverifiable) signature header.
    fn commit_signed(&self, message: &str) -> String {
        let tree = self.repo.find_tree(self.tree()).unwrap();
        let who = self.tick();
        let parent = self.head().unwrap();
        let buffer = self
            .repo
            .commit_create_buffer(&who, &who, message, &tree, &[&parent])
            .unwrap();
        let signature =
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----";
        let oid = self
            .repo
            .commit_signed(buffer.as_str().unwrap(), signature, None)
            .unwrap();
        self.move_head(oid);
        oid.to_string()
    }

    /// A merge of the current HEAD (a branch's last commit) into `main_tip`,
    /// as GitHub's merge button writes it; the tree is the branch's.
    fn merge(&self, main_tip: &str, message: &str) -> String {
        let main = self
            .repo
            .find_commit(Oid::from_str(main_tip).unwrap())
            .unwrap();
        let branch = self.head().unwrap();
        let tree = branch.tree().unwrap();
        let who = self.tick();
        let oid = self
            .repo
            .commit(None, &who, &who, message, &tree, &[&main, &branch])
            .unwrap();
        self.move_head(oid);
        oid.to_string()
    }

    fn move_head(&self, oid: Oid) {
        let name = self.repo.head().unwrap().name().unwrap().to_string();
        self.repo.reference(&name, oid, true, "test").unwrap();
    }

    fn register(&self, now: &str) -> Value {
        let out = self.run(now, "json");
        let value: Value = serde_json::from_slice(&out).unwrap();
        let errors: Vec<String> = validator()
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{value:#}");
        value
    }

    fn run(&self, now: &str, format: &str) -> Vec<u8> {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["register", "--format", format, "--now", now, "--root"])
            .arg(&self.root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(workspace().join("schemas/register.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the register schema compiles")
}

/// A post; `approval` is `(approved_by, approved_at)`.
fn post(status: &str, approval: Option<(&str, &str)>, body: &str) -> String {
    let approval = approval.map_or(String::new(), |(by, at)| {
        format!("approved_by: {by}\napproved_at: {at}\n")
    });
    format!(
        "---\ntitle: Learning tip\nauthor: mark.eter\nstatus: {status}\nplatforms: [linkedin, x]\npublish_at: 2026-12-01T15:00:00Z\nlink: https://example.com/tips\n{approval}---\n{body}\n"
    )
}

fn rows(register: &Value) -> &Vec<Value> {
    register["approvals"].as_array().unwrap()
}

fn edits(row: &Value) -> Vec<&str> {
    row["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["commit"].as_str().unwrap())
        .collect()
}

const A: &str = "content/posts/2026/12/tip.md";
const B: &str = "content/posts/2026/12/tip-renamed.md";

#[test]
fn approve_edit_withdraw_reapprove_rename_and_delete() {
    let repo = Repo::new();
    // Due at once: the approvals decide when it is shareable.
    let post = |status, approval, body| {
        post(status, approval, body).replace("2026-12-01T15:00:00Z", "2026-11-20T00:00:00Z")
    };
    let jane = Some(("jane.roe", "2026-11-20T13:30:00Z"));
    repo.write(A, &post("draft", None, "Use git worktrees."));
    repo.commit("Draft a tip");
    let approve = repo.commit_with(
        A,
        &post("approved", jane, "Use git worktrees."),
        "Approve the tip",
    );
    let edit = repo.commit_with(
        A,
        &post("approved", jane, "Use git worktrees daily."),
        "Tweak the tip",
    );
    let withdraw = repo.commit_with(
        A,
        &post("review", jane, "Use git worktrees daily."),
        "Back to review",
    );
    let reapprove = repo.commit_with(
        A,
        &post(
            "approved",
            Some(("sam.lee", "2026-11-20T17:30:00Z")),
            "Use git worktrees daily.",
        ),
        "Approve again",
    );
    repo.rename(A, B);
    let rename = repo.commit("Rename the tip");
    repo.remove(B);
    let delete = repo.commit("Delete the tip");

    let register = repo.register(NOW);
    let rows = rows(&register);
    assert_eq!(rows.len(), 2, "{register:#}");

    let first = &rows[0];
    assert_eq!(first["id"], "tip");
    assert_eq!(first["path"], A);
    assert_eq!(first["approved_by"], "jane.roe");
    assert_eq!(first["approver"]["name"], "Jane Roe");
    assert_eq!(first["approver"]["role"], "principal");
    assert_eq!(first["approved_at"], "2026-11-20T13:30:00Z");
    assert_eq!(first["commit"]["hash"], approve);
    assert_eq!(first["commit"]["author"], "Mark Eter <mark@example.com>");
    assert_eq!(first["commit"]["signature"], "unsigned");
    assert_eq!(first["commit"]["pull_request"], Value::Null);
    assert_eq!(edits(first), [edit.as_str()]);
    assert_eq!(first["withdrawn"]["commit"], withdraw);
    // Shareable from the approval (after publish_at), until the withdrawal.
    assert_eq!(first["shareable_from"], "2026-11-20T13:30:00Z");
    assert_eq!(first["withdrawn"]["date"], "2026-11-20T16:00:00Z");
    assert_eq!(first["shareable_until"], first["withdrawn"]["date"]);
    // The edit changed the hashes; the approved ones stay in the row.
    assert_ne!(first["platforms"]["x"], first["edits"][0]["platforms"]["x"]);
    assert_eq!(
        first["platforms"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["linkedin", "x"]
    );

    let second = &rows[1];
    assert_eq!(second["commit"]["hash"], reapprove);
    assert_eq!(second["approved_by"], "sam.lee");
    assert_eq!(second["approver"]["role"], "compliance officer");
    // The rename is followed (recorded as an edit with its new path), the
    // deletion withdraws it.
    assert_eq!(edits(second), [rename.as_str()]);
    assert_eq!(second["edits"][0]["path"], B);
    assert_eq!(second["withdrawn"]["commit"], delete);
    assert_eq!(second["shareable_from"], "2026-11-20T17:30:00Z");
    assert_eq!(second["shareable_until"], second["withdrawn"]["date"]);
    // The approving commit's hashes are the text at that commit.
    assert_eq!(second["platforms"], first["edits"][0]["platforms"]);

    // Deterministic: the same history gives the same bytes.
    assert_eq!(repo.run(NOW, "json"), repo.run(NOW, "json"));
}

#[test]
fn still_shareable_at_now_has_no_end_and_not_yet_due_has_no_start() {
    let repo = Repo::new();
    repo.write(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Tip."),
    );
    repo.commit("Approved tip");
    let before_due = repo.register("2026-11-25T00:00:00Z");
    assert_eq!(rows(&before_due)[0]["shareable_from"], Value::Null);
    assert_eq!(rows(&before_due)[0]["shareable_until"], Value::Null);
    let later = repo.register(NOW);
    assert_eq!(rows(&later)[0]["shareable_from"], "2026-12-01T15:00:00Z");
    assert_eq!(rows(&later)[0]["shareable_until"], Value::Null);
    // An expiry ends it once it has passed.
    repo.write(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Tip.").replace(
            "publish_at:",
            "expires_at: 2027-01-31T00:00:00Z\npublish_at:",
        ),
    );
    repo.commit("Set an expiry");
    let expired = repo.register(NOW);
    assert_eq!(rows(&expired)[0]["shareable_until"], "2027-01-31T00:00:00Z");
    // Changing expires_at changes no text anyone shares: not an edit.
    assert_eq!(edits(&rows(&expired)[0]), Vec::<&str>::new());
}

#[test]
fn a_merged_branch_gives_the_branch_commit_and_the_pull_request() {
    let repo = Repo::new();
    repo.write("content/posts/other.md", &post("draft", None, "Other."));
    let main = repo.commit("Start");
    repo.write(A, &post("review", None, "Launch tip."));
    repo.commit("Draft the tip");
    let approving = repo.commit_with(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Launch tip."),
        "Approve the tip\n\nThe principal read the final copy.\n\nApproved-by: Jane Roe <jane@example.com>\nReviewed-by: Sam Lee <sam@example.com>",
    );
    let late_edit = repo.commit_with(
        A,
        &post(
            "approved",
            Some(("jane.roe", "2026-11-21")),
            "Launch tip, fixed.",
        ),
        "Fix a typo after approval",
    );
    let merge = repo.merge(
        &main,
        "Merge pull request #42 from example/launch-tip\n\nLaunch tip",
    );

    let register = repo.register(NOW);
    let row = &rows(&register)[0];
    assert_eq!(
        row["commit"]["hash"], approving,
        "the branch commit, not the merge {merge}"
    );
    assert_eq!(row["commit"]["pull_request"], 42);
    assert_eq!(
        row["commit"]["trailers"]["Approved-by"][0],
        "Jane Roe <jane@example.com>"
    );
    assert_eq!(
        row["commit"]["trailers"]["Reviewed-by"][0],
        "Sam Lee <sam@example.com>"
    );
    assert_eq!(edits(row), [late_edit.as_str()]);
}

#[test]
fn a_squash_merge_subject_trailers_and_a_signature() {
    let repo = Repo::new();
    repo.write(A, &post("draft", None, "Tip."));
    repo.commit("Draft");
    repo.write(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Tip."),
    );
    let squash = repo.commit_signed(
        "Learning tip (#7)\n\n* Draft\n* Approve\n\nCo-authored-by: Ann Writer <ann@example.com>\nApproved-by: Jane Roe <jane@example.com>",
    );
    let register = repo.register(NOW);
    let row = &rows(&register)[0];
    assert_eq!(row["commit"]["hash"], squash);
    assert_eq!(row["commit"]["pull_request"], 7);
    assert_eq!(row["commit"]["signature"], "signed-unverified");
    assert_eq!(
        row["commit"]["trailers"]["Co-authored-by"][0],
        "Ann Writer <ann@example.com>"
    );
    assert_eq!(
        row["commit"]["trailers"]["Approved-by"][0],
        "Jane Roe <jane@example.com>"
    );
    assert_eq!(
        row["commit"]["trailers"]["Reviewed-by"],
        serde_json::json!([])
    );
}

#[test]
fn a_policy_change_between_approvals_shows_in_the_policy_hash() {
    let repo = Repo::new();
    repo.write(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Tip one."),
    );
    repo.commit("Approve one");
    let policy = std::fs::read_to_string(repo.root.join("policies/policy.yaml")).unwrap();
    repo.write(
        "policies/policy.yaml",
        &policy.replace("role: principal", "role: senior principal"),
    );
    repo.commit("Jane is now a senior principal");
    repo.write(
        B,
        &post("approved", Some(("jane.roe", "2026-11-23")), "Tip two."),
    );
    repo.commit("Approve two");

    let register = repo.register(NOW);
    let rows = rows(&register);
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0]["policy_sha256"], rows[1]["policy_sha256"]);
    assert_eq!(rows[0]["calendar_sha256"], rows[1]["calendar_sha256"]);
    assert_eq!(rows[0]["approver"]["role"], "principal");
    assert_eq!(rows[1]["approver"]["role"], "senior principal");
    let bytes = std::fs::read(repo.root.join("policies/policy.yaml")).unwrap();
    assert_eq!(
        rows[1]["policy_sha256"],
        onmessage_engine::share::sha256_hex(&bytes)
    );
}

#[test]
fn csv_has_the_same_rows_with_dotted_columns() {
    let repo = Repo::new();
    repo.write(
        A,
        &post(
            "approved",
            Some(("jane.roe", "2026-11-21")),
            "Tip, with a comma and \"quotes\".",
        ),
    );
    repo.commit("Approve, with a comma\n\nReviewed-by: Sam Lee <sam@example.com>\nReviewed-by: Ann <ann@example.com>");
    let json = repo.register(NOW);
    let csv = String::from_utf8(repo.run(NOW, "csv")).unwrap();
    let records = parse_csv(&csv);
    assert_eq!(records.len(), 2, "{csv}");
    let header = &records[0];
    let field = |name: &str| &records[1][header.iter().position(|h| h == name).unwrap()];
    let row = &rows(&json)[0];
    assert_eq!(field("id"), "tip");
    assert_eq!(
        field("commit.hash"),
        row["commit"]["hash"].as_str().unwrap()
    );
    assert_eq!(
        field("platforms.x"),
        row["platforms"]["x"].as_str().unwrap()
    );
    assert_eq!(field("platforms.facebook"), "");
    assert_eq!(field("approver.name"), "Jane Roe");
    assert_eq!(
        field("commit.trailers.Reviewed-by"),
        "Sam Lee <sam@example.com>; Ann <ann@example.com>"
    );
    assert_eq!(field("shareable_until"), "");
    assert!(csv.ends_with("\r\n"));
}

/// RFC 4180, as a spreadsheet reads it.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

#[test]
fn the_registers_hash_equals_the_published_feeds() {
    let repo = Repo::new();
    repo.write(
        A,
        &post(
            "approved",
            Some(("jane.roe", "2026-11-21")),
            "Worktrees save time: https://example.com/blog/worktrees #employee\r\n\n## x\nWorktrees! https://example.com/x",
        ),
    );
    repo.commit("Approve");
    let register = repo.register(NOW);
    let out = repo.root.join("public");
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "publish",
            "--now",
            NOW,
            "--base-url",
            "https://hub.example.com/",
            "--root",
        ])
        .arg(&repo.root)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let feed: Value =
        serde_json::from_slice(&std::fs::read(out.join("feed.json")).unwrap()).unwrap();
    let item = &feed["items"][0];
    assert_eq!(item["id"], "tip");
    let platforms = item["_onmessage"]["platforms"].as_object().unwrap();
    let row = &rows(&register)[0];
    assert_eq!(platforms.len(), 2);
    for (platform, copy) in platforms {
        let text = copy["text"].as_str().unwrap();
        assert_eq!(
            copy["sha256"],
            onmessage_engine::share::shared_text_sha256(text)
        );
        assert_eq!(copy["sha256"], row["platforms"][platform], "{platform}");
    }
    let atom = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(atom.contains(&format!(
        "sha256=\"{}\"",
        row["platforms"]["x"].as_str().unwrap()
    )));
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let dir =
        std::env::temp_dir().join(format!("onmessage-register-norepo-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["register", "--root"])
        .arg(&dir)
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in a git repository"));
}

/// The shipped example company, given an approval process and a history:
/// drafted on main, approved on a pull request branch by the principal,
/// merged; one post withdrawn later. Prints the register (CSV) so a reader
/// can see what a compliance officer gets (`--nocapture`).
#[test]
fn the_example_companys_register() {
    let repo = Repo::new();
    let shipped = workspace();
    copy_tree(&shipped.join("policies"), &repo.root.join("policies"));
    copy_tree(&shipped.join("content"), &repo.root.join("content"));
    let policy = std::fs::read_to_string(repo.root.join("policies/policy.yaml")).unwrap();
    repo.write("policies/policy.yaml", &format!("{policy}{APPROVAL}"));
    let posts = approved_posts(&repo.root.join("content/posts"));
    assert!(posts.len() >= 2, "the example company ships approved posts");
    // Main starts with every approved post held in review.
    for path in &posts {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(path, text.replacen("status: approved", "status: review", 1)).unwrap();
    }
    let main = repo.commit("Example Corp: posts written, in review");
    for path in &posts {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(
            path,
            text.replacen(
                "status: review",
                "status: approved\napproved_by: jane.roe\napproved_at: 2026-11-20T13:30:00Z",
                1,
            ),
        )
        .unwrap();
    }
    repo.commit("Approve the November posts\n\nApproved-by: Jane Roe <jane.roe@example.com>");
    repo.merge(
        &main,
        "Merge pull request #17 from example/november-posts\n\nNovember posts",
    );
    let withdrawn = &posts[0];
    let text = std::fs::read_to_string(withdrawn).unwrap();
    std::fs::write(
        withdrawn,
        text.replacen("status: approved", "status: review", 1),
    )
    .unwrap();
    repo.commit("Withdraw a post for another look (#18)");

    let register = repo.register("2026-12-20T00:00:00Z");
    let rows = rows(&register);
    assert_eq!(rows.len(), posts.len());
    for row in rows {
        assert_eq!(row["approver"]["name"], "Jane Roe");
        assert_eq!(row["commit"]["pull_request"], 17);
        assert_ne!(row["commit"]["hash"], Value::Null);
    }
    assert_eq!(rows.iter().filter(|r| !r["withdrawn"].is_null()).count(), 1);
    // Every approved post is checked clean under the approval section.
    let check = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--now", "2026-12-20T00:00:00Z", "--root"])
        .arg(&repo.root)
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&check.stdout);
    assert!(!human.contains("approval."), "{human}");
    println!(
        "{}",
        String::from_utf8(repo.run("2026-12-20T00:00:00Z", "csv")).unwrap()
    );
    println!("{register:#}");
}

fn approved_posts(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md")
            && std::fs::read_to_string(entry.path())
                .unwrap()
                .contains("\nstatus: approved\n")
        {
            found.push(entry.path().to_path_buf());
        }
    }
    found
}

impl Repo {
    fn commit_with(&self, path: &str, text: &str, message: &str) -> String {
        self.write(path, text);
        self.commit(message)
    }
}

#[test]
fn withdrawn_before_it_was_due_was_never_shareable() {
    let repo = Repo::new();
    repo.write(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Tip."),
    );
    repo.commit("Approve");
    repo.write(A, &post("draft", Some(("jane.roe", "2026-11-21")), "Tip."));
    let withdraw = repo.commit("Pull it before it is due");
    let register = repo.register(NOW);
    let row = &rows(&register)[0];
    assert_eq!(row["withdrawn"]["commit"], withdraw);
    assert_eq!(row["shareable_from"], Value::Null);
    assert_eq!(row["shareable_until"], row["withdrawn"]["date"]);
}

#[test]
fn approval_edited_names_who_approved_the_version_being_changed() {
    let repo = Repo::new();
    repo.write(
        A,
        &post("approved", Some(("jane.roe", "2026-11-21")), "Tip."),
    );
    let base = repo.commit("Approved tip");
    repo.write(
        A,
        &post(
            "approved",
            Some(("jane.roe", "2026-11-21")),
            "Tip, changed.",
        ),
    );
    repo.commit("Change the approved copy");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "check", "--format", "json", "--now", NOW, "--base", &base, "--root",
        ])
        .arg(&repo.root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "approval.edited")
        .unwrap_or_else(|| panic!("{report:#}"));
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("approved by Jane Roe (principal, `jane.roe`) on 2026-11-21"),
        "{message}"
    );
    assert!(finding["help"].as_str().unwrap().contains("ask `jane.roe`"));
}

// ---- what publish reads from history ----

impl Repo {
    /// `cargo xtask publish` at `now` into a folder beside the repository;
    /// returns that folder and stderr.
    fn publish(&self, now: &str) -> (PathBuf, String) {
        let out = self.root.with_extension("out");
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args([
                "publish",
                "--now",
                now,
                "--base-url",
                "https://hub.example/",
            ])
            .arg("--root")
            .arg(&self.root)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        (out, stderr)
    }

    fn published(&self, now: &str, file: &str) -> String {
        let (out, _) = self.publish(now);
        std::fs::read_to_string(out.join(file)).unwrap()
    }
}

/// The text of every `<name>` element in `xml`, in order.
fn elements(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open)
        .skip(1)
        .map(|rest| rest.split(&close).next().unwrap().to_string())
        .collect()
}

/// Posts due at 2026-11-20T00:00:00Z, before the first commit.
fn due_post(status: &str, approved_at: Option<&str>, body: &str) -> String {
    let approval = approved_at.map_or(String::new(), |at| {
        format!("approved_by: jane.roe\napproved_at: {at}\n")
    });
    format!(
        "---\ntitle: Learning tip\nauthor: mark.eter\nstatus: {status}\nplatforms: [linkedin, x]\npublish_at: 2026-11-20T00:00:00Z\n{approval}---\n{body}\n"
    )
}

#[test]
fn rss_pub_date_is_the_approving_commit_without_approved_at_and_never_after_now() {
    let repo = Repo::with_policy("");
    repo.write(A, &due_post("draft", None, "Use git worktrees."));
    repo.commit("Draft a tip");
    // 2026-11-20T14:00:00Z: the commit that approves it.
    repo.write(A, &due_post("approved", None, "Use git worktrees."));
    repo.commit("Approve the tip");
    let rss = repo.published(NOW, "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Fri, 20 Nov 2026 14:00:00 +0000"]
    );
    // Published before that commit's date (a rebuilt past): never after now.
    let rss = repo.published("2026-11-20T13:30:00Z", "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Fri, 20 Nov 2026 13:30:00 +0000"]
    );
    // The same repository and now: the same bytes.
    let (first, _) = repo.publish(NOW);
    let first = std::fs::read(first.join("feed.xml")).unwrap();
    let (again, _) = repo.publish(NOW);
    assert_eq!(first, std::fs::read(again.join("feed.xml")).unwrap());
}

#[test]
fn without_history_publish_goes_by_the_files_and_says_so() {
    let repo = Repo::with_policy("");
    repo.write(A, &due_post("approved", None, "Use git worktrees."));
    repo.commit("Approve the tip");
    // The same files, without .git.
    let plain = repo.root.with_extension("plain");
    let _ = std::fs::remove_dir_all(&plain);
    copy_tree(&repo.root.join("policies"), &plain.join("policies"));
    copy_tree(&repo.root.join("content"), &plain.join("content"));
    let out = plain.with_extension("out");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "publish",
            "--now",
            NOW,
            "--base-url",
            "https://hub.example/",
        ])
        .arg("--root")
        .arg(&plain)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("no git history read")
            && stderr.contains("not the top of a git repository"),
        "{stderr}"
    );
    let rss = std::fs::read_to_string(out.join("feed.rss")).unwrap();
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Fri, 20 Nov 2026 00:00:00 +0000"]
    );
    let _ = std::fs::remove_dir_all(&plain);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn rss_pub_date_is_approved_at_or_the_end_of_a_quiet_period_that_held_it_back() {
    let repo = Repo::new();
    repo.write(
        A,
        &due_post(
            "approved",
            Some("2026-11-25T10:00:00Z"),
            "Use git worktrees.",
        ),
    );
    repo.commit("Approve the tip");
    let rss = repo.published(NOW, "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Wed, 25 Nov 2026 10:00:00 +0000"]
    );
    // Approved during a quiet period that holds back every post: shareable
    // when it ends (it includes its last day, 2026-11-27: 2026-11-28 00:00
    // in New York).
    let calendar = std::fs::read_to_string(repo.root.join("policies/calendar.yaml")).unwrap();
    repo.write(
        "policies/calendar.yaml",
        &format!("{calendar}  - name: Board meeting\n    start: 2026-11-24\n    end: 2026-11-27\n    categories: [all]\n"),
    );
    repo.commit("A quiet period");
    let rss = repo.published(NOW, "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Sat, 28 Nov 2026 05:00:00 +0000"]
    );
}

#[test]
fn an_edit_of_a_live_post_is_its_date_modified_and_atom_updated() {
    let repo = Repo::new();
    let approved_at = Some("2026-11-20T12:00:00Z");
    repo.write(A, &due_post("approved", approved_at, "Use git worktrees."));
    repo.commit("Approve the tip");
    let feed: Value = serde_json::from_str(&repo.published(NOW, "feed.json")).unwrap();
    assert_eq!(feed["items"][0].get("date_modified"), None, "{feed:#}");
    // 2026-11-20T14:00:00Z: the copy changes while it is live.
    repo.write(
        A,
        &due_post("approved", approved_at, "Use git worktrees daily."),
    );
    repo.commit("Tweak the tip");
    // A commit that changes nothing readers see is not a modification.
    repo.write("README.md", "notes\n");
    repo.commit("Notes");
    let feed: Value = serde_json::from_str(&repo.published(NOW, "feed.json")).unwrap();
    let item = &feed["items"][0];
    assert_eq!(item["date_published"], "2026-11-20T00:00:00Z");
    assert_eq!(item["date_modified"], "2026-11-20T14:00:00Z");
    let atom = repo.published(NOW, "feed.xml");
    let entry = atom.split("<entry>").nth(1).unwrap();
    assert_eq!(elements(entry, "updated"), ["2026-11-20T14:00:00Z"]);
    assert_eq!(elements(entry, "published"), ["2026-11-20T00:00:00Z"]);
    // The RSS item keeps the moment it became shareable.
    let rss = repo.published(NOW, "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Fri, 20 Nov 2026 12:00:00 +0000"]
    );
}

const TOMBSTONE_REF: &str = "ref=\"urn:onmessage:example.com:post:tip\"";

#[test]
fn a_post_withdrawn_or_deleted_while_live_is_a_tombstone_for_thirty_days() {
    let repo = Repo::new();
    let approved_at = Some("2026-11-20T12:00:00Z");
    repo.write(A, &due_post("approved", approved_at, "Use git worktrees."));
    repo.commit("Approve the tip");
    // 2026-11-20T14:00:00Z.
    repo.write(A, &due_post("review", approved_at, "Use git worktrees."));
    repo.commit("Back to review");
    let tombstone = format!("<at:deleted-entry {TOMBSTONE_REF} when=\"2026-11-20T14:00:00Z\"/>");
    let (out, _) = repo.publish("2026-12-01T00:00:00Z");
    let atom = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(atom.contains(&tombstone), "{atom}");
    assert!(!atom.contains("<entry>"), "{atom}");
    // The feed changed when the post left it.
    assert_eq!(elements(&atom, "updated"), ["2026-11-20T14:00:00Z"]);
    // 30 days on, readers have had time to see it.
    let atom = repo.published("2026-12-20T13:59:59Z", "feed.xml");
    assert!(atom.contains(&tombstone), "{atom}");
    let atom = repo.published("2026-12-20T14:00:00Z", "feed.xml");
    assert!(!atom.contains("deleted-entry"), "{atom}");
    // Approved again: back in the feed, no tombstone.
    // 15:00.
    repo.write(
        A,
        &due_post(
            "approved",
            Some("2026-11-20T15:00:00Z"),
            "Use git worktrees.",
        ),
    );
    repo.commit("Approve again");
    let atom = repo.published("2026-12-01T00:00:00Z", "feed.xml");
    assert!(
        !atom.contains("deleted-entry") && atom.contains("<entry>"),
        "{atom}"
    );
    // Deleted while live: a tombstone at the deleting commit (16:00).
    repo.remove(A);
    repo.commit("Delete the tip");
    let atom = repo.published("2026-12-01T00:00:00Z", "feed.xml");
    assert!(
        atom.contains(&format!(
            "<at:deleted-entry {TOMBSTONE_REF} when=\"2026-11-20T16:00:00Z\"/>"
        )),
        "{atom}"
    );
}

#[test]
fn a_post_that_expired_or_was_withdrawn_before_it_was_due_has_no_tombstone() {
    let repo = Repo::new();
    let approved_at = Some("2026-11-20T12:00:00Z");
    let expiring = due_post("approved", approved_at, "Use git worktrees.").replace(
        "publish_at:",
        "expires_at: 2026-11-20T13:30:00Z\npublish_at:",
    );
    repo.write(A, &expiring);
    repo.commit("Approve a tip that expires");
    // Withdrawn after it expired (14:00).
    repo.write(A, &expiring.replace("status: approved", "status: review"));
    repo.commit("Back to review");
    // Approved for later, withdrawn before it is due.
    let later = |status: &str| {
        due_post(status, approved_at, "Later.")
            .replace("2026-11-20T00:00:00Z", "2026-12-10T00:00:00Z")
    };
    repo.write(B, &later("approved"));
    repo.commit("Approve a later tip");
    repo.write(B, &later("draft"));
    repo.commit("Not yet");
    let atom = repo.published("2026-12-01T00:00:00Z", "feed.xml");
    assert!(!atom.contains("deleted-entry"), "{atom}");
}

#[test]
fn a_category_quiet_period_holds_back_only_a_post_that_trips_its_category() {
    let repo = Repo::new();
    let calendar = std::fs::read_to_string(repo.root.join("policies/calendar.yaml")).unwrap();
    repo.write(
        "policies/calendar.yaml",
        &format!("{calendar}  - name: Sensitive week\n    start: 2026-11-24\n    end: 2026-11-27\n    categories: [tone]\n"),
    );
    let approved_at = Some("2026-11-25T10:00:00Z");
    repo.write(A, &due_post("approved", approved_at, "Use git worktrees."));
    repo.commit("Approve the tip");
    let rss = repo.published(NOW, "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Wed, 25 Nov 2026 10:00:00 +0000"]
    );
    // `tone.negative` (a warning: still published) is of the blocked
    // category, so the post was held back until the period ended.
    repo.write(
        A,
        &due_post("approved", approved_at, "The worst setup step, gone."),
    );
    repo.commit("Edit the tip");
    let rss = repo.published(NOW, "feed.rss");
    assert_eq!(
        elements(&rss, "pubDate"),
        ["Sat, 28 Nov 2026 05:00:00 +0000"]
    );
}
