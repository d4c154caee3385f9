//! The social networks posts are written for.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Linkedin,
    X,
    Facebook,
    Instagram,
    Threads,
    Bluesky,
    Mastodon,
}

impl Platform {
    pub const ALL: [Platform; 7] = [
        Platform::Linkedin,
        Platform::X,
        Platform::Facebook,
        Platform::Instagram,
        Platform::Threads,
        Platform::Bluesky,
        Platform::Mastodon,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Platform::Linkedin => "linkedin",
            Platform::X => "x",
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Threads => "threads",
            Platform::Bluesky => "bluesky",
            Platform::Mastodon => "mastodon",
        }
    }

    /// The network's name as people write it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Linkedin => "LinkedIn",
            Platform::X => "X",
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::Threads => "Threads",
            Platform::Bluesky => "Bluesky",
            Platform::Mastodon => "Mastodon",
        }
    }

    pub fn from_id(id: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A platform as people type it: its id in any case, or `twitter` for X.
    pub fn from_name(name: &str) -> Option<Platform> {
        let name = name.trim().to_lowercase();
        match name.as_str() {
            "twitter" => Some(Platform::X),
            _ => Platform::from_id(&name),
        }
    }

    /// Why `name` is no platform, with the nearest one if it is close.
    pub fn unknown(name: &str) -> String {
        let ids = Platform::ALL.map(Platform::id);
        let names = ids.into_iter().chain(["twitter"]);
        match crate::suggest::closest(name, names) {
            Some(near) => {
                let near = Platform::from_name(near).map_or(near, Platform::id);
                format!("unknown platform `{name}`; did you mean `{near}`?")
            }
            None => format!(
                "unknown platform `{name}`; expected one of: {} (`twitter` means x)",
                ids.join(", ")
            ),
        }
    }
}

/// What a network allows in one post, and how it shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest copy, counted the way the network counts (see `measure`).
    pub max_length: usize,
    /// Bluesky also caps the UTF-8 size.
    pub max_bytes: Option<usize>,
    pub max_hashtags: Option<usize>,
    pub max_links: Option<usize>,
    /// Instagram captions do not turn links into links.
    pub links_clickable: bool,
    /// Characters shown before "see more", where the network folds long copy.
    pub fold: Option<usize>,
    /// Whether the post's `link` goes into the shared text (share intents that
    /// prefill text), rather than being attached as a link card.
    pub link_in_text: bool,
}

impl Platform {
    /// Built-in limits; the policy's `platforms` section overrides them.
    pub fn default_limits(self) -> Limits {
        let base = Limits {
            max_length: 0,
            max_bytes: None,
            max_hashtags: None,
            max_links: None,
            links_clickable: true,
            fold: None,
            link_in_text: true,
        };
        match self {
            Platform::X => Limits {
                max_length: 280,
                ..base
            },
            Platform::Linkedin => Limits {
                max_length: 3000,
                fold: Some(210),
                link_in_text: false,
                ..base
            },
            Platform::Instagram => Limits {
                max_length: 2200,
                max_hashtags: Some(5),
                links_clickable: false,
                fold: Some(125),
                link_in_text: false,
                ..base
            },
            Platform::Facebook => Limits {
                max_length: 63206,
                fold: Some(477),
                link_in_text: false,
                ..base
            },
            Platform::Threads => Limits {
                max_length: 500,
                max_links: Some(5),
                ..base
            },
            Platform::Bluesky => Limits {
                max_length: 300,
                max_bytes: Some(3000),
                ..base
            },
            Platform::Mastodon => Limits {
                max_length: 500,
                ..base
            },
        }
    }

    /// How the network counts length, for messages.
    pub fn length_unit(self) -> &'static str {
        match self {
            Platform::X => {
                "characters as X counts them (links 23, emoji and most non-Latin characters 2)"
            }
            Platform::Bluesky => "characters (grapheme clusters)",
            Platform::Mastodon => "characters (links count 23)",
            _ => "characters",
        }
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    fn from_str(name: &str) -> Result<Platform, String> {
        Platform::from_name(name).ok_or_else(|| Platform::unknown(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_forgive_case_and_the_old_name_of_x() {
        assert_eq!(Platform::from_name("LinkedIn"), Some(Platform::Linkedin));
        assert_eq!(Platform::from_name("Twitter"), Some(Platform::X));
        assert_eq!(Platform::from_name("X"), Some(Platform::X));
        assert_eq!(Platform::from_name("myspace"), None);
        assert_eq!(
            Platform::unknown("twiter"),
            "unknown platform `twiter`; did you mean `x`?"
        );
        assert_eq!(
            Platform::unknown("Linkdin"),
            "unknown platform `Linkdin`; did you mean `linkedin`?"
        );
        assert!(Platform::unknown("myspace").contains("expected one of: linkedin, x,"));
    }
}
