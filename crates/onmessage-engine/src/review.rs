//! `check --base REV`: the pull-request view of a check. Findings in posts the
//! change does not touch become pre-existing (unless it touches the policy,
//! calendar or schemas, when every post counts); history adds `history.leak`
//! and `approval.edited`; a policy change gets its impact on every post.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::check::{self, Checked, ImageFacts, Setup, Spread};
use crate::config::{CALENDAR_PATH, POLICY_PATH};
use crate::eligibility::{self, Verdict};
use crate::finding::{Finding, Severity};
use crate::post::Post;
use crate::rules::history;
use crate::time::{DayBound, parse_moment};

/// A line a branch commit added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedLine {
    /// Abbreviated commit id.
    pub commit: String,
    /// Relative to the root, with `/`.
    pub path: String,
    /// 1-based line in that commit's version of the file.
    pub line: usize,
    pub text: String,
}

/// The branch compared with its base.
#[derive(Debug)]
pub struct BaseComparison {
    /// Abbreviated id of the merge base.
    pub merge_base: String,
    /// Files changed since the merge base (commits, index and working tree).
    pub changed: BTreeSet<String>,
    /// Lines added by each commit between the merge base and HEAD.
    pub added: Vec<AddedLine>,
    /// The merge base's version of the changed posts, of the policy and
    /// calendar, and of the schemas (absent: the file did not exist there).
    pub base_files: HashMap<String, Vec<u8>>,
}

impl BaseComparison {
    /// Whether the change touches the policy, calendar or schemas, so that
    /// every post must be judged again.
    pub fn touches_policy(&self) -> bool {
        self.changed
            .iter()
            .any(|p| p.starts_with("policies/") || p.starts_with("schemas/"))
    }

    /// The paths of the posts a review of this change reads again: those it
    /// changed or added lines to; `None` (every post) if it changes the
    /// policy.
    pub fn posts_to_review(&self) -> Option<BTreeSet<&str>> {
        (!self.touches_policy()).then(|| {
            let added = self.added.iter().map(|line| line.path.as_str());
            self.changed
                .iter()
                .map(String::as_str)
                .chain(added)
                .collect()
        })
    }
}

/// What a policy or calendar change does to the posts.
#[derive(Debug, Default, Serialize)]
pub struct Impact {
    /// Posts that pass under the base policy and fail under the new one.
    pub newly_blocked: Vec<PostImpact>,
    /// Posts that fail under the base policy and pass under the new one.
    pub newly_allowed: Vec<PostImpact>,
    /// Posts whose earliest publication moved because announcements moved.
    pub moved: Vec<Moved>,
    /// Posts that enter or leave the published feed at `--now`.
    pub feed: Vec<FeedChange>,
    /// When the base policy could not be read (it did not exist or was invalid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PostImpact {
    pub post: String,
    pub path: String,
    /// The error rules that make the difference.
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FeedChange {
    pub post: String,
    pub path: String,
    /// In the feed at `--now` under the base policy and calendar.
    pub before: bool,
    /// In the feed at `--now` under the new ones.
    pub after: bool,
}

#[derive(Debug, Serialize)]
pub struct Moved {
    pub post: String,
    pub path: String,
    /// RFC 3339, or null: could never be published.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Applies the comparison with the base to a finished check.
/// Image facts and the spread of work are the caller's, for judging every
/// post again under the base's policy.
pub fn review(
    checked: &mut Checked,
    comparison: &BaseComparison,
    now: Timestamp,
    images: &dyn ImageFacts,
    spread: &impl Spread,
) -> Option<Impact> {
    let every_post_counts = comparison.touches_policy();
    if !every_post_counts {
        for finding in &mut checked.report.findings {
            if !comparison.changed.contains(&finding.path) {
                finding.pre_existing = true;
            }
        }
    }

    let setup = &checked.setup;
    let ctx = setup.context();
    let posts = &checked.posts;
    let still_present = |path: &str, text: &str| {
        posts
            .iter()
            .find(|p| p.path == path)
            .is_some_and(|p| p.text.lines().any(|l| l.trim_end() == text.trim_end()))
    };
    let mut added = history::leaks(
        &ctx,
        &comparison.added,
        now,
        &comparison.merge_base,
        still_present,
    );
    for post in posts
        .iter()
        .filter(|p| comparison.changed.contains(&p.path))
    {
        if let Some(bytes) = comparison.base_files.get(&post.path) {
            let base = Post::parse(post.path.clone(), bytes.clone());
            added.extend(history::approval_edited(
                &ctx,
                &base,
                post,
                &comparison.merge_base,
            ));
        }
    }
    for finding in &added {
        if let Some(post) = posts
            .iter()
            .find(|p| p.path == finding.path && finding.snippet.is_none())
        {
            checked
                .report
                .sources
                .entry(post.path.clone())
                .or_insert_with(|| check::SourceFile {
                    text: post.text.clone(),
                    lines: crate::source::LineIndex::new(&post.text),
                });
        }
    }
    checked.report.findings.extend(added);
    checked
        .report
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    every_post_counts.then(|| impact(checked, comparison, now, images, spread))
}

fn impact(
    checked: &Checked,
    comparison: &BaseComparison,
    now: Timestamp,
    images: &dyn ImageFacts,
    spread: &impl Spread,
) -> Impact {
    let (Some(policy), Some(calendar)) = (
        comparison.base_files.get(POLICY_PATH),
        comparison.base_files.get(CALENDAR_PATH),
    ) else {
        return Impact {
            note: Some(format!(
                "the base has no {POLICY_PATH} and {CALENDAR_PATH} to compare with"
            )),
            ..Impact::default()
        };
    };
    // The base is judged as it was then: with its own schemas, when the
    // change rewrites them (they are compiled into the tool, so a schema
    // change would otherwise show no impact at all).
    let base_schemas = match base_schemas(comparison) {
        Ok(schemas) => schemas,
        Err(e) => {
            return Impact {
                note: Some(format!(
                    "the base's schemas are invalid ({e}); impact not computed"
                )),
                ..Impact::default()
            };
        }
    };
    let schemas = base_schemas
        .as_ref()
        .unwrap_or_else(|| crate::schema::embedded());
    let base = match Setup::parse_with(policy, calendar, schemas) {
        Ok(base) => base,
        Err(errors) => {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            return Impact {
                note: Some(format!(
                    "the base's policy or calendar is invalid ({first}); impact not computed"
                )),
                ..Impact::default()
            };
        }
    };
    // Each post as the base's schemas read it (the same posts when the
    // schemas did not change).
    let reparsed: Vec<Post>;
    let base_posts: &[Post] = match &base_schemas {
        None => &checked.posts,
        Some(schemas) => {
            reparsed = checked
                .posts
                .iter()
                .map(|p| Post::parse_with(p.path.clone(), p.text.clone().into_bytes(), schemas))
                .collect();
            &reparsed
        }
    };
    let before = check::evaluate_posts(&base, base_posts, images, spread);
    let findings_now = checked.report.findings_by_path();
    let in_feed = |setup: &Setup, findings: &[Finding], post: &Post| {
        matches!(
            eligibility::verdict(setup, findings, post, now),
            Verdict::Publish { .. }
        )
    };
    let blocking = |findings: &[Finding]| -> Vec<String> {
        let mut rules: Vec<String> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error && !f.suppressed && f.rule != "history.leak")
            .map(|f| f.rule.clone())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    };
    let mut result = Impact::default();
    for ((post, base_post), base_findings) in checked.posts.iter().zip(base_posts).zip(&before) {
        let findings = findings_now
            .get(post.path.as_str())
            .copied()
            .unwrap_or_default();
        let before = blocking(base_findings);
        let after = blocking(findings);
        let entry = |rules: &[String], other: &[String]| PostImpact {
            post: post.id.clone(),
            path: post.path.clone(),
            rules: rules
                .iter()
                .filter(|r| !other.contains(r))
                .cloned()
                .collect(),
        };
        match (before.is_empty(), after.is_empty()) {
            (true, false) => result.newly_blocked.push(entry(&after, &before)),
            (false, true) => result.newly_allowed.push(entry(&before, &after)),
            _ => {}
        }
        let was = in_feed(&base, base_findings, base_post);
        let is = in_feed(&checked.setup, findings, post);
        if was != is {
            result.feed.push(FeedChange {
                post: post.id.clone(),
                path: post.path.clone(),
                before: was,
                after: is,
            });
        }
        let from = earliest_publication(&base, post);
        let to = earliest_publication(&checked.setup, post);
        if from != to {
            let show = |t: Option<Timestamp>| t.map(|t| t.to_string());
            result.moved.push(Moved {
                post: post.id.clone(),
                path: post.path.clone(),
                from: show(from),
                to: show(to),
            });
        }
    }
    result
}

/// The first moment a post may appear in the feed under `setup`: its
/// `publish_at`, or the latest announcement among the products it declares
/// or names; `None` if one of them is never announced.
fn earliest_publication(setup: &Setup, post: &Post) -> Option<Timestamp> {
    let front = post.front.as_ref()?;
    let publish_at =
        parse_moment(&front.publish_at, &setup.policy.timezone, DayBound::Start).ok()?;
    eligibility::products(setup, post)
        .iter()
        .try_fold(publish_at, |at, id| {
            Some(at.max(announcement(&setup.calendar, id)?))
        })
}

fn announcement(calendar: &Calendar, id: &str) -> Option<Timestamp> {
    calendar.product(id).and_then(|p| p.announce_at)
}

/// The schema files of `schemas/` at the base, compiled, when the change
/// rewrote any of them; `None` when the base's are the tool's own (or the
/// base has none to compare with).
fn base_schemas(comparison: &BaseComparison) -> Result<Option<crate::schema::Schemas>, String> {
    use crate::schema::{CALENDAR, POLICY, POST};
    let files = [
        (SCHEMA_PATHS[0], POLICY),
        (SCHEMA_PATHS[1], CALENDAR),
        (SCHEMA_PATHS[2], POST),
    ];
    let texts: Vec<std::borrow::Cow<str>> = files
        .iter()
        .map(|(path, embedded)| match comparison.base_files.get(*path) {
            Some(bytes) => String::from_utf8_lossy(bytes),
            None => std::borrow::Cow::Borrowed(*embedded),
        })
        .collect();
    if files
        .iter()
        .zip(&texts)
        .all(|((_, embedded), text)| text == embedded)
    {
        return Ok(None);
    }
    crate::schema::Schemas::from_sources(&texts[0], &texts[1], &texts[2]).map(Some)
}

/// The schemas a base revision's policy, calendar and posts were judged by.
pub const SCHEMA_PATHS: [&str; 3] = [
    "schemas/policy.schema.json",
    "schemas/calendar.schema.json",
    "schemas/post.schema.json",
];
