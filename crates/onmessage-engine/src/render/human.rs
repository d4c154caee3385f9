//! Human output in the style of rustc: a header per finding, the location,
//! the source line with the span underlined, and help.

use std::fmt::Write;

use unicode_width::UnicodeWidthChar;

use crate::check::{Report, SourceFile};
use crate::config::ConfigError;
use crate::finding::{Finding, Severity};
use crate::review::Impact;

/// ANSI styling, or none.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(code, text)
    }
    fn frame(self, text: &str) -> String {
        self.paint("1;34", text)
    }
    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// The report, then the impact of a policy change when `--base` found one.
pub fn render(report: &Report, impact: Option<&Impact>, style: Style) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        finding_block(&mut out, finding, report.sources.get(&finding.path), style);
    }
    if let Some(impact) = impact {
        impact_section(&mut out, impact, style);
    }
    out.push_str(&summary_line(report, style));
    out
}

fn impact_section(out: &mut String, impact: &Impact, style: Style) {
    let heading = format!("{}:", super::impact_heading(impact));
    let _ = writeln!(out, "{}", style.bold(&heading));
    if let Some(note) = &impact.note {
        let _ = writeln!(out, "  {note}");
    }
    for group in &impact.groups {
        let _ = writeln!(out, "  {} ({}):", group.entry, group.file);
        for post in &group.posts {
            let _ = writeln!(out, "    {}", super::affected_post(post));
            for effect in super::effects(post) {
                let _ = writeln!(out, "      {effect}");
            }
        }
    }
    if impact.note.is_none() && impact.groups.is_empty() {
        let _ = writeln!(out, "  no post changes verdict or publication date");
    }
    out.push('\n');
}

/// `check: 10 posts, 1 error, 0 warnings, 0 suppressed`
pub fn summary_line(report: &Report, style: Style) -> String {
    let s = report.summary();
    format!(
        "{}: {} {}, {} {}, {} {}, {} suppressed\n",
        style.bold("check"),
        report.posts,
        plural(report.posts, "post", "posts"),
        s.errors,
        plural(s.errors, "error", "errors"),
        s.warnings,
        plural(s.warnings, "warning", "warnings"),
        s.suppressed,
    )
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn finding_block(out: &mut String, f: &Finding, source: Option<&SourceFile>, style: Style) {
    let header = format!("{}[{}]", f.severity.as_str(), f.rule);
    let _ = writeln!(
        out,
        "{}{}",
        style.severity(f.severity, &header),
        style.bold(&format!(": {}", f.message))
    );
    let r = f.region;
    let gutter = " ".repeat(r.line.to_string().len());
    let _ = writeln!(
        out,
        "{gutter}{} {}:{}:{}",
        style.frame("-->"),
        f.path,
        r.line,
        r.column
    );
    let line = f
        .snippet
        .as_deref()
        .or_else(|| source.map(|s| s.lines.line_text(&s.text, r.line)));
    if let Some(line) = line {
        let end_column = if r.end_line == r.line {
            r.end_column
        } else {
            line.chars().count() + 1
        };
        let (shown, pad, marks) = underline(line, r.column, end_column);
        let _ = writeln!(out, "{gutter} {}", style.frame("|"));
        let _ = writeln!(
            out,
            "{} {} {shown}",
            style.frame(&r.line.to_string()),
            style.frame("|")
        );
        let caret = style.severity(f.severity, &"^".repeat(marks));
        let _ = writeln!(
            out,
            "{gutter} {} {}{caret}",
            style.frame("|"),
            " ".repeat(pad)
        );
    }
    if !f.help.is_empty() {
        let _ = writeln!(
            out,
            "{gutter} {} {}: {}",
            style.frame("="),
            style.bold("help"),
            f.help
        );
    }
    if f.pre_existing {
        let _ = writeln!(
            out,
            "{gutter} {} {}: pre-existing: this post is not part of the change, so it does not fail the check",
            style.frame("="),
            style.bold("note")
        );
    }
    if f.suppressed {
        let _ = writeln!(
            out,
            "{gutter} {} {}: allowed by this post's `allow` entry; it does not fail the check",
            style.frame("="),
            style.bold("note")
        );
    }
    out.push('\n');
}

/// Characters of a long line shown before and after the span.
const CONTEXT_BEFORE: usize = 60;
const CONTEXT_AFTER: usize = 100;
/// Characters of a long span (a whole paragraph, or one running on to
/// other lines) underlined before the line is cut with `…`.
const SPAN_SHOWN: usize = 60;

/// The line as displayed (tabs as spaces; a long line cut to a window around
/// the span, a long span cut after its first `SPAN_SHOWN` characters, each
/// cut marked with `…`), the display width before the span, and the width
/// of the underlined part of the span (at least 1).
fn underline(line: &str, column: usize, end_column: usize) -> (String, usize, usize) {
    let first = column.saturating_sub(CONTEXT_BEFORE).max(1);
    let span_end = end_column.max(column + 1);
    let last = if span_end - column > SPAN_SHOWN {
        column + SPAN_SHOWN - 1
    } else {
        span_end - 1 + CONTEXT_AFTER
    };
    let mut shown = String::new();
    let (mut pad, mut marks) = (0, 0);
    if first > 1 {
        shown.push('…');
        pad += 1;
    }
    for (i, c) in line.chars().enumerate() {
        let col = i + 1;
        if col < first {
            continue;
        }
        if col > last {
            shown.push('…');
            break;
        }
        let (text, width) = match c {
            '\t' => ("    ".to_string(), 4),
            c if c.is_control() => ("\u{fffd}".to_string(), 1),
            c => (c.to_string(), c.width().unwrap_or(0)),
        };
        shown.push_str(&text);
        if col < column {
            pad += width;
        } else if col < end_column {
            marks += width;
        }
    }
    (shown, pad, marks.max(1))
}

/// A reason a command could not run that is about no file.
pub fn render_error(message: &str, style: Style) -> String {
    format!(
        "{}{}\n",
        style.severity(Severity::Error, "error"),
        style.bold(&format!(": {message}"))
    )
}

/// What the policy or calendar holds that is accepted but probably not
/// meant, as warnings.
pub fn render_config_warnings(warnings: &[ConfigError], style: Style) -> String {
    config_problems(warnings, Severity::Warning, style)
}

/// Each problem with its file, line and column, and the line underlined.
fn config_problems(problems: &[ConfigError], severity: Severity, style: Style) -> String {
    let mut out = String::new();
    for e in problems {
        let _ = writeln!(
            out,
            "{}{}",
            style.severity(severity, severity.as_str()),
            style.bold(&format!(": {}", e.message))
        );
        match e.position {
            Some((line, column)) => {
                let gutter = " ".repeat(line.to_string().len());
                let _ = writeln!(
                    out,
                    "{gutter}{} {}:{line}:{column}",
                    style.frame("-->"),
                    e.path
                );
                if let Some(text) = &e.source_line {
                    let (shown, pad, _) = underline(text, column, column + 1);
                    let _ = writeln!(out, "{gutter} {}", style.frame("|"));
                    let _ = writeln!(
                        out,
                        "{} {} {shown}",
                        style.frame(&line.to_string()),
                        style.frame("|")
                    );
                    let _ = writeln!(
                        out,
                        "{gutter} {} {}{}",
                        style.frame("|"),
                        " ".repeat(pad),
                        style.severity(severity, "^")
                    );
                }
            }
            None => {
                let _ = writeln!(out, " {} {}", style.frame("-->"), e.path);
            }
        }
        out.push('\n');
    }
    out
}

/// Configuration errors: the check could not run.
pub fn render_config_errors(errors: &[ConfigError], style: Style) -> String {
    let mut out = config_problems(errors, Severity::Error, style);
    let _ = writeln!(
        out,
        "{}: cannot run: {} {} in the policy or calendar",
        style.bold("check"),
        errors.len(),
        plural(errors.len(), "problem", "problems")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underline_counts_display_width() {
        assert_eq!(
            underline("ab Falcon", 4, 10),
            ("ab Falcon".to_string(), 3, 6)
        );
        assert_eq!(underline("\tx", 2, 3), ("    x".to_string(), 4, 1));
        assert_eq!(underline("新製品 x", 5, 6), ("新製品 x".to_string(), 7, 1));
        let long = format!("{}Falcon{}", "a".repeat(1000), "b".repeat(1000));
        let (shown, pad, marks) = underline(&long, 1001, 1007);
        assert_eq!(shown.chars().count(), 1 + 60 + 6 + 100 + 1);
        assert_eq!((pad, marks), (61, 6));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        // A long span: its first SPAN_SHOWN characters underlined, then `…`.
        let paragraph = "word ".repeat(72);
        let (shown, pad, marks) = underline(&paragraph, 1, 361);
        assert_eq!((pad, marks), (0, SPAN_SHOWN));
        assert_eq!(shown, format!("{}…", &paragraph[..SPAN_SHOWN]));
    }
}
