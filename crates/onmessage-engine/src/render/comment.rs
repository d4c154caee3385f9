//! The pull request comment (`cargo xtask preview`): the check's verdict and
//! findings table (the job summary's), the teaching text of every rule that
//! fails folded in, and each changed post as every network will show it, so
//! an author who edits in the browser sees what a reviewer sees.

use std::fmt::Write;

use super::github::{self, Links};
use crate::check::Report;
use crate::platform::Platform;
use crate::review::Impact;
use crate::rules::RuleInfo;

/// A post as it will be shared, network by network.
pub struct Preview {
    pub path: String,
    pub title: String,
    pub status: String,
    /// Per network the post is for: the text as shared, its length as that
    /// network counts it, and its limit. Empty when the front matter could
    /// not be read.
    pub copies: Vec<PreviewCopy>,
}

pub struct PreviewCopy {
    pub platform: Platform,
    pub text: String,
    pub length: usize,
    pub limit: usize,
}

pub fn render(
    report: &Report,
    impact: Option<&Impact>,
    rules: &[RuleInfo],
    previews: &[Preview],
    links: &Links,
) -> String {
    let mut out = github::summary(report, impact, links);
    let mut failing: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.fails(false))
        .map(|f| f.rule.as_str())
        .collect();
    failing.sort_unstable();
    failing.dedup();
    for id in failing {
        if let Some(rule) = rules.iter().find(|r| r.id == id) {
            let _ = write!(
                out,
                "\n<details><summary>Why <code>{}</code>: {}</summary>\n\n{}\n\n</details>\n",
                github::cell(rule.id),
                github::cell(rule.summary),
                quote(rule.explain)
            );
        }
    }
    if previews.is_empty() {
        return out;
    }
    out.push_str("\n## How each post will be shared\n");
    for post in previews {
        let _ = write!(
            out,
            "\n### {} ({})\n\n`{}`\n",
            github::cell(&post.title),
            github::cell(&post.status),
            post.path.replace('`', "'")
        );
        if post.copies.is_empty() {
            out.push_str("\nNo preview: the front matter could not be read (see the findings).\n");
        }
        for copy in &post.copies {
            let count = if copy.length > copy.limit {
                format!("**{} of {} characters: too long**", copy.length, copy.limit)
            } else {
                format!("{} of {} characters", copy.length, copy.limit)
            };
            let _ = write!(
                out,
                "\n**{}** ({count})\n\n{}\n",
                copy.platform.name(),
                fenced(&copy.text)
            );
        }
    }
    out
}

/// Teaching text as a Markdown block quote, HTML neutralised.
fn quote(text: &str) -> String {
    text.lines()
        .map(|line| format!("> {}", line.replace('<', "&lt;").replace('>', "&gt;")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text verbatim in a fenced block whose fence is longer than any run
/// of backticks inside it, so no post text can close it early.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_text_cannot_close_its_fence() {
        let block = fenced("a ```` b\n```");
        assert!(block.starts_with("`````text\n"), "{block}");
        assert!(block.ends_with("\n`````"), "{block}");
        assert_eq!(fenced("plain"), "```text\nplain\n```");
    }

    #[test]
    fn previews_show_each_network_with_its_count() {
        let report = Report::default();
        let previews = [Preview {
            path: "content/posts/a.md".into(),
            title: "A <b>title</b>".into(),
            status: "draft".into(),
            copies: vec![
                PreviewCopy {
                    platform: Platform::X,
                    text: "x".repeat(300),
                    length: 300,
                    limit: 280,
                },
                PreviewCopy {
                    platform: Platform::Linkedin,
                    text: "Hello".into(),
                    length: 5,
                    limit: 3000,
                },
            ],
        }];
        let text = render(&report, None, &[], &previews, &Links { blob_base: None });
        assert!(
            text.contains("### A &lt;b&gt;title&lt;/b&gt; (draft)"),
            "{text}"
        );
        assert!(
            text.contains("**X** (**300 of 280 characters: too long**)"),
            "{text}"
        );
        assert!(
            text.contains("**LinkedIn** (5 of 3000 characters)\n\n```text\nHello\n```"),
            "{text}"
        );
    }
}
