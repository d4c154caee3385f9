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

/// Finds the repository root: `start` or the nearest ancestor holding the policy.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(POLICY_PATH).is_file())
        .map(Path::to_path_buf)
}

/// The outcome of a check: what was loaded, every post, and the report.
pub struct Checked {
    pub setup: Setup,
    pub posts: Vec<Post>,
    pub report: Report,
}

/// Checks every post under `root`.
pub fn run(root: &Path) -> Result<Checked, Vec<ConfigError>> {
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
    let (posts, mut findings) = read_posts(root, setup.policy.post_bytes);
    let mut report = Report {
        posts: posts.len() + findings.len(),
        ..Report::default()
    };

    for (post, post_findings) in posts.iter().zip(evaluate_posts(root, &setup, &posts)) {
        if !post_findings.is_empty() {
            report.sources.insert(
                post.path.clone(),
                SourceFile {
                    text: post.text.clone(),
                    lines: LineIndex::new(&post.text),
                },
            );
        }
        findings.extend(post_findings);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.findings = findings;
    Ok(Checked {
        setup,
        posts,
        report,
    })
}

/// Every rule on every post under one policy and calendar: one list of
/// findings per post, in the order of `posts`.
pub fn evaluate_posts(root: &Path, setup: &Setup, posts: &[Post]) -> Vec<Vec<Finding>> {
    let ctx = Context {
        policy: &setup.policy,
        calendar: &setup.calendar,
        matcher: &setup.matcher,
    };
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, post) in posts.iter().enumerate() {
        by_id.entry(post.id.as_str()).or_default().push(i);
    }
    // Many posts share an image: look at each file once.
    let inspected: Mutex<HashMap<String, ImageFile>> = Mutex::new(HashMap::new());
    let inspect = |path: &str| -> ImageFile {
        if let Some(known) = inspected.lock().expect("image cache").get(path) {
            return known.clone();
        }
        let found = media::inspect(root, path);
        inspected
            .lock()
            .expect("image cache")
            .insert(path.to_string(), found.clone());
        found
    };
    posts
        .par_iter()
        .enumerate()
        .map(|(i, post)| {
            let images: HashMap<String, ImageFile> = post
                .images()
                .into_iter()
                .map(|image| {
                    let found = inspect(&image.path);
                    (image.path, found)
                })
                .collect();
            let mut findings = rules::evaluate(&ctx, post, &images);
            if let Some(others) = by_id.get(post.id.as_str()).filter(|group| group.len() > 1) {
                findings.push(duplicate_id(
                    post,
                    others
                        .iter()
                        .filter(|&&j| j != i)
                        .map(|&j| posts[j].path.as_str()),
                ));
            }
            findings
        })
        .collect()
}

fn duplicate_id<'a>(post: &Post, others: impl Iterator<Item = &'a str>) -> Finding {
    let range = if post.front.as_ref().is_some_and(|f| f.id.is_some()) {
        post.front_range("/id", false)
    } else {
        0..0
    };
    let others: Vec<&str> = others.collect();
    Finding {
        rule: "post.duplicate-id".to_string(),
        severity: Severity::Error,
        path: post.path.clone(),
        region: post.lines.region(&post.text, range.start, range.end),
        message: format!(
            "post id `{}` is also the id of {}",
            post.id,
            others.join(", ")
        ),
        help: "Ids become feed item ids and must be unique: rename the file or set a distinct `id`"
            .to_string(),
        suppressed: false,
        pre_existing: false,
        justification: None,
        snippet: None,
    }
}

/// Reads every `content/posts/**/*.md`, in path order. Symbolic links are
/// reported, not followed: a post must not read files outside the repository.
fn read_posts(root: &Path, max_bytes: u64) -> (Vec<Post>, Vec<Finding>) {
    let dir = root.join(POSTS_DIR);
    let mut files = Vec::new();
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return (Vec::new(), problems);
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
    // Reading and parsing are independent per file: spread them over the
    // cores. Posts are collected straight into their vector, in file order:
    // no second vector of every post while setting unreadable files apart.
    let unreadable: Mutex<Vec<(usize, Finding)>> = Mutex::new(Vec::new());
    let posts: Vec<Post> = files
        .into_par_iter()
        .enumerate()
        .filter_map(|(i, (path, full))| {
            let problem = match read_at_most(&full, max_bytes) {
                Ok(Some(bytes)) => return Some(Post::parse(path, bytes)),
                Ok(None) => too_large(path, max_bytes),
                Err(e) => file_problem(path, format!("cannot read: {e}")),
            };
            unreadable
                .lock()
                .expect("unreadable files")
                .push((i, problem));
            None
        })
        .collect();
    let mut unreadable = unreadable.into_inner().expect("unreadable files");
    unreadable.sort_by_key(|(i, _)| *i);
    problems.extend(unreadable.into_iter().map(|(_, problem)| problem));
    (posts, problems)
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
