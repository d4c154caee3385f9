//! `check --base REV`: the pull-request view of a check. Findings in posts the
//! change does not touch become pre-existing (unless it touches the policy,
//! calendar or schemas, when every post counts); history adds `history.leak`
//! and `approval.edited`; a policy change gets its impact on every post.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::calendar::ALL_CATEGORIES;
use crate::check::{self, Checked, ImageFacts, Setup, Spread};
use crate::config::{CALENDAR_PATH, POLICY_PATH};
use crate::eligibility::{self, Verdict};
use crate::finding::{Finding, Severity};
use crate::matcher::Subject;
use crate::policy::Active;
use crate::post::{Post, Status};
use crate::rules::builtin;
use crate::rules::history;
use crate::rules::scoped::activation_moment;
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

/// What a policy or calendar change does to the posts, grouped by the
/// entry of the policy or calendar that changed.
#[derive(Debug, Default, Serialize)]
pub struct Impact {
    /// What the change touches, of `policy`, `calendar` and `schemas`.
    pub changed: Vec<&'static str>,
    /// One group per changed entry that affects a post, in file order.
    pub groups: Vec<Group>,
    /// When the base policy could not be read (it did not exist or was invalid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One changed entry and the posts it affects.
#[derive(Debug, Serialize)]
pub struct Group {
    /// `policy`, `calendar` or `schemas`.
    pub file: &'static str,
    /// `product widget-pro`, `quiet period 'Q4 earnings'`, `client acme`,
    /// `rule tone.negative`, or a top-level key (`disclosure`).
    pub entry: String,
    pub posts: Vec<Affected>,
}

/// What the change does to one post.
#[derive(Debug, Clone, Serialize)]
pub struct Affected {
    pub post: String,
    pub path: String,
    pub title: String,
    /// `draft`, `review` or `approved`; empty when the front matter cannot be read.
    pub status: String,
    pub author: String,
    /// In the feed at `--now` under the base since this moment (its
    /// `publish_at`, or the start of a client's approval it names, if
    /// later; RFC 3339 in the policy's time zone, with its offset); absent:
    /// not live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_since: Option<String>,
    /// Error rules that block the post now and did not under the base.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub newly_blocked: Vec<String>,
    /// Error rules that blocked it under the base and no longer do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub newly_allowed: Vec<String>,
    /// Its earliest possible publication changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest: Option<Earliest>,
    /// `enters` or `leaves`: the feed at `--now`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<&'static str>,
}

/// The first moment the post could be published, under the base and now.
#[derive(Debug, Clone, Serialize)]
pub struct Earliest {
    /// RFC 3339 in the policy's time zone; null: never, as things stand.
    pub before: Option<String>,
    pub after: Option<String>,
    /// Its `publish_at` is before `after` (or it can never go out): the
    /// post is withheld until someone changes `publish_at`.
    pub needs_new_publish_at: bool,
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
    let setup = &checked.setup;
    let tz = &setup.policy.timezone;
    let show = |t: Timestamp| {
        t.to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
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
    let entries = changed_entries(&base, setup);
    let mut groups: Vec<Group> = entries
        .iter()
        .map(|(file, entry, _)| Group {
            file,
            entry: entry.clone(),
            posts: Vec::new(),
        })
        .collect();
    let mut unclaimed: Vec<Affected> = Vec::new();
    for ((post, base_post), base_findings) in checked.posts.iter().zip(base_posts).zip(&before) {
        let findings = findings_now
            .get(post.path.as_str())
            .copied()
            .unwrap_or_default();
        let (was_blocking, is_blocking) = (blocking(base_findings), blocking(findings));
        let without = |rules: &[String], other: &[String]| -> Vec<String> {
            rules
                .iter()
                .filter(|r| !other.contains(r))
                .cloned()
                .collect()
        };
        let (newly_blocked, newly_allowed) = match (was_blocking.is_empty(), is_blocking.is_empty())
        {
            (true, false) => (without(&is_blocking, &was_blocking), Vec::new()),
            (false, true) => (Vec::new(), without(&was_blocking, &is_blocking)),
            _ => (Vec::new(), Vec::new()),
        };
        let base_verdict = eligibility::verdict(&base, base_findings, base_post, now);
        let was = matches!(base_verdict, Verdict::Publish { .. });
        let is = matches!(
            eligibility::verdict(setup, findings, post, now),
            Verdict::Publish { .. }
        );
        let from = earliest_publication(&base, base_post, base_findings);
        let to = earliest_publication(setup, post, findings);
        let earliest = (from != to).then(|| {
            let publish_at = post
                .front
                .as_ref()
                .and_then(|f| parse_moment(&f.publish_at, tz, DayBound::Start).ok());
            Earliest {
                before: from.map(show),
                after: to.map(show),
                needs_new_publish_at: match (to, publish_at) {
                    (Some(to), Some(at)) => to > at,
                    _ => true,
                },
            }
        });
        if newly_blocked.is_empty() && newly_allowed.is_empty() && earliest.is_none() && was == is {
            continue;
        }
        let front = post.front.as_ref();
        let affected = Affected {
            post: post.id.clone(),
            path: post.path.clone(),
            title: front.map(|f| f.title.clone()).unwrap_or_default(),
            status: front
                .map(|f| match f.status {
                    Status::Draft => "draft",
                    Status::Review => "review",
                    Status::Approved => "approved",
                })
                .unwrap_or_default()
                .to_string(),
            author: front.map(|f| f.author.clone()).unwrap_or_default(),
            // Live since its publish_at, or since a client's approval
            // started, whichever came last.
            live_since: match base_verdict {
                Verdict::Publish {
                    published,
                    clients_from,
                    ..
                } => Some(show(
                    clients_from.map_or(published, |from| from.max(published)),
                )),
                _ => None,
            },
            newly_blocked,
            newly_allowed,
            earliest,
            feed: (was != is).then_some(if is { "enters" } else { "leaves" }),
        };
        let concerns = Concerns::of(&base, base_post, base_findings, setup, post, findings, now);
        let mut claimed = false;
        for ((_, _, entry), group) in entries.iter().zip(&mut groups) {
            if concerns.include(entry, &affected) {
                group.posts.push(affected.clone());
                claimed = true;
            }
        }
        if !claimed {
            unclaimed.push(affected);
        }
    }
    // What no named entry explains (a schema, the disclosure, the company)
    // goes to the other changed parts, or to the files as a whole.
    if !unclaimed.is_empty() {
        let others: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, (_, _, e))| matches!(e, Entry::Other))
            .map(|(i, _)| i)
            .collect();
        if others.is_empty() {
            let file = if comparison.changed.iter().any(|p| p.starts_with("schemas/")) {
                "schemas"
            } else {
                entries.first().map_or("policy", |(file, _, _)| file)
            };
            groups.push(Group {
                file,
                entry: format!("{file} (as a whole)"),
                posts: unclaimed,
            });
        } else {
            for i in others {
                groups[i].posts.extend(unclaimed.iter().cloned());
            }
        }
    }
    groups.retain(|g| !g.posts.is_empty());
    Impact {
        changed: changed_files(comparison),
        groups,
        note: None,
    }
}

/// Which of `policy`, `calendar` and `schemas` the change touches.
fn changed_files(comparison: &BaseComparison) -> Vec<&'static str> {
    let touches = |prefix: &str| comparison.changed.iter().any(|p| p.starts_with(prefix));
    [
        (POLICY_PATH, "policy"),
        (CALENDAR_PATH, "calendar"),
        ("schemas/", "schemas"),
    ]
    .into_iter()
    .filter(|(prefix, _)| touches(prefix))
    .map(|(_, name)| name)
    .collect()
}

/// What an entry of the policy or calendar is about.
#[derive(Clone, Debug)]
enum Entry {
    Rule(String),
    Client(String),
    Product(String),
    QuietPeriod(String),
    /// Any other top-level key (`company`, `disclosure`, `builtins`, ...).
    Other,
}

/// The entries whose data differ between the base and now (added and
/// removed ones included), in file order: policy, then calendar.
fn changed_entries(base: &Setup, now: &Setup) -> Vec<(&'static str, String, Entry)> {
    let mut out = Vec::new();
    for (file, before, after) in [
        ("policy", &base.policy.source, &now.policy.source),
        ("calendar", &base.calendar.source, &now.calendar.source),
    ] {
        let (before, after) = (entries_of(file, before), entries_of(file, after));
        let mut labels: Vec<&String> = after.iter().map(|(l, _, _)| l).collect();
        labels.extend(
            before
                .iter()
                .map(|(l, _, _)| l)
                .filter(|l| !after.iter().any(|(a, _, _)| a == *l)),
        );
        for label in labels {
            let find = |list: &[(String, Entry, Value)]| {
                list.iter()
                    .find(|(l, _, _)| l == label)
                    .map(|(_, _, v)| v.clone())
            };
            if find(&before) != find(&after) {
                let (_, entry, _) = after
                    .iter()
                    .chain(&before)
                    .find(|(l, _, _)| l == label)
                    .expect("the label comes from one of the lists");
                out.push((file, label.clone(), entry.clone()));
            }
        }
    }
    out
}

/// Makes the entry of a list item from its id or name.
type MakeEntry = fn(String) -> Entry;

/// A file's entries: rules and clients by id, products by id, quiet
/// periods by name, every other top-level key whole.
fn entries_of(file: &str, source: &Value) -> Vec<(String, Entry, Value)> {
    let Some(top) = source.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in top {
        let keyed: Option<(&str, &str, MakeEntry)> = match (file, key.as_str()) {
            ("policy", "rules") => Some(("id", "rule", Entry::Rule)),
            ("policy", "clients") => Some(("id", "client", Entry::Client)),
            ("calendar", "products") => Some(("id", "product", Entry::Product)),
            ("calendar", "quiet_periods") => Some(("name", "quiet period", Entry::QuietPeriod)),
            _ => None,
        };
        match (keyed, value.as_array()) {
            (Some((id_key, kind, entry)), Some(items)) => {
                for item in items {
                    let id = item[id_key].as_str().unwrap_or_default().to_string();
                    let label = match kind {
                        "quiet period" => format!("{kind} '{id}'"),
                        _ => format!("{kind} {id}"),
                    };
                    out.push((label, entry(id), item.clone()));
                }
            }
            _ => out.push((key.clone(), Entry::Other, value.clone())),
        }
    }
    out
}

/// What one post involves, under the base or now: for telling which changed
/// entries explain its change.
struct Concerns {
    rules: BTreeSet<String>,
    products: BTreeSet<String>,
    clients: BTreeSet<String>,
    moments: Vec<Timestamp>,
    quiet_periods: BTreeSet<String>,
}

impl Concerns {
    fn of(
        base: &Setup,
        base_post: &Post,
        base_findings: &[Finding],
        now_setup: &Setup,
        post: &Post,
        findings: &[Finding],
        now: Timestamp,
    ) -> Concerns {
        let mut c = Concerns {
            rules: BTreeSet::new(),
            products: BTreeSet::new(),
            clients: BTreeSet::new(),
            moments: vec![now],
            quiet_periods: BTreeSet::new(),
        };
        for (setup, post, findings) in [
            (base, base_post, base_findings),
            (now_setup, post, findings),
        ] {
            c.rules.extend(
                findings
                    .iter()
                    .filter(|f| f.fails(false))
                    .map(|f| f.rule.clone()),
            );
            let front = post.front.as_ref();
            c.products
                .extend(front.iter().flat_map(|f| f.products.iter().cloned()));
            c.clients
                .extend(front.iter().flat_map(|f| f.clients.iter().cloned()));
            for hit in setup.matcher.scan(&post.scanned_units()) {
                match hit.subject {
                    Subject::ProductName { product } | Subject::Codename { product } => {
                        c.products
                            .insert(setup.calendar.products[product].id.clone());
                    }
                    Subject::ClientName { client } => {
                        c.clients.insert(setup.policy.clients[client].id.clone());
                    }
                    _ => {}
                }
            }
            // A rule timed by a product's announcement concerns that product.
            for rule in c.rules.clone() {
                if let Some(r) = setup.policy.rule(&rule) {
                    for a in [&r.active_from, &r.active_until].into_iter().flatten() {
                        if let Active::Product(id) = &a.at {
                            c.products.insert(id.clone());
                        }
                    }
                }
            }
            c.moments.extend(front.and_then(|f| {
                parse_moment(&f.publish_at, &setup.policy.timezone, DayBound::Start).ok()
            }));
            for q in &setup.calendar.quiet_periods {
                if c.moments.iter().any(|&m| q.contains(m)) {
                    c.quiet_periods.insert(q.name.clone());
                }
            }
        }
        c
    }

    fn include(&self, entry: &Entry, affected: &Affected) -> bool {
        match entry {
            // A rule explains what it newly blocks or allows, and a moved
            // earliest publication of a post it blocks (its `active_until`).
            Entry::Rule(id) => {
                affected.newly_blocked.contains(id)
                    || affected.newly_allowed.contains(id)
                    || (affected.earliest.is_some() && self.rules.contains(id))
            }
            Entry::Client(id) => self.clients.contains(id),
            Entry::Product(id) => self.products.contains(id),
            Entry::QuietPeriod(name) => self.quiet_periods.contains(name),
            Entry::Other => false,
        }
    }
}

/// The first moment `post` could appear in the feed under `setup`, given
/// its findings there (judged at its `publish_at`): its `publish_at`, or
/// later if the products it declares or names are announced later, a
/// codename it names becomes public later, a client it names is approved
/// from later, a time-scoped rule that blocks it lapses later, or a quiet
/// period holds it; `None` if it never can, as things stand (a product
/// never announced, a codename never public, a client's approval over).
fn earliest_publication(setup: &Setup, post: &Post, findings: &[Finding]) -> Option<Timestamp> {
    let front = post.front.as_ref()?;
    let (policy, calendar) = (&setup.policy, &setup.calendar);
    let mut at = parse_moment(&front.publish_at, &policy.timezone, DayBound::Start).ok()?;
    for id in &front.products {
        at = at.max(calendar.product(id).and_then(|p| p.announce_at)?);
    }
    let mut clients: Vec<&crate::policy::Client> = front
        .clients
        .iter()
        .filter_map(|id| policy.clients.iter().find(|c| &c.id == id))
        .collect();
    for hit in setup.matcher.scan(&post.scanned_units()) {
        match hit.subject {
            Subject::ProductName { product } => {
                at = at.max(calendar.products[product].announce_at?);
            }
            Subject::Codename { product } => {
                let p = &calendar.products[product];
                let public = p
                    .codenames
                    .iter()
                    .zip(&p.codenames_public_at)
                    .find(|(name, _)| **name == hit.spelling)
                    .and_then(|(_, public)| *public)?;
                at = at.max(public);
            }
            Subject::ClientName { client } => clients.push(&policy.clients[client]),
            _ => {}
        }
    }
    for client in &clients {
        if let (Some(from), _) = client.approval_window()? {
            at = at.max(from);
        }
    }
    let failing: Vec<&Finding> = findings.iter().filter(|f| f.fails(false)).collect();
    for f in &failing {
        if let Some(until) = policy.rule(&f.rule).and_then(|r| r.active_until.as_ref()) {
            at = at.max(activation_moment(until, calendar)?);
        }
    }
    let category = |rule: &str| {
        policy
            .rule(rule)
            .map(|r| r.category.as_str())
            .or_else(|| builtin::find(rule).map(|b| b.category))
    };
    // A quiet period that holds the post pushes it to the period's end,
    // where another may begin: each period is passed at most once.
    for _ in 0..=calendar.quiet_periods.len() {
        let holding = calendar.quiet_periods.iter().find(|q| {
            q.contains(at)
                && (q.categories.iter().any(|c| c == ALL_CATEGORIES)
                    || findings
                        .iter()
                        .filter(|f| f.rule != "quiet-period" && !f.suppressed)
                        .any(|f| category(&f.rule).is_some_and(|c| q.blocks_category(c))))
        });
        match holding {
            Some(q) => at = q.end,
            None => break,
        }
    }
    clients.iter().all(|c| c.is_approved_at(at)).then_some(at)
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

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "version: 1
company: {name: X, timezone: UTC, domains: [x.com]}
clients:
  - {id: initech, names: [Initech], approved_from: 2027-03-01, approved_until: 2027-03-31}
rules:
  - id: tone.hype
    severity: warning
    category: marketing
    message: Hype
    explain: Hype.
    terms: [revolutionary]
";
    const CALENDAR: &str = "version: 1
products: []
quiet_periods:
  - {name: Results, start: 2027-01-10, end: 2027-01-20, categories: [all]}
  - {name: Launch, start: 2027-01-21, end: 2027-01-25, categories: [marketing]}
";

    fn earliest(setup: &Setup, publish_at: &str, body: &str) -> Option<String> {
        let post = Post::parse(
            "content/posts/p.md".to_string(),
            format!("---\ntitle: T\nauthor: a\nstatus: draft\nplatforms: [linkedin]\npublish_at: {publish_at}\n---\n{body}\n").into_bytes(),
        );
        let findings = crate::rules::evaluate(&setup.context(), &post, &HashMap::new());
        earliest_publication(setup, &post, &findings).map(|t| t.to_string())
    }

    #[test]
    fn the_earliest_publication_waits_for_quiet_periods_and_client_windows() {
        let setup = Setup::parse(POLICY.as_bytes(), CALENDAR.as_bytes()).unwrap();
        let day = |d: &str| Some(format!("{d}T00:00:00Z"));
        assert_eq!(earliest(&setup, "2027-01-05", "Hello."), day("2027-01-05"));
        // [all] holds every post until the day after its last day.
        assert_eq!(earliest(&setup, "2027-01-15", "Hello."), day("2027-01-21"));
        // ... and a marketing word then waits for the next period too.
        assert_eq!(
            earliest(&setup, "2027-01-15", "A revolutionary idea."),
            day("2027-01-26")
        );
        assert_eq!(
            earliest(&setup, "2027-02-01", "Thanks, Initech."),
            day("2027-03-01")
        );
        assert_eq!(
            earliest(&setup, "2027-03-15", "Thanks, Initech."),
            day("2027-03-15")
        );
        // After the approval's last day: never, as things stand.
        assert_eq!(earliest(&setup, "2027-04-01", "Thanks, Initech."), None);
    }
}
