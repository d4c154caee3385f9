//! `--format github`: workflow commands that GitHub Actions turns into
//! annotations on the changed lines, and a Markdown job summary. GitHub shows
//! at most 10 error and 10 warning annotations per step, so the summary always
//! carries the complete table.

use std::fmt::Write;

use crate::check::Report;
use crate::finding::{Finding, Severity};
use crate::review::Impact;

/// Where the summary's links point: `https://github.com/<repo>/blob/<sha>/`.
pub struct Links {
    pub blob_base: Option<String>,
}

pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match (f.severity, f.suppressed || f.pre_existing) {
            (_, true) | (Severity::Info, _) => "notice",
            (Severity::Error, false) => "error",
            (Severity::Warning, false) => "warning",
        };
        let r = f.region;
        // GitHub's endColumn is inclusive.
        let end_column = if r.end_line == r.line {
            r.end_column.saturating_sub(1).max(r.column)
        } else {
            r.end_column
        };
        let title = match (f.suppressed, f.pre_existing) {
            (true, _) => format!("{} (allowed)", f.rule),
            (_, true) => format!("{} (pre-existing)", f.rule),
            _ => f.rule.clone(),
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={end_column},title={}::{}",
            property(&f.path),
            r.line,
            r.column,
            r.end_line,
            property(&title),
            data(&format!("{}\n{}", f.message, f.help)),
        );
    }
    out
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn summary(report: &Report, impact: Option<&Impact>, links: &Links) -> String {
    let s = report.summary();
    let mut out = String::new();
    let verdict = if report.fails(false) {
        "blocked"
    } else {
        "passed"
    };
    let _ = writeln!(out, "## OnMessage check: {verdict}\n");
    let _ = writeln!(
        out,
        "| posts | errors | warnings | suppressed |\n|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n",
        report.posts, s.errors, s.warnings, s.suppressed
    );
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
        if let Some(impact) = impact {
            impact_section(&mut out, impact);
        }
        return out;
    }
    out.push_str("| | rule | where | message | how to fix |\n|---|---|---|---|---|\n");
    for f in &report.findings {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            marker(f),
            f.rule,
            location(f, links),
            cell(&f.message),
            cell(&f.help)
        );
    }
    out.push_str("\nRun `cargo xtask explain RULE` to learn why a rule exists.\n");
    if let Some(impact) = impact {
        impact_section(&mut out, impact);
    }
    out
}

fn impact_section(out: &mut String, impact: &Impact) {
    let heading = super::impact_heading(impact);
    let mut chars = heading.chars();
    let first: String = chars
        .next()
        .into_iter()
        .flat_map(char::to_uppercase)
        .collect();
    let _ = writeln!(out, "\n### {first}{}\n", chars.as_str());
    if let Some(note) = &impact.note {
        let _ = writeln!(out, "{}\n", cell(note));
    }
    if impact.note.is_none() && impact.groups.is_empty() {
        out.push_str("No post changes verdict or publication date.\n");
    }
    for group in &impact.groups {
        let _ = writeln!(out, "#### {} ({})\n", cell(&group.entry), group.file);
        out.push_str(
            "| post | status | author | live since | what changes |\n|---|---|---|---|---|\n",
        );
        for post in &group.posts {
            let _ = writeln!(
                out,
                "| `{}` {} | {} | {} | {} | {} |",
                cell(&post.path),
                cell(&post.title),
                cell(&post.status),
                cell(&post.author),
                post.live_since
                    .as_deref()
                    .map_or("not live".to_string(), super::moment),
                cell(&super::effects(post).join("; "))
            );
        }
        out.push('\n');
    }
}

fn marker(f: &Finding) -> &'static str {
    match (f.suppressed, f.pre_existing, f.severity) {
        (true, _, _) => "allowed",
        (_, true, _) => "pre-existing",
        (_, _, Severity::Error) => "**error**",
        (_, _, Severity::Warning) => "warning",
        (_, _, Severity::Info) => "info",
    }
}

fn location(f: &Finding, links: &Links) -> String {
    let text = format!("{}:{}:{}", f.path, f.region.line, f.region.column);
    match &links.blob_base {
        Some(base) => format!("[{}]({base}{}#L{})", cell(&text), f.path, f.region.line),
        None => format!("`{}`", text.replace('`', "'")),
    }
}

/// A Markdown table cell: one line, pipes escaped, HTML neutralised.
pub(super) fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Region;

    fn finding(message: &str, path: &str) -> Finding {
        let region = Region {
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 11,
        };
        Finding::new(
            "tone.negative",
            Severity::Warning,
            path,
            region,
            message.to_string(),
            "fix, it".to_string(),
        )
    }

    #[test]
    fn hostile_messages_stay_on_one_line_and_properties_escape() {
        let report = Report {
            posts: 1,
            findings: vec![finding(
                "100% bad\nsecond line\r::error::injected",
                "content/a,b:c.md",
            )],
            ..Report::default()
        };
        let out = annotations(&report);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert_eq!(
            out,
            "::warning file=content/a%2Cb%3Ac.md,line=3,col=5,endLine=3,endColumn=10,title=tone.negative::100%25 bad%0Asecond line%0D::error::injected%0Afix, it\n"
        );
    }

    #[test]
    fn summary_cells_cannot_break_the_table() {
        let report = Report {
            posts: 1,
            findings: vec![finding("a | b\n<script>", "p.md")],
            ..Report::default()
        };
        let text = summary(
            &report,
            None,
            &Links {
                blob_base: Some("https://github.com/o/r/blob/abc/".into()),
            },
        );
        let row = text.lines().find(|l| l.contains("tone.negative")).unwrap();
        assert!(row.contains("a \\| b &lt;script&gt;"), "{row}");
        assert!(
            row.contains("[p.md:3:5](https://github.com/o/r/blob/abc/p.md#L3)"),
            "{row}"
        );
    }

    /// The impact is in the summary even when there is no finding (a
    /// calendar change that frees posts), grouped by the changed entry.
    #[test]
    fn the_impact_is_grouped_by_entry_and_shown_without_findings() {
        use crate::review::{Affected, Earliest, Group, Impact};
        let impact = Impact {
            changed: vec!["calendar"],
            groups: vec![Group {
                file: "calendar",
                entry: "product widget-pro".to_string(),
                posts: vec![Affected {
                    post: "launch".to_string(),
                    path: "content/posts/launch.md".to_string(),
                    title: "Launch | day".to_string(),
                    status: "approved".to_string(),
                    author: "jane".to_string(),
                    live_since: Some("2026-12-01T11:00:00-05:00".to_string()),
                    newly_blocked: Vec::new(),
                    newly_allowed: vec!["product.embargo".to_string()],
                    earliest: Some(Earliest {
                        before: Some("2027-01-15T11:00:00-05:00".to_string()),
                        after: Some("2026-12-01T11:00:00-05:00".to_string()),
                        needs_new_publish_at: false,
                    }),
                    feed: Some("enters"),
                }],
            }],
            note: None,
        };
        let text = summary(
            &Report::default(),
            Some(&impact),
            &Links { blob_base: None },
        );
        assert!(text.contains("No findings.\n\n### Impact of the calendar change\n\n#### product widget-pro (calendar)\n"), "{text}");
        assert!(
            text.contains("| `content/posts/launch.md` Launch \\| day | approved | jane | 2026-12-01 11:00 -05:00 | newly allowed: product.embargo; can go out at its publish_at again (earliest 2026-12-01 11:00 -05:00; was 2027-01-15 11:00 -05:00); enters the feed now |"),
            "{text}"
        );
    }
}
