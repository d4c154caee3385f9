//! Rules about each network's copy: length, hashtags and links as the network
//! counts them, and the employee disclosure (present, and visible).

use super::{Context, Sink, scoped};
use crate::finding::Severity;
use crate::matcher::{Hit, Subject};
use crate::measure::{self, hashtags};
use crate::platform::Platform;
use crate::policy::DisclosureRequired;
use crate::post::{Post, Section};
use crate::share::{Reader, SharedCopy, adds_link, shared_text};
use crate::urls::find_urls;

/// Hashtags in a run at least this long hide a disclosure among them.
const BURIED_RUN: usize = 3;

/// `copies` are each section's copy as networks show it, by section: every
/// count is of the text shared, and every finding points at the Markdown it
/// came from.
pub(super) fn limits(ctx: &Context, post: &Post, copies: &[SharedCopy], sink: &mut Sink) {
    let Some(front) = &post.front else { return };
    let link = front.link.as_deref();
    for &platform in &front.platforms {
        let Some(index) = post.copy_index_for(platform) else {
            continue;
        };
        let section = &post.sections[index];
        let copy = &copies[index];
        let plain = &copy.plain;
        // File range of `plain.text[start..end]`.
        let in_file = |start: usize, end: usize| {
            let range = plain.source_range(start, end);
            section.range.start + range.start..section.range.start + range.end
        };
        let limits = ctx.policy.limits(platform);
        let shared = shared_text(copy, link, Reader::Network(platform), &post.id);
        // What the share button adds beyond the copy, for messages.
        let link_added = adds_link(copy, link, platform);
        let with_link = if link_added {
            " with the post's link, which the share button adds,"
        } else {
            ""
        };
        let length = measure::length(platform, &shared);
        if length > limits.max_length {
            let over = length - limits.max_length;
            let start =
                plain.source_offset(overflow_offset(platform, &plain.text, limits.max_length));
            let help = if section.platform == Some(platform) {
                format!("Shorten it by at least {over}")
            } else {
                format!(
                    "Shorten it by at least {over}, or give {} its own shorter `## {}` section",
                    platform.id(),
                    platform.id()
                )
            };
            sink.push_each(
                "platform.length",
                Severity::Error,
                section.range.start + start..section.range.end,
                format!(
                    "the {} copy{with_link} is {length} {}, {over} over its limit of {}",
                    platform.id(),
                    platform.length_unit(),
                    limits.max_length
                ),
                help,
            );
        }
        if let Some(max_bytes) = limits.max_bytes.filter(|&max| shared.len() > max) {
            sink.push_each(
                "platform.length",
                Severity::Error,
                section.range.clone(),
                format!(
                    "the {} copy is {} bytes of UTF-8, over its limit of {max_bytes}",
                    platform.id(),
                    shared.len()
                ),
                "Shorten it; emoji and non-Latin characters take several bytes each".to_string(),
            );
        }
        // Counted only where the platform has a limit.
        let tags = limits
            .max_hashtags
            .map(|_| hashtags(&plain.text))
            .unwrap_or_default();
        if let Some(max) = limits.max_hashtags.filter(|&max| tags.len() > max) {
            sink.push_each(
                "platform.hashtags",
                Severity::Error,
                in_file(tags[max].start, tags[tags.len() - 1].end),
                format!(
                    "the {} copy has {} hashtags; {} allows {max}",
                    platform.id(),
                    tags.len(),
                    platform.id()
                ),
                format!("Keep the {max} that matter most"),
            );
        }
        let in_copy: Vec<std::ops::Range<usize>> = copy
            .urls
            .iter()
            .map(|u| in_file(u.range.start, u.range.end))
            .collect();
        links(
            platform, section, &in_copy, &shared, limits, with_link, sink,
        );
    }
}

/// `in_copy` are the file ranges of the links in the copy as shown.
fn links(
    platform: Platform,
    section: &Section,
    in_copy: &[std::ops::Range<usize>],
    shared: &str,
    limits: crate::platform::Limits,
    with_link: &str,
    sink: &mut Sink,
) {
    let count = limits.max_links.map_or(0, |_| find_urls(shared).len());
    if !limits.links_clickable {
        for url in in_copy {
            sink.push_each(
                "platform.links",
                Severity::Warning,
                url.clone(),
                format!("links are not clickable in {} captions", platform.id()),
                "Say where to find it instead (\"link in bio\"), or give this platform its own section without the link".to_string(),
            );
        }
    }
    if let Some(max) = limits.max_links.filter(|&max| count > max) {
        let range = in_copy
            .get(max)
            .map_or(section.range.clone(), |u| u.start..section.range.end);
        sink.push_each(
            "platform.links",
            Severity::Error,
            range,
            format!(
                "the {} copy{with_link} has {count} links; {} allows {max}",
                platform.id(),
                platform.id()
            ),
            format!("Remove links until at most {max} remain"),
        );
    }
}

/// Byte offset in `copy` of the first character past the limit (binary
/// search: the count only grows as the copy does).
fn overflow_offset(platform: Platform, copy: &str, limit: usize) -> usize {
    let bounds: Vec<usize> = copy
        .char_indices()
        .map(|(i, _)| i)
        .chain([copy.len()])
        .collect();
    let (mut lo, mut hi) = (0, bounds.len() - 1);
    if measure::length(platform, copy) <= limit {
        return 0;
    }
    // Invariant: prefix up to bounds[lo] fits, prefix up to bounds[hi] does not.
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if measure::length(platform, &copy[..bounds[mid]]) <= limit {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    bounds[lo]
}

/// Judged on the copy as networks show it (`copies`, by section): a
/// disclosure in bold is still one, and the fold is counted in what
/// readers see.
pub(super) fn disclosure(
    ctx: &Context,
    post: &Post,
    copies: &[SharedCopy],
    view: &scoped::View,
    hits: &[Hit],
    sink: &mut Sink,
) {
    let (Some(front), Some(disclosure)) = (&post.front, &ctx.policy.disclosure) else {
        return;
    };
    let names_product = hits
        .iter()
        .any(|h| matches!(h.subject, Subject::ProductName { .. }));
    // `required_when: {when…}`: the post-level part once, the mentions per copy.
    let required_in: Box<dyn Fn(usize) -> bool + '_> = match &disclosure.required_when {
        DisclosureRequired::Always => Box::new(|_| true),
        DisclosureRequired::Product => {
            let required = !front.products.is_empty() || names_product;
            Box::new(move |_| required)
        }
        DisclosureRequired::When(when) => {
            if !scoped::post_conditions(when, post, hits, ctx) {
                return;
            }
            Box::new(move |copy| view.mentions(None, when, Some(copy)))
        }
    };
    let mut accepted: Vec<String> = disclosure.accepted.clone();
    accepted.extend(
        disclosure
            .accepted_patterns
            .iter()
            .map(|p| format!("text matching `{}`", p.as_str())),
    );
    let accepted = accepted.join(", ");
    for &platform in &front.platforms {
        let Some(index) = post.copy_index_for(platform) else {
            continue;
        };
        if !required_in(index) {
            continue;
        }
        let plain = &copies[index].plain;
        let copy = plain.text.as_str();
        let in_file = |start: usize, end: usize| {
            let range = plain.source_range(start, end);
            let at = post.sections[index].range.start;
            at + range.start..at + range.end
        };
        let first_line_end = copy.find('\n').unwrap_or(copy.len());
        let lower_copy = copy.to_lowercase();
        // Every place the copy discloses, in text order.
        let mut found: Vec<(usize, usize)> = disclosure
            .accepted
            .iter()
            .flat_map(|phrase| {
                find_phrases_in(copy, &lower_copy, phrase)
                    .into_iter()
                    .map(|at| (at, at + phrase.len()))
            })
            .chain(disclosure.accepted_patterns.iter().flat_map(|re| {
                re.find_iter(copy)
                    .filter(|m| !m.is_empty())
                    .map(|m| (m.start(), m.end()))
            }))
            .collect();
        found.sort_unstable();
        let Some(&(first_at, first_end)) = found.first() else {
            let range = if copy.is_empty() {
                post.front_range("/platforms", true)
            } else {
                in_file(0, first_line_end)
            };
            let message = match &disclosure.message {
                Some(message) => format!("{message} (the {} copy)", platform.id()),
                None => format!(
                    "the {} copy promotes a product but does not say you work here",
                    platform.id()
                ),
            };
            sink.push_each(
                "disclosure.missing",
                Severity::Error,
                range,
                message,
                format!("Add one of: {accepted} (early in the copy, not hidden among hashtags)"),
            );
            continue;
        };
        // A disclosure standing only inside a run of hashtags is buried,
        // wherever the run is.
        let runs = hashtag_runs(copy);
        let in_run = |at: usize| runs.iter().any(|r| r.contains(&at));
        let Some(&(at, end)) = found.iter().find(|(at, _)| !in_run(*at)) else {
            let trailing = runs.last().is_some_and(|r| copy[r.end..].trim().is_empty());
            let where_ = if trailing {
                "at the end"
            } else {
                "in the middle of the copy"
            };
            sink.push_each(
                "disclosure.buried",
                Severity::Warning,
                in_file(first_at, first_end),
                format!(
                    "the {} disclosure is hidden in a run of hashtags {where_}",
                    platform.id()
                ),
                "Say it in the text (\"I work at ...\") or put the hashtag early".to_string(),
            );
            continue;
        };
        let chars_before = copy[..at].chars().count();
        let fold = ctx.policy.limits(platform).fold;
        if let Some(fold) = fold.filter(|&fold| chars_before >= fold) {
            sink.push_each(
                "disclosure.buried",
                Severity::Warning,
                in_file(at, end),
                format!(
                    "the {} disclosure comes at character {}, after the \"see more\" fold (about {fold}): most readers never see it",
                    platform.id(),
                    chars_before + 1
                ),
                "Move the disclosure into the first sentence".to_string(),
            );
        }
    }
}

/// Every case-insensitive occurrence of `phrase` in `text` standing as its
/// own word (`#employee` does not count inside `#employees`), with
/// `text.to_lowercase()` computed once by the caller.
fn find_phrases_in(text: &str, lower_text: &str, phrase: &str) -> Vec<usize> {
    let lower_phrase = phrase.to_lowercase();
    if lower_text.len() != text.len() {
        // Lowercasing changed lengths (rare scripts): fall back to exact case.
        return text.match_indices(phrase).map(|(i, _)| i).collect();
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower_text[from..].find(&lower_phrase) {
        let start = from + i;
        let end = start + lower_phrase.len();
        let before_ok = !phrase.starts_with(word) || !text[..start].ends_with(word);
        let after_ok = !phrase.ends_with(word) || !text[end..].starts_with(word);
        if before_ok && after_ok {
            out.push(start);
        }
        from = start + lower_text[start..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// First occurrence of `phrase` standing as its own word.
#[cfg(test)]
fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    find_phrases_in(text, &text.to_lowercase(), phrase)
        .first()
        .copied()
}

/// Every run of at least `BURIED_RUN` hashtags in a row (only white space
/// between them), as byte ranges of the copy.
fn hashtag_runs(copy: &str) -> Vec<std::ops::Range<usize>> {
    let tags = hashtags(copy);
    let mut runs = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        let mut j = i;
        while j + 1 < tags.len() && copy[tags[j].end..tags[j + 1].start].trim().is_empty() {
            j += 1;
        }
        if j + 1 - i >= BURIED_RUN {
            runs.push(tags[i].start..tags[j].end);
        }
        i = j + 1;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_whole_words() {
        assert_eq!(find_phrase("Proud #Employee here", "#employee"), Some(6));
        assert_eq!(find_phrase("#employees rock", "#employee"), None);
        assert_eq!(
            find_phrase("I work at Example Corp.", "I work at Example Corp"),
            Some(0)
        );
    }

    #[test]
    fn hashtag_runs_are_three_or_more_in_a_row() {
        let copy = "Great launch today. #launch #widgets #employee";
        assert_eq!(hashtag_runs(copy), vec![20..46]);
        assert!(hashtag_runs("Great launch. #employee").is_empty());
        let mid = "Hello #a #b #employee and more text #x #y";
        assert_eq!(hashtag_runs(mid), vec![6..21]);
    }

    #[test]
    fn overflow_points_at_the_first_character_over() {
        let copy = "a".repeat(285);
        assert_eq!(overflow_offset(Platform::X, &copy, 280), 280);
    }
}
