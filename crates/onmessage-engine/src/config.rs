//! Loading the policy and the release calendar from their bytes: parse YAML with
//! positions, validate against the embedded schema, deserialise into typed
//! data, then check what a schema cannot (duplicate ids, dangling references,
//! regexes that do not compile). Every problem names file, line and column.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::schema::{Schema, Schemas};
use crate::yaml::{self, Document, Pos};

pub const POLICY_PATH: &str = "policies/policy.yaml";
pub const CALENDAR_PATH: &str = "policies/calendar.yaml";
/// The largest policy or calendar file read (a 200,000-term policy is
/// about 4 MB).
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// A reason the check cannot run (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    /// 1-based; `None` when the problem is the whole file.
    pub position: Option<(usize, usize)>,
    pub message: String,
    /// The text of the line the position is on, for display.
    pub source_line: Option<String>,
}

impl ConfigError {
    pub fn at(path: &str, pos: Pos, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.to_string(),
            position: Some((pos.line, pos.column)),
            message: message.into(),
            source_line: None,
        }
    }

    pub fn file(path: &str, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.to_string(),
            position: None,
            message: message.into(),
            source_line: None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// A YAML file read, parsed and validated; `T` is its typed content.
pub struct Loaded<T> {
    pub value: T,
    pub doc: Document,
}

/// Parses a configuration file's bytes (`path` names it in errors) and
/// validates it against `schema` (of `schemas`).
pub fn parse<T: DeserializeOwned>(
    path: &str,
    bytes: &[u8],
    schema: Schema,
    schemas: &Schemas,
) -> Result<Loaded<T>, Vec<ConfigError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![ConfigError::file(
            path,
            format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc = yaml::parse(text).map_err(|e| {
        vec![ConfigError {
            path: path.to_string(),
            position: Some((e.line, e.column)),
            message: {
                let (message, help) = yaml::explain_syntax_error(&e.message);
                format!("invalid YAML: {message}. {help}")
            },
            source_line: None,
        }]
    })?;
    let violations = schemas.get(schema).validate_source(&doc, text);
    if !violations.is_empty() {
        return Err(violations
            .into_iter()
            .map(|v| ConfigError::at(path, v.pos, format!("{}. {}", v.message, v.help)))
            .collect());
    }
    let value = serde_json::from_value(doc.value.clone()).map_err(|e| {
        vec![ConfigError::file(path, format!("does not match the tool's model of {schema:?} (a schema/type mismatch; please report): {e}"))]
    })?;
    Ok(Loaded { value, doc })
}
