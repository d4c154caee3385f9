//! The benchmark's corpus is honest: every leak it plants is found by
//! `check` at its exact place, and nothing else is an error, so the
//! benchmark cannot pass by finding nothing. (Not timed.)

use std::path::Path;
use std::process::Command;

use onmessage_bench::corpus::{self, LeakKind};
use onmessage_bench::recall::{self, Seen};

#[test]
fn every_planted_leak_is_found_and_nothing_else_errs() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-corpus");
    let _ = std::fs::remove_dir_all(&root);
    // 300 posts, a tenth of them with a leak (the benchmark plants 1%), and
    // the policy of 100 names and terms.
    let content = corpus::write_content(&root, 300, 100, 7).unwrap();
    corpus::write_policies(&root, 100).unwrap();
    assert_eq!(content.posts, 300);
    assert!(content.crlf_files > 0 && content.non_ascii_files > 0);
    for kind in [
        LeakKind::Codename,
        LeakKind::UnannouncedProduct,
        LeakKind::UnapprovedClient,
        LeakKind::ErrorTerm,
    ] {
        assert!(
            content.plants.iter().any(|p| p.kind == kind),
            "no {kind:?} planted"
        );
    }
    for field in ["title", "tag", "default copy"] {
        assert!(
            content.plants.iter().any(|p| p.field == field),
            "nothing planted in the {field}"
        );
    }
    assert!(
        content
            .plants
            .iter()
            .any(|p| p.field.ends_with(" copy") && p.field != "default copy")
    );
    assert!(content.plants.len() >= 20, "{}", content.plants.len());
    // Hyphenated multi-word codenames are planted, and count.
    assert!(
        content
            .plants
            .iter()
            .any(|p| p.kind == LeakKind::Codename && p.text.contains('-')),
        "no hyphenated codename planted"
    );
    // Clean posts carry near misses: words that spell a policy term
    // together ("on a" for `Ona`), which must not be errors.
    let near_misses = walkdir::WalkDir::new(root.join("content/posts"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            text.contains("on a roll") || text.contains("S&P 500")
        })
        .count();
    assert!(near_misses >= 5, "{near_misses} posts with near misses");

    let (posts, seen) = check(&root);
    assert_eq!(posts, 300);
    let r = recall::recall(&content.plants, &seen);
    assert!(r.missed.is_empty(), "missed: {:#?}", r.missed);
    assert!(
        r.extra_errors.is_empty(),
        "unplanted errors: {:#?}",
        r.extra_errors
    );
    assert!(
        r.extra_warnings.is_empty(),
        "unplanted warnings: {:#?}",
        r.extra_warnings
    );
    assert_eq!(r.found, content.plants.len());
    assert!(r.exact());

    // Removing the leaks leaves a clean repository: the corpus is not
    // passing because the check reports everything everywhere.
    let planted_paths: std::collections::BTreeSet<&str> =
        content.plants.iter().map(|p| p.path.as_str()).collect();
    for f in &seen {
        assert!(planted_paths.contains(f.path.as_str()), "{f:?}");
    }

    // The larger policy is a superset: the same posts give the same result.
    corpus::write_policies(&root, 1_000).unwrap();
    let (_, seen) = check(&root);
    assert!(recall::recall(&content.plants, &seen).exact());
    std::fs::remove_dir_all(&root).unwrap();
}

/// The posts counted and the findings of `cargo xtask check` on `root`.
fn check(root: &Path) -> (usize, Vec<Seen>) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .output()
        .unwrap();
    recall::from_report(std::str::from_utf8(&output.stdout).unwrap()).unwrap()
}

#[test]
fn the_report_json_is_read_back() {
    let json = r#"{"version":1,"summary":{"posts":2,"errors":1,"warnings":0,"suppressed":0},
      "findings":[{"rule":"product.codename","severity":"error","path":"content/posts/a.md",
      "line":9,"column":14,"end_line":9,"end_column":20,"message":"m","help":"h","suppressed":false}]}"#;
    let (posts, seen) = recall::from_report(json).unwrap();
    assert_eq!(posts, 2);
    assert_eq!(seen[0].rule, "product.codename");
    assert_eq!((seen[0].line, seen[0].column), (9, 14));
}
