//! The one way post text enters HTML and XML.
//!
//! Markup is only ever a `&'static str` written in this crate; every string
//! that comes from a post (titles, copy, alt text, URLs, ids) goes through
//! [`escape`], either as element text or as an attribute value. So a post
//! containing `<script>` or `"><img onerror=...>` can only ever be text: there
//! is no function that takes a runtime string and writes it unescaped.

use std::fmt::Write as _;

/// Whether XML 1.0 allows `c` in a document (§2.2 `Char`): tab, newline,
/// carriage return and everything from U+0020 except U+FFFE and U+FFFF.
/// (Surrogates cannot occur in a Rust string.) HTML gets the same filter so
/// that the hub and the feeds show the same text.
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Appends `text` to `out` with `& < > " '` escaped and characters that XML
/// forbids dropped. Safe both as element content and inside a double- or
/// single-quoted attribute value, in HTML and in XML.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if xml_allowed(c) => out.push(c),
            _ => {}
        }
    }
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
    pub fn new(dialect: Dialect) -> Markup {
        Markup {
            out: String::with_capacity(16 * 1024),
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
    fn xml_forbidden_characters() {
        for c in ['\u{0}', '\u{8}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!xml_allowed(c), "{:?}", c);
        }
        for c in ['\t', '\n', '\r', ' ', 'é', '\u{7F}', '\u{1F600}'] {
            assert!(xml_allowed(c), "{:?}", c);
        }
    }
}
