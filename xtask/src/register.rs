//! `cargo xtask register`: the communications register, read from the
//! branch's history with libgit2 (no checkout, no network, no `git`
//! process). This module walks the history and reads files out of commits;
//! the engine's `register` decides what each change means and renders rows.
//!
//! The branch is HEAD's first-parent chain, oldest first. Each step's posts
//! (under `content/posts/`, renames followed) are compared before and after;
//! when the step is a merge, the commits it brought in are searched for the
//! one that actually approved, edited or withdrew the post, and the merge
//! gives the pull request number.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use git2::{Commit, Delta, DiffFindOptions, DiffOptions, Oid, Repository, Sort, Tree};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use onmessage_engine::calendar::Calendar;
use onmessage_engine::config::{CALENDAR_PATH, POLICY_PATH};
use onmessage_engine::policy::Policy;
use onmessage_engine::post::{Post, Status};
use onmessage_engine::register::{
    self, Approver, Change, CommitInfo, Context, FeedHistory, Ledger, Mark, Row, Signature,
    Trailers, Version,
};
use onmessage_engine::rules::builtin;
use onmessage_engine::share::{sha256_hex, shared_text_sha256};
use onmessage_engine::time::{DayBound, parse_moment};

use crate::git::{file_in_tree, relative, root_prefix};

/// `cargo xtask register`.
#[derive(clap::Args)]
pub struct RegisterArgs {
    /// The repository (default: the nearest directory above that holds policies/policy.yaml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// The moment the register is judged at, RFC 3339 (default: the clock):
    /// `shareable_until` stays empty for a post still shareable then.
    #[arg(long)]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// `{"version": 1, "approvals": [...]}` (schemas/register.schema.json).
    Json,
    /// RFC 4180, one row per approval, nested keys joined with `.`.
    Csv,
}

/// Where posts live, relative to the root.
const POSTS_DIR: &str = "content/posts/";

/// The register of the repository at `root`, judged at `now`.
pub fn build(root: &Path, now: Timestamp) -> Result<Vec<Row>, String> {
    let repo = Repository::discover(root).map_err(|e| {
        format!(
            "the register is read from git history, and {} is not in a git repository: {}",
            root.display(),
            e.message()
        )
    })?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| format!("cannot read HEAD: {}", e.message()))?;
    rows(&repo, root, &head, now)
}

/// What publish reads from history.
pub enum PublishHistory {
    Read(FeedHistory),
    /// No history to read, and why: publish goes by what the files say.
    Missing(&'static str),
}

/// The history publish needs, read once: each post's current approval and
/// the posts that left the feed early. Read only when `root` is the top of
/// a repository (a folder inside another project's repository has no
/// history of its own) with a commit and its whole history (a shallow
/// clone would date every approval at its one commit).
pub fn publish_history(root: &Path, now: Timestamp) -> Result<PublishHistory, String> {
    let no_search = git2::RepositoryOpenFlags::NO_SEARCH;
    let Ok(repo) = Repository::open_ext(root, no_search, std::iter::empty::<&std::ffi::OsStr>())
    else {
        return Ok(PublishHistory::Missing(
            "it is not the top of a git repository",
        ));
    };
    if repo.is_shallow() {
        return Ok(PublishHistory::Missing("it is a shallow clone"));
    }
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(PublishHistory::Missing("its repository has no commit"));
    };
    let rows = rows(&repo, root, &head, now)?;
    Ok(PublishHistory::Read(FeedHistory::from_rows(&rows, now)))
}

/// The register of HEAD's first-parent chain, judged at `now`.
fn rows(repo: &Repository, root: &Path, head: &Commit, now: Timestamp) -> Result<Vec<Row>, String> {
    let prefix = root_prefix(repo, root)?;
    let mut walker = Walker {
        repo,
        prefix,
        configs: HashMap::new(),
        ledger: Ledger::default(),
    };
    let mut chain = vec![head.clone()];
    while let Ok(parent) = chain[chain.len() - 1].parent(0) {
        chain.push(parent);
    }
    chain.reverse();
    for (i, commit) in chain.iter().enumerate() {
        let parent = i.checked_sub(1).map(|p| &chain[p]);
        walker.step(parent, commit).map_err(|e| {
            format!(
                "cannot read commit {} of the history: {}",
                commit.id(),
                e.message()
            )
        })?;
    }
    Ok(walker.ledger.finish(now))
}

/// The policy and calendar of one tree: their digests and what they compile to.
struct Config {
    policy_sha256: Option<String>,
    calendar_sha256: Option<String>,
    policy: Option<Policy>,
    calendar: Option<Calendar>,
}

impl Config {
    fn timezone(&self) -> TimeZone {
        self.policy
            .as_ref()
            .map_or(TimeZone::UTC, |p| p.timezone.clone())
    }
}

struct Walker<'r> {
    repo: &'r Repository,
    prefix: PathBuf,
    /// By (policy blob, calendar blob): most commits change neither.
    configs: HashMap<(Option<Oid>, Option<Oid>), std::rc::Rc<Config>>,
    ledger: Ledger,
}

impl<'r> Walker<'r> {
    /// One step of the branch: `parent` → `commit`.
    fn step(&mut self, parent: Option<&Commit>, commit: &Commit) -> Result<(), git2::Error> {
        let tree = commit.tree()?;
        let parent_tree = parent.map(Commit::tree).transpose()?;
        let mut options = DiffOptions::new();
        options.pathspec(self.prefix.join(POSTS_DIR));
        let mut diff =
            self.repo
                .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut options))?;
        diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
        let mut changes = Vec::new();
        for delta in diff.deltas() {
            let path = |f: git2::DiffFile| f.path().and_then(|p| relative(&self.prefix, p));
            let old = (delta.status() != Delta::Added)
                .then(|| path(delta.old_file()))
                .flatten();
            let new = (delta.status() != Delta::Deleted)
                .then(|| path(delta.new_file()))
                .flatten();
            let is_post = |p: &Option<String>| p.as_ref().is_some_and(|p| p.ends_with(".md"));
            if is_post(&old) || is_post(&new) {
                changes.push((
                    old.filter(|p| p.ends_with(".md")),
                    new.filter(|p| p.ends_with(".md")),
                ));
            }
        }
        // Deltas come sorted by path: the order is deterministic.
        let branch = if commit.parent_count() > 1 {
            self.branch_commits(commit, parent)?
        } else {
            Vec::new()
        };
        for (old_path, new_path) in changes {
            let old = match (&parent_tree, &old_path) {
                (Some(t), Some(p)) => self.version(t, p),
                _ => None,
            };
            let new = new_path.as_ref().and_then(|p| self.version(&tree, p));
            self.record(commit, &branch, old_path.as_deref(), old, new)?;
        }
        Ok(())
    }

    fn record(
        &mut self,
        commit: &Commit,
        branch: &[Commit],
        old_path: Option<&str>,
        old: Option<Version>,
        new: Option<Version>,
    ) -> Result<(), git2::Error> {
        let here = mark(commit);
        match register::classify(old.as_ref(), new.as_ref()) {
            Change::Approved => {
                let Some(new) = new else { return Ok(()) };
                // The branch commit that set this approval, else this commit.
                let setter = branch
                    .iter()
                    .rev()
                    .find(|b| self.sets_approval(b, &new).unwrap_or(false));
                let (approving, approved) = match setter {
                    Some(b) => {
                        let version = self.version(&b.tree()?, &new.path).unwrap_or(new.clone());
                        (b, version)
                    }
                    None => (commit, new.clone()),
                };
                let mut info = commit_info(self.repo, approving);
                if approving.id() != commit.id() {
                    info.pull_request = register::pull_request(&message(commit));
                    info.trailers.merge(&Trailers::parse(&message(commit)));
                }
                let context = self.context(&approving.tree()?, &approved);
                let previous = old_path.filter(|p| self.ledger.is_open(p));
                self.ledger
                    .approve(previous, approved.clone(), info, context);
                // Later commits of the branch that changed the approved copy.
                let mut last = approved;
                if let Some(at) = setter.and_then(|s| branch.iter().position(|b| b.id() == s.id()))
                {
                    for b in &branch[at + 1..] {
                        if let Some(v) = self.version(&b.tree()?, &new.path)
                            && (v.visible != last.visible || v.platforms != last.platforms)
                        {
                            self.ledger
                                .edit(&last.path.clone(), v.clone(), mark(b), true);
                            last = v;
                        }
                    }
                }
                if last.visible != new.visible || last.platforms != new.platforms {
                    self.ledger.edit(&last.path.clone(), new, here, true);
                } else {
                    self.ledger.edit(&last.path.clone(), new, here, false);
                }
            }
            Change::Edited => {
                let (Some(old), Some(new)) = (old, new) else {
                    return Ok(());
                };
                let mut last = old;
                for b in branch {
                    if let Some(v) = self.version(&b.tree()?, &new.path)
                        && v.approved
                        && (v.visible != last.visible || v.platforms != last.platforms)
                    {
                        self.ledger
                            .edit(&last.path.clone(), v.clone(), mark(b), true);
                        last = v;
                    }
                }
                let changed = last.visible != new.visible
                    || last.platforms != new.platforms
                    || last.path != new.path;
                self.ledger.edit(&last.path.clone(), new, here, changed);
            }
            Change::Withdrawn => {
                let Some(old_path) = old_path else {
                    return Ok(());
                };
                // On a merged branch: the commit that took the approval away.
                let path = new.as_ref().map_or(old_path, |v| v.path.as_str());
                let mut at = here;
                for b in branch.iter().rev() {
                    let now_approved = self.version(&b.tree()?, path).is_some_and(|v| v.approved);
                    let before = b
                        .parent(0)
                        .ok()
                        .and_then(|p| p.tree().ok())
                        .and_then(|t| self.version(&t, path))
                        .is_some_and(|v| v.approved);
                    if before && !now_approved {
                        at = mark(b);
                        break;
                    }
                }
                self.ledger.withdraw(old_path, at);
            }
            Change::Nothing => {
                // A rename of an approved post keeps its approval: followed,
                // and listed. Other changes (an expiry) only update it.
                if let (Some(old_path), Some(new)) = (old_path, new)
                    && self.ledger.is_open(old_path)
                {
                    let renamed = old_path != new.path;
                    self.ledger.edit(old_path, new, here, renamed);
                }
            }
        }
        Ok(())
    }

    /// Whether branch commit `b` is where `target`'s approval was set: the
    /// post is approved there with the same record, and not in its parent.
    fn sets_approval(&mut self, b: &Commit, target: &Version) -> Result<bool, git2::Error> {
        if b.parent_count() > 1 {
            return Ok(false);
        }
        let Some(v) = self.version(&b.tree()?, &target.path) else {
            return Ok(false);
        };
        let same = |v: &Version| {
            v.approved
                && (&v.approved_by, &v.approved_at) == (&target.approved_by, &target.approved_at)
        };
        if !same(&v) {
            return Ok(false);
        }
        let before = match b.parent(0) {
            Ok(p) => self.version(&p.tree()?, &target.path),
            Err(_) => None,
        };
        Ok(!before.as_ref().is_some_and(same))
    }

    /// The commits a merge brought in, oldest first (merges among them skipped).
    fn branch_commits(
        &self,
        merge: &Commit,
        first_parent: Option<&Commit>,
    ) -> Result<Vec<Commit<'r>>, git2::Error> {
        let mut walk = self.repo.revwalk()?;
        for parent in merge.parent_ids().skip(1) {
            walk.push(parent)?;
        }
        if let Some(p) = first_parent {
            walk.hide(p.id())?;
        }
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        let mut commits = Vec::new();
        for oid in walk {
            let c = self.repo.find_commit(oid?)?;
            if c.parent_count() <= 1 {
                commits.push(c);
            }
        }
        Ok(commits)
    }

    fn config(&mut self, tree: &Tree) -> std::rc::Rc<Config> {
        let oid = |path: &str| tree.get_path(&self.prefix.join(path)).ok().map(|e| e.id());
        let key = (oid(POLICY_PATH), oid(CALENDAR_PATH));
        if let Some(config) = self.configs.get(&key) {
            return config.clone();
        }
        let policy_bytes = file_in_tree(self.repo, tree, &self.prefix.join(POLICY_PATH));
        let calendar_bytes = file_in_tree(self.repo, tree, &self.prefix.join(CALENDAR_PATH));
        let policy = policy_bytes
            .as_deref()
            .and_then(|b| Policy::parse(b, &builtin::ids()).ok());
        let calendar = match (&policy, &calendar_bytes) {
            (Some(p), Some(b)) => Calendar::parse(b, p).ok(),
            _ => None,
        };
        let config = std::rc::Rc::new(Config {
            policy_sha256: policy_bytes.as_deref().map(sha256_hex),
            calendar_sha256: calendar_bytes.as_deref().map(sha256_hex),
            policy,
            calendar,
        });
        self.configs.insert(key, config.clone());
        config
    }

    /// The post at `path` in `tree`, as the register sees it.
    fn version(&mut self, tree: &Tree, path: &str) -> Option<Version> {
        let bytes = file_in_tree(self.repo, tree, &self.prefix.join(path))?;
        let tz = self.config(tree).timezone();
        let post = Post::parse(path.to_string(), bytes);
        let front = post.front.as_ref();
        let moment =
            |text: Option<&String>, bound| text.and_then(|t| parse_moment(t, &tz, bound).ok());
        let platforms: BTreeMap<String, String> = onmessage_feed::model::shared_copies(&post)
            .into_iter()
            .map(|(p, text)| (p.id().to_string(), shared_text_sha256(&text)))
            .collect();
        let visible: Vec<String> = post.text_units().into_iter().map(|u| u.text).collect();
        Some(Version {
            id: post.id.clone(),
            path: path.to_string(),
            approved: front.is_some_and(|f| f.status == Status::Approved),
            approved_by: front.and_then(|f| f.approved_by.clone()),
            approved_at: front.and_then(|f| f.approved_at.clone()),
            approved_moment: moment(front.and_then(|f| f.approved_at.as_ref()), DayBound::Start),
            platforms,
            visible: shared_text_sha256(&visible.join("\u{0}")),
            publish_at: moment(front.map(|f| &f.publish_at), DayBound::Start),
            expires_at: moment(front.and_then(|f| f.expires_at.as_ref()), DayBound::End),
        })
    }

    /// The approving commit's policy and calendar, for one approval.
    fn context(&mut self, tree: &Tree, approved: &Version) -> Context {
        let config = self.config(tree);
        let approver = config.policy.as_ref().and_then(|p| {
            let id = approved.approved_by.as_deref()?;
            let a = p.approval.as_ref()?.approver(id)?;
            Some(Approver {
                name: a.name.clone(),
                role: a.role.clone(),
            })
        });
        let context = Context {
            approver,
            policy_sha256: config.policy_sha256.clone(),
            calendar_sha256: config.calendar_sha256.clone(),
            ..Context::default()
        };
        let products = file_in_tree(self.repo, tree, &self.prefix.join(&approved.path))
            .map(|bytes| Post::parse(approved.path.clone(), bytes))
            .and_then(|p| p.front.map(|f| f.products))
            .unwrap_or_default();
        match &config.calendar {
            Some(calendar) => context.with_calendar(calendar, &products),
            None => context,
        }
    }
}

fn message(commit: &Commit) -> String {
    String::from_utf8_lossy(commit.message_bytes()).into_owned()
}

fn person(signature: &git2::Signature) -> String {
    format!(
        "{} <{}>",
        String::from_utf8_lossy(signature.name_bytes()),
        String::from_utf8_lossy(signature.email_bytes())
    )
}

fn date(commit: &Commit) -> Timestamp {
    Timestamp::from_second(commit.committer().when().seconds()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn mark(commit: &Commit) -> Mark {
    Mark {
        commit: commit.id().to_string(),
        date: date(commit),
    }
}

fn commit_info(repo: &Repository, commit: &Commit) -> CommitInfo {
    let text = message(commit);
    // libgit2 finds the `gpgsig` header (OpenPGP, SSH or X.509); it cannot
    // check it without the signers' keys.
    let signature = match repo.extract_signature(&commit.id(), None) {
        Ok(_) => Signature::Unverified,
        Err(_) => Signature::Unsigned,
    };
    CommitInfo {
        hash: commit.id().to_string(),
        author: person(&commit.author()),
        committer: person(&commit.committer()),
        date: date(commit),
        trailers: Trailers::parse(&text),
        pull_request: register::pull_request(&text),
        signature,
    }
}
