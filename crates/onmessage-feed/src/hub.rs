//! The hub (`index.html`): one static page employees open to pick a post,
//! adjust the words, copy them and share; and each post's own page
//! (`posts/<id>/index.html`, the same card alone). They work from disk and
//! from any static host: no framework, no external requests, one inline
//! stylesheet and one inline script, both allowed by hash in a strict
//! Content-Security-Policy.
//!
//! A card puts what an employee came for first: the title, then each
//! network's copy with its count and the Copy and Share buttons, then the
//! image with its alt text and a download link. Without JavaScript every
//! network's copy is shown one after another; the script turns them into
//! tabs, shows tracking links short while copying them whole, keeps the
//! character count live while the employee edits (Share is off while the
//! text is over the network's limit), copies to the clipboard, and filters
//! by search words, audience and network.
//!
//! The hub is written as its `head`, one `card` per item, and its `tail`;
//! a post's page is written whole by `post_page`.

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

/// Which page a piece of markup is for: links are written relative to it,
/// so they resolve from disk and from any host, whatever `--base-url` is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `index.html` and `about.html`, at the output root.
    Root,
    /// `posts/<id>/index.html`, two folders down.
    Post,
}

impl Page {
    /// `path` (relative to the output root) as linked from this page.
    pub fn link(self, path: &str) -> String {
        match self {
            Page::Root => path.to_string(),
            Page::Post => format!("../../{path}"),
        }
    }
}

/// The document up to `<body>`: language, the Content-Security-Policy, the
/// icon, the feeds, the stylesheet.
pub(crate) fn document_start(m: &mut Markup, site: &Site, page_title: &str, page: Page) {
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
    m.element("title", &[], page_title).raw("\n");
    m.void(
        "link",
        &[
            ("rel", "icon"),
            ("type", "image/svg+xml"),
            ("href", &page.link(Site::icon_path())),
        ],
    );
    m.raw("\n");
    for (kind, name, file) in [
        ("application/atom+xml", "Atom", "feed.xml"),
        ("application/feed+json", "JSON Feed", "feed.json"),
    ] {
        m.void(
            "link",
            &[
                ("rel", "alternate"),
                ("type", kind),
                ("title", &format!("{} ({name})", title(site, None))),
                ("href", &page.link(file)),
            ],
        );
        m.raw("\n");
    }
    m.raw("<style>")
        .raw(STYLE)
        .raw("</style>\n</head>\n<body>\n");
}

/// Everything before the cards.
pub fn head(feed: &Feed) -> String {
    let site = feed.site;
    let mut m = Markup::new(Dialect::Html);
    document_start(&mut m, site, &title(site, None), Page::Root);
    m.raw("<a class=\"skip\" href=\"#om_posts\">Skip to the posts</a>\n<div class=\"wrap\">\n");
    header(&mut m, site);
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
    footer(&mut m, site, Page::Root);
    document_end(&mut m);
    m.finish()
}

fn document_end(m: &mut Markup) {
    m.raw("</div>\n<script>")
        .raw(SCRIPT)
        .raw("</script>\n</body>\n</html>\n");
}

/// A post's own page, `posts/<id>/index.html`: its card alone.
pub fn post_page(site: &Site, item: &Item) -> String {
    let mut m = Markup::new(Dialect::Html);
    document_start(
        &mut m,
        site,
        &format!("{} · {}", item.title, title(site, None)),
        Page::Post,
    );
    // The page's level-one heading is the hub's name, a way back to it.
    m.raw("<div class=\"wrap\">\n<header class=\"top\">\n<h1 class=\"site\">");
    m.element("a", &[("href", &Page::Post.link(""))], &title(site, None));
    m.raw("</h1>\n</header>\n<main>\n");
    let mut page = m.finish();
    page.push_str(&card(site, item, Page::Post));
    let mut m = Markup::new(Dialect::Html);
    m.raw("</main>\n");
    footer(&mut m, site, Page::Post);
    document_end(&mut m);
    page.push_str(&m.finish());
    page
}

fn header(m: &mut Markup, site: &Site) {
    m.raw("<header class=\"top\">\n");
    m.element("h1", &[], &format!("{}: posts to share", site.company));
    if let Some(notice) = &site.notice {
        m.raw("\n");
        m.element("p", &[("class", "notice"), ("role", "status")], notice);
    }
    m.raw("\n<p class=\"lede\">Approved posts for your own accounts: pick a network, make the words your own, then copy or share.</p>\n");
    m.raw("<p class=\"updated\">Updated ");
    // When the hub was published: a post can leave or a filter change
    // without any post being newer.
    m.element(
        "time",
        &[("datetime", &site.now.to_string())],
        &day(site.now, &site.timezone),
    );
    m.raw(" · <a href=\"feed.xml\">Atom feed</a> · <a href=\"feed.rss\">RSS</a> · <a href=\"feed.json\">JSON Feed</a></p>\n</header>\n");
}

fn filters(m: &mut Markup, site: &Site) {
    m.raw("<section class=\"filters\" id=\"om_filters\" aria-label=\"Filter the posts\" hidden>\n");
    m.raw("<div class=\"field search\"><label for=\"om_search\">Search</label><input type=\"search\" id=\"om_search\" placeholder=\"Words in the title or text\" autocomplete=\"off\"></div>\n");
    m.raw("<div class=\"field\"><label for=\"om_audience\">Audience</label><select id=\"om_audience\"><option value=\"\">Everyone</option>");
    for audience in &site.audiences {
        m.element(
            "option",
            &[("value", audience)],
            site.audience_name(audience),
        );
    }
    m.raw("</select></div>\n");
    m.raw("<div class=\"field\"><label for=\"om_platform\">Network</label><select id=\"om_platform\"><option value=\"\">All networks</option>");
    for &platform in &site.platforms {
        m.element("option", &[("value", platform.id())], platform.name());
    }
    m.raw("</select></div>\n");
    m.raw("<p class=\"shown\" id=\"om_shown\" role=\"status\"></p>\n</section>\n");
}

/// A tag as readers see it: its words, not its slug.
fn readable(tag: &str) -> String {
    tag.replace(['-', '_'], " ")
}

/// One item's card, its links written for `page`.
pub fn card(site: &Site, item: &Item, page: Page) -> String {
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
        let names: Vec<&str> = item
            .audiences
            .iter()
            .map(|a| site.audience_name(a))
            .collect();
        m.text(&format!("For {}", names.join(", ")));
    }
    if let Some(end) = item.expires {
        m.raw(" · ")
            .text(&format!("Share until {}", until(end, &site.timezone)));
    }
    m.raw(" · ");
    m.element(
        "a",
        &[
            ("class", "permalink"),
            ("href", &page.link(&Site::post_path(id))),
        ],
        "Link to this post",
    );
    m.raw("</p>\n");
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
    if let Some(image) = &item.image {
        let (width, height) = (image.width.to_string(), image.height.to_string());
        let src = page.link(&image.file);
        m.raw("<div class=\"media\">");
        m.void(
            "img",
            &[
                ("class", "photo"),
                ("src", &src),
                ("width", &width),
                ("height", &height),
                ("alt", &image.alt),
                ("loading", "lazy"),
            ],
        );
        m.raw("<div class=\"media-text\">");
        if !image.alt.is_empty() {
            m.raw(
                "<p class=\"alt\"><span class=\"alt-label\">Image description (alt text):</span> ",
            );
            m.text(&image.alt).raw("</p>");
        }
        m.element(
            "a",
            &[("class", "download"), ("href", &src), ("download", "")],
            "Download image",
        );
        m.raw("</div></div>\n");
    }
    if !item.tags.is_empty() {
        m.raw("<ul class=\"tags\" aria-label=\"Tags\">");
        for tag in &item.tags {
            m.element("li", &[], &readable(tag));
        }
        m.raw("</ul>\n");
    }
    m.raw("</article>\n");
    m.finish()
}

/// The query parameters `share::utm_tag` adds.
const TRACKING: [&str; 3] = ["utm_source", "utm_medium", "utm_campaign"];

/// `url` without its tracking parameters, or `None` if it has none.
fn untracked(url: &str) -> Option<String> {
    let (before_fragment, fragment) = url.split_at(url.find('#').unwrap_or(url.len()));
    let (path, query) = before_fragment.split_once('?')?;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !TRACKING.contains(&pair.split('=').next().unwrap_or_default()))
        .collect();
    if kept.len() == query.split('&').count() {
        return None;
    }
    let mut short = path.to_string();
    if !kept.is_empty() {
        short.push('?');
        short.push_str(&kept.join("&"));
    }
    short.push_str(fragment);
    Some(short)
}

/// Each tracked link of `text` with its short form, for the script to show
/// short and copy whole: `[[whole, short], ...]` as JSON, or `None`.
fn short_links(text: &str) -> Option<String> {
    let tracked: Vec<(&str, String)> = onmessage_engine::urls::find_urls(text)
        .into_iter()
        .filter_map(|url| {
            let whole = &text[url.range];
            Some((whole, untracked(whole)?))
        })
        .collect();
    let mut pairs: Vec<[&str; 2]> = Vec::new();
    for (whole, short) in &tracked {
        if !pairs.iter().any(|[w, _]| w == whole) {
            pairs.push([whole, short]);
        }
    }
    if pairs.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&pairs).expect("strings serialise"))
    }
}

fn panel(m: &mut Markup, id: &str, p: &PlatformCopy) {
    let key = p.platform.id();
    let name = p.platform.name();
    let text_id = format!("{id}__text_{key}");
    let count_id = format!("{id}__count_{key}");
    let limit_id = format!("{id}__limit_{key}");
    let limit = p.limit.to_string();
    let over = p.length > p.limit;
    let panel_id = format!("{id}__panel_{key}");
    let tab_id = format!("{id}__tab_{key}");
    let links = short_links(&p.text);
    let mut attrs = vec![
        ("class", if over { "panel is-over" } else { "panel" }),
        ("role", "tabpanel"),
        ("data-platform", key),
        ("data-limit", limit.as_str()),
        ("id", &panel_id),
        ("aria-labelledby", &tab_id),
    ];
    if let Intent::Text { prefix } = &p.intent {
        attrs.push(("data-intent", prefix));
    }
    if let Some(links) = &links {
        attrs.push(("data-links", links));
    }
    m.open("section", &attrs);
    m.raw("\n");
    m.element("h3", &[], name);
    m.raw("\n");
    m.element("label", &[("for", &text_id)], &format!("Text for {name}"));
    m.raw("\n");
    // Tall enough for the text at a typical width, within reason: the
    // buttons below must stay on the first screen of a phone.
    let lines: usize = p.text.split('\n').map(|l| 1 + l.chars().count() / 64).sum();
    let rows = lines.clamp(3, 8).to_string();
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
    if over {
        m.raw("<span class=\"over\">")
            .text(&format!(", {} over the limit", p.length - p.limit))
            .raw("</span></p>\n");
    } else {
        m.raw("<span class=\"over\" hidden></span></p>\n");
    }
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
        let label = format!("Share on {name}");
        // Over the limit the network would cut or refuse the text: Share
        // is off (no address to follow) until it fits, and says why.
        let mut attrs = vec![("class", "share"), ("aria-describedby", limit_id.as_str())];
        if over {
            attrs.extend([
                ("role", "link"),
                ("aria-disabled", "true"),
                ("data-href", url),
            ]);
        } else {
            attrs.extend([
                ("href", url.as_str()),
                ("target", "_blank"),
                ("rel", "noopener noreferrer"),
            ]);
        }
        m.element("a", &attrs, &label);
    }
    m.raw("<span class=\"copied\" role=\"status\"></span></div>\n");
    if p.share_url.is_some() {
        let mut attrs = vec![("class", "limit"), ("id", limit_id.as_str())];
        if !over {
            attrs.push(("hidden", ""));
        }
        m.element(
            "p",
            &attrs,
            &format!(
                "Share is off while the text is over {name}'s limit of {limit}: shorten it first."
            ),
        );
        m.raw("\n");
    }
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

fn footer(m: &mut Markup, site: &Site, page: Page) {
    m.raw("<footer>\n");
    if !site.audiences.is_empty() && page == Page::Root {
        m.raw("<p>Feeds for one audience:</p>\n<ul>\n");
        for audience in &site.audiences {
            m.raw("<li>");
            m.text(site.audience_name(audience)).raw(": ");
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
    m.raw("<p>Share from your own account, in your own words. ");
    m.element(
        "a",
        &[("href", &page.link(Site::about_path()))],
        "About the feeds, for tool builders",
    );
    m.raw("</p>\n</footer>\n");
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
    fn tracked_links_have_a_short_form_without_their_utm_parameters() {
        let tagged = onmessage_engine::share::utm_tag("https://e.com/a?ref=hub#top", "x", "p");
        assert_eq!(
            untracked(&tagged).as_deref(),
            Some("https://e.com/a?ref=hub#top")
        );
        let tagged = onmessage_engine::share::utm_tag("https://e.com/a", "x", "p");
        assert_eq!(untracked(&tagged).as_deref(), Some("https://e.com/a"));
        assert_eq!(untracked("https://e.com/a?ref=hub#top"), None);
        assert_eq!(untracked("https://e.com/a#utm_source=x"), None);
        // Each link once, in order; untracked links are not listed.
        let text = format!("Read {tagged} and https://e.com/b, again {tagged}.");
        assert_eq!(
            short_links(&text).unwrap(),
            format!("[[\"{tagged}\",\"https://e.com/a\"]]")
        );
        assert_eq!(short_links("Read https://e.com/b"), None);
    }

    #[test]
    fn a_text_published_over_its_limit_has_share_off_and_says_why() {
        let copy = |text: &str, length: usize| PlatformCopy {
            platform: Platform::X,
            text: text.to_string(),
            sha256: String::new(),
            length,
            limit: 280,
            intent: Intent::Text {
                prefix: "https://x.com/intent/post?text=",
            },
            share_url: Some(format!("https://x.com/intent/post?text={text}")),
            link_attached: false,
        };
        let render = |p: &PlatformCopy| {
            let mut m = Markup::new(Dialect::Html);
            panel(&mut m, "p", p);
            m.finish()
        };
        let over = render(&copy("long", 281));
        assert!(over.contains("class=\"panel is-over\""));
        assert!(over.contains("<span class=\"over\">, 1 over the limit</span>"));
        assert!(over.contains("<a class=\"share\" aria-describedby=\"p__limit_x\" role=\"link\" aria-disabled=\"true\" data-href=\"https://x.com/intent/post?text=long\">"));
        assert!(over.contains("<p class=\"limit\" id=\"p__limit_x\">Share is off"));
        let within = render(&copy("short", 280));
        assert!(within.contains("class=\"panel\""));
        assert!(within.contains("href=\"https://x.com/intent/post?text=short\" target=\"_blank\""));
        assert!(within.contains("<p class=\"limit\" id=\"p__limit_x\" hidden=\"\">"));
        assert!(!within.contains("aria-disabled"));
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
