//! What changes other findings: quiet periods escalate them, `allow` entries
//! suppress them. Runs after every other rule of the post.

use jiff::Timestamp;

use super::{Context, JudgedAt, Sink, builtin, show_moment};
use crate::calendar::ALL_CATEGORIES;
use crate::finding::Severity;
use crate::post::Post;

pub(super) fn quiet_periods(ctx: &Context, post: &Post, at: Option<Timestamp>, sink: &mut Sink) {
    let Some(at) = at else { return };
    let tz = &ctx.policy.timezone;
    for period in ctx.calendar.quiet_periods.iter().filter(|q| q.contains(at)) {
        let when = format!(
            "quiet period '{}' ({} to {})",
            period.name,
            crate::time::show_written(&period.start_text, tz),
            crate::time::show_written(&period.end_text, tz)
        );
        let help = match ctx.at {
            JudgedAt::PublishAt => format!(
                "Move publish_at after {} (the period's end), or remove what the finding points at",
                crate::time::show_written(&period.end_text, tz)
            ),
            JudgedAt::Now(_) => format!(
                "Nothing to do: the post returns to the feed when the period ends ({}), unless you remove what the finding points at",
                show_moment(period.end, ctx.policy)
            ),
        };
        if period.categories.iter().any(|c| c == ALL_CATEGORIES) {
            let range = post.front_range("/publish_at", false);
            let message = match ctx.at {
                JudgedAt::PublishAt => format!(
                    "this post is scheduled for {}, inside {when}, which holds back every post",
                    show_moment(at, ctx.policy)
                ),
                JudgedAt::Now(_) => format!(
                    "{} is inside {when}, which holds back every post, earlier ones included",
                    ctx.at.describe(at, ctx.policy)
                ),
            };
            sink.push(
                "quiet-period",
                Severity::Error,
                range,
                message,
                help.clone(),
            );
            continue;
        }
        let blocked: Vec<_> = sink
            .findings
            .iter()
            .filter(|f| f.rule != "quiet-period")
            .filter_map(|f| {
                let category = ctx.category(&f.rule)?;
                period.blocks_category(category).then(|| {
                    (
                        f.region,
                        f.rule.clone(),
                        f.message.clone(),
                        category.to_string(),
                    )
                })
            })
            .collect();
        for (region, rule, message, category) in blocked {
            let message = format!("{rule} ({category}) is blocked during {when}: {message}");
            let finding = crate::finding::Finding {
                rule: "quiet-period".to_string(),
                severity: Severity::Error,
                path: post.path.clone(),
                region,
                message,
                help: help.clone(),
                suppressed: false,
                pre_existing: false,
                justification: None,
                snippet: None,
            };
            sink.findings.push(finding);
        }
    }
}

/// Rules found only by `check --base`, after the post's own rules ran.
const ONLY_WITH_BASE: &[&str] = &["approval.edited", "history.leak"];

pub(super) fn allow(ctx: &Context, post: &Post, sink: &mut Sink) {
    let Some(front) = &post.front else { return };
    for (i, entry) in front.allow.iter().enumerate() {
        let range = post.front_range(&format!("/allow/{i}/rule"), false);
        let allowable = match (builtin::find(&entry.rule), ctx.policy.rule(&entry.rule)) {
            (Some(b), _) => Some(b.allowable),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        };
        let reason = entry.reason.as_deref().map(str::trim).unwrap_or("");
        let problem = match allowable {
            None => Some((
                format!(
                    "`allow` names `{}`, which is not a rule{}",
                    entry.rule,
                    crate::suggest::did_you_mean(&entry.rule, super::rule_ids(ctx.policy))
                ),
                "Use a rule id from a finding, or list them with `cargo xtask explain`".to_string(),
            )),
            Some(false) => Some((
                format!("`{}` cannot be allowed: it protects confidential information or the post's structure", entry.rule),
                "Fix the post instead; `cargo xtask explain allow.unknown` lists what cannot be allowed".to_string(),
            )),
            Some(true) if reason.is_empty() => Some((
                format!("the `allow` entry for `{}` has no reason", entry.rule),
                "Add `reason: \"...\"` saying why the exception is acceptable, for the reviewer".to_string(),
            )),
            Some(true) => None,
        };
        match problem {
            Some((message, help)) => {
                sink.push("allow.unknown", Severity::Error, range, message, help)
            }
            None => {
                let mut used = false;
                for finding in sink.findings.iter_mut().filter(|f| f.rule == entry.rule) {
                    finding.suppressed = true;
                    finding.justification = Some(reason.to_string());
                    used = true;
                }
                // `approval.edited` is found only with `--base`, after the
                // post's own rules: its entry cannot be judged here.
                if !used && !ONLY_WITH_BASE.contains(&entry.rule.as_str()) {
                    let range = post.front_range(&format!("/allow/{i}"), false);
                    sink.push_each(
                        "allow.unused",
                        Severity::Warning,
                        range,
                        format!("the `allow` entry for `{}` suppresses nothing: this post has no finding of that rule", entry.rule),
                        "Delete the entry; an unused exception would hide a future finding nobody reviewed".to_string(),
                    );
                }
            }
        }
    }
}
