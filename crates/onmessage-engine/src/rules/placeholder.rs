//! `post.placeholder`: the copy `cargo xtask new` wrote for the author to
//! replace (`scaffold::PLACEHOLDERS`), still there when the post leaves
//! `draft`.

use super::Sink;
use crate::finding::Severity;
use crate::post::{Field, Post, Status};
use crate::scaffold::PLACEHOLDERS;

pub(super) fn check(post: &Post, sink: &mut Sink) {
    let Some(front) = &post.front else { return };
    let status = match front.status {
        Status::Draft => return,
        Status::Review => "review",
        Status::Approved => "approved",
    };
    for section in &post.sections {
        let copy = post.copy(section);
        for placeholder in PLACEHOLDERS {
            for (at, _) in copy.match_indices(placeholder) {
                let start = section.range.start + at;
                sink.push(
                    "post.placeholder",
                    Severity::Error,
                    start..start + placeholder.len(),
                    format!(
                        "the placeholder text `cargo xtask new` wrote is still in {}, and the post has `status: {status}`",
                        Field::Copy(section.platform).describe()
                    ),
                    "Replace it with the words people will share (or set `status: draft` while you write)".to_string(),
                );
            }
        }
    }
}
