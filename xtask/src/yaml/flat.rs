//! The shape nearly every post's front matter has, read without the general
//! parser: one `key: value` per line, where a value is a plain or quoted
//! string or a flow sequence or mapping of them. Anything else (block
//! collections, continuation lines, anchors, tags, escapes, duplicate keys,
//! values YAML reads as numbers, booleans or null) answers `None`, and
//! `yaml::parse` hands the text to serde-saphyr. Where both accept a text
//! they build the same `Document`, positions included: the tests compare
//! them on every post of a generated corpus.
//!
//! Why: the general parser cost about 200,000 instructions for a ten-line
//! front matter, a third of checking a post.

use serde_json::{Map, Value};

use super::{Document, Located, Pos, pointer_segment};

/// The document, or `None` when the text is not in the flat shape.
pub(super) fn parse(text: &str) -> Option<Document> {
    let mut reader = Reader {
        nodes: Vec::new(),
        key: None,
    };
    let mut root = Map::new();
    let mut root_pos = None;
    let mut line_start = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line = Line {
            number: index + 1,
            start: line_start,
            text: raw
                .strip_suffix('\n')
                .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l)),
        };
        line_start += raw.len();
        // Tabs, lone carriage returns and other controls mean something
        // (or are errors) in YAML that this reader does not model.
        if !line.text.chars().all(printable) {
            return None;
        }
        let trimmed = line.text.trim_start_matches(' ');
        if trimmed.is_empty() || (trimmed.len() == line.text.len() && trimmed.starts_with('#')) {
            continue;
        }
        let mut at = Scan { line: &line, at: 0 };
        let (key, key_pos) = at.key()?;
        if !at.eat(": ") {
            return None;
        }
        at.skip_spaces();
        root_pos.get_or_insert(Pos {
            bytes: Some((key_pos.bytes?.0, key_pos.bytes?.0)),
            ..key_pos
        });
        let pointer = format!("/{}", pointer_segment(key));
        if root.contains_key(key) {
            return None;
        }
        reader.key = Some(key_pos);
        let value = reader.block_value(&mut at, &pointer)?;
        at.end_of_line()?;
        root.insert(key.to_string(), value);
    }
    reader.nodes.push(Located {
        pointer: String::new(),
        value: root_pos?,
        key: None,
    });
    Some(Document::new(Value::Object(root), reader.nodes))
}

struct Reader {
    nodes: Vec<Located>,
    /// The position of the key whose value comes next.
    key: Option<Pos>,
}

impl Reader {
    fn located(&mut self, pointer: &str, value: Pos) {
        self.nodes.push(Located {
            pointer: pointer.to_string(),
            value,
            key: self.key.take(),
        });
    }

    /// The value after `key: `, to the end of the line.
    fn block_value(&mut self, at: &mut Scan, pointer: &str) -> Option<Value> {
        match at.peek()? {
            '[' => self.flow_sequence(at, pointer),
            '{' => self.flow_mapping(at, pointer),
            '"' | '\'' => self.quoted(at, pointer),
            _ => {
                let start = at.at;
                let rest = at.rest();
                // A comment ends a plain scalar; `: ` inside one is a nested
                // mapping, which is not this shape.
                let end = rest.find(" #").unwrap_or(rest.len());
                let scalar = rest[..end].trim_end_matches(' ');
                if scalar.contains(": ") || scalar.ends_with(':') {
                    return None;
                }
                at.at += scalar.len();
                self.plain(at.line, start, scalar, pointer)
            }
        }
    }

    fn flow_sequence(&mut self, at: &mut Scan, pointer: &str) -> Option<Value> {
        self.located(pointer, at.pos(1));
        at.at += 1;
        at.skip_spaces();
        let mut items = Vec::new();
        if !at.eat("]") {
            loop {
                let item_pointer = format!("{pointer}/{}", items.len());
                items.push(self.flow_item(at, &item_pointer)?);
                at.skip_spaces();
                if at.eat("]") {
                    break;
                }
                if !at.eat(",") {
                    return None;
                }
                at.skip_spaces();
            }
        }
        Some(Value::Array(items))
    }

    fn flow_mapping(&mut self, at: &mut Scan, pointer: &str) -> Option<Value> {
        self.located(pointer, at.pos(1));
        at.at += 1;
        at.skip_spaces();
        let mut entries = Map::new();
        if !at.eat("}") {
            loop {
                let (key, key_pos) = at.key()?;
                if entries.contains_key(key) || !at.eat(": ") {
                    return None;
                }
                at.skip_spaces();
                let entry_pointer = format!("{pointer}/{}", pointer_segment(key));
                self.key = Some(key_pos);
                let value = self.flow_item(at, &entry_pointer)?;
                entries.insert(key.to_string(), value);
                at.skip_spaces();
                if at.eat("}") {
                    break;
                }
                if !at.eat(",") {
                    return None;
                }
                at.skip_spaces();
            }
        }
        Some(Value::Object(entries))
    }

    /// A string inside `[...]` or `{...}`: quoted, or plain up to the next
    /// flow indicator.
    fn flow_item(&mut self, at: &mut Scan, pointer: &str) -> Option<Value> {
        if matches!(at.peek()?, '"' | '\'') {
            return self.quoted(at, pointer);
        }
        let start = at.at;
        let rest = at.rest();
        let end = rest.find([',', ']', '}', '[', '{', '#', ':'])?;
        let scalar = rest[..end].trim_end_matches(' ');
        at.at += scalar.len();
        self.plain(at.line, start, scalar, pointer)
    }

    /// A quoted string with nothing to unescape (no `\` and no `''`).
    fn quoted(&mut self, at: &mut Scan, pointer: &str) -> Option<Value> {
        let quote = at.peek()?;
        let body = &at.rest()[1..];
        let len = body.find(quote)?;
        let content = &body[..len];
        let after = &body[len + 1..];
        if (quote == '"' && content.contains('\\'))
            || (quote == '\'' && after.starts_with('\''))
            || !content.chars().all(printable)
        {
            return None;
        }
        self.located(pointer, at.pos(len + 2));
        at.at += len + 2;
        Some(Value::String(content.to_string()))
    }

    /// A plain scalar that YAML can only read as a string.
    fn plain(&mut self, line: &Line, start: usize, scalar: &str, pointer: &str) -> Option<Value> {
        if !is_plain_string(scalar) {
            return None;
        }
        let scan = Scan { line, at: start };
        self.located(pointer, scan.pos(scalar.len()));
        Some(Value::String(scalar.to_string()))
    }
}

/// Whether YAML reads the plain scalar `s` as that same string: it starts
/// with a letter and is none of the words YAML reads as a boolean or null,
/// or it is a date or date-time (which this parser keeps as text).
fn is_plain_string(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !s.chars().all(printable) || s.contains('\t') {
        return false;
    }
    if first.is_ascii_alphabetic() {
        const WORDS: [&str; 10] = [
            "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
        ];
        return !WORDS.iter().any(|w| s.eq_ignore_ascii_case(w));
    }
    is_date(s)
}

/// `2026-11-10`, or `2026-11-10T15:00:00Z`-like (digits and `:+-.TZ` after
/// the date): never a number in YAML.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10..]
            .iter()
            .all(|&c| c.is_ascii_digit() || b":+-.TZ".contains(&c))
}

/// A character the flat shape accepts inside a string: no control
/// characters, and none of the characters YAML treats as line breaks or a
/// byte order mark.
fn printable(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

struct Line<'a> {
    /// 1-based.
    number: usize,
    /// Byte offset of the line in the text.
    start: usize,
    /// The line without its line break.
    text: &'a str,
}

/// A position in one line.
struct Scan<'a> {
    line: &'a Line<'a>,
    at: usize,
}

impl<'a> Scan<'a> {
    fn rest(&self) -> &'a str {
        let text: &'a str = self.line.text;
        &text[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, expected: &str) -> bool {
        let found = self.rest().starts_with(expected);
        if found {
            self.at += expected.len();
        }
        found
    }

    fn skip_spaces(&mut self) {
        self.at = self.line.text.len() - self.rest().trim_start_matches(' ').len();
    }

    /// The node of `len` bytes starting here.
    fn pos(&self, len: usize) -> Pos {
        let start = self.line.start + self.at;
        Pos {
            line: self.line.number,
            column: self.line.text[..self.at].chars().count() + 1,
            bytes: Some((start, start + len)),
        }
    }

    /// A mapping key: a word of ASCII letters, digits, `_` and `-` that YAML
    /// reads as a string.
    fn key(&mut self) -> Option<(&'a str, Pos)> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let key = &rest[..len];
        if !is_plain_string(key) {
            return None;
        }
        let pos = self.pos(len);
        self.at += len;
        Some((key, pos))
    }

    /// Only spaces and a comment may follow a value.
    fn end_of_line(&mut self) -> Option<()> {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches(' ');
        let ok = trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len());
        ok.then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general parser's document, for comparison.
    fn general(text: &str) -> Document {
        super::super::parse_general(text).expect("valid YAML")
    }

    fn assert_same(text: &str) {
        let flat = parse(text).unwrap_or_else(|| panic!("not flat: {text:?}"));
        let general = general(text);
        assert_eq!(flat.value, general.value, "{text:?}");
        assert_eq!(flat.nodes(), general.nodes(), "{text:?}");
    }

    #[test]
    fn agrees_with_the_general_parser() {
        assert_same(
            "# c\ntitle: \"Hello: world\"  # x\nauthor: jane.doe\nplatforms: [linkedin, x , \"q\"]\nempty: []\nnone: {}\nimage: {path: media/a.png, alt: \"Alt\"}\npublish_at: 2026-11-10T15:00:00Z\r\nlast: héllo wörld   \nquote: 'single'\n",
        );
        assert_same("\n\ntitle: A title, with [brackets] and {braces}\nid: a-b_c\n");
        assert_same("tags: [a b, c]   # trailing\nalt: it's fine\n");
    }

    /// The front matter of a post file: the lines between the `---` fences.
    fn front_matter(post: &str) -> &str {
        let start = post.find('\n').expect("a fence line") + 1;
        let end = post[start..]
            .find("\n---")
            .map_or(post.len(), |i| start + i + 1);
        &post[start..end]
    }

    #[test]
    fn agrees_with_the_general_parser_on_generated_posts() {
        let posts = crate::bench::corpus::post_texts(3000, 10, 7);
        let mut flat = 0;
        for post in &posts {
            let text = front_matter(post);
            if parse(text).is_some() {
                assert_same(text);
                flat += 1;
            }
        }
        // The generator writes the shapes posts are written in: nearly all flat.
        assert!(flat * 100 >= posts.len() * 95, "{flat} of {}", posts.len());
    }

    #[test]
    fn agrees_with_the_general_parser_on_the_example_posts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/posts");
        let mut seen = 0;
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.expect("readable");
            if entry.path().extension().is_some_and(|e| e == "md") {
                let post = std::fs::read_to_string(entry.path()).expect("UTF-8");
                let text = front_matter(&post);
                if parse(text).is_some() {
                    assert_same(text);
                }
                seen += 1;
            }
        }
        assert!(seen >= 10, "{seen}");
    }

    #[test]
    fn leaves_other_shapes_to_the_general_parser() {
        for text in [
            "a: yes\n",
            "a: 12\n",
            "a: [1]\n",
            "a: ~\n",
            "a: Null\n",
            "a:\n  - x\n",
            "a: b\n  c\n",
            "a: &x b\n",
            "a: \"esc\\n\"\n",
            "a: 'it''s'\n",
            "a: b: c\n",
            "a: b\na: c\n",
            "a: [x, ]\n",
            "a: x\n---\n",
            "a:\tb\n",
            "a: \"two\nlines\"\n",
            "yes: b\n",
            "a: !tag b\n",
            "a: [b, [c]]\n",
            "a: {b: c, b: d}\n",
            "",
            "# only a comment\n",
        ] {
            assert!(parse(text).is_none(), "{text:?}");
        }
    }
}
