//! Findings against planted leaks: every plant must be found as an error at
//! its exact place, and nothing else may be an error.

use std::collections::HashSet;

use serde::Serialize;

use super::corpus::Plant;
use onmessage_engine::finding::{Finding, Severity};

/// What the comparison needs of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub rule: String,
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub suppressed: bool,
}

impl From<&Finding> for Seen {
    fn from(f: &Finding) -> Seen {
        Seen {
            rule: f.rule.clone(),
            severity: f.severity,
            path: f.path.clone(),
            line: f.region.line,
            column: f.region.column,
            suppressed: f.suppressed,
        }
    }
}

/// The findings of a `check --format json` report, and its post count.
pub fn from_report(json: &str) -> Result<(usize, Vec<Seen>), String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("the report is not JSON: {e}"))?;
    let posts = value
        .pointer("/summary/posts")
        .and_then(serde_json::Value::as_u64)
        .ok_or("the report has no summary.posts")? as usize;
    let findings = value
        .get("findings")
        .and_then(serde_json::Value::as_array)
        .ok_or("the report has no findings")?;
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        let text = |key: &str| f.get(key).and_then(serde_json::Value::as_str);
        let number = |key: &str| f.get(key).and_then(serde_json::Value::as_u64);
        let severity = match text("severity") {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            _ => Severity::Info,
        };
        out.push(Seen {
            rule: text("rule").unwrap_or_default().to_string(),
            severity,
            path: text("path").unwrap_or_default().to_string(),
            line: number("line").unwrap_or_default() as usize,
            column: number("column").unwrap_or_default() as usize,
            suppressed: f.get("suppressed").and_then(serde_json::Value::as_bool) == Some(true),
        });
    }
    Ok((posts, out))
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Recall {
    pub planted: usize,
    pub found: usize,
    pub missed: Vec<Plant>,
    /// Error findings that no plant explains.
    pub extra_errors: Vec<Seen>,
    /// Warnings that no plant explains (a planted unannounced product name
    /// also gets `product.undeclared`; nothing else should warn).
    pub extra_warnings: Vec<Seen>,
}

impl Recall {
    /// Every plant found and no other error.
    pub fn exact(&self) -> bool {
        self.found == self.planted && self.extra_errors.is_empty()
    }
}

type Key<'a> = (&'a str, usize, usize, &'a str);

pub fn recall(plants: &[Plant], seen: &[Seen]) -> Recall {
    let errors: HashSet<Key> = plants
        .iter()
        .map(|p| (p.path.as_str(), p.line, p.column, p.rule.as_str()))
        .collect();
    let warnings: HashSet<Key> = plants
        .iter()
        .filter_map(|p| {
            let rule = p.warning.as_deref()?;
            Some((p.path.as_str(), p.line, p.column, rule))
        })
        .collect();
    let mut found: HashSet<Key> = HashSet::new();
    let mut out = Recall {
        planted: plants.len(),
        ..Recall::default()
    };
    for s in seen.iter().filter(|s| !s.suppressed) {
        let key = (s.path.as_str(), s.line, s.column, s.rule.as_str());
        match s.severity {
            Severity::Error if errors.contains(&key) => {
                found.insert(key);
            }
            Severity::Error => out.extra_errors.push(s.clone()),
            Severity::Warning if warnings.contains(&key) => {}
            Severity::Warning => out.extra_warnings.push(s.clone()),
            Severity::Info => {}
        }
    }
    out.found = found.len();
    out.missed = plants
        .iter()
        .filter(|p| !found.contains(&(p.path.as_str(), p.line, p.column, p.rule.as_str())))
        .cloned()
        .collect();
    out
}
