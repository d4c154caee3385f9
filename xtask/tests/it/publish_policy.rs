//! Publish judges the policy's and the calendar's dates at `--now` (SPEC,
//! "Policy, second edition"): a rule that became active withholds a post
//! that passed at its `publish_at`, one that lapsed frees a post it blocked;
//! a client's approval counts from its `approved_from`; a quiet period with
//! `[all]` empties every feed (earlier posts included) and says why and
//! until when; a category quiet period withdraws the posts that trip one of
//! its categories while it lasts. Each test publishes a copy of
//! `tests/publish/repo/` with a few posts and policy entries added.

use crate::support::{copy_tree, scratch, workspace};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The publish fixture without its posts that are withheld for reasons of
/// their own (an image, an embargo, a financial term), so that exit codes
/// speak only of what each test adds.
fn fixture(dir: &Path) -> PathBuf {
    let root = dir.join("repo");
    copy_tree(&workspace().join("tests/publish/repo"), &root);
    for post in ["gif-post", "early-gizmo", "leaky-numbers"] {
        std::fs::remove_file(root.join(format!("content/posts/2027/{post}.md"))).unwrap();
    }
    root
}

fn append(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    let mut old = std::fs::read_to_string(&path).unwrap();
    old.push_str(text);
    std::fs::write(path, old).unwrap();
}

fn add_post(root: &Path, id: &str, publish_at: &str, body: &str) {
    std::fs::write(
        root.join(format!("content/posts/2027/{id}.md")),
        format!("---\ntitle: {id}\nauthor: jane\nstatus: approved\nplatforms: [linkedin]\npublish_at: {publish_at}\n---\n{body}\n"),
    )
    .unwrap();
}

fn publish(root: &Path, now: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "publish",
            "--now",
            now,
            "--base-url",
            "https://fixture.example/hub/",
        ])
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn check(root: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn feed(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("feed.json")).unwrap()).unwrap()
}

fn ids(out: &Path) -> Vec<String> {
    feed(out)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Publishes at `now` into its own directory: exit code, feed ids, stderr.
fn at(root: &Path, dir: &Path, now: &str) -> (i32, Vec<String>, String, PathBuf) {
    let out = dir.join(format!("out-{}", now.replace(':', "")));
    let output = publish(root, now, &out);
    let err = stderr(&output);
    assert_ne!(output.status.code(), Some(2), "{now}: {err}");
    (output.status.code().unwrap(), ids(&out), err, out)
}

const RULES: &str = "  - id: promo.launch-week
    severity: error
    category: marketing
    message: Launch-week wording is reserved for the launch team from February
    explain: From February the launch team owns the phrase.
    active_from: 2027-02-01
    terms: [launch week]
  - id: store.holiday-hours
    severity: error
    category: operations
    message: Holiday opening hours are not final until February
    explain: The hours change until February.
    active_until: 2027-02-01
    terms: [holiday hours]
";

#[test]
fn a_rule_that_becomes_active_withholds_and_one_that_lapses_frees() {
    let dir = scratch("publish-policy-scoped");
    let root = fixture(&dir);
    append(&root, "policies/policy.yaml", RULES);
    add_post(
        &root,
        "team-event",
        "2027-01-10",
        "#employee Join us for launch week.",
    );
    add_post(
        &root,
        "store-notice",
        "2027-01-10",
        "Our holiday hours are on the site.",
    );

    // At its publish_at, check judges `team-event` clean and blocks
    // `store-notice`.
    let (code, report) = check(&root);
    assert_eq!(code, 1, "{report}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["store.holiday-hours"]);

    let (code, january, err, _) = at(&root, &dir, "2027-01-15T12:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(january.contains(&"team-event".to_string()), "{january:?}");
    assert!(!january.contains(&"store-notice".to_string()));
    assert!(
        err.contains("withheld: `store-notice`") && err.contains("  store.holiday-hours (line 8)"),
        "{err}"
    );

    let (code, february, err, _) = at(&root, &dir, "2027-02-15T00:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        february.contains(&"store-notice".to_string()),
        "{february:?}"
    );
    assert!(!february.contains(&"team-event".to_string()));
    assert!(
        err.contains("withheld: `team-event`") && err.contains("  promo.launch-week (line 8)"),
        "{err}"
    );
    assert!(!err.contains("store-notice"), "{err}");
}

#[test]
fn a_client_may_be_named_from_its_approved_from() {
    let dir = scratch("publish-policy-client");
    let root = fixture(&dir);
    let policy = std::fs::read_to_string(root.join("policies/policy.yaml")).unwrap();
    std::fs::write(
        root.join("policies/policy.yaml"),
        policy.replace(
            "rules:\n",
            "clients:\n  - id: initech\n    names: [Initech]\n    approved_from: 2027-02-01\n    approved_until: 2027-12-31\n    note: Case study approved by Initech's marketing for 2027.\nrules:\n",
        ),
    )
    .unwrap();
    add_post(
        &root,
        "initech-story",
        "2027-01-10",
        "How Initech ships faster with our tools.",
    );

    let (code, report) = check(&root);
    assert_eq!(code, 1, "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "client.unapproved");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("starts on 2027-02-01, after this post's publish_at"),
        "{finding}"
    );
    assert!(
        finding["help"].as_str().unwrap().ends_with(
            "Note on initech's approval: Case study approved by Initech's marketing for 2027."
        ),
        "{finding}"
    );

    let (code, january, err, _) = at(&root, &dir, "2027-01-15T12:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(!january.contains(&"initech-story".to_string()));
    assert!(
        err.contains("withheld: `initech-story`")
            && err.contains("starts on 2027-02-01, after --now (2027-01-15 07:00-05:00 EST)"),
        "{err}"
    );
    // Once the approval has started the post is published, and the egress
    // scan lets the name through.
    let (code, february, err, out) = at(&root, &dir, "2027-02-03T12:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert!(february.contains(&"initech-story".to_string()), "{err}");
    // It became shareable when the client's approval started, not at its
    // earlier publish_at: an RSS reader that fetched in January takes it.
    let rss = std::fs::read_to_string(out.join("feed.rss")).unwrap();
    let item = rss
        .split("<item>")
        .find(|item| item.contains(">initech-story</guid>"))
        .unwrap();
    assert!(
        item.contains("<pubDate>Mon, 01 Feb 2027 05:00:00 +0000</pubDate>"),
        "{item}"
    );
}

#[test]
fn a_quiet_period_for_all_empties_every_feed_and_says_until_when() {
    let dir = scratch("publish-policy-quiet-all");
    let root = fixture(&dir);
    append(
        &root,
        "policies/calendar.yaml",
        "quiet_periods:\n  - name: Q4 results\n    start: 2027-01-14\n    end: 2027-01-16\n    categories: [all]\n",
    );
    // Scheduled inside, with the finding allowed: `check` lets it through,
    // publish still serves nothing while the period lasts.
    std::fs::write(
        root.join("content/posts/2027/allowed-inside.md"),
        "---\ntitle: Allowed\nauthor: jane\nstatus: approved\nplatforms: [linkedin]\npublish_at: 2027-01-14T15:00:00Z\nallow:\n  - {rule: quiet-period, reason: a safety notice Legal cleared}\n---\nPlease update the app today.\n",
    )
    .unwrap();
    let notice = "No posts are shared during the quiet period 'Q4 results' (2027-01-14 to 2027-01-16); sharing resumes 2027-01-17 00:00-05:00 EST.";

    let (code, inside, err, out) = at(&root, &dir, "2027-01-15T12:00:00Z");
    assert_eq!(code, 0, "a quiet period is the policy's decision: {err}");
    assert_eq!(
        inside,
        Vec::<String>::new(),
        "earlier posts are withdrawn too"
    );
    assert!(err.contains(&format!("note: {notice}")), "{err}");
    for post in ["everyone-tip", "allowed-inside"] {
        assert!(
            err.contains(&format!("paused: `{post}` (content/posts/2027/{post}.md)")),
            "{err}"
        );
    }
    assert!(
        feed(&out)["description"]
            .as_str()
            .unwrap()
            .starts_with(notice)
    );
    let read = |file: &str| std::fs::read_to_string(out.join(file)).unwrap();
    let escaped = notice.replace('\'', "&#39;");
    for (file, element) in [
        ("feed.xml", "<subtitle type=\"text\">"),
        ("feed.rss", "<description>"),
    ] {
        let text = read(file);
        assert!(
            text.contains(&format!("{element}{escaped}"))
                || text.contains(&format!("{element}{notice}")),
            "{file}:\n{text}"
        );
        assert!(
            !text.contains("<entry>") && !text.contains("<item>"),
            "{file}"
        );
    }
    let hub = read("index.html");
    assert!(
        hub.contains("<p class=\"notice\" role=\"status\">"),
        "{hub}"
    );
    assert!(!hub.contains("<article class=\"card\""));

    // The day after the period's last day, everything is back.
    let (code, after, err, out) = at(&root, &dir, "2027-01-17T05:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        after,
        [
            "allowed-inside",
            "sales-story",
            "everyone-tip",
            "expired-post"
        ]
    );
    assert!(
        !err.contains("note: No posts") && !err.contains("paused"),
        "{err}"
    );
    assert!(
        !feed(&out)["description"]
            .as_str()
            .unwrap()
            .contains("quiet period")
    );
}

#[test]
fn a_category_quiet_period_withdraws_the_posts_that_trip_it_while_it_lasts() {
    let dir = scratch("publish-policy-quiet-category");
    let root = fixture(&dir);
    append(
        &root,
        "policies/policy.yaml",
        "  - id: tone.hype\n    severity: warning\n    category: marketing\n    message: Superlatives read as hype\n    explain: Let the product speak.\n    terms: [revolutionary]\n",
    );
    append(
        &root,
        "policies/calendar.yaml",
        "quiet_periods:\n  - name: Launch silence\n    start: 2027-01-14\n    end: 2027-01-16\n    categories: [marketing]\n",
    );
    add_post(
        &root,
        "hype",
        "2027-01-10",
        "A revolutionary way to plan your week.",
    );

    let (code, before, err, _) = at(&root, &dir, "2027-01-12T12:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert!(before.contains(&"hype".to_string()), "{before:?}");

    let (code, inside, err, out) = at(&root, &dir, "2027-01-15T12:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(inside, ["sales-story", "everyone-tip", "expired-post"]);
    assert!(
        err.contains("paused: `hype` (content/posts/2027/hype.md)")
            && err
                .contains("tone.hype (marketing) is blocked during quiet period 'Launch silence'"),
        "{err}"
    );
    assert!(
        !err.contains("note: No posts"),
        "only [all] empties the feed: {err}"
    );
    assert!(
        !feed(&out)["description"]
            .as_str()
            .unwrap()
            .contains("quiet period")
    );

    let (_, after, err, _) = at(&root, &dir, "2027-01-17T05:00:00Z");
    assert!(after.contains(&"hype".to_string()), "{err}");
}
