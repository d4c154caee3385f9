//! `cargo xtask publish`: re-check everything, then write the advocacy feed
//! (JSON Feed 1.1, Atom 1.0, per-audience feeds), the hub page and the
//! published images, atomically and deterministically.
//!
//! The pipeline: `check::run` (publish never trusts that CI ran) →
//! `select` (which posts may be shared at `now`, and why the others are
//! withheld) → `model` (every decision as data: texts, lengths, URLs) →
//! renderers (`jsonfeed`, `atom`, `hub`, which only format) → `output`
//! (a temporary directory swapped into place). Time is an input: only
//! `run_cli` reads the clock and the environment, and only it prints.

pub mod atom;
pub mod encode;
pub mod hub;
pub mod intent;
pub mod jsonfeed;
pub mod markup;
pub mod model;
pub mod output;
pub mod select;
pub mod strip;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jiff::Timestamp;

use crate::check::{self, Checked};
use crate::config::ConfigError;
use crate::media::{self, CONTENT_DIR, ImageFile};
use crate::platform::Platform;
use crate::render::human::{Style, render_config_errors, render_error};
use model::{Feed, Item, Site};
use output::{Tree, WriteError};
pub use select::{Reason, Withheld};

#[derive(clap::Args)]
pub struct PublishArgs {
    /// The repository (default: the nearest directory above that holds policies/policy.yaml).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The current moment, RFC 3339 (default: the clock). Decides which posts are due, expired or announced.
    #[arg(long)]
    now: Option<String>,
    /// The output directory, replaced whole (default: public/ in the repository).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The URL the output is served from, used for the feeds' links (default: ./, relative; pass the site's https URL when deploying).
    #[arg(long, default_value = "./")]
    base_url: String,
}

/// Set by tests to simulate a crash: abort the process after writing this
/// many files of the new output.
pub const STOP_AFTER_ENV: &str = "ONMESSAGE_PUBLISH_ABORT_AFTER";

const EXIT_WITHHELD: u8 = 1;
const EXIT_CANNOT_RUN: u8 = 2;

/// What one publish needs; `run_cli` fills it from the command line.
pub struct Options {
    pub root: PathBuf,
    pub now: Timestamp,
    pub out: PathBuf,
    pub base_url: String,
    /// Stop (as a crash would) after writing this many output files.
    pub stop_after_files: Option<usize>,
}

#[derive(Debug)]
pub enum Error {
    /// The policy or calendar is invalid.
    Config(Vec<ConfigError>),
    /// A bad option or an output that cannot be written.
    CannotRun(String),
    /// Stopped by `stop_after_files`, leaving the output as a crash would.
    Stopped,
}

/// What was written.
#[derive(Debug)]
pub struct Outcome {
    /// Post ids in the main feed, newest first.
    pub published: Vec<String>,
    /// Approved, due posts that were not published, by path.
    pub withheld: Vec<Withheld>,
    pub audiences: Vec<String>,
    pub images: usize,
    pub files: usize,
    pub bytes: usize,
}

/// The whole output in memory, before it is written.
pub struct Built {
    pub tree: Tree,
    pub published: Vec<String>,
    pub withheld: Vec<Withheld>,
    pub audiences: Vec<String>,
    pub images: usize,
}

pub fn publish(opts: &Options) -> Result<Outcome, Error> {
    let base_url = normalize_base_url(&opts.base_url).map_err(Error::CannotRun)?;
    output::check_target(&opts.out, &opts.root).map_err(Error::CannotRun)?;
    let checked = check::run(&opts.root).map_err(Error::Config)?;
    let built = build(&opts.root, &checked, opts.now, &base_url);
    output::write_atomically(&opts.out, &built.tree, opts.stop_after_files).map_err(
        |e| match e {
            WriteError::Io(message) => Error::CannotRun(message),
            WriteError::Stopped => Error::Stopped,
        },
    )?;
    Ok(Outcome {
        files: built.tree.len(),
        bytes: built.tree.values().map(Vec::len).sum(),
        published: built.published,
        withheld: built.withheld,
        audiences: built.audiences,
        images: built.images,
    })
}

/// `--base-url` with a trailing `/`: an http(s) URL or a relative path, with
/// no query, fragment, space or quote (it is pasted in front of paths).
pub fn normalize_base_url(url: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("--base-url `{url}` {why}"));
    if url.is_empty() {
        return bad("is empty; use ./ or the site's https URL");
    }
    if let Some(c) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`{}|^#?".contains(*c))
    {
        return bad(&format!("contains `{c}`; give the site's root URL only"));
    }
    let scheme_end = url.find(':');
    let first_slash = url.find('/').unwrap_or(url.len());
    if let Some(colon) = scheme_end.filter(|&c| c < first_slash) {
        let scheme = url[..colon].to_ascii_lowercase();
        if scheme != "http" && scheme != "https" || !url[colon..].starts_with("://") {
            return bad("must be an http(s) URL or a relative path such as ./");
        }
    }
    let mut url = url.to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

/// Builds every output file from a finished check.
pub fn build(root: &Path, checked: &Checked, now: Timestamp, base_url: &str) -> Built {
    let policy = &checked.setup.policy;
    let selection = select::select(checked, now);
    let mut withheld = selection.unreadable;
    let mut tree = Tree::new();
    let mut site = Site {
        company: policy.company.name.clone(),
        base_url: base_url.to_string(),
        authority: model::authority(policy),
        timezone: policy.timezone.clone(),
        now,
        audiences: Vec::new(),
        platforms: Vec::new(),
    };
    let mut items: Vec<Item> = Vec::new();
    for (post, verdict) in selection.posts {
        let (published, expires) = match verdict {
            select::Verdict::Skip(_) => continue,
            select::Verdict::Withhold(reasons) => {
                withheld.push(Withheld {
                    id: Some(post.id.clone()),
                    path: post.path.clone(),
                    reasons,
                });
                continue;
            }
            select::Verdict::Publish { published, expires } => (published, expires),
        };
        let front_image = post.front.as_ref().and_then(|f| f.image.as_ref());
        let image = match front_image.map(|image| published_image(root, image, &site)) {
            None => None,
            Some(Ok((bytes, image))) => {
                tree.insert(image.file.clone(), bytes);
                Some(image)
            }
            Some(Err(reason)) => {
                withheld.push(Withheld {
                    id: Some(post.id.clone()),
                    path: post.path.clone(),
                    reasons: vec![reason],
                });
                continue;
            }
        };
        let products = select::products(&checked.setup, post);
        if let Some(item) = model::item(policy, &site, post, published, expires, products, image) {
            items.push(item);
        }
    }
    model::sort_newest_first(&mut items);
    withheld.sort_by(|a, b| a.path.cmp(&b.path));

    let mut audiences: Vec<String> = items
        .iter()
        .flat_map(|i| i.audiences.iter().cloned())
        .filter(|a| is_slug(a))
        .collect();
    audiences.sort();
    audiences.dedup();
    site.audiences = audiences;
    site.platforms = Platform::ALL
        .into_iter()
        .filter(|&p| {
            items
                .iter()
                .any(|i| i.platforms.iter().any(|c| c.platform == p))
        })
        .collect();

    let main = feed_for(&site, &items, None, now);
    tree.insert("feed.json".into(), jsonfeed::render(&main).into_bytes());
    tree.insert("feed.xml".into(), atom::render(&main).into_bytes());
    tree.insert("index.html".into(), hub::render(&main).into_bytes());
    for audience in &site.audiences {
        let feed = feed_for(&site, &items, Some(audience), now);
        let dir = Site::feed_dir(Some(audience));
        tree.insert(
            format!("{dir}feed.json"),
            jsonfeed::render(&feed).into_bytes(),
        );
        tree.insert(format!("{dir}feed.xml"), atom::render(&feed).into_bytes());
    }
    let images = tree.keys().filter(|k| k.starts_with("media/")).count();
    Built {
        published: items.iter().map(|i| i.id.clone()).collect(),
        audiences: site.audiences.clone(),
        tree,
        withheld,
        images,
    }
}

/// The feed of one audience (or all): its items, newest first, and its
/// `updated`, the newest item's date (`now` when it has none).
fn feed_for<'a>(
    site: &'a Site,
    items: &'a [Item],
    audience: Option<&'a str>,
    now: Timestamp,
) -> Feed<'a> {
    let items: Vec<&Item> = items
        .iter()
        .filter(|i| audience.is_none_or(|a| i.for_audience(a)))
        .collect();
    Feed {
        updated: items.first().map_or(now, |i| i.published),
        site,
        audience,
        items,
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Reads, checks and strips a post's image. Its published name carries a
/// hash of the stripped bytes, so names never collide and a changed image
/// gets a new URL (caches never serve a stale one).
fn published_image(
    root: &Path,
    image: &crate::post::Image,
    site: &Site,
) -> Result<(Vec<u8>, model::Image), Reason> {
    let path = &image.path;
    let reason = |message: String| Reason {
        rule: "publish.image".to_string(),
        message: format!("image `{path}` {message}"),
        line: None,
    };
    match media::inspect(root, path) {
        ImageFile::Found { .. } => {}
        ImageFile::BadPath(why) => return Err(reason(why.to_string())),
        ImageFile::Missing => return Err(reason("is missing".to_string())),
        ImageFile::Outside => return Err(reason("resolves outside content/".to_string())),
    }
    let bytes = std::fs::read(root.join(CONTENT_DIR).join(path))
        .map_err(|e| reason(format!("cannot be read: {e}")))?;
    let (kind, stripped) =
        strip::strip(&bytes).map_err(|e| reason(format!("cannot be published: {e}")))?;
    let stem: String = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(48)
        .collect();
    let stem = stem.trim_matches('-');
    let stem = if stem.is_empty() { "image" } else { stem };
    let file = format!(
        "media/{stem}-{}.{}",
        encode::sha256_hex(&stripped, 6),
        kind.extension()
    );
    let published = model::Image {
        url: site.url(&file),
        file,
        alt: model::clean(image.alt.as_deref().unwrap_or_default()),
        mime: kind.mime(),
        size: stripped.len(),
    };
    Ok((stripped, published))
}

fn style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Style {
        color: std::io::stderr().is_terminal() && !no_color,
    }
}

fn cannot_run(message: &str) -> ExitCode {
    let _ = write!(std::io::stderr(), "{}", render_error(message, style()));
    ExitCode::from(EXIT_CANNOT_RUN)
}

/// The command: reads the clock (unless `--now`) and the environment,
/// publishes, and reports. Exit 0: everything due is published; 1: an
/// approved, due post was withheld (the rest is published); 2: cannot run.
pub fn run_cli(args: PublishArgs) -> ExitCode {
    let now = match &args.now {
        Some(text) => match crate::time::parse_now(text) {
            Ok(now) => now,
            Err(e) => return cannot_run(&e),
        },
        None => Timestamp::now(),
    };
    let root = match args.root {
        Some(root) => root,
        None => {
            let cwd = match std::env::current_dir() {
                Ok(cwd) => cwd,
                Err(e) => return cannot_run(&format!("cannot read the current directory: {e}")),
            };
            match check::find_root(&cwd) {
                Some(root) => root,
                None => {
                    return cannot_run(&format!(
                        "not an OnMessage repository: no policies/policy.yaml in {} or above (use --root)",
                        cwd.display()
                    ));
                }
            }
        }
    };
    let stop_after_files = match std::env::var(STOP_AFTER_ENV) {
        Ok(n) => match n.parse() {
            Ok(n) => Some(n),
            Err(_) => return cannot_run(&format!("{STOP_AFTER_ENV}={n} is not a number")),
        },
        Err(_) => None,
    };
    let opts = Options {
        out: args.out.unwrap_or_else(|| root.join("public")),
        root,
        now,
        base_url: args.base_url,
        stop_after_files,
    };
    let outcome = match publish(&opts) {
        Ok(outcome) => outcome,
        Err(Error::Config(errors)) => {
            let _ = write!(
                std::io::stderr(),
                "{}",
                render_config_errors(&errors, style())
            );
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
        Err(Error::CannotRun(message)) => return cannot_run(&message),
        // A test asked for a crash in the middle of writing: crash.
        Err(Error::Stopped) => std::process::abort(),
    };
    let mut err = String::new();
    for w in &outcome.withheld {
        let name =
            w.id.as_deref()
                .map_or(String::new(), |id| format!("`{id}` "));
        err.push_str(&format!(
            "withheld: {name}({}) is approved and due but was withheld:\n",
            w.path
        ));
        for r in &w.reasons {
            let line = r.line.map_or(String::new(), |l| format!(" (line {l})"));
            err.push_str(&format!("  {}{line}: {}\n", r.rule, r.message));
        }
    }
    if !opts.base_url.starts_with("http") {
        err.push_str(&format!(
            "note: --base-url {} is relative: the feeds' links resolve only against the feed's own address; pass the site's https URL when deploying\n",
            opts.base_url
        ));
    }
    let _ = std::io::stderr().write_all(err.as_bytes());
    let _ = writeln!(
        std::io::stdout(),
        "published {} post{} ({} image{}, {} audience feed{}) to {}: {} files, {} bytes{}",
        outcome.published.len(),
        plural(outcome.published.len()),
        outcome.images,
        plural(outcome.images),
        outcome.audiences.len(),
        plural(outcome.audiences.len()),
        opts.out.display(),
        outcome.files,
        outcome.bytes,
        match outcome.withheld.len() {
            0 => String::new(),
            n => format!("; {n} withheld"),
        }
    );
    if outcome.withheld.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_WITHHELD)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(normalize_base_url("./").unwrap(), "./");
        assert_eq!(
            normalize_base_url("https://acme.github.io/onmessage").unwrap(),
            "https://acme.github.io/onmessage/"
        );
        assert_eq!(normalize_base_url("/hub").unwrap(), "/hub/");
        for bad in [
            "",
            "javascript:alert(1)",
            "https://a.b/?x=1",
            "https://a.b/#x",
            "https://a b/",
            "ftp://a.b/",
            "https:/a.b",
            "https://a.b/\"",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert!(is_slug("sales") && is_slug("customer-success") && is_slug("a1"));
        assert!(!is_slug("") && !is_slug("-a") && !is_slug("../x") && !is_slug("Sales"));
    }
}
