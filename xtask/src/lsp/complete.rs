//! Completion in a post's front matter: the schema's keys (with their
//! descriptions), `status` values, platform ids, the calendar's product
//! ids, the policy's client ids, audiences used elsewhere in the
//! repository, and allowable rule ids in an `allow` entry.

use std::collections::BTreeSet;
use std::path::Path;

use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, TextEdit};
use serde_json::Value;

use onmessage_engine::check::Setup;
use onmessage_engine::platform::Platform;
use onmessage_engine::rules::builtin;

use super::actions::{allowable, front_matter};
use super::text::{Encoding, Text};

/// What may be offered at one place.
pub fn complete(
    text: &Text,
    offset: usize,
    enc: Encoding,
    setup: Option<&Setup>,
    audiences: &BTreeSet<String>,
) -> Vec<CompletionItem> {
    let body = &text.text;
    let in_front = match front_matter(body) {
        Some(yaml) => yaml.contains(&offset) || (offset == yaml.end && yaml.is_empty()),
        // Front matter opened and not yet closed: still being written.
        None => body.trim_start_matches('\u{feff}').starts_with("---") && offset > 3,
    };
    if !in_front {
        return Vec::new();
    }
    let line_start = body[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &body[line_start..offset];
    // The word being typed: back to a space, `[`, `,`, `:` or a quote.
    let word_start = before
        .rfind([' ', '[', ',', ':', '"', '\'', '\t'])
        .map_or(0, |i| i + 1);
    let replace = text.range(line_start + word_start..offset, enc);
    let item = |label: &str, kind, detail: Option<String>, doc: Option<String>, insert: String| {
        CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail,
            documentation: doc.map(Documentation::String),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: replace,
                new_text: insert,
            })),
            ..CompletionItem::default()
        }
    };
    let indent = before.len() - before.trim_start_matches(' ').len();
    let trimmed = before.trim_start_matches(' ');
    let schema: Value = serde_json::from_str(onmessage_engine::schema::POST).unwrap_or_default();

    // A key at the top level.
    if indent == 0 && !trimmed.contains(':') && !trimmed.starts_with('-') {
        let present = top_level_keys(body, line_start);
        let Some(props) = schema["properties"].as_object() else {
            return Vec::new();
        };
        return props
            .iter()
            .filter(|(key, _)| !present.contains(key.as_str()))
            .map(|(key, prop)| {
                item(
                    key,
                    CompletionItemKind::PROPERTY,
                    None,
                    prop["description"].as_str().map(str::to_string),
                    format!("{key}: "),
                )
            })
            .collect();
    }

    // A value: of the key on this line, or of the list this item is in.
    let key = match trimmed.split_once(':') {
        Some((key, _)) if indent == 0 => key.trim().to_string(),
        _ => owning_key(body, line_start),
    };
    let entry_key = trimmed
        .trim_start_matches("- ")
        .split_once(':')
        .map(|(k, _)| k.trim());
    let values: Vec<(String, Option<String>)> = match key.as_str() {
        "status" => schema["properties"]["status"]["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .map(|s| (s.to_string(), None))
            .collect(),
        "platforms" => Platform::ALL
            .iter()
            .map(|p| (p.id().to_string(), None))
            .collect(),
        "products" => setup
            .into_iter()
            .flat_map(|s| &s.calendar.products)
            .map(|p| (p.id.clone(), Some(p.name.clone())))
            .collect(),
        "clients" => setup
            .into_iter()
            .flat_map(|s| &s.policy.clients)
            .map(|c| (c.id.clone(), Some(c.names.join(", "))))
            .collect(),
        "audiences" => audiences.iter().map(|a| (a.clone(), None)).collect(),
        "allow" if entry_key == Some("rule") || trimmed.contains("rule:") => match setup {
            Some(setup) => builtin::BUILTINS
                .iter()
                .map(|b| (b.id.to_string(), Some(b.summary.to_string())))
                .chain(
                    setup
                        .policy
                        .rules
                        .iter()
                        .map(|r| (r.id.clone(), Some(r.message.clone()))),
                )
                .filter(|(id, _)| allowable(setup, id))
                .collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    values
        .into_iter()
        .map(|(value, detail)| {
            item(
                &value,
                CompletionItemKind::VALUE,
                detail,
                None,
                value.clone(),
            )
        })
        .collect()
}

/// The top-level keys written in the front matter (lines at indent 0),
/// except on the line being typed.
fn top_level_keys(body: &str, current_line: usize) -> BTreeSet<&str> {
    let Some(yaml) = front_matter(body) else {
        return BTreeSet::new();
    };
    let mut keys = BTreeSet::new();
    let mut at = yaml.start;
    for line in body[yaml.clone()].split_inclusive('\n') {
        if at != current_line
            && let Some((key, _)) = line.split_once(':')
            && !key.starts_with([' ', '-', '#'])
        {
            keys.insert(key.trim());
        }
        at += line.len();
    }
    keys
}

/// The top-level key whose value the line at `line_start` is part of.
fn owning_key(body: &str, line_start: usize) -> String {
    body[..line_start]
        .lines()
        .rev()
        .find(|line| !line.is_empty() && !line.starts_with([' ', '-', '#', '\t']))
        .and_then(|line| line.split_once(':'))
        .map(|(key, _)| key.trim().to_string())
        .unwrap_or_default()
}

/// Every audience written in a post under `root`'s `content/posts/`: read
/// from the front matter alone (no Markdown), posts larger than `max`
/// bytes skipped.
pub fn scan_audiences(root: &Path, max: u64) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let dir = root.join(onmessage_engine::check::POSTS_DIR);
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let Ok(entry) = entry else { continue };
        let is_post = entry.file_type().is_file()
            && entry.file_name().to_string_lossy().ends_with(".md")
            && entry.metadata().is_ok_and(|m| m.len() <= max);
        if !is_post {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            found.extend(audiences_in(&text));
        }
    }
    found
}

/// The audiences of one post's text.
pub fn audiences_in(text: &str) -> Vec<String> {
    let Some(yaml) = front_matter(text) else {
        return Vec::new();
    };
    let Ok(doc) = onmessage_engine::yaml::parse(&text[yaml]) else {
        return Vec::new();
    };
    doc.value["audiences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str, at: &str) -> Vec<String> {
        let offset = text.find(at).unwrap() + at.len();
        let audiences = BTreeSet::from(["sales".to_string()]);
        complete(
            &Text::new(text.to_string()),
            offset,
            Encoding::Utf16,
            None,
            &audiences,
        )
        .into_iter()
        .map(|i| i.label)
        .collect()
    }

    #[test]
    fn keys_values_and_lists() {
        let text = "---\ntitle: T\nsta\nstatus: dr\nplatforms: [linkedin, x\naudiences:\n  - sa\n---\nbody sta\n";
        let keys = labels(text, "\nsta");
        assert!(keys.contains(&"publish_at".to_string()), "{keys:?}");
        assert!(!keys.contains(&"title".to_string()), "{keys:?}");
        assert_eq!(labels(text, "status: dr"), ["draft", "review", "approved"]);
        assert!(labels(text, "linkedin, x").contains(&"mastodon".to_string()));
        assert_eq!(labels(text, "  - sa"), ["sales"]);
        assert!(labels(text, "body sta").is_empty());
    }
}
