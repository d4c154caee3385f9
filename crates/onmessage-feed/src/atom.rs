//! Atom 1.0 (RFC 4287). Each entry's `id` is a URN built from the post id
//! (see `Site::atom_id`), `updated` and `published` are its `publish_at`, and
//! the per-network copy travels in elements of the `urn:onmessage:feed:1`
//! namespace, which feed readers ignore and advocacy tools can read. All
//! text goes through `markup`, which escapes it and drops characters XML
//! forbids. A feed is written as its `head`, one `entry` per item, and its
//! `tail`.

use crate::jsonfeed::{description, home_page_url, title};
use crate::markup::{Dialect, Markup};
use crate::model::{Feed, Item, Site};

pub const NAMESPACE: &str = "urn:onmessage:feed:1";

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
            ("href", &site.url(&format!("{dir}feed.xml"))),
        ],
    );
    m.raw("\n  ").void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "application/feed+json"),
            ("href", &site.url(&format!("{dir}feed.json"))),
        ],
    );
    m.raw("\n  <generator>OnMessage</generator>");
    m.finish()
}

pub const TAIL: &str = "\n</feed>\n";

/// One item's `<entry>`: the same in every feed that has the item.
pub fn entry(site: &Site, item: &Item) -> String {
    let mut m = Markup::new(Dialect::Xml);
    let date = item.published.to_string();
    m.raw("\n  <entry>");
    m.raw("\n    ")
        .element("id", &[], &site.atom_id(&format!("post:{}", item.id)));
    m.raw("\n    ")
        .element("title", &[("type", "text")], &item.title);
    m.raw("\n    ").element("updated", &[], &date);
    m.raw("\n    ").element("published", &[], &date);
    m.raw("\n    ").void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &item.url),
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
                ("href", &image.url),
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
