//! `cargo xtask publish`: re-check everything, then write the advocacy feed
//! (JSON Feed 1.1, Atom 1.0, per-audience feeds), the hub page and the
//! published images, atomically and deterministically.
//!
//! The pipeline: `check::run` (publish never trusts that CI ran) →
//! `select` (which posts may be shared at `now`, and why the others are
//! withheld) → `register::publish_history` (when each became shareable and
//! changed, and which left early, from the history, read once) → `model`
//! (every decision as data: texts, lengths, URLs) → renderers (`jsonfeed`,
//! `atom`, `rss`, `hub`, which only format) → `output` (a temporary
//! directory swapped into place). Time is an input: only
//! `run_cli` reads the clock and the environment, and only it prints.
//!
//! The output is several times the size of the repository (every item is
//! in the main feed and in each of its audiences' feeds, in three formats),
//! so it is never held whole: each item is built once, rendered once per
//! format (and once more for the audience folders when links are relative),
//! and appended to every file it belongs to, a chunk of items at a
//! time.

mod dimensions;
mod output;

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jiff::Timestamp;
use rayon::prelude::*;

use onmessage_engine::check::Checked;
use onmessage_engine::config::ConfigError;
use onmessage_engine::egress::{Egress, Leak};
use onmessage_engine::eligibility::{self as select, Reason, Withheld};
use onmessage_engine::finding::Finding;
use onmessage_engine::media::ImageFile;
use onmessage_engine::platform::Platform;
use onmessage_engine::policy::Policy;
use onmessage_engine::post::Post;
use onmessage_engine::register::{Context, FeedHistory, became_shareable};
use onmessage_engine::render::human::{Style, render_config_errors, render_error};
use onmessage_engine::rules::JudgedAt;
use onmessage_engine::scaffold::is_id;
use onmessage_engine::time::{DayBound, parse_moment};
use onmessage_feed::hub::Page;
use onmessage_feed::model::{self, Dates, Feed, Item, Site};
use onmessage_feed::{about, atom, encode, hub, icon, jsonfeed, rss, strip};
use output::{Staging, WriteError};

use crate::check::{self, Rayon};
use crate::images;
use crate::register::{self, PublishHistory};

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

/// Set by tests to simulate a crash: abort the process after creating this
/// many files of the new output.
const STOP_AFTER_ENV: &str = "ONMESSAGE_PUBLISH_ABORT_AFTER";
/// Set by tests to plant a selection bug: publish the post with this id
/// even when selection withholds it, so that the egress scan must stop it.
const PLANT_ENV: &str = "ONMESSAGE_PUBLISH_PLANT_SELECTION_BUG";

const EXIT_WITHHELD: u8 = 1;
const EXIT_CANNOT_RUN: u8 = 2;

/// What one publish needs; `run_cli` fills it from the command line.
struct Options {
    pub root: PathBuf,
    pub now: Timestamp,
    pub out: PathBuf,
    pub base_url: String,
    /// Stop (as a crash would) after creating this many output files.
    pub stop_after_files: Option<usize>,
    /// A test's planted selection bug: this post is published even if
    /// withheld.
    pub plant: Option<String>,
}

#[derive(Debug)]
enum Error {
    /// The policy or calendar is invalid.
    Config(Vec<ConfigError>),
    /// A bad option or an output that cannot be written.
    CannotRun(String),
    /// Stopped by `stop_after_files`, leaving the output as a crash would.
    Stopped,
    /// The egress scan found names that may not be published: nothing
    /// was replaced.
    Leaks(Vec<Leak>),
}

/// What was written.
#[derive(Debug)]
struct Outcome {
    /// Post ids in the main feed, newest first.
    pub published: Vec<String>,
    /// Approved, due posts that were not published, by path.
    pub withheld: Vec<Withheld>,
    /// Approved, due posts that a quiet period holds back, by path.
    pub paused: Vec<Withheld>,
    /// Why the feeds are empty, during a quiet period with `[all]`.
    pub notice: Option<String>,
    pub audiences: Vec<String>,
    pub images: usize,
    pub files: usize,
    pub bytes: usize,
    /// Why no history was read (dates then come from the files alone).
    pub no_history: Option<&'static str>,
}

/// What `build` wrote into the new output.
struct Built {
    pub published: Vec<String>,
    pub withheld: Vec<Withheld>,
    pub paused: Vec<Withheld>,
    pub notice: Option<String>,
    pub audiences: Vec<String>,
    pub images: usize,
}

fn publish(opts: &Options) -> Result<Outcome, Error> {
    let base_url = normalize_base_url(&opts.base_url).map_err(Error::CannotRun)?;
    output::check_target(&opts.out, &opts.root).map_err(Error::CannotRun)?;
    // Every date of the policy and calendar judged at `now` (SPEC): a rule
    // that became active blocks, one that lapsed frees, a quiet period or a
    // client's approval counts as it stands now.
    let checked = check::run(&opts.root, JudgedAt::Now(opts.now)).map_err(Error::Config)?;
    let write_error = |e| match e {
        WriteError::Io(message) => Error::CannotRun(message),
        WriteError::Stopped => Error::Stopped,
    };
    let history = register::publish_history(&opts.root, opts.now).map_err(Error::CannotRun)?;
    let mut staging = Staging::begin(&opts.out, opts.stop_after_files).map_err(write_error)?;
    let built = build(
        &opts.root,
        &checked,
        opts.now,
        &base_url,
        &history,
        opts.plant.as_deref(),
        &mut staging,
    )
    .map_err(write_error)?;
    // The second line of defence, before anything is replaced: dropping
    // `staging` without `commit` leaves the previous output whole.
    let egress = Egress::new(&checked.setup, opts.now, &base_url);
    let leaks = scan_output(&staging, &egress).map_err(Error::CannotRun)?;
    if !leaks.is_empty() {
        return Err(Error::Leaks(leaks));
    }
    let written = staging.commit().map_err(write_error)?;
    Ok(Outcome {
        files: written.files,
        bytes: written.bytes,
        published: built.published,
        withheld: built.withheld,
        paused: built.paused,
        notice: built.notice,
        audiences: built.audiences,
        images: built.images,
        no_history: match history {
            PublishHistory::Read(_) => None,
            PublishHistory::Missing(why) => Some(why),
        },
    })
}

/// Output files scanned as text are read this much at a time, up to the
/// next line break (a name within a line is never cut in two), each chunk
/// beginning with the last lines of the one before (a name across a line
/// break is seen too).
const SCAN_CHUNK: usize = 4 << 20;
/// How much of a chunk's end is scanned again with the next chunk.
const SCAN_OVERLAP: usize = 4 << 10;

/// The egress scan of every file and path of the staged output. Images'
/// bytes are not text: only their names are scanned.
fn scan_output(staging: &Staging, egress: &Egress) -> Result<Vec<Leak>, String> {
    let scan_one = |path: &String| -> Result<Vec<Leak>, String> {
        let mut leaks = egress.scan_path(path);
        if path.starts_with("media/") {
            return Ok(leaks);
        }
        let full = staging.new_dir().join(path);
        let file = std::fs::File::open(&full)
            .map_err(|e| format!("cannot read {} back to scan it: {e}", full.display()))?;
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        scan_text_file(reader, path, egress, SCAN_CHUNK, SCAN_OVERLAP, &mut leaks)
            .map_err(|e| format!("cannot read {} back to scan it: {e}", full.display()))?;
        Ok(leaks)
    };
    let per_file: Vec<Result<Vec<Leak>, String>> =
        staging.files().par_iter().map(scan_one).collect();
    let mut leaks = Vec::new();
    for result in per_file {
        leaks.extend(result?);
    }
    Ok(leaks)
}

/// Scans one output file's text, read from `reader` in chunks of about
/// `chunk_size` bytes that end at line breaks and overlap by the last lines
/// (its last line, and those starting in its last `overlap` bytes) of the
/// chunk before; adds each new
/// (kind, name) found to `leaks`.
fn scan_text_file(
    mut reader: impl std::io::BufRead,
    path: &str,
    egress: &Egress,
    chunk_size: usize,
    overlap: usize,
    leaks: &mut Vec<Leak>,
) -> std::io::Result<()> {
    let mut chunk: Vec<u8> = Vec::with_capacity(chunk_size + (1 << 16));
    let mut first_line = 1;
    loop {
        // Carried over: the last line, and every line that starts within
        // the last `overlap` bytes.
        let body = &chunk[..chunk.len().saturating_sub(1)];
        let line_start = |at: usize| {
            body[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
        };
        let keep_from = line_start(body.len()).min(line_start(body.len().saturating_sub(overlap)));
        first_line += chunk[..keep_from].iter().filter(|&&b| b == b'\n').count();
        chunk.drain(..keep_from);
        let carried = chunk.len();
        while chunk.len() < carried + chunk_size {
            if reader.read_until(b'\n', &mut chunk)? == 0 {
                break;
            }
        }
        if chunk.len() == carried {
            return Ok(());
        }
        for leak in egress.scan_part(path, &chunk, first_line) {
            if !leaks
                .iter()
                .any(|l| l.what == leak.what && l.name == leak.name)
            {
                leaks.push(leak);
            }
        }
    }
}

/// `--base-url` with a trailing `/`: an http(s) URL or a relative path, with
/// no query, fragment, space or quote (it is pasted in front of paths).
fn normalize_base_url(url: &str) -> Result<String, String> {
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

/// A post that will be published, before its item is built.
struct Entry<'a> {
    post: &'a Post,
    dates: Dates,
    expires: Option<Timestamp>,
    products: Vec<String>,
    image: Option<model::Image>,
    /// Empty: everyone.
    audiences: &'a [String],
}

/// Items rendered in parallel at a time. A chunk's rendered items (about
/// 15 KB each) are all that is held of the output, twice: one chunk is
/// written while the next is rendered.
const CHUNK: usize = 512;

/// Builds every output file from a finished check, writing it into `staging`.
fn build(
    root: &Path,
    checked: &Checked,
    now: Timestamp,
    base_url: &str,
    history: &PublishHistory,
    plant: Option<&str>,
    staging: &mut Staging,
) -> Result<Built, WriteError> {
    let policy = &checked.setup.policy;
    let no_history = FeedHistory::default();
    let history = match history {
        PublishHistory::Read(history) => history,
        PublishHistory::Missing(_) => &no_history,
    };
    let selection = select::select(checked, now, &Rayon);
    let mut withheld = selection.unreadable;
    let mut paused = Vec::new();
    let notice = select::pause_notice(&checked.setup, now);
    let mut site = Site {
        company: policy.company.name.clone(),
        language: policy.company.language.clone(),
        base_url: base_url.to_string(),
        authority: model::authority(policy),
        timezone: policy.timezone.clone(),
        now,
        audiences: Vec::new(),
        platforms: Vec::new(),
        notice: notice.clone(),
        audience_names: policy.company.audience_names.clone(),
    };
    let mut images = Images::default();
    let mut entries: Vec<Entry> = Vec::new();
    let by_path = checked.report.findings_by_path();
    for (post, verdict) in selection.posts {
        let (published, expires, named) = match verdict {
            select::Verdict::Skip(_) => continue,
            // A test's planted selection bug: the egress scan must stop it.
            select::Verdict::Withhold(_)
                if plant == Some(post.id.as_str())
                    && let Some(published) = post.front.as_ref().and_then(|f| {
                        parse_moment(&f.publish_at, &policy.timezone, DayBound::Start).ok()
                    }) =>
            {
                (published, None, select::named(&checked.setup, post))
            }
            select::Verdict::Withhold(reasons) => {
                withheld.push(Withheld {
                    id: Some(post.id.clone()),
                    path: post.path.clone(),
                    reasons,
                });
                continue;
            }
            select::Verdict::Pause(reasons) => {
                paused.push(Withheld {
                    id: Some(post.id.clone()),
                    path: post.path.clone(),
                    reasons,
                });
                continue;
            }
            select::Verdict::Publish {
                published,
                expires,
                products,
                clients_from,
            } => (
                published,
                expires,
                select::Named {
                    products,
                    clients_from,
                },
            ),
        };
        let Some(front) = &post.front else { continue };
        let image = match &front.image {
            None => None,
            Some(image) => match images.publish(root, image, staging)? {
                Ok(image) => Some(image),
                Err(reason) => {
                    withheld.push(Withheld {
                        id: Some(post.id.clone()),
                        path: post.path.clone(),
                        reasons: vec![reason],
                    });
                    continue;
                }
            },
        };
        let findings = by_path.get(post.path.as_str()).copied().unwrap_or_default();
        let dates = dates(checked, history, post, findings, published, &named, now);
        entries.push(Entry {
            post,
            dates,
            expires,
            products: named.products,
            image,
            audiences: front.audiences.as_deref().unwrap_or_default(),
        });
    }
    // Newest first; ties by id, so the order never depends on the file system.
    entries.sort_by(|a, b| {
        b.dates
            .published
            .cmp(&a.dates.published)
            .then_with(|| a.post.id.cmp(&b.post.id))
    });
    withheld.sort_by(|a, b| a.path.cmp(&b.path));

    let mut audiences: Vec<String> = entries
        .iter()
        .flat_map(|e| e.audiences)
        .filter(|a| is_id(a))
        .cloned()
        .collect();
    audiences.sort();
    audiences.dedup();
    site.audiences = audiences;
    // Every audience feed is two folders deep, so one rendering serves all
    // of them; it differs from the root's only when links are relative.
    let nested_dir = site
        .audiences
        .first()
        .map(|a| Site::feed_dir(Some(a)))
        .filter(|dir| site.link("", dir) != site.link("", ""));
    let nested_dir = nested_dir.as_deref();
    let platforms: HashSet<Platform> = entries
        .iter()
        .flat_map(|e| model::copies(e.post).map(|(p, _)| p))
        .collect();
    site.platforms = Platform::ALL
        .into_iter()
        .filter(|p| platforms.contains(p))
        .collect();

    // Posts that left the feed early and are not back in it.
    let published_ids: HashSet<&str> = entries.iter().map(|e| e.post.id.as_str()).collect();
    let removed: Vec<(&str, Timestamp)> = history
        .removed
        .iter()
        .filter(|(id, _)| !published_ids.contains(id.as_str()))
        .map(|(id, &when)| (id.as_str(), when))
        .collect();
    let mut files = FeedFiles::open(staging, &site, &entries, &removed)?;
    // Rendering is most of the work and parallel; writing the previous
    // chunk overlaps with it.
    let mut rendered: Vec<Rendered> = Vec::new();
    for chunk in entries.chunks(CHUNK) {
        let (written, next) = rayon::join(
            || files.append(staging, &rendered),
            || {
                chunk
                    .par_iter()
                    .map(|entry| Rendered::new(policy, &site, nested_dir, entry))
                    .collect()
            },
        );
        written?;
        rendered = next;
    }
    files.append(staging, &rendered)?;
    files.close(staging, &site, &removed)?;
    staging.write(Site::about_path(), about::page(&site).as_bytes())?;
    staging.write(Site::icon_path(), icon::SVG.as_bytes())?;
    Ok(Built {
        published: entries.iter().map(|e| e.post.id.clone()).collect(),
        audiences: site.audiences,
        withheld,
        paused,
        notice,
        images: images.written.len(),
    })
}

/// When `post`, published at `published` (its `publish_at`), last became
/// shareable and changed: the approval is `approved_at`, else the date of
/// the commit that approved it, else (no history) its `publish_at`; the
/// calendar at `now` says what held it back since.
fn dates(
    checked: &Checked,
    history: &FeedHistory,
    post: &Post,
    findings: &[Finding],
    published: Timestamp,
    named: &select::Named,
    now: Timestamp,
) -> Dates {
    let setup = &checked.setup;
    let current = history.current.get(&post.id);
    let approved_at = post
        .front
        .as_ref()
        .and_then(|f| f.approved_at.as_deref())
        .and_then(|a| parse_moment(a, &setup.policy.timezone, DayBound::Start).ok());
    let approval = approved_at
        .or(current.map(|c| c.commit_date))
        .unwrap_or(published);
    let held = Context {
        clients_from: named.clients_from,
        ..Context::default()
    }
    .with_calendar(&setup.calendar, &named.products)
    .with_findings(&setup.calendar, &setup.policy, findings);
    let shareable = became_shareable(Some(published), approval, &held)
        .unwrap_or(published)
        .min(now);
    Dates {
        published,
        shareable,
        modified: current.and_then(|c| c.edited).filter(|&e| e > shareable),
    }
}

/// One item as a feed in one folder writes it.
struct Formats {
    json: Vec<u8>,
    atom: String,
    rss: String,
}

impl Formats {
    fn new(site: &Site, item: &Item, dir: &str) -> Formats {
        Formats {
            json: jsonfeed::item(site, item, dir),
            atom: atom::entry(site, item, dir),
            rss: rss::item(site, item, dir),
        }
    }
}

/// One item in the form every output takes it.
struct Rendered<'a> {
    audiences: &'a [String],
    /// For the feeds at the output root.
    root: Formats,
    /// For the audience feeds, when their links differ from the root's.
    nested: Option<Formats>,
    card: String,
    /// The post's own page and where it goes.
    page_path: String,
    page: String,
}

impl<'a> Rendered<'a> {
    fn new(
        policy: &Policy,
        site: &Site,
        nested_dir: Option<&str>,
        entry: &Entry<'a>,
    ) -> Rendered<'a> {
        let item = model::item(
            policy,
            entry.post,
            entry.dates,
            entry.expires,
            entry.products.clone(),
            entry.image.clone(),
        )
        .expect("a published post has front matter");
        Rendered {
            audiences: entry.audiences,
            root: Formats::new(site, &item, ""),
            nested: nested_dir.map(|dir| Formats::new(site, &item, dir)),
            card: hub::card(site, &item, Page::Root),
            page_path: format!("{}index.html", Site::post_path(&item.id)),
            page: hub::post_page(site, &item),
        }
    }

    /// The item as the feed of `audience` writes it.
    fn formats(&self, audience: Option<&str>) -> &Formats {
        match (audience, &self.nested) {
            (Some(_), Some(nested)) => nested,
            _ => &self.root,
        }
    }
}

/// Whether an item for `audiences` (empty: everyone) is in the feed of
/// `audience` (`None`: the main feed).
fn in_feed(audience: Option<&str>, audiences: &[String]) -> bool {
    audience.is_none_or(|a| model::for_audience(audiences, a))
}

/// One feed's JSON Feed, Atom and RSS files, open while its items are
/// appended.
struct FeedFile<'a> {
    feed: Feed<'a>,
    json: output::File,
    atom: output::File,
    rss: output::File,
    written: usize,
}

impl<'a> FeedFile<'a> {
    /// Creates the files and writes their heads, which need the feed's size
    /// and newest date before its items.
    fn open(
        staging: &mut Staging,
        site: &'a Site,
        audience: Option<&'a str>,
        entries: &[Entry],
        removed: &[(&str, Timestamp)],
    ) -> Result<FeedFile<'a>, WriteError> {
        let items: Vec<&Entry> = entries
            .iter()
            .filter(|e| in_feed(audience, e.audiences))
            .collect();
        let changes = items.iter().map(|e| e.dates.updated());
        let feed = Feed {
            site,
            audience,
            items: items.len(),
            updated: changes
                .chain(removed.iter().map(|&(_, when)| when))
                .max()
                .unwrap_or(site.now),
        };
        let dir = Site::feed_dir(audience);
        let mut json = staging.create(&format!("{dir}feed.json"))?;
        json.write(jsonfeed::head(&feed).as_bytes())?;
        let mut atom = staging.create(&format!("{dir}feed.xml"))?;
        atom.write(atom::head(&feed).as_bytes())?;
        let mut rss = staging.create(&format!("{dir}feed.rss"))?;
        rss.write(rss::head(&feed).as_bytes())?;
        Ok(FeedFile {
            feed,
            json,
            atom,
            rss,
            written: 0,
        })
    }

    /// Appends `item` if it belongs to this feed.
    fn append(&mut self, item: &Rendered) -> Result<(), WriteError> {
        if !in_feed(self.feed.audience, item.audiences) {
            return Ok(());
        }
        if self.written > 0 {
            self.json.write(jsonfeed::SEPARATOR)?;
        }
        let formats = item.formats(self.feed.audience);
        self.json.write(&formats.json)?;
        self.atom.write(formats.atom.as_bytes())?;
        self.rss.write(formats.rss.as_bytes())?;
        self.written += 1;
        Ok(())
    }

    /// Writes the tails, and in Atom a tombstone for each post in `removed`
    /// (every feed has them: a reader ignores one for an entry it never had).
    fn close(
        mut self,
        staging: &mut Staging,
        removed: &[(&str, Timestamp)],
    ) -> Result<(), WriteError> {
        debug_assert_eq!(self.written, self.feed.items, "the head counted every item");
        self.json.write(jsonfeed::tail(&self.feed).as_bytes())?;
        staging.finish(self.json)?;
        for &(id, when) in removed {
            self.atom
                .write(atom::deleted_entry(self.feed.site, id, when).as_bytes())?;
        }
        self.atom.write(atom::TAIL.as_bytes())?;
        staging.finish(self.atom)?;
        self.rss.write(rss::TAIL.as_bytes())?;
        staging.finish(self.rss)
    }
}

/// Every feed and the hub, open while the items are appended, newest first.
struct FeedFiles<'a> {
    /// The main feed, then one per `site.audiences`.
    feeds: Vec<FeedFile<'a>>,
    hub: output::File,
}

impl<'a> FeedFiles<'a> {
    fn open(
        staging: &mut Staging,
        site: &'a Site,
        entries: &[Entry],
        removed: &[(&str, Timestamp)],
    ) -> Result<FeedFiles<'a>, WriteError> {
        let main = FeedFile::open(staging, site, None, entries, removed)?;
        let mut hub = staging.create("index.html")?;
        hub.write(hub::head(&main.feed).as_bytes())?;
        let mut feeds = vec![main];
        for audience in &site.audiences {
            feeds.push(FeedFile::open(
                staging,
                site,
                Some(audience),
                entries,
                removed,
            )?);
        }
        Ok(FeedFiles { feeds, hub })
    }

    fn append(&mut self, staging: &mut Staging, items: &[Rendered]) -> Result<(), WriteError> {
        for item in items {
            for feed in &mut self.feeds {
                feed.append(item)?;
            }
            self.hub.write(item.card.as_bytes())?;
            staging.write_unsynced(&item.page_path, item.page.as_bytes())?;
        }
        Ok(())
    }

    fn close(
        self,
        staging: &mut Staging,
        site: &Site,
        removed: &[(&str, Timestamp)],
    ) -> Result<(), WriteError> {
        for feed in self.feeds {
            feed.close(staging, removed)?;
        }
        let mut hub = self.hub;
        hub.write(hub::tail(site).as_bytes())?;
        staging.finish(hub)
    }
}

/// The published images. Many posts share an image: each file is read,
/// stripped and written once.
#[derive(Default)]
struct Images {
    /// By the path posts give: the published image (with no alt text, which
    /// is each post's own), or why it cannot be published.
    by_path: HashMap<String, Result<model::Image, Reason>>,
    /// The files written to the output.
    written: HashSet<String>,
}

impl Images {
    /// A post's image as published, its file written the first time it is
    /// seen. The outer error is the output's; the inner one withholds the post.
    fn publish(
        &mut self,
        root: &Path,
        image: &onmessage_engine::post::Image,
        staging: &mut Staging,
    ) -> Result<Result<model::Image, Reason>, WriteError> {
        let published = match self.by_path.get(&image.path) {
            Some(known) => known.clone(),
            None => {
                let published = match stripped_image(root, &image.path) {
                    Ok((bytes, published)) => {
                        if self.written.insert(published.file.clone()) {
                            staging.write(&published.file, &bytes)?;
                        }
                        Ok(published)
                    }
                    Err(reason) => Err(reason),
                };
                self.by_path.insert(image.path.clone(), published.clone());
                published
            }
        };
        Ok(published.map(|published| model::Image {
            alt: model::clean(image.alt.as_deref().unwrap_or_default()),
            ..published
        }))
    }
}

/// Reads, checks and strips the image at `path` (under `content/`). Its
/// published name carries a hash of the stripped bytes, so names never
/// collide and a changed image gets a new URL (caches never serve a stale
/// one).
fn stripped_image(root: &Path, path: &str) -> Result<(Vec<u8>, model::Image), Reason> {
    let reason = |message: String| Reason {
        rule: "publish.image".to_string(),
        message: format!("image `{path}` {message}"),
        line: None,
    };
    // Resolved the way the check resolved it, and read once: the check has
    // already judged the metadata.
    let real = images::resolve(root, path).map_err(|problem| match problem {
        ImageFile::BadPath(why) => reason(why.to_string()),
        ImageFile::Outside => reason("resolves outside content/".to_string()),
        ImageFile::Missing | ImageFile::Found(_) => reason("is missing".to_string()),
    })?;
    let bytes = images::read(&real).map_err(|why| reason(format!("cannot be published: {why}")))?;
    let (kind, stripped) =
        strip::strip(&bytes).map_err(|e| reason(format!("cannot be published: {e}")))?;
    let (width, height) = dimensions::dimensions(kind, &stripped)
        .map_err(|why| reason(format!("cannot be published: {why}")))?;
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
        file,
        alt: String::new(),
        mime: kind.mime(),
        size: stripped.len(),
        width,
        height,
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
/// publishes, and reports. Exit 0: everything due is published (or paused
/// by a quiet period); 1: an approved, due post was withheld (the rest is
/// published); 2: cannot run.
pub fn run_cli(args: PublishArgs) -> ExitCode {
    let now = match &args.now {
        Some(text) => match onmessage_engine::time::parse_now(text) {
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
        plant: std::env::var(PLANT_ENV).ok(),
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
        Err(Error::Leaks(leaks)) => {
            let mut err = String::new();
            for leak in &leaks {
                let place = if leak.in_path {
                    format!("the path {}", leak.path)
                } else {
                    format!("{} line {}", leak.path, leak.line)
                };
                err.push_str(&format!(
                    "error: the output would leak '{}' ({}: '{}') in {place}\n",
                    leak.name, leak.what, leak.found
                ));
            }
            err.push_str(&format!(
                "error: publish stopped before replacing {}, which is unchanged: the egress scan found {} name{} that may not be published at --now. This is a bug in publish's selection; please report it\n",
                opts.out.display(),
                leaks.len(),
                plural(leaks.len())
            ));
            let _ = std::io::stderr().write_all(err.as_bytes());
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
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
    if let Some(why) = outcome.no_history {
        err.push_str(&format!(
            "note: no git history read at {} ({why}): each post's RSS pubDate is the latest of its publish_at and approved_at, and no change or withdrawal is announced\n",
            opts.root.display()
        ));
    }
    if let Some(notice) = &outcome.notice {
        err.push_str(&format!("note: {notice}\n"));
    }
    for p in &outcome.paused {
        let name = p.id.as_deref().unwrap_or_default();
        err.push_str(&format!(
            "paused: `{name}` ({}) is held back while a quiet period lasts:\n",
            p.path
        ));
        for r in &p.reasons {
            err.push_str(&format!("  {}: {}\n", r.rule, r.message));
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
        [
            (outcome.withheld.len(), "withheld"),
            (outcome.paused.len(), "paused")
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("; {n} {what}"))
        .collect::<String>()
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
    fn the_text_scan_sees_names_across_chunk_boundaries_with_file_lines() {
        let setup = onmessage_engine::check::Setup::parse(
            b"version: 1\ncompany: {name: X, timezone: UTC, domains: [x.com]}\nrules: []\n",
            b"version: 1\nproducts:\n  - {id: p, name: Pea, codenames: [Project Falcon]}\n",
        )
        .unwrap();
        let egress = Egress::new(&setup, "2027-01-01T00:00:00Z".parse().unwrap(), "./");
        // Line 40 ends with "Project", line 41 starts with "Falcon"; chunks
        // of 64 bytes end between them whatever the overlap.
        let mut text = String::new();
        for i in 1..40 {
            text.push_str(&format!("line {i} of filler text\n"));
        }
        text.push_str("a note about Project\nFalcon in two lines\n");
        for size in [1, 16, 64, 1 << 20] {
            for overlap in [0, 8, 4096] {
                let mut leaks = Vec::new();
                scan_text_file(
                    text.as_bytes(),
                    "index.html",
                    &egress,
                    size,
                    overlap,
                    &mut leaks,
                )
                .unwrap();
                assert_eq!(leaks.len(), 1, "chunks of {size}/{overlap}: {leaks:?}");
                assert_eq!(leaks[0].line, 40, "chunks of {size}/{overlap}");
                assert_eq!(leaks[0].name, "Project Falcon");
            }
        }
        // Without the carried line, a chunk ending after "Project" misses it:
        // the test above would fail if nothing were carried over.
        let at = text.find("Falcon").unwrap();
        assert!(
            egress
                .scan_file("index.html", &text.as_bytes()[..at])
                .is_empty()
        );
        assert!(
            egress
                .scan_file("index.html", &text.as_bytes()[at..])
                .is_empty()
        );
    }
}
