//! `cargo xtask lsp --bench`: how long the server takes to re-check a post
//! after a change, measured on the same path a `didChange` takes once the
//! debounce has passed (the edit applied, the post judged, the findings
//! turned into diagnostics and serialised as the notification), for a
//! typical post and for a 1 MiB one. Numbers, not a pass or fail.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lsp_types::{Range, TextDocumentContentChangeEvent};

use super::diagnostics::{self, RuleLinks};
use super::text::{Encoding, Text};

const TYPICAL: &str = "---
title: Widget Pro is here
author: jane.doe
status: review
platforms: [linkedin, x]
publish_at: 2026-12-02T16:00:00Z
products: [widget-pro]
tags: [launch]
---
I work at Example Corp, and today we launch Widget Pro: the fastest widget we have built.
It took the whole team a year, and our customers helped us shape every part of it.

Read more at https://example.com/widget-pro and tell me what you think.

## x
Widget Pro is here! #employee https://example.com/widget-pro
";

pub fn run(root: Option<PathBuf>) -> ExitCode {
    let root = match root.or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|d| crate::check::find_root(&d))
    }) {
        Some(root) => root,
        None => {
            eprintln!(
                "cargo xtask lsp --bench: no policies/policy.yaml here or above (use --root)"
            );
            return ExitCode::from(2);
        }
    };
    let setup = match crate::check::load_setup(&root) {
        Ok(setup) => setup,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return ExitCode::from(2);
        }
    };
    let links = RuleLinks::new(&root, &setup);
    // A 1 MiB post: the typical copy's paragraphs repeated up to the
    // policy's default size limit (1 MiB), the last line the one edited.
    let paragraph = "Our team shipped Widget Pro to customers today, and the fastest widget we have built is now in their hands.\n\n";
    let mut large = TYPICAL.to_string();
    let limit = setup.policy.post_bytes.min(1 << 20) as usize;
    while large.len() + paragraph.len() < limit {
        large.push_str(paragraph);
    }
    // The same size with a finding in every paragraph (a policy term):
    // the cost of turning thousands of findings into diagnostics.
    let mut noisy = TYPICAL.to_string();
    let worst =
        "It was the worst wait of the year, and the team made it worth it for our customers.\n\n";
    while noisy.len() + worst.len() < limit {
        noisy.push_str(worst);
    }
    println!("cargo xtask lsp --bench ({})", root.display());
    let cases = [
        ("typical post", TYPICAL.to_string()),
        ("1 MiB post", large),
        ("1 MiB, noisy", noisy),
    ];
    for (name, text) in cases {
        let bytes = text.len();
        let mut doc = Text::new(text);
        let mut times = Vec::new();
        let mut judging = Vec::new();
        let mut diagnostics_sent = 0;
        let runs = if bytes > 100_000 { 15 } else { 200 };
        for i in 0..runs {
            let end = doc.position(doc.text.len(), Encoding::Utf16);
            let started = Instant::now();
            doc.apply(
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(end, end)),
                    range_length: None,
                    text: if i % 2 == 0 { "x".into() } else { " ".into() },
                },
                Encoding::Utf16,
            );
            let judge_started = Instant::now();
            let findings = diagnostics::judge(&setup, &root, "content/posts/bench.md", &doc.text);
            judging.push(judge_started.elapsed());
            let sent: Vec<_> = findings
                .iter()
                .map(|f| diagnostics::finding(&doc, f, Encoding::Utf16, &links))
                .collect();
            let json = serde_json::to_string(&sent).unwrap_or_default();
            times.push(started.elapsed());
            diagnostics_sent = sent.len();
            std::hint::black_box(json);
        }
        times.sort();
        judging.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {name:<13} {bytes:>8} bytes, {diagnostics_sent:>5} diagnostics: median {:.2} ms (the engine's judgement {:.2} ms), min {:.2} ms, max {:.2} ms ({runs} re-checks)",
            ms(times[times.len() / 2]),
            ms(judging[judging.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1]),
        );
    }
    ExitCode::SUCCESS
}
