//! Where a Share button goes: each network's public share intent, and the
//! UTM tagging of links that are not shared on one particular network.
//!
//! Networks whose intent pre-fills text get the whole shared text (which
//! already holds the UTM-tagged link, see `share::shared_text`). LinkedIn and
//! Facebook take only a URL and show it as a preview card; the employee
//! pastes the copied text. Instagram has no web share intent: copy only.
//! Mastodon has no central server, so its button goes to mastodonshare.com,
//! which asks for the employee's instance and forwards the text there.

use super::encode::percent;
use crate::platform::Platform;
use crate::urls::find_urls;

/// How a network's Share button works for one post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// `prefix` + the percent-encoded text: the page rebuilds it when the
    /// employee edits the text.
    Text { prefix: &'static str },
    /// A fixed URL that shares the link; the text is pasted by hand.
    Link { url: String },
    /// No web share intent.
    None,
}

impl Intent {
    /// The Share URL for `text`, if the network has one.
    pub fn url(&self, text: &str) -> Option<String> {
        match self {
            Intent::Text { prefix } => Some(format!("{prefix}{}", percent(text))),
            Intent::Link { url } => Some(url.clone()),
            Intent::None => None,
        }
    }
}

/// The share intent for `platform`; `tagged_link` is the post's link,
/// UTM-tagged for that platform.
pub fn intent(platform: Platform, tagged_link: Option<&str>) -> Intent {
    match (platform, tagged_link) {
        (Platform::X, _) => Intent::Text {
            prefix: "https://x.com/intent/post?text=",
        },
        (Platform::Threads, _) => Intent::Text {
            prefix: "https://www.threads.net/intent/post?text=",
        },
        (Platform::Bluesky, _) => Intent::Text {
            prefix: "https://bsky.app/intent/compose?text=",
        },
        (Platform::Mastodon, _) => Intent::Text {
            prefix: "https://mastodonshare.com/?text=",
        },
        (Platform::Linkedin, Some(link)) => Intent::Link {
            url: format!(
                "https://www.linkedin.com/sharing/share-offsite/?url={}",
                percent(link)
            ),
        },
        (Platform::Linkedin, None) => Intent::Text {
            prefix: "https://www.linkedin.com/feed/?shareActive=true&text=",
        },
        (Platform::Facebook, Some(link)) => Intent::Link {
            url: format!(
                "https://www.facebook.com/sharer/sharer.php?u={}",
                percent(link)
            ),
        },
        (Platform::Facebook, None) | (Platform::Instagram, _) => Intent::None,
    }
}

/// `utm_source` for links read in the feeds and the hub rather than shared
/// on a network (`external_url`, `content_text`).
pub const FEED_SOURCE: &str = "feed";

/// `share::utm_tag` with any `utm_source` (it takes a platform): the query
/// and fragment are kept, and parameters the link already sets are left alone.
/// A test keeps the two identical for every platform.
pub fn utm_tag(url: &str, source: &str, post_id: &str) -> String {
    let (before_fragment, fragment) = url.split_at(url.find('#').unwrap_or(url.len()));
    let existing = before_fragment.split_once('?').map_or("", |(_, q)| q);
    let has = |key: &str| {
        existing
            .split('&')
            .any(|pair| pair.split('=').next() == Some(key))
    };
    let mut out = before_fragment.to_string();
    for (key, value) in [
        ("utm_source", source),
        ("utm_medium", crate::share::UTM_MEDIUM),
        ("utm_campaign", post_id),
    ] {
        if has(key) {
            continue;
        }
        let separator = match out.contains('?') {
            false => "?",
            true if out.ends_with('?') || out.ends_with('&') => "",
            true => "&",
        };
        out.push_str(separator);
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out.push_str(fragment);
    out
}

/// `copy` with every `http(s)` link tagged for `source`.
pub fn tag_links(copy: &str, source: &str, post_id: &str) -> String {
    let mut out = String::with_capacity(copy.len() + 64);
    let mut last = 0;
    for url in find_urls(copy).into_iter().filter(|u| u.scheme.is_some()) {
        out.push_str(&copy[last..url.range.start]);
        out.push_str(&utm_tag(&copy[url.range.clone()], source, post_id));
        last = url.range.end;
    }
    out.push_str(&copy[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share;

    #[test]
    fn utm_matches_share_for_every_platform() {
        let urls = [
            "https://example.com/a",
            "https://example.com/a?ref=1#top",
            "https://example.com/a?",
            "https://example.com/a?utm_source=news&x=1",
            "https://example.com/a?utm_campaign=c#f",
        ];
        for platform in Platform::ALL {
            for url in urls {
                assert_eq!(
                    utm_tag(url, platform.id(), "post-1"),
                    share::utm_tag(url, platform, "post-1"),
                    "{url}"
                );
            }
            let copy = "See https://example.com/a?b=1. And example.com/x too";
            assert_eq!(
                tag_links(copy, platform.id(), "p"),
                share::tag_links(copy, platform, "p")
            );
        }
    }

    #[test]
    fn intents_per_network() {
        let link = "https://example.com/p?utm_source=x";
        let x = intent(Platform::X, Some(link));
        assert_eq!(
            x.url("Hi & https://example.com/p").unwrap(),
            "https://x.com/intent/post?text=Hi%20%26%20https%3A%2F%2Fexample.com%2Fp"
        );
        assert_eq!(
            intent(Platform::Linkedin, Some(link))
                .url("ignored")
                .unwrap(),
            "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fexample.com%2Fp%3Futm_source%3Dx"
        );
        assert_eq!(
            intent(Platform::Linkedin, None).url("Hi").unwrap(),
            "https://www.linkedin.com/feed/?shareActive=true&text=Hi"
        );
        assert!(
            intent(Platform::Facebook, Some(link))
                .url("")
                .unwrap()
                .starts_with("https://www.facebook.com/sharer/sharer.php?u=https%3A")
        );
        assert_eq!(intent(Platform::Facebook, None), Intent::None);
        assert_eq!(intent(Platform::Instagram, Some(link)).url("x"), None);
        for p in [Platform::Threads, Platform::Bluesky, Platform::Mastodon] {
            assert!(matches!(intent(p, None), Intent::Text { .. }));
        }
    }
}
