//! The check on a working tree: find the posts under `content/posts/`, read
//! each one (at most the policy's size limit), judge it with the engine on
//! whichever core is free, and gather the report. Also the policy and
//! calendar read from disk, and the image facts the rules are given.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use onmessage_engine::check::{
    self, Checked, IdClaim, ImageFacts, POSTS_DIR, Report, Setup, SourceFile, Spread,
};
use onmessage_engine::config::{CALENDAR_PATH, ConfigError, MAX_CONFIG_BYTES, POLICY_PATH};
use onmessage_engine::finding::Finding;
use onmessage_engine::media::ImageFile;
use onmessage_engine::post::Post;
use onmessage_engine::rules::JudgedAt;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::images;

/// Every core, through rayon.
pub struct Rayon;

impl Spread for Rayon {
    fn map_posts<'a, R: Send>(
        &self,
        posts: &'a [Post],
        f: &(dyn Fn(&'a Post) -> R + Sync),
    ) -> Vec<R> {
        posts.par_iter().map(f).collect()
    }
}

/// Reads `root/path`, a configuration file, up to its size limit.
fn read_config(root: &Path, path: &str) -> Result<Vec<u8>, Vec<ConfigError>> {
    let fail = |message: String| vec![ConfigError::file(path, message)];
    match read_at_most(&root.join(path), MAX_CONFIG_BYTES) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(fail(format!(
            "the file is larger than {MAX_CONFIG_BYTES} bytes, the most a policy or calendar may be; it was not read"
        ))),
        Err(e) => Err(fail(format!("cannot read the file: {e}"))),
    }
}

/// The policy and calendar under `root`, compiled.
pub fn load_setup(root: &Path) -> Result<Setup, Vec<ConfigError>> {
    let policy = read_config(root, POLICY_PATH)?;
    let calendar = read_config(root, CALENDAR_PATH)?;
    Setup::parse(&policy, &calendar)
}

/// Finds the repository root: `start` or the nearest ancestor holding the policy.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(POLICY_PATH).is_file())
        .map(Path::to_path_buf)
}

/// Checks every post under `root`, its dates judged `at`, keeping the posts
/// for what comes after the check (publishing, comparing with a base).
pub fn run(root: &Path, at: JudgedAt) -> Result<Checked, Vec<ConfigError>> {
    run_keeping(root, None, &|_| true, at)
}

/// Checks the posts under `root` (only those at `only`, relative paths,
/// when given), keeping the posts whose path `keep` accepts (a review of a
/// change needs only the changed ones).
pub fn run_keeping(
    root: &Path,
    only: Option<&BTreeSet<String>>,
    keep: &(dyn Fn(&str) -> bool + Sync),
    at: JudgedAt,
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
    let setup = load_setup(root)?;
    let (mut files, mut findings) = list_posts(root);
    if let Some(only) = only {
        files.retain(|(path, _)| only.contains(path));
        findings.retain(|f| only.contains(&f.path));
    }
    let mut report = Report {
        posts: files.len() + findings.len(),
        ..Report::default()
    };
    let images = ImageCache::new(root);
    let ctx = setup.context_at(at);
    let max_bytes = setup.policy.post_bytes;
    // Read, parse and judge each file in one go on whichever core is free:
    // the file's bytes are touched while they are still in cache, and
    // nothing of a post outlives it unless it is asked for.
    let judged: Vec<Judged> = files
        .into_par_iter()
        .map(|(path, full)| match read_at_most(&full, max_bytes) {
            Ok(Some(bytes)) => {
                let post = Post::parse(path, bytes);
                let findings = check::judge(&ctx, &images, &post);
                let source = (!findings.is_empty()).then(|| SourceFile::of(&post));
                Judged::Post {
                    claim: IdClaim::of(&post),
                    findings,
                    source,
                    post: keep(&post.path).then(|| Box::new(post)),
                }
            }
            Ok(None) => Judged::Unreadable(check::too_large(path, max_bytes)),
            Err(e) => Judged::Unreadable(check::file_problem(path, format!("cannot read: {e}"))),
        })
        .collect();

    let claims: Vec<&IdClaim> = judged
        .iter()
        .filter_map(|j| match j {
            Judged::Post { claim, .. } => Some(claim),
            Judged::Unreadable(_) => None,
        })
        .collect();
    let duplicates = check::duplicate_ids(&claims);
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
                        .then(|| std::fs::read(root.join(&claim.path)).ok())
                        .flatten()
                        .map(|bytes| SourceFile::from_bytes(&claim.path, bytes))
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

/// Many posts share an image: each file is looked at once.
pub struct ImageCache<'a> {
    root: &'a Path,
    inspected: Mutex<HashMap<String, ImageFile>>,
}

impl<'a> ImageCache<'a> {
    pub fn new(root: &'a Path) -> Self {
        ImageCache {
            root,
            inspected: Mutex::new(HashMap::new()),
        }
    }
}

impl ImageFacts for ImageCache<'_> {
    fn image(&self, path: &str) -> ImageFile {
        if let Some(known) = self.inspected.lock().expect("image cache").get(path) {
            return known.clone();
        }
        let found = images::inspect(self.root, path);
        self.inspected
            .lock()
            .expect("image cache")
            .insert(path.to_string(), found.clone());
        found
    }
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
                problems.push(check::file_problem(path, format!("cannot read: {e}")));
                continue;
            }
        };
        if !entry.file_name().to_string_lossy().ends_with(".md") {
            continue;
        }
        let path = relative(root, entry.path());
        if entry.path_is_symlink() {
            problems.push(check::file_problem(
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
pub fn read_at_most(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // Sized from the file's length (when it is known and within the limit):
    // one read, and no spare capacity kept for as long as the post lives.
    let expected = file.metadata().map_or(0, |m| m.len()).min(max + 1);
    let mut bytes = Vec::with_capacity(expected as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
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

/// The posts named on the command line, as paths relative to `root` (for
/// `check PATH...`): each must be a Markdown file under `content/posts/`.
pub fn named_posts(root: &Path, paths: &[PathBuf]) -> Result<BTreeSet<String>, String> {
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    let posts = root.join(POSTS_DIR);
    paths
        .iter()
        .map(|path| {
            let full = path
                .canonicalize()
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if !full.starts_with(&posts) || full.extension().is_none_or(|e| e != "md") {
                return Err(format!(
                    "{} is not a post: posts are the .md files under {POSTS_DIR}/",
                    path.display()
                ));
            }
            Ok(relative(&root, &full))
        })
        .collect()
}
