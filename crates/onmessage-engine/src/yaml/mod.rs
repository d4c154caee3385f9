//! YAML with positions: parse once into a JSON value for schema validation and
//! typed deserialisation, plus a map from JSON pointer to source position so
//! that every error can name the line and column of the node it is about.

mod fast;

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

/// Where a node starts in the YAML text (1-based line, 1-based column in
/// characters) and the byte range of its source text, when known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    /// Byte range of the node in the YAML text, for scalars.
    pub bytes: Option<(usize, usize)>,
}

impl Pos {
    fn from_location(loc: &serde_saphyr::Location) -> Self {
        let span = loc.span();
        let bytes = match (span.byte_offset(), span.byte_len()) {
            (Some(start), Some(len)) => Some((start as usize, (start + len) as usize)),
            _ => None,
        };
        Pos {
            line: loc.line().max(1) as usize,
            column: loc.column().max(1) as usize,
            bytes,
        }
    }
}

/// A parsed YAML document: the value as JSON and where each node came from.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    /// Every node, in document order.
    nodes: Vec<Located>,
    /// Indices into `nodes` sorted by pointer, built at the first lookup:
    /// most documents are read without one.
    by_pointer: OnceLock<Vec<u32>>,
}

/// Where one node of a document is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// JSON pointer (`/rules/3/id`).
    pub pointer: String,
    /// Position of the value.
    pub value: Pos,
    /// Position of the mapping key that introduced the value, if one did.
    pub key: Option<Pos>,
}

impl Document {
    /// `nodes`: one per node of `value`, in document order.
    fn new(value: Value, nodes: Vec<Located>) -> Document {
        Document {
            value,
            nodes,
            by_pointer: OnceLock::new(),
        }
    }

    fn node(&self, pointer: &str) -> Option<&Located> {
        let sorted = self.by_pointer.get_or_init(|| {
            let mut sorted: Vec<u32> = (0..self.nodes.len() as u32).collect();
            sorted.sort_unstable_by(|&a, &b| {
                self.nodes[a as usize]
                    .pointer
                    .cmp(&self.nodes[b as usize].pointer)
            });
            sorted
        });
        sorted
            .binary_search_by(|&i| self.nodes[i as usize].pointer.as_str().cmp(pointer))
            .ok()
            .map(|i| &self.nodes[sorted[i] as usize])
    }

    /// Position of the value at `pointer`, falling back to its nearest
    /// ancestor, then to the document start.
    pub fn value_pos(&self, pointer: &str) -> Pos {
        nearest(pointer, |p| self.node(p).map(|n| n.value))
    }

    /// Position of the key that holds the value at `pointer` (the place to
    /// point at for an unknown key), else of the value itself.
    pub fn key_pos(&self, pointer: &str) -> Pos {
        self.node(pointer)
            .and_then(|n| n.key)
            .unwrap_or_else(|| self.value_pos(pointer))
    }

    /// Every node, in document order.
    pub fn nodes(&self) -> &[Located] {
        &self.nodes
    }
}

/// The position `lookup` gives for `pointer`, else for its nearest ancestor
/// that has one, else the document start.
pub fn nearest(pointer: &str, lookup: impl Fn(&str) -> Option<Pos>) -> Pos {
    let mut p = pointer;
    loop {
        if let Some(pos) = lookup(p) {
            return pos;
        }
        match p.rfind('/') {
            Some(i) => p = &p[..i],
            None => {
                return Pos {
                    line: 1,
                    column: 1,
                    bytes: None,
                };
            }
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses one YAML document. An empty document is an empty mapping: every
/// file this tool reads is a mapping, and "missing key" says more than "null".
pub fn parse(text: &str) -> Result<Document, SyntaxError> {
    match fast::parse(text) {
        Some(document) => Ok(document),
        None => parse_general(text),
    }
}

/// What the fast reader made of a text, held to serde-saphyr's reading.
#[derive(Debug, PartialEq, Eq)]
pub enum FastPath {
    /// The fast reader left the text to serde-saphyr.
    Declined,
    /// It read the text, and both parsers give the same value and the same
    /// position for every node.
    Agrees,
    /// It read the text differently (a bug): what differs.
    Differs(String),
}

/// Reads `text` with both parsers and compares them: for the differential
/// fuzz target and for tests on generated and shipped files.
pub fn compare_fast_path(text: &str) -> FastPath {
    let Some(fast) = fast::parse(text) else {
        return FastPath::Declined;
    };
    let general = match parse_general(text) {
        Ok(general) => general,
        Err(e) => return FastPath::Differs(format!("serde-saphyr rejects it: {}", e.message)),
    };
    if fast.value != general.value {
        return FastPath::Differs(format!("values: {} vs {}", fast.value, general.value));
    }
    let sorted = |doc: &Document| {
        let mut nodes = doc.nodes().to_vec();
        nodes.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        nodes
    };
    let (fast, general) = (sorted(&fast), sorted(&general));
    match fast.iter().zip(&general).find(|(a, b)| a != b) {
        Some((a, b)) => FastPath::Differs(format!("positions: {a:?} vs {b:?}")),
        None if fast.len() != general.len() => {
            FastPath::Differs(format!("{} nodes vs {}", fast.len(), general.len()))
        }
        None => FastPath::Agrees,
    }
}

/// `parse` by serde-saphyr, for any YAML.
fn parse_general(text: &str) -> Result<Document, SyntaxError> {
    let node: Option<Spanned<Node>> = serde_saphyr::from_str(text).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line().max(1) as usize, l.column().max(1) as usize))
            .unwrap_or((1, 1));
        SyntaxError {
            line,
            column,
            message: first_line(&err.without_snippet().to_string()),
        }
    })?;
    let mut nodes = Vec::new();
    let value = match node {
        Some(node) => lower(node, None, &mut String::new(), &mut nodes),
        None => Value::Object(Map::new()),
    };
    Ok(Document::new(value, nodes))
}

/// A syntax error's message in plain words, and the fix written out (the
/// parser's own words when it is none of the common mistakes).
pub fn explain_syntax_error(message: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return (
            format!("the key `{key}` is given twice"),
            "Keep one of them.".to_string(),
        );
    }
    const PLAIN: [(&str, &str, &str); 12] = [
        (
            "tab",
            "a tab is used to indent",
            "Use spaces, not a tab, to indent (two spaces a level).",
        ),
        (
            "unclosed quote",
            "a quoted value is not closed",
            "End it with the quote it starts with; inside single quotes write '' for an apostrophe.",
        ),
        (
            "unclosed bracket",
            "a `[` list is not closed",
            "End the list with `]` on its line: platforms: [linkedin, x].",
        ),
        (
            "expected ',' or ']'",
            "a `[` list is not closed",
            "End the list with `]` on its line: platforms: [linkedin, x].",
        ),
        (
            "expected ',' or '}'",
            "a `{` mapping is not closed",
            "End it with `}` on its line: image: {path: media/a.png, alt: \"…\"}.",
        ),
        (
            "misplaced bracket",
            "a bracket closes nothing",
            "Remove the extra `]` or `}`.",
        ),
        (
            "mapping values are not allowed",
            "a value holds `: `, or a line is indented under a value",
            "Quote a value that contains `: ` (reason: \"it's: fine\"); indent a line only under a key that ends with `:`.",
        ),
        (
            "did not find expected key",
            "the indentation does not line up",
            "Indent the keys of one mapping by the same number of spaces.",
        ),
        (
            "expected '-' indicator",
            "the indentation does not line up",
            "Start every item of a list with `- ` at the same indentation.",
        ),
        (
            "trailing content after",
            "text follows a closing quote",
            "Put the whole value inside the quotes.",
        ),
        (
            "unknown anchor",
            "a value starts with `*`, which YAML reads as a reference",
            "Quote the value: '*…'.",
        ),
        (
            "unexpected character",
            "a value starts with a character YAML reserves (@, `, % or |)",
            "Quote the value: '@…'.",
        ),
    ];
    match PLAIN.iter().find(|(needle, _, _)| message.contains(needle)) {
        Some((_, plain, help)) => (plain.to_string(), help.to_string()),
        None if message.contains("multiple YAML documents") => (
            "the file holds more than one YAML document (a `---` line)".to_string(),
            "Remove the `---` line; one file is one document.".to_string(),
        ),
        None => (
            message.to_string(),
            "Fix the YAML syntax; quote values that contain `: ` or start with a special character.".to_string(),
        ),
    }
}

/// The parser's message without its snippet and without its own "at line N,
/// column M" (which counts from the start of the YAML, not of the file; the
/// caller reports the position).
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = match line.rfind(" at line ") {
        Some(i) if line[i..].contains(", column ") => &line[..i],
        _ => line,
    };
    match line.split_once("budget breached: ") {
        Some((_, breach)) => format!(
            "it exceeds the parser's safety limits ({breach}): at most {} values, {} levels of nesting and bounded alias expansion per file",
            BUDGET_NODES, BUDGET_DEPTH
        ),
        None => line.to_string(),
    }
}

/// serde-saphyr's default budget, which `parse` relies on (named in messages).
const BUDGET_NODES: usize = 250_000;
const BUDGET_DEPTH: usize = 64;

/// Escapes a mapping key as a JSON pointer segment (RFC 6901), copying it
/// only when it holds something to escape.
pub fn pointer_segment(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}

fn lower(
    node: Spanned<Node>,
    key: Option<Pos>,
    pointer: &mut String,
    nodes: &mut Vec<Located>,
) -> Value {
    nodes.push(Located {
        pointer: pointer.clone(),
        value: Pos::from_location(&node.referenced),
        key,
    });
    match node.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Number(n) => Value::Number(n),
        Node::String(s) => Value::String(s),
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                out.push(lower(item, None, pointer, nodes));
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        Node::Map(entries) => {
            let mut out = Map::with_capacity(entries.len());
            for (key, value) in entries {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&pointer_segment(&key.value));
                let key_pos = Pos::from_location(&key.referenced);
                let value = lower(value, Some(key_pos), pointer, nodes);
                pointer.truncate(len);
                out.insert(key.value, value);
            }
            Value::Object(out)
        }
    }
}

/// A YAML node whose children keep their spans.
enum Node {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Number::from_f64(v)
            .map(Node::Number)
            .ok_or_else(|| E::custom("infinite and NaN numbers are not allowed"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value()?;
            let key = Spanned::new(key.value.0, key.referenced, key.defined);
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key: any scalar, kept as its text (`1: x` has key "1").
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Key, E> {
                Ok(Key("null".to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let doc = parse("a: 1\nlist:\n  - x\n  - {k: \"v\"}\n").unwrap();
        assert_eq!(doc.value["list"][1]["k"], "v");
        let pos = doc.value_pos("/list/1/k");
        assert_eq!((pos.line, pos.column), (4, 9));
        let key = doc.key_pos("/list/1/k");
        assert_eq!((key.line, key.column), (4, 6));
        let item = doc.value_pos("/list/0");
        assert_eq!((item.line, item.column), (3, 5));
        assert_eq!(item.bytes, Some((15, 16)));
    }

    #[test]
    fn unknown_pointer_falls_back_to_ancestor() {
        let doc = parse("a:\n  b: 1\n").unwrap();
        assert_eq!(doc.value_pos("/a/b/c").line, 2);
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn empty_document_is_an_empty_mapping() {
        assert_eq!(parse("").unwrap().value, Value::Object(Map::new()));
        assert_eq!(
            parse("# only a comment\n").unwrap().value,
            Value::Object(Map::new())
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert!(parse("a: 1\na: 2\n").is_err());
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            yaml.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&yaml).unwrap_err();
        assert!(err.message.contains("safety limits"), "{err:?}");
    }

    #[test]
    fn budget_limits_are_the_parsers() {
        let budget = serde_saphyr::Budget::default();
        assert_eq!(
            (budget.max_nodes, budget.max_depth),
            (BUDGET_NODES, BUDGET_DEPTH)
        );
    }

    #[test]
    fn common_mistakes_are_told_in_plain_words() {
        let cases = [
            ("title: a\n\tb: c\n", "a tab is used to indent"),
            ("title: \"abc\nb: 1\n", "a quoted value is not closed"),
            ("title: {a: 1\nb: 1\n", "a `{` mapping is not closed"),
            ("title: [a, b]]\n", "a bracket closes nothing"),
            (
                "title: a: b\n",
                "a value holds `: `, or a line is indented under a value",
            ),
            ("title: a\ntitle: b\n", "the key `title` is given twice"),
            ("a:\n  b: 1\n c: 2\n", "the indentation does not line up"),
            ("title: \"a\" b\n", "text follows a closing quote"),
            (
                "title: @me\n",
                "a value starts with a character YAML reserves (@, `, % or |)",
            ),
        ];
        for (yaml, plain) in cases {
            let err = parse(yaml).unwrap_err();
            assert_eq!(
                explain_syntax_error(&err.message).0,
                plain,
                "{yaml:?}: {}",
                err.message
            );
        }
    }
}
