//! Rules about what a post says: the policy's own terms and patterns,
//! product codenames and embargoes, and client names.

use jiff::Timestamp;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::{Context, JudgedAt, Sink, show_moment};
use crate::calendar::Product;
use crate::finding::Severity;
use crate::matcher::{Hit, Subject};
use crate::policy::Client;
use crate::post::{Field, Post};
use crate::time::show_written;

/// Hits ordered by position, longest first where they start together, so
/// that the sink keeps the longest of overlapping matches.
fn ordered(hits: &[Hit], keep: impl Fn(&Subject) -> bool) -> Vec<&Hit> {
    let mut out: Vec<&Hit> = hits.iter().filter(|h| keep(&h.subject)).collect();
    out.sort_by_key(|h| (h.range.start, std::cmp::Reverse(h.range.end)));
    out
}

pub(super) fn products(
    ctx: &Context,
    post: &Post,
    hits: &[Hit],
    at: Option<Timestamp>,
    sink: &mut Sink,
) {
    let products = &ctx.calendar.products;
    let declared: &[String] = post.front.as_ref().map_or(&[], |f| &f.products);

    for hit in ordered(hits, |s| matches!(s, Subject::Codename { .. })) {
        let Subject::Codename { product } = hit.subject else {
            continue;
        };
        let p = &products[product];
        // Second edition: a codename with `public_at` is blocked only before it.
        if at.is_some_and(|at| p.codename_is_public_at(&hit.spelling, at)) {
            continue;
        }
        let help = match p
            .announce_text
            .as_deref()
            .map(|t| show_written(t, &ctx.policy.timezone))
        {
            Some(at) => format!(
                "Use the public name '{}', and only in posts scheduled at or after its announcement ({at})",
                p.name
            ),
            None => format!(
                "Do not mention {} at all: it has no announcement date yet",
                p.id
            ),
        };
        let message = format!(
            "'{}'{} is the internal codename of {}",
            one_line(&hit.text),
            in_path(hit, post),
            p.id
        );
        let help = with_rename(hit, help);
        sink.push(
            "product.codename",
            Severity::Error,
            hit.range.clone(),
            message,
            help,
        );
    }

    for (i, id) in declared.iter().enumerate() {
        let range = post.front_range(&format!("/products/{i}"), false);
        let Some(p) = ctx.calendar.product(id) else {
            let known: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
            let near = crate::suggest::did_you_mean(id, known.iter().copied());
            sink.push(
                "post.unknown-product",
                Severity::Error,
                range,
                format!(
                    "`products` lists `{id}`, which policies/calendar.yaml does not know{near}"
                ),
                format!(
                    "Use one of: {}; or ask the policy owners to add the product to the calendar",
                    known.join(", ")
                ),
            );
            continue;
        };
        if let Some(at) = at
            && !p.is_announced_at(at)
        {
            let (message, help) = embargo_text(ctx, p, at);
            sink.push("product.embargo", Severity::Error, range, message, help);
        }
    }

    for hit in ordered(hits, |s| matches!(s, Subject::ProductName { .. })) {
        let Subject::ProductName { product } = hit.subject else {
            continue;
        };
        let p = &products[product];
        if declared.contains(&p.id) {
            continue;
        }
        // A broken `products` key is already an error: what it meant to
        // declare is unknown, so the post is not told it declares nothing.
        if !post.front_key_broken("products") {
            sink.push(
                "product.undeclared",
                Severity::Warning,
                hit.range.clone(),
                format!("'{}'{} names product {}, which `products` does not list", one_line(&hit.text), in_path(hit, post), p.id),
                format!("Add {} to `products` so the post is gated on its announcement and checked for disclosure", p.id),
            );
        }
        if let Some(at) = at
            && !p.is_announced_at(at)
        {
            let (message, help) = embargo_text(ctx, p, at);
            sink.push(
                "product.embargo",
                Severity::Error,
                hit.range.clone(),
                message,
                help,
            );
        }
    }
}

/// Where a hit in the post's path is: findings there sit at the file's
/// first character, so the message names the path.
fn in_path(hit: &Hit, post: &Post) -> String {
    match hit.field {
        Field::Path => format!(" in the file path {}", post.path),
        _ => String::new(),
    }
}

/// The help for a hit, with how to fix a file or folder name.
fn with_rename(hit: &Hit, help: String) -> String {
    match hit.field {
        Field::Path => {
            let mut chars = help.chars();
            let first: String = chars
                .next()
                .into_iter()
                .flat_map(char::to_lowercase)
                .collect();
            format!(
                "Rename the file or folder (the post id is derived from the file name and published); {first}{}",
                chars.as_str()
            )
        }
        _ => help,
    }
}

/// A unit's field for messages; the path is named.
pub(super) fn describe(field: Field, post: &Post) -> String {
    match field {
        Field::Path => format!("the file path {}", post.path),
        _ => field.describe(),
    }
}

fn embargo_text(ctx: &Context, p: &Product, at: Timestamp) -> (String, String) {
    let scheduled = match ctx.at {
        JudgedAt::PublishAt => {
            format!("this post is scheduled for {}", show_moment(at, ctx.policy))
        }
        JudgedAt::Now(_) => format!("it is {} (--now)", show_moment(at, ctx.policy)),
    };
    match (p.announce_at, &p.announce_text) {
        (Some(at), Some(text)) => (
            format!(
                "{} ('{}') is embargoed until {}, but {scheduled}",
                p.id,
                p.name,
                show_moment(at, ctx.policy)
            ),
            format!(
                "Move publish_at to {} or later, or leave {} out of this post",
                show_written(text, &ctx.policy.timezone),
                p.id
            ),
        ),
        _ => (
            format!(
                "{} ('{}') is not announced yet (policies/calendar.yaml has no announce_at for it)",
                p.id, p.name
            ),
            format!(
                "Leave {} out of posts until the policy owners set its announcement date",
                p.id
            ),
        ),
    }
}

pub(super) fn clients(
    ctx: &Context,
    post: &Post,
    hits: &[Hit],
    at: Option<Timestamp>,
    sink: &mut Sink,
) {
    let clients = &ctx.policy.clients;
    let declared: &[String] = post.front.as_ref().map_or(&[], |f| &f.clients);
    let mut named = vec![false; clients.len()];

    for hit in ordered(hits, |s| matches!(s, Subject::ClientName { .. })) {
        let Subject::ClientName { client } = hit.subject else {
            continue;
        };
        named[client] = true;
        let c = &clients[client];
        if let Some((problem, help)) = approval_problem(ctx, c, at) {
            sink.push(
                "client.unapproved",
                Severity::Error,
                hit.range.clone(),
                format!(
                    "'{}'{} names client {}, {problem}",
                    one_line(&hit.text),
                    in_path(hit, post),
                    c.id
                ),
                with_rename(hit, help),
            );
        }
    }

    for (i, id) in declared.iter().enumerate() {
        let range = post.front_range(&format!("/clients/{i}"), false);
        let Some(index) = clients.iter().position(|c| &c.id == id) else {
            let known: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
            sink.push(
                "post.unknown-client",
                Severity::Error,
                range,
                format!(
                    "`clients` lists `{id}`, which policies/policy.yaml does not know{}",
                    crate::suggest::did_you_mean(id, known.iter().copied())
                ),
                format!("Use one of: {}; or ask the policy owners to record the client and its approval", known.join(", ")),
            );
            continue;
        };
        let c = &clients[index];
        if named[index] {
            continue;
        }
        if let Some((problem, help)) = approval_problem(ctx, c, at) {
            sink.push(
                "client.unapproved",
                Severity::Error,
                range,
                format!("this post names client {}, {problem}", c.id),
                help,
            );
        }
    }
}

/// Why a client may not be named at `at` (the judged moment), if it may
/// not: the message's end and the help.
fn approval_problem(ctx: &Context, c: &Client, at: Option<Timestamp>) -> Option<(String, String)> {
    let get_approval = format!(
        "Remove the client's name, or have the account team obtain written approval and record it as `approved_until` for {} in policies/policy.yaml",
        c.id
    );
    let (Some(until), Some(until_text)) = (c.approved_until, &c.approved_until_text) else {
        return Some((
            "which has no written approval to be named publicly".to_string(),
            with_note(c, get_approval),
        ));
    };
    let at = at?;
    let judged = ctx.at.describe(at, ctx.policy);
    let until_text = show_written(until_text, &ctx.policy.timezone);
    if let (Some(from), Some(from_text)) = (c.approved_from, &c.approved_from_text)
        && at < from
    {
        let from_text = show_written(from_text, &ctx.policy.timezone);
        return Some((
            format!(
                "whose approval to be named publicly starts on {from_text}, after {judged}: it may be named from {} to {until_text}",
                show_moment(from, ctx.policy)
            ),
            with_note(
                c,
                format!("Move publish_at to {from_text} or later, or remove the client's name"),
            ),
        ));
    }
    (at >= until).then(|| {
        (
            format!(
                "whose approval to be named publicly expired after {until_text}, before {judged}"
            ),
            with_note(c, get_approval),
        )
    })
}

/// The help, with what the policy owners noted about the client's approval.
fn with_note(c: &Client, help: String) -> String {
    match &c.note {
        Some(note) => format!("{help}. Note on {}'s approval: {note}", c.id),
        None => help,
    }
}

/// Matched text on one line, for messages.
/// Matched text for a message: on one line, with invisible characters (a
/// zero-width space hiding inside a codename) made visible as `\u{200B}`.
pub(super) fn one_line(text: &str) -> String {
    let visible: String = text
        .chars()
        .map(|c| {
            let invisible = c.is_control() && !c.is_whitespace()
                || matches!(c.general_category(), GeneralCategory::Format)
                || ('\u{FE00}'..='\u{FE0F}').contains(&c);
            if invisible {
                format!("\\u{{{:X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}
