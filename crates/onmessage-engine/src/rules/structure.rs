//! Rules about a post's shape: its headings.

use pulldown_cmark::HeadingLevel;

use super::Sink;
use crate::finding::Severity;
use crate::platform::Platform;
use crate::post::Post;

pub(super) fn headings(post: &Post, sink: &mut Sink) {
    let targets: &[Platform] = post.front.as_ref().map_or(&[], |f| &f.platforms);
    let mut seen: Vec<Platform> = Vec::new();
    for heading in &post.headings {
        let platform = (heading.level == HeadingLevel::H2)
            .then(|| Platform::from_name(&heading.text))
            .flatten();
        let (message, help) = match platform {
            None => match Platform::from_name(&heading.text) {
                Some(p) => {
                    let level = heading_level(heading.level);
                    (
                        format!("`{} {}` is a level-{level} heading; platform sections are level-2 headings (`## {}`)", "#".repeat(level), p.id(), p.id()),
                        format!("Write `## {}`", p.id()),
                    )
                }
                None if heading.level == HeadingLevel::H2
                    && let Some(near) = crate::suggest::closest(
                        &heading.text,
                        Platform::ALL.map(Platform::id).into_iter().chain(["twitter"]),
                    ) =>
                {
                    let near = Platform::from_name(near).map_or(near, Platform::id);
                    (
                        format!("heading '{}' names no platform; did you mean `## {near}`?", heading.text),
                        format!("Write `## {near}`; until then this section's copy is shared on no network"),
                    )
                }
                None => (
                    format!("heading '{}' is not a platform section; social posts have no headings", heading.text),
                    "Remove the heading, or use `## <platform>` (for example `## x`) to start that platform's copy; write hashtags without a space after `#`".to_string(),
                ),
            },
            Some(p) if seen.contains(&p) => (
                format!("a second `## {}` section; each platform has one", p.id()),
                "Merge the two sections into one".to_string(),
            ),
            Some(p)
                if post.front.is_some()
                    && !post.front_key_broken("platforms")
                    && !targets.contains(&p) =>
            {
                (
                format!("section `## {}` is for a platform this post does not list in `platforms`", p.id()),
                    format!("Add {} to `platforms`, or remove the section", p.id()),
                )
            }
            Some(p) => {
                seen.push(p);
                continue;
            }
        };
        if let Some(p) = platform {
            seen.push(p);
        }
        sink.push(
            "post.heading",
            Severity::Error,
            heading.range.clone(),
            message,
            help,
        );
    }
}

fn heading_level(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
