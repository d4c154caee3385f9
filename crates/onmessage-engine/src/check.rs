//! The check on data: the policy and calendar compiled from their bytes,
//! each post judged with the image facts the caller read for it, shared ids
//! found across posts, and the findings gathered into a report. The caller
//! (the `xtask` shell, a language server) finds, reads and spreads the
//! files; nothing here touches the disk.

use std::collections::{BTreeMap, HashMap};

use crate::calendar::Calendar;
use crate::config::ConfigError;
use crate::finding::{Finding, Region, Severity};
use crate::matcher::Matcher;
use crate::media::ImageFile;
use crate::policy::Policy;
use crate::post::Post;
use crate::rules::{self, Context, JudgedAt, builtin};
use crate::source::LineIndex;

pub const POSTS_DIR: &str = "content/posts";

/// A file's text kept for rendering findings in context.
#[derive(Debug)]
pub struct SourceFile {
    pub text: String,
    pub lines: LineIndex,
}

#[derive(Debug, Default)]
pub struct Report {
    pub posts: usize,
    /// Sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// The text of every file that has a finding.
    pub sources: BTreeMap<String, SourceFile>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub suppressed: usize,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.findings {
            match (f.suppressed, f.severity) {
                (true, _) => s.suppressed += 1,
                (false, Severity::Error) => s.errors += 1,
                (false, Severity::Warning) => s.warnings += 1,
                (false, Severity::Info) => {}
            }
        }
        s
    }

    /// Each file's findings, found by path (the findings are sorted by path).
    pub fn findings_by_path(&self) -> HashMap<&str, &[Finding]> {
        debug_assert!(self.findings.is_sorted_by(|a, b| a.path <= b.path));
        self.findings
            .chunk_by(|a, b| a.path == b.path)
            .map(|run| (run[0].path.as_str(), run))
            .collect()
    }

    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.findings.iter().any(|f| f.fails(deny_warnings))
    }
}

/// Everything a check needs besides the posts, loaded once.
pub struct Setup {
    pub policy: Policy,
    pub calendar: Calendar,
    pub matcher: Matcher,
}

impl Setup {
    /// From the files' bytes (the working tree's, or a revision's).
    pub fn parse(policy_bytes: &[u8], calendar_bytes: &[u8]) -> Result<Setup, Vec<ConfigError>> {
        Setup::parse_with(policy_bytes, calendar_bytes, crate::schema::embedded())
    }

    /// [`Setup::parse`], validated with `schemas` (a base revision's).
    pub fn parse_with(
        policy_bytes: &[u8],
        calendar_bytes: &[u8],
        schemas: &crate::schema::Schemas,
    ) -> Result<Setup, Vec<ConfigError>> {
        let mut policy = Policy::parse_with(policy_bytes, &builtin::ids(), schemas)
            .map_err(|e| with_source_lines(e, policy_bytes))?;
        policy.warnings = with_source_lines(std::mem::take(&mut policy.warnings), policy_bytes);
        let calendar = Calendar::parse_with(calendar_bytes, &policy, schemas)
            .map_err(|e| with_source_lines(e, calendar_bytes))?;
        let matcher = Matcher::new(&policy, &calendar).map_err(|e| vec![e])?;
        let setup = Setup {
            policy,
            calendar,
            matcher,
        };
        // Second edition: references to the calendar, and every rule's
        // examples, checked on every run.
        let problems = rules::scoped::verify(&setup.context());
        if !problems.is_empty() {
            return Err(with_source_lines(problems, policy_bytes));
        }
        Ok(setup)
    }
}

impl Setup {
    /// What every rule may read, judging each post at its `publish_at`.
    pub fn context(&self) -> Context<'_> {
        self.context_at(JudgedAt::PublishAt)
    }

    /// What every rule may read, judging dates at `at`.
    pub fn context_at(&self, at: JudgedAt) -> Context<'_> {
        Context {
            policy: &self.policy,
            calendar: &self.calendar,
            matcher: &self.matcher,
            at,
        }
    }
}

/// The outcome of a check: what was loaded, the posts (when kept), and the
/// report.
pub struct Checked {
    pub setup: Setup,
    /// The readable posts that were asked to be kept, in path order.
    pub posts: Vec<Post>,
    pub report: Report,
}

/// Runs `f` over posts, keeping their order. The shell spreads the work
/// over the cores; [`InOrder`] runs it on the caller's thread.
pub trait Spread: Sync {
    fn map_posts<'a, R: Send>(
        &self,
        posts: &'a [Post],
        f: &(dyn Fn(&'a Post) -> R + Sync),
    ) -> Vec<R>;
}

/// One post after another, on the caller's thread.
pub struct InOrder;

impl Spread for InOrder {
    fn map_posts<'a, R: Send>(
        &self,
        posts: &'a [Post],
        f: &(dyn Fn(&'a Post) -> R + Sync),
    ) -> Vec<R> {
        posts.iter().map(f).collect()
    }
}

/// What the disk says about the images posts use, read by the caller
/// before the rules run.
pub trait ImageFacts: Sync {
    /// What is at `content/<path>`.
    fn image(&self, path: &str) -> ImageFile;
}

impl SourceFile {
    pub fn of(post: &Post) -> SourceFile {
        SourceFile {
            text: post.text.clone(),
            lines: post.lines.clone(),
        }
    }

    /// The file as the check saw it, decoded the way posts are.
    pub fn from_bytes(path: &str, bytes: Vec<u8>) -> SourceFile {
        SourceFile::of(&Post::parse(path.to_string(), bytes))
    }
}

/// A post's id and where the id is written, for finding shared ids once
/// every post is read.
pub struct IdClaim {
    id: String,
    pub path: String,
    region: Region,
}

impl IdClaim {
    pub fn of(post: &Post) -> IdClaim {
        let range = if post.front.as_ref().is_some_and(|f| f.id.is_some()) {
            post.front_range("/id", false)
        } else {
            0..0
        };
        IdClaim {
            id: post.id.clone(),
            path: post.path.clone(),
            region: post.lines.region(&post.text, range.start, range.end),
        }
    }
}

/// One `post.duplicate-id` finding per post that shares its id, keyed by
/// the post's path.
pub fn duplicate_ids(claims: &[&IdClaim]) -> BTreeMap<String, Finding> {
    let mut by_id: HashMap<&str, Vec<&IdClaim>> = HashMap::new();
    for claim in claims {
        by_id.entry(claim.id.as_str()).or_default().push(claim);
    }
    let mut found = BTreeMap::new();
    for group in by_id.values().filter(|group| group.len() > 1) {
        for claim in group {
            let others: Vec<&str> = group
                .iter()
                .filter(|other| other.path != claim.path)
                .map(|other| other.path.as_str())
                .collect();
            found.insert(claim.path.clone(), duplicate_id(claim, &others));
        }
    }
    found
}

/// Every rule on one post, with what is on disk for the images it uses.
pub fn judge(ctx: &Context, images: &dyn ImageFacts, post: &Post) -> Vec<Finding> {
    let found: HashMap<String, ImageFile> = post
        .images()
        .into_iter()
        .map(|image| {
            let file = images.image(&image.path);
            (image.path, file)
        })
        .collect();
    rules::evaluate(ctx, post, &found)
}

/// Every rule on every post under one policy and calendar: one list of
/// findings per post, in the order of `posts`.
pub fn evaluate_posts(
    setup: &Setup,
    posts: &[Post],
    images: &dyn ImageFacts,
    spread: &impl Spread,
) -> Vec<Vec<Finding>> {
    let ctx = setup.context();
    let mut evaluated: Vec<Vec<Finding>> =
        spread.map_posts(posts, &|post| judge(&ctx, images, post));
    let claims: Vec<IdClaim> = posts.iter().map(IdClaim::of).collect();
    let mut duplicates = duplicate_ids(&claims.iter().collect::<Vec<_>>());
    for (post, findings) in posts.iter().zip(&mut evaluated) {
        findings.extend(duplicates.remove(&post.path));
    }
    evaluated
}

fn duplicate_id(claim: &IdClaim, others: &[&str]) -> Finding {
    Finding::new(
        "post.duplicate-id",
        Severity::Error,
        &claim.path,
        claim.region,
        format!(
            "post id `{}` is also the id of {}",
            claim.id,
            others.join(", ")
        ),
        "Ids become feed item ids and must be unique: rename the file or set a distinct `id`"
            .to_string(),
    )
}

pub fn too_large(path: String, max: u64) -> Finding {
    Finding::new(
        "post.too-large",
        Severity::Error,
        &path,
        Region { line: 1, column: 1, end_line: 1, end_column: 1 },
        format!("the file is larger than {max} bytes, the most a post may be; it was not read"),
        "Split it or shorten it; a social post is a few kilobytes (the limit is `limits.post_bytes` in policies/policy.yaml)".to_string(),
    )
}

pub fn file_problem(path: String, message: String) -> Finding {
    Finding {
        rule: "post.parse".to_string(),
        severity: Severity::Error,
        path,
        region: Region {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        },
        message,
        help: "Replace it with a regular Markdown file under content/posts/".to_string(),
        suppressed: false,
        pre_existing: false,
        justification: None,
        snippet: None,
    }
}

/// Adds the offending line's text to positioned configuration errors (all
/// about the one file whose bytes are given).
fn with_source_lines(errors: Vec<ConfigError>, bytes: &[u8]) -> Vec<ConfigError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines = LineIndex::new(text);
    errors
        .into_iter()
        .map(|mut e| {
            if let Some((line, _)) = e.position {
                e.source_line = Some(lines.line_text(text, line).to_string());
            }
            e
        })
        .collect()
}
