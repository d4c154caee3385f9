//! The text as it will be shared: the copy as networks show it (Markdown
//! converted, `plaintext`), links tagged with UTM parameters so the company
//! can see which advocacy post brought a visit, and the post's `link` added
//! where the network's share intent puts it into the text.

use crate::plaintext::{self, PlainText};
use crate::platform::Platform;
use crate::urls::{FoundUrl, find_urls};

pub const UTM_MEDIUM: &str = "employee_advocacy";

/// `utm_source` for links read in the feeds and the hub rather than shared
/// on a network (`external_url`, `content_text`).
pub const FEED_SOURCE: &str = "feed";

/// `url` with `utm_source=<source>&utm_medium=employee_advocacy&utm_campaign=<post id>`
/// (the source is a platform id, or `feed` for links read in the feeds)
/// added to its query, keeping the query and fragment it has. Parameters
/// the link already sets are left as they are.
pub fn utm_tag(url: &str, source: &str, post_id: &str) -> String {
    let (before_fragment, fragment) = match url.find('#') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let existing = before_fragment.split_once('?').map_or("", |(_, q)| q);
    let has = |key: &str| {
        existing
            .split('&')
            .any(|pair| pair.split('=').next() == Some(key))
    };
    let mut out = before_fragment.to_string();
    for (key, value) in [
        ("utm_source", source),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", post_id),
    ] {
        if has(key) {
            continue;
        }
        let separator = if out.contains('?') {
            if out.ends_with('?') || out.ends_with('&') {
                ""
            } else {
                "&"
            }
        } else {
            "?"
        };
        out.push_str(separator);
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out.push_str(fragment);
    out
}

/// `text` with every `http(s)` link UTM-tagged for `source`; `urls` are
/// the text's (`urls::find_urls`).
fn tag_links(copy: &str, urls: &[FoundUrl], source: &str, post_id: &str) -> String {
    let mut out = String::with_capacity(copy.len() + 64);
    let mut last = 0;
    for url in urls.iter().filter(|u| u.scheme.is_some()) {
        out.push_str(&copy[last..url.range.start]);
        out.push_str(&utm_tag(&copy[url.range.clone()], source, post_id));
        last = url.range.end;
    }
    out.push_str(&copy[last..]);
    out
}

/// One section's copy as every network shows it, and the URLs in that
/// text: converted once, however many networks share the section.
#[derive(Debug, Clone)]
pub struct SharedCopy {
    pub plain: PlainText,
    /// `urls::find_urls` of `plain.text`.
    pub urls: Vec<FoundUrl>,
}

impl SharedCopy {
    /// `markdown` is a section's copy (`Post::copy`).
    pub fn new(markdown: &str) -> SharedCopy {
        let plain = plaintext::from_markdown(markdown);
        let urls = find_urls(&plain.text);
        SharedCopy { plain, urls }
    }

    /// [`SharedCopy::new`] for a caller that has found `markdown_urls`
    /// (`find_urls(markdown)`) already: they are the shared text's too
    /// when the conversion changed nothing, as for most copy.
    pub fn with_urls(markdown: &str, markdown_urls: &[FoundUrl]) -> SharedCopy {
        let plain = plaintext::from_markdown(markdown);
        let urls = if plain.is_source() {
            markdown_urls.to_vec()
        } else {
            find_urls(&plain.text)
        };
        SharedCopy { plain, urls }
    }
}

/// Who reads a shared text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Members of a network, where an employee shares it.
    Network(Platform),
    /// Readers of the feeds and the hub (`content_text`): links tagged
    /// `utm_source=feed`, the post's link kept apart (`external_url`).
    Feed,
}

/// Whether the share button for `platform` adds the post's `link` to the
/// text: the network's intent takes it in the text and the copy does not
/// already hold it.
pub fn adds_link(copy: &SharedCopy, link: Option<&str>, platform: Platform) -> bool {
    link.is_some_and(|l| platform.default_limits().link_in_text && !copy.plain.text.contains(l))
}

/// The text an employee shares (or a feed reader reads): the copy as
/// networks show it, links tagged for the reader, plus the post's `link`
/// where the share button adds it. The one place this text is made:
/// check counts it, publish writes it, the register hashes it.
pub fn shared_text(copy: &SharedCopy, link: Option<&str>, reader: Reader, post_id: &str) -> String {
    let source = match reader {
        Reader::Network(platform) => platform.id(),
        Reader::Feed => FEED_SOURCE,
    };
    let mut text = tag_links(&copy.plain.text, &copy.urls, source, post_id);
    if let Reader::Network(platform) = reader
        && let Some(link) = link.filter(|_| adds_link(copy, link, platform))
    {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&plaintext::clean(&utm_tag(link, source, post_id)));
    }
    text
}

/// The SHA-256 (lowercase hex) of a text exactly as it is shared on a
/// network: its UTF-8 bytes, nothing added. Publish puts it in every feed
/// item (`_onmessage.platforms.<p>.sha256`) and the communications register
/// records it for every approval; both call this on the same text (the
/// feed model's `shared_copies`), so an archive can match a post found in
/// the wild with the approved version.
pub fn shared_text_sha256(text: &str) -> String {
    sha256_hex(text.as_bytes())
}

/// Lowercase hex SHA-256 of any bytes (the register's policy and calendar
/// digests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_text(copy: &str, link: Option<&str>, platform: Platform, id: &str) -> String {
        super::shared_text(&SharedCopy::new(copy), link, Reader::Network(platform), id)
    }

    #[test]
    fn shared_text_hash_is_sha256_of_the_utf8_bytes() {
        // printf '' | sha256sum; printf 'abc' | sha256sum; printf 'Grüße\n' | sha256sum
        assert_eq!(
            shared_text_sha256(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            shared_text_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(shared_text_sha256("a\n"), shared_text_sha256("a\r\n"));
    }

    #[test]
    fn utm_keeps_query_and_fragment() {
        assert_eq!(
            utm_tag("https://example.com/a?ref=1#top", "x", "launch"),
            "https://example.com/a?ref=1&utm_source=x&utm_medium=employee_advocacy&utm_campaign=launch#top"
        );
        assert_eq!(
            utm_tag("https://example.com/a?utm_source=news", "x", "p"),
            "https://example.com/a?utm_source=news&utm_medium=employee_advocacy&utm_campaign=p"
        );
    }

    #[test]
    fn shared_text_adds_link_where_the_intent_does() {
        let x = shared_text("Read this", Some("https://example.com/p"), Platform::X, "p");
        assert_eq!(
            x,
            "Read this https://example.com/p?utm_source=x&utm_medium=employee_advocacy&utm_campaign=p"
        );
        let linkedin = shared_text(
            "Read this",
            Some("https://example.com/p"),
            Platform::Linkedin,
            "p",
        );
        assert_eq!(linkedin, "Read this");
    }

    #[test]
    fn urls_found_on_the_markdown_serve_when_nothing_changed() {
        for copy in [
            "See https://example.com/a now",
            "See [it](https://example.com/a)",
        ] {
            let found = find_urls(copy);
            assert_eq!(
                SharedCopy::with_urls(copy, &found).urls,
                SharedCopy::new(copy).urls,
                "{copy}"
            );
        }
    }

    #[test]
    fn shared_text_is_the_copy_as_networks_show_it() {
        let copy = "**Proud** of [our checklist](https://example.com/a11y):\n- fast";
        assert_eq!(
            shared_text(copy, None, Platform::Linkedin, "p"),
            "Proud of our checklist https://example.com/a11y?utm_source=linkedin&utm_medium=employee_advocacy&utm_campaign=p:\nfast"
        );
        assert_eq!(
            super::shared_text(
                &SharedCopy::new(copy),
                Some("https://example.com/x"),
                Reader::Feed,
                "p"
            ),
            "Proud of our checklist https://example.com/a11y?utm_source=feed&utm_medium=employee_advocacy&utm_campaign=p:\nfast"
        );
        // A link the copy gives in Markdown is not added a second time.
        let linked = "See [the page](https://example.com/p)";
        assert_eq!(
            shared_text(linked, Some("https://example.com/p"), Platform::X, "p"),
            "See the page https://example.com/p?utm_source=x&utm_medium=employee_advocacy&utm_campaign=p"
        );
    }
}
