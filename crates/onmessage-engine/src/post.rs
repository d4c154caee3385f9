//! Reading one post file: front matter (YAML with positions, validated
//! against the post schema) and a Markdown body split into per-platform copy.
//! Problems that stop a post from being understood become findings
//! (`post.parse`, `post.schema`); nothing here fails the run.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::finding::{Finding, Severity};
use crate::platform::Platform;
use crate::schema;
use crate::source::LineIndex;
use crate::yaml::{self, Document, Pos};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    Approved,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Image {
    pub path: String,
    pub alt: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Allow {
    pub rule: String,
    pub reason: Option<String>,
}

/// Front matter that passed the schema.
#[derive(Debug, Clone, Deserialize)]
pub struct FrontMatter {
    pub id: Option<String>,
    pub title: String,
    /// Who drafted the post: the approval rules compare it with `approved_by`.
    pub author: String,
    pub status: Status,
    pub platforms: Vec<Platform>,
    pub publish_at: String,
    pub expires_at: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub clients: Vec<String>,
    pub audiences: Option<Vec<String>>,
    pub link: Option<String>,
    pub image: Option<Image>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub allow: Vec<Allow>,
    /// The approver's id (the policy's `approval.approvers`).
    pub approved_by: Option<String>,
    /// When it was approved: a date or date-time, as written.
    pub approved_at: Option<String>,
}

/// A Markdown heading in the body.
#[derive(Debug, Clone)]
pub struct Heading {
    pub level: HeadingLevel,
    pub text: String,
    /// Byte range of the heading's line(s) in the file.
    pub range: Range<usize>,
}

/// One platform's copy, or the default copy (`platform: None`).
#[derive(Debug, Clone)]
pub struct Section {
    pub platform: Option<Platform>,
    /// Byte range of the copy in the file, surrounding blank space trimmed.
    pub range: Range<usize>,
}

/// A link or image reference written in Markdown syntax.
#[derive(Debug, Clone)]
pub struct MarkdownLink {
    pub url: String,
    pub is_image: bool,
    /// An image's alt text (empty for links).
    pub alt: String,
    pub range: Range<usize>,
}

/// An image a post uses: from the front matter or a Markdown image.
#[derive(Debug, Clone)]
pub struct ImageRef {
    pub path: String,
    pub alt: Option<String>,
    /// Where to point for the path and for a missing alt text.
    pub path_range: Range<usize>,
    pub alt_range: Range<usize>,
}

/// Which part of a post a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The front-matter `id`.
    Id,
    Title,
    Tag,
    /// An entry of the front-matter `audiences`.
    Audience,
    Link,
    ImagePath,
    ImageAlt,
    Copy(Option<Platform>),
    /// A comment in the front matter.
    Comment,
    /// Front matter lines the YAML reader could not read (still scanned).
    Unreadable,
    /// The post's own path under `content/posts/`, without `.md`: the id
    /// is derived from it. Matches in it point at the file's start.
    Path,
    /// A line a commit added, outside any post's current text.
    AddedLine,
}

impl Field {
    pub fn describe(self) -> String {
        match self {
            Field::Id => "the post id".into(),
            Field::Title => "the title".into(),
            Field::Tag => "a tag".into(),
            Field::Audience => "an audience".into(),
            Field::Link => "the link".into(),
            Field::ImagePath => "the image file name".into(),
            Field::ImageAlt => "the image's alt text".into(),
            Field::Copy(None) => "the default copy".into(),
            Field::Copy(Some(p)) => format!("the {} copy", p.id()),
            Field::Comment => "a front matter comment".into(),
            Field::Unreadable => "front matter that could not be read".into(),
            Field::Path => "the file path".into(),
            Field::AddedLine => "an added line".into(),
        }
    }
}

/// A piece of a post's text with a map back into the file.
#[derive(Debug, Clone)]
pub struct TextUnit {
    pub field: Field,
    pub text: String,
    origin: Origin,
}

/// How offsets in a text unit map to offsets in the file.
#[derive(Debug, Clone)]
enum Origin {
    /// The text is the file's bytes from this offset on.
    Verbatim(usize),
    /// A quoted, escaped or folded YAML string: for each byte of the text,
    /// the file range of the source character (or escape) it came from.
    Mapped(Vec<(usize, usize)>),
    /// No character map: every match points at the whole value.
    Whole(Range<usize>),
}

impl TextUnit {
    /// A text that stands in its file verbatim from byte `at` on.
    pub fn verbatim(field: Field, text: String, at: usize) -> TextUnit {
        TextUnit {
            field,
            text,
            origin: Origin::Verbatim(at),
        }
    }

    /// File byte range of `text[start..end]`.
    pub fn file_range(&self, start: usize, end: usize) -> Range<usize> {
        match &self.origin {
            Origin::Verbatim(at) => at + start..at + end,
            Origin::Mapped(map) if end > start => map[start].0..map[end - 1].1,
            Origin::Mapped(map) => map.get(start).map_or(0..0, |m| m.0..m.0),
            Origin::Whole(range) => range.clone(),
        }
    }
}

/// Maps each byte of a YAML string's value to its source in `raw` (the
/// scalar as written: quotes, `''`, backslash escapes, folded lines, block
/// indentation). `None` if the value cannot be aligned with its source.
fn align_scalar(raw: &str, value: &str) -> Option<Vec<(usize, usize)>> {
    let raw_chars: Vec<(usize, char)> = raw.char_indices().collect();
    let end_of = |i: usize| raw_chars.get(i).map_or(raw.len(), |&(b, _)| b);
    let mut map = Vec::with_capacity(value.len());
    let mut r = 0;
    for v in value.chars() {
        loop {
            let &(at, c) = raw_chars.get(r)?;
            if c == '\\'
                && let Some((decoded, used)) = decode_escape(&raw_chars[r + 1..])
                && decoded == v
            {
                map.extend(std::iter::repeat_n(
                    (at, end_of(r + 1 + used)),
                    v.len_utf8(),
                ));
                r += 1 + used;
                break;
            }
            if c == v || (v == ' ' && c == '\n') {
                map.extend(std::iter::repeat_n((at, at + c.len_utf8()), v.len_utf8()));
                r += 1;
                break;
            }
            r += 1;
        }
    }
    Some(map)
}

/// A YAML double-quoted escape after the backslash: the character and how
/// many source characters it used.
fn decode_escape(rest: &[(usize, char)]) -> Option<(char, usize)> {
    let &(_, c) = rest.first()?;
    let hex = |n: usize| -> Option<(char, usize)> {
        let digits: String = rest.get(1..=n)?.iter().map(|&(_, c)| c).collect();
        char::from_u32(u32::from_str_radix(&digits, 16).ok()?).map(|ch| (ch, n + 1))
    };
    let simple = match c {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' => return hex(2),
        'u' => return hex(4),
        'U' => return hex(8),
        _ => return None,
    };
    Some((simple, 1))
}

#[derive(Debug)]
pub struct Post {
    /// Relative to the root, with `/`.
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
    pub id: String,
    /// `None` when the front matter is missing or no key of it can be read.
    /// Keys that fail the schema (or the YAML reader) are left out and every
    /// other key is kept: a broken required key reads as the value that
    /// judges least (status draft, no platforms, no publish_at) and is named
    /// in `broken_keys`.
    pub front: Option<FrontMatter>,
    /// Top-level front matter keys (or lists with an item) that were broken.
    broken_keys: Vec<String>,
    /// For a list with broken items left out: the list, and for each item
    /// of `front`'s list its index in the file's (for `front_range`).
    kept_items: Vec<(String, Vec<usize>)>,
    front_doc: Option<FrontDoc>,
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    pub links: Vec<MarkdownLink>,
    /// `post.parse` and `post.schema` findings.
    pub problems: Vec<Finding>,
}

/// What a post keeps of its parsed front matter: the YAML document itself
/// (a JSON value and two maps of pointer strings, several kilobytes a post)
/// is dropped after parsing; its positions and the strings that become text
/// units stay, packed. Lookups answer exactly as `Document`'s did.
#[derive(Debug)]
struct FrontDoc {
    positions: Positions,
    /// (pointer, field, text) of every front matter string a reader sees,
    /// in text-unit order: `FRONT_TEXT_FIELDS`, then the tags, then the
    /// audiences.
    texts: Vec<(String, Field, String)>,
    /// Byte ranges (in the YAML text) of the comments' text, after `#`.
    comments: Vec<Range<usize>>,
    /// Byte ranges (in the YAML text) of the blocks the YAML reader could
    /// not read and left out: scanned as they stand.
    unreadable: Vec<Range<usize>>,
    /// File byte offset and 0-based line of the first YAML line.
    start: usize,
    first_line: usize,
}

impl FrontDoc {
    fn new(
        doc: &Document,
        yaml: &str,
        unreadable: Vec<Range<usize>>,
        start: usize,
        first_line: usize,
    ) -> FrontDoc {
        let mut texts = Vec::new();
        for (pointer, field) in FRONT_TEXT_FIELDS {
            // `Value::pointer` unescapes (allocates) every segment; these
            // pointers are the tool's own and need no unescaping.
            let value = pointer
                .split('/')
                .skip(1)
                .try_fold(&doc.value, |value, key| value.get(key));
            if let Some(text) = value.and_then(|v| v.as_str()) {
                texts.push((pointer.to_string(), field, text.to_string()));
            }
        }
        for (key, field) in [("tags", Field::Tag), ("audiences", Field::Audience)] {
            let items = doc.value.get(key).and_then(|t| t.as_array());
            for (i, item) in items.into_iter().flatten().enumerate() {
                if let Some(text) = item.as_str() {
                    texts.push((format!("/{key}/{i}"), field, text.to_string()));
                }
            }
        }
        let mut scalars: Vec<(usize, usize)> = doc
            .nodes()
            .iter()
            .flat_map(|n| [Some(n.value), n.key])
            .flatten()
            .filter_map(|p| p.bytes)
            .collect();
        scalars.sort_unstable();
        FrontDoc {
            positions: Positions::new(doc),
            texts,
            comments: yaml_comments(yaml, &scalars),
            unreadable,
            start,
            first_line,
        }
    }
}

/// A `yaml::Pos` in 16 bytes.
#[derive(Clone, Copy, Debug)]
struct PackedPos {
    line: u32,
    column: u32,
    /// `NO_BYTES` for `bytes: None`.
    start: u32,
    end: u32,
}

const NO_BYTES: u32 = u32::MAX;

impl PackedPos {
    fn pack(pos: Pos) -> PackedPos {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX - 1);
        let (start, end) = pos
            .bytes
            .map_or((NO_BYTES, NO_BYTES), |(a, b)| (narrow(a), narrow(b)));
        PackedPos {
            line: narrow(pos.line),
            column: narrow(pos.column),
            start,
            end,
        }
    }

    fn unpack(self) -> Pos {
        Pos {
            line: self.line as usize,
            column: self.column as usize,
            bytes: (self.start != NO_BYTES).then_some((self.start as usize, self.end as usize)),
        }
    }
}

/// The value and key position of every node of a YAML document, by JSON
/// pointer: the pointers in one string, the entries sorted by pointer.
#[derive(Debug, Default)]
struct Positions {
    pointers: String,
    /// (pointer start, pointer end, value position, key position).
    entries: Vec<(u32, u32, PackedPos, PackedPos)>,
}

impl Positions {
    /// `doc`'s nodes, packed. `Document` records a position for every node
    /// and falls back from a pointer to its parent; for any other pointer
    /// the same walk here ends at the same node, so `value_pos` and
    /// `key_pos` answer as `Document`'s did.
    fn new(doc: &Document) -> Positions {
        let mut nodes: Vec<&yaml::Located> = doc.nodes().iter().collect();
        nodes.sort_unstable_by(|a, b| a.pointer.cmp(&b.pointer));
        let mut out = Positions {
            pointers: String::with_capacity(nodes.iter().map(|n| n.pointer.len()).sum()),
            entries: Vec::with_capacity(nodes.len()),
        };
        for node in nodes {
            let start = out.pointers.len() as u32;
            out.pointers.push_str(&node.pointer);
            out.entries.push((
                start,
                out.pointers.len() as u32,
                PackedPos::pack(node.value),
                PackedPos::pack(node.key.unwrap_or(node.value)),
            ));
        }
        out
    }

    fn get(&self, pointer: &str) -> Option<&(u32, u32, PackedPos, PackedPos)> {
        self.entries
            .binary_search_by(|e| self.pointers[e.0 as usize..e.1 as usize].cmp(pointer))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// As `Document::value_pos`.
    fn value_pos(&self, pointer: &str) -> Pos {
        yaml::nearest(pointer, |p| self.get(p).map(|e| e.2.unpack()))
    }

    /// As `Document::key_pos`.
    fn key_pos(&self, pointer: &str) -> Pos {
        self.get(pointer)
            .map_or_else(|| self.value_pos(pointer), |e| e.3.unpack())
    }
}

/// The comments of a YAML text: a `#` at a line's start or after a space
/// or tab, outside every scalar (`scalars`: sorted byte ranges of the
/// document's keys and values, quoted and block scalars included), to the
/// end of its line. Returns the ranges of their text after the `#`.
fn yaml_comments(yaml: &str, scalars: &[(usize, usize)]) -> Vec<Range<usize>> {
    let bytes = yaml.as_bytes();
    let mut comments = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'#') {
        let hash = at + offset;
        let starts_comment = hash == 0 || matches!(bytes[hash - 1], b' ' | b'\t' | b'\n' | b'\r');
        let in_scalar = scalars
            .partition_point(|&(from, _)| from <= hash)
            .checked_sub(1)
            .is_some_and(|i| {
                // Ranges may nest (a key inside its mapping's value): any
                // earlier range that still covers `hash` counts.
                scalars[..=i]
                    .iter()
                    .rev()
                    .take(64)
                    .any(|&(from, to)| from <= hash && hash < to)
            });
        if starts_comment && !in_scalar {
            let end = bytes[hash..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| hash + n);
            let end = if end > hash && bytes[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            comments.push(hash + 1..end.max(hash + 1));
            at = end.max(hash + 1);
        } else {
            at = hash + 1;
        }
    }
    comments
}

/// Front matter pointers that hold text a reader sees.
const FRONT_TEXT_FIELDS: [(&str, Field); 5] = [
    ("/id", Field::Id),
    ("/title", Field::Title),
    ("/link", Field::Link),
    ("/image/path", Field::ImagePath),
    ("/image/alt", Field::ImageAlt),
];

/// Front matter lists whose broken items are left out one by one (the
/// valid items stay).
const LISTS: [&str; 6] = [
    "platforms",
    "products",
    "clients",
    "audiences",
    "tags",
    "allow",
];

/// `key` of `/key/...` (unescaped), "" for the root.
fn top_level_key(pointer: &str) -> &str {
    pointer.split('/').nth(1).unwrap_or("")
}

/// `(list, index)` of `/list/index/...`.
fn list_item(pointer: &str) -> Option<(&str, usize)> {
    let mut segments = pointer.split('/').skip(1);
    let list = segments.next()?;
    let index = segments.next()?.parse().ok()?;
    Some((list, index))
}

/// Platform names as people type them (`LinkedIn`, `twitter`) rewritten as
/// their ids before the schema sees them.
fn canonical_platforms(value: &mut serde_json::Value) {
    let items = value.get_mut("platforms").and_then(|p| p.as_array_mut());
    for item in items.into_iter().flatten() {
        if let Some(platform) = item.as_str().and_then(Platform::from_name) {
            *item = serde_json::Value::String(platform.id().to_string());
        }
    }
}

/// Front matter YAML read as far as it can be: each top-level block (a key
/// and its indented lines) that the reader rejects is blanked out (spaces,
/// so every offset stays) and the rest read again.
struct Recovered<'y> {
    /// Every syntax error met, in the order met.
    errors: Vec<yaml::SyntaxError>,
    /// The readable rest; `None` if nothing could be read.
    doc: Option<Document>,
    /// The YAML with the unreadable blocks blanked (copied only then).
    text: std::borrow::Cow<'y, str>,
    /// Byte ranges of the blanked blocks.
    unreadable: Vec<Range<usize>>,
    /// The keys of the blanked blocks.
    broken_keys: Vec<String>,
}

/// How many broken blocks are left out before giving up on the rest.
const MAX_UNREADABLE_BLOCKS: usize = 16;

impl<'y> Recovered<'y> {
    fn read(yaml: &'y str) -> Recovered<'y> {
        let mut out = Recovered {
            errors: Vec::new(),
            doc: None,
            text: std::borrow::Cow::Borrowed(yaml),
            unreadable: Vec::new(),
            broken_keys: Vec::new(),
        };
        for _ in 0..=MAX_UNREADABLE_BLOCKS {
            let error = match yaml::parse(&out.text) {
                Ok(doc) => {
                    out.doc = Some(doc);
                    return out;
                }
                Err(error) => error,
            };
            // A file over the parser's limits is hostile: nothing of it is read.
            let over_limits = error.message.contains("safety limits");
            let block = top_level_block(&out.text, error.line).filter(|_| !over_limits);
            let Some((mut range, mut key)) = block else {
                out.errors.push(error);
                return out;
            };
            // An error in an earlier block than the one just blanked (an
            // unclosed `[` shows up on the next key's line first): that one
            // was blanked for this one's mistake, so it comes back.
            if out
                .unreadable
                .last()
                .is_some_and(|last| range.start < last.start)
            {
                let last = out.unreadable.pop().expect("checked");
                out.text.to_mut().replace_range(last.clone(), &yaml[last]);
                out.errors.pop();
                out.broken_keys.pop();
                match top_level_block(&out.text, error.line) {
                    Some(block) => (range, key) = block,
                    None => {
                        out.errors.push(error);
                        return out;
                    }
                }
            }
            out.errors.push(error);
            let blanked = blank(&out.text[range.clone()]);
            out.text.to_mut().replace_range(range.clone(), &blanked);
            out.unreadable.push(range);
            out.broken_keys.push(key);
        }
        out
    }
}

/// `text` as spaces (as many bytes as each character took) and its line
/// breaks: nothing to read, every offset where it was.
fn blank(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let fill = if c == '\n' { '\n' } else { ' ' };
        out.extend(std::iter::repeat_n(fill, c.len_utf8()));
    }
    out
}

/// The byte range and key of the top-level block holding 1-based `line`:
/// from the last line at or before it that starts in column 1 (not a
/// comment) to the next such line. `None` if there is no such block or it
/// is already blank.
fn top_level_block(text: &str, line: usize) -> Option<(Range<usize>, String)> {
    let mut starts = Vec::new();
    let mut offset = 0;
    let mut line_count = 0;
    for l in text.split_inclusive('\n') {
        if l.starts_with(|c: char| !c.is_whitespace() && c != '#') {
            starts.push((line_count + 1, offset));
        }
        offset += l.len();
        line_count += 1;
    }
    let line = line.min(line_count.max(1));
    let i = starts.iter().rposition(|&(l, _)| l <= line)?;
    let begin = starts[i].1;
    let end = starts.get(i + 1).map_or(text.len(), |&(_, at)| at);
    let first = text[begin..end].lines().next().unwrap_or("");
    let key = first
        .split_once(':')
        .map_or(first, |(k, _)| k)
        .trim()
        .trim_matches(['"', '\''])
        .to_string();
    Some((begin..end, key))
}

impl Post {
    /// Parses a post. `path` is relative to the root; `bytes` its content.
    pub fn parse(path: String, bytes: Vec<u8>) -> Post {
        Post::parse_with(path, bytes, schema::embedded())
    }

    /// [`Post::parse`], the front matter validated with `schemas` (a base
    /// revision's).
    pub fn parse_with(path: String, bytes: Vec<u8>, schemas: &schema::Schemas) -> Post {
        let default_id = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .trim_end_matches(".md")
            .to_string();
        if let Some(nul) = bytes.iter().position(|&b| b == 0) {
            let text = String::from_utf8_lossy(&bytes[..nul]).into_owned();
            let mut post = Post::empty(path, default_id, text);
            let at = post.text.len();
            post.problem_at(
                "post.parse",
                at..at,
                "the file is binary (it contains a NUL byte), not a Markdown post",
                "Posts are UTF-8 text; move images and other files to content/media/.",
            );
            return post;
        }
        let (text, utf8_error) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                (String::from_utf8_lossy(&bytes).into_owned(), Some(valid))
            }
        };
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        let mut post = Post::empty(path, default_id, text);
        if let Some(valid) = utf8_error {
            // Offsets into the lossy text match the original up to the first bad byte.
            post.problem_at(
                "post.parse",
                valid..valid + 1,
                "the file is not valid UTF-8",
                "Save the file as UTF-8.",
            );
            return post;
        }
        let Some((yaml_range, body_start, first_line)) = post.split_front_matter() else {
            return post;
        };
        let yaml_text = post.text[yaml_range.clone()].to_string();
        let recovered = Recovered::read(&yaml_text);
        for e in &recovered.errors {
            let offset = post.lines.offset(&post.text, first_line + e.line, e.column);
            let (message, help) = yaml::explain_syntax_error(&e.message);
            post.problem_at(
                "post.parse",
                offset..offset,
                &format!("the front matter is not valid YAML: {message}"),
                &help,
            );
        }
        if let Some(doc) = recovered.doc {
            post.broken_keys = recovered.broken_keys;
            post.apply_front_matter(
                doc,
                &recovered.text,
                recovered.unreadable,
                yaml_range,
                first_line,
                &schemas.post,
            );
        }
        post.check_file_name_id();
        post.parse_body(body_start);
        post
    }

    /// A post without `id` takes its file name as its id, which names the
    /// feed item and the post's own page (`posts/<id>/`): it must be an id
    /// as the schema's `id` is, or the page could land outside its folder
    /// (`..md`) or at an address a web server does not serve.
    fn check_file_name_id(&mut self) {
        let Some(front) = &self.front else { return };
        if front.id.is_some() || self.front_key_broken("id") || crate::scaffold::is_id(&self.id) {
            return;
        }
        let suggestion = crate::scaffold::slug(&self.id);
        let message = format!(
            "the file name gives this post the id `{}`, which is not an id: ids are lower-case letters, digits and hyphens, starting with a letter or digit",
            self.id
        );
        let help = if suggestion.is_empty() {
            "Rename the file (for example `holiday-hours.md`), or give the post an `id:` in its front matter".to_string()
        } else {
            format!(
                "Rename the file to `{suggestion}.md`, or add `id: {suggestion}` to the front matter"
            )
        };
        self.problem_at("post.schema", 0..0, &message, &help);
    }

    /// A post with text and nothing understood yet.
    fn empty(path: String, id: String, text: String) -> Post {
        Post {
            path,
            lines: LineIndex::new(&text),
            id,
            front: None,
            broken_keys: Vec::new(),
            kept_items: Vec::new(),
            front_doc: None,
            headings: Vec::new(),
            sections: Vec::new(),
            links: Vec::new(),
            problems: Vec::new(),
            text,
        }
    }

    /// Finds the `---` fences. Returns the YAML byte range, where the body
    /// starts, and the 0-based line of the first YAML line.
    fn split_front_matter(&mut self) -> Option<(Range<usize>, usize, usize)> {
        let mut offset = 0;
        let mut yaml_start = None;
        for line in self.text.split_inclusive('\n') {
            let content = line.trim_end_matches(['\n', '\r']).trim_end();
            match yaml_start {
                None if content == "---" => yaml_start = Some(offset + line.len()),
                None => break,
                Some(start) if content == "---" || content == "..." => {
                    return Some((start..offset, offset + line.len(), 1));
                }
                Some(_) => {}
            }
            offset += line.len();
        }
        let (message, help) = if yaml_start.is_some() {
            (
                "the front matter starts with `---` but never ends",
                "Add a line `---` after the last front matter key.",
            )
        } else {
            (
                "no front matter: a post must start with a `---` line",
                "Start the file with `---`, the front matter keys (title, author, status, platforms, publish_at), and `---`.",
            )
        };
        self.problem_at("post.parse", 0..0, message, help);
        None
    }

    fn apply_front_matter(
        &mut self,
        mut doc: Document,
        yaml: &str,
        unreadable: Vec<Range<usize>>,
        yaml_range: Range<usize>,
        first_line: usize,
        schema: &schema::Compiled,
    ) {
        let start = yaml_range.start;
        canonical_platforms(&mut doc.value);
        let violations = schema.validate_source(&doc, yaml);
        // Copied only when something is left out or filled in.
        let mut value = std::borrow::Cow::Borrowed(&doc.value);
        let mut dropped_items: Vec<(String, usize)> = Vec::new();
        for v in &violations {
            // A key the YAML reader already could not read is reported once.
            let key = top_level_key(&v.pointer);
            if v.message.starts_with("missing required key")
                && self.broken_keys.iter().any(|k| k == key)
            {
                continue;
            }
            let offset = self
                .lines
                .offset(&self.text, first_line + v.pos.line, v.pos.column);
            let end = v.pos.bytes.map_or(offset, |(a, b)| offset + (b - a));
            let platform = list_item(&v.pointer)
                .filter(|(list, _)| *list == "platforms")
                .and_then(|_| doc.value.pointer(&v.pointer)?.as_str());
            match platform {
                // A name no platform goes by (`Twiter`): say the nearest.
                Some(name) => {
                    let message = format!("`platforms` lists an {}", Platform::unknown(name));
                    let help = "Write a platform id: linkedin, x, facebook, instagram, threads, bluesky or mastodon (any case; `twitter` means x).";
                    self.problem_at("post.schema", offset..end, &message, help);
                }
                _ => self.problem_at("post.schema", offset..end, &v.message, &v.help),
            }
            match list_item(&v.pointer) {
                Some((list, i)) if LISTS.contains(&list) => {
                    dropped_items.push((list.to_string(), i))
                }
                _ => {
                    if value.get(key).is_some()
                        && let Some(map) = value.to_mut().as_object_mut()
                    {
                        map.remove(key);
                    }
                }
            }
            if !key.is_empty() && !self.broken_keys.iter().any(|k| k == key) {
                self.broken_keys.push(key.to_string());
            }
        }
        // Items last first, so that earlier indices stay right.
        dropped_items.sort_unstable_by(|a, b| b.cmp(a));
        dropped_items.dedup();
        for (list, i) in dropped_items {
            if let Some(items) = value.to_mut().get_mut(&list).and_then(|l| l.as_array_mut())
                && i < items.len()
            {
                let kept = match self.kept_items.iter().position(|(l, _)| *l == list) {
                    Some(k) => &mut self.kept_items[k].1,
                    None => {
                        self.kept_items
                            .push((list.clone(), (0..items.len()).collect()));
                        &mut self.kept_items.last_mut().expect("just pushed").1
                    }
                };
                items.remove(i);
                kept.remove(i);
            }
        }
        for (key, fallback) in [
            ("title", serde_json::json!("")),
            ("author", serde_json::json!("")),
            ("status", serde_json::json!("draft")),
            ("platforms", serde_json::json!([])),
            ("publish_at", serde_json::json!("")),
        ] {
            if value.is_object()
                && value.get(key).is_none()
                && let Some(map) = value.to_mut().as_object_mut()
            {
                map.insert(key.to_string(), fallback);
            }
        }
        match FrontMatter::deserialize(value.as_ref()) {
            Ok(fm) => {
                if let Some(id) = &fm.id {
                    self.id = id.clone();
                }
                self.front = Some(fm);
            }
            Err(e) => self.problem_at(
                "post.schema",
                0..0,
                &format!("the front matter does not fit the tool's model: {e}"),
                "This is a bug in the tool (schema and types disagree); please report it.",
            ),
        }
        self.front_doc = Some(FrontDoc::new(&doc, yaml, unreadable, start, first_line));
    }

    /// Whether the front matter's top-level `key` was broken (left out, or
    /// a list with an item left out): rules that compare a post with what
    /// it declares there do not guess.
    pub fn front_key_broken(&self, key: &str) -> bool {
        self.broken_keys.iter().any(|k| k == key)
    }

    fn parse_body(&mut self, body_start: usize) {
        let body = &self.text[body_start..];
        let mut current: Option<(HeadingLevel, usize, String)> = None;
        let mut section_start = body_start;
        let mut section_platform = None;
        let mut sections = Vec::new();
        let mut in_image = false;
        for (event, range) in Parser::new(body).into_offset_iter() {
            let range = range.start + body_start..range.end + body_start;
            match event {
                Event::Start(Tag::Heading { level, .. }) => {
                    current = Some((level, range.start, String::new()))
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, start, text)) = current.take() {
                        let text = text.trim().to_string();
                        // Every level-2 heading ends the copy before it: one
                        // that names no platform starts copy that belongs to
                        // none (still read, shared on no network), never
                        // another platform's.
                        if level == HeadingLevel::H2 {
                            sections.push(self.section(section_platform, section_start..start));
                            section_platform = Platform::from_name(&text);
                            // A platform's heading is only its name; any other
                            // heading's words are read with its copy.
                            section_start = match section_platform {
                                Some(_) => range.end,
                                None => start,
                            };
                        }
                        let end = start + self.text[start..range.end].trim_end().len();
                        self.headings.push(Heading {
                            level,
                            text,
                            range: start..end,
                        });
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, _, text)) = current.as_mut() {
                        text.push_str(&t);
                    }
                    if let Some(image) = self.links.last_mut().filter(|_| in_image) {
                        image.alt.push_str(&t);
                    }
                }
                Event::Start(Tag::Link { dest_url, .. }) => self.links.push(MarkdownLink {
                    url: dest_url.to_string(),
                    is_image: false,
                    alt: String::new(),
                    range,
                }),
                Event::Start(Tag::Image { dest_url, .. }) => {
                    in_image = true;
                    self.links.push(MarkdownLink {
                        url: dest_url.to_string(),
                        is_image: true,
                        alt: String::new(),
                        range,
                    })
                }
                Event::End(TagEnd::Image) => in_image = false,
                _ => {}
            }
        }
        sections.push(self.section(section_platform, section_start..self.text.len()));
        self.sections = sections;
    }

    fn section(&self, platform: Option<Platform>, range: Range<usize>) -> Section {
        let raw = &self.text[range.clone()];
        let start = range.start + (raw.len() - raw.trim_start().len());
        let end = range.start + raw.trim_end().len();
        Section {
            platform,
            range: start..end.max(start),
        }
    }

    fn problem_at(&mut self, rule: &str, range: Range<usize>, message: &str, help: &str) {
        let region = self.lines.region(&self.text, range.start, range.end);
        self.problems.push(Finding::new(
            rule,
            Severity::Error,
            &self.path,
            region,
            message.to_string(),
            help.to_string(),
        ));
    }

    pub fn copy(&self, section: &Section) -> &str {
        &self.text[section.range.clone()]
    }

    /// The copy that will be shared on `platform`: its own section, else the default.
    pub fn copy_for(&self, platform: Platform) -> Option<&Section> {
        self.copy_index_for(platform).map(|i| &self.sections[i])
    }

    /// Index in `sections` of [`Post::copy_for`]'s section.
    pub fn copy_index_for(&self, platform: Platform) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.platform == Some(platform))
            .or_else(|| self.sections.iter().position(|s| s.platform.is_none()))
    }

    /// Every piece of the post file that the matcher reads: the post's
    /// path under `content/posts/` (folder and file names, without `.md`),
    /// the front matter's comments, then [`Post::text_units`] (so the copy
    /// sections are still the last `sections.len()` units).
    pub fn scanned_units(&self) -> Vec<TextUnit> {
        let mut units = vec![self.path_unit()];
        if let Some(front) = &self.front_doc {
            for range in &front.comments {
                let at = front.start + range.start;
                let text = self.text[at..front.start + range.end].to_string();
                units.push(TextUnit::verbatim(Field::Comment, text, at));
            }
            for range in &front.unreadable {
                let at = front.start + range.start;
                let text = self.text[at..front.start + range.end].to_string();
                units.push(TextUnit::verbatim(Field::Unreadable, text, at));
            }
        }
        units.extend(self.text_units());
        units
    }

    /// The post's path under `content/posts/` without `.md`: the folders
    /// and the file name the id comes from. Matches in it point at the
    /// start of the file.
    fn path_unit(&self) -> TextUnit {
        let path = self
            .path
            .strip_prefix("content/posts/")
            .unwrap_or(&self.path);
        let path = path.strip_suffix(".md").unwrap_or(path);
        TextUnit {
            field: Field::Path,
            text: path.to_string(),
            origin: Origin::Whole(0..0),
        }
    }

    /// Every piece of text a reader sees: front matter strings (the id,
    /// title, link, image path and alt, tags and audiences; even when the
    /// schema failed, so a leak is still caught), then every copy section
    /// (the last `sections.len()` units, in section order).
    pub fn text_units(&self) -> Vec<TextUnit> {
        let mut units = Vec::new();
        if let Some(front) = &self.front_doc {
            for (pointer, field, text) in &front.texts {
                if let Some(unit) = self.front_unit(front, pointer, *field, text) {
                    units.push(unit);
                }
            }
        }
        for section in &self.sections {
            units.push(TextUnit {
                field: Field::Copy(section.platform),
                text: self.copy(section).to_string(),
                origin: Origin::Verbatim(section.range.start),
            });
        }
        units
    }

    fn front_unit(
        &self,
        front: &FrontDoc,
        pointer: &str,
        field: Field,
        text: &str,
    ) -> Option<TextUnit> {
        let (a, b) = front.positions.value_pos(pointer).bytes?;
        let text = text.to_string();
        let whole = front.start + a..front.start + b;
        let raw = &self.text[whole.clone()];
        let origin = if raw == text {
            Origin::Verbatim(whole.start)
        } else {
            match align_scalar(raw, &text) {
                Some(map) => Origin::Mapped(
                    map.into_iter()
                        .map(|(s, e)| (whole.start + s, whole.start + e))
                        .collect(),
                ),
                None => Origin::Whole(whole),
            }
        };
        Some(TextUnit {
            field,
            text,
            origin,
        })
    }

    /// Every image the post uses.
    pub fn images(&self) -> Vec<ImageRef> {
        let mut images = Vec::new();
        if let Some(image) = self.front.as_ref().and_then(|f| f.image.as_ref()) {
            images.push(ImageRef {
                path: image.path.clone(),
                alt: image.alt.clone(),
                path_range: self.front_range("/image/path", false),
                alt_range: if image.alt.is_some() {
                    self.front_range("/image/alt", false)
                } else {
                    self.front_range("/image", true)
                },
            });
        }
        for link in self.links.iter().filter(|l| l.is_image) {
            images.push(ImageRef {
                path: link.url.clone(),
                alt: Some(link.alt.clone()),
                path_range: link.range.clone(),
                alt_range: link.range.clone(),
            });
        }
        images
    }

    /// File byte range of the front matter value (or key) at `pointer`
    /// (a pointer into `front`: list items are counted as `front` has them).
    pub fn front_range(&self, pointer: &str, key: bool) -> Range<usize> {
        let Some(front) = &self.front_doc else {
            return 0..0;
        };
        let in_file;
        let pointer = match list_item(pointer).and_then(|(list, i)| {
            let (_, kept) = self.kept_items.iter().find(|(l, _)| l == list)?;
            Some((list, i, *kept.get(i)?))
        }) {
            Some((list, i, original)) => {
                let rest = &pointer[1 + list.len() + 1 + i.to_string().len()..];
                in_file = format!("/{list}/{original}{rest}");
                in_file.as_str()
            }
            None => pointer,
        };
        let pos = if key {
            front.positions.key_pos(pointer)
        } else {
            front.positions.value_pos(pointer)
        };
        let start = self
            .lines
            .offset(&self.text, front.first_line + pos.line, pos.column);
        let len = pos.bytes.map_or(0, |(a, b)| b - a);
        start..start + len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POST: &str = "---\ntitle: Hello \"you\"\nauthor: a\nstatus: draft\nplatforms: [x, linkedin]\npublish_at: 2026-12-01\ntags: [one, 'two']\n---\nDefault copy.\n\n## x\nShort copy #employee\n";

    #[test]
    fn splits_sections_and_front_matter() {
        let post = Post::parse("content/posts/a/hello.md".into(), POST.as_bytes().to_vec());
        assert!(post.problems.is_empty(), "{:?}", post.problems);
        assert_eq!(post.id, "hello");
        let front = post.front.as_ref().unwrap();
        assert_eq!(front.platforms, vec![Platform::X, Platform::Linkedin]);
        assert_eq!(post.sections.len(), 2);
        assert_eq!(post.copy(&post.sections[0]), "Default copy.");
        assert_eq!(post.copy(&post.sections[1]), "Short copy #employee");
        assert_eq!(post.sections[1].platform, Some(Platform::X));
        let units = post.text_units();
        let title = units.iter().find(|u| u.field == Field::Title).unwrap();
        let r = title.file_range(0, 5);
        assert_eq!(&post.text[r], "Hello");
        let tag = units
            .iter()
            .filter(|u| u.field == Field::Tag)
            .nth(1)
            .unwrap();
        assert_eq!(&post.text[tag.file_range(0, 3)], "two");
    }

    #[test]
    fn escaped_and_folded_strings_map_to_their_source() {
        let cases = [
            (
                r#""Our \"revenue\" story""#,
                "Our \"revenue\" story",
                "revenue",
            ),
            ("'It''s revenue'", "It's revenue", "revenue"),
            ("\"caf\\u00e9 revenue\"", "café revenue", "revenue"),
            (
                ">-\n  our quarterly\n  revenue",
                "our quarterly revenue",
                "quarterly revenue",
            ),
        ];
        for (raw, value, needle) in cases {
            let map = align_scalar(raw, value).unwrap();
            let start = value.find(needle).unwrap();
            let end = start + needle.len();
            let source = &raw[map[start].0..map[end - 1].1];
            assert_eq!(source.replace("\n  ", " "), needle, "{raw}");
        }
    }

    #[test]
    fn every_place_in_the_file_is_a_unit() {
        let text = "---\n# plan: Falcon\nid: kite-teaser # was \"x # y\"\ntitle: \"A # not a comment\"\nauthor: a\nstatus: draft\nplatforms: [x]\npublish_at: 2026-12-01\naudiences: [sales, 'osprey']\nimage:\n  path: media/a.png\n  alt: |\n    literal # not a comment\n    # nor this\n---\nBody\n";
        let post = Post::parse(
            "content/posts/2026/12/heron-news.md".into(),
            text.as_bytes().to_vec(),
        );
        let units = post.scanned_units();
        let of = |field: Field| -> Vec<String> {
            units
                .iter()
                .filter(|u| u.field == field)
                .map(|u| u.text.clone())
                .collect()
        };
        assert_eq!(of(Field::Path), ["2026/12/heron-news"]);
        assert_eq!(of(Field::Comment), [" plan: Falcon", " was \"x # y\""]);
        assert_eq!(of(Field::Id), ["kite-teaser"]);
        assert_eq!(of(Field::Audience), ["sales", "osprey"]);
        let comment = units.iter().find(|u| u.field == Field::Comment).unwrap();
        assert_eq!(&post.text[comment.file_range(7, 13)], "Falcon");
        let audience = units
            .iter()
            .filter(|u| u.field == Field::Audience)
            .nth(1)
            .unwrap();
        assert_eq!(&post.text[audience.file_range(0, 6)], "osprey");
        let path = units.iter().find(|u| u.field == Field::Path).unwrap();
        assert_eq!(path.file_range(8, 13), 0..0);
        // The copy sections stay last.
        assert_eq!(units.last().unwrap().field, Field::Copy(None));
    }

    #[test]
    fn crlf_bom_and_empty_body() {
        let text = format!(
            "\u{feff}{}",
            "---\r\ntitle: T\r\nauthor: a\r\nstatus: draft\r\nplatforms: [x]\r\npublish_at: 2026-12-01\r\n---\r\n"
        );
        let post = Post::parse("p.md".into(), text.into_bytes());
        assert!(post.problems.is_empty(), "{:?}", post.problems);
        assert_eq!(post.sections.len(), 1);
        assert_eq!(post.copy(&post.sections[0]), "");
    }

    #[test]
    fn problems_are_findings() {
        let cases: [(&[u8], &str, usize); 4] = [
            (b"no front matter\n", "no front matter", 1),
            (b"---\ntitle: x\n", "never ends", 1),
            (b"---\ntitle: [x\n---\n", "not valid YAML", 2),
            (b"---\ntitle: \xff\n---\n", "not valid UTF-8", 2),
        ];
        for (bytes, message, line) in cases {
            let post = Post::parse("p.md".into(), bytes.to_vec());
            // The keys that could be read are judged too (here: missing).
            let parse: Vec<&Finding> = post
                .problems
                .iter()
                .filter(|p| p.rule == "post.parse")
                .collect();
            assert_eq!(parse.len(), 1, "{message}");
            assert!(
                post.problems[0].message.contains(message),
                "{:?}",
                post.problems[0]
            );
            assert_eq!(post.problems[0].region.line, line, "{message}");
        }
    }

    #[test]
    fn schema_problem_points_at_the_key() {
        let post = Post::parse(
            "p.md".into(),
            POST.replace("author: a\n", "author: a\ncolour: red\n")
                .into_bytes(),
        );
        assert_eq!(post.problems.len(), 1);
        assert_eq!(post.problems[0].rule, "post.schema");
        assert_eq!(
            (post.problems[0].region.line, post.problems[0].region.column),
            (4, 1)
        );
        assert!(post.problems[0].message.contains("unknown key `colour`"));
    }

    #[test]
    fn one_broken_key_keeps_the_others() {
        let text = POST.replace(
            "tags: [one, 'two']\n",
            "products: [widget-pro, Widget_Pro]\nimage: media/x.png\n",
        );
        let post = Post::parse("p.md".into(), text.into_bytes());
        let front = post.front.as_ref().expect("the valid keys are kept");
        assert_eq!(front.products, ["widget-pro"]);
        assert_eq!(front.platforms, [Platform::X, Platform::Linkedin]);
        assert!(front.image.is_none());
        assert!(post.front_key_broken("image") && post.front_key_broken("products"));
        assert!(!post.front_key_broken("platforms"));
        assert_eq!(post.problems.len(), 2, "{:?}", post.problems);
        // `front`'s item 0 is the file's item 0; a left-out item shifts none.
        assert_eq!(
            &post.text[post.front_range("/products/0", false)],
            "widget-pro"
        );
    }

    #[test]
    fn an_unreadable_block_is_left_out_and_still_scanned() {
        let text = POST.replace("tags: [one, 'two']\n", "image:\n\tpath: media/falcon.png\n");
        let post = Post::parse("p.md".into(), text.into_bytes());
        assert_eq!(post.problems.len(), 1, "{:?}", post.problems);
        assert!(post.problems[0].message.contains("a tab is used to indent"));
        assert_eq!(
            post.problems[0].help,
            "Use spaces, not a tab, to indent (two spaces a level)."
        );
        assert_eq!(post.front.as_ref().unwrap().platforms.len(), 2);
        let units = post.scanned_units();
        let unread = units.iter().find(|u| u.field == Field::Unreadable).unwrap();
        assert!(unread.text.contains("falcon"));
        assert_eq!(&post.text[unread.file_range(0, 6)], "image:");
    }

    #[test]
    fn platform_names_forgive_and_unknown_headings_fold_into_nothing() {
        let text = "---\ntitle: T\nauthor: a\nstatus: draft\nplatforms: [X, LinkedIn]\npublish_at: 2026-12-01\n---\nDefault.\n\n## Twitter\nShort.\n\n## Linkdin\nLong.\n";
        let post = Post::parse("p.md".into(), text.as_bytes().to_vec());
        assert!(post.problems.is_empty(), "{:?}", post.problems);
        let front = post.front.as_ref().unwrap();
        assert_eq!(front.platforms, [Platform::X, Platform::Linkedin]);
        assert_eq!(post.copy(post.copy_for(Platform::X).unwrap()), "Short.");
        // `## Linkdin` names no platform: LinkedIn shares the default copy,
        // and the misnamed section is nobody's.
        assert_eq!(
            post.copy(post.copy_for(Platform::Linkedin).unwrap()),
            "Default."
        );
        assert_eq!(post.copy(&post.sections[2]), "## Linkdin\nLong.");
        assert_eq!(post.sections[2].platform, None);
    }
}
