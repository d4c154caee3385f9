//! Normalisation with position mapping: for every occurrence of a term in a
//! text that the matching rule accepts (whole words, only the splits the
//! term allows), the mapped span lies on character boundaries of the
//! original text and normalises back to the term.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onmessage_engine::normalize::{Needle, Normalized, normalize_term};

fuzz_target!(|input: &str| {
    let (term, text) = input.split_once('\u{0}').unwrap_or(("falcon", input));
    let needle = Needle::new(term);
    if needle.text.is_empty() {
        return;
    }
    let norm = Normalized::new(text);
    let mut from = 0;
    while let Some(i) = norm.text[from..].find(&needle.text) {
        let start = from + i;
        let end = start + needle.text.len();
        if norm.matches(start, &needle) {
            let (a, b) = norm.source_range(start, end);
            assert!(text.is_char_boundary(a) && text.is_char_boundary(b) && a < b);
            assert_eq!(
                normalize_term(&text[a..b]),
                needle.text,
                "span {:?} of {:?}",
                &text[a..b],
                text
            );
        }
        from = start + norm.text[start..].chars().next().map_or(1, char::len_utf8);
    }
});
