//! Where a Share button goes: each network's public share intent, and the
//! UTM tagging of links that are not shared on one particular network.
//!
//! Networks whose intent pre-fills text get the whole shared text (which
//! already holds the UTM-tagged link, see `share::shared_text`). LinkedIn and
//! Facebook take only a URL and show it as a preview card; the employee
//! pastes the copied text. Instagram has no web share intent: copy only.
//! Mastodon has no central server, so its button goes to mastodonshare.com,
//! which asks for the employee's instance and forwards the text there.

use crate::encode::percent;
use onmessage_engine::platform::Platform;

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

#[cfg(test)]
mod tests {
    use super::*;

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
