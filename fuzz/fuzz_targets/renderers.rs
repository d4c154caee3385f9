//! Report renderers with hostile finding text: the JSON report always parses
//! back to the same strings, and GitHub annotations are one line per finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onmessage_engine::check::Report;
use onmessage_engine::finding::{Finding, Region, Severity};

fuzz_target!(|input: &str| {
    let mut parts = input.split('\u{0}');
    let message = parts.next().unwrap_or_default();
    let help = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or("content/posts/p.md");
    let rule = parts.next().unwrap_or("tone.negative");
    let region = Region {
        line: 1 + input.len() % 7,
        column: 1 + input.len() % 13,
        end_line: 2,
        end_column: 3,
    };
    let severity = [Severity::Error, Severity::Warning, Severity::Info][input.len() % 3];
    let finding = Finding::new(
        rule,
        severity,
        path,
        region,
        message.to_string(),
        help.to_string(),
    );
    let report = Report {
        posts: 1,
        findings: vec![finding.clone(), finding],
        ..Report::default()
    };

    let json: serde_json::Value =
        serde_json::from_str(&onmessage_engine::render::json::render(&report, None))
            .expect("the JSON report parses");
    assert_eq!(json["findings"][0]["message"], message);
    assert_eq!(json["findings"][1]["path"], path);

    let annotations = onmessage_engine::render::github::annotations(&report);
    assert_eq!(annotations.lines().count(), 2, "{annotations:?}");
    assert!(annotations.ends_with('\n'));
});
