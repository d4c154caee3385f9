//! `--format json`: the report described by `schemas/report.schema.json`.

use serde::Serialize;

use crate::check::Report;
use crate::finding::Finding;
use crate::review::Impact;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: JsonSummary,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<&'a Impact>,
}

#[derive(Serialize)]
struct JsonSummary {
    posts: usize,
    errors: usize,
    warnings: usize,
    suppressed: usize,
}

pub fn render(report: &Report, impact: Option<&Impact>) -> String {
    let s = report.summary();
    let json = JsonReport {
        version: 1,
        summary: JsonSummary {
            posts: report.posts,
            errors: s.errors,
            warnings: s.warnings,
            suppressed: s.suppressed,
        },
        findings: &report.findings,
        impact,
    };
    let mut out = serde_json::to_string_pretty(&json).expect("report serialises");
    out.push('\n');
    out
}
