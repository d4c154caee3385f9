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

/// One schema violation, positioned in the YAML source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub pos: Pos,
    pub message: String,
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
        validate_with(self, doc)
    }
}

fn validate_with(compiled: &Compiled, doc: &Document) -> Vec<Violation> {
    let root = &compiled.root;
    let mut out: Vec<Violation> = Vec::new();
    for error in compiled.validator.iter_errors(&doc.value) {
        let pointer = error.instance_path().as_str().to_string();
        let (pointer, pos, message) = match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let key = unexpected.first().cloned().unwrap_or_default();
                let key_pointer = format!("{pointer}/{}", crate::yaml::pointer_segment(&key));
                let allowed = property_names(root, &pointer);
                let message = format!(
                    "unknown key `{key}`; expected one of: {}",
                    allowed.join(", ")
                );
                (key_pointer.clone(), doc.key_pos(&key_pointer), message)
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let what = describe(root, &format!("{pointer}/{name}"));
                let message = format!("missing required key `{name}`{what}");
                (pointer.clone(), doc.value_pos(&pointer), message)
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
                let message = format!(
                    "{} `{}` is not allowed; expected one of: {}",
                    field_name(&pointer),
                    show(error.instance()),
                    options.join(", ")
                );
                (pointer.clone(), doc.value_pos(&pointer), message)
            }
            ValidationErrorKind::AnyOf { .. } if is_date_field(root, &pointer) => {
                // The format's own description says what to write, not the field's purpose.
                let what = subschema(root, &pointer)
                    .and_then(|s| s.get("description"))
                    .and_then(Value::as_str)
                    .map(|d| format!(" (expected: {d})"))
                    .unwrap_or_default();
                let message = format!(
                    "{} `{}` is not a valid date or date-time{what}",
                    field_name(&pointer),
                    show(error.instance())
                );
                (pointer.clone(), doc.value_pos(&pointer), message)
            }
            _ => {
                let what = describe(root, &pointer);
                let message = format!(
                    "{} {}{what}",
                    field_name(&pointer),
                    plain_message(&error.to_string(), error.instance())
                );
                (pointer.clone(), doc.value_pos(&pointer), message)
            }
        };
        let violation = Violation {
            pointer,
            pos,
            message,
        };
        if !out.contains(&violation) {
            out.push(violation);
        }
    }
    out.sort_by_key(|v| (v.pos.line, v.pos.column));
    out
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
