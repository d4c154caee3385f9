//! The text as it will be shared: links tagged with UTM parameters so the
//! company can see which advocacy post brought a visit, and the post's
//! `link` added where the network's share intent puts it into the text.

use crate::platform::Platform;
use crate::urls::FoundUrl;

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

/// The copy with every `http(s)` link UTM-tagged for `source`; `urls` are
/// the copy's (`urls::find_urls`), found once by the caller however many
/// networks share the copy.
pub fn tag_links(copy: &str, urls: &[FoundUrl], source: &str, post_id: &str) -> String {
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

/// The full text an employee shares on `platform`: the tagged copy, plus the
/// post's `link` when the network's share intent puts it into the text and
/// the copy does not already contain it. `urls` are the copy's.
pub fn shared_text(
    copy: &str,
    urls: &[FoundUrl],
    link: Option<&str>,
    platform: Platform,
    post_id: &str,
) -> String {
    let mut text = tag_links(copy, urls, platform.id(), post_id);
    if let Some(link) =
        link.filter(|l| platform.default_limits().link_in_text && !copy.contains(*l))
    {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&utm_tag(link, platform.id(), post_id));
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
    use crate::urls::find_urls;

    fn shared_text(copy: &str, link: Option<&str>, platform: Platform, id: &str) -> String {
        super::shared_text(copy, &find_urls(copy), link, platform, id)
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
}
