//! The benchmark (`cargo xtask bench`, which builds and runs this crate's
//! binary in release mode): generates deterministic repositories (1k, 10k and
//! 100k posts; policies of 100 and 10,000 client names and terms; about 1%
//! of the posts with one planted leak each), measures `check` and `publish`
//! on each in a child process (wall time, posts/s, MB/s, peak RSS, planted
//! leaks found), times ripgrep and gitleaks on the same files and terms, and
//! prints a table (and `results.json`) with the targets of the benchmark.
//!
//! Layout under the output directory (default `target/bench/`):
//!
//! ```text
//! posts-<N>/source/content/     the generated posts and media (cached by stamp)
//! posts-<N>/content.json        what was generated, with every planted leak
//! posts-<N>/terms-<T>/          a repository: policies/ + content/ (hard links)
//! posts-<N>/terms-<T>.public/   publish output (removed once measured: 3 GB at 100k posts)
//! posts-<N>/terms-<T>.txt       the terms for ripgrep; .gitleaks.toml for gitleaks
//! results.json                  the table as JSON
//! ```

pub mod child;
pub mod corpus;
pub mod prng;
pub mod recall;

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use serde::Serialize;

use child::Measured;
use corpus::Content;
use recall::Recall;

pub const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 100_000];
pub const QUICK_SIZES: [usize; 2] = [1_000, 10_000];
pub const DEFAULT_TERMS: [usize; 2] = [100, 10_000];
pub const DEFAULT_SEED: u64 = 20_261_201;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Post counts of the generated repositories, comma-separated [default: 1000,10000,100000; 1000,10000 with --quick].
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    sizes: Option<Vec<usize>>,
    /// Client names and terms in the generated policies, comma-separated [default: 100,10000].
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    terms: Option<Vec<usize>>,
    /// A short run: sizes 1000,10000 and one run of each measurement.
    #[arg(long)]
    quick: bool,
    /// Runs of each measurement; the fastest is reported [default: 3; 1 with --quick].
    #[arg(long)]
    runs: Option<usize>,
    /// Where repositories and results go [default: target/bench].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seed of the generator: the same seed gives the same repositories.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Posts per thousand that carry a planted leak.
    #[arg(long, default_value_t = 10)]
    leaks_per_mille: usize,
    /// Do not measure publish.
    #[arg(long)]
    no_publish: bool,
    /// Stop gitleaks after this many seconds (reported as "> N s").
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    gitleaks_timeout: u64,
    /// Do not measure `check --base` (a git repository of the largest size
    /// with one post changed on a branch).
    #[arg(long)]
    no_base: bool,
    /// Measure this xtask executable (default: the one beside this
    /// benchmark's; `cargo xtask bench` passes the release build).
    #[arg(long, value_name = "PATH")]
    xtask: Option<PathBuf>,
}

struct Settings {
    sizes: Vec<usize>,
    terms: Vec<usize>,
    runs: usize,
    out: PathBuf,
    seed: u64,
    per_mille: usize,
    publish: bool,
    base: bool,
    gitleaks_timeout: Duration,
    exe: PathBuf,
}

/// One line of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub posts: usize,
    pub terms: usize,
    pub bytes: u64,
    pub tool: String,
    pub runs: usize,
    /// Fastest run; `None` when the tool did not run.
    pub wall_s: Option<f64>,
    pub user_s: Option<f64>,
    pub sys_s: Option<f64>,
    pub timed_out: bool,
    pub posts_per_s: Option<f64>,
    pub mb_per_s: Option<f64>,
    /// Highest over the runs, MB (10^6 bytes).
    pub peak_rss_mb: Option<f64>,
    pub exit: Option<i32>,
    /// Our time over ripgrep's on the same files and terms.
    pub vs_rg: Option<f64>,
    pub planted: Option<usize>,
    pub found: Option<usize>,
    pub extra_errors: Option<usize>,
    pub extra_warnings: Option<usize>,
    pub note: String,
}

impl Row {
    /// A row for one repository before any tool has run on it.
    fn unmeasured(posts: usize, terms: usize, bytes: u64, runs: usize) -> Row {
        Row {
            posts,
            terms,
            bytes,
            tool: String::new(),
            runs,
            wall_s: None,
            user_s: None,
            sys_s: None,
            timed_out: false,
            posts_per_s: None,
            mb_per_s: None,
            peak_rss_mb: None,
            exit: None,
            vs_rg: None,
            planted: None,
            found: None,
            extra_errors: None,
            extra_warnings: None,
            note: String::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Target {
    pub name: String,
    pub value: String,
    pub limit: String,
    pub holds: bool,
}

#[derive(Serialize)]
struct Results<'a> {
    version: u32,
    generator: u32,
    seed: u64,
    runs: usize,
    machine: Machine,
    rss_floor_mb: f64,
    corpora: Vec<CorpusSummary>,
    rows: &'a [Row],
    targets: &'a [Target],
}

#[derive(Serialize)]
struct Machine {
    cores: usize,
    build: &'static str,
    ripgrep: Option<String>,
    gitleaks: Option<String>,
}

#[derive(Serialize)]
struct CorpusSummary {
    posts: usize,
    bytes: u64,
    crlf_files: usize,
    non_ascii_files: usize,
    planted: usize,
}

pub fn run_cli(args: BenchArgs) -> ExitCode {
    let current = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return cannot_run(&format!("cannot find the benchmark's executable: {e}")),
    };
    // Built together, the two binaries are siblings.
    let exe = args
        .xtask
        .clone()
        .unwrap_or_else(|| current.with_file_name("xtask"));
    let out = args.out.clone().unwrap_or_else(|| {
        // The executable is target/<profile>/onmessage-bench: bench goes next to it.
        current
            .parent()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
            .join("bench")
    });
    let settings = Settings {
        sizes: args.sizes.clone().unwrap_or_else(|| {
            if args.quick {
                QUICK_SIZES.to_vec()
            } else {
                DEFAULT_SIZES.to_vec()
            }
        }),
        terms: args.terms.clone().unwrap_or_else(|| DEFAULT_TERMS.to_vec()),
        runs: args.runs.unwrap_or(if args.quick { 1 } else { 3 }).max(1),
        out,
        seed: args.seed,
        per_mille: args.leaks_per_mille.min(1000),
        publish: !args.no_publish,
        base: !args.no_base,
        gitleaks_timeout: Duration::from_secs(args.gitleaks_timeout),
        exe,
    };
    if settings.sizes.contains(&0) || settings.terms.iter().any(|&t| t < 4) {
        return cannot_run("--sizes must be positive and --terms at least 4");
    }
    if cfg!(debug_assertions) {
        eprintln!(
            "note: this is a debug build; for representative numbers run `cargo xtask bench`"
        );
    }
    match run(&settings) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => cannot_run(&e),
    }
}

fn cannot_run(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn progress(message: &str) {
    let _ = writeln!(io::stderr(), "bench: {message}");
}

/// Runs everything; `Ok(false)` when a planted leak was missed or an
/// unplanted error found.
fn run(s: &Settings) -> Result<bool, String> {
    fs::create_dir_all(&s.out).map_err(|e| format!("cannot create {}: {e}", s.out.display()))?;
    let rg = tool_version("rg", &["--version"]);
    let gitleaks = tool_version("gitleaks", &["version"]);
    let floor = child::run(
        &mut Command::new("true"),
        &s.out.join("floor.out"),
        &s.out.join("floor.err"),
        None,
    )
    .map(|m| m.max_rss)
    .unwrap_or(0);

    let mut rows: Vec<Row> = Vec::new();
    let mut corpora = Vec::new();
    let mut exact = true;
    for &posts in &s.sizes {
        let dir = s.out.join(format!("posts-{posts}"));
        let content = ensure_content(&dir, posts, s)?;
        corpora.push(CorpusSummary {
            posts,
            bytes: content.bytes,
            crlf_files: content.crlf_files,
            non_ascii_files: content.non_ascii_files,
            planted: content.plants.len(),
        });
        for &terms in &s.terms {
            let root = ensure_root(&dir, posts, terms, s)?;
            warm(&root.join("content"));
            let base = Row::unmeasured(posts, terms, content.bytes, s.runs);
            let tag = dir.join(format!("terms-{terms}"));

            progress(&format!("{posts} posts, {terms} terms: check"));
            let (check, report) = measure_check(s, &root, &tag, &base)?;
            let recall = report.map(|(_, seen)| recall::recall(&content.plants, &seen));
            let check = with_recall(check, recall.as_ref());
            if let Some(r) = &recall {
                exact &= r.exact();
                report_recall(posts, terms, r);
            } else {
                exact = false;
            }

            let publish = if s.publish {
                progress(&format!("{posts} posts, {terms} terms: publish"));
                Some(measure_publish(s, &root, &tag, &base)?)
            } else {
                None
            };

            let rg_row = if rg.is_some() {
                progress(&format!("{posts} posts, {terms} terms: ripgrep"));
                measure_rg(s, &root, &tag, &base, terms)?
            } else {
                Row {
                    tool: "rg".into(),
                    note: "ripgrep not installed (apt-get install ripgrep)".into(),
                    ..base.clone()
                }
            };
            let gitleaks_row = if gitleaks.is_some() {
                progress(&format!("{posts} posts, {terms} terms: gitleaks"));
                measure_gitleaks(s, &root, &tag, &base, terms)?
            } else {
                Row {
                    tool: "gitleaks".into(),
                    note: "gitleaks not installed (apt-get install gitleaks where the distribution has it; Debian 12 does not)".into(),
                    ..base.clone()
                }
            };
            let mut group = vec![check];
            group.extend(publish);
            group.push(rg_row.clone());
            group.push(gitleaks_row);
            for row in &mut group {
                if row.tool != "rg" {
                    row.vs_rg = ratio(row.wall_s, rg_row.wall_s);
                }
            }
            rows.extend(group);
        }
        let largest = s.sizes.iter().copied().max() == Some(posts);
        if s.base && largest {
            progress(&format!(
                "{posts} posts: check --base with one post changed"
            ));
            match measure_base(s, &dir, posts) {
                Ok(more) => rows.extend(more),
                Err(e) => progress(&format!("check --base not measured: {e}")),
            }
        }
    }

    let targets = targets(&rows, s);
    let table = render_table(&rows, &targets, floor);
    let _ = io::stdout().write_all(table.as_bytes());
    let results = Results {
        version: 1,
        generator: corpus::GENERATOR_VERSION,
        seed: s.seed,
        runs: s.runs,
        machine: Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            ripgrep: rg,
            gitleaks,
        },
        rss_floor_mb: mb(floor),
        corpora,
        rows: &rows,
        targets: &targets,
    };
    let json = serde_json::to_string_pretty(&results).expect("results serialise");
    let path = s.out.join("results.json");
    fs::write(&path, json + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    progress(&format!("results written to {}", path.display()));
    Ok(exact)
}

fn tool_version(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    })
}

/// The generated posts of one size, reused when the stamp matches.
fn ensure_content(dir: &Path, posts: usize, s: &Settings) -> Result<Content, String> {
    let stamp = content_stamp(posts, s);
    let stamp_path = dir.join("content.stamp");
    let manifest = dir.join("content.json");
    if fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        && let Some(content) = fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<Content>(&text).ok())
    {
        return Ok(content);
    }
    progress(&format!("generating {posts} posts in {}", dir.display()));
    let _ = fs::remove_file(&stamp_path);
    let source = dir.join("source");
    let content = corpus::write_content(&source, posts, s.per_mille, s.seed)
        .map_err(|e| format!("cannot generate posts in {}: {e}", source.display()))?;
    let json = serde_json::to_string_pretty(&content).expect("content serialises");
    fs::write(&manifest, json + "\n")
        .and_then(|()| fs::write(&stamp_path, &stamp))
        .map_err(|e| format!("cannot write {}: {e}", manifest.display()))?;
    Ok(content)
}

fn content_stamp(posts: usize, s: &Settings) -> String {
    format!(
        "generator {} posts {posts} per-mille {} seed {}",
        corpus::GENERATOR_VERSION,
        s.per_mille,
        s.seed
    )
}

/// A repository of the posts with a policy of `terms` names and terms, and
/// the term list for ripgrep and gitleaks beside it.
fn ensure_root(dir: &Path, posts: usize, terms: usize, s: &Settings) -> Result<PathBuf, String> {
    let root = dir.join(format!("terms-{terms}"));
    let stamp = content_stamp(posts, s);
    let stamp_path = root.join("content.stamp");
    let fail = |e: io::Error| format!("cannot prepare {}: {e}", root.display());
    if fs::read_to_string(&stamp_path).ok().as_deref() != Some(stamp.as_str()) {
        let _ = fs::remove_file(&stamp_path);
        corpus::link_tree(&dir.join("source/content"), &root.join("content")).map_err(fail)?;
        fs::write(&stamp_path, &stamp).map_err(fail)?;
    }
    corpus::write_policies(&root, terms).map_err(fail)?;
    let spellings = corpus::spellings(terms);
    fs::write(
        dir.join(format!("terms-{terms}.txt")),
        spellings.join("\n") + "\n",
    )
    .map_err(fail)?;
    fs::write(
        dir.join(format!("terms-{terms}.gitleaks.toml")),
        gitleaks_config(&spellings),
    )
    .map_err(fail)?;
    Ok(root)
}

/// Reads every file once so that the first measured tool does not pay for a cold cache.
fn warm(dir: &Path) {
    let mut buf = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file()
            && let Ok(mut f) = fs::File::open(entry.path())
        {
            buf.clear();
            let _ = f.read_to_end(&mut buf);
        }
    }
}

/// Runs a command `runs` times; the fastest run, the highest peak RSS.
fn repeat(
    runs: usize,
    tag: &Path,
    name: &str,
    limit: Option<Duration>,
    mut before: impl FnMut(),
    make: impl Fn() -> Command,
) -> Result<(Measured, PathBuf, PathBuf), String> {
    let stdout = tag.with_extension(format!("{name}.out"));
    let stderr = tag.with_extension(format!("{name}.err"));
    let mut best: Option<Measured> = None;
    for _ in 0..runs {
        before();
        let m = child::run(&mut make(), &stdout, &stderr, limit)
            .map_err(|e| format!("cannot run {name}: {e}"))?;
        best = Some(match best {
            None => m,
            Some(b) => Measured {
                max_rss: b.max_rss.max(m.max_rss),
                ..if m.wall < b.wall { m } else { b }
            },
        });
        if m.timed_out {
            break;
        }
    }
    Ok((best.expect("at least one run"), stdout, stderr))
}

fn fill_row(base: &Row, tool: &str, m: &Measured, runs: usize) -> Row {
    let wall = m.wall.as_secs_f64();
    Row {
        tool: tool.to_string(),
        runs,
        wall_s: Some(wall),
        user_s: Some(m.user.as_secs_f64()),
        sys_s: Some(m.sys.as_secs_f64()),
        timed_out: m.timed_out,
        posts_per_s: (!m.timed_out).then(|| base.posts as f64 / wall),
        mb_per_s: (!m.timed_out).then(|| base.bytes as f64 / 1e6 / wall),
        peak_rss_mb: Some(mb(m.max_rss)),
        exit: m.code,
        ..base.clone()
    }
}

type Report = Option<(usize, Vec<recall::Seen>)>;

fn measure_check(
    s: &Settings,
    root: &Path,
    tag: &Path,
    base: &Row,
) -> Result<(Row, Report), String> {
    let (m, stdout, stderr) = repeat(
        s.runs,
        tag,
        "check",
        None,
        || {},
        || {
            let mut c = Command::new(&s.exe);
            c.args(["check", "--format", "json", "--now", corpus::NOW, "--root"])
                .arg(root)
                .env("NO_COLOR", "1");
            c
        },
    )?;
    let mut row = fill_row(base, "check", &m, s.runs);
    let report = match m.code {
        Some(0 | 1) => {
            let text = fs::read_to_string(&stdout).map_err(|e| e.to_string())?;
            match recall::from_report(&text) {
                Ok(report) => Some(report),
                Err(e) => {
                    row.note = e;
                    None
                }
            }
        }
        code => {
            row.note = format!("failed (exit {code:?}): {}", first_line(&stderr));
            None
        }
    };
    if let Some((posts, _)) = &report
        && *posts != base.posts
    {
        row.note = format!("the report counts {posts} posts");
    }
    Ok((row, report))
}

fn with_recall(mut row: Row, recall: Option<&Recall>) -> Row {
    if let Some(r) = recall {
        row.planted = Some(r.planted);
        row.found = Some(r.found);
        row.extra_errors = Some(r.extra_errors.len());
        row.extra_warnings = Some(r.extra_warnings.len());
    }
    row
}

fn report_recall(posts: usize, terms: usize, r: &Recall) {
    for p in r.missed.iter().take(5) {
        progress(&format!(
            "{posts}/{terms}: MISSED {} at {}:{}:{} ({})",
            p.rule, p.path, p.line, p.column, p.text
        ));
    }
    for f in r.extra_errors.iter().chain(&r.extra_warnings).take(5) {
        progress(&format!(
            "{posts}/{terms}: unplanted {} {} at {}:{}:{}",
            f.severity.as_str(),
            f.rule,
            f.path,
            f.line,
            f.column
        ));
    }
}

fn measure_publish(s: &Settings, root: &Path, tag: &Path, base: &Row) -> Result<Row, String> {
    let out = tag.with_extension("public");
    let (m, stdout, stderr) = repeat(
        s.runs,
        tag,
        "publish",
        None,
        || {
            // Every run writes into an empty place.
            let _ = fs::remove_dir_all(&out);
        },
        || {
            let mut c = Command::new(&s.exe);
            c.args(["publish", "--now", corpus::NOW, "--root"])
                .arg(root)
                .arg("--out")
                .arg(&out)
                .env("NO_COLOR", "1");
            c
        },
    )?;
    if m.code == Some(2) {
        return Ok(Row {
            tool: "publish".into(),
            note: format!("publish: not available yet ({})", first_line(&stderr)),
            ..base.clone()
        });
    }
    // The output of 100,000 posts is about 3 GB: it has been measured, drop it.
    let _ = fs::remove_dir_all(&out);
    let mut row = fill_row(base, "publish", &m, s.runs);
    row.note = match m.code {
        Some(0 | 1) => {
            let said = fs::read_to_string(&stdout).unwrap_or_default();
            said.lines()
                .find_map(|l| l.strip_prefix("published "))
                .and_then(|rest| rest.split(' ').next())
                .map_or(String::new(), |n| format!("{n} published"))
        }
        code => format!("failed (exit {code:?}): {}", first_line(&stderr)),
    };
    Ok(row)
}

/// A git repository of the posts (policy of the fewest terms) whose branch
/// `change` edits one post: `check --base main` against a plain check of
/// the same tree.
fn measure_base(s: &Settings, dir: &Path, posts: usize) -> Result<Vec<Row>, String> {
    let terms = s.terms.iter().copied().min().unwrap_or(100);
    let root = dir.join("git");
    let stamp = format!("{} terms {terms}", content_stamp(posts, s));
    let stamp_path = dir.join("git.stamp");
    if fs::read_to_string(&stamp_path).ok().as_deref() != Some(stamp.as_str()) {
        progress("creating the git repository (once)");
        let _ = fs::remove_file(&stamp_path);
        if root.exists() {
            fs::remove_dir_all(&root).map_err(|e| e.to_string())?;
        }
        corpus::link_tree(&dir.join("source/content"), &root.join("content"))
            .and_then(|()| corpus::write_policies(&root, terms))
            .map_err(|e| format!("cannot prepare {}: {e}", root.display()))?;
        let git = |args: &[&str]| -> Result<(), String> {
            let out = Command::new("git")
                .args([
                    "-c",
                    "user.name=bench",
                    "-c",
                    "user.email=bench@example.com",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .current_dir(&root)
                .output()
                .map_err(|e| format!("cannot run git: {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "git {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        };
        git(&["init", "-q", "-b", "main"])?;
        git(&["add", "-A"])?;
        git(&["commit", "-q", "-m", "base"])?;
        git(&["checkout", "-q", "-b", "change"])?;
        // Edit one clean LF post: a new first paragraph. The file is replaced,
        // not written through, because its other names are hard links.
        let planted: std::collections::HashSet<String> =
            fs::read_to_string(dir.join("content.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<Content>(&t).ok())
                .map(|c| c.plants.into_iter().map(|p| p.path).collect())
                .unwrap_or_default();
        let (path, text) = walkdir::WalkDir::new(root.join("content/posts"))
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&root)
                    .map(|r| r.to_string_lossy().replace('\\', "/"));
                rel.is_ok_and(|r| !planted.contains(&r))
            })
            .find_map(|e| {
                let text = fs::read_to_string(e.path()).ok()?;
                (!text.contains('\r')).then(|| (e.into_path(), text))
            })
            .ok_or("no post to edit")?;
        let body = text
            .match_indices("---\n")
            .nth(1)
            .map(|(i, _)| i + 4)
            .ok_or("no front matter")?;
        let edited = format!(
            "{}Updated with one more tip from the comments.\n\n{}",
            &text[..body],
            &text[body..]
        );
        fs::remove_file(&path)
            .and_then(|()| fs::write(&path, edited))
            .map_err(|e| e.to_string())?;
        git(&["commit", "-q", "-a", "-m", "edit one post"])?;
        fs::write(&stamp_path, &stamp).map_err(|e| e.to_string())?;
    }
    let bytes = dir_bytes(&root.join("content/posts"));
    let base = Row::unmeasured(posts, terms, bytes, s.runs);
    let tag = dir.join("git");
    let mut rows = Vec::new();
    for (tool, with_base) in [("check:git", false), ("check:base", true)] {
        let (m, _, stderr) = repeat(
            s.runs,
            &tag,
            tool.trim_start_matches("check:"),
            None,
            || {},
            || {
                let mut c = Command::new(&s.exe);
                c.args(["check", "--format", "json", "--now", corpus::NOW, "--root"])
                    .arg(&root)
                    .env("NO_COLOR", "1");
                if with_base {
                    c.args(["--base", "main"]);
                }
                c
            },
        )?;
        let mut row = fill_row(
            &base,
            if with_base {
                "check --base"
            } else {
                "check (git)"
            },
            &m,
            s.runs,
        );
        row.note = match m.code {
            Some(0 | 1) if with_base => "branch `change` edits one post; --base main".into(),
            Some(0 | 1) => "same git repository, without --base".into(),
            code => format!("failed (exit {code:?}): {}", first_line(&stderr)),
        };
        rows.push(row);
    }
    Ok(rows)
}

fn dir_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn measure_rg(
    s: &Settings,
    root: &Path,
    tag: &Path,
    base: &Row,
    terms: usize,
) -> Result<Row, String> {
    let terms_file = tag.with_extension("txt");
    let (m, stdout, stderr) = repeat(
        s.runs,
        tag,
        "rg",
        None,
        || {},
        || {
            let mut c = Command::new("rg");
            // Whole words, case-insensitive, fixed strings; --no-ignore because
            // target/ is git-ignored; -c: a count per file.
            c.args(["--no-ignore", "--hidden", "-i", "-w", "-F", "-c", "-f"])
                .arg(&terms_file)
                .arg(root.join("content/posts"));
            c
        },
    )?;
    let mut row = fill_row(base, "rg", &m, s.runs);
    row.note = match m.code {
        Some(0 | 1) => {
            let said = fs::read_to_string(&stdout).unwrap_or_default();
            let lines: u64 = said
                .lines()
                .filter_map(|l| l.rsplit(':').next()?.parse::<u64>().ok())
                .sum();
            format!(
                "{lines} matching lines, {} terms",
                corpus::spellings(terms).len()
            )
        }
        code => format!("failed (exit {code:?}): {}", first_line(&stderr)),
    };
    Ok(row)
}

fn measure_gitleaks(
    s: &Settings,
    root: &Path,
    tag: &Path,
    base: &Row,
    terms: usize,
) -> Result<Row, String> {
    let config = tag.with_extension("gitleaks.toml");
    let report = tag.with_extension("gitleaks.json");
    let posts = root.join("content/posts");
    let has_dir = Command::new("gitleaks")
        .args(["dir", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    let (m, _, stderr) = repeat(
        1,
        tag,
        "gitleaks",
        Some(s.gitleaks_timeout),
        || {},
        || {
            let mut c = Command::new("gitleaks");
            if has_dir {
                c.arg("dir").arg(&posts);
            } else {
                c.args(["detect", "--no-git", "--source"]).arg(&posts);
            }
            c.arg("--config")
                .arg(&config)
                .args([
                    "--no-banner",
                    "--exit-code",
                    "0",
                    "--report-format",
                    "json",
                    "--report-path",
                ])
                .arg(&report);
            c
        },
    )?;
    let mut row = fill_row(base, "gitleaks", &m, 1);
    row.note = if m.timed_out {
        format!("stopped after {} s", s.gitleaks_timeout.as_secs())
    } else if m.code == Some(0) {
        format!("{} rules", corpus::spellings(terms).len())
    } else {
        format!("failed (exit {:?}): {}", m.code, first_line(&stderr))
    };
    Ok(row)
}

/// One custom rule per term: case-insensitive, whole word, separators as
/// any white space; the term itself as the keyword gitleaks pre-filters on.
fn gitleaks_config(spellings: &[String]) -> String {
    let mut out = String::from(
        "# Generated by `cargo xtask bench`: one rule per term.\ntitle = \"onmessage-bench\"\n",
    );
    for (i, term) in spellings.iter().enumerate() {
        let pattern: Vec<String> = term.split_whitespace().map(regex::escape).collect();
        let _ = write!(
            out,
            "\n[[rules]]\nid = \"term-{i}\"\ndescription = \"term {i}\"\nregex = '''(?i)\\b{}\\b'''\nkeywords = [\"{}\"]\n",
            pattern.join(r"\s+"),
            term.to_lowercase()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        );
    }
    out
}

fn first_line(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn find<'a>(rows: &'a [Row], posts: usize, terms: usize, tool: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.posts == posts && r.terms == terms && r.tool == tool)
}

/// The targets of the benchmark, for the sizes and term counts measured.
fn targets(rows: &[Row], s: &Settings) -> Vec<Target> {
    let mut out = Vec::new();
    let few = s.terms.iter().copied().min().unwrap_or(0);
    let many = s.terms.iter().copied().max().unwrap_or(0);
    let largest = s.sizes.iter().copied().max().unwrap_or(0);
    let x = |v: f64| format!("{v:.2}x");
    for &posts in &s.sizes {
        let wall = |terms, tool| find(rows, posts, terms, tool).and_then(|r| r.wall_s);
        // CPU time (user + system) beside wall time: on a machine shared
        // with other work, wall time also measures the neighbours.
        let cpu =
            |terms, tool| find(rows, posts, terms, tool).and_then(|r| Some(r.user_s? + r.sys_s?));
        let both = |r: f64, c: Option<f64>| match c {
            Some(c) => format!("{} (CPU {})", x(r), x(c)),
            None => x(r),
        };
        if let Some(r) = ratio(wall(few, "check"), wall(few, "rg")) {
            out.push(Target {
                name: format!("check / rg, {posts} posts, {few} terms"),
                value: both(r, ratio(cpu(few, "check"), cpu(few, "rg"))),
                limit: "<= 2x".into(),
                holds: r <= 2.0,
            });
        }
        if many != few
            && let Some(r) = ratio(wall(many, "check"), wall(many, "rg"))
        {
            out.push(Target {
                name: format!("check / rg, {posts} posts, {many} terms"),
                value: both(r, ratio(cpu(many, "check"), cpu(many, "rg"))),
                limit: "< 1x".into(),
                holds: r < 1.0,
            });
        }
        if many != few
            && let Some(r) = ratio(wall(many, "check"), wall(few, "check"))
        {
            out.push(Target {
                name: format!("check {many} terms / {few} terms, {posts} posts"),
                value: both(r, ratio(cpu(many, "check"), cpu(few, "check"))),
                limit: "<= 1.3x".into(),
                holds: r <= 1.3,
            });
        }
        for &terms in &s.terms {
            if let Some(r) = ratio(wall(terms, "gitleaks"), wall(terms, "check")) {
                let timed_out = find(rows, posts, terms, "gitleaks").is_some_and(|r| r.timed_out);
                out.push(Target {
                    name: format!("gitleaks / check, {posts} posts, {terms} terms"),
                    value: format!("{}{}", if timed_out { "> " } else { "" }, x(r)),
                    limit: ">= 5x".into(),
                    holds: r >= 5.0,
                });
            }
        }
    }
    let mut sizes = s.sizes.clone();
    sizes.sort_unstable();
    if let [.., smaller, larger] = sizes[..] {
        for &terms in &s.terms {
            let per_post = |n, cpu: bool| {
                find(rows, n, terms, "check")
                    .and_then(|r| {
                        if cpu {
                            Some(r.user_s? + r.sys_s?)
                        } else {
                            r.wall_s
                        }
                    })
                    .map(|w| w / n as f64)
            };
            if let Some(r) = ratio(per_post(larger, false), per_post(smaller, false)) {
                let c = ratio(per_post(larger, true), per_post(smaller, true));
                out.push(Target {
                    name: format!("check time per post, {larger} / {smaller} posts, {terms} terms"),
                    value: c.map_or(x(r), |c| format!("{} (CPU {})", x(r), x(c))),
                    limit: "<= 1.2x (linear)".into(),
                    holds: r <= 1.2,
                });
            }
        }
    }
    for &terms in &s.terms {
        for tool in ["check", "publish"] {
            if let Some(rss) = find(rows, largest, terms, tool).and_then(|r| r.peak_rss_mb)
                && largest >= 100_000
            {
                out.push(Target {
                    name: format!("{tool} peak RSS, {largest} posts, {terms} terms"),
                    value: format!("{rss:.0} MB"),
                    limit: "<= 300 MB".into(),
                    holds: rss <= 300.0,
                });
            }
        }
        let wall = |tool| find(rows, largest, terms, tool).and_then(|r| r.wall_s);
        let cpu = |tool| find(rows, largest, terms, tool).and_then(|r| Some(r.user_s? + r.sys_s?));
        if let Some(r) = ratio(wall("publish"), wall("check")) {
            let c = ratio(cpu("publish"), cpu("check"));
            out.push(Target {
                name: format!("publish / check, {largest} posts, {terms} terms"),
                value: c.map_or(x(r), |c| format!("{} (CPU {})", x(r), x(c))),
                limit: "<= 2x".into(),
                holds: r <= 2.0,
            });
        }
    }
    let plain = rows.iter().find(|r| r.tool == "check (git)");
    let based = rows.iter().find(|r| r.tool == "check --base");
    if let (Some(plain), Some(based)) = (plain, based)
        && let Some(r) = ratio(based.wall_s, plain.wall_s)
    {
        out.push(Target {
            name: format!(
                "check --base (1 post changed) / check, {} posts",
                based.posts
            ),
            value: x(r),
            limit: "<= 1.2x (history cost follows the change)".into(),
            holds: r <= 1.2,
        });
    }
    for row in rows.iter().filter(|r| r.tool == "check") {
        let (Some(planted), Some(found), Some(extra)) = (row.planted, row.found, row.extra_errors)
        else {
            out.push(Target {
                name: format!("recall, {} posts, {} terms", row.posts, row.terms),
                value: "no report".into(),
                limit: "all found, no other error".into(),
                holds: false,
            });
            continue;
        };
        out.push(Target {
            name: format!("recall, {} posts, {} terms", row.posts, row.terms),
            value: format!("{found}/{planted} found, {extra} other errors"),
            limit: "all found, no other error".into(),
            holds: found == planted && extra == 0,
        });
    }
    out
}

fn render_table(rows: &[Row], targets: &[Target], floor: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>7} {:>6} {:>6}  {:<12} {:>9} {:>7} {:>9} {:>7} {:>8} {:>8} {:>6}  notes",
        "posts",
        "terms",
        "MB",
        "tool",
        "wall s",
        "CPU s",
        "posts/s",
        "MB/s",
        "RSS MB",
        "found",
        "vs rg",
    );
    for r in rows {
        let wall = match (r.wall_s, r.timed_out) {
            (Some(w), true) => format!("> {w:.0}"),
            (Some(w), false) => format!("{w:.3}"),
            (None, _) => "-".into(),
        };
        let opt = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
        let found = match (r.found, r.planted) {
            (Some(f), Some(p)) => format!("{f}/{p}"),
            _ => "-".into(),
        };
        let mut notes = r.note.clone();
        if let (Some(e), Some(w)) = (r.extra_errors, r.extra_warnings) {
            notes = format!(
                "{e} other errors, {w} other warnings{}",
                if notes.is_empty() {
                    String::new()
                } else {
                    format!("; {notes}")
                }
            );
        }
        let _ = writeln!(
            out,
            "{:>7} {:>6} {:>6.1}  {:<12} {:>9} {:>7} {:>9} {:>7} {:>8} {:>8} {:>6}  {}",
            r.posts,
            r.terms,
            r.bytes as f64 / 1e6,
            r.tool,
            wall,
            match (r.user_s, r.sys_s) {
                (Some(u), Some(s)) => format!("{:.2}", u + s),
                _ => "-".into(),
            },
            opt(r.posts_per_s, 0),
            opt(r.mb_per_s, 1),
            opt(r.peak_rss_mb, 1),
            found,
            r.vs_rg.map_or("-".into(), |v| format!("{v:.2}x")),
            notes
        );
    }
    let _ = writeln!(
        out,
        "\nwall: fastest of the runs; CPU: user + system time of that run; RSS: highest peak resident set of the runs\n(the floor of this measurement is {:.1} MB); MB = 10^6 bytes; vs rg: wall time over ripgrep's on the same files and terms.\n",
        mb(floor)
    );
    let _ = writeln!(out, "targets:");
    for t in targets {
        let _ = writeln!(
            out,
            "  {:<4} {:<52} {:>30}  (target {})",
            if t.holds { "ok" } else { "MISS" },
            t.name,
            t.value,
            t.limit
        );
    }
    out
}
