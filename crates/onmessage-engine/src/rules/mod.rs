//! Rules: from one parsed post (plus the policy, calendar and matcher) to
//! findings. Rules only produce data; they never print and never read the
//! clock: `check` judges a post at its own `publish_at`, publish at the
//! `--now` it was given ([`JudgedAt`]).

mod approval;
pub mod builtin;
mod content;
mod exceptions;
pub mod history;
mod images;
mod invisible;
mod links;
mod markup;
mod placeholder;
mod platforms;
pub mod scoped;
mod structure;

use std::collections::HashMap;
use std::ops::Range;

use jiff::Timestamp;

use crate::calendar::Calendar;
use crate::finding::{Finding, Region, Severity};
use crate::matcher::Matcher;
use crate::media::ImageFile;
use crate::policy::Policy;
use crate::post::{Field, Post};
use crate::share::SharedCopy;
use crate::time::{DayBound, parse_moment};
use crate::urls::{FoundUrl, find_urls};

/// What reports say about a rule (SARIF's rule table, explain).
pub struct RuleInfo<'a> {
    pub id: &'a str,
    pub severity: Severity,
    pub summary: &'a str,
    pub explain: &'a str,
}

/// Every rule: built-in ones, then the policy's.
pub fn catalog(policy: &Policy) -> Vec<RuleInfo<'_>> {
    let builtins = builtin::BUILTINS.iter().map(|b| RuleInfo {
        id: b.id,
        severity: b.severity,
        summary: b.summary,
        explain: b.explain,
    });
    let own = policy.rules.iter().map(|r| RuleInfo {
        id: &r.id,
        severity: r.severity,
        summary: &r.message,
        explain: &r.explain,
    });
    builtins.chain(own).collect()
}

/// What every rule may read.
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    pub matcher: &'a Matcher,
    /// The moment the dates of rules and calendar are judged at.
    pub at: JudgedAt,
}

/// When `active_from`/`active_until`, announcements, codenames' `public_at`,
/// clients' approvals and quiet periods are judged: `check` at each post's
/// `publish_at` (will it be fine when it goes out?), publish at its `--now`
/// (may it be shared at this moment?).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JudgedAt {
    PublishAt,
    Now(Timestamp),
}

impl JudgedAt {
    /// The moment for a post whose `publish_at` is `publish_at`.
    fn moment(self, publish_at: Option<Timestamp>) -> Option<Timestamp> {
        match self {
            JudgedAt::PublishAt => publish_at,
            JudgedAt::Now(now) => Some(now),
        }
    }

    /// The judged moment `at`, for messages: "this post's publish_at (…)".
    fn describe(self, at: Timestamp, policy: &Policy) -> String {
        match self {
            JudgedAt::PublishAt => format!("this post's publish_at ({})", show_moment(at, policy)),
            JudgedAt::Now(_) => format!("--now ({})", show_moment(at, policy)),
        }
    }
}

impl Context<'_> {
    /// The category of a rule id, for quiet periods.
    fn category(&self, rule: &str) -> Option<&str> {
        self.policy
            .rule(rule)
            .map(|r| r.category.as_str())
            .or_else(|| builtin::find(rule).map(|b| b.category))
    }
}

/// Every rule id a post or a command may name: the built-in rules', then
/// the policy's.
pub fn rule_ids(policy: &Policy) -> impl Iterator<Item = &str> {
    builtin::BUILTINS
        .iter()
        .map(|b| b.id)
        .chain(policy.rules.iter().map(|r| r.id.as_str()))
}

/// Evaluates every rule on one post. `images` holds what the loader found
/// on disk for each image path the post uses. Findings are unsorted.
pub fn evaluate(ctx: &Context, post: &Post, images: &HashMap<String, ImageFile>) -> Vec<Finding> {
    let mut sink = Sink {
        post,
        findings: post.problems.clone(),
    };
    let publish_at = post
        .front
        .as_ref()
        .and_then(|f| parse_moment(&f.publish_at, &ctx.policy.timezone, DayBound::Start).ok());
    let at = ctx.at.moment(publish_at);
    let units = post.scanned_units();
    let hits = ctx.matcher.scan(&units);
    // Found once: the link rules read every unit's, the network rules each
    // copy's for every network that shares it. A file name is no link.
    let urls: Vec<Vec<FoundUrl>> = units
        .iter()
        .map(|u| match u.field {
            Field::Path => Vec::new(),
            _ => find_urls(&u.text),
        })
        .collect();
    // Each section as networks show it, converted once for every rule
    // that judges the shared text.
    let copies: Vec<SharedCopy> = post
        .sections
        .iter()
        .zip(&urls[urls.len() - post.sections.len()..])
        .map(|(s, urls)| SharedCopy::with_urls(post.copy(s), urls))
        .collect();

    structure::headings(post, &mut sink);
    placeholder::check(post, &mut sink);
    markup::check(post, &copies, &mut sink);
    content::products(ctx, post, &hits, at, &mut sink);
    content::clients(ctx, post, &hits, at, &mut sink);
    platforms::limits(ctx, post, &copies, &mut sink);
    links::check(ctx, &units, &urls, &mut sink);
    links::schemes(post, &mut sink);
    invisible::check(&units, &mut sink);
    images::check(post, images, &mut sink);
    approval::check(ctx, post, &mut sink);
    // After the built-in rules, so that `when.rules` can name them, and in
    // the order of `when.rules` among themselves.
    let view = scoped::View::new(
        ctx,
        &units,
        &urls,
        units.len() - post.sections.len(),
        &post.text,
        &hits,
    );
    scoped::policy_rules(ctx, post, &view, &hits, at, &mut sink);
    platforms::disclosure(ctx, post, &copies, &view, &hits, &mut sink);
    scoped::builtin_severities(ctx.policy, &mut sink);
    exceptions::quiet_periods(ctx, post, at, &mut sink);
    exceptions::allow(ctx, post, &mut sink);
    sink.findings
}

/// Collects one post's findings; drops a finding whose span lies inside an
/// earlier finding of the same rule (`Falcon` inside `Project Falcon`).
struct Sink<'p> {
    post: &'p Post,
    findings: Vec<Finding>,
}

impl Sink<'_> {
    fn push(
        &mut self,
        rule: &str,
        severity: Severity,
        range: Range<usize>,
        message: String,
        help: String,
    ) {
        let region = self
            .post
            .lines
            .region(&self.post.text, range.start, range.end);
        let covered = self.findings.iter().any(|f| {
            f.rule == rule
                && (f.region.line, f.region.column) <= (region.line, region.column)
                && (region.end_line, region.end_column) <= (f.region.end_line, f.region.end_column)
        });
        if !covered {
            self.push_region(rule, severity, region, message, help);
        }
    }

    /// Pushes without merging: per-platform findings may share one span.
    fn push_each(
        &mut self,
        rule: &str,
        severity: Severity,
        range: Range<usize>,
        message: String,
        help: String,
    ) {
        let region = self
            .post
            .lines
            .region(&self.post.text, range.start, range.end);
        self.push_region(rule, severity, region, message, help);
    }

    fn push_region(
        &mut self,
        rule: &str,
        severity: Severity,
        region: Region,
        message: String,
        help: String,
    ) {
        self.findings.push(Finding::new(
            rule,
            severity,
            &self.post.path,
            region,
            message,
            help,
        ));
    }
}

/// Formats a moment for messages, in the policy's time zone.
fn show_moment(at: Timestamp, policy: &Policy) -> String {
    crate::time::show(at, &policy.timezone)
}
