//! The command line: parse arguments, run one command, map the outcome to an
//! exit code (0: no error findings; 1: error findings, or warnings under
//! `--deny warnings`; 2: the command could not run).

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;
use onmessage_engine::check::{Checked, Report};
use onmessage_engine::render::comment::Preview;
use onmessage_engine::render::{self, human::Style};
use onmessage_engine::review::Impact;
use onmessage_engine::rules::{self, builtin};

use crate::check::{self, ImageCache, Rayon, find_root, load_setup};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "OnMessage: check suggested posts against the social media policy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every post against the policy and the release calendar.
    Check(CheckArgs),
    /// Start a new post: content/posts/YYYY/MM/<slug>.md with valid front matter.
    New(NewArgs),
    /// Publish the posts that may be shared now as the advocacy feed and hub.
    Publish(crate::publish::PublishArgs),
    /// Measure check and publish on generated repositories (1k-100k posts) against ripgrep and gitleaks.
    ///
    /// Builds the release binaries and runs `onmessage-bench` (its own crate,
    /// never part of this binary) with these arguments; `--help` after
    /// `bench` lists them.
    #[command(disable_help_flag = true)]
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The pull request comment, in Markdown: the findings with each failing
    /// rule's explanation, then every changed post (drafts included) as each
    /// network will show it. Without --base, every post.
    Preview(PreviewArgs),
    /// Write the communications register (every approval, from git history) to stdout.
    Register(crate::register::RegisterArgs),
    /// Explain a rule: why it exists and how to fix a post. Without RULE, list every rule.
    Explain {
        /// A rule id, such as product.codename or confidential.financials.
        rule: Option<String>,
        /// The repository (default: the nearest directory above that holds policies/policy.yaml).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Run the language server (LSP 3.17 over stdin and stdout) for editors.
    Lsp(crate::lsp::LspArgs),
}

#[derive(clap::Args)]
struct PreviewArgs {
    /// The repository (default: the nearest directory above that holds policies/policy.yaml).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The current moment, RFC 3339 (default: the clock).
    #[arg(long)]
    now: Option<String>,
    /// Preview the posts changed since the merge base of REV and HEAD.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Check only these posts (files under content/posts/), for example the
    /// ones a commit stages. Default: every post.
    paths: Vec<PathBuf>,
    /// The repository (default: the nearest directory above that holds policies/policy.yaml).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The current moment, RFC 3339 (default: the clock). Posts are judged at
    /// their own publish_at; with --base, history is judged at this moment.
    #[arg(long)]
    now: Option<String>,
    /// Review a change: compare with the merge base of REV and HEAD (for
    /// example origin/main). Only changed posts can fail; every commit's added
    /// lines are scanned; a policy change reports its impact.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also fail on warnings.
    #[arg(long, value_enum)]
    deny: Option<Deny>,
}

#[derive(clap::Args)]
struct NewArgs {
    /// The post's internal title; the file name is made from it.
    title: String,
    /// Networks to write for (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "linkedin")]
    platform: Vec<onmessage_engine::platform::Platform>,
    /// Product ids from policies/calendar.yaml that the post is about.
    #[arg(long, value_delimiter = ',')]
    product: Vec<String>,
    /// Who should share it (default: everyone).
    #[arg(long, value_delimiter = ',')]
    audience: Vec<String>,
    /// When it may be shared: RFC 3339 or a date (default: tomorrow 09:00 in the
    /// company's time zone, or the products' announcement if that is later).
    #[arg(long)]
    publish_at: Option<String>,
    /// The repository (default: the nearest directory above that holds policies/policy.yaml).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The current moment, RFC 3339 (default: the clock).
    #[arg(long)]
    now: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    /// GitHub Actions annotations, and a job summary in $GITHUB_STEP_SUMMARY.
    Github,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum Deny {
    Warnings,
}

const EXIT_FINDINGS: u8 = 1;
const EXIT_CANNOT_RUN: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_CANNOT_RUN } else { 0 });
        }
    };
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Preview(args) => run_preview(args),
        Command::New(args) => run_new(args),
        Command::Bench { args } => run_bench(&args),
        Command::Publish(args) => crate::publish::run_cli(args),
        Command::Register(args) => run_register(args),
        Command::Explain { rule, root } => run_explain(rule.as_deref(), root),
        Command::Lsp(args) => crate::lsp::run(args),
    }
}

fn style_for(stream: &impl IsTerminal) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Style {
        color: stream.is_terminal() && !no_color,
    }
}

fn resolve_root(root: Option<PathBuf>) -> Result<PathBuf, String> {
    match root {
        Some(root) => Ok(root),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?;
            find_root(&cwd).ok_or_else(|| {
                format!("not an OnMessage repository: no policies/policy.yaml in {} or above (use --root)", cwd.display())
            })
        }
    }
}

/// The policy or calendar is invalid: say where, and exit 2.
fn config_errors(errors: &[onmessage_engine::config::ConfigError]) -> ExitCode {
    let style = style_for(&std::io::stderr());
    let _ = write!(
        std::io::stderr(),
        "{}",
        render::human::render_config_errors(errors, style)
    );
    ExitCode::from(EXIT_CANNOT_RUN)
}

/// What the policy accepts but probably does not mean, on stderr.
fn config_warnings(policy: &onmessage_engine::policy::Policy) {
    if policy.warnings.is_empty() {
        return;
    }
    let style = style_for(&std::io::stderr());
    let _ = write!(
        std::io::stderr(),
        "{}",
        render::human::render_config_warnings(&policy.warnings, style)
    );
}

fn cannot_run(message: &str) -> ExitCode {
    let style = style_for(&std::io::stderr());
    let _ = write!(
        std::io::stderr(),
        "{}",
        render::human::render_error(message, style)
    );
    ExitCode::from(EXIT_CANNOT_RUN)
}

/// A check, reviewed against `--base` when given.
struct Reviewed {
    checked: Checked,
    impact: Option<Impact>,
    /// With `--base`: the files the change touched.
    changed: Option<BTreeSet<String>>,
}

/// Runs the check under `root`; with `base`, reviews it as a change. Every
/// post is kept when `keep_all` (a preview needs them); a review keeps the
/// posts the change touched.
fn reviewed_check(
    root: &Path,
    now: Timestamp,
    base: Option<&str>,
    only: Option<&BTreeSet<String>>,
    keep_all: bool,
) -> Result<Reviewed, ExitCode> {
    let comparison = base.map(|rev| crate::git::compare(root, rev));
    // A plain check needs only the report. A review looks again at the
    // posts the change touched, and at every post when it changes the
    // policy (to say what the change does to them).
    let to_review = match &comparison {
        Some(Ok(comparison)) => Some(comparison.posts_to_review()),
        _ => None,
    };
    let keep = |path: &str| match &to_review {
        _ if keep_all => true,
        None => false,
        Some(None) => true,
        Some(Some(paths)) => paths.contains(path),
    };
    let mut checked = check::run_keeping(root, only, &keep, rules::JudgedAt::PublishAt)
        .map_err(|e| config_errors(&e))?;
    let (impact, changed) = match &comparison {
        None => (None, None),
        Some(Err(e)) => return Err(cannot_run(e)),
        Some(Ok(comparison)) => (
            onmessage_engine::review::review(
                &mut checked,
                comparison,
                now,
                &ImageCache::new(root),
                &Rayon,
            ),
            Some(comparison.changed.clone()),
        ),
    };
    Ok(Reviewed {
        checked,
        impact,
        changed,
    })
}

/// `--now`, or the clock.
fn now_or_clock(now: Option<&str>) -> Result<Timestamp, ExitCode> {
    match now.map(onmessage_engine::time::parse_now).transpose() {
        Ok(now) => Ok(now.unwrap_or_else(Timestamp::now)),
        Err(e) => Err(cannot_run(&e)),
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    let now = match now_or_clock(args.now.as_deref()) {
        Ok(now) => now,
        Err(code) => return code,
    };
    let root = match resolve_root(args.root) {
        Ok(root) => root,
        Err(e) => return cannot_run(&e),
    };
    let only = match (
        args.paths.is_empty(),
        check::named_posts(&root, &args.paths),
    ) {
        (true, _) => None,
        (false, Ok(only)) => Some(only),
        (false, Err(e)) => return cannot_run(&e),
    };
    let reviewed = match reviewed_check(&root, now, args.base.as_deref(), only.as_ref(), false) {
        Ok(reviewed) => reviewed,
        Err(code) => return code,
    };
    config_warnings(&reviewed.checked.setup.policy);
    let report = &reviewed.checked.report;
    let impact = reviewed.impact.as_ref();
    let text = match args.format {
        Format::Human => render::human::render(report, impact, style_for(&std::io::stdout())),
        Format::Json => render::json::render(report, impact),
        Format::Sarif => {
            render::sarif::render(report, &rules::catalog(&reviewed.checked.setup.policy))
        }
        Format::Github => {
            if let Err(e) = write_step_summary(report, impact) {
                return cannot_run(&e);
            }
            let summary = render::human::summary_line(report, Style { color: false });
            format!("{}{summary}", render::github::annotations(report))
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    findings_exit(report, args.deny.is_some())
}

fn findings_exit(report: &Report, deny_warnings: bool) -> ExitCode {
    if report.fails(deny_warnings) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_preview(args: PreviewArgs) -> ExitCode {
    let now = match now_or_clock(args.now.as_deref()) {
        Ok(now) => now,
        Err(code) => return code,
    };
    let root = match resolve_root(args.root) {
        Ok(root) => root,
        Err(e) => return cannot_run(&e),
    };
    let reviewed = match reviewed_check(&root, now, args.base.as_deref(), None, true) {
        Ok(reviewed) => reviewed,
        Err(code) => return code,
    };
    let Reviewed {
        checked,
        impact,
        changed,
    } = &reviewed;
    let shown = checked
        .posts
        .iter()
        .filter(|post| changed.as_ref().is_none_or(|c| c.contains(&post.path)));
    let previews: Vec<Preview> = shown
        .map(|post| onmessage_feed::preview::preview(&checked.setup.policy, post, now))
        .collect();
    let text = render::comment::render(
        &checked.report,
        impact.as_ref(),
        &rules::catalog(&checked.setup.policy),
        &previews,
        &blob_links(),
    );
    let _ = std::io::stdout().write_all(text.as_bytes());
    findings_exit(&checked.report, false)
}

fn run_register(args: crate::register::RegisterArgs) -> ExitCode {
    let now = match now_or_clock(args.now.as_deref()) {
        Ok(now) => now,
        Err(code) => return code,
    };
    let root = match resolve_root(args.root) {
        Ok(root) => root,
        Err(e) => return cannot_run(&e),
    };
    let rows = match crate::register::build(&root, now) {
        Ok(rows) => rows,
        Err(e) => return cannot_run(&e),
    };
    let text = match args.format {
        crate::register::Format::Json => onmessage_engine::register::render_json(&rows),
        crate::register::Format::Csv => onmessage_engine::register::render_csv(&rows),
    };
    match std::io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cannot_run(&format!("cannot write the register: {e}")),
    }
}

fn run_new(args: NewArgs) -> ExitCode {
    let root = match resolve_root(args.root) {
        Ok(root) => root,
        Err(e) => return cannot_run(&e),
    };
    let setup = match load_setup(&root) {
        Ok(setup) => setup,
        Err(errors) => return config_errors(&errors),
    };
    let policy = &setup.policy;
    config_warnings(policy);
    let now = match args
        .now
        .as_deref()
        .map(onmessage_engine::time::parse_now)
        .transpose()
    {
        Ok(now) => now.unwrap_or_else(jiff::Timestamp::now),
        Err(e) => return cannot_run(&e),
    };
    let publish_at = match &args.publish_at {
        Some(text) => {
            match onmessage_engine::time::parse_moment(
                text,
                &policy.timezone,
                onmessage_engine::time::DayBound::Start,
            ) {
                Ok(at) => at,
                Err(_) => {
                    return cannot_run(&format!(
                        "--publish-at `{text}` is not a date or date-time: write {}",
                        onmessage_engine::schema::DATE_FORMS
                    ));
                }
            }
        }
        // Tomorrow morning, or the latest announcement of its products if later.
        None => match tomorrow_morning(now, &policy.timezone) {
            Ok(at) => args
                .product
                .iter()
                .filter_map(|id| setup.calendar.product(id)?.announce_at)
                .fold(at, Ord::max),
            Err(e) => return cannot_run(&e),
        },
    };
    if onmessage_engine::scaffold::slug(&args.title).is_empty() {
        return cannot_run("the title needs letters or digits to make a file name from");
    }
    let author = author_name(&root);
    let disclosure = policy
        .disclosure
        .as_ref()
        .and_then(|d| d.accepted.first())
        .map(String::as_str);
    let new_post = onmessage_engine::scaffold::NewPost {
        title: &args.title,
        author: &author,
        platforms: &args.platform,
        products: &args.product,
        audiences: &args.audience,
        publish_at,
        disclosure,
    };
    let problems =
        onmessage_engine::scaffold::problems(&new_post, &setup.calendar, now, &policy.timezone);
    if !problems.is_empty() {
        let style = style_for(&std::io::stderr());
        for problem in &problems {
            let _ = write!(
                std::io::stderr(),
                "{}",
                render::human::render_error(problem, style)
            );
        }
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    let relative = onmessage_engine::scaffold::path(&new_post, &policy.timezone);
    let path = root.join(&relative);
    if let Some(dir) = path.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return cannot_run(&format!("cannot create {}: {e}", dir.display()));
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let written = file.and_then(|mut f| {
        f.write_all(onmessage_engine::scaffold::render(&new_post, &policy.timezone).as_bytes())
    });
    match written {
        Ok(()) => {
            println!("Created {relative}");
            println!(
                "Next: write the copy (and a `## <platform>` section where a network needs its own), then run `cargo xtask check`."
            );
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => cannot_run(&format!(
            "{relative} already exists; choose another title or edit that post"
        )),
        Err(e) => cannot_run(&format!("cannot write {relative}: {e}")),
    }
}

/// 09:00 tomorrow in the company's time zone.
fn tomorrow_morning(
    now: jiff::Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<jiff::Timestamp, String> {
    let today = now.to_zoned_datetime(tz.clone()).date();
    today
        .tomorrow()
        .and_then(|d| d.at(9, 0, 0, 0).to_zoned_datetime(tz.clone()))
        .map(|z| z.timestamp())
        .map_err(|e| format!("cannot compute tomorrow's date: {e}"))
}

/// The author for a new post: git's user.email before the @, else $USER.
fn author_name(root: &std::path::Path) -> String {
    let from_git = git2::Repository::discover(root)
        .ok()
        .and_then(|repo| repo.config().ok())
        .and_then(|config| config.get_string("user.email").ok())
        .and_then(|email| email.split('@').next().map(str::to_string))
        .filter(|name| !name.is_empty());
    from_git
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Appends the Markdown job summary to `$GITHUB_STEP_SUMMARY`, when set.
/// Links to the files on GitHub, when running in GitHub Actions.
fn blob_links() -> render::github::Links {
    let blob_base = match (
        std::env::var("GITHUB_SERVER_URL"),
        std::env::var("GITHUB_REPOSITORY"),
        std::env::var("GITHUB_SHA"),
    ) {
        (Ok(server), Ok(repo), Ok(sha)) => Some(format!("{server}/{repo}/blob/{sha}/")),
        _ => None,
    };
    render::github::Links { blob_base }
}

fn write_step_summary(report: &Report, impact: Option<&Impact>) -> Result<(), String> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let text = render::github::summary(report, impact, &blob_links());
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| {
            format!(
                "cannot write the job summary to {}: {e}",
                PathBuf::from(path).display()
            )
        })
}

fn run_explain(rule: Option<&str>, root: Option<PathBuf>) -> ExitCode {
    // Built-in rules explain themselves without a repository; policy rules need it.
    let setup = resolve_root(root)
        .ok()
        .and_then(|root| load_setup(&root).ok());
    let policy = setup.as_ref().map(|s| &s.policy);
    let mut out = String::new();
    match rule {
        None => {
            out.push_str("Built-in rules:\n");
            for b in builtin::BUILTINS {
                out.push_str(&format!(
                    "  {:<24} {:<8} {}\n",
                    b.id,
                    b.severity.as_str(),
                    b.summary
                ));
            }
            match policy {
                Some(policy) => {
                    out.push_str("\nPolicy rules (policies/policy.yaml):\n");
                    for r in &policy.rules {
                        out.push_str(&format!("  {:<24} {:<8} {}\n", r.id, r.severity.as_str(), r.message));
                    }
                }
                None => out.push_str("\n(The policy's own rules are listed when run inside a repository with a valid policy.)\n"),
            }
            out.push_str(
                "\nRun `cargo xtask explain RULE` for why a rule exists and how to fix a post.\n",
            );
        }
        Some(id) => {
            if let Some(b) = builtin::find(id) {
                out.push_str(&format!(
                    "{} ({}, built-in): {}\n\n{}\n",
                    b.id,
                    b.severity.as_str(),
                    b.summary,
                    b.explain.trim_end()
                ));
            } else if let Some((policy, r)) = policy.and_then(|p| Some((p, p.rule(id)?))) {
                out.push_str(&format!(
                    "{} ({}, category {}): {}\n\n{}\n",
                    r.id,
                    r.severity.as_str(),
                    r.category,
                    r.message,
                    r.explain.trim_end()
                ));
                if let Some(help) = &r.help {
                    out.push_str(&format!("\nHow to fix: {help}\n"));
                }
                out.push_str(&onmessage_engine::rules::scoped::describe(
                    r,
                    &policy.timezone,
                ));
            } else {
                let near = match policy {
                    Some(policy) => onmessage_engine::suggest::closest(id, rules::rule_ids(policy)),
                    None => onmessage_engine::suggest::closest(
                        id,
                        builtin::BUILTINS.iter().map(|b| b.id),
                    ),
                };
                return cannot_run(&match near {
                    Some(near) => format!(
                        "no rule `{id}`; did you mean `{near}`? (`cargo xtask explain {near}`)"
                    ),
                    None => format!("no rule `{id}`; run `cargo xtask explain` to list the rules"),
                });
            }
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

/// `cargo xtask bench`: the benchmark is its own crate, so that neither its
/// generator nor its measuring code is in this binary. It is built in
/// release mode beside this binary's target directory, then run with the
/// arguments given and told which `xtask` to measure.
fn run_bench(args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = std::process::Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "xtask",
            "-p",
            "onmessage-bench",
        ])
        .status();
    match built {
        Ok(status) if status.success() => {}
        Ok(_) => return cannot_run("building the benchmark failed (see above)"),
        Err(e) => return cannot_run(&format!("cannot run cargo: {e}")),
    }
    // This binary is target/<profile>/xtask: the release build is a sibling.
    let release = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("release")))
        .unwrap_or_else(|| PathBuf::from("target/release"));
    let status = std::process::Command::new(release.join("onmessage-bench"))
        .arg("--xtask")
        .arg(release.join("xtask"))
        .args(args)
        .status();
    match status {
        Ok(status) => ExitCode::from(status.code().map_or(EXIT_CANNOT_RUN, |c| c as u8)),
        Err(e) => cannot_run(&format!("cannot run the benchmark: {e}")),
    }
}
