//! Atom 1.0 (RFC 4287). Each entry's `id` is a URN built from the post id
//! (see `Site::atom_id`), `published` is its `publish_at` and `updated` the
//! last change readers care about (it became shareable, or its copy was
//! edited since), and the per-network copy travels in elements of the
//! `urn:onmessage:feed:1` namespace, which feed readers ignore and advocacy
//! tools can read. A post that left the feed early is announced with an
//! RFC 6721 tombstone (`at:deleted-entry`). All text goes through `markup`,
//! which escapes it and drops characters XML forbids. A feed is written as
//! its `head`, one `entry` per item, its tombstones and its `TAIL`.

use jiff::Timestamp;

use crate::jsonfeed::{description, home_page_url, title};
use crate::markup::{Dialect, Markup};
use crate::model::{Feed, Item, Site};

pub const NAMESPACE: &str = "urn:onmessage:feed:1";
/// RFC 6721, "The Atom "deleted-entry" Element".
const TOMBSTONES: &str = "http://purl.org/atompub/tombstones/1.0";

/// Everything before the entries.
pub fn head(feed: &Feed) -> String {
    let site = feed.site;
    let dir = Site::feed_dir(feed.audience);
    let mut m = Markup::new(Dialect::Xml);
    m.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    m.open(
        "feed",
        &[
            ("xmlns", "http://www.w3.org/2005/Atom"),
            ("xmlns:om", NAMESPACE),
            ("xmlns:at", TOMBSTONES),
            ("xml:lang", &site.language),
        ],
    );
    let feed_id = match feed.audience {
        None => site.atom_id("feed"),
        Some(a) => site.atom_id(&format!("feed:audience:{a}")),
    };
    m.raw("\n  ").element("id", &[], &feed_id);
    m.raw("\n  ")
        .element("title", &[("type", "text")], &title(site, feed.audience));
    m.raw("\n  ")
        .element("subtitle", &[("type", "text")], &description(site));
    m.raw("\n  ")
        .element("updated", &[], &feed.updated.to_string());
    m.raw("\n  <author>")
        .element("name", &[], &site.company)
        .raw("</author>");
    m.raw("\n  ").void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &home_page_url(site, feed.audience)),
        ],
    );
    m.raw("\n  ").void(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &site.link(&format!("{dir}feed.xml"), &dir)),
        ],
    );
    m.raw("\n  ").void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "application/feed+json"),
            ("href", &site.link(&format!("{dir}feed.json"), &dir)),
        ],
    );
    let icon = site.link(Site::icon_path(), &dir);
    m.raw("\n  ").element("icon", &[], &icon);
    m.raw("\n  ").element("logo", &[], &icon);
    m.raw("\n  <generator>OnMessage</generator>");
    m.finish()
}

pub const TAIL: &str = "\n</feed>\n";

/// The RFC 6721 tombstone of the post `id`, which left the feed at `when`.
pub fn deleted_entry(site: &Site, id: &str, when: Timestamp) -> String {
    let mut m = Markup::new(Dialect::Xml);
    m.raw("\n  ").void(
        "at:deleted-entry",
        &[("ref", &entry_id(site, id)), ("when", &when.to_string())],
    );
    m.finish()
}

/// The Atom id of a post's entry.
fn entry_id(site: &Site, id: &str) -> String {
    site.atom_id(&format!("post:{id}"))
}

/// One item's `<entry>` as it stands in a feed in the folder `dir`: the same
/// in every feed of that folder's depth.
pub fn entry(site: &Site, item: &Item, dir: &str) -> String {
    let mut m = Markup::new(Dialect::Xml);
    m.raw("\n  <entry>");
    m.raw("\n    ")
        .element("id", &[], &entry_id(site, &item.id));
    m.raw("\n    ")
        .element("title", &[("type", "text")], &item.title);
    m.raw("\n    ")
        .element("updated", &[], &item.dates.updated().to_string());
    m.raw("\n    ")
        .element("published", &[], &item.dates.published.to_string());
    m.raw("\n    ").void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &site.link(&item.page, dir)),
        ],
    );
    if let Some(url) = &item.external_url {
        m.raw("\n    ")
            .void("link", &[("rel", "related"), ("href", url)]);
    }
    if let Some(image) = &item.image {
        m.raw("\n    ").void(
            "link",
            &[
                ("rel", "enclosure"),
                ("type", image.mime),
                ("length", &image.size.to_string()),
                ("title", &image.alt),
                ("href", &site.link(&image.file, dir)),
            ],
        );
    }
    for tag in &item.tags {
        m.raw("\n    ").void("category", &[("term", tag)]);
    }
    m.raw("\n    ")
        .element("content", &[("type", "text")], &item.content_text);
    extension(&mut m, item);
    m.raw("\n  </entry>");
    m.finish()
}

/// The `urn:onmessage:feed:1` elements of an entry or item (Atom and RSS
/// carry the same): expiry, audiences, products, and every network's copy
/// with its length, limit, digest and share URL.
pub(crate) fn extension(m: &mut Markup, item: &Item) {
    if let Some(expires) = item.expires {
        m.raw("\n    ")
            .element("om:expires", &[], &expires.to_string());
    }
    for audience in &item.audiences {
        m.raw("\n    ").element("om:audience", &[], audience);
    }
    for product in &item.products {
        m.raw("\n    ").element("om:product", &[], product);
    }
    for p in &item.platforms {
        let length = p.length.to_string();
        let limit = p.limit.to_string();
        let mut attrs = vec![
            ("name", p.platform.id()),
            ("length", length.as_str()),
            ("max-length", limit.as_str()),
            ("sha256", p.sha256.as_str()),
        ];
        if let Some(url) = &p.share_url {
            attrs.push(("share-url", url));
        }
        m.raw("\n    ").element("om:platform", &attrs, &p.text);
    }
}
