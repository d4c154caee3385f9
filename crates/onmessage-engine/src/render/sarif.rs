//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning. Every rule in the
//! driver with its teaching text; results with a region, a fingerprint that
//! survives unrelated edits (it hashes what was found, not where), and
//! `allow` entries as in-source suppressions.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::check::Report;
use crate::finding::{Finding, Severity};
use crate::rules::RuleInfo;

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(report: &Report, rules: &[RuleInfo]) -> String {
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let driver_rules: Vec<Value> = rules.iter().map(rule).collect();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let matched = matched_text(report, f);
            let occurrence = seen
                .entry((f.rule.clone(), f.path.clone(), matched.clone()))
                .or_insert(0);
            *occurrence += 1;
            result(
                f,
                index.get(f.rule.as_str()).copied(),
                fingerprint(&[&f.rule, &f.path, &matched, &occurrence.to_string()]),
            )
        })
        .collect();
    let sarif = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "OnMessage",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/example-corp/onmessage",
                "rules": driver_rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    out.push('\n');
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(r: &RuleInfo) -> Value {
    json!({
        "id": r.id,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.explain},
        "help": {
            "text": format!("{}\n\nRun `cargo xtask explain {}` for this text in a terminal.", r.explain, r.id),
            "markdown": format!("**{}**\n\n{}\n\nRun `cargo xtask explain {}` for this text in a terminal.", r.summary, r.explain, r.id),
        },
        "defaultConfiguration": {"level": level(r.severity)},
    })
}

fn result(f: &Finding, rule_index: Option<usize>, fingerprint: String) -> Value {
    let r = f.region;
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": format!("{}\n{}", f.message, f.help)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": r.line.max(1),
                "startColumn": r.column.max(1),
                "endLine": r.end_line.max(r.line).max(1),
                "endColumn": r.end_column.max(1),
            },
        }}],
        "partialFingerprints": {"onmessageFinding/v1": fingerprint},
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = json!(i);
    }
    if f.suppressed {
        let mut suppression = json!({"kind": "inSource", "status": "accepted"});
        if let Some(reason) = &f.justification {
            suppression["justification"] = json!(reason);
        }
        result["suppressions"] = json!([suppression]);
    }
    if f.pre_existing {
        result["baselineState"] = json!("unchanged");
    }
    result
}

/// The source text a finding covers (its first line), for fingerprints.
fn matched_text(report: &Report, f: &Finding) -> String {
    let Some(source) = report.sources.get(&f.path) else {
        return String::new();
    };
    let start = source
        .lines
        .offset(&source.text, f.region.line, f.region.column);
    let end = if f.region.end_line == f.region.line {
        source
            .lines
            .offset(&source.text, f.region.end_line, f.region.end_column)
    } else {
        start + source.lines.line_text(&source.text, f.region.line).len()
    };
    source
        .text
        .get(start..end.max(start))
        .unwrap_or_default()
        .to_lowercase()
}

/// The parts, each followed by a NUL, hashed with FNV-1a (64 bits): stable
/// across runs, platforms and Rust versions, so code scanning keeps an
/// alert's identity from one run to the next.
fn fingerprint(parts: &[&str]) -> String {
    let bytes = parts.iter().flat_map(|part| part.bytes().chain([0]));
    format!("{:016x}", fnv1a(bytes))
}

fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::check::SourceFile;
    use crate::finding::Region;

    /// FNV-1a's published test vectors (Fowler, Noll and Vo).
    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(fnv1a(b"".iter().copied()), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a".iter().copied()), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar".iter().copied()), 0x8594_4171_f739_67e8);
    }

    /// The fingerprints of real findings are pinned (computed independently:
    /// FNV-1a of `rule NUL path NUL matched-text-lowercased NUL occurrence NUL`):
    /// a change to what is hashed would re-open every alert in code scanning.
    #[test]
    fn fingerprints_of_real_findings_are_pinned() {
        let path = "content/posts/launch.md";
        let text = "---\ntitle: t\n---\nFalcon is near. FALCON again.\n";
        let codename = |column| {
            Finding::new(
                "product.codename",
                Severity::Error,
                path,
                Region {
                    line: 4,
                    column,
                    end_line: 4,
                    end_column: column + 6,
                },
                "'Falcon' is a codename".into(),
                "Use the public name".into(),
            )
        };
        let mut report = Report {
            posts: 1,
            findings: vec![codename(1), codename(17)],
            ..Report::default()
        };
        report.sources.insert(
            path.into(),
            SourceFile::from_bytes(path, text.as_bytes().to_vec()),
        );
        let sarif: Value = serde_json::from_str(&render(&report, &[])).unwrap();
        let prints: Vec<&str> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["onmessageFinding/v1"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        // The same text twice in one file: told apart by the occurrence.
        assert_eq!(prints, ["53edc62572814c26", "53ea6025727e68fd"]);
    }
}
