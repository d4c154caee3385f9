//! The JSON Schemas in `schemas/`, compiled into the tool, and validation
//! errors mapped back to YAML positions.
//!
//! The schema files are the single source of truth for the formats: the tool
//! embeds them, and tests prove the Rust types accept exactly what they do.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Validator};
use serde_json::Value;

use crate::yaml::{Document, Pos};

pub const POLICY: &str = include_str!("../../../schemas/policy.schema.json");
pub const CALENDAR: &str = include_str!("../../../schemas/calendar.schema.json");
pub const POST: &str = include_str!("../../../schemas/post.schema.json");
pub const REPORT: &str = include_str!("../../../schemas/report.schema.json");

#[derive(Clone, Copy, Debug)]
pub enum Schema {
    Policy,
    Calendar,
    Post,
    Report,
}

impl Schema {
    fn source(self) -> &'static str {
        match self {
            Schema::Policy => POLICY,
            Schema::Calendar => CALENDAR,
            Schema::Post => POST,
            Schema::Report => REPORT,
        }
    }

    /// The embedded schema, compiled once.
    fn compiled(self) -> &'static Compiled {
        static CELLS: [OnceLock<Compiled>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        CELLS[self as usize]
            .get_or_init(|| Compiled::new(self.source()).expect("the embedded schema compiles"))
    }
}

/// One schema, compiled, with its JSON kept to say what a property expects.
pub struct Compiled {
    validator: Validator,
    root: Value,
}

impl Compiled {
    /// Compiles a schema's text (draft 2020-12, formats checked).
    pub fn new(source: &str) -> Result<Compiled, String> {
        let root: Value = serde_json::from_str(source).map_err(|e| format!("not JSON: {e}"))?;
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("not a valid JSON Schema: {e}"))?;
        Ok(Compiled { validator, root })
    }
}

/// The schemas a policy, a calendar and posts are validated with: the
/// embedded ones, or (to judge a base revision as it was judged then) the
/// ones a revision holds.
pub struct Schemas {
    pub policy: Compiled,
    pub calendar: Compiled,
    pub post: Compiled,
}

impl Schemas {
    /// From the texts of `policy.schema.json`, `calendar.schema.json` and
    /// `post.schema.json`; the error names the file.
    pub fn from_sources(policy: &str, calendar: &str, post: &str) -> Result<Schemas, String> {
        let compile = |name: &str, source: &str| {
            Compiled::new(source).map_err(|e| format!("schemas/{name}.schema.json is {e}"))
        };
        Ok(Schemas {
            policy: compile("policy", policy)?,
            calendar: compile("calendar", calendar)?,
            post: compile("post", post)?,
        })
    }

    pub fn get(&self, schema: Schema) -> &Compiled {
        match schema {
            Schema::Policy => &self.policy,
            Schema::Calendar => &self.calendar,
            Schema::Post => &self.post,
            Schema::Report => Schema::Report.compiled(),
        }
    }
}

/// The schemas compiled into the tool.
pub fn embedded() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        Schemas::from_sources(POLICY, CALENDAR, POST).expect("the embedded schemas compile")
    })
}

/// One schema violation, positioned in the YAML source, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub pos: Pos,
    pub message: String,
    /// The fix, written out.
    pub help: String,
}

/// Validates a plain JSON value (no positions), for the report.
pub fn validate_value(schema: Schema, value: &Value) -> Vec<String> {
    schema
        .compiled()
        .validator
        .iter_errors(value)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect()
}

/// Validates a YAML document against an embedded schema; violations come in
/// document order.
pub fn validate(schema: Schema, doc: &Document) -> Vec<Violation> {
    embedded().get(schema).validate(doc)
}

impl Compiled {
    /// Validates a YAML document; violations come in document order.
    pub fn validate(&self, doc: &Document) -> Vec<Violation> {
        validate_with(self, doc, None)
    }

    /// [`Compiled::validate`], with the YAML text `doc` was read from, so
    /// that a value YAML read as a boolean or number can be quoted back as
    /// it was written.
    pub fn validate_source(&self, doc: &Document, yaml: &str) -> Vec<Violation> {
        validate_with(self, doc, Some(yaml))
    }
}

/// The accepted forms of a date, with examples (for messages).
pub const DATE_FORMS: &str = "a date-time with its offset, such as 2026-12-08T16:00:00Z or 2026-12-08T11:00:00-05:00, or a bare date, such as 2026-12-08 (midnight in the company's time zone)";

fn validate_with(compiled: &Compiled, doc: &Document, yaml: Option<&str>) -> Vec<Violation> {
    let root = &compiled.root;
    let mut out: Vec<Violation> = Vec::new();
    let schema_file = root
        .get("$id")
        .and_then(Value::as_str)
        .and_then(|id| id.rsplit('/').next())
        .map_or_else(
            || "the schema".to_string(),
            |name| format!("schemas/{name}"),
        );
    for error in compiled.validator.iter_errors(&doc.value) {
        let pointer = error.instance_path().as_str().to_string();
        let instance = error.instance();
        let name = field_name(&pointer);
        let key = last_key(&pointer);
        let written = doc
            .value_pos(&pointer)
            .bytes
            .zip(yaml)
            .and_then(|((a, b), yaml)| yaml.get(a..b))
            .map(str::to_string);
        let (pointer, pos, message, help) = match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let key = unexpected.first().cloned().unwrap_or_default();
                let key_pointer = format!("{pointer}/{}", crate::yaml::pointer_segment(&key));
                let allowed = property_names(root, &pointer);
                let near = crate::suggest::closest(&key, allowed.iter().map(String::as_str));
                let message = match near {
                    Some(near) => format!("unknown key `{key}`; did you mean `{near}`?"),
                    None => format!(
                        "unknown key `{key}`; expected one of: {}",
                        allowed.join(", ")
                    ),
                };
                let help = match near {
                    Some(near) => format!("Rename `{key}` to `{near}`."),
                    None => format!(
                        "Remove `{key}`, or fix its spelling; {schema_file} lists the keys."
                    ),
                };
                (
                    key_pointer.clone(),
                    doc.key_pos(&key_pointer),
                    message,
                    help,
                )
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let what = describe(root, &format!("{pointer}/{name}"));
                let message = format!("missing required key `{name}`{what}");
                let help = format!(
                    "Add `{name}: {}`.",
                    example(root, &format!("{pointer}/{name}"), None)
                );
                (
                    format!("{pointer}/{name}"),
                    doc.value_pos(&pointer),
                    message,
                    help,
                )
            }
            ValidationErrorKind::Enum { options } => {
                let options: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let shown = show(instance);
                let near = crate::suggest::closest(&shown, options.iter().map(String::as_str));
                let message = match near {
                    Some(near) => {
                        format!("{name} `{shown}` is not allowed; did you mean `{near}`?")
                    }
                    None => format!(
                        "{name} `{shown}` is not allowed; expected one of: {}",
                        options.join(", ")
                    ),
                };
                let help = match near {
                    Some(near) => format!("Write `{near}`."),
                    None => format!("Write one of: {}.", options.join(", ")),
                };
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::Format { .. }
                if is_date_field(root, &pointer) =>
            {
                let message = format!("{name} `{}` is not a date or date-time", show(instance));
                let help = format!("Write {DATE_FORMS}.");
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::Type { .. }
            | ValidationErrorKind::OneOfNotValid { .. }
            | ValidationErrorKind::AnyOf { .. }
                if matches!(instance.as_ref(), Value::Bool(_) | Value::Number(_))
                    && written.is_some()
                    && accepts_text(root, &pointer) =>
            {
                let written = written.as_deref().unwrap_or_default();
                let message = format!(
                    "{name} `{written}` reads as {}, not as text",
                    yaml_reading(instance)
                );
                let help = format!("Quote it: '{written}'.");
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::Type { .. } => {
                let (message, help) =
                    wrong_type(root, &pointer, &name, &key, instance, written.as_deref());
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::Pattern { .. } => {
                let shown = show(instance);
                let fixed = crate::scaffold::slug(&shown);
                let message = format!(
                    "{name} `{shown}` is not an id: ids are lower-case letters, digits and hyphens"
                );
                let help = if fixed.is_empty() {
                    "Write an id such as widget-pro.".to_string()
                } else {
                    format!("Write `{fixed}`.")
                };
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::MinItems { .. } => {
                let message = format!("{name} is empty; it needs at least one entry");
                let help = format!("Write it as {key}: {}.", example(root, &pointer, None));
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::MinLength { .. } => {
                let message = format!("{name} is empty");
                let help = format!("Write a value: {key}: {}.", example(root, &pointer, None));
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            ValidationErrorKind::UniqueItems => {
                let message = format!("{name} lists the same entry twice");
                let help = "Keep each entry once.".to_string();
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
            _ => {
                let what = describe(root, &pointer);
                let message = format!(
                    "{name} {}{what}",
                    plain_message(&error.to_string(), instance)
                );
                let help = format!("Fix the value; {schema_file} describes it.");
                (pointer.clone(), doc.value_pos(&pointer), message, help)
            }
        };
        let violation = Violation {
            pointer,
            pos,
            message,
            help,
        };
        if !out.contains(&violation) {
            out.push(violation);
        }
    }
    out.sort_by_key(|v| (v.pos.line, v.pos.column));
    out
}

/// Whether the value at `pointer` may be a string (its type, or one of its
/// `oneOf` / `anyOf` alternatives).
fn accepts_text(root: &Value, pointer: &str) -> bool {
    let Some(node) = subschema(root, pointer) else {
        return false;
    };
    let is_text =
        |n: &Value| resolve(root, n).get("type").and_then(Value::as_str) == Some("string");
    is_text(node)
        || ["oneOf", "anyOf"].iter().any(|k| {
            node.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|alternatives| alternatives.iter().any(is_text))
        })
}

/// The key a pointer ends in, or the list an item belongs to.
fn last_key(pointer: &str) -> String {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    let key = segments
        .iter()
        .rev()
        .find(|s| s.parse::<usize>().is_err())
        .copied()
        .unwrap_or("");
    key.replace("~1", "/").replace("~0", "~")
}

/// What YAML made of a value, when it is not what the writer meant.
fn yaml_reading(instance: &Value) -> &'static str {
    match instance {
        Value::Bool(_) => "a yes/no value (YAML reads yes, no, on, off, true and false so)",
        Value::Number(_) => "a number",
        Value::Null => "nothing (an empty value)",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping (`key: value` pairs)",
        Value::String(_) => "text",
    }
}

/// The message and help for a value of the wrong type, the fix written out.
fn wrong_type(
    root: &Value,
    pointer: &str,
    name: &str,
    key: &str,
    instance: &Value,
    written: Option<&str>,
) -> (String, String) {
    let expected = subschema(root, pointer)
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let scalar = match instance {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => {
            Some(written.map_or(instance.to_string(), str::to_string))
        }
        _ => None,
    };
    match expected {
        "array" => {
            let item_pointer = format!("{pointer}/0");
            let item = match subschema(root, &item_pointer).and_then(|i| i.get("type")) {
                Some(t) if t == "object" => example(root, &item_pointer, scalar.as_deref()),
                _ => scalar.unwrap_or_else(|| example_item(root, pointer)),
            };
            (
                format!("{name} must be a list: write it as {key}: [{item}]"),
                "A list is written in brackets, [a, b], or one `- item` a line.".to_string(),
            )
        }
        "object" => {
            let shape = example(root, pointer, scalar.as_deref());
            (
                format!("{name} must be a mapping, not {}", yaml_reading(instance)),
                format!("Write it as {key}: {shape}."),
            )
        }
        // (A yes/no value or number YAML read for text is told above.)
        "string" => (
            format!("{name} must be text, not {}", yaml_reading(instance)),
            format!("Write it as {key}: \"…\"."),
        ),
        _ => (
            format!(
                "{name} is {}, which is not what it takes",
                yaml_reading(instance)
            ),
            format!("Write it as {key}: {}.", example(root, pointer, None)),
        ),
    }
}

/// An example value for the property at `pointer`: a mapping with its
/// properties (the first one `first` when given), a list with one item,
/// or a placeholder.
fn example(root: &Value, pointer: &str, first: Option<&str>) -> String {
    let Some(node) = subschema(root, pointer) else {
        return "…".to_string();
    };
    match node.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut names = property_names(root, pointer);
            // Required keys first, as people write them.
            let required: Vec<&str> = node
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            names.sort_by_key(|n| required.iter().position(|r| r == n).unwrap_or(usize::MAX));
            let fields: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| match (i, first) {
                    (0, Some(first)) => format!("{n}: {first}"),
                    _ => format!("{n}: …"),
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Some("array") => format!("[{}]", example_item(root, pointer)),
        _ => match node
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            Some(first) => show(first),
            None if is_date_field(root, pointer) => "2026-12-08T16:00:00Z".to_string(),
            None => "…".to_string(),
        },
    }
}

/// An example item of the list at `pointer`: the first value its item
/// schema lists (in `enum`, or in an `anyOf` alternative's).
fn example_item(root: &Value, pointer: &str) -> String {
    let Some(item) = subschema(root, &format!("{pointer}/0")) else {
        return "…".to_string();
    };
    let alternatives = item.get("anyOf").and_then(Value::as_array);
    std::iter::once(item)
        .chain(alternatives.into_iter().flatten())
        .find_map(|s| s.get("enum")?.as_array()?.first())
        .map_or_else(|| "…".to_string(), show)
}

/// Whether the property at `pointer` is a date-or-date-time (an `anyOf` of formats).
fn is_date_field(root: &Value, pointer: &str) -> bool {
    subschema(root, pointer)
        .and_then(|s| s.get("anyOf"))
        .and_then(Value::as_array)
        .is_some_and(|options| {
            options
                .iter()
                .any(|o| o.get("format").and_then(Value::as_str) == Some("date"))
        })
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `key` for `/a/key`, `item 3 of `list`` for `/list/2`, `front matter` for the root.
fn field_name(pointer: &str) -> String {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    match segments.as_slice() {
        [] => "the document".to_string(),
        [.., parent, last] if last.parse::<usize>().is_ok() => {
            format!(
                "item {} of `{}`",
                last.parse::<usize>().unwrap_or(0) + 1,
                parent
            )
        }
        [.., last] => format!("`{}`", last.replace("~1", "/").replace("~0", "~")),
    }
}

/// jsonschema's message restates the value first; keep what follows it.
fn plain_message(message: &str, instance: &Value) -> String {
    let shown = instance.to_string();
    let rest = message.strip_prefix(&shown).unwrap_or(message).trim();
    let rest = rest
        .strip_prefix("is ")
        .map(|r| format!("is {r}"))
        .unwrap_or_else(|| rest.to_string());
    let value = show(instance);
    if value.chars().count() > 60 || matches!(instance, Value::Object(_) | Value::Array(_)) {
        rest
    } else {
        format!("`{value}`: {rest}")
    }
}

/// Walks the schema along an instance pointer to the property's subschema.
fn subschema<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut node = root;
    for segment in pointer.split('/').skip(1) {
        node = resolve(root, node);
        node = if segment.parse::<usize>().is_ok() && node.get("items").is_some() {
            node.get("items")?
        } else {
            node.get("properties")?.get(segment)?
        };
    }
    Some(resolve(root, node))
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(path) => root.pointer(path).unwrap_or(node),
        None => node,
    }
}

fn property_names(root: &Value, pointer: &str) -> Vec<String> {
    subschema(root, pointer)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// " (expected: <description>)" for the property at `pointer`, if described.
fn describe(root: &Value, pointer: &str) -> String {
    let Some(node) = subschema(root, pointer) else {
        return String::new();
    };
    // A property's own description sits beside its $ref, so look before resolving.
    let own = pointer_parent_property(root, pointer);
    own.or_else(|| node.get("description").and_then(Value::as_str))
        .map(|d| format!(" (expected: {d})"))
        .unwrap_or_default()
}

fn pointer_parent_property<'a>(root: &'a Value, pointer: &str) -> Option<&'a str> {
    let (parent, last) = pointer.rsplit_once('/')?;
    if last.parse::<usize>().is_ok() {
        return None;
    }
    let parent = subschema(root, parent)?;
    let prop = resolve(root, parent).get("properties")?.get(last)?;
    prop.get("description").and_then(Value::as_str)
}
