//! A section's Markdown as the networks show it: plain text. Emphasis
//! markers go, `[text](url)` becomes `text url`, list items become lines,
//! escapes and character references are resolved, HTML comments and images
//! removed; what Markdown does not mean in social copy (`#hashtags`,
//! `@mentions`, `snake_case`, `2*3*4`, underscores inside a bare URL) stays
//! as written. Every piece of the text keeps the source range it came from,
//! so findings on the shared text point into the file.
//!
//! Parsed with pulldown-cmark (CommonMark, strikethrough on; single tildes
//! are read as subscript only so that they can be given back as written).

use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::urls::find_urls;

/// A section's copy as plain text, with the way back to its Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainText {
    pub text: String,
    /// In output order; each covers `text` from `out` to the next piece.
    pieces: Vec<Piece>,
    /// Source ranges of `~~struck~~` text: networks show no strikethrough,
    /// so the words read as if they stood.
    pub struck: Vec<Range<usize>>,
    /// Source ranges of images written in the copy (`![alt](src)`): the
    /// networks never see them.
    pub images: Vec<Range<usize>>,
}

/// Where a run of the output came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    out: usize,
    source: Range<usize>,
    /// The run is the source's bytes unchanged (byte `out + i` is source
    /// byte `source.start + i`); otherwise all of it stands for `source`.
    verbatim: bool,
}

impl PlainText {
    /// The source byte range that `text[start..end]` came from.
    pub fn source_range(&self, start: usize, end: usize) -> Range<usize> {
        let Some(first) = self.piece_at(start) else {
            return 0..0;
        };
        let from = if first.verbatim {
            first.source.start + (start - first.out)
        } else {
            first.source.start
        };
        if end <= start {
            return from..from;
        }
        let last = self.piece_at(end - 1).unwrap_or(first);
        let to = if last.verbatim {
            last.source.start + (end - last.out)
        } else {
            last.source.end
        };
        from..to.max(from)
    }

    /// The source offset of the first character at or after output byte `at`
    /// (the end of the source for the end of the text).
    pub fn source_offset(&self, at: usize) -> usize {
        if at >= self.text.len() {
            return self.pieces.last().map_or(0, |p| {
                if p.verbatim {
                    p.source.start + (self.text.len() - p.out)
                } else {
                    p.source.end
                }
            });
        }
        self.source_range(at, at).start
    }

    /// Whether the text is its source, byte for byte.
    pub fn is_source(&self) -> bool {
        matches!(self.pieces.as_slice(), [p] if p.verbatim && p.out == 0 && p.source == (0..self.text.len()))
            || (self.pieces.is_empty() && self.text.is_empty())
    }

    fn piece_at(&self, at: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|p| p.out <= at);
        self.pieces.get(i.checked_sub(1)?)
    }
}

/// `markdown` (one section's copy) as the networks show it.
pub fn from_markdown(markdown: &str) -> PlainText {
    let converter = Converter::new(markdown);
    if is_plain(markdown) {
        converter.verbatim()
    } else {
        converter.run()
    }
}

/// `text` with line endings as `\n` and without the characters no network
/// shows and XML forbids (C0 controls but tab and line feed, U+FFFE,
/// U+FFFF): for text that does not come through the conversion.
pub fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| !(c < ' ' && c != '\t' && c != '\n') && c != '\u{FFFE}' && c != '\u{FFFF}')
        .collect()
}

/// Bytes that may start inline syntax, or a character `CLEANED` removes.
const MAYBE_SYNTAX: [bool; 256] = {
    let mut table = CLEANED;
    let mut i = 0;
    let syntax = b"\\`*_~[&<";
    while i < syntax.len() {
        table[syntax[i] as usize] = true;
        i += 1;
    }
    table
};

/// Bytes that can start a character `push_verbatim` changes: CR, the C0
/// controls but tab and line feed, and the lead byte of U+FFFE and U+FFFF.
const CLEANED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\n' as usize && b != b'\t' as usize;
        b += 1;
    }
    table[0xEF] = true;
    table
};

/// Whether `markdown` reads the same as plain text (but for CR LF line
/// endings, which `push_verbatim` makes LF): no byte that can start inline syntax (`!` and `]` need a `[`;
/// `&` a name or `#`; `<` a tag, comment or scheme), no line whose start
/// or end CommonMark reads (indentation, list, quote and heading markers,
/// hard breaks), no run of blank lines, no white space around it (a
/// section's copy is trimmed), no character that no network shows. Most
/// copy is; it skips the parser.
fn is_plain(markdown: &str) -> bool {
    let bytes = markdown.as_bytes();
    let inline_syntax = bytes.iter().enumerate().any(|(i, &b)| {
        if !MAYBE_SYNTAX[b as usize] {
            return false;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        match b {
            b'&' => next.is_ascii_alphabetic() || next == b'#',
            b'<' => next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?'),
            // A lone CR ends a line as CommonMark reads it.
            b'\r' => next != b'\n',
            // Characters no network shows: what their removal leaves
            // (an empty line) is the parser's to judge.
            0xEF => matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])),
            _ => true,
        }
    });
    if inline_syntax || markdown.trim() != markdown {
        return false;
    }
    let mut blank_before = false;
    markdown.split('\n').all(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let bytes = line.as_bytes();
        let Some(&first) = bytes.first() else {
            let run = blank_before;
            blank_before = true;
            return !run;
        };
        blank_before = false;
        let hashtag = first == b'#'
            && bytes
                .get(1)
                .is_some_and(|&b| !matches!(b, b' ' | b'\t' | b'#'));
        !matches!(
            first,
            b' ' | b'\t' | b'-' | b'+' | b'=' | b'|' | b'>' | b'0'..=b'9'
        ) && (first != b'#' || hashtag)
            && !line.ends_with([' ', '\t'])
    })
}

/// An inline container whose markers are given back as written.
struct Literal {
    closer: Range<usize>,
}

struct Link {
    out_start: usize,
    dest: String,
    kind: LinkType,
}

struct Converter<'a> {
    source: &'a str,
    out: PlainText,
    /// Bare URLs in the source (emphasis markers inside one are literal),
    /// found when the first emphasis asks.
    urls: Option<Vec<Range<usize>>>,
    /// One entry per open inline container: `Some` when its markers stay.
    inline: Vec<Option<Literal>>,
    links: Vec<Link>,
    /// Ordered lists' next numbers (`None` for bullet lists), innermost last.
    lists: Vec<Option<u64>>,
    /// Inside an image: nothing of it is shown.
    image_depth: usize,
    /// A block started after some output: the separator is written with
    /// the block's first text.
    pending_block: bool,
    /// End of the source of the last text written.
    last_source: usize,
    /// Something was removed (an image, a comment): the next space or line
    /// break is dropped if it would double one.
    removed: bool,
    /// The output's length just after an ordered item's number: the
    /// item's first paragraph continues that line.
    marker_end: Option<usize>,
    /// Inside an HTML comment that an earlier line of the block opened.
    in_comment: bool,
}

impl<'a> Converter<'a> {
    fn new(source: &'a str) -> Converter<'a> {
        Converter {
            source,
            out: PlainText {
                text: String::with_capacity(source.len()),
                pieces: Vec::new(),
                struck: Vec::new(),
                images: Vec::new(),
            },
            urls: None,
            inline: Vec::new(),
            links: Vec::new(),
            lists: Vec::new(),
            image_depth: 0,
            pending_block: false,
            last_source: 0,
            removed: false,
            marker_end: None,
            in_comment: false,
        }
    }

    /// The whole source as plain text (`is_plain`), cleaned.
    fn verbatim(mut self) -> PlainText {
        self.push_verbatim(0, self.source.len());
        self.out
    }

    fn run(mut self) -> PlainText {
        let mut options = Options::ENABLE_STRIKETHROUGH;
        // `~x~` as subscript, not strikethrough: it is given back as written.
        options.insert(Options::ENABLE_SUBSCRIPT);
        let source = self.source;
        for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
            if self.image_depth > 0 {
                match event {
                    Event::Start(Tag::Image { .. }) => self.image_depth += 1,
                    Event::End(TagEnd::Image) => self.end_image(),
                    _ => {}
                }
                continue;
            }
            self.event(event, range);
        }
        self.trim_end(|c| c == '\n' || c == ' ');
        self.out
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag, range),
            Event::Text(text) => self.text_at(&text, range),
            Event::Code(text) => {
                // The range holds the backticks; the text is inside them
                // (or, with line endings in the span, differs from it).
                let raw = &self.source[range.clone()];
                match raw.find(&*text) {
                    Some(at) => self.push_verbatim(range.start + at, range.start + at + text.len()),
                    None => self.push_whole(&text, range),
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => self.html(&html, range),
            Event::SoftBreak | Event::HardBreak => {
                self.trim_end(|c| c == ' ');
                // A paragraph has no empty lines: an empty one is left
                // where an image or comment stood alone on its line.
                if !(self.out.text.is_empty() || self.out.text.ends_with('\n')) {
                    self.push_whole("\n", range);
                }
            }
            Event::Rule => {
                self.block();
                let raw = self.source[range.clone()].trim();
                let at = range.start + self.source[range.clone()].find(raw).unwrap_or(0);
                self.push_verbatim(at, at + raw.len());
            }
            // Not enabled (footnotes, task lists, math): never produced.
            // Should an option bring them, they are shown as written.
            Event::FootnoteReference(_)
            | Event::TaskListMarker(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_) => self.push_verbatim(range.start, range.end),
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock => self.block(),
            Tag::List(first) => self.lists.push(first),
            Tag::Item => {
                self.block();
                if let Some(Some(number)) = self.lists.last_mut() {
                    let shown = *number;
                    *number += 1;
                    let raw = &self.source[range.clone()];
                    let marker = raw.trim_start();
                    let at = range.start + raw.len() - marker.len();
                    let digits = marker.bytes().take_while(u8::is_ascii_digit).count();
                    let delimiter = marker[digits..].chars().next().unwrap_or('.');
                    let len = digits + delimiter.len_utf8();
                    self.push_whole(&format!("{shown}{delimiter} "), at..at + len);
                    self.marker_end = Some(self.out.text.len());
                }
            }
            Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Subscript
            | Tag::Superscript => {
                let literal = self.literal_markers(&tag, &range);
                if literal.is_none() && matches!(tag, Tag::Strikethrough) {
                    self.out.struck.push(range.clone());
                }
                if let Some(literal) = &literal {
                    let opener = range.start..range.start + literal.closer.len();
                    self.push_verbatim(opener.start, opener.end);
                }
                self.inline.push(literal);
            }
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => self.links.push(Link {
                out_start: self.out.text.len(),
                dest: dest_url.to_string(),
                kind: link_type,
            }),
            Tag::Image { .. } => {
                self.out.images.push(range);
                self.image_depth = 1;
            }
            // Not enabled (tables, footnotes, definition lists, metadata):
            // their text, if any, is shown as it comes.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd, range: Range<usize>) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item => self.trim_end(|c| c == ' '),
            TagEnd::CodeBlock | TagEnd::HtmlBlock => self.trim_end(|c| c == '\n'),
            TagEnd::List(_) => {
                self.lists.pop();
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Subscript
            | TagEnd::Superscript => {
                if let Some(Some(literal)) = self.inline.pop() {
                    self.push_verbatim(literal.closer.start, literal.closer.end);
                }
            }
            TagEnd::Link => self.end_link(range),
            _ => {}
        }
    }

    /// Markers that are not Markdown in social copy: `~x~`, emphasis
    /// between digits (`2*3*4`), and any marker inside a bare URL.
    fn literal_markers(&mut self, tag: &Tag<'_>, range: &Range<usize>) -> Option<Literal> {
        let bytes = self.source.as_bytes();
        let len = match tag {
            Tag::Strong | Tag::Strikethrough => 2,
            _ => 1,
        };
        if range.len() < 2 * len {
            return None;
        }
        let closer = range.end - len..range.end;
        let literal = || {
            Some(Literal {
                closer: closer.clone(),
            })
        };
        if matches!(tag, Tag::Subscript | Tag::Superscript) {
            return literal();
        }
        let digit_before = range.start > 0 && bytes[range.start - 1].is_ascii_digit();
        let digit_after = bytes.get(range.end).is_some_and(u8::is_ascii_digit);
        if digit_before && digit_after {
            return literal();
        }
        let source = self.source;
        let urls = self
            .urls
            .get_or_insert_with(|| find_urls(source).into_iter().map(|u| u.range).collect());
        let in_url = |at: usize| urls.iter().any(|u| u.contains(&at));
        if in_url(range.start) || in_url(closer.start) {
            return literal();
        }
        None
    }

    fn end_link(&mut self, range: Range<usize>) {
        let Some(link) = self.links.pop() else {
            return;
        };
        if matches!(link.kind, LinkType::Autolink | LinkType::Email) {
            return;
        }
        let shown_url = link.dest.strip_prefix("mailto:").unwrap_or(&link.dest);
        let raw = &self.source[range.clone()];
        // The destination as written, for findings on it.
        let dest_source = raw
            .rfind(link.dest.as_str())
            .map(|at| range.start + at..range.start + at + link.dest.len());
        let shown = self.out.text[link.out_start..].trim();
        let without_scheme = shown_url
            .strip_prefix("https://")
            .or_else(|| shown_url.strip_prefix("http://"));
        if shown.is_empty() || shown == shown_url || Some(shown) == without_scheme {
            // The text is the URL (or nothing): the URL alone.
            self.truncate(link.out_start);
        } else {
            self.push_whole(" ", range.end..range.end);
        }
        match dest_source {
            Some(at) if shown_url.len() == link.dest.len() => self.push_verbatim(at.start, at.end),
            Some(at) => self.push_whole(shown_url, at),
            None => self.push_whole(shown_url, range),
        }
    }

    fn end_image(&mut self) {
        self.image_depth -= 1;
        if self.image_depth == 0 {
            self.removed = true;
        }
    }

    /// HTML is shown as written, but for comments, which nobody sees (and
    /// the blank space a removed comment leaves). A comment in an HTML
    /// block may span several of its lines (events).
    fn html(&mut self, html: &str, range: Range<usize>) {
        let raw = &self.source[range.clone()];
        let Some(at) = raw.find(html).map(|i| range.start + i) else {
            return self.push_whole(html, range);
        };
        let mut from = 0;
        loop {
            if self.in_comment {
                self.removed = true;
                match html[from..].find("-->") {
                    Some(i) => {
                        from += i + 3;
                        self.in_comment = false;
                    }
                    None => return,
                }
            }
            let open = html[from..].find("<!--").map_or(html.len(), |i| from + i);
            if !html[from..open].trim().is_empty() {
                self.push_verbatim(at + from, at + open);
            }
            if open == html.len() {
                return;
            }
            self.in_comment = true;
            from = open + 4;
        }
    }

    fn text_at(&mut self, text: &str, range: Range<usize>) {
        if self.source.get(range.clone()) == Some(text) {
            self.push_verbatim(range.start, range.end);
        } else {
            self.push_whole(text, range);
        }
    }

    fn block(&mut self) {
        if !self.out.text.is_empty() && self.marker_end != Some(self.out.text.len()) {
            self.pending_block = true;
        }
    }

    /// Before writing text from `source_start`: the separator of a block
    /// that started (a blank line where the source has one between the
    /// last text and this, else a line break), or how many leading bytes
    /// to skip: the space a removed element left doubled.
    fn before(&mut self, text: &str, source_start: usize) -> usize {
        if self.pending_block {
            self.pending_block = false;
            self.removed = false;
            self.trim_end(|c| c == ' ' || c == '\n');
            let gap = self
                .source
                .get(self.last_source..source_start)
                .unwrap_or("");
            let mut lines = gap.split('\n');
            lines.next_back();
            // The first is the rest of the last text's line.
            let blank = lines.skip(1).any(|line| {
                line.trim_matches(|c: char| c.is_whitespace() || c == '>')
                    .is_empty()
            });
            let separator = if blank { "\n\n" } else { "\n" };
            let at = self.last_source.min(source_start);
            self.push_piece(separator, at..at, false);
        }
        if std::mem::take(&mut self.removed)
            && text.starts_with(' ')
            && (self.out.text.is_empty() || self.out.text.ends_with([' ', '\n']))
        {
            return 1;
        }
        0
    }

    /// Source bytes `start..end`, unchanged but for line endings (`\n`)
    /// and the characters no network shows (C0 controls, U+FFFE, U+FFFF).
    fn push_verbatim(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let source = self.source;
        let skip = self.before(&source[start..end], start);
        let text = &source[start + skip..end];
        let base = start + skip;
        let bytes = text.as_bytes();
        let mut run = 0;
        let mut i = 0;
        while let Some(next) = bytes[i..].iter().position(|&b| CLEANED[b as usize]) {
            i += next;
            let (replacement, len) = match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => (Some("\n"), 2),
                b'\r' => (Some("\n"), 1),
                0..=0x1F => (Some(""), 1),
                0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
                    (Some(""), 3)
                }
                _ => (None, 0),
            };
            match replacement {
                None => i += 1,
                Some(replacement) => {
                    self.push_piece(&text[run..i], base + run..base + i, true);
                    self.push_piece(replacement, base + i..base + i + len, false);
                    i += len;
                    run = i;
                }
            }
        }
        self.push_piece(&text[run..], base + run..base + text.len(), true);
        // A code block's text ends with its line break: the gap to the
        // next block starts before it.
        let last = base + text.trim_end_matches(['\n', '\r']).len();
        self.last_source = self.last_source.max(last);
    }

    /// `text` (which differs from its source, `source`) as one piece.
    fn push_whole(&mut self, text: &str, source: Range<usize>) {
        let skip = self.before(text, source.start);
        let cleaned = clean(&text[skip..]);
        self.last_source = self.last_source.max(source.end);
        self.push_piece(&cleaned, source, false);
    }

    fn push_piece(&mut self, text: &str, source: Range<usize>, verbatim: bool) {
        if text.is_empty() {
            return;
        }
        let out = self.out.text.len();
        self.out.text.push_str(text);
        if let Some(last) = self.out.pieces.last_mut()
            && verbatim
            && last.verbatim
            && last.source.end == source.start
            && last.source.len() == out - last.out
        {
            last.source.end = source.end;
            return;
        }
        self.out.pieces.push(Piece {
            out,
            source,
            verbatim,
        });
    }

    fn truncate(&mut self, len: usize) {
        self.out.text.truncate(len);
        self.out.pieces.retain(|p| p.out < len);
        if let Some(last) = self.out.pieces.last_mut()
            && last.verbatim
        {
            last.source.end = last.source.start + (len - last.out);
        }
    }

    fn trim_end(&mut self, drop: impl Fn(char) -> bool) {
        let kept = self.out.text.trim_end_matches(drop).len();
        if kept < self.out.text.len() {
            self.truncate(kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(markdown: &str) -> String {
        from_markdown(markdown).text
    }

    /// The source text that output `needle` (its first occurrence) came from.
    fn source_of<'a>(markdown: &'a str, needle: &str) -> &'a str {
        let converted = from_markdown(markdown);
        let at = converted.text.find(needle).expect("in the output");
        &markdown[converted.source_range(at, at + needle.len())]
    }

    #[test]
    fn plain_copy_is_its_own_source() {
        assert!(from_markdown("Plain words, #tags & a link https://e.com/a").is_source());
        assert!(from_markdown("").is_source());
        assert!(!from_markdown("**bold**").is_source());
        assert!(!from_markdown("a\r\nb").is_source());
    }

    #[test]
    fn the_issues_post() {
        let post = "We are **really proud** of this.\nRead [our checklist](https://example.com/a11y):\n- fast\n- accessible\n\n#employee";
        assert_eq!(
            plain(post),
            "We are really proud of this.\nRead our checklist https://example.com/a11y:\nfast\naccessible\n\n#employee"
        );
    }

    #[test]
    fn emphasis_markers_are_dropped() {
        assert_eq!(plain("**a** *b* _c_ __d__ ***e***"), "a b c d e");
        assert_eq!(plain("in**word**s"), "inwords");
    }

    #[test]
    fn strikethrough_is_dropped_and_reported() {
        let converted = from_markdown("Price ~~$20~~ $10");
        assert_eq!(converted.text, "Price $20 $10");
        assert_eq!(converted.struck, vec![6..13]);
        // A single tilde is not strikethrough here: it stays as written.
        assert_eq!(plain("~5 to ~10 min, ~approx~"), "~5 to ~10 min, ~approx~");
        assert!(from_markdown("~approx~").struck.is_empty());
    }

    #[test]
    fn links_become_text_and_url() {
        assert_eq!(
            plain("See [the docs](https://example.com/d \"Docs\") now"),
            "See the docs https://example.com/d now"
        );
        assert_eq!(
            plain("[https://example.com/a](https://example.com/a)"),
            "https://example.com/a"
        );
        assert_eq!(
            plain("[example.com/a](https://example.com/a)"),
            "https://example.com/a"
        );
        assert_eq!(
            plain("[**bold** text](https://e.com/x)"),
            "bold text https://e.com/x"
        );
        assert_eq!(plain("[](https://e.com/x)"), "https://e.com/x");
        assert_eq!(
            plain("[mail us](mailto:hi@example.com)"),
            "mail us hi@example.com"
        );
        assert_eq!(
            plain("A [ref][r] link.\n\n[r]: https://e.com/r"),
            "A ref https://e.com/r link."
        );
        assert_eq!(
            source_of("Go [here](https://e.com/x)", "https://e.com/x"),
            "https://e.com/x"
        );
        assert_eq!(source_of("Go [here](https://e.com/x)", "here"), "here");
    }

    #[test]
    fn autolinks_become_the_url() {
        assert_eq!(
            plain("<https://example.com/a> and <hi@example.com>"),
            "https://example.com/a and hi@example.com"
        );
    }

    #[test]
    fn list_items_become_lines_numbers_kept() {
        assert_eq!(plain("- a\n- b\n* c\n+ d"), "a\nb\nc\nd");
        assert_eq!(
            plain("Steps:\n1. one\n2. two\n3) three"),
            "Steps:\n1. one\n2. two\n3) three"
        );
        assert_eq!(plain("7. seven\n1. eight"), "7. seven\n8. eight");
        assert_eq!(plain("- a\n\n- b"), "a\n\nb");
        assert_eq!(
            plain("1. first\n\n   more\n2. second"),
            "1. first\n\nmore\n2. second"
        );
        assert_eq!(plain("- a\n  - nested"), "a\nnested");
        assert_eq!(source_of("x\n\n2. two", "2. "), "2.");
    }

    #[test]
    fn headings_become_plain_lines() {
        assert_eq!(plain("# Big news\nIt shipped."), "Big news\nIt shipped.");
        assert_eq!(plain("Big news\n===\nIt shipped."), "Big news\nIt shipped.");
        assert_eq!(plain("### Small\n\nText"), "Small\n\nText");
    }

    #[test]
    fn block_quotes_lose_their_markers() {
        assert_eq!(
            plain("> Best tool ever\n> said a customer\n\nWe agree."),
            "Best tool ever\nsaid a customer\n\nWe agree."
        );
        assert_eq!(plain("> a\n>\n> b"), "a\n\nb");
    }

    #[test]
    fn code_loses_its_markers() {
        assert_eq!(
            plain("Run `cargo xtask check` now"),
            "Run cargo xtask check now"
        );
        assert_eq!(plain("``a ` b``"), "a ` b");
        assert_eq!(
            plain("Try:\n\n```sh\nmake\n  make test\n```\n\nDone"),
            "Try:\n\nmake\n  make test\n\nDone"
        );
        assert_eq!(
            plain("Try:\n\n    indented\n\nDone"),
            "Try:\n\nindented\n\nDone"
        );
        assert_eq!(source_of("Run `make` now", "make"), "make");
    }

    #[test]
    fn images_are_removed_and_reported() {
        let converted =
            from_markdown("My desk ![a *desk*](media/d.png) today.\n\n![](media/x.png)\n\nBye");
        assert_eq!(converted.text, "My desk today.\n\nBye");
        assert_eq!(converted.images, vec![8..32, 41..57]);
        assert_eq!(plain("Look:\n![x](a.png)\nnice"), "Look:\nnice");
    }

    #[test]
    fn thematic_breaks_stay_lines_of_their_own() {
        assert_eq!(plain("Hello!\n\n---\n\nBye"), "Hello!\n\n---\n\nBye");
    }

    #[test]
    fn hard_breaks_become_newlines() {
        assert_eq!(plain("one  \ntwo\\\nthree"), "one\ntwo\nthree");
        // A single line break stays one: social copy means it.
        assert_eq!(plain("one\ntwo"), "one\ntwo");
    }

    #[test]
    fn backslash_escapes_are_resolved() {
        assert_eq!(
            plain(r"\*not emphasis\* \#1 \[x\] 1\. \_"),
            "*not emphasis* #1 [x] 1. _"
        );
        assert_eq!(source_of(r"a \*b\* c", "*b*"), r"*b\*");
    }

    #[test]
    fn html_comments_are_removed() {
        assert_eq!(plain("Hello <!-- note to self --> world"), "Hello world");
        assert_eq!(plain("One\n\n<!-- hidden -->\n\nTwo"), "One\n\nTwo");
        assert_eq!(plain("One\n<!-- hidden -->\nTwo"), "One\nTwo");
        assert_eq!(plain("<!-- a -->\nText"), "Text");
        assert_eq!(plain("A\n\n<!-- two\nlines -->\nB"), "A\n\nB");
        assert_eq!(plain("A <!-- two\nlines --> B"), "A B");
        // Other HTML is text to a network: it stays.
        assert_eq!(plain("I <3 it, <b>really</b>"), "I <3 it, <b>really</b>");
    }

    #[test]
    fn html_entities_are_decoded() {
        assert_eq!(
            plain("R&amp;D &#8212; caf&eacute; &#x1F680;"),
            "R&D — café 🚀"
        );
        assert_eq!(source_of("R&amp;D", "&"), "&amp;");
        assert_eq!(plain("AT&T & co"), "AT&T & co");
    }

    #[test]
    fn paragraphs_stay_separated_by_one_blank_line() {
        assert_eq!(
            plain("One.\n\n\n\nTwo.\n\nThree."),
            "One.\n\nTwo.\n\nThree."
        );
    }

    #[test]
    fn what_is_not_markdown_survives() {
        for text in [
            "#hashtags at the start #and #inside",
            "Thanks @jane.doe and @ops_team!",
            "snake_case and my_var_name",
            "2*3 = 6, a * b, 5 * 5",
            "2*3*4 = 24 and 2**3**2",
            "Read https://example.com/a_b_c?x=_y_&z=*w* today",
            "price: $5 (or less)",
            "#1 fan, #2026",
            "ends with a star*",
        ] {
            assert_eq!(plain(text), text);
        }
    }

    #[test]
    fn line_endings_and_controls_are_normalised() {
        assert_eq!(plain("a\r\nb\r\n\r\nc"), "a\nb\n\nc");
        assert_eq!(plain("a\u{1}b\u{FFFF}c"), "abc");
    }

    #[test]
    fn offsets_map_back_through_every_construct() {
        let md = "**Bold** and [link](https://e.com/p)\n- item #tag\n\n> quote @me";
        for needle in [
            "Bold",
            "and",
            "link",
            "https://e.com/p",
            "item",
            "#tag",
            "quote",
            "@me",
        ] {
            assert_eq!(source_of(md, needle), needle);
        }
        let converted = from_markdown(md);
        assert_eq!(converted.source_offset(converted.text.len()), md.len());
    }

    proptest::proptest! {
        #[test]
        fn plain_text_skips_the_parser_only_when_it_changes_nothing(
            text in "[a #\\-*_\\[\\]()<>&;!~`\\\\1.\n\r\t>=|:/\u{1}\u{a0}\u{3000}\u{FFFF}＃é]{0,30}"
        ) {
            if is_plain(&text) {
                let (parsed, fast) = (Converter::new(&text).run(), from_markdown(&text));
                proptest::prop_assert_eq!(&parsed.text, &fast.text);
                // Line breaks between blocks map to where the gap starts.
                for (at, c) in fast.text.char_indices().filter(|(_, c)| *c != '\n') {
                    proptest::prop_assert_eq!(
                        parsed.source_range(at, at + c.len_utf8()),
                        fast.source_range(at, at + c.len_utf8())
                    );
                }
            }
        }

        #[test]
        fn source_ranges_are_inside_the_source_on_char_boundaries(
            text in "[a é#\\-*_\\[\\]()<>&;!~`\\\\1.\n>\r]{0,30}"
        ) {
            let converted = from_markdown(&text);
            let len = converted.text.len();
            for start in (0..=len).filter(|&i| converted.text.is_char_boundary(i)) {
                for end in (start..=len).filter(|&i| converted.text.is_char_boundary(i)) {
                    let range = converted.source_range(start, end);
                    proptest::prop_assert!(range.start <= range.end && range.end <= text.len());
                    proptest::prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
                }
            }
        }
    }
}
