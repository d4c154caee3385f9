//! `check --base`: real temporary git repositories built with git2, a base
//! branch and a feature branch of several commits.

use crate::support::workspace;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{Repository, Signature};
use serde_json::Value;

struct Repo {
    root: PathBuf,
    repo: Repository,
}

impl Repo {
    /// A repository whose first commit (branch `main`) holds the base policy.
    fn new() -> Repo {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "onmessage-git-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("policies")).unwrap();
        let repo = Repository::init(&root).unwrap();
        let this = Repo { root, repo };
        for file in ["policy.yaml", "calendar.yaml"] {
            let text = std::fs::read_to_string(workspace().join("tests/base/policies").join(file))
                .unwrap();
            this.write(&format!("policies/{file}"), &text);
        }
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

    /// Commits every change in the working tree; returns the short id.
    fn commit(&self, message: &str) -> String {
        let mut index = self.repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let signature = Signature::now("Test", "test@example.com").unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let oid = self
            .repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .unwrap();
        oid.to_string()[..10].to_string()
    }

    /// Marks the current commit as branch `main` (the base).
    fn mark_base(&self) {
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.branch("base", &head, true).unwrap();
    }

    fn check(&self, extra: &[&str]) -> (i32, Value) {
        self.check_at("2026-11-20T00:00:00Z", extra)
    }

    fn check_at(&self, now: &str, extra: &[&str]) -> (i32, Value) {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["check", "--format", "json", "--now", now, "--root"])
            .arg(&self.root)
            .args(extra)
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        let json = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&out.stderr).into_owned()));
        (code, json)
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn post(title: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\nauthor: a\nstatus: draft\nplatforms: [linkedin]\npublish_at: 2027-02-10T15:00:00Z\n---\n{body}\n"
    )
}

fn findings(report: &Value) -> Vec<(String, String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f.get("pre_existing").is_some(),
            )
        })
        .collect()
}

#[test]
fn a_leak_added_then_removed_is_reported_with_its_commit() {
    let repo = Repo::new();
    repo.write("content/posts/a.md", &post("A", "Hello."));
    repo.commit("base");
    repo.mark_base();
    repo.write(
        "content/posts/a.md",
        &post("A", "Hello.\nThe Falcon team says hi."),
    );
    let leaking = repo.commit("add a line");
    repo.write("content/posts/a.md", &post("A", "Hello."));
    repo.commit("remove it again");

    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1, "{report}");
    let leak = &report["findings"][0];
    assert_eq!(leak["rule"], "history.leak");
    assert_eq!(leak["path"], "content/posts/a.md");
    assert_eq!(
        (
            leak["line"].as_u64(),
            leak["column"].as_u64(),
            leak["end_column"].as_u64()
        ),
        (Some(9), Some(5), Some(11))
    );
    assert!(
        leak["message"]
            .as_str()
            .unwrap()
            .contains(&format!("commit {leaking} added 'Falcon'")),
        "{leak}"
    );
    // Without --base the final tree is clean.
    assert_eq!(repo.check(&[]).0, 0);
}

#[test]
fn a_file_added_then_deleted_still_leaks() {
    let repo = Repo::new();
    repo.write("content/posts/a.md", &post("A", "Hello."));
    repo.commit("base");
    repo.mark_base();
    repo.write("content/notes.txt", "draft: Initech loves it\n");
    let leaking = repo.commit("notes");
    repo.remove("content/notes.txt");
    repo.commit("drop notes");
    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1);
    let leak = &report["findings"][0];
    assert_eq!(
        (leak["rule"].as_str(), leak["path"].as_str()),
        (Some("history.leak"), Some("content/notes.txt"))
    );
    assert!(leak["message"].as_str().unwrap().contains(&leaking));
}

#[test]
fn only_the_changed_post_can_fail() {
    let repo = Repo::new();
    repo.write("content/posts/old.md", &post("Old", "Our revenue doubled."));
    repo.write("content/posts/new.md", &post("New", "Hello."));
    repo.commit("base");
    repo.mark_base();
    repo.write(
        "content/posts/new.md",
        &post("New", "Quarterly results are in."),
    );
    repo.commit("edit new");

    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1);
    let mut got = findings(&report);
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "confidential.financials".into(),
                "content/posts/new.md".into(),
                false
            ),
            (
                "confidential.financials".into(),
                "content/posts/old.md".into(),
                true
            ),
        ]
    );
}

#[test]
fn an_untouched_posts_finding_alone_does_not_fail() {
    let repo = Repo::new();
    repo.write("content/posts/old.md", &post("Old", "Our revenue doubled."));
    repo.write("content/posts/new.md", &post("New", "Hello."));
    repo.commit("base");
    repo.mark_base();
    repo.write("content/posts/new.md", &post("New", "Hello again."));
    repo.commit("edit new");
    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        findings(&report),
        vec![(
            "confidential.financials".into(),
            "content/posts/old.md".into(),
            true
        )]
    );
}

#[test]
fn a_policy_change_that_blocks_an_old_post_fails_and_shows_its_impact() {
    let repo = Repo::new();
    repo.write(
        "content/posts/old.md",
        &post("Old", "We beat the forecast."),
    );
    repo.commit("base");
    repo.mark_base();
    let policy = std::fs::read_to_string(repo.root.join("policies/policy.yaml")).unwrap();
    repo.write(
        "policies/policy.yaml",
        &policy.replace(
            "terms: [revenue, profit margin, quarterly results]",
            "terms: [revenue, profit margin, quarterly results, forecast]",
        ),
    );
    repo.commit("forecasts are financial");

    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        findings(&report),
        vec![(
            "confidential.financials".into(),
            "content/posts/old.md".into(),
            false
        )]
    );
    let impact = &report["impact"];
    assert_eq!(impact["changed"], serde_json::json!(["policy"]));
    assert_eq!(
        impact["groups"],
        serde_json::json!([{"file": "policy", "entry": "rule confidential.financials", "posts": [
            {"post": "old", "path": "content/posts/old.md", "title": "Old", "status": "draft", "author": "a",
             "newly_blocked": ["confidential.financials"]}
        ]}])
    );
}

#[test]
fn a_calendar_change_reports_the_posts_whose_publication_moves() {
    let repo = Repo::new();
    let launch = "---\ntitle: L\nauthor: a\nstatus: approved\nplatforms: [linkedin]\npublish_at: 2026-12-01T16:00:00Z\nproducts: [widget-pro]\n---\n#employee Widget Pro is here.\n";
    repo.write("content/posts/launch.md", launch);
    repo.write("content/posts/other.md", &post("Other", "Hello."));
    repo.commit("base");
    repo.mark_base();
    let calendar = std::fs::read_to_string(repo.root.join("policies/calendar.yaml")).unwrap();
    repo.write(
        "policies/calendar.yaml",
        &calendar.replace(
            "announce_at: 2026-12-01T16:00:00Z",
            "announce_at: 2027-01-15T16:00:00Z",
        ),
    );
    repo.commit("launch slips");

    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1, "the launch post is now embargoed: {report}");
    let impact = &report["impact"];
    assert_eq!(impact["changed"], serde_json::json!(["calendar"]));
    // Not in the feed on 2026-11-20 either way: no `feed`, no `live_since`.
    assert_eq!(
        impact["groups"],
        serde_json::json!([{"file": "calendar", "entry": "product widget-pro", "posts": [
            {"post": "launch", "path": "content/posts/launch.md", "title": "L", "status": "approved", "author": "a",
             "newly_blocked": ["product.embargo"],
             "earliest": {"before": "2026-12-01T11:00:00-05:00", "after": "2027-01-15T11:00:00-05:00", "needs_new_publish_at": true}}
        ]}])
    );

    // Between the two dates the launch post was live and now leaves the feed.
    let (_, report) = repo.check_at("2026-12-05T00:00:00Z", &["--base", "base"]);
    let post = &report["impact"]["groups"][0]["posts"][0];
    assert_eq!(post["feed"], "leaves", "{post}");
    assert_eq!(post["live_since"], "2026-12-01T11:00:00-05:00", "{post}");

    // The human report says what the post needs, in the policy's time zone.
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "check",
            "--now",
            "2026-12-05T00:00:00Z",
            "--base",
            "base",
            "--root",
        ])
        .arg(&repo.root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "impact of the calendar change:\n  product widget-pro (calendar):\n    launch \"L\" (content/posts/launch.md), approved, by a, live since 2026-12-01 11:00 -05:00\n      newly blocked: product.embargo\n      needs a new publish_at (earliest 2027-01-15 11:00 -05:00; was 2026-12-01 11:00 -05:00)\n      leaves the feed now\n"
        ),
        "{text}"
    );
    assert!(!text.contains("publication moves"), "{text}");
}

/// The earliest publication follows a time-scoped rule's `active_until`
/// (here timed by a product's announcement: the teaser, fine on 10
/// February before, is now blocked until the rule lapses) and a codename's
/// `public_at`, and each post is grouped under the calendar entry that
/// moved it.
#[test]
fn the_earliest_publication_follows_active_until_and_public_at() {
    let repo = Repo::new();
    let calendar = std::fs::read_to_string(repo.root.join("policies/calendar.yaml")).unwrap();
    repo.write(
        "policies/calendar.yaml",
        &calendar.replace(
            "    codenames: [Kite]\n",
            "    codenames: [{name: Kite, public_at: 2027-03-01}]\n    announce_at: 2027-02-01\n",
        ),
    );
    let policy = std::fs::read_to_string(repo.root.join("policies/policy.yaml")).unwrap();
    repo.write(
        "policies/policy.yaml",
        &format!(
            "{policy}  - id: teaser.wait\n    severity: error\n    category: launch\n    message: No teasers until Widget Air is out\n    explain: Teasers wait for the launch.\n    active_until: {{product: widget-air}}\n    terms: [coming soon]\n"
        ),
    );
    repo.write(
        "content/posts/teaser.md",
        &post("Teaser", "Something is coming soon."),
    );
    repo.write(
        "content/posts/kite.md",
        &post("Kite", "The story behind Kite."),
    );
    repo.commit("base");
    repo.mark_base();
    let calendar = std::fs::read_to_string(repo.root.join("policies/calendar.yaml")).unwrap();
    repo.write(
        "policies/calendar.yaml",
        &calendar
            .replace("public_at: 2027-03-01", "public_at: 2027-04-01")
            .replace("announce_at: 2027-02-01", "announce_at: 2027-03-01"),
    );
    repo.commit("Widget Air slips a month");

    let (_, report) = repo.check(&["--base", "base"]);
    let groups = report["impact"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{report}");
    assert_eq!(groups[0]["entry"], "product widget-air");
    let earliest: Vec<(&str, &Value)> = groups[0]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["post"].as_str().unwrap(), &p["earliest"]))
        .collect();
    assert_eq!(
        earliest,
        [
            (
                "kite",
                &serde_json::json!({"before": "2027-03-01T00:00:00-05:00", "after": "2027-04-01T00:00:00-04:00", "needs_new_publish_at": true})
            ),
            (
                "teaser",
                &serde_json::json!({"before": "2027-02-10T10:00:00-05:00", "after": "2027-03-01T00:00:00-05:00", "needs_new_publish_at": true})
            ),
        ]
    );
}

#[test]
fn an_approved_post_edited_after_approval_fails_unless_it_goes_back_to_review() {
    let repo = Repo::new();
    let approved = |body: &str| post("A", body).replace("status: draft", "status: approved");
    repo.write("content/posts/a.md", &approved("Hello."));
    repo.commit("base");
    repo.mark_base();
    repo.write("content/posts/a.md", &approved("Hello, world."));
    repo.commit("tweak");
    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(
        code, 1,
        "an error: merged, the new text would go out as approved: {report}"
    );
    assert_eq!(
        findings(&report),
        vec![("approval.edited".into(), "content/posts/a.md".into(), false)]
    );
    assert_eq!(report["findings"][0]["line"], 4);
    assert_eq!(report["findings"][0]["severity"], "error");

    // The same change sends it back to review: nothing to report.
    repo.write(
        "content/posts/a.md",
        &approved("Hello, world.").replace("status: approved", "status: review"),
    );
    repo.commit("back to review");
    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(findings(&report), vec![]);

    // Or it records a new approval of the new text.
    repo.write(
        "content/posts/a.md",
        &approved("Hello, world.").replace(
            "status: approved",
            "status: approved\napproved_at: 2026-11-19",
        ),
    );
    repo.commit("approved again");
    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(findings(&report), vec![]);
}

#[test]
fn a_missing_base_explains_how_to_fetch_it() {
    let repo = Repo::new();
    repo.write("content/posts/a.md", &post("A", "Hello."));
    repo.commit("only");
    let (code, message) = repo.check(&["--base", "origin/main"]);
    assert_eq!(code, 2);
    assert!(
        message.as_str().unwrap().contains("fetch-depth: 0"),
        "{message}"
    );
}

/// Policy, second edition: a new requirement that blocks existing posts is
/// listed in the impact like a new term; a post outside its scope is not.
#[test]
fn a_new_requirement_that_blocks_old_posts_shows_in_the_impact() {
    let repo = Repo::new();
    repo.write(
        "content/posts/opinion.md",
        &post("Opinion", "Design docs save weeks.")
            .replace("status: draft\n", "status: draft\ntags: [opinion]\n"),
    );
    repo.write(
        "content/posts/news.md",
        &post("News", "Design docs save weeks."),
    );
    repo.commit("base");
    repo.mark_base();
    let policy = std::fs::read_to_string(repo.root.join("policies/policy.yaml")).unwrap();
    repo.write(
        "policies/policy.yaml",
        &format!(
            "{policy}  - id: voice.own-views\n    severity: error\n    category: voice\n    message: An opinion post says the views are your own\n    explain: Opinions are personal.\n    when: {{tags: [opinion]}}\n    require: {{phrases: [views are my own], within: 210}}\n"
        ),
    );
    repo.commit("opinion posts say whose views they are");

    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        findings(&report),
        vec![(
            "voice.own-views".into(),
            "content/posts/opinion.md".into(),
            false
        )]
    );
    let impact = &report["impact"];
    assert_eq!(
        impact["groups"],
        serde_json::json!([{"file": "policy", "entry": "rule voice.own-views", "posts": [
            {"post": "opinion", "path": "content/posts/opinion.md", "title": "Opinion", "status": "draft", "author": "a",
             "newly_blocked": ["voice.own-views"]}
        ]}])
    );
}

/// A change to `schemas/` alone is judged by what it does: the base's
/// policy and posts are read with the base's schemas (the tool's own are the
/// change's), so a post the new schema rejects is reported as newly blocked.
#[test]
fn a_schema_change_shows_its_impact() {
    let repo = Repo::new();
    let schema = |name: &str| {
        std::fs::read_to_string(
            workspace()
                .join("schemas")
                .join(format!("{name}.schema.json")),
        )
        .unwrap()
    };
    let strict_post = schema("post");
    // The base let a title be empty; the change requires one.
    let mut loose: Value = serde_json::from_str(&strict_post).unwrap();
    let title = loose["properties"]["title"].as_object_mut().unwrap();
    assert!(title.remove("minLength").is_some());
    for name in ["policy", "calendar"] {
        repo.write(&format!("schemas/{name}.schema.json"), &schema(name));
    }
    repo.write(
        "schemas/post.schema.json",
        &serde_json::to_string_pretty(&loose).unwrap(),
    );
    repo.write("content/posts/untitled.md", &post("''", "Hello"));
    repo.commit("base: a title may be empty");
    repo.mark_base();
    repo.write("schemas/post.schema.json", &strict_post);
    repo.commit("a title is required");

    let (code, report) = repo.check(&["--base", "base"]);
    assert_eq!(code, 1, "{report}");
    let impact = &report["impact"];
    assert_eq!(impact["note"], Value::Null, "{impact}");
    assert_eq!(impact["changed"], serde_json::json!(["schemas"]));
    let group = &impact["groups"][0];
    assert_eq!(group["entry"], "schemas (as a whole)", "{impact}");
    assert_eq!(
        group["posts"][0]["path"], "content/posts/untitled.md",
        "{impact}"
    );
    assert_eq!(
        group["posts"][0]["newly_blocked"],
        serde_json::json!(["post.schema"])
    );
}
