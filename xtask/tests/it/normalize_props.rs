//! Property tests for evasion-resistant matching: inserting zero-width or
//! other format characters anywhere in a codename, changing its case, or
//! changing the separators between its words never hides it, and the span
//! found always covers the disguised codename exactly.

use onmessage_engine::normalize::{Normalized, normalize_term};
use proptest::prelude::*;

const CODENAMES: [&str; 3] = ["Falcon", "Project Falcon", "Blue Heron Two"];
/// Invisible characters an author (or an editor) can slip into a word.
const INVISIBLE: [char; 9] = [
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{00AD}', '\u{FEFF}', '\u{202E}', '\u{2066}',
    '\u{180E}',
];
const SEPARATORS: [&str; 7] = [" ", "  ", "-", "_", ".", "\n", ""];

/// Finds `term` as whole words; returns the original text of each match.
fn find_all(text: &str, term: &str) -> Vec<String> {
    let needle = normalize_term(term);
    let norm = Normalized::new(text);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = norm.text[from..].find(&needle) {
        let start = from + i;
        let end = start + needle.len();
        if norm.is_whole_word(start, end) {
            let (a, b) = norm.source_range(start, end);
            found.push(text[a..b].to_string());
        }
        from = start + norm.text[start..].chars().next().unwrap().len_utf8();
    }
    found
}

/// A codename disguised: per-letter case flips, any separator between words,
/// invisible characters inserted after some letters.
fn disguised() -> impl Strategy<Value = (String, String)> {
    (
        0..CODENAMES.len(),
        prop::collection::vec((any::<bool>(), prop::option::of(0..INVISIBLE.len())), 16),
        prop::collection::vec(0..SEPARATORS.len(), 3),
    )
        .prop_map(|(which, letters, seps)| {
            let codename = CODENAMES[which];
            let mut out = String::new();
            let mut letter = 0;
            for (w, word) in codename.split(' ').enumerate() {
                if w > 0 {
                    out.push_str(SEPARATORS[seps[(w - 1) % seps.len()]]);
                }
                for c in word.chars() {
                    let (upper, invisible) = letters[letter % letters.len()];
                    letter += 1;
                    out.extend(if upper {
                        c.to_uppercase().collect::<Vec<_>>()
                    } else {
                        c.to_lowercase().collect()
                    });
                    if let Some(i) = invisible {
                        out.push(INVISIBLE[i]);
                    }
                }
            }
            (codename.to_string(), out)
        })
}

proptest! {
    #[test]
    fn disguises_never_hide_a_codename(
        (codename, disguise) in disguised(),
        before in "[a-z ,.!?#@(]{0,12}",
        after in "[a-z ,.!?)]{0,12}",
    ) {
        // Keep whole-word boundaries: the disguise stands apart from its context.
        let text = format!("{before} {disguise} {after}");
        let found = find_all(&text, &codename);
        prop_assert!(!found.is_empty(), "{codename:?} hidden in {text:?}");
        // The span is the disguise itself, less any invisible trailing character.
        let trimmed = disguise.trim_end_matches(|c: char| INVISIBLE.contains(&c));
        prop_assert!(found.iter().any(|f| f == trimmed), "{found:?} vs {trimmed:?}");
    }

    #[test]
    fn a_codename_glued_to_another_word_is_not_whole(word in "[a-z]{1,8}") {
        let text = format!("Falcon{word}");
        prop_assert!(find_all(&text, "Falcon").is_empty(), "{text:?}");
    }
}
