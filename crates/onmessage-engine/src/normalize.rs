//! Evasion-resistant text normalisation that remembers where every character
//! came from.
//!
//! A text becomes the sequence of its word characters only: compatibility
//! decomposed (NFKD, so full-width and ligature forms become plain letters),
//! accents and other marks dropped, case folded, look-alike letters mapped to
//! their UTS #39 prototype (Cyrillic `а` → `a`), invisible format characters
//! (zero-width space, soft hyphen, bidi controls) removed without breaking the
//! word, and separators (spaces, punctuation, `#`, line breaks) dropped while
//! recording that a word boundary stood there. A multi-word term normalised
//! the same way then matches `Project Falcon`, `project-falcon`,
//! `#ProjectFalcon` and `PROJECT\n FALCON` alike, and each byte of the result
//! maps back to the original character it came from.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};
use unicode_security::confusable_detection::skeleton;

/// A normalised text with a map back to the source.
#[derive(Debug, Default)]
pub struct Normalized {
    /// Word characters only, folded.
    pub text: String,
    /// For each byte of `text`: byte range in the source of the character it
    /// came from.
    origin: Vec<(u32, u32)>,
    /// For each byte of `text`, and one past the end: whether a word boundary
    /// (start, separator, or a lower→upper case change) precedes it.
    boundary: Vec<bool>,
}

impl Normalized {
    pub fn new(source: &str) -> Self {
        let mut out = Normalized::default();
        fold_text(source, &mut out);
        out.boundary.push(true);
        out
    }

    /// Whether `[start, end)` of `text` is a whole word or run of words in
    /// the source. Scripts written without spaces (CJK, Thai) need no boundary.
    pub fn is_whole_word(&self, start: usize, end: usize) -> bool {
        let first = self.text[start..].chars().next();
        let last = self.text[..end].chars().next_back();
        let edge_ok =
            |c: Option<char>, at: usize| c.is_some_and(unspaced_script) || self.boundary[at];
        // A match must not cut through the letters one source character
        // decomposes into (`℀` is `a/c`): its span would then hold more.
        let whole_start = start == 0 || self.origin[start - 1] != self.origin[start];
        let whole_end = end == self.origin.len() || self.origin[end] != self.origin[end - 1];
        whole_start && whole_end && edge_ok(first, start) && edge_ok(last, end)
    }

    /// Byte range in the source covered by `[start, end)` of `text`.
    pub fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        let from = self.origin[start].0 as usize;
        let to = self.origin[end - 1].1 as usize;
        (from, to)
    }
}

impl FoldSink for Normalized {
    fn push(&mut self, c: char, origin: (u32, u32), boundary: bool) {
        let len = c.len_utf8();
        self.text.push(c);
        for i in 0..len {
            self.origin.push(origin);
            self.boundary.push(boundary && i == 0);
        }
    }
}

/// Where [`fold_text`] sends the normalised text: [`Normalized`] stores
/// it, the matcher feeds it straight to its automaton.
pub trait FoldSink {
    /// One character of normalised text, with the byte range of the source
    /// character it came from and whether a word boundary (the start, a
    /// separator, or a lower→upper case change) precedes it.
    fn push(&mut self, c: char, origin: (u32, u32), boundary: bool);
}

/// The normalisation itself, streamed into `sink` a character at a time.
#[inline]
pub fn fold_text(source: &str, sink: &mut impl FoldSink) {
    let mut state = FoldState {
        pending_boundary: true,
        previous_was_lower: false,
    };
    let bytes = source.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let b = bytes[start];
        if !b.is_ascii() {
            start = fold_non_ascii_char(source, start, &mut state, sink);
            continue;
        }
        // The common case, a byte at a time: one byte in, at most one out.
        let folded = ASCII_FOLD[b as usize];
        if folded != 0 {
            let upper = folded != b;
            sink.push(
                folded as char,
                (start as u32, start as u32 + 1),
                state.pending_boundary || (state.previous_was_lower && upper),
            );
            state.pending_boundary = false;
            state.previous_was_lower = b.is_ascii_lowercase();
        } else {
            state.pending_boundary = true;
            state.previous_was_lower = false;
        }
        start += 1;
    }
}

/// Each ASCII byte folded: letters lowercased, digits kept, anything else 0.
static ASCII_FOLD: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

struct FoldState {
    pending_boundary: bool,
    previous_was_lower: bool,
}

/// The character at `start` (not ASCII) through [`fold_non_ascii`]; returns
/// where the next one starts. Kept out of line so that the ASCII loop in
/// [`fold_text`] stays small.
#[inline(never)]
fn fold_non_ascii_char(
    source: &str,
    start: usize,
    state: &mut FoldState,
    sink: &mut impl FoldSink,
) -> usize {
    let c = source[start..]
        .chars()
        .next()
        .expect("a character starts here");
    let range = (start as u32, (start + c.len_utf8()) as u32);
    let camel = state.previous_was_lower && c.is_uppercase();
    let mut emitted_any = false;
    fold_non_ascii(c, &mut |folded| {
        if folded.is_alphanumeric() {
            sink.push(
                folded,
                range,
                state.pending_boundary || (camel && !emitted_any),
            );
            state.pending_boundary = false;
            emitted_any = true;
        } else {
            state.pending_boundary = true;
        }
    });
    if emitted_any {
        state.previous_was_lower = c.is_lowercase();
    }
    start + c.len_utf8()
}

/// Normalises a term from the policy or calendar the same way as text.
pub fn normalize_term(term: &str) -> String {
    Normalized::new(term).text
}

/// NFKD, drop marks, lowercase, confusable prototype, lowercase again.
fn fold_non_ascii(c: char, emit: &mut impl FnMut(char)) {
    decompose_compatible(c, |d| {
        if is_combining_mark(d) {
            return;
        }
        for lower in fold_case(d) {
            if lower.is_ascii() {
                emit(lower);
                continue;
            }
            let mut buf = [0u8; 4];
            for proto in skeleton(lower.encode_utf8(&mut buf)) {
                if is_combining_mark(proto) {
                    continue;
                }
                for folded in fold_case(proto) {
                    emit(folded);
                }
            }
        }
    });
}

/// Lowercase with the few full case foldings that lowercase misses.
fn fold_case(c: char) -> impl Iterator<Item = char> {
    let special: Option<&'static str> = match c {
        'ß' | 'ẞ' => Some("ss"),
        'ς' => Some("σ"),
        _ => None,
    };
    let (a, b) = match special {
        Some(s) => (None, Some(s.chars())),
        None => (Some(c.to_lowercase()), None),
    };
    a.into_iter().flatten().chain(b.into_iter().flatten())
}

/// Scripts whose words are not separated by spaces.
pub fn unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'   // Thai, Lao
        | '\u{1000}'..='\u{109F}' // Myanmar
        | '\u{1780}'..='\u{17FF}' // Khmer
        | '\u{2E80}'..='\u{9FFF}' // CJK, kana
        | '\u{AC00}'..='\u{D7AF}' // Hangul
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, term: &str) -> Option<String> {
        let norm = Normalized::new(text);
        let needle = normalize_term(term);
        let mut from = 0;
        while let Some(i) = norm.text[from..].find(&needle) {
            let start = from + i;
            let end = start + needle.len();
            if norm.is_whole_word(start, end) {
                let (a, b) = norm.source_range(start, end);
                return Some(text[a..b].to_string());
            }
            from = start + norm.text[start..].chars().next().unwrap().len_utf8();
        }
        None
    }

    #[test]
    fn evasions_are_found_with_original_spans() {
        for (text, expected) in [
            ("our Project Falcon launch", "Project Falcon"),
            ("see project-falcon soon", "project-falcon"),
            ("#ProjectFalcon is coming", "ProjectFalcon"),
            ("PROJECT  \n FALCON!", "PROJECT  \n FALCON"),
            ("project_falcon.v2", "project_falcon"),
            ("Project F\u{0430}lcon", "Project F\u{0430}lcon"),
            ("Project Fal\u{200B}con", "Project Fal\u{200B}con"),
            ("Project Ｆａｌｃｏｎ", "Project Ｆａｌｃｏｎ"),
            ("Project Fálcon", "Project Fálcon"),
        ] {
            assert_eq!(
                find(text, "Project Falcon").as_deref(),
                Some(expected),
                "{text:?}"
            );
        }
    }

    #[test]
    fn whole_words_only() {
        assert_eq!(find("kitesurfing all day", "Kite"), None);
        assert_eq!(find("a kite!", "Kite").as_deref(), Some("kite"));
        assert_eq!(find("#KiteLaunch", "Kite").as_deref(), Some("Kite"));
        assert_eq!(find("skite", "Kite"), None);
    }

    #[test]
    fn matches_never_cut_through_a_decomposed_character() {
        // `℀` decomposes to `a/c`: "aaaa" ends inside it (found by fuzzing).
        assert_eq!(find("AAA\u{2100}", "aaaa"), None);
        assert_eq!(find("AAA\u{2100}", "aaaac").as_deref(), Some("AAA\u{2100}"));
        assert_eq!(
            find("con\u{FB01}dential", "confidential").as_deref(),
            Some("con\u{FB01}dential")
        );
    }

    #[test]
    fn case_folding_beyond_lowercase() {
        assert_eq!(find("STRASSE", "straße").as_deref(), Some("STRASSE"));
    }

    #[test]
    fn unspaced_scripts_match_inside_text() {
        assert_eq!(find("新製品鷹の発表", "鷹").as_deref(), Some("鷹"));
    }

    #[test]
    fn terms_normalise_like_text() {
        assert_eq!(normalize_term("Project  Falcon"), "projectfalcon");
        assert_eq!(normalize_term("profit-margin"), "profitmargin");
    }
}
