//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) with an `_onmessage`
//! extension object per item: `about` (the page describing it), each
//! network's shared text, its length as the network counts it, the limit,
//! the Share URL and the text's SHA-256, plus audiences (empty: everyone),
//! products and `expires_at` (the moment the item leaves the feed). Every
//! link is written as it stands in the feed's folder (`Site::link`).
//! Struct field order is the output's key order, so output is deterministic.
//!
//! A feed is written in pieces, its items streamed between its `head` and
//! its `tail`, and the pieces together are exactly what `serde_json`'s
//! pretty printer writes for the whole document.

use std::io;

use serde::Serialize;

use crate::model::{Feed, Item, Site};
use onmessage_engine::platform::Platform;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The feed object without its last member, `items`.
#[derive(Serialize)]
struct Head<'a> {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    description: String,
    icon: String,
    favicon: String,
    language: &'a str,
    authors: [Author<'a>; 1],
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    tags: &'a [String],
    _onmessage: Extension<'a>,
}

#[derive(Serialize)]
struct Extension<'a> {
    /// The page that documents this extension, as JSON Feed extensions carry.
    about: String,
    platforms: Platforms<'a>,
    audiences: &'a [String],
    products: &'a [String],
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_alt: Option<&'a str>,
}

/// Serialised as an object keyed by platform id, in the post's order.
struct Platforms<'a>(&'a Item);

#[derive(Serialize)]
struct PlatformEntry<'a> {
    text: &'a str,
    length: usize,
    max_length: usize,
    share_url: Option<&'a str>,
    /// SHA-256 of `text`, as the communications register records it.
    sha256: &'a str,
}

impl Serialize for Platforms<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.platforms.len()))?;
        for p in &self.0.platforms {
            map.serialize_entry(
                Platform::id(p.platform),
                &PlatformEntry {
                    text: &p.text,
                    length: p.length,
                    max_length: p.limit,
                    share_url: p.share_url.as_deref(),
                    sha256: &p.sha256,
                },
            )?;
        }
        map.end()
    }
}

pub fn title(site: &Site, audience: Option<&str>) -> String {
    match audience {
        None => format!("{}: posts to share", site.company),
        Some(a) => format!("{}: posts to share ({a})", site.company),
    }
}

pub fn description(site: &Site) -> String {
    let about = format!(
        "Suggested posts approved for {} employees to share on their own accounts, with copy for each network.",
        site.company
    );
    match &site.notice {
        Some(notice) => format!("{notice} {about}"),
        None => about,
    }
}

/// The hub, filtered to the feed's audience, linked from the feed's folder.
pub fn home_page_url(site: &Site, audience: Option<&str>) -> String {
    let dir = Site::feed_dir(audience);
    match audience {
        None => site.link("", &dir),
        Some(a) => site.link(&format!("?audience={a}"), &dir),
    }
}

/// The feed up to its items: the object opened, every member but `items`,
/// and `"items": [`.
pub fn head(feed: &Feed) -> String {
    let site = feed.site;
    let dir = Site::feed_dir(feed.audience);
    let icon = site.link(Site::icon_path(), &dir);
    let head = Head {
        version: VERSION,
        title: title(site, feed.audience),
        home_page_url: home_page_url(site, feed.audience),
        feed_url: site.link(&format!("{dir}feed.json"), &dir),
        description: description(site),
        favicon: icon.clone(),
        icon,
        language: &site.language,
        authors: [Author {
            name: &site.company,
        }],
    };
    let object = serde_json::to_string_pretty(&head).expect("serialising plain data");
    // Reopen the object for one more member.
    let members = object
        .strip_suffix("\n}")
        .expect("a pretty-printed object ends with `}` on its own line");
    format!("{members},\n  \"items\": [")
}

/// One element of `items`, as it stands in a feed in the folder `dir`: on a
/// new line, indented two levels. Elements after the first are preceded by
/// `SEPARATOR`.
pub fn item(site: &Site, item: &Item, dir: &str) -> Vec<u8> {
    let mut out = Indented(Vec::with_capacity(4 * 1024));
    out.0.extend_from_slice(b"\n    ");
    serde_json::to_writer_pretty(&mut out, &json_item(site, item, dir))
        .expect("serialising plain data");
    out.0
}

pub const SEPARATOR: &[u8] = b",";

/// The end of the feed: `items` closed (on the same line when it is empty,
/// as the pretty printer does), then the object.
pub fn tail(feed: &Feed) -> &'static str {
    if feed.items == 0 {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    }
}

/// Indents pretty-printed JSON by two levels. JSON strings escape their
/// line breaks, so every `\n` written is one between lines.
struct Indented(Vec<u8>);

impl io::Write for Indented {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.0.extend_from_slice(b"\n    ");
            }
            self.0.extend_from_slice(line);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn json_item<'a>(site: &Site, item: &'a Item, dir: &str) -> JsonItem<'a> {
    JsonItem {
        id: &item.id,
        url: site.link(&item.page, dir),
        external_url: item.external_url.as_deref(),
        title: &item.title,
        content_text: &item.content_text,
        image: item.image.as_ref().map(|i| site.link(&i.file, dir)),
        date_published: item.dates.published.to_string(),
        date_modified: item.dates.modified.map(|m| m.to_string()),
        tags: &item.tags,
        _onmessage: Extension {
            about: site.link(Site::about_path(), dir),
            platforms: Platforms(item),
            audiences: &item.audiences,
            products: &item.products,
            expires_at: item.expires.map(|e| e.to_string()),
            image_alt: item.image.as_ref().map(|i| i.alt.as_str()),
        },
    }
}
