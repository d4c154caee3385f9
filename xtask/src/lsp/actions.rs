//! Code actions, as workspace edits: "Allow with a reason" (an `allow`
//! entry with an empty reason to fill in, which stays an `allow.unknown`
//! error until it is written), "Use the public name" (a codename of a
//! product announced by the post's `publish_at`) and "Add the disclosure"
//! (the policy's first accepted one, at the start of the copy).
//!
//! Every front matter edit is checked before it is offered: the edited
//! YAML must parse, hold the new entry last in `allow`, and keep every
//! other key as it was.

use std::collections::HashMap;
use std::ops::Range;

use lsp_types::{CodeAction, CodeActionKind, Diagnostic, TextEdit, Uri, WorkspaceEdit};
use serde_json::{Value, json};

use onmessage_engine::check::Setup;
use onmessage_engine::finding::Finding;
use onmessage_engine::matcher::Subject;
use onmessage_engine::post::Post;
use onmessage_engine::rules::builtin;
use onmessage_engine::time::{DayBound, parse_moment};
use onmessage_engine::yaml;

use super::text::{Encoding, Text};

/// What the actions for one request need.
pub struct Request<'a> {
    pub uri: &'a Uri,
    pub text: &'a Text,
    pub enc: Encoding,
    pub setup: &'a Setup,
    /// The post's findings for `text`.
    pub findings: &'a [Finding],
    /// The byte range the client asks about.
    pub range: Range<usize>,
    /// The finding's diagnostic, to attach to the action.
    pub diagnostic: &'a dyn Fn(&Finding) -> Diagnostic,
}

pub fn actions(req: &Request) -> Vec<CodeAction> {
    let text = req.text;
    let bom = text.bom_bytes();
    let touching: Vec<(&Finding, Range<usize>)> = req
        .findings
        .iter()
        .filter(|f| !f.suppressed)
        .map(|f| {
            let start = text.engine_offset(f.region.line, f.region.column);
            let end = text.engine_offset(f.region.end_line, f.region.end_column);
            (f, start..end.max(start))
        })
        .filter(|(_, r)| r.start <= req.range.end && req.range.start <= r.end)
        .collect();
    if touching.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let post = Post::parse(String::new(), text.text.as_bytes().to_vec());

    // Use the public name: re-find the codenames to know their products.
    let publish_at = post.front.as_ref().and_then(|f| {
        parse_moment(&f.publish_at, &req.setup.policy.timezone, DayBound::Start).ok()
    });
    let codenames: Vec<(Range<usize>, usize)> = req
        .setup
        .matcher
        .scan(&post.text_units())
        .into_iter()
        .filter_map(|hit| match hit.subject {
            Subject::Codename { product } => {
                Some((hit.range.start + bom..hit.range.end + bom, product))
            }
            _ => None,
        })
        .collect();
    for (f, range) in touching
        .iter()
        .filter(|(f, _)| f.rule == "product.codename")
    {
        let Some(&(_, product)) = codenames.iter().find(|(r, _)| r == range) else {
            continue;
        };
        let p = &req.setup.calendar.products[product];
        if publish_at.is_some_and(|at| p.is_announced_at(at)) {
            out.push(action(
                req,
                format!("Use the public name '{}'", p.name),
                f,
                vec![(range.clone(), p.name.clone())],
                true,
            ));
        }
    }

    // Add the disclosure: at the start of each copy that lacks it.
    if let Some(disclosure) = req
        .setup
        .policy
        .disclosure
        .as_ref()
        .and_then(|d| d.accepted.first())
    {
        let mut done = Vec::new();
        for (f, range) in touching
            .iter()
            .filter(|(f, _)| f.rule == "disclosure.missing")
        {
            let Some(section) = post
                .sections
                .iter()
                .find(|s| s.range.start + bom == range.start && !s.range.is_empty())
            else {
                continue;
            };
            if done.contains(&range.start) {
                continue;
            }
            done.push(range.start);
            let copy = post.copy(section);
            out.push(action(
                req,
                format!("Add the disclosure '{disclosure}'"),
                f,
                vec![(
                    range.start..range.start,
                    disclosure_prefix(disclosure, copy),
                )],
                true,
            ));
        }
    }

    // Allow with a reason: once per allowable rule.
    if let Some(yaml_range) = front_matter(&text.text) {
        let mut seen: Vec<&str> = Vec::new();
        for (f, _) in &touching {
            if seen.contains(&f.rule.as_str()) || !allowable(req.setup, &f.rule) {
                continue;
            }
            seen.push(&f.rule);
            if let Some(edit) = allow_edit(&text.text, yaml_range.clone(), &f.rule) {
                out.push(action(
                    req,
                    format!("Allow `{}` with a reason", f.rule),
                    f,
                    vec![edit],
                    false,
                ));
            }
        }
    }
    out
}

fn action(
    req: &Request,
    title: String,
    f: &Finding,
    edits: Vec<(Range<usize>, String)>,
    preferred: bool,
) -> CodeAction {
    let edits = edits
        .into_iter()
        .map(|(range, new_text)| TextEdit {
            range: req.text.range(range, req.enc),
            new_text,
        })
        .collect();
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![(req.diagnostic)(f)]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(req.uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(preferred),
        ..CodeAction::default()
    }
}

/// Whether a post's `allow` entry may suppress `rule`.
pub fn allowable(setup: &Setup, rule: &str) -> bool {
    match builtin::find(rule) {
        Some(b) => b.allowable,
        None => setup.policy.rule(rule).is_some(),
    }
}

/// The disclosure and what separates it from the copy that follows: a
/// space before ordinary text, a blank line before a Markdown block (a
/// list, a quote, a heading, a table, code).
fn disclosure_prefix(disclosure: &str, copy: &str) -> String {
    let first = copy.lines().next().unwrap_or("");
    let block = first.starts_with(['-', '*', '+', '>', '#', '|', '`', '~', '<', ' ', '\t'])
        || first
            .split_once(['.', ')'])
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if block {
        return format!("{disclosure}\n\n");
    }
    let ends_sentence = disclosure.starts_with('#')
        || disclosure.ends_with(|c: char| c.is_ascii_punctuation() && c != '#');
    if ends_sentence {
        format!("{disclosure} ")
    } else {
        format!("{disclosure}. ")
    }
}

/// The byte range of the front matter's YAML in `text` (between the `---`
/// fences, as the engine finds them).
pub fn front_matter(text: &str) -> Option<Range<usize>> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut offset = bom;
    let mut start = None;
    for line in text[bom..].split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']).trim_end();
        match start {
            None if content == "---" => start = Some(offset + line.len()),
            None => return None,
            Some(s) if content == "---" || content == "..." => return Some(s..offset),
            Some(_) => {}
        }
        offset += line.len();
    }
    None
}

/// The edit that adds `{rule, reason: ""}` to the front matter's `allow`
/// (in `text[yaml]`), written in the style already there, or `None` when
/// no edit can be proven to keep the YAML valid.
pub fn allow_edit(text: &str, yaml: Range<usize>, rule: &str) -> Option<(Range<usize>, String)> {
    let src = &text[yaml.clone()];
    let doc = yaml::parse(src).ok()?;
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let rule_text = yaml_scalar(rule);
    let flow_entry = format!("{{rule: {rule_text}, reason: \"\"}}");
    let (range, insert) = match &doc.value {
        Value::Null => {
            let at = src.len();
            (at..at, block_allow(src, nl, &rule_text))
        }
        Value::Object(map) => match map.get("allow") {
            None => match first_significant(src, 0) {
                Some(open) if src[open..].starts_with('{') => {
                    let (close, last) = flow_close(src, open)?;
                    let sep = if matches!(last, '{' | ',') { " " } else { ", " };
                    (close..close, format!("{sep}allow: [{flow_entry}]"))
                }
                _ => {
                    let at = src.len();
                    (at..at, block_allow(src, nl, &rule_text))
                }
            },
            Some(Value::Array(items)) => {
                let pos = doc.value_pos("/allow");
                let at = byte_of(src, pos.line, pos.column)?;
                let at = first_significant(src, at)?;
                // The position is the collection's, or its first item's
                // (after `- ` or `[`): find the indicator.
                let before = src[..at].trim_end_matches([' ', '\t']);
                let start = if src[at..].starts_with(['[', '-']) {
                    at
                } else if before.ends_with(['-', '[']) {
                    before.len() - 1
                } else {
                    return None;
                };
                if src[start..].starts_with('[') {
                    let (close, last) = flow_close(src, start)?;
                    let sep = if matches!(last, '[' | ',') || items.is_empty() {
                        ""
                    } else {
                        ", "
                    };
                    (close..close, format!("{sep}{flow_entry}"))
                } else if src[start..].starts_with('-') {
                    block_item(src, start, nl, &rule_text, &flow_entry)?
                } else {
                    return None;
                }
            }
            Some(Value::Null) => {
                let pos = doc.value_pos("/allow");
                match pos.bytes {
                    Some((a, b)) if b > a => (a..b, format!("[{flow_entry}]")),
                    _ => {
                        let key = doc.key_pos("/allow");
                        let key_at = byte_of(src, key.line, key.column)?;
                        let colon = key_at + src[key_at..].find(':')? + 1;
                        (colon..colon, format!(" [{flow_entry}]"))
                    }
                }
            }
            Some(_) => return None,
        },
        _ => return None,
    };
    // Prove it: the edited front matter parses, `allow` ends with the new
    // entry, and nothing else changed.
    let mut edited = src.to_string();
    edited.replace_range(range.clone(), &insert);
    let after = yaml::parse(&edited).ok()?;
    let mut expected = doc.value.clone();
    if expected.is_null() {
        expected = json!({});
    }
    let map = expected.as_object_mut()?;
    let allow = map.entry("allow").or_insert_with(|| json!([]));
    if allow.is_null() {
        *allow = json!([]);
    }
    allow
        .as_array_mut()?
        .push(json!({"rule": rule, "reason": ""}));
    (after.value == expected).then(|| (yaml.start + range.start..yaml.start + range.end, insert))
}

/// A rule id as a YAML scalar: plain when it is safely plain (rule ids are
/// letters, digits, `.`, `-` and `_`), quoted otherwise.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && s.starts_with(|c: char| c.is_ascii_alphabetic());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// A new block `allow` key at the end of the front matter.
fn block_allow(src: &str, nl: &str, rule: &str) -> String {
    let lead = if src.is_empty() || src.ends_with('\n') {
        ""
    } else {
        nl
    };
    format!("{lead}allow:{nl}  - rule: {rule}{nl}    reason: \"\"{nl}")
}

/// A new item after the last item of the block sequence whose first `-`
/// is at byte `dash` of `src`, indented as that item.
fn block_item(
    src: &str,
    dash: usize,
    nl: &str,
    rule: &str,
    flow_entry: &str,
) -> Option<(Range<usize>, String)> {
    let line_start = src[..dash].rfind('\n').map_or(0, |i| i + 1);
    let indent_text = &src[line_start..dash];
    if !indent_text.chars().all(|c| c == ' ') {
        // `- ` after something else on its line (`key: - x` is not YAML;
        // a nested `- - x`): leave it to the author.
        return None;
    }
    let indent = indent_text.len();
    let flow_items = src[dash + 1..].trim_start_matches(' ').starts_with('{');
    let mut end = src[dash..].find('\n').map_or(src.len(), |i| dash + i + 1);
    let mut at = end;
    while at < src.len() {
        let line_end = src[at..].find('\n').map_or(src.len(), |i| at + i + 1);
        let line = src[at..line_end].trim_end_matches(['\n', '\r']);
        let content = line.trim_start_matches(' ');
        let depth = line.len() - content.len();
        let blank_or_comment = content.is_empty() || content.starts_with('#');
        let item = depth == indent && (content == "-" || content.starts_with("- "));
        if !blank_or_comment {
            if depth > indent || item {
                end = line_end;
            } else {
                break;
            }
        }
        at = line_end;
    }
    let lead = if src[..end].ends_with('\n') { "" } else { nl };
    let pad = " ".repeat(indent);
    let item = if flow_items {
        format!("{lead}{pad}- {flow_entry}{nl}")
    } else {
        format!("{lead}{pad}- rule: {rule}{nl}{pad}  reason: \"\"{nl}")
    };
    Some((end..end, item))
}

/// The byte offset of a 1-based line and character column in `src`.
fn byte_of(src: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        src.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &src[start..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    Some(
        rest[..line_len]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(start + line_len, |(i, _)| start + i),
    )
}

/// The first byte at or after `from` that is neither space nor comment.
fn first_significant(src: &str, from: usize) -> Option<usize> {
    let mut in_comment = false;
    for (i, c) in src[from..].char_indices() {
        match c {
            '\n' => in_comment = false,
            _ if in_comment || c.is_whitespace() => {}
            '#' => in_comment = true,
            _ => return Some(from + i),
        }
    }
    None
}

/// The byte of the bracket closing the flow collection opened at `open`,
/// and the last significant character before it (quotes, escapes and
/// comments understood).
fn flow_close(src: &str, open: usize) -> Option<(usize, char)> {
    let mut depth = 0usize;
    let mut last = ' ';
    let mut prev = ' ';
    let mut chars = src[open..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at = open + i;
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some((at, last));
                }
            }
            '#' if prev.is_whitespace() => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                prev = '\n';
                continue;
            }
            '"' => {
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            '\'' => {
                while let Some((_, c)) = chars.next() {
                    if c == '\'' {
                        if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
        if !c.is_whitespace() {
            last = c;
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(front: &str) -> String {
        format!("---\n{front}---\nThe worst day.\n")
    }

    /// Applies the edit and returns the new front matter's `allow`.
    fn allow_after(front: &str, rule: &str) -> Option<(String, Value)> {
        let text = post(front);
        let yaml = front_matter(&text)?;
        let (range, insert) = allow_edit(&text, yaml, rule)?;
        let mut edited = text.clone();
        edited.replace_range(range, &insert);
        let yaml = front_matter(&edited).unwrap();
        let doc = yaml::parse(&edited[yaml]).unwrap();
        Some((edited, doc.value["allow"].clone()))
    }

    #[test]
    fn adds_allow_in_every_style() {
        let entry = json!({"rule": "tone.negative", "reason": ""});
        let cases = [
            ("title: T\n", json!([entry])),
            (
                "title: T\nallow:\n  - rule: a.b\n    reason: x\n",
                json!([{"rule": "a.b", "reason": "x"}, entry]),
            ),
            (
                "allow:\n- rule: a.b\n  reason: |\n    long\n    reason\n# note\ntitle: T\n",
                json!([{"rule": "a.b", "reason": "long\nreason\n"}, entry]),
            ),
            (
                "allow:\n  - {rule: a.b, reason: x}\ntitle: T\n",
                json!([{"rule": "a.b", "reason": "x"}, entry]),
            ),
            (
                "allow: [{rule: a.b, reason: \"]#\"}]\ntitle: T\n",
                json!([{"rule": "a.b", "reason": "]#"}, entry]),
            ),
            (
                "allow: [\n  {rule: a.b, reason: 'it''s'},  # ] not the end\n]\n",
                json!([{"rule": "a.b", "reason": "it's"}, entry]),
            ),
            ("allow: []\n", json!([entry])),
            ("allow:\ntitle: T\n", json!([entry])),
            ("allow: ~\n", json!([entry])),
            ("{title: T}\n", json!([entry])),
        ];
        for (front, expected) in cases {
            let (edited, allow) = allow_after(front, "tone.negative")
                .unwrap_or_else(|| panic!("no edit for {front:?}"));
            assert_eq!(allow, expected, "{front:?} became {edited:?}");
        }
    }

    #[test]
    fn crlf_is_kept() {
        let text = "---\r\ntitle: T\r\nallow:\r\n  - rule: a.b\r\n    reason: x\r\n---\r\nx\r\n";
        let (range, insert) = allow_edit(text, front_matter(text).unwrap(), "c.d").unwrap();
        assert_eq!(insert, "  - rule: c.d\r\n    reason: \"\"\r\n");
        assert_eq!(&text[range.start..], "---\r\nx\r\n");
    }

    #[test]
    fn no_edit_when_allow_is_not_a_list() {
        assert!(allow_after("allow: {rule: a}\n", "x.y").is_none());
        assert!(allow_after("allow: nope\n", "x.y").is_none());
    }

    #[test]
    fn disclosure_reads_as_text() {
        assert_eq!(disclosure_prefix("#employee", "Hello"), "#employee ");
        assert_eq!(
            disclosure_prefix("I work at Example Corp", "Hello"),
            "I work at Example Corp. "
        );
        assert_eq!(disclosure_prefix("#employee", "- a list"), "#employee\n\n");
        assert_eq!(disclosure_prefix("#employee", "1. first"), "#employee\n\n");
    }
}
