//! The engine's fast YAML reader (`yaml/fast.rs`) against serde-saphyr on
//! generated posts and policies and on the shipped example: wherever the
//! fast path reads a file, both give the same value and positions.

use onmessage_engine::yaml::{FastPath, compare_fast_path};

use crate::support::workspace;

/// Whether the fast reader read `text`; a different reading fails the test.
fn agrees(text: &str) -> bool {
    match compare_fast_path(text) {
        FastPath::Declined => false,
        FastPath::Agrees => true,
        FastPath::Differs(what) => panic!("the fast reader differs on {text:?}: {what}"),
    }
}

/// The front matter of a post file: the lines between the `---` fences.
fn front_matter(post: &str) -> &str {
    let start = post.find('\n').expect("a fence line") + 1;
    let end = post[start..]
        .find("\n---")
        .map_or(post.len(), |i| start + i + 1);
    &post[start..end]
}

#[test]
fn agrees_with_the_general_parser_on_generated_posts() {
    let posts = onmessage_bench::corpus::post_texts(3000, 10, 7);
    let mut fast = 0;
    for post in &posts {
        let text = front_matter(post);
        if agrees(text) {
            fast += 1;
        }
    }
    // The generator writes the shapes posts are written in: nearly all.
    assert!(fast * 100 >= posts.len() * 95, "{fast} of {}", posts.len());
}

#[test]
fn agrees_with_the_general_parser_on_generated_policies() {
    for terms in [100, 10_000] {
        let (policy, calendar) = onmessage_bench::corpus::policy_texts(terms);
        assert!(agrees(&policy), "the generated policy of {terms} terms");
        assert!(agrees(&calendar), "the generated calendar of {terms} terms");
    }
}

#[test]
fn agrees_with_the_general_parser_on_the_example_repository() {
    let root = workspace();
    let mut fast = 0;
    for file in ["policies/policy.yaml", "policies/calendar.yaml"] {
        let text = std::fs::read_to_string(root.join(file)).expect("readable");
        if agrees(&text) {
            fast += 1;
        }
    }
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(root.join("content/posts")) {
        let entry = entry.expect("readable");
        if entry.path().extension().is_some_and(|e| e == "md") {
            let post = std::fs::read_to_string(entry.path()).expect("UTF-8");
            let text = front_matter(&post);
            if agrees(text) {
                fast += 1;
            }
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen}");
    // The shipped files are written in the shapes the fast reader is for: a
    // fast path that declined them all would be compared with nothing.
    assert!(
        fast * 10 >= (seen + 2) * 9,
        "{fast} of {} files read fast",
        seen + 2
    );
}
