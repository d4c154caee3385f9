//! The published feed as plain data: every decision (which text, which
//! length, which URL) is made here, so the JSON Feed, Atom and hub renderers
//! only format it and can never disagree.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::encode::percent;
use crate::intent::{self, Intent};
use crate::markup::{forbidden_at, rewrite, stops};
use onmessage_engine::measure;
use onmessage_engine::platform::Platform;
use onmessage_engine::policy::Policy;
use onmessage_engine::post::Post;
use onmessage_engine::share::{
    FEED_SOURCE, Reader, SharedCopy, shared_text, shared_text_sha256, utm_tag,
};

/// One feed: everything published, or one audience's share of it. Its
/// items are not held here: they are built one at a time, newest first, and
/// each is written to every feed it belongs to.
pub struct Feed<'a> {
    pub site: &'a Site,
    /// `None` for the main feed.
    pub audience: Option<&'a str>,
    /// How many items it has.
    pub items: usize,
    /// When it last changed: its newest item's `updated` or deletion; `now`
    /// when it has neither.
    pub updated: Timestamp,
}

/// What every output shares.
pub struct Site {
    pub company: String,
    /// BCP 47, from the policy's `company.language`.
    pub language: String,
    /// Ends with `/`; may be relative (`./`).
    pub base_url: String,
    /// A stable, host-independent name for Atom ids: the company's first
    /// domain, else its name as a slug.
    pub authority: String,
    pub timezone: TimeZone,
    pub now: Timestamp,
    /// Every audience some published post names, sorted.
    pub audiences: Vec<String>,
    /// Every network some published post is for, in `Platform` order.
    pub platforms: Vec<Platform>,
    /// Why nothing is shared now and until when (a quiet period with
    /// `[all]`): said by every feed's description and the hub's banner.
    pub notice: Option<String>,
    /// The policy's `company.audience_names`: what the hub calls an audience.
    pub audience_names: BTreeMap<String, String>,
}

impl Site {
    /// The URL of `path` (relative to the output root) as written in a file
    /// in the folder `dir` (relative to the output root: `""` or ending in
    /// `/`). An absolute base (`https://...`, `/hub/`) is the same from every
    /// folder; a relative one (`./`) is climbed out of `dir` first, so the
    /// link resolves against the file's own address.
    pub fn link(&self, path: &str, dir: &str) -> String {
        let base = &self.base_url;
        if dir.is_empty() || base.starts_with('/') || base.contains("://") {
            return format!("{base}{path}");
        }
        let base = base.strip_prefix("./").unwrap_or(base);
        let link = format!("{}{base}{path}", "../".repeat(dir.matches('/').count()));
        if link.is_empty() {
            "./".to_string()
        } else {
            link
        }
    }

    /// A post's own page, relative to the output root: `posts/<id>/`, the
    /// id percent-encoded (a file-name id may hold any character).
    pub fn post_path(id: &str) -> String {
        format!("posts/{}/", percent(id))
    }

    /// The page that describes the `_onmessage` feed extension, relative to
    /// the output root.
    pub fn about_path() -> &'static str {
        "about.html"
    }

    /// The feeds' icon and the hub's favicon, relative to the output root.
    pub fn icon_path() -> &'static str {
        "icon.svg"
    }

    /// The name readers see for an audience: the policy's, else its id.
    pub fn audience_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.audience_names.get(id).map_or(id, String::as_str)
    }

    /// Where a feed for `audience` lives, relative to the output root.
    pub fn feed_dir(audience: Option<&str>) -> String {
        audience.map_or(String::new(), |a| format!("audiences/{a}/"))
    }

    /// The Atom id of a feed or an entry: `urn:onmessage:<authority>:...`.
    /// It names the post, not where the feed is hosted, so moving the site
    /// never makes readers see every entry again.
    pub fn atom_id(&self, rest: &str) -> String {
        format!("urn:onmessage:{}:{rest}", self.authority)
    }
}

pub struct Item {
    /// The post id: the JSON Feed item id, stable forever.
    pub id: String,
    pub title: String,
    /// The default copy (else the first platform's) as networks show it,
    /// links tagged for the feed.
    pub content_text: String,
    pub dates: Dates,
    /// The exclusive end of its time in the feed.
    pub expires: Option<Timestamp>,
    pub tags: Vec<String>,
    /// The post's own page, relative to the output root (`Site::post_path`).
    pub page: String,
    /// The post's link, tagged for the feed.
    pub external_url: Option<String>,
    pub image: Option<Image>,
    /// Empty: everyone.
    pub audiences: Vec<String>,
    pub products: Vec<String>,
    pub platforms: Vec<PlatformCopy>,
}

/// When a post was published, became shareable and changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dates {
    /// Its `publish_at`.
    pub published: Timestamp,
    /// When it last became shareable (`register::became_shareable`, never
    /// after `now`): RSS's `pubDate`.
    pub shareable: Timestamp,
    /// The last change of its published content while it was shareable.
    pub modified: Option<Timestamp>,
}

impl Dates {
    /// A post whose history is unknown: shareable from its `publish_at`.
    pub fn published(at: Timestamp) -> Dates {
        Dates {
            published: at,
            shareable: at,
            modified: None,
        }
    }

    /// When it last changed in a way readers care about: Atom's `updated`.
    pub fn updated(&self) -> Timestamp {
        self.modified.unwrap_or(self.shareable)
    }
}

/// An image copied to the output with its metadata removed.
#[derive(Clone)]
pub struct Image {
    /// Relative to the output root: `media/<name>-<hash>.<ext>`.
    pub file: String,
    pub alt: String,
    pub mime: &'static str,
    pub size: usize,
    /// In pixels, read from the published file.
    pub width: u32,
    pub height: u32,
}

/// One network's copy of a post, as the employee shares it.
pub struct PlatformCopy {
    pub platform: Platform,
    /// The shared text (`share::shared_text`): the copy as the network
    /// shows it, UTM-tagged links, plus the post's link where the network's
    /// intent takes it in the text.
    pub text: String,
    /// `share::shared_text_sha256` of `text`: what the register records.
    pub sha256: String,
    /// Counted the way the network counts (`measure::length`).
    pub length: usize,
    pub limit: usize,
    pub intent: Intent,
    pub share_url: Option<String>,
    /// The network shows the post's link as a preview card instead of text.
    pub link_attached: bool,
}

/// Whether a post for `audiences` (empty: everyone) is in `audience`'s feed.
pub fn for_audience(audiences: &[String], audience: &str) -> bool {
    audiences.is_empty() || audiences.iter().any(|a| a == audience)
}

/// The networks a post is shared on, in its order, each with the index of
/// its copy's section: those of its `platforms` that have a section of their
/// own or a default one.
pub fn copies(post: &Post) -> impl Iterator<Item = (Platform, usize)> {
    post.front
        .iter()
        .flat_map(|front| &front.platforms)
        .filter_map(|&platform| Some((platform, post.copy_index_for(platform)?)))
}

/// Each section's copy as networks show it, converted once however many
/// networks share it.
fn section_copies(post: &Post) -> Vec<SharedCopy> {
    post.sections
        .iter()
        .map(|s| SharedCopy::new(post.copy(s)))
        .collect()
}

/// The text shared on `platform` from `copy` (one of `section_copies`):
/// what every output shows and what is hashed.
fn platform_text(post: &Post, copy: &SharedCopy, platform: Platform) -> String {
    let link = post.front.as_ref().and_then(|f| f.link.as_deref());
    shared_text(copy, link, Reader::Network(platform), &post.id)
}

/// Every network's shared text of a post, in its order: exactly the text
/// `item` publishes (the same function makes both), for the register to
/// hash with `share::shared_text_sha256`.
pub fn shared_copies(post: &Post) -> Vec<(Platform, String)> {
    let sections = section_copies(post);
    copies(post)
        .map(|(platform, index)| (platform, platform_text(post, &sections[index], platform)))
        .collect()
}

/// Builds the item for a post that may be published.
pub fn item(
    policy: &Policy,
    post: &Post,
    dates: Dates,
    expires: Option<Timestamp>,
    products: Vec<String>,
    image: Option<Image>,
) -> Option<Item> {
    let front = post.front.as_ref()?;
    let link = front.link.as_deref();
    let sections = section_copies(post);
    let platforms: Vec<PlatformCopy> = copies(post)
        .map(|(platform, index)| {
            let text = platform_text(post, &sections[index], platform);
            let tagged_link = link.map(|l| utm_tag(l, platform.id(), &post.id));
            let intent = intent::intent(platform, tagged_link.as_deref());
            PlatformCopy {
                platform,
                length: measure::length(platform, &text),
                limit: policy.limits(platform).max_length,
                share_url: intent.url(&text),
                link_attached: link.is_some() && !platform.default_limits().link_in_text,
                sha256: shared_text_sha256(&text),
                intent,
                text,
            }
        })
        .collect();
    let default_copy = post
        .sections
        .iter()
        .position(|s| s.platform.is_none())
        .filter(|&i| !sections[i].plain.text.is_empty())
        .or_else(|| front.platforms.iter().find_map(|&p| post.copy_index_for(p)));
    let content_text = default_copy.map_or_else(String::new, |i| {
        shared_text(&sections[i], link, Reader::Feed, &post.id)
    });
    Some(Item {
        id: post.id.clone(),
        title: clean(&front.title),
        content_text,
        dates,
        expires,
        tags: front.tags.iter().map(|t| clean(t)).collect(),
        page: Site::post_path(&post.id),
        external_url: link.map(|l| utm_tag(l, FEED_SOURCE, &post.id)),
        image,
        audiences: front.audiences.clone().unwrap_or_default(),
        products,
        platforms,
    })
}

/// Text as every output shows it: line breaks as `\n` (a browser's text
/// area turns `\r\n` into `\n`, so the hub copies what the feeds say) and
/// no character that XML forbids, so lengths count what is shared.
pub fn clean(text: &str) -> String {
    const CLEAN_STOPS: [bool; 256] = stops(b"\r");
    let mut out = String::with_capacity(text.len());
    rewrite(text, &mut out, &CLEAN_STOPS, |bytes, i| match bytes[i] {
        b'\r' if bytes.get(i + 1) == Some(&b'\n') => Some(("\n", 2)),
        b'\r' => Some(("\n", 1)),
        _ => forbidden_at(bytes, i).map(|len| ("", len)),
    });
    out
}

/// The authority of Atom ids: the first public domain, else a slug of the name.
pub fn authority(policy: &Policy) -> String {
    if let Some(domain) = policy.company.domains.first() {
        return percent(&domain.to_ascii_lowercase());
    }
    let slug: String = policy
        .company
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        "company".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(base_url: &str) -> Site {
        Site {
            company: "C".to_string(),
            language: "en".to_string(),
            base_url: base_url.to_string(),
            authority: "c".to_string(),
            timezone: TimeZone::UTC,
            now: Timestamp::UNIX_EPOCH,
            audiences: Vec::new(),
            platforms: Vec::new(),
            notice: None,
            audience_names: Default::default(),
        }
    }

    #[test]
    fn links_resolve_from_the_folder_of_their_file() {
        let relative = site("./");
        assert_eq!(relative.link("media/a.png", ""), "./media/a.png");
        assert_eq!(relative.link("", ""), "./");
        assert_eq!(
            relative.link("media/a.png", "audiences/sales/"),
            "../../media/a.png"
        );
        assert_eq!(relative.link("", "audiences/sales/"), "../../");
        assert_eq!(relative.link("about.html", "posts/a/"), "../../about.html");
        let nested = site("hub/");
        assert_eq!(
            nested.link("icon.svg", "audiences/x/"),
            "../../hub/icon.svg"
        );
        for absolute in ["https://a.example/hub/", "/hub/"] {
            let site = site(absolute);
            assert_eq!(
                site.link("media/a.png", "audiences/sales/"),
                format!("{absolute}media/a.png")
            );
            assert_eq!(site.link("", ""), absolute);
        }
    }

    #[test]
    fn every_post_has_a_page_of_its_own() {
        assert_eq!(Site::post_path("widget-pro"), "posts/widget-pro/");
        assert_eq!(Site::post_path("a b/é"), "posts/a%20b%2F%C3%A9/");
        assert_eq!(
            site("https://a.example/").link(&Site::post_path("x"), ""),
            "https://a.example/posts/x/"
        );
    }

    #[test]
    fn clean_text_is_what_every_output_shows() {
        assert_eq!(clean("a\r\nb\rc\u{1}d\u{c}e\u{FFFE}\tf"), "a\nb\ncde\tf");
        assert_eq!(clean("日本語 🚀"), "日本語 🚀");
        assert_eq!(clean("\r\r\n\r\u{1}\n\n\r"), "\n\n\n\n\n\n");
        assert_eq!(clean("\u{FFFF}a\u{FFFD}\u{FEFF}"), "a\u{FFFD}\u{FEFF}");
    }

    #[test]
    fn shared_text_is_already_clean() {
        // The engine makes the shared text; outputs write it unchanged.
        let copy = SharedCopy::new("a\r\nb\rc\u{1}d **e**\u{FFFE}\r\n\r\n`f\u{c}`");
        let text = shared_text(&copy, None, Reader::Feed, "p");
        assert_eq!(text, "a\nb\ncd e\n\nf");
        assert_eq!(clean(&text), text);
        let link = Some("https://example.com/a\u{1}b\r\n");
        let shared = shared_text(&copy, link, Reader::Network(Platform::X), "p");
        assert!(
            shared.contains("https://example.com/ab\n?utm_source=x"),
            "{shared:?}"
        );
        assert_eq!(clean(&shared), shared);
    }
}
