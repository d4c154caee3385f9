//! `cargo xtask lsp`: the language server (LSP 3.17 over stdin and stdout).
//!
//! Built on `lsp-server` and `lsp-types`, rust-analyzer's crates: a
//! synchronous message loop on crossbeam channels, no async runtime (the
//! engine is synchronous and a check is CPU work, so an executor would add
//! nothing but weight; `tower-lsp` is unmaintained).
//!
//! Threads: the main loop owns every document and answers every request;
//! one worker judges posts (so typing in a 1 MiB post never blocks hover
//! or completion); a watcher polls the policy and calendar on disk; a
//! scanner reads the audiences of the repository's posts once. Checks of a
//! changed post are debounced; a queued check superseded by a newer one is
//! dropped before it runs, and a result for a superseded text or policy is
//! dropped when it arrives.

mod actions;
pub mod bench;
mod complete;
mod diagnostics;
mod server;
mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lsp_types::Uri;

pub use server::serve;

#[derive(clap::Args)]
pub struct LspArgs {
    /// Talk over stdin and stdout (the only transport; accepted because
    /// some clients always pass it).
    #[arg(long)]
    stdio: bool,
    /// Measure how long the server takes to re-check a typical post and a
    /// 1 MiB post, print the numbers and exit (no editor needed).
    #[arg(long)]
    bench: bool,
    /// The repository for --bench (default: the nearest directory above
    /// that holds policies/policy.yaml); the server takes it from the
    /// editor's workspace.
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(args: LspArgs) -> ExitCode {
    let _ = args.stdio;
    if args.bench {
        return bench::run(args.root);
    }
    serve()
}

/// The local path of a `file:` URI.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // An authority (`file://localhost/...`) before the path.
    let path = &rest[rest.find('/')?..];
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path)?;
    let text = String::from_utf8(bytes).ok()?;
    Some(PathBuf::from(text))
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The `file:` URI of a path, with `#L<line>` when a line is given.
pub fn file_uri(path: &Path, line: Option<usize>) -> Option<Uri> {
    let path = path.to_str()?;
    let mut s = String::from("file://");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if let Some(line) = line {
        s.push_str(&format!("#L{line}"));
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a b/é#1.md");
        let uri = file_uri(path, None).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%A9%231.md");
        assert_eq!(uri_path(&uri).unwrap(), path);
        let other: Uri = "file://localhost/x/y.md".parse().unwrap();
        assert_eq!(uri_path(&other).unwrap(), Path::new("/x/y.md"));
        let web: Uri = "https://example.com/x".parse().unwrap();
        assert!(uri_path(&web).is_none());
    }
}
