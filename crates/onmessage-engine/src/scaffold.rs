//! `cargo xtask new`: the text and path of a new post with valid front matter.
//! Pure: the caller supplies the moment, the author and the policy, and
//! writes the file.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::calendar::Calendar;
use crate::platform::Platform;
use crate::time::show;

/// The default copy `new` writes, for the author to replace; past `draft`
/// it is a `post.placeholder` error.
pub const PLACEHOLDER_COPY: &str =
    "Write the copy people will share here: the default for every platform.";

/// The copy `new` writes in an `## x` section.
pub const PLACEHOLDER_X_COPY: &str = "A shorter version for X (280 characters, links count 23).";

/// Every text `new` writes that is not meant to be shared.
pub const PLACEHOLDERS: [&str; 2] = [PLACEHOLDER_COPY, PLACEHOLDER_X_COPY];

pub struct NewPost<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub platforms: &'a [Platform],
    pub products: &'a [String],
    pub audiences: &'a [String],
    pub publish_at: Timestamp,
    /// The first accepted disclosure, used in the copy of product posts.
    pub disclosure: Option<&'a str>,
}

/// Whether `s` is an id as the schemas' id pattern has it
/// (`^[a-z0-9][a-z0-9-]*$`): post ids, audiences, the file names ids come from.
pub fn is_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A file-name slug: lowercase ASCII letters and digits joined by hyphens.
pub fn slug(title: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in title.nfkd().filter(char::is_ascii) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-')
        .chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// `content/posts/YYYY/MM/<slug>.md`, dated in the company's time zone.
pub fn path(post: &NewPost, tz: &TimeZone) -> String {
    let local = post.publish_at.to_zoned_datetime(tz.clone());
    format!(
        "content/posts/{:04}/{:02}/{}.md",
        local.year(),
        local.month(),
        slug(post.title)
    )
}

/// The file's text: front matter that passes the schema, and copy to replace.
pub fn render(post: &NewPost, tz: &TimeZone) -> String {
    let list = |items: &[String]| items.join(", ");
    let platforms: Vec<String> = post.platforms.iter().map(|p| p.id().to_string()).collect();
    let publish_at = post
        .publish_at
        .to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let mut text = String::from("---\n");
    text.push_str(&format!("title: {}\n", yaml_string(post.title)));
    text.push_str(&format!("author: {}\n", yaml_string(post.author)));
    text.push_str("status: draft\n");
    text.push_str(&format!("platforms: [{}]\n", list(&platforms)));
    text.push_str(&format!("publish_at: {publish_at}\n"));
    if !post.products.is_empty() {
        text.push_str(&format!("products: [{}]\n", list(post.products)));
    }
    if !post.audiences.is_empty() {
        text.push_str(&format!("audiences: [{}]\n", list(post.audiences)));
    }
    text.push_str("---\n");
    let disclosure = match (post.products.is_empty(), post.disclosure) {
        (false, Some(d)) => format!("{d} "),
        _ => String::new(),
    };
    text.push_str(&format!("{disclosure}{PLACEHOLDER_COPY}\n"));
    if post.platforms.contains(&Platform::X) {
        text.push_str(&format!("\n## x\n{disclosure}{PLACEHOLDER_X_COPY}\n"));
    }
    text
}

/// What keeps `new` from writing `post`, in plain words, each with its
/// fix: products the calendar does not know or that are not announced by
/// `publish_at`, audiences that are not ids, a `publish_at` before `now`.
/// Empty: the file may be written.
pub fn problems(post: &NewPost, calendar: &Calendar, now: Timestamp, tz: &TimeZone) -> Vec<String> {
    let mut problems = Vec::new();
    let at = show(post.publish_at, tz);
    if post.publish_at < now {
        problems.push(format!(
            "--publish-at {at} is in the past (it is now {}); choose a later moment",
            show(now, tz)
        ));
    }
    for id in post.products {
        let Some(product) = calendar.product(id) else {
            let known: Vec<&str> = calendar.products.iter().map(|p| p.id.as_str()).collect();
            problems.push(match crate::suggest::closest(id, known.iter().copied()) {
                Some(near) => format!("unknown product `{id}`; did you mean `{near}`?"),
                None => format!(
                    "unknown product `{id}`; the calendar has: {}",
                    known.join(", ")
                ),
            });
            continue;
        };
        match product.announce_at {
            None => problems.push(format!(
                "product `{id}` has no announcement date in policies/calendar.yaml, so no post about it can be scheduled; leave out --product {id}, or ask the policy owners for its announce_at"
            )),
            Some(announce) if announce > post.publish_at => problems.push(format!(
                "--publish-at {at} is before `{id}` is announced ({}); write --publish-at {} or later",
                show(announce, tz),
                announce.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z")
            )),
            Some(_) => {}
        }
    }
    for audience in post.audiences {
        let id = audience.to_lowercase().replace([' ', '_'], "-");
        if !is_id(audience) {
            problems.push(if is_id(&id) {
                format!("audience `{audience}` is not an id; write `{id}`")
            } else {
                format!("audience `{audience}` is not an id: ids are lower-case letters, digits and hyphens")
            });
        }
    }
    problems
}

/// A YAML double-quoted string.
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_id("sales") && is_id("customer-success") && is_id("a1"));
        assert!(!is_id("") && !is_id("-a") && !is_id("../x") && !is_id("Sales") && !is_id("."));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Widget Pro is here!"), "widget-pro-is-here");
        assert_eq!(slug("Café: 10% off -- today"), "cafe-10-off-today");
        assert_eq!(slug("!!!"), "");
    }

    #[test]
    fn scaffold_passes_the_schema() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let post = NewPost {
            title: "Widget Pro: \"here\"",
            author: "jane.doe",
            platforms: &[Platform::Linkedin, Platform::X],
            products: &["widget-pro".to_string()],
            audiences: &[],
            publish_at: "2026-12-01T16:00:00Z".parse().unwrap(),
            disclosure: Some("#employee"),
        };
        assert_eq!(path(&post, &tz), "content/posts/2026/12/widget-pro-here.md");
        let parsed = crate::post::Post::parse("p.md".into(), render(&post, &tz).into_bytes());
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.front.unwrap().title, "Widget Pro: \"here\"");
        assert_eq!(parsed.sections.len(), 2);
    }

    #[test]
    fn the_scaffold_is_a_placeholder_error_once_past_draft() {
        let setup = crate::check::Setup::parse(
            b"version: 1\ncompany: {name: Example Corp, timezone: UTC, domains: [example.com]}\nrules: []\n",
            b"version: 1\nproducts: []\n",
        )
        .expect("valid fixture");
        let tz = TimeZone::UTC;
        let post = NewPost {
            title: "Launch",
            author: "jane.doe",
            platforms: &[Platform::Linkedin, Platform::X],
            products: &[],
            audiences: &[],
            publish_at: "2026-12-01T16:00:00Z".parse().unwrap(),
            disclosure: None,
        };
        let text = render(&post, &tz);
        let placeholders = |text: &str| {
            let parsed = crate::post::Post::parse("p.md".into(), text.as_bytes().to_vec());
            crate::rules::evaluate(&setup.context(), &parsed, &Default::default())
                .iter()
                .filter(|f| f.rule == "post.placeholder")
                .count()
        };
        assert_eq!(placeholders(&text), 0);
        for status in ["review", "approved"] {
            let text = text.replace("status: draft", &format!("status: {status}"));
            assert_eq!(placeholders(&text), PLACEHOLDERS.len(), "{status}");
        }
    }
}
