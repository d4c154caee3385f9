//! Property tests for evasion-resistant matching: inserting zero-width or
//! other format characters anywhere in a codename, changing its case,
//! changing the separators between its words, writing its letters as HTML
//! references or percent-escapes, or putting emphasis markers or escapes
//! inside it never hides it, and the span found always covers the
//! disguised codename exactly; and a term never matches across a split
//! between two words of the text that the term does not have.

use onmessage_engine::normalize::{Needle, Normalized};
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
    let needle = Needle::new(term);
    let norm = Normalized::new(text);
    norm.find_all(&needle)
        .into_iter()
        .map(|start| {
            let (a, b) = norm.source_range(start, start + needle.text.len());
            text[a..b].to_string()
        })
        .collect()
}

/// How one letter may be written: as itself, or as a reference or escape
/// that a browser or a Markdown renderer shows as the letter.
fn encode_letter(c: char, how: u8) -> String {
    match how % 6 {
        0 | 1 => c.to_string(),
        2 => format!("&#{};", c as u32),
        3 => format!("&#x{:X};", c as u32),
        4 => format!("&#{}", c as u32).replace("&#", "&#0"),
        _ => format!("%{:02X}", c as u32),
    }
}

/// What may stand between two letters of a word without splitting it for
/// a reader: nothing, emphasis or code markers, escaped markers, an
/// invisible character.
const IN_WORD: [&str; 8] = ["", "**", "*", "`", "~~", "\\*", "\\*\\*", "\u{200B}"];

/// A codename written with references, escapes and in-word markup.
fn encoded() -> impl Strategy<Value = (String, String)> {
    (
        0..CODENAMES.len(),
        prop::collection::vec((any::<bool>(), any::<u8>(), 0..IN_WORD.len()), 16),
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
                let chars: Vec<char> = word.chars().collect();
                for (i, &c) in chars.iter().enumerate() {
                    let (upper, how, marker) = letters[letter % letters.len()];
                    letter += 1;
                    let c = if upper {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    };
                    out.push_str(&encode_letter(c, how));
                    if i + 1 < chars.len() {
                        out.push_str(IN_WORD[marker]);
                    }
                }
            }
            (codename.to_string(), out)
        })
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
    fn references_escapes_and_markup_never_hide_a_codename(
        (codename, disguise) in encoded(),
        before in "[a-z ,.!?#@(]{0,12}",
        after in "[a-z ,.!?)]{0,12}",
    ) {
        let text = format!("{before} {disguise} {after}");
        let found = find_all(&text, &codename);
        prop_assert!(found.contains(&disguise), "{codename:?} hidden in {text:?}: {found:?}");
    }

    #[test]
    fn a_term_never_joins_words_of_the_text(
        first in "[a-z]{1,7}",
        second in "[a-z]{1,7}",
        split in prop::sample::select(vec![" ", "  ", "-", ".", ", ", "&", "/", "\n", "_", "'", "&amp;", "&nbsp;", " * ", "%20"]),
        before in "([a-z]{2,6} ){0,2}",
        after in "( [a-z]{2,6}){0,2}",
    ) {
        // One of the two words is longer than a letter: not a spelling.
        prop_assume!(first.len() > 1 || second.len() > 1);
        let text = format!("{before}{first}{split}{second}{after}");
        let joined = format!("{first}{second}");
        prop_assert!(find_all(&text, &joined).is_empty(), "{joined:?} found in {text:?}");
        // Where the term splits there too, it matches.
        let two_words = format!("{first} {second}");
        prop_assert!(!find_all(&text, &two_words).is_empty(), "{two_words:?} not in {text:?}");
    }

    #[test]
    fn a_word_spelt_letter_by_letter_is_found(
        (codename, _) in disguised(),
        split in prop::sample::select(vec![" ", ".", "-", ". ", " - "]),
    ) {
        let word = codename.replace(' ', "");
        let spelt: Vec<String> = word.chars().map(String::from).collect();
        let text = format!("say {} now", spelt.join(split));
        prop_assert!(!find_all(&text, &codename).is_empty(), "{codename:?} not in {text:?}");
    }

    #[test]
    fn a_codename_glued_to_another_word_is_not_whole(word in "[a-z]{1,8}") {
        let text = format!("Falcon{word}");
        prop_assert!(find_all(&text, "Falcon").is_empty(), "{text:?}");
    }
}
