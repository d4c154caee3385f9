//! Measuring copy the way each network counts it, and counting hashtags.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use unicode_properties::{GeneralCategoryGroup, UnicodeEmoji, UnicodeGeneralCategory};
use unicode_segmentation::UnicodeSegmentation;

use crate::platform::Platform;
use crate::urls::{FoundUrl, find_urls};

/// How long a URL counts on X and Mastodon, whatever its real length.
pub const SHORT_URL_LENGTH: usize = 23;

/// The length of `text` as `platform` counts it.
pub fn length(platform: Platform, text: &str) -> usize {
    match platform {
        Platform::X => x_weighted_length(text, true),
        // In ASCII only CR LF joins two characters into one cluster.
        Platform::Bluesky if text.is_ascii() => text.len() - text.matches("\r\n").count(),
        Platform::Bluesky => text.graphemes(true).count(),
        Platform::Mastodon => {
            let urls = find_urls(text);
            let url_chars: usize = urls
                .iter()
                .map(|u| text[u.range.clone()].chars().count())
                .sum();
            text.chars().count() - url_chars + urls.len() * SHORT_URL_LENGTH
        }
        Platform::Linkedin | Platform::Facebook | Platform::Instagram | Platform::Threads => {
            text.chars().count()
        }
    }
}

/// twitter-text v3 weighted length (v2 without emoji parsing): NFC first;
/// a URL counts 23; an emoji sequence 2; code points in the Latin-ish
/// ranges 1; everything else 2.
pub fn x_weighted_length(text: &str, emoji_parsing: bool) -> usize {
    let text = nfc(text);
    let urls = find_urls(&text);
    if text.is_ascii() {
        // Every ASCII character weighs 1 and none is part of an emoji
        // sequence: only the links count otherwise.
        let in_urls: usize = urls.iter().map(|u| u.range.len()).sum();
        return text.len() - in_urls + urls.len() * SHORT_URL_LENGTH;
    }
    weigh_clusters(&text, &urls, emoji_parsing)
}

/// The weighted length of NFC `text` with its `urls`, cluster by cluster.
fn weigh_clusters(text: &str, urls: &[FoundUrl], emoji_parsing: bool) -> usize {
    // Weights in hundredths, as twitter-text's configuration states them.
    const SCALE: usize = 100;
    const LIGHT_RANGES: [(u32, u32); 4] = [(0, 4351), (8192, 8205), (8208, 8223), (8242, 8247)];
    let mut weight = 0;
    let mut next_url = urls.iter().peekable();
    let mut skip_until = 0;
    for (start, cluster) in text.grapheme_indices(true) {
        if start < skip_until {
            continue;
        }
        if let Some(url) = next_url.peek().filter(|u| u.range.start == start) {
            weight += SHORT_URL_LENGTH * SCALE;
            skip_until = url.range.end;
            next_url.next();
            continue;
        }
        while next_url.peek().is_some_and(|u| u.range.start < start) {
            next_url.next();
        }
        if emoji_parsing && is_emoji_sequence(cluster) {
            weight += 2 * SCALE;
            continue;
        }
        for c in cluster.chars() {
            let light = LIGHT_RANGES
                .iter()
                .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32)));
            weight += if light { SCALE } else { 2 * SCALE };
        }
    }
    weight / SCALE
}

/// `text` in Unicode Normalization Form C, copied only when it is not already.
fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// An emoji as a user sees it: a pictograph with its modifiers, joiners and
/// tags, a flag, or a keycap. Lone digits, `#` and `*` are not.
fn is_emoji_sequence(cluster: &str) -> bool {
    let mut chars = cluster.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if cluster.contains('\u{20E3}') {
        return true;
    }
    first.is_emoji_char() && !first.is_ascii()
}

/// Byte ranges of the hashtags in `text` (`#launch`, not `#1` or `a#b`):
/// a `#` or `＃` that starts the text or follows a character other than a
/// letter, number, `_`, `&`, `/` or `#` (and not one of the previous
/// hashtag's), then the longest run of letters, marks, numbers and `_`,
/// which must hold a letter or mark. This is twitter-text's hashtag regex,
/// `(?:^|[^\p{L}\p{N}_&/#])([#＃][\p{L}\p{M}\p{N}_]*[\p{L}\p{M}][\p{L}\p{M}\p{N}_]*)`
/// searched left to right; scanning by hand costs a tenth of the regex (a
/// property test compares the two).
pub fn hashtags(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found: Vec<std::ops::Range<usize>> = Vec::new();
    // A byte scan for `#` and the lead byte of `＃` (EF BC 83), which is
    // always a character boundary.
    let bytes = text.as_bytes();
    let signs = (0..bytes.len()).filter_map(|at| match bytes[at] {
        b'#' => Some((at, "#")),
        0xEF if text[at..].starts_with('\u{FF03}') => Some((at, "\u{FF03}")),
        _ => None,
    });
    for (at, sign) in signs {
        let taken = found.last().map_or(0, |tag| tag.end);
        let lead_ok = match text[..at].chars().next_back() {
            None => true,
            Some(c) => {
                at - c.len_utf8() >= taken
                    && !(matches!(c, '_' | '&' | '/' | '#')
                        || matches!(
                            category(c),
                            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
                        ))
            }
        };
        if !lead_ok {
            continue;
        }
        let body = at + sign.len();
        let mut end = body;
        let mut has_letter = false;
        for c in text[body..].chars() {
            match category(c) {
                GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark => has_letter = true,
                GeneralCategoryGroup::Number => {}
                _ if c == '_' => {}
                _ => break,
            }
            end += c.len_utf8();
        }
        if has_letter {
            found.push(at..end);
        }
    }
    found
}

/// A character's general category, without a table lookup for ASCII.
fn category(c: char) -> GeneralCategoryGroup {
    if c.is_ascii_alphabetic() {
        GeneralCategoryGroup::Letter
    } else if c.is_ascii_digit() {
        GeneralCategoryGroup::Number
    } else if c.is_ascii() {
        // Punctuation, symbols, spaces and controls: never part of a hashtag.
        GeneralCategoryGroup::Other
    } else {
        c.general_category_group()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_per_platform() {
        assert_eq!(length(Platform::X, "Hi http://test.co"), 26);
        assert_eq!(
            length(
                Platform::Mastodon,
                "Hi https://example.com/a/very/long/path"
            ),
            26
        );
        assert_eq!(length(Platform::Bluesky, "👨‍👩‍👧‍👦 é"), 3);
        assert_eq!(length(Platform::Linkedin, "héllo"), 5);
    }

    #[test]
    fn ascii_shortcuts_agree_with_clusters() {
        for text in [
            "",
            "Plain words.\r\nAnd a second line\r\n",
            "Read https://example.com/a?b=1 and example.org/x, then #tags",
            "ends with a link http://test.co",
            "\r\n\r\n\n\r",
        ] {
            let urls = find_urls(text);
            assert_eq!(
                x_weighted_length(text, true),
                weigh_clusters(text, &urls, true),
                "{text:?}"
            );
            assert_eq!(
                length(Platform::Bluesky, text),
                text.graphemes(true).count(),
                "{text:?}"
            );
        }
    }

    /// twitter-text's hashtag regex, which `hashtags` scans for by hand.
    fn hashtag_regex() -> &'static regex::Regex {
        static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?:^|[^\p{L}\p{N}_&/#])([#＃][\p{L}\p{M}\p{N}_]*[\p{L}\p{M}][\p{L}\p{M}\p{N}_]*)",
            )
            .expect("valid")
        });
        &RE
    }

    proptest::proptest! {
        #[test]
        fn hashtag_scan_agrees_with_the_regex(
            text in "[a#\u{FF03} _/&1é\u{301}\n\u{0663}\u{2164}\u{0E31}\u{00B2}\u{05D0}\u{FF3F}.,!-]{0,24}"
        ) {
            let captured: Vec<_> = hashtag_regex()
                .captures_iter(&text)
                .filter_map(|c| c.get(1))
                .map(|m| m.range())
                .collect();
            proptest::prop_assert_eq!(hashtags(&text), captured);
        }
    }

    #[test]
    fn hashtags_are_words_after_hash() {
        let text = "Go #team! #1 a#b #ProjectFalcon\n#employee";
        let tags: Vec<&str> = hashtags(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(tags, vec!["#team", "#ProjectFalcon", "#employee"]);
    }
}
