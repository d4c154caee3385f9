//! End-to-end tests of `cargo xtask publish` on the small repository in
//! `tests/publish/repo/`, published at several moments: which posts are in
//! every feed, what the feeds say, that they validate (JSON Feed 1.1 schema,
//! Python's feedparser for Atom), that images lose their metadata, that the
//! output is byte-for-byte deterministic, and that a crash while writing
//! leaves the previous output whole.
//!
//! The fixture's posts: `draft-post` and `review-post` (never published),
//! `everyone-tip` (every network, an image, no audience), `sales-story`
//! (sales; a bare `expires_at` of 2027-02-28: gone from 00:00 that day),
//! `expired-post` (engineering; expires 2027-01-31), `hostile` (markup and control characters in every
//! field), `gif-post` (an image that cannot be stripped: withheld),
//! `early-gizmo` (names a product before its announcement: withheld until
//! it, then published, since publish judges the calendar at `--now`),
//! `leaky-numbers` (a policy error: withheld), `gizmo-launch` (due the
//! moment gizmo is announced), `future-post` (due 2027-03-15).

use crate::support::{copy_tree, scratch, workspace};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BASE: &str = "https://fixture.example/hub/";
/// The test hook that plants a selection bug: publish this post even if
/// selection withholds it.
const PLANT: &str = "ONMESSAGE_PUBLISH_PLANT_SELECTION_BUG";

/// Nothing is due yet.
const BEFORE_ALL: &str = "2027-01-01T00:00:00Z";
/// Three posts are live and nothing is withheld.
const MID_JANUARY: &str = "2027-01-15T12:00:00Z";
/// `expired-post` has expired; three approved posts are withheld.
const MID_FEBRUARY: &str = "2027-02-15T00:00:00Z";
/// `sales-story` has expired; gizmo is announced, `gizmo-launch` is live.
const MARCH: &str = "2027-03-02T00:00:00Z";
/// `future-post` is due.
const APRIL: &str = "2027-04-01T00:00:00Z";

/// A copy of the fixture repository inside `dir`.
fn fixture(dir: &Path) -> PathBuf {
    let root = dir.join("repo");
    copy_tree(&workspace().join("tests/publish/repo"), &root);
    root
}

fn publish_with(
    root: &Path,
    now: &str,
    out: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["publish", "--now", now, "--root"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("NO_COLOR", "1")
        .env_remove("ONMESSAGE_PUBLISH_ABORT_AFTER")
        .env_remove(PLANT);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().unwrap()
}

fn publish(root: &Path, now: &str, out: &Path) -> Output {
    publish_with(root, now, out, &["--base-url", BASE], &[])
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `dir`: relative path → bytes.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn json_ids(path: &Path) -> Vec<String> {
    json(path)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// Entry ids of an Atom feed, with the URN prefix removed.
fn atom_ids(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let re =
        regex::Regex::new(r"<entry>\s*<id>urn:onmessage:example\.com:post:([^<]+)</id>").unwrap();
    re.captures_iter(&text).map(|c| c[1].to_string()).collect()
}

fn hub_ids(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let re = regex::Regex::new(r#"<article class="card" id="([^"]+)""#).unwrap();
    re.captures_iter(&text).map(|c| c[1].to_string()).collect()
}

/// `withheld: `id` ...` lines of stderr with the rule ids listed under each.
fn withheld(stderr: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in stderr.lines() {
        if let Some(rest) = line.strip_prefix("withheld: `") {
            out.push((rest.split('`').next().unwrap().to_string(), Vec::new()));
        } else if let (Some(rest), Some(last)) = (line.strip_prefix("  "), out.last_mut()) {
            let rule = rest.split([' ', ':']).next().unwrap();
            last.1.push(rule.to_string());
        }
    }
    out
}

struct Expected {
    now: &'static str,
    code: i32,
    all: &'static [&'static str],
    audiences: &'static [(&'static str, &'static [&'static str])],
    withheld: &'static [(&'static str, &'static [&'static str])],
}

/// After gizmo's announcement `early-gizmo` is published: judged at `--now`.
const WITHHELD_AFTER_FEBRUARY: &[(&str, &[&str])] = &[
    ("gif-post", &["publish.image"]),
    ("leaky-numbers", &["confidential.financials"]),
];

const EXPECTED: &[Expected] = &[
    Expected {
        now: BEFORE_ALL,
        code: 0,
        all: &[],
        audiences: &[],
        withheld: &[],
    },
    Expected {
        now: MID_JANUARY,
        code: 0,
        all: &["sales-story", "everyone-tip", "expired-post"],
        audiences: &[
            ("engineering", &["everyone-tip", "expired-post"]),
            ("sales", &["sales-story", "everyone-tip"]),
        ],
        withheld: &[],
    },
    Expected {
        now: MID_FEBRUARY,
        code: 1,
        all: &["hostile", "sales-story", "everyone-tip"],
        audiences: &[
            ("design", &["hostile", "everyone-tip"]),
            ("engineering", &["hostile", "everyone-tip"]),
            ("sales", &["sales-story", "everyone-tip"]),
        ],
        withheld: &[
            // Judged at --now: still embargoed (named in the copy and in
            // the file name, which the id comes from).
            ("early-gizmo", &["product.embargo", "product.embargo"]),
            ("gif-post", &["publish.image"]),
            ("leaky-numbers", &["confidential.financials"]),
        ],
    },
    Expected {
        now: MARCH,
        code: 1,
        all: &["gizmo-launch", "early-gizmo", "hostile", "everyone-tip"],
        audiences: &[
            (
                "design",
                &["gizmo-launch", "early-gizmo", "hostile", "everyone-tip"],
            ),
            (
                "engineering",
                &["gizmo-launch", "early-gizmo", "hostile", "everyone-tip"],
            ),
        ],
        withheld: WITHHELD_AFTER_FEBRUARY,
    },
    Expected {
        now: APRIL,
        code: 1,
        all: &[
            "future-post",
            "gizmo-launch",
            "early-gizmo",
            "hostile",
            "everyone-tip",
        ],
        audiences: &[
            (
                "design",
                &["gizmo-launch", "early-gizmo", "hostile", "everyone-tip"],
            ),
            (
                "engineering",
                &[
                    "future-post",
                    "gizmo-launch",
                    "early-gizmo",
                    "hostile",
                    "everyone-tip",
                ],
            ),
        ],
        withheld: WITHHELD_AFTER_FEBRUARY,
    },
];

#[test]
fn every_feed_holds_exactly_the_posts_shareable_at_now() {
    let dir = scratch("publish-moments");
    let root = fixture(&dir);
    for expected in EXPECTED {
        let now = expected.now;
        let out = dir.join(format!("out-{}", &now[..10]));
        let output = publish(&root, now, &out);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(expected.code), "{now}: {err}");

        let all: Vec<String> = expected.all.iter().map(|s| s.to_string()).collect();
        assert_eq!(json_ids(&out.join("feed.json")), all, "{now}: feed.json");
        assert_eq!(atom_ids(&out.join("feed.xml")), all, "{now}: feed.xml");
        assert_eq!(hub_ids(&out.join("index.html")), all, "{now}: index.html");

        let dirs: Vec<String> = match std::fs::read_dir(out.join("audiences")) {
            Ok(entries) => {
                let mut d: Vec<String> = entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                d.sort();
                d
            }
            Err(_) => Vec::new(),
        };
        let names: Vec<&str> = expected.audiences.iter().map(|(a, _)| *a).collect();
        assert_eq!(dirs, names, "{now}: audience feeds");
        for (audience, ids) in expected.audiences {
            let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
            let feed = out.join("audiences").join(audience);
            assert_eq!(
                json_ids(&feed.join("feed.json")),
                ids,
                "{now}: {audience} json"
            );
            assert_eq!(
                atom_ids(&feed.join("feed.xml")),
                ids,
                "{now}: {audience} atom"
            );
        }

        let named = withheld(&err);
        let expected_withheld: Vec<(String, Vec<String>)> = expected
            .withheld
            .iter()
            .map(|(id, rules)| {
                (
                    id.to_string(),
                    rules.iter().map(|r| r.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(named, expected_withheld, "{now}: withheld\n{err}");
    }
}

#[test]
fn withheld_posts_are_named_with_their_reasons() {
    let dir = scratch("publish-withheld");
    let root = fixture(&dir);
    let output = publish(&root, MID_FEBRUARY, &dir.join("out"));
    let err = stderr(&output);
    for needle in [
        "withheld: `leaky-numbers` (content/posts/2027/leaky-numbers.md) is approved and due but was withheld:",
        "  confidential.financials (line 9): Company financial information stays inside the company: 'revenue' in the default copy",
        "  publish.image: image `media/anim.gif` cannot be published: GIF images are not supported",
        "  product.embargo (line 8): gizmo ('Gizmo') is embargoed until 2027-03-01 09:00-05:00 EST, but it is 2027-02-14 19:00-05:00 EST (--now)",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("published 3 posts") && stdout.contains("3 withheld"),
        "{stdout}"
    );
}

#[test]
fn a_bare_expiry_date_is_midnight_at_the_start_of_that_day_in_the_policy_time_zone() {
    let dir = scratch("publish-expiry");
    let root = fixture(&dir);
    // expired-post: expires_at 2027-01-31 in America/New_York means
    // 2027-01-31T00:00:00-05:00 = 2027-01-31T05:00:00Z (SPEC, second
    // edition: a bare date is 00:00 of that day; the post leaves the feed
    // when that day begins).
    for (now, live) in [
        ("2027-01-30T23:59:59-05:00", true),
        ("2027-01-31T04:59:59Z", true),
        ("2027-01-31T05:00:00Z", false),
        ("2027-01-31T23:59:59-05:00", false),
    ] {
        let out = dir.join("out");
        let output = publish(&root, now, &out);
        assert!(
            output.status.code().is_some_and(|c| c < 2),
            "{}",
            stderr(&output)
        );
        let ids = json_ids(&out.join("feed.json"));
        assert_eq!(
            ids.contains(&"expired-post".to_string()),
            live,
            "{now}: {ids:?}"
        );
    }
    // gizmo-launch is due exactly when gizmo is announced.
    let out = dir.join("out");
    publish(&root, "2027-03-01T13:59:59Z", &out);
    assert!(!json_ids(&out.join("feed.json")).contains(&"gizmo-launch".to_string()));
    publish(&root, "2027-03-01T14:00:00Z", &out);
    assert!(json_ids(&out.join("feed.json")).contains(&"gizmo-launch".to_string()));
}

#[test]
fn json_feed_items_carry_the_spec_fields_and_extension() {
    let dir = scratch("publish-fields");
    let root = fixture(&dir);
    let out = dir.join("out");
    publish(&root, MID_FEBRUARY, &out);
    let feed = json(&out.join("feed.json"));
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "Fixture Corp: posts to share");
    assert_eq!(feed["home_page_url"], BASE);
    assert_eq!(feed["feed_url"], format!("{BASE}feed.json"));
    assert_eq!(feed["authors"][0]["name"], "Fixture Corp");
    assert_eq!(feed["icon"], format!("{BASE}icon.svg"));
    assert_eq!(feed["favicon"], format!("{BASE}icon.svg"));

    let items = feed["items"].as_array().unwrap();
    let item = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();

    let tip = item("everyone-tip");
    assert_eq!(tip["title"], "Tip: one command to set up a laptop");
    assert_eq!(tip["url"], format!("{BASE}posts/everyone-tip/"));
    assert_eq!(tip["date_published"], "2027-01-05T14:00:00Z");
    assert_eq!(tip["tags"], serde_json::json!(["learning", "tools"]));
    assert_eq!(
        tip["external_url"],
        "https://example.com/tip?ref=hub&utm_source=feed&utm_medium=employee_advocacy&utm_campaign=everyone-tip#setup"
    );
    assert_eq!(
        tip["content_text"],
        "New laptop? Our setup script takes it from unboxed to ready in one command, and it is open source.\n\nStep by step guide: https://example.com/tip?ref=hub&utm_source=feed&utm_medium=employee_advocacy&utm_campaign=everyone-tip#setup"
    );
    let image = tip["image"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^https://fixture\.example/hub/media/photo-[0-9a-f]{12}\.png$")
            .unwrap()
            .is_match(image),
        "{image}"
    );
    let ext = &tip["_onmessage"];
    assert_eq!(ext["about"], format!("{BASE}about.html"));
    assert_eq!(ext["audiences"], serde_json::json!([]));
    assert_eq!(ext["products"], serde_json::json!([]));
    assert_eq!(ext["expires_at"], Value::Null);
    assert_eq!(
        ext["image_alt"],
        "A laptop on a desk showing a terminal with one command"
    );

    let x = &ext["platforms"]["x"];
    let x_text = "New laptop 🚀 one command and you're done. 日本語 too. Guide: https://example.com/tip?ref=hub&utm_source=x&utm_medium=employee_advocacy&utm_campaign=everyone-tip#setup";
    assert_eq!(x["text"], x_text);
    // 11 + 2 (emoji) + 30 + 6 (three CJK characters) + 13 + 23 (any URL).
    assert_eq!(x["length"], 85);
    assert_eq!(x["max_length"], 280);
    assert_eq!(
        x["share_url"],
        format!(
            "https://x.com/intent/post?text={}",
            onmessage_feed::encode::percent(x_text)
        )
    );
    let linkedin = &ext["platforms"]["linkedin"];
    assert!(
        !linkedin["text"]
            .as_str()
            .unwrap()
            .contains("utm_source=feed")
    );
    assert!(
        linkedin["text"]
            .as_str()
            .unwrap()
            .contains("utm_source=linkedin")
    );
    assert_eq!(
        linkedin["share_url"],
        "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fexample.com%2Ftip%3Fref%3Dhub%26utm_source%3Dlinkedin%26utm_medium%3Demployee_advocacy%26utm_campaign%3Deveryone-tip%23setup"
    );
    assert!(ext["platforms"]["facebook"]["share_url"]
        .as_str()
        .unwrap()
        .starts_with("https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fexample.com%2Ftip%3Fref%3Dhub%26utm_source%3Dfacebook"));
    assert_eq!(ext["platforms"]["instagram"]["share_url"], Value::Null);
    assert_eq!(
        ext["platforms"]["instagram"]["text"],
        "New laptop? One command and you are ready to work. Link in bio. #setup #tools"
    );
    for p in ["threads", "bluesky", "mastodon"] {
        let text = ext["platforms"][p]["text"].as_str().unwrap();
        assert!(text.contains(&format!("utm_source={p}&")), "{p}: {text}");
    }
    // Networks in the post's order.
    let raw = std::fs::read_to_string(out.join("feed.json")).unwrap();
    let order: Vec<usize> = [
        "linkedin",
        "x",
        "facebook",
        "instagram",
        "threads",
        "bluesky",
        "mastodon",
    ]
    .iter()
    .map(|p| raw.find(&format!("\"{p}\": {{")).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

    let story = item("sales-story");
    assert_eq!(story["date_published"], "2027-01-10T05:00:00Z");
    assert_eq!(
        story["_onmessage"]["audiences"],
        serde_json::json!(["sales"])
    );
    assert_eq!(
        story["_onmessage"]["products"],
        serde_json::json!(["gadget"])
    );
    // A bare `expires_at: 2027-02-28` is 00:00 that day in New York.
    assert_eq!(story["_onmessage"]["expires_at"], "2027-02-28T05:00:00Z");

    let hostile = item("hostile");
    assert_eq!(
        hostile["title"],
        "<script>window.__pwned=1</script> & \"quotes\" 'too'"
    );
}

fn json_feed_validator() -> jsonschema::Validator {
    let schema = json(&workspace().join("tests/conformance/jsonfeed/jsonfeed-1.1.schema.json"));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the JSON Feed schema compiles")
}

#[test]
fn the_json_feed_schema_rejects_what_the_spec_forbids() {
    let validator = json_feed_validator();
    let ok = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [{"id": "a", "content_text": "x", "date_published": "2027-01-01T00:00:00Z", "_x": {}}]
    });
    assert!(validator.is_valid(&ok));
    // Links relative to the feed file, as a relative --base-url writes them.
    let relative = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "home_page_url": "../../",
        "feed_url": "../../audiences/a/feed.json",
        "icon": "./icon.svg",
        "items": [{"id": "a", "content_text": "x", "url": "../../posts/a/", "image": "../../media/p.png"}]
    });
    assert!(validator.is_valid(&relative));
    let bad = [
        serde_json::json!({"version": "https://jsonfeed.org/version/1", "title": "t", "items": []}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "items": []}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a"}]}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": 1, "content_text": ""}]}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a", "content_text": "", "date_published": "yesterday"}]}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a", "content_text": "", "onmessage": {}}]}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [], "_ext": "not an object"}),
        // Not URI references at all.
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "home_page_url": "https://a b/", "items": []}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "icon": "http://[", "items": []}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a", "content_text": "", "url": "posts\\a/"}]}),
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a", "content_text": "", "date_modified": "2027-01-01"}]}),
    ];
    for feed in bad {
        assert!(!validator.is_valid(&feed), "{feed}");
    }
}

#[test]
fn every_json_feed_validates_against_json_feed_1_1() {
    let validator = json_feed_validator();
    let dir = scratch("publish-schema");
    let root = fixture(&dir);
    for (now, base) in [
        (BEFORE_ALL, BASE),
        (MID_FEBRUARY, BASE),
        (MID_FEBRUARY, "./"),
        (APRIL, "./"),
    ] {
        let out = dir.join("out");
        publish_with(&root, now, &out, &["--base-url", base], &[]);
        for (path, bytes) in read_tree(&out) {
            if !path.ends_with("feed.json") {
                continue;
            }
            let feed: Value = serde_json::from_slice(&bytes).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&feed)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{now} {path}: {errors:#?}");
        }
    }
}

/// Python with feedparser, or why it cannot run (a failure under CI=true).
fn feedparser() -> Option<()> {
    let probe = Command::new("python3")
        .args(["-c", "import feedparser"])
        .output();
    match probe {
        Ok(o) if o.status.success() => Some(()),
        _ => {
            let why =
                "python3 with feedparser is not installed (python3 -m pip install feedparser)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}; CI must run this test");
            }
            eprintln!("skipped: {why}");
            None
        }
    }
}

const FEEDPARSER_SCRIPT: &str = r#"
import json, sys, feedparser
# argv[2], when given, is the address the feed is served from: relative
# links are resolved against it, as a reader that fetched it there would.
headers = {"content-location": sys.argv[2], "content-type": "application/xml"} if len(sys.argv) > 2 else {}
d = feedparser.parse(sys.argv[1], response_headers=headers)
print(json.dumps({
    "bozo": bool(d.bozo),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "id": d.feed.get("id"),
    "updated": d.feed.get("updated"),
    "author": d.feed.get("author"),
    "links": [[l.get("rel"), l.get("href")] for l in d.feed.get("links", [])],
    "image": d.feed.get("image", {}).get("href"),
    "icon": d.feed.get("icon"),
    "entries": [{
        "id": e.get("id"),
        "title": e.get("title"),
        "updated": e.get("updated"),
        "published": e.get("published"),
        "links": [[l.get("rel"), l.get("href")] for l in e.get("links", [])],
        "content": [c.get("value") for c in e.get("content", [])],
        "tags": [t.get("term") for t in e.get("tags", [])],
    } for e in d.entries],
}))
"#;

fn parse_atom(path: &Path) -> Value {
    parse_feed(path, "atom10")
}

/// The feed as feedparser reads it, well-formed and of `version`.
fn parse_feed(path: &Path, version: &str) -> Value {
    parse_feed_from(path, version, None)
}

/// As `parse_feed`, its relative links resolved against `address`.
fn parse_feed_from(path: &Path, version: &str, address: Option<&str>) -> Value {
    let output = Command::new("python3")
        .args(["-c", FEEDPARSER_SCRIPT])
        .arg(path)
        .args(address)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let parsed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        parsed["bozo"],
        false,
        "{} is not well-formed: {}",
        path.display(),
        parsed["bozo_exception"]
    );
    assert_eq!(parsed["version"], version, "{}", path.display());
    parsed
}

#[test]
fn rss_feeds_parse_in_feedparser_as_rss_2() {
    if feedparser().is_none() {
        return;
    }
    let dir = scratch("publish-feedparser-rss");
    let root = fixture(&dir);
    let out = dir.join("out");
    publish(&root, MID_FEBRUARY, &out);

    let feed = parse_feed(&out.join("feed.rss"), "rss20");
    assert_eq!(feed["title"], "Fixture Corp: posts to share");
    let links = feed["links"].as_array().unwrap();
    assert!(
        links.contains(&serde_json::json!(["self", format!("{BASE}feed.rss")])),
        "{links:?}"
    );
    let entries = feed["entries"].as_array().unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["hostile", "sales-story", "everyone-tip"],
        "guid is the post id"
    );
    let hostile = &entries[0];
    assert_eq!(
        hostile["title"],
        "<script>window.__pwned=1</script> & \"quotes\" 'too'"
    );
    assert_eq!(hostile["published"], "Wed, 20 Jan 2027 05:00:00 +0000");
    assert_eq!(hostile["tags"], serde_json::json!(["<b>bold</b>"]));
    for entry in entries {
        let page = format!("{BASE}posts/{}/", entry["id"].as_str().unwrap());
        assert!(
            entry["links"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(["alternate", page])),
            "every post links its own page: {entry}"
        );
    }
    assert_eq!(feed["image"], format!("{BASE}icon.svg"));
    let tip = &entries[2];
    let enclosure = tip["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l[0] == "enclosure")
        .unwrap_or_else(|| panic!("{tip}"));
    assert!(
        enclosure[1]
            .as_str()
            .unwrap()
            .starts_with(&format!("{BASE}media/")),
        "{enclosure}"
    );
    for audience in ["design", "engineering", "sales"] {
        parse_feed(&out.join(format!("audiences/{audience}/feed.rss")), "rss20");
    }
}

#[test]
fn atom_feeds_parse_in_feedparser() {
    if feedparser().is_none() {
        return;
    }
    let dir = scratch("publish-feedparser");
    let root = fixture(&dir);
    let out = dir.join("out");
    publish(&root, MID_FEBRUARY, &out);

    let feed = parse_atom(&out.join("feed.xml"));
    assert_eq!(feed["title"], "Fixture Corp: posts to share");
    assert_eq!(feed["id"], "urn:onmessage:example.com:feed");
    assert_eq!(feed["updated"], "2027-01-20T05:00:00Z");
    assert_eq!(feed["author"], "Fixture Corp");
    let links = feed["links"].as_array().unwrap();
    assert!(
        links.contains(&serde_json::json!(["alternate", BASE])),
        "{links:?}"
    );
    assert!(links.contains(&serde_json::json!(["self", format!("{BASE}feed.xml")])));

    let entries = feed["entries"].as_array().unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "urn:onmessage:example.com:post:hostile",
            "urn:onmessage:example.com:post:sales-story",
            "urn:onmessage:example.com:post:everyone-tip"
        ]
    );
    let hostile = &entries[0];
    assert_eq!(
        hostile["title"],
        "<script>window.__pwned=1</script> & \"quotes\" 'too'"
    );
    assert_eq!(hostile["published"], "2027-01-20T05:00:00Z");
    assert_eq!(hostile["updated"], "2027-01-20T05:00:00Z");
    assert_eq!(hostile["tags"], serde_json::json!(["<b>bold</b>"]));
    assert!(
        hostile["links"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!([
                "alternate",
                format!("{BASE}posts/hostile/")
            ]))
    );
    let tip = &entries[2];
    assert_eq!(tip["title"], "Tip: one command to set up a laptop");
    assert_eq!(tip["published"], "2027-01-05T14:00:00Z");
    let tip_links = tip["links"].as_array().unwrap();
    assert!(tip_links.contains(&serde_json::json!([
        "related",
        "https://example.com/tip?ref=hub&utm_source=feed&utm_medium=employee_advocacy&utm_campaign=everyone-tip#setup"
    ])));
    assert!(
        tip_links
            .iter()
            .any(|l| l[0] == "enclosure" && l[1].as_str().unwrap().contains("/media/photo-"))
    );

    for audience in ["design", "engineering", "sales"] {
        parse_atom(&out.join(format!("audiences/{audience}/feed.xml")));
    }
    let empty = dir.join("empty");
    publish(&root, BEFORE_ALL, &empty);
    let parsed = parse_atom(&empty.join("feed.xml"));
    assert_eq!(parsed["entries"], serde_json::json!([]));
    assert_eq!(parsed["updated"], "2027-01-01T00:00:00Z");
}

#[test]
fn the_hub_escapes_post_text_and_allows_only_its_own_script_and_style() {
    let dir = scratch("publish-hub-static");
    let root = fixture(&dir);
    let out = dir.join("out");
    publish(&root, MID_FEBRUARY, &out);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the hub's own script"
    );
    assert_eq!(html.matches("<style").count(), 1);
    for raw in [
        "<script>window.__pwned",
        "<img src=x",
        "</textarea><script>",
        "<b>bold</b>",
        "\u{1}",
        "\u{c}",
    ] {
        assert!(!html.contains(raw), "{raw:?} reached the page unescaped");
    }
    assert!(html.contains("<h2 id=\"hostile__title\">&lt;script&gt;window.__pwned=1&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;</h2>"));
    assert!(
        html.contains("alt=\"&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=4&quot;&gt;\"")
    );

    let between = |start: &str, end: &str| {
        let from = html.find(start).unwrap() + start.len();
        let to = from + html[from..].find(end).unwrap();
        html[from..to].to_string()
    };
    let script = between("<script>", "</script>");
    let style = between("<style>", "</style>");
    let csp =
        between("http-equiv=\"Content-Security-Policy\" content=\"", "\"").replace("&#39;", "'");
    assert_eq!(
        csp,
        format!(
            "default-src 'none'; img-src 'self'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
            onmessage_feed::encode::csp_hash(&style),
            onmessage_feed::encode::csp_hash(&script)
        )
    );
    // No external requests: every src and href that loads something is relative.
    let re = regex::Regex::new(r#"<(img|link|script)[^>]*\s(src|href)="([^"]*)""#).unwrap();
    for c in re.captures_iter(&html) {
        assert!(!c[3].contains(':'), "{} loads {}", &c[1], &c[3]);
    }
}

#[test]
fn published_images_lose_their_metadata_but_keep_their_pixels() {
    let dir = scratch("publish-images");
    let root = fixture(&dir);
    let out = dir.join("out");
    publish(&root, MID_FEBRUARY, &out);
    let tree = read_tree(&out);
    let media: Vec<&String> = tree.keys().filter(|k| k.starts_with("media/")).collect();
    assert_eq!(media.len(), 1, "one image shared by two posts: {media:?}");
    let published = &tree[media[0]];
    let original = std::fs::read(root.join("content/media/photo.png")).unwrap();
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&original))
            .is_ok(),
        "the fixture has EXIF"
    );
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(published))
            .is_err(),
        "EXIF survived"
    );
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    for secret in [&b"Jane Doe"[..], b"SecretCo", b"tEXt", b"eXIf", b"tIME"] {
        assert!(contains(&original, secret));
        assert!(
            !contains(published, secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    // The pixels: IHDR and IDAT chunks are copied byte for byte.
    let chunks = |png: &[u8]| {
        let mut i = 8;
        let mut kept = Vec::new();
        while i + 8 <= png.len() {
            let len = u32::from_be_bytes(png[i..i + 4].try_into().unwrap()) as usize;
            let kind = &png[i + 4..i + 8];
            if kind == b"IHDR" || kind == b"IDAT" || kind == b"IEND" {
                kept.extend_from_slice(&png[i..i + 12 + len]);
            }
            i += 12 + len;
        }
        kept
    };
    assert_eq!(&published[..8], &original[..8]);
    assert_eq!(&published[8..], chunks(&original).as_slice());
    let html = String::from_utf8_lossy(&tree["index.html"]).into_owned();
    assert!(html.contains(&format!("src=\"{}\"", media[0])));
}

#[test]
fn the_same_repository_and_now_give_byte_identical_output() {
    let dir = scratch("publish-deterministic");
    let root = fixture(&dir);
    let first = dir.join("first");
    let second = dir.join("elsewhere/second");
    for out in [&first, &second] {
        let output = publish(&root, MID_FEBRUARY, out);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    }
    let a = read_tree(&first);
    let b = read_tree(&second);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(b[path] == *bytes, "{path} differs");
    }
    // Nothing of the machine leaks in: no absolute paths.
    let needle = dir.to_string_lossy().into_owned();
    for (path, bytes) in &a {
        assert!(!String::from_utf8_lossy(bytes).contains(&needle), "{path}");
    }
    // Publishing again over the same output changes nothing either.
    publish(&root, MID_FEBRUARY, &first);
    assert!(read_tree(&first) == a);
}

/// Directories a publish left beside its output (the lock file stays by design).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".publish-") && !n.ends_with(".publish-lock"))
        .collect()
}

#[test]
fn a_crash_while_writing_leaves_the_previous_output_whole() {
    let dir = scratch("publish-crash");
    let root = fixture(&dir);
    let out = dir.join("public");
    let output = publish(&root, MID_JANUARY, &out);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let before = read_tree(&out);

    let reference = dir.join("reference");
    publish(&root, MID_FEBRUARY, &reference);
    let after = read_tree(&reference);

    for stop in [0, 1, 4, after.len()] {
        let output = publish_with(
            &root,
            MID_FEBRUARY,
            &out,
            &["--base-url", BASE],
            &[("ONMESSAGE_PUBLISH_ABORT_AFTER", &stop.to_string())],
        );
        assert_eq!(
            output.status.code(),
            None,
            "stop after {stop}: killed by a signal"
        );
        assert!(
            read_tree(&out) == before,
            "stop after {stop}: the previous output changed"
        );
        let partial = read_tree(&dir.join(".public.publish-new"));
        assert_eq!(
            partial.len(),
            stop,
            "stop after {stop}: files written before the crash"
        );
    }

    let output = publish(&root, MID_FEBRUARY, &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        read_tree(&out) == after,
        "the next run writes the full output"
    );
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn publish_exits_2_when_it_cannot_run_and_leaves_the_output_alone() {
    let dir = scratch("publish-cannot-run");
    let root = fixture(&dir);
    let out = dir.join("public");
    publish(&root, MID_JANUARY, &out);
    let before = read_tree(&out);

    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let precious = dir.join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("notes.txt"), "keep me").unwrap();

    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--now".into(), "soon".into()],
            "--now 'soon' is not an RFC 3339 date-time",
        ),
        (
            vec!["--out".into(), file.join("public").to_string_lossy().into()],
            "cannot",
        ),
        (
            vec!["--out".into(), file.to_string_lossy().into()],
            "is not a directory",
        ),
        (
            vec!["--out".into(), root.to_string_lossy().into()],
            "is the repository or contains it",
        ),
        (
            vec!["--out".into(), precious.to_string_lossy().into()],
            "refusing to replace it",
        ),
        (
            vec!["--base-url".into(), "javascript:alert(1)".into()],
            "--base-url",
        ),
    ];
    for (args, needle) in cases {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(["publish", "--root"]).arg(&root).args(&args);
        if !args.contains(&"--now".to_string()) {
            cmd.args(["--now", MID_FEBRUARY]);
        }
        if !args.contains(&"--out".to_string()) {
            cmd.arg("--out").arg(&out);
        }
        let output = cmd.env("NO_COLOR", "1").output().unwrap();
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in {err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(precious.join("notes.txt")).unwrap(),
        "keep me"
    );

    // An invalid policy stops publish before it touches the output.
    std::fs::write(
        root.join("policies/policy.yaml"),
        "version: 1\ncompany: [\n",
    )
    .unwrap();
    let output = publish(&root, MID_FEBRUARY, &out);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("policies/policy.yaml"));
    assert!(read_tree(&out) == before);

    let output = publish(&dir.join("nowhere"), MID_FEBRUARY, &out);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_shipped_example_publishes_cleanly() {
    let dir = scratch("publish-example");
    let out = dir.join("public");
    let output = publish(&workspace(), "2027-02-15T00:00:00Z", &out);
    // Every approved, due post of the example company is publishable: nothing withheld.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let ids = json_ids(&out.join("feed.json"));
    assert!(ids.contains(&"widget-pro-is-here".to_string()), "{ids:?}");
}

/// Arguments for a publish of the fixture, as `publish` passes them.
fn publish_command(root: &Path, now: &str, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["publish", "--now", now, "--base-url", BASE, "--root"])
        .arg(root)
        .arg("--out")
        .arg(out);
    cmd.env_remove("ONMESSAGE_PUBLISH_ABORT_AFTER");
    cmd
}

#[test]
fn racing_publishes_leave_one_whole_result() {
    let dir = scratch("publish-race");
    let root = fixture(&dir);
    let reference = dir.join("reference");
    let expected = publish(&root, MID_FEBRUARY, &reference).status.code();
    let out = dir.join("public");
    // All four start before any is waited for: they race for the output.
    let racers: Vec<_> = (0..4)
        .map(|_| {
            publish_command(&root, MID_FEBRUARY, &out)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for racer in racers {
        let racer = racer.wait_with_output().unwrap();
        assert_eq!(racer.status.code(), expected, "{}", stderr(&racer));
    }
    assert_eq!(read_tree(&out), read_tree(&reference));
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with("publish-new") || name.ends_with("publish-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A small tmpfs at `dir`, when this test runs as root and may mount; `None`
/// (with the reason printed) otherwise.
fn tmpfs(dir: &Path, size: &str) -> Option<Tmpfs> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("skipped: needs root to mount a tmpfs");
        return None;
    }
    std::fs::create_dir_all(dir).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        println!("skipped: mounting a tmpfs failed here");
        return None;
    }
    Some(Tmpfs(dir.to_path_buf()))
}

struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_ends_with_a_clear_error_and_the_previous_output_whole() {
    let dir = scratch("publish-full-disk");
    let root = fixture(&dir);
    let Some(disk) = tmpfs(&dir.join("disk"), "2m") else {
        return;
    };
    let out = disk.0.join("public");
    let first = publish(&root, MID_JANUARY, &out);
    assert!(
        matches!(first.status.code(), Some(0 | 1)),
        "{}",
        stderr(&first)
    );
    let before = read_tree(&out);
    // Fill what is left of the disk.
    let filler = disk.0.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while std::io::Write::write_all(&mut file, &chunk).is_ok() {}
    drop(file);

    let second = publish(&root, MID_FEBRUARY, &out);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("No space left on device"),
        "{}",
        stderr(&second)
    );
    assert_eq!(read_tree(&out), before, "the previous output is untouched");
}

#[test]
fn a_read_only_output_ends_with_a_clear_error_and_the_previous_output_whole() {
    let dir = scratch("publish-read-only");
    let root = fixture(&dir);
    let Some(disk) = tmpfs(&dir.join("disk"), "8m") else {
        return;
    };
    let out = disk.0.join("public");
    let first = publish(&root, MID_JANUARY, &out);
    assert!(
        matches!(first.status.code(), Some(0 | 1)),
        "{}",
        stderr(&first)
    );
    let before = read_tree(&out);
    let remounted = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&disk.0)
        .status()
        .unwrap();
    assert!(remounted.success());

    let second = publish(&root, MID_FEBRUARY, &out);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("Read-only file system"),
        "{}",
        stderr(&second)
    );
    assert_eq!(read_tree(&out), before, "the previous output is untouched");
}

#[test]
fn a_publish_waits_while_another_holds_the_output() {
    let dir = scratch("publish-lock");
    let root = fixture(&dir);
    let out = dir.join("public");
    // Hold the lock a running publish would hold.
    let lock = std::fs::File::create(dir.join(".public.publish-lock")).unwrap();
    lock.lock().unwrap();
    let mut waiting = publish_command(&root, MID_FEBRUARY, &out).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "publish did not wait for the lock"
    );
    assert!(
        !out.exists(),
        "nothing is written while another publish holds the output"
    );
    drop(lock);
    let status = waiting.wait().unwrap();
    assert!(matches!(status.code(), Some(0 | 1)));
    assert!(out.join("feed.json").is_file());
}

/// Posts that selection must withhold, added to a copy of the fixture for
/// the egress tests: a codename (between curly quotes and beside `&`, which
/// the formats escape), an internal link, an audience named after the
/// codename (a path leak), and a client never approved.
const LEAKY_POSTS: &[(&str, &str)] = &[
    (
        "content/posts/2027/field-notes.md",
        "---\ntitle: Field notes\nauthor: jane\nstatus: approved\nplatforms: [linkedin, x]\npublish_at: 2027-01-02\n---\n#employee Notes from the \u{201C}Nightjar\u{201D} team & friends.\n",
    ),
    (
        "content/posts/2027/wiki-link.md",
        "---\ntitle: Our wiki\nauthor: jane\nstatus: approved\nplatforms: [linkedin]\npublish_at: 2027-01-02\nlink: https://wiki.corp.example.com/onboarding\n---\nHow we onboard.\n",
    ),
    (
        "content/posts/2027/team-page.md",
        "---\ntitle: Team page\nauthor: jane\nstatus: approved\nplatforms: [linkedin]\npublish_at: 2027-01-02\naudiences: [nightjar-team]\n---\nA tip for the team.\n",
    ),
];

#[test]
fn the_egress_scan_stops_a_planted_selection_bug_and_keeps_the_previous_output() {
    let dir = scratch("publish-egress");
    let root = fixture(&dir);
    // The audience post is added only for its own run: `check` does not
    // scan `audiences` yet (issue 12, the matcher's part), so without the
    // plant it would be selected, and the scan would stop every publish.
    let (audience_post, others) = LEAKY_POSTS.split_last().unwrap();
    for (path, text) in others {
        std::fs::write(root.join(path), text).unwrap();
    }
    let out = dir.join("public");
    // The normal publish passes the scan: every leaky post is withheld.
    let output = publish(&root, MID_JANUARY, &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!stderr(&output).contains("leak"), "{}", stderr(&output));
    let before = read_tree(&out);
    assert!(before.contains_key("feed.json"));

    let planted =
        |id: &str, now: &str| publish_with(&root, now, &out, &["--base-url", BASE], &[(PLANT, id)]);
    for (id, now, needles) in [
        (
            "early-gizmo",
            MID_FEBRUARY,
            &[
                "'Gizmo' (the name of product gizmo, not announced at --now",
                "in feed.json line",
            ][..],
        ),
        (
            "field-notes",
            MID_JANUARY,
            &[
                "'Nightjar' (a codename of product gizmo",
                "in index.html line",
                "in feed.xml line",
            ],
        ),
        (
            "wiki-link",
            MID_JANUARY,
            &[
                "'corp.example.com' (an internal host: 'wiki.corp.example.com')",
                "in feed.json line",
            ],
        ),
        (
            "team-page",
            MID_JANUARY,
            &[
                "'Nightjar' (a codename of product gizmo",
                "in the path audiences/nightjar-team/feed.json",
            ],
        ),
    ] {
        if id == "team-page" {
            std::fs::write(root.join(audience_post.0), audience_post.1).unwrap();
        }
        let output = planted(id, now);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{id}: {err}");
        for needle in needles {
            assert!(err.contains(needle), "{id}: missing {needle:?} in:\n{err}");
        }
        assert!(
            err.contains("publish stopped before replacing") && err.contains("which is unchanged"),
            "{id}: {err}"
        );
        assert!(
            read_tree(&out) == before,
            "{id}: the previous output changed"
        );
    }
    // Without the planted bug, the same moment publishes normally, and the
    // half-written output of the stopped runs is cleaned up.
    std::fs::remove_file(root.join(audience_post.0)).unwrap();
    let output = publish(&root, MID_FEBRUARY, &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn the_egress_scan_ignores_an_intranet_base_url() {
    let dir = scratch("publish-egress-intranet");
    let root = fixture(&dir);
    let out = dir.join("public");
    let base = "https://hub.corp.example.com/advocacy/";
    let output = publish_with(&root, MID_JANUARY, &out, &["--base-url", base], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let feed = std::fs::read_to_string(out.join("feed.json")).unwrap();
    assert!(
        feed.contains("hub.corp.example.com"),
        "the base URL is in the feed"
    );
}

/// Where the test serves a relative publish from.
const SERVED_AT: &str = "http://hub.test/site/";

/// `link`, found in the output file `file`, resolved as a browser would
/// against the file's address under `SERVED_AT`: the output path it names
/// (`""` for the root), query and fragment dropped.
fn resolve(file: &str, link: &str) -> String {
    let link = link.split(['?', '#']).next().unwrap();
    let absolute = match link.strip_prefix(SERVED_AT) {
        Some(rest) => rest.to_string(),
        None => {
            assert!(!link.contains("://"), "{file}: {link} leaves the site");
            let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
            format!("{dir}/{link}")
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    let trailing = absolute.ends_with('/') || absolute.ends_with("/.") || absolute.ends_with("..");
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                assert!(
                    parts.pop().is_some(),
                    "{file}: {link} climbs out of the site"
                );
            }
            p => parts.push(p),
        }
    }
    let mut path = parts.join("/");
    if trailing && !path.is_empty() {
        path.push('/');
    }
    path
}

/// Whether the resolved output path names a file that was written (a
/// folder means its `index.html`).
fn lands(out: &Path, path: &str) -> bool {
    let file = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    out.join(&file).is_file()
}

#[test]
fn every_relative_link_resolves_from_the_folder_of_its_file() {
    let dir = scratch("publish-relative-links");
    let root = fixture(&dir);
    let out = dir.join("out");
    publish_with(&root, MID_FEBRUARY, &out, &[], &[]);
    assert!(
        !json_ids(&out.join("feed.json")).is_empty(),
        "the fixture publishes items"
    );
    let href = regex::Regex::new(r#"(?:href|url)="([^"]*)""#).unwrap();
    let text = regex::Regex::new(r"<(?:link|icon|logo|url)>([^<]*)</").unwrap();
    let mut feeds = 0;
    for (file, bytes) in read_tree(&out) {
        let mut links: Vec<String> = Vec::new();
        if file.ends_with("feed.json") {
            let feed: Value = serde_json::from_slice(&bytes).unwrap();
            for key in ["home_page_url", "feed_url", "icon", "favicon"] {
                links.push(feed[key].as_str().unwrap().to_string());
            }
            for item in feed["items"].as_array().unwrap() {
                links.push(item["url"].as_str().unwrap().to_string());
                links.push(item["_onmessage"]["about"].as_str().unwrap().to_string());
                links.extend(item["image"].as_str().map(String::from));
            }
        } else if file.ends_with("feed.xml") || file.ends_with("feed.rss") {
            let xml = String::from_utf8(bytes).unwrap();
            for re in [&href, &text] {
                links.extend(re.captures_iter(&xml).map(|c| c[1].to_string()));
            }
        } else {
            continue;
        }
        feeds += 1;
        // Links to other sites (the posts' own links, share intents) aside.
        links.retain(|l| !l.starts_with("https://"));
        assert!(links.len() >= 4, "{file}: {links:?}");
        for link in &links {
            let path = resolve(&file, link);
            assert!(
                lands(&out, &path),
                "{file}: {link} resolves to {path}, which is not in the output"
            );
        }
        // A reader that fetched the feed resolves them the same way.
        let format = match file.rsplit('.').next() {
            Some("xml") => "atom10",
            Some("rss") => "rss20",
            _ => continue,
        };
        if feedparser().is_none() {
            continue;
        }
        let parsed = parse_feed_from(
            &out.join(&file),
            format,
            Some(&format!("{SERVED_AT}{file}")),
        );
        let mut read: Vec<String> = parsed["links"]
            .as_array()
            .unwrap()
            .iter()
            .chain(
                parsed["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|e| e["links"].as_array().unwrap()),
            )
            .map(|l| l[1].as_str().unwrap().to_string())
            .collect();
        read.extend(
            ["image", "icon"]
                .iter()
                .filter_map(|k| parsed[k].as_str().map(String::from)),
        );
        read.retain(|l| !l.starts_with("https://"));
        assert!(read.len() >= 4, "{file}: {read:?}");
        // feedparser resolves most links itself (an enclosure's it leaves
        // as written): either way, joined to the feed's own address.
        for link in read {
            let path = resolve(&file, &link);
            assert!(
                lands(&out, &path),
                "{file}: feedparser resolves {link} outside the output"
            );
        }
    }
    // The main feed and three audiences, in three formats.
    assert_eq!(feeds, 12);
    // From an audience's folder, the root's files are two folders up.
    let sales = std::fs::read_to_string(out.join("audiences/sales/feed.rss")).unwrap();
    assert!(
        sales.contains("<link>../../posts/sales-story/</link>"),
        "{sales}"
    );
    assert!(sales.contains("<url>../../icon.svg</url>"), "{sales}");
    let main = std::fs::read_to_string(out.join("feed.rss")).unwrap();
    assert!(main.contains("<link>./posts/sales-story/</link>"), "{main}");
}
