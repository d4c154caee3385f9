//! The hub (`index.html`): one static page employees open to pick a post,
//! adjust the words, copy them and share. It works from disk and from any
//! static host: no framework, no external requests, one inline stylesheet and
//! one inline script, both allowed by hash in a strict Content-Security-Policy.
//!
//! Without JavaScript every network's copy is shown one after another; the
//! script turns them into tabs, keeps the character count live while the
//! employee edits, copies to the clipboard and filters by audience and network.
//!
//! The page is written as its `head`, one `card` per item, and its `tail`.

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

use crate::encode::csp_hash;
use crate::intent::Intent;
use crate::jsonfeed::title;
use crate::markup::{Dialect, Markup};
use crate::model::{Feed, Item, PlatformCopy, Site};
use onmessage_engine::platform::Platform;

pub const STYLE: &str = include_str!("hub.css");
pub const SCRIPT: &str = include_str!("hub.js");

/// The page's Content-Security-Policy: nothing but its own images, its one
/// stylesheet and its one script.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; img-src 'self'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

fn day(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%-d %b %Y")
        .to_string()
}

/// The last moment to share, as a reader says it: a bare-date expiry ends at
/// midnight, so it reads as the day before.
fn until(end: Timestamp, tz: &TimeZone) -> String {
    let zoned = end.to_zoned_datetime(tz.clone());
    if zoned.time() == Time::midnight() {
        match zoned.date().yesterday() {
            Ok(date) => date.strftime("%-d %b %Y").to_string(),
            Err(_) => day(end, tz),
        }
    } else {
        zoned.strftime("%-d %b %Y, %H:%M %Z").to_string()
    }
}

/// Everything before the cards.
pub fn head(feed: &Feed) -> String {
    let site = feed.site;
    let mut m = Markup::new(Dialect::Html);
    m.raw("<!DOCTYPE html>\n");
    m.open("html", &[("lang", &site.language)]);
    m.raw("\n<head>\n<meta charset=\"utf-8\">\n");
    m.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    m.void(
        "meta",
        &[
            ("http-equiv", "Content-Security-Policy"),
            ("content", &content_security_policy()),
        ],
    );
    m.raw("\n<meta name=\"referrer\" content=\"no-referrer\">\n");
    m.raw("<meta name=\"robots\" content=\"noindex\">\n");
    m.element("title", &[], &title(site, None)).raw("\n");
    m.void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "application/atom+xml"),
            ("title", &format!("{} (Atom)", title(site, None))),
            ("href", "feed.xml"),
        ],
    );
    m.raw("\n");
    m.void(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "application/feed+json"),
            ("title", &format!("{} (JSON Feed)", title(site, None))),
            ("href", "feed.json"),
        ],
    );
    m.raw("\n<style>")
        .raw(STYLE)
        .raw("</style>\n</head>\n<body>\n");
    m.raw("<a class=\"skip\" href=\"#om_posts\">Skip to the posts</a>\n<div class=\"wrap\">\n");
    header(&mut m, feed);
    m.raw("<main id=\"om_posts\">\n");
    filters(&mut m, site);
    m.raw("<p class=\"empty\" id=\"om_empty\"");
    if feed.items > 0 {
        m.raw(" hidden");
    }
    m.raw(">No post to share matches these filters right now. Check back soon.</p>\n");
    m.finish()
}

/// Everything after the cards.
pub fn tail(site: &Site) -> String {
    let mut m = Markup::new(Dialect::Html);
    m.raw("</main>\n");
    footer(&mut m, site);
    m.raw("</div>\n<script>")
        .raw(SCRIPT)
        .raw("</script>\n</body>\n</html>\n");
    m.finish()
}

fn header(m: &mut Markup, feed: &Feed) {
    let site = feed.site;
    m.raw("<header class=\"top\">\n");
    m.element("h1", &[], &format!("{}: posts to share", site.company));
    if let Some(notice) = &site.notice {
        m.raw("\n");
        m.element("p", &[("class", "notice"), ("role", "status")], notice);
    }
    m.raw("\n<p class=\"lede\">Suggested posts approved for your own accounts. Choose a network, make the words your own if you like, then copy the text or share it.</p>\n");
    m.raw("<p class=\"feeds\">Subscribe: <a href=\"feed.xml\">Atom feed</a> · <a href=\"feed.json\">JSON Feed</a></p>\n");
    m.raw("<p class=\"updated\">Updated ");
    m.element(
        "time",
        &[("datetime", &feed.updated.to_string())],
        &day(feed.updated, &site.timezone),
    );
    m.raw("</p>\n</header>\n");
}

fn filters(m: &mut Markup, site: &Site) {
    m.raw("<section class=\"filters\" id=\"om_filters\" aria-label=\"Filter the posts\" hidden>\n");
    m.raw("<div class=\"field\"><label for=\"om_audience\">Audience</label><select id=\"om_audience\"><option value=\"\">Everyone</option>");
    for audience in &site.audiences {
        m.element("option", &[("value", audience)], audience);
    }
    m.raw("</select></div>\n");
    m.raw("<div class=\"field\"><label for=\"om_platform\">Network</label><select id=\"om_platform\"><option value=\"\">All networks</option>");
    for &platform in &site.platforms {
        m.element("option", &[("value", platform.id())], platform.name());
    }
    m.raw("</select></div>\n");
    m.raw("<p class=\"shown\" id=\"om_shown\" role=\"status\"></p>\n</section>\n");
}

/// One item's card.
pub fn card(site: &Site, item: &Item) -> String {
    let mut m = Markup::new(Dialect::Html);
    let id = item.id.as_str();
    let platforms: Vec<&str> = item.platforms.iter().map(|p| p.platform.id()).collect();
    let title_id = format!("{id}__title");
    m.open(
        "article",
        &[
            ("class", "card"),
            ("id", id),
            ("aria-labelledby", &title_id),
            ("data-audiences", &item.audiences.join(" ")),
            ("data-platforms", &platforms.join(" ")),
        ],
    );
    m.raw("\n");
    m.element("h2", &[("id", &title_id)], &item.title);
    m.raw("\n<p class=\"meta\">");
    m.element(
        "time",
        &[("datetime", &item.dates.published.to_string())],
        &day(item.dates.published, &site.timezone),
    );
    m.raw(" · ");
    if item.audiences.is_empty() {
        m.text("For everyone");
    } else {
        m.text(&format!("For {}", item.audiences.join(", ")));
    }
    if let Some(end) = item.expires {
        m.raw(" · ")
            .text(&format!("Share until {}", until(end, &site.timezone)));
    }
    m.raw("</p>\n");
    if let Some(image) = &item.image {
        m.void(
            "img",
            &[
                ("class", "photo"),
                ("src", &image.file),
                ("alt", &image.alt),
                ("loading", "lazy"),
            ],
        );
        m.raw("\n");
    }
    m.open(
        "div",
        &[
            ("class", "tabs"),
            ("role", "tablist"),
            ("aria-label", &format!("Networks for {}", item.title)),
            ("hidden", ""),
        ],
    );
    for (i, p) in item.platforms.iter().enumerate() {
        let key = p.platform.id();
        m.element(
            "button",
            &[
                ("type", "button"),
                ("role", "tab"),
                ("id", &format!("{id}__tab_{key}")),
                ("aria-controls", &format!("{id}__panel_{key}")),
                ("aria-selected", if i == 0 { "true" } else { "false" }),
                ("tabindex", if i == 0 { "0" } else { "-1" }),
                ("data-platform", key),
            ],
            p.platform.name(),
        );
    }
    m.raw("</div>\n");
    for p in &item.platforms {
        panel(&mut m, id, p);
    }
    if !item.tags.is_empty() {
        m.raw("<ul class=\"tags\" aria-label=\"Tags\">");
        for tag in &item.tags {
            m.element("li", &[], tag);
        }
        m.raw("</ul>\n");
    }
    m.raw("</article>\n");
    m.finish()
}

fn panel(m: &mut Markup, id: &str, p: &PlatformCopy) {
    let key = p.platform.id();
    let name = p.platform.name();
    let text_id = format!("{id}__text_{key}");
    let count_id = format!("{id}__count_{key}");
    let limit = p.limit.to_string();
    let mut attrs = vec![
        ("class", "panel"),
        ("role", "tabpanel"),
        ("data-platform", key),
        ("data-limit", limit.as_str()),
    ];
    let panel_id = format!("{id}__panel_{key}");
    let tab_id = format!("{id}__tab_{key}");
    attrs.push(("id", &panel_id));
    attrs.push(("aria-labelledby", &tab_id));
    if let Intent::Text { prefix } = &p.intent {
        attrs.push(("data-intent", prefix));
    }
    m.open("section", &attrs);
    m.raw("\n");
    m.element("h3", &[], name);
    m.raw("\n");
    m.element("label", &[("for", &text_id)], &format!("Text for {name}"));
    m.raw("\n");
    // Tall enough for the text at a typical width, within reason.
    let lines: usize = p.text.split('\n').map(|l| 1 + l.chars().count() / 64).sum();
    let rows = lines.clamp(3, 12).to_string();
    // The parser drops one newline right after <textarea>: this one, never the text's.
    m.open(
        "textarea",
        &[
            ("id", &text_id),
            ("rows", &rows),
            ("aria-describedby", &count_id),
        ],
    );
    m.raw("\n").text(&p.text).close("textarea");
    m.raw("\n");
    m.open("p", &[("class", "count"), ("id", &count_id)]);
    m.raw("<span class=\"n\">")
        .number(p.length)
        .raw("</span> of ");
    m.number(p.limit);
    m.text(match p.platform {
        Platform::X => " characters, as X counts them",
        Platform::Bluesky => " characters (graphemes)",
        Platform::Mastodon => " characters, links count 23",
        _ => " characters",
    });
    m.raw("<span class=\"over\" hidden></span></p>\n");
    m.raw("<div class=\"actions\">");
    m.element(
        "button",
        &[
            ("type", "button"),
            ("class", "copy"),
            ("aria-label", &format!("Copy text for {name}")),
        ],
        "Copy text",
    );
    if let Some(url) = &p.share_url {
        m.element(
            "a",
            &[
                ("class", "share"),
                ("href", url),
                ("target", "_blank"),
                ("rel", "noopener noreferrer"),
            ],
            &format!("Share on {name}"),
        );
    }
    m.raw("<span class=\"copied\" role=\"status\"></span></div>\n");
    let hint = match (&p.intent, p.link_attached) {
        (Intent::None, _) if p.platform == Platform::Instagram => {
            Some("Instagram has no web sharing: copy the text, then post from the app.")
        }
        (Intent::None, _) => Some("Copy the text, then paste it into a new post."),
        (Intent::Link { .. }, true) => {
            Some("Share opens the link with its preview card: paste the copied text into the post.")
        }
        _ => None,
    };
    if let Some(hint) = hint {
        m.element("p", &[("class", "hint")], hint);
        m.raw("\n");
    }
    m.raw("</section>\n");
}

fn footer(m: &mut Markup, site: &Site) {
    m.raw("<footer>\n");
    if !site.audiences.is_empty() {
        m.raw("<p>Feeds for one audience:</p>\n<ul>\n");
        for audience in &site.audiences {
            m.raw("<li>");
            m.text(audience).raw(": ");
            m.element(
                "a",
                &[("href", &format!("audiences/{audience}/feed.xml"))],
                "Atom",
            );
            m.raw(" · ");
            m.element(
                "a",
                &[("href", &format!("audiences/{audience}/feed.json"))],
                "JSON Feed",
            );
            m.raw("</li>\n");
        }
        m.raw("</ul>\n");
    }
    m.raw("<p>Share from your own account, in your own words.</p>\n</footer>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_allows_exactly_the_inline_assets() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'; img-src 'self'; style-src 'sha256-"));
        assert!(csp.contains(&csp_hash(SCRIPT)));
        assert!(!csp.contains("unsafe"));
        assert!(!STYLE.contains("</style"));
        assert!(!SCRIPT.contains("</script"));
    }

    #[test]
    fn expiry_reads_as_the_last_day() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let end: Timestamp = "2027-01-01T05:00:00Z".parse().unwrap();
        assert_eq!(until(end, &tz), "31 Dec 2026");
        let end: Timestamp = "2027-01-01T17:30:00Z".parse().unwrap();
        assert_eq!(until(end, &tz), "1 Jan 2027, 12:30 EST");
    }
}
