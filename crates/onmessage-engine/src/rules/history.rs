//! Rules that need the branch's history (`check --base`): leaks added by any
//! commit even if a later one removed them, and approved posts whose copy
//! changed. Pure: `git.rs` gathers the history, this module judges it.

use jiff::Timestamp;

use super::Context;
use crate::finding::{Finding, Region, Severity};
use crate::matcher::Subject;
use crate::post::{Field, Post, Status, TextUnit};
use crate::review::AddedLine;

/// `history.leak` findings for the added lines that carry blocked text at
/// `now`. `still_present(path, text)` tells whether the line is in the
/// current version of that post, where the ordinary rules report it.
pub fn leaks(
    ctx: &Context,
    added: &[AddedLine],
    now: Timestamp,
    merge_base: &str,
    still_present: impl Fn(&str, &str) -> bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for line in added {
        if still_present(&line.path, &line.text) {
            continue;
        }
        let unit = TextUnit::verbatim(Field::AddedLine, line.text.clone(), 0);
        let mut blocked: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        for hit in ctx.matcher.scan(std::slice::from_ref(&unit)) {
            let why = match hit.subject {
                Subject::Codename { product } => {
                    let p = &ctx.calendar.products[product];
                    (!p.codename_is_public_at(&hit.spelling, now))
                        .then(|| format!("a codename of {}", p.id))
                }
                Subject::ProductName { product } => {
                    let p = &ctx.calendar.products[product];
                    (!p.is_announced_at(now)).then(|| format!("the unannounced product {}", p.id))
                }
                Subject::ClientName { client } => {
                    let c = &ctx.policy.clients[client];
                    let approved = c.approved_until.is_some_and(|until| now < until);
                    (!approved).then(|| format!("client {} without a valid approval", c.id))
                }
                Subject::Term { rule } => {
                    let r = &ctx.policy.rules[rule];
                    // A scoped or qualified rule depends on the post around
                    // the line, which history no longer has: only
                    // unconditional terms are judged from a line.
                    let unconditional = !r.is_scoped() && r.near.is_none() && r.except.is_none();
                    (r.severity == Severity::Error && unconditional)
                        .then(|| format!("blocked by {}", r.id))
                }
                Subject::Phrase { .. } => None,
            };
            if let Some(why) = why {
                blocked.push((hit.range, why));
            }
        }
        for (rule, range) in ctx.matcher.pattern_matches(ctx.policy, &line.text) {
            let r = &ctx.policy.rules[rule];
            if r.severity == Severity::Error && !r.is_scoped() && r.except.is_none() {
                blocked.push((range, format!("blocked by {}", r.id)));
            }
        }
        blocked.sort_by_key(|(range, _)| (range.start, std::cmp::Reverse(range.end)));
        let mut covered_to = 0;
        for (range, why) in blocked {
            if range.end <= covered_to {
                continue;
            }
            covered_to = range.end;
            let column = line.text[..range.start].chars().count() + 1;
            let end_column = column + line.text[range.clone()].chars().count();
            let region = Region {
                line: line.line,
                column,
                end_line: line.line,
                end_column,
            };
            let mut finding = Finding::new(
                "history.leak",
                Severity::Error,
                &line.path,
                region,
                format!(
                    "commit {} added '{}' ({why}) to {}; it is gone now, but it stays in the branch's history",
                    line.commit, &line.text[range], line.path
                ),
                format!(
                    "Rewrite the branch before merging (for example `git rebase -i {merge_base}`, edit or drop commit {}), then force-push",
                    line.commit
                ),
            );
            finding.snippet = Some(line.text.clone());
            findings.push(finding);
        }
    }
    findings
}

/// `approval.edited`: the post was approved at the base and what readers
/// see has changed since. The finding names who approved the version being
/// changed (the approver's name and role from the policy when it lists
/// them) and when, so the reviewer knows whom to ask again.
pub fn approval_edited(
    ctx: &Context,
    base: &Post,
    post: &Post,
    merge_base: &str,
) -> Option<Finding> {
    let base_front = base.front.as_ref()?;
    if base_front.status != Status::Approved {
        return None;
    }
    // The change sends the post back to review, or records a new approval:
    // the new text is not published on the old approval.
    let front = post.front.as_ref()?;
    let reapproved = (front.approved_by.is_some() || front.approved_at.is_some())
        && (front.approved_by != base_front.approved_by
            || front.approved_at != base_front.approved_at);
    if front.status != Status::Approved || reapproved {
        return None;
    }
    let visible = |p: &Post| {
        p.text_units()
            .into_iter()
            .map(|u| u.text)
            .collect::<Vec<_>>()
    };
    if visible(base) == visible(post) {
        return None;
    }
    let range = post.front_range("/status", false);
    let approver = base_front.approved_by.as_deref().map(|id| {
        let who = ctx
            .policy
            .approval
            .as_ref()
            .and_then(|a| a.approver(id))
            .map_or_else(
                || format!("`{id}`"),
                |a| match &a.role {
                    Some(role) => format!("{} ({role}, `{id}`)", a.name),
                    None => format!("{} (`{id}`)", a.name),
                },
            );
        match &base_front.approved_at {
            Some(at) => format!(
                " by {who} on {}",
                crate::time::show_written(at, &ctx.policy.timezone)
            ),
            None => format!(" by {who}"),
        }
    });
    let help = match &base_front.approved_by {
        Some(id) => format!(
            "Set `status: review` in this change and ask `{id}` (or another approver) to approve the new text, record their new approval, or revert the change"
        ),
        None => {
            "Set `status: review` in this change and ask for approval again, or revert the change"
                .to_string()
        }
    };
    Some(Finding::new(
        "approval.edited",
        Severity::Error,
        &post.path,
        post.lines.region(&post.text, range.start, range.end),
        format!(
            "this post was approved{} at {merge_base}, and its text has changed since: the approval was for the old text",
            approver.unwrap_or_default()
        ),
        help,
    ))
}
