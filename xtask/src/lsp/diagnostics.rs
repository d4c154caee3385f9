//! From the engine's findings and configuration errors to LSP diagnostics:
//! a post's unsaved text judged with the policy on disk, and a policy or
//! calendar buffer compiled from its unsaved text.

use std::path::Path;
use std::sync::Arc;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString, Position,
    Range, Uri,
};

use onmessage_engine::check::{self, Setup};
use onmessage_engine::config::ConfigError;
use onmessage_engine::finding::{Finding, Severity};
use onmessage_engine::post::Post;

use super::text::{Encoding, Text};
use crate::check::ImageCache;

pub const SOURCE: &str = "onmessage";

/// Judges one post's text as `cargo xtask check` would judge the file:
/// too large a text is reported, not read. `path` is relative to `root`.
pub fn judge(setup: &Setup, root: &Path, path: &str, text: &str) -> Vec<Finding> {
    let max = setup.policy.post_bytes;
    if text.len() as u64 > max {
        return vec![check::too_large(path.to_string(), max)];
    }
    let post = Post::parse(path.to_string(), text.as_bytes().to_vec());
    let images = ImageCache::new(root);
    let mut findings = check::judge(&setup.context(), &images, &post);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Where each rule's explanation can be read: a file URI at the rule's
/// line (the policy's own rules in policies/policy.yaml, the built-in ones
/// in the engine's source when the repository holds it).
#[derive(Default)]
pub struct RuleLinks {
    links: std::collections::HashMap<String, Uri>,
}

impl RuleLinks {
    pub fn new(root: &Path, setup: &Setup) -> RuleLinks {
        let mut links = std::collections::HashMap::new();
        let builtin_path = root.join("crates/onmessage-engine/src/rules/builtin.rs");
        if let Ok(source) = std::fs::read_to_string(&builtin_path) {
            for (i, line) in source.lines().enumerate() {
                if let Some(id) = line
                    .trim()
                    .strip_prefix("id: \"")
                    .and_then(|rest| rest.strip_suffix("\","))
                    && let Some(uri) = super::file_uri(&builtin_path, Some(i + 1))
                {
                    links.insert(id.to_string(), uri);
                }
            }
        }
        let policy_path = root.join(onmessage_engine::config::POLICY_PATH);
        if let Ok(bytes) = std::fs::read(&policy_path)
            && let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(doc) = onmessage_engine::yaml::parse(text.trim_start_matches('\u{feff}'))
        {
            for (i, rule) in setup.policy.rules.iter().enumerate() {
                let line = doc.value_pos(&format!("/rules/{i}/id")).line;
                if let Some(uri) = super::file_uri(&policy_path, Some(line)) {
                    links.insert(rule.id.clone(), uri);
                }
            }
        }
        RuleLinks { links }
    }

    fn get(&self, rule: &str) -> Option<CodeDescription> {
        self.links
            .get(rule)
            .map(|href| CodeDescription { href: href.clone() })
    }
}

/// A finding as a diagnostic in `text`.
pub fn finding(text: &Text, f: &Finding, enc: Encoding, links: &RuleLinks) -> Diagnostic {
    let severity = match (f.suppressed, f.severity) {
        (true, _) => DiagnosticSeverity::HINT,
        (false, Severity::Error) => DiagnosticSeverity::ERROR,
        (false, Severity::Warning) => DiagnosticSeverity::WARNING,
        (false, Severity::Info) => DiagnosticSeverity::INFORMATION,
    };
    let mut message = f.message.clone();
    if f.suppressed {
        message.push_str(" (allowed");
        if let Some(reason) = f.justification.as_deref().filter(|r| !r.is_empty()) {
            message.push_str(": ");
            message.push_str(reason);
        }
        message.push(')');
    }
    if !f.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&f.help);
    }
    Diagnostic {
        range: text.region(f.region, enc),
        severity: Some(severity),
        code: Some(NumberOrString::String(f.rule.clone())),
        code_description: links.get(&f.rule),
        source: Some(SOURCE.to_string()),
        message,
        related_information: None,
        tags: f.suppressed.then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

/// A configuration error as a diagnostic in `text` (the file it names):
/// at its line and column, to the end of that token's line; a whole-file
/// problem at the start.
pub fn config_error(text: Option<&Text>, e: &ConfigError, enc: Encoding) -> Diagnostic {
    let range = match (text, e.position) {
        (Some(text), Some((line, column))) => {
            let start = text.engine_offset(line, column);
            let line_end = text.engine_offset(line, usize::MAX);
            // The token at the position: up to the next space or line end.
            let token = text.text[start..line_end]
                .find(char::is_whitespace)
                .map_or(line_end, |n| start + n);
            let end = if token > start { token } else { line_end };
            text.range(start..end, enc)
        }
        (None, Some((line, column))) => {
            let at = Position::new(
                line.saturating_sub(1) as u32,
                column.saturating_sub(1) as u32,
            );
            Range::new(at, at)
        }
        (_, None) => Range::default(),
    };
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("config".to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: e.message.clone(),
        related_information: None,
        tags: None,
        data: None,
    }
}

/// The policy and calendar compiled from the given texts: `Ok` with the
/// setup, or the errors (each naming its file).
pub fn compile(policy: &[u8], calendar: &[u8]) -> Result<Arc<Setup>, Vec<ConfigError>> {
    Setup::parse(policy, calendar).map(Arc::new)
}
