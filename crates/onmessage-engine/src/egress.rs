//! The egress scan: publish's second, independent line of defence.
//!
//! Selection (eligibility at `now`, the check's findings) decides what may
//! be published; this module looks at what was actually written. Every
//! output file's text and every output path is scanned, with the same
//! matcher as the check, for names that can never be published at `now`:
//! codenames, names of products not announced at `now`, names of clients
//! not approved at `now`, and internal hosts. Any hit is a selection bug,
//! so publish stops before its new output replaces the old one.
//!
//! Output formats escape text, so each text is scanned as written and as
//! decoded: JSON string escapes (`\u00e9`, `\"`, surrogate pairs), XML and
//! HTML character references (`&amp;`, `&#70;`, `&#x46;`, `&nbsp;`) and
//! percent-encoding (share intents, query strings), repeated so that any
//! nesting of the three (a percent-encoded URL in an escaped attribute) is
//! undone. The configured base URL is blanked first: an intranet hub is
//! not a leak.

use jiff::Timestamp;

use crate::check::Setup;
use crate::matcher::Subject;
use crate::post::{Field, TextUnit};
use crate::urls::{self, host_to_ascii};

/// A name found in the output that may not be published at `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// The output file (relative, with `/`).
    pub path: String,
    /// True when the name is in the path itself, not in the file's text.
    pub in_path: bool,
    /// What it is: "codename of product widget-pro", "internal host".
    pub what: String,
    /// The name as the policy or calendar spells it (the domain, for hosts).
    pub name: String,
    /// The text as found (decoded).
    pub found: String,
    /// 1-based line of the file it is on.
    pub line: usize,
}

/// What the scan looks for, built once per publish.
pub struct Egress<'a> {
    setup: &'a Setup,
    now: Timestamp,
    internal: Vec<String>,
    /// The base URL as written, and decoded: blanked before scanning.
    base_url: Vec<String>,
}

impl<'a> Egress<'a> {
    pub fn new(setup: &'a Setup, now: Timestamp, base_url: &str) -> Egress<'a> {
        let internal = setup
            .policy
            .company
            .internal_domains
            .iter()
            .filter_map(|d| host_to_ascii(d))
            .collect();
        let mut forms = vec![base_url.to_string(), decode(base_url)];
        forms.retain(|f| f.len() > 2);
        forms.dedup();
        Egress {
            setup,
            now,
            internal,
            base_url: forms,
        }
    }

    /// The leaks in an output path (`audiences/<name>/feed.json`,
    /// `media/<stem>-<hash>.jpg`).
    pub fn scan_path(&self, path: &str) -> Vec<Leak> {
        let mut leaks = self.scan_text(path, path);
        for leak in &mut leaks {
            leak.in_path = true;
        }
        leaks
    }

    /// The leaks in the text of an output file.
    pub fn scan_file(&self, path: &str, bytes: &[u8]) -> Vec<Leak> {
        self.scan_part(path, bytes, 1)
    }

    /// The leaks in a part of an output file that starts a line, which is
    /// line `first_line` of the file (lines in leaks count from there).
    pub fn scan_part(&self, path: &str, bytes: &[u8], first_line: usize) -> Vec<Leak> {
        let text = String::from_utf8_lossy(bytes);
        let mut leaks = self.scan_text(path, &text);
        for leak in &mut leaks {
            leak.line += first_line - 1;
        }
        leaks
    }

    fn scan_text(&self, path: &str, text: &str) -> Vec<Leak> {
        let mut text = text.to_string();
        for form in &self.base_url {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), &" ".repeat(form.len()));
            }
        }
        // Decoded line by line, an escaped line break read as a space, so
        // the decoded text's lines are the file's.
        let decoded = if text.contains(['\\', '&', '%']) {
            text.split('\n')
                .map(|line| decode(line).replace(['\n', '\r'], " "))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text.clone()
        };
        let mut forms = vec![text];
        if decoded != forms[0] {
            forms.push(decoded);
        }
        let mut leaks = Vec::new();
        for text in &forms {
            for leak in self.names(path, text) {
                // One report per name per file: the first place it is.
                if !leaks
                    .iter()
                    .any(|l: &Leak| l.what == leak.what && l.name == leak.name)
                {
                    leaks.push(leak);
                }
            }
        }
        leaks
    }

    fn names(&self, path: &str, text: &str) -> Vec<Leak> {
        let line = |at: usize| text[..at].bytes().filter(|&b| b == b'\n').count() + 1;
        let leak = |what: String, name: String, found: &str, at: usize| Leak {
            path: path.to_string(),
            in_path: false,
            what,
            name,
            found: found.to_string(),
            line: line(at),
        };
        let mut leaks = Vec::new();
        let units = [TextUnit::verbatim(Field::Copy(None), text.to_string(), 0)];
        let calendar = &self.setup.calendar;
        for hit in self.setup.matcher.scan(&units) {
            let what = match hit.subject {
                // A codename with a `public_at` that has come may be named.
                Subject::Codename { product } => calendar
                    .products
                    .get(product)
                    .filter(|p| !p.codename_is_public_at(&hit.spelling, self.now))
                    .map(|p| format!("a codename of product {}", p.id)),
                Subject::ProductName { product } => calendar
                    .products
                    .get(product)
                    .filter(|p| !p.is_announced_at(self.now))
                    .map(|p| format!("the name of product {}, not announced at --now", p.id)),
                Subject::ClientName { client } => self
                    .setup
                    .policy
                    .clients
                    .get(client)
                    .filter(|c| !c.is_approved_at(self.now))
                    .map(|c| format!("the name of client {}, not approved at --now", c.id)),
                Subject::Term { .. } | Subject::Phrase { .. } => None,
            };
            if let Some(what) = what {
                leaks.push(leak(what, hit.spelling.clone(), &hit.text, hit.range.start));
            }
        }
        for mention in urls::internal_mentions(text, &self.internal) {
            leaks.push(leak(
                "an internal host".to_string(),
                mention.domain,
                &text[mention.range.clone()],
                mention.range.start,
            ));
        }
        leaks
    }
}

/// `text` with JSON escapes, character references and percent-encoding
/// undone, repeatedly (at most four rounds) until nothing changes.
pub fn decode(text: &str) -> String {
    let mut current = text.to_string();
    for _ in 0..4 {
        let next = percent(&references(&json_escapes(&current)));
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn json_escapes(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let hex4 = |s: &str| {
            s.get(..4)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        if let Some(u) = after.strip_prefix('u').and_then(hex4) {
            let mut used = 5;
            let c = if (0xD800..0xDC00).contains(&u) {
                let low = after
                    .get(5..)
                    .and_then(|s| s.strip_prefix("\\u"))
                    .and_then(hex4)
                    .filter(|l| (0xDC00..0xE000).contains(l));
                match low {
                    Some(low) => {
                        used = 11;
                        char::from_u32(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                    }
                    None => None,
                }
            } else {
                char::from_u32(u)
            };
            out.push(c.unwrap_or('\u{FFFD}'));
            rest = &after[used..];
        } else if let Some(c) = after.chars().next() {
            out.push(match c {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'b' | 'f' => ' ',
                other => other,
            });
            rest = &after[c.len_utf8()..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// XML and HTML character references: numeric ones, the five XML names,
/// and the HTML names that stand for spaces and dashes (which split or
/// join words).
fn references(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = if let Some(num) = name.strip_prefix('#') {
                let value = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                };
                value.and_then(char::from_u32)
            } else {
                Some(match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
                    "shy" | "zwj" | "zwnj" => '\u{200B}',
                    "ndash" | "mdash" | "hyphen" => '-',
                    _ => return None,
                })
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Percent-encoding, where the decoded bytes are UTF-8; `+` is left alone
/// (the matcher treats it as a separator either way).
fn percent(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> Setup {
        let policy = br#"version: 1
company:
  name: Example Corp
  timezone: America/New_York
  domains: [example.com]
  internal_domains: [corp.example.com]
clients:
  - {id: acme, names: [Acme Logistics], approved_until: 2027-01-31}
  - {id: globex, names: [Globex]}
  - {id: initech, names: [Initech], approved_from: 2027-02-01, approved_until: 2027-12-31}
rules: []
"#;
        let calendar = br#"version: 1
products:
  - {id: widget-pro, name: Widget Pro, codenames: [Falcon, Project Falcon], announce_at: 2027-02-01T00:00:00Z}
"#;
        Setup::parse(policy, calendar).expect("valid fixture")
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn decodes_every_output_escape() {
        assert_eq!(
            decode(r#"F\u0061lcon \"x\" \ud83d\ude00"#),
            "Falcon \"x\" \u{1F600}"
        );
        assert_eq!(
            decode("F&#97;lcon &amp; &#x46;alcon Silver&nbsp;Lantern"),
            "Falcon & Falcon Silver Lantern"
        );
        assert_eq!(decode("text=Project%20Falcon%21"), "text=Project Falcon!");
        // Nested: a percent-encoded URL in an escaped attribute in JSON.
        assert_eq!(decode(r#"a=1\u0026amp;text=F%61lcon"#), "a=1&text=Falcon");
        // Malformed escapes are left as they are.
        assert_eq!(decode(r"\u12 & &unknown; %zz \"), r"u12 & &unknown; %zz \");
    }

    #[test]
    fn finds_what_may_not_be_published_at_now_and_nothing_else() {
        let setup = setup();
        let before = Egress::new(&setup, at("2027-01-15T00:00:00Z"), "./");
        let file = br#"{"content_text": "Our P\u0072oject Falcon team","share": "https://x.com/intent?text=Widget%20Pro"}"#;
        let leaks = before.scan_file("feed.json", file);
        let whats: Vec<&str> = leaks.iter().map(|l| l.what.as_str()).collect();
        assert!(
            whats
                .iter()
                .any(|w| w.starts_with("a codename of product widget-pro")),
            "{leaks:?}"
        );
        assert!(
            whats
                .iter()
                .any(|w| w.starts_with("the name of product widget-pro")),
            "{leaks:?}"
        );
        // Announced at --now: the name is fine, the codename never is.
        let after = Egress::new(&setup, at("2027-02-02T00:00:00Z"), "./");
        let leaks = after.scan_file("feed.json", file);
        assert!(
            leaks.iter().all(|l| l.what.starts_with("a codename")),
            "{leaks:?}"
        );
        assert!(!leaks.is_empty());
        // Clients: approved until 2027-01-31 (exclusive end 2027-02-01).
        let html = b"<p>Thanks to Acme&#32;Logistics, In&#105;tech and G&#108;obex</p>";
        let names = |e: &Egress| -> Vec<String> {
            e.scan_file("index.html", html)
                .into_iter()
                .map(|l| l.name)
                .collect()
        };
        // Initech's approval starts on 2027-02-01 (00:00 in New York).
        assert_eq!(names(&before), ["Initech", "Globex"]);
        assert_eq!(names(&after), ["Acme Logistics", "Globex"]);
        // Clean output passes.
        assert_eq!(
            before.scan_file("index.html", b"<p>A tip for &amp; from us</p>"),
            []
        );
    }

    #[test]
    fn internal_hosts_except_the_base_url() {
        let setup = setup();
        let now = at("2027-01-15T00:00:00Z");
        let plain = Egress::new(&setup, now, "./");
        for text in [
            "see wiki.corp.example.com/page",
            "https://WIKI.Corp.Example.COM./x",
            "wiki.corp\u{3002}example.com",
            "https://wiki.\u{FF43}\u{FF4F}\u{FF52}\u{FF50}.example.com",
            r"https:\/\/wiki.corp.example.com\/x",
            "u=https%3A%2F%2Fwiki%2Ecorp.example.com",
        ] {
            let leaks = plain.scan_file("feed.json", text.as_bytes());
            assert_eq!(leaks.len(), 1, "{text}: {leaks:?}");
            assert_eq!(leaks[0].name, "corp.example.com");
        }
        for text in [
            "corp.example.com.evil.test",
            "notcorp.example.com",
            "example.com",
        ] {
            assert_eq!(plain.scan_file("feed.json", text.as_bytes()), [], "{text}");
        }
        let intranet = Egress::new(&setup, now, "https://hub.corp.example.com/advocacy/");
        let page = br#"<a href="https://hub.corp.example.com/advocacy/#tip">tip</a>"#;
        assert_eq!(intranet.scan_file("index.html", page), []);
        assert_eq!(plain.scan_file("index.html", page).len(), 1);
        // Paths are scanned too.
        let leaks = plain.scan_path("audiences/project-falcon/feed.json");
        assert!(
            leaks[0].in_path && leaks[0].what.starts_with("a codename"),
            "{leaks:?}"
        );
    }
}
