//! Findings: plain data produced by rules and consumed by renderers.

use serde::Serialize;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A 1-based region of a file; columns count characters and `end_column` is
/// one past the last character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// One problem found in one file. Field order is the report's sort order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub path: String,
    #[serde(flatten)]
    pub region: Region,
    pub message: String,
    pub help: String,
    pub suppressed: bool,
    /// With `--base`: found in a post the change does not touch; reported,
    /// never failing. Absent from the JSON report unless true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pre_existing: bool,
    /// The `allow` entry's reason, for reports that carry it (SARIF).
    #[serde(skip)]
    pub justification: Option<String>,
    /// The line to show when it is not the file's current line `line`
    /// (a line from an older commit).
    #[serde(skip)]
    pub snippet: Option<String>,
}

impl Finding {
    pub fn new(
        rule: &str,
        severity: Severity,
        path: &str,
        region: Region,
        message: String,
        help: String,
    ) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            path: path.to_string(),
            region,
            message,
            help,
            suppressed: false,
            pre_existing: false,
            justification: None,
            snippet: None,
        }
    }

    /// Whether this finding fails the run (given `--deny warnings`).
    pub fn fails(&self, deny_warnings: bool) -> bool {
        !self.suppressed
            && !self.pre_existing
            && (self.severity == Severity::Error
                || (deny_warnings && self.severity == Severity::Warning))
    }

    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.path, self.region.line, self.region.column, &self.rule)
    }
}
