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

/// Whether `b` begins the UTF-8 form of a character `danger` can name
/// (U+00AD, U+180E, U+200B-U+206F, U+FEFF): a byte scan finds the few
/// places worth decoding.
fn may_begin_danger(b: u8) -> bool {
    matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xEF)
}

pub(super) fn check(units: &[TextUnit], sink: &mut Sink) {
    for unit in units {
        let text = &unit.text;
        let candidates = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| may_begin_danger(b));
        for (at, _) in candidates {
            // A lead byte always starts a character.
            let c = text[at..].chars().next().expect("a character starts here");
            let before = text[..at].chars().next_back();
            let after = text[at + c.len_utf8()..].chars().next();
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

    #[test]
    fn the_byte_scan_stops_at_every_dangerous_character() {
        let mut named = 0;
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            if danger(c, Some('a'), Some('b')).is_some() {
                let mut utf8 = [0; 4];
                c.encode_utf8(&mut utf8);
                assert!(may_begin_danger(utf8[0]), "U+{:04X}", c as u32);
                named += 1;
            }
        }
        assert_eq!(named, 20);
    }
}
