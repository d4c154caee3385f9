//! Which posts may be shared at `now`, and why the others may not.
//!
//! A post is published when it is approved, due (`publish_at <= now`), not
//! expired (`now` before `expires_at`; a bare date is 00:00 of that day in
//! the policy's time zone, like every bare date: the post leaves the feed
//! when that day begins), every product it declares or names is
//! announced at `now`, and the check found no unsuppressed error in it. An
//! approved, due, unexpired post that fails the last two tests is *withheld*:
//! someone expected it to go out, so publish names it and exits 1, unless
//! the only errors are a quiet period's: then it is *paused*, by the policy
//! owners' decision, until the period ends (named, exit 0). Publish judges
//! the check's dates at `now` (`rules::JudgedAt::Now`). A post
//! whose front matter could not be read is withheld too: nobody can tell
//! whether it was approved, and the check never lets such a post reach main.

use std::collections::HashSet;

use jiff::Timestamp;

use crate::calendar::ALL_CATEGORIES;
use crate::check::{Checked, Setup, Spread};
use crate::finding::Finding;
use crate::matcher::Subject;
use crate::post::{Post, Status};
use crate::time::{DayBound, parse_moment};

/// Why an approved, due post is not published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// A rule id (`product.embargo`) or a publish-time reason (`publish.image`).
    pub rule: String,
    pub message: String,
    /// 1-based line in the post file, when the reason has one.
    pub line: Option<usize>,
}

/// A post that should have been published and was not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withheld {
    /// `None` when the file could not be read as a post.
    pub id: Option<String>,
    pub path: String,
    pub reasons: Vec<Reason>,
}

/// What happens to one post at `now`.
#[derive(Debug)]
pub enum Verdict {
    Publish {
        published: Timestamp,
        /// The exclusive end of the post's time in the feed.
        expires: Option<Timestamp>,
        /// What [`named`] found (it scans the whole post: done once).
        products: Vec<String>,
        /// When the approval of a client it names started: see [`named`].
        clients_from: Option<Timestamp>,
    },
    /// Not approved, not due yet, or expired: silently left out.
    Skip(&'static str),
    Withhold(Vec<Reason>),
    /// Held back only by a quiet period (every reason is `quiet-period`).
    Pause(Vec<Reason>),
}

/// The verdict for every post, in the check's order (by path), plus the
/// files that could not even be read as posts.
pub struct Selection<'a> {
    pub posts: Vec<(&'a Post, Verdict)>,
    pub unreadable: Vec<Withheld>,
}

pub fn select<'a>(checked: &'a Checked, now: Timestamp, spread: &impl Spread) -> Selection<'a> {
    // The report's findings are sorted by path: each file's are one run.
    // Looked up by path once, so the work grows with posts plus findings,
    // never with their product.
    let by_path = checked.report.findings_by_path();
    // A verdict scans the post for product names: spread over the cores.
    let posts = spread.map_posts(&checked.posts, &|post| {
        let findings = by_path.get(post.path.as_str()).copied().unwrap_or_default();
        (post, verdict(&checked.setup, findings, post, now))
    });
    let post_paths: HashSet<&str> = checked.posts.iter().map(|p| p.path.as_str()).collect();
    let unreadable = checked
        .report
        .findings
        .chunk_by(|a, b| a.path == b.path)
        .filter(|run| !post_paths.contains(run[0].path.as_str()))
        .filter_map(|run| {
            let reasons: Vec<Reason> = run.iter().filter(|f| f.fails(false)).map(reason).collect();
            (!reasons.is_empty()).then(|| Withheld {
                id: None,
                path: run[0].path.clone(),
                reasons,
            })
        })
        .collect();
    Selection { posts, unreadable }
}

fn reason(f: &Finding) -> Reason {
    Reason {
        rule: f.rule.clone(),
        message: f.message.clone(),
        line: Some(f.region.line),
    }
}

/// What happens to `post` at `now` under `setup`, given the check's findings
/// (for every post; this post's are picked out).
pub fn verdict(setup: &Setup, findings: &[Finding], post: &Post, now: Timestamp) -> Verdict {
    let errors: Vec<Reason> = findings
        .iter()
        .filter(|f| f.path == post.path && f.fails(false))
        .map(reason)
        .collect();
    let Some(front) = &post.front else {
        let mut reasons = errors;
        if reasons.is_empty() {
            reasons.push(publish_reason(
                "post.parse",
                "the front matter could not be read".to_string(),
            ));
        }
        return Verdict::Withhold(reasons);
    };
    if front.status != Status::Approved {
        return Verdict::Skip(match front.status {
            Status::Draft => "draft",
            _ => "in review",
        });
    }
    let tz = &setup.policy.timezone;
    let published = match parse_moment(&front.publish_at, tz, DayBound::Start) {
        Ok(at) => at,
        Err(e) => return Verdict::Withhold(vec![publish_reason("publish.date", e)]),
    };
    if published > now {
        return Verdict::Skip("not due yet");
    }
    let expires = match front
        .expires_at
        .as_deref()
        .map(|e| parse_moment(e, tz, DayBound::Start))
    {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(e)) => return Verdict::Withhold(vec![publish_reason("publish.date", e)]),
    };
    if expires.is_some_and(|end| end <= now) {
        return Verdict::Skip("expired");
    }
    let mut reasons = errors;
    // Absolute while it lasts: an `allow` for `quiet-period` (which lets a
    // post be scheduled inside) does not put a post in an empty feed.
    if let Some(notice) = pause_notice(setup, now)
        && !reasons.iter().any(|r| r.rule == "quiet-period")
    {
        reasons.push(publish_reason("quiet-period", notice));
    }
    let Named {
        products,
        clients_from,
    } = named(setup, post);
    // Judged at `now`, the check has already named every embargoed product.
    let embargo_found = reasons.iter().any(|r| r.rule == "product.embargo");
    for product in products.iter().filter(|_| !embargo_found) {
        match setup.calendar.product(product) {
            Some(p) if p.is_announced_at(now) => {}
            Some(p) => reasons.push(publish_reason(
                "publish.embargo",
                format!(
                    "product `{}` ({}) is not announced yet: {}",
                    p.id,
                    p.name,
                    p.announce_text.as_deref().map_or(
                        "it has no announce_at".to_string(),
                        |a| format!(
                            "announce_at is {}",
                            crate::time::show_written(a, &setup.policy.timezone)
                        )
                    )
                ),
            )),
            None => reasons.push(publish_reason(
                "publish.embargo",
                format!("product `{product}` is not in the release calendar"),
            )),
        }
    }
    if reasons.is_empty() {
        Verdict::Publish {
            published,
            expires,
            products,
            clients_from,
        }
    } else if reasons.iter().all(|r| r.rule == "quiet-period") {
        Verdict::Pause(reasons)
    } else {
        Verdict::Withhold(reasons)
    }
}

/// The quiet period with `[all]` that `now` is inside, if any: publish
/// serves no post while it lasts, and the feeds and hub say so.
pub fn pause_notice(setup: &Setup, now: Timestamp) -> Option<String> {
    let period = setup
        .calendar
        .quiet_periods
        .iter()
        .filter(|q| q.contains(now) && q.categories.iter().any(|c| c == ALL_CATEGORIES))
        .max_by_key(|q| q.end)?;
    let tz = &setup.policy.timezone;
    Some(format!(
        "No posts are shared during the quiet period '{}' ({} to {}); sharing resumes {}.",
        period.name,
        crate::time::show_written(&period.start_text, tz),
        crate::time::show_written(&period.end_text, tz),
        crate::time::show(period.end, tz)
    ))
}

fn publish_reason(rule: &str, message: String) -> Reason {
    Reason {
        rule: rule.to_string(),
        message,
        line: None,
    }
}

/// What a post declares or names that decides when it may go out, found
/// in one scan of the whole post.
pub struct Named {
    /// The products it declares, then those it names, each once.
    pub products: Vec<String>,
    /// The latest `approved_from` among the clients it declares or names:
    /// the moment a client's approval starting let it be shared (`None`: no
    /// client of the post has one).
    pub clients_from: Option<Timestamp>,
}

pub fn named(setup: &Setup, post: &Post) -> Named {
    let front = post.front.as_ref();
    let mut products: Vec<String> = front.map(|f| f.products.clone()).unwrap_or_default();
    let client_from = |c: &crate::policy::Client| c.approval_window().and_then(|(from, _)| from);
    let mut clients_from = front
        .into_iter()
        .flat_map(|f| &f.clients)
        .filter_map(|id| setup.policy.clients.iter().find(|c| &c.id == id))
        .filter_map(client_from)
        .max();
    for hit in setup.matcher.scan(&post.scanned_units()) {
        match hit.subject {
            Subject::ProductName { product } => {
                if let Some(p) = setup.calendar.products.get(product)
                    && !products.contains(&p.id)
                {
                    products.push(p.id.clone());
                }
            }
            Subject::ClientName { client } => {
                let from = setup.policy.clients.get(client).and_then(client_from);
                clients_from = clients_from.max(from);
            }
            _ => {}
        }
    }
    Named {
        products,
        clients_from,
    }
}
