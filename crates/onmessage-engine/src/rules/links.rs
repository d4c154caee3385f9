//! Rules about links: never to internal hosts; only to our own public domains
//! without a second look; no plain `http://` or shorteners that hide where
//! they go.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Context, Sink};
use crate::finding::Severity;
use crate::post::{Post, TextUnit};
use crate::urls::{FoundUrl, host_to_ascii, host_within, internal_mentions};

/// Shorteners hide the destination from the reader and from this check.
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "t.co",
    "goo.gl",
    "tinyurl.com",
    "ow.ly",
    "buff.ly",
    "lnkd.in",
    "rebrand.ly",
    "is.gd",
    "cutt.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "s.id",
];

/// The policy's internal and public domains in the form hosts are compared
/// in. Converting them (IDNA) for every post was a measurable share of a
/// check, so each thread keeps the last conversion, keyed by the lists.
fn normalised_domains(ctx: &Context) -> Rc<(Vec<String>, Vec<String>)> {
    type Cached = (Vec<String>, Vec<String>, Rc<(Vec<String>, Vec<String>)>);
    thread_local! {
        static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
    }
    let company = &ctx.policy.company;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((internal_in, ours_in, normalised)) = &*cache
            && *internal_in == company.internal_domains
            && *ours_in == company.domains
        {
            return Rc::clone(normalised);
        }
        let normalise = |domains: &[String]| -> Vec<String> {
            domains.iter().filter_map(|d| host_to_ascii(d)).collect()
        };
        let normalised = Rc::new((
            normalise(&company.internal_domains),
            normalise(&company.domains),
        ));
        *cache = Some((
            company.internal_domains.clone(),
            company.domains.clone(),
            Rc::clone(&normalised),
        ));
        normalised
    })
}

/// `urls` are each unit's (`urls::find_urls`).
pub(super) fn check(ctx: &Context, units: &[TextUnit], urls: &[Vec<FoundUrl>], sink: &mut Sink) {
    let domains = normalised_domains(ctx);
    let (internal, ours) = (&domains.0, &domains.1);
    for (unit, urls) in units.iter().zip(urls) {
        // Internal hosts named anywhere, not only as links (a bare
        // `wiki.corp.example.com/page`, a full-width or percent-encoded
        // spelling, `user@host`): each mention outside a link already
        // reported as internal is a finding of its own.
        for mention in internal_mentions(&unit.text, internal) {
            let covered = urls.iter().any(|u| {
                u.range.start <= mention.range.start
                    && mention.range.end <= u.range.end
                    && internal.iter().any(|d| host_within(&u.host, d))
            });
            if covered {
                continue;
            }
            let shown = &unit.text[mention.range.clone()];
            sink.push(
                "link.internal",
                Severity::Error,
                unit.file_range(mention.range.start, mention.range.end),
                format!(
                    "'{shown}' names {}, an internal host ({}) in {}",
                    mention.host,
                    mention.domain,
                    unit.field.describe()
                ),
                "Remove the internal host name, or link to a public page on our site instead; internal host names leak how the company is organised and do not work for readers".to_string(),
            );
        }
        for url in urls {
            let range = unit.file_range(url.range.start, url.range.end);
            let shown = &unit.text[url.range.clone()];
            let host = url.host.as_str();
            if let Some(domain) = internal.iter().find(|d| host_within(host, d)) {
                sink.push(
                    "link.internal",
                    Severity::Error,
                    range,
                    format!("'{shown}' links to {host}, an internal host ({domain}) in {}", unit.field.describe()),
                    "Link to a public page on our site instead; internal links leak hostnames and paths and do not work for readers".to_string(),
                );
            } else if let Some(shortener) = SHORTENERS.iter().find(|s| host_within(host, s)) {
                sink.push(
                    "link.domain",
                    Severity::Warning,
                    range,
                    format!("'{shown}' goes through the link shortener {shortener}: readers cannot see where it leads"),
                    "Use the full link; publishing adds tracking parameters itself".to_string(),
                );
            } else if url.scheme.as_deref() == Some("http") {
                sink.push(
                    "link.domain",
                    Severity::Warning,
                    range,
                    format!("'{shown}' uses plain http://"),
                    "Use https://".to_string(),
                );
            } else if !ours.iter().any(|d| host_within(host, d)) {
                sink.push(
                    "link.domain",
                    Severity::Warning,
                    range,
                    format!("'{shown}' links to {host}, which is not one of our domains ({})", ours.join(", ")),
                    "Check that the page is public, trustworthy and meant to be shared; ask the policy owners to add the domain if it is ours".to_string(),
                );
            }
        }
    }
}

/// Schemes that run code or read local files instead of opening a page.
const DANGEROUS_SCHEMES: &[&str] = &["javascript", "vbscript", "data", "file"];

/// `link.scheme`: the post's `link`, and every Markdown link and image
/// destination, must not use a scheme that runs code or reads local files.
pub(super) fn schemes(post: &Post, sink: &mut Sink) {
    let front = post
        .front
        .as_ref()
        .and_then(|f| f.link.as_ref())
        .map(|link| (link.as_str(), post.front_range("/link", false)));
    let markdown = post.links.iter().map(|l| (l.url.as_str(), l.range.clone()));
    for (url, range) in front.into_iter().chain(markdown) {
        // Browsers ignore spaces and control characters inside a scheme.
        let compact: String = url
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        let Some((scheme, _)) = compact.split_once(':') else {
            continue;
        };
        let scheme = scheme.to_ascii_lowercase();
        if DANGEROUS_SCHEMES.contains(&scheme.as_str()) {
            sink.push(
                "link.scheme",
                Severity::Error,
                range,
                format!("a `{scheme}:` link: it runs code or opens local files instead of a page"),
                "Link to an https:// page on one of our domains".to_string(),
            );
        }
    }
}
