//! The YAML this repository's files are written in, read without the
//! general parser: block mappings and indented block sequences whose values
//! are plain or quoted strings, integers, dates, or one-line flow sequences
//! and mappings of them. Anything else (multi-line scalars, anchors, tags,
//! escapes, duplicate keys, indentless sequences, values YAML reads as
//! floats, booleans or null) answers `None`, and `yaml::parse` hands the text
//! to serde-saphyr. Where both accept a text they build the same `Document`,
//! positions included: the tests compare them on generated posts and
//! policies and on the example repository.
//!
//! Why: the general parser cost about 200,000 instructions for a ten-line
//! front matter (a third of checking a post), and a tenth of a second for a
//! policy of 10,000 terms.

use serde_json::{Map, Number, Value};

use super::{Document, Located, Pos, pointer_segment};

/// Well inside serde-saphyr's budget (`BUDGET_NODES`, `BUDGET_DEPTH`):
/// a text near or past it is left to serde-saphyr, which enforces it.
const MAX_NODES: usize = super::BUDGET_NODES / 2;
const MAX_DEPTH: usize = super::BUDGET_DEPTH / 2;

/// The document, or `None` when the text is not in the shape read here.
pub(super) fn parse(text: &str) -> Option<Document> {
    let lines = lines(text)?;
    let first = lines.first()?;
    if first.indent != 0 || first.text.starts_with('-') {
        return None;
    }
    let mut reader = Reader {
        text,
        lines: &lines,
        next: 0,
        nodes: Vec::new(),
        key: None,
    };
    let root = reader.block_mapping(Scan { line: first, at: 0 }, "")?;
    (reader.next == lines.len()).then(|| Document::new(root, reader.nodes))
}

/// The lines that hold content (blank and comment-only lines dropped), or
/// `None` if any line holds a tab, a lone carriage return or another
/// control character (they mean something, or are errors, in YAML).
fn lines(text: &str) -> Option<Vec<Line<'_>>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw
            .strip_suffix('\n')
            .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
        let at = start;
        start += raw.len();
        if !line.chars().all(printable) {
            return None;
        }
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        lines.push(Line {
            number: index + 1,
            start: at,
            text: line,
            indent: line.len() - content.len(),
        });
    }
    Some(lines)
}

struct Reader<'a> {
    text: &'a str,
    lines: &'a [Line<'a>],
    /// The first line not read yet.
    next: usize,
    nodes: Vec<Located>,
    /// The position of the key whose value comes next.
    key: Option<Pos>,
}

impl<'a> Reader<'a> {
    /// Records a node; `None` past the node budget, so that serde-saphyr
    /// reads the text and reports the breach as it always does.
    fn located(&mut self, pointer: &str, value: Pos) -> Option<()> {
        if self.nodes.len() >= MAX_NODES {
            return None;
        }
        self.nodes.push(Located {
            pointer: pointer.to_string(),
            value,
            key: self.key.take(),
        });
        Some(())
    }

    /// The line after the current one, if it is indented exactly `indent`.
    fn next_at(&self, indent: usize) -> Option<&'a Line<'a>> {
        self.lines.get(self.next).filter(|l| l.indent == indent)
    }

    /// A block mapping whose first key starts at `first` (at the start of a
    /// line, or after `- ` in a sequence); later keys at the same column.
    fn block_mapping(&mut self, first: Scan<'a>, pointer: &str) -> Option<Value> {
        let column = first.at;
        let anchor = first.pos(0);
        self.located(pointer, anchor)?;
        let mut entries = Map::new();
        let mut at = first;
        self.next += 1;
        loop {
            let (key, key_pos) = at.key()?;
            if entries.contains_key(key) || !at.eat(":") {
                return None;
            }
            let entry_pointer = format!("{pointer}/{}", pointer_segment(key));
            self.key = Some(key_pos);
            let value = if at.rest().is_empty() {
                self.nested(column, &entry_pointer)?
            } else {
                if !at.eat(" ") {
                    return None;
                }
                at.skip_spaces();
                if at.rest().trim_end_matches(' ') == "|" {
                    self.literal(at.line, column, &entry_pointer)?
                } else {
                    let value = self.inline_value(&mut at, &entry_pointer)?;
                    at.end_of_line()?;
                    value
                }
            };
            entries.insert(key.to_string(), value);
            let Some(line) = self.next_at(column) else {
                break;
            };
            self.next += 1;
            at = Scan { line, at: column };
        }
        // A deeper line here would continue a value this reader does not model.
        if self.lines.get(self.next).is_some_and(|l| l.indent > column) {
            return None;
        }
        Some(Value::Object(entries))
    }

    /// The block collection under `key:` at `parent` indentation: a mapping
    /// or sequence indented deeper (never an indentless sequence).
    fn nested(&mut self, parent: usize, pointer: &str) -> Option<Value> {
        // Deep nesting is left to serde-saphyr's depth budget.
        if pointer.matches('/').count() >= MAX_DEPTH {
            return None;
        }
        let line = self.lines.get(self.next).filter(|l| l.indent > parent)?;
        let at = Scan {
            line,
            at: line.indent,
        };
        if at.rest().starts_with('-') {
            self.block_sequence(line.indent, pointer)
        } else {
            self.block_mapping(at, pointer)
        }
    }

    /// `- item` lines at `indent`.
    fn block_sequence(&mut self, indent: usize, pointer: &str) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(line) = self.next_at(indent) {
            let mut at = Scan { line, at: indent };
            if !at.eat("- ") {
                break;
            }
            if items.is_empty() {
                self.located(pointer, Scan { line, at: indent }.pos(0))?;
            }
            at.skip_spaces();
            let item_pointer = format!("{pointer}/{}", items.len());
            let mut probe = Scan { line, at: at.at };
            let is_mapping = probe.key().is_some() && probe.rest().starts_with(':');
            let item = if is_mapping {
                self.block_mapping(at, &item_pointer)?
            } else {
                self.next += 1;
                let item = self.inline_value(&mut at, &item_pointer)?;
                at.end_of_line()?;
                item
            };
            items.push(item);
        }
        if items.is_empty() || self.lines.get(self.next).is_some_and(|l| l.indent > indent) {
            return None;
        }
        Some(Value::Array(items))
    }

    /// A literal block scalar (`key: |`, clipped, indentation detected)
    /// after `header`, for a key at `column`: every following line indented
    /// deeper, with that indentation removed and one final line break.
    fn literal(&mut self, header: &Line, column: usize, pointer: &str) -> Option<Value> {
        while self.lines.get(self.next).is_some_and(|l| l.indent > column) {
            self.next += 1;
        }
        let end = self
            .lines
            .get(self.next)
            .map_or(self.text.len(), |l| l.start + l.indent);
        let body_start = header.start + header.text.len();
        let body_start = body_start + self.text[body_start..].find('\n')? + 1;
        let body = self.text.get(body_start..end)?;
        let raw: Vec<&str> = body.split_inclusive('\n').collect();
        let lines: Vec<&str> = raw
            .iter()
            .map(|l| l.trim_end_matches('\n').trim_end_matches('\r'))
            .collect();
        let first = lines
            .iter()
            .position(|l| !l.trim_start_matches(' ').is_empty())?;
        let indent = lines[first].len() - lines[first].trim_start_matches(' ').len();
        let mut value = String::with_capacity(body.len());
        for (i, line) in lines.iter().enumerate() {
            let content = line.trim_start_matches(' ');
            let spaces = line.len() - content.len();
            // Blank lines must not carry spaces that would be content, and
            // every other line must be indented at least as the first (a
            // less indented one is a comment that ends the scalar).
            if content.is_empty() {
                if spaces > indent || (i < first && spaces > 0) {
                    return None;
                }
                value.push('\n');
            } else if spaces < indent {
                return None;
            } else {
                value.push_str(&line[indent..]);
                value.push('\n');
            }
        }
        let kept = value.trim_end_matches('\n').len();
        value.truncate(kept);
        if value.is_empty() {
            return None;
        }
        value.push('\n');
        let start = body_start + raw[..first].iter().map(|l| l.len()).sum::<usize>() + indent;
        self.located(
            pointer,
            Pos {
                line: header.number + 1 + first,
                column: indent + 1,
                bytes: Some((start, end)),
            },
        )?;
        Some(Value::String(value))
    }

    /// A value on one line, after `key: ` or `- `.
    fn inline_value(&mut self, at: &mut Scan<'a>, pointer: &str) -> Option<Value> {
        match at.peek()? {
            '[' => self.flow_sequence(at, pointer),
            '{' => self.flow_mapping(at, pointer),
            '"' | '\'' => self.quoted(at, pointer),
            _ => {
                let rest = at.rest();
                // A comment ends a plain scalar; `: ` inside one is a nested
                // mapping, which is not this shape.
                let end = rest.find(" #").unwrap_or(rest.len());
                let scalar = rest[..end].trim_end_matches(' ');
                if scalar.contains(": ") || scalar.ends_with(':') {
                    return None;
                }
                self.plain(at, scalar, pointer)
            }
        }
    }

    fn flow_sequence(&mut self, at: &mut Scan<'a>, pointer: &str) -> Option<Value> {
        let mut items = Vec::new();
        self.flow_collection(at, pointer, "]", |reader, at| {
            let item_pointer = format!("{pointer}/{}", items.len());
            items.push(reader.flow_item(at, &item_pointer)?);
            Some(())
        })?;
        Some(Value::Array(items))
    }

    fn flow_mapping(&mut self, at: &mut Scan<'a>, pointer: &str) -> Option<Value> {
        let mut entries = Map::new();
        self.flow_collection(at, pointer, "}", |reader, at| {
            let (key, key_pos) = at.key()?;
            if entries.contains_key(key) || !at.eat(": ") {
                return None;
            }
            at.skip_spaces();
            let entry_pointer = format!("{pointer}/{}", pointer_segment(key));
            reader.key = Some(key_pos);
            let value = reader.flow_item(at, &entry_pointer)?;
            entries.insert(key.to_string(), value);
            Some(())
        })?;
        Some(Value::Object(entries))
    }

    /// A one-line `[...]` or `{...}` at `at`: `entry` reads each entry, and
    /// a `,` or the `close` bracket must follow it.
    fn flow_collection(
        &mut self,
        at: &mut Scan<'a>,
        pointer: &str,
        close: &str,
        mut entry: impl FnMut(&mut Self, &mut Scan<'a>) -> Option<()>,
    ) -> Option<()> {
        self.located(pointer, at.pos(1))?;
        at.at += 1;
        at.skip_spaces();
        if at.eat(close) {
            return Some(());
        }
        loop {
            entry(self, at)?;
            at.skip_spaces();
            if at.eat(close) {
                return Some(());
            }
            if !at.eat(",") {
                return None;
            }
            at.skip_spaces();
        }
    }

    /// A scalar inside `[...]` or `{...}`: quoted, or plain up to the next
    /// flow indicator.
    fn flow_item(&mut self, at: &mut Scan<'a>, pointer: &str) -> Option<Value> {
        if matches!(at.peek()?, '"' | '\'') {
            return self.quoted(at, pointer);
        }
        let rest = at.rest();
        let end = rest.find([',', ']', '}', '[', '{', '#', ':'])?;
        let scalar = rest[..end].trim_end_matches(' ');
        self.plain(at, scalar, pointer)
    }

    /// A quoted string with nothing to unescape (no `\` and no `''`).
    fn quoted(&mut self, at: &mut Scan<'a>, pointer: &str) -> Option<Value> {
        let quote = at.peek()?;
        let body = &at.rest()[1..];
        let len = body.find(quote)?;
        let content = &body[..len];
        let after = &body[len + 1..];
        if (quote == '"' && content.contains('\\')) || (quote == '\'' && after.starts_with('\'')) {
            return None;
        }
        self.located(pointer, at.pos(len + 2))?;
        at.at += len + 2;
        Some(Value::String(content.to_string()))
    }

    /// The plain scalar `scalar` at `at`, if YAML reads it as this reader
    /// does; `at` moves past it.
    fn plain(&mut self, at: &mut Scan<'a>, scalar: &str, pointer: &str) -> Option<Value> {
        let value = plain_value(scalar)?;
        self.located(pointer, at.pos(scalar.len()))?;
        at.at += scalar.len();
        Some(value)
    }
}

/// How YAML reads the plain scalar `s`, when it is one of the kinds this
/// reader knows for sure: a string that starts with a letter and is none of
/// the words YAML reads as a boolean or null, a date or date-time (kept as
/// text), or a decimal integer without sign or leading zero.
fn plain_value(s: &str) -> Option<Value> {
    let first = s.chars().next()?;
    if first.is_ascii_alphabetic() {
        return is_plain_string(s).then(|| Value::String(s.to_string()));
    }
    if is_date(s) {
        return Some(Value::String(s.to_string()));
    }
    let integer =
        s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || first != '0');
    if !integer {
        return None;
    }
    s.parse::<u64>()
        .ok()
        .map(|n| Value::Number(Number::from(n)))
}

/// Whether YAML reads the plain scalar `s` (starting with a letter) as that
/// same string.
fn is_plain_string(s: &str) -> bool {
    const WORDS: [&str; 9] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && !WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
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

/// A character this reader accepts anywhere in a line: no control
/// characters (tabs included), and none of the characters YAML treats as
/// line breaks or a byte order mark.
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
    /// Leading spaces.
    indent: usize,
}

/// A position in one line.
#[derive(Clone, Copy)]
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
    fn end_of_line(&self) -> Option<()> {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches(' ');
        let ok = trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len());
        ok.then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_same(text: &str) {
        let fast = parse(text).unwrap_or_else(|| panic!("not read here: {text:?}"));
        let general = super::super::parse_general(text).expect("valid YAML");
        assert_eq!(fast.value, general.value, "{text:?}");
        let sorted = |doc: &Document| {
            let mut nodes = doc.nodes().to_vec();
            nodes.sort_by(|a, b| a.pointer.cmp(&b.pointer));
            nodes
        };
        assert_eq!(sorted(&fast), sorted(&general), "{text:?}");
    }

    #[test]
    fn agrees_with_the_general_parser() {
        assert_same(
            "# c\ntitle: \"Hello: world\"  # x\nauthor: jane.doe\nplatforms: [linkedin, x , \"q\"]\nempty: []\nnone: {}\nimage: {path: media/a.png, alt: \"Alt\"}\npublish_at: 2026-11-10T15:00:00Z\r\nlast: héllo wörld   \nquote: 'single'\n",
        );
        assert_same("\n\ntitle: A title, with [brackets] and {braces}\nid: a-b_c\n");
        assert_same("tags: [a b, c]   # trailing\nalt: it's fine\n");
        assert_same(
            "version: 1\ncompany:\n  name: Ex\n  domains: [a.com]\n\n  # note\nrules:\n  - id: r1\n    terms:\n      - alpha\n      - beta gamma\n  - id: r2\n    terms: []\n    limits: {max: 280, min: 0}\nempty_map: {}\n",
        );
        assert_same("a:\n    b:\n        - x\n        -   yy\n    c: z\n");
        assert_same("a: |\r\n\r\n  x\r\n\r\n  y\r\nb: z\r\n");
        assert_same(
            "a:\n  - id: r1\n    explain: |\n      Why\n        indented\n\n      How\n    next: x\nb: |\n  one\n\n\nc: x\nd: |\n   last\n",
        );
    }

    #[test]
    fn leaves_texts_near_the_budgets_to_the_general_parser() {
        let many = format!("a: [{}x]\n", "x, ".repeat(MAX_NODES));
        assert!(parse(&many).is_none());
        let mut deep = String::new();
        for level in 0..=MAX_DEPTH {
            deep.push_str(&format!("{}k:\n", " ".repeat(level)));
        }
        deep.push_str(&format!("{}k: v\n", " ".repeat(MAX_DEPTH + 1)));
        assert!(parse(&deep).is_none());
        let shallow = "a:\n b:\n  c: v\n";
        assert_same(shallow);
    }

    #[test]
    fn leaves_other_shapes_to_the_general_parser() {
        for text in [
            "a: yes\n",
            "a: 1.5\n",
            "a: 012\n",
            "a: -1\n",
            "a: [1.5]\n",
            "a: ~\n",
            "a: Null\n",
            "a:\n",
            "a:\n- x\n",
            "a:\n  - - x\n",
            "a:\n  -\n    x\n",
            "a: b\n  c\n",
            "a:\n  - b\n    c\n",
            "a:\n  b: c\n    d\n",
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
            "a: |\n  x\n # c\n  y\n",
            "a: |\n    x\n  y\n",
            "a: |-\n  x\n",
            "a: |\n\n",
            "a:\n  - |\n    x\n",
            "a: {b: c, b: d}\n",
            "  a: b\n",
            "- a\n",
            "",
            "# only a comment\n",
        ] {
            assert!(parse(text).is_none(), "{text:?}");
        }
    }
}
