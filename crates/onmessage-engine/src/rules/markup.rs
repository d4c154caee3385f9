//! Markdown that the shared text cannot carry (`plaintext` drops it): a
//! strikethrough, which networks show as plain words, and an image written
//! in the copy, which no network is sent.

use super::Sink;
use super::content::one_line;
use crate::finding::Severity;
use crate::post::{Field, Post};
use crate::share::SharedCopy;

/// `copies` are each section's copy as networks show it, by section.
pub(super) fn check(post: &Post, copies: &[SharedCopy], sink: &mut Sink) {
    for (section, copy) in post.sections.iter().zip(copies) {
        let field = Field::Copy(section.platform).describe();
        let in_file = |range: &std::ops::Range<usize>| {
            section.range.start + range.start..section.range.start + range.end
        };
        for struck in &copy.plain.struck {
            let range = in_file(struck);
            let written = one_line(&post.text[range.clone()]);
            sink.push(
                "text.strikethrough",
                Severity::Warning,
                range,
                format!("`{written}` in {field} is shared without its line through: networks show the struck words as if they stood"),
                "Delete the struck words, or say in words what changed (\"was $20, now $10\")".to_string(),
            );
        }
        for image in &copy.plain.images {
            let range = in_file(image);
            let written = one_line(&post.text[range.clone()]);
            let path = post
                .links
                .iter()
                .find(|l| l.is_image && l.range.start == range.start)
                .map_or("media/...", |l| l.url.as_str());
            sink.push(
                "image.in-copy",
                Severity::Error,
                range,
                format!("`{written}` in {field} is not shared: networks take a post's image from its front matter, never from the copy"),
                format!("Remove it from the copy and give it in the front matter: `image: {{path: {path}, alt: \"...\"}}`"),
            );
        }
    }
}
