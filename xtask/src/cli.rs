//! The command line: parse arguments, run one command, map the outcome to an
//! exit code (0: no error findings; 1: error findings, or warnings under
//! `--deny warnings`; 2: the command could not run).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{self, Setup, find_root};
use crate::render::{self, human::Style};
use crate::rules::{self, builtin};

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
    /// Publish the posts that may be shared now as the advocacy feed and hub.
    Publish(crate::publish::PublishArgs),
    /// Explain a rule: why it exists and how to fix a post. Without RULE, list every rule.
    Explain {
        /// A rule id, such as product.codename or confidential.financials.
        rule: Option<String>,
        /// The repository (default: the nearest directory above that holds policies/policy.yaml).
        #[arg(long)]
        root: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The repository (default: the nearest directory above that holds policies/policy.yaml).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The current moment, RFC 3339 (default: the clock). Posts are judged at their own publish_at.
    #[arg(long)]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also fail on warnings.
    #[arg(long, value_enum)]
    deny: Option<Deny>,
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
        Command::Publish(args) => crate::publish::run_cli(args),
        Command::Explain { rule, root } => run_explain(rule.as_deref(), root),
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

fn cannot_run(message: &str) -> ExitCode {
    let style = style_for(&std::io::stderr());
    let _ = write!(
        std::io::stderr(),
        "{}",
        render::human::render_error(message, style)
    );
    ExitCode::from(EXIT_CANNOT_RUN)
}

fn run_check(args: CheckArgs) -> ExitCode {
    if let Some(now) = &args.now
        && let Err(e) = crate::time::parse_now(now)
    {
        return cannot_run(&e);
    }
    let root = match resolve_root(args.root) {
        Ok(root) => root,
        Err(e) => return cannot_run(&e),
    };
    let checked = match check::run(&root) {
        Ok(checked) => checked,
        Err(errors) => {
            let _ = write!(
                std::io::stderr(),
                "{}",
                render::human::render_config_errors(&errors, style_for(&std::io::stderr()))
            );
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    let report = &checked.report;
    let text = match args.format {
        Format::Human => render::human::render(report, style_for(&std::io::stdout())),
        Format::Json => render::json::render(report),
        Format::Sarif => render::sarif::render(report, &rules::catalog(&checked.setup.policy)),
        Format::Github => {
            if let Err(e) = write_step_summary(report) {
                return cannot_run(&e);
            }
            let summary = render::human::summary_line(report, Style { color: false });
            format!("{}{summary}", render::github::annotations(report))
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    if report.fails(args.deny.is_some()) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Appends the Markdown job summary to `$GITHUB_STEP_SUMMARY`, when set.
fn write_step_summary(report: &check::Report) -> Result<(), String> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let blob_base = match (
        std::env::var("GITHUB_SERVER_URL"),
        std::env::var("GITHUB_REPOSITORY"),
        std::env::var("GITHUB_SHA"),
    ) {
        (Ok(server), Ok(repo), Ok(sha)) => Some(format!("{server}/{repo}/blob/{sha}/")),
        _ => None,
    };
    let text = render::github::summary(report, &render::github::Links { blob_base });
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
        .and_then(|root| Setup::load(&root).ok());
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
            } else if let Some(r) = policy.and_then(|p| p.rule(id)) {
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
            } else {
                return cannot_run(&format!(
                    "no rule `{id}`; run `cargo xtask explain` to list the rules"
                ));
            }
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    ExitCode::SUCCESS
}
