//! The communications register: one row per approval of a post, assembled
//! from what the shell read in the branch's history (`xtask/src/register.rs`
//! walks it with libgit2) and rendered as JSON (`schemas/register.schema.json`)
//! or CSV. Pure: no clock (`now` is given), no I/O.
//!
//! The shell observes each post's versions along the branch, oldest first,
//! and tells the [`Ledger`] what happened ([`classify`] decides which of
//! approval, edit and withdrawal a change is); [`Ledger::finish`] closes the
//! rows at `now`.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::calendar::{ALL_CATEGORIES, Calendar};
use crate::finding::Finding;
use crate::policy::Policy;
use crate::rules::builtin;

/// One version of a post at one commit, as the register sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: String,
    pub path: String,
    pub approved: bool,
    pub approved_by: Option<String>,
    /// As written in the front matter.
    pub approved_at: Option<String>,
    /// `approved_at` as a moment (a bare date is 00:00 in the policy's zone).
    pub approved_moment: Option<Timestamp>,
    /// Platform id → `share::shared_text_sha256` of the text shared there.
    pub platforms: BTreeMap<String, String>,
    /// A digest of everything a reader sees (copy, title, tags, link, alt):
    /// a change to it is an edit.
    pub visible: String,
    pub publish_at: Option<Timestamp>,
    /// Exclusive end of its time in the feed.
    pub expires_at: Option<Timestamp>,
}

/// What a change from `old` to `new` (either may be absent: created,
/// deleted) means for an approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// `new` is approved and `old` was not, or the approval record
    /// (`approved_by`, `approved_at`) changed: a new approval.
    Approved,
    /// Still approved by the same record, and what readers see changed.
    Edited,
    /// It was approved and is no longer (status changed away, or deleted).
    Withdrawn,
    Nothing,
}

pub fn classify(old: Option<&Version>, new: Option<&Version>) -> Change {
    let was = old.filter(|v| v.approved);
    match (was, new.filter(|v| v.approved)) {
        (None, Some(_)) => Change::Approved,
        (Some(_), None) => Change::Withdrawn,
        (None, None) => Change::Nothing,
        (Some(a), Some(b))
            if (&a.approved_by, &a.approved_at) != (&b.approved_by, &b.approved_at) =>
        {
            Change::Approved
        }
        (Some(a), Some(b)) if a.visible != b.visible || a.platforms != b.platforms => {
            Change::Edited
        }
        (Some(_), Some(_)) => Change::Nothing,
    }
}

/// A commit as the register records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hex object id.
    pub hash: String,
    /// `Name <email>`.
    pub author: String,
    pub committer: String,
    /// The committer's date.
    pub date: Timestamp,
    pub trailers: Trailers,
    /// From "Merge pull request #N" (the merge that brought the commit in)
    /// or a squash subject ending "(#N)".
    pub pull_request: Option<u64>,
    pub signature: Signature,
}

/// Whether a commit carries a signature (`gpgsig`: OpenPGP, SSH or X.509).
/// The register does not verify it: that needs the signers' keys, which
/// `git verify-commit` or the forge checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    /// Signed; the signature was not verified here.
    Unverified,
    Unsigned,
}

impl Signature {
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::Unverified => "signed-unverified",
            Signature::Unsigned => "unsigned",
        }
    }
}

/// The commit message trailers the register keeps, in message order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trailers {
    pub approved_by: Vec<String>,
    pub reviewed_by: Vec<String>,
    pub co_authored_by: Vec<String>,
}

impl Trailers {
    /// The trailers of a commit message: `Key: value` lines of its last
    /// paragraph (git's trailer block), keys matched in any case.
    pub fn parse(message: &str) -> Trailers {
        let mut out = Trailers::default();
        let normalized = message.replace("\r\n", "\n");
        let body = normalized.trim_end();
        // The subject is never a trailer block.
        let Some((_, rest)) = body.split_once('\n') else {
            return out;
        };
        let last = rest.rsplit("\n\n").next().unwrap_or_default();
        for line in last.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().to_string();
            if value.is_empty() {
                continue;
            }
            match key.trim().to_ascii_lowercase().as_str() {
                "approved-by" => out.approved_by.push(value),
                "reviewed-by" => out.reviewed_by.push(value),
                "co-authored-by" => out.co_authored_by.push(value),
                _ => {}
            }
        }
        out
    }

    /// Appends `other`'s entries that this one lacks.
    pub fn merge(&mut self, other: &Trailers) {
        for (mine, theirs) in [
            (&mut self.approved_by, &other.approved_by),
            (&mut self.reviewed_by, &other.reviewed_by),
            (&mut self.co_authored_by, &other.co_authored_by),
        ] {
            for t in theirs {
                if !mine.contains(t) {
                    mine.push(t.clone());
                }
            }
        }
    }
}

/// The pull request number in a merge or squash commit's subject:
/// "Merge pull request #12 from org/branch" or "Launch post (#12)".
pub fn pull_request(message: &str) -> Option<u64> {
    let subject = message.lines().next().unwrap_or_default().trim();
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return digits.parse().ok();
    }
    let inner = subject.strip_suffix(')')?;
    let (_, number) = inner.rsplit_once("(#")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

/// A commit and its date: where something happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub commit: String,
    pub date: Timestamp,
}

/// A change to the approved copy after the approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub commit: String,
    pub date: Timestamp,
    /// The post's path after the edit (a rename shows here).
    pub path: String,
    /// The hashes of the edited text: it was not approved as such.
    pub platforms: BTreeMap<String, String>,
}

/// The approver as the policy at the approving commit lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approver {
    pub name: String,
    pub role: Option<String>,
}

/// What the approving commit's tree says besides the post.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub approver: Option<Approver>,
    pub policy_sha256: Option<String>,
    pub calendar_sha256: Option<String>,
    /// The latest announcement of the products the post declares; `Some(None)`
    /// when one of them is not announced (or not in the calendar).
    pub announced: Option<Option<Timestamp>>,
    /// The quiet periods that hold the post back: (start, exclusive end).
    /// `[all]` ones always; others when the post trips a blocked category
    /// (`with_findings`).
    pub quiet: Vec<(Timestamp, Timestamp)>,
    /// When the approval of the clients the post names starts (the latest
    /// `approved_from` among them): before it the post could not be shared.
    pub clients_from: Option<Timestamp>,
}

impl Context {
    /// The calendar's part: products' announcements and `[all]` quiet periods.
    pub fn with_calendar(mut self, calendar: &Calendar, products: &[String]) -> Context {
        let mut latest: Option<Timestamp> = None;
        let mut all_announced = true;
        for id in products {
            match calendar.product(id).and_then(|p| p.announce_at) {
                Some(at) => latest = Some(latest.map_or(at, |l| l.max(at))),
                None => all_announced = false,
            }
        }
        self.announced =
            (!products.is_empty()).then_some(if all_announced { latest } else { None });
        self.quiet = calendar
            .quiet_periods
            .iter()
            .filter(|q| q.categories.iter().any(|c| c == ALL_CATEGORIES))
            .map(|q| (q.start, q.end))
            .collect();
        self
    }

    /// Adds the category quiet periods that hold back a post with these
    /// findings: those blocking the category of one of its unsuppressed
    /// findings (the post is withdrawn while they last).
    pub fn with_findings(
        mut self,
        calendar: &Calendar,
        policy: &Policy,
        findings: &[Finding],
    ) -> Context {
        let category = |rule: &str| {
            policy
                .rule(rule)
                .map(|r| r.category.as_str())
                .or_else(|| builtin::find(rule).map(|b| b.category))
        };
        let tripped: Vec<&str> = findings
            .iter()
            .filter(|f| !f.suppressed && f.rule != "quiet-period")
            .filter_map(|f| category(&f.rule))
            .collect();
        for q in &calendar.quiet_periods {
            let held = q.categories.iter().all(|c| c != ALL_CATEGORIES)
                && tripped.iter().any(|c| q.blocks_category(c));
            if held {
                self.quiet.push((q.start, q.end));
            }
        }
        self
    }
}

/// One approval: a row of the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    /// The path at the approving commit.
    pub path: String,
    pub approved_by: Option<String>,
    pub approver: Option<Approver>,
    pub approved_at: Option<String>,
    pub commit: CommitInfo,
    pub policy_sha256: Option<String>,
    pub calendar_sha256: Option<String>,
    /// Hashes of the text at the approving commit.
    pub platforms: BTreeMap<String, String>,
    pub shareable_from: Option<Timestamp>,
    pub shareable_until: Option<Timestamp>,
    pub withdrawn: Option<Mark>,
    /// A later approval of the same post replaced this one.
    pub superseded: Option<Mark>,
    pub edits: Vec<Edit>,
}

/// An approval still being followed.
struct Open {
    row: Row,
    /// The latest version (for its expiry and path).
    latest: Version,
    context: Context,
    /// When this approval stopped (withdrawal, deletion, supersession).
    ended: Option<Timestamp>,
}

/// The register being built, in the order approvals happened.
#[derive(Default)]
pub struct Ledger {
    rows: Vec<Open>,
    /// Current path → index of its open row.
    open: BTreeMap<String, usize>,
}

impl Ledger {
    /// `version` was approved by `commit`; an approval open at
    /// `previous_path` (the same post before this change) is superseded.
    pub fn approve(
        &mut self,
        previous_path: Option<&str>,
        version: Version,
        commit: CommitInfo,
        context: Context,
    ) {
        let mark = Mark {
            commit: commit.hash.clone(),
            date: commit.date,
        };
        if let Some(i) = previous_path.and_then(|p| self.open.remove(p)) {
            let old = &mut self.rows[i];
            old.ended = Some(mark.date);
            old.row.superseded = Some(mark);
        }
        let row = Row {
            id: version.id.clone(),
            path: version.path.clone(),
            approved_by: version.approved_by.clone(),
            approver: context.approver.clone(),
            approved_at: version.approved_at.clone(),
            policy_sha256: context.policy_sha256.clone(),
            calendar_sha256: context.calendar_sha256.clone(),
            platforms: version.platforms.clone(),
            commit,
            shareable_from: None,
            shareable_until: None,
            withdrawn: None,
            superseded: None,
            edits: Vec::new(),
        };
        self.open.insert(version.path.clone(), self.rows.len());
        self.rows.push(Open {
            row,
            latest: version,
            context,
            ended: None,
        });
    }

    /// The approved post at `previous_path` changed to `version` (an edit
    /// of its copy, or a rename).
    pub fn edit(&mut self, previous_path: &str, version: Version, mark: Mark, copy_changed: bool) {
        let Some(i) = self.open.remove(previous_path) else {
            return;
        };
        let open = &mut self.rows[i];
        if copy_changed {
            open.row.edits.push(Edit {
                commit: mark.commit,
                date: mark.date,
                path: version.path.clone(),
                platforms: version.platforms.clone(),
            });
        }
        self.open.insert(version.path.clone(), i);
        open.latest = version;
    }

    /// The approved post at `path` is no longer approved, or was deleted.
    pub fn withdraw(&mut self, path: &str, mark: Mark) {
        if let Some(i) = self.open.remove(path) {
            let open = &mut self.rows[i];
            open.ended = Some(mark.date);
            open.row.withdrawn = Some(mark);
        }
    }

    /// Whether an approval is open at `path`.
    pub fn is_open(&self, path: &str) -> bool {
        self.open.contains_key(path)
    }

    /// The rows, with when each became shareable and stopped, judged at `now`.
    pub fn finish(self, now: Timestamp) -> Vec<Row> {
        self.rows
            .into_iter()
            .map(|open| {
                let mut row = open.row;
                let end = [open.ended, open.latest.expires_at]
                    .into_iter()
                    .flatten()
                    .min();
                let from = shareable_from(&open.latest, row.commit.date, &open.context);
                let end = end.filter(|&e| e <= now);
                row.shareable_from = from.filter(|&f| f <= now && end.is_none_or(|e| f < e));
                row.shareable_until = end;
                row
            })
            .collect()
    }
}

/// When an approved post becomes shareable, as RSS's `pubDate` defines it:
/// the latest of its `publish_at`, its approval (`approved_at`, else the
/// approving commit's date) and the announcement of every product it
/// declares, moved past any quiet period in `ctx.quiet` it falls in. `None`: a
/// product it declares is never announced. The caller keeps it from being
/// after `now`.
pub fn shareable_from(
    version: &Version,
    commit_date: Timestamp,
    ctx: &Context,
) -> Option<Timestamp> {
    became_shareable(
        version.publish_at,
        version.approved_moment.unwrap_or(commit_date),
        ctx,
    )
}

/// [`shareable_from`] from its inputs: the post's `publish_at` and its
/// approval's moment. Publish gives the same inputs from the working tree
/// and the calendar at `--now`; a client's approval starting is
/// [`Context::clients_from`].
pub fn became_shareable(
    publish_at: Option<Timestamp>,
    approval: Timestamp,
    ctx: &Context,
) -> Option<Timestamp> {
    let mut at = publish_at.map_or(approval, |p| p.max(approval));
    match ctx.announced {
        Some(None) => return None,
        Some(Some(announced)) => at = at.max(announced),
        None => {}
    }
    if let Some(from) = ctx.clients_from {
        at = at.max(from);
    }
    // Periods may overlap or chain: move on until none holds it back.
    while let Some(&(_, end)) = ctx.quiet.iter().find(|(s, e)| *s <= at && at < *e) {
        at = end;
    }
    Some(at)
}

/// How long a feed keeps announcing a post that left it early (withdrawn
/// or deleted while shareable): a reader that polls less often than this
/// may keep showing it.
pub const TOMBSTONE_DAYS: i64 = 30;

/// What the feeds take from the register: each post's current approval and
/// the posts that left the feed early.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FeedHistory {
    /// By post id: its open approval.
    pub current: BTreeMap<String, CurrentApproval>,
    /// Posts withdrawn or deleted while shareable, within
    /// [`TOMBSTONE_DAYS`] of `now`, by id: the latest such moment.
    pub removed: BTreeMap<String, Timestamp>,
}

/// A post's approval that is still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrentApproval {
    /// The approving commit's date (the approval when `approved_at` is absent).
    pub commit_date: Timestamp,
    /// The last commit at or before `now` that changed the approved copy.
    pub edited: Option<Timestamp>,
}

impl FeedHistory {
    /// From the rows [`Ledger::finish`] gave at `now`.
    pub fn from_rows(rows: &[Row], now: Timestamp) -> FeedHistory {
        let mut history = FeedHistory::default();
        let retention = jiff::SignedDuration::from_hours(24 * TOMBSTONE_DAYS);
        for row in rows {
            if let Some(withdrawn) = &row.withdrawn {
                // Ended by the withdrawal, not by its expiry, after it had
                // become shareable (`finish` keeps `shareable_from` only then).
                let early =
                    row.shareable_from.is_some() && row.shareable_until == Some(withdrawn.date);
                if early && now.duration_since(withdrawn.date) < retention {
                    let latest = history
                        .removed
                        .entry(row.id.clone())
                        .or_insert(withdrawn.date);
                    *latest = (*latest).max(withdrawn.date);
                }
            } else if row.superseded.is_none() {
                history.current.insert(
                    row.id.clone(),
                    CurrentApproval {
                        commit_date: row.commit.date,
                        edited: row.edits.iter().map(|e| e.date).filter(|&d| d <= now).max(),
                    },
                );
            }
        }
        history
    }
}

// ---- rendering ----

/// Every platform id, the CSV's fixed `platforms.<p>` columns.
const PLATFORM_IDS: [&str; 7] = [
    "linkedin",
    "x",
    "facebook",
    "instagram",
    "threads",
    "bluesky",
    "mastodon",
];

/// RFC 3339 in UTC, whole seconds: `2026-11-30T14:05:00Z`.
fn moment(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn mark_json(mark: &Option<Mark>) -> serde_json::Value {
    mark.as_ref().map_or(
        serde_json::Value::Null,
        |m| serde_json::json!({"commit": m.commit, "date": moment(m.date)}),
    )
}

/// `{"version": 1, "approvals": [...]}`, pretty-printed, keys sorted.
pub fn render_json(rows: &[Row]) -> String {
    use serde_json::{Value, json};
    let approvals: Vec<Value> = rows
        .iter()
        .map(|r| {
            let c = &r.commit;
            json!({
                "id": r.id,
                "path": r.path,
                "approved_by": r.approved_by,
                "approver": r.approver.as_ref().map(|a| json!({"name": a.name, "role": a.role})),
                "approved_at": r.approved_at,
                "commit": {
                    "hash": c.hash,
                    "author": c.author,
                    "committer": c.committer,
                    "date": moment(c.date),
                    "trailers": {
                        "Approved-by": c.trailers.approved_by,
                        "Reviewed-by": c.trailers.reviewed_by,
                        "Co-authored-by": c.trailers.co_authored_by,
                    },
                    "pull_request": c.pull_request,
                    "signature": c.signature.as_str(),
                },
                "policy_sha256": r.policy_sha256,
                "calendar_sha256": r.calendar_sha256,
                "platforms": r.platforms,
                "shareable_from": r.shareable_from.map(moment),
                "shareable_until": r.shareable_until.map(moment),
                "withdrawn": mark_json(&r.withdrawn),
                "superseded": mark_json(&r.superseded),
                "edits": r.edits.iter().map(|e| json!({
                    "commit": e.commit,
                    "date": moment(e.date),
                    "path": e.path,
                    "platforms": e.platforms,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({"version": 1, "approvals": approvals}))
        .unwrap_or_default();
    text.push('\n');
    text
}

/// The CSV's columns: the JSON's keys, nested ones joined with `.`.
pub fn csv_header() -> Vec<String> {
    let mut columns: Vec<String> = [
        "id",
        "path",
        "approved_by",
        "approver.name",
        "approver.role",
        "approved_at",
        "commit.hash",
        "commit.author",
        "commit.committer",
        "commit.date",
        "commit.trailers.Approved-by",
        "commit.trailers.Reviewed-by",
        "commit.trailers.Co-authored-by",
        "commit.pull_request",
        "commit.signature",
        "policy_sha256",
        "calendar_sha256",
    ]
    .map(String::from)
    .to_vec();
    columns.extend(PLATFORM_IDS.iter().map(|p| format!("platforms.{p}")));
    columns.extend(
        [
            "shareable_from",
            "shareable_until",
            "withdrawn.commit",
            "withdrawn.date",
            "superseded.commit",
            "superseded.date",
            "edits",
        ]
        .map(String::from),
    );
    columns
}

/// One row per approval, RFC 4180 (CRLF line ends, fields quoted when they
/// hold a comma, quote or line break). Lists are joined with `; `; each edit
/// is `<commit> <date> <path>`.
pub fn render_csv(rows: &[Row]) -> String {
    let mut out = String::new();
    push_record(&mut out, &csv_header());
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    for r in rows {
        let c = &r.commit;
        let mut fields = vec![
            r.id.clone(),
            r.path.clone(),
            opt(&r.approved_by),
            r.approver
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            r.approver
                .as_ref()
                .and_then(|a| a.role.clone())
                .unwrap_or_default(),
            opt(&r.approved_at),
            c.hash.clone(),
            c.author.clone(),
            c.committer.clone(),
            moment(c.date),
            c.trailers.approved_by.join("; "),
            c.trailers.reviewed_by.join("; "),
            c.trailers.co_authored_by.join("; "),
            c.pull_request.map(|n| n.to_string()).unwrap_or_default(),
            c.signature.as_str().to_string(),
            opt(&r.policy_sha256),
            opt(&r.calendar_sha256),
        ];
        fields.extend(
            PLATFORM_IDS
                .iter()
                .map(|p| r.platforms.get(*p).cloned().unwrap_or_default()),
        );
        let mark = |m: &Option<Mark>| {
            m.as_ref().map_or((String::new(), String::new()), |m| {
                (m.commit.clone(), moment(m.date))
            })
        };
        let (wc, wd) = mark(&r.withdrawn);
        let (sc, sd) = mark(&r.superseded);
        fields.extend([
            r.shareable_from.map(moment).unwrap_or_default(),
            r.shareable_until.map(moment).unwrap_or_default(),
            wc,
            wd,
            sc,
            sd,
            r.edits
                .iter()
                .map(|e| format!("{} {} {}", e.commit, moment(e.date), e.path))
                .collect::<Vec<_>>()
                .join("; "),
        ]);
        push_record(&mut out, &fields);
    }
    out
}

fn push_record(out: &mut String, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn version(approved: bool, by: Option<&str>, text: &str) -> Version {
        Version {
            id: "p".into(),
            path: "content/posts/p.md".into(),
            approved,
            approved_by: by.map(String::from),
            approved_at: by.map(|_| "2026-11-30".into()),
            approved_moment: by.map(|_| at("2026-11-30T05:00:00Z")),
            platforms: BTreeMap::from([("x".into(), crate::share::shared_text_sha256(text))]),
            visible: text.into(),
            publish_at: Some(at("2026-12-01T16:00:00Z")),
            expires_at: None,
        }
    }

    #[test]
    fn a_post_becomes_shareable_when_the_last_thing_holding_it_back_ends() {
        let publish_at = Some(at("2027-01-10T09:00:00Z"));
        let approval = at("2027-01-05T12:00:00Z");
        let free = Context::default();
        assert_eq!(
            became_shareable(publish_at, approval, &free),
            publish_at,
            "approved before it was due: due"
        );
        let client = Context {
            clients_from: Some(at("2027-02-01T05:00:00Z")),
            ..Context::default()
        };
        assert_eq!(
            became_shareable(publish_at, approval, &client),
            Some(at("2027-02-01T05:00:00Z")),
            "the client's approval starting"
        );
        // The client start falls inside a quiet period, which chains into
        // another: the second one's end.
        let quiet = Context {
            quiet: vec![
                (at("2027-01-31T00:00:00Z"), at("2027-02-03T00:00:00Z")),
                (at("2027-02-03T00:00:00Z"), at("2027-02-05T00:00:00Z")),
            ],
            ..client
        };
        assert_eq!(
            became_shareable(publish_at, approval, &quiet),
            Some(at("2027-02-05T00:00:00Z"))
        );
        let unannounced = Context {
            announced: Some(None),
            ..Context::default()
        };
        assert_eq!(became_shareable(publish_at, approval, &unannounced), None);
    }

    #[test]
    fn classifies_approval_edit_withdrawal_and_reapproval() {
        let draft = version(false, None, "a");
        let approved = version(true, Some("jane"), "a");
        let edited = version(true, Some("jane"), "b");
        let other = version(true, Some("joe"), "a");
        assert_eq!(classify(Some(&draft), Some(&approved)), Change::Approved);
        assert_eq!(classify(None, Some(&approved)), Change::Approved);
        assert_eq!(classify(Some(&approved), Some(&edited)), Change::Edited);
        assert_eq!(classify(Some(&approved), Some(&other)), Change::Approved);
        assert_eq!(classify(Some(&approved), Some(&draft)), Change::Withdrawn);
        assert_eq!(classify(Some(&approved), None), Change::Withdrawn);
        assert_eq!(classify(Some(&approved), Some(&approved)), Change::Nothing);
        assert_eq!(classify(Some(&draft), None), Change::Nothing);
    }

    #[test]
    fn trailers_come_from_the_last_paragraph_only() {
        let message = "Approve launch\n\nApproved-by: not a trailer here\nsome text\n\nApproved-by: Jane Roe <jane@example.com>\nreviewed-by: Joe <joe@example.com>\nCo-authored-by: Ann <ann@example.com>\nSigned-off-by: X\n";
        let t = Trailers::parse(message);
        assert_eq!(t.approved_by, ["Jane Roe <jane@example.com>"]);
        assert_eq!(t.reviewed_by, ["Joe <joe@example.com>"]);
        assert_eq!(t.co_authored_by, ["Ann <ann@example.com>"]);
        assert_eq!(Trailers::parse("Approved-by: Jane"), Trailers::default());
    }

    #[test]
    fn pull_request_numbers_from_merge_and_squash_subjects() {
        assert_eq!(
            pull_request("Merge pull request #42 from org/launch\n\nLaunch"),
            Some(42)
        );
        assert_eq!(pull_request("Launch post (#7)\n\n* one"), Some(7));
        assert_eq!(pull_request("Fix (#abc)"), None);
        assert_eq!(pull_request("Mention issue #7 in the body"), None);
        assert_eq!(pull_request("Merge branch 'x'"), None);
    }

    fn commit(hash: &str, date: &str) -> CommitInfo {
        CommitInfo {
            hash: hash.into(),
            author: "A <a@example.com>".into(),
            committer: "A <a@example.com>".into(),
            date: at(date),
            trailers: Trailers::default(),
            pull_request: None,
            signature: Signature::Unsigned,
        }
    }

    #[test]
    fn the_feeds_see_open_approvals_and_withdrawals_while_live_for_a_while() {
        let v = version(true, Some("jane"), "a");
        let mut ledger = Ledger::default();
        ledger.approve(
            None,
            v.clone(),
            commit("c1", "2026-11-30T12:00:00Z"),
            Context::default(),
        );
        let edit = Mark {
            commit: "c2".into(),
            date: at("2026-12-02T00:00:00Z"),
        };
        ledger.edit(
            &v.path,
            version(true, Some("jane"), "b"),
            edit.clone(),
            true,
        );
        let now = at("2026-12-05T00:00:00Z");
        let history = FeedHistory::from_rows(&ledger.finish(now), now);
        assert_eq!(
            history.current["p"],
            CurrentApproval {
                commit_date: at("2026-11-30T12:00:00Z"),
                edited: Some(edit.date),
            }
        );
        assert!(history.removed.is_empty());

        let mut ledger = Ledger::default();
        ledger.approve(
            None,
            v.clone(),
            commit("c1", "2026-11-30T12:00:00Z"),
            Context::default(),
        );
        let withdrawn = at("2026-12-03T00:00:00Z");
        ledger.withdraw(
            &v.path,
            Mark {
                commit: "c3".into(),
                date: withdrawn,
            },
        );
        let rows = ledger.finish(now);
        let history = FeedHistory::from_rows(&rows, now);
        assert!(history.current.is_empty());
        assert_eq!(history.removed["p"], withdrawn);
        let retention = jiff::SignedDuration::from_hours(24 * TOMBSTONE_DAYS);
        let last = withdrawn + retention - jiff::SignedDuration::from_secs(1);
        assert_eq!(FeedHistory::from_rows(&rows, last).removed.len(), 1);
        assert!(
            FeedHistory::from_rows(&rows, withdrawn + retention)
                .removed
                .is_empty()
        );
    }

    #[test]
    fn shareable_from_is_the_latest_hold_and_skips_quiet_periods() {
        let v = version(true, Some("jane"), "a");
        let ctx = Context::default();
        assert_eq!(
            shareable_from(&v, at("2026-11-29T00:00:00Z"), &ctx),
            Some(at("2026-12-01T16:00:00Z"))
        );
        let mut late = v.clone();
        late.approved_moment = None;
        assert_eq!(
            shareable_from(&late, at("2026-12-02T09:00:00Z"), &ctx),
            Some(at("2026-12-02T09:00:00Z"))
        );
        let quiet = Context {
            quiet: vec![
                (at("2026-12-01T00:00:00Z"), at("2026-12-03T00:00:00Z")),
                (at("2026-12-03T00:00:00Z"), at("2026-12-04T00:00:00Z")),
            ],
            ..Context::default()
        };
        assert_eq!(
            shareable_from(&v, at("2026-11-29T00:00:00Z"), &quiet),
            Some(at("2026-12-04T00:00:00Z"))
        );
        let embargoed = Context {
            announced: Some(None),
            ..Context::default()
        };
        assert_eq!(
            shareable_from(&v, at("2026-11-29T00:00:00Z"), &embargoed),
            None
        );
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says() {
        let mut out = String::new();
        push_record(
            &mut out,
            &[
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
            ],
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }
}
