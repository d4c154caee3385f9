//! `approval.missing` and `approval.invalid`: with the policy's `approval`
//! section, an approved post names an approver the policy lists (never its
//! own author when `not_author` is set) and, when `require` is set, the
//! approval date. `approved_by` on a draft or in review is kept, not judged.

use super::{Context, Sink};
use crate::finding::Severity;
use crate::post::{Post, Status};

pub(super) fn check(ctx: &Context, post: &Post, sink: &mut Sink) {
    let (Some(approval), Some(front)) = (&ctx.policy.approval, &post.front) else {
        return;
    };
    if front.status != Status::Approved {
        return;
    }
    let Some(by) = &front.approved_by else {
        if approval.require {
            sink.push(
                "approval.missing",
                Severity::Error,
                post.front_range("/status", false),
                "this post is approved but does not say who approved it: the policy requires `approved_by` and `approved_at`".to_string(),
                help_names(approval),
            );
        }
        return;
    };
    match approval.approver(by) {
        None => sink.push(
            "approval.invalid",
            Severity::Error,
            post.front_range("/approved_by", false),
            format!("`{by}` is not an approver in policies/policy.yaml"),
            if approval.approvers.is_empty() {
                help_names(approval)
            } else {
                format!(
                    "Use the id of an approver the policy lists ({}), or ask the policy owners to add `{by}` under `approval.approvers`",
                    ids(approval)
                )
            },
        ),
        Some(approver) if approval.not_author && approver.id == front.author => sink.push(
            "approval.invalid",
            Severity::Error,
            post.front_range("/approved_by", false),
            format!(
                "{} ({by}) wrote this post and cannot also approve it: the policy requires a second person",
                approver.name
            ),
            "Ask another approver to review it and put their id in `approved_by`".to_string(),
        ),
        Some(_) => {}
    }
    if approval.require && front.approved_at.is_none() {
        sink.push(
            "approval.missing",
            Severity::Error,
            post.front_range("/approved_by", true),
            format!("the approval by `{by}` has no date: the policy requires `approved_at`"),
            "Add `approved_at:` with the day (or moment) the approver approved this text, for example `approved_at: 2026-11-30`".to_string(),
        );
    }
}

fn help_names(approval: &crate::policy::Approval) -> String {
    if approval.approvers.is_empty() {
        return "The policy lists no approvers yet: policy owners add them under `approval.approvers`".to_string();
    }
    format!(
        "Add `approved_by: <id>` and `approved_at: <date>` naming who approved this text; approvers: {}",
        ids(approval)
    )
}

fn ids(approval: &crate::policy::Approval) -> String {
    let ids: Vec<&str> = approval.approvers.iter().map(|a| a.id.as_str()).collect();
    ids.join(", ")
}
