//! The check pipeline: load the policy and calendar, find and parse every
//! post, evaluate the rules, and gather the findings into a report.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::calendar::Calendar;
use crate::config::{self, CALENDAR_PATH, ConfigError, POLICY_PATH};
use crate::finding::{Finding, Severity};
use crate::matcher::Matcher;
use crate::media::{self, ImageFile};
use crate::policy::Policy;
use crate::post::Post;
use crate::rules::{self, Context, builtin};
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
    /// With `--base` and a policy change: what the change does to the posts.
    pub impact: Option<crate::review::Impact>,
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
    pub fn load(root: &Path) -> Result<Setup, Vec<ConfigError>> {
        let policy = config::read(root, POLICY_PATH)?;
        let calendar = config::read(root, CALENDAR_PATH)?;
        Setup::parse(&policy, &calendar)
    }

    /// From the files' bytes (the working tree's, or a revision's).
    pub fn parse(policy_bytes: &[u8], calendar_bytes: &[u8]) -> Result<Setup, Vec<ConfigError>> {
        let policy = Policy::parse(policy_bytes, &builtin::ids())
            .map_err(|e| with_source_lines(e, policy_bytes))?;
        let calendar = Calendar::parse(calendar_bytes, &policy)
            .map_err(|e| with_source_lines(e, calendar_bytes))?;
        let matcher = Matcher::new(&policy, &calendar).map_err(|e| vec![e])?;
        Ok(Setup {
            policy,
            calendar,
            matcher,
        })
    }
}

impl Setup {
    /// What every rule may read.
    pub fn context(&self) -> Context<'_> {
        Context {
            policy: &self.policy,
            calendar: &self.calendar,
            matcher: &self.matcher,
        }
    }
}

/// Finds the repository root: `start` or the nearest ancestor holding the policy.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(POLICY_PATH).is_file())
        .map(Path::to_path_buf)
}

/// The outcome of a check: what was loaded, the posts (when kept), and the
/// report.
pub struct Checked {
    pub setup: Setup,
    /// The readable posts that were asked to be kept, in path order: all of
    /// them after [`run`], none after [`run_for_report`].
    pub posts: Vec<Post>,
    pub report: Report,
}

/// Checks every post under `root`, keeping the posts for what comes after
/// the check (publishing, comparing with a base).
pub fn run(root: &Path) -> Result<Checked, Vec<ConfigError>> {
    run_keeping(root, &|_| true)
}

/// Checks every post under `root` for the report alone: each post is dropped
/// as soon as it is judged, so memory holds the findings, not the repository.
pub fn run_for_report(root: &Path) -> Result<Checked, Vec<ConfigError>> {
    run_keeping(root, &|_| false)
}

/// Checks every post under `root`, keeping the posts whose path `keep`
/// accepts (a review of a change needs only the changed ones).
pub fn run_keeping(
    root: &Path,
    keep: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Checked, Vec<ConfigError>> {
    if !root.join(POLICY_PATH).is_file() {
        return Err(vec![ConfigError::file(
            POLICY_PATH,
            format!(
                "not found under {}: this is not an OnMessage repository (use --root, or add {POLICY_PATH} and {CALENDAR_PATH})",
                root.display()
            ),
        )]);
    }
    let setup = Setup::load(root)?;
    let (files, mut findings) = list_posts(root);
    let mut report = Report {
        posts: files.len() + findings.len(),
        ..Report::default()
    };
    let images = ImageCache::new(root);
    let ctx = setup.context();
    let max_bytes = setup.policy.post_bytes;
    // Read, parse and judge each file in one go on whichever core is free:
    // the file's bytes are touched while they are still in cache, and
    // nothing of a post outlives it unless it is asked for.
    let judged: Vec<Judged> = files
        .into_par_iter()
        .map(|(path, full)| match read_at_most(&full, max_bytes) {
            Ok(Some(bytes)) => {
                let post = Post::parse(path, bytes);
                let findings = judge(&ctx, &images, &post);
                let source = (!findings.is_empty()).then(|| SourceFile::of(&post));
                Judged::Post {
                    claim: IdClaim::of(&post),
                    findings,
                    source,
                    post: keep(&post.path).then(|| Box::new(post)),
                }
            }
            Ok(None) => Judged::Unreadable(too_large(path, max_bytes)),
            Err(e) => Judged::Unreadable(file_problem(path, format!("cannot read: {e}"))),
        })
        .collect();

    let claims: Vec<&IdClaim> = judged
        .iter()
        .filter_map(|j| match j {
            Judged::Post { claim, .. } => Some(claim),
            Judged::Unreadable(_) => None,
        })
        .collect();
    let duplicates = duplicate_ids(&claims);
    let mut posts = Vec::new();
    for judged in judged {
        match judged {
            Judged::Post {
                claim,
                findings: post_findings,
                source,
                post,
            } => {
                let source = source.or_else(|| {
                    // A post whose only finding is a shared id was not kept:
                    // read it again for the snippet (rare by nature).
                    duplicates
                        .contains_key(claim.path.as_str())
                        .then(|| SourceFile::read(root, &claim.path))
                        .flatten()
                });
                if let Some(source) = source {
                    report.sources.insert(claim.path.clone(), source);
                }
                findings.extend(post_findings);
                posts.extend(post.map(|post| *post));
            }
            Judged::Unreadable(problem) => findings.push(problem),
        }
    }
    findings.extend(duplicates.into_values());
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.findings = findings;
    Ok(Checked {
        setup,
        posts,
        report,
    })
}

/// What checking one file leaves behind.
enum Judged {
    Post {
        claim: IdClaim,
        findings: Vec<Finding>,
        source: Option<SourceFile>,
        post: Option<Box<Post>>,
    },
    Unreadable(Finding),
}

impl SourceFile {
    fn of(post: &Post) -> SourceFile {
        SourceFile {
            text: post.text.clone(),
            lines: post.lines.clone(),
        }
    }

    /// The file as the check saw it, decoded the way posts are.
    fn read(root: &Path, path: &str) -> Option<SourceFile> {
        let bytes = std::fs::read(root.join(path)).ok()?;
        Some(SourceFile::of(&Post::parse(path.to_string(), bytes)))
    }
}

/// A post's id and where the id is written, for finding shared ids once
/// every post is read.
struct IdClaim {
    id: String,
    path: String,
    region: crate::finding::Region,
}

impl IdClaim {
    fn of(post: &Post) -> IdClaim {
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
fn duplicate_ids(claims: &[&IdClaim]) -> BTreeMap<String, Finding> {
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

/// Many posts share an image: each file is looked at once.
struct ImageCache<'a> {
    root: &'a Path,
    inspected: Mutex<HashMap<String, ImageFile>>,
}

impl<'a> ImageCache<'a> {
    fn new(root: &'a Path) -> Self {
        ImageCache {
            root,
            inspected: Mutex::new(HashMap::new()),
        }
    }

    fn inspect(&self, path: &str) -> ImageFile {
        if let Some(known) = self.inspected.lock().expect("image cache").get(path) {
            return known.clone();
        }
        let found = media::inspect(self.root, path);
        self.inspected
            .lock()
            .expect("image cache")
            .insert(path.to_string(), found.clone());
        found
    }
}

/// Every rule on one post, with what is on disk for the images it uses.
fn judge(ctx: &Context, images: &ImageCache, post: &Post) -> Vec<Finding> {
    let found: HashMap<String, ImageFile> = post
        .images()
        .into_iter()
        .map(|image| {
            let file = images.inspect(&image.path);
            (image.path, file)
        })
        .collect();
    rules::evaluate(ctx, post, &found)
}

/// Every rule on every post under one policy and calendar: one list of
/// findings per post, in the order of `posts`.
pub fn evaluate_posts(root: &Path, setup: &Setup, posts: &[Post]) -> Vec<Vec<Finding>> {
    let ctx = setup.context();
    let images = ImageCache::new(root);
    let mut evaluated: Vec<Vec<Finding>> = posts
        .par_iter()
        .map(|post| judge(&ctx, &images, post))
        .collect();
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

/// Every `content/posts/**/*.md` file in path order, and findings for what
/// cannot be a post. Symbolic links are reported, not followed: a post must
/// not read files outside the repository.
fn list_posts(root: &Path) -> (Vec<(String, PathBuf)>, Vec<Finding>) {
    let dir = root.join(POSTS_DIR);
    let mut files = Vec::new();
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return (files, problems);
    }
    for entry in WalkDir::new(&dir).follow_links(false).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| POSTS_DIR.to_string(), |p| relative(root, p));
                problems.push(file_problem(path, format!("cannot read: {e}")));
                continue;
            }
        };
        if !entry.file_name().to_string_lossy().ends_with(".md") {
            continue;
        }
        let path = relative(root, entry.path());
        if entry.path_is_symlink() {
            problems.push(file_problem(
                path,
                "is a symbolic link; posts must be regular files inside the repository".to_string(),
            ));
        } else if entry.file_type().is_file() {
            files.push((path, entry.into_path()));
        }
    }
    (files, problems)
}

/// The file's bytes, or `None` when it is longer than `max` (never reading
/// more than `max + 1` bytes of it).
fn read_at_most(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // Sized from the file's length (when it is known and within the limit):
    // one read, and no spare capacity kept for as long as the post lives.
    let expected = file.metadata().map_or(0, |m| m.len()).min(max + 1);
    let mut bytes = Vec::with_capacity(expected as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

fn too_large(path: String, max: u64) -> Finding {
    Finding::new(
        "post.too-large",
        Severity::Error,
        &path,
        crate::finding::Region { line: 1, column: 1, end_line: 1, end_column: 1 },
        format!("the file is larger than {max} bytes, the most a post may be; it was not read"),
        "Split it or shorten it; a social post is a few kilobytes (the limit is `limits.post_bytes` in policies/policy.yaml)".to_string(),
    )
}

fn file_problem(path: String, message: String) -> Finding {
    Finding {
        rule: "post.parse".to_string(),
        severity: Severity::Error,
        path,
        region: crate::finding::Region {
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

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // Walked paths are clean: where `/` separates, the path is the answer.
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(rel) = rel.to_str()
    {
        return rel.to_string();
    }
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
