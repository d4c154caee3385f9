//! RSS 2.0, for the advocacy platforms that read nothing else (Haiilo
//! documents RSS 2.0 only: a valid feed, `title`, `description`, an image,
//! RFC 822 `pubDate`, polled about every 30 minutes, taking only items newer
//! than its last fetch). Each item's `guid` is the post id (not a
//! permalink), `pubDate` the moment it became shareable, the image an
//! `enclosure` with its byte length and type, and the per-network copy the
//! same `urn:onmessage:feed:1` elements as Atom's. A feed is written as its
//! `head`, one `item` per post, and its `TAIL`.

use jiff::Timestamp;

use crate::atom::NAMESPACE;
use crate::jsonfeed::{description, home_page_url, title};
use crate::markup::{Dialect, Markup};
use crate::model::{Feed, Item, Site};

/// RFC 822 (as RSS 2.0 asks, with a four-digit year), in UTC.
pub fn rfc822(at: Timestamp) -> String {
    at.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// Everything before the items.
pub fn head(feed: &Feed) -> String {
    let site = feed.site;
    let dir = Site::feed_dir(feed.audience);
    let mut m = Markup::new(Dialect::Xml);
    m.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    m.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:om", NAMESPACE),
        ],
    );
    m.raw("\n<channel>");
    m.raw("\n  ")
        .element("title", &[], &title(site, feed.audience));
    m.raw("\n  ")
        .element("link", &[], &home_page_url(site, feed.audience));
    m.raw("\n  ")
        .element("description", &[], &description(site));
    m.raw("\n  ").element("language", &[], &site.language);
    m.raw("\n  ")
        .element("lastBuildDate", &[], &rfc822(site.now));
    m.raw("\n  ").void(
        "atom:link",
        &[
            ("rel", "self"),
            ("type", "application/rss+xml"),
            ("href", &site.link(&format!("{dir}feed.rss"), &dir)),
        ],
    );
    // The channel's image links where the channel does, as RSS asks.
    m.raw("\n  <image>");
    m.raw("\n    ")
        .element("url", &[], &site.link(Site::icon_path(), &dir));
    m.raw("\n    ")
        .element("title", &[], &title(site, feed.audience));
    m.raw("\n    ")
        .element("link", &[], &home_page_url(site, feed.audience));
    m.raw("\n  </image>");
    m.raw("\n  <generator>OnMessage</generator>");
    m.raw("\n  <docs>https://www.rssboard.org/rss-specification</docs>");
    m.raw("\n  <ttl>30</ttl>");
    m.finish()
}

pub const TAIL: &str = "\n</channel>\n</rss>\n";

/// One post's `<item>` as it stands in a feed in the folder `dir`: the
/// same in every feed of that folder's depth.
pub fn item(site: &Site, item: &Item, dir: &str) -> String {
    let mut m = Markup::new(Dialect::Xml);
    m.raw("\n  <item>");
    m.raw("\n    ").element("title", &[], &item.title);
    m.raw("\n    ")
        .element("link", &[], &site.link(&item.page, dir));
    m.raw("\n    ")
        .element("guid", &[("isPermaLink", "false")], &item.id);
    m.raw("\n    ")
        .element("pubDate", &[], &rfc822(item.dates.shareable));
    m.raw("\n    ")
        .element("description", &[], &item.content_text);
    for tag in &item.tags {
        m.raw("\n    ").element("category", &[], tag);
    }
    if let Some(image) = &item.image {
        m.raw("\n    ").void(
            "enclosure",
            &[
                ("url", &site.link(&image.file, dir)),
                ("length", &image.size.to_string()),
                ("type", image.mime),
            ],
        );
    }
    crate::atom::extension(&mut m, item);
    m.raw("\n  </item>");
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc_822_in_utc() {
        let at: Timestamp = "2026-12-01T16:00:00Z".parse().unwrap();
        assert_eq!(rfc822(at), "Tue, 01 Dec 2026 16:00:00 +0000");
    }
}
