//! Any bytes as a post file: parsing never panics, every problem is a finding
//! at a real position, and every text unit maps back inside the file on
//! character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onmessage_engine::post::Post;

fuzz_target!(|bytes: &[u8]| {
    let post = Post::parse("content/posts/fuzz.md".to_string(), bytes.to_vec());
    for finding in &post.problems {
        assert!(finding.region.line >= 1 && finding.region.column >= 1);
    }
    for unit in post.text_units() {
        let len = unit.text.len();
        if len == 0 {
            continue;
        }
        let range = unit.file_range(0, len);
        assert!(range.start <= range.end && range.end <= post.text.len());
        assert!(post.text.is_char_boundary(range.start) && post.text.is_char_boundary(range.end));
    }
    for image in post.images() {
        assert!(image.path_range.end <= post.text.len());
    }
});
