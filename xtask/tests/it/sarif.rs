//! SARIF output validates against the official SARIF 2.1.0 schema
//! (tests/conformance/sarif/, from oasis-tcs/sarif-spec) and meets what
//! GitHub code scanning requires on top of it.

use crate::support::{copy_tree, workspace};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

fn sarif_for(case: &str) -> Value {
    // A case repository plus the shared base policy, as the e2e harness builds it.
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let run = RUN.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!(
        "onmessage-sarif-{}-{case}-{run}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    for source in [
        workspace().join("tests/base"),
        workspace().join("tests/cases").join(case).join("repo"),
    ] {
        for entry in walkdir::WalkDir::new(&source) {
            let entry = entry.unwrap();
            let target = root.join(entry.path().strip_prefix(&source).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--format", "sarif", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&root).unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn official_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        workspace().join("tests/conformance/sarif/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap()
}

#[test]
fn sarif_validates_and_suits_code_scanning() {
    let validator = official_schema();
    for case in [
        "quiet-period-financial",
        "allow-suppressed",
        "codename-evasions-separators",
        "clean",
    ] {
        let sarif = sarif_for(case);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{case}: {errors:?}");

        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(
            rules.iter().any(|r| r["id"] == "product.codename"),
            "every rule is described"
        );
        for result in run["results"].as_array().unwrap() {
            let locations = result["locations"].as_array().unwrap();
            assert!(!locations.is_empty(), "{case}: GitHub needs a location");
            let physical = &locations[0]["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                uri.starts_with("content/") && !uri.contains('\\'),
                "{case}: relative URI, got {uri}"
            );
            assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                rules[index]["id"], result["ruleId"],
                "ruleIndex points at the rule"
            );
            assert!(result["partialFingerprints"]["onmessageFinding/v1"].is_string());
        }
    }
}

#[test]
fn suppressed_findings_carry_their_reason() {
    let sarif = sarif_for("allow-suppressed");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert!(!suppressed.is_empty());
    for r in suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
        assert!(
            !r["suppressions"][0]["justification"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn fingerprints_survive_unrelated_edits_above() {
    // The same leak, moved down by an added paragraph, keeps its fingerprint.
    let fingerprint = |extra: &str| {
        let root = std::env::temp_dir().join(format!(
            "onmessage-sarif-fp-{}-{}",
            std::process::id(),
            extra.len()
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("policies")).unwrap();
        std::fs::create_dir_all(root.join("content/posts")).unwrap();
        for file in ["policy.yaml", "calendar.yaml"] {
            std::fs::copy(
                workspace().join("tests/base/policies").join(file),
                root.join("policies").join(file),
            )
            .unwrap();
        }
        let post = format!(
            "---\ntitle: T\nauthor: a\nstatus: draft\nplatforms: [linkedin]\npublish_at: 2027-02-10\n---\n{extra}Our Falcon team.\n"
        );
        std::fs::write(root.join("content/posts/p.md"), post).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["check", "--format", "sarif", "--root"])
            .arg(&root)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
        let result = &sarif["runs"][0]["results"][0];
        (
            result["partialFingerprints"]["onmessageFinding/v1"].clone(),
            result["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (before, line_before) = fingerprint("");
    let (after, line_after) = fingerprint("A new first paragraph.\n\n");
    assert_ne!(line_before, line_after);
    assert_eq!(before, after);
}

/// File names with spaces, `%`, commas, colons and non-ASCII letters give
/// valid URIs (the official schema checks the `uri` format), and the rules
/// carry what code scanning uses: a name, a help URI, tags, precision and,
/// for leaks, a security severity.
#[test]
fn odd_file_names_are_valid_uris_and_rules_carry_code_scanning_properties() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-odd-names");
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(&workspace().join("tests/base"), &root);
    let names = [
        "café post.md",
        "odd,name:100%.md",
        "tab\there.md",
        "ünïcødé.md",
    ];
    for name in names {
        let post = "---\ntitle: T\nauthor: a\nstatus: draft\nplatforms: [linkedin]\npublish_at: 2027-02-10\n---\nOur Falcon team.\n";
        write_post(&root, name, post);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--format", "sarif", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = std::fs::read_to_string(
        workspace().join("tests/conformance/sarif/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"content/posts/caf%C3%A9%20post.md"),
        "{uris:?}"
    );
    assert!(
        uris.contains(&"content/posts/odd%2Cname%3A100%25.md"),
        "{uris:?}"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let codename = rules
        .iter()
        .find(|r| r["id"] == "product.codename")
        .unwrap();
    assert_eq!(codename["name"], "ProductCodename");
    assert!(
        codename["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("docs/rules.md#productcodename")
    );
    assert_eq!(codename["properties"]["security-severity"], "8.0");
    assert!(
        codename["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&"security".into())
    );
    for rule in rules {
        assert!(
            rule["name"].is_string() && rule["helpUri"].is_string(),
            "{rule}"
        );
        assert!(rule["properties"]["precision"].is_string(), "{rule}");
    }
    std::fs::remove_dir_all(&root).unwrap();
}

fn write_post(root: &Path, name: &str, text: &str) {
    let dir = root.join("content/posts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}
