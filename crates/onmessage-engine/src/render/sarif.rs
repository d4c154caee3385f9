//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning. Every rule in the
//! driver with its teaching text; results with a region, a fingerprint that
//! survives unrelated edits (it hashes what was found, not where), and
//! `allow` entries as in-source suppressions.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::check::Report;
use crate::finding::{Finding, Severity};
use crate::rules::{RuleInfo, builtin};

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/example-corp/onmessage";
/// Every built-in rule's teaching text, one section each (generated from
/// `rules::builtin` and kept current by a test).
const RULES_REFERENCE: &str = "https://github.com/example-corp/onmessage/blob/main/docs/rules.md";

/// GitHub code scanning takes at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;

/// The rules whose findings are leaks of confidential information: tagged
/// `security` with a severity score, so code scanning ranks them as such.
const LEAK_SEVERITY: [(&str, &str); 6] = [
    ("product.codename", "8.0"),
    ("history.leak", "8.0"),
    ("product.embargo", "7.5"),
    ("client.unapproved", "7.0"),
    ("link.internal", "6.5"),
    ("image.location", "6.0"),
];

pub fn render(report: &Report, rules: &[RuleInfo]) -> String {
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let driver_rules: Vec<Value> = rules.iter().map(rule).collect();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    // Over the cap, failing findings go first (then the report's order), so
    // what blocks the merge is what code scanning shows.
    let mut kept: Vec<&Finding> = report.findings.iter().collect();
    kept.sort_by_key(|f| !f.fails(false));
    kept.truncate(MAX_RESULTS);
    kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let left_out = report.findings.len() - kept.len();
    let results: Vec<Value> = kept
        .into_iter()
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
    let mut notifications = Vec::new();
    if left_out > 0 {
        notifications.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{left_out} of {} findings were left out: GitHub code scanning takes at most {MAX_RESULTS} results per run. The job summary and `cargo xtask check` list them all.",
                report.findings.len()
            )},
        }));
    }
    let sarif = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "OnMessage",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": driver_rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
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
    let builtin = builtin::find(r.id).is_some();
    let family = r.id.split(['.', '-']).next().unwrap_or(r.id);
    let leak = LEAK_SEVERITY.iter().find(|(id, _)| *id == r.id);
    let mut tags = vec![
        "onmessage",
        if builtin { "built-in" } else { "policy" },
        family,
    ];
    let mut properties = json!({"precision": if leak.is_some() { "very-high" } else { "high" }});
    if let Some((_, severity)) = leak {
        tags.push("security");
        properties["security-severity"] = json!(severity);
    }
    properties["tags"] = json!(tags);
    json!({
        "id": r.id,
        "name": rule_name(r.id),
        "helpUri": if builtin {
            format!("{RULES_REFERENCE}#{}", r.id.replace('.', ""))
        } else {
            format!("{INFORMATION_URI}/blob/main/policies/policy.yaml")
        },
        "properties": properties,
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
            "artifactLocation": {"uri": uri_path(&f.path), "uriBaseId": "%SRCROOT%"},
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

/// A rule id as the SARIF `name` (an identifier): `product.codename` →
/// `ProductCodename`, `post.too-large` → `PostTooLarge`.
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A relative path as a URI reference (RFC 3986): every byte but the
/// unreserved characters and `/` percent-encoded, so `café post.md` and
/// `odd,name:100%.md` are valid `artifactLocation.uri`s.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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

    #[test]
    fn paths_are_uri_references_and_rule_names_identifiers() {
        assert_eq!(
            uri_path("content/posts/café post.md"),
            "content/posts/caf%C3%A9%20post.md"
        );
        assert_eq!(
            uri_path("content/posts/odd,name:100%.md"),
            "content/posts/odd%2Cname%3A100%25.md"
        );
        assert_eq!(rule_name("product.codename"), "ProductCodename");
        assert_eq!(rule_name("post.too-large"), "PostTooLarge");
        assert_eq!(rule_name("quiet-period"), "QuietPeriod");
    }

    #[test]
    fn results_over_the_cap_are_left_out_with_a_notification() {
        let finding = |severity| {
            Finding::new(
                "tone.negative",
                severity,
                "content/posts/a.md",
                Region {
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 2,
                },
                "m".into(),
                "h".into(),
            )
        };
        let mut findings = vec![finding(Severity::Warning); MAX_RESULTS];
        findings.push(finding(Severity::Error));
        let report = Report {
            posts: 1,
            findings,
            ..Report::default()
        };
        let sarif: Value = serde_json::from_str(&render(&report, &[])).unwrap();
        let run = &sarif["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), MAX_RESULTS);
        assert!(
            results.iter().any(|r| r["level"] == "error"),
            "the failing one is kept"
        );
        let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap();
        assert!(
            note.starts_with("1 of 25001 findings were left out"),
            "{note}"
        );
    }

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
