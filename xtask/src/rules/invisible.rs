//! `text.bidi`: characters that make text read differently than it is stored
//! ("Trojan Source"): bidirectional embeddings, overrides and isolates, and
//! invisible characters hiding inside words.

use super::Sink;
use crate::finding::Severity;
use crate::post::TextUnit;

/// Why a character is dangerous in a post, if it is.
fn danger(c: char, before: Option<char>, after: Option<char>) -> Option<&'static str> {
    let inside_word = || {
        before.is_some_and(|b| b.is_alphanumeric()) && after.is_some_and(|a| a.is_alphanumeric())
    };
    match c {
        '\u{202A}' => Some("LEFT-TO-RIGHT EMBEDDING"),
        '\u{202B}' => Some("RIGHT-TO-LEFT EMBEDDING"),
        '\u{202C}' => Some("POP DIRECTIONAL FORMATTING"),
        '\u{202D}' => Some("LEFT-TO-RIGHT OVERRIDE"),
        '\u{202E}' => Some("RIGHT-TO-LEFT OVERRIDE"),
        '\u{2066}' => Some("LEFT-TO-RIGHT ISOLATE"),
        '\u{2067}' => Some("RIGHT-TO-LEFT ISOLATE"),
        '\u{2068}' => Some("FIRST STRONG ISOLATE"),
        '\u{2069}' => Some("POP DIRECTIONAL ISOLATE"),
        '\u{200B}' => Some("ZERO WIDTH SPACE"),
        '\u{2060}' => Some("WORD JOINER"),
        '\u{2061}'..='\u{2064}' => Some("INVISIBLE OPERATOR"),
        '\u{FEFF}' => Some("ZERO WIDTH NO-BREAK SPACE"),
        '\u{180E}' => Some("MONGOLIAN VOWEL SEPARATOR"),
        '\u{00AD}' if inside_word() => Some("SOFT HYPHEN"),
        // Joiners belong in emoji sequences and some scripts; between letters
        // of a word they only hide it from search.
        '\u{200C}' if inside_word() && before.is_some_and(|b| b.is_ascii()) => {
            Some("ZERO WIDTH NON-JOINER")
        }
        '\u{200D}' if inside_word() && before.is_some_and(|b| b.is_ascii()) => {
            Some("ZERO WIDTH JOINER")
        }
        _ => None,
    }
}

pub(super) fn check(units: &[TextUnit], sink: &mut Sink) {
    // Every character `danger` names is outside ASCII.
    for unit in units.iter().filter(|u| !u.text.is_ascii()) {
        let chars: Vec<(usize, char)> = unit.text.char_indices().collect();
        for (i, &(at, c)) in chars.iter().enumerate() {
            let before = i.checked_sub(1).map(|j| chars[j].1);
            let after = chars.get(i + 1).map(|&(_, c)| c);
            if let Some(name) = danger(c, before, after) {
                sink.push_each(
                    "text.bidi",
                    Severity::Error,
                    unit.file_range(at, at + c.len_utf8()),
                    format!(
                        "invisible U+{:04X} {name} in {}: the text reads differently than it is stored",
                        c as u32,
                        unit.field.describe()
                    ),
                    "Delete the character; retype the words around it if your editor does not show it".to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_and_harmless() {
        assert!(danger('\u{202E}', None, None).is_some());
        assert!(danger('\u{200B}', Some('a'), Some('b')).is_some());
        assert!(danger('\u{200D}', Some('a'), Some('b')).is_some());
        // ZWJ inside an emoji sequence, ZWNJ in Persian: fine.
        assert!(danger('\u{200D}', Some('👨'), Some('👩')).is_none());
        assert!(danger('\u{200C}', Some('م'), Some('ی')).is_none());
        assert!(danger('\u{00AD}', Some(' '), Some('x')).is_none());
    }
}
