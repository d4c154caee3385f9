//! Rules about links: never to internal hosts; only to our own public domains
//! without a second look; no plain `http://` or shorteners that hide where
//! they go.

use super::{Context, Sink};
use crate::finding::Severity;
use crate::post::TextUnit;
use crate::urls::{find_urls, host_to_ascii, host_within};

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

pub(super) fn check(ctx: &Context, units: &[TextUnit], sink: &mut Sink) {
    let normalise = |domains: &[String]| -> Vec<String> {
        domains.iter().filter_map(|d| host_to_ascii(d)).collect()
    };
    let internal = normalise(&ctx.policy.company.internal_domains);
    let ours = normalise(&ctx.policy.company.domains);
    for unit in units {
        for url in find_urls(&unit.text) {
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
