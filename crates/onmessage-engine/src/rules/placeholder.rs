//! `post.placeholder`: the copy `cargo xtask new` wrote for the author to
//! replace (`scaffold::PLACEHOLDERS`), still there when the post leaves
//! `draft`.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

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
    // Every placeholder in one pass over each copy.
    static FINDER: LazyLock<AhoCorasick> =
        LazyLock::new(|| AhoCorasick::new(PLACEHOLDERS).expect("a few literal strings"));
    for section in &post.sections {
        for found in FINDER.find_iter(post.copy(section)) {
            let start = section.range.start + found.start();
            sink.push(
                "post.placeholder",
                Severity::Error,
                start..start + found.len(),
                format!(
                    "the placeholder text `cargo xtask new` wrote is still in {}, and the post has `status: {status}`",
                    Field::Copy(section.platform).describe()
                ),
                "Replace it with the words people will share (or set `status: draft` while you write)".to_string(),
            );
        }
    }
}
