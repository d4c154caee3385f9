//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) with an `_onmessage`
//! extension object per item: each network's shared text, its length as the
//! network counts it, the limit and the Share URL, plus audiences (empty:
//! everyone), products and `expires_at` (the moment the item leaves the feed).
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
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    tags: &'a [String],
    _onmessage: Extension<'a>,
}

#[derive(Serialize)]
struct Extension<'a> {
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

/// The hub, filtered to the feed's audience.
pub fn home_page_url(site: &Site, audience: Option<&str>) -> String {
    match audience {
        None => site.base_url.clone(),
        Some(a) => site.url(&format!("?audience={a}")),
    }
}

/// The feed up to its items: the object opened, every member but `items`,
/// and `"items": [`.
pub fn head(feed: &Feed) -> String {
    let site = feed.site;
    let head = Head {
        version: VERSION,
        title: title(site, feed.audience),
        home_page_url: home_page_url(site, feed.audience),
        feed_url: site.url(&format!("{}feed.json", Site::feed_dir(feed.audience))),
        description: description(site),
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

/// One element of `items`, as it stands in the feed: on a new line, indented
/// two levels. Elements after the first are preceded by `SEPARATOR`.
pub fn item(item: &Item) -> Vec<u8> {
    let mut out = Indented(Vec::with_capacity(4 * 1024));
    out.0.extend_from_slice(b"\n    ");
    serde_json::to_writer_pretty(&mut out, &json_item(item)).expect("serialising plain data");
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

fn json_item(item: &Item) -> JsonItem<'_> {
    JsonItem {
        id: &item.id,
        url: &item.url,
        external_url: item.external_url.as_deref(),
        title: &item.title,
        content_text: &item.content_text,
        image: item.image.as_ref().map(|i| i.url.as_str()),
        date_published: item.published.to_string(),
        tags: &item.tags,
        _onmessage: Extension {
            platforms: Platforms(item),
            audiences: &item.audiences,
            products: &item.products,
            expires_at: item.expires.map(|e| e.to_string()),
            image_alt: item.image.as_ref().map(|i| i.alt.as_str()),
        },
    }
}
