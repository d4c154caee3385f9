//! `about.html`: what the feeds carry beyond JSON Feed, Atom and RSS (the
//! `_onmessage` object and the `om:` elements), for people who build tools
//! on them. Static text in the hub's frame (same stylesheet, icon and
//! Content-Security-Policy).

use crate::atom::NAMESPACE;
use crate::hub::{Page, document_start};
use crate::jsonfeed::title;
use crate::markup::{Dialect, Markup};
use crate::model::Site;

/// Each `_onmessage` member of a JSON Feed item: its name and meaning.
const JSON_FIELDS: &[(&str, &str)] = &[
    (
        "about",
        "The address of this page: what the extension's members mean.",
    ),
    (
        "platforms",
        "An object keyed by network id (linkedin, x, facebook, instagram, threads, bluesky, mastodon), in the post's order, one member per network the post is for.",
    ),
    (
        "platforms.<id>.text",
        "The exact text to share on that network, as approved, its links tagged with utm_source=<network>&utm_medium=employee_advocacy&utm_campaign=<post id>.",
    ),
    (
        "platforms.<id>.length",
        "The text's length as that network counts it (X weights links as 23 and most non-Latin characters and emoji as 2; Bluesky counts graphemes; Mastodon counts links as 23).",
    ),
    (
        "platforms.<id>.max_length",
        "The network's limit under the company's policy.",
    ),
    (
        "platforms.<id>.share_url",
        "The network's web share address with the text (or the link) filled in; null where the network has none (Instagram).",
    ),
    (
        "platforms.<id>.sha256",
        "The SHA-256 of the text, in hex: the communications register records the same digest, so a post seen in the wild can be matched with its approval.",
    ),
    (
        "audiences",
        "The audience ids the post is for; empty means everyone. Each audience also has its own feeds under audiences/<id>/.",
    ),
    ("products", "The ids of the products the post names."),
    (
        "expires_at",
        "When the post leaves the feed (RFC 3339, exclusive), or null: stop offering it then.",
    ),
    (
        "image_alt",
        "The image's alt text, present when the item has an image: give it to the network with the image.",
    ),
];

/// The `om:` elements of an Atom entry or RSS item.
const XML_ELEMENTS: &[(&str, &str)] = &[
    ("om:expires", "expires_at, when the item has one."),
    ("om:audience", "One per audience id; none means everyone."),
    ("om:product", "One per product id."),
    (
        "om:platform",
        "One per network: the text to share as content; name, length, max-length, sha256 and share-url (when there is one) as attributes, as in JSON.",
    ),
];

pub fn page(site: &Site) -> String {
    let mut m = Markup::new(Dialect::Html);
    document_start(
        &mut m,
        site,
        &format!("About the feeds · {}", title(site, None)),
        Page::Root,
    );
    m.raw("<div class=\"wrap about\">\n<header class=\"top\">\n<p class=\"back\"><a href=\"./\">All posts to share</a></p>\n");
    m.element("h1", &[], "About the feeds, for tool builders");
    m.raw("\n</header>\n<main>\n");
    m.element(
        "p",
        &[],
        &format!(
            "{} publishes its approved posts as JSON Feed 1.1 (feed.json), Atom 1.0 (feed.xml) and RSS 2.0 (feed.rss), and the same for each audience under audiences/<id>/. Item ids are the post ids and never change; each item's link is the post's own page under posts/<id>/.",
            site.company
        ),
    );
    m.raw("\n<h2>JSON Feed: the <code>_onmessage</code> object of each item</h2>\n<dl>\n");
    for (name, meaning) in JSON_FIELDS {
        m.raw("<dt><code>").text(name).raw("</code></dt>");
        m.element("dd", &[], meaning);
        m.raw("\n");
    }
    m.raw("</dl>\n<h2>Atom and RSS: the <code>om:</code> elements</h2>\n");
    m.open("p", &[]);
    m.text("The same data, in the namespace ");
    m.element("code", &[], NAMESPACE);
    m.text(" (prefix om), inside each entry or item:");
    m.raw("</p>\n<dl>\n");
    for (name, meaning) in XML_ELEMENTS {
        m.raw("<dt><code>").text(name).raw("</code></dt>");
        m.element("dd", &[], meaning);
        m.raw("\n");
    }
    m.raw("</dl>\n");
    m.element(
        "p",
        &[],
        "Show the text as it is: it was approved word for word, and its sha256 is what the register holds. Employees may edit it in the hub before sharing; what they share is their own post.",
    );
    m.raw("\n</main>\n</div>\n</body>\n</html>\n");
    m.finish()
}
