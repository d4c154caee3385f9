//! Renderers: turn a report (or configuration errors) into text. They decide
//! nothing: severity, suppression and order are already in the findings.

pub mod comment;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::review::{Affected, Impact};

/// "impact of the calendar change", "... policy and calendar change".
fn impact_heading(impact: &Impact) -> String {
    let what = match impact.changed.as_slice() {
        [] => "policy".to_string(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    format!("impact of the {what} change")
}

/// A post of the impact in one line: id, title, status, author, and since
/// when it is live.
fn affected_post(post: &Affected) -> String {
    let live = post
        .live_since
        .as_deref()
        .map_or("not live".to_string(), |at| {
            format!("live since {}", moment(at))
        });
    format!(
        "{} \"{}\" ({}), {}, by {}, {live}",
        post.post, post.title, post.path, post.status, post.author
    )
}

/// What the change does to the post, one phrase each.
fn effects(post: &Affected) -> Vec<String> {
    let mut out = Vec::new();
    if !post.newly_blocked.is_empty() {
        out.push(format!("newly blocked: {}", post.newly_blocked.join(", ")));
    }
    if !post.newly_allowed.is_empty() {
        out.push(format!("newly allowed: {}", post.newly_allowed.join(", ")));
    }
    if let Some(earliest) = &post.earliest {
        let before = earliest
            .before
            .as_deref()
            .map_or("never".to_string(), moment);
        out.push(match (&earliest.after, earliest.needs_new_publish_at) {
            (None, _) => {
                format!("can no longer be published as things stand (earliest was {before})")
            }
            (Some(after), true) => format!(
                "needs a new publish_at (earliest {}; was {before})",
                moment(after)
            ),
            (Some(after), false) => format!(
                "can go out at its publish_at again (earliest {}; was {before})",
                moment(after)
            ),
        });
    }
    match post.feed {
        Some("enters") => out.push("enters the feed now".to_string()),
        Some(_) => out.push("leaves the feed now".to_string()),
        None => {}
    }
    out
}

/// `2026-12-01T11:00:00-05:00` as `2026-12-01 11:00 -05:00`.
fn moment(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16), rfc3339.get(19..)) {
        (Some(day), Some(time), Some(offset)) => format!("{day} {time} {offset}"),
        _ => rfc3339.to_string(),
    }
}
