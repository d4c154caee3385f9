//! What publish shares for a post written in Markdown: every output (the
//! JSON Feed's `content_text` and per-network `text`, `length`, `sha256`
//! and share URL, Atom, RSS, the hub) carries the copy as the network shows
//! it, with no Markdown syntax left, and the check counted that same text.

use crate::support::{copy_tree, scratch, workspace};
use std::process::Command;

const POST: &str = "---
title: Accessibility checklist
author: jane.doe
status: approved
platforms: [linkedin, x]
publish_at: 2027-02-10T15:00:00Z
---
We are **really proud** of the new [accessibility checklist](https://example.com/a11y):
- fast
- _accessible_ to everyone

I work at Example Corp. #employee

## x
**Really proud** of our [checklist](https://example.com/a11y) #employee
";

fn tagged(source: &str) -> String {
    format!(
        "https://example.com/a11y?utm_source={source}&utm_medium=employee_advocacy&utm_campaign=checklist"
    )
}

#[test]
fn a_markdown_body_is_published_as_the_networks_show_it() {
    let dir = scratch("publish-markdown-body");
    let root = dir.join("repo");
    copy_tree(&workspace().join("tests/base"), &root);
    let post = root.join("content/posts/2027/02/checklist.md");
    std::fs::create_dir_all(post.parent().unwrap()).unwrap();
    std::fs::write(&post, POST).unwrap();
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["publish", "--now", "2027-02-15T00:00:00Z", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .args(["--base-url", "https://hub.example/"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let feed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("feed.json")).unwrap()).unwrap();
    let item = &feed["items"][0];
    assert_eq!(item["id"], "checklist");
    let linkedin = format!(
        "We are really proud of the new accessibility checklist {}:\nfast\naccessible to everyone\n\nI work at Example Corp. #employee",
        tagged("linkedin")
    );
    let x = format!("Really proud of our checklist {} #employee", tagged("x"));
    assert_eq!(
        item["content_text"],
        linkedin.replace("utm_source=linkedin", "utm_source=feed")
    );
    let platforms = &item["_onmessage"]["platforms"];
    assert_eq!(platforms["linkedin"]["text"], linkedin.as_str());
    assert_eq!(platforms["linkedin"]["length"], linkedin.chars().count());
    assert_eq!(platforms["x"]["text"], x.as_str());
    // "Really proud of our checklist " + a link (23) + " #employee".
    assert_eq!(platforms["x"]["length"], 30 + 23 + 10);
    for (network, text) in [("linkedin", &linkedin), ("x", &x)] {
        assert_eq!(
            platforms[network]["sha256"],
            onmessage_engine::share::shared_text_sha256(text)
        );
    }
    let share_url = platforms["x"]["share_url"].as_str().unwrap();
    assert!(
        share_url.contains("Really%20proud%20of%20our%20checklist"),
        "{share_url}"
    );

    // No output keeps the Markdown: not the feeds, not the hub.
    for file in ["feed.json", "feed.xml", "feed.rss", "index.html"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        for syntax in ["**", "](", "- fast", "_accessible_"] {
            assert!(!text.contains(syntax), "{file} keeps `{syntax}`");
        }
        assert!(text.contains("Really proud of our checklist"), "{file}");
    }
}
