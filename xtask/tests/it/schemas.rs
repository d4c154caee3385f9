//! The schemas are the single source of truth: they are well-formed, every
//! property is described (editors show the descriptions), and every documented
//! example (the SPEC's, the shipped example company) validates and loads into
//! the tool's types.

use crate::support::workspace;

use onmessage_engine::check::Setup;
use onmessage_engine::post::Post;
use onmessage_engine::schema::{self, Schema};
use serde_json::Value;

/// Every `properties` entry, at any depth, has a description of its own or
/// through its `$ref`.
#[test]
fn every_property_is_described() {
    for (name, source) in [
        ("policy", schema::POLICY),
        ("calendar", schema::CALENDAR),
        ("post", schema::POST),
        ("report", schema::REPORT),
    ] {
        let root: Value = serde_json::from_str(source).unwrap();
        assert_eq!(
            root["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        let mut missing = Vec::new();
        walk(&root, &root, String::new(), &mut missing);
        assert!(
            missing.is_empty(),
            "{name}.schema.json: properties without a description: {missing:?}"
        );
    }
}

fn walk(root: &Value, node: &Value, path: String, missing: &mut Vec<String>) {
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        for (key, property) in properties {
            let target = property
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| root.pointer(r.trim_start_matches('#')))
                .unwrap_or(property);
            if property.get("description").is_none() && target.get("description").is_none() {
                missing.push(format!("{path}/{key}"));
            }
            walk(root, target, format!("{path}/{key}"), missing);
        }
    }
    for key in ["items", "$defs"] {
        match node.get(key) {
            Some(Value::Object(map)) if key == "$defs" => {
                for (name, def) in map {
                    walk(root, def, format!("{path}/$defs/{name}"), missing);
                }
            }
            Some(child) if key == "items" => walk(root, child, format!("{path}/items"), missing),
            _ => {}
        }
    }
}

fn load_config(policy: &str, calendar: &str) -> Setup {
    let root = std::env::temp_dir().join(format!(
        "onmessage-schemas-{}-{}",
        std::process::id(),
        policy.len()
    ));
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("policies/policy.yaml"), policy).unwrap();
    std::fs::write(root.join("policies/calendar.yaml"), calendar).unwrap();
    let setup = load(&root).unwrap_or_else(|e| panic!("{e:?}"));
    std::fs::remove_dir_all(&root).unwrap();
    setup
}

fn spec_example(name: &str) -> String {
    std::fs::read_to_string(workspace().join("tests/spec-examples").join(name)).unwrap()
}

#[test]
fn spec_examples_validate_and_load() {
    let setup = load_config(&spec_example("policy.yaml"), &spec_example("calendar.yaml"));
    assert_eq!(setup.policy.rules.len(), 1);
    assert_eq!(
        setup.calendar.products[0].codenames,
        ["Falcon", "Project Falcon"]
    );

    let post = Post::parse(
        "content/posts/2026/12/widget-pro-is-here.md".into(),
        spec_example("post.md").into_bytes(),
    );
    assert!(post.problems.is_empty(), "{:?}", post.problems);
    let front = post.front.expect("typed front matter");
    assert_eq!(front.allow.len(), 1);
    assert_eq!(post.sections.len(), 2);

    let report: Value = serde_json::from_str(&spec_example("report.json")).unwrap();
    assert_eq!(
        schema::validate_value(Schema::Report, &report),
        Vec::<String>::new()
    );
}

/// The SPEC's second-edition rule, wrapped in a minimal valid policy (with
/// the rule and product it names), validates and loads, and its own
/// examples pass (they are checked on every load).
#[test]
fn spec_second_edition_rule_validates_and_loads() {
    let rule = spec_example("second-edition-rule.yaml");
    let policy = format!(
        "version: 1\ncompany: {{name: Example Corp, timezone: America/New_York, domains: [example.com]}}\n{rule}\n  - id: bby.offers\n    severity: info\n    category: legal\n    message: An offer\n    explain: Offers are legal statements.\n    terms: [offer]\n"
    );
    let calendar = "version: 1\nproducts:\n  - {id: black-friday-ad, name: Black Friday Ad, announce_at: 2026-11-27}\n";
    let setup = load_config(&policy, calendar);
    let r = setup
        .policy
        .rule("offers.disclaimer")
        .expect("the SPEC's rule");
    let require = r.require.as_ref().expect("require");
    assert_eq!(require.within, Some(210));
    assert_eq!(
        require.phrase_texts,
        ["See store for details", "Terms apply"]
    );
    assert_eq!(require.links_to[0].host, "bestbuy.com");
    assert_eq!(require.links_to[0].path, "/terms");
    let when = r.when.as_ref().expect("when");
    assert_eq!(when.rules, ["bby.offers"]);
    assert!(when.terms.is_some() && !when.patterns.is_empty());
    assert_eq!(r.near.as_ref().map(|n| n.within), Some(80));
    assert_eq!(r.examples.matches.len(), 1);
    assert_eq!(r.examples.no_match.len(), 1);
    assert!(matches!(
        r.active_until.as_ref().map(|a| &a.at),
        Some(onmessage_engine::policy::Active::Product(p)) if p == "black-friday-ad"
    ));
}

/// The copies in tests/spec-examples/ are the SPEC's own blocks, when the
/// brief is checked out beside the repository (it is in CI).
#[test]
fn spec_examples_match_the_spec() {
    let spec = workspace().join("../shared/SPEC.md");
    let Ok(spec) = std::fs::read_to_string(&spec) else {
        println!("skipped: {} is not here to compare with", spec.display());
        return;
    };
    let blocks: Vec<&str> = spec
        .split("```")
        .skip(1)
        .step_by(2)
        .filter_map(|block| block.split_once('\n'))
        .filter(|(language, _)| !language.is_empty())
        .map(|(_, body)| body)
        .collect();
    // The first edition's four, then the second edition's (validated by
    // the tests of the features they show).
    let copies = [
        "post.md",
        "policy.yaml",
        "calendar.yaml",
        "report.json",
        "second-edition-rule.yaml",
        "approval-policy.yaml",
        "approval-post.yaml",
    ]
    .map(spec_example);
    assert_eq!(
        blocks.len(),
        copies.len(),
        "the SPEC's examples changed: update tests/spec-examples/"
    );
    for (block, copy) in blocks.iter().zip(&copies) {
        assert_eq!(
            block, copy,
            "tests/spec-examples/ no longer matches the SPEC"
        );
    }
}

/// The policy and calendar under `root`, compiled.
fn load(root: &std::path::Path) -> Result<Setup, Vec<onmessage_engine::config::ConfigError>> {
    let read = |file: &str| std::fs::read(root.join(file)).unwrap();
    Setup::parse(
        &read("policies/policy.yaml"),
        &read("policies/calendar.yaml"),
    )
}

#[test]
fn shipped_example_company_loads() {
    let setup = load(&workspace()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(setup.policy.rules.len() >= 5);
    assert!(
        setup
            .calendar
            .products
            .iter()
            .any(|p| p.announce_at.is_none()),
        "an unannounced product"
    );
    assert!(!setup.calendar.quiet_periods.is_empty());
}

#[test]
fn spec_approval_examples_validate_and_load() {
    let policy = format!(
        "{}{}",
        spec_example("policy.yaml"),
        spec_example("approval-policy.yaml")
    );
    let setup = load_config(&policy, &spec_example("calendar.yaml"));
    let approval = setup
        .policy
        .approval
        .as_ref()
        .expect("the approval section");
    assert!(approval.require && approval.not_author);
    let jane = approval.approver("jane.roe").unwrap();
    assert_eq!(
        (jane.name.as_str(), jane.role.as_deref()),
        ("Jane Roe", Some("principal"))
    );

    let post = spec_example("post.md").replacen(
        "---\n",
        &format!("---\n{}", spec_example("approval-post.yaml")),
        1,
    );
    let post = Post::parse(
        "content/posts/2026/12/widget-pro-is-here.md".into(),
        post.into_bytes(),
    );
    assert!(post.problems.is_empty(), "{:?}", post.problems);
    let front = post.front.expect("typed front matter");
    assert_eq!(front.approved_by.as_deref(), Some("jane.roe"));
    assert_eq!(front.approved_at.as_deref(), Some("2026-11-30"));
}
