//! The one way post text enters HTML and XML.
//!
//! Markup is only ever a `&'static str` written in this crate; every string
//! that comes from a post (titles, copy, alt text, URLs, ids) goes through
//! [`escape`], either as element text or as an attribute value. So a post
//! containing `<script>` or `"><img onerror=...>` can only ever be text: there
//! is no function that takes a runtime string and writes it unescaped.

use std::fmt::Write as _;

/// The length in bytes of the character starting at `bytes[i]` if XML 1.0
/// forbids it in a document. XML allows (§2.2 `Char`) tab, line feed,
/// carriage return and everything from U+0020 except U+FFFE and U+FFFF
/// (surrogates cannot occur in a Rust string), so the forbidden ones are
/// the other ASCII controls and `EF BF BE`, `EF BF BF` in UTF-8. HTML gets
/// the same filter so that the hub and the feeds show the same text.
pub fn forbidden_at(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes[i] {
        b'\t' | b'\n' | b'\r' => None,
        0..=0x1F => Some(1),
        0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => Some(3),
        _ => None,
    }
}

/// The bytes that can start a character XML forbids (see `forbidden_at`),
/// plus `extra`.
pub const fn stops(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        set[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    set[0xEF] = true;
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

/// Copies `text` to `out`, with the characters `replace` picks replaced:
/// given the bytes and a position, it returns what to write instead of the
/// character there and that character's length, or `None` to keep it. It
/// is asked only where `stops` marks the byte; runs of other bytes are
/// copied at once, which makes this several times faster than going
/// character by character (every output passes almost all of its bytes
/// through here).
pub fn rewrite(
    text: &str,
    out: &mut String,
    stops: &[bool; 256],
    replace: impl Fn(&[u8], usize) -> Option<(&'static str, usize)>,
) {
    let bytes = text.as_bytes();
    // `text[copied..i]` is kept and not yet copied.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if stops[usize::from(bytes[i])]
            && let Some((replacement, len)) = replace(bytes, i)
        {
            out.push_str(&text[copied..i]);
            out.push_str(replacement);
            i += len;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
}

const ESCAPE_STOPS: [bool; 256] = stops(b"&<>\"'");

/// Appends `text` to `out` with `& < > " '` escaped and characters that XML
/// forbids dropped. Safe both as element content and inside a double- or
/// single-quoted attribute value, in HTML and in XML.
pub fn escape(text: &str, out: &mut String) {
    rewrite(text, out, &ESCAPE_STOPS, |bytes, i| match bytes[i] {
        b'&' => Some(("&amp;", 1)),
        b'<' => Some(("&lt;", 1)),
        b'>' => Some(("&gt;", 1)),
        b'"' => Some(("&quot;", 1)),
        b'\'' => Some(("&#39;", 1)),
        _ => forbidden_at(bytes, i).map(|len| ("", len)),
    });
}

/// Whether void elements are written `<img ...>` (HTML) or `<link .../>` (XML).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Html,
    Xml,
}

/// A document being written: static markup plus escaped text.
pub struct Markup {
    out: String,
    dialect: Dialect,
}

/// An attribute: a static name and a value that is always escaped.
pub type Attr<'a> = (&'static str, &'a str);

impl Markup {
    /// Sized for what is written at once: a feed's head, or one item.
    pub fn new(dialect: Dialect) -> Markup {
        Markup {
            out: String::with_capacity(8 * 1024),
            dialect,
        }
    }

    /// Markup written in this crate, copied as it is.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Text from anywhere, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape(text, &mut self.out);
        self
    }

    /// A number, which needs no escaping.
    pub fn number(&mut self, n: usize) -> &mut Self {
        let _ = write!(self.out, "{n}");
        self
    }

    /// `<tag name="value" ...>`.
    pub fn open(&mut self, tag: &'static str, attrs: &[Attr]) -> &mut Self {
        self.start_tag(tag, attrs);
        self.out.push('>');
        self
    }

    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag ...>text</tag>`.
    pub fn element(&mut self, tag: &'static str, attrs: &[Attr], text: &str) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// An element without content: `<img ...>` in HTML, `<link .../>` in XML.
    pub fn void(&mut self, tag: &'static str, attrs: &[Attr]) -> &mut Self {
        self.start_tag(tag, attrs);
        self.out.push_str(match self.dialect {
            Dialect::Html => ">",
            Dialect::Xml => "/>",
        });
        self
    }

    fn start_tag(&mut self, tag: &'static str, attrs: &[Attr]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape(value, &mut self.out);
            self.out.push('"');
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XML 1.0 §2.2 `Char`, character by character: what `forbidden_at` does
    /// on bytes.
    fn xml_allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    }

    #[test]
    fn hostile_text_stays_text() {
        let mut m = Markup::new(Dialect::Html);
        m.element(
            "p",
            &[("title", "\"><img src=x onerror=alert(1)>")],
            "<script>alert('x')</script> & \u{1}\u{FFFE}ok",
        );
        assert_eq!(
            m.finish(),
            "<p title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; ok</p>"
        );
    }

    #[test]
    fn void_elements_per_dialect() {
        let mut html = Markup::new(Dialect::Html);
        html.void("img", &[("src", "a.png"), ("alt", "")]);
        assert_eq!(html.finish(), "<img src=\"a.png\" alt=\"\">");
        let mut xml = Markup::new(Dialect::Xml);
        xml.void("link", &[("href", "a?b=1&c=2")]);
        assert_eq!(xml.finish(), "<link href=\"a?b=1&amp;c=2\"/>");
    }

    #[test]
    fn escape_matches_the_definition_character_by_character() {
        let reference = |text: &str| -> String {
            text.chars()
                .filter(|&c| xml_allowed(c))
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect()
        };
        for text in [
            "",
            "plain",
            "a&b<c>d\"e'f",
            "\u{0}\u{1F}\t\n\r\u{7F}",
            "\u{FFFE}x\u{FFFF}\u{FFFD}\u{FEFF}\u{EFFF}\u{F0000}",
            "日本語 🚀 &amp; \u{FFFF}",
            "\u{FFFE}",
            "ends with \u{FFFF}",
        ] {
            let mut out = String::new();
            escape(text, &mut out);
            assert_eq!(out, reference(text), "{text:?}");
        }
    }

    #[test]
    fn xml_forbidden_characters() {
        let forbidden = |c: char| forbidden_at(c.to_string().as_bytes(), 0);
        for c in ['\u{0}', '\u{8}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!xml_allowed(c), "{:?}", c);
            assert_eq!(forbidden(c), Some(c.len_utf8()), "{:?}", c);
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            'é',
            '\u{7F}',
            '\u{1F600}',
            '\u{FFFD}',
            '\u{EFFF}',
        ] {
            assert!(xml_allowed(c), "{:?}", c);
            assert_eq!(forbidden(c), None, "{:?}", c);
        }
    }
}
